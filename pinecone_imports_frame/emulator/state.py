"""The emulator's state: imports, their synthetic generation, and a simulated clock.

Nothing here knows about HTTP. An :class:`EmulatorState` owns one :class:`SimulatedClock`
and a mapping of index name -> :class:`ImportStore`. A store holds entries in listing
order: either :class:`ImportPlan` (a synthetic or started import whose state at any
simulated time is computed from its plan) or :class:`VerbatimImport` (a record given by
the user, served as is and unaffected by the clock).

Every entry's serialised JSON bytes are cached per (simulated now, options, version), so
serving a page is a slice and a bytes join.
"""

from __future__ import annotations

import bisect
import copy
import json
import logging
import math
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, cast

logger = logging.getLogger(__name__)

__all__ = [
    "EmulatorState",
    "ImportPlan",
    "ImportStore",
    "SimulatedClock",
    "VerbatimImport",
    "format_timestamp",
    "generate_plans",
]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = 1_000_000
_DAY_US = 86_400 * _US
#: How far back synthetic imports were created.
_HISTORY_US = 30 * _DAY_US
#: How far ahead synthetic imports are scheduled (they appear as the clock advances).
_FUTURE_US = 3 * _DAY_US
#: Share of the past count that is scheduled in the future (same rate as the past).
_FUTURE_SHARE = _FUTURE_US / _HISTORY_US
#: Status mix of the imports visible at construction time.
_MIX = (
    ("Completed", 0.70),
    ("Failed", 0.08),
    ("Cancelled", 0.04),
    ("InProgress", 0.12),
    ("Pending", 0.06),
)
#: Final outcome of imports still running (or not yet created) at construction time.
_OUTCOMES = (("Completed", 0.86), ("Failed", 0.09), ("Cancelled", 0.05))
#: Sort key of verbatim records: before every planned import, in the order given.
_VERBATIM_KEY_US = -(2**62)

_BUCKETS = (
    "acme-embeddings",
    "ml-exports-prod",
    "vector-staging",
    "search-corpus-2025",
    "recsys-features",
    "docs-rag-ingest",
)
_AZURE_ACCOUNTS = ("acmeml", "vectorlake", "ragstore01")
_DATASETS = ("articles", "products", "support-tickets", "images", "chunks", "users")
_ERRORS = (
    "No Parquet files found under {uri}: expected {{namespace}}/*.parquet",
    "Schema mismatch in {file}: column 'values' has type list<double>, expected list<float>",
    "Access denied to bucket '{bucket}': the storage integration lacks read permission",
    "Vector dimension 768 in {file} does not match index dimension 1024",
    "Invalid Parquet file {file}: footer is corrupt or truncated",
    "Missing required column 'id' in {file}",
    "Metadata size exceeds the 40KB limit for record 'doc-{n}-chunk-{k}' in {file}",
)


def format_timestamp(us: int) -> str:
    """Format microseconds since the Unix epoch as RFC 3339 UTC with six decimals and "Z".

    Parameters
    ----------
    us : int
        Microseconds since 1970-01-01T00:00:00Z.

    Returns
    -------
    str
        For example ``"2025-05-01T12:34:56.123456Z"``.

    Examples
    --------
    >>> format_timestamp(1_746_102_896_123_456)
    '2025-05-01T12:34:56.123456Z'
    """
    return (_EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


class SimulatedClock:
    """A clock that only :meth:`advance` moves, in whole microseconds.

    Parameters
    ----------
    now : datetime or None
        Starting time; naive datetimes are taken as UTC. None means the wall clock at
        construction, truncated to the second.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> clock = SimulatedClock(datetime(2025, 5, 1, tzinfo=timezone.utc))
    >>> clock.advance(90)
    >>> clock.now().isoformat()
    '2025-05-01T00:01:30+00:00'
    """

    def __init__(self, now: datetime | None = None) -> None:
        if now is None:
            now = datetime.now(timezone.utc).replace(microsecond=0)
        self.start_us = _to_us(now)
        self.now_us = self.start_us

    def now(self) -> datetime:
        """Return the simulated current time as a tz-aware UTC datetime.

        Examples
        --------
        >>> SimulatedClock().now().tzinfo is not None
        True
        """
        return _EPOCH + timedelta(microseconds=self.now_us)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (>= 0).

        Examples
        --------
        >>> clock = SimulatedClock()
        >>> before = clock.now()
        >>> clock.advance(1.5)
        >>> (clock.now() - before).total_seconds()
        1.5
        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"advance() takes a finite number of seconds >= 0, got {seconds!r}")
        self.now_us += round(seconds * _US)

    def reset(self) -> None:
        """Return to the starting time.

        Examples
        --------
        >>> clock = SimulatedClock()
        >>> start = clock.now()
        >>> clock.advance(10)
        >>> clock.reset()
        >>> clock.now() == start
        True
        """
        self.now_us = self.start_us


@dataclass
class ImportPlan:
    """The life of one import: created, Pending, InProgress, indexing, then its outcome.

    All offsets are microseconds after ``created_us``. Running progress is proportional
    to time; the indexing phase reports 100 % while still InProgress. A Failed or
    Cancelled outcome stops the import at ``stop_us``; :meth:`cancel` can stop it earlier.

    Examples
    --------
    >>> plan = ImportPlan(id="1", uri="s3://b/p/", created_us=0, pending_us=10**6,
    ...                   running_us=10**6, indexing_us=10**6, total_records=10)
    >>> plan.view(1_500_000)["status"], plan.view(1_500_000)["recordsImported"]
    ('InProgress', 5)
    >>> plan.view(3_000_000)["status"]
    'Completed'
    """

    id: str
    uri: str
    created_us: int
    pending_us: int
    running_us: int
    indexing_us: int
    total_records: int
    outcome: str = "Completed"
    stop_us: int = 0
    error: str | None = None
    integration_id: str | None = None
    error_mode: str | None = None
    cancelled_at_us: int | None = None

    @property
    def key(self) -> tuple[int, str]:
        """Listing sort key: (createdAt, id)."""
        return (self.created_us, self.id)

    def _end(self) -> tuple[str, int]:
        if self.outcome == "Completed":
            status, end = "Completed", self.pending_us + self.running_us + self.indexing_us
        else:
            status, end = self.outcome, self.stop_us
        if self.cancelled_at_us is not None:
            cancel = self.cancelled_at_us - self.created_us
            if cancel < end:
                status, end = "Cancelled", cancel
        return status, end

    def _progress(self, t: int) -> float:
        if t <= self.pending_us:
            return 0.0
        if t >= self.pending_us + self.running_us:
            return 1.0
        return (t - self.pending_us) / self.running_us

    def finished(self, now_us: int) -> bool:
        """Whether the import is in a terminal status at ``now_us``.

        Examples
        --------
        >>> ImportPlan("1", "s3://b/", 0, 1, 1, 1, 5).finished(3)
        True
        """
        return now_us - self.created_us >= self._end()[1]

    def cancel(self, now_us: int) -> bool:
        """Cancel at ``now_us`` unless already finished; return whether it took effect.

        Examples
        --------
        >>> plan = ImportPlan("1", "s3://b/", 0, 10, 10, 10, 5)
        >>> plan.cancel(5), plan.view(5)["status"]
        (True, 'Cancelled')
        """
        if now_us < self.created_us or self.finished(now_us):
            return False
        self.cancelled_at_us = now_us
        return True

    def view(self, now_us: int, int64_as_string: bool = False) -> dict[str, Any]:
        """Return the import as the API serves it at ``now_us`` (camelCase keys).

        Examples
        --------
        >>> ImportPlan("7", "gs://b/", 0, 10, 10, 10, 5).view(0)["status"]
        'Pending'
        """
        t = now_us - self.created_us
        final, end = self._end()
        done = t >= end
        progress = self._progress(end if done else t)
        status = final if done else ("Pending" if t < self.pending_us else "InProgress")
        if status == "Completed":
            percent, records = 100.0, self.total_records
        else:
            percent = math.floor(progress * 10_000) / 100
            records = int(self.total_records * progress)
        out: dict[str, Any] = {
            "id": self.id,
            "uri": self.uri,
            "status": status,
            "createdAt": format_timestamp(self.created_us),
        }
        if done:
            out["finishedAt"] = format_timestamp(self.created_us + end)
        out["percentComplete"] = percent
        out["recordsImported"] = str(records) if int64_as_string else records
        if status == "Failed" and self.error is not None:
            out["error"] = self.error
        return out


@dataclass
class VerbatimImport:
    """A user-supplied record, served exactly as given whatever the clock says.

    Examples
    --------
    >>> VerbatimImport({"id": "x", "status": "Weird"}, position=0).view(0)
    {'id': 'x', 'status': 'Weird'}
    """

    record: dict[str, Any]
    position: int

    @property
    def id(self) -> str:
        """The record's ``id`` as a string ("" when it has none)."""
        value = self.record.get("id")
        return "" if value is None else str(value)

    @property
    def key(self) -> tuple[int, str]:
        """Listing sort key: before planned imports, in the order given."""
        return (_VERBATIM_KEY_US, f"{self.position:012d}")

    def cancel(self, now_us: int) -> bool:
        """Verbatim records are not affected by cancellation; always False.

        Examples
        --------
        >>> VerbatimImport({"id": "x"}, 0).cancel(0)
        False
        """
        return False

    def view(self, now_us: int, int64_as_string: bool = False) -> dict[str, Any]:
        """Return a deep copy of the record (``recordsImported`` as a string if asked).

        Examples
        --------
        >>> VerbatimImport({"id": "x", "recordsImported": 5}, 0).view(0, True)
        {'id': 'x', 'recordsImported': '5'}
        """
        out = copy.deepcopy(self.record)
        value = out.get("recordsImported")
        if int64_as_string and isinstance(value, int) and not isinstance(value, bool):
            out["recordsImported"] = str(value)
        return out


Entry = ImportPlan | VerbatimImport


def _weighted(rng: random.Random, table: Sequence[tuple[str, float]]) -> str:
    return rng.choices([name for name, _ in table], weights=[w for _, w in table])[0]


def _uri(rng: random.Random, created_us: int) -> tuple[str, str]:
    day = format_timestamp(created_us)[:10]
    dataset = rng.choice(_DATASETS)
    prefix = f"{dataset}/{day}/batch-{rng.randrange(1, 10_000):04d}/"
    kind = rng.random()
    if kind < 0.6:
        bucket = rng.choice(_BUCKETS)
        return f"s3://{bucket}/{prefix}", bucket
    if kind < 0.85:
        bucket = rng.choice(_BUCKETS)
        return f"gs://{bucket}/{prefix}", bucket
    account = rng.choice(_AZURE_ACCOUNTS)
    container = rng.choice(_BUCKETS)
    return f"https://{account}.blob.core.windows.net/{container}/{prefix}", container


def _error(rng: random.Random, uri: str, bucket: str) -> str:
    template = rng.choice(_ERRORS)
    file = f"part-{rng.randrange(0, 200):05d}.parquet"
    return template.format(
        uri=uri,
        bucket=bucket,
        file=file,
        n=rng.randrange(1, 100_000),
        k=rng.randrange(0, 50),
    )


def _durations(rng: random.Random) -> tuple[int, int, int, int]:
    total_records = int(10 ** rng.uniform(3.0, 7.3))
    throughput = rng.uniform(2_000.0, 20_000.0)
    pending = round(rng.uniform(2.0, 300.0) * _US)
    running = max(30 * _US, round(total_records / throughput * _US))
    # Indexing at 100 % takes a fixed start-up plus time in proportion to the records, so
    # that big imports, not small ones, are the slow ones (records_per_second is realistic).
    indexing = round((rng.uniform(20.0, 120.0) + total_records / rng.uniform(1e4, 5e4)) * _US)
    return total_records, pending, running, indexing


def _new_plan(rng: random.Random, now_us: int, target: str | None) -> ImportPlan:
    """Draw one plan whose status at ``now_us`` is ``target`` (None: created in the future)."""
    total_records, pending, running, indexing = _durations(rng)
    if target in ("Completed", "Failed", "Cancelled"):
        outcome = target
    else:
        outcome = _weighted(rng, _OUTCOMES)
    stop = 0
    if outcome == "Failed":
        stop = pending + round(rng.uniform(0.01, 0.9) * running)
    elif outcome == "Cancelled":
        # Imports still running at construction are cancelled later, while running.
        if target == "Cancelled" and rng.random() < 0.3:
            stop = round(rng.uniform(0.1, 0.9) * pending)
        else:
            stop = pending + round(rng.uniform(0.05, 0.95) * running)
    end = pending + running + indexing if outcome == "Completed" else stop
    if target is None:
        created = now_us + rng.randrange(_US, _FUTURE_US)
    else:
        if target == "Pending":
            age = rng.randrange(0, pending)
        elif target == "InProgress":
            # Still running at now: anywhere from leaving Pending to just before the end.
            age = rng.randrange(pending, max(pending + 1, end))
        else:
            age = rng.randrange(end + _US, _HISTORY_US)
        created = now_us - age
    plan = ImportPlan(
        id="",
        uri="",
        created_us=created,
        pending_us=pending,
        running_us=running,
        indexing_us=indexing,
        total_records=total_records,
        outcome=outcome,
        stop_us=stop,
    )
    plan.uri, bucket = _uri(rng, created)
    if outcome == "Failed":
        plan.error = _error(rng, plan.uri, bucket)
    return plan


def generate_plans(count: int, seed: int, now_us: int) -> list[ImportPlan]:
    """Deterministically generate ``count`` imports visible at ``now_us``, plus future ones.

    The visible ones follow a realistic status mix (about 70 % Completed, 8 % Failed,
    4 % Cancelled, 12 % InProgress, 6 % Pending) with createdAt over the previous 30 days;
    about a tenth as many more are scheduled over the next 3 days and appear as the clock
    advances. Ids are numeric strings in createdAt order, starting at "1".

    Parameters
    ----------
    count : int
        Imports visible at ``now_us``.
    seed : int
        Seed of the random generator: same seed and ``now_us``, same plans.
    now_us : int
        The simulated time of construction, microseconds since the epoch.

    Returns
    -------
    list of ImportPlan
        In listing order (createdAt, then id).

    Examples
    --------
    >>> plans = generate_plans(5, seed=0, now_us=1_746_000_000_000_000)
    >>> [p.id for p in plans][:3]
    ['1', '2', '3']
    """
    if count < 0:
        raise ValueError(f"imports must be >= 0, got {count}")
    rng = random.Random(seed)
    plans = [_new_plan(rng, now_us, _weighted(rng, _MIX)) for _ in range(count)]
    future = round(count * _FUTURE_SHARE)
    if count > 0:
        future = max(1, future)
    plans.extend(_new_plan(rng, now_us, None) for _ in range(future))
    seen: set[int] = set()
    for plan in plans:  # distinct createdAt, so the order never depends on ids
        while plan.created_us in seen:
            plan.created_us += 1
        seen.add(plan.created_us)
    plans.sort(key=lambda p: p.created_us)
    for number, plan in enumerate(plans, start=1):
        plan.id = str(number)
    return plans


class ImportStore:
    """The imports of one index, in listing order, with a per-entry bytes cache.

    Parameters
    ----------
    name : str
        The index name.
    entries : sequence of ImportPlan or VerbatimImport
        Initial entries (sorted here by their listing key).
    lock : threading.RLock
        The lock shared with the owning :class:`EmulatorState`.
    dimension, metric
        Reported by the control plane's IndexModel.

    Examples
    --------
    >>> import threading
    >>> store = ImportStore("idx", generate_plans(3, 0, 10**15), threading.RLock())
    >>> items, total = store.page(10**15, 0, 2, False)
    >>> len(items), total
    (2, 3)
    """

    def __init__(
        self,
        name: str,
        entries: Sequence[Entry],
        lock: threading.RLock,
        *,
        dimension: int = 1024,
        metric: str = "cosine",
    ) -> None:
        self.name = name
        self.dimension = dimension
        self.metric = metric
        self._lock = lock
        self._entries: list[Entry] = sorted(entries, key=lambda e: e.key)
        self._keys: list[tuple[int, str]] = [e.key for e in self._entries]
        self._by_id: dict[str, Entry] = {}
        for entry in self._entries:
            self._by_id.setdefault(entry.id, entry)
        self._next_id = 1 + max((int(i) for i in self._by_id if i.isdigit()), default=0)
        self._version = 0
        self._cache_key: tuple[int, bool, int] | None = None
        self._visible = 0
        self._bytes: list[bytes | None] = []

    def _visible_count(self, now_us: int) -> int:
        return bisect.bisect_right(self._keys, (now_us, "\U0010ffff"))

    def _refresh(self, now_us: int, int64_as_string: bool) -> None:
        key = (now_us, int64_as_string, self._version)
        if key != self._cache_key:
            self._cache_key = key
            self._visible = self._visible_count(now_us)
            self._bytes = [None] * self._visible

    def page(
        self, now_us: int, offset: int, limit: int, int64_as_string: bool
    ) -> tuple[list[bytes], int]:
        """Return the serialised imports at ``offset`` (up to ``limit``) and the visible total.

        Examples
        --------
        >>> import threading
        >>> ImportStore("idx", [], threading.RLock()).page(0, 0, 100, False)
        ([], 0)
        """
        with self._lock:
            self._refresh(now_us, int64_as_string)
            stop = min(offset + limit, self._visible)
            cache = self._bytes
            for i in range(offset, stop):
                if cache[i] is None:
                    view = self._entries[i].view(now_us, int64_as_string)
                    cache[i] = json.dumps(view, separators=(",", ":")).encode()
            return cast("list[bytes]", cache[offset:stop]), self._visible

    def records(self, now_us: int, int64_as_string: bool) -> list[dict[str, Any]]:
        """Every visible import as the API serves it at ``now_us``, in listing order.

        Examples
        --------
        >>> import threading
        >>> ImportStore("idx", [], threading.RLock()).records(0, False)
        []
        """
        with self._lock:
            count = self._visible_count(now_us)
            return [e.view(now_us, int64_as_string) for e in self._entries[:count]]

    def get(self, import_id: str, now_us: int) -> Entry | None:
        """Return the entry with this id if it is visible at ``now_us``, else None.

        Examples
        --------
        >>> import threading
        >>> ImportStore("idx", [], threading.RLock()).get("1", 0) is None
        True
        """
        with self._lock:
            entry = self._by_id.get(import_id)
            if entry is None or entry.key[0] > now_us:
                return None
            return entry

    def start(
        self,
        uri: str,
        now_us: int,
        *,
        integration_id: str | None = None,
        error_mode: str | None = None,
    ) -> str:
        """Start a new import at ``now_us`` (Pending, then runs to Completed); return its id.

        The durations are drawn from a generator seeded by the id, so they are
        deterministic.

        Examples
        --------
        >>> import threading
        >>> ImportStore("idx", [], threading.RLock()).start("s3://b/p/", 0)
        '1'
        """
        with self._lock:
            import_id = str(self._next_id)
            self._next_id += 1
            rng = random.Random(f"start:{self.name}:{import_id}")
            total_records, _, running, indexing = _durations(rng)
            plan = ImportPlan(
                id=import_id,
                uri=uri,
                created_us=now_us,
                pending_us=round(rng.uniform(5.0, 60.0) * _US),
                running_us=running,
                indexing_us=indexing,
                total_records=total_records,
                integration_id=integration_id,
                error_mode=error_mode,
            )
            index = bisect.bisect_right(self._keys, plan.key)
            self._entries.insert(index, plan)
            self._keys.insert(index, plan.key)
            self._by_id[import_id] = plan
            self._version += 1
            return import_id

    def cancel(self, import_id: str, now_us: int) -> bool | None:
        """Cancel an import; None if unknown, else whether it took effect.

        Examples
        --------
        >>> import threading
        >>> ImportStore("idx", [], threading.RLock()).cancel("1", 0) is None
        True
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
class EmulatorState:
    """The clock and the stores (index name -> :class:`ImportStore`) of one emulator.

    Parameters
    ----------
    imports : int
        Synthetic imports visible at the starting time.
    seed : int
        Seed of the synthetic generation.
    index_name : str
        Name of the (single, for now) index.
    records : list of dict or None
        When given, the index serves exactly these records, verbatim, instead of
        synthetic ones.
    now : datetime or None
        Simulated starting time (None: wall clock now, truncated to the second).

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> state = EmulatorState(imports=3, seed=1, now=datetime(2025, 5, 1, tzinfo=timezone.utc))
    >>> len(state.store().records(state.clock.now_us, False))
    3
    """

    imports: int = 250
    seed: int = 0
    index_name: str = "emulator-index"
    records: Sequence[Mapping[str, Any]] | None = None
    now: datetime | None = None
    clock: SimulatedClock = field(init=False)
    indexes: dict[str, ImportStore] = field(init=False)
    lock: threading.RLock = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.clock = SimulatedClock(self.now)
        self._records = (
            None if self.records is None else [copy.deepcopy(dict(r)) for r in self.records]
        )
        self.indexes = {}
        self.reset()

    def reset(self) -> None:
        """Rebuild every store and rewind the clock to the starting time.

        Examples
        --------
        >>> state = EmulatorState(imports=2)
        >>> state.advance(60)
        >>> state.reset()
        >>> state.clock.now_us == state.clock.start_us
        True
        """
        with self.lock:
            self.clock.reset()
            entries: list[Entry]
            if self._records is not None:
                entries = [
                    VerbatimImport(copy.deepcopy(r), position)
                    for position, r in enumerate(self._records)
                ]
            else:
                entries = list(generate_plans(self.imports, self.seed, self.clock.start_us))
            self.indexes = {self.index_name: ImportStore(self.index_name, entries, self.lock)}

    def store(self, index_name: str | None = None) -> ImportStore:
        """Return the store of ``index_name`` (default: the emulator's index).

        Examples
        --------
        >>> EmulatorState(imports=0).store().name
        'emulator-index'
        """
        return self.indexes[self.index_name if index_name is None else index_name]

    def advance(self, seconds: float) -> None:
        """Step the simulated clock; every cached page is invalidated by the new time.

        Examples
        --------
        >>> state = EmulatorState(imports=0)
        >>> state.advance(3600)
        """
        with self.lock:
            self.clock.advance(seconds)
