"""The one definition of an imports frame: columns, dtypes for both backends, Arrow schema.

Everything that builds, stores or checks a frame reads it from here: ``frame.py`` builds
frames with these dtypes, ``snapshots.py`` writes and reads Parquet with the Arrow schema,
the README's column table and the tests compare against it.

If you change a column here, also update the column table in README.md (a test checks
that the two agree).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import pyarrow as pa

logger = logging.getLogger(__name__)

DtypeBackend = Literal["numpy_nullable", "pyarrow"]
DTYPE_BACKENDS: tuple[str, ...] = ("numpy_nullable", "pyarrow")

#: Version of the stored (snapshot) layout; bump when a stored column changes meaning.
SCHEMA_VERSION = 1

#: Resolution of every timestamp and duration column. Pinned, never inferred: pandas picks
#: seconds for an empty column and nanoseconds for some strings, and frames of different
#: units stop stacking. Microseconds is what the API sends and what Spark reads.
TIME_UNIT = "us"

#: Statuses of the 2025-04 API, in lifecycle order. A status outside these is appended.
STATUSES: tuple[str, ...] = ("Pending", "InProgress", "Completed", "Failed", "Cancelled")
TERMINAL_STATUSES: frozenset[str] = frozenset({"Completed", "Failed", "Cancelled"})

_Kind = Literal["string", "status", "timestamp", "float", "int", "duration", "bool"]


@dataclass(frozen=True)
class Column:
    """One column of an imports frame.

    ``api_field`` is the camelCase key in the API's ``ImportModel`` (None for columns this
    package derives or adds); ``stored`` says whether a snapshot file keeps it (derived
    columns are recomputed on read, the index host lives in the partition path).
    """

    name: str
    kind: _Kind
    api_field: str | None
    stored: bool
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("id", "string", "id", True, "import id"),
    Column("uri", "string", "uri", True, "source URI of the Parquet files"),
    Column("status", "status", "status", True, "Pending, InProgress, Completed, Failed, Cancelled"),
    Column("created_at", "timestamp", "createdAt", True, "when the import was started (UTC)"),
    Column("finished_at", "timestamp", "finishedAt", True, "when it finished; NaT while running"),
    Column("percent_complete", "float", "percentComplete", True, "progress, 0 to 100"),
    Column("records_imported", "int", "recordsImported", True, "records written so far"),
    Column("error", "string", "error", True, "error text of a failed import, else NA"),
    Column("duration", "duration", None, False, "finished_at - created_at; NaT while running"),
    Column(
        "elapsed", "duration", None, False, "listed_at - created_at while running, else duration"
    ),
    Column("is_terminal", "bool", None, False, "status is Completed, Failed or Cancelled"),
    Column("records_per_second", "float", None, False, "records_imported / duration seconds"),
    Column("listed_at", "timestamp", None, True, "when the listing started (UTC), one per frame"),
    Column("index_host", "string", None, False, "host the rows came from (partition in a lake)"),
    Column("index_name", "string", None, True, "index name when known, else NA"),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
STORED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.stored)
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}

#: Arrow type of each kind. Status is dictionary-encoded (Parquet keeps it as a dictionary
#: column; DuckDB, Polars and Spark read it as plain strings).
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "status": pa.dictionary(pa.int32(), pa.string()),
    "timestamp": pa.timestamp(TIME_UNIT, tz="UTC"),
    "float": pa.float64(),
    "int": pa.int64(),
    "duration": pa.duration(TIME_UNIT),
    "bool": pa.bool_(),
}


def arrow_type(name: str) -> pa.DataType:
    """Arrow type of column ``name``."""
    return _ARROW_TYPES[BY_NAME[name].kind]


def arrow_schema(columns: tuple[str, ...] | list[str] = COLUMN_NAMES) -> pa.Schema:
    """Arrow schema of the given columns (all by default), in frame order.

    Examples
    --------
    >>> arrow_schema(["id", "created_at"]).field("created_at").type
    TimestampType(timestamp[us, tz=UTC])
    """
    return pa.schema([pa.field(n, arrow_type(n)) for n in columns])


def status_dtype(extra: tuple[str, ...] | list[str] = ()) -> pd.CategoricalDtype:
    """Categorical dtype of ``status``: the API's statuses, then ``extra`` ones in order."""
    cats = list(STATUSES) + [s for s in extra if s not in STATUSES]
    return pd.CategoricalDtype(cats, ordered=False)


def pandas_dtype(name: str, dtype_backend: DtypeBackend = "numpy_nullable") -> object:
    """Return the pandas dtype of column ``name`` under ``dtype_backend``.

    Examples
    --------
    >>> pandas_dtype("records_imported")
    Int64Dtype()
    >>> pandas_dtype("records_imported", "pyarrow")
    int64[pyarrow]
    """
    check_dtype_backend(dtype_backend)
    kind = BY_NAME[name].kind
    if dtype_backend == "pyarrow":
        return pd.ArrowDtype(_ARROW_TYPES[kind])
    return {
        # Arrow-backed with pd.NA, on pandas 2.2 and 3.x alike (pandas 3's default "str"
        # is Arrow-backed too, but with NaN): zero-copy from Arrow arrays and Parquet,
        # and no Python object per value.
        "string": pd.StringDtype("pyarrow"),
        "status": status_dtype(),
        "timestamp": pd.DatetimeTZDtype(unit=TIME_UNIT, tz="UTC"),
        "float": pd.Float64Dtype(),
        "int": pd.Int64Dtype(),
        "duration": f"timedelta64[{TIME_UNIT}]",
        "bool": pd.BooleanDtype(),
    }[kind]


def pandas_dtypes(dtype_backend: DtypeBackend = "numpy_nullable") -> dict[str, object]:
    """Column name to pandas dtype, in frame order, for ``dtype_backend``."""
    return {n: pandas_dtype(n, dtype_backend) for n in COLUMN_NAMES}


def check_dtype_backend(dtype_backend: str) -> None:
    """Refuse a ``dtype_backend`` other than ``numpy_nullable`` or ``pyarrow``."""
    if dtype_backend not in DTYPE_BACKENDS:
        from .errors import ConfigurationError

        raise ConfigurationError(
            f"dtype_backend={dtype_backend!r} is not supported; "
            f"use one of {', '.join(repr(b) for b in DTYPE_BACKENDS)}"
        )
