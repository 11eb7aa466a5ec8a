r"""A report to share: one self-contained HTML file of a listing's or a history's trends.

:func:`report` builds the page from the :mod:`~pinecone_imports_frame.trends` functions:
the summary, the status timeline, the running imports with their ETAs, the throughput per
day and the failures. Figures are drawn with matplotlib (the ``report`` or ``notebook``
extra) on figures of their own (no pyplot state, no display needed) and embedded as
base64 PNG; there is no script, no stylesheet or font to fetch, so the file opens anywhere,
offline. Every text from the server (ids, URIs, errors, statuses) goes through
:func:`~pinecone_imports_frame._text.printable` (control characters shown as ``\x1b``)
and is then escaped, so the markup is well-formed XHTML5 whatever the text: an XML parser
and a strict HTML5 parser both accept it. matplotlib never reads a label as math text
(``$x^2$`` is drawn as written).
"""

from __future__ import annotations

import base64
import html
import io
import logging
from collections.abc import Callable
from typing import Any

import pandas as pd

from . import trends
from ._text import printable, printable_lines, short_duration
from ._version import __version__
from .errors import ConfigurationError

logger = logging.getLogger(__name__)

__all__ = ["report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; }
img { max-width: 100%; } p.note { color: #666; font-size: 0.9em; }
"""

#: One colour per status in every figure (extra statuses get matplotlib's next ones).
STATUS_COLORS = {
    "Pending": "#9e9e9e",
    "InProgress": "#1f77b4",
    "Completed": "#2ca02c",
    "Failed": "#d62728",
    "Cancelled": "#ff7f0e",
}

#: Figure size, inches, and resolution: about 1000 x 400 pixels each.
_FIGSIZE = (10, 4)
_DPI = 100


def _text(value: Any) -> str:
    """Server text as markup: control characters shown escaped, then HTML-escaped.

    What remains is printable text, which XML 1.0 and HTML5 both accept: no C0 or C1
    control, no lone surrogate, no noncharacter.
    """
    return html.escape(printable(value))


def _png(draw: Callable[[Any], None], alt: str) -> str:
    """Draw on a fresh figure's axes; return an ``<img>`` with the PNG inline.

    Every text of the figure is made with ``text.parse_math`` off: a label with two
    ``$`` (an id, a status) is drawn as written, never parsed as math (which raised on
    ``$x^$``).
    """
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ConfigurationError(
            "the report draws its figures with matplotlib, which is not installed: "
            'pip install "pinecone-imports-frame[report]"'
        ) from exc
    buffer = io.BytesIO()
    with matplotlib.rc_context({"text.parse_math": False}):
        fig = Figure(figsize=_FIGSIZE, dpi=_DPI, layout="constrained")
        draw(fig.subplots())
        fig.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}" />'


#: The longest label of a line or an area (a longer one is cut, and ends with "…").
_LABEL_WIDTH = 40


def _labels(columns: pd.Index) -> list[str]:
    """Name the lines or areas of a figure (server text) as a reader may see them.

    Escaped, and cut so that a long id cannot squeeze the plot out of its figure.
    """
    shown = [printable(c) for c in columns]
    return [s if len(s) <= _LABEL_WIDTH else s[: _LABEL_WIDTH - 1] + "…" for s in shown]


def _cell(value: Any) -> str:
    if isinstance(value, tuple):
        return _text(", ".join(map(str, value)))
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, pd.Timedelta):
        return short_duration(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return _text(value)


def _table(df: pd.DataFrame, columns: list[str], *, empty: str) -> str:
    if not len(df):
        return f'<p class="note">{html.escape(empty)}</p>'
    numeric = {c for c in columns if pd.api.types.is_numeric_dtype(df[c].dtype)}
    head = "".join(f"<th>{_text(c)}</th>" for c in columns)  # a status may name a column
    rows = []
    for record in df[columns].astype(object).to_dict("records"):  # a table a reader reads
        cells = "".join(
            f'<td class="num">{_cell(record[c])}</td>'
            if c in numeric
            else f"<td>{_cell(record[c])}</td>"
            for c in columns
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _timeline_figure(timeline: pd.DataFrame) -> Callable[[Any], None]:
    def draw(ax: Any) -> None:
        statuses = [c for c in timeline.columns if c not in ("index_host", "listed_at", "total")]
        wide = timeline.groupby("listed_at")[statuses].sum()
        wide.index = pd.DatetimeIndex(wide.index).tz_convert(None)
        wide.columns = pd.Index(_labels(wide.columns), dtype=object)
        colors: list[Any] = [STATUS_COLORS.get(s, "#8c564b") for s in statuses]  # a new status
        if len(wide) > 1:
            wide.plot.area(ax=ax, linewidth=0, color=colors)
        else:
            wide.plot.bar(ax=ax, stacked=True, color=colors)
        ax.set_xlabel("listed at (UTC)")
        ax.set_ylabel("imports")
        ax.set_title("Imports by status at each listing")

    return draw


def _throughput_figure(daily: pd.DataFrame) -> Callable[[Any], None]:
    def draw(ax: Any) -> None:
        counts = daily.set_index(daily["period"].dt.strftime("%Y-%m-%d"))
        ended = ["Completed", "Failed", "Cancelled"]
        colors: list[Any] = [STATUS_COLORS[s] for s in ended]
        counts[ended].plot.bar(ax=ax, stacked=True, color=colors)
        ax.set_xlabel("day (UTC)")
        ax.set_ylabel("imports finished")
        ax.set_title("Imports finished per day")

    return draw


def _progress_history_figure(history: pd.DataFrame, running: pd.DataFrame) -> Callable[[Any], None]:
    def draw(ax: Any) -> None:
        lines = trends.progress_history(history)
        lines = lines[lines["id"].isin(running["id"])]
        wide = lines.pivot_table(
            index="listed_at", columns="id", values="percent_complete", aggfunc="last"
        )
        wide.index = pd.DatetimeIndex(wide.index).tz_convert(None)
        wide.columns = pd.Index(_labels(wide.columns), dtype=object)
        wide.plot(ax=ax, marker=".", legend=len(wide.columns) <= 12)
        ax.set_ylim(0, 105)
        ax.set_xlabel("listed at (UTC)")
        ax.set_ylabel("percent complete")
        ax.set_title("Progress of the running imports")

    return draw


def report(history: pd.DataFrame, *, title: str = "Pinecone bulk imports") -> str:
    """Render a listing or a history as one self-contained HTML page.

    Parameters
    ----------
    history : pandas.DataFrame
        One listing (``read_imports``) or many (``read_snapshots``, ``watch_imports``).
    title : str
        The page's title.

    Returns
    -------
    str
        The HTML (UTF-8 text): the summary, the status timeline (a stacked area of the
        statuses at each listing), the running imports with their ETAs (and their progress
        lines when there are several listings), the throughput per day (a bar chart and
        a table) and the failures table. Write it with
        ``Path("imports.html").write_text(html, encoding="utf-8")``.

    Raises
    ------
    ConfigurationError
        matplotlib is not installed (``pip install "pinecone-imports-frame[report]"``), or
        the frame lacks a column the trends need.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> with pif.Emulator(imports=50, seed=1) as emu:
    ...     page = report(pif.read_imports(emu.url, api_key=emu.api_key, progress=False))
    >>> page.startswith("<!DOCTYPE html>"), page.count("data:image/png;base64,") >= 2
    (True, True)
    """
    if not isinstance(title, str):
        raise ConfigurationError(f"title must be a string, not {type(title).__name__}")
    summary = trends.summary_text(history)
    timeline = trends.status_timeline(history)
    running = trends.estimate_completion(history)
    daily = trends.throughput(history, freq="1D")
    failed = trends.failures(history)
    listings = int(timeline["listed_at"].nunique()) if len(timeline) else 0
    newest = _cell(timeline["listed_at"].max()) if len(timeline) else "no listing"

    parts = [
        f"<h1>{_text(title)}</h1>",
        f'<p class="note">{listings} listing(s), the newest {newest}; made by '
        f"pinecone-imports-frame {html.escape(__version__)}.</p>",
        "<h2>Summary</h2>",
        f"<pre>{html.escape(printable_lines(summary))}</pre>",
        "<h2>Status timeline</h2>",
    ]
    if len(timeline):
        parts.append(_png(_timeline_figure(timeline), "imports by status at each listing"))
    shown = timeline.tail(24)
    if len(timeline) > len(shown):
        parts.append(f'<p class="note">The latest {len(shown)} of {len(timeline)} listings:</p>')
    parts.append(_table(shown, list(timeline.columns), empty="No listing."))
    parts.append("<h2>Running imports</h2>")
    if len(running) and listings > 1:
        figure = _progress_history_figure(history, running)
        parts.append(_png(figure, "progress of the running imports"))
    running_columns = ["index_host", "id", "status", "phase", "percent_complete"]
    running_columns += ["records_imported", "percent_per_hour", "records_per_second", "eta"]
    running_columns += ["time_left"]
    running_columns += ["indexing_for", "reason"]
    parts.append(_table(running, running_columns, empty="No import is running."))
    parts.append("<h2>Throughput per day</h2>")
    if len(daily):
        parts.append(_png(_throughput_figure(daily), "imports finished per day"))
    parts.append(_table(daily, list(daily.columns), empty="No import has finished."))
    parts.append("<h2>Failures</h2>")
    failure_columns = ["problem", "error_category", "message", "imports", "retry_traps"]
    failure_columns += ["validation_errors", "first_finished_at", "last_finished_at", "uris"]
    failure_columns += ["example"]
    parts.append(_table(failed, failure_columns, empty="No import failed."))
    if len(failed) and failed["retry_traps"].sum():
        parts.append(
            '<p class="note">Retry trap: an import failed after writing its namespace, so '
            "every retry on the same URI fails with &#8220;namespace already exists&#8221;. "
            "Import into a new namespace, or delete the namespace first.</p>"
        )
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n"
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">\n'
        '<head>\n<meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>{_text(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
