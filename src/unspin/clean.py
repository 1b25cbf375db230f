"""Clean: take out what is not the article, and say what was taken out.

Works on lines (paragraphs as extractors and scrapers emit them). A line goes when it is
 - a promo or cross-link: starts with a shouting label such as "IN OTHER NEWS:", "NOW WATCH:",
   "READ MORE", "RELATED:", "ALSO READ", "RECOMMENDED", "ADVERTISEMENT" (``promo``);
 - a call to sign up, subscribe, follow or download (``signup``);
 - a share bar: a line made only of share words (Share, Tweet, Email, Facebook, …) (``share_bar``);
 - a photo or video credit ("Photo: …", "(AP Photo/…)", "Image credit …", "… / Getty Images")
   (``credit``);
 - the title of a video that follows a watch promo: a short line without closing punctuation
   directly after a "WATCH"/"VIDEO" promo, as a video embed leaves behind (``video_title``).
The headline (first line) is never removed. Rules are general, written for no site in particular.

Every removal is reported: ``[start, end)`` into the text before cleaning, the removed text,
the reason, and ``at``, the position in the cleaned text where it stood. The blank lines
around a removed line go with it so paragraphs stay separated by what separated them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from unspin.article import Article, Removed

_PROMO_LABELS = (
    r"IN OTHER NEWS|NOW WATCH|WATCH(?: NOW| MORE| THE VIDEO| LIVE)?|READ MORE|READ NEXT|READ ALSO|"
    r"ALSO READ|MORE ON THIS|MORE FROM [A-Z][A-Z ]+|SEE ALSO|RELATED(?: ARTICLES?| STORIES| CONTENT| COVERAGE)?|"
    r"RECOMMENDED(?: FOR YOU)?|TRENDING(?: NOW)?|DON'T MISS|MUST READ|MOST READ|POPULAR|"
    r"SPONSORED(?: CONTENT)?|ADVERTISEMENT|PROMOTED|CLICK HERE|VIDEO|LISTEN|EDITOR'S PICKS?|UP NEXT"
)
#: An all-caps label followed by a colon, dash or nothing but the link text.
_PROMO = re.compile(rf"^\s*(?:{_PROMO_LABELS})\s*(?::|—|–|-|>>|»|\|)\s*\S|^\s*(?:{_PROMO_LABELS})\s*$")
#: The same labels in title case, only when followed by a colon ("Read more: …", "Related: …").
_PROMO_TITLE = re.compile(
    r"^\s*(?:Read more|Read next|Read also|Also read|See also|Related|Recommended|Watch|Now watch|"
    r"In other news|More on this|Don't miss|Sponsored|Advertisement)\s*(?::|»|>>)", re.IGNORECASE)
_WATCH = re.compile(r"^\s*(?:NOW WATCH|WATCH|VIDEO|WATCH NOW|WATCH THE VIDEO)\b", re.IGNORECASE)
_SIGNUP = re.compile(
    r"^\s*(?:sign up|subscribe|follow us|follow \S+ on|download (?:our|the) app|get (?:our|the) "
    r"(?:free )?newsletter|join our|like us on|click here to|support (?:our|independent) journalism)\b",
    re.IGNORECASE)
_SHARE_WORDS = {
    "share", "tweet", "email", "e-mail", "facebook", "twitter", "x", "linkedin", "pinterest",
    "whatsapp", "reddit", "telegram", "print", "copy", "link", "copy link", "comments", "comment",
    "save", "flipboard", "messenger", "sms", "this", "article", "on", "via", "|", "·", "•",
}
_CREDIT = re.compile(
    r"^\s*\(?(?:photo|image|picture|video|illustration|graphic|file photo|pictured)\s*"
    r"(?:credit|courtesy|by|source)?\s*[:/(-]|"
    r"^\s*\(?(?:AP|AFP|Reuters|EPA|Getty|Shutterstock)\s*(?:Photo|Images)?\s*/|"
    r"(?:/|\|)\s*(?:Getty Images|Shutterstock|AP Photo|AFP|Reuters|EPA)\s*\)?\s*$|"
    r"^\s*(?:Credit|Image credit|Photo credit)s?\s*:",
    re.IGNORECASE)


@dataclass(frozen=True)
class _Line:
    start: int  # offset of the line's first character in the raw text
    end: int  # offset just past its last non-newline character
    text: str


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for piece in text.splitlines(keepends=True):
        body = piece.rstrip("\r\n")
        out.append(_Line(pos, pos + len(body), body))
        pos += len(piece)
    return out


def _is_share_bar(line: str) -> bool:
    words = [w.strip(".,:;!?()[]").lower() for w in line.split()]
    words = [w for w in words if w]
    return bool(words) and len(words) <= 12 and all(w in _SHARE_WORDS for w in words) \
        and any(w in ("share", "tweet", "facebook", "twitter", "email", "linkedin", "whatsapp",
                      "pinterest", "reddit") for w in words)


def _is_title_like(line: str) -> bool:
    stripped = line.strip()
    words = stripped.split()
    return 0 < len(words) <= 20 and not stripped.endswith((".", "!", "?", "…", ":", ";", ",", '"', "”"))


def classify_line(line: str) -> str | None:
    """The reason ``line`` is not article text, or None when it is."""
    if not line.strip():
        return None
    if _PROMO.search(line) or _PROMO_TITLE.search(line):
        return "promo"
    if _SIGNUP.search(line) and len(line.split()) <= 40:
        return "signup"
    if _is_share_bar(line):
        return "share_bar"
    if _CREDIT.search(line) and len(line.split()) <= 30:
        return "credit"
    return None


def find_removals(text: str) -> list[tuple[int, int, str]]:
    """``(line_index, _, reason)`` for the lines of ``text`` that are not article text."""
    lines = _lines(text)
    content = [i for i, ln in enumerate(lines) if ln.text.strip()]
    out: list[tuple[int, int, str]] = []
    after_watch = False
    for n, i in enumerate(content):
        line = lines[i].text
        if n == 0:  # the headline stays
            continue
        reason = classify_line(line)
        if reason is None and after_watch and _is_title_like(line):
            reason = "video_title"
        if reason is not None:
            out.append((i, n, reason))
        after_watch = reason == "promo" and bool(_WATCH.search(line))
    return out


def clean(article: Article) -> Article:
    """The article with non-article lines removed and each removal reported."""
    raw = article.raw_text
    lines = _lines(raw)
    removals = {i: reason for i, _n, reason in find_removals(raw)}
    if not removals:
        return replace(article, text=raw, removed=())
    # Walk the raw text line by line; a removed line takes the blank lines after it (or,
    # at the end of the text, the blank lines before it) along.
    keep = [True] * len(lines)
    for i in removals:
        keep[i] = False
        j = i + 1
        while j < len(lines) and not lines[j].text.strip():
            keep[j] = False
            j += 1
        if j >= len(lines):  # trailing: drop the separator before it instead
            k = i - 1
            while k >= 0 and not lines[k].text.strip() and keep[k]:
                keep[k] = False
                k -= 1
    pieces: list[str] = []
    removed: list[Removed] = []
    out_len = 0
    pos = 0
    for i, ln in enumerate(lines):
        nxt = lines[i + 1].start if i + 1 < len(lines) else len(raw)
        if keep[i]:
            pieces.append(raw[pos:nxt])
            out_len += nxt - pos
        elif i in removals:
            removed.append(Removed(ln.start, ln.end, ln.text, removals[i], out_len))
        pos = nxt
    text = "".join(pieces)
    if text.endswith("\n") and not raw.endswith("\n"):
        text = text.rstrip("\n")
    # "at" must stay inside the text when the removal was at the very end.
    removed = [replace(r, at=min(r.at, len(text))) for r in removed]
    return replace(article, text=text, removed=tuple(removed))
