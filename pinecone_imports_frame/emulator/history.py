"""The imports of an emulated index: their plans, and the synthetic history they follow.

An :class:`ImportPlan` is the whole life of one import, fixed when it is drawn; its state at
any simulated time is computed from the plan (:meth:`ImportPlan.as_api_record`). A
:class:`VerbatimImport` is a record given by the user, served as is whatever the clock says.
Nothing here knows about HTTP.
"""

from __future__ import annotations

import copy
import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .clock import US, format_timestamp

logger = logging.getLogger(__name__)

__all__ = ["Entry", "ImportPlan", "VerbatimImport", "generate_plans", "plan_started_import"]

_DAY_US = 86_400 * US
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
    >>> half = plan.as_api_record(1_500_000)
    >>> half["status"], half["recordsImported"], half["percentComplete"]
    ('InProgress', 5, 50.0)
    >>> plan.as_api_record(3_000_000)["status"]
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
    def sort_key(self) -> tuple[int, str]:
        """Listing order: (createdAt, id)."""
        return (self.created_us, self.id)

    def _final_status_and_end(self) -> tuple[str, int]:
        if self.outcome == "Completed":
            status, end = "Completed", self.pending_us + self.running_us + self.indexing_us
        else:
            status, end = self.outcome, self.stop_us
        if self.cancelled_at_us is not None:
            cancel = self.cancelled_at_us - self.created_us
            if cancel < end:
                status, end = "Cancelled", cancel
        return status, end

    def _loaded_fraction(self, t: int) -> float:
        if t <= self.pending_us:
            return 0.0
        if t >= self.pending_us + self.running_us:
            return 1.0
        return (t - self.pending_us) / self.running_us

    def finished(self, now_us: int) -> bool:
        """Whether the import is in a terminal status at ``now_us``.

        Examples
        --------
        >>> plan = ImportPlan("1", "s3://b/", 0, 1, 1, 1, 5)
        >>> plan.finished(2), plan.finished(3)
        (False, True)
        """
        return now_us - self.created_us >= self._final_status_and_end()[1]

    def cancel(self, now_us: int) -> bool:
        """Cancel at ``now_us`` unless already finished; return whether it took effect.

        Examples
        --------
        >>> plan = ImportPlan("1", "s3://b/", 0, 10, 10, 10, 5)
        >>> plan.cancel(5), plan.as_api_record(5)["status"]
        (True, 'Cancelled')
        """
        if now_us < self.created_us or self.finished(now_us):
            return False
        self.cancelled_at_us = now_us
        return True

    def as_api_record(self, now_us: int, *, int64_as_string: bool = False) -> dict[str, Any]:
        """Return the import as the API serves it at ``now_us`` (camelCase keys).

        Examples
        --------
        >>> record = ImportPlan("7", "gs://b/", 0, 10, 10, 10, 5).as_api_record(0)
        >>> record["status"], record["recordsImported"], "finishedAt" in record
        ('Pending', 0, False)
        """
        t = now_us - self.created_us
        final, end = self._final_status_and_end()
        done = t >= end
        progress = self._loaded_fraction(end if done else t)
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
    >>> VerbatimImport({"id": "x", "status": "Weird"}, position=0).as_api_record(10**15)
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
    def sort_key(self) -> tuple[int, str]:
        """Listing order: before planned imports, in the order given."""
        return (_VERBATIM_KEY_US, f"{self.position:012d}")

    def cancel(self, now_us: int) -> bool:
        """Leave the record as given; a verbatim record is never cancelled (returns False).

        Examples
        --------
        >>> VerbatimImport({"id": "x", "status": "InProgress"}, 0).cancel(0)
        False
        """
        return False

    def as_api_record(self, now_us: int, *, int64_as_string: bool = False) -> dict[str, Any]:
        """Return a deep copy of the record (``recordsImported`` as a string if asked).

        Examples
        --------
        >>> VerbatimImport({"id": "x", "recordsImported": 5}, 0).as_api_record(
        ...     0, int64_as_string=True)
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
    pending = round(rng.uniform(2.0, 300.0) * US)
    running = max(30 * US, round(total_records / throughput * US))
    # Indexing at 100 % takes a fixed start-up plus time in proportion to the records, so
    # that big imports, not small ones, are the slow ones (records_per_second is realistic).
    indexing = round((rng.uniform(20.0, 120.0) + total_records / rng.uniform(1e4, 5e4)) * US)
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
        created = now_us + rng.randrange(US, _FUTURE_US)
    else:
        if target == "Pending":
            age = rng.randrange(0, pending)
        elif target == "InProgress":
            # Still running at now: anywhere from leaving Pending to just before the end.
            age = rng.randrange(pending, max(pending + 1, end))
        else:
            age = rng.randrange(end + US, _HISTORY_US)
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
    >>> visible = [p for p in plans if p.created_us <= 1_746_000_000_000_000]
    >>> len(visible), [p.id for p in plans][:3]
    (5, ['1', '2', '3'])
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


def plan_started_import(
    index_name: str,
    import_id: str,
    uri: str,
    now_us: int,
    *,
    integration_id: str | None = None,
    error_mode: str | None = None,
) -> ImportPlan:
    """Plan an import started through the API: Pending, then runs to Completed.

    The durations are drawn from a generator seeded by the index and the id, so they are
    deterministic.

    Examples
    --------
    >>> plan = plan_started_import("idx", "9", "s3://b/p/", 0)
    >>> plan.as_api_record(0)["status"], plan == plan_started_import("idx", "9", "s3://b/p/", 0)
    ('Pending', True)
    """
    rng = random.Random(f"start:{index_name}:{import_id}")
    total_records, _, running, indexing = _durations(rng)
    return ImportPlan(
        id=import_id,
        uri=uri,
        created_us=now_us,
        pending_us=round(rng.uniform(5.0, 60.0) * US),
        running_us=running,
        indexing_us=indexing,
        total_records=total_records,
        integration_id=integration_id,
        error_mode=error_mode,
    )
