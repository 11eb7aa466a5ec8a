"""The data plane of one index: ``/bulk/imports`` list, start, describe and cancel.

:meth:`DataPlane.routes` is the routing table; each handler reads the index's state at the
clock's current time and answers through :mod:`.responses`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import KW_ONLY, dataclass, field

from .app import EndpointSettings
from .faults import FaultQueue
from .request import Request
from .responses import Response, json_response, rpc_error
from .routes import Handler, Route
from .state import IndexState, ProjectState
from .tokens import PageTokens

logger = logging.getLogger(__name__)

__all__ = ["DataPlane"]

LIST_PATH = "/bulk/imports"
#: The most imports one page may hold, and the default.
MAX_PAGE = 100
#: The longest ``uri`` a start request may carry.
_MAX_URI = 1500
#: The longest ``integrationId`` a start request may carry.
_MAX_INTEGRATION_ID = 1000
#: The values ``errorMode.onError`` takes (``continue`` when absent).
_ON_ERROR = ("abort", "continue")
_END_TAILS = {
    "absent": b"}",
    "empty": b',"pagination":{}}',
    "null": b',"pagination":null}',
    "empty_string": b',"pagination":{"next":""}}',
}


@dataclass(eq=False, repr=False)
class DataPlane:
    """The bulk-import operations of one index.

    Parameters
    ----------
    index_name : str
        The index served.
    state : ProjectState
        The project's indexes and clock.
    settings : EndpointSettings
        Listing options of this endpoint (``pagination_end``, ``int64_as_string``).
    faults : FaultQueue
        This endpoint's faults (for ``self_token`` and ``empty_token``).
    tokens : PageTokens
        The project's pagination tokens.

    Examples
    --------
    >>> from datetime import datetime
    >>> from .clock import SimulatedClock
    >>> from .state import IndexConfig
    >>> state = ProjectState([IndexConfig("idx", imports=3)], SimulatedClock(datetime(2025, 5, 1)))
    >>> plane = DataPlane("idx", state=state, settings=EndpointSettings(), faults=FaultQueue(),
    ...                   tokens=PageTokens())
    >>> [(r.method, r.pattern) for r in plane.routes()][:2]
    [('GET', '/bulk/imports'), ('POST', '/bulk/imports')]
    >>> len(json.loads(plane.list_imports(Request("GET", LIST_PATH, {}, None)).body)["data"])
    3
    """

    index_name: str
    _: KW_ONLY
    state: ProjectState
    settings: EndpointSettings
    faults: FaultQueue
    tokens: PageTokens
    #: Tokens a self_token fault made on a first page: asked for, each names itself as next.
    _sticky_tokens: set[str] = field(default_factory=set, init=False)

    def routes(self) -> list[Route]:
        """Return the routing table of the data plane."""
        return [
            Route("GET", LIST_PATH, "data", self._guarded(self.list_imports)),
            Route("POST", LIST_PATH, "data", self._guarded(self.start_import)),
            Route("GET", LIST_PATH + "/{import_id}", "data", self._guarded(self.describe_import)),
            Route("DELETE", LIST_PATH + "/{import_id}", "data", self._guarded(self.cancel_import)),
        ]

    def _guarded(self, handler: Handler) -> Handler:
        def guarded(request: Request, **params: str) -> Response:
            refusal = self.refusal()
            return handler(request, **params) if refusal is None else refusal

        return guarded

    def refusal(self) -> Response | None:
        """Return how the index refuses bulk-import requests, or None when it serves them.

        An index that is not ready answers 503 (UNAVAILABLE), as Pinecone does while an
        index initialises; a pod-based index answers 400: bulk import is a serverless
        feature; an index configured without imports (``imports_supported=False``, a BYOC
        environment without them) answers 501 (UNIMPLEMENTED).

        Examples
        --------
        >>> from datetime import datetime
        >>> from .clock import SimulatedClock
        >>> from .state import IndexConfig
        >>> clock = SimulatedClock(datetime(2025, 5, 1))
        >>> state = ProjectState([IndexConfig("pods", imports=0, pod=True)], clock)
        >>> plane = DataPlane("pods", state=state, settings=EndpointSettings(),
        ...                   faults=FaultQueue(), tokens=PageTokens())
        >>> plane.refusal().status
        400
        """
        config = self._index().config
        if not config.ready:
            return rpc_error(
                503,
                f"Index {config.name} is not ready (state Initializing); "
                "retry once describe_index shows status.ready",
            )
        if config.pod:
            return rpc_error(
                400,
                f"Bulk import is not supported for pod-based indexes; {config.name} is "
                "pod-based (bulk import is available on serverless indexes)",
            )
        if not config.imports_supported:
            return rpc_error(
                501,
                f"Bulk import is not supported for index {config.name}: its "
                f"{config.deployment} environment {config.environment} does not offer it",
            )
        return None

    def reset(self) -> None:
        """Forget tokens made to repeat by a ``self_token`` fault."""
        self._sticky_tokens.clear()

    def _index(self) -> IndexState:
        return self.state.index(self.index_name)

    def list_imports(self, request: Request) -> Response:
        """Answer one page of the listing (``limit``, ``paginationToken``)."""
        query = request.query
        raw_limit = query.get("limit")
        limit = MAX_PAGE
        if raw_limit is not None:
            limit = int(raw_limit) if raw_limit.isascii() and raw_limit.isdigit() else 0
            if not 1 <= limit <= MAX_PAGE:
                return rpc_error(
                    400, f"Invalid value for limit: {raw_limit!r}; must be between 1 and 100"
                )
        token = query.get("paginationToken") or ""
        offset = 0
        if token:
            decoded = self.tokens.decode(token, self.index_name)
            if decoded is None:
                return rpc_error(400, "Invalid pagination token")
            offset = decoded
        settings = self.settings
        items, total = self._index().page(
            self.state.clock.now_us,
            offset,
            limit,
            int64_as_string=settings.int64_as_string,
            api_version=request.api_version,
        )
        next_token = (
            None if offset + limit >= total else self.tokens.encode(offset + limit, self.index_name)
        )
        if token and token in self._sticky_tokens:
            self._sticky_tokens.discard(token)
            next_token = token
        elif self.faults.take("self_token", request.path) is not None:
            if token:
                next_token = token
            else:
                next_token = self.tokens.encode(offset + limit, self.index_name)
                self._sticky_tokens.add(next_token)
        if next_token is not None:
            tail = b',"pagination":{"next":"' + next_token.encode() + b'"}}'
        elif self.faults.take("empty_token", request.path) is not None:
            tail = _END_TAILS["empty_string"]
        else:
            tail = _END_TAILS[settings.pagination_end]
        return Response(200, b'{"data":[' + b",".join(items) + b"]" + tail)

    def describe_import(self, request: Request, import_id: str) -> Response:
        """Answer one import as it stands now."""
        now = self.state.clock.now_us
        entry = self._index().get(import_id, now)
        if entry is None:
            return rpc_error(404, f"Import {import_id} not found")
        record = entry.as_api_record(
            now, int64_as_string=self.settings.int64_as_string, api_version=request.api_version
        )
        return json_response(record)

    def cancel_import(self, request: Request, import_id: str) -> Response:
        """Cancel an import (a finished one stays as it is); answer ``{}``."""
        if self._index().cancel(import_id, self.state.clock.now_us) is None:
            return rpc_error(404, f"Import {import_id} not found")
        return json_response({})

    def start_import(self, request: Request) -> Response:
        """Start an import from the JSON body (``uri``, ``integrationId``, ``errorMode``)."""
        try:
            payload = json.loads(request.read_body() or b"null")
        except (ValueError, RecursionError):
            return rpc_error(400, "Request body is not valid JSON")
        if not isinstance(payload, dict):
            return rpc_error(400, "Request body must be a JSON object")
        uri = payload.get("uri")
        if not isinstance(uri, str) or not uri or len(uri) > _MAX_URI:
            return rpc_error(400, "Missing or invalid required field: uri")
        integration = payload.get("integrationId")
        if "integrationId" in payload and (
            not isinstance(integration, str) or len(integration) > _MAX_INTEGRATION_ID
        ):
            return rpc_error(400, "Invalid field: integrationId must be a string of <= 1000")
        mode = payload.get("errorMode", {})
        if not isinstance(mode, dict):
            return rpc_error(400, "Invalid field: errorMode must be an object")
        on_error = mode.get("onError", "continue")
        # From 2025-10 onError is an open enum (x-enum): values not known here are allowed.
        open_enum = request.api_version.open_enums and isinstance(on_error, str)
        if not open_enum and on_error not in _ON_ERROR:
            return rpc_error(400, "Invalid errorMode.onError: must be 'abort' or 'continue'")
        import_id = self._index().start(
            uri, self.state.clock.now_us, integration_id=integration, error_mode=on_error
        )
        return json_response({"id": import_id})
