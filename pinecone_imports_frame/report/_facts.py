"""What the report says, worked out once: the period, the indexes' names, what ended when.

A *period* is what the history covers: from its first listing to its last. An import that
finished before the first listing is older than the lake (the first listing still showed
it); it counts among the imports seen, not among those finished in the period. One
listing has no period: everything it shows counts, "as listed".
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import schema, trends
from .._text import printable
from ..trends._on_runs import listings_by_index
from ..trends._runs import is_runs

logger = logging.getLogger(__name__)

#: The columns the report reads: those of the trends it shows, and the indexes' names.
COLUMNS_NEEDED: tuple[str, ...] = tuple(
    sorted(
        {
            "index_name",
            *(
                c
                for name in ("summary", "status_timeline", "estimate_completion", "throughput")
                for c in trends.COLUMNS_NEEDED[name]
            ),
            *trends.COLUMNS_NEEDED["failures"],
        }
    )
)

#: Indexes first listed within this time of each other are taken as listed together.
TOGETHER = pd.Timedelta(minutes=5)

#: The key of an import's index when the frame names none.
NO_HOST = ""


def host_keys(values: pd.Series) -> np.ndarray:
    """``index_host`` as plain strings, "" where it is missing (a frame of one index)."""
    return values.astype(object).where(values.notna(), NO_HOST).to_numpy(dtype=object)


@dataclass
class Facts:
    """The history and what every section reads from it.

    Attributes
    ----------
    history : DataFrame
        The frame given.
    latest : DataFrame
        The last known row of every import (:func:`trends.latest`), with ``host`` ("" for
        none) and ``ended_in_period`` (bool) added.
    start, end : Timestamp or None
        The first and the last listing; ``start`` is None for one listing per index.
    listings : dict
        Listings per index (key: host, "" for none).
    names : dict
        What to call each index (key: host): its name where the lake knows it, else its host.
    running : DataFrame
        The imports running at the last listing of their index
        (:func:`trends.estimate_completion`), with ``host`` added.
    """

    history: pd.DataFrame
    latest: pd.DataFrame
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    listings: dict[str, int]
    names: dict[str, str]
    running: pd.DataFrame
    hosts: list[str] = field(default_factory=list)

    @property
    def several(self) -> bool:
        """Whether the history holds several indexes (tables then name the index)."""
        return len(self.hosts) > 1

    @property
    def scope(self) -> str:
        """Words for what "finished" counts over: "in the period" or "as listed"."""
        return "in the period" if self.start is not None else "as listed"

    def name(self, host: Any) -> str:
        """Name the index at ``host`` (plain text, server text made printable)."""
        key = NO_HOST if host is None or host is pd.NA or pd.isna(host) else str(host)
        return self.names.get(key, printable(key))

    def ended(self) -> pd.DataFrame:
        """Return the imports that finished in the period (all finished ones for one listing)."""
        return self.latest[self.latest["ended_in_period"].to_numpy(dtype=bool)]


def _names(history: pd.DataFrame, hosts: list[str]) -> dict[str, str]:
    """Name each index: its ``index_name`` where known, else its host; names kept distinct."""
    known: dict[str, str] = {}
    if is_runs(history) and len(history):  # the newest listing's name, as for listings
        history = history.sort_values("last_listed_at", kind="stable")
    if "index_name" in history.columns and len(history):
        named = pd.DataFrame(
            {
                "host": host_keys(history["index_host"]) if "index_host" in history else NO_HOST,
                "name": history["index_name"].astype(object),
            }
        ).dropna()
        for host, name in named.groupby("host", sort=False)["name"].last().items():
            if str(name):
                known[str(host)] = printable(name)
    names = {h: known.get(h) or (printable(h) if h else "the index") for h in hosts}
    counts = pd.Series(list(names.values())).value_counts()
    for h, n in names.items():
        if counts[n] > 1 and h:  # two hosts of one name (an index made anew): say which
            names[h] = f"{n} ({printable(h)})"
    return names


def _period(history: pd.DataFrame) -> tuple[Any, Any, dict[str, int]]:
    """Return the first listing (None for one per index), the last, and listings per index.

    Of a listing frame, its rows' ``listed_at``; of a runs frame (``read_history``), the
    listings it knows (those showing no import included).
    """
    if is_runs(history):
        by_index = {NO_HOST if h is None else h: t for h, t in listings_by_index(history).items()}
        listings = {h: len(t) for h, t in by_index.items()}
        every = np.concatenate(list(by_index.values())) if by_index else np.array([], np.int64)
        if not len(every):
            return None, None, listings
        end = pd.Timestamp(int(every.max()), unit="us", tz="UTC")
        several = max(listings.values()) > 1
        start = pd.Timestamp(int(every.min()), unit="us", tz="UTC") if several else None
        return start, end, listings
    hosts_all = (
        host_keys(history["index_host"])
        if "index_host" in history.columns
        else np.full(len(history), NO_HOST, dtype=object)
    )
    frame = pd.DataFrame({"host": hosts_all, "listed_at": history["listed_at"].to_numpy()})
    per_index = frame.groupby("host", sort=False)["listed_at"].nunique()
    listings = {str(h): int(n) for h, n in per_index.items()}
    several_listings = bool(len(per_index) and per_index.max() > 1)
    start = end = None
    if len(history):
        times = pd.to_datetime(history["listed_at"], utc=True)
        end = times.max()
        start = times.min() if several_listings else None
    return start, end, listings


def gather(history: pd.DataFrame) -> Facts:
    """Work out the period, the names and each import's last row from a history."""
    latest = trends.latest(history) if len(history) else history.iloc[:0].copy()
    start, end, listings = _period(history)
    hosts = list(listings)
    latest = latest.assign(
        host=host_keys(latest["index_host"])
        if "index_host" in latest.columns
        else np.full(len(latest), NO_HOST, dtype=object)
    )
    status = latest["status"].astype(object) if "status" in latest else pd.Series(dtype=object)
    finished_at = (
        pd.to_datetime(latest["finished_at"], utc=True)
        if "finished_at" in latest
        else pd.Series(pd.NaT, index=latest.index)
    )
    ended = status.isin(list(schema.TERMINAL_STATUSES)).to_numpy(dtype=bool)
    if start is not None:
        ended = ended & (finished_at >= start).fillna(False).to_numpy(dtype=bool)
    latest["ended_in_period"] = ended
    running = trends.estimate_completion(history)
    running = running.assign(host=host_keys(running["index_host"]))
    return Facts(
        history=history,
        latest=latest,
        start=start,
        end=end,
        listings=listings,
        names=_names(history, hosts),
        running=running,
        hosts=hosts,
    )


def status_counts(facts: Facts) -> tuple[pd.DataFrame, list[str]]:
    """Count the imports per status at each listing, summed over the indexes.

    Each index counts with its latest listing at each moment (the indexes of a project are
    listed a few milliseconds apart: a sum over exact times would zigzag). Returns the
    counts (one row per listing time, naive UTC; one column per status shown, in the
    API's order, then any new status that has imports) and the statuses' raw names.
    """
    timeline = trends.status_timeline(facts.history)
    columns = list(timeline.columns)
    statuses = columns[columns.index("listed_at") + 1 : columns.index("total")]
    keep = [s for s in statuses if s in schema.STATUSES or timeline[s].sum() > 0]
    hosts = host_keys(timeline["index_host"])
    times = pd.DatetimeIndex(timeline["listed_at"]).tz_convert("UTC").tz_localize(None)
    index = pd.DatetimeIndex(sorted(set(times)))
    # Indexes listed together (within a few minutes) start together: the sum begins when
    # the last of them is first listed, not with a partial sum of the first.
    firsts = pd.Series(times).groupby(hosts).min()
    if len(firsts) > 1 and firsts.max() - firsts.min() <= TOGETHER:
        index = index[index >= firsts.max()]
    counts = pd.DataFrame(index=index)
    for status in keep:  # (a status may be called "host" or "at": the enum is open)
        one = pd.DataFrame({"at": times, "host": hosts, "n": timeline[status].to_numpy()})
        wide = one.pivot_table(index="at", columns="host", values="n", aggfunc="last")
        counts[status] = wide.ffill().reindex(index).sum(axis=1).astype(np.int64)
    return counts, keep


def by_index(facts: Facts) -> pd.DataFrame:
    """Sum up each index: one row each, from its imports' last rows.

    Imports seen, running now, finished and failed in the period, durations and speed of
    the completed ones, records imported by those finished.
    """
    last = facts.latest
    status = last["status"].astype(object)
    ended = last["ended_in_period"].to_numpy(dtype=bool)
    completed = ended & (status == "Completed").to_numpy()
    frame = pd.DataFrame(
        {
            "host": last["host"].to_numpy(),
            "seen": 1,
            "finished": ended.astype(np.int64),
            "completed": completed.astype(np.int64),
            "failed": (ended & (status == "Failed").to_numpy()).astype(np.int64),
            "cancelled": (ended & (status == "Cancelled").to_numpy()).astype(np.int64),
            "duration": pd.to_timedelta(last["duration"]).where(completed),
            "rps": pd.to_numeric(last["records_per_second"], errors="coerce").where(completed),
            "records": pd.to_numeric(last["records_imported"], errors="coerce").where(ended),
        }
    )
    by = frame.groupby("host", sort=False)
    out = by[["seen", "finished", "completed", "failed", "cancelled"]].sum()
    out["running"] = facts.running.groupby("host").size().reindex(out.index, fill_value=0)
    out["duration_p50"] = by["duration"].median()
    with warnings.catch_warnings():
        # pandas 2.2 casts a group's NaN quantile of timedeltas to NaT through int64 and
        # numpy warns ("invalid value encountered in cast"); the result is NaT, as wanted
        # (pandas silences the same cast for masked arrays, and pandas 3 does not warn).
        warnings.filterwarnings("ignore", "invalid value encountered in cast", RuntimeWarning)
        out["duration_p90"] = by["duration"].quantile(0.9)
    out["duration_max"] = by["duration"].max()
    out["rps_p50"] = by["rps"].median()
    out["records"] = by["records"].sum(min_count=1)
    return out.reindex([h for h in facts.hosts if h in out.index])


def totals(facts: Facts) -> dict[str, Any]:
    """Sum up every index at once: the headline figures (as :func:`by_index`, for all)."""
    last = facts.latest
    status = last["status"].astype(object)
    ended = last["ended_in_period"].to_numpy(dtype=bool)
    completed = ended & (status == "Completed").to_numpy()
    # Only the known values: a median of none is numpy's "Mean of empty slice" warning on
    # pandas 2.2 (every completed import may lack its end time).
    duration = pd.to_timedelta(last["duration"])[completed].dropna()
    rps = pd.to_numeric(last["records_per_second"], errors="coerce")[completed].dropna()
    records = pd.to_numeric(last["records_imported"], errors="coerce")[ended]
    terminal = status.isin(list(schema.TERMINAL_STATUSES)).to_numpy(dtype=bool)
    return {
        **_elsewhere(facts, status, terminal),
        "seen": len(last),
        "running": len(facts.running),
        "finished": int(ended.sum()),
        "completed": int(completed.sum()),
        "failed": int((ended & (status == "Failed").to_numpy()).sum()),
        "cancelled": int((ended & (status == "Cancelled").to_numpy()).sum()),
        "earlier": int((terminal & ~ended).sum()),
        "duration_p50": duration.median() if len(duration) else pd.NaT,
        "duration_p90": duration.quantile(0.9) if len(duration) else pd.NaT,
        "duration_max": duration.max(),
        "rps_p50": rps.median() if len(rps) else np.nan,
        "records": records.sum(min_count=1),
    }


def _elsewhere(facts: Facts, status: pd.Series, terminal: np.ndarray) -> dict[str, Any]:
    """Count the imports neither running now nor ended, so that every import counts.

    Returns ``undocumented`` (status -> imports, most first: a status Pinecone does not
    document, e.g. "Paused"), ``no_status`` (imports listed without one) and
    ``unlisted`` (Pending or InProgress when last seen, but not in the last listing of
    their index).
    """
    last = facts.latest
    documented = status.isin(list(schema.STATUSES)).to_numpy(dtype=bool)
    named = status.notna().to_numpy(dtype=bool)
    undocumented = status[named & ~documented].astype(str).value_counts(sort=False)
    undocumented = undocumented.iloc[
        np.lexsort((undocumented.index.to_numpy(dtype=object), -undocumented.to_numpy()))
    ]
    was_running = (documented & ~terminal) & named
    now = pd.MultiIndex.from_arrays(
        [facts.running["host"].to_numpy(dtype=object), facts.running["id"].astype(object)]
    )
    keys = pd.MultiIndex.from_arrays(
        [last["host"].to_numpy(dtype=object), last["id"].astype(object)]
    )
    unlisted = was_running & ~keys.isin(now)
    return {
        "undocumented": {str(k): int(v) for k, v in undocumented.items()},
        "no_status": int((~named).sum()),
        "unlisted": int(unlisted.sum()),
    }
