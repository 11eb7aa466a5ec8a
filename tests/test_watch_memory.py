"""What a long watch keeps: each listing's news, not every listing (issue 18).

A watch polls the same imports again and again; it kept every listing whole, so its memory
grew with the polls (150 imports, 250 polls: 37,500 rows, nearly all repeats). It keeps
every loading row (rates are measured over them) and of every other run of identical rows
the first and the last, with the newest listing whole: memory grows with the imports and
their changes. Against the emulator over HTTP, on a fake clock (no sleep).
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from faketime import FakeTime

import pinecone_imports_frame as pif
from pinecone_imports_frame import trends
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.watch import watch_imports

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def _watch(polls: int, monkeypatch: pytest.MonkeyPatch, **options: Any) -> pd.DataFrame:
    """Watch a fresh emulator for ``polls`` polls, a minute apart; return its history."""
    with Emulator(imports=150, seed=4, now=NOW) as emu:
        FakeTime(emu).install(monkeypatch)
        history = watch_imports(
            emu.url, api_key=emu.api_key, interval="1m", until=f"{polls - 1}m",
            progress=False, **options,
        )  # fmt: skip
    assert history.attrs["watch"]["polls"] == polls
    return history


def loading_rows(history: pd.DataFrame) -> int:
    loading = (history["status"] == "InProgress") & ~(history["percent_complete"] >= 100)
    return int(loading.fillna(False).sum())


def test_a_long_watch_keeps_what_changed_not_every_listing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before: 25 polls kept 3,750 rows, 250 polls 37,500 and ten times the memory."""
    short = _watch(25, monkeypatch)
    long = _watch(250, monkeypatch)
    imports = long["id"].nunique()
    # Rows besides the loading ones (each a change of progress): at most two per run of
    # one status (its first row and its last), whatever the number of polls.
    runs = len(trends.status_history(long))
    assert len(long) - loading_rows(long) <= 2 * runs <= 2 * (imports + 40)
    # Ten times the polls: the memory grows with the imports and their changes.
    size = [int(h.memory_usage(deep=True).sum()) for h in (short, long)]
    assert size[1] < 3 * size[0], size
    assert len(long) < 3 * len(short)  # before: 38,000 rows against 3,800


def test_the_trends_of_a_watch_are_those_of_every_listing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The lake holds every listing whole; the watch's history tells the trends the same."""
    history = _watch(60, monkeypatch, snapshot_to=tmp_path)
    lake = pif.read_snapshots(tmp_path)
    assert len(history) < len(lake) / 5
    key = ["index_host", "id"]

    def same(function: Any, by: list[str]) -> None:
        # Every figure is the same; only the count of listings that showed a row is not
        # kept (``listings``: the history keeps an unchanged import's first and last).
        ours, theirs = function(history), function(lake)
        ours = ours.drop(columns=["listings"], errors="ignore").sort_values(by, ignore_index=True)
        theirs = theirs.drop(columns=["listings"], errors="ignore")
        theirs = theirs.sort_values(by, ignore_index=True)
        pd.testing.assert_frame_equal(ours, theirs, check_categorical=False)

    same(trends.latest, key)
    same(trends.estimate_completion, key)
    same(trends.transitions, [*key, "changed_after"])
    same(trends.failures, ["message"])
    same(trends.summary, ["index_host"])
    same(trends.status_history, [*key, "from"])
