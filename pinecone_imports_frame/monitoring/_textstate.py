"""What ``metrics --textfile`` remembers between cron runs: a state file beside the textfile.

A long-running exporter remembers, per running import, when its progress last changed,
since when it sits at 100 % and its loading samples of the last hour; it keeps the last
good figures of an index whose listing fails. A textfile run is a fresh process, so it
keeps the same in ``PATH.state.json`` (beside ``PATH``, in the same folder: the rename
that replaces it is atomic there, and node_exporter's textfile collector reads only
``*.prom`` files): read before the listing, written after it.

The file holds per index its view (the figures of its last good listing and its
listing's health, and the counter of failures seen, ``failed_total``), the host it is
listed on (for a control plane that fails), the failed imports of its last listing (so
that the counter counts each once, across runs) and its running imports' memory: times
in µs by Pinecone's clock (the listing's ``listed_at``, corrected by the server's
``Date``, as the running memory counts), ids and names as the ``.prom`` file shows them
(printable, redacted, at most 128 characters), never the key. It is bounded as the
memory is: the imports running at the last listing (at most 500 per index, their samples
of the last hour), the failed imports listed, the indexes listed; an index whose name a
label would change (never a Pinecone index name) is not
kept. A state file that cannot be used is said (a warning) and the run starts afresh.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._text import printable
from ..schema import STATUSES
from ._metrics import IndexView
from ._running import RunningImport, RunningImports, from_json, to_json

if TYPE_CHECKING:
    from ._exporter import ImportsExporter, _Index

logger = logging.getLogger(__name__)

#: Added to the textfile's path to name its state file.
STATE_SUFFIX = ".state.json"
#: What marks a state file as this exporter's.
KIND = "pinecone-imports-frame/metrics-textfile-state"
#: The version written; a newer one is not read. Version 1 had no counter of failures
#: (read as none seen: the next listing counts no failure, as an exporter's first).
VERSION = 2

_FLOATS = tuple(f for f in RunningImport.__dataclass_fields__ if f not in ("id", "phase"))
_PHASES = ("pending", "loading", "indexing")


def state_path(textfile: str | os.PathLike[str]) -> str:
    """Return the path of the state file of ``textfile``: beside it, ``.state.json`` added.

    Examples
    --------
    >>> state_path("/var/lib/node_exporter/pinecone_imports.prom")
    '/var/lib/node_exporter/pinecone_imports.prom.state.json'
    """
    return os.fspath(textfile) + STATE_SUFFIX


class _Unusable(Exception):
    """A state file this run cannot use: why, and whether to replace it."""

    def __init__(self, why: str, *, replace: bool = True) -> None:
        super().__init__(why)
        self.replace = replace


def _listing(exporter: ImportsExporter) -> dict[str, Any]:
    """Say what the exporter lists, as the state file names it: another listing, another memory."""
    conn, text = exporter.connection, exporter._label
    return {
        "all_indexes": exporter.all_indexes,
        "indexes": None if exporter.indexes is None else sorted(map(text, exporter.indexes)),
        "index_name": text(conn.index_name or ""),
        "index_host": text(conn.index_host or ""),
    }


def _host(exporter: ImportsExporter, index: _Index) -> str:
    """Return the host a project's index is listed on, kept for a control plane that fails.

    While the control plane fails, the exporter lists the indexes it knows on their hosts:
    the next run needs them too. "" where none is known, or where the host is not written
    as a label would be (never a Pinecone host).
    """
    return index.host if exporter._label(index.host) == index.host else ""


def _view_state(view: IndexView) -> dict[str, Any]:
    return {
        "name": view.name,
        "host": view.host,
        "success": view.success,
        "listed_unix": view.listed_unix,
        "duration_seconds": view.duration_seconds,
        "statuses": view.statuses,
        "failed": view.failed,
        "failed_total": view.failed_total,
        "retry_traps": view.retry_traps,
        "running": [
            {"id": r.id, "phase": r.phase, **{f: to_json(getattr(r, f)) for f in _FLOATS}}
            for r in view.running
        ],
        "finished": [[i, to_json(r), to_json(v)] for i, r, v in view.finished],
    }


class _Reader:
    """Check a state file's values as they are taken: each type, each label as written."""

    def __init__(self, text: Callable[[object], str]) -> None:
        self._label = text

    def label(self, x: object) -> str:
        if not isinstance(x, str) or self._label(x) != x:
            raise ValueError("a label value as the exporter writes them")
        return x

    @staticmethod
    def count(x: object) -> int:
        if type(x) is not int or x < 0:
            raise ValueError("a count")
        return x

    number = staticmethod(from_json)

    def optional(self, x: object) -> float | None:
        return None if x is None else self.number(x)

    def view(self, v: dict[str, Any]) -> IndexView:
        statuses = v["statuses"]
        if statuses is not None:
            statuses = {
                (s if s in STATUSES else self.label(s)): self.count(n) for s, n in statuses.items()
            }
        success = v["success"]
        if success not in (None, True, False):
            raise ValueError("success: true, false or null")
        running = []
        for r in v["running"]:
            if r["phase"] not in _PHASES:
                raise ValueError("a phase")
            floats = {f: self.number(r.get(f)) for f in _FLOATS}  # pending_seconds: new in 2
            running.append(RunningImport(id=self.label(r["id"]), phase=r["phase"], **floats))
        return IndexView(
            name=self.label(v["name"]),
            host=self.label(v["host"]),
            success=success,
            listed_unix=self.optional(v["listed_unix"]),
            duration_seconds=self.optional(v["duration_seconds"]),
            statuses=statuses,
            failed={self.label(c): self.count(n) for c, n in v["failed"].items()},
            failed_total={
                self.label(c): self.count(n) for c, n in v.get("failed_total", {}).items()
            },
            retry_traps=self.count(v["retry_traps"]),
            running=running,
            finished=[(self.label(i), self.number(r), self.number(n)) for i, r, n in v["finished"]],
        )


class TextfileState:
    """The state file of a textfile: read into an exporter before its listing, written after.

    Parameters
    ----------
    textfile : str or os.PathLike
        The metrics file (``--textfile``); the state is :func:`state_path` of it.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import pinecone_imports_frame as pif
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> from pinecone_imports_frame.monitoring import ImportsExporter
    >>> textfile = pathlib.Path(tempfile.mkdtemp(), "imports.prom")
    >>> with Emulator(imports=20, seed=1) as emu:
    ...     conn = pif.Connection.resolve(emu.url, api_key=emu.api_key)
    ...     for run in range(2):  # two runs from cron: the second remembers the first
    ...         exporter = ImportsExporter(connection=conn)
    ...         state = TextfileState(textfile)
    ...         state.restore(exporter)
    ...         _ = exporter.refresh()
    ...         exporter.write_textfile(textfile)
    ...         state.save(exporter)
    >>> sorted(p.name for p in textfile.parent.iterdir())
    ['imports.prom', 'imports.prom.state.json']
    """

    def __init__(self, textfile: str | os.PathLike[str]) -> None:
        self.path = state_path(textfile)
        #: False when the file is not this exporter's (another tool's): it is left alone.
        self.writable = True

    def restore(self, exporter: ImportsExporter) -> None:
        """Give ``exporter`` the memory and the last figures the state file holds.

        A missing file is a first run. A file that cannot be used (unreadable, not JSON,
        malformed, of a newer version, for another listing, another tool's) is logged as a
        warning saying which and why, and the run starts afresh; another tool's file is
        left as it is (:attr:`writable` False), the others are replaced after the run.
        """
        try:
            indexes = self._read(exporter)
        except _Unusable as exc:
            self.writable = exc.replace
            logger.warning(
                "the state file %s %s: the stall and indexing times start afresh%s",
                printable(self.path),
                exc,
                "; it is replaced after this run"
                if exc.replace
                else " (it is left as it is, and nothing is remembered: move it away)",
            )
            return
        exporter._indexes.update(indexes)

    def _read(self, exporter: ImportsExporter) -> dict[str, Any]:
        from ._exporter import _Index

        try:
            with open(self.path, "rb") as f:
                data = json.loads(f.read().decode("utf-8"))
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise _Unusable(f"cannot be read ({printable(exc.strerror or exc)})") from None
        except ValueError as exc:  # not UTF-8, not JSON
            raise _Unusable(f"is not JSON ({printable(exc)})") from None
        if not isinstance(data, dict) or data.get("kind") != KIND:
            raise _Unusable(
                f'is not this exporter\'s (no "kind": "{KIND}"): another tool\'s file?',
                replace=False,
            )
        version = data.get("version")
        if type(version) is not int or version < 1:
            raise _Unusable("has no valid version")
        if version > VERSION:
            raise _Unusable(
                f"was written by a newer pinecone-imports-frame (state version {version}; "
                f"this one reads {VERSION})"
            )
        if data.get("listing") != _listing(exporter):
            raise _Unusable("was written for another listing (other indexes or options)")
        read = _Reader(exporter._label)
        indexes = {}
        try:
            for entry in data["indexes"]:
                running = RunningImports()
                running.restore(entry["running"])
                key = read.label(entry["key"])
                index = indexes[key] = _Index(read.view(entry["view"]), running)
                index.host = read.label(entry["listed_on"])
                if version > 1:
                    seen = entry["failed_seen"]
                    index.failed_seen = None if seen is None else frozenset(map(read.label, seen))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _Unusable(f"is malformed ({type(exc).__name__}: {printable(exc)})") from None
        return indexes

    def save(self, exporter: ImportsExporter) -> None:
        """Write what ``exporter`` remembers, atomically (a temporary file, then a rename).

        Nothing is written when the file is another tool's. An ``OSError`` names the
        state file, never the temporary one.
        """
        if not self.writable:
            return
        data = {
            "kind": KIND,
            "version": VERSION,
            "listing": _listing(exporter),
            "indexes": [
                {
                    "key": key,
                    "view": _view_state(index.view),
                    "running": index.running.memory(),
                    "listed_on": _host(exporter, index),
                    "failed_seen": None if index.failed_seen is None else sorted(index.failed_seen),
                }
                for key, index in exporter._indexes.items()
                if exporter._label(key) == key  # a label as the .prom file has it, no other
            ],
        }
        text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        folder, name = os.path.split(os.path.abspath(self.path))
        try:
            fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self.path) from exc
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise OSError(exc.errno, exc.strerror, self.path) from exc
