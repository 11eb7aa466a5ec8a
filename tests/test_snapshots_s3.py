"""Snapshots on a real S3 endpoint (moto's server) through s3fs."""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
import s3fs

from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.errors import SnapshotError
from pinecone_imports_frame.frame import empty_frame, to_frame
from pinecone_imports_frame.loader import read_imports
from pinecone_imports_frame.snapshots import (
    list_snapshots,
    prune_snapshots,
    read_snapshots,
    write_snapshot,
)

SECRET_KEY = "pcsk_s3_snapshot_test_51e0_DO_NOT_LEAK"
Lake = tuple[str, dict[str, Any]]


def stacked(*frames: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["listed_at", "id"], kind="stable")
        .reset_index(drop=True)
    )


def objects(root: str, options: dict[str, Any]) -> dict[str, Any]:
    fs = s3fs.S3FileSystem(**options)
    fs.invalidate_cache()
    return fs.find(root.removeprefix("s3://"), detail=True)


def test_round_trip_on_s3_is_exact(s3_lake: Lake) -> None:
    root, options = s3_lake
    frames = []
    with Emulator(imports=200, seed=0, api_key=SECRET_KEY) as emu:
        for _ in range(3):
            frames.append(
                read_imports(
                    emu.url,
                    api_key=emu.api_key,
                    progress=False,
                    snapshot_to=root,
                    storage_options=options,
                )
            )
            emu.advance(3600)
        host = emu.address
    got = read_snapshots(root, storage_options=options)
    pd.testing.assert_frame_equal(got, stacked(*frames))
    pd.testing.assert_frame_equal(
        read_snapshots(
            root, storage_options=options, index_host=host, since=frames[1]["listed_at"].iloc[0]
        ),
        stacked(*frames[1:]),
    )
    pd.testing.assert_frame_equal(
        read_snapshots(root, storage_options=options, columns=["status", "elapsed"]),
        stacked(*frames)[["status", "elapsed"]],
    )

    found = objects(root, options)
    assert len(found) == 3
    for path, info in found.items():
        assert f"/index_host={host.replace(':', '%3A')}/date=" in path
        data = s3fs.S3FileSystem(**options).cat_file(path)
        assert SECRET_KEY.encode() not in data
        assert b"testing" not in data  # nor the storage credentials
        assert len(data) == info["size"]

    listed = list_snapshots(root, storage_options=options)
    assert listed["path"].str.startswith(root + "/index_host=").all()
    assert listed["rows"].tolist() == [len(df) for df in frames]
    assert listed["listed_at"].tolist() == [df["listed_at"].iloc[0] for df in frames]
    assert sorted(listed["bytes"]) == sorted(info["size"] for info in found.values())
    # a listed path opens with the same storage options
    with s3fs.S3FileSystem(**options).open(listed["path"].iloc[0], "rb") as f:
        assert pq.read_metadata(f).num_rows == len(frames[0])


def test_prune_on_s3(s3_lake: Lake) -> None:
    root, options = s3_lake
    records = Emulator(imports=20, seed=2).records()
    now = pd.Timestamp.now(tz="UTC").floor("ms")
    frames = [
        to_frame(records, listed_at=now - pd.Timedelta(days=d), index_host="127.0.0.1:81")
        for d in (10, 5, 0)
    ]
    for df in frames:
        write_snapshot(df, root, storage_options=options)
    assert len(prune_snapshots(root, keep_last=2, dry_run=True, storage_options=options)) == 1
    assert len(objects(root, options)) == 3
    removed = prune_snapshots(root, older_than="7d", storage_options=options)
    assert removed["listed_at"].tolist() == [frames[0]["listed_at"].iloc[0]]
    left = objects(root, options)
    assert len([k for k in left if "/_pruned/" not in k]) == 2  # and the prune's record
    pd.testing.assert_frame_equal(
        read_snapshots(root, storage_options=options), stacked(*frames[1:])
    )


def test_concurrent_writers_on_s3_keep_both(s3_lake: Lake) -> None:
    root, options = s3_lake
    df = to_frame(
        Emulator(imports=15, seed=3).records(),
        listed_at="2025-05-01T10:00:00Z",
        index_host="idx.svc.pinecone.io",
    )
    barrier = threading.Barrier(2)
    paths: list[str] = []

    def write() -> None:
        barrier.wait()
        paths.append(write_snapshot(df, root, storage_options=options))

    threads = [threading.Thread(target=write) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(paths)) == 2
    assert len(read_snapshots(root, storage_options=options)) == 30


def test_empty_bucket_and_missing_bucket(s3_lake: Lake) -> None:
    root, options = s3_lake
    pd.testing.assert_frame_equal(read_snapshots(root, storage_options=options), empty_frame())
    assert list_snapshots(root, storage_options=options).empty
    missing = "s3://no-such-bucket-pif/lake"
    for read in (read_snapshots, list_snapshots):
        with pytest.raises(SnapshotError, match="the bucket 'no-such-bucket-pif'") as caught:
            read(missing, storage_options=options)
        assert caught.value.permanent
    df = to_frame(
        Emulator(imports=2, seed=3).records(),
        listed_at="2025-05-01T10:00:00Z",
        index_host="idx.svc.pinecone.io",
    )
    with pytest.raises(SnapshotError, match="bucket"):
        write_snapshot(df, missing, storage_options=options)
