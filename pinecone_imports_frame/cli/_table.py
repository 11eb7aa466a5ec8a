"""Tables for the terminal: one human format, widths that fit, server text escaped and cut.

Times are ``2026-12-09T15:42:19Z``, durations ``4h45m16s`` (the format of ``demo``,
``watch`` and the report: :func:`~pinecone_imports_frame._text.short_duration`), a missing
value ``-``; local paths are shown relative to the working directory. A table is as wide
as the terminal (``COLUMNS`` when set): text columns are cut first (with ``...``), then the
columns a command names as optional are left out, then any column is cut.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from .._text import printable, short_duration
from ._export import _stdout_is_terminal

#: What a table shows for a missing value (NA, NaT, None, NaN).
MISSING = "-"
#: Between two columns.
_GAP = "  "
#: A text column is cut to no fewer characters than this before optional columns go.
_TEXT_MIN = 10
#: The last resort: any column, its header too, is cut to this many characters.
_ANY_MIN = 5
_ELLIPSIS = "..."
#: Narrower terminals are taken as this wide.
_LEAST_WIDTH = 20
#: Headers shorter than the schema's names, where the name is much wider than its values.
_HEADERS = {
    "percent_complete": "percent",
    "records_imported": "records",
    "records_per_second": "records/s",
}
#: Columns whose values are paths: shown relative to here, cut at their start, to no
#: fewer than PATH_LEAST characters before optional columns go (the file's name shows).
_PATHS = frozenset({"path"})
_PATH_LEAST = 30
#: Columns that tell a row from the others: not cut before the optional columns go (up
#: to this many characters: a uuid's).
_KEYS = frozenset({"index_name", "index_host", "id", "status"})
_KEY_MOST = 36


def terminal_width() -> int | None:
    """Return the width tables fit: ``COLUMNS`` when set, else the terminal's.

    None (no limit) into a pipe or a file without ``COLUMNS``: as ``ps`` and ``ls`` do,
    a table read by another program is written whole.
    """
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), _LEAST_WIDTH)
    if _stdout_is_terminal():
        return max(shutil.get_terminal_size().columns, _LEAST_WIDTH)
    return None


def when(value: Any) -> str:
    """Write a time to the second, in UTC: ``2026-12-09T15:42:19Z``.

    Examples
    --------
    >>> when(pd.Timestamp("2026-12-09 15:42:19.427513+00:00"))
    '2026-12-09T15:42:19Z'
    >>> when(pd.Timestamp("2026-12-09 16:42:19+01:00")), when(pd.NaT)
    ('2026-12-09T15:42:19Z', '-')
    """
    if _missing(value):
        return MISSING
    t = pd.Timestamp(value)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    t = t.floor("s")
    # Field by field: strftime writes year 1 as "1" on some platforms.
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"


def shown_path(path: Any) -> str:
    """Show a local path under the working directory relative to it; others as they are.

    Examples
    --------
    >>> shown_path(os.path.join(os.getcwd(), "lake", "a.parquet")) == os.path.join("lake", "a.parquet")
    True
    >>> shown_path("s3://bucket/lake/a.parquet"), shown_path(os.sep + "elsewhere-i22")
    ('s3://bucket/lake/a.parquet', '/elsewhere-i22')
    """  # noqa: E501
    text = os.fspath(path)
    if "://" in text or not os.path.isabs(text):
        return printable(text)
    try:
        relative = os.path.relpath(text)
    except ValueError:  # another drive (Windows)
        return printable(text)
    # Under the working directory: relative; elsewhere "../../.." says less than the path.
    return printable(text if relative.split(os.sep, 1)[0] == os.pardir else relative)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if np.ndim(value) == 0 else False
    except (TypeError, ValueError):
        return False


def _number(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    v = float(value)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if abs(v) >= 1000:
        return f"{v:.0f}"
    return f"{v:.4g}" if abs(v) >= 0.001 else f"{v:.2e}"


def cell(value: Any, *, path: bool = False) -> str:
    r"""Write one value of a table: a time, a duration, a number, text (escaped), or ``-``.

    Examples
    --------
    >>> cell(pd.Timedelta("0 days 04:45:16.689798")), cell(pd.NA), cell(45.25), cell(3)
    ('4h45m16s', '-', '45.25', '3')
    >>> cell("bad\x1b[31m"), cell(("a", "b"))
    ('bad\\x1b[31m', '2')
    """
    if isinstance(value, tuple):
        return str(len(value))
    if _missing(value):
        return MISSING
    if isinstance(value, (pd.Timestamp, datetime, np.datetime64)):
        return when(value)
    if isinstance(value, (pd.Timedelta, timedelta, np.timedelta64)):
        return short_duration(value)
    if isinstance(value, (int, float, np.number, bool, np.bool_)):
        return _number(value)
    return shown_path(value) if path else printable(value)


def _cut(text: str, width: int, *, at_start: bool = False) -> str:
    if len(text) <= width:
        return text
    if width <= len(_ELLIPSIS):
        return text[:width]
    keep = width - len(_ELLIPSIS)
    return _ELLIPSIS + text[-keep:] if at_start else text[:keep] + _ELLIPSIS


def _is_number(col: pd.Series) -> bool:
    return getattr(col.dtype, "kind", "") in "iuf" and not isinstance(
        col.dtype, pd.CategoricalDtype
    )


def _is_text_column(col: pd.Series) -> bool:
    return getattr(col.dtype, "kind", "") not in "iufbmM"


def with_index_column(df: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """Put the index first in ``columns`` when the rows come from more than one index.

    Its name (``index_name``) where every row has one, else its name where known and its
    host elsewhere (``index``, made by :func:`with_index_names`), else its host
    (``index_host``).
    """
    columns = [c for c in columns if c not in ("index_name", "index_host", "index")]
    if "index_host" not in df.columns or df["index_host"].nunique() <= 1:
        return columns
    if "index_name" in df.columns:
        named = df["index_name"].notna() & (df["index_name"].astype(str) != "")
        if named.all():
            return ["index_name", *columns]
        if named.any() and "index" in df.columns:
            return ["index", *columns]
    return ["index_host", *columns]


def index_names(history: pd.DataFrame) -> dict[str, str]:
    """Map each host of a history to the index name of its newest row that has one.

    Examples
    --------
    >>> h = pd.DataFrame({"index_host": ["a.io", "a.io", "b.io"], "index_name": ["x", "y", None]})
    >>> index_names(h)
    {'a.io': 'y'}
    """
    if "index_host" not in history.columns or "index_name" not in history.columns:
        return {}
    pairs = history[["index_host", "index_name"]].dropna()
    pairs = pairs[pairs["index_name"].astype(str) != ""]
    last = pairs.astype(str).drop_duplicates("index_host", keep="last")
    return dict(zip(last["index_host"], last["index_name"], strict=True))


def with_index_names(df: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Give a table of hosts (the trends' tables) the index names ``names`` knows.

    ``index_name`` is the name where known; ``index`` the name, else the host. The names
    are the server's (the control plane's, or the lake's files'): escaped when shown.
    """
    if "index_host" not in df.columns or "index_name" in df.columns or not names:
        return df
    hosts = df["index_host"].astype(str)
    named = hosts.map(names)
    label = named.where(named.notna(), hosts)
    return df.assign(
        index_name=named.astype("string").map(printable, na_action="ignore"),
        index=label.astype("string").map(printable),
    )


def _fit(natural: list[int], floors: list[int], width: int) -> list[int] | None:
    """Cut the widest columns, each down to its floor, until the table fits; or None."""
    widths = list(natural)
    over = sum(widths) + len(_GAP) * (len(widths) - 1) - width
    while over > 0:
        allowed = [i for i, w in enumerate(widths) if w > floors[i]]
        if not allowed:
            return None
        widest = max(allowed, key=lambda i: (widths[i], i))
        widths[widest] -= 1
        over -= 1
    return widths


def table_text(
    df: pd.DataFrame,
    columns: Sequence[str],
    *,
    optional: Sequence[str] = (),
    width: int | None = None,
) -> str:
    """Format ``columns`` of ``df`` as a table as wide as the terminal (or ``width``).

    ``width`` None: :func:`terminal_width`; a table into a pipe is not cut.

    Every cell goes through :func:`cell` (server text escaped by ``printable``), every
    header through ``printable`` (a status column is named by the server). Text columns
    are cut first, with ``...`` (paths at their start), to no less than their header;
    then the ``optional`` columns are left out, in their order; then any column is cut.
    The columns that tell rows apart (index, id, status) are not cut before the
    optional columns go. Numbers are aligned right.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["1", "2"], "error": ["x" * 50, None]})
    >>> print(table_text(df, ["id", "error"], width=20))
    id  error
    1   xxxxxxxxxxxxx...
    2   -
    """
    limit = terminal_width() if width is None else width
    names = list(columns)
    optional = [c for c in optional if c in names]
    while True:
        cells = [[cell(v, path=name in _PATHS) for v in df[name].tolist()] for name in names]
        headers = [printable(_HEADERS.get(name, name)) for name in names]
        natural = [max([len(h), *map(len, col)]) for h, col in zip(headers, cells, strict=True)]
        # A text column is cut to its header's width, _TEXT_MIN or PATH_LEAST, no less,
        # before optional columns go; other columns are not cut before the last resort.
        floors = [
            min(n, max(_TEXT_MIN, len(h), _PATH_LEAST if name in _PATHS else 0))
            if _is_text_column(df[name]) and name not in _KEYS
            else min(n, _KEY_MOST)
            if name in _KEYS
            else n
            for name, h, n in zip(names, headers, natural, strict=True)
        ]
        widths = natural if limit is None else _fit(natural, floors, limit)
        if widths is None and optional:
            names.remove(optional.pop(0))
            continue
        if widths is None:
            # Text at its least first, then every column (headers too) down to _ANY_MIN.
            least = [min(n, _ANY_MIN) for n in natural]
            widths = (limit and _fit(floors, least, limit)) or least
        break
    right = [_is_number(df[name]) for name in names]
    lines = []
    rows = [headers, *([col[i] for col in cells] for i in range(len(df)))]
    for r, values in enumerate(rows):
        shown = []
        for j, value in enumerate(values):
            value = _cut(value, widths[j], at_start=names[j] in _PATHS and r > 0)
            shown.append(value.rjust(widths[j]) if right[j] else value.ljust(widths[j]))
        lines.append(_GAP.join(shown).rstrip())
    return "\n".join(lines)


def _short_reasons() -> dict[str, str]:
    """Each of ``trends.REASONS`` as a table cell says it: a few words, whole at 80 columns."""
    from ..trends import REASONS

    short = {
        "pending": "not started",
        "indexing": "building index",
        "too_few": "too few listings",
        "stalled": "no progress",
        "no_percent": "no percent given",
    }
    return {REASONS[k]: v for k, v in short.items() if k in REASONS}


def _print_running(history: pd.DataFrame) -> None:
    from ..trends import estimate_completion

    running = with_index_names(estimate_completion(history), index_names(history))
    if not len(running):
        print("no imports running at the last listing")
        return
    print(f"running at the last listing ({len(running)}):")
    reasons = running["reason"].astype("object")
    running["reason"] = reasons.map(
        lambda r: _short_reasons().get(r, r) if isinstance(r, str) else r
    )
    columns = ["id", "status", "phase", "percent_complete", "records_per_second", "eta"]
    columns += ["time_left", "indexing_for", "reason"]
    # How long an import has sat at 100 % is what an operator asks of it: it goes last.
    optional = ["records_per_second", "phase", "indexing_for"]
    print(table_text(running, with_index_column(running, columns), optional=optional))
