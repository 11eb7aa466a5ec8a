"""The emulator's state: the indexes of a project, their imports, and one simulated clock.

Nothing here knows about HTTP. A :class:`ProjectState` owns one
:class:`~pinecone_imports_frame.emulator.clock.SimulatedClock` and, per index, an
:class:`IndexState`: the index's settings (:class:`IndexConfig`) and its imports in listing
order. Every import's serialised JSON bytes are cached per (simulated now, options), so
serving a page is a slice and a bytes join.
"""

from __future__ import annotations

import bisect
import copy
import json
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from .clock import SimulatedClock, check_seconds
from .history import HOUR_US, History, assign_ids, plan_started_import
from .plans import Entry, ImportPlan, PlannedImport, VerbatimImport
from .versions import DEFAULT_VERSION, ApiVersion

logger = logging.getLogger(__name__)

__all__ = ["IndexConfig", "IndexState", "ProjectState"]

#: Pinecone's rule for index names: 1-45 lower-case alphanumerics or '-', alphanumeric ends.
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
#: The most imports one emulated index may hold at construction.
MAX_IMPORTS = 1_000_000
#: A deployment type: Pinecone's three, or a lower-case name for one it may add.
_DEPLOYMENT = re.compile(r"[a-z][a-z0-9_-]{0,39}")


def check_index_name(name: str) -> str:
    """Return ``name`` if Pinecone would accept it as an index name, else raise ValueError.

    Examples
    --------
    A name the console would take comes back as it is; any other is refused:

    >>> check_index_name("prod-search")
    'prod-search'
    >>> check_index_name("Prod_Search")
    Traceback (most recent call last):
    ...
    ValueError: index name 'Prod_Search' must be 1-45 characters of a-z, 0-9 and '-', ...
    """
    if (
        not isinstance(name, str)
        or not 1 <= len(name) <= 45
        or not set(name) <= _NAME_CHARS
        or name[0] == "-"
        or name[-1] == "-"
    ):
        raise ValueError(
            f"index name {name!r} must be 1-45 characters of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit"
        )
    return name


def check_imports(imports: int) -> int:
    """Return ``imports`` if it is a count an emulated index can hold, else raise.

    Examples
    --------
    >>> check_imports(250)
    250
    >>> check_imports(-5)
    Traceback (most recent call last):
    ...
    ValueError: imports must be a whole number from 0 to 1000000, got -5
    """
    if isinstance(imports, bool) or not isinstance(imports, int) or not 0 <= imports <= MAX_IMPORTS:
        raise ValueError(f"imports must be a whole number from 0 to {MAX_IMPORTS}, got {imports!r}")
    return imports


#: The environment each deployment type runs in (as Pinecone names them).
_ENVIRONMENTS = {
    "managed": "aped-4627-b74a",
    "pod": "us-east-1-aws",
    "byoc": "aws-us-east-1-b921",
}


@dataclass(frozen=True)
class IndexConfig:
    """What one emulated index is: its name, its imports and what the control plane says.

    Parameters
    ----------
    name : str
        Index name (Pinecone's rules: 1-45 of ``a-z``, ``0-9``, ``-``).
    imports : int
        Synthetic imports visible at the clock's starting time.
    seed : int
        Seed of the synthetic imports.
    records : sequence of dict or None
        Serve exactly these records (API camelCase form), verbatim, instead of synthetic ones.
    ready : bool
        False: the control plane reports ``status.ready`` false (``Initializing``) and the
        data plane answers as an index that is not up yet.
    deployment : str
        Where the index runs, as the control plane's ``deployment_type`` says it (2026-07;
        ``spec`` before): ``"managed"`` (serverless), ``"pod"`` (pod-based: bulk import is
        refused) or ``"byoc"`` (Pinecone's serverless data plane in the customer's cloud).
        Any other lower-case name plays a deployment type Pinecone may add later.
    pod : bool
        True: the same as ``deployment="pod"`` (kept for older code).
    imports_supported : bool
        False: the data plane answers every bulk-import request 501 (UNIMPLEMENTED), "bulk
        import is not supported", as a BYOC environment without it would.
    private_host : bool
        True: the index is also served on a port of its own as its private endpoint, which
        the control plane gives as ``private_host``.
    documents : bool
        True: a document index (2026-07): its ``schema`` holds document fields (text with
        full-text search and integrated embedding), it imports JSON Lines, not Parquet, and
        its failed imports say so ("No JSONL files found", a bad line, a field of the wrong
        type).
    latency : float
        Seconds added to every request to this index's data plane.
    dimension, metric
        Reported by the control plane's IndexModel.

    Examples
    --------
    >>> served = [{"id": "1", "status": "Completed"}]
    >>> config = IndexConfig("idx", records=served)
    >>> served[0]["status"] = "Failed"  # the config keeps its own copy
    >>> config.records[0]["status"], config.ready
    ('Completed', True)
    >>> IndexConfig("old", pod=True).deployment, IndexConfig("b", deployment="byoc").environment
    ('pod', 'aws-us-east-1-b921')
    """

    name: str
    imports: int = 250
    seed: int = 0
    records: tuple[Mapping[str, Any], ...] | None = None
    ready: bool = True
    pod: bool = False
    latency: float = 0.0
    dimension: int = 1024
    metric: str = "cosine"
    deployment: str = "managed"
    imports_supported: bool = True
    private_host: bool = False
    documents: bool = False

    def __post_init__(self) -> None:
        check_index_name(self.name)
        check_imports(self.imports)
        if not isinstance(self.deployment, str) or not _DEPLOYMENT.fullmatch(self.deployment):
            raise ValueError(
                f"deployment must be 'managed', 'pod', 'byoc' or another lower-case name, "
                f"got {self.deployment!r}"
            )
        if self.pod and self.deployment not in ("managed", "pod"):
            raise ValueError(f"pod=True contradicts deployment={self.deployment!r}")
        if self.pod or self.deployment == "pod":
            object.__setattr__(self, "pod", True)
            object.__setattr__(self, "deployment", "pod")
        if self.documents and self.pod:
            raise ValueError("a document index is serverless: documents=True takes no pod")
        object.__setattr__(self, "latency", check_seconds("latency", self.latency))
        if self.records is not None:
            frozen = tuple(copy.deepcopy(dict(r)) for r in self.records)
            object.__setattr__(self, "records", frozen)

    @property
    def environment(self) -> str:
        """The environment the control plane names for the index's deployment."""
        return _ENVIRONMENTS.get(self.deployment, f"{self.deployment}-us-east-1")


class IndexState:
    """The imports of one index, in listing order, with a per-import bytes cache.

    Parameters
    ----------
    config : IndexConfig
        The index's settings.
    start_us : int
        The simulated time at which ``config.imports`` imports are visible.
    lock : threading.RLock
        The lock shared with the owning :class:`ProjectState`.

    Examples
    --------
    >>> import threading
    >>> index = IndexState(IndexConfig("idx", imports=3), 10**15, threading.RLock())
    >>> items, total = index.page(10**15, 0, 2)
    >>> len(items), total
    (2, 3)
    """

    def __init__(self, config: IndexConfig, start_us: int, lock: threading.RLock) -> None:
        self.config = config
        self.name = config.name
        self._lock = lock
        self._history: History | None = None
        self._hours_drawn = 0
        entries: list[Entry]
        if config.records is not None:
            entries = [
                VerbatimImport(copy.deepcopy(dict(r)), position)
                for position, r in enumerate(config.records)
            ]
        else:
            self._history = History(
                index_name=config.name,
                seed=config.seed,
                imports=config.imports,
                start_us=start_us,
                documents=config.documents,
            )
            visible, later = self._history.initial()
            self._next_id = assign_ids(later, assign_ids(visible, 1))
            entries = [*visible, *later]
        self._entries: list[Entry] = sorted(entries, key=lambda e: e.sort_key)
        self._keys: list[tuple[int, str]] = [e.sort_key for e in self._entries]
        self._by_id: dict[str, Entry] = {}
        for entry in self._entries:
            self._by_id.setdefault(entry.id, entry)
        if config.records is not None:  # started imports must not take a given record's id
            self._next_id = 1 + max((int(i) for i in self._by_id if i.isdigit()), default=0)
        self._version = 0
        self._cache_key: tuple[int, bool, str, int] | None = None
        self._visible = 0
        self._bytes: list[bytes | None] = []

    def _insert(self, entry: Entry) -> None:
        at = bisect.bisect_right(self._keys, entry.sort_key)
        self._entries.insert(at, entry)
        self._keys.insert(at, entry.sort_key)
        self._by_id.setdefault(entry.id, entry)
        self._version += 1

    def _catch_up(self, now_us: int) -> None:
        """Draw the arrivals of every hour the clock has reached (each hour once)."""
        history = self._history
        if history is None or now_us < history.start_us + (self._hours_drawn + 1) * HOUR_US:
            return
        current = (now_us - history.start_us) // HOUR_US
        while self._hours_drawn < current:
            self._hours_drawn += 1
            arrivals = sorted(history.hour(self._hours_drawn), key=lambda p: p.created_us)
            self._next_id = assign_ids(arrivals, self._next_id)
            for plan in arrivals:
                self._insert(plan)

    def _visible_count(self, now_us: int) -> int:
        return bisect.bisect_right(self._keys, (now_us, "\U0010ffff"))

    def _refresh(self, now_us: int, int64_as_string: bool, api_version: ApiVersion) -> None:
        key = (now_us, int64_as_string, api_version.name, self._version)
        if key != self._cache_key:
            self._cache_key = key
            self._visible = self._visible_count(now_us)
            self._bytes = [None] * self._visible

    def page(
        self,
        now_us: int,
        offset: int,
        limit: int,
        *,
        int64_as_string: bool = False,
        api_version: ApiVersion = DEFAULT_VERSION,
    ) -> tuple[list[bytes], int]:
        """Return the serialised imports at ``offset`` (up to ``limit``) and the visible total.

        Examples
        --------
        >>> import threading
        >>> index = IndexState(IndexConfig("idx", imports=1), 10**15, threading.RLock())
        >>> index.page(10**15, 0, 100)[0][0].startswith(b'{"id":"1"')
        True
        """
        with self._lock:
            self._catch_up(now_us)
            self._refresh(now_us, int64_as_string, api_version)
            stop = min(offset + limit, self._visible)
            cache = self._bytes
            for i in range(offset, stop):
                if cache[i] is None:
                    record = self._entries[i].as_api_record(
                        now_us, int64_as_string=int64_as_string, api_version=api_version
                    )
                    cache[i] = json.dumps(record, separators=(",", ":")).encode()
            return cast("list[bytes]", cache[offset:stop]), self._visible

    def records(
        self,
        now_us: int,
        *,
        int64_as_string: bool = False,
        api_version: ApiVersion = DEFAULT_VERSION,
    ) -> list[dict[str, Any]]:
        """Return every visible import as the API serves it at ``now_us``, in listing order.

        Examples
        --------
        >>> import threading
        >>> index = IndexState(IndexConfig("idx", imports=2), 10**15, threading.RLock())
        >>> [r["id"] for r in index.records(10**15)]
        ['1', '2']
        """
        with self._lock:
            self._catch_up(now_us)
            count = self._visible_count(now_us)
            return [
                e.as_api_record(now_us, int64_as_string=int64_as_string, api_version=api_version)
                for e in self._entries[:count]
            ]

    def get(self, import_id: str, now_us: int) -> Entry | None:
        """Return the import with this id if it is visible at ``now_us``, else None.

        Examples
        --------
        >>> import threading
        >>> index = IndexState(IndexConfig("idx", imports=1), 10**15, threading.RLock())
        >>> index.get("1", 10**15).id, index.get("2", 10**15)
        ('1', None)
        """
        with self._lock:
            self._catch_up(now_us)
            entry = self._by_id.get(import_id)
            if entry is None or entry.sort_key[0] > now_us:
                return None
            return entry

    def truth(self, import_id: str, now_us: int) -> PlannedImport | None:
        """Return the plan of a visible synthetic or started import, else None.

        Examples
        --------
        >>> import threading
        >>> index = IndexState(IndexConfig("idx", imports=1), 10**15, threading.RLock())
        >>> index.truth("1", 10**15).finished_at <= index.truth("1", 10**15).indexing_ends_at
        True
        """
        entry = self.get(import_id, now_us)
        return entry.truth() if isinstance(entry, ImportPlan) else None

    def start(
        self,
        uri: str,
        now_us: int,
        *,
        integration_id: str | None = None,
        error_mode: str | None = None,
    ) -> str:
        """Start a new import at ``now_us`` (Pending, then runs to Completed); return its id.

        Examples
        --------
        >>> import threading
        >>> index = IndexState(IndexConfig("idx", imports=0), 0, threading.RLock())
        >>> new_id = index.start("s3://b/p/", 0)
        >>> index.records(0)[0]["id"] == new_id
        True
        """
        with self._lock:
            self._catch_up(now_us)
            import_id = str(self._next_id)
            self._next_id += 1
            plan = plan_started_import(
                self.name,
                import_id,
                uri,
                now_us,
                integration_id=integration_id,
                error_mode=error_mode,
            )
            self._insert(plan)
            return import_id

    def cancel(self, import_id: str, now_us: int) -> bool | None:
        """Cancel an import; None if unknown, else whether it took effect.

        Examples
        --------
        >>> import threading
        >>> index = IndexState(IndexConfig("idx", imports=0), 0, threading.RLock())
        >>> index.cancel("1", 0) is None, index.cancel(index.start("s3://b/", 0), 0)
        (True, True)
        """
        with self._lock:
            entry = self.get(import_id, now_us)
            if entry is None:
                return None
            changed = entry.cancel(now_us)
            if changed:
                self._version += 1
            return changed


@dataclass
class ProjectState:
    """The clock and the indexes (name -> :class:`IndexState`) of an emulated project.

    Parameters
    ----------
    configs : sequence of IndexConfig
        The indexes, in the order the control plane lists them (names must differ).
    clock : SimulatedClock
        The one clock every index follows.

    Examples
    --------
    >>> from datetime import datetime
    >>> state = ProjectState([IndexConfig("a", imports=3)], SimulatedClock(datetime(2025, 5, 1)))
    >>> len(state.index("a").records(state.clock.now_us))
    3
    """

    configs: Sequence[IndexConfig]
    clock: SimulatedClock
    indexes: dict[str, IndexState] = field(init=False)
    lock: threading.RLock = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = [c.name for c in self.configs]
        if len(set(names)) != len(names):
            raise ValueError(f"index names must differ, got {names}")
        self.lock = threading.RLock()
        self.indexes = {}
        self.reset()

    def reset(self) -> None:
        """Rebuild every index and rewind the clock to the starting time.

        Examples
        --------
        >>> from datetime import datetime
        >>> clock = SimulatedClock(datetime(2025, 5, 1))
        >>> state = ProjectState([IndexConfig("a", imports=0)], clock)
        >>> state.clock.advance(60)
        >>> state.reset()
        >>> state.clock.now().isoformat()
        '2025-05-01T00:00:00+00:00'
        """
        with self.lock:
            self.clock.reset()
            start = self.clock.start_us
            self.indexes = {c.name: IndexState(c, start, self.lock) for c in self.configs}

    def index(self, name: str) -> IndexState:
        """Return the state of the index called ``name`` (KeyError if there is none).

        Examples
        --------
        >>> from datetime import datetime
        >>> clock = SimulatedClock(datetime(2025, 5, 1))
        >>> state = ProjectState([IndexConfig("a", imports=2)], clock)
        >>> [r["id"] for r in state.index("a").records(clock.now_us)]
        ['1', '2']
        """
        return self.indexes[name]
