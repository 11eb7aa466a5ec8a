"""What the running imports look like across listings: progress, rate, indexing, stalls.

Two views of one definition. :class:`RunningImports` is the exporter's: it takes one
listing at a time and remembers, per running import and no more, what the next listing
needs (when its progress last changed, when it reached 100 %, its loading samples of the
last hour), so that a listing costs a few microseconds per running import, not a pass of
:mod:`~pinecone_imports_frame.trends` over a history. :func:`progress_since` is the
history's (a lake read by ``check``). Both follow
:func:`~pinecone_imports_frame.trends.estimate_completion`: a Pending import shows 0 %
and 0 records, an InProgress import at 100 % is *indexing*, the rate is measured over the
loading listings within an hour of the newest (at least the newest two) and extrapolated
linearly; the tests hold the exporter's figures to ``estimate_completion``'s.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

US = 1_000_000
#: The rate window of ``trends.estimate_completion`` (its default ``window="1h"``).
RATE_WINDOW_US = 3600 * US
#: Running imports remembered per index; beyond, the newest listed are left out (and
#: logged once): every series and every byte kept has a bound.
MAX_RUNNING = 500
#: Loading samples kept per import (at a one-second interval, an hour is 3,600).
MAX_SAMPLES = 4_000


@dataclass(frozen=True)
class RunningImport:
    """One running import at the newest listing, as the exporter shows it.

    Every number is a float, NaN where unknown (no rate yet, not indexing...).

    Attributes
    ----------
    id : str
        The import's id, as listed.
    phase : str
        ``"pending"``, ``"loading"`` or ``"indexing"`` (InProgress at 100 %).
    percent_complete, records_imported, validation_errors : float
        As listed (0 and 0 while Pending).
    eta_seconds : float
        Seconds from the listing to the estimated end of loading (loading imports with a
        positive rate only).
    records_per_second : float
        The loading rate (loading imports seen loading in at least two listings).
    indexing_seconds : float
        Time at 100 % so far, from the first listing that showed it there (indexing).
    seconds_since_progress : float
        Time since its progress last changed, for an import InProgress below 100 %.
    pending_seconds : float
        Time since a Pending import was created (its ``created_at``), by the listing's
        clock (:func:`with_pending_times`).
    """

    id: str
    phase: str
    percent_complete: float
    records_imported: float
    validation_errors: float
    eta_seconds: float
    records_per_second: float
    indexing_seconds: float
    seconds_since_progress: float
    pending_seconds: float = float("nan")


NAN = float("nan")


def to_json(x: float) -> float | None:
    """Return ``x`` as JSON holds it: None for NaN and the infinities (JSON has none)."""
    return x if math.isfinite(x) else None


def from_json(x: object) -> float:
    """Return a number :func:`to_json` gave back as a float (None: NaN); else ValueError."""
    if x is None:
        return NAN
    if type(x) not in (int, float):
        raise ValueError(f"a number or null, not {type(x).__name__}")
    return float(x)  # type: ignore[arg-type]


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def with_pending_times(
    runs: Sequence[RunningImport], created_us: np.ndarray, listed_at_us: int
) -> list[RunningImport]:
    """Give each Pending import of ``runs`` its time since creation (``created_us``, aligned).

    ``created_us`` holds µs since the epoch, the smallest int64 where unknown (no time).

    Examples
    --------
    >>> runs = RunningImports().update(0, ["7"], ["Pending"], [NAN], [NAN], [NAN])
    >>> with_pending_times(runs, np.array([-7200 * US]), 0)[0].pending_seconds
    7200.0
    """
    from dataclasses import replace

    unknown = np.iinfo(np.int64).min
    return [
        replace(run, pending_seconds=(listed_at_us - int(created)) / US)
        if run.phase == "pending" and created != unknown
        else run
        for run, created in zip(runs, created_us, strict=False)  # runs: the first listed
    ]


@dataclass
class _Memory:
    """What one running import's next listing needs of the previous ones."""

    status: str
    percent: float
    records: float
    progress_since: int
    indexing_since: int | None
    samples: deque[tuple[int, float, float]]


class RunningImports:
    """The running imports of one index, remembered from listing to listing (bounded).

    Parameters
    ----------
    window_us : int
        How far back from the newest loading listing the rate is measured (µs).
    limit : int
        Running imports remembered at most.

    Examples
    --------
    >>> running = RunningImports()
    >>> hour = 3600 * US
    >>> _ = running.update(0, ["7"], ["InProgress"], [20.0], [2000.0], [NAN])
    >>> now = running.update(hour, ["7"], ["InProgress"], [40.0], [4000.0], [NAN])[0]
    >>> now.phase, now.eta_seconds / 3600, now.records_per_second
    ('loading', 3.0, 0.5555555555555556)
    """

    def __init__(self, *, window_us: int = RATE_WINDOW_US, limit: int = MAX_RUNNING) -> None:
        self._window = window_us
        self._limit = limit
        self._memory: dict[str, _Memory] = {}
        self._warned = False

    def __len__(self) -> int:
        return len(self._memory)

    def update(
        self,
        listed_at_us: int,
        ids: Sequence[str],
        statuses: Sequence[str],
        percents: Sequence[float] | np.ndarray,
        records: Sequence[float] | np.ndarray,
        validation_errors: Sequence[float] | np.ndarray,
    ) -> list[RunningImport]:
        """Take in the running imports of a new listing; return how each looks now.

        The sequences describe the imports that are Pending or InProgress in the listing
        taken at ``listed_at_us`` (µs since the epoch, by the server's clock), NaN where
        a value is missing. Imports no longer among them are forgotten.
        """
        if len(ids) > self._limit:
            if not self._warned:
                logger.warning(
                    "%d imports are running: only the first %d listed get series of their own",
                    len(ids),
                    self._limit,
                )
                self._warned = True
            ids = ids[: self._limit]
        t = listed_at_us
        memory: dict[str, _Memory] = {}
        out: list[RunningImport] = []
        for i, import_id in enumerate(ids):
            status = statuses[i]
            pending = status == "Pending"
            percent = 0.0 if pending else float(percents[i])
            done = 0.0 if pending else float(records[i])
            m = self._memory.get(import_id)
            if m is None:
                m = _Memory(status, percent, done, t, None, deque(maxlen=MAX_SAMPLES))
            elif m.status != status or not _same(m.percent, percent) or not _same(m.records, done):
                m.status, m.percent, m.records, m.progress_since = status, percent, done, t
            memory[import_id] = m
            # An InProgress import with no percent (a server that omits it) is loading too.
            loading = status == "InProgress" and not percent >= 100.0
            indexing = status == "InProgress" and percent >= 100.0
            if indexing:
                m.indexing_since = t if m.indexing_since is None else m.indexing_since
            else:
                m.indexing_since = None
            samples = m.samples
            known = percent == percent  # not NaN: a rate and an ETA need a percent
            if loading and known and (not samples or samples[-1][0] < t):
                samples.append((t, percent, done))
                while len(samples) > 2 and samples[0][0] < t - self._window:
                    samples.popleft()
            eta = rate = NAN
            if len(samples) >= 2:
                (t0, p0, r0), (t1, p1, r1) = samples[0], samples[-1]
                hours = (t1 - t0) / (3600 * US)
                per_hour = (p1 - p0) / hours
                rate = (r1 - r0) / (hours * 3600)
                if loading and known and per_hour > 0:
                    # Whole seconds, as trends.estimate_completion gives them.
                    eta = float(round((100.0 - percent) / per_hour * (3600 * US) / 1e6))
            out.append(
                RunningImport(
                    id=import_id,
                    phase="pending" if pending else ("indexing" if indexing else "loading"),
                    percent_complete=percent,
                    records_imported=done,
                    validation_errors=float(validation_errors[i]),
                    eta_seconds=eta,
                    records_per_second=rate if loading and known else NAN,
                    indexing_seconds=NAN
                    if m.indexing_since is None
                    else (t - m.indexing_since) / US,
                    seconds_since_progress=(t - m.progress_since) / US if loading else NAN,
                )
            )
        self._memory = memory
        return out

    def memory(self) -> dict[str, dict[str, object]]:
        """Return what the next listing needs, per running import, as JSON's values.

        For a process that lists once and exits (``metrics --textfile`` from cron): it
        keeps this between runs and gives it back to :meth:`restore`. Times are µs by the
        server's clock, NaN (or an infinity) is None.

        Examples
        --------
        >>> running = RunningImports()
        >>> _ = running.update(5, ["7"], ["InProgress"], [20.0], [NAN], [NAN])
        >>> running.memory()["7"]["samples"], running.memory()["7"]["records"]
        ([[5, 20.0, None]], None)
        """
        return {
            import_id: {
                "status": m.status,
                "percent": to_json(m.percent),
                "records": to_json(m.records),
                "progress_since": m.progress_since,
                "indexing_since": m.indexing_since,
                "samples": [[t, to_json(p), to_json(r)] for t, p, r in m.samples],
            }
            for import_id, m in self._memory.items()
        }

    def restore(self, memory: Mapping[str, Mapping[str, object]]) -> None:
        """Take back what :meth:`memory` gave (replacing what is remembered).

        Raises ``ValueError`` (or ``TypeError``, ``KeyError``) on a value :meth:`memory`
        cannot have given, remembering nothing of it.

        Examples
        --------
        >>> hour = 3600 * US
        >>> first = RunningImports()
        >>> _ = first.update(0, ["7"], ["InProgress"], [20.0], [2000.0], [NAN])
        >>> then = RunningImports()
        >>> then.restore(first.memory())
        >>> now = then.update(hour, ["7"], ["InProgress"], [20.0], [2000.0], [NAN])
        >>> now[0].seconds_since_progress
        3600.0
        """

        def time(x: object) -> int:
            if type(x) is not int:
                raise ValueError(f"a time in µs, not {type(x).__name__}")
            return x

        taken: dict[str, _Memory] = {}
        for import_id, m in list(memory.items())[: self._limit]:
            status = m["status"]
            if not isinstance(import_id, str) or status not in ("Pending", "InProgress"):
                raise ValueError("an import id and its status, Pending or InProgress")
            since = m["indexing_since"]
            samples = m["samples"]
            if not isinstance(samples, list):
                raise ValueError("samples: a list")
            kept: deque[tuple[int, float, float]] = deque(maxlen=MAX_SAMPLES)
            for sample in samples:
                t, p, r = sample
                kept.append((time(t), from_json(p), from_json(r)))
            taken[import_id] = _Memory(
                status,
                from_json(m["percent"]),
                from_json(m["records"]),
                time(m["progress_since"]),
                None if since is None else time(since),
                kept,
            )
        self._memory = taken


def progress_since(history: pd.DataFrame) -> pd.DataFrame:
    """When each import's progress last changed, from a history of listings.

    Progress is the status, ``percent_complete`` and ``records_imported`` (a Pending
    import shows 0 and 0, as in :func:`~pinecone_imports_frame.trends.progress_history`);
    an import's *progress since* is the first listing of the last run of listings that
    show the same progress.

    Parameters
    ----------
    history : pandas.DataFrame
        Listings (needs the columns of ``trends.progress_history``).

    Returns
    -------
    pandas.DataFrame
        One row per import: ``index_host``, ``id`` (``string``), ``listed_at`` (its newest
        listing) and ``progress_since`` (``datetime64[us, UTC]``).

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> rec = {"id": "7", "status": "InProgress", "createdAt": "2025-05-01T10:00:00Z"}
    >>> history = pd.concat([
    ...     pif.to_frame([{**rec, "percentComplete": p}], listed_at=f"2025-05-01T{h}:00:00Z")
    ...     for h, p in [(11, 20), (12, 40), (13, 40), (14, 40)]])
    >>> str(progress_since(history).loc[0, "progress_since"])
    '2025-05-01 12:00:00+00:00'
    """
    from .. import trends

    p = trends.progress_history(history)
    columns = ["index_host", "id", "listed_at", "progress_since"]
    if not len(p):
        return p.assign(progress_since=p["listed_at"])[columns]
    # Integer codes (NA a code of its own) and floats (NaN equal to NaN) compare alike.
    host = pd.factorize(p["index_host"], use_na_sentinel=False)[0]
    ids = pd.factorize(p["id"], use_na_sentinel=False)[0]
    status = pd.factorize(p["status"], use_na_sentinel=False)[0]
    percent = p["percent_complete"].to_numpy(dtype=float, na_value=np.nan)
    done = p["records_imported"].to_numpy(dtype=float, na_value=np.nan)

    def changed(values: np.ndarray) -> np.ndarray:
        out = np.ones(len(values), dtype=bool)
        a, b = values[1:], values[:-1]
        same = a == b
        if values.dtype.kind == "f":
            same |= np.isnan(a) & np.isnan(b)
        out[1:] = ~same
        return out

    other_import = changed(host) | changed(ids)
    new = other_import | changed(status) | changed(percent) | changed(done)
    since = p["listed_at"].where(new).ffill()
    last = np.ones(len(p), dtype=bool)
    last[:-1] = other_import[1:]
    out = p.assign(progress_since=since)[columns]
    return out[last].reset_index(drop=True)
