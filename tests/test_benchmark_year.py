"""The year-of-a-fleet benchmark's generator writes what compaction to runs would write.

``benchmarks/_year.py`` builds a year of 20 indexes straight as runs, never making its two
billion listing rows; on a small case its files and what its reader makes of them are
checked against ``tests/runs_reference.py`` run on the same model's listing rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from runs_reference import to_runs

from pinecone_imports_frame import frame as pif_frame
from pinecone_imports_frame import trends

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import _year

SMALL = {"days": 3, "every_s": 1800, "visible": 40}


def listings_of(hosts: int) -> pd.DataFrame:
    tables = [_year.index_listings(h, **SMALL) for h in range(hosts)]
    frames = [pif_frame.frame_from_table(pif_frame.conform_table(t)) for t in tables]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("year")
    _year.write_fleet(root, hosts=2, **SMALL)
    return root


def by_import(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["index_host", "id", "first_listed_at"], ignore_index=True)


def test_the_lake_read_back_is_the_runs_of_its_listings(lake: Path) -> None:
    listings = listings_of(2)
    expected = to_runs(listings)
    got = _year.read_runs(lake)
    assert len(got) < len(listings) / 10
    pd.testing.assert_frame_equal(by_import(got), by_import(expected))
    want = expected.attrs["listings"].by_host()
    have = got.attrs["listings"].by_host()
    assert set(have) == set(want)
    for host in want:
        pd.testing.assert_index_equal(have[host], want[host], check_names=False)


def test_each_day_file_holds_the_runs_of_that_days_listings(lake: Path) -> None:
    listings = listings_of(2)
    days = listings["listed_at"].dt.strftime("%Y-%m-%d")
    for path in sorted(lake.rglob("runs.parquet")):
        date = path.parent.name.split("=", 1)[1]
        host = pd.Series([path.parent.parent.name.split("=", 1)[1]]).str.replace("%3A", ":")[0]
        day = listings[(days == date) & (listings["index_host"] == host)]
        expected = by_import(to_runs(day))
        stored = pq.read_table(path).to_pandas().sort_values(["id", "first_listed_at"])
        assert stored["id"].tolist() == expected["id"].tolist()
        for name in ("status", "first_listed_at", "last_listed_at", "listings", "records_imported"):
            have = [None if pd.isna(v) else v for v in stored[name].astype(object)]
            want = [None if pd.isna(v) else v for v in expected[name].astype(object)]
            assert have == want, name


@pytest.mark.parametrize("question", ["summary", "failures", "throughput"])
def test_the_benchmarks_questions_answer_the_same_on_the_lake(lake: Path, question: str) -> None:
    listings = listings_of(2)
    runs = _year.read_runs(lake)

    def ask(df: pd.DataFrame) -> pd.DataFrame:
        if question == "throughput":
            return trends.throughput(df, freq="7D")
        return getattr(trends, question)(df)

    pd.testing.assert_frame_equal(ask(runs), ask(listings))
