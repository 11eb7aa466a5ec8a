"""The control plane: the project's indexes and the data-plane host of each.

``GET /indexes`` (``list_indexes``) and ``GET /indexes/{name}`` (``describe_index``) of
Pinecone's control plane (https://api.pinecone.io, or ``PINECONE_CONTROLLER_HOST``) answer
``IndexModel`` objects whose ``host`` is where the index's imports are listed.
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
    host = model.get("host")
    if not isinstance(host, str) or not host:
        raise ResponseFormatError(
            f"GET {INDEXES_PATH}/{quote(name, safe='')} answered without a 'host' for index "
            f"{name!r}; pass host= (the index host from the console) instead"
        )
    endpoint = config.normalize_host(host, what=f"host of index {name!r}")
    # Logged once checked (user info refused), and redacted: the text is the server's.
    logger.debug("index %r is served at %s", name, connection.api_key.redact(endpoint.netloc))
    return connection.for_index(endpoint, name)


__all__ = ["describe_index", "list_indexes", "with_index_endpoint"]
