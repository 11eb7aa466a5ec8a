"""Other processes change a lake while it is read, compacted and pruned (issue 18).

Real ``pinecone-imports compact`` and ``pinecone-imports prune`` processes run on the same
lake as a reader in this process (``read_snapshots``, and ``read_history`` whose runs give
back the listings), on local disk and on moto's S3 server. What a user relies
on: a read returns the lake as it stands when the read ends (every listing it holds, each
whole and once, none it no longer holds), whatever moved meanwhile; a pruned listing never
comes back; concurrent compactions are not an error and leave each listing once.

The interleavings that broke are forced where they can be (a compactor paused between its
steps, the other process run whole between a reader's listing and its reading); the
polling tests run the processes freely, many rounds, and check every read.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from test_snapshots_errors import Lake, lake  # the same lakes: local disk and S3

from pinecone_imports_frame.frame import to_frame
from pinecone_imports_frame.runs import to_listings
from pinecone_imports_frame.snapshots import (
    compact_snapshots,
    list_snapshots,
    prune_snapshots,
    read_history,
    read_snapshots,
    write_snapshot,
)
from pinecone_imports_frame.snapshots._store import Store

__all__ = ["lake"]  # a fixture, used by name
HOST = "idx-1a2b3c.svc.aped-4627-b74a.pinecone.io"
PAST_DAYS = (4, 3, 2)  # all older than compact's default --older-than 1d
PER_DAY = 10
ROWS = 3
#: A bound on every wait for another process (a loaded 2-core machine is slow, not stuck).
WAIT_S = 180


def build(lake: Lake, *, per_day: int = PER_DAY) -> list[pd.Timestamp]:
    """``per_day`` listings of ROWS imports on each past day; their ``listed_at``, in order."""
    root, options = lake
    today = pd.Timestamp.now(tz="UTC").floor("D")
    stamps = []
    for days in PAST_DAYS:
        for i in range(per_day):
            when = today - pd.Timedelta(days=days) + pd.Timedelta(minutes=5 * i + 1)
            records = [{"id": str(n), "status": "InProgress"} for n in range(ROWS)]
            frame = to_frame(records, listed_at=when, index_host=HOST)
            write_snapshot(frame, root, storage_options=options)
            stamps.append(when)
    return sorted(stamps)


def command(lake: Lake, *args: str) -> list[str]:
    """``pinecone-imports ARGS ROOT`` with the lake's storage options, as an operator types it."""
    root, options = lake
    storage = []
    for key in ("endpoint_url", "key", "secret"):
        if options and key in options:
            storage += ["--storage-option", f"{key}={options[key]}"]
    return [sys.executable, "-m", "pinecone_imports_frame", args[0], root, *args[1:], *storage]


def environment() -> dict[str, str]:
    return {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1"}


def run(lake: Lake, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        command(lake, *args), capture_output=True, text=True, timeout=WAIT_S, env=environment()
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def read(lake: Lake, *, as_runs: bool = False) -> tuple[dict[pd.Timestamp, int], list[str]]:
    """Rows per listing of a whole read, and every warning it gave.

    ``as_runs``: read by ``read_history``, its runs turned back into listings.
    """
    root, options = lake
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if as_runs:
            frame = to_listings(read_history(root, storage_options=options))
        else:
            frame = read_snapshots(root, columns=["id", "listed_at"], storage_options=options)
    counts = frame.groupby("listed_at").size().to_dict()
    return counts, [str(w.message) for w in caught]


def ok_listings(lake: Lake) -> list[pd.Timestamp]:
    listed = list_snapshots(lake[0], storage_options=lake[1])
    return sorted(listed.loc[listed["file_status"] == "ok", "listed_at"])


def between_listing_and_reading(
    monkeypatch: pytest.MonkeyPatch, other: Callable[[], object]
) -> None:
    """Run ``other`` once, right after the next scan of the lake in this process."""
    real_scan = Store.scan
    pending = [other]

    def scan(self: Store, **kw: Any) -> Any:
        found = real_scan(self, **kw)
        while pending:
            pending.pop()()
        return found

    monkeypatch.setattr(Store, "scan", scan)


# --- a read never short ----------------------------------------------------------------------


@pytest.mark.parametrize("as_runs", [False, True], ids=["listings", "runs"])
def test_a_compaction_between_listing_and_reading_is_invisible(
    lake: Lake, monkeypatch: pytest.MonkeyPatch, as_runs: bool
) -> None:
    # The reader listed 30 files; a whole `pinecone-imports compact` ran before it read
    # them: every one is gone, merged into three files it never listed.
    stamps = build(lake)
    between_listing_and_reading(monkeypatch, lambda: run(lake, "compact"))
    counts, said = read(lake, as_runs=as_runs)
    assert said == []
    assert counts == dict.fromkeys(stamps, ROWS)


def test_a_compaction_between_listing_and_footers_is_invisible_to_list_snapshots(
    lake: Lake, monkeypatch: pytest.MonkeyPatch
) -> None:
    stamps = build(lake)
    between_listing_and_reading(monkeypatch, lambda: run(lake, "compact"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ok_listings(lake) == stamps


@pytest.mark.parametrize("as_runs", [False, True], ids=["listings", "runs"])
def test_a_prune_between_listing_and_reading_reads_what_it_left(
    lake: Lake, monkeypatch: pytest.MonkeyPatch, as_runs: bool
) -> None:
    # Merged days, then a prune keeping the newest 15 of 30: it removes the oldest day's
    # file and rewrites the middle day's without 5 listings. The reader had listed both:
    # it reads the lake as the prune left it.
    stamps = build(lake)
    run(lake, "compact")
    keep = stamps[-15:]
    between_listing_and_reading(
        monkeypatch, lambda: run(lake, "prune", "--keep-last", "15", "--yes")
    )
    counts, said = read(lake, as_runs=as_runs)
    assert said == []
    assert counts == dict.fromkeys(keep, ROWS)  # the kept ones of the rewritten day too


def test_a_lake_that_never_settles_is_said_never_short_silently(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A writer adds a snapshot after every look at the lake (a test's writer, a hundred
    # times faster than any real one): no look ever finds the lake as the one before.
    from pinecone_imports_frame.errors import SkippedFileWarning, SnapshotError

    lake = (str(tmp_path / "lake"), None)
    stamps = build(lake, per_day=2)
    real_scan = Store.scan
    more = iter(pd.Timestamp.now(tz="UTC").floor("D") - pd.Timedelta(hours=h) for h in range(1, 99))

    def scan_and_a_writer(self: Store, **kw: Any) -> Any:
        found = real_scan(self, **kw)
        records = [{"id": str(n), "status": "InProgress"} for n in range(ROWS)]
        write_snapshot(to_frame(records, listed_at=next(more), index_host=HOST), lake[0])
        return found

    monkeypatch.setattr(Store, "scan", scan_and_a_writer)
    counts, said = read(lake)
    assert len(said) == 1 and "kept changing through 12 looks" in said[0]
    assert set(stamps) <= set(counts) and set(counts.values()) == {ROWS}  # whole, once
    with pytest.warns(SkippedFileWarning, match="kept changing through 12 looks"):
        list_snapshots(lake[0])
    with pytest.raises(SnapshotError, match="kept changing") as caught:
        compact_snapshots(lake[0])
    assert not caught.value.permanent  # the next try may pass


# --- prune and compaction agree --------------------------------------------------------------


def paused_compactor(
    lake: Lake,
    *,
    at: str,
    name_last: bool = False,
    suffix: str | None = None,
    older_than: str = "1d",
) -> subprocess.Popen[str]:
    """A compactor stopped at its step ``at`` (``_compact._fault``) until told to go on.

    It prints ``paused <at>`` and waits for a line on stdin; with ``name_last`` it also
    stops right after writing each merged file (``paused wrote``), and names them so that
    they sort after any other's (they count after them). ``suffix`` ends the names of the
    merged files it writes from snapshots alone; it merges days ``older_than`` old.
    """
    root, options = lake
    script = textwrap.dedent(
        f"""
        import sys
        from pinecone_imports_frame.snapshots import _compact, compact_snapshots
        from pinecone_imports_frame.snapshots._store import open_store

        def pause(what):
            print("paused", what, flush=True)
            sys.stdin.readline()

        def fault(step):
            if step == {at!r}:
                pause(step)

        _compact._fault = fault
        if {suffix!r} is not None:
            _compact.secrets.token_hex = lambda n: {suffix!r}
        if {name_last!r}:
            _compact.secrets.token_hex = lambda n: "f" * (2 * n)
            kind = type(open_store({root!r}, {options!r}))
            real_write = kind.write_atomic

            def write_atomic(self, path, data):
                real_write(self, path, data)
                if "Z_" in path.rsplit("/", 1)[-1]:
                    pause("wrote")

            kind.write_atomic = write_atomic
        compact_snapshots({root!r}, older_than={older_than!r}, storage_options={options!r})
        print("done", flush=True)
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
    )


def expect(proc: subprocess.Popen[str], line: str) -> None:
    """Wait (bounded) for the next line ``proc`` prints, and check it."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        ready = sel.select(timeout=WAIT_S)
    got = proc.stdout.readline() if ready else "(nothing in time)"
    if got.strip() != line:
        proc.kill()
        _, err = proc.communicate(timeout=WAIT_S)
        pytest.fail(f"expected {line!r}, got {got!r}; stderr: {err[-3000:]}")


def go_on(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None
    proc.stdin.write("\n")
    proc.stdin.flush()


def finish(proc: subprocess.Popen[str]) -> None:
    expect(proc, "done")
    _, err = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == 0, err[-3000:]


@pytest.mark.parametrize("at", ["read", "written"])
def test_a_prune_during_a_compaction_stays_pruned(lake: Lake, at: str) -> None:
    # The compactor has read the oldest day (and, at "written", written it merged); a
    # whole prune keeping the newest 15 runs; then the compactor goes on. The listings
    # the prune reported removed must not come back from the merged file.
    stamps = build(lake)
    keep = stamps[-15:]
    compactor = paused_compactor(lake, at=at)
    expect(compactor, f"paused {at}")
    pruned = run(lake, "prune", "--keep-last", "15", "--yes")
    assert "removed 15 snapshots" in pruned.stdout
    go_on(compactor)
    for _ in PAST_DAYS[1:]:  # the next days (what is left of them) pause there too
        expect(compactor, f"paused {at}")
        go_on(compactor)
    finish(compactor)

    counts, said = read(lake)
    assert said == [] and counts == dict.fromkeys(keep, ROWS)
    assert ok_listings(lake) == keep


# --- concurrent compactions ------------------------------------------------------------------


def test_compactions_at_once_are_no_error_and_leave_each_listing_once(lake: Lake) -> None:
    # A merges the oldest day while B merges every day and removes what A read; A writes
    # its own merged copy of the day, and C, finding two merged copies, removes A's (it
    # counts after B's) while A reads it back. Once a permanent "was the lake moved?"
    # error, which stops `snapshot --every --compact-after` and `watch` for good.
    stamps = build(lake)
    a = paused_compactor(lake, at="read", name_last=True)
    expect(a, "paused read")
    run(lake, "compact")  # B
    go_on(a)
    expect(a, "paused wrote")
    run(lake, "compact")  # C
    go_on(a)
    finish(a)

    counts, said = read(lake)
    assert said == [] and counts == dict.fromkeys(stamps, ROWS)
    listed = list_snapshots(lake[0], storage_options=lake[1])
    assert (listed["file_status"] == "ok").all()  # no copy left over
    assert listed.groupby("date")["path"].nunique().tolist() == [1, 1, 1]
    assert compact_snapshots(lake[0], storage_options=lake[1]).empty


def test_compactions_looking_at_once_never_remove_each_others_files(lake: Lake) -> None:
    # A merges the oldest day into a file named to count first, and stops. B merges the
    # day with A's file among its files, looks at it (A's file is one it merged) and
    # removes the first original. Then A looks: B's file held every listing of its own.
    # A removed B's file as a copy counting after its own, B removed A's as one it had
    # merged: the day was gone, from the lake and from every read, though both said
    # "compacted". A merged file must count before the merged files it merged.
    stamps = build(lake)
    oldest = [t for t in stamps if t.floor("D") == min(stamps).floor("D")]
    a = paused_compactor(lake, at="written", suffix="000000000001", older_than="3d")
    expect(a, "paused written")
    b = paused_compactor(lake, at="removing", older_than="3d")
    expect(b, "paused removing")
    go_on(a)
    finish(a)
    go_on(b)
    finish(b)

    counts, said = read(lake)
    assert said == [] and counts == dict.fromkeys(stamps, ROWS)
    listed = list_snapshots(lake[0], storage_options=lake[1])
    assert (listed["file_status"] == "ok").all()
    day = listed[listed["listed_at"].isin(oldest)]
    assert day["path"].nunique() == 1 and len(day) == len(oldest)  # merged, once


# --- processes running freely ----------------------------------------------------------------


class Watcher:
    """Checks each read of a lake whose listings are ``stamps``, of which ``keep`` stay.

    Each read is the lake at one instant, later than the one before: of a lake that only
    loses listings, each read holds no listing the read before did not.
    """

    def __init__(self, stamps: list[pd.Timestamp], keep: list[pd.Timestamp]) -> None:
        self.last, self.keep = set(stamps), set(keep)
        self.reads = 0

    def check(self, counts: dict[pd.Timestamp, int], said: list[str]) -> None:
        self.reads += 1
        got = set(counts)
        assert said == []
        wrong = {k: n for k, n in counts.items() if n != ROWS}
        assert not wrong, wrong  # each listing whole, once
        assert self.keep <= got, sorted(self.keep - got)  # never short of a kept listing
        assert got <= self.last, sorted(got - self.last)  # nothing gone comes back
        self.last = got


def poll(lake: Lake, procs: list[subprocess.Popen[str]], watcher: Watcher) -> None:
    """Read the lake (and list it) over and over until every process is done."""
    try:
        while any(p.poll() is None for p in procs):
            watcher.check(*read(lake))
            watcher.check(*read(lake, as_runs=True))  # the runs, later still
            listed = ok_listings(lake)
            assert len(listed) == len(set(listed)) and watcher.keep <= set(listed)
    finally:
        for p in procs:
            _, err = p.communicate(timeout=WAIT_S)
            assert p.returncode == 0, err[-3000:]


def rounds(lake: Lake, n: int) -> list[Lake]:
    """``n`` fresh lakes next to ``lake`` (sub-folders, or prefixes of its bucket)."""
    root, options = lake
    return [(f"{root}/round-{i}", options) for i in range(n)]


@pytest.mark.slow
def test_reads_polling_during_a_compaction_and_a_prune(lake: Lake) -> None:
    for each in rounds(lake, 6 if lake[1] is None else 3):
        stamps = build(each)
        keep = stamps[-12:]
        watcher = Watcher(stamps, keep)
        procs = [
            subprocess.Popen(
                command(each, *args), text=True, env=environment(), stderr=subprocess.PIPE
            )
            for args in (["compact"], ["prune", "--keep-last", "12", "--yes"])
        ]
        poll(each, procs, watcher)
        counts, said = read(each)
        assert said == [] and counts == dict.fromkeys(keep, ROWS)
        assert ok_listings(each) == keep
        assert watcher.reads > 0


@pytest.mark.slow
def test_reads_polling_during_two_compactions(lake: Lake) -> None:
    for each in rounds(lake, 6 if lake[1] is None else 3):
        stamps = build(each)
        watcher = Watcher(stamps, stamps)  # nothing may go missing, ever
        procs = [
            subprocess.Popen(
                command(each, "compact"), text=True, env=environment(), stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        poll(each, procs, watcher)
        counts, said = read(each)
        assert said == [] and counts == dict.fromkeys(stamps, ROWS)
        assert ok_listings(each) == stamps


def answer_pauses(proc: subprocess.Popen[str]) -> None:
    """Let a paused compactor go on at each pause until it is done (bounded waits)."""
    assert proc.stdout is not None
    for _ in range(50):
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            ready = sel.select(timeout=WAIT_S)
        got = proc.stdout.readline().strip() if ready else "(nothing in time)"
        if got == "done":
            _, err = proc.communicate(timeout=WAIT_S)
            assert proc.returncode == 0, err[-3000:]
            return
        assert got.startswith("paused"), got
        go_on(proc)
    pytest.fail("the compactor paused too often")


def test_a_pruned_listing_is_never_seen_again_nor_pruned_twice(lake: Lake) -> None:
    # The compactor has read the oldest day; a whole prune removes the oldest 15
    # listings (that day's among them) and reports them; then the compactor writes its
    # merged file of the day, holding them, and stops before its own check. Readers
    # once saw the pruned listings again in that window, and a second prune reported
    # them removed again. The prune's record (read last by every reader) hides them.
    stamps = build(lake)
    keep = stamps[-15:]
    compactor = paused_compactor(lake, at="read", name_last=True)
    expect(compactor, "paused read")
    pruned = run(lake, "prune", "--keep-last", "15", "--yes")
    assert "removed 15 snapshots" in pruned.stdout
    go_on(compactor)
    expect(compactor, "paused wrote")  # its merged file holds the pruned listings

    counts, said = read(lake)
    assert said == [] and counts == dict.fromkeys(keep, ROWS)
    history, said = read(lake, as_runs=True)
    assert said == [] and history == dict.fromkeys(keep, ROWS)
    assert ok_listings(lake) == keep
    again = prune_snapshots(lake[0], keep_last=15, storage_options=lake[1])
    assert again.empty  # nothing reported removed twice

    go_on(compactor)
    answer_pauses(compactor)
    counts, said = read(lake)
    assert said == [] and counts == dict.fromkeys(keep, ROWS)
    assert ok_listings(lake) == keep
