"""The HTML report: valid, self-contained, figures inline, no key, server text escaped."""

from __future__ import annotations

import base64
import re
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import html5lib
import pandas as pd
import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame import ConfigurationError
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.report import report

KEY = "pcsk_reportKEY_7f3a9c2e1b"
NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def parse_strictly(page: str) -> ET.Element:
    """Parse as HTML5 (html5lib, strict: any parse error raises) and as XML (well-formed)."""
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
    return ET.fromstring(page.split("\n", 1)[1])  # after the <!DOCTYPE html> line


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """Four hours of an emulator with a hostile error text among its imports."""
    hostile = {
        "id": "hostile<1>",
        "uri": "s3://bucket/<b>bold</b>/",
        "status": "Failed",
        "createdAt": "2026-03-01T08:00:00Z",
        "finishedAt": "2026-03-01T08:05:00Z",
        "error": HOSTILE,
    }
    frames = []
    with Emulator(imports=200, seed=4, now=NOW, api_key=KEY) as emu:
        for i in range(9):
            listing = pif.read_imports(emu.url, api_key=KEY, progress=False)
            running = {  # 5 % every half hour: done loading 30 min after the last listing
                "id": "steady",
                "uri": "s3://bucket/steady/",
                "status": "InProgress",
                "createdAt": "2026-03-02T08:00:00Z",
                "percentComplete": 55.0 + 5 * i,
                "recordsImported": 1000 * (55 + 5 * i),
            }
            extra = pif.to_frame(
                [hostile, running], listed_at=listing["listed_at"].iloc[0], index_host=emu.address
            )
            frames.append(pd.concat([listing, extra], ignore_index=True))
            emu.advance(1800)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def page(history: pd.DataFrame) -> str:
    return report(history, title="Imports <weekly> & more")


def test_the_report_is_valid_html(page: str) -> None:
    root = parse_strictly(page)
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    assert root.find("h:head/h:title", ns).text == "Imports <weekly> & more"  # type: ignore[union-attr]
    headings = [h.text for h in root.iterfind(".//h:h2", ns)]
    assert headings == [
        "Summary",
        "Status timeline",
        "Running imports",
        "Throughput per day",
        "Failures",
    ]


def test_the_report_embeds_its_figures_and_fetches_nothing(page: str) -> None:
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3  # status timeline, progress of the running imports, per day
    for data in images:
        png = base64.b64decode(data, validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000
    assert page.count("<img ") == 3
    for outside in ("<script", "<link", "url(", "@import", "<iframe", "<object"):
        assert outside not in page, outside
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing is loaded from outside


def test_the_report_contains_no_key(page: str) -> None:
    assert KEY not in page
    assert not any(KEY[i : i + 8] in page for i in range(len(KEY) - 7))


def test_server_text_stays_text(page: str) -> None:
    root = parse_strictly(page)
    tags = {el.tag.split("}")[-1] for el in root.iter()}
    assert "script" not in tags and "b" not in tags
    assert len([el for el in root.iter() if el.tag.endswith("img")]) == 3  # ours only
    text = "".join(root.itertext())
    assert HOSTILE in text  # as written, in the failures table's example
    assert "&lt;script&gt;" in page and "s3://bucket/&lt;b&gt;bold&lt;/b&gt;/" in page


def test_the_report_has_the_trends_tables(history: pd.DataFrame, page: str) -> None:
    from pinecone_imports_frame import trends

    text = "".join(parse_strictly(page).itertext())
    assert trends.summary_text(history).splitlines()[0] in text
    failures = trends.failures(history)
    assert all(message in text for message in failures["message"].dropna())
    daily = trends.throughput(history)
    assert all(day.strftime("%Y-%m-%d") in text for day in daily["period"])
    steady = trends.estimate_completion(history).set_index("id").loc["steady"]
    assert steady["eta"].strftime("%Y-%m-%d %H:%M") in text and "10.00" in text  # 10 %/h


def test_an_empty_history_still_renders(tmp_path: Path) -> None:
    page = report(pif.empty_frame())
    root = parse_strictly(page)
    text = "".join(root.itertext())
    assert "0 imports" in text and "No import is running." in text
    assert "No import failed." in text and "<img" not in page


def test_without_matplotlib_the_report_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, history: pd.DataFrame
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ConfigurationError, match=r"pinecone-imports-frame\[report\]"):
        report(history)


def test_the_report_command_writes_one_file(
    history: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = tmp_path / "lake"
    for _, one in history.groupby("listed_at"):
        pif.write_snapshot(one.reset_index(drop=True), lake)
    out = tmp_path / "imports.html"
    assert main(["report", str(lake), "-o", str(out), "--title", "Weekly"]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (9 listings,")
    page = out.read_text(encoding="utf-8")
    parse_strictly(page)
    assert "<title>Weekly</title>" in page and page.count("data:image/png;base64,") == 3
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
    assert page.count("data:image/png;base64,") == 1 and "Paused" in page


# --- any text: math signs, control characters, markup ----------------------------------


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
                 "finishedAt": "2026-03-01T08:30:00Z"},
                {**common, "id": f"new{n}", "status": f"S{n}{text}"},
            ]  # fmt: skip
        with pytest.warns(pif.UnknownStatusWarning):
            listings.append(pif.to_frame(records, listed_at=at, index_host="i:1"))
    return pd.concat(listings, ignore_index=True)


def test_dollar_signs_in_ids_statuses_and_errors_are_drawn_as_written() -> None:
    """matplotlib read "$x^$" in a legend as math text, and the report raised."""
    texts = ["$x^2$", "$x^$", "cost $5 or $6", r"$\frac{1}{$", r"$\notacommand$"]
    page = report(_running_and_failed(texts))
    parse_strictly(page)
    assert page.count("data:image/png;base64,") == 3  # timeline, progress lines, throughput
    text = "".join(parse_strictly(page).itertext())
    assert all(f"S{n}{t}" in text for n, t in enumerate(texts))  # the timeline's columns


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
    text = "".join(root.itertext())
    assert "\\x1b" in text and "\\x00" in text and "\\ud800" in text  # shown, escaped
    assert "]]></script>" in text and "&#x1b;" in text  # as text, not markup
