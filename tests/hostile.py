"""Small hostile servers for the tests: raw sockets on 127.0.0.1, one behaviour per request.

:class:`HostileServer` answers the n-th request it receives with the n-th behaviour it was
given (then with ``default``), each a function that writes whatever bytes it likes on the
socket, then keeps the connection, closes it, resets it or stalls. It binds port 0, serves
on daemon threads behind a context manager, and never hangs: a stalled behaviour waits at
most ``stall`` seconds, and leaving the ``with`` block closes every socket. An exception in
a server thread is re-raised in the test at exit.

:class:`ConnectProxy` is an HTTP ``CONNECT`` proxy that tunnels every connection to one
upstream address (whatever host the client names), and records what it was asked.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import select
import socket
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

#: What a behaviour does with the connection once it has written: keep it for the next
#: request, close it (FIN), reset it (RST), or stall until the server stops.
KEEP, CLOSE, RESET, STALL = "keep", "close", "reset", "stall"


@dataclass
class Request:
    """One request as the server read it."""

    method: str
    target: str
    # Lower-case names. Not in the repr: it holds the key the client sent, and a test that
    # formats tracebacks with locals must find only what the package leaked.
    headers: dict[str, str] = field(repr=False)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


Behaviour = Callable[[socket.socket, Request], str]


@dataclass
class HostileServer:
    """A server that misbehaves as told, one request at a time."""

    behaviours: list[Behaviour]
    default: Behaviour | None = None
    stall: float = 20.0
    tls: ssl.SSLContext | None = None
    requests: list[Request] = field(default_factory=list)
    connections: int = 0

    def __post_init__(self) -> None:
        self._queue = list(self.behaviours)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._errors: list[BaseException] = []
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        # A closed listener does not wake accept(): it polls (set before any thread runs).
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.address}"

    def __enter__(self) -> HostileServer:
        thread = threading.Thread(target=self._accept, daemon=True, name="hostile-accept")
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        _close(self._listener)
        with self._lock:
            for sock in self._sockets:
                _close(sock)
        for thread in self._threads:
            thread.join(timeout=5)
        if self._errors and exc[0] is None:
            raise self._errors[0]

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            with self._lock:
                self.connections += 1
                self._sockets.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _next(self) -> Behaviour | None:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
            return self.default

    def _opened(self, sock: socket.socket) -> tuple[socket.socket, BinaryIO]:
        """Set up an accepted connection (timeout, TLS if any); return it and its reader."""
        sock.settimeout(self.stall)
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True)
            with self._lock:
                self._sockets.append(sock)
        return sock, sock.makefile("rb")

    def _serve(self, sock: socket.socket) -> None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock, reader = self._opened(sock)
            while not self._stop.is_set():
                request = _read_request(reader)
                if request is None:
                    break
                with self._lock:
                    self.requests.append(request)
                behaviour = self._next()
                if behaviour is None:
                    sock.sendall(_head(599, [("Content-Length", "0")]))
                    break
                then = behaviour(sock, request)
                if then == KEEP:
                    continue
                if then == STALL:
                    self._stop.wait(self.stall)
                if then == RESET:
                    _reset(sock)
                break
        except (OSError, ValueError):
            pass  # the client went away, or the test ended: nothing to report
        except BaseException as exc:  # a bug in a behaviour: fail the test
            self._errors.append(exc)
        finally:
            _close(sock)


class ConnectProxy(HostileServer):
    """A CONNECT proxy tunnelling every connection to ``upstream`` (host, port).

    With ``tls``, the proxy itself speaks TLS (an ``https://`` proxy): the client's TLS to
    the index then runs inside the proxy's.
    """

    def __init__(self, upstream: tuple[str, int], *, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(behaviours=[], tls=tls)
        self.upstream = upstream

    def _serve(self, sock: socket.socket) -> None:
        try:
            sock, reader = self._opened(sock)
            request = _read_request(reader)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
            if request.method != "CONNECT":
                sock.sendall(_head(405, [("Content-Length", "0")]))
                return
            upstream = socket.create_connection(self.upstream, timeout=self.stall)
            with self._lock:
                self._sockets.append(upstream)
            sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if isinstance(sock, ssl.SSLSocket):
                _relay(sock, upstream, self.stall)
                return
            pump = threading.Thread(target=_pump, args=(upstream, sock), daemon=True)
            pump.start()
            self._threads.append(pump)
            # The client waits for the 200 before its TLS hello: nothing is left in reader.
            _pump(sock, upstream)
        except (OSError, ValueError):
            pass
        finally:
            _close(sock)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(sink)


def _relay(client: ssl.SSLSocket, upstream: socket.socket, stall: float) -> None:
    """Copy bytes both ways on one thread: a TLS socket is not read and written from two."""
    try:
        while True:
            ready: list[socket.socket] = [client] if client.pending() else []
            ready = ready or select.select([client, upstream], [], [], stall)[0]
            if not ready:
                return
            for source in ready:
                data = source.recv(65536)
                if not data:
                    return
                (upstream if source is client else client).sendall(data)
    except OSError:
        pass
    finally:
        _close(upstream)


def _read_request(reader: Any) -> Request | None:
    line = reader.readline(65537)
    if not line:
        return None
    parts = line.decode("latin-1").strip().split(" ")
    if len(parts) != 3:
        raise ValueError(f"not a request line: {line!r}")
    headers: dict[str, str] = {}
    while True:
        header = reader.readline(65537)
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return Request(parts[0], parts[1], headers)


def _close(sock: socket.socket) -> None:
    """Close ``sock``, waking any thread blocked reading it (close alone does not)."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN (SO_LINGER with a zero timeout)."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close(sock)


_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    401: "Unauthorized",
    429: "Too Many Requests",
    503: "Service Unavailable",
    599: "Unscripted",
}


def _head(status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Whatever')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# --- behaviours ---------------------------------------------------------------------------


def answer(
    status: int = 200,
    body: bytes | str | Any = b"",
    *,
    headers: Iterable[tuple[str, str]] = (),
    length: int | None = None,
    then: str = KEEP,
) -> Behaviour:
    """Answer ``status`` with ``body`` (bytes, text, or an object sent as JSON).

    ``length`` overrides the Content-Length (a short body then ``then``); headers given
    replace the defaults of the same name.
    """
    if isinstance(body, str):
        data = body.encode()
    elif isinstance(body, bytes):
        data = body
    else:
        data = json.dumps(body).encode()
    given = list(headers)
    names = {name.lower() for name, _ in given}
    defaults = [("Content-Type", "application/json")]
    if "transfer-encoding" not in names:
        defaults.append(("Content-Length", str(len(data) if length is None else length)))
    all_headers = [h for h in defaults if h[0].lower() not in names] + given

    def behave(sock: socket.socket, request: Request) -> str:
        sock.sendall(_head(status, all_headers) + data)
        return then

    return behave


def raw(data: bytes, *, then: str = CLOSE) -> Behaviour:
    """Write ``data`` as it is, then ``then``."""

    def behave(sock: socket.socket, request: Request) -> str:
        if data:
            sock.sendall(data)
        return then

    return behave


def trickle(data: bytes, *, every: float, head: bytes = b"", then: str = CLOSE) -> Behaviour:
    """Write ``head`` at once, then ``data`` a byte at a time, one every ``every`` seconds.

    A slow server (or a proxy on a starved link): every read gets a byte long before any
    read timeout, and the whole answer takes ``len(data) * every`` seconds. Stops as soon
    as the client has gone (a write fails) or the server stops.
    """

    def behave(sock: socket.socket, request: Request) -> str:
        if head:
            sock.sendall(head)
        for at in range(len(data)):
            time.sleep(every)
            sock.sendall(data[at : at + 1])
        return then

    return behave


def page(ids: Iterable[str], next_token: str | None = None, **kw: Any) -> Behaviour:
    """A valid page of imports with these ids."""
    return answer(200, page_body(ids, next_token), **kw)


def page_body(ids: Iterable[str], next_token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"data": [record(i) for i in ids]}
    if next_token is not None:
        body["pagination"] = {"next": next_token}
    return body


def record(import_id: str) -> dict[str, Any]:
    return {
        "id": import_id,
        "uri": f"s3://bucket/{import_id}",
        "status": "Completed",
        "createdAt": "2025-05-01T12:00:00Z",
        "finishedAt": "2025-05-01T12:10:00Z",
        "percentComplete": 100.0,
        "recordsImported": 10,
    }


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def gzip_bomb(inflated: int, *, chunk: int = 2**20) -> bytes:
    """A gzip stream of ``inflated`` zero bytes (about 1/1000 of that, compressed).

    One chunk of zeros is deflated with a full flush (which resets the compressor), so
    every chunk deflates to the same bytes: the stream is that block repeated, then the
    final block and gzip's trailer (CRC-32 and size), in milliseconds.
    """
    count = inflated // chunk
    zeros = bytes(chunk)
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (count * chunk) & 0xFFFFFFFF)
    return header + block * count + packer.flush(zlib.Z_FINISH) + trailer


def chunked(*pieces: bytes) -> bytes:
    """A body in chunked framing, properly terminated."""
    out = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces)
    return out + b"0\r\n\r\n"
