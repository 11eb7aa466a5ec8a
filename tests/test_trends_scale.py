"""trends at scale: no Python work per import or per listing (counted, not timed).

Issue 12 asks for every trends function on ten million rows within seconds, which only
vectorised code does; ``benchmarks/run.py`` times it. Here the proof is structural and
deterministic: the number of Python function calls a trends function makes must not grow
with the history. A loop over imports or listings (``groupby().apply``, ``iterrows``, a
comprehension per row) would multiply it by the hundredfold growth in rows.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pinecone_imports_frame import trends

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _trends import FUNCTIONS, synthetic_history


def python_calls(fn: Callable[[pd.DataFrame], Any], history: pd.DataFrame) -> int:
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        fn(history)
    finally:
        sys.setprofile(None)
    return calls


@pytest.fixture(scope="module")
def histories() -> tuple[pd.DataFrame, pd.DataFrame]:
    # A day of two-minute listings: 40 imports a day, then 400 a day over ten times the
    # listings (a hundred times the rows), with imports running, failing and indexing.
    small = synthetic_history(visible=40, listings=50, every_s=120, days=1, seed=1)
    big = synthetic_history(visible=400, listings=500, every_s=120, days=1, seed=1)
    assert len(big) > 90 * len(small)
    assert big["id"].nunique() > 10 * small["id"].nunique()
    return small, big


@pytest.mark.parametrize("name", FUNCTIONS)
def test_python_work_does_not_grow_with_the_history(
    name: str, histories: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    small, big = histories
    fn = getattr(trends, name)
    fn(small), fn(big)  # warm caches (imports, pandas' lazily built dispatch)
    assert len(fn(big)) >= len(fn(small)) > 0  # both exercise the real path
    few, many = python_calls(fn, small), python_calls(fn, big)
    # A handful of groups (periods, kinds of failure) may cost a few calls each; one call
    # per import would add 600, per listing 450, per row 198,000.
    assert many <= 1.05 * few + 100, (
        f"{name}: {few} Python calls on {len(small)} rows, {many} on {len(big)}"
    )


def test_the_synthetic_history_is_in_the_package_schema(
    histories: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    import pinecone_imports_frame as pif

    small, _ = histories
    assert list(small.columns) == list(pif.COLUMN_NAMES)
    assert (small.dtypes == pif.empty_frame().dtypes).all()
    statuses = set(small["status"].astype(str))
    assert {"Pending", "InProgress", "Completed", "Failed"} <= statuses
