"""Every CLI command, and every option of it, is in docs/cli.md (regenerate it as it says)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from unspin.cli import app

DOC = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]


def test_the_reference_covers_every_command() -> None:
    assert set(COMMANDS) == {"analyze", "schema", "render", "eval", "train", "batch", "corpus",
                             "serve", "export"}


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_and_its_options_are_documented(name: str) -> None:
    assert f"## unspin {name}\n" in DOC
    section = DOC.split(f"## unspin {name}\n", 1)[1].split("\n## ", 1)[0]
    for param in GROUP.commands[name].params:  # type: ignore[attr-defined]
        for opt in param.opts:
            if opt.startswith("--"):
                assert opt in section, f"{opt} of `unspin {name}` is missing from docs/cli.md"
