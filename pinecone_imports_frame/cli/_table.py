"""Tables for the terminal: server text escaped and cut."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._text import printable
from ._export import _is_text, _shown


def _table_text(
    df: pd.DataFrame,
    columns: list[str],
    *,
    width: int | None = 60,
    widths: dict[str, int | None] | None = None,
) -> str:
    """Format ``columns`` of ``df`` as a table for the terminal, server text escaped and cut.

    Every text cell (strings, categories such as ``status``, objects) and every header (a
    status column is named by the server) goes through :func:`printable`; text is cut to
    ``width`` characters, or to ``widths[name]`` (None: not cut); a tuple shows its length.
    """
    view = df[columns].copy()
    for name in columns:
        if _is_text(view[name]):
            cut = (widths or {}).get(name, width)

            def show(value: Any, cut: int | None = cut) -> Any:
                return len(value) if isinstance(value, tuple) else printable(value)[:cut]

            view[name] = _shown(view[name], show)
    view.columns = pd.Index([printable(c) for c in columns], dtype=object)
    return view.to_string(index=False, max_rows=None)


def _print_running(history: pd.DataFrame) -> None:
    from ..trends import estimate_completion

    running = estimate_completion(history)
    if not len(running):
        print("no imports running at the last listing")
        return
    print(f"running at the last listing ({len(running)}):")
    columns = ["id", "status", "phase", "percent_complete", "records_per_second", "eta"]
    columns += ["time_left", "indexing_for", "reason"]
    if running["index_host"].nunique() > 1:
        columns.insert(0, "index_host")
    print(_table_text(running, columns))
