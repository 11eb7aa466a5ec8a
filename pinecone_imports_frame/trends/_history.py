"""A frame in, typed and grouped: what every trend function starts from.

Columns are checked against :data:`COLUMNS_NEEDED` and brought to their ``numpy_nullable``
dtypes whatever the frame's backend; :class:`ByImport` sorts the rows once by import and
listing time, and the rest is array work over its positions.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable
from typing import Any, cast

import numpy as np
import pandas as pd

from .. import schema
from .._duplicates import warn_duplicates
from ..errors import ConfigurationError
from ._runs import RUNS_ONLY, is_runs

logger = logging.getLogger(__name__)


_PROGRESS = ("id", "status", "percent_complete", "records_imported", "listed_at", "index_host")
_FAILED = (
    "id",
    "uri",
    "status",
    "created_at",
    "finished_at",
    "validation_errors",
    "error",
    "error_category",
    "listed_at",
    "index_host",
)

#: The columns each function reads (``index_host`` is optional: without it, one index).
COLUMNS_NEEDED: dict[str, tuple[str, ...]] = {
    "latest": ("id", "listed_at", "index_host"),
    "status_timeline": ("id", "status", "listed_at", "index_host"),
    "status_history": ("id", "status", "listed_at", "index_host"),
    "transitions": ("id", "status", "listed_at", "index_host"),
    "progress_history": _PROGRESS,
    "estimate_completion": _PROGRESS,
    "throughput": (
        "id",
        "status",
        "finished_at",
        "records_imported",
        "duration",
        "records_per_second",
        "listed_at",
        "index_host",
    ),
    "failed_imports": _FAILED,
    "failures": _FAILED,
    "summary": (
        *_FAILED[:-2],
        "percent_complete",
        "records_imported",
        "duration",
        "records_per_second",
        "listed_at",
        "index_host",
    ),
}
COLUMNS_NEEDED["summary_text"] = COLUMNS_NEEDED["summary"]

STRING = pd.StringDtype("pyarrow")

TIMESTAMP = pd.DatetimeTZDtype(unit=schema.TIME_UNIT, tz="UTC")

DURATION = np.dtype(f"timedelta64[{schema.TIME_UNIT}]")

NAT = np.iinfo(np.int64).min

US_PER_HOUR = 3_600_000_000

RUNNING = ("Pending", "InProgress")

TERMINAL = ("Completed", "Failed", "Cancelled")

#: The columns that name the import of each row of a per-import result, first in each.
IMPORT_DTYPES: dict[str, Any] = {"index_host": STRING, "id": STRING}


def check_frame(df: Any, what: str) -> None:
    """Refuse what trend function ``what`` cannot read: not a frame, or a column missing."""
    if not isinstance(df, pd.DataFrame):
        raise ConfigurationError(
            f"{what}() takes a DataFrame from read_imports or read_snapshots, not "
            f"{type(df).__name__}"
        )
    needed = COLUMNS_NEEDED[what]
    if is_runs(df):  # a runs frame (read_history) has its runs' times in place of listed_at
        needed = (*(c for c in needed if c != "listed_at"), *RUNS_ONLY)
    missing = [c for c in needed if c not in df.columns and c != "index_host"]
    if missing:
        raise ConfigurationError(
            f"{what}() needs the column(s) {', '.join(missing)}, which the frame lacks; read "
            f"them too, e.g. read_snapshots(root, columns=trends.COLUMNS_NEEDED[{what!r}])"
        )


def as_status(s: pd.Series) -> pd.Series:
    """``status`` as the schema's categorical (API statuses first, then any others)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = [str(c) for c in s.dtype.categories]
        if cats[: len(schema.STATUSES)] == list(schema.STATUSES):
            return s
    else:
        s = s.astype(STRING)
        cats = [str(c) for c in s.dropna().unique()]
    return s.astype(schema.status_dtype(sorted(c for c in cats if c not in schema.STATUSES)))


@functools.cache
def _dtype(name: str) -> object:
    """Return the ``numpy_nullable`` dtype of ``name`` (built once: a categorical is slow)."""
    if name in RUNS_ONLY and name not in schema.COLUMN_NAMES:  # until schema has runs' columns
        return pd.Int64Dtype() if name == "listings" else TIMESTAMP
    return schema.pandas_dtype(name)


def col(df: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name`` with its ``numpy_nullable`` dtype (as it is when it has it already)."""
    if name not in df.columns:  # only index_host may be absent: one index
        return pd.Series(pd.array([pd.NA] * len(df), dtype=STRING), index=df.index)
    s = df[name]
    if name == "status":
        return as_status(s)
    want = _dtype(name)
    if s.dtype == want:
        return s
    try:
        return s.astype(want)  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"column {name!r} has dtype {s.dtype}, which does not convert to {want}: pass a "
            "frame from read_imports or read_snapshots"
        ) from exc


def micros(s: pd.Series) -> np.ndarray:
    """Timestamps or durations as int64 microseconds, NaT as ``NAT``."""
    values: Any = s.array
    if isinstance(values, (pd.arrays.DatetimeArray, pd.arrays.TimedeltaArray)):
        return np.asarray(cast(Any, values).as_unit(schema.TIME_UNIT).asi8)
    return np.asarray(s, dtype=f"datetime64[{schema.TIME_UNIT}]").view(np.int64)


def listing_times(df: pd.DataFrame) -> np.ndarray:
    t = micros(col(df, "listed_at"))
    missing = int((t == NAT).sum())
    if missing:
        raise ConfigurationError(
            f"listed_at is missing in {missing} row(s): trends need the time of each listing "
            "(frames from read_imports and read_snapshots always have it)"
        )
    return t


def floats(s: pd.Series) -> np.ndarray:
    """Return a writable float copy of ``s``, NA as NaN."""
    return np.array(s.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def timestamps(us: np.ndarray) -> pd.arrays.DatetimeArray:
    return pd.Series(us.view(f"datetime64[{schema.TIME_UNIT}]")).dt.tz_localize("UTC").array


def durations(us: np.ndarray) -> np.ndarray:
    return us.view(DURATION)


def take(s: pd.Series, rows: np.ndarray) -> Any:
    return s.array.take(rows)


def import_columns(df: pd.DataFrame, rows: np.ndarray) -> dict[str, Any]:
    """Take the columns of :data:`IMPORT_DTYPES` at ``rows`` (positions in ``df``)."""
    return {name: take(col(df, name), rows) for name in IMPORT_DTYPES}


#: The prefix of a status column whose status is named like one of the result's columns.
STATUS_PREFIX = "status:"


def status_columns(statuses: list[str], own: Iterable[str]) -> list[str]:
    """Name the count column of each status: the status, or ``status:`` and it if taken.

    The status enum is open (API 2025-10 on): a new status may be called ``total``,
    ``listed_at`` or ``index_host``. A status named like one of the result's ``own``
    columns, or beginning with ``status:``, gets the column ``status:NAME``; every other
    status keeps its name. So no two columns share a name, and no status loses its count.

    Examples
    --------
    >>> status_columns(["Completed", "total", "status:x", "Paused"], ["listed_at", "total"])
    ['Completed', 'status:total', 'status:status:x', 'Paused']
    """
    taken = set(own)
    assert not any(c.startswith(STATUS_PREFIX) for c in taken)  # the names stay distinct
    return [STATUS_PREFIX + s if s in taken or s.startswith(STATUS_PREFIX) else s for s in statuses]


def with_status_counts(dtypes: dict[str, Any], names: list[str], *, before: str) -> dict[str, Any]:
    """Return ``dtypes`` with an ``int64`` column of each of ``names`` inserted before ``before``.

    ``names`` are those of :func:`status_columns`: none is one of ``dtypes`` already.
    """
    own = list(dtypes)
    at = own.index(before)
    counts = dict.fromkeys(names, np.dtype(np.int64))
    return {**{n: dtypes[n] for n in own[:at]}, **counts, **{n: dtypes[n] for n in own[at:]}}


def make_frame(
    columns: dict[str, Any],
    dtypes: dict[str, Any],
    *,
    sort: list[str] | None = None,
    ascending: bool = True,
) -> pd.DataFrame:
    """Build a frame of ``columns`` in the order and dtypes of ``dtypes``.

    A dtype of None (a status column) keeps the column's own categories. With ``sort``,
    the rows are sorted stably by those columns (NA last) and numbered from 0.
    """
    out = pd.DataFrame({n: columns[n] for n in dtypes}, copy=False)
    for name, dtype in dtypes.items():
        if dtype is not None and out[name].dtype != dtype:
            out[name] = out[name].astype(dtype)
    if sort is None:
        return out
    return out.sort_values(
        sort, ascending=ascending, kind="stable", na_position="last", ignore_index=True
    )


def empty(dtypes: dict[str, Any], *, status_dtype: Any = None) -> pd.DataFrame:
    """Build the empty result of ``dtypes``; a status column (dtype None) as ``status_dtype``.

    ``status_dtype`` defaults to the schema's statuses.
    """
    status = schema.status_dtype() if status_dtype is None else status_dtype
    return pd.DataFrame(
        {n: pd.Series([], dtype=cast(Any, status if d is None else d)) for n, d in dtypes.items()}
    )


def rounded_durations(us: np.ndarray) -> np.ndarray:
    """Float microseconds (a quantile's, NaN for none) as ``timedelta64[us]``, NaN as NaT."""
    return durations(np.where(np.isnan(us), NAT, np.round(np.nan_to_num(us))).astype(np.int64))


def completed_figures(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return ``duration`` (float microseconds) and ``records_per_second``, NaN unless Completed.

    The values the duration and speed figures of ``summary`` and ``throughput`` are taken
    over: only Completed imports count.
    """
    completed = (col(df, "status") == "Completed").to_numpy()
    duration = micros(col(df, "duration")).astype(np.float64)
    duration[(duration == float(NAT)) | ~completed] = np.nan
    rps = floats(col(df, "records_per_second"))
    rps[~completed] = np.nan
    return duration, rps


def nullable_ints(values: np.ndarray) -> pd.arrays.IntegerArray:
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def nullable_floats(values: np.ndarray) -> pd.arrays.FloatingArray:
    missing = np.isnan(values)
    return pd.arrays.FloatingArray(np.where(missing, 0.0, values), missing)


def status_codes(df: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    status = col(df, "status")
    return status.cat.codes.to_numpy(), [str(c) for c in status.cat.categories]


def status_values(codes: np.ndarray, categories: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(
        codes.astype(np.int64), dtype=schema.status_dtype(categories[len(schema.STATUSES) :])
    )


class ByImport:
    """The rows of a frame grouped by import, each import's rows in listing order.

    Attributes
    ----------
    rows : numpy.ndarray
        Positions in the frame, sorted by (import, listed_at); a row that repeats an import
        at the same ``listed_at`` (an import twice in one listing, a listing stored twice)
        is dropped for the later one, with a :class:`DuplicateImportWarning`.
    t : numpy.ndarray
        ``listed_at`` of those rows, in microseconds.
    group : numpy.ndarray
        Import number (0, 1, ...) of each sorted row.
    starts, ends : numpy.ndarray
        Each import's first sorted row and one past its last.
    """

    def __init__(self, df: pd.DataFrame) -> None:
        t = listing_times(df)
        host, _ = pd.factorize(col(df, "index_host"), use_na_sentinel=False)
        ids, id_uniques = pd.factorize(col(df, "id"), use_na_sentinel=False)
        key = host.astype(np.int64) * max(len(id_uniques), 1) + ids
        order = np.lexsort((t, key))
        key, t = key[order], t[order]
        same_next = np.zeros(len(order), dtype=bool)
        same_next[:-1] = (key[1:] == key[:-1]) & (t[1:] == t[:-1])
        if same_next.any():
            warn_duplicates(int(same_next.sum()), where="of the frame")
            keep = ~same_next
            order, key, t = order[keep], key[keep], t[keep]
        new = np.ones(len(order), dtype=bool)
        new[1:] = key[1:] != key[:-1]
        self.rows = order
        self.t = t
        self.group = np.cumsum(new) - 1
        self.starts = np.flatnonzero(new)
        self.ends = np.append(self.starts[1:], len(order)).astype(np.int64)

    @property
    def last(self) -> np.ndarray:
        """Frame position of each import's last row."""
        return self.rows[self.ends - 1]


def repeated_rows(df: pd.DataFrame, listing: np.ndarray) -> np.ndarray | None:
    """Mark the rows that repeat an import of their listing (all but the last), or None.

    ``listing`` numbers each row's listing (one ``index_host`` and ``listed_at``); rows
    of one listing with one ``id`` are one import, kept once, as its last row (as
    :class:`ByImport` keeps it), with a :class:`DuplicateImportWarning`.
    """
    ids, id_uniques = pd.factorize(col(df, "id"), use_na_sentinel=False)
    if len(id_uniques) == len(df):
        return None  # every id once in the frame: none twice in a listing
    key = pd.Series(listing.astype(np.int64) * max(len(id_uniques), 1) + ids)
    repeated = key.duplicated(keep="last").to_numpy()
    if not repeated.any():
        return None
    warn_duplicates(int(repeated.sum()), where="of the frame")
    return repeated


def last_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Keep the last row of each import (the frame itself when it is one listing per index)."""
    if not len(df):
        return df
    t = listing_times(df)
    if t.min() == t.max() and not col(df, "id").duplicated().any():
        return df  # one listing: nothing to reduce
    return df.take(np.sort(ByImport(df).last))


def last_per_group(idx: np.ndarray, groups: np.ndarray, m: int) -> np.ndarray:
    """Pick the last of ``idx`` in each of ``m`` groups (-1 for none); ``groups`` is sorted."""
    out = np.full(m, -1, dtype=np.int64)
    last = np.ones(len(idx), dtype=bool)
    last[:-1] = groups[1:] != groups[:-1]
    out[groups[last]] = idx[last]
    return out


def first_per_group(idx: np.ndarray, groups: np.ndarray, m: int) -> np.ndarray:
    """Pick the first of ``idx`` in each of ``m`` groups (-1 for none); ``groups`` is sorted."""
    out = np.full(m, -1, dtype=np.int64)
    first = np.ones(len(idx), dtype=bool)
    first[1:] = groups[1:] != groups[:-1]
    out[groups[first]] = idx[first]
    return out
