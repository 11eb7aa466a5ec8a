"""``pinecone-imports emulator``: its options, and the one-line errors for bad ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

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
