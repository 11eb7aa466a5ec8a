"""Pytest fixtures for the imports-API emulator (registered as a ``pytest11`` plugin).

``imports_emulator_server`` starts one :class:`~pinecone_imports_frame.emulator.Emulator`
per test session; ``imports_emulator`` hands it to each test after ``reset()`` (so
faults, the clock, options and the request log never leak from one test into the
next) and calls ``check()`` at teardown, failing the test if the server thread raised.
``imports_project_server`` and ``imports_project`` do the same for an emulated
:class:`~pinecone_imports_frame.emulator.Project` (:data:`PROJECT_INDEXES`: three
serverless indexes, one with no imports, one not ready and one pod-based).

A test of yours (``tests/test_pytest_plugin.py`` runs one like it through pytester)::

    def test_lists(imports_emulator):
        import requests
        r = requests.get(imports_emulator.url + "/bulk/imports",
                         headers={"Api-Key": imports_emulator.api_key})
        assert r.status_code == 200
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Protocol, TypeVar

import pytest

if TYPE_CHECKING:
    from pinecone_imports_frame.emulator import Emulator, Project

logger = logging.getLogger(__name__)


class _Server(Protocol):
    def reset(self) -> None: ...

    def check(self) -> None: ...


_S = TypeVar("_S", bound=_Server)


def _for_one_test(server: _S) -> Iterator[_S]:
    """Hand out a session's server reset, then fail the test if its thread raised."""
    server.reset()
    yield server
    server.check()


__all__ = [
    "PROJECT_INDEXES",
    "imports_emulator",
    "imports_emulator_server",
    "imports_project",
    "imports_project_server",
]

#: The indexes of the ``imports_project`` fixture: (name, imports, seed, ready, pod).
PROJECT_INDEXES = (
    ("prod-search", 250, 1, True, False),
    ("prod-recs", 120, 2, True, False),
    ("staging-search", 40, 3, True, False),
    ("dev-empty", 0, 4, True, False),
    ("dev-warming-up", 0, 5, False, False),
    ("legacy-pods", 0, 6, True, True),
)


@pytest.fixture(scope="session")
def imports_emulator_server() -> Iterator[Emulator]:
    """One emulator for the whole session (250 imports, seed 0, key "emulator-key").

    Prefer ``imports_emulator``, which resets it for each test; this one is for fixtures
    of your own that live as long as the session.

    Examples
    --------
    ::

        @pytest.fixture(scope="session")
        def imports_url(imports_emulator_server):
            return imports_emulator_server.url


        def test_url(imports_url):
            assert imports_url.startswith("http://127.0.0.1:")
    """
    from pinecone_imports_frame.emulator import Emulator

    with Emulator() as emulator:
        logger.debug("session emulator at %s", emulator.url)
        yield emulator


@pytest.fixture
def imports_emulator(imports_emulator_server: Emulator) -> Iterator[Emulator]:
    """Hand out the session's emulator, reset; fail the test on a server-thread error.

    Reset: the synthetic imports, the clock, faults, options and the request log are as
    they were when the session started, whatever the test before this one did.

    Examples
    --------
    ::

        from pinecone_imports_frame import read_imports


        def test_imports_keep_arriving(imports_emulator):
            before = read_imports(imports_emulator.url, api_key=imports_emulator.api_key)
            imports_emulator.advance("1d")
            after = read_imports(imports_emulator.url, api_key=imports_emulator.api_key)
            assert len(after) > len(before)
    """
    yield from _for_one_test(imports_emulator_server)


@pytest.fixture(scope="session")
def imports_project_server() -> Iterator[Project]:
    """One emulated project for the whole session (:data:`PROJECT_INDEXES`, key "emulator-key").

    Prefer ``imports_project``, which resets it for each test.

    Examples
    --------
    ::

        from pinecone_imports_frame.pytest_plugin import PROJECT_INDEXES


        def test_one_port_per_index(imports_project_server):
            ports = {index.port for index in imports_project_server}
            assert len(ports) == len(PROJECT_INDEXES)
    """
    from pinecone_imports_frame.emulator import IndexConfig, Project

    indexes = [
        IndexConfig(name, imports=imports, seed=seed, ready=ready, pod=pod)
        for name, imports, seed, ready, pod in PROJECT_INDEXES
    ]
    with Project(indexes=indexes) as project:
        logger.debug("session project, control plane at %s", project.control.url)
        yield project


@pytest.fixture
def imports_project(imports_project_server: Project) -> Iterator[Project]:
    """Hand out the session's project, reset; fail the test on a server-thread error.

    Examples
    --------
    An index that refuses the key does not stop the fleet view of the others::

        from pinecone_imports_frame import read_project_imports


        def test_fleet_goes_on(imports_project):
            imports_project["prod-recs"].inject("status", status=401)
            fleet = read_project_imports(
                controller_host=imports_project.control.url, api_key=imports_project.api_key
            )
            assert [e["index_name"] for e in fleet.attrs["errors"]] == ["prod-recs"]
            assert len(fleet[fleet["index_name"] == "prod-search"]) == 250
    """
    yield from _for_one_test(imports_project_server)
