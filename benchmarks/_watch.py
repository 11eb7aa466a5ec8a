"""Per-poll cost of a long watch: ``python benchmarks/_watch.py [POLLS] [RUNNING]``.

Runs ``watch_imports`` for POLLS polls (1,500 by default) of an index where RUNNING
imports (200 by default) keep loading the whole time, on a fake clock (ten seconds between
polls, never slept), with its bars on (drawn to ``/dev/null``: the estimates behind them
are computed only for bars). Each listing is built in memory (``to_frame``, in place of
the HTTP listing), and what is timed is the watch's own work for a poll: from the moment
a listing is in to the moment the next one is asked for (taking it in, the endings, the
estimates and bars, ``until``). Prints the median of polls 11 to 30 ("poll 20") and of the
last 20 polls ("poll 1,500"), and their ratio, as one JSON line; a flat cost has a ratio
near 1.

Only public calls and the watch's two clock indirections are used, so the same script
measures an older checkout too (``git stash`` the package, run it, ``git stash pop``).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import time
from typing import Any

import pandas as pd

from pinecone_imports_frame import loader, to_frame, watch

START = pd.Timestamp("2026-03-02T09:00:00Z")
EVERY_S = 10


def main(polls: int = 1_500, running: int = 200) -> dict[str, Any]:
    now = [0.0]
    # (wall, CPU) when the watch asked for each listing, and when it got it; the CPU time
    # of this process is the steadier figure on a shared machine.
    asked: list[tuple[float, float]] = []
    given: list[tuple[float, float]] = []

    def listing(poll: int) -> pd.DataFrame:
        records = [
            {
                "id": str(i),
                "uri": f"s3://bench/{i}/",
                "status": "InProgress",
                "createdAt": "2026-03-02T08:00:00Z",
                # Never 100 %: every import keeps loading for the whole watch.
                "percentComplete": min(99.0, 1.0 + (poll * 0.06 + i * 0.1) % 98),
                "recordsImported": str(poll * 1_000 + i),
            }
            for i in range(1, running + 1)
        ]
        listed_at = START + pd.Timedelta(seconds=EVERY_S * poll)
        frame = to_frame(records, listed_at=listed_at, index_host="bench-index")
        frame.attrs["listed_at"] = listed_at.isoformat()
        return frame

    def read_imports(**_: Any) -> pd.DataFrame:
        asked.append((time.perf_counter(), time.process_time()))
        if len(asked) > polls:
            raise KeyboardInterrupt  # the watch returns what it saw
        frame = listing(len(asked) - 1)
        given.append((time.perf_counter(), time.process_time()))
        return frame

    loader.read_imports = read_imports  # type: ignore[assignment]
    watch._clock = lambda: now[0]
    watch._sleep = lambda s: now.__setitem__(0, now[0] + s)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
        history = watch.watch_imports(
            "127.0.0.1:9", api_key="bench-key-0000", interval=f"{EVERY_S}s", progress=True
        )
    assert history["listed_at"].nunique() == polls, "the watch stopped early"
    out: dict[str, Any] = {"polls": polls, "running": running}
    for clock, which in (("wall", 0), ("cpu", 1)):
        cost_ms = [(a[which] - g[which]) * 1000 for g, a in zip(given, asked[1:], strict=False)]
        early, late = statistics.median(cost_ms[10:30]), statistics.median(cost_ms[-20:])
        out[f"{clock}_polls_11_to_30_ms"] = round(early, 2)
        out[f"{clock}_polls_{polls - 19}_to_{polls}_ms"] = round(late, 2)
        out[f"{clock}_ratio"] = round(late / early, 2)
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(main(*args)))
