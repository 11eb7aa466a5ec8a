"""A year of a fleet, as runs, in child processes of ``run.py`` (each prints one JSON line).

``python _year.py build ROOT HOSTS DAYS EVERY_S VISIBLE``: writes the compacted lake of a
fleet of HOSTS indexes, DAYS days of listings every EVERY_S seconds, about VISIBLE imports
visible in each: for each index and day, the file ``compact_snapshots`` writes for a closed
day (``{first}_{last}-{suffix}.runs.parquet``, its runs and its footer's listings, encoded
by compaction's own ``encode_day``), made by :func:`write_fleet` from a closed-form
generator of runs (:func:`index_runs`): it never makes the listing rows (two billion for a
year of 20 indexes). ``tests/test_benchmark_year.py`` checks, on a small case, that it is
the lake ``write_snapshot`` and ``compact_snapshots`` make of the same listings.

``python _year.py read ROOT``: reads the whole lake with ``read_history`` and answers
``trends.summary``, ``trends.failures`` and ``trends.throughput(freq="7D")``; timed in a
fresh process, its peak RSS from ``wait4``.

``python _year.py month ROOT DAYS EVERY_S VISIBLE``: today's path for the ratio: writes
DAYS days of listings of one index (the same model) with ``write_snapshot``, compacts them
with ``compact_snapshots``; ``python _year.py month_read ROOT`` reads them with
``read_snapshots`` and answers the same three questions.

The model is ``_trends.py``'s: imports created at a steady rate, listed for ``window``
(``VISIBLE`` of them at a time), Pending, loading at a steady rate (percent_complete and
records_imported change at each listing), InProgress at 100 % while indexing, then
Completed, Failed or Cancelled.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

START = pd.Timestamp("2025-01-01T00:00:00Z")
US = 1_000_000
DAY_US = 86_400 * US
STATUSES = ("Pending", "InProgress", "Completed", "Failed", "Cancelled")
ERRORS = (
    'User error: The namespace "{ns}" already exists. Imports are only allowed into '
    "nonexistent namespaces.",
    'No Parquet files found under "{uri}"',
    'Missing required column "id"',
    "Parquet footer could not be parsed",
    "Exceeds system limit",
)
#: How long Pinecone keeps listing an import (``VISIBLE`` imports are listed at a time).
WINDOW_DAYS = 7
#: The API version of every listing (the rows' ``api_version``, the footers' too).
API_VERSION = "2025-04"


def host_name(h: int) -> str:
    return f"fleet-{h:02d}-abc123.svc.aped-4627-b74a.pinecone.io"


@dataclass
class Imports:
    """One index's imports: when each was created and how its life goes (microseconds)."""

    created: np.ndarray
    pending: np.ndarray
    loading: np.ndarray
    end: np.ndarray
    outcome: np.ndarray  # 0 Completed, 1 Failed, 2 Cancelled
    records_total: np.ndarray
    error: np.ndarray  # index in ERRORS, -1 for none

    def state(self, imp: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Each import's stored state at listing time ``t`` (as ``_trends.py`` builds it)."""
        age = t - self.created[imp]
        pending, loading, end = self.pending[imp], self.loading[imp], self.end[imp]
        done = age >= end
        progress = np.clip((age - pending) / loading, 0.0, 1.0)
        progress = np.where(done, np.clip((end - pending) / loading, 0.0, 1.0), progress)
        status = np.where(
            done, np.array([2, 3, 4])[self.outcome[imp]], np.where(age < pending, 0, 1)
        ).astype(np.int32)
        percent = np.where(status == 2, 100.0, np.floor(progress * 10_000) / 100)
        total = self.records_total[imp]
        records = np.where(status == 2, total, (total * progress).astype(np.int64))
        finished = np.where(done, self.created[imp] + end, 0)
        return {
            "status": status,
            "percent": percent,
            "records": records,
            "finished": finished,
            "done": done,
        }


def imports_of(h: int, *, days: float, every_s: int, visible: int) -> Imports:
    """The imports of index ``h``: a steady stream, ``visible`` listed at a time."""
    rng = np.random.default_rng(1000 + h)
    window = WINDOW_DAYS * DAY_US
    step = window // visible
    span = int(days * DAY_US)
    n = visible + span // step + 1
    created = START.value // 1000 - window + np.arange(n, dtype=np.int64) * step
    created += rng.integers(0, step, n)
    pending = rng.integers(5, 300, n) * US
    records_total = (10 ** rng.uniform(3, 7, n)).astype(np.int64)
    rate = rng.uniform(2_000, 20_000, n)
    loading = np.maximum((records_total / rate * US).astype(np.int64), 60 * US)
    indexing = rng.integers(600, 1_800, n) * US
    outcome = rng.choice(3, n, p=[0.86, 0.09, 0.05])
    stop = pending + (rng.uniform(0.05, 0.95, n) * loading).astype(np.int64)
    end = np.where(outcome == 0, pending + loading + indexing, stop)
    error = np.where(outcome == 1, rng.integers(0, len(ERRORS), n), -1)
    return Imports(created, pending, loading, end, outcome, records_total, error)


def _texts(h: int, n: int, error: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Ids, URIs and error texts of the ``n`` imports of index ``h``."""
    ids = [f"{h}-{i}" for i in range(n)]
    uris = [f"s3://fleet-bucket/ns-{i % 97}/batch-{i}/" for i in range(n)]
    texts = [
        ERRORS[e].format(ns=f"ns-{i % 97}", uri=uris[i]) if e >= 0 else None
        for i, e in enumerate(error)
    ]
    return pa.array(ids), pa.array(uris), pa.array(texts, type=pa.string())


def _table(
    h: int, imps: Imports, imp: np.ndarray, state: dict[str, np.ndarray], texts: Any
) -> dict[str, pa.Array]:
    """The stored columns of rows of imports ``imp`` in ``state``."""
    ids, uris, errors = texts
    index = pa.array(imp)
    ts = pa.timestamp("us", tz="UTC")
    status = state["status"]
    failed = pa.array(status == 3)
    return {
        "id": ids.take(index),
        "uri": uris.take(index),
        "status": pa.DictionaryArray.from_arrays(pa.array(status), pa.array(list(STATUSES))),
        "created_at": pa.array(imps.created[imp]).cast(ts),
        "finished_at": pa.array(state["finished"], mask=~state["done"]).cast(ts),
        "percent_complete": pa.array(state["percent"], mask=status == 0),
        "records_imported": pa.array(state["records"], mask=status == 0),
        "validation_successes": pa.nulls(len(imp), pa.int64()),
        "validation_errors": pa.nulls(len(imp), pa.int64()),
        "error": pc.if_else(failed, errors.take(index), pa.scalar(None, pa.string())),
        "index_name": pa.array([f"fleet-{h:02d}"] * len(imp)),
        "api_version": pa.array([API_VERSION] * len(imp)),
    }


def listing_times(days: float, every_s: int) -> np.ndarray:
    return START.value // 1000 + np.arange(int(days * 86_400 // every_s)) * every_s * US


def index_listings(h: int, *, days: float, every_s: int, visible: int) -> pa.Table:
    """Every listing row of index ``h`` (for small cases and the month: the listing path)."""
    imps, times, first, last = _shown(h, days=days, every_s=every_s, visible=visible)
    counts = last - first
    listing = np.repeat(np.arange(len(times)), counts)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    imp = np.repeat(first, counts) + (np.arange(int(counts.sum())) - offsets)
    t = times[listing]
    columns = _table(h, imps, imp, imps.state(imp, t), _texts(h, len(imps.created), imps.error))
    columns["listed_at"] = pa.array(t).cast(pa.timestamp("us", tz="UTC"))
    columns["index_host"] = pa.array([host_name(h)] * len(imp))
    return pa.table(columns)


def index_runs(h: int, *, days: float, every_s: int, visible: int) -> tuple[pa.Table, np.ndarray]:
    """Index ``h``'s runs, split at day boundaries, and its listing times: no listing rows.

    Closed form: an import's listings are a range of listing numbers; its life cuts that
    range into a Pending span, one span per listing while loading (its progress changes at
    each), an indexing span and a final span. Spans of an equal state next to each other
    are merged, then every span is cut at each midnight (a closed day's file holds the
    day's runs). Returns the runs (with ``first``/``last`` listing numbers) and the times.
    """
    imps = imports_of(h, days=days, every_s=every_s, visible=visible)
    times = listing_times(days, every_s)
    n_listings = len(times)
    e = every_s * US
    t0 = int(times[0])
    window = WINDOW_DAYS * DAY_US
    c = imps.created

    def at_or_after(us: np.ndarray) -> np.ndarray:  # first listing number with t >= us
        return np.clip(-((t0 - us) // e), 0, n_listings)

    v0 = at_or_after(c)
    v1 = np.minimum((c + window - t0) // e, n_listings - 1)  # last listing with t <= c+window
    load0 = np.maximum(at_or_after(c + imps.pending), v0)
    load1 = np.minimum(at_or_after(c + np.minimum(imps.pending + imps.loading, imps.end)), v1 + 1)
    done = np.maximum(at_or_after(c + imps.end), v0)
    n = np.arange(len(c))
    spans = [
        (n, v0, np.minimum(load0, v1 + 1) - 1),  # Pending
        (n, np.maximum(load1, v0), np.minimum(done, v1 + 1) - 1),  # indexing (or none)
        (n, np.maximum(done, v0), v1),  # final
    ]
    per = np.maximum(load1 - load0, 0)  # loading: a span per listing
    loading_imp = np.repeat(n, per)
    loading_at = np.repeat(load0, per) + (
        np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
    )
    spans.append((loading_imp, loading_at, loading_at))
    imp = np.concatenate([s[0] for s in spans])
    a = np.concatenate([s[1] for s in spans])
    b = np.concatenate([s[2] for s in spans])
    keep = a <= b
    imp, a, b = imp[keep], a[keep], b[keep]
    order = np.lexsort((a, imp))
    imp, a, b = imp[order], a[order], b[order]
    state = imps.state(imp, times[a])
    same = np.zeros(len(imp), dtype=bool)  # continues the span before it
    same[1:] = (imp[1:] == imp[:-1]) & (a[1:] == b[:-1] + 1)
    for key in ("status", "percent", "records", "finished"):
        same[1:] &= state[key][1:] == state[key][:-1]
    starts = np.flatnonzero(~same)
    ends = np.append(starts[1:], len(imp)) - 1
    imp, a, b = imp[starts], a[starts], b[ends]
    # Cut at midnights: a closed day's file holds that day's runs.
    per_day = 86_400 // every_s
    pieces = b // per_day - a // per_day + 1
    rep = np.repeat(np.arange(len(imp)), pieces)
    k = np.arange(int(pieces.sum())) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    day = a[rep] // per_day + k
    first = np.maximum(a[rep], day * per_day)
    last = np.minimum(b[rep], (day + 1) * per_day - 1)
    imp = imp[rep]
    state = imps.state(imp, times[first])
    columns = _table(h, imps, imp, state, _texts(h, len(c), imps.error))
    ts = pa.timestamp("us", tz="UTC")
    columns["first_listed_at"] = pa.array(times[first]).cast(ts)
    columns["last_listed_at"] = pa.array(times[last]).cast(ts)
    columns["listings"] = pa.array((last - first + 1).astype(np.int64))
    columns["day"] = pa.array(day)
    return pa.table(columns), times


def listing_counts(h: int, *, days: float, every_s: int, visible: int) -> np.ndarray:
    """How many imports each listing of index ``h`` shows (counted, not made)."""
    _, _, first, last = _shown(h, days=days, every_s=every_s, visible=visible)
    return (last - first).astype(np.int64)


def _shown(
    h: int, *, days: float, every_s: int, visible: int
) -> tuple[Imports, np.ndarray, np.ndarray, np.ndarray]:
    """Index ``h``'s imports, its listing times, and each listing's first and end import."""
    imps = imports_of(h, days=days, every_s=every_s, visible=visible)
    times = listing_times(days, every_s)
    first = np.searchsorted(imps.created, times - WINDOW_DAYS * DAY_US)
    last = np.searchsorted(imps.created, times, side="right")
    return imps, times, first, last


def day_listings(h: int, times: np.ndarray, counts: np.ndarray) -> list[Any]:
    """The footer's listings of a day of index ``h``: what ``write_snapshot`` wrote each as.

    A snapshot's name ends in a random suffix; here it is made of the index and instant.
    """
    from pinecone_imports_frame.schema import SCHEMA_VERSION
    from pinecone_imports_frame.snapshots._catalog import Listing
    from pinecone_imports_frame.snapshots._layout import package_version, stamp

    shared = {
        "index_name": f"fleet-{h:02d}",
        "api_version": API_VERSION,
        "package_version": package_version(),
        "schema_version": str(SCHEMA_VERSION),
    }
    out = []
    for us, n in zip(times.tolist(), counts.tolist(), strict=True):
        at = pd.Timestamp(us, unit="us", tz="UTC")
        name = f"{stamp(at)}-{h:02x}{(us // US) % 16**10:010x}.parquet"
        out.append(Listing(name, us, n, 0, {"listed_at": at.isoformat(), **shared}))
    return out


def write_day(root: Path, host: str, day_runs: pa.Table, listings: list[Any]) -> int:
    """Write one closed day of one index as ``compact_snapshots`` writes it; return its bytes.

    ``day_runs``: the day's runs (``runs.RUN_FILE_COLUMNS``), ``listings`` its listings in
    time order. The file and its footer come from compaction's own encoder.
    """
    from pinecone_imports_frame.snapshots._compact import encode_day
    from pinecone_imports_frame.snapshots._layout import DATE_KEY, compacted_name, encode_host

    order = pc.sort_indices(
        day_runs, sort_keys=[("id", "ascending"), ("first_listed_at", "ascending")]
    )
    data = encode_day(host, day_runs.take(order), listings, as_runs=True)
    first, last = (pd.Timestamp(listings[i].listed_us, unit="us", tz="UTC") for i in (0, -1))
    suffix = f"{listings[0].listed_us // US % 16**12:012x}"  # compaction's is random
    path = root / encode_host(host) / f"{DATE_KEY}{first:%Y-%m-%d}"
    path.mkdir(parents=True, exist_ok=True)
    (path / compacted_name(first, last, suffix)).write_bytes(data)
    return len(data)


def write_fleet(
    root: Path, *, hosts: int, days: float, every_s: int, visible: int
) -> dict[str, Any]:
    """Write the fleet's compacted lake: a file of runs per index and closed day.

    Each file is what ``compact_snapshots`` writes for the day (name, columns, footer),
    made from the closed-form runs, never from listing rows.
    """
    from pinecone_imports_frame import runs as pif_runs

    t = time.perf_counter()
    files = stored = size = listing_rows = 0
    per_day = 86_400 // every_s
    columns = list(pif_runs.RUN_FILE_COLUMNS)
    for h in range(hosts):
        table, times = index_runs(h, days=days, every_s=every_s, visible=visible)
        counts = listing_counts(h, days=days, every_s=every_s, visible=visible)
        listing_rows += int(counts.sum())
        stored += table.num_rows
        day = table["day"].to_numpy()
        order = np.argsort(day, kind="stable")
        table = table.take(pa.array(order))
        status = table["status"].cast(pa.string())
        table = table.set_column(table.schema.get_field_index("status"), "status", status)
        table = table.select(columns)
        cuts = np.searchsorted(day[order], np.arange(int(np.ceil(len(times) / per_day)) + 1))
        for d in range(len(cuts) - 1):
            span = slice(d * per_day, (d + 1) * per_day)
            listings = day_listings(h, times[span], counts[span])
            part = table.slice(cuts[d], cuts[d + 1] - cuts[d])
            size += write_day(root, host_name(h), part, listings)
            files += 1
    return {
        "files": files,
        "bytes": size,
        "stored_runs": stored,
        "listing_rows": listing_rows,
        "build_s": time.perf_counter() - t,
    }


def _questions(frame: pd.DataFrame) -> dict[str, Any]:
    from pinecone_imports_frame import trends

    out: dict[str, Any] = {}
    results = {}
    for name, call in (
        ("summary", trends.summary),
        ("failures", trends.failures),
        ("throughput_7D", lambda f: trends.throughput(f, freq="7D")),
    ):
        t = time.perf_counter()
        results[name] = call(frame)
        out[name] = {"seconds": time.perf_counter() - t, "result_rows": len(results[name])}
    out["imports"] = int(results["summary"]["imports"].sum())
    out["finished"] = int(results["throughput_7D"]["finished"].sum())
    return out


def read(root: Path, *, timeline: bool = False) -> dict[str, Any]:
    """Read the year with ``read_history`` and ask the three questions (and the timeline).

    The timeline (imports per status at each listing) is beyond the target: asked in a
    process of its own, so that the target's figures do not include it.
    """
    from pinecone_imports_frame import read_history, trends

    t = time.perf_counter()
    runs = read_history(root)
    read_s = time.perf_counter() - t
    if timeline:
        t = time.perf_counter()
        rows = len(trends.status_timeline(runs))
        return {"read_s": read_s, "seconds": time.perf_counter() - t, "result_rows": rows}
    answers = _questions(runs)
    return {"read_s": read_s, "runs": len(runs), "total_s": time.perf_counter() - t, **answers}


def write_listings(root: Path, table: pa.Table) -> None:
    """Write each listing of listing rows (:func:`index_listings`) with ``write_snapshot``."""
    from pinecone_imports_frame import frame as pif_frame
    from pinecone_imports_frame.snapshots import write_snapshot

    keys = pa.table({"h": table["index_host"], "t": table["listed_at"]})
    order = pc.sort_indices(keys, sort_keys=[("h", "ascending"), ("t", "ascending")])
    table = table.take(order)
    listed = table["listed_at"].cast(pa.int64()).to_numpy()
    host = pc.dictionary_encode(table["index_host"]).combine_chunks().indices.to_numpy()
    cuts = np.flatnonzero((np.diff(listed) != 0) | (np.diff(host) != 0)) + 1
    bounds = np.r_[0, cuts, len(listed)]
    frame = pif_frame.frame_from_table(pif_frame.conform_table(table))
    frame.attrs["api_version"] = API_VERSION  # as read_imports says it
    for lo, hi in itertools.pairwise(bounds):
        write_snapshot(frame.iloc[lo:hi], root)


def month(root: Path, *, days: float, every_s: int, visible: int) -> dict[str, Any]:
    """Today's path: one index's listings written one file each, then compacted."""
    from pinecone_imports_frame.snapshots import compact_snapshots

    t = time.perf_counter()
    table = index_listings(0, days=days, every_s=every_s, visible=visible)
    write_listings(root, table)
    compact_snapshots(root)  # its days are long past: all compacted
    size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
    return {"listing_rows": int(table.num_rows), "bytes": size, "build_s": time.perf_counter() - t}


def month_read(root: Path) -> dict[str, Any]:
    from pinecone_imports_frame.snapshots import read_snapshots

    t = time.perf_counter()
    listings = read_snapshots(root)
    read_s = time.perf_counter() - t
    answers = _questions(listings)
    return {"read_s": read_s, "rows": len(listings), "total_s": time.perf_counter() - t, **answers}


#: Targets of issue 19 for the year of a fleet.
LAKE_BYTES_GOAL = 1_000_000_000
READ_S_GOAL = 30.0
READ_RSS_MB_GOAL = 4_096.0


def targets(section: dict[str, Any]) -> list[dict[str, Any]]:
    """The year section's targets, as ``run.py`` lists them."""
    year, read_year = section["build"], section["read"]
    scale = f"{section['hosts']} indexes x {section['days']:g} days"
    wall = read_year["process"]["wall_s"]
    rss = read_year["process"]["peak_rss_mb"]
    return [
        {
            "name": f"year of a fleet ({scale}): lake on disk",
            "target": "<= 1 GB",
            "value": f"{year['bytes'] / 1e6:,.0f} MB ({year['files']:,} files)",
            "met": year["bytes"] <= LAKE_BYTES_GOAL,
        },
        {
            "name": f"year of a fleet ({scale}): read + summary + failures + throughput(7D)",
            "target": f"<= {READ_S_GOAL:.0f} s",
            "value": (
                f"{wall:.1f} s wall, {read_year['process']['cpu_s']:.1f} CPU s (fresh process, "
                f"load {section.get('load_average', '?')} on a shared machine)"
            ),
            "met": wall <= READ_S_GOAL,
        },
        {
            "name": f"year of a fleet ({scale}): peak RSS of the same",
            "target": f"<= {READ_RSS_MB_GOAL / 1024:.0f} GB",
            "value": f"{rss:,.0f} MB",
            "met": rss <= READ_RSS_MB_GOAL,
        },
    ]


def markdown(section: dict[str, Any]) -> list[str]:
    """The year section of ``run.py``'s report, as lines."""
    year, read_year, month_, month_read_ = (
        section["build"],
        section["read"],
        section["month"],
        section["month_read"],
    )
    timeline = section["timeline"]
    rows = [
        [
            f"year, {section['hosts']} indexes, runs lake",
            f"{year['listing_rows']:,}",
            f"{read_year['runs']:,}",
            f"{year['bytes'] / 1e6:,.1f}",
            f"{read_year['process']['wall_s']:.1f}",
            f"{read_year['read_s']:.1f}",
            f"{read_year['total_s'] - read_year['read_s']:.1f}",
            f"{read_year['process']['peak_rss_mb']:,.0f}",
        ],
        [
            f"{section['month_days']:g} days, 1 index, read_snapshots (today's path)",
            f"{month_['listing_rows']:,}",
            f"{month_read_['rows']:,}",
            f"{month_['bytes'] / 1e6:,.1f}",
            f"{month_read_['process']['wall_s']:.1f}",
            f"{month_read_['read_s']:.1f}",
            f"{month_read_['total_s'] - month_read_['read_s']:.1f}",
            f"{month_read_['process']['peak_rss_mb']:,.0f}",
        ],
    ]
    header = [
        "lake",
        "listing rows",
        "rows read",
        "MB on disk",
        "wall s",
        "read s",
        "trends s",
        "peak RSS MB",
    ]
    per_year = read_year["process"]["wall_s"] / max(year["listing_rows"], 1)
    per_month = month_read_["process"]["wall_s"] / max(month_["listing_rows"], 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return [
        "",
        "## 9. A year of a fleet",
        "",
        f"{section['days']:g} days of listings every {section['every_s']} s of "
        f"{section['hosts']} indexes of about {section['visible']:,} visible imports each, "
        "written as compact_snapshots writes closed days (one runs file per index and day, "
        "encoded by compaction's own encode_day) by a closed-form generator in "
        f"{year['build_s']:.1f} s ({year['stored_runs']:,} stored runs, a run cut at each "
        "midnight); read whole with read_history and asked trends.summary, trends.failures "
        "and trends.throughput(freq='7D') in a fresh process. Beside it, the same questions "
        "from read_snapshots on a compacted month of listings of one index (today's path). "
        f"Per listing row the runs lake answers {per_month / per_year:,.0f}x faster. "
        f"Beyond the target, status_timeline at each of the year's "
        f"{timeline['result_rows']:,} listings took {timeline['seconds']:.1f} s from the "
        "runs (a process of its own). CPU seconds, user + system (the machine is shared: "
        f"load average {section.get('load_average', '?')} around the year's read): year "
        f"{read_year['process']['cpu_s']:.1f}, month {month_read_['process']['cpu_s']:.1f}.",
        "",
        *lines,
    ]


def main() -> None:
    command, root = sys.argv[1], Path(sys.argv[2])
    numbers = [float(x) for x in sys.argv[3:]]
    if command == "build":
        hosts, days, every_s, visible = numbers
        out = write_fleet(
            root, hosts=int(hosts), days=days, every_s=int(every_s), visible=int(visible)
        )
    elif command in ("read", "timeline"):
        out = read(root, timeline=command == "timeline")
    elif command == "month":
        days, every_s, visible = numbers
        out = month(root, days=days, every_s=int(every_s), visible=int(visible))
    elif command == "month_read":
        out = month_read(root)
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
