"""The exporter: CSV and JSON values, spreadsheet-safe CSV, stdout as a file."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .._text import printable_lines, spreadsheet_safe


def plain_records(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with the values CSV and JSON write: text, numbers, None.

    Timestamps become RFC 3339 UTC text with microseconds and ``Z``; durations become
    seconds (a number); categories become their text; NA becomes None. The same in both
    formats, so that a CSV and a JSON export of one listing say the same thing.

    Examples
    --------
    >>> from pinecone_imports_frame import to_frame
    >>> df = to_frame([{"id": "1", "status": "Completed", "createdAt": "2025-05-01T12:00:00Z",
    ...                 "finishedAt": "2025-05-01T12:01:30Z"}], listed_at="2025-05-02")
    >>> row = plain_records(df).iloc[0]
    >>> row["created_at"], row["duration"], row["status"]
    ('2025-05-01T12:00:00.000000Z', 90.0, 'Completed')
    """
    out = {}
    for name in df.columns:
        col = df[name]
        kind = getattr(col.dtype, "kind", "")  # "M" and "m" for either backend's dtypes
        # In microseconds (the schema's unit), never through strftime or total_seconds:
        # strftime writes year 1 as "1" (pandas 2), total_seconds loses the last
        # microsecond of a long duration (pandas 3).
        values: np.ndarray
        if kind == "M":
            if getattr(col.dt, "tz", None) is not None:
                col = col.dt.tz_convert("UTC").dt.tz_localize(None)
            us = col.to_numpy(dtype="datetime64[us]", na_value=np.datetime64("NaT"))
            values = np.char.add(np.datetime_as_string(us, unit="us"), "Z")
        elif kind == "m":
            ticks = col.to_numpy(dtype="timedelta64[us]", na_value=np.timedelta64("NaT"))
            whole, part = np.divmod(ticks.view("i8"), 1_000_000)
            values = whole.astype("float64") + part / 1_000_000
        else:
            values = col.to_numpy(dtype=object)
        shown = pd.Series(values, index=df.index, dtype=object)
        out[name] = shown.where(col.notna().to_numpy(), None)
    return pd.DataFrame(out, index=df.index)


def _shown(col: pd.Series, show: Callable[[Any], Any]) -> pd.Series:
    """``show`` of each value of ``col`` as an object column; NA stays NA (``<NA>``).

    The dtype is set, not inferred: ``Series.map`` types its result from the values it
    returns, so a column of NA alone (a listing where no import failed) came back as
    float or ``null[pyarrow]``, and depended on the pandas version.
    """
    missing = col.isna().tolist()
    values = [pd.NA if m else show(v) for v, m in zip(col.tolist(), missing, strict=True)]
    return pd.Series(values, index=col.index, dtype=object, name=col.name)


def _is_text(col: pd.Series) -> bool:
    """Whether ``col`` may hold text: strings, categories (``status``) or objects."""
    dtype = col.dtype
    return isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)) or dtype == np.dtype(object)


def _csv_text(df: pd.DataFrame) -> str:
    """Write ``df`` as CSV that a spreadsheet opens as data, never as formulas.

    Every CSV the command line writes goes through here: a text cell beginning with
    ``=``, ``+``, ``-``, ``@``, a tab or a CR gets a leading ``'`` (:func:`spreadsheet_safe`),
    and every text cell is quoted (OWASP's advice), so that a CR inside one cannot end
    the row and start a formula of its own (Python's csv module before 3.13 left such a
    cell unquoted). Numbers, negative ones included, are written as numbers, unquoted.
    """
    safe = {name: _shown(df[name], spreadsheet_safe) if _is_text(df[name]) else df[name]
            for name in df.columns}  # fmt: skip
    return pd.DataFrame(safe, index=df.index).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)


def _write_stdout(text: str) -> None:
    """Write a file's text (CSV, JSON) to stdout: as it is, but escaped on a terminal.

    Into a pipe or a file the values stay the server's, byte for byte; on a terminal a
    person reads them, and a control character in one would drive the terminal.
    """
    sys.stdout.write(printable_lines(text) if _stdout_is_terminal() else text)


# Indirection so that tests can tell a terminal from a pipe.
def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced by an object without it, or closed
        return False
