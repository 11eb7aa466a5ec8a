"""Draining a token-paginated listing: a small state machine driven by one loop.

:class:`TokenPaginator` holds the state of one listing (pages read, tokens seen, the next
token) and decides, from each page, whether there is another. The end of a listing is a
missing ``pagination``, ``{}``, ``null`` or ``{"next": ""}``; a token seen before in the
same listing, or more pages than ``max_pages``, raises :class:`PaginationError` instead of
looping (the official SDK re-reads page 1 forever on ``{"next": ""}``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .client import ApiClient
from .errors import PaginationError, ResponseFormatError

logger = logging.getLogger(__name__)

LIST_PATH = "/bulk/imports"


@dataclass
class TokenPaginator:
    """State of one listing: the next token, the tokens seen, the pages read.

    Examples
    --------
    >>> p = TokenPaginator(page_size=2)
    >>> p.params()
    {'limit': 2}
    >>> p.update({"data": [{"id": "1"}, {"id": "2"}], "pagination": {"next": "abc"}})
    [{'id': '1'}, {'id': '2'}]
    >>> p.has_next, p.params()
    (True, {'limit': 2, 'paginationToken': 'abc'})
    >>> p.update({"data": [{"id": "3"}], "pagination": {"next": ""}})
    [{'id': '3'}]
    >>> p.has_next
    False
    """

    page_size: int = 100
    max_pages: int | None = None
    pages: int = 0
    records_read: int = 0
    next_token: str | None = None
    has_next: bool = True
    seen: set[str] = field(default_factory=set)
    #: Why the listing stopped early; raised by the loop after the page's rows are kept.
    error: PaginationError | None = None

    def _stop(self, error: PaginationError) -> None:
        self.has_next = False
        self.error = error

    def params(self) -> dict[str, Any]:
        """Query parameters of the next request."""
        params: dict[str, Any] = {"limit": self.page_size}
        if self.next_token is not None:
            params["paginationToken"] = self.next_token
        return params

    def update(self, body: Any) -> list[Any]:
        """Take one page's decoded body; return its records and advance the state.

        A page whose token would loop, or that goes past ``max_pages``, still returns its
        records; the state then holds the :class:`PaginationError` in ``error``.
        """
        if not isinstance(body, dict):
            raise ResponseFormatError(
                f"GET {LIST_PATH} page {self.pages + 1} is a JSON {type(body).__name__}, not "
                "an object with 'data'; check the host is a Pinecone index host"
            )
        data = body.get("data")
        if data is None:
            data = []
        if not isinstance(data, list) or not set(map(type, data)) <= {dict}:
            raise ResponseFormatError(
                f"GET {LIST_PATH} page {self.pages + 1}: 'data' is not a list of import "
                f"objects (got {str(data)[:120]!r})"
            )
        self.pages += 1
        self.records_read += len(data)
        token = _next_token(body.get("pagination"))
        if token is None:
            self.has_next = False
            self.next_token = None
            return data
        if token in self.seen:
            self._stop(
                PaginationError(
                    f"GET {LIST_PATH} returned pagination token {token[:40]!r} a second time "
                    f"after {self.pages} pages: the listing would loop forever, so it was "
                    "stopped; the rows read so far are in .partial"
                )
            )
            return data
        if self.max_pages is not None and self.pages >= self.max_pages:
            self._stop(
                PaginationError(
                    f"GET {LIST_PATH} still had more pages after max_pages={self.max_pages} "
                    f"({self.records_read} imports read); raise max_pages or pass None; the rows "
                    "read so far are in .partial"
                )
            )
            return data
        self.seen.add(token)
        self.next_token = token
        return data


def _next_token(pagination: Any) -> str | None:
    """Return the next token, or None where the listing ends (absent, null, {} or "")."""
    if not isinstance(pagination, dict):
        return None
    token = pagination.get("next")
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise ResponseFormatError(f"pagination.next is a {type(token).__name__}, not a string")
    return token


def drain(
    client: ApiClient,
    paginator: TokenPaginator,
    *,
    on_page: Callable[[int, int], None] | None = None,
) -> Iterator[list[Any]]:
    """Run the one loop: request, update the state, yield the page's records, until the end.

    Each page's records (dicts as the API sent them) are yielded as soon as they arrive;
    ``on_page(pages, records)`` is told the running counts after each page (progress bars
    live in ``_progress``).
    """
    while paginator.has_next:
        started = time.perf_counter()
        body = client.get_json(LIST_PATH, paginator.params())
        records = paginator.update(body)
        logger.debug(
            "GET %s page %d: 200, %d rows, %.1f ms",
            LIST_PATH,
            paginator.pages,
            len(records),
            (time.perf_counter() - started) * 1000,
        )
        if on_page is not None:
            on_page(paginator.pages, paginator.records_read)
        yield records
    if paginator.error is not None:
        raise paginator.error
