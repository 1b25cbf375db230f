"""Bytes to text: encoding detection, and refusing what is not text."""

from __future__ import annotations

from unspin.errors import BinaryInputError, DecodeError, EmptyInputError, InputTooLargeError

#: Control characters other than tab, newline, carriage return and form feed.
_CONTROL = set(range(0, 32)) - {9, 10, 12, 13}


def check_size(n_bytes: int, max_bytes: int, what: str) -> None:
    if n_bytes > max_bytes:
        raise InputTooLargeError(
            f"{what} is {n_bytes / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
            "pass a smaller page or raise the limit with --max-mb",
            size=n_bytes,
        )


def looks_binary(data: bytes) -> bool:
    """True for data with NUL bytes or many control bytes in its first 8 KB."""
    head = data[:8192]
    if b"\x00" in head and not (head.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return True
    if not head:
        return False
    controls = sum(1 for b in head if b in _CONTROL)
    return controls / len(head) > 0.05


def decode_bytes(data: bytes, what: str = "input", declared: str | None = None) -> str:
    """Decode ``data`` (UTF-8 with or without BOM first, then the declared charset, then detection).

    Raises EmptyInputError, BinaryInputError or DecodeError with a message saying what to do.
    """
    if not data.strip():
        raise EmptyInputError(f"{what} is empty; give an article's text, HTML, a URL or JSONL records")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"{what} starts with a UTF-16 mark but does not decode: {exc}") from exc
    if looks_binary(data):
        raise BinaryInputError(
            f"{what} looks like a binary file, not text or HTML; give the article as text, HTML "
            "or JSONL (for PDFs or Word files, export the text first)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    best = matches[0] if matches else None
    # Single-byte Latin codepages are often indistinguishable on short texts; like browsers
    # (WHATWG), prefer windows-1252 when it decodes as cleanly as the best guess.
    for match in matches:
        if match.encoding == "cp1252" and best is not None and match.chaos <= best.chaos:
            best = match
            break
    if best is None:
        raise DecodeError(
            f"cannot tell the character encoding of {what}; convert it to UTF-8 first "
            "(e.g. iconv -f <encoding> -t utf-8)"
        )
    return str(best)
