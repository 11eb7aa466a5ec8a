"""The exporter's CPU per listing against the drain alone: ``python _monitoring.py URL KEY RUNS``.

In one process, as a long-running exporter pays it (start-up and imports are not per
listing): after a warm-up, RUNS drains (``read_imports``) and RUNS exporter listings (the
same drain, the metrics built from it, and one render of them, as one scrape per listing
reads them: the default ``--interval`` and Prometheus' default scrape interval are both a
minute), interleaved, each timed in CPU seconds of this process (the emulator runs in its
own). Then RUNS listings with the failed imports' cache emptied first, as when a new
failure appears: ``trends.failed_imports`` runs again on that listing. Prints one JSON
line. ``run.py`` imports :func:`targets` and :func:`markdown` for its report.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

#: The exporter may cost at most this much more CPU per listing than the drain alone.
OVERHEAD_GOAL_PCT = 10.0
#: The listing size the goal is checked at (a large index); every size is reported.
GOAL_AT = 10_000


def measure(url: str, key: str, runs: int) -> dict[str, Any]:
    import pinecone_imports_frame as pif
    from pinecone_imports_frame.monitoring import ImportsExporter

    conn = pif.Connection.resolve(url, api_key=key)
    exporter = ImportsExporter(connection=conn)

    def drain() -> None:
        pif.read_imports(connection=conn, progress=False)

    def scrape() -> None:
        exporter.text()

    def listing() -> None:
        exporter.refresh()
        scrape()

    def listing_with_a_new_failure() -> None:
        for index in exporter._indexes.values():
            index.failed_key = None  # as if the failed imports had changed
        listing()

    def cpu(fn: Callable[[], None]) -> float:
        t = time.process_time()
        fn()
        return time.process_time() - t

    rows = len(pif.read_imports(connection=conn, progress=False))
    listing()  # warm-up: imports, the first trends call, the registry
    times: dict[str, list[float]] = {"drain": [], "exporter": [], "exporter_new_failure": []}
    for _ in range(runs):
        times["drain"].append(cpu(drain))
        times["exporter"].append(cpu(listing))
        times["exporter_new_failure"].append(cpu(listing_with_a_new_failure))
    text = exporter.text()
    med = {k: statistics.median(v) for k, v in times.items()}
    render = statistics.median(cpu(scrape) for _ in range(max(runs, 5)))
    return {
        "rows": rows,
        "runs": runs,
        "cpu_ms": {k: v * 1000 for k, v in med.items()},
        "scrape_cpu_ms": render * 1000,
        "overhead_pct": (med["exporter"] / med["drain"] - 1) * 100,
        "overhead_new_failure_pct": (med["exporter_new_failure"] / med["drain"] - 1) * 100,
        "series": sum(1 for line in text.splitlines() if not line.startswith("#")),
        "running": len(exporter._indexes[""].running),
    }


def targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    """The exporter's target of ``run.py``'s table, at :data:`GOAL_AT` imports if measured."""
    sizes = section["sizes"]
    size = str(GOAL_AT) if str(GOAL_AT) in sizes else max(sizes, key=int)
    m = sizes[size]
    return [
        {
            "name": f"exporter at {int(size):,} imports: CPU per listing vs the drain alone",
            "target": f"<= +{OVERHEAD_GOAL_PCT:g} %",
            "value": f"{m['overhead_pct']:+.1f} % ({m['cpu_ms']['exporter']:.1f} ms vs "
            f"{m['cpu_ms']['drain']:.1f} ms)",
            "met": m["overhead_pct"] <= OVERHEAD_GOAL_PCT,
        }
    ]


def markdown(section: dict[str, Any]) -> list[str]:
    """The exporter's section of ``run.py``'s report, as lines."""
    header = ["imports", "drain CPU ms", "exporter CPU ms", "more", "with a new failure",
              "one scrape ms", "series", "running"]  # fmt: skip
    rows = [
        [
            f"{int(size):,}",
            f"{m['cpu_ms']['drain']:.1f}",
            f"{m['cpu_ms']['exporter']:.1f}",
            f"{m['overhead_pct']:+.1f} %",
            f"{m['cpu_ms']['exporter_new_failure']:.1f} ms "
            f"({m['overhead_new_failure_pct']:+.0f} %)",
            f"{m['scrape_cpu_ms']:.2f}",
            str(m["series"]),
            str(m["running"]),
        ]
        for size, m in section["sizes"].items()
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return [
        "",
        "## 8. The exporter: CPU per listing against the drain alone",
        "",
        "In one process (the emulator in its own), medians of "
        + ", ".join(f"{m['runs']} at {int(s):,}" for s, m in section["sizes"].items())
        + ": a drain (`read_imports`), and an exporter listing (the same drain, the metrics, "
        "one render of them as one scrape reads them). With a new failure, "
        "`trends.failed_imports` runs again on the listing (it is cached until the failed "
        "imports change). One scrape is the render alone.",
        "",
        *lines,
    ]


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
