"""The command line speaks its own words: flags, never the Python API's keywords.

Found by a reviewer acting as a new user: ``check`` said ``api_key=...``, ``metrics`` and a
failed ``snapshot --every`` poll said ``timeout=``, ``trends`` said
``prune_snapshots(..., corrupt=True)``, ``prune`` said ``all_snapshots=True``.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator

#: How the Python API spells what the command line calls a flag.
PYTHON_WORDS = (
    "api_key=",
    "timeout=",
    "corrupt=True",
    "all_snapshots=",
    "keep_last=",
    "older_than",
    "list_snapshots",
    "prune_snapshots",
    "since=",
    "until=",
)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port of 127.0.0.1 that accepts connections and never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        yield listening.getsockname()[1]


def _lake(emu: Emulator, tmp_path: Path, *, foreign: bool = False) -> str:
    lake = tmp_path / "lake"
    for _ in range(2):
        argv = ["snapshot", "--host", emu.url, "--api-key", emu.api_key, "--to", str(lake)]
        assert main([*argv, "--no-progress"]) == 0
    if foreign:  # a file of another tool in the lake: read around, with a warning
        folder = next(lake.glob("*/*/"))
        (folder / "notes.parquet").write_bytes(b"not parquet")
    return str(lake)


def _silent(port: int) -> list[str]:
    """Connection flags for a port that never answers, given up on at once."""
    return [
        "--host",
        f"http://127.0.0.1:{port}",
        "--api-key",
        "k",
        "--timeout",
        "0.05",
        "--max-retries",
        "0",
    ]


#: Each case: what it runs (from the emulator, a port that never answers, the test's folder),
#: the exit code, and the flags its message names instead of the Python keywords.
CASES: dict[str, tuple[Callable[[Emulator, int, Path], list[str]], int, tuple[str, ...]]] = {
    "check: a wrong key": (
        lambda emu, port, tmp: ["check", "--host", emu.url, "--api-key", "WRONG"],
        1,
        ("--api-key KEY",),
    ),
    "check: a timeout": (
        lambda emu, port, tmp: ["check", *_silent(port)],
        1,
        ("--timeout 0.05", "raise --timeout"),
    ),
    "metrics --textfile: a wrong key": (
        lambda emu, port, tmp: [
            "metrics",
            "--host",
            emu.url,
            "--api-key",
            "WRONG",
            "--textfile",
            str(tmp / "m.prom"),
        ],
        1,
        ("--api-key KEY",),
    ),
    "metrics --textfile: a timeout": (
        lambda emu, port, tmp: [
            "metrics",
            *_silent(port),
            "--textfile",
            str(tmp / "m.prom"),
        ],
        1,
        ("--timeout 0.05", "raise --timeout"),
    ),
    "snapshot --every: the last poll timed out": (
        lambda emu, port, tmp: [
            "snapshot",
            *_silent(port),
            "--to",
            str(tmp / "lake"),
            "--every",
            "5m",
            "--count",
            "1",
        ],
        1,
        ("--timeout 0.05", "raise --timeout"),
    ),
    "trends: a file skipped": (
        lambda emu, port, tmp: ["trends", _lake(emu, tmp, foreign=True)],
        0,
        ("pinecone-imports snapshots", "prune --corrupt"),
    ),
    "trends: --since after --until": (
        lambda emu, port, tmp: ["trends", _lake(emu, tmp), "--since", "1d", "--until", "2d"],
        2,
        ("--since 20", "is after --until 20"),
    ),
    "check --lake: a file skipped": (
        lambda emu, port, tmp: ["check", "--lake", _lake(emu, tmp, foreign=True)],
        1,  # the emulator's failed imports
        ("pinecone-imports snapshots", "prune --corrupt"),
    ),
    "prune: --all with --keep-last 1": (
        lambda emu, port, tmp: ["prune", _lake(emu, tmp), "--all", "--keep-last", "1", "--yes"],
        2,
        ("--all removes every snapshot", "--keep-last 0", "--older-than"),
    ),
    "list: a wrong key": (  # as before
        lambda emu, port, tmp: ["list", "--host", emu.url, "--api-key", "WRONG"],
        1,
        ("--api-key KEY",),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_messages_name_the_flags_not_the_python_keywords(
    case: str,
    imports_emulator: Emulator,
    silent_port: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pinecone_imports_frame.cli import snapshot_command

    monkeypatch.setattr(snapshot_command, "_sleep", lambda seconds: None)
    argv, code, flags = CASES[case]
    args = argv(imports_emulator, silent_port, tmp_path)
    capsys.readouterr()
    assert main(args) == code
    out = capsys.readouterr()
    said = out.err + (out.out if args[0] == "check" else "")  # check's problems: stdout
    assert said.strip(), case
    assert [w for w in PYTHON_WORDS if w in said] == [], said
    assert [f for f in flags if f not in said] == [], said


def _interrupting(*args: object, **kwargs: object) -> Iterator[list[dict[str, object]]]:
    """A drain that Ctrl-C stops before its first page."""
    raise KeyboardInterrupt
    yield []  # pragma: no cover - a generator, as the real drain


def test_ctrl_c_during_list_says_interrupted_once(
    imports_emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """It also said "... are in pinecone_imports_frame.last_partial()", no use in a shell."""
    import pinecone_imports_frame as pif
    from pinecone_imports_frame import loader

    monkeypatch.setattr(loader, "drain", _interrupting)
    conn = ["--host", imports_emulator.url, "--api-key", imports_emulator.api_key]
    assert main(["list", *conn, "--no-progress"]) == 130
    assert capsys.readouterr().err.splitlines() == ["pinecone-imports: interrupted"]
    # A Python caller is still told where the rows read so far are.
    caplog.clear()
    with pytest.raises(KeyboardInterrupt):
        pif.read_imports(imports_emulator.url, api_key=imports_emulator.api_key, progress=False)
    assert any("last_partial()" in r.getMessage() for r in caplog.records)


def _screen(shown: str) -> list[str]:
    """The lines a terminal shows after ``shown``: carriage returns, moves up, erases."""
    lines: list[list[str]] = [[]]
    row = col = 0
    for token in re.split(r"(\x1b\[[0-9;?]*[A-Za-z]|\r\n|\n|\r)", shown):
        if token in ("\n", "\r\n"):
            row, col = row + 1, 0
            while len(lines) <= row:
                lines.append([])
        elif token == "\r":
            col = 0
        elif token.startswith("\x1b["):
            if token.endswith("A"):
                row = max(row - int(token[2:-1] or 1), 0)
            elif token.endswith("K"):
                del lines[row][col:]
        else:
            for char in token:
                line = lines[row]
                line.extend(" " * (col - len(line) + 1))
                line[col] = char
                col += 1
    return ["".join(line).rstrip() for line in lines]


def test_list_on_a_terminal_clears_its_bar_before_the_table(imports_emulator: Emulator) -> None:
    """The finished bar ("127.0.0.1:port: 3 pages [...]") stayed above the table."""
    from test_cli_review import _run_in_a_terminal

    conn = ["--host", imports_emulator.url, "--api-key", imports_emulator.api_key]
    code, shown = _run_in_a_terminal(["list", *conn], term="xterm")
    assert code == 0, shown
    assert b" pages [" in shown  # a bar was drawn while the listing ran
    screen = [line for line in _screen(shown.decode()) if line]
    assert screen[0].split()[:3] == ["id", "status", "created_at"], screen[:3]
    assert len(screen) == 251 and not [line for line in screen if " pages" in line]


def test_snapshot_every_leaves_no_bar_a_poll(
    imports_emulator: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each poll left its bar on screen, between the result lines, all day."""
    from pinecone_imports_frame.cli import snapshot_command

    now = [1000.0]

    def sleep(seconds: float) -> None:  # time passes only when the loop sleeps
        now[0] += seconds

    monkeypatch.setattr(snapshot_command, "_clock", lambda: now[0])
    monkeypatch.setattr(snapshot_command, "_sleep", sleep)
    conn = ["--host", imports_emulator.url, "--api-key", imports_emulator.api_key]
    lake = str(tmp_path / "lake")
    argv = ["snapshot", *conn, "--to", lake, "--every", "5m", "--count", "3", "--progress"]
    assert main(argv) == 0
    out = capsys.readouterr()
    assert len(out.out.splitlines()) == 3 and " pages" in out.err  # drawn, then cleared
    assert [line for line in _screen(out.err) if line] == [], out.err


def test_the_library_keeps_a_finished_bar(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a notebook or a script, the finished bar stays: it records how the listing went."""
    import pinecone_imports_frame as pif

    pif.read_imports(imports_emulator.url, api_key=imports_emulator.api_key, progress=True)
    assert any(" 3 pages" in line for line in _screen(capsys.readouterr().err))


def test_metrics_textfile_in_a_missing_folder_names_the_folder(
    imports_emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said "No such file or directory: '.../m.prom.16151.139728569781120'" after listing."""
    from pinecone_imports_frame import Connection
    from pinecone_imports_frame.errors import ConfigurationError
    from pinecone_imports_frame.monitoring import ImportsExporter

    path = tmp_path / "missing" / "m.prom"
    conn = ["--host", imports_emulator.url, "--api-key", imports_emulator.api_key]
    assert main(["metrics", *conn, "--textfile", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"pinecone-imports: error: cannot write the metrics to {path}: the folder "
        f"{path.parent} does not exist (create it, or give a path in one that does)\n"
    )
    assert imports_emulator.requests == []  # said before listing, not after
    # The library's own call says the same, naming the path given.
    exporter = ImportsExporter(
        connection=Connection.resolve(imports_emulator.url, api_key=imports_emulator.api_key)
    )
    with pytest.raises(ConfigurationError, match=r"the folder .* does not exist") as raised:
        exporter.write_textfile(path)
    assert f"{path}:" in str(raised.value) and ".prom." not in str(raised.value)


def test_check_of_a_missing_lake_is_one_plain_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It said "the project: the listing failed: the lake: SnapshotError: the lake root..."."""
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--lake", "nolake"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("the lake nolake: ") and out.count("\n") == 1, out
    assert "does not exist" in out
    assert not [w for w in ("the project", "listing failed", "SnapshotError") if w in out], out
