"""What a person sees of a watch: its bars and lines, rendered as a terminal would show them.

The watch runs against the emulator over HTTP on a fake clock (``FakeTime``: no sleep); its
stderr, captured, is replayed on a small virtual screen that does what a terminal does with
tqdm's output (``\\r``, ``\\n``, cursor up), so the tests read the lines a person reads.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pandas as pd
import pytest
from faketime import FakeTime

import pinecone_imports_frame as pif
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.watch import watch_imports

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
#: A bar line: a label column, then ``|bar|`` with the figure (a percent, or ended/total).
BAR = re.compile(r"^(?P<label>.+?) \|(?P<bar>[^|]*)\|\s*(?P<figure>\S+)")


@pytest.fixture
def emu() -> Any:
    with Emulator(imports=150, seed=4, now=NOW) as emulator:
        yield emulator


@pytest.fixture
def fake(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    return FakeTime(emu).install(monkeypatch)


def screen(raw: str) -> list[str]:
    """Replay ``raw`` on a virtual terminal; return its lines as they end up."""
    lines, row, col = [""], 0, 0
    for token in re.split(r"(\r|\n|\x1b\[A)", raw):
        if token == "\r":
            col = 0
        elif token == "\n":
            row, col = row + 1, 0
            lines += [""] * (row + 1 - len(lines))
        elif token == "\x1b[A":
            row = max(row - 1, 0)
        elif token:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + token + line[col + len(token) :]
            col += len(token)
    return [line.rstrip() for line in lines]


def drawn(raw: str) -> list[str]:
    """Every line tqdm drew, in order (each redraw of a bar is one)."""
    return [s.rstrip() for s in re.split(r"\r|\n|\x1b\[A", raw) if s.strip()]


def running(listing: pd.DataFrame) -> set[str]:
    return set(listing.loc[~listing["is_terminal"].astype(bool), "id"])


def bar_lines(raw: str) -> list[re.Match[str]]:
    return [m for line in drawn(raw) if (m := BAR.match(line))]


def check_bars(raw: str, columns: int) -> None:
    """Clean, aligned bars that fit the terminal; endings on lines of their own."""
    assert "| , " not in raw and "/s]" not in raw and "imports/s" not in raw
    bars = bar_lines(raw)
    assert len(bars) > 20
    # One column for the labels, one for the bars: every bar starts and ends where the
    # others do, whatever its label and text.
    assert len({m.start("bar") for m in bars}) == 1
    assert len({m.end("bar") for m in bars}) == 1
    assert max(len(m.string) for m in bars) < columns  # no bar wraps
    percents = [m["figure"] for m in bars if m["label"].strip() != "imports ended"]
    assert percents and all(re.fullmatch(r"\d{1,3}\.\d%|\?", p) for p in percents)
    # Lines about imports that ended are lines of their own, never drawn over a bar.
    ended = [line for line in screen(raw) if " after " in line]
    assert ended and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ  import ", x) for x in ended)


def test_bars_are_aligned_clean_and_the_ended_bar_counts_every_import_it_drew(
    emu: Emulator,
    fake: FakeTime,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before: `| , ` before every text, bars ending at different columns, a tqdm rate on
    the ended bar, and imports started during the watch never counted as ended."""
    monkeypatch.setenv("COLUMNS", "80")
    history = watch_imports(emu.url, api_key=emu.api_key, interval="1m", progress=True)
    raw = capsys.readouterr().err
    check_bars(raw, 80)
    listings = [g for _, g in history.groupby("listed_at")]
    had_bars = set().union(*(running(listing) for listing in listings))
    still = running(listings[-1])
    started_with = history.attrs["watch"]["running_at_start"]
    assert len(had_bars) > started_with, "no import started during the watch"
    overall = [m["figure"] for m in bar_lines(raw) if m["label"].strip() == "imports ended"]
    assert overall[0] == f"0/{started_with}"
    assert overall[-1] == f"{len(had_bars - still)}/{len(had_bars)}"
    totals = [int(f.split("/")[1]) for f in overall]
    assert totals == sorted(totals)  # it grows as imports start, never shrinks


def test_a_wide_terminal_gets_the_same_columns_and_longer_bars(
    emu: Emulator,
    fake: FakeTime,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    watch_imports(emu.url, api_key=emu.api_key, interval="2m", until="1h", progress=True)
    raw = capsys.readouterr().err
    check_bars(raw, 120)
    assert len(bar_lines(raw)[0]["bar"]) > 10


def test_ctrl_c_says_so_on_a_line_of_its_own(
    emu: Emulator, fake: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: "watch interrupted" was written at the end of the overall bar's line."""
    fake.interrupt_at = 3
    code = main(
        ["watch", "--host", emu.url, "--api-key", emu.api_key, "--interval", "1m", "--progress"]
    )
    assert code == 130
    lines = screen(capsys.readouterr().err)
    said = [line for line in lines if "watch interrupted" in line]
    assert len(said) == 1 and said[0].startswith("pinecone-imports: watch interrupted")
    # The bar of the imports ended stays, above the line; no import's bar is left behind.
    above = lines[: lines.index(said[0])]
    assert [line for line in above if BAR.match(line)] == [
        line for line in above if line.startswith("imports ended |")
    ]


def test_a_log_line_during_the_watch_goes_above_the_bars(
    emu: Emulator, fake: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed poll's warning, say: before, it was written over whichever bar was last."""
    emu.inject("status", status=503, times=2, after=2)  # the second poll fails
    main(["watch", "--host", emu.url, "--api-key", emu.api_key, "--interval", "1m",
          "--max-retries", "1", "--until", "5m", "--progress"])  # fmt: skip
    lines = screen(capsys.readouterr().err)
    said = [line for line in lines if "503" in line]
    assert said and all(line.startswith("pinecone-imports: ") for line in said)
    assert pif.__name__  # the package imported as users import it
