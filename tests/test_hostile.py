"""The loader against hostile servers: every failure typed, retried where it should be, rows kept.

Each server (``tests/hostile.py``) answers page 1 properly, then misbehaves on page 2 in
one way; with retries the listing completes, without it fails with a package error whose
``.partial`` holds page 1.
"""

from __future__ import annotations

import inspect
import json
import socket
import time
import tracemalloc
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pandas as pd
import pytest
from hostile import (
    CLOSE,
    RESET,
    STALL,
    Behaviour,
    HostileServer,
    answer,
    chunked,
    gzip_bomb,
    gzip_bytes,
    page,
    page_body,
    raw,
    trickle,
)

import pinecone_imports_frame as pif
from pinecone_imports_frame import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    PaginationError,
    PineconeImportsError,
    ResponseFormatError,
    ServerError,
    TransportError,
    iter_pages,
    read_imports,
)
from pinecone_imports_frame import client as client_module
from pinecone_imports_frame.client import MAX_BODY_BYTES, ApiClient
from pinecone_imports_frame.config import ApiKey, normalize_host
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.pagination import NO_PROGRESS_PAGES

pytestmark = pytest.mark.timeout(60)

KEY = "pcsk_hostile_test_key_0123456789"
PAGE1 = [f"a{i}" for i in range(3)]
PAGE2 = [f"b{i}" for i in range(2)]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(client_module, "_sleep", recorded.append)
    return recorded


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


def read(server: HostileServer, **kw: object) -> pd.DataFrame:
    kw.setdefault("progress", False)
    kw.setdefault("timeout", 2)
    return read_imports(server.url, api_key=KEY, **kw)  # type: ignore[arg-type]


def _head(status: int, *headers: str) -> bytes:
    return ("\r\n".join([f"HTTP/1.1 {status} X", *headers]) + "\r\n\r\n").encode()


PAGE2_BYTES = json.dumps(page_body(PAGE2)).encode()

# Page 2 as a hostile server sends it: each fails while (or before) the body is read.
BODY_FAILURES: dict[str, Behaviour] = {
    "reset before any byte": raw(b"", then=RESET),
    "stall after the headers": raw(_head(200, "Content-Length: 500"), then=STALL),
    "reset in the middle of the body": raw(
        _head(200, f"Content-Length: {len(PAGE2_BYTES)}") + PAGE2_BYTES[:40], then=RESET
    ),
    "short body then FIN": answer(200, PAGE2_BYTES, length=len(PAGE2_BYTES) + 500, then=CLOSE),
    "gzip with garbage": answer(
        200, b"\x1f\x8b garbage, not gzip at all", headers=[("Content-Encoding", "gzip")]
    ),
    "gzip cut short": answer(
        200, gzip_bytes(PAGE2_BYTES)[:-12], headers=[("Content-Encoding", "gzip")]
    ),
    "broken chunked framing": raw(
        _head(200, "Transfer-Encoding: chunked") + b"zz\r\nnot a chunk size\r\n", then=CLOSE
    ),
    "chunked body cut short": raw(
        _head(200, "Transfer-Encoding: chunked") + b"400\r\n" + PAGE2_BYTES[:30], then=CLOSE
    ),
    "401 with a truncated body": answer(401, b'{"code": 16, "mess', length=90, then=CLOSE),
    "503 with a truncated body": answer(503, b'{"code": 14, "mess', length=90, then=CLOSE),
}


@pytest.mark.parametrize("failure", BODY_FAILURES, ids=list(BODY_FAILURES))
def test_a_failed_body_read_is_retried(failure: str, waits: list[float]) -> None:
    behaviours = [page(PAGE1, "t1"), BODY_FAILURES[failure], page(PAGE2)]
    with HostileServer(behaviours) as server:
        df = read(server, timeout=0.5)
    assert df["id"].tolist() == PAGE1 + PAGE2
    if failure == "reset before any byte":
        # On a kept-alive connection that is the server closing it as the request went
        # out: sent again at once on a new connection, not counted as a retry.
        assert waits == []
    else:
        assert len(waits) == 1 and 0 < waits[0] <= 1.0
    assert [r.path for r in server.requests] == ["/bulk/imports"] * 3
    assert "paginationToken=t1" in server.requests[2].target  # page 2 asked again


EXPECTED_ERROR = {
    "401 with a truncated body": AuthenticationError,  # the status is known, the body is not
    "503 with a truncated body": ServerError,
}


@pytest.mark.parametrize("failure", BODY_FAILURES, ids=list(BODY_FAILURES))
def test_a_failed_body_read_is_a_typed_error_with_the_rows_before(
    failure: str, waits: list[float]
) -> None:
    with (
        HostileServer([page(PAGE1, "t1")], default=BODY_FAILURES[failure]) as server,
        pytest.raises(PineconeImportsError) as info,
    ):
        read(server, timeout=0.5, max_retries=0)
    err = info.value
    assert type(err) is EXPECTED_ERROR.get(failure, TransportError)
    assert err.partial is not None and err.partial["id"].tolist() == PAGE1
    assert "GET /bulk/imports" in str(err)
    assert waits == []


def test_a_transport_error_names_what_happened(waits: list[float]) -> None:
    with (
        HostileServer([page(PAGE1, "t1"), BODY_FAILURES["gzip with garbage"]]) as server,
        pytest.raises(TransportError, match="does not decompress") as info,
    ):
        read(server, max_retries=0)
    assert "try again" in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
        # Decodes (orjson stops at 1,024 levels), then would fail wherever it is printed.
        b'{"data": [{"id": "x", "error": ' + b"[" * 900 + b"]" * 900 + b"}]}",
    ],
    ids=["beyond the interpreter's recursion", "beyond the nesting limit"],
)
def test_deeply_nested_json_in_a_page_is_a_format_error(body: bytes) -> None:
    with (
        HostileServer([page(PAGE1, "t1"), answer(200, body)]) as server,
        pytest.raises(ResponseFormatError, match="nested deeper than 512") as info,
    ):
        read(server)
    assert info.value.partial["id"].tolist() == PAGE1


def test_deeply_nested_json_in_an_error_body_still_gives_the_status(waits: list[float]) -> None:
    deep = b'{"code": 13, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with (
        HostileServer([page(PAGE1, "t1"), answer(500, deep)]) as server,
        pytest.raises(ServerError, match="HTTP 500") as info,
    ):
        read(server, max_retries=0)
    assert info.value.status == 500 and info.value.partial["id"].tolist() == PAGE1


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(500 * 2**20)  # ~0.5 MB on the wire


def test_a_gzip_bomb_is_refused_without_inflating_it(bomb: bytes) -> None:
    assert len(bomb) < 2**20
    gz = [("Content-Encoding", "gzip")]
    with HostileServer([page(PAGE1, "t1"), answer(200, bomb, headers=gz)]) as server:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseFormatError, match="32 MiB") as info:
                read(server)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 2 * MAX_BODY_BYTES + 16 * 2**20  # never near the 500 MB it inflates to
    assert info.value.partial["id"].tolist() == PAGE1
    assert len(server.requests) == 2  # too large is not retried


def test_a_deflate_stream_that_never_inflates_is_capped_on_the_wire() -> None:
    """Empty deflate blocks inflate to nothing: urllib3 keeps every byte of them.

    Its deflate decoder holds the input until the first byte of output (to try raw
    deflate after zlib), so 64 MiB of empty blocks would sit in memory, and be asked for
    again on each retry, copied on each read (minutes of CPU). A body whose first MiB
    inflates to nothing is refused.
    """
    blocks = b"\x00\x00\x00\xff\xff" * (2**20 // 5)  # about a MiB of empty blocks

    def never_inflates(sock: socket.socket, request: object) -> str:
        sock.sendall(_head(200, "Transfer-Encoding: chunked\r\nContent-Encoding: deflate"))
        sock.sendall(b"2\r\n\x78\x01\r\n")
        for _ in range(64):  # no length announced: 64 MiB, read as it streams
            sock.sendall(b"%x\r\n" % len(blocks) + blocks + b"\r\n")
        return CLOSE

    with HostileServer([never_inflates]) as server:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseFormatError, match="first 1 MiB inflate to nothing"):
                read(server)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 16 * 2**20  # never the 64 MiB sent
    assert len(server.requests) == 1  # not retried: it would come again


def test_a_body_announced_larger_than_the_cap_is_not_read() -> None:
    huge = raw(_head(200, f"Content-Length: {MAX_BODY_BYTES + 1}"), then=STALL)
    with (
        HostileServer([huge]) as server,
        pytest.raises(ResponseFormatError, match="larger than 32 MiB"),
    ):
        read(server, timeout=30)  # would stall for 30 s if it waited for the body


def test_a_chunked_body_is_capped_as_it_streams() -> None:
    megabyte = b" " * 2**20

    def endless(sock: socket.socket, request: object) -> str:
        sock.sendall(_head(200, "Transfer-Encoding: chunked"))
        for _ in range(40):
            sock.sendall(b"100000\r\n" + megabyte + b"\r\n")
        return CLOSE

    with HostileServer([endless]) as server, pytest.raises(ResponseFormatError, match="32 MiB"):
        read(server)


@pytest.mark.parametrize("size_line", [b"-1", b"-10000000"])
def test_a_negative_chunk_size_cannot_lift_the_cap(size_line: bytes) -> None:
    # urllib3's and http.client's chunked readers take "-1" as a size and read the rest of
    # the connection in one call, past any cap (the client reads with read1 instead).
    megabyte = b" " * 2**20

    def endless(sock: socket.socket, request: object) -> str:
        sock.sendall(_head(200, "Transfer-Encoding: chunked") + size_line + b"\r\n")
        for _ in range(120):
            sock.sendall(megabyte)
        return CLOSE

    with HostileServer([page(PAGE1, "t1")], default=endless) as server:
        tracemalloc.start()
        try:
            with pytest.raises(PineconeImportsError, match="GET /bulk/imports") as info:
                read(server, max_retries=1)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 2 * MAX_BODY_BYTES + 16 * 2**20  # not the 120 MB the server sent
    assert info.value.partial["id"].tolist() == PAGE1


def test_a_gzip_page_in_several_members_is_read() -> None:
    body = json.dumps(page_body(PAGE1)).encode()
    half = len(body) // 2
    two_members = gzip_bytes(body[:half]) + gzip_bytes(body[half:])
    with HostileServer([answer(200, two_members, headers=[("Content-Encoding", "gzip")])]) as s:
        assert read(s)["id"].tolist() == PAGE1


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_an_error_naming_the_location(status: int, waits: list[float]) -> None:
    location = "https://someone:hunter2@elsewhere.example/bulk/imports"
    redirect = answer(status, page_body(["not", "data"]), headers=[("Location", location)])
    with (
        HostileServer([page(PAGE1, "t1"), redirect]) as server,
        pytest.raises(ApiError) as info,
    ):
        read(server)
    err = info.value
    assert err.status == status and "elsewhere.example/bulk/imports" in str(err)
    assert "hunter2" not in str(err)  # credentials in the Location are not repeated
    assert err.partial["id"].tolist() == PAGE1  # the 3xx body's records are not data
    assert len(server.requests) == 2 and waits == []  # neither followed nor retried


@pytest.mark.parametrize(
    "location", ["https://x.example/{0}", "https://x.example/?{", "https://x/{retried.__class__}"]
)
def test_braces_in_a_location_are_quoted_not_formatted(location: str) -> None:
    """The hint quoting the Location was a str.format template: IndexError, ValueError, or
    the server's expression evaluated, instead of an ApiError."""
    redirect = answer(302, b"", headers=[("Location", location)])
    with HostileServer([redirect]) as server, pytest.raises(ApiError) as info:
        read(server)
    assert f"redirected to {location};" in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.5", 1.5),
        ("0.25", 0.25),
        ("7", 7.0),
        ("86400", 60.0),  # capped
        ("-5", None),  # the normal backoff
        ("garbage", None),
        ("", None),
        ("Fri, 31 Dec 9999 23:59:59 -0100", None),  # the year 10000: was an OverflowError
    ],
)
def test_retry_after_in_seconds(value: str, expected: float | None, waits: list[float]) -> None:
    limited = answer(429, {"code": 8, "message": "slow down"}, headers=[("Retry-After", value)])
    with HostileServer([limited, page(PAGE1)]) as server:
        assert read(server)["id"].tolist() == PAGE1
    assert len(waits) == 1
    if expected is None:
        assert 0.5 <= waits[0] <= 1.0  # first backoff: 0.5 s plus jitter
    else:
        assert waits == [expected]


def test_retry_after_as_an_http_date_counts_from_the_servers_clock(waits: list[float]) -> None:
    now = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
    headers = [
        ("Date", format_datetime(now, usegmt=True)),
        ("Retry-After", format_datetime(now + timedelta(seconds=12), usegmt=True)),
    ]
    with HostileServer([answer(503, b"busy", headers=headers), page(PAGE1)]) as server:
        assert len(read(server)) == 3
    assert waits == [12.0]


def test_fresh_tokens_over_the_same_records_stop(waits: list[float]) -> None:
    counter = iter(range(10**6))

    def same_records(sock: socket.socket, request: object) -> str:
        return page(PAGE1, f"fresh-{next(counter)}")(sock, request)  # type: ignore[arg-type]

    with (
        HostileServer([], default=same_records) as server,
        pytest.raises(PaginationError, match="no import") as info,
        pytest.warns(pif.DuplicateImportWarning, match=f"^{3 * NO_PROGRESS_PAGES} rows"),
    ):
        read(server)
    assert len(server.requests) == NO_PROGRESS_PAGES + 1
    assert info.value.partial["id"].tolist() == PAGE1  # each import once, as its last row


def test_fresh_tokens_with_empty_pages_stop() -> None:
    counter = iter(range(10**6))

    def empty(sock: socket.socket, request: object) -> str:
        return page([], f"fresh-{next(counter)}")(sock, request)  # type: ignore[arg-type]

    with (
        HostileServer([page(PAGE1, "t0")], default=empty) as server,
        pytest.raises(PaginationError) as info,
    ):
        read(server)
    assert len(server.requests) == NO_PROGRESS_PAGES + 1
    assert info.value.partial["id"].tolist() == PAGE1


def test_max_pages_has_a_finite_default() -> None:
    for func in (read_imports, iter_pages):
        default = inspect.signature(func).parameters["max_pages"].default
        assert isinstance(default, int) and 10_000 <= default <= 10_000_000


def test_the_client_still_authenticates_after_a_transport_error() -> None:
    with HostileServer([raw(b"", then=RESET), page(PAGE1)]) as server:
        client = ApiClient(normalize_host(server.url), api_key=ApiKey(KEY), max_retries=0)
        with client, pytest.raises(TransportError):
            client.get_json("/bulk/imports")
        with client:
            assert [r["id"] for r in client.get_json("/bulk/imports")["data"]] == PAGE1
    assert [r.headers["api-key"] for r in server.requests] == [KEY, KEY]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_refused_loopback_port_fails_fast(waits: list[float]) -> None:
    port = _free_port()
    with pytest.raises(TransportError, match=f"nothing listens on 127.0.0.1:{port}") as info:
        read_imports(f"127.0.0.1:{port}", api_key=KEY, progress=False, max_retries=5)
    assert len(waits) <= 1
    assert info.value.partial is not None and len(info.value.partial) == 0


def test_a_host_that_does_not_resolve_fails_fast(waits: list[float]) -> None:
    with pytest.raises(TransportError, match=r"no-such-index\.invalid does not resolve"):
        read_imports("no-such-index.invalid", api_key=KEY, progress=False, max_retries=5)
    assert len(waits) <= 1


def test_a_control_plane_that_does_not_resolve_points_at_controller_host(
    waits: list[float],
) -> None:
    """The hint named the index host's form, though the host that failed was the control's."""
    with pytest.raises(TransportError, match="does not resolve") as info:
        pif.read_project_imports(
            api_key=KEY, controller_host="https://no-such-control.invalid", progress=False
        )
    assert "controller_host" in str(info.value) and "index host looks" not in str(info.value)


@pytest.mark.parametrize(
    "host", ["my index.svc.pinecone.io", "https://my index.svc.pinecone.io", "ex ample:5080"]
)
def test_a_host_with_a_space_is_a_configuration_error(host: str) -> None:
    with pytest.raises(ConfigurationError, match="not a host name"):
        read_imports(host, api_key=KEY, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timeout": float("inf")}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": 1e10}, "at most 86,400 seconds"),  # was a bare OverflowError
        ({"page_size": True}, "page_size"),
        ({"max_pages": 0}, "max_pages"),
    ],
)
def test_bad_numbers_are_configuration_errors(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        read_imports("127.0.0.1:9", api_key=KEY, progress=False, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("extra", [1, 20_000], ids=["one more", "twenty thousand more"])
def test_a_page_with_more_imports_than_the_limit_is_refused(extra: int) -> None:
    """1.5 M tiny imports a page fit the body cap: four such pages were 6 M rows, 1.8 GB."""
    many = [f"m{i}" for i in range(3 + extra)]
    with (
        HostileServer([page(PAGE1, "t1"), page(many, "t2"), page(["c"])]) as server,
        pytest.raises(ResponseFormatError) as info,
    ):
        read(server, page_size=3)
    message = str(info.value)
    assert f"page 2 holds {3 + extra:,} imports, more than the limit=3" in message
    assert "check the host" in message and ".partial" in message
    assert info.value.partial["id"].tolist() == PAGE1  # the pages before, and only them
    assert len(server.requests) == 2  # not retried, not followed


def test_iter_pages_refuses_a_page_over_the_limit_before_yielding_it() -> None:
    with HostileServer([page(PAGE1, "t1"), page(PAGE1 + PAGE2, "t2")]) as server:
        pages = iter_pages(server.url, api_key=KEY, page_size=3, progress=False)
        assert [r["id"] for r in next(pages)] == PAGE1
        with pytest.raises(ResponseFormatError, match="more than the limit=3"):
            next(pages)


def test_a_page_of_exactly_the_limit_is_read() -> None:
    with HostileServer([page(PAGE1, "t1"), page(["c"])]) as server:
        assert read(server, page_size=3)["id"].tolist() == [*PAGE1, "c"]


# --- timeout bounds each whole request -----------------------------------------------------

#: Seconds between the bytes of a trickling server: far within any read timeout, so only
#: a deadline on the whole request stops it (it took 44 s to read a 44-byte page at 1 s).
SLOW = 0.05


def _trickled(data: bytes, *, head: bytes = b"") -> Behaviour:
    return trickle(data, every=SLOW, head=head)


def _bounded(seconds: float) -> Callable[[], None]:
    """Assert, when called, that less than ``seconds`` passed since this was made."""
    started = time.monotonic()

    def check() -> None:
        took = time.monotonic() - started
        assert took < seconds, f"took {took:.1f} s"

    return check


PADDED_HEAD = _head(200, f"Content-Length: {len(PAGE2_BYTES)}", "X-Padding: " + "x" * 400)


def _endless_continue(sock: socket.socket, request: object) -> str:
    """Interim answers for ever: http.client skips each and reads the next, within any timeout."""
    while True:
        sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        time.sleep(SLOW)


TRICKLES = {
    # Each takes 20 s or more at SLOW a byte, and each read gets its byte within 0.05 s.
    "the body": _trickled(PAGE2_BYTES, head=_head(200, f"Content-Length: {len(PAGE2_BYTES)}")),
    "the head": _trickled(PADDED_HEAD + PAGE2_BYTES),
    "a body that ends with the connection": _trickled(
        PAGE2_BYTES + b" " * 400, head=_head(200, "Connection: close")
    ),
    "a chunked body": _trickled(
        chunked(PAGE2_BYTES + b" " * 400), head=_head(200, "Transfer-Encoding: chunked")
    ),
    "endless 100 Continue": _endless_continue,
}


@pytest.mark.parametrize("part", TRICKLES, ids=list(TRICKLES))
def test_timeout_bounds_a_whole_request_that_trickles(part: str, waits: list[float]) -> None:
    within = _bounded(3.0)
    with (
        HostileServer([page(PAGE1, "t1")], default=TRICKLES[part]) as server,
        pytest.raises(TransportError, match=r"timed out") as info,
    ):
        read(server, timeout=0.5, max_retries=0)
    within()
    err = info.value
    # A body cut at the deadline may look whole (one that ends with the connection): it is
    # a timeout, never a format error nor a short page.
    assert "timeout=0.5 bounds each request whole" in str(err)
    assert err.partial is not None and err.partial["id"].tolist() == PAGE1


def test_a_request_past_its_deadline_is_retried_each_attempt_bounded(waits: list[float]) -> None:
    within = _bounded(4.0)
    slow = TRICKLES["the body"]
    with HostileServer([page(PAGE1, "t1"), slow, slow, page(PAGE2)]) as server:
        df = read(server, timeout=0.5, max_retries=2)
    within()
    assert df["id"].tolist() == PAGE1 + PAGE2  # the third attempt of page 2 came whole
    assert len(waits) == 2 and len(server.requests) == 4


def test_retries_of_a_trickling_server_are_bounded_too(waits: list[float]) -> None:
    # (max_retries + 1) attempts of at most timeout each, plus the waits (recorded here).
    within = _bounded(1.5 * 3 + 2.0)
    with (
        HostileServer([], default=TRICKLES["the body"]) as server,
        pytest.raises(TransportError, match=r"after 2 retries"),
    ):
        read(server, timeout=0.5, max_retries=2)
    within()
    assert len(server.requests) == 3


def test_a_watch_until_ends_while_a_poll_trickles(waits: list[float]) -> None:
    """A blocked poll held `watch --until` for as long as the server liked."""
    running = {
        "data": [
            {
                "id": "r1",
                "uri": "s3://bucket/r1",
                "status": "InProgress",
                "createdAt": "2025-05-01T12:00:00Z",
                "percentComplete": 10.0,
                "recordsImported": 5,
            }
        ]
    }
    body = json.dumps(running).encode()
    slow = _trickled(body, head=_head(200, f"Content-Length: {len(body)}"))
    within = _bounded(8.0)  # until 2 s, a poll of at most 0.5 s, a tick of 1 s
    with HostileServer([answer(200, running)], default=slow) as server:
        history = pif.watch_imports(
            server.url,
            api_key=KEY,
            interval="1s",
            until="2s",
            timeout=0.5,
            max_retries=0,
            progress=False,
        )
    within()
    assert history.attrs["watch"]["stopped"] == "until"
    assert history.attrs["watch"]["failed_polls"] >= 1


# --- the transport's framing (urllib3, and what the client adds to it) ---------------------


def test_pages_share_one_kept_alive_connection() -> None:
    with HostileServer([page(PAGE1, "t1"), page(PAGE2, "t2"), page(["c"])]) as server:
        assert len(read(server)) == 6
    assert server.connections == 1


def test_a_connection_the_server_closed_while_idle_is_replaced_at_once(
    waits: list[float],
) -> None:
    # The server closes after page 1 without saying so (no Connection: close).
    with HostileServer([page(PAGE1, "t1", then=CLOSE), page(PAGE2)]) as server:
        assert read(server)["id"].tolist() == PAGE1 + PAGE2
    assert server.connections == 2 and waits == []


PAGE1_BYTES = json.dumps(page_body(PAGE1)).encode()


@pytest.mark.parametrize(
    "behaviour",
    [
        raw(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + PAGE1_BYTES),
        raw(_head(200, "Connection: close") + PAGE1_BYTES),
        raw(
            b"HTTP/1.1 100 Continue\r\n\r\n"
            + _head(200, f"Content-Length: {len(PAGE1_BYTES)}")
            + PAGE1_BYTES
        ),
        raw(_head(200, "Transfer-Encoding: chunked") + chunked(PAGE1_BYTES[:10], PAGE1_BYTES[10:])),
        raw(
            _head(200, "Transfer-Encoding: chunked")
            + f"{len(PAGE1_BYTES):x};ext=1\r\n".encode()
            + PAGE1_BYTES
            + b"\r\n0\r\nX-Trailer: yes\r\n\r\n"
        ),
        answer(200, gzip_bytes(PAGE1_BYTES), headers=[("Content-Encoding", "gzip")]),
        answer(200, zlib.compress(PAGE1_BYTES), headers=[("Content-Encoding", "deflate")]),
        answer(200, zlib.compress(PAGE1_BYTES)[2:-4], headers=[("Content-Encoding", "deflate")]),
    ],
    ids=[
        "HTTP/1.0 to the close",
        "Connection: close, no length",
        "100 Continue first",
        "chunked",
        "chunked with extension and trailer",
        "gzip",
        "deflate",
        "raw deflate",
    ],
)
def test_every_legitimate_framing_is_read(behaviour: Behaviour) -> None:
    with HostileServer([behaviour]) as server:
        assert read(server)["id"].tolist() == PAGE1


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/0.9 200 OK\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        _head(200, "Content-Length: 12", " folded: header"),
        _head(200, *[f"X-{i}: {i}" for i in range(101)]),
        _head(200, "X-Long: " + "x" * 70_000),
        _head(200, "Content-Length: 12, 13"),
        _head(200, "Content-Length: -1"),
        _head(200, "no colon here"),
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
        b"garbage",
    ],
    ids=[
        "HTTP/0.9",
        "not HTTP",
        "four-digit status",
        "obsolete folding",
        "101 headers",
        "a 70 KB header",
        "two lengths",
        "negative length",
        "no colon",
        "101 switching",
        "garbage then FIN",
    ],
)
def test_every_malformed_head_is_a_transport_error(head: bytes, waits: list[float]) -> None:
    # urllib3 (http.client) refuses most of these heads itself. Four it reads leniently, as
    # RFC 9112 lets a client: HTTP/0.9 as 1.0, a folded line joined to the one before, a
    # negative length as none, a line with no colon as the end of the headers (a logged
    # warning). Each is then a 200 whose body runs to the close and is empty, which the
    # client takes for an answer cut off after its head: retried the same way.
    with (
        HostileServer([page(PAGE1, "t1")], default=raw(head, then=CLOSE)) as server,
        pytest.raises(TransportError, match="GET /bulk/imports") as info,
    ):
        read(server, max_retries=1)
    assert info.value.partial["id"].tolist() == PAGE1
    assert len(waits) == 1  # retried like a dropped connection


def _http_date(when: datetime) -> str:
    """An HTTP date for any year (strftime pads years below 1000 differently by platform)."""
    return when.strftime("%a, %d %b ") + f"{when.year:04d}" + when.strftime(" %H:%M:%S GMT")


@pytest.mark.parametrize(
    "date",
    [
        _http_date(datetime(1, 6, 1, 12, 0, tzinfo=timezone.utc)),
        _http_date(datetime(1970, 6, 1, 12, 0, tzinfo=timezone.utc)),
        _http_date(datetime(2099, 12, 31, 23, 59, 59, tzinfo=timezone.utc)),
        _http_date(datetime(2400, 6, 1, 12, 0, tzinfo=timezone.utc)),
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ],
    ids=["year 1", "1970", "2099", "2400", "end of 9999"],
)
def test_a_server_clock_beyond_a_day_off_is_ignored_with_a_warning(date: str) -> None:
    """A proxy with a broken clock moved listed_at (and the snapshot's partition) decades."""
    with (
        HostileServer([page(PAGE1, "t2", headers=[("Date", date)]), page(PAGE2)]) as server,
        pytest.warns(pif.ClockSkewWarning, match="more than the 1 day") as caught,
    ):
        before = pd.Timestamp.now(tz="UTC")
        df = read(server)
        after = pd.Timestamp.now(tz="UTC")
    assert len(df) == 5 and df["listed_at"].nunique() == 1
    assert before <= df["listed_at"].iloc[0] <= after  # this machine's clock stands
    assert str(df["listed_at"].dtype) == "datetime64[us, UTC]"
    assert server.address in str(caught[0].message)  # which host has the broken clock


@pytest.mark.parametrize(
    "date",
    ["Fri, 31 Dec 9999 23:59:59 -0100", "Fri, 31 Dec 9999 23:59:60 GMT", "Sat, 99 Foo 2025"],
    ids=["in the year 10000", "a leap second at the end of 9999", "not a date"],
)
def test_an_impossible_date_is_ignored(date: str) -> None:
    """The first escaped as a bare OverflowError and lost the listing."""
    with HostileServer([page(PAGE1, "t2", headers=[("Date", date)]), page(PAGE2)]) as server:
        before = pd.Timestamp.now(tz="UTC")
        df = read(server)
    assert df["id"].tolist() == PAGE1 + PAGE2
    assert before <= df["listed_at"].iloc[0] <= pd.Timestamp.now(tz="UTC")


@pytest.mark.parametrize("hours", [-23, -5, 5, 23])
def test_a_server_clock_hours_off_still_corrects_listed_at(hours: int) -> None:
    server_now = datetime.now(timezone.utc) + timedelta(hours=hours)
    date = [("Date", format_datetime(server_now, usegmt=True))]
    with HostileServer([page(PAGE1, headers=date)]) as server:
        df = read(server)
    assert abs(df["listed_at"].iloc[0] - pd.Timestamp(server_now)) < pd.Timedelta(seconds=3)


def test_the_emulators_simulated_clock_is_followed_however_far_off() -> None:
    """The emulator says it is one (Server header, loopback): its clock is simulated."""
    with Emulator(imports=3, now=datetime(2020, 1, 1, tzinfo=timezone.utc)) as emu:
        df = read_imports(emu.url, api_key=emu.api_key, progress=False)
    assert abs(df["listed_at"].iloc[0] - pd.Timestamp("2020-01-01T00:00:00Z")) < pd.Timedelta(
        seconds=3
    )


def test_a_lying_date_never_makes_prune_delete_the_honest_listings(tmp_path: Path) -> None:
    """A snapshot dated 2099 was "the newest" for ever: keep_last=1 removed every real one."""
    lie = [("Date", "Wed, 31 Dec 2099 23:59:59 GMT")]
    with HostileServer([page(["honest-1"]), page(["liar"], headers=lie), page(["honest-2"])]) as s:
        read(s, snapshot_to=tmp_path)
        with pytest.warns(pif.ClockSkewWarning):
            read(s, snapshot_to=tmp_path)
        read(s, snapshot_to=tmp_path)
    listed = pif.list_snapshots(tmp_path)
    assert not any(listed["date"].str.startswith("2099"))  # no partition decades away
    removed = pif.prune_snapshots(tmp_path, keep_last=1)
    assert len(removed) == 2
    kept = pif.read_snapshots(tmp_path)
    assert kept["id"].tolist() == ["honest-2"]  # the listing taken last


@pytest.mark.parametrize("pagination", ["abc", [], 5, True])
def test_a_pagination_of_the_wrong_kind_is_an_error_not_the_end(pagination: object) -> None:
    """It ended the listing quietly: a truncated listing read as a whole one."""
    second = {**page_body(PAGE2), "pagination": pagination}
    with (
        HostileServer([page(PAGE1, "t2"), answer(200, second)]) as server,
        pytest.raises(ResponseFormatError, match="page 2: pagination is a") as info,
    ):
        read(server)
    assert info.value.partial is not None and info.value.partial["id"].tolist() == PAGE1


@pytest.mark.parametrize("host", ["[::1", "a]b", "[zz]", "http://[::1", "\u2100.com"])
def test_a_host_urlsplit_cannot_parse_is_a_configuration_error(host: str) -> None:
    """urlsplit's ValueError escaped raw: a control plane naming such a host crashed
    `check --all-indexes` and the exporter instead of failing that index alone."""
    with pytest.raises(ConfigurationError, match="is not a host"):
        normalize_host(host)
