"""Writing one listing as one Parquet file, atomically, with its metadata."""

from __future__ import annotations

import logging
import os
import secrets
from io import BytesIO
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import _hosts, schema
from ..config import DEFAULT_API_VERSION
from ..errors import SnapshotError
from ._args import as_utc, shared_params
from ._layout import (
    DATE_KEY,
    FILE_COLUMNS,
    METADATA_PREFIX,
    day,
    encode_host,
    package_version,
    stamp,
)
from ._store import open_store, store_errors

logger = logging.getLogger(__name__)


def _shared_value(frame: pd.DataFrame, column: str, attr: Any) -> Any:
    """Return the one value of ``column`` all rows share (``attr`` for an empty frame)."""
    values: Any = frame[column].dropna().unique() if len(frame) else []
    if len(frame) and frame[column].isna().any():
        raise SnapshotError(
            f"the frame has rows with no {column}; a snapshot needs one {column} for every "
            f"row (build the frame with read_imports or to_frame(..., {column}=...))"
        )
    if len(values) > 1:
        shown = ", ".join(str(v) for v in list(values)[:3])
        raise SnapshotError(
            f"the frame holds {len(values)} {column} values ({shown}, ...); a snapshot is one "
            "listing of one index. Write each listing on its own: "
            "for _, part in frame.groupby(['index_host', 'listed_at']): "
            "write_snapshot(part, root)"
        )
    if len(values) == 1:
        return values[0]
    if attr is None:
        raise SnapshotError(
            f"the frame is empty, so its {column} is unknown; set frame.attrs[{column!r}] "
            "(read_imports does) to snapshot an empty listing"
        )
    return attr


def _table_for_file(frame: pd.DataFrame) -> pa.Table:
    missing = [c for c in (*FILE_COLUMNS, "index_host") if c not in frame.columns]
    if missing:
        raise SnapshotError(
            f"the frame lacks the column(s) {', '.join(missing)}; snapshot frames made by "
            "read_imports or to_frame"
        )
    cols = list(FILE_COLUMNS)
    sub = frame[cols]
    try:
        table = pa.Table.from_pandas(sub, schema=schema.arrow_schema(cols), preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise SnapshotError(
            f"the frame's columns do not have the package's dtypes ({exc}); snapshot frames "
            "made by read_imports or to_frame"
        ) from exc
    return table.replace_schema_metadata(None)


def check_destination(
    root: str | os.PathLike[str],
    *,
    storage_options: dict[str, Any] | None = None,
) -> None:
    """Check that snapshots can be written under ``root``, before a listing starts.

    The fsspec backend must be installed, and the root reachable and writable (a local
    root is created if missing, and a probe file written and removed; on an object store
    the bucket must exist).

    Raises
    ------
    ConfigurationError
        ``root`` is unusable or its fsspec backend is missing.
    SnapshotError
        The root cannot be created or written, or the store cannot be reached.

    Examples
    --------
    >>> import tempfile
    >>> check_destination(tempfile.mkdtemp())
    >>> check_destination("/proc/no-lake-here")
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.SnapshotError: cannot write snapshots under /proc/no-lake-here...
    """
    open_store(root, storage_options).check_writable()


@shared_params
def write_snapshot(
    frame: pd.DataFrame,
    root: str | os.PathLike[str],
    *,
    storage_options: dict[str, Any] | None = None,
) -> str:
    """Store one listing as one Parquet file under ``root``; return the file's path.

    The file goes to ``{root}/index_host={host}/date={YYYY-MM-DD}/{listed_at}-{suffix}.parquet``
    (host percent-encoded as pyarrow's Hive partitioning does, date and timestamp in UTC).
    The write is atomic: readers see the whole file or nothing, also if the writer dies
    half-way. Derived columns and ``index_host`` are not stored (they come back on read).

    Parameters
    ----------
    frame : pandas.DataFrame
        One listing, as :func:`read_imports` or :func:`to_frame` returns it: a single
        ``listed_at`` and a single ``index_host`` (either backend). A frame holding several
        listings is refused, not split; group it and write each part. An empty listing
        takes ``listed_at`` and ``index_host`` from ``frame.attrs``.
    {root}
    {storage_options}

    Returns
    -------
    str
        The path of the file written (a full URL for an fsspec root).

    Raises
    ------
    SnapshotError
        The frame is not one listing in the package's schema, or the write failed.
    ConfigurationError
        ``root`` or ``storage_options`` are unusable, or the fsspec backend is missing.

    Examples
    --------
    >>> from pinecone_imports_frame.frame import to_frame
    >>> df = to_frame([{"id": "1", "uri": "s3://b/p", "status": "Pending",
    ...                 "createdAt": "2025-05-01T12:00:00Z"}],
    ...               listed_at="2025-05-01T12:30:00Z", index_host="idx.svc.pinecone.io")
    >>> path = write_snapshot(df, "memory://doc-write")
    >>> path.split("/")[-3:-1]
    ['index_host=idx.svc.pinecone.io', 'date=2025-05-01']
    """
    if not isinstance(frame, pd.DataFrame):
        raise SnapshotError(f"write_snapshot takes a DataFrame, not {type(frame).__name__}")
    store = open_store(root, storage_options)
    table = _table_for_file(frame)
    if table.num_rows > 1:  # stored in id order, so that reads rarely need to sort
        table = table.take(pc.sort_indices(table, sort_keys=[("id", "ascending")]))
    host = _shared_value(frame, "index_host", frame.attrs.get("index_host"))
    listed_raw = _shared_value(frame, "listed_at", frame.attrs.get("listed_at"))
    listed_at = as_utc(listed_raw, "listed_at")
    assert listed_at is not None
    host = _hosts.index_host_value(str(host))  # one folder per index, however written
    if not host:
        raise SnapshotError("index_host is empty; a snapshot needs the host it was listed from")
    names: Any = frame["index_name"].dropna().unique() if "index_name" in frame else []
    index_name = str(names[0]) if len(names) else frame.attrs.get("index_name")
    date = day(listed_at)
    name = f"{stamp(listed_at)}-{secrets.token_hex(6)}.parquet"
    path = store.join(encode_host(host), f"{DATE_KEY}{date}", name)

    meta = {
        "package_version": package_version(),
        "api_version": str(frame.attrs.get("api_version") or DEFAULT_API_VERSION),
        "listed_at": listed_at.isoformat(),
        "index_host": host,
        "index_name": "" if index_name is None else str(index_name),
        "rows": str(table.num_rows),
        "schema_version": str(schema.SCHEMA_VERSION),
    }
    data = encode_parquet(table, meta)
    where = store.user_path(path)
    with store_errors("write the snapshot", where):
        store.write_atomic(path, data)
    logger.debug("wrote snapshot %s (%d rows, %d bytes)", where, table.num_rows, len(data))
    return where


#: Columns with few distinct values: Parquet dictionary pages (the others are unique).
_DICTIONARY_COLUMNS = ["status", "index_name", "api_version"]


def encode_parquet(
    table: pa.Table, meta: dict[str, str], *, row_group_size: int | None = None
) -> bytes:
    """Encode a table of stored columns as the bytes of one lake file with ``meta``.

    Examples
    --------
    >>> data = encode_parquet(pa.table({"id": ["1"]}), {"rows": "1"})
    >>> pq.read_metadata(pa.BufferReader(data)).metadata[b"pinecone_imports_frame.rows"]
    b'1'
    """
    buf = BytesIO()
    kv = {METADATA_PREFIX + k: v for k, v in meta.items()}
    # No ARROW:schema blob: every reader takes the types from the Parquet logical types
    # (UTC microsecond timestamps included), and footers parse a fifth faster. The metadata
    # goes in as the footer's key-value pairs. pyarrow < 17 cannot add key-value pairs to a
    # writer; there the Arrow schema (and with it the pairs) is stored instead.
    late_kv = hasattr(pq.ParquetWriter, "add_key_value_metadata")
    if not late_kv:
        table = table.replace_schema_metadata(kv)
    try:
        with pq.ParquetWriter(
            buf,
            table.schema,
            store_schema=not late_kv,
            # not for unique values: cheaper to decode
            use_dictionary=[c for c in _DICTIONARY_COLUMNS if c in table.column_names],
        ) as writer:
            writer.write_table(table, row_group_size=row_group_size)
            if late_kv:
                writer.add_key_value_metadata(kv)
    except (pa.ArrowException, OSError) as exc:
        raise SnapshotError(f"could not encode the snapshot as Parquet: {exc}") from exc
    return buf.getvalue()
