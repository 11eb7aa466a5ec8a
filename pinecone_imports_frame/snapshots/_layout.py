"""Where things are in a lake: partition folders, file names, stamps, metadata keys.

Nothing here touches a filesystem: these are the names every other part of the lake agrees
on, so that a path alone says which index, which day and which listing a file holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import _hosts, schema

logger = logging.getLogger(__name__)

#: Prefix of the key-value metadata keys this package writes into each file.
METADATA_PREFIX = "pinecone_imports_frame."

HOST_KEY = "index_host="
DATE_KEY = "date="
NAME_RE = re.compile(r"^(\d{8}T\d{6}\.\d{6})Z-[0-9A-Za-z_-]+\.parquet$")
#: The temporary file of a write in progress (or of a killed writer): ``.{name}.tmp-{hex}``.
TEMP_RE = re.compile(r"^\.(.+\.parquet)\.tmp-[0-9a-f]+$")
#: A compacted file: the listings of one day of one index, from the first to the last. Its
#: name ends in ``.runs.parquet`` when it stores them as runs (what compaction writes; an
#: older version wrote every listing's rows, and its files are read as they are).
COMPACTED_RE = re.compile(
    r"^(\d{8}T\d{6}\.\d{6})Z_(\d{8}T\d{6}\.\d{6})Z-[0-9a-f]+(?:\.runs)?\.parquet$"
)
#: How the name of a compacted file of runs ends.
RUNS_SUFFIX = ".runs.parquet"
#: A file's kind, from its name: one listing of this package's, several merged by
#: compaction, a write in progress (or of a killed writer), or another tool's Parquet file.
SNAPSHOT, COMPACTED, TEMPORARY, OTHER = "snapshot", "compacted", "temporary", "other"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
#: Columns a file stores; index_host is the partition, the derived ones are recomputed.
FILE_COLUMNS: tuple[str, ...] = tuple(c for c in schema.STORED_COLUMNS if c != "index_host")


@functools.lru_cache(maxsize=1)
def package_version() -> str:
    """Return the installed version of this package (the source tree's when not installed)."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("pinecone-imports-frame")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        from .._version import __version__

        return str(__version__)


def encode_host(host: str) -> str:
    """Return ``index_host={host}`` as pyarrow's Hive partitioning (uri encoding) writes it.

    Arrow's "uri" segment encoding percent-encodes every byte but RFC 3986's unreserved
    ones, exactly as ``urllib.parse.quote(..., safe="")`` does (done here by hand because
    ``Partitioning.format`` is missing from the oldest supported pyarrow).

    Examples
    --------
    >>> encode_host("127.0.0.1:8080")
    'index_host=127.0.0.1%3A8080'
    """
    return f"{HOST_KEY}{quote(host, safe='')}"


def partition_host(name: str) -> str | None:
    """Return the index host an ``index_host=`` folder is of, spelled one way; None otherwise.

    Hosts written differently (``LOCALHOST:5080``, ``localhost.:5080``, ``h.io:443``) are
    one index: each is read as :func:`_hosts.index_host_value` spells it, so that a lake
    written before hosts were normalised reads (and compacts, and prunes) as one index.

    Examples
    --------
    >>> partition_host("index_host=LOCALHOST.%3A5080"), partition_host("date=2025-05-01")
    ('localhost:5080', None)
    """
    raw = parse_partition(name, HOST_KEY)
    return None if raw is None else _hosts.index_host_value(raw)


def stamp(listed_at: pd.Timestamp) -> str:
    """Return ``listed_at`` as a file name's stamp (``YYYYMMDDTHHMMSS.ffffffZ``).

    Written field by field: ``strftime("%Y")`` gives year 1 as ``1``, not ``0001``, on
    glibc, and a name of the wrong width is no snapshot's.

    Examples
    --------
    >>> stamp(pd.Timestamp("2025-05-01T12:00:00.5Z"))
    '20250501T120000.500000Z'
    >>> stamp(pd.Timestamp("0001-01-01T00:00:00Z").as_unit("us"))
    '00010101T000000.000000Z'
    """
    t = listed_at
    return (
        f"{day(t).replace('-', '')}T{t.hour:02d}{t.minute:02d}{t.second:02d}.{t.microsecond:06d}Z"
    )


def day(listed_at: pd.Timestamp) -> str:
    """Return the ``YYYY-MM-DD`` of a date partition (four-digit year, as :data:`DATE_RE`).

    Examples
    --------
    >>> day(pd.Timestamp("0001-01-01T23:00:00Z").as_unit("us"))
    '0001-01-01'
    """
    return f"{listed_at.year:04d}-{listed_at.month:02d}-{listed_at.day:02d}"


def listed_us_from_name(name: str) -> int | None:
    """Return ``listed_at`` in microseconds from a snapshot's file name; None for another name.

    For a compacted file, the first listing's.

    Examples
    --------
    >>> listed_us_from_name("19700101T000001.000002Z-ab12.parquet")
    1000002
    >>> listed_us_from_name("part-0.parquet") is None
    True
    """
    m = NAME_RE.match(name) or COMPACTED_RE.match(name)
    return _stamp_us(m.group(1)) if m is not None and _stamps_ok(m) else None


def _stamps_ok(m: re.Match[str] | None) -> bool:
    """Whether a name matched and each stamp in it is an instant (not 30 February)."""
    return m is not None and all(_stamp_us(s) is not None for s in m.groups())


def last_listed_us_from_name(name: str) -> int | None:
    """Return the last listing's ``listed_at`` of a compacted file's name (µs), else None.

    Examples
    --------
    >>> last_listed_us_from_name("19700101T000001.000000Z_19700101T000002.000000Z-ab.parquet")
    2000000
    """
    m = COMPACTED_RE.match(name)
    return _stamp_us(m.group(2)) if m is not None and _stamps_ok(m) else None


def _stamp_us(s: str) -> int | None:
    """``YYYYMMDDTHHMMSS.ffffff`` in microseconds since the epoch; None if no such instant.

    The day is looked up (a lake's names share a few hundred days), the time of day is
    added: a scan judges every name it meets, twice or more per read.
    """
    day_us = _day_us(s[0:8])
    hour, minute, second = int(s[9:11]), int(s[11:13]), int(s[13:15])
    if day_us is None or hour > 23 or minute > 59 or second > 59:
        return None
    return day_us + ((hour * 60 + minute) * 60 + second) * 1_000_000 + int(s[16:22])


@functools.lru_cache(maxsize=4096)
def _day_us(yyyymmdd: str) -> int | None:
    """Midnight (UTC) of ``YYYYMMDD`` in microseconds since the epoch; None for no such day."""
    try:
        d = dt.date(int(yyyymmdd[0:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return (d - _EPOCH.date()).days * 86_400_000_000


def compacted_name(
    first: pd.Timestamp, last: pd.Timestamp, suffix: str, *, runs: bool = True
) -> str:
    """Return the name of a compacted file holding listings from ``first`` to ``last``.

    ``runs``: the file stores runs (``.runs.parquet``), else every listing's rows.

    Examples
    --------
    >>> compacted_name(pd.Timestamp("2025-05-01T00:05Z"), pd.Timestamp("2025-05-01T23:55Z"), "ab")
    '20250501T000500.000000Z_20250501T235500.000000Z-ab.runs.parquet'
    """
    return f"{stamp(first)}_{stamp(last)}-{suffix}{RUNS_SUFFIX if runs else '.parquet'}"


def name_kind(name: str) -> str | None:
    """Return the kind of a file in a partition folder from its name; None to ignore it.

    Examples
    --------
    >>> name_kind("20250501T120000.000000Z-ab12.parquet"), name_kind("part-0.parquet")
    ('snapshot', 'other')
    >>> name_kind(".20250501T120000.000000Z-ab12.parquet.tmp-1a2b"), name_kind("_SUCCESS")
    ('temporary', None)

    A name shaped like this package's but for no instant is another tool's: this package
    never writes one, and every other part of the lake counts on a snapshot's name
    giving its ``listed_at``.

    >>> name_kind("20250230T000000.000000Z-ab12.parquet")
    'other'
    """
    if _stamps_ok(NAME_RE.match(name)):
        return SNAPSHOT
    if _stamps_ok(COMPACTED_RE.match(name)):
        return COMPACTED
    m = TEMP_RE.match(name)
    if m and name_kind(m.group(1)) in (SNAPSHOT, COMPACTED):
        return TEMPORARY
    return OTHER if is_candidate(name) else None


def file_kind(name: str, date: str) -> tuple[str | None, int | None]:
    """Return a file's kind and ``listed_at`` (µs) from its name and its date folder's name.

    A file in a folder named ``date=`` but for no date is another tool's, whatever its
    name: this package never writes one there.

    Examples
    --------
    >>> file_kind("20250501T120000.000000Z-ab12.parquet", "2025-05-01")
    ('snapshot', 1746100800000000)
    >>> file_kind("20250501T120000.000000Z-ab12.parquet", "20250501")
    ('other', None)
    """
    m = NAME_RE.match(name) or COMPACTED_RE.match(name)
    if m is not None and _stamps_ok(m):  # one parse of each stamp, then its value
        kind: str | None = SNAPSHOT if m.re is NAME_RE else COMPACTED
        listed_us = _stamp_us(m.group(1))
    else:
        kind, listed_us = name_kind(name), None
    if kind is not None and not DATE_RE.match(date):
        return OTHER, None
    return kind, listed_us


def _written_types(name: str) -> tuple[pa.DataType, ...]:
    if schema.BY_NAME[name].kind == "status":
        # Plain strings from pyarrow >= 17 (no Arrow schema stored), else the dictionary.
        return (pa.string(), schema.arrow_type(name))
    return (schema.arrow_type(name),)


#: The Arrow types each stored column has been written with, as Parquet readers give them
#: back. Every version so far wrote these; older versions lacked some columns (read as NA).
#: (A runs file's columns too.)
WRITTEN_TYPES: dict[str, tuple[pa.DataType, ...]] = {
    c: _written_types(c) for c in dict.fromkeys([*FILE_COLUMNS, *schema.RUN_STORED_COLUMNS])
}
#: Columns every snapshot file has (write_snapshot refuses a frame without them). Their
#: values may be NA but for listed_at: to_frame keeps a record whose id or status is
#: missing or not a string (as NA, with a warning), and write_snapshot stores it so.
REQUIRED_COLUMNS = ("id", "status", "listed_at")
#: Columns every runs file (a compacted day, as runs) has.
RUN_REQUIRED_COLUMNS = ("id", "status", "first_listed_at", "last_listed_at", "listings")


@functools.lru_cache(maxsize=64)
def schema_problem(stored: pa.Schema, *, runs: bool = False) -> str | None:
    """Say why a file's columns are not the ones this package writes; None when they are.

    Only the types are judged (a lake's files share a handful of schemas, so this is a
    lookup): a column read as another type that happens to cast (an integer ``status``, a
    boolean ``percent_complete``) would come back as values nobody listed. A column
    unknown here (of a newer version) is ignored; a missing one reads as NA, unless it is
    one of :data:`REQUIRED_COLUMNS` (of :data:`RUN_REQUIRED_COLUMNS` for a runs file,
    ``runs=True``).

    Examples
    --------
    >>> schema_problem(schema.arrow_schema(["id", "status", "listed_at"])) is None
    True
    >>> schema_problem(pa.schema([("id", pa.string()), ("status", pa.int64())]))
    'its column status is int64, not string as this package writes it'
    """
    for field in stored:
        ok = WRITTEN_TYPES.get(field.name)
        if ok is not None and field.type not in ok:
            return f"its column {field.name} is {field.type}, not {ok[0]} as this package writes it"
    required = RUN_REQUIRED_COLUMNS if runs else REQUIRED_COLUMNS
    missing = [c for c in required if c not in stored.names]
    if missing:
        return f"it has no {', '.join(missing)} column (every snapshot has them)"
    if len(set(stored.names)) != len(stored.names):
        return "it has two columns of the same name"
    return None


def rows_problem(table: pa.Table, runs: list[tuple[int, int]]) -> str | None:
    """Say why rows read from a file are not one listing's (or its listings'); None if they are.

    ``runs`` gives, in row order, each listing's ``listed_at`` (µs, from the file's name
    or a compacted file's list) and its number of rows. Every row must have that
    ``listed_at`` (write_snapshot never stores another): a snapshot is one listing, taken
    at one instant, and ``since``/``until`` select it by that instant. The columns are
    judged before (:func:`schema_problem`, from the footer): ``table`` has ``listed_at``.
    Vectorised: a null count and a min/max (or one comparison) per file.

    Examples
    --------
    >>> stamps = pa.array([5, 5], pa.timestamp("us"))
    >>> t = pa.table({"id": ["1", "2"], "status": ["Pending", None], "listed_at": stamps})
    >>> rows_problem(t, [(5, 2)]) is None
    True
    >>> rows_problem(t.slice(0, 1), [(6, 1)])
    'its listed_at values are not the one instant in its name'
    """
    col = table["listed_at"]
    if col.null_count:
        return f"{col.null_count} row(s) have no listed_at"
    if table.num_rows == 0:
        return None
    if len(runs) == 1:
        lo_hi = pc.min_max(col)
        same = lo_hi["min"].value == lo_hi["max"].value == runs[0][0]
    else:
        stamps = np.repeat([s for s, _ in runs], [n for _, n in runs])
        expected = pa.array(stamps.astype(np.int64), type=pa.int64())
        same = len(expected) == len(col) and bool(
            pc.all(pc.equal(col.cast(pa.int64()), expected)).as_py()
        )
    if not same:
        if len(runs) == 1:
            return "its listed_at values are not the one instant in its name"
        return "its listed_at values are not the instants of its list of listings"
    return None


def is_ours(kv: dict[bytes, bytes] | None) -> bool:
    """Tell whether a Parquet footer's key-value metadata says this package wrote the file.

    Examples
    --------
    >>> is_ours({b"pinecone_imports_frame.package_version": b"0.1.0"}), is_ours(None)
    (True, False)
    """
    return bool(kv) and (METADATA_PREFIX + "package_version").encode() in kv  # type: ignore[operator]


def is_candidate(name: str) -> bool:
    """Tell whether a file name is one that Parquet readers' ``**/*.parquet`` globs pick up.

    Examples
    --------
    >>> is_candidate("a.parquet"), is_candidate(".a.parquet.tmp-1234")
    (True, False)
    """
    return name.endswith(".parquet") and not name.startswith((".", "_"))


def parse_partition(name: str, key: str) -> str | None:
    """Return the decoded value of a ``key=value`` folder name, or None for another name.

    Examples
    --------
    >>> parse_partition("index_host=127.0.0.1%3A8080", HOST_KEY)
    '127.0.0.1:8080'
    """
    return unquote(name[len(key) :]) if name.startswith(key) else None


@dataclass(frozen=True)
class SnapshotFile:
    """One file found in a lake's partition folders, known from its path alone.

    Attributes
    ----------
    path : str
        Its path on the store (no protocol for fsspec stores).
    host, date : str
        The decoded partition values (the host spelled one way: :func:`partition_host`).
    listed_us : int or None
        ``listed_at`` in microseconds from the file name's stamp; None for a name of another
        tool (for a compacted file, its first listing's).
    size : int or None
        Its size in bytes when the listing gave it.
    kind : str
        ``"snapshot"``, ``"compacted"``, ``"temporary"`` or ``"other"`` (see
        :func:`name_kind`).
    mtime : float or None
        When it was last modified (seconds since the epoch), for temporary files.
    """

    path: str
    host: str
    date: str
    listed_us: int | None
    size: int | None
    kind: str = SNAPSHOT
    mtime: float | None = None

    @property
    def name(self) -> str:
        """The file's name (its last path segment)."""
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def in_host_folder(self) -> bool:
        """Whether it is in the folder of its host as this version spells it.

        False for a file of a lake written before hosts were normalised (an
        ``index_host=LOCALHOST%3A5080`` folder): compaction moves it.
        """
        return self.path.replace("\\", "/").rsplit("/", 3)[-3] == encode_host(self.host)

    @property
    def is_runs(self) -> bool:
        """Whether it is a compacted file of runs (its name says so)."""
        return self.kind == COMPACTED and self.name.endswith(RUNS_SUFFIX)

    @property
    def last_listed_us(self) -> int | None:
        """The last listing's ``listed_at`` (µs) it can hold: ``listed_us`` but when compacted."""
        return last_listed_us_from_name(self.name) if self.kind == COMPACTED else self.listed_us
