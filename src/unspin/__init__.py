"""unspin: who says what, in whose voice, with which persuasion techniques and narratives.

>>> import unspin
>>> report = unspin.analyze("…article text or HTML…")   # doctest: +SKIP
>>> report.quotes, report.techniques, report.narratives  # doctest: +SKIP

The names below load on first use (PEP 562), so ``import unspin`` — and ``unspin
--version``, ``--help``, ``schema`` or an input error — never pulls in spaCy or torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from unspin.analyze import Analyzer, analyze
    from unspin.errors import InputError, ModelError, UnspinError
    from unspin.options import Options
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

_WHERE = {
    "Analyzer": "unspin.analyze", "analyze": "unspin.analyze",
    "InputError": "unspin.errors", "ModelError": "unspin.errors", "UnspinError": "unspin.errors",
    "Options": "unspin.options", "Report": "unspin.report", "report_schema": "unspin.report",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'unspin' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
