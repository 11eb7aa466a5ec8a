"""A year of a fleet, as runs, in child processes of ``run.py`` (each prints one JSON line).

``python _year.py build ROOT HOSTS DAYS EVERY_S VISIBLE``: writes the compacted lake of a
fleet of HOSTS indexes, DAYS days of listings every EVERY_S seconds, about VISIBLE imports
visible in each, straight as runs (one Parquet file per index and day, as compaction
writes a closed day) by :func:`fleet_runs`, a closed-form generator: it never makes the
listing rows (two billion for a year of 20 indexes).

``python _year.py read ROOT``: reads the whole lake as one runs frame (:func:`read_runs`)
and answers ``trends.summary``, ``trends.failures`` and ``trends.throughput(freq="7D")``;
timed in a fresh process, its peak RSS from ``wait4``.

``python _year.py month ROOT DAYS EVERY_S VISIBLE``: today's path for the ratio: writes
DAYS days of listings of one index (the same model) with ``write_snapshot``, compacts them
with ``compact_snapshots``; ``python _year.py month_read ROOT`` reads them with
``read_snapshots`` and answers the same three questions.

STAND-IN: until ``pif.read_history`` and compaction to runs (helper i19-lake) land,
:func:`read_runs` reads the runs with pyarrow and types them with the package's frame
typing; the lead wires ``read_history`` in at merge (``READER`` below says which was timed).

The model is ``_trends.py``'s: imports created at a steady rate, listed for ``window``
(``VISIBLE`` of them at a time), Pending, loading at a steady rate (percent_complete and
records_imported change at each listing), InProgress at 100 % while indexing, then
Completed, Failed or Cancelled.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

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
#: The footer key of a runs file's listing instants (microseconds, JSON).
LISTINGS_KEY = b"pif.listings"
#: What read_runs is (the lead switches it to read_history at merge).
READER = "stand-in: pyarrow.dataset + merge across days + frame typing"
#: The columns a runs file stores (besides index_host and date, its partitions).
STORED = (
    "id",
    "uri",
    "status",
    "created_at",
    "finished_at",
    "percent_complete",
    "records_imported",
    "validation_successes",
    "validation_errors",
    "error",
    "index_name",
    "api_version",
)
RUNS_ONLY = ("first_listed_at", "last_listed_at", "listings")


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
        "api_version": pa.array(["2025-04"] * len(imp)),
    }


def listing_times(days: float, every_s: int) -> np.ndarray:
    return START.value // 1000 + np.arange(int(days * 86_400 // every_s)) * every_s * US


def index_listings(h: int, *, days: float, every_s: int, visible: int) -> pa.Table:
    """Every listing row of index ``h`` (for small cases and the month: the listing path)."""
    imps = imports_of(h, days=days, every_s=every_s, visible=visible)
    times = listing_times(days, every_s)
    window = WINDOW_DAYS * DAY_US
    first = np.searchsorted(imps.created, times - window)
    last = np.searchsorted(imps.created, times, side="right")
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


def write_fleet(
    root: Path, *, hosts: int, days: float, every_s: int, visible: int
) -> dict[str, Any]:
    """Write the fleet's runs: ``index_host=H/date=D/runs.parquet``, the day's instants in it."""
    t = time.perf_counter()
    files = runs = 0
    per_day = 86_400 // every_s
    for h in range(hosts):
        table, times = index_runs(h, days=days, every_s=every_s, visible=visible)
        runs += table.num_rows
        day = table["day"].to_numpy()
        order = np.argsort(day, kind="stable")
        table = table.take(pa.array(order)).drop_columns(["day"])
        cuts = np.searchsorted(day[order], np.arange(int(np.ceil(len(times) / per_day)) + 1))
        folder = root / f"index_host={urllib.parse.quote(host_name(h), safe='')}"
        for d in range(len(cuts) - 1):
            part = table.slice(cuts[d], cuts[d + 1] - cuts[d])
            instants = times[d * per_day : (d + 1) * per_day]
            date = (START + pd.Timedelta(days=d)).strftime("%Y-%m-%d")
            path = folder / f"date={date}" / "runs.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            meta = {LISTINGS_KEY: json.dumps(instants.tolist()).encode()}
            pq.write_table(part.replace_schema_metadata(meta), path)  # snappy, as the lake
            files += 1
    size = sum(p.stat().st_size for p in root.rglob("*.parquet"))
    listing_rows = sum(
        int(index_listing_count(h, days=days, every_s=every_s, visible=visible))
        for h in range(hosts)
    )
    return {
        "files": files,
        "bytes": size,
        "stored_runs": runs,
        "listing_rows": listing_rows,
        "build_s": time.perf_counter() - t,
    }


def index_listing_count(h: int, *, days: float, every_s: int, visible: int) -> int:
    """How many listing rows index ``h`` stands for (counted, not made)."""
    imps = imports_of(h, days=days, every_s=every_s, visible=visible)
    times = listing_times(days, every_s)
    window = WINDOW_DAYS * DAY_US
    first = np.searchsorted(imps.created, times - window)
    last = np.searchsorted(imps.created, times, side="right")
    return int((last - first).sum())


class Instants:
    """Which listings exist per index (the interface of ``runs.ListingInstants``)."""

    def __init__(self, by_host: dict[str, np.ndarray]) -> None:
        self._by_host = {
            h: pd.DatetimeIndex(pd.to_datetime(np.sort(t), unit="us", utc=True)).as_unit("us")
            for h, t in by_host.items()
        }

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_host))

    def by_host(self) -> dict[str, pd.DatetimeIndex]:
        return dict(self._by_host)

    def __deepcopy__(self, memo: Any) -> Instants:
        return self


def _null_equal(a: pa.Array, b: pa.Array) -> np.ndarray:
    both_null = pc.and_(pc.is_null(a), pc.is_null(b))
    equal = pc.fill_null(pc.equal(a, b), False)
    return np.asarray(pc.or_(equal, both_null).to_numpy(zero_copy_only=False), dtype=bool)


_DICTIONARY = ds.ParquetFileFormat(
    read_options=ds.ParquetReadOptions(dictionary_columns=["uri", "error", "index_name"])
)


def _index_runs(folder: Path) -> tuple[pa.Table, np.ndarray]:
    """One index's runs, each day's runs joined to the next day's it continues; and instants.

    Reads one index at a time, so the peak memory follows one index's stored runs.
    """
    paths = sorted(folder.glob("date=*/runs.parquet"))
    instants = np.unique(
        np.concatenate(
            [
                np.array(json.loads((pq.read_schema(p).metadata or {})[LISTINGS_KEY]), np.int64)
                for p in paths
            ]
        )
    )
    table = ds.dataset([str(p) for p in paths], format=_DICTIONARY).to_table()
    table = table.unify_dictionaries().combine_chunks()
    ids = pc.dictionary_encode(table["id"].combine_chunks()).indices.to_numpy()
    first = table["first_listed_at"].cast(pa.int64()).to_numpy()
    last = table["last_listed_at"].cast(pa.int64()).to_numpy()
    order = np.lexsort((first, ids))
    table = table.take(pa.array(order))
    ids, first, last = ids[order], first[order], last[order]
    pos = np.searchsorted(instants, first)  # the listing just before each run's first
    previous = np.where(pos > 0, instants[np.maximum(pos - 1, 0)], np.iinfo(np.int64).min)
    joins = np.zeros(len(first), dtype=bool)
    joins[1:] = (ids[1:] == ids[:-1]) & (last[:-1] == previous[1:])
    for name in STORED:
        if name == "id" or not joins.any():
            continue
        column = table[name].chunk(0) if table[name].num_chunks else table[name]
        if pa.types.is_dictionary(column.type):  # one dictionary (unified): equal codes
            column = column.indices
        joins[1:] &= _null_equal(column.slice(1), column.slice(0, len(column) - 1))
    starts = np.flatnonzero(~joins)
    ends = np.append(starts[1:], len(first)) - 1
    counts = table["listings"].to_numpy()
    listings = np.add.reduceat(counts, starts) if len(starts) else counts[:0]
    runs = table.take(pa.array(starts))
    runs = runs.set_column(
        runs.schema.get_field_index("last_listed_at"),
        "last_listed_at",
        pa.array(last[ends]).cast(pa.timestamp("us", tz="UTC")),
    )
    runs = runs.set_column(runs.schema.get_field_index("listings"), "listings", pa.array(listings))
    host = urllib.parse.unquote(folder.name.split("=", 1)[1])
    runs = runs.append_column("index_host", pa.array([host] * runs.num_rows, pa.string()))
    for name in ("uri", "error", "index_name"):
        column = runs[name]
        if pa.types.is_dictionary(column.type):
            runs = runs.set_column(
                runs.schema.get_field_index(name), name, column.cast(column.type.value_type)
            )
    return runs, instants


def read_runs(root: Path) -> pd.DataFrame:
    """STAND-IN for ``read_history``: every run of the lake, merged across days, typed."""
    from pinecone_imports_frame import frame as pif_frame

    folders = sorted(root.glob("index_host=*"))
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # pyarrow and numpy free the GIL
        done = list(pool.map(_index_runs, folders))
    parts = [runs for runs, _ in done]
    times = {
        urllib.parse.unquote(folder.name.split("=", 1)[1]): instants
        for folder, (_, instants) in zip(folders, done, strict=True)
    }
    del done
    table = pa.concat_tables(parts, promote_options="permissive").combine_chunks()
    del parts
    stored = {n: table[n] for n in (*STORED, "index_host")}
    stored["listed_at"] = table["last_listed_at"]  # derived columns as at the last listing
    df = pif_frame.frame_from_table(pif_frame.conform_table(pa.table(stored)))
    df = df.drop(columns="listed_at")
    for name in ("first_listed_at", "last_listed_at"):
        df[name] = pd.Series(table[name].to_pandas(), index=df.index).dt.as_unit("us")
    df["listings"] = pd.array(table["listings"].to_numpy(), dtype="Int64")
    df = df.sort_values(["index_host", "id", "first_listed_at"], kind="stable", ignore_index=True)
    df.attrs["listings"] = Instants(times)
    return df


def _questions(frame: pd.DataFrame) -> dict[str, Any]:
    from pinecone_imports_frame import trends

    out: dict[str, Any] = {}
    for name, call in (
        ("summary", trends.summary),
        ("failures", trends.failures),
        ("throughput_7D", lambda f: trends.throughput(f, freq="7D")),
    ):
        t = time.perf_counter()
        result = call(frame)
        out[name] = {"seconds": time.perf_counter() - t, "result_rows": len(result)}
    out["imports"] = int(trends.summary(frame)["imports"].sum())
    out["finished"] = int(trends.throughput(frame, freq="7D")["finished"].sum())
    return out


def read(root: Path) -> dict[str, Any]:
    t = time.perf_counter()
    runs = read_runs(root)
    read_s = time.perf_counter() - t
    answers = _questions(runs)
    total_s = time.perf_counter() - t
    from pinecone_imports_frame import trends

    t = time.perf_counter()  # beyond the target: imports per status at every listing
    timeline = trends.status_timeline(runs)
    return {
        "reader": READER,
        "read_s": read_s,
        "runs": len(runs),
        "total_s": total_s,
        "status_timeline": {"seconds": time.perf_counter() - t, "result_rows": len(timeline)},
        **answers,
    }


def month(root: Path, *, days: float, every_s: int, visible: int) -> dict[str, Any]:
    """Today's path: one index's listings written one file each, then compacted."""
    from pinecone_imports_frame import frame as pif_frame
    from pinecone_imports_frame.snapshots import compact_snapshots, write_snapshot

    t = time.perf_counter()
    table = index_listings(0, days=days, every_s=every_s, visible=visible)
    listed = table["listed_at"].cast(pa.int64()).to_numpy()
    cuts = np.flatnonzero(np.diff(listed)) + 1
    bounds = np.r_[0, cuts, len(listed)]
    frame = pif_frame.frame_from_table(pif_frame.conform_table(table))
    for lo, hi in itertools.pairwise(bounds):
        write_snapshot(frame.iloc[lo:hi], root)
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
            "value": f"{wall:.1f} s (fresh process; {read_year['reader']})",
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
    rows = [
        [
            f"year, {section['hosts']} indexes, runs lake ({read_year['reader']})",
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
        f"written as runs (one file per index and day) by a closed-form generator in "
        f"{year['build_s']:.1f} s ({year['stored_runs']:,} stored runs, a run cut at each "
        "midnight); read whole and asked trends.summary, trends.failures and "
        "trends.throughput(freq='7D') in a fresh process. Beside it, the same questions "
        "from read_snapshots on a compacted month of listings of one index (today's path). "
        f"Per listing row the runs lake answers {per_month / per_year:,.0f}x faster. "
        f"Beyond the target, status_timeline at each of the year's "
        f"{read_year['status_timeline']['result_rows']:,} listings took "
        f"{read_year['status_timeline']['seconds']:.1f} s from the runs. CPU seconds (the "
        f"machine may be shared): year {read_year['process']['cpu_s']:.1f}, month "
        f"{month_read_['process']['cpu_s']:.1f}.",
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
    elif command == "read":
        out = read(root)
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
