"""The API key never shows: not in logs at DEBUG, errors, reprs, tracebacks or pickles.

Also against hostile servers (``tests/hostile.py``) that echo the key, cut it, escape it,
or fail in every way the suite knows: the errors, formatted with their frames' locals, hold
no piece of 8 characters of it.
"""

from __future__ import annotations

import json
import logging
import pickle
import socket
import traceback
import warnings

import pytest
from hostile import CLOSE, RESET, STALL, HostileServer, answer, page, raw, record

from pinecone_imports_frame import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    Connection,
    DuplicateImportWarning,
    PineconeImportsError,
    ResponseFormatError,
    read_imports,
)
from pinecone_imports_frame import client as client_module
from pinecone_imports_frame.client import ApiClient
from pinecone_imports_frame.config import ApiKey, normalize_host
from pinecone_imports_frame.control import with_index_endpoint
from pinecone_imports_frame.emulator import Emulator

pytestmark = pytest.mark.timeout(120)

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


# --- issue 8: the key in hostile conditions -------------------------------------------------


def _pieces(secret: str, size: int = 8) -> list[str]:
    return [secret[i : i + size] for i in range(len(secret) - size + 1)]


def _leaks(text: str, secret: str = SECRET) -> list[str]:
    """The pieces of 8 characters (or the whole) of the key found in ``text``."""
    return [piece for piece in [secret, *_pieces(secret)] if piece in text]


@pytest.mark.parametrize(
    "bad",
    [
        SECRET + "\r\nX-Injected: 1",
        SECRET + "\nx",
        "pcsk_\u00e9t\u00e9_" + SECRET,
        SECRET[:10] + " " + SECRET[10:],
        SECRET + "\x00",
    ],
    ids=["CRLF", "LF inside", "non-ASCII", "space inside", "NUL"],
)
def test_a_malformed_key_is_refused_before_any_request_without_quoting_it(bad: str) -> None:
    with Emulator(imports=3, api_key=SECRET) as emu:
        with pytest.raises(ConfigurationError, match="API key") as info:
            read_imports(emu.url, api_key=bad, progress=False)
        assert emu.requests == []
    assert not _leaks(_everything_said(info.value))


def test_a_malformed_key_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINECONE_API_KEY", SECRET + "\r\nX: y")
    with pytest.raises(ConfigurationError, match="line break") as info:
        Connection.resolve("127.0.0.1:1")
    assert not _leaks(str(info.value))


def test_surrounding_whitespace_of_a_key_is_dropped() -> None:
    assert Connection.resolve("127.0.0.1:1", api_key=f"  {SECRET}\n").api_key.reveal() == SECRET


def test_an_echoed_key_is_redacted_before_the_body_is_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The old cut at 300 characters left a 12-character prefix of the key in the message.
    body = "x" * 288 + SECRET
    with (
        HostileServer([answer(401, body, headers=[("Content-Type", "text/plain")])]) as server,
        pytest.raises(AuthenticationError) as info,
    ):
        read_imports(server.url, api_key=SECRET, progress=False)
    assert not _leaks(_everything_said(info.value))
    assert info.value.message.startswith("xxxx")


def test_values_quoted_in_messages_are_redacted() -> None:
    not_a_list = answer(200, {"data": f"nothing for {SECRET}"})
    field = answer(200, {"data": [{**record("1"), "createdAt": f"{SECRET} o'clock"}]})
    for behaviour, error in ((not_a_list, ResponseFormatError), (field, ResponseFormatError)):
        with HostileServer([behaviour]) as server, pytest.raises(error) as info:
            read_imports(server.url, api_key=SECRET, progress=False)
        assert "***" in str(info.value) and not _leaks(_everything_said(info.value))


def test_error_details_are_redacted() -> None:
    body = {
        "code": 3,
        "message": f"bad key {SECRET}",
        "details": [{"@type": "x", "metadata": {"key": SECRET, SECRET: [SECRET[:12]]}}],
    }
    with HostileServer([answer(400, body)]) as server, pytest.raises(ApiError) as info:
        read_imports(server.url, api_key=SECRET, progress=False)
    err = info.value
    assert err.code == 3 and not _leaks(repr(err.details)) and not _leaks(err.message)
    assert err.details[0]["metadata"]["key"] == "***"


@pytest.mark.parametrize("before", ["", '\\"' * 100], ids=["alone", "after 100 escaped quotes"])
def test_a_key_echoed_with_json_escapes_is_redacted_from_the_frame(before: str) -> None:
    escaped = before + "\\u0070" + SECRET[1:]  # "\u0070" is "p": decodes to the key
    fields = json.dumps(record("1"))[:-1] + f', "error": "{escaped}"' + "}"
    body = ('{"data": [' + fields + "]}").encode()
    with HostileServer([answer(200, body)]) as server:
        df = read_imports(server.url, api_key=SECRET, progress=False)
    assert df.loc[0, "error"] == '"' * (len(before) // 2) + "***"


@pytest.mark.parametrize("env_key", [None, "pcsk_another_key_0000"])
def test_a_key_given_as_the_host_is_refused_before_dns_and_never_repeated(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, env_key: str | None
) -> None:
    """read_imports(KEY) with the key in the environment looked the key up in DNS."""
    if env_key is None:
        monkeypatch.setenv("PINECONE_API_KEY", SECRET)
    else:
        monkeypatch.setenv("PINECONE_API_KEY", env_key)
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigurationError, match="API key") as info:
        read_imports(SECRET, progress=False)
    assert not _leaks(_everything_said(info.value)) and not _leaks(caplog.text)
    assert "Starting new" not in caplog.text  # no connection, no DNS


def test_user_info_in_a_host_is_refused_and_never_repeated() -> None:
    for host in ("http://alice:hunter2pw@127.0.0.1:9", "alice:hunter2pw@index.example.test"):
        with pytest.raises(ConfigurationError, match="user info") as info:
            read_imports(host, api_key=SECRET, progress=False)
        assert "hunter2pw" not in _everything_said(info.value)


def test_user_info_in_a_host_the_control_plane_answers_is_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = {"name": "docs", "host": "alice:hunter2pw@index.example.test", "status": {}}
    with (
        caplog.at_level(logging.DEBUG),
        HostileServer([answer(200, model)]) as control,
        pytest.raises(ConfigurationError, match="user info") as info,
    ):
        read_imports(index_name="docs", controller_host=control.url, api_key=SECRET, progress=False)
    assert "hunter2pw" not in _everything_said(info.value)
    assert [r.path for r in control.requests] == ["/indexes/docs"]
    assert "hunter2pw" not in caplog.text  # logged raw at DEBUG before it was checked


# Every hostile scenario of the suite, as (server behaviours, read_imports arguments).
_HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n"
SCENARIOS = {
    "reset before any byte": ([raw(b"", then=RESET)], {}),
    "reset mid-body": ([raw(_HEAD + b'{"data": [', then=RESET)], {}),
    "stall after the headers": ([raw(_HEAD, then=STALL)], {"timeout": 0.3}),
    "short body then FIN": ([raw(_HEAD + b"{}", then=CLOSE)], {}),
    "gzip garbage": ([answer(200, b"garbage", headers=[("Content-Encoding", "gzip")])], {}),
    "broken chunks": (
        [raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", then=CLOSE)],
        {},
    ),
    "401 echoing the key": ([answer(401, f"no such key {SECRET}")], {}),
    "503 echoing the key, exhausted": ([], {"default": answer(503, {"message": SECRET})}),
    "401 truncated": ([answer(401, b'{"message": "', length=80, then=CLOSE)], {}),
    "redirect to a URL with the key": (
        [answer(302, b"", headers=[("Location", f"https://x.example/?k={SECRET}")])],
        {},
    ),
    "deep JSON": ([answer(200, b"[" * 50_000 + b"]" * 50_000)], {}),
    "data echoing the key": ([answer(200, {"data": SECRET})], {}),
    "a field echoing the key": (
        [answer(200, {"data": [{**record("1"), "recordsImported": SECRET}]})],
        {},
    ),
    "fresh tokens forever": (
        [],
        {"default": lambda sock, req: page(["same"], f"t{id(req)}")(sock, req)},
    ),
    # The key where the transport parses: http.client's and urllib3's own exceptions
    # quoted it, chained to the error (shown even without locals).
    "a status line echoing the key": (
        [],
        {"default": raw(f"HTTP/1.1 {SECRET} OK\r\n\r\n".encode())},
    ),
    "a chunk size echoing the key": (
        [],
        {
            "default": raw(
                f"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{SECRET}\r\n".encode()
            )
        },
    ),
    "a body of invalid JSON echoing the key": ([answer(200, "{" + SECRET)], {}),
}


def _run_scenario(behaviours: list, options: dict) -> PineconeImportsError:
    options = dict(options)
    default = options.pop("default", None)
    with HostileServer(list(behaviours), default=default) as server, warnings.catch_warnings():
        # "fresh tokens forever" repeats one import on every page, as it means to.
        warnings.simplefilter("ignore", DuplicateImportWarning)
        try:
            read_imports(server.url, api_key=SECRET, progress=False, max_retries=1, **options)
        except PineconeImportsError as exc:
            return exc
    raise AssertionError("the scenario raised nothing")


def test_no_error_of_any_hostile_scenario_shows_the_key_even_with_locals(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(client_module, "_sleep", lambda s: None)
    errors: dict[str, PineconeImportsError] = {}
    with caplog.at_level(logging.DEBUG):
        for name, (behaviours, options) in SCENARIOS.items():
            errors[name] = _run_scenario(behaviours, options)
        refused = socket.socket()
        refused.bind(("127.0.0.1", 0))
        port = refused.getsockname()[1]
        refused.close()
        try:
            read_imports(f"127.0.0.1:{port}", api_key=SECRET, progress=False, max_retries=1)
        except PineconeImportsError as exc:
            errors["refused"] = exc
    assert len(errors) == len(SCENARIOS) + 1
    for name, error in errors.items():
        text = "".join(
            traceback.TracebackException.from_exception(error, capture_locals=True).format()
        )
        text += repr(vars(error)) + repr(error.args)
        assert "Traceback" in text and type(error).__name__ in text
        assert not _leaks(text), f"{name}: {_leaks(text)}"
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET /bulk/imports" in logs and not _leaks(logs)


# A call refused before anything is sent, with the key passed as users pass it: each
# failure is formatted with its frames' locals (the test's own frame holds no key).
_REFUSED_CALLS = {
    "read_imports, a bad dtype_backend": ("read_imports", {"dtype_backend": "polars"}),
    "read_imports, a bad timeout": ("read_imports", {"timeout": -1}),
    "read_imports, an unknown API version": ("read_imports", {"api_version": "1999-01"}),
    "read_imports, plain http to a remote host": ("read_imports", {"host": "http://example.com"}),
    "read_imports, no host": ("read_imports", {"host": None}),
    "read_imports, a mistyped keyword": ("read_imports", {"time_out": 5}),
    "iter_pages, a bad page_size": ("iter_pages", {"page_size": 0}),
    "watch_imports, a bad interval": ("watch_imports", {"interval": "soon"}),
    "watch_imports, a bad until": ("watch_imports", {"until": 90}),
    "read_project_imports, a bad on_error": ("read_project_imports", {"on_error": "ignore"}),
    "watch_project_imports, a bad max_workers": ("watch_project_imports", {"max_workers": 0}),
}


@pytest.mark.parametrize("case", list(_REFUSED_CALLS))
def test_a_refused_call_never_keeps_the_key_in_a_frame(case: str) -> None:
    import pinecone_imports_frame as pif

    name, bad = _REFUSED_CALLS[case]
    call, arguments = getattr(pif, name), dict(bad)
    with pytest.raises((PineconeImportsError, TypeError)) as info:
        if name.endswith("project_imports"):
            call(api_key=SECRET, progress=False, **arguments)
        else:  # iter_pages is refused when asked for its first page
            next(iter(call(arguments.pop("host", "127.0.0.1:9"), api_key=SECRET, **arguments)))
    text = "".join(
        traceback.TracebackException.from_exception(info.value, capture_locals=True).format()
    )
    assert "Traceback" in text and not _leaks(text), _leaks(text)


def test_the_index_host_the_control_plane_answers_is_logged_redacted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A control plane that answers a host holding a piece of the key: the DEBUG line that
    # says where the index is served shows the host with that piece redacted.
    key = "pcsk_abcdefgh-12345678"
    model = {"name": "docs", "host": "abcdefgh-12345678.svc.example.io", "status": {}}
    with caplog.at_level(logging.DEBUG), HostileServer([answer(200, model)]) as control:
        conn = Connection.resolve(api_key=key, index_name="docs", controller_host=control.url)
        with_index_endpoint(conn)
    assert "is served at" in caplog.text
    assert _leaks(caplog.text, key) == []


def test_a_bad_value_holding_a_piece_of_the_key_is_quoted_redacted() -> None:
    # Not the whole key (the body's redaction catches that): 14 characters of it, as a count.
    body = {"data": [{**record("1"), "recordsImported": SECRET[:14]}]}
    with (
        HostileServer([answer(200, body)]) as server,
        pytest.raises(ResponseFormatError, match="recordsImported") as info,
    ):
        read_imports(server.url, api_key=SECRET, progress=False)
    assert _leaks(_everything_said(info.value)) == []


def test_a_header_line_echoing_the_key_is_redacted_from_urllib3s_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """urllib3 logs a header line it cannot parse at WARNING ("Failed to parse headers ...
    unparsed data: '<the key>'"), with a traceback: printed by any program logging warnings."""
    head = f"HTTP/1.1 200 OK\r\n{SECRET}\r\nContent-Type: application/json\r\n"
    body = json.dumps({"data": []})
    reply = f"{head}Content-Length: {len(body)}\r\n\r\n{body}".encode()
    with HostileServer([raw(reply, then=CLOSE)]) as server, caplog.at_level(logging.WARNING):
        read_imports(server.url, api_key=SECRET, progress=False, max_retries=0)
    warned = [r for r in caplog.records if r.name.startswith("urllib3")]
    assert warned and "Failed to parse headers" in caplog.text  # said, and shown
    assert "Traceback" in caplog.text and not _leaks(caplog.text), _leaks(caplog.text)
