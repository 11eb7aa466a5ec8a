"""STAND-IN for ``pinecone_imports_frame.runs`` (helper i19-lake writes the real module).

At merge, replace the two definitions below by ``from ..runs import is_runs`` and by
``ListingInstants.by_host()`` read from ``df.attrs["listings"]`` as the real module does;
nothing else in ``trends`` depends on how a runs frame is made.

A *runs frame* (``read_history``) has one row per run: an import's unchanged stored state
over consecutive listings of its index, with ``first_listed_at``, ``last_listed_at`` and
``listings`` in place of a listing frame's ``listed_at``. Which listings exist per index
travels in ``df.attrs["listings"]``, an object whose ``by_host()`` maps each host to its
listing instants (``DatetimeIndex``, UTC, sorted, unique).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: The columns a runs frame has in place of a listing frame's ``listed_at``.
RUNS_ONLY: tuple[str, ...] = ("first_listed_at", "last_listed_at", "listings")


def is_runs(df: Any) -> bool:
    """Tell a runs frame from a listing frame (STAND-IN for ``runs.is_runs``)."""
    return isinstance(df, pd.DataFrame) and "first_listed_at" in df.columns


def instants_by_host(df: pd.DataFrame) -> dict[str, pd.DatetimeIndex] | None:
    """Return the listing instants that travel with a runs frame, or None if it has none.

    STAND-IN for ``df.attrs["listings"].by_host()`` (``runs.ListingInstants``).
    """
    listings = df.attrs.get("listings")
    by_host = getattr(listings, "by_host", None)
    if by_host is None:
        return None
    return dict(by_host())
