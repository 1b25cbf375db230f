"""Clean: take out what is not the article, and say what was taken out.

Works on lines (paragraphs as extractors and scrapers emit them). A line goes when it is
 - a promo or cross-link (``promo``): it starts with a cross-link label followed by a colon,
   dash or arrow ("IN OTHER NEWS: …", "NOW WATCH: …", "Read more: …", "[Related: …]",
   "SEE MORE: …", "Also: …"), or it is nothing but such a label ("READ MORE", "DON'T MISS",
   "You may also like…", "Most read in world news", "Popular on <site>", "Explore further");
 - a call to sign up, subscribe, follow or download (``signup``): the line starts with one
   ("Sign up for …", "Subscribe to …", "Click here to …", "Follow us on …"), or one of its
   sentences does ("… Sign up for the free daily newsletter.", "… Follow him on Twitter
   @…"), in a line of at most 40 words; "Thanks for signing up!";
 - a share bar (``share_bar``): a line made only of share words (Share, Tweet, Email,
   Facebook, …) or a share prompt ("Like this story? Share it with a friend!");
 - a photo or video credit ("Photo: …", "(AP Photo/…)", "Image credit …", "… / Getty Images")
   (``credit``);
 - a link left by a promo (``video_title``, ``link``): the title of a video after a
   "WATCH"/"VIDEO" promo (a short line without closing punctuation, as a video embed leaves
   behind), and the run of short title-like lines after a bare cross-link label ("DON'T
   MISS", "You may also like…") or marked as links (a leading "- "/"• " after a promo, or a
   trailing tag such as "[VIDEO]" or "[INSIGHT]").
Inside a kept line, a trailing "Click to tweet" prompt goes (``share_prompt``).
The headline (first line) is never removed. Rules are general, written for no site in
particular; tuned against the Zyte article-extraction benchmark's pages (see
``unspin eval extraction`` and BENCHMARKS.md), where they must not cost recall.

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
    r"ALSO READ|SEE MORE|MORE ON THIS(?: STORY)?|MORE FROM [A-Z][A-Z ]+|SEE ALSO|"
    r"RELATED(?: ARTICLES?| STORIES| CONTENT| COVERAGE| POSTS?| READING)?|"
    r"RECOMMENDED(?: FOR YOU| READING)?|TRENDING(?: NOW)?|DON'T MISS|DON’T MISS|MUST READ|"
    r"MOST READ|POPULAR|SPONSORED(?: CONTENT)?|ADVERTISEMENT|PROMOTED|CLICK HERE|VIDEO|LISTEN|"
    r"EDITOR'S PICKS?|EDITOR’S PICKS?|MORE STORIES|TOP STORIES|FURTHER READING|EXPLORE FURTHER"
)
#: An all-caps label followed by a colon, dash or arrow and link text, or alone on its line.
_PROMO = re.compile(
    rf"^\s*[\[(]?(?:{_PROMO_LABELS})\s*(?::|—|–|-|>>|»|\|)\s*\S|^\s*(?:{_PROMO_LABELS})\s*[:.…]*\s*$")
#: The labels in any case, followed by a colon or an arrow ("Read more: …", "[Related: …]").
_PROMO_TITLE = re.compile(
    r"^\s*[\[(]?(?:Read more|Read next|Read also|Also read|See more|See also|"
    r"Related(?: articles?| stories| posts?| coverage| content| reading)?|Recommended|Watch|"
    r"Now watch|In other news|More on this(?: story)?|Don[’']t miss|Sponsored|Advertisement|"
    r"More|Also|Also on [\w.-]+(?: [\w.-]+)?|Listen|Further reading)\s*(?::|»|>>)",
    re.IGNORECASE)
#: A line that is nothing but a cross-link label (in any case), "…"/":" allowed at the end.
_BARE_LABEL = re.compile(
    r"^\s*(?:You (?:may|might) (?:also )?(?:like|enjoy)|More (?:stories|from [\w .'’&-]{1,40})|"
    r"Most (?:read|popular|viewed|shared)(?: (?:in|on) [\w .'’&-]{1,30})?|"
    r"Popular (?:on|in) [\w .'’&-]{1,30}|Related (?:articles?|stories|posts|coverage|content)|"
    r"Recommended (?:for you|reading|stories)|Top stories|Explore further|Further reading|"
    r"Editor[’']s picks?|Don[’']t miss|Read more|See also)\s*[:.…]*\s*$",
    re.IGNORECASE)
_WATCH = re.compile(r"^\s*(?:NOW WATCH|WATCH|VIDEO|WATCH NOW|WATCH THE VIDEO)\b", re.IGNORECASE)
_SIGNUP = re.compile(
    r"^\s*(?:sign up|subscribe|follow us|follow [^.!?]{1,60}? on (?:twitter|facebook|instagram|youtube|"
    r"tiktok|linkedin|x)\b|follow \S+ on|download (?:our|the) app|get (?:our|the) "
    r"(?:free )?newsletter|join our|like us on|click here to|support (?:our|independent) journalism|"
    r"thanks for (?:signing up|subscribing))\b",
    re.IGNORECASE)
#: The same calls as one sentence of a short line ("… Sign up for the free newsletter.").
_SIGNUP_SENTENCE = re.compile(
    r"[.!?]\s+(?:sign up (?:for|to|here|now|today)|subscribe (?:to|for|now|here|today)|"
    r"click here (?:to|for)|follow (?:us|him|her|them|[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}) "
    r"on (?:twitter|facebook|instagram|youtube|tiktok|linkedin|x)\b|"
    r"follow (?:us|him|her|them) @\w)",
    re.IGNORECASE)
_SHARE_WORDS = {
    "share", "tweet", "email", "e-mail", "facebook", "twitter", "x", "linkedin", "pinterest",
    "whatsapp", "reddit", "telegram", "print", "copy", "link", "copy link", "comments", "comment",
    "save", "flipboard", "messenger", "sms", "this", "article", "on", "via", "|", "·", "•",
}
_SHARE_PROMPT = re.compile(
    r"\b(?:share (?:it|this)(?: story| article| post)? with (?:a friend|friends|your)|"
    r"click to tweet)\b", re.IGNORECASE)
#: A trailing share prompt inside a line of article text ("… a quotable line.Click To Tweet").
_TRAILING_PROMPT = re.compile(r"\s*\bClick to tweet\s*$", re.IGNORECASE)
_CREDIT = re.compile(
    r"^\s*\(?(?:photo|image|picture|video|illustration|graphic|file photo|pictured)\s*"
    r"(?:credit|courtesy|by|source)?\s*[:/(-]|"
    r"^\s*\(?(?:AP|AFP|Reuters|EPA|Getty|Shutterstock)\s*(?:Photo|Images)?\s*/|"
    r"(?:/|\|)\s*(?:Getty Images|Shutterstock|AP Photo|AFP|Reuters|EPA)\s*\)?\s*$|"
    r"^\s*(?:Credit|Image credit|Photo credit)s?\s*:",
    re.IGNORECASE)
#: A link marked as one: a list bullet, or a trailing all-caps tag ("[VIDEO]", "[INSIGHT]|").
_LIST_ITEM = re.compile(r"^\s*[-•·]\s+\S")
_LINK_TAG = re.compile(r"\[(?:[A-Z][A-Z ]{2,20}|Video|Photos|Pics|Gallery|Watch)\]\s*\|?\s*$")

_MAX_CALL_WORDS = 40


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


def _is_tagged_link(line: str) -> bool:
    """A short line marked as a link by a trailing tag ("… [VIDEO]"), with text before it."""
    m = _LINK_TAG.search(line)
    return m is not None and len(line.split()) <= 25 and _is_title_like(line[:m.start()])


def classify_line(line: str) -> str | None:
    """The reason ``line`` is not article text, or None when it is."""
    if not line.strip():
        return None
    if _PROMO.search(line) or _PROMO_TITLE.search(line) or _BARE_LABEL.search(line):
        return "promo"
    n_words = len(line.split())
    if n_words <= _MAX_CALL_WORDS and (_SIGNUP.search(line) or _SIGNUP_SENTENCE.search(line)):
        return "signup"
    if _is_share_bar(line) or (n_words <= 25 and _SHARE_PROMPT.search(line)
                               and not _TRAILING_PROMPT.search(line)):
        return "share_bar"
    if _CREDIT.search(line) and n_words <= 30:
        return "credit"
    return None


def _is_bare_label(line: str) -> bool:
    """A promo line that is only a label, with no link text of its own ("DON'T MISS")."""
    return bool(_BARE_LABEL.search(line)) or bool(
        re.fullmatch(rf"\s*(?:{_PROMO_LABELS})\s*[:.…]*\s*", line))


def find_removals(text: str) -> list[tuple[int, int, str]]:
    """``(line_index, content_index, reason)`` for the lines of ``text`` that are not article
    text (``content_index`` counts non-blank lines; 0 is the headline, which always stays)."""
    lines = _lines(text)
    content = [lines[i].text for i, ln in enumerate(lines) if ln.text.strip()]
    index = [i for i, ln in enumerate(lines) if ln.text.strip()]
    reasons: dict[int, str] = {}
    for n in range(1, len(content)):
        reason = classify_line(content[n])
        if reason is None and _is_tagged_link(content[n]):
            reason = "link"
        if reason is not None:
            reasons[n] = reason
    for n in sorted(k for k, r in reasons.items() if r == "promo"):
        run: list[int] = []  # the title-like lines right after the promo
        m = n + 1
        while m < len(content) and m not in reasons and _is_title_like(content[m]):
            run.append(m)
            m += 1
        if not run:
            continue
        if _WATCH.search(content[n]):  # a video embed leaves its title behind
            reasons[run[0]] = "video_title"
        elif _is_bare_label(content[n]):
            # A bare label heads a list of links; one short line alone after it is more
            # likely the article's next subheading (the widget's links already gone).
            if len(run) >= 2 or m == len(content):
                reasons.update(dict.fromkeys(run, "link"))
        else:
            for k in run:
                if not _LIST_ITEM.search(content[k]):
                    break
                reasons[k] = "link"
    return [(index[n], n, r) for n, r in sorted(reasons.items())]


def _trailing_prompt(line: str) -> tuple[int, int] | None:
    """``[start, end)`` within ``line`` of a trailing share prompt, when text precedes it."""
    m = _TRAILING_PROMPT.search(line)
    if m is None or not line[:m.start()].strip():
        return None
    return m.start(), m.end()


def clean(article: Article) -> Article:
    """The article with non-article lines removed and each removal reported."""
    raw = article.raw_text
    lines = _lines(raw)
    removals = {i: reason for i, _n, reason in find_removals(raw)}
    first = next((i for i, ln in enumerate(lines) if ln.text.strip()), 0)
    trims: dict[int, tuple[int, int]] = {}
    for i, ln in enumerate(lines):
        if i not in removals and i != first:
            span = _trailing_prompt(ln.text)
            if span is not None:
                trims[i] = span
    if not removals and not trims:
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
        if keep[i] and i in trims:
            s, e = ln.start + trims[i][0], ln.start + trims[i][1]
            pieces.append(raw[pos:s])
            out_len += s - pos
            removed.append(Removed(s, e, raw[s:e], "share_prompt", out_len))
            pieces.append(raw[e:nxt])
            out_len += nxt - e
        elif keep[i]:
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
