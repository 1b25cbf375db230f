"""Every error unspin raises on purpose, in one place.

Hierarchy::

    UnspinError                 base; carries a code ("E012"), a message that says what to do,
    │                           and optional context (the record id, the path, the URL)
    ├── InputError              the input cannot be analysed as given (exit code 2)
    │   ├── EmptyInputError
    │   ├── BinaryInputError
    │   ├── InputTooLargeError
    │   ├── NoArticleTextError
    │   ├── DecodeError
    │   ├── BodyTimeoutError    a request body that did not arrive in time (web: 408)
    │   ├── HeaderTimeoutError  request headers that did not arrive in time (web: 408)
    │   ├── RecordError         one malformed record in a JSONL / WARC stream
    │   ├── CorrectionsError    a corrected Label Studio / Prodigy export that cannot be read
    │   └── FetchError          a URL that cannot be fetched
    │       └── BlockedURLError a URL that points at a private, loopback or link-local host
    ├── ModelError              a model or its package is missing, broken or tampered with
    ├── ConfigError             options that contradict each other or name unknown parts
    │   ├── FileAccessError     a path the command cannot read or write (a file where a
    │   │                       folder goes, a missing folder, no permission)
    │   └── FilterError         a corpus filter, drill-down or parameter that cannot be
    │       │                   answered: a bad date, an outlet the corpus lacks (web: 400)
    │       └── SearchSyntaxError  a full-text search query that does not parse (web: 400)
    ├── PipelineError           a stage failed on a document (a bug: please report it)
    ├── WorkerError             an analysis worker process stopped (killed, out of memory)
    └── QueryTimeoutError       a corpus query ran past its time limit (web: 503)

The CLI and the web app turn these into an exit code or a JSON error at one boundary
(``unspin.cli`` and ``unspin.web``; both web faces, the analysis page and the corpus
explorer, answer :func:`http_status`); library callers catch ``UnspinError``.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BinaryInputError",
    "BlockedURLError",
    "BodyTimeoutError",
    "ConfigError",
    "CorrectionsError",
    "DecodeError",
    "EmptyInputError",
    "FetchError",
    "FileAccessError",
    "FilterError",
    "HeaderTimeoutError",
    "InputError",
    "InputTooLargeError",
    "ModelError",
    "NoArticleTextError",
    "PipelineError",
    "QueryTimeoutError",
    "RecordError",
    "SearchSyntaxError",
    "UnspinError",
    "WorkerError",
    "http_status",
]


class UnspinError(Exception):
    """Base class: ``code`` identifies the error, ``str(err)`` is ``[code] message``."""

    code = "E000"
    exit_code = 1

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context: dict[str, Any] = context

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The one JSON shape errors take in batch output and in the web API."""
        return {
            "code": self.code,
            "type": type(self).__name__,
            "message": self.message,
            "context": {k: str(v) for k, v in self.context.items()},
        }


class InputError(UnspinError):
    code = "E100"
    exit_code = 2


class EmptyInputError(InputError):
    code = "E101"


class BinaryInputError(InputError):
    code = "E102"


class InputTooLargeError(InputError):
    code = "E103"


class NoArticleTextError(InputError):
    code = "E104"


class DecodeError(InputError):
    code = "E105"


class BodyTimeoutError(InputError):
    """The web app's request body did not all arrive within the time limit (a client that
    sends it slowly, or stalls half way); answered with 408 and the connection closed."""

    code = "E107"


class HeaderTimeoutError(InputError):
    """A request's headers did not all arrive within the server's time limit (a client that
    sends them slowly: slowloris); answered with 408 by the server's HTTP protocol
    (:mod:`unspin.web.serving`) and the connection closed."""

    code = "E108"


class RecordError(InputError):
    code = "E106"


class CorrectionsError(InputError):
    code = "E120"


class FetchError(InputError):
    code = "E110"


class BlockedURLError(FetchError):
    code = "E111"


class ModelError(UnspinError):
    code = "E200"
    exit_code = 3


class ConfigError(UnspinError):
    code = "E300"
    exit_code = 2


class FileAccessError(ConfigError):
    code = "E301"


class FilterError(ConfigError):
    """A corpus view asked for what the corpus cannot answer: a date that is not one, an
    outlet, speaker or label the corpus does not hold, a drill-down key it does not know."""

    code = "E302"


class SearchSyntaxError(FilterError):
    """A full-text search query that the query language cannot parse."""

    code = "E303"


class PipelineError(UnspinError):
    code = "E400"
    exit_code = 1


class WorkerError(UnspinError):
    """An analysis worker process stopped mid-request (killed, out of memory); the server
    starts a fresh one, so the same request can be sent again."""

    code = "E500"
    exit_code = 1


class QueryTimeoutError(UnspinError):
    """A corpus query ran past its time limit and was interrupted; narrow the filters (a
    shorter date range, fewer outlets) or raise the limit."""

    code = "E600"
    exit_code = 1


def http_status(exc: UnspinError) -> int:
    """The HTTP status of an error, for every web face (the analysis app and the corpus
    explorer): the client's fault is 4xx, a service that cannot answer now 503, ours 500."""
    if isinstance(exc, InputTooLargeError):
        return 413
    if isinstance(exc, BodyTimeoutError | HeaderTimeoutError):
        return 408
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, ConfigError):
        return 400  # a request that asks for something unspin does not do (a stage, a filter)
    if isinstance(exc, ModelError | WorkerError | QueryTimeoutError):
        return 503
    return 500
