"""Names and patterns of ``indexes=`` that match nothing: said, and an error when none is left.

A typo (``--indexes prod-serch``) or a pattern that matches only skipped indexes once made
every fleet command report success while doing nothing: ``list`` "no imports", ``check``
healthy, ``snapshot`` "0 imports of 0 indexes", ``metrics`` no series, ``watch`` done.
"""

from __future__ import annotations

import re
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from faketime import FakeTime

import pinecone_imports_frame as pif
from pinecone_imports_frame import client as client_module
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import IndexConfig, Project

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "_sleep", lambda s: None)


def _fleet(project: Project, **kw: Any) -> Any:
    return pif.read_project_imports(
        api_key=project.api_key, controller_host=project.control.url, progress=False, **kw
    )


def _data_plane_requests(project: Project) -> list[Any]:
    return [r for index in project for r in index.requests]


# -- the library ----------------------------------------------------------------------------


def test_a_name_matching_no_index_is_warned_about_and_the_others_listed(
    imports_project: Project,
) -> None:
    with pytest.warns(pif.UnmatchedIndexWarning) as caught:
        df = _fleet(imports_project, indexes=["prod-search", "prod-serch"])
    (warning,) = caught  # one warning, for the one name that matched nothing
    said = str(warning.message)
    assert "'prod-serch'" in said and "prod-search" in said  # the typo and the real names
    assert warning.filename == __file__  # pointed at the caller
    assert set(df["index_name"]) == {"prod-search"}
    assert [s["index_name"] for s in df.attrs["skipped"]][-1] == "prod-serch"


@pytest.mark.parametrize("indexes", ["prod-serch", ["nomatch*", "nope"]])
def test_names_matching_no_index_are_an_error_naming_them_and_the_projects_indexes(
    imports_project: Project, indexes: Any
) -> None:
    with pytest.raises(pif.ConfigurationError, match="no index selected") as raised:
        _fleet(imports_project, indexes=indexes)
    said = str(raised.value)
    for name in [indexes] if isinstance(indexes, str) else indexes:
        assert repr(name) in said
    assert "prod-search" in said and "legacy-pods" in said  # what the project has
    assert isinstance(raised.value, pif.PineconeImportsError)
    assert _data_plane_requests(imports_project) == []  # no index was asked


def test_names_of_skipped_indexes_only_are_an_error_saying_why(imports_project: Project) -> None:
    with pytest.raises(pif.ConfigurationError, match="no index selected") as raised:
        _fleet(imports_project, indexes=["legacy-*", "dev-warming-up"])
    said = str(raised.value)
    assert "legacy-pods: pod-based" in said and "dev-warming-up: not ready" in said


def test_every_index_of_a_project_with_none_to_drain_is_not_an_error() -> None:
    """Unchanged: without names (every index), a project of skipped indexes lists nothing."""
    with Project(indexes=[IndexConfig("legacy", pod=True)]) as project, warnings.catch_warnings():
        warnings.simplefilter("error")
        df = _fleet(project)
    assert len(df) == 0 and [s["index_name"] for s in df.attrs["skipped"]] == ["legacy"]


def test_server_names_in_the_error_and_the_warning_are_escaped() -> None:
    from pinecone_imports_frame.fleet import check_selection, select_indexes

    models = [
        {"name": "evil\x1b]52;c;aGk=\x07", "host": "a.svc", "status": {"ready": False}},
        {"name": "good", "host": "b.svc", "status": {"ready": True}},
    ]
    targets, skipped = select_indexes(models, ["evil*"])
    with pytest.raises(pif.ConfigurationError) as raised:
        check_selection(models, ["evil*"], targets, skipped)
    assert "\x1b" not in str(raised.value) and "\x07" not in str(raised.value)
    assert "evil\\x1b]52" in str(raised.value)  # shown escaped
    targets, skipped = select_indexes(models, ["good", "nope"])
    with pytest.warns(pif.UnmatchedIndexWarning) as caught:
        check_selection(models, ["good", "nope"], targets, skipped)
    assert "\x1b" not in str(caught[0].message)


def test_check_imports_refuses_names_matching_no_index(imports_project: Project) -> None:
    from pinecone_imports_frame.monitoring import check_imports

    conn = pif.Connection.resolve(
        api_key=imports_project.api_key, controller_host=imports_project.control.url
    )
    with pytest.raises(pif.ConfigurationError, match="'prod-serch'"):
        check_imports(connection=conn, all_indexes=True, indexes="prod-serch")


# -- the command line -----------------------------------------------------------------------


def _conn(project: Project) -> list[str]:
    return ["--api-key", project.api_key, "--controller-host", project.control.url]


def test_cli_list_warns_in_one_line_about_a_name_matching_no_index(
    imports_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["list", "--all-indexes", "--indexes", "prod-search", "nope-*", "--format", "csv"]
    assert main([*argv, *_conn(imports_project), "--no-progress"]) == 0
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith("pinecone-imports: warning: no index of the project matches 'nope-*'")
    assert len(captured.out.strip().splitlines()) == 1 + 250  # prod-search's imports


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["check"],
        ["snapshot", "--to", "{lake}"],
        ["metrics", "--textfile", "{lake}/imports.prom"],
        ["watch", "--until", "1m"],
    ],
)
def test_every_cli_command_fails_on_names_matching_no_index(
    imports_project: Project,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    FakeTime(imports_project).install(monkeypatch)
    argv = [part.replace("{lake}", str(tmp_path)) for part in command]
    options = ["--all-indexes", "--indexes", "prod-serch", *_conn(imports_project)]
    if command[0] in ("list", "snapshot", "watch"):
        options.append("--no-progress")
    code = main([*argv, *options])
    captured = capsys.readouterr()
    assert code != 0  # a cron job sees it
    assert "prod-serch" in captured.err and "prod-search" in captured.err
    assert imports_project.api_key not in captured.err + captured.out
    assert _data_plane_requests(imports_project) == []
    if command[0] == "check":
        assert code == 2  # a bad argument, as documented (1 is a problem found)
    if command[0] == "snapshot":
        assert not list(tmp_path.rglob("*.parquet")) and "0 imports" not in captured.out
    if command[0] == "metrics":  # the exporter's way: the file says the listing failed
        text = (tmp_path / "imports.prom").read_text()
        assert re.search(r"^pinecone_imports_listing_success\{.*\} 0\.0$", text, re.M)


# -- what polls: once is enough -------------------------------------------------------------


@pytest.fixture
def busy_project() -> Any:
    indexes = [IndexConfig("prod-a", imports=120, seed=1), IndexConfig("legacy", pod=True)]
    with Project(indexes=indexes, now=NOW) as project:
        yield project


def test_a_watch_warns_once_about_a_name_matching_no_index(
    busy_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeTime(busy_project).install(monkeypatch)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # every warning raised is recorded, none deduplicated
        history = pif.watch_project_imports(
            api_key=busy_project.api_key,
            controller_host=busy_project.control.url,
            indexes=["prod-*", "prod-serch"],
            interval="5m",
            until="16m",  # four polls
            progress=False,
            on_event=lambda e: None,
        )
    assert history.attrs["watch"]["polls"] >= 3
    unmatched = [w for w in caught if issubclass(w.category, pif.UnmatchedIndexWarning)]
    assert len(unmatched) == 1 and "'prod-serch'" in str(unmatched[0].message)


def test_a_watch_of_names_matching_no_index_fails_at_once(
    busy_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeTime(busy_project).install(monkeypatch)
    with pytest.raises(pif.ConfigurationError, match="legacy: pod-based"):
        pif.watch_project_imports(
            api_key=busy_project.api_key,
            controller_host=busy_project.control.url,
            indexes="legacy",
            interval="5m",
            progress=False,
        )
    assert fake.sleeps == []


def test_snapshot_every_warns_once(
    busy_project: Project,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    FakeTime(busy_project).install(monkeypatch)
    argv = ["snapshot", "--to", str(tmp_path), "--every", "5m", "--count", "3", "--all-indexes"]
    argv += ["--indexes", "prod-*", "nope", *_conn(busy_project), "--no-progress"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.err.count("no index of the project matches 'nope'") == 1
    assert captured.out.count("imports of 1 indexes") == 3


def test_the_exporter_warns_once_and_shows_a_selection_of_none_as_a_failed_listing(
    busy_project: Project,
) -> None:
    pytest.importorskip("prometheus_client")
    from pinecone_imports_frame.monitoring import ImportsExporter

    conn = pif.Connection.resolve(
        api_key=busy_project.api_key, controller_host=busy_project.control.url
    )
    exporter = ImportsExporter(connection=conn, all_indexes=True, indexes=["prod-a", "nope"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert exporter.refresh() is True
        assert exporter.refresh() is True
    unmatched = [w for w in caught if issubclass(w.category, pif.UnmatchedIndexWarning)]
    assert len(unmatched) == 1 and "'nope'" in str(unmatched[0].message)
    assert 'pinecone_imports_listing_success{index_host="' in exporter.text()

    none_left = ImportsExporter(connection=conn, all_indexes=True, indexes=["nope", "legacy"])
    assert none_left.refresh() is False  # never a silent, empty exposition
    text = none_left.text()
    assert re.search(r"^pinecone_imports_listing_success\{.*\} 0\.0$", text, re.M)
