"""One emulated endpoint on its own port: :class:`ServedEndpoint` (lifecycle, address, faults).

:class:`~pinecone_imports_frame.emulator.server.IndexServer` (an index's data plane) and
:class:`~pinecone_imports_frame.emulator.project.ControlServer` (a project's control
plane) are served endpoints.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..errors import ConfigurationError
from .app import EndpointApp
from .clock import check_seconds
from .faults import Fault
from .handler import EndpointServer

logger = logging.getLogger(__name__)


def format_address(bind: str, port: int) -> str:
    """Return ``"HOST:PORT"`` (IPv6 hosts in brackets), as Pinecone gives index hosts.

    Examples
    --------
    >>> format_address("127.0.0.1", 8080), format_address("::1", 8080)
    ('127.0.0.1:8080', '[::1]:8080')
    """
    return f"[{bind}]:{port}" if ":" in bind else f"{bind}:{port}"


class ServedEndpoint:
    """One endpoint on its own port: its lifecycle, address, faults and latency.

    Parameters
    ----------
    endpoint : EndpointApp
        What answers the port's requests.
    bind : str
        Interface to listen on.
    port : int
        Port to bind; 0 picks a free one.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=0) as emu:  # an Emulator is one, for its index
    ...     isinstance(emu, ServedEndpoint), emu.running
    (True, True)
    """

    def __init__(self, endpoint: EndpointApp, *, bind: str, port: int) -> None:
        self._endpoint = endpoint
        self._runtime = endpoint.runtime
        self._bind = bind
        self._port = _check_port(port)
        self._server: EndpointServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def _serve(self) -> None:
        if self._server is not None:
            return
        server = EndpointServer((self._bind, self._port), self._endpoint)
        self._server = server
        self._endpoint.port = self.port
        self._thread = server.serve_in_thread(f"pinecone-imports-emulator:{self.port}")
        logger.debug("serving %s", self.url)

    def _unserve(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._server = self._thread = None
        server.stop(thread)

    @property
    def running(self) -> bool:
        """Whether the server is bound and serving."""
        return self._server is not None

    def _reset_endpoint(self) -> None:
        self._endpoint.reset()

    # -- addresses ----------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (an example of the three addresses: :attr:`url`)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running; use start() or a with block")
        return int(self._server.server_address[1])

    @property
    def address(self) -> str:
        """``"HOST:PORT"`` with no scheme, as Pinecone gives index hosts (``index_host``).

        An example of the three addresses: :attr:`url`.
        """
        return format_address(self._bind, self.port)

    @property
    def url(self) -> str:
        """``"http://HOST:PORT"`` with no trailing slash.

        Examples
        --------
        >>> from pinecone_imports_frame.emulator import Emulator
        >>> with Emulator(imports=0) as emu:
        ...     port, address, url = emu.port, emu.address, emu.url
        >>> port > 0, address == f"127.0.0.1:{port}", url == f"http://{address}"
        (True, True, True)
        """
        return f"http://{self.address}"

    def set_latency(self, seconds: float) -> None:
        """Add ``seconds`` of delay to every request (0 to remove it).

        Examples
        --------
        >>> from pinecone_imports_frame.emulator import Emulator
        >>> emu = Emulator(imports=0)
        >>> emu.set_latency(0.01)
        >>> emu.set_latency(-1)
        Traceback (most recent call last):
        ...
        ValueError: latency must be a finite number of seconds >= 0, got -1
        """
        self._endpoint.settings.latency = check_seconds("latency", seconds)

    # -- faults and options -------------------------------------------------------------

    def inject(self, kind: str, **options: Any) -> Fault:
        """Make the next matching requests to this endpoint misbehave.

        ``kind`` and the options are those of
        :meth:`~pinecone_imports_frame.emulator.faults.FaultQueue.inject`: ``"status"``,
        ``"drop"``, ``"delay"``, ``"self_token"``, ``"empty_token"`` and ``"raise"``, with
        ``times``, ``status``, ``retry_after``, ``delay``, ``path``, ``after`` and
        ``exception``.

        Returns
        -------
        Fault
            The queued fault (its ``times`` counts down as it applies).

        Examples
        --------
        >>> import requests
        >>> from pinecone_imports_frame.emulator import Emulator
        >>> with Emulator(imports=0) as emu:
        ...     _ = emu.inject("status", status=503, retry_after=0.5)
        ...     r = requests.get(emu.url + "/bulk/imports", headers={"Api-Key": emu.api_key})
        >>> r.status_code, r.headers["Retry-After"]
        (503, '0.5')
        """
        return self._endpoint.faults.inject(kind, **options)

    @property
    def faults(self) -> list[Fault]:
        """Faults still pending."""
        return self._endpoint.faults.pending()


def _check_port(port: int) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65_535:
        raise ConfigurationError(
            f"the emulator's port must be a whole number from 0 to 65535, not {port!r}: pass "
            "port=0 (the default) for any free port, or a free port such as 5080"
        )
    return port
