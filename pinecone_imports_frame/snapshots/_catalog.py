"""Which listings a file holds, and which copy of each listing counts.

A snapshot file holds one listing, named by its file name (stamp and random suffix: the
listing's identity for good). A compacted file holds many, listed in its footer
(``pinecone_imports_frame.listings``: name, ``listed_at``, rows, first row, and the
metadata each snapshot had), its rows in that order. A compaction or a prune that rewrites
a file and is killed before it removes the old files leaves two copies of some listings;
:func:`choose_copies` keeps one copy of each, so that no reader counts a listing twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._layout import COMPACTED, METADATA_PREFIX, SnapshotFile

logger = logging.getLogger(__name__)

LISTINGS_KEY = (METADATA_PREFIX + "listings").encode()
#: A runs file's number of runs (its rows); its listings' rows add up to more.
RUNS_KEY = (METADATA_PREFIX + "runs").encode()
#: A runs file's metadata shared by most of its listings (JSON): each listing in its list
#: says only what differs, so that the list grows by a few dozen bytes a listing.
DEFAULTS_KEY = (METADATA_PREFIX + "listing_defaults").encode()
#: Per-listing metadata carried from a snapshot's footer into a compacted file's.
LISTING_META = ("listed_at", "index_name", "api_version", "package_version", "schema_version")


@dataclass(frozen=True)
class Listing:
    """One listing held by a file.

    Attributes
    ----------
    name : str
        The name of the snapshot file it was written as: its identity.
    listed_us : int
        ``listed_at`` in microseconds since the epoch (``"stamp"`` in a compacted file's
        footer).
    rows : int or None
        How many rows it has (None when only the name is known).
    offset : int
        Its first row in the file that holds it.
    meta : dict
        Its own metadata: ``listed_at``, ``index_name``, ``api_version``,
        ``package_version``, ``schema_version``.
    """

    name: str
    listed_us: int
    rows: int | None = None
    offset: int = 0
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, object]:
        """Return it as it is stored in a compacted file's footer."""
        return {
            "name": self.name,
            "stamp": self.listed_us,
            "rows": self.rows,
            "offset": self.offset,
            **self.meta,
        }


def listings_of(
    f: SnapshotFile, kv: dict[bytes, bytes], num_rows: int, meta: dict[str, str]
) -> list[Listing] | None:
    """Return the listings a file of this package holds, from its name and footer.

    None when a compacted file's list is missing or does not add up to its rows (for a
    file of runs: when its footer's count of runs is not its rows).

    Examples
    --------
    >>> f = SnapshotFile("/l/h/d/19700101T000001.000000Z-ab.parquet", "h", "d", 1_000_000, 9)
    >>> listings_of(f, {}, 3, {"api_version": "2025-04"})[0].rows
    3
    """
    if f.kind != COMPACTED:
        assert f.listed_us is not None
        own = {k: meta[k] for k in LISTING_META if k in meta}
        return [Listing(f.name, f.listed_us, num_rows, 0, own)]
    raw = kv.get(LISTINGS_KEY)
    try:
        items: Any = json.loads(raw) if raw else None
        defaults = json.loads(kv.get(DEFAULTS_KEY) or b"{}")
        if not isinstance(defaults, dict):
            return None
        listings = (
            _listings_of_columns(items, raw, defaults) if isinstance(items, dict) and raw else None
        )
        if listings is None:
            if isinstance(items, dict):  # a runs file's columns of listings
                items = _rows_of_columns(items)
            listings = [
                Listing(
                    str(i["name"]),
                    int(i["stamp"]),
                    int(i["rows"]),
                    int(i.get("offset", 0)),
                    {
                        k: str(v)
                        for k in LISTING_META
                        if (v := i.get(k, defaults.get(k))) is not None
                    },
                )
                for i in items or []
            ]
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return None
    if not listings:
        return None
    if f.is_runs:  # its rows are runs: its footer counts them
        runs = kv.get(RUNS_KEY)
        return listings if runs is not None and runs == str(num_rows).encode() else None
    if sum(x.rows or 0 for x in listings) != num_rows:
        return None
    return listings


def choose_copies(held: Iterable[tuple[SnapshotFile, list[Listing]]]) -> dict[str, set[str]]:
    """Choose, for each listing, the one file whose copy counts.

    Files holding more listings win (a merged file over the files it was merged from),
    then compacted over snapshot files, then by path. Returns, for each file's path, the
    names of the listings read from it: all of them, some (the others were counted from
    a bigger file), or none (the file is superseded: a leftover of an interrupted
    compaction or rewrite).

    Examples
    --------
    >>> a = SnapshotFile("/l/a.parquet", "h", "d", 1, 9, "snapshot")
    >>> m = SnapshotFile("/l/m.parquet", "h", "d", 1, 9, "compacted")
    >>> chosen = choose_copies([(a, [Listing("a", 1)]), (m, [Listing("a", 1), Listing("b", 2)])])
    >>> sorted(chosen["/l/m.parquet"]), sorted(chosen["/l/a.parquet"])
    (['a', 'b'], [])
    """
    ordered = sorted(held, key=lambda item: rank(item[0], len(item[1])))
    taken: set[tuple[str, str]] = set()
    out: dict[str, set[str]] = {}
    for f, listings in ordered:
        mine = {x.name for x in listings if (f.host, x.name) not in taken}
        taken.update((f.host, name) for name in mine)
        out[f.path] = mine
    return out


def rank(f: SnapshotFile, held: int) -> tuple[int, bool, str]:
    """Order files by whose copy of a listing counts: first the file holding the most.

    Then compacted files over snapshot files, then by path: every process that decides
    (readers, compaction, prune) orders two copies the same way.

    Examples
    --------
    >>> a = SnapshotFile("/l/a.parquet", "h", "d", 1, 9, "snapshot")
    >>> m = SnapshotFile("/l/m.parquet", "h", "d", 1, 9, "compacted")
    >>> rank(m, 2) < rank(a, 1), rank(m, 1) < rank(a, 1)
    (True, True)
    """
    return (-held, f.kind != COMPACTED, f.path)


def _rows_of_columns(cols: dict[str, Any]) -> list[dict[str, Any]]:
    """Turn a runs file's columns of listings back into one item per listing."""
    first = int(cols["first"])
    at, names, rows = cols["at"], cols["name"], cols["rows"]
    meta = cols.get("meta") or {}
    if not (isinstance(at, list) and isinstance(names, list) and isinstance(rows, list)):
        raise TypeError("not columns of listings")
    if not isinstance(meta, dict) or not len(at) == len(names) == len(rows):
        raise ValueError("not columns of listings")
    out = []
    for i, (offset, name, n) in enumerate(zip(at, names, rows, strict=True)):
        stamp = first + int(offset)
        if "." not in str(name):  # the random part of a snapshot's name: the rest is its stamp
            name = f"{_stamp_text(stamp)}Z-{name}.parquet"
        out.append({"name": name, "stamp": stamp, "rows": n, **meta.get(str(i), {})})
    return out


#: The microseconds of 0001-01-01 and of the last instant of 9999 (what datetime can show).
_STAMPS_US = (-62_135_596_800_000_000, 253_402_300_799_999_999)


def listing_arrays(cols: Any, raw: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """Return a runs file's listings' ``listed_at`` (µs) and rows, as int64 arrays.

    ``cols`` is its footer's columns of listings, parsed from ``raw``. None when some
    listing has its own metadata or a value is not a whole number (the general path then
    reads them, as it reads any list).

    Examples
    --------
    >>> raw = b'{"first": 10, "at": [0, 5], "name": ["a", "b"], "rows": [2, 3]}'
    >>> [a.tolist() for a in listing_arrays(json.loads(raw), raw)]
    [[10, 15], [2, 3]]
    >>> listing_arrays({"first": 10, "at": [0.5], "rows": [2]}, b"") is None
    True
    """
    if not isinstance(cols, dict) or cols.get("meta"):
        return None
    first, at, rows = cols.get("first"), cols.get("at"), cols.get("rows")
    if type(first) is not int or not isinstance(at, list) or not isinstance(rows, list):
        return None
    if len(at) != len(rows) or b"true" in raw or b"false" in raw:  # (numpy takes a bool)
        return None
    offsets, counts = np.array(at), np.array(rows)  # a fraction or a string: not int64
    if offsets.dtype != np.int64 or counts.dtype != np.int64 or offsets.ndim != 1:
        return None
    return first + offsets, counts


def _listings_of_columns(
    cols: dict[str, Any], raw: bytes, defaults: dict[str, Any]
) -> list[Listing] | None:
    """Read a runs file's columns of listings fast (a year of them is millions of listings).

    The listings share one metadata dict and their names' stamps are formatted at once;
    None when some listing has its own metadata, or a value is unusual (the general path
    then reads them, as it reads any list).
    """
    arrays = listing_arrays(cols, raw)
    names = cols.get("name")
    if arrays is None or not isinstance(names, list) or len(names) != len(arrays[0]):
        return None
    if not all(type(v) is str for v in names):
        return None
    stamps, rows = arrays
    if len(stamps) and (stamps.min() < _STAMPS_US[0] or stamps.max() > _STAMPS_US[1]):
        return None
    text = np.datetime_as_string(stamps.astype("datetime64[us]")).tolist()
    shared = {k: str(v) for k in LISTING_META if (v := defaults.get(k)) is not None}
    return [
        Listing(
            name if "." in name else f"{t.replace('-', '').replace(':', '')}Z-{name}.parquet",
            us,
            n,
            0,
            shared,
        )
        for name, us, n, t in zip(names, stamps.tolist(), rows.tolist(), text, strict=True)
    ]


def _stamp_text(us: int) -> str:
    import datetime as dt

    t = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us)
    return f"{t.year:04d}{t.month:02d}{t.day:02d}T{t:%H%M%S}.{t.microsecond:06d}"


def compact_listings_json(listings: list[Listing]) -> tuple[str, str]:
    """Return a runs file's listings and the metadata most of them share (both JSON).

    The listings are columns, a few dozen bytes a listing: ``first`` (the first
    ``listed_at``, µs), ``at`` (each one's ``listed_at`` minus ``first``), ``name`` (the
    random part of a snapshot's name, which its stamp completes; a whole name otherwise),
    ``rows``, and ``meta``: by position, only the metadata a listing does not share with
    most (``listed_at`` is its stamp).

    Examples
    --------
    >>> meta = {"api_version": "2025-10", "listed_at": "1970-01-01T00:00:00.000001+00:00"}
    >>> x = Listing("19700101T000000.000001Z-ab12.parquet", 1, 2, 0, meta)
    >>> compact_listings_json([x])
    ('{"first": 1, "at": [0], "name": ["ab12"], "rows": [2]}', '{"api_version": "2025-10"}')
    """
    from collections import Counter

    defaults = {}
    for k in LISTING_META:
        if k == "listed_at":
            continue
        counts = Counter(x.meta.get(k) for x in listings)
        value, _ = counts.most_common(1)[0] if counts else (None, 0)
        if value is not None:
            defaults[k] = value
    first = min((x.listed_us for x in listings), default=0)
    cols: dict[str, object] = {
        "first": first,
        "at": [x.listed_us - first for x in listings],
        "name": [_short_name(x) for x in listings],
        "rows": [x.rows for x in listings],
    }
    meta: dict[str, dict[str, object]] = {}
    for i, x in enumerate(listings):
        for k in LISTING_META:
            if k != "listed_at" and x.meta.get(k) != defaults.get(k):
                meta.setdefault(str(i), {})[k] = x.meta.get(k)  # None: this one has none
    if meta:
        cols["meta"] = meta
    return json.dumps(cols), json.dumps(defaults)


def _short_name(x: Listing) -> str:
    """Return the random part of a snapshot's name when its stamp completes it, else the name."""
    stem = f"{_stamp_text(x.listed_us)}Z-"
    if x.name.startswith(stem) and x.name.endswith(".parquet"):
        short = x.name[len(stem) : -len(".parquet")]
        if short and "." not in short:
            return short
    return x.name


def listings_json(listings: list[Listing]) -> str:
    """Return the footer value that lists a compacted file's listings.

    Examples
    --------
    >>> listings_json([Listing("a.parquet", 1, 2, 0)])
    '[{"name": "a.parquet", "stamp": 1, "rows": 2, "offset": 0}]'
    """
    return json.dumps([x.to_json() for x in listings])
