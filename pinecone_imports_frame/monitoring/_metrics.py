"""The exporter's metrics: their names, help, labels, and how an index's state becomes them.

Names follow Prometheus' conventions (base units in the name, ``_seconds``; every metric
is a gauge of the latest listing but ``pinecone_imports_failures_total``, a counter of the
failures seen to appear, which alerts on each new one) and labels follow Pinecone's
own metrics: ``index_name``, with ``index_host`` beside it (``index_name`` is empty, so
Prometheus drops it, where no name is known). Per-import series (``import_id``) exist for
running imports only, and for the records of imports finished within the last hour: an
ended import's series disappear, so the number of series stays bounded.

Every label value a server sent (ids, names, hosts, unknown statuses) is made printable
(``_text.printable``), redacted of the key and cut to :data:`MAX_LABEL`.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .._text import printable
from ..schema import ERROR_CATEGORIES, STATUSES
from ._running import RunningImport

logger = logging.getLogger(__name__)

#: The longest label value kept (a longer one is cut and ends with "…").
MAX_LABEL = 128
#: Statuses the API does not document, shown one by one at most (the rest as "other").
MAX_EXTRA_STATUSES = 10
#: Finished imports whose records are shown, per index (the most recently finished).
MAX_FINISHED = 100
#: How long a finished import's records stay shown.
RECENT_SECONDS = 3600

INDEX_LABELS = ("index_name", "index_host")
IMPORT_LABELS = (*INDEX_LABELS, "import_id")

#: The counters of :data:`METRICS` (the others are gauges).
COUNTERS = frozenset({"pinecone_imports_failures_total"})

#: name -> (help, labels). The README's metric table and the dashboard use these names.
METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pinecone_imports": (
        "Imports per status in the latest listing of the index.",
        (*INDEX_LABELS, "status"),
    ),
    "pinecone_import_percent_complete": (
        "Progress of a running import, 0 to 100 (0 while Pending; 100 while indexing).",
        IMPORT_LABELS,
    ),
    "pinecone_import_eta_seconds": (
        "Seconds from the latest listing to the estimated end of loading of a loading import "
        "(from its rate over the last hour; no series without a positive rate).",
        IMPORT_LABELS,
    ),
    "pinecone_import_records_per_second": (
        "Loading rate of a loading import over the last hour.",
        IMPORT_LABELS,
    ),
    "pinecone_import_indexing_seconds": (
        "Seconds an InProgress import has been at 100 % (Pinecone is building the index), "
        "by Pinecone's clock, since the exporter first saw it there.",
        IMPORT_LABELS,
    ),
    "pinecone_import_seconds_since_progress": (
        "Seconds since the progress of an import InProgress below 100 % last changed, by "
        "Pinecone's clock, counted from the exporter's first listing of it.",
        IMPORT_LABELS,
    ),
    "pinecone_import_pending_seconds": (
        "Seconds a Pending import has waited since it was created, by Pinecone's clock "
        "(the listing's).",
        IMPORT_LABELS,
    ),
    "pinecone_import_records_imported": (
        "Records written by a running import, or one finished within the last hour.",
        IMPORT_LABELS,
    ),
    "pinecone_import_validation_errors": (
        "Records that failed validation (API 2026-07 on), of a running import or one "
        "finished within the last hour.",
        IMPORT_LABELS,
    ),
    "pinecone_imports_failed": (
        "Imports that failed within the window (--window, default 24h) before the latest "
        "listing, per error category.",
        (*INDEX_LABELS, "error_category"),
    ),
    "pinecone_imports_failures_total": (
        "Failed imports the exporter saw appear in its listings, per error category: each "
        "import once, when first listed failed (those failed at its first listing of the "
        "index are not counted, so a restart never counts old failures again).",
        (*INDEX_LABELS, "error_category"),
    ),
    "pinecone_imports_retry_traps": (
        "Imports within the window that failed because an earlier failed import on the same "
        "URI had written the namespace (the retry trap: import into a new namespace, or "
        "delete it first).",
        INDEX_LABELS,
    ),
    "pinecone_imports_listing_success": (
        "1 if the latest listing of the index succeeded, 0 if it failed (the other series "
        "then show the last successful listing).",
        INDEX_LABELS,
    ),
    "pinecone_imports_listing_timestamp_seconds": (
        "Unix time of the latest successful listing of the index, by the exporter's clock.",
        INDEX_LABELS,
    ),
    "pinecone_imports_listing_duration_seconds": (
        "Seconds the latest listing of the index took, successful or not.",
        INDEX_LABELS,
    ),
}

#: Metrics of the project as a whole (``all_indexes``), without labels: name -> help.
PROJECT_METRICS: dict[str, str] = {
    "pinecone_imports_control_plane_success": (
        "1 if the control plane's latest list of the project's indexes succeeded, 0 if it "
        "failed (the indexes already known are still listed on their hosts). Only with "
        "--all-indexes."
    ),
}


def label(value: object, *, redact: Callable[[str], str] = str) -> str:
    r"""Make a label value of text a server sent: printable, redacted, at most 128 characters.

    Examples
    --------
    >>> label("import 7\x1b[2J"), label(None)
    ('import 7\\x1b[2J', '')
    >>> len(label("x" * 500))
    128
    """
    text = redact(printable(value))
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def distinct_labels(values: Sequence[object], *, redact: Callable[[str], str] = str) -> list[str]:
    r"""Make the label values of distinct texts (an index's import ids), distinct too.

    Texts that :func:`label` writes alike (cut at the same place, escaped or redacted to
    the same text) would be samples with equal labels, which Prometheus drops: each of
    those gets ``~`` and 8 hex digits of its text's SHA-256.

    Examples
    --------
    >>> distinct_labels(["a", "b\x1b", "b\\x1b"])  # doctest: +ELLIPSIS
    ['a', 'b\\x1b~...', 'b\\x1b~...']
    """
    labels = [label(v, redact=redact) for v in values]
    if len(set(labels)) == len(labels):
        return labels
    seen = Counter(labels)
    out = []
    for value, text in zip(values, labels, strict=True):
        if seen[text] > 1:
            raw = str(value).encode("utf-8", "surrogatepass")
            tag = "~" + hashlib.sha256(raw).hexdigest()[:8]
            room = MAX_LABEL - len(tag)
            text = (text if len(text) <= room else text[: room - 1] + "…") + tag
        out.append(text)
    return out


def id_key(value: object, *, redact: Callable[[str], str] = str) -> str:
    """Name an import for the memory of failures seen: its label, or a hash where that differs.

    The same id is the same key from listing to listing, whatever else is listed (unlike
    :func:`distinct_labels`), and a key is a label value as written (for the state file).

    Examples
    --------
    >>> id_key("7"), id_key("x" * 500)  # doctest: +ELLIPSIS
    ('7', '~...')
    """
    text = label(value, redact=redact)
    if text == str(value):
        return text
    raw = str(value).encode("utf-8", "surrogatepass")
    return "~" + hashlib.sha256(raw).hexdigest()[:32]


@dataclass
class IndexView:
    """What the exporter shows of one index: its labels, its listing's health, its imports.

    ``statuses`` is None until a listing of the index succeeds: only the listing's
    health is shown until then.
    """

    name: str
    host: str
    success: bool | None = None
    listed_unix: float | None = None
    duration_seconds: float | None = None
    statuses: dict[str, int] | None = None
    failed: dict[str, int] = field(default_factory=dict)
    #: Failures seen to appear, per category (``pinecone_imports_failures_total``).
    failed_total: dict[str, int] = field(default_factory=dict)
    retry_traps: int = 0
    running: list[RunningImport] = field(default_factory=list)
    #: (id, records_imported, validation_errors) of imports finished in the last hour.
    finished: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        """The values of :data:`INDEX_LABELS`."""
        return [self.name, self.host]


class _Family:
    """A metric's samples, gathered before the prometheus_client family is made."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.samples: list[tuple[list[str], float]] = []

    def add(self, labels: list[str], value: float) -> None:
        if not math.isnan(value):
            self.samples.append((labels, value))


def status_counts(counts: dict[str, int]) -> dict[str, int]:
    """Every documented status (0 where none), then at most 10 others, the rest as "other".

    The statuses not documented are label values already (see :func:`label`).

    Examples
    --------
    >>> status_counts({"Failed": 2, "Paused": 1})
    {'Pending': 0, 'InProgress': 0, 'Completed': 0, 'Failed': 2, 'Cancelled': 0, 'Paused': 1}
    """
    out = {s: int(counts.get(s, 0)) for s in STATUSES}
    extra = sorted((s for s in counts if s not in out and counts[s]), key=lambda s: -counts[s])
    for s in extra[:MAX_EXTRA_STATUSES]:
        out[s] = int(counts[s])
    if extra[MAX_EXTRA_STATUSES:]:
        out["other"] = out.get("other", 0) + sum(int(counts[s]) for s in extra[MAX_EXTRA_STATUSES:])
    return out


def samples(views: Iterable[IndexView]) -> dict[str, list[tuple[list[str], float]]]:
    """Gather the samples of every metric of :data:`METRICS`, by name, for ``views``."""
    fam = {name: _Family(name) for name in METRICS}
    for view in views:
        index = view.labels
        if view.success is not None:
            fam["pinecone_imports_listing_success"].add(index, 1.0 if view.success else 0.0)
        if view.duration_seconds is not None:
            fam["pinecone_imports_listing_duration_seconds"].add(index, view.duration_seconds)
        if view.listed_unix is not None:
            fam["pinecone_imports_listing_timestamp_seconds"].add(index, view.listed_unix)
        if view.statuses is None:
            continue
        for status, n in status_counts(view.statuses).items():
            fam["pinecone_imports"].add([*index, status], float(n))
        for category in ERROR_CATEGORIES:
            fam["pinecone_imports_failed"].add(
                [*index, category], float(view.failed.get(category, 0))
            )
            fam["pinecone_imports_failures_total"].add(
                [*index, category], float(view.failed_total.get(category, 0))
            )
        fam["pinecone_imports_retry_traps"].add(index, float(view.retry_traps))
        for run in view.running:
            labels = [*index, run.id]
            fam["pinecone_import_percent_complete"].add(labels, run.percent_complete)
            fam["pinecone_import_eta_seconds"].add(labels, run.eta_seconds)
            fam["pinecone_import_records_per_second"].add(labels, run.records_per_second)
            fam["pinecone_import_indexing_seconds"].add(labels, run.indexing_seconds)
            fam["pinecone_import_seconds_since_progress"].add(labels, run.seconds_since_progress)
            fam["pinecone_import_pending_seconds"].add(labels, run.pending_seconds)
            fam["pinecone_import_records_imported"].add(labels, run.records_imported)
            fam["pinecone_import_validation_errors"].add(labels, run.validation_errors)
        for import_id, records, invalid in view.finished:
            fam["pinecone_import_records_imported"].add([*index, import_id], records)
            fam["pinecone_import_validation_errors"].add([*index, import_id], invalid)
    return {name: f.samples for name, f in fam.items()}


def families(views: Iterable[IndexView], *, control: bool | None = None) -> list[object]:
    """Make the metric families of ``views`` for a prometheus_client collector.

    ``control``: whether the control plane's latest list of indexes succeeded (None: not
    asked, one index), shown as ``pinecone_imports_control_plane_success``.
    """
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    out: list[object] = []
    for name, found in samples(views).items():
        doc, labels = METRICS[name]
        kind = CounterMetricFamily if name in COUNTERS else GaugeMetricFamily
        family = kind(name, doc, labels=list(labels))
        for values, value in found:
            family.add_metric(values, value)
        out.append(family)
    if control is not None:
        name = "pinecone_imports_control_plane_success"
        out.append(GaugeMetricFamily(name, PROJECT_METRICS[name], value=1.0 if control else 0.0))
    return out
