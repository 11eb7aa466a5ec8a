"""ApiClient: API versions, every shape of error body, both JSON decoders."""

from __future__ import annotations

import pandas as pd
import pytest
from hostile import HostileServer, answer, page

import pinecone_imports_frame as pif
from pinecone_imports_frame import (
    API_VERSIONS,
    ApiError,
    AuthenticationError,
    ConfigurationError,
    Connection,
    NotFoundError,
    RateLimitError,
    UnlistedApiVersion,
    _json,
    read_imports,
)
from pinecone_imports_frame import client as client_module
from pinecone_imports_frame.emulator import Emulator

pytestmark = pytest.mark.timeout(60)

KEY = "pcsk_client_test_key_0123456789"


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(client_module, "_sleep", recorded.append)
    return recorded


def test_the_known_api_versions() -> None:
    assert API_VERSIONS == ("2025-04", "2025-10", "2026-04", "2026-07")
    assert pif.config.DEFAULT_API_VERSION in API_VERSIONS


@pytest.mark.parametrize("version", API_VERSIONS)
def test_each_known_version_is_sent_as_the_header(version: str) -> None:
    with HostileServer([page(["1"])]) as server:
        read_imports(server.url, api_key=KEY, api_version=version, progress=False)
    assert server.requests[0].headers["x-pinecone-api-version"] == version


@pytest.mark.parametrize("version", ["2024-13", "2027-01", "latest", "2025-4"])
def test_an_unknown_version_is_refused_naming_the_known_ones(version: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Connection.resolve("127.0.0.1:1", api_key=KEY, api_version=version)
    message = str(info.value)
    assert all(known in message for known in API_VERSIONS)
    assert "UnlistedApiVersion" in message  # the escape hatch is named


def test_an_unlisted_version_is_sent_as_given() -> None:
    with HostileServer([page(["1", "2"])]) as server:
        df = read_imports(
            server.url,
            api_key=KEY,
            api_version=UnlistedApiVersion("2027-01"),
            progress=False,
        )
    assert df["id"].tolist() == ["1", "2"]
    assert server.requests[0].headers["x-pinecone-api-version"] == "2027-01"


@pytest.mark.parametrize("bad", ["", "2027 01", "2027-01\r\nX: y", 202701])
def test_an_unlisted_version_still_has_the_format_of_one(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="UnlistedApiVersion"):
        UnlistedApiVersion(bad)  # type: ignore[arg-type]


def test_an_unsupported_version_answer_says_which_versions_to_try() -> None:
    refusal = answer(400, {"code": 3, "message": "Unsupported API version: 2027-01", "details": []})
    with HostileServer([refusal]) as server, pytest.raises(ApiError) as info:
        read_imports(
            server.url,
            api_key=KEY,
            api_version=UnlistedApiVersion("2027-01"),
            progress=False,
        )
    err = info.value
    assert err.status == 400 and err.code == 3
    assert "2027-01" in str(err) and all(v in str(err) for v in API_VERSIONS)


TEXT = [("Content-Type", "text/plain; charset=utf-8")]


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthenticationError), (403, AuthenticationError), (400, ApiError)],
)
def test_plain_text_error_bodies_of_api_2026_07(status: int, error: type[ApiError]) -> None:
    with (
        HostileServer([answer(status, "Unauthorized\n", headers=TEXT)]) as server,
        pytest.raises(error) as info,
    ):
        read_imports(server.url, api_key=KEY, api_version="2026-07", progress=False)
    err = info.value
    assert type(err) is error and err.status == status
    assert err.message == "Unauthorized" and err.code is None and err.details == []
    assert f"HTTP {status} from GET /bulk/imports: Unauthorized" in str(err)


def test_a_plain_text_429_is_retried_then_a_rate_limit_error(waits: list[float]) -> None:
    with (
        HostileServer([], default=answer(429, "Unauthorized", headers=TEXT)) as server,
        pytest.raises(RateLimitError, match="Unauthorized") as info,
    ):
        read_imports(server.url, api_key=KEY, max_retries=2, progress=False)
    assert len(server.requests) == 3 and len(waits) == 2
    assert "retried 2 times" in str(info.value)


@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        ({"code": 5, "message": "Import not found", "details": []}, "Import not found", 5),
        (
            {"error": {"code": "NOT_FOUND", "message": "Index docs not found"}, "status": 404},
            "NOT_FOUND: Index docs not found",
            None,
        ),
        ({"error": "not found"}, "not found", None),
        ("<html><body>\n<h1>404 Not Found</h1>\n</body></html>", "<html><body> <h1>404", None),
        (b"", "Not Found", None),
    ],
    ids=["rpcStatus", "control plane", "error string", "html", "empty"],
)
def test_every_error_body_shape_gives_the_same_typed_error(
    body: object, message: str, code: int | None
) -> None:
    with HostileServer([answer(404, body)]) as server, pytest.raises(NotFoundError) as info:
        read_imports(server.url, api_key=KEY, progress=False)
    err = info.value
    assert err.status == 404 and err.code == code and err.message.startswith(message)
    assert "check the host" in str(err)  # what to do


@pytest.mark.parametrize("backend", ["orjson", "json"])
def test_both_json_decoders_give_identical_frames(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    orjson = pytest.importorskip("orjson")
    monkeypatch.setattr(_json, "_orjson", orjson if backend == "orjson" else None)
    assert _json.backend() == backend
    with Emulator(imports=450, seed=3) as emu:
        emu.int64_as_string = True
        df = read_imports(emu.url, api_key=emu.api_key, progress=False)
        expected = pif.to_frame(
            emu.records(api_version=df["api_version"].iloc[0]),
            listed_at=df["listed_at"].iloc[0],
            index_host=emu.address,
            api_version=df["api_version"].iloc[0],
        )
    pd.testing.assert_frame_equal(df, expected)


@pytest.mark.parametrize("backend", ["orjson", "json"])
@pytest.mark.parametrize(
    "body",
    [b"NaN", b'{"data": [], "x": Infinity}', b"\xff\xfe", b'{"data": [', b"[" * 70 + b"]" * 70],
)
def test_both_json_decoders_refuse_the_same_documents(
    backend: str, body: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    orjson = pytest.importorskip("orjson")
    monkeypatch.setattr(_json, "_orjson", orjson if backend == "orjson" else None)
    with pytest.raises(_json.JsonError):
        _json.loads(body)


def test_the_depth_check_looks_past_brackets_in_strings() -> None:
    body = b'{"data": [{"id": "[[[[[[[[[[[[", "error": "{{{{{{{{{{{{{{{{{{{{{{"}], "p": {}}'
    assert _json.loads(body, max_depth=3)["data"][0]["id"] == "[[[[[[[[[[[["
    with pytest.raises(_json.JsonError):
        _json.loads(b'{"data": [{"id": {"x": [1]}}]}', max_depth=3)
