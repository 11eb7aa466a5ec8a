"""Error translation: a failed exchange or an error status becomes one of the package's errors.

The one place where urllib3's exceptions (and the socket's, TLS's and http.client's that
they wrap) and HTTP error statuses are turned into the error tree of
:mod:`pinecone_imports_frame.errors`: :func:`transport_failure` and :func:`status_failure`
say what the final error would be and whether the attempt is worth retrying;
:class:`~pinecone_imports_frame.client.ApiClient` decides when to retry. Every text from
the server or the transport is redacted of the key before it is quoted.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import (
    DecodeError,
    HeaderParsingError,
    InvalidHeader,
    NameResolutionError,
    NewConnectionError,
    ProxyError,
)
from urllib3.exceptions import HTTPError as _Urllib3Error
from urllib3.exceptions import TimeoutError as _Urllib3Timeout

from . import _json
from ._deadline import DeadlinePassed
from .config import API_VERSIONS, ApiKey, is_loopback
from .errors import (
    BODY_EXCERPT,
    ApiError,
    AuthenticationError,
    NotFoundError,
    PineconeImportsError,
    RateLimitError,
    ServerError,
    TransportError,
)

if TYPE_CHECKING:
    from .transport import Transport

RETRY_STATUSES: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})


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


@dataclass
class _FailedAttempt:
    """One failed attempt: what the final error would be, and whether to try again."""

    make: Callable[[int], PineconeImportsError]  # the error, given the retries done
    retry: bool
    retry_after: float | None = None
    retry_asked: float | None = None  # what Retry-After asked, before the cap
    fast: bool = False  # retried at most FAST_FAILURE_RETRIES times
    cause: BaseException | None = None

    def retry_said(self) -> str:
        """Say what ``Retry-After`` asked and what is waited (the cap, when it asked more)."""
        wait = self.retry_after or 0.0
        asked = wait if self.retry_asked is None else self.retry_asked
        cap = ", the cap" if asked > wait else ""
        return f"the server asked to retry after {asked:g} s; waiting {wait:g} s{cap}"


def transport_failure(
    exc: BaseException,
    path: str,
    *,
    reading: bool,
    late: bool = False,
    timeout: float,
    key: ApiKey,
    transport: Transport,
) -> _FailedAttempt:
    """Translate a failed exchange (urllib3's error, and what it wraps); whether to retry.

    ``late``: the deadline's watchdog cut the exchange, whatever error that caused.
    ``timeout``, ``key`` and ``transport`` are the client's (its endpoint and proxy).

    Examples
    --------
    >>> from pinecone_imports_frame._deadline import RequestDeadline
    >>> from pinecone_imports_frame.config import ApiKey, normalize_host
    >>> from pinecone_imports_frame.transport import Transport
    >>> transport = Transport(
    ...     normalize_host("127.0.0.1:5080"), timeout=5.0, deadline=RequestDeadline()
    ... )
    >>> failure = transport_failure(
    ...     ConnectionRefusedError(111, "Connection refused"),
    ...     "/bulk/imports",
    ...     reading=False,
    ...     timeout=5.0,
    ...     key=ApiKey("k"),
    ...     transport=transport,
    ... )
    >>> failure.retry, failure.fast
    (True, True)
    >>> print(failure.make(1))
    GET /bulk/imports could not connect: nothing listens on 127.0.0.1:5080 (after 1 retry): \
ConnectionRefusedError: [Errno 111] Connection refused (check the host and port, and that \
the server (or tunnel) is running)
    """
    if late and not isinstance(exc, DeadlinePassed):
        exc = DeadlinePassed(f"the request took longer than {timeout:g} s")
    causes = list(_chain(exc))
    at_proxy = transport.proxy_host is not None and any(isinstance(e, ProxyError) for e in causes)
    if at_proxy:
        target, host = "the proxy", transport.proxy_host or ""
        where = f"{host}:{transport.proxy_port}"
        check = "check HTTPS_PROXY (or HTTP_PROXY, ALL_PROXY), or add the host to NO_PROXY"
    else:
        target, host, where = "the host", transport.endpoint.hostname, transport.endpoint.netloc
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
            else "check the host name (an index host looks like NAME-xxxx.svc.REGION.pinecone.io)"
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
        what = f"was refused by the proxy {transport.proxy}"
        todo = "check HTTPS_PROXY (and its credentials), or add the host to NO_PROXY"
        retry = " 407 " not in str(tunnel)  # wrong proxy credentials do not heal
    elif any(_is_timeout(e) for e in causes):
        what = "timed out while reading the answer" if reading else "timed out"
        todo = (
            f"timeout={timeout:g} bounds each request whole: connecting, the "
            "answer's head and its body; the host or the network is slow or "
            "unreachable: raise timeout= or try again"
        )
    elif isinstance(exc, (_CorruptBody, DecodeError)):  # urllib3 failed to inflate it
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
    reason = _reason(exc, key)

    def make(retries: int) -> PineconeImportsError:
        text = f"GET {path} {what} ({_retried(retries)}): {reason} ({todo})"
        return TransportError(key.redact(text))

    return _FailedAttempt(make, retry=retry, fast=fast, cause=exc)


def status_failure(
    path: str,
    status: int,
    headers: Any,
    body: bytes | None,
    body_error: BaseException | None,
    *,
    key: ApiKey,
    api_version: str,
) -> _FailedAttempt:
    """Translate an error status with the server's error body fields.

    The client adds the wait a ``Retry-After`` header asks for (``retry_after``).

    Examples
    --------
    >>> from pinecone_imports_frame.config import ApiKey
    >>> failure = status_failure(
    ...     "/bulk/imports", 404, {}, b'{"code": 5, "message": "no such index"}', None,
    ...     key=ApiKey("k"), api_version="2026-07",
    ... )
    >>> type(failure.make(0)).__name__, failure.retry
    ('NotFoundError', False)
    """
    code, message, details = _error_fields(body, key) if body else (None, "", [])
    if not message:
        message = (
            "(the error body was cut off)"
            if body_error
            else (http.client.responses.get(status, "") or "no message")
        )
    message = key.redact(message)[:BODY_EXCERPT]
    location = headers.get("location")
    api_version = str(api_version)

    if 300 <= status < 400:
        where = key.redact(_strip_userinfo(location or "(no Location header)"))
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
    cls = _status_class(status)

    def make(retries: int) -> PineconeImportsError:
        text = f"HTTP {status} from GET {path}: {message}"
        if hint:  # not str.format: a redirect's hint quotes the server's Location
            retried = {0: "not retried", 1: "retried once"}.get(retries, f"retried {retries} times")
            text += f" ({hint.replace('{retried}', retried)})"
        return cls(text, status=status, code=code, message=message, details=details, path=path)

    return _FailedAttempt(make, retry=retry, cause=None)


_HINTS = {
    400: "the request was refused as invalid",
    401: "check the API key (api_key=... or PINECONE_API_KEY) belongs to this project",
    403: "the API key is not allowed to read this index; check its project and role",
    404: "check the host is this index's host as the console shows it, or the index name",
    408: "the server timed out; {retried}, try again later",
    429: "rate limited; {retried}, wait and try again or raise max_retries",
}


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


def safe_cause(exc: BaseException, key: ApiKey) -> BaseException | None:
    """``exc`` to chain to an error (its frames cleared), or None if it quotes the key.

    A server that echoes the key where the transport parses (a status line, a chunk's
    size) gets it into the messages of the exceptions urllib3 and http.client raise;
    chained, a traceback would print it even without locals. The error's own message is
    redacted already, so such a chain is dropped whole.
    """
    chain = _chain_of(exc)
    for current in chain:
        for text in (str(current), repr(current)):
            if key.redact(text) != text:
                return None
    for current in chain:
        if current.__traceback__ is not None:
            traceback.clear_frames(current.__traceback__)
    return exc


def _chain_of(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception chained to it or held in its arguments."""
    seen: dict[int, BaseException] = {}
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen[id(current)] = current
        linked = [current.__cause__, current.__context__, *current.args]
        linked += [getattr(current, "reason", None), getattr(current, "original_error", None)]
        todo.extend(x for x in linked if isinstance(x, BaseException))
    return list(seen.values())
