"""The README's recipes answer their questions, its promises name real tests, its names exist.

The recipes run alone, in order, in a namespace of their own, against the emulated project
of ``test_readme`` (the same world: three indexes, the README's lake paths in a temporary
folder, a fake clock for ``--every`` and ``watch``); then each answer is checked against
what the package computes another way. A README that names a function, a trend or an
option the code no longer has (it once said ``trends.progress``, renamed) fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from faketime import FakeTime
from test_readme import README, _local, _shell_line, world

import pinecone_imports_frame as pif
from pinecone_imports_frame import cli, monitoring, trends
from pinecone_imports_frame.emulator import Emulator, Project

__all__ = ["world"]  # a fixture, used by name
ROOT = README.parent


def _section(title: str) -> str:
    """The text of a ``## `` section, up to the next heading of level one or two."""
    lines = README.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"## {title}\n")
    fenced = False
    for end in range(start + 1, len(lines)):
        fenced ^= lines[end].startswith("```")
        if not fenced and re.match(r"#{1,2} ", lines[end]):  # not a comment in a block
            break
    else:
        end = len(lines)
    return "".join(lines[start:end])


def test_every_recipe_runs_and_answers_its_question(
    world: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import duckdb

    recipes = _section("Recipes")
    titles = re.findall(r"^### (.+)$", recipes, re.M)
    assert len(titles) >= 10, titles
    for part in recipes.split("\n### ")[1:]:
        assert re.search(r"```(python|bash|sql)\n", part), f"a recipe with no code: {part[:60]}"

    lake = tmp_path / "lake"
    ns: dict[str, Any] = {}
    sql_rows: list[tuple[Any, ...]] = []
    for lang, body in re.findall(r"```(\w*)\n(.*?)```", recipes, re.S):
        if lang == "python":
            exec(compile(_local(body, lake), "README.md#recipes", "exec"), ns)
        elif lang == "bash":
            for line in body.splitlines():
                argv = _shell_line(line, lake)
                if argv is not None:
                    allowed = (0, 1) if argv[0] == "check" else (0,)
                    assert cli.main(argv) in allowed, (line, capsys.readouterr().err)
        elif lang == "sql":
            sql = "\n".join(x for x in body.splitlines() if not x.startswith("--"))
            sql_rows = duckdb.sql(_local(sql, lake)).fetchall()
        else:
            assert lang == "text", lang

    # What failed this week, and why: failed imports of the last 7 days, grouped by kind.
    df, week, why = ns["df"], ns["week"], ns["why"]
    assert len(week) and (week["status"] == "Failed").all()
    assert (week["finished_at"] >= df["listed_at"].max() - pd.Timedelta(days=7)).all()
    assert int(why.sum()) == len(week) and len(why) < len(week)  # kinds, not imports
    # Every history answer reads the lake the first recipe keeps: two listings at least.
    history = ns["history"]
    assert history["listed_at"].nunique() >= 2
    assert set(ns["eta"]["id"]) <= set(history["id"])
    # Records per day count each import once, not once per listing.
    last = trends.latest(history)
    finished = last[last["finished_at"].notna()]
    per_day = ns["per_day"]
    assert per_day["records_imported"].sum() == finished["records_imported"].sum()
    assert per_day["records_imported"].sum() < history["records_imported"].sum()
    # The slowest imports this month: completed this month, longest first.
    slowest = ns["slowest"]
    assert 0 < len(slowest) <= 10 and slowest["duration"].is_monotonic_decreasing
    assert (slowest["status"] == "Completed").all()
    assert (slowest["finished_at"].dt.month == history["listed_at"].max().month).all()
    # Every index of a project, and the shell's pattern.
    assert set(ns["fleet"]["index_name"]) == {"prod-search", "prod-recs", "search"}
    shown = pd.read_csv(tmp_path / "fleet.csv")
    assert set(shown["index_name"]) == {"prod-search", "prod-recs"}
    # DuckDB's newest row per import gives trends.latest's counts.
    expected = last.groupby(["index_host", "status"], observed=True).size()
    assert {(h, s): n for h, s, n in sql_rows} == expected.to_dict()
    # The report for the team.
    html = (tmp_path / "imports.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")


def test_every_promise_names_tests_that_exist() -> None:
    promises = re.findall(r"^- \*\*(.+?)(?=^- \*\*|\Z)", _section("Promises"), re.M | re.S)
    assert len(promises) >= 12
    for promise in promises:
        files = re.findall(r"`(tests/test_\w+\.py)`", promise)
        assert files, f"a promise that names no test: {promise[:60]}"
        for name in files:
            assert (ROOT / name).is_file(), f"{name}, named by a promise, does not exist"


def _help_texts(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """Each command's --help, by the command's name ("" for the top level)."""

    def help_of(*argv: str) -> str:
        with pytest.raises(SystemExit):
            cli.main([*argv, "--help"])
        return capsys.readouterr().out

    top = help_of()
    commands = re.findall(r"^    (\w+) ", top, re.M)
    assert {"list", "demo", "snapshot", "watch", "check", "emulator"} <= set(commands)
    return {"": top} | {c: help_of(c) for c in commands}


#: Options the README names that belong to other tools: ruff, node_exporter, the benchmark,
#: and a mistyped option shown being refused.
OTHER_TOOLS = {"--check", "--collector", "--quick", "--apikey"}


def test_every_name_the_readme_gives_exists(capsys: pytest.CaptureFixture[str]) -> None:
    text = README.read_text(encoding="utf-8")
    modules = {"pif": pif, "trends": trends, "monitoring": monitoring}
    for module, name in set(re.findall(r"\b(pif|trends|monitoring)\.([A-Za-z_]\w*)", text)):
        if name in {"ipynb", "py"}:  # a file name: notebooks/imports_trends.ipynb
            continue
        assert hasattr(modules[module], name), f"the README names {module}.{name}"
    # The trends table's functions.
    table = _section("Trends: what runs, when it ends, what failed, how fast")
    named = re.findall(r"^\| `(\w+)`(?: / `(\w+)`)? \|", table, re.M)
    functions = {n for pair in named for n in pair if n}
    assert len(functions) >= 10 and functions <= set(trends.__all__), functions
    # Every command and option the README names.
    helps = _help_texts(capsys)
    for command in set(re.findall(r"\bpinecone-imports ([a-z]+)", text)):
        assert command in helps, f"the README names `pinecone-imports {command}`"
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text)) - OTHER_TOOLS
    known = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", "\n".join(helps.values())))
    assert options <= known, sorted(options - known)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_inside_the_readme_leads_to_a_heading() -> None:
    text = README.read_text(encoding="utf-8")
    outside = re.sub(r"```.*?```", "", text, flags=re.S)  # a "# comment" is no heading
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", outside, re.M)}
    links = re.findall(r"\]\(#([^)]+)\)", text)
    assert links and set(links) <= anchors, sorted(set(links) - anchors)
    for path in re.findall(r"\]\((?!#|https?:)([^)]+)\)", text):
        assert (ROOT / path).exists(), path


def test_the_offline_watch_shows_a_minute_of_imports_ending(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It ran a watch that ended after two polls: every running import ended in between."""
    shown = _section("Watching imports live").split("**Try it offline**", 1)[1]
    block = re.search(r"```text\n(.*?)```", shown, re.S)
    assert block is not None
    serve, watch = block.group(1).splitlines()
    speed = float(re.search(r"--speed (\d+)", serve).group(1))  # type: ignore[union-attr]
    interval = re.search(r"--interval (\S+)", watch).group(1)  # type: ignore[union-attr]
    with Emulator(imports=250, seed=0) as emu:  # the emulator command's defaults
        fake = FakeTime(emu, speed=speed).install(monkeypatch)
        argv = ["watch", "--host", emu.url, "--api-key", emu.api_key, "--interval", interval]
        assert cli.main([*argv, "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert 20 <= sum(fake.sleeps) <= 150, fake.sleeps  # "about a minute" of real time
    ended = [x for x in lines if re.search(r" import \S+ (Completed|Failed|Cancelled)", x)]
    assert len(ended) >= 3, lines
