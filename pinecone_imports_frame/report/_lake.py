"""How the report and the CLI's ``trends`` and ``report`` read a lake: one function.

At merge with the lake's runs (issue 19), :func:`read_lake` returns ``read_history``'s runs
frame; the trends and the report answer the same on runs as on listings, so nothing else
changes. Until then it returns ``read_snapshots``' listings.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..trends._on_runs import listings_by_index
from ..trends._runs import is_runs

logger = logging.getLogger(__name__)


def read_lake(
    root: Any,
    *,
    index_host: str | Sequence[str] | None = None,
    since: Any = None,
    until: Any = None,
    columns: Sequence[str] | None = None,
    storage_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Read the lake's history for the trends: only ``columns`` (listing column names).

    MERGE: replace the body by ``read_history(root, index_host=..., since=..., until=...,
    storage_options=...)``, given ``columns`` without ``listed_at`` and with
    ``first_listed_at``, ``last_listed_at`` and ``listings`` if it takes columns.
    """
    from ..snapshots import read_snapshots

    return read_snapshots(
        root,
        index_host=index_host,
        since=since,
        until=until,
        columns=None if columns is None else list(columns),
        storage_options=storage_options,
    )


def count_listings(history: pd.DataFrame) -> int:
    """Count the distinct listing times of a listing frame, or those a runs frame knows."""
    if not len(history):
        return 0
    if is_runs(history):
        times = list(listings_by_index(history).values())
        return len(np.unique(np.concatenate(times))) if times else 0
    return int(history["listed_at"].nunique())
