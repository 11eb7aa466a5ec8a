"""The fleet benchmark, in its own processes: ``python _fleet.py serve N IMPORTS LATENCY KEY``
starts an emulated project (N indexes, each on its own port, LATENCY seconds per request)
and prints its control-plane URL, then waits for the end of stdin;
``python _fleet.py measure CONTROL_URL KEY WORKERS RUNS`` times, in a fresh process, the
fleet (``read_project_imports``), each index alone, and a sequential ``read_imports`` loop
over them, and prints one JSON line.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import datetime, timezone

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def serve(n: int, imports: int, latency: float, key: str) -> None:
    from pinecone_imports_frame.emulator import IndexConfig, Project

    indexes = [
        IndexConfig(f"bench-{i:02d}", imports=imports, seed=i, latency=latency) for i in range(n)
    ]
    with Project(indexes=indexes, api_key=key, now=NOW) as project:
        print(project.control.url, flush=True)
        for _ in sys.stdin:
            pass


def measure(control: str, key: str, workers: int, runs: int) -> None:
    import pinecone_imports_frame as pif
    from pinecone_imports_frame.control import list_indexes

    conn = pif.Connection.resolve(api_key=key, controller_host=control)
    hosts = [(m["name"], m["host"]) for m in list_indexes(conn)]

    def fleet() -> tuple[float, int]:
        t0 = time.perf_counter()
        df = pif.read_project_imports(connection=conn, max_workers=workers, progress=False)
        return time.perf_counter() - t0, len(df)

    def alone(name: str, host: str) -> tuple[float, int]:
        t0 = time.perf_counter()
        df = pif.read_imports(connection=conn.for_index(host, name), progress=False)
        return time.perf_counter() - t0, len(df)

    fleet()  # warm-up: imports, connection set-up
    fleet_runs, single_runs, loop_runs = [], [], []
    rows = 0
    for _ in range(runs):
        wall, rows = fleet()
        fleet_runs.append(wall)
        singles = [alone(name, host)[0] for name, host in hosts]
        single_runs.append(max(singles))
        loop_runs.append(sum(singles))
    print(
        json.dumps(
            {
                "indexes": len(hosts),
                "rows": rows,
                "workers": workers,
                "runs": runs,
                "fleet_s": statistics.median(fleet_runs),
                "slowest_single_s": statistics.median(single_runs),
                "sequential_loop_s": statistics.median(loop_runs),
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    else:
        measure(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
