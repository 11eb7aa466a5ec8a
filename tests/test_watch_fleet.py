"""Watching every index of a project at once (issue 10): one watch, imports named index/id."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pandas as pd
import pytest
from faketime import FakeTime

import pinecone_imports_frame as pif
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import IndexConfig, Project
from pinecone_imports_frame.watch import WatchEvent, watch_project_imports

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)


@pytest.fixture
def project() -> Any:
    indexes = [
        IndexConfig("prod-a", imports=120, seed=1),
        IndexConfig("prod-b", imports=120, seed=2),
        IndexConfig("legacy", pod=True),
    ]
    with Project(indexes=indexes, now=NOW) as proj:
        yield proj


@pytest.fixture
def fake(project: Project, monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    return FakeTime(project).install(monkeypatch)


def _running(df: pd.DataFrame) -> set[tuple[str, str]]:
    rows = df[~df["is_terminal"].astype(bool)]
    return set(zip(rows["index_name"].astype(str), rows["id"].astype(str), strict=True))


def test_a_project_watch_waits_for_every_index(project: Project, fake: FakeTime) -> None:
    first = _running(
        pif.read_project_imports(
            api_key=project.api_key, controller_host=project.control.url, progress=False
        )
    )
    assert {name for name, _ in first} == {"prod-a", "prod-b"}  # both have running imports
    events: list[WatchEvent] = []
    history = watch_project_imports(
        api_key=project.api_key,
        controller_host=project.control.url,
        interval="5m",
        progress=False,
        on_event=events.append,
    )
    info = history.attrs["watch"]
    assert info["stopped"] == "done" and info["running_at_start"] == len(first)
    assert set(history["index_name"]) == {"prod-a", "prod-b"}  # the pod index is skipped
    last = history[
        history["listed_at"] >= history.groupby("index_name")["listed_at"].transform("max")
    ]
    assert not (_running(last) & first)
    # Each ending is named by index and id (the two indexes' ids overlap: "1", "2", ...).
    assert all(str(e).split("  import ")[1].startswith(f"{e.index_name}/") for e in events)
    assert {e.index_name for e in events} == {"prod-a", "prod-b"}


def test_without_an_interval_a_project_is_polled_every_thirty_seconds(
    project: Project, fake: FakeTime
) -> None:
    history = watch_project_imports(
        api_key=project.api_key, controller_host=project.control.url, until="2m", progress=False
    )
    assert history.attrs["watch"]["stopped"] == "until"
    assert set(fake.sleeps) == {30.0}


def test_the_cli_watch_of_a_project_polls_every_thirty_seconds_by_default(
    project: Project, fake: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command said 10 s for every watch; a project's poll lists every index."""
    conn = ["--api-key", project.api_key, "--controller-host", project.control.url]
    assert main(["watch", "--all-indexes", *conn, "--until", "2m", "--no-progress"]) == 0
    assert set(fake.sleeps) == {30.0}


DONE = tuple(
    {
        "id": str(i),
        "uri": "s3://b/done/",
        "status": "Completed",
        "createdAt": "2026-03-01T10:00:00Z",
        "finishedAt": "2026-03-01T10:30:00Z",
    }
    for i in range(1, 4)
)


def test_a_failing_index_in_one_poll_does_not_end_its_imports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only "busy" has running imports: if its failed poll counted them as ended, the
    # watch would stop right there.
    indexes = [IndexConfig("quiet", records=DONE), IndexConfig("busy", imports=120, seed=2)]
    with Project(indexes=indexes, now=NOW) as project:
        _failing_poll_checks(project, monkeypatch)


def _failing_poll_checks(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeTime(project).install(monkeypatch)

    def break_busy(sleeps: int) -> None:
        if sleeps == 1:  # the second poll: "busy" answers 503 (no retries below)
            project["busy"].inject("status", status=503, times=1)

    fake.on_sleep.append(break_busy)
    first = _running(
        pif.read_project_imports(
            api_key=project.api_key, controller_host=project.control.url, progress=False
        )
    )
    history = watch_project_imports(
        api_key=project.api_key,
        controller_host=project.control.url,
        interval="5m",
        max_retries=0,
        progress=False,
        on_event=lambda e: None,
    )
    assert history.attrs["watch"]["stopped"] == "done"
    polls = history.attrs["watch"]["polls"]
    # A watch's history keeps each listing's news: "quiet" never changes (its first and
    # last listing), "busy" is in every listing but the one that failed.
    polls_busy = history.loc[history["index_name"] == "busy", "listed_at"].nunique()
    polls_quiet = history.loc[history["index_name"] == "quiet", "listed_at"].nunique()
    assert polls >= 3 and polls_quiet == 2 and polls_busy == polls - 1
    # Its imports were waited for through the failed poll, until a listing showed them ended.
    busy = history[history["index_name"] == "busy"]
    last = _running(busy[busy["listed_at"] == busy["listed_at"].max()])
    assert first and {k[0] for k in first} == {"busy"} and not (last & first)


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"max_workers": 0}, "max_workers"),
        ({"indexes": []}, "indexes"),
        ({"indexes": 5}, "indexes"),
        ({"progress": "no"}, "progress"),
        ({"interval": "soon"}, "interval"),
        ({"snapshot_to": "/proc/no-lake-here"}, "snapshot"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    project: Project, arguments: dict[str, Any], named: str
) -> None:
    with pytest.raises(pif.PineconeImportsError, match=named):
        watch_project_imports(
            api_key=project.api_key,
            controller_host=project.control.url,
            **{"progress": False, **arguments},
        )
    assert project.requests == []


def test_the_watch_command_follows_every_index(
    project: Project, fake: FakeTime, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["watch", "--all-indexes", "--api-key", project.api_key]
    args += ["--controller-host", project.control.url, "--interval", "5m", "--no-progress"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "imports running at the start have ended" in out
    assert "import prod-a/" in out and "import prod-b/" in out


def test_one_id_in_two_indexes_is_two_imports_and_twice_in_one_is_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Per index: "shifted" shows import 2 twice (it moved down a page while paged)."""
    running = [
        {"id": str(i), "uri": f"s3://b/{i}/", "status": "InProgress",
         "createdAt": "2026-03-02T08:00:00Z", "percentComplete": 10.0}
        for i in (1, 2, 3)
    ]  # fmt: skip
    done = {**DONE[0], "id": "9"}
    shifted = [*running[:2], {**running[1], "percentComplete": 12.0}, running[2], done]
    indexes = [IndexConfig("shifted", records=shifted), IndexConfig("plain", records=running)]
    with Project(indexes=indexes, now=NOW) as project:
        FakeTime(project).install(monkeypatch)
        with pytest.warns(pif.DuplicateImportWarning) as caught:
            history = watch_project_imports(
                api_key=project.api_key, controller_host=project.control.url, page_size=2,
                interval="1m", until="2m", progress=False,
            )  # fmt: skip
        shifted_host = project["shifted"].address
    said = [str(w.message) for w in caught if issubclass(w.category, pif.DuplicateImportWarning)]
    assert len(said) == 3 and all(f"1 row of the listing of {shifted_host} " in m for m in said)
    assert history.attrs["watch"]["stopped"] == "until"
    shifted_at = history.loc[history["index_name"] == "shifted", "listed_at"]
    for (name, t), one in history.groupby(["index_name", "listed_at"]):
        # 9 never changes: a watch's history keeps it in the first listing and the last.
        ended = ["9"] if name == "shifted" and t in (shifted_at.min(), shifted_at.max()) else []
        assert one["id"].tolist() == ["1", "2", "3", *ended]
        assert one.loc[one["id"] == "2", "percent_complete"].tolist() == [
            12.0 if name == "shifted" else 10.0
        ]
