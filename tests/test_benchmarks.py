"""``benchmarks/run.py --quick`` runs every section and reports them (timings are not checked)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pinecone")  # the SDK path is one of the compared paths

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
SECTIONS = (
    "drain", "latency", "convert", "lake", "lake_month", "fleet", "emulator", "trends",
    "monitoring", "year",
)  # fmt: skip


@pytest.mark.slow
def test_quick_benchmark_runs_every_section(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]

    text = proc.stdout
    assert "| target | goal | measured | status |" in text
    for title in (
        "## 1. Drain",
        "## 2. Latency",
        "## 3. Conversion",
        "## 4. The lake",
        "## 5. The fleet",
        "## 6. Emulator",
        "## 7. Trends at scale",
        "## 8. The exporter",
        "## 9. A year of a fleet",
    ):
        assert title in text

    results = json.loads(out.read_text())
    assert results["mode"] == "quick"
    assert set(SECTIONS) <= set(results["sections"])
    assert {"cpu", "cores", "python", "pandas", "pyarrow"} <= set(results["machine"])
    assert results["targets"] and all({"name", "met"} <= set(t) for t in results["targets"])

    sections = results["sections"]
    for size in sections["drain"]["sizes"].values():
        for path in ("project", "sdk", "naive"):
            assert "error" not in size[path], size[path]
            assert {"wall_s", "cpu_s", "peak_rss_mb"} <= set(size[path])
        assert size["verify"]["sdk"]["ids_equal"] and size["verify"]["naive"]["ids_equal"]
    for path in ("project", "sdk", "naive"):
        assert "wall_s" in sections["latency"]["paths"][path]
    assert sections["convert"]["verify"]["ids_equal"]
    assert "skipped" in sections["lake"] or sections["lake"]["same_ids"]
    month = sections["lake_month"]
    assert "skipped" in month or (
        month["same_frame_after_compaction"] and month["files_after"] < month["files"]
    )
    assert sections["emulator"]["pages"] > 0
    fleet = sections["fleet"]
    assert fleet["rows"] == fleet["indexes"] * 200  # every index of the quick project drained
    assert fleet["fleet_s"] > 0 and fleet["sequential_loop_s"] > fleet["fleet_s"]
    trends = sections["trends"]
    assert trends["rows"] > 10_000 and trends["listings"] > 1
    assert set(trends["functions"]) >= {"latest", "estimate_completion", "failures", "summary"}
    assert all(f["result_rows"] >= 0 and f["seconds"] >= 0 for f in trends["functions"].values())
    exporter = sections["monitoring"]["sizes"]["1000"]
    assert exporter["rows"] == 1000 and exporter["series"] > 0
    assert exporter["cpu_ms"]["exporter"] > 0 and exporter["cpu_ms"]["drain"] > 0
    assert any(t["name"].startswith("exporter at 1,000 imports") for t in results["targets"])
    year = sections["year"]
    assert year["build"]["listing_rows"] > 20 * year["read"]["runs"]  # runs, not listings
    assert year["read"]["finished"] > 0 and year["month_read"]["rows"] > 0
    assert any(t["name"].startswith("year of a fleet") for t in results["targets"])
