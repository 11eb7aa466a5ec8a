"""The year-of-a-fleet benchmark's generator writes the lake compaction writes.

``benchmarks/_year.py`` builds a year of 20 indexes straight as compacted days of runs,
never making its two billion listing rows. On a small case (2 indexes, 3 days of listings
every 30 minutes, about 40 imports visible) its lake is checked against the lake
``write_snapshot`` and ``compact_snapshots`` make of the same model's listing rows: the
same files (names but for their random suffixes), the same runs, the same footers, and
``read_history`` and ``read_snapshots`` read both alike.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pinecone_imports_frame import (
    compact_snapshots,
    read_history,
    read_snapshots,
    trends,
)
from pinecone_imports_frame import frame as pif_frame

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import _year

SMALL = {"days": 3, "every_s": 1800, "visible": 40}
HOSTS = 2
#: A compacted file's random suffix (compaction's), before ``.runs.parquet``.
_SUFFIX = re.compile(r"-[0-9a-f]{12}(\.runs\.parquet)$")


def model_listings() -> pa.Table:
    return pa.concat_tables(_year.index_listings(h, **SMALL) for h in range(HOSTS))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    _year.write_fleet(root, hosts=HOSTS, **SMALL)
    return root


@pytest.fixture(scope="module")
def compacted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("compacted")
    _year.write_listings(root, model_listings())
    done = compact_snapshots(root)
    assert len(done) == HOSTS * SMALL["days"]
    return root


def lake_files(root: Path) -> dict[str, Path]:
    """The lake's files by path, their random suffix left out."""
    return {
        _SUFFIX.sub(r"\1", p.relative_to(root).as_posix()): p
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def footer(path: Path) -> dict[str, object]:
    """A file's footer, its listings decoded and their names' random parts left out."""
    kv = {k.decode(): v.decode() for k, v in (pq.read_metadata(path).metadata or {}).items()}
    # pyarrow < 17 repeats the footer (random listing names included) in the serialised
    # Arrow schema: compare that schema without its metadata, compared below as itself.
    if "ARROW:schema" in kv:
        arrow = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(kv["ARROW:schema"])))
        kv["ARROW:schema"] = arrow.remove_metadata().to_string()
    listings = json.loads(kv.pop("pinecone_imports_frame.listings"))
    assert len(listings.pop("name")) == len(listings["at"])
    return {**kv, "listings": listings}


def test_the_generator_writes_the_files_compaction_writes(generated: Path, compacted: Path) -> None:
    made, want = lake_files(generated), lake_files(compacted)
    assert list(made) == list(want)
    assert len(made) == HOSTS * SMALL["days"]
    for key, path in made.items():
        assert path.name.endswith(".runs.parquet")
        assert pq.read_schema(path) == pq.read_schema(want[key]), key
        assert pq.ParquetFile(path).schema == pq.ParquetFile(want[key]).schema, key
        assert pq.read_table(path).equals(pq.read_table(want[key])), key
        assert footer(path) == footer(want[key]), key


def test_read_history_reads_both_lakes_alike(generated: Path, compacted: Path) -> None:
    made, want = read_history(generated), read_history(compacted)
    pd.testing.assert_frame_equal(made, want)
    assert made.attrs["listings"] == want.attrs["listings"]
    listings = model_listings()
    assert len(made.attrs["listings"]) == SMALL["days"] * 48 * HOSTS
    assert len(made) < listings.num_rows / 10


def test_read_snapshots_reads_both_lakes_alike(generated: Path, compacted: Path) -> None:
    made = read_snapshots(generated)
    pd.testing.assert_frame_equal(made, read_snapshots(compacted))
    assert len(made) == model_listings().num_rows


@pytest.mark.parametrize("question", ["summary", "failures", "throughput"])
def test_the_benchmarks_questions_answer_the_same_on_the_lake(
    generated: Path, question: str
) -> None:
    table = model_listings()
    listings = pif_frame.frame_from_table(pif_frame.conform_table(table))

    def ask(df: pd.DataFrame) -> pd.DataFrame:
        if question == "throughput":
            return trends.throughput(df, freq="7D")
        return getattr(trends, question)(df)

    pd.testing.assert_frame_equal(ask(read_history(generated)), ask(listings))


def test_a_day_whose_runs_do_not_add_up_is_skipped_and_said(
    generated: Path, tmp_path: Path
) -> None:
    import shutil
    import warnings

    from pinecone_imports_frame.errors import SkippedFileWarning

    root = tmp_path / "lake"
    shutil.copytree(generated, root)
    damaged = sorted(root.rglob("*.runs.parquet"))[1]
    table = pq.read_table(damaged)
    listings = table["listings"].to_pylist()
    listings[0] += 1  # its footer's listings no longer add up to its runs
    table = table.set_column(
        table.column_names.index("listings"), "listings", pa.array(listings, pa.int64())
    )
    kv = pq.read_metadata(damaged).metadata
    pq.write_table(table.replace_schema_metadata(kv), damaged)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = read_history(root)
    said = [str(w.message) for w in caught if issubclass(w.category, SkippedFileWarning)]
    assert len(said) == 1 and damaged.name in said[0]
    host = damaged.parent.parent.name.split("=", 1)[1]
    other = got[got["index_host"] != host].reset_index(drop=True)
    whole = read_history(generated)
    pd.testing.assert_frame_equal(other, whole[whole["index_host"] != host].reset_index(drop=True))

    # Its day's listings show none of its runs: the index's runs span fewer listings.
    def spanned(df: pd.DataFrame) -> int:
        return int(df.loc[df["index_host"] == host, "listings"].sum())

    assert spanned(got) < spanned(whole)
