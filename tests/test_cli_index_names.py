"""Tables over several indexes name each by its name where known, as the event lines do."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from faketime import FakeTime

import pinecone_imports_frame as pif
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator, IndexConfig, Project

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


def _table(out: str, title: str) -> list[str]:
    """The lines of the table under ``title`` (up to the blank line after it)."""
    lines = out.split(title, 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    return [line for line in lines if not line.startswith("stopped after")]


def test_a_fleet_watch_summary_names_indexes_as_its_event_lines_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    indexes = [
        IndexConfig("prod-a", imports=120, seed=1),
        IndexConfig("prod-b", imports=120, seed=2),
    ]
    with Project(indexes=indexes, now=NOW) as project:
        FakeTime(project).install(monkeypatch)
        conn = ["--api-key", project.api_key, "--controller-host", project.control.url]
        lake = str(tmp_path / "lake")
        argv = ["watch", "--all-indexes", *conn, "--until", "10m", "--no-progress"]
        assert main([*argv, "--snapshot-to", lake]) == 0
        out = capsys.readouterr().out
        events = [line for line in out.splitlines() if "  import " in line]
        assert events and all(re.search(r"import prod-[ab]/", line) for line in events)
        rows = _table(out, "running at the last listing")
        assert {row.split()[0] for row in rows[1:]} == {"prod-a", "prod-b"}
        assert rows[0].startswith("index_name ")
        # The lake the watch wrote: its trends name the indexes too.
        assert main(["trends", lake]) == 0
        out = capsys.readouterr().out
        for title in ("status timeline", "running at the last listing"):
            rows = _table(out, title)
            assert {row.split()[0] for row in rows[1:]} == {"prod-a", "prod-b"}, title


def test_trends_name_indexes_where_known_hosts_elsewhere_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lake"
    with Emulator(imports=40, seed=1, now=NOW) as a, Emulator(imports=40, seed=2, now=NOW) as b:
        for emu, name in ((a, "evil\x1b[2J"), (b, None)):
            listing = pif.read_imports(emu.url, api_key=emu.api_key, progress=False)
            if name is not None:
                listing["index_name"] = name
            else:
                listing["index_name"] = None
            pif.write_snapshot(listing, root)
        capsys.readouterr()
        assert main(["trends", str(root)]) == 0
        out = capsys.readouterr().out
        unnamed = b.address
    assert "\x1b" not in out
    rows = _table(out, "status timeline")
    assert rows[0].startswith("index ")
    assert {row.split()[0] for row in rows[1:]} == {"evil\\x1b[2J", unnamed}
