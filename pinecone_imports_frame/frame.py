"""Records to a typed DataFrame: API pages, snake_case dicts or SDK objects, both backends.

The path is columnar and one-way: records are split into one Python list per API field
(:class:`RecordColumns`, page by page, so a listing never holds every page's dicts), the
lists become Arrow arrays (C-speed parsing of timestamps and numbers), the derived columns
are computed with Arrow compute kernels, and the table becomes a pandas frame with the
dtypes of ``schema.py`` for the chosen backend. Snapshots read back through the same
:func:`frame_from_table`, so a frame and its snapshot can never drift apart.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import config, schema
from .errors import ResponseFormatError, UnknownStatusWarning
from .schema import DtypeBackend

logger = logging.getLogger(__name__)

# API field name (camelCase) for each stored API column, in frame order.
_FIELDS: tuple[str, ...] = tuple(c.api_field for c in schema.COLUMNS if c.api_field)
_KNOWN_FIELDS = frozenset(_FIELDS)
_SNAKE_TO_CAMEL: dict[str, str] = {c.name: c.api_field for c in schema.COLUMNS if c.api_field}
_SNAKE_ONLY = frozenset(k for k, v in _SNAKE_TO_CAMEL.items() if k != v)

_TS = pa.timestamp(schema.TIME_UNIT, tz="UTC")
_TS_NS = pa.timestamp("ns", tz="UTC")


class RecordColumns:
    """Accumulates API records (camelCase dicts) column by column, page by page.

    Every ``batch_rows`` records (5,000 by default) the values are parsed into typed Arrow
    arrays and their Python objects dropped, so a long listing never holds more than one
    batch of them.

    Examples
    --------
    >>> cols = RecordColumns()
    >>> cols.extend([{"id": "1", "uri": "s3://b/p", "status": "Pending",
    ...               "createdAt": "2025-05-01T12:00:00Z"}])
    >>> len(cols)
    1
    """

    __slots__ = ("_batch_rows", "_chunks", "_n", "_pending", "_unknown_seen")

    def __init__(self, *, batch_rows: int = 5_000) -> None:
        self._pending: dict[str, list[Any]] = {f: [] for f in _FIELDS}
        self._chunks: dict[str, list[pa.Array]] = {f: [] for f in _FIELDS}
        self._unknown_seen: set[str] = set()
        self._batch_rows = batch_rows
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def extend(self, records: list[dict[str, Any]]) -> None:
        """Append one page of records as the API sends them (camelCase keys).

        Unknown keys are ignored; at DEBUG level they are named once in the log.
        """
        keys: set[str] | None = None
        if logger.isEnabledFor(logging.DEBUG):
            keys = set().union(*records)
        if keys is not None and not _KNOWN_FIELDS.issuperset(keys):
            new = keys - _KNOWN_FIELDS - self._unknown_seen
            if new:
                self._unknown_seen |= new
                logger.debug("ignoring unknown import fields: %s", ", ".join(sorted(new)))
        get = dict.get
        for field, column in self._pending.items():
            column.extend(map(get, records, repeat(field)))
        self._n += len(records)
        if len(self._pending["id"]) >= self._batch_rows:
            self._flush()

    def _flush(self) -> None:
        p = self._pending
        if not p["id"]:
            return
        # Parse every field before keeping any, so that a malformed value leaves the
        # typed chunks and the pending batch consistent (see drop_pending).
        parsed = {field: parse(p[field], field) for field, parse in _PARSERS.items()}
        for field, array in parsed.items():
            self._chunks[field].append(array)
            p[field] = []

    def drop_pending(self) -> int:
        """Forget the records not yet typed (a batch that failed to parse); return how many."""
        dropped = len(self._pending["id"])
        self._pending = {f: [] for f in _FIELDS}
        self._n -= dropped
        return dropped

    def typed(self) -> dict[str, pa.Array]:
        """Every field so far as one typed Arrow array (status as plain strings)."""
        self._flush()
        out = {}
        for field in _FIELDS:
            chunks = self._chunks[field]
            if len(chunks) == 1:
                out[field] = chunks[0]
            elif chunks:
                out[field] = pa.concat_arrays(chunks)
                self._chunks[field] = [out[field]]
            else:
                out[field] = _PARSERS[field]([], field)
        return out


def _as_api_record(record: Any) -> Mapping[str, Any]:
    """One record in API form, from a camelCase dict, a snake_case dict or an SDK object."""
    if isinstance(record, Mapping):
        if _SNAKE_ONLY.isdisjoint(record):
            return record
        out = dict(record)
        for snake in _SNAKE_ONLY.intersection(record):
            out.setdefault(_SNAKE_TO_CAMEL[snake], out.pop(snake))
        return out
    to_dict = getattr(record, "to_dict", None)
    if callable(to_dict):
        return _as_api_record(to_dict())
    if not hasattr(record, "id"):
        raise TypeError(
            f"cannot read an import from {type(record).__name__!r}: pass dicts as the API "
            "sends them, dicts with snake_case keys, or the pinecone SDK's ImportModel objects"
        )
    return {camel: getattr(record, snake, None) for snake, camel in _SNAKE_TO_CAMEL.items()}


# --- column parsers: Python lists to Arrow arrays, strict about what they accept ----------

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d\d):?(\d\d))?\s*$"
)


def _parse_timestamp(value: Any, field: str) -> int | None:
    """Microseconds since the epoch (UTC) of one timestamp; the slow, forgiving path."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        ts = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        delta = ts - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, pd.Timestamp):
        return int(value.tz_localize("UTC").value if value.tz is None else value.value) // 1000
    m = _RFC3339.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise ResponseFormatError(
            f"{field}: {str(value)[:80]!r} is not an RFC 3339 timestamp "
            "(expected e.g. 2025-05-01T12:34:56.123456Z); check the host answers the 2025-04 API"
        )
    y, mo, d, h, mi, s, frac, _z, sign, oh, om = m.groups()
    try:
        base = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=dt.timezone.utc)
    except ValueError as exc:
        raise ResponseFormatError(
            f"{field}: {value!r} is not a valid date or time ({exc})"
        ) from exc
    micros = int((frac or "0").ljust(9, "0")[:6])  # sub-microsecond digits are dropped
    offset = 0
    if sign:
        offset = (int(oh) * 60 + int(om)) * 60 * (1 if sign == "+" else -1)
    delta = base - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return ((delta.days * 86_400 + delta.seconds - offset) * 1_000_000) + micros


def _timestamps(values: list[Any], field: str) -> pa.Array:
    try:
        # Arrow parses RFC 3339 with Z or an offset in C; via nanoseconds so that 7 to 9
        # fractional digits parse too, then truncated to the schema's microseconds.
        arr = pa.array(values, type=pa.string()).cast(_TS_NS)
        return arr.cast(_TS, safe=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    micros = [_parse_timestamp(v, field) for v in values]
    return pa.array(micros, type=pa.int64()).cast(_TS)


def _integers(values: list[Any], field: str) -> pa.Array:
    try:
        return pa.array(values, type=pa.int64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        pass
    out: list[int | None] = []
    for v in values:
        if v is None or (isinstance(v, int) and not isinstance(v, bool)):
            out.append(v)
        elif isinstance(v, str) and re.fullmatch(r"\s*[+-]?\d+\s*", v):
            out.append(int(v))  # the API's int64 may arrive as a JSON string
        elif isinstance(v, float) and v.is_integer():
            out.append(int(v))
        else:
            raise ResponseFormatError(f"{field}: {str(v)[:80]!r} is not an integer")
    try:
        return pa.array(out, type=pa.int64())
    except OverflowError as exc:
        raise ResponseFormatError(f"{field}: a value does not fit in int64 ({exc})") from exc


def _floats(values: list[Any], field: str) -> pa.Array:
    try:
        return pa.array(values, type=pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    out: list[float | None] = []
    for v in values:
        try:
            out.append(None if v is None else float(v))
        except (TypeError, ValueError) as exc:
            raise ResponseFormatError(f"{field}: {str(v)[:80]!r} is not a number") from exc
    return pa.array(out, type=pa.float64())


def _strings(values: list[Any], field: str = "") -> pa.Array:
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


_PARSERS: dict[str, Callable[[list[Any], str], pa.Array]] = {
    "id": _strings,
    "uri": _strings,
    "status": _strings,
    "createdAt": _timestamps,
    "finishedAt": _timestamps,
    "percentComplete": _floats,
    "recordsImported": _integers,
    "error": _strings,
}


def status_array(statuses: pa.Array, *, extra: Iterable[str] = ()) -> pa.DictionaryArray:
    """Dictionary-encode statuses over the API's categories, appending unknown ones.

    An unknown status (later API versions made the enum open) becomes a new category and
    raises :class:`UnknownStatusWarning`; it is never dropped.
    """
    if pa.types.is_dictionary(statuses.type):
        statuses = statuses.cast(pa.string())
    seen = pc.unique(statuses.drop_null()).to_pylist()
    categories = list(schema.STATUSES)
    for s in [*extra, *seen]:
        if s not in categories:
            categories.append(s)
    unknown = [s for s in seen if s not in schema.STATUSES]
    if unknown:
        warnings.warn(
            f"status {', '.join(map(repr, unknown))} is not one of the 2025-04 API's "
            f"({', '.join(schema.STATUSES)}); kept as a new category",
            UnknownStatusWarning,
            stacklevel=3,
        )
    dictionary = pa.array(categories, type=pa.string())
    indices = pc.index_in(statuses, value_set=dictionary)
    return pa.DictionaryArray.from_arrays(indices, dictionary)


# --- tables ------------------------------------------------------------------------------


def derive(table: pa.Table) -> pa.Table:
    """Add (or recompute) the derived columns from the stored ones, in schema order.

    ``duration``, ``elapsed``, ``is_terminal`` and ``records_per_second`` are functions of
    the other columns; snapshots do not store them and this recomputes them on read.
    """
    created = table["created_at"]
    finished = table["finished_at"]
    status = table["status"].cast(pa.string())
    duration = pc.subtract(finished, created)
    is_terminal = pc.is_in(status, value_set=pa.array(sorted(schema.TERMINAL_STATUSES)))
    is_terminal = pc.if_else(pc.is_null(status), pa.scalar(None, pa.bool_()), is_terminal)
    running = pc.subtract(table["listed_at"], created)
    running = pc.if_else(pc.fill_null(is_terminal, False), pa.scalar(None, running.type), running)
    elapsed = pc.if_else(pc.is_valid(finished), duration, running)
    seconds = pc.divide(pc.cast(duration, pa.int64()).cast(pa.float64()), 1e6)
    seconds = pc.if_else(pc.equal(seconds, 0.0), pa.scalar(None, pa.float64()), seconds)
    rps = pc.divide(table["records_imported"].cast(pa.float64(), safe=False), seconds)
    derived = {
        "duration": duration,
        "elapsed": elapsed,
        "is_terminal": is_terminal,
        "records_per_second": rps,
    }
    arrays = [derived[n] if n in derived else table[n] for n in schema.COLUMN_NAMES]
    return pa.Table.from_arrays(
        [
            a.cast(schema.arrow_type(n)) if n != "status" else a
            for n, a in zip(schema.COLUMN_NAMES, arrays, strict=True)
        ],
        names=list(schema.COLUMN_NAMES),
    )


def conform_table(table: pa.Table, *, extra_statuses: Iterable[str] = ()) -> pa.Table:
    """Cast a table of some schema columns to the full schema: missing columns become null.

    Used on snapshots written by other versions (schema evolution): a column the file lacks
    reads back as NA, an extra column is dropped, derived columns are recomputed.
    """
    n = table.num_rows
    arrays = []
    for name in schema.COLUMN_NAMES:
        if name in table.column_names:
            col = table[name]
            if name == "status":
                col = status_array(col.combine_chunks(), extra=extra_statuses)
            elif col.type != schema.arrow_type(name):
                col = col.cast(schema.arrow_type(name))
            arrays.append(col)
        elif name == "status":
            arrays.append(status_array(pa.nulls(n, pa.string()), extra=extra_statuses))
        else:
            arrays.append(pa.nulls(n, schema.arrow_type(name)))
    return derive(pa.Table.from_arrays(arrays, names=list(schema.COLUMN_NAMES)))


def column_to_pandas(
    col: pa.ChunkedArray | pa.Array, name: str, dtype_backend: DtypeBackend
) -> Any:
    """One schema column from Arrow to the pandas array of its dtype under ``dtype_backend``."""
    kind = schema.BY_NAME[name].kind
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if dtype_backend == "pyarrow":
        if kind == "status":
            col = col.cast(pa.dictionary(pa.int32(), pa.string()))
        return pd.arrays.ArrowExtensionArray(col)
    if kind == "status":
        dictionary = col.dictionary.to_pylist()
        codes = col.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int8)
        return pd.Categorical.from_codes(codes, dtype=schema.status_dtype(dictionary))
    if kind == "string":
        return pd.arrays.ArrowStringArray(col.cast(pa.string()))
    if kind in ("int", "float", "bool"):
        mask = col.is_null().to_numpy(zero_copy_only=False)
        fill: Any = {"int": 0, "float": 0.0, "bool": False}[kind]
        values = col.fill_null(fill).to_numpy(zero_copy_only=False)
        cls = {
            "int": pd.arrays.IntegerArray,
            "float": pd.arrays.FloatingArray,
            "bool": pd.arrays.BooleanArray,
        }[kind]
        return cls(values, mask)
    if kind == "timestamp":
        values = col.to_numpy(zero_copy_only=False).astype(f"datetime64[{schema.TIME_UNIT}]")
        return pd.Series(values, copy=False).dt.tz_localize("UTC").array
    # duration
    return col.to_numpy(zero_copy_only=False).astype(f"timedelta64[{schema.TIME_UNIT}]")


def frame_from_table(
    table: pa.Table, *, dtype_backend: DtypeBackend = "numpy_nullable"
) -> pd.DataFrame:
    """Convert an Arrow table of every column to a pandas frame in the package's schema."""
    schema.check_dtype_backend(dtype_backend)
    data = {
        name: column_to_pandas(table[name], name, dtype_backend) for name in schema.COLUMN_NAMES
    }
    return pd.DataFrame(data, copy=False)


def _now_utc() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC").as_unit(schema.TIME_UNIT)


def _as_listed_at(listed_at: Any) -> pd.Timestamp:
    return config.parse_timestamp(listed_at, what="listed_at") or _now_utc()


def build_frame(
    columns: RecordColumns,
    *,
    listed_at: Any = None,
    index_host: str | None = None,
    index_name: str | None = None,
    dtype_backend: DtypeBackend = "numpy_nullable",
) -> pd.DataFrame:
    """Build the typed frame of the records gathered in ``columns``."""
    schema.check_dtype_backend(dtype_backend)
    typed = columns.typed()
    n = len(columns)
    listed = _as_listed_at(listed_at)
    base = {
        "id": typed["id"],
        "uri": typed["uri"],
        "status": status_array(typed["status"]),
        "created_at": typed["createdAt"],
        "finished_at": typed["finishedAt"],
        "percent_complete": typed["percentComplete"],
        "records_imported": typed["recordsImported"],
        "error": typed["error"],
        "listed_at": pa.array(np.full(n, listed.value // 1000, dtype=np.int64)).cast(_TS),
        "index_host": _constant(index_host, n),
        "index_name": _constant(index_name, n),
    }
    frame = frame_from_table(derive(pa.table(base)), dtype_backend=dtype_backend)
    # Who and when travel with the frame even when it has no rows (JSON-safe, so that
    # DataFrame.to_parquet keeps them); snapshots of an empty listing rely on them.
    frame.attrs.update(
        {"listed_at": listed.isoformat(), "index_host": index_host, "index_name": index_name}
    )
    return frame


def _constant(value: str | None, n: int) -> pa.Array:
    """``value`` repeated ``n`` times, as a string array (dictionary-decoded, no n objects)."""
    if value is None:
        return pa.nulls(n, pa.string())
    indices = pa.array(np.zeros(n, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array([value])).cast(pa.string())


def empty_frame(*, dtype_backend: DtypeBackend = "numpy_nullable") -> pd.DataFrame:
    """Return a 0-row frame with exactly the schema's columns and dtypes.

    Examples
    --------
    >>> list(empty_frame().columns)[:3]
    ['id', 'uri', 'status']
    """
    return build_frame(RecordColumns(), dtype_backend=dtype_backend)


def to_frame(
    records: Iterable[Any],
    *,
    listed_at: Any = None,
    index_host: str | None = None,
    index_name: str | None = None,
    dtype_backend: DtypeBackend = "numpy_nullable",
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
    index_host, index_name : str, optional
        Filled into the ``index_host`` and ``index_name`` columns (NA when None).
    dtype_backend : {"numpy_nullable", "pyarrow"}
        pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

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
    columns = RecordColumns(batch_rows=batch)
    try:
        columns.extend(rows)
        as_is = not (
            columns.typed()["createdAt"].null_count
            and not _SNAKE_ONLY.isdisjoint(set().union(*rows))
        )
    except TypeError:  # not dicts: dict.get refused them
        as_is = False
    if not as_is:
        columns = RecordColumns(batch_rows=batch)
        columns.extend([dict(_as_api_record(r)) for r in rows])
    return build_frame(
        columns,
        listed_at=listed_at,
        index_host=index_host,
        index_name=index_name,
        dtype_backend=dtype_backend,
    )
