"""``unspin train TASK --data DIR [--out DIR] [--seed N]``: rebuild a shipped model artifact.

Each task is a module ``unspin.train.<task>`` exposing::

    def run(data: Path, *, out: Path | None, seed: int, console: Console) -> Path

which trains deterministically given ``seed``, writes the artifact (default: the shipped
location under ``unspin/models/<task>/``) with its provenance (data hash, code commit,
settings, held-out metrics) and returns the artifact's folder. The tasks in
:data:`CORRECTABLE` also take ``corrections: Sequence[Path]``: corrected exports of
``unspin export`` (:mod:`unspin.train.corrections`), added to their training data.
"""

TASKS = ("encoder", "techniques", "narratives", "roles", "attribution")
#: The tasks that read corrected exports (``unspin train TASK --corrections FILE``).
CORRECTABLE = ("techniques", "attribution")
