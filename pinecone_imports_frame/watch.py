"""``watch_imports``: follow the running imports live until they end.

Each poll is a full listing (:func:`~pinecone_imports_frame.read_imports`) run through
:func:`~pinecone_imports_frame.polling.poll` (ticks from the clock, missed ticks skipped, a
transient failure retried at the next tick, a permanent one raised). Between polls the
bars (``_progress.WatchBars``) show each running import's percent, records, rate and ETA
from :func:`~pinecone_imports_frame.trends.estimate_completion`, or "indexing" at 100 %,
over the few rows of each running import it reads (``_running``: a poll costs the same
at poll 20 and poll 1,500); a line reports each import that ends. The watch returns what
its listings told (``_running.WatchHistory``: each import's changes, not every listing),
a history the trends functions take as it is.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import _progress, config, parsing, schema
from ._apikey import ApiKey
from ._text import printable, short_duration
from .config import (
    DEFAULT_API_VERSION,
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_WORKERS,
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    Connection,
)
from .control import with_index_endpoint
from .errors import ConfigurationError, FleetWarning, PineconeImportsError, SnapshotError
from .frame import concat_frames, empty_frame
from .parsing import Duration, Interval, Moment, parse_until
from .polling import poll
from .schema import DtypeBackend

logger = logging.getLogger(__name__)

__all__ = ["WatchEvent", "watch_imports", "watch_project_imports"]

# Indirections so that tests run a watch on a fake clock without waiting for it.
_clock = time.monotonic
_sleep = time.sleep


def _now() -> pd.Timestamp:
    """Return the time of day on this machine's clock, UTC (``until`` a time ends by it)."""
    return pd.Timestamp.now(tz="UTC")


#: The server's clock is said to stand still once this machine's has moved this far (and
#: two intervals) while the server's moved less than half as far.
_STILL_AFTER = pd.Timedelta(seconds=30)

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
    #: The index's name, when a watch follows several indexes (else None).
    index_name: str | None = None

    def __str__(self) -> str:
        """One line: when, which import, how it ended, after how long, and its error."""
        when = self.listed_at.strftime("%Y-%m-%d %H:%M:%SZ")
        which = self.id if self.index_name is None else f"{self.index_name}/{self.id}"
        line = f"{when}  import {printable(which)} {printable(self.status)}"
        if self.duration is not None:
            line += f" after {short_duration(self.duration)}"
        if self.status == "Completed" and self.records_imported is not None:
            line += f", {self.records_imported:,} records"
        if self.error:
            line += f": {printable(self.error)}"
        return line


def _keys(listing: pd.DataFrame, *, fleet: bool) -> pd.Series:
    """Key each import of a listing: its id, or ``index_host/id`` when several indexes are."""
    ids = listing["id"].astype(str)
    if not fleet:
        return ids
    return listing["index_host"].astype(str) + "/" + ids


def _events(
    previous: pd.DataFrame | None, listing: pd.DataFrame, *, fleet: bool = False
) -> list[WatchEvent]:
    """Find the imports of ``listing`` that ended since ``previous`` (running, or new)."""
    if previous is None:
        return []  # the first listing: nothing has ended *during* the watch yet
    terminal = listing["status"].isin(_TERMINAL).to_numpy()
    if not terminal.any():
        return []
    ended = listing[terminal]
    before = pd.Series(
        previous["status"].astype(object).to_numpy(), index=_keys(previous, fleet=fleet)
    )
    # The frame keeps one row per import of a listing; should one come twice, its last.
    before = before[~before.index.duplicated(keep="last")]
    was_terminal = _keys(ended, fleet=fleet).map(before).isin(_TERMINAL).to_numpy()
    ended = ended[~was_terminal]  # running before, or new
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
                index_name=None
                if not fleet
                else str(row.index_name if not pd.isna(row.index_name) else row.index_host),
            )
        )
    return out


def _listed_at(listing: pd.DataFrame) -> pd.Timestamp | None:
    """When a poll was listed: its one ``listed_at`` (the latest, for several indexes)."""
    if listing.attrs.get("listed_at"):
        return pd.Timestamp(listing.attrs["listed_at"])
    if len(listing):
        return pd.Timestamp(listing["listed_at"].max())
    return None


def _left(value: Any) -> str:
    """Write a time left as a bar says it: ``42m00s``, or ``3h45m`` from an hour on (no seconds)."""
    text = short_duration(value)
    return text[:-3] if "h" in text and text.endswith("s") else text


def _bar_text(row: Any) -> str:
    """Compose what follows an import's bar (80 columns): records, rate and ETA, or phase."""
    imported = "" if pd.isna(row.records_imported) else f"{int(row.records_imported):,} rec"
    if row.phase == "indexing":
        return f"indexing {short_duration(row.indexing_for)}, {imported}".rstrip(", ")
    if row.phase == "pending":
        return "pending"
    parts = [imported] if imported else []
    if not pd.isna(row.records_per_second):
        parts.append(f"{row.records_per_second:,.0f}/s")
    if not pd.isna(row.eta):
        parts.append(f"ETA {row.eta:%H:%M}Z in {_left(row.time_left)}")
    else:  # the reason for none, when it is that the import stands still
        from .trends import REASONS

        parts.append("no progress" if row.reason == REASONS["stalled"] else "ETA ?")
    return ", ".join(parts)


class _Watch:
    """The state of one watch: listings seen, imports waited for, bars."""

    def __init__(
        self,
        fleet: bool,
        *,
        page_size: int,
        interval: Interval | None,
        until: Duration | Moment,
        snapshot_to: str | os.PathLike[str] | None,
        storage_options: dict[str, Any] | None,
        progress: bool | None,
        dtype_backend: DtypeBackend,
        on_event: Callable[[WatchEvent], None] | None,
    ) -> None:
        """Check every argument of a watch but the connection's; nothing is sent.

        The defaults are the public calls' (:func:`watch_imports`,
        :func:`watch_project_imports`), which hand their arguments over through :meth:`of`.
        """
        schema.check_dtype_backend(dtype_backend)
        config.check_page_size(page_size)
        if interval is None:  # a project's poll lists every index: less often
            interval = "30s" if fleet else "10s"
        self.every = parsing.parse_interval(interval, what="interval")
        self.limit = parse_until(until)
        if on_event is not None and not callable(on_event):
            raise ConfigurationError(f"on_event must be callable, not {type(on_event).__name__}")
        if snapshot_to is not None:
            from .snapshots import check_destination

            check_destination(snapshot_to, storage_options=storage_options)
        self.fleet = fleet
        self.names: dict[str, str] = {}  # index host -> name, for the bars of a fleet
        self.snapshot_to = snapshot_to
        self.storage_options = storage_options
        self.dtype_backend = dtype_backend
        self.bars = _progress.WatchBars(enabled=progress)
        self.on_event = on_event
        from ._running import RunningImports, WatchHistory

        # Every listing's news, not every listing: memory grows with the imports and their
        # changes, not with the polls (issue 18).
        self.listings = WatchHistory(key=lambda listing: _keys(listing, fleet=fleet))
        self.first_listed_at: pd.Timestamp | None = None
        self.running = RunningImports()  # what the estimates need of each running import
        self.waiting: set[str] | None = None  # ids running at the start, not ended yet
        self.started_with = 0
        self.failed_polls = 0
        self.failed_snapshots = 0  # polls listed whose snapshot a transient error stopped
        self.failed_in_a_row = 0  # polls failed since the last listing
        # The server's clock against this machine's: (listed_at, _clock()) of the listing
        # it was last seen moving at, and whether its standing still was said.
        self.clock_seen: tuple[pd.Timestamp, float] | None = None
        self.clock_still_said = False
        self.started = self.last_listing_at = 0.0  # _clock() readings, set by run()

    @classmethod
    def of(cls, fleet: bool, arguments: dict[str, Any]) -> _Watch:
        """Build the watch that a public call's arguments (its ``locals()``) describe, checked.

        It takes those its own keywords name, whose defaults the public calls hold.
        """
        names = [name for name in inspect.signature(cls).parameters if name != "fleet"]
        return cls(fleet, **{name: arguments[name] for name in names})

    def _poll(self, list_once: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        df = list_once()
        self.listings.add(df)  # kept before the snapshot: a failed write loses nothing
        if self.listings.polls == 1:
            self.first_listed_at = _listed_at(df)
        self.last_listing_at = _clock()
        self.failed_in_a_row = 0
        self._check_server_clock(df)
        # A fleet's listing writes one snapshot per index itself (read_project_imports).
        if self.snapshot_to is not None and not self.fleet:
            from .snapshots import write_snapshot

            try:
                write_snapshot(df, self.snapshot_to, storage_options=self.storage_options)
            except SnapshotError as exc:
                if exc.permanent:  # the lake is gone or read-only: the watch ends with it
                    raise
                # The listing arrived: the watch takes it in; only its snapshot is missing.
                self.failed_snapshots += 1
                logger.warning("this poll's snapshot was not written (the watch goes on): %s", exc)
        return df

    def _check_server_clock(self, listing: pd.DataFrame) -> None:
        """Say once when the server's clock stands still (or lags far) while ours moves.

        ``listed_at`` follows the server's ``Date``: a clock that stands still holds every
        listing at one time, and ``until`` a time would then wait for ever on it alone.
        """
        listed, now = _listed_at(listing), self.last_listing_at
        if listed is None:
            return
        if self.clock_seen is None:
            self.clock_seen = (listed, now)
            return
        seen_listed, seen_at = self.clock_seen
        ours = pd.Timedelta(seconds=now - seen_at)
        theirs = listed - seen_listed
        if theirs * 2 >= ours:  # it moves (at least at half speed)
            self.clock_seen = (listed, now)
            self.clock_still_said = False
            return
        if self.clock_still_said or ours < max(2 * self.every, _STILL_AFTER):
            return
        self.clock_still_said = True
        moved = (
            f"went back {short_duration(-theirs)}"
            if theirs < pd.Timedelta(0)
            else f"moved {short_duration(theirs)}"
        )
        limit = self.limit
        then = (
            f"; until={limit.isoformat()} ends the watch by this machine's clock, "
            f"{short_duration(self.every)} after it"
            if isinstance(limit, pd.Timestamp)
            else ""
        )
        logger.warning(
            "the server's clock stands still: over %s on this machine's clock, its listings' "
            "time (from its Date header) %s%s",
            short_duration(ours),
            moved,
            then,
        )

    def _emit(self, event: WatchEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)
        elif self.bars.enabled:
            _progress.write(str(event))
        else:
            logger.info("%s", event)

    def _history(self) -> pd.DataFrame:
        if not self.listings.polls:
            return empty_frame(dtype_backend=self.dtype_backend)
        # One listing may see a status the others do not: its category is kept.
        return concat_frames(self.listings.frames())

    def _see(self, listing: pd.DataFrame) -> bool:
        """Take in one listing; return whether every import waited for has ended."""
        from . import trends

        previous = self.listings.previous
        running = ~listing["is_terminal"].fillna(False).to_numpy(dtype=bool)
        keys = _keys(listing, fleet=self.fleet)
        ids = set(keys[running])
        if self.waiting is None:
            self.waiting = set(ids)
            self.started_with = len(ids)
            self.bars.start(total=self.started_with)
        if self.fleet:
            named = listing[["index_host", "index_name"]].dropna().drop_duplicates()
            hosts, names = named["index_host"].astype(str), named["index_name"].astype(str)
            self.names.update(zip(hosts, names, strict=True))
        for event in _events(previous, listing, fleet=self.fleet):
            key = f"{event.index_host}/{event.id}" if self.fleet else event.id
            self.bars.end(self._label(key))  # counted among the imports ended
            self._emit(event)
        # An index that failed this poll lists nothing: its imports are not "gone", they
        # stay waited for until a poll answers for them.
        failed = {str(e.get("index_host")) for e in listing.attrs.get("errors", [])}

        def unknown(key: str) -> bool:
            return self.fleet and key.split("/", 1)[0] in failed

        listed = set(keys)
        gone = {k for k in self.waiting - listed if not unknown(k)}
        for import_id in sorted(gone):
            logger.info("import %s is no longer listed: counted as ended", import_id)
        self.waiting = {k for k in self.waiting if k in ids or unknown(k)}

        if not self.bars.enabled:  # the estimates are for the bars
            return not self.waiting
        # Any import with a bar no longer listed (one that started during the watch too)
        # has ended as far as the watch can tell: its bar closes and counts as ended.
        for key in [k for k in self.running.kept() if k not in listed and not unknown(k)]:
            self.bars.end(self._label(key))
        # A few rows per running import, whatever the number of polls: a flat cost.
        needed = self.running.take(listing, keys, keep=unknown)
        estimates = trends.estimate_completion(needed, window=self.running.window)
        percents = estimates["percent_complete"].to_numpy(dtype=float, na_value=float("nan"))
        for row, percent, key in zip(
            estimates.itertuples(index=False),
            percents,
            _keys(estimates, fleet=self.fleet),
            strict=True,
        ):
            self.bars.show(self._label(key), percent=float(percent), text=_bar_text(row))
        self.bars.tally()
        return not self.waiting

    def _label(self, key: str) -> str:
        """Name the bar of an import: its id, or ``index_name/id`` for several indexes."""
        if not self.fleet:
            return key
        host, _, import_id = key.rpartition("/")
        return f"{self.names.get(host, host)}/{import_id}"

    def _past(self) -> bool:
        """Whether the newest listing is at ``limit`` or past it (on the server's clock).

        "At" is within half an interval: ``listed_at`` follows the server's ``Date``, which
        has whole seconds, so listings a minute apart may be stamped 59.9 s apart. While
        polls fail no listing comes: a duration also ends on this machine's clock from the
        watch's start, and a time, after two polls in a row failed, on this machine's
        clock from the last listing, so that ``until`` ends a watch of a server that
        stopped answering (one failed poll is just retried at the next tick). A time also
        ends by this machine's time of day once it is an interval past it: a server whose
        clock stands still or lags cannot hold the watch for ever.
        """
        limit = self.limit
        if limit is None:
            return False
        waited = pd.Timedelta(seconds=_clock() - self.started)
        if isinstance(limit, pd.Timedelta) and waited >= limit:
            return True
        if isinstance(limit, pd.Timestamp) and _now() >= limit + self.every:
            return True
        # run() raises on a first failed poll: a listing is in. A fleet's may be empty.
        assert self.listings.last is not None
        first, last = self.first_listed_at, _listed_at(self.listings.last)
        if first is None or last is None:
            return isinstance(limit, pd.Timestamp) and _now() >= limit
        newest = last + self.every / 2
        if self.failed_in_a_row >= 2:  # one failed poll is retried at the next tick
            newest = max(newest, last + pd.Timedelta(seconds=_clock() - self.last_listing_at))
        if isinstance(limit, pd.Timedelta):
            return bool(newest - first >= limit)
        return bool(newest >= limit)

    def _loop(self, list_once: Callable[[], pd.DataFrame]) -> str:
        """Poll ``list_once`` until the watch ends; return why it stopped."""
        # A failed first poll (a wrong host or port) is raised: said now, not retried forever.
        loop = poll(lambda: self._poll(list_once), interval=self.every, retry_first=False,
                    clock=_clock, sleep=_sleep)  # fmt: skip
        for tick in loop:
            if tick.error is not None:
                self.failed_polls += 1
                self.failed_in_a_row += 1
            elif tick.value is not None and self._see(tick.value):
                return "done"
            if self._past():
                return "until"
        return "interrupted"  # pragma: no cover - poll() never ends by itself

    def run(self, list_once: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """Poll ``list_once`` until the watch ends; return the history it saw."""
        stopped = "interrupted"
        self.started = self.last_listing_at = _clock()
        try:
            # Log lines (a failed poll, a clock standing still) go above the bars.
            with _progress.lines_above_bars(self.bars.enabled):
                stopped = self._loop(list_once)
        except KeyboardInterrupt:
            self.bars.close()  # the bars first: the line goes below them, not over one
            logger.warning("watch interrupted: returning the %d listings seen", self.listings.polls)
        except PineconeImportsError as exc:
            exc.partial = self._history()
            raise
        except Exception as exc:  # a bug: the listings seen do not go down with it
            with contextlib.suppress(Exception):
                exc.partial = self._history()  # type: ignore[attr-defined]
            raise
        finally:
            self.bars.close()
        history = self._history()
        if self.fleet and self.listings.last is not None:
            history.attrs["errors"] = self.listings.last.attrs.get("errors", [])
        history.attrs["watch"] = {
            "stopped": stopped,
            "polls": self.listings.polls + self.failed_polls,
            "failed_polls": self.failed_polls,
            "failed_snapshots": self.failed_snapshots,
            "running_at_start": self.started_with,
        }
        return history


def watch_imports(
    host: str | None = None,
    *,
    connection: Connection | None = None,
    api_key: str | ApiKey | None = None,
    index_name: str | None = None,
    controller_host: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    allow_insecure: bool = False,
    api_version: str = DEFAULT_API_VERSION,
    use_private_host: bool = False,
    page_size: int = DEFAULT_PAGE_SIZE,
    interval: Interval | None = None,
    until: Duration | Moment = "done",
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
    page_size, timeout, max_retries, allow_insecure, api_version, use_private_host
        As for :func:`~pinecone_imports_frame.read_imports`.
    interval : str, float or pandas.Timedelta, optional
        Time between polls: ``"10s"``, ``"1m"``, or seconds (at least 1); 10 s when None.
        Each poll is a full listing.
    until : "done", duration or timestamp
        ``"done"``: until every import running at the start has ended. A duration
        (``"2h"``) or a time (``"2026-12-01T18:00:00Z"``, naive values are UTC): the same,
        but stop once a listing is that long after the first one, or at that time. Both
        are on the server's clock (``listed_at``), as everywhere in the package; while
        polls fail, on this machine's (a duration from the start, a time after two failed
        polls in a row), so that a silent server cannot hold a watch past ``until``. A
        time also ends the watch once this machine's clock is an interval past it, so
        that a server whose clock stands still or lags cannot either (a warning is
        logged once when its clock stands still).
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
        What the watch's listings told, stacked (the schema of ``read_imports``): every
        loading row (InProgress under 100 %), of every other import its first and last
        row in each state, and the last listing whole. A history for
        :mod:`~pinecone_imports_frame.trends` with the figures of every listing (but the
        ``listings`` counts and ``status_timeline`` between changes); ``snapshot_to``
        keeps each listing whole. Its memory grows with the imports and their changes,
        not with the polls.
        ``attrs["watch"]`` says why it stopped (``"done"``, ``"until"``,
        ``"interrupted"``), how many polls failed and were retried, and how many
        listings a passing error kept out of ``snapshot_to`` (they are in the history).

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
    # The key first, wrapped, and the plain string out of this frame at once: no error
    # below, a bad argument included, finds it here. Then the connection (nothing is sent).
    try:
        conn = config.connection_from(locals())
    finally:
        del api_key
    watch = _Watch.of(False, locals())
    conn = with_index_endpoint(conn)  # the control plane, for an index given by name

    def list_once() -> pd.DataFrame:
        from .loader import drain_listing, listing_frame, open_pages

        pages = open_pages(conn, page_size=page_size, max_pages=DEFAULT_MAX_PAGES, progress=False)
        table, attrs = drain_listing(pages, dtype_backend=dtype_backend)
        return listing_frame(table, attrs, dtype_backend=dtype_backend)

    return watch.run(list_once)


def watch_project_imports(
    *,
    connection: Connection | None = None,
    api_key: str | ApiKey | None = None,
    controller_host: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    allow_insecure: bool = False,
    api_version: str = DEFAULT_API_VERSION,
    use_private_host: bool = False,
    indexes: str | Sequence[str] | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
    page_size: int = DEFAULT_PAGE_SIZE,
    interval: Interval | None = None,
    until: Duration | Moment = "done",
    snapshot_to: str | os.PathLike[str] | None = None,
    storage_options: dict[str, Any] | None = None,
    progress: bool | None = None,
    dtype_backend: DtypeBackend = "numpy_nullable",
    on_event: Callable[[WatchEvent], None] | None = None,
) -> pd.DataFrame:
    """Watch the running imports of every index of a project until they end.

    Each poll lists the indexes as :func:`~pinecone_imports_frame.read_project_imports`
    does (concurrently, at most ``max_workers`` at a time); an import is named
    ``index/id`` on its bar and in its line. An index that fails in one poll does not
    end the watch: its imports stay waited for, and the next poll asks again. ``indexes``
    are checked at the first poll only, as that function checks them.

    Parameters
    ----------
    connection, api_key, controller_host, indexes, max_workers
        As for :func:`~pinecone_imports_frame.read_project_imports`.
    page_size, timeout, max_retries, allow_insecure, api_version, use_private_host
        As for :func:`~pinecone_imports_frame.read_project_imports`.
    interval, until
        As for :func:`watch_imports` (``interval`` is 30 s when None: a poll lists
        every index).
    snapshot_to, storage_options, progress, dtype_backend, on_event
        As for :func:`watch_imports` (one snapshot per index and poll).

    Returns
    -------
    pandas.DataFrame
        Every listing of every index, stacked; ``attrs["watch"]`` as for
        :func:`watch_imports`, with ``attrs["errors"]`` of the last poll.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import IndexConfig, Project
    >>> done = ({"id": "1", "uri": "s3://b/", "status": "Completed",
    ...          "createdAt": "2025-05-01T10:00:00Z", "finishedAt": "2025-05-01T10:30:00Z"},)
    >>> indexes = [IndexConfig(name, records=done) for name in ("prod-a", "prod-b")]
    >>> with Project(indexes=indexes) as project:  # nothing running: one poll is enough
    ...     history = watch_project_imports(api_key=project.api_key,
    ...                                     controller_host=project.control.url,
    ...                                     progress=False)
    >>> sorted(history["index_name"].unique()), history.attrs["watch"]["stopped"]
    (['prod-a', 'prod-b'], 'done')
    """
    from .fleet import check_fleet_arguments, drain_project

    # The key first, wrapped, and the plain string out of this frame at once: no error
    # below, a bad argument included, finds it here. Then the connection (nothing is sent).
    try:
        conn = config.connection_from(locals())
    finally:
        del api_key
    check_fleet_arguments(indexes=indexes, max_workers=max_workers)
    watch = _Watch.of(True, locals())
    first = [True]  # the first poll checks ``indexes``

    def list_once() -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FleetWarning)  # a failed index: next poll
            return drain_project(
                conn,
                # The watch's own choices: its bars, not drain_project's; an index that
                # fails waits for the next poll; a bad record is an error, as read_imports.
                progress=False,
                on_error="collect",
                on_bad_record="raise",
                verbose=False,
                # Names matching no index: said (or refused) at the first poll only; later,
                # an index deleted meanwhile has its imports ended as any no longer listed.
                check_indexes=first.pop() if first else False,
                # The caller's, as read_project_imports passes them.
                indexes=indexes,
                max_workers=max_workers,
                page_size=page_size,
                dtype_backend=dtype_backend,
                snapshot_to=snapshot_to,  # one snapshot per index, written there
                storage_options=storage_options,
            )

    return watch.run(list_once)
