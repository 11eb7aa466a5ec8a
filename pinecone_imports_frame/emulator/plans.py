"""The life of one import, fixed when it is planned, and what the API shows of it over time.

An :class:`ImportPlan` says when the import was created, how long it waits (Pending), how
fast it loads (InProgress, ``percentComplete`` and ``recordsImported`` rising at its own
rate), how long it then indexes (InProgress at 100 %), and how it ends (Completed, Failed
with an error, or Cancelled). Its record at any simulated time is computed from the plan
(:meth:`ImportPlan.as_api_record`); :meth:`ImportPlan.truth` gives the plan to tests as a
:class:`PlannedImport`. A :class:`VerbatimImport` is a record given by the user, served as
is whatever the clock says. Nothing here knows about HTTP.
"""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .clock import EPOCH, US, format_timestamp
from .versions import DEFAULT_VERSION, ApiVersion

logger = logging.getLogger(__name__)

__all__ = ["Entry", "ImportPlan", "PlannedImport", "VerbatimImport"]

#: Sort key of verbatim records: before every planned import, in the order given.
_VERBATIM_KEY_US = -(2**62)
_HOUR_US = 3600 * US


def _at(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True)
class PlannedImport:
    """The truth about one import, as planned: its rates and the times of its phases.

    What a test needs to check an estimate against (``Emulator.plan(import_id)``).

    Attributes
    ----------
    id, uri : str
        As the API shows them.
    outcome : str
        How it ends: "Completed", "Failed" or "Cancelled" (cancelled through the API too).
    error : str or None
        The error of a Failed import.
    total_records : int
        Records imported when loading completes (a stopped import imports fewer).
    records_per_second : float
        The loading rate: ``recordsImported`` grows by this much per second while loading.
    percent_per_hour : float
        The same rate as ``percentComplete`` points per hour.
    created_at : datetime
        ``createdAt``.
    loading_starts_at : datetime
        End of Pending: InProgress from here, progress rising.
    loading_ends_at : datetime
        When loading reaches 100 % at that rate (indexing starts).
    indexing_ends_at : datetime
        When indexing ends and a Completed import finishes (at least ten minutes later).
    finished_at : datetime
        When it reaches its terminal status (``finishedAt``).
    retry_of : str or None
        The id of the failed import this one retries on the same URI, if it is a retry.
    rejected_share : float
        Share of the records validation rejects (``validationResult.importErrors``).

    Examples
    --------
    >>> plan = ImportPlan("1", "s3://b/p/", created_us=0, pending_us=60 * US,
    ...                   loading_us=3600 * US, indexing_us=900 * US, total_records=7_200_000)
    >>> truth = plan.truth()
    >>> truth.records_per_second, truth.percent_per_hour
    (2000.0, 100.0)
    >>> (truth.indexing_ends_at - truth.loading_ends_at).total_seconds()
    900.0
    """

    id: str
    uri: str
    outcome: str
    error: str | None
    total_records: int
    records_per_second: float
    percent_per_hour: float
    created_at: datetime
    loading_starts_at: datetime
    loading_ends_at: datetime
    indexing_ends_at: datetime
    finished_at: datetime
    retry_of: str | None
    rejected_share: float


@dataclass
class ImportPlan:
    """The life of one import: created, Pending, loading, indexing, then its outcome.

    All durations are microseconds; ``pending_us``, ``loading_us`` and ``indexing_us`` follow
    one another from ``created_us``. A Failed or Cancelled outcome stops the import
    ``stop_us`` after creation; :meth:`cancel` can stop it earlier. Validation runs from the
    moment loading starts: ``validationResult`` (2026-07) counts the records imported and,
    per ``rejected_share`` of them, the records rejected.

    Examples
    --------
    >>> plan = ImportPlan(id="1", uri="s3://b/p/", created_us=0, pending_us=10**6,
    ...                   loading_us=10**6, indexing_us=10**6, total_records=10)
    >>> half = plan.as_api_record(1_500_000)
    >>> half["status"], half["recordsImported"], half["percentComplete"]
    ('InProgress', 5, 50.0)
    >>> plan.as_api_record(2_500_000)["percentComplete"]  # indexing: 100 %, still running
    100.0
    >>> plan.as_api_record(3_000_000)["status"]
    'Completed'
    """

    id: str
    uri: str
    created_us: int
    pending_us: int
    loading_us: int
    indexing_us: int
    total_records: int
    outcome: str = "Completed"
    stop_us: int = 0
    error: str | None = None
    integration_id: str | None = None
    error_mode: str | None = None
    cancelled_at_us: int | None = None
    rejected_share: float = 0.0
    retry_of: ImportPlan | None = None

    @property
    def sort_key(self) -> tuple[int, str]:
        """Listing order: (createdAt, id)."""
        return (self.created_us, self.id)

    def _final_status_and_end(self) -> tuple[str, int]:
        if self.outcome == "Completed":
            status, end = "Completed", self.pending_us + self.loading_us + self.indexing_us
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
        if t >= self.pending_us + self.loading_us:
            return 1.0
        return (t - self.pending_us) / self.loading_us

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

    def truth(self) -> PlannedImport:
        """Return the plan as a :class:`PlannedImport` (rates and phase boundaries).

        Examples
        --------
        >>> ImportPlan("1", "s3://b/", 0, US, US, 600 * US, 5, outcome="Failed",
        ...            stop_us=US + US // 2, error="Exceeds system limit").truth().finished_at
        datetime.datetime(1970, 1, 1, 0, 0, 1, 500000, tzinfo=datetime.timezone.utc)
        """
        status, end = self._final_status_and_end()
        loading_s = self.loading_us / US
        loading_starts = self.created_us + self.pending_us
        loading_ends = loading_starts + self.loading_us
        return PlannedImport(
            id=self.id,
            uri=self.uri,
            outcome=status,
            error=self.error if status == "Failed" else None,
            total_records=self.total_records,
            records_per_second=self.total_records / loading_s,
            percent_per_hour=100.0 / (self.loading_us / _HOUR_US),
            created_at=_at(self.created_us),
            loading_starts_at=_at(loading_starts),
            loading_ends_at=_at(loading_ends),
            indexing_ends_at=_at(loading_ends + self.indexing_us),
            finished_at=_at(self.created_us + end),
            retry_of=self.retry_of.id if self.retry_of is not None and self.retry_of.id else None,
            rejected_share=self.rejected_share,
        )

    def as_api_record(
        self,
        now_us: int,
        *,
        int64_as_string: bool = False,
        api_version: ApiVersion = DEFAULT_VERSION,
    ) -> dict[str, Any]:
        """Return the import as the API serves it at ``now_us`` (camelCase keys).

        Examples
        --------
        >>> from .versions import VERSIONS
        >>> plan = ImportPlan("7", "gs://b/", 0, 10, 10, 10, 5)
        >>> sorted(plan.as_api_record(0))  # 2025-04: a Pending import has no progress yet
        ['createdAt', 'id', 'status', 'uri']
        >>> plan.as_api_record(0, api_version=VERSIONS["2026-07"])["recordsImported"]
        0
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
        out["recordsImported"] = records
        if status == "Failed" and self.error is not None:
            out["error"] = self.error
        if min(t, end) >= self.pending_us:  # validation runs once loading has started
            out["validationResult"] = {
                "importSuccesses": records,
                "importErrors": int(records * self.rejected_share),
            }
        out = api_version.serialise(out)
        if int64_as_string:
            _int64_as_strings(out)
        return out


def _int64_as_strings(record: dict[str, Any]) -> None:
    """Write the int64 fields as JSON strings, as proto3 JSON may."""
    if isinstance(record.get("recordsImported"), int):
        record["recordsImported"] = str(record["recordsImported"])
    result = record.get("validationResult")
    if isinstance(result, dict):
        for name in ("importSuccesses", "importErrors"):
            if isinstance(result.get(name), int):
                result[name] = str(result[name])


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

    def as_api_record(self, now_us: int, **options: Any) -> dict[str, Any]:
        """Return a deep copy of the record (``recordsImported`` as a string if asked).

        The record is served as given under every API version (``api_version`` is
        ignored); ``int64_as_string=True`` is the only option it follows.

        Examples
        --------
        >>> VerbatimImport({"id": "x", "recordsImported": 5}, 0).as_api_record(
        ...     0, int64_as_string=True)
        {'id': 'x', 'recordsImported': '5'}
        """
        out = copy.deepcopy(self.record)
        value = out.get("recordsImported")
        as_string = options.get("int64_as_string", False)
        if as_string and isinstance(value, int) and not isinstance(value, bool):
            out["recordsImported"] = str(value)
        return out


Entry = ImportPlan | VerbatimImport
