"""The fleet view reads where each index runs from either shape of the control plane.

Up to API 2026-04 an ``IndexModel`` says it in ``spec``; from 2026-07 in
``deployment.deployment_type`` (``managed``, ``pod``, ``byoc``), with ``private_host`` for
clients inside the VPC. Pod-based indexes are skipped before any request; BYOC ones are
tried; one whose data plane says bulk import is not supported is skipped with the server's
reason; an index of a type this package does not know is tried and named in a warning.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from datetime import datetime, timezone

import pandas as pd
import pytest

from pinecone_imports_frame import FleetWarning, read_imports, read_project_imports
from pinecone_imports_frame import client as client_module
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import SUPPORTED_VERSIONS, Emulator, IndexConfig, Project

NOW = datetime(2026, 7, 20, 9, tzinfo=timezone.utc)
INDEXES = [
    IndexConfig("prod-search", imports=120, seed=1, private_host=True),
    IndexConfig("legacy-pods", imports=30, seed=2, pod=True),
    IndexConfig("byoc-search", imports=60, seed=3, deployment="byoc", private_host=True),
    IndexConfig("warming-up", imports=10, seed=4, ready=False),
    IndexConfig("docs-kb", imports=80, seed=5, documents=True),
    IndexConfig("byoc-archive", imports=20, seed=6, deployment="byoc", imports_supported=False),
]
DRAINED = {"prod-search": 120, "byoc-search": 60, "docs-kb": 80}


@pytest.fixture(autouse=True)
def _no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "_sleep", lambda s: None)


@pytest.fixture(scope="module")
def project() -> Iterator[Project]:
    with Project(indexes=INDEXES, now=NOW) as p:
        yield p


@pytest.fixture
def fresh(project: Project) -> Iterator[Project]:
    project.reset()
    yield project
    project.check()


def fleet_of(controller: str, api_key: str, **kw: object) -> pd.DataFrame:
    kw.setdefault("progress", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FleetWarning)  # no index may count as failed
        return read_project_imports(
            api_key=api_key,
            controller_host=controller,
            **kw,  # type: ignore[arg-type]
        )


def fleet(project: Project, **kw: object) -> pd.DataFrame:
    return fleet_of(project.control.url, project.api_key, **kw)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_every_version_drains_and_skips_the_same_indexes(fresh: Project, version: str) -> None:
    df = fleet(fresh, api_version=version)
    assert df.groupby("index_name").size().to_dict() == DRAINED
    assert df.attrs["errors"] == []
    reasons = {s["index_name"]: s["reason"] for s in df.attrs["skipped"]}
    assert set(reasons) == {"legacy-pods", "warming-up", "byoc-archive"}
    assert "deployment type 'pod'" in reasons["legacy-pods"]
    assert reasons["warming-up"] == "not ready (Initializing)"
    # The server's own words, and the deployment type: not an error, not a guess.
    assert "byoc" in reasons["byoc-archive"] and "HTTP 501" in reasons["byoc-archive"]
    assert "Bulk import is not supported for index byoc-archive" in reasons["byoc-archive"]
    drained = {d["index_name"]: d["deployment_type"] for d in df.attrs["drained"]}
    assert drained == {"prod-search": "managed", "byoc-search": "byoc", "docs-kb": "managed"}
    # The control plane was asked in the version's shape; the pod-based index never was.
    assert {r.api_version for r in fresh.control.requests} == {version}
    assert fresh["legacy-pods"].requests == []
    assert fresh["warming-up"].requests == []


def test_a_pod_index_described_by_deployment_alone_gets_no_request() -> None:
    """A 2026-07 model has no ``spec``: the pod-based index was drained and its 400s collected."""
    from hostile import HostileServer, answer

    status = {"ready": True, "state": "Ready"}
    with (
        Emulator(imports=3, seed=1, index_name="pods") as pods,
        Emulator(imports=4, seed=2, index_name="byoc", api_key=pods.api_key) as byoc,
    ):
        models = [
            {
                "name": "pods",
                "host": pods.address,
                "status": status,
                "deployment": {
                    "deployment_type": "pod",
                    "environment": "us-east-1-aws",
                    "pod_type": "p1.x1",
                    "replicas": 1,
                    "shards": 1,
                },
            },
            {
                "name": "byoc",
                "host": byoc.address,
                "status": status,
                "deployment": {"deployment_type": "byoc", "environment": "aws-us-east-1-b921"},
            },
        ]
        with HostileServer([answer(200, {"indexes": models})]) as control:
            df = fleet_of(control.url, pods.api_key)
        assert pods.requests == []
    assert df.groupby("index_name").size().to_dict() == {"byoc": 4}
    assert [s["index_name"] for s in df.attrs["skipped"]] == ["pods"]


def test_an_unknown_deployment_type_is_tried_and_named_in_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    extra = [IndexConfig("edge-search", imports=7, seed=9, deployment="edge")]
    with Project(indexes=[*INDEXES[:1], *extra], now=NOW) as project:
        with caplog.at_level(logging.WARNING, logger="pinecone_imports_frame.fleet"):
            df = fleet(project)  # 2026-07: deployment_type "edge"
        assert len(project["edge-search"].requests) == 1
    assert df.groupby("index_name").size().to_dict() == {"prod-search": 120, "edge-search": 7}
    (said,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "edge-search" in said and "'edge'" in said and "does not know" in said
    assert {"index_name": "edge-search", "deployment_type": "edge"}.items() <= next(
        d for d in df.attrs["drained"] if d["index_name"] == "edge-search"
    ).items()


def test_an_index_that_refuses_after_rows_arrived_is_an_error_not_a_skip(
    fresh: Project,
) -> None:
    """Only a refusal before any row is "not supported there"; later, rows would be lost."""
    fresh["prod-search"].inject("status", status=501, after=1, times=10)
    with pytest.warns(FleetWarning, match="prod-search"):
        df = read_project_imports(
            api_key=fresh.api_key,
            controller_host=fresh.control.url,
            progress=False,
            page_size=50,
        )
    (error,) = df.attrs["errors"]
    assert error["index_name"] == "prod-search" and error["rows_kept"] == 50
    assert "prod-search" not in {s["index_name"] for s in df.attrs["skipped"]}


def _data_ports(project: Project, name: str) -> set[int | None]:
    return {r.port for r in project[name].requests if r.path.startswith("/bulk")}


@pytest.mark.parametrize("version", ["2025-04", "2026-07"])
def test_use_private_host_drains_through_the_private_endpoint(fresh: Project, version: str) -> None:
    df = fleet(fresh, use_private_host=True, api_version=version)
    assert df.groupby("index_name").size().to_dict() == DRAINED
    for name in ("prod-search", "byoc-search"):
        index = fresh[name]
        assert index.private is not None
        assert _data_ports(fresh, name) == {index.private.port}  # never the public port
        # The rows still name the public host: one lake partition per index.
        assert set(df.loc[df["index_name"] == name, "index_host"]) == {index.address}
    assert _data_ports(fresh, "docs-kb") == {fresh["docs-kb"].port}  # has no private one
    used = {d["index_name"]: (d["index_host"], d["host_used"]) for d in df.attrs["drained"]}
    assert used["prod-search"] == (
        fresh["prod-search"].address,
        fresh["prod-search"].private.address,
    )
    assert used["docs-kb"] == (fresh["docs-kb"].address,) * 2


def test_without_the_option_the_public_host_is_used(fresh: Project) -> None:
    df = fleet(fresh)
    assert _data_ports(fresh, "prod-search") == {fresh["prod-search"].port}
    assert all(d["host_used"] == d["index_host"] for d in df.attrs["drained"])


def test_a_failure_through_the_private_endpoint_says_which_host(fresh: Project) -> None:
    fresh["byoc-search"].inject("status", status=500, times=100)
    with pytest.warns(FleetWarning):
        df = read_project_imports(
            api_key=fresh.api_key,
            controller_host=fresh.control.url,
            progress=False,
            max_retries=0,
            use_private_host=True,
        )
    (error,) = df.attrs["errors"]
    private = fresh["byoc-search"].private
    assert private is not None
    assert (error["index_host"], error["host_used"]) == (
        fresh["byoc-search"].address,
        private.address,
    )


def test_read_imports_by_name_uses_the_private_endpoint(fresh: Project) -> None:
    df = read_imports(
        api_key=fresh.api_key,
        controller_host=fresh.control.url,
        index_name="prod-search",
        use_private_host=True,
        progress=False,
    )
    assert len(df) == 120
    assert set(df["index_host"]) == {fresh["prod-search"].address}
    private = fresh["prod-search"].private
    assert private is not None and _data_ports(fresh, "prod-search") == {private.port}


def test_cli_private_host_drains_through_the_private_endpoint(
    fresh: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = ["--api-key", fresh.api_key, "--controller-host", fresh.control.url]
    assert main(["list", "--all-indexes", *conn, "--private-host", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1 + sum(DRAINED.values())
    private = fresh["byoc-search"].private
    assert private is not None and _data_ports(fresh, "byoc-search") == {private.port}


def test_the_jsonl_failures_of_a_document_index_are_categorised(fresh: Project) -> None:
    fresh.advance("30d")  # a month of imports: every kind of failure shows up
    df = fleet(fresh, indexes="docs-kb")
    failed = df[df["status"] == "Failed"]
    categories = set(failed["error_category"].astype(str))
    assert {"no_jsonl_found", "invalid_jsonl", "type_mismatch", "schema"} <= categories
    assert "other" not in categories
    jsonl = failed[failed["error"].str.contains("JSONL|JSON on line|on line", regex=True)]
    assert len(jsonl) and not jsonl["error_category"].isna().any()


def test_watch_project_imports_drains_through_the_private_endpoint(fresh: Project) -> None:
    from pinecone_imports_frame import watch_project_imports

    history = watch_project_imports(
        api_key=fresh.api_key,
        controller_host=fresh.control.url,
        indexes=["prod-search", "docs-kb"],
        use_private_host=True,
        until="1s",  # one poll, by the server's clock
        progress=False,
    )
    assert set(history["index_name"]) == {"prod-search", "docs-kb"}
    private = fresh["prod-search"].private
    assert private is not None and _data_ports(fresh, "prod-search") == {private.port}
    assert set(history.loc[history["index_name"] == "prod-search", "index_host"]) == {
        fresh["prod-search"].address
    }


def test_errors_and_skips_name_the_host_as_the_rows_spell_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A control plane that writes hosts in capitals with a trailing dot: the rows' index_host
    # is the one spelling (lower case, no dot), and so must be the failed index's record, or
    # a watch of the project cannot tell that index's imports from ended ones.
    from pinecone_imports_frame.emulator import control_plane

    shout = control_plane.index_model

    def model(*args: object, **kwargs: object) -> dict[str, object]:
        out = shout(*args, **kwargs)  # type: ignore[arg-type]
        if isinstance(out.get("host"), str):
            out["host"] = out["host"].replace("127.0.0.1", "LOCALHOST.")
        return out

    monkeypatch.setattr(control_plane, "index_model", model)
    indexes = [IndexConfig("good", imports=5, seed=1), IndexConfig("bad", imports=5, seed=2)]
    with Project(indexes=indexes, now=NOW) as p:
        p["bad"].inject("status", status=500, times=100)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FleetWarning)
            fleet = read_project_imports(
                api_key=p.api_key, controller_host=p.control.url, progress=False, max_retries=0
            )
        ports = {name: p[name].port for name in ("good", "bad")}
    rows = set(fleet["index_host"].astype(str))
    (error,) = fleet.attrs["errors"]
    assert rows == {f"localhost:{ports['good']}"}
    assert error["index_host"] == f"localhost:{ports['bad']}"
