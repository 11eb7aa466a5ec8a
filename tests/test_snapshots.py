"""Snapshots on local disk and memory://: layout, exact round trips, pruning, atomicity."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from fsspec.implementations.memory import MemoryFileSystem

from pinecone_imports_frame import config as pif_config
from pinecone_imports_frame import schema
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.errors import (
    ConfigurationError,
    SkippedFileWarning,
    SnapshotError,
    UnknownStatusWarning,
)
from pinecone_imports_frame.frame import empty_frame, to_frame
from pinecone_imports_frame.loader import read_imports
from pinecone_imports_frame.snapshots import (
    compact_snapshots,
    list_snapshots,
    prune_snapshots,
    read_snapshots,
    write_snapshot,
)

SECRET_KEY = "pcsk_snapshot_test_9f3a1c_DO_NOT_LEAK"
NAME_RE = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-[0-9a-f]+\.parquet$")


def stacked(*frames: pd.DataFrame) -> pd.DataFrame:
    """What read_snapshots must return for these listings."""
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["listed_at", "id"], kind="stable")
        .reset_index(drop=True)
    )


def snapshot_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def listings() -> tuple[list[pd.DataFrame], str]:
    """Three listings of one emulated index, an hour of simulated time apart."""
    frames = []
    with Emulator(imports=250, seed=0, api_key=SECRET_KEY) as emu:
        for _ in range(3):
            frames.append(read_imports(emu.url, api_key=emu.api_key, progress=False))
            emu.advance(3600)
        host = emu.address
    return frames, host


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return Emulator(imports=40, seed=3).records()


def frame_at(
    records: list[dict[str, Any]], when: str, host: str = "idx.svc.pinecone.io", **kw: Any
) -> pd.DataFrame:
    return to_frame(records, listed_at=when, index_host=host, **kw)


# --- round trips ---------------------------------------------------------------------------


def test_listings_differ_over_simulated_time(listings: tuple[list[pd.DataFrame], str]) -> None:
    frames, _ = listings
    a, b = frames[0].set_index("id"), frames[2].set_index("id")
    common = a.index.intersection(b.index)
    assert len(common) == 250
    assert (a.loc[common, "status"].astype(str) != b.loc[common, "status"].astype(str)).any()
    assert len(frames[2]) >= len(frames[0])


def test_round_trip_of_emulator_listings_is_exact(
    tmp_path: Path, listings: tuple[list[pd.DataFrame], str]
) -> None:
    frames, _ = listings
    for df in frames:
        write_snapshot(df, tmp_path)
    got = read_snapshots(tmp_path)
    pd.testing.assert_frame_equal(got, stacked(*frames))
    assert isinstance(got.index, pd.RangeIndex)
    assert got.dtypes.to_dict() == frames[0].dtypes.to_dict()
    one = read_snapshots(
        tmp_path, since=frames[1]["listed_at"].iloc[0], until=frames[2]["listed_at"].iloc[0]
    )
    pd.testing.assert_frame_equal(one, stacked(frames[1]))


def test_read_imports_snapshot_to_round_trips(tmp_path: Path) -> None:
    with Emulator(imports=120, seed=5, api_key=SECRET_KEY) as emu:
        first = read_imports(emu.url, api_key=emu.api_key, progress=False, snapshot_to=tmp_path)
        emu.advance(7200)
        second = read_imports(
            emu.url, api_key=emu.api_key, progress=False, snapshot_to=str(tmp_path)
        )
    assert len(snapshot_files(tmp_path)) == 2
    pd.testing.assert_frame_equal(read_snapshots(tmp_path), stacked(first, second))


def test_pyarrow_backend_round_trip(tmp_path: Path) -> None:
    with Emulator(imports=60, seed=1) as emu:
        df = read_imports(emu.url, api_key=emu.api_key, progress=False, dtype_backend="pyarrow")
    write_snapshot(df, tmp_path)
    got = read_snapshots(tmp_path, dtype_backend="pyarrow")
    pd.testing.assert_frame_equal(got, stacked(df))
    assert str(read_snapshots(tmp_path)["records_imported"].dtype) == "Int64"


def test_memory_filesystem_round_trip(listings: tuple[list[pd.DataFrame], str]) -> None:
    frames, host = listings
    root = f"memory://snap-{uuid.uuid4().hex}/lake"
    paths = [write_snapshot(df, root) for df in frames[:2]]
    assert all(p.startswith("memory://") for p in paths)
    pd.testing.assert_frame_equal(read_snapshots(root), stacked(*frames[:2]))
    listed = list_snapshots(root)
    assert listed["path"].tolist() == paths
    assert set(listed["index_host"]) == {host}
    removed = prune_snapshots(root, keep_last=1)
    assert removed["path"].tolist() == paths[:1]
    pd.testing.assert_frame_equal(read_snapshots(root), stacked(frames[1]))


def test_file_url_root(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    df = frame_at(records, "2025-05-01T10:00:00Z")
    path = write_snapshot(df, "file://" + str(tmp_path))
    assert Path(path).is_file() and Path(path).is_relative_to(tmp_path)
    pd.testing.assert_frame_equal(read_snapshots(tmp_path), stacked(df))


# --- layout and metadata -------------------------------------------------------------------


def test_layout_partitions_and_metadata(
    tmp_path: Path, listings: tuple[list[pd.DataFrame], str]
) -> None:
    frames, host = listings
    df = frames[0]
    path = Path(write_snapshot(df, tmp_path))
    listed_at = df["listed_at"].iloc[0]
    assert ":" in host  # 127.0.0.1:PORT
    rel = path.relative_to(tmp_path).parts
    assert rel[0] == "index_host=" + host.replace(":", "%3A")
    assert rel[1] == f"date={listed_at:%Y-%m-%d}"
    assert NAME_RE.match(rel[2])
    assert rel[2].startswith(listed_at.strftime("%Y%m%dT%H%M%S.%fZ-"))
    # pyarrow's own Hive partitioning (uri encoding) reads the folder names back exactly
    part = ds.HivePartitioning(
        pa.schema([("index_host", pa.string()), ("date", pa.string())]), segment_encoding="uri"
    )
    expected = (ds.field("index_host") == host) & (ds.field("date") == f"{listed_at:%Y-%m-%d}")
    assert part.parse("/".join(rel)).equals(expected)
    if hasattr(part, "format"):  # pyarrow >= 17 writes the same folder names
        assert "/".join(rel[:2]) == part.format(expected)[0]

    pf = pq.ParquetFile(path)
    stored = pf.schema_arrow.names
    assert stored == [c for c in schema.STORED_COLUMNS if c != "index_host"]
    assert not set(stored) & {
        "index_host",
        "date",
        *(c.name for c in schema.COLUMNS if not c.stored and c.name != "index_host"),
    }
    meta = {
        k.decode(): v.decode()
        for k, v in pf.metadata.metadata.items()
        if k.startswith(b"pinecone_imports_frame.")
    }
    assert meta == {
        "pinecone_imports_frame.package_version": meta["pinecone_imports_frame.package_version"],
        "pinecone_imports_frame.api_version": "2026-07",
        "pinecone_imports_frame.listed_at": listed_at.isoformat(),
        "pinecone_imports_frame.index_host": host,
        "pinecone_imports_frame.index_name": "",
        "pinecone_imports_frame.rows": str(len(df)),
        "pinecone_imports_frame.schema_version": str(schema.SCHEMA_VERSION),
    }
    assert re.match(r"^\d+\.\d+", meta["pinecone_imports_frame.package_version"])


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:8080",
        "idx-1a2b3c.svc.aped-4627-b74a.pinecone.io",
        "[::1]:5081",
        "host with space%and/slash",
    ],
)
def test_any_host_round_trips(tmp_path: Path, records: list[dict[str, Any]], host: str) -> None:
    df = frame_at(records, "2025-05-01T10:00:00.123456Z", host=host)
    path = Path(write_snapshot(df, tmp_path))
    assert path.parent.parent.parent == tmp_path  # one folder level per partition
    got = read_snapshots(tmp_path, index_host=host)
    pd.testing.assert_frame_equal(got, stacked(df))
    assert list_snapshots(tmp_path)["index_host"].tolist() == [host]


def listing_in(when: str) -> pd.DataFrame:
    """A listing whose ``listed_at`` is ``when``, any year from 0001 to 9999.

    Its ``listed_at`` is set after to_frame (which takes it through nanoseconds on the way,
    so only years 1678 to 2261); the other columns hold no time that ``listed_at`` moves.
    """
    records = [{"id": "1", "uri": "s3://b/p", "status": "Pending"}, {"id": "2"}]
    df = to_frame(records, listed_at="2025-05-01", index_host="idx.svc.pinecone.io")
    listed = pd.Series(pd.Timestamp(when).as_unit("us"), index=df.index)
    df["listed_at"] = listed.astype(df["listed_at"].dtype)
    return df


def test_listings_of_years_0001_and_9999_round_trip(tmp_path: Path) -> None:
    # Once an OverflowError (microseconds taken through nanoseconds), and a year 0001 file
    # was written as "10101T000000.000000Z-....parquet" under "date=1-01-01", which no
    # reader took for a snapshot.
    times = [
        "0001-01-01T00:00:00Z",
        "0001-01-01T23:59:59.999999Z",
        "9999-12-31T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
    ]
    frames = [listing_in(t) for t in times]
    paths = [write_snapshot(df, tmp_path) for df in frames]
    assert [p.split("/")[-2] for p in paths] == ["date=0001-01-01"] * 2 + ["date=9999-12-31"] * 2
    assert paths[0].split("/")[-1].startswith("00010101T000000.000000Z-")
    assert paths[3].split("/")[-1].startswith("99991231T235959.999999Z-")

    pd.testing.assert_frame_equal(read_snapshots(tmp_path), stacked(*frames))
    pd.testing.assert_frame_equal(
        read_snapshots(tmp_path, since="0001-01-01T12:00Z", until="0002-01-01"),
        stacked(frames[1]),
    )
    pd.testing.assert_frame_equal(read_snapshots(tmp_path, since=times[3]), stacked(frames[3]))
    listed = list_snapshots(tmp_path)
    assert listed["listed_at"].tolist() == [pd.Timestamp(t) for t in times]
    assert set(listed["file_status"]) == {"ok"}

    done = compact_snapshots(tmp_path)  # 9999 is in the future: not a day to compact yet
    assert done["date"].tolist() == ["0001-01-01"] and done["listings"].tolist() == [2]
    pd.testing.assert_frame_equal(read_snapshots(tmp_path), stacked(*frames))
    removed = prune_snapshots(tmp_path, older_than="1d")
    assert removed["listed_at"].tolist() == [pd.Timestamp(t) for t in times[:2]]
    pd.testing.assert_frame_equal(read_snapshots(tmp_path), stacked(*frames[2:]))


def test_api_key_is_in_no_file(tmp_path: Path) -> None:
    with Emulator(imports=80, seed=2, api_key=SECRET_KEY) as emu:
        for _ in range(2):
            read_imports(emu.url, api_key=emu.api_key, progress=False, snapshot_to=tmp_path)
            emu.advance(600)
        memory_root = f"memory://key-{uuid.uuid4().hex}"
        read_imports(emu.url, api_key=emu.api_key, progress=False, snapshot_to=memory_root)
    files = snapshot_files(tmp_path)
    assert len(files) == 2
    for f in files:
        data = f.read_bytes()
        assert SECRET_KEY.encode() not in data
        assert SECRET_KEY[5:].encode() not in data
    fs = fsspec.filesystem("memory")
    mem_files = fs.find(memory_root.removeprefix("memory:/"))
    assert len(mem_files) == 1
    assert SECRET_KEY.encode() not in fs.cat_file(mem_files[0])


# --- what write_snapshot refuses -----------------------------------------------------------


def test_refuses_several_listings_or_hosts(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    a = frame_at(records, "2025-05-01T10:00:00Z")
    b = frame_at(records, "2025-05-01T11:00:00Z")
    with pytest.raises(SnapshotError, match=r"2 listed_at values.*groupby"):
        write_snapshot(pd.concat([a, b], ignore_index=True), tmp_path)
    c = frame_at(records, "2025-05-01T10:00:00Z", host="other.svc.pinecone.io")
    with pytest.raises(SnapshotError, match=r"2 index_host values"):
        write_snapshot(pd.concat([a, c], ignore_index=True), tmp_path)
    with pytest.raises(SnapshotError, match="no index_host"):
        write_snapshot(to_frame(records, listed_at="2025-05-01"), tmp_path)
    with pytest.raises(SnapshotError, match="lacks the column"):
        write_snapshot(a.drop(columns=["status"]), tmp_path)
    assert snapshot_files(tmp_path) == []


def test_empty_listing(tmp_path: Path) -> None:
    df = empty_frame()
    with pytest.raises(SnapshotError, match=r"frame.attrs\['index_host'\]"):
        write_snapshot(df, tmp_path)
    df.attrs.update(listed_at="2025-05-01T10:00:00Z", index_host="idx.svc.pinecone.io")
    write_snapshot(df, tmp_path)
    listed = list_snapshots(tmp_path)
    assert listed["rows"].tolist() == [0]
    assert listed["listed_at"].tolist() == [pd.Timestamp("2025-05-01T10:00:00Z")]
    pd.testing.assert_frame_equal(read_snapshots(tmp_path), empty_frame())


# --- reading: selection, columns, evolution ------------------------------------------------


def test_empty_root_gives_the_empty_frame(tmp_path: Path) -> None:
    pd.testing.assert_frame_equal(read_snapshots(tmp_path), empty_frame())
    pd.testing.assert_frame_equal(
        read_snapshots(tmp_path, dtype_backend="pyarrow"), empty_frame(dtype_backend="pyarrow")
    )
    pd.testing.assert_frame_equal(
        read_snapshots(tmp_path, columns=["status", "id"]), empty_frame()[["id", "status"]]
    )
    assert len(list_snapshots(tmp_path)) == 0
    assert list(list_snapshots(tmp_path).columns) == [
        "path",
        "file_status",
        "index_host",
        "index_name",
        "listed_at",
        "date",
        "rows",
        "bytes",
        "file_listings",
        "api_version",
        "schema_version",
        "package_version",
    ]


def test_filters_by_host_and_name(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    a = frame_at(records, "2025-05-01T10:00:00Z", host="a.svc.pinecone.io", index_name="alpha")
    b = frame_at(records[:10], "2025-05-01T10:00:00Z", host="b.svc.pinecone.io", index_name="beta")
    c = frame_at(records[:5], "2025-05-02T10:00:00Z", host="127.0.0.1:9", index_name="gamma")
    for df in (a, b, c):
        write_snapshot(df, tmp_path)
    pd.testing.assert_frame_equal(
        read_snapshots(tmp_path, index_host="b.svc.pinecone.io"), stacked(b)
    )
    pd.testing.assert_frame_equal(
        read_snapshots(tmp_path, index_host=["127.0.0.1:9", "a.svc.pinecone.io"]), stacked(a, c)
    )
    pd.testing.assert_frame_equal(read_snapshots(tmp_path, index_name="beta"), stacked(b))
    pd.testing.assert_frame_equal(
        read_snapshots(tmp_path, index_name=["gamma", "alpha"]), stacked(a, c)
    )
    pd.testing.assert_frame_equal(read_snapshots(tmp_path, index_host="nope"), empty_frame())
    assert list_snapshots(tmp_path)["index_name"].tolist() == ["alpha", "beta", "gamma"]


def test_since_until_skip_files_unopened(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    times = [
        "2025-04-30T23:59:59.999999Z",
        "2025-05-01T00:00:00Z",
        "2025-05-01T12:00:00Z",
        "2025-05-02T00:00:00Z",
        "2025-05-03T08:00:00Z",
    ]
    frames = [frame_at(records, t) for t in times]
    paths = [Path(write_snapshot(df, tmp_path)) for df in frames]
    # every file outside [since, until) is made unreadable: reading it warns
    for p in paths[:1] + paths[3:]:
        p.write_bytes(b"not parquet at all")
    with pytest.warns(SkippedFileWarning, match="not readable Parquet") as caught:
        read_snapshots(tmp_path)
    assert sorted(str(w.message).split()[1] for w in caught) == sorted(
        str(p) + ":" for p in paths[:1] + paths[3:]
    )
    warnings.simplefilter("error", SkippedFileWarning)  # a window never opens them
    got = read_snapshots(tmp_path, since="2025-05-01", until="2025-05-02")
    pd.testing.assert_frame_equal(got, stacked(frames[1], frames[2]))
    got = read_snapshots(
        tmp_path,
        since=dt.datetime(2025, 5, 1, 12),  # naive: UTC
        until=pd.Timestamp("2025-05-01T14:00:00.000001+02:00"),
    )
    pd.testing.assert_frame_equal(got, stacked(frames[2]))
    got = read_snapshots(
        tmp_path, since="2025-05-01T00:00:00.000001Z", until="2025-05-01T12:00:00Z"
    )  # until is exclusive
    pd.testing.assert_frame_equal(got, empty_frame())
    with pytest.raises(ConfigurationError, match="not a timestamp"):
        read_snapshots(tmp_path, since="yesterday-ish")


class CountingMemoryFS(MemoryFileSystem):
    """memory:// that records which files are opened or read (shares memory's store)."""

    protocol = "countmem"
    touched: list[str] = []  # noqa: RUF012

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, str):
            path = path.removeprefix("countmem://")
        return super()._strip_protocol(path)

    def cat_file(self, path: Any, *args: Any, **kwargs: Any) -> Any:
        self.touched.append(self._strip_protocol(path))
        return super().cat_file(path, *args, **kwargs)

    def _open(self, path: Any, *args: Any, **kwargs: Any) -> Any:
        self.touched.append(self._strip_protocol(path))
        return super()._open(path, *args, **kwargs)


def test_files_outside_the_selection_are_never_opened(records: list[dict[str, Any]]) -> None:
    fsspec.register_implementation("countmem", CountingMemoryFS, clobber=True)
    root = f"countmem://count-{uuid.uuid4().hex}"
    frames = {}
    for host in ("a.svc.pinecone.io", "b.svc.pinecone.io"):
        for t in ("2025-05-01T10:00:00Z", "2025-05-02T10:00:00Z", "2025-05-03T10:00:00Z"):
            frames[host, t] = frame_at(records, t, host=host)
            frames[host, t].attrs["path"] = write_snapshot(frames[host, t], root)
    CountingMemoryFS.touched.clear()
    got = read_snapshots(
        root, index_host="b.svc.pinecone.io", since="2025-05-02", until="2025-05-03"
    )
    wanted = frames["b.svc.pinecone.io", "2025-05-02T10:00:00Z"]
    pd.testing.assert_frame_equal(got, stacked(wanted))
    assert CountingMemoryFS.touched == [wanted.attrs["path"].removeprefix("countmem://")]
    CountingMemoryFS.touched.clear()
    assert len(list_snapshots(root)) == 6
    assert len(set(CountingMemoryFS.touched)) == 6  # footers of all, nothing more


def test_columns_reads_only_what_is_needed(
    tmp_path: Path, listings: tuple[list[pd.DataFrame], str]
) -> None:
    frames, _ = listings
    for df in frames[:2]:
        write_snapshot(df, tmp_path)
    full = read_snapshots(tmp_path)
    got = read_snapshots(tmp_path, columns=["elapsed", "index_host", "id"])
    assert list(got.columns) == ["id", "elapsed", "index_host"]  # schema order
    pd.testing.assert_frame_equal(got, full[["id", "elapsed", "index_host"]])
    pd.testing.assert_frame_equal(read_snapshots(tmp_path, columns=["status"]), full[["status"]])
    pd.testing.assert_frame_equal(
        read_snapshots(tmp_path, columns=["records_per_second"], dtype_backend="pyarrow"),
        read_snapshots(tmp_path, dtype_backend="pyarrow")[["records_per_second"]],
    )
    with pytest.raises(ConfigurationError, match="unknown column"):
        read_snapshots(tmp_path, columns=["nope"])

    # a file whose `uri` column cannot be read as a string: only a read of uri touches it
    odd = to_frame(
        Emulator(imports=3, seed=9).records(),
        listed_at="2030-01-01T00:00:00Z",
        index_host="odd.svc.pinecone.io",
    )
    path = Path(write_snapshot(odd, tmp_path))
    table = pq.read_table(path)
    table = table.set_column(
        table.schema.get_field_index("uri"),
        "uri",
        pa.array([[1], [2], [3]], type=pa.list_(pa.int64())),
    )
    pq.write_table(table, path)
    with pytest.warns(SkippedFileWarning, match=f"{re.escape(str(path))}: its column uri"):
        pd.testing.assert_frame_equal(read_snapshots(tmp_path), full)
    warnings.simplefilter("error", SkippedFileWarning)
    got = read_snapshots(tmp_path, columns=["status", "duration"])
    assert len(got) == len(full) + 3


def test_schema_evolution_missing_column_reads_as_na(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    new = frame_at(records, "2025-05-02T10:00:00Z")
    old = frame_at(records, "2025-05-01T10:00:00Z")
    path = Path(write_snapshot(old, tmp_path))
    table = pq.read_table(path)  # as an older version would have written it
    pq.write_table(table.drop_columns(["error", "percent_complete", "index_name"]), path)
    write_snapshot(new, tmp_path)
    got = read_snapshots(tmp_path)
    expected = stacked(old, new)
    first = expected["listed_at"] == old["listed_at"].iloc[0]
    for c in ("error", "error_category", "percent_complete", "index_name"):
        expected[c] = expected[c].astype(object).where(~first, None).astype(expected[c].dtype)
    assert old["error"].notna().any() and old["percent_complete"].notna().any()
    pd.testing.assert_frame_equal(got, expected)
    assert got.loc[first.to_numpy(), "error"].isna().all()


def test_rows_stored_in_any_order_read_back_sorted(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    frames = [frame_at(records, t) for t in ("2025-05-01T10:00:00Z", "2025-05-01T11:00:00Z")]
    for df in frames:
        path = Path(write_snapshot(df, tmp_path))
        table = pq.read_table(path)
        assert table["id"].to_pylist() == sorted(table["id"].to_pylist())  # stored by id
        pq.write_table(table.take(list(range(len(table) - 1, -1, -1))), path)  # reversed
    pd.testing.assert_frame_equal(read_snapshots(tmp_path), stacked(*frames))


def test_unknown_statuses_survive_stacking(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    plain = frame_at(records, "2025-05-01T10:00:00Z")
    paused = [dict(r, status="Paused") if i in (3, 7) else r for i, r in enumerate(records)]
    queued = [dict(r, status="Queued") if i == 1 else r for i, r in enumerate(records)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownStatusWarning)
        b = frame_at(paused, "2025-05-02T10:00:00Z")
        c = frame_at(queued, "2025-05-03T10:00:00Z")
    for df in (c, plain, b):
        write_snapshot(df, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownStatusWarning)  # reported once, on listing
        got = read_snapshots(tmp_path)
    assert list(got["status"].cat.categories) == [*schema.STATUSES, "Paused", "Queued"]
    assert got["status"].astype(str).value_counts()[["Paused", "Queued"]].tolist() == [2, 1]
    expected = stacked(plain, b, c)
    expected["status"] = expected["status"].astype(got["status"].dtype)
    pd.testing.assert_frame_equal(got, expected)


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="dtype_backend"):
        read_snapshots(tmp_path, dtype_backend="numpy")
    with pytest.raises(ConfigurationError, match="only apply to fsspec URLs"):
        read_snapshots(tmp_path, storage_options={"anon": True})
    with pytest.raises(ConfigurationError, match="index_host"):
        read_snapshots(tmp_path, index_host=[])
    with pytest.raises(SnapshotError, match="DataFrame"):
        write_snapshot([1, 2], tmp_path)  # type: ignore[arg-type]


def test_missing_backend_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gcsfs", None)  # as if gcsfs were not installed
    registry = sys.modules["fsspec.registry"]._registry  # classes imported so far
    monkeypatch.delitem(registry, "gs", raising=False)
    monkeypatch.delitem(registry, "gcs", raising=False)
    with pytest.raises(ConfigurationError, match=re.escape("pinecone-imports-frame[lake]")):
        read_snapshots("gs://bucket/lake")
    with pytest.raises(ConfigurationError, match=re.escape("pinecone-imports-frame[lake]")):
        write_snapshot(empty_frame(), "gs://bucket/lake")
    # The package is not published yet: the hint also says what works from a checkout.
    with pytest.raises(ConfigurationError, match=re.escape("pip install -e '.[lake]'")):
        read_snapshots("gs://bucket/lake")


# --- list and prune ------------------------------------------------------------------------


def test_list_snapshots_from_footers_only(
    tmp_path: Path, listings: tuple[list[pd.DataFrame], str]
) -> None:
    frames, host = listings
    paths = [write_snapshot(df, tmp_path) for df in reversed(frames)]
    listed = list_snapshots(tmp_path)
    assert listed.dtypes.astype(str).to_dict() == {
        "path": "string",
        "index_host": "string",
        "index_name": "string",
        "file_status": "string",
        "listed_at": "datetime64[us, UTC]",
        "date": "string",
        "rows": "Int64",
        "bytes": "Int64",
        "file_listings": "Int64",
        "api_version": "string",
        "schema_version": "Int64",
        "package_version": "string",
    }
    assert (listed["file_status"] == "ok").all() and (
        listed["api_version"] == pif_config.DEFAULT_API_VERSION
    ).all()
    assert listed["path"].tolist() == list(reversed(paths))  # sorted by listed_at
    assert listed["listed_at"].tolist() == [df["listed_at"].iloc[0] for df in frames]
    assert listed["rows"].tolist() == [len(df) for df in frames]
    assert listed["bytes"].tolist() == [os.path.getsize(p) for p in listed["path"]]
    assert (listed["index_host"] == host).all() and listed["index_name"].isna().all()
    assert listed["date"].tolist() == [f"{t:%Y-%m-%d}" for t in listed["listed_at"]]
    assert (listed["schema_version"] == schema.SCHEMA_VERSION).all()
    assert isinstance(listed.index, pd.RangeIndex)

    # damage the row data of one file, keep its footer: listing still works, reading doesn't
    victim = Path(listed["path"].iloc[0])
    data = bytearray(victim.read_bytes())
    footer_len = int.from_bytes(data[-8:-4], "little")
    data[4 : len(data) - footer_len - 8] = b"\xff" * (len(data) - footer_len - 12)
    victim.write_bytes(bytes(data))
    with pytest.warns(SkippedFileWarning, match="rows do not decode"):
        got = read_snapshots(tmp_path)
    pd.testing.assert_frame_equal(got, stacked(*frames[1:]))
    pd.testing.assert_frame_equal(list_snapshots(tmp_path), listed)


def test_prune_by_age_and_count(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    now = pd.Timestamp.now(tz="UTC").floor("s")
    ages = [40, 35, 20, 1]
    a = [frame_at(records, now - pd.Timedelta(days=d), host="a.svc.pinecone.io") for d in ages]
    b = [frame_at(records[:4], now - pd.Timedelta(days=d), host="127.0.0.1:9") for d in (50, 2)]
    for df in a + b:
        write_snapshot(df, tmp_path)
    before = list_snapshots(tmp_path)

    would = prune_snapshots(tmp_path, older_than="30d", dry_run=True)
    assert len(list_snapshots(tmp_path)) == 6  # dry run removed nothing
    assert sorted(would["listed_at"]) == sorted(
        [a[0]["listed_at"].iloc[0], a[1]["listed_at"].iloc[0], b[0]["listed_at"].iloc[0]]
    )
    pd.testing.assert_frame_equal(
        would, before[before["path"].isin(would["path"])].reset_index(drop=True)
    )
    # older than 30 days, but keep the newest 3 of each host: only a[0] goes
    removed = prune_snapshots(tmp_path, older_than=dt.timedelta(days=30), keep_last=3)
    assert prune_snapshots(tmp_path, older_than=pd.Timedelta(days=30), keep_last=3).empty
    assert removed["listed_at"].tolist() == [a[0]["listed_at"].iloc[0]]
    # the 50-day-old snapshot of 127.0.0.1:9 went with its date folder
    removed = prune_snapshots(tmp_path, older_than="30d")
    assert set(removed["listed_at"]) == {a[1]["listed_at"].iloc[0], b[0]["listed_at"].iloc[0]}
    removed = prune_snapshots(tmp_path, keep_last=1)
    assert removed["listed_at"].tolist() == [a[2]["listed_at"].iloc[0]]
    pd.testing.assert_frame_equal(read_snapshots(tmp_path), stacked(b[1], a[3]))
    dates = sorted(p.name for p in tmp_path.glob("index_host=*/*"))
    assert dates == sorted({f"date={df['listed_at'].iloc[0]:%Y-%m-%d}" for df in (a[3], b[1])})
    with pytest.raises(
        ConfigurationError, match=r"keep_last=0 removes every snapshot.*all_snapshots=True"
    ):
        prune_snapshots(tmp_path, keep_last=0)
    assert len(list_snapshots(tmp_path)) == 2
    assert prune_snapshots(tmp_path, keep_last=0, all_snapshots=True)["rows"].sum() == 44
    # emptied partition folders are gone; the records of what was pruned stay (a day)
    assert [p.name for p in tmp_path.iterdir()] == ["_pruned"]

    with pytest.raises(ConfigurationError, match=r"older_than= .* or keep_last="):
        prune_snapshots(tmp_path)
    with pytest.raises(ConfigurationError, match="not a duration"):
        prune_snapshots(tmp_path, older_than="a month")
    with pytest.raises(ConfigurationError, match="keep_last"):
        prune_snapshots(tmp_path, keep_last=-1)


# --- atomicity and concurrency -------------------------------------------------------------


def test_two_writers_same_instant_both_keep_their_file(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    df = frame_at(records, "2025-05-01T10:00:00.000001Z")
    barrier = threading.Barrier(4)
    paths: list[str] = []

    def write() -> None:
        barrier.wait()
        paths.append(write_snapshot(df, tmp_path))

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(paths)) == 4
    assert len({Path(p).name[:23] for p in paths}) == 1  # same timestamp, other suffixes
    assert len(snapshot_files(tmp_path)) == 4
    got = read_snapshots(tmp_path)
    pd.testing.assert_frame_equal(got, stacked(df, df, df, df))
    assert list_snapshots(tmp_path)["rows"].tolist() == [len(df)] * 4


def test_two_processes_same_instant_both_keep_their_file(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from pinecone_imports_frame.emulator import Emulator
        from pinecone_imports_frame.frame import to_frame
        from pinecone_imports_frame.snapshots import write_snapshot
        df = to_frame(Emulator(imports=30, seed=4).records(),
                      listed_at="2025-05-01T10:00:00Z", index_host="127.0.0.1:8080")
        start = float(sys.argv[1])
        time.sleep(max(0.0, start - time.time()))
        print(write_snapshot(df, {str(tmp_path)!r}))
        """
    )
    start = time.time() + 3
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(start)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(set(outs)) == 2 and all(Path(o).is_file() for o in outs)
    assert len(read_snapshots(tmp_path)) == 60


def test_failed_write_leaves_no_debris(
    tmp_path: Path, records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = frame_at(records, "2025-05-01T10:00:00Z")
    write_snapshot(good, tmp_path)

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(SnapshotError, match="No space left"):
        write_snapshot(frame_at(records, "2025-05-01T11:00:00Z"), tmp_path)
    monkeypatch.undo()
    assert len(snapshot_files(tmp_path)) == 1  # not even a temporary file is left
    pd.testing.assert_frame_equal(read_snapshots(tmp_path), stacked(good))


WRITER = """
import os, sys, time
import pandas as pd
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.frame import to_frame
from pinecone_imports_frame.snapshots import write_snapshot
records = Emulator(imports=2000, seed=6).records()
root, mode = sys.argv[1], sys.argv[2]
def fsync(fd):
    print("IN-WRITE", flush=True)
    time.sleep(600)
i = 0
while True:
    i += 1
    if mode == "hang" and i == 3:  # block in the 3rd write, its bytes in the temporary file
        os.fsync = fsync
    listed_at = pd.Timestamp(1_700_000_000_000_000 + i, unit="us", tz="UTC")
    df = to_frame(records, listed_at=listed_at, index_host="127.0.0.1:8080")
    write_snapshot(df, root)
    print("WROTE", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hang", "loop"])
def test_killed_writer_leaves_nothing_readers_pick_up(tmp_path: Path, mode: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path), mode], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        wanted = "IN-WRITE" if mode == "hang" else "WROTE"
        for _ in range(3 if mode == "loop" else 1):
            line = proc.stdout.readline().strip()
            while line != wanted:
                assert line, "the writer exited early"
                line = proc.stdout.readline().strip()
        if mode == "loop":
            time.sleep(0.37)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    files = snapshot_files(tmp_path)
    debris = [p for p in files if ".tmp-" in p.name]
    if mode == "hang":
        assert len(debris) == 1 and debris[0].stat().st_size > 0
    assert all(p.name.startswith(".") and not p.name.endswith(".parquet") for p in debris)
    inventory = list_snapshots(tmp_path)
    assert (inventory["file_status"] == "temporary").sum() == len(debris)
    listed = inventory[inventory["file_status"] == "ok"]
    assert len(listed) == len(files) - len(debris)
    assert (listed["rows"] == 2000).all()
    got = read_snapshots(tmp_path)
    assert len(got) == 2000 * len(listed)
    assert len(ds.dataset(tmp_path, partitioning="hive").to_table()) == len(got)
    import duckdb

    rel = duckdb.sql(
        f"select count(*) from read_parquet('{tmp_path}/**/*.parquet', hive_partitioning = true)"
    )
    assert rel is not None and rel.fetchall() == [(len(got),)]


_PEAK_OF_A_READ = """
import json, sys
import pandas as pd  # imported before the baseline: the read's own memory is measured
from pinecone_imports_frame import read_snapshots

def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))

with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) starts again from what is resident now
before = status("VmRSS:")
frame = read_snapshots(sys.argv[1])
print(json.dumps({"rows": len(frame), "kb": status("VmHWM:") - before}))
"""


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="Linux's /proc")
def test_reading_many_small_files_costs_memory_by_the_rows_not_the_files(tmp_path: Path) -> None:
    # The same 4,000 rows, in 4,000 snapshots of one import and in 40 of 100: each read in
    # a fresh process, its peak memory. Each file read once cost about 23 KB (its bytes,
    # and Arrow's buffers for each column) until the whole lake was stacked: 90 MB more
    # for the many files. Read in batches, a file costs a few hundred bytes of catalogue.
    from concurrent.futures import ThreadPoolExecutor

    start = pd.Timestamp("2025-01-01T00:00:00Z")
    n = 4_000

    def lake(name: str, files: int) -> Path:
        per = n // files

        def one(i: int) -> None:
            records = [{"id": f"{i}-{k}", "status": "InProgress"} for k in range(per)]
            when = start + pd.Timedelta(minutes=5 * i)
            write_snapshot(to_frame(records, listed_at=when, index_host="h"), tmp_path / name)

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(one, range(files)))
        return tmp_path / name

    def peak_kb(root: Path) -> int:
        proc = subprocess.run(
            [sys.executable, "-c", _PEAK_OF_A_READ, str(root)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        got = json.loads(proc.stdout)
        assert got["rows"] == n
        return int(got["kb"])

    many, few = peak_kb(lake("many", n)), peak_kb(lake("few", n // 100))
    print(f"peak memory of the read: {many} KB for {n} files, {few} KB for {n // 100}")
    assert many - few < n * 4  # KB: under 4 KB a file (it was about 23)
