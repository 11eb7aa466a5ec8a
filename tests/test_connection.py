"""Connection: resolved once from arguments and environment, checked, immutable, no key shown."""

from __future__ import annotations

import dataclasses
import datetime
import math

import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame import ConfigurationError, Connection, InsecureTransportError
from pinecone_imports_frame.control import describe_index, list_indexes, with_index_endpoint
from pinecone_imports_frame.emulator import Emulator

KEY = "pcsk_connection_test_key_123"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PINECONE_API_KEY", "PINECONE_INDEX_HOST", "PINECONE_CONTROLLER_HOST"):
        monkeypatch.delenv(name, raising=False)


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINECONE_API_KEY", "pcsk_from_env_000000")
    monkeypatch.setenv("PINECONE_INDEX_HOST", "env-index.svc.pinecone.io")
    monkeypatch.setenv("PINECONE_CONTROLLER_HOST", "https://controller.example")
    conn = Connection.resolve("arg-index.svc.pinecone.io", api_key=KEY)
    assert conn.endpoint is not None and conn.endpoint.url == "https://arg-index.svc.pinecone.io"
    assert conn.api_key.reveal() == KEY
    assert conn.controller.url == "https://controller.example"
    from_env = Connection.resolve()
    assert from_env.index_host == "env-index.svc.pinecone.io"
    assert from_env.api_key.reveal() == "pcsk_from_env_000000"


def test_an_index_name_wins_over_the_host_in_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PINECONE_INDEX_HOST", "env-index.svc.pinecone.io")
    conn = Connection.resolve(api_key=KEY, index_name="docs")
    assert conn.endpoint is None and conn.index_name == "docs"


_INDEX_CALLS = ("read_imports", "iter_pages", "watch_imports")
_PROJECT_CALLS = ("read_project_imports", "watch_project_imports")

#: The connection keywords of every call that reaches Pinecone, in order, with their
#: defaults: the one table the signatures must show (a project call has no index_name).
_CONNECTION_KEYWORDS = {
    "api_key": None,
    "index_name": None,
    "controller_host": None,
    "timeout": 30.0,
    "max_retries": 5,
    "allow_insecure": False,
    "api_version": "2026-07",
    "use_private_host": False,
}


def _keyword_table(func: object, *, index: bool) -> dict[str, object]:
    import inspect

    params = inspect.signature(func).parameters  # type: ignore[arg-type]
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in params.values())
    names = [n for n in _CONNECTION_KEYWORDS if index or n != "index_name"]
    shown = {n: p for n, p in params.items() if n in _CONNECTION_KEYWORDS}
    assert list(shown) == names  # the same keywords, in the same order
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in shown.values())
    return {n: p.default for n, p in shown.items()}


@pytest.mark.parametrize("name", _INDEX_CALLS + _PROJECT_CALLS)
def test_every_call_lists_the_connection_keywords_with_the_same_defaults(name: str) -> None:
    func = getattr(pif, name)
    index = name in _INDEX_CALLS
    table = {n: d for n, d in _CONNECTION_KEYWORDS.items() if index or n != "index_name"}
    assert _keyword_table(func, index=index) == table
    assert _keyword_table(Connection.resolve, index=True) == _CONNECTION_KEYWORDS
    assert "__signature__" not in vars(func)  # its own signature, as written
    defaults = _keyword_table(func, index=index)
    # Each default is the constant config defines once, not a copy of its value.
    assert defaults["timeout"] is pif.config.DEFAULT_TIMEOUT
    assert defaults["max_retries"] is pif.config.DEFAULT_MAX_RETRIES
    assert defaults["api_version"] is pif.config.DEFAULT_API_VERSION


def test_a_default_is_shown_as_its_value_and_resolves_to_it() -> None:
    import inspect

    shown = str(inspect.signature(pif.read_imports))
    assert "timeout: 'float' = 30.0" in shown and "api_version: 'str' = '2026-07'" in shown
    conn = Connection.resolve("127.0.0.1:1", api_key=KEY)
    assert (conn.timeout, conn.max_retries, conn.api_version) == (30.0, 5, "2026-07")
    assert type(conn.timeout) is float and type(conn.max_retries) is int
    assert type(conn.api_version) is str


@pytest.mark.parametrize("name", _INDEX_CALLS + _PROJECT_CALLS)
def test_a_mistyped_keyword_is_a_type_error_naming_the_call(name: str) -> None:
    with pytest.raises(
        TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'api_kye'"
    ):
        getattr(pif, name)(api_kye=KEY)


@pytest.mark.parametrize("name", _PROJECT_CALLS)
def test_a_project_call_takes_no_index_name(name: str) -> None:
    with pytest.raises(TypeError, match="index_name"):
        getattr(pif, name)(api_key=KEY, index_name="docs")


@pytest.mark.parametrize("name", _INDEX_CALLS + _PROJECT_CALLS)
def test_the_plain_key_leaves_the_callers_frame_once_wrapped(name: str) -> None:
    import sys

    seen: list[dict[str, object]] = []

    def tracer(frame, event, arg):
        if event == "return" and frame.f_code.co_name == name:
            seen.append(dict(frame.f_locals))
        return tracer if event == "call" else None

    sys.settrace(tracer)
    try:
        with pytest.raises(ConfigurationError):
            # Refused once the key is wrapped: no host, or a bad max_workers.
            getattr(pif, name)(api_key=KEY, **({} if name in _INDEX_CALLS else {"max_workers": 0}))
    finally:
        sys.settrace(None)
    assert seen and "api_key" not in seen[0]
    assert KEY not in repr(seen[0])


def test_it_is_immutable_and_never_shows_the_key() -> None:
    conn = Connection.resolve("127.0.0.1:1", api_key=KEY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        conn.timeout = 1.0  # type: ignore[misc]
    assert KEY not in repr(conn) and KEY not in str(conn)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"timeout": "30"}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 2.5}, "max_retries"),
        ({"allow_insecure": "yes"}, "allow_insecure"),
        ({"api_version": ""}, "api_version"),
        ({"index_name": ""}, "index_name"),
    ],
)
def test_bad_settings_are_configuration_errors(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        Connection.resolve("127.0.0.1:1", api_key=KEY, **kwargs)  # type: ignore[arg-type]


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(InsecureTransportError):
        Connection.resolve("http://example.com", api_key=KEY)
    conn = Connection.resolve(api_key=KEY)
    with pytest.raises(InsecureTransportError):
        conn.for_index("http://example.com")


def test_connection_and_connection_arguments_are_not_mixed(imports_emulator: Emulator) -> None:
    conn = Connection.resolve(imports_emulator.url, api_key=imports_emulator.api_key)
    with pytest.raises(ConfigurationError, match="timeout"):
        pif.read_imports(connection=conn, timeout=5, progress=False)
    with pytest.raises(ConfigurationError, match="host"):
        pif.read_imports(imports_emulator.url, connection=conn, progress=False)
    df = pif.read_imports(connection=conn, progress=False)
    assert len(df) == len(imports_emulator.records())


def test_a_keyword_that_contradicts_the_connection_is_refused_even_at_its_default(
    imports_emulator: Emulator,
) -> None:
    """It was let pass (and ignored) when it equalled the keyword's default."""
    conn = Connection.resolve(
        imports_emulator.url, api_key=imports_emulator.api_key, api_version="2025-04", timeout=5
    )
    for contradiction in ({"api_version": "2026-07"}, {"timeout": 30.0}):
        with pytest.raises(ConfigurationError, match=next(iter(contradiction))):
            pif.read_imports(connection=conn, progress=False, **contradiction)
    same = pif.read_imports(connection=conn, progress=False, timeout=5, api_version="2025-04")
    assert set(same["api_version"]) == {"2025-04"}


def test_the_control_plane_lists_and_describes_the_emulators_index() -> None:
    with Emulator(imports=3, index_name="docs", api_key=KEY) as emu:
        conn = Connection.resolve(api_key=KEY, controller_host=emu.url, index_name="docs")
        assert [i["name"] for i in list_indexes(conn)] == ["docs"]
        assert describe_index(conn, "docs")["host"] == emu.address
        resolved = with_index_endpoint(conn)
        assert resolved.index_host == emu.address and resolved.index_name == "docs"
        df = pif.read_imports(connection=conn, progress=False)
    assert len(df) == 3 and set(df["index_name"]) == {"docs"}


def test_no_host_and_no_name_says_how_to_give_one() -> None:
    conn = Connection.resolve(api_key=KEY)
    with pytest.raises(ConfigurationError, match="PINECONE_INDEX_HOST"):
        with_index_endpoint(conn)


def test_lazy_names_are_listed_by_dir() -> None:
    names = dir(pif)
    for lazy in pif._LAZY:  # Jupyter's tab completion lists what dir() lists
        assert lazy in names
    assert "Connection" in names


# --- durations that cannot be misread (issue 7) ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90d", 90 * 86400),
        ("12h", 12 * 3600),
        ("5m", 300),
        ("30s", 30),
        ("1h30m", 5400),
        ("2w", 14 * 86400),
        ("3 days", 3 * 86400),
        ("1.5h", 5400),
        ("P1DT2H", 93600),
    ],
)
def test_durations_with_a_unit(text: str, seconds: int) -> None:
    assert pif.config.parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("value", [90, "90", 90.0, " 30 ", "90x", "", "d", True, None, "-5d", "0s"])
def test_durations_without_a_unit_are_refused_naming_the_forms(value: object) -> None:
    with pytest.raises(ConfigurationError) as info:
        pif.config.parse_duration(value, what="older_than")
    assert "older_than" in str(info.value)


def test_a_bare_number_names_the_accepted_forms() -> None:
    with pytest.raises(ConfigurationError, match=r"has no unit.*'90d'"):
        pif.config.parse_duration(90)


@pytest.mark.parametrize(("value", "seconds"), [(5, 5), ("10", 10), ("2.5", 2.5), ("5m", 300)])
def test_intervals_take_bare_seconds(value: object, seconds: float) -> None:
    assert pif.config.parse_interval(value).total_seconds() == seconds


@pytest.mark.parametrize(
    "value",
    ["99999999999999999999d", datetime.timedelta.max, "5300w", "P40000D"],
)
def test_a_duration_past_a_century_is_a_configuration_error(value: object) -> None:
    """pandas raised its own OutOfBoundsTimedelta, or overflowed later in the arithmetic."""
    with pytest.raises(ConfigurationError, match="older_than"):
        pif.config.parse_duration(value, what="older_than")


@pytest.mark.parametrize("value", [1e308, 10**30, "99999999999"])
def test_an_interval_past_a_century_is_a_configuration_error(value: object) -> None:
    with pytest.raises(ConfigurationError, match="interval"):
        pif.config.parse_interval(value)


@pytest.mark.parametrize("value", [2025, 2030.5, True])
def test_a_bare_number_is_not_a_timestamp(value: object) -> None:
    """pd.Timestamp(2030) is 2030 ns after 1970: until=2030 read as "nothing, ever"."""
    with pytest.raises(ConfigurationError, match="bare number"):
        pif.config.parse_timestamp(value, what="until")


@pytest.mark.parametrize("value", [0.1, "0.5", 0, "500ms", float("nan"), float("inf"), -1])
def test_intervals_under_a_second_are_refused(value: object) -> None:
    with pytest.raises(ConfigurationError):
        pif.config.parse_interval(value)


# --- arguments resolved and checked once per call (issue 21) -----------------------------


def _count(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    calls = [0]
    real = getattr(module, name)

    def counted(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_read_imports_resolves_and_checks_its_arguments_once(
    monkeypatch: pytest.MonkeyPatch, imports_emulator: Emulator
) -> None:
    """It called the public iter_pages, which resolved and checked them all again."""
    from pinecone_imports_frame import config

    resolved = _count(monkeypatch, config, "resolve_connection")
    checked = _count(monkeypatch, config, "check_page_size")
    df = pif.read_imports(imports_emulator.url, api_key=imports_emulator.api_key, progress=False)
    assert len(df) == len(imports_emulator.records())
    assert (resolved[0], checked[0]) == (1, 1)


def test_the_fleet_view_resolves_once_for_all_its_indexes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pinecone_imports_frame import config
    from pinecone_imports_frame.emulator import IndexConfig, Project

    resolved = _count(monkeypatch, config, "resolve_connection")
    indexes = [IndexConfig(name, imports=3) for name in ("a", "b", "c")]
    with Project(indexes=indexes) as project:
        df = pif.read_project_imports(
            api_key=project.api_key, controller_host=project.control.url, progress=False
        )
    assert len(df) == 9 and resolved[0] == 1


_DONE = {
    "id": "1",
    "uri": "s3://b/",
    "status": "Completed",
    "createdAt": "2025-05-01T10:00:00Z",
    "finishedAt": "2025-05-01T10:30:00Z",
}


def test_a_watch_resolves_once_not_at_every_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each poll was a public read_imports(connection=...): resolved and checked again."""
    from pinecone_imports_frame import config

    resolved = _count(monkeypatch, config, "resolve_connection")
    checked = _count(monkeypatch, config, "check_page_size")
    with Emulator(records=[_DONE]) as emu:
        history = pif.watch_imports(emu.url, api_key=emu.api_key, progress=False)
    assert history.attrs["watch"]["polls"] == 1 and (resolved[0], checked[0]) == (1, 1)


def test_a_project_watch_resolves_once_not_at_every_poll(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pinecone_imports_frame import config
    from pinecone_imports_frame.emulator import IndexConfig, Project

    resolved = _count(monkeypatch, config, "resolve_connection")
    checked = _count(monkeypatch, config, "check_page_size")
    indexes = [IndexConfig(name, records=(_DONE,)) for name in ("a", "b")]
    with Project(indexes=indexes) as project:
        history = pif.watch_project_imports(
            api_key=project.api_key, controller_host=project.control.url, progress=False
        )
    assert history.attrs["watch"]["polls"] == 1 and (resolved[0], checked[0]) == (1, 1)
