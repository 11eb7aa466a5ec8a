"""The shipped rules and dashboard, checked by Prometheus' own tools and by a real Prometheus.

``promtool check rules``, the rules' unit tests (``promtool test rules``, and a broken
threshold that they catch), ``promtool check metrics`` on a scrape; then Debian's
``prometheus`` on 127.0.0.1 scraping ``pinecone-imports metrics`` against an emulator
whose simulated clock runs 1,800 times faster, with the shipped rules: the alerts of a
failed import, a retry trap, a stall and a long indexing fire within a few evaluation
intervals, and every query of the dashboard runs. Skipped, saying why, without the
binaries (``.ci/run`` installs them: ``apt-get install prometheus``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame import monitoring
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.monitoring import ImportsExporter
from pinecone_imports_frame.monitoring._metrics import PROJECT_METRICS

pytest.importorskip("prometheus_client")

KEY = "pcsk_prometheus-Secret-4b8e2a"
PROMTOOL = shutil.which("promtool")
PROMETHEUS = shutil.which("prometheus")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool is not installed (Debian's prometheus package: apt-get install prometheus)",
)
needs_prometheus = pytest.mark.skipif(
    PROMETHEUS is None,
    reason="prometheus is not installed (Debian's prometheus package: apt-get install prometheus)",
)


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def records(now: datetime) -> list[dict[str, Any]]:
    """Imports that failed (one retried into the trap), stall at 40 %, index at 100 %."""
    h = timedelta(hours=1)
    return [
        {"id": "first", "uri": "s3://b/docs/", "status": "Failed", "createdAt": ts(now - 3 * h),
         "finishedAt": ts(now - 2 * h), "error": "Exceeds system limit"},
        {"id": "retry", "uri": "s3://b/docs/", "status": "Failed", "createdAt": ts(now - h),
         "finishedAt": ts(now - h / 6), "error": 'User error: The namespace "docs" already '
         "exists. Imports are only allowed into nonexistent namespaces."},
        {"id": "stuck", "uri": "s3://b/stuck/", "status": "InProgress", "createdAt": ts(now - h),
         "percentComplete": 40.0, "recordsImported": 4000},
        {"id": "indexing", "uri": "s3://b/idx/", "status": "InProgress",
         "createdAt": ts(now - h), "percentComplete": 100.0, "recordsImported": 9000},
        {"id": "done", "uri": "s3://b/done/", "status": "Completed", "createdAt": ts(now - 2 * h),
         "finishedAt": ts(now - h), "percentComplete": 100.0, "recordsImported": 1000},
    ]  # fmt: skip


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> Any:
    return subprocess.run(
        list(args), input=stdin, capture_output=True, text=True, timeout=60, cwd=cwd
    )


# -- promtool ----------------------------------------------------------------------------------


@needs_promtool
def test_the_shipped_rules_pass_promtool_check_rules() -> None:
    assert PROMTOOL is not None
    proc = run(PROMTOOL, "check", "rules", str(monitoring.RULES))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS: 10 rules found" in proc.stdout


@needs_promtool
def test_the_rules_unit_tests_pass() -> None:
    assert PROMTOOL is not None
    proc = run(PROMTOOL, "test", "rules", str(monitoring.RULES_TEST))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


@needs_promtool
@pytest.mark.parametrize(
    ("rule", "broken"),
    [
        ("seconds_since_progress > 1800", "seconds_since_progress > 3600"),
        ("pinecone_import_indexing_seconds > 3600", "pinecone_import_indexing_seconds >= 3600"),
        ("pending_seconds > 7200", "pending_seconds >= 7200"),
        ("pending_seconds > 7200", "pending_seconds > 10800"),
        ("failures_total[15m]) > 0", "failures_total[15m]) > 1"),
        ("failures_total[15m])", "failures_total[5m])"),  # resolved too soon
        ("increase(pinecone_imports_failures_total[15m]) > 0", "pinecone_imports_failed > 0"),
        ("for: 5m", "for: 10m"),
        ("for: 2m", "for: 3m"),
        ('up{job="pinecone-imports"} == 0', 'up{job="pinecone_imports"} == 0'),
        ("control_plane_success == 0", "control_plane_success < 0"),
    ],
)  # fmt: skip
def test_the_rules_unit_tests_catch_a_broken_threshold(
    tmp_path: Path, rule: str, broken: str
) -> None:
    # Unit tests that pass whatever the rules say would prove nothing.
    assert PROMTOOL is not None
    text = monitoring.RULES.read_text()
    assert rule in text
    (tmp_path / "rules.yml").write_text(text.replace(rule, broken))
    shutil.copy(monitoring.RULES_TEST, tmp_path / "rules_test.yml")
    proc = run(PROMTOOL, "test", "rules", "rules_test.yml", cwd=tmp_path)
    assert proc.returncode != 0, proc.stdout


@needs_promtool
def test_a_scrape_passes_promtool_check_metrics() -> None:
    assert PROMTOOL is not None
    busy = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)  # several imports load at once
    with Emulator(imports=8000, seed=11, now=busy, api_key=KEY, index_name="docs") as emu:
        conn = pif.Connection.resolve(emu.url, api_key=KEY, index_name="docs")
        exporter = ImportsExporter(connection=conn)
        for _ in range(3):
            exporter.refresh()
            emu.advance("3m")
        started = urllib.request.Request(
            emu.url + "/bulk/imports", data=b'{"uri": "s3://b/new/"}', method="POST",
            headers={"Api-Key": KEY, "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(started, timeout=10):  # a Pending import, listed
            pass
        exporter.refresh()
        text = exporter.text()
    # Every metric is there with samples, and promtool finds no problem (it prints each).
    for name in monitoring.METRICS:
        assert re.search(rf"^{name}{{", text, re.M), name
    proc = run(PROMTOOL, "check", "metrics", stdin=text)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stdout


# -- a real Prometheus ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read())


class Prometheus:
    """Debian's prometheus on 127.0.0.1, scraping one target every second."""

    def __init__(self, tmp: Path, target: str) -> None:
        assert PROMETHEUS is not None
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = tmp / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files:\n  - {monitoring.RULES}\n"
            "scrape_configs:\n  - job_name: pinecone-imports\n"
            f"    static_configs:\n      - targets: ['{target}']\n"
        )
        self.log = tmp / "prometheus.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.2)

    def query(self, expr: str) -> Any:
        body = get_json(self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        assert body["status"] == "success", (expr, body)
        return body["data"]["result"]

    def alerts(self) -> list[dict[str, Any]]:
        return list(get_json(self.url + "/api/v1/alerts")["data"]["alerts"])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def exporter_process(tmp_path: Path) -> Iterator[tuple[Emulator, str]]:
    """``pinecone-imports metrics`` (a process of its own) listing an emulator at 1,800x."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with Emulator(records=records(now), now=now, speed=1800, api_key=KEY) as emu:
        err = tmp_path / "exporter.log"
        with err.open("w") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pinecone_imports_frame", "metrics", "--host", emu.url,
                 "--index-name", "docs", "--interval", "1", "--window", "7d", "--port", "0"],
                stdout=subprocess.PIPE, stderr=stderr, text=True,
                env={**os.environ, "PINECONE_API_KEY": KEY},
            )  # fmt: skip
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("serving http://127.0.0.1:"), (line, err.read_text())
            yield emu, urllib.parse.urlsplit(line.split()[1]).netloc
        finally:
            proc.terminate()
            assert proc.wait(timeout=20) == 0
            assert KEY not in err.read_text()


# Not PineconeImportFailed: the failures were there at the exporter's first listing (a
# restart's), so its counter does not rise (test_monitoring_failures: a new one counts).
FIRING = {
    ("PineconeImportRetryTrap", None),
    ("PineconeImportStalled", "stuck"),
    ("PineconeImportIndexingTooLong", "indexing"),
}


def _key(alert: dict[str, Any]) -> tuple[str, str | None]:
    labels = alert["labels"]
    return labels["alertname"], labels.get("error_category") or labels.get("import_id")


@pytest.mark.slow
@needs_prometheus
def test_a_real_prometheus_scrapes_the_exporter_and_the_rules_fire(
    exporter_process: tuple[Emulator, str], tmp_path: Path
) -> None:
    emu, target = exporter_process
    prometheus = Prometheus(tmp_path, target)
    try:
        deadline = time.monotonic() + 60
        while True:
            firing = {_key(a) for a in prometheus.alerts() if a["state"] == "firing"}
            if firing >= FIRING:
                break
            assert time.monotonic() < deadline, (firing, prometheus.log.read_text())
            time.sleep(0.25)
        # Nothing else fires: the exporter lists fine and the metrics are fresh; the
        # failures listed from the start are in the gauge, and page no one.
        assert {name for name, _ in firing} == {name for name, _ in FIRING}
        assert prometheus.query('pinecone_imports_failed{error_category="system_limit"} > 0')
        counter = prometheus.query('pinecone_imports_failures_total{error_category="system_limit"}')
        assert [r["value"][1] for r in counter] == ["0"]

        # The series, as Prometheus stored them, with the index's labels.
        (stuck,) = prometheus.query('pinecone_import_percent_complete{import_id="stuck"}')
        assert stuck["metric"]["index_name"] == "docs"
        assert stuck["metric"]["index_host"] == emu.address
        assert float(stuck["value"][1]) == 40.0
        (stalled,) = prometheus.query("pinecone_import_seconds_since_progress")
        assert float(stalled["value"][1]) > 1800
        (success,) = prometheus.query("pinecone_imports_listing_success")
        assert success["value"][1] == "1"
        statuses = {
            r["metric"]["status"]: r["value"][1] for r in prometheus.query("pinecone_imports")
        }
        assert statuses == {"Pending": "0", "InProgress": "2", "Completed": "1", "Failed": "2",
                            "Cancelled": "0"}  # fmt: skip
        # No label of any series holds the key.
        every = prometheus.query('{__name__=~"pinecone_.+"}')
        assert every and all(KEY not in json.dumps(r["metric"]) for r in every)

        # Every query of the dashboard runs, and its panels have something to show.
        for expr, panel in dashboard_queries():
            result = prometheus.query(expr.replace("$index_name", ".*"))
            if "eta_seconds" not in expr and "records_per_second" not in expr:  # no rate here
                assert result, (panel, expr)
    finally:
        prometheus.stop()


def dashboard_queries() -> list[tuple[str, str]]:
    board = json.loads(monitoring.DASHBOARD.read_text())
    return [(t["expr"], p["title"]) for p in board["panels"] for t in p["targets"]]


def test_the_dashboard_is_a_grafana_dashboard_of_the_exporters_metrics() -> None:
    board = json.loads(monitoring.DASHBOARD.read_text())
    assert board["uid"] == "pinecone-imports" and board["schemaVersion"] >= 36
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"] for v in board["templating"]["list"]}
    assert variables == {"datasource", "index_name"}
    used = set()
    for expr, _ in dashboard_queries():
        used |= set(re.findall(r"\bpinecone_[a-z_]+", expr))
    assert used <= set(monitoring.METRICS)
    # The report's picture: statuses, running imports, failures, throughput, the listings.
    report = {"pinecone_imports", "pinecone_import_percent_complete", "pinecone_imports_failed",
              "pinecone_import_eta_seconds", "pinecone_import_records_per_second",
              "pinecone_imports_listing_success"}  # fmt: skip
    assert report <= used


def test_the_readme_tables_name_every_metric_and_alert() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    metrics = re.findall(r"^\| `(pinecone_[a-z_]+)` \|", readme, re.M)
    assert metrics == [*monitoring.METRICS, *PROJECT_METRICS]
    alerts = re.findall(r"^\| `(Pinecone[A-Za-z]+)` \|", readme, re.M)
    assert alerts == re.findall(r"^ +- alert: (\w+)$", monitoring.RULES.read_text(), re.M)
