"""The paginator's state machine, page by page, without a server."""

from __future__ import annotations

import pytest

from pinecone_imports_frame.errors import PaginationError, ResponseFormatError
from pinecone_imports_frame.pagination import NO_PROGRESS_PAGES, TokenPaginator


@pytest.mark.parametrize(
    "last_page",
    [
        {"data": [{}]},
        {"data": [{}], "pagination": None},
        {"data": [{}], "pagination": {}},
        {"data": [{}], "pagination": {"next": ""}},
        {"data": [{}], "pagination": {"next": None}},
    ],
)
def test_every_form_of_the_end(last_page: dict) -> None:
    p = TokenPaginator(page_size=1)
    p.update({"data": [{}], "pagination": {"next": "t1"}})
    assert p.has_next and p.params() == {"limit": 1, "paginationToken": "t1"}
    p.update(last_page)
    assert not p.has_next
    assert (p.pages, p.records_read) == (2, 2)


def test_a_token_seen_before_is_a_loop() -> None:
    p = TokenPaginator()
    p.update({"data": [], "pagination": {"next": "a"}})
    p.update({"data": [], "pagination": {"next": "b"}})
    assert p.update({"data": [{"id": "kept"}], "pagination": {"next": "a"}}) == [{"id": "kept"}]
    assert not p.has_next
    assert isinstance(p.error, PaginationError) and "second time" in str(p.error)


def test_a_self_pointing_token_is_a_loop() -> None:
    p = TokenPaginator()
    p.update({"data": [], "pagination": {"next": "a"}})
    p.update({"data": [], "pagination": {"next": "a"}})
    assert not p.has_next and isinstance(p.error, PaginationError)


def test_pages_of_known_imports_stop_a_listing_only_in_a_row() -> None:
    # A page that repeats an import already read (the list moved under the cursor) is
    # normal now and then; only NO_PROGRESS_PAGES such pages in a row are a stalled listing.
    p = TokenPaginator()
    for n in range(3 * NO_PROGRESS_PAGES):
        data = [{"id": "seen"}] if n % 2 else [{"id": f"new-{n}"}]
        p.update({"data": data, "pagination": {"next": f"t{n}"}})
    assert p.error is None and p.has_next
    for n in range(NO_PROGRESS_PAGES):
        p.update({"data": [{"id": "seen"}], "pagination": {"next": f"again-{n}"}})
    assert not p.has_next and isinstance(p.error, PaginationError)


def test_max_pages_stops_when_more_remain() -> None:
    p = TokenPaginator(max_pages=2)
    p.update({"data": [{}], "pagination": {"next": "a"}})
    p.update({"data": [{}], "pagination": {"next": "b"}})
    assert not p.has_next and "max_pages=2" in str(p.error)
    q = TokenPaginator(max_pages=2)
    q.update({"data": [{}], "pagination": {"next": "a"}})
    q.update({"data": [{}]})  # exactly max_pages pages and the end: fine
    assert not q.has_next and q.error is None


def test_state_is_per_listing() -> None:
    a, b = TokenPaginator(), TokenPaginator()
    a.update({"data": [], "pagination": {"next": "x"}})
    b.update({"data": [], "pagination": {"next": "x"}})  # no leak between listings
    assert len(a.seen) == len(b.seen) == 1 and a.seen == b.seen and a.seen is not b.seen
    assert a.recent is not b.recent


@pytest.mark.parametrize(
    "body",
    [
        [],
        "x",
        {"data": "nope"},
        {"data": [1, 2]},
        {"data": [], "pagination": {"next": 5}},
        {"data": [], "pagination": "abc"},  # these three used to end the listing silently
        {"data": [], "pagination": []},
        {"data": [], "pagination": 5},
    ],
)
def test_malformed_pages_are_clear_errors(body: object) -> None:
    with pytest.raises(ResponseFormatError):
        TokenPaginator().update(body)


def test_missing_data_is_an_empty_page() -> None:
    p = TokenPaginator()
    assert p.update({}) == [] and not p.has_next


def test_a_page_over_the_limit_is_refused_and_leaves_the_state_as_it_was() -> None:
    p = TokenPaginator(page_size=2)
    assert p.update({"data": [{"id": "1"}, {"id": "2"}], "pagination": {"next": "a"}})
    with pytest.raises(ResponseFormatError, match="page 2 holds 3 imports, more than the limit=2"):
        p.update({"data": [{"id": str(i)} for i in range(3)], "pagination": {"next": "b"}})
    assert (p.pages, p.records_read, p.next_token) == (1, 2, "a")
