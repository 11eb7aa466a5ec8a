"""The Prometheus exporter: list on a schedule, serve the latest listing, never wait on Pinecone.

:class:`ImportsExporter` lists one index (``read_imports``) or every index of a project
(the control plane's list, the fleet's patterns, a bounded pool of listings) on its own
interval; each listing becomes a set of metric families (``_metrics``), swapped in whole,
which a scrape reads as they are: a scrape never starts a request to Pinecone and never
waits on one. A listing that fails sets ``pinecone_imports_listing_success`` to 0 and
keeps the last good figures; the exporter goes on (a wrong key is fixed by restarting it
with the right one, and alerts until then). ``write_textfile`` writes the same atomically
for node_exporter's textfile collector.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .._text import printable
from ..config import DEFAULT_MAX_WORKERS, DEFAULT_PAGE_SIZE, Connection
from ..errors import ConfigurationError, PineconeImportsError
from ..parsing import Duration, Interval, parse_duration, parse_interval
from ..polling import poll
from ..schema import STATUSES
from . import DEFAULT_PORT
from ._columns import Columns, listed_at_us, micros
from ._metrics import (
    MAX_FINISHED,
    RECENT_SECONDS,
    IndexView,
    distinct_labels,
    families,
    id_key,
    label,
)
from ._running import US, RunningImports, with_pending_times

logger = logging.getLogger(__name__)

# Indirections so that tests run the schedule on a fake clock.
_clock = time.monotonic
_wall = time.time
_sleep: Callable[[float], Any] | None = None  # None: wait on the stop event

_PENDING, _IN_PROGRESS, _FAILED = "Pending", "InProgress", "Failed"


def require_prometheus_client() -> None:
    """Refuse, with what to install, when prometheus_client (the ``[metrics]`` extra) is missing."""
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        raise ConfigurationError(
            "the exporter needs prometheus_client: pip install 'pinecone-imports-frame[metrics]' "
            "(from a checkout: pip install -e '.[metrics]')"
        ) from None


@dataclass
class _Index:
    """One index's state between listings."""

    view: IndexView
    running: RunningImports = field(default_factory=RunningImports)
    #: The failed imports (from ``trends.failed_imports``), recomputed when they change.
    failed_key: int | None = None
    failed_when: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    failed_category: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    failed_trap: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    #: The failed imports of the latest listing (:func:`id_key`); None before the first,
    #: whose failures are not counted in ``failed_total`` (they did not appear meanwhile).
    failed_seen: frozenset[str] | None = None
    failing: bool = False
    #: What the failures of the current run are (:func:`failure_kind`).
    failing_kind: str | None = None
    host: str = ""  # listed on (all_indexes)


class _Collector:
    """The prometheus_client collector: the families of the latest listing, as they are."""

    def __init__(self, exporter: ImportsExporter) -> None:
        self._exporter = exporter

    def collect(self) -> Iterator[Any]:
        """Yield the metric families built after the latest listing (no request made)."""
        return iter(self._exporter.families)


class MetricsServer:
    """The exporter's HTTP server, serving ``/metrics`` from its own threads.

    Attributes
    ----------
    url : str
        ``http://HOST:PORT/metrics``.
    port : int
        The bound port (useful with port 0).
    """

    def __init__(self, httpd: Any, thread: threading.Thread) -> None:
        self._httpd = httpd
        self._thread = thread
        host, port = httpd.server_address[:2]
        self.port = int(port)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self.port}/metrics"

    def close(self) -> None:
        """Stop serving and release the port."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)


def _said(future: Future[Any]) -> None:
    """Log what a listing of the pool raised beyond PineconeImportsError (a bug): not lost."""
    error = None if future.cancelled() else future.exception()
    if error is not None:
        logger.error("a listing raised (a bug; the exporter goes on): %s", printable(error))


def failure_kind(error: BaseException) -> str:
    """Name the kind of a failure: its class, and its HTTP status when it has one.

    Examples
    --------
    >>> from pinecone_imports_frame.errors import ServerError, TransportError
    >>> failure_kind(ServerError("boom", status=500)), failure_kind(TransportError("t"))
    ('ServerError 500', 'TransportError')
    """
    status = getattr(error, "status", None)
    return type(error).__name__ + ("" if status is None else f" {status}")


def missing_folder(path: str | os.PathLike[str]) -> ConfigurationError | None:
    """Return the error of a metrics file whose folder does not exist (naming it), else None.

    Examples
    --------
    >>> print(missing_folder("/nonexistent/m.prom"))
    cannot write the metrics to /nonexistent/m.prom: the folder /nonexistent does not exist (create it, or give a path in one that does)
    """  # noqa: E501
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if os.path.isdir(folder):
        return None
    return ConfigurationError(
        f"cannot write the metrics to {os.fspath(path)}: the folder {folder} does not exist "
        "(create it, or give a path in one that does)"
    )


class ImportsExporter:
    """List imports on a schedule and show the latest listing as Prometheus metrics.

    One index (the connection's), or every index of the project with
    ``all_indexes=True`` (those matching ``indexes``). Each :meth:`refresh` lists once and
    swaps in the metric families a scrape of :attr:`registry` reads; :meth:`run` refreshes
    every ``interval``; :meth:`serve` serves ``/metrics``; :meth:`write_textfile` writes
    them for node_exporter's textfile collector. The metrics and their labels are listed
    in the README (and in ``_metrics.METRICS``); the API key is never in any of them.

    Parameters
    ----------
    connection : Connection
        Key, settings and the index (``Connection.resolve``); its index is ignored with
        ``all_indexes``.
    all_indexes : bool
        Every index of the project (the control plane lists them at each refresh).
    indexes : str or list of str, optional
        With ``all_indexes``: only these names or shell patterns (``"prod-*"``). One that
        matches no index is warned about once
        (:class:`~pinecone_imports_frame.UnmatchedIndexWarning`); while they leave no
        index to list, each refresh fails as when the control plane does
        (``pinecone_imports_listing_success`` 0, the reason logged), never silently.
    max_workers : int
        With ``all_indexes``: indexes listed at once.
    page_size : int
        Imports per request.
    window : str or pandas.Timedelta
        How far back from each listing ``pinecone_imports_failed`` counts failures.

    Raises
    ------
    ConfigurationError
        A bad argument, no index to list, or prometheus_client missing.

    Examples
    --------
    >>> from pinecone_imports_frame import Connection
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=200, seed=3) as emu:
    ...     exporter = ImportsExporter(connection=Connection.resolve(emu.url, api_key=emu.api_key))
    ...     exporter.refresh()
    True
    >>> text = exporter.text()
    >>> 'pinecone_imports_listing_success{index_host="127.0.0.1:' in text
    True
    >>> emu.api_key in text
    False
    """

    def __init__(
        self,
        *,
        connection: Connection,
        all_indexes: bool = False,
        indexes: str | Sequence[str] | None = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
        page_size: int = DEFAULT_PAGE_SIZE,
        window: Duration = "24h",
    ) -> None:
        from ..config import check_page_size
        from ..fleet import check_fleet_arguments, check_patterns

        require_prometheus_client()
        from prometheus_client import CollectorRegistry

        if not isinstance(connection, Connection):
            raise ConfigurationError(
                "connection must be a pinecone_imports_frame.Connection (Connection.resolve(...)), "
                f"not {type(connection).__name__}"
            )
        if not isinstance(all_indexes, bool):
            raise ConfigurationError(f"all_indexes must be True or False, not {all_indexes!r}")
        if not all_indexes and indexes is not None:
            raise ConfigurationError("indexes chooses among the project's indexes: add all_indexes")
        if not all_indexes and connection.endpoint is None and not connection.index_name:
            raise ConfigurationError(
                "no index to list: give the index host (or its name), set PINECONE_INDEX_HOST, "
                "or list every index of the project (all_indexes=True, --all-indexes)"
            )
        check_fleet_arguments(indexes=indexes, max_workers=max_workers)
        self.connection = connection
        self.all_indexes = all_indexes
        self.indexes = check_patterns(indexes)
        self.max_workers = max_workers
        self.page_size = check_page_size(page_size)
        self.window_us = int(parse_duration(window, what="window").total_seconds() * US)
        self._indexes: dict[str, _Index] = {}
        #: The names and patterns of ``indexes`` warned about as matching no index.
        self._unmatched: set[str] = set()
        #: The metric families of the latest listing, swapped in whole after each.
        self.families: list[Any] = []
        #: Whether the control plane's latest list of indexes succeeded (None: not asked).
        self._control: bool | None = None
        self._control_kind: str | None = None
        #: Guards the indexes' state and the swap of ``families`` (listings in threads).
        self._lock = threading.RLock()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_Collector(self))

    # -- listing -----------------------------------------------------------------------

    def refresh(self) -> bool:
        """List once and update the metrics; return whether every listing succeeded.

        With ``all_indexes``, each index is shown as soon as its own listing ends; a
        control plane that fails (``pinecone_imports_control_plane_success`` 0) leaves the
        known indexes listed on their hosts. A failed listing is shown (``..._success`` 0)
        and logged once per run of failures and kind of failure, never raised.
        """
        if not self.all_indexes:
            ok = self._refresh_index()
            self._publish()
            return ok
        control_ok = self._list_control_plane()
        targets = self._targets()
        if not targets:  # none to list: as the control plane went (a project of none is fine)
            return control_ok
        with ThreadPoolExecutor(
            max_workers=min(self.max_workers, len(targets)),
            thread_name_prefix="pinecone-imports-metrics",
        ) as pool:
            done = list(pool.map(lambda t: self._list_one(*t), targets))
        return control_ok and all(done)

    def _publish(self) -> None:
        """Swap in the metric families of every index's latest view (under the lock)."""
        with self._lock:
            views = [index.view for index in self._indexes.values()]
            self.families = families(views, control=self._control)

    def _label(self, value: object) -> str:
        return label(value, redact=self.connection.api_key.redact)

    def _refresh_index(self) -> bool:
        from ..loader import read_imports

        conn = self.connection
        index = self._indexes.get("")
        if index is None:
            index = _Index(IndexView(self._label(conn.index_name), self._label(conn.index_host)))
            self._indexes[""] = index
        started = _clock()
        try:
            df = read_imports(connection=conn, page_size=self.page_size, progress=False)
        except PineconeImportsError as exc:
            self._failed(index, exc, _clock() - started)
            return False
        if df.attrs.get("index_host"):
            index.view.host = self._label(df.attrs["index_host"])
        return self._take(index, df, _clock() - started)

    def _list_control_plane(self) -> bool:
        """List the project's indexes; on failure keep those known (listed on their hosts)."""
        from .._selection import check_selection
        from ..control import list_indexes
        from ..fleet import select_indexes

        try:
            models = list_indexes(self.connection)
        except PineconeImportsError as exc:
            with self._lock:
                self._control_failed(exc)
                if not self._indexes:  # nothing known to list: the project's listing fails
                    self._indexes[""] = _Index(IndexView("", ""))
                    self._indexes[""].view.success = False  # logged as the control plane's
            self._publish()
            return False
        with self._lock:
            if self._control is False:
                logger.info("the control plane answers again (the list of indexes)")
            self._control, self._control_kind, ok = True, None, True
            try:
                targets, skipped = select_indexes(models, self.indexes)
                # A name or pattern that matches no index: warned about once per exporter;
                # none left to list is a failed listing of the project (success 0).
                check_selection(models, self.indexes, targets, skipped, warned=self._unmatched)
            except PineconeImportsError as exc:
                placeholder = self._indexes.get("") or _Index(IndexView("", ""))
                self._indexes = {"": placeholder}
                self._failed(placeholder, exc, 0.0)
                ok = False
            else:
                known, self._indexes = self._indexes, {}
                for t in targets:  # those gone from the project are dropped
                    index = known.get(t.name) or _Index(IndexView(self._label(t.name), ""))
                    index.host, index.view.host = t.host, self._label(t.host)
                    self._indexes[t.name] = index
        self._publish()
        return ok

    def _control_failed(self, error: BaseException) -> None:
        kind = failure_kind(error)
        quiet = self._control is False and kind == self._control_kind
        (logger.debug if quiet else logger.warning)(
            "the control plane failed to list the project's indexes "
            "(pinecone_imports_control_plane_success is 0; the indexes already known are "
            "still listed on their hosts): %s",
            printable(error),
        )
        self._control, self._control_kind = False, kind

    def _targets(self) -> list[tuple[str, str]]:
        with self._lock:  # each index known, to list on its host
            return [(k, i.host) for k, i in self._indexes.items() if k]

    def _list_one(self, name: str, host: str) -> bool:
        """List one index of the project and publish its figures at once."""
        from ..loader import read_imports

        begun = _clock()
        df, error = None, None
        try:
            one = self.connection.for_index(host, name)
            df = read_imports(connection=one, page_size=self.page_size, progress=False)
        except Exception as exc:  # a bug below fails this index, said; the others go on
            error = exc
        took = _clock() - begun
        with self._lock:
            index = self._indexes.get(name)
            if index is None:  # dropped from the project meanwhile
                return True
            if error is not None:
                bug = not isinstance(error, PineconeImportsError)
                self._failed(index, error, took, unreadable=bug)
                ok = False
            else:
                assert df is not None
                ok = self._take(index, df, took)
        logger.debug("the listing of index %s ended in %.3f s", self._label(name), took)
        self._publish()
        return ok

    def _failed(
        self, index: _Index, error: BaseException, took: float, *, unreadable: bool = False
    ) -> None:
        view = index.view
        view.success = False
        view.duration_seconds = took
        where = f"index {view.name or view.host}" if view.name or view.host else "the project"
        kind = failure_kind(error)
        if unreadable:  # a listing that failed, or could not be shown, by a bug: to see
            logger.error(
                "the listing of %s failed unexpectedly, a bug to report "
                "(pinecone_imports_listing_success is 0, the last figures kept): %s",
                where,
                printable(error),
                exc_info=error,
            )
        else:  # once per run of failures, and again when their kind changes
            quiet = index.failing and kind == index.failing_kind
            (logger.debug if quiet else logger.warning)(
                "the listing of %s failed (pinecone_imports_listing_success is 0, the last "
                "figures kept; the next listing tries again): %s",
                where,
                printable(error),
            )
        index.failing, index.failing_kind = True, kind

    # -- one listing to the view -----------------------------------------------------------

    def _take(self, index: _Index, df: pd.DataFrame, took: float) -> bool:
        """Show a listing; whatever a server sent, a listing that cannot be shown fails alone."""
        try:
            view = self._view(index, df, took)
        except Exception as exc:  # never the exporter's end: it alerts and goes on
            self._failed(index, exc, took, unreadable=True)
            return False
        if index.failing:
            where = f"index {view.name or view.host}" if view.name or view.host else "the project"
            logger.info("the listing of %s succeeded again", where)
            index.failing, index.failing_kind = False, None
        index.view = view
        return True

    def _view(self, index: _Index, df: pd.DataFrame, took: float) -> IndexView:
        """Make the index's view of a listing (a new one: the last stays until it is done)."""
        view = replace(index.view)
        if not view.name and df.attrs.get("index_name"):
            view.name = self._label(df.attrs["index_name"])
        listed = listed_at_us(df)
        c = Columns.of(df)
        counts = np.bincount(c.codes[c.codes >= 0], minlength=len(c.names))
        view.statuses = {}
        for n, k in zip(c.names, counts, strict=True):  # statuses written alike: summed
            shown = n if n in STATUSES else self._label(n)
            view.statuses[shown] = view.statuses.get(shown, 0) + int(k)
        self._take_failures(index, view, df, c, listed)
        self._take_running(index, view, c, listed)
        self._take_finished(view, c, listed)
        view.success = True
        view.listed_unix = _wall()
        view.duration_seconds = took
        return view

    def _take_failures(
        self, index: _Index, view: IndexView, df: pd.DataFrame, c: Columns, listed: int
    ) -> None:
        failed_code = c.names.index(_FAILED) if _FAILED in c.names else -2
        rows = np.flatnonzero(c.codes == failed_code)
        key = hash((tuple(c.texts(rows)), c.finished[rows].tobytes()))
        if key != index.failed_key:  # a new failure: the trends again, on the failed rows
            from .. import trends

            needed = list(trends.COLUMNS_NEEDED["failed_imports"])
            failed = trends.failed_imports(df.take(rows)[needed])
            failed = failed[(failed["status"] == _FAILED).to_numpy()]
            when = micros(failed["finished_at"])
            created = micros(failed["created_at"])
            nat = np.iinfo(np.int64).min
            index.failed_when = np.where(when == nat, created, when)
            category = failed["error_category"].astype(object).to_numpy()
            index.failed_category = np.where(pd.isna(category), "other", category)
            index.failed_trap = failed["retry_trap"].to_numpy(dtype=bool)
            index.failed_key = key
            self._count_failures(index, view, failed["id"].tolist())
        recent = index.failed_when >= listed - self.window_us
        found, n = np.unique(index.failed_category[recent], return_counts=True)
        view.failed = {str(c): int(k) for c, k in zip(found, n, strict=True)}
        view.retry_traps = int(index.failed_trap[recent].sum())

    def _count_failures(self, index: _Index, view: IndexView, ids: list[object]) -> None:
        """Count the failed imports not in the previous listing; remember those listed only."""
        keys = [id_key(i, redact=self.connection.api_key.redact) for i in ids]
        if index.failed_seen is not None:
            view.failed_total = total = dict(view.failed_total)  # the last view's stays whole
            new = dict(zip(keys, index.failed_category, strict=True))  # an id listed twice: once
            for key, category in new.items():
                if key not in index.failed_seen:
                    total[str(category)] = total.get(str(category), 0) + 1
        index.failed_seen = frozenset(keys)

    def _take_running(self, index: _Index, view: IndexView, c: Columns, listed: int) -> None:
        running_codes = [c.names.index(s) for s in (_PENDING, _IN_PROGRESS) if s in c.names]
        rows = np.flatnonzero(np.isin(c.codes, running_codes))
        runs = index.running.update(
            listed,
            distinct_labels(c.texts(rows), redact=self.connection.api_key.redact),
            [c.names[code] for code in c.codes[rows]],
            c.floats(c.percent, rows),
            c.floats(c.records, rows),
            c.floats(c.invalid, rows),
        )
        view.running = with_pending_times(runs, c.created[rows], listed)

    def _take_finished(self, view: IndexView, c: Columns, listed: int) -> None:
        rows = np.flatnonzero(c.finished >= listed - RECENT_SECONDS * US)
        rows = rows[np.argsort(-c.finished[rows], kind="stable")][:MAX_FINISHED]
        records, invalid = c.floats(c.records, rows), c.floats(c.invalid, rows)
        ids = distinct_labels(c.texts(rows), redact=self.connection.api_key.redact)
        view.finished = [
            (i, float(r), float(v)) for i, r, v in zip(ids, records, invalid, strict=True)
        ]

    # -- output ----------------------------------------------------------------------------

    def text(self) -> str:
        """Return the metrics of the latest listing in Prometheus' text format.

        Examples
        --------
        >>> from pinecone_imports_frame import Connection
        >>> exporter = ImportsExporter(connection=Connection.resolve("127.0.0.1:1", api_key="k"))
        >>> exporter.text()  # nothing listed yet
        ''
        """
        from prometheus_client import generate_latest

        return generate_latest(self.registry).decode("utf-8")

    def write_textfile(self, path: str | os.PathLike[str]) -> None:
        """Write the metrics to ``path`` atomically (a temporary file, then a rename).

        For node_exporter's textfile collector, which reads ``*.prom`` files: a reader
        never sees half a file. A folder that does not exist is a
        :class:`~pinecone_imports_frame.errors.ConfigurationError` naming ``path``; any
        other ``OSError`` names ``path`` too, never the temporary file's name.

        Examples
        --------
        >>> import tempfile
        >>> from pathlib import Path
        >>> from pinecone_imports_frame import Connection
        >>> from pinecone_imports_frame.emulator import Emulator
        >>> path = Path(tempfile.mkdtemp()) / "pinecone_imports.prom"
        >>> with Emulator(imports=10) as emu:
        ...     conn = Connection.resolve(emu.url, api_key=emu.api_key)
        ...     exporter = ImportsExporter(connection=conn)
        ...     _ = exporter.refresh()
        >>> exporter.write_textfile(path)
        >>> path.read_text() == exporter.text()
        True
        """
        from prometheus_client import write_to_textfile

        missing = missing_folder(path)
        if missing is not None:
            raise missing
        try:
            write_to_textfile(os.fspath(path), self.registry)
        except OSError as exc:  # it named its temporary file ("m.prom.16151.1397...")
            missing = missing_folder(path)
            raise missing or OSError(exc.errno, exc.strerror, os.fspath(path)) from exc

    def serve(self, *, bind: str = "127.0.0.1", port: int = DEFAULT_PORT) -> MetricsServer:
        """Serve the metrics over HTTP from a daemon thread; return the server.

        Parameters
        ----------
        bind : str
            The address to listen on: loopback unless told (``"0.0.0.0"`` for every
            interface).
        port : int
            The port; 0 picks a free one.

        Examples
        --------
        >>> import urllib.request
        >>> from pinecone_imports_frame import Connection
        >>> from pinecone_imports_frame.emulator import Emulator
        >>> with Emulator(imports=10) as emu:
        ...     conn = Connection.resolve(emu.url, api_key=emu.api_key)
        ...     exporter = ImportsExporter(connection=conn)
        ...     _ = exporter.refresh()
        >>> server = exporter.serve(port=0)
        >>> with urllib.request.urlopen(server.url) as answer:
        ...     body = answer.read().decode()
        >>> server.close()
        >>> "pinecone_imports_listing_success" in body
        True
        """
        from prometheus_client import start_wsgi_server

        httpd, thread = start_wsgi_server(port, addr=bind, registry=self.registry)
        return MetricsServer(httpd, thread)

    def run(
        self,
        *,
        interval: Interval = "60s",
        stop: threading.Event | None = None,
        max_listings: int | None = None,
    ) -> int:
        """Refresh every ``interval`` until ``stop`` is set (or ``max_listings``); return listings.

        Ticks follow ``polling.poll``: a listing that runs long skips the ticks it
        missed, never bursts to catch up.

        Examples
        --------
        >>> from pinecone_imports_frame import Connection
        >>> from pinecone_imports_frame.emulator import Emulator
        >>> with Emulator(imports=10) as emu:
        ...     conn = Connection.resolve(emu.url, api_key=emu.api_key)
        ...     ImportsExporter(connection=conn).run(interval="10s", max_listings=1)
        1
        """
        every = parse_interval(interval, what="interval")
        stop = stop if stop is not None else threading.Event()
        sleep: Callable[[float], Any] = _sleep if _sleep is not None else stop.wait
        listings = 0

        if self.all_indexes:
            return self._run_project(every, stop, sleep, max_listings)

        def tick() -> bool:
            return False if stop.is_set() else self.refresh()

        for _ in poll(tick, interval=every, max_polls=max_listings, clock=_clock, sleep=sleep):
            if stop.is_set():
                break
            listings += 1
        return listings

    def _run_project(
        self,
        every: pd.Timedelta,
        stop: threading.Event,
        sleep: Callable[[float], Any],
        max_listings: int | None,
    ) -> int:
        """Each tick, list the control plane and each known index not still being listed.

        In a bounded pool, each index shown as its listing ends; one still being listed at a
        tick is skipped (one listing per index at most). The control plane has its own
        thread; the indexes it adds are listed as soon as it answers.
        """
        pool = ThreadPoolExecutor(self.max_workers, thread_name_prefix="pinecone-imports-metrics")
        control = ThreadPoolExecutor(1, thread_name_prefix="pinecone-imports-control-plane")
        flying: dict[str, Future[Any]] = {}
        guard = threading.Lock()

        def list_due() -> None:
            with guard:
                for name, host in self._targets():
                    if name not in flying or flying[name].done():
                        flying[name] = pool.submit(self._list_one, name, host)
                        flying[name].add_done_callback(_said)

        def ask_control_plane() -> None:
            self._list_control_plane()
            if not stop.is_set():
                list_due()  # the indexes it added, at once

        def tick() -> bool:
            if stop.is_set():
                return False
            with guard:
                if "" not in flying or flying[""].done():  # "": never an index's name
                    flying[""] = control.submit(ask_control_plane)
                    flying[""].add_done_callback(_said)
            list_due()
            return True

        listings = 0
        try:
            for _ in poll(tick, interval=every, max_polls=max_listings, clock=_clock, sleep=sleep):
                if stop.is_set():
                    break
                listings += 1
        finally:
            control.shutdown(wait=True, cancel_futures=stop.is_set())
            pool.shutdown(wait=True, cancel_futures=stop.is_set())
        return listings
