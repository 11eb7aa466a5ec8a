"""The Prometheus exporter (``ImportsExporter``, ``pinecone-imports metrics``) against the emulator.

What a scrape shows after each listing, read back with prometheus_client's own parser:
statuses, failures in the window and the retry trap, the running imports (percent, ETA,
indexing time, time without progress) held to ``trends.estimate_completion``'s figures,
bounded and sanitised labels, a listing that fails, a project's indexes, the textfile,
the schedule on a fake clock, a scrape that never waits on a listing, and the command.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from faketime import FakeTime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pinecone_imports_frame as pif
from pinecone_imports_frame import trends
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator, IndexConfig, Project
from pinecone_imports_frame.monitoring import ImportsExporter, _exporter
from pinecone_imports_frame.monitoring._running import RunningImports, progress_since

pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
KEY = "pcsk_monitoring-Secret-7f3a9c"
NAMESPACE_EXISTS = (
    'User error: The namespace "docs" already exists. Imports are only allowed into '
    "nonexistent namespaces."
)


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def records(now: datetime = NOW) -> list[dict[str, Any]]:
    """An index whose imports failed (one retried into the trap), stall, index and wait."""
    h = timedelta(hours=1)
    return [
        {"id": "done", "uri": "s3://b/done/", "status": "Completed", "createdAt": ts(now - 3 * h),
         "finishedAt": ts(now - 2 * h), "percentComplete": 100.0, "recordsImported": 1000},
        {"id": "first", "uri": "s3://b/docs/", "status": "Failed", "createdAt": ts(now - 3 * h),
         "finishedAt": ts(now - 2.5 * h), "error": "Exceeds system limit",
         "percentComplete": 20.0, "recordsImported": 200},
        {"id": "retry", "uri": "s3://b/docs/", "status": "Failed", "createdAt": ts(now - 2 * h),
         "finishedAt": ts(now - h / 6), "error": NAMESPACE_EXISTS},
        {"id": "old", "uri": "s3://b/old/", "status": "Failed", "createdAt": ts(now - 50 * h),
         "finishedAt": ts(now - 49 * h), "error": 'No Parquet files found under "s3://b/old/"'},
        {"id": "stuck", "uri": "s3://b/stuck/", "status": "InProgress",
         "createdAt": ts(now - h), "percentComplete": 40.0, "recordsImported": 4000,
         "validationResult": {"importSuccesses": 4000, "importErrors": 12}},
        {"id": "indexing", "uri": "s3://b/idx/", "status": "InProgress",
         "createdAt": ts(now - h), "percentComplete": 100.0, "recordsImported": 9000},
        {"id": "waiting", "uri": "s3://b/w/", "status": "Pending", "createdAt": ts(now - h / 12)},
    ]  # fmt: skip


def scrape(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition, by (name, labels); empty labels dropped, as in Prometheus."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            labels = frozenset((k, v) for k, v in s.labels.items() if v != "")
            out[(s.name, labels)] = s.value
    return out


def value(samples: dict[Any, float], name: str, **labels: str) -> float | None:
    """The one sample of ``name`` whose labels include ``labels`` (None if there is none)."""
    found = [v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls)]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else None


def names(samples: dict[Any, float], name: str) -> set[str]:
    return {dict(ls)["import_id"] for (n, ls) in samples if n == name}


@pytest.fixture
def emu() -> Any:
    with Emulator(records=records(), now=NOW, api_key=KEY, index_name="docs") as emulator:
        yield emulator


def exporter_for(emu: Emulator, **options: Any) -> ImportsExporter:
    conn = pif.Connection.resolve(emu.url, api_key=KEY, index_name="docs", max_retries=0)
    return ImportsExporter(connection=conn, **options)


def test_a_listing_becomes_statuses_failures_and_running_imports(emu: Emulator) -> None:
    exporter = exporter_for(emu)
    assert exporter.refresh() is True
    s = scrape(exporter.text())
    index = {"index_name": "docs", "index_host": emu.address}
    # Every documented status, 0 where none: a dashboard's lines do not come and go.
    assert {st: value(s, "pinecone_imports", status=st, **index) for st in pif.STATUSES} == {
        "Pending": 1, "InProgress": 2, "Completed": 1, "Failed": 3, "Cancelled": 0,
    }  # fmt: skip
    # Failures within 24h by category (the one of 49 hours ago is out of the window).
    failed = {c: value(s, "pinecone_imports_failed", error_category=c, **index) for c in
              ("system_limit", "namespace_exists", "no_parquet_found", "schema")}  # fmt: skip
    assert failed == {"system_limit": 1, "namespace_exists": 1, "no_parquet_found": 0, "schema": 0}
    assert value(s, "pinecone_imports_retry_traps", **index) == 1
    # Running imports only, with their phase's figures.
    assert names(s, "pinecone_import_percent_complete") == {"stuck", "indexing", "waiting"}
    assert value(s, "pinecone_import_percent_complete", import_id="stuck") == 40.0
    assert value(s, "pinecone_import_percent_complete", import_id="waiting") == 0.0
    assert names(s, "pinecone_import_indexing_seconds") == {"indexing"}
    assert names(s, "pinecone_import_seconds_since_progress") == {"stuck"}
    assert value(s, "pinecone_import_validation_errors", import_id="stuck") == 12
    # Records of running imports and of those finished within the hour ("retry" sent none).
    assert names(s, "pinecone_import_records_imported") == {"stuck", "indexing", "waiting"}
    assert value(s, "pinecone_imports_listing_success", **index) == 1
    assert abs(value(s, "pinecone_imports_listing_timestamp_seconds", **index) - time.time()) < 60
    assert 0 < value(s, "pinecone_imports_listing_duration_seconds", **index) < 30
    assert KEY not in exporter.text()


def test_stalls_and_indexing_grow_by_pinecones_clock_across_listings(emu: Emulator) -> None:
    exporter = exporter_for(emu)
    exporter.refresh()
    s = scrape(exporter.text())
    assert value(s, "pinecone_import_seconds_since_progress", import_id="stuck") == 0
    assert value(s, "pinecone_import_indexing_seconds", import_id="indexing") == 0
    emu.advance("31m")
    exporter.refresh()
    emu.advance("40m")
    exporter.refresh()
    s = scrape(exporter.text())
    # The server's clock moved 71 minutes (its Date header has whole seconds).
    assert abs(value(s, "pinecone_import_seconds_since_progress", import_id="stuck") - 4260) <= 2
    assert abs(value(s, "pinecone_import_indexing_seconds", import_id="indexing") - 4260) <= 2
    # No rate without progress: no ETA for the stalled import.
    assert value(s, "pinecone_import_eta_seconds", import_id="stuck") is None


def test_a_running_import_with_no_percent_can_still_stall(start_emulator: Any) -> None:
    """An InProgress import whose percentComplete a server omits had no series at all, so
    PineconeImportStalled could never fire for it."""
    quiet = {"id": "quiet", "uri": "s3://b/q/", "status": "InProgress", "createdAt": ts(NOW),
             "recordsImported": 10}  # fmt: skip
    emu = start_emulator(records=[quiet], now=NOW, api_key=KEY)
    exporter = exporter_for(emu)
    exporter.refresh()
    emu.advance("40m")
    exporter.refresh()
    s = scrape(exporter.text())
    assert abs(value(s, "pinecone_import_seconds_since_progress", import_id="quiet") - 2400) <= 2


def test_an_ended_import_loses_its_series(start_emulator: Any) -> None:
    emu = start_emulator(imports=300, seed=3, now=NOW)
    exporter = ImportsExporter(connection=pif.Connection.resolve(emu.url, api_key=emu.api_key))
    exporter.refresh()
    running = names(scrape(exporter.text()), "pinecone_import_percent_complete")
    assert running
    ending = min(running, key=lambda i: emu.plan(i).finished_at)
    emu.advance(emu.plan(ending).finished_at - emu.now() + timedelta(hours=2))
    exporter.refresh()
    s = scrape(exporter.text())
    for name in ("pinecone_import_percent_complete", "pinecone_import_records_imported"):
        assert ending not in names(s, name)
    # What runs now is shown, and nothing else: the series follow the running imports.
    listing = pif.read_imports(emu.url, api_key=emu.api_key, progress=False)
    now_running = set(listing.loc[~listing["is_terminal"].astype(bool), "id"])
    assert names(s, "pinecone_import_percent_complete") == now_running


def test_the_window_says_which_failures_count(emu: Emulator) -> None:
    exporter = exporter_for(emu, window="3d")
    exporter.refresh()
    s = scrape(exporter.text())
    assert value(s, "pinecone_imports_failed", error_category="no_parquet_found") == 1
    emu.advance("1d")  # the two recent failures are now more than a day old
    exporter = exporter_for(emu)
    exporter.refresh()
    s = scrape(exporter.text())
    assert value(s, "pinecone_imports_failed", error_category="system_limit") == 0
    assert value(s, "pinecone_imports_retry_traps", index_name="docs") == 0


@pytest.mark.slow
def test_the_running_figures_are_estimate_completions(
    start_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The exporter keeps what it needs per running import instead of re-reading a history:
    # its figures must stay those of trends.estimate_completion over the same listings.
    from pinecone_imports_frame import loader

    listings: list[pd.DataFrame] = []
    read = loader.read_imports

    def recorded(*args: Any, **kwargs: Any) -> pd.DataFrame:
        listings.append(read(*args, **kwargs))
        return listings[-1]

    monkeypatch.setattr(loader, "read_imports", recorded)
    emu = start_emulator(imports=8000, seed=11, now=NOW)  # busy: several load at once
    exporter = ImportsExporter(connection=pif.Connection.resolve(emu.url, api_key=emu.api_key))
    compared = 0
    for _ in range(12):
        exporter.refresh()
        s = scrape(exporter.text())
        estimates = trends.estimate_completion(pif.concat_frames(listings))
        for row in estimates.itertuples():
            pct = value(s, "pinecone_import_percent_complete", import_id=row.id)
            assert pct == pytest.approx(row.percent_complete)
            eta = value(s, "pinecone_import_eta_seconds", import_id=row.id)
            left = None if pd.isna(row.time_left) else row.time_left.total_seconds()
            assert eta == pytest.approx(left, abs=1e-6) if left is not None else eta is None
            indexing = value(s, "pinecone_import_indexing_seconds", import_id=row.id)
            if row.phase == "indexing":
                assert indexing == pytest.approx(row.indexing_for.total_seconds(), abs=2)
            else:
                assert indexing is None
            rate = value(s, "pinecone_import_records_per_second", import_id=row.id)
            if row.phase == "loading" and not pd.isna(row.records_per_second):
                assert rate == pytest.approx(row.records_per_second, rel=1e-3)
                compared += 1
        emu.advance("3m")
    assert compared >= 20  # rates were compared, not only their absence


@st.composite
def progressions(draw: Any) -> tuple[list[int], list[list[tuple[str, float | None, int]]]]:
    """Listings (minutes apart) of a few imports that stay running: pending, loading, 100 %."""
    gaps = draw(st.lists(st.integers(1, 40), min_size=1, max_size=9))
    listings: list[list[tuple[str, float | None, int]]] = []
    state = draw(st.lists(st.sampled_from(["Pending", "InProgress"]), min_size=1, max_size=3))
    percents = [0.0] * len(state)
    for _ in range(len(gaps) + 1):
        rows = []
        for i, status in enumerate(state):
            step = draw(st.sampled_from([0.0, 0.0, 5.0, 12.5, 40.0]))
            if status == "InProgress":
                percents[i] = min(100.0, percents[i] + step)
            missing = status == "InProgress" and draw(st.integers(0, 9)) == 0
            rows.append((status, None if missing else percents[i], int(percents[i] * 100)))
            if status == "Pending" and draw(st.booleans()):
                state[i] = "InProgress"
        listings.append(rows)
    return [0, *gaps], listings


@pytest.mark.slow
# trends.estimate_completion warns as it casts the NaN ETA of an import whose newest listing
# has no percent (it still answers NaT): not this test's concern.
@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(progressions())
def test_the_memory_of_running_imports_agrees_with_the_trends(case: Any) -> None:
    gaps, listings = case
    running = RunningImports()
    frames = []
    t = pd.Timestamp("2026-01-01T00:00:00Z")
    shown: list[Any] = []
    for gap, rows in zip(gaps, listings, strict=True):
        t += pd.Timedelta(minutes=gap)
        us = int(t.as_unit("us").asm8.view("i8"))
        ids = [str(i) for i in range(len(rows))]
        shown = running.update(
            us,
            ids,
            [r[0] for r in rows],
            [math.nan if r[1] is None else r[1] for r in rows],
            [float(r[2]) for r in rows],
            [math.nan] * len(rows),
        )
        api = [
            {"id": i, "status": s, "createdAt": "2025-12-31T00:00:00Z", "recordsImported": n,
             **({} if p is None else {"percentComplete": p})}
            for i, (s, p, n) in zip(ids, rows, strict=True)
        ]  # fmt: skip
        frames.append(pif.to_frame(api, listed_at=t, index_host="h"))
    history = pif.concat_frames(frames)
    estimates = trends.estimate_completion(history).set_index("id")
    since = progress_since(history).set_index("id")["progress_since"]
    for run in shown:
        e = estimates.loc[run.id]
        assert run.phase == e["phase"]
        assert same(run.percent_complete, e["percent_complete"])
        assert same(run.eta_seconds, e["time_left"])
        assert same(run.indexing_seconds, e["indexing_for"])
        if e["phase"] == "loading" and not pd.isna(e["percent_complete"]):
            assert same(run.records_per_second, e["records_per_second"])
        if e["phase"] == "loading":  # with or without a percent: a stall is told
            assert same(run.seconds_since_progress, e["listed_at"] - since.loc[run.id])
        else:
            assert math.isnan(run.seconds_since_progress)


def same(mine: float, theirs: Any) -> bool:
    """The exporter's float against a trends value (NA and NaT as NaN, durations in s)."""
    if pd.isna(theirs):
        return math.isnan(mine)
    if isinstance(theirs, pd.Timedelta):
        theirs = theirs.total_seconds()
    return mine == pytest.approx(float(theirs), rel=1e-9, abs=1e-6)


def _loading(import_id: str, percent: float) -> dict[str, Any]:
    """A record of an import loading since NOW, as a server sends it."""
    return {
        "id": import_id,
        "uri": "s3://b/",
        "status": "InProgress",
        "createdAt": ts(NOW),
        "percentComplete": percent,
    }


def test_labels_from_the_server_are_bounded_and_sanitised(start_emulator: Any) -> None:
    hostile = [
        _loading("evil\x1b[2J\r\u202eid" + "x" * 300, 10.0),
        _loading(f"echo-{KEY[5:17]}", 20.0),
        {"id": "p", "uri": "s3://b/", "status": "Paused\x07", "createdAt": ts(NOW)},
    ]
    emu = start_emulator(records=hostile, now=NOW, api_key=KEY)
    exporter = exporter_for(emu)
    with pytest.warns(pif.UnknownStatusWarning):
        exporter.refresh()
    text = exporter.text()
    s = scrape(text)
    ids = names(s, "pinecone_import_percent_complete")
    assert all(len(i) <= 128 and i.isprintable() for i in ids)
    assert any(i.startswith("evil\\x1b[2J\\r\\u202eid") and i.endswith("…") for i in ids)
    assert "echo-***" in ids  # a piece of the key, redacted
    assert KEY[5:17] not in text and "\x1b" not in text and "\u202e" not in text
    assert value(s, "pinecone_imports", status="Paused\\x07") == 1


def test_ids_and_statuses_written_alike_are_distinct_series_and_summed_counts(
    start_emulator: Any,
) -> None:
    """Two ids cut or escaped to one label were two samples with equal labels (Prometheus
    drops one), and two statuses escaped alike counted 1 instead of 2."""
    long = "a" * 200
    hostile = [
        _loading(long + "1", 10.0),
        _loading(long + "2", 20.0),
        _loading("e\x1b", 30.0),
        _loading("e\\x1b", 40.0),
        {"id": "w1", "uri": "s3://b/", "status": "Weird\x1b", "createdAt": ts(NOW)},
        {"id": "w2", "uri": "s3://b/", "status": "Weird\\x1b", "createdAt": ts(NOW)},
    ]  # fmt: skip
    emu = start_emulator(records=hostile, now=NOW, api_key=KEY)
    exporter = exporter_for(emu)
    with pytest.warns(pif.UnknownStatusWarning):
        exporter.refresh()
    text = exporter.text()
    samples = [
        s for family in text_string_to_metric_families(text) for s in family.samples
        if s.name == "pinecone_import_percent_complete"
    ]  # fmt: skip
    assert sorted(s.value for s in samples) == [10.0, 20.0, 30.0, 40.0]
    ids = [s.labels["import_id"] for s in samples]
    assert len(set(ids)) == 4 and all(len(i) <= 128 and i.isprintable() for i in ids)
    assert value(scrape(text), "pinecone_imports", status="Weird\\x1b") == 2


def test_running_series_are_bounded(start_emulator: Any, caplog: pytest.LogCaptureFixture) -> None:
    many = [
        {"id": str(i), "uri": "s3://b/", "status": "InProgress", "createdAt": ts(NOW),
         "percentComplete": 50.0}
        for i in range(620)
    ]  # fmt: skip
    emu = start_emulator(records=many, now=NOW, api_key=KEY)
    exporter = exporter_for(emu)
    with caplog.at_level(logging.WARNING, logger="pinecone_imports_frame"):
        exporter.refresh()
        exporter.refresh()
    s = scrape(exporter.text())
    assert len(names(s, "pinecone_import_percent_complete")) == 500
    assert value(s, "pinecone_imports", status="InProgress") == 620  # counted, all of them
    assert [r.message for r in caplog.records].count(
        "620 imports are running: only the first 500 listed get series of their own"
    ) == 1


def test_a_failed_listing_alerts_keeps_the_last_figures_and_recovers(
    emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    exporter = exporter_for(emu)
    exporter.refresh()
    index = {"index_name": "docs"}
    before = value(scrape(exporter.text()), "pinecone_imports_listing_timestamp_seconds", **index)
    emu.inject("status", status=401, times=2)
    with caplog.at_level(logging.DEBUG, logger="pinecone_imports_frame"):
        assert exporter.refresh() is False
        assert exporter.refresh() is False
        s = scrape(exporter.text())
        assert value(s, "pinecone_imports_listing_success", **index) == 0
        assert value(s, "pinecone_imports_listing_timestamp_seconds", **index) == before
        assert value(s, "pinecone_imports", status="Failed", **index) == 3  # the last good
        assert exporter.refresh() is True
    assert value(scrape(exporter.text()), "pinecone_imports_listing_success", **index) == 1
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and "HTTP 401" in warned[0]  # once per run of failures
    assert any("succeeded again" in r.getMessage() for r in caplog.records)
    assert KEY not in caplog.text and KEY not in exporter.text()


def test_a_wrong_key_shows_as_a_failed_listing_from_the_start(emu: Emulator) -> None:
    wrong = "pcsk_wrong-Key-0000000000"
    conn = pif.Connection.resolve(emu.url, api_key=wrong, max_retries=0)
    exporter = ImportsExporter(connection=conn)
    assert exporter.refresh() is False
    text = exporter.text()
    s = scrape(text)
    assert value(s, "pinecone_imports_listing_success", index_host=emu.address) == 0
    assert value(s, "pinecone_imports", status="Failed") is None  # nothing listed yet
    assert wrong not in text


def test_a_project_shows_every_index_and_each_ones_failure(
    imports_project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    conn = pif.Connection.resolve(
        api_key=imports_project.api_key, controller_host=imports_project.control.url, max_retries=0
    )
    exporter = ImportsExporter(connection=conn, all_indexes=True, max_workers=2)
    imports_project["prod-recs"].inject("status", status=403)
    assert exporter.refresh() is False
    s = scrape(exporter.text())
    success = {
        dict(ls)["index_name"]: v
        for (n, ls), v in s.items()
        if n == "pinecone_imports_listing_success"
    }
    # Serving indexes only (not ready and pod-based ones are skipped); an empty one counts.
    assert success == {"prod-search": 1, "prod-recs": 0, "staging-search": 1, "dev-empty": 1}
    assert value(s, "pinecone_imports", index_name="dev-empty", status="Completed") == 0
    host = imports_project["prod-search"].address
    assert value(s, "pinecone_imports_listing_success", index_host=host) == 1
    # The control plane down: its own series says so; the indexes known are still listed.
    imports_project.control.inject("status", status=401, path="/indexes")
    assert exporter.refresh() is False
    s = scrape(exporter.text())
    assert {v for (n, _), v in s.items() if n == "pinecone_imports_listing_success"} == {1}
    assert s[("pinecone_imports_control_plane_success", frozenset())] == 0
    # Patterns choose among them.
    chosen = ImportsExporter(connection=conn, all_indexes=True, indexes=["prod-*"])
    chosen.refresh()
    s = scrape(chosen.text())
    assert {dict(ls)["index_name"] for (n, ls) in s if n == "pinecone_imports_listing_success"} == {
        "prod-search", "prod-recs"
    }  # fmt: skip


def test_a_control_plane_down_from_the_start_still_alerts(imports_project: Project) -> None:
    imports_project.control.inject("status", status=401, path="/indexes")
    conn = pif.Connection.resolve(
        api_key=imports_project.api_key, controller_host=imports_project.control.url
    )
    exporter = ImportsExporter(connection=conn, all_indexes=True)
    assert exporter.refresh() is False
    samples = scrape(exporter.text())
    assert samples[("pinecone_imports_listing_success", frozenset())] == 0


def test_bad_arguments_are_refused_before_any_request() -> None:
    conn = pif.Connection.resolve(api_key=KEY)
    with pytest.raises(pif.ConfigurationError, match="no index to list"):
        ImportsExporter(connection=conn)
    with pytest.raises(pif.ConfigurationError, match="add all_indexes"):
        ImportsExporter(connection=conn, indexes="prod-*")
    with pytest.raises(pif.ConfigurationError, match="window"):
        ImportsExporter(connection=conn, all_indexes=True, window="90")
    with pytest.raises(pif.ConfigurationError, match="Connection"):
        ImportsExporter(connection=KEY)  # type: ignore[arg-type]


def test_the_textfile_is_written_whole(emu: Emulator, tmp_path: Path) -> None:
    exporter = exporter_for(emu)
    exporter.refresh()
    path = tmp_path / "pinecone_imports.prom"
    path.write_text("stale content\n")
    exporter.write_textfile(path)
    assert path.read_text() == exporter.text()
    assert os.listdir(tmp_path) == ["pinecone_imports.prom"]  # no temporary file left


def test_the_schedule_lists_every_interval_on_a_fake_clock(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTime(emu)
    monkeypatch.setattr(_exporter, "_clock", fake.clock)
    monkeypatch.setattr(_exporter, "_sleep", fake.sleep)
    exporter = exporter_for(emu)
    assert exporter.run(interval="5m", max_listings=4) == 4
    assert fake.sleeps == [300.0] * 3
    s = scrape(exporter.text())
    assert abs(value(s, "pinecone_import_seconds_since_progress", import_id="stuck") - 900) <= 2
    stop = threading.Event()
    stop.set()
    assert exporter.run(interval="5m", stop=stop) == 0  # stopped: no further listing


def test_a_scrape_never_waits_on_a_listing(emu: Emulator) -> None:
    # Real time is the point: a listing that takes a second, a scrape during it.
    exporter = exporter_for(emu)
    exporter.refresh()
    server = exporter.serve(port=0)
    try:
        assert server.url == f"http://127.0.0.1:{server.port}/metrics"
        emu.set_latency(1.0)
        listing = threading.Thread(target=exporter.refresh)
        listing.start()
        time.sleep(0.2)
        started = time.perf_counter()
        with urllib.request.urlopen(server.url, timeout=5) as response:
            body = response.read().decode()
        took = time.perf_counter() - started
        assert listing.is_alive()  # the listing was still waiting on the emulator
        listing.join(timeout=10)
    finally:
        server.close()
    assert took < 0.5
    assert "pinecone_imports_listing_success" in body and KEY not in body


def test_metrics_textfile_command_for_cron(emu: Emulator, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "imports.prom"
    argv = ["metrics", "--host", emu.url, "--api-key", KEY, "--textfile", str(path)]
    assert main(argv) == 0
    s = scrape(path.read_text())
    assert value(s, "pinecone_imports_listing_success", index_host=emu.address) == 1
    assert capsys.readouterr().out == ""  # cron mails what a job prints: nothing when fine
    # A failed listing: the file says so, and the exit code too.
    emu.inject("status", status=401)
    assert main([*argv, "--max-retries", "0"]) == 1
    s = scrape(path.read_text())
    assert value(s, "pinecone_imports_listing_success", index_host=emu.address) == 0
    err = capsys.readouterr().err
    assert "a listing failed" in err and KEY not in err


def exit_code(argv: list[str]) -> int:
    """``main``'s exit code, argparse's own exits (bad arguments) included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_metrics_command_arguments_are_checked(capsys: Any) -> None:
    assert exit_code(["metrics", "--api-key", KEY, "--port", "70000"]) == 2
    assert exit_code(["metrics", "--api-key", KEY, "--indexes", "prod-*"]) == 2
    assert exit_code(["metrics", "--api-key", KEY, "--interval", "0.1"]) == 2
    assert exit_code(["metrics", "--api-key", KEY, "--window", "90"]) == 2
    assert exit_code(["metrics", "--api-key", KEY]) == 2  # no index: nothing to list
    assert KEY not in capsys.readouterr().err


def test_metrics_command_serves_until_sigterm(tmp_path: Path) -> None:
    # The command as a service runs it: a process of its own, stopped by SIGTERM.
    with Emulator(records=records(), api_key=KEY) as emu:
        err = tmp_path / "stderr"
        with err.open("w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pinecone_imports_frame", "metrics", "--host", emu.url,
                 "--interval", "1", "--port", "0"],
                stdout=subprocess.PIPE, stderr=stderr, text=True,
                env={**os.environ, "PINECONE_API_KEY": KEY},
            )  # fmt: skip
            try:
                assert proc.stdout is not None
                line = proc.stdout.readline()
                assert line.startswith("serving http://127.0.0.1:"), line
                url = line.split()[1]
                deadline = time.monotonic() + 20
                body = ""
                while "pinecone_imports_listing_success" not in body:
                    assert time.monotonic() < deadline, body
                    with urllib.request.urlopen(url, timeout=5) as response:
                        body = response.read().decode()
                    time.sleep(0.1)
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=10) == 0
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        assert KEY not in body and KEY not in err.read_text()
        assert value(scrape(body), "pinecone_imports", status="Failed") == 3


def test_the_pinecone_imports_alone_do_not_need_prometheus_client() -> None:
    # pif.check_imports and the CLI's parser work without the [metrics] extra.
    code = (
        "import sys; sys.modules['prometheus_client'] = None\n"
        "import pinecone_imports_frame as pif\n"
        "from pinecone_imports_frame.cli import build_parser, main\n"
        "build_parser(); print(callable(pif.check_imports))\n"
        "print(main(['metrics', '--api-key', 'k', '--host', '127.0.0.1:1']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.split() == ["True", "2"], proc.stderr
    assert "pip install 'pinecone-imports-frame[metrics]'" in proc.stderr
    assert "pip install -e '.[metrics]'" in proc.stderr  # what works from a checkout


def test_an_index_given_by_name_is_labelled_with_its_name_and_host() -> None:
    indexes = [IndexConfig("prod-search", records=records())]
    with Project(indexes=indexes, now=NOW, api_key=KEY) as project:
        conn = pif.Connection.resolve(
            api_key=KEY, index_name="prod-search", controller_host=project.control.url
        )
        exporter = ImportsExporter(connection=conn)
        exporter.refresh()
        s = scrape(exporter.text())
        host = project["prod-search"].address
    labels = {"index_name": "prod-search", "index_host": host}
    assert value(s, "pinecone_imports_listing_success", **labels) == 1


def test_a_listing_the_exporter_cannot_read_is_a_failed_one_and_it_goes_on(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Whatever a server sends, the exporter keeps serving: a listing it cannot turn into
    # metrics is shown as failed (and alerts), with the traceback in its log.
    exporter = exporter_for(emu)
    exporter.refresh()

    def broken(frame: Any) -> Any:
        raise RuntimeError("a listing nobody foresaw")

    monkeypatch.setattr(trends, "failed_imports", broken)
    emu.advance("1m")
    with caplog.at_level(logging.WARNING, logger="pinecone_imports_frame"):
        for index in exporter._indexes.values():
            index.failed_key = None  # the failed imports must be read again
        assert exporter.refresh() is False
    s = scrape(exporter.text())
    assert value(s, "pinecone_imports_listing_success", index_name="docs") == 0
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "failed unexpectedly, a bug to report" in record.getMessage()
    assert "a listing nobody foresaw" in record.getMessage()
    monkeypatch.undo()
    assert exporter.refresh() is True


def test_a_pending_import_shows_how_long_it_has_waited(emu: Emulator) -> None:
    """An import stuck in Pending had no series: check reported it, no alert could."""
    exporter = exporter_for(emu)
    exporter.refresh()
    s = scrape(exporter.text())
    # "waiting" was created 5 minutes before the listing; the others are not Pending.
    assert names(s, "pinecone_import_pending_seconds") == {"waiting"}
    assert abs(value(s, "pinecone_import_pending_seconds", import_id="waiting") - 300) <= 2
    emu.advance("2h")  # by Pinecone's clock: past PineconeImportPendingTooLong's 2h
    exporter.refresh()
    s = scrape(exporter.text())
    assert abs(value(s, "pinecone_import_pending_seconds", import_id="waiting") - 7500) <= 2
