"""Trends on a runs frame: the answers of the listings it stands for, without rebuilding them.

Two primitives serve every trend function:

- :func:`last_rows`: each import's last known row, as a listing row (``listed_at`` its
  run's ``last_listed_at``): what ``summary``, ``failures``, ``throughput`` and ``latest``
  reduce a history to;
- :class:`Instants`: every listing of every index, as sorted (host, time) pairs, with each
  run's first and last listing found in them by binary search: ``status_timeline`` counts
  the imports per status at each listing by interval counting (+1 at a run's first
  listing, -1 after its last, a cumulative sum), never by materialising the listings.

Only :func:`expand` rebuilds listing rows, for the few functions whose answer is one row
per listing (``progress_history``) or that look at listings one by one (the running imports
of ``estimate_completion``), and only for the runs and columns they need.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from . import _history as h
from ._runs import RUNS_ONLY, instants_by_host, is_runs

logger = logging.getLogger(__name__)

#: The listing columns that come after ``listed_at`` (where it goes back in a listing row).
_AFTER_LISTED_AT = frozenset(schema.COLUMN_NAMES[schema.COLUMN_NAMES.index("listed_at") + 1 :])


def _listing_columns(runs: pd.DataFrame) -> tuple[list[str], int]:
    """Return the runs' listing columns and where ``listed_at`` goes among them."""
    columns = [c for c in runs.columns if c not in RUNS_ONLY]
    at = next((i for i, c in enumerate(columns) if c in _AFTER_LISTED_AT), len(columns))
    return columns, at


def listing_rows(runs: pd.DataFrame, rows: np.ndarray, times: np.ndarray | None = None) -> Any:
    """Make listing rows of the runs at positions ``rows``, numbered from 0.

    ``listed_at`` is ``times`` (microseconds), or each run's ``last_listed_at``; it keeps
    the dtype of ``last_listed_at`` (the frame's backend), and goes where a listing frame
    has it. The runs' other columns keep their values and dtypes.
    """
    columns, at = _listing_columns(runs)
    part = runs.take(rows)
    stamps = part["last_listed_at"].array
    if times is not None:
        stamps = pd.Series(h.timestamps(times)).astype(stamps.dtype).array
    out = part[columns].reset_index(drop=True)
    out.insert(at, "listed_at", stamps)
    return out


def _sorted_order(key: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Return ``np.lexsort((last, first, key))``, found at once for rows already in order.

    ``read_history`` gives its runs in order (by host, id and time): checking it is a
    pass, sorting them again three.
    """
    if len(key) > 1:
        dk, df, dl = np.diff(key), np.diff(first), np.diff(last)
        if np.all((dk > 0) | ((dk == 0) & ((df > 0) | ((df == 0) & (dl >= 0))))):
            return np.arange(len(key))
    return np.lexsort((last, first, key))


class RunsByImport:
    """The runs grouped by import, each import's runs in order of time.

    Attributes
    ----------
    rows : numpy.ndarray
        Positions in the frame, sorted by (import, ``first_listed_at``, ``last_listed_at``).
    first, last, listings : numpy.ndarray
        ``first_listed_at``, ``last_listed_at`` (microseconds) and ``listings`` of those rows.
    group, starts, ends : numpy.ndarray
        Import number of each sorted row; each import's first sorted row and one past its last.
    """

    def __init__(self, runs: pd.DataFrame) -> None:
        first = h.micros(h.col(runs, "first_listed_at"))
        last = h.micros(h.col(runs, "last_listed_at"))
        missing = int(((first == h.NAT) | (last == h.NAT)).sum())
        if missing:
            raise h.ConfigurationError(
                f"first_listed_at or last_listed_at is missing in {missing} run(s): trends "
                "need when each run was listed (read_history always gives them)"
            )
        host, _ = pd.factorize(h.col(runs, "index_host"), use_na_sentinel=False)
        ids, id_uniques = pd.factorize(h.col(runs, "id"), use_na_sentinel=False)
        key = host.astype(np.int64) * max(len(id_uniques), 1) + ids
        order = _sorted_order(key, first, last)
        key = key[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = key[1:] != key[:-1]
        self.rows = order
        self.first = first[order]
        self.last = last[order]
        self.listings = (
            runs["listings"].to_numpy(dtype=np.int64, na_value=0)[order]
            if "listings" in runs.columns
            else np.ones(len(order), dtype=np.int64)
        )
        self.group = np.cumsum(new) - 1
        self.starts = np.flatnonzero(new)
        self.ends = np.append(self.starts[1:], len(order)).astype(np.int64)


def last_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep each import's last known row: of a listing frame, or of a runs frame's runs."""
    if not is_runs(frame):
        return h.last_rows(frame)
    if not len(frame):
        return listing_rows(frame, np.array([], dtype=np.int64))
    by = RunsByImport(frame)
    return listing_rows(frame, np.sort(by.rows[by.ends - 1]))


class Instants:
    """Every listing of the runs' indexes, as (host code, time) pairs sorted by both.

    The instants are those in ``attrs["listings"]`` (see :mod:`._runs`) of the indexes the
    frame has runs of, with every run's ``first_listed_at`` and ``last_listed_at`` added;
    without ``attrs["listings"]`` (a runs frame built by hand) they are only the latter,
    and a listing where no run starts or ends is not known.

    Attributes
    ----------
    hosts : list
        Each host code's ``index_host`` (None for a frame of one index without it).
    host, t : numpy.ndarray
        Host code and time (microseconds) of each listing.
    """

    def __init__(self, runs: pd.DataFrame) -> None:
        codes, uniques = pd.factorize(h.col(runs, "index_host"), use_na_sentinel=False)
        self.hosts: list[str | None] = [None if pd.isna(u) else str(u) for u in uniques]
        self.run_host = codes.astype(np.int64)
        first = h.micros(h.col(runs, "first_listed_at"))
        last = h.micros(h.col(runs, "last_listed_at"))
        host_parts, time_parts = [self.run_host, self.run_host], [first, last]
        for name, times in (instants_by_host(runs) or {}).items():
            if name not in self.hosts:
                continue  # an index filtered out of the frame (or whose listings show none)
            us = h.micros(pd.Series(pd.DatetimeIndex(times, tz="UTC")))
            host_parts.append(np.full(len(us), self.hosts.index(name), dtype=np.int64))
            time_parts.append(us)
        host = np.concatenate(host_parts)
        t = np.concatenate(time_parts)
        order = np.lexsort((t, host))
        host, t = host[order], t[order]
        keep = np.ones(len(t), dtype=bool)
        keep[1:] = (host[1:] != host[:-1]) | (t[1:] != t[:-1])
        self.host, self.t = host[keep], t[keep]
        self._first, self._last = first, last

    def positions(self) -> tuple[np.ndarray, np.ndarray]:
        """Return where each run's first and last listing are among the instants."""
        a = np.empty(len(self.run_host), dtype=np.int64)
        b = np.empty(len(self.run_host), dtype=np.int64)
        bounds = np.searchsorted(self.host, np.arange(len(self.hosts) + 1))
        for code in range(len(self.hosts)):  # a step per index, not per run or listing
            mine = self.run_host == code
            if not mine.any():
                continue
            lo, hi = bounds[code], bounds[code + 1]
            times = self.t[lo:hi]
            a[mine] = lo + np.searchsorted(times, self._first[mine])
            b[mine] = lo + np.searchsorted(times, self._last[mine])
        return a, b


def status_counts(runs: pd.DataFrame) -> tuple[Instants, np.ndarray, list[str]]:
    """Count the runs per status at every listing: (instants, counts, status names).

    ``counts`` has a row per instant and a column per status, then one for a missing status.
    """
    codes, categories = h.status_codes(runs)
    instants = Instants(runs)
    a, b = instants.positions()
    width = len(categories) + 1
    column = np.where(codes < 0, width - 1, codes).astype(np.int64)
    size = (len(instants.t) + 1) * width
    # +1 from a run's first listing, -1 after its last: a cumulative sum counts the runs
    # spanning each listing (a run's -1 lands at most on the next index's first listing,
    # where it cancels its own +1, so one sum over all indexes is right).
    delta = np.bincount(a * width + column, minlength=size) - np.bincount(
        (b + 1) * width + column, minlength=size
    )
    counts = delta.reshape(-1, width)[:-1].cumsum(axis=0)
    return instants, counts, categories


def expand(runs: pd.DataFrame, rows: np.ndarray, columns: tuple[str, ...]) -> pd.DataFrame:
    """Rebuild the listing rows of the runs at positions ``rows``, with just ``columns``.

    Each run gives a row at every listing of its index from its first to its last.
    """
    instants = Instants(runs)
    a, b = instants.positions()
    a, b = a[rows], b[rows]
    n = b - a + 1
    repeat = np.repeat(rows, n)
    offset = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
    times = instants.t[np.repeat(a, n) + offset]
    keep = [c for c in runs.columns if c in columns or c in RUNS_ONLY]
    return listing_rows(runs[keep], repeat, times)


def running_history(runs: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Rebuild the listing rows of the imports running at the last listing of their index.

    Running as ``estimate_completion`` means it: the import's last run reaches the newest
    listing in which its index shows an import, Pending or InProgress. Every run of those
    imports is rebuilt (their rate needs their listings); the other imports are not.
    """
    if not len(runs):
        return expand(runs, np.array([], dtype=np.int64), columns)
    by = RunsByImport(runs)
    last = by.rows[by.ends - 1]
    codes = h.col(runs, "status").cat.codes.to_numpy()
    host, _ = pd.factorize(h.col(runs, "index_host"), use_na_sentinel=False)
    newest = pd.Series(by.last).groupby(host[by.rows]).max()
    newest_of_host = newest.reindex(np.arange(host.max() + 1)).to_numpy(dtype=np.int64)
    running = (by.last[by.ends - 1] == newest_of_host[host[last]]) & np.isin(
        codes[last], [schema.STATUSES.index(s) for s in h.RUNNING]
    )
    return expand(runs, np.sort(by.rows[running[by.group]]), columns)


def listings_by_index(runs: pd.DataFrame) -> dict[str | None, np.ndarray]:
    """Each index's listing times (microseconds, sorted, unique), from a runs frame's instants.

    The key is ``index_host`` (None for a frame of one index without it): the indexes the
    frame has runs of.
    """
    instants = Instants(runs)
    bounds = np.searchsorted(instants.host, np.arange(len(instants.hosts) + 1))
    return {host: instants.t[bounds[i] : bounds[i + 1]] for i, host in enumerate(instants.hosts)}
