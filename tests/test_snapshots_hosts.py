"""One index, one ``index_host``: however its host was written (issue 18).

``localhost:P``, ``LOCALHOST:P``, ``localhost.:P``, ``host:443`` and ``host`` name one
index. Rows and lake partitions spell it one way (lower case, no trailing dot, no default
port), and a lake written before that (one partition per spelling) reads, prunes and
compacts as one index. On local disk and on moto's S3 server.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from test_snapshots_errors import Lake, lake, put  # the same lakes: local disk and S3

from pinecone_imports_frame import Connection
from pinecone_imports_frame.frame import to_frame
from pinecone_imports_frame.snapshots import (
    compact_snapshots,
    list_snapshots,
    prune_snapshots,
    read_snapshots,
    write_snapshot,
)

__all__ = ["lake"]  # a fixture, used by name
LOCAL = ["localhost:5080", "LOCALHOST:5080", "localhost.:5080", "LocalHost.:5080"]
REMOTE = [
    "idx-1a2b3c.svc.pinecone.io:443",
    "IDX-1a2b3c.svc.pinecone.io",
    "idx-1a2b3c.svc.pinecone.io.",
]


def test_rows_and_connections_spell_a_host_one_way() -> None:
    for spellings, one in ((LOCAL, "localhost:5080"), (REMOTE, "idx-1a2b3c.svc.pinecone.io")):
        for host in spellings:
            frame = to_frame([{"id": "1", "status": "Pending"}], index_host=host)
            assert frame["index_host"].tolist() == [one] and frame.attrs["index_host"] == one
            assert Connection.resolve(api_key="k", host=host).index_host == one
    secure = Connection.resolve(api_key="k", host="https://Idx.svc.pinecone.io:443/")
    assert secure.endpoint is not None and secure.endpoint.url == "https://idx.svc.pinecone.io"
    plain = Connection.resolve(api_key="k", host="http://127.0.0.1:80")
    assert plain.index_host == "127.0.0.1"
    assert Connection.resolve(api_key="k", host="https://h.io:80").index_host == "h.io:80"


def test_write_snapshot_names_one_partition_per_index(tmp_path: Path) -> None:
    for i, host in enumerate(LOCAL):
        frame = to_frame([{"id": "1"}], listed_at=f"2025-05-01T1{i}:00Z", index_host="h")
        frame["index_host"] = host  # a frame built by hand, its host as it was written
        write_snapshot(frame, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["index_host=localhost%3A5080"]
    assert read_snapshots(tmp_path)["index_host"].unique().tolist() == ["localhost:5080"]


def split_lake(lake: Lake, tmp_path: Path, spellings: list[str]) -> list[pd.Timestamp]:
    """A lake written before hosts were normalised: listings of one index under each spelling.

    Three days ago, two days ago and today, one listing a spelling each; their listed_at.
    """
    staging = tmp_path / "staging"
    today = pd.Timestamp.now(tz="UTC").floor("D")
    stamps = []
    for days in (3, 2, 0):
        for i, host in enumerate(spellings):
            when = today - pd.Timedelta(days=days) + pd.Timedelta(minutes=i + 1)
            records = [{"id": str(n), "status": "Pending"} for n in range(2)]
            path = Path(write_snapshot(to_frame(records, listed_at=when, index_host="x"), staging))
            rel = f"index_host={quote(host, safe='')}/{path.parent.name}/{path.name}"
            put(lake, rel, path.read_bytes())
            stamps.append(when)
    return sorted(stamps)


@pytest.mark.parametrize(
    ("spellings", "one"), [(LOCAL, "localhost:5080"), (REMOTE, REMOTE[1].lower())]
)
def test_a_lake_split_by_spelling_is_one_index(
    lake: Lake, tmp_path: Path, spellings: list[str], one: str
) -> None:
    root, options = lake
    stamps = split_lake(lake, tmp_path, spellings)

    whole = read_snapshots(root, storage_options=options)
    assert whole["index_host"].unique().tolist() == [one]
    assert sorted(whole["listed_at"].unique()) == stamps
    for asked in (spellings[1], f"http://{spellings[2]}/", one):  # any spelling selects all
        got = read_snapshots(root, index_host=asked, storage_options=options)
        pd.testing.assert_frame_equal(got, whole)
    listed = list_snapshots(root, storage_options=options)
    assert set(listed["index_host"]) == {one}

    merged = compact_snapshots(root, storage_options=options)  # into the one partition
    assert merged["index_host"].tolist() == [one, one]
    assert (merged["files_before"] == len(spellings)).all()
    listed = list_snapshots(root, storage_options=options)
    past = listed[listed["date"] < f"{stamps[-1]:%Y-%m-%d}"]
    assert past["path"].nunique() == 2 and all(
        f"/index_host={quote(one, safe='')}/" in p for p in past["path"]
    )
    if options is None:  # the emptied folders of the old spellings' past days are gone
        left = sorted(str(p.relative_to(root)) for p in Path(root).glob("index_host=*/date=*"))
        assert len(left) == 2 + len(spellings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pd.testing.assert_frame_equal(read_snapshots(root, storage_options=options), whole)

    removed = prune_snapshots(root, keep_last=2, storage_options=options)  # 2 of the index
    assert len(removed) == len(stamps) - 2
    kept = read_snapshots(root, storage_options=options)
    assert sorted(kept["listed_at"].unique()) == stamps[-2:]
