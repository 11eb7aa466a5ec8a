"""What a watch keeps of each running import: the rows its estimate needs, no more.

:func:`~pinecone_imports_frame.trends.estimate_completion` reads, of each running import,
its newest row (phase, percent, records), its rate from the oldest to the newest of its
*loading* rows (InProgress under 100 %) within ``window`` of the newest, at least two, and,
at 100 %, the first row of its final run at 100 % (indexing since). A watch that handed it
every row of every running import (as it once did) paid more at each poll: 15 ms at poll
10, 129 ms at poll 1,500 with 200 imports running. :class:`RunningImports` keeps, per
import, the loading rows still inside the window (a deque trimmed as rows come) and those
few rows, and hands ``estimate_completion`` at most four rows per import: the same
estimates, at a cost that does not grow with the polls (``benchmarks/_watch.py``).

The trends' rules apply as they are: a row at the same ``listed_at`` as the import's
previous one replaces it (a listing stored twice), and a ``listed_at`` earlier than the
previous one (the server's clock went back) starts the import's rate afresh.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .parsing import Duration, parse_duration
from .trends import _history as h

logger = logging.getLogger(__name__)

#: ``estimate_completion``'s own default window, which the watch's bars use.
WINDOW = "1h"


def _objects(s: pd.Series) -> list[Any]:
    """Return the values of ``s`` as Python objects, NA as None."""
    return s.astype(object).where(s.notna(), None).tolist()


class _Row(NamedTuple):
    """One row of an import: what ``estimate_completion`` reads of it."""

    t: int  # listed_at, microseconds since the epoch
    status: Any  # str, or None when missing
    percent: float  # NaN when missing
    records: Any  # int, or None when missing

    @property
    def loading(self) -> bool:
        return self.status == "InProgress" and self.percent < 100.0  # NaN compares False

    @property
    def indexing(self) -> bool:
        return self.status == "InProgress" and self.percent >= 100.0


class _Import:
    """One running import: its loading rows in the window, its run at 100 %, its newest."""

    __slots__ = ("host", "id", "last", "loading", "run_start", "run_start_before_last")

    def __init__(self, host: str | None, import_id: str) -> None:
        self.host = host
        self.id = import_id
        self.loading: deque[_Row] = deque()
        self.last: _Row | None = None
        #: The first row of the final run at 100 % (None: the newest row is not at 100 %).
        self.run_start: _Row | None = None
        #: ``run_start`` before the newest row came, for a row that replaces it.
        self.run_start_before_last: _Row | None = None

    def take(self, row: _Row, window_us: int) -> None:
        last = self.last
        if last is not None and row.t < last.t:  # the server's clock went back
            self.loading.clear()
            self.run_start = self.run_start_before_last = last = None
        if last is not None and row.t == last.t:  # the same listing again: it replaces
            if last.loading:
                self.loading.pop()
            before = self.run_start_before_last
        else:
            before = self.run_start
            self.run_start_before_last = before
        self.run_start = (before or row) if row.indexing else None
        if row.loading:
            loading = self.loading
            loading.append(row)
            while len(loading) > 2 and loading[0].t < row.t - window_us:
                loading.popleft()
        self.last = row

    def rows(self) -> list[_Row]:
        """Return the rows ``estimate_completion`` reads, oldest first, each once."""
        assert self.last is not None
        rows = {self.last.t: self.last}
        if self.loading:
            rows.setdefault(self.loading[0].t, self.loading[0])
            rows.setdefault(self.loading[-1].t, self.loading[-1])
        if self.run_start is not None:
            rows.setdefault(self.run_start.t, self.run_start)
        return [rows[t] for t in sorted(rows)]


class RunningImports:
    """The rows of the running imports a watch's estimates need, kept as the polls come.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> running = RunningImports()
    >>> rec = {"id": "7", "status": "InProgress", "createdAt": "2025-05-01T10:00:00Z"}
    >>> for minute in range(60):
    ...     listing = pif.to_frame([{**rec, "percentComplete": minute / 2}],
    ...                            listed_at=f"2025-05-01T11:{minute:02d}:00Z")
    ...     needed = running.take(listing, listing["id"])
    >>> len(needed)  # of 60 rows, the oldest and newest in the window
    2
    >>> float(pif.trends.estimate_completion(needed)["percent_per_hour"].iloc[0])
    30.0
    """

    def __init__(self, *, window: Duration = WINDOW) -> None:
        self.window = window
        self.window_us = int(parse_duration(window, what="window").value // 1000)
        self._imports: dict[str, _Import] = {}

    def __len__(self) -> int:
        return len(self._imports)

    def kept(self) -> list[str]:
        """Return the keys of the imports kept (running at the latest listing taken)."""
        return list(self._imports)

    def take(self, listing: pd.DataFrame, keys: pd.Series, *, keep: Any = None) -> pd.DataFrame:
        """Take in a listing; return the rows of its running imports the estimates need.

        ``keys`` name the listing's imports (as the watch keys them); the imports not
        running in it are forgotten, except those ``keep(key)`` says to keep (an index
        that failed this poll: its imports come back at the next).
        """
        running = ~listing["is_terminal"].fillna(False).to_numpy(dtype=bool)
        rows = listing[running]
        names = keys[running].tolist()
        t = h.micros(h.col(rows, "listed_at")).tolist()
        status = _objects(h.col(rows, "status"))
        percent = h.floats(h.col(rows, "percent_complete")).tolist()
        records = _objects(h.col(rows, "records_imported"))
        hosts = _objects(h.col(rows, "index_host"))
        ids = _objects(h.col(rows, "id"))
        seen = set(names)
        for key in [k for k in self._imports if k not in seen]:
            if keep is None or not keep(key):
                del self._imports[key]
        imports = self._imports
        window = self.window_us
        for key, host, import_id, *values in zip(
            names, hosts, ids, t, status, percent, records, strict=True
        ):
            state = imports.get(key)
            if state is None:
                state = imports[key] = _Import(host, import_id)
            state.take(_Row(*values), window)
        return self._frame([imports[key] for key in dict.fromkeys(names)])

    @staticmethod
    def _frame(imports: list[_Import]) -> pd.DataFrame:
        host: list[Any] = []
        ids: list[Any] = []
        rows: list[_Row] = []
        for state in imports:
            kept = state.rows()
            rows += kept
            host += [state.host] * len(kept)
            ids += [state.id] * len(kept)
        t = np.array([r.t for r in rows], dtype=np.int64)
        return pd.DataFrame(
            {
                "id": pd.array(ids, dtype=h.STRING),
                "status": h.as_status(pd.Series([r.status for r in rows], dtype=object)),
                "percent_complete": pd.array([r.percent for r in rows], dtype="Float64"),
                "records_imported": pd.array([r.records for r in rows], dtype="Int64"),
                "listed_at": h.timestamps(t),
                "index_host": pd.array(host, dtype=h.STRING),
            }
        )


def _same_as(rows: pd.Series, other: pd.Series) -> np.ndarray:
    """Tell, for each row's content hash in ``rows``, whether ``other`` holds the same.

    Both are indexed by key; should a key come twice in ``other``, its last row counts (a
    listing keeps one row per import, its last).
    """
    other = other[~other.index.duplicated(keep="last")]
    at = other.index.get_indexer(rows.index)
    found = at >= 0
    same = np.zeros(len(rows), dtype=bool)
    same[found] = other.to_numpy()[at[found]] == rows.to_numpy()[found]
    return same


class WatchHistory:
    """The listings of a watch, kept as what they tell: memory grows with the changes.

    A watch polls the same imports again and again; most rows repeat the one before (an
    import that ended long ago, a Pending one). Of each import, the history keeps every
    *loading* row (InProgress under 100 %: rates are measured over them), and of every
    other run of identical rows (all columns but ``listed_at``) its first and its last
    row: the row a status began and the last listing that showed it, so that the trends
    find every change, when it was first and last seen, and each import's newest row.
    The newest listing is kept whole until the next one comes.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> done = {"id": "1", "status": "Completed", "createdAt": "2025-05-01T10:00:00Z"}
    >>> kept = WatchHistory()
    >>> for minute in range(50):
    ...     kept.add(pif.to_frame([done], listed_at=f"2025-05-01T11:{minute:02d}:00Z"))
    >>> kept.polls, len(pif.concat_frames(kept.frames()))  # the first row and the last
    (50, 2)
    """

    def __init__(self, *, key: Any = None) -> None:
        #: How an import is named across listings (the watch's keys), from a listing.
        self._key = key or (lambda listing: listing["id"].astype(str))
        self._kept: list[pd.DataFrame] = []  # rows of listings before the newest
        self.previous: pd.DataFrame | None = None  # the listing before the newest
        self.last: pd.DataFrame | None = None  # the newest listing, whole
        self._last_first: np.ndarray = np.zeros(0, dtype=bool)  # rows starting a run
        self._last_hash: pd.Series | None = None  # a row's content, by key
        self.polls = 0

    def _hashes(self, listing: pd.DataFrame) -> pd.Series:
        content = listing.drop(columns=["listed_at", "elapsed"], errors="ignore")
        hashes = pd.util.hash_pandas_object(content, index=False).to_numpy()
        return pd.Series(hashes, index=pd.Index(self._key(listing).to_numpy(dtype=object)))

    def add(self, listing: pd.DataFrame) -> None:
        """Take in the newest listing; keep of the one before it what tells something."""
        hashes = self._hashes(listing)
        before = self._last_hash
        # A row starts a run: a new import, or one that changed.
        first = np.ones(len(listing), dtype=bool) if before is None else ~_same_as(hashes, before)
        if self.last is not None and before is not None:
            ends_run = ~_same_as(before, hashes)  # it changes next, or is not listed
            status = self.last["status"].astype(object).to_numpy()
            percent = h.floats(h.col(self.last, "percent_complete"))
            loading = (status == "InProgress") & ~(percent >= 100.0)
            keep = loading | self._last_first | ends_run
            self._kept.append(self.last if keep.all() else self.last[keep])
        self.previous, self.last = self.last, listing
        self._last_first, self._last_hash = first, hashes
        self.polls += 1

    def frames(self) -> list[pd.DataFrame]:
        """Return the rows kept, oldest listing first, the newest listing whole."""
        return [*self._kept, *([] if self.last is None else [self.last])]
