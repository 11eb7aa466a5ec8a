"""Doubling the listings of a lake over the same imports and changes (issue 19).

``python benchmarks/_runs_doubling.py [DAYS] [VISIBLE]`` builds two lakes of the same
DAYS days (3) of one index with about VISIBLE (1,000) visible imports, in the shape of
``_trends.synthetic_history``: one listed every five minutes, one every two and a half
minutes, where each extra listing shows what the five-minute listing before it showed
(the same imports, the same changes, twice the listings). Each lake is written one
snapshot per listing and compacted (``compact_snapshots``: runs). Then, each in a fresh
child process, ``read_history`` is timed with its peak RSS, and ``read_snapshots``' rows
are counted. Prints one JSON object: the figures of both lakes and their ratios (time as
wall-clock seconds, the best of three, and as CPU seconds, which a machine shared with
other work disturbs less).

Targets (issue 19): the compacted lake's bytes, ``read_history``'s time and its peak
RSS grow by at most 1.25x; ``read_history`` has at most 5 % of ``read_snapshots``' rows.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _peak_mb() -> float:
    """This process's peak RSS: VmHWM (ru_maxrss keeps the parent's across exec on Linux)."""
    from _trends import _rss_kb

    hwm = _rss_kb("VmHWM")
    if hwm is not None:
        return hwm / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(root: str, *, days: int, visible: int, halve: bool) -> dict[str, Any]:
    from _trends import synthetic_history

    from pinecone_imports_frame import compact_snapshots, write_snapshot

    listings = days * 288
    history = synthetic_history(visible=visible, listings=listings, every_s=300, days=30)
    started = time.perf_counter()
    written = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t, listing in history.groupby("listed_at", sort=True):
            frame = listing.reset_index(drop=True)
            write_snapshot(frame, root)
            written += 1
            if halve:  # the same listing again, two and a half minutes later
                later = frame.assign(listed_at=t + pd.Timedelta(seconds=150))
                write_snapshot(later, root)
                written += 1
        compact_snapshots(root, older_than="1d")
    size = sum(p.stat().st_size for p in Path(root).rglob("*.parquet"))
    return {
        "listings": written,
        "listing_rows": len(history) * (2 if halve else 1),
        "lake_bytes": size,
        "build_s": round(time.perf_counter() - started, 1),
    }


def child(what: str, root: str) -> dict[str, Any]:
    from pinecone_imports_frame import read_history, read_snapshots

    before = _peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = read_history(root) if what == "history" else read_snapshots(root)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "rows": len(df),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "peak_rss_mb": round(_peak_mb(), 1),
        "peak_rss_mb_before": round(before, 1),
    }


def _run_child(what: str, root: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, root],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(days: int = 3, visible: int = 1_000) -> dict[str, Any]:
    out: dict[str, Any] = {"days": days, "visible": visible}
    with tempfile.TemporaryDirectory() as tmp:
        for label, halve in (("every_5min", False), ("every_2_5min", True)):
            root = os.path.join(tmp, label)
            figures = build(root, days=days, visible=visible, halve=halve)
            # read_history three times (the best of them: a 2-core machine is shared)
            runs = [_run_child("history", root) for _ in range(3)]
            best = min(runs, key=lambda r: r["seconds"])
            best["peak_rss_mb"] = min(r["peak_rss_mb"] for r in runs)
            best["cpu_seconds"] = min(r["cpu_seconds"] for r in runs)
            figures["read_history"] = best
            figures["read_snapshots_rows"] = _run_child("snapshots", root)["rows"]
            figures["history_rows_vs_listing_rows"] = round(
                best["rows"] / figures["read_snapshots_rows"], 4
            )
            out[label] = figures
    a, b = out["every_5min"], out["every_2_5min"]
    out["ratios"] = {
        "lake_bytes": round(b["lake_bytes"] / a["lake_bytes"], 3),
        "read_history_seconds": round(
            b["read_history"]["seconds"] / a["read_history"]["seconds"], 3
        ),
        "read_history_cpu_seconds": round(
            b["read_history"]["cpu_seconds"] / a["read_history"]["cpu_seconds"], 3
        ),
        "read_history_peak_rss": round(
            b["read_history"]["peak_rss_mb"] / a["read_history"]["peak_rss_mb"], 3
        ),
        "read_history_rows": round(b["read_history"]["rows"] / a["read_history"]["rows"], 3),
    }
    out["targets"] = {
        "growth_at_most": 1.25,
        "history_rows_vs_listing_rows_at_most": 0.05,
    }
    return out


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
    else:
        args = [int(x) for x in sys.argv[1:3]]
        print(json.dumps(main(*args), indent=2))
