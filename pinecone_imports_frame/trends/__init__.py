"""Trends over imports: what runs and when it ends, what failed and why, how fast, over time.

Every function takes a frame of the package's schema, either one listing
(:func:`~pinecone_imports_frame.read_imports`) or a history of many
(:func:`~pinecone_imports_frame.read_snapshots`), and returns a tidy DataFrame whose
columns are documented; an empty input gives an empty result with the same columns and
dtypes. An *import* is one (``index_host``, ``id``); a *listing* is one (``index_host``,
``listed_at``). A frame without ``index_host`` is taken as one index.

- :func:`latest`: the last known row of every import, with ``first_seen``/``last_seen``;
- :func:`status_timeline`: imports per status at each listing;
- :func:`status_history` and :func:`transitions`: the statuses each import held, and
  every change between consecutive listings;
- :func:`progress_history` and :func:`estimate_completion`: progress per listing, and when the
  running imports will finish loading (or how long they have been indexing);
- :func:`throughput`: imports finished per period, records, speed, durations;
- :func:`failed_imports` and :func:`failures`: what failed and why, the retry trap, the
  validation errors (API 2026-07);
- :func:`summary` and :func:`summary_text`: the one-screen overview.

All the work is vectorised: one sort of the rows by import and listing time (numpy), then
array operations and group-bys over integer codes; nothing loops in Python per import or
per listing, so a month of five-minute listings (ten million rows) takes seconds
(``benchmarks/run.py``). Each function reads only some columns (:data:`COLUMNS_NEEDED`):
``read_snapshots(root, columns=COLUMNS_NEEDED["progress_history"])`` reads just those.

Runs: every function also takes the frame ``read_history``
returns (one row per run, an import's unchanged state over consecutive listings, with
``first_listed_at``, ``last_listed_at`` and ``listings`` in place of ``listed_at``) and
gives the answer it gives on the listings the runs stand for, without rebuilding them
(``status_timeline`` counts by intervals over the listings in ``attrs["listings"]``; a
runs frame without them is counted at its runs' first and last listings only). Only
:func:`progress_history`, one row per listing, and the running imports of
:func:`estimate_completion` rebuild listing rows.

API versions: a Pending import has no ``percentComplete`` nor ``recordsImported`` under API
2025-04 and 0 under 2026-07. :func:`progress_history` and :func:`estimate_completion` take both as
0, so that a lake mixing versions shows no jump and a change from NA to 0 is not progress.

Examples
--------
>>> import pinecone_imports_frame as pif
>>> from pinecone_imports_frame import trends
>>> with pif.Emulator(imports=40, seed=1) as emu:
...     df = pif.read_imports(emu.url, api_key=emu.api_key, progress=False)
>>> int(trends.summary(df).loc[0, "imports"])
40
"""

from __future__ import annotations

import logging

from ._completion import REASONS, estimate_completion, progress_history
from ._failures import failed_imports, failures
from ._history import COLUMNS_NEEDED
from ._statuses import latest, status_history, status_timeline, transitions
from ._summary import summary, summary_text
from ._throughput import throughput

logger = logging.getLogger(__name__)


def __getattr__(name: str) -> object:
    if name == "progress":  # renamed: progress= is the bars' switch everywhere
        raise AttributeError(
            "trends.progress is now trends.progress_history (progress= is the progress bars' "
            "switch everywhere else in the package)"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COLUMNS_NEEDED",
    "REASONS",
    "estimate_completion",
    "failed_imports",
    "failures",
    "latest",
    "progress_history",
    "status_history",
    "status_timeline",
    "summary",
    "summary_text",
    "throughput",
    "transitions",
]
