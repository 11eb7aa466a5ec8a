"""Server text on a terminal: every path the CLI prints or logs it through, end to end.

A hostile server (or a lake it filled) sends terminal escapes in ids, statuses, index
names, error bodies and field names: OSC 52 writes the clipboard, ``ESC[2J`` clears the
screen, a CR rewrites the line, a BEL rings, U+202E reverses the text. None of them may
reach the terminal raw: the CLI shows each escaped (``\\x1b``), the same way everywhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from faketime import FakeTime
from hostile import HostileServer, answer

import pinecone_imports_frame as pif
from pinecone_imports_frame import watch
from pinecone_imports_frame.cli import main

#: OSC 52 (the clipboard), a screen clear, a CR, a bell, a C1 CSI and a direction override.
HOSTILE = "\x1b]52;c;cHduZWQ=\x07\x1b[2J\r\x9b31m\u202e"
#: The payload as the CLI shows it: escaped, each character visible.
SHOWN = "\\x1b]52;c;cHduZWQ=\\x07\\x1b[2J\\r\\x9b31m\\u202e"
CREATED = "2025-05-01T10:00:00Z"


def control_characters(text: str) -> set[str]:
    """Every character of ``text`` a terminal would act on (line breaks apart)."""
    return {c for c in text if not c.isprintable() and c != "\n"}


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``pinecone-imports`` in a process of its own (warnings shown as a user sees them).

    Its output is decoded as it is (a CR stays a CR: text mode would make it a line break).
    """
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PINECONE_", "PYTHONWARN"))}
    proc = subprocess.run(
        [sys.executable, "-m", "pinecone_imports_frame", *args],
        capture_output=True,
        timeout=120,
        env={**base, **env},
        check=False,
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "surrogateescape"),
        proc.stderr.decode("utf-8", "surrogateescape"),
    )


def hostile_lake(root: Path) -> Path:
    """A lake of one listing: hostile id, status, error, URI and index name."""
    records = [
        {"id": "1", "uri": "s3://b/1", "status": "InProgress", "createdAt": CREATED},
        {"id": "2" + HOSTILE, "uri": "s3://b/" + HOSTILE, "status": "Failed", "error": HOSTILE,
         "createdAt": CREATED, "finishedAt": "2025-05-01T10:05:00Z"},
        {"id": "3", "uri": "s3://b/3", "status": "Paused" + HOSTILE, "createdAt": CREATED},
    ]  # fmt: skip
    with pytest.warns(pif.UnknownStatusWarning):
        listing = pif.to_frame(
            records,
            listed_at="2025-05-01T11:00:00Z",
            index_host="idx.example:443",
            index_name="idx" + HOSTILE,
        )
    pif.write_snapshot(listing, root)
    return root


def test_list_shows_a_hostile_status_escaped(start_emulator: Any) -> None:
    emu = start_emulator(
        records=[{"id": "7", "uri": "s3://b/", "status": "Done" + HOSTILE, "createdAt": CREATED}]
    )
    proc = cli("list", "--host", emu.url, "--api-key", emu.api_key, "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert not control_characters(proc.stdout) and not control_characters(proc.stderr)
    assert "Done" + SHOWN in proc.stdout


def test_trends_shows_an_unknown_status_header_escaped(tmp_path: Path) -> None:
    proc = cli("trends", str(hostile_lake(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    assert not control_characters(proc.stdout) and not control_characters(proc.stderr)
    assert "Paused" + SHOWN in proc.stdout  # the column of the unknown status, named


def test_snapshots_shows_a_hostile_index_name_escaped(tmp_path: Path) -> None:
    proc = cli("snapshots", str(hostile_lake(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    assert not control_characters(proc.stdout) and not control_characters(proc.stderr)
    assert "idx" + SHOWN in proc.stdout


def test_verbose_logs_of_unknown_fields_are_escaped(start_emulator: Any) -> None:
    record = {"id": "7", "uri": "s3://b/", "status": "Completed", "createdAt": CREATED}
    emu = start_emulator(records=[{**record, "extra" + HOSTILE: 1}])
    proc = cli("-v", "list", "--host", emu.url, "--api-key", emu.api_key, "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "ignoring unknown import fields: extra" + SHOWN in proc.stderr
    assert not control_characters(proc.stderr) and not control_characters(proc.stdout)


def test_fleet_lines_on_stderr_are_escaped() -> None:
    """An index's name (from the control plane) and its error (from its 503 body)."""
    error = {"code": 14, "message": "unavailable" + HOSTILE}
    with HostileServer([], default=answer(503, error)) as index:
        indexes = [
            {"name": "ix" + HOSTILE, "host": index.address, "spec": {"serverless": {}},
             "status": {"ready": True}},
            {"name": "pods" + HOSTILE, "host": "p.example", "spec": {"pod": {}},
             "status": {"ready": True}},
        ]  # fmt: skip
        with HostileServer([], default=answer(200, {"indexes": indexes})) as control:
            proc = cli(
                "-v", "list", "--all-indexes", "--controller-host", control.url,
                "--api-key", "k" * 20, "--max-retries", "0", "--no-progress",
            )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert f"index ix{SHOWN} failed" in proc.stderr and "unavailable" + SHOWN in proc.stderr
    assert f"pods{SHOWN}" in proc.stderr  # the skipped index, in a -v log line
    assert not control_characters(proc.stderr) and not control_characters(proc.stdout)


def test_snapshot_every_warnings_quoting_a_503_body_are_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    FakeTime().install(monkeypatch)
    error = answer(503, {"code": 14, "message": "overloaded" + HOSTILE})
    with HostileServer([], default=error) as server:
        args = ["snapshot", "--host", server.url, "--api-key", "k" * 20, "--max-retries", "0"]
        code = main([*args, "--to", str(tmp_path), "--every", "5m", "--count", "2"])
    assert code == 1  # the last poll failed too
    err = capsys.readouterr().err
    assert err.count("overloaded" + SHOWN) == 2  # the warning, then the last error
    assert not control_characters(err)


def test_watch_lines_and_bar_labels_are_escaped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    FakeTime().install(monkeypatch)
    running = {"id": "9" + HOSTILE, "uri": "s3://b/", "status": "InProgress",
               "createdAt": CREATED, "percentComplete": 40.0, "recordsImported": 10}  # fmt: skip
    failed = {**running, "status": "Failed", "error": "broke" + HOSTILE,
              "finishedAt": "2025-05-01T10:30:00Z"}  # fmt: skip
    polls = [answer(200, {"data": [running]}), answer(200, {"data": [failed]})]
    with HostileServer(polls) as server:
        args = ["watch", "--host", server.url, "--api-key", "k" * 20, "--interval", "1m"]
        assert main([*args, "--progress"]) == 0
    captured = capsys.readouterr()
    # tqdm draws its bars with CRs and cursor moves of its own: the payload is what must
    # not be there, and each of its pieces shows escaped.
    for piece in ("\x1b]52", "\x07", "\x1b[2J", "\x9b", "\u202e"):
        assert piece not in captured.err and piece not in captured.out
    assert "9\\x1b]52;c;cHduZWQ=" in captured.err  # the bar's label
    assert "broke" + SHOWN in captured.out  # the line of its end
    assert not control_characters(captured.out)


def test_a_watch_line_shows_an_unknown_status_escaped() -> None:
    import pandas as pd

    event = watch.WatchEvent(
        None, "7", "Gone" + HOSTILE, pd.Timestamp("2025-05-01T12:00:00Z"), None, None, None, None
    )
    assert str(event) == "2025-05-01 12:00:00Z  import 7 Gone" + SHOWN


def on_a_terminal(*args: str) -> str:
    """Run ``pinecone-imports`` with its stdout on a pseudo-terminal; return what it showed."""
    import pty
    import select

    base = {k: v for k, v in os.environ.items() if not k.startswith("PINECONE_")}
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pinecone_imports_frame", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.DEVNULL,
        env=base,
    )
    os.close(slave)
    chunks = []
    try:
        while select.select([master], [], [], 120)[0]:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the process closed its end
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
        proc.wait(timeout=60)
    assert proc.returncode == 0
    # The terminal writes each line break as CR LF: a CR of the server's is one alone.
    return b"".join(chunks).decode("utf-8", "surrogateescape").replace("\r\n", "\n")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_are_escaped_on_a_terminal_and_verbatim_in_a_pipe(
    start_emulator: Any, fmt: str
) -> None:
    record = {"id": "7" + HOSTILE, "uri": "s3://b/", "status": "Completed", "createdAt": CREATED}
    emu = start_emulator(records=[record])
    args = ["list", "--host", emu.url, "--api-key", emu.api_key, "--format", fmt]
    shown = on_a_terminal(*args)
    assert not control_characters(shown)
    assert "\\x9b31m\\u202e" in shown  # (JSON writes the C0 ones as \u001b itself)
    piped = cli(*args).stdout  # into a pipe (a file, another program): the server's values
    if fmt == "csv":
        assert "7" + HOSTILE in piped
    else:
        import json

        assert json.loads(piped)[0]["id"] == record["id"]
