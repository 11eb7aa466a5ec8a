"""API records to typed Arrow arrays: the wire side of the frame, strict about each value.

Records are split into one Python list per API field (:class:`RecordColumns`, page by
page, so a listing never holds every page's dicts), the lists become Arrow arrays (C-speed
parsing of timestamps and numbers, strict about what a field may hold), and the derived
columns are computed with Arrow compute kernels (:func:`add_derived_columns`). What
becomes of the arrays in pandas is :mod:`pinecone_imports_frame.frame`'s.

A value of the wrong kind (a timestamp that is not RFC 3339, ``true`` where a number is due,
a count that does not fit int64) is never coerced: under ``on_bad_record="raise"`` the
listing fails with a :class:`ResponseFormatError` naming the import, the field and the
value, keeping every row before it; under ``"warn"`` the row is kept with NA in that field
and one :class:`BadRecordWarning` per field says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema
from ._text import printable
from .error_categories import categorize
from .errors import BadRecordWarning, ConfigurationError, ResponseFormatError, UnknownStatusWarning
from .schema import Column

logger = logging.getLogger(__name__)

OnBadRecord = Literal["raise", "warn"]
ON_BAD_RECORD: tuple[str, ...] = ("raise", "warn")

#: Top-level API fields, in frame order (``validationResult`` once, for its two parts).
_TOP_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(c.wire[0] for c in schema.API_COLUMNS).keys())
_KNOWN_FIELDS = frozenset(_TOP_FIELDS)
#: snake_case name of each API column, for records given as snake_case dicts.
_SNAKE: dict[str, Column] = {c.name: c for c in schema.API_COLUMNS}
_SNAKE_ONLY = frozenset(c.name for c in schema.API_COLUMNS if c.wire != (c.name,))

_TS = pa.timestamp(schema.TIME_UNIT, tz="UTC")
_TS_NS = pa.timestamp("ns", tz="UTC")
_INT64 = (-(2**63), 2**63 - 1)
_NONE = type(None)


def check_on_bad_record(on_bad_record: str) -> OnBadRecord:
    """Refuse an ``on_bad_record`` other than ``"raise"`` or ``"warn"``.

    Examples
    --------
    >>> check_on_bad_record("skip")
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: on_bad_record='skip' is not supported; ...
    """
    if on_bad_record not in ON_BAD_RECORD:
        raise ConfigurationError(
            f"on_bad_record={on_bad_record!r} is not supported; use 'raise' (fail the "
            "listing, keeping the rows before the bad one) or 'warn' (NA in that field)"
        )
    return on_bad_record  # type: ignore[return-value]


@dataclass(frozen=True)
class _Bad:
    """One value a field cannot hold: where, what, and what was expected."""

    row: int
    value: Any
    expected: str


# --- column parsers: Python lists to Arrow arrays, strict about what they accept ----------
# Each returns the typed array (null where a value is bad) and the bad values found; the
# fast path is one C-level conversion, the slow path goes value by value.

_RFC3339 = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d\d):?(\d\d))\s*$",
    re.ASCII,
)
_INT_TEXT = re.compile(r"\s*[+-]?\d+\s*", re.ASCII)


@overload
def micros(ts: pd.Timestamp) -> int: ...
@overload
def micros(ts: None) -> None: ...
def micros(ts: pd.Timestamp | None) -> int | None:
    """Return a timestamp in microseconds since the epoch (None stays None).

    Tz-aware or naive (its wall time as UTC), of any unit and any year it holds. Never
    through nanoseconds (``Timestamp.value``), which hold only the years 1678 to 2261:
    the schema's unit is the microsecond, years 0001 to 9999. Sub-microsecond digits are
    floored (earlier in time), before 1970 too.

    Examples
    --------
    >>> micros(pd.Timestamp("1970-01-01T00:00:01Z"))
    1000000
    >>> micros(pd.Timestamp("0001-01-01T00:00:00Z").as_unit("us"))
    -62135596800000000
    >>> micros(pd.Timestamp("1969-12-31T23:59:59.9999995Z"))
    -1
    """
    if ts is None:
        return None
    return int(ts.as_unit("us").asm8.view("i8"))  # schema.TIME_UNIT


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year, 0 included)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in_month(y: int, m: int) -> int:
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def _timestamp_micros(value: Any) -> int | None:
    """Microseconds since the epoch (UTC) of one timestamp, or None if it is not one.

    Takes every RFC 3339 form (``Z`` or an offset, 0 to 9 fractional digits, years 0000
    to 9999); a leap second (``:60``) is clamped to ``:59.999999``. ``datetime`` and
    ``pandas.Timestamp`` objects (older SDKs give them) are taken as they are, naive as UTC.
    """
    if isinstance(value, np.datetime64):  # a value taken out of a numpy array
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        ts = value.tz_localize("UTC") if value.tz is None else value
        return micros(ts)
    if isinstance(value, dt.datetime):
        ts = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        delta = ts - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    m = _RFC3339.match(value.strip()) if isinstance(value, str) else None
    if not m:
        return None
    y, mo, d, h, mi, s, frac, _z, sign, oh, om = m.groups()
    year, month, day, hour, minute, second = map(int, (y, mo, d, h, mi, s))
    fraction = int((frac or "0").ljust(9, "0")[:6])  # sub-microsecond digits are dropped
    if second == 60:  # a leap second: the last microsecond of the minute stands for it
        second, fraction = 59, 999_999
    if not (
        1 <= month <= 12
        and 1 <= day <= _days_in_month(year, month)
        and hour <= 23
        and minute <= 59
        and second <= 59
    ):
        return None
    offset = 0
    if sign:
        if int(oh) > 23 or int(om) > 59:
            return None
        offset = (int(oh) * 60 + int(om)) * 60 * (1 if sign == "+" else -1)
    seconds = _days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
    return (seconds - offset) * 1_000_000 + fraction


def _none_for_missing(values: list[Any]) -> list[Any]:
    """Read pandas' missing values (NA, NaT, NaN) as None: records may come from a frame.

    Only on the slow paths: JSON has none of them, so a page never pays for this.
    """
    return [None if _is_missing(v) else v for v in values]


def _is_missing(v: Any) -> bool:
    if v is pd.NA or v is pd.NaT or (type(v) is float and v != v):
        return True
    return isinstance(v, np.datetime64) and bool(np.isnat(v))


def _timestamps(values: list[Any]) -> tuple[pa.Array, list[_Bad]]:
    try:
        # Arrow parses RFC 3339 with Z or an offset in C; via nanoseconds so that 7 to 9
        # fractional digits parse too, then truncated to the schema's microseconds. Years
        # outside what nanoseconds hold (older pyarrow wraps them around silently), leap
        # seconds and datetime objects take the slow path.
        text = pa.array(values, type=pa.string())
        years = pc.utf8_slice_codeunits(text, 0, 4)
        in_range = pc.and_(pc.greater_equal(years, "1679"), pc.less_equal(years, "2260"))
        if pc.all(in_range).as_py() is not False:
            return text.cast(_TS_NS).cast(_TS, safe=False), []
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    values = _none_for_missing(values)
    bad: list[_Bad] = []
    micros: list[int | None] = []
    for i, v in enumerate(values):
        us = None if v is None else _timestamp_micros(v)
        if v is not None and us is None:
            bad.append(_Bad(i, v, "an RFC 3339 timestamp such as 2025-05-01T12:34:56.123456Z"))
        micros.append(us)
    return pa.array(micros, type=pa.int64()).cast(_TS), bad


def _integers(values: list[Any]) -> tuple[pa.Array, list[_Bad]]:
    if set(map(type, values)) <= {int, _NONE}:  # booleans are not numbers
        try:
            return pa.array(values, type=pa.int64()), []
        except (pa.ArrowInvalid, OverflowError):
            pass
    values = _none_for_missing(values)
    bad: list[_Bad] = []
    out: list[int | None] = []
    for i, v in enumerate(values):
        n: int | None = None
        if type(v) is int:
            n = v
        elif type(v) is float and v.is_integer():  # 1e3: a JSON number with no fraction
            n = int(v)
        elif isinstance(v, str) and _INT_TEXT.fullmatch(v):
            n = int(v)  # the API's int64 may arrive as a JSON string
        if v is not None and (n is None or not _INT64[0] <= n <= _INT64[1]):
            bad.append(_Bad(i, v, "a whole number (int64)"))
            n = None
        out.append(n)
    return pa.array(out, type=pa.int64()), bad


def _floats(values: list[Any]) -> tuple[pa.Array, list[_Bad]]:
    if set(map(type, values)) <= {float, int, _NONE}:
        return pa.array(values, type=pa.float64()), []
    values = _none_for_missing(values)
    bad: list[_Bad] = []
    out: list[float | None] = []
    for i, v in enumerate(values):
        ok = type(v) in (float, int)
        if v is not None and not ok:
            bad.append(_Bad(i, v, "a number"))
        out.append(float(v) if ok else None)
    return pa.array(out, type=pa.float64()), bad


def _strings(values: list[Any]) -> tuple[pa.Array, list[_Bad]]:
    try:
        return pa.array(values, type=pa.string()), []
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    values = _none_for_missing(values)
    bad = [_Bad(i, v, "a string") for i, v in enumerate(values) if not isinstance(v, (str, _NONE))]
    rows = {b.row for b in bad}
    return pa.array([None if i in rows else v for i, v in enumerate(values)], pa.string()), bad


#: How far past a bound a float may be and still count as in it (100.00000000000001).
_FLOAT_SLACK = 1e-6


def _within(
    array: pa.Array, values: list[Any], bounds: tuple[float | None, float | None]
) -> tuple[pa.Array, list[_Bad]]:
    """Null the values outside ``bounds`` (inclusive); return them as bad values."""
    low, high = bounds
    if pa.types.is_floating(array.type):  # a server's float arithmetic may pass 100 by a hair
        low = None if low is None else low - _FLOAT_SLACK
        high = None if high is None else high + _FLOAT_SLACK
    outside = pa.array(np.zeros(len(array), dtype=bool))
    if low is not None:
        outside = pc.or_(outside, pc.fill_null(pc.less(array, low), False))
    if high is not None:
        outside = pc.or_(outside, pc.fill_null(pc.greater(array, high), False))
    if not pc.any(outside).as_py():
        return array, []
    expected = f"from {bounds[0]} to {bounds[1]}" if high is not None else f"{bounds[0]} or more"
    rows = np.flatnonzero(outside.to_numpy(zero_copy_only=False))
    bad = [_Bad(int(i), values[i], f"a number {expected}") for i in rows]
    return pc.if_else(outside, pa.scalar(None, array.type), array), bad


_PARSERS: dict[str, Callable[[list[Any]], tuple[pa.Array, list[_Bad]]]] = {
    "string": _strings,
    "status": _strings,
    "timestamp": _timestamps,
    "float": _floats,
    "int": _integers,
}


def _nested(parents: list[Any], key: str) -> list[Any]:
    """Take ``key`` of each parent object; a parent that is not an object gives itself."""
    if parents.count(None) == len(parents):  # no record has it (API versions before 2026-07)
        return parents
    return [p.get(key) if type(p) is dict else p for p in parents]


def _column_values(pending: dict[str, list[Any]], column: Column) -> list[Any]:
    values = pending[column.wire[0]]
    for key in column.wire[1:]:
        values = _nested(values, key)
    return values


def _field_name(column: Column) -> str:
    return ".".join(column.wire)


def bad_value_error(
    record_id: Any, column: Column, bad: _Bad, *, redact: Callable[[str], str] = str
) -> ResponseFormatError:
    """Build the error for a value a field cannot hold (the value redacted, then cut).

    Examples
    --------
    >>> from pinecone_imports_frame import schema
    >>> err = bad_value_error("7", schema.BY_NAME["records_imported"], _Bad(0, 1.5, "an int"))
    >>> str(err).split(";")[0]
    "import '7': recordsImported = 1.5 is not an int"
    """
    shown = redact(repr(bad.value))
    if len(shown) > 80:
        shown = shown[:77] + "..."
    shown_id = redact(repr(record_id))[:80]
    return ResponseFormatError(
        f"import {shown_id}: {_field_name(column)} = {shown} is not {bad.expected}; check "
        "that the host answers a Pinecone API version this package reads, or pass "
        "on_bad_record='warn' to keep such rows with NA in that field"
    )


class RecordColumns:
    """Accumulates API records (camelCase dicts) column by column, page by page.

    Every ``batch_rows`` records (5,000 by default) the values are parsed into typed Arrow
    arrays and their Python objects dropped, so a long listing never holds more than one
    batch of them.

    Parameters
    ----------
    batch_rows : int
        Records gathered before they are typed.
    on_bad_record : {"raise", "warn"}
        ``"raise"``: a value of the wrong kind raises :class:`ResponseFormatError`, and the
        rows before it stay typed here (the listing keeps them in ``.partial``);
        ``"warn"``: the value becomes NA, with one :class:`BadRecordWarning` per field.
    redact : callable, optional
        Applied to every value quoted in an error or a warning (the loader removes the API
        key from them).

    Examples
    --------
    >>> cols = RecordColumns()
    >>> cols.extend([{"id": "1", "uri": "s3://b/p", "status": "Pending",
    ...               "createdAt": "2025-05-01T12:00:00Z", "recordsImported": "600"}])
    >>> typed = cols.typed()  # int64 as the API's string, timestamps as UTC microseconds
    >>> len(cols), typed["records_imported"].to_pylist(), typed["created_at"].type
    (1, [600], TimestampType(timestamp[us, tz=UTC]))
    """

    __slots__ = (
        "_batch_rows",
        "_chunks",
        "_n",
        "_on_bad_record",
        "_pending",
        "_redact",
        "_unknown_seen",
        "_warned",
    )

    def __init__(
        self,
        *,
        batch_rows: int = 5_000,
        on_bad_record: OnBadRecord = "raise",
        redact: Callable[[str], str] = str,
    ) -> None:
        self._pending: dict[str, list[Any]] = {f: [] for f in _TOP_FIELDS}
        self._chunks: dict[str, list[pa.Array]] = {c.name: [] for c in schema.API_COLUMNS}
        self._unknown_seen: set[str] = set()
        self._warned: set[str] = set()
        self._batch_rows = batch_rows
        self._on_bad_record = check_on_bad_record(on_bad_record)
        self._redact = redact
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def extend(self, records: list[dict[str, Any]]) -> None:
        """Append one page of records as the API sends them (camelCase keys).

        Unknown keys are ignored; at DEBUG level they are named once in the log.
        """
        if logger.isEnabledFor(logging.DEBUG):
            new = set().union(*records) - _KNOWN_FIELDS - self._unknown_seen
            if new:
                self._unknown_seen |= new
                shown = ", ".join(printable(name) for name in sorted(new))
                logger.debug("ignoring unknown import fields: %s", shown)
        get = dict.get
        for field, column in self._pending.items():
            column.extend(map(get, records, repeat(field)))
        self._n += len(records)
        if len(self._pending["id"]) >= self._batch_rows:
            self._flush()

    def _flush(self) -> None:
        pending = self._pending
        n = len(pending["id"])
        if not n:
            return
        parsed: dict[str, pa.Array] = {}
        problems: list[tuple[Column, _Bad]] = []
        for column in schema.API_COLUMNS:
            values = _column_values(pending, column)
            array, bad = _PARSERS[column.kind](values)
            if column.bounds is not None:
                array, outside = _within(array, values, column.bounds)
                bad = sorted([*bad, *outside], key=lambda b: b.row)
            parsed[column.name] = array
            problems.extend((column, b) for b in bad)
        ids = pending["id"]
        self._pending = {f: [] for f in _TOP_FIELDS}
        if problems and self._on_bad_record == "raise":
            column, first = min(problems, key=lambda p: p[1].row)
            # Keep every row before the bad one, typed: nothing that arrived intact is lost.
            for name, array in parsed.items():
                self._chunks[name].append(array.slice(0, first.row))
            self._n -= n - first.row
            raise bad_value_error(ids[first.row], column, first, redact=self._redact)
        for column, b in problems:
            self._warn(column, b, ids[b.row], sum(1 for c, _ in problems if c is column))
        for name, array in parsed.items():
            self._chunks[name].append(array)

    def _warn(self, column: Column, bad: _Bad, record_id: Any, count: int) -> None:
        if column.name in self._warned:
            return
        self._warned.add(column.name)
        error = bad_value_error(record_id, column, bad, redact=self._redact)
        warnings.warn(
            f"{str(error).split('; check')[0]} (and {count - 1} more in this batch): kept as "
            f"NA in {column.name}",
            BadRecordWarning,
            stacklevel=4,
        )

    def typed(self) -> dict[str, pa.ChunkedArray]:
        """Return every API column so far, typed, as chunked arrays (status as strings).

        The chunks are not concatenated: a listing's columns are converted to pandas one
        by one, and joining every chunk first would hold each column twice.
        """
        self._flush()
        return {
            column.name: pa.chunked_array(
                self._chunks[column.name] or [_PARSERS[column.kind]([])[0]]
            )
            for column in schema.API_COLUMNS
        }


def _as_api_record(record: Any) -> Mapping[str, Any]:
    """One record in API form, from a camelCase dict, a snake_case dict or an SDK object."""
    if isinstance(record, Mapping):
        if _SNAKE_ONLY.isdisjoint(record):
            return record
        out = dict(record)
        for snake in _SNAKE_ONLY.intersection(record):
            wire = _SNAKE[snake].wire
            value = out.pop(snake)
            if len(wire) == 1:
                out.setdefault(wire[0], value)
            else:
                parent = out.setdefault(wire[0], {})
                if isinstance(parent, dict):
                    parent.setdefault(wire[1], value)
        return out
    to_dict = getattr(record, "to_dict", None)
    if callable(to_dict):
        return _as_api_record(to_dict())
    if not hasattr(record, "id"):
        raise TypeError(
            f"cannot read an import from {type(record).__name__!r}: pass dicts as the API "
            "sends them, dicts with snake_case keys, or the pinecone SDK's ImportModel objects"
        )
    return _as_api_record({name: getattr(record, name, None) for name in _SNAKE})


def status_array(statuses: pa.Array, *, extra: Iterable[str] = ()) -> pa.DictionaryArray:
    """Dictionary-encode statuses over the API's categories, appending unknown ones.

    An unknown status (the enum is open from API 2025-10 on) becomes a new category and
    raises :class:`UnknownStatusWarning`; it is never dropped.

    Examples
    --------
    >>> statuses = status_array(pa.array(["Completed", None]))
    >>> statuses.dictionary.to_pylist() == list(schema.STATUSES), statuses.to_pylist()
    (True, ['Completed', None])
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
            f"status {', '.join(map(repr, unknown))} is not one this package knows "
            f"({', '.join(schema.STATUSES)}); kept as a new category",
            UnknownStatusWarning,
            stacklevel=3,
        )
    dictionary = pa.array(categories, type=pa.string())
    indices = pc.index_in(statuses, value_set=dictionary)
    return pa.DictionaryArray.from_arrays(indices, dictionary)


# --- derived columns: one function per derived column of the schema ----------------------


def _is_terminal(t: pa.Table) -> pa.Array:
    status = t["status"].cast(pa.string())
    terminal = pc.is_in(status, value_set=pa.array(sorted(schema.TERMINAL_STATUSES)))
    return pc.if_else(pc.is_null(status), pa.scalar(None, pa.bool_()), terminal)


def _duration(t: pa.Table) -> pa.Array:
    return pc.subtract(t["finished_at"], t["created_at"])


def _elapsed(t: pa.Table) -> pa.Array:
    running = pc.subtract(t["listed_at"], t["created_at"])
    # A client or server clock a little off must not make a running import look negative.
    running = pc.max_element_wise(running, pa.scalar(0, running.type))
    terminal = pc.fill_null(_is_terminal(t), False)
    running = pc.if_else(terminal, pa.scalar(None, running.type), running)
    return pc.if_else(pc.is_valid(t["finished_at"]), _duration(t), running)


def _records_per_second(t: pa.Table) -> pa.Array:
    micros = pc.cast(_duration(t), pa.int64())
    seconds = pc.divide(micros.cast(pa.float64(), safe=False), 1e6)  # exact below 285 years
    seconds = pc.if_else(pc.less_equal(seconds, 0.0), pa.scalar(None, pa.float64()), seconds)
    return pc.divide(t["records_imported"].cast(pa.float64(), safe=False), seconds)


def _error_category(t: pa.Table) -> pa.Array:
    return categorize(t["error"])


_DERIVATIONS: dict[str, Callable[[pa.Table], Any]] = {
    "error_category": _error_category,
    "duration": _duration,
    "elapsed": _elapsed,
    "is_terminal": _is_terminal,
    "records_per_second": _records_per_second,
}
assert set(_DERIVATIONS) == {c.name for c in schema.DERIVED_COLUMNS}


def add_derived_columns(table: pa.Table) -> pa.Table:
    """Compute every derived column from the stored ones; return all columns in order.

    Derived columns (``schema.DERIVED_COLUMNS``) are functions of the others: snapshots
    do not store them, and this recomputes them on read.

    Examples
    --------
    >>> t = add_derived_columns(conform_table(pa.table({"id": ["1"]})))
    >>> t.column_names == list(schema.COLUMN_NAMES)
    True
    """
    arrays = []
    for name in schema.COLUMN_NAMES:
        derive = _DERIVATIONS.get(name)
        array = derive(table) if derive is not None else table[name]
        if name != "status" and array.type != schema.arrow_type(name):
            array = array.cast(schema.arrow_type(name))
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=list(schema.COLUMN_NAMES))


def conform_table(table: pa.Table, *, extra_statuses: Iterable[str] = ()) -> pa.Table:
    """Cast a table of some schema columns to the full schema: missing columns become null.

    Used on snapshots written by other versions (schema evolution): a column the file lacks
    reads back as NA, an extra column is dropped, derived columns are recomputed.

    Examples
    --------
    >>> t = conform_table(pa.table({"id": ["1"], "records_imported": [5]}))
    >>> t["records_imported"].to_pylist(), t["created_at"].to_pylist()
    ([5], [None])
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
    return add_derived_columns(pa.Table.from_arrays(arrays, names=list(schema.COLUMN_NAMES)))
