"""The lake's inventory: one row per snapshot, from partition folders and footers only."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import pyarrow as pa

from .. import frame as _frame
from .. import schema
from ..errors import SnapshotError
from ._args import as_utc
from ._layout import METADATA_PREFIX, SnapshotFile, micros
from ._store import Store, open_store

logger = logging.getLogger(__name__)

#: Columns of list_snapshots, each typed like the schema column named here (strings,
#: nullable ints and UTC timestamps exactly as in an imports frame).
_LIST_COLUMNS: dict[str, str] = {
    "path": "id",
    "index_host": "id",
    "index_name": "id",
    "listed_at": "listed_at",
    "date": "id",
    "rows": "records_imported",
    "bytes": "records_imported",
    "schema_version": "records_imported",
    "package_version": "id",
}
_THREADS = 16


def footer(store: Store, f: SnapshotFile) -> tuple[int | None, dict[str, str]]:
    try:
        size, md = store.footer(f)
    except (pa.ArrowException, OSError) as exc:
        raise SnapshotError(
            f"{store.display(f.path)} is not a readable Parquet file ({exc}); delete it or "
            "move it out of the lake"
        ) from exc
    kv = {
        k.decode("utf-8", "replace"): v.decode("utf-8", "replace")
        for k, v in (md.metadata or {}).items()
    }
    meta = {k[len(METADATA_PREFIX) :]: v for k, v in kv.items() if k.startswith(METADATA_PREFIX)}
    meta["__rows__"] = str(md.num_rows)
    return size, meta


def listing(store: Store, files: list[SnapshotFile]) -> pd.DataFrame:
    if files:
        with ThreadPoolExecutor(max_workers=min(_THREADS, len(files))) as pool:
            footers = list(pool.map(lambda f: footer(store, f), files))
    else:
        footers = []
    rows: dict[str, list[Any]] = {c: [] for c in _LIST_COLUMNS}
    for f, (size, meta) in zip(files, footers, strict=True):
        stamp: Any = f.stamp
        if stamp is None:
            ts = as_utc(meta["listed_at"], "listed_at") if meta.get("listed_at") else None
            stamp = micros(ts)
        rows["path"].append(store.display(f.path))
        rows["index_host"].append(f.host)
        rows["index_name"].append(meta.get("index_name") or None)
        rows["listed_at"].append(stamp)
        rows["date"].append(f.date)
        rows["rows"].append(int(meta["__rows__"]))
        rows["bytes"].append(size)
        sv = meta.get("schema_version")
        rows["schema_version"].append(int(sv) if sv and sv.isdigit() else None)
        rows["package_version"].append(meta.get("package_version") or None)
    data: dict[str, Any] = {}
    for c, like in _LIST_COLUMNS.items():
        if like == "listed_at":  # microseconds since the epoch
            values = pa.array(rows[c], type=pa.int64()).cast(schema.arrow_type(like))
        else:
            values = pa.array(rows[c], type=schema.arrow_type(like))
        data[c] = _frame.column_to_pandas(values, like, "numpy_nullable")
    out = pd.DataFrame(data)
    out = out.sort_values(["listed_at", "index_host", "path"], kind="stable", na_position="first")
    return out.reset_index(drop=True)


def list_snapshots(
    root: str | os.PathLike[str],
    *,
    storage_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per snapshot under ``root``, from partition folders and Parquet footers only.

    No row of any snapshot is read.

    Parameters
    ----------
    root : str or os.PathLike
        A local folder or an fsspec URL (see :func:`write_snapshot`).
    storage_options : dict, optional
        Passed to fsspec for a URL root.

    Returns
    -------
    pandas.DataFrame
        Columns ``path`` (string, a full URL for fsspec roots), ``index_host`` (string),
        ``index_name`` (string, NA when unknown), ``listed_at`` (datetime64[us, UTC]),
        ``date`` (string ``YYYY-MM-DD``, the partition), ``rows``, ``bytes``,
        ``schema_version`` (Int64) and ``package_version`` (string), sorted by
        ``listed_at``; 0 rows when the root is empty or missing.

    Raises
    ------
    SnapshotError
        A file's footer is not readable Parquet.

    Examples
    --------
    >>> import tempfile
    >>> from pinecone_imports_frame.frame import to_frame
    >>> from pinecone_imports_frame.snapshots import write_snapshot
    >>> root = tempfile.mkdtemp()
    >>> df = to_frame([{"id": "1", "uri": "s3://b/p", "status": "Pending",
    ...                 "createdAt": "2025-05-01T11:00:00Z"}],
    ...               listed_at="2025-05-01T12:00:00Z", index_host="127.0.0.1:8080")
    >>> _ = write_snapshot(df, root)
    >>> list_snapshots(root)[["index_host", "date", "rows"]]
           index_host        date  rows
    0  127.0.0.1:8080  2025-05-01     1
    """
    store = open_store(root, storage_options)
    return listing(store, store.scan())
