"""The README's DuckDB SQL for runs, run against lakes: it agrees with read_history and
read_snapshots (compacted days, uncompacted files after them, a run across both)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from everyday import examples
from hypothesis import HealthCheck, given, settings
from runs_histories import frame_of, histories

from pinecone_imports_frame import compact_snapshots, read_history, read_snapshots, write_snapshot

README = Path(__file__).resolve().parents[1] / "README.md"


def _sql_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("### History as runs")
    section = text[start : text.index("\n## ", start)]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    assert len(blocks) == 2
    return blocks


def _key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple("" if v is None else str(v) for v in row)


def _compare(root: str) -> None:
    con = duckdb.connect()
    for block in _sql_blocks():
        con.sql(block.replace("/data/pinecone-imports", root))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unknown status "Paused"
        history = read_history(root)
        listings = read_snapshots(root)
    cols = "index_host, id, status, records_imported, index_name, api_version"
    sql_runs = con.sql(
        f"SELECT {cols}, epoch_us(first_listed_at), epoch_us(last_listed_at), listings FROM runs"
    ).fetchall()
    ours = history[[*cols.split(", "), "first_listed_at", "last_listed_at", "listings"]]
    ours_rows = [
        (*r[:6], pd.Timestamp(r[6]).value // 1000, pd.Timestamp(r[7]).value // 1000, r[8])
        for r in ours.astype(object).where(ours.notna(), None).itertuples(index=False)
    ]
    assert sorted(map(_key, sql_runs)) == sorted(map(_key, ours_rows))
    sql_listings = con.sql(f"SELECT {cols}, epoch_us(listed_at) FROM listings").fetchall()
    mine = listings[[*cols.split(", "), "listed_at"]]
    mine_rows = [
        (*r[:6], pd.Timestamp(r[6]).value // 1000)
        for r in mine.astype(object).where(mine.notna(), None).itertuples(index=False)
    ]
    assert sorted(map(_key, sql_listings)) == sorted(map(_key, mine_rows))


@settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(max_listings=6, days=3))
def test_the_readme_sql_gives_read_history_and_read_snapshots(history: list[Any]) -> None:
    import tempfile

    root = tempfile.mkdtemp()
    # The compacted days, then today's files: a run may go from one into the other.
    today = pd.Timestamp.now(tz="UTC").floor("D")
    for host, t, records, version, name in history:
        write_snapshot(frame_of((host, t, records, version, name), "numpy_nullable"), root)
    compact_snapshots(root)
    last = history[-1]
    later = (last[0], today + pd.Timedelta(seconds=1), last[2], last[3], last[4])
    write_snapshot(frame_of(later, "numpy_nullable"), root)
    _compare(root)
