"""Draining a token-paginated listing: a small state machine driven by one loop.

:class:`TokenPaginator` holds the state of one listing (pages read, tokens seen, the next
token) and decides, from each page, whether there is another. The end of a listing is a
missing ``pagination``, ``{}``, ``null`` or ``{"next": ""}``. A listing that would never
end raises :class:`PaginationError` instead of looping: a token seen before in the same
listing (the official SDK re-reads page 1 forever on ``{"next": ""}``), pages that bring
no import id the recent pages did not for :data:`NO_PROGRESS_PAGES` pages in a row (a
fresh token every time with the same records, or none), or more pages than ``max_pages``.
A page with more records than the ``limit`` asked for raises :class:`ResponseFormatError`.
"""

from __future__ import annotations

import logging
import reprlib
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from .client import ApiClient
from .config import DEFAULT_MAX_PAGES
from .errors import PaginationError, ResponseFormatError

logger = logging.getLogger(__name__)

LIST_PATH = "/bulk/imports"
#: Pages in a row that bring no import id the pages before them did not, before a
#: listing is stopped (a fresh token every page over the same records, or none).
NO_PROGRESS_PAGES = 10
#: Longest pagination token accepted (Pinecone's are about a hundred characters).
MAX_TOKEN_LENGTH = 4096

# Values quoted in messages: short, and never deep (reprlib stops at a few levels).
_quote = reprlib.Repr()
_quote.maxstring = 120
_quote.maxother = 120
_quote.maxlevel = 3


@dataclass
class TokenPaginator:
    """State of one listing: the next token, the tokens seen, the pages read.

    Parameters
    ----------
    page_size : int
        The API's ``limit``.
    max_pages : int or None
        Stop with :class:`PaginationError` when a listing has more pages than this
        (default :data:`~pinecone_imports_frame.config.DEFAULT_MAX_PAGES`, 100,000: ten
        million imports at 100 a page); None for no limit.

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
    max_pages: int | None = DEFAULT_MAX_PAGES
    pages: int = 0
    records_read: int = 0
    next_token: str | None = None
    has_next: bool = True
    #: Hashes of the tokens seen (not the tokens: a long listing keeps 8 bytes each).
    seen: set[int] = field(default_factory=set)
    #: Pages in a row that brought no new import id.
    stalled: int = 0
    #: Fingerprints (hash of the set of ids) of the last pages, to tell a page seen again.
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=NO_PROGRESS_PAGES))
    #: Why the listing stopped early; raised by the loop after the page's rows are kept.
    error: PaginationError | None = None

    def _stop(self, error: PaginationError) -> None:
        self.has_next = False
        self.error = error

    def params(self) -> dict[str, Any]:
        """Query parameters of the next request.

        Examples
        --------
        >>> TokenPaginator(page_size=10).params()
        {'limit': 10}
        """
        params: dict[str, Any] = {"limit": self.page_size}
        if self.next_token is not None:
            params["paginationToken"] = self.next_token
        return params

    def update(self, body: Any) -> list[Any]:
        """Take one page's decoded body; return its records and advance the state.

        A page whose token would loop, that brings nothing new for too long, or that goes
        past ``max_pages``, still returns its records; the state then holds the
        :class:`PaginationError` in ``error``.

        Examples
        --------
        >>> p = TokenPaginator()
        >>> for n in range(NO_PROGRESS_PAGES + 1):  # a fresh token, the same record
        ...     _ = p.update({"data": [{"id": "a"}], "pagination": {"next": f"t{n}"}})
        >>> p.has_next, type(p.error).__name__
        (False, 'PaginationError')
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
                f"objects (got {_quote.repr(data)}); check the host is a Pinecone index host"
            )
        if len(data) > self.page_size:
            # A server that ignores the limit can send a million tiny records a page
            # under the body cap: refused before they are taken, not stacked page after page.
            raise ResponseFormatError(
                f"GET {LIST_PATH} page {self.pages + 1} holds {len(data):,} imports, more "
                f"than the limit={self.page_size} asked for: the server ignored the limit, "
                "so the listing was stopped rather than taken whole; the rows of the pages "
                "before are in .partial; check the host is a Pinecone index host and that no "
                "proxy on the way rewrites its answers"
            )
        token = _next_token(body.get("pagination"), page=self.pages + 1)
        self.pages += 1
        self.records_read += len(data)
        if token is None:
            self.has_next = False
            self.next_token = None
            return data
        token_hash = hash(token)
        if token_hash in self.seen:
            self._stop(
                PaginationError(
                    f"GET {LIST_PATH} returned pagination token {token[:40]!r} a second time "
                    f"after {self.pages} pages: the listing would loop forever, so it was "
                    "stopped; the rows read so far are in .partial"
                )
            )
            return data
        if not self._progressed(data):
            self.stalled += 1
            if self.stalled >= NO_PROGRESS_PAGES:
                self._stop(
                    PaginationError(
                        f"GET {LIST_PATH} returned {self.stalled} pages in a row with a new "
                        "pagination token but no import that the pages before had not "
                        f"returned (after {self.pages} pages, {self.records_read} imports "
                        "read): the listing would never end, so it was stopped; the rows "
                        "read so far are in .partial"
                    )
                )
                return data
        else:
            self.stalled = 0
        if self.max_pages is not None and self.pages >= self.max_pages:
            self._stop(
                PaginationError(
                    f"GET {LIST_PATH} still had more pages after max_pages={self.max_pages} "
                    f"({self.records_read} imports read); raise max_pages or pass None; the rows "
                    "read so far are in .partial"
                )
            )
            return data
        self.seen.add(token_hash)
        self.next_token = token
        return data

    def _progressed(self, data: list[dict[str, Any]]) -> bool:
        """Tell whether a page brings an import the last pages did not (cheaply).

        A page is fingerprinted by the hash of the set of its ids; the same page again (in
        any order), or an empty page, is no progress. Only the last few fingerprints are
        kept, so a listing of any length costs a few integers, not a set of every id.
        """
        if not data:
            return False
        ids = map(dict.get, data, repeat("id"))
        try:
            fingerprint = hash(frozenset(ids))
        except TypeError:  # an id that is a list or an object: not an id, but no crash here
            fingerprint = hash(frozenset(map(repr, map(dict.get, data, repeat("id")))))
        if fingerprint in self.recent:
            return False
        self.recent.append(fingerprint)
        return True


def _next_token(pagination: Any, *, page: int) -> str | None:
    """Return the next token, or None where the listing ends (absent, null, {} or "")."""
    if pagination is None:
        return None
    if not isinstance(pagination, dict):  # "abc", [], 5: not an end, a broken page
        raise ResponseFormatError(
            f"GET {LIST_PATH} page {page}: pagination is a {type(pagination).__name__}, not "
            "an object; check the host is a Pinecone index host"
        )
    token = pagination.get("next")
    if token is None or token == "":
        return None
    if not isinstance(token, str):
        raise ResponseFormatError(
            f"GET {LIST_PATH} page {page}: pagination.next is a {type(token).__name__}, not a "
            "string; check the host is a Pinecone index host"
        )
    if len(token) > MAX_TOKEN_LENGTH:
        raise ResponseFormatError(
            f"GET {LIST_PATH} page {page}: pagination.next is {len(token)} characters long, "
            f"more than the {MAX_TOKEN_LENGTH} a pagination token can be; check the host is a "
            "Pinecone index host"
        )
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
    live in ``_progress``). A listing stopped by the paginator raises its
    :class:`PaginationError` after the last page's records are yielded.

    Examples
    --------
    >>> from pinecone_imports_frame.config import Connection
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=5) as emu:
    ...     conn = Connection.resolve(emu.url, api_key=emu.api_key)
    ...     with ApiClient.for_connection(conn, conn.endpoint) as client:
    ...         sizes = [len(page) for page in drain(client, TokenPaginator(page_size=2))]
    >>> sizes
    [2, 2, 1]
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
