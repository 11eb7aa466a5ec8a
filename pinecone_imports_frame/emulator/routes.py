"""Routing as a table: (method, path pattern) -> handler, and what answers the rest.

A pattern is a path whose ``{name}`` segments match one non-empty segment, handed to the
handler percent-decoded. A path that matches a pattern under another method is answered
405 with ``Allow``; a path that matches none, 404.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import unquote

from .request import Request
from .responses import Plane, Response

logger = logging.getLogger(__name__)

__all__ = ["Handler", "Route", "RouteMatch", "Router"]

#: A handler takes the request and the pattern's segments, and answers.
Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    """One row of a routing table.

    Examples
    --------
    >>> Route("GET", "/bulk/imports/{import_id}", "data", print).segments
    ('bulk', 'imports', '{import_id}')
    """

    method: str
    pattern: str
    plane: Plane
    handler: Handler

    @cached_property
    def segments(self) -> tuple[str, ...]:
        """The pattern split on "/" (without the leading empty segment)."""
        return tuple(self.pattern.strip("/").split("/"))

    def bind(self, path_segments: Sequence[str]) -> dict[str, str] | None:
        """Return the pattern's named segments if ``path_segments`` match it, else None.

        Examples
        --------
        >>> Route("GET", "/indexes/{name}", "control", print).bind(["indexes", "my%2Dindex"])
        {'name': 'my-index'}
        """
        pattern = self.segments
        if len(pattern) != len(path_segments):
            return None
        params: dict[str, str] = {}
        for want, got in zip(pattern, path_segments, strict=True):
            if want.startswith("{"):
                if not got:
                    return None
                params[want[1:-1]] = unquote(got)
            elif want != got:
                return None
        return params


@dataclass(frozen=True)
class RouteMatch:
    """What the router found for a request: a handler to call, or how to refuse.

    :meth:`Router.match` returns one for every path: with a route, :meth:`call` runs it;
    without, the endpoint answers 404 or 405 in the shape of ``plane``.

    Attributes
    ----------
    plane : Plane
        Which API the path belongs to (for the error shape).
    route : Route or None
        The route to call; None when refused.
    params : dict of str to str
        The pattern's named segments.
    allow : str
        For a path served under other methods: the ``Allow`` header (405); "" otherwise.
    """

    plane: Plane
    route: Route | None = None
    params: dict[str, str] | None = None
    allow: str = ""

    def call(self, request: Request) -> Response:
        """Run the matched handler (the caller checked that there is one).

        Examples
        --------
        >>> from .responses import json_response
        >>> route = Route("GET", "/x/{n}", "data", lambda request, n: json_response({"n": n}))
        >>> RouteMatch("data", route, {"n": "7"}).call(Request("GET", "/x/7", {}, None)).body
        b'{"n":"7"}'
        """
        assert self.route is not None
        return self.route.handler(request, **(self.params or {}))


class Router:
    """A routing table, and the plane that answers paths no route knows.

    Parameters
    ----------
    routes : sequence of Route
        The table, searched in order.
    default_plane : Plane
        The error shape of paths that match no route.

    Examples
    --------
    >>> from .responses import json_response
    >>> ok = lambda request: json_response({})
    >>> router = Router([Route("GET", "/bulk/imports", "data", ok)], default_plane="data")
    >>> router.match("PUT", "/bulk/imports").allow, router.match("GET", "/nope").route
    ('GET', None)
    """

    def __init__(self, routes: Sequence[Route], *, default_plane: Plane) -> None:
        self.routes = tuple(routes)
        self.default_plane: Plane = default_plane

    def match(self, method: str, path: str) -> RouteMatch:
        """Find the route for ``method`` and ``path``, or say why there is none.

        Examples
        --------
        >>> from .responses import json_response
        >>> ok = lambda request, name: json_response({})
        >>> router = Router([Route("GET", "/indexes/{name}", "control", ok)],
        ...                 default_plane="data")
        >>> match = router.match("GET", "/indexes/a")
        >>> match.plane, match.params
        ('control', {'name': 'a'})
        """
        segments = path.strip("/").split("/") if path.startswith("/") else [path]
        if path.endswith("/") and path != "/":
            segments.append("")
        allowed: list[str] = []
        plane: Plane | None = None
        for route in self.routes:
            params = route.bind(segments)
            if params is None:
                continue
            if route.method == method:
                return RouteMatch(route.plane, route, params)
            plane = plane or route.plane
            if route.method not in allowed:
                allowed.append(route.method)
        if plane is not None:
            return RouteMatch(plane, allow=", ".join(allowed))
        return RouteMatch(self.plane_of(path))

    def plane_of(self, path: str) -> Plane:
        """Return which API ``path`` belongs to, by the first segment of its routes.

        Examples
        --------
        >>> from .responses import json_response
        >>> router = Router([Route("GET", "/indexes", "control", print)], default_plane="data")
        >>> router.plane_of("/indexes/x/y"), router.plane_of("/other")
        ('control', 'data')
        """
        head = path.strip("/").split("/", 1)[0]
        for route in self.routes:
            if route.segments[0] == head:
                return route.plane
        return self.default_plane
