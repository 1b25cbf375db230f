"""From an analysed Article (and its spaCy Doc) to the public Report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from unspin import __version__
from unspin.article import Article
from unspin.report.models import (
    Entity,
    ModelInfo,
    RemovedSegment,
    Report,
    Sentence,
    SourceInfo,
    Warning_,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc


def build_report(article: Article, doc: Doc | None, *, language: str,
                 warnings: list[Warning_], timings: dict[str, float],
                 model: dict[str, str | None] | None = None) -> Report:
    """Copy what the stages found into a Report; ``doc`` is None when the backbone was skipped."""
    layers: dict[str, Any] = {}
    sentences: list[Sentence] = []
    entities: list[Entity] = []
    if doc is not None:
        sentences = [Sentence(start=s.start_char, end=s.end_char) for s in doc.sents
                     if s.text.strip()]
        entities = [Entity(start=e.start_char, end=e.end_char, label=e.label_, text=e.text)
                    for e in doc.ents]
        for layer in ("actors", "quotes", "techniques", "narratives", "roles", "voices"):
            if doc.has_extension(layer):
                value = getattr(doc._, layer)
                if value:
                    layers[layer] = list(value)
        if doc.has_extension("narrative_domain") and doc._.narrative_domain is not None:
            layers["narrative_domain"] = doc._.narrative_domain
        extra = doc._.unspin_warnings if doc.has_extension("unspin_warnings") else None
        if extra:
            warnings = [*warnings, *extra]
    src = article.source
    for summary in layers.get("voices", []):
        if summary.voice.kind == "outlet":
            summary.name = src.site or (f"the outlet ({src.url})" if src.url else "the outlet")
    return Report(
        unspin_version=__version__,
        id=article.id,
        source=SourceInfo(kind=src.kind, url=src.url, title=src.title,  # type: ignore[arg-type]
                          site=src.site, published=src.published, path=src.path,
                          author=src.author),
        language=language,
        text=article.text,
        raw_text=article.raw_text,
        removed=[RemovedSegment(start=r.start, end=r.end, text=r.text, reason=r.reason, at=r.at)
                 for r in article.removed],
        sentences=sentences,
        entities=entities,
        warnings=warnings,
        timings={k: round(v, 3) for k, v in timings.items()},
        model=ModelInfo(**model) if model is not None else None,  # type: ignore[arg-type]
        **layers,
    )
