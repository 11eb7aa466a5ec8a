"""The report's figures, drawn with matplotlib on figures of their own (no pyplot, no display).

Each figure comes in two layouts: ``"wide"`` (a screen; 1,200 pixels wide) and
``"narrow"`` (a phone; drawn taller, at a higher resolution, shown about 360 pixels wide).
The rules every figure keeps, which the tests check on the figures themselves: a legend
sits outside the axes (it never covers data), a count axis starts at 0, times are UTC
without an offset, and no text is read as math (``text.parse_math`` off: an id like
``$x^$`` is drawn as written).
"""

from __future__ import annotations

import base64
import io
import logging
import math
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._text import printable
from ..errors import ConfigurationError
from ._format import shorten

if TYPE_CHECKING:
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

#: One colour per status in every figure (a status a newer API adds gets ``OTHER_COLOR``).
STATUS_COLORS = {
    "Pending": "#8a8a8a",
    "InProgress": "#1f77b4",
    "Completed": "#2ca02c",
    "Failed": "#d62728",
    "Cancelled": "#ff7f0e",
}
OTHER_COLOR = "#8c564b"

#: Width in inches and resolution of each layout.
LAYOUTS = {"wide": (12.0, 100), "narrow": (4.8, 150)}

#: The margin round each figure, in inches.
PAD = 0.07

#: The longest label of a line or a panel (a longer one is cut, and ends with "…").
LABEL_WIDTH = 40

#: The most lines a legend names; beyond, the figure has no legend (the table names them).
MAX_LEGEND = 12


def require_matplotlib() -> None:
    """Raise a :class:`ConfigurationError` saying what to install when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(
            "the report draws its figures with matplotlib, which is not installed: install "
            "the package's report extra (pip install 'pinecone-imports-frame[report]'; from a "
            "checkout: pip install -e '.[report]'), or pip install matplotlib"
        ) from exc


def label(value: Any) -> str:
    r"""Name a line or a panel (server text) as a reader may see it: escaped, and cut.

    Examples
    --------
    >>> label("import\x1b[2J"), len(label("x" * 100))
    ('import\\x1b[2J', 40)
    """
    return shorten(printable(value), LABEL_WIDTH)


def render(make: Callable[[str], Figure]) -> tuple[str, str, tuple[int, int]]:
    """Draw a figure in both layouts; return both PNGs (base64) and the wide one's size.

    Every text is made and drawn with ``text.parse_math`` off.
    """
    require_matplotlib()
    import matplotlib

    out = []
    size = (0, 0)
    with matplotlib.rc_context({"text.parse_math": False, "font.size": 10}):
        for layout in ("wide", "narrow"):
            fig = make(layout)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
            if layout == "wide":
                w, h = fig.get_size_inches() * fig.dpi
                size = (round(w), round(h))
            out.append(base64.b64encode(buffer.getvalue()).decode("ascii"))
    return out[0], out[1], size


def _figure(layout: str, height: float) -> Figure:
    from matplotlib.figure import Figure

    width, dpi = LAYOUTS[layout]
    fig = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    # A margin round the edge: the narrow PNG is shown at half its size, where
    # matplotlib's 6 pixels left the "i" of "imports" on the phone's edge.
    engine: Any = fig.get_layout_engine()
    engine.set(w_pad=PAD, h_pad=PAD)
    return fig


#: The steps between time ticks, in seconds: each divides a day, or is whole days.
_STEPS = (
    *(1, 2, 5, 10, 15, 20, 30),
    *(60 * m for m in (1, 2, 5, 10, 15, 20, 30)),
    *(3600 * h for h in (1, 2, 3, 4, 6, 8, 12)),
    *(86400 * d for d in (1, 2, 3, 4, 7, 14, 28, 56)),
)

#: The room a time label takes ("Nov 03", "14:00") and the gap after it, in ems.
_LABEL_EMS = 4.4
#: The share of its column an axes has (the rest: its count labels and margins).
_AXES_SHARE = 0.78


def _time_ticks(vmin: float, vmax: float, most: int, *, room: float) -> list[float] | None:
    """Place ticks one even step apart at round UTC times (matplotlib's days), or None.

    At most ``most`` ticks, each ``room`` (a fraction of the axis) from the next or more:
    the shortest step that keeps both. Steps of whole days count from 1970-01-01, so that
    the ticks are evenly spaced across a month's end (matplotlib's own restart on each
    month's 1st: "Oct 31" beside "Nov 01"). None when no step fits (a span under a few
    seconds, or of many months: months are matplotlib's to place).

    Examples
    --------
    >>> import matplotlib.dates as mdates
    >>> start = mdates.date2num(datetime(2026, 10, 30, 4))
    >>> ticks = _time_ticks(start, start + 4, 3, room=0.25)
    >>> [mdates.num2date(t).strftime("%b %d") for t in ticks]
    ['Nov 01', 'Nov 03']
    """
    lo, hi = min(vmin, vmax) * 86400, max(vmin, vmax) * 86400
    if not hi > lo:
        return None
    for step in _STEPS:
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        n = last - first + 1
        if n <= most and step >= room * (hi - lo):
            return [k * step / 86400 for k in range(first, last + 1)] if n >= 1 else None
    return None


def _time_locator(most: int, room: float) -> Any:
    """Make a tick locator of :func:`_time_ticks`, matplotlib's own where none fits."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import Locator

    fallback = mdates.AutoDateLocator(minticks=2, maxticks=most)

    class TimeLocator(Locator):
        def __call__(self) -> Any:
            axis: Any = self.axis
            vmin, vmax = axis.get_view_interval()
            return self.tick_values(vmin, vmax)

        def tick_values(self, vmin: float, vmax: float) -> Any:
            ticks = _time_ticks(vmin, vmax, most, room=room)
            if ticks is not None:
                return ticks
            fallback.set_axis(self.axis)
            return fallback.tick_values(mdates.num2date(vmin), mdates.num2date(vmax))

        def nonsingular(self, v0: float, v1: float) -> tuple[float, float]:
            return fallback.nonsingular(v0, v1)

    return TimeLocator()


def _time_axis(ax: Any, layout: str, *, small: bool = False) -> None:
    """Name the times under an axes: few enough that no two labels touch.

    Small panels get at most 3 ticks ("Nov 01Nov 02Nov 03Nov 04" ran together on a
    phone at 4), an axes of the whole width 6 (4 on a phone); and each label has the
    room of :data:`_LABEL_EMS` ems, on the width its column gives it (from the figure's
    width, not the axes' place: constrained layout moves it, and ticks that changed
    between its passes ended up outside the figure).
    """
    import matplotlib
    import matplotlib.dates as mdates
    from matplotlib.font_manager import FontProperties

    most = 3 if small else (6 if layout == "wide" else 4)
    fig = ax.get_figure()
    width = fig.bbox.width / ax.get_subplotspec().get_gridspec().ncols * _AXES_SHARE
    size = FontProperties(size=matplotlib.rcParams["xtick.labelsize"]).get_size_in_points()
    room = _LABEL_EMS * size * fig.dpi / 72 / width
    locator = _time_locator(most, room)
    ax.xaxis.set_major_locator(locator)
    # Days as "Dec 06" (a bare "06" reads as an hour), hours as "14:00", midnight as its day.
    formats = ["%Y", "%b", "%b %d", "%H:%M", "%H:%M", "%S.%f"]
    zero_formats = ["", "%Y", "%b %d", "%b %d", "%H:%M", "%H:%M"]
    formatter = mdates.ConciseDateFormatter(
        locator, formats=formats, zero_formats=zero_formats, show_offset=False
    )
    ax.xaxis.set_major_formatter(formatter)


def _counts_axis(ax: Any, top: float) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.set_ylim(0, max(1.0, float(top)) * 1.12)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4, min_n_ticks=2))


def status_figure(counts: pd.DataFrame, colors: list[str], layout: str) -> Figure:
    """Small multiples: one panel per status, the imports in it at each listing.

    ``counts``: one row per listing time (naive UTC), one column per status (its name as
    shown). Each panel has its own count axis from 0, so that 3 running imports beside
    1,500 completed ones are as visible as they are.
    """
    n = len(counts.columns)
    ncols = min(n, 5) if layout == "wide" else min(n, 2)
    nrows = math.ceil(n / ncols)
    fig = _figure(layout, (2.3 if layout == "wide" else 1.9) * nrows + 0.5)
    axes = fig.subplots(nrows, ncols, sharex=True, squeeze=False).ravel()
    x = counts.index.to_numpy()
    for i, (ax, name, color) in enumerate(zip(axes, counts.columns, colors, strict=False)):
        y = counts.iloc[:, i].to_numpy(dtype=float)  # by place: a new status may be "Pending"
        if len(x) > 1:
            ax.fill_between(x, y, step="post", color=color, alpha=0.25, linewidth=0)
            ax.step(x, y, where="post", color=color, linewidth=1.5)
        else:
            ax.plot(x, y, marker="o", color=color)
        _counts_axis(ax, y.max() if len(y) else 0)
        last = int(y[-1]) if len(y) else 0
        ax.set_title(f"{label(name)}: {last:,} now", loc="left", color=color, fontsize=10)
        ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
        _time_axis(ax, layout, small=ncols >= 2)
    for i, ax in enumerate(axes[:n]):
        if n <= i + ncols < len(axes):  # no panel below it: it shows the dates
            ax.xaxis.set_tick_params(labelbottom=True)
    for ax in axes[n:]:
        fig.delaxes(ax)
    fig.supxlabel("listed at (UTC)", fontsize=9)
    fig.supylabel("imports", fontsize=9)
    return fig


def throughput_figure(
    bins: pd.DataFrame,
    *,
    width: pd.Timedelta,
    first_listing: datetime | None,
    partial_until: datetime | None,
    unit: str,
    layout: str,
) -> Figure:
    """Stacked bars of the imports finished in each period, Failed at the bottom.

    ``bins``: one row per period start (naive UTC) with ``Completed``, ``Failed`` and
    ``Cancelled``. Before ``first_listing`` the background is shaded (those imports were
    older than the lake: only what its first listing still showed); the last bar is
    hatched when its period ended early, at ``partial_until``.
    """
    import matplotlib.dates as mdates
    from matplotlib.patches import Patch

    fig = _figure(layout, 4.0 if layout == "wide" else 4.2)
    ax = fig.subplots()
    days = width / pd.Timedelta(days=1)
    starts = mdates.date2num(pd.DatetimeIndex(bins.index).to_pydatetime())
    centres = starts + days / 2
    bottom = pd.Series(0.0, index=bins.index).to_numpy()
    handles: list[tuple[Any, str]] = []
    for status in ("Failed", "Cancelled", "Completed"):
        values = bins[status].to_numpy(dtype=float)
        bars = ax.bar(centres, values, width=days * 0.8, bottom=bottom, color=STATUS_COLORS[status])
        handles.append((bars, status))
        bottom = bottom + values
    left, right = starts[0] - days * 0.1, starts[-1] + days * 1.1
    if first_listing is not None and mdates.date2num(first_listing) > left:
        edge = min(mdates.date2num(first_listing), right)
        ax.axvspan(left, edge, color="#000000", alpha=0.07, linewidth=0, zorder=0)
        ax.axvline(edge, color="#555555", linewidth=1, linestyle=":")
        handles.append((Patch(color="#000000", alpha=0.07), "before the first listing"))
    if partial_until is not None:
        hatch = ax.bar(
            centres[-1:],
            bottom[-1:],
            width=days * 0.8,
            fill=False,
            hatch="///",
            edgecolor="#444444",
            linewidth=0,
        )
        until = pd.Timestamp(partial_until).round("min").strftime("%H:%MZ")
        handles.append((hatch, f"{unit} so far (until {until})"))
    ax.set_xlim(left, right)
    _period_ticks(ax, bins.index, centres, unit=unit, most=8 if layout == "wide" else 4)
    _counts_axis(ax, bottom.max() if len(bottom) else 0)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.set_ylabel("imports finished")
    ax.set_xlabel(f"{unit} (UTC)")
    fig.legend(
        [h for h, _ in handles],
        [t for _, t in handles],
        loc="outside upper center",
        ncols=len(handles) if layout == "wide" else 2,
        frameon=False,
        fontsize=9,
    )
    return fig


def _period_ticks(ax: Any, starts: pd.Index, centres: Any, *, unit: str, most: int) -> None:
    """Name the bars under their middles: "Dec 03" for days, "14:00" for hours.

    An hour's label has its date under it at the first tick and at each midnight.
    """
    step = max(1, math.ceil(len(centres) / most))
    chosen = list(range(len(centres) - 1, -1, -step))[::-1]  # the newest period named
    labels = []
    for n, i in enumerate(chosen):
        t = pd.Timestamp(starts[i])
        if unit == "day":
            labels.append(t.strftime("%b %d"))
        elif n == 0 or (t.hour == 0 and t.minute == 0):
            labels.append(t.strftime("%H:%M\n%b %d"))
        else:
            labels.append(t.strftime("%H:%M"))
    ax.set_xticks([centres[i] for i in chosen], labels)


def progress_figure(lines: pd.DataFrame, layout: str) -> Figure:
    """One line per running import: its percent loaded at each listing.

    ``lines``: one row per listing time (naive UTC), one column per import (its label).
    The legend sits beside the axes (below them on a phone); past :data:`MAX_LEGEND`
    lines there is none.
    """
    fig = _figure(layout, 4.0 if layout == "wide" else 5.0)
    ax = fig.subplots()
    n = len(lines.columns)
    cmap = None
    if n > 10:
        import matplotlib

        cmap = matplotlib.colormaps["tab20"]
    x = lines.index.to_numpy()
    for i, name in enumerate(lines.columns):
        y = lines[name].to_numpy(dtype=float)
        keep = ~pd.isna(y)
        color = cmap(i % 20) if cmap is not None else f"C{i % 10}"
        ax.plot(x[keep], y[keep], marker=".", linewidth=1.5, label=name, color=color)
    ax.set_ylim(0, 102)
    ax.set_ylabel("percent loaded")
    ax.set_xlabel("listed at (UTC)")
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    _time_axis(ax, layout)
    if 0 < n <= MAX_LEGEND:
        if layout == "wide":
            fig.legend(loc="outside right upper", frameon=False, fontsize=9)
        else:
            fig.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=8)
    return fig
