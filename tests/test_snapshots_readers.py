"""Other readers see a lake as one table: pyarrow.dataset, DuckDB and Polars.

The host partition is percent-encoded as pyarrow's Hive partitioning writes it
(``index_host=127.0.0.1%3A8080``); each reader must give back the decoded host
(``127.0.0.1:8080``) and every stored value of every row.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from pinecone_imports_frame import schema
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.errors import UnknownStatusWarning
from pinecone_imports_frame.frame import to_frame
from pinecone_imports_frame.loader import read_imports
from pinecone_imports_frame.snapshots import _pruned, read_snapshots, write_snapshot
from pinecone_imports_frame.snapshots._store import open_store

#: Stored columns plus the two partitions, the values every reader must agree on.
COMPARED = [c for c in schema.STORED_COLUMNS if c != "index_host"] + ["index_host", "date"]


def normalise(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as sorted tuples of plain values, whatever reader produced them."""

    def value(name: str, v: Any) -> Any:
        if v is None or (isinstance(v, float) and v != v):
            return None
        if name == "date":
            return v.isoformat() if isinstance(v, dt.date) else str(v)
        if isinstance(v, dt.datetime):
            ts = pd.Timestamp(v)
            return (ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")).as_unit("us")
        return v

    out = [tuple(value(c, r[c]) for c in COMPARED) for r in rows]
    return sorted(out, key=lambda t: (str(t[-2]), str(t[COMPARED.index("listed_at")]), t[0]))


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, set[str]]:
    """Two emulated indexes (hosts 127.0.0.1:PORT) listed at three simulated times, plus a
    listing with an unknown status and the debris of a killed writer."""
    root = tmp_path_factory.mktemp("lake")
    frames, hosts = [], set()
    with Emulator(imports=150, seed=0) as a, Emulator(imports=90, seed=1) as b:
        for _ in range(3):
            for emu in (a, b):
                frames.append(
                    read_imports(emu.url, api_key=emu.api_key, progress=False, snapshot_to=root)
                )
                emu.advance(3600)
        hosts = {a.address, b.address}
    records = [
        dict(r, status="Paused") if i % 5 == 0 else r
        for i, r in enumerate(Emulator(imports=20, seed=7).records())
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownStatusWarning)
        odd = to_frame(
            records,
            listed_at="2025-05-01T10:00:00Z",
            index_host="127.0.0.1:8080",
            index_name="odd-index",
        )
    write_snapshot(odd, root)
    frames.append(odd)
    hosts.add("127.0.0.1:8080")
    folder = next(root.glob("index_host=*/date=*"))
    (folder / ".20250501T100000.000000Z-dead.parquet.tmp-1a2b3c4d").write_bytes(b"PAR1\x00\x01")
    # and a prune's record of a listing removed (_pruned/, which the other readers pass by)
    name = "20200101T000000.000000Z-0123456789ab.parquet"
    _pruned.write_record(open_store(root, None), [("127.0.0.1:9", name, 1_577_836_800_000_000)])
    expected = pd.concat(frames, ignore_index=True)
    return root, expected, hosts


def expected_rows(expected: pd.DataFrame) -> list[tuple[Any, ...]]:
    df = expected.assign(date=expected["listed_at"].dt.strftime("%Y-%m-%d"))
    rows = df[COMPARED].astype(object).where(df[COMPARED].notna(), None)
    records = rows.to_dict("records")
    for r in records:
        r["status"] = None if r["status"] is None else str(r["status"])
    return normalise(records)


def test_read_snapshots_reads_the_same_lake(lake: tuple[Path, pd.DataFrame, set[str]]) -> None:
    root, expected, _ = lake
    got = read_snapshots(root)
    want = expected.sort_values(["listed_at", "id"], kind="stable").reset_index(drop=True)
    want["status"] = want["status"].astype(got["status"].dtype)
    pd.testing.assert_frame_equal(got, want)


def test_pyarrow_dataset_reads_every_row(lake: tuple[Path, pd.DataFrame, set[str]]) -> None:
    root, expected, hosts = lake
    table = ds.dataset(root, format="parquet", partitioning="hive").to_table()
    assert table.schema.field("index_host").type == pa.string()
    assert set(table["index_host"].to_pylist()) == hosts  # decoded: 127.0.0.1:PORT
    assert table.schema.field("listed_at").type == pa.timestamp("us", tz="UTC")
    assert normalise(table.to_pylist()) == expected_rows(expected)
    assert len(table) == len(expected)


def test_duckdb_reads_every_row(lake: tuple[Path, pd.DataFrame, set[str]]) -> None:
    root, expected, hosts = lake
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rel = con.sql(f"SELECT * FROM read_parquet('{root}/**/*.parquet', hive_partitioning = true)")
    table = rel.to_arrow_table()
    assert set(table["index_host"].to_pylist()) == hosts  # decoded: 127.0.0.1:PORT
    assert table.schema.field("date").type == pa.date32()  # DuckDB casts the partition
    assert normalise(table.to_pylist()) == expected_rows(expected)


def test_polars_reads_every_row(lake: tuple[Path, pd.DataFrame, set[str]]) -> None:
    root, expected, hosts = lake
    df = pl.scan_parquet(f"{root}/**/*.parquet", hive_partitioning=True).collect()
    assert set(df["index_host"].to_list()) == hosts  # decoded: 127.0.0.1:PORT
    assert df.schema["date"] == pl.Date
    assert df.schema["listed_at"] == pl.Datetime("us", "UTC")
    assert normalise(df.to_dicts()) == expected_rows(expected)
