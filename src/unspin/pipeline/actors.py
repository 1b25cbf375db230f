"""Stage ``actors``: the people, organisations, outlets, groups and places an article names.

Rule-based on spaCy's parse and entities (no coreference model is available offline):

1. **Names.** Entities (PERSON, ORG, GPE/LOC/FAC, NORP used as a noun, and WORK_OF_ART
   or ORG that look like a news outlet) become mentions. A leading "the" and a trailing
   possessive are trimmed.
2. **Merging names.** A person's surname alone ("Lukashenko") joins the full name
   ("Alexander Lukashenko"); a name tagged ORG/GPE that equals a known person's surname
   is that person (the small model mislabels surnames); an acronym joins the name it
   abbreviates ("UN" = "United Nations").
3. **Descriptions.** The title words in front of a name ("Belarusian President",
   "UN Secretary General") or an appositive ("Hugh Hill, a doctor,") describe the actor.
4. **Nominals.** A definite noun phrase headed by a role noun ("the Belarusian leader",
   "the Secretary General", "Belarus' dictator") joins the person whose description
   shares its head (or a head-of-state synonym) and whose modifiers agree.
5. **Gender, then pronouns.** A person's gender is read from the article's own words, never
   from a first name: an honorific before a name ("Mr.", "Mrs.", "Ms.", "Sir") and a
   gendered role noun in its description or in a nominal that refers to it
   ("congresswoman", "chairman", "his wife" is not read: only the first gendered word of
   the description, its head in practice). he/she/him/her/his… then join the most recent
   person, preferring one who was a subject in the last sentences (a salience heuristic),
   skipping a person whose words give the other gender; "she" goes to the most recent
   person that the words do not make a man. The actor's ``gender`` is the one side its
   evidence (honorifics, role nouns, resolved pronouns) supports, ``unknown`` when it has
   none or the honorifics and role nouns conflict; a person with no honorific or role
   noun gets the pronouns' gender only when at least two resolve to it and they outnumber
   the other gender's three to one (fewer is no evidence, closer is a conflict).

Types: person, organisation, outlet (a news organisation: a small list of names and
words like "Times", "Post", "Daily", or an organisation that "reports"/is the object
of "according to"), group (NORP nouns: "Republicans"), place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from unspin.pipeline._attribution.lexicon import (
    HEAD_OF_STATE,
    KNOWN_OUTLETS,
    MULTIWORD_OUTLETS,
    OUTLET_WORDS,
    PRONOUNS_PERSON,
    ROLE_NOUNS,
)
from unspin.pipeline._spans import SpanIndex
from unspin.report import Actor
from unspin.report import Span as ReportSpan

__all__ = ["FEMALE_WORDS", "MALE_WORDS", "ActorFinder", "ActorLookup", "actor_at", "find_actors",
           "word_gender"]

ActorType = Literal["person", "organisation", "outlet", "group", "place"]

_LABEL_TYPES: dict[str, ActorType] = {
    "PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place",
    "FAC": "place", "NORP": "group",
}
_TITLE_DEPS = frozenset({"compound", "amod", "nmod", "poss"})
_REPORT_LEMMAS = frozenset({"report", "write", "publish", "reveal", "broadcast"})
_WORD_RE = re.compile(r"[\w-]+")
#: Ministries' portfolios: "Energy" in "Deputy Energy Minister" is part of a title, not an actor.
_PORTFOLIOS = frozenset(
    ["energy", "finance", "foreign", "defense", "defence", "interior", "health", "education",
     "justice", "trade", "economy", "economic", "agriculture", "transport", "transportation",
     "labor", "labour", "environment", "culture", "housing", "treasury", "commerce", "home",
     "homeland", "security", "industry", "science", "digital", "sports", "tourism", "emergency",
     "emergencies", "infrastructure", "development", "communications", "information"]
)
#: Endings of abstract nouns ("Honesty", "Freedom"), which the entity recogniser takes for
#: names when they open a sentence.
_ABSTRACT = re.compile(r"(?:ness|ity|ty|ism|ment|ance|ence|tion|sion|dom|ship|hood)$")
#: Nominal outlets the entity recogniser has no name for: "the state news agency".
_OUTLET_NOUNS = frozenset(["agency", "media", "television", "tv", "broadcaster", "newspaper",
                           "outlet", "channel", "wire", "radio", "daily", "paper", "network"])
_OUTLET_MODIFIERS = frozenset(["news", "state", "state-run", "state-owned", "state-controlled",
                               "official", "government", "government-run", "local", "national",
                               "public", "wire", "press"])


def _not_a_name(span: Span) -> bool:
    """A one-word "entity" that is an ordinary word: a portfolio inside a title ("Energy"
    in "Deputy Energy Minister", "State" in "Secretary of State") or an abstract noun capitalised because it opens a
    sentence or a quote ("Honesty and integrity …")."""
    if len(span) != 1:
        return False
    tok = span[0]
    low = tok.lower_
    if low in _PORTFOLIOS | {"state"}:
        head = tok.head
        if tok.dep_ == "compound" and head.lemma_.lower() in ROLE_NOUNS:
            return True  # "Energy Minister"
        if tok.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.lower() in ROLE_NOUNS:
            return True  # "Secretary of State"
    doc = tok.doc
    first = tok.is_sent_start or (tok.i > 0 and doc[tok.i - 1].is_quote and
                                  (tok.i == 1 or doc[tok.i - 1].is_sent_start or doc[tok.i - 2].is_space
                                   or doc[tok.i - 2].is_punct))
    return bool(first and not tok.is_upper and _ABSTRACT.search(low))


def _reports(tok: Token) -> bool:
    """The phrase headed by ``tok`` is what reports: subject of "reports", or the object
    of "according to"."""
    if tok.dep_ in {"nsubj", "nsubjpass"} and tok.head.lemma_ in _REPORT_LEMMAS | {"say"}:
        return True
    head = tok.head
    return (tok.dep_ == "pobj" and head.lower_ == "to" and head.i > 0
            and tok.doc[head.i - 1].lower_ == "according")


@dataclass
class _Actor:
    name: str
    type: ActorType
    description: str | None = None
    mentions: list[tuple[int, int]] = field(default_factory=list)  # token [start, end)
    subject_at: list[int] = field(default_factory=list)  # token indices where a subject
    #: the tokens of ``mentions``, so a new mention's overlap test is a set look-up, not
    #: a scan of every earlier mention (a transcript's "he" has thousands; issue 24)
    covered: set[int] = field(default_factory=set)
    words: dict[str, int] = field(default_factory=lambda: {"male": 0, "female": 0})
    pronouns: dict[str, int] = field(default_factory=lambda: {"male": 0, "female": 0})

    @property
    def word_gender(self) -> str | None:
        """The gender the honorifics and role nouns give, if they give one side only."""
        m, f = self.words["male"], self.words["female"]
        return "male" if m and not f else "female" if f and not m else None

    def gender(self) -> tuple[str, int]:
        """``(gender, evidence)``: see the module doc, step 5."""
        if self.type != "person":
            return "unknown", 0
        side = self.word_gender
        if side is None and self.words["male"] and self.words["female"]:
            return "unknown", 0  # the words conflict
        if side is not None:
            return side, self.words[side] + self.pronouns[side]
        m, f = self.pronouns["male"], self.pronouns["female"]
        if m >= PRONOUNS_NEEDED and m >= PRONOUN_MARGIN * f:
            return "male", m
        if f >= PRONOUNS_NEEDED and f >= PRONOUN_MARGIN * m:
            return "female", f
        return "unknown", 0

    @property
    def key_words(self) -> list[str]:
        return [w.lower() for w in _WORD_RE.findall(self.name)]


#: Pronouns alone decide a person's gender when at least this many resolve to it ...
PRONOUNS_NEEDED = 2
#: ... and they outnumber the other gender's by this factor (resolution is a heuristic: a
#: "she" of the previous sentence's subject can land on a man quoted in between).
#: Both set before measuring.
PRONOUN_MARGIN = 3

#: Honorifics and gendered role nouns (lower-case, no final period). Written for this stage;
#: neutral forms ("chair", "spokesperson", "actor") are in neither list.
MALE_WORDS: frozenset[str] = frozenset(
    ["mr", "sir", "lord", "congressman", "chairman", "spokesman", "businessman", "assemblyman",
     "councilman", "alderman", "anchorman", "cameraman", "statesman", "sportsman", "newsman",
     "policeman", "salesman", "frontman", "committeeman", "selectman", "husband", "father",
     "son", "brother", "grandfather", "grandson", "uncle", "nephew", "king", "prince", "duke",
     "emperor", "boyfriend", "widower", "gentleman", "man", "boy", "stepfather", "dad",
     "fiance", "monsignor", "archbishop", "pope"]
)
FEMALE_WORDS: frozenset[str] = frozenset(
    ["mrs", "ms", "miss", "madam", "madame", "dame", "lady", "congresswoman", "chairwoman",
     "spokeswoman", "businesswoman", "assemblywoman", "councilwoman", "alderwoman",
     "anchorwoman", "camerawoman", "stateswoman", "sportswoman", "newswoman", "policewoman",
     "saleswoman", "committeewoman", "selectwoman", "wife", "mother", "daughter", "sister",
     "grandmother", "granddaughter", "aunt", "niece", "queen", "princess", "duchess",
     "empress", "girlfriend", "widow", "woman", "girl", "stepmother", "mom", "fiancee",
     "actress", "congresswomen", "nun"]
)
_HONORIFICS = frozenset(["mr", "mrs", "ms", "miss", "sir", "dame", "lady", "madam", "madame"])
_MALE_PRONOUNS = frozenset(["he", "him", "his", "himself"])
_FEMALE_PRONOUNS = frozenset(["she", "her", "hers", "herself"])


def word_gender(word: str) -> str | None:
    """"male" / "female" for an honorific or gendered role noun ("Mrs.", "Chairwoman")."""
    low = word.lower().rstrip(".")
    return "male" if low in MALE_WORDS else "female" if low in FEMALE_WORDS else None


def _description_gender(description: str | None) -> str | None:
    """The first gendered word of a description (its head, in practice: "a spokeswoman for
    the chairman" is a woman)."""
    for w in _WORD_RE.findall(description or ""):
        g = word_gender(w)
        if g is not None:
            return g
    return None


def _stem(word: str) -> str:
    return word.lower()[:6]


def _trim(span: Span) -> Span:
    start, end = span.start, span.end
    doc = span.doc
    while start < end and doc[start].lower_ in {"the", "a", "an"}:
        start += 1
    while end > start and (doc[end - 1].lower_ in {"'s", "’s", "'", "’"} or doc[end - 1].is_punct):
        end -= 1
    return doc[start:end]


def _is_outlet_name(name: str) -> bool:
    low = name.lower().strip()
    if low.startswith("the "):
        low = low[4:]
    if low in KNOWN_OUTLETS or low in MULTIWORD_OUTLETS or f"the {low}" in MULTIWORD_OUTLETS:
        return True
    return any(w in OUTLET_WORDS for w in _WORD_RE.findall(low))


def _reporting_context(span: Span, label: str) -> bool:
    """The name is the subject of "reports" (or, for a title-like entity, the object of
    "according to")."""
    root = span.root
    if root.dep_ in {"nsubj", "nsubjpass"} and root.head.lemma_ in _REPORT_LEMMAS:
        return True
    head = root.head
    return (
        label == "WORK_OF_ART" and root.dep_ == "pobj" and head.lower_ == "to"
        and head.i > 0 and span.doc[head.i - 1].lower_ == "according"
    )


def _description(span: Span) -> str | None:
    """Title words before the name, or an appositive."""
    doc = span.doc
    start = span.start
    i = start - 1
    root = span.root
    while i >= 0:
        tok = doc[i]
        inside = (tok.head.i >= span.start and tok.head.i < span.end) or (i < tok.head.i < start)
        if tok.dep_ in _TITLE_DEPS and inside and not tok.is_punct and tok.tag_ not in {"POS", "PRP$"} and tok.dep_ != "poss":
            i -= 1
            continue
        break
    if i + 1 < start:
        words = doc[i + 1 : start]
        if any(t.is_title or t.is_upper or t.pos_ == "NOUN" for t in words):
            return words.text
    for child in root.children:
        if child.dep_ == "appos" and child.i > root.i:
            sub = doc[child.left_edge.i : child.right_edge.i + 1]
            return _trim(sub).text or None
    if root.dep_ == "appos" and root.head.i < root.i and root.head.pos_ == "NOUN":
        head = root.head
        sub = doc[head.left_edge.i : head.i + 1]
        return _trim(sub).text or None
    return None


class _Registry:
    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.actors: list[_Actor] = []
        self.by_key: dict[tuple[str, str], int] = {}
        self.token_actor: dict[int, int] = {}

    def add_mention(self, idx: int, start: int, end: int, nested_ok: bool = False) -> None:
        act = self.actors[idx]
        if any(t in act.covered for t in range(start, end)):
            return  # overlaps one of its mentions
        root = self.doc[start:end].root
        if nested_ok:
            if root.i in self.token_actor:
                return
        elif any(t in self.token_actor for t in range(start, end)):
            return
        act.mentions.append((start, end))
        act.covered.update(range(start, end))
        for t in range(start, end):
            self.token_actor.setdefault(t, idx)
        self.token_actor[root.i] = idx
        if root.dep_ in {"nsubj", "nsubjpass"}:
            act.subject_at.append(root.i)


def _entity_candidates(doc: Doc) -> list[tuple[Span, ActorType]]:
    out: list[tuple[Span, ActorType]] = []
    for ent in doc.ents:
        label = ent.label_
        span = _trim(ent)
        if len(span) == 0 or not any(t.is_alpha for t in span) or _not_a_name(span):
            continue
        if ent[0].text == "The" and span.start == ent.start + 1 and _is_outlet_name(ent.text):
            span = ent  # "The Daily Beast": the article is part of the outlet's name
        if label == "NORP" and span.root.pos_ not in {"PROPN", "NOUN"}:
            continue  # "Belarusian" as an adjective is part of a title, not a group
        if label == "NORP" and span.root.dep_ in {"amod", "compound"}:
            continue
        if label in {"ORG", "WORK_OF_ART", "PERSON"} and (
            (_is_outlet_name(span.text) and label != "PERSON") or (label != "PERSON" and _reporting_context(span, label))
        ):
            out.append((span, "outlet"))
            continue
        kind = _LABEL_TYPES.get(label)
        if kind is not None:
            out.append((span, kind))
    # outlets the entity recogniser missed: "…, The Valley Herald reports."
    taken = {t.i for span, _ in out for t in span}
    for tok in doc:
        if tok.dep_ == "nsubj" and tok.pos_ == "PROPN" and tok.head.lemma_ in _REPORT_LEMMAS and tok.i not in taken:
            start = tok.i
            while start > 0 and doc[start - 1].dep_ in {"compound", "det"} and doc[start - 1].head.i == tok.i:
                start -= 1
            phrase = doc[start : tok.i + 1]
            if _is_outlet_name(phrase.text) and not any(t.i in taken for t in phrase):
                out.append((phrase, "outlet"))
    # nominal outlets: "according to the state news agency", "state media reported"
    for tok in doc:
        if tok.lower_ not in _OUTLET_NOUNS or tok.pos_ != "NOUN" or tok.i in taken or not _reports(tok):
            continue
        mods = [c for c in tok.children if c.dep_ in {"compound", "amod"} and c.i < tok.i]
        if not any(m.lower_ in _OUTLET_MODIFIERS for m in mods):
            continue
        start = min(m.i for m in mods)
        phrase = doc[start : tok.i + 1]
        if not any(t.i in taken for t in phrase):
            out.append((phrase, "outlet"))
    return out


def _acronym(words: list[str]) -> str:
    return "".join(w[0] for w in words if w[:1].isupper() and w.lower() not in {"of", "the", "and", "for"})


def find_actors(doc: Doc) -> list[Actor]:
    """The actors named in ``doc``, with every mention (names, nominals, pronouns)."""
    reg = _Registry(doc)
    cands = _entity_candidates(doc)
    person_surnames: dict[str, int] = {}
    # pass 1: multi-word person names first, so surnames attach to them
    cands_sorted = sorted(cands, key=lambda c: (c[1] != "person", -len(c[0]), c[0].start))
    for span, kind in cands_sorted:
        words = [t.text for t in span if not t.is_punct]
        if not words:
            continue
        name = span.text
        idx: int | None = None
        low = name.lower()
        if kind == "person":
            surname = words[-1].lower()
            if len(words) == 1 and surname in person_surnames:
                idx = person_surnames[surname]
            elif ("person", low) in reg.by_key:
                idx = reg.by_key[("person", low)]
        else:
            if len(words) == 1 and low in person_surnames and kind != "outlet":
                idx = person_surnames[low]
            else:
                for k2 in ("organisation", "outlet", "place", "group"):
                    if (k2, low) in reg.by_key and (k2 == kind or {k2, kind} <= {"organisation", "outlet"}):
                        idx = reg.by_key[(k2, low)]
                        break
                if idx is None and kind in {"organisation", "outlet"}:
                    # acronyms: "UN" = "United Nations"
                    for (k2, _key), j in reg.by_key.items():
                        if k2 in {"organisation", "outlet"} and (
                            (name.isupper() and _acronym(reg.actors[j].name.split()) == name)
                            or (reg.actors[j].name.isupper() and _acronym(words) == reg.actors[j].name)
                        ):
                            idx = j
                            break
        if idx is None:
            idx = len(reg.actors)
            reg.actors.append(_Actor(name=name, type=kind))
            reg.by_key[(kind, low)] = idx
            if kind == "person":
                person_surnames.setdefault(words[-1].lower(), idx)
        elif kind == "outlet" and reg.actors[idx].type == "organisation":
            reg.actors[idx].type = "outlet"
        act = reg.actors[idx]
        if act.description is None and kind == "person":
            act.description = _description(span)
        reg.add_mention(idx, span.start, span.end)
    # surnames the entity recogniser missed ("Petrov has led …" after "General Petrov")
    for tok in doc:
        known = person_surnames.get(tok.lower_)
        if known is not None and tok.i not in reg.token_actor and tok.text[:1].isupper() and tok.pos_ in {"PROPN", "NOUN"}:
            reg.add_mention(known, tok.i, tok.i + 1)
    _link_nominals(reg)
    _gender_words(reg)
    _link_pronouns(reg)
    return _export(reg)


def _gender_words(reg: _Registry) -> None:
    """Count each person's honorifics (before or opening a mention), its description's
    gendered head, and the gendered head of each nominal mention ("the congresswoman")."""
    doc = reg.doc
    for act in reg.actors:
        if act.type != "person":
            continue
        g = _description_gender(act.description)
        titles = _WORD_RE.findall(act.description or "")
        if all(w.lower() in _HONORIFICS for w in titles):
            g = None  # "Mrs." before the name: counted below, with the mention
        if g is not None:
            act.words[g] += 1
        for s, e in act.mentions:
            span = doc[s:e]
            if s > 0 and (hon := word_gender(doc[s - 1].text)) is not None and \
                    doc[s - 1].lower_.rstrip(".") in _HONORIFICS:
                act.words[hon] += 1
            elif len(span) > 1 and (hon := word_gender(span[0].text)) is not None:
                act.words[hon] += 1  # "Mrs. Clinton" inside the entity
            elif len(span) >= 1 and span.root.pos_ == "NOUN" and (
                    head := word_gender(span.root.text)) is not None:
                act.words[head] += 1  # a nominal: "the congresswoman"


def _nominal_match(reg: _Registry, chunk: Span) -> int | None:
    head = chunk.root
    head_word = head.lower_
    mods = [t for t in chunk if t.i != head.i and t.dep_ in {"amod", "compound", "poss", "nmod"} and t.is_alpha]
    best: int | None = None
    best_dist = 10**9
    for j, act in enumerate(reg.actors):
        if act.type != "person" or not act.description:
            continue
        desc = [w.lower() for w in _WORD_RE.findall(act.description)]
        if head_word in desc or (head_word in HEAD_OF_STATE and any(d in HEAD_OF_STATE for d in desc)):
            ok = True
        else:
            ok = False
        if not ok:
            continue
        if mods and not all(
            any(_stem(m.text) == _stem(d) for d in desc) or m.lower_ in ROLE_NOUNS for m in mods
        ):
            continue
        # prefer the nearest preceding mention, then the nearest following
        dists = [chunk.start - e if e <= chunk.start else 10**6 + s - chunk.start for s, e in act.mentions]
        dist = min(dists) if dists else 10**8
        if dist < best_dist:
            best, best_dist = j, dist
    return best


def _link_nominals(reg: _Registry) -> None:
    doc = reg.doc
    for chunk in doc.noun_chunks:
        head = chunk.root
        if head.lower_ not in ROLE_NOUNS or head.i in reg.token_actor:
            continue
        first = chunk[0]
        definite = first.lower_ in {"the", "this", "that"} or any(t.dep_ == "poss" for t in chunk)
        if not definite:
            continue
        j = _nominal_match(reg, chunk)
        if j is None:
            continue
        start = chunk.start
        reg.add_mention(j, start, chunk.end, nested_ok=True)


def _link_pronouns(reg: _Registry) -> None:
    doc = reg.doc
    # tokens in order: track the most recent person actor (and the most recent subject)
    last_person: int | None = None
    last_subject: tuple[int, int] | None = None  # (actor, sentence index)
    recent: list[tuple[int, int]] = []  # (person actor, sentence of its last mention), oldest first
    sent_index = {}
    for k, sent in enumerate(doc.sents):
        for t in sent:
            sent_index[t.i] = k
    for tok in doc:
        k = sent_index.get(tok.i, 0)
        j = reg.token_actor.get(tok.i)
        if j is not None:
            if reg.actors[j].type == "person":
                last_person = j
                if recent and recent[-1][0] == j:
                    recent[-1] = (j, k)
                else:
                    recent = [r for r in recent if r[0] != j] + [(j, k)]
                if tok.dep_ in {"nsubj", "nsubjpass"} or (tok.head.dep_ in {"nsubj", "nsubjpass"} and reg.token_actor.get(tok.head.i) == j):
                    last_subject = (j, k)
            continue
        if tok.lower_ in PRONOUNS_PERSON and tok.pos_ == "PRON":
            said = "male" if tok.lower_ in _MALE_PRONOUNS else "female"
            target: int | None = None
            if last_subject is not None and k - last_subject[1] <= 3:
                target = last_subject[0]
            elif last_person is not None:
                target = last_person
            if target is not None and reg.actors[target].word_gender not in (None, said):
                # the words make the salient person the other gender: the most recent person
                # mentioned in the last three sentences whom the words do not contradict
                target = next((j for j, at in reversed(recent) if k - at <= 3
                               and reg.actors[j].word_gender in (None, said)), None)
            if target is not None:
                reg.add_mention(target, tok.i, tok.i + 1)
                reg.actors[target].pronouns[said] += 1
                if tok.dep_ in {"nsubj", "nsubjpass"}:
                    last_subject = (target, k)


def _export(reg: _Registry) -> list[Actor]:
    doc = reg.doc
    order = sorted(range(len(reg.actors)), key=lambda j: min(s for s, _ in reg.actors[j].mentions) if reg.actors[j].mentions else 0)
    out: list[Actor] = []
    for n, j in enumerate(order, start=1):
        act = reg.actors[j]
        if not act.mentions:
            continue
        mentions = sorted(act.mentions)
        gender, evidence = act.gender()
        out.append(
            Actor(
                id=f"a{n}",
                name=_canonical(act, doc),
                type=act.type,
                description=act.description,
                mentions=[ReportSpan(start=doc[s].idx, end=doc[e - 1].idx + len(doc[e - 1])) for s, e in mentions],
                gender=gender,  # type: ignore[arg-type]
                gender_evidence=evidence,
            )
        )
    return out


def _canonical(act: _Actor, doc: Doc) -> str:
    """The longest name the text gives (names are merged longest first)."""
    return act.name


def actor_at(actors: Sequence[Actor], start: int, end: int) -> Actor | None:
    """The actor with a mention overlapping ``[start, end)`` (the longest overlap wins;
    on a tie, the first actor). Builds a :class:`ActorLookup`: callers that ask often
    keep one."""
    return ActorLookup(actors).at(start, end)


class ActorLookup:
    """:func:`actor_at` over one list of actors, answered from the mentions near the
    span instead of every mention of every actor (issue 24)."""

    def __init__(self, actors: Sequence[Actor]) -> None:
        self._mentions = SpanIndex.ranked((m.start, m.end, act, k) for k, act in enumerate(actors)
                                          for m in act.mentions)

    def at(self, start: int, end: int) -> Actor | None:
        best: Actor | None = None
        best_len = 0
        for m_start, m_end, act in self._mentions.near(start, end):
            ov = min(end, m_end) - max(start, m_start)
            if ov > best_len:
                best, best_len = act, ov
        return best


class ActorFinder:
    """spaCy component: sets ``doc._.actors``."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        doc._.actors = find_actors(doc)
        return doc


@Language.factory("unspin_actors", requires=["doc.ents", "token.dep"], assigns=["doc._.actors"])
def make_actor_finder(nlp: Language, name: str) -> ActorFinder:
    return ActorFinder(nlp, name)

