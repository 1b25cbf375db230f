"""The cue class of an attribution (``Quote.cue_class``): speech, belief, intention,
perception, finding or other.

Read from the cue's words in order: the first word whose lemma is in one of the lists below
decides (auxiliaries, negation and adverbs are passed over, so "didn't want" is an
intention and "has long argued" speech). A cue with no word in any list is ``other``
(PolNeAR also counts cues such as "reserved his passion for" or "is proud of"); an
attribution without a cue (a quoted passage with no cue of its own) is speech.
"""

from __future__ import annotations

from spacy.tokens import Doc

from unspin.pipeline._attribution.lexicon import FINDING_VERBS, SPEECH_VERBS, THOUGHT_VERBS

__all__ = ["cue_class"]

INTENTION: frozenset[str] = frozenset(
    ["want", "plan", "intend", "wish", "seek", "decide", "refuse", "decline", "hope", "aim",
     "try", "attempt", "vow", "pledge", "promise", "threaten", "prefer", "hesitate", "choose",
     "mean", "strive", "desire", "push", "propose", "offer", "agree", "plot", "scheme", "prepare",
     "intention", "plan", "goal", "aim", "bid", "effort", "desire", "wish", "hope", "push",
     "campaign", "promise", "pledge", "vow", "threat", "proposal", "offer", "attempt"]
)
PERCEPTION: frozenset[str] = frozenset(
    ["see", "hear", "notice", "watch", "observe", "witness", "seem", "appear", "look", "sound",
     "sense", "spot", "perceive", "smell", "view"]
)
BELIEF: frozenset[str] = (THOUGHT_VERBS - INTENTION - PERCEPTION) | frozenset(
    ["belief", "view", "opinion", "thought", "idea", "notion", "sense", "conviction", "doubt",
     "fear", "worry", "concern", "suspicion", "assumption", "assessment", "feeling", "impression",
     "expectation", "confidence", "understanding", "knowledge", "love", "like", "hate",
     "dislike", "enjoy", "mind", "care", "proud", "afraid", "confident", "sure", "certain",
     "convinced", "aware", "worried", "concerned", "skeptical", "sceptical", "optimistic",
     "pessimistic", "angry", "upset", "happy", "glad", "sorry", "consider", "regard"]
)
SPEECH: frozenset[str] = SPEECH_VERBS | frozenset(
    ["according", "claim", "statement", "remark", "comment", "say", "word", "assertion",
     "allegation", "accusation", "argument", "announcement", "testimony", "warning", "call",
     "demand", "tweet", "post", "speech", "response", "reply", "answer", "suggestion",
     "insistence", "charge", "criticism", "praise", "quote", "message", "letter", "report",
     "question", "denial", "admission", "explanation", "description", "prediction", "request",
     "complaint", "appeal", "plea", "insist", "mouth", "told", "interview", "pitch"]
)
FINDING: frozenset[str] = FINDING_VERBS | frozenset(
    ["finding", "result", "poll", "survey", "study", "data", "evidence", "estimate",
     "projection", "analysis", "research", "show"]
)
_SKIP_POS = frozenset({"AUX", "PART", "ADV", "DET", "PRON", "PUNCT", "SPACE", "ADP", "CCONJ"})
_ORDER: tuple[tuple[str, frozenset[str]], ...] = (
    ("speech", SPEECH), ("intention", INTENTION), ("perception", PERCEPTION),
    ("finding", FINDING), ("belief", BELIEF),
)


def cue_class(doc: Doc, cue: tuple[int, int] | None) -> str:
    """The cue class of the cue at characters ``cue`` of ``doc`` (see the module doc)."""
    if cue is None:
        return "speech"
    span = doc.char_span(cue[0], cue[1], alignment_mode="expand")
    if span is None:
        return "other"
    words = [t for t in span if t.lower_ == "according" or t.pos_ not in _SKIP_POS] or list(span)
    for tok in words:
        lemma = tok.lemma_.lower()
        for name, lexicon in _ORDER:
            if lemma in lexicon or tok.lower_ in lexicon:
                return name
    return "other"
