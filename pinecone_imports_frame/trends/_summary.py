"""The one-screen overview of a listing or a history: a frame of figures, and as text."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from .._text import printable, short_duration
from ..errors import ConfigurationError
from . import _history as h
from . import _on_runs as r
from ._failures import failed_imports

logger = logging.getLogger(__name__)

#: The columns of :func:`summary`; an ``int64`` column per status comes before "running".
_SUMMARY_DTYPES: dict[str, Any] = {
    "index_host": h.STRING,
    "listed_at": h.TIMESTAMP,
    "imports": np.dtype(np.int64),
    "running": np.dtype(np.int64),
    "other": np.dtype(np.int64),
    "running_percent_p50": pd.Float64Dtype(),
    "duration_p50": h.DURATION,
    "duration_p90": h.DURATION,
    "duration_p99": h.DURATION,
    "duration_max": h.DURATION,
    "records_per_second_p50": pd.Float64Dtype(),
    "records_imported": pd.Int64Dtype(),
    "retry_traps": np.dtype(np.int64),
    "with_validation_errors": np.dtype(np.int64),
    "validation_errors": pd.Int64Dtype(),
}


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Sum up a listing or a history: one row of figures per index.

    Each import counts once, with its last known row.

    Parameters
    ----------
    frame : pandas.DataFrame
        One listing or a history (needs the columns in ``COLUMNS_NEEDED["summary"]``).

    Returns
    -------
    pandas.DataFrame
        One row per ``index_host`` (``string``), with ``listed_at`` (the newest listing,
        ``datetime64[us, UTC]``); ``imports`` and one column per status (``int64``; a
        new status named like a column of this result, or beginning with ``status:``,
        is counted in ``status:NAME``);
        ``running`` (Pending or InProgress, ``int64``) and ``running_percent_p50``
        (``Float64``); ``other`` (``int64``: the imports neither running nor ended, in a
        status Pinecone does not document, say ``Paused``, or in none), so that
        ``imports`` is ``running`` + ``Completed`` + ``Failed`` + ``Cancelled`` +
        ``other``; ``duration_p50``, ``duration_p90``, ``duration_p99``,
        ``duration_max`` of the Completed imports (``timedelta64[us]``);
        ``records_per_second_p50`` of the Completed imports (``Float64``);
        ``records_imported`` (``Int64``, all imports); ``retry_traps`` (``int64``, see
        :func:`failed_imports`); ``with_validation_errors`` (imports, ``int64``) and
        ``validation_errors`` (records, ``Int64``; NA when no listing reported
        validation, as under API 2025-04).

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> listing = pif.to_frame([
    ...     {"id": "1", "status": "Completed", "createdAt": "2025-05-01T10:00:00Z",
    ...      "finishedAt": "2025-05-01T10:10:00Z", "recordsImported": 600,
    ...      "validationResult": {"importSuccesses": 590, "importErrors": 10}},
    ...     {"id": "2", "status": "InProgress", "createdAt": "2025-05-01T11:00:00Z",
    ...      "percentComplete": 50.0}], listed_at="2025-05-01T12:00:00Z")
    >>> s = summary(listing).iloc[0]
    >>> int(s["imports"]), int(s["running"]), str(s["duration_p50"]), int(s["validation_errors"])
    (2, 1, '0 days 00:10:00', 10)
    """
    h.check_frame(frame, "summary")
    last = r.last_rows(frame)
    categories = (
        [str(c) for c in h.col(last, "status").cat.categories]
        if len(last)
        else list(schema.STATUSES)
    )
    names = h.status_columns(categories, _SUMMARY_DTYPES)
    dtypes = h.with_status_counts(_SUMMARY_DTYPES, names, before="running")
    if not len(last):
        return h.empty(dtypes)
    status = h.col(last, "status")
    running = status.isin(h.RUNNING).to_numpy()
    other = ~running & ~status.isin(h.TERMINAL).to_numpy()
    duration, rps = h.completed_figures(last)
    percent = h.floats(h.col(last, "percent_complete"))
    percent[status.to_numpy() == "Pending"] = 0.0
    percent[~running] = np.nan
    verrors = h.col(last, "validation_errors")
    traps = failed_imports(last)
    trapped = pd.Series(traps["retry_trap"].to_numpy(), index=traps["index_host"].fillna(""))
    d = pd.DataFrame(
        {
            "host": h.col(last, "index_host").fillna("").to_numpy(),
            "listed_at": h.micros(h.col(last, "listed_at")),
            "imports": 1,
            "running": running.astype(np.int64),
            "other": other.astype(np.int64),
            "percent": percent,
            "duration": duration,
            "rps": rps,
            "records_imported": h.col(last, "records_imported").to_numpy(
                dtype=np.float64, na_value=np.nan
            ),
            "with_validation_errors": (verrors.fillna(0) > 0).to_numpy(dtype=np.int64),
            "validation_errors": verrors.to_numpy(dtype=np.float64, na_value=np.nan),
        }
    )
    by = d.groupby("host", sort=True)
    out = by[["imports", "running", "other", "with_validation_errors"]].sum()
    out["listed_at"] = by["listed_at"].max()
    out["running_percent_p50"] = by["percent"].median()
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
        out[f"duration_{name}"] = by["duration"].quantile(q)
    out["duration_max"] = by["duration"].max()
    out["records_per_second_p50"] = by["rps"].median()
    out["records_imported"] = by["records_imported"].sum(min_count=1)
    out["validation_errors"] = by["validation_errors"].sum(min_count=1)
    out["retry_traps"] = trapped.groupby(level=0).sum().reindex(out.index, fill_value=0)
    columns: dict[str, Any] = {c: out[c].to_numpy() for c in out.columns}
    # Counted apart from d's columns, whose names a status may have (the enum is open).
    codes = status.cat.codes.to_numpy()
    host_of_row = out.index.get_indexer(d["host"])
    counts = np.zeros((len(out), len(categories)), dtype=np.int64)
    known = codes >= 0
    np.add.at(counts, (host_of_row[known], codes[known]), 1)
    for i, name in enumerate(names):
        columns[name] = counts[:, i]
    columns["index_host"] = pd.array(
        [None if host == "" else host for host in out.index], dtype=h.STRING
    )
    columns["listed_at"] = h.timestamps(columns["listed_at"].astype(np.int64))
    for name in ("duration_p50", "duration_p90", "duration_p99", "duration_max"):
        columns[name] = h.rounded_durations(columns[name].astype(np.float64))
    for name in ("running_percent_p50", "records_per_second_p50"):
        columns[name] = h.nullable_floats(columns[name].astype(np.float64))
    for name in ("records_imported", "validation_errors"):
        columns[name] = h.nullable_ints(columns[name].astype(np.float64))
    return h.make_frame(columns, dtypes)


def summary_text(frame: pd.DataFrame, *, max_failed: int = 8) -> str:
    """Sum up a listing or a history as text: statuses, durations, speed, failures.

    The overview ``pinecone-imports demo`` prints: the figures of :func:`summary` for each
    index, then its latest failed imports with their errors.

    Parameters
    ----------
    frame : pandas.DataFrame
        One listing or a history (the columns of :func:`summary`).
    max_failed : int
        How many of the latest failed imports to show (0 for none).

    Returns
    -------
    str
        A few lines per index (no trailing newline); control characters of server text
        (ids, URIs, errors) are escaped, so printing it cannot drive the terminal.

    Raises
    ------
    ConfigurationError
        ``max_failed`` is not a whole number >= 0.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> print(summary_text(pif.empty_frame()))
    0 imports
    >>> listing = pif.to_frame([
    ...     {"id": "1", "uri": "s3://b/a/", "status": "Failed",
    ...      "createdAt": "2025-05-01T10:00:00Z", "finishedAt": "2025-05-01T10:01:00Z",
    ...      "error": "Exceeds system limit"}], listed_at="2025-05-01T12:00:00Z")
    >>> print(summary_text(listing))
    1 imports
    by status:  Failed 1
    failed (1):
           1  s3://b/a/
              Exceeds system limit
    """
    h.check_frame(frame, "summary_text")
    if isinstance(max_failed, bool) or not isinstance(max_failed, int) or max_failed < 0:
        raise ConfigurationError(f"max_failed must be a whole number >= 0, not {max_failed!r}")
    last = r.last_rows(frame)  # once: an import twice in a listing is said once
    figures = summary(last)
    if not len(figures):
        return "0 imports"
    failed = failed_imports(last)
    failed = failed[failed["status"] == "Failed"]
    categories = list(figures.columns[3 : figures.columns.get_loc("running")])
    blocks = []
    for f in figures.to_dict("records"):  # one per index: a handful
        host = f["index_host"]
        where = f" on {printable(host)}" if len(figures) > 1 else ""
        lines = [f"{f['imports']} imports{where}"]
        counts = "  ".join(f"{printable(c)} {f[c]}" for c in categories if f[c])
        lines.append("by status:  " + counts)
        if not pd.isna(f["duration_p50"]):
            lines.append(
                "duration of completed imports:  "
                + "  ".join(
                    f"{p} {short_duration(f['duration_' + p])}" for p in ("p50", "p90", "p99")
                )
                + f"  max {short_duration(f['duration_max'])}"
            )
        if not pd.isna(f["records_per_second_p50"]):
            total = 0 if pd.isna(f["records_imported"]) else int(f["records_imported"])
            lines.append(
                f"throughput:  median {f['records_per_second_p50']:,.0f} records/s per import, "
                f"{total:,} records imported in all"
            )
        if f["running"]:
            lines.append(
                f"running:  {f['running']} imports, median "
                f"{f['running_percent_p50']:.0f} % complete"
            )
        if f["other"]:
            lines.append(_other_line(f, categories))
        if f["with_validation_errors"]:
            lines.append(
                f"validation:  {int(f['validation_errors']):,} records failed validation in "
                f"{f['with_validation_errors']} imports (see trends.failures)"
            )
        if f["retry_traps"]:
            lines.append(
                f"retry trap:  {f['retry_traps']} imports failed because an earlier failed "
                "attempt on the same URI had written the namespace"
            )
        mine = failed[failed["index_host"].fillna("").to_numpy() == ("" if pd.isna(host) else host)]
        if len(mine) and max_failed:
            shown = mine.tail(max_failed)
            more = f", the {len(shown)} latest" if len(mine) > len(shown) else ""
            lines.append(f"failed ({len(mine)}{more}):")
            lines.extend(
                f"  {printable(i):>6}  {printable(u)}\n          {printable(e)}"
                for i, u, e in zip(shown["id"], shown["uri"], shown["error"], strict=True)
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _other_line(figures: dict[Any, Any], categories: list[str]) -> str:
    """Say the imports neither running nor ended of one index, their statuses escaped."""
    documented = {*h.RUNNING, *h.TERMINAL}
    named = [c for c in categories if c not in documented and figures[c]]
    words = [f"{printable(c)} {figures[c]}" for c in named]
    none = figures["other"] - sum(figures[c] for c in named)
    if none:
        words.append(f"no status {none}")
    return (
        f"neither running nor ended:  {figures['other']} imports, in a status Pinecone does "
        f"not document ({', '.join(words)})"
    )
