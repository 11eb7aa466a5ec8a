"""The request pipeline of one emulated endpoint (one port): from a parsed request to an answer.

Order of work for every request: log it (key as ``***``), count it in flight, sleep the
endpoint's latency and any ``delay`` fault, answer a ``status``/``drop`` fault, check the key
(before any body is read), route, then run the handler (a ``raise`` fault raises there). An
exception in a handler is kept for :meth:`Runtime.check` and answered 500. The socket
handler calls :meth:`EndpointApp.handle` and writes what it returns; nothing here calls back.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
import threading
import time
from collections import deque
from dataclasses import KW_ONLY, dataclass, field

from .clock import SimulatedClock, format_http_date
from .faults import FaultQueue
from .request import BodyError, RecordedRequest, Request
from .responses import DROP, Plane, Response, api_error, plain_text, reason_phrase
from .routes import Router
from .versions import GATEWAY_STATUSES, ApiVersion, resolve_version, unsupported_version_message

logger = logging.getLogger(__name__)

__all__ = ["PAGINATION_END_FORMS", "EndpointApp", "EndpointSettings", "Runtime"]

#: How the last page of a listing can mark the end (``Emulator.pagination_end``).
PAGINATION_END_FORMS = ("absent", "empty", "null", "empty_string")
#: The header a client names its API version in (any case).
VERSION_HEADER = "X-Pinecone-API-Version"
#: How many requests the log keeps (oldest dropped first).
_LOG_LIMIT = 100_000


class Runtime:
    """What every endpoint of one emulated project shares while it runs.

    The key, the request log, the exceptions handlers raised, the count of requests in
    flight (now and the most since the last reset), and the address each index is served at
    (and its private endpoint's, if it has one).

    Parameters
    ----------
    api_key : str
        The only key accepted in the ``Api-Key`` header (not empty).

    Examples
    --------
    >>> runtime = Runtime(api_key="k")
    >>> runtime.enter(); runtime.enter(); runtime.leave()
    >>> runtime.in_flight, runtime.max_in_flight
    (1, 2)
    """

    def __init__(self, *, api_key: str) -> None:
        if not isinstance(api_key, str) or not api_key:
            raise ValueError("api_key must be a non-empty string")
        if not api_key.isascii() or not api_key.isprintable() or api_key != api_key.strip():
            raise ValueError("api_key must be printable ASCII without surrounding whitespace")
        self._key = api_key.encode()
        self._lock = threading.Lock()
        self._log: deque[RecordedRequest] = deque(maxlen=_LOG_LIMIT)
        self._errors: list[BaseException] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.addresses: dict[str, str] = {}
        #: The private endpoint of each index that has one (``IndexConfig.private_host``).
        self.private_addresses: dict[str, str] = {}

    def key_matches(self, sent: str | None) -> bool:
        """Whether ``sent`` is the project's key (compared in constant time).

        Examples
        --------
        >>> Runtime(api_key="k").key_matches("k"), Runtime(api_key="k").key_matches(None)
        (True, False)
        """
        if sent is None:
            return False
        return hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), self._key)

    def record(self, entry: RecordedRequest) -> None:
        """Append a request to the log.

        Examples
        --------
        >>> runtime = Runtime(api_key="k")
        >>> runtime.record(RecordedRequest("GET", "/", {}, {}))
        >>> [r.path for r in runtime.requests()]
        ['/']
        """
        with self._lock:
            self._log.append(entry)

    def requests(self) -> list[RecordedRequest]:
        """Return the request log, oldest first (a snapshot list)."""
        with self._lock:
            return list(self._log)

    def fail(self, exc: BaseException) -> None:
        """Keep an exception raised in a server thread, for :meth:`check`.

        Examples
        --------
        >>> runtime = Runtime(api_key="k")
        >>> runtime.fail(KeyError("x"))
        >>> runtime.check()
        Traceback (most recent call last):
        ...
        KeyError: 'x'
        """
        with self._lock:
            self._errors.append(exc)

    def check(self) -> None:
        """Raise the first exception a server thread hit since the last check; forget them.

        Examples
        --------
        >>> runtime = Runtime(api_key="k")
        >>> runtime.fail(ValueError("first")); runtime.fail(ValueError("second"))
        >>> try:
        ...     runtime.check()
        ... except ValueError as exc:
        ...     print(exc)
        first
        >>> runtime.check()  # reported once
        """
        with self._lock:
            errors, self._errors = self._errors, []
        if errors:
            raise errors[0]

    def enter(self) -> None:
        """Count a request in flight."""
        with self._lock:
            self.in_flight += 1
            if self.in_flight > self.max_in_flight:
                self.max_in_flight = self.in_flight

    def leave(self) -> None:
        """Count a request answered."""
        with self._lock:
            self.in_flight -= 1

    def reset(self) -> None:
        """Forget the log, stored errors and the in-flight maximum (keep what is in flight).

        Examples
        --------
        >>> runtime = Runtime(api_key="k")
        >>> runtime.enter(); runtime.leave(); runtime.reset()
        >>> runtime.max_in_flight
        0
        """
        with self._lock:
            self._log.clear()
            self._errors.clear()
            self.max_in_flight = self.in_flight


@dataclass
class EndpointSettings:
    """The options of one endpoint that tests change and ``reset()`` restores.

    Attributes
    ----------
    latency : float
        Seconds slept before answering each request.
    pagination_end : str
        How the last page marks the end, one of :data:`PAGINATION_END_FORMS`.
    int64_as_string : bool
        Serialise ``recordsImported`` as a JSON string.

    Examples
    --------
    >>> settings = EndpointSettings(latency=0.02)
    >>> settings.pagination_end = "null"
    >>> settings.restore()
    >>> settings.pagination_end, settings.latency
    ('absent', 0.02)
    """

    latency: float = 0.0
    pagination_end: str = "absent"
    int64_as_string: bool = False

    def __post_init__(self) -> None:
        self._initial = dataclasses.asdict(self)

    def restore(self) -> None:
        """Return every option to its value at construction."""
        for name, value in self._initial.items():
            setattr(self, name, value)


@dataclass(eq=False, repr=False)
class EndpointApp:
    """The behaviour of one listening port: its routes, faults, options and shared runtime.

    Parameters
    ----------
    router : Router
        What the port serves.
    runtime : Runtime
        Shared with the other endpoints of the project.
    clock : SimulatedClock
        The project's clock (it dates every answer).
    settings : EndpointSettings
        Latency and listing options.
    index_name : str or None
        The index served here, for the request log and the count of requests in flight
        (None for a control-plane-only port, whose requests are not counted).
    port : int or None
        The port it is served on, for the request log (set once it is bound).

    Examples
    --------
    >>> from datetime import datetime
    >>> from .responses import json_response
    >>> from .routes import Route
    >>> ok = Route("GET", "/ping", "data", lambda request: json_response({"ok": True}))
    >>> endpoint = EndpointApp(Router([ok], default_plane="data"), runtime=Runtime(api_key="k"),
    ...                     clock=SimulatedClock(datetime(2025, 5, 1)))
    >>> from .request import Headers, Request
    >>> answer = endpoint.handle(Request("GET", "/ping", {}, Headers([("Api-Key", "k")])))
    >>> answer.status, answer.body, dict(answer.headers)["Date"]
    (200, b'{"ok":true}', 'Thu, 01 May 2025 00:00:00 GMT')
    """

    router: Router
    _: KW_ONLY
    runtime: Runtime
    clock: SimulatedClock
    settings: EndpointSettings = field(default_factory=EndpointSettings)
    index_name: str | None = None
    port: int | None = None
    #: This port's faults, waiting for the requests they apply to.
    faults: FaultQueue = field(default_factory=FaultQueue, init=False)
    #: The last second's ``Date`` header: (second, text).
    _date_cache: tuple[int, str] = field(default=(-1, ""), init=False)

    def reset(self) -> None:
        """Forget faults and restore the options (the runtime and data reset apart)."""
        self.faults.clear()
        self.settings.restore()

    def _dated(self, response: Response) -> Response:
        now_s = self.clock.now_us // 1_000_000
        cached = self._date_cache
        if cached[0] != now_s:
            cached = (now_s, format_http_date(now_s * 1_000_000))
            self._date_cache = cached
        return dataclasses.replace(response, headers=(("Date", cached[1]), *response.headers))

    @staticmethod
    def _error(
        plane: Plane,
        version: ApiVersion | None,
        status: int,
        message: str,
        *,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Response:
        """Answer an error of the authentication and rate-limiting layer, or of the API.

        From 2026-07 that layer answers the data plane's 400/401/403/429 in plain text.
        """
        if (
            plane == "data"
            and version is not None
            and version.plain_text_gateway_errors
            and status in GATEWAY_STATUSES
        ):
            text = "Unauthorized" if status == 401 else reason_phrase(status)
            return plain_text(status, text, headers=headers)
        return api_error(plane, status, message, headers=headers)

    def malformed(self, status: int, message: str) -> Response:
        """Answer a request the socket handler could not parse, in this port's error shape.

        Examples
        --------
        >>> from datetime import datetime
        >>> endpoint = EndpointApp(Router([], default_plane="data"), runtime=Runtime(api_key="k"),
        ...                     clock=SimulatedClock(datetime(2025, 5, 1)))
        >>> endpoint.malformed(400, "Bad request line").body
        b'{"code":3,"message":"Bad request line","details":[]}'
        """
        return self._dated(api_error(self.router.default_plane, status, message))

    def handle(self, request: Request) -> Response:
        """Answer one request (called from a server thread)."""
        headers = {k: ("***" if k.lower() == "api-key" else v) for k, v in request.headers.items()}
        entry = RecordedRequest(
            request.method,
            request.path,
            request.query,
            headers,
            index_name=self.index_name,
            port=self.port,
        )
        self.runtime.record(entry)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s", request.method, request.path)
        counted = self.index_name is not None  # data-plane requests are the ones in flight
        if counted:
            self.runtime.enter()
        try:
            response = self._answer(request)
        finally:
            if counted:
                self.runtime.leave()
        if response.drop:
            return response
        entry.status = response.status
        return self._dated(response)

    def _answer(self, request: Request) -> Response:
        path = request.path
        delay, fault = self.faults.take_up_front(path)
        pause = self.settings.latency + delay
        if pause > 0:
            time.sleep(pause)
        asked = request.headers.get(VERSION_HEADER)
        version = resolve_version(asked)
        if fault is not None:
            if fault.kind == "drop":
                return DROP
            status = fault.status or 500
            retry_after = fault.retry_after_header()
            extra = () if retry_after is None else (("Retry-After", retry_after),)
            message = f"Injected fault: {reason_phrase(status)}"
            plane = self.router.plane_of(path)
            return self._error(plane, version, status, message, headers=extra)
        if not self.runtime.key_matches(request.headers.get("Api-Key")):
            return self._error(self.router.plane_of(path), version, 401, "Invalid API Key")
        if version is None:
            message = unsupported_version_message(asked or "")
            return api_error(self.router.plane_of(path), 400, message)
        request.api_version = version
        match = self.router.match(request.method, path)
        if match.route is None:
            if match.allow:
                return api_error(
                    match.plane, 405, "Method Not Allowed", headers=(("Allow", match.allow),)
                )
            return api_error(match.plane, 404, f"Not Found: {request.method} {path}")
        try:
            injected = self.faults.take("raise", path)
            if injected is not None and injected.exception is not None:
                raise injected.exception
            return match.call(request)
        except BodyError as exc:
            return api_error(match.plane, exc.status, exc.message)
        except Exception as exc:
            logger.debug("handler error on %s %s", request.method, path, exc_info=True)
            self.runtime.fail(exc)
            return api_error(match.plane, 500, f"Internal error: {type(exc).__name__}")
