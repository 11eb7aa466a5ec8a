"""The one definition of an imports frame: one table of columns drives everything.

Each :class:`Column` says where its values come from (a field of the API's
``ImportModel``, nested or not; a constant of the listing; or a computation over other
columns), whether a snapshot file stores it, and its kind, from which its dtypes for both
backends and its Arrow type follow. ``frame.py`` extracts, types and derives from this
table, ``snapshots`` stores and reads with it, and the README's column table and the tests
compare against it. Adding an API field is a line here.

If you change a column here, also update the column table in README.md (a test checks
that the two agree).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
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

#: Statuses of the API, in lifecycle order. A status outside these is appended.
STATUSES: tuple[str, ...] = ("Pending", "InProgress", "Completed", "Failed", "Cancelled")
TERMINAL_STATUSES: frozenset[str] = frozenset({"Completed", "Failed", "Cancelled"})

#: Categories of ``error_category``, in the order the patterns of ``error_categories`` try
#: them; "other" is an error no pattern knows.
ERROR_CATEGORIES: tuple[str, ...] = (
    "namespace_exists",
    "no_parquet_found",
    "no_jsonl_found",
    "invalid_jsonl",
    "type_mismatch",
    "schema",
    "corrupt_parquet",
    "system_limit",
    "storage_access",
    "other",
)

Kind = Literal["string", "status", "category", "timestamp", "float", "int", "duration", "bool"]
Source = Literal["api", "listing", "derived", "run"]
#: Which frames have a column: both, the listing frame only (``listed_at``), or the runs
#: frame of ``read_history`` only (``first_listed_at``, ``last_listed_at``, ``listings``).
Frame = Literal["both", "listings", "runs"]


@dataclass(frozen=True)
class Column:
    """One column of an imports frame.

    Attributes
    ----------
    name : str
        The column's name (snake_case).
    kind : str
        Its kind, which fixes its dtypes and Arrow type (:func:`pandas_dtype`,
        :func:`arrow_type`).
    description : str
        The README's description of it.
    source : {"api", "listing", "derived", "run"}
        ``"api"``: a field of the API's ``ImportModel`` (``wire`` is its path);
        ``"listing"``: one value for the whole listing (when and where it was taken);
        ``"derived"``: computed from the columns in ``derived_from``; ``"run"``: a run's
        span over the listings of its index (runs frames only).
    wire : tuple of str
        Path of the field in an API record: ``("createdAt",)``, or
        ``("validationResult", "importSuccesses")`` for a nested one.
    derived_from : tuple of str
        For a derived column, the stored columns it is computed from.
    stored : bool
        Whether a snapshot file keeps it (derived columns are recomputed on read and the
        index host is the lake's partition).
    bounds : (float or None, float or None) or None
        For a number from the API, the range a value must be in (a server's value outside
        it is a bad value, as one of the wrong kind is); None for no range.
    """

    name: str
    kind: Kind
    description: str
    source: Source
    wire: tuple[str, ...] = ()
    derived_from: tuple[str, ...] = ()
    stored: bool = True
    bounds: tuple[float | None, float | None] | None = None
    frame: Frame = "both"


def _api(
    name: str,
    kind: Kind,
    wire: str,
    description: str,
    bounds: tuple[float | None, float | None] | None = None,
) -> Column:
    return Column(name, kind, description, "api", wire=tuple(wire.split(".")), bounds=bounds)


_COUNT = (0, None)  # a count of records: never negative


def _derived(name: str, kind: Kind, derived_from: str, description: str) -> Column:
    return Column(
        name, kind, description, "derived", derived_from=tuple(derived_from.split()), stored=False
    )


def _listing(
    name: str, kind: Kind, description: str, *, stored: bool = True, frame: Frame = "both"
) -> Column:
    return Column(name, kind, description, "listing", stored=stored, frame=frame)


def _run(name: str, kind: Kind, description: str) -> Column:
    return Column(name, kind, description, "run", frame="runs")


COLUMNS: tuple[Column, ...] = (
    _api("id", "string", "id", "import id"),
    _api("uri", "string", "uri", "source URI of the Parquet files"),
    _api("status", "status", "status", "Pending, InProgress, Completed, Failed, Cancelled"),
    _api("created_at", "timestamp", "createdAt", "when the import was started (UTC)"),
    _api("finished_at", "timestamp", "finishedAt", "when it finished; NaT while running"),
    _api("percent_complete", "float", "percentComplete", "progress, 0 to 100", (0, 100)),
    _api("records_imported", "int", "recordsImported", "records written so far", _COUNT),
    _api(
        "validation_successes",
        "int",
        "validationResult.importSuccesses",
        "records that passed validation (API 2026-07 on); NA before validation ran",
        _COUNT,
    ),
    _api(
        "validation_errors",
        "int",
        "validationResult.importErrors",
        "records that failed validation (API 2026-07 on); NA before validation ran",
        _COUNT,
    ),
    _api("error", "string", "error", "error text of a failed import, else NA"),
    _derived(
        "error_category",
        "category",
        "error",
        "kind of error, from the error text (see the error categories); NA without error",
    ),
    _derived(
        "duration",
        "duration",
        "created_at finished_at",
        "finished_at - created_at; NaT while running",
    ),
    _derived(
        "elapsed",
        "duration",
        "created_at finished_at listed_at status",
        "listed_at - created_at while running (never negative), else duration",
    ),
    _derived("is_terminal", "bool", "status", "status is Completed, Failed or Cancelled"),
    _derived(
        "records_per_second",
        "float",
        "records_imported created_at finished_at",
        "records_imported / duration seconds",
    ),
    _listing(
        "listed_at",
        "timestamp",
        "when the listing was taken, by the server's clock (UTC); listings only",
        frame="listings",
    ),
    _listing("index_host", "string", "host the rows came from (partition in a lake)", stored=False),
    _listing("index_name", "string", "index name when known, else NA"),
    _listing("api_version", "string", "API version the listing was read with"),
    _run("first_listed_at", "timestamp", "runs only: the first listing of the run (UTC)"),
    _run("last_listed_at", "timestamp", "runs only: the last listing of the run (UTC)"),
    _run("listings", "int", "runs only: listings of the index the run spans, first to last"),
)

#: Columns of a listing frame (``read_imports``, ``read_snapshots``), in order.
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.frame != "runs")
#: Columns of a runs frame (``read_history``): the listing columns but ``listed_at``, then
#: the run's span. ``elapsed`` is computed as at ``last_listed_at``.
RUN_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.frame != "listings")
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
#: Columns whose values come from API records, in frame order.
API_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.source == "api")
#: Columns a snapshot file (one listing) stores, in frame order.
STORED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.stored and c.frame != "runs")
#: Columns a runs file (a compacted day) stores, in runs frame order (with ``index_host``,
#: which is the lake's partition).
RUN_STORED_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in COLUMNS if c.stored and c.frame != "listings"
)
#: Columns computed from others, in frame order.
DERIVED_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.source == "derived")

#: Arrow type of each kind. Status and error_category are dictionary-encoded (Parquet
#: keeps them as dictionary columns; DuckDB, Polars and Spark read plain strings).
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "status": pa.dictionary(pa.int32(), pa.string()),
    "category": pa.dictionary(pa.int32(), pa.string()),
    "timestamp": pa.timestamp(TIME_UNIT, tz="UTC"),
    "float": pa.float64(),
    "int": pa.int64(),
    "duration": pa.duration(TIME_UNIT),
    "bool": pa.bool_(),
}


def arrow_type(name: str) -> pa.DataType:
    """Return the Arrow type of column ``name``.

    Examples
    --------
    >>> arrow_type("records_imported")
    DataType(int64)
    """
    return _ARROW_TYPES[BY_NAME[name].kind]


def arrow_schema(columns: Sequence[str] = COLUMN_NAMES) -> pa.Schema:
    """Return the Arrow schema of the given columns (all by default), in the order given.

    Examples
    --------
    >>> arrow_schema(["id", "created_at"]).field("created_at").type
    TimestampType(timestamp[us, tz=UTC])
    """
    return pa.schema([pa.field(n, arrow_type(n)) for n in columns])


def status_dtype(extra: Sequence[str] = ()) -> pd.CategoricalDtype:
    """Return the categorical dtype of ``status``: the API's statuses, then ``extra`` ones.

    Examples
    --------
    >>> list(status_dtype(["Paused"]).categories)[-2:]
    ['Cancelled', 'Paused']
    """
    cats = list(STATUSES) + [s for s in extra if s not in STATUSES]
    return pd.CategoricalDtype(cats, ordered=False)


def error_category_dtype() -> pd.CategoricalDtype:
    """Return the categorical dtype of ``error_category`` (its categories are fixed).

    Examples
    --------
    >>> error_category_dtype().categories[0]
    'namespace_exists'
    """
    return pd.CategoricalDtype(list(ERROR_CATEGORIES), ordered=False)


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
        "category": error_category_dtype(),
        "timestamp": pd.DatetimeTZDtype(unit=TIME_UNIT, tz="UTC"),
        "float": pd.Float64Dtype(),
        "int": pd.Int64Dtype(),
        "duration": f"timedelta64[{TIME_UNIT}]",
        "bool": pd.BooleanDtype(),
    }[kind]


def pandas_dtypes(
    dtype_backend: DtypeBackend = "numpy_nullable", *, runs: bool = False
) -> dict[str, object]:
    """Map each column name to its pandas dtype, in frame order, for ``dtype_backend``.

    ``runs=True``: the columns of a runs frame (:data:`RUN_COLUMN_NAMES`).

    Examples
    --------
    >>> str(pandas_dtypes()["created_at"])
    'datetime64[us, UTC]'
    >>> str(pandas_dtypes(runs=True)["listings"])
    'Int64'
    """
    return {n: pandas_dtype(n, dtype_backend) for n in (RUN_COLUMN_NAMES if runs else COLUMN_NAMES)}


def check_dtype_backend(dtype_backend: str) -> None:
    """Refuse a ``dtype_backend`` other than ``numpy_nullable`` or ``pyarrow``.

    Examples
    --------
    >>> check_dtype_backend("numpy")
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: dtype_backend='numpy' is not supported; use one of 'numpy_nullable', 'pyarrow'
    """  # noqa: E501
    if dtype_backend not in DTYPE_BACKENDS:
        from .errors import ConfigurationError

        raise ConfigurationError(
            f"dtype_backend={dtype_backend!r} is not supported; "
            f"use one of {', '.join(repr(b) for b in DTYPE_BACKENDS)}"
        )
