"""The synthetic history of an emulated index: imports arriving as the simulated clock moves.

Arrivals are a pure function of (seed, index name, hour since the clock's start): the
imports created in hour ``k`` (negative in the past) are drawn from a generator seeded with
those three, so the same seed and the same steps give the same history whatever the order
of queries, and the same history relative to the start whatever the start. The rate is
steady, with a daily rhythm (busy afternoons, quiet nights, in the emulator's own day,
which begins at construction as if it were 10:00). ``imports=N`` means the N most recent
arrivals before the start are visible at construction, arriving at the same rate.

Each import waits (Pending, seconds to minutes), loads at its own rate (records per second),
indexes at 100 % for ten minutes or more, then completes; or fails with one of the errors
Pinecone documents, or is cancelled. A failure midway leaves its namespace written, and
some are retried on the same URI: the retry fails with "namespace already exists". A
document index (2026-07) imports JSON Lines: its failures are those of JSON Lines files
(none found, a bad line, a missing ``_id``, a field of the wrong type).
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .clock import US, format_timestamp
from .plans import ImportPlan

logger = logging.getLogger(__name__)

__all__ = ["History", "arrival_rate_per_day", "plan_started_import"]

HOUR_US = 3600 * US
#: The hour of the emulator's day at which its clock starts (the rhythm's phase).
_START_HOUR = 10
#: The daily rhythm: arrivals per hour swing this far around the mean (0.4x to 1.6x).
_RHYTHM = 0.6
#: The busiest hour of the emulator's day.
_PEAK_HOUR = 14
#: Arrival rate bounds, imports per day: a few run at once, whatever ``imports`` is.
MIN_RATE_PER_DAY = 72.0
MAX_RATE_PER_DAY = 480.0
#: ``imports=N`` spreads N over about this many days, within the rate bounds.
_HISTORY_DAYS = 28
#: Hours walked back past the N-th import, for retries of older failures that land later.
_RETRY_LOOKBACK_HOURS = 48
#: Outcome shares of synthetic imports.
_FAILED_SHARE = 0.09
_CANCELLED_SHARE = 0.05
#: Share of imports that validation finds records to reject in (``onError: continue``).
_REJECTING_SHARE = 0.15
#: Share of midway failures retried on the same URI.
_RETRY_SHARE = 0.5

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
_COLUMNS = ("id", "values", "sparse_values", "metadata")
_TYPES = (("values", "list<float>", "list<double>"), ("id", "string", "int64"))


@dataclass(frozen=True)
class _FailureKind:
    """One kind of failure Pinecone documents, and when in the load it strikes."""

    template: str
    weight: float
    midway: bool  # after part of the data (and the namespace) was written


#: The failures of synthetic imports, by the messages Pinecone documents.
FAILURES = (
    _FailureKind(
        'User error: The namespace "{namespace}" already exists. Imports are only allowed '
        "into nonexistent namespaces.",
        1.5,
        midway=False,
    ),
    _FailureKind('No Parquet files found under "{uri}"', 2.5, midway=False),
    _FailureKind('Missing required column "{column}"', 1.5, midway=False),
    _FailureKind(
        'The expected data type for column "{column}" is "{expected}", but got "{got}"',
        1.5,
        midway=False,
    ),
    _FailureKind(
        'Parquet footer could not be parsed: "{file}" is not a valid Parquet file', 1.0, True
    ),
    _FailureKind("Exceeds system limit", 1.0, midway=True),
    _FailureKind("Failed to read from the storage location {uri}", 1.0, midway=True),
    _FailureKind("Unable to access the storage integration; check its permissions", 0.7, True),
    _FailureKind("An error occurred while reading from object storage", 0.8, midway=True),
)
NAMESPACE_EXISTS = FAILURES[0]
#: The failures of synthetic imports into a document index, which imports JSON Lines
#: (2026-07). Pinecone documents no wording for these: they are written in the style of
#: its Parquet messages, and ``error_categories`` sorts them.
JSONL_FAILURES = (
    NAMESPACE_EXISTS,
    _FailureKind('No JSONL files found under "{uri}"', 2.5, midway=False),
    _FailureKind('Invalid JSON on line {line} of "{file}": {problem}', 1.5, midway=True),
    _FailureKind('Missing required field "_id" on line {line} of "{file}"', 1.0, midway=True),
    _FailureKind(
        'The expected data type for field "{field}" is "{expected}", but got "{got}" on line '
        '{line} of "{file}"',
        1.5,
        midway=True,
    ),
    *FAILURES[5:],  # limits and storage: the same whatever the files
)
_JSONL_TYPES = (
    ("year", "number", "string"),
    ("tags", "array of strings", "string"),
    ("title", "string", "object"),
    ("published", "boolean", "string"),
)
_JSONL_PROBLEMS = (
    "expected a JSON object",
    "unterminated string",
    "unexpected character after the object",
    "invalid UTF-8",
)


def arrival_rate_per_day(imports: int) -> float:
    """Return the mean arrivals per day of an index created with ``imports`` visible.

    N spread over four weeks, bounded so that a few imports run at once (0: an idle index).

    Examples
    --------
    >>> arrival_rate_per_day(0), arrival_rate_per_day(250), arrival_rate_per_day(2800)
    (0.0, 72.0, 100.0)
    """
    if imports <= 0:
        return 0.0
    return min(MAX_RATE_PER_DAY, max(MIN_RATE_PER_DAY, imports / _HISTORY_DAYS))


def rhythm(hour: int) -> float:
    """Return the daily rhythm's factor for hour ``hour`` since the start (mean 1).

    Examples
    --------
    >>> round(rhythm(_PEAK_HOUR - _START_HOUR), 2), round(rhythm(_PEAK_HOUR - _START_HOUR + 12), 2)
    (1.6, 0.4)
    """
    local = (_START_HOUR + hour) % 24
    return 1.0 + _RHYTHM * math.cos(2 * math.pi * (local - _PEAK_HOUR) / 24)


def _poisson(rng: random.Random, mean: float) -> int:
    """Draw a Poisson count (Knuth's method; the means here stay small)."""
    if mean <= 0:
        return 0
    limit = math.exp(-mean)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _uri(rng: random.Random, created_us: int) -> tuple[str, str, str]:
    """Return a URI, its bucket (or container) and the namespace it imports into."""
    day = format_timestamp(created_us)[:10]
    dataset = rng.choice(_DATASETS)
    batch = rng.randrange(1, 10_000)
    prefix = f"{dataset}/{day}/batch-{batch:04d}/"
    namespace = f"{dataset}-{batch:04d}"
    kind = rng.random()
    if kind < 0.6:
        bucket = rng.choice(_BUCKETS)
        return f"s3://{bucket}/{prefix}", bucket, namespace
    if kind < 0.85:
        bucket = rng.choice(_BUCKETS)
        return f"gs://{bucket}/{prefix}", bucket, namespace
    account = rng.choice(_AZURE_ACCOUNTS)
    container = rng.choice(_BUCKETS)
    return f"https://{account}.blob.core.windows.net/{container}/{prefix}", container, namespace


def _plan(rng: random.Random, created_us: int) -> ImportPlan:
    """Draw an import's records and its Pending, loading and indexing durations.

    The plan has no id and no URI yet: the caller gives them, and the outcome.
    """
    total_records = int(_log_uniform(rng, 3_000, 100_000_000))
    records_per_second = _log_uniform(rng, 1_500, 15_000)
    pending = round(_log_uniform(rng, 5, 1_200) * US)
    loading = max(30 * US, round(total_records / records_per_second * US))
    # Indexing at 100 % takes ten minutes or more, longer for big imports.
    indexing = round((600 + rng.uniform(0, 300) + total_records / rng.uniform(2e4, 1e5)) * US)
    return ImportPlan("", "", created_us, pending, loading, indexing, total_records)


def _message(failure: _FailureKind, rng: random.Random, uri: str, namespace: str) -> str:
    column, expected, got = rng.choice(_TYPES)
    return failure.template.format(
        namespace=namespace,
        uri=uri,
        column=column if "expected" in failure.template else rng.choice(_COLUMNS),
        expected=expected,
        got=got,
        file=f"{uri}part-{rng.randrange(0, 200):05d}.parquet",
    )


def _jsonl_message(failure: _FailureKind, rng: random.Random, uri: str, namespace: str) -> str:
    field, expected, got = rng.choice(_JSONL_TYPES)
    return failure.template.format(
        namespace=namespace,
        uri=uri,
        field=field,
        expected=expected,
        got=got,
        line=rng.randrange(1, 250_000),
        problem=rng.choice(_JSONL_PROBLEMS),
        file=f"{uri}part-{rng.randrange(0, 200):05d}.jsonl",
    )


def _draw(rng: random.Random, created_us: int, *, documents: bool = False) -> list[ImportPlan]:
    """Draw one import created at ``created_us``, and its retry when it gets one.

    ``documents``: into a document index, whose imports read JSON Lines.
    """
    plan = _plan(rng, created_us)
    plan.uri, _, namespace = _uri(rng, created_us)
    failures, message = (JSONL_FAILURES, _jsonl_message) if documents else (FAILURES, _message)
    plan.error_mode = rng.choice(("abort", "continue"))
    pending, loading = plan.pending_us, plan.loading_us
    if rng.random() < _REJECTING_SHARE:
        plan.rejected_share = rng.uniform(0.0001, 0.02)
        plan.error_mode = "continue"
    roll = rng.random()
    if roll < _FAILED_SHARE:
        failure = rng.choices(failures, weights=[f.weight for f in failures])[0]
        plan.outcome = "Failed"
        plan.error = message(failure, rng, plan.uri, namespace)
        if failure.midway:
            plan.stop_us = pending + round(rng.uniform(0.05, 0.95) * loading)
            if rng.random() < _RETRY_SHARE:
                return [plan, _retry(rng, plan, namespace)]
        else:
            plan.stop_us = pending + min(round(0.01 * loading), round(rng.uniform(1, 60) * US))
    elif roll < _FAILED_SHARE + _CANCELLED_SHARE:
        plan.outcome = "Cancelled"
        if rng.random() < 0.3:
            plan.stop_us = round(rng.uniform(0.1, 0.9) * pending)
        else:
            plan.stop_us = pending + round(rng.uniform(0.05, 0.95) * loading)
    return [plan]


def _retry(rng: random.Random, failed: ImportPlan, namespace: str) -> ImportPlan:
    """Plan the retry of a midway failure: same URI, and its namespace now exists."""
    created = failed.created_us + failed.stop_us + round(_log_uniform(rng, 300, 7_200) * US)
    pending = round(_log_uniform(rng, 5, 300) * US)
    return replace(
        _plan(rng, created),
        uri=failed.uri,
        pending_us=pending,
        outcome="Failed",
        stop_us=pending + round(rng.uniform(1, 30) * US),
        error=_message(NAMESPACE_EXISTS, rng, failed.uri, namespace),
        error_mode=failed.error_mode,
        retry_of=failed,
    )


@dataclass(kw_only=True)
class History:
    """The arrivals of one index, hour by hour from the clock's start.

    Parameters
    ----------
    index_name : str
        Part of every hour's seed, so that two indexes differ.
    seed : int
        Seed of the history.
    imports : int
        Imports visible at ``start_us`` (they also set the rate, see
        :func:`arrival_rate_per_day`).
    start_us : int
        The simulated time of construction.
    documents : bool
        A document index: its imports read JSON Lines, and fail with JSON Lines' errors.

    Examples
    --------
    >>> history = History(index_name="idx", seed=1, imports=100, start_us=10**15)
    >>> visible, later = history.initial()
    >>> len(visible), all(p.created_us <= 10**15 < q.created_us for p in visible for q in later)
    (100, True)
    >>> history.hour(3) == History(index_name="idx", seed=1, imports=100, start_us=10**15).hour(3)
    True
    """

    index_name: str
    seed: int
    imports: int
    start_us: int
    documents: bool = False
    rate_per_hour: float = field(init=False)

    def __post_init__(self) -> None:
        """Derive the arrival rate from the imports visible at the start."""
        self.rate_per_hour = arrival_rate_per_day(self.imports) / 24

    def hour(self, k: int) -> list[ImportPlan]:
        """Return the imports created in hour ``k`` since the start (and retries of them).

        Ids are not assigned here; plans come in creation order, each retry after its
        failed import.
        """
        if self.rate_per_hour <= 0:
            return []
        rng = random.Random(f"{self.seed}:{self.index_name}:{k}")
        count = _poisson(rng, self.rate_per_hour * rhythm(k))
        base = self.start_us + k * HOUR_US
        offsets = sorted(rng.randrange(1, HOUR_US) for _ in range(count))
        plans: list[ImportPlan] = []
        for offset in offsets:
            plans.extend(_draw(rng, base + offset, documents=self.documents))
        return plans

    def initial(self) -> tuple[list[ImportPlan], list[ImportPlan]]:
        """Return the ``imports`` visible at the start, and those of hour 0 still to come.

        Walks back hour by hour until ``imports`` arrivals are collected (then a little
        further, for retries of older failures), keeps the most recent ``imports`` of
        those created by the start, and adds every later one drawn so far (hour 0 and
        retries): both lists in creation order.
        """
        visible: list[ImportPlan] = []
        later: list[ImportPlan] = []
        if self.imports <= 0:
            return visible, later
        k, extra = -1, -1
        while extra != 0:
            for plan in self.hour(k):
                (visible if plan.created_us <= self.start_us else later).append(plan)
            if extra < 0 and len(visible) >= self.imports:
                extra = _RETRY_LOOKBACK_HOURS
            elif extra > 0:
                extra -= 1
            k -= 1
        later.extend(self.hour(0))
        visible.sort(key=lambda p: p.created_us)
        later.sort(key=lambda p: p.created_us)
        return visible[-self.imports :], later


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
    return replace(
        _plan(rng, now_us),
        id=import_id,
        uri=uri,
        pending_us=round(rng.uniform(5.0, 60.0) * US),
        integration_id=integration_id,
        error_mode=error_mode,
    )


def assign_ids(plans: Sequence[ImportPlan], first: int) -> int:
    """Give ``plans`` the ids ``first``, ``first + 1``... in order; return the next free one.

    Examples
    --------
    >>> plans = History(index_name="i", seed=0, imports=3, start_us=10**15).initial()[0]
    >>> assign_ids(plans, 1), [p.id for p in plans]
    (4, ['1', '2', '3'])
    """
    number = first
    for plan in plans:
        plan.id = str(number)
        number += 1
    return number
