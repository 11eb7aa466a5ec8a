"""The lake's commands: snapshots, prune (and compact) say what is wrong and what they remove."""

from __future__ import annotations

import io
import os
import pty
import select
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.frame import to_frame
from pinecone_imports_frame.snapshots import list_snapshots, write_snapshot

HOST = "idx-1a2b3c.svc.aped-4627-b74a.pinecone.io"


def small_lake(root: Path, count: int = 3) -> list[str]:
    records = Emulator(imports=10, seed=1).records()
    now = pd.Timestamp.now(tz="UTC").floor("s")
    return [
        write_snapshot(
            to_frame(records, listed_at=now - pd.Timedelta(days=10 * i), index_host=HOST), root
        )
        for i in range(count)
    ]


def files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("command", ["snapshots", "prune"])
def test_a_missing_lake_is_one_line_and_exit_1(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no" / "such-lake"
    extra = ["--older-than", "30d"] if command == "prune" else []
    assert main([command, str(missing), *extra]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(missing) in err and "does not exist" in err
    assert "Traceback" not in err


def test_prune_refuses_a_bare_number_and_leaves_the_lake_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small_lake(tmp_path)
    before = files(tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["prune", str(tmp_path), "--older-than", "90"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "has no unit" in err and "'90d'" in err and "Traceback" not in err
    assert files(tmp_path) == before


@pytest.mark.parametrize("older_than", [90, "90", 90.0])
def test_prune_snapshots_refuses_a_bare_number_and_leaves_the_lake_untouched(
    tmp_path: Path, older_than: object
) -> None:
    """prune_snapshots(root, older_than=90) read 90 ns and emptied the lake."""
    from pinecone_imports_frame import ConfigurationError, prune_snapshots

    small_lake(tmp_path)
    before = files(tmp_path)
    with pytest.raises(ConfigurationError, match=r"has no unit.*'90d'"):
        prune_snapshots(tmp_path, older_than=older_than)  # type: ignore[arg-type]
    assert files(tmp_path) == before


def test_keep_last_0_needs_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    small_lake(tmp_path)
    assert main(["prune", str(tmp_path), "--keep-last", "0"]) == 2
    assert "--all" in capsys.readouterr().err
    assert len(list_snapshots(tmp_path)) == 3
    assert main(["prune", str(tmp_path), "--all", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "will remove 3 snapshots (30 rows); 0 snapshots stay" in out
    assert "removed 3 snapshots (30 rows)" in out
    assert list_snapshots(tmp_path).empty


def test_prune_says_what_it_removes_and_what_stays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = small_lake(tmp_path)
    zero = Path(paths[0]).with_name("20200101T000000.000000Z-0a0a0a.parquet")
    zero.write_bytes(b"")
    assert main(["prune", str(tmp_path), "--older-than", "15d", "--corrupt", "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "would remove 1 snapshots (10 rows), 1 corrupt files; 2 snapshots stay"
    assert sorted(out[1:]) == sorted(f"  {p}" for p in (paths[2], str(zero)))
    assert len(files(tmp_path)) == 4


def _run_on_a_terminal(args: list[str], answer: bytes) -> tuple[int, str]:
    """Run ``pinecone-imports ARGS`` with a pseudo-terminal as stdin and stdout."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pinecone_imports_frame", *args],
        stdin=follower,
        stdout=follower,
        stderr=subprocess.PIPE,
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    try:
        while b"[y/N]" not in seen:
            ready, _, _ = select.select([leader], [], [], 60)
            assert ready, f"no question asked; got {seen!r}"
            seen += os.read(leader, 4096)
        os.write(leader, answer)
        code = proc.wait(timeout=60)
        while select.select([leader], [], [], 0.5)[0]:
            try:
                chunk = os.read(leader, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
    return code, seen.decode()


@pytest.mark.slow
def test_prune_asks_on_a_terminal_before_removing_more_than_it_keeps(tmp_path: Path) -> None:
    small_lake(tmp_path)
    code, out = _run_on_a_terminal(["prune", str(tmp_path), "--keep-last", "1"], b"n\n")
    assert code == 1 and "remove 2 snapshots and keep 1?" in out and "nothing removed" in out
    assert len(list_snapshots(tmp_path)) == 3
    code, out = _run_on_a_terminal(["prune", str(tmp_path), "--keep-last", "1"], b"y\n")
    assert code == 0 and "removed 2 snapshots" in out
    assert len(list_snapshots(tmp_path)) == 1


def test_prune_off_a_terminal_does_not_ask(tmp_path: Path) -> None:
    small_lake(tmp_path)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pinecone_imports_frame",
            "prune",
            str(tmp_path),
            "--keep-last",
            "1",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "[y/N]" not in proc.stdout and "removed 2 snapshots" in proc.stdout


def test_snapshots_shows_the_status_of_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = small_lake(tmp_path, 1)
    Path(paths[0]).with_name("part-0.parquet").write_bytes(b"PAR1")
    assert main(["snapshots", str(tmp_path), "--format", "csv"]) == 0
    listed = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert sorted(listed["file_status"]) == ["foreign", "ok"]


# --- snapshot --every against a lake that cannot be reached --------------------------------


def test_snapshot_every_keeps_going_while_the_lake_is_unreachable(
    imports_emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pinecone_imports_frame import client
    from pinecone_imports_frame.cli import snapshot_command as cli

    now, sleeps = [1000.0], []

    def sleep(seconds: float) -> None:  # time passes only when the loop sleeps
        sleeps.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(cli, "_clock", lambda: now[0])
    monkeypatch.setattr(cli, "_sleep", sleep)
    monkeypatch.setattr(client, "_sleep", lambda s: None)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore: one try, no backoff sleeps
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    storage: list[Any] = []
    for option in (f"endpoint_url=http://127.0.0.1:{port}", "key=k", "secret=s"):
        storage += ["--storage-option", option]
    args = ["snapshot", "--host", imports_emulator.url, "--api-key", imports_emulator.api_key]
    code = main([*args, "--to", "s3://lake/x", *storage, "--every", "5m", "--count", "3"])
    err = capsys.readouterr().err
    assert code == 1  # the last poll failed too
    listings = [r for r in imports_emulator.requests if r.path.endswith("/bulk/imports")]
    assert len(listings) >= 3  # every tick listed the imports, then failed to write
    assert sleeps == [300.0, 300.0]
    assert "Traceback" not in err and "EndpointConnectionError" in err
    assert err.count("poll 1 failed") == 1 and "poll 2 failed" not in err  # logged once
