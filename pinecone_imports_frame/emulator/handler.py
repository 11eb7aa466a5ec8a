"""The socket side of the emulator: parse HTTP/1.1 off the connection, write the answer.

:class:`RequestHandler` reads the request line and headers, hands a
:class:`~pinecone_imports_frame.emulator.request.Request` to its server's
:class:`~pinecone_imports_frame.emulator.app.EndpointApp`, and writes the
:class:`~pinecone_imports_frame.emulator.responses.Response` it gets back in one
``wfile.write`` (status line, headers and body, ``Content-Length`` always set), so that
keep-alive clients never wait on Nagle or a chunked stream. Every method reaches the
endpoint (so TRACE, OPTIONS and HEAD get the API's JSON error shape); a request it cannot
parse is answered in that shape too, never in HTML or HTTP/0.9 style.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .app import EndpointApp
from .request import Headers, Request
from .responses import Response, reason_phrase

logger = logging.getLogger(__name__)

__all__ = ["EndpointServer", "RequestHandler"]

_MAX_LINE = 65_536
_MAX_HEADERS = 100


class _ContinueReader:
    """The body stream of a request that sent ``Expect: 100-continue``.

    ``100 Continue`` goes out only when the body is first read, that is after the key
    was checked: an unauthenticated client is answered without being invited to send.
    """

    def __init__(self, rfile: io.BufferedIOBase, wfile: io.BufferedIOBase) -> None:
        self._rfile = rfile
        self._wfile = wfile
        self._sent = False

    def read(self, size: int) -> bytes:
        if not self._sent:
            self._sent = True
            self._wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return self._rfile.read(size)


class RequestHandler(BaseHTTPRequestHandler):
    """Serve one connection: HTTP/1.1 keep-alive, no Nagle, every answer in one write.

    The owning server is an :class:`EndpointServer`.

    Examples
    --------
    >>> RequestHandler.protocol_version, RequestHandler.disable_nagle_algorithm
    ('HTTP/1.1', True)
    """

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "pinecone-imports-emulator"
    #: Idle keep-alive connections are closed after this many seconds.
    timeout = 120
    server: EndpointServer

    def setup(self) -> None:
        """Register the connection so the server can close it on shutdown."""
        super().setup()
        self.server.track(self.connection, opened=True)

    def finish(self) -> None:
        """Unregister the connection."""
        try:
            super().finish()
        finally:
            self.server.track(self.connection, opened=False)

    def handle_one_request(self) -> None:
        """Read one request off the connection and write its answer."""
        self.close_connection = True
        try:
            line = self.rfile.readline(_MAX_LINE + 1)
        except OSError:  # the client went away, or the idle timeout passed
            return
        if not line:
            return
        endpoint = self.server.endpoint
        if len(line) > _MAX_LINE:
            self._write(endpoint.malformed(414, "Request line too long"), head_only=False)
            return
        request = self._parse(line, endpoint)
        if request is None:
            return
        response = endpoint.handle(request)
        if response.drop:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if request.body_pending:  # refused before reading it: the stream is not at a request
            self.close_connection = True
        self._write(response, head_only=request.method == "HEAD")

    def _parse(self, line: bytes, endpoint: EndpointApp) -> Request | None:
        words = line.decode("iso-8859-1").rstrip("\r\n").split()
        if len(words) != 3 or not words[2].startswith("HTTP/1."):
            self._write(endpoint.malformed(400, "Bad request line"), head_only=False)
            return None
        method, target, version = words
        items: list[tuple[str, str]] = []
        while True:
            raw = self.rfile.readline(_MAX_LINE + 1)
            if len(raw) > _MAX_LINE or len(items) >= _MAX_HEADERS:
                self._write(endpoint.malformed(431, "Request headers too large"), head_only=False)
                return None
            if raw in (b"\r\n", b"\n", b""):
                break
            name, sep, value = raw.decode("iso-8859-1").partition(":")
            if not sep or not name.strip() or name != name.rstrip():
                self._write(endpoint.malformed(400, "Bad header line"), head_only=False)
                return None
            items.append((name, value.strip()))
        headers = Headers(items)
        connection = (headers.get("Connection") or "").lower()
        if version == "HTTP/1.0":
            self.close_connection = connection != "keep-alive"
        else:
            self.close_connection = connection == "close"
        self.request_version = version
        if target.startswith("/"):
            path, _, qs = target.partition("?")
        else:
            parts = urlsplit(target)
            path, qs = parts.path or "/", parts.query
        query = dict(parse_qsl(qs, keep_blank_values=True)) if qs else {}
        stream: Any = self.rfile
        if (headers.get("Expect") or "").lower() == "100-continue" and version != "HTTP/1.0":
            stream = _ContinueReader(self.rfile, self.wfile)
        return Request(method, path, query, headers, stream)

    def _write(self, response: Response, *, head_only: bool) -> None:
        body = response.body
        lines = [
            f"HTTP/1.1 {response.status} {reason_phrase(response.status)}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(body)}",
            f"Server: {self.server_version}",
        ]
        lines.extend(f"{k}: {v}" for k, v in response.headers)
        if self.close_connection:
            lines.append("Connection: close")
        elif self.request_version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if head_only else head + body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log at DEBUG instead of writing to stderr (no header values are logged)."""
        logger.debug("%s - " + format, self.address_string(), *args)


class EndpointServer(ThreadingHTTPServer):
    """A threading HTTP server for one :class:`EndpointApp`, that can close its connections.

    Parameters
    ----------
    address : tuple of (str, int)
        Interface and port to bind (0: a free port).
    endpoint : EndpointApp
        What answers the requests.

    Examples
    --------
    >>> import requests
    >>> from datetime import datetime
    >>> from .app import Runtime
    >>> from .clock import SimulatedClock
    >>> from .routes import Router
    >>> endpoint = EndpointApp(Router([], default_plane="data"), runtime=Runtime(api_key="k"),
    ...                     clock=SimulatedClock(datetime(2025, 5, 1)))
    >>> server = EndpointServer(("127.0.0.1", 0), endpoint)
    >>> thread = server.serve_in_thread("doc")
    >>> url = f"http://127.0.0.1:{server.server_address[1]}/nothing"
    >>> requests.request("TRACE", url, headers={"Api-Key": "k"}).json()["code"]  # 404, as JSON
    5
    >>> server.stop(thread)
    >>> thread.is_alive()
    False
    """

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], endpoint: EndpointApp) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.endpoint = endpoint
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, RequestHandler)

    def track(self, conn: socket.socket, *, opened: bool) -> None:
        """Remember (or forget) an open connection."""
        with self._conn_lock:
            if opened:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        """Shut down every open connection (idle keep-alive ones included)."""
        with self._conn_lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Keep an unexpected exception for ``check()``; a client going away is not one."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            logger.debug("connection error from %s: %r", client_address, exc)
            return
        logger.debug("error serving %s", client_address, exc_info=True)
        if exc is not None:
            self.endpoint.runtime.fail(exc)

    def serve_in_thread(self, name: str) -> threading.Thread:
        """Serve from a new daemon thread called ``name``; return it (see the class example)."""
        thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, name=name, daemon=True
        )
        thread.start()
        return thread

    def stop(self, thread: threading.Thread | None) -> None:
        """Stop serving, close every connection, release the port, join ``thread``."""
        self.shutdown()
        self.close_connections()
        self.server_close()
        if thread is not None:
            thread.join(timeout=5)
