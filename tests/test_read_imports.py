"""read_imports over real HTTP against the emulator: values, pagination, retries, errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pinecone_imports_frame import (
    ApiError,
    AuthenticationError,
    BadRecordWarning,
    ConfigurationError,
    InsecureTransportError,
    NotFoundError,
    PaginationError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    SnapshotError,
    TransportError,
    UnknownStatusWarning,
    iter_pages,
    last_partial,
    read_imports,
    schema,
    to_frame,
)
from pinecone_imports_frame import client as client_module
from pinecone_imports_frame import config as pif_config
from pinecone_imports_frame.emulator import Emulator


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(client_module, "_sleep", recorded.append)
    return recorded


def _read(emu: Emulator, **kw: object) -> pd.DataFrame:
    kw.setdefault("progress", False)
    return read_imports(emu.url, api_key=emu.api_key, **kw)  # type: ignore[arg-type]


def list_requests(emu: Emulator) -> list[object]:
    return [r for r in emu.requests if r.path == "/bulk/imports"]


@pytest.mark.parametrize("version", ["2025-04", "2026-07"])
@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_every_column_matches_the_emulators_records(
    imports_emulator: Emulator, backend: str, version: str
) -> None:
    records = imports_emulator.records(api_version=version)
    df = _read(imports_emulator, page_size=37, dtype_backend=backend, api_version=version)
    assert df.dtypes.to_dict() == schema.pandas_dtypes(backend)
    assert len(df) == len(records) == 250
    expected = to_frame(
        records,
        listed_at=df["listed_at"].iloc[0],
        index_host=imports_emulator.address,
        api_version=version,
        dtype_backend=backend,
    )
    pd.testing.assert_frame_equal(df, expected)
    assert (df["api_version"] == version).all()
    by_id = df.set_index("id")
    for rec in records:
        row = by_id.loc[rec["id"]]
        assert row["uri"] == rec["uri"]
        assert row["status"] == rec["status"]
        assert row["created_at"] == pd.Timestamp(rec["createdAt"])
        if "finishedAt" in rec:
            assert row["finished_at"] == pd.Timestamp(rec["finishedAt"])
            assert row["duration"] == row["finished_at"] - row["created_at"]
        else:
            assert pd.isna(row["finished_at"])
        if rec["status"] == "Pending" and version == "2025-04":  # no progress before loading
            assert pd.isna(row["records_imported"]) and pd.isna(row["percent_complete"])
            continue
        validation = rec.get("validationResult")
        if validation is None:  # before 2026-07, or before validation ran
            assert pd.isna(row["validation_successes"]) and pd.isna(row["validation_errors"])
        else:
            assert row["validation_successes"] == int(validation["importSuccesses"])
            assert row["validation_errors"] == int(validation["importErrors"])
        assert row["records_imported"] == rec["recordsImported"]
        assert row["percent_complete"] == pytest.approx(rec["percentComplete"])
        assert (row["error"] if pd.notna(row["error"]) else None) == rec.get("error")
    assert set(df["status"]) >= {"Completed", "Failed", "InProgress"}
    assert df["index_host"].eq(imports_emulator.address).all()
    if version == "2026-07":
        assert df["validation_errors"].gt(0).any() and df["validation_errors"].isna().any()


def test_requests_carry_the_headers_and_limit(imports_emulator: Emulator) -> None:
    _read(imports_emulator, page_size=100)
    reqs = list_requests(imports_emulator)
    assert len(reqs) == 3  # 250 imports at 100 a page
    first = reqs[0]
    assert first.query == {"limit": "100"}
    assert "paginationToken" in reqs[1].query
    headers = {k.lower(): v for k, v in first.headers.items()}
    assert headers["x-pinecone-api-version"] == pif_config.DEFAULT_API_VERSION == "2026-07"
    assert headers["user-agent"].startswith("pinecone-imports-frame/")
    assert headers["api-key"] == "***"  # the emulator's log redacts; the server checked it


@pytest.mark.parametrize("end", ["absent", "empty", "null", "empty_string"])
def test_each_form_of_the_end_of_a_listing(imports_emulator: Emulator, end: str) -> None:
    imports_emulator.pagination_end = end
    df = _read(imports_emulator, page_size=100)
    assert len(df) == 250 and df["id"].is_unique
    assert len(list_requests(imports_emulator)) == 3


def test_empty_token_fault_ends_the_listing(imports_emulator: Emulator) -> None:
    imports_emulator.inject("empty_token")
    assert len(_read(imports_emulator, page_size=50)) == 250


def test_a_self_pointing_token_raises_with_the_rows_read(imports_emulator: Emulator) -> None:
    imports_emulator.inject("self_token")
    with pytest.raises(PaginationError, match="second time") as info:
        _read(imports_emulator, page_size=50)
    partial = info.value.partial
    assert partial is not None and len(partial) >= 50
    assert partial.dtypes.to_dict() == schema.pandas_dtypes()
    assert len(list_requests(imports_emulator)) <= 4


def test_max_pages(imports_emulator: Emulator) -> None:
    with pytest.raises(PaginationError, match="max_pages=2") as info:
        _read(imports_emulator, page_size=50, max_pages=2)
    assert len(info.value.partial) == 100
    assert len(_read(imports_emulator, page_size=50, max_pages=5)) == 250


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retried_statuses(imports_emulator: Emulator, waits: list[float], status: int) -> None:
    imports_emulator.inject("status", status=status, times=2, after=1)
    df = _read(imports_emulator, page_size=100)
    assert len(df) == 250
    assert len(list_requests(imports_emulator)) == 3 + 2
    assert len(waits) == 2 and all(0 < w <= 31 for w in waits)


def test_retry_after_is_honoured(imports_emulator: Emulator, waits: list[float]) -> None:
    imports_emulator.inject("status", status=429, retry_after=7, times=1)
    assert len(_read(imports_emulator)) == 250
    assert waits == [7.0]


@pytest.mark.parametrize("status", [429, 503])
def test_a_fractional_retry_after_is_honoured(
    imports_emulator: Emulator, waits: list[float], status: int
) -> None:
    # The emulator sends "0.5" as is; urllib3's Retry refused it and failed at once.
    imports_emulator.inject("status", status=status, retry_after=0.5, times=2, after=1)
    assert len(_read(imports_emulator, page_size=100)) == 250
    assert waits == [0.5, 0.5]


def test_dropped_connections_are_retried(imports_emulator: Emulator, waits: list[float]) -> None:
    imports_emulator.inject("drop", times=2, after=1)
    assert len(_read(imports_emulator, page_size=100)) == 250
    assert len(waits) >= 1


def test_backoff_grows(imports_emulator: Emulator, waits: list[float]) -> None:
    imports_emulator.inject("status", status=503, times=4)
    _read(imports_emulator, max_retries=5)
    assert len(waits) == 4
    assert waits[3] > waits[0]


@pytest.mark.parametrize(("status", "error"), [(400, ApiError), (403, AuthenticationError)])
def test_other_4xx_are_not_retried(
    imports_emulator: Emulator, waits: list[float], status: int, error: type[ApiError]
) -> None:
    imports_emulator.inject("status", status=status, times=1, after=1)
    with pytest.raises(error) as info:
        _read(imports_emulator, page_size=100)
    assert info.value.status == status
    assert len(list_requests(imports_emulator)) == 2
    assert waits == []
    assert len(info.value.partial) == 100  # the first page is kept


def test_retries_exhausted_raise_with_partial(
    imports_emulator: Emulator, waits: list[float]
) -> None:
    imports_emulator.inject("status", status=503, times=100, after=2)
    with pytest.raises(ServerError) as info:
        _read(imports_emulator, page_size=100, max_retries=3)
    err = info.value
    assert err.status == 503 and "HTTP 503" in str(err) and "retried 3 times" in str(err)
    assert len(err.partial) == 200
    assert err.partial.dtypes.to_dict() == schema.pandas_dtypes()
    assert len(waits) == 3


def test_rate_limit_exhausted(imports_emulator: Emulator, waits: list[float]) -> None:
    imports_emulator.inject("status", status=429, times=100)
    with pytest.raises(RateLimitError):
        _read(imports_emulator, max_retries=2)
    assert len(waits) == 2


def test_drops_exhausted_raise_transport_error(
    imports_emulator: Emulator, waits: list[float]
) -> None:
    imports_emulator.inject("drop", times=100, after=1)
    with pytest.raises(TransportError, match="after 2 retries") as info:
        _read(imports_emulator, page_size=100, max_retries=2)
    assert len(info.value.partial) == 100


def test_wrong_key_is_an_authentication_error_with_the_rpc_status(
    imports_emulator: Emulator,
) -> None:
    with pytest.raises(AuthenticationError) as info:
        read_imports(
            imports_emulator.url, api_key="wrong-key", progress=False, api_version="2025-04"
        )
    err = info.value
    assert err.status == 401 and err.code == 16 and err.message == "Invalid API Key"
    assert err.details == []
    assert "401" in str(err) and "Invalid API Key" in str(err)
    assert "wrong-key" not in str(err) and "wrong-key" not in repr(err)


def test_empty_listing(imports_emulator: Emulator) -> None:
    with Emulator(imports=0) as emu:
        df = _read(emu)
    assert len(df) == 0
    assert df.dtypes.to_dict() == schema.pandas_dtypes()


def test_unknown_status_and_int64_strings_over_http() -> None:
    records = [
        {
            "id": "1",
            "uri": "s3://b/1",
            "status": "Completed",
            "createdAt": "2025-05-01T00:00:00Z",
            "finishedAt": "2025-05-01T01:00:00.000000001+01:00",
            "percentComplete": 100.0,
            "recordsImported": "9007199254740993",
        },
        {
            "id": "2",
            "uri": "s3://b/2",
            "status": "Queued",
            "createdAt": "2025-05-01T00:00:00Z",
            "percentComplete": 0.0,
            "recordsImported": 0,
            "newField": {"x": 1},
        },
    ]
    with Emulator(records=records) as emu, pytest.warns(UnknownStatusWarning, match="Queued"):
        df = _read(emu)
    assert df["status"].tolist() == ["Completed", "Queued"]
    assert df.loc[0, "records_imported"] == 9007199254740993
    assert df.loc[0, "finished_at"] == pd.Timestamp("2025-05-01T00:00:00Z")
    assert df.loc[0, "duration"] == pd.Timedelta(0)


def test_int64_as_string_mode(imports_emulator: Emulator) -> None:
    imports_emulator.int64_as_string = True
    records = imports_emulator.records(api_version="2026-07")
    assert isinstance(records[0]["recordsImported"], str)
    df = _read(imports_emulator)
    assert df["records_imported"].tolist() == [
        int(r["recordsImported"]) if "recordsImported" in r else pd.NA for r in records
    ]


def test_page_size_out_of_range_is_refused_before_any_request(
    imports_emulator: Emulator, tmp_path: Path
) -> None:
    lake = tmp_path / "lake"
    for bad in (0, 101, -1, 2.5, "10"):
        with pytest.raises(ConfigurationError, match="page_size"):
            _read(imports_emulator, page_size=bad, snapshot_to=lake)
    assert imports_emulator.requests == []
    assert not lake.exists()  # refused before the lake was probed (its folder made)


def test_missing_host_and_key_say_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PINECONE_API_KEY", raising=False)
    monkeypatch.delenv("PINECONE_INDEX_HOST", raising=False)
    with pytest.raises(ConfigurationError, match="PINECONE_API_KEY"):
        read_imports("127.0.0.1:1")
    with pytest.raises(ConfigurationError, match="PINECONE_INDEX_HOST"):
        read_imports(api_key="k")


def test_environment_variables(imports_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINECONE_API_KEY", imports_emulator.api_key)
    monkeypatch.setenv("PINECONE_INDEX_HOST", imports_emulator.address)
    assert len(read_imports(progress=False)) == 250


def test_index_name_resolves_through_the_control_plane(
    imports_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINECONE_CONTROLLER_HOST", imports_emulator.url)
    df = read_imports(
        index_name=imports_emulator.index_name, api_key=imports_emulator.api_key, progress=False
    )
    assert len(df) == 250
    assert df["index_name"].eq(imports_emulator.index_name).all()
    assert df["index_host"].eq(imports_emulator.address).all()
    paths = [r.path for r in imports_emulator.requests]
    assert paths[0] == f"/indexes/{imports_emulator.index_name}"


def test_unknown_index_name(imports_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PINECONE_CONTROLLER_HOST", imports_emulator.url)
    with pytest.raises(NotFoundError, match="404") as info:
        read_imports(index_name="no-such-index", api_key=imports_emulator.api_key, progress=False)
    # The control plane's error body is {"error": {"code": "NOT_FOUND", "message": ...}}.
    assert info.value.message.startswith("NOT_FOUND")
    assert "no-such-index" in str(info.value)


def test_plain_http_to_a_remote_host_is_refused_before_connecting() -> None:
    with pytest.raises(InsecureTransportError, match="plain http"):
        read_imports("http://my-index.svc.example.invalid", api_key="k")
    with pytest.raises(InsecureTransportError):
        list(iter_pages("http://10.0.0.1:8080", api_key="k"))


def test_allow_insecure_lets_plain_http_through_to_the_connection() -> None:
    # Port 9 on loopback is closed: the refusal is gone, the connection error remains.
    with pytest.raises(TransportError, match="Connection refused") as info:
        read_imports("http://127.0.0.1:9", api_key="k", allow_insecure=True, max_retries=0)
    assert "Max retries exceeded" not in str(info.value)  # the cause, not urllib3's wrapper


def test_iter_pages_streams_the_api_records(imports_emulator: Emulator) -> None:
    pages = list(
        iter_pages(
            imports_emulator.url, api_key=imports_emulator.api_key, page_size=100, progress=False
        )
    )
    assert [len(p) for p in pages] == [100, 100, 50]
    assert [r for p in pages for r in p] == imports_emulator.records(api_version="2026-07")


def test_listed_at_is_one_value_and_the_servers_listing_time(imports_emulator: Emulator) -> None:
    # An hour ahead of this machine's clock, past loader.CLOCK_TOLERANCE: the session's
    # emulator, whose clock stands at the session's start, was within it for the first
    # 2 s of a worker's session, and listed_at then rightly stayed this machine's time.
    imports_emulator.advance("1h")
    df = _read(imports_emulator)
    assert df["listed_at"].nunique() == 1
    # The server's clock (the emulator's simulated one, which stands still here), to the
    # second that its Date header carries.
    server = pd.Timestamp(imports_emulator.now())
    assert abs(df["listed_at"].iloc[0] - server) < pd.Timedelta(seconds=2)


def test_listed_at_agrees_with_the_local_clock_when_the_server_does() -> None:
    before = pd.Timestamp.now(tz="UTC")
    with Emulator(imports=5) as emu:  # its clock starts at the wall clock
        df = _read(emu)
    after = pd.Timestamp.now(tz="UTC")
    assert before - pd.Timedelta(seconds=1) <= df["listed_at"].iloc[0] <= after


@pytest.mark.parametrize("skew_hours", [-6, 5])
def test_listed_at_follows_a_server_whose_clock_is_hours_off(skew_hours: int) -> None:
    server_start = pd.Timestamp.now(tz="UTC").floor("s") + pd.Timedelta(hours=skew_hours)
    with Emulator(imports=200, seed=4, now=server_start.to_pydatetime()) as emu:
        df = _read(emu)
        emu.advance(3 * 86400)
        later = _read(emu)
        server_later = pd.Timestamp(emu.now())
    assert abs(df["listed_at"].iloc[0] - server_start) < pd.Timedelta(seconds=3)
    assert abs(later["listed_at"].iloc[0] - server_later) < pd.Timedelta(seconds=3)
    for frame in (df, later):
        assert (frame["created_at"] <= frame["listed_at"]).all()
        assert (frame["elapsed"].dropna() >= pd.Timedelta(0)).all()


def test_snapshots_over_simulated_days_land_in_their_own_date_folders(tmp_path: Path) -> None:
    from pinecone_imports_frame import list_snapshots

    start = pd.Timestamp("2025-05-01T12:00:00Z")
    with Emulator(imports=50, now=start.to_pydatetime()) as emu:
        for _ in range(3):
            _read(emu, snapshot_to=tmp_path)
            emu.advance(86400)
    dates = list_snapshots(tmp_path)["date"].tolist()
    assert dates == ["2025-05-01", "2025-05-02", "2025-05-03"]


def test_progress_bar_counts_pages(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    _read(imports_emulator, page_size=100, progress=True)
    err = capsys.readouterr().err
    assert "3 pages" in err and "imports=250" in err


def _good_rows(n: int) -> list[dict[str, object]]:
    return [
        {
            "id": str(i),
            "uri": "s3://b/p",
            "status": "Completed",
            "percentComplete": 100.0,
            "createdAt": "2025-05-01T00:00:00Z",
            "finishedAt": "2025-05-01T01:00:00Z",
            "recordsImported": i,
        }
        for i in range(n)
    ]


def test_a_malformed_value_keeps_every_row_before_it() -> None:
    # 12,000 imports, one bad createdAt at row 4,999: the 4,999 rows before it arrived
    # intact and are kept, typed (the typing batches are 5,000 rows).
    records = _good_rows(12_000)
    records[4_999] = {**records[4_999], "createdAt": "last tuesday"}
    with Emulator(records=records) as emu, pytest.raises(ResponseFormatError) as info:
        _read(emu)
    message = str(info.value)
    assert "createdAt" in message and "last tuesday" in message and "'4999'" in message
    partial = info.value.partial
    assert partial is not None
    assert partial["id"].tolist() == [str(i) for i in range(4_999)]
    assert partial.dtypes.to_dict() == schema.pandas_dtypes()


def test_on_bad_record_warn_keeps_the_row_with_na() -> None:
    records = _good_rows(30)
    records[7] = {**records[7], "recordsImported": True, "percentComplete": "50"}
    records[9] = {**records[9], "recordsImported": 1.5}
    with Emulator(records=records) as emu, pytest.warns(BadRecordWarning) as caught:
        df = _read(emu, on_bad_record="warn")
    assert len(df) == 30
    assert df["records_imported"].isna().tolist() == [i in (7, 9) for i in range(30)]
    assert df["percent_complete"].isna().tolist() == [i == 7 for i in range(30)]
    texts = [str(w.message) for w in caught]
    assert len(texts) == 2  # one per field
    assert any("recordsImported = True" in t and "'7'" in t for t in texts)
    assert any("percentComplete = '50'" in t for t in texts)


def test_ctrl_c_keeps_the_pages_read(monkeypatch: pytest.MonkeyPatch) -> None:
    import pinecone_imports_frame as pif
    from pinecone_imports_frame import pagination

    real_update = pagination.TokenPaginator.update

    def interrupt_on_page_3(self: pagination.TokenPaginator, body: object) -> list[object]:
        if self.pages == 2:
            raise KeyboardInterrupt
        return real_update(self, body)

    monkeypatch.setattr(pagination.TokenPaginator, "update", interrupt_on_page_3)
    with Emulator(imports=450) as emu, pytest.raises(KeyboardInterrupt):
        _read(emu)
    kept = pif.last_partial()
    assert kept is not None and len(kept) == 200
    assert kept["id"].tolist() == [r["id"] for r in emu.records()[:200]]


@pytest.mark.parametrize(
    ("root", "error", "says"),
    [
        ("/proc/no-lake-here", SnapshotError, "cannot write snapshots"),  # unwritable
        ("gs://bucket/lake", ConfigurationError, r"pinecone-imports-frame\[lake\]"),  # no gcsfs
    ],
)
def test_a_snapshot_to_that_cannot_be_written_fails_before_any_request(
    imports_emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    root: str,
    error: type[Exception],
    says: str,
) -> None:
    """It drained every page, then raised with no frame."""
    import sys

    import fsspec.registry  # noqa: F401 - its registry, in sys.modules

    monkeypatch.setitem(sys.modules, "gcsfs", None)  # as if gcsfs were not installed
    registry = sys.modules["fsspec.registry"]._registry  # classes imported so far
    monkeypatch.delitem(registry, "gs", raising=False)
    with pytest.raises(error, match=says):
        read_imports(
            imports_emulator.url,
            api_key=imports_emulator.api_key,
            progress=False,
            snapshot_to=root,
        )
    assert imports_emulator.requests == []


def test_a_snapshot_write_that_fails_after_the_drain_keeps_the_whole_frame(
    tmp_path: Path,
) -> None:
    """The lake is fine when checked, gone by the time the drain is written."""
    import shutil

    from hostile import HostileServer, page

    lake = tmp_path / "lake"
    ids = [f"a{i}" for i in range(3)]

    def second_page_breaks_the_lake(sock: object, request: object) -> str:
        shutil.rmtree(lake)
        lake.write_text("not a folder any more")  # the root is now a file
        return page(["b0", "b1"])(sock, request)  # type: ignore[arg-type]

    with (
        HostileServer([page(ids, "t2"), second_page_breaks_the_lake]) as server,
        pytest.raises(SnapshotError) as info,
    ):
        read_imports(server.url, api_key="pcsk_some_key_1234", progress=False, snapshot_to=lake)
    kept = info.value.partial
    assert kept is not None and kept["id"].tolist() == [*ids, "b0", "b1"]
    assert last_partial() is kept
