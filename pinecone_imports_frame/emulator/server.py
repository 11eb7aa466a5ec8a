"""Lifecycle of the emulator: :class:`Emulator` (a context manager) and :func:`serve`."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from http.server import ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any, TextIO

from .http import PAGINATION_END_FORMS, EmulatorApp, EmulatorHandler, Fault, RecordedRequest
from .state import EmulatorState

logger = logging.getLogger(__name__)

__all__ = ["Emulator", "serve"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: EmulatorApp, family: int) -> None:
        self.address_family = family
        self.app = app
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, EmulatorHandler)

    def track(self, conn: socket.socket, opened: bool) -> None:
        with self._conn_lock:
            if opened:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        with self._conn_lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):  # the client went away; not the emulator's fault
            logger.debug("connection error from %s: %r", client_address, exc)
            return
        logger.debug("error serving %s", client_address, exc_info=True)
        if exc is not None:
            with self.app._lock:
                self.app._errors.append(exc)


class Emulator:
    """A local HTTP server that behaves like Pinecone's bulk-imports API (2025-04).

    Serves the data plane (``/bulk/imports``: list, describe, start, cancel) of one index
    and the control plane's ``/indexes`` and ``/indexes/{name}`` on the same port, with
    deterministic synthetic imports, a simulated clock, fault injection and a request log.

    Parameters
    ----------
    imports : int
        Synthetic imports visible at the starting time (about a tenth as many more
        appear as the clock advances over the next three days).
    seed : int
        Seed of the synthetic data.
    api_key : str
        The only key accepted in the ``Api-Key`` header.
    index_name : str
        Name of the index served.
    records : sequence of dict or None
        Serve exactly these records (API camelCase form), verbatim and in this order,
        unaffected by the clock, instead of synthetic ones.
    now : datetime or None
        Simulated starting time; None means the wall clock at construction, truncated
        to the second. Only :meth:`advance` moves it afterwards.
    latency : float
        Seconds of delay added to every request.
    bind : str
        Interface (address) to listen on; loopback by default.
    port : int
        Port to bind; 0 picks a free one.

    Examples
    --------
    >>> import requests
    >>> with Emulator(imports=3, seed=1) as emu:
    ...     r = requests.get(emu.url + "/bulk/imports", headers={"Api-Key": emu.api_key})
    ...     len(r.json()["data"])
    3
    """

    def __init__(
        self,
        *,
        imports: int = 250,
        seed: int = 0,
        api_key: str = "emulator-key",
        index_name: str = "emulator-index",
        records: Sequence[Mapping[str, Any]] | None = None,
        now: datetime | None = None,
        latency: float = 0.0,
        bind: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key = api_key
        self.index_name = index_name
        self._bind_host = bind
        self._bind_port = port
        self._state = EmulatorState(
            imports=imports, seed=seed, index_name=index_name, records=records, now=now
        )
        self._app = EmulatorApp(self._state, api_key=api_key, latency=latency)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> Emulator:
        """Bind and serve from a daemon thread; return self (no-op if already running).

        Examples
        --------
        >>> emu = Emulator(imports=0).start()
        >>> emu.url.startswith("http://127.0.0.1:")
        True
        >>> emu.stop()
        """
        if self._server is not None:
            return self
        family = socket.AF_INET6 if ":" in self._bind_host else socket.AF_INET
        server = _Server((self._bind_host, self._bind_port), self._app, family)
        self._server = server
        self._app.address = self.address
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"pinecone-imports-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("emulator serving %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving, close every open connection and release the port.

        Examples
        --------
        >>> emu = Emulator(imports=0).start()
        >>> emu.stop()
        >>> emu.running
        False
        """
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    close = stop

    @property
    def running(self) -> bool:
        """Whether the server is bound and serving."""
        return self._server is not None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not started"
        return f"Emulator(index_name={self.index_name!r}, {where})"

    # -- addresses ----------------------------------------------------------------------

    def _require_server(self) -> _Server:
        if self._server is None:
            raise RuntimeError("the emulator is not running; use start() or a with block")
        return self._server

    @property
    def port(self) -> int:
        """The bound port.

        Examples
        --------
        >>> with Emulator(imports=0) as emu:
        ...     emu.port > 0
        True
        """
        return int(self._require_server().server_address[1])

    @property
    def address(self) -> str:
        """``"HOST:PORT"`` with no scheme, as Pinecone gives index hosts (``index_host``).

        Examples
        --------
        >>> with Emulator(imports=0) as emu:
        ...     emu.address == f"127.0.0.1:{emu.port}"
        True
        """
        host = self._bind_host
        if ":" in host:
            host = f"[{host}]"
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        """``"http://HOST:PORT"`` with no trailing slash.

        Examples
        --------
        >>> with Emulator(imports=0) as emu:
        ...     emu.url == "http://" + emu.address
        True
        """
        return f"http://{self.address}"

    # -- data and clock -----------------------------------------------------------------

    def records(self) -> list[dict[str, Any]]:
        """Every import exactly as the API would serve it now, in listing order.

        Examples
        --------
        >>> emu = Emulator(imports=4, seed=2)
        >>> [r["id"] for r in emu.records()]
        ['1', '2', '3', '4']
        """
        state = self._state
        with state.lock:
            return state.store().records(state.clock.now_us, self._app.int64_as_string)

    def now(self) -> datetime:
        """Return the simulated current time (tz-aware UTC).

        Examples
        --------
        >>> Emulator(imports=0).now().tzinfo is not None
        True
        """
        return self._state.clock.now()

    def advance(self, seconds: float) -> None:
        """Step the simulated clock forward; imports progress deterministically.

        Examples
        --------
        >>> emu = Emulator(imports=0)
        >>> t0 = emu.now()
        >>> emu.advance(60)
        >>> (emu.now() - t0).total_seconds()
        60.0
        """
        self._state.advance(seconds)

    def set_latency(self, seconds: float) -> None:
        """Add ``seconds`` of delay to every request (0 to remove it).

        Examples
        --------
        >>> Emulator(imports=0).set_latency(0.01)
        """
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        self._app.latency = float(seconds)

    # -- faults and options -------------------------------------------------------------

    def inject(
        self,
        kind: str,
        *,
        times: int = 1,
        status: int | None = None,
        retry_after: float | None = None,
        delay: float | None = None,
        path: str = "/bulk/imports",
        after: int = 0,
    ) -> Fault:
        """Make the next matching requests misbehave.

        Parameters
        ----------
        kind : {"status", "drop", "delay", "self_token", "empty_token"}
            ``"status"``: answer ``status`` with an rpcStatus body (and ``Retry-After``
            when ``retry_after`` is given). ``"drop"``: close the connection without a
            byte. ``"delay"``: sleep ``delay`` seconds, then answer normally.
            ``"self_token"``: the next list page carries ``pagination.next`` equal to the
            request's own token (a first page gets a page-2 token that, when requested,
            returns itself). ``"empty_token"``: the last page carries ``{"next": ""}``.
        times : int
            How many matching requests the fault applies to.
        status : int or None
            HTTP status of a ``"status"`` fault.
        retry_after : float or None
            ``Retry-After`` header, in seconds, of a ``"status"`` fault.
        delay : float or None
            Seconds slept by a ``"delay"`` fault.
        path : str
            Prefix the request path must start with.
        after : int
            Let this many matching requests through first. For ``"empty_token"`` only
            requests serving a last page match; for ``"self_token"`` only list requests.

        Returns
        -------
        Fault
            The queued fault (its ``times`` counts down as it applies).

        Examples
        --------
        >>> emu = Emulator(imports=0)
        >>> emu.inject("status", status=503, retry_after=2).kind
        'status'
        """
        return self._app.inject(
            kind,
            times=times,
            status=status,
            retry_after=retry_after,
            delay=delay,
            path=path,
            after=after,
        )

    @property
    def faults(self) -> list[Fault]:
        """Faults still pending."""
        return self._app.faults

    @property
    def pagination_end(self) -> str:
        """How the last page marks the end: "absent" (default), "empty", "null", "empty_string".

        Examples
        --------
        >>> emu = Emulator(imports=0)
        >>> emu.pagination_end = "null"
        >>> emu.pagination_end
        'null'
        """
        return self._app.pagination_end

    @pagination_end.setter
    def pagination_end(self, value: str) -> None:
        if value not in PAGINATION_END_FORMS:
            raise ValueError(f"pagination_end must be one of {PAGINATION_END_FORMS}")
        self._app.pagination_end = value

    @property
    def int64_as_string(self) -> bool:
        """Serialise ``recordsImported`` as a JSON string (as int64 in proto3 JSON may be).

        Examples
        --------
        >>> emu = Emulator(imports=0)
        >>> emu.int64_as_string = True
        """
        return self._app.int64_as_string

    @int64_as_string.setter
    def int64_as_string(self, value: bool) -> None:
        self._app.int64_as_string = bool(value)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests received so far, oldest first (the ``Api-Key`` value is ``"***"``).

        Examples
        --------
        >>> Emulator(imports=0).requests
        []
        """
        return self._app.requests

    def reset(self) -> None:
        """Back to the initial state: data, clock, faults, options, request log, errors.

        Examples
        --------
        >>> emu = Emulator(imports=2)
        >>> t0 = emu.now()
        >>> emu.advance(10)
        >>> emu.reset()
        >>> emu.now() == t0
        True
        """
        self._state.reset()
        self._app.reset()

    def check(self) -> None:
        """Re-raise, in the caller's thread, an exception raised inside the server thread.

        Examples
        --------
        >>> Emulator(imports=0).check()
        """
        self._app.check()


def serve(
    *,
    port: int = 0,
    imports: int = 250,
    seed: int = 0,
    api_key: str = "emulator-key",
    index_name: str = "emulator-index",
    stdout: TextIO | None = None,
    bind: str = "127.0.0.1",
    stop: threading.Event | None = None,
) -> int:
    """Run an emulator in the foreground until Ctrl-C, SIGTERM or ``stop`` is set.

    The base URL is printed (and flushed) as the first line of ``stdout``.

    Parameters
    ----------
    port, imports, seed, api_key, index_name, bind
        As for :class:`Emulator`.
    stdout : text stream or None
        Where to print the URL; None means ``sys.stdout`` at call time.
    stop : threading.Event or None
        Set it to stop from another thread (for embedding).

    Returns
    -------
    int
        Exit status, 0 after a clean shutdown.

    Examples
    --------
    >>> import io, threading
    >>> done = threading.Event(); done.set()
    >>> out = io.StringIO()
    >>> serve(imports=0, stdout=out, stop=done)
    0
    >>> out.getvalue().startswith("http://127.0.0.1:")
    True
    """
    out = sys.stdout if stdout is None else stdout
    stop_event = stop if stop is not None else threading.Event()
    previous: Any = None
    in_main = threading.current_thread() is threading.main_thread()

    def _on_term(signum: int, frame: FrameType | None) -> None:
        stop_event.set()

    emulator = Emulator(
        imports=imports, seed=seed, api_key=api_key, index_name=index_name, bind=bind, port=port
    )
    with emulator:
        print(emulator.url, file=out, flush=True)
        if in_main:
            previous = signal.signal(signal.SIGTERM, _on_term)
        try:
            while not stop_event.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            if in_main:
                signal.signal(signal.SIGTERM, previous)
    logger.debug("emulator stopped")
    return 0
