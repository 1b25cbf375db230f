"""``unspin export`` through the CLI: a thin shell that writes tasks, a labeling config, and
turns bad input into a coded message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unspin.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_export_writes_label_studio_tasks_to_a_file(tmp_path: Path, batch_out: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "tasks.json"
    config = tmp_path / "config.xml"
    code, out, err = run(["export", str(batch_out), "-o", str(target),
                          "--label-config", str(config)], capsys)
    assert code == 0, err
    assert out == "" and "2 tasks exported" in err
    assert [t["data"]["article_id"] for t in json.loads(target.read_text())] == ["harbour-1",
                                                                                "bare-2"]
    assert config.read_text().startswith("<View>")


def test_export_prints_prodigy_jsonl_of_one_layer(batch_out: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["export", str(batch_out), "--format", "prodigy", "--layers", "quotes"],
                       capsys)
    first = json.loads(out.splitlines()[0])
    assert code == 0 and {s["label"] for s in first["spans"]} == {"Source", "Cue", "Content"}


def test_export_errors_are_coded_and_leave_no_file(tmp_path: Path, batch_out: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "tasks.json"
    code, _, err = run(["export", str(tmp_path / "missing"), "-o", str(target)], capsys)
    assert code == 2 and "[E100]" in err and not target.exists()
    assert list(tmp_path.iterdir()) == [batch_out]
    code, _, err = run(["export", str(batch_out), "--layers", "moods"], capsys)
    assert code == 2 and "[E300]" in err and "moods" in err


def test_an_output_that_is_a_folder_is_refused_before_anything_is_written(
        tmp_path: Path, batch_out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.xml"
    code, _, err = run(["export", str(batch_out), "-o", str(tmp_path), "--label-config",
                        str(config)], capsys)
    assert code == 2 and "is a folder" in err and not config.exists()
