"""Peak memory of ``read_snapshots`` on a lake of many small uncompacted files.

``python _lake_memory.py write ROOT FILES ROWS``: a lake of FILES snapshots of ROWS imports
each, one index, five minutes apart (written by 8 threads).

``python _lake_memory.py read ROOT``: read it whole in this fresh process and print one JSON
line: files, rows, seconds, and the process's peak RSS before and after the read (MB,
``ru_maxrss``). Memory should grow with the rows, not with the files.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

HOST = "bench-index.svc.aped-4627-b74a.pinecone.io"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write(root: str, files: int, rows: int) -> dict[str, Any]:
    import pandas as pd

    from pinecone_imports_frame import to_frame, write_snapshot

    start = pd.Timestamp("2025-01-01T00:00:00Z")
    records = [
        {"id": str(i), "status": "InProgress", "uri": f"s3://bucket/import-{i}"}
        for i in range(rows)
    ]

    def one(i: int) -> None:
        when = start + pd.Timedelta(minutes=5 * i)
        write_snapshot(to_frame(records, listed_at=when, index_host=HOST), root)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(files)))
    return {"files": files, "rows_per_file": rows}


def read(root: str) -> dict[str, Any]:
    import pandas as pd  # noqa: F401  (imported before the baseline is taken)

    from pinecone_imports_frame import read_snapshots

    before = _peak_mb()
    t = time.perf_counter()
    frame = read_snapshots(root)
    seconds = time.perf_counter() - t
    return {
        "rows": len(frame),
        "listings": int(frame["listed_at"].nunique()),
        "seconds": round(seconds, 2),
        "peak_rss_mb_before_read": round(before, 1),
        "peak_rss_mb": round(_peak_mb(), 1),
    }


if __name__ == "__main__":
    what, *args = sys.argv[1:]
    print(
        json.dumps(write(args[0], int(args[1]), int(args[2])) if what == "write" else read(args[0]))
    )
