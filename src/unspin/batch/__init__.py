"""Batch analysis: many articles through an engine into Parquet tables (``unspin batch``).

``run_batch(BatchConfig(inputs=("crawl/",), out=Path("out")))`` lists the records in the
inputs (:mod:`unspin.batch.inputs`), skips those already in the output's shards, runs
:func:`unspin.batch.worker.process_record` on each through an engine
(:mod:`unspin.batch.local` or :mod:`unspin.batch.ray`), and writes the rows
(:mod:`unspin.batch.tables`) into atomic shards (:mod:`unspin.batch.writer`).
"""

from __future__ import annotations

from unspin.batch.run import (
    DEFAULT_MAX_FAILURE_RATIO,
    EXIT_FAILURE_RATIO,
    BatchConfig,
    BatchResult,
    run_batch,
)
from unspin.batch.writer import read_table

__all__ = [
    "DEFAULT_MAX_FAILURE_RATIO",
    "EXIT_FAILURE_RATIO",
    "BatchConfig",
    "BatchResult",
    "read_table",
    "run_batch",
]
