"""Imports finished per period: counts by status, records, speed and durations."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..errors import ConfigurationError
from . import _history as h
from . import _on_runs as r

logger = logging.getLogger(__name__)

#: The columns of :func:`throughput`.
_THROUGHPUT_DTYPES: dict[str, Any] = {
    "period": h.TIMESTAMP,
    "finished": np.dtype(np.int64),
    **{s: np.dtype(np.int64) for s in h.TERMINAL},
    "records_imported": pd.Int64Dtype(),
    "records_per_second_p50": pd.Float64Dtype(),
    "records_per_second_p90": pd.Float64Dtype(),
    "duration_p50": h.DURATION,
    "duration_p90": h.DURATION,
    "duration_max": h.DURATION,
}


def _offset(freq: Any) -> pd.DateOffset:
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"freq={freq!r} is not a pandas frequency; pass e.g. '1D' (days), '1h', '1W' or "
            "'MS' (months)"
        ) from exc
    if offset is None or getattr(offset, "n", 1) <= 0:
        raise ConfigurationError(f"freq={freq!r} must be a positive frequency, e.g. '1D'")
    return offset


def throughput(frame: pd.DataFrame, *, freq: str | pd.DateOffset = "1D") -> pd.DataFrame:
    """Count the imports that finished in each period, with their records and speed.

    Each import counts once, in the period of its ``finished_at`` (UTC), with its last
    known row (a history is reduced to it).

    Parameters
    ----------
    frame : pandas.DataFrame
        One listing or a history (needs ``id``, ``status``, ``finished_at``,
        ``records_imported``, ``duration``, ``records_per_second`` and ``listed_at``).
    freq : str or pandas.DateOffset
        The period: ``"1D"`` (default), ``"1h"``, ``"MS"`` (months), ``"1W"``... Periods
        are pandas' bins, labelled as ``resample`` labels them: by their start, except the
        frequencies anchored on an end, labelled by it (``"1W"``: weeks ending Sunday,
        labelled by that Sunday; ``"ME"``: by the month's last day). ``"7D"`` gives weeks
        labelled by their first day, counted from the first finish's day.

    Returns
    -------
    pandas.DataFrame
        One row per period from the first to the last finish (periods with none
        included, as zeros): ``period`` (its label, see ``freq``; ``datetime64[us, UTC]``),
        ``finished`` and ``Completed``, ``Failed``, ``Cancelled`` (``int64``),
        ``records_imported`` (``Int64``: what the imports finished in the period report,
        a failed one's partial count included), ``records_per_second_p50`` and
        ``records_per_second_p90`` (``Float64``, over the Completed imports) and
        ``duration_p50``, ``duration_p90``, ``duration_max`` (``timedelta64[us]``, over
        the Completed imports).

    Raises
    ------
    ConfigurationError
        ``freq`` is not a positive pandas frequency.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> listing = pif.to_frame([
    ...     {"id": str(i), "status": s, "createdAt": f"2025-05-0{d}T10:00:00Z",
    ...      "finishedAt": f"2025-05-0{d}T11:00:00Z", "recordsImported": 3600}
    ...     for i, (d, s) in enumerate([(1, "Completed"), (1, "Failed"), (3, "Completed")])],
    ...     listed_at="2025-05-04T00:00:00Z")
    >>> t = throughput(listing)
    >>> t["finished"].tolist(), t["Completed"].tolist(), t["records_imported"].tolist()
    ([2, 0, 1], [1, 0, 1], [7200, 0, 3600])
    >>> float(t.loc[0, "records_per_second_p50"]), str(t.loc[0, "duration_p50"])
    (1.0, '0 days 01:00:00')
    """
    h.check_frame(frame, "throughput")
    offset = _offset(freq)
    last = r.last_rows(frame)
    if not len(last):
        return h.empty(_THROUGHPUT_DTYPES)
    status = h.col(last, "status")
    finished_at = h.col(last, "finished_at")
    done = (status.isin(h.TERMINAL) & finished_at.notna()).to_numpy()
    if not done.any():
        return h.empty(_THROUGHPUT_DTYPES)
    duration, rps = h.completed_figures(last)
    d = pd.DataFrame(
        {
            "finished_at": finished_at[done].array,
            "finished": 1,
            **{s: (status[done] == s).to_numpy().astype(np.int64) for s in h.TERMINAL},
            "records_imported": h.col(last, "records_imported")[done].to_numpy(),
            "rps": rps[done],
            "duration": duration[done],
        }
    )
    by = d.groupby(pd.Grouper(key="finished_at", freq=offset))
    counts = by[["finished", *h.TERMINAL]].sum()
    columns: dict[str, Any] = {"period": counts.index, **{c: counts[c] for c in counts}}
    columns["records_imported"] = by["records_imported"].sum(min_count=0)
    columns["records_per_second_p50"] = by["rps"].quantile(0.5)
    columns["records_per_second_p90"] = by["rps"].quantile(0.9)
    for name, values in (
        ("duration_p50", by["duration"].quantile(0.5)),
        ("duration_p90", by["duration"].quantile(0.9)),
        ("duration_max", by["duration"].max()),
    ):
        columns[name] = h.rounded_durations(values.to_numpy(dtype=np.float64))
    columns = {k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in columns.items()}
    columns["period"] = pd.DatetimeIndex(counts.index).as_unit(schema.TIME_UNIT)
    return h.make_frame(columns, _THROUGHPUT_DTYPES)
