"""``pinecone-imports emulator``: its options, and the one-line errors for bad ones."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import requests

from pinecone_imports_frame.cli import main


def start(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "pinecone_imports_frame", "emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture
def running_clock() -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc = start("--speed", "86400", "--imports", "5", "--api-key", "k")
    try:
        assert proc.stdout is not None
        yield proc, proc.stdout.readline().strip()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_speed_runs_the_clock_the_date_header_shows(
    running_clock: tuple[subprocess.Popen[str], str],
) -> None:
    _, url = running_clock
    with requests.Session() as s:
        s.headers["Api-Key"] = "k"
        first = parsedate_to_datetime(s.get(url + "/bulk/imports", timeout=10).headers["Date"])
        # A simulated day per real second: polled (never slept) until an hour has passed.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            r = s.get(url + "/bulk/imports", timeout=10)
            if (parsedate_to_datetime(r.headers["Date"]) - first).total_seconds() > 3600:
                break
        else:
            raise AssertionError("the simulated clock did not run")
        assert r.status_code == 200


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--imports", "10000000000"], "--imports must be from 0 to 1000000"),
        (["--imports", "-5"], "--imports must be from 0"),
        (["--port", "99999"], "--port must be from 0 to 65535"),
        (["--port", "-1"], "--port must be from 0 to 65535"),
        (["--speed", "-1"], "--speed must be from 0"),
        (["--speed", "nan"], "--speed must be from 0"),
        (["--api-key", ""], "--api-key must not be empty"),
        (["--index-name", "Not_Valid"], "index name 'Not_Valid'"),
        (["--indexes", "0"], "--indexes must be from 1 to 64"),
        (["--indexes", "65"], "--indexes must be from 1 to 64"),
        (["--indexes", "3", "--index-name", "x"], "--index-name names the single index"),
        (["--indexes", "3", "--project", "p.json"], "--indexes N or --project FILE, not both"),
        (["--project", "pcsk_not_a_file"], "--project: cannot read the file"),
    ],
)
def test_bad_settings_are_one_line_and_exit_2(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and needle in captured.err
    assert "Traceback" not in captured.err
    assert "pcsk_not_a_file" not in captured.err  # a value typed is never repeated


def _serve(*args: str) -> tuple[subprocess.Popen[str], list[str]]:
    """Start ``emulator ARGS`` and read what it prints until its first suggestion line."""
    proc = start(*args)
    assert proc.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("try:"):
        line = proc.stdout.readline()
        assert line, f"the emulator ended: {proc.stderr.read() if proc.stderr else ''}"
        lines.append(line.rstrip("\n"))
    return proc, lines


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_indexes_n_serves_a_mixed_project_and_says_where() -> None:
    from pinecone_imports_frame import read_project_imports

    proc, lines = _serve("--indexes", "8", "--imports", "200", "--api-key", "cli-key")
    try:
        controller, key = lines[0], lines[1]
        assert controller.startswith("http://127.0.0.1:") and key == "api key: cli-key"
        rows = {line.split()[0]: line.split() for line in lines[3:-1]}
        assert len(rows) == 8
        assert rows["legacy-pods"][1] == "pod" and rows["byoc-search"][1] == "byoc"
        assert rows["dev-warming-up"][2] == "initializing"
        assert "private host" in " ".join(rows["prod-search"])
        frames = {
            version: read_project_imports(
                api_key="cli-key", controller_host=controller, progress=False, api_version=version
            )
            for version in ("2025-04", "2026-07")
        }
    finally:
        _stop(proc)
    assert proc.returncode == 0
    old, new = frames["2025-04"], frames["2026-07"]
    drained = old.groupby("index_name").size().to_dict()
    assert drained == new.groupby("index_name").size().to_dict()
    assert set(drained) == {"prod-search", "byoc-search", "docs-kb", "prod-recs", "staging-search"}
    assert drained["prod-search"] == 200  # the biggest index holds --imports
    for df in (old, new):
        assert df.attrs["errors"] == []
        skipped = {s["index_name"] for s in df.attrs["skipped"]}
        assert skipped == {"legacy-pods", "dev-warming-up", "byoc-archive"}
    # Each index its own history.
    assert old.groupby("index_name")["uri"].first().nunique() == len(drained)


def test_a_project_file(tmp_path: Path) -> None:
    from pinecone_imports_frame import read_project_imports

    path = tmp_path / "project.json"
    path.write_text(
        json.dumps(
            {
                "indexes": [
                    {"name": "prod", "imports": 12, "seed": 3, "private_host": True},
                    {"name": "edge", "imports": 4, "deployment": "byoc"},
                    {"name": "old", "deployment": "pod"},
                ]
            }
        ),
        encoding="utf-8",
    )
    proc, lines = _serve("--project", str(path))
    try:
        df = read_project_imports(
            api_key="emulator-key",
            controller_host=lines[0],
            progress=False,
            use_private_host=True,
        )
    finally:
        _stop(proc)
    assert [line.split()[0] for line in lines[3:-1]] == ["prod", "edge", "old"]
    assert df.groupby("index_name").size().to_dict() == {"prod": 12, "edge": 4}
    used = {d["index_name"]: d["host_used"] != d["index_host"] for d in df.attrs["drained"]}
    assert used == {"prod": True, "edge": False}


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        ("[1, 2]", 'must be {"indexes"'),
        ("{nope", "is not JSON"),
        (
            '{"indexes": [{"name": "a", "shards": 2}]}',
            "index 1 of the project file has unknown keys",
        ),
        ('{"indexes": [{"name": "a", "ready": "no"}]}', "ready must be a bool"),
        ('{"indexes": [{"name": "a", "imports": -1}]}', "imports must be a whole number"),
        ('{"indexes": [{"imports": 5}]}', "must be an object with a 'name'"),
    ],
)
def test_a_bad_project_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], document: str, needle: str
) -> None:
    path = tmp_path / "project.json"
    path.write_text(document, encoding="utf-8")
    assert main(["emulator", "--project", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert needle in captured.err and "Traceback" not in captured.err


def test_the_readme_shows_what_indexes_8_prints() -> None:
    """The fleet section's example output is the banner, ports aside."""
    import re

    from pinecone_imports_frame.emulator import Project
    from pinecone_imports_frame.emulator.layouts import sample_indexes

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    shown = readme.split("$ pinecone-imports emulator --indexes 8\n", 1)[1].split("```", 1)[0]
    with Project(indexes=sample_indexes(8)) as project:
        printed = "\n".join(project.banner()) + "\n"

    def ports(text: str) -> str:  # a shorter port pads its column less
        return re.sub(r" +", " ", re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text))

    assert ports(shown) == ports(printed)
