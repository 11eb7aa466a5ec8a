"""In-memory sections, each run in a child process of ``run.py`` (prints one JSON line).

``python _sections.py convert RECORDS RUNS``: ``to_frame`` on RECORDS API records in memory
against ``pd.DataFrame(records)`` + the same dtypes by hand.

``python _sections.py lake SNAPSHOTS PER_SNAPSHOT RUNS``: ``write_snapshot`` per snapshot,
``read_snapshots`` whole and with a ``since``/``until`` window, against a loop of
``pd.read_parquet`` per file + ``pd.concat``.
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


def main() -> None:
    section, *args = sys.argv[1:]
    if section == "convert":
        result = convert(int(args[0]), int(args[1]))
    elif section == "lake":
        result = lake(int(args[0]), int(args[1]), int(args[2]))
    else:
        raise SystemExit(f"unknown section {section!r}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
