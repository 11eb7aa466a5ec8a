"""The transport of :class:`~pinecone_imports_frame.client.ApiClient`: proxies, TLS, the pool.

urllib3's connection pool, used directly (requests' session adds CPU per page and nothing
this API needs): urllib3 frames the answers, opens connections and ``CONNECT`` tunnels,
speaks TLS to the host and to an ``https://`` proxy. Proxies come from the environment as
requests reads them (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``), except
that loopback hosts are never proxied, and the key is never sent in clear to a proxy
unless ``allow_insecure``. The CA bundle is ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` if
set, else certifi's where installed, else the system's.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import ssl
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import urllib3
from urllib3.exceptions import LocationParseError

from ._deadline import RequestDeadline, watched
from ._docs import shared_docs
from .config import Endpoint, is_loopback
from .errors import ConfigurationError, InsecureTransportError

#: What a client says of its proxy setting and of the errors its transport raises (its
#: whole Raises section), written once for :class:`Transport` and
#: :class:`~pinecone_imports_frame.client.ApiClient`.
TRANSPORT_DOCS: dict[str, str] = {
    "allow_insecure": """allow_insecure : bool
    Allow the key in clear through a proxy to a plain-http host.""",
    "transport_raises": """Raises
------
InsecureTransportError
    A proxy from the environment would receive the key in clear.
ConfigurationError
    A proxy or CA bundle from the environment is malformed.""",
}

#: Fills a docstring from :data:`TRANSPORT_DOCS`.
transport_docs = shared_docs(TRANSPORT_DOCS)


@transport_docs
class Transport:
    """The pool (or proxy manager) of one client's host, made on first use and after :meth:`close`.

    Parameters
    ----------
    endpoint : Endpoint
        The host's base URL.
    timeout : float
        urllib3's connect and read timeouts (each socket operation).
    deadline : RequestDeadline
        The client's deadline, which the pool's connections report to.
    {allow_insecure}

    {transport_raises}

    Examples
    --------
    >>> from pinecone_imports_frame.config import normalize_host
    >>> transport = Transport(
    ...     normalize_host("127.0.0.1:5080"), timeout=5.0, deadline=RequestDeadline()
    ... )
    >>> transport.proxy is None, transport.forwarded  # loopback is never proxied
    (True, False)
    >>> transport.close()
    """

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        timeout: float,
        deadline: RequestDeadline,
        allow_insecure: bool = False,
    ) -> None:
        self.endpoint = endpoint
        self.deadline = deadline
        #: ``scheme://host:port`` of the proxy in use (never its credentials), or None.
        self.proxy: str | None = None
        self.proxy_host: str | None = None
        self.proxy_port = 0
        self._proxy_headers: dict[str, str] | None = None
        proxy = proxy_for(endpoint)
        if proxy is not None:
            self._use_proxy(proxy, allow_insecure=allow_insecure)
        tls = endpoint.is_https or (self.proxy or "").startswith("https:")
        self.pool_kw: dict[str, Any] = {
            "maxsize": 1,
            "block": False,
            "retries": False,
            "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        }
        if tls:
            self.pool_kw["ssl_context"] = _tls_context()
        # Plain http through a proxy is forwarded (the absolute URL in the request line,
        # through the ProxyManager, which adds the proxy's headers); https is tunnelled
        # (CONNECT), and the pool then talks to the index as it would without a proxy.
        self.forwarded = proxy is not None and not endpoint.is_https
        self.manager: urllib3.ProxyManager | None = None
        self.pool: urllib3.HTTPConnectionPool | None = None
        #: The pool's (or manager's) ``urlopen`` once made, else None (:meth:`connect`).
        self.urlopen: Callable[..., urllib3.BaseHTTPResponse] | None = None

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
        self.proxy_host, self.proxy_port = host, port
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

    def connect(self) -> Callable[..., urllib3.BaseHTTPResponse]:
        """Make the pool (on first use, and after :meth:`close`); return its ``urlopen``."""
        if self.proxy is None:
            pool = urllib3.connection_from_url(self.endpoint.url, **self.pool_kw)
            self.urlopen = pool.urlopen
        else:
            tls = self.pool_kw.get("ssl_context")
            self.manager = urllib3.ProxyManager(
                self.proxy,
                num_pools=1,
                proxy_headers=self._proxy_headers,
                proxy_ssl_context=tls,
                **self.pool_kw,
            )
            pool = self.manager.connection_from_url(self.endpoint.url)
            self.urlopen = self.manager.urlopen if self.forwarded else pool.urlopen
        # Its connections report to the deadline, which cuts a request that overruns.
        pool.ConnectionCls = watched(pool.ConnectionCls, self.deadline)
        self.pool = pool
        return self.urlopen

    def close(self) -> None:
        """Close the pool and its connections (the next :meth:`connect` makes another)."""
        pool, manager = self.pool, self.manager
        self.pool = self.manager = self.urlopen = None
        if manager is not None:
            manager.clear()
        if pool is not None:
            pool.close()


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
