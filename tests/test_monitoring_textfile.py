"""``pinecone-imports metrics --textfile`` from cron: each run a process, one memory between them.

The runs go through the command (``main``) against the emulator over sockets, its clock
advanced between them (no test sleeps), beside a long-running ``ImportsExporter`` that
lists at the same moments: the textfile shows what the exporter would (time without
progress, indexing time, rates and ETAs), keeps the last figures when a listing fails,
and its state file is written atomically, bounded, and refused with a warning (a fresh
start, never a traceback) when it cannot be used.
"""

from __future__ import annotations

import errno
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator, Project
from pinecone_imports_frame.monitoring import ImportsExporter

pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
KEY = "pcsk_textfile-Secret-51c0de"
PER_IMPORT = (
    "pinecone_import_percent_complete",
    "pinecone_import_eta_seconds",
    "pinecone_import_records_per_second",
    "pinecone_import_indexing_seconds",
    "pinecone_import_seconds_since_progress",
    "pinecone_import_records_imported",
    "pinecone_import_validation_errors",
)
LISTED = "pinecone_imports_listing_success"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def records() -> list[dict[str, Any]]:
    """A stalled import, one indexing, one waiting, two failures within the day."""
    h = timedelta(hours=1)
    return [
        {"id": "stall-1", "uri": "s3://b/s/", "status": "InProgress", "createdAt": ts(NOW - h),
         "percentComplete": 40.0, "recordsImported": 4000},
        {"id": "index-1", "uri": "s3://b/i/", "status": "InProgress", "createdAt": ts(NOW - h),
         "percentComplete": 100.0, "recordsImported": 9000},
        {"id": "wait-1", "uri": "s3://b/w/", "status": "Pending", "createdAt": ts(NOW - h / 12)},
        {"id": "fail-1", "uri": "s3://b/f/", "status": "Failed", "createdAt": ts(NOW - 3 * h),
         "finishedAt": ts(NOW - 2 * h), "error": "Exceeds system limit"},
        {"id": "fail-2", "uri": "s3://b/g/", "status": "Failed", "createdAt": ts(NOW - 3 * h),
         "finishedAt": ts(NOW - h), "error": 'No Parquet files found under "s3://b/g/"'},
    ]  # fmt: skip


def scrape(text: str) -> Samples:
    """Every sample of an exposition by (name, labels), empty labels dropped as Prometheus does."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset((k, v) for k, v in s.labels.items() if v != ""))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float | None:
    found = [v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls)]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else None


def per_import(samples: Samples) -> Samples:
    return {k: v for k, v in samples.items() if k[0] in PER_IMPORT}


def running_ids(samples: Samples) -> set[str]:
    return {dict(ls)["import_id"] for n, ls in samples if n == "pinecone_import_percent_complete"}


@pytest.fixture
def emu() -> Any:
    with Emulator(records=records(), now=NOW, api_key=KEY, index_name="docs") as emulator:
        yield emulator


class Cron:
    """``metrics --textfile`` as cron runs it, beside a long-running exporter of the same index."""

    def __init__(self, emu: Emulator, folder: Path, *more: str) -> None:
        self.path = folder / "pinecone_imports.prom"
        self.state = folder / "pinecone_imports.prom.state.json"
        self.argv = ["metrics", "--host", emu.url, "--api-key", KEY, "--max-retries", "0"]
        self.argv += [*more, "--textfile", str(self.path)]
        conn = pif.Connection.resolve(emu.url, api_key=KEY, max_retries=0)
        self.exporter = ImportsExporter(connection=conn)

    def run(self) -> int:
        """One cron run, and a listing of the long-running exporter at the same moment."""
        self.exporter.refresh()
        return main(self.argv)

    def samples(self) -> Samples:
        return scrape(self.path.read_text())

    def running(self) -> Samples:
        return scrape(self.exporter.text())


def agree(mine: Samples, theirs: Samples) -> None:
    """The same series, the same values: times within 2 s (the Date header's whole seconds)."""
    assert mine.keys() == theirs.keys()
    for key, v in mine.items():
        assert v == pytest.approx(theirs[key], rel=0.01, abs=2), key


def test_cron_runs_show_stalls_and_indexing_as_the_running_exporter(
    emu: Emulator, tmp_path: Path
) -> None:
    """Each run was a fresh process: both wrote seconds_since_progress and indexing 0.0."""
    cron = Cron(emu, tmp_path)
    assert cron.run() == 0
    s = cron.samples()
    assert value(s, "pinecone_import_seconds_since_progress", import_id="stall-1") == 0
    emu.advance("31m")
    assert cron.run() == 0
    emu.advance("40m")
    assert cron.run() == 0
    s, theirs = cron.samples(), cron.running()
    # 71 minutes by the emulator's clock: what PineconeImportStalled/IndexingTooLong read.
    since = value(s, "pinecone_import_seconds_since_progress", import_id="stall-1")
    indexing = value(s, "pinecone_import_indexing_seconds", import_id="index-1")
    assert since is not None and abs(since - 4260) <= 2
    assert indexing is not None and abs(indexing - 4260) <= 2
    agree(per_import(s), per_import(theirs))


def test_cron_runs_measure_rates_and_etas_as_the_running_exporter(
    start_emulator: Any, tmp_path: Path
) -> None:
    """The ETA and records-per-second series were missing: no run saw two listings."""
    emu = start_emulator(imports=300, seed=3, now=NOW, api_key=KEY)
    cron = Cron(emu, tmp_path)
    for _ in range(3):
        assert cron.run() == 0
        emu.advance("5m")
    s = cron.samples()
    etas = [v for (n, _), v in s.items() if n == "pinecone_import_eta_seconds"]
    rates = [v for (n, _), v in s.items() if n == "pinecone_import_records_per_second"]
    assert etas and all(v > 0 for v in etas)
    assert rates and any(v > 0 for v in rates)
    agree(per_import(s), per_import(cron.running()))


def test_a_failed_run_keeps_the_last_figures(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The file held only listing_success 0 and the duration: PineconeImportFailed resolved."""
    cron = Cron(emu, tmp_path)
    assert cron.run() == 0
    emu.advance("10m")
    assert cron.run() == 0
    good = cron.samples()
    capsys.readouterr()
    emu.advance("5m")
    emu.inject("status", status=401)
    assert main(cron.argv) == 1
    failed = cron.samples()
    assert value(failed, "pinecone_imports_listing_success") == 0
    kept = {k: v for k, v in good.items() if not k[0].startswith("pinecone_imports_listing_")}
    assert {k: failed[k] for k in kept} == kept  # failures, statuses, running imports
    assert value(failed, "pinecone_imports_failed", error_category="system_limit") == 1
    assert value(failed, "pinecone_imports", status="InProgress") == 2
    stamp = "pinecone_imports_listing_timestamp_seconds"
    assert value(failed, stamp) == value(good, stamp)  # the last good listing's
    err = capsys.readouterr().err
    # Advice true of this mode: a run that exits does not list "at the next interval".
    assert "the last figures kept; the next listing tries again" in err
    assert "next interval" not in err
    assert "HTTP 401" in err and KEY not in err
    # The next good run goes on from the memory: 15 minutes without progress.
    assert cron.run() == 0
    s = cron.samples()
    assert value(s, "pinecone_imports_listing_success") == 1
    since = value(s, "pinecone_import_seconds_since_progress", import_id="stall-1")
    assert since is not None and abs(since - 900) <= 2


def test_a_control_plane_down_lists_the_indexes_known_on_their_hosts(
    imports_project: Project, tmp_path: Path
) -> None:
    conn = ["--api-key", imports_project.api_key, "--controller-host", imports_project.control.url]
    path = tmp_path / "project.prom"
    argv = ["metrics", "--all-indexes", *conn, "--max-retries", "0", "--textfile", str(path)]
    assert main(argv) == 0
    good = scrape(path.read_text())
    imports_project.control.inject("status", status=401, path="/indexes")
    assert main(argv) == 1
    failed = scrape(path.read_text())
    # As the running exporter: the control plane's series says the outage, and the indexes
    # known are listed on their hosts (which the state keeps), each one's figures shown.
    assert value(failed, "pinecone_imports_control_plane_success") == 0
    success = {dict(ls)["index_name"]: v for (n, ls), v in failed.items() if n == LISTED}
    assert success == {"prod-search": 1, "prod-recs": 1, "staging-search": 1, "dev-empty": 1}
    kept = {k: v for k, v in good.items() if not k[0].startswith("pinecone_imports_listing_")}
    assert kept and all(k in failed for k in kept)
    for key, v in kept.items():  # the same figures (times within the Date header's second)
        assert failed[key] == pytest.approx(v, abs=2), key


def test_the_state_file_is_written_atomically(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    cron = Cron(emu, tmp_path)
    assert cron.run() == 0
    assert sorted(os.listdir(tmp_path)) == [cron.path.name, cron.state.name]  # no temporary
    before = cron.state.read_bytes()
    capsys.readouterr()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)  # the disk fills while the state is written
    emu.advance("10m")
    assert main(cron.argv) == 1
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert str(cron.state) in err and "No space left" in err and ".tmp" not in err
    assert cron.state.read_bytes() == before  # the previous state, whole
    assert sorted(os.listdir(tmp_path)) == [cron.path.name, cron.state.name]
    assert value(cron.samples(), "pinecone_imports_listing_success") == 1  # written first


def test_the_state_file_is_bounded_to_what_runs(start_emulator: Any, tmp_path: Path) -> None:
    """Imports that left the listing are dropped; ids as the .prom file writes them; no key."""
    emu = start_emulator(imports=300, seed=3, now=NOW, api_key=KEY)
    cron = Cron(emu, tmp_path)
    assert cron.run() == 0
    first = running_ids(cron.samples())
    ending = min(first, key=lambda i: emu.plan(i).finished_at)
    emu.advance(emu.plan(ending).finished_at - emu.now() + timedelta(hours=2))
    assert cron.run() == 0
    state = json.loads(cron.state.read_text())
    (index,) = state["indexes"]
    remembered = set(index["running"])
    now_running = running_ids(cron.samples())
    assert remembered == now_running and ending not in remembered
    assert {r["id"] for r in index["view"]["running"]} == now_running
    cutoff = int((emu.now() - timedelta(hours=1, minutes=5)).timestamp() * 1e6)
    for memory in index["running"].values():  # the samples of the last hour, at most
        assert all(t >= cutoff for t, _, _ in memory["samples"][:-2])
    assert KEY not in cron.state.read_text()


def test_hostile_ids_are_kept_as_the_textfile_shows_them(
    start_emulator: Any, tmp_path: Path
) -> None:
    evil = "evil\x1b[2J\u202e" + KEY + "x" * 200
    run = {"id": evil, "uri": "s3://b/e/", "status": "InProgress", "createdAt": ts(NOW),
           "percentComplete": 10.0, "recordsImported": 10}  # fmt: skip
    emu = start_emulator(records=[run], now=NOW, api_key=KEY)
    cron = Cron(emu, tmp_path)
    assert cron.run() == 0
    emu.advance("40m")
    assert cron.run() == 0
    text = cron.state.read_text()
    assert text.isascii() and text.isprintable() and KEY not in text and "\\u001b" not in text
    (shown,) = running_ids(cron.samples())
    assert set(json.loads(text)["indexes"][0]["running"]) == {shown}
    since = value(cron.samples(), "pinecone_import_seconds_since_progress", import_id=shown)
    assert since is not None and abs(since - 2400) <= 2


def _not_json(state: Path) -> None:
    state.write_bytes(b'{"kind": "pinecone-imports-frame/metrics-text')  # cut short


def _newer(state: Path) -> None:
    data = json.loads(state.read_text())
    state.write_text(json.dumps({**data, "version": 99}))


def _malformed(state: Path) -> None:
    data = json.loads(state.read_text())
    data["indexes"][0]["running"]["stall-1"]["progress_since"] = "yesterday"
    state.write_text(json.dumps(data))


def _hostile_label(state: Path) -> None:
    data = json.loads(state.read_text())
    data["indexes"][0]["view"]["running"][0]["id"] = "stall-1\x1b[2J"
    state.write_text(json.dumps(data))


def _another_listing(state: Path) -> None:
    data = json.loads(state.read_text())
    data["listing"]["index_host"] = "prod-search.svc.pinecone.io"
    state.write_text(json.dumps(data))


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        (_not_json, "is not JSON"),
        (
            _newer,
            "was written by a newer pinecone-imports-frame (state version 99; this one reads 2)",
        ),
        (_malformed, "is malformed"),
        (_hostile_label, "is malformed"),
        (_another_listing, "written for another listing"),
    ],
)
def test_an_unusable_state_file_is_said_and_replaced(
    emu: Emulator, tmp_path: Path, capsys: Any, spoil: Any, said: str
) -> None:
    cron = Cron(emu, tmp_path)
    assert main(cron.argv) == 0
    spoil(cron.state)
    capsys.readouterr()
    emu.advance("40m")
    assert main(cron.argv) == 0  # the metrics are written: only the memory starts afresh
    err = capsys.readouterr().err
    assert f"the state file {cron.state} " in err and said in err and "start afresh" in err
    assert "replaced after this run" in err and "Traceback" not in err
    since = value(cron.samples(), "pinecone_import_seconds_since_progress", import_id="stall-1")
    assert since == 0  # counted from this run's listing
    assert json.loads(cron.state.read_text())["version"] == 2  # replaced with a good one
    emu.advance("10m")
    assert main(cron.argv) == 0 and "state file" not in capsys.readouterr().err


def test_another_tools_file_is_left_alone(emu: Emulator, tmp_path: Path, capsys: Any) -> None:
    cron = Cron(emu, tmp_path)
    theirs = b'{"owner": "someone else", "version": 1}'
    cron.state.write_bytes(theirs)
    assert main(cron.argv) == 0
    err = capsys.readouterr().err
    assert "is not this exporter's" in err and "left as it is" in err
    assert cron.state.read_bytes() == theirs
    assert value(cron.samples(), "pinecone_imports_listing_success") == 1
    assert main(cron.argv) == 0  # said at every run, since nothing is remembered
    assert cron.state.read_bytes() == theirs
    assert "is not this exporter's" in capsys.readouterr().err
