"""HTTP handling of the emulator: routing, JSON, auth, pagination tokens, fault injection.

:class:`EmulatorApp` answers one parsed request at a time and knows nothing about
sockets beyond the handler it is given; :class:`EmulatorHandler` is the stdlib
``BaseHTTPRequestHandler`` that feeds it. Every response is written with one
``wfile.write`` (status line, headers and body), with ``Content-Length`` always set, so
keep-alive clients never wait on Nagle or on a chunked stream.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import os
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .state import EmulatorState

if TYPE_CHECKING:
    from socketserver import BaseServer

logger = logging.getLogger(__name__)

__all__ = [
    "FAULT_KINDS",
    "PAGINATION_END_FORMS",
    "EmulatorApp",
    "EmulatorHandler",
    "Fault",
    "RecordedRequest",
]

#: Fault kinds :meth:`EmulatorApp.inject` accepts.
FAULT_KINDS = ("status", "drop", "delay", "self_token", "empty_token")
#: How the last page of a listing can mark the end (``EmulatorApp.pagination_end``).
PAGINATION_END_FORMS = ("absent", "empty", "null", "empty_string")

_LIST_PATH = "/bulk/imports"
_IMPORT_PREFIX = "/bulk/imports/"
_INDEXES_PATH = "/indexes"
_INDEX_PREFIX = "/indexes/"
#: How many requests the log keeps (oldest dropped first).
_LOG_LIMIT = 100_000
#: gRPC status code Pinecone puts in an rpcStatus body, by HTTP status.
_GRPC_CODES = {
    400: 3,  # INVALID_ARGUMENT
    401: 16,  # UNAUTHENTICATED
    403: 7,  # PERMISSION_DENIED
    404: 5,  # NOT_FOUND
    405: 12,  # UNIMPLEMENTED
    408: 4,  # DEADLINE_EXCEEDED
    409: 6,  # ALREADY_EXISTS
    412: 9,  # FAILED_PRECONDITION
    429: 8,  # RESOURCE_EXHAUSTED
    500: 13,  # INTERNAL
    501: 12,  # UNIMPLEMENTED
    502: 14,  # UNAVAILABLE
    503: 14,  # UNAVAILABLE
    504: 4,  # DEADLINE_EXCEEDED
}
#: Control-plane ErrorResponse code names, by HTTP status.
_CONTROL_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    408: "DEADLINE_EXCEEDED",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_TOKEN_STRUCT = struct.Struct(">Q")
_MAC_BYTES = 16


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


@dataclass
class RecordedRequest:
    """One request the emulator received, as kept in ``Emulator.requests``.

    Attributes
    ----------
    method : str
        HTTP method.
    path : str
        Path without the query string, percent-decoding left as sent.
    query : dict of str to str
        Query parameters (the last value wins when one is repeated).
    headers : dict of str to str
        Request headers as sent, except the ``Api-Key`` value, replaced by ``"***"``.
    status : int or None
        Status answered; None while in flight or when the connection was dropped.

    Examples
    --------
    >>> req = RecordedRequest("GET", "/bulk/imports", {}, {"User-Agent": "x"})
    >>> req.user_agent
    'x'
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int | None = None

    def header(self, name: str) -> str | None:
        """Return a header's value by case-insensitive name, or None.

        Examples
        --------
        >>> RecordedRequest("GET", "/", {}, {"Api-Key": "***"}).header("api-key")
        '***'
        """
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return None

    @property
    def api_version(self) -> str | None:
        """The ``X-Pinecone-API-Version`` header, if sent."""
        return self.header("X-Pinecone-API-Version")

    @property
    def user_agent(self) -> str | None:
        """The ``User-Agent`` header, if sent."""
        return self.header("User-Agent")


@dataclass
class Fault:
    """A fault waiting to be applied to matching requests (see :meth:`EmulatorApp.inject`).

    Attributes
    ----------
    kind : str
        One of :data:`FAULT_KINDS`.
    times : int
        Applications left.
    status : int or None
        Status answered by a ``"status"`` fault.
    retry_after : float or None
        ``Retry-After`` header value (seconds) of a ``"status"`` fault.
    delay : float or None
        Seconds slept by a ``"delay"`` fault.
    path : str
        Prefix the request path must start with.
    after : int
        Matching requests still to let through before applying.

    Examples
    --------
    >>> Fault("drop").times
    1
    """

    kind: str
    times: int = 1
    status: int | None = None
    retry_after: float | None = None
    delay: float | None = None
    path: str = _LIST_PATH
    after: int = 0

    def _matches(self, path: str) -> bool:
        return self.times > 0 and path.startswith(self.path)

    def _take(self) -> bool:
        """Count one matching request; True when the fault applies to it."""
        if self.after > 0:
            self.after -= 1
            return False
        self.times -= 1
        return True


class _Response:
    __slots__ = ("body", "drop", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes = b"",
        headers: list[tuple[str, str]] | None = None,
        *,
        drop: bool = False,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers or []
        self.drop = drop


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _rpc_error(
    status: int, message: str, headers: list[tuple[str, str]] | None = None
) -> _Response:
    body = _json({"code": _GRPC_CODES.get(status, 2), "message": message, "details": []})
    return _Response(status, body, headers)


def _control_error(status: int, message: str) -> _Response:
    code = _CONTROL_CODES.get(status, "UNKNOWN")
    return _Response(status, _json({"error": {"code": code, "message": message}, "status": status}))


class EmulatorApp:
    """The request-level behaviour of the emulator, shared by every handler thread.

    Parameters
    ----------
    state : EmulatorState
        Imports and clock.
    api_key : str
        The only key accepted in the ``Api-Key`` header.
    latency : float
        Seconds added to every request.

    Examples
    --------
    >>> app = EmulatorApp(EmulatorState(imports=0), api_key="k")
    >>> app.inject("status", status=503).kind
    'status'
    """

    def __init__(self, state: EmulatorState, *, api_key: str, latency: float = 0.0) -> None:
        self.state = state
        self.api_key = api_key
        self.address = ""
        self.initial_latency = latency
        self.latency = latency
        self.pagination_end = "absent"
        self.int64_as_string = False
        self._lock = threading.Lock()
        self._secret = os.urandom(16)
        self._faults: list[Fault] = []
        self._sticky_tokens: set[str] = set()
        self._log: deque[RecordedRequest] = deque(maxlen=_LOG_LIMIT)
        self._errors: list[BaseException] = []
        self._date_cache: tuple[int, str] = (0, "")
        self._api_key_bytes = api_key.encode()

    # -- public controls ----------------------------------------------------------------

    def inject(
        self,
        kind: str,
        *,
        times: int = 1,
        status: int | None = None,
        retry_after: float | None = None,
        delay: float | None = None,
        path: str = _LIST_PATH,
        after: int = 0,
    ) -> Fault:
        """Queue a fault; see ``Emulator.inject`` for the kinds.

        Examples
        --------
        >>> app = EmulatorApp(EmulatorState(imports=0), api_key="k")
        >>> app.inject("delay", delay=0.1, times=2).times
        2
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if times < 1 or after < 0:
            raise ValueError("times must be >= 1 and after >= 0")
        if kind == "status" and (status is None or not 100 <= status <= 599):
            raise ValueError("a 'status' fault needs status=<HTTP status code>")
        if kind == "delay" and (delay is None or delay < 0):
            raise ValueError("a 'delay' fault needs delay=<seconds >= 0>")
        fault = Fault(kind, times, status, retry_after, delay, path, after)
        with self._lock:
            self._faults.append(fault)
        return fault

    @property
    def faults(self) -> list[Fault]:
        """Faults still pending (a copy of the list)."""
        with self._lock:
            return [f for f in self._faults if f.times > 0]

    @property
    def requests(self) -> list[RecordedRequest]:
        """The request log, oldest first (a snapshot list)."""
        with self._lock:
            return list(self._log)

    def check(self) -> None:
        """Raise the first exception a handler hit since the last check, then forget them.

        Examples
        --------
        >>> EmulatorApp(EmulatorState(imports=0), api_key="k").check()
        """
        with self._lock:
            errors, self._errors = self._errors, []
        if errors:
            raise errors[0]

    def reset(self) -> None:
        """Forget faults, options, the request log and stored errors (not the data).

        Examples
        --------
        >>> app = EmulatorApp(EmulatorState(imports=0), api_key="k")
        >>> app.pagination_end = "null"
        >>> app.reset()
        >>> app.pagination_end
        'absent'
        """
        with self._lock:
            self._faults.clear()
            self._sticky_tokens.clear()
            self._log.clear()
            self._errors.clear()
            self.latency = self.initial_latency
            self.pagination_end = "absent"
            self.int64_as_string = False

    # -- tokens -------------------------------------------------------------------------

    def _mac(self, index_name: str, packed: bytes) -> bytes:
        # Keyed BLAKE2b is a MAC in its own right (and cheaper than HMAC-SHA256).
        msg = index_name.encode() + b"\0" + packed
        return hashlib.blake2b(msg, key=self._secret, digest_size=_MAC_BYTES).digest()

    def encode_token(self, offset: int, index_name: str | None = None) -> str:
        """Encode the opaque pagination token for ``offset`` in an index's listing.

        Examples
        --------
        >>> app = EmulatorApp(EmulatorState(imports=0), api_key="k")
        >>> app.decode_token(app.encode_token(100))
        100
        """
        name = self.state.index_name if index_name is None else index_name
        packed = _TOKEN_STRUCT.pack(offset)
        return base64.urlsafe_b64encode(packed + self._mac(name, packed)).decode()

    def decode_token(self, token: str, index_name: str | None = None) -> int | None:
        """Decode the offset a token of this emulator encodes, or None if it is not one.

        Examples
        --------
        >>> EmulatorApp(EmulatorState(imports=0), api_key="k").decode_token("bogus") is None
        True
        """
        name = self.state.index_name if index_name is None else index_name
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return None
        if len(raw) != _TOKEN_STRUCT.size + _MAC_BYTES:
            return None
        packed, mac = raw[: _TOKEN_STRUCT.size], raw[_TOKEN_STRUCT.size :]
        if not hmac.compare_digest(mac, self._mac(name, packed)):
            return None
        return int(_TOKEN_STRUCT.unpack(packed)[0])

    # -- request handling ---------------------------------------------------------------

    def _date(self) -> str:
        now = int(time.time())
        cached = self._date_cache
        if cached[0] != now:
            cached = (now, formatdate(now, usegmt=True))
            self._date_cache = cached
        return cached[1]

    def _faults_for(self, path: str) -> tuple[float, Fault | None]:
        """Delay to sleep and the terminal (status/drop) fault for this request."""
        delay = 0.0
        terminal: Fault | None = None
        with self._lock:
            if not self._faults:
                return 0.0, None
            for fault in self._faults:
                if fault.kind not in ("status", "drop", "delay") or not fault._matches(path):
                    continue
                if fault.kind == "delay":
                    if fault._take():
                        delay += fault.delay or 0.0
                elif terminal is None and fault._take():
                    terminal = fault
            self._faults = [f for f in self._faults if f.times > 0]
        return delay, terminal

    def _token_fault(self, kind: str, path: str) -> bool:
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind and fault._matches(path) and fault._take():
                    self._faults = [f for f in self._faults if f.times > 0]
                    return True
        return False

    def handle(self, handler: EmulatorHandler, method: str) -> None:
        """Answer the request ``handler`` has parsed; called from the server threads.

        Examples
        --------
        >>> EmulatorApp.handle.__name__
        'handle'
        """
        body = handler.read_body()
        target = handler.path
        if not target.startswith("/"):
            parts = urlsplit(target)
            path, qs = parts.path or "/", parts.query
        else:
            path, _, qs = target.partition("?")
        query = dict(parse_qsl(qs, keep_blank_values=True)) if qs else {}
        headers = {k: ("***" if k.lower() == "api-key" else v) for k, v in handler.headers.items()}
        record = RecordedRequest(method, path, query, headers)
        with self._lock:
            self._log.append(record)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s", method, path)

        if body is None:
            response = _rpc_error(411, "Content-Length required")
            handler.close_connection = True
        else:
            response = self._respond(handler, method, path, query, body)
        record.status = None if response.drop else response.status
        if response.drop:
            handler.drop_connection()
            return
        handler.write_response(response.status, response.body, response.headers, self._date())

    def _respond(
        self,
        handler: EmulatorHandler,
        method: str,
        path: str,
        query: dict[str, str],
        body: bytes,
    ) -> _Response:
        delay, fault = self._faults_for(path)
        pause = self.latency + delay
        if pause > 0:
            time.sleep(pause)
        if fault is not None:
            if fault.kind == "drop":
                return _Response(0, drop=True)
            status = fault.status or 500
            extra = []
            if fault.retry_after is not None:
                value = fault.retry_after
                text = str(int(value)) if float(value).is_integer() else str(value)
                extra.append(("Retry-After", text))
            return _rpc_error(status, f"Injected fault: {_reason(status)}", extra)

        key = handler.headers.get("Api-Key")
        if key is None or not hmac.compare_digest(key.encode(), self._api_key_bytes):
            if path.startswith(_INDEXES_PATH):
                return _control_error(401, "Invalid API Key")
            return _rpc_error(401, "Invalid API Key")

        try:
            return self._route(method, path, query, body)
        except Exception as exc:
            logger.debug("handler error on %s %s", method, path, exc_info=True)
            with self._lock:
                self._errors.append(exc)
            return _rpc_error(500, f"Internal error: {type(exc).__name__}")

    def _route(self, method: str, path: str, query: dict[str, str], body: bytes) -> _Response:
        if path == _LIST_PATH:
            if method == "GET":
                return self._list(path, query)
            if method == "POST":
                return self._start(body)
            return self._not_allowed("GET, POST")
        if path.startswith(_IMPORT_PREFIX):
            import_id = unquote(path[len(_IMPORT_PREFIX) :])
            if import_id and "/" not in import_id:
                if method == "GET":
                    return self._describe(import_id)
                if method == "DELETE":
                    return self._cancel(import_id)
                return self._not_allowed("GET, DELETE")
        if path == _INDEXES_PATH:
            if method == "GET":
                return _Response(
                    200, _json({"indexes": [self.index_model(n) for n in self.state.indexes]})
                )
            return self._not_allowed("GET")
        if path.startswith(_INDEX_PREFIX):
            name = unquote(path[len(_INDEX_PREFIX) :])
            if name and "/" not in name:
                if method != "GET":
                    return self._not_allowed("GET")
                if name not in self.state.indexes:
                    return _control_error(404, f"Resource {name} not found")
                return _Response(200, _json(self.index_model(name)))
        return _rpc_error(404, f"Not Found: {method} {path}")

    @staticmethod
    def _not_allowed(allow: str) -> _Response:
        return _rpc_error(405, "Method Not Allowed", [("Allow", allow)])

    def index_model(self, name: str) -> dict[str, Any]:
        """Build the control plane's IndexModel for an index this emulator serves.

        Examples
        --------
        >>> app = EmulatorApp(EmulatorState(imports=0), api_key="k")
        >>> app.index_model("emulator-index")["status"]
        {'ready': True, 'state': 'Ready'}
        """
        store = self.state.indexes[name]
        return {
            "name": name,
            "dimension": store.dimension,
            "metric": store.metric,
            "host": self.address,
            "deletion_protection": "disabled",
            "tags": {},
            "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}},
            "status": {"ready": True, "state": "Ready"},
            "vector_type": "dense",
        }

    def _list(self, path: str, query: dict[str, str]) -> _Response:
        raw_limit = query.get("limit")
        limit = 100
        if raw_limit is not None:
            try:
                limit = int(raw_limit)
            except ValueError:
                limit = 0
            if not 1 <= limit <= 100:
                return _rpc_error(
                    400, f"Invalid value for limit: {raw_limit!r}; must be between 1 and 100"
                )
        token = query.get("paginationToken") or ""
        offset = 0
        if token:
            decoded = self.decode_token(token)
            if decoded is None:
                return _rpc_error(400, "Invalid pagination token")
            offset = decoded
        state = self.state
        items, total = state.store().page(state.clock.now_us, offset, limit, self.int64_as_string)
        is_last = offset + limit >= total
        next_token: str | None = None if is_last else self.encode_token(offset + limit)
        sticky = False
        if token and self._sticky_tokens:
            with self._lock:
                if token in self._sticky_tokens:
                    self._sticky_tokens.discard(token)
                    sticky = True
        if sticky:
            next_token = token
        elif self._faults and self._token_fault("self_token", path):
            if token:
                next_token = token
            else:
                next_token = self.encode_token(offset + limit)
                with self._lock:
                    self._sticky_tokens.add(next_token)
        if next_token is not None:
            tail = b',"pagination":{"next":"' + next_token.encode() + b'"}}'
        elif self._faults and self._token_fault("empty_token", path):
            tail = b',"pagination":{"next":""}}'
        else:
            tail = _END_TAILS[self.pagination_end]
        return _Response(200, b'{"data":[' + b",".join(items) + b"]" + tail)

    def _describe(self, import_id: str) -> _Response:
        state = self.state
        now = state.clock.now_us
        entry = state.store().get(import_id, now)
        if entry is None:
            return _rpc_error(404, f"Import {import_id} not found")
        return _Response(200, _json(entry.view(now, self.int64_as_string)))

    def _cancel(self, import_id: str) -> _Response:
        state = self.state
        if state.store().cancel(import_id, state.clock.now_us) is None:
            return _rpc_error(404, f"Import {import_id} not found")
        return _Response(200, b"{}")

    def _start(self, body: bytes) -> _Response:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            return _rpc_error(400, "Request body is not valid JSON")
        if not isinstance(payload, dict):
            return _rpc_error(400, "Request body must be a JSON object")
        uri = payload.get("uri")
        if not isinstance(uri, str) or not uri or len(uri) > 1500:
            return _rpc_error(400, "Missing or invalid required field: uri")
        integration = payload.get("integrationId")
        if integration is not None and not isinstance(integration, str):
            return _rpc_error(400, "Invalid field: integrationId must be a string")
        mode = payload.get("errorMode")
        on_error: str | None = None
        if mode is not None:
            on_error = mode.get("onError") if isinstance(mode, dict) else "?"
            if on_error is not None and on_error not in ("abort", "continue"):
                return _rpc_error(400, "Invalid errorMode.onError: must be 'abort' or 'continue'")
        state = self.state
        import_id = state.store().start(
            uri, state.clock.now_us, integration_id=integration, error_mode=on_error
        )
        return _Response(200, _json({"id": import_id}))


_END_TAILS = {
    "absent": b"}",
    "empty": b',"pagination":{}}',
    "null": b',"pagination":null}',
    "empty_string": b',"pagination":{"next":""}}',
}


class _Headers:
    """Request headers: case-insensitive ``get``, ``items`` in the order sent."""

    __slots__ = ("_items", "_lower")

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items
        self._lower: dict[str, str] = {}
        for name, value in items:
            self._lower.setdefault(name.lower(), value)

    def get(self, name: str, default: Any = None) -> Any:
        return self._lower.get(name.lower(), default)

    def __getitem__(self, name: str) -> str | None:
        return self._lower.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lower

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)


class EmulatorHandler(BaseHTTPRequestHandler):
    """The stdlib request handler: HTTP/1.1 keep-alive, no Nagle, silent logging.

    The owning server must carry an ``app`` attribute (an :class:`EmulatorApp`) and a
    ``track`` callable used to register open connections.

    Examples
    --------
    >>> EmulatorHandler.protocol_version
    'HTTP/1.1'
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "pinecone-imports-emulator"
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 120
    raw_requestline: bytes

    def __init__(self, request: Any, client_address: Any, server: BaseServer) -> None:
        self.app: EmulatorApp = server.app  # type: ignore[attr-defined]
        self._track: Callable[[socket.socket, bool], None] = server.track  # type: ignore[attr-defined]
        super().__init__(request, client_address, server)

    def parse_request(self) -> bool:
        """Parse the request line and headers (a lean stand-in for the stdlib's email parser).

        Returns False after sending an error response when the request is malformed.
        """
        self.command = None  # type: ignore[assignment]
        self.request_version = self.default_request_version
        self.close_connection = True
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.requestline = requestline
        words = requestline.split()
        if len(words) != 3 or not words[2].startswith("HTTP/1."):
            if len(words) == 3:
                self.request_version = "HTTP/1.1"
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request line")
            return False
        command, path, version = words
        self.command, self.path, self.request_version = command, path, version
        items: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline(65537)
            if len(line) > 65536 or len(items) > 100:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            name, sep, value = line.decode("iso-8859-1").partition(":")
            if not sep or not name.strip():
                self.send_error(HTTPStatus.BAD_REQUEST, "Bad header line")
                return False
            items.append((name.strip(), value.strip()))
        headers = _Headers(items)
        self.headers = headers  # type: ignore[assignment]
        connection = (headers.get("Connection") or "").lower()
        if version == "HTTP/1.0":
            self.close_connection = connection != "keep-alive"
        else:
            self.close_connection = connection == "close"
        if (headers.get("Expect") or "").lower() == "100-continue" and version != "HTTP/1.0":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def setup(self) -> None:
        """Register the connection so the server can close it on shutdown."""
        super().setup()
        self._track(self.connection, True)

    def finish(self) -> None:
        """Unregister the connection."""
        try:
            super().finish()
        finally:
            self._track(self.connection, False)

    def read_body(self) -> bytes | None:
        """Read the request body by Content-Length (b"" if none; None if chunked).

        Examples
        --------
        >>> EmulatorHandler.read_body.__name__
        'read_body'
        """
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return None
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return None
        return self.rfile.read(size) if size > 0 else b""

    def write_response(
        self, status: int, body: bytes, headers: list[tuple[str, str]], date: str
    ) -> None:
        """Write status line, headers and body in one ``wfile.write``.

        Examples
        --------
        >>> EmulatorHandler.write_response.__name__
        'write_response'
        """
        lines = [
            f"HTTP/1.1 {status} {_reason(status)}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            f"Date: {date}",
            f"Server: {self.server_version}",
        ]
        lines.extend(f"{k}: {v}" for k, v in headers)
        if self.close_connection:
            lines.append("Connection: close")
        elif self.request_version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + body)

    def drop_connection(self) -> None:
        """Close the connection without sending a byte.

        Examples
        --------
        >>> EmulatorHandler.drop_connection.__name__
        'drop_connection'
        """
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_GET(self) -> None:
        """Serve a GET."""
        self.app.handle(self, "GET")

    def do_POST(self) -> None:
        """Serve a POST."""
        self.app.handle(self, "POST")

    def do_DELETE(self) -> None:
        """Serve a DELETE."""
        self.app.handle(self, "DELETE")

    def do_PUT(self) -> None:
        """Serve a PUT (405 or 404)."""
        self.app.handle(self, "PUT")

    def do_PATCH(self) -> None:
        """Serve a PATCH (405 or 404)."""
        self.app.handle(self, "PATCH")

    def log_message(self, format: str, *args: Any) -> None:
        """Log at DEBUG instead of writing to stderr (no header values are logged)."""
        logger.debug("%s - " + format, self.address_string(), *args)
