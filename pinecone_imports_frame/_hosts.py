"""Index hosts: one spelling per host, so that rows, filters and a lake's partitions agree.

:func:`normalize_host` makes a base URL of a bare host (https implied, http for loopback)
or a URL and refuses what is not a host; :func:`index_host_value` is the ``index_host``
spelling every row, partition and filter goes through. Free of the connection's settings:
the frame and the lake use it too.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from ._apikey import ENV_API_KEY
from .errors import ConfigurationError

# A host name as DNS has them (letters, digits, hyphens, dots; underscores seen in the wild).
_HOST_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?")


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
    try:
        return _normalize(host, what)
    except ConfigurationError:
        raise
    except ValueError:  # urlsplit's own: "[::1", "a]b", "[zz]", "\u2100.com" (NFKC)
        raise ConfigurationError(
            f"{what} {host!r} is not a host or an http(s) URL; "
            "give it as the console shows it, e.g. my-index-abc123.svc.aped-4627-b74a.pinecone.io"
        ) from None


def _normalize(host: str, what: str) -> Endpoint:
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
    if "[" in parts.netloc:  # an IPv6 address only (Python 3.10 took "[zz]" for "zz")
        ipaddress.IPv6Address(parts.hostname)  # a ValueError: "is not a host", below
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
