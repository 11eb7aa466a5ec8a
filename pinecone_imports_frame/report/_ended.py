"""The sections on ended imports: how many finished per day (or hour), and what failed.

The throughput figure shows the period, with the days before the first listing shaded
(older than the lake: only what its first listing still showed) and the last day hatched
when it ended with the period (so far, not a drop). Its table counts as the headline does,
from the first listing (its first row says "from 09:10Z" when the listing fell inside it),
so that its rows sum to "finished in the period". The failures table groups the failures
of the period by kind and message, each with a few of its URIs, the rest behind a "+N
more" that opens without script, and its latest error, shortened, in full one click away.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import pandas as pd

from .. import trends
from .._text import printable
from ..error_categories import PATTERNS
from . import _figures as fig
from . import _format as fmt
from ._facts import Facts
from ._html import Column, picture, table

logger = logging.getLogger(__name__)

#: Periods drawn before the first listing, and at most in all.
CONTEXT_BINS = 7
MAX_BINS = 60
MAX_FAILURE_KINDS = 30
#: URIs shown in a failure's row, and listed behind its "+N more".
URIS_SHOWN = 3
URIS_LISTED = 100
#: An error longer than this is shortened, the whole of it behind a click.
ERROR_WIDTH = 160

#: A failure's kind in a few words, and what it means (its tag's title).
_KINDS = {
    "namespace_exists": "namespace exists",
    "no_parquet_found": "no Parquet files",
    "no_jsonl_found": "no JSON Lines files",
    "invalid_jsonl": "invalid JSON Lines",
    "type_mismatch": "wrong type",
    "schema": "columns do not fit",
    "corrupt_parquet": "unreadable Parquet",
    "system_limit": "limit exceeded",
    "storage_access": "storage access",
    "other": "other",
}
_MEANINGS = {category: meaning for category, _, meaning in PATTERNS}


def unit_of(facts: Facts) -> tuple[str, str, pd.Timedelta]:
    """Choose the period the throughput counts by: ("1D", "day", 1 day), or hours if short."""
    if facts.start is not None and facts.end is not None:
        length = facts.end - facts.start
    else:
        finished = pd.to_datetime(facts.latest["finished_at"], utc=True).dropna()
        length = finished.max() - finished.min() if len(finished) else pd.Timedelta(0)
    if length >= pd.Timedelta(days=2):
        return "1D", "day", pd.Timedelta(days=1)
    return "1h", "hour", pd.Timedelta(hours=1)


def throughput(facts: Facts) -> str:
    """Show the imports finished per day (or hour): the period's figure, then its table."""
    freq, unit, width = unit_of(facts)
    latest, early, late = _drawable(facts, freq, width)
    bins = trends.throughput(latest, freq=freq)
    if not len(bins) or facts.end is None:
        return f'<p class="note">No import has finished {facts.scope}.</p>'
    bins = _up_to(bins, facts.end, freq)
    periods = pd.DatetimeIndex(bins["period"])
    first_bin = periods.min()
    if facts.start is not None:
        first_bin = max(first_bin, facts.start.floor(freq) - CONTEXT_BINS * width)
    shown = bins[(periods >= first_bin) & (periods <= facts.end)].tail(MAX_BINS)
    hidden = int(bins["finished"].sum() - shown["finished"].sum()) + early
    starts = pd.DatetimeIndex(shown["period"])
    partial = bool(len(shown)) and starts[-1] + width > facts.end
    drawn = shown.set_index(starts.tz_convert("UTC").tz_localize(None))
    first = None if facts.start is None else facts.start.tz_convert("UTC").tz_localize(None)
    until = facts.end.tz_convert("UTC").tz_localize(None) if partial else None
    parts = []
    if len(drawn):
        wide, narrow, size = fig.render(
            lambda layout: fig.throughput_figure(
                drawn,
                width=width,
                first_listing=first,
                partial_until=until,
                unit=unit,
                layout=layout,
            )
        )
        caption = f"Failed at the bottom of each bar. Times are UTC; a {unit} starts at " + (
            "midnight." if unit == "day" else "the full hour."
        )
        parts.append(
            picture(wide, narrow, alt=f"imports finished per {unit}", size=size, caption=caption)
        )
    in_period = shown if facts.start is None else _counted(facts.start, latest, shown, freq)
    parts.append(
        _throughput_table(
            in_period,
            unit,
            partial_start=_partial_start(facts, in_period),
            partial_end=facts.end if partial else None,
        )
    )
    if hidden:
        earlier = fmt.plural(hidden, "import")
        verb = "is" if hidden == 1 else "are"
        parts.append(f'<p class="note">{earlier} that finished earlier {verb} not drawn.</p>')
    if late:
        verb = "is" if late == 1 else "are"
        parts.append(
            f'<p class="note">{fmt.plural(late, "import")} the server says finished after the '
            f"newest listing (which cannot be) {verb} not drawn.</p>"
        )
    return "\n".join(parts)


def _drawable(facts: Facts, freq: str, width: pd.Timedelta) -> tuple[pd.DataFrame, int, int]:
    """Return the imports whose finish may be drawn, and how many finished before or after.

    Only the last :data:`MAX_BINS` periods up to the newest listing are ever drawn: the
    finishes before them are counted, not binned (a server's ``finishedAt`` of year 1
    or 9999 would make millions of empty periods), and a finish after the newest listing
    cannot be.
    """
    latest = facts.latest
    if facts.end is None or not len(latest):
        return latest, 0, 0
    finished = pd.to_datetime(latest["finished_at"], utc=True)
    ended = latest["status"].isin(["Completed", "Failed", "Cancelled"]).to_numpy(bool)
    earliest = facts.end.floor(freq) - (MAX_BINS + 1) * width
    before = (finished < earliest).to_numpy(bool) & ended
    after = (finished > facts.end).to_numpy(bool) & ended
    if not (before.any() or after.any()):
        return latest, 0, 0
    return latest[~(before | after)], int(before.sum()), int(after.sum())


def _up_to(bins: pd.DataFrame, end: pd.Timestamp, freq: str) -> pd.DataFrame:
    """Add the periods after the last finish, up to the one ``end`` falls in, as zeros.

    A period that begins at ``end`` is left out: nothing of it was seen.
    """
    last = (end - pd.Timedelta(microseconds=1)).floor(freq)
    first = pd.Timestamp(bins["period"].min())
    if last <= bins["period"].max():
        return bins
    every = pd.date_range(first, last, freq=freq).as_unit("us")
    out = bins.set_index("period").reindex(every)
    counts = ["finished", "Completed", "Failed", "Cancelled", "records_imported"]
    out[counts] = out[counts].fillna(0)
    return out.rename_axis("period").reset_index()


def _counted(
    start: pd.Timestamp, latest: pd.DataFrame, shown: pd.DataFrame, freq: str
) -> pd.DataFrame:
    """Count the periods of the table as the headline counts: from the first listing.

    The figure draws every finish of a period (the part before the first listing
    shaded); the table counts only the imports that finished in the period of the report
    (``ended_in_period``), so that its rows sum to the headline's "finished in the
    period" (but for the finishes it cannot place, noted under it).
    """
    periods = pd.DatetimeIndex(shown["period"])
    rows = shown[periods >= start.floor(freq)]
    ended = latest[latest["ended_in_period"].to_numpy(dtype=bool)]
    bins = trends.throughput(ended, freq=freq).set_index("period")
    out = bins.reindex(pd.DatetimeIndex(rows["period"]))
    counts = ["finished", "Completed", "Failed", "Cancelled", "records_imported"]
    out[counts] = out[counts].fillna(0)
    return out.rename_axis("period").reset_index()


def _partial_start(facts: Facts, rows: pd.DataFrame) -> pd.Timestamp | None:
    """Return the first listing if it falls inside the table's first period, else None."""
    if facts.start is None or not len(rows):
        return None
    return facts.start if facts.start > pd.Timestamp(rows["period"].iloc[0]) else None


def _throughput_table(
    shown: pd.DataFrame, unit: str, *, partial_start: Any, partial_end: Any
) -> str:
    rows = []
    records = shown.to_dict("records")
    for i, r in enumerate(records):
        label = fmt.when(r["period"])[:10] if unit == "day" else fmt.when(r["period"])
        if partial_start is not None and i == 0:
            since = fmt.clock(partial_start, day_of=r["period"])
            label += f'<span class="sub">from {since}</span>'
        if partial_end is not None and i == len(records) - 1:
            until = fmt.clock(partial_end, day_of=r["period"])
            label += f'<span class="sub">so far: until {until}</span>'
        rows.append(
            [
                label,
                fmt.count(r["finished"]),
                fmt.count(r["Completed"]),
                fmt.count(r["Failed"]),
                fmt.count(r["Cancelled"]),
                fmt.count(r["records_imported"]),
                fmt.duration(r["duration_p50"]),
                fmt.number(r["records_per_second_p50"]),
            ]
        )
    columns = [
        Column(unit.capitalize()),
        Column("Finished", numeric=True),
        Column("Completed", numeric=True),
        Column("Failed", numeric=True),
        Column("Cancelled", numeric=True),
        Column("Records imported", numeric=True),
        Column("Median duration", numeric=True),
        Column("Median records/s", numeric=True),
    ]
    return table(columns, rows, empty="No import finished in the period.")


# -- failures ----------------------------------------------------------------------------


def failures(facts: Facts) -> str:
    """Show the failures of the period grouped by kind and message, most imports first."""
    groups = trends.failures(facts.ended())
    if not len(groups):
        return f'<p class="note">No import failed {facts.scope}.</p>'
    # The failures first (most imports first, as trends.failures sorts them), then the
    # imports that completed with records rejected.
    groups = groups.iloc[(groups["problem"] != "failed").to_numpy().argsort(kind="stable")]
    rows = []
    for r in groups.head(MAX_FAILURE_KINDS).to_dict("records"):
        row = [
            _failure(r),
            _imports(r),
            *([_indexes(facts, r["index_hosts"])] if facts.several else []),
            _when(r["first_finished_at"], r["last_finished_at"]),
            _uris(r["uris"]),
            _error(r),
        ]
        rows.append(row)
    columns = [
        Column("Failure", width="22%"),
        Column("Imports", numeric=True, width="6em"),
        *([Column("Indexes", width="10%")] if facts.several else []),
        Column("Finished", width="9.5em"),
        Column("URIs", width="28%"),
        Column("Latest error"),
    ]
    parts = [table(columns, rows, empty="")]
    if len(groups) > MAX_FAILURE_KINDS:
        rest = groups.iloc[MAX_FAILURE_KINDS:]
        parts.append(
            f'<p class="note">And {fmt.plural(len(rest), "kind")} more, '
            f"{fmt.plural(int(rest['imports'].sum()), 'import')}.</p>"
        )
    if groups["retry_traps"].sum():
        parts.append(
            '<p class="note">Retry trap: an import failed after writing its namespace, so '
            "every retry on the same URI fails with &#8220;namespace already exists&#8221;. "
            "Import into a new namespace, or delete the namespace first.</p>"
        )
    return "\n".join(parts)


def _failure(r: dict[str, Any]) -> str:
    if r["problem"] != "failed":
        rejected = r["validation_errors"]
        records = "some records" if fmt.missing(rejected) else f"{fmt.count(rejected)} records"
        return f"Completed, but validation rejected {records}"
    category = None if fmt.missing(r["error_category"]) else str(r["error_category"])
    tag = ""
    if category is not None:
        meaning = _MEANINGS.get(category, "")
        title = f' title="{fmt.attribute(meaning)}"' if meaning else ""
        tag = f'<span class="tag"{title}>{fmt.text(_KINDS.get(category, category))}</span>'
    return tag + fmt.cut(r["message"], 120)


def _imports(r: dict[str, Any]) -> str:
    out = fmt.count(r["imports"])
    if r["retry_traps"]:
        out += f'<span class="sub">{fmt.count(r["retry_traps"])} retry traps</span>'
    return out


def _indexes(facts: Facts, hosts: Any) -> str:
    if fmt.missing(hosts):
        return fmt.MISSING
    names = [facts.name(h) for h in str(hosts).split(",")]
    if len(names) == len(facts.hosts) > 2:
        return f"all {len(names)}"
    return ", ".join(fmt.cut(n, 40) for n in names)


def _when(first: Any, last: Any) -> str:
    if fmt.missing(first):
        return fmt.MISSING
    if fmt.missing(last) or fmt.when(first) == fmt.when(last):
        return fmt.at(first)
    last_shown = fmt.clock(last, day_of=first)
    return f'{fmt.at(first)} to <span class="t">{last_shown}</span>'


def _uris(uris: Any) -> str:
    uris = list(uris) if isinstance(uris, (list, tuple)) else []
    if not uris:
        return fmt.MISSING
    shown = "".join(f'<span class="uri">{fmt.uri(u, 56)}</span>' for u in uris[:URIS_SHOWN])
    rest = uris[URIS_SHOWN:]
    if not rest:
        return shown
    listed = "".join(f"<li>{fmt.uri(u, 80)}</li>" for u in rest[:URIS_LISTED])
    beyond = len(rest) - URIS_LISTED
    tail = f'<p class="note">and {beyond:,} more</p>' if beyond > 0 else ""
    return (
        f'{shown}<details class="more"><summary>+{len(rest):,} more</summary>'
        f"<ul>{listed}</ul>{tail}</details>"
    )


def _error(r: dict[str, Any]) -> str:
    example = r["example"]
    if fmt.missing(example):
        return fmt.MISSING
    if r["problem"] != "failed":
        return fmt.MISSING
    plain = printable(example)
    short = fmt.shorten(plain, ERROR_WIDTH)
    if short == plain:
        return html.escape(plain)
    full = html.escape(plain)
    return f'<details><summary title="{full}">{html.escape(short)}</summary><p>{full}</p></details>'
