"""The stance of a reporting verb (``Quote.cue_stance``): neutral, distancing, endorsing or
other.

How an outlet introduces a quote says whether it vouches for it. The lists below are ours,
written from these sources (named, not copied):

- **The AP Stylebook**, entry "said": *said* is almost always the right word; verbs such as
  *claimed*, *insisted* or *admitted* carry a judgment the reporter may not intend.
  Hence **neutral**: the plain verbs of saying, asking and answering, and "according to".
- **Thompson & Ye (1991)**, "Evaluation in the reporting verbs used in academic papers"
  (*Applied Linguistics* 12(4)), and **Hyland (2002)**, "Activity and evaluation: reporting
  practices in academic writing": a reporting verb can present the reported content as
  true (factive: *acknowledge*, *point out*, *reveal*, *show*, *confirm*) or as the
  source's own position that the writer does not share (non-factive / counter-factive
  stance: *claim*, *allege*, *purport*).
- **Bergler (1992)**, *Evidential analysis of reported speech* (Brandeis PhD thesis), and
  **Caldas-Coulthard (1994)**, "On reporting reporting: the representation of speech in
  factual and factional narratives": in news, reporting verbs are evidential; *claim*,
  *allege* and *insist* mark the content as disputed, *admit* and *concede* as a true
  thing the source would rather not have said.

So **endorsing** = factive verbs (the outlet treats the content as fact: admitted,
acknowledged, conceded, confirmed, revealed, disclosed, pointed out, noted, showed);
**distancing** = verbs that put the content at arm's length (claimed, alleged, insisted,
purported, contended, maintained, asserted, professed); **other** = every other cue
(believes, wants, warned, denied, a noun cue with no verb in these lists) and a quote with
no cue of its own. Read from the cue's words in order like ``cue_class``: auxiliaries,
adverbs are passed over, the first word in a list decides, "point … out" needs its
particle, and a negated cue ("did not admit", "never claimed") is ``other``.
"""

from __future__ import annotations

from spacy.tokens import Doc

__all__ = ["DISTANCING", "ENDORSING", "NEUTRAL", "cue_stance"]

NEUTRAL: frozenset[str] = frozenset(
    ["say", "tell", "add", "state", "ask", "answer", "reply", "respond", "write", "report",
     "announce", "explain", "describe", "comment", "remark", "continue", "tweet", "post",
     "speak", "talk", "according", "recount", "recall", "quote", "declare", "testify",
     "statement", "remark", "comment", "interview", "response", "reply", "answer", "told",
     "said", "says"]
)
ENDORSING: frozenset[str] = frozenset(
    ["admit", "acknowledge", "concede", "confirm", "reveal", "disclose", "note", "show",
     "demonstrate", "prove", "recognize", "recognise", "admission", "acknowledgment",
     "acknowledgement", "confirmation", "revelation", "concession"]
)
DISTANCING: frozenset[str] = frozenset(
    ["claim", "allege", "insist", "purport", "contend", "maintain", "assert", "profess",
     "allegation", "assertion", "insistence", "contention", "alleged", "purported"]
)
_NEGATION = frozenset({"not", "n't", "never", "no"})
_SKIP_POS = frozenset({"AUX", "PART", "ADV", "DET", "PRON", "PUNCT", "SPACE", "ADP", "CCONJ"})


def cue_stance(doc: Doc, cue: tuple[int, int] | None) -> str:
    """The stance of the cue at characters ``cue`` of ``doc`` (see the module doc)."""
    if cue is None:
        return "other"
    span = doc.char_span(cue[0], cue[1], alignment_mode="expand")
    if span is None:
        return "other"
    if any(t.lower_ in _NEGATION for t in span):
        return "other"  # "did not admit", "never claimed": no stance the lists can read
    words = [t for t in span if t.lower_ == "according" or t.pos_ not in _SKIP_POS] or list(span)
    for tok in words:
        lemma, low = tok.lemma_.lower(), tok.lower_
        if lemma == "point" and any(t.lower_ == "out" for t in doc[tok.i + 1:tok.i + 4]):
            return "endorsing"
        for name, lexicon in (("neutral", NEUTRAL), ("endorsing", ENDORSING),
                              ("distancing", DISTANCING)):
            if lemma in lexicon or low in lexicon:
                return name
    return "other"
