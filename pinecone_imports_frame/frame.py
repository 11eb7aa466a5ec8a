"""Typed Arrow tables to pandas frames: the package's frame, in either dtype backend.

:func:`to_frame` and the loader gather records with :class:`~.records.RecordColumns`
(:mod:`pinecone_imports_frame.records`: wire values to Arrow, strict about each value),
build the table of every column (:func:`build_table`) and convert it to a pandas frame with
the dtypes of ``schema.py`` for the chosen backend (:func:`frame_from_table`). Snapshots
read back through the same :func:`frame_from_table`, so a frame and its snapshot can never
drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _hosts, parsing, schema
from ._duplicates import keep_last_of_each_id
from .records import (
    _SNAKE_ONLY,
    _TS,
    OnBadRecord,
    RecordColumns,
    _as_api_record,
    add_derived_columns,
    status_array,
)

# Re-exported: the loader, the fleet and the lake import them from here.
from .records import ON_BAD_RECORD as ON_BAD_RECORD
from .records import check_on_bad_record as check_on_bad_record
from .records import conform_table as conform_table
from .records import micros as micros
from .schema import DtypeBackend

#: The pandas dtype of each Arrow type in the ``numpy_nullable`` backend; the other types
#: convert as pyarrow converts them (timestamps and durations at the schema's unit,
#: dictionaries to categoricals).
_NULLABLE_DTYPES: dict[pa.DataType, Any] = {
    pa.string(): pd.StringDtype("pyarrow"),
    pa.int64(): pd.Int64Dtype(),
    pa.float64(): pd.Float64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}
_TYPES_MAPPERS: dict[str, Callable[[pa.DataType], Any]] = {
    "numpy_nullable": _NULLABLE_DTYPES.get,
    "pyarrow": pd.ArrowDtype,
}
_ERROR_CATEGORIES = pa.array(schema.ERROR_CATEGORIES, type=pa.string())
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


def _for_pandas(
    col: pa.ChunkedArray | pa.Array, kind: str, dtype_backend: DtypeBackend
) -> pa.ChunkedArray | pa.Array:
    """Shape a schema column so that ``to_pandas`` with the backend's mapper gives its dtype."""
    if isinstance(col, pa.ChunkedArray) and kind in ("status", "category"):
        col = col.combine_chunks()
    if kind == "float" and pa.types.is_floating(col.type):
        # NaN is not a value of any float column here (a percent, a rate): NA, as pandas'
        # isna() sees it. A file another writer made may hold NaN; JSON cannot.
        col = pc.if_else(pc.is_nan(col), pa.scalar(None, col.type), col)
    if dtype_backend == "pyarrow":
        return col.cast(_DICTIONARY) if kind in ("status", "category") else col
    if kind == "category":  # every category, in the schema's order, whichever appear
        values = col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col
        indices = pc.index_in(values, value_set=_ERROR_CATEGORIES)
        return pa.DictionaryArray.from_arrays(indices, _ERROR_CATEGORIES)
    if kind == "string":
        return col.cast(pa.string())
    return col  # a status is dictionary-encoded over its categories (status_array)


def column_to_pandas(
    col: pa.ChunkedArray | pa.Array, name: str, dtype_backend: DtypeBackend
) -> Any:
    """Convert one schema column from Arrow to the pandas array of its dtype.

    Examples
    --------
    >>> column_to_pandas(pa.array([1, None]), "records_imported", "numpy_nullable")
    <IntegerArray>
    [1, <NA>]
    Length: 2, dtype: Int64
    """
    col = _for_pandas(col, schema.BY_NAME[name].kind, dtype_backend)
    return col.to_pandas(types_mapper=_TYPES_MAPPERS[dtype_backend]).array


def frame_from_table(
    table: pa.Table, *, dtype_backend: DtypeBackend = "numpy_nullable"
) -> pd.DataFrame:
    """Convert an Arrow table of every column to a pandas frame in the package's schema.

    One ``Table.to_pandas`` with a types mapper; chunked columns stay chunked where
    pandas takes them so (strings, zero-copy) or copies them anyway (numbers, times).

    Examples
    --------
    >>> list(frame_from_table(conform_table(pa.table({"id": ["1"]}))).columns) == list(
    ...     schema.COLUMN_NAMES)
    True
    """
    schema.check_dtype_backend(dtype_backend)
    arrays = [
        _for_pandas(table[name], schema.BY_NAME[name].kind, dtype_backend)
        for name in schema.COLUMN_NAMES
    ]
    shaped = pa.Table.from_arrays(arrays, names=list(schema.COLUMN_NAMES))
    return shaped.to_pandas(
        types_mapper=_TYPES_MAPPERS[dtype_backend], split_blocks=True, ignore_metadata=True
    )


def _now_utc() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").as_unit(schema.TIME_UNIT)


@dataclass(frozen=True)
class ListingInfo:
    """What a listing gives each of its rows: when it was taken, of which index, in which API.

    The listing columns of the schema (``listed_at``, ``index_host``, ``index_name``,
    ``api_version``), the same for every row of one listing.

    Examples
    --------
    >>> info = ListingInfo.of(listed_at="2025-05-01T14:00:00+02:00", index_host="h")
    >>> info.listed_at, info.attrs()["listed_at"]
    (Timestamp('2025-05-01 12:00:00+0000', tz='UTC'), '2025-05-01T12:00:00+00:00')
    """

    listed_at: pd.Timestamp
    index_host: str | None = None
    index_name: str | None = None
    api_version: str | None = None

    @classmethod
    def of(
        cls,
        *,
        listed_at: parsing.Moment | None = None,
        index_host: str | None = None,
        index_name: str | None = None,
        api_version: str | None = None,
    ) -> ListingInfo:
        """Check ``listed_at`` (UTC at the schema's unit; now by default) and keep the rest.

        ``index_host`` is spelled the one way :func:`_hosts.index_host_value` gives.
        """
        listed = parsing.parse_timestamp(listed_at, what="listed_at") or _now_utc()
        if isinstance(index_host, str):
            index_host = _hosts.index_host_value(index_host)
        return cls(listed, index_host, index_name, api_version)

    def attrs(self) -> dict[str, Any]:
        """Return the ``attrs`` of the listing's frame: the same, as plain values.

        They travel with the frame even when it has no rows (``DataFrame.to_parquet``
        keeps them); snapshots of an empty listing rely on them.
        """
        return {
            "listed_at": self.listed_at.isoformat(),
            "index_host": self.index_host,
            "index_name": self.index_name,
            "api_version": self.api_version,
        }


def _constant(value: str | None, n: int) -> pa.Array:
    """``value`` repeated ``n`` times, as a string array (dictionary-decoded, no n objects)."""
    if value is None:
        return pa.nulls(n, pa.string())
    indices = pa.array(np.zeros(n, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array([value])).cast(pa.string())


def build_table(columns: RecordColumns, *, listing: ListingInfo) -> pa.Table:
    """Build the Arrow table (every column, derived ones included) of gathered records.

    An import id twice in the records keeps its last row (:func:`keep_last_of_each_id`).

    Examples
    --------
    >>> cols = RecordColumns()
    >>> cols.extend([{"id": "1", "status": "Pending", "createdAt": "2025-05-01T12:00:00Z"}])
    >>> build_table(cols, listing=ListingInfo.of(index_host="h"))["index_host"].to_pylist()
    ['h']
    """
    typed = keep_last_of_each_id(columns.typed(), index_host=listing.index_host)
    n = len(typed["id"])
    base: dict[str, Any] = {c.name: typed[c.name] for c in schema.API_COLUMNS}
    base["status"] = status_array(typed["status"].combine_chunks())
    listed_us = micros(listing.listed_at)
    base["listed_at"] = pa.array(np.full(n, listed_us, dtype=np.int64)).cast(_TS)
    base["index_host"] = _constant(listing.index_host, n)
    base["index_name"] = _constant(listing.index_name, n)
    base["api_version"] = _constant(listing.api_version, n)
    return add_derived_columns(pa.table(base))


def build_frame(
    columns: RecordColumns,
    *,
    listing: ListingInfo,
    dtype_backend: DtypeBackend = "numpy_nullable",
) -> pd.DataFrame:
    """Build the typed frame of the records gathered in ``columns``, ``attrs`` included.

    Examples
    --------
    >>> cols = RecordColumns()
    >>> cols.extend([{"id": "1", "status": "Pending", "createdAt": "2025-05-01T12:00:00Z"}])
    >>> build_frame(cols, listing=ListingInfo.of(listed_at="2025-05-01T12:00:05Z")).loc[
    ...     0, "elapsed"]
    Timedelta('0 days 00:00:05')
    """
    schema.check_dtype_backend(dtype_backend)
    frame = frame_from_table(build_table(columns, listing=listing), dtype_backend=dtype_backend)
    frame.attrs.update(listing.attrs())
    return frame


def empty_frame(*, dtype_backend: DtypeBackend = "numpy_nullable") -> pd.DataFrame:
    """Return a 0-row frame with exactly the schema's columns and dtypes.

    Examples
    --------
    >>> df = empty_frame(dtype_backend="pyarrow")
    >>> len(df), list(df.columns) == list(schema.COLUMN_NAMES), str(df["created_at"].dtype)
    (0, True, 'timestamp[us, tz=UTC][pyarrow]')
    """
    return build_frame(RecordColumns(), listing=ListingInfo.of(), dtype_backend=dtype_backend)


def concat_frames(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack imports frames (listings, histories) into one, keeping every dtype.

    ``pd.concat`` turns ``status`` into plain text when the frames' categories differ
    (one listing saw a status the others did not) and compares ``attrs``; this unites the
    categories first and leaves ``attrs`` empty. The frames share one ``dtype_backend``.

    Examples
    --------
    >>> import warnings
    >>> a = to_frame([{"id": "1", "status": "Completed"}])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # "Queued" is no status the API documents
    ...     b = to_frame([{"id": "2", "status": "Queued"}])
    >>> [isinstance(f["status"].dtype, pd.CategoricalDtype)
    ...  for f in (pd.concat([a, b]), concat_frames([a, b]))]
    [False, True]
    >>> concat_frames([a, b])["status"].tolist()
    ['Completed', 'Queued']
    """
    given = list(frames)
    frames = [f for f in given if len(f)] or given[:1]
    if not frames:
        return empty_frame()
    if len(frames) == 1:
        out = frames[0].copy(deep=False)
        out.attrs = {}
        return out
    if all(isinstance(f["status"].dtype, pd.CategoricalDtype) for f in frames):
        statuses: list[str] = []
        for f in frames:
            statuses += [s for s in f["status"].cat.categories if s not in statuses]
        dtype = schema.status_dtype(statuses)
        frames = [f.assign(status=f["status"].astype(dtype)) for f in frames]
    else:
        frames = [f.copy(deep=False) for f in frames]
    for f in frames:
        f.attrs = {}  # pandas compares attrs when it concatenates
    return pd.concat(frames, ignore_index=True)


def to_frame(
    records: Iterable[Any],
    *,
    listed_at: parsing.Moment | None = None,
    index_host: str | None = None,
    index_name: str | None = None,
    api_version: str | None = None,
    dtype_backend: DtypeBackend = "numpy_nullable",
    on_bad_record: OnBadRecord = "raise",
) -> pd.DataFrame:
    """Turn import records already in hand into the package's typed frame.

    Parameters
    ----------
    records : iterable
        Dicts as the API sends them (camelCase), dicts with snake_case keys, or the official
        ``pinecone`` SDK's ``ImportModel`` objects (so ``to_frame(index.list_imports())``
        works).
    listed_at : timestamp-like, optional
        When the listing was taken; now (UTC) by default. Naive values are taken as UTC.
    index_host, index_name, api_version : str, optional
        Filled into the columns of those names (NA when None).
    dtype_backend : {"numpy_nullable", "pyarrow"}
        pandas nullable dtypes, or ``pd.ArrowDtype`` columns.
    on_bad_record : {"raise", "warn"}
        A value of the wrong kind raises (default), or becomes NA with a warning.

    Returns
    -------
    pandas.DataFrame
        One row per import, with the columns and dtypes of ``schema.COLUMNS``.

    Raises
    ------
    ResponseFormatError
        A field holds a value of the wrong kind (a timestamp that is not RFC 3339, say).

    Examples
    --------
    >>> df = to_frame([{"id": "1", "uri": "s3://bucket/a", "status": "Completed",
    ...                 "createdAt": "2025-05-01T12:00:00Z",
    ...                 "finishedAt": "2025-05-01T12:10:00.5+00:00",
    ...                 "percentComplete": 100.0, "recordsImported": "600"}])
    >>> df.loc[0, "duration"]
    Timedelta('0 days 00:10:00.500000')
    >>> str(df["records_imported"].dtype)
    'Int64'
    """
    if isinstance(records, Mapping):
        raise TypeError(
            "to_frame takes an iterable of import records, not one mapping; "
            "for an API page pass page['data']"
        )
    rows = records if isinstance(records, list) else list(records)
    batch = max(len(rows), 1)
    # Fast path: API dicts go in as they are. Other records (SDK objects, snake_case dicts)
    # are normalised one by one; a snake_case dict shows as a missing createdAt, which the
    # API always sends, so only then are the keys looked at.
    columns = RecordColumns(batch_rows=batch, on_bad_record=on_bad_record)
    try:
        columns.extend(rows)
        as_is = not (
            columns.typed()["created_at"].null_count
            and not _SNAKE_ONLY.isdisjoint(set().union(*rows))
        )
    except TypeError:  # not dicts: dict.get refused them
        as_is = False
    if not as_is:
        columns = RecordColumns(batch_rows=batch, on_bad_record=on_bad_record)
        columns.extend([dict(_as_api_record(r)) for r in rows])
    listing = ListingInfo.of(
        listed_at=listed_at,
        index_host=index_host,
        index_name=index_name,
        api_version=api_version,
    )
    return build_frame(columns, listing=listing, dtype_backend=dtype_backend)
