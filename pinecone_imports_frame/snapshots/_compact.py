"""Compaction: each day's snapshots of an index merged into one file, readers none the wiser.

A lake written every 5 minutes holds 288 files a day per index; every reader pays per file
(and object stores per request). :func:`compact_snapshots` merges the files of each day
older than ``older_than`` into one, in four steps, each safe to be killed after:

1. read the day's listings (every stored column; files of every spelling of the host)
   and merge them, in ``listed_at`` order then by name, each listing's rows by ``id``,
   into one table; its footer lists the listings it holds (name, ``listed_at``, rows,
   first row, and each one's metadata);
2. write it atomically (a renamed temporary on disk, one put on an object store) and read
   its footer back;
3. look at the day again: a listing of the merged file that no other file holds any more
   was pruned meanwhile, and the merged file is written again without it; a merged file
   another compaction wrote at the same moment, holding all of it and counting first
   (``_catalog.rank``), makes this one go instead;
4. only then remove the files it was merged from (and such other merged files it holds
   all of).

Killed after 2 or 3, both copies exist: readers count the merged file's (see
``_catalog.choose_copies``) and the next compaction merges the day again and removes the
rest. Killed during 1 or 2, the originals are untouched and no merged file is visible.

A merged file counts before the merged files it was merged from: its name sorts before
theirs (``_catalog.rank`` orders copies holding as many listings by path). Otherwise two
compactions could each remove the other's file: one merging the other's merged file (an
input it holds all of) while the other finds the newer file counting after its own (a
copy it holds all of), and the day would be lost.

Why step 3 is enough without a lock: a prune removes a listing's files first and looks
for other copies after; a compaction writes its copy first and looks for the originals
after. Whichever looks last sees the other's change, so a pruned listing never outlives
both. And nothing removes a file because another holds its listings except the process
that wrote that other file (or a prune, for listings it removes): a listing found in no
other file was pruned, never merged away.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import frame as _frame
from .. import runs, schema
from ..errors import SkippedFileWarning, SnapshotError
from ._args import as_age, as_hosts, shared_params
from ._catalog import LISTINGS_KEY, Listing, compact_listings_json, listings_json, rank
from ._decode import read_stored
from ._inventory import OK, Entry, Facts, settled_entries, unrecorded
from ._layout import (
    COMPACTED,
    DATE_KEY,
    RUNS_SUFFIX,
    SnapshotFile,
    compacted_name,
    day,
    encode_host,
    package_version,
)
from ._pruned import check_deadline, deadline, read_records
from ._store import Store, open_store, store_errors
from ._view import MAX_LOOKS
from ._write import encode_parquet

logger = logging.getLogger(__name__)

#: Rows per row group of a compacted file: about what DuckDB (122,880) and Spark read per
#: task, and small enough that a since/until inside a day skips most of the file.
ROW_GROUP_ROWS = 131_072

#: Columns of compact_snapshots' result, typed like the schema column named here.
_RESULT_COLUMNS: dict[str, str] = {
    "index_host": "id",
    "date": "id",
    "files_before": "records_imported",
    "listings": "records_imported",
    "rows": "records_imported",
    "path": "id",
    "bytes": "records_imported",
}


def _fault(step: str) -> None:
    """Do nothing; tests replace it to kill the compactor between its steps."""


@shared_params
def compact_snapshots(
    root: str | os.PathLike[str],
    *,
    older_than: str | dt.timedelta | pd.Timedelta = "1d",
    index_host: str | Sequence[str] | None = None,
    dry_run: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Merge each day's snapshots of each index into one file, for days older than ``older_than``.

    Readers see the same rows before and after: :func:`read_snapshots` returns an equal
    frame, :func:`list_snapshots` lists every listing (from the merged file's metadata),
    ``since``/``until`` and :func:`prune_snapshots` work on merged days as on the others;
    DuckDB, Polars, pyarrow and Spark read the merged file as any snapshot. The merged
    file's rows are sorted by ``listed_at`` then ``id``, in row groups of about 131,072
    rows. The originals are removed only once the merged file is written whole; a
    compaction killed at any point leaves the lake readable, no listing counted twice,
    and the next one finishes the job. A day whose only file is already one file is left
    as it is; files that are not this package's snapshots (or symbolic links) are never
    touched. A day's files under other spellings of its host (``LOCALHOST:5080``) are
    merged into the host's one partition.

    Safe beside other processes: before removing anything it checks that each listing
    of the merged file is still held by another file, and leaves out those a prune
    removed meanwhile (a pruned listing never comes back); two compactions of one day at
    once end with one merged file, and neither calls the other's work an error.

    Parameters
    ----------
    {root}
    older_than : str, datetime.timedelta or pandas.Timedelta
        Only days (UTC) that ended at least this long ago (``"1d"``: up to yesterday,
        once today is a day old). A bare number is refused.
    index_host : str or list of str, optional
        Only these hosts (a URL or a host, as :func:`read_imports` takes it).
    dry_run : bool
        Merge nothing; return what would be merged.
    {storage_options}

    Returns
    -------
    pandas.DataFrame
        One row per day merged: ``index_host``, ``date``, ``files_before`` (files it
        replaced), ``listings``, ``rows``, ``path`` (the merged file; NA on a dry run) and
        ``bytes``.

    Raises
    ------
    ConfigurationError
        An argument is invalid.
    SnapshotError
        The root does not exist or is not a lake (permanent), or the store failed
        (transient): what was merged before stays merged.

    Examples
    --------
    >>> import tempfile
    >>> from pinecone_imports_frame import compact_snapshots, read_snapshots
    >>> from pinecone_imports_frame import to_frame, write_snapshot
    >>> root = tempfile.mkdtemp()
    >>> for t in ["2025-05-01T10:00:00Z", "2025-05-01T10:05:00Z", "2025-05-01T10:10:00Z"]:
    ...     _ = write_snapshot(to_frame([{"id": "1", "status": "Pending"}], listed_at=t,
    ...                                 index_host="idx.svc.pinecone.io"), root)
    >>> before = read_snapshots(root)
    >>> compact_snapshots(root)[["date", "files_before", "listings", "rows"]]
             date  files_before  listings  rows
    0  2025-05-01             3         3     3
    >>> read_snapshots(root).equals(before)
    True
    """
    age = as_age(older_than)
    hosts = as_hosts(index_host)
    store = open_store(root, storage_options)
    cutoff = pd.Timestamp.now(tz="UTC") - age
    last_day = day(cutoff.floor("D") - pd.Timedelta(days=1))
    known: dict[str, Facts] = {}  # footers read, by path: a path's bytes never change
    entries = settled_entries(store, "compact", hosts=hosts, last_date=last_day, known=known)
    # Read after the look: listings a prune recorded removed are not merged (see _pruned).
    entries = unrecorded(entries, read_records(store))
    days: dict[tuple[str, str], list[Entry]] = {}
    for e in entries:
        if e.listing is not None:  # a listing of this package's, the copy that counts or not
            days.setdefault((e.file.host, e.file.date), []).append(e)
    results = []
    for (host, date), day_entries in sorted(days.items()):
        files = {e.file.path: e.file for e in day_entries}
        one_instant_twice = len({e.listing.listed_us for e in day_entries if e.listing}) < len(
            {e.listing.name for e in day_entries if e.listing}
        )
        if len(files) < 2 and all(
            f.in_host_folder and (f.is_runs or f.kind != COMPACTED or one_instant_twice)
            for f in files.values()
        ):
            # One file a day, in its host's folder, is what compaction makes (a day of
            # listings compacted by an older version is made runs).
            continue
        done = _compact_day(store, host, date, day_entries, known, dry_run=dry_run)
        if done is not None:
            results.append(done)
    return _result_frame(results)


def _compact_day(
    store: Store,
    host: str,
    date: str,
    entries: list[Entry],
    known: dict[str, Facts],
    *,
    dry_run: bool,
) -> dict[str, Any] | None:
    """Merge one day of one index; None when there is nothing (left) to do."""
    inputs: dict[str, tuple[SnapshotFile, list[Listing]]] = {}  # every listing each holds
    chosen: dict[str, tuple[SnapshotFile, list[Listing]]] = {}  # the copies that count
    for e in entries:
        assert e.listing is not None
        inputs.setdefault(e.file.path, (e.file, []))[1].append(e.listing)
        if e.file_status == OK:
            chosen.setdefault(e.file.path, (e.file, []))[1].append(e.listing)
    listings = [x for _, xs in chosen.values() for x in xs]
    result: dict[str, Any] = {
        "index_host": host,
        "date": date,
        "files_before": len(inputs),
        "listings": len(listings),
        "rows": sum(x.rows or 0 for x in listings),
        "path": None,
        "bytes": None,
    }
    if dry_run:
        return result
    # Rows are written within the hour of reading the records just before them, or not
    # at all: a record that old is never expired yet (see _pruned).
    by = deadline()
    recorded = read_records(store).of_host(host)
    chosen = {p: (f, [x for x in xs if x.name not in recorded]) for p, (f, xs) in chosen.items()}
    parts, skipped = read_stored(store, [(f, xs) for f, xs in chosen.values() if xs])
    for f, why in skipped:  # left where they are, untouched
        warnings.warn(
            f"not compacting {store.user_path(f.path)}: {why}; it stays as it is",
            SkippedFileWarning,
            stacklevel=3,
        )
    if not parts:
        return None
    _fault("read")
    merged = _merge(store, host, date, parts, inputs, known, by)
    if merged is None:
        return None
    path, size, held, losers, recorded = merged
    # (A copy of a listing a prune recorded removed is no loss either.)
    names = {x.name for x in held} | recorded
    # Each file the merged one holds every listing of (never one whose rows could not be
    # read, nor one holding a listing left out): its copies are all in the merged file.
    gone = [f for f, xs in inputs.values() if f.path != path and {x.name for x in xs} <= names]
    gone += losers
    _remove(store, gone)
    store.remove_empty_dirs(gone)
    result.update(
        files_before=len(gone),
        listings=len(held),
        rows=sum(x.rows or 0 for x in held),
        path=store.user_path(path),
        bytes=size,
    )
    logger.info("compacted %d files of %s on %s into %s", len(gone), host, date, path)
    return result


def _merge(
    store: Store,
    host: str,
    date: str,
    parts: list[tuple[Listing, pa.Table]],
    inputs: dict[str, tuple[SnapshotFile, list[Listing]]],
    known: dict[str, Facts],
    by: float,
) -> tuple[str, int, list[Listing], list[SnapshotFile], set[str]] | None:
    """Write the merged file, then make sure it brings back nothing pruned meanwhile.

    Between reading the day and writing the merged file, a prune may have removed some
    of its listings (their files are gone, and no other file holds them): the merged file
    is written again without them, before any file is removed (a prune that looked after
    the merged file was written finds it and removes them itself). The day is looked at
    again until it holds the merged file with nothing pruned in it. None when there is
    nothing left to do: every listing was pruned, another process already replaced the
    merged file (a prune's rewrite, another compaction), or another compaction running at
    the same moment wrote a file holding all of its listings that counts before it (see
    ``_catalog.rank``). Else its path, size and listings, and the files such a
    compaction wrote that it holds every listing of (they count after it: removed too).
    """
    # Sorting before the merged files it merges: see the module's docstring.
    before = [f.path for f, _ in inputs.values() if f.kind == COMPACTED]
    path, size, held = write_merged(store, host, date, parts, before=before, by=by)
    _fault("written")
    for _ in range(MAX_LOOKS):
        entries = settled_entries(
            store, "compact", hosts=frozenset({host}), first_date=date, last_date=date, known=known
        )
        # Read after the look: a listing recorded pruned is left out even where another
        # file holds it (one left by a compaction killed before its own check).
        recorded = read_records(store).of_host(host)
        holds: dict[str, set[str]] = {}
        files: dict[str, SnapshotFile] = {}
        for e in entries:
            if e.listing is not None:
                holds.setdefault(e.file.path, set()).add(e.listing.name)
                files[e.file.path] = e.file
        mine = holds.get(path)
        if mine is None:
            logger.info("%s was replaced by another process meanwhile", path)
            return None
        elsewhere = {name for p, names in holds.items() if p != path for name in names}
        pruned = (mine - elsewhere) | (mine & recorded)
        if pruned:
            logger.info(
                "%d listing(s) of %s on %s were pruned while it was compacted: left out",
                len(pruned),
                host,
                date,
            )
            parts = [(x, t) for x, t in parts if x.name not in pruned]
            written = (
                write_merged(store, host, date, parts, before=before, by=by) if parts else None
            )
            store.remove(path)
            if written is None:
                return None
            path, size, held = written
            continue
        me = rank(files[path], len(mine))
        rival = next(
            (
                p
                for p, names in holds.items()
                if p != path
                and p not in inputs
                and files[p].kind == COMPACTED
                and mine <= names
                and rank(files[p], len(names)) < me
            ),
            None,
        )
        if rival is not None:  # another compaction merged the same day at the same time
            logger.info("%s merged %s on %s already; %s removed", rival, host, date, path)
            store.remove(path)
            return None
        # And the files such a compaction wrote that count after this one, each of its
        # listings in this one: they go with the files this one merged.
        losers = [
            files[p]
            for p, names in holds.items()
            if p != path and p not in inputs and files[p].kind == COMPACTED and names <= mine
        ]
        return path, size, held, losers, recorded
    store.remove(path)  # the files it merged are all still there
    raise SnapshotError(
        f"could not compact {host} on {date} in {store.user_path(store.root)}: the day kept "
        "changing while it was merged (other processes pruning or compacting it); nothing "
        "of it was removed: try again"
    )


def write_merged(
    store: Store,
    host: str,
    date: str,
    parts: list[tuple[Listing, pa.Table]],
    *,
    before: list[str] | tuple[str, ...] = (),
    by: float | None = None,
) -> tuple[str, int, list[Listing]]:
    """Write listings as one compacted file of runs of a day, atomically, and check it back.

    The listings' rows become runs (``runs.normalize`` over the day's listings: a run
    ends at the day's last listing, ``read_history`` joins it to the next day's); the
    footer lists the listings (name, ``listed_at``, rows, metadata) and counts the runs.
    A day holding two listings at one microsecond (two writers) keeps every listing's
    rows instead (``{first}_{last}-{random}.parquet``, the footer giving each one's first
    row), as compaction did before runs.
    Its path sorts before each of ``before`` (the compacted files it merges) that is
    named like it but for the random suffix. Returns its path, its size and the listings
    it holds. Past ``by`` (``_pruned.deadline``: an hour after the rows were read) it
    writes nothing, and a file it wrote too late is removed: a transient SnapshotError.

    Examples
    --------
    >>> write_merged(open_store(lake(), None), "h", "2025-05-01", [])
    Traceback (most recent call last):
    ...
    ValueError: nothing to merge
    """
    if not parts:
        raise ValueError("nothing to merge")
    parts = sorted(parts, key=lambda p: (p[0].listed_us, p[0].name))
    stamps = np.array([x.listed_us for x, _ in parts], dtype=np.int64)
    # Two listings at one microsecond (two writers) are one instant to runs, which could
    # not tell their rows apart: such a day keeps every listing's rows, as before runs.
    as_runs = len(np.unique(stamps)) == len(parts)
    merged: list[Listing] = []
    offset = 0
    for x, t in parts:
        merged.append(Listing(x.name, x.listed_us, t.num_rows, 0 if as_runs else offset, x.meta))
        offset += t.num_rows
    table = pa.concat_tables([t for _, t in parts])
    if as_runs:
        rows = table.append_column("index_host", pa.array([host] * offset, pa.string()))
        table = runs.normalize(rows, {host: stamps}).select(list(runs.RUN_FILE_COLUMNS))
        del rows
    data = encode_day(host, table, merged, as_runs=as_runs)
    first, last = (pd.Timestamp(merged[i].listed_us, unit="us", tz="UTC") for i in (0, -1))
    name = compacted_name(first, last, "", runs=as_runs)
    ext = RUNS_SUFFIX if as_runs else ".parquet"
    stem = store.join(encode_host(host), f"{DATE_KEY}{date}", name)[: -len(ext)]
    path = f"{stem}{_suffix_before(stem, before)}{ext}"
    where = store.user_path(path)
    check_deadline(store, by, f"write the compacted file {where}")
    with store_errors("write the compacted file", where):
        store.write_atomic(path, data)
    try:
        check_deadline(store, by, f"keep the compacted file {where}")
    except SnapshotError:
        store.remove(path)
        raise
    try:
        with store_errors("read back the compacted file", where, vanish_ok=True):
            _, md = store.footer(
                SnapshotFile(path, host, date, merged[0].listed_us, len(data), COMPACTED)
            )
    except FileNotFoundError:  # another process already merged it again, or pruned it
        logger.info("%s was replaced by another process as soon as it was written", where)
        return path, len(data), merged
    kv = md.metadata or {}
    if md.num_rows != table.num_rows or LISTINGS_KEY not in kv:
        raise SnapshotError(
            f"the compacted file {where} does not read back whole ({md.num_rows} rows of "
            f"{table.num_rows}); the files it merges were kept: remove it and compact again"
        )
    return path, len(data), merged


def encode_day(host: str, table: pa.Table, merged: list[Listing], *, as_runs: bool) -> bytes:
    """Encode one compacted day of one index as the bytes of its file.

    ``table`` holds the day's runs (``runs.RUN_FILE_COLUMNS``, as ``runs.normalize``
    sorts them) or, with ``as_runs`` false, every listing's rows; ``merged`` lists its
    listings in ``listed_at`` order. The benchmarks' generator of a year of runs writes
    its files with it too.
    """
    status = table["status"].combine_chunks()
    table = table.set_column(
        table.column_names.index("status"), "status", pc.dictionary_encode(status)
    )
    table = table.cast(schema.arrow_schema(table.column_names))
    first = pd.Timestamp(merged[0].listed_us, unit="us", tz="UTC")
    common = {
        k: vs.pop() if len(vs := {x.meta.get(k, "") for x in merged}) == 1 else ""
        for k in ("index_name", "api_version")
    }
    meta = {
        "package_version": package_version(),
        "api_version": common["api_version"],
        "listed_at": first.isoformat(),
        "index_host": host,
        "index_name": common["index_name"],
        "rows": str(sum(x.rows or 0 for x in merged)),
        "schema_version": str(schema.SCHEMA_VERSION),
        "listings": "",  # (filled below; footer keys keep this order)
    }
    if as_runs:
        meta["runs"] = str(table.num_rows)
        meta["listings"], meta["listing_defaults"] = compact_listings_json(merged)
    else:
        meta["listings"] = listings_json(merged)
    return encode_parquet(table, meta, row_group_size=ROW_GROUP_ROWS)


def _suffix_before(stem: str, paths: list[str] | tuple[str, ...]) -> str:
    """Return a random 12-digit hex suffix making ``stem + suffix`` sort before those of ``paths``.

    Only paths ``stem`` begins count; with none, any suffix.

    Examples
    --------
    >>> s = _suffix_before("/l/a-", ["/l/a-00000000ff00.parquet", "/l/b-000000000000.parquet"])
    >>> len(s), s < "00000000ff00"
    (12, True)
    """
    bound = min(
        (
            int(p[len(stem) :][:12].split(".")[0].ljust(12, "0"), 16)
            for p in paths
            if p.startswith(stem)
        ),
        default=None,
    )
    if not bound:  # none to sort before (or one suffixed 0: no suffix sorts before it)
        return secrets.token_hex(6)
    return f"{secrets.randbelow(bound):012x}"


def _remove(store: Store, files: list[SnapshotFile]) -> None:
    for i, f in enumerate(files):
        store.remove(f.path)
        if i == 0:
            _fault("removing")


def _result_frame(results: list[dict[str, Any]]) -> pd.DataFrame:
    data = {}
    for c, like in _RESULT_COLUMNS.items():
        values = pa.array([r[c] for r in results], type=schema.arrow_type(like))
        data[c] = _frame.column_to_pandas(values, like, "numpy_nullable")
    return pd.DataFrame(data)
