"""Decoding a lake's files: snapshot files in batches, compacted files by row group.

What :func:`read_snapshots` and compaction share: reading stored columns, judging them
against what this package writes (:func:`_layout.schema_problem`, :func:`rows_problem`),
and stacking files of one stored schema into one typed table.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import runs, schema
from ._catalog import Listing, listings_of
from ._layout import (
    FILE_COLUMNS,
    METADATA_PREFIX,
    REQUIRED_COLUMNS,
    SNAPSHOT,
    SnapshotFile,
    is_ours,
    rows_problem,
    schema_problem,
)
from ._store import Store, is_arrow_error, store_errors

logger = logging.getLogger(__name__)

_MAX_DECODE_THREADS = 16


@dataclass
class Compacted:
    """A compacted file opened for reading: its footer read, its rows not yet."""

    file: SnapshotFile
    parquet: pq.ParquetFile
    listings: list[Listing]
    kv: dict[bytes, bytes]


def open_compacted(
    store: Store, f: SnapshotFile, skipped: list[tuple[SnapshotFile, str]]
) -> Compacted | None:
    """Open a compacted file and read its footer; None (noted in ``skipped``) if not right.

    FileNotFoundError passes through: the file vanished (merged again, or pruned).
    """
    with store_errors("open", store.user_path(f.path), vanish_ok=True):
        try:
            pf = store.parquet(f.path)
        except FileNotFoundError:
            raise
        except Exception as exc:
            if not is_arrow_error(exc):
                raise
            skipped.append((f, f"it is not readable Parquet ({exc})"))
            return None
    kv = pf.metadata.metadata or {}
    if not is_ours(kv):
        skipped.append((f, "its metadata does not say pinecone-imports-frame wrote it"))
        return None
    listings = listings_of(f, kv, pf.metadata.num_rows, {})
    if listings is None:
        skipped.append((f, "its list of listings is missing or does not match its rows"))
        return None
    problem = schema_problem(pf.schema_arrow.remove_metadata(), runs=f.is_runs)
    if problem is not None:
        skipped.append((f, problem))
        return None
    return Compacted(f, pf, listings, kv)


class _Unreadable(Exception):
    """The rows of a compacted file cannot be read or rebuilt: why, for ``skipped``."""


@contextlib.contextmanager
def _decoding() -> Iterator[None]:
    """Say a read that fails to decode as :class:`_Unreadable`; FileNotFoundError passes."""
    try:
        yield
    except FileNotFoundError:
        raise  # removed since it was opened (an object store reads it range by range)
    except (pa.ArrowException, OSError) as exc:
        raise _Unreadable(f"its rows do not decode ({exc})") from exc


def rows_of(
    c: Compacted,
    keep: list[Listing],
    read_cols: list[str],
    skipped: list[tuple[SnapshotFile, str]],
) -> pa.Table | None:
    """Read the rows of the ``keep`` listings of a compacted file (and only ``read_cols``).

    From a file of listing rows, only the row groups that hold them are read; a row group
    straddling a listing that is not wanted is read and sliced. From a file of runs, only
    the runs' columns are read and the rows rebuilt (``listed_at`` too), sorted by
    ``listed_at`` then ``id``, exactly as the listings were written. None (noted in
    ``skipped``) when the rows do not decode, or the runs do not add up to the listings
    the footer lists. FileNotFoundError passes through: it vanished.
    """
    try:
        if c.file.is_runs:
            return _rebuilt(c, keep, read_cols)
        return _sliced(c.parquet, keep, read_cols)
    except _Unreadable as exc:
        skipped.append((c.file, str(exc)))
        return None


#: What compaction and the history reader call :func:`rows_of` (they hand it runs).
rows_of_runs = rows_of


def _rebuilt(c: Compacted, keep: list[Listing], read_cols: list[str]) -> pa.Table:
    """Rebuild the rows of the ``keep`` listings of a compacted file of runs."""
    present = set(c.parquet.schema_arrow.names)
    wanted = [x for x in read_cols if x != "listed_at"] + ["id", *runs.SPAN_COLUMNS]
    cols = [x for x in dict.fromkeys(wanted) if x in present]
    with _decoding():
        table = c.parquet.read(columns=cols, use_threads=True)
    table = table.replace_schema_metadata(None)
    host = pa.array([c.file.host] * table.num_rows, pa.string())
    table = table.append_column("index_host", host)
    every = np.unique(np.array([x.listed_us for x in c.listings], dtype=np.int64))
    try:
        rows = runs.expand(table, {c.file.host: every})
    except ValueError as exc:
        raise _Unreadable(str(exc)) from exc
    stamps = rows["listed_at"].cast(pa.int64()).to_numpy(zero_copy_only=False)
    at = np.searchsorted(every, stamps)
    expected = np.zeros(len(every), dtype=np.int64)
    for x in c.listings:
        expected[np.searchsorted(every, x.listed_us)] += x.rows or 0
    if not np.array_equal(np.bincount(at, minlength=len(every)), expected):
        raise _Unreadable("its runs do not add up to the rows of its listings")
    order = np.argsort(at, kind="stable")  # each listing's rows by id, as runs are stored
    wanted_us = {x.listed_us for x in keep}
    if len(wanted_us) < len(every):
        order = order[np.isin(every[at[order]], np.array(sorted(wanted_us), dtype=np.int64))]
    rows = rows.take(pa.array(order, pa.int64()))
    return rows.select([x for x in read_cols if x in rows.column_names])


def _sliced(parquet: pq.ParquetFile, keep: list[Listing], read_cols: list[str]) -> pa.Table:
    """Read the rows of the ``keep`` listings of a compacted file of listing rows."""
    ranges: list[list[int]] = []
    for x in sorted(keep, key=lambda x: x.offset):
        start, stop = x.offset, x.offset + (x.rows or 0)
        if ranges and ranges[-1][1] == start:
            ranges[-1][1] = stop
        else:
            ranges.append([start, stop])
    md = parquet.metadata
    starts, at = [], 0
    for g in range(md.num_row_groups):
        starts.append(at)
        at += md.row_group(g).num_rows
    groups = [
        g
        for g in range(md.num_row_groups)
        if any(r0 < starts[g] + md.row_group(g).num_rows and r1 > starts[g] for r0, r1 in ranges)
    ]
    present = set(parquet.schema_arrow.names)
    with _decoding():
        table = parquet.read_row_groups(
            groups, columns=[col for col in read_cols if col in present], use_threads=True
        )
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


#: Above this many bytes of strings, a column is kept in chunks (Arrow's string arrays
#: hold at most 2 GiB each): concatenated, taken and converted chunk by chunk.
_BIG_STRINGS = 1 << 30


def _string_bytes(table: pa.Table) -> int:
    return sum(
        table[c].nbytes
        for c in table.column_names
        if pa.types.is_string(table.schema.field(c).type)
    )


def _workers(n: int) -> int:
    """Count decoding threads: decoding is CPU-bound (fetching is done by then, or cheap)."""
    return max(1, min(n, _MAX_DECODE_THREADS, os.cpu_count() or 1))


#: Snapshot files fetched, decoded and stacked at a time. Each decoded file costs tens of
#: kilobytes (its bytes, and Arrow's buffers and objects for each column) whatever its
#: rows, so a lake of many small files is read batch by batch, each batch stacked into one
#: compact table before the next is fetched: memory grows with the rows, not the files
#: (a batch of small files holds about 6 MB; reading 50,000 files of 3 rows once took
#: 1.2 GB). As fast as one batch for a lake of 1,000 files of 100 rows.
BATCH_FILES = 256


@dataclass
class Batch:
    """What one batch of snapshot files gave.

    Attributes
    ----------
    decoded : list of (SnapshotFile, pyarrow.Table)
        The files read, with their rows (``read_cols`` they have).
    done : list of SnapshotFile
        Every file dealt with: read, skipped (with why, in ``skipped``), or not of the
        index names wanted.
    vanished : list of SnapshotFile
        Files that were gone when they were fetched (compacted or pruned meanwhile).
    """

    decoded: list[tuple[SnapshotFile, pa.Table]] = field(default_factory=list)
    done: list[SnapshotFile] = field(default_factory=list)
    vanished: list[SnapshotFile] = field(default_factory=list)


def read_batches(
    store: Store,
    files: list[SnapshotFile],
    read_cols: list[str],
    names: frozenset[str] | None,
    skipped: list[tuple[SnapshotFile, str]],
    *,
    batch: int = BATCH_FILES,
) -> Iterator[Batch]:
    """Each selected file's stored ``read_cols``, read whole in one request per file, by batch.

    Snapshot files are small and read almost whole, so one read of the file's bytes
    (instead of a footer read and then one per column chunk) is what makes a lake of many
    small files fast. Local files are read and decoded by a few threads, each taking a
    contiguous share of a batch; an fsspec filesystem fetches a batch's files with one
    ``cat`` (concurrent on object stores), then the bytes are decoded by the threads. A
    file that vanished since the listing is in ``vanished``; one that does not decode is
    added to ``skipped`` with the reason. The caller stacks each batch before asking for
    the next, so that only one batch of per-file tables is held at a time.
    """
    if not files:
        return
    n = _workers(len(files)) if len(files) >= 16 else 1

    def read(part: list[SnapshotFile], pool: ThreadPoolExecutor) -> Batch:
        where = store.user_path(store.root)
        with store_errors("read the snapshots under", where):
            blobs = store.read_many([f.path for f in part])

        def fetch(f: SnapshotFile) -> bytes | None:
            got = blobs.pop(f.path, None)
            if got is None:
                try:
                    with store_errors("read", store.user_path(f.path), vanish_ok=True):
                        return store.read(f.path)
                except FileNotFoundError:
                    got = FileNotFoundError(f.path)
            if isinstance(got, FileNotFoundError):
                logger.debug("%s vanished before it was read", f.path)
                return None
            if isinstance(got, BaseException):
                with store_errors("read", store.user_path(f.path)):
                    raise got
            return got

        def work(share: list[SnapshotFile]) -> list[tuple[SnapshotFile, pa.Table | str | None]]:
            out: list[tuple[SnapshotFile, pa.Table | str | None]] = []
            for f in share:
                data = fetch(f)
                out.append(
                    (f, FileNotFoundError if data is None else _decode(f, data, read_cols, names))
                )
            return out

        threads = n if len(part) >= 16 else 1
        size = -(-len(part) // threads)
        shares = [part[i : i + size] for i in range(0, len(part), size)]
        results = [item for share in pool.map(work, shares) for item in share]
        out = Batch()
        for f, t in results:
            if t is FileNotFoundError:
                out.vanished.append(f)
                continue
            out.done.append(f)
            if isinstance(t, str):
                skipped.append((f, t))
            elif isinstance(t, pa.Table):
                out.decoded.append((f, t))
        return out

    with ThreadPoolExecutor(max_workers=n) as pool:
        for start in range(0, len(files), batch):
            yield read(files[start : start + batch], pool)


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


def stack(
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
    and the files that could not be read, with why; a file that vanished (merged or pruned
    by another process meanwhile) is in neither.

    Examples
    --------
    >>> from pinecone_imports_frame.snapshots._inventory import inspect
    >>> from pinecone_imports_frame.snapshots._store import open_store
    >>> records = [{"id": "2", "status": "Pending"}, {"id": "1"}]
    >>> store = open_store(lake("2025-05-01T12:00:00Z", records=records), None)
    >>> (entry,) = inspect(store, store.scan())
    >>> [(listing, table)], skipped = read_stored(store, [(entry.file, [entry.listing])])
    >>> table["id"].to_pylist(), table["status"].type, skipped
    (['1', '2'], DataType(string), [])
    """
    skipped: list[tuple[SnapshotFile, str]] = []
    snapshots = [f for f, _ in held if f.kind == SNAPSHOT]
    found = {
        f.path: t
        for b in read_batches(store, snapshots, list(FILE_COLUMNS), None, skipped)
        for f, t in b.decoded
    }
    out: list[tuple[Listing, pa.Table]] = []
    for f, listings in held:
        if f.kind == SNAPSHOT:
            raw = found.pop(f.path, None)
            parts = [] if raw is None else [(listings[0], raw)]
        else:
            try:
                opened = open_compacted(store, f, skipped)
                if opened is None:
                    continue
                pf = opened.parquet
                if f.is_runs:
                    whole = rows_of(opened, opened.listings, list(FILE_COLUMNS), skipped)
                    if whole is None:
                        continue
                    parts = _split_listings(whole, opened.listings, listings)
                else:
                    present = [c for c in FILE_COLUMNS if c in pf.schema_arrow.names]
                    try:
                        whole = pf.read(columns=present, use_threads=True)
                    except FileNotFoundError:
                        raise
                    except (pa.ArrowException, OSError) as exc:
                        skipped.append((f, f"its rows do not decode ({exc})"))
                        continue
                    parts = [(x, whole.slice(x.offset, x.rows or 0)) for x in listings]
            except FileNotFoundError:
                logger.debug("%s vanished before it was read", f.path)
                continue
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


def _split_listings(
    rows: pa.Table, every: list[Listing], wanted: list[Listing]
) -> list[tuple[Listing, pa.Table]]:
    """Cut a runs file's rebuilt rows (sorted by ``listed_at``) into its listings' rows.

    Two listings at the same microsecond (two writers) share their instant's rows: the
    first of them (by name) gets them all.
    """
    stamps = rows["listed_at"].cast(pa.int64()).to_numpy(zero_copy_only=False)
    names = {x.name for x in wanted}
    out, seen = [], set()
    for x in sorted(every, key=lambda x: (x.listed_us, x.name)):
        if x.listed_us in seen:
            part = rows.slice(0, 0)
        else:
            seen.add(x.listed_us)
            lo, hi = np.searchsorted(stamps, [x.listed_us, x.listed_us + 1])
            part = rows.slice(int(lo), int(hi - lo))
        if x.name in names:
            out.append((x, part))
    return out
