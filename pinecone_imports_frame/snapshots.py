"""Parquet snapshots of imports listings: a Hive-partitioned lake any Parquet reader can open.

One snapshot is one listing (one ``listed_at``, one ``index_host``) stored as one Parquet
file::

    {root}/index_host={host}/date={YYYY-MM-DD}/{YYYYMMDDTHHMMSS.ffffffZ}-{suffix}.parquet

``host`` is encoded the way ``pyarrow.dataset.HivePartitioning(segment_encoding="uri")``
encodes partition values: every byte outside ``A-Z a-z 0-9 - . _ ~`` is percent-encoded,
so ``127.0.0.1:8080`` becomes ``index_host=127.0.0.1%3A8080``. pyarrow.dataset
(``partitioning="hive"``), DuckDB (``read_parquet('{root}/**/*.parquet',
hive_partitioning = true)``) and Polars (``scan_parquet('{root}/**/*.parquet',
hive_partitioning=True)``) all decode it back to ``127.0.0.1:8080``. ``date`` is the UTC day
of ``listed_at``; the file name holds ``listed_at`` to the microsecond and a random suffix, so
two writers snapshotting the same index at the same instant both keep their file. Neither
partition value is repeated inside the file, and derived columns are not stored either
(they are recomputed on read).

Writes are atomic: on local disk the file is written under a hidden temporary name that no
reader matches (``.{name}.tmp-{random}``: it starts with a dot and does not end in
``.parquet``, which matters because DuckDB's and Polars' ``**/*.parquet`` globs do *not*
skip dot-files), fsynced, then renamed into place; on object stores the finished bytes are
sent in one put. Each file carries key-value metadata (package and API version,
``listed_at``, host, index name, row count, schema version) and never any credential.
Rows are stored sorted by ``id``; types come from Parquet's own logical types (no
``ARROW:schema`` blob), so every reader gets UTC microsecond timestamps and plain strings.

Reading a lake of many small files is dominated by per-file costs, so
:func:`read_snapshots` picks files from folder and file names alone (no listing of
unselected partitions, no opening of unselected files), reads each selected file with a
single request, decodes them on a few threads, stacks the Arrow tables and converts to
pandas once.

Polars must be given the ``**/*.parquet`` glob rather than the root folder: a folder scan
refuses a tree holding the temporary file of a write in progress (or of a killed writer).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import re
import secrets
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import config, schema
from . import frame as _frame
from .config import DEFAULT_API_VERSION
from .errors import ConfigurationError, SnapshotError, UnknownStatusWarning
from .schema import DtypeBackend

logger = logging.getLogger(__name__)

__all__ = [
    "check_destination",
    "list_snapshots",
    "prune_snapshots",
    "read_snapshots",
    "write_snapshot",
]

#: Prefix of the key-value metadata keys this package writes into each file.
METADATA_PREFIX = "pinecone_imports_frame."

_LAKE_HINT = "pip install pinecone-imports-frame[lake]"
_HOST_KEY = "index_host="
_DATE_KEY = "date="
_NAME_RE = re.compile(r"^(\d{8}T\d{6}\.\d{6})Z-[0-9A-Za-z_-]+\.parquet$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STAMP_FORMAT = "%Y%m%dT%H%M%S.%f"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oci", "oss"})
#: Columns a file stores; index_host is the partition, the derived ones are recomputed.
_FILE_COLUMNS: tuple[str, ...] = tuple(c for c in schema.STORED_COLUMNS if c != "index_host")
#: Stored columns each derived column is computed from.
_DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "duration": ("created_at", "finished_at"),
    "elapsed": ("created_at", "finished_at", "listed_at", "status"),
    "is_terminal": ("status",),
    "records_per_second": ("records_imported", "created_at", "finished_at"),
}
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
_DICTIONARY_COLUMNS = ["status", "index_name"]


@functools.lru_cache(maxsize=1)
def _package_version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("pinecone-imports-frame")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        from ._version import __version__

        return str(__version__)


# --- where the lake is --------------------------------------------------------------------


@dataclass(frozen=True)
class _Store:
    """The lake's root on one filesystem: local disk (``fs is None``) or an fsspec one."""

    root: str
    fs: Any = None

    @property
    def local(self) -> bool:
        return self.fs is None

    def join(self, *parts: str) -> str:
        if self.local:
            return os.path.join(self.root, *parts)
        return "/".join([self.root.rstrip("/"), *parts])

    def display(self, path: str) -> str:
        """Show the path as the user passes it back in: local path or full URL."""
        return path if self.local else str(self.fs.unstrip_protocol(path))


def _open_store(root: str | os.PathLike[str], storage_options: dict[str, Any] | None) -> _Store:
    if isinstance(root, os.PathLike):
        root = os.fspath(root)
    if not isinstance(root, str) or not root:
        raise ConfigurationError(
            f"root must be a local folder or an fsspec URL such as 's3://bucket/lake', not {root!r}"
        )
    if storage_options is not None and not isinstance(storage_options, dict):
        raise ConfigurationError(
            "storage_options must be a dict of fsspec options, not "
            f"{type(storage_options).__name__}"
        )
    if root.startswith("file://"):
        root = root[len("file://") :]
    if "://" not in root:
        if storage_options:
            raise ConfigurationError(
                f"storage_options were given for the local path {root!r}; they only apply to "
                "fsspec URLs (s3://, gs://, az://, memory://): drop them or pass a URL"
            )
        return _Store(os.path.abspath(os.path.expanduser(root)))
    try:
        import fsspec
    except ImportError as exc:
        raise ConfigurationError(
            f"root {root!r} is a URL and reading or writing it needs fsspec and the "
            f"filesystem's backend: {_LAKE_HINT}"
        ) from exc
    try:
        fs, path = fsspec.core.url_to_fs(root, **(storage_options or {}))
    except ImportError as exc:
        raise ConfigurationError(
            f"no fsspec backend for {root!r} ({exc}); {_LAKE_HINT} "
            "(it installs s3fs, gcsfs and adlfs)"
        ) from exc
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"cannot open {root!r} with fsspec: {exc}") from exc
    if "file" in _protocols(fs):
        return _Store(os.path.abspath(path))
    return _Store(str(path).rstrip("/") or "/", fs)


def _protocols(fs: Any) -> set[str]:
    proto = fs.protocol
    return {proto} if isinstance(proto, str) else set(proto)


# --- names ---------------------------------------------------------------------------------


def _encode_host(host: str) -> str:
    """``index_host={host}`` as pyarrow's Hive partitioning (uri encoding) writes it.

    Arrow's "uri" segment encoding percent-encodes every byte but RFC 3986's unreserved
    ones, exactly as ``urllib.parse.quote(..., safe="")`` does (done here by hand because
    ``Partitioning.format`` is missing from the oldest supported pyarrow).
    """
    return f"index_host={quote(host, safe='')}"


def _stamp(listed_at: pd.Timestamp) -> str:
    return listed_at.strftime(_STAMP_FORMAT) + "Z"


def _stamp_micros(name: str) -> int | None:
    """``listed_at`` in microseconds from a snapshot's file name; None for another name."""
    m = _NAME_RE.match(name)
    if not m:
        return None
    s = m.group(1)  # YYYYMMDDTHHMMSS.ffffff
    try:
        t = dt.datetime(
            int(s[0:4]),
            int(s[4:6]),
            int(s[6:8]),
            int(s[9:11]),
            int(s[11:13]),
            int(s[13:15]),
            tzinfo=dt.timezone.utc,
        )
    except ValueError:
        return None
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + int(s[16:22])


@dataclass(frozen=True)
class _File:
    path: str
    host: str
    date: str
    stamp: int | None  # listed_at in microseconds from the file name; None if foreign name
    size: int | None


def _is_candidate(name: str) -> bool:
    return name.endswith(".parquet") and not name.startswith((".", "_"))


def _parse_partition(name: str, key: str) -> str | None:
    return unquote(name[len(key) :]) if name.startswith(key) else None


def _scan(
    store: _Store,
    *,
    hosts: frozenset[str] | None = None,
    first_date: str | None = None,
    last_date: str | None = None,
) -> list[_File]:
    """Every snapshot file under ``store``, pruned by host and date before going deeper.

    One pass: local disk is walked level by level (skipping folders the filters exclude),
    an object store is listed once per selected host prefix (or once for the whole root).
    """

    def date_ok(date: str) -> bool:
        return (
            bool(_DATE_RE.match(date))
            and (first_date is None or date >= first_date)
            and (last_date is None or date <= last_date)
        )

    out: list[_File] = []
    if store.local:
        try:
            host_entries = list(os.scandir(store.root))
        except FileNotFoundError:
            return out
        except NotADirectoryError as exc:
            raise ConfigurationError(f"root {store.root!r} is a file, not a folder") from exc
        for he in host_entries:
            host = _parse_partition(he.name, _HOST_KEY)
            if host is None or not he.is_dir() or (hosts is not None and host not in hosts):
                continue
            for de in os.scandir(he.path):
                date = _parse_partition(de.name, _DATE_KEY)
                if date is None or not date_ok(date) or not de.is_dir():
                    continue
                for fe in os.scandir(de.path):
                    if _is_candidate(fe.name) and fe.is_file():
                        out.append(_File(fe.path, host, date, _stamp_micros(fe.name), None))
        return out

    fs = store.fs
    root = store.root.rstrip("/")
    try:
        fs.invalidate_cache(root)
    except Exception:  # pragma: no cover - a backend without a listings cache
        logger.debug("could not invalidate the listings cache of %s", root)
    bases = [root]
    if hosts is not None:
        try:
            top = fs.ls(root, detail=False)
        except FileNotFoundError:
            return out
        bases = []
        for p in top:
            name = str(p).rstrip("/").rsplit("/", 1)[-1]
            host = _parse_partition(name, _HOST_KEY)
            if host is not None and host in hosts:
                bases.append(str(p).rstrip("/"))
    for base in bases:
        try:
            found = fs.find(base, detail=True)
        except FileNotFoundError:
            continue
        for path, info in found.items():
            rel = str(path)[len(root) :].lstrip("/")
            parts = rel.split("/")
            if len(parts) != 3 or not _is_candidate(parts[2]):
                continue
            host = _parse_partition(parts[0], _HOST_KEY)
            date = _parse_partition(parts[1], _DATE_KEY)
            if host is None or date is None or not date_ok(date):
                continue
            if hosts is not None and host not in hosts:
                continue
            size = info.get("size") if isinstance(info, dict) else None
            out.append(
                _File(
                    str(path),
                    host,
                    date,
                    _stamp_micros(parts[2]),
                    None if size is None else int(size),
                )
            )
    return out


# --- arguments ------------------------------------------------------------------------------


def _as_utc(value: Any, name: str) -> pd.Timestamp | None:
    return config.parse_timestamp(value, what=name)


def _as_set(value: str | Iterable[str] | None, name: str) -> frozenset[str] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    if not values or not all(isinstance(v, str) for v in values):
        raise ConfigurationError(f"{name} must be a string or a non-empty list of strings")
    return frozenset(values)


def _as_timedelta(value: Any) -> pd.Timedelta:
    return config.parse_duration(value, what="older_than")


# --- write ----------------------------------------------------------------------------------


def _single(frame: pd.DataFrame, column: str, attr: Any) -> Any:
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
    missing = [c for c in (*_FILE_COLUMNS, "index_host") if c not in frame.columns]
    if missing:
        raise SnapshotError(
            f"the frame lacks the column(s) {', '.join(missing)}; snapshot frames made by "
            "read_imports or to_frame"
        )
    cols = list(_FILE_COLUMNS)
    sub = frame[cols]
    try:
        table = pa.Table.from_pandas(sub, schema=schema.arrow_schema(cols), preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise SnapshotError(
            f"the frame's columns do not have the package's dtypes ({exc}); snapshot frames "
            "made by read_imports or to_frame"
        ) from exc
    return table.replace_schema_metadata(None)


def _atomic_local_write(path: str, data: bytes) -> None:
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.tmp-{secrets.token_hex(4)}")
    for attempt in range(3):
        os.makedirs(folder, exist_ok=True)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileNotFoundError:  # a concurrent prune removed the emptied folder
            if attempt == 2:
                raise
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(dir_fd)


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
    store = _open_store(root, storage_options)
    where = store.display(store.root)
    if store.local:
        probe = os.path.join(store.root, f".pif-probe-{secrets.token_hex(4)}")
        try:
            os.makedirs(store.root, exist_ok=True)
            with open(probe, "wb"):
                pass
            os.unlink(probe)
        except OSError as exc:
            raise SnapshotError(
                f"cannot write snapshots under {where}: {exc.strerror or exc}; pick a folder "
                "you may write to"
            ) from None
        return
    try:
        bucket = store.root.strip("/").split("/", 1)[0]
        reachable = store.fs.exists(bucket if _protocols(store.fs) & _OBJECT_STORES else store.root)
        if not reachable and _protocols(store.fs) & _OBJECT_STORES:
            raise SnapshotError(
                f"cannot write snapshots under {where}: the bucket {bucket!r} does not exist "
                "(or these credentials cannot see it); create it or check the URL"
            )
    except SnapshotError:
        raise
    except Exception as exc:  # botocore, gcsfs and adlfs raise their own kinds
        raise SnapshotError(
            f"cannot reach {where}: {type(exc).__name__}: {exc}; check the URL, the network "
            "and storage_options (endpoint_url, credentials)"
        ) from None


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
    root : str or os.PathLike
        A local folder, or an fsspec URL (``s3://bucket/lake``, ``gs://``, ``az://``,
        ``file://``, ``memory://``).
    storage_options : dict, optional
        Passed to fsspec for a URL root (credentials, ``endpoint_url``...). Never written
        into the file.

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
    store = _open_store(root, storage_options)
    table = _table_for_file(frame)
    if table.num_rows > 1:  # stored in id order, so that reads rarely need to sort
        table = table.take(pc.sort_indices(table, sort_keys=[("id", "ascending")]))
    host = _single(frame, "index_host", frame.attrs.get("index_host"))
    listed_raw = _single(frame, "listed_at", frame.attrs.get("listed_at"))
    listed_at = _as_utc(listed_raw, "listed_at")
    assert listed_at is not None
    host = str(host)
    if not host:
        raise SnapshotError("index_host is empty; a snapshot needs the host it was listed from")
    names: Any = frame["index_name"].dropna().unique() if "index_name" in frame else []
    index_name = str(names[0]) if len(names) else frame.attrs.get("index_name")
    date = listed_at.strftime("%Y-%m-%d")
    name = f"{_stamp(listed_at)}-{secrets.token_hex(6)}.parquet"
    path = store.join(_encode_host(host), f"{_DATE_KEY}{date}", name)

    meta = {
        "package_version": _package_version(),
        "api_version": str(frame.attrs.get("api_version") or DEFAULT_API_VERSION),
        "listed_at": listed_at.isoformat(),
        "index_host": host,
        "index_name": "" if index_name is None else str(index_name),
        "rows": str(table.num_rows),
        "schema_version": str(schema.SCHEMA_VERSION),
    }
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
            use_dictionary=_DICTIONARY_COLUMNS,  # not for unique values: cheaper to decode
        ) as writer:
            writer.write_table(table)
            if late_kv:
                writer.add_key_value_metadata(kv)
    except (pa.ArrowException, OSError) as exc:
        raise SnapshotError(f"could not encode the snapshot as Parquet: {exc}") from exc
    data = buf.getvalue()
    where = store.display(path)
    try:
        if store.local:
            _atomic_local_write(path, data)
        else:
            if not (_protocols(store.fs) & _OBJECT_STORES):
                store.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            store.fs.pipe_file(path, data)  # one put of the finished bytes
    except OSError as exc:
        raise SnapshotError(
            f"could not write the snapshot {where}: {exc}; check that the root exists (the "
            "bucket, for an object store) and that you may write to it"
        ) from exc
    logger.debug("wrote snapshot %s (%d rows, %d bytes)", where, table.num_rows, len(data))
    return where


# --- read -----------------------------------------------------------------------------------


def _check_columns(columns: Sequence[str] | None) -> list[str]:
    if columns is None:
        return list(schema.COLUMN_NAMES)
    if isinstance(columns, str):
        columns = [columns]
    unknown = [c for c in columns if c not in schema.BY_NAME]
    if unknown:
        raise ConfigurationError(
            f"unknown column(s) {', '.join(map(repr, unknown))}; columns are "
            f"{', '.join(schema.COLUMN_NAMES)}"
        )
    wanted = set(columns)
    return [c for c in schema.COLUMN_NAMES if c in wanted]


def _empty(columns: list[str], dtype_backend: DtypeBackend) -> pd.DataFrame:
    return _frame.empty_frame(dtype_backend=dtype_backend)[columns]


def _in_window(f: _File, since_us: int | None, until_us: int | None) -> bool:
    if f.stamp is None:
        return True  # a file named by someone else: its rows are filtered after reading
    return (since_us is None or f.stamp >= since_us) and (until_us is None or f.stamp < until_us)


def _micros(ts: pd.Timestamp | None) -> int | None:
    return None if ts is None else int(ts.value) // 1000


def read_snapshots(
    root: str | os.PathLike[str],
    *,
    index_host: str | Sequence[str] | None = None,
    index_name: str | Sequence[str] | None = None,
    since: Any = None,
    until: Any = None,
    columns: Sequence[str] | None = None,
    storage_options: dict[str, Any] | None = None,
    dtype_backend: DtypeBackend = "numpy_nullable",
) -> pd.DataFrame:
    """Every snapshot under ``root`` stacked into one imports frame.

    The frame has the dtypes :func:`read_imports` gives (status categories, UTC microsecond
    timestamps, nullable integers), derived columns recomputed, rows sorted by
    ``listed_at`` then ``id`` and a fresh RangeIndex. Files are selected from their
    partition folders and names before any is opened, then read in one multithreaded
    Arrow pass and converted to pandas once.

    Parameters
    ----------
    root : str or os.PathLike
        A local folder or an fsspec URL (see :func:`write_snapshot`).
    index_host : str or list of str, optional
        Only these hosts (their partitions alone are listed).
    index_name : str or list of str, optional
        Only rows of these index names (row groups are skipped from their statistics).
    since, until : timestamp-like, optional
        Only listings with ``since <= listed_at < until``; naive values are UTC. Files
        outside the window are skipped from their date folder and file name, unopened.
    columns : list of str, optional
        Only these columns, returned in schema order; only what they need is read.
    storage_options : dict, optional
        Passed to fsspec for a URL root.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        pandas nullable dtypes, or ``pd.ArrowDtype`` columns.

    Returns
    -------
    pandas.DataFrame
        The stacked snapshots; the 0-row frame of the schema when nothing matches or the
        root does not exist. A column a snapshot lacks (written by an older version) is NA
        in its rows; a status no API version lists is kept as an extra category.

    Raises
    ------
    SnapshotError
        A selected file is not readable Parquet.
    ConfigurationError
        Bad arguments, or the fsspec backend for ``root`` is missing.

    Examples
    --------
    >>> import tempfile
    >>> from pinecone_imports_frame.frame import to_frame
    >>> root = tempfile.mkdtemp()
    >>> for t in ["2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z"]:
    ...     _ = write_snapshot(to_frame([{"id": "1", "uri": "s3://b/p", "status": "Pending",
    ...                                   "createdAt": "2025-05-01T11:00:00Z"}],
    ...                                 listed_at=t, index_host="idx.svc.pinecone.io"), root)
    >>> df = read_snapshots(root, since="2025-05-02")
    >>> len(df), str(df.loc[0, "elapsed"])
    (1, '1 days 01:00:00')
    """
    schema.check_dtype_backend(dtype_backend)
    wanted = _check_columns(columns)
    hosts = _as_set(index_host, "index_host")
    names = _as_set(index_name, "index_name")
    since_ts, until_ts = _as_utc(since, "since"), _as_utc(until, "until")
    store = _open_store(root, storage_options)
    since_us, until_us = _micros(since_ts), _micros(until_ts)
    files = _scan(
        store,
        hosts=hosts,
        first_date=None if since_ts is None else since_ts.strftime("%Y-%m-%d"),
        last_date=None if until_ts is None else until_ts.strftime("%Y-%m-%d"),
    )
    files = [f for f in files if _in_window(f, since_us, until_us)]
    files.sort(key=lambda f: (-(2**62) if f.stamp is None else f.stamp, f.path))
    logger.debug("read_snapshots: %d file(s) selected under %s", len(files), store.root)
    if not files:
        return _empty(wanted, dtype_backend)

    # What to read: the requested stored columns, what derived ones are computed from,
    # and the sort keys.
    need = {"listed_at", "id"}
    for c in wanted:
        need.update(_DERIVED_FROM.get(c, (c,)))
    if names is not None:
        need.add("index_name")
    read_cols = [c for c in _FILE_COLUMNS if c in need]

    table = _stack(_read_files(store, files, read_cols, names), read_cols)
    if table is None:
        return _empty(wanted, dtype_backend)
    keep = None
    if names is not None:
        keep = pc.is_in(table["index_name"], value_set=pa.array(sorted(names)))
    if any(f.stamp is None for f in files):  # foreign file names: filter rows on listed_at
        for bound, op in ((since_ts, pc.greater_equal), (until_ts, pc.less)):
            if bound is not None:
                cond = op(table["listed_at"], pa.scalar(bound, schema.arrow_type("listed_at")))
                keep = cond if keep is None else pc.and_(keep, cond)
    if keep is not None:
        table = table.filter(pc.fill_null(keep, False))
    if table.num_rows == 0:
        return _empty(wanted, dtype_backend)

    if not _is_sorted(table):  # files are stored sorted by id and read in listed_at order
        order = pc.sort_indices(table, sort_keys=[("listed_at", "ascending"), ("id", "ascending")])
        table = table.take(order)
    with warnings.catch_warnings():
        # Unknown statuses were reported when they were listed; they stay extra categories.
        warnings.simplefilter("ignore", UnknownStatusWarning)
        full = _frame.conform_table(table)
    if wanted == list(schema.COLUMN_NAMES):
        return _frame.frame_from_table(full, dtype_backend=dtype_backend)
    data = {c: _frame.column_to_pandas(full[c], c, dtype_backend) for c in wanted}
    return pd.DataFrame(data, copy=False)


def _is_sorted(table: pa.Table) -> bool:
    """Whether rows are already in (listed_at, id) order: a few vector ops, not a sort."""
    n = table.num_rows
    if n < 2:
        return True
    ts, ids = table["listed_at"], table["id"]
    before, after = ts.slice(0, n - 1), ts.slice(1)
    id_ok = pc.less_equal(ids.slice(0, n - 1), ids.slice(1))
    ok = pc.or_(pc.less(before, after), pc.and_(pc.equal(before, after), id_ok))
    return bool(pc.all(pc.fill_null(ok, False)).as_py())


def _workers(n: int) -> int:
    """Count decoding threads: decoding is CPU-bound (fetching is done by then, or cheap)."""
    return max(1, min(n, _THREADS, os.cpu_count() or 1))


def _read_files(
    store: _Store, files: list[_File], read_cols: list[str], names: frozenset[str] | None
) -> list[tuple[_File, pa.Table]]:
    """Each selected file's stored ``read_cols``, read whole in one request per file.

    Snapshot files are small and read almost whole, so one read of the file's bytes
    (instead of a footer read and then one per column chunk) is what makes a lake of many
    small files fast. Local files are read and decoded by a few threads, each taking a
    contiguous share of the files; an fsspec filesystem fetches every file with one
    ``cat`` (concurrent on object stores), then the bytes are decoded by the threads.
    """

    def read(path: str) -> bytes:
        if store.local:
            with open(path, "rb") as fh:
                return fh.read()
        return bytes(store.fs.cat_file(path))

    blobs: dict[str, bytes] = {}
    try:
        if not store.local and len(files) > 1:
            blobs = store.fs.cat([f.path for f in files])
    except OSError as exc:
        raise SnapshotError(
            f"could not read the snapshots under {store.display(store.root)}: {exc}; "
            "a snapshot may have been pruned while reading: try again"
        ) from exc

    def work(share: list[_File]) -> list[tuple[_File, pa.Table]]:
        out = []
        for f in share:
            try:
                data = blobs[f.path] if f.path in blobs else read(f.path)
            except OSError as exc:
                raise SnapshotError(
                    f"could not read {store.display(f.path)}: {exc}; it may have been "
                    "pruned while reading: try again"
                ) from exc
            t = _decode(store, f, data, read_cols, names)
            if t is not None:
                out.append((f, t))
        return out

    n = _workers(len(files)) if len(files) >= 16 else 1
    if n == 1:
        return work(files)
    size = -(-len(files) // n)
    shares = [files[i : i + size] for i in range(0, len(files), size)]
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        return [item for part in pool.map(work, shares) for item in part]


def _decode(
    store: _Store, f: _File, data: bytes, read_cols: list[str], names: frozenset[str] | None
) -> pa.Table | None:
    """Decode the ``read_cols`` a file has, as stored; None if it is another index's."""
    try:
        pf = pq.ParquetFile(pa.BufferReader(data))
        if names is not None:
            kv = pf.metadata.metadata or {}
            stored = kv.get((METADATA_PREFIX + "index_name").encode())
            if stored and stored.decode("utf-8", "replace") not in names:
                return None
        present = set(pf.schema_arrow.names)
        return pf.read(columns=[c for c in read_cols if c in present], use_threads=False)
    except (pa.ArrowException, OSError) as exc:
        raise SnapshotError(
            f"{store.display(f.path)} is not a readable snapshot ({exc}); delete it or move "
            "it out of the lake (list_snapshots shows the lake's files)"
        ) from exc


def _stack(decoded: list[tuple[_File, pa.Table]], read_cols: list[str]) -> pa.Table | None:
    """Every file's rows in one table of ``read_cols`` plus ``index_host``, or None.

    Files are grouped by their stored schema (one group in a lake written by one version)
    and each group is concatenated, cast and completed once, not file by file: a column a
    group lacks (written by an older version) becomes nulls, status becomes plain strings
    (files differ in their dictionaries), ``index_host`` comes from the partition.
    """
    groups: list[tuple[pa.Schema, list[pa.Table], list[str]]] = []
    last: tuple[pa.Schema, list[pa.Table], list[str]] | None = None
    for f, t in decoded:
        if last is None or not last[0].equals(t.schema, check_metadata=False):
            last = next((g for g in groups if g[0].equals(t.schema, check_metadata=False)), None)
            if last is None:
                last = (t.schema, [], [])
                groups.append(last)
        last[1].append(t.replace_schema_metadata(None))
        last[2].append(f.host)
    out = []
    for group_schema, tables, hosts in groups:
        got = pa.concat_tables(tables).combine_chunks()  # one chunk: cheaper from here on
        n = got.num_rows
        arrays = []
        for c in read_cols:
            target = pa.string() if c == "status" else schema.arrow_type(c)
            if c not in group_schema.names:
                arrays.append(pa.chunked_array([pa.nulls(n, target)]))
                continue
            col = got[c]
            if col.type != target:
                try:
                    col = col.cast(target)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise SnapshotError(
                        f"column {c} is stored as {col.type} in some snapshots, which does "
                        f"not convert to {target} ({exc}); they are not snapshots of this "
                        "package"
                    ) from exc
            arrays.append(col)
        host_names = sorted(set(hosts))
        codes = {h: i for i, h in enumerate(host_names)}
        indices = np.repeat(
            np.array([codes[h] for h in hosts], dtype=np.int32),
            [t.num_rows for t in tables],
        )
        host_col = pa.DictionaryArray.from_arrays(pa.array(indices), pa.array(host_names))
        arrays.append(pa.chunked_array([host_col.cast(pa.string())]))
        out.append(pa.Table.from_arrays(arrays, names=[*read_cols, "index_host"]))
    if not out:
        return None
    return pa.concat_tables(out) if len(out) > 1 else out[0]


# --- list and prune -------------------------------------------------------------------------


def _footer(store: _Store, f: _File) -> tuple[int | None, dict[str, str]]:
    size: int | None
    try:
        if store.local:
            md = pq.read_metadata(f.path)
            size = os.path.getsize(f.path) if f.size is None else f.size
        else:
            with store.fs.open(f.path, "rb") as fh:
                md = pq.read_metadata(fh)
            size = f.size
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


def _listing(store: _Store, files: list[_File]) -> pd.DataFrame:
    if files:
        with ThreadPoolExecutor(max_workers=min(_THREADS, len(files))) as pool:
            footers = list(pool.map(lambda f: _footer(store, f), files))
    else:
        footers = []
    rows: dict[str, list[Any]] = {c: [] for c in _LIST_COLUMNS}
    for f, (size, meta) in zip(files, footers, strict=True):
        stamp: Any = f.stamp
        if stamp is None:
            ts = _as_utc(meta["listed_at"], "listed_at") if meta.get("listed_at") else None
            stamp = _micros(ts)
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
    >>> root = tempfile.mkdtemp()
    >>> df = to_frame([{"id": "1", "uri": "s3://b/p", "status": "Pending",
    ...                 "createdAt": "2025-05-01T11:00:00Z"}],
    ...               listed_at="2025-05-01T12:00:00Z", index_host="127.0.0.1:8080")
    >>> _ = write_snapshot(df, root)
    >>> list_snapshots(root)[["index_host", "date", "rows"]]
           index_host        date  rows
    0  127.0.0.1:8080  2025-05-01     1
    """
    store = _open_store(root, storage_options)
    return _listing(store, _scan(store))


def _remove_empty_dirs(store: _Store, files: list[_File]) -> None:
    if not store.local:
        return
    folders = {os.path.dirname(f.path) for f in files}
    for folder in sorted(folders | {os.path.dirname(d) for d in folders}, reverse=True):
        try:
            os.rmdir(folder)  # only succeeds when empty
            logger.debug("removed empty partition folder %s", folder)
        except OSError:
            pass


def prune_snapshots(
    root: str | os.PathLike[str],
    *,
    older_than: str | dt.timedelta | pd.Timedelta | None = None,
    keep_last: int | None = None,
    dry_run: bool = False,
    storage_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Delete whole snapshots by age or count; return the ones removed.

    A snapshot is one file, deleted with one call, so a snapshot is never left partly
    deleted: after an interruption each snapshot is either whole or gone. Emptied partition
    folders are removed on local disk.

    Parameters
    ----------
    root : str or os.PathLike
        A local folder or an fsspec URL (see :func:`write_snapshot`).
    older_than : str, datetime.timedelta or pandas.Timedelta, optional
        Remove snapshots whose ``listed_at`` is older than now minus this (``"30d"``,
        ``"12h"``, ``pd.Timedelta(days=7)``).
    keep_last : int, optional
        Keep the newest ``keep_last`` snapshots of each index host. Alone, it removes all
        others; with ``older_than``, a snapshot is removed only if it is both older than
        ``older_than`` and not one of the newest ``keep_last`` of its host.
    dry_run : bool
        Remove nothing; return what would be removed.
    storage_options : dict, optional
        Passed to fsspec for a URL root.

    Returns
    -------
    pandas.DataFrame
        The :func:`list_snapshots` rows of the snapshots removed (or that would be).

    Raises
    ------
    ConfigurationError
        Neither ``older_than`` nor ``keep_last`` was given, or one is invalid.
    SnapshotError
        A file could not be deleted (those deleted before it stay deleted).

    Examples
    --------
    >>> import tempfile
    >>> from pinecone_imports_frame.frame import to_frame
    >>> root = tempfile.mkdtemp()
    >>> for t in ["2025-05-01T12:00:00Z", "2025-05-02T12:00:00Z"]:
    ...     _ = write_snapshot(to_frame([{"id": "1", "uri": "s3://b/p", "status": "Pending",
    ...                                   "createdAt": "2025-05-01T11:00:00Z"}],
    ...                                 listed_at=t, index_host="idx.svc.pinecone.io"), root)
    >>> prune_snapshots(root, keep_last=1)["date"].tolist()
    ['2025-05-01']
    >>> len(list_snapshots(root))
    1
    """
    if older_than is None and keep_last is None:
        raise ConfigurationError(
            "prune_snapshots needs older_than= (e.g. '30d') or keep_last= (e.g. 10), or both"
        )
    age = None if older_than is None else _as_timedelta(older_than)
    if keep_last is not None and (
        isinstance(keep_last, bool) or not isinstance(keep_last, int) or keep_last < 0
    ):
        raise ConfigurationError(f"keep_last must be a whole number >= 0, not {keep_last!r}")
    store = _open_store(root, storage_options)
    files = _scan(store)
    cutoff = None if age is None else _micros(pd.Timestamp.now(tz="UTC") - age)

    protected: set[str] = set()
    if keep_last is not None:
        by_host: dict[str, list[_File]] = {}
        for f in files:
            by_host.setdefault(f.host, []).append(f)
        for group in by_host.values():
            group.sort(key=lambda f: (f.stamp if f.stamp is not None else -(2**62), f.path))
            protected.update(f.path for f in group[max(0, len(group) - keep_last) :] if keep_last)
    doomed = []
    for f in files:
        if f.path in protected:
            continue
        if cutoff is not None and (f.stamp is None or f.stamp >= cutoff):
            continue  # young enough (or of unknown age: left alone)
        doomed.append(f)
    removed = _listing(store, doomed)
    if dry_run or not doomed:
        return removed
    for f in doomed:
        try:
            if store.local:
                os.unlink(f.path)
            else:
                store.fs.rm_file(f.path)
        except FileNotFoundError:
            logger.debug("snapshot %s was already gone", f.path)
        except OSError as exc:
            raise SnapshotError(
                f"could not delete the snapshot {store.display(f.path)}: {exc}; snapshots "
                "listed before it were deleted, the others are untouched"
            ) from exc
        logger.info("pruned snapshot %s", store.display(f.path))
    _remove_empty_dirs(store, doomed)
    return removed
