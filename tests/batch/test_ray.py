"""The Ray engine (a local Ray of 2 CPUs) writes the same tables as the local engine."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from unspin.batch import BatchConfig, read_table, run_batch
from unspin.batch.tables import TABLES
from unspin.errors import ConfigError
from unspin.options import Options

needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray Data is not installed (pip install 'unspin[ray]')")


def test_without_ray_the_ray_engine_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch, inputs: dict[str, Any], plumbing: Options,
        tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail
    with pytest.raises(ConfigError, match=r"pip install 'unspin\[ray\]'"):
        run_batch(BatchConfig(inputs=(str(inputs["jsonl"]),), out=tmp_path / "out",
                              options=plumbing, engine="ray", workers=2))


@needs_ray
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_ray_writes_the_same_tables_as_the_local_engine(
        inputs: dict[str, Any], plumbing: Options, local_out: Path, tmp_path: Path,
        sorted_rows: Any) -> None:
    out = tmp_path / "ray"
    result = run_batch(BatchConfig(
        inputs=(str(inputs["folder"]), str(inputs["jsonl"]), str(inputs["warc"])), out=out,
        options=plumbing, engine="ray", workers=2), Console(file=io.StringIO()))
    assert (result.processed, result.failed, result.exit_code) == (len(inputs["ids"]), 0, 0)
    assert result.restarts == 0
    for table in TABLES:
        assert sorted_rows(read_table(out, table), drop=("timings", "input")) == sorted_rows(
            read_table(local_out, table), drop=("timings", "input")), table
