"""``unspin eval TASK --data DIR``: public metrics, each printed beside a baseline run in the same call.

Each task is a module ``unspin.eval.<task>`` exposing::

    def run(data: Path, *, split: str | None, console: Console) -> dict[str, float]

which prints its tables on ``console`` and returns the headline figures (the quality gates
in ``tests/eval`` compare them with the floors in ``tests/eval/floors/<task>.json``).
"""

TASKS = ("extraction", "quotes", "techniques", "narratives", "roles")
