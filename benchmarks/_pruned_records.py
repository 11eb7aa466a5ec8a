"""The read's added cost of the records of pruned listings (``_pruned/``), at two lake sizes.

``python benchmarks/_pruned_records.py 100 1000`` writes a lake of that many snapshots of
one index, times ``read_snapshots`` (best of 7) without records, then with two records of
a daily prune of 10 indexes listed every 5 minutes (2 x 2,880 listings: the most a
daily prune leaves besides a quiet one), and ``read_records`` alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable

import pandas as pd

from pinecone_imports_frame import read_snapshots, to_frame, write_snapshot
from pinecone_imports_frame.snapshots import _pruned
from pinecone_imports_frame.snapshots._catalog import _stamp_text
from pinecone_imports_frame.snapshots._store import open_store

DAY_US, STEP_US = 1_700_000_000_000_000, 300_000_000  # a listing every 5 minutes


def best(fn: Callable[[], object], n: int = 7) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def measure(files: int) -> str:
    """Time reads of a lake of ``files`` snapshots without, then with, records."""
    root = tempfile.mkdtemp()
    t0 = pd.Timestamp("2026-01-01", tz="UTC")
    for i in range(files):
        records = [{"id": str(k), "status": "Pending"} for k in range(3)]
        when = t0 + pd.Timedelta(minutes=5 * i)
        write_snapshot(to_frame(records, listed_at=when, index_host="h"), root)
    store = open_store(root, None)
    without = best(lambda: read_snapshots(root))
    alone_none = best(lambda: _pruned.read_records(store))
    for r in range(2):
        stamps = [DAY_US + r * 288 * STEP_US + STEP_US * i for i in range(288)]
        _pruned.write_record(
            store,
            [
                (f"host-{h}", f"{_stamp_text(us)}Z-{r}{h:03d}{us % 10**8:08x}.parquet", us)
                for h in range(10)
                for us in stamps
            ],
        )
    folder = os.path.join(root, _pruned.FOLDER)
    size = sum(os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder))
    alone = best(lambda: _pruned.read_records(store))
    with_records = best(lambda: read_snapshots(root))
    return (
        f"{files:,} files: read_snapshots {without * 1e3:.1f} ms without records, "
        f"{with_records * 1e3:.1f} ms with 2 records ({size:,} bytes, 5,760 listings); "
        f"read_records alone {alone_none * 1e3:.2f} ms (no folder), {alone * 1e3:.2f} ms"
    )


def main() -> None:
    for files in map(int, sys.argv[1:] or ["100", "1000"]):
        print(measure(files))


if __name__ == "__main__":
    main()
