"""``watch`` ended by SIGTERM (systemd, docker stop, kill) prints its summary, as Ctrl-C does."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timezone
from typing import Any

import pytest
from faketime import FakeTime

from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def _conn(emu: Emulator) -> list[str]:
    return ["--host", emu.url, "--api-key", emu.api_key, "--no-progress"]


def test_a_watch_sent_sigterm_prints_its_summary_and_exits_143() -> None:
    # The emulator's clock moves ten simulated minutes each time it is read: imports end
    # poll after poll, whatever the real time, and some run for hours.
    ticks = itertools.count()
    with Emulator(imports=120, seed=1, now=NOW, speed=1, timer=lambda: 600.0 * next(ticks)) as emu:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PINECONE_")}
        argv = [sys.executable, "-m", "pinecone_imports_frame", "watch", *_conn(emu)]
        proc = subprocess.Popen(
            [*argv, "--interval", "1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        watchdog = threading.Timer(120, proc.kill)  # the test's bound, should it never print
        watchdog.start()
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()  # an import's ending: the watch is under way
            assert " import " in first, first
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 143, err
    assert "running at the last listing" in out or "no imports running" in out
    assert "terminated by SIGTERM (" in err and "polls)" in err
    assert "Traceback" not in err


@pytest.fixture
def emu() -> Any:
    with Emulator(imports=120, seed=1, now=NOW) as e:
        yield e


def test_sigterm_in_process_ends_the_watch_and_its_handler_goes(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeTime(emu).install(monkeypatch)
    fake.on_sleep.append(lambda n: os.kill(os.getpid(), signal.SIGTERM) if n == 3 else None)
    before = signal.getsignal(signal.SIGTERM)
    assert main(["watch", *_conn(emu), "--interval", "1m"]) == 143
    captured = capsys.readouterr()
    assert "running at the last listing" in captured.out
    assert "terminated by SIGTERM (3 polls)" in captured.err
    # No handler is left behind: this process's SIGTERM is its own again.
    assert signal.getsignal(signal.SIGTERM) is before


def test_ctrl_c_still_exits_130_and_leaves_no_handler(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeTime(emu).install(monkeypatch)
    fake.interrupt_at = 3
    before = signal.getsignal(signal.SIGTERM)
    assert main(["watch", *_conn(emu), "--interval", "1m"]) == 130
    assert "interrupted (" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is before
