"""The emulator speaks the API version the client asks for (2025-04 to 2026-07)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from pinecone_imports_frame.emulator import SUPPORTED_VERSIONS, Emulator

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
KEY = "version-key"
REQUIRED_2026_07 = {"id", "uri", "status", "percentComplete", "recordsImported", "createdAt"}


@pytest.fixture
def emu(start_emulator: Callable[..., Emulator]) -> Emulator:
    return start_emulator(imports=400, seed=9, api_key=KEY, now=NOW)


def get(emu: Emulator, path: str, version: str | None, **kwargs: Any) -> requests.Response:
    headers = {"Api-Key": KEY}
    if version is not None:
        headers["X-Pinecone-API-Version"] = version
    headers.update(kwargs.pop("headers", {}))
    return requests.get(emu.url + path, headers=headers, timeout=10, **kwargs)


def drain(emu: Emulator, version: str | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    records: list[dict[str, Any]] = []
    token = None
    while True:
        params = {"paginationToken": token} if token else {}
        body = get(emu, "/bulk/imports", version, params=params).json()
        records.extend(body["data"])
        token = (body.get("pagination") or {}).get("next")
        if not token:
            return records, body


def test_supported_versions() -> None:
    assert SUPPORTED_VERSIONS == ("2025-04", "2025-10", "2026-04", "2026-07")


def test_no_header_means_the_oldest_version(emu: Emulator) -> None:
    emu.inject("status", status=401)  # (a fault answers before the version is looked at)
    assert get(emu, "/bulk/imports", None).headers["Content-Type"] == "application/json"
    records, _ = drain(emu, None)
    assert records == drain(emu, "2025-04")[0] == emu.records()
    assert not any("validationResult" in r for r in records)


@pytest.mark.parametrize(
    "name", ["X-Pinecone-API-Version", "x-pinecone-api-version", "X-PINECONE-API-VERSION"]
)
def test_the_header_name_is_case_insensitive(emu: Emulator, name: str) -> None:
    body = get(emu, "/bulk/imports", None, headers={name: "2026-07"}).json()
    assert all(set(r) >= REQUIRED_2026_07 for r in body["data"])
    assert emu.requests[-1].api_version == "2026-07"


@pytest.mark.parametrize("version", ["2024-01", "2026-13", "latest", "", "2025-04; drop"])
def test_an_unsupported_version_is_a_400_naming_it(emu: Emulator, version: str) -> None:
    r = get(emu, "/bulk/imports", version)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 3 and body["details"] == []
    assert repr(version) in body["message"]
    assert "2025-04, 2025-10, 2026-04, 2026-07" in body["message"]


def test_pending_imports_differ_by_version(emu: Emulator) -> None:
    started = requests.post(
        emu.url + "/bulk/imports", json={"uri": "s3://b/new/"}, headers={"Api-Key": KEY}
    ).json()["id"]
    old = get(emu, f"/bulk/imports/{started}", "2025-04").json()
    new = get(emu, f"/bulk/imports/{started}", "2026-07").json()
    assert old["status"] == new["status"] == "Pending"
    assert "percentComplete" not in old and "recordsImported" not in old
    assert new["percentComplete"] == 0.0 and new["recordsImported"] == 0
    assert "validationResult" not in new  # validation has not run yet
    for version in ("2025-10", "2026-04"):
        assert get(emu, f"/bulk/imports/{started}", version).json() == old


def test_2026_07_fields(emu: Emulator) -> None:
    emu.advance(12 * 3600)
    records, last = drain(emu, "2026-07")
    assert "pagination" not in last  # the last page has no pagination
    assert records == emu.records(api_version="2026-07")
    assert all(set(r) >= REQUIRED_2026_07 for r in records)
    validated = [r for r in records if "validationResult" in r]
    assert validated and len(validated) < len(records) + 1
    for r in records:
        result = r.get("validationResult")
        if r["status"] == "Pending":
            assert result is None
        if result is None:
            continue
        assert set(result) == {"importSuccesses", "importErrors"}
        assert result["importSuccesses"] == r["recordsImported"] >= 0
        assert result["importErrors"] >= 0
    completed_with_errors = [
        r
        for r in validated
        if r["status"] == "Completed" and r["validationResult"]["importErrors"] > 0
    ]
    assert completed_with_errors
    # Older versions serve the same imports without it.
    assert all("validationResult" not in r for r in drain(emu, "2026-04")[0])


def test_validation_counts_grow_with_records_imported(emu: Emulator) -> None:
    started = requests.post(
        emu.url + "/bulk/imports", json={"uri": "s3://b/new/"}, headers={"Api-Key": KEY}
    ).json()["id"]
    seen: list[tuple[str, int, int, int]] = []
    while not seen or seen[-1][0] != "Completed":
        emu.advance(20)
        r = get(emu, f"/bulk/imports/{started}", "2026-07").json()
        if "validationResult" in r:
            result = r["validationResult"]
            seen.append(
                (
                    r["status"],
                    r["recordsImported"],
                    result["importSuccesses"],
                    result["importErrors"],
                )
            )
        else:
            assert r["status"] == "Pending" and not seen
    assert len(seen) > 2
    assert [s[2] for s in seen] == [s[1] for s in seen]  # successes are the records imported
    assert [s[1] for s in seen] == sorted(s[1] for s in seen)
    assert seen[0][1] < seen[-1][1]


def test_2026_07_gateway_errors_are_plain_text(emu: Emulator) -> None:
    r = get(emu, "/bulk/imports", "2026-07", headers={"Api-Key": "wrong"})
    assert r.status_code == 401
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.text == "Unauthorized"
    emu.inject("status", status=429, retry_after=0.5)
    r = get(emu, "/bulk/imports", "2026-07")
    assert (r.status_code, r.text, r.headers["Retry-After"]) == (429, "Too Many Requests", "0.5")
    emu.inject("status", status=503)
    r = get(emu, "/bulk/imports", "2026-07")
    assert r.status_code == 503 and r.json()["code"] == 14  # the API's own errors stay rpcStatus
    assert get(emu, "/bulk/imports/nope", "2026-07").json()["code"] == 5
    r = get(emu, "/bulk/imports", "2025-04", headers={"Api-Key": "wrong"})
    assert r.json() == {"code": 16, "message": "Invalid API Key", "details": []}
    # The control plane keeps its own error shape whatever the version.
    r = get(emu, "/indexes", "2026-07", headers={"Api-Key": "wrong"})
    assert r.json()["error"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("version", "status"), [("2025-04", 400), ("2025-10", 200), ("2026-07", 200)]
)
def test_on_error_is_an_open_enum_from_2025_10(emu: Emulator, version: str, status: int) -> None:
    r = requests.post(
        emu.url + "/bulk/imports",
        json={"uri": "s3://b/x/", "errorMode": {"onError": "retry"}},
        headers={"Api-Key": KEY, "X-Pinecone-API-Version": version},
        timeout=10,
    )
    assert r.status_code == status


def test_records_refuses_an_unknown_version(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="2024-01"):
        emu.records(api_version="2024-01")
