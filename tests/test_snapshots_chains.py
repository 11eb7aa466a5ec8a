"""Compacted days joined without a sort (``snapshots/_chains.py``) give the runs a sort gives.

``read_history`` joins an index's compacted days, read whole and in time order, by
looking each day's first runs up among the day before's last. These tests hold it to
``to_runs(read_snapshots(...))`` where that shortcut could go wrong: a listing written
late between two compacted days, a day whose runs are not stored as compaction stores
them (so the reader must merge it by sorting), runs crossing many midnights, and a read
of some index names only.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pinecone_imports_frame import (
    compact_snapshots,
    list_snapshots,
    read_history,
    read_snapshots,
    to_frame,
    write_snapshot,
)
from pinecone_imports_frame.runs import to_listings, to_runs
from pinecone_imports_frame.snapshots._catalog import RUNS_KEY


def _write(root: str, host: str, stamps: Any, records_at: Any) -> None:
    for t in stamps:
        frame = to_frame(records_at(t), listed_at=t, index_host=host, index_name="idx")
        write_snapshot(frame, root)


def _expected(root: str, **kw: Any) -> pd.DataFrame:
    history = read_history(root, **kw)
    listings = read_snapshots(root, **kw)
    pd.testing.assert_frame_equal(to_listings(history), listings)
    pd.testing.assert_frame_equal(history, to_runs(listings, history.attrs["listings"]))
    return history


def _done(i: int) -> dict[str, Any]:
    return {"id": f"imp-{i}", "uri": f"s3://b/{i}", "status": "Completed", "percentComplete": 100.0}


def test_runs_crossing_many_midnights_are_one_run_each(tmp_path: Any) -> None:
    root = str(tmp_path / "lake")
    stamps = pd.date_range("2025-05-01T00:00Z", "2025-05-05T23:00Z", freq="4h")
    for host in ("a.svc.pinecone.io", "b.svc.pinecone.io"):
        # imp-0 all along; imp-1 changes state each day; imp-2 vanishes on May 3rd.
        def records(t: pd.Timestamp) -> list[dict[str, Any]]:
            out = [_done(0), {**_done(1), "recordsImported": t.day}]
            return out if t.day == 3 else [*out, _done(2)]

        _write(root, host, stamps, records)
    compact_snapshots(root)
    assert list_snapshots(root)["path"].str.endswith(".runs.parquet").all()
    runs = _expected(root)
    one = runs[runs["id"] == "imp-0"]
    assert one["listings"].tolist() == [30, 30]  # five days, one run per index
    assert runs[runs["id"] == "imp-1"]["listings"].tolist() == [6] * 10
    assert runs[runs["id"] == "imp-2"]["listings"].tolist() == [12, 12, 12, 12]


def test_a_listing_written_late_between_two_compacted_days_ends_the_runs_it_lacks(
    tmp_path: Any,
) -> None:
    root = str(tmp_path / "lake")
    stamps = pd.date_range("2025-05-01T23:00Z", "2025-05-02T01:00Z", freq="5min")
    _write(root, "h", stamps, lambda t: [_done(0)])
    compact_snapshots(root)
    # After compaction, a listing of 23:58 lands, in which the import is missing.
    _write(root, "h", [pd.Timestamp("2025-05-01T23:58Z")], lambda t: [])
    runs = _expected(root)
    assert runs["listings"].tolist() == [12, 13]
    assert runs["last_listed_at"].iloc[0] == pd.Timestamp("2025-05-01T23:55Z")


def _rewrite(path: str, table: pa.Table) -> None:
    """Rewrite a runs file's rows, its footer's listings kept (a day not as compaction writes)."""
    meta = dict(pq.read_schema(path).metadata or {})
    meta[RUNS_KEY] = str(table.num_rows).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)


def test_a_day_whose_runs_are_not_merged_is_merged_by_sorting(tmp_path: Any) -> None:
    root = str(tmp_path / "lake")
    stamps = pd.date_range("2025-05-01T22:00Z", "2025-05-02T02:00Z", freq="30min")
    _write(root, "h", stamps, lambda t: [_done(0), _done(1)])
    before = read_snapshots(root)
    compact_snapshots(root)
    (first_day,) = [p for p in list_snapshots(root)["path"].unique() if "2025-05-01" in p]
    stored = pq.read_table(first_day)
    # imp-0's run of 4 listings stored as two runs of 2, back to back, in the same state.
    i = stored["id"].to_pylist().index("imp-0")
    split = [stored.slice(0, i), stored.slice(i, 1), stored.slice(i, 1), stored.slice(i + 1)]
    table = pa.concat_tables(split)
    last = table["last_listed_at"].to_pylist()
    first = table["first_listed_at"].to_pylist()
    mid = pd.Timestamp("2025-05-01T23:00Z")
    last[i], first[i + 1] = mid, mid + pd.Timedelta(minutes=30)
    listings = table["listings"].to_pylist()
    listings[i], listings[i + 1] = 3, 1
    for name, values in (("first_listed_at", first), ("last_listed_at", last)):
        table = table.set_column(
            table.column_names.index(name), name, pa.array(values, table[name].type)
        )
    table = table.set_column(
        table.column_names.index("listings"), "listings", pa.array(listings, pa.int64())
    )
    _rewrite(first_day, table)
    assert pq.read_metadata(first_day).num_rows == stored.num_rows + 1
    pd.testing.assert_frame_equal(read_snapshots(root), before)
    runs = _expected(root)
    assert runs["listings"].tolist() == [9, 9]  # one run each, across midnight


def test_a_day_whose_runs_are_out_of_order_reads_the_same(tmp_path: Any) -> None:
    root = str(tmp_path / "lake")
    stamps = pd.date_range("2025-05-01T22:00Z", "2025-05-02T02:00Z", freq="30min")
    _write(root, "h", stamps, lambda t: [_done(i) for i in range(5)])
    compact_snapshots(root)
    expected = read_history(root)
    for path in list_snapshots(root)["path"].unique():
        stored = pq.read_table(path)
        _rewrite(path, stored.take(pa.array(list(reversed(range(stored.num_rows))))))
    runs = _expected(root)
    pd.testing.assert_frame_equal(runs, expected)
    assert runs["listings"].tolist() == [9] * 5


def test_some_index_names_only(tmp_path: Any) -> None:
    root = str(tmp_path / "lake")
    stamps = pd.date_range("2025-05-01T23:00Z", "2025-05-02T01:00Z", freq="30min")

    def records(t: pd.Timestamp) -> list[dict[str, Any]]:
        return [_done(0)]

    for t in stamps:  # the index is renamed at midnight
        name = "old" if t.day == 1 else "new"
        write_snapshot(to_frame(records(t), listed_at=t, index_host="h", index_name=name), root)
    compact_snapshots(root)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runs = _expected(root, index_name="new")
    assert runs["listings"].tolist() == [3]
    assert _expected(root)["listings"].tolist() == [2, 3]


def test_a_read_leaves_arrow_s_default_pool_as_it_found_it(tmp_path: Any) -> None:
    """A read allocates from the system pool (snapshots/_pool.py), then puts the default back."""
    from concurrent.futures import ThreadPoolExecutor

    from pinecone_imports_frame.snapshots import _pool

    root = str(tmp_path / "lake")
    stamps = pd.date_range("2025-05-01T23:00Z", "2025-05-02T01:00Z", freq="30min")
    _write(root, "h", stamps, lambda t: [_done(0), _done(1)])
    compact_snapshots(root)
    before = pa.default_memory_pool()
    seen = []
    original = _pool.pa.set_memory_pool

    def spy(pool: pa.MemoryPool) -> None:
        seen.append(pool.backend_name)
        original(pool)

    _pool.pa.set_memory_pool = spy  # type: ignore[assignment]
    try:
        with ThreadPoolExecutor(4) as pool:  # reads at once: one switch, one switch back
            frames = list(pool.map(lambda _: read_history(root), range(8)))
        listings = read_snapshots(root)  # the same for read_snapshots
    finally:
        _pool.pa.set_memory_pool = original  # type: ignore[assignment]
    assert pa.default_memory_pool().backend_name == before.backend_name
    if before.backend_name != "system":
        assert seen[0] == "system" and seen[-1] == before.backend_name and len(seen) % 2 == 0
        assert seen[-2:] == ["system", before.backend_name]  # read_snapshots' own switch
    assert len(listings) == 10
    for frame in frames:  # buffers of the system pool outlive the switch back
        pd.testing.assert_frame_equal(frame, frames[0])
    assert frames[0]["listings"].tolist() == [5, 5]


def test_days_then_newer_listing_files_need_no_sort_of_every_run(
    tmp_path: Any, monkeypatch: Any
) -> None:
    """A lake as it usually is: compacted days, then today's listing files. The days' runs
    are joined in order and the files' runs merged with those still open; no sort of every
    run at the end (the reader once read the files first, and then sorted everything)."""
    from pinecone_imports_frame import runs as runs_module

    root = str(tmp_path / "lake")
    days = pd.date_range("2025-05-01T00:00Z", "2025-05-03T23:00Z", freq="6h")
    today = pd.date_range("2025-05-04T00:00Z", periods=3, freq="6h")

    def records(t: pd.Timestamp) -> list[dict[str, Any]]:
        return [{**_done(i), "recordsImported": t.day if i % 2 else 0} for i in range(40)]

    _write(root, "h", days, records)
    compact_snapshots(root)  # (then the newer files come)
    _write(root, "h", today, records)
    paths = list_snapshots(root)["path"].drop_duplicates()
    assert paths.str.endswith(".runs.parquet").sum() == 3 and len(paths) == 6
    sizes: list[int] = []
    real = runs_module.normalize

    def spy(table: pa.Table, *args: Any, **kw: Any) -> Any:
        sizes.append(table.num_rows)
        return real(table, *args, **kw)

    monkeypatch.setattr(runs_module, "normalize", spy)
    runs = read_history(root)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(runs, _expected(root))
    # 20 imports all along, 20 changing each day: 20 + 4 x 20 runs.
    assert len(runs) == 100 and runs["listings"].max() == 15
    # Merged: the 40 runs still open after the days and the files' 120 rows, not all runs.
    assert sizes == [160]


def test_a_lake_that_moves_under_every_read_is_an_error_not_a_frame(
    tmp_path: Any, monkeypatch: Any
) -> None:
    """Each read of the history met listings moved by another process: no frame is made of
    a lake at no one moment; the error says what happened and what to do."""
    import pytest

    from pinecone_imports_frame import SnapshotError
    from pinecone_imports_frame.snapshots import _history

    root = str(tmp_path / "lake")
    _write(root, "h", pd.date_range("2025-05-01T23:00Z", periods=3, freq="30min"), lambda t: [])
    reads = []

    def moving(self: Any, *args: Any) -> bool:
        reads.append(1)
        return True  # as if a compaction had moved a listing already read

    monkeypatch.setattr(_history._HistoryReader, "_reads_again", moving)
    with pytest.raises(SnapshotError, match="kept changing while its history was read") as info:
        read_history(root)
    assert root in str(info.value) and "read it again" in str(info.value)
    assert len(reads) == _history.MAX_LOOKS


def _interleaved_day(tmp_path: Any) -> str:
    """A day of one index held by two runs files whose listings interleave in time.

    Two compactions running at once, each merging the files it saw, leave such a day
    (the next compaction merges the two): here the first holds the listings on the hour
    (00:00 to 08:00), the second those at half past (05:30 to 09:30), and a listing
    file stays after them. Every import is in every listing, so a run of either file
    spans the other's listings between its first and last.
    """
    root, other = str(tmp_path / "lake"), str(tmp_path / "other")
    on_the_hour = pd.date_range("2025-05-01T00:00Z", "2025-05-01T08:00Z", freq="1h")
    half_past = pd.date_range("2025-05-01T05:30Z", "2025-05-01T09:30Z", freq="1h")

    def records(t: pd.Timestamp) -> list[dict[str, Any]]:
        return [_done(0), {**_done(1), "recordsImported": 1 if t.hour < 7 else 2}]

    _write(root, "h", on_the_hour, records)
    _write(other, "h", half_past, records)
    compact_snapshots(root)
    compact_snapshots(other)
    (runs_file,) = (tmp_path / "other").rglob("*.runs.parquet")
    (day_folder,) = {p.parent for p in (tmp_path / "lake").rglob("*.runs.parquet")}
    runs_file.rename(day_folder / runs_file.name)
    _write(root, "h", [pd.Timestamp("2025-05-01T12:00Z")], records)
    return root


def test_a_day_held_by_two_runs_files_whose_listings_interleave_counts_each_listing_once(
    tmp_path: Any,
) -> None:
    """Each file's runs were taken as they were stored: a run spanning the other file's
    listings counted them again (two compactions at once made the lake so)."""
    root = _interleaved_day(tmp_path)
    listings = read_snapshots(root)
    assert len(listings) == 2 * 15  # two imports in each of 9 + 5 + 1 listings
    runs = _expected(root)
    assert runs.groupby("id")["listings"].sum().tolist() == [15, 15]
    assert runs[runs["id"] == "imp-0"]["listings"].tolist() == [15]
    # Read through a window that cuts the files (they are then read by listings).
    window = {"since": "2025-05-01T03:00Z", "until": "2025-05-01T10:00Z"}
    assert _expected(root, **window).groupby("id")["listings"].sum().tolist() == [11, 11]
    # And the next compaction merges the day into one file, as ever.
    compact_snapshots(root)
    assert list_snapshots(root)["path"].nunique() == 1
    pd.testing.assert_frame_equal(to_listings(_expected(root)), listings)


def test_a_snapshot_file_skipped_as_unreadable_is_no_listing_of_the_history(
    tmp_path: Any,
) -> None:
    """An empty file named as a snapshot was skipped, with a warning, yet its name stood
    as a listing in which no import was: every run ended there, and the trends and the
    report showed a listing of zeros."""
    import pytest

    from pinecone_imports_frame import SkippedFileWarning

    root = str(tmp_path / "lake")
    stamps = pd.date_range("2025-05-01T10:00Z", "2025-05-01T10:40Z", freq="10min")
    _write(root, "h", stamps, lambda t: [_done(0), _done(1)])
    compact_snapshots(root)  # a day of runs, then files after it
    _write(root, "h", pd.date_range("2025-05-02T10:00Z", periods=3, freq="10min"),
           lambda t: [_done(0), _done(1)])  # fmt: skip
    (folder,) = {p.parent for p in (tmp_path / "lake").rglob("20250502T*.parquet")}
    (folder / "20250502T100500.000000Z-0000deadbeef.parquet").write_bytes(b"")
    for kw in ({}, {"since": "2025-05-01T10:05Z"}):
        with pytest.warns(SkippedFileWarning, match="0000deadbeef"):
            runs = read_history(root, **kw)
        assert len(runs.attrs["listings"]) == (8 if not kw else 7)
        assert runs["listings"].tolist() == ([8, 8] if not kw else [7, 7])
