"""The API versions the emulator speaks, one row of a table each.

The client picks one with the ``X-Pinecone-API-Version`` header (any case); without it the
oldest served version answers, as Pinecone does. Each version says how an import is
serialised and how the authentication and rate-limiting layer words its errors, so adding a
version is a few lines here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_VERSION", "SUPPORTED_VERSIONS", "VERSIONS", "ApiVersion", "resolve_version"]

#: Fields a Pending import omits before 2026-07 (which makes them required).
_PROGRESS_FIELDS = ("percentComplete", "recordsImported")
#: Statuses the authentication and rate-limiting layer answers (plain text from 2026-07).
GATEWAY_STATUSES = frozenset({400, 401, 403, 429})


def serialise_before_2026_07(record: dict[str, Any]) -> dict[str, Any]:
    """Shape a full import record as 2025-04 to 2026-04 serve it.

    No ``validationResult``, and a Pending import has no progress fields yet.

    Examples
    --------
    >>> serialise_before_2026_07({"id": "1", "status": "Pending", "percentComplete": 0.0,
    ...                           "recordsImported": 0})
    {'id': '1', 'status': 'Pending'}
    """
    record.pop("validationResult", None)
    if record.get("status") == "Pending":
        for name in _PROGRESS_FIELDS:
            record.pop(name, None)
    return record


def serialise_2026_07(record: dict[str, Any]) -> dict[str, Any]:
    """Shape a full import record as 2026-07 serves it: as it is (every field it has).

    Examples
    --------
    >>> serialise_2026_07({"id": "1", "status": "Pending", "percentComplete": 0.0})
    {'id': '1', 'status': 'Pending', 'percentComplete': 0.0}
    """
    return record


@dataclass(frozen=True)
class ApiVersion:
    """How one API version differs, as far as the imports endpoints go.

    :data:`VERSIONS` holds one per version served; :func:`resolve_version` picks the one a
    request's header asks for.

    Attributes
    ----------
    name : str
        The version, as sent in ``X-Pinecone-API-Version``.
    serialise : callable
        Shapes a full import record (every field the emulator knows) for this version.
    open_enums : bool
        Enums are open (``x-enum``): ``errorMode.onError`` takes any string.
    plain_text_gateway_errors : bool
        The authentication and rate-limiting layer answers 400/401/403/429 in plain text
        (``Unauthorized``), not as an rpcStatus.
    deployment_models : bool
        The control plane's ``IndexModel`` says where an index runs in ``deployment``
        (told apart by ``deployment_type``) and describes its fields in ``schema``; it has
        no ``spec``, ``dimension``, ``metric`` or ``vector_type``.

    Examples
    --------
    >>> VERSIONS["2026-07"].plain_text_gateway_errors, VERSIONS["2025-04"].open_enums
    (True, False)
    """

    name: str
    serialise: Callable[[dict[str, Any]], dict[str, Any]]
    open_enums: bool = False
    plain_text_gateway_errors: bool = False
    deployment_models: bool = False


VERSIONS: dict[str, ApiVersion] = {
    v.name: v
    for v in (
        ApiVersion("2025-04", serialise_before_2026_07),
        ApiVersion("2025-10", serialise_before_2026_07, open_enums=True),
        ApiVersion("2026-04", serialise_before_2026_07, open_enums=True),
        ApiVersion(
            "2026-07",
            serialise_2026_07,
            open_enums=True,
            plain_text_gateway_errors=True,
            deployment_models=True,
        ),
    )
}
#: Versions served, oldest first.
SUPPORTED_VERSIONS = tuple(VERSIONS)
#: What a request without the header gets: the oldest served version, as Pinecone does.
DEFAULT_VERSION = VERSIONS[SUPPORTED_VERSIONS[0]]


def resolve_version(header: str | None) -> ApiVersion | None:
    """Return the version a request's header asks for (the default if absent), None if unknown.

    Examples
    --------
    >>> resolve_version(None).name, resolve_version(" 2026-07 ").name, resolve_version("2024-01")
    ('2025-04', '2026-07', None)
    """
    if header is None:
        return DEFAULT_VERSION
    return VERSIONS.get(header.strip())


def unsupported_version_message(header: str) -> str:
    """Say which version was asked for and which are served.

    Examples
    --------
    >>> unsupported_version_message("2024-01")
    "Unsupported API version '2024-01'; supported versions: 2025-04, 2025-10, 2026-04, 2026-07"
    """
    shown = header if len(header) <= 40 else header[:40] + "..."
    return f"Unsupported API version {shown!r}; supported versions: " + ", ".join(
        SUPPORTED_VERSIONS
    )
