"""Stages after the backbone: spaCy pipeline components, one module each.

Each stage lives in ``unspin/pipeline/<stage>.py``, registers the spaCy factory
``unspin_<stage>`` declaring what it ``requires`` and ``assigns`` (``doc._.<layer>``), and
keeps its computing (``find_<layer>(doc) -> list[...]``) apart from writing back to the Doc.
Layers hold report models (``unspin.report``) so the report builder only copies them.

``build_pipeline`` adds the requested stages to a freshly loaded backbone and checks, when
the pipeline is built (not in document 40,000), that every stage finds what it requires.
A stage whose optional dependencies or model artifact are missing is skipped; the reason
is kept in ``Pipeline.skipped`` and shows in every report as a warning.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spacy.tokens import Doc

from unspin.errors import ConfigError, ModelError
from unspin.options import ALL_STAGES, Options

if TYPE_CHECKING:
    from spacy.language import Language

#: Doc extension attributes the stages fill (each a list of report models).
LAYERS: tuple[str, ...] = ("actors", "quotes", "techniques", "narratives", "roles", "voices")
#: What the backbone itself provides, in spaCy's attribute notation.
BACKBONE_ASSIGNS: frozenset[str] = frozenset(
    {"doc.sents", "doc.ents", "token.pos", "token.tag", "token.dep", "token.head",
     "token.lemma", "token.ent_iob", "token.ent_type", "token.is_sent_start"}
)


def register_extensions() -> None:
    """Declare ``doc._.<layer>`` for every layer (idempotent)."""
    for name in LAYERS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    # Not report layers: the shared encoder pass (pipeline/encoding.py) and how long it
    # took, and the narratives stage's domain decision (copied into the report as
    # ``narrative_domain``).
    for name in ("unspin_warnings", "encoding", "encoding_ms", "narrative_domain"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


def factory_name(stage: str) -> str:
    return f"unspin_{stage}"


@dataclass
class Pipeline:
    nlp: Language
    stages: list[str]
    skipped: dict[str, str] = field(default_factory=dict)
    model: str = "small"  # the encoder its learned stages read (see unspin.encoder.spec)


def _import_stage(stage: str) -> None:
    importlib.import_module(f"unspin.pipeline.{stage}")


def check_order(nlp: Language) -> None:
    """Raise :class:`ConfigError` if a component requires what no earlier one assigns."""
    available = set(BACKBONE_ASSIGNS)
    for name in nlp.pipe_names:
        meta = nlp.get_pipe_meta(name)
        missing = [r for r in meta.requires if r not in available]
        if name.startswith("unspin_") and missing:
            raise ConfigError(
                f"stage {name!r} requires {', '.join(missing)}, which no earlier stage assigns; "
                "add the stage that provides it or drop this one",
                stage=name,
            )
        available.update(meta.assigns)


def build_pipeline(options: Options, backbone: Language | None = None) -> Pipeline:
    """The backbone plus the stages named in ``options.stages``, in ``ALL_STAGES`` order."""
    from unspin.backbone import load_fresh
    from unspin.encoder import spec

    register_extensions()
    model = spec(options.model).key  # one encoder for every learned stage
    nlp = backbone if backbone is not None else load_fresh()
    pipe = Pipeline(nlp=nlp, stages=[], model=model)
    available = set(BACKBONE_ASSIGNS)
    absent: list[str] = []
    for stage in ALL_STAGES:
        if stage not in options.stages:
            continue
        try:
            _import_stage(stage)
        except ModuleNotFoundError as exc:
            if exc.name == f"unspin.pipeline.{stage}":
                absent.append(stage)  # not part of this version
                continue
            pipe.skipped[stage] = f"missing dependency {exc.name!r}; install unspin[models]"
            continue
        meta = nlp.get_factory_meta(factory_name(stage))
        missing = [r for r in meta.requires if r not in available]
        if missing and (absent or pipe.skipped):
            # What it needs would have come from a stage that could not run here.
            pipe.skipped[stage] = f"needs {', '.join(missing)}, from a stage that is not available"
            continue
        config = {"encoder": model} if "encoder" in (meta.default_config or {}) else {}
        try:
            nlp.add_pipe(factory_name(stage), config=config)
        except ModelError as exc:
            pipe.skipped[stage] = str(exc)
            continue
        available.update(meta.assigns)
        pipe.stages.append(stage)
    check_order(nlp)
    return pipe
