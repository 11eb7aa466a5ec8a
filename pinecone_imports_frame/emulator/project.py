"""An emulated Pinecone project: several indexes, each on its own port, and a control plane.

Pinecone gives each index its own host; :class:`Project` serves each index's data plane on
its own port and the control plane (``GET /indexes``, ``GET /indexes/{name}``) on another,
all sharing one simulated clock, one API key, one request log and one count of requests
in flight.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from .app import EndpointApp, Runtime
from .clock import SimulatedClock
from .control_plane import ControlPlane
from .endpoint import ServedEndpoint
from .request import RecordedRequest
from .routes import Router
from .server import IndexServer, ProjectControls
from .state import IndexConfig, ProjectState
from .tokens import PageTokens

logger = logging.getLogger(__name__)

__all__ = ["ControlServer", "Project"]


class ControlServer(ServedEndpoint):
    """The project's control plane on its own port (faults and latency apply to it alone).

    Examples
    --------
    >>> with Project(indexes=[IndexConfig("a", imports=0)]) as project:
    ...     project.control.url.startswith("http://127.0.0.1:")
    True
    """

    @property
    def requests(self) -> list[RecordedRequest]:
        """Requests the control plane received so far, oldest first."""
        return [r for r in self._runtime.requests() if r.index_name is None]


class Project(ProjectControls):
    """Several emulated indexes, each on its own port, and their control plane on another.

    Parameters
    ----------
    indexes : sequence of IndexConfig or str
        The indexes, in the order ``GET /indexes`` lists them; a name alone means an index
        with the defaults of :class:`~.state.IndexConfig` (250 imports, seed 0). Per index:
        ``imports``, ``seed``, ``records``, ``latency``, ``ready``, ``deployment``
        (``managed``, ``pod``, ``byoc``...), ``imports_supported``, ``private_host`` (a
        second port, given as its private endpoint) and ``documents`` (JSON Lines).
    api_key : str
        The only key every endpoint accepts.
    now : datetime or None
        Simulated starting time, shared by every index (None: the wall clock, truncated).
    speed : float
        Simulated seconds per real second (0: stepped by :meth:`advance` only).
    timer : callable returning float
        Real-time source of a running clock (tests pass their own).
    bind : str
        Interface every endpoint listens on.
    control_port : int
        Port of the control plane; 0 picks a free one (indexes always get free ports).

    Examples
    --------
    >>> import requests
    >>> with Project(indexes=["prod-a", IndexConfig("prod-b", imports=3)]) as project:
    ...     listed = requests.get(project.control.url + "/indexes",
    ...                           headers={"Api-Key": project.api_key}).json()["indexes"]
    ...     [(m["name"], m["host"] == project["prod-b"].address) for m in listed]
    [('prod-a', False), ('prod-b', True)]
    """

    def __init__(
        self,
        *,
        indexes: Sequence[IndexConfig | str],
        api_key: str = "emulator-key",
        now: datetime | None = None,
        speed: float = 0.0,
        timer: Callable[[], float] = time.monotonic,
        bind: str = "127.0.0.1",
        control_port: int = 0,
    ) -> None:
        if isinstance(indexes, (str, bytes)) or not indexes:
            raise ValueError("indexes must be a non-empty sequence of IndexConfig or names")
        configs = [c if isinstance(c, IndexConfig) else IndexConfig(c) for c in indexes]
        self._api_key = api_key  # read-only: ProjectControls.api_key
        self._state = ProjectState(configs, SimulatedClock(now, speed=speed, timer=timer))
        self._runtime = Runtime(api_key=api_key)
        tokens = PageTokens()
        self._indexes = {
            c.name: IndexServer(
                c, state=self._state, runtime=self._runtime, bind=bind, port=0, tokens=tokens
            )
            for c in configs
        }
        control = ControlPlane(state=self._state, runtime=self._runtime)
        endpoint = EndpointApp(
            Router(control.routes(), default_plane="control"),
            runtime=self._runtime,
            clock=self._state.clock,
        )
        self.control = ControlServer(endpoint, bind=bind, port=control_port)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> Project:
        """Bind every index and the control plane, and serve; return self.

        Examples
        --------
        >>> project = Project(indexes=["a", "b"]).start()
        >>> len({project["a"].port, project["b"].port, project.control.port})
        3
        >>> project.stop()
        """
        try:
            for index in self._indexes.values():
                index._serve()
            self.control._serve()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every endpoint and release their ports.

        Examples
        --------
        >>> project = Project(indexes=["a"]).start()
        >>> project.stop()
        >>> project.running
        False
        """
        self.control._unserve()
        for index in self._indexes.values():
            index._unserve()

    @property
    def running(self) -> bool:
        """Whether the control plane is serving."""
        return self.control.running

    def __repr__(self) -> str:
        return f"Project(indexes={list(self._indexes)!r})"

    def banner(self) -> list[str]:
        """Return what ``serve`` prints: the control plane's URL first, the key, each index.

        Examples
        --------
        >>> with Project(indexes=[IndexConfig("prod", imports=3, private_host=True),
        ...                       IndexConfig("old", pod=True)]) as project:
        ...     lines, url = project.banner(), project.control.url
        >>> lines[0] == url, lines[1]
        (True, 'api key: emulator-key')
        >>> lines[3].split()[:5]
        ['prod', 'managed', 'ready', '3', 'imports']
        """
        rows = []
        for config in self._state.configs:
            index = self._indexes[config.name]
            notes = [] if config.ready else ["not ready"]
            if config.documents:
                notes.append("document index (JSON Lines)")
            if not config.imports_supported:
                notes.append("refuses bulk import")
            if index.private is not None:
                notes.append(f"private host {index.private.address}")
            rows.append(
                (
                    config.name,
                    config.deployment,
                    "ready" if config.ready else "initializing",
                    f"{config.imports} imports",
                    index.address,
                    ", ".join(notes),
                )
            )
        widths = [max(len(row[n]) for row in rows) for n in range(5)]
        lines = [
            self.control.url,
            f"api key: {self.api_key}",
            f"{len(rows)} indexes (name, deployment, status, imports, host, notes):",
        ]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            lines.append("  " + "  ".join([*cells, row[5]]).rstrip())
        lines.append(
            f"try: PINECONE_API_KEY={self.api_key} pinecone-imports list --all-indexes "
            f"--controller-host {self.control.url}"
        )
        return lines

    # -- indexes ------------------------------------------------------------------------

    def __getitem__(self, name: str) -> IndexServer:
        return self.index(name)

    def __iter__(self) -> Iterator[IndexServer]:
        return iter(self._indexes.values())

    def __len__(self) -> int:
        return len(self._indexes)

    def index(self, name: str) -> IndexServer:
        """Return the served index called ``name`` (``project[name]`` does the same).

        Examples
        --------
        >>> project = Project(indexes=["a", "b"])
        >>> project.index("b") is project["b"], project.index("b").index_name
        (True, 'b')
        """
        try:
            return self._indexes[name]
        except KeyError:
            known = list(self._indexes)
            raise KeyError(f"no index {name!r} in this project; it has {known}") from None

    @property
    def index_names(self) -> list[str]:
        """The names of the indexes, in the order the control plane lists them."""
        return list(self._indexes)

    # -- the whole project --------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received (indexes and control plane), oldest first.

        ``RecordedRequest.index_name`` says which index's port received it (None for the
        control plane).
        """
        return self._runtime.requests()

    @property
    def in_flight(self) -> int:
        """Data-plane requests being answered right now, across every index."""
        return self._runtime.in_flight

    @property
    def max_in_flight(self) -> int:
        """The most data-plane requests answered at once since the last :meth:`reset`.

        Examples
        --------
        >>> import requests
        >>> with Project(indexes=["a", "b"]) as project:
        ...     for index in project:
        ...         _ = requests.get(index.url + "/bulk/imports",
        ...                          headers={"Api-Key": project.api_key})
        ...     project.max_in_flight
        1
        """
        return self._runtime.max_in_flight

    def reset(self) -> None:
        """Return to the initial state, as a fresh project would start.

        Data and clock, every index's faults and options, the control plane's faults, the
        request log, stored errors and the in-flight maximum.

        Examples
        --------
        >>> project = Project(indexes=["a"])
        >>> t0 = project.now()
        >>> project.advance(60)
        >>> project["a"].set_latency(0.5)
        >>> project.reset()
        >>> project.now() == t0
        True
        """
        self._state.reset()
        for index in self._indexes.values():
            index._reset_endpoint()
        self.control._reset_endpoint()
        self._runtime.reset()
