"""The control plane: the project's indexes and the data-plane host of each.

``GET /indexes`` (``list_indexes``) and ``GET /indexes/{name}`` (``describe_index``) of
Pinecone's control plane (https://api.pinecone.io, or ``PINECONE_CONTROLLER_HOST``) answer
``IndexModel`` objects whose ``host`` is where the index's imports are listed, and whose
``private_host``, when the project has private endpoints, is the same data plane for
clients inside the VPC. Where an index runs is said in two shapes: up to API 2026-04 by
the key of ``spec`` (``serverless``, ``pod``, ``byoc``), from 2026-07 by
``deployment.deployment_type`` (``managed``, ``pod``, ``byoc``); :func:`deployment_type`
reads both.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from . import config
from .client import ApiClient
from .config import Connection
from .errors import ConfigurationError, ResponseFormatError

logger = logging.getLogger(__name__)

INDEXES_PATH = "/indexes"
#: The deployment types this package knows, as 2026-07 names them (``deployment_type``).
DEPLOYMENT_TYPES = ("managed", "pod", "byoc")
#: The ``spec`` key (up to 2026-04) of each deployment type.
_SPEC_KEYS = {"serverless": "managed", "pod": "pod", "byoc": "byoc"}


def deployment_type(model: dict[str, Any]) -> str | None:
    """Say where an index runs, from either shape of its ``IndexModel``; None if unsaid.

    ``deployment.deployment_type`` (2026-07) as given, so a type Pinecone adds later is
    named, never guessed; else the key of ``spec`` (2025-04 to 2026-04), ``serverless``
    read as ``managed``.

    Examples
    --------
    >>> deployment_type({"deployment": {"deployment_type": "pod", "pod_type": "p1.x1"}})
    'pod'
    >>> deployment_type({"spec": {"serverless": {"cloud": "aws"}}})
    'managed'
    >>> deployment_type({"spec": {"edge": {}}}), deployment_type({"name": "x"})
    ('edge', None)
    """
    deployment = model.get("deployment")
    if isinstance(deployment, dict):
        kind = deployment.get("deployment_type")
        return kind if isinstance(kind, str) and kind else None
    spec = model.get("spec")
    if not isinstance(spec, dict) or not spec:
        return None
    for key, kind in _SPEC_KEYS.items():
        if key in spec:
            return kind
    keys = [k for k in spec if isinstance(k, str) and k]
    return keys[0] if len(keys) == 1 else None


def index_hosts(model: dict[str, Any]) -> tuple[str | None, str | None]:
    """Return the ``host`` and ``private_host`` of an ``IndexModel`` (None when absent).

    Examples
    --------
    >>> index_hosts({"host": "a.svc.pinecone.io", "private_host": "a.svc.private.pinecone.io"})
    ('a.svc.pinecone.io', 'a.svc.private.pinecone.io')
    >>> index_hosts({"host": "", "private_host": 5})
    (None, None)

    Spelled as every ``index_host`` is (lower case, no trailing dot, no default port), so
    that the fleet's skip and error records name the host its rows carry:

    >>> index_hosts({"host": "IDX.svc.pinecone.io.:443"})
    ('idx.svc.pinecone.io', None)
    """
    host, private = model.get("host"), model.get("private_host")
    return (
        config.index_host_value(host) if isinstance(host, str) and host else None,
        config.index_host_value(private) if isinstance(private, str) and private else None,
    )


def describe_index(connection: Connection, index_name: str) -> dict[str, Any]:
    """Describe ``index_name``: the control plane's ``IndexModel``, as a dict.

    Parameters
    ----------
    connection : Connection
        Key, settings and the control plane to ask.
    index_name : str
        The index's name.

    Returns
    -------
    dict
        The decoded ``IndexModel`` (``name``, ``host``, ``spec``, ``status``, ...).

    Raises
    ------
    NotFoundError
        No index of that name in the key's project.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=0, index_name="docs") as emu:
    ...     conn = Connection.resolve(api_key=emu.api_key, controller_host=emu.url)
    ...     describe_index(conn, "docs")["host"] == emu.address
    True
    """
    config.check_transport(connection.controller, allow_insecure=connection.allow_insecure)
    path = f"{INDEXES_PATH}/{quote(index_name, safe='')}"
    with ApiClient.for_connection(connection, connection.controller) as client:
        body = client.get_json(path)
    if not isinstance(body, dict):
        raise ResponseFormatError(
            f"GET {path} answered a JSON {type(body).__name__}, not an IndexModel object; "
            "check the controller host (PINECONE_CONTROLLER_HOST)"
        )
    return body


def list_indexes(connection: Connection) -> list[dict[str, Any]]:
    """List every ``IndexModel`` of the key's project, as dicts, in the API's order.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=0, index_name="docs") as emu:
    ...     conn = Connection.resolve(api_key=emu.api_key, controller_host=emu.url)
    ...     [i["name"] for i in list_indexes(conn)]
    ['docs']
    """
    config.check_transport(connection.controller, allow_insecure=connection.allow_insecure)
    with ApiClient.for_connection(connection, connection.controller) as client:
        body = client.get_json(INDEXES_PATH)
    indexes = body.get("indexes") if isinstance(body, dict) else None
    if not isinstance(indexes, list) or not all(isinstance(i, dict) for i in indexes):
        raise ResponseFormatError(
            f"GET {INDEXES_PATH} answered without a list of 'indexes'; check the controller "
            "host (PINECONE_CONTROLLER_HOST)"
        )
    return indexes


def with_index_endpoint(connection: Connection) -> Connection:
    """Complete ``connection`` with its index's endpoint, looked up by name if needed.

    With ``use_private_host``, requests go to the index's private endpoint when the
    control plane gives one (``index_host`` still names the public host); else, and when
    it gives none, to its public host.

    Raises
    ------
    ConfigurationError
        Neither a host nor an index name was given, nor ``PINECONE_INDEX_HOST`` set.
    ResponseFormatError
        The control plane described the index without a ``host``.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=0, index_name="docs") as emu:
    ...     conn = Connection.resolve(api_key=emu.api_key, index_name="docs",
    ...                               controller_host=emu.url)
    ...     with_index_endpoint(conn).index_host == emu.address
    True
    """
    if connection.endpoint is not None:
        return connection
    name = connection.index_name
    if not name:
        raise ConfigurationError(
            "no index host: pass host=... (the index host the console shows, e.g. "
            "my-index-abc123.svc.aped-4627-b74a.pinecone.io), or index_name=..., or set "
            f"the environment variable {config.ENV_INDEX_HOST}"
        )
    model = describe_index(connection, name)
    host, private = index_hosts(model)
    if host is None:
        raise ResponseFormatError(
            f"GET {INDEXES_PATH}/{quote(name, safe='')} answered without a 'host' for index "
            f"{name!r}; pass host= (the index host from the console) instead"
        )
    endpoint = config.normalize_host(host, what=f"host of index {name!r}")
    # Logged once checked (user info refused), and redacted: the text is the server's.
    logger.debug("index %r is served at %s", name, connection.api_key.redact(endpoint.netloc))
    if not connection.use_private_host:
        return connection.for_index(endpoint, name)
    if private is None:
        logger.info("index %r has no private endpoint: its public host is used", name)
        return connection.for_index(endpoint, name)
    via = config.normalize_host(private, what=f"private_host of index {name!r}")
    logger.info(
        "index %r is drained through its private endpoint %s",
        name,
        connection.api_key.redact(via.netloc),
    )
    return connection.for_index(via, name, public=endpoint)


__all__ = [
    "DEPLOYMENT_TYPES",
    "deployment_type",
    "describe_index",
    "index_hosts",
    "list_indexes",
    "with_index_endpoint",
]
