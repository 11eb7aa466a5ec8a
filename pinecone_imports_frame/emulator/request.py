"""What the socket handler hands the request pipeline, and what the request log keeps.

A :class:`Request` is a parsed request line and headers; its body stays unread in the
connection's stream until :meth:`Request.read_body` is called, so that the key is checked
before a byte of the body is read (an unauthenticated ``Content-Length: 10000000000``
allocates nothing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import BinaryIO

from .versions import DEFAULT_VERSION, ApiVersion

logger = logging.getLogger(__name__)

__all__ = ["BodyError", "Headers", "RecordedRequest", "Request"]

#: The largest request body read (the start request is a few hundred bytes).
MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024


class BodyError(Exception):
    """A request body that cannot be read: the status and message to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Headers:
    """Request headers: case-insensitive :meth:`get`, :meth:`items` in the order sent.

    Examples
    --------
    >>> Headers([("Api-Key", "k"), ("Accept", "*/*")]).get("api-key")
    'k'
    """

    __slots__ = ("_items", "_lower")

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items
        self._lower: dict[str, str] = {}
        for name, value in items:
            self._lower.setdefault(name.lower(), value)

    def get(self, name: str, default: str | None = None) -> str | None:
        """Return the first value of header ``name`` (any case), else ``default``.

        Examples
        --------
        >>> Headers([]).get("Connection", "keep-alive")
        'keep-alive'
        """
        return self._lower.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lower

    def items(self) -> list[tuple[str, str]]:
        """Return the headers as sent: (name, value) pairs in order.

        Examples
        --------
        >>> Headers([("A", "1"), ("a", "2")]).items()
        [('A', '1'), ('a', '2')]
        """
        return list(self._items)


@dataclass(eq=False, slots=True)
class Request:
    """One parsed request: method, path, query, headers, and its body still unread.

    Parameters
    ----------
    method : str
        The request method as sent.
    path : str
        Path without the query string, percent-encoding left as sent.
    query : dict of str to str
        Query parameters (the last value wins when one is repeated).
    headers : Headers
        The request headers.
    stream : binary file or None
        Where the body is read from (the connection), or None when there is none.

    Examples
    --------
    >>> import io
    >>> req = Request("POST", "/bulk/imports", {}, Headers([("Content-Length", "2")]),
    ...               io.BytesIO(b"{}"))
    >>> req.body_pending, req.read_body(), req.body_pending
    (True, b'{}', False)
    """

    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    stream: BinaryIO | None = field(default=None, repr=False)
    #: The API version the request asked for (set by the pipeline once checked).
    api_version: ApiVersion = field(default=DEFAULT_VERSION, init=False, repr=False)
    _read: bool = field(default=False, init=False, repr=False)
    _intact: bool = field(default=True, init=False, repr=False)

    @property
    def body_pending(self) -> bool:
        """Whether a body was announced and not wholly read (the connection must close)."""
        if not self._intact:
            return True
        if self._read or self.stream is None:
            return False
        if (self.headers.get("Transfer-Encoding") or "").strip():
            return True
        return (self.headers.get("Content-Length") or "0").strip() not in ("", "0")

    def read_body(self, limit: int = MAX_REQUEST_BODY_BYTES) -> bytes:
        """Read the body by ``Content-Length`` (``b""`` if none), refusing more than ``limit``.

        Raises
        ------
        BodyError
            411 for a chunked or unreadable length, 413 past ``limit``, 400 when the client
            sends less than it announced.

        Examples
        --------
        >>> import io
        >>> req = Request("POST", "/", {}, Headers([("Content-Length", "9" * 11)]), io.BytesIO())
        >>> req.read_body()
        Traceback (most recent call last):
        ...
        pinecone_imports_frame.emulator.request.BodyError: Request body too large: ...
        """
        if self._read:
            return b""
        self._read = True
        self._intact = False  # until the whole body is in
        if (self.headers.get("Transfer-Encoding") or "").strip():
            raise BodyError(411, "Content-Length required (chunked request bodies are refused)")
        text = (self.headers.get("Content-Length") or "").strip()
        if not text:
            self._intact = True
            return b""
        if not (text.isascii() and text.isdigit()):
            raise BodyError(411, f"Content-Length must be a whole number, got {text[:20]!r}")
        size = int(text)
        if size > limit:
            raise BodyError(
                413, f"Request body too large: {size} bytes, the limit is {limit} bytes"
            )
        if size == 0 or self.stream is None:
            self._intact = True
            return b""
        try:
            body = self.stream.read(size)
        except OSError as exc:  # a stalled or reset client
            raise BodyError(408, "Request body not received in time") from exc
        if len(body) != size:
            raise BodyError(400, f"Request body ended after {len(body)} of {size} bytes")
        self._intact = True
        return body


@dataclass
class RecordedRequest:
    """One request the emulator received, as kept in ``Emulator.requests``.

    Attributes
    ----------
    method : str
        HTTP method.
    path : str
        Path without the query string, percent-encoding left as sent.
    query : dict of str to str
        Query parameters (the last value wins when one is repeated).
    headers : dict of str to str
        Request headers as sent, except the ``Api-Key`` value, replaced by ``"***"``.
    status : int or None
        Status answered; None while in flight or when the connection was dropped.
    index_name : str or None
        The index whose endpoint received it; None for a project's control plane.
    port : int or None
        The port that received it (an index's public or private endpoint, or the
        control plane's).

    Examples
    --------
    >>> req = RecordedRequest("GET", "/bulk/imports", {}, {"User-Agent": "x", "Api-Key": "***"})
    >>> req.user_agent, req.header("api-key")
    ('x', '***')
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int | None = None
    index_name: str | None = None
    port: int | None = None

    def header(self, name: str) -> str | None:
        """Return a header's value by case-insensitive name, or None.

        Examples
        --------
        >>> RecordedRequest("GET", "/", {}, {"Accept": "*/*"}).header("ACCEPT")
        '*/*'
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
