"""A file named and signed as a snapshot but holding other content is skipped, saying why.

Each test writes real snapshots, rewrites one with pyarrow (its metadata kept, as a
foreign writer or a hand edit would), and reads the lake as a user does: the file is
skipped with one SkippedFileWarning naming it and the reason, every other row is there.
"""

from __future__ import annotations

import io
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.errors import ConfigurationError, SkippedFileWarning
from pinecone_imports_frame.frame import to_frame
from pinecone_imports_frame.snapshots import (
    compact_snapshots,
    list_snapshots,
    read_snapshots,
    write_snapshot,
)

HOST = "idx-1a2b3c.svc.aped-4627-b74a.pinecone.io"
TIMES = ("2025-05-01T10:00:00Z", "2025-05-01T11:00:00Z", "2025-05-01T12:00:00Z")


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def _shift(table: pa.Table, rows: slice, by: pd.Timedelta) -> pa.Table:
    stamps = table["listed_at"].to_pylist()
    stamps[rows] = [t + by.to_pytimedelta() for t in stamps[rows]]
    return _set(table, "listed_at", pa.array(stamps, table.schema.field("listed_at").type))


def _first_null(table: pa.Table, name: str) -> pa.Table:
    values = table[name].to_pylist()
    return _set(table, name, pa.array([None, *values[1:]], table.schema.field(name).type))


#: How a snapshot's content is tampered with; the reason the warning must give; the file's
#: status in list_snapshots (which reads footers only: a column's type shows there, a
#: row's value does not).
TAMPERED: dict[str, tuple[Callable[[pa.Table], pa.Table], str, str]] = {
    "listed_at_null": (
        lambda t: _first_null(t, "listed_at"),
        "1 row(s) have no listed_at",
        "ok",
    ),
    "listed_at_not_the_name": (
        lambda t: _shift(t, slice(None), pd.Timedelta(microseconds=1)),
        "listed_at values are not the one instant in its name",
        "ok",
    ),
    "listed_at_two_instants": (
        lambda t: _shift(t, slice(-1, None), pd.Timedelta(hours=1)),
        "listed_at values are not the one instant in its name",
        "ok",
    ),
    "status_int": (
        lambda t: _set(t, "status", pa.array(range(1, t.num_rows + 1), pa.int64())),
        "its column status is int64",
        "corrupt",
    ),
    "percent_complete_bool": (
        lambda t: _set(t, "percent_complete", pa.array([True] * t.num_rows)),
        "its column percent_complete is bool",
        "corrupt",
    ),
    "records_imported_float": (
        lambda t: _set(t, "records_imported", pc.cast(t["records_imported"], pa.float64())),
        "its column records_imported is double",
        "corrupt",
    ),
    "id_int": (
        lambda t: _set(t, "id", pa.array(range(t.num_rows), pa.int64())),
        "its column id is int64",
        "corrupt",
    ),
    "created_at_nanoseconds": (
        lambda t: _set(t, "created_at", pc.cast(t["created_at"], pa.timestamp("ns", "UTC"))),
        "its column created_at is timestamp[ns, tz=UTC]",
        "corrupt",
    ),
    "no_id_column": (
        lambda t: t.drop_columns(["id"]),
        "it has no id column",
        "corrupt",
    ),
    "duplicate_id_column": (
        lambda t: t.append_column("id", t["id"]),
        "it has two columns of the same name",
        "corrupt",
    ),
}


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return Emulator(imports=30, seed=3).records()


def _frames(records: list[dict[str, Any]]) -> list[pd.DataFrame]:
    return [to_frame(records, listed_at=t, index_host=HOST) for t in TIMES]


def _stacked(*frames: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["listed_at", "id"], kind="stable")
        .reset_index(drop=True)
    )


def _tampered_bytes(data: bytes, how: Callable[[pa.Table], pa.Table]) -> bytes:
    table = pq.read_table(pa.BufferReader(data))
    assert table.schema.metadata  # this package's key-value pairs: they stay
    changed = how(table).replace_schema_metadata(table.schema.metadata)
    sink = io.BytesIO()
    pq.write_table(changed, sink)
    return sink.getvalue()


def _lake_with_one_tampered(
    root: Path, records: list[dict[str, Any]], kind: str
) -> tuple[list[pd.DataFrame], list[str], Path]:
    """Three snapshots written as the package writes them; the middle one then tampered."""
    frames = _frames(records)
    paths = [write_snapshot(df, root) for df in frames]
    bad = Path(paths[1])
    bad.write_bytes(_tampered_bytes(bad.read_bytes(), TAMPERED[kind][0]))
    return frames, paths, bad


def _skipped(caught: Any) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, SkippedFileWarning)]


@pytest.mark.parametrize("kind", sorted(TAMPERED))
def test_a_tampered_snapshot_is_skipped_saying_why(
    kind: str, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    _, reason, listed_as = TAMPERED[kind]
    frames, paths, bad = _lake_with_one_tampered(tmp_path, records, kind)

    with pytest.warns(SkippedFileWarning) as caught:
        got = read_snapshots(tmp_path)
    pd.testing.assert_frame_equal(got, _stacked(frames[0], frames[2]))
    (message,) = _skipped(caught)
    assert str(bad) in message
    assert reason in message

    # A window that holds the file reads its neighbours and skips it alike.
    with pytest.warns(SkippedFileWarning):
        window = read_snapshots(tmp_path, since=TIMES[1])
    assert window["listed_at"].eq(pd.Timestamp(TIMES[2])).all()

    listed = list_snapshots(tmp_path)
    status = dict(zip(listed["path"], listed["file_status"], strict=True))
    assert status == {paths[0]: "ok", paths[1]: listed_as, paths[2]: "ok"}


@pytest.mark.parametrize("kind", ["listed_at_two_instants", "status_int"])
def test_compaction_leaves_a_tampered_snapshot_alone(
    kind: str, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    _, reason, _ = TAMPERED[kind]
    frames, paths, bad = _lake_with_one_tampered(tmp_path, records, kind)
    before = bad.read_bytes()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkippedFileWarning)  # whether it says so: not here
        done = compact_snapshots(tmp_path, older_than="1d")
    assert len(done) == 1  # the day's two good snapshots, merged
    assert not Path(paths[0]).exists() and not Path(paths[2]).exists()
    assert bad.read_bytes() == before  # not merged, not removed

    with pytest.warns(SkippedFileWarning) as caught:
        got = read_snapshots(tmp_path)
    pd.testing.assert_frame_equal(got, _stacked(frames[0], frames[2]))
    (message,) = _skipped(caught)
    assert str(bad) in message and reason in message


def test_a_file_in_a_date_folder_for_no_date_is_foreign_and_warned_about(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    frames = _frames(records)
    paths = [write_snapshot(df, tmp_path) for df in frames[:2]]
    odd = Path(paths[0]).parent.with_name("date=garbage") / Path(paths[0]).name
    odd.parent.mkdir()
    shutil.copyfile(paths[0], odd)

    for window in ({}, {"since": TIMES[1]}):  # no window can tell it out
        with pytest.warns(SkippedFileWarning) as caught:
            got = read_snapshots(tmp_path, **window)
        (message,) = _skipped(caught)
        assert str(odd) in message
    pd.testing.assert_frame_equal(read_snapshots_quietly(tmp_path), _stacked(*frames[:2]))

    listed = list_snapshots(tmp_path)
    status = dict(zip(listed["path"], listed["file_status"], strict=True))
    assert status == {paths[0]: "ok", paths[1]: "ok", str(odd): "foreign"}
    assert len(got) == len(frames[1])


def read_snapshots_quietly(root: Path) -> pd.DataFrame:
    with pytest.warns(SkippedFileWarning):
        return read_snapshots(root)


def test_columns_empty_is_refused_not_an_empty_frame(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    write_snapshot(_frames(records)[0], tmp_path)
    with pytest.raises(ConfigurationError, match=r"columns=\[\] selects no column"):
        read_snapshots(tmp_path, columns=[])


def test_rows_with_no_id_or_status_are_read_back_as_written(tmp_path: Path) -> None:
    # to_frame keeps a record whose id or status is missing (NA, with a warning where a
    # value was bad): write_snapshot stores it, so it is this package's content, read back.
    records = [{"id": "1", "status": "Pending"}, {"status": "Pending"}, {"id": "3"}]
    df = to_frame(records, listed_at=TIMES[0], index_host=HOST)
    write_snapshot(df, tmp_path)
    got = read_snapshots(tmp_path)
    assert got["id"].isna().sum() == 1 and got["status"].isna().sum() == 1


@pytest.mark.parametrize("kind", ["listed_at_two_instants", "status_int", "duplicate_id_column"])
def test_a_tampered_snapshot_on_s3_is_skipped_saying_why(
    kind: str, s3_lake: tuple[str, dict[str, Any]], records: list[dict[str, Any]]
) -> None:
    import s3fs

    root, options = s3_lake
    how, reason, listed_as = TAMPERED[kind]
    frames = _frames(records)
    paths = [write_snapshot(df, root, storage_options=options) for df in frames]
    fs = s3fs.S3FileSystem(**options)
    fs.pipe_file(paths[1], _tampered_bytes(bytes(fs.cat_file(paths[1])), how))
    fs.invalidate_cache()

    with pytest.warns(SkippedFileWarning) as caught:
        got = read_snapshots(root, storage_options=options)
    pd.testing.assert_frame_equal(got, _stacked(frames[0], frames[2]))
    (message,) = _skipped(caught)
    assert paths[1] in message and reason in message
    listed = list_snapshots(root, storage_options=options)
    status = dict(zip(listed["path"], listed["file_status"], strict=True))
    assert status[paths[1]] == listed_as


@pytest.mark.parametrize("kind", ["status_int", "duplicate_id_column"])
def test_a_damaged_snapshot_is_skipped_whatever_columns_are_read(
    kind: str, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    # status is judged from the footer, not decoded, when only other columns are read
    _, reason, _ = TAMPERED[kind]
    frames, _, bad = _lake_with_one_tampered(tmp_path, records, kind)

    with pytest.warns(SkippedFileWarning) as caught:
        got = read_snapshots(tmp_path, columns=["id"])
    pd.testing.assert_frame_equal(got, _stacked(frames[0], frames[2])[["id"]])
    (message,) = _skipped(caught)
    assert str(bad) in message and reason in message


def test_files_that_pass_alone_are_never_dropped_silently(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    # Internal: the stacked check of a group of files fails while every file passes
    # alone (a listing's row count that disagrees with its rows, which no reader gives
    # today). Each file is judged alone then: none fails, so all are kept, none skipped.
    from pinecone_imports_frame.frame import micros
    from pinecone_imports_frame.snapshots import _decode
    from pinecone_imports_frame.snapshots._layout import FILE_COLUMNS, SnapshotFile

    paths = [write_snapshot(df, tmp_path) for df in _frames(records)[:2]]
    files = [
        SnapshotFile(p, HOST, TIMES[0][:10], micros(pd.Timestamp(t)), None)
        for p, t in zip(paths, TIMES, strict=False)
    ]
    tables = [pq.read_table(p).replace_schema_metadata(None) for p in paths]
    first = files[0]
    runs = {first.path: [(first.listed_us or 0, tables[0].num_rows + 1)]}
    skipped: list[tuple[SnapshotFile, str]] = []

    got = _decode._stack_group(tables, files, list(FILE_COLUMNS), skipped, runs)
    assert skipped == []
    assert got is not None and got.num_rows == sum(t.num_rows for t in tables)
