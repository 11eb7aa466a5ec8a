"""The fleet view against an emulated project: every index at once, failures kept apart."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame import FleetError, FleetWarning, read_imports, read_project_imports
from pinecone_imports_frame import client as client_module
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import IndexConfig, Project

LISTED = {"prod-search": 250, "prod-recs": 120, "staging-search": 40, "dev-empty": 0}


@pytest.fixture(autouse=True)
def _no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "_sleep", lambda s: None)


def _fleet(project: Project, **kw: object) -> pd.DataFrame:
    kw.setdefault("progress", False)
    return read_project_imports(
        api_key=project.api_key,
        controller_host=project.control.url,
        **kw,  # type: ignore[arg-type]
    )


def test_every_index_is_drained_and_tagged(imports_project: Project) -> None:
    df = _fleet(imports_project)
    assert df.groupby("index_name").size().to_dict() == {k: v for k, v in LISTED.items() if v}
    assert df.dtypes.to_dict() == pif.schema.pandas_dtypes()
    for name, count in LISTED.items():
        alone = read_imports(
            imports_project[name].url,
            api_key=imports_project.api_key,
            index_name=name,
            progress=False,
        )
        mine = df[df["index_name"] == name].reset_index(drop=True)
        assert len(alone) == len(mine) == count
        assert (mine["index_host"] == imports_project[name].address).all()
        cols = [c for c in df.columns if c not in ("listed_at", "elapsed")]
        pd.testing.assert_frame_equal(mine[cols], alone[cols])
    assert df.attrs["errors"] == []
    assert {s["index_name"] for s in df.attrs["skipped"]} == {"dev-warming-up", "legacy-pods"}


def test_skipped_indexes_say_why_and_an_empty_index_is_neither(imports_project: Project) -> None:
    df = _fleet(imports_project)
    reasons = {s["index_name"]: s["reason"] for s in df.attrs["skipped"]}
    assert "not ready" in reasons["dev-warming-up"]
    assert "serverless" in reasons["legacy-pods"]
    assert "dev-empty" not in reasons and "dev-empty" not in str(df.attrs["errors"])
    assert not any(r.path.startswith("/bulk") for r in imports_project["legacy-pods"].requests)


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ("prod-*", {"prod-search", "prod-recs"}),
        (["staging-search", "prod-r*"], {"staging-search", "prod-recs"}),
        ("*-search", {"prod-search", "staging-search"}),
    ],
)
def test_names_and_patterns_choose_indexes(
    imports_project: Project, patterns: object, expected: set[str]
) -> None:
    df = _fleet(imports_project, indexes=patterns)
    assert set(df["index_name"]) == expected


def test_a_pattern_matching_nothing_is_reported(imports_project: Project) -> None:
    with pytest.warns(pif.UnmatchedIndexWarning, match="nope-"):
        df = _fleet(imports_project, indexes=["prod-search", "nope-*"])
    assert set(df["index_name"]) == {"prod-search"}
    assert [s["index_name"] for s in df.attrs["skipped"]] == ["nope-*"]


def test_a_failing_index_is_collected_while_the_rest_arrive(imports_project: Project) -> None:
    imports_project["prod-recs"].inject("status", status=503, times=100, after=1)
    with pytest.warns(FleetWarning, match="prod-recs") as caught:
        df = _fleet(imports_project, max_retries=1)
    assert len(caught) == 1  # warned once
    assert df.groupby("index_name").size().to_dict() == {
        "prod-search": 250,
        "prod-recs": 100,  # its first page arrived before the failure: kept
        "staging-search": 40,
    }
    (error,) = df.attrs["errors"]
    assert error["index_name"] == "prod-recs" and error["status"] == 503
    assert error["error_type"] == "ServerError" and error["rows_kept"] == 100
    assert error["index_host"] == imports_project["prod-recs"].address
    json.dumps(df.attrs)  # plain values only: pandas compares attrs when it concatenates
    pd.concat([df, df])  # and a fleet frame still stacks


def test_a_slow_index_does_not_hold_up_the_others(
    imports_project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    """A loop over the indexes waits for each in turn; the fleet lets the fast ones finish."""
    imports_project["prod-search"].set_latency(0.3)  # first in the control plane's order
    try:
        with caplog.at_level("INFO", logger="pinecone_imports_frame.fleet"):
            df = _fleet(imports_project, verbose=True)
    finally:
        imports_project["prod-search"].set_latency(0)
    finished = [r.getMessage().split()[1] for r in caplog.records if "imports," in r.getMessage()]
    assert finished[-1] == "prod-search" and len(finished) == 4  # done last, though first
    assert df.groupby("index_name").size().to_dict() == {
        "prod-search": 250,
        "prod-recs": 120,
        "staging-search": 40,
    }


def test_raise_mode_raises_after_all_finish_with_every_row(imports_project: Project) -> None:
    imports_project["staging-search"].inject("status", status=500, times=100)
    with pytest.raises(FleetError, match="staging-search") as info:
        _fleet(imports_project, max_retries=0, on_error="raise")
    partial = info.value.partial
    assert partial is not None
    assert partial.groupby("index_name").size().to_dict() == {"prod-search": 250, "prod-recs": 120}
    assert [e["index_name"] for e in info.value.errors] == ["staging-search"]
    assert isinstance(info.value.__cause__, pif.ServerError)


def test_no_more_requests_in_flight_than_workers() -> None:
    indexes = [IndexConfig(f"idx-{i}", imports=150, seed=i, latency=0.01) for i in range(6)]
    with Project(indexes=indexes) as project:
        df = _fleet(project, max_workers=2)
        assert len(df) == 6 * 150
        assert project.max_in_flight == 2  # concurrent, and bounded
        project.reset()
        _fleet(project, max_workers=6)
        assert 2 < project.max_in_flight <= 6


def test_snapshot_to_writes_one_snapshot_per_index(
    imports_project: Project, tmp_path: Path
) -> None:
    df = _fleet(imports_project, snapshot_to=tmp_path)
    inventory = pif.list_snapshots(tmp_path)
    assert sorted(inventory["index_name"]) == sorted(LISTED)
    back = pif.read_snapshots(tmp_path)
    assert len(back) == len(df)


def test_the_key_is_nowhere_in_the_result_or_its_errors() -> None:
    secret = "pcsk_fleet_secret_0123456789"
    with Project(indexes=["a-one", IndexConfig("b-two", imports=10)], api_key=secret) as project:
        project["a-one"].inject("status", status=401, times=10)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            df = _fleet(project)
    text = json.dumps(df.attrs) + " ".join(str(w.message) for w in caught) + df.to_csv()
    assert secret not in text
    assert df.attrs["errors"][0]["error_type"] == "AuthenticationError"


def test_the_controller_comes_from_the_environment(
    imports_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINECONE_CONTROLLER_HOST", imports_project.control.url)
    monkeypatch.setenv("PINECONE_API_KEY", imports_project.api_key)
    df = read_project_imports(indexes="prod-recs", progress=False)
    assert len(df) == 120


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_workers": 0}, "max_workers"),
        ({"max_workers": True}, "max_workers"),
        ({"on_error": "ignore"}, "on_error"),
        ({"indexes": []}, "indexes"),
        ({"indexes": 5}, "indexes"),  # was a bare TypeError
        ({"page_size": 0}, "page_size"),
        ({"on_bad_record": "skip"}, "on_bad_record"),  # was checked per index, after requests
        ({"progress": "no"}, "progress"),  # a truthy string turned the bar on
        ({"verbose": "yes"}, "verbose"),
    ],
)
def test_bad_arguments_send_nothing(
    imports_project: Project, kwargs: dict[str, object], match: str
) -> None:
    with pytest.raises(pif.ConfigurationError, match=match):
        _fleet(imports_project, **kwargs)
    assert imports_project.requests == []


@pytest.mark.parametrize("command", ["list", "watch", "snapshot"])
@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--indexes", "prod-*"], "add --all-indexes"),
        (["--all-indexes", "--index-name", "prod-search"], "drop --host/--index-name"),
    ],
)
def test_cli_fleet_options_that_contradict_are_refused_before_any_request(
    imports_project: Project,
    capsys: pytest.CaptureFixture[str],
    command: str,
    options: list[str],
    says: str,
    tmp_path: Path,
) -> None:
    conn = ["--api-key", imports_project.api_key, "--controller-host", imports_project.control.url]
    extra = ["--to", str(tmp_path)] if command == "snapshot" else []
    assert main([command, *options, *conn, *extra, "--no-progress"]) == 2
    assert says in capsys.readouterr().err
    assert imports_project.requests == []


def test_cli_lists_every_index_and_reports_failures(
    imports_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = ["--api-key", imports_project.api_key, "--controller-host", imports_project.control.url]
    assert main(["list", "--all-indexes", *conn, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1 + sum(LISTED.values())
    imports_project["prod-search"].inject("status", status=503, times=100)
    code = main(
        [
            "list",
            "--all-indexes",
            "--indexes",
            "prod-*",
            *conn,
            "--max-retries",
            "0",
            "--format",
            "csv",
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "index prod-search failed" in captured.err
    assert len(captured.out.strip().splitlines()) == 1 + 120


def test_a_control_plane_listing_odd_indexes_skips_them_saying_why() -> None:
    """Each was drained twice, taken as ready, or dropped without a word."""
    from hostile import HostileServer, answer

    from pinecone_imports_frame.emulator import Emulator

    ready = {"spec": {"serverless": {}}, "status": {"ready": True}}
    with Emulator(imports=5, seed=1) as emu:
        good = {"name": "prod", "host": emu.address, **ready}
        models = [
            good,
            dict(good),  # the same index listed twice
            {"name": 5, "host": "x.svc", **ready},
            {
                "name": "warming",
                "host": "w.svc",
                "spec": {"serverless": {}},
                "status": {"ready": "false", "state": "Initializing"},
            },
        ]
        with HostileServer([answer(200, {"indexes": models})]) as control:
            df = read_project_imports(
                api_key=emu.api_key, controller_host=control.url, progress=False
            )
    assert len(df) == 5 and set(df["index_name"]) == {"prod"}
    reasons = [(s["index_name"], s["reason"]) for s in df.attrs["skipped"]]
    assert reasons == [
        ("prod", "listed twice by the control plane"),
        (None, "the control plane gives it no name"),
        ("warming", "not ready (Initializing)"),
    ]
