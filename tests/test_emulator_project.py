"""An emulated project: several indexes, each on its own port, and the control plane."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests

from pinecone_imports_frame.emulator import Emulator, IndexConfig, Project

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
KEY = "project-key"


@pytest.fixture
def project() -> Iterator[Project]:
    indexes = [
        IndexConfig("prod-search", imports=120, seed=1),
        IndexConfig("prod-recs", imports=30, seed=2),
        IndexConfig("empty", imports=0),
        IndexConfig("warming-up", imports=10, ready=False),
        IndexConfig("legacy-pods", imports=10, pod=True),
    ]
    with Project(indexes=indexes, api_key=KEY, now=NOW) as p:
        yield p
        p.check()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.headers["Api-Key"] = KEY
        yield s


def drain(s: requests.Session, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token = None
    while True:
        params = {"paginationToken": token} if token else {}
        r = s.get(url + "/bulk/imports", params=params, timeout=10)
        assert r.status_code == 200, r.text
        out.extend(r.json()["data"])
        token = (r.json().get("pagination") or {}).get("next")
        if not token:
            return out


def test_each_index_on_its_own_port_listed_by_the_control_plane(
    project: Project, session: requests.Session
) -> None:
    ports = {project[name].port for name in project.index_names} | {project.control.port}
    assert len(ports) == len(project) + 1
    listed = session.get(project.control.url + "/indexes", timeout=10).json()["indexes"]
    assert [m["name"] for m in listed] == project.index_names
    for model in listed:
        assert model["host"] == project[model["name"]].address
        one = session.get(f"{project.control.url}/indexes/{model['name']}", timeout=10).json()
        assert one == model
    # The hosts lead to the right data: each index drains its own imports, in full.
    assert len(drain(session, "http://" + listed[0]["host"])) == 120
    assert drain(session, "http://" + listed[1]["host"]) == project["prod-recs"].records()
    assert drain(session, project["empty"].url) == []


def test_not_ready_and_pod_based_indexes(project: Project, session: requests.Session) -> None:
    models = {
        m["name"]: m
        for m in session.get(project.control.url + "/indexes", timeout=10).json()["indexes"]
    }
    assert models["warming-up"]["status"] == {"ready": False, "state": "Initializing"}
    assert models["prod-search"]["status"] == {"ready": True, "state": "Ready"}
    assert (
        "pod" in models["legacy-pods"]["spec"] and "serverless" not in models["legacy-pods"]["spec"]
    )
    assert "serverless" in models["prod-search"]["spec"]
    r = session.get(project["warming-up"].url + "/bulk/imports", timeout=10)
    assert r.status_code == 503 and r.json()["code"] == 14 and "not ready" in r.json()["message"]
    for method, path in [
        ("GET", "/bulk/imports"),
        ("POST", "/bulk/imports"),
        ("GET", "/bulk/imports/1"),
    ]:
        r = session.request(method, project["legacy-pods"].url + path, json={"uri": "s3://b/"})
        assert r.status_code == 400 and "pod-based" in r.json()["message"]


def test_one_clock_one_key(project: Project, session: requests.Session) -> None:
    project.advance(86400)
    for index in project:
        assert index.records() is not None
        r = session.get(index.url + "/bulk/imports", params={"limit": 1}, timeout=10)
        assert parsedate_to_datetime(r.headers["Date"]) == NOW + timedelta(days=1)
        wrong = requests.get(index.url + "/bulk/imports", headers={"Api-Key": "nope"}, timeout=10)
        assert wrong.status_code == 401 and wrong.json()["code"] == 16
    control = requests.get(project.control.url + "/indexes", timeout=10)
    assert control.status_code == 401 and control.json()["error"]["code"] == "UNAUTHENTICATED"
    assert parsedate_to_datetime(control.headers["Date"]) == NOW + timedelta(days=1)


def test_same_seed_same_data_as_a_single_emulator(project: Project) -> None:
    single = Emulator(imports=120, seed=1, now=NOW, index_name="prod-search")
    assert project["prod-search"].records() == single.records()


def test_faults_and_latency_stay_on_their_index(
    project: Project, session: requests.Session
) -> None:
    project["prod-search"].inject("status", status=503, times=3)
    project.control.inject("status", status=500, path="/indexes")
    assert session.get(project["prod-recs"].url + "/bulk/imports", timeout=10).status_code == 200
    assert session.get(project["prod-search"].url + "/bulk/imports", timeout=10).status_code == 503
    assert session.get(project.control.url + "/indexes", timeout=10).status_code == 500
    assert session.get(project.control.url + "/indexes", timeout=10).status_code == 200
    assert [f.times for f in project["prod-search"].faults] == [2]
    assert project["prod-recs"].faults == []
    logged = [(r.index_name, r.status) for r in project.requests]
    assert logged == [("prod-recs", 200), ("prod-search", 503), (None, 500), (None, 200)]
    assert [r.status for r in project["prod-search"].requests] == [503]
    assert [r.status for r in project.control.requests] == [500, 200]


def test_requests_in_flight_are_counted_across_indexes(
    project: Project, session: requests.Session
) -> None:
    names = ["prod-search", "prod-recs", "empty"]
    for name in names:
        project[name].set_latency(0.4)
    assert session.get(project["empty"].url + "/bulk/imports", timeout=10).status_code == 200
    assert project.max_in_flight == 1 and project.in_flight == 0
    barrier = threading.Barrier(len(names) * 2)

    def get(url: str) -> None:
        barrier.wait()
        requests.get(url + "/bulk/imports", headers={"Api-Key": KEY}, timeout=10)

    threads = [threading.Thread(target=get, args=(project[n].url,)) for n in names * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert project.max_in_flight == 6  # six requests held 0.4 s each, sent at once
    assert project.in_flight == 0
    session.get(project.control.url + "/indexes", timeout=10)  # the control plane is not counted
    project.reset()
    assert project.max_in_flight == 0


def test_reset_restores_every_index(project: Project, session: requests.Session) -> None:
    before = {index.index_name: index.records() for index in project}
    t0 = project.now()
    session.post(project["prod-search"].url + "/bulk/imports", json={"uri": "s3://b/x/"})
    project["prod-recs"].inject("drop", times=5)
    project["prod-recs"].pagination_end = "null"
    project["empty"].set_latency(2)
    project.advance(7 * 86400)
    project.reset()
    assert project.now() == t0
    assert {index.index_name: index.records() for index in project} == before
    assert project.requests == [] and project["prod-recs"].faults == []
    assert project["prod-recs"].pagination_end == "absent"
    assert len(drain(session, project["empty"].url)) == 0


def test_handler_errors_of_any_index_reach_check(
    project: Project, session: requests.Session
) -> None:
    project["prod-recs"].inject("raise", exception=ArithmeticError("in prod-recs"))
    assert session.get(project["prod-recs"].url + "/bulk/imports", timeout=10).status_code == 500
    with pytest.raises(ArithmeticError, match="in prod-recs"):
        project.check()


def test_bad_projects_are_refused() -> None:
    with pytest.raises(ValueError, match="names must differ"):
        Project(indexes=["a", "a"])
    with pytest.raises(ValueError, match="non-empty"):
        Project(indexes=[])
    with pytest.raises(ValueError, match="index name"):
        Project(indexes=["Not Valid"])
    with pytest.raises(ValueError):
        Project(indexes=["a"], api_key="")
    with pytest.raises(KeyError, match="no index 'b'"):
        Project(indexes=["a"])["b"]


def test_a_fleet_of_twenty_indexes_serves_concurrently() -> None:
    """The fleet benchmark's shape: 20 indexes of 2,000 imports, 20 ms per request."""
    configs = [IndexConfig(f"idx-{i:02d}", imports=2000, seed=i, latency=0.02) for i in range(20)]
    with Project(indexes=configs, now=NOW) as fleet:
        results: dict[str, int] = {}

        def run(index: Any) -> None:
            with requests.Session() as s:
                s.headers["Api-Key"] = fleet.api_key
                results[index.index_name] = len(drain(s, index.url))

        threads = [threading.Thread(target=run, args=(index,)) for index in fleet]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == {c.name: 2000 for c in configs}
        assert 1 < fleet.max_in_flight <= 20
        fleet.check()


def test_a_private_endpoint_serves_the_same_index_on_its_own_port(
    session: requests.Session,
) -> None:
    indexes = [IndexConfig("prod", imports=30, seed=3, private_host=True), "plain"]
    with Project(indexes=indexes, api_key=KEY, now=NOW) as p:
        index = p["prod"]
        assert index.private is not None and p["plain"].private is None
        ports = {index.port, index.private.port, p["plain"].port, p.control.port}
        assert len(ports) == 4
        assert drain(session, index.private.url) == drain(session, index.url) == index.records()
        # One index reached two ways: a fault queued on it meets whichever port asks next.
        index.inject("status", status=503)
        assert session.get(index.private.url + "/bulk/imports", timeout=10).status_code == 503
        logged = [(r.index_name, r.port) for r in p.requests]
        assert set(logged) == {("prod", index.port), ("prod", index.private.port)}
        models = session.get(p.control.url + "/indexes", timeout=10).json()["indexes"]
        assert [m.get("private_host") for m in models] == [index.private.address, None]
        private = index.private
    assert not private.running  # stopped with its index


@pytest.mark.parametrize("version", ["2025-04", "2026-07"])
def test_deployment_types_in_each_shape(session: requests.Session, version: str) -> None:
    indexes = [
        IndexConfig("serverless", imports=0),
        IndexConfig("pods", imports=0, pod=True),
        IndexConfig("byoc", imports=0, deployment="byoc"),
        IndexConfig("docs", imports=0, documents=True),
    ]
    with Project(indexes=indexes, api_key=KEY, now=NOW) as p:
        session.headers["X-Pinecone-API-Version"] = version
        models = session.get(p.control.url + "/indexes", timeout=10).json()["indexes"]
    if version == "2026-07":
        assert not any("spec" in m or "dimension" in m for m in models)
        kinds = [m["deployment"]["deployment_type"] for m in models]
        assert kinds == ["managed", "pod", "byoc", "managed"]
        fields = [sorted(m["schema"]["fields"]) for m in models]
        assert fields == [["_values"]] * 3 + [["body", "title"]]
        assert "read_capacity" not in models[1]  # pod-based: no read capacity
    else:
        assert not any("deployment" in m or "schema" in m for m in models)
        assert [next(iter(m["spec"])) for m in models] == [
            "serverless",
            "pod",
            "byoc",
            "serverless",
        ]


def test_a_byoc_index_without_imports_answers_501_unimplemented(
    session: requests.Session,
) -> None:
    config = IndexConfig("archive", imports=5, deployment="byoc", imports_supported=False)
    with Project(indexes=[config], api_key=KEY, now=NOW) as p:
        r = session.get(p["archive"].url + "/bulk/imports", timeout=10)
    assert r.status_code == 501 and r.json()["code"] == 12
    assert "not supported" in r.json()["message"] and "byoc" in r.json()["message"]


def test_bad_deployments_are_refused() -> None:
    with pytest.raises(ValueError, match="deployment must be"):
        IndexConfig("a", deployment="Pod Based")
    with pytest.raises(ValueError, match="contradicts"):
        IndexConfig("a", pod=True, deployment="byoc")
    with pytest.raises(ValueError, match="serverless"):
        IndexConfig("a", pod=True, documents=True)
