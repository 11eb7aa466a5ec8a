"""The HTTP client: one kept-alive connection per host, one retry loop, one decoder.

Every request of the package goes through :class:`ApiClient`. :meth:`ApiClient.get_json`
is the one place where an HTTP answer becomes data: the body is streamed, decompressed
by urllib3 and capped (:data:`MAX_BODY_BYTES`, counted as it inflates), the key is
redacted from it, it is decoded with a nesting limit (``_json``), and every failure on
the way becomes one of the package's errors (``_translate``). Failures while reading a
body (a stall, a reset, a short body, a corrupt gzip stream, broken chunked framing) are
retried like dropped connections. Each attempt, from connecting to the last byte of the
body, has ``timeout`` seconds in all (``_deadline``: urllib3's timeouts bound each socket
operation, not a request).

The transport (``transport``: proxies, TLS, the pool) is urllib3's connection pool, used
directly. Its own retries and redirects are off: the retry loop and the redirect policy
are this module's.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote_plus

from urllib3.exceptions import HTTPError as _Urllib3Error

from . import _json
from ._apikey import redact_in_logs
from ._deadline import DeadlinePassed, RequestDeadline
from ._translate import (
    _BODY_ERRORS,
    _EXCHANGE_ERRORS,
    RETRY_STATUSES,
    _BadAnswer,
    _CorruptBody,
    _CutShort,
    _FailedAttempt,
    _redact_values,
    _stale,
    safe_cause,
    status_failure,
    transport_failure,
)
from ._version import __version__
from .config import (
    DEFAULT_API_VERSION,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ApiKey,
    Connection,
    Endpoint,
    is_loopback,
)
from .errors import BODY_EXCERPT, ResponseFormatError
from .transport import Transport, transport_docs
from .transport import proxy_for as proxy_for  # where it was: tests and scripts import it

logger = logging.getLogger(__name__)

#: A Retry-After longer than this is cut to it: a listing should not hang for an hour.
MAX_RETRY_AFTER = 60.0
#: The largest body accepted, decompressed (a page of 100 imports is tens of kilobytes).
MAX_BODY_BYTES = 32 * 2**20
#: How much of an error answer's body is read (the rest is dropped with the connection).
MAX_ERROR_BODY_BYTES = 64 * 2**10
#: Retries of a host that does not resolve or a loopback port where nothing listens:
#: waiting will not change them, so they fail fast.
FAST_FAILURE_RETRIES = 1
#: Backoff before retry n (1, 2, ...): BACKOFF_FACTOR * 2**(n-1), at most BACKOFF_MAX,
#: plus up to BACKOFF_JITTER seconds of jitter.
BACKOFF_FACTOR = 0.5
BACKOFF_MAX = 30.0
BACKOFF_JITTER = 0.5
USER_AGENT = f"pinecone-imports-frame/{__version__}"
#: The ``Server`` header of this package's emulator, whose clock is simulated on purpose.
EMULATOR_SERVER = "pinecone-imports-emulator"

# Indirection so that retry tests can record the waits instead of sleeping them.
_sleep = time.sleep

_CHUNK = 64 * 2**10
#: What each GET asks of urllib3: the bare exchange. This client retries (its own policy,
#: with Retry-After and .partial), refuses redirects (the key must not follow one), keeps
#: to one host, and reads the body itself, inflated by urllib3 under a cap.
_RAW_REQUEST = {
    "retries": False,
    "redirect": False,
    "assert_same_host": False,
    "preload_content": False,
    "decode_content": False,
}
_DELTA_SECONDS = re.compile(r"\s*\d+(?:\.\d+)?\s*")


def backoff(retry: int) -> float:
    """Return the seconds to wait before retry ``retry`` (1, 2, ...) when the server says nothing.

    Examples
    --------
    >>> 0.5 <= backoff(1) <= 1.0 and 1.0 <= backoff(2) <= 1.5 and backoff(20) <= 30.5
    True
    """
    base = min(BACKOFF_MAX, BACKOFF_FACTOR * 2 ** (retry - 1))
    return base + random.random() * BACKOFF_JITTER


def parse_retry_after(
    value: str | None, *, date: str | None = None, cap: float = MAX_RETRY_AFTER
) -> float | None:
    """Parse a ``Retry-After`` header: the seconds to wait, or None for the normal backoff.

    Accepts seconds (``"7"``, ``"0.5"``) or an HTTP date, counted from the answer's
    ``Date`` header when it has one (the server's clock), else from this machine's clock.
    A negative value, a date in the past or anything else gives None; the result is capped
    at ``cap`` (:data:`MAX_RETRY_AFTER`; ``math.inf``: what the server asked).

    Examples
    --------
    >>> parse_retry_after("0.5"), parse_retry_after("-5"), parse_retry_after("garbage")
    (0.5, None, None)
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", date="Wed, 21 Oct 2015 07:28:00 GMT")
    30.0
    >>> parse_retry_after("86400")
    60.0
    """
    if value is None:
        return None
    if _DELTA_SECONDS.fullmatch(value):
        seconds = float(value)
    else:
        when = _http_date(value)
        if when is None:
            return None
        now = _http_date(date) or datetime.now(timezone.utc)
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, cap)


@transport_docs
class ApiClient:
    """An HTTP client of one host of the Pinecone API (an index, or the control plane).

    Carries the package's headers, its one retry policy and its error translation. A
    client serves one request at a time (one listing, one thread); to list several
    indexes at once, give each its own client. A failed request leaves it usable.

    Parameters
    ----------
    endpoint : Endpoint
        Base URL (``config.normalize_host``).
    api_key : ApiKey
        Sent in the ``Api-Key`` header only.
    timeout : float
        Seconds each request may take in all: connecting, the answer's head and its body
        (``_deadline``); a request past it is cut, and retried as a timeout.
    max_retries : int
        Retries of 408, 429, 5xx gateways, dropped connections and bodies cut short.
    api_version : str
        Sent as ``X-Pinecone-API-Version``.
    {allow_insecure}

    {transport_raises}

    Examples
    --------
    >>> from pinecone_imports_frame.config import ApiKey, normalize_host
    >>> client = ApiClient(normalize_host("127.0.0.1:5080"), api_key=ApiKey("k"))
    >>> client
    ApiClient('http://127.0.0.1:5080', api_version='2026-07')
    >>> client.proxy is None  # loopback is never proxied
    True
    >>> client.close()
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        api_key: ApiKey,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        api_version: str = DEFAULT_API_VERSION,
        allow_insecure: bool = False,
    ) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.max_retries = max_retries
        self.api_version = api_version
        self._key = api_key
        redact_in_logs(api_key)
        #: The ``Date`` header of the last successful answer (UTC), or None.
        self.last_date: datetime | None = None
        #: Whether that answer came from this package's emulator on a loopback host,
        #: whose clock is simulated on purpose (days or years from this machine's).
        self.simulated_clock = False
        self._last_date_text: str | None = None
        # The deadline of each request (connect, head, body): ``timeout`` seconds.
        self._deadline = RequestDeadline()
        # The request headers never change: one dict, kept here only (not in a local that
        # a traceback with locals would show).
        self._headers = {
            "Api-Key": api_key.reveal(),
            "X-Pinecone-API-Version": str(api_version),
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": "gzip, deflate",
        }
        # Proxies, TLS and the pool (``transport``), made on first use.
        self._transport = Transport(
            endpoint, timeout=timeout, deadline=self._deadline, allow_insecure=allow_insecure
        )
        # The connection that served the last answer in full: if it is still open when
        # the next request goes out, that request reuses it.
        self._kept: Any = None

    @property
    def proxy(self) -> str | None:
        """``scheme://host:port`` of the proxy in use (never its credentials), or None."""
        return self._transport.proxy

    @classmethod
    def for_connection(cls, connection: Connection, endpoint: Endpoint) -> ApiClient:
        """Open a client to ``endpoint`` with the settings of ``connection``.

        Examples
        --------
        >>> from pinecone_imports_frame.config import Connection
        >>> conn = Connection.resolve("127.0.0.1:5080", api_key="pcsk_example")
        >>> with ApiClient.for_connection(conn, conn.controller) as client:
        ...     client.endpoint.url
        'https://api.pinecone.io'
        """
        return cls(
            endpoint,
            api_key=connection.api_key,
            timeout=connection.timeout,
            max_retries=connection.max_retries,
            api_version=connection.api_version,
            allow_insecure=connection.allow_insecure,
        )

    def __repr__(self) -> str:
        return f"ApiClient({self.endpoint.url!r}, api_version={str(self.api_version)!r})"

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the kept-alive connection (the next request opens another).

        Examples
        --------
        Without a ``with`` block, close the client yourself; it stays usable:

        >>> from pinecone_imports_frame.config import Connection
        >>> from pinecone_imports_frame.emulator import Emulator
        >>> emu = Emulator(imports=3).start()
        >>> conn = Connection.resolve(emu.url, api_key=emu.api_key)
        >>> client = ApiClient.for_connection(conn, conn.endpoint)
        >>> first = client.get_json("/bulk/imports")
        >>> client.close()
        >>> again = client.get_json("/bulk/imports")  # on a new connection
        >>> client.close()
        >>> emu.stop()
        >>> first == again
        True
        """
        self._kept = None
        self._transport.close()

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` and decode its JSON body; raise a package error for anything else.

        Retries 408, 429 and 5xx answers, dropped connections, timeouts and bodies that
        fail to arrive whole, up to ``max_retries`` times (a host that does not resolve,
        or a loopback port where nothing listens, once), waiting as ``Retry-After`` asks
        or an exponential backoff with jitter. Each attempt (connecting, the answer's
        head, its body) has ``timeout`` seconds in all. Only a 2xx answer is data; a 3xx
        is an error that names its ``Location`` (never followed). The server's clock, from
        the answer's ``Date`` header, is kept in ``last_date`` (None when absent or not an
        HTTP date), and ``simulated_clock`` says whether it is the emulator's.

        Parameters
        ----------
        path : str
            The path, from ``/``.
        params : mapping, optional
            The query.

        Returns
        -------
        Any
            The decoded JSON body.

        Raises
        ------
        ApiError
            An error status (``AuthenticationError``, ``NotFoundError``, ``RateLimitError``,
            ``ServerError``; ``ApiError`` itself for 3xx and other 4xx).
        TransportError
            The connection or the body failed after every retry.
        ResponseFormatError
            A body that is not JSON, is nested too deeply or is larger than
            :data:`MAX_BODY_BYTES`.

        Examples
        --------
        >>> from pinecone_imports_frame.emulator import Emulator
        >>> from pinecone_imports_frame.config import ApiKey, normalize_host
        >>> with Emulator(imports=3) as emu, ApiClient(
        ...     normalize_host(emu.url), api_key=ApiKey(emu.api_key)
        ... ) as client:
        ...     page = client.get_json("/bulk/imports", {"limit": 2})
        >>> len(page["data"]), "next" in page["pagination"]
        (2, True)
        """
        target = path + ("?" + _query(params) if params else "")
        retries = 0
        while True:
            failure = self._attempt(path, target)
            if not isinstance(failure, _FailedAttempt):
                return failure
            budget = (
                min(self.max_retries, FAST_FAILURE_RETRIES) if failure.fast else (self.max_retries)
            )
            if not failure.retry or retries >= budget:
                error = failure.make(retries)
                cause = None if failure.cause is None else safe_cause(failure.cause, self._key)
                del failure  # a local a traceback would show, its cause quoting the server
                raise error from cause
            retries += 1
            wait = failure.retry_after
            if wait is None:
                wait = backoff(retries)
            else:
                logger.info("GET %s: %s", path, failure.retry_said())
            logger.debug("GET %s: retry %d of %d in %.2f s", path, retries, budget, wait)
            _sleep(wait)

    # --- one attempt ----------------------------------------------------------------------

    def _attempt(self, path: str, target: str) -> Any:
        """Make one request: the decoded body, or a :class:`_FailedAttempt` saying what failed.

        The whole exchange (connecting, the answer's head, its body) runs under the
        client's :class:`~pinecone_imports_frame._deadline.RequestDeadline` of ``timeout``
        seconds: past it, the socket is shut down and the attempt is a timeout.
        """
        transport = self._transport
        urlopen = transport.urlopen or transport.connect()
        url = self.endpoint.url + target if transport.forwarded else target
        kept = self._kept
        reused = kept is not None and kept.is_connected
        deadline = self._deadline
        deadline.start(self.timeout)
        try:
            try:
                response = self._send(urlopen, url)
            except _Urllib3Error as exc:
                if not reused or not _stale(exc):
                    raise
                logger.debug("GET %s: the kept-alive connection was closed; reconnecting", path)
                response = self._send(urlopen, url)
            status = response.status
            if status < 200:  # 101, or a 1xx http.client does not skip: never asked for
                response.close()
                response.release_conn()
                raise _BadAnswer(f"the server answered {status} {response.reason or ''}")
        except _EXCHANGE_ERRORS as exc:
            self._kept = None
            late = deadline.stop()
            return self._transport_failure(exc, path, reading=False, late=late)
        except BaseException:  # Ctrl-C, a bug: the next request must not find it armed
            deadline.stop()
            raise
        self._kept = response.connection
        ok = status < 300
        body: bytes | None = None
        body_error: BaseException | None = None
        try:
            body = _read_body(
                response,
                limit=MAX_BODY_BYTES if ok else MAX_ERROR_BODY_BYTES,
                strict=ok,
                deadline=deadline,
            )
        except _TooLarge as exc:
            response.close()
            what = (
                exc.args[0]
                if exc.args and exc.args[0]
                else f"larger than {MAX_BODY_BYTES // 2**20} MiB (decompressed), far more "
                "than a page of imports"
            )
            raise ResponseFormatError(
                f"GET {path} answered {status} with a body {what}: check the host is a "
                "Pinecone index host"
            ) from None
        except _BODY_ERRORS as exc:
            response.close()
            body_error = exc
        finally:
            # Before the body is used: a body the watchdog cut may look whole (one that
            # ends with the connection), and is never taken for one.
            late = deadline.stop()
            if late and body_error is None:
                response.close()
                body_error = DeadlinePassed(f"the request took longer than {self.timeout:g} s")
            response.release_conn()
        if late:
            self._kept = None
        if body is not None:  # redacted once: a traceback's locals show no echoed key
            body = self._key.redact_bytes(body)
        if ok:
            if body_error is not None:
                return self._transport_failure(body_error, path, reading=True, late=late)
            assert body is not None
            headers = response.headers
            self._note_date(headers.get("date"), headers)
            return self._decode_page(path, status, body)
        return self._status_failure(path, status, response.headers, body, body_error)

    def _send(self, urlopen: Callable[..., Any], url: str) -> Any:
        """Send the GET; urllib3 neither retries, nor follows redirects, nor decodes."""
        return urlopen("GET", url, headers=self._headers, **_RAW_REQUEST)

    def _note_date(self, value: str | None, headers: Any) -> None:
        if value != self._last_date_text:  # the header changes once a second at most
            self._last_date_text = value
            self.last_date = _http_date(value)
            self.simulated_clock = headers.get("server") == EMULATOR_SERVER and is_loopback(
                self.endpoint.hostname
            )

    def _decode_page(self, path: str, status: int, body: bytes) -> Any:
        """Decode a page's body (the key redacted already)."""
        try:
            value = _json.loads(body)
        except _json.JsonError as exc:
            raise ResponseFormatError(
                f"GET {path} answered {status} with a body that is not usable JSON ({exc}): "
                f"{self._excerpt(body)!r}; check the host is a Pinecone index host"
            ) from None
        if type(value) in (dict, list) and _has_unicode_escape(body):
            # An escaped key (\u0070csk_...) decodes to the key: redact the decoded strings.
            value = _redact_values(value, self._key)
        return value

    def _excerpt(self, body: bytes) -> str:
        """Quote the start of a body for a message: redacted first, then cut."""
        text = self._key.redact(body[: BODY_EXCERPT * 4].decode("utf-8", "replace"))
        return text[:BODY_EXCERPT]

    def _transport_failure(
        self, exc: BaseException, path: str, *, reading: bool, late: bool = False
    ) -> _FailedAttempt:
        """Translate a failed exchange (``_translate``); whether to retry."""
        return transport_failure(
            exc,
            path,
            reading=reading,
            late=late,
            timeout=self.timeout,
            key=self._key,
            transport=self._transport,
        )

    def _status_failure(
        self,
        path: str,
        status: int,
        headers: Any,
        body: bytes | None,
        body_error: BaseException | None,
    ) -> _FailedAttempt:
        """Translate an error status (``_translate``), with the wait ``Retry-After`` asks."""
        failure = status_failure(
            path, status, headers, body, body_error, key=self._key, api_version=self.api_version
        )
        if status in RETRY_STATUSES:
            failure.retry_asked = parse_retry_after(  # uncapped: the log says both
                headers.get("retry-after"), date=headers.get("date"), cap=math.inf
            )
            failure.retry_after = failure.retry_asked and min(failure.retry_asked, MAX_RETRY_AFTER)
        return failure


# --- reading a body -----------------------------------------------------------------------


class _TooLarge(Exception):
    """The body is larger than the limit (decompressed), or a reason it cannot be read."""


def _read_body(
    response: Any, *, limit: int, strict: bool, deadline: RequestDeadline | None = None
) -> bytes:
    """Read a body as it streams, decompressed by urllib3, refusing more than ``limit`` bytes.

    With ``strict`` False (an error answer), a body past the limit is cut there instead,
    and the connection is dropped rather than read to the end. ``deadline`` is checked
    between reads (its watchdog cuts a read that blocks past it).

    ``read1(amt, decode_content=True)`` takes at most ``amt`` bytes off the wire and
    inflates at most ``amt`` bytes per call (urllib3 2.6, after CVE-2025-66471), so a
    bomb is refused at the cap, never inflated whole. ``read1`` and not ``stream``: a
    chunk whose size line is negative (``-1``) makes the chunked readers behind ``stream``
    and ``read`` read the rest of the connection in one call, past any cap; ``read1``
    reads it one buffer at a time.
    """
    encoding = (response.headers.get("content-encoding") or "identity").strip().lower()
    length = response.length_remaining  # None when chunked or read to the close
    if length is not None:
        if length > limit and strict:
            raise _TooLarge  # announced: not a byte of it is read
        if length <= limit and encoding in ("identity", ""):
            data: bytes = response.read(decode_content=False)  # one read, length enforced
            return data
    if encoding in ("identity", ""):
        decode = False
    elif encoding in ("gzip", "x-gzip", "deflate"):
        decode = True
    else:
        raise _CorruptBody(f"the body is encoded as {encoding[:40]!r}, which was not asked for")
    parts: list[bytes] = []
    size = 0
    read1 = response.read1
    cap: _WireCap | None = None
    if decode:
        # urllib3's read1 reads on until the decoder gives a byte, and its deflate decoder
        # keeps (and copies) its input until then: a stream that never inflates would pile
        # up in memory and CPU. The bytes off the wire are capped where urllib3 reads them,
        # tightly until the first byte comes out.
        cap = response._fp = _WireCap(response._fp, limit)
    while True:
        try:
            piece: bytes = read1(_CHUNK, decode_content=decode)
        except _TooLarge:
            if strict:
                raise
            response.close()
            return b"".join(parts)
        if cap is not None and piece:
            cap.started()
        if not piece:
            break
        if deadline is not None:
            deadline.check()
        size += len(piece)
        if size > limit or response.tell() > limit:  # tell(): the bytes off the wire
            if strict:
                raise _TooLarge
            parts.append(piece[: max(0, len(piece) - (size - limit))])
            response.close()  # the rest is not read; the connection is not reused
            return b"".join(parts)
        parts.append(piece)
    if decode and not _stream_ended(response):
        raise _CorruptBody(f"the {encoding} stream is cut short")
    if strict and not response.tell() and not response.chunked:
        # A body that ends with the connection, and is empty: nothing tells it from an
        # answer cut off after its head (an HTTP/1.0 server, or a head urllib3 read
        # leniently). A 2xx of this API always has a body, so it is retried as cut off.
        raise _CutShort("the connection closed where the body should have begun")
    return b"".join(parts)


class _WireCap:
    """The socket file under a urllib3 response, refusing to give more than ``limit`` bytes.

    Every read urllib3 makes of the body goes through ``read``, ``read1`` or ``readinto``;
    the rest (``closed``, ``isclosed``, ``fp``...) is the wrapped file's.
    """

    #: Bytes off the wire before the first byte inflates: a page's first deflate block
    #: is far smaller.
    FIRST_OUTPUT_WITHIN = 2**20

    def __init__(self, fp: Any, limit: int) -> None:
        self._wrapped = fp
        self._limit = limit
        self._read = 0
        self._left = min(limit, self.FIRST_OUTPUT_WITHIN)
        self._started = False

    def started(self) -> None:
        """Lift the tight cap: the body inflates."""
        if not self._started:
            self._started = True
            self._left = self._limit - self._read

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)

    def _count(self, n: int) -> None:
        self._read += n
        self._left -= n
        if self._left < 0:
            raise _TooLarge(
                None
                if self._started
                else f"its first {self.FIRST_OUTPUT_WITHIN // 2**20} MiB inflate to nothing"
            )

    def read(self, *args: Any) -> bytes:
        data: bytes = self._wrapped.read(*args)
        self._count(len(data))
        return data

    def read1(self, *args: Any) -> bytes:
        data: bytes = self._wrapped.read1(*args)
        self._count(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        n: int = self._wrapped.readinto(buffer)
        self._count(n)
        return n


def _stream_ended(response: Any) -> bool:
    """Tell whether urllib3's gzip or deflate decoder reached the end of the stream.

    urllib3 takes a compressed stream that stops short (no gzip trailer) for a whole one;
    a page cut there is retried as a body cut off, not read as broken JSON.
    """
    decoder = getattr(response, "_decoder", None)
    return bool(getattr(getattr(decoder, "_obj", None), "eof", False))


# --- translating --------------------------------------------------------------------------

_URL_SAFE = re.compile(r"[A-Za-z0-9._~-]*")


def _query(params: Mapping[str, Any]) -> str:
    """Encode a query string as ``urlencode`` does, without quoting what needs none.

    Examples
    --------
    >>> _query({"limit": 100, "paginationToken": "a b/c"})
    'limit=100&paginationToken=a+b%2Fc'
    """
    parts = []
    for name, value in params.items():
        text = str(value)
        if not _URL_SAFE.fullmatch(text):  # a page token usually is safe: 1 us, not 6
            text = quote_plus(text, safe="")
        parts.append(f"{quote_plus(str(name), safe='')}={text}")
    return "&".join(parts)


def _has_unicode_escape(body: bytes) -> bool:
    r"""Tell whether ``body`` may hold a ``\uXXXX`` escape (a page usually has none).

    A one-byte search is memchr, a two-byte one is not (20 us on a page of 24 KB whose
    error messages escape a few quotes): the backslashes are visited one by one, and
    only a body with many of them is searched for the pair.

    Examples
    --------
    >>> _has_unicode_escape(b'{"e": "say \\"hi\\""}'), _has_unicode_escape(b'"\\u0070"')
    (False, True)
    """
    at = body.find(b"\\")
    for _ in range(64):
        if at == -1:
            return False
        if body[at + 1 : at + 2] == b"u":
            return True
        at = body.find(b"\\", at + 2)
    return at != -1 and b"\\u" in body


def _http_date(value: str | None) -> datetime | None:
    """Parse an HTTP ``Date`` header to an aware UTC datetime; None if absent or invalid."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # "-0000": RFC 5322's "no zone information", taken as UTC
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # 31 Dec 9999 23:59:59 -0100 is in the year 10000
        return None
