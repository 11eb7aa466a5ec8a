"""The HTTP session: headers, one retry policy (urllib3 ``Retry``), timeouts, error mapping.

Every request of the package goes through :class:`ApiClient`. Errors are translated in
one place, :func:`_translate`, and the API key is scrubbed from anything that could carry
it out (exception text, the chained requests exception, log lines).
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from itertools import takewhile
from typing import Any
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_encoding_from_headers
from urllib3.util.retry import Retry

from ._version import __version__
from .config import (
    DEFAULT_API_VERSION,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ApiKey,
    Connection,
    Endpoint,
)
from .errors import (
    BODY_EXCERPT,
    ApiError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    TransportError,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})
#: A Retry-After longer than this is cut to it: a listing should not hang for an hour.
MAX_RETRY_AFTER = 60.0
USER_AGENT = f"pinecone-imports-frame/{__version__} python-requests/{requests.__version__}"

# Indirection so that retry tests can record the waits instead of sleeping them.
_sleep = time.sleep


class _Retry(Retry):
    """urllib3's Retry with waits through :data:`_sleep` and Retry-After capped."""

    def sleep_for_retry(self, response: Any = None) -> bool:
        retry_after = self.get_retry_after(response) if response is not None else None
        if retry_after:
            wait = min(retry_after, MAX_RETRY_AFTER)
            logger.info("server asked to retry after %.1f s; waiting %.1f s", retry_after, wait)
            _sleep(wait)
            return True
        return False

    def get_backoff_time(self) -> float:
        # urllib3 does not wait before the first retry; a server that just failed
        # deserves a pause, so every retry waits factor * 2**(n-1) plus jitter.
        errors = len(list(takewhile(lambda h: h.redirect_location is None, reversed(self.history))))
        if errors == 0:
            return 0.0
        value = self.backoff_factor * 2 ** (errors - 1) + random.random() * self.backoff_jitter
        return float(min(self.backoff_max, value))

    def _sleep_backoff(self) -> None:
        backoff = self.get_backoff_time()
        if backoff > 0:
            logger.debug("retrying in %.2f s", backoff)
            _sleep(backoff)


class _ApiAdapter(HTTPAdapter):
    """requests' adapter without the cookie jar and the header copy.

    The API sets no cookies, and parsing the response headers into a cookie jar, then
    copying them into a second case-insensitive mapping, was a tenth of the client's CPU
    per page.
    """

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = resp.status
        response.headers = resp.headers  # urllib3's HTTPHeaderDict: already case-insensitive
        response.encoding = get_encoding_from_headers(resp.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url or ""
        response.request = req
        response.connection = self
        return response


def make_retry(max_retries: int) -> Retry:
    """Build the one retry policy: 408, 429 and 5xx gateways, dropped connections, GET only.

    Exponential backoff before every retry (0.5 s, 1 s, 2 s, ... up to 30 s) plus up to
    0.5 s of jitter;
    ``Retry-After`` honoured (capped at :data:`MAX_RETRY_AFTER`).
    """
    return _Retry(
        total=max_retries,
        connect=max_retries,
        read=max_retries,
        status=max_retries,
        other=0,
        backoff_factor=0.5,
        backoff_max=30.0,
        backoff_jitter=0.5,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )


class ApiClient:
    """An HTTP session to one host of the Pinecone API (an index, or the control plane).

    Carries the package's headers, its one retry policy and its error translation. A
    client serves one request at a time (one listing, one thread); to list several
    indexes at once, give each its own client.

    Parameters
    ----------
    endpoint : Endpoint
        Base URL (``config.normalize_host``).
    api_key : ApiKey
        Sent in the ``Api-Key`` header only.
    timeout : float
        Seconds to connect and, separately, to wait for each read.
    max_retries : int
        Retries of 408, 429, 5xx gateways and dropped connections.
    api_version : str
        Sent as ``X-Pinecone-API-Version``.

    Examples
    --------
    >>> from pinecone_imports_frame.config import ApiKey, normalize_host
    >>> client = ApiClient(normalize_host("127.0.0.1:5080"), api_key=ApiKey("k"))
    >>> client
    ApiClient('http://127.0.0.1:5080', api_version='2025-04')
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
    ) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.max_retries = max_retries
        self.api_version = api_version
        self._key = api_key
        #: The ``Date`` header of the last successful answer (UTC), or None.
        self.last_date: datetime | None = None
        # The adapter is the transport: urllib3's pool with the one Retry policy. Requests
        # go straight to it with a prepared request copied from a template, because a
        # Session re-reads proxy settings from the environment and re-merges headers and
        # cookies on every call: a third of the client's CPU on a 1,000-page listing.
        # Proxies and the CA bundle are read from the environment once, here.
        self._adapter = _ApiAdapter(max_retries=make_retry(max_retries), pool_maxsize=4)
        self._proxies = requests.utils.get_environ_proxies(endpoint.url)
        self._verify: bool | str = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        # One prepared request, re-pointed at each URL: a client serves one listing at a
        # time on one thread, and copying the headers per request cost more than the send.
        self._request = requests.PreparedRequest()
        self._request.prepare(
            method="GET",
            url=endpoint.url + "/",
            headers={
                "Api-Key": api_key.reveal(),
                "X-Pinecone-API-Version": api_version,
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                "Accept-Encoding": "gzip, deflate",
            },
        )

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
        )

    def __repr__(self) -> str:
        return f"ApiClient({self.endpoint.url!r}, api_version={self.api_version!r})"

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections."""
        self._adapter.close()

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` and decode its JSON body; raise a package error for anything else.

        The server's clock, from the answer's ``Date`` header, is kept in ``last_date``
        (None when the header is absent or not an HTTP date).
        """
        request = self._request
        request.url = self.endpoint.url + path + ("?" + urlencode(params) if params else "")
        try:
            response = self._adapter.send(
                request, timeout=self.timeout, verify=self._verify, proxies=self._proxies
            )
        except requests.RequestException as exc:
            raise _translate_transport(exc, path, self._key, self.max_retries) from _scrub(exc)
        if response.status_code >= 400:
            error = _translate_status(response, path, self._key, self.max_retries)
            response.close()
            raise error
        self.last_date = _http_date(response.headers.get("Date"))
        try:
            body = json.loads(response.content)
        except ValueError:
            raise ResponseFormatError(
                f"GET {path} answered {response.status_code} with a body that is not JSON: "
                f"{_excerpt(response.text, self._key)!r}; check the host is a Pinecone index host"
            ) from None
        return body


def _http_date(value: str | None) -> datetime | None:
    """Parse an HTTP ``Date`` header to an aware UTC datetime; None if absent or invalid."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # "-0000": RFC 5322's "no zone information", taken as UTC
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


_HINTS = {
    400: "the request was refused as invalid",
    401: "check the API key (api_key=... or PINECONE_API_KEY) belongs to this project",
    403: "the API key is not allowed to read this index; check its project and role",
    404: "check the host is this index's host as the console shows it, or the index name",
    408: "the server timed out; retried {n} times, try again later",
    429: "rate limited; retried {n} times, wait and try again or raise max_retries",
}


def _excerpt(text: str, key: ApiKey) -> str:
    return key.redact(text[:BODY_EXCERPT])


def _scrub(exc: BaseException) -> BaseException:
    """Remove the key from the request a requests exception keeps, then return it."""
    for holder in (exc, getattr(exc, "response", None)):
        request = getattr(holder, "request", None)
        headers = getattr(request, "headers", None)
        if headers is not None and "Api-Key" in headers:
            headers["Api-Key"] = "***"
    return exc


def _translate_status(
    response: requests.Response, path: str, key: ApiKey, retries: int
) -> ApiError:
    """Translate an HTTP error status, with the server's error body fields."""
    status = response.status_code
    code: int | None = None
    details: list[Any] = []
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        # The data plane answers rpcStatus {code, message, details}; the control plane
        # answers {"error": {"code": "NOT_FOUND", "message": ...}, "status": 404}.
        inner = body.get("error")
        fields = inner if isinstance(inner, dict) else body
        raw_code = fields.get("code")
        code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
        message = str(fields.get("message") or "")
        if isinstance(inner, dict) and isinstance(raw_code, str):
            message = f"{raw_code}: {message}" if message else raw_code
        raw_details = fields.get("details")
        details = raw_details if isinstance(raw_details, list) else []
    if not message:
        message = _excerpt(response.text, key).strip() or (response.reason or "")
    message = key.redact(message)
    if status in (401, 403):
        cls: type[ApiError] = AuthenticationError
    elif status == 404:
        cls = NotFoundError
    elif status == 429:
        cls = RateLimitError
    elif status >= 500:
        cls = ServerError
    else:
        cls = ApiError
    hint = _HINTS.get(status)
    if hint is None and status >= 500:
        hint = "the server failed; retried {n} times, try again later"
    text = f"HTTP {status} from GET {path}: {message}"
    if hint:
        text += f" ({hint.format(n=retries)})"
    return cls(text, status=status, code=code, message=message, details=details, path=path)


def _translate_transport(
    exc: requests.RequestException, path: str, key: ApiKey, retries: int
) -> TransportError:
    """Translate a connection that failed after every retry."""
    if isinstance(exc, requests.Timeout):
        what = "timed out"
        todo = "the host is slow or unreachable; raise timeout= or try again"
    elif isinstance(exc, requests.exceptions.SSLError):
        what = "failed TLS verification"
        todo = "check the host name; an index host looks like NAME-xxxx.svc.REGION.pinecone.io"
    else:
        what = "failed to connect or was dropped"
        todo = "check the host and your network, or try again"
    # requests wraps urllib3's MaxRetryError, whose text repeats the pool and the URL;
    # the underlying reason (refused, name not resolved, reset) is what the user needs.
    cause: object = exc.args[0] if exc.args else exc
    cause = getattr(cause, "reason", None) or cause
    reason = key.redact(str(cause))[:BODY_EXCERPT]
    return TransportError(f"GET {path} {what} after {retries} retries: {reason} ({todo})")
