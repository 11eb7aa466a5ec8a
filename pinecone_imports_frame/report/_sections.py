"""The report's sections as markup: the header, the summary, what runs, statuses, ends, failures.

Each function takes the :class:`~._facts.Facts` and returns escaped markup. Words are a
team lead's ("finished in the period", "loading", "indexing"), numbers have thousands
separators, times are ``2026-12-09 15:42Z``, durations ``4h45m16s``, and a missing value
is a dash.
"""

from __future__ import annotations

import html
import logging
from typing import Any

import pandas as pd

from .. import trends
from . import _figures as fig
from ._facts import Facts, by_index, host_keys, status_counts, totals
from ._format import (
    MISSING,
    STATUS_NAMES,
    at,
    big,
    clock,
    count,
    cut,
    duration,
    missing,
    number,
    plural,
    span,
    text,
    when,
)
from ._format import status as status_name
from ._html import Column, card, picture, table

logger = logging.getLogger(__name__)

#: The longest index name shown whole.
NAME_WIDTH = 40
#: The most rows a table shows (the rest are counted under it).
MAX_RUNNING = 100

#: What each reason for a missing estimate means to a reader (the phases say the rest).
_NOTES = {
    trends.REASONS["pending"]: MISSING,
    trends.REASONS["indexing"]: MISSING,
    trends.REASONS["too_few"]: "too few listings yet to tell when loading ends",
    trends.REASONS["stalled"]: "no progress between its recent listings",
    trends.REASONS["no_percent"]: "Pinecone gave no progress figure for it",
}


def _index(facts: Facts, host: Any) -> str:
    """Show an index's name, its host one hover away."""
    name = facts.name(host)
    key = "" if missing(host) else str(host)
    if not key or name == key or len(name) > NAME_WIDTH:
        return cut(name, NAME_WIDTH, css="name")  # a long name whole in the title
    return f'<span class="name" title="{html.escape(key, quote=True)}">{text(name)}</span>'


def _import(facts: Facts, host: Any, import_id: Any) -> str:
    short = cut(import_id, 24)
    if not facts.several:
        return short
    return f'{short}<span class="sub">{_index(facts, host)}</span>'


# -- the header --------------------------------------------------------------------------


def header(facts: Facts, title: str) -> str:
    """Show the title, the period covered, the indexes, and the headline figures."""
    parts = [f"<h1>{text(title)}</h1>"]
    if facts.end is None:
        parts.append('<p class="period">No listing: nothing to report.</p>')
        return "\n".join(parts)
    if facts.start is None:
        parts.append(
            f'<p class="period">One listing, at <strong>{when(facts.end)}</strong>: every '
            "import Pinecone still listed then.</p>"
        )
    else:
        each = set(facts.listings.values())
        listings = (
            f"{plural(next(iter(each)), 'listing')} of each index"
            if facts.several and len(each) == 1
            else plural(sum(facts.listings.values()), "listing")
        )
        parts.append(
            f'<p class="period">From <strong>{when(facts.start)}</strong> to '
            f"<strong>{when(facts.end)}</strong> ({span(facts.end - facts.start)}), "
            f"{listings}.</p>"
        )
    if facts.hosts != [""]:  # a frame that names no index: nothing to say
        indexes = ", ".join(_index(facts, h) for h in facts.hosts)
        which = f"{plural(len(facts.hosts), 'index', 'indexes')}: " if facts.several else "Index: "
        parts.append(f'<p class="period">{which}{indexes}.</p>')
    t = totals(facts)
    scope = facts.scope
    share = f"{100 * t['failed'] / t['finished']:.1f} % of those finished" if t["finished"] else ""
    running_more = _running_headline(facts)
    records_more = (
        f"{count(t['records'])} records" if not missing(t["records"]) else "none reported"
    )
    seen_more = [f"{count(t['earlier'])} ended before the period"] if facts.start else []
    cards = [
        card(count(t["seen"]), "imports seen", "; ".join(seen_more + _elsewhere_words(t))),
        card(
            count(t["finished"]),
            f"finished {scope}",
            f"{count(t['completed'])} completed, {count(t['cancelled'])} cancelled",
        ),
        card(count(t["failed"]), f"failed {scope}", share, bad=t["failed"] > 0),
        card(count(t["running"]), "running now", running_more),
        card(
            big(t["records"]) if not missing(t["records"]) else "0",
            f"records imported by the imports finished {scope}",
            records_more,
        ),
    ]
    parts.append(f'<div class="cards">{"".join(cards)}</div>')
    return "\n".join(parts)


def _running_headline(facts: Facts) -> str:
    """When the running imports are expected to finish loading, in a few words."""
    running = facts.running
    if not len(running):
        return "nothing runs at the last listing"
    etas = running["eta"].dropna()
    phases = running["phase"].astype(object).value_counts()
    if len(etas):
        first, last = etas.min(), etas.max()
        if first == last:
            return f"loading ends {clock(first, day_of=facts.end)}"
        return f"loading ends {clock(first, day_of=facts.end)} to {clock(last, day_of=facts.end)}"
    words = {"pending": "pending", "loading": "loading", "indexing": "indexing"}
    return ", ".join(f"{int(n):,} {words.get(str(p), text(p))}" for p, n in phases.items())


# -- the summary -------------------------------------------------------------------------


def summary(facts: Facts) -> str:
    """Sum up in sentences, then one row per index when there are several."""
    t = totals(facts)
    scope = facts.scope
    items = []
    where = f" on {plural(len(facts.hosts), 'index', 'indexes')}" if facts.several else ""
    if t["finished"]:
        rate = f" ({100 * t['failed'] / t['finished']:.1f} %)" if t["failed"] else ""
        items.append(
            f"{plural(t['seen'], 'import')} seen{where}; {count(t['finished'])} finished "
            f"{scope}: {count(t['completed'])} completed, <strong>{count(t['failed'])} "
            f"failed</strong>{rate}, {count(t['cancelled'])} cancelled."
        )
    else:
        items.append(f"{plural(t['seen'], 'import')} seen{where}; none finished {scope}.")
    if not missing(t["duration_p50"]):
        items.append(
            f"Completed imports took {duration(t['duration_p50'])} (median); 9 in 10 took "
            f"at most {duration(t['duration_p90'])}, the longest {duration(t['duration_max'])}."
            + (
                f" A median import loaded {number(t['rps_p50'])} records a second."
                if not missing(t["rps_p50"])
                else ""
            )
        )
    items.append(_running_sentence(facts))
    items.extend(_elsewhere_sentences(t))
    items.extend(_failure_sentences(facts))
    if facts.start is not None and t["earlier"]:
        items.append(
            f"{plural(t['earlier'], 'import')} had ended before the first listing: the lake "
            "shows them, but they are not counted in the period."
        )
    items.append(_as_listed(facts))
    parts = ['<ul class="summary">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"]
    if facts.several:
        parts.append(_by_index_table(facts))
    return "\n".join(parts)


def _elsewhere_words(t: dict[str, Any]) -> list[str]:
    """Say in a few words the imports neither running nor ended (see ``totals``)."""
    out = []
    other = t["undocumented"]
    if len(other) == 1:
        (name, n), *_ = other.items()
        out.append(f"{count(n)} in status {status_name(name)}")
    elif other:
        each = ", ".join(f"{count(n)} {status_name(name)}" for name, n in other.items())
        out.append(f"{count(sum(other.values()))} in other statuses: {each}")
    if t["no_status"]:
        out.append(f"{count(t['no_status'])} with no status")
    if t["unlisted"]:
        out.append(f"{count(t['unlisted'])} running when last listed, gone since")
    return out


def _elsewhere_sentences(t: dict[str, Any]) -> list[str]:
    """Say in sentences the imports neither running nor ended, so that the figures add up."""
    out = []
    other = t["undocumented"]
    if other:
        n = sum(other.values())
        each = ", ".join(f"{status_name(name)}: {count(k)}" for name, k in other.items())
        verb = "is" if n == 1 else "are"
        out.append(
            f"{plural(n, 'import')} {verb} in a status Pinecone does not document ({each}): "
            "counted neither as running nor as finished."
        )
    if t["no_status"]:
        n = t["no_status"]
        out.append(
            f"{plural(n, 'import')} {'was' if n == 1 else 'were'} listed without a status: "
            "counted neither as running nor as finished."
        )
    if t["unlisted"]:
        n = t["unlisted"]
        out.append(
            f"{plural(n, 'import')} running when last listed {'is' if n == 1 else 'are'} "
            f"no longer in the last listing of {'its' if n == 1 else 'their'} index: "
            "counted neither as running nor as finished."
        )
    return out


def _running_sentence(facts: Facts) -> str:
    running = facts.running
    if not len(running):
        return "Nothing is running at the last listing."
    phases = running["phase"].astype(object)
    words = []
    for phase, word in (
        ("pending", "waiting to start"),
        ("loading", "loading"),
        ("indexing", "indexing (loading done, Pinecone is building the index)"),
    ):
        n = int((phases == phase).sum())
        if n:
            words.append(f"{n:,} {word}")
    sentence = f"<strong>{plural(len(running), 'import')} running now</strong>: {', '.join(words)}."
    with_eta = running.dropna(subset=["eta"]).sort_values("eta")
    if len(with_eta):
        row = with_eta.iloc[0]
        sentence += (
            f" Next to finish loading: {_import_inline(facts, row)} at {when(row['eta'])} "
            f"(in {duration(row['time_left'])})."
        )
        if len(with_eta) > 1:
            last = with_eta.iloc[-1]
            sentence += f" Last: {_import_inline(facts, last)} at {when(last['eta'])}."
    return sentence


def _import_inline(facts: Facts, row: Any) -> str:
    name = cut(row["id"], 24)
    return f"{_index(facts, row['index_host'])} / {name}" if facts.several else f"import {name}"


def _failure_sentences(facts: Facts) -> list[str]:
    groups = trends.failures(facts.ended())
    failed = groups[groups["problem"] == "failed"]
    out = []
    if len(failed):
        top = failed.iloc[0]
        kinds = f"; {plural(len(failed), 'kind')} of failure in all" if len(failed) > 1 else ""
        out.append(
            f"The most common failure {facts.scope}: &#8220;{cut(top['message'], 90)}&#8221; "
            f"({plural(int(top['imports']), 'import')}){kinds}. See Failures below."
        )
        traps = int(failed["retry_traps"].sum())
        if traps:
            out.append(
                f"Retry trap: {plural(traps, 'import')} failed only because an earlier failed "
                "attempt on the same URI had already written the namespace. Import into a new "
                "namespace, or delete that namespace first."
            )
    checked = groups[groups["problem"] != "failed"]
    if len(checked):
        row = checked.iloc[0]
        out.append(
            f"Validation rejected {count(row['validation_errors'])} records in "
            f"{plural(int(row['imports']), 'import')} that completed otherwise."
        )
    return out


def _as_listed(facts: Facts) -> str:
    figures = trends.summary(facts.history)
    columns = list(figures.columns)
    statuses = columns[columns.index("imports") + 1 : columns.index("running")]
    shown = [
        f"{int(figures[s].sum()):,} {STATUS_NAMES[s].lower() if s in STATUS_NAMES else text(s)}"
        for s in statuses
        if figures[s].sum() or s in STATUS_NAMES
    ]
    return "As last listed: " + ", ".join(shown) + "."


def _by_index_table(facts: Facts) -> str:
    rows = []
    for host, r in by_index(facts).iterrows():
        rows.append(
            [
                _index(facts, host),
                count(r["seen"]),
                count(r["running"]),
                count(r["finished"]),
                count(r["failed"]),
                duration(r["duration_p50"]),
                big(r["records"]),
            ]
        )
    scope = facts.scope
    columns = [
        Column("Index"),
        Column("Imports seen", numeric=True),
        Column("Running now", numeric=True),
        Column(f"Finished {scope}", numeric=True),
        Column(f"Failed {scope}", numeric=True),
        Column("Median duration", numeric=True),
        Column("Records imported", numeric=True),
    ]
    return table(columns, rows, empty="No index.")


# -- running imports ---------------------------------------------------------------------


def running(facts: Facts) -> str:
    """Show the running imports: their progress lines, then one row each with its ETA."""
    run = facts.running
    parts = []
    loading = run[run["phase"].astype(object) != "pending"]
    if len(loading) and facts.start is not None:
        lines, more = _progress_lines(facts, loading)
        if len(lines.columns):
            wide, narrow, size = fig.render(lambda layout: fig.progress_figure(lines, layout))
            caption = "Drawn: the imports seen loading in two listings or more"
            caption += f"; {plural(more, 'other')} not drawn." if more else "."
            parts.append(
                picture(
                    wide,
                    narrow,
                    alt="percent loaded of each running import",
                    size=size,
                    caption=caption,
                )
            )
    created = facts.latest.set_index(["host", "id"])["created_at"]
    rows = []
    for r in run.head(MAX_RUNNING).to_dict("records"):
        phase = str(r["phase"])
        made = created.get((r["host"], r["id"]), pd.NaT)
        progress = MISSING
        if phase != "pending" and not missing(r["percent_complete"]):
            progress = f"{number(r['percent_complete'], digits=1)} %"
            if not missing(r["records_imported"]):
                progress += f'<span class="sub">{count(r["records_imported"])} records</span>'
        speed = MISSING if missing(r["records_per_second"]) else number(r["records_per_second"])
        if phase == "indexing":
            since = clock(r["indexing_since"], day_of=facts.end)
            ends = f'done; indexing since <span class="t">{since}</span>'
        elif not missing(r["eta"]):
            ends = f'{at(r["eta"])}<span class="sub">in {duration(r["time_left"])}</span>'
        else:
            ends = MISSING
        status = {"pending": "Pending", "loading": "Loading", "indexing": "Indexing"}
        reason = r["reason"]
        note = MISSING if missing(reason) else _NOTES.get(str(reason)) or text(reason)
        row = [
            _import(facts, r["index_host"], r["id"]),
            at(made),
            status.get(phase, text(phase)),
            progress,
            speed,
            ends,
            note,
        ]
        rows.append(row)
    columns = [
        Column("Import", width="14%"),
        Column("Created", width="10em"),
        Column("Status", width="7em"),
        Column("Loaded", numeric=True, width="10em"),
        Column("Records/s", numeric=True, width="6em"),
        Column("Loading ends", width="12em"),
        Column("Note"),
    ]
    parts.append(table(columns, rows, empty="No import is running at the last listing."))
    if len(run) > MAX_RUNNING:
        parts.append(f'<p class="note">And {len(run) - MAX_RUNNING:,} more running imports.</p>')
    return "\n".join(parts)


def _progress_lines(facts: Facts, loading: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Percent loaded of running imports at each listing (one column per import).

    Only imports with two points or more (a line); at most ``MAX_LEGEND`` of them, those
    whose loading ends soonest first. Returns the lines and how many were left out.
    """
    order = loading.assign(
        _rank=(loading["phase"].astype(object) != "loading").astype(int) * 2
        + loading["eta"].isna().astype(int)
    ).sort_values(["_rank", "eta"], kind="stable")
    keys = list(zip(order["host"], order["id"].astype(object), strict=True))
    # Only the running imports' rows: of a year of runs, a handful (never every listing).
    h = facts.history
    own = pd.MultiIndex.from_arrays(
        [
            host_keys(h["index_host"]) if "index_host" in h.columns else [""] * len(h),
            h["id"].astype(object),
        ]
    )
    p = trends.progress_history(h[own.isin(keys)])
    p = p.assign(host=p["index_host"].astype(object).where(p["index_host"].notna(), ""))
    pairs = pd.MultiIndex.from_arrays([p["host"], p["id"].astype(object)])
    p = p[pairs.isin(keys)]
    if not len(p):
        return pd.DataFrame(), 0
    names = {k: fig.label(f"{facts.name(k[0])}/{k[1]}" if facts.several else k[1]) for k in keys}
    at_ = pd.DatetimeIndex(p["listed_at"]).tz_convert("UTC").tz_localize(None)
    frame = pd.DataFrame(
        {
            "at": at_,
            "line": [names[k] for k in zip(p["host"], p["id"].astype(object), strict=True)],
            "percent": p["percent_complete"].astype(float).to_numpy(),
        }
    )
    wide = frame.pivot_table(index="at", columns="line", values="percent", aggfunc="last")
    drawable = [names[k] for k in keys if names[k] in wide and wide[names[k]].count() >= 2]
    drawable = list(dict.fromkeys(drawable))
    kept = drawable[: fig.MAX_LEGEND]
    return wide[kept].dropna(how="all"), len(keys) - len(kept)


# -- statuses over time ------------------------------------------------------------------


def statuses(facts: Facts) -> str:
    """Small multiples: the imports in each status at each listing, each on its own scale."""
    if facts.start is None:  # a point per panel says less than the summary's last line
        return (
            '<p class="note">One listing: its statuses are in the summary ("As last listed").</p>'
        )
    counts, raw = status_counts(facts)
    if not len(counts):
        return '<p class="note">No listing.</p>'
    colors = [fig.STATUS_COLORS.get(s, fig.OTHER_COLOR) for s in raw]
    counts.columns = pd.Index([STATUS_NAMES.get(s, s) for s in raw], dtype=object)
    wide, narrow, size = fig.render(lambda layout: fig.status_figure(counts, colors, layout))
    what = "all indexes summed" if facts.several else "the index"
    return picture(
        wide,
        narrow,
        alt="imports in each status at each listing",
        size=size,
        caption=f"Each panel has its own scale, from 0 ({what}).",
    )
