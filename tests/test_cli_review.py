"""What a new user of ``pinecone-imports`` met: flags that did nothing, bars on a dumb terminal.

``-o -`` written as a file named "-", a lake's unknown scheme, a retry that was not, and
an address in use without its port.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator


def _conn(emu: Emulator) -> list[str]:
    return ["--host", emu.url, "--api-key", emu.api_key]


def test_snapshot_count_without_every_is_refused_before_any_request(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--count 3 without --every took one snapshot and said nothing (exit 0)."""
    lake = tmp_path / "lake"
    argv = ["snapshot", *_conn(imports_emulator), "--to", str(lake), "--count", "3"]
    assert main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "add --every" in err and "--count" in err, err
    assert imports_emulator.requests == [] and not lake.exists()


def test_watch_whose_first_poll_fails_says_only_the_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It said "poll 1 failed, will retry at the next tick" and then ended with the error."""
    argv = ["watch", "--host", "http://127.0.0.1:1", "--api-key", "k" * 12]
    assert main([*argv, "--max-retries", "0", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pinecone-imports: error: "), err
    assert "will retry" not in err and "127.0.0.1:1" in err, err


@pytest.mark.parametrize(
    "root", ["ftp://127.0.0.1:1/lake", "http://127.0.0.1:1/lake", "sftp://127.0.0.1:1/x"]
)
def test_a_lake_url_of_another_scheme_is_refused_before_any_network(
    root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ftp://x/lake was handed to fsspec, which looked the host up and tried to connect."""
    import socket

    from pinecone_imports_frame import ConfigurationError, read_snapshots, write_snapshot
    from pinecone_imports_frame.frame import empty_frame

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    scheme = root.split(":", 1)[0]
    for call in (lambda: read_snapshots(root), lambda: write_snapshot(empty_frame(), root)):
        with pytest.raises(ConfigurationError) as info:
            call()
        said = str(info.value)
        assert f"{scheme}://" in said and "s3://" in said and "gs://" in said, said
        assert "az://" in said and "local folder" in said, said


def test_snapshot_to_a_lake_of_another_scheme_is_refused_before_any_request(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["snapshot", *_conn(imports_emulator), "--to", "ftp://127.0.0.1:1/lake"]
    assert main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ftp://" in err and "s3://" in err, err
    assert imports_emulator.requests == []


def test_list_output_dash_is_standard_output_in_every_format(
    imports_emulator: Emulator,
    capsysbinary: pytest.CaptureFixture[bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """list -o - wrote a file named "-"."""
    import io
    import json

    import pandas as pd

    monkeypatch.chdir(tmp_path)
    ids = [r["id"] for r in imports_emulator.records()]
    base = ["list", *_conn(imports_emulator), "-o", "-", "--no-progress"]
    assert main([*base, "--format", "csv"]) == 0
    out = capsysbinary.readouterr()
    assert pd.read_csv(io.BytesIO(out.out), dtype={"id": str})["id"].tolist() == ids
    assert out.err == b""  # no "wrote 250 imports to -"
    assert main([*base, "--format", "json"]) == 0
    assert [r["id"] for r in json.loads(capsysbinary.readouterr().out)] == ids
    assert main(base) == 0  # the table, as without -o
    assert capsysbinary.readouterr().out.split()[:2] == [b"id", b"status"]
    assert main([*base, "--format", "parquet"]) == 0
    assert pd.read_parquet(io.BytesIO(capsysbinary.readouterr().out))["id"].tolist() == ids
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_list_parquet_to_a_terminal_is_refused_before_any_request(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pinecone_imports_frame.cli import list_command

    monkeypatch.setattr(list_command, "_stdout_is_terminal", lambda: True)
    argv = ["list", *_conn(imports_emulator), "-o", "-", "--format", "parquet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "redirect stdout" in err, err
    assert imports_emulator.requests == []


def test_report_output_dash_is_standard_output(
    imports_emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """report -o - was refused as "a file without an ending"."""
    lake = tmp_path / "lake"
    assert main(["snapshot", *_conn(imports_emulator), "--to", str(lake), "--no-progress"]) == 0
    capsys.readouterr()
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(lake), "-o", "-"]) == 0
    out = capsys.readouterr()
    assert out.out.lstrip().lower().startswith("<!doctype html") and "</html>" in out.out
    assert out.err.startswith("wrote the report to stdout (1 listings"), out.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lake"]


def _run_in_a_terminal(argv: list[str], *, term: str) -> tuple[int, bytes]:
    """Run the CLI in a process whose stdout and stderr are a pseudo-terminal; its output."""
    import fcntl
    import os
    import select
    import struct
    import subprocess
    import sys
    import termios

    master, slave = os.openpty()
    # 24 rows of 100 columns: a new pseudo-terminal has none, and tqdm draws bars that wide.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = {**os.environ, "TERM": term}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pinecone_imports_frame", *argv],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    shown = b""
    try:
        while select.select([master], [], [], 60)[0]:  # waits for output, never sleeps
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the process ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
        code = proc.wait(timeout=60)
    return code, shown


@pytest.mark.parametrize("term", ["dumb", "xterm"])
def test_a_dumb_terminal_gets_no_progress_bar_and_the_rest_unchanged(
    imports_emulator: Emulator, term: str
) -> None:
    """TERM=dumb drew progress bars, cursor movements (ESC [A) and all."""
    code, shown = _run_in_a_terminal(["list", *_conn(imports_emulator)], term=term)
    assert code == 0, shown
    assert b"id   status      created_at" in shown  # the table, as in any terminal
    assert shown.count(b"\r\n") >= 251  # the table, each import a line
    if term == "dumb":
        assert b" pages" not in shown and b"\x1b" not in shown, shown[:300]
    else:  # the same test sees a bar where the terminal can draw one
        assert b" pages [" in shown  # drawn as it lists (cleared before the table)


@pytest.fixture
def port_in_use() -> Iterator[int]:
    """A port of 127.0.0.1 that a socket of this test listens on."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


@pytest.mark.parametrize("command", ["metrics", "emulator", "emulator --indexes 2"])
def test_a_port_in_use_is_named_with_what_to_do(
    command: str,
    port_in_use: int,
    imports_emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It said "[Errno 98] Address already in use", naming no port."""
    argv = [*command.split(), "--port", str(port_in_use)]
    if command == "metrics":
        argv += _conn(imports_emulator)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pinecone-imports: error: "), err
    assert f"127.0.0.1:{port_in_use} is in use" in err and "--port 0" in err, err
    assert "Errno" not in err


def test_metrics_bind_to_an_address_not_of_this_machine_names_it(
    imports_emulator: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """It said "[Errno 99] Cannot assign requested address", naming no address.

    Simulated (no address but loopback is ever bound here): the server's bind raises what
    Linux raises for an address that is not the machine's.
    """
    import errno

    from pinecone_imports_frame.monitoring import _exporter

    def not_here(self: object, *, bind: str, port: int) -> None:
        raise OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address")

    monkeypatch.setattr(_exporter.ImportsExporter, "serve", not_here)
    argv = ["metrics", *_conn(imports_emulator), "--bind", "192.0.2.7", "--port", "9999"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "192.0.2.7:9999" in err and "--bind" in err, err
    assert main([*argv[:-4], "--bind", "sk-not-an-address", "--port", "9999"]) == 2
    err = capsys.readouterr().err
    assert "sk-not-an-address" not in err and "the --bind address:9999" in err, err
