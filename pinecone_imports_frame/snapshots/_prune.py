"""Retention: deleting whole snapshots by age or count, and the debris readers skip."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..errors import ConfigurationError, SnapshotError
from ..frame import micros
from ._args import as_age, shared_params
from ._catalog import Listing
from ._compact import write_merged
from ._decode import read_stored
from ._inventory import (
    CORRUPT,
    OK,
    TEMPORARY_STATUS,
    Entry,
    Facts,
    inventory_frame,
    settled_entries,
    unrecorded,
)
from ._layout import TEMPORARY, SnapshotFile
from ._pruned import Records, deadline, expire, read_records, write_record
from ._store import Store, open_store
from ._view import MAX_LOOKS

logger = logging.getLogger(__name__)

#: A temporary file this old is a killed writer's: no write takes an hour.
TEMPORARY_MAX_AGE = dt.timedelta(hours=1)


@shared_params
def prune_snapshots(
    root: str | os.PathLike[str],
    *,
    older_than: str | dt.timedelta | pd.Timedelta | None = None,
    keep_last: int | None = None,
    all_snapshots: bool = False,
    corrupt: bool = False,
    dry_run: bool = False,
    storage_options: dict[str, Any] | None = None,
    **deprecated: bool,
) -> pd.DataFrame:
    """Delete whole snapshots by age or count; return the ones removed.

    A snapshot is one file, deleted with one call, so a snapshot is never left partly
    deleted: after an interruption each snapshot is either whole or gone. Only files
    whose name *and* metadata say this package wrote them are ever deleted (another
    tool's Parquet files in the lake are left alone), plus, when asked, snapshots that are
    not readable (``corrupt=True``). Temporary files of killed writers older than an
    hour are swept every time. Emptied partition folders are removed on local disk.

    Safe beside other processes: a pruned listing is removed from every file holding it
    (a merged file is written again without it), then the lake is looked at again until
    no file holds it, so that a compaction running meanwhile cannot bring it back. The
    copies an interrupted compaction left (``superseded``) are left to the next
    compaction. Hosts written differently are one index for ``keep_last``.

    Parameters
    ----------
    {root}
    older_than : str, datetime.timedelta or pandas.Timedelta, optional
        Remove snapshots whose ``listed_at`` is older than now minus this (``"30d"``,
        ``"12h"``, ``pd.Timedelta(days=7)``; a bare number is refused).
    keep_last : int, optional
        Keep the newest ``keep_last`` snapshots of each index host. Alone, it removes all
        others; with ``older_than``, a snapshot is removed only if it is both older than
        ``older_than`` and not one of the newest ``keep_last`` of its host. ``0`` (remove
        every snapshot) needs ``all_snapshots=True`` as well.
    all_snapshots : bool
        Remove every snapshot (the same as ``keep_last=0``, which it must accompany).
        Formerly ``all=``, still taken for one release with a ``DeprecationWarning``.
    corrupt : bool
        Also remove files named like snapshots that are not readable Parquet (the files
        :func:`list_snapshots` shows as ``corrupt``).
    dry_run : bool
        Remove nothing; return what would be removed.
    {storage_options}

    Returns
    -------
    pandas.DataFrame
        The :func:`list_snapshots` rows of the files removed (or that would be).

    Raises
    ------
    ConfigurationError
        Nothing to prune by was given, an argument is invalid, or ``keep_last=0`` came
        without ``all_snapshots=True``.
    SnapshotError
        The root does not exist or is not a lake, or a file could not be deleted (those
        deleted before it stay deleted). Once the prune has recorded what it removes
        (``_pruned/``), its ``.partial`` holds those rows: no reader shows them any more,
        and the next prune removes what is left of them without reporting them again.

    Examples
    --------
    >>> import tempfile
    >>> from pinecone_imports_frame import list_snapshots, prune_snapshots, to_frame, write_snapshot
    >>> root = tempfile.mkdtemp()
    >>> for t in ["2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z"]:
    ...     _ = write_snapshot(to_frame([], listed_at=t, index_host="h"), root)
    >>> prune_snapshots(root, keep_last=1)["date"].tolist()
    ['2025-05-01']
    >>> list_snapshots(root)["date"].tolist()
    ['2025-05-02']
    """
    all_snapshots = _renamed_all(all_snapshots, deprecated)
    keep_last = _check_rules(older_than, keep_last, all_snapshots, corrupt)
    age = None if older_than is None else as_age(older_than)
    store = open_store(root, storage_options)
    cutoff = None if age is None else micros(pd.Timestamp.now(tz="UTC") - age)
    known: dict[str, Facts] = {}  # footers read, by path: a path's bytes never change

    def look() -> list[Entry]:
        return settled_entries(
            store, "prune", select=_selector(cutoff, keep_last, corrupt), known=known
        )

    entries = look()
    # Read after the look: what an earlier prune recorded removed is neither counted,
    # nor reported again (see _pruned), though copies of it are removed below.
    records = read_records(store)
    doomed = plan(unrecorded(entries, records), cutoff=cutoff, keep_last=keep_last, corrupt=corrupt)
    removed = inventory_frame(store, doomed)
    if not dry_run:
        write_record(
            store,
            ((e.file.host, e.listing.name, e.listing.listed_us) for e in doomed if e.listing),
        )  # before anything is removed: from now on no reader shows them
        try:
            remove(store, doomed, entries, look, recorded=set(records.listings))
            # No file held a recorded listing at remove's last look: the records a day
            # old can go quiet (see _pruned). Under an age-only selector, only those
            # whose every listing is older than the cutoff were looked for.
            by_age = _selector(cutoff, keep_last, corrupt) is not None
            expire(store, _looked_for(records, cutoff if by_age else None))
        except SnapshotError as exc:
            exc.partial = removed  # recorded: pruned for every reader already
            raise
    return removed


def _looked_for(records: Records, cutoff: int | None) -> Records:
    """Return the records a look judging files older than ``cutoff`` checked (all without).

    A look by age alone judged no file newer than the cutoff: should a record name a
    listing that new (a ``keep_last`` prune's), no record is expired this time.
    """
    if cutoff is None or all(us < cutoff for us in records.listings.values()):
        return records
    return Records()


def _selector(
    cutoff: int | None, keep_last: int | None, corrupt: bool
) -> Callable[[SnapshotFile], bool] | None:
    """Which files a prune reads the footer of: by age alone, the names say enough."""
    if keep_last is not None or corrupt or cutoff is None:
        return None  # every file: counts and corrupt ones need footers
    # Only the old ones (a compacted file's name holds its first listing), and temporary
    # files, swept wherever they are.
    return lambda f: f.kind == TEMPORARY or (f.listed_us is not None and f.listed_us < cutoff)


def _renamed_all(all_snapshots: bool, deprecated: dict[str, bool]) -> bool:
    """Take ``all=`` (renamed ``all_snapshots=``: it hid the builtin) with a warning."""
    unknown = sorted(set(deprecated) - {"all"})
    if unknown:
        raise TypeError(f"prune_snapshots() got an unexpected keyword argument {unknown[0]!r}")
    if "all" not in deprecated:
        return all_snapshots
    warnings.warn(
        "prune_snapshots(all=...) is renamed all_snapshots=...; all= goes in the next release",
        DeprecationWarning,
        stacklevel=3,
    )
    return bool(deprecated["all"]) or all_snapshots


def _check_rules(older_than: Any, keep_last: Any, all_snapshots: bool, corrupt: bool) -> int | None:
    if keep_last is not None and (
        isinstance(keep_last, bool) or not isinstance(keep_last, int) or keep_last < 0
    ):
        raise ConfigurationError(f"keep_last must be a whole number >= 0, not {keep_last!r}")
    if all_snapshots:
        if keep_last not in (None, 0) or older_than is not None:
            raise ConfigurationError(
                "all_snapshots=True removes every snapshot; it goes with keep_last=0 only, "
                "not with older_than or another keep_last"
            )
        return 0
    if keep_last == 0:
        raise ConfigurationError(
            "keep_last=0 removes every snapshot of the lake: pass all_snapshots=True too if "
            "that is what you mean (--all on the command line)"
        )
    if older_than is None and keep_last is None and not corrupt:
        raise ConfigurationError(
            "prune_snapshots needs older_than= (e.g. '30d') or keep_last= (e.g. 10), or "
            "both, or corrupt=True"
        )
    return keep_last


def plan(
    entries: list[Entry],
    *,
    cutoff: int | None,
    keep_last: int | None,
    corrupt: bool,
    now: float | None = None,
) -> list[Entry]:
    """Choose what a prune removes: snapshots by age and count, corrupt ones, old temporaries.

    A snapshot goes when it is older than ``cutoff`` (microseconds since the epoch) and not
    among the newest ``keep_last`` of its host (either rule alone when the other is None).
    Only the copy of a listing that counts is looked at; :func:`remove` removes its every
    copy. Temporary files go once they are an hour old (``now``: this machine's clock).

    Examples
    --------
    >>> store = open_store(lake("2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z"), None)
    >>> entries = settled_entries(store, "prune")
    >>> [e.file.date for e in plan(entries, cutoff=None, keep_last=1, corrupt=False)]
    ['2025-05-01']
    """
    now = time.time() if now is None else now
    snapshots = [e for e in entries if e.file_status == OK]

    def key(e: Entry) -> tuple[str, str | None]:
        return e.file.path, e.listing.name if e.listing else None

    protected: set[tuple[str, str | None]] = set()
    if keep_last is not None:
        by_host: dict[str, list[Entry]] = {}
        for e in snapshots:
            by_host.setdefault(e.file.host, []).append(e)
        for group in by_host.values():
            group.sort(key=lambda e: (e.listed_us or 0, e.listing.name if e.listing else ""))
            if keep_last:
                protected.update(key(e) for e in group[-keep_last:])
    doomed = []
    for e in entries:
        if e.file_status == TEMPORARY_STATUS:
            mtime = e.file.mtime
            if mtime is not None and now - mtime > TEMPORARY_MAX_AGE.total_seconds():
                doomed.append(e)
        elif corrupt and e.file_status == CORRUPT:
            doomed.append(e)
        elif e.file_status != OK or key(e) in protected:
            continue  # foreign files are never removed; corrupt ones only when asked
        elif keep_last is not None or cutoff is not None:
            listed_us = e.listed_us
            if cutoff is None or (listed_us is not None and listed_us < cutoff):
                doomed.append(e)
    return doomed


def remove(
    store: Store,
    doomed: list[Entry],
    entries: list[Entry],
    look: Callable[[], list[Entry]],
    *,
    recorded: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
) -> None:
    """Remove every copy of the ``doomed`` listings, and the doomed files that hold none.

    A file holding only doomed listings is deleted (one call a file); a compacted file
    that also holds others is written again without the doomed ones (a new file,
    atomically), and only then deleted. Then the lake is looked at again (``look``) and
    this repeats until no file holds a doomed listing: a compaction running meanwhile
    may have merged one into a file written after the first look, and a pruned listing
    must not come back. Copies of the ``recorded`` listings (host, name: pruned by an
    earlier prune, see ``_pruned``) are removed alike, unreported.

    Examples
    --------
    >>> root = lake("2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z")
    >>> store = open_store(root, None)
    >>> entries = settled_entries(store, "prune")
    >>> doomed = plan(entries, cutoff=None, keep_last=1, corrupt=False)
    >>> remove(store, doomed, entries, lambda: settled_entries(store, "prune"))
    >>> [f.date for f in store.scan()]
    ['2025-05-02']
    >>> os.listdir(os.path.join(root, "index_host=h"))  # the emptied date folder is gone too
    ['date=2025-05-02']
    """
    touched: list[SnapshotFile] = []
    for e in doomed:
        if e.listing is None:  # a temporary or corrupt file: no listing of it counts
            store.remove(e.file.path)
            logger.info("pruned %s", store.user_path(e.file.path))
            touched.append(e.file)
    going = {(e.file.host, e.listing.name) for e in doomed if e.listing is not None}
    going |= recorded
    for attempt in range(MAX_LOOKS):
        holders: dict[str, tuple[SnapshotFile, list[Listing]]] = {}
        for e in entries:
            if e.listing is not None:
                holders.setdefault(e.file.path, (e.file, []))[1].append(e.listing)
        holders = {
            p: (f, xs)
            for p, (f, xs) in holders.items()
            if any((f.host, x.name) in going for x in xs)
        }
        if not holders:
            store.remove_empty_dirs(touched)
            return
        if attempt:
            logger.info(
                "%d file(s) brought pruned listings back (a compaction meanwhile)", len(holders)
            )
        for path, (f, listings) in holders.items():
            staying = [x for x in listings if (f.host, x.name) not in going]
            if staying and not _rewrite(store, f, staying):
                continue  # gone meanwhile: the next look finds where its listings went
            store.remove(path)
            logger.info("pruned %s", store.user_path(path))
            touched.append(f)
        entries = look()
    raise SnapshotError(
        f"could not prune {store.user_path(store.root)}: pruned listings kept coming back "
        f"through {MAX_LOOKS} looks (another process compacting it meanwhile); run the "
        "prune again"
    )


def _rewrite(store: Store, f: SnapshotFile, staying: list[Listing]) -> bool:
    """Write the ``staying`` listings of a compacted file as a new compacted file.

    False when the file vanished meanwhile (merged again by a compaction).
    """
    # Rows are written within the hour of reading the records just before them (see
    # _pruned): listings another prune recorded since this one began are left out too.
    by = deadline()
    recorded = read_records(store).of_host(f.host)
    staying = [x for x in staying if x.name not in recorded]
    if not staying:
        return True  # (the file holds only listings that go)
    parts, skipped = read_stored(store, [(f, staying)])
    if skipped:
        raise SnapshotError(
            f"could not rewrite {store.user_path(f.path)} without the pruned listings: "
            f"{skipped[0][1]}; it was left whole"
        )
    if len(parts) != len(staying):
        logger.info("%s vanished before it was rewritten", f.path)
        return False
    path, _, _ = write_merged(store, f.host, f.date, parts, by=by)
    logger.info("rewrote %s as %s without the pruned listings", f.path, path)
    return True
