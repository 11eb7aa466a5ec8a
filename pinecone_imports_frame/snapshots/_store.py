"""The lake's root on a filesystem: local disk or fsspec, behind one small interface.

:func:`open_store` turns a root (a path or an fsspec URL, with ``storage_options``) into a
:class:`Store`; the rest of the lake calls its methods and never asks which kind it has.

Every error of a filesystem (OSError, botocore's, aiohttp's, gcsfs's) is translated here,
once, by :func:`store_errors`: a root or bucket that does not exist, a folder that is not
a lake, a root that cannot be written are *permanent* :class:`SnapshotError`s (waiting
cannot help); anything else the store raises (unreachable, throttled, timed out) is a
transient one. A file that vanished (a concurrent prune) is left to the caller, who skips
it.
"""

from __future__ import annotations

import abc
import contextlib
import logging
import os
import re
import secrets
import traceback
import warnings
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ConfigurationError, SkippedFileWarning, SnapshotError
from ._layout import (
    DATE_KEY,
    DATE_RE,
    HOST_KEY,
    TEMPORARY,
    SnapshotFile,
    file_kind,
    parse_partition,
    partition_host,
)

logger = logging.getLogger(__name__)

#: What to install, as published and from a checkout (the package is not on PyPI yet).
LAKE_HINT = "pip install 'pinecone-imports-frame[lake]' (from a checkout: pip install -e '.[lake]')"
_OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oci", "oss"})
#: The URL schemes a lake may have (``file://`` is a local folder): the object stores, and
#: memory:// (a lake that lives as long as the process). A filesystem registered with
#: ``fsspec.register_implementation`` that fsspec does not know of itself is taken too.
LAKE_SCHEMES = (*sorted(_OBJECT_STORES), "memory")
#: Mistakes in this package's own code: never dressed up as a store error.
_BUGS = (TypeError, AttributeError, NameError, AssertionError, NotImplementedError)


def _chain(error: SnapshotError, cause: BaseException) -> SnapshotError:
    """Return ``error``, to be raised from ``cause``, once the locals of its frames are cleared.

    A chained traceback keeps every frame's locals: a filesystem's frames hold credentials
    and request bodies, which have no business outliving the error.
    """
    traceback.clear_frames(cause.__traceback__)
    return error


@contextlib.contextmanager
def store_errors(action: str, where: str, *, vanish_ok: bool = False) -> Iterator[None]:
    """Translate what a filesystem raises while doing ``action`` on ``where``.

    With ``vanish_ok``, FileNotFoundError passes through (the caller skips the file);
    otherwise it means the root is gone (permanent).

    Examples
    --------
    >>> try:
    ...     with store_errors("read", "s3://b/lake"):
    ...         raise ConnectionResetError("reset by peer")
    ... except SnapshotError as exc:
    ...     print(exc.permanent, str(exc)[:26])
    False could not read s3://b/lake
    """
    try:
        yield
    except (SnapshotError, ConfigurationError):
        raise
    except FileNotFoundError as exc:
        if vanish_ok:
            raise
        raise _chain(
            SnapshotError(
                f"could not {action} {where}: it does not exist (any more): check the root; "
                "was the lake moved or deleted?",
                permanent=True,
            ),
            exc,
        ) from exc
    except PermissionError as exc:
        raise _chain(
            SnapshotError(
                f"could not {action} {where}: permission denied ({exc}); use a root you may "
                "read and write, or other credentials",
                permanent=True,
            ),
            exc,
        ) from exc
    except _BUGS:
        raise
    except Exception as exc:  # OSError, botocore, aiohttp, gcsfs, adlfs: each its own kind
        raise _chain(
            SnapshotError(
                f"could not {action} {where}: {type(exc).__name__}: {exc}; the store may be "
                "unreachable or throttling requests: check the network, endpoint_url and "
                "credentials, or try again later"
            ),
            exc,
        ) from exc


class Store(abc.ABC):
    """A lake's root on one filesystem.

    Attributes
    ----------
    root : str
        The root as the filesystem names it (an absolute path, or ``bucket/prefix``).
    """

    root: str

    def __init__(self, root: str) -> None:
        self.root = root
        #: The symbolic links the walks met inside the root (skipped, never followed).
        self.links: set[str] = set()
        self._warned: set[str] = set()

    @abc.abstractmethod
    def user_path(self, path: str) -> str:
        """Return a path as a user writes it: a local path, or a full URL with its protocol."""

    @abc.abstractmethod
    def join(self, *parts: str) -> str:
        """Join path segments below the root."""

    def scan(
        self,
        *,
        hosts: frozenset[str] | None = None,
        first_date: str | None = None,
        last_date: str | None = None,
    ) -> list[SnapshotFile]:
        """List the files of every selected partition, pruned by host and date first.

        Returns every file whose name this package knows (:func:`name_kind`: snapshots,
        temporary files, other Parquet files); an empty list for an empty lake.

        Raises
        ------
        SnapshotError
            The root does not exist (permanent), is not a lake (permanent), or the store
            cannot be reached (transient).
        """
        where = self.user_path(self.root)
        with store_errors("list", where):
            found, lake_like = self._walk(hosts, first_date, last_date)
            if not found and not lake_like:
                self._check_empty_root()
        self._warn_links()
        return found

    def _warn_links(self) -> None:
        """Warn once of each symbolic link the walks skipped (local disk has them)."""
        for link in sorted(self.links - self._warned):
            self._warned.add(link)
            warnings.warn(
                f"skipped {link}: it is a symbolic link, and the lake never follows one (a "
                "link could lead reads, compaction and prune into another lake); move the "
                "folder or file it points to into the lake instead",
                SkippedFileWarning,
                stacklevel=4,
            )

    @abc.abstractmethod
    def _walk(
        self, hosts: frozenset[str] | None, first_date: str | None, last_date: str | None
    ) -> tuple[list[SnapshotFile], bool]:
        """Return the files found and whether the root holds any ``index_host=`` folder."""

    @abc.abstractmethod
    def _check_empty_root(self) -> None:
        """Raise unless the root is an existing empty folder (or an empty prefix)."""

    @abc.abstractmethod
    def read(self, path: str) -> bytes:
        """Read one file whole (FileNotFoundError passes through: it vanished)."""

    def read_many(self, paths: list[str]) -> dict[str, bytes | BaseException]:
        """Fetch several files at once where the store does that better; {} otherwise."""
        return {}

    @abc.abstractmethod
    def footer(self, f: SnapshotFile) -> tuple[int | None, pq.FileMetaData]:
        """Read a file's size and Parquet footer (not its rows)."""

    @abc.abstractmethod
    def parquet(self, path: str) -> pq.ParquetFile:
        """Open a file for reading some of its columns and row groups (ranged reads)."""

    @abc.abstractmethod
    def write_atomic(self, path: str, data: bytes) -> None:
        """Write a whole file so that readers see all of it or nothing."""

    def remove(self, path: str) -> None:
        """Delete one file, its errors translated; one already gone (pruned) is no error."""
        where = self.user_path(path)
        try:
            with store_errors("delete", where, vanish_ok=True):
                self._unlink(path)
        except FileNotFoundError:
            logger.debug("%s was already gone", where)

    @abc.abstractmethod
    def _unlink(self, path: str) -> None:
        """Delete one file (FileNotFoundError passes through)."""

    def remove_empty_dirs(self, files: list[SnapshotFile]) -> None:  # noqa: B027
        """Remove the partition folders the removal of ``files`` emptied, where folders exist."""

    @abc.abstractmethod
    def check_writable(self) -> None:
        """Raise :class:`SnapshotError` unless snapshots can be written under the root."""

    @staticmethod
    def _date_ok(date: str, first_date: str | None, last_date: str | None) -> bool:
        # A ``date=`` folder for no date is listed whatever the window (no window can
        # exclude it): its files are other tools' (see file_kind), shown and warned about.
        return not DATE_RE.match(date) or (
            (first_date is None or date >= first_date) and (last_date is None or date <= last_date)
        )

    def _not_a_lake(self, seen: list[str]) -> SnapshotError:
        shown = ", ".join(seen[:3]) + (", ..." if len(seen) > 3 else "")
        return SnapshotError(
            f"{self.user_path(self.root)} is not a lake of pinecone-imports-frame: it holds "
            f"files ({shown}) but no index_host=... folder; check the root (a lake is the "
            "folder write_snapshot and read_imports(snapshot_to=...) were given)",
            permanent=True,
        )

    def _missing(self, what: str = "does not exist") -> SnapshotError:
        return SnapshotError(
            f"the lake root {self.user_path(self.root)} {what}: check the path (a typo?); "
            "write a snapshot there first to start a lake",
            permanent=True,
        )


def _visible(name: str) -> bool:
    return not name.startswith((".", "_"))


class LocalStore(Store):
    """A root on local disk: walked level by level, written through a renamed temporary."""

    def __init__(self, root: str) -> None:
        super().__init__(root)
        self._seen: dict[str, SnapshotFile] = {}

    def user_path(self, path: str) -> str:
        return path

    def join(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    def _walk(
        self, hosts: frozenset[str] | None, first_date: str | None, last_date: str | None
    ) -> tuple[list[SnapshotFile], bool]:
        out: list[SnapshotFile] = []
        try:
            host_entries = list(os.scandir(self.root))
        except FileNotFoundError:
            raise self._missing() from None
        except NotADirectoryError:
            raise self._missing("is a file, not a folder") from None
        lake_like = False
        # No symbolic link is followed (DirEntry.is_dir() would): each is noted and skipped.
        for he in host_entries:
            host = partition_host(he.name)
            if host is None or not self._is(he, dir=True):
                continue
            lake_like = True
            if hosts is not None and host not in hosts:
                continue
            try:
                date_entries = list(os.scandir(he.path))
            except (FileNotFoundError, NotADirectoryError):  # pruned away meanwhile
                continue
            for de in date_entries:
                date = parse_partition(de.name, DATE_KEY)
                if date is None or not self._date_ok(date, first_date, last_date):
                    continue
                try:
                    file_entries = list(os.scandir(de.path)) if self._is(de, dir=True) else []
                except (FileNotFoundError, NotADirectoryError):
                    continue
                for fe in file_entries:
                    seen = self._seen.get(fe.path)  # met by an earlier scan: judged already
                    if seen is not None and self._is(fe, dir=False):
                        out.append(seen)
                        continue
                    kind, listed_us = file_kind(fe.name, date)
                    if kind is None or not self._is(fe, dir=False):
                        continue
                    mtime = None
                    if kind == TEMPORARY:
                        with contextlib.suppress(FileNotFoundError):
                            mtime = fe.stat().st_mtime
                    f = SnapshotFile(fe.path, host, date, listed_us, None, kind, mtime)
                    if kind != TEMPORARY:  # a temporary file's age changes; a name's kind not
                        self._seen[fe.path] = f
                    out.append(f)
        return out, lake_like

    def _is(self, entry: os.DirEntry[str], *, dir: bool) -> bool:
        """Whether an entry is a folder (or a file), never through a link (links are noted)."""
        try:
            if entry.is_symlink():
                self.links.add(entry.path)
                return False
            return entry.is_dir(follow_symlinks=False) if dir else entry.is_file()
        except OSError:  # gone meanwhile
            return False

    def _check_empty_root(self) -> None:
        seen = sorted(e.name for e in os.scandir(self.root) if _visible(e.name))
        if seen:
            raise self._not_a_lake(seen)

    def read(self, path: str) -> bytes:
        with open(path, "rb") as fh:
            return fh.read()

    def footer(self, f: SnapshotFile) -> tuple[int | None, pq.FileMetaData]:
        size = os.path.getsize(f.path) if f.size is None else f.size
        with open(f.path, "rb") as fh:
            return size, pq.read_metadata(fh)

    def parquet(self, path: str) -> pq.ParquetFile:
        return pq.ParquetFile(path, pre_buffer=True)

    def write_atomic(self, path: str, data: bytes) -> None:
        folder, name = os.path.split(path)
        self._refuse_links(folder)
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

    def _unlink(self, path: str) -> None:
        os.unlink(path)

    def _refuse_links(self, folder: str) -> None:
        """Refuse to write through a partition folder that is a symbolic link."""
        at = folder
        while len(at) > len(self.root) and at.startswith(self.root):
            if os.path.islink(at):
                raise SnapshotError(
                    f"cannot write into {at}: it is a symbolic link, and the lake never "
                    "follows one (its files would land in another folder, perhaps another "
                    "lake); replace the link with a folder",
                    permanent=True,
                )
            at = os.path.dirname(at)

    def remove_empty_dirs(self, files: list[SnapshotFile]) -> None:
        folders = {os.path.dirname(f.path) for f in files}
        for folder in sorted(folders | {os.path.dirname(d) for d in folders}, reverse=True):
            try:
                os.rmdir(folder)  # only succeeds when empty
                logger.debug("removed empty partition folder %s", folder)
            except OSError:
                pass

    def check_writable(self) -> None:
        probe = os.path.join(self.root, f".pif-probe-{secrets.token_hex(4)}")
        try:
            os.makedirs(self.root, exist_ok=True)
            with open(probe, "wb"):
                pass
            os.unlink(probe)
        except OSError as exc:
            raise SnapshotError(
                f"cannot write snapshots under {self.root}: {exc.strerror or exc}; pick a "
                "folder you may write to",
                permanent=True,
            ) from None


class FsspecStore(Store):
    """A root on an fsspec filesystem: listed once per host prefix, written in one put."""

    def __init__(self, root: str, fs: Any) -> None:
        super().__init__(root)
        self.fs = fs
        proto = fs.protocol
        protocols = {proto} if isinstance(proto, str) else set(proto)
        self.object_store = bool(protocols & _OBJECT_STORES)

    def user_path(self, path: str) -> str:
        return str(self.fs.unstrip_protocol(path))

    def join(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])

    def _walk(
        self, hosts: frozenset[str] | None, first_date: str | None, last_date: str | None
    ) -> tuple[list[SnapshotFile], bool]:
        out: list[SnapshotFile] = []
        fs = self.fs
        root = self.root.rstrip("/")
        try:
            # All of it: s3fs forgets only the path and its parents, and a listing cached
            # below the root would hide what another process wrote or removed since.
            fs.invalidate_cache()
        except Exception:  # pragma: no cover - a backend without a listings cache
            logger.debug("could not invalidate the listings cache of %s", root)
        lake_like = False
        if hosts is not None:
            try:
                top = fs.ls(root, detail=False)
            except FileNotFoundError:
                return out, False
            bases = []
            for p in top:
                name = str(p).rstrip("/").rsplit("/", 1)[-1]
                host = partition_host(name)
                lake_like = lake_like or host is not None
                if host is not None and host in hosts:
                    bases.append(str(p).rstrip("/"))
        else:
            bases = [root]
        for base in bases:
            try:
                found = fs.find(base, detail=True)
            except FileNotFoundError:
                continue
            for path, info in found.items():
                rel = str(path)[len(root) :].lstrip("/")
                parts = rel.split("/")
                host = partition_host(parts[0])
                lake_like = lake_like or host is not None
                if len(parts) != 3 or host is None or (hosts is not None and host not in hosts):
                    continue
                date = parse_partition(parts[1], DATE_KEY)
                if date is None or not self._date_ok(date, first_date, last_date):
                    continue
                kind, listed_us = file_kind(parts[2], date)
                if kind is None:
                    continue
                size = info.get("size") if isinstance(info, dict) else None
                out.append(
                    SnapshotFile(
                        str(path),
                        host,
                        date,
                        listed_us,
                        None if size is None else int(size),
                        kind,
                    )
                )
        return out, lake_like

    def _check_empty_root(self) -> None:
        root = self.root.rstrip("/")
        if self.object_store:
            bucket = root.strip("/").split("/", 1)[0]
            try:
                self.fs.info(bucket)
            except FileNotFoundError:
                raise SnapshotError(
                    f"the bucket {bucket!r} of the lake {self.user_path(self.root)} does not "
                    "exist (or these credentials cannot see it): check the URL and "
                    "storage_options",
                    permanent=True,
                ) from None
        elif not self.fs.exists(root):
            raise self._missing()
        try:
            held = [str(p).rstrip("/").rsplit("/", 1)[-1] for p in self.fs.ls(root, detail=False)]
        except FileNotFoundError:  # an empty prefix of an object store: an empty lake
            return
        seen = sorted(name for name in held if _visible(name))
        if seen:
            raise self._not_a_lake(seen)

    def read(self, path: str) -> bytes:
        return bytes(self.fs.cat_file(path))

    def read_many(self, paths: list[str]) -> dict[str, bytes | BaseException]:
        if len(paths) <= 1:
            return {}
        return dict(self.fs.cat(paths, on_error="return"))

    def footer(self, f: SnapshotFile) -> tuple[int | None, pq.FileMetaData]:
        with self.fs.open(f.path, "rb") as fh:
            return f.size, pq.read_metadata(fh)

    def parquet(self, path: str) -> pq.ParquetFile:
        # Opened without a read-ahead cache: pyarrow asks for the footer, then for the
        # column chunks it needs (coalesced), and nothing else is fetched.
        return pq.ParquetFile(self.fs.open(path, "rb", cache_type="none"), pre_buffer=True)

    def write_atomic(self, path: str, data: bytes) -> None:
        if not self.object_store:
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        self.fs.pipe_file(path, data)  # one put of the finished bytes

    def _unlink(self, path: str) -> None:
        self.fs.rm_file(path)

    def check_writable(self) -> None:
        where = self.user_path(self.root)
        with store_errors("reach", where):
            if self.object_store:
                bucket = self.root.strip("/").split("/", 1)[0]
                try:
                    self.fs.info(bucket)
                except FileNotFoundError:
                    raise SnapshotError(
                        f"cannot write snapshots under {where}: the bucket {bucket!r} does not "
                        "exist (or these credentials cannot see it); create it or check the URL",
                        permanent=True,
                    ) from None
            else:
                self.fs.makedirs(self.root, exist_ok=True)


def _partition_root(segments: list[str]) -> int | None:
    """Index of the first ``index_host=`` segment of a root's path, or None."""
    return next((i for i, s in enumerate(segments) if s.startswith(HOST_KEY)), None)


def open_store(root: str | os.PathLike[str], storage_options: dict[str, Any] | None) -> Store:
    """Open the lake's root: a local folder, or an fsspec URL with ``storage_options``.

    Raises
    ------
    ConfigurationError
        ``root`` or ``storage_options`` are unusable, or the fsspec backend is missing.
    SnapshotError
        ``root`` is a partition folder of a lake (the message names the root to pass).

    Examples
    --------
    >>> type(open_store("/tmp/lake", None)).__name__, type(open_store("memory://x", None)).__name__
    ('LocalStore', 'FsspecStore')
    >>> open_store("/data/lake/index_host=idx.io/date=2025-05-01", None)
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.SnapshotError: /data/lake/index_host=idx.io/date=2025-05-01 is a partition folder of the lake /data/lake: pass /data/lake as the root (and index_host='idx.io' to read one index)
    """  # noqa: E501
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
    given = root
    if root.startswith("file://"):
        root = root[len("file://") :]
    if "://" not in root:
        if storage_options:
            raise ConfigurationError(
                f"storage_options were given for the local path {root!r}; they only apply to "
                "fsspec URLs (s3://, gs://, az://, memory://): drop them or pass a URL"
            )
        store: Store = LocalStore(os.path.abspath(os.path.expanduser(root)))
    else:
        store = _open_fsspec(root, storage_options)
    segments = store.root.replace(os.sep, "/").split("/")
    at = _partition_root(segments)
    if at is not None:
        parent = "/".join(segments[:at]) or "/"
        host = parse_partition(segments[at], HOST_KEY)
        raise SnapshotError(
            f"{given} is a partition folder of the lake {store.user_path(parent)}: pass "
            f"{store.user_path(parent)} as the root (and index_host={host!r} to read one index)",
            permanent=True,
        )
    return store


def _check_scheme(root: str) -> None:
    """Refuse a URL whose scheme is not a lake's (``ftp://``, ``http://``), before any I/O.

    The scheme of the filesystem the data lives on is checked: the last of an fsspec
    chain (``simplecache::s3://...``). The URL itself is not repeated (it may hold a
    password); its scheme is, when it looks like one.

    Examples
    --------
    >>> _check_scheme("s3://bucket/lake")
    >>> _check_scheme("ftp://user:secret@127.0.0.1/lake")
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: a lake cannot be at an ftp:// URL: give a local folder or an abfs://, abfss://, adl://, az://, gcs://, gs://, oci://, oss://, s3:// or s3a:// URL (memory:// for a lake in this process)
    """  # noqa: E501
    scheme = root.rsplit("::", 1)[-1].split("://", 1)[0].lower()
    if scheme in LAKE_SCHEMES or _registered_by_user(scheme):
        return
    if re.fullmatch(r"[a-z][a-z0-9+.-]{0,15}", scheme):
        shown = f"{'an' if scheme[0] in 'aefhilmnorsx' else 'a'} {scheme}:// URL"
    else:
        shown = "a URL of that scheme"
    stores = [f"{s}://" for s in LAKE_SCHEMES if s != "memory"]
    raise ConfigurationError(
        f"a lake cannot be at {shown}: give a local folder or an "
        f"{', '.join(stores[:-1])} or {stores[-1]} URL (memory:// for a lake in this process)"
    )


def _registered_by_user(scheme: str) -> bool:
    """Tell whether ``scheme`` is a filesystem registered in fsspec that fsspec lacks itself."""
    try:
        from fsspec.registry import known_implementations, registry
    except ImportError:  # without fsspec, opening the lake says what to install
        return False
    return scheme in registry and scheme not in known_implementations


def _open_fsspec(root: str, storage_options: dict[str, Any] | None) -> Store:
    _check_scheme(root)  # before fsspec, which may look the host up (ftp://) or connect
    try:
        import fsspec
    except ImportError as exc:
        raise ConfigurationError(
            f"root {root!r} is a URL and reading or writing it needs fsspec and the "
            f"filesystem's backend: {LAKE_HINT}"
        ) from exc
    try:
        fs, path = fsspec.core.url_to_fs(root, **(storage_options or {}))
    except ImportError as exc:
        raise ConfigurationError(
            f"no fsspec backend for {root!r} ({exc}); the lake extra installs s3fs, gcsfs "
            f"and adlfs: {LAKE_HINT}"
        ) from exc
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"cannot open {root!r} with fsspec: {exc}") from exc
    proto = fs.protocol
    if "file" in ({proto} if isinstance(proto, str) else set(proto)):
        return LocalStore(os.path.abspath(path))
    return FsspecStore(str(path).rstrip("/") or "/", fs)


def is_arrow_error(exc: BaseException) -> bool:
    """Tell whether ``exc`` is Arrow's way of saying bytes are not (this) Parquet.

    Examples
    --------
    >>> is_arrow_error(pa.ArrowInvalid("bad magic")), is_arrow_error(KeyError("x"))
    (True, False)
    """
    return isinstance(exc, (pa.ArrowException, OSError)) and not isinstance(
        exc, (FileNotFoundError, PermissionError)
    )
