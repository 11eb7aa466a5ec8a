"""The report's counts add up: the table of finishes sums to the headline, every import
counts somewhere (an undocumented status too), and what is partial says so."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pandas as pd
import pytest
from test_report import NS, parse_strictly, rows, text_of

import pinecone_imports_frame as pif
from pinecone_imports_frame.report import report


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
