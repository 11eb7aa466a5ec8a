"""Retention: deleting whole snapshots by age or count."""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any

import pandas as pd

from ..errors import ConfigurationError, SnapshotError
from ._args import as_age
from ._inventory import listing
from ._layout import SnapshotFile, micros
from ._store import open_store

logger = logging.getLogger(__name__)


def prune_snapshots(
    root: str | os.PathLike[str],
    *,
    older_than: str | dt.timedelta | pd.Timedelta | None = None,
    keep_last: int | None = None,
    dry_run: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Delete whole snapshots by age or count; return the ones removed.

    A snapshot is one file, deleted with one call, so a snapshot is never left partly
    deleted: after an interruption each snapshot is either whole or gone. Emptied partition
    folders are removed on local disk.

    Parameters
    ----------
    root : str or os.PathLike
        A local folder or an fsspec URL (see :func:`write_snapshot`).
    older_than : str, datetime.timedelta or pandas.Timedelta, optional
        Remove snapshots whose ``listed_at`` is older than now minus this (``"30d"``,
        ``"12h"``, ``pd.Timedelta(days=7)``).
    keep_last : int, optional
        Keep the newest ``keep_last`` snapshots of each index host. Alone, it removes all
        others; with ``older_than``, a snapshot is removed only if it is both older than
        ``older_than`` and not one of the newest ``keep_last`` of its host.
    dry_run : bool
        Remove nothing; return what would be removed.
    storage_options : dict, optional
        Passed to fsspec for a URL root.

    Returns
    -------
    pandas.DataFrame
        The :func:`list_snapshots` rows of the snapshots removed (or that would be).

    Raises
    ------
    ConfigurationError
        Neither ``older_than`` nor ``keep_last`` was given, or one is invalid.
    SnapshotError
        A file could not be deleted (those deleted before it stay deleted).

    Examples
    --------
    >>> import tempfile
    >>> from pinecone_imports_frame.frame import to_frame
    >>> from pinecone_imports_frame.snapshots import list_snapshots, write_snapshot
    >>> root = tempfile.mkdtemp()
    >>> for t in ["2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z"]:
    ...     _ = write_snapshot(to_frame([{"id": "1", "uri": "s3://b/p", "status": "Pending",
    ...                                   "createdAt": "2025-05-01T11:00:00Z"}],
    ...                                 listed_at=t, index_host="idx.svc.pinecone.io"), root)
    >>> prune_snapshots(root, keep_last=1)["date"].tolist()
    ['2025-05-01']
    >>> len(list_snapshots(root))
    1
    """
    if older_than is None and keep_last is None:
        raise ConfigurationError(
            "prune_snapshots needs older_than= (e.g. '30d') or keep_last= (e.g. 10), or both"
        )
    age = None if older_than is None else as_age(older_than)
    if keep_last is not None and (
        isinstance(keep_last, bool) or not isinstance(keep_last, int) or keep_last < 0
    ):
        raise ConfigurationError(f"keep_last must be a whole number >= 0, not {keep_last!r}")
    store = open_store(root, storage_options)
    files = store.scan()
    cutoff = None if age is None else micros(pd.Timestamp.now(tz="UTC") - age)

    protected: set[str] = set()
    if keep_last is not None:
        by_host: dict[str, list[SnapshotFile]] = {}
        for f in files:
            by_host.setdefault(f.host, []).append(f)
        for group in by_host.values():
            group.sort(key=lambda f: (f.stamp if f.stamp is not None else -(2**62), f.path))
            protected.update(f.path for f in group[max(0, len(group) - keep_last) :] if keep_last)
    doomed = []
    for f in files:
        if f.path in protected:
            continue
        if cutoff is not None and (f.stamp is None or f.stamp >= cutoff):
            continue  # young enough (or of unknown age: left alone)
        doomed.append(f)
    removed = listing(store, doomed)
    if dry_run or not doomed:
        return removed
    for f in doomed:
        try:
            store.remove(f.path)
        except FileNotFoundError:
            logger.debug("snapshot %s was already gone", f.path)
        except OSError as exc:
            raise SnapshotError(
                f"could not delete the snapshot {store.display(f.path)}: {exc}; snapshots "
                "listed before it were deleted, the others are untouched"
            ) from exc
        logger.info("pruned snapshot %s", store.display(f.path))
    store.remove_empty_dirs(doomed)
    return removed
