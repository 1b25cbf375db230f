"""``python -m unspin`` and the ``unspin`` console script."""

import sys

from unspin.cli import main


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
