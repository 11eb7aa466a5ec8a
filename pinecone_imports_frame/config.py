"""Where to send requests and with which key: arguments first, then the environment.

Resolves the index host (a bare host as the console shows it, or a URL), the API key and
the control-plane URL into one immutable :class:`Connection`, and refuses settings under
which a request would go wrong (a key over plain http to a remote host, a page size the
API refuses) before anything is sent. Every connection default is defined here, once.
"""

from __future__ import annotations

import functools
import inspect
import ipaddress
import logging
import math
import os
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, TypedDict, TypeVar, cast
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from .errors import ConfigurationError, InsecureTransportError
from .schema import TIME_UNIT

logger = logging.getLogger(__name__)

ENV_API_KEY = "PINECONE_API_KEY"
ENV_INDEX_HOST = "PINECONE_INDEX_HOST"
ENV_CONTROLLER_HOST = "PINECONE_CONTROLLER_HOST"
DEFAULT_CONTROLLER = "https://api.pinecone.io"
#: The versions of Pinecone's API this package knows, oldest first. A newer one can be sent
#: as given with :class:`UnlistedApiVersion`.
API_VERSIONS: tuple[str, ...] = ("2025-04", "2025-10", "2026-04", "2026-07")
DEFAULT_API_VERSION = "2026-07"
#: Seconds each request may take in all: connecting, the answer's head and its body.
DEFAULT_TIMEOUT = 30.0
#: The longest ``timeout`` accepted: a day for one request.
MAX_TIMEOUT = 86_400.0
#: Retries of 408, 429, 5xx gateways and dropped connections.
DEFAULT_MAX_RETRIES = 5
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 100
#: Pages a listing may have before it is stopped with ``PaginationError``: 10,000,000
#: imports at the default page size, far more than any project keeps.
DEFAULT_MAX_PAGES = 100_000

# What an API key may contain: printable ASCII, no whitespace (it goes in an HTTP header).
_KEY_CHARS = re.compile(r"[\x21-\x7e]+")
# A host name as DNS has them (letters, digits, hyphens, dots; underscores seen in the wild).
_HOST_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?")
# Where a redacted key leaves a mark; pieces this long or longer are redacted too.
_REDACTED = "***"
_KEY_PIECE = 8


class ApiKey:
    r"""An API key that never shows itself: its repr and str are redacted.

    Checked on creation: printable ASCII with no whitespace, as an HTTP header needs it.
    The error for a key that is not says what is wrong without quoting the key.

    Examples
    --------
    >>> key = ApiKey("pcsk_secret")
    >>> key
    ApiKey('***')
    >>> key.reveal()
    'pcsk_secret'
    >>> ApiKey("pcsk_secret\r\nX-Evil: 1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: the API key has ... a line break, ...
    """

    __slots__ = ("_bytes", "_value")

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise ConfigurationError(
                f"the API key must be a str, not {type(value).__name__}: pass api_key='...' or "
                f"set {ENV_API_KEY}"
            )
        if not _KEY_CHARS.fullmatch(value):
            raise ConfigurationError(
                "the API key has a space, a line break, a control or a non-ASCII character, "
                "which an HTTP header cannot carry: copy it again from the API Keys page of "
                "the Pinecone console (the key is not shown here)"
            ) from None
        self._value = value
        self._bytes = value.encode("ascii")

    def reveal(self) -> str:
        """Return the key itself, for the ``Api-Key`` header and nothing else.

        Examples
        --------
        >>> ApiKey("pcsk_secret").reveal()
        'pcsk_secret'
        """
        return self._value

    def redact(self, text: str) -> str:
        """Replace the key, and every piece of 8 characters of it, in ``text`` by ``***``.

        Redact before cutting a text to an excerpt: a cut key no longer matches whole. Keys
        shorter than 6 characters (test keys like "k") are left alone: replacing every "k"
        in a message would only garble it, and no real key is that short.

        Examples
        --------
        >>> key = ApiKey("pcsk_TOP-SECRET-4f9a1c")
        >>> key.redact("echo pcsk_TOP-SECRET-4f9a1c!")
        'echo ***!'
        >>> key.redact("echo pcsk_TOP-SECR...")  # a prefix, as a server that cuts echoes it
        'echo ***...'
        >>> ApiKey("k").redact("GET /bulk/imports")
        'GET /bulk/imports'
        """
        key = self._value
        if len(key) < 6:
            return text
        if key in text:
            text = text.replace(key, _REDACTED)
        # Mark every character covered by a piece of the key, then replace each run of
        # marked characters by one mark: a prefix, a suffix or a middle part all vanish.
        covered: bytearray | None = None
        for start in range(len(key) - _KEY_PIECE + 1):
            piece = key[start : start + _KEY_PIECE]
            at = text.find(piece)
            while at != -1:
                if covered is None:
                    covered = bytearray(len(text))
                covered[at : at + _KEY_PIECE] = b"\x01" * _KEY_PIECE
                at = text.find(piece, at + 1)
        if covered is None:
            return text
        out: list[str] = []
        at = 0
        while at < len(text):
            if covered[at]:
                while at < len(text) and covered[at]:
                    at += 1
                out.append(_REDACTED)
            else:
                end = covered.find(1, at)
                end = len(text) if end == -1 else end
                out.append(text[at:end])
                at = end
        return "".join(out)

    def redact_bytes(self, data: bytes) -> bytes:
        """Replace every occurrence of the key in ``data`` (a response body) by ``***``.

        Examples
        --------
        >>> ApiKey("pcsk_secret").redact_bytes(b'{"echo": "pcsk_secret"}')
        b'{"echo": "***"}'
        """
        if len(self._bytes) < 6 or self._bytes not in data:
            return data
        return data.replace(self._bytes, b"***")

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an ApiKey is not pickled, so that it is never written to a file")


def _refuse_a_key_as_host(host: Any, key: ApiKey) -> None:
    """Refuse a host that is (or holds) an API key: it would go to DNS and into logs."""
    if not isinstance(host, str):
        return  # normalize_host says what is wrong
    text = host.strip()
    bare = text.split("://", 1)[-1]
    secret = key.reveal()
    if (len(secret) >= _KEY_PIECE and secret in text) or bare.lower().startswith("pcsk_"):
        raise ConfigurationError(
            "host looks like an API key (it is not repeated here): pass the key as api_key= "
            "(or PINECONE_API_KEY) and the index host as the console shows it, e.g. "
            "my-index-abc123.svc.aped-4627-b74a.pinecone.io"
        )


def resolve_api_key(api_key: str | ApiKey | None) -> ApiKey:
    r"""Take the key from ``api_key``, else ``PINECONE_API_KEY``; a clear error if neither.

    Surrounding whitespace (a trailing newline from a file) is dropped; whitespace or a
    non-ASCII character inside is refused (:class:`ApiKey`).

    Examples
    --------
    >>> key = resolve_api_key("  pcsk_example\n")  # as read from a file
    >>> key, key.reveal()
    (ApiKey('***'), 'pcsk_example')
    """
    if isinstance(api_key, ApiKey):
        return api_key
    value = api_key if api_key is not None else os.environ.get(ENV_API_KEY)
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(
            f"api_key must be a str, not {type(value).__name__}: pass api_key='...' or set "
            f"{ENV_API_KEY}"
        )
    if not value or not value.strip():
        raise ConfigurationError(
            f"no API key: pass api_key=... or set the environment variable {ENV_API_KEY} "
            "(the key is on the API Keys page of the Pinecone console)"
        )
    return ApiKey(value.strip())


def is_loopback(hostname: str | None) -> bool:
    """Tell whether ``hostname`` is localhost or a loopback address (127.0.0.0/8, ::1)."""
    if not hostname:
        return False
    if hostname.lower().rstrip(".") in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Endpoint:
    """A normalised base URL: ``url`` is ``scheme://netloc`` with no trailing slash."""

    url: str

    @property
    def netloc(self) -> str:
        """``host[:port]``, the value of the ``index_host`` column."""
        return urlsplit(self.url).netloc

    @property
    def hostname(self) -> str:
        """The host name alone (no port)."""
        return urlsplit(self.url).hostname or ""

    @property
    def is_https(self) -> bool:
        """Whether requests to it are encrypted."""
        return self.url.startswith("https://")


def normalize_host(host: str, *, what: str = "host") -> Endpoint:
    """Make a base URL from a bare host (https implied, http for loopback) or a full URL.

    The host is normalised: lower case, no trailing dot, no default port (443 for https,
    80 for http), so that ``Endpoint.netloc`` (the ``index_host`` of rows and of a lake's
    partitions) is spelled one way for one index.

    Refuses what is not a host: user info (``user:password@``, never quoted back, since
    credentials go in ``api_key``), spaces or other characters a host name cannot have, a
    path, a query, a bad port.

    Examples
    --------
    >>> normalize_host("my-index-abc123.svc.aped-4627-b74a.pinecone.io").url
    'https://my-index-abc123.svc.aped-4627-b74a.pinecone.io'
    >>> normalize_host("127.0.0.1:5080").url
    'http://127.0.0.1:5080'
    >>> normalize_host("HTTPS://Idx.SVC.pinecone.io.:443/").url  # one spelling of a host
    'https://idx.svc.pinecone.io'
    >>> normalize_host("https://user:pw@example.com")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: host has user info (name:password@) ...
    """
    if not isinstance(host, str):
        raise ConfigurationError(f"{what} must be a str, not {type(host).__name__}")
    text = host.strip().rstrip("/")
    if not text:
        raise ConfigurationError(f"{what} is empty: give the index host as the console shows it")
    if "://" not in text:
        bare = urlsplit("//" + text)
        scheme = "http" if is_loopback(bare.hostname) else "https"
        text = f"{scheme}://{text}"
    parts = urlsplit(text)
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"{what} has user info (name:password@) before the host name: give the host alone "
            "(e.g. my-index-abc123.svc.aped-4627-b74a.pinecone.io) and the key in api_key= or "
            f"{ENV_API_KEY}"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{what} {host!r} is not a host or an http(s) URL; "
            "give it as the console shows it, e.g. my-index-abc123.svc.aped-4627-b74a.pinecone.io"
        )
    if not _valid_hostname(parts.hostname):
        raise ConfigurationError(
            f"{what} {host!r} is not a host name: it has a space or a character host names "
            "cannot have; give it as the console shows it, e.g. "
            "my-index-abc123.svc.aped-4627-b74a.pinecone.io"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigurationError(
            f"{what} {host!r} has a path or query; give only the host (and port), "
            "e.g. https://my-index-abc123.svc.aped-4627-b74a.pinecone.io"
        )
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"{what} {host!r} has an invalid port") from exc
    return Endpoint(f"{parts.scheme}://{_canonical_netloc(parts.hostname, port, parts.scheme)}")


#: The port a scheme implies: written nowhere in a normalised host.
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _canonical_netloc(hostname: str, port: int | None, scheme: str) -> str:
    """``host[:port]`` spelled one way: lower case, no trailing dot, no default port.

    ``localhost:P``, ``LOCALHOST:P`` and ``localhost.:P`` name one index, as do
    ``host:443`` and ``host`` over https: they must give one ``index_host`` value (and
    one partition of a lake), not several.
    """
    name = hostname.lower().rstrip(".") or hostname.lower()
    if ":" in name:  # an IPv6 address, bracketed again in a netloc
        name = f"[{name}]"
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return name
    return f"{name}:{port}"


@functools.lru_cache(maxsize=1024)
def index_host_value(host: str) -> str:
    """Return the ``index_host`` value of a host or URL: the one spelling of an index's host.

    What rows, lake partitions and ``index_host=`` filters all go through, so that
    differently written hosts of one index are one ``index_host``: lower case, no trailing
    dot, no default port (443 for https, 80 for http; for a bare ``host:port`` the scheme
    :func:`normalize_host` implies). Text that is not a host (a partition named by hand)
    comes back as it is.

    Examples
    --------
    >>> index_host_value("LOCALHOST.:5080"), index_host_value("Idx.svc.pinecone.io:443")
    ('localhost:5080', 'idx.svc.pinecone.io')
    >>> index_host_value("https://idx.svc.pinecone.io./"), index_host_value("not a host")
    ('idx.svc.pinecone.io', 'not a host')
    """
    try:
        return normalize_host(host, what="index_host").netloc
    except ConfigurationError:
        return host


def _valid_hostname(hostname: str) -> bool:
    """Tell whether ``hostname`` (no port, no brackets) is a DNS name or an IP address."""
    if _HOST_NAME.fullmatch(hostname) and len(hostname) <= 253:
        return True
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


def check_transport(endpoint: Endpoint, *, allow_insecure: bool) -> None:
    """Refuse to send the key over plain http unless the host is loopback or allowed."""
    if endpoint.is_https or allow_insecure or is_loopback(endpoint.hostname):
        return
    raise InsecureTransportError(
        f"refusing to send the API key over plain http to {endpoint.netloc}: use https, "
        "or pass allow_insecure=True if this host really is a trusted local proxy"
    )


def resolve_controller(controller: str | None = None) -> Endpoint:
    """Resolve the control plane: argument, else ``PINECONE_CONTROLLER_HOST``, else Pinecone's."""
    value = controller or os.environ.get(ENV_CONTROLLER_HOST) or DEFAULT_CONTROLLER
    return normalize_host(value, what="controller host")


def _check_timeout(timeout: Any) -> float:
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ConfigurationError(
            f"timeout must be a positive, finite number of seconds, not {timeout!r}"
        )
    if timeout > MAX_TIMEOUT:  # past what a socket takes (1e10 s raised an OverflowError)
        raise ConfigurationError(
            f"timeout must be at most {MAX_TIMEOUT:,.0f} seconds (a day) for one request, "
            f"not {timeout!r}"
        )
    return float(timeout)


def _check_max_retries(max_retries: Any) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be an int >= 0, not {max_retries!r}")
    return max_retries


class UnlistedApiVersion(str):
    """An API version this package does not list yet, to be sent as given.

    ``api_version`` accepts the versions in :data:`API_VERSIONS`; anything else is refused
    as a likely typo. When Pinecone publishes a version newer than this package, wrap it in
    ``UnlistedApiVersion`` to send it anyway: the header carries it as given, and fields
    the package does not know are ignored as for any version. Only the format is checked
    (letters, digits, ``-``, ``.``, ``_``).

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> conn = pif.Connection.resolve("127.0.0.1:5080", api_key="pcsk_example",
    ...                               api_version=pif.UnlistedApiVersion("2027-01"))
    >>> conn.api_version
    UnlistedApiVersion('2027-01')
    >>> conn.api_version == "2027-01"
    True
    """

    __slots__ = ()

    def __new__(cls, value: str) -> UnlistedApiVersion:
        """Check the format of ``value``; see the class docstring."""
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", value.strip()):
            raise ConfigurationError(
                f"UnlistedApiVersion({value!r}) is not a version string such as '2027-01'"
            )
        return super().__new__(cls, value.strip())

    def __repr__(self) -> str:
        return f"UnlistedApiVersion({str(self)!r})"


def _check_api_version(api_version: Any) -> str:
    if isinstance(api_version, UnlistedApiVersion):
        return api_version
    if not isinstance(api_version, str) or not api_version.strip():
        raise ConfigurationError(
            f"api_version must be a version string such as {DEFAULT_API_VERSION!r}, "
            f"not {api_version!r}"
        )
    value = api_version.strip()
    if value not in API_VERSIONS:
        raise ConfigurationError(
            f"api_version={value!r} is not one this package knows "
            f"({', '.join(API_VERSIONS)}); to send a newer version as given, pass "
            f"api_version=pinecone_imports_frame.UnlistedApiVersion({value!r})"
        )
    return value


@dataclass(frozen=True)
class Connection:
    """Where and how to reach a Pinecone project and, optionally, one of its indexes.

    Built once from arguments and the environment by :meth:`resolve`, checked, immutable,
    and accepted as ``connection=`` wherever the package talks to Pinecone. Its repr never
    shows the key.

    Attributes
    ----------
    api_key : ApiKey
        Sent in the ``Api-Key`` header only.
    endpoint : Endpoint or None
        The index's data-plane URL; None until known (an index given by name is resolved
        through the control plane when a listing starts).
    index_name : str or None
        The index's name, when known.
    controller : Endpoint
        The control plane (``PINECONE_CONTROLLER_HOST`` or https://api.pinecone.io).
    timeout : float
        Seconds each request may take in all: connecting, the answer's head and its body.
    max_retries : int
        Retries of 408, 429, 5xx gateways and dropped connections.
    allow_insecure : bool
        Whether plain http to a host that is not loopback is allowed.
    api_version : str
        Sent as ``X-Pinecone-API-Version``.
    use_private_host : bool
        Reach an index looked up through the control plane at its private endpoint
        (``private_host``), where it has one.
    public_endpoint : Endpoint or None
        The index's public endpoint when ``endpoint`` is its private one: ``index_host``
        names it, so that rows and snapshots keep one host per index.

    Examples
    --------
    >>> conn = Connection.resolve("127.0.0.1:5080", api_key="pcsk_example")
    >>> conn.endpoint.url, conn.index_host, conn.timeout
    ('http://127.0.0.1:5080', '127.0.0.1:5080', 30.0)
    >>> "pcsk_example" in repr(conn)
    False
    """

    api_key: ApiKey
    endpoint: Endpoint | None = None
    index_name: str | None = None
    controller: Endpoint = field(default_factory=lambda: Endpoint(DEFAULT_CONTROLLER))
    timeout: float = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    allow_insecure: bool = False
    api_version: str = DEFAULT_API_VERSION
    use_private_host: bool = False
    public_endpoint: Endpoint | None = None

    @classmethod
    def resolve(
        cls,
        host: str | None = None,
        *,
        api_key: str | ApiKey | None = None,
        index_name: str | None = None,
        controller_host: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        allow_insecure: bool = False,
        api_version: str = DEFAULT_API_VERSION,
        use_private_host: bool = False,
    ) -> Connection:
        """Resolve and check the settings; nothing is sent.

        The index is ``host`` if given, else ``index_name`` (its host is looked up through
        the control plane when a listing starts), else ``PINECONE_INDEX_HOST``; a
        connection with none of them still serves the control plane (the fleet view).

        Parameters
        ----------
        host : str, optional
            The index host as the console shows it (https implied; http for loopback) or
            an ``http(s)://`` URL.
        api_key : str or ApiKey, optional
            Else ``PINECONE_API_KEY``.
        index_name : str, optional
            The index's name.
        controller_host : str, optional
            Else ``PINECONE_CONTROLLER_HOST``, else https://api.pinecone.io.
        timeout : float
            Seconds each request may take in all: connecting, the answer's head and its
            body (positive, at most a day). A request past it is cut and retried as a
            timeout.
        max_retries : int
            Retries of 408, 429, 5xx gateways and dropped connections (>= 0).
        allow_insecure : bool
            Allow plain http to a host that is not loopback.
        api_version : str
            ``X-Pinecone-API-Version``: one of :data:`API_VERSIONS`, or a newer version
            wrapped in :class:`UnlistedApiVersion`.
        use_private_host : bool
            Drain an index looked up through the control plane (by ``index_name``, or
            every index of the fleet view) through its private endpoint where the control
            plane gives one (from inside the VPC); ``index_host`` stays the public host.

        Returns
        -------
        Connection

        Raises
        ------
        ConfigurationError
            A missing or malformed key, a malformed host (or one with user info), a bad
            number, an unknown API version.
        InsecureTransportError
            Plain http to a host that is not loopback without ``allow_insecure``.

        Examples
        --------
        >>> Connection.resolve(api_key="pcsk_example", index_name="docs").endpoint is None
        True
        """
        # The key first, and the plain string out of this frame at once: a traceback
        # formatted with locals (Sentry, pytest -l) must not find it, whatever fails next.
        try:
            key = resolve_api_key(api_key)
        except ConfigurationError as error:
            traceback.clear_frames(error.__traceback__)  # ApiKey's frame held the value
            raise
        finally:
            del api_key
        timeout = _check_timeout(timeout)
        max_retries = _check_max_retries(max_retries)
        api_version = _check_api_version(api_version)
        if not isinstance(allow_insecure, bool):
            raise ConfigurationError(
                f"allow_insecure must be True or False, not {allow_insecure!r}"
            )
        if not isinstance(use_private_host, bool):
            raise ConfigurationError(
                f"use_private_host must be True or False, not {use_private_host!r}"
            )
        if index_name is not None and (not isinstance(index_name, str) or not index_name.strip()):
            raise ConfigurationError(f"index_name must be a non-empty string, not {index_name!r}")
        endpoint: Endpoint | None = None
        if host:
            _refuse_a_key_as_host(host, key)
            endpoint = normalize_host(host)
        elif not index_name and os.environ.get(ENV_INDEX_HOST):
            endpoint = normalize_host(os.environ[ENV_INDEX_HOST], what=ENV_INDEX_HOST)
        controller = resolve_controller(controller_host)
        if endpoint is not None:
            check_transport(endpoint, allow_insecure=allow_insecure)
        return cls(
            api_key=key,
            endpoint=endpoint,
            index_name=index_name,
            controller=controller,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure=allow_insecure,
            api_version=api_version,
            use_private_host=use_private_host,
        )

    @property
    def index_host(self) -> str | None:
        """``host[:port]`` of the index, the value of the ``index_host`` column.

        The public host, also when requests go to the index's private endpoint.
        """
        shown = self.public_endpoint or self.endpoint
        return None if shown is None else shown.netloc

    def for_index(
        self,
        endpoint: Endpoint | str,
        index_name: str | None = None,
        *,
        public: Endpoint | str | None = None,
    ) -> Connection:
        """Point the same settings at another index (checked for plain http).

        ``public``: the index's public endpoint, when ``endpoint`` is its private one.

        Examples
        --------
        >>> conn = Connection.resolve(api_key="pcsk_example")
        >>> conn.for_index("127.0.0.1:5081", "b").index_host
        '127.0.0.1:5081'
        >>> via = conn.for_index("127.0.0.1:5082", "b", public="127.0.0.1:5081")
        >>> via.endpoint.netloc, via.index_host
        ('127.0.0.1:5082', '127.0.0.1:5081')
        """
        if isinstance(endpoint, str):
            endpoint = normalize_host(endpoint)
        if isinstance(public, str):
            public = normalize_host(public)
        check_transport(endpoint, allow_insecure=self.allow_insecure)
        return replace(self, endpoint=endpoint, index_name=index_name, public_endpoint=public)


class ProjectOptions(TypedDict, total=False):
    """The connection keywords of a call that reaches a project (the fleet view).

    The same as :meth:`Connection.resolve` takes, with its defaults and checks; a public
    function that takes them lists them in its signature (:func:`takes_connection`).
    """

    api_key: str | ApiKey | None
    controller_host: str | None
    timeout: float
    max_retries: int
    allow_insecure: bool
    api_version: str
    use_private_host: bool


class IndexOptions(ProjectOptions, total=False):
    """The connection keywords of a call that reaches one index: ``index_name`` too."""

    index_name: str | None


_F = TypeVar("_F", bound=Callable[..., Any])


def keyword_parameters(table: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    """Return the keyword-only parameters of ``table``, by name, in order.

    Examples
    --------
    >>> list(keyword_parameters(lambda a, *, b=1, c=2: None))
    ['b', 'c']
    """
    params = inspect.signature(table).parameters
    return {name: p for name, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}


def take_keywords(options: Mapping[str, Any], table: Callable[..., Any]) -> dict[str, Any]:
    """Take out of ``options`` (a ``**options`` dict) the keywords of ``table``; return them.

    Examples
    --------
    >>> options = {"a": 1, "b": 2}
    >>> take_keywords(options, lambda *, b=0: None), options
    ({'b': 2}, {'a': 1})
    """
    given = cast("dict[str, Any]", options)  # a TypedDict has no pop
    return {name: given.pop(name) for name in keyword_parameters(table) if name in given}


@functools.cache
def _resolve_keywords() -> dict[str, inspect.Parameter]:
    """Return the keyword parameters of :meth:`Connection.resolve`, the one table of them."""
    return keyword_parameters(Connection.resolve)


def takes_connection(*, index: bool, then: Callable[..., Any] | None = None) -> Callable[[_F], _F]:
    """Show a function's ``**options`` as the connection keywords they stand for.

    The function keeps its own code (no wrapper, so no extra frame holds the key); its
    ``__signature__`` lists :meth:`Connection.resolve`'s keywords, with their defaults,
    right after ``connection``, so ``help()``, Jupyter and IDEs show them one by one. Pass
    ``index=False`` for a call over a whole project (no ``index_name``), and ``then`` for
    a table of more keywords the ``**options`` stand for (a callable whose keyword-only
    parameters are shown last).

    Examples
    --------
    >>> @takes_connection(index=False)
    ... def f(*, connection=None, **options): ...
    >>> list(inspect.signature(f).parameters)[:3]
    ['connection', 'api_key', 'controller_host']
    """

    def show(function: _F) -> _F:
        signature = inspect.signature(function)
        keywords = [p for name, p in _resolve_keywords().items() if index or name != "index_name"]
        params: list[inspect.Parameter] = []
        for p in signature.parameters.values():
            if p.kind is inspect.Parameter.VAR_KEYWORD:
                if then is not None:
                    params.extend(keyword_parameters(then).values())
                continue
            params.append(p)
            if p.name == "connection":
                params.extend(keywords)
        function.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        return function

    return show


def _contradicts(connection: Connection, name: str, value: Any) -> bool:
    """Whether a connection keyword given beside ``connection`` says something else.

    The key, the control plane and the index are never taken twice; a setting is refused
    when it differs from the connection's own (``timeout=30`` beside a connection of 5 s),
    and let pass when it says the same.
    """
    if name in ("api_key", "controller_host"):
        return value is not None
    if name == "index_name":
        return value is not None and value != connection.index_name
    own = getattr(connection, name)
    return isinstance(value, bool) != isinstance(own, bool) or bool(value != own)


def resolve_connection(
    connection: Connection | None,
    host: str | None,
    options: IndexOptions | ProjectOptions,
    *,
    caller: str,
    index: bool = True,
) -> Connection:
    """Return ``connection`` if given (and no other connection argument), else resolve one.

    ``options`` is the ``**options`` of a :func:`takes_connection` function named
    ``caller``: a keyword it does not take is a ``TypeError``, as Python would raise. The
    key is taken out of ``options`` (the caller's own dict), so that no frame keeps it as
    a plain string for a traceback to show.

    Examples
    --------
    >>> conn = Connection.resolve("127.0.0.1:5080", api_key="pcsk_example")
    >>> resolve_connection(conn, None, {}, caller="f") is conn
    True
    >>> options = {"api_key": "pcsk_example"}
    >>> resolve_connection(None, "127.0.0.1:5080", options, caller="f").index_host, options
    ('127.0.0.1:5080', {})
    """
    given_options = cast("dict[str, Any]", options)  # a TypedDict has no pop or clear
    keywords = _resolve_keywords()
    for name in given_options:
        if name not in keywords or (name == "index_name" and not index):
            given_options.clear()
            raise TypeError(f"{caller}() got an unexpected keyword argument {name!r}")
    if connection is None:
        api_key = given_options.pop("api_key", None)
        try:
            return Connection.resolve(host, api_key=api_key, **given_options)
        finally:
            del api_key  # a failed resolve's traceback must not show it here either
    if not isinstance(connection, Connection):
        given_options.clear()
        raise ConfigurationError(
            f"connection must be a pinecone_imports_frame.Connection, not "
            f"{type(connection).__name__}"
        )
    given = ["host"] if host is not None else []
    given += [
        name for name, value in given_options.items() if _contradicts(connection, name, value)
    ]
    given_options.clear()
    if given:
        raise ConfigurationError(
            f"pass either connection= or {', '.join(given)}, not both: the connection "
            "already holds them (build another with Connection.resolve(...) to change them)"
        )
    return connection


def check_page_size(page_size: int) -> int:
    """``page_size`` as the API's ``limit``: an int from 1 to 100, else a clear error."""
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise ConfigurationError(f"page_size must be an int from 1 to 100, not {page_size!r}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ConfigurationError(
            f"page_size={page_size} is out of range: the API lists 1 to {MAX_PAGE_SIZE} per page"
        )
    return page_size


def check_max_pages(max_pages: int | None) -> int | None:
    """``max_pages`` as given, if None or a positive int."""
    if max_pages is None:
        return None
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
        raise ConfigurationError(f"max_pages must be a positive int or None, not {max_pages!r}")
    return max_pages


_UNITS: dict[str, float] = {
    "w": 7 * 86_400.0,
    "week": 7 * 86_400.0,
    "d": 86_400.0,
    "day": 86_400.0,
    "h": 3_600.0,
    "hr": 3_600.0,
    "hour": 3_600.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "ms": 0.001,
}
_DURATION_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*", re.ASCII)
DURATION_FORMS = (
    "a string with a unit ('90d', '12h', '5m', '30s', '1h30m', '2w'), an ISO 8601 duration "
    "('P1DT2H'), a datetime.timedelta or a pandas.Timedelta"
)


def _duration_from_text(text: str) -> pd.Timedelta | None:
    text = text.strip().lower()
    if text.startswith(("p", "-p")):  # ISO 8601, as pandas reads it
        try:
            return pd.Timedelta(text.upper())
        except ValueError:
            return None
    pos, seconds, parts = 0, 0.0, 0
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if not m:
            return None
        unit = m.group(2)
        factor = _UNITS.get(unit) or _UNITS.get(unit[:-1] if unit.endswith("s") else "")
        if factor is None:
            return None
        seconds += float(m.group(1)) * factor
        pos, parts = m.end(), parts + 1
    return pd.Timedelta(seconds=seconds).as_unit(TIME_UNIT) if parts else None


def _named(what: str, value: Any, quote: bool) -> str:
    """``what=value`` for a message; ``what`` alone where no value may show (the CLI's)."""
    return f"{what}={value!r}" if quote else what


#: A number without a unit: seconds for an interval, refused for a duration.
_BARE_NUMBER = re.compile(r"\s*\d+(\.\d*)?\s*")


#: The longest duration taken: longer ones are a typo, and past about 292 years pandas'
#: arithmetic on timestamps overflows.
MAX_DURATION = pd.Timedelta(days=36_525).as_unit(TIME_UNIT)


def parse_duration(value: Any, *, what: str = "duration", quote: bool = True) -> pd.Timedelta:
    """Parse a positive duration that cannot be misread: it must say its unit.

    A bare number (``90``, ``"90"``) is refused: ``pd.Timedelta(90)`` is 90 nanoseconds,
    and a retention of "90" must never empty a lake.

    Parameters
    ----------
    value : str, datetime.timedelta or pandas.Timedelta
        ``"90d"``, ``"12h"``, ``"5m"``, ``"30s"``, ``"1h30m"``, ``"2w"``, ``"3 days"``, or
        ISO 8601 (``"P1DT2H"``).
    what : str
        The argument's name, for the error message.
    quote : bool
        Quote the value in the error message (the command line's messages never do: a
        value typed after the wrong option may be the key).

    Returns
    -------
    pandas.Timedelta

    Raises
    ------
    ConfigurationError
        Not a duration with a unit, or not positive.

    Examples
    --------
    >>> parse_duration("30d")
    Timedelta('30 days 00:00:00')
    >>> parse_duration("1h30m")
    Timedelta('0 days 01:30:00')
    >>> parse_duration(90)
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: duration=90 has no unit: ...
    """
    td: pd.Timedelta | None = None
    try:
        if isinstance(value, (pd.Timedelta, timedelta)) and not isinstance(value, bool):
            td = None if value is pd.NaT else pd.Timedelta(value).as_unit(TIME_UNIT)
        elif isinstance(value, str):
            td = _duration_from_text(value)
    except (ValueError, OverflowError):  # past what pandas holds (about 292 years)
        td = None
        overflow = True
    else:
        overflow = td is not None and td > MAX_DURATION
    if overflow:
        raise ConfigurationError(f"{what} is longer than 100 years: pass {DURATION_FORMS}")
    if td is None:
        bare = isinstance(value, (int, float)) and not isinstance(value, bool)
        bare = bare or (isinstance(value, str) and bool(_BARE_NUMBER.fullmatch(value)))
        problem = "has no unit" if bare else "is not a duration"
        raise ConfigurationError(f"{_named(what, value, quote)} {problem}: pass {DURATION_FORMS}")
    if td <= pd.Timedelta(0):
        raise ConfigurationError(f"{_named(what, value, quote)} is not a positive duration")
    return td


#: The shortest polling interval: a listing is a full drain of every page.
MIN_INTERVAL = pd.Timedelta(seconds=1)


def parse_interval(value: Any, *, what: str = "interval", quote: bool = True) -> pd.Timedelta:
    """Parse a polling interval: a duration as :func:`parse_duration`, or seconds.

    As in ``sleep`` and ``watch -n``, a bare number means seconds here (and only here).
    Intervals under one second are refused: each poll drains the whole listing.

    Examples
    --------
    >>> parse_interval("5m"), parse_interval(10), parse_interval("2.5")
    (Timedelta('0 days 00:05:00'), Timedelta('0 days 00:00:10'), Timedelta('0 days 00:00:02.500000'))
    >>> parse_interval(0.1)
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: interval=0.1 is under one second: ...
    """  # noqa: E501
    seconds: float | None = None
    if (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
        isinstance(value, str) and _BARE_NUMBER.fullmatch(value)
    ):
        seconds = float(value)
    if seconds is not None:
        if not math.isfinite(seconds):
            raise ConfigurationError(f"{_named(what, value, quote)} is not a number of seconds")
        if seconds > MAX_DURATION.total_seconds():
            raise ConfigurationError(f"{what} is longer than 100 years: pass e.g. '30s', '5m'")
        td = pd.Timedelta(seconds=seconds).as_unit(TIME_UNIT)
    else:
        td = parse_duration(value, what=what, quote=quote)
    if td < MIN_INTERVAL:
        raise ConfigurationError(
            f"{_named(what, value, quote)} is under one second: each poll drains the whole "
            "listing; pass at least 1 (seconds) or e.g. '30s', '5m'"
        )
    return td


def parse_timestamp(
    value: Any, *, what: str = "timestamp", quote: bool = True
) -> pd.Timestamp | None:
    """Parse a UTC timestamp at the schema's unit from a string, datetime or Timestamp.

    Naive values are taken as UTC.

    Examples
    --------
    >>> parse_timestamp("2025-05-01T14:00:00+02:00")
    Timestamp('2025-05-01 12:00:00+0000', tz='UTC')
    """
    if value is None:
        return None
    if isinstance(value, (bool, int, float, np.integer, np.floating)):
        raise ConfigurationError(
            f"{_named(what, value, quote)} is a bare number, not a timestamp (pandas would read "
            "it as nanoseconds since 1970); pass e.g. '2025-05-01T12:00:00Z', a datetime or a "
            "pandas.Timestamp"
        )
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"{_named(what, value, quote)} is not a timestamp; pass e.g. '2025-05-01T12:00:00Z', a "
            "datetime or a pandas.Timestamp (naive values are taken as UTC)"
        ) from exc
    if ts is pd.NaT:
        raise ConfigurationError(f"{what} must be a timestamp, not NaT")
    ts = ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")
    return ts.as_unit(TIME_UNIT)
