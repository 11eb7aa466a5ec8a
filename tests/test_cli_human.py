"""What a person sees of ``pinecone-imports``: tables, help, messages, edges (issue 22).

Run as a user runs it (``main([...])`` or the command in a subprocess) against the
emulator over HTTP, at ``COLUMNS=80`` and ``120``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from faketime import FakeTime

from pinecone_imports_frame import STATUSES
from pinecone_imports_frame.cli import build_parser, main
from pinecone_imports_frame.emulator import Emulator, IndexConfig, Project

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
#: What pandas prints and a person should not have to read.
RAW = ("+00:00", "0 days", "<NA>", "NaT", "nan", "None", "days ")
TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d")
HUMAN_TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(imports=60, seed=4, now=NOW) as emulator:
        yield emulator


@pytest.fixture
def project() -> Iterator[Project]:
    indexes = [IndexConfig("prod-a", imports=15), IndexConfig("prod-b", imports=15)]
    with Project(indexes=indexes) as p:
        yield p


def _conn(emu: Emulator) -> list[str]:
    return ["--host", emu.url, "--api-key", emu.api_key, "--no-progress"]


def exit_code(argv: list[str]) -> int:
    """The exit status of the command, argparse's refusals (SystemExit) included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def check_table(text: str, columns: int) -> None:
    """Each line fits; times, durations and missing values are in the human format."""
    lines = text.splitlines()
    assert lines
    too_long = [line for line in lines if len(line) > columns]
    assert not too_long, too_long
    for raw in RAW:
        assert raw not in text, (raw, text)
    # Every time shown is 2026-12-09T15:42:19Z.
    assert len(TIME.findall(text)) == len(HUMAN_TIME.findall(text)), text


@pytest.mark.parametrize("columns", [80, 120])
def test_list_fits_the_terminal_in_human_formats(
    emu: Emulator, columns: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["list", *_conn(emu)]) == 0
    out = capsys.readouterr().out
    check_table(out, columns)
    assert HUMAN_TIME.search(out) and re.search(r"\b\d+m\d\ds\b", out)  # 12m49s
    assert re.search(r"  -(  |$)", out, re.M)  # running imports have no duration: a dash
    assert "..." in out  # the failures' messages are cut to fit, and say so
    assert len(out.splitlines()) == 61


@pytest.mark.parametrize("columns", [40, 60, 80, 120])
def test_list_of_every_index_says_which_index(
    project: Project,
    columns: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    args = ["list", "--all-indexes", "--controller-host", project.control.url]
    assert main([*args, "--api-key", project.api_key, "--no-progress"]) == 0
    out = capsys.readouterr().out
    check_table(out, columns)
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["index_name", "id", "status"]
    # Narrow or wide, the rows' index, id and status are whole (they were "prod-..." and
    # "Compl..." at 60 columns, every created_at "20..." at 40).
    assert {line.split()[0] for line in lines[1:]} == {"prod-a", "prod-b"}
    assert {line.split()[2] for line in lines[1:]} <= set(STATUSES)


@pytest.mark.parametrize("columns", [80, 120])
def test_trends_snapshots_and_watch_summary_fit_in_human_formats(
    emu: Emulator,
    columns: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    FakeTime(emu).install(monkeypatch)
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.chdir(tmp_path)
    watch = ["watch", *_conn(emu), "--interval", "10m", "--until", "1h"]
    assert main([*watch, "--snapshot-to", "lake"]) == 0
    out = capsys.readouterr().out
    summary = out.split("running at the last listing", 1)[1]
    check_table(summary.split("\n", 1)[1].rsplit("\n", 2)[0], columns)
    assert main(["trends", "lake"]) == 0
    check_table(capsys.readouterr().out, columns)
    assert main(["snapshots", "lake"]) == 0
    out = capsys.readouterr().out
    check_table(out, columns)
    # Paths under the working directory are relative to it: no absolute path.
    assert str(tmp_path) not in out
    assert all(line.startswith(("lake/", "...", "path")) for line in out.splitlines()), out


def test_a_table_into_a_pipe_is_written_whole(emu: Emulator, tmp_path: Path) -> None:
    """Without COLUMNS, a table read by another program is not cut (as ps and ls do)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run(
        [sys.executable, "-m", "pinecone_imports_frame", "list", *_conn(emu)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "..." not in proc.stdout and "Missing required column" in proc.stdout


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def test_every_command_has_a_description_and_every_option_a_help() -> None:
    parser = build_parser()
    commands = _subcommands(parser)
    assert len(commands) >= 12
    missing = []
    for name, command in [("", parser), *commands.items()]:
        if name and not (command.description or "").strip():
            missing.append(f"{name}: no description")
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name or 'pinecone-imports'} {'/'.join(action.option_strings)}")
    assert not missing, missing
    # The top level's description names every command.
    top = parser.description or ""
    assert all(re.search(rf"\b{name}\b", top) for name in commands), top


def test_progress_is_an_option_only_where_there_are_progress_bars() -> None:
    commands = _subcommands(build_parser())
    with_bars = {n for n, c in commands.items() if "--progress" in c._option_string_actions}
    assert with_bars == {"list", "snapshot", "watch", "demo"}


@pytest.mark.parametrize("name", ["out.xlsx", "out.html"])
def test_an_output_ending_list_cannot_write_is_refused(
    emu: Emulator, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """list -o out.xlsx wrote a text table into a .xlsx."""
    assert main(["list", *_conn(emu), "-o", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ".csv, .json, .parquet or .txt" in err, err
    assert not (tmp_path / name).exists() and emu.requests == []


def test_a_report_ending_it_cannot_write_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path), "-o", str(tmp_path / "r.pdf")]) == 2
    assert ".html" in capsys.readouterr().err and not (tmp_path / "r.pdf").exists()


def test_since_and_until_take_an_age_before_now(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    with Emulator(imports=20, seed=1) as live:  # its clock is now
        assert main(["snapshot", *_conn(live), "--to", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["trends", str(tmp_path), "--since", "7d"]) == 0
    assert capsys.readouterr().out.startswith("status timeline (1 listings):")
    assert main(["trends", str(tmp_path), "--until", "36h"]) == 0
    assert "in that window" in capsys.readouterr().out
    assert main(["trends", str(tmp_path), "--since", "90m", "--until", "2099-01-01"]) == 0
    assert capsys.readouterr().out.startswith("status timeline (1 listings):")
    assert main(["report", str(tmp_path), "--since", "7d", "-o", str(tmp_path / "r.html")]) == 0
    assert exit_code(["trends", str(tmp_path), "--since", "a week"]) == 2
    err = capsys.readouterr().err
    assert "--since" in err and "7d" in err and "pandas" not in err


def test_errors_speak_of_options_not_python_keywords(
    emu: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PINECONE_API_KEY", raising=False)
    monkeypatch.delenv("PINECONE_INDEX_HOST", raising=False)
    assert main(["list", "--host", emu.url, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--api-key" in err and "api_key" not in err, err
    assert main(["list", "--api-key", "k", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--host" in err and "--index-name" in err and "host=" not in err, err
    assert exit_code(["prune", "lake", "--older-than", "7"]) == 2
    err = capsys.readouterr().err
    assert "pandas" not in err and "datetime" not in err and "30s" in err, err


def test_https_to_a_plain_http_server_fails_at_once_saying_so(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """It retried for 17 s and ended in SSLError: WRONG_VERSION_NUMBER."""
    import time

    host_port = emu.url.split("://", 1)[1]
    started = time.perf_counter()
    code = main(["list", "--host", f"https://{host_port}", "--api-key", emu.api_key])
    took = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code == 1 and took < 2, (took, err)
    assert "speaks plain HTTP" in err and f"use http://{host_port}" in err, err
    assert err.count("\n") == 1 and emu.api_key not in err


def test_the_emulator_says_its_url_its_key_and_how_to_stop_it() -> None:
    import os
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "pinecone_imports_frame", "emulator", "--api-key", "local-key"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    rest = proc.stdout.read()  # through the same buffer as the first line
    proc.stdout.close()
    assert proc.stderr is not None
    proc.stderr.close()
    assert "api key: local-key" in rest.splitlines()
    assert f"--host {url} --api-key local-key" in rest
    assert "Ctrl-C" in rest


def test_a_newer_api_version_is_sent_as_given_and_a_key_never_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The CLI refused any version it did not list, though Python sends one as given."""
    from pinecone_imports_frame import UnlistedApiVersion

    parser = build_parser()
    args = parser.parse_args(["list", "--api-version", "2027-01"])
    assert args.api_version == UnlistedApiVersion("2027-01")
    assert parser.parse_args(["list", "--api-version", "2026-07"]).api_version == "2026-07"
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["list", "--api-version", "pcsk_secret-key-pasted-here"])
    assert info.value.code == 2
    assert "pcsk_secret" not in capsys.readouterr().err


def test_the_running_table_says_why_in_words_at_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns the reasons read "no prog..." and "indexin...", and how long an
    import had sat at 100 % was the first column to go."""
    stamp = "2026-03-02T07:00:00Z"
    records = [
        {"id": "stall-1", "uri": "s3://b/s/", "status": "InProgress", "createdAt": stamp,
         "percentComplete": 40.0, "recordsImported": 4000},
        {"id": "indexing-1", "uri": "s3://b/i/", "status": "InProgress", "createdAt": stamp,
         "percentComplete": 100.0, "recordsImported": 10000},
    ]  # fmt: skip
    with Emulator(records=records, now=NOW) as emu:
        FakeTime(emu).install(monkeypatch)
        monkeypatch.setenv("COLUMNS", "80")
        assert main(["watch", *_conn(emu), "--interval", "10m", "--until", "1h"]) == 0
    out = capsys.readouterr().out
    table = out.split("running at the last listing (2):\n", 1)[1].splitlines()
    check_table("\n".join(table[:3]), 80)
    assert table[0].split() == [
        "id", "status", "percent", "eta", "time_left", "indexing_for", "reason"
    ]  # fmt: skip
    rows = {line.split()[0]: line for line in table[1:3]}
    assert rows["stall-1"].endswith("no progress")
    assert re.search(r"  (\dh)?\d+m\d\ds +building index$", rows["indexing-1"]), rows
