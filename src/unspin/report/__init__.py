"""The report: the JSON document every face of unspin reads."""

from unspin.report.models import (
    SCHEMA_VERSION,
    Actor,
    Entity,
    Narrative,
    Quote,
    RemovedSegment,
    Report,
    Role,
    Sentence,
    SourceInfo,
    Span,
    Technique,
    Warning_,
    report_schema,
)

__all__ = [
    "SCHEMA_VERSION",
    "Actor",
    "Entity",
    "Narrative",
    "Quote",
    "RemovedSegment",
    "Report",
    "Role",
    "Sentence",
    "SourceInfo",
    "Span",
    "Technique",
    "Warning_",
    "report_schema",
]
