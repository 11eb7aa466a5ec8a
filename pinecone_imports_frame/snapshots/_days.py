"""Compacted days read whole by ``read_history``: which, their footers, their runs.

A compacted day of runs alone over its span is read at file level: its footer says its
listings (as arrays: instants and rows), its rows are its runs as stored. Footers and
rows are read by a few threads, a few files ahead of the one taken (pyarrow decodes
without the GIL; an object store answers each request in tens of milliseconds).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .. import runs
from ._catalog import LISTINGS_KEY, RUNS_KEY, listing_arrays
from ._layout import SnapshotFile, is_ours, schema_problem
from ._store import Store


def read_runs(parquet: pq.ParquetFile) -> pa.Table:
    """Read a runs file's stored columns."""
    present = set(parquet.schema_arrow.names)
    cols = [x for x in runs.RUN_FILE_COLUMNS if x in present]
    return parquet.read(columns=cols, use_threads=False)


def whole_files(
    found: list[SnapshotFile], window: tuple[int | None, int | None]
) -> tuple[list[SnapshotFile], list[SnapshotFile]]:
    """Split the files found into runs files to read whole, and the others.

    A compacted day of runs is read whole (at file level: no listing of it looked at one
    by one) when it lies in the window and no other file of its index may hold a
    listing of its span (from the names: no file of its day, as compaction leaves it).
    """
    since_us, until_us = window
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for i, f in enumerate(found):
        first, last = f.listed_us, f.last_listed_us
        if first is not None and last is not None:
            spans.setdefault(f.host, []).append((first, last, i))
    alone = set()
    for items in spans.values():
        items.sort()
        reach = np.iinfo(np.int64).min  # the last instant of the files before
        for k, (first, last, i) in enumerate(items):
            after = items[k + 1][0] if k + 1 < len(items) else None
            if first > reach and (after is None or after > last):
                alone.add(i)
            reach = max(reach, last)
    whole: list[SnapshotFile] = []
    rest: list[SnapshotFile] = []
    for i, f in enumerate(found):
        first, last = f.listed_us, f.last_listed_us
        inside = (
            first is not None
            and last is not None
            and (since_us is None or first >= since_us)
            and (until_us is None or last < until_us)
        )
        (whole if f.is_runs and inside and i in alone else rest).append(f)
    return whole, rest


#: Files read at once by threads (pyarrow decodes without the GIL).
_THREADS = 4
_AT_ONCE = 64


def threaded(fn: Callable[[SnapshotFile], Any], files: list[SnapshotFile]) -> Iterator[Any]:
    """Yield ``fn`` of each file, in order, run by a few threads a few files at a time."""
    if not files:
        return
    with ThreadPoolExecutor(min(_THREADS, len(files))) as pool:
        running: deque[Future[Any]] = deque()
        for f in files:  # a few files ahead of the one taken: the threads never wait
            running.append(pool.submit(fn, f))
            if len(running) > _AT_ONCE:
                yield running.popleft().result()
        while running:
            yield running.popleft().result()


def footer_of(store: Store, f: SnapshotFile) -> Any:
    """Return a plain runs file's ``(host, instants, rows)`` of its listings, from its footer.

    "gone" if it vanished; None when it is not a plain runs file of this package (the
    general path reads it, and says what is wrong).
    """
    try:
        _, md = store.footer(f)
        kv = md.metadata or {}
        if not is_ours(kv) or kv.get(RUNS_KEY) != str(md.num_rows).encode():
            return None
        raw = kv.get(LISTINGS_KEY) or b"null"
        arrays = listing_arrays(json.loads(raw), raw)
        if arrays is None or not len(arrays[0]):
            return None
        stamps, rows = arrays
        first, last = f.listed_us, f.last_listed_us
        if first is None or last is None or stamps.min() < first or stamps.max() > last:
            return None
        if not _runs_schema_ok(md.schema, kv.get(b"ARROW:schema")):
            return None
    except FileNotFoundError:
        return "gone"
    except Exception:  # the general path reads it again, and reports what is wrong
        return None
    return f.host, stamps, rows


#: Schemas of runs files found good (a lake's files share a handful): the Parquet schema
#: and the Arrow schema stored beside it (both make the types read).
_GOOD_SCHEMAS: list[tuple[bytes | None, pq.ParquetSchema]] = []


def _runs_schema_ok(stored: pq.ParquetSchema, arrow_schema: bytes | None) -> bool:
    """Whether a runs file's columns are the ones this package writes (looked up once)."""
    if any(a == arrow_schema and stored.equals(good) for a, good in _GOOD_SCHEMAS):
        return True
    arrow = stored.to_arrow_schema().remove_metadata()
    if schema_problem(arrow, runs=True) is not None:
        return False
    if len(_GOOD_SCHEMAS) < 16:
        _GOOD_SCHEMAS.append((arrow_schema, stored))
    return True


def rows_of_file(store: Store, f: SnapshotFile) -> pa.Table | str:
    """Return a runs file's runs; "gone" if it vanished, or why they do not decode."""
    try:
        return read_runs(store.parquet(f.path))
    except FileNotFoundError:
        return "gone"
    except (pa.ArrowException, OSError) as exc:
        return f"its rows do not decode ({exc})"
