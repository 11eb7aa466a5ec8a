"""The imports-API emulator over real sockets, with requests (no mocks)."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import pandas as pd
import pytest
import requests

from pinecone_imports_frame.emulator import Emulator

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
KEY = "test-key"


@pytest.fixture
def emu(start_emulator: Callable[..., Emulator]) -> Emulator:
    return start_emulator(imports=250, seed=7, api_key=KEY, now=NOW)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.headers["Api-Key"] = KEY
        yield s


def list_page(
    s: requests.Session, emu: Emulator, token: str | None = None, limit: int | None = None
) -> requests.Response:
    params: dict[str, Any] = {}
    if limit is not None:
        params["limit"] = limit
    if token is not None:
        params["paginationToken"] = token
    return s.get(emu.url + "/bulk/imports", params=params, timeout=10)


def drain(s: requests.Session, emu: Emulator, limit: int = 100) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token = None
    for _ in range(1000):
        r = list_page(s, emu, token, limit)
        assert r.status_code == 200, r.text
        body = r.json()
        out.extend(body["data"])
        token = (body.get("pagination") or {}).get("next")
        if not token:
            return out
    raise AssertionError("pagination did not end")


def assert_rpc_status(r: requests.Response, status: int, code: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert body["details"] == []
    return body


# -- auth and validation --------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Api-Key": "wrong"}, {"Api-Key": ""}])
def test_missing_or_wrong_key_is_401_rpc_status(emu: Emulator, headers: dict[str, str]) -> None:
    r = requests.get(emu.url + "/bulk/imports", headers=headers, timeout=10)
    body = assert_rpc_status(r, 401, 16)
    assert body == {"code": 16, "message": "Invalid API Key", "details": []}
    assert emu.requests[-1].status == 401


def test_key_checked_on_describe_and_indexes(emu: Emulator) -> None:
    assert requests.get(emu.url + "/bulk/imports/1", timeout=10).status_code == 401
    assert requests.get(emu.url + "/indexes/emulator-index", timeout=10).status_code == 401


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "", "1.5"])
def test_limit_out_of_range_is_400(emu: Emulator, session: requests.Session, limit: str) -> None:
    r = session.get(emu.url + "/bulk/imports", params={"limit": limit}, timeout=10)
    assert_rpc_status(r, 400, 3)


@pytest.mark.parametrize("limit", [1, 50, 100])
def test_limit_in_range(emu: Emulator, session: requests.Session, limit: int) -> None:
    r = list_page(session, emu, limit=limit)
    assert r.status_code == 200
    assert len(r.json()["data"]) == limit


def test_default_limit_is_100(emu: Emulator, session: requests.Session) -> None:
    assert len(list_page(session, emu).json()["data"]) == 100


def test_garbled_or_foreign_tokens_are_400(emu: Emulator, session: requests.Session) -> None:
    token = list_page(session, emu, limit=10).json()["pagination"]["next"]
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[3] ^= 0xFF
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode()
    with Emulator(imports=250, seed=7, api_key=KEY, now=NOW) as other:
        foreign = list_page(session, other, limit=10).json()["pagination"]["next"]
    for bad in ["garbage", token[:-2], token + "AA", tampered, foreign, "%%%", "0" * 32]:
        assert_rpc_status(list_page(session, emu, bad, 10), 400, 3)
    assert list_page(session, emu, token, 10).status_code == 200


def test_token_is_opaque_urlsafe_base64(emu: Emulator, session: requests.Session) -> None:
    token = list_page(session, emu, limit=10).json()["pagination"]["next"]
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
    assert not token.isdigit()


# -- listing --------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_full_drain_returns_every_import_once_in_order(
    emu: Emulator, session: requests.Session, limit: int
) -> None:
    got = drain(session, emu, limit)
    expected = emu.records()
    assert len(expected) == 250
    assert got == expected
    assert len({r["id"] for r in got}) == 250
    keys = [(r["createdAt"], r["id"]) for r in got]
    assert keys == sorted(keys)


def test_last_page_has_no_pagination_key_by_default(
    emu: Emulator, session: requests.Session
) -> None:
    body = list_page(session, emu, limit=100).json()
    assert body["pagination"]["next"]
    body = list_page(session, emu, body["pagination"]["next"], 100).json()
    body = list_page(session, emu, body["pagination"]["next"], 100).json()
    assert len(body["data"]) == 50
    assert "pagination" not in body


def test_exact_multiple_ends_without_empty_page(session: requests.Session) -> None:
    with Emulator(imports=20, seed=1, api_key=KEY, now=NOW) as emu:
        body = list_page(session, emu, limit=10).json()
        body = list_page(session, emu, body["pagination"]["next"], 10).json()
        assert len(body["data"]) == 10
        assert "pagination" not in body


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("absent", None),
        ("empty", {}),
        ("null", "null"),
        ("empty_string", {"next": ""}),
    ],
)
def test_pagination_end_forms(
    emu: Emulator, session: requests.Session, form: str, expected: Any
) -> None:
    emu.pagination_end = form
    body = list_page(session, emu, limit=100).json()
    assert body["pagination"]["next"]  # not the last page: unaffected
    token = body["pagination"]["next"]
    body = list_page(session, emu, token, 100).json()
    last = list_page(session, emu, body["pagination"]["next"], 100).json()
    if expected is None:
        assert "pagination" not in last
    elif expected == "null":
        assert "pagination" in last and last["pagination"] is None
    else:
        assert last["pagination"] == expected


def test_pagination_end_rejects_unknown_form(emu: Emulator) -> None:
    with pytest.raises(ValueError):
        emu.pagination_end = "nope"


def test_empty_store_returns_only_data(session: requests.Session) -> None:
    with Emulator(imports=0, api_key=KEY, now=NOW) as emu:
        r = list_page(session, emu)
        assert r.json() == {"data": []}
        emu.advance(30 * 86400)
        assert list_page(session, emu).json() == {"data": []}


def test_empty_pagination_token_means_first_page(emu: Emulator, session: requests.Session) -> None:
    first = list_page(session, emu, limit=5).json()["data"]
    assert list_page(session, emu, "", 5).json()["data"] == first


# -- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"), [(429, 8), (500, 13), (502, 14), (503, 14), (504, 4), (408, 4), (400, 3)]
)
def test_status_fault(emu: Emulator, session: requests.Session, status: int, code: int) -> None:
    emu.inject("status", status=status)
    r = list_page(session, emu)
    assert_rpc_status(r, status, code)
    assert "Retry-After" not in r.headers
    assert list_page(session, emu).status_code == 200
    assert [q.status for q in emu.requests] == [status, 200]


def test_status_fault_with_retry_after(emu: Emulator, session: requests.Session) -> None:
    emu.inject("status", status=429, retry_after=3, times=2)
    emu.inject("status", status=503, retry_after=1.5)
    statuses = []
    for _ in range(4):
        r = list_page(session, emu)
        statuses.append((r.status_code, r.headers.get("Retry-After")))
    assert statuses == [(429, "3"), (429, "3"), (503, "1.5"), (200, None)]
    assert emu.faults == []


def test_status_fault_403_and_times_after(emu: Emulator, session: requests.Session) -> None:
    emu.inject("status", status=403, times=2, after=1)
    got = [list_page(session, emu).status_code for _ in range(5)]
    assert got == [200, 403, 403, 200, 200]


def test_fault_path_prefix(emu: Emulator, session: requests.Session) -> None:
    emu.inject("status", status=500, path="/bulk/imports/1")
    assert list_page(session, emu).status_code == 200
    assert session.get(emu.url + "/bulk/imports/2", timeout=10).status_code == 200
    assert session.get(emu.url + "/bulk/imports/1", timeout=10).status_code == 500
    emu.inject("status", status=503, path="/indexes")
    assert session.get(emu.url + "/indexes/emulator-index", timeout=10).status_code == 503


def test_drop_fault_closes_without_response(emu: Emulator, session: requests.Session) -> None:
    emu.inject("drop", times=2)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            list_page(session, emu)
    assert list_page(session, emu).status_code == 200
    assert [q.status for q in emu.requests] == [None, None, 200]


def test_drop_fault_after(emu: Emulator, session: requests.Session) -> None:
    emu.inject("drop", after=2)
    assert list_page(session, emu).status_code == 200
    assert list_page(session, emu).status_code == 200
    with pytest.raises(requests.ConnectionError):
        list_page(session, emu)
    assert list_page(session, emu).status_code == 200


def test_delay_fault(emu: Emulator, session: requests.Session) -> None:
    emu.inject("delay", delay=0.3, times=1, after=1)
    t0 = time.perf_counter()
    assert list_page(session, emu).status_code == 200
    fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert list_page(session, emu).status_code == 200
    slow = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert list_page(session, emu).status_code == 200
    fast2 = time.perf_counter() - t0
    assert slow >= 0.3
    assert fast < 0.2 and fast2 < 0.2
    with pytest.raises(requests.Timeout):
        emu.inject("delay", delay=1.0)
        session.get(emu.url + "/bulk/imports", timeout=0.2)


def test_latency(emu: Emulator, session: requests.Session) -> None:
    emu.set_latency(0.2)
    t0 = time.perf_counter()
    list_page(session, emu)
    session.get(emu.url + "/indexes/emulator-index", timeout=10)
    assert time.perf_counter() - t0 >= 0.4
    emu.set_latency(0)
    t0 = time.perf_counter()
    list_page(session, emu)
    assert time.perf_counter() - t0 < 0.2


def test_self_token_on_later_page(emu: Emulator, session: requests.Session) -> None:
    first = list_page(session, emu, limit=10).json()
    token = first["pagination"]["next"]
    emu.inject("self_token")
    second = list_page(session, emu, token, 10).json()
    assert second["pagination"]["next"] == token
    assert second["data"] == emu.records()[10:20]
    # Once applied, the same token moves on normally.
    again = list_page(session, emu, token, 10).json()
    assert again["pagination"]["next"] != token


def test_self_token_on_first_page(emu: Emulator, session: requests.Session) -> None:
    emu.inject("self_token")
    first = list_page(session, emu, limit=10).json()
    token = first["pagination"]["next"]
    assert first["data"] == emu.records()[:10]
    second = list_page(session, emu, token, 10).json()
    assert second["pagination"]["next"] == token
    assert second["data"] == emu.records()[10:20]


def test_self_token_after(emu: Emulator, session: requests.Session) -> None:
    emu.inject("self_token", after=1)
    first = list_page(session, emu, limit=10).json()
    t1 = first["pagination"]["next"]
    second = list_page(session, emu, t1, 10).json()
    assert second["pagination"]["next"] == t1


def test_empty_token_fault_on_last_page(emu: Emulator, session: requests.Session) -> None:
    emu.inject("empty_token")
    pages = []
    token = None
    while True:
        body = list_page(session, emu, token, 100).json()
        pages.append(body)
        token = (body.get("pagination") or {}).get("next")
        if not token:
            break
    assert len(pages) == 3
    assert pages[-1]["pagination"] == {"next": ""}
    assert pages[0]["pagination"]["next"]
    # Applied once: the next drain ends the default way.
    assert "pagination" not in list_page(session, emu, pages[1]["pagination"]["next"]).json()


def test_empty_token_fault_times(emu: Emulator, session: requests.Session) -> None:
    emu.inject("empty_token", times=2, after=1)
    with Emulator(imports=5, api_key=KEY, now=NOW) as small:
        small.inject("empty_token", times=2, after=1)
        got = [list_page(session, small).json() for _ in range(4)]
    assert [("pagination" in g) and g["pagination"] for g in got] == [
        False,
        {"next": ""},
        {"next": ""},
        False,
    ]


def test_inject_validates(emu: Emulator) -> None:
    with pytest.raises(ValueError):
        emu.inject("explode")
    with pytest.raises(ValueError):
        emu.inject("status")
    with pytest.raises(ValueError):
        emu.inject("delay")
    with pytest.raises(ValueError):
        emu.inject("drop", times=0)


# -- data options ---------------------------------------------------------------------------


def test_int64_as_string(emu: Emulator, session: requests.Session) -> None:
    plain = list_page(session, emu, limit=5).json()["data"]
    assert all(isinstance(r["recordsImported"], int) for r in plain)
    emu.int64_as_string = True
    strs = list_page(session, emu, limit=5).json()["data"]
    assert [r["recordsImported"] for r in strs] == [str(r["recordsImported"]) for r in plain]
    assert '"recordsImported":"' in list_page(session, emu, limit=5).text
    assert isinstance(session.get(emu.url + "/bulk/imports/1").json()["recordsImported"], str)
    assert all(
        isinstance(r["recordsImported"], str) for r in emu.records() if "recordsImported" in r
    )
    assert all(isinstance(r["recordsImported"], str) for r in emu.records(api_version="2026-07"))


ODD_RECORDS: list[dict[str, Any]] = [
    {
        "id": "b",
        "uri": "s3://odd/1/",
        "status": "Completed",
        "createdAt": "2025-05-01T12:34:56.123456789Z",
        "finishedAt": "2025-05-01T14:00:00+02:00",
        "percentComplete": 100,
        "recordsImported": "123",
        "extraField": {"nested": [1, 2]},
    },
    {"id": "a", "uri": "gs://odd/2/", "status": "Paused", "createdAt": "2020-01-01T00:00:00Z"},
    {"id": "c", "status": "Failed", "error": "boom", "recordsImported": 2**62},
]


def test_records_served_verbatim(session: requests.Session) -> None:
    with Emulator(records=ODD_RECORDS, api_key=KEY, now=NOW) as emu:
        assert drain(session, emu, 2) == ODD_RECORDS
        assert emu.records() == ODD_RECORDS
        emu.advance(86400 * 365)
        assert drain(session, emu, 100) == ODD_RECORDS
        assert session.get(emu.url + "/bulk/imports/a").json() == ODD_RECORDS[1]
        assert session.delete(emu.url + "/bulk/imports/a").json() == {}
        assert session.get(emu.url + "/bulk/imports/a").json() == ODD_RECORDS[1]
        assert session.get(emu.url + "/bulk/imports/zz").status_code == 404
        r = session.get(emu.url + "/bulk/imports")
        assert '"createdAt":"2025-05-01T12:34:56.123456789Z"' in r.text
        assert '"recordsImported":4611686018427387904' in r.text


def test_records_are_copied(session: requests.Session) -> None:
    records = [dict(r) for r in ODD_RECORDS]
    with Emulator(records=records, api_key=KEY) as emu:
        records[0]["status"] = "Mutated"
        emu.records()[0]["status"] = "Mutated too"
        assert list_page(session, emu).json()["data"][0]["status"] == "Completed"


# -- describe, start, cancel ----------------------------------------------------------------


def test_describe(emu: Emulator, session: requests.Session) -> None:
    for record in emu.records()[::37]:
        r = session.get(f"{emu.url}/bulk/imports/{record['id']}", timeout=10)
        assert r.status_code == 200
        assert r.json() == record
    assert_rpc_status(session.get(emu.url + "/bulk/imports/99999", timeout=10), 404, 5)


def test_describe_future_import_is_404_until_created(
    emu: Emulator, session: requests.Session
) -> None:
    visible = {r["id"] for r in emu.records()}
    future_id = str(max(int(i) for i in visible) + 1)
    assert session.get(f"{emu.url}/bulk/imports/{future_id}").status_code == 404
    emu.advance(3 * 86400)
    assert session.get(f"{emu.url}/bulk/imports/{future_id}").status_code == 200


def test_start_import(emu: Emulator, session: requests.Session) -> None:
    r = session.post(
        emu.url + "/bulk/imports",
        json={
            "uri": "s3://my-bucket/import-dir/",
            "integrationId": "int-1",
            "errorMode": {"onError": "continue"},
        },
        timeout=10,
    )
    assert r.status_code == 200
    new_id = r.json()["id"]
    assert isinstance(new_id, str) and new_id.isdigit()
    rec = session.get(f"{emu.url}/bulk/imports/{new_id}").json()
    assert rec["status"] == "Pending"
    assert rec["uri"] == "s3://my-bucket/import-dir/"
    assert rec["createdAt"] == emu.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert "recordsImported" not in rec and "finishedAt" not in rec  # Pending, 2025-04
    rec = session.get(
        f"{emu.url}/bulk/imports/{new_id}", headers={"X-Pinecone-API-Version": "2026-07"}
    ).json()
    assert rec["recordsImported"] == 0 and rec["percentComplete"] == 0.0
    assert emu.records()[-1]["id"] == new_id
    assert drain(session, emu)[-1]["id"] == new_id
    emu.advance(86400)
    done = session.get(f"{emu.url}/bulk/imports/{new_id}").json()
    assert done["status"] == "Completed" and done["percentComplete"] == 100.0
    second = session.post(emu.url + "/bulk/imports", json={"uri": "gs://b/x/"}).json()["id"]
    assert second != new_id


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"uri": ""},
        {"uri": 5},
        {"uri": "s3://b/", "errorMode": {"onError": "explode"}},
        {"uri": "s3://b/", "integrationId": 3},
        [],
    ],
)
def test_start_import_validation(emu: Emulator, session: requests.Session, body: Any) -> None:
    assert_rpc_status(session.post(emu.url + "/bulk/imports", json=body, timeout=10), 400, 3)


def test_start_import_invalid_json(emu: Emulator, session: requests.Session) -> None:
    r = session.post(emu.url + "/bulk/imports", data=b"{not json", timeout=10)
    assert_rpc_status(r, 400, 3)
    # The connection stays usable after a body we rejected.
    assert list_page(session, emu).status_code == 200


def test_cancel_running_and_finished(emu: Emulator, session: requests.Session) -> None:
    running = next(r for r in emu.records() if r["status"] == "InProgress")
    finished = next(r for r in emu.records() if r["status"] == "Completed")
    r = session.delete(f"{emu.url}/bulk/imports/{running['id']}", timeout=10)
    assert r.status_code == 200 and r.json() == {}
    after = session.get(f"{emu.url}/bulk/imports/{running['id']}").json()
    assert after["status"] == "Cancelled"
    assert after["finishedAt"] == emu.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert after["recordsImported"] == running["recordsImported"]
    assert session.delete(f"{emu.url}/bulk/imports/{finished['id']}").json() == {}
    assert session.get(f"{emu.url}/bulk/imports/{finished['id']}").json() == finished
    emu.advance(86400)
    assert session.get(f"{emu.url}/bulk/imports/{running['id']}").json() == after
    assert_rpc_status(session.delete(f"{emu.url}/bulk/imports/nope"), 404, 5)


def test_cancel_pending(emu: Emulator, session: requests.Session) -> None:
    new_id = session.post(emu.url + "/bulk/imports", json={"uri": "s3://b/x/"}).json()["id"]
    assert session.get(f"{emu.url}/bulk/imports/{new_id}").json()["status"] == "Pending"
    session.delete(f"{emu.url}/bulk/imports/{new_id}")
    rec = session.get(f"{emu.url}/bulk/imports/{new_id}").json()
    assert rec["status"] == "Cancelled" and rec["recordsImported"] == 0


def test_unknown_route_and_method(emu: Emulator, session: requests.Session) -> None:
    assert_rpc_status(session.get(emu.url + "/nope", timeout=10), 404, 5)
    assert_rpc_status(session.get(emu.url + "/bulk/imports/1/extra", timeout=10), 404, 5)
    r = session.put(emu.url + "/bulk/imports", timeout=10)
    assert_rpc_status(r, 405, 12)
    assert r.headers["Allow"] == "GET, POST"
    assert [(q.method, q.path, q.status) for q in emu.requests] == [
        ("GET", "/nope", 404),
        ("GET", "/bulk/imports/1/extra", 404),
        ("PUT", "/bulk/imports", 405),
    ]


# -- synthetic data and the clock -----------------------------------------------------------


def test_synthetic_data_shape(emu: Emulator) -> None:
    records = emu.records()
    counts = Counter(r["status"] for r in records)
    assert set(counts) >= {"Completed", "Failed", "Cancelled", "InProgress"}
    assert counts["Completed"] > 0.75 * len(records)
    schemes = Counter(r["uri"].split("://")[0] for r in records)
    assert schemes["s3"] and schemes["gs"]
    assert any(".blob.core.windows.net/" in r["uri"] for r in records)
    now = emu.now()
    for r in records:
        assert r["id"].isdigit()
        created = datetime.strptime(r["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=timezone.utc
        )
        assert now - timedelta(days=31) <= created <= now
        assert len(r["createdAt"]) == len("2025-05-01T12:34:56.123456Z")
        if r["status"] == "Pending":  # 2025-04: no progress fields before loading starts
            assert "percentComplete" not in r and "recordsImported" not in r
            continue
        assert 0 <= r["percentComplete"] <= 100
        assert isinstance(r["recordsImported"], int) and r["recordsImported"] >= 0
        finished = r["status"] in ("Completed", "Failed", "Cancelled")
        assert ("finishedAt" in r) == finished
        assert ("error" in r) == (r["status"] == "Failed")
        if r["status"] == "Completed":
            assert r["percentComplete"] == 100.0
        if finished:
            assert r["finishedAt"] >= r["createdAt"]
            assert r["finishedAt"] <= now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_status_mix_is_realistic() -> None:
    """Most imports have finished; a few run; about one in ten failed (retries included)."""
    records = Emulator(imports=5000, seed=3, now=NOW).records()
    counts = Counter(r["status"] for r in records)
    share = {k: v / len(records) for k, v in counts.items()}
    for status, expected in [("Completed", 0.84), ("Failed", 0.105), ("Cancelled", 0.05)]:
        assert abs(share[status] - expected) < 0.03, (status, share)
    assert 0 < counts["InProgress"] + counts["Pending"] <= 25  # a few at once, not a fifth


def test_deterministic_from_seed_and_now() -> None:
    a = Emulator(imports=100, seed=5, now=NOW).records()
    b = Emulator(imports=100, seed=5, now=NOW).records()
    c = Emulator(imports=100, seed=6, now=NOW).records()
    assert a == b
    assert a != c
    e1, e2 = Emulator(imports=100, seed=5, now=NOW), Emulator(imports=100, seed=5, now=NOW)
    for step in (60, 3600, 86400):
        e1.advance(step)
        e2.advance(step)
        assert e1.records() == e2.records()


def test_now_defaults_to_wall_clock_truncated() -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    emu = Emulator(imports=1)
    after = datetime.now(timezone.utc)
    assert before <= emu.now() <= after
    assert emu.now().microsecond == 0
    assert emu.now().tzinfo is not None
    time.sleep(0.01)
    assert emu.now() == emu.now()


def test_advance_moves_imports(emu: Emulator, session: requests.Session) -> None:
    start = {r["id"]: r for r in emu.records()}
    t0 = emu.now()
    seen_running: set[str] = set()
    seen_indexing: set[str] = set()
    history: dict[str, list[str]] = {}  # the statuses of imports first seen Pending
    # Steps shorter than the shortest InProgress phase (30 s loading + 600 s indexing).
    for step in range(500):
        emu.advance(120)
        for r in drain(session, emu) if step % 100 == 0 else emu.records():
            if r["status"] == "Pending" and r["id"] not in start:
                history.setdefault(r["id"], ["Pending"])
            if r["id"] in history and history[r["id"]][-1] != r["status"]:
                history[r["id"]].append(r["status"])
            if r["status"] == "InProgress":
                seen_running.add(r["id"])
                if r["percentComplete"] == 100.0:
                    seen_indexing.add(r["id"])
                    assert "finishedAt" not in r
    assert emu.now() - t0 == timedelta(seconds=60_000)
    assert seen_indexing, "no import was seen at 100 % while still InProgress"
    completed_from_pending = [i for i, h in history.items() if h[-1] == "Completed"]
    assert completed_from_pending
    for i in completed_from_pending:
        assert history[i] == ["Pending", "InProgress", "Completed"]
    later = emu.records()
    assert len(later) > len(start), "no new import appeared"
    new = [r for r in later if r["id"] not in start]
    assert all(r["createdAt"] > t0.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for r in new)
    # Finished imports never change.
    for r in later:
        if r["id"] in start and start[r["id"]]["status"] in ("Completed", "Failed", "Cancelled"):
            assert r == start[r["id"]]


def test_progress_is_monotonic(emu: Emulator) -> None:
    prev = {r["id"]: r for r in emu.records()}
    for _ in range(50):
        emu.advance(120)
        for r in emu.records():
            p = prev.get(r["id"])
            if p is not None:
                assert r.get("percentComplete", 0) >= p.get("percentComplete", 0)
                assert r.get("recordsImported", 0) >= p.get("recordsImported", 0)
            prev[r["id"]] = r


def http_date(r: requests.Response) -> datetime:
    return parsedate_to_datetime(r.headers["Date"])


def test_date_header_follows_the_simulated_clock(emu: Emulator, session: requests.Session) -> None:
    assert http_date(list_page(session, emu)) == NOW
    emu.advance(3 * 86400 + 0.75)
    for r in (
        list_page(session, emu),
        requests.get(emu.url + "/bulk/imports", timeout=10),  # a 401 too
        session.get(emu.url + "/nope", timeout=10),
        session.get(emu.url + "/indexes", timeout=10),
    ):
        assert r.headers["Date"] == "Wed, 04 Jun 2025 12:00:00 GMT"  # RFC 7231, whole seconds
        assert http_date(r) == NOW + timedelta(days=3)


def test_running_clock_follows_an_injected_timer(session: requests.Session) -> None:
    real = [100.0]
    with Emulator(imports=250, seed=7, api_key=KEY, now=NOW, speed=600, timer=lambda: real[0]) as e:
        assert e.now() == NOW and e.speed == 600
        running = next(r for r in e.records() if r["status"] == "InProgress")
        real[0] += 1.5  # 1.5 real seconds: 15 simulated minutes
        assert e.now() == NOW + timedelta(minutes=15)
        assert http_date(list_page(session, e)) == NOW + timedelta(minutes=15)
        e.advance(60)  # advance() still steps a running clock
        assert e.now() == NOW + timedelta(minutes=16)
        later = session.get(f"{e.url}/bulk/imports/{running['id']}", timeout=10).json()
        assert later["percentComplete"] >= running["percentComplete"]
        assert later != running
        e.reset()
        assert e.now() == NOW  # reset rewinds, and the clock runs on from there
        real[0] += 0.1
        assert e.now() == NOW + timedelta(minutes=1)


@pytest.mark.parametrize("speed", [-1, float("nan"), float("inf"), "600"])
def test_speed_must_be_a_sane_number(speed: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        Emulator(imports=0, speed=speed)


def test_advance_rejects_negative(emu: Emulator) -> None:
    with pytest.raises(ValueError):
        emu.advance(-1)


@pytest.mark.parametrize("step", ["30m", timedelta(minutes=30), pd.Timedelta("30min"), 1800])
def test_advance_takes_a_duration_with_its_unit_or_seconds(emu: Emulator, step: object) -> None:
    """The package's durations say their unit; advance("30m") was a ValueError."""
    before = emu.now()
    emu.advance(step)  # type: ignore[arg-type]
    assert (emu.now() - before).total_seconds() == 1800
    with pytest.raises(ValueError, match="advance"):
        emu.advance("30")  # a bare number as text: seconds only as a number


def test_drain_across_advance_is_complete(emu: Emulator, session: requests.Session) -> None:
    ids: list[str] = []
    token = None
    while True:
        body = list_page(session, emu, token, 20).json()
        ids.extend(r["id"] for r in body["data"])
        emu.advance(3600)
        token = (body.get("pagination") or {}).get("next")
        if not token:
            break
    assert len(ids) == len(set(ids))
    assert set(ids) >= {r["id"] for r in Emulator(imports=250, seed=7, now=NOW).records()}


# -- control plane --------------------------------------------------------------------------


def test_describe_index_host_points_back(emu: Emulator, session: requests.Session) -> None:
    r = session.get(emu.url + "/indexes/emulator-index", timeout=10)
    assert r.status_code == 200
    model = r.json()
    assert model["host"] == emu.address
    assert model["host"] == f"127.0.0.1:{emu.port}"
    for field in ("name", "metric", "status", "spec", "host", "vector_type", "dimension"):
        assert field in model
    assert model["status"] == {"ready": True, "state": "Ready"}
    follow = session.get(f"http://{model['host']}/bulk/imports", timeout=10)
    assert follow.status_code == 200
    listed = session.get(emu.url + "/indexes", timeout=10).json()
    assert listed == {"indexes": [model]}


def test_describe_other_index_is_404(emu: Emulator, session: requests.Session) -> None:
    r = session.get(emu.url + "/indexes/other-index", timeout=10)
    assert r.status_code == 404
    body = r.json()
    assert body["status"] == 404
    assert body["error"]["code"] == "NOT_FOUND"
    assert "other-index" in body["error"]["message"]


def test_custom_index_name(session: requests.Session) -> None:
    with Emulator(imports=3, index_name="my-index", api_key=KEY) as emu:
        assert emu.index_name == "my-index"
        assert session.get(emu.url + "/indexes/my-index").json()["name"] == "my-index"
        assert session.get(emu.url + "/indexes/emulator-index").status_code == 404


# -- request log, errors, reset -------------------------------------------------------------


def test_request_log_redacts_key(emu: Emulator, session: requests.Session) -> None:
    session.headers["X-Pinecone-API-Version"] = "2025-04"
    session.headers["User-Agent"] = "my-tool/1.0"
    list_page(session, emu, limit=3)
    (req,) = emu.requests
    assert req.method == "GET"
    assert req.path == "/bulk/imports"
    assert req.query == {"limit": "3"}
    assert req.status == 200
    assert req.headers["Api-Key"] == "***"
    assert req.api_version == "2025-04"
    assert req.user_agent == "my-tool/1.0"
    assert KEY not in repr(emu.requests)
    requests.get(emu.url + "/bulk/imports", headers={"Api-Key": "wrong-secret"}, timeout=10)
    assert "wrong-secret" not in repr(emu.requests)
    assert emu.requests[-1].status == 401


def test_handler_exception_becomes_500_and_check_raises(session: requests.Session) -> None:
    class Boom:
        pass

    with Emulator(records=[{"id": "1", "bad": Boom()}], api_key=KEY) as emu:
        r = list_page(session, emu)
        assert_rpc_status(r, 500, 13)
        assert emu.requests[-1].status == 500
        with pytest.raises(TypeError):
            emu.check()
        emu.check()  # reported once


def test_raise_fault_is_a_500_and_check_reraises_in_the_test_thread(
    emu: Emulator, session: requests.Session
) -> None:
    emu.inject("raise", exception=LookupError("handler blew up"), path="/bulk/imports/", after=1)
    assert session.get(emu.url + "/bulk/imports/1", timeout=10).status_code == 200
    r = session.get(emu.url + "/bulk/imports/2", timeout=10)
    assert_rpc_status(r, 500, 13)
    assert "handler blew up" not in r.text  # the exception's text stays on the server
    assert list_page(session, emu).status_code == 200  # path prefix: the listing is spared
    with pytest.raises(LookupError, match="handler blew up"):
        emu.check()
    emu.check()  # reported once


def test_raise_fault_default_exception(emu: Emulator, session: requests.Session) -> None:
    from pinecone_imports_frame.emulator import InjectedError

    emu.inject("raise", times=2)
    assert [list_page(session, emu).status_code for _ in range(3)] == [500, 500, 200]
    with pytest.raises(InjectedError):
        emu.check()


def test_reset_restores_everything(emu: Emulator, session: requests.Session) -> None:
    initial = emu.records()
    t0 = emu.now()
    session.post(emu.url + "/bulk/imports", json={"uri": "s3://b/x/"})
    running = next(r for r in initial if r["status"] == "InProgress")
    session.delete(f"{emu.url}/bulk/imports/{running['id']}")
    emu.advance(86400)
    emu.inject("status", status=500, times=5)
    emu.pagination_end = "null"
    emu.int64_as_string = True
    emu.set_latency(0.5)
    emu.reset()
    assert emu.now() == t0
    assert emu.records() == initial
    assert emu.requests == []
    assert emu.faults == []
    assert emu.pagination_end == "absent"
    assert emu.int64_as_string is False
    t = time.perf_counter()
    assert drain(session, emu) == initial
    assert time.perf_counter() - t < 0.5


def test_keepalive_requests_do_not_stall(emu: Emulator, session: requests.Session) -> None:
    list_page(session, emu)
    t0 = time.perf_counter()
    for _ in range(200):
        assert list_page(session, emu, limit=100).status_code == 200
    elapsed = time.perf_counter() - t0
    assert elapsed < 2.0, elapsed
    # All on one connection: keep-alive honoured.
    assert emu.requests[-1].header("Connection") == "keep-alive"


def test_connection_close_is_honoured(emu: Emulator) -> None:
    r = requests.get(
        emu.url + "/bulk/imports", headers={"Api-Key": KEY, "Connection": "close"}, timeout=10
    )
    assert r.status_code == 200
    assert r.headers["Connection"] == "close"


def test_lifecycle() -> None:
    emu = Emulator(imports=1)
    with pytest.raises(RuntimeError):
        _ = emu.url
    emu.start()
    url = emu.url
    assert url.startswith("http://127.0.0.1:") and not url.endswith("/")
    assert emu.address == url.removeprefix("http://")
    with requests.Session() as s:
        assert s.get(url + "/bulk/imports", headers={"Api-Key": emu.api_key}).ok
        emu.stop()
        with pytest.raises(requests.ConnectionError):
            s.get(url + "/bulk/imports", headers={"Api-Key": emu.api_key}, timeout=5)
    emu.stop()  # idempotent
    assert not emu.running


def test_two_emulators_side_by_side() -> None:
    with Emulator(imports=3, seed=1) as a, Emulator(imports=4, seed=1) as b:
        assert a.port != b.port
        assert (
            len(
                requests.get(a.url + "/bulk/imports", headers={"Api-Key": a.api_key}).json()["data"]
            )
            == 3
        )
        assert (
            len(
                requests.get(b.url + "/bulk/imports", headers={"Api-Key": b.api_key}).json()["data"]
            )
            == 4
        )


def test_serve_prints_url_and_stops_on_sigterm(tmp_path: Any) -> None:
    code = (
        "from pinecone_imports_frame.emulator import Emulator, serve; "
        "raise SystemExit(serve(Emulator(imports=5, seed=1, api_key='k')))"
    )
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        r = requests.get(url + "/bulk/imports", headers={"Api-Key": "k"}, timeout=10)
        assert len(r.json()["data"]) == 5
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.stderr is not None
    assert proc.stderr.read() == ""
