"""Reading a lake: files chosen from their names, read whole, stacked, typed once."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import frame as _frame
from .. import schema
from ..error_categories import categorize
from ..errors import ConfigurationError, SkippedFileWarning, UnknownStatusWarning
from ..frame import micros
from ..parsing import Moment
from ..schema import DtypeBackend
from ._args import as_hosts, as_set, as_utc, shared_params
from ._catalog import Listing, choose_copies
from ._decode import (
    _BIG_STRINGS,
    BATCH_FILES,
    Compacted,
    _string_bytes,
    open_compacted,
    read_batches,
    rows_of,
    stack,
)
from ._layout import COMPACTED, FILE_COLUMNS, OTHER, SNAPSHOT, SnapshotFile, day
from ._pool import read_pool
from ._pruned import Records, read_records
from ._store import Store, open_store
from ._view import MAX_LOOKS

logger = logging.getLogger(__name__)

__all__ = ["as_window", "read_snapshots"]


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
    since: Moment | None = None,
    until: Moment | None = None,
    columns: Sequence[str] | None = None,
    storage_options: dict[str, Any] | None = None,
    dtype_backend: DtypeBackend = "numpy_nullable",
) -> pd.DataFrame:
    """Every snapshot under ``root`` stacked into one imports frame.

    The frame has the dtypes :func:`read_imports` gives (status categories, UTC microsecond
    timestamps, nullable integers), derived columns recomputed, rows sorted by
    ``listed_at``, ``id`` then ``index_host`` and a fresh RangeIndex. Files are selected from their
    partition folders and names before any is opened, then read by a few threads, 256 at
    a time (memory grows with the rows, not the files), and converted to pandas once.

    Other processes may write, compact and prune the lake meanwhile: the frame is the
    lake as it stood at one moment near the end of the read, every listing it then held
    once, none it no longer held. A file gone between listing and reading is looked up
    again (its listings are in the merged file a compaction wrote, or were pruned); the
    read ends when a look at the lake read everything it found and the next look finds
    no new file. Hosts written differently (``LOCALHOST:5080``, ``localhost.:5080``) are
    one index, read with the one spelling; symbolic links in the lake are not followed.

    Parameters
    ----------
    {root}
    index_host : str or list of str, optional
        Only these hosts, in any spelling or as URLs (their partitions alone are listed).
    index_name : str or list of str, optional
        Only rows of these index names (row groups are skipped from their statistics).
    since, until : timestamp-like, optional
        Only listings with ``since <= listed_at < until``; naive values are UTC. Files
        outside the window are skipped from their date folder and file name, unopened.
    columns : list of str, optional
        Only these columns, returned in schema order; only what they need is read. An
        empty list is refused (a frame of rows and no columns says nothing).
    {storage_options}
    {dtype_backend}

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
        Once for each file skipped (empty, damaged, not this package's, or a symbolic
        link); the others are read. Once if the lake kept changing through 12 looks
        (the frame may then miss listings moved meanwhile: read again). Each
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
    # What to read: the requested stored columns, what derived ones are computed from,
    # and the sort keys. (That each file has a status column is judged from its footer.)
    need = {"listed_at", "id"}
    for c in wanted:
        need.update(schema.BY_NAME[c].derived_from or (c,))
    if names is not None:
        need.add("index_name")
    read_cols = [c for c in FILE_COLUMNS if c in need]

    def scan() -> list[SnapshotFile]:
        return store.scan(
            hosts=hosts,
            first_date=None if since_ts is None else day(since_ts),
            last_date=None if until_ts is None else day(until_ts),
        )

    with read_pool():  # (see _pool: the allocator's page faults were a third of a read)
        skipped: list[tuple[SnapshotFile, str]] = []
        reader = _Reader(store, read_cols, names, skipped, (since_us, until_us))
        settled = reader.gather(scan)
        # Read last: the frame is the lake as it stood when the records were read.
        recorded = reader.recorded(read_records(store))
        _warn_skipped(store, skipped)
        if not settled:
            _warn_unsettled(store)
        gone = reader.gone() if settled else set()
        table = _without(_stack_pieces(reader.pieces), gone | recorded)
        if table is None or table.num_rows == 0:
            return _empty(wanted, dtype_backend)

        if not _is_sorted(table):  # files are stored sorted by id and read in listed_at order
            keys = [("listed_at", "ascending"), ("id", "ascending"), ("index_host", "ascending")]
            order = pc.sort_indices(table, sort_keys=keys)
            table = _take(table, order)
        with warnings.catch_warnings():
            # Unknown statuses were reported when they were listed; they stay extra categories.
            warnings.simplefilter("ignore", UnknownStatusWarning)
            full = _conform(table, wanted)
        data = {c: _to_pandas(full[c], c, dtype_backend) for c in wanted}
        return pd.DataFrame(data, copy=False)


def as_window(
    since: Moment | None, until: Moment | None
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
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


#: A listing: its index host and the name of the snapshot file it was written as.
Key = tuple[str, str]
#: A listing as its rows say it: index host and ``listed_at`` (µs).
Stamp = tuple[str, int]


class _Reader:
    """Reads the lake as it stands, looking again while other processes change it.

    A look scans the lake, opens the compacted files it had not seen (their footers say
    which listings each holds), chooses one copy of each listing not read yet, and reads
    those. A file gone when it is read (merged by a compaction, rewritten or removed by a
    prune) makes the next look find where its listings went; the read ends when a look
    read every listing its scan found and the next scan finds no new file. The frame is
    then the lake as that look's scan found it: :meth:`gone` names what was read before a
    prune removed it, to be left out.
    """

    def __init__(
        self,
        store: Store,
        read_cols: list[str],
        names: frozenset[str] | None,
        skipped: list[tuple[SnapshotFile, str]],
        window: tuple[int | None, int | None],
    ) -> None:
        self.store, self.read_cols, self.names, self.skipped = store, read_cols, names, skipped
        self.since_us, self.until_us = window
        self.pieces: list[pa.Table] = []
        self.got: set[Key] = set()  # read, or dealt with (skipped, another index name)
        self.read: set[Stamp] = set()  # the listings read, as their rows say them
        self.held: set[Stamp] = set()  # what the files of the last look hold
        self.opened: dict[str, Compacted | None] = {}  # compacted files (None: skipped)
        self.names_at: dict[Stamp, set[str]] = {}  # the names of the listings read, by instant

    def gather(self, scan: Callable[[], list[SnapshotFile]]) -> bool:
        """Look until a look read all it found and the next scan finds no new file.

        The frame is then the lake at that look's scan (see :func:`_view.settle`); False
        if the lake kept bringing new files (or taking files being read) for MAX_LOOKS.
        """
        paths: set[str] = set()
        clean = False
        for look in range(MAX_LOOKS):
            found = scan()
            now = {f.path for f in found}
            if look and clean and not now - paths:
                return True
            if look == 0:
                self.skipped += [
                    (f, "its name is not one this package writes, so it is not a snapshot of it")
                    for f in found
                    if f.kind == OTHER
                ]
            clean, paths = self._look(found), now
        return False

    def recorded(self, records: Records) -> set[Stamp]:
        """Return the listings read that a prune recorded removed (see ``_pruned``).

        An instant is left out when every listing read at it is recorded (two writers'
        listings at one microsecond: rows cannot tell them apart, and a kept one stays).
        """
        if not records:
            return set()
        return {
            at for at, names in self.names_at.items() if all((at[0], n) in records for n in names)
        }

    def gone(self) -> set[Stamp]:
        """Return the listings read that the lake no longer held at the last look (pruned)."""
        return self.read - self.held

    def _look(self, found: list[SnapshotFile]) -> bool:
        """Read the listings ``found`` holds that are not read yet; False if a file vanished."""
        clean, todo = self._plan(found)
        return self._read_planned(todo) and clean

    def _plan(self, found: list[SnapshotFile]) -> tuple[bool, list[tuple[SnapshotFile, Any]]]:
        """Say what ``found`` holds (``held``) and which of its listings to read, in order.

        Returns False (and the plan) if a file vanished while it was opened.
        """
        since_us, until_us = self.since_us, self.until_us
        clean = True
        merged: list[tuple[SnapshotFile, list[Listing]]] = []
        snapshots: list[SnapshotFile] = []
        for f in found:
            if f.kind == SNAPSHOT and _in_window(f, since_us, until_us):
                snapshots.append(f)
            elif f.kind == COMPACTED and _overlaps(f, since_us, until_us):
                if f.path not in self.opened:
                    try:
                        self.opened[f.path] = open_compacted(self.store, f, self.skipped)
                    except FileNotFoundError:
                        clean = False
                        continue
                c = self.opened[f.path]
                if c is not None:
                    xs = [x for x in c.listings if _listed_in(x.listed_us, since_us, until_us)]
                    merged.append((f, xs))
        self.held = {(f.host, f.listed_us or 0) for f in snapshots}
        self.held.update((f.host, x.listed_us) for f, xs in merged for x in xs)
        # One copy of each listing (see choose_copies): a merged file's over a snapshot
        # file's, the merged file holding the most over the others.
        in_merged = {(f.host, x.name) for f, xs in merged for x in xs}
        merged = [(f, [x for x in xs if (f.host, x.name) not in self.got]) for f, xs in merged]
        chosen = choose_copies([(f, xs) for f, xs in merged if xs])
        todo: list[tuple[SnapshotFile, list[Listing]]] = [
            (f, [x for x in xs if x.name in chosen[f.path]]) for f, xs in merged if xs
        ]
        todo += [
            (f, [])
            for f in snapshots
            if (f.host, f.name) not in self.got and (f.host, f.name) not in in_merged
        ]
        todo.sort(key=lambda item: (item[0].listed_us or 0, item[0].path))
        return clean, todo

    def _read_planned(self, todo: list[tuple[SnapshotFile, Any]]) -> bool:
        """Read the listings planned (``_plan``); False if a file vanished."""
        clean = True
        batch: list[SnapshotFile] = []
        for f, xs in todo:
            if f.kind == SNAPSHOT:
                batch.append(f)
                if len(batch) >= BATCH_FILES:
                    clean &= self._read_snapshots(batch)
                    batch = []
            elif xs:
                clean &= self._read_snapshots(batch)
                batch = []
                clean &= self._read_compacted(f, xs)
        return self._read_snapshots(batch) and clean

    def _read_snapshots(self, files: list[SnapshotFile]) -> bool:
        clean = True
        for b in read_batches(self.store, files, self.read_cols, self.names, self.skipped):
            self.got.update((f.host, f.name) for f in b.done)
            for f, _ in b.decoded:
                self._note((f.host, f.listed_us or 0), f.name)
            clean = clean and not b.vanished
            self._keep(stack(b.decoded, self.read_cols, self.skipped, {}))
        return clean

    def _read_compacted(self, f: SnapshotFile, keep: list[Listing]) -> bool:
        c = self.opened[f.path]
        assert c is not None
        try:
            t = self._rows(f, c, keep)
        except FileNotFoundError:
            logger.debug("%s vanished while it was read", f.path)
            return False
        self.got.update((f.host, x.name) for x in keep)
        if t is not None:
            for x in keep:
                self._note((f.host, x.listed_us), x.name)
            self._keep(self._piece(f, t, keep))
        return True

    def _note(self, at: Stamp, name: str) -> None:
        """Note a listing read: its instant, and its name at that instant."""
        self.read.add(at)
        self.names_at.setdefault(at, set()).add(name)

    def _rows(self, f: SnapshotFile, c: Any, keep: list[Listing]) -> pa.Table | None:
        """Read the rows of ``keep``, the listings wanted of the compacted file ``f``."""
        return rows_of(c, keep, self.read_cols, self.skipped)  # rows or runs

    def _piece(self, f: SnapshotFile, t: pa.Table, keep: list[Listing]) -> pa.Table | None:
        """Make the rows read of a compacted file a piece of the result."""
        # A runs file's rows come by listed_at (it never holds two at one instant).
        order = sorted(keep, key=lambda x: x.listed_us if f.is_runs else x.offset)
        runs = {f.path: [(x.listed_us, x.rows or 0) for x in order]}
        return stack([(f, t)], self.read_cols, self.skipped, runs)

    def _keep(self, table: pa.Table | None) -> None:
        if table is None:
            return
        if self.names is not None:
            keep = pc.is_in(table["index_name"], value_set=pa.array(sorted(self.names)))
            table = table.filter(pc.fill_null(keep, False))
        self._add(table)

    def _add(self, table: pa.Table) -> None:
        """Keep a piece read (of the index names asked for)."""
        if table.num_rows:
            self.pieces.append(table)


def _stack_pieces(pieces: list[pa.Table]) -> pa.Table | None:
    """Stack the pieces read (one chunk per column, unless its strings are huge)."""
    if not pieces:
        return None
    if len(pieces) == 1:
        return pieces[0]
    table = pa.concat_tables(pieces)
    return table.combine_chunks() if _string_bytes(table) < _BIG_STRINGS else table


def _without(table: pa.Table | None, gone: set[Stamp]) -> pa.Table | None:
    """Leave out the rows of listings the lake no longer held when the read ended.

    Rows say a listing by host and ``listed_at``: two listings of one index at the same
    microsecond (two writers) are kept or left out together.
    """
    if table is None or not gone:
        return table
    by_host: dict[str, list[int]] = {}
    for host, us in gone:
        by_host.setdefault(host, []).append(us)
    stamps = table["listed_at"].cast(pa.int64())
    drop = None
    for host, times in by_host.items():
        hit = pc.and_(
            pc.equal(table["index_host"], host), pc.is_in(stamps, value_set=pa.array(times))
        )
        drop = hit if drop is None else pc.or_(drop, hit)
    assert drop is not None
    return table.filter(pc.invert(pc.fill_null(drop, False)))


def _warn_unsettled(store: Store) -> None:
    warnings.warn(
        f"the lake {store.user_path(store.root)} kept changing through {MAX_LOOKS} looks "
        "while it was read (other processes writing, compacting or pruning it): listings "
        "moved meanwhile may be missing from the frame; read it again",
        SkippedFileWarning,
        stacklevel=3,
    )


def _warn_skipped(store: Store, skipped: list[tuple[SnapshotFile, str]]) -> None:
    for f, why in sorted(skipped, key=lambda s: s[0].path):
        warnings.warn(
            f"skipped {store.user_path(f.path)}: {why}; the other files were read. "
            "list_snapshots shows its status; prune_snapshots(..., corrupt=True) removes a "
            "corrupt snapshot, and a file of another tool is best moved out of the lake",
            SkippedFileWarning,
            stacklevel=3,
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
    """Whether rows are in (listed_at, id, index_host) order: a few vector ops, not a sort.

    The host breaks ties of two indexes listed at one microsecond, as ``to_listings`` does.
    """
    n = table.num_rows
    if n < 2:
        return True
    ts, ids, hosts = table["listed_at"], table["id"], table["index_host"]
    if pa.types.is_dictionary(hosts.type):
        hosts = hosts.cast(hosts.type.value_type)
    before, after = ts.slice(0, n - 1), ts.slice(1)
    id_before, id_after = ids.slice(0, n - 1), ids.slice(1)
    host_ok = pc.less_equal(hosts.slice(0, n - 1), hosts.slice(1))
    id_ok = pc.or_(pc.less(id_before, id_after), pc.and_(pc.equal(id_before, id_after), host_ok))
    ok = pc.or_(pc.less(before, after), pc.and_(pc.equal(before, after), id_ok))
    return bool(pc.all(pc.fill_null(ok, False)).as_py())
