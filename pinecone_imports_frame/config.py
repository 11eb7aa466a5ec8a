"""Where to send requests and with which key: arguments first, then the environment.

Resolves the index host (a bare host as the console shows it, or a URL), the API key and
the control-plane URL into one immutable :class:`Connection`, and refuses settings under
which a request would go wrong (a key over plain http to a remote host, a page size the
API refuses) before anything is sent. Every connection default is defined here, once, and
each public call that reaches Pinecone lists the connection keywords with these defaults.

The key itself lives in :mod:`._apikey`, the spelling of hosts in :mod:`._hosts`, and the
parsing of durations, intervals and times in :mod:`.parsing`; their names stay importable
from here.
"""

from __future__ import annotations

import math
import os
import re
import traceback
from dataclasses import dataclass, field, replace
from typing import Any

from ._apikey import _KEY_PIECE, ENV_API_KEY, ApiKey, resolve_api_key, take_api_key
from ._docs import shared_docs
from ._hosts import Endpoint, index_host_value, is_loopback, normalize_host
from .errors import ConfigurationError, InsecureTransportError
from .parsing import (
    DURATION_FORMS,
    MAX_DURATION,
    MIN_INTERVAL,
    parse_duration,
    parse_interval,
    parse_timestamp,
)

__all__ = [  # the names this module had before the key, hosts and parsing moved out
    "API_VERSIONS",
    "DEFAULT_API_VERSION",
    "DEFAULT_CONTROLLER",
    "DEFAULT_MAX_PAGES",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_WORKERS",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_TIMEOUT",
    "DURATION_FORMS",
    "ENV_API_KEY",
    "ENV_CONTROLLER_HOST",
    "ENV_INDEX_HOST",
    "MAX_DURATION",
    "MAX_PAGE_SIZE",
    "MAX_TIMEOUT",
    "MIN_INTERVAL",
    "ApiKey",
    "Connection",
    "Endpoint",
    "UnlistedApiVersion",
    "check_max_pages",
    "check_page_size",
    "check_transport",
    "index_host_value",
    "is_loopback",
    "normalize_host",
    "parse_duration",
    "parse_interval",
    "parse_timestamp",
    "resolve_api_key",
    "resolve_connection",
    "resolve_controller",
    "take_api_key",
]


class _Default:
    """A keyword's default value, told apart from the same value given (by ``is``).

    Equal to the value it stands for (``help()`` shows ``timeout=30.0``), so that a call
    given ``connection=`` can refuse ``timeout=30.0`` that contradicts the connection's
    5 s, and let the default pass.
    """

    __slots__ = ()


class _DefaultFloat(_Default, float):
    __slots__ = ()


class _DefaultInt(_Default, int):
    __slots__ = ()


class _DefaultStr(_Default, str):
    __slots__ = ()


ENV_INDEX_HOST = "PINECONE_INDEX_HOST"
ENV_CONTROLLER_HOST = "PINECONE_CONTROLLER_HOST"
DEFAULT_CONTROLLER = "https://api.pinecone.io"
#: The versions of Pinecone's API this package knows, oldest first. A newer one can be sent
#: as given with :class:`UnlistedApiVersion`.
API_VERSIONS: tuple[str, ...] = ("2025-04", "2025-10", "2026-04", "2026-07")
DEFAULT_API_VERSION: str = _DefaultStr("2026-07")
#: Seconds each request may take in all: connecting, the answer's head and its body.
DEFAULT_TIMEOUT: float = _DefaultFloat(30.0)
#: The longest ``timeout`` accepted: a day for one request.
MAX_TIMEOUT = 86_400.0
#: Retries of 408, 429, 5xx gateways and dropped connections.
DEFAULT_MAX_RETRIES: int = _DefaultInt(5)
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 100
#: Pages a listing may have before it is stopped with ``PaginationError``: 10,000,000
#: imports at the default page size, far more than any project keeps.
DEFAULT_MAX_PAGES = 100_000
#: Indexes listed at once by the fleet view, its watch and its checks.
DEFAULT_MAX_WORKERS = 16


#: Pinecone's rule for an index name: 1-45 characters of a-z, 0-9 and '-', starting and
#: ending with a letter or digit (the control plane's ``CreateIndexRequest.name``).
INDEX_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,43}[a-z0-9])?")


def _holds_a_key(text: str, key: ApiKey) -> bool:
    """Tell whether ``text`` is (or holds) the API key, or any Pinecone key (``pcsk_``)."""
    bare = text.strip().split("://", 1)[-1]
    secret = key.reveal()
    return (len(secret) >= _KEY_PIECE and secret in text) or bare.lower().startswith("pcsk_")


def check_index_name(index_name: Any, key: ApiKey) -> None:
    """Refuse an index name Pinecone would not accept, without repeating it.

    A key pasted into ``index_name`` was sent as a URL path (``GET /indexes/pcsk_...``)
    and quoted back in the error; any name that is not an index name is refused here,
    before any request, and never repeated (it may be a secret).

    Examples
    --------
    >>> from pinecone_imports_frame._apikey import ApiKey
    >>> check_index_name("prod-search", ApiKey("pcsk_example"))
    >>> check_index_name("pcsk_abc_secret", ApiKey("pcsk_example"))
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: index_name looks like an API key (it is not repeated here): ...
    """  # noqa: E501
    if index_name is None:
        return
    if not isinstance(index_name, str):
        raise ConfigurationError(f"index_name must be a string, not a {type(index_name).__name__}")
    if _holds_a_key(index_name, key):
        raise ConfigurationError(
            "index_name looks like an API key (it is not repeated here): pass the key as "
            "api_key= (or PINECONE_API_KEY) and the index's name as the console shows it, "
            "e.g. my-index"
        )
    if not INDEX_NAME.fullmatch(index_name):
        raise ConfigurationError(
            "the index name given (index_name=...) is not a Pinecone index name (it is not "
            "repeated here): 1 to 45 characters of a-z, 0-9 and '-', starting and ending "
            "with a letter or digit, e.g. 'my-index'"
        )


def _refuse_a_key_as_host(host: Any, key: ApiKey) -> None:
    """Refuse a host that is (or holds) an API key: it would go to DNS and into logs."""
    if not isinstance(host, str):
        return  # normalize_host says what is wrong
    if _holds_a_key(host.strip(), key):
        raise ConfigurationError(
            "host looks like an API key (it is not repeated here): pass the key as api_key= "
            "(or PINECONE_API_KEY) and the index host as the console shows it, e.g. "
            "my-index-abc123.svc.aped-4627-b74a.pinecone.io"
        )


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
    return int(max_retries)


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


#: What each public call that reaches Pinecone says of its connection keywords, written
#: once: in a docstring, a line holding only ``{timeout}`` (say) stands for it (filled by
#: :func:`connection_docs`, as the lake's ``shared_params`` fills ``{root}``).
CONNECTION_DOCS: dict[str, str] = {
    "api_key": """api_key : str or ApiKey, optional
    Else ``PINECONE_API_KEY``. Sent only in the ``Api-Key`` header, never logged.""",
    "controller_host": """controller_host : str, optional
    The control plane, else ``PINECONE_CONTROLLER_HOST``, else https://api.pinecone.io.""",
    "timeout": """timeout : float
    Seconds each request may take in all: connecting, the answer's head and its body
    (positive, at most a day). A request past it is cut and retried (``max_retries``)
    like a dropped connection, so a page takes at most ``(max_retries + 1) * timeout``
    plus the waits between.""",
    "max_retries": """max_retries : int
    Retries (>= 0) of 408, 429, 5xx gateways and dropped connections (backoff with
    jitter, ``Retry-After`` honoured).""",
    "allow_insecure": """allow_insecure : bool
    Allow plain http to a host that is not loopback.""",
    "api_version": """api_version : str
    ``X-Pinecone-API-Version`` header: one of
    :data:`~pinecone_imports_frame.API_VERSIONS`, or a newer version wrapped in
    :class:`~pinecone_imports_frame.UnlistedApiVersion`.""",
    "use_private_host": """use_private_host : bool
    Drain an index looked up through the control plane (by ``index_name``, or every
    index of the fleet view) through its private endpoint where the control plane gives
    one (from inside the VPC); ``index_host`` stays the public host.""",
}

#: Fills a public call's docstring from :data:`CONNECTION_DOCS`.
connection_docs = shared_docs(CONNECTION_DOCS)


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
    @connection_docs
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
        {api_key}
        index_name : str, optional
            The index's name. Without ``host``, its host is looked up through the control
            plane; with ``host``, it is only the name the rows carry, not checked.
        {controller_host}
        {timeout}
        {max_retries}
        {allow_insecure}
        {api_version}
        {use_private_host}

        Returns
        -------
        Connection

        Raises
        ------
        ConfigurationError
            A missing or malformed key, a malformed host (or one with user info), an
            index name Pinecone would not accept (not repeated), a bad number, an
            unknown API version.
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
        check_index_name(index_name, key)  # before any request: a key pasted here too
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


#: The connection's flags: False is their default, and given False says nothing.
_FLAGS = ("allow_insecure", "use_private_host")


def _contradicts(connection: Connection, name: str, value: Any) -> bool:
    """Whether a connection keyword given beside ``connection`` says something else.

    The key, the control plane and the index are never taken twice; a setting is refused
    when given and different from the connection's own (``timeout=30`` beside a
    connection of 5 s), and let pass at its default or when it says the same. A flag
    (``allow_insecure``, ``use_private_host``) given False cannot be told from its default:
    only True beside a connection without it is refused.
    """
    if name in ("api_key", "controller_host", "index_name"):
        return value is not None and (name != "index_name" or value != connection.index_name)
    if isinstance(value, _Default) or (name in _FLAGS and value is False):
        return False
    own = getattr(connection, name)
    return isinstance(value, bool) != isinstance(own, bool) or bool(value != own)


#: The connection keywords of the public calls beside ``connection``, ``host`` and
#: ``api_key``, as :meth:`Connection.resolve` takes them (a project call has no ``index_name``).
CONNECTION_KEYWORDS = (
    "index_name",
    "controller_host",
    "timeout",
    "max_retries",
    "allow_insecure",
    "api_version",
    "use_private_host",
)


def connection_from(arguments: dict[str, Any]) -> Connection:
    """Resolve the connection a public call's arguments (its ``locals()``) describe, once.

    The plain ``api_key`` is popped from ``arguments`` and wrapped first
    (:func:`take_api_key`), so that no frame below holds it; the caller deletes its own
    ``api_key`` in a ``finally`` around this call, so that no error, a bad argument
    included, finds it there either. Arguments that are not connection keywords are left
    alone; nothing is sent.

    Examples
    --------
    >>> def read(host=None, *, connection=None, api_key=None, timeout=DEFAULT_TIMEOUT):
    ...     try:
    ...         return connection_from(locals())
    ...     finally:
    ...         del api_key
    >>> conn = read("127.0.0.1:5080", api_key="pcsk_example", timeout=5.0)
    >>> conn.index_host, conn.timeout, conn.api_key
    ('127.0.0.1:5080', 5.0, ApiKey('***'))
    """
    key = take_api_key(arguments.pop("api_key", None))
    settings = {name: arguments[name] for name in CONNECTION_KEYWORDS if name in arguments}
    return resolve_connection(
        arguments.get("connection"), arguments.get("host"), api_key=key, **settings
    )


def resolve_connection(
    connection: Connection | None, host: str | None, *, api_key: ApiKey | None, **settings: Any
) -> Connection:
    """Return ``connection`` if given (and no other connection argument), else resolve one.

    What every public call that reaches Pinecone does first with its connection keywords
    (``settings``: those of :data:`CONNECTION_KEYWORDS` it takes), once, through
    :func:`connection_from`: the key arrives wrapped (:func:`take_api_key`), so that no
    frame below holds it plain.

    Examples
    --------
    >>> settings = dict(controller_host=None, timeout=DEFAULT_TIMEOUT,
    ...                 max_retries=DEFAULT_MAX_RETRIES, allow_insecure=False,
    ...                 api_version=DEFAULT_API_VERSION, use_private_host=False)
    >>> conn = resolve_connection(None, "127.0.0.1:5080", api_key=ApiKey("pcsk_example"),
    ...                           **settings)
    >>> conn.index_host, resolve_connection(conn, None, api_key=None, **settings) is conn
    ('127.0.0.1:5080', True)
    >>> resolve_connection(conn, None, api_key=None, **{**settings, "timeout": 5.0})
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: pass either connection= or timeout, ...
    """
    if connection is None:
        return Connection.resolve(host, api_key=api_key, **settings)
    if not isinstance(connection, Connection):
        raise ConfigurationError(
            f"connection must be a pinecone_imports_frame.Connection, not "
            f"{type(connection).__name__}"
        )
    given: dict[str, Any] = {"api_key": api_key, **settings}
    both = ["host"] if host is not None else []
    both += [name for name, value in given.items() if _contradicts(connection, name, value)]
    if both:
        raise ConfigurationError(
            f"pass either connection= or {', '.join(both)}, not both: the connection "
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
