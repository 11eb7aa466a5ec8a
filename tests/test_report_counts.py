"""The report's counts add up: the table of finishes sums to the headline, every import
counts somewhere (an undocumented status too), and what is partial says so."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pandas as pd
import pytest
from test_report import NS, parse_strictly, rows, text_of

import pinecone_imports_frame as pif
from pinecone_imports_frame import trends
from pinecone_imports_frame.report import report

HOSTILE_STATUS = "Paused<b>&\x1b[31m"


def _history(times: list[str], imports: list[dict[str, Any]]) -> pd.DataFrame:
    """Listings at ``times`` of ``imports``: each shows InProgress until its ``finishedAt``.

    An import with no ``finishedAt`` keeps its status; one created after a listing is not
    in it.
    """
    frames = []
    for at in times:
        listed = pd.Timestamp(at)
        records = []
        for r in imports:
            if pd.Timestamp(r["createdAt"]) > listed:
                continue
            if "finishedAt" in r and pd.Timestamp(r["finishedAt"]) > listed:
                r = {k: v for k, v in r.items() if k not in ("finishedAt", "error")}
                r["status"], r["percentComplete"] = "InProgress", 50.0
            records.append(r)
        frames.append(pif.to_frame(records, listed_at=at, index_host="h:1", index_name="idx"))
    return pif.concat_frames(frames)


def _done(i: str, status: str, created: str, finished: str) -> dict[str, Any]:
    out = {"id": i, "uri": f"s3://b/{i}/", "status": status, "createdAt": created}
    out["finishedAt"] = finished
    if status == "Failed":
        out["error"] = "No Parquet files found"
    return out


def _cards(root: ET.Element) -> dict[str, tuple[str, str]]:
    """Each headline card: its label -> (value, the line under it)."""
    out = {}
    for c in root.iterfind(".//h:div[@class='cards']/h:div", NS):
        label = text_of(c.find("h:span[@class='label']", NS))  # type: ignore[arg-type]
        more = c.find("h:span[@class='more']", NS)
        value = text_of(c.find("h:span[@class='value']", NS))  # type: ignore[arg-type]
        out[label] = (value, "" if more is None else text_of(more))
    return out


#: A period of hours (the table counts by hour), and one of days (by day).
PERIODS = {
    "hours": (
        ["2026-03-01T09:10:00Z", "2026-03-01T11:10:00Z", "2026-03-01T13:10:00Z"],
        "Imports finished per hour",
        "from 09:10Z",
        "so far: until 13:10Z",
    ),
    "days": (
        ["2026-03-01T06:30:00Z", "2026-03-02T12:00:00Z", "2026-03-03T18:45:00Z"],
        "Imports finished per day",
        "from 06:30Z",
        "so far: until 18:45Z",
    ),
}


@pytest.mark.parametrize("unit", list(PERIODS))
def test_the_finishes_table_sums_to_the_headline_and_says_where_a_row_is_partial(
    unit: str,
) -> None:
    """The table counted the whole first day (or hour), finishes before the first listing
    included, while the headline counted from the first listing: they disagreed."""
    times, heading, since, until = PERIODS[unit]
    start = pd.Timestamp(times[0])
    early = start - pd.Timedelta(minutes=5)  # same hour/day as the first listing, before it
    soon = start + pd.Timedelta(minutes=20)
    later = pd.Timestamp(times[1]) + pd.Timedelta(minutes=10)
    made = (start - pd.Timedelta(days=3)).isoformat()
    imports = [
        _done("before-1", "Completed", made, early.isoformat()),
        _done("before-2", "Failed", made, (early - pd.Timedelta(minutes=1)).isoformat()),
        _done("old", "Failed", made, (start - pd.Timedelta(days=2)).isoformat()),
        _done("a", "Completed", made, soon.isoformat()),
        _done("b", "Failed", made, soon.isoformat()),
        _done("c", "Completed", made, later.isoformat()),
        _done("d", "Cancelled", made, later.isoformat()),
        {"id": "run", "status": "InProgress", "createdAt": made, "percentComplete": 10.0},
    ]
    root = parse_strictly(report(_history(times, imports)))
    cards = _cards(root)
    assert cards["finished in the period"][0] == "4"  # a, b, c, d
    assert cards["failed in the period"][0] == "1"  # b
    table = rows(root, heading)
    finished = [int(text_of(r[1]).replace(",", "")) for r in table]
    failed = [int(text_of(r[3]).replace(",", "")) for r in table]
    assert sum(finished) == 4 and sum(failed) == 1
    assert finished[0] == 2  # a and b; not before-1 nor before-2
    first, last = text_of(table[0][0]), text_of(table[-1][0])
    assert first.endswith(since) and first.startswith(start.strftime("%Y-%m-%d"))
    assert last.endswith(until)
    assert all("from" not in text_of(r[0]) for r in table[1:])


def test_a_first_listing_on_a_period_boundary_marks_no_row_partial() -> None:
    times = ["2026-03-01T09:00:00Z", "2026-03-01T11:00:00Z"]
    made = "2026-03-01T08:00:00Z"
    imports = [_done("a", "Completed", made, "2026-03-01T09:20:00Z")]
    root = parse_strictly(report(_history(times, imports)))
    table = rows(root, "Imports finished per hour")
    assert [text_of(r[0]) for r in table] == ["2026-03-01 09:00Z", "2026-03-01 10:00Z"]


# --- a status Pinecone does not document -------------------------------------------------


def _with_unknown(status: str = HOSTILE_STATUS) -> pd.DataFrame:
    made = "2026-03-01T08:00:00Z"
    imports = [
        {"id": "p", "uri": "s3://b/p/", "status": status, "createdAt": made},
        {"id": "q", "uri": "s3://b/q/", "status": status, "createdAt": made},
        _done("a", "Completed", made, "2026-03-01T09:30:00Z"),
        _done("old", "Failed", made, "2026-03-01T08:30:00Z"),
        {"id": "r", "status": "Pending", "createdAt": made},
    ]
    with pytest.warns(pif.UnknownStatusWarning):
        return _history(["2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"], imports)


def test_summary_counts_an_import_of_an_undocumented_status_as_other() -> None:
    """A Paused import counted neither as running nor as finished: the figures did not add
    up to the imports."""
    figures = trends.summary(_with_unknown()).iloc[0]
    assert figures["imports"] == 5 and figures["running"] == 1 and figures["other"] == 2
    finished = sum(int(figures[s]) for s in ("Completed", "Failed", "Cancelled"))
    assert figures["running"] + finished + figures["other"] == figures["imports"]
    assert trends.summary(pif.empty_frame())["other"].dtype == "int64"


def test_summary_counts_an_import_without_status_as_other() -> None:
    one = pif.to_frame([{"id": "1", "createdAt": "2026-03-01T08:00:00Z"}], listed_at="2026-03-01")
    figures = trends.summary(one).iloc[0]
    assert figures["imports"] == 1 and figures["running"] == 0 and figures["other"] == 1
    cards = _cards(parse_strictly(report(one)))
    assert cards["imports seen"] == ("1", "1 with no status")


def test_summary_keeps_a_status_named_other_apart() -> None:
    with pytest.warns(pif.UnknownStatusWarning):
        one = pif.to_frame(
            [{"id": "1", "status": "other", "createdAt": "2026-03-01T08:00:00Z"}],
            listed_at="2026-03-01",
        )
    figures = trends.summary(one).iloc[0]
    assert figures["status:other"] == 1 and figures["other"] == 1


def test_the_report_counts_an_undocumented_status_and_names_it_escaped() -> None:
    """The report said "0 running" of a paused import, and its figures did not add up."""
    page = report(_with_unknown())
    root = parse_strictly(page)
    cards = _cards(root)
    seen = int(cards["imports seen"][0])
    finished = int(cards["finished in the period"][0])
    running = int(cards["running now"][0])
    assert (seen, finished, running) == (5, 1, 1)
    named = "Paused<b>&\\x1b[31m"  # as sent, control characters shown
    more = f"1 ended before the period; 2 in status {named}"  # 1 + 1 + 1 + 2 == 5
    assert cards["imports seen"][1] == more
    summary = text_of(root.find(".//h:ul[@class='summary']", NS))  # type: ignore[arg-type]
    assert f"2 imports are in a status Pinecone does not document ({named}: 2)" in summary
    assert "Paused<b>" not in page and "\x1b" not in page  # escaped, as markup and as text


def test_several_undocumented_statuses_are_each_named() -> None:
    made = "2026-03-01T08:00:00Z"
    with pytest.warns(pif.UnknownStatusWarning):
        history = _history(
            ["2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"],
            [
                {"id": "p", "status": "Paused", "createdAt": made},
                {"id": "q", "status": "Queued", "createdAt": made},
                {"id": "s", "status": "Queued", "createdAt": made},
            ],
        )
    cards = _cards(parse_strictly(report(history)))
    assert cards["imports seen"] == (
        "3",
        "0 ended before the period; 3 in other statuses: 2 Queued, 1 Paused",
    )


def test_summary_text_says_the_imports_neither_running_nor_ended_escaped() -> None:
    text = trends.summary_text(_with_unknown())
    assert "running:  1 imports" in text
    line = "neither running nor ended:  2 imports, in a status Pinecone does not document"
    assert f"{line} (Paused<b>&\\x1b[31m 2)" in text
    assert "\x1b" not in text


def test_an_import_running_when_last_listed_and_gone_since_is_counted() -> None:
    """Running when last seen, absent from the last listing: neither running nor ended."""
    made = "2026-03-01T08:00:00Z"
    first = pif.to_frame(
        [
            {"id": "gone", "status": "InProgress", "createdAt": made, "percentComplete": 5.0},
            {"id": "a", "status": "Pending", "createdAt": made},
        ],
        listed_at="2026-03-01T09:00:00Z",
    )
    second = pif.to_frame(
        [{"id": "a", "status": "Pending", "createdAt": made}], listed_at="2026-03-01T10:00:00Z"
    )
    root = parse_strictly(report(pif.concat_frames([first, second])))
    cards = _cards(root)
    assert cards["imports seen"] == (
        "2",
        "0 ended before the period; 1 running when last listed, gone since",
    )
    assert cards["running now"][0] == "1"
    summary = text_of(root.find(".//h:ul[@class='summary']", NS))  # type: ignore[arg-type]
    assert (
        "1 import running when last listed is no longer in the last listing of its index" in summary
    )
