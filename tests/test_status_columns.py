"""A new status can be called anything: it never takes a column of a trends result.

The status enum is open from API 2025-10 on. A status named ``listed_at``, ``index_host``
or ``total`` crashed ``status_timeline``, or silently replaced the count of every row of
the listing by its own; ``imports`` or ``running`` did the same to ``summary``. Such a
status is counted in the column ``status:NAME``; every count and total stays right.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame import trends
from pinecone_imports_frame.cli import main

#: New statuses named like a column of status_timeline or summary (or of summary's
#: working frame: host, percent, duration), or like the prefix that keeps them apart.
NEW = [
    "listed_at",
    "index_host",
    "total",
    "imports",
    "running",
    "records_imported",
    "duration_p50",
    "host",
    "percent",
    "duration",
    "status:total",
    "Paused",
]
#: How many imports are in each status, in every listing.
COUNTS = {"Completed": 3, "InProgress": 2, "Failed": 1, **{s: i + 1 for i, s in enumerate(NEW)}}


def column_of(status: str, own: pd.Index) -> str:
    """The documented rule: a status keeps its name unless a column of the result has it."""
    taken = status in own or status.startswith("status:")
    return "status:" + status if taken else status


def _history() -> pd.DataFrame:
    records = []
    for status, n in COUNTS.items():
        for _ in range(n):
            records.append(
                {"id": str(len(records)), "uri": "s3://b/", "status": status,
                 "createdAt": "2025-05-01T10:00:00Z", "percentComplete": 50.0}
            )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pif.UnknownStatusWarning)
        return pd.concat(
            [
                pif.to_frame(records, listed_at=f"2025-05-01T1{h}:00:00Z", index_host="i:1")
                for h in (1, 2)
            ],
            ignore_index=True,
        )


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return _history()


def test_the_timeline_keeps_its_columns_and_every_status_s_count(history: pd.DataFrame) -> None:
    timeline = trends.status_timeline(history)
    assert timeline.columns.is_unique
    own = ["index_host", "listed_at", "total"]
    assert [c for c in timeline.columns if c in own] == own
    assert isinstance(timeline["listed_at"].dtype, pd.DatetimeTZDtype)
    assert timeline["index_host"].tolist() == ["i:1", "i:1"]
    assert timeline["total"].tolist() == [sum(COUNTS.values())] * 2
    statuses = list(timeline.columns[2:-1])  # between listed_at and total
    assert (timeline[statuses].sum(axis=1) == timeline["total"]).all()
    for status, n in COUNTS.items():
        assert timeline[column_of(status, pd.Index(own))].tolist() == [n, n], status
    assert "status:total" in timeline.columns and "status:status:total" in timeline.columns


def test_the_summary_keeps_its_columns_and_every_status_s_count(history: pd.DataFrame) -> None:
    s = trends.summary(history)
    assert s.columns.is_unique and len(s) == 1
    row = s.iloc[0]
    assert row["imports"] == sum(COUNTS.values()) and row["running"] == COUNTS["InProgress"]
    assert row["index_host"] == "i:1" and isinstance(row["listed_at"], pd.Timestamp)
    own = trends.summary(pif.empty_frame()).columns.difference(list(pif.STATUSES))
    for status, n in COUNTS.items():
        assert row[column_of(status, own)] == n, status
    text = trends.summary_text(history)
    assert f"{sum(COUNTS.values())} imports" in text
    for status, n in COUNTS.items():
        assert f"{column_of(status, own)} {n}" in text, status


def test_every_per_import_trend_shows_such_statuses_as_values(history: pd.DataFrame) -> None:
    assert set(trends.latest(history)["status"].astype(str)) == set(COUNTS)
    assert set(trends.status_history(history)["status"].astype(str)) == set(COUNTS)
    assert len(trends.transitions(history)) == 0  # nothing changed between the two listings


def test_the_report_and_the_trends_command_show_them(
    history: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pinecone_imports_frame.report import report

    page = report(history)
    assert "status:total" in page and "status:listed_at" in page
    for listing in (g for _, g in history.groupby("listed_at")):
        pif.write_snapshot(listing, tmp_path)
    assert main(["trends", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "status:total" in out and "status:index_host" in out
