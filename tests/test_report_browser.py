"""The report in a real browser: Debian's Chromium, driven by Playwright, 1,400 and 390 px wide.

The report is that of docs/make_report_picture.py's lake (the README's picture): four days
of three emulated indexes, a failure group of 70 URIs, errors of several hundred
characters, imports running at the end. Skipped, saying why, where /usr/bin/chromium or
Playwright is missing; .ci/run installs both.
"""

from __future__ import annotations

import importlib.util
import re
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "make_report_picture.py"
RAW_PANDAS = re.compile(r"\bNaT\b|<NA>|\bnan\b|\bNaN\b|\bdays 0|\+00:00|Timestamp\(|Timedelta\(")


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_report_picture", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pictures = _load_script()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not pictures.CHROMIUM.exists(),
        reason=f"no {pictures.CHROMIUM}: install Debian's chromium (apt-get install chromium)",
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("playwright") is None,
        reason="Playwright is not installed (pip install playwright; the dev extra has it)",
    ),
]


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("browser")
    lake = pictures.build_lake(work / "lake")
    out = work / "report.html"
    pictures.render(lake, out)
    return out


@pytest.fixture(scope="module", params=[1400, 390], ids=["1400px", "390px"])
def shown(request: pytest.FixtureRequest, html: Path) -> Iterator[tuple[Any, list[str]]]:
    """The report open in Chromium at each width, and every URL the page asked for."""
    with pictures.launch(request.param) as page:
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        page.goto(html.as_uri())
        yield page, asked


def test_nothing_runs_off_the_page_sideways(shown: tuple[Any, list[str]]) -> None:
    """The page was 1,729 px wide at a 1,400 px window, and 1,605 px on a 390 px phone."""
    page, _ = shown
    sizes = page.evaluate(
        """() => ({
            page: document.documentElement.scrollWidth,
            inner: window.innerWidth,
            tables: [...document.querySelectorAll('.table')].map(
                d => [d.scrollWidth, d.clientWidth]),
            rights: [...document.querySelectorAll('table, figure, img, .cards, p, ul')].map(
                e => e.getBoundingClientRect().right),
        })"""
    )
    assert sizes["page"] <= sizes["inner"], sizes["page"]
    assert len(sizes["tables"]) >= 4  # by index, running, per day, failures
    for scroll, client in sizes["tables"]:
        assert scroll <= client
    assert max(sizes["rights"]) <= sizes["inner"]


def test_no_raw_pandas_text(shown: tuple[Any, list[str]]) -> None:
    page, _ = shown
    visible = page.evaluate("() => document.body.innerText")
    titles = page.evaluate(
        "() => [...document.querySelectorAll('[title]')].map(e => e.title).join(' ')"
    )
    assert not RAW_PANDAS.findall(visible) and not RAW_PANDAS.findall(titles)
    assert "4h45m16s" not in visible  # (a duration of this form, not this one)
    assert re.search(r"\b\d+m\d\ds\b", visible)


def test_the_header_states_the_period_and_the_indexes(shown: tuple[Any, list[str]]) -> None:
    page, _ = shown
    periods = page.locator("p.period").all_inner_texts()
    assert periods[0].replace("\n", " ") == (
        "From 2026-12-05 09:00Z to 2026-12-09 13:00Z (4 days 4 hours), 51 listings of each index."
    )
    assert periods[1].replace("\n", " ") == "3 indexes: search-prod, recs-prod, docs-staging."
    cards = page.locator(".cards .card .label").all_inner_texts()
    assert [c.replace("\n", " ") for c in cards[:4]] == [
        "imports seen",
        "finished in the period",
        "failed in the period",
        "running now",
    ]


def test_the_finishes_table_sums_to_the_headline_and_says_its_partial_days(
    shown: tuple[Any, list[str]],
) -> None:
    """The table counted the whole first day, the headline from the first listing."""
    page, _ = shown
    headline = page.locator(".card:has(.label:text-is('finished in the period')) .value")
    table = page.locator("h2:has-text('Imports finished per day') ~ div.table").first
    days = table.locator("tbody tr")
    finished = [int(t.replace(",", "")) for t in days.locator("td:nth-child(2)").all_inner_texts()]
    assert sum(finished) == int(headline.inner_text().replace(",", ""))
    labels = [t.replace("\n", " ") for t in days.locator("td:first-child").all_inner_texts()]
    assert labels[0].startswith("2026-12-05") and labels[0].endswith("from 09:00Z")
    assert labels[-1].startswith("2026-12-09") and labels[-1].endswith("so far: until 13:00Z")


def test_short_forms_are_read_without_hovering_and_whole_in_the_title(
    shown: tuple[Any, list[str]],
) -> None:
    page, _ = shown
    cut = page.evaluate(
        """() => [...document.querySelectorAll('[title]')]
            .filter(e => e.innerText.includes('\u2026') && !e.closest('details:not([open]) ul'))
            .map(e => [e.innerText, e.title, e.getBoundingClientRect().width])"""
    )
    assert len(cut) >= 10  # long URIs, the long error, the masked messages
    for short, whole, width in cut:
        assert width > 0  # on the page, not only in a tooltip
        head, _, tail = short.replace("\n", "").partition("\u2026")
        assert len(whole) > len(short) - 1
        assert whole.startswith(head) and whole.endswith(tail), (short, whole)


def test_a_failure_group_shows_a_few_uris_then_more(shown: tuple[Any, list[str]]) -> None:
    """One cell listed all 65 URIs of its group, screens tall."""
    page, _ = shown
    row = page.locator("table.data tr", has_text="No Parquet files found").first
    uris = row.locator("span.uri")
    assert uris.count() == 3 and all(uris.nth(i).is_visible() for i in range(3))
    more = row.locator("details summary")
    total = int(more.inner_text().strip("+ more").replace(",", ""))
    assert total >= 67  # the burst of 70, three of them shown
    height = row.bounding_box()["height"]
    assert height < (450 if page.viewport_size["width"] > 600 else 900), height
    assert not row.locator("details li").first.is_visible()
    more.click()  # a <details>: opens without script
    assert row.locator("details li").count() == min(total, 100)
    assert row.locator("details li").first.is_visible()


def test_the_running_imports_notes_are_whole(shown: tuple[Any, list[str]]) -> None:
    """The running imports' reasons were cut off."""
    page, _ = shown
    cells = page.evaluate(
        """() => [...document.querySelectorAll('td[data-label="Note"]')]
            .map(td => [td.innerText, td.scrollWidth, td.clientWidth, td.scrollHeight,
                        td.clientHeight])"""
    )
    notes = [c for c in cells if c[0] not in ("", "\u2014")]
    assert notes
    for text, scroll_w, client_w, scroll_h, client_h in notes:
        assert scroll_w <= client_w and scroll_h <= client_h, text
        assert text.replace("\n", " ").strip() in (
            "too few listings yet to tell when loading ends",
            "no progress between its recent listings",
            "Pinecone gave no progress figure for it",
        )


def test_figures_show_in_the_layout_of_the_width(shown: tuple[Any, list[str]]) -> None:
    page, _ = shown
    images = page.evaluate(
        """() => [...document.querySelectorAll('figure img')].map(img => ({
            loaded: img.complete && img.naturalWidth > 0,
            narrow: img.currentSrc === img.parentElement.querySelector('source').srcset,
            natural: img.naturalWidth,
            width: img.getBoundingClientRect().width,
            room: img.closest('figure').getBoundingClientRect().width,
        }))"""
    )
    assert len(images) == 3
    phone = page.viewport_size["width"] < 600
    for image in images:
        assert image["loaded"] and image["width"] <= image["room"] + 0.5
        assert image["narrow"] is phone  # the phone's layout on a phone only
        assert image["natural"] == (720 if phone else 1200)


def test_nothing_is_fetched(shown: tuple[Any, list[str]]) -> None:
    _, asked = shown
    assert asked and all(url.startswith(("file:", "data:")) for url in asked), asked


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_picture_script_still_makes_the_readme_pictures(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    wide, phone = _png_size(tmp_path / "report.png"), _png_size(tmp_path / "report-phone.png")
    assert wide[0] == 1400 and 1000 < wide[1] < 2500  # down to the first figure
    assert phone[0] == 390 and 1000 < phone[1] < 3000  # down to the summary
