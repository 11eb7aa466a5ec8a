"""The HTTP client: one kept-alive connection per host, one retry loop, one error translation.

Every request of the package goes through :class:`ApiClient`. :meth:`ApiClient.get_json`
is the one place where an HTTP answer becomes data: the body is streamed, decompressed
and capped (:data:`MAX_BODY_BYTES`, counted as it inflates), the key is redacted from it,
it is decoded with a nesting limit (``_json``), and every failure on the way becomes one
of the package's errors. Failures while reading a body (a stall, a reset, a short body, a
corrupt gzip stream, broken chunked framing) are retried like dropped connections. Each
attempt, from connecting to the last byte of the body, has ``timeout`` seconds in all
(``_deadline``: urllib3's timeouts bound each socket operation, not a request).

The transport is urllib3's connection pool, used directly (requests' session adds CPU
per page and nothing this API needs): urllib3 frames the answers, opens connections and
``CONNECT`` tunnels, speaks TLS to the host and to an ``https://`` proxy. Its own retries,
redirects and decoding are off: the retry loop, the redirect policy and the capped
decompression are this module's. Proxies come from the environment as requests reads them
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``), except that loopback hosts
are never proxied, and the key is never sent in clear to a proxy unless
``allow_insecure``. The CA bundle is ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` if set,
else certifi's where installed, else the system's.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import logging
import math
import os
import random
import re
import socket
import ssl
import time
import traceback
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote_plus, unquote

import urllib3
from urllib3.exceptions import (
    HeaderParsingError,
    InvalidHeader,
    LocationParseError,
    NameResolutionError,
    NewConnectionError,
    ProxyError,
)
from urllib3.exceptions import HTTPError as _Urllib3Error
from urllib3.exceptions import TimeoutError as _Urllib3Timeout

from . import _json
from ._deadline import DeadlinePassed, RequestDeadline, watched
from ._version import __version__
from .config import (
    API_VERSIONS,
    DEFAULT_API_VERSION,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ApiKey,
    Connection,
    Endpoint,
    is_loopback,
)
from .errors import (
    BODY_EXCERPT,
    ApiError,
    AuthenticationError,
    ConfigurationError,
    InsecureTransportError,
    NotFoundError,
    PineconeImportsError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})
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
#: to one host, and reads and inflates the body itself, under a cap.
_RAW_REQUEST = {
    "retries": False,
    "redirect": False,
    "assert_same_host": False,
    "preload_content": False,
    "decode_content": False,
}


class _CorruptBody(Exception):
    """A compressed body that does not decompress (garbage, or cut short)."""


class _CutShort(Exception):
    """A 2xx answer whose body, delimited by the end of the connection, is empty."""


class _BadAnswer(Exception):
    """An answer urllib3 reads but this client refuses (a 1xx as the final answer)."""


# Exceptions of a request or of reading its body that mean "the exchange failed": every
# urllib3 error (refused, not resolved, timed out, TLS, proxy, framing: ProtocolError,
# IncompleteRead, InvalidChunkLength, InvalidHeader, LocationParseError, ...), and the
# OSError and http.client errors it lets through. With _CorruptBody and _BadAnswer, that
# is every failure of the network; anything else is a bug and is not hidden.
_EXCHANGE_ERRORS: tuple[type[BaseException], ...] = (
    _Urllib3Error,
    OSError,
    http.client.HTTPException,
    _BadAnswer,
)
_BODY_ERRORS: tuple[type[BaseException], ...] = (*_EXCHANGE_ERRORS, _CorruptBody, _CutShort)
# The server closed a kept-alive connection as the request went out (no byte of an
# answer came): on a reused connection that GET is sent again at once on a new one, as
# browsers and Go's client do.
_STALE: tuple[type[BaseException], ...] = (ConnectionResetError, BrokenPipeError)
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


def parse_retry_after(value: str | None, *, date: str | None = None) -> float | None:
    """Parse a ``Retry-After`` header: the seconds to wait, or None for the normal backoff.

    Accepts seconds (``"7"``, ``"0.5"``) or an HTTP date, counted from the answer's
    ``Date`` header when it has one (the server's clock), else from this machine's clock.
    A negative value, a date in the past or anything else gives None; the result is capped
    at :data:`MAX_RETRY_AFTER`.

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
    return min(seconds, MAX_RETRY_AFTER)


def proxy_for(endpoint: Endpoint) -> str | None:
    """Find the proxy that requests to ``endpoint`` go through (from the environment), or None.

    Reads ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` (either case) and ``NO_PROXY`` (host
    names, domain suffixes, ``*``, and CIDR ranges such as ``10.0.0.0/8``), as requests
    does; a loopback host is never proxied.

    Examples
    --------
    >>> from pinecone_imports_frame.config import normalize_host
    >>> proxy_for(normalize_host("127.0.0.1:5080")) is None  # whatever the environment says
    True
    """
    hostname = endpoint.hostname
    if is_loopback(hostname):
        return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get("https" if endpoint.is_https else "http") or proxies.get("all")
    if not proxy or _bypasses_proxy(endpoint.netloc, hostname):
        return None
    return proxy if "://" in proxy else "http://" + proxy


def _bypasses_proxy(netloc: str, hostname: str) -> bool:
    if urllib.request.proxy_bypass(netloc):
        return True
    no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    for entry in no_proxy.replace(" ", "").split(","):
        if "/" in entry:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


def _tls_context() -> ssl.SSLContext:
    """Make a verifying TLS context: the environment's CA bundle, else certifi's."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        value = os.environ.get(name)
        if value:
            if not os.path.exists(value):
                raise ConfigurationError(
                    f"{name}={value!r} is neither a file nor a directory of CA certificates; "
                    "fix or unset it"
                )
            try:
                return _context_for(value, os.path.getmtime(value))
            except (ssl.SSLError, ValueError) as exc:
                raise ConfigurationError(
                    f"{name}={value!r} holds no usable CA certificate ({exc}); fix or unset it"
                ) from None
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with most installs
        return _context_for(None, 0.0)
    return _context_for(certifi.where(), 0.0)


@functools.lru_cache(maxsize=8)
def _context_for(bundle: str | None, mtime: float) -> ssl.SSLContext:
    # Loading a CA bundle costs ~10 ms; a context serves any number of connections, so one
    # per bundle (and version of it: the mtime is in the key) is made.
    if bundle is not None and os.path.isdir(bundle):
        return ssl.create_default_context(capath=bundle)
    return ssl.create_default_context(cafile=bundle)


@dataclass
class _FailedAttempt:
    """One failed attempt: what the final error would be, and whether to try again."""

    make: Callable[[int], PineconeImportsError]  # the error, given the retries done
    retry: bool
    retry_after: float | None = None
    fast: bool = False  # retried at most FAST_FAILURE_RETRIES times
    cause: BaseException | None = None


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
    allow_insecure : bool
        Allow the key in clear through a proxy to a plain-http host.

    Raises
    ------
    InsecureTransportError
        A proxy from the environment would receive the key in clear.
    ConfigurationError
        A proxy or CA bundle from the environment is malformed.

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
        #: ``scheme://host:port`` of the proxy in use (never its credentials), or None.
        self.proxy: str | None = None
        self._proxy_host: str | None = None
        self._proxy_port = 0
        self._proxy_headers: dict[str, str] | None = None
        proxy = proxy_for(endpoint)
        if proxy is not None:
            self._use_proxy(proxy, allow_insecure=allow_insecure)
        tls = endpoint.is_https or (self.proxy or "").startswith("https:")
        self._pool_kw: dict[str, Any] = {
            "maxsize": 1,
            "block": False,
            "retries": False,
            "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        }
        if tls:
            self._pool_kw["ssl_context"] = _tls_context()
        # Plain http through a proxy is forwarded (the absolute URL in the request line,
        # through the ProxyManager, which adds the proxy's headers); https is tunnelled
        # (CONNECT), and the pool then talks to the index as it would without a proxy.
        self._forwarded = proxy is not None and not endpoint.is_https
        self._manager: urllib3.ProxyManager | None = None
        self._pool: urllib3.HTTPConnectionPool | None = None
        self._urlopen: Callable[..., urllib3.BaseHTTPResponse] | None = None
        # The connection that served the last answer in full: if it is still open when
        # the next request goes out, that request reuses it.
        self._kept: Any = None

    def _use_proxy(self, proxy: str, *, allow_insecure: bool) -> None:
        """Send every request through ``proxy``: tunnelled for https, forwarded for http."""
        try:
            url = urllib3.util.parse_url(proxy)
            host, port = url.host, url.port
        except (LocationParseError, ValueError):
            host, port, url = None, None, None
        if url is None or url.scheme not in ("http", "https") or not host:
            what = f"{url.scheme}://{host}" if url is not None and host else "it"
            raise ConfigurationError(
                f"the proxy set in the environment (HTTPS_PROXY, HTTP_PROXY or ALL_PROXY: "
                f"{what}) is not an http:// or https:// proxy, which is all this package "
                "speaks (https traffic goes through it in a CONNECT tunnel, still "
                "encrypted); fix it, or add this host to NO_PROXY"
            )
        port = port or (443 if url.scheme == "https" else 80)
        self.proxy = f"{url.scheme}://{host}:{port}"
        self._proxy_host, self._proxy_port = host, port
        if not self.endpoint.is_https and not allow_insecure:
            raise InsecureTransportError(
                f"refusing to send the API key in clear through the proxy {self.proxy} "
                f"(from the environment) to plain-http {self.endpoint.netloc}: use https, "
                "add the host to NO_PROXY, or pass allow_insecure=True if both are trusted"
            )
        if url.auth is not None:
            user, _, password = url.auth.partition(":")
            credentials = f"{unquote(user)}:{unquote(password)}"
            self._proxy_headers = urllib3.make_headers(proxy_basic_auth=credentials)

    def _connect(self) -> Callable[..., urllib3.BaseHTTPResponse]:
        """Make the pool (on first use, and after :meth:`close`); return its ``urlopen``."""
        if self.proxy is None:
            pool = urllib3.connection_from_url(self.endpoint.url, **self._pool_kw)
            self._urlopen = pool.urlopen
        else:
            tls = self._pool_kw.get("ssl_context")
            self._manager = urllib3.ProxyManager(
                self.proxy,
                num_pools=1,
                proxy_headers=self._proxy_headers,
                proxy_ssl_context=tls,
                **self._pool_kw,
            )
            pool = self._manager.connection_from_url(self.endpoint.url)
            self._urlopen = self._manager.urlopen if self._forwarded else pool.urlopen
        # Its connections report to the deadline, which cuts a request that overruns.
        pool.ConnectionCls = watched(pool.ConnectionCls, self._deadline)
        self._pool = pool
        return self._urlopen

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
        pool, manager = self._pool, self._manager
        self._pool = self._manager = self._urlopen = self._kept = None
        if manager is not None:
            manager.clear()
        if pool is not None:
            pool.close()

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
                if failure.cause is None:
                    raise error
                raise error from _cleared(failure.cause)
            retries += 1
            wait = failure.retry_after
            if wait is None:
                wait = backoff(retries)
            else:
                logger.info("GET %s: the server asked to retry after %.2f s", path, wait)
            logger.debug("GET %s: retry %d of %d in %.2f s", path, retries, budget, wait)
            _sleep(wait)

    # --- one attempt ----------------------------------------------------------------------

    def _attempt(self, path: str, target: str) -> Any:
        """Make one request: the decoded body, or a :class:`_FailedAttempt` saying what failed.

        The whole exchange (connecting, the answer's head, its body) runs under the
        client's :class:`~pinecone_imports_frame._deadline.RequestDeadline` of ``timeout``
        seconds: past it, the socket is shut down and the attempt is a timeout.
        """
        urlopen = self._urlopen or self._connect()
        url = self.endpoint.url + target if self._forwarded else target
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
        except _TooLarge:
            response.close()
            raise ResponseFormatError(
                f"GET {path} answered {status} with a body larger than "
                f"{MAX_BODY_BYTES // 2**20} MiB (decompressed), far more than a page of "
                "imports: check the host is a Pinecone index host"
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
        body = self._key.redact_bytes(body)
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
        """Translate a failed exchange (urllib3's error, and what it wraps); whether to retry.

        ``late``: the deadline's watchdog cut the exchange, whatever error that caused.
        """
        if late and not isinstance(exc, DeadlinePassed):
            exc = DeadlinePassed(f"the request took longer than {self.timeout:g} s")
        causes = list(_chain(exc))
        at_proxy = self._proxy_host is not None and any(isinstance(e, ProxyError) for e in causes)
        if at_proxy:
            target, host = "the proxy", self._proxy_host or ""
            where = f"{host}:{self._proxy_port}"
            check = "check HTTPS_PROXY (or HTTP_PROXY, ALL_PROXY), or add the host to NO_PROXY"
        else:
            target, host, where = "the host", self.endpoint.hostname, self.endpoint.netloc
            check = ""
        fast = False
        retry = True
        tunnel = next((e for e in causes if str(e).startswith("Tunnel connection failed")), None)
        if any(isinstance(e, (NameResolutionError, socket.gaierror)) for e in causes):
            what = f"could not be sent: {target} {host} does not resolve"
            todo = check or (
                # The control plane's paths are /indexes...: its host is controller_host.
                "check controller_host (or PINECONE_CONTROLLER_HOST; the default is "
                "https://api.pinecone.io)"
                if path.startswith("/indexes")
                else "check the host name (an index host looks like "
                "NAME-xxxx.svc.REGION.pinecone.io)"
            )
            fast = True
        elif any(isinstance(e, ConnectionRefusedError) for e in causes):
            what = f"could not connect: nothing listens on {where}"
            what += " (the proxy)" if at_proxy else ""
            todo = check or "check the host and port, and that the server (or tunnel) is running"
            fast = is_loopback(host)
        elif not at_proxy and _speaks_plain_http(causes):
            what, todo = _plain_http_words(where, loopback=is_loopback(host))
            retry = False  # https:// to a plain-http server never heals: say so at once
        elif any(isinstance(e, ssl.SSLCertVerificationError) for e in causes):
            what = f"failed TLS verification with {target} {where}"
            todo = (
                "check the host name; behind a proxy that inspects TLS, point "
                "REQUESTS_CA_BUNDLE at its CA certificate"
            )
            retry = False
        elif tunnel is not None:
            what = f"was refused by the proxy {self.proxy}"
            todo = "check HTTPS_PROXY (and its credentials), or add the host to NO_PROXY"
            retry = " 407 " not in str(tunnel)  # wrong proxy credentials do not heal
        elif any(_is_timeout(e) for e in causes):
            what = "timed out while reading the answer" if reading else "timed out"
            todo = (
                f"timeout={self.timeout:g} bounds each request whole: connecting, the "
                "answer's head and its body; the host or the network is slow or "
                "unreachable: raise timeout= or try again"
            )
        elif isinstance(exc, _CorruptBody):
            what = "answered a compressed body that does not decompress"
            todo = "try again; if it persists, the host or a proxy on the way corrupts answers"
        elif reading:
            what = "was cut off while reading the answer"
            todo = "the connection dropped mid-answer; try again"
        elif any(isinstance(e, ConnectionError) for e in causes):
            what = f"was dropped by {target} before an answer came"
            todo = check or "try again; if it persists, check the host and your network"
        elif isinstance(exc, _BadAnswer) or any(
            isinstance(e, (http.client.HTTPException, InvalidHeader, HeaderParsingError))
            for e in causes
        ):
            what = "got an answer that is not valid HTTP/1.1"
            todo = "check the host is a Pinecone index host; try again"
        else:
            what = f"failed to connect to {target} or was dropped"
            todo = check or "check the host and your network, or try again"
        reason = _reason(exc, self._key)
        key = self._key

        def make(retries: int) -> PineconeImportsError:
            text = f"GET {path} {what} ({_retried(retries)}): {reason} ({todo})"
            return TransportError(key.redact(text))

        return _FailedAttempt(make, retry=retry, fast=fast, cause=exc)

    def _status_failure(
        self,
        path: str,
        status: int,
        headers: Any,
        body: bytes | None,
        body_error: BaseException | None,
    ) -> _FailedAttempt:
        """Translate an error status with the server's error body fields."""
        code, message, details = _error_fields(body, self._key) if body else (None, "", [])
        if not message:
            message = (
                "(the error body was cut off)"
                if body_error
                else (http.client.responses.get(status, "") or "no message")
            )
        message = self._key.redact(message)[:BODY_EXCERPT]
        location = headers.get("location")
        api_version = str(self.api_version)

        if 300 <= status < 400:
            where = self._key.redact(_strip_userinfo(location or "(no Location header)"))
            hint = (
                f"redirected to {where[:200]}; redirects are not followed (the key would go "
                "along): use that host if you trust it"
            )
        elif status == 400 and _mentions_version(message, api_version):
            hint = (
                f"the API refused X-Pinecone-API-Version {api_version!r}; try one of "
                f"{', '.join(API_VERSIONS)} (api_version=...)"
            )
        else:
            hint = _HINTS.get(status) or (
                "the server failed; {retried}, try again later" if status >= 500 else ""
            )
        retry = status in RETRY_STATUSES or body_error is not None
        retry_after = (
            parse_retry_after(headers.get("retry-after"), date=headers.get("date"))
            if status in RETRY_STATUSES
            else None
        )
        cls = _status_class(status)

        def make(retries: int) -> PineconeImportsError:
            text = f"HTTP {status} from GET {path}: {message}"
            if hint:
                retried = {0: "not retried", 1: "retried once"}.get(
                    retries, f"retried {retries} times"
                )
                text += f" ({hint.format(retried=retried)})"
            return cls(text, status=status, code=code, message=message, details=details, path=path)

        return _FailedAttempt(make, retry=retry, retry_after=retry_after, cause=None)


# --- reading a body -----------------------------------------------------------------------


class _TooLarge(Exception):
    """The body is larger than the limit (decompressed)."""


class _Inflater:
    """gzip or deflate, decompressed with a bound on the output of each call."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._raw_deflate = False
        self._obj = self._new()
        self._started = False

    def _new(self) -> Any:
        if self.encoding == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        return zlib.decompressobj(-zlib.MAX_WBITS if self._raw_deflate else zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> bytes:
        """Decompress ``data``; raise _TooLarge if it inflates past ``room`` bytes."""
        out: list[bytes] = []
        while data:
            try:
                chunk = self._obj.decompress(data, room + 1)
            except zlib.error as exc:
                # "deflate" is zlib-wrapped by the standard, raw in some servers: try both.
                if self.encoding == "deflate" and not self._started and not self._raw_deflate:
                    self._raw_deflate = True
                    self._obj = self._new()
                    continue
                raise _CorruptBody(f"{self.encoding}: {exc}") from None
            self._started = True
            room -= len(chunk)
            if room < 0 or self._obj.unconsumed_tail:
                raise _TooLarge
            out.append(chunk)
            data = b""
            if self._obj.eof and self._obj.unused_data:
                if self.encoding != "gzip":
                    raise _CorruptBody("data after the end of the deflate stream")
                data = self._obj.unused_data  # another gzip member follows
                self._obj = self._new()
        return b"".join(out)

    def finish(self) -> None:
        """Raise _CorruptBody unless the stream ended where the body did."""
        if not self._obj.eof:
            raise _CorruptBody(f"the {self.encoding} stream is cut short")


def _read_body(
    response: Any, *, limit: int, strict: bool, deadline: RequestDeadline | None = None
) -> bytes:
    """Read a body as it streams, decompressed, refusing more than ``limit`` bytes.

    With ``strict`` False (an error answer), a body past the limit is cut there instead,
    and the connection is dropped rather than read to the end. ``deadline`` is checked
    between reads (its watchdog cuts a read that blocks past it).
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
        inflater = None
    elif encoding in ("gzip", "x-gzip", "deflate"):
        inflater = _Inflater("deflate" if encoding == "deflate" else "gzip")
    else:
        raise _CorruptBody(f"the body is encoded as {encoding[:40]!r}, which was not asked for")
    parts: list[bytes] = []
    size = 0
    wire = 0
    for raw in _raw_pieces(response):
        if deadline is not None:
            deadline.check()
        wire += len(raw)
        piece = raw if inflater is None else inflater.feed(raw, limit - size)
        size += len(piece)
        if size > limit or wire > limit:
            if strict:
                raise _TooLarge
            parts.append(piece[: max(0, len(piece) - (size - limit))])
            response.close()  # the rest is not read; the connection is not reused
            return b"".join(parts)
        parts.append(piece)
    if inflater is not None:
        inflater.finish()
    if strict and not wire and not response.chunked:
        # A body that ends with the connection, and is empty: nothing tells it from an
        # answer cut off after its head (an HTTP/1.0 server, or a head urllib3 read
        # leniently). A 2xx of this API always has a body, so it is retried as cut off.
        raise _CutShort("the connection closed where the body should have begun")
    return b"".join(parts)


def _raw_pieces(response: Any) -> Iterator[bytes]:
    """Yield the body as it arrives, still compressed, at most ``_CHUNK`` bytes at a time.

    ``read1`` (urllib3 2.2) and not ``stream``: a chunk whose size line is negative
    (``-1``) makes the chunked readers behind ``stream`` and ``read`` read the rest of
    the connection in one call, past any cap; ``read1`` reads it one buffer at a time.
    """
    read1 = response.read1
    while True:
        data: bytes = read1(_CHUNK, decode_content=False)
        if not data:
            return
        yield data


# --- translating --------------------------------------------------------------------------

_HINTS = {
    400: "the request was refused as invalid",
    401: "check the API key (api_key=... or PINECONE_API_KEY) belongs to this project",
    403: "the API key is not allowed to read this index; check its project and role",
    404: "check the host is this index's host as the console shows it, or the index name",
    408: "the server timed out; {retried}, try again later",
    429: "rate limited; {retried}, wait and try again or raise max_retries",
}


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


def _retried(retries: int) -> str:
    """Say how many retries were made: "no retry", "after 1 retry", "after 3 retries"."""
    if retries == 0:
        return "no retry"
    return f"after {retries} retr{'y' if retries == 1 else 'ies'}"


def _status_class(status: int) -> type[ApiError]:
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return ServerError
    return ApiError


def _mentions_version(message: str, api_version: str) -> bool:
    lowered = message.lower()
    return api_version in message or "version" in lowered


def _error_fields(body: bytes, key: ApiKey) -> tuple[int | None, str, list[Any]]:
    """``code``, ``message`` and ``details`` of an error body, whatever its shape.

    The data plane answers rpcStatus ``{code, message, details}``; the control plane
    ``{"error": {"code": "NOT_FOUND", "message": ...}, "status": 404}``; the authentication
    and rate-limiting layer of API 2026-07 plain text (``Unauthorized``). Anything else is
    quoted as text.
    """
    body = key.redact_bytes(body)
    try:
        decoded = _json.loads(body)
    except _json.JsonError:
        decoded = None
    if isinstance(decoded, dict):
        inner = decoded.get("error")
        fields = inner if isinstance(inner, dict) else decoded
        raw_code = fields.get("code")
        code = raw_code if type(raw_code) is int else None
        raw_message = fields.get("message")
        message = raw_message if isinstance(raw_message, str) else ""
        if isinstance(inner, dict) and isinstance(raw_code, str):
            message = f"{raw_code}: {message}" if message else raw_code
        elif not message and isinstance(inner, str):  # {"error": "text"}
            message = inner
        raw_details = fields.get("details")
        details = _redact_values(raw_details, key) if isinstance(raw_details, list) else []
        if message or code is not None or details:
            return code, key.redact(message), details
    text = body[: BODY_EXCERPT * 4].decode("utf-8", "replace")
    text = " ".join(key.redact(text).split())  # plain text, HTML: one line
    return None, text[:BODY_EXCERPT], []


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


def _redact_values(value: Any, key: ApiKey) -> Any:
    """``value`` with the key redacted from every string in it (keys of objects too)."""
    if isinstance(value, str):
        return key.redact(value)
    if isinstance(value, list):
        return [_redact_values(v, key) for v in value]
    if isinstance(value, dict):
        return {_redact_values(k, key): _redact_values(v, key) for k, v in value.items()}
    return value


def _strip_userinfo(url: str) -> str:
    return re.sub(r"(?<=://)[^/@\s]*@", "", url)


#: OpenSSL's reasons when a TLS handshake gets a plain-HTTP answer: "wrong version number"
#: (OpenSSL 1.1 to 3.1), "record layer failure" (3.2 and later), "http request".
_PLAIN_HTTP_REASONS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST")


def _speaks_plain_http(causes: list[BaseException]) -> bool:
    """Whether a TLS handshake failed because the server answered in plain HTTP.

    ``https://`` to a plain-http server (the emulator, a local proxy) retried for 17 s
    and ended in ``SSLError: WRONG_VERSION_NUMBER``; it is a wrong URL, never transient.

    Examples
    --------
    >>> error = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)")
    >>> _speaks_plain_http([error]), _speaks_plain_http([ConnectionResetError()])
    (True, False)
    """
    for e in causes:
        if not isinstance(e, ssl.SSLError) and "SSL" not in type(e).__name__:
            continue
        said = f"{getattr(e, 'reason', '') or ''} {e}".upper().replace(" ", "_")
        if any(reason in said for reason in _PLAIN_HTTP_REASONS):
            return True
    return False


def _plain_http_words(where: str, *, loopback: bool) -> tuple[str, str]:
    """Say what failed, and what to do, when ``https://`` reached a plain-http server."""
    todo = f"use http://{where}"
    if not loopback:
        todo += " and allow_insecure=True, if sending the key unencrypted is acceptable"
    return f"failed: the server at {where} speaks plain HTTP, not HTTPS", todo


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """Yield ``exc``, then what it wraps: urllib3's errors hold the socket's or TLS's error.

    Follows ``ProxyError.original_error``, an exception among the ``args`` (``ProtocolError``
    and ``SSLError`` keep theirs there), then ``__cause__`` and ``__context__``.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        inner = [getattr(current, "original_error", None), *current.args]
        inner += [current.__cause__, current.__context__]
        current = next((x for x in inner if isinstance(x, BaseException)), None)


def _is_timeout(exc: BaseException) -> bool:
    # urllib3's NewConnectionError derives from its ConnectTimeoutError, for history only.
    if isinstance(exc, _Urllib3Timeout):
        return not isinstance(exc, NewConnectionError)
    return isinstance(exc, TimeoutError)


def _stale(exc: BaseException) -> bool:
    """Tell whether the server closed the connection before any byte of an answer."""
    return any(isinstance(e, _STALE) for e in _chain(exc))


def _reason(exc: BaseException, key: ApiKey) -> str:
    """Say the underlying cause of a failed exchange (refused, not resolved, reset) in a line.

    urllib3's wrappers name the pool or the connection object; the innermost error says
    what happened (``ConnectionRefusedError: [Errno 111] Connection refused``), except for
    a timeout, which urllib3 words best (``Read timed out. (read timeout=2)``).
    """
    causes = list(_chain(exc))
    said = next((e for e in causes if _is_timeout(e)), causes[-1])
    if isinstance(said, DeadlinePassed):
        return str(said)
    text = str(said) or type(said).__name__
    if isinstance(said, _Urllib3Error) and "): " in text:
        text = text.split("): ", 1)[1]  # "HTTPConnectionPool(host=..., port=...): ..."
    if type(said).__name__ not in text and not type(said).__name__.startswith("_"):
        text = f"{type(said).__name__}: {text}"
    return key.redact(" ".join(text.split()))[:BODY_EXCERPT]


def _cleared(exc: BaseException) -> BaseException:
    """``exc`` and every exception chained to it, with their frames' locals cleared.

    The transport's frames may hold the request's bytes, the key among them; a traceback
    formatted with locals (Sentry, ``pytest -l``) would show them.
    """
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if current.__traceback__ is not None:
            traceback.clear_frames(current.__traceback__)
        linked = [current.__cause__, current.__context__, *current.args]
        linked += [getattr(current, "reason", None), getattr(current, "original_error", None)]
        todo.extend(x for x in linked if isinstance(x, BaseException))
    return exc


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
