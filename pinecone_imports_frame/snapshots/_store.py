"""The lake's root on a filesystem: local disk or fsspec, behind one small interface.

:func:`open_store` turns a root (a path or an fsspec URL, with ``storage_options``) into a
:class:`Store`; the rest of the lake calls its methods and never asks which kind it has.
"""

from __future__ import annotations

import abc
import contextlib
import logging
import os
import secrets
from typing import Any

import pyarrow.parquet as pq

from ..errors import ConfigurationError, SnapshotError
from ._layout import DATE_KEY, DATE_RE, HOST_KEY, SnapshotFile, is_candidate, parse_partition
from ._layout import stamp_micros as _stamp_micros

logger = logging.getLogger(__name__)

LAKE_HINT = "pip install pinecone-imports-frame[lake]"
_OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oci", "oss"})


class Store(abc.ABC):
    """A lake's root on one filesystem.

    Attributes
    ----------
    root : str
        The root as the filesystem names it (an absolute path, or ``bucket/prefix``).
    """

    root: str

    @abc.abstractmethod
    def display(self, path: str) -> str:
        """Show a path as the user passes it back in: a local path or a full URL."""

    @abc.abstractmethod
    def join(self, *parts: str) -> str:
        """Join path segments below the root."""

    @abc.abstractmethod
    def scan(
        self,
        *,
        hosts: frozenset[str] | None = None,
        first_date: str | None = None,
        last_date: str | None = None,
    ) -> list[SnapshotFile]:
        """List every snapshot file, pruned by host and date before going deeper."""

    @abc.abstractmethod
    def read(self, path: str) -> bytes:
        """Read one file whole."""

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        """Fetch several files at once where the store does that better; {} otherwise."""
        return {}

    @abc.abstractmethod
    def footer(self, f: SnapshotFile) -> tuple[int | None, pq.FileMetaData]:
        """Read a file's size and Parquet footer (not its rows)."""

    @abc.abstractmethod
    def write_atomic(self, path: str, data: bytes) -> None:
        """Write a whole file so that readers see all of it or nothing."""

    @abc.abstractmethod
    def remove(self, path: str) -> None:
        """Delete one file."""

    def remove_empty_dirs(self, files: list[SnapshotFile]) -> None:  # noqa: B027
        """Remove the partition folders the removal of ``files`` emptied, where folders exist."""

    @abc.abstractmethod
    def check_writable(self) -> None:
        """Raise :class:`SnapshotError` unless snapshots can be written under the root."""

    @staticmethod
    def _date_ok(date: str, first_date: str | None, last_date: str | None) -> bool:
        return (
            bool(DATE_RE.match(date))
            and (first_date is None or date >= first_date)
            and (last_date is None or date <= last_date)
        )


class LocalStore(Store):
    """A root on local disk: walked level by level, written through a renamed temporary."""

    def __init__(self, root: str) -> None:
        self.root = root

    def display(self, path: str) -> str:
        return path

    def join(self, *parts: str) -> str:
        return os.path.join(self.root, *parts)

    def scan(
        self,
        *,
        hosts: frozenset[str] | None = None,
        first_date: str | None = None,
        last_date: str | None = None,
    ) -> list[SnapshotFile]:
        out: list[SnapshotFile] = []
        try:
            host_entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return out
        except NotADirectoryError as exc:
            raise ConfigurationError(f"root {self.root!r} is a file, not a folder") from exc
        for he in host_entries:
            host = parse_partition(he.name, HOST_KEY)
            if host is None or not he.is_dir() or (hosts is not None and host not in hosts):
                continue
            for de in os.scandir(he.path):
                date = parse_partition(de.name, DATE_KEY)
                if date is None or not self._date_ok(date, first_date, last_date):
                    continue
                if not de.is_dir():
                    continue
                for fe in os.scandir(de.path):
                    if is_candidate(fe.name) and fe.is_file():
                        out.append(SnapshotFile(fe.path, host, date, _stamp_micros(fe.name), None))
        return out

    def read(self, path: str) -> bytes:
        with open(path, "rb") as fh:
            return fh.read()

    def footer(self, f: SnapshotFile) -> tuple[int | None, pq.FileMetaData]:
        md = pq.read_metadata(f.path)
        return (os.path.getsize(f.path) if f.size is None else f.size), md

    def write_atomic(self, path: str, data: bytes) -> None:
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

    def remove(self, path: str) -> None:
        os.unlink(path)

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
                "folder you may write to"
            ) from None


class FsspecStore(Store):
    """A root on an fsspec filesystem: listed once per host prefix, written in one put."""

    def __init__(self, root: str, fs: Any) -> None:
        self.root = root
        self.fs = fs
        proto = fs.protocol
        protocols = {proto} if isinstance(proto, str) else set(proto)
        self.object_store = bool(protocols & _OBJECT_STORES)

    def display(self, path: str) -> str:
        return str(self.fs.unstrip_protocol(path))

    def join(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts])

    def scan(
        self,
        *,
        hosts: frozenset[str] | None = None,
        first_date: str | None = None,
        last_date: str | None = None,
    ) -> list[SnapshotFile]:
        out: list[SnapshotFile] = []
        fs = self.fs
        root = self.root.rstrip("/")
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
                host = parse_partition(name, HOST_KEY)
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
                if len(parts) != 3 or not is_candidate(parts[2]):
                    continue
                host = parse_partition(parts[0], HOST_KEY)
                date = parse_partition(parts[1], DATE_KEY)
                if host is None or date is None or not self._date_ok(date, first_date, last_date):
                    continue
                if hosts is not None and host not in hosts:
                    continue
                size = info.get("size") if isinstance(info, dict) else None
                out.append(
                    SnapshotFile(
                        str(path),
                        host,
                        date,
                        _stamp_micros(parts[2]),
                        None if size is None else int(size),
                    )
                )
        return out

    def read(self, path: str) -> bytes:
        return bytes(self.fs.cat_file(path))

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        if len(paths) <= 1:
            return {}
        return dict(self.fs.cat(paths))

    def footer(self, f: SnapshotFile) -> tuple[int | None, pq.FileMetaData]:
        with self.fs.open(f.path, "rb") as fh:
            return f.size, pq.read_metadata(fh)

    def write_atomic(self, path: str, data: bytes) -> None:
        if not self.object_store:
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        self.fs.pipe_file(path, data)  # one put of the finished bytes

    def remove(self, path: str) -> None:
        self.fs.rm_file(path)

    def check_writable(self) -> None:
        where = self.display(self.root)
        try:
            bucket = self.root.strip("/").split("/", 1)[0]
            reachable = self.fs.exists(bucket if self.object_store else self.root)
            if not reachable and self.object_store:
                raise SnapshotError(
                    f"cannot write snapshots under {where}: the bucket {bucket!r} does not "
                    "exist (or these credentials cannot see it); create it or check the URL"
                )
        except SnapshotError:
            raise
        except Exception as exc:  # botocore, gcsfs and adlfs raise their own kinds
            raise SnapshotError(
                f"cannot reach {where}: {type(exc).__name__}: {exc}; check the URL, the "
                "network and storage_options (endpoint_url, credentials)"
            ) from None


def open_store(root: str | os.PathLike[str], storage_options: dict[str, Any] | None) -> Store:
    """Open the lake's root: a local folder, or an fsspec URL with ``storage_options``.

    Examples
    --------
    >>> type(open_store("/tmp/lake", None)).__name__, type(open_store("memory://x", None)).__name__
    ('LocalStore', 'FsspecStore')
    """
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
        return LocalStore(os.path.abspath(os.path.expanduser(root)))
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
            f"no fsspec backend for {root!r} ({exc}); {LAKE_HINT} "
            "(it installs s3fs, gcsfs and adlfs)"
        ) from exc
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"cannot open {root!r} with fsspec: {exc}") from exc
    proto = fs.protocol
    if "file" in ({proto} if isinstance(proto, str) else set(proto)):
        return LocalStore(os.path.abspath(path))
    return FsspecStore(str(path).rstrip("/") or "/", fs)
