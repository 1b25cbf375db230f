"""``python -m unspin.web [--host H --port P …]``: the same as ``unspin serve``."""

from __future__ import annotations

import sys

import typer

from unspin.cli_web import serve
from unspin.errors import UnspinError


def main(argv: list[str] | None = None) -> int:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(serve)
    try:
        app(args=argv, standalone_mode=False)
    except UnspinError as exc:
        typer.echo(f"error {exc}", err=True)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
