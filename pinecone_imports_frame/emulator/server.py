"""Lifecycle of the single-index emulator: :class:`Emulator` (a context manager), :func:`serve`."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from .app import PAGINATION_END_FORMS, EndpointApp, EndpointSettings, Runtime
from .clock import SimulatedClock
from .control_plane import ControlPlane
from .data_plane import DataPlane
from .endpoint import ServedEndpoint, format_address
from .plans import PlannedImport
from .request import RecordedRequest
from .routes import Route, Router
from .state import IndexConfig, ProjectState
from .tokens import PageTokens
from .versions import DEFAULT_VERSION, resolve_version, unsupported_version_message

if TYPE_CHECKING:
    from typing_extensions import Self

logger = logging.getLogger(__name__)

__all__ = [
    "Emulator",
    "IndexServer",
    "ProjectControls",
    "ServedEndpoint",
    "format_address",
    "serve",
]


class IndexServer(ServedEndpoint):
    """One index's data plane, served on its own port: its address, faults, options and log.

    Built by :class:`Emulator` and :class:`~.project.Project` (which serves one per index);
    what a test does to one index (``inject``, ``set_latency``, ``pagination_end``...) stays
    on that index.

    Examples
    --------
    >>> with Emulator(imports=2) as emu:  # an Emulator is the IndexServer of its one index
    ...     isinstance(emu, IndexServer), [r["id"] for r in emu.records()]
    (True, ['1', '2'])
    """

    def __init__(
        self,
        config: IndexConfig,
        *,
        state: ProjectState,
        runtime: Runtime,
        bind: str,
        port: int,
        tokens: PageTokens,
        extra_routes: Sequence[Route] = (),
    ) -> None:
        self._index_name = config.name
        self._state = state
        settings = EndpointSettings(latency=config.latency)
        endpoint = EndpointApp(
            Router([], default_plane="data"),
            runtime=runtime,
            clock=state.clock,
            settings=settings,
            index_name=config.name,
        )
        self._data_plane = DataPlane(
            config.name, state=state, settings=settings, faults=endpoint.faults, tokens=tokens
        )
        endpoint.router = Router([*self._data_plane.routes(), *extra_routes], default_plane="data")
        super().__init__(endpoint, bind=bind, port=port)
        #: The private endpoint (``IndexConfig.private_host``): the same data plane, faults
        #: and options on a port of its own; None without one.
        self.private: ServedEndpoint | None = None
        if config.private_host:
            private = EndpointApp(
                endpoint.router,
                runtime=runtime,
                clock=state.clock,
                settings=settings,
                index_name=config.name,
            )
            private.faults = endpoint.faults
            self.private = ServedEndpoint(private, bind=bind, port=0)

    @property
    def index_name(self) -> str:
        """The name of the index served (fixed when the server is made).

        Examples
        --------
        >>> emu = Emulator(imports=0, index_name="docs")
        >>> emu.index_name
        'docs'
        >>> emu.index_name = "other"
        Traceback (most recent call last):
        ...
        AttributeError: index_name is fixed when the emulator is made: Emulator(index_name=...)
        """
        return self._index_name

    @index_name.setter
    def index_name(self, value: str) -> None:
        raise AttributeError(
            "index_name is fixed when the emulator is made: Emulator(index_name=...)"
        )

    def _serve(self) -> None:
        super()._serve()
        self._runtime.addresses[self.index_name] = self.address
        if self.private is not None:
            self.private._serve()
            self._runtime.private_addresses[self.index_name] = self.private.address

    def _unserve(self) -> None:
        self._runtime.addresses.pop(self.index_name, None)
        self._runtime.private_addresses.pop(self.index_name, None)
        if self.private is not None:
            self.private._unserve()
        super()._unserve()

    def _reset_endpoint(self) -> None:
        super()._reset_endpoint()
        self._data_plane.reset()

    # -- data ---------------------------------------------------------------------------

    def records(self, *, api_version: str = DEFAULT_VERSION.name) -> list[dict[str, Any]]:
        """Return every import exactly as the API would serve it now, in listing order.

        Parameters
        ----------
        api_version : str
            The version to serialise for (one of ``SUPPORTED_VERSIONS``); the default is
            what a request without the version header gets.

        Examples
        --------
        >>> emu = Emulator(imports=4, seed=2)
        >>> [r["id"] for r in emu.records()]
        ['1', '2', '3', '4']
        """
        version = resolve_version(api_version)
        if version is None:
            raise ValueError(unsupported_version_message(api_version))
        index = self._state.index(self.index_name)
        return index.records(
            self._state.clock.now_us,
            int64_as_string=self._endpoint.settings.int64_as_string,
            api_version=version,
        )

    def plan(self, import_id: str) -> PlannedImport:
        """Return the truth about an import: its rates and the times of its phases.

        For tests that check what a client estimates (an ETA, a rate) against what the
        emulator knows.

        Raises
        ------
        KeyError
            No synthetic or started import with this id is visible now (verbatim records
            have no plan).

        Examples
        --------
        >>> emu = Emulator(imports=20, seed=1)
        >>> truth = emu.plan("7")
        >>> truth.outcome in ("Completed", "Failed", "Cancelled"), truth.records_per_second > 0
        (True, True)
        >>> (truth.indexing_ends_at - truth.loading_ends_at).total_seconds() >= 600
        True
        """
        truth = self._state.index(self.index_name).truth(import_id, self._state.clock.now_us)
        if truth is None:
            raise KeyError(f"no planned import {import_id!r} is visible in {self.index_name}")
        return truth

    @property
    def pagination_end(self) -> str:
        """How the last page marks the end: "absent" (default), "empty", "null", "empty_string".

        Examples
        --------
        >>> import requests
        >>> with Emulator(imports=1) as emu:
        ...     emu.pagination_end = "null"
        ...     page = requests.get(emu.url + "/bulk/imports",
        ...                         headers={"Api-Key": emu.api_key}).json()
        >>> page["pagination"], len(page["data"])
        (None, 1)
        """
        return self._endpoint.settings.pagination_end

    @pagination_end.setter
    def pagination_end(self, value: str) -> None:
        if value not in PAGINATION_END_FORMS:
            raise ValueError(f"pagination_end must be one of {PAGINATION_END_FORMS}")
        self._endpoint.settings.pagination_end = value

    @property
    def int64_as_string(self) -> bool:
        """Serialise ``recordsImported`` as a JSON string (as int64 in proto3 JSON may be).

        Examples
        --------
        >>> emu = Emulator(imports=1)
        >>> emu.int64_as_string = True
        >>> type(emu.records()[0]["recordsImported"]).__name__
        'str'
        """
        return self._endpoint.settings.int64_as_string

    @int64_as_string.setter
    def int64_as_string(self, value: bool) -> None:
        self._endpoint.settings.int64_as_string = bool(value)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests this index received so far, oldest first (the key shows as ``"***"``).

        Examples
        --------
        >>> import requests
        >>> with Emulator(imports=0, api_key="secret") as emu:
        ...     _ = requests.get(emu.url + "/bulk/imports", headers={"Api-Key": "secret"})
        ...     [(r.path, r.status, r.headers["Api-Key"]) for r in emu.requests]
        [('/bulk/imports', 200, '***')]
        """
        return [r for r in self._runtime.requests() if r.index_name == self.index_name]


class ProjectControls:
    """What a whole emulated project offers: its clock, its threads' errors, a with block.

    Subclasses define ``start()`` (returning self), ``stop()`` and ``banner()``.

    Examples
    --------
    >>> emu = Emulator(imports=0, now=datetime(2025, 5, 1))
    >>> emu.advance(90)
    >>> emu.now().isoformat()
    '2025-05-01T00:01:30+00:00'
    """

    _state: ProjectState
    _runtime: Runtime
    _api_key: str

    @property
    def api_key(self) -> str:
        """The one key the servers accept (fixed when they are made).

        Read-only: an assignment changed nothing on the server and outlived ``reset()``,
        so the next test of a session sent it and was refused. To test a refused key,
        send another one in the request.

        Examples
        --------
        >>> emu = Emulator(imports=0, api_key="k-123")
        >>> emu.api_key
        'k-123'
        >>> emu.api_key = "wrong"  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        AttributeError: api_key is fixed when the emulator is made (...); to test a refused key, ...
        """
        return self._api_key

    @api_key.setter
    def api_key(self, value: str) -> None:
        raise AttributeError(
            "api_key is fixed when the emulator is made (Emulator(api_key=...), "
            "Project(api_key=...)); to test a refused key, send another one in the request"
        )

    def start(self) -> Self:
        """Start serving; return self."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop serving and release the ports."""
        raise NotImplementedError

    def banner(self) -> list[str]:
        """Return what :func:`serve` prints once serving: the URL to use first."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop serving (the same as :meth:`stop`)."""
        self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def now(self) -> datetime:
        """Return the simulated current time (tz-aware UTC).

        Examples
        --------
        >>> from datetime import timezone
        >>> Emulator(imports=0, now=datetime(2025, 5, 1)).now() == datetime(
        ...     2025, 5, 1, tzinfo=timezone.utc)
        True
        """
        return self._state.clock.now()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second (0: the clock moves only by :meth:`advance`).

        Examples
        --------
        >>> real = [0.0]
        >>> emu = Emulator(imports=0, speed=600, timer=lambda: real[0])
        >>> t0 = emu.now()
        >>> real[0] += 1.5  # a second and a half of real time
        >>> emu.speed, (emu.now() - t0).total_seconds()
        (600.0, 900.0)
        """
        return self._state.clock.speed

    def advance(self, seconds: float | str | timedelta) -> None:
        """Step the simulated clock forward; imports progress deterministically.

        By ``seconds``, or by a duration with its unit (``"30m"``, a ``timedelta``).

        Examples
        --------
        >>> emu = Emulator(imports=0)
        >>> t0 = emu.now()
        >>> emu.advance(60)
        >>> emu.advance("2m")
        >>> (emu.now() - t0).total_seconds()
        180.0
        """
        with self._state.lock:
            self._state.clock.advance(seconds)

    def check(self) -> None:
        """Re-raise, in the caller's thread, an exception raised inside a server thread.

        Examples
        --------
        >>> import requests
        >>> with Emulator(imports=0) as emu:
        ...     _ = emu.inject("raise", exception=KeyError("boom"))
        ...     r = requests.get(emu.url + "/bulk/imports", headers={"Api-Key": emu.api_key})
        ...     try:
        ...         emu.check()
        ...     except KeyError as exc:
        ...         print(r.status_code, exc)
        500 'boom'
        """
        self._runtime.check()


class Emulator(IndexServer, ProjectControls):
    """A local HTTP server that behaves like Pinecone's bulk-imports API.

    Serves the data plane (``/bulk/imports``: list, describe, start, cancel) of one index
    and the control plane's ``/indexes`` and ``/indexes/{name}`` on the same port, with
    deterministic synthetic imports, a simulated clock, fault injection and a request log.
    For several indexes, each on its own port, see :class:`~.project.Project`.

    Parameters
    ----------
    imports : int
        Synthetic imports visible at the starting time (more appear as the clock moves).
    seed : int
        Seed of the synthetic data.
    api_key : str
        The only key accepted in the ``Api-Key`` header (not empty).
    index_name : str
        Name of the index served.
    records : sequence of dict or None
        Serve exactly these records (API camelCase form), verbatim and in this order,
        unaffected by the clock, instead of synthetic ones.
    now : datetime or None
        Simulated starting time; None means the wall clock at construction, truncated
        to the second. Every answer's ``Date`` header follows the simulated clock.
    latency : float
        Seconds of delay added to every request.
    bind : str
        Interface (address) to listen on; loopback by default.
    port : int
        Port to bind; 0 picks a free one.
    speed : float
        Simulated seconds per real second: 0 (the default) keeps a stepped clock that only
        :meth:`advance` moves; ``speed=600`` runs ten simulated minutes per real second
        (and :meth:`advance` still steps it).
    timer : callable returning float
        The real-time source of a running clock, in seconds (``time.monotonic``); tests
        pass their own so that they never sleep.

    Examples
    --------
    >>> import requests
    >>> with Emulator(imports=3, seed=1) as emu:
    ...     r = requests.get(emu.url + "/bulk/imports", headers={"Api-Key": emu.api_key})
    ...     [item["id"] for item in r.json()["data"]] == [rec["id"] for rec in emu.records()]
    True
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
        speed: float = 0.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api_key = api_key
        config = IndexConfig(
            index_name,
            imports=imports,
            seed=seed,
            records=None if records is None else tuple(records),
            latency=latency,
        )
        state = ProjectState([config], SimulatedClock(now, speed=speed, timer=timer))
        runtime = Runtime(api_key=api_key)
        control = ControlPlane(state=state, runtime=runtime)
        super().__init__(
            config,
            state=state,
            runtime=runtime,
            bind=bind,
            port=port,
            tokens=PageTokens(),
            extra_routes=control.routes(),
        )

    def start(self) -> Emulator:
        """Bind and serve from a daemon thread; return self (no-op if already running).

        Examples
        --------
        >>> emu = Emulator(imports=0).start()
        >>> emu.running, emu.url.startswith("http://127.0.0.1:")
        (True, True)
        >>> emu.stop()
        """
        self._serve()
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
        self._unserve()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not started"
        return f"Emulator(index_name={self.index_name!r}, {where})"

    def banner(self) -> list[str]:
        """Return what :func:`serve` prints: the base URL first, the key, a command to try.

        Examples
        --------
        >>> with Emulator(imports=1, api_key="k") as emu:
        ...     lines, url = emu.banner(), emu.url
        >>> lines[0] == url, lines[1]
        (True, 'api key: k')
        """
        return [
            self.url,
            f"api key: {self.api_key}",
            f"try: pinecone-imports list --host {self.url} --api-key {self.api_key}",
        ]

    def reset(self) -> None:
        """Back to the initial state: data, clock, faults, options, request log, errors.

        Every setting a test can change is restored: ``set_latency``, ``pagination_end``,
        ``int64_as_string``, faults, the clock; ``api_key``, ``index_name`` and ``speed``
        cannot be changed.

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
        self._reset_endpoint()
        self._runtime.reset()


def serve(
    emulator: ProjectControls | None = None,
    *,
    stdout: TextIO | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run an emulator in the foreground until Ctrl-C, SIGTERM or ``stop`` is set.

    The base URL (a project's: its control plane's), then its key (and a project's
    indexes) and a command to try, are printed (and flushed) from the first line of
    ``stdout``, then how to stop it; the emulator is stopped (its ports released) when
    this returns.

    Parameters
    ----------
    emulator : Emulator, Project or None
        The emulator to serve, not yet started (set it up as you like: port, speed, your
        own records); None means ``Emulator()``.
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
    >>> emulator = Emulator(imports=0)
    >>> serve(emulator, stdout=out, stop=done)
    0
    >>> out.getvalue().startswith("http://127.0.0.1:"), emulator.running
    (True, False)
    """
    out = sys.stdout if stdout is None else stdout
    stop_event = stop if stop is not None else threading.Event()
    previous: Any = None
    in_main = threading.current_thread() is threading.main_thread()

    def _on_term(signum: int, frame: FrameType | None) -> None:
        stop_event.set()

    if emulator is None:
        emulator = Emulator()
    elif not isinstance(emulator, ProjectControls):
        raise TypeError(f"serve takes an Emulator or a Project, not {type(emulator).__name__}")
    with emulator:
        if in_main:  # before the URL goes out: whoever reads it may send SIGTERM at once
            previous = signal.signal(signal.SIGTERM, _on_term)
        print("\n".join(emulator.banner()), file=out, flush=True)
        if stop is None:  # a person may be reading: say how it ends
            print("serving until Ctrl-C (or SIGTERM)", file=out, flush=True)
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
