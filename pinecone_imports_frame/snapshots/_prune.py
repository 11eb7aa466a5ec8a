"""Retention: deleting whole snapshots by age or count, and the debris readers skip."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from typing import Any

import pandas as pd

from ..errors import ConfigurationError, SnapshotError
from ..frame import micros
from ._args import as_age, shared_params
from ._catalog import Listing
from ._compact import write_merged
from ._inventory import CORRUPT, OK, SUPERSEDED, TEMPORARY_STATUS, Entry, inspect, inventory_frame
from ._layout import COMPACTED, SNAPSHOT, TEMPORARY, SnapshotFile
from ._read import read_stored
from ._store import Store, open_store

logger = logging.getLogger(__name__)

#: A temporary file this old is a killed writer's: no write takes an hour.
TEMPORARY_MAX_AGE = dt.timedelta(hours=1)


@shared_params
def prune_snapshots(
    root: str | os.PathLike[str],
    *,
    older_than: str | dt.timedelta | pd.Timedelta | None = None,
    keep_last: int | None = None,
    all: bool = False,  # the word users say: "prune them all"
    corrupt: bool = False,
    dry_run: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Delete whole snapshots by age or count; return the ones removed.

    A snapshot is one file, deleted with one call, so a snapshot is never left partly
    deleted: after an interruption each snapshot is either whole or gone. Only files
    whose name *and* metadata say this package wrote them are ever deleted (another
    tool's Parquet files in the lake are left alone), plus, when asked, snapshots that are
    not readable (``corrupt=True``). Temporary files of killed writers older than an
    hour are swept every time. Emptied partition folders are removed on local disk.

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
        every snapshot) needs ``all=True`` as well.
    all : bool
        Remove every snapshot (the same as ``keep_last=0``, which it must accompany).
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
        without ``all=True``.
    SnapshotError
        The root does not exist or is not a lake, or a file could not be deleted (those
        deleted before it stay deleted).

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
    keep_last = _check_rules(older_than, keep_last, all, corrupt)
    age = None if older_than is None else as_age(older_than)
    store = open_store(root, storage_options)
    cutoff = None if age is None else micros(pd.Timestamp.now(tz="UTC") - age)
    doomed, entries = plan(store, cutoff=cutoff, keep_last=keep_last, corrupt=corrupt)
    removed = inventory_frame(store, doomed)
    if not dry_run:
        remove(store, doomed, entries)
    return removed


def _check_rules(older_than: Any, keep_last: Any, all: bool, corrupt: bool) -> int | None:
    if keep_last is not None and (
        isinstance(keep_last, bool) or not isinstance(keep_last, int) or keep_last < 0
    ):
        raise ConfigurationError(f"keep_last must be a whole number >= 0, not {keep_last!r}")
    if all:
        if keep_last not in (None, 0) or older_than is not None:
            raise ConfigurationError(
                "all=True removes every snapshot; it goes with keep_last=0 only, not with "
                "older_than or another keep_last"
            )
        return 0
    if keep_last == 0:
        raise ConfigurationError(
            "keep_last=0 removes every snapshot of the lake: pass all=True too if that is "
            "what you mean (--all on the command line)"
        )
    if older_than is None and keep_last is None and not corrupt:
        raise ConfigurationError(
            "prune_snapshots needs older_than= (e.g. '30d') or keep_last= (e.g. 10), or "
            "both, or corrupt=True"
        )
    return keep_last


def plan(
    store: Store, *, cutoff: int | None, keep_last: int | None, corrupt: bool
) -> tuple[list[Entry], list[Entry]]:
    """Choose what a prune removes: snapshots by age and count, corrupt ones, old temporaries.

    A snapshot goes when it is older than ``cutoff`` (microseconds since the epoch) and not
    among the newest ``keep_last`` of its host (either rule alone when the other is None).
    Files whose every listing is also held by another file (the leftovers of a killed
    compaction) go too. Returns what goes, and every entry looked at.

    Examples
    --------
    >>> store = open_store(lake("2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z"), None)
    >>> doomed, looked_at = plan(store, cutoff=None, keep_last=1, corrupt=False)
    >>> [e.file.date for e in doomed], len(looked_at)  # the older goes, the newest stays
    (['2025-05-01'], 2)
    """
    by_age_only = keep_last is None and not corrupt and cutoff is not None
    files = store.scan()  # every folder: temporary files are swept wherever they are
    now = time.time()
    stale = [
        f
        for f in files
        if f.kind == TEMPORARY
        and f.mtime is not None
        and now - f.mtime > TEMPORARY_MAX_AGE.total_seconds()
    ]
    candidates = [f for f in files if f.kind in (SNAPSHOT, COMPACTED)]
    if by_age_only:  # the names say enough: only the old ones need their footers read
        candidates = [
            f for f in candidates if f.listed_us is not None and f.listed_us < (cutoff or 0)
        ]
    entries = inspect(store, candidates + stale)
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
    holds_ok = {e.file.path for e in entries if e.file_status == OK}
    doomed = []
    for e in entries:
        if e.file_status == TEMPORARY_STATUS or (corrupt and e.file_status == CORRUPT):
            doomed.append(e)
        elif e.file_status == SUPERSEDED and e.file.path not in holds_ok:
            doomed.append(e)  # every listing it holds is counted from another file
        elif e.file_status != OK or key(e) in protected:
            continue  # foreign files are never removed; corrupt ones only when asked
        elif keep_last is not None or cutoff is not None:
            listed_us = e.listed_us
            if cutoff is None or (listed_us is not None and listed_us < cutoff):
                doomed.append(e)
    return doomed, entries


def remove(store: Store, doomed: list[Entry], entries: list[Entry]) -> None:
    """Delete what ``doomed`` holds, one call a file; rewrite a compacted file kept in part.

    A compacted file some of whose listings stay is written again without the others (a
    new file, atomically), and only then is the old one deleted.

    Examples
    --------
    >>> root = lake("2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z")
    >>> store = open_store(root, None)
    >>> remove(store, *plan(store, cutoff=None, keep_last=1, corrupt=False))
    >>> [f.date for f in store.scan()]
    ['2025-05-02']
    >>> os.listdir(os.path.join(root, "index_host=h"))  # the emptied date folder is gone too
    ['date=2025-05-02']
    """
    going = {(e.file.path, e.listing.name if e.listing else None) for e in doomed}
    files: dict[str, Any] = {}
    for e in doomed:
        files.setdefault(e.file.path, e.file)
    for path, f in files.items():
        if f.kind == COMPACTED:
            staying = [
                e.listing
                for e in entries
                if e.file.path == path
                and e.file_status == OK
                and e.listing is not None
                and (path, e.listing.name) not in going
            ]
            if staying:
                _rewrite(store, f, staying)
        store.remove(path)
        logger.info("pruned %s", store.user_path(path))
    store.remove_empty_dirs(list(files.values()))


def _rewrite(store: Store, f: SnapshotFile, staying: list[Listing]) -> None:
    """Write the ``staying`` listings of a compacted file as a new compacted file."""
    parts, skipped = read_stored(store, [(f, staying)])
    if skipped or len(parts) != len(staying):
        why = skipped[0][1] if skipped else "it vanished"
        raise SnapshotError(
            f"could not rewrite {store.user_path(f.path)} without the pruned listings: {why}; "
            "it was left whole"
        )
    path, _, _ = write_merged(store, f.host, f.date, parts)
    logger.info("rewrote %s as %s without the pruned listings", f.path, path)
