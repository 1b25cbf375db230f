"""``unspin export``: a thin shell over :mod:`unspin.export` (registered in :mod:`unspin.cli`)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from unspin.errors import ConfigError

__all__ = ["export"]


class ExportFormat(StrEnum):
    label_studio = "label-studio"
    prodigy = "prodigy"


def export(
    source: Annotated[Path, typer.Argument(
        help="A folder written by `unspin batch`, a JSON report, or JSONL of reports.")],
    format: Annotated[ExportFormat, typer.Option("--format", "-f",
                      help="Label Studio tasks (JSON import format) or Prodigy JSONL.")
                      ] = ExportFormat.label_studio,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                      help="Write here instead of standard output.")] = None,
    layers: Annotated[str, typer.Option(
        help="Comma-separated layers to export: techniques, quotes.")] = "techniques,quotes",
    label_config: Annotated[Path | None, typer.Option(
        help="Also write a Label Studio labeling configuration (XML) for these tasks here.")] = None,
) -> None:
    """Techniques and quotes as pre-annotations with their scores (offsets index each task's
    text); correct them, then `unspin train techniques|attribution --corrections FILE`."""
    from unspin import export as export_mod

    chosen = [x.strip() for x in layers.split(",") if x.strip()]
    for path, what in ((output, "--output"), (label_config, "--label-config")):
        if path is not None and path.is_dir():
            raise ConfigError(f"{what} {path} is a folder; give a file name")
    if label_config is not None:  # first: a failure here leaves no tasks file behind
        label_config.write_text(export_mod.label_studio_config(), encoding="utf-8")
    if output is None:
        n = export_mod.export(source, sys.stdout, format=format.value, layers=chosen)
    else:  # written aside and moved into place, so a failed export leaves no half file
        tmp = output.with_name(f".{output.name}.tmp")
        try:
            with tmp.open("w", encoding="utf-8") as fh:
                n = export_mod.export(source, fh, format=format.value, layers=chosen)
            tmp.replace(output)
        finally:
            tmp.unlink(missing_ok=True)
    Console(stderr=True).print(f"{n} task{'' if n == 1 else 's'} exported"
                               + (f" to {escape(str(output))}" if output else ""), highlight=False)
