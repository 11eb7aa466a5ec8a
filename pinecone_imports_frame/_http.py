"""HTTP/1.1 for the client: GET on one keep-alive connection, framing read by hand.

The standard library's :mod:`http.client` opens the connection (TCP, TLS with the given
context, the ``CONNECT`` tunnel through a proxy); the request and the response are then
written and read here, on the socket. A page of imports costs about 20 µs of this
module's CPU instead of the 170 µs of ``http.client``'s response parsing (which builds an
``email.message`` per answer) or the 240 µs of urllib3's pool; for a listing of a
million imports that is 2 s of CPU.

What is read is strict, as a client on a hostile network must be: the status line and
headers are capped (64 KiB a line, 100 headers), a body is framed by ``Content-Length``,
chunked encoding, or the end of the connection, and anything else (a short body, a bad
chunk size, a status line that is not HTTP/1.x) raises :class:`ProtocolError`. Socket
failures propagate as the ``OSError`` they are (``TimeoutError``, ``ConnectionResetError``,
``socket.gaierror``, ``ssl.SSLError``); the caller translates and retries them. A
connection that failed in any way is closed, never reused.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import select
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

#: Longest status, header or chunk-size line accepted.
MAX_LINE = 64 * 2**10
#: Most header lines accepted in one answer.
MAX_HEADERS = 100

_NO_BODY = frozenset({204, 304})


class ProtocolError(Exception):
    """The server broke HTTP/1.1 framing (a short body, a bad chunk, a bad status line)."""


class EmptyAnswer(ProtocolError):
    """The connection closed before the first byte of an answer (a stale keep-alive)."""


@dataclass(frozen=True)
class Route:
    """Where a connection goes: the host itself, or a proxy (tunnelled or forwarding).

    Attributes
    ----------
    host, port : str, int
        The index (or control plane).
    tls : bool
        Whether the index is spoken to over TLS.
    proxy_host, proxy_port : str or None, int
        The proxy, if any (plain http; https targets are tunnelled through it).
    proxy_headers : tuple of (name, value)
        Sent to the proxy (``Proxy-Authorization``), never to the index.
    """

    host: str
    port: int
    tls: bool
    proxy_host: str | None = None
    proxy_port: int = 0
    proxy_headers: tuple[tuple[str, str], ...] = ()

    @property
    def forwarding(self) -> bool:
        """Plain http through a proxy: the request line carries the absolute URL."""
        return self.proxy_host is not None and not self.tls


class Response:
    """The status and headers of one answer; the body is read with :meth:`iter_body`.

    Attributes
    ----------
    status : int
    reason : str
    headers : dict
        Lower-case names; repeated headers joined with ``", "``.
    """

    __slots__ = ("_conn", "_length", "_mode", "headers", "reason", "status", "will_close")

    def __init__(
        self, conn: Connection, status: int, reason: str, headers: dict[str, str], close: bool
    ) -> None:
        self._conn = conn
        self.status = status
        self.reason = reason
        self.headers = headers
        self.will_close = close
        self._length: int | None = None
        if status in _NO_BODY or 100 <= status < 200:
            self._mode = "none"
            return
        coding = headers.get("transfer-encoding")
        if coding is not None:
            # RFC 9112 6.3: chunked must be the last coding; if not, the body runs to the
            # end of the connection. A Content-Length beside it is ignored (and suspect).
            last = coding.rsplit(",", 1)[-1].strip().lower()
            self._mode = "chunked" if last == "chunked" else "close"
            if self._mode == "close":
                self.will_close = True
            return
        length = headers.get("content-length")
        if length is None:
            self._mode = "close"
            self.will_close = True
            return
        values = {v.strip() for v in length.split(",")}
        if len(values) != 1 or not next(iter(values)).isdigit():
            raise ProtocolError(f"invalid Content-Length {length[:40]!r}")
        self._mode = "length"
        self._length = int(values.pop())

    @property
    def length(self) -> int | None:
        """The body's length from ``Content-Length`` (None when chunked or to the close)."""
        return self._length if self._mode == "length" else None

    def discard(self) -> None:
        """Give up on the rest of the body: the connection is closed, not reused."""
        self._conn.close()

    def read_all(self) -> bytes:
        """Read a body of known length in one call (see :attr:`length`)."""
        assert self._length is not None
        data = self._conn.read_exact(self._length)
        self._conn.done(self)
        return data

    def iter_body(self, size: int = 65536) -> Iterator[bytes]:
        """Yield the body as it arrives, raw (still compressed), at most ``size`` at a time.

        The connection is kept for the next request only when the body was read to its
        end and the server did not ask to close it.
        """
        conn = self._conn
        if self._mode == "none":
            conn.done(self)
            return
        if self._mode == "length":
            left = self._length or 0
            while left:
                chunk = conn.read_some(min(left, size))
                left -= len(chunk)
                yield chunk
        elif self._mode == "chunked":
            while True:
                left = conn.chunk_size()
                if left == 0:
                    conn.skip_trailers()
                    break
                while left:
                    chunk = conn.read_some(min(left, size))
                    left -= len(chunk)
                    yield chunk
                conn.end_of_chunk()
        else:  # to the end of the connection
            while True:
                chunk = conn.read_to_close(size)
                if not chunk:
                    break
                yield chunk
        conn.done(self)


class Connection:
    """One keep-alive connection along ``route``, opened on first use, reopened as needed.

    Serves one request at a time. :meth:`close` may be called at any time; a failed
    exchange closes it too.

    Parameters
    ----------
    route : Route
        Where to connect.
    timeout : float
        Seconds to connect, and to wait for each read.
    context : ssl.SSLContext or None
        For TLS to the index (None for plain http).
    """

    def __init__(self, route: Route, *, timeout: float, context: ssl.SSLContext | None) -> None:
        self.route = route
        self.timeout = timeout
        self._context = context
        self._sock: socket.socket | None = None
        self._reader: Any = None
        host_header = route.host if route.port in (80, 443) else f"{route.host}:{route.port}"
        if ":" in route.host:  # an IPv6 literal
            host_header = f"[{route.host}]" + ("" if route.port in (80, 443) else f":{route.port}")
        self._host_header = host_header
        scheme = "https" if route.tls else "http"
        self._prefix = f"{scheme}://{host_header}" if route.forwarding else ""
        #: Whether the next request goes on a connection that already served one.
        self.reused = False

    def __repr__(self) -> str:
        return f"Connection({self.route.host!r}, {self.route.port})"

    # --- opening and closing ----------------------------------------------------------

    def _open(self) -> None:
        route = self.route
        conn: http.client.HTTPConnection
        if route.proxy_host is None:
            if route.tls:
                conn = http.client.HTTPSConnection(
                    route.host, route.port, timeout=self.timeout, context=self._context
                )
            else:
                conn = http.client.HTTPConnection(route.host, route.port, timeout=self.timeout)
        elif route.tls:
            conn = http.client.HTTPSConnection(
                route.proxy_host, route.proxy_port, timeout=self.timeout, context=self._context
            )
            conn.set_tunnel(route.host, route.port, headers=dict(route.proxy_headers))
        else:
            conn = http.client.HTTPConnection(
                route.proxy_host, route.proxy_port, timeout=self.timeout
            )
        try:
            conn.connect()  # TCP (TCP_NODELAY), the CONNECT tunnel, TLS with SNI
        except BaseException:
            conn.close()
            raise
        sock = conn.sock
        conn.sock = None  # the socket is ours from here on; conn is dropped
        sock.settimeout(self.timeout)
        self._sock = sock
        self._reader = sock.makefile("rb")
        self.reused = False

    def close(self) -> None:
        """Close the socket (the next request opens another)."""
        sock, reader = self._sock, self._reader
        self._sock = self._reader = None
        if reader is not None:
            with contextlib.suppress(OSError):
                reader.close()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def _usable(self) -> bool:
        """Tell whether the idle connection is still open (not closed by the server)."""
        sock = self._sock
        if sock is None:
            return False
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return False  # unread TLS data on an idle connection: out of step
        try:
            if hasattr(select, "poll"):
                poller = select.poll()
                poller.register(sock, select.POLLIN)
                return not poller.poll(0)
            return not select.select([sock], [], [], 0)[0]
        except (OSError, ValueError):
            return False

    # --- one exchange -----------------------------------------------------------------

    def request(self, target: str, head: bytes) -> Response:
        r"""Send ``GET target`` with the header lines ``head``; read the status and headers.

        ``head`` is the request's header block (``Name: value\r\n`` lines) without
        ``Host``. On any failure the connection is closed and the error propagates.
        """
        if self._sock is not None and not self._usable():
            self.close()
        if self._sock is None:
            self._open()
        else:
            self.reused = True
        assert self._sock is not None
        try:
            # One send: the request is never split across packets. The bytes hold the key
            # and are never bound to a name in a frame a traceback could show.
            line = f"GET {self._prefix}{target} HTTP/1.1\r\nHost: {self._host_header}\r\n"
            self._sock.sendall(b"".join((line.encode("ascii"), head, b"\r\n")))
            return self._read_head()
        except BaseException:
            self.close()
            raise

    def _read_head(self) -> Response:
        while True:
            line = self._reader.readline(MAX_LINE + 1)
            if not line:
                raise EmptyAnswer("the connection closed before an answer")
            if len(line) > MAX_LINE:
                raise ProtocolError("status line longer than 64 KiB")
            version, _, rest = line.rstrip(b"\r\n").partition(b" ")
            code, _, reason = rest.partition(b" ")
            if version not in (b"HTTP/1.1", b"HTTP/1.0") or len(code) != 3 or not code.isdigit():
                raise ProtocolError(f"not an HTTP/1.x status line: {line[:80]!r}")
            status = int(code)
            headers = self._read_headers()
            if 100 <= status < 200 and status != 101:
                continue  # 100 Continue, 103 Early Hints: the answer follows
            connection = headers.get("connection", "").lower()
            close = (
                "close" in connection
                or (version == b"HTTP/1.0" and "keep-alive" not in connection)
                or status == 101
            )
            if status == 101:
                raise ProtocolError("the server switched protocols, which was not asked for")
            return Response(self, status, reason.decode("latin-1"), headers, close)

    def _read_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        readline = self._reader.readline
        for _ in range(MAX_HEADERS + 1):
            line = readline(MAX_LINE + 1)
            if len(line) > MAX_LINE:
                raise ProtocolError("header line longer than 64 KiB")
            if line in (b"\r\n", b"\n"):
                return headers
            if not line:
                raise ProtocolError("the connection closed in the middle of the headers")
            if line[0] in b" \t":
                raise ProtocolError("obsolete folded header line")
            name, sep, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if not sep or not name or " " in name:
                raise ProtocolError(f"malformed header line {line[:80]!r}")
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        raise ProtocolError(f"more than {MAX_HEADERS} header lines")

    # --- reading a body (called by Response) -----------------------------------------

    def read_exact(self, n: int) -> bytes:
        """Read exactly ``n`` bytes of the body."""
        data: bytes = self._reader.read(n)
        if len(data) != n:
            self.close()
            raise ProtocolError(f"the body was cut short ({len(data)} of {n} bytes)")
        return data

    def read_some(self, n: int) -> bytes:
        """Read up to ``n`` (> 0) bytes of the body, at least one."""
        data: bytes = self._reader.read1(n)
        if not data:
            self.close()
            raise ProtocolError("the body was cut short")
        return data

    def read_to_close(self, n: int) -> bytes:
        """Read up to ``n`` bytes of a body that ends with the connection (b"" at the end)."""
        data: bytes = self._reader.read1(n)
        return data

    def chunk_size(self) -> int:
        """Read a chunk-size line; return the size."""
        line = self._reader.readline(MAX_LINE + 1)
        if not line:
            raise ProtocolError("the chunked body was cut short")
        if len(line) > MAX_LINE:
            raise ProtocolError("chunk-size line longer than 64 KiB")
        text = line.split(b";", 1)[0].strip()
        if not text or len(text) > 16 or text.strip(b"0123456789abcdefABCDEF"):
            raise ProtocolError(f"invalid chunk size {line[:40]!r}")
        return int(text, 16)

    def end_of_chunk(self) -> None:
        """Read the CRLF after a chunk's data."""
        if self._reader.readline(3) not in (b"\r\n", b"\n"):
            raise ProtocolError("a chunk is not followed by CRLF")

    def skip_trailers(self) -> None:
        """Read the trailer lines after the last chunk, up to the empty line."""
        for _ in range(MAX_HEADERS + 1):
            line = self._reader.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n"):
                return
            if not line or len(line) > MAX_LINE:
                raise ProtocolError("the chunked body's trailer is cut short or too long")
        raise ProtocolError(f"more than {MAX_HEADERS} trailer lines")

    def done(self, response: Response) -> None:
        """Keep the connection after a body read to its end, unless it is to close."""
        if response.will_close:
            self.close()


__all__ = [
    "MAX_HEADERS",
    "MAX_LINE",
    "Connection",
    "EmptyAnswer",
    "ProtocolError",
    "Response",
    "Route",
]
