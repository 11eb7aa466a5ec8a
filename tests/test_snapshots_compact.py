"""Compaction (issue 12): each day of each index in one file, and no reader can tell.

On local disk and on a real S3 endpoint (moto's server), including a compactor killed
between its steps.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from test_snapshots_errors import Lake, lake, put  # the same lakes: local disk and S3

from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.frame import to_frame
from pinecone_imports_frame.snapshots import (
    compact_snapshots,
    list_snapshots,
    prune_snapshots,
    read_snapshots,
    write_snapshot,
)

__all__ = ["lake"]  # a fixture, used by name
HOSTS = ("a-1a2b3c.svc.aped-4627-b74a.pinecone.io", "127.0.0.1:5081")
NOW = pd.Timestamp.now(tz="UTC").floor("s")
#: The fields of a listing that list_snapshots shows, whichever file holds it.
LISTING = ["index_host", "index_name", "listed_at", "date", "rows", "api_version"]


def build(lake: Lake) -> list[pd.DataFrame]:
    """Three days ago, two days ago and today: listings of two indexes, some at one instant."""
    root, options = lake
    frames = []
    for day in (3, 2, 0):
        for i, hour in enumerate((1, 5, 5, 9)):  # two listings at 05:00 (two writers)
            for h, host in enumerate(HOSTS):
                when = (NOW - pd.Timedelta(days=day)).floor("D") + pd.Timedelta(hours=hour)
                if day == 0:
                    when = min(when, NOW - pd.Timedelta(minutes=1))
                records = Emulator(imports=20 + 7 * i + day, seed=i + h + day).records()
                df = to_frame(
                    records,
                    listed_at=when,
                    index_host=host,
                    index_name=f"index-{h}",
                    api_version="2025-10" if i % 2 else "2025-04",
                )
                df.attrs["api_version"] = df["api_version"].iloc[0]
                write_snapshot(df, root, storage_options=options)
                frames.append(df)
    return frames


def files_per_day(lake: Lake) -> dict[tuple[str, str], int]:
    listed = list_snapshots(lake[0], storage_options=lake[1])
    return listed.groupby(["index_host", "date"])["path"].nunique().to_dict()


def listings(lake: Lake) -> pd.DataFrame:
    listed = list_snapshots(lake[0], storage_options=lake[1])
    assert (listed["file_status"] == "ok").all(), listed["file_status"].tolist()
    return listed[LISTING].sort_values(LISTING).reset_index(drop=True)


def test_readers_see_the_same_lake_after_compaction(lake: Lake) -> None:
    root, options = lake
    build(lake)
    before = read_snapshots(root, storage_options=options)
    inventory = listings(lake)
    yesterday = (NOW - pd.Timedelta(days=2)).floor("D")
    windows = [
        (yesterday + pd.Timedelta(hours=3), yesterday + pd.Timedelta(hours=6)),  # in a day
        (yesterday - pd.Timedelta(hours=20), yesterday + pd.Timedelta(hours=5)),  # across
        (None, yesterday + pd.Timedelta(hours=5, microseconds=1)),
    ]
    windowed = [read_snapshots(root, since=s, until=u, storage_options=options) for s, u in windows]
    one_host = read_snapshots(root, index_host=HOSTS[1], storage_options=options)
    some_columns = read_snapshots(root, columns=["status", "elapsed"], storage_options=options)

    done = compact_snapshots(root, storage_options=options)
    assert sorted(zip(done["index_host"], done["date"], strict=True)) == sorted(
        (h, f"{NOW - pd.Timedelta(days=d):%Y-%m-%d}") for h in HOSTS for d in (3, 2)
    )
    assert (done["files_before"] == 4).all() and (done["listings"] == 4).all()
    per_day = files_per_day(lake)
    today = f"{NOW:%Y-%m-%d}"
    assert all(n == (4 if date == today else 1) for (_, date), n in per_day.items())

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing skipped, nothing odd
        after = read_snapshots(root, storage_options=options)
    pd.testing.assert_frame_equal(after, before)
    pd.testing.assert_frame_equal(listings(lake), inventory)
    for (s, u), expected in zip(windows, windowed, strict=True):
        got = read_snapshots(root, since=s, until=u, storage_options=options)
        pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(
        read_snapshots(root, index_host=HOSTS[1], storage_options=options), one_host
    )
    pd.testing.assert_frame_equal(
        read_snapshots(root, columns=["status", "elapsed"], storage_options=options), some_columns
    )
    pd.testing.assert_frame_equal(
        read_snapshots(root, index_name="index-0", storage_options=options),
        before[before["index_name"] == "index-0"].reset_index(drop=True),
    )
    assert compact_snapshots(root, storage_options=options).empty  # nothing left to do


def test_a_day_is_merged_only_once_all_of_it_is_older_than_the_age(tmp_path: Path) -> None:
    # older_than="1d": the day before yesterday ended more than a day ago and is merged;
    # yesterday ended at midnight, less than a day ago, and stays as written.
    root = str(tmp_path / "lake")
    now = pd.Timestamp.now(tz="UTC")  # this test's own: the module's NOW may be minutes old
    for days_ago in (2, 1):
        for hour in (1, 2):
            when = (now - pd.Timedelta(days=days_ago)).floor("D") + pd.Timedelta(hours=hour)
            frame = to_frame([{"id": "1", "status": "Pending"}], listed_at=when, index_host="h")
            write_snapshot(frame, root)
    merged = compact_snapshots(root, older_than="1d")
    before_yesterday = (now - pd.Timedelta(days=2)).strftime("%Y-%m-%d")
    assert merged["date"].tolist() == [before_yesterday]
    assert files_per_day((root, None)) == {
        ("h", before_yesterday): 1,
        ("h", (now - pd.Timedelta(days=1)).strftime("%Y-%m-%d")): 2,
    }


def test_the_merged_file_is_sorted_in_row_groups_and_lists_its_listings(tmp_path: Path) -> None:
    build((str(tmp_path), None))
    compact_snapshots(tmp_path, index_host=f"http://{HOSTS[1]}/")  # normalised as elsewhere
    listed = list_snapshots(tmp_path)
    merged = listed[listed["file_listings"] == 4]
    assert set(merged["index_host"]) == {HOSTS[1]}
    assert merged["path"].nunique() == 2
    path = merged["path"].iloc[0]
    assert Path(path).name.count("Z") == 2  # first and last listed_at in its name
    # Two listings at 05:00 (two writers): runs could not tell them apart, so the day
    # keeps every listing's rows (a day of runs: tests/test_snapshots_runs.py).
    assert not path.endswith(".runs.parquet")
    pf = pq.ParquetFile(path)
    meta = pf.metadata.metadata
    held = json.loads(meta[b"pinecone_imports_frame.listings"])
    assert [x["stamp"] for x in held] == sorted(x["stamp"] for x in held)
    assert [x["offset"] for x in held] == [0, *pd.Series([x["rows"] for x in held]).cumsum()[:-1]]
    assert {x["api_version"] for x in held} == {"2025-04", "2025-10"}
    table = pf.read()
    assert table.num_rows == sum(x["rows"] for x in held)
    keys = table.select(["listed_at", "id"]).to_pandas()
    assert keys["listed_at"].is_monotonic_increasing
    single = listed.loc[listed["file_listings"] == 1, "path"].iloc[0]
    assert pf.schema_arrow.equals(pq.ParquetFile(single).schema_arrow)  # the same types


def test_other_readers_see_the_same_rows_after_compaction(tmp_path: Path) -> None:
    import duckdb
    import polars as pl
    import pyarrow.dataset as ds

    build((str(tmp_path), None))

    def counts() -> list[Any]:
        glob = f"{tmp_path}/**/*.parquet"
        rel = duckdb.sql(
            f"select index_host, count(*), sum(records_imported), count(distinct listed_at) "
            f"from read_parquet('{glob}', hive_partitioning = true) group by all order by 1"
        )
        assert rel is not None
        polars = (
            pl.scan_parquet(glob, hive_partitioning=True)
            .group_by("index_host")
            .agg(pl.len(), pl.col("records_imported").sum())
            .sort("index_host")
            .collect()
            .rows()
        )
        arrow = ds.dataset(tmp_path, format="parquet", partitioning="hive").to_table()
        return [rel.fetchall(), polars, arrow.num_rows, arrow.schema.field("status").type]

    before = counts()
    compact_snapshots(tmp_path)
    assert counts() == before


def _killer(step: str, root: str, options: dict[str, Any] | None) -> str:
    return textwrap.dedent(
        f"""
        import os, signal
        from pinecone_imports_frame.snapshots import _compact, compact_snapshots
        def fault(step):
            if step == {step!r}:
                os.kill(os.getpid(), signal.SIGKILL)
        _compact._fault = fault
        compact_snapshots({root!r}, storage_options={options!r})
        """
    )


@pytest.mark.parametrize("step", ["read", "written", "removing"])
def test_a_killed_compactor_leaves_the_lake_readable_and_counted_once(
    lake: Lake, step: str
) -> None:
    root, options = lake
    build(lake)
    before = read_snapshots(root, storage_options=options)
    inventory = listings(lake)
    proc = subprocess.run(
        [sys.executable, "-c", _killer(step, root, options)], capture_output=True, timeout=120
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]

    listed = list_snapshots(root, storage_options=options)
    ok = listed[listed["file_status"] == "ok"]
    assert not ok.duplicated(["index_host", "listed_at", "rows", "path"]).any()
    pd.testing.assert_frame_equal(
        ok[LISTING].sort_values(LISTING).reset_index(drop=True), inventory
    )
    if step != "read":  # both copies exist: the merged one counts, the rest is superseded
        assert (listed["file_status"] == "superseded").any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pd.testing.assert_frame_equal(read_snapshots(root, storage_options=options), before)

    compact_snapshots(root, storage_options=options)  # the next compaction finishes the job
    assert (list_snapshots(root, storage_options=options)["file_status"] == "ok").all()
    pd.testing.assert_frame_equal(read_snapshots(root, storage_options=options), before)
    today = f"{NOW:%Y-%m-%d}"
    assert all(n == (4 if d == today else 1) for (_, d), n in files_per_day(lake).items())


def test_prune_works_on_compacted_days(lake: Lake, tmp_path: Path) -> None:
    root, options = lake
    twin = tmp_path / "twin"  # the same lake, never compacted
    build((str(twin), None))
    for path in twin.rglob("*.parquet"):
        put(lake, str(path.relative_to(twin)), path.read_bytes())
    compact_snapshots(root, storage_options=options)
    assert len(list_snapshots(root, storage_options=options)["path"].unique()) == 4 + 8

    def same(kw: dict[str, Any]) -> None:
        a = prune_snapshots(root, storage_options=options, **kw)
        b = prune_snapshots(twin, **kw)
        assert sorted(a["listed_at"]) == sorted(b["listed_at"]) and len(a) > 0
        got = read_snapshots(root, storage_options=options)
        pd.testing.assert_frame_equal(got, read_snapshots(twin))

    same({"keep_last": 10})  # rewrites the oldest merged day of each index without 2 listings
    merged = list_snapshots(root, storage_options=options)
    assert sorted(merged["file_listings"].unique()) == [1, 2, 4]  # a rewritten, smaller file
    same({"older_than": "2d12h"})  # removes three days ago: whole merged files
    same({"keep_last": 1})


def test_columns_decode_only_the_columns_they_need_in_a_merged_file(tmp_path: Path) -> None:
    build((str(tmp_path), None))
    compact_snapshots(tmp_path)
    expected = read_snapshots(tmp_path, columns=["status", "listed_at", "records_imported"])
    merged = next(Path(p) for p in list_snapshots(tmp_path)["path"] if Path(p).name.count("Z") == 2)
    pf = pq.ParquetFile(merged)
    data = bytearray(merged.read_bytes())
    for g in range(pf.metadata.num_row_groups):  # wreck every page of the uri column
        chunk = pf.metadata.row_group(g).column(pf.schema_arrow.get_field_index("uri"))
        start = chunk.dictionary_page_offset or chunk.data_page_offset
        data[start : start + chunk.total_compressed_size] = b"\xff" * chunk.total_compressed_size
    merged.write_bytes(bytes(data))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = read_snapshots(tmp_path, columns=["status", "listed_at", "records_imported"])
    pd.testing.assert_frame_equal(got, expected)
    with pytest.warns(match="rows do not decode"):
        read_snapshots(tmp_path, columns=["uri"])


def test_compaction_leaves_files_it_did_not_write_alone(tmp_path: Path) -> None:
    build((str(tmp_path), None))
    day = next(tmp_path.glob(f"index_host=*/date={NOW - pd.Timedelta(days=3):%Y-%m-%d}"))
    foreign = day / "part-00000.parquet"
    foreign.write_bytes(b"PAR1 not ours")
    broken = day / "20000101T000000.000000Z-0a0a0a.parquet"
    broken.write_bytes(b"")
    with pytest.warns(match="skipped"):
        before = read_snapshots(tmp_path)
    compact_snapshots(tmp_path)
    assert foreign.read_bytes() == b"PAR1 not ours" and broken.exists()
    assert len(list(day.glob("*Z_*Z-*.parquet"))) == 1  # the day's snapshots were merged
    with pytest.warns(match="skipped"):
        pd.testing.assert_frame_equal(read_snapshots(tmp_path), before)


def test_files_a_concurrent_prune_removed_do_not_fail_the_compaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pinecone_imports_frame.snapshots import _compact

    build((str(tmp_path), None))
    before = read_snapshots(tmp_path)

    def prune_meanwhile(step: str) -> None:
        if step == "removing":  # the day's first original is gone: another takes the rest
            for merged in tmp_path.glob("index_host=*/date=*/*Z_*Z-*.parquet"):
                for original in merged.parent.glob("*Z-*.parquet"):
                    if "Z_" not in original.name:
                        original.unlink()

    monkeypatch.setattr(_compact, "_fault", prune_meanwhile)
    done = compact_snapshots(tmp_path)
    assert len(done) == 4 and (done["files_before"] == 4).all()
    assert (list_snapshots(tmp_path)["file_status"] == "ok").all()
    pd.testing.assert_frame_equal(read_snapshots(tmp_path), before)


def test_compact_refuses_a_bare_number_and_dry_run_changes_nothing(tmp_path: Path) -> None:
    build((str(tmp_path), None))
    before = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    with pytest.raises(ValueError, match="has no unit"):
        compact_snapshots(tmp_path, older_than=1)
    plan = compact_snapshots(tmp_path, dry_run=True)
    assert len(plan) == 4 and plan["path"].isna().all() and (plan["files_before"] == 4).all()
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == before
    assert compact_snapshots(tmp_path, older_than="10d").empty


def test_compact_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pinecone_imports_frame.cli import main

    build((str(tmp_path), None))
    assert main(["compact", str(tmp_path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would merge 16 files into 4" in out
    assert main(["compact", str(tmp_path)]) == 0
    assert "merged 16 files into 4" in capsys.readouterr().out
    assert main(["compact", str(tmp_path / "nope")]) == 1
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["compact", str(tmp_path), "--older-than", "2"])
    assert info.value.code == 2


def test_snapshot_every_compacts_as_it_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pinecone_imports_frame import client
    from pinecone_imports_frame.cli import main
    from pinecone_imports_frame.cli import snapshot_command as cli

    clock = [1000.0]
    monkeypatch.setattr(cli, "_clock", lambda: clock[0])
    monkeypatch.setattr(cli, "_sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    monkeypatch.setattr(client, "_sleep", lambda s: None)
    lake = tmp_path / "lake"
    with Emulator(imports=30, seed=1) as emu:
        old_day = (NOW - pd.Timedelta(days=3)).floor("D")
        for minutes in (0, 5, 10):  # what earlier polls left three days ago
            df = to_frame(
                emu.records(),
                listed_at=old_day + pd.Timedelta(minutes=minutes),
                index_host=emu.address,
            )
            write_snapshot(df, lake)
        args = ["snapshot", "--host", emu.url, "--api-key", emu.api_key, "--to", str(lake)]
        code = main([*args, "--every", "5m", "--count", "2", "--compact-after", "1d"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"compacted 3 files of {old_day:%Y-%m-%d}" in out
    listed = list_snapshots(lake)
    old = listed[listed["date"] == f"{old_day:%Y-%m-%d}"]
    assert len(old) == 3 and old["path"].nunique() == 1  # one merged file for the old day
    assert (listed["date"] != f"{old_day:%Y-%m-%d}").sum() == 2  # today's polls stay as written
    assert os.path.basename(old["path"].iloc[0]).count("Z") == 2
    assert len(read_snapshots(lake)) == 5 * 30
