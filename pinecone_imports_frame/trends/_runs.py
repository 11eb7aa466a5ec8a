"""How the trends tell a runs frame from a listing frame, and find its listing instants.

A *runs frame* (``read_history``, ``to_runs``) has one row per run: an import's unchanged
stored state over consecutive listings of its index, with ``first_listed_at``,
``last_listed_at`` and ``listings`` in place of a listing frame's ``listed_at``. Which
listings exist per index travels in ``df.attrs["listings"]``, a
:class:`~pinecone_imports_frame.runs.ListingInstants`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import runs

#: The columns a runs frame has in place of a listing frame's ``listed_at``.
RUNS_ONLY: tuple[str, ...] = ("first_listed_at", "last_listed_at", "listings")


def is_runs(df: Any) -> bool:
    """Tell a runs frame from a listing frame (anything else is neither).

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> is_runs(pif.to_frame([])), is_runs(pif.to_runs(pif.to_frame([]))), is_runs(None)
    (False, True, False)
    """
    return isinstance(df, pd.DataFrame) and runs.is_runs(df)


def instants_by_host(df: pd.DataFrame) -> dict[str, pd.DatetimeIndex] | None:
    """Return the listing instants that travel with a runs frame, or None if it has none.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> r = pif.to_runs(pif.to_frame([{"id": "1"}], listed_at="2025-05-01T12:00Z", index_host="h"))
    >>> {host: [str(t) for t in times] for host, times in instants_by_host(r).items()}
    {'h': ['2025-05-01 12:00:00+00:00']}
    """
    listings = df.attrs.get("listings")
    by_host = getattr(listings, "by_host", None)
    if by_host is None:
        return None
    return dict(by_host())
