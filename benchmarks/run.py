"""Benchmarks of pinecone-imports-frame: ``python benchmarks/run.py [--quick] [--json PATH]``.

Sections (all in one run, on the same data):

1. drain to a typed frame, each drain in a fresh process (start-up and imports included):
   ``read_imports`` (with orjson, and with the standard library's decoder) vs the official
   SDK + pandas by hand vs a ``requests`` loop + pandas; up to 1,000,000 imports in full
   mode;
2. the same drains with 20 ms of latency per request, against the floor pages x 20 ms;
3. ``to_frame`` alone on records in memory vs ``pd.DataFrame(records)`` + dtypes by hand;
4. the lake: ``write_snapshot``, ``read_snapshots`` (whole, and a date window) vs a loop of
   ``pd.read_parquet`` + ``pd.concat``; then a month of snapshots in 10,000 files:
   ``read_snapshots`` vs Polars' and DuckDB's own readers into pandas, before and after
   ``compact_snapshots`` (and its throughput in files per second);
5. the fleet: 20 indexes with 20 ms per request, concurrently vs one by one;
6. the emulator's own throughput, to show it is never what is measured;
7. every ``trends`` function on a synthetic history of 10 million rows (``_trends.py``);
8. the Prometheus exporter's CPU per listing against the drain alone (``_monitoring.py``);
9. a year of a fleet: 365 days of five-minute listings of 20 indexes (2.1 billion listing
   rows) as the lake ``compact_snapshots`` writes (a runs file per index and day), read
   whole with ``read_history`` and asked three trends, beside a month of one index through
   ``read_snapshots`` (``_year.py``; ``--only-year`` runs this section alone). Targets:
   lake <= 1 GB; read + three questions <= 30 s and <= 4 GB on 2 cores. Measured on a
   shared 2-core VM (benchmarks/README.md): 440 MB; 33 to 41 s wall, 31 to 33 CPU s at
   load 2.5 to 6.2 (not met there); 2.5 GB.

The emulator runs in its own process, so the CPU figures are the client's alone. Prints
Markdown tables (figures beside their targets) and writes JSON (``benchmarks/results.json``
by default).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PY = sys.executable
KEY = "bench-key"
SEED = 7
PATHS = ("project", "project_json", "sdk", "naive")
PATH_LABELS = {
    "project": "read_imports (this project)",
    "project_json": "read_imports, stdlib json (no [fast] extra)",
    "sdk": "official SDK list_imports + pandas by hand",
    "naive": "requests loop + json_normalize + pandas by hand",
}
LATENCY = 0.020

MODES: dict[str, dict[str, Any]] = {
    "full": {
        "sizes": [1_000, 10_000, 100_000, 1_000_000],
        "runs": 5,
        # A drain of a million imports takes 5 to 20 s a path: 3 paired runs there.
        "runs_at": {1_000_000: 3},
        "warmup": 1,
        "latency_imports": 10_000,
        "latency_runs": 3,
        "latency_warmup": 1,
        "convert_records": 1_000_000,
        "convert_runs": 3,
        "lake_snapshots": 1_000,
        "lake_per": 100,
        "lake_runs": 3,
        "month_files": 10_000,
        "month_per": 100,
        "month_runs": 3,
        "emulator_seconds": 3.0,
        "fleet_indexes": 20,
        "fleet_imports": 2_000,
        "fleet_runs": 3,
        "trends_rows": 10_000_000,
        "monitoring_runs": {1_000: 20, 10_000: 10, 100_000: 3},
        "year": {"hosts": 20, "days": 365, "every_s": 300, "visible": 1_000, "month_days": 30},
    },
    "quick": {
        "sizes": [1_000],
        "runs": 1,
        "warmup": 1,
        "latency_imports": 1_000,
        "latency_runs": 1,
        "latency_warmup": 0,
        "convert_records": 10_000,
        "convert_runs": 1,
        "lake_snapshots": 20,
        "lake_per": 100,
        "lake_runs": 1,
        "month_files": 60,
        "month_per": 20,
        "month_runs": 1,
        "emulator_seconds": 0.3,
        "fleet_indexes": 4,
        "fleet_imports": 200,
        "fleet_runs": 1,
        "trends_rows": 20_000,
        "monitoring_runs": {1_000: 3},
        "year": {"hosts": 2, "days": 3, "every_s": 1_800, "visible": 100, "month_days": 1},
    },
}


# --- processes ----------------------------------------------------------------------------


def _clock_ticks() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError):
        return 100


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a running process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _clock_ticks()


class Server:
    """The emulator in its own process (``_server.py``), latency settable through stdin."""

    def __init__(self, imports: int) -> None:
        self.imports = imports
        self.proc = subprocess.Popen(
            [PY, str(HERE / "_server.py"), str(imports), str(SEED), KEY],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=HERE,
        )
        self.url = ""

    def wait_ready(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http"):
            raise RuntimeError(f"emulator with {self.imports} imports did not start: {line!r}")
        self.url = line
        return line

    def set_latency(self, seconds: float) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"latency {seconds}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if answer != "ok":
            raise RuntimeError(f"emulator refused latency {seconds}: {answer!r}")

    def cpu(self) -> float | None:
        return process_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_child(args: list[str], server: Server | None = None) -> dict[str, Any]:
    """Run a child to completion; its wall time, CPU (user+sys) and peak RSS from wait4."""
    with tempfile.TemporaryFile() as err:
        server_cpu0 = server.cpu() if server else None
        t0 = time.perf_counter()
        proc = subprocess.Popen([PY, *args], stdout=subprocess.PIPE, stderr=err, cwd=HERE)
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        server_cpu1 = server.cpu() if server else None
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{stderr[-3000:]}")
    lines = out.decode().strip().splitlines()
    result: dict[str, Any] = {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "child": json.loads(lines[-1]) if lines else {},
    }
    if server_cpu0 is not None and server_cpu1 is not None:
        result["server_cpu_s"] = server_cpu1 - server_cpu0
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out = {k: _median(runs, k) for k in ("wall_s", "cpu_s", "user_s", "sys_s", "peak_rss_mb")}
    if all("server_cpu_s" in r for r in runs):
        out["server_cpu_s"] = _median(runs, "server_cpu_s")
    for k in ("imports_s", "drain_s"):
        if all(k in r["child"] for r in runs):
            out[f"child_{k}"] = statistics.median(r["child"][k] for r in runs)
    out["rows"] = runs[0]["child"].get("rows")
    out["runs"] = runs
    return out


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc) else ''}"


def drains(
    server: Server, *, runs: int, warmup: int, verify_dir: Path | None
) -> dict[str, dict[str, Any]]:
    """Each path drained ``warmup + runs`` times, interleaved; figures over the last ``runs``.

    With ``verify_dir`` the first warm-up run of each path also pickles its frame there.
    """
    collected: dict[str, list[dict[str, Any]]] = {p: [] for p in PATHS}
    errors: dict[str, str] = {}
    for rep in range(warmup + runs):
        for path in PATHS:
            if path in errors:
                continue
            args = [str(HERE / "_drain.py"), path, server.url, KEY]
            if verify_dir is not None and rep == 0:
                args.append(str(verify_dir / f"{path}.pickle"))
            try:
                result = run_child(args, server)
            except RuntimeError as exc:
                errors[path] = _error_text(exc)
                continue
            if rep >= warmup:
                collected[path].append(result)
    out: dict[str, dict[str, Any]] = {}
    for path in PATHS:
        out[path] = {"error": errors[path]} if path in errors else summarize(collected[path])
    return out


def verify_drains(verify_dir: Path) -> dict[str, Any]:
    import pandas as pd

    sys.path.insert(0, str(HERE))
    from _verify import compare, schema_mismatches

    frames = {}
    for path in PATHS:
        file = verify_dir / f"{path}.pickle"
        if file.exists():
            frames[path] = pd.read_pickle(file)
    if "project" not in frames:
        return {"equal": False, "note": "the project's path produced no frame"}
    reference = frames["project"]
    out: dict[str, Any] = {"project_schema_problems": schema_mismatches(reference)}
    others = [p for p in PATHS if p != "project"]
    for path in others:
        if path in frames:
            # The SDK drops validationResult (API 2026-07): it cannot fill those columns.
            blind = ("validation_successes", "validation_errors") if path == "sdk" else ()
            out[path] = compare(reference, frames[path], same_listing=False, cannot_have=blind)
    out["equal"] = not out["project_schema_problems"] and all(
        out[p]["equal"] for p in others if p in out
    )
    return out


# --- sections -----------------------------------------------------------------------------


def section_drain(servers: dict[int, Server], cfg: dict[str, Any]) -> dict[str, Any]:
    sizes: dict[str, Any] = {}
    for size in cfg["sizes"]:
        print(f"[drain] {size:,} imports ...", file=sys.stderr, flush=True)
        runs = cfg.get("runs_at", {}).get(size, cfg["runs"])
        with tempfile.TemporaryDirectory(prefix="pif-bench-verify-") as tmp:
            result: dict[str, Any] = drains(
                servers[size], runs=runs, warmup=cfg["warmup"], verify_dir=Path(tmp)
            )
            result["runs"] = runs
            result["verify"] = verify_drains(Path(tmp))
        sdk = result["sdk"]
        for path in PATHS:
            r = result[path]
            if "error" in r or "error" in sdk:
                continue
            r["cpu_vs_sdk"] = r["cpu_s"] / sdk["cpu_s"]
            r["rss_vs_sdk"] = r["peak_rss_mb"] / sdk["peak_rss_mb"]
            r["wall_vs_sdk"] = r["wall_s"] / sdk["wall_s"]
        sizes[str(size)] = result
    runs_at = {f"{k:,} imports": v for k, v in cfg.get("runs_at", {}).items()}
    # The client's CPU per page in one process (no start-up): where a drain's CPU goes.
    size = min((n for n in cfg["sizes"] if n >= 10_000), default=max(cfg["sizes"]))
    per_page = run_child([str(HERE / "_per_page.py"), servers[size].url, KEY, "3"])["child"]
    per_page["imports"] = size
    return {
        "page_size": 100,
        "runs": cfg["runs"],
        "runs_at": runs_at,
        "warmup": cfg["warmup"],
        "sizes": sizes,
        "per_page": per_page,
    }


def section_latency(server: Server, cfg: dict[str, Any]) -> dict[str, Any]:
    n = cfg["latency_imports"]
    pages = math.ceil(n / 100)
    floor = pages * LATENCY
    print(f"[latency] {n:,} imports, {LATENCY * 1000:.0f} ms/request ...", file=sys.stderr)
    server.set_latency(LATENCY)
    try:
        result: dict[str, Any] = drains(
            server, runs=cfg["latency_runs"], warmup=cfg["latency_warmup"], verify_dir=None
        )
    finally:
        server.set_latency(0.0)
    for path in PATHS:
        r = result[path]
        if "error" in r:
            continue
        r["overhead_above_floor_pct"] = (r["wall_s"] / floor - 1) * 100
        r["floor_plus_cpu_s"] = floor + r["cpu_s"]
        r["wall_vs_floor_plus_cpu"] = r["wall_s"] / (floor + r["cpu_s"])
    return {
        "imports": n,
        "pages": pages,
        "latency_s": LATENCY,
        "floor_s": floor,
        "runs": cfg["latency_runs"],
        "paths": result,
    }


def _child_json(args: list[str]) -> dict[str, Any]:
    result = run_child(args)
    data = result["child"]
    data["process"] = {k: result[k] for k in ("wall_s", "cpu_s", "peak_rss_mb")}
    return data


def _sections_child(section: str, *args: int) -> dict[str, Any]:
    """Run one section of ``_sections.py`` in a fresh process; return its JSON."""
    return _child_json([str(HERE / "_sections.py"), section, *map(str, args)])


def section_convert(cfg: dict[str, Any]) -> dict[str, Any]:
    n = cfg["convert_records"]
    print(f"[convert] to_frame on {n:,} records ...", file=sys.stderr, flush=True)
    return _sections_child("convert", n, cfg["convert_runs"])


def section_lake(cfg: dict[str, Any]) -> dict[str, Any]:
    print(f"[lake] {cfg['lake_snapshots']:,} snapshots ...", file=sys.stderr, flush=True)
    return _sections_child("lake", cfg["lake_snapshots"], cfg["lake_per"], cfg["lake_runs"])


def section_fleet(cfg: dict[str, Any]) -> dict[str, Any]:
    """A project of N indexes with 20 ms per request: the fleet vs each index alone."""
    n, imports = cfg["fleet_indexes"], cfg["fleet_imports"]
    print(f"[fleet] {n} indexes of {imports:,} imports ...", file=sys.stderr, flush=True)
    server = subprocess.Popen(
        [PY, str(HERE / "_fleet.py"), "serve", str(n), str(imports), str(LATENCY), KEY],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=HERE,
    )
    try:
        assert server.stdout is not None
        control = server.stdout.readline().strip()
        if not control.startswith("http"):
            raise RuntimeError(f"the emulated project did not start: {control!r}")
        result = run_child(
            [str(HERE / "_fleet.py"), "measure", control, KEY, str(n), str(cfg["fleet_runs"])]
        )
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)
    out: dict[str, Any] = dict(result["child"])
    out["latency_s"] = LATENCY
    out["fleet_vs_slowest"] = out["fleet_s"] / out["slowest_single_s"]
    out["loop_vs_fleet"] = out["sequential_loop_s"] / out["fleet_s"]
    return out


def section_lake_month(cfg: dict[str, Any]) -> dict[str, Any]:
    print(
        f"[lake] a month in {cfg['month_files']:,} files, before and after compaction ...",
        file=sys.stderr,
        flush=True,
    )
    return _sections_child("lake_month", cfg["month_files"], cfg["month_per"], cfg["month_runs"])


def section_trends(cfg: dict[str, Any]) -> dict[str, Any]:
    print(f"[trends] {cfg['trends_rows']:,} rows ...", file=sys.stderr, flush=True)
    return _child_json([str(HERE / "_trends.py"), str(cfg["trends_rows"])])


def section_year(cfg: dict[str, Any]) -> dict[str, Any]:
    """A year of a fleet as runs, read in a fresh process; a month through read_snapshots."""
    y = cfg["year"]
    print(
        f"[year] {y['hosts']} indexes x {y['days']} days of listings every {y['every_s']} s ...",
        file=sys.stderr,
        flush=True,
    )
    script = str(HERE / "_year.py")
    with tempfile.TemporaryDirectory(prefix="pif-year-") as tmp:
        lake, month = Path(tmp) / "year", Path(tmp) / "month"
        shape = [str(y["every_s"]), str(y["visible"])]
        build = _child_json([script, "build", str(lake), str(y["hosts"]), str(y["days"]), *shape])
        load = os.getloadavg()[0]
        read = _child_json([script, "read", str(lake)])
        load = max(load, os.getloadavg()[0])
        timeline = _child_json([script, "timeline", str(lake)])
        month_build = _child_json([script, "month", str(month), str(y["month_days"]), *shape])
        month_read = _child_json([script, "month_read", str(month)])
    return {
        **y,
        "build": build,
        "read": read,
        "load_average": round(load, 1),
        "timeline": timeline,
        "month": month_build,
        "month_read": month_read,
    }


def section_monitoring(servers: dict[int, Server], cfg: dict[str, Any]) -> dict[str, Any]:
    """The exporter against the drain alone, at each size of ``monitoring_runs``."""
    sizes: dict[str, Any] = {}
    for size, runs in cfg["monitoring_runs"].items():
        print(f"[monitoring] the exporter at {size:,} imports ...", file=sys.stderr, flush=True)
        sizes[str(size)] = _child_json(
            [str(HERE / "_monitoring.py"), servers[size].url, KEY, str(runs)]
        )
    return {"sizes": sizes}


def section_emulator(server: Server, seconds: float) -> dict[str, Any]:
    """Pages per second served to one keep-alive ``requests`` session, and server CPU/page."""
    import requests

    print(f"[emulator] throughput for {seconds:.1f} s ...", file=sys.stderr, flush=True)
    session = requests.Session()
    session.trust_env = False  # no proxy lookups per request: less client time per page
    session.headers["Api-Key"] = KEY
    url = server.url + "/bulk/imports"
    marker = b'"next":"'

    def one_listing() -> int:
        params: dict[str, Any] = {"limit": 100}
        pages = 0
        while True:
            body = session.get(url, params=params, timeout=30).content
            pages += 1
            at = body.rfind(marker)
            if at < 0:
                return pages
            params["paginationToken"] = body[at + len(marker) : body.index(b'"', at + 8)].decode()

    one_listing()  # warm-up
    pages = 0
    cpu0, t0 = server.cpu(), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        pages += one_listing()
    wall = time.perf_counter() - t0
    cpu1 = server.cpu()
    session.close()
    out: dict[str, Any] = {
        "imports": server.imports,
        "page_size": 100,
        "pages": pages,
        "seconds": wall,
        "pages_per_s": pages / wall,
        "raw_http_pages_per_s": _raw_http_pages_per_s(server, seconds / 2),
    }
    if cpu0 is not None and cpu1 is not None and cpu1 > cpu0:
        out["server_cpu_ms_per_page"] = (cpu1 - cpu0) * 1000 / pages
        out["server_capacity_pages_per_s"] = pages / (cpu1 - cpu0)
    return out


def _raw_http_pages_per_s(server: Server, seconds: float) -> float:
    """The same, to a bare ``http.client`` keep-alive connection (far less client time)."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    conn = http.client.HTTPConnection(urlsplit(server.url).netloc, timeout=30)
    headers = {"Api-Key": KEY}
    marker = b'"next":"'
    pages, token = 0, ""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        query = {"limit": 100, **({"paginationToken": token} if token else {})}
        conn.request("GET", "/bulk/imports?" + urlencode(query), headers=headers)
        body = conn.getresponse().read()
        pages += 1
        at = body.rfind(marker)
        token = body[at + len(marker) : body.index(b'"', at + 8)].decode() if at >= 0 else ""
    wall = time.perf_counter() - t0
    conn.close()
    return pages / wall


# --- machine, targets, tables -------------------------------------------------------------


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _load_average() -> list[float] | None:
    """The machine's 1, 5 and 15 minute load averages at the start (how shared it was)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (OSError, AttributeError):
        return None


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        found = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
        if found:
            cpu = found.group(1).strip()
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "pandas": _version("pandas"),
        "pyarrow": _version("pyarrow"),
        "pinecone_sdk": _version("pinecone"),
        "requests": _version("requests"),
        "urllib3": _version("urllib3"),
        "orjson": _version("orjson"),
        "load_average": _load_average(),
        "pinecone_imports_frame": _version("pinecone-imports-frame"),
        "platform": platform.platform(),
    }


def _target(name: str, text: str, value: str, met: bool | None) -> dict[str, Any]:
    return {"name": name, "target": text, "value": value, "met": met}


#: Drain targets (issue 12): imports -> (CPU, peak RSS) as fractions of the SDK path's.
#: Sizes not listed (the quick mode's) are held to the 100,000 figures.
DRAIN_TARGETS = {100_000: (0.55, 0.75), 1_000_000: (0.50, 0.50)}


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    sec = results["sections"]
    drain = sec["drain"]["sizes"]
    checked = [s for s in drain if int(s) in DRAIN_TARGETS] or [max(drain, key=int)]
    for size in checked:
        d = drain[size]
        at = f"at {int(size):,}"
        cpu_goal, rss_goal = DRAIN_TARGETS.get(int(size), DRAIN_TARGETS[100_000])
        p, s, n = d["project"], d["sdk"], d["naive"]
        if all("error" not in x for x in (p, s, n)):
            out.append(
                _target(
                    f"drain {at}: CPU vs SDK path",
                    f"<= {cpu_goal:.0%}",
                    f"{p['cpu_s'] / s['cpu_s']:.0%}",
                    p["cpu_s"] <= cpu_goal * s["cpu_s"],
                )
            )
            out.append(
                _target(
                    f"drain {at}: peak RSS vs SDK path",
                    f"<= {rss_goal:.0%}",
                    f"{p['peak_rss_mb'] / s['peak_rss_mb']:.0%}",
                    p["peak_rss_mb"] <= rss_goal * s["peak_rss_mb"],
                )
            )
            out.append(
                _target(
                    f"drain {at}: CPU vs naive path",
                    "<= 60 %",
                    f"{p['cpu_s'] / n['cpu_s']:.0%}",
                    p["cpu_s"] <= 0.6 * n["cpu_s"],
                )
            )
        else:
            out.append(_target(f"drain {at}", "all paths run", "a path failed", False))
        out.append(
            _target(
                f"drain {at}: same frame on every path",
                "equal",
                "equal" if d["verify"].get("equal") else "NOT equal",
                bool(d["verify"].get("equal")),
            )
        )
    lat = sec["latency"]
    lp = lat["paths"]["project"]
    if "error" not in lp:
        out.append(
            _target(
                f"latency ({lat['pages']} pages x {lat['latency_s'] * 1000:.0f} ms): wall",
                "<= 1.05 x (floor + client CPU)",
                f"{lp['wall_s']:.2f} s vs {lp['floor_plus_cpu_s']:.2f} s "
                f"({lp['wall_vs_floor_plus_cpu']:.2f}x)",
                lp["wall_vs_floor_plus_cpu"] <= 1.05,
            )
        )
    conv = sec["convert"]
    rps = conv["records_per_s"]["project"]
    out.append(
        _target(
            f"to_frame on {conv['records']:,} records",
            ">= 1,000,000 records/s",
            f"{rps:,.0f} records/s",
            rps >= 1_000_000,
        )
    )
    out.append(
        _target(
            "to_frame vs pandas by hand",
            ">= 3x",
            f"{conv['speedup_vs_by_hand']:.2f}x",
            conv["speedup_vs_by_hand"] >= 3,
        )
    )
    lake = sec["lake"]
    if "skipped" in lake:
        out.append(_target("read_snapshots vs loop", ">= 5x", "skipped", None))
    else:
        out.append(
            _target(
                f"read_snapshots ({lake['files']:,} files) vs read_parquet loop",
                ">= 5x",
                f"{lake['speedup_vs_loop']:.2f}x",
                lake["speedup_vs_loop"] >= 5,
            )
        )
        share, files = lake["window_time_share"], lake["window_file_share"]
        out.append(
            _target(
                "read_snapshots window: time share vs file share",
                f"<= 2 x file share ({2 * files:.0%})",
                f"{share:.0%} of the time for {files:.0%} of the files",
                share <= 2 * files,
            )
        )
    month = sec.get("lake_month", {})
    if "before_s" in month:
        others = min(month["before_s"]["polars"], month["before_s"]["duckdb"])
        out.append(
            _target(
                f"read_snapshots of a month, compacted, vs Polars/DuckDB on {month['files']:,} "
                "files",
                ">= 10x",
                f"{month['speedup_vs_fastest_other_uncompacted']:.1f}x "
                f"({month['after_s']['read_snapshots'] * 1000:.0f} ms vs {others * 1000:.0f} ms)",
                month["speedup_vs_fastest_other_uncompacted"] >= 10,
            )
        )
        out.append(
            _target(
                "read_snapshots after compaction: the same frame",
                "equal",
                "equal" if month["same_frame_after_compaction"] else "DIFFERENT",
                month["same_frame_after_compaction"],
            )
        )
    emu = sec["emulator"]
    out.append(
        _target(
            # The emulator's own rate: a bare http.client keep-alive client, whose cost per
            # request is a fraction of requests' (that column bounds the client, not us).
            "emulator pages/s (one keep-alive http.client client)",
            ">= 2,000 pages/s",
            f"{emu['raw_http_pages_per_s']:,.0f} pages/s",
            emu["raw_http_pages_per_s"] >= 2000,
        )
    )
    fleet = sec.get("fleet", {})
    if "fleet_s" in fleet:
        out.append(
            _target(
                f"fleet of {fleet['indexes']} indexes: wall vs slowest single index",
                "<= 1.3x",
                f"{fleet['fleet_vs_slowest']:.2f}x ({fleet['fleet_s']:.2f} s vs "
                f"{fleet['slowest_single_s']:.2f} s; sequential loop "
                f"{fleet['sequential_loop_s']:.2f} s)",
                fleet["fleet_vs_slowest"] <= 1.3,
            )
        )
    if "trends" in sec:
        from _trends import targets as trends_targets

        out += trends_targets(sec["trends"])
    if "monitoring" in sec:
        from _monitoring import targets as monitoring_targets

        out += monitoring_targets(sec["monitoring"])
    if "year" in sec:
        from _year import targets as year_targets

        out += year_targets(sec["year"])
    return out


def _met(value: bool | None) -> str:
    return "n/a" if value is None else ("met" if value else "**NOT met**")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _x(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    sec = results["sections"]
    parts = [
        f"# pinecone-imports-frame benchmarks ({results['mode']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores; Python {m['python']}, pandas {m['pandas']}, "
        f"pyarrow {m['pyarrow']}, pinecone SDK {m['pinecone_sdk']}, requests {m['requests']}, "
        f"urllib3 {m.get('urllib3')}, orjson {m.get('orjson')}; "
        f"pinecone-imports-frame {m['pinecone_imports_frame']}. "
        f"Load average at the start: {m.get('load_average')} on {m['cores']} cores. "
        f"Started {results['started']}, took {results['elapsed_s']:.0f} s.",
        "",
        "## Targets",
        "",
        _table(
            ["target", "goal", "measured", "status"],
            [[t["name"], t["target"], t["value"], _met(t["met"])] for t in results["targets"]],
        ),
    ]

    drain = sec["drain"]
    rows = []
    for size, d in drain["sizes"].items():
        for path in PATHS:
            r = d[path]
            if "error" in r:
                rows.append(
                    [f"{int(size):,}", PATH_LABELS[path], "error: " + r["error"]] + [""] * 6
                )
                continue
            rows.append(
                [
                    f"{int(size):,}",
                    PATH_LABELS[path],
                    f"{r['wall_s']:.2f}",
                    f"{r['cpu_s']:.2f}",
                    f"{r.get('child_imports_s', float('nan')):.2f}",
                    f"{r['peak_rss_mb']:.0f}",
                    _x(r.get("cpu_vs_sdk")),
                    _x(r.get("rss_vs_sdk")),
                    f"{r.get('server_cpu_s', float('nan')):.2f}",
                ]
            )
        v = d["verify"]
        verdict = (
            "equal"
            if v.get("equal")
            else "NOT equal: " + json.dumps({k: v[k] for k in v if k != "equal"})
        )
        rows.append(
            [f"{int(size):,}", f"frames of the {len(PATHS)} paths (ids, dtypes, values)", verdict]
            + [""] * 6
        )
    parts += [
        "",
        f"## 1. Drain to a typed frame (page size 100; fresh process each; median of "
        f"{drain['runs']} paired runs after {drain['warmup']} warm-up"
        + "".join(f"; {n} at {size}" for size, n in (drain.get("runs_at") or {}).items())
        + ")",
        "",
        _table(
            [
                "imports",
                "path",
                "wall s",
                "CPU s",
                "start-up+imports s",
                "peak RSS MB",
                "CPU vs SDK",
                "RSS vs SDK",
                "emulator CPU s",
            ],
            rows,
        ),
    ]
    pp = drain.get("per_page")
    if pp:
        parts += [
            "",
            f"The client's CPU per page of 100 imports ({pp['page_bytes']:,} bytes, one process, "
            f"{pp['imports']:,} imports drained 3 times): {pp['get_json_us']:.0f} us in "
            f"`get_json`, of which {pp['json_us']:.0f} us decoding JSON ({pp['json_backend']}) "
            f"and {pp['transport_us']:.0f} us the rest (urllib3, redaction, checks).",
        ]

    lat = sec["latency"]
    rows = []
    for path in PATHS:
        r = lat["paths"][path]
        if "error" in r:
            rows.append([PATH_LABELS[path], "error: " + r["error"], "", "", "", ""])
            continue
        rows.append(
            [
                PATH_LABELS[path],
                f"{r['wall_s']:.2f}",
                f"{r['cpu_s']:.2f}",
                f"{r['overhead_above_floor_pct']:+.0f} %",
                f"{r['floor_plus_cpu_s']:.2f}",
                f"{r['wall_vs_floor_plus_cpu']:.2f}x",
            ]
        )
    parts += [
        "",
        f"## 2. Latency: {lat['imports']:,} imports, {lat['pages']} pages, "
        f"{lat['latency_s'] * 1000:.0f} ms per request (floor {lat['floor_s']:.2f} s; "
        f"median of {lat['runs']})",
        "",
        _table(
            ["path", "wall s", "CPU s", "above floor", "floor + CPU s", "wall / (floor+CPU)"],
            rows,
        ),
    ]

    conv = sec["convert"]
    rows = [
        [
            "to_frame (this project)",
            f"{conv['seconds']['project']:.2f}",
            f"{conv['records_per_s']['project']:,.0f}",
            f"{conv['speedup_vs_by_hand']:.2f}x",
        ],
        [
            "pd.DataFrame(records) + dtypes by hand",
            f"{conv['seconds']['by_hand']:.2f}",
            f"{conv['records_per_s']['by_hand']:,.0f}",
            "1.00x",
        ],
    ]
    parts += [
        "",
        f"## 3. Conversion alone: {conv['records']:,} API records in memory "
        f"(median of {conv['runs']}; frames equal: {bool(conv['verify'].get('equal'))})",
        "",
        _table(["path", "seconds", "records/s", "speed-up"], rows),
    ]

    lake = sec["lake"]
    parts += ["", "## 4. The lake", ""]
    if "skipped" in lake:
        parts.append(f"Skipped: {lake['skipped']}")
    else:
        s = lake["seconds"]
        rows = [
            [
                f"read_snapshots, all {lake['files']:,} files",
                f"{s['read_snapshots'] * 1000:.0f}",
                f"{s['loop'] * 1000:.0f}",
                f"{lake['speedup_vs_loop']:.2f}x",
                f"{lake['rows']['read_snapshots']:,}",
            ],
            [
                f"read_snapshots since/until ({lake['files_selected']:,} files)",
                f"{s['read_snapshots_window'] * 1000:.0f}",
                f"{s['loop_window'] * 1000:.0f}",
                f"{lake['speedup_vs_loop_window']:.2f}x",
                f"{lake['rows']['read_snapshots_window']:,}",
            ],
        ]
        parts += [
            f"{lake['snapshots']:,} snapshots of {lake['imports_per_snapshot']} imports over "
            f"100 days; write_snapshot: median {lake['write_ms']['median']:.1f} ms, mean "
            f"{lake['write_ms']['mean']:.1f} ms per snapshot. Same rows and ids as the loop: "
            f"{lake['same_rows'] and lake['same_ids']}. Median of {lake['runs']}.",
            "",
            _table(
                ["read", "read_snapshots ms", "read_parquet loop + concat ms", "speed-up", "rows"],
                rows,
            ),
        ]

    month = sec.get("lake_month", {})
    if "before_s" in month:
        b, a = month["before_s"], month["after_s"]
        rows = [
            [
                reader,
                f"{b[key] * 1000:.0f}",
                f"{a[key] * 1000:.0f}",
                f"{month['rows_before'][key]:,}",
            ]
            for reader, key in (
                ("read_snapshots (typed frame, derived columns)", "read_snapshots"),
                ("Polars read_parquet(glob).to_pandas()", "polars"),
                ("DuckDB read_parquet(glob).df()", "duckdb"),
            )
        ]
        parts += [
            "",
            f"A month of snapshots ({month['files']:,} files of {month['imports_per_snapshot']} "
            f"imports, {month['rows']:,} rows), before and after `compact_snapshots` "
            f"({month['files']:,} files into {month['files_after']:,} in "
            f"{month['compact_s']:.1f} s: {month['compact_files_per_s']:,.0f} files/s). "
            f"read_snapshots returns the same frame after: "
            f"{month['same_frame_after_compaction']}. Median of {month['runs']}.",
            "",
            _table(["reader", f"{month['files']:,} files ms", "compacted ms", "rows"], rows),
        ]
    elif month:
        parts += ["", f"Month of snapshots: {month.get('skipped') or month.get('error')}"]

    fleet = sec.get("fleet", {})
    if "fleet_s" in fleet:
        parts += [
            "",
            f"## 5. The fleet ({fleet['indexes']} indexes of "
            f"{fleet['rows'] // max(fleet['indexes'], 1):,} imports, "
            f"{fleet['latency_s'] * 1000:.0f} ms per request, max_workers={fleet['workers']}; "
            f"median of {fleet['runs']})",
            "",
            _table(
                ["path", "wall s", "vs slowest single index"],
                [
                    [
                        "read_project_imports",
                        f"{fleet['fleet_s']:.2f}",
                        f"{fleet['fleet_vs_slowest']:.2f}x",
                    ],
                    [
                        "slowest single index (read_imports)",
                        f"{fleet['slowest_single_s']:.2f}",
                        "1.00x",
                    ],
                    [
                        "sequential loop over read_imports",
                        f"{fleet['sequential_loop_s']:.2f}",
                        f"{fleet['sequential_loop_s'] / fleet['slowest_single_s']:.2f}x",
                    ],
                ],
            ),
        ]
    elif fleet:
        parts += ["", "## 5. The fleet", "", f"failed: {fleet.get('error')}"]

    emu = sec["emulator"]
    rows = [
        [
            f"{emu['imports']:,} imports, 100 per page",
            f"{emu['pages_per_s']:,.0f}",
            f"{emu['raw_http_pages_per_s']:,.0f}",
            f"{emu.get('server_cpu_ms_per_page', float('nan')):.3f}",
            f"{emu.get('server_capacity_pages_per_s', float('nan')):,.0f}",
        ]
    ]
    parts += [
        "",
        "## 6. Emulator throughput (one keep-alive client; the emulator in its own process)",
        "",
        _table(
            [
                "listing",
                "pages/s to requests.Session",
                "pages/s to http.client",
                "emulator CPU ms/page",
                "emulator CPU-bound pages/s",
            ],
            rows,
        ),
        "",
        "The client's own per-request time bounds the first two columns; the last is what "
        "the emulator could serve if the client cost nothing.",
    ]
    if "trends" in sec:
        from _trends import markdown as trends_markdown

        parts += trends_markdown(sec["trends"])
    if "monitoring" in sec:
        from _monitoring import markdown as monitoring_markdown

        parts += monitoring_markdown(sec["monitoring"])
    if "year" in sec:
        from _year import markdown as year_markdown

        parts += year_markdown(sec["year"])
    return "\n".join(parts) + "\n"


# --- main ---------------------------------------------------------------------------------


def _guard(name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return fn()
    except Exception as exc:  # a broken section must not hide the others
        print(f"[{name}] failed: {exc}", file=sys.stderr, flush=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds")
    parser.add_argument(
        "--json",
        type=Path,
        default=HERE / "results.json",
        help="where to write the results (default benchmarks/results.json)",
    )
    parser.add_argument(
        "--only-year",
        action="store_true",
        help="run only section 9 (a year of a fleet) and print its targets and report",
    )
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    cfg = MODES[mode]
    if args.only_year:
        from _year import markdown as year_markdown
        from _year import targets as year_targets

        year = section_year(cfg)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"mode": mode, "year": year}, indent=2) + "\n")
        print("\n".join(year_markdown(year)))
        for t in year_targets(year):
            print(f"- {t['name']}: {t['value']} (target {t['target']}; met: {t['met']})")
        return 0
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()

    sizes = sorted({*cfg["sizes"], cfg["latency_imports"]})
    servers = {n: Server(n) for n in sizes}
    try:
        for server in servers.values():
            server.wait_ready()
        sections: dict[str, Any] = {}
        sections["drain"] = _guard("drain", lambda: section_drain(servers, cfg))
        sections["latency"] = _guard(
            "latency", lambda: section_latency(servers[cfg["latency_imports"]], cfg)
        )
        sections["convert"] = _guard("convert", lambda: section_convert(cfg))
        sections["lake"] = _guard("lake", lambda: section_lake(cfg))
        sections["lake_month"] = _guard("lake_month", lambda: section_lake_month(cfg))
        sections["fleet"] = _guard("fleet", lambda: section_fleet(cfg))
        sections["emulator"] = _guard(
            "emulator", lambda: section_emulator(servers[max(sizes)], cfg["emulator_seconds"])
        )
        sections["trends"] = _guard("trends", lambda: section_trends(cfg))
        sections["monitoring"] = _guard("monitoring", lambda: section_monitoring(servers, cfg))
        sections["year"] = _guard("year", lambda: section_year(cfg))
    finally:
        for server in servers.values():
            server.stop()

    results: dict[str, Any] = {
        "mode": mode,
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "config": cfg,
        "sections": sections,
    }
    results["targets"] = targets(results)
    results["elapsed_s"] = time.perf_counter() - t0
    text = markdown(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(text)
    print(f"JSON written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
