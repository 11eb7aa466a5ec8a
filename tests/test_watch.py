"""watch_imports and ``pinecone-imports watch``/``trends``, against the emulator, on a fake clock.

The watch polls through ``polling.poll`` on ``watch._clock``/``watch._sleep``; the fake
sleep here moves the fake clock *and* the emulator's simulated clock by the same seconds,
so a watch of simulated hours runs in a moment and never really sleeps.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import subprocess
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from faketime import FakeTime

import pinecone_imports_frame as pif
from pinecone_imports_frame import AuthenticationError, ConfigurationError, trends, watch
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.watch import WatchEvent, watch_imports

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


@pytest.fixture
def emu() -> Any:
    with Emulator(imports=150, seed=4, now=NOW) as emulator:
        yield emulator


@pytest.fixture
def fake(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    return FakeTime(emu).install(monkeypatch)


def running_ids(listing: pd.DataFrame) -> set[str]:
    return set(listing.loc[~listing["is_terminal"].astype(bool), "id"])


def test_the_watch_ends_when_the_imports_running_at_the_start_have_ended(
    emu: Emulator, fake: FakeTime
) -> None:
    first = running_ids(pif.read_imports(emu.url, api_key=emu.api_key, progress=False))
    assert len(first) >= 2
    events: list[WatchEvent] = []
    history = watch_imports(
        emu.url, api_key=emu.api_key, interval="1m", progress=False, on_event=events.append
    )
    info = history.attrs["watch"]
    assert info["stopped"] == "done" and info["running_at_start"] == len(first)
    listings = [g for _, g in history.groupby("listed_at")]
    assert len(listings) == info["polls"] >= 2
    last = listings[-1].set_index("id")["status"]
    assert all(last.get(i, "Completed") in ("Completed", "Failed", "Cancelled") for i in first)
    assert running_ids(listings[-2]) & first  # it did not stop a poll late
    # One poll a minute, on the clock (the first at once), and listed_at follows the server.
    assert fake.sleeps == [60.0] * (len(listings) - 1)
    gaps = pd.Series(sorted(history["listed_at"].unique())).diff().dropna()
    assert ((gaps - pd.Timedelta(minutes=1)).abs() <= pd.Timedelta(seconds=2)).all()
    # A line for each import that ended during the watch, as the listing shows it.
    ended = {e.id: e for e in events}
    assert first <= set(ended) | (first - set(last.index))
    for e in ended.values():
        row = history[(history["id"] == e.id) & (history["listed_at"] == e.listed_at)].iloc[0]
        assert e.status == row["status"] and e.status in ("Completed", "Failed", "Cancelled")
        assert (e.error is None) == pd.isna(row["error"])
    assert any(e.status == "Failed" and e.error for e in events)
    # The history is one the trends take as it is.
    assert len(trends.transitions(history)) >= len(ended)


def test_a_transient_failure_is_retried_at_the_next_tick(
    emu: Emulator, fake: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    emu.inject("status", status=503, times=2, after=2)  # the second poll fails (1 retry)
    with caplog.at_level(logging.WARNING, logger="pinecone_imports_frame"):
        history = watch_imports(
            emu.url, api_key=emu.api_key, interval="2m", max_retries=1, progress=False
        )
    info = history.attrs["watch"]
    assert info["stopped"] == "done" and info["failed_polls"] == 1
    assert history["listed_at"].nunique() == info["polls"] - 1
    assert sum("503" in r.getMessage() for r in caplog.records) == 1  # logged once


def test_a_first_poll_that_fails_is_raised_not_retried_forever(fake: FakeTime) -> None:
    """A wrong port, say: it was retried at every tick, for ever with until="done"."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(pif.TransportError, match="could not connect") as info:
        watch_imports(f"127.0.0.1:{port}", api_key="some-key-0000", progress=False)
    assert fake.sleeps == [] and len(info.value.partial) == 0  # type: ignore[arg-type]


def test_until_ends_a_watch_whose_server_stopped_answering(emu: Emulator, fake: FakeTime) -> None:
    """until is on the server's clock; with no listing coming, this machine's clock counts."""
    emu.inject("status", status=503, times=10**6, after=2)  # every poll after the first fails
    history = watch_imports(
        emu.url, api_key=emu.api_key, interval="1m", until="5m", max_retries=0, progress=False
    )
    info = history.attrs["watch"]
    assert info["stopped"] == "until" and info["failed_polls"] == 5
    assert sum(fake.sleeps) == 300.0


def test_one_failed_poll_at_the_until_time_is_retried_not_taken_for_the_end(
    emu: Emulator, fake: FakeTime
) -> None:
    """One poll failing at the deadline stopped the watch a listing short (a flaky CI run)."""
    until = pd.Timestamp(NOW) + pd.Timedelta(minutes=2)
    emu.inject("status", status=503, times=1, after=2 * 2)  # the third poll (2 pages each)
    history = watch_imports(
        emu.url, api_key=emu.api_key, interval="1m", until=until, max_retries=0, progress=False
    )
    info = history.attrs["watch"]
    assert info["stopped"] == "until" and info["failed_polls"] == 1
    assert history["listed_at"].nunique() == 3  # 09:00, 09:01, then 09:03 after the failure


def test_a_permanent_failure_stops_the_watch_keeping_what_it_saw(
    emu: Emulator, fake: FakeTime
) -> None:
    with pytest.raises(AuthenticationError) as info:
        watch_imports(emu.url, api_key="not-the-key-0000", progress=False)
    assert fake.sleeps == [] and len(info.value.partial) == 0  # type: ignore[arg-type]

    emu.inject("status", status=401, times=1, after=2 * 2)  # the third poll (2 pages each)
    with pytest.raises(AuthenticationError) as info:
        watch_imports(emu.url, api_key=emu.api_key, page_size=100, interval="1m", progress=False)
    partial = info.value.partial
    assert partial is not None and partial["listed_at"].nunique() == 2
    assert fake.sleeps == [60.0, 60.0]


def test_without_an_interval_an_index_is_polled_every_ten_seconds(
    emu: Emulator, fake: FakeTime
) -> None:
    history = watch_imports(emu.url, api_key=emu.api_key, until="1m", progress=False)
    assert history.attrs["watch"]["stopped"] == "until"
    assert set(fake.sleeps) == {10.0} and history["listed_at"].nunique() == 7


def test_until_a_duration_stops_on_the_servers_clock(emu: Emulator, fake: FakeTime) -> None:
    history = watch_imports(emu.url, api_key=emu.api_key, interval="1m", until="3m", progress=False)
    times = sorted(history["listed_at"].unique())
    assert history.attrs["watch"]["stopped"] == "until"
    assert len(times) == 4 and abs(times[-1] - times[0] - pd.Timedelta(minutes=3)) < pd.Timedelta(
        seconds=2
    )
    # A time, two polls on: rounded, not floored, as the last listing may be stamped a
    # moment before the minute (09:02:59.97) on a loaded machine, which made it one poll on.
    end = pd.Timestamp(times[-1]).round("min") + pd.Timedelta(minutes=2)
    later = watch_imports(emu.url, api_key=emu.api_key, interval="1m", until=end, progress=False)
    assert later.attrs["watch"]["stopped"] == "until"
    assert later["listed_at"].nunique() == 3


def test_until_a_time_allows_for_a_server_clock_a_little_slower_than_the_interval(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Polls a minute apart on this machine are 59.4 s apart on a server whose clock runs
    # 1 % slow: the poll at 09:01:58.8 (server time) is the one at "09:02" and the last.
    FakeTime(emu, speed=0.99).install(monkeypatch)
    until = pd.Timestamp(NOW) + pd.Timedelta(minutes=2)
    history = watch_imports(
        emu.url, api_key=emu.api_key, interval="1m", until=until, progress=False
    )
    assert history.attrs["watch"]["stopped"] == "until"
    assert history["listed_at"].nunique() == 3  # 09:00, ~09:01, ~09:02: not a fourth poll


def test_an_interrupted_watch_returns_what_it_saw(emu: Emulator, fake: FakeTime) -> None:
    fake.interrupt_at = 3
    history = watch_imports(emu.url, api_key=emu.api_key, interval="1m", progress=False)
    assert history.attrs["watch"]["stopped"] == "interrupted"
    assert history["listed_at"].nunique() == 3


def test_each_poll_is_written_as_a_snapshot(emu: Emulator, fake: FakeTime, tmp_path: Path) -> None:
    history = watch_imports(
        emu.url, api_key=emu.api_key, interval="5m", until="15m", snapshot_to=tmp_path,
        progress=False,
    )  # fmt: skip
    lake = pif.read_snapshots(tmp_path)
    assert len(pif.list_snapshots(tmp_path)) == history["listed_at"].nunique() == 4
    key = ["listed_at", "id"]

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.sort_values(key, ignore_index=True)

    # The lake holds every listing whole; the history, each listing's news and the last
    # listing whole (test_watch_memory), every row of it as the lake holds it.
    last = lake["listed_at"].max()
    pd.testing.assert_frame_equal(
        rows(lake[lake["listed_at"] == last]), rows(history[history["listed_at"] == last])
    )
    pd.testing.assert_frame_equal(rows(lake.merge(history[key], on=key)), rows(history))


def test_a_listing_whose_snapshot_failed_in_passing_is_still_watched(
    emu: Emulator, fake: FakeTime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pinecone_imports_frame import snapshots

    real_write, writes = snapshots.write_snapshot, []

    def write_failing_once(frame: pd.DataFrame, root: Any, **options: Any) -> Any:
        writes.append(frame)
        if len(writes) == 2:  # the second poll's write meets a passing storage error
            raise pif.SnapshotError("the store answered 503; try again", permanent=False)
        return real_write(frame, root, **options)

    monkeypatch.setattr(snapshots, "write_snapshot", write_failing_once)
    events: list[WatchEvent] = []
    history = watch_imports(
        emu.url, api_key=emu.api_key, interval="30m", until="90m", snapshot_to=tmp_path,
        progress=False, on_event=events.append,
    )  # fmt: skip
    info = history.attrs["watch"]
    assert (info["polls"], info["failed_polls"], info["failed_snapshots"]) == (4, 0, 1)
    assert len(pif.list_snapshots(tmp_path)) == 3  # the other three polls are in the lake
    listings = [g for _, g in history.groupby("listed_at")]
    ended = [
        set(running_ids(before)) - set(running_ids(after))
        for before, after in itertools.pairwise(listings)
    ]
    assert ended[0], "nothing ended between the first two polls: pick a longer interval"
    assert set().union(*ended) <= {e.id for e in events}  # the second poll's endings too


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"interval": "0.5"}, "interval"),
        ({"interval": "soon"}, "interval"),
        ({"until": "forever"}, "until"),
        ({"until": 90}, "until"),
        ({"snapshot_to": "/proc/no-lake-here"}, "snapshot"),
        ({"on_event": "print"}, "on_event"),
        ({"progress": "no"}, "progress"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    emu: Emulator, arguments: dict[str, Any], named: str
) -> None:
    with pytest.raises(pif.PineconeImportsError, match=named):
        watch_imports(emu.url, api_key=emu.api_key, **{"progress": False, **arguments})
    assert emu.requests == []


def test_bars_show_each_running_import_and_lines_show_endings(
    emu: Emulator, fake: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    watch_imports(emu.url, api_key=emu.api_key, interval="1m", progress=True)
    err = capsys.readouterr().err
    assert "imports ended" in err and "ETA" in err and " rec" in err
    assert " Completed after " in err and " Failed after " in err


def test_without_bars_the_endings_are_logged(
    emu: Emulator, fake: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="pinecone_imports_frame.watch"):
        watch_imports(emu.url, api_key=emu.api_key, interval="1m", progress=False)
    lines = [r.getMessage() for r in caplog.records if r.name == "pinecone_imports_frame.watch"]
    assert any(" Completed after " in line for line in lines)


def estimate_row(**fields: Any) -> Any:
    base = {
        "phase": "loading",
        "records_imported": 1_234_567,
        "records_per_second": 2_500.4,
        "eta": pd.Timestamp("2026-03-02T10:30:00Z"),
        "time_left": pd.Timedelta(minutes=42),
        "indexing_for": pd.NaT,
        "reason": "",
    }
    return pd.DataFrame([{**base, **fields}]).iloc[0]


def test_the_bar_text_says_eta_indexing_or_pending() -> None:
    assert watch._bar_text(estimate_row()) == "1,234,567 rec, 2,500/s, ETA 10:30Z in 42m00s"
    later = estimate_row(time_left=pd.Timedelta(hours=3, minutes=45, seconds=15))
    assert watch._bar_text(later) == "1,234,567 rec, 2,500/s, ETA 10:30Z in 3h45m"
    indexing = estimate_row(phase="indexing", indexing_for=pd.Timedelta(minutes=12))
    assert watch._bar_text(indexing) == "indexing 12m00s, 1,234,567 rec"
    assert watch._bar_text(estimate_row(phase="pending")) == "pending"
    unknown = estimate_row(eta=pd.NaT, records_per_second=float("nan"))
    assert watch._bar_text(unknown) == "1,234,567 rec, ETA ?"
    # An import standing still says so (it read "0/s, ETA ?", as if its rate were unknown).
    still = estimate_row(eta=pd.NaT, records_per_second=0.0, reason=trends.REASONS["stalled"])
    assert watch._bar_text(still) == "1,234,567 rec, 0/s, no progress"


def test_an_event_line_escapes_server_text() -> None:
    e = WatchEvent(
        "idx", "7\x1b[31m", "Failed", pd.Timestamp("2026-03-02T10:00:00Z"), None,
        pd.Timedelta(hours=1, minutes=5), 10, "bad\rline\x1b[2J",
    )  # fmt: skip
    text = str(e)
    assert "\x1b" not in text and "\r" not in text
    assert text == (
        "2026-03-02 10:00:00Z  import 7\\x1b[31m Failed after 1h05m00s: bad\\rline\\x1b[2J"
    )


# --- the CLI -------------------------------------------------------------------------------


def test_the_watch_command_prints_a_line_per_ending_and_ends_by_itself(
    emu: Emulator, fake: FakeTime, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    args = ["watch", "--host", emu.url, "--api-key", emu.api_key, "--interval", "1m"]
    assert main([*args, "--no-progress", "--snapshot-to", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("all ") and "imports running at the start have ended" in out[-1]
    assert any(" Failed after " in line for line in out)
    assert len(pif.list_snapshots(tmp_path)) == len(fake.sleeps) + 1


def test_the_watch_command_stopped_by_until_shows_what_still_runs(
    emu: Emulator, fake: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["watch", "--host", emu.url, "--api-key", emu.api_key, "--no-progress"]
    assert main([*args, "--interval", "1m", "--until", "2m"]) == 0
    out = capsys.readouterr().out
    assert "running at the last listing" in out and "phase" in out
    assert out.rstrip().endswith("stopped after --until 2m (3 polls)")
    assert main([*args, "--until", "whenever"]) == 2
    assert "until" in capsys.readouterr().err


def test_the_trends_command_prints_timeline_running_and_failures(
    emu: Emulator, fake: FakeTime, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    watch_imports(
        emu.url, api_key=emu.api_key, interval="10m", until="1h", snapshot_to=tmp_path,
        progress=False,
    )  # fmt: skip
    assert main(["trends", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("status timeline (7 listings):")
    assert "running at the last listing" in out or "no imports running" in out
    assert "failures (" in out and "error_category" in out
    assert main(["trends", str(tmp_path), "--listings", "2"]) == 0
    assert "(7 listings, the latest 2)" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    assert main(["trends", str(tmp_path / "empty")]) == 0
    assert capsys.readouterr().out == f"no snapshots under {tmp_path / 'empty'}\n"


def test_watch_against_a_running_emulator_ends_by_itself(tmp_path: Path) -> None:
    """The done criterion: a real emulator process at high speed, a real watch process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINECONE_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "pinecone_imports_frame", "emulator", "--imports", "80",
         "--seed", "4", "--speed", "7200", "--api-key", "watch-key"],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        proc = subprocess.run(
            [sys.executable, "-m", "pinecone_imports_frame", "watch", "--host", url,
             "--api-key", "watch-key", "--interval", "1", "--no-progress"],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr
    assert "imports running at the start have ended" in proc.stdout
    assert "watch-key" not in proc.stdout + proc.stderr


def test_until_is_checked_before_anything_is_sent(emu: Emulator) -> None:
    with pytest.raises(ConfigurationError, match="'done', a duration or a time"):
        watch_imports(emu.url, api_key=emu.api_key, until=[1])
    assert emu.requests == []


WATCH_SECRET = "pcsk_watchSECRET_4c2e9a71"


def _watch_until_refused(monkeypatch: pytest.MonkeyPatch) -> AuthenticationError:
    with Emulator(imports=100, seed=4, now=NOW, api_key=WATCH_SECRET) as server:
        FakeTime(server).install(monkeypatch)
        server.inject("status", status=401, times=1, after=2)  # the second poll
        try:
            watch_imports(server.url, api_key=WATCH_SECRET, interval="1m", progress=False)
        except AuthenticationError as exc:
            return exc
    raise AssertionError("the watch did not fail")


def test_a_watch_error_never_shows_the_key_even_with_locals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import traceback

    error = _watch_until_refused(monkeypatch)
    text = "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
    text += repr(vars(error)) + repr(error.args) + repr(error.partial.attrs)  # type: ignore[union-attr]
    assert "watch_imports" in text and len(error.partial) > 0  # type: ignore[arg-type]
    key = WATCH_SECRET
    assert not any(key[i : i + 8] in text for i in range(len(key) - 7))


def test_a_status_only_some_polls_saw_keeps_the_history_categorical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The history was plain text (str or object) after pd.concat of such listings."""
    from hostile import HostileServer, answer

    def listing(status: str) -> dict[str, Any]:
        return {
            "data": [
                {"id": "1", "uri": "s3://b/", "status": status, "createdAt": "2025-05-01T10:00:00Z"}
            ]
        }

    now = [0.0]
    monkeypatch.setattr(watch, "_clock", lambda: now[0])
    monkeypatch.setattr(watch, "_sleep", lambda s: now.__setitem__(0, now[0] + s))
    polls = [answer(200, listing("Queued")), answer(200, listing("Completed"))]
    with HostileServer(polls) as server, pytest.warns(pif.UnknownStatusWarning):
        history = watch_imports(server.url, api_key="some-key-0000", progress=False)
    assert history["status"].tolist() == ["Queued", "Completed"]
    assert isinstance(history["status"].dtype, pd.CategoricalDtype)


# --- an import twice in one listing (issue 18) --------------------------------------------

#: Served two to a page: import 2 shows on the first page and again on the second (it moved
#: down a page while the listing was paged, at 12 % by then); import 9 has completed.
SHIFTED = [
    {"id": str(i), "uri": f"s3://b/{i}/", "status": "InProgress",
     "createdAt": "2026-03-02T08:00:00Z", "percentComplete": 10.0}
    for i in (1, 2, 3)
]  # fmt: skip
SHIFTED.insert(2, {**SHIFTED[1], "percentComplete": 12.0})
SHIFTED.append(
    {"id": "9", "uri": "s3://b/9/", "status": "Completed", "createdAt": "2026-03-02T08:00:00Z",
     "finishedAt": "2026-03-02T08:30:00Z", "percentComplete": 100.0}
)  # fmt: skip


def test_an_import_listed_twice_is_watched_once_as_its_last_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The watch crashed (a raw pandas InvalidIndexError, history lost) at the second poll."""
    with Emulator(records=SHIFTED, now=NOW) as server:
        FakeTime(server).install(monkeypatch)
        with pytest.warns(pif.DuplicateImportWarning, match="^1 row") as caught:
            history = watch_imports(
                server.url, api_key=server.api_key, page_size=2, interval="1m", until="3m",
                progress=False,
            )  # fmt: skip
    assert history.attrs["watch"]["stopped"] == "until"
    assert history["listed_at"].nunique() == 4
    assert sum(issubclass(w.category, pif.DuplicateImportWarning) for w in caught) == 4
    times = sorted(history["listed_at"].unique())
    for t, one in history.groupby("listed_at"):
        # The running imports in every listing; 9, which never changes, in the first and
        # the last (a watch keeps each listing's news, and the last listing whole).
        ended = ["9"] if t in (times[0], times[-1]) else []
        assert one["id"].tolist() == ["1", "2", "3", *ended]
        assert one.loc[one["id"] == "2", "percent_complete"].tolist() == [12.0]
    # The trends count what the watch saw: four imports, three running.
    with warnings.catch_warnings():
        warnings.simplefilter("error", pif.DuplicateImportWarning)
        assert trends.status_timeline(history)["total"].tolist() == [4, 3, 3, 4]
        assert int(trends.summary(history).loc[0, "imports"]) == len(trends.latest(history)) == 4
        assert len(trends.estimate_completion(history)) == 3


def test_a_watch_of_a_listing_with_an_import_twice_keeps_its_history_on_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Emulator(records=SHIFTED, now=NOW) as server:
        FakeTime(server).install(monkeypatch)
        server.inject("status", status=401, times=1, after=3 * 3)  # the fourth poll: 3 pages each
        with pytest.raises(AuthenticationError) as info, warnings.catch_warnings():
            warnings.simplefilter("ignore", pif.DuplicateImportWarning)
            watch_imports(
                server.url, api_key=server.api_key, page_size=2, interval="1m", progress=False
            )
    partial = info.value.partial
    assert partial is not None and partial["listed_at"].nunique() == 3
    # Every running import at each listing; 9 (unchanged) first and last.
    assert partial.groupby("listed_at")["id"].apply(list).tolist() == [
        ["1", "2", "3", "9"],
        ["1", "2", "3"],
        ["1", "2", "3", "9"],
    ]


def test_an_error_from_on_event_keeps_the_history_in_partial(emu: Emulator, fake: FakeTime) -> None:
    """Whatever ends a watch, the listings it saw travel with the error."""

    def on_event(event: WatchEvent) -> None:
        raise ValueError(f"the handler failed on {event.id}")

    with pytest.raises(ValueError, match="the handler failed") as info:
        watch_imports(emu.url, api_key=emu.api_key, interval="1m", on_event=on_event,
                      progress=False)  # fmt: skip
    partial = info.value.partial  # type: ignore[attr-defined]
    assert partial["listed_at"].nunique() == len(fake.sleeps) + 1 >= 2


# --- until a time, on a server whose clock stands still or lags (issue 18) ------------------


def test_watch_until_a_time_ends_by_this_machines_clock_when_the_servers_stands_still(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: never ended (the server's clock never reached the time)."""
    fake = FakeTime(emu, speed=0).install(monkeypatch)  # the server's clock stands still
    fake.interrupt_at = 40  # the test's own bound: "never" is 40 polls here
    until = (pd.Timestamp(NOW) + pd.Timedelta(minutes=5)).isoformat()
    args = ["watch", "--host", emu.url, "--api-key", emu.api_key, "--no-progress"]
    assert main([*args, "--interval", "1m", "--until", until]) == 0
    captured = capsys.readouterr()
    assert captured.out.rstrip().endswith(f"stopped after --until {until} (7 polls)")
    assert fake.sleeps == [60.0] * 6  # this machine's clock: an interval past the time
    said = [line for line in captured.err.splitlines() if "clock stands still" in line]
    assert len(said) == 1 and said[0].startswith("pinecone-imports: the server's clock")
    assert "over 2m00s on this machine's clock" in said[0] and "1m00s after it" in said[0]


def test_until_a_time_ends_by_this_machines_clock_when_the_server_lags_an_hour(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's time of day is an hour behind this machine's: it would take an hour."""
    here = pd.Timestamp(NOW) + pd.Timedelta(hours=1)
    fake = FakeTime(emu, wall=here).install(monkeypatch)
    fake.interrupt_at = 40
    with caplog.at_level(logging.WARNING, logger="pinecone_imports_frame"):
        history = watch_imports(
            emu.url, api_key=emu.api_key, interval="1m", until=here + pd.Timedelta(minutes=2),
            progress=False,
        )  # fmt: skip
    assert history.attrs["watch"]["stopped"] == "until"
    assert history["listed_at"].nunique() == 4  # at here+3m on this machine's clock
    assert not [r for r in caplog.records if "stands still" in r.getMessage()]


def test_until_a_time_is_on_the_servers_clock_when_it_runs_ahead(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This machine's clock bounds the watch; it does not replace the server's."""
    FakeTime(emu, wall=pd.Timestamp(NOW) - pd.Timedelta(hours=1)).install(monkeypatch)
    history = watch_imports(
        emu.url, api_key=emu.api_key, interval="1m", until=pd.Timestamp(NOW) + pd.Timedelta(
            minutes=2), progress=False,
    )  # fmt: skip
    assert history.attrs["watch"]["stopped"] == "until"
    assert history["listed_at"].nunique() == 3  # 09:00, 09:01, 09:02 on the server


# --- the cost of a poll does not grow with the polls (issue 18) -----------------------------


def test_a_long_watch_hands_its_estimates_a_few_rows_per_running_import(
    emu: Emulator, fake: FakeTime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Before: every row of every running import, so each poll cost more than the last.

    The bars still show what ``estimate_completion`` says of the whole history so far.
    """
    real = trends.estimate_completion
    calls: list[tuple[pd.DataFrame, pd.DataFrame]] = []

    def spy(history: pd.DataFrame, **kw: Any) -> pd.DataFrame:
        out = real(history, **kw)
        calls.append((history, out))
        return out

    monkeypatch.setattr(trends, "estimate_completion", spy)
    watch_imports(emu.url, api_key=emu.api_key, interval="1m", until="90m", progress=True,
                  snapshot_to=tmp_path)  # fmt: skip
    history = pif.read_snapshots(tmp_path)  # every listing whole (the watch keeps its news)
    times = sorted(history["listed_at"].unique())
    assert len(calls) == len(times) == 91
    rows_per_import = [len(given) / max(len(out), 1) for given, out in calls]
    assert max(rows_per_import) <= 4
    assert max(len(out) for _, out in calls) >= 3  # imports ran through the watch
    same = [c for c in real(history).columns if c != "rate_listings"]
    for t, (_, out) in zip(times, calls, strict=True):
        whole = real(history[history["listed_at"] <= t])
        pd.testing.assert_frame_equal(out[same], whole[same])
