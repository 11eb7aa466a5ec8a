"""The lake says what is wrong, and survives what it did not write (issue 7).

Where a bullet involves a store, each test runs on local disk and on a real S3 endpoint
(moto's server, through s3fs).
"""

from __future__ import annotations

import io
import os
import re
import socket
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.errors import ConfigurationError, SkippedFileWarning, SnapshotError
from pinecone_imports_frame.frame import empty_frame, to_frame
from pinecone_imports_frame.loader import read_imports
from pinecone_imports_frame.snapshots import (
    check_destination,
    compact_snapshots,
    list_snapshots,
    prune_snapshots,
    read_snapshots,
    write_snapshot,
)
from pinecone_imports_frame.snapshots._store import Store

Lake = tuple[str, "dict[str, Any] | None"]
HOST = "idx-1a2b3c.svc.aped-4627-b74a.pinecone.io"


def stacked(*frames: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["listed_at", "id"], kind="stable")
        .reset_index(drop=True)
    )


@pytest.fixture(params=["local", "s3"])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> Lake:
    """An empty lake root: a local folder not made yet, or a prefix of a new S3 bucket."""
    if request.param == "local":
        return str(tmp_path / "lake"), None
    root, options = request.getfixturevalue("s3_lake")
    return root, options


def put(lake: Lake, rel: str, data: bytes) -> str:
    """Write raw bytes at ``root/rel`` (another tool's file, a damaged one); return its path."""
    root, options = lake
    if options is None:
        path = Path(root, rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return str(path)
    import s3fs

    fs = s3fs.S3FileSystem(**options)
    fs.pipe_file(f"{root.removeprefix('s3://')}/{rel}", data)
    fs.invalidate_cache()
    return f"{root}/{rel}"


def delete(lake: Lake, path: str) -> None:
    if lake[1] is None:
        os.unlink(path)
    else:
        import s3fs

        fs = s3fs.S3FileSystem(**lake[1])
        fs.rm_file(path)
        fs.invalidate_cache()


def read_bytes(lake: Lake, path: str) -> bytes:
    if lake[1] is None:
        return Path(path).read_bytes()
    import s3fs

    return bytes(s3fs.S3FileSystem(**lake[1]).cat_file(path))


@pytest.fixture
def records() -> list[dict[str, Any]]:
    return Emulator(imports=30, seed=3).records()


def frame_at(records: list[dict[str, Any]], when: str, host: str = HOST) -> pd.DataFrame:
    return to_frame(records, listed_at=when, index_host=host)


# --- a root that is not a lake -------------------------------------------------------------


@pytest.mark.parametrize("where", ["local", "bucket"])
def test_a_missing_root_is_a_permanent_error_naming_it(
    where: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if where == "local":
        root, options = str(tmp_path / "no" / "such-lake"), None
        named = root
    else:
        _, options = request.getfixturevalue("s3_lake")
        bucket = f"no-such-bucket-{uuid.uuid4().hex[:8]}"
        root, named = f"s3://{bucket}/lake", f"bucket '{bucket}'"
    calls = [
        lambda: read_snapshots(root, storage_options=options),
        lambda: list_snapshots(root, storage_options=options),
        lambda: prune_snapshots(root, older_than="30d", storage_options=options),
    ]
    for call in calls:
        with pytest.raises(SnapshotError, match=re.escape(named)) as caught:
            call()
        assert caught.value.permanent
        assert "does not exist" in str(caught.value)
    if where == "local":
        assert not (tmp_path / "no").exists()  # reading created nothing


def test_an_existing_empty_folder_is_an_empty_lake(lake: Lake) -> None:
    root, options = lake
    if options is None:
        os.makedirs(root)
    pd.testing.assert_frame_equal(read_snapshots(root, storage_options=options), empty_frame())
    assert list_snapshots(root, storage_options=options).empty
    assert prune_snapshots(root, keep_last=3, storage_options=options).empty


def test_a_folder_of_other_files_is_not_a_lake(lake: Lake) -> None:
    root, options = lake
    put(lake, "notes.txt", b"hello")
    put(lake, "exports/data.parquet", b"PAR1")
    for call in (read_snapshots, list_snapshots):
        with pytest.raises(SnapshotError, match=r"is not a lake .*exports, notes.txt") as caught:
            call(root, storage_options=options)
        assert caught.value.permanent
    with pytest.raises(SnapshotError, match="is not a lake"):
        prune_snapshots(root, older_than="1d", storage_options=options)


def test_a_partition_folder_as_root_names_the_root_to_pass(
    lake: Lake, records: list[dict[str, Any]]
) -> None:
    root, options = lake
    path = write_snapshot(frame_at(records, "2025-05-01T10:00:00Z"), root, storage_options=options)
    host_folder, date_folder = path.split("/")[-3:-1]
    for sub in (f"{root}/{host_folder}", f"{root}/{host_folder}/{date_folder}"):
        for call in (read_snapshots, list_snapshots):
            with pytest.raises(SnapshotError, match="is a partition folder") as caught:
                call(sub, storage_options=options)
            assert f"pass {root} as the root" in str(caught.value)
            assert f"index_host={HOST!r}" in str(caught.value)
    assert len(read_snapshots(root, storage_options=options)) == len(records)


def test_index_host_takes_what_read_imports_takes(tmp_path: Path) -> None:
    with Emulator(imports=40, seed=2) as emu:
        df = read_imports(emu.url, api_key=emu.api_key, progress=False, snapshot_to=tmp_path)
        for given in (emu.url, emu.url + "/", emu.address, [emu.url, "other.svc.pinecone.io"]):
            pd.testing.assert_frame_equal(read_snapshots(tmp_path, index_host=given), stacked(df))
    assert read_snapshots(tmp_path, index_host="other.svc.pinecone.io").empty


def test_since_after_until_is_an_error(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    write_snapshot(frame_at(records, "2025-05-01T10:00:00Z"), tmp_path)
    with pytest.raises(ConfigurationError, match=r"since=.* is after until="):
        read_snapshots(tmp_path, since="2025-05-02", until="2025-05-01")
    assert len(read_snapshots(tmp_path, since="2025-05-01", until="2025-05-02")) == len(records)


def test_a_bare_year_is_refused_not_read_as_nanoseconds(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    write_snapshot(frame_at(records, "2025-05-01T10:00:00Z"), tmp_path)
    for window in ({"until": 2030}, {"since": 2025}):  # were 0 rows, and every row
        with pytest.raises(ConfigurationError, match="bare number"):
            read_snapshots(tmp_path, **window)


@pytest.mark.parametrize("backend", ["numpy_nullable", "pyarrow"])
def test_a_nan_another_writer_left_in_a_float_column_reads_as_na(
    tmp_path: Path, records: list[dict[str, Any]], backend: str
) -> None:
    """Not a silent NaN that isna() misses: a percent or a rate is a number or missing."""
    path = write_snapshot(frame_at(records, "2025-05-01T10:00:00Z"), tmp_path)
    table = pq.read_table(path)
    column = table.schema.get_field_index("percent_complete")
    nan_first = pa.array([float("nan"), *table["percent_complete"].to_pylist()[1:]], pa.float64())
    pq.write_table(table.set_column(column, "percent_complete", nan_first), path)
    df = read_snapshots(tmp_path, dtype_backend=backend)  # type: ignore[arg-type]
    assert df["percent_complete"].isna().sum() == 1 + sum(
        r.get("percentComplete") is None for r in records[1:]
    )


# --- files the lake did not write ----------------------------------------------------------


def test_files_it_did_not_write_never_block_the_rest(
    lake: Lake, records: list[dict[str, Any]]
) -> None:
    root, options = lake
    good = [frame_at(records, t) for t in ("2025-05-01T10:00:00Z", "2025-05-01T11:00:00Z")]
    paths = [write_snapshot(df, root, storage_options=options) for df in good]
    folder = paths[0].rsplit("/", 1)[0].removeprefix(root + "/")
    whole = read_bytes(lake, paths[0])
    foreign_table = pa.table({"id": ["x"], "uri": ["s3://other/tool"]})
    sink = pa.BufferOutputStream()
    pq.write_table(foreign_table, sink)
    odd = {
        "zero": put(lake, f"{folder}/20250501T090000.000000Z-0a0a0a.parquet", b""),
        "cut": put(lake, f"{folder}/20250501T093000.000000Z-0b0b0b.parquet", whole[:-100]),
        "renamed": put(lake, f"{folder}/part-00000.parquet", whole),
        "unsigned": put(
            lake, f"{folder}/20250501T095000.000000Z-0c0c0c.parquet", sink.getvalue().to_pybytes()
        ),
    }

    with pytest.warns(SkippedFileWarning) as caught:
        got = read_snapshots(root, storage_options=options)
    pd.testing.assert_frame_equal(got, stacked(*good))
    messages = [str(w.message) for w in caught if w.category is SkippedFileWarning]
    assert len(messages) == 4  # one warning for each file, naming it
    for path in odd.values():
        assert sum(path in m for m in messages) == 1

    listed = list_snapshots(root, storage_options=options)
    status = dict(zip(listed["path"], listed["file_status"], strict=True))
    assert status == {
        paths[0]: "ok",
        paths[1]: "ok",
        odd["zero"]: "corrupt",
        odd["cut"]: "corrupt",
        odd["renamed"]: "foreign",
        odd["unsigned"]: "foreign",
    }

    # keep_last counts snapshots only, and never deletes another tool's file
    removed = prune_snapshots(root, keep_last=1, storage_options=options)
    assert removed["path"].tolist() == [paths[0]]
    removed = prune_snapshots(root, corrupt=True, storage_options=options)
    assert sorted(removed["path"]) == sorted([odd["zero"], odd["cut"]])
    assert set(removed["file_status"]) == {"corrupt"}
    left = list_snapshots(root, storage_options=options)
    assert sorted(left["path"]) == sorted([paths[1], odd["renamed"], odd["unsigned"]])
    removed = prune_snapshots(
        root, keep_last=0, all_snapshots=True, corrupt=True, storage_options=options
    )
    assert removed["path"].tolist() == [paths[1]]  # foreign files stay, whatever is asked


def test_a_name_with_an_impossible_timestamp_is_a_file_it_did_not_write(
    lake: Lake, records: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    # Named like a snapshot (or a compacted day) but for no instant: 30 February, month 13.
    # Once an AssertionError in every lake operation; now another tool's file like any other.
    root, options = lake
    good = [frame_at(records, t) for t in ("2025-05-01T10:00:00Z", "2025-05-01T11:00:00Z")]
    paths = [write_snapshot(df, root, storage_options=options) for df in good]
    folder = paths[0].rsplit("/", 1)[0].removeprefix(root + "/")
    whole = read_bytes(lake, paths[0])  # this package's bytes and metadata: only the name is off
    odd = [
        put(lake, f"{folder}/20250230T000000.000000Z-abc.parquet", whole),
        put(lake, f"{folder}/20250501T000000.000000Z_20251301T000000.000000Z-ab12.parquet", whole),
        put(lake, f"{folder}/20250501T250000.000000Z-abc.parquet", whole),
    ]

    def read_warns() -> None:
        with pytest.warns(SkippedFileWarning) as caught:
            got = read_snapshots(root, storage_options=options)
        pd.testing.assert_frame_equal(got, stacked(*good))
        messages = [str(w.message) for w in caught if w.category is SkippedFileWarning]
        assert len(messages) == len(odd)
        for path in odd:
            assert sum(path in m for m in messages) == 1

    read_warns()
    with pytest.warns(SkippedFileWarning):  # a window selects from names too
        assert len(read_snapshots(root, since="2025-05-01", storage_options=options)) == 60
    listed = list_snapshots(root, storage_options=options)
    status = dict(zip(listed["path"], listed["file_status"], strict=True))
    assert status == {paths[0]: "ok", paths[1]: "ok", **{p: "foreign" for p in odd}}
    assert listed.loc[listed["file_status"] == "foreign", "listed_at"].isna().all()

    cli = ["snapshots", root, "--format", "csv"]
    for key, value in (options or {}).items():
        if isinstance(value, str):
            cli += ["--storage-option", f"{key}={value}"]
    if options is None:  # the CLI takes text options only (no client_kwargs)
        assert main(cli) == 0
        out = capsys.readouterr().out
        shown = pd.read_csv(io.StringIO(out))
        assert sorted(shown["file_status"]) == ["foreign"] * 3 + ["ok"] * 2

    done = compact_snapshots(root, storage_options=options)
    assert done["files_before"].tolist() == [2]  # the two snapshots, not the odd files
    read_warns()
    removed = prune_snapshots(
        root, keep_last=0, all_snapshots=True, corrupt=True, storage_options=options
    )
    assert removed["path"].tolist() == done["path"].tolist() * 2  # its two listings
    left = list_snapshots(root, storage_options=options)
    assert sorted(left["path"]) == sorted(odd) and set(left["file_status"]) == {"foreign"}
    assert prune_snapshots(root, older_than="1d", storage_options=options).empty


def test_a_file_pruned_between_listing_and_reading_is_skipped(
    lake: Lake, records: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, options = lake
    frames = [frame_at(records, f"2025-05-01T1{i}:00:00Z") for i in range(3)]
    paths = [write_snapshot(df, root, storage_options=options) for df in frames]
    real_scan = Store.scan
    victims = [paths[1]]

    def scan_then_a_concurrent_prune(self: Store, **kw: Any) -> Any:
        found = real_scan(self, **kw)
        while victims:
            delete(lake, victims.pop())  # another process prunes it now
        return found

    monkeypatch.setattr(Store, "scan", scan_then_a_concurrent_prune)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = read_snapshots(root, storage_options=options)
    pd.testing.assert_frame_equal(got, stacked(frames[0], frames[2]))

    victims.append(paths[2])
    listed = list_snapshots(root, storage_options=options)
    assert listed["path"].tolist() == [paths[0]]


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return int(port)


@pytest.fixture
def unreachable_s3(monkeypatch: pytest.MonkeyPatch) -> Lake:
    """An S3 lake on a closed port; botocore told to try once (no backoff sleeps)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    options = {
        "endpoint_url": f"http://127.0.0.1:{_closed_port()}",
        "key": "testing",
        "secret": "testing-secret-never-shown",
        "client_kwargs": {"region_name": "eu-west-1"},
        "skip_instance_cache": True,
    }
    return "s3://lake-bucket/lake", options


def test_an_unreachable_store_is_a_transient_snapshot_error(
    unreachable_s3: Lake, records: list[dict[str, Any]]
) -> None:
    root, options = unreachable_s3
    calls = {
        "read": lambda: read_snapshots(root, storage_options=options),
        "list": lambda: list_snapshots(root, storage_options=options),
        "prune": lambda: prune_snapshots(root, older_than="1d", storage_options=options),
        "write": lambda: write_snapshot(
            frame_at(records, "2025-05-01T10:00:00Z"), root, storage_options=options
        ),
        "check": lambda: check_destination(root, storage_options=options),
    }
    for name, call in calls.items():
        with pytest.raises(SnapshotError) as caught:
            call()
        error = caught.value
        assert not error.permanent, name
        assert "unreachable" in str(error) or "cannot reach" in str(error), name
        assert "EndpointConnectionError" in str(error), name
        assert error.__cause__ is not None and "botocore" in type(error.__cause__).__module__
        assert "testing-secret-never-shown" not in str(error)


# --- sizes and debris ----------------------------------------------------------------------


def test_temporary_files_of_killed_writers_are_swept_after_an_hour(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    path = Path(write_snapshot(frame_at(records, "2025-05-01T10:00:00Z"), tmp_path))
    old = path.parent / f".{path.name}.tmp-0badf00d"
    young = path.parent / f".{path.name}.tmp-0000beef"
    for debris in (old, young):
        debris.write_bytes(path.read_bytes()[:50])
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert sorted(list_snapshots(tmp_path)["file_status"]) == ["ok", "temporary", "temporary"]

    would = prune_snapshots(tmp_path, older_than="3650d", dry_run=True)
    assert would["path"].tolist() == [str(old)] and old.exists()
    removed = prune_snapshots(tmp_path, older_than="3650d")
    assert removed["file_status"].tolist() == ["temporary"]
    assert not old.exists() and young.exists() and path.exists()


def test_a_snapshot_without_an_api_version_column_reads_it_from_its_metadata(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    df = to_frame(records, listed_at="2025-05-01T10:00:00Z", index_host=HOST, api_version="2025-10")
    df.attrs["api_version"] = "2025-10"
    path = write_snapshot(df, tmp_path)
    table = pq.read_table(path)  # as written before api_version was a column
    pq.write_table(table.drop_columns(["api_version"]), path)
    got = read_snapshots(tmp_path)
    assert (got["api_version"] == "2025-10").all()
    pd.testing.assert_frame_equal(got, stacked(df))
    pd.testing.assert_frame_equal(
        read_snapshots(tmp_path, columns=["api_version"]), stacked(df)[["api_version"]]
    )


def test_derived_columns_alone_are_computed_from_what_they_need(tmp_path: Path) -> None:
    with Emulator(imports=300, seed=4) as emu:
        df = read_imports(emu.url, api_key=emu.api_key, progress=False, snapshot_to=tmp_path)
    assert df["error_category"].notna().any()
    for column in ("error_category", "elapsed", "records_per_second", "is_terminal"):
        pd.testing.assert_frame_equal(
            read_snapshots(tmp_path, columns=[column]), stacked(df)[[column]]
        )


@pytest.mark.slow
def test_a_lake_whose_strings_pass_2_gib_reads(tmp_path: Path) -> None:
    # Three listings of one failed import each, whose error text is 760 MB: 2.28 GB of
    # strings in all, past the 2 GiB one Arrow string array holds. Each snapshot is
    # written small, then its error replaced (footer metadata kept), which is cheaper
    # than categorising 760 MB of text on the way in.
    record = {"id": "1", "uri": "s3://b/p", "status": "Failed", "error": "short"}
    text = pa.array(["x" * 760_000_000])
    for hour in (10, 11, 12):
        df = to_frame([record], listed_at=f"2025-05-01T{hour}:00:00Z", index_host=HOST)
        path = write_snapshot(df, tmp_path)
        table = pq.read_table(path)
        table = table.set_column(table.column_names.index("error"), "error", text)
        pq.write_table(table, path)
    del text, table
    got = read_snapshots(tmp_path, columns=["id", "error", "listed_at"])
    assert got["id"].tolist() == ["1", "1", "1"]
    assert got["error"].str.len().tolist() == [760_000_000] * 3
    assert str(got["error"].dtype) == "string" and got["listed_at"].is_monotonic_increasing
    del got
    got = read_snapshots(tmp_path, columns=["error", "status"], dtype_backend="pyarrow")
    assert got["error"].str.len().tolist() == [760_000_000] * 3
    assert got["status"].astype(str).tolist() == ["Failed"] * 3


# --- symbolic links ---------------------------------------------------------------------------


def test_no_lake_operation_follows_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    # Another lake's partition, date folder and file, linked into this one. Reads, lists,
    # compaction and prune skip each link with a warning naming it; the other lake stays
    # as it was, byte for byte; a write through a linked folder is refused.
    mine, other = tmp_path / "mine", tmp_path / "other"
    today = pd.Timestamp.now(tz="UTC").floor("D")

    written = [0]

    def write(root: Path, days: int, host: str) -> Path:
        written[0] += 1  # each listing its own minute
        when = today - pd.Timedelta(days=days) + pd.Timedelta(minutes=written[0])
        frame = to_frame([{"id": "1", "status": "Pending"}], listed_at=when, index_host=host)
        return Path(write_snapshot(frame, root))

    for days in (5, 5, 4, 4, 3):
        write(other, days, "h")
        write(other, days, "other-host")
    theirs = {p: p.read_bytes() for p in other.rglob("*.parquet")}
    for days in (3, 3, 1):
        write(mine, days, "h")
    links = [
        mine / "index_host=other-host",  # a whole partition
        mine / "index_host=h" / (today - pd.Timedelta(days=5)).strftime("date=%Y-%m-%d"),
        mine
        / "index_host=h"
        / (today - pd.Timedelta(days=3)).strftime("date=%Y-%m-%d")
        / "20000101T000000.000000Z-ab.parquet",
    ]
    links[0].symlink_to(other / "index_host=other-host", target_is_directory=True)
    links[1].symlink_to(other / "index_host=h" / links[1].name, target_is_directory=True)
    links[2].symlink_to(next(other.glob("index_host=h/date=*/*.parquet")))
    own = sorted(
        p for p in mine.rglob("*.parquet") if not any(k in p.parents or k == p for k in links)
    )
    assert len(own) == 3

    def skips_each_link(call: object) -> object:
        with pytest.warns(SkippedFileWarning) as caught:
            result = call()  # type: ignore[operator]
        said = " ".join(str(w.message) for w in caught)
        assert all(str(link) in said for link in links) and "symbolic link" in said
        return result

    frame = skips_each_link(lambda: read_snapshots(mine))
    assert len(frame) == 3 and set(frame["index_host"]) == {"h"}
    assert len(skips_each_link(lambda: list_snapshots(mine))) == 3
    merged = skips_each_link(lambda: compact_snapshots(mine))
    assert merged["files_before"].tolist() == [2]  # its own day of two, nothing of theirs
    removed = skips_each_link(lambda: prune_snapshots(mine, keep_last=0, all_snapshots=True))
    assert len(removed) == 3
    with pytest.raises(SnapshotError, match="symbolic link") as refused:
        write(mine, 5, "h")  # into the linked date folder
    assert refused.value.permanent
    with pytest.raises(SnapshotError, match="symbolic link"):
        write(mine, 2, "other-host")  # into the linked partition

    assert {p: p.read_bytes() for p in other.rglob("*.parquet")} == theirs
    assert all(os.path.islink(link) for link in links)
