"""How the report and the CLI's ``trends`` and ``report`` read a lake: one function.

:func:`read_lake` returns ``read_history``'s runs frame: the trends and the report answer
the same on runs as on listings, and a year of a project fits in memory as runs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..parsing import Moment
from ..trends._on_runs import listings_by_index
from ..trends._runs import is_runs

logger = logging.getLogger(__name__)


def read_lake(
    root: str | os.PathLike[str],
    *,
    index_host: str | Sequence[str] | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    storage_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Read the lake's history for the trends, as runs (``read_history``).

    Every stored column (what changed is what runs are made of); a compacted day is never
    expanded into listings.
    """
    from ..snapshots import read_history

    return read_history(
        root,
        index_host=index_host,
        since=since,
        until=until,
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
