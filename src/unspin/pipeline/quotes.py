"""Stage ``quotes``: who said what, to whom, through whom — direct, mixed and indirect.

Rule-based on spaCy's dependency parse (``en_core_web_sm``) and the ``actors`` layer.

* **Quoted passages** come from :mod:`unspin.pipeline._attribution.marks` (straight,
  curly, typewriter and single marks; apostrophes are not quotes; quotes running over
  paragraphs; unbalanced marks repaired with a warning, never an exception).
* **Cues** are verbs of saying, thinking and finding (``_attribution.lexicon``) that
  govern a clause (``argued that …``), a quoted passage (``“…,” he said``) or, for verbs
  of saying and intention, an object (``lamented the sanctions``, ``urged X to …``), and
  the phrase "according to X", a paragraph opened by a name and a colon ("Q: …",
  "Cruz: …") and impressions with no source ("X appears to …", PolNeAR's convention:
  the subject and the complement are the content). Verbs of finding ("shows", "found") count only when their
  subject names a source (an entity, or a poll/study/report…): "experience shows that"
  is not an attribution. A cue inside a quoted passage is the speaker's own words.
* **Source** is the cue's subject as written (the surface mention, as PolNeAR marks it),
  also after the cue ("“…,” said Hill"); a participle cue ("…, adding …") or a
  conjoined one takes its governor's subject. **Speaker** is the actor (``doc._.actors``) of that mention, so
  pronouns and nominals ("he", "the Belarusian leader") resolve through the actors stage.
* **Content** is the clause the cue governs ("that …"), the object of a verb of saying
  ("lamented the sanctions"; a preposition right after the verb joins the cue: "called
  for"), the clause around a parenthetical cue ("The plan, she said, will fail") or the
  quoted passages next to the cue, with only the cue's frame (subject, adverbs, the
  person told) between them.
* **Kinds.** A quoted passage that holds a clause is *direct*; a quoted fragment inside
  the reporter's sentence ("a “new world order”") is *mixed* and takes the speaker of the
  attribution around it (or of the nearest one before it). A quoted sentence with no cue
  of its own continues the direct attribution just before it (same paragraph or the one
  before); the paragraph convention links parts of one quote.
* **Reporting chains.** "…, The Daily Beast reports" and "according to Reuters" (or "the
  state news agency") around an attribution put that outlet in the inner attribution's
  ``via`` instead of making the outlet a speaker; an outlet reporting in the article's
  opening paragraph covers the attributions of the people its report names, anywhere in
  the article, and not those of others the article quotes.
* **Nesting.** "A said that B claimed …": B's attribution is kept inside A's (``within``,
  and A in B's ``via``), not dropped.
* **Addressee** is the person told / urged / asked, or the "to X" of a cue, a letter or a
  message ("In a letter delivered to … Guterres"); **channel** the "letter", "interview",
  "statement"… the words came through.

**Learned tagger, fused.** ``find_quotes(method="fused")`` (what the stage runs when the
tagger artifact is installed) adds the PolNeAR-trained span tagger
(:mod:`unspin.pipeline._attribution.tagger`) over the shared encoder pass and fuses the two
(:mod:`unspin.pipeline._attribution.fuse`): the tagger's exact spans and the attributions
only it finds (nominal cues, beliefs, intentions), the rules' speaker, addressee, channel,
``via`` and the attributions only they find. Every quote has a ``cue_class``
(:mod:`unspin.pipeline._attribution.classes`) and says which finder found it (``found_by``).

Confidence (rules) is a fixed prior per rule (direct with a cue 0.9, continuation 0.8, indirect
speech 0.75, mixed inside an attribution 0.7, thought, finding or "Name:" 0.6,
impression 0.5, a quote with a guessed speaker 0.4, a mixed quote with none 0.3), not a
calibrated probability.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from unspin.pipeline._attribution.lexicon import (
    CHANNELS,
    EVIDENCE_NOUNS,
    FINDING_VERBS,
    SPEECH_VERBS,
    THOUGHT_VERBS,
)
from unspin.pipeline._attribution.marks import QuotedSpan, find_quoted
from unspin.pipeline._spans import SpanIndex
from unspin.pipeline.actors import ActorLookup, find_actors
from unspin.report import Actor, Quote, Warning_
from unspin.report import Span as ReportSpan

__all__ = ["METHODS", "QuoteAttributor", "find_quotes", "rule_quotes"]

#: Verbs whose object is, in practice, a clause misread by the parser.
_CLAUSE_VERBS = frozenset({"say", "claim", "argue", "insist", "believe", "think", "contend", "maintain"})
_ADDRESSEE_VERBS = frozenset(
    ["tell", "urge", "ask", "warn", "inform", "remind", "assure", "promise", "advise", "implore", "beg", "thank", "accuse", "criticize", "criticise", "blast", "praise", "call", "question", "notify", "caution"]
)
_OBJECT_CUES = frozenset(
    ["lament", "urge", "call", "accuse", "criticize", "criticise", "blast", "slam", "praise", "condemn", "denounce", "decry", "mock", "defend", "attack", "dismiss", "reject", "deny", "confirm", "acknowledge", "admit", "announce", "describe", "want", "seek", "support", "oppose", "endorse", "promise", "vow", "pledge", "demand", "propose", "recommend", "predict", "tout", "refuse", "decline", "hope", "plan", "intend", "expect", "threaten", "question", "blame"]
)
_SUBJECT_DEPS = frozenset({"nsubj"})
#: Verbs of saying that report the act, not what was said ("she spoke for an hour").
_NOT_CUES = frozenset({"speak", "talk"})
_OBJECT_DEPS = frozenset({"dobj", "xcomp", "dative", "attr", "oprd", "acomp", "ccomp"})


@dataclass
class _Attr:
    cue: tuple[int, int] | None  # characters
    cue_tok: int | None
    source: tuple[int, int] | None
    content: list[tuple[int, int]]
    kind: str
    speaker: str | None
    confidence: float
    addressee: str | None = None
    channel: str | None = None
    via: list[str] = field(default_factory=list)
    sent: int = 0
    lemma: str = ""
    outlet_report: bool = False
    inherited: tuple[int, int] | None = None  # the governor's subject, for participle cues


def _chars(span: Span) -> tuple[int, int]:
    return (span.start_char, span.end_char)


def _tok_chars(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Characters of tokens ``[start, end)`` without leading/trailing punctuation or space."""
    while start < end and ((doc[start].is_punct and doc[start].text not in "“\"‘'") or doc[start].is_space):
        start += 1
    while end > start and ((doc[end - 1].is_punct and doc[end - 1].text not in "”\"’'?!)") or doc[end - 1].is_space):
        end -= 1
    if start >= end:
        return (doc[start].idx, doc[start].idx) if start < len(doc) else (len(doc.text), len(doc.text))
    return (doc[start].idx, doc[end - 1].idx + len(doc[end - 1]))


def _strip_chars(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in ",;:"):
        b -= 1
    return a, b


class _Context:
    def __init__(self, doc: Doc, actors: list[Actor]) -> None:
        self.doc = doc
        self.text = doc.text
        self.actors = actors
        self.actor_type = {a.id: a.type for a in actors}
        self.lookup = ActorLookup(actors)
        self.sents = list(doc.sents)
        self.sent_of: list[int] = [0] * len(doc)
        for k, s in enumerate(self.sents):
            for i in range(s.start, s.end):
                self.sent_of[i] = k
        self.quoted, self.notes = find_quoted(self.text)
        #: the quoted passages by span, for the questions asked once per cue or sentence
        self.quote_index = SpanIndex((q.start, q.end, q) for q in self.quoted)
        # token -> index of the quoted span covering it
        self.in_quote: dict[int, int] = {}
        qi = 0
        for tok in doc:
            while qi < len(self.quoted) and self.quoted[qi].end <= tok.idx:
                qi += 1
            if qi < len(self.quoted) and self.quoted[qi].start <= tok.idx < self.quoted[qi].end:
                self.in_quote[tok.i] = qi
        # paragraphs = non-empty lines: their [start, end) character ranges
        self.paragraphs: list[tuple[int, int]] = []
        pos = 0
        for line in self.text.split("\n"):
            if line.strip():
                self.paragraphs.append((pos, pos + len(line)))
            pos += len(line) + 1
        self._para_starts = [a for a, _ in self.paragraphs]

    def speaker_of(self, start: int, end: int, root: Token | None = None) -> str | None:
        """The actor of a mention: that of its head word (or the flat name around it);
        without a head word, the actor overlapping ``[start, end)`` most."""
        if root is not None:
            words = [root, *(c for c in root.children if c.dep_ in {"compound", "flat"})]
            for w in words:
                act = self.lookup.at(w.idx, w.idx + len(w))
                if act is not None:
                    return act.id
            return None
        act = self.lookup.at(start, end)
        return act.id if act is not None else None

    def para(self, pos: int) -> int:
        """Index of the paragraph (non-empty line) holding character ``pos``."""
        return max(0, bisect_right(self._para_starts, pos) - 1)

    def clip(self, span: tuple[int, int], anchor: int) -> tuple[int, int]:
        """``span`` cut to the paragraph of character ``anchor``."""
        if not self.paragraphs:
            return span
        a, b = self.paragraphs[self.para(anchor)]
        return (max(span[0], a), min(span[1], b))


def _is_cue(tok: Token) -> bool:
    if tok.pos_ not in {"VERB", "AUX"} and not (tok.tag_.startswith("VB")):
        return False
    lemma = tok.lemma_.lower()
    if lemma in _NOT_CUES:
        return False
    return lemma in SPEECH_VERBS or lemma in THOUGHT_VERBS or lemma in FINDING_VERBS


def _subject(tok: Token, in_quote: dict[int, int] | None = None) -> Token | None:
    """The cue's subject outside quoted passages, nearest to the cue."""
    subs = [c for c in tok.children if c.dep_ in _SUBJECT_DEPS and (in_quote is None or c.i not in in_quote)]
    return min(subs, key=lambda c: abs(c.i - tok.i)) if subs else None


_CLIMB_DEPS = frozenset({"advcl", "xcomp", "conj", "ccomp", "relcl", "pcomp", "prep", "acl", "dobj", "pobj"})


def _inherited_subject(tok: Token) -> Token | None:
    """The subject a cue without its own takes from the clause governing it
    ("…, adding", "devotes her speech to praising", "a statement saying")."""
    cur = tok
    for _ in range(5):
        if cur.dep_ not in _CLIMB_DEPS or cur.head.i == cur.i:
            return None
        if cur.dep_ == "relcl":
            return cur.head  # "Smith, who said …": the noun the clause modifies
        cur = cur.head
        subj = _subject(cur)
        if subj is not None:
            return subj
    return None


def _inverted_subject(tok: Token) -> Token | None:
    """The subject after the cue: "“…,” said Skelly"."""
    for c in tok.children:
        if c.i > tok.i and c.dep_ in {"dobj", "attr", "npadvmod", "oprd", "nsubj"} and c.pos_ in {"PROPN", "NOUN", "PRON"}:
            return c
    return None


def _source_span(ctx: _Context, subj: Token) -> tuple[int, int]:
    """The subject as written, in the subject's paragraph, without stray quotation marks;
    an appositive's closing comma stays (PolNeAR: "Mr. Reid, who represents Nevada,")."""
    doc = ctx.doc
    para = ctx.para(subj.idx)
    start, end = subj.left_edge.i, subj.right_edge.i + 1
    while start < subj.i and (ctx.para(doc[start].idx) != para or doc[start].is_punct or doc[start].is_space):
        start += 1
    while end - 1 > subj.i and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    a, b = doc[start].idx, doc[end - 1].idx + len(doc[end - 1])
    has_apposition = any(c.dep_ in {"appos", "relcl", "acl"} and c.i > subj.i for c in subj.children)
    if has_apposition and end < len(doc) and doc[end].text == ",":
        b = doc[end].idx + 1
    return (a, b)


def _clause_bearing(ctx: _Context, q: QuotedSpan) -> bool:
    """A quoted passage holding a clause (direct) rather than a fragment (mixed)."""
    doc = ctx.doc
    toks = [t for t in doc.char_span(q.start, q.end, alignment_mode="expand") or []]
    if not toks:
        return False
    inside = {t.i for t in toks}
    words = [t for t in toks if t.is_alpha]
    opens_sentence = (
        toks[0].is_sent_start
        or (toks[0].i > 0 and doc[toks[0].i - 1].text == ":")
        or ctx.paragraphs[ctx.para(q.start)][0] == q.start
    )
    if opens_sentence and len(words) >= 3:
        return True
    for t in toks:
        if t.head.i in inside and t.head.i != t.i:
            continue
        if t.dep_ in {"ROOT", "ccomp", "parataxis"} and t.pos_ in {"VERB", "AUX"}:
            return True
        if (
            t.pos_ in {"VERB", "AUX"}
            and t.dep_ not in {"relcl", "acl", "pcomp"}
            and any(c.dep_ in {"nsubj", "nsubjpass", "expl"} and c.i in inside for c in t.children)
        ):
            return True
    return False


def _channel(ctx: _Context, sent: Span, cue: Token | None, exclude: tuple[int, int]) -> tuple[str | None, Token | None]:
    para = ctx.para(cue.idx) if cue is not None else ctx.para(sent.start_char)
    for tok in sent:
        if exclude[0] <= tok.idx < exclude[1] or tok.i in ctx.in_quote or ctx.para(tok.idx) != para:
            continue
        ch = CHANNELS.get(tok.lemma_.lower())
        if ch is None or tok.pos_ not in {"NOUN", "PROPN"}:
            continue
        if tok.dep_ == "pobj" and tok.head.lower_ in {"in", "during", "on", "via", "through", "at", "from"}:
            return ch, tok
        if cue is not None and tok.head.i == cue.i and tok.dep_ in {"npadvmod", "dobj"} and tok.lemma_ in {"statement", "tweet"}:
            return ch, tok
    if cue is not None and cue.lemma_.lower() == "tweet":
        return "tweet", None
    return None, None


def _addressee(ctx: _Context, sent: Span, cue: Token | None, content: list[tuple[int, int]], channel_tok: Token | None) -> str | None:
    doc = ctx.doc

    def actor_of(tok: Token) -> str | None:
        return ctx.speaker_of(doc[tok.left_edge.i].idx, tok.right_edge.idx + len(tok.right_edge), tok)

    if cue is not None:
        lemma = cue.lemma_.lower()
        for c in cue.children:
            if c.dep_ in {"dative", "dobj"} and lemma in _ADDRESSEE_VERBS and c.pos_ in {"PROPN", "NOUN", "PRON"}:
                found = actor_of(c)
                if found is not None:
                    return found
            if c.dep_ == "prep" and c.lower_ == "to":
                for p in c.children:
                    if p.dep_ == "pobj":
                        found = actor_of(p)
                        if found is not None:
                            return found
    # "in a letter (delivered / sent / addressed) to X"
    if channel_tok is not None:
        for t in channel_tok.subtree:
            if t.lower_ == "to" and t.dep_ in {"prep", "dative"}:
                for p in t.children:
                    if p.dep_ == "pobj":
                        found = actor_of(p)
                        if found is not None:
                            return found
    return None


def _in_any(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def _according_to(ctx: _Context) -> list[_Attr]:
    doc = ctx.doc
    out: list[_Attr] = []
    for tok in doc:
        if tok.lower_ != "according" or tok.i + 1 >= len(doc) or doc[tok.i + 1].lower_ != "to":
            continue
        if tok.i in ctx.in_quote:
            continue
        to = doc[tok.i + 1]
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
        if pobj is None:
            continue
        src = _tok_chars(doc, pobj.left_edge.i, pobj.right_edge.i + 1)
        sent = ctx.sents[ctx.sent_of[tok.i]]
        # content: the sentence without the "according to X" phrase
        phrase_start = tok.i
        phrase_end = pobj.right_edge.i + 1
        before = _tok_chars(doc, sent.start, phrase_start) if phrase_start > sent.start else None
        after = _tok_chars(doc, phrase_end, sent.end) if phrase_end < sent.end else None
        parts = [p for p in (before, after) if p is not None and p[1] - p[0] > 3]
        if not parts:
            continue
        content = [max(parts, key=lambda p: p[1] - p[0])]
        speaker = ctx.speaker_of(src[0], src[1], pobj)
        cue = (tok.idx, to.idx + len(to))
        attr = _Attr(cue, tok.i, src, content, "indirect", speaker, 0.75, sent=ctx.sent_of[tok.i], lemma="according to")
        attr.outlet_report = speaker is not None and ctx.actor_type.get(speaker) == "outlet"
        out.append(attr)
    return out


_NOT_SPEAKERS = frozenset(
    ["breaking", "correction", "update", "updated", "note", "editor's", "editor’s", "name", "age", "city", "job", "pay", "watch", "video", "photos", "related", "source", "credit", "sources", "read", "exclusive", "live", "warning"]
)


def _colon_attributions(ctx: _Context) -> list[_Attr]:
    """A paragraph opened by a short name and a colon: "Q: …", "Cruz: Trump would …"."""
    doc = ctx.doc
    out: list[_Attr] = []
    for a, b in ctx.paragraphs:
        head = ctx.text[a:b]
        colon = head.find(":")
        if colon <= 0 or colon > 40 or b - (a + colon) < 8:
            continue
        label = doc.char_span(a, a + colon, alignment_mode="contract")
        if label is None or not 1 <= len(label) <= 4 or (not label[0].is_title and not label[0].is_upper):
            continue
        if not all(t.pos_ == "PROPN" or t.is_punct or t.text in {"Q", "A"} for t in label):
            continue
        if label.text.lower() in _NOT_SPEAKERS:
            continue
        ca, cb = _strip_chars(ctx.text, a + colon + 1, b)
        if cb - ca < 3:
            continue
        src = (a, a + colon)
        speaker = ctx.speaker_of(src[0], src[1])
        k = ctx.sent_of[label.start]
        out.append(_Attr((a + colon, a + colon + 1), None, src, [(ca, cb)], "direct" if ctx.text[ca] in "\"“‘'" else "indirect",
                         speaker, 0.6, sent=k, lemma=":"))
    return out


def _seem_attributions(ctx: _Context) -> list[_Attr]:
    """"X appears to …", "X seemed wasted": an impression with no source named. PolNeAR
    marks the subject and the complement as the content."""
    doc = ctx.doc
    out: list[_Attr] = []
    for tok in doc:
        if tok.lemma_.lower() not in {"appear", "seem"} or tok.pos_ not in {"VERB", "AUX"} or tok.i in ctx.in_quote:
            continue
        subj = _subject(tok, ctx.in_quote)
        comp = next((c for c in tok.children if c.dep_ in {"xcomp", "acomp", "attr", "oprd", "ccomp"} and c.i > tok.i), None)
        if subj is None or comp is None or subj.lower_ in {"it", "there"}:
            continue
        parts = [_source_span(ctx, subj), _tok_chars(doc, comp.left_edge.i, comp.right_edge.i + 1)]
        parts = [_close_quotes(ctx, _strip_chars(ctx.text, *ctx.clip(p, tok.idx))) for p in parts]
        parts = [p for p in parts if p[1] > p[0]]
        if len(parts) < 2:
            continue
        cue = _cue_span(ctx, tok)
        out.append(_Attr(cue, tok.i, None, parts, "indirect", None, 0.5, sent=ctx.sent_of[tok.i], lemma=tok.lemma_.lower()))
    return out


def _verb_attributions(ctx: _Context) -> list[_Attr]:
    doc = ctx.doc
    out: list[_Attr] = []
    for tok in doc:
        if not _is_cue(tok) or tok.i in ctx.in_quote:
            continue
        lemma = tok.lemma_.lower()
        subj = _subject(tok, ctx.in_quote)
        inherited = None
        passive = tok.tag_ == "VBN" and not any(c.dep_ == "aux" and c.lemma_ == "have" for c in tok.children)
        if passive or any(c.dep_ == "auxpass" for c in tok.children):
            agent = next((c for c in tok.children if c.dep_ == "agent"), None)
            subj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
            if subj is None and lemma != "ask":
                continue  # "when questioned", "was told": the one who speaks is not named
        elif subj is None:
            inherited = _inherited_subject(tok)
            if inherited is None and _adjacent_quotes(ctx, tok) and any(q.end <= tok.idx for q in _adjacent_quotes(ctx, tok)):
                subj = _inverted_subject(tok)
        if subj is not None and subj.lower_ in {"it", "that", "this", "which", "what"}:
            continue
        if (lemma in FINDING_VERBS and lemma not in SPEECH_VERBS | THOUGHT_VERBS) or lemma in {"show", "find"}:
            s = subj or inherited
            if s is None or not (s.ent_type_ or s.lemma_.lower() in EVIDENCE_NOUNS or s.pos_ in {"PRON", "PROPN"}):
                continue
            if lemma in {"show", "indicate", "reveal", "suggest"} and s.ent_type_ == "" and s.pos_ != "PROPN" and s.lemma_.lower() not in EVIDENCE_NOUNS:
                continue
        sent_k = ctx.sent_of[tok.i]
        sent = ctx.sents[sent_k]
        cue_para = ctx.para(tok.idx)
        sent_quotes = [
            q for _, _, q in ctx.quote_index.near(sent.start_char, sent.end_char)
            if q.start < sent.end_char and q.end > sent.start_char and ctx.para(q.start) == cue_para
        ]
        comps = [c for c in tok.children if c.dep_ in {"ccomp", "parataxis"} and ctx.para(c.idx) == cue_para]
        comps += [c for c in tok.children if c.dep_ == "dobj" and c.i in ctx.in_quote]
        comp = next((c for c in comps if c.i > tok.i), comps[0] if comps else None)
        content: list[tuple[int, int]] = []
        kind = "indirect"
        prep_cue: Token | None = None
        if comp is not None:
            lo, hi = comp.left_edge.i, comp.right_edge.i + 1
            while lo < comp.i and ctx.para(doc[lo].idx) != cue_para:
                lo += 1
            while hi - 1 > comp.i and ctx.para(doc[hi - 1].idx) != cue_para:
                hi -= 1
            sub = range(lo, hi)
            outside = [
                i for i in sub
                if i not in ctx.in_quote and doc[i].is_alpha and not (i == comp.left_edge.i and doc[i].dep_ == "mark")
            ]
            quotes_in = [q for q in sent_quotes if q.start < doc[sub[-1]].idx + len(doc[sub[-1]]) and q.end > doc[sub[0]].idx]
            if quotes_in and not outside:
                kind = "direct"
                first = doc[sub[0]]
                if first.dep_ == "mark" and first.i not in ctx.in_quote:
                    content = [(first.idx, max(q.end for q in quotes_in))]
                else:
                    content = [(q.start, q.end) for q in quotes_in]
            elif comp.dep_ != "parataxis" or lemma in SPEECH_VERBS:
                content = [_tok_chars(doc, lo, hi)]
        elif (
            lemma in _CLAUSE_VERBS
            and (obj := next((c for c in tok.children if c.dep_ == "dobj" and c.i > tok.i), None)) is not None
            and obj.pos_ in {"NOUN", "PROPN"}
            and not _adjacent_quotes(ctx, tok)
        ):
            # "Stone says the increase … makes it less likely": the small parser often
            # reads the reported clause's subject as an object of "says"
            end = sent.end
            while end > obj.i + 1 and (doc[end - 1].is_punct or doc[end - 1].is_space):
                end -= 1
            content = [_tok_chars(doc, obj.left_edge.i, end)]
        elif adjacent := _adjacent_quotes(ctx, tok):
            content = [(q.start, q.end) for q in adjacent]
            kind = "direct"
        elif _parenthetical(tok) and tok.head.i not in ctx.in_quote:
            # a parenthetical cue: "The plan, she said, will fail."
            head = tok.head
            lo, hi = head.left_edge.i, head.right_edge.i + 1
            clo, chi = tok.left_edge.i, tok.right_edge.i + 1
            while clo < tok.i and doc[clo].is_punct:
                clo += 1
            while chi - 1 > tok.i and doc[chi - 1].is_punct:
                chi -= 1
            parts = [p for p in (_tok_chars(doc, lo, clo), _tok_chars(doc, chi, hi)) if p[1] > p[0]]
            if not parts:
                continue
            content = parts
        elif lemma in _OBJECT_CUES or (lemma in SPEECH_VERBS and lemma not in {"say", "add", "continue", "note"}):
            kids = [c for c in tok.children if c.i > tok.i]
            right = [c for c in kids if c.dep_ in _OBJECT_DEPS]
            if lemma in {"tell", "ask", "inform", "remind", "assure", "warn"}:
                right = [c for c in right if c.dep_ not in {"dobj", "dative"}]
            if not right:
                # "called for X", "admitted to X": the preposition joins the cue
                prep = next((c for c in kids if c.dep_ == "prep" and c.i == (prep_cue or tok).i + 1), None)
                obj = next((g for g in prep.children if g.dep_ in {"pobj", "pcomp"}), None) if prep is not None else None
                if prep is None or obj is None or any(CHANNELS.get(g.lemma_.lower()) for g in prep.children):
                    continue
                prep_cue = prep
                right = [obj]
            start = min(c.left_edge.i for c in right)
            end = max(c.right_edge.i for c in right) + 1
            content = [_tok_chars(doc, start, end)]
        else:
            continue
        content = [_close_quotes(ctx, _strip_chars(ctx.text, *ctx.clip(c, tok.idx))) for c in content]
        content = [c for c in content if c[1] > c[0]]
        if not content:
            continue
        if subj is not None:
            src_span = _source_span(ctx, subj)
            source: tuple[int, int] | None = src_span
            speaker = ctx.speaker_of(src_span[0], src_span[1], subj)
        elif inherited is not None:
            source = None
            speaker = ctx.speaker_of(inherited.left_edge.idx, inherited.right_edge.idx + len(inherited.right_edge), inherited)
        else:
            source, speaker = None, None
        cue = _cue_span(ctx, tok)
        if prep_cue is not None:
            cue = (cue[0], prep_cue.idx + len(prep_cue))
        if kind == "direct":
            conf = 0.9
        elif lemma in SPEECH_VERBS:
            conf = 0.75
        else:
            conf = 0.6
        attr = _Attr(cue, tok.i, source, content, kind, speaker, conf, sent=sent_k, lemma=lemma)
        if inherited is not None and source is None:
            attr.inherited = _source_span(ctx, inherited)
        attr.outlet_report = speaker is not None and ctx.actor_type.get(speaker) == "outlet"
        channel, channel_tok = _channel(ctx, sent, tok, content[0])
        attr.channel = channel
        attr.addressee = _addressee(ctx, sent, tok, content, channel_tok)
        if attr.addressee == attr.speaker:
            attr.addressee = None
        out.append(attr)
    return out


_CUE_ADVERBS = frozenset({"also", "not", "n't", "never", "repeatedly", "publicly", "later", "again", "once"})


def _cue_span(ctx: _Context, tok: Token) -> tuple[int, int]:
    """The cue as PolNeAR marks it: the verb with its auxiliaries, negation and "also"
    right before it, a particle, and a colon right after it."""
    doc = ctx.doc
    start = tok.i
    while start > 0:
        prev = doc[start - 1]
        if prev.head.i == tok.i and (
            prev.dep_ in {"aux", "neg", "auxpass"}
            or (prev.dep_ == "advmod" and prev.lower_ in _CUE_ADVERBS)
        ):
            start -= 1
            continue
        break
    end = tok.i + 1
    if end < len(doc) and doc[end].dep_ == "prt" and doc[end].head.i == tok.i:
        end += 1
    if end < len(doc) and doc[end].text == ":":
        end += 1
    return (doc[start].idx, doc[end - 1].idx + len(doc[end - 1]))


CUE_AUX_ALL = False


def _close_quotes(ctx: _Context, span: tuple[int, int]) -> tuple[int, int]:
    """Extend a content span over the end of a quoted passage it opens (``…guns."``)."""
    a, b = span
    # One pass in text order, as a scan of every quote would make; only the quotes that
    # start before ``b`` can extend it, and ``b`` grows at most 3 characters a step.
    done: set[int] = set()
    while True:
        grown = False
        for _, _, q in ctx.quote_index.near(a, b + 3):
            if id(q) in done:
                continue
            done.add(id(q))
            if a <= q.start < b < q.end and q.end - b <= 3:
                b = q.end
                grown = True
                break  # look again from the new end, after this quote
        if not grown:
            return (a, b)


def _parenthetical(tok: Token) -> bool:
    """A cue set off by commas inside the clause it reports: "The plan, she said, will fail"."""
    if tok.dep_ not in {"parataxis", "ccomp"} or tok.head.i == tok.i:
        return False
    doc = tok.doc
    lo, hi = tok.left_edge.i, tok.right_edge.i
    while lo < tok.i and doc[lo].is_punct:
        lo += 1
    while hi > tok.i and doc[hi].is_punct:
        hi -= 1
    if hi - lo > 8 or lo == 0 or hi + 1 >= len(doc):
        return False
    before, after = doc[lo - 1], doc[hi + 1]
    return before.text in {",", "—", "–", "("} and (after.text in {",", "—", "–", ")"})


_FRAME_DEPS = frozenset({"nsubj", "nsubjpass", "advmod", "npadvmod", "prep", "aux", "neg", "agent", "punct", "prt"})
_ADDRESSEE_DEPS = frozenset({"dobj", "dative"})


def _frames_cue(cue: Token, tok: Token) -> bool:
    """``tok`` belongs to the frame around a cue (its subject, adverbs, "in an interview",
    the person told) rather than to what was said."""
    if tok.i == cue.i:
        return True
    cur = tok
    while cur.head.i != cue.i:
        if cur.head.i == cur.i:
            return False
        cur = cur.head
    if cur.dep_ in _FRAME_DEPS:
        return True
    return cur.dep_ in _ADDRESSEE_DEPS and cue.lemma_.lower() in _ADDRESSEE_VERBS


def _adjacent_quotes(ctx: _Context, cue: Token) -> list[QuotedSpan]:
    """Clause-bearing quoted passages right next to the cue, in its paragraph: between
    them only punctuation and words of the cue's own phrase ("Smith said last week")."""
    doc = ctx.doc
    para = ctx.para(cue.idx)
    out: list[QuotedSpan] = []
    # only passages within 200 characters of the cue can be adjacent (the test below)
    for _, _, q in ctx.quote_index.near(cue.idx - 200, cue.idx + len(cue) + 200):
        if ctx.para(q.start) != para or q.start <= cue.idx < q.end:
            continue
        if q.end <= cue.idx:
            a, b = q.end, cue.idx
        else:
            a, b = cue.idx + len(cue), q.start
        if b - a > 200:
            continue
        gap = doc.char_span(a, b, alignment_mode="contract") if b > a else None
        if gap is not None and not all(t.is_punct or t.is_space or _frames_cue(cue, t) for t in gap):
            continue
        if _clause_bearing(ctx, q):
            out.append(q)
    return out


def _resolve(ctx: _Context, attrs: list[_Attr]) -> list[_Attr]:
    """Drop nested attributions, turn outlet chains into ``via``, attach continuations."""
    attrs.sort(key=lambda a: (a.cue[0] if a.cue else 0))
    # by content and by cue, so each attribution looks only at those near it (issue 24)
    contents = SpanIndex.ranked((c[0], c[1], b, k) for k, b in enumerate(attrs) for c in b.content)
    cues = SpanIndex((b.cue[0], b.cue[0], b) for b in attrs if b.cue is not None)
    keep: list[_Attr] = []
    for a in attrs:
        outers = [] if a.cue is None else [
            b for b in contents.items_near(a.cue[0], a.cue[0])
            if b is not a and _in_any(a.cue[0], b.content)]
        if outers:
            outer = outers[0]
            if outer.speaker is not None and outer.speaker != a.speaker:
                # an outlet's report is a reporting chain; "A said that B claimed …" nests
                # B's attribution inside A's (``Quote.within``, set by ``fuse.nest``), and
                # B's words reach us through A
                a.via = [outer.speaker, *a.via]
            elif not outer.outlet_report:
                continue  # the same speaker's words inside their own: one attribution
        inner = a.outlet_report and any(
            b is not a and b.cue is not None and _in_any(b.cue[0], a.content)
            for c in a.content for b in cues.items_near(c[0], c[1]))
        if inner:
            continue  # the outlet is a reporting chain, not a speaker
        keep.append(a)
    # a participle or conjoined cue ("…, saying …") takes its governor's subject as its
    # source (PolNeAR marks the same mention as the source of both)
    for a in keep:
        if a.source is None and a.inherited is not None:
            a.source = a.inherited
    # an outlet reporting in the opening paragraph ("…, as The Daily Beast reports") covers
    # what it reported: the attributions of the people its report names or quotes, anywhere
    # in the article, and every attribution in that paragraph -- not the quotes of other people
    # the article gathered itself
    opening = [b for b in attrs if b.outlet_report and b.sent <= 2 and b.speaker is not None and b not in keep]
    for b in opening:
        reported = {a.speaker for a in keep if a.speaker is not None and b.speaker in a.via}
        reported |= {act.id for act in ctx.actors if act.id != b.speaker and any(
            _in_any(m.start, b.content) for m in act.mentions)}
        for a in keep:
            if a.speaker == b.speaker or b.speaker in a.via:
                continue
            same_para = a.cue is not None and b.cue is not None and ctx.para(a.cue[0]) == ctx.para(b.cue[0])
            if same_para or (a.speaker is not None and a.speaker in reported):
                a.via = [b.speaker, *a.via] if b.speaker is not None else a.via
    return keep


def _continues(ctx: _Context, prev_end: int, start: int) -> bool:
    """A quote at ``start`` can continue one ending at ``prev_end``: same paragraph, or it
    opens the next paragraph."""
    p, q = ctx.para(prev_end - 1), ctx.para(start)
    if p == q:
        return True
    return (q == p + 1 and ctx.paragraphs[q][0] == start - 0) or (q == p + 1 and not ctx.text[ctx.paragraphs[q][0]:start].strip())


def _attach_quotes(ctx: _Context, attrs: list[_Attr]) -> tuple[list[_Attr], list[tuple[QuotedSpan, _Attr | None]]]:
    """Quoted passages no attribution claims: continuations, orphans and mixed fragments.

    Every question below ("is it inside a claimed span", "the first attribution holding
    it", "the last direct quote before it") is asked of the attributions near the passage
    through span indexes, not of every attribution (issue 24); each keeps its exact test,
    and ties go to the earlier attribution, as a scan in list order gives."""
    mixed: list[tuple[QuotedSpan, _Attr | None]] = []
    by_start = {q.start: q for q in ctx.quoted}
    doc = ctx.doc
    rank = {id(x): k for k, x in enumerate(attrs)}
    # every content span (claimed), with its attribution's rank; contents added below too
    claimed = SpanIndex.ranked((c[0], c[1], x, k) for k, x in enumerate(attrs) for c in x.content)
    # by where each one's first content starts (orphans added below), and by the end of its
    # last content (re-added when that grows; a stale entry fails its test)
    firsts = SpanIndex((x.content[0][0], x.content[0][0], x) for x in attrs if x.content)
    lasts = SpanIndex((x.content[-1][1], x.content[-1][1], x) for x in attrs if x.content)
    same_sentence: dict[int, list[_Attr]] = {}
    for x in attrs:
        if x.cue is not None:
            same_sentence.setdefault(x.sent, []).append(x)
    parts: dict[int, list[QuotedSpan]] = {}
    for p in ctx.quoted:
        if p.continues is not None:
            parts.setdefault(p.continues, []).append(p)

    def claim(x: _Attr, span: tuple[int, int]) -> None:
        x.content.append(span)
        claimed.add(span[0], span[1], x, rank[id(x)])
        lasts.add(span[1], span[1], x)

    def holding(a: int, b: int) -> list[_Attr]:
        return [x for x in claimed.items_near(a, b)
                if any(c0 <= a and b <= c1 for c0, c1 in x.content)]

    def exactly(a: int, b: int) -> _Attr | None:
        return next((x for x in claimed.items_near(a, b) if (a, b) in x.content), None)

    def para_start(k: int) -> int:
        """Where ``ctx.para`` starts answering ``k`` (0 for the first: it also takes what
        comes before the first paragraph)."""
        return ctx.paragraphs[k][0] if 0 < k < len(ctx.paragraphs) else 0

    for q in ctx.quoted:
        inside = holding(q.start, q.end)
        if inside:
            if exactly(q.start, q.end) is None:
                mixed.append((q, inside[0]))
            continue
        tok = doc.char_span(q.start, q.end, alignment_mode="expand")
        sent_k = ctx.sent_of[tok.start] if tok is not None and len(tok) else 0
        # paragraph convention: the continuation of an earlier part
        owner = None
        if q.continues is not None and q.continues in by_start:
            first = by_start[q.continues]
            owner = exactly(first.start, first.end)
        if owner is None:
            # the first part of a quote that runs on: it belongs with its later parts
            later = [p for p in parts.get(q.continues if q.continues is not None else q.start, [])
                     if p.start > q.start]
            owners = [x for x in (exactly(p.start, p.end) for p in later) if x is not None]
            owner = min(owners, key=lambda x: rank[id(x)]) if owners else None
        if _clause_bearing(ctx, q):
            if owner is None:
                lo = para_start(ctx.para(q.start) - 1)  # _continues: this or the last paragraph
                prev = [
                    x for x in lasts.items_near(lo, q.start)
                    if x.kind == "direct" and sent_k - x.sent <= 2 and x.content[-1][1] <= q.start
                    and _continues(ctx, x.content[-1][1], q.start)
                ]
                if prev:
                    prev.sort(key=lambda x: rank[id(x)])
                    owner = max(prev, key=lambda x: x.content[-1][1])
            if owner is not None:
                claim(owner, (q.start, q.end))
                continue
            # an orphan: the speaker is the last one named before it, if any
            lo = para_start(ctx.para(q.start) - 1)
            before = [
                x for x in firsts.items_near(lo, q.start)
                if x.content and x.content[0][0] < q.start and sent_k - x.sent <= 3
                and ctx.para(q.start) - ctx.para(x.content[0][0]) <= 1
            ]
            before.sort(key=lambda x: rank[id(x)])
            guess = max(before, key=lambda x: x.content[0][0]) if before else None
            orphan = _Attr(None, None, None, [], "direct", guess.speaker if guess else None, 0.4, sent=sent_k)
            if guess is not None:
                orphan.via = list(guess.via)
            rank[id(orphan)] = len(attrs)
            attrs.append(orphan)
            firsts.add(q.start, q.start, orphan)
            claim(orphan, (q.start, q.end))
        else:
            containing = next(iter(holding(q.start, q.end)), None)
            if containing is None:
                same = [
                    x for x in same_sentence.get(sent_k, [])
                    if x.cue is not None and ctx.para(x.cue[0]) == ctx.para(q.start)
                ]
                containing = same[0] if same else None
            mixed.append((q, containing))
    return attrs, mixed


def rule_quotes(doc: Doc, actors: list[Actor] | None = None) -> tuple[list[Quote], list[Warning_]]:
    """The rules' attributions in ``doc`` as report quotes (ids not yet numbered), plus
    warnings for skipped quotation marks.

    ``actors`` defaults to ``doc._.actors`` (computed here when the actors stage did not run).
    """
    if actors is None:
        actors = doc._.actors if Doc.has_extension("actors") and doc._.actors is not None else find_actors(doc)
    ctx = _Context(doc, actors)
    warnings = [
        Warning_(code="W301", message=f"quotes: {n.message} (at character {n.at})") for n in ctx.notes
    ]
    attrs = _verb_attributions(ctx) + _according_to(ctx) + _colon_attributions(ctx) + _seem_attributions(ctx)
    attrs = _resolve(ctx, attrs)
    attrs, mixed = _attach_quotes(ctx, attrs)
    rows: list[Quote] = []

    def span(p: tuple[int, int] | None) -> ReportSpan | None:
        return None if p is None else ReportSpan(start=p[0], end=p[1])

    for a in attrs:
        for k, c in enumerate(a.content):
            conf = a.confidence if k == 0 or a.confidence < 0.8 else 0.8
            rows.append(Quote(
                id="", kind=a.kind, content=ReportSpan(start=c[0], end=c[1]), cue=span(a.cue),  # type: ignore[arg-type]
                source=span(a.source), speaker=a.speaker, addressee=a.addressee, via=a.via,
                channel=a.channel, confidence=conf,
            ))
    for q, owner in mixed:
        a0, b0 = q.start, q.end
        rows.append(Quote(
            id="", kind="mixed", content=ReportSpan(start=a0, end=b0),
            cue=span(owner.cue) if owner else None, source=span(owner.source) if owner else None,
            speaker=owner.speaker if owner else None, addressee=owner.addressee if owner else None,
            via=list(owner.via) if owner else [], channel=owner.channel if owner else None,
            confidence=0.7 if owner and owner.speaker else 0.3,
        ))
    return rows, warnings


#: ``find_quotes(method=…)``: the rules alone, the learned tagger alone, or both fused.
METHODS = ("fused", "rules", "tagger")


def find_quotes(doc: Doc, actors: list[Actor] | None = None, *,
                method: str = "rules", model: str | None = None
                ) -> tuple[list[Quote], list[Warning_]]:
    """Attributions in ``doc`` as report quotes (numbered ``q1``… in text order), plus warnings.

    ``method`` (:data:`METHODS`): ``"rules"`` needs only the parse; ``"tagger"`` and
    ``"fused"`` also read the shared encoder pass (``doc._.encoding``, computed if absent)
    and the tagger trained on ``model``'s encoder (:mod:`unspin.pipeline._attribution.tagger`).
    """
    from unspin.pipeline._attribution.classes import cue_class
    from unspin.pipeline._attribution.fuse import SHIPPED, fuse, nest

    if method not in METHODS:
        from unspin.errors import ConfigError

        raise ConfigError(f"unknown quotes method {method!r}; choose from {', '.join(METHODS)}")
    if actors is None:
        actors = doc._.actors if Doc.has_extension("actors") and doc._.actors is not None else find_actors(doc)
    rules, warnings = rule_quotes(doc, actors)
    if method == "rules":
        found = [q.model_copy(update={"cue_class": cue_class(doc, (q.cue.start, q.cue.end) if q.cue else None)})
                 for q in rules]
    else:
        from unspin.pipeline._attribution.tagger import load_tagger

        tagged = load_tagger(model=model).tag(doc)
        found = fuse(doc, actors, rules if method == "fused" else [], tagged, **SHIPPED)
    from unspin.pipeline._attribution.layouts import layout_speakers

    found = layout_speakers(doc.text, actors, found)
    found.sort(key=lambda q: (q.content.start, q.kind, q.content.end))
    from unspin.pipeline._attribution.stance import cue_stance

    quotes = [q.model_copy(update={"id": f"q{n}", "cue_stance": cue_stance(
        doc, (q.cue.start, q.cue.end) if q.cue else None)}) for n, q in enumerate(found, start=1)]
    return nest(quotes), warnings


class QuoteAttributor:
    """spaCy component: sets ``doc._.quotes`` and appends warnings to ``doc._.unspin_warnings``.

    ``method`` ``"auto"`` (the default) fuses the rules with the learned tagger when its
    artifact and the encoder are installed, and falls back to the rules alone with a
    warning (W302) on every document when they are not."""

    def __init__(self, nlp: Language, name: str, method: str = "auto", encoder: str = "") -> None:
        from unspin.encoder import spec
        from unspin.errors import ConfigError, UnspinError

        self.name = name
        self.model = spec(encoder or None).key
        if method not in (*METHODS, "auto"):
            raise ConfigError(f"unknown quotes method {method!r}; choose from auto, {', '.join(METHODS)}")
        self.fallback: str | None = None
        if method == "auto":
            method = "fused"
            try:
                from unspin.pipeline._attribution.tagger import (
                    load_tagger,
                    tagger_available,
                    tagger_folder,
                )

                if not tagger_available(model=self.model):
                    raise FileNotFoundError(
                        f"no tagger trained on the {self.model} encoder at "
                        f"{tagger_folder(self.model)}; train it: unspin train attribution "
                        f"--model {self.model} --data ../shared/data/polnear")
                load_tagger(model=self.model)
            except (ImportError, OSError, UnspinError) as exc:
                method = "rules"
                self.fallback = f"quotes: rules only, the attribution tagger is not available ({exc})"
        self.method = method

    def __call__(self, doc: Doc) -> Doc:
        quotes, warnings = find_quotes(doc, method=self.method, model=self.model)
        if self.fallback:
            warnings = [Warning_(code="W302", message=self.fallback), *warnings]
        doc._.quotes = quotes
        if warnings:
            if doc._.unspin_warnings is None:
                doc._.unspin_warnings = []
            doc._.unspin_warnings.extend(warnings)
        return doc


@Language.factory(
    "unspin_quotes", requires=["token.dep"], assigns=["doc._.quotes"],
    default_config={"method": "auto", "encoder": ""},
)
def make_quote_attributor(nlp: Language, name: str, method: str, encoder: str) -> QuoteAttributor:
    return QuoteAttributor(nlp, name, method, encoder)
