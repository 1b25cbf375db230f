"""Bytes become text whatever their encoding; what is not text is refused with a clear error."""

from __future__ import annotations

import pytest

from unspin.errors import BinaryInputError, EmptyInputError
from unspin.ingest.decode import decode_bytes, looks_binary

SENTENCE = "Le ministre a déclaré que la réforme « ne coûtera rien » aux ménages, même en hiver."


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
def test_common_encodings_decode_to_the_same_text(encoding: str) -> None:
    assert decode_bytes(SENTENCE.encode(encoding)) == SENTENCE


def test_empty_and_whitespace_only_input_is_refused() -> None:
    with pytest.raises(EmptyInputError, match="empty"):
        decode_bytes(b"")
    with pytest.raises(EmptyInputError):
        decode_bytes(b"  \n\t \n")


def test_binary_data_is_refused_with_advice() -> None:
    png_like = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(BinaryInputError, match="binary") as info:
        decode_bytes(png_like, "photo.png")
    assert info.value.code == "E102"
    assert "export the text" in info.value.message


def test_plain_text_with_tabs_and_newlines_is_not_binary() -> None:
    assert not looks_binary(b"Headline\n\n\tFirst paragraph.\r\nSecond paragraph.\f")
