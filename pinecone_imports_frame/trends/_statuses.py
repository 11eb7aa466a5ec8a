"""Statuses over time: the last row of each import, counts per listing, intervals, changes."""

from __future__ import annotations

import logging
from typing import Any, cast

import numpy as np
import pandas as pd

from .. import schema
from . import _history as h
from . import _on_runs as r
from ._runs import is_runs

logger = logging.getLogger(__name__)

#: The columns :func:`latest` adds to those of the frame.
_LATEST_DTYPES: dict[str, Any] = {
    "first_seen": h.TIMESTAMP,
    "last_seen": h.TIMESTAMP,
    "listings": np.dtype(np.int64),
}

#: The columns of :func:`status_timeline`; an ``int64`` column per status comes before "total".
_STATUS_TIMELINE_DTYPES: dict[str, Any] = {
    "index_host": h.STRING,
    "listed_at": h.TIMESTAMP,
    "total": np.dtype(np.int64),
}

#: The columns of :func:`status_history` (a dtype of None: the frame's status categories).
_STATUS_HISTORY_DTYPES: dict[str, Any] = {
    **h.IMPORT_DTYPES,
    "status": None,
    "from": h.TIMESTAMP,
    "to": h.TIMESTAMP,
    "last_seen": h.TIMESTAMP,
    "listings": np.dtype(np.int64),
    "current": np.dtype(bool),
}

#: The columns of :func:`transitions` (a dtype of None: the frame's status categories).
_TRANSITIONS_DTYPES: dict[str, Any] = {
    **h.IMPORT_DTYPES,
    "from_status": None,
    "to_status": None,
    "changed_after": h.TIMESTAMP,
    "first_seen": h.TIMESTAMP,
}


def latest(history: pd.DataFrame) -> pd.DataFrame:
    """Return the last known row of every import, with when it was first and last seen.

    Parameters
    ----------
    history : pandas.DataFrame
        One listing or many (needs ``id`` and ``listed_at``; ``index_host`` when there
        are several indexes).

    Returns
    -------
    pandas.DataFrame
        One row per (``index_host``, ``id``): the columns of ``history`` as in the import's
        last listing, then ``first_seen`` and ``last_seen`` (``listed_at`` of the first and
        last listings showing it, ``datetime64[us, UTC]``) and ``listings`` (how many
        showed it, ``int64``). Sorted by ``index_host``, ``created_at`` (when present) and
        ``id``. An import absent from the newest listing keeps its last known row: compare
        ``last_seen`` with ``history["listed_at"].max()``.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> rec = {"id": "1", "uri": "s3://b/a/", "createdAt": "2025-05-01T10:00:00Z"}
    >>> history = pd.concat([
    ...     pif.to_frame([{**rec, "status": "InProgress"}], listed_at="2025-05-01T11:00:00Z"),
    ...     pif.to_frame([{**rec, "status": "Completed"}], listed_at="2025-05-01T12:00:00Z"),
    ... ])
    >>> row = latest(history).iloc[0]
    >>> row["status"], str(row["first_seen"]), int(row["listings"])
    ('Completed', '2025-05-01 11:00:00+00:00', 2)
    """
    h.check_frame(history, "latest")
    if not len(history):
        out = (
            r.listing_rows(history, np.array([], dtype=np.int64))
            if is_runs(history)
            else history.iloc[:0].reset_index(drop=True)
        )
        for name, dtype in _LATEST_DTYPES.items():
            out[name] = pd.Series([], dtype=cast(Any, dtype))
        return out
    if is_runs(history):
        runs = r.RunsByImport(history)
        out = r.listing_rows(history, runs.rows[runs.ends - 1])
        out["first_seen"] = h.timestamps(runs.first[runs.starts])
        out["last_seen"] = h.timestamps(runs.last[runs.ends - 1])
        out["listings"] = np.add.reduceat(runs.listings, runs.starts).astype(np.int64)
    else:
        by = h.ByImport(history)
        out = history.take(by.last).reset_index(drop=True)
        out["first_seen"] = h.timestamps(by.t[by.starts])
        out["last_seen"] = h.timestamps(by.t[by.ends - 1])
        out["listings"] = (by.ends - by.starts).astype(np.int64)
    keys = [c for c in ("index_host", "created_at", "id") if c in out.columns]
    return out.sort_values(keys, kind="stable", na_position="last", ignore_index=True)


def status_timeline(history: pd.DataFrame) -> pd.DataFrame:
    """Count the imports in each status at each listing: one row per listing and index.

    Parameters
    ----------
    history : pandas.DataFrame
        One listing or many (``id``, ``status``, ``listed_at``), or their runs
        (``read_history``).

    Returns
    -------
    pandas.DataFrame
        ``index_host`` (``string``), ``listed_at`` (``datetime64[us, UTC]``), one ``int64``
        column per status (Pending, InProgress, Completed, Failed, Cancelled, then any
        status a newer API version added) and ``total`` (every import of the listing, a
        missing status included; an import twice in one listing counts once, as its last
        row, with a :class:`~pinecone_imports_frame.DuplicateImportWarning`). A new status
        named like one of these columns (``total``, ``listed_at``, ``index_host``) or
        beginning with ``status:`` is counted in the column ``status:NAME``: the status
        columns are those between ``listed_at`` and ``total``. Sorted by ``index_host``
        and ``listed_at``; plot it with
        ``.set_index("listed_at")[list(pif.STATUSES)].plot.area()``.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> listing = pif.to_frame(
    ...     [{"id": str(i), "status": s, "createdAt": "2025-05-01T10:00:00Z"}
    ...      for i, s in enumerate(["Completed", "Completed", "Failed", "InProgress"])],
    ...     listed_at="2025-05-01T12:00:00Z")
    >>> status_timeline(listing)[["Completed", "Failed", "InProgress", "total"]].iloc[0].tolist()
    [2, 1, 1, 4]
    """
    h.check_frame(history, "status_timeline")
    codes, categories = (
        h.status_codes(history) if len(history) else (np.array([], np.int8), list(schema.STATUSES))
    )
    names = h.status_columns(categories, _STATUS_TIMELINE_DTYPES)
    dtypes = h.with_status_counts(_STATUS_TIMELINE_DTYPES, names, before="total")
    if not len(history):
        return h.empty(dtypes)
    if is_runs(history):
        instants, counts, _ = r.status_counts(history)
        columns: dict[str, Any] = {
            "index_host": pd.array(
                np.array(instants.hosts, dtype=object)[instants.host], dtype=h.STRING
            ),
            "listed_at": h.timestamps(instants.t),
        }
        for i, name in enumerate(names):
            columns[name] = counts[:, i]
        columns["total"] = counts.sum(axis=1)
        return h.make_frame(columns, dtypes, sort=["index_host", "listed_at"])
    t = h.listing_times(history)
    host, hosts = pd.factorize(h.col(history, "index_host"), use_na_sentinel=False)
    times, time_uniques = pd.factorize(t)
    listing, listing_keys = pd.factorize(host.astype(np.int64) * len(time_uniques) + times)
    repeated = h.repeated_rows(history, listing)
    if repeated is not None:  # an import twice in a listing counts once, as its last row
        listing, codes = listing[~repeated], codes[~repeated]
    n_listings, width = len(listing_keys), len(categories) + 1
    # Missing statuses (code -1) land in the last column, which only "total" reads.
    cells = listing * width + np.where(codes < 0, width - 1, codes)
    counts = np.bincount(cells, minlength=n_listings * width).reshape(n_listings, width)
    key_host, key_time = np.divmod(listing_keys, len(time_uniques))
    columns = {
        "index_host": pd.array(hosts.take(key_host), dtype=h.STRING),
        "listed_at": h.timestamps(np.asarray(time_uniques)[key_time]),
    }
    for i, name in enumerate(names):
        columns[name] = counts[:, i]
    columns["total"] = counts.sum(axis=1)
    return h.make_frame(columns, dtypes, sort=["index_host", "listed_at"])


class _Spans:
    """The spans of one status within each import, over its listings or its runs.

    A listing row is a span of one listing; a run spans ``listings`` listings from
    ``first_listed_at`` to ``last_listed_at``. Either way the rows are sorted by import and
    time, and consecutive rows of an import with one status make one span.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        if is_runs(df):
            runs = r.RunsByImport(df)
            self.rows, self.group = runs.rows, runs.group
            self.first, self.last, self.listings = runs.first, runs.last, runs.listings
        else:
            by = h.ByImport(df)
            self.rows, self.group = by.rows, by.group
            self.first = self.last = by.t
            self.listings = np.ones(len(by.rows), dtype=np.int64)
        codes, self.categories = h.status_codes(df)
        self.s = codes[self.rows]
        change = np.ones(len(self.s), dtype=bool)
        change[1:] = (self.s[1:] != self.s[:-1]) | (self.group[1:] != self.group[:-1])
        self.starts = np.flatnonzero(change)
        self.ends = np.append(self.starts[1:], len(self.s)).astype(np.int64)


def status_history(history: pd.DataFrame) -> pd.DataFrame:
    """List every status each import held, with when it was first and last observed.

    The history of a slowly changing dimension (SCD type 2): one row per import and run of
    a status across consecutive listings. Times are those of the listings (when the status
    was *observed*); ``created_at`` and ``finished_at`` hold Pinecone's own times.

    Parameters
    ----------
    history : pandas.DataFrame
        Listings (``read_snapshots``, ``watch_imports``) or their runs (``read_history``),
        with ``id``, ``status`` and when each was listed.

    Returns
    -------
    pandas.DataFrame
        ``index_host``, ``id`` (``string``), ``status`` (``category``), ``from`` (first
        listing showing it), ``to`` (first listing showing the next status; NaT for the
        import's current status), ``last_seen`` (last listing showing it; the change
        happened between ``last_seen`` and ``to``), all ``datetime64[us, UTC]``,
        ``listings`` (``int64``) and ``current`` (``bool``: the import's last known
        status). Sorted by ``index_host``, ``id`` and ``from``.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> rec = {"id": "7", "createdAt": "2025-05-01T10:00:00Z"}
    >>> history = pd.concat([
    ...     pif.to_frame([{**rec, "status": s}], listed_at=f"2025-05-01T{h}:00:00Z")
    ...     for h, s in [(11, "Pending"), (12, "InProgress"), (13, "InProgress"),
    ...                  (14, "Completed")]])
    >>> h = status_history(history)
    >>> h["status"].tolist(), h["listings"].tolist(), h["current"].tolist()
    (['Pending', 'InProgress', 'Completed'], [1, 2, 1], [False, False, True])
    >>> str(h.loc[1, "from"]), str(h.loc[1, "to"])
    ('2025-05-01 12:00:00+00:00', '2025-05-01 14:00:00+00:00')
    """
    h.check_frame(history, "status_history")
    if not len(history):
        return h.empty(_STATUS_HISTORY_DTYPES)
    sp = _Spans(history)
    starts, ends = sp.starts, sp.ends
    last_of_import = np.ones(len(starts), dtype=bool)
    last_of_import[:-1] = sp.group[starts[1:]] != sp.group[starts[:-1]]
    to = np.where(last_of_import, h.NAT, sp.first[np.minimum(ends, len(sp.s) - 1)])
    columns = {
        **h.import_columns(history, sp.rows[starts]),
        "status": h.status_values(sp.s[starts], sp.categories),
        "from": h.timestamps(sp.first[starts]),
        "to": h.timestamps(to),
        "last_seen": h.timestamps(sp.last[ends - 1]),
        "listings": np.add.reduceat(sp.listings, starts).astype(np.int64),
        "current": last_of_import,
    }
    return h.make_frame(columns, _STATUS_HISTORY_DTYPES, sort=["index_host", "id", "from"])


def transitions(history: pd.DataFrame) -> pd.DataFrame:
    """List every status change between consecutive listings of an import.

    Parameters
    ----------
    history : pandas.DataFrame
        Many listings (needs ``id``, ``status`` and ``listed_at``); one listing has none.

    Returns
    -------
    pandas.DataFrame
        ``index_host``, ``id`` (``string``), ``from_status`` and ``to_status``
        (``category``), ``changed_after`` (the last listing showing ``from_status``) and
        ``first_seen`` (the first listing showing ``to_status``), ``datetime64[us, UTC]``:
        the change happened in between. An import's first appearance is not a change
        (:func:`latest` has its ``first_seen``). Sorted by ``first_seen``, ``index_host``
        and ``id``. (``from`` and ``to`` are times in :func:`status_history`; here the
        statuses have their own names.)

    Examples
    --------
    Import 8 is first seen InProgress: its appearance is not a change, its completion is.

    >>> import pinecone_imports_frame as pif
    >>> statuses_at = {11: {"7": "Pending"}, 12: {"7": "InProgress", "8": "InProgress"},
    ...                13: {"7": "Failed", "8": "Completed"}}
    >>> history = pd.concat([
    ...     pif.to_frame([{"id": i, "status": s, "createdAt": "2025-05-01T10:00:00Z"}
    ...                   for i, s in statuses.items()], listed_at=f"2025-05-01T{hour}:00:00Z")
    ...     for hour, statuses in statuses_at.items()])
    >>> t = transitions(history)
    >>> print(t[["id", "from_status", "to_status"]].to_string(index=False))
    id from_status  to_status
     7     Pending InProgress
     7  InProgress     Failed
     8  InProgress  Completed
    >>> list(zip(t["changed_after"].dt.hour, t["first_seen"].dt.hour))
    [(11, 12), (12, 13), (12, 13)]
    """
    h.check_frame(history, "transitions")
    if not len(history):
        return h.empty(_TRANSITIONS_DTYPES)
    sp = _Spans(history)
    starts = sp.starts
    changes = starts[1:][sp.group[starts[1:]] == sp.group[starts[1:] - 1]]
    columns = {
        **h.import_columns(history, sp.rows[changes]),
        "from_status": h.status_values(sp.s[changes - 1], sp.categories),
        "to_status": h.status_values(sp.s[changes], sp.categories),
        "changed_after": h.timestamps(sp.last[changes - 1]),
        "first_seen": h.timestamps(sp.first[changes]),
    }
    return h.make_frame(columns, _TRANSITIONS_DTYPES, sort=["first_seen", "index_host", "id"])
