"""The lake's inventory: one row per snapshot, from partition folders and footers only."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from .. import frame as _frame
from .. import schema
from ..errors import SkippedFileWarning, SnapshotError
from ._args import shared_params
from ._catalog import LISTINGS_KEY, Listing, choose_copies, listings_of
from ._layout import (
    COMPACTED,
    METADATA_PREFIX,
    SNAPSHOT,
    TEMP_RE,
    TEMPORARY,
    SnapshotFile,
    is_ours,
    listed_us_from_name,
    schema_problem,
)
from ._pruned import Records, read_records
from ._store import Store, is_arrow_error, open_store, store_errors
from ._view import MAX_LOOKS, settle

logger = logging.getLogger(__name__)

#: Columns of list_snapshots, each typed like the schema column named here (strings,
#: nullable ints and UTC timestamps exactly as in an imports frame).
_LIST_COLUMNS: dict[str, str] = {
    "path": "id",
    "file_status": "id",
    "index_host": "id",
    "index_name": "id",
    "listed_at": "listed_at",
    "date": "id",
    "rows": "records_imported",
    "bytes": "records_imported",
    "file_listings": "records_imported",
    "api_version": "id",
    "schema_version": "records_imported",
    "package_version": "id",
}
#: Footers read at once: each is a small read, waiting on the store.
_FOOTER_THREADS = 16

#: Statuses of list_snapshots: a snapshot of this package; a file named like one that is
#: not readable Parquet (empty, cut short, damaged); a file this package did not write
#: (another name, or no metadata of this package); a write in progress or of a killed
#: writer.
OK, CORRUPT, FOREIGN, TEMPORARY_STATUS = "ok", "corrupt", "foreign", "temporary"
#: A copy of a listing that another file also holds and that readers skip: what a
#: compaction (or a prune's rewrite) killed before removing the old files leaves.
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Entry:
    """One listing of the lake (or one file that holds none), as names and footers say.

    :func:`inspect` makes them from names and footers (no row is read); prune and
    compact decide on them, and :func:`inventory_frame` is ``list_snapshots``' table of them.

    Attributes
    ----------
    file : SnapshotFile
        The file that holds it.
    file_status : str
        ``"ok"``, ``"superseded"``, ``"corrupt"``, ``"foreign"`` or ``"temporary"``.
    meta : dict
        This package's key-value metadata of the listing; empty unless the file is ours.
    size : int or None
        The file's bytes.
    rows : int or None
        The listing's rows (the file's, for a file that is not ours).
    listing : Listing or None
        The listing, for files of this package.
    file_listings : int
        How many listings the file holds (1 but for compacted files).
    """

    file: SnapshotFile
    file_status: str
    meta: dict[str, str]
    size: int | None
    rows: int | None
    listing: Listing | None = None
    file_listings: int = 1

    @property
    def listed_us(self) -> int | None:
        """``listed_at`` in microseconds: the listing's, else from the name."""
        if self.listing is not None:
            return self.listing.listed_us
        if self.file.listed_us is not None:
            return self.file.listed_us
        inner = TEMP_RE.match(self.file.name)
        return listed_us_from_name(inner.group(1)) if inner else None


@dataclass(frozen=True)
class Facts:
    """What a file's name and footer say: its status and the listings it holds."""

    file: SnapshotFile
    file_status: str
    size: int | None
    rows: int | None
    listings: list[Listing]


def _judge(store: Store, f: SnapshotFile) -> Facts | None:
    """Read one file's footer and judge it; None if it vanished meanwhile."""
    if f.kind == TEMPORARY:
        return Facts(f, TEMPORARY_STATUS, f.size, None, [])
    if f.kind not in (SNAPSHOT, COMPACTED):
        return Facts(f, FOREIGN, f.size, None, [])
    try:
        with store_errors("read the footer of", store.user_path(f.path), vanish_ok=True):
            try:
                size, md = store.footer(f)
            except FileNotFoundError:
                raise
            except Exception as exc:
                if not is_arrow_error(exc):
                    raise
                return Facts(f, CORRUPT, f.size, None, [])
    except FileNotFoundError:
        logger.debug("%s vanished while the lake was listed", f.path)
        return None
    kv = md.metadata or {}
    if not is_ours(kv):
        return Facts(f, FOREIGN, size, md.num_rows, [])
    meta = {
        k.decode("utf-8", "replace")[len(METADATA_PREFIX) :]: v.decode("utf-8", "replace")
        for k, v in kv.items()
        if k.startswith(METADATA_PREFIX.encode()) and k != LISTINGS_KEY
    }
    listings = listings_of(f, kv, md.num_rows, meta)
    if listings is None:  # a compacted file whose list of listings is damaged
        return Facts(f, CORRUPT, size, md.num_rows, [])
    try:
        stored = md.schema.to_arrow_schema()
    except Exception as exc:
        if not is_arrow_error(exc):
            raise
        return Facts(f, CORRUPT, size, md.num_rows, [])
    if schema_problem(stored.remove_metadata(), runs=f.is_runs) is not None:  # another type
        return Facts(f, CORRUPT, size, md.num_rows, [])
    return Facts(f, OK, size, md.num_rows, listings)


def judge(store: Store, files: list[SnapshotFile]) -> dict[str, Facts | None]:
    """Judge files from their names and footers, a few threads at once; None: it vanished."""
    if not files:
        return {}
    with ThreadPoolExecutor(max_workers=min(_FOOTER_THREADS, len(files))) as pool:
        verdicts = list(pool.map(lambda f: _judge(store, f), files))
    return {f.path: x for f, x in zip(files, verdicts, strict=True)}


def entries_of(found: list[Facts]) -> list[Entry]:
    """One entry per listing (``ok`` for the copy that counts) and one per other file."""
    chosen = choose_copies((x.file, x.listings) for x in found if x.file_status == OK)
    out = []
    for x in found:
        if x.file_status != OK:
            out.append(Entry(x.file, x.file_status, {}, x.size, x.rows))
            continue
        mine = chosen[x.file.path]
        for item in x.listings:
            file_status = OK if item.name in mine else SUPERSEDED
            out.append(
                Entry(x.file, file_status, item.meta, x.size, item.rows, item, len(x.listings))
            )
    return out


def inspect(store: Store, files: list[SnapshotFile]) -> list[Entry]:
    """Judge every file from its name and footer (a few threads; no row is read).

    Files of this package give one entry per listing they hold, ``ok`` for the copy that
    counts and ``superseded`` for another (see :func:`choose_copies`); other files one entry.

    Examples
    --------
    >>> root = lake("2025-05-01T12:00Z")
    >>> foreign = os.path.join(root, "index_host=h", "date=2025-05-01", "part-0.parquet")
    >>> with open(foreign, "wb") as f:
    ...     _ = f.write(b"another tool's")
    >>> store = open_store(root, None)
    >>> sorted((e.file.kind, e.file_status) for e in inspect(store, store.scan()))
    [('other', 'foreign'), ('snapshot', 'ok')]
    """
    return entries_of([x for x in judge(store, files).values() if x is not None])


def survey(
    store: Store,
    *,
    hosts: frozenset[str] | None = None,
    first_date: str | None = None,
    last_date: str | None = None,
    select: Callable[[SnapshotFile], bool] | None = None,
    known: dict[str, Facts] | None = None,
) -> tuple[list[Entry], bool]:
    """Judge the lake as one instant saw it (see :func:`_view.settle`); return its entries.

    Only files ``select`` keeps are judged (all by default); ``known`` keeps footers
    already read, by path, across calls. Returns the entries and whether the view
    settled (two scans in a row agreed).

    Examples
    --------
    >>> entries, settled = survey(open_store(lake("2025-05-01T12:00Z"), None))
    >>> [e.file_status for e in entries], settled
    (['ok'], True)
    """
    cache: dict[str, Facts] = {} if known is None else known

    def scan() -> list[SnapshotFile]:
        found = store.scan(hosts=hosts, first_date=first_date, last_date=last_date)
        return found if select is None else [f for f in found if select(f)]

    files, settled = settle(scan, lambda new: judge(store, new), cache)
    return entries_of([cache[f.path] for f in files]), settled


def settled_entries(store: Store, what: str, **survey_options: Any) -> list[Entry]:
    """:func:`survey`'s entries; a transient SnapshotError if the lake would not settle.

    What compaction and prune decide on: never a view mixing two moments of the lake.

    Examples
    --------
    >>> [e.file.date for e in settled_entries(open_store(lake("2025-05-01T12:00Z"), None), "x")]
    ['2025-05-01']
    """
    entries, settled = survey(store, **survey_options)
    if not settled:
        raise SnapshotError(
            f"could not {what} {store.user_path(store.root)}: it kept changing while it "
            "was looked at (other processes writing, compacting or pruning it), so "
            "nothing was changed from a view mixing two moments; try again"
        )
    return entries


def unrecorded(entries: list[Entry], records: Records) -> list[Entry]:
    """Leave out the listings a prune recorded removed (see ``_pruned``)."""
    if not records:
        return entries
    return [e for e in entries if e.listing is None or (e.file.host, e.listing.name) not in records]


def inventory_frame(store: Store, entries: list[Entry]) -> pd.DataFrame:
    """Build the frame of :func:`list_snapshots` from judged files, sorted by ``listed_at``.

    Examples
    --------
    >>> inventory_frame(open_store(lake(), None), []).columns[:3].tolist()
    ['path', 'file_status', 'index_host']
    """
    rows: dict[str, list[Any]] = {c: [] for c in _LIST_COLUMNS}
    for e in entries:
        meta = e.meta
        rows["path"].append(store.user_path(e.file.path))
        rows["file_status"].append(e.file_status)
        rows["index_host"].append(e.file.host)
        rows["index_name"].append(meta.get("index_name") or None)
        rows["listed_at"].append(e.listed_us)
        rows["date"].append(e.file.date)
        rows["rows"].append(e.rows)
        rows["bytes"].append(e.size)
        rows["file_listings"].append(e.file_listings if e.listing is not None else None)
        rows["api_version"].append(meta.get("api_version") or None)
        sv = meta.get("schema_version")
        rows["schema_version"].append(int(sv) if sv and sv.isdigit() else None)
        rows["package_version"].append(meta.get("package_version") or None)
    data: dict[str, Any] = {}
    for c, like in _LIST_COLUMNS.items():
        if like == "listed_at":  # microseconds since the epoch
            values = pa.array(rows[c], type=pa.int64()).cast(schema.arrow_type(like))
        else:
            values = pa.array(rows[c], type=schema.arrow_type(like))
        data[c] = _frame.column_to_pandas(values, like, "numpy_nullable")
    out = pd.DataFrame(data)
    out = out.sort_values(["listed_at", "index_host", "path"], kind="stable", na_position="first")
    return out.reset_index(drop=True)


@shared_params
def list_snapshots(
    root: str | os.PathLike[str],
    *,
    storage_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """List every file of the lake under ``root``: one row per snapshot, with its file status.

    From partition folders and Parquet footers only: no row of any snapshot is read.
    Files that readers skip are listed too, so that they can be found and removed. The
    list is the lake as one look found it, also while other processes compact or prune
    it (files are listed and judged again until a look finds no new file).

    Parameters
    ----------
    {root}
    {storage_options}

    Returns
    -------
    pandas.DataFrame
        Columns ``path`` (string, a full URL for fsspec roots), ``file_status`` (string:
        ``ok``, a snapshot; ``corrupt``, named like a snapshot but not readable Parquet,
        or with a column of a type this package does not write (rows are not read, so a
        row whose ``listed_at`` is not its file's shows ``ok`` here and is skipped by
        :func:`read_snapshots`);
        ``foreign``, a Parquet file this package did not write; ``temporary``, a write in
        progress or of a killed writer; ``superseded``, a copy of a listing another file
        holds, left by an interrupted compaction), ``index_host``, ``index_name`` (NA when
        unknown), ``listed_at`` (datetime64[us, UTC]), ``date`` (``YYYY-MM-DD``, the
        partition), ``rows``, ``bytes`` (of the file), ``file_listings`` (how many listings
        the file holds: more than 1 for a compacted day), ``api_version``,
        ``schema_version`` (Int64) and ``package_version``, sorted by ``listed_at``; one row
        per listing, 0 rows for an empty lake.

    Raises
    ------
    SnapshotError
        The root does not exist or is not a lake (permanent), or the store cannot be
        reached (transient).

    Warns
    -----
    SkippedFileWarning
        For each symbolic link in the lake (never followed), and once if the lake kept
        changing through 12 looks (the list is then its last look).

    Examples
    --------
    >>> import tempfile
    >>> from pinecone_imports_frame import list_snapshots, to_frame, write_snapshot
    >>> root = tempfile.mkdtemp()
    >>> df = to_frame([{"id": "1", "status": "Pending"}], listed_at="2025-05-01T12:00:00Z",
    ...               index_host="127.0.0.1:8080")
    >>> _ = write_snapshot(df, root)
    >>> list_snapshots(root)[["index_host", "date", "file_status", "rows"]]
           index_host        date file_status  rows
    0  127.0.0.1:8080  2025-05-01          ok     1
    """
    store = open_store(root, storage_options)
    entries, settled = survey(store)
    entries = unrecorded(entries, read_records(store))  # read last: see _pruned
    if not settled:
        warnings.warn(
            f"the lake {store.user_path(store.root)} kept changing through {MAX_LOOKS} "
            "looks while it was listed (other processes writing, compacting or pruning "
            "it): this list is its last look, and may miss files; list it again",
            SkippedFileWarning,
            stacklevel=2,
        )
    return inventory_frame(store, entries)
