"""In-memory sections, each run in a child process of ``run.py`` (prints one JSON line).

``python _sections.py convert RECORDS RUNS``: ``to_frame`` on RECORDS API records in memory
against ``pd.DataFrame(records)`` + the same dtypes by hand.

``python _sections.py lake SNAPSHOTS PER_SNAPSHOT RUNS``: ``write_snapshot`` per snapshot,
``read_snapshots`` whole and with a ``since``/``until`` window, against a loop of
``pd.read_parquet`` per file + ``pd.concat``.

``python _sections.py lake_month FILES PER_SNAPSHOT RUNS``: a month of snapshots in FILES
files; ``read_snapshots`` against Polars' and DuckDB's own readers into pandas, before and
after ``compact_snapshots`` (timed: files per second), every frame checked.
"""

from __future__ import annotations

import gc
import glob
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

import pandas as pd
from _by_hand import typed_by_hand
from _verify import compare

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
HOST = "bench-index.svc.aped-4627-b74a.pinecone.io"
SEED = 7


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def api_records(n: int, seed: int = SEED) -> list[dict[str, Any]]:
    """``n`` records as the API sends them: the emulator's, repeated with fresh ids."""
    from pinecone_imports_frame.emulator import Emulator

    base = Emulator(imports=min(n, 10_000), seed=seed, now=NOW).records()
    return [dict(base[i % len(base)], id=str(i + 1)) for i in range(n)]


def convert(n: int, runs: int) -> dict[str, Any]:
    from pinecone_imports_frame import to_frame

    records = api_records(n)
    listed_at = pd.Timestamp("2025-06-01T12:30:00Z")

    def project() -> pd.DataFrame:
        return to_frame(records, listed_at=listed_at, index_host=HOST)

    def by_hand() -> pd.DataFrame:
        return typed_by_hand(pd.DataFrame(records), listed_at=listed_at, index_host=HOST)

    times: dict[str, list[float]] = {"project": [], "by_hand": []}
    verify: dict[str, Any] = {}
    for i in range(runs):
        t_p, frame_p = _timed(project)
        t_h, frame_h = _timed(by_hand)
        times["project"].append(t_p)
        times["by_hand"].append(t_h)
        if i == 0:
            verify = compare(frame_p, frame_h)
        del frame_p, frame_h
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "records": n,
        "runs": runs,
        "seconds": med,
        "all_seconds": times,
        "records_per_s": {k: n / v for k, v in med.items()},
        "speedup_vs_by_hand": med["by_hand"] / med["project"],
        "verify": verify,
    }


def lake(count: int, per: int, runs: int) -> dict[str, Any]:
    try:
        from pinecone_imports_frame.snapshots import read_snapshots, write_snapshot
    except ImportError as exc:  # another engineer is still writing it
        return {"skipped": f"pinecone_imports_frame.snapshots not importable yet ({exc})"}
    from pinecone_imports_frame import to_frame

    records = api_records(per)
    start = pd.Timestamp("2025-01-01T00:00:00Z")
    span = pd.Timedelta(days=100)
    stamps = [start + span * i / count for i in range(count)]
    since, until = start + pd.Timedelta(days=45), start + pd.Timedelta(days=55)
    frames = [to_frame(records, listed_at=t, index_host=HOST) for t in stamps]
    with tempfile.TemporaryDirectory(prefix="pif-bench-lake-") as root:
        write_ms = []
        for frame in frames:
            t = time.perf_counter()
            write_snapshot(frame, root)
            write_ms.append((time.perf_counter() - t) * 1000)
        del frames
        files = sorted(glob.glob(os.path.join(root, "**", "*.parquet"), recursive=True))
        lo, hi = f"date={since:%Y-%m-%d}", f"date={until:%Y-%m-%d}"

        def in_window(path: str) -> bool:
            part = next(p for p in path.split(os.sep) if p.startswith("date="))
            return lo <= part < hi

        selected = [f for f in files if in_window(f)]

        def loop_all() -> pd.DataFrame:
            return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

        def loop_window() -> pd.DataFrame:
            return pd.concat([pd.read_parquet(f) for f in selected], ignore_index=True)

        cases: dict[str, Callable[[], pd.DataFrame]] = {
            "read_snapshots": lambda: read_snapshots(root),
            "read_snapshots_window": lambda: read_snapshots(root, since=since, until=until),
            "loop": loop_all,
            "loop_window": loop_window,
        }
        times: dict[str, list[float]] = {k: [] for k in cases}
        rows: dict[str, int] = {}
        ids: dict[str, list[str]] = {}
        for name, fn in cases.items():  # warm-up: page cache, imports
            frame = fn()
            rows[name] = len(frame)
            ids[name] = sorted(frame["id"].astype(str).tolist())
        for _ in range(runs):
            for name, fn in cases.items():
                times[name].append(_timed(fn)[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "snapshots": count,
        "imports_per_snapshot": per,
        "files": len(files),
        "files_selected": len(selected),
        "window": [str(since), str(until)],
        "runs": runs,
        "write_ms": {
            "median": statistics.median(write_ms),
            "mean": statistics.fmean(write_ms),
            "max": max(write_ms),
        },
        "seconds": med,
        "all_seconds": times,
        "rows": rows,
        "same_rows": rows["read_snapshots"] == rows["loop"]
        and rows["read_snapshots_window"] == rows["loop_window"],
        "same_ids": ids["read_snapshots"] == ids["loop"]
        and ids["read_snapshots_window"] == ids["loop_window"],
        "speedup_vs_loop": med["loop"] / med["read_snapshots"],
        "speedup_vs_loop_window": med["loop_window"] / med["read_snapshots_window"],
        "window_time_share": med["read_snapshots_window"] / med["read_snapshots"],
        "window_file_share": len(selected) / len(files),
    }


def lake_month(count: int, per: int, runs: int) -> dict[str, Any]:
    try:
        from pinecone_imports_frame.snapshots import (
            compact_snapshots,
            read_snapshots,
            write_snapshot,
        )
    except ImportError as exc:
        return {"skipped": f"pinecone_imports_frame.snapshots not importable yet ({exc})"}
    import duckdb
    import polars as pl

    from pinecone_imports_frame import to_frame

    records = api_records(per)
    # 30 days that ended two days ago: all of it old enough for compact_snapshots("1d").
    end = pd.Timestamp.now(tz="UTC").floor("D") - pd.Timedelta(days=2)
    start = end - pd.Timedelta(days=30)
    stamps = [start + (end - start) * i / count for i in range(count)]
    with tempfile.TemporaryDirectory(prefix="pif-bench-month-") as root:

        def write(when: pd.Timestamp) -> None:
            write_snapshot(to_frame(records, listed_at=when, index_host=HOST), root)

        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:  # the lake is the setting, not timed
            list(pool.map(write, stamps))
        write_s = time.perf_counter() - t
        glob_ = os.path.join(root, "**", "*.parquet")

        def polars() -> pd.DataFrame:
            return pl.read_parquet(glob_, hive_partitioning=True).to_pandas()

        def duck() -> pd.DataFrame:
            rel = duckdb.sql(f"select * from read_parquet('{glob_}', hive_partitioning = true)")
            assert rel is not None
            return rel.df()

        def ours() -> pd.DataFrame:
            return read_snapshots(root)

        cases: dict[str, Callable[[], pd.DataFrame]] = {
            "read_snapshots": ours,
            "polars": polars,
            "duckdb": duck,
        }

        def measure() -> tuple[dict[str, float], dict[str, int], pd.DataFrame]:
            times: dict[str, list[float]] = {k: [] for k in cases}
            rows: dict[str, int] = {}
            frame = pd.DataFrame()
            for name, fn in cases.items():  # warm-up: page cache, imports
                got = fn()
                rows[name] = len(got)
                if name == "read_snapshots":
                    frame = got
                del got
            for _ in range(runs):
                for name, fn in cases.items():
                    times[name].append(_timed(fn)[0])
            return {k: statistics.median(v) for k, v in times.items()}, rows, frame

        files_before = len(glob.glob(glob_, recursive=True))
        before, rows_before, frame_before = measure()
        t = time.perf_counter()
        done = compact_snapshots(root)
        compact_s = time.perf_counter() - t
        files_after = len(glob.glob(glob_, recursive=True))
        after, rows_after, frame_after = measure()
        try:
            pd.testing.assert_frame_equal(frame_after, frame_before)
            same = True
        except AssertionError:
            same = False
    fastest_other = min(before["polars"], before["duckdb"])
    return {
        "files": files_before,
        "files_after": files_after,
        "imports_per_snapshot": per,
        "rows": rows_before["read_snapshots"],
        "runs": runs,
        "write_s": write_s,
        "before_s": before,
        "after_s": after,
        "rows_before": rows_before,
        "rows_after": rows_after,
        "same_frame_after_compaction": same,
        "compact_s": compact_s,
        "compact_files_per_s": files_before / compact_s,
        "days_compacted": len(done),
        "speedup_vs_fastest_other_uncompacted": fastest_other / after["read_snapshots"],
        "speedup_vs_itself_uncompacted": before["read_snapshots"] / after["read_snapshots"],
    }


def main() -> None:
    section, *args = sys.argv[1:]
    if section == "convert":
        result = convert(int(args[0]), int(args[1]))
    elif section == "lake":
        result = lake(int(args[0]), int(args[1]), int(args[2]))
    elif section == "lake_month":
        result = lake_month(int(args[0]), int(args[1]), int(args[2]))
    else:
        raise SystemExit(f"unknown section {section!r}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
