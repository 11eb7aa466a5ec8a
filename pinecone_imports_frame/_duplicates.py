"""One row per import of a listing: an import a listing shows twice is kept once, its last.

An import moves down a page when a new one starts while a listing is paged (the listing is
newest first), and the listing then shows it twice. The frame, the watch and the trends
keep it once, as its last row (a later page was read later), and say so with one
:class:`~pinecone_imports_frame.DuplicateImportWarning`: :func:`keep_last_of_each_id` for
a listing's records, ``trends`` for a history that holds such a listing (a lake written
by an older version).
"""

from __future__ import annotations

import logging
import sys
import warnings

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._text import printable
from .errors import DuplicateImportWarning

logger = logging.getLogger(__name__)


def _user_stacklevel() -> int:
    """Return the ``stacklevel`` of the first frame outside this package (for a warning)."""
    frame, level = sys._getframe(1), 1
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        __package__ or "pinecone_imports_frame"
    ):
        frame, level = frame.f_back, level + 1
    return level


def warn_duplicates(rows: int, *, where: str) -> None:
    """Warn that ``rows`` rows repeated an import of their listing and were dropped.

    ``where`` names the listing(s) ("of the listing of HOST", "of the frame"); the
    warning is placed at the caller's line outside the package, whatever the depth.

    Examples
    --------
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_duplicates(2, where="of the listing")
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    2 rows of the listing repeated an import already in the same listing (it happens when
    an import moves between pages while a listing is paged): each import is kept once, as
    its last row shows it
    """
    warnings.warn(
        f"{rows} row{'s' if rows != 1 else ''} {where} repeated an import already in the "
        "same listing (it happens when an import moves between pages while a listing is "
        "paged): each import is kept once, as its last row shows it",
        DuplicateImportWarning,
        stacklevel=_user_stacklevel(),
    )


def keep_last_of_each_id(
    typed: dict[str, pa.ChunkedArray], *, index_host: str | None = None
) -> dict[str, pa.ChunkedArray]:
    """Keep one row per import id of one listing, its last, warning if any was dropped.

    ``typed`` is a listing's columns (``RecordColumns.typed()``). An import listed twice
    would count twice in every figure, and breaks whatever keys a listing by id. Rows
    without an id are kept (nothing says they are one import).

    Examples
    --------
    >>> typed = {"id": pa.chunked_array([["1", "2", "1"]]),
    ...          "status": pa.chunked_array([["Pending", "Pending", "InProgress"]])}
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     kept = keep_last_of_each_id(typed)
    >>> kept["id"].to_pylist(), kept["status"].to_pylist(), len(caught)
    (['2', '1'], ['Pending', 'InProgress'], 1)
    """
    ids = typed["id"]
    named = len(ids) - ids.null_count
    if named < 2 or pc.count_distinct(ids, mode="only_valid").as_py() == named:
        return typed  # the rule: a hash pass over the ids, nothing copied
    as_pandas = pd.Series(ids.to_pandas(), dtype=object)
    repeated = (as_pandas.duplicated(keep="last") & as_pandas.notna()).to_numpy()
    where = f"of the listing of {printable(index_host)}" if index_host else "of the listing"
    warn_duplicates(int(repeated.sum()), where=where)
    keep = pa.array(~repeated)
    return {name: column.filter(keep) for name, column in typed.items()}
