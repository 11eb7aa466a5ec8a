"""The emulator over raw sockets: the key before the body, bounded bodies, every method and
request line answered in the API's JSON error shape, strict query values."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from pinecone_imports_frame.emulator import Emulator

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
KEY = "hardening-key"


@pytest.fixture
def emu(start_emulator: Callable[..., Emulator]) -> Emulator:
    return start_emulator(imports=30, seed=7, api_key=KEY, now=NOW)


def exchange(emu: Emulator, raw: bytes) -> tuple[str, dict[str, str], bytes, bool]:
    """Send ``raw``; return the status line, headers, body, and whether the server closed.

    "Closed" is proven by EOF; "kept open" by a second request answered on the connection.
    """
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        if headers.get("connection") == "close":
            closed = sock.recv(1) == b""
        else:
            sock.sendall(request("GET", "/indexes", f"Api-Key: {KEY}"))
            closed = not sock.recv(65536).startswith(b"HTTP/1.1 200 OK")
        return lines[0], headers, body, closed


def send_all_and_read_to_eof(emu: Emulator, raw: bytes) -> bytes:
    """Send ``raw``, say that nothing more will come (half-close), read until the server closes."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=10) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def request(method: str, path: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: emulator", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_key_checked_before_a_huge_body_is_read(emu: Emulator) -> None:
    raw = request("POST", "/bulk/imports", "Content-Length: 10000000000")
    status, _, body, closed = exchange(emu, raw)
    assert status == "HTTP/1.1 401 Unauthorized"
    assert json.loads(body) == {"code": 16, "message": "Invalid API Key", "details": []}
    assert closed  # the unread body is never taken for the next request


def test_an_authenticated_body_past_the_cap_is_413_in_the_api_shape(emu: Emulator) -> None:
    raw = request("POST", "/bulk/imports", f"Api-Key: {KEY}", "Content-Length: 10000000000")
    status, headers, body, closed = exchange(emu, raw)
    assert status == "HTTP/1.1 413 Request Entity Too Large"
    assert headers["content-type"] == "application/json"
    answer = json.loads(body)
    assert answer["code"] == 8 and "too large" in answer["message"]
    assert closed
    big = requests.post(
        emu.url + "/bulk/imports",
        data=b"{" + b" " * (5 * 1024 * 1024) + b"}",
        headers={"Api-Key": KEY},
        timeout=10,
    )
    assert big.status_code == 413


def test_a_body_that_stops_short_is_a_400_not_a_hang(emu: Emulator) -> None:
    raw = request("POST", "/bulk/imports", f"Api-Key: {KEY}", "Content-Length: 50", body=b"{}")
    data = send_all_and_read_to_eof(emu, raw)
    assert data.startswith(b"HTTP/1.1 400 ")
    assert b"ended after 2 of 50 bytes" in data


def test_chunked_bodies_are_refused_with_411(emu: Emulator) -> None:
    raw = request(
        "POST",
        "/bulk/imports",
        f"Api-Key: {KEY}",
        "Transfer-Encoding: chunked",
        body=b"2\r\n{}\r\n0\r\n\r\n",
    )
    status, _, body, closed = exchange(emu, raw)
    assert status.startswith("HTTP/1.1 411 ") and json.loads(body)["code"] == 3 and closed


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", "/bulk/imports", "GET, POST"),
        ("OPTIONS", "/bulk/imports", "GET, POST"),
        ("PUT", "/bulk/imports", "GET, POST"),
        ("PATCH", "/bulk/imports/1", "GET, DELETE"),
        ("POST", "/bulk/imports/1", "GET, DELETE"),
        ("DELETE", "/indexes/emulator-index", "GET"),
        ("BREW", "/indexes", "GET"),
    ],
)
def test_unrouted_methods_on_known_paths_are_405_with_allow(
    emu: Emulator, method: str, path: str, allow: str
) -> None:
    status, headers, body, closed = exchange(emu, request(method, path, f"Api-Key: {KEY}"))
    assert status == "HTTP/1.1 405 Method Not Allowed"
    assert headers["allow"] == allow
    assert headers["content-type"] == "application/json"
    answer = json.loads(body)
    if path.startswith("/indexes"):
        assert answer["error"]["code"] == "UNIMPLEMENTED" and answer["status"] == 405
    else:
        assert answer["code"] == 12
    assert not closed  # keep-alive survives a refusal


@pytest.mark.parametrize("method", ["GET", "TRACE", "OPTIONS", "DELETE"])
def test_unknown_paths_are_404_in_json(emu: Emulator, method: str) -> None:
    status, _, body, _ = exchange(emu, request(method, "/v1/nothing", f"Api-Key: {KEY}"))
    assert status == "HTTP/1.1 404 Not Found"
    assert json.loads(body)["code"] == 5


def test_head_gets_headers_and_no_body(emu: Emulator) -> None:
    raw = request("HEAD", "/bulk/imports", f"Api-Key: {KEY}") + request(
        "GET", "/bulk/imports?limit=1", f"Api-Key: {KEY}"
    )
    data = send_all_and_read_to_eof(emu, raw)
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 405 ")
    assert b"Allow: GET, POST" in first and b"Content-Length: " in first
    # No body after the HEAD answer: the next bytes are the GET's status line.
    assert rest.startswith(b"HTTP/1.1 200 OK")


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /bulk/imports\r\n\r\n",  # HTTP/0.9 style
        b"GET /bulk/imports HTTP/2.0\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",  # TLS hello bytes
        b"GET /bulk/imports HTTP/1.1\r\nno colon here\r\n\r\n",
    ],
)
def test_garbage_is_answered_as_http_1_1_json(emu: Emulator, raw: bytes) -> None:
    status, headers, body, closed = exchange(emu, raw)
    assert status == "HTTP/1.1 400 Bad Request"
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["code"] == 3
    assert b"<html" not in body.lower() and closed


def test_an_overlong_request_line_is_414(emu: Emulator) -> None:
    status, _, body, closed = exchange(emu, request("GET", "/" + "a" * 70_000))
    assert status.startswith("HTTP/1.1 414 ") and json.loads(body)["code"] == 3 and closed


@pytest.mark.parametrize("limit", ["\u0665", " 5", "5 ", "+5", "05\u200b", "%205", "1e1", "\uff15"])
def test_limit_takes_ascii_digits_only(emu: Emulator, limit: str) -> None:
    r = requests.get(
        emu.url + "/bulk/imports", params={"limit": limit}, headers={"Api-Key": KEY}, timeout=10
    )
    assert r.status_code == 400, limit
    assert r.json()["code"] == 3


def test_fractional_retry_after_is_sent_as_is(emu: Emulator) -> None:
    emu.inject("status", status=429, retry_after=0.5)
    r = requests.get(emu.url + "/bulk/imports", headers={"Api-Key": KEY}, timeout=10)
    assert r.status_code == 429 and r.headers["Retry-After"] == "0.5"


@pytest.mark.parametrize("key", ["", " padded ", "tab\tinside", "caf\u00e9"])
def test_unusable_keys_are_refused_at_construction(key: str) -> None:
    with pytest.raises(ValueError, match="api_key"):
        Emulator(api_key=key)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"imports": -5}, "imports"),
        ({"imports": 10_000_000_000}, "imports"),
        ({"imports": True}, "imports"),
        ({"port": 99999}, "port"),
        ({"latency": -1}, "latency"),
        ({"latency": float("nan")}, "latency"),
        ({"index_name": "Bad_Name"}, "index name"),
    ],
)
def test_bad_sizes_are_refused_at_construction(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Emulator(**kwargs)


def test_an_empty_api_key_header_is_401(emu: Emulator) -> None:
    r = requests.get(emu.url + "/bulk/imports", headers={"Api-Key": ""}, timeout=10)
    assert r.status_code == 401
