"""The public report: pydantic models whose JSON Schema ``unspin schema`` prints.

Every span is ``[start, end)`` in character offsets (Python ``str`` indices) into
``Report.text``, except ``Removed.start/end``, which index ``Report.raw_text`` (the text
before cleaning; ``Removed.at`` is the matching position in ``text``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = "1.5"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Model):
    start: int = Field(ge=0, description="character offset into `text`, inclusive")
    end: int = Field(ge=0, description="character offset into `text`, exclusive")


class SourceInfo(_Model):
    kind: Literal["text", "html", "url", "jsonl", "warc"]
    url: str | None = None
    title: str | None = None
    site: str | None = None
    published: str | None = None
    path: str | None = None
    author: str | None = Field(default=None, description="the byline, where the extractor or "
                               "the record gives one")


class RemovedSegment(_Model):
    start: int = Field(ge=0, description="offset into `raw_text`, inclusive")
    end: int = Field(ge=0, description="offset into `raw_text`, exclusive")
    text: str
    reason: str
    at: int = Field(ge=0, description="where the segment stood in `text`")


class Sentence(Span):
    pass


class Entity(Span):
    label: str
    text: str


#: A person's gender as the article's words give it (never guessed from a first name).
Gender = Literal["male", "female", "unknown"]

#: What the reporting verb says of the outlet's stance toward the content: neutral (said,
#: told, added), distancing (claimed, alleged, insisted), endorsing (admitted, revealed,
#: acknowledged, pointed out), other (any other cue, or none); see
#: ``unspin.pipeline._attribution.stance``.
CueStance = Literal["neutral", "distancing", "endorsing", "other"]


class Actor(_Model):
    id: str
    name: str
    type: Literal["person", "organisation", "outlet", "group", "place"]
    description: str | None = None
    mentions: list[Span] = Field(default_factory=list)
    gender: Gender = Field(default="unknown", description="from the article's own words: "
                           "honorifics, gendered role nouns, pronouns resolved to the actor; "
                           "unknown without evidence or when it conflicts (people only)")
    gender_evidence: int = Field(default=0, ge=0, description="how many words of the article "
                                 "support `gender` (0 when unknown)")


#: What an attribution's cue says the source did: said it, believes it (thinks, knows, feels,
#: fears), intends it (wants, plans, seeks, decides), perceived it (sees, hears, seems), found
#: it (a poll shows, a study finds) or something else PolNeAR counts as an attribution.
CueClass = Literal["speech", "belief", "intention", "perception", "finding", "other"]


class Quote(_Model):
    """One attribution, or one passage of it: an attribution whose content comes in several
    fragments (a quote split by "he said", several sentences) is one entry per fragment,
    all with the same ``cue``."""

    id: str
    kind: Literal["direct", "mixed", "indirect"] = Field(
        description="direct: a quoted passage; mixed: a quoted fragment inside the reporter's "
                    "sentence; indirect: the source's point in the reporter's words")
    cue_class: CueClass = Field(
        default="speech", description="what the cue says the source did (speech, belief, "
        "intention, perception, finding, other); keep to 'speech' for who-said-what")
    cue_stance: CueStance = Field(
        default="other", description="the reporting verb's stance toward the content: neutral "
        "(said, told), distancing (claimed, alleged), endorsing (admitted, revealed), other")
    content: Span
    cue: Span | None = None
    source: Span | None = None
    speaker: str | None = Field(default=None, description="an `actors[].id`")
    addressee: str | None = Field(default=None, description="an `actors[].id`")
    via: list[str] = Field(default_factory=list, description="actor ids, outermost first")
    channel: str | None = None
    within: str | None = Field(default=None, description="the `quotes[].id` whose content holds "
                               "this attribution (\"A said that B claimed …\": B's is within A's)")
    found_by: list[Literal["rules", "tagger"]] = Field(
        default_factory=lambda: ["rules"],  # type: ignore[arg-type]
        description="which attribution finders found it: the "
        "rules, the learned tagger or both (boundaries then come from the tagger)")
    confidence: float = Field(ge=0.0, le=1.0)


class Voice(_Model):
    """Whose voice a span is in: the outlet's own, or an actor's (as quoted, through ``via``)."""

    kind: Literal["outlet", "actor"]
    actor: str | None = Field(default=None, description="an `actors[].id`; null for an "
                              "unresolved speaker")
    via: list[str] = Field(default_factory=list, description="actor ids, outermost first")
    quote: str | None = Field(default=None, description="the `quotes[].id` the span lies in")
    reported: bool = Field(default=False, description="true inside an indirect quote: the "
                           "speaker's point in the outlet's words")


class Technique(Span):
    technique: str
    score: float = Field(ge=0.0, le=1.0)
    voice: Voice | None = None


class Evidence(Span):
    voice: Voice | None = None


class Narrative(_Model):
    label: str = Field(description="the subnarrative's full label, e.g. 'URW: Blaming the war on others rather than the invader: The West are the aggressors'")
    narrative: str
    subnarrative: str | None = None
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)

    @field_validator("evidence", mode="before")
    @classmethod
    def _spans_as_evidence(cls, value: object) -> object:
        """Accept plain spans as evidence (their voice is filled by the voice stage)."""
        if isinstance(value, list):
            return [v.model_dump() if isinstance(v, Span) and not isinstance(v, Evidence) else v
                    for v in value]
        return value


class NarrativeDomain(_Model):
    """The narratives stage's first decision: which narrative taxonomy applies, if any."""

    domain: Literal["war", "climate", "neither"] = Field(
        description="'war' (the Ukraine war, URW), 'climate' (climate change, CC) or 'neither' "
                    "(off-topic: no narratives are looked for)")
    scores: dict[str, float] = Field(default_factory=dict,
                                     description="the domain gate's probability of each domain")
    p_narrative: float = Field(ge=0.0, le=1.0, description="for 'war' and 'climate': the "
                               "probability that the article carries any narrative of the "
                               "domain (none over the bar shows as an empty `narratives`)")


class Role(Span):
    actor: str | None = Field(default=None, description="an `actors[].id` where linked")
    main_role: Literal["Protagonist", "Antagonist", "Innocent"]
    fine_roles: list[str] = Field(default_factory=list)
    score: float = Field(ge=0.0, le=1.0)


class VoiceSummary(_Model):
    """What one voice (the outlet, or one speaker) does in the article."""

    voice: Voice
    name: str
    quotes: int = 0
    techniques: dict[str, int] = Field(default_factory=dict, description="technique → spans")
    narratives: list[str] = Field(default_factory=list, description="labels with evidence "
                                  "in this voice")
    roles: list[str] = Field(default_factory=list, description="main and fine roles given")


class Warning_(_Model):
    code: str
    message: str


class ModelInfo(_Model):
    """Which model made a report: the encoder every learned stage read (one pass) and the
    hashes that pin it."""

    model: Literal["small", "base"] = Field(description="small (MiniLM-L6) or base "
                                            "(all-mpnet-base-v2)")
    encoder: str = Field(description="the base encoder's name")
    weights_sha256: str | None = Field(default=None, description="sha256 of the base "
                                       "encoder's model.safetensors")
    adapter_sha256: str | None = Field(default=None, description="sha256 of the fine-tuned "
                                       "adapters merged into it (null: none shipped)")


class Report(_Model):
    schema_version: str = SCHEMA_VERSION
    unspin_version: str
    id: str
    source: SourceInfo
    language: str = Field(description="ISO 639-1 code of the detected language, or 'und'")
    text: str = Field(description="the cleaned article text that every span indexes")
    raw_text: str = Field(description="the text before cleaning, indexed by `removed`")
    removed: list[RemovedSegment] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    techniques: list[Technique] = Field(default_factory=list)
    narratives: list[Narrative] = Field(default_factory=list)
    narrative_domain: NarrativeDomain | None = Field(
        default=None, description="the domain decision behind `narratives` (null when the "
        "narratives stage did not run): tells a war article with no narrative over the bar "
        "apart from an off-topic one")
    roles: list[Role] = Field(default_factory=list)
    voices: list[VoiceSummary] = Field(default_factory=list)
    model: ModelInfo | None = Field(default=None, description="the model the learned stages "
                                    "read (null when no stage read one, e.g. not English)")
    warnings: list[Warning_] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict, description="milliseconds per stage")

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON: the one interface between analysis and presentation."""
        return self.model_dump_json(indent=indent)


def report_schema() -> dict[str, object]:
    """The JSON Schema of :class:`Report` (what ``unspin schema`` prints)."""
    schema = Report.model_json_schema()
    schema["$id"] = f"https://unspin.invalid/schema/report-{SCHEMA_VERSION}.json"
    return schema
