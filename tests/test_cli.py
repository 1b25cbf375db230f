"""The CLI: a thin shell over the library; user errors are one line and exit code 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unspin.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "sample.txt"
FOUNDATION = ["--stages", ""]  # the backbone alone keeps these tests about the CLI itself


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_analyze_prints_a_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["analyze", str(SAMPLE), *FOUNDATION], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["id"] == "sample" and report["schema_version"]
    assert len(report["removed"]) == 4


def test_analyze_writes_html_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html_out = tmp_path / "r.html"
    code, _, err = run(["analyze", str(SAMPLE), "-f", "html", "-o", str(html_out), *FOUNDATION],
                       capsys)
    assert code == 0, err
    assert html_out.read_text().startswith("<!DOCTYPE html>")
    code, out, _ = run(["analyze", str(SAMPLE), "-f", "text", *FOUNDATION], capsys)
    assert code == 0 and "READ MORE" in out and "video_title" in out


def test_render_turns_a_saved_report_into_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "r.json"
    assert main(["analyze", str(SAMPLE), "-o", str(saved), *FOUNDATION]) == 0
    code, out, _ = run(["render", str(saved)], capsys)
    assert code == 0 and "<del class=\"removed\"" in out


@pytest.mark.parametrize("content,code_str", [
    (b"", "E101"),
    (b"\x00\x01\x02\x03binary\x00\xff" * 100, "E102"),
])
def test_bad_files_give_a_coded_message_and_exit_code_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, code_str: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    code, out, err = run(["analyze", str(path), *FOUNDATION], capsys)
    assert code == 2
    assert f"[{code_str}]" in err and "Traceback" not in err
    assert out == ""


def test_a_page_with_a_title_and_a_nav_bar_is_no_article(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav>"
                    "</body></html>", encoding="utf-8")
    code, out, err = run(["analyze", str(path), *FOUNDATION], capsys)
    assert code == 2
    assert "[E104]" in err and "Traceback" not in err
    assert out == ""


def test_a_refused_url_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["analyze", "http://127.0.0.1:9/", *FOUNDATION], capsys)
    assert code == 2 and "[E111]" in err and "--allow-private" in err


def test_a_malformed_jsonl_line_fails_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"id": "one", "text": "The harbour reopened on Tuesday after the storm."}\n'
        '{"id": "two", "text": \n'
        '{"id": "three", "text": "Fishermen said the closure cost them a week of catches."}\n')
    code, out, err = run(["analyze", str(feed), *FOUNDATION], capsys)
    assert code == 2
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["one", "three"]
    assert "line 2 of feed.jsonl" in err


def test_schema_prints_the_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["schema"], capsys)
    assert code == 0 and json.loads(out)["title"] == "Report"


def test_unknown_stage_and_unknown_eval_task_are_config_errors(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(["analyze", str(SAMPLE), "--stages", "telepathy"], capsys)
    assert code == 2 and "[E300]" in err and "telepathy" in err
    code, _, err = run(["eval", "horoscopes", "--data", str(tmp_path)], capsys)
    assert code == 2 and "unknown eval task" in err


def test_version_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and out.startswith("unspin ")
    code, _, err = run(["analyze", str(SAMPLE), "--format", "pdf"], capsys)
    assert code == 2 and "Traceback" not in err


def test_an_empty_stage_list_runs_the_backbone_alone(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["analyze", str(SAMPLE), "--stages", ""], capsys)
    report = json.loads(out)
    assert code == 0 and report["quotes"] == [] and report["techniques"] == []
    assert "actors" not in report["timings"] and "backbone" in report["timings"]


@pytest.mark.parametrize("task", ["techniques", "attribution"])
def test_train_hands_every_corrections_file_to_the_trainer(
        task: str, tmp_path: Path, corrected_export: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import importlib

    module = importlib.import_module(f"unspin.train.{task}")
    seen: dict[str, object] = {}

    def fake_run(data: Path, **kw: object) -> Path:
        seen.update(kw, data=data)
        return tmp_path / "artifact"

    monkeypatch.setattr(module, "run", fake_run)
    scored: list[Path] = []
    import unspin.eval.techniques as eval_techniques

    monkeypatch.setattr(eval_techniques, "record_dev",
                        lambda data, path, console, model=None: scored.append(path) or {})
    second = tmp_path / "second.jsonl"
    second.write_text("", encoding="utf-8")
    code, out, err = run(["train", task, "--data", str(tmp_path), "--corrections",
                          str(corrected_export), "--corrections", str(second)], capsys)
    assert code == 0, err
    assert seen["corrections"] == (corrected_export, second)
    assert "artifact written to" in out
    # a techniques artifact is then scored on dev by the eval (training never imports it)
    assert scored == ([tmp_path / "artifact"] if task == "techniques" else [])


def test_train_without_corrections_calls_the_trainer_as_before(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import unspin.eval.techniques as eval_techniques
    import unspin.train.techniques as techniques

    seen: dict[str, object] = {}
    monkeypatch.setattr(techniques, "run", lambda data, **kw: seen.update(kw) or tmp_path)
    monkeypatch.setattr(eval_techniques, "record_dev",
                        lambda data, path, console, model=None: {})
    assert run(["train", "techniques", "--data", str(tmp_path)], capsys)[0] == 0
    assert "corrections" not in seen


def test_train_hands_the_chosen_encoder_to_every_trainer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import unspin.eval.techniques as eval_techniques
    import unspin.train.encoder as encoder
    import unspin.train.roles as roles
    import unspin.train.techniques as techniques

    seen: dict[str, object] = {}
    monkeypatch.setattr(encoder, "run", lambda data, **kw: seen.update(kw) or tmp_path)
    assert run(["train", "encoder", "--data", str(tmp_path), "--model", "BASE"], capsys)[0] == 0
    assert seen["model"] == "base"
    seen.clear()
    monkeypatch.setattr(roles, "run", lambda data, **kw: seen.update(kw) or tmp_path)
    assert run(["train", "roles", "--data", str(tmp_path), "--model", "base"], capsys)[0] == 0
    assert seen["model"] == "base"  # the head is trained on base, into base's folder
    scored: dict[str, object] = {}
    monkeypatch.setattr(techniques, "run", lambda data, **kw: tmp_path)
    monkeypatch.setattr(eval_techniques, "record_dev",
                        lambda data, path, console, model=None: scored.update(model=model) or {})
    assert run(["train", "techniques", "--data", str(tmp_path), "--model", "base"],
               capsys)[0] == 0
    assert scored["model"] == "base"  # and its dev figures are scored on base too
    code, _, err = run(["train", "encoder", "--data", str(tmp_path), "--model", "huge"], capsys)
    assert code == 2 and "unknown model 'huge'" in err


def test_train_encoder_distils_from_a_teacher_over_unlabeled_folders_and_only_it_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import unspin.train.encoder as encoder

    seen: dict[str, object] = {}
    monkeypatch.setattr(encoder, "run", lambda data, **kw: seen.update(kw) or tmp_path)
    assert run(["train", "encoder", "--data", str(tmp_path), "--teacher", "Base",
                "--unlabeled", str(tmp_path), "--unlabeled", str(tmp_path)], capsys)[0] == 0
    assert seen["teacher"] == "base" and seen["unlabeled"] == (tmp_path, tmp_path)
    code, _, err = run(["train", "techniques", "--data", str(tmp_path), "--teacher", "base"],
                       capsys)
    assert code == 2 and "takes no --teacher" in err
    code, _, err = run(["train", "encoder", "--data", str(tmp_path), "--unlabeled",
                        str(tmp_path)], capsys)
    assert code == 2 and "only read with a --teacher" in err
    code, _, err = run(["train", "encoder", "--data", str(tmp_path), "--teacher", "base",
                        "--unlabeled", str(tmp_path / "nope")], capsys)
    assert code == 2 and "no such unlabeled folder" in err


def test_corrections_for_a_task_that_takes_none_or_a_missing_file_are_refused(
        tmp_path: Path, corrected_export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["train", "narratives", "--data", str(tmp_path), "--corrections",
                        str(corrected_export)], capsys)
    assert code == 2 and "[E300]" in err and "takes no --corrections" in err
    code, _, err = run(["train", "techniques", "--data", str(tmp_path), "--corrections",
                        str(tmp_path / "nope.json")], capsys)
    assert code == 2 and "no such corrections file" in err


def test_an_output_path_that_cannot_be_written_is_a_coded_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.json"
    assert main(["analyze", str(SAMPLE), "-o", str(report), *FOUNDATION]) == 0
    capsys.readouterr()
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    code, _, err = run(["render", str(report), "-o", str(tmp_path / "missing" / "r.html")], capsys)
    assert code == 2 and "[E301]" in err and "No such file or directory" in err
    code, _, err = run(["render", str(report), "-o", str(a_file / "r.html")], capsys)
    assert code == 2 and "[E301]" in err and str(a_file) in err


def test_eval_tables_written_to_a_file_keep_their_figures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Piped or redirected, rich would cut a wide table to 80 columns ('0.…')."""
    from rich.table import Table

    import unspin.eval.roles as roles

    def fake_run(data: Path, *, split: str | None, console: object) -> dict[str, float]:
        table = Table()
        for k in range(14):
            table.add_column(f"column {k}")
        table.add_row(*[f"0.{k:03d}" for k in range(14)])
        console.print(table)  # type: ignore[attr-defined]
        return {}

    monkeypatch.setattr(roles, "run", fake_run)
    code, out, _ = run(["eval", "roles", "--data", str(tmp_path)], capsys)
    assert code == 0
    assert "0.013" in out and "…" not in out
