"""Reading a lake: files chosen from their names, read whole, stacked, typed once."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import frame as _frame
from .. import schema
from ..errors import ConfigurationError, SnapshotError, UnknownStatusWarning
from ..schema import DtypeBackend
from ._args import as_set, as_utc
from ._layout import FILE_COLUMNS, METADATA_PREFIX, SnapshotFile, micros
from ._store import Store, open_store

logger = logging.getLogger(__name__)

#: Stored columns each derived column is computed from.
_DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "duration": ("created_at", "finished_at"),
    "elapsed": ("created_at", "finished_at", "listed_at", "status"),
    "is_terminal": ("status",),
    "records_per_second": ("records_imported", "created_at", "finished_at"),
}
_THREADS = 16


def _check_columns(columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(schema.COLUMN_NAMES)
    if isinstance(columns, str):
        columns = [columns]
    unknown = [c for c in columns if c not in schema.BY_NAME]
    if unknown:
        raise ConfigurationError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; columns are "
            f"{', '.join(schema.COLUMN_NAMES)}"
        )
    wanted = set(columns)
    return [c for c in schema.COLUMN_NAMES if c in wanted]


def _empty(columns: list[str], dtype_backend: DtypeBackend) -> pd.DataFrame:
    return _frame.empty_frame(dtype_backend=dtype_backend)[columns]


def _in_window(f: SnapshotFile, since_us: int | None, until_us: int | None) -> bool:
    if f.stamp is None:
        return True  # a file named by someone else: its rows are filtered after reading
    return (since_us is None or f.stamp >= since_us) and (until_us is None or f.stamp < until_us)


def read_snapshots(
    root: str | os.PathLike[str],
    *,
    index_host: str | Sequence[str] | None = None,
    index_name: str | Sequence[str] | None = None,
    since: Any = None,
    until: Any = None,
    columns: Sequence[str] | None = None,
    storage_options: dict[str, Any] | None = None,
    dtype_backend: DtypeBackend = "numpy_nullable",
) -> pd.DataFrame:
    """Every snapshot under ``root`` stacked into one imports frame.

    The frame has the dtypes :func:`read_imports` gives (status categories, UTC microsecond
    timestamps, nullable integers), derived columns recomputed, rows sorted by
    ``listed_at`` then ``id`` and a fresh RangeIndex. Files are selected from their
    partition folders and names before any is opened, then read in one multithreaded
    Arrow pass and converted to pandas once.

    Parameters
    ----------
    root : str or os.PathLike
        A local folder or an fsspec URL (see :func:`write_snapshot`).
    index_host : str or list of str, optional
        Only these hosts (their partitions alone are listed).
    index_name : str or list of str, optional
        Only rows of these index names (row groups are skipped from their statistics).
    since, until : timestamp-like, optional
        Only listings with ``since <= listed_at < until``; naive values are UTC. Files
        outside the window are skipped from their date folder and file name, unopened.
    columns : list of str, optional
        Only these columns, returned in schema order; only what they need is read.
    storage_options : dict, optional
        Passed to fsspec for a URL root.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

    Returns
    -------
    pandas.DataFrame
        The stacked snapshots; the 0-row frame of the schema when nothing matches or the
        root does not exist. A column a snapshot lacks (written by an older version) is NA
        in its rows; a status no API version lists is kept as an extra category.

    Raises
    ------
    SnapshotError
        A selected file is not readable Parquet.
    ConfigurationError
        Bad arguments, or the fsspec backend for ``root`` is missing.

    Examples
    --------
    >>> import tempfile
    >>> from pinecone_imports_frame.frame import to_frame
    >>> from pinecone_imports_frame.snapshots import write_snapshot
    >>> root = tempfile.mkdtemp()
    >>> for t in ["2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z"]:
    ...     _ = write_snapshot(to_frame([{"id": "1", "uri": "s3://b/p", "status": "Pending",
    ...                                   "createdAt": "2025-05-01T11:00:00Z"}],
    ...                                 listed_at=t, index_host="idx.svc.pinecone.io"), root)
    >>> df = read_snapshots(root, since="2025-05-02")
    >>> len(df), str(df.loc[0, "elapsed"])
    (1, '1 days 01:00:00')
    """
    schema.check_dtype_backend(dtype_backend)
    wanted = _check_columns(columns)
    hosts = as_set(index_host, "index_host")
    names = as_set(index_name, "index_name")
    since_ts, until_ts = as_utc(since, "since"), as_utc(until, "until")
    store = open_store(root, storage_options)
    since_us, until_us = micros(since_ts), micros(until_ts)
    files = store.scan(
        hosts=hosts,
        first_date=None if since_ts is None else since_ts.strftime("%Y-%m-%d"),
        last_date=None if until_ts is None else until_ts.strftime("%Y-%m-%d"),
    )
    files = [f for f in files if _in_window(f, since_us, until_us)]
    files.sort(key=lambda f: (-(2**62) if f.stamp is None else f.stamp, f.path))
    logger.debug("read_snapshots: %d file(s) selected under %s", len(files), store.root)
    if not files:
        return _empty(wanted, dtype_backend)

    # What to read: the requested stored columns, what derived ones are computed from,
    # and the sort keys.
    need = {"listed_at", "id"}
    for c in wanted:
        need.update(_DERIVED_FROM.get(c, (c,)))
    if names is not None:
        need.add("index_name")
    read_cols = [c for c in FILE_COLUMNS if c in need]

    table = _stack(_read_files(store, files, read_cols, names), read_cols)
    if table is None:
        return _empty(wanted, dtype_backend)
    keep = None
    if names is not None:
        keep = pc.is_in(table["index_name"], value_set=pa.array(sorted(names)))
    if any(f.stamp is None for f in files):  # foreign file names: filter rows on listed_at
        for bound, op in ((since_ts, pc.greater_equal), (until_ts, pc.less)):
            if bound is not None:
                cond = op(table["listed_at"], pa.scalar(bound, schema.arrow_type("listed_at")))
                keep = cond if keep is None else pc.and_(keep, cond)
    if keep is not None:
        table = table.filter(pc.fill_null(keep, False))
    if table.num_rows == 0:
        return _empty(wanted, dtype_backend)

    if not _is_sorted(table):  # files are stored sorted by id and read in listed_at order
        order = pc.sort_indices(table, sort_keys=[("listed_at", "ascending"), ("id", "ascending")])
        table = table.take(order)
    with warnings.catch_warnings():
        # Unknown statuses were reported when they were listed; they stay extra categories.
        warnings.simplefilter("ignore", UnknownStatusWarning)
        full = _frame.conform_table(table)
    if wanted == list(schema.COLUMN_NAMES):
        return _frame.frame_from_table(full, dtype_backend=dtype_backend)
    data = {c: _frame.column_to_pandas(full[c], c, dtype_backend) for c in wanted}
    return pd.DataFrame(data, copy=False)


def _is_sorted(table: pa.Table) -> bool:
    """Whether rows are already in (listed_at, id) order: a few vector ops, not a sort."""
    n = table.num_rows
    if n < 2:
        return True
    ts, ids = table["listed_at"], table["id"]
    before, after = ts.slice(0, n - 1), ts.slice(1)
    id_ok = pc.less_equal(ids.slice(0, n - 1), ids.slice(1))
    ok = pc.or_(pc.less(before, after), pc.and_(pc.equal(before, after), id_ok))
    return bool(pc.all(pc.fill_null(ok, False)).as_py())


def _workers(n: int) -> int:
    """Count decoding threads: decoding is CPU-bound (fetching is done by then, or cheap)."""
    return max(1, min(n, _THREADS, os.cpu_count() or 1))


def _read_files(
    store: Store, files: list[SnapshotFile], read_cols: list[str], names: frozenset[str] | None
) -> list[tuple[SnapshotFile, pa.Table]]:
    """Each selected file's stored ``read_cols``, read whole in one request per file.

    Snapshot files are small and read almost whole, so one read of the file's bytes
    (instead of a footer read and then one per column chunk) is what makes a lake of many
    small files fast. Local files are read and decoded by a few threads, each taking a
    contiguous share of the files; an fsspec filesystem fetches every file with one
    ``cat`` (concurrent on object stores), then the bytes are decoded by the threads.
    """
    blobs: dict[str, bytes] = {}
    try:
        blobs = store.read_many([f.path for f in files])
    except OSError as exc:
        raise SnapshotError(
            f"could not read the snapshots under {store.display(store.root)}: {exc}; "
            "a snapshot may have been pruned while reading: try again"
        ) from exc

    def work(share: list[SnapshotFile]) -> list[tuple[SnapshotFile, pa.Table]]:
        out = []
        for f in share:
            try:
                data = blobs[f.path] if f.path in blobs else store.read(f.path)
            except OSError as exc:
                raise SnapshotError(
                    f"could not read {store.display(f.path)}: {exc}; it may have been "
                    "pruned while reading: try again"
                ) from exc
            t = _decode(store, f, data, read_cols, names)
            if t is not None:
                out.append((f, t))
        return out

    n = _workers(len(files)) if len(files) >= 16 else 1
    if n == 1:
        return work(files)
    size = -(-len(files) // n)
    shares = [files[i : i + size] for i in range(0, len(files), size)]
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        return [item for part in pool.map(work, shares) for item in part]


def _decode(
    store: Store, f: SnapshotFile, data: bytes, read_cols: list[str], names: frozenset[str] | None
) -> pa.Table | None:
    """Decode the ``read_cols`` a file has, as stored; None if it is another index's."""
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        if names is not None:
            kv = pf.metadata.metadata or {}
            stored = kv.get((METADATA_PREFIX + "index_name").encode())
            if stored and stored.decode("utf-8", "replace") not in names:
                return None
        present = set(pf.schema_arrow.names)
        return pf.read(columns=[c for c in read_cols if c in present], use_threads=False)
    except (pa.ArrowException, OSError) as exc:
        raise SnapshotError(
            f"{store.display(f.path)} is not a readable snapshot ({exc}); delete it or move "
            "it out of the lake (list_snapshots shows the lake's files)"
        ) from exc


def _stack(decoded: list[tuple[SnapshotFile, pa.Table]], read_cols: list[str]) -> pa.Table | None:
    """Every file's rows in one table of ``read_cols`` plus ``index_host``, or None.

    Files are grouped by their stored schema (one group in a lake written by one version)
    and each group is concatenated, cast and completed once, not file by file: a column a
    group lacks (written by an older version) becomes nulls, status becomes plain strings
    (files differ in their dictionaries), ``index_host`` comes from the partition.
    """
    groups: list[tuple[pa.Schema, list[pa.Table], list[str]]] = []
    last: tuple[pa.Schema, list[pa.Table], list[str]] | None = None
    for f, t in decoded:
        if last is None or not last[0].equals(t.schema, check_metadata=False):
            last = next((g for g in groups if g[0].equals(t.schema, check_metadata=False)), None)
            if last is None:
                last = (t.schema, [], [])
                groups.append(last)
        last[1].append(t.replace_schema_metadata(None))
        last[2].append(f.host)
    out = []
    for group_schema, tables, hosts in groups:
        got = pa.concat_tables(tables).combine_chunks()  # one chunk: cheaper from here on
        n = got.num_rows
        arrays = []
        for c in read_cols:
            target = pa.string() if c == "status" else schema.arrow_type(c)
            if c not in group_schema.names:
                arrays.append(pa.chunked_array([pa.nulls(n, target)]))
                continue
            col = got[c]
            if col.type != target:
                try:
                    col = col.cast(target)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise SnapshotError(
                        f"column {c} is stored as {col.type} in some snapshots, which does "
                        f"not convert to {target} ({exc}); they are not snapshots of this "
                        "package"
                    ) from exc
            arrays.append(col)
        host_names = sorted(set(hosts))
        codes = {h: i for i, h in enumerate(host_names)}
        indices = np.repeat(
            np.array([codes[h] for h in hosts], dtype=np.int32),
            [t.num_rows for t in tables],
        )
        host_col = pa.DictionaryArray.from_arrays(pa.array(indices), pa.array(host_names))
        arrays.append(pa.chunked_array([host_col.cast(pa.string())]))
        out.append(pa.Table.from_arrays(arrays, names=[*read_cols, "index_host"]))
    if not out:
        return None
    return pa.concat_tables(out) if len(out) > 1 else out[0]
