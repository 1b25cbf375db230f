"""The URL fetcher refuses private targets, re-checks every redirect and caps size and time.

No test here sends traffic anywhere but the loopback interface: refused addresses are refused
before any connection, and everything else goes through httpx.MockTransport.
"""

from __future__ import annotations

import socket

import httpx
import pytest

from unspin.errors import BlockedURLError, FetchError, InputTooLargeError
from unspin.ingest.url import check_url, fetch, is_public
from unspin.options import Options

PUBLIC = "93.184.215.14"


def public_resolver(host: str) -> list[str]:
    return {"intranet.example": ["10.1.2.3"]}.get(host, [PUBLIC])


def never_called(request: httpx.Request) -> httpx.Response:  # pragma: no cover - must not run
    raise AssertionError(f"no request should be sent, got {request.url}")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/admin", "http://localhost:8080/", "http://10.0.0.5/", "http://192.168.1.1/",
    "http://172.16.0.1/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
    "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/",
])
def test_private_loopback_and_link_local_targets_are_refused(url: str) -> None:
    with pytest.raises(BlockedURLError, match="--allow-private"):
        fetch(url, Options(), transport=httpx.MockTransport(never_called))


def test_allow_private_lifts_the_refusal() -> None:
    check_url("http://127.0.0.1/", Options(allow_private=True))


@pytest.mark.parametrize("url", ["ftp://example.org/file", "file:///etc/passwd", "javascript:x"])
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        check_url(url, Options())


def test_a_redirect_to_a_private_address_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "http://intranet.example/secret"})

    with pytest.raises(BlockedURLError, match=r"10\.1\.2\.3"):
        fetch("https://news.example/story", Options(), transport=httpx.MockTransport(handler),
              resolver=public_resolver)


def test_redirects_are_followed_up_to_the_limit() -> None:
    hops: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hops.append(str(request.url))
        if len(hops) < 3:
            return httpx.Response(301, headers={"location": f"/step{len(hops)}"})
        return httpx.Response(200, content=b"<html><body><p>ok</p></body></html>",
                              headers={"content-type": "text/html; charset=utf-8"})

    body, final, charset = fetch("https://news.example/a", Options(),
                                 transport=httpx.MockTransport(handler), resolver=public_resolver)
    assert final == "https://news.example/step2"
    assert charset == "utf-8"
    assert b"ok" in body

    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "/again"})

    with pytest.raises(FetchError, match="redirected more than 5 times"):
        fetch("https://news.example/a", Options(), transport=httpx.MockTransport(loop),
              resolver=public_resolver)


def test_a_body_over_the_size_cap_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 5000)

    with pytest.raises(InputTooLargeError, match="limit"):
        fetch("https://news.example/big", Options(max_bytes=1000),
              transport=httpx.MockTransport(handler), resolver=public_resolver)


def test_http_errors_and_timeouts_are_fetch_errors() -> None:
    def not_found(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    with pytest.raises(FetchError, match="HTTP 404"):
        fetch("https://news.example/gone", Options(), transport=httpx.MockTransport(not_found),
              resolver=public_resolver)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(FetchError, match="timed out"):
        fetch("https://news.example/slow", Options(), transport=httpx.MockTransport(slow),
              resolver=public_resolver)


def test_an_unreachable_host_is_a_fetch_error() -> None:
    # A closed port on loopback (allowed explicitly): the connection is refused at once.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="cannot fetch"):
        fetch(f"http://127.0.0.1:{port}/", Options(allow_private=True, fetch_timeout=3))


def test_a_name_that_does_not_resolve_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match="cannot resolve"):
        fetch("http://no-such-host.invalid/", Options())


def test_public_addresses_are_public() -> None:
    assert is_public(PUBLIC)
    assert not is_public("100.64.0.1")  # carrier-grade NAT is not global


@pytest.mark.parametrize("url", ["http://[/", "http://example.org:99999/", "https://[::1"])
def test_a_malformed_url_is_a_clear_error_not_a_crash(url: str) -> None:
    with pytest.raises(FetchError, match="not a valid URL"):
        fetch(url, Options(), transport=httpx.MockTransport(never_called))
