"""Progress across listings and estimates of when running imports finish loading."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..parsing import Duration, parse_duration
from . import _history as h

logger = logging.getLogger(__name__)

#: The columns of :func:`progress_history` (a dtype of None: the frame's status categories).
_PROGRESS_HISTORY_DTYPES: dict[str, Any] = {
    **h.IMPORT_DTYPES,
    "listed_at": h.TIMESTAMP,
    "status": None,
    "percent_complete": pd.Float64Dtype(),
    "records_imported": pd.Int64Dtype(),
}

#: The columns of :func:`estimate_completion` (a dtype of None: the frame's status categories).
_ESTIMATE_COMPLETION_DTYPES: dict[str, Any] = {
    **h.IMPORT_DTYPES,
    "status": None,
    "phase": h.STRING,
    "listed_at": h.TIMESTAMP,
    "percent_complete": pd.Float64Dtype(),
    "records_imported": pd.Int64Dtype(),
    "percent_per_hour": pd.Float64Dtype(),
    "records_per_second": pd.Float64Dtype(),
    "rate_since": h.TIMESTAMP,
    "rate_listings": np.dtype(np.int64),
    "eta": h.TIMESTAMP,
    "time_left": h.DURATION,
    "indexing_since": h.TIMESTAMP,
    "indexing_for": h.DURATION,
    "reason": h.STRING,
}


def _progress_values(df: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``percent_complete`` and ``records_imported`` of ``rows`` as floats, Pending as 0."""
    percent = h.floats(h.col(df, "percent_complete"))[rows]
    records = h.floats(h.col(df, "records_imported"))[rows]
    pending = h.col(df, "status").cat.codes.to_numpy()[rows] == schema.STATUSES.index("Pending")
    percent[pending] = 0.0
    records[pending] = 0.0
    return percent, records


def _listings_of(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Return the listing rows ``what`` reads: ``frame`` itself, or rebuilt from its runs.

    For ``estimate_completion``, only the running imports' rows are rebuilt.
    """
    from ._on_runs import expand, running_history  # here: the imports above may move
    from ._runs import is_runs

    if not is_runs(frame):
        return frame
    columns = h.COLUMNS_NEEDED[what]
    if what == "estimate_completion":
        return running_history(frame, columns)
    return expand(frame, np.arange(len(frame)), columns)


def progress_history(history: pd.DataFrame) -> pd.DataFrame:
    """Trace each import's progress across listings, ready to plot.

    Parameters
    ----------
    history : pandas.DataFrame
        Many listings, or one (needs ``id``, ``status``, ``percent_complete``,
        ``records_imported`` and ``listed_at``).

    Returns
    -------
    pandas.DataFrame
        One row per import and listing, sorted by ``index_host``, ``id`` and
        ``listed_at``: ``index_host``, ``id`` (``string``), ``listed_at``
        (``datetime64[us, UTC]``), ``status`` (``category``), ``percent_complete``
        (``Float64``) and ``records_imported`` (``Int64``). A Pending import shows 0 and 0
        whatever the API version (2025-04 sends neither, 2026-07 sends 0), so a lake that
        mixes versions shows no jump. Plot with
        ``p.pivot(index="listed_at", columns="id", values="percent_complete").plot()``.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> rec = {"id": "7", "createdAt": "2025-05-01T10:00:00Z"}
    >>> history = pd.concat([
    ...     pif.to_frame([{**rec, "status": "Pending"}], listed_at="2025-05-01T11:00:00Z",
    ...                  api_version="2025-04"),
    ...     pif.to_frame([{**rec, "status": "InProgress", "percentComplete": 40.0,
    ...                    "recordsImported": 4000}], listed_at="2025-05-01T12:00:00Z")])
    >>> progress_history(history)[["percent_complete", "records_imported"]].values.tolist()
    [[0.0, 0], [40.0, 4000]]
    """
    h.check_frame(history, "progress_history")
    history = _listings_of(history, "progress_history")
    if not len(history):
        return h.empty(_PROGRESS_HISTORY_DTYPES)
    by = h.ByImport(history)
    percent, records = _progress_values(history, by.rows)
    columns = {
        **h.import_columns(history, by.rows),
        "listed_at": h.timestamps(by.t),
        "status": h.take(h.col(history, "status"), by.rows),
        "percent_complete": h.nullable_floats(percent),
        "records_imported": h.nullable_ints(records),
    }
    # Sorted as documented, whatever order the frame's imports first appear in.
    return h.make_frame(columns, _PROGRESS_HISTORY_DTYPES, sort=["index_host", "id", "listed_at"])


#: Why ``estimate_completion`` gives no estimate, by phase.
REASONS = {
    "pending": "pending: loading has not started",
    "indexing": "indexing: loading is done and Pinecone is building the index",
    "too_few": "fewer than two listings show it loading",
    "stalled": "no progress between its recent listings",
    "no_percent": "the listing has no percent_complete for it",
}


def estimate_completion(history: pd.DataFrame, *, window: Duration = "1h") -> pd.DataFrame:
    """Estimate when each running import will finish loading, from its observed rate.

    An import is *running* when its status at the last listing of its index is Pending or
    InProgress. Its rate is measured over its listings while loading (InProgress under
    100 %) within ``window`` of its newest one (at least the newest two), and its progress
    is extrapolated linearly from the newest. An import at 100 % that is still InProgress
    is *indexing*: Pinecone is building the index, which takes ten minutes or more; it is
    reported as such, with the time spent at 100 % so far, never as finished.

    Parameters
    ----------
    history : pandas.DataFrame
        Many listings (needs ``id``, ``status``, ``percent_complete``,
        ``records_imported`` and ``listed_at``); with one listing there is no rate.
    window : str or pandas.Timedelta
        How far back from an import's newest loading listing its rate is measured
        (``"1h"``, ``"30m"``): shorter follows changes of pace sooner, longer is steadier.

    Returns
    -------
    pandas.DataFrame
        One row per running import, sorted by ``index_host``, phase (indexing, loading,
        pending), ``eta`` and ``id``:

        - ``index_host``, ``id`` (``string``); ``status`` (``category``); ``phase``
          (``string``: ``"pending"``, ``"loading"`` or ``"indexing"``);
        - ``listed_at``: the last listing (``datetime64[us, UTC]``);
          ``percent_complete`` (``Float64``), ``records_imported`` (``Int64``) in it;
        - ``percent_per_hour``, ``records_per_second`` (``Float64``): the observed rate,
          measured from ``rate_since`` over ``rate_listings`` listings (``int64``);
        - ``eta``: the estimated end of loading; ``time_left``: ``eta - listed_at``
          (``timedelta64[us]``);
        - ``indexing_since`` (the first listing at 100 %) and ``indexing_for`` (the time
          at 100 % so far) for an indexing import;
        - ``reason`` (``string``): why ``eta`` is NA (pending, indexing, fewer than two
          listings show it loading, no progress, no percent), else NA.

    Raises
    ------
    ConfigurationError
        ``window`` is not a positive duration with a unit.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> rec = {"id": "7", "status": "InProgress", "createdAt": "2025-05-01T10:00:00Z"}
    >>> history = pd.concat([
    ...     pif.to_frame([{**rec, "percentComplete": p, "recordsImported": p * 1000}],
    ...                  listed_at=f"2025-05-01T{h}:00:00Z")
    ...     for h, p in [(11, 20), (12, 40)]])
    >>> e = estimate_completion(history).iloc[0]
    >>> e["phase"], float(e["percent_per_hour"]), str(e["eta"]), str(e["time_left"])
    ('loading', 20.0, '2025-05-01 15:00:00+00:00', '0 days 03:00:00')
    """
    h.check_frame(history, "estimate_completion")
    window_us = int(parse_duration(window, what="window").value // 1000)
    history = _listings_of(history, "estimate_completion")
    if not len(history):
        return h.empty(_ESTIMATE_COMPLETION_DTYPES)
    by = h.ByImport(history)
    codes = h.col(history, "status").cat.codes.to_numpy()[by.rows]
    pending_code = schema.STATUSES.index("Pending")
    running_code = schema.STATUSES.index("InProgress")

    # Running at the last listing of its index: its last row is that listing, not terminal.
    host, _ = pd.factorize(h.col(history, "index_host"), use_na_sentinel=False)
    host_last = pd.Series(h.listing_times(history)).groupby(host).max().to_numpy()
    last = by.ends - 1
    running = (by.t[last] == host_last[host[by.rows[last]]]) & np.isin(
        codes[last], (pending_code, running_code)
    )
    if not running.any():
        return h.empty(_ESTIMATE_COMPLETION_DTYPES)
    keep = running[by.group]  # every row of the running imports
    rows, t, code, group = by.rows[keep], by.t[keep], codes[keep], by.group[keep]
    percent, records = _progress_values(history, rows)
    new = np.ones(len(rows), dtype=bool)
    new[1:] = group[1:] != group[:-1]
    g = np.cumsum(new) - 1  # 0..m-1 over the running imports
    m = int(g[-1]) + 1
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(rows))
    now = ends - 1

    loading = (code == running_code) & (percent < 100.0)  # NaN compares False
    indexing = (code == running_code) & (percent >= 100.0)

    # The rate: loading rows within `window` of the newest loading row, at least two.
    idx = np.arange(len(rows))
    lo = idx[loading]
    lo_g = g[lo]
    lo_last = h.last_per_group(lo, lo_g, m)
    lo_count = np.bincount(lo_g, minlength=m)
    rank_from_end = np.zeros(len(lo), dtype=np.int64)
    if len(lo):
        lo_first_pos = np.searchsorted(lo_g, np.arange(m))  # first loading row of each
        rank_from_end = lo_count[lo_g] - 1 - (np.arange(len(lo)) - lo_first_pos[lo_g])
    in_window = (t[lo] >= t[lo_last[lo_g]] - window_us) | (rank_from_end <= 1)
    used = lo[in_window]
    first_used = h.first_per_group(used, g[used], m)
    rate_listings = np.bincount(g[used], minlength=m)
    has_rate = rate_listings >= 2
    a, b = first_used[has_rate], lo_last[has_rate]
    hours = (t[b] - t[a]) / h.US_PER_HOUR
    percent_per_hour = np.full(m, np.nan)
    records_per_second = np.full(m, np.nan)
    percent_per_hour[has_rate] = (percent[b] - percent[a]) / hours
    records_per_second[has_rate] = (records[b] - records[a]) / (hours * 3600.0)

    # Phase and estimate at the newest row.
    phase = np.where(
        code[now] == pending_code,
        "pending",
        np.where(indexing[now], "indexing", "loading"),
    )
    p_now = percent[now]
    eta = np.full(m, h.NAT)
    ok = (phase == "loading") & (percent_per_hour > 0)  # NaN compares False
    left_us = (100.0 - p_now[ok]) / percent_per_hour[ok] * h.US_PER_HOUR
    # Whole seconds: an estimate means nothing finer, and float noise in the rate (which
    # differs between numpy versions) must not turn 30m00s into 29m59s.
    eta[ok] = t[now][ok] + (np.round(left_us / 1e6) * 1_000_000).astype(np.int64)
    reason = np.where(
        phase == "pending",
        REASONS["pending"],
        np.where(
            phase == "indexing",
            REASONS["indexing"],
            np.where(
                np.isnan(p_now),
                REASONS["no_percent"],
                np.where(~has_rate, REASONS["too_few"], np.where(ok, "", REASONS["stalled"])),
            ),
        ),
    )

    # Indexing since the first row of the final run at 100 %.
    ni = idx[~indexing]
    not_indexing_last = h.last_per_group(ni, g[ni], m)
    since_row = np.where(not_indexing_last >= 0, not_indexing_last + 1, starts)
    is_indexing = phase == "indexing"
    indexing_since = np.where(is_indexing, t[np.minimum(since_row, ends - 1)], h.NAT)
    indexing_for = np.where(is_indexing, t[now] - indexing_since, h.NAT)

    columns = {
        **h.import_columns(history, rows[now]),
        "status": h.take(h.col(history, "status"), rows[now]),
        "phase": pd.array(phase, dtype=h.STRING),
        "listed_at": h.timestamps(t[now]),
        "percent_complete": h.nullable_floats(p_now),
        "records_imported": h.nullable_ints(records[now]),
        "percent_per_hour": h.nullable_floats(percent_per_hour),
        "records_per_second": h.nullable_floats(records_per_second),
        "rate_since": h.timestamps(np.where(has_rate, t[np.maximum(first_used, 0)], h.NAT)),
        "rate_listings": rate_listings.astype(np.int64),
        "eta": h.timestamps(eta),
        "time_left": h.durations(np.where(eta == h.NAT, h.NAT, eta - t[now])),
        "indexing_since": h.timestamps(indexing_since),
        "indexing_for": h.durations(indexing_for),
        "reason": pd.Series(reason, dtype=h.STRING).mask(reason == "").array,
    }
    out = h.make_frame(columns, _ESTIMATE_COMPLETION_DTYPES)
    order = pd.Categorical(out["phase"], categories=["indexing", "loading", "pending"])
    out = out.assign(_phase=order.codes)
    out = out.sort_values(
        ["index_host", "_phase", "eta", "id"], kind="stable", na_position="last"
    ).drop(columns="_phase")
    return out.reset_index(drop=True)
