"""Connection: resolved once from arguments and environment, checked, immutable, no key shown."""

from __future__ import annotations

import dataclasses
import datetime
import math
import os
from pathlib import Path

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


def test_defaults_are_defined_once_and_shown_in_signatures() -> None:
    import inspect

    conn = Connection.resolve("127.0.0.1:1", api_key=KEY)
    for func in (pif.read_imports, pif.iter_pages, Connection.resolve):
        params = inspect.signature(func).parameters
        assert params["timeout"].default == conn.timeout == pif.config.DEFAULT_TIMEOUT
        assert params["max_retries"].default == conn.max_retries
        assert params["api_version"].default == conn.api_version


_INDEX_CALLS = ("read_imports", "iter_pages", "watch_imports")
_PROJECT_CALLS = ("read_project_imports", "watch_project_imports")


@pytest.mark.parametrize("name", _INDEX_CALLS + _PROJECT_CALLS)
def test_every_call_shows_the_connection_keywords_of_connection_resolve(name: str) -> None:
    import inspect

    wanted = {
        n: p
        for n, p in inspect.signature(Connection.resolve).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and (name in _INDEX_CALLS or n != "index_name")
    }
    params = inspect.signature(getattr(pif, name)).parameters
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in params.values())
    shown = {n: p for n, p in params.items() if n in wanted}
    assert shown == wanted  # same names, defaults and annotations, for help() and Jupyter
    assert ("index_name" in params) == (name in _INDEX_CALLS)


def test_the_typed_options_name_the_keywords_of_their_tables() -> None:
    """mypy checks **options against these TypedDicts: they must name what the tables take."""
    from pinecone_imports_frame import config, watch

    resolve = set(config.keyword_parameters(Connection.resolve))
    assert (
        set(config.IndexOptions.__annotations__) | set(config.ProjectOptions.__annotations__)
        == resolve
    )
    assert "index_name" not in config.ProjectOptions.__annotations__
    assert set(watch.WatchOptions.__annotations__) == set(config.keyword_parameters(watch._Watch))


@pytest.mark.parametrize("name", _INDEX_CALLS + _PROJECT_CALLS)
def test_a_mistyped_keyword_is_a_type_error_naming_the_call(name: str) -> None:
    with pytest.raises(
        TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'api_kye'"
    ):
        getattr(pif, name)(api_kye=KEY)


def test_mypy_checks_each_connection_keyword_of_a_call(tmp_path: Path) -> None:
    """py.typed promises users' type checkers the keywords, though the calls take **options."""
    import subprocess
    import sys

    code = tmp_path / "user_code.py"
    code.write_text(
        "import pinecone_imports_frame as pif\n"
        'pif.read_imports("h", api_kye="x")\n'
        'pif.read_imports("h", timeout="5")\n'
        'pif.read_project_imports(index_name="a")\n'
        'pif.watch_imports("h", interval="1m", api_key="k", timeout=5.0, max_retries=2)\n'
        'pif.watch_project_imports(controller_host="c", until="2h", on_event=print)\n'
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--follow-imports=silent",
            "--config-file",
            os.devnull,
            str(code),
        ],
        cwd=Path(pif.__file__).parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["2", "3", "4"], run.stdout
    assert '"api_kye"' in errors[0] and '"timeout"' in errors[1] and '"index_name"' in errors[2]


@pytest.mark.parametrize("name", _PROJECT_CALLS)
def test_a_project_call_takes_no_index_name(name: str) -> None:
    with pytest.raises(TypeError, match="index_name"):
        getattr(pif, name)(api_key=KEY, index_name="docs")


def test_the_plain_key_leaves_the_callers_frame_once_resolved() -> None:
    import sys

    seen: list[dict[str, object]] = []

    def tracer(frame, event, arg):
        if event == "return" and frame.f_code.co_name == "read_imports":
            seen.append(dict(frame.f_locals))
        return tracer if event == "call" else None

    sys.settrace(tracer)
    try:
        with pytest.raises(ConfigurationError):
            pif.read_imports(api_key=KEY)  # no host: resolved, then refused
    finally:
        sys.settrace(None)
    assert seen and seen[0]["options"] == {}
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
