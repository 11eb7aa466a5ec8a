"""Every code block of the README runs, in order, as a reader would run them.

Against an emulated project (the index of ``PINECONE_INDEX_HOST`` is one of its indexes,
``PINECONE_CONTROLLER_HOST`` its control plane), with the README's lake paths
(``/data/pinecone-imports``, ``s3://ops-lake/pinecone-imports``) pointed at a temporary
folder, and a fake clock for the commands that poll (``--every``, ``watch``) that moves the
project's simulated clock as it sleeps. Python blocks share one namespace, as in a
notebook; shell blocks run their ``pinecone-imports`` lines through the CLI's ``main``;
the SQL blocks run in DuckDB. Only set-up lines (creating a venv, ``pip install``,
``jupyter lab``) and the test command are not run: CI runs those itself.
"""

from __future__ import annotations

import re
import shlex
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from faketime import FakeTime

from pinecone_imports_frame import cli, schema
from pinecone_imports_frame.emulator import IndexConfig, Project

README = Path(__file__).resolve().parents[1] / "README.md"
START = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)
SETUP = ("python3 -m venv", "pip install", "jupyter lab", "python -m pytest")


def _blocks() -> list[tuple[str, str]]:
    return re.findall(r"```(\w*)\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    indexes = [
        IndexConfig("prod-search", imports=250, seed=1),
        IndexConfig("prod-recs", imports=120, seed=2),
        IndexConfig("search", imports=60, seed=3),
    ]
    with Project(indexes=indexes, now=START) as project:
        monkeypatch.setenv("PINECONE_API_KEY", project.api_key)
        monkeypatch.setenv("PINECONE_INDEX_HOST", project["prod-search"].address)
        monkeypatch.setenv("PINECONE_CONTROLLER_HOST", project.control.url)
        # The project's clock runs 20 times faster (as Emulator(speed=...) does), so that
        # a watch "until every running import has ended" takes tens of polls, not hundreds.
        FakeTime(project, speed=20).install(monkeypatch)
        monkeypatch.chdir(tmp_path)
        yield project


def _local(text: str, lake: Path) -> str:
    """The README's lake paths, pointed at the test's folder."""
    return text.replace("s3://ops-lake/pinecone-imports", str(lake)).replace(
        "/data/pinecone-imports", str(lake)
    )


def _shell_line(line: str, lake: Path) -> list[str] | None:
    """The arguments of a ``pinecone-imports`` line, or None for a set-up line."""
    words = shlex.split(_local(line, lake), comments=True)
    if not words or line.strip().startswith(SETUP):
        return None
    assert words[0] == "pinecone-imports", f"a README shell line the test cannot run: {line}"
    if "--every" in words:  # "until interrupted": two polls on the fake clock
        words += ["--count", "2"]
    return words[1:]


def test_every_readme_block_runs(
    world: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    lake = tmp_path / "lake"
    namespace: dict[str, Any] = {}
    ran = {"python": 0, "bash": 0, "sql": 0}
    skipped: list[str] = []
    for lang, body in _blocks():
        if lang == "python":
            exec(compile(_local(body, lake), "README.md", "exec"), namespace)
        elif lang == "bash":
            for line in body.splitlines():
                argv = _shell_line(line, lake)
                if argv is None:
                    skipped.append(line)
                    continue
                # `check` exits 1 when it finds a problem: the emulated project has some.
                allowed = (0, 1) if argv[0] == "check" else (0,)
                assert cli.main(argv) in allowed, (line, capsys.readouterr().err)
        elif lang == "sql":
            sql = "\n".join(x for x in body.splitlines() if not x.startswith("--"))
            rows = duckdb.sql(_local(sql, lake)).fetchall()
            assert rows and sum(r[-1] for r in rows) > 0
        else:
            assert lang == "text", f"a README block with no language: {body[:60]!r}"
            continue
        ran[lang] += 1
    assert min(ran.values()) >= 1
    assert all(line.strip().startswith(SETUP) for line in skipped if line.strip())
    # What the blocks promise, checked on what they produced.
    df, fleet, history = namespace["df"], namespace["fleet"], namespace["history"]
    assert len(df) == 250 and df.dtypes.to_dict() == schema.pandas_dtypes()
    assert set(fleet["index_name"]) == {"prod-search", "prod-recs", "search"}
    assert fleet.attrs["errors"] == [] and fleet.attrs["skipped"] == []
    assert history["listed_at"].nunique() >= 2
    assert (tmp_path / "imports.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert len(namespace["later"]) >= 250 and isinstance(namespace["running"], pd.DataFrame)
    assert "pinecone_imports_listing_success{" in namespace["metrics_text"]
    assert (tmp_path / "pinecone_imports.prom").read_text().startswith("# HELP")
    assert isinstance(namespace["problems"], pd.DataFrame)
