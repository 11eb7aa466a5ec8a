"""``watch_imports``: follow the running imports live until they end.

Each poll is a full listing (:func:`~pinecone_imports_frame.read_imports`) run through
:func:`~pinecone_imports_frame.polling.poll` (ticks from the clock, missed ticks skipped, a
transient failure retried at the next tick, a permanent one raised). Between polls the
bars (``_progress.WatchBars``) show each running import's percent, records, rate and ETA
from :func:`~pinecone_imports_frame.trends.estimate_completion`, or "indexing" at 100 %;
a line reports each import that ends. The watch returns every listing it saw, a history
the trends functions take as it is.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from . import _progress, config, schema
from .config import (
    DEFAULT_API_VERSION,
    DEFAULT_MAX_RETRIES,
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    Connection,
)
from .control import with_index_endpoint
from .errors import ConfigurationError, PineconeImportsError
from .frame import empty_frame
from .polling import poll
from .schema import DtypeBackend

logger = logging.getLogger(__name__)

__all__ = ["WatchEvent", "watch_imports"]

# Indirections so that tests run a watch on a fake clock without waiting for it.
_clock = time.monotonic
_sleep = time.sleep

_TERMINAL = sorted(schema.TERMINAL_STATUSES)


@dataclass(frozen=True)
class WatchEvent:
    """An import that ended between two polls of a watch.

    Attributes
    ----------
    index_host, id : str
        The import.
    status : str
        Its status now: Completed, Failed or Cancelled.
    listed_at : pandas.Timestamp
        The listing that first showed it ended.
    finished_at : pandas.Timestamp or None
        When Pinecone says it ended.
    duration : pandas.Timedelta or None
        How long it ran, ``finished_at - created_at``.
    records_imported : int or None
        Records it wrote.
    error : str or None
        Its error text (a failed import).

    Examples
    --------
    >>> e = WatchEvent("idx", "7", "Failed", pd.Timestamp("2025-05-01T12:00:00Z"),
    ...                None, pd.Timedelta(minutes=3), 0, "Exceeds system limit")
    >>> str(e)
    '2025-05-01 12:00:00Z  import 7 Failed after 3m00s: Exceeds system limit'
    """

    index_host: str | None
    id: str
    status: str
    listed_at: pd.Timestamp
    finished_at: pd.Timestamp | None
    duration: pd.Timedelta | None
    records_imported: int | None
    error: str | None

    def __str__(self) -> str:
        """One line: when, which import, how it ended, after how long, and its error."""
        when = self.listed_at.strftime("%Y-%m-%d %H:%M:%SZ")
        line = f"{when}  import {_printable(self.id)} {self.status}"
        if self.duration is not None:
            line += f" after {_fmt_duration(self.duration)}"
        if self.status == "Completed" and self.records_imported is not None:
            line += f", {self.records_imported:,} records"
        if self.error:
            line += f": {_printable(self.error)}"
        return line


def _printable(text: str) -> str:
    """Escape control characters of server text (no terminal escapes reach the screen)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _fmt_duration(value: pd.Timedelta) -> str:
    seconds = max(int(value.total_seconds()), 0)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else f"{m}m{s:02d}s"


def _until(until: Any) -> pd.Timedelta | pd.Timestamp | None:
    """``"done"`` (None: no other limit), a duration with a unit, or a timestamp."""
    if isinstance(until, str) and until.strip().lower() == "done":
        return None
    try:
        return config.parse_duration(until, what="until")
    except ConfigurationError:
        pass
    if isinstance(until, (str, datetime, pd.Timestamp)) and not isinstance(until, bool):
        try:
            return config.parse_timestamp(until, what="until")
        except ConfigurationError:
            pass
    raise ConfigurationError(
        f"until={until!r} is not 'done', a duration or a time: pass 'done' (until every "
        "import running at the start has ended), a duration such as '2h' or '30m', or a "
        "UTC time such as '2026-12-01T18:00:00Z'"
    )


def _events(previous: pd.DataFrame | None, listing: pd.DataFrame) -> list[WatchEvent]:
    """Find the imports of ``listing`` that ended since ``previous`` (running, or new)."""
    if previous is None:
        return []  # the first listing: nothing has ended *during* the watch yet
    ended = listing[listing["status"].isin(_TERMINAL).to_numpy()]
    before = previous.set_index("id")["status"].astype(object)
    ended = ended[~ended["id"].map(before).isin(_TERMINAL).to_numpy()]  # running, or new
    out = []
    for row in ended.itertuples(index=False):  # a handful per poll
        out.append(
            WatchEvent(
                index_host=None if pd.isna(row.index_host) else str(row.index_host),
                id=str(row.id),
                status=str(row.status),
                listed_at=row.listed_at,
                finished_at=None if pd.isna(row.finished_at) else row.finished_at,
                duration=None if pd.isna(row.duration) else row.duration,
                records_imported=None
                if pd.isna(row.records_imported)
                else int(row.records_imported),
                error=None if pd.isna(row.error) else str(row.error),
            )
        )
    return out


def _bar_text(row: Any) -> str:
    """Compose what follows an import's bar: records, rate and ETA, or its phase."""
    records = "" if pd.isna(row.records_imported) else f"{int(row.records_imported):,} records"
    if row.phase == "indexing":
        return f"indexing {_fmt_duration(row.indexing_for)}, {records}".rstrip(", ")
    if row.phase == "pending":
        return "pending"
    parts = [records] if records else []
    if not pd.isna(row.records_per_second):
        parts.append(f"{row.records_per_second:,.0f}/s")
    if not pd.isna(row.eta):
        parts.append(f"ETA {row.eta:%H:%M}Z (in {_fmt_duration(row.time_left)})")
    else:
        parts.append("ETA ?")
    return ", ".join(parts)


def watch_imports(
    host: str | None = None,
    *,
    connection: Connection | None = None,
    api_key: str | None = None,
    index_name: str | None = None,
    controller_host: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    allow_insecure: bool = False,
    api_version: str = DEFAULT_API_VERSION,
    interval: Any = "10s",
    until: Any = "done",
    snapshot_to: str | os.PathLike[str] | None = None,
    storage_options: dict[str, Any] | None = None,
    progress: bool | None = None,
    dtype_backend: DtypeBackend = "numpy_nullable",
    on_event: Callable[[WatchEvent], None] | None = None,
) -> pd.DataFrame:
    """Poll an index's imports until the running ones end, showing their progress live.

    The first poll notes the imports running (Pending or InProgress); the watch ends when
    each of them has ended (Completed, Failed, Cancelled, or no longer listed), when
    ``until`` has passed, or when interrupted (Ctrl-C, or a notebook's stop button), and
    returns what it saw. Imports started meanwhile are shown too, without being waited
    for.

    Parameters
    ----------
    host, connection, api_key, index_name, controller_host : optional
        As for :func:`~pinecone_imports_frame.read_imports`; resolved and checked once,
        before the first request.
    page_size, timeout, max_retries, allow_insecure, api_version
        As for :func:`~pinecone_imports_frame.read_imports`.
    interval : str, float or pandas.Timedelta
        Time between polls: ``"10s"``, ``"1m"``, or seconds (at least 1). Each poll is a
        full listing.
    until : "done", duration or timestamp
        ``"done"``: until every import running at the start has ended. A duration
        (``"2h"``) or a time (``"2026-12-01T18:00:00Z"``, naive values are UTC): the same,
        but stop once a listing is that long after the first one, or at that time. Both
        are on the server's clock (``listed_at``), as everywhere in the package.
    snapshot_to : str or path, optional
        Also write each listing as a snapshot under this lake root (checked first).
    storage_options : dict, optional
        Passed to fsspec for ``snapshot_to``.
    progress : bool, optional
        One bar per running import (percent, records, rate, ETA, or "indexing" at 100 %)
        and one of the imports ended; None: on in a terminal or Jupyter.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        The dtypes of the returned history.
    on_event : callable, optional
        Called with a :class:`WatchEvent` for each import that ends; by default a line is
        written above the bars (or logged at INFO without bars).

    Returns
    -------
    pandas.DataFrame
        Every listing of the watch stacked (the schema of ``read_imports``, one
        ``listed_at`` per poll): a history for :mod:`~pinecone_imports_frame.trends`.
        ``attrs["watch"]`` says why it stopped (``"done"``, ``"until"``,
        ``"interrupted"``) and how many polls failed and were retried.

    Raises
    ------
    ConfigurationError
        A bad argument; nothing was sent.
    PineconeImportsError
        A permanent failure (a wrong key, a missing index, a lake that cannot be written):
        the listings seen before it are in ``.partial``. Transient ones are retried at the
        next tick.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> done = [{"id": str(i), "uri": "s3://b/", "status": "Completed",
    ...          "createdAt": "2025-05-01T10:00:00Z", "finishedAt": "2025-05-01T10:30:00Z"}
    ...         for i in range(3)]
    >>> with Emulator(records=done) as emu:  # nothing running: one poll is enough
    ...     history = watch_imports(emu.url, api_key=emu.api_key, progress=False)
    >>> len(history), history.attrs["watch"]["stopped"], history.attrs["watch"]["polls"]
    (3, 'done', 1)
    """
    schema.check_dtype_backend(dtype_backend)
    config.check_page_size(page_size)
    every = config.parse_interval(interval, what="interval")
    limit = _until(until)
    if on_event is not None and not callable(on_event):
        raise ConfigurationError(f"on_event must be callable, not {type(on_event).__name__}")
    conn = with_index_endpoint(
        config.resolve_connection(
            connection,
            host,
            api_key=api_key,
            index_name=index_name,
            controller_host=controller_host,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure=allow_insecure,
            api_version=api_version,
        )
    )
    # From here on the key lives in conn.api_key (an ApiKey, never shown): the plain string
    # must not sit in this frame, where a traceback formatted with locals would show it.
    del api_key
    if snapshot_to is not None:
        from .snapshots import check_destination

        check_destination(snapshot_to, storage_options=storage_options)
    watch = _Watch(
        conn,
        page_size=page_size,
        snapshot_to=snapshot_to,
        storage_options=storage_options,
        dtype_backend=dtype_backend,
        bars=_progress.WatchBars(enabled=progress),
        on_event=on_event,
    )
    return watch.run(every, limit)


class _Watch:
    """The state of one watch: listings seen, imports waited for, bars."""

    def __init__(
        self,
        conn: Connection,
        *,
        page_size: int,
        snapshot_to: str | os.PathLike[str] | None,
        storage_options: dict[str, Any] | None,
        dtype_backend: DtypeBackend,
        bars: _progress.WatchBars,
        on_event: Callable[[WatchEvent], None] | None,
    ) -> None:
        self.conn = conn
        self.page_size = page_size
        self.snapshot_to = snapshot_to
        self.storage_options = storage_options
        self.dtype_backend = dtype_backend
        self.bars = bars
        self.on_event = on_event
        self.listings: list[pd.DataFrame] = []
        self.running_rows: list[pd.DataFrame] = []  # rows of running imports, for the rates
        self.waiting: set[str] | None = None  # ids running at the start, not ended yet
        self.started_with = 0
        self.failed_polls = 0

    def _listing(self) -> pd.DataFrame:
        from .loader import read_imports

        df = read_imports(
            connection=self.conn,
            page_size=self.page_size,
            progress=False,
            dtype_backend=self.dtype_backend,
        )
        self.listings.append(df)  # kept before the snapshot: a failed write loses nothing
        if self.snapshot_to is not None:
            from .snapshots import write_snapshot

            write_snapshot(df, self.snapshot_to, storage_options=self.storage_options)
        return df

    def _emit(self, event: WatchEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)
        elif self.bars.enabled:
            _progress.write(str(event))
        else:
            logger.info("%s", event)

    def _history(self) -> pd.DataFrame:
        if not self.listings:
            return empty_frame(dtype_backend=self.dtype_backend)
        return pd.concat(self.listings, ignore_index=True)

    def _see(self, listing: pd.DataFrame) -> bool:
        """Take in one listing; return whether every import waited for has ended."""
        from . import trends

        previous = self.listings[-2] if len(self.listings) > 1 else None
        running = ~listing["is_terminal"].fillna(False).to_numpy(dtype=bool)
        ids = set(listing.loc[running, "id"].astype(str))
        if self.waiting is None:
            self.waiting = set(ids)
            self.started_with = len(ids)
            self.bars.start(total=self.started_with)
        for event in _events(previous, listing):
            self.bars.end(event.id)
            self._emit(event)
        listed = set(listing["id"].astype(str))
        gone = self.waiting - listed
        for import_id in sorted(gone):
            logger.info("import %s is no longer listed: counted as ended", import_id)
        self.waiting &= ids
        self.bars.ended(self.started_with - len(self.waiting))

        self.running_rows.append(listing[running])
        recent = pd.concat(self.running_rows, ignore_index=True)
        recent = recent[recent["id"].astype(str).isin(ids).to_numpy()]
        self.running_rows = [recent]
        estimates = trends.estimate_completion(recent)
        percents = estimates["percent_complete"].to_numpy(dtype=float, na_value=float("nan"))
        for row, percent in zip(estimates.itertuples(index=False), percents, strict=True):
            self.bars.show(str(row.id), percent=float(percent), text=_bar_text(row))
        return not self.waiting

    def _past(self, limit: pd.Timedelta | pd.Timestamp | None, every: pd.Timedelta) -> bool:
        """Whether the newest listing is at ``limit`` or past it (on the server's clock).

        "At" is within half an interval: ``listed_at`` follows the server's ``Date``, which
        has whole seconds, so listings a minute apart may be stamped 59.9 s apart.
        """
        if limit is None or not self.listings:
            return False
        first, last = self.listings[0].attrs, self.listings[-1].attrs
        newest = pd.Timestamp(last["listed_at"]) + every / 2
        if isinstance(limit, pd.Timedelta):
            return bool(newest - pd.Timestamp(first["listed_at"]) >= limit)
        return bool(newest >= limit)

    def run(self, every: pd.Timedelta, limit: pd.Timedelta | pd.Timestamp | None) -> pd.DataFrame:
        stopped = "interrupted"
        try:
            for tick in poll(self._listing, interval=every, clock=_clock, sleep=_sleep):
                if tick.error is not None:
                    self.failed_polls += 1
                elif tick.value is not None and self._see(tick.value):
                    stopped = "done"
                    break
                if self._past(limit, every):
                    stopped = "until"
                    break
        except KeyboardInterrupt:
            logger.warning("watch interrupted: returning the %d listings seen", len(self.listings))
        except PineconeImportsError as exc:
            exc.partial = self._history()
            raise
        finally:
            self.bars.close()
        history = self._history()
        history.attrs["watch"] = {
            "stopped": stopped,
            "polls": len(self.listings) + self.failed_polls,
            "failed_polls": self.failed_polls,
            "running_at_start": self.started_with,
        }
        return history
