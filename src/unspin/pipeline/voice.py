"""Stage ``voice``: whose voice each technique span and narrative evidence is in.

Inside a direct or mixed quote a span is in the speaker's voice; inside an indirect one it
is the speaker's as reported (``reported: true``: the point is theirs, the words the
outlet's); everywhere else — headline included — it is the outlet's. A span counts as
inside a quote when at least ``INSIDE`` of its characters fall in the quote's content.
A quote whose speaker could not be resolved ("it appears that …") leaves the span the outlet's.
The stage also sums up, per voice, the quotes, techniques, narratives and roles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from spacy.language import Language
from spacy.tokens import Doc

from unspin.report.models import (
    Actor,
    Narrative,
    Quote,
    Role,
    Technique,
    Voice,
    VoiceSummary,
)

#: Share of a span's characters that must lie in a quote for the span to be the speaker's.
#: Half: a technique span straddling a quotation mark belongs to whichever side holds most of it.
INSIDE = 0.5
OUTLET = Voice(kind="outlet")


def voice_of(start: int, end: int, quotes: Sequence[Quote]) -> Voice:
    """The voice of ``[start, end)`` given the article's quotes."""
    length = max(1, end - start)
    best: tuple[float, int, Quote] | None = None
    for q in quotes:
        if q.speaker is None:  # an attribution with no one to attribute it to stays the reporter's
            continue
        overlap = min(end, q.content.end) - max(start, q.content.start)
        if overlap <= 0:
            continue
        share = overlap / length
        # Prefer the tightest quote (a mixed fragment inside an indirect paraphrase).
        key = (share, -(q.content.end - q.content.start), q)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None or best[0] < INSIDE:
        return OUTLET
    q = best[2]
    return Voice(kind="actor", actor=q.speaker, via=list(q.via), quote=q.id,
                 reported=q.kind == "indirect")


def _key(v: Voice) -> tuple[str, str | None]:
    return (v.kind, v.actor)


def summarize(actors: Sequence[Actor], quotes: Sequence[Quote], techniques: Sequence[Technique],
              narratives: Sequence[Narrative], roles: Sequence[Role], outlet_name: str
              ) -> list[VoiceSummary]:
    """One summary for the outlet and one per speaker (quoted actor) or actor with a role."""
    names = {a.id: a.name for a in actors}
    voices: dict[tuple[str, str | None], Voice] = {("outlet", None): OUTLET}
    n_quotes: Counter[tuple[str, str | None]] = Counter()
    techs: dict[tuple[str, str | None], Counter[str]] = defaultdict(Counter)
    narrs: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    role_names: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for q in quotes:
        if q.speaker:
            k: tuple[str, str | None] = ("actor", q.speaker)
            voices.setdefault(k, Voice(kind="actor", actor=q.speaker, via=list(q.via)))
            n_quotes[k] += 1
    for t in techniques:
        v = t.voice or OUTLET
        voices.setdefault(_key(v), Voice(kind=v.kind, actor=v.actor, via=list(v.via)))
        techs[_key(v)][t.technique] += 1
    for n in narratives:
        for ev in n.evidence:
            v = ev.voice or OUTLET
            voices.setdefault(_key(v), Voice(kind=v.kind, actor=v.actor, via=list(v.via)))
            if n.label not in narrs[_key(v)]:
                narrs[_key(v)].append(n.label)
    for r in roles:
        if r.actor:
            k = ("actor", r.actor)  # same key shape as above
            voices.setdefault(k, Voice(kind="actor", actor=r.actor))
            label = r.main_role + (f" ({', '.join(r.fine_roles)})" if r.fine_roles else "")
            if label not in role_names[k]:
                role_names[k].append(label)
    out = []
    for k, v in voices.items():
        name = outlet_name if k[0] == "outlet" else names.get(k[1] or "", "unknown speaker")
        out.append(VoiceSummary(voice=v, name=name, quotes=n_quotes[k],
                                techniques=dict(techs[k].most_common()), narratives=narrs[k],
                                roles=role_names[k]))
    return out


class VoiceAttributor:
    """Sets ``voice`` on techniques and narrative evidence, and ``doc._.voices``."""

    def __init__(self, outlet_name: str = "the outlet") -> None:
        self.outlet_name = outlet_name

    def __call__(self, doc: Doc) -> Doc:
        quotes: list[Quote] = doc._.quotes or []
        techniques: list[Technique] = doc._.techniques or []
        narratives: list[Narrative] = doc._.narratives or []
        for t in techniques:
            t.voice = voice_of(t.start, t.end, quotes)
        for n in narratives:
            for ev in n.evidence:
                ev.voice = voice_of(ev.start, ev.end, quotes)
        doc._.voices = summarize(doc._.actors or [], quotes, techniques, narratives,
                                 doc._.roles or [], self.outlet_name)
        return doc


@Language.factory("unspin_voice", requires=["doc._.quotes"], assigns=["doc._.voices"],
                  default_config={"outlet_name": "the outlet"})
def make_voice(nlp: Language, name: str, outlet_name: str) -> VoiceAttributor:
    return VoiceAttributor(outlet_name)
