"""Records of pruned listings (``_pruned/``): what a prune reported removed stays unseen.

A prune records what it removes before removing it; every reader reads the records last.
A record this version cannot read stops readers with a clear error (never ignored: that
could show pruned listings again); links are never followed; records expire.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from test_snapshots_errors import Lake, lake, put

from pinecone_imports_frame.errors import PineconeImportsError, SkippedFileWarning, SnapshotError
from pinecone_imports_frame.frame import to_frame
from pinecone_imports_frame.snapshots import (
    _pruned,
    compact_snapshots,
    list_snapshots,
    prune_snapshots,
    read_history,
    read_snapshots,
    write_snapshot,
)
from pinecone_imports_frame.snapshots._store import open_store

__all__ = ["lake"]  # a fixture, used by name
HOST = "idx.svc.pinecone.io"


def build(lake: Lake, n: int = 3) -> list[pd.Timestamp]:
    root, options = lake
    now = pd.Timestamp.now(tz="UTC").floor("h")
    stamps = [now - pd.Timedelta(days=5) + pd.Timedelta(minutes=5 * i) for i in range(n)]
    for t in stamps:
        frame = to_frame([{"id": "1", "status": "Pending"}], listed_at=t, index_host=HOST)
        write_snapshot(frame, root, storage_options=options)
    return stamps


def test_an_old_lake_without_records_reads_as_before(lake: Lake) -> None:
    stamps = build(lake)
    root, options = lake
    assert sorted(read_snapshots(root, storage_options=options)["listed_at"]) == stamps
    assert not _pruned.read_records(open_store(root, options))


def test_a_recorded_listing_is_left_out_by_every_reader(lake: Lake) -> None:
    # A record naming a listing still in a file (a compaction's merged file, before its
    # check): no reader shows it, compaction does not merge it, prune does not report it.
    stamps = build(lake)
    root, options = lake
    store = open_store(root, options)
    first = list_snapshots(root, storage_options=options).iloc[0]
    name = str(first["path"]).rsplit("/", 1)[-1]
    _pruned.write_record(store, [(HOST, name, int(stamps[0].value // 1000))])
    assert sorted(read_snapshots(root, storage_options=options)["listed_at"]) == stamps[1:]
    assert sorted(read_history(root, storage_options=options)["first_listed_at"]) == [stamps[1]]
    assert sorted(list_snapshots(root, storage_options=options)["listed_at"]) == stamps[1:]
    assert (
        prune_snapshots(root, older_than="1d", dry_run=True, storage_options=options)[
            "listed_at"
        ].tolist()
        == stamps[1:]
    )
    done = compact_snapshots(root, storage_options=options)
    assert done["listings"].tolist() == [2]
    assert sorted(read_snapshots(root, storage_options=options)["listed_at"]) == stamps[1:]
    # the compaction removed the recorded listing's file with the files it merged
    assert len(list_snapshots(root, storage_options=options)) == 2


def test_prune_records_before_removing_and_reports_once(lake: Lake) -> None:
    stamps = build(lake)
    root, options = lake
    removed = prune_snapshots(root, keep_last=1, storage_options=options)
    assert sorted(removed["listed_at"]) == stamps[:2]
    records = _pruned.read_records(open_store(root, options))
    assert sorted(records.listings.values()) == [t.value // 1000 for t in stamps[:2]]
    assert len(records.files) == 1  # one record per prune run
    assert prune_snapshots(root, keep_last=1, storage_options=options).empty
    assert prune_snapshots(root, keep_last=1, dry_run=True, storage_options=options).empty


def test_records_go_quiet_then_expire(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    # A record a day old (here: at once) is folded into one quiet record by the next
    # prune, and a quiet one a day old removed by the one after: the folder stays small.
    stamps = build(lake)
    root, options = lake
    store = open_store(root, options)
    prune_snapshots(root, keep_last=2, storage_options=options)
    monkeypatch.setattr(_pruned, "KEEP_RECORDS", dt.timedelta(0))
    prune_snapshots(root, keep_last=1, storage_options=options)
    records = _pruned.read_records(store)
    assert len(records.files) == 2 and len(records.quiet) == 1  # folded, and its own
    assert sorted(records.listings.values()) == [t.value // 1000 for t in stamps[:2]]
    assert prune_snapshots(root, keep_last=1, storage_options=options).empty
    records = _pruned.read_records(store)
    assert len(records.files) == 1 and len(records.quiet) == 1
    if options is None:  # and a killed prune's temporary, an hour old, is swept
        killed = Path(root, "_pruned", ".20250101T000000.000000Z-0123456789ab.json.tmp-1a2b")
        killed.write_bytes(b"{")
        os.utime(killed, (0, 0))
    prune_snapshots(root, keep_last=1, storage_options=options)
    assert not _pruned.read_records(store)
    if options is None:
        assert os.listdir(Path(root, "_pruned")) == []
    assert sorted(read_snapshots(root, storage_options=options)["listed_at"]) == stamps[2:]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"not json", "not JSON"),
        (b'{"kind": "something else", "version": 1}', "does not say kind"),
        (b'{"kind": "pinecone-imports-frame pruned listings"}', "no version"),
        (
            b'{"kind": "pinecone-imports-frame pruned listings", "version": 1, '
            b'"listings": {"h": {"at": [1], "name": [7]}}}',
            "not an instant and a name",
        ),
    ],
)
def test_a_malformed_record_stops_readers_naming_it(lake: Lake, data: bytes, why: str) -> None:
    build(lake)
    root, options = lake
    where = put(lake, "_pruned/20250101T000000.000000Z-0123456789ab.json", data)
    for call in (read_snapshots, list_snapshots, read_history):
        with pytest.raises(SnapshotError, match=why) as caught:
            call(root, storage_options=options)
        assert isinstance(caught.value, PineconeImportsError) and caught.value.permanent
        assert where.rsplit("/", 1)[-1] in str(caught.value) and "move the file" in str(
            caught.value
        )
    with pytest.raises(SnapshotError, match=why):
        prune_snapshots(root, keep_last=1, storage_options=options)
    with pytest.raises(SnapshotError, match=why):
        compact_snapshots(root, storage_options=options)


def test_a_record_of_a_newer_version_says_upgrade(lake: Lake) -> None:
    build(lake)
    root, options = lake
    doc = {"kind": _pruned.KIND, "version": 2, "listings": {}}
    put(lake, "_pruned/20250101T000000.000000Z-0123456789ab.json", json.dumps(doc).encode())
    with pytest.raises(SnapshotError, match=r"version 2.*upgrade pinecone-imports-frame"):
        read_snapshots(root, storage_options=options)


def test_a_file_not_named_like_a_record_is_refused(lake: Lake) -> None:
    build(lake)
    root, options = lake
    put(lake, "_pruned/notes.txt", b"hello")
    with pytest.raises(SnapshotError, match=r"notes\.txt.*its name is not one a prune writes"):
        read_snapshots(root, storage_options=options)


def test_a_folder_among_the_records_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    build((str(root), None))
    (root / "_pruned" / "20250101T000000.000000Z-0123456789ab.json").mkdir(parents=True)
    with pytest.raises(SnapshotError, match="it is a folder") as caught:
        read_snapshots(root)
    assert caught.value.permanent


def test_a_linked_record_or_folder_is_never_followed(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    build((str(root), None))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    bad = elsewhere / "20250101T000000.000000Z-0123456789ab.json"
    bad.write_bytes(b"not json")  # were it followed, the read would fail
    (root / "_pruned").mkdir()
    os.symlink(bad, root / "_pruned" / bad.name)
    with pytest.warns(SkippedFileWarning, match="symbolic link"):
        assert len(read_snapshots(root)) == 3
    os.unlink(root / "_pruned" / bad.name)
    os.rmdir(root / "_pruned")
    os.symlink(elsewhere, root / "_pruned")
    with pytest.warns(SkippedFileWarning, match="symbolic link"):
        assert len(list_snapshots(root)) == 3
    with pytest.raises(SnapshotError, match="symbolic link"), pytest.warns(SkippedFileWarning):
        prune_snapshots(root, keep_last=1)  # its record would land in another folder
    with pytest.warns(SkippedFileWarning, match="symbolic link"):
        assert len(list_snapshots(root)) == 3  # so nothing was removed


def test_a_late_compaction_writes_nothing(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    # Rows read more than MAX_WRITE_AFTER_READ ago are not written (their record may
    # have expired): a transient error, and the day stays as it was.
    stamps = build(lake)
    root, options = lake
    monkeypatch.setattr(_pruned, "MAX_WRITE_AFTER_READ", dt.timedelta(seconds=-1))
    with pytest.raises(SnapshotError, match="run it again") as caught:
        compact_snapshots(root, storage_options=options)
    assert not caught.value.permanent
    listed = list_snapshots(root, storage_options=options)
    assert sorted(listed["listed_at"]) == stamps and (listed["file_listings"] == 1).all()


def test_a_prune_failing_after_its_record_has_pruned_what_it_recorded(
    lake: Lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The store fails while the files are removed: the error carries what was recorded,
    # readers no longer show it, and the next prune removes its files, reporting nothing.
    stamps = build(lake)
    root, options = lake
    from pinecone_imports_frame.snapshots import _prune

    def failing(*args: object, **kwargs: object) -> None:
        raise SnapshotError("could not delete: the store is throttling")

    with monkeypatch.context() as m:
        m.setattr(_prune, "remove", failing)
        with pytest.raises(SnapshotError, match="throttling") as caught:
            prune_snapshots(root, keep_last=1, storage_options=options)
    assert caught.value.partial is not None
    assert sorted(caught.value.partial["listed_at"]) == stamps[:2]
    assert sorted(read_snapshots(root, storage_options=options)["listed_at"]) == stamps[2:]
    assert prune_snapshots(root, keep_last=1, storage_options=options).empty
    listed = list_snapshots(root, storage_options=options)
    assert sorted(listed["listed_at"]) == stamps[2:]
    store = open_store(root, options)
    assert len(store.scan()) == 1  # the recorded listings' files are gone
