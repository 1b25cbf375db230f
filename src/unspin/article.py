"""The value that flows through the stages before the backbone."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Removed:
    """A segment clean() took out: ``[start, end)`` into ``Article.raw_text``; ``at`` is
    where it stood in the cleaned ``Article.text``."""

    start: int
    end: int
    text: str
    reason: str
    at: int


@dataclass(frozen=True)
class Source:
    kind: str
    url: str | None = None
    title: str | None = None
    site: str | None = None
    published: str | None = None
    path: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Article:
    """An article before cleaning (``text == raw_text``) or after (``removed`` filled)."""

    id: str
    raw_text: str
    source: Source
    text: str = ""
    removed: tuple[Removed, ...] = ()
    warnings: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.text:
            object.__setattr__(self, "text", self.raw_text)
