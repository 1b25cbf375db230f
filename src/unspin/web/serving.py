"""How ``unspin serve`` runs an app under uvicorn: the one :func:`server_options`, and the
HTTP protocol it uses, uvicorn's h11 protocol with a time limit on a request's headers.

Why a protocol of our own: a request's headers are read by uvicorn before the app sees
anything, so no middleware can time them. uvicorn (h11) caps their size (16 KB) and closes
an idle keep-alive connection after ``timeout_keep_alive`` (5 s), but a client that sends
its headers a byte at a time (slowloris) resets that timer with every byte, and one that
connects and sends nothing is not timed at all: either kept its connection for ever
(issue 24). :class:`HeaderTimeoutProtocol` gives every request ``header_timeout`` seconds,
from the connection's start or the first byte after the previous response, for its whole
head; past that a client that sent part of one gets 408 (``HeaderTimeoutError``, E108)
and the connection is closed, and one that sent nothing is closed silently (as an idle
keep-alive connection is). The body has its own limit, in the app's guard
(:mod:`unspin.web.app`, E107).

The protocol is always h11's (uvicorn would pick httptools where it is installed; this
project does not install it), so both servers of ``unspin serve`` behave the same.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from unspin.errors import HeaderTimeoutError

__all__ = ["HEADER_TIMEOUT_S", "KEEP_ALIVE_S", "HeaderTimeoutProtocol", "header_timeout_error",
           "header_timeout_protocol", "server_options"]

#: Seconds a request's headers may take to arrive (a browser sends them in one packet).
HEADER_TIMEOUT_S = 20.0
#: Seconds an idle keep-alive connection stays open (uvicorn's default, said here).
KEEP_ALIVE_S = 5


def header_timeout_error(seconds: float) -> HeaderTimeoutError:
    """The coded error a client gets whose headers took longer than ``seconds``."""
    return HeaderTimeoutError(
        f"the request headers did not all arrive within {seconds:g} s; send the request "
        "again, whole", limit_s=seconds)


def _408(seconds: float) -> bytes:
    body = json.dumps(header_timeout_error(seconds).to_dict()).encode()
    return (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
            b"cache-control: no-store\r\nconnection: close\r\n"
            + f"content-length: {len(body)}\r\n\r\n".encode() + body)


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, with :attr:`header_timeout` seconds for each request's head.

    The timer starts when the connection is made and again at the first byte of each later
    request; it stops once h11 has the whole head (the client's state leaves ``IDLE``).
    Subclass it with another ``header_timeout`` (what :func:`server_options` does).
    """

    header_timeout: float = HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None
    _partial_head = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_timer()

    def data_received(self, data: bytes) -> None:
        waiting = self.conn.their_state is h11.IDLE
        if waiting and self._header_timer is None:
            self._start_header_timer()  # the first byte of a request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:
            self._partial_head = self._partial_head or bool(data)
        else:
            self._stop_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _start_header_timer(self) -> None:
        self._stop_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_timed_out)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self._partial_head = False

    def _headers_timed_out(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self._partial_head:
            self.transport.write(_408(self.header_timeout))
        self.transport.close()


def header_timeout_protocol(seconds: float) -> type[HeaderTimeoutProtocol]:
    """:class:`HeaderTimeoutProtocol` with a limit of ``seconds`` (uvicorn takes a class)."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout": seconds})


def server_options(header_timeout: float = HEADER_TIMEOUT_S) -> dict[str, Any]:
    """What ``unspin serve`` passes to uvicorn (``uvicorn.run`` or ``uvicorn.Config``) beside
    the app, host, port and log level: no ``Server`` header, idle keep-alive connections
    closed after :data:`KEEP_ALIVE_S`, headers limited to ``header_timeout`` seconds."""
    return {"server_header": False, "timeout_keep_alive": KEEP_ALIVE_S,
            "http": header_timeout_protocol(header_timeout)}
