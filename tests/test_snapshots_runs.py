"""The lake stores what changed (issue 19): compaction writes runs, every listing comes back.

Random histories (imports that vanish for a listing and come back, ids missing, API
versions changing, listings crossing midnight) are written to a lake on local disk and
on moto's S3 server, compacted, pruned out of the middle of a run; ``read_snapshots``
gives back exactly what was written, ``read_history`` gives the runs of it, and the
runs rebuild the listings.
"""

from __future__ import annotations

import secrets
import warnings
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from everyday import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from runs_histories import frame_of, histories
from test_snapshots_errors import Lake, lake

from pinecone_imports_frame import (
    compact_snapshots,
    list_snapshots,
    read_history,
    read_snapshots,
    schema,
    to_frame,
    write_snapshot,
)
from pinecone_imports_frame.runs import ListingInstants, to_listings, to_runs
from pinecone_imports_frame.snapshots._inventory import settled_entries
from pinecone_imports_frame.snapshots._prune import remove
from pinecone_imports_frame.snapshots._store import open_store

__all__ = ["lake"]  # a fixture, used by name
BACKENDS = ("numpy_nullable", "pyarrow")


def _fresh(lake: Lake) -> tuple[str, dict[str, Any] | None]:
    root, options = lake
    return f"{root}-{secrets.token_hex(4)}", options


def _write(history: list[Any], root: str, options: dict[str, Any] | None) -> None:
    for listing in history:
        write_snapshot(frame_of(listing, "numpy_nullable"), root, storage_options=options)


def _instants(history: list[Any]) -> ListingInstants:
    return ListingInstants(
        {h: [t for hh, t, *_ in history if hh == h] for h in {x[0] for x in history}}
    )


def _check(root: str, options: dict[str, Any] | None, backend: str) -> pd.DataFrame:
    """read_history is the runs of read_snapshots, and rebuilds it exactly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unknown status "Paused"
        listings = read_snapshots(root, storage_options=options, dtype_backend=backend)  # type: ignore[arg-type]
        history = read_history(root, storage_options=options, dtype_backend=backend)  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(to_listings(history), listings)
        expected = to_runs(listings, history.attrs["listings"])
    pd.testing.assert_frame_equal(history, expected)
    assert list(history.columns) == list(schema.RUN_COLUMN_NAMES)
    return listings


@pytest.mark.parametrize("lake", ["local", "s3"], indirect=True)
@settings(
    max_examples=examples(12),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories(max_listings=7, days=3), data=st.data())
def test_compaction_to_runs_and_prune_give_back_every_listing(
    lake: Lake, history: list[Any], data: st.DataObject
) -> None:
    backend = data.draw(st.sampled_from(BACKENDS))
    root, options = _fresh(lake)
    _write(history, root, options)
    before = _check(root, options, backend)
    runs_before = read_history(root, storage_options=options)
    assert runs_before.attrs["listings"] == _instants(history)

    compact_snapshots(root, storage_options=options)
    listed = list_snapshots(root, storage_options=options)
    assert (listed["file_listings"] > 1).any() or listed.groupby(
        ["index_host", "date"]
    ).size().max() == 1
    runs_files = {p for p in listed["path"] if p.endswith(".runs.parquet")}
    assert runs_files or listed["file_listings"].max() == 1
    after = _check(root, options, backend)
    pd.testing.assert_frame_equal(after, before)  # same frame as before compaction
    pd.testing.assert_frame_equal(read_history(root, storage_options=options), runs_before)

    # A listing pruned out of the middle of a compacted day: its runs shorten (or join).
    store = open_store(root, options)
    entries = settled_entries(store, "prune")
    middle = [
        e
        for e in entries
        if e.listing is not None
        and e.file.is_runs
        and e.file_listings > 2
        and e.listing.listed_us not in (e.file.listed_us, e.file.last_listed_us)
    ]
    if middle:
        victim = data.draw(st.sampled_from(middle))
        remove(store, [victim], entries, lambda: settled_entries(store, "prune"))
        gone = pd.Timestamp(victim.listing.listed_us, unit="us", tz="UTC")
        pruned = _check(root, options, backend)
        keep = (before["listed_at"] != gone) | (before["index_host"] != victim.file.host)
        pd.testing.assert_frame_equal(pruned, before[keep].reset_index(drop=True))
        instants = read_history(root, storage_options=options).attrs["listings"]
        assert gone not in instants.by_host()[victim.file.host]


def _day_of(host: str, t: str, records: list[dict[str, Any]]) -> tuple[Any, ...]:
    return (host, pd.Timestamp(t), records, "2025-10", "idx")


def test_a_run_across_midnight_and_into_uncompacted_files_is_one_run(tmp_path: Any) -> None:
    root = str(tmp_path / "lake")
    one = {"id": "1", "status": "InProgress", "createdAt": "2025-05-01T00:00Z"}
    today = pd.Timestamp.now(tz="UTC").floor("min")
    times = ["2025-05-01T23:50Z", "2025-05-01T23:55Z", "2025-05-02T00:00Z", "2025-05-02T00:05Z"]
    history = [_day_of("h", t, [one]) for t in times]
    history.append(_day_of("h", str(today - pd.Timedelta(minutes=5)), []))  # nothing listed
    history.append(_day_of("h", str(today), [one]))
    _write(history, root, None)
    compact_snapshots(root)
    runs = read_history(root)
    # Two compacted days and one uncompacted file: one run of 4, then the import vanished.
    assert runs["listings"].tolist() == [4, 1]
    assert runs["elapsed"].iloc[0] == pd.Timestamp("2025-05-02T00:05Z") - pd.Timestamp(
        "2025-05-01T00:00Z"
    )
    window = read_history(root, since="2025-05-01T23:55Z", until="2025-05-02T00:01Z")
    assert window["listings"].tolist() == [2]
    assert window["first_listed_at"].tolist() == [pd.Timestamp("2025-05-01T23:55Z")]


def test_a_compacted_day_stores_runs_not_listings(tmp_path: Any) -> None:
    root = str(tmp_path / "lake")
    records = [{"id": str(i), "status": "Completed"} for i in range(50)]
    stamps = pd.date_range("2025-05-01T00:00Z", periods=100, freq="5min")
    _write([_day_of("h", str(t), records) for t in stamps], root, None)
    before = read_snapshots(root)
    compact_snapshots(root)
    (path,) = [p for p in list_snapshots(root)["path"].unique()]
    assert path.endswith(".runs.parquet")
    assert pq.ParquetFile(path).metadata.num_rows == 50  # not 5,000
    pd.testing.assert_frame_equal(read_snapshots(root), before)


def test_a_lake_compacted_by_the_previous_release_is_read_and_compacted_to_runs(
    tmp_path: Any,
) -> None:
    from pinecone_imports_frame.snapshots import _compact

    root = str(tmp_path / "lake")
    one = {"id": "1", "status": "InProgress"}
    stamps = pd.date_range("2025-05-01T00:00Z", periods=6, freq="5min")
    _write([_day_of("h", str(t), [one]) for t in stamps], root, None)
    before = read_snapshots(root)
    # The previous release's layout: every listing's rows, offsets in the footer.
    store = open_store(root, None)
    entries = settled_entries(store, "x")
    parts = [(e.listing, t) for e in entries for t in [None] if e.listing is not None]
    from pinecone_imports_frame.snapshots._decode import read_stored

    got, _ = read_stored(store, [(e.file, [e.listing]) for e in entries if e.listing])
    old = _write_old(store, got)
    for e in entries:
        store.remove(e.file.path)
    assert not old.endswith(".runs.parquet") and parts
    pd.testing.assert_frame_equal(read_snapshots(root), before)
    assert read_history(root)["listings"].tolist() == [6]
    done = compact_snapshots(root)
    assert done["path"].iloc[0].endswith(".runs.parquet") and _compact
    pd.testing.assert_frame_equal(read_snapshots(root), before)


def _write_old(store: Any, parts: list[Any]) -> str:
    """Write a compacted file as the previous release did (every listing's rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from pinecone_imports_frame.snapshots._catalog import Listing, listings_json
    from pinecone_imports_frame.snapshots._layout import DATE_KEY, compacted_name, encode_host
    from pinecone_imports_frame.snapshots._write import encode_parquet

    parts = sorted(parts, key=lambda p: p[0].listed_us)
    merged, offset = [], 0
    for x, t in parts:
        merged.append(Listing(x.name, x.listed_us, t.num_rows, offset, x.meta))
        offset += t.num_rows
    table = pa.concat_tables([t for _, t in parts])
    table = table.set_column(
        table.column_names.index("status"), "status", pc.dictionary_encode(table["status"])
    )
    first = pd.Timestamp(merged[0].listed_us, unit="us", tz="UTC")
    last = pd.Timestamp(merged[-1].listed_us, unit="us", tz="UTC")
    meta = {
        "package_version": "0.9.0",
        "api_version": "2025-10",
        "listed_at": first.isoformat(),
        "index_host": "h",
        "index_name": "idx",
        "rows": str(table.num_rows),
        "schema_version": "1",
        "listings": listings_json(merged),
    }
    name = compacted_name(first, last, "ab12", runs=False)
    path = store.join(encode_host("h"), f"{DATE_KEY}{first.strftime('%Y-%m-%d')}", name)
    store.write_atomic(path, encode_parquet(table, meta))
    return path


@pytest.mark.parametrize("lake", ["local", "s3"], indirect=True)
def test_prune_and_windows_work_on_days_of_runs_as_on_listings(lake: Lake, tmp_path: Any) -> None:
    from pinecone_imports_frame import prune_snapshots

    root, options = lake
    twin = str(tmp_path / "twin")  # the same listings, never compacted
    states = ["Pending", "InProgress", "InProgress", "Completed"]
    history = []
    for i, t in enumerate(pd.date_range("2025-05-01T22:00Z", periods=12, freq="47min")):
        records = [
            {"id": str(k), "status": states[min(3, (i + k) // 3)], "recordsImported": i // 4}
            for k in range(4)
            if (i + k) % 5
        ]
        history.append(_day_of("h", str(t), records))
    _write(history, root, options)
    _write(history, twin, None)
    compact_snapshots(root, storage_options=options)
    assert any(
        p.endswith(".runs.parquet") for p in list_snapshots(root, storage_options=options)["path"]
    )
    for since, until in [
        ("2025-05-02T01:00Z", "2025-05-02T05:00Z"),
        (None, "2025-05-02"),
        ("2025-05-02T03:00Z", None),
    ]:
        pd.testing.assert_frame_equal(
            read_snapshots(root, since=since, until=until, storage_options=options),
            read_snapshots(twin, since=since, until=until),
        )
        pd.testing.assert_frame_equal(
            read_history(root, since=since, until=until, storage_options=options),
            read_history(twin, since=since, until=until),
        )
    for kw in ({"keep_last": 9}, {"keep_last": 3}):
        a = prune_snapshots(root, storage_options=options, **kw)
        b = prune_snapshots(twin, **kw)
        assert sorted(a["listed_at"]) == sorted(b["listed_at"]) and len(a)
        pd.testing.assert_frame_equal(
            read_snapshots(root, storage_options=options), read_snapshots(twin)
        )
        pd.testing.assert_frame_equal(
            read_history(root, storage_options=options), read_history(twin)
        )
        listed = list_snapshots(root, storage_options=options)
        assert sorted(listed["listed_at"]) == sorted(list_snapshots(twin)["listed_at"])


def test_two_indexes_listed_at_one_instant_read_in_the_order_runs_give(tmp_path: Any) -> None:
    """Found by hypothesis: an import of one id in two indexes listed at one microsecond
    came back in read order from read_snapshots and by host from to_listings(read_history)."""
    root = str(tmp_path / "lake")
    hosts = {"b.svc.pinecone.io": ["00:00", "00:01", "00:02"], "a.svc.pinecone.io": ["00:01"]}
    for host, times in hosts.items():
        for t in times:
            one = to_frame(
                [{"id": "1", "status": "Pending"}], listed_at=f"2025-05-01T{t}Z", index_host=host
            )
            write_snapshot(one, root)
    compact_snapshots(root)
    listings = read_snapshots(root)
    assert listings["index_host"].tolist()[1:3] == ["a.svc.pinecone.io", "b.svc.pinecone.io"]
    pd.testing.assert_frame_equal(to_listings(read_history(root)), listings)
