"""unspin: who says what, in whose voice, with which persuasion techniques and narratives.

>>> import unspin
>>> report = unspin.analyze("…article text or HTML…")   # doctest: +SKIP
>>> report.quotes, report.techniques, report.narratives  # doctest: +SKIP

``import unspin`` is light: nothing here imports spaCy, torch or a model (the analyzer
imports its pipeline when it first builds it), so ``unspin --version``, ``--help``,
``schema``, ``render`` and input errors answer at once (``tests/test_startup.py``).
"""

from __future__ import annotations

__version__ = "0.1.0"

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
