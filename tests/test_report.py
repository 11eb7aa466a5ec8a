"""The HTML report: what a team lead reads, valid, self-contained, no key, server text escaped.

The page is parsed as a reader's browser would show its text (``itertext``); the figures
are checked on the matplotlib figures themselves (legends off the data, counts from 0).
tests/test_report_browser.py renders a realistic report in Chromium at two widths.
"""

from __future__ import annotations

import base64
import itertools
import re
import sys
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import html5lib
import pandas as pd
import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame import ConfigurationError
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.report import report

KEY = "pcsk_reportKEY_7f3a9c2e1b"
NOW = datetime(2026, 3, 2, 9, 10, tzinfo=timezone.utc)
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
INDEX = "weekly-index"
BURST = 70
LONG = (
    "Failed to read from the storage location s3://exports/day-7/: AccessDenied: User: "
    "arn:aws:sts::123456789012:assumed-role/pinecone-bulk-import/session is not authorized "
) * 4
NS = {"h": "http://www.w3.org/1999/xhtml"}
#: What pandas prints where a person should read a value (or nothing).
RAW_PANDAS = re.compile(r"\bNaT\b|<NA>|\bnan\b|\bNaN\b|\bdays\b|\+00:00|Timestamp\(|Timedelta\(")


def parse_strictly(page: str) -> ET.Element:
    """Parse as HTML5 (html5lib, strict: any parse error raises) and as XML (well-formed)."""
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    return ET.fromstring(page.split("\n", 1)[1])  # after the <!DOCTYPE html> line


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext())


def _z(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _extras(i: int, at: datetime) -> list[dict[str, Any]]:
    """What the emulator does not make: a hostile error, an old failure, a steady import, a
    burst of 70 failures with one message, an error of 600 characters."""
    records: list[dict[str, Any]] = [
        {  # 5 % every half hour: done loading 30 min after the last listing
            "id": "steady",
            "uri": "s3://bucket/steady/",
            "status": "InProgress",
            "createdAt": "2026-03-02T08:00:00Z",
            "percentComplete": 55.0 + 5 * i,
            "recordsImported": 1000 * (55 + 5 * i),
        },
        {  # ended long before the first listing: older than the lake
            "id": "old-1",
            "uri": "s3://bucket/old/",
            "status": "Failed",
            "createdAt": "2026-02-27T09:00:00Z",
            "finishedAt": "2026-02-27T10:00:00Z",
            "error": "An old failure nobody should count this week",
        },
    ]
    if i >= 1:
        records.append(
            {
                "id": "hostile<1>",
                "uri": "s3://bucket/<b>bold</b>/",
                "status": "Failed",
                "createdAt": "2026-03-02T09:10:00Z",
                "finishedAt": "2026-03-02T09:20:00Z",
                "error": HOSTILE,
            }
        )
    if i >= 3:
        for n in range(BURST):
            created = NOW + timedelta(hours=1, seconds=10 * n)
            uri = f"s3://exports/day-7/shard-{n:03d}/"
            records.append(
                {
                    "id": f"burst-{n:03d}",
                    "uri": uri,
                    "status": "Failed",
                    "createdAt": _z(created),
                    "finishedAt": _z(created + timedelta(seconds=30)),
                    "error": f'No Parquet files found under "{uri}"',
                }
            )
    if i >= 5:
        records.append(
            {
                "id": "long-1",
                "uri": "s3://exports/day-7/",
                "status": "Failed",
                "createdAt": "2026-03-02T11:00:00Z",
                "finishedAt": "2026-03-02T11:05:00Z",
                "error": LONG,
            }
        )
    return records


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """Four hours of an emulated index (nine listings), with what _extras adds."""
    frames = []
    with Emulator(imports=200, seed=4, now=NOW, api_key=KEY, index_name=INDEX) as emu:
        for i in range(9):
            listing = pif.read_imports(emu.url, api_key=KEY, progress=False)
            listing["index_name"] = pd.array([INDEX] * len(listing), dtype="string")
            at = listing["listed_at"].iloc[0]
            extra = pif.to_frame(
                _extras(i, at), listed_at=at, index_host=emu.address, index_name=INDEX
            )
            frames.append(pif.concat_frames([listing, extra]))
            emu.advance(1800)
    return pif.concat_frames(frames)


@pytest.fixture(scope="module")
def drawn(history: pd.DataFrame) -> Iterator[tuple[str, list[tuple[str, Any]]]]:
    """The report of ``history``, and every figure of it, both layouts, as matplotlib drew
    them for the page (one report for the tests of the page and those of its figures)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from pinecone_imports_frame.report import _figures

    figures: list[tuple[str, Any]] = []
    original = _figures.render

    def spy(make: Any) -> Any:
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            for layout in ("wide", "narrow"):
                fig = make(layout)
                FigureCanvasAgg(fig).draw()
                figures.append((layout, fig))
        return original(make)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_figures, "render", spy)
        page = report(history, title="Imports <weekly> & more")
    yield page, figures


@pytest.fixture(scope="module")
def page(drawn: tuple[str, list[tuple[str, Any]]]) -> str:
    return drawn[0]


@pytest.fixture(scope="module")
def root(page: str) -> ET.Element:
    return parse_strictly(page)


def section(root: ET.Element, heading: str) -> list[ET.Element]:
    """The elements after the <h2> whose text starts with ``heading``, up to the next <h2>."""
    body = root.find("h:body", NS)
    assert body is not None
    out: list[ET.Element] = []
    inside = False
    for element in body:
        if element.tag.endswith("h2"):
            inside = text_of(element).startswith(heading)
            continue
        if inside:
            out.append(element)
    assert out, f"no section {heading!r}"
    return out


def rows(root: ET.Element, heading: str) -> list[list[ET.Element]]:
    """The cells of each row of the first table of a section."""
    for element in section(root, heading):
        table = element.find(".//h:table", NS)
        if table is not None:
            return [list(tr) for tr in table.iterfind("h:tbody/h:tr", NS)]
    raise AssertionError(f"no table under {heading!r}")


def failed_in_period(history: pd.DataFrame) -> pd.DataFrame:
    last = pif.trends.latest(history)
    start = history["listed_at"].min()
    return last[(last["status"] == "Failed") & (last["finished_at"] >= start)]


# --- what a team lead reads ---------------------------------------------------------------


def test_the_report_is_valid_html(root: ET.Element) -> None:
    assert root.find("h:head/h:title", NS).text == "Imports <weekly> & more"  # type: ignore[union-attr]
    headings = [text_of(h) for h in root.iterfind(".//h:h2", NS)]
    assert headings == [
        "Summary",
        "Running now",
        "Statuses over time",
        "Imports finished per hour",
        "Failures in the period",
    ]


def test_the_header_says_the_period_the_index_and_the_headline_figures(
    history: pd.DataFrame, root: ET.Element, page: str
) -> None:
    periods = [text_of(p) for p in root.iterfind(".//h:p[@class='period']", NS)]
    assert periods[0] == ("From 2026-03-02 09:10Z to 2026-03-02 13:10Z (4 hours), 9 listings.")
    assert periods[1] == f"Index: {INDEX}."
    host = history["index_host"].iloc[0]
    assert f'<span class="name" title="{host}">{INDEX}</span>' in page  # the host one hover away
    cards = {
        text_of(c.find("h:span[@class='label']", NS)): text_of(c.find("h:span[@class='value']", NS))  # type: ignore[arg-type]
        for c in root.iterfind(".//h:div[@class='cards']/h:div", NS)
    }
    last = pif.trends.latest(history)
    finished = last[last["finished_at"] >= history["listed_at"].min()]
    running = pif.trends.estimate_completion(history)
    assert cards["imports seen"] == f"{len(last):,}"
    assert cards["failed in the period"] == f"{len(failed_in_period(history)):,}"
    assert cards["finished in the period"] == f"{len(finished):,}"
    assert cards["running now"] == f"{len(running):,}"
    assert len(failed_in_period(history)) >= BURST + 2  # the burst, hostile<1>, long-1


def test_the_summary_speaks_a_team_leads_words(root: ET.Element) -> None:
    summary = section(root, "Summary")
    assert summary[0].tag.endswith("ul")  # sentences, no monospace block
    words = text_of(summary[0])
    assert "running now" in words and "finished in the period" in words
    assert "Next to finish loading: import steady at 2026-03-02 13:40Z (in 30m00s)." in words
    assert "The most common failure in the period: “No Parquet files found under" in words
    for python in ("trends.", "see trends", "percent_complete", "index_host", "error_category",
                   "records_per_second", "summary_text", "()"):  # fmt: skip
        assert python not in words, python
    assert root.find(".//h:pre", NS) is None


def test_no_raw_pandas_text_anywhere(root: ET.Element) -> None:
    """NaT, <NA>, nan, "0 days 04:45:16", "+00:00" were in the tables."""
    shown = text_of(root)
    attributes = " ".join(
        v for el in root.iter() for k, v in el.attrib.items() if k in ("title", "alt")
    )
    for where in (shown, attributes):
        found = RAW_PANDAS.findall(where.replace(HOSTILE, ""))
        assert not found, found
    assert re.search(r"\b\d+h\d\dm\d\ds\b|\b\d+m\d\ds\b", shown)  # durations as 4h45m16s
    assert re.search(r"\b2026-03-02 \d\d:\d\dZ\b", shown)  # times to the minute, in UTC


def test_imports_older_than_the_lake_count_as_seen_not_in_the_period(
    root: ET.Element,
) -> None:
    failures = " ".join(text_of(c) for row in rows(root, "Failures") for c in row)
    assert "An old failure nobody should count" not in failures
    cards = [text_of(c) for c in root.iterfind(".//h:div[@class='cards']/h:div", NS)]
    assert any("ended before the period" in c for c in cards)


def test_a_large_failure_group_shows_three_uris_then_the_rest_behind_more(
    root: ET.Element,
) -> None:
    """One cell listed all 65 URIs of its group, screens tall."""
    (row,) = [r for r in rows(root, "Failures") if "No Parquet files found" in text_of(r[0])]
    uris = row[-2]
    shown = [s for s in uris if s.get("class") == "uri"]
    details = uris.find("h:details", NS)
    assert len(shown) == 3 and details is not None
    listed = details.findall("h:ul/h:li", NS)
    total = int(text_of(row[1]).split()[0].replace(",", ""))
    assert total >= BURST
    assert text_of(details.find("h:summary", NS)) == f"+{total - 3:,} more"  # type: ignore[arg-type]
    assert len(listed) == min(total - 3, 100)
    every = {text_of(s) for s in shown} | {text_of(li) for li in listed}
    assert {f"s3://exports/day-7/shard-{n:03d}/" for n in range(BURST)} <= every


def test_a_long_error_is_shortened_and_whole_one_hover_or_click_away(root: ET.Element) -> None:
    (row,) = [r for r in rows(root, "Failures") if "AccessDenied" in text_of(r[-1])]
    details = row[-1].find("h:details", NS)
    assert details is not None
    summary = details.find("h:summary", NS)
    assert summary is not None
    short = text_of(summary)
    assert len(short) <= 160 and short.endswith("…") and LONG.startswith(short[:-1])
    assert summary.get("title") == LONG  # one hover away
    assert text_of(details.find("h:p", NS)) == LONG  # type: ignore[arg-type]  # one click away


def test_the_running_imports_have_their_eta_and_notes_in_full(
    history: pd.DataFrame, root: ET.Element
) -> None:
    """The running imports' reasons were cut off by a table too wide for the page."""
    table = {text_of(r[0]): [text_of(c) for c in r] for r in rows(root, "Running now")}
    steady = table["steady"]
    assert steady[2] == "Loading" and steady[3] == "95.0 %95,000 records"
    assert steady[5] == "2026-03-02 13:40Zin 30m00s"
    running = pif.trends.estimate_completion(history)
    assert len(table) == len(running)
    notes = {row[-1] for row in table.values()}
    assert notes <= {
        "—",
        "too few listings yet to tell when loading ends",
        "no progress between its recent listings",
        "Pinecone gave no progress figure for it",
    }


def test_server_text_stays_text(root: ET.Element, page: str) -> None:
    tags = {el.tag.split("}")[-1] for el in root.iter()}
    assert "script" not in tags and "b" not in tags
    assert len([el for el in root.iter() if el.tag.endswith("img")]) == 3  # ours only
    assert HOSTILE in text_of(root)  # as written, in the failures table's latest error
    assert "&lt;script&gt;" in page and "s3:/<wbr />/<wbr />bucket/<wbr />&lt;b&gt;" in page


def test_the_report_contains_no_key(page: str) -> None:
    assert KEY not in page
    assert not any(KEY[i : i + 8] in page for i in range(len(KEY) - 7))


# --- figures ----------------------------------------------------------------------------


def test_the_report_embeds_its_figures_and_fetches_nothing(page: str) -> None:
    images = re.findall(r'(?:src|srcset)="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 6  # progress, statuses, finished per hour: wide and phone each
    for data in images:
        png = base64.b64decode(data, validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    assert page.count("<img ") == 3 and page.count("<source ") == 3
    for outside in ("<script", "<link", "url(", "@import", "<iframe", "<object"):
        assert outside not in page, outside
    assert not re.search(r'(src|srcset|href)="(?!data:)', page)  # nothing loaded from outside


@pytest.fixture(scope="module")
def figures(drawn: tuple[str, list[tuple[str, Any]]]) -> list[tuple[str, Any]]:
    """Every figure of the report, both layouts, as matplotlib drew them for the page."""
    return drawn[1]


def test_no_legend_covers_data(figures: list[tuple[str, Any]]) -> None:
    """Legends sat on bars in the throughput chart; now they sit outside every axes."""
    legends = 0
    for _, fig in figures:
        renderer = fig.canvas.get_renderer()
        boxes = [ax.get_window_extent(renderer) for ax in fig.axes]
        for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes)]:
            if legend is None:
                continue
            legends += 1
            box = legend.get_window_extent(renderer)
            assert not any(box.overlaps(b) for b in boxes)
            assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)
    assert legends >= 4  # throughput and progress, in both layouts


def test_count_axes_start_at_zero(figures: list[tuple[str, Any]]) -> None:
    axes = [ax for _, fig in figures for ax in fig.axes]
    assert len(axes) >= 2 * (1 + 5 + 1)  # progress, a panel per status, throughput
    for ax in axes:
        assert ax.get_ylim()[0] == 0, ax.get_title()


def test_the_status_view_shows_running_imports_on_their_own_scale(
    figures: list[tuple[str, Any]], history: pd.DataFrame
) -> None:
    """A stacked area 99 % Completed hid the running and pending imports."""
    wide = [fig for layout, fig in figures if layout == "wide" and len(fig.axes) >= 5]
    (status_figure,) = wide
    panels = {ax.get_title(loc="left").split(":")[0]: ax for ax in status_figure.axes}
    assert set(panels) >= {"Pending", "In progress", "Completed", "Failed", "Cancelled"}
    timeline = pif.trends.status_timeline(history)
    most_running = timeline["InProgress"].max()
    top = panels["In progress"].get_ylim()[1]
    assert most_running <= top <= 1.5 * most_running  # its own scale, not Completed's
    assert panels["In progress"].get_title(loc="left") == (
        f"In progress: {timeline['InProgress'].iloc[-1]:,} now"
    )


def test_the_throughput_marks_what_is_older_than_the_lake_and_a_partial_last_hour(
    figures: list[tuple[str, Any]],
) -> None:
    """The chart began days before the first snapshot, and ended on a partial day."""
    legends = [
        [t.get_text() for t in fig.legends[0].get_texts()]
        for layout, fig in figures
        if fig.legends and "Completed" in [t.get_text() for t in fig.legends[0].get_texts()]
    ]
    assert legends
    for texts in legends:
        assert texts[:3] == ["Failed", "Cancelled", "Completed"]
        assert "before the first listing" in texts
        assert "hour so far (until 13:10Z)" in texts


# --- other inputs -----------------------------------------------------------------------


def test_one_listing_says_it_is_one_and_counts_as_listed() -> None:
    with Emulator(imports=50, seed=1, now=NOW) as emu:
        listing = pif.read_imports(emu.url, api_key=emu.api_key, progress=False)
    page = report(listing)
    root = parse_strictly(page)
    period = text_of(root.find(".//h:p[@class='period']", NS))  # type: ignore[arg-type]
    assert period == ("One listing, at 2026-03-02 09:10Z: every import Pinecone still listed then.")
    labels = [text_of(s) for s in root.iterfind(".//h:span[@class='label']", NS)]
    assert "finished as listed" in labels and "failed as listed" in labels
    assert not RAW_PANDAS.findall(text_of(root))
    # One point per status panel (on an axis of years) said less than the summary's line.
    assert page.count("<img ") == 1  # imports finished per day
    assert text_of(section(root, "Statuses over time")[0]).startswith("One listing: its statuses")


def test_an_empty_history_still_renders() -> None:
    page = report(pif.empty_frame())
    text = text_of(parse_strictly(page))
    assert "No listing: nothing to report." in text and "<img" not in page
    footer = text_of(parse_strictly(page).find(".//h:footer", NS))  # type: ignore[arg-type]
    assert footer.startswith("Times are UTC. No listing. Made by")  # not "Newest listing no"


def test_a_pyarrow_backed_history_reads_the_same(history: pd.DataFrame, tmp_path: Path) -> None:
    for _, one in history.groupby("listed_at"):
        pif.write_snapshot(one.reset_index(drop=True), tmp_path)
    arrow = pif.read_snapshots(tmp_path, dtype_backend="pyarrow")
    plain = pif.read_snapshots(tmp_path)
    strip = re.compile(r"base64,[A-Za-z0-9+/=]+")
    assert strip.sub("", report(arrow)) == strip.sub("", report(plain))


def test_without_matplotlib_the_report_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, history: pd.DataFrame
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ConfigurationError, match=r"pinecone-imports-frame\[report\]"):
        report(history)


def test_the_report_command_writes_one_file_naming_the_index(
    history: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    for _, one in history.groupby("listed_at"):
        pif.write_snapshot(one.reset_index(drop=True), lake)
    out = tmp_path / "imports.html"
    assert main(["report", str(lake), "-o", str(out), "--title", "Weekly"]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (9 listings,")
    page = out.read_text(encoding="utf-8")
    root = parse_strictly(page)
    assert "<title>Weekly</title>" in page and page.count("data:image/png;base64,") == 6
    assert f"Index: {INDEX}." in [text_of(p) for p in root.iterfind(".//h:p", NS)]
    with pytest.raises(SystemExit) as info:
        main(["report", str(lake)])  # -o is required
    assert info.value.code == 2 and "--output" in capsys.readouterr().err


def test_a_status_of_a_newer_api_version_gets_its_own_colour() -> None:
    with pytest.warns(pif.UnknownStatusWarning):
        one = pif.to_frame(
            [{"id": "1", "status": "Paused", "createdAt": "2026-03-01T08:00:00Z"}],
            listed_at="2026-03-01T09:00:00Z",
        )
    page = report(pd.concat([one, one.assign(listed_at=one["listed_at"] + pd.Timedelta("1h"))]))
    parse_strictly(page)
    assert page.count("data:image/png;base64,") == 2 and "1 Paused" in page


# --- any text: math signs, control characters, markup ----------------------------------


def test_dates_at_the_ends_of_the_calendar_are_shown_not_binned_or_crashed() -> None:
    """A createdAt of 9999-12-31T23:59:59Z crashed the report (strftime past year 9999,
    after rounding to the minute), and finishes in year 1 or 9999 made millions of empty
    periods (45 s, 20 of them binning)."""
    records = [
        {"id": "p", "status": "Pending", "createdAt": "9999-12-31T23:59:59Z"},
        {"id": "f", "status": "Completed", "createdAt": "2026-03-01T00:00:00Z",
         "finishedAt": "9999-12-31T23:59:59Z"},
        {"id": "y1", "status": "Failed", "createdAt": "0001-01-01T00:00:00Z",
         "finishedAt": "0001-01-01T00:00:01Z", "error": "old"},
        {"id": "ok", "status": "Completed", "createdAt": "2026-03-01T08:00:00Z",
         "finishedAt": "2026-03-01T09:00:00Z"},
    ]  # fmt: skip
    history = pd.concat(
        [pif.to_frame(records, listed_at=t) for t in ("2026-03-01T09:30Z", "2026-03-01T10:30Z")]
    )
    root = parse_strictly(report(history))
    assert "9999-12-31 23:59Z" in text_of(root)  # the pending import, created then
    finishes = section(root, "Imports finished per hour")
    (table,) = [t for element in finishes for t in element.iterfind(".//h:table", NS)]
    assert len(list(table.iterfind(".//h:tr", NS))) <= 62
    notes = [text_of(p) for p in root.iterfind(".//h:p[@class='note']", NS)]
    assert "1 import that finished earlier is not drawn." in notes
    assert (
        "1 import the server says finished after the newest listing (which cannot be) is "
        "not drawn." in notes
    )


def _running_and_failed(texts: list[str], *, status: str = "InProgress") -> pd.DataFrame:
    """Two listings of imports named by ``texts``: running ones (each a line of the progress
    figure), failed ones (the failures table) and one in a status named by each text."""
    listings = []
    for i, at in enumerate(["2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"]):
        records = []
        for n, text in enumerate(texts):
            common = {"uri": f"s3://b/{text}/", "createdAt": "2026-03-01T08:00:00Z"}
            records += [
                {**common, "id": f"run{n}{text}", "status": status, "percentComplete": 10.0 + i},
                {**common, "id": f"fail{n}{text}", "status": "Failed", "error": text,
                 "finishedAt": "2026-03-01T09:30:00Z"},
                {**common, "id": f"new{n}", "status": f"S{n}{text}"},
            ]  # fmt: skip
        with pytest.warns(pif.UnknownStatusWarning):
            listings.append(
                pif.to_frame(records, listed_at=at, index_host="i:1", index_name=texts[0])
            )
    return pif.concat_frames(listings)


def test_dollar_signs_in_ids_statuses_and_errors_are_drawn_as_written() -> None:
    """matplotlib read "$x^$" in a legend as math text, and the report raised."""
    texts = ["$x^2$", "$x^$", "cost $5 or $6", r"$\frac{1}{$", r"$\notacommand$"]
    page = report(_running_and_failed(texts))
    text = text_of(parse_strictly(page))
    assert page.count("data:image/png;base64,") == 6  # progress lines, statuses, throughput
    assert all(f"S{n}{t}" in text for n, t in enumerate(texts))  # the new statuses
    assert all(t in text for t in texts)  # the failures' errors


#: Every C0 control, DEL, every C1 control, noncharacters, the line and paragraph
#: separators, a direction override, and what ends a CDATA section, a script, a comment.
NASTY = (
    "".join(map(chr, range(0x20)))
    + "\x7f"
    + "".join(map(chr, range(0x80, 0xA0)))
    + "\ufffe\uffff\ufdd0\U0001fffe\u2028\u2029\u202e"
    + "]]></script></style><!-- --> <![CDATA[ &amp; &#0; &#x1b;"
)


def test_any_text_keeps_the_report_well_formed(tmp_path: Path) -> None:
    """A control character in an id, URI or error broke the XHTML (an XML parser refused)."""
    page = report(_running_and_failed([NASTY]), title="weekly" + NASTY + "\ud800\udcff")
    root = parse_strictly(page)
    page.encode("utf-8")  # no lone surrogate: the page can be written as UTF-8
    tags = [el.tag.split("}")[-1] for el in root.iter()]
    assert "script" not in tags and tags.count("style") == 1  # ours
    text = text_of(root)
    assert "\\x1b" in text and "\\x00" in text and "\\ud800" in text  # shown, escaped
    assert "]]></script>" in text and "&#x1b;" in text  # as text, not markup


@pytest.mark.parametrize("minutes", [60, 90])
def test_figures_draw_without_warnings_whatever_the_span(minutes: int) -> None:
    """matplotlib found no tick interval for a span of 90 minutes, and warned."""
    first = pd.Timestamp("2026-03-01T09:00:00Z")
    common = {"createdAt": "2026-03-01T08:00:00Z"}
    listings = [
        pif.to_frame(
            [
                {
                    **common,
                    "id": "1",
                    "uri": "s3://b/1/",
                    "status": "InProgress",
                    "percentComplete": percent,
                },
                {
                    **common,
                    "id": "2",
                    "uri": "s3://b/2/",
                    "status": "Completed",
                    "finishedAt": "2026-03-01T08:30:00Z",
                },
            ],
            listed_at=first + pd.Timedelta(minutes=minutes * n),
            index_host="i:1",
        )
        for n, percent in enumerate([10.0, 20.0])
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = report(pif.concat_frames(listings))
    assert page.count("<img ") == 3


# --- figures on a phone -----------------------------------------------------------------

#: How wide each layout's PNG is shown, in CSS pixels (the narrow one on a 375 px phone).
SHOWN_WIDTH = {"wide": 1200, "narrow": 360}


def _drawn_texts(fig: Any) -> list[Any]:
    """Every text matplotlib draws on ``fig``: its own, the axes' titles and labels, and
    the tick labels inside each axis' limits (those beyond them are not drawn)."""
    texts = [t for t in fig.texts]
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            locations = axis.get_ticklocs()
            ticks = axis.get_major_ticks(len(locations))
            for at, tick in zip(locations, ticks, strict=True):
                if min(lo, hi) <= at <= max(lo, hi):
                    texts += [tick.label1, tick.label2]
    return [t for t in texts if t.get_visible() and t.get_text()]


def _status_counts(start: str, span: str, points: int = 49) -> pd.DataFrame:
    times = pd.date_range(start, pd.Timestamp(start) + pd.Timedelta(span), periods=points)
    names = ["Pending", "In progress", "Completed", "Failed", "Cancelled"]
    return pd.DataFrame(
        {name: [n * (k + 1) * 31 for n in range(points)] for k, name in enumerate(names)},
        index=times.as_unit("us"),
    )


@pytest.mark.parametrize("span", ["1h", "90min", "1D", "4D", "30D"])
@pytest.mark.parametrize("start", ["2026-11-01 20:00", "2026-10-30 04:00"])
@pytest.mark.parametrize("layout", ["wide", "narrow"])
def test_time_labels_stand_apart_and_every_text_inside_the_figure(
    span: str, start: str, layout: str
) -> None:
    """On a phone the status panels' dates ran together ("Nov 01Nov 02Nov 03Nov 04"; a
    span across a month's end had "Oct 31" on "Nov 01", one of 90 minutes "20:45" on
    "21:00"), and "imports" stood at the figure's edge (6 pixels of a PNG shown at half
    its size). Now each panel's labels have a gap between them and every text keeps a
    margin of 4 pixels as shown."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from pinecone_imports_frame.report import _figures

    counts = _status_counts(start, span)
    lines = counts.iloc[:, :2].astype(float) / counts.iloc[:, :2].max().max() * 100
    lines.columns = pd.Index(["import-a", "import-b"], dtype=object)
    colors = list(_figures.STATUS_COLORS.values())
    with matplotlib.rc_context({"text.parse_math": False, "font.size": 10}):
        for fig in (
            _figures.status_figure(counts, colors, layout),
            _figures.progress_figure(lines, layout),
        ):
            FigureCanvasAgg(fig).draw()
            renderer = fig.canvas.get_renderer()
            dated = 0
            for ax in fig.axes:
                labels = [tick.label1 for tick in ax.xaxis.get_major_ticks()]
                shown = [t for t in _drawn_texts(fig) if any(t is label for label in labels)]
                boxes = sorted((t.get_window_extent(renderer) for t in shown), key=lambda b: b.x0)
                dated += bool(boxes)
                for left, right in itertools.pairwise(boxes):
                    gap = right.x0 - left.x1
                    assert gap >= left.height / 2, [t.get_text() for t in shown]
            assert dated >= min(2, len(fig.axes))  # a column without dates has them too
            margin = 4 * fig.bbox.width / SHOWN_WIDTH[layout]
            for text in _drawn_texts(fig):
                box = text.get_window_extent(renderer)
                assert box.x0 >= margin and box.y0 >= margin, text.get_text()
                assert box.x1 <= fig.bbox.width - margin, text.get_text()
                assert box.y1 <= fig.bbox.height - margin, text.get_text()
