"""The API key never shows: not in logs at DEBUG, errors, reprs, tracebacks or pickles."""

from __future__ import annotations

import logging
import pickle
import traceback

import pytest

from pinecone_imports_frame import PineconeImportsError, read_imports
from pinecone_imports_frame import client as client_module
from pinecone_imports_frame.client import ApiClient
from pinecone_imports_frame.config import ApiKey, normalize_host
from pinecone_imports_frame.emulator import Emulator

SECRET = "pcsk_TOP-SECRET-4f9a1c"


def _everything_said(exc: BaseException) -> str:
    """Every text a user could see of an exception: str, repr, the full chained traceback."""
    parts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    cause = exc.__cause__ or exc.__context__
    while cause is not None:
        parts += [str(cause), repr(cause)]
        for holder in (cause, getattr(cause, "response", None)):
            request = getattr(holder, "request", None)
            if request is not None:
                parts.append(repr(dict(getattr(request, "headers", {}) or {})))
        cause = cause.__cause__ or cause.__context__
    return "\n".join(parts)


@pytest.fixture
def secret_emulator() -> Emulator:
    with Emulator(imports=120, api_key=SECRET) as emu:
        yield emu


def test_debug_logs_never_show_the_key(
    secret_emulator: Emulator, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "_sleep", lambda s: None)
    secret_emulator.inject("status", status=503, times=1, after=1)
    with caplog.at_level(logging.DEBUG):  # root: the package, urllib3, the emulator
        df = read_imports(secret_emulator.url, api_key=SECRET, page_size=50, progress=False)
    assert len(df) == 120
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET /bulk/imports page 1" in text  # one DEBUG line per page was logged
    assert SECRET not in text


@pytest.mark.parametrize("fault", ["status", "drop"])
def test_errors_and_tracebacks_never_show_the_key(
    secret_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setattr(client_module, "_sleep", lambda s: None)
    secret_emulator.inject(fault, status=500 if fault == "status" else None, times=50, after=1)
    with pytest.raises(PineconeImportsError) as info:
        read_imports(
            secret_emulator.url, api_key=SECRET, page_size=50, max_retries=1, progress=False
        )
    assert SECRET not in _everything_said(info.value)


def test_a_wrong_key_is_never_echoed() -> None:
    records = [
        {"id": "1", "uri": "s3://b", "status": "Pending", "createdAt": "2025-01-01T00:00:00Z"}
    ]
    with (
        Emulator(records=records, api_key=SECRET) as emu,
        pytest.raises(PineconeImportsError) as info,
    ):
        read_imports(emu.url, api_key=SECRET + "-wrong", progress=False)
    assert SECRET not in _everything_said(info.value)


def test_reprs_and_pickles_never_show_the_key() -> None:
    key = ApiKey(SECRET)
    client = ApiClient(normalize_host("127.0.0.1:1"), api_key=key)
    try:
        for obj in (key, client):
            assert SECRET not in repr(obj) and SECRET not in str(obj)
        with pytest.raises(TypeError):
            pickle.dumps(key)
    finally:
        client.close()


def test_redaction_replaces_real_keys_and_leaves_messages_readable() -> None:
    assert ApiKey(SECRET).redact(f"echo {SECRET}!") == "echo ***!"
    # A one-letter test key must not turn /bulk/imports into /bul***/imports.
    assert ApiKey("k").redact("GET /bulk/imports") == "GET /bulk/imports"
