"""Spark reads the lake's files, listing rows and runs alike: checked by their Parquet schema.

No JVM runs in CI, so this test holds the files to what Spark 3's Parquet reader takes
without options: signed 64-bit integers, doubles, UTF-8 strings, and timestamps as
``TIMESTAMP(MICROS, isAdjustedToUTC=true)`` (Spark's ``TimestampType``; nanoseconds or
unsigned integers would need settings or fail); no column repeating a Hive partition key
(Spark refuses a data column that collides with ``index_host=`` or ``date=``); partition
folders Spark's partition discovery parses (``key=value``, the date as ``yyyy-MM-dd``).
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame.emulator import Emulator

NOW = pd.Timestamp("2025-05-01T10:00:00Z")
#: (physical type, logical type as pyarrow prints it) Spark 3 reads as they are.
SPARK_READS = {
    ("BYTE_ARRAY", "String"),
    ("INT64", "None"),
    ("DOUBLE", "None"),
    ("BOOLEAN", "None"),
    (
        "INT64",
        "Timestamp(isAdjustedToUTC=true, timeUnit=microseconds, "
        "is_from_converted_type=false, force_set_converted_type=false)",
    ),
}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three listings of yesterday compacted into runs, one of today left as a listing."""
    root = tmp_path_factory.mktemp("lake")
    with Emulator(imports=60, seed=3, now=NOW) as emu:
        for _ in range(3):
            pif.write_snapshot(pif.read_imports(emu.url, api_key=emu.api_key, progress=False), root)
            emu.advance(600)
        pif.compact_snapshots(root)
        emu.advance(86_400)
        pif.write_snapshot(pif.read_imports(emu.url, api_key=emu.api_key, progress=False), root)
    return root


def files(root: Path) -> list[Path]:
    found = sorted(root.rglob("*.parquet"))
    kinds = {p.name.endswith(".runs.parquet") for p in found}
    assert kinds == {True, False}, found  # runs and listing rows, both checked
    return found


def test_every_column_has_a_type_spark_reads(lake: Path) -> None:
    for path in files(lake):
        schema = pq.ParquetFile(path).schema
        for i in range(len(schema)):
            column = schema.column(i)
            kind = (column.physical_type, str(column.logical_type))
            assert kind in SPARK_READS, (path.name, column.name, kind)


def test_no_column_repeats_a_partition_key(lake: Path) -> None:
    for path in files(lake):
        names = set(pq.ParquetFile(path).schema_arrow.names)
        assert not names & {"index_host", "date"}, (path.name, names)


def test_partition_folders_are_what_spark_discovers(lake: Path) -> None:
    for path in files(lake):
        rel = path.relative_to(lake).parts
        assert len(rel) == 3, rel
        host, date = rel[0], rel[1]
        assert host.startswith("index_host=") and date.startswith("date=")
        assert re.fullmatch(r"date=\d{4}-\d{2}-\d{2}", date)
        value = urllib.parse.unquote(host.split("=", 1)[1])
        assert value.startswith("127.0.0.1:")  # the host, percent-encoded as Hive does
