"""Fetching a page by URL, guarded: no private, loopback or link-local targets unless allowed,
a size cap, a time cap, and at most ``max_redirects`` redirects, each target re-checked.

The transport is injectable (``httpx.MockTransport`` in tests), as is the resolver.
Known limit: the address check runs on the resolved names before connecting; a DNS answer
that changes between the check and the connection (rebinding) is not caught.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from unspin.errors import BlockedURLError, FetchError, InputTooLargeError
from unspin.options import Options

if TYPE_CHECKING:
    import httpx

Resolver = Callable[[str], list[str]]

USER_AGENT = "unspin/0.1 (+offline news analysis; respects robots by being run by hand)"


def resolve(host: str) -> list[str]:
    """All IP addresses ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {host!r} ({exc}); check the URL or your network",
                         host=host) from exc
    return sorted({str(info[4][0]) for info in infos})


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified or not ip.is_global)


def check_url(url: str, options: Options, resolver: Resolver = resolve) -> None:
    """Raise unless ``url`` is http(s) and (unless allowed) every address of its host is public."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port out of range
    except ValueError as exc:
        raise FetchError(f"{url!r} is not a valid URL ({exc}); check it", url=url) from exc
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be fetched, not {parts.scheme or 'none'!r}",
                         url=url)
    if not host:
        raise FetchError(f"the URL {url!r} has no host", url=url)
    if options.allow_private:
        return
    for address in resolver(host):
        if not is_public(address):
            raise BlockedURLError(
                f"refusing to fetch {url}: {host} resolves to the non-public address {address}; "
                "pass --allow-private if you really mean to fetch from your own network",
                url=url, address=address,
            )


def fetch(url: str, options: Options, *, transport: httpx.BaseTransport | None = None,
          resolver: Resolver = resolve) -> tuple[bytes, str, str | None]:
    """``(body, final_url, charset)`` for ``url``; follows redirects by hand, re-checking each."""
    deadline = time.monotonic() + options.fetch_timeout
    import httpx  # here, not at import: a command that fetches nothing never loads it

    try:
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:  # what urlsplit lets through but httpx refuses
        raise FetchError(f"{url!r} is not a valid URL ({exc}); check it", url=url) from exc
    timeout = httpx.Timeout(options.fetch_timeout)
    with httpx.Client(transport=transport, timeout=timeout, follow_redirects=False,
                      headers={"User-Agent": USER_AGENT}) as client:
        current = url
        for _hop in range(options.max_redirects + 1):
            check_url(current, options, resolver)
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"{current} redirects without a Location", url=current)
                        current = urljoin(current, location)
                        continue
                    if response.status_code >= 400:
                        raise FetchError(
                            f"{current} answered HTTP {response.status_code}; check the URL",
                            url=current, status=response.status_code,
                        )
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > options.max_bytes:
                        raise InputTooLargeError(
                            f"{current} announces {int(declared) / 1e6:.1f} MB, over the "
                            f"{options.max_bytes / 1e6:.0f} MB limit", url=current)
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > options.max_bytes:
                            raise InputTooLargeError(
                                f"{current} is over the {options.max_bytes / 1e6:.0f} MB limit; "
                                "save the page and pass the file", url=current)
                        if time.monotonic() > deadline:
                            raise FetchError(
                                f"fetching {current} took over {options.fetch_timeout:.0f} s; "
                                "try again or save the page and pass the file", url=current)
                        chunks.append(chunk)
                    return b"".join(chunks), str(response.url), response.charset_encoding
            except httpx.TimeoutException as exc:
                raise FetchError(f"fetching {current} timed out ({exc}); try again later",
                                 url=current) from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch {current}: {exc}; check the URL and your network",
                                 url=current) from exc
        raise FetchError(f"{url} redirected more than {options.max_redirects} times", url=url)
