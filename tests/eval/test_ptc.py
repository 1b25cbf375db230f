"""The PTC reader and the project's fixed held-out split."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspin.corpora.ptc import Article, read_articles, split_of
from unspin.errors import InputError


def test_the_split_is_a_fixed_function_of_the_id() -> None:
    assert [split_of(str(i)) for i in range(10)] == [split_of(str(i)) for i in range(10)]


def test_about_one_article_in_five_is_held_out() -> None:
    share = sum(split_of(f"7{i:08d}") == "dev" for i in range(2000)) / 2000
    assert 0.17 < share < 0.23


def test_sentences_keep_their_offsets_into_the_article() -> None:
    art = Article("1", "Title here\n\nFirst line.\nSecond one.\n", ())
    assert [(s.start, s.text) for s in art.sentences()] == \
        [(0, "Title here"), (12, "First line."), (24, "Second one.")]
    assert all(art.text[s.start : s.start + len(s.text)] == s.text for s in art.sentences())


def test_a_folder_that_is_not_ptc_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        read_articles(tmp_path)


@pytest.mark.data
def test_the_corpus_reads_with_its_labels(data_dir: Path) -> None:
    ptc = data_dir / "ptc"
    if not ptc.is_dir():
        pytest.skip(f"{ptc} is absent")
    train, dev = read_articles(ptc, "train"), read_articles(ptc, "dev")
    assert (len(train), len(dev)) == (297, 74)
    assert sum(len(a.spans) for a in train + dev) == 6128
    assert all(0 <= s.start < s.end <= len(a.text) for a in dev for s in a.spans)
