"""Reading a lake: files chosen from their names, read whole, stacked, typed once."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import config, schema
from .. import frame as _frame
from ..error_categories import categorize
from ..errors import ConfigurationError, SkippedFileWarning, UnknownStatusWarning
from ..frame import micros
from ..schema import DtypeBackend
from ._args import as_set, as_utc, shared_params
from ._catalog import Listing, choose_copies, listings_of
from ._layout import (
    COMPACTED,
    FILE_COLUMNS,
    METADATA_PREFIX,
    OTHER,
    REQUIRED_COLUMNS,
    SNAPSHOT,
    SnapshotFile,
    day,
    is_ours,
    rows_problem,
    schema_problem,
)
from ._store import Store, is_arrow_error, open_store, store_errors

logger = logging.getLogger(__name__)

_MAX_DECODE_THREADS = 16


def _check_columns(columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(schema.COLUMN_NAMES)
    if isinstance(columns, str):
        columns = [columns]
    if len(columns) == 0:
        # Not a frame of no columns: pandas would give it as many rows as the lake has,
        # and no way to see which listing each row was.
        raise ConfigurationError(
            "columns=[] selects no column; pass columns=None for every column, or name "
            "the ones wanted (e.g. columns=['id', 'status', 'listed_at'])"
        )
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


def _listed_in(listed_us: int, since_us: int | None, until_us: int | None) -> bool:
    return (since_us is None or listed_us >= since_us) and (
        until_us is None or listed_us < until_us
    )


def _in_window(f: SnapshotFile, since_us: int | None, until_us: int | None) -> bool:
    assert f.listed_us is not None
    return _listed_in(f.listed_us, since_us, until_us)


def _overlaps(f: SnapshotFile, since_us: int | None, until_us: int | None) -> bool:
    """Whether a compacted file's listings, first to last, may meet the window."""
    first, last = f.listed_us, f.last_listed_us
    if first is None or last is None:
        return False
    return (since_us is None or last >= since_us) and (until_us is None or first < until_us)


@shared_params
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
    {root}
    index_host : str or list of str, optional
        Only these hosts (their partitions alone are listed).
    index_name : str or list of str, optional
        Only rows of these index names (row groups are skipped from their statistics).
    since, until : timestamp-like, optional
        Only listings with ``since <= listed_at < until``; naive values are UTC. Files
        outside the window are skipped from their date folder and file name, unopened.
    columns : list of str, optional
        Only these columns, returned in schema order; only what they need is read. An
        empty list is refused (a frame of rows and no columns says nothing).
    {storage_options}
    dtype_backend : {"numpy_nullable", "pyarrow"}
        pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

    Returns
    -------
    pandas.DataFrame
        The stacked snapshots; the 0-row frame of the schema when nothing matches or the
        lake is empty. A column a snapshot lacks (written by an older version) is NA in
        its rows (``api_version`` comes from its footer); a status no API version lists
        is kept as an extra category. A compacted day reads as the snapshots it merged.

    Raises
    ------
    SnapshotError
        The root (or bucket) does not exist, is not a lake, or is a partition folder
        (permanent); the store cannot be reached (transient).
    ConfigurationError
        Bad arguments (``since`` after ``until``, an unknown column, ``columns=[]``), or
        the fsspec backend for ``root`` is missing.

    Warns
    -----
    SkippedFileWarning
        Once for each file skipped (empty, damaged, or not this package's); the others
        are read. A file pruned while the read runs is skipped without a warning. Each
        file's content is checked against what :func:`write_snapshot` writes: every
        column read must have the Arrow type this package writes (never cast from
        another), ``id``, ``status`` and ``listed_at`` columns must be there, and every
        row's ``listed_at`` must be the instant in the file's name (a compacted file's:
        its listings'). A file in a ``date=`` folder for no date is another tool's.

    Examples
    --------
    >>> import tempfile
    >>> from pinecone_imports_frame import read_snapshots, to_frame, write_snapshot
    >>> root = tempfile.mkdtemp()
    >>> pending = {"id": "1", "status": "Pending", "createdAt": "2025-05-01T11:00:00Z"}
    >>> for t in ["2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z"]:
    ...     _ = write_snapshot(to_frame([pending], listed_at=t, index_host="h"), root)
    >>> df = read_snapshots(root, since="2025-05-02")
    >>> len(df), str(df.loc[0, "elapsed"])
    (1, '1 days 01:00:00')
    """
    schema.check_dtype_backend(dtype_backend)
    wanted = _check_columns(columns)
    hosts = as_hosts(index_host)
    names = as_set(index_name, "index_name")
    since_ts, until_ts = as_window(since, until)
    store = open_store(root, storage_options)
    since_us, until_us = micros(since_ts), micros(until_ts)
    found = store.scan(
        hosts=hosts,
        first_date=None if since_ts is None else day(since_ts),
        last_date=None if until_ts is None else day(until_ts),
    )
    skipped: list[tuple[SnapshotFile, str]] = [
        (f, "its name is not one this package writes, so it is not a snapshot of it")
        for f in found
        if f.kind == OTHER
    ]
    files = [f for f in found if f.kind == SNAPSHOT and _in_window(f, since_us, until_us)]
    merged = [f for f in found if f.kind == COMPACTED and _overlaps(f, since_us, until_us)]
    logger.debug(
        "read_snapshots: %d snapshot and %d compacted file(s) selected under %s",
        len(files),
        len(merged),
        store.root,
    )

    # What to read: the requested stored columns, what derived ones are computed from,
    # and the sort keys. (That each file has a status column is judged from its footer.)
    need = {"listed_at", "id"}
    for c in wanted:
        need.update(schema.BY_NAME[c].derived_from or (c,))
    if names is not None:
        need.add("index_name")
    read_cols = [c for c in FILE_COLUMNS if c in need]

    decoded: list[tuple[SnapshotFile, pa.Table]] = []
    runs: dict[str, list[tuple[int, int]]] = {}  # a compacted file's listings, in row order
    if merged:
        opened = _open_compacted(store, merged, skipped)
        chosen = choose_copies(
            [(f, [Listing(f.name, f.listed_us or 0)]) for f in files]
            + [(comp.file, comp.listings) for comp in opened]
        )
        files = [f for f in files if chosen[f.path]]  # the others were merged elsewhere
        for comp in opened:
            keep = [
                x
                for x in comp.listings
                if x.name in chosen[comp.file.path] and _listed_in(x.listed_us, since_us, until_us)
            ]
            if keep:
                t = _rows_of(comp, keep, read_cols, skipped)
                if t is not None:
                    decoded.append((comp.file, t))
                    runs[comp.file.path] = [
                        (x.listed_us, x.rows or 0) for x in sorted(keep, key=lambda x: x.offset)
                    ]
    files.sort(key=lambda f: (f.listed_us, f.path))
    decoded += _read_files(store, files, read_cols, names, skipped) if files else []
    decoded.sort(key=lambda item: (item[0].listed_us, item[0].path))
    table = _stack(decoded, read_cols, skipped, runs)
    _warn_skipped(store, skipped)
    if table is None:
        return _empty(wanted, dtype_backend)
    if names is not None:
        keep = pc.is_in(table["index_name"], value_set=pa.array(sorted(names)))
        table = table.filter(pc.fill_null(keep, False))
    if table.num_rows == 0:
        return _empty(wanted, dtype_backend)

    if not _is_sorted(table):  # files are stored sorted by id and read in listed_at order
        order = pc.sort_indices(table, sort_keys=[("listed_at", "ascending"), ("id", "ascending")])
        table = _take(table, order)
    with warnings.catch_warnings():
        # Unknown statuses were reported when they were listed; they stay extra categories.
        warnings.simplefilter("ignore", UnknownStatusWarning)
        full = _conform(table, wanted)
    data = {c: _to_pandas(full[c], c, dtype_backend) for c in wanted}
    return pd.DataFrame(data, copy=False)


def as_hosts(index_host: str | Sequence[str] | None) -> frozenset[str] | None:
    """Normalise ``index_host=`` as ``read_imports`` does: a URL or a bare host, one or many.

    Examples
    --------
    >>> sorted(as_hosts(["http://127.0.0.1:5080/", "idx.svc.pinecone.io"]))
    ['127.0.0.1:5080', 'idx.svc.pinecone.io']
    """
    given = as_set(index_host, "index_host")
    if given is None:
        return None
    out = set()
    for h in given:
        try:
            out.add(config.normalize_host(h, what="index_host").netloc)
        except ConfigurationError:
            out.add(h)  # not a host read_imports takes, but a partition may still be named so
    return frozenset(out)


def as_window(since: Any, until: Any) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Parse ``since`` and ``until``; refuse a window that ends before it starts.

    Examples
    --------
    >>> as_window("2025-05-02", "2025-05-01")
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: since=2025-05-02 00:00:00+00:00 is after until=2025-05-01 00:00:00+00:00: no listing can match; swap them?
    """  # noqa: E501
    since_ts, until_ts = as_utc(since, "since"), as_utc(until, "until")
    if since_ts is not None and until_ts is not None and since_ts > until_ts:
        raise ConfigurationError(
            f"since={since_ts} is after until={until_ts}: no listing can match; swap them?"
        )
    return since_ts, until_ts


@dataclass
class _Compacted:
    """A compacted file opened for reading: its footer read, its rows not yet."""

    file: SnapshotFile
    parquet: pq.ParquetFile
    listings: list[Listing]
    kv: dict[bytes, bytes]


def _open_compacted(
    store: Store, files: list[SnapshotFile], skipped: list[tuple[SnapshotFile, str]]
) -> list[_Compacted]:
    """Open compacted files and read their footers; skip (or note) those that are not right."""
    out = []
    for f in files:
        try:
            with store_errors("open", store.user_path(f.path), vanish_ok=True):
                try:
                    pf = store.parquet(f.path)
                except FileNotFoundError:
                    raise
                except Exception as exc:
                    if not is_arrow_error(exc):
                        raise
                    skipped.append((f, f"it is not readable Parquet ({exc})"))
                    continue
        except FileNotFoundError:
            logger.debug("%s vanished before it was read (pruned meanwhile?)", f.path)
            continue
        kv = pf.metadata.metadata or {}
        if not is_ours(kv):
            skipped.append((f, "its metadata does not say pinecone-imports-frame wrote it"))
            continue
        listings = listings_of(f, kv, pf.metadata.num_rows, {})
        if listings is None:
            skipped.append((f, "its list of listings is missing or does not match its rows"))
            continue
        problem = schema_problem(pf.schema_arrow.remove_metadata())
        if problem is not None:
            skipped.append((f, problem))
            continue
        out.append(_Compacted(f, pf, listings, kv))
    return out


def _rows_of(
    c: _Compacted,
    keep: list[Listing],
    read_cols: list[str],
    skipped: list[tuple[SnapshotFile, str]],
) -> pa.Table | None:
    """Read the rows of the ``keep`` listings of a compacted file (and only ``read_cols``).

    Only the row groups that hold them are read; a row group straddling a listing that
    is not wanted is read and sliced.
    """
    ranges: list[list[int]] = []
    for x in sorted(keep, key=lambda x: x.offset):
        start, stop = x.offset, x.offset + (x.rows or 0)
        if ranges and ranges[-1][1] == start:
            ranges[-1][1] = stop
        else:
            ranges.append([start, stop])
    md = c.parquet.metadata
    starts, at = [], 0
    for g in range(md.num_row_groups):
        starts.append(at)
        at += md.row_group(g).num_rows
    groups = [
        g
        for g in range(md.num_row_groups)
        if any(r0 < starts[g] + md.row_group(g).num_rows and r1 > starts[g] for r0, r1 in ranges)
    ]
    present = set(c.parquet.schema_arrow.names)
    try:
        table = c.parquet.read_row_groups(
            groups, columns=[col for col in read_cols if col in present], use_threads=True
        )
    except (pa.ArrowException, OSError) as exc:
        skipped.append((c.file, f"its rows do not decode ({exc})"))
        return None
    base, pos = {}, 0
    for g in groups:
        base[g] = pos
        pos += md.row_group(g).num_rows
    if ranges != [[0, md.num_rows]]:
        pieces = []
        for r0, r1 in ranges:
            g = max(g for g in groups if starts[g] <= r0)
            pieces.append(table.slice(base[g] + r0 - starts[g], r1 - r0))
        table = pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]
    return table


def _warn_skipped(store: Store, skipped: list[tuple[SnapshotFile, str]]) -> None:
    for f, why in sorted(skipped, key=lambda s: s[0].path):
        warnings.warn(
            f"skipped {store.user_path(f.path)}: {why}; the other files were read. "
            "list_snapshots shows its status; prune_snapshots(..., corrupt=True) removes a "
            "corrupt snapshot, and a file of another tool is best moved out of the lake",
            SkippedFileWarning,
            stacklevel=3,
        )


#: Above this many bytes of strings, a column is kept in chunks (Arrow's string arrays
#: hold at most 2 GiB each): concatenated, taken and converted chunk by chunk.
_BIG_STRINGS = 1 << 30


def _string_bytes(table: pa.Table) -> int:
    return sum(
        table[c].nbytes
        for c in table.column_names
        if pa.types.is_string(table.schema.field(c).type)
    )


def _take(table: pa.Table, order: pa.Array) -> pa.Table:
    """``table.take(order)``, also when a string column holds more than 2 GiB."""
    if _string_bytes(table) < _BIG_STRINGS:
        return table.take(order)
    arrays = []
    for c in table.column_names:
        col = table[c]
        if pa.types.is_string(col.type):
            big = col.cast(pa.large_string()).take(order)
            arrays.append(_split_strings(big))
        else:
            arrays.append(col.take(order))
    return pa.Table.from_arrays(arrays, names=table.column_names)


def _split_strings(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cut a large_string column into string chunks of under 1 GiB each."""
    chunks = []
    for chunk in col.chunks:
        sizes = pc.fill_null(pc.binary_length(chunk), 0).to_numpy(zero_copy_only=False)
        for start, stop in _cuts(sizes):
            chunks.append(chunk.slice(start, stop - start).cast(pa.string()))
    return pa.chunked_array(chunks, type=pa.string())


def _cuts(sizes: np.ndarray) -> list[tuple[int, int]]:
    """Cut rows of these sizes into consecutive ranges of under 1 GiB (or one row each)."""
    ends = np.cumsum(sizes, dtype=np.int64)
    out, start = [], 0
    while start < len(sizes):
        base = int(ends[start - 1]) if start else 0
        stop = max(int(np.searchsorted(ends, base + _BIG_STRINGS, side="right")), start + 1)
        out.append((start, stop))
        start = stop
    return out


def _row_slices(table: pa.Table) -> list[tuple[int, int]]:
    """Cut a table's rows into ranges holding under 1 GiB of strings each."""
    sizes = np.zeros(table.num_rows, dtype=np.int64)
    for c in table.column_names:
        if pa.types.is_string(table.schema.field(c).type):
            lengths = pc.fill_null(pc.binary_length(table[c]), 0)
            sizes += lengths.to_numpy().astype(np.int64)
    return _cuts(sizes)


def _conform(table: pa.Table, wanted: list[str]) -> pa.Table:
    """``frame.conform_table``, in slices of under 1 GiB of strings when the table is big.

    The error text is set aside while the other columns are typed and derived: a history
    repeats each import's error in every listing, so ``error_category`` is computed once
    per distinct text (and only when it is wanted), then spread back over the rows.
    """
    errors = None
    if "error" in table.column_names:
        errors = table["error"]
        at = table.column_names.index("error")
        table = table.set_column(at, "error", pa.nulls(table.num_rows, pa.string()))
    if _string_bytes(table) < _BIG_STRINGS:
        full = _frame.conform_table(table)
    else:
        extra: list[str] = []
        if "status" in table.column_names:
            statuses = pc.unique(table["status"].cast(pa.string())).drop_null().to_pylist()
            extra = [s for s in statuses if s not in schema.STATUSES]
        parts = [
            _frame.conform_table(table.slice(start, stop - start), extra_statuses=extra)
            for start, stop in _row_slices(table)
        ]
        full = pa.concat_tables(parts)
    if errors is not None:
        full = full.set_column(full.column_names.index("error"), "error", errors)
        if "error_category" in wanted:
            at = full.column_names.index("error_category")
            full = full.set_column(at, "error_category", _categories(errors))
    return full


def _categories(errors: pa.ChunkedArray) -> pa.ChunkedArray:
    """``error_categories.categorize`` of the error texts (each distinct text once)."""
    return categorize(errors)


def _to_pandas(col: pa.ChunkedArray, name: str, dtype_backend: DtypeBackend) -> Any:
    """One column to pandas; strings stay in their chunks (no 2 GiB concatenation)."""
    if schema.BY_NAME[name].kind == "string" and col.num_chunks > 1:
        if dtype_backend == "pyarrow":
            return pd.arrays.ArrowExtensionArray(col)
        return pd.arrays.ArrowStringArray(col)
    return _frame.column_to_pandas(col, name, dtype_backend)


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
    return max(1, min(n, _MAX_DECODE_THREADS, os.cpu_count() or 1))


def _read_files(
    store: Store,
    files: list[SnapshotFile],
    read_cols: list[str],
    names: frozenset[str] | None,
    skipped: list[tuple[SnapshotFile, str]],
) -> list[tuple[SnapshotFile, pa.Table]]:
    """Each selected file's stored ``read_cols``, read whole in one request per file.

    Snapshot files are small and read almost whole, so one read of the file's bytes
    (instead of a footer read and then one per column chunk) is what makes a lake of many
    small files fast. Local files are read and decoded by a few threads, each taking a
    contiguous share of the files; an fsspec filesystem fetches every file with one
    ``cat`` (concurrent on object stores), then the bytes are decoded by the threads.
    A file that vanished since the listing (a concurrent prune) is skipped; one that does
    not decode is added to ``skipped`` with the reason.
    """
    where = store.user_path(store.root)
    with store_errors("read the snapshots under", where):
        blobs = store.read_many([f.path for f in files])

    def fetch(f: SnapshotFile) -> bytes | None:
        got = blobs.get(f.path)
        if got is None:
            try:
                with store_errors("read", store.user_path(f.path), vanish_ok=True):
                    return store.read(f.path)
            except FileNotFoundError:
                got = FileNotFoundError(f.path)
        if isinstance(got, FileNotFoundError):
            logger.debug("%s vanished before it was read (pruned meanwhile?)", f.path)
            return None
        if isinstance(got, BaseException):
            with store_errors("read", store.user_path(f.path)):
                raise got
        return got

    def work(share: list[SnapshotFile]) -> list[tuple[SnapshotFile, pa.Table | str]]:
        out: list[tuple[SnapshotFile, pa.Table | str]] = []
        for f in share:
            data = fetch(f)
            if data is not None:
                t = _decode(f, data, read_cols, names)
                if t is not None:
                    out.append((f, t))
        return out

    n = _workers(len(files)) if len(files) >= 16 else 1
    if n == 1:
        results = work(files)
    else:
        size = -(-len(files) // n)
        shares = [files[i : i + size] for i in range(0, len(files), size)]
        with ThreadPoolExecutor(max_workers=len(shares)) as pool:
            results = [item for part in pool.map(work, shares) for item in part]
    decoded = []
    for f, t in results:
        if isinstance(t, str):
            skipped.append((f, t))
        else:
            decoded.append((f, t))
    return decoded


_API_VERSION_KEY = (METADATA_PREFIX + "api_version").encode()
_INDEX_NAME_KEY = (METADATA_PREFIX + "index_name").encode()


def _judged(stored: pa.Schema, read_cols: list[str]) -> pa.Schema:
    """Keep the part of a file's schema a read judges: the columns read and the required ones.

    A column that is not read does not keep a file's other columns from being read (a
    bad ``uri`` matters only to a read of ``uri``); two columns of one name among these
    (which pyarrow cannot select) or a required one missing makes the file damaged.
    """
    wanted = set(read_cols).union(REQUIRED_COLUMNS)
    return pa.schema([f for f in stored.remove_metadata() if f.name in wanted])


def _decode(
    f: SnapshotFile, data: bytes, read_cols: list[str], names: frozenset[str] | None
) -> pa.Table | str | None:
    """Decode the ``read_cols`` a file has; None if it is another index's, else why not."""
    if not data:
        return "it is empty (0 bytes)"
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        kv = pf.metadata.metadata or {}
    except (pa.ArrowException, OSError) as exc:
        return f"it is not readable Parquet ({exc})"
    if not is_ours(kv):
        return "its metadata does not say pinecone-imports-frame wrote it"
    problem = schema_problem(_judged(pf.schema_arrow, read_cols))
    if problem is not None:  # from the footer: a damaged schema is never decoded
        return problem
    if names is not None:
        stored = kv.get(_INDEX_NAME_KEY)
        if stored and stored.decode("utf-8", "replace") not in names:
            return None
    present = set(pf.schema_arrow.names)
    try:
        table = pf.read(columns=[c for c in read_cols if c in present], use_threads=False)
    except (pa.ArrowException, OSError) as exc:
        return f"its rows do not decode ({exc})"
    if "api_version" in read_cols and "api_version" not in present:
        # Written before api_version was a column: the listing's version is in the footer.
        version = kv.get(_API_VERSION_KEY)
        value = None if version is None else version.decode("utf-8", "replace")
        table = table.append_column(
            "api_version", pa.array([value] * table.num_rows, type=pa.string())
        )
    return table


def _stack(
    decoded: list[tuple[SnapshotFile, pa.Table]],
    read_cols: list[str],
    skipped: list[tuple[SnapshotFile, str]],
    runs: dict[str, list[tuple[int, int]]],
) -> pa.Table | None:
    """Every file's rows in one table of ``read_cols`` plus ``index_host``, or None.

    Files are grouped by their stored schema (one group in a lake written by one version)
    and each group is concatenated, checked, cast and completed once, not file by file: a
    column a group lacks (written by an older version) becomes nulls, status becomes plain
    strings (files differ in their dictionaries), ``index_host`` comes from the partition.
    Columns' types were judged from each file's footer before it was read; a file whose
    rows are not one listing's (see :func:`rows_problem`) is skipped and added to
    ``skipped``. ``runs`` gives a compacted file's listings (``listed_at``, rows) in row
    order; a snapshot file's is its name's ``listed_at`` for all its rows.
    """
    groups: list[tuple[pa.Schema, list[pa.Table], list[SnapshotFile]]] = []
    last: tuple[pa.Schema, list[pa.Table], list[SnapshotFile]] | None = None
    for f, t in decoded:
        if last is None or not last[0].equals(t.schema, check_metadata=False):
            last = next((g for g in groups if g[0].equals(t.schema, check_metadata=False)), None)
            if last is None:
                last = (t.schema, [], [])
                groups.append(last)
        last[1].append(t.replace_schema_metadata(None))
        last[2].append(f)
    out = []
    for _schema, tables, group_files in groups:
        got = _stack_group(tables, group_files, read_cols, skipped, runs)
        if got is not None:
            out.append(got)
    if not out:
        return None
    return pa.concat_tables(out) if len(out) > 1 else out[0]


def _stack_group(
    tables: list[pa.Table],
    files: list[SnapshotFile],
    read_cols: list[str],
    skipped: list[tuple[SnapshotFile, str]],
    runs: dict[str, list[tuple[int, int]]],
) -> pa.Table | None:
    """Stack the rows of files of one stored schema, typed, with ``index_host``; or None.

    The rows of all files are checked at once (one comparison of the stacked
    ``listed_at`` column); only when that fails is each file judged alone, and that
    judgement decides: a file that fails it is added to ``skipped``, the others are
    stacked. No file is ever left out without being added to ``skipped``.
    """
    got = _concat(tables)
    file_runs = [
        runs.get(f.path) or [(f.listed_us or 0, t.num_rows)]
        for f, t in zip(files, tables, strict=True)
    ]
    if rows_problem(got, [r for each in file_runs for r in each]) is not None:
        # Rare (a damaged or tampered file): find which files, and stack the others.
        judged = [rows_problem(t, r) for t, r in zip(tables, file_runs, strict=True)]
        skipped.extend((f, why) for f, why in zip(files, judged, strict=True) if why is not None)
        keep = [i for i, why in enumerate(judged) if why is None]
        if not keep:
            return None
        if len(keep) < len(files):
            tables, files = [tables[i] for i in keep], [files[i] for i in keep]
            got = _concat(tables)
        else:  # each file's rows are its listings' alone: the stacked check was wrong
            logger.debug("rows of %d file(s) fail together but not alone; all kept", len(files))
    arrays = _stored_arrays(got, read_cols)
    hosts = [f.host for f in files]
    host_names = sorted(set(hosts))
    codes = {h: i for i, h in enumerate(host_names)}
    indices = np.repeat(
        np.array([codes[h] for h in hosts], dtype=np.int32),
        [t.num_rows for t in tables],
    )
    host_col = pa.DictionaryArray.from_arrays(pa.array(indices), pa.array(host_names))
    arrays.append(pa.chunked_array([host_col.cast(pa.string())]))
    return pa.Table.from_arrays(arrays, names=[*read_cols, "index_host"])


def _concat(tables: list[pa.Table]) -> pa.Table:
    got = pa.concat_tables(tables)
    if _string_bytes(got) < _BIG_STRINGS:
        got = got.combine_chunks()  # one chunk: cheaper from here on
    return got


def _stored_arrays(table: pa.Table, columns: list[str]) -> list[pa.ChunkedArray]:
    """Give stored columns the schema's types.

    Status stays plain strings (files differ in their dictionaries); a column the table
    lacks (written by an older version) is nulls. Every column's type was judged from its
    file's footer (:func:`schema_problem`) before it was read: one this package writes,
    never another that happens to cast (an integer status would come back as "1").
    """
    n = table.num_rows
    arrays = []
    for c in columns:
        target = pa.string() if c == "status" else schema.arrow_type(c)
        if c not in table.column_names:
            arrays.append(pa.chunked_array([pa.nulls(n, target)]))
            continue
        col = table[c]
        if col.type != target:
            col = col.cast(target)
        arrays.append(col)
    return arrays


def read_stored(
    store: Store, held: list[tuple[SnapshotFile, list[Listing]]]
) -> tuple[list[tuple[Listing, pa.Table]], list[tuple[SnapshotFile, str]]]:
    """Read every stored column of the given listings: one table each, sorted by ``id``.

    What compaction and a prune's rewrite of a compacted file merge and write again.
    Returns the tables (status as plain strings, the other columns in the schema's types)
    and the files that could not be read, with why; a file that vanished is in neither.

    Examples
    --------
    >>> from pinecone_imports_frame.snapshots._inventory import inspect
    >>> records = [{"id": "2", "status": "Pending"}, {"id": "1"}]
    >>> store = open_store(lake("2025-05-01T12:00:00Z", records=records), None)
    >>> (entry,) = inspect(store, store.scan())
    >>> [(listing, table)], skipped = read_stored(store, [(entry.file, [entry.listing])])
    >>> table["id"].to_pylist(), table["status"].type, skipped
    (['1', '2'], DataType(string), [])
    """
    skipped: list[tuple[SnapshotFile, str]] = []
    snapshots = [f for f, _ in held if f.kind == SNAPSHOT]
    found = {f.path: t for f, t in _read_files(store, snapshots, list(FILE_COLUMNS), None, skipped)}
    out: list[tuple[Listing, pa.Table]] = []
    for f, listings in held:
        if f.kind == SNAPSHOT:
            raw = found.get(f.path)
            parts = [] if raw is None else [(listings[0], raw)]
        else:
            opened = _open_compacted(store, [f], skipped)
            if not opened:
                continue
            pf = opened[0].parquet
            present = [c for c in FILE_COLUMNS if c in pf.schema_arrow.names]
            try:
                whole = pf.read(columns=present, use_threads=True)
            except (pa.ArrowException, OSError) as exc:
                skipped.append((f, f"its rows do not decode ({exc})"))
                continue
            parts = [(x, whole.slice(x.offset, x.rows or 0)) for x in listings]
        mine = []
        for listing, raw in parts:
            problem = rows_problem(raw, [(listing.listed_us, raw.num_rows)])
            if problem is not None:
                skipped.append((f, problem))
                break
            arrays = _stored_arrays(raw, list(FILE_COLUMNS))
            typed = pa.Table.from_arrays(arrays, names=list(FILE_COLUMNS))
            if typed.num_rows > 1:
                typed = typed.take(pc.sort_indices(typed, sort_keys=[("id", "ascending")]))
            mine.append((listing, typed))
        else:
            out += mine  # all of a file's listings, or none
    return out, skipped
