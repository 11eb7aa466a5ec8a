"""Records of pruned listings: what a prune removes is never seen again, without a lock.

A prune that removes listings first writes a record of them, one small JSON file per prune
run in the lake's ``_pruned/`` folder (a name beginning with ``_``: Hive-partition readers,
DuckDB's and Polars' ``index_host=*/date=*/*.parquet`` globs and pyarrow's datasets pass
it by), and only then deletes. Every reader of this package reads the records *last*,
after listing and reading the files, and leaves the recorded listings out; a compaction
leaves them out of what it merges and checks its merged file against the records read
after writing it. So a compaction that had read a listing before the prune and writes it
back afterwards (for the seconds before its own check removes it again) shows it to no
reader: the moment a read stands for is the moment it read the records, and by then the
listing is recorded. A prune also leaves recorded listings out of what it reports, and
removes any copy of them it finds (a killed compaction's merged file).

The records stay bounded. Whatever writes a listing's rows (a compaction, a prune's
rewrite of a merged file) reads the records right before reading the rows, leaves the
recorded listings out, and writes nothing more than :data:`MAX_WRITE_AFTER_READ` after
(it stops, transiently, and removes what it wrote too late). So a day after a record was
written no process can write its listings again, and once a prune finds no file holding
them none ever will: that prune folds the records a day old into one *quiet* record,
and the next prune a day later removes it (a reader that found a file holding one of its
listings before it went quiet would have to read for a day before reading the records).
With a daily prune the folder holds at most three records, whatever the lake's age;
each is about 30 bytes per listing removed (a day of 5-minute listings of 10 indexes,
2,880 listings, is about 90 kB and reads in about 4 ms).

A file in ``_pruned/`` that is not a record of this package (or one of a newer version)
stops every reader with a permanent :class:`SnapshotError` naming it: ignoring it could
show pruned listings again. Symbolic links are never followed (skipped with a warning).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Iterable

import numpy as np

from ..errors import SnapshotError
from ._catalog import _STAMPS_US, _short_name
from ._store import FsspecStore, LocalStore, Store, store_errors

logger = logging.getLogger(__name__)

#: The folder of the records, below the lake's root.
FOLDER = "_pruned"
#: What a record says it is, and the newest version of it this package reads.
KIND, VERSION = "pinecone-imports-frame pruned listings", 1
#: A record's name: when it was written (UTC, this machine's clock) and a random part.
NAME_RE = re.compile(r"^(\d{8}T\d{6}\.\d{6})Z-([0-9a-f]{12})\.json$")
#: How long a record stays before it is folded quiet, and a quiet record before it goes.
KEEP_RECORDS = dt.timedelta(days=1)
#: The longest a compaction (or a prune's rewrite) writes after reading what it writes;
#: far below KEEP_RECORDS, so that clocks a few hours apart change nothing.
MAX_WRITE_AFTER_READ = dt.timedelta(hours=1)

#: A listing: its index host and its name (the snapshot file it was written as).
Key = tuple[str, str]


class Records:
    """The listings the lake's records say were pruned.

    Attributes
    ----------
    listings : dict
        ``listed_at`` (µs) of each recorded listing, by (host, name).
    files : dict
        Each record's path and the instant (µs, from its name) it was written.
    quiet : set
        The paths of records written as quiet: no file held their listings then.
    held : dict
        Each record's listings (host, name, ``listed_at``), by path.
    """

    def __init__(self) -> None:
        self.listings: dict[Key, int] = {}
        self.files: dict[str, int] = {}
        self.quiet: set[str] = set()
        self.held: dict[str, list[tuple[str, str, int]]] = {}

    def __contains__(self, key: object) -> bool:
        return key in self.listings

    def __bool__(self) -> bool:
        return bool(self.listings)

    def of_host(self, host: str) -> set[str]:
        """Return the names recorded of one host."""
        return {name for h, name in self.listings if h == host}


def _problem(store: Store, path: str, why: str) -> SnapshotError:
    return SnapshotError(
        f"{store.user_path(path)} is not a record of pruned listings this version reads "
        f"({why}): upgrade pinecone-imports-frame if a newer version wrote it; else move "
        f"the file out of the lake ({FOLDER}/ holds only what prune_snapshots writes there; "
        "once no compaction runs, removing a record only lets a listing it names show again "
        "if a file still holds it)",
        permanent=True,
    )


def _folder(store: Store) -> str:
    return store.join(FOLDER)


def _names(store: Store) -> list[str]:
    """List the records' paths, following no symbolic link; [] without the folder."""
    folder = _folder(store)
    if isinstance(store, LocalStore):
        if os.path.islink(folder):
            store.links.add(folder)
            return []
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return []
        out = []
        for e in entries:
            if e.name.startswith("."):  # a record being written (a temporary)
                continue
            if e.is_symlink():
                store.links.add(e.path)
                continue
            if e.is_dir(follow_symlinks=False):
                raise _problem(store, e.path, "it is a folder")
            out.append(e.path)
        return sorted(out)
    assert isinstance(store, FsspecStore)
    try:
        store.fs.invalidate_cache(folder)
    except Exception:  # pragma: no cover - a backend without a listings cache
        logger.debug("could not invalidate the listings cache of %s", folder)
    try:
        found = store.fs.ls(folder, detail=True)
    except FileNotFoundError:
        return []
    out = []
    for info in found:
        path = str(info["name"]).rstrip("/")
        name = path.rsplit("/", 1)[-1]
        if name.startswith(".") or path == folder.rstrip("/"):
            continue
        if info.get("type") == "link" or info.get("islink"):
            store.links.add(path)
            continue
        out.append(path)
    return sorted(out)


def read_records(store: Store) -> Records:
    """Read every record of the lake (a readers' last step): the listings pruned.

    Raises
    ------
    SnapshotError
        A file in ``_pruned/`` is not a record of this package, or of a newer version
        (permanent); the store failed (transient).

    Examples
    --------
    >>> from pinecone_imports_frame.snapshots._store import open_store
    >>> store = open_store(lake("2025-05-01T12:00Z"), None)
    >>> bool(read_records(store))
    False
    """
    out = Records()
    with store_errors("list the records of pruned listings in", store.user_path(store.root)):
        paths = _names(store)
    store._warn_links()
    for path in paths:
        name = path.rsplit("/", 1)[-1].rsplit(os.sep, 1)[-1]
        m = NAME_RE.match(name)
        if m is None:
            raise _problem(store, path, "its name is not one a prune writes")
        try:
            data = _read_record(store, path)
        except FileNotFoundError:  # expired meanwhile: nothing a file still holds
            continue
        if data is None:  # a symbolic link, put there since the folder was listed
            store.links.add(path)
            store._warn_links()
            continue
        _parse(store, path, data, out)
        out.files[path] = _written_us(m.group(1))
    return out


def _read_record(store: Store, path: str) -> bytes | None:
    """Read one record whole; None if it is a symbolic link (never followed)."""
    with store_errors("read the record", store.user_path(path), vanish_ok=True):
        if not isinstance(store, LocalStore):
            return store.read(path)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return None
            raise
        with os.fdopen(fd, "rb") as fh:
            return fh.read()


def _written_us(text: str) -> int:
    t = dt.datetime.strptime(text, "%Y%m%dT%H%M%S.%f").replace(tzinfo=dt.timezone.utc)
    return (t - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // dt.timedelta(microseconds=1)


def _parse(store: Store, path: str, data: bytes, out: Records) -> None:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise _problem(store, path, "it is not JSON") from None
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise _problem(store, path, f"it does not say kind={KIND!r}")
    version = doc.get("version")
    if type(version) is not int:
        raise _problem(store, path, "it has no version")
    if version > VERSION:
        raise _problem(
            store, path, f"it is of version {version}, and this version reads up to {VERSION}"
        )
    listings = doc.get("listings")
    if not isinstance(listings, dict):
        raise _problem(store, path, "it has no listings")
    quiet = doc.get("quiet", False)
    if type(quiet) is not bool:
        raise _problem(store, path, "its quiet is not true or false")
    if quiet:
        out.quiet.add(path)
    held = out.held.setdefault(path, [])
    for host, cols in listings.items():
        at = cols.get("at") if isinstance(cols, dict) else None
        names = cols.get("name") if isinstance(cols, dict) else None
        if not (isinstance(at, list) and isinstance(names, list) and len(at) == len(names)):
            raise _problem(store, path, f"its listings of {host!r} are not columns at, name")
        for us, short in zip(at, names, strict=True):
            if type(us) is not int or type(short) is not str or not short:
                raise _problem(store, path, f"a listing of {host!r} is not an instant and a name")
            if not _STAMPS_US[0] <= us <= _STAMPS_US[1]:
                raise _problem(store, path, f"a listing of {host!r} is at no date")
        # (The stamps formatted at once: a day of 5-minute listings of 10 indexes is 2,880.)
        text = np.datetime_as_string(np.array(at, dtype=np.int64).astype("datetime64[us]"))
        for us, short, t in zip(at, names, text.tolist(), strict=True):
            stem = t.replace("-", "").replace(":", "")
            name = short if "." in short else f"{stem}Z-{short}.parquet"
            out.listings[(host, name)] = us
            held.append((host, name, us))


def write_record(
    store: Store, removed: Iterable[tuple[str, str, int]], *, quiet: bool = False
) -> str | None:
    """Record the listings a prune removes (host, name, ``listed_at`` µs), before it does.

    Written whole (a renamed temporary, or one put); returns its path, None if none.
    ``quiet``: no file holds them any more (see :func:`expire`).

    Examples
    --------
    >>> from pinecone_imports_frame.snapshots._store import open_store
    >>> store = open_store(lake("2025-05-01T12:00Z"), None)
    >>> path = write_record(store, [("h", "20250501T120000.000000Z-ab12cd34.parquet", 1)])
    >>> sorted(read_records(store).listings)
    [('h', '20250501T120000.000000Z-ab12cd34.parquet')]
    """
    from ._catalog import Listing

    cols: dict[str, dict[str, list[object]]] = {}
    for host, name, us in removed:
        c = cols.setdefault(host, {"at": [], "name": []})
        c["at"].append(us)
        c["name"].append(_short_name(Listing(name, us)))
    if not cols:
        return None
    doc: dict[str, object] = {"kind": KIND, "version": VERSION, "listings": cols}
    if quiet:
        doc["quiet"] = True
    now = dt.datetime.now(dt.timezone.utc)
    path = store.join(FOLDER, f"{now:%Y%m%dT%H%M%S.%f}Z-{secrets.token_hex(6)}.json")
    with store_errors("write the record of pruned listings", store.user_path(path)):
        store.write_atomic(path, json.dumps(doc, separators=(",", ":")).encode())
    return path


def expire(store: Store, records: Records, *, now: dt.datetime | None = None) -> list[str]:
    """Fold the records a day old into one quiet record; remove the quiet ones a day old.

    The caller (a prune) has just found no file holding any of their listings. A day
    after its listing was recorded, no process still running can write it again (see
    :data:`MAX_WRITE_AFTER_READ`), so once no file holds it, none ever will: the
    records say so by being written again as one quiet record. A quiet record a day
    old goes: a reader that had found a file holding one of its listings before it went
    quiet would have to read for a day before reading the records. With a daily prune,
    a record is written, folded quiet the next day, removed the day after: the folder
    holds at most three. Returns the paths removed.

    Examples
    --------
    >>> from pinecone_imports_frame.snapshots._store import open_store
    >>> store = open_store(lake("2025-05-01T12:00Z"), None)
    >>> _ = write_record(store, [("h", "20250501T120000.000000Z-ab12cd34.parquet", 1)])
    >>> later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
    >>> len(expire(store, read_records(store), now=later))  # folded quiet
    1
    >>> len(expire(store, read_records(store), now=later + dt.timedelta(days=2)))  # gone
    1
    >>> bool(read_records(store))
    False
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    limit = (now - KEEP_RECORDS - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)) // (
        dt.timedelta(microseconds=1)
    )
    old = [p for p, written in records.files.items() if written < limit]
    loud = [p for p in old if p not in records.quiet]
    if loud:
        folded = {x for p in loud for x in records.held.get(p, [])}
        write_record(store, sorted(folded), quiet=True)
    gone = [p for p in old if p in records.quiet] + loud + _killed_writes(store)
    for path in gone:
        store.remove(path)
        logger.info("removed the record of pruned listings %s", store.user_path(path))
    return gone


def _killed_writes(store: Store) -> list[str]:
    """Return the temporaries of records a killed prune left on local disk (an hour old)."""
    if not isinstance(store, LocalStore):
        return []  # (an object store's record is one put)
    try:
        entries = list(os.scandir(_folder(store)))
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = []
    for e in entries:
        try:
            temporary = e.name.startswith(".") and ".tmp-" in e.name and not e.is_symlink()
            if temporary and time.time() - e.stat(follow_symlinks=False).st_mtime > 3600:
                out.append(e.path)
        except OSError:  # gone meanwhile
            continue
    return out


def deadline() -> float:
    """Return the monotonic instant by which rows read now must be written."""
    return time.monotonic() + MAX_WRITE_AFTER_READ.total_seconds()


def check_deadline(store: Store, by: float | None, what: str) -> None:
    """Raise a transient SnapshotError if ``by`` (see :func:`deadline`) has passed."""
    if by is not None and time.monotonic() > by:
        raise SnapshotError(
            f"could not {what} in {store.user_path(store.root)}: more than "
            f"{MAX_WRITE_AFTER_READ} passed since its rows were read (a prune meanwhile "
            "could have expired its record of them), so nothing was kept of it: run it again"
        )
