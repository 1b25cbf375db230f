"""unspin: who says what, in whose voice, with which persuasion techniques and narratives.

>>> import unspin
>>> report = unspin.analyze("…article text or HTML…")   # doctest: +SKIP
>>> report.quotes, report.techniques, report.narratives  # doctest: +SKIP

``import unspin`` is light: ``Analyzer``, ``analyze``, ``Report`` and ``report_schema`` are
imported when first used (PEP 562), so ``unspin --version``, ``--help``, ``schema`` and
input errors answer before pydantic's report models are even built, let alone spaCy, torch
or a model (``tests/test_startup.py``). The driver lives in ``unspin.analyzer`` — not
``unspin.analyze``, which would be both a submodule and the function, the submodule
shadowing the function once imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from unspin.errors import InputError, ModelError, UnspinError
from unspin.options import Options

__version__ = "0.1.0"

if TYPE_CHECKING:
    from unspin.analyzer import Analyzer, analyze
    from unspin.report import Report, report_schema

__all__ = [
    "Analyzer",
    "InputError",
    "ModelError",
    "Options",
    "Report",
    "UnspinError",
    "__version__",
    "analyze",
    "report_schema",
]

_LAZY = {"Analyzer": "unspin.analyzer", "analyze": "unspin.analyzer",
         "Report": "unspin.report", "report_schema": "unspin.report"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # once: later lookups are plain attribute reads
        return value
    raise AttributeError(f"module 'unspin' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
