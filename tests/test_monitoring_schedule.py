"""The exporter of a project: each index on its own, the control plane apart, failures logged.

Against the emulated project (``imports_project``) over real sockets: a slow index (the
emulator's ``delay`` fault) delays neither the figures nor the schedule of the others; a
control plane that fails has its own series and leaves the known indexes listed; a run
of failures is logged again when its kind changes; a capped ``Retry-After`` says both
what was asked and what is waited. Waits are on events, bounded; nothing sleeps.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame import client as client_module
from pinecone_imports_frame.emulator import Emulator, IndexConfig, Project
from pinecone_imports_frame.monitoring import ImportsExporter, _exporter

pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.timeout(60)
SLOW = 4.0  # seconds the slow index takes to answer its first request


def success(text: str) -> dict[str, float]:
    """``pinecone_imports_listing_success`` by index name, and the control plane's as "*"."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "pinecone_imports_listing_success":
                out[s.labels.get("index_name", "")] = s.value
            elif s.name == "pinecone_imports_control_plane_success":
                out["*"] = s.value
    return out


class Published:
    """Each swap of the exporter's families, seen as {index name: (success, listed_unix)}."""

    def __init__(self) -> None:
        self.seen: list[dict[str, tuple[bool | None, float | None]]] = []
        self.changed = threading.Condition()

    def spy(self, real: Any) -> Any:
        def families(views: Any, **options: Any) -> Any:
            views = list(views)
            with self.changed:
                self.seen.append({v.name: (v.success, v.listed_unix) for v in views})
                self.changed.notify_all()
            return real(views, **options)

        return families

    def wait_for(self, ready: Any, timeout: float = 20) -> dict[str, Any]:
        """Wait (bounded) for a publication that satisfies ``ready``; return it."""
        with self.changed:
            found = self.changed.wait_for(
                lambda: next((s for s in self.seen if ready(s)), None), timeout=timeout
            )
        assert found, f"not published within {timeout} s: {self.seen[-3:]}"
        return found


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> Iterator[Published]:
    seen = Published()
    monkeypatch.setattr(_exporter, "families", seen.spy(_exporter.families))
    yield seen


def project_exporter(project: Project, **options: Any) -> ImportsExporter:
    conn = pif.Connection.resolve(
        api_key=project.api_key, controller_host=project.control.url, max_retries=0
    )
    return ImportsExporter(connection=conn, all_indexes=True, **options)


def test_each_index_is_shown_as_soon_as_its_own_listing_ends(
    imports_project: Project, published: Published
) -> None:
    exporter = project_exporter(imports_project, indexes=["prod-*"])
    imports_project["prod-recs"].inject("delay", delay=SLOW)
    listing = threading.Thread(target=exporter.refresh)
    listing.start()
    try:
        # prod-search's figures are out while prod-recs is still being listed.
        shown = published.wait_for(lambda s: s.get("prod-search", (None,))[0] is True)
        assert shown["prod-recs"][0] is None
        assert listing.is_alive()
    finally:
        listing.join(timeout=30)
    assert success(exporter.text()) == {"prod-search": 1, "prod-recs": 1, "*": 1}


def test_a_slow_index_holds_back_neither_the_figures_nor_the_schedule_of_the_others(
    imports_project: Project, published: Published
) -> None:
    exporter = project_exporter(imports_project, indexes=["prod-*"], max_workers=2)
    stop = threading.Event()
    runner = threading.Thread(target=exporter.run, kwargs={"interval": "1s", "stop": stop})
    imports_project["prod-recs"].inject("delay", delay=SLOW)
    runner.start()
    try:
        first = published.wait_for(lambda s: s.get("prod-search", (None,))[0] is True)
        t0 = first["prod-search"][1]
        # A later listing of prod-search, each interval, while prod-recs' first still runs.
        again = published.wait_for(lambda s: (s.get("prod-search", (None, t0))[1] or 0) > t0)
        assert again["prod-recs"][0] is None
        # And at most one listing of the slow index at a time: one request so far.
        slow = [r for r in imports_project["prod-recs"].requests if r.path.startswith("/bulk")]
        assert len(slow) == 1
        # The slow one is shown when it ends.
        published.wait_for(lambda s: s.get("prod-recs", (None,))[0] is True)
    finally:
        stop.set()
        runner.join(timeout=30)
    assert not runner.is_alive()


def test_a_control_plane_outage_is_its_own_series_and_the_indexes_stay_listed(
    imports_project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    exporter = project_exporter(imports_project, indexes=["prod-*"])
    assert exporter.refresh() is True
    assert success(exporter.text()) == {"prod-search": 1, "prod-recs": 1, "*": 1}
    before = len(imports_project["prod-search"].requests)
    imports_project.control.inject("status", status=503, path="/indexes", times=2)
    with caplog.at_level(logging.DEBUG, logger="pinecone_imports_frame"):
        assert exporter.refresh() is False
        assert exporter.refresh() is False
        # The data planes answer: each index is listed on its known host, and shown so.
        assert success(exporter.text()) == {"prod-search": 1, "prod-recs": 1, "*": 0}
        assert len(imports_project["prod-search"].requests) > before
        assert exporter.refresh() is True
    assert success(exporter.text())["*"] == 1
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warned) == 1 and "control plane" in warned[0] and "HTTP 503" in warned[0]
    assert not [
        r
        for r in caplog.records
        if "listing of index" in r.getMessage() and "fail" in r.getMessage()
    ]
    assert any("control plane answers again" in r.getMessage() for r in caplog.records)


def test_a_failure_of_another_kind_is_logged_again(caplog: pytest.LogCaptureFixture) -> None:
    with Emulator(imports=5, seed=2) as emu:
        conn = pif.Connection.resolve(emu.url, api_key=emu.api_key, max_retries=0)
        exporter = ImportsExporter(connection=conn)
        emu.inject("status", status=500, times=2)
        emu.inject("drop")
        with caplog.at_level(logging.DEBUG, logger="pinecone_imports_frame.monitoring"):
            for _ in range(3):
                assert exporter.refresh() is False
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 2, warned  # the 500 once, then the dropped connection
    assert "HTTP 500" in warned[0] and "HTTP 500" not in warned[1]


def test_a_capped_retry_after_says_what_was_asked_and_what_is_waited(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(client_module, "_sleep", waits.append)
    with Emulator(imports=5, seed=2) as emu:
        emu.inject("status", status=503, retry_after=900)
        with caplog.at_level(logging.INFO, logger="pinecone_imports_frame.client"):
            pif.read_imports(emu.url, api_key=emu.api_key, progress=False)
    assert waits == [60.0]
    said = [r.getMessage() for r in caplog.records if "asked" in r.getMessage()]
    assert len(said) == 1 and "900 s" in said[0] and "waiting 60 s" in said[0], said
    assert "the cap" in said[0]


def test_a_control_plane_down_from_the_start_is_said_once(
    imports_project: Project, caplog: pytest.LogCaptureFixture
) -> None:
    imports_project.control.inject("status", status=503, path="/indexes")
    exporter = project_exporter(imports_project)
    with caplog.at_level(logging.WARNING, logger="pinecone_imports_frame"):
        assert exporter.refresh() is False
    # No index known: the project's listing fails too (an empty index_host), said once.
    assert success(exporter.text()) == {"": 0, "*": 0}
    assert len(caplog.records) == 1 and "control plane" in caplog.records[0].getMessage()


def test_a_bug_in_one_indexs_listing_fails_that_index_said_and_the_others_go_on(
    imports_project: Project,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An exception other than PineconeImportsError in a listing thread was kept in its
    future and never looked at: the index kept its old figures, success 1, and no line."""
    from pinecone_imports_frame import loader

    exporter = project_exporter(imports_project, indexes=["prod-*"])
    assert exporter.refresh() is True
    real = loader.read_imports

    def read(*, connection: Any, **options: Any) -> Any:
        if connection.index_name == "prod-recs":
            raise RuntimeError("a bug nobody foresaw")
        return real(connection=connection, **options)

    monkeypatch.setattr(loader, "read_imports", read)
    stop = threading.Event()
    with caplog.at_level(logging.WARNING, logger="pinecone_imports_frame"):
        assert exporter.run(interval="1s", stop=stop, max_listings=1) == 1
    assert success(exporter.text()) == {"prod-search": 1, "prod-recs": 0, "*": 1}
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert said and all(r.levelno == logging.ERROR for r in said)  # once per listing of it
    assert all("index prod-recs failed unexpectedly" in r.getMessage() for r in said)
    assert "a bug nobody foresaw" in said[0].getMessage()


def test_a_project_with_no_index_to_list_is_a_successful_refresh() -> None:
    """The control plane answered and no index can take imports (one pod-based index):
    the refresh said it failed, so `metrics --textfile` exited 1 at every cron run."""
    with Project(indexes=[IndexConfig("legacy-pods", imports=3, pod=True)]) as project:
        exporter = project_exporter(project)
        assert exporter.refresh() is True
        assert success(exporter.text()) == {"*": 1}
