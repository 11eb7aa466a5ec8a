"""Every answer the emulator sends is built here: status, body, content type, headers.

The data plane answers errors as an ``rpcStatus`` (``{"code", "message", "details"}``, with
the gRPC code that goes with the HTTP status), the control plane as its ``ErrorResponse``
(``{"error": {"code", "message"}, "status"}``). The socket handler only writes what it is
given.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal

logger = logging.getLogger(__name__)

__all__ = [
    "Plane",
    "Response",
    "api_error",
    "control_error",
    "json_response",
    "plain_text",
    "reason_phrase",
    "rpc_error",
]

#: Which API answers: an index's data plane, or the project's control plane.
Plane = Literal["data", "control"]

#: gRPC status code Pinecone puts in an rpcStatus body, by HTTP status.
_GRPC_CODES = {
    400: 3,  # INVALID_ARGUMENT
    401: 16,  # UNAUTHENTICATED
    403: 7,  # PERMISSION_DENIED
    404: 5,  # NOT_FOUND
    405: 12,  # UNIMPLEMENTED
    408: 4,  # DEADLINE_EXCEEDED
    409: 6,  # ALREADY_EXISTS
    411: 3,  # INVALID_ARGUMENT
    412: 9,  # FAILED_PRECONDITION
    413: 8,  # RESOURCE_EXHAUSTED
    414: 3,  # INVALID_ARGUMENT
    429: 8,  # RESOURCE_EXHAUSTED
    431: 3,  # INVALID_ARGUMENT
    500: 13,  # INTERNAL
    501: 12,  # UNIMPLEMENTED
    502: 14,  # UNAVAILABLE
    503: 14,  # UNAVAILABLE
    504: 4,  # DEADLINE_EXCEEDED
}
#: Control-plane ErrorResponse code names, by HTTP status.
_CONTROL_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    408: "DEADLINE_EXCEEDED",
    409: "ALREADY_EXISTS",
    411: "INVALID_ARGUMENT",
    412: "FAILED_PRECONDITION",
    413: "RESOURCE_EXHAUSTED",
    414: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    431: "INVALID_ARGUMENT",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_JSON = "application/json"
_TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Response:
    """One answer: status, body bytes, content type and extra headers; or a dropped connection.

    Handlers return one, usually built by :func:`json_response`, :func:`rpc_error` or
    :func:`plain_text`; the endpoint adds ``Date``, the server ``Server`` and the framing.

    Attributes
    ----------
    status : int
        HTTP status (0 when ``drop``).
    body : bytes
        The body (never sent to a HEAD request).
    content_type : str
        ``Content-Type`` header value.
    headers : tuple of (str, str)
        Headers besides Content-Type, Content-Length, Date, Server and Connection.
    drop : bool
        Close the connection without sending a byte.

    Examples
    --------
    >>> Response(200, b"{}").content_type
    'application/json'
    """

    status: int
    body: bytes = b""
    content_type: str = _JSON
    headers: tuple[tuple[str, str], ...] = ()
    drop: bool = False


#: The answer that closes the connection without a byte (the "drop" fault).
DROP = Response(0, drop=True)


def reason_phrase(status: int) -> str:
    """Return the standard reason phrase of an HTTP status ("Unknown" for others).

    Examples
    --------
    >>> reason_phrase(429), reason_phrase(599)
    ('Too Many Requests', 'Unknown')
    """
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def json_response(obj: Any, *, status: int = 200) -> Response:
    """Answer ``obj`` as compact JSON.

    Examples
    --------
    >>> json_response({"id": "1"}).body
    b'{"id":"1"}'
    """
    return Response(status, _json(obj))


def plain_text(status: int, text: str, *, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """Answer ``text`` as ``text/plain`` (the 2026-07 authentication layer's error form).

    Examples
    --------
    >>> plain_text(401, "Unauthorized").body
    b'Unauthorized'
    """
    return Response(status, text.encode(), _TEXT, headers)


def rpc_error(status: int, message: str, *, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """Answer a data-plane error as an rpcStatus with the matching gRPC code.

    Examples
    --------
    >>> rpc_error(404, "Import 9 not found").body
    b'{"code":5,"message":"Import 9 not found","details":[]}'
    """
    body = _json({"code": _GRPC_CODES.get(status, 2), "message": message, "details": []})
    return Response(status, body, _JSON, headers)


def control_error(
    status: int, message: str, *, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    """Answer a control-plane error as its ErrorResponse.

    Examples
    --------
    >>> control_error(404, "Resource x not found").body
    b'{"error":{"code":"NOT_FOUND","message":"Resource x not found"},"status":404}'
    """
    code = _CONTROL_CODES.get(status, "UNKNOWN")
    body = _json({"error": {"code": code, "message": message}, "status": status})
    return Response(status, body, _JSON, headers)


def api_error(
    plane: Plane, status: int, message: str, *, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    """Answer an error in the shape of ``plane``: rpcStatus (data) or ErrorResponse (control).

    Examples
    --------
    >>> api_error("control", 401, "Invalid API Key").body[:9]
    b'{"error":'
    >>> api_error("data", 401, "Invalid API Key").body[:8]
    b'{"code":'
    """
    if plane == "control":
        return control_error(status, message, headers=headers)
    return rpc_error(status, message, headers=headers)
