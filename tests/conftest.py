"""Shared fixtures.

* ``start_emulator``: start an emulator with the options given; at teardown it is stopped
  and checked (a server-thread error fails the test).
* Hypothesis profiles: ``ci`` (each property test's full count of examples, as
  ``.ci/run`` sets ``HYPOTHESIS_PROFILE=ci``) and ``everyday`` (a quarter of them:
  :func:`everyday.examples`).
* ``moto_s3_endpoint`` (session): a real S3 endpoint, moto's threaded server on a free
  loopback port; ``s3_lake``: a fresh bucket on it and the ``(root, storage_options)`` to
  reach it with s3fs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from everyday import PROFILE
from hypothesis import settings

from pinecone_imports_frame.emulator import Emulator

#: Read by vulture (tests/test_house.py), never imported: its lines are bare names.
collect_ignore = ["vulture_whitelist.py"]

# The counts themselves are each test's (everyday.examples); what else differs is here.
settings.register_profile("ci", print_blob=True)
settings.register_profile("everyday")
settings.load_profile(PROFILE)

_VERSIONS = ["2025-04", "2025-10", "2026-04", "2026-07"]  # the API versions, oldest first

#: Tests marked slow here, besides those marked ``@pytest.mark.slow`` where they are
#: defined: each takes seconds on 2 cores for what cheaper tests of the everyday run check
#: too (another page size, API version, store or format). ``python -m pytest`` leaves
#: them out, ``python -m pytest -m ""`` (and ``.ci/run``) runs them. By node id below
#: ``tests/``; one without brackets names every parametrization of the test, a file name
#: every test of the file.
SLOW = {
    # A linter in a subprocess (vulture).
    "test_house.py::test_the_package_has_no_dead_code",
    # A dozen CLI processes each, under foreign locales.
    "test_cli.py::test_a_console_that_is_not_utf8_gets_escapes_not_a_traceback",
    "test_cli.py::test_a_title_the_locale_cannot_decode_is_replaced_not_a_traceback",
    "test_hostile_text.py::test_csv_and_json_are_escaped_on_a_terminal_and_verbatim_in_a_pipe[csv]",
    # Many emulators or many imports; the smaller cases stay.
    "test_emulator_history.py::test_a_few_run_at_once[2000-3]",
    "test_emulator_history.py::test_describing_first_or_listing_first_gives_the_same_answers",
    "test_emulator_project.py::test_a_fleet_of_twenty_indexes_serves_concurrently",
    "test_watch.py::test_bars_show_each_running_import_and_lines_show_endings",
    "test_watch.py::test_the_watch_command_prints_a_line_per_ending_and_ends_by_itself",
    "test_watch.py::test_the_watch_ends_when_the_imports_running_at_the_start_have_ended",
    "test_watch.py::test_a_long_watch_hands_its_estimates_a_few_rows_per_running_import",
    "test_watch.py::test_without_bars_the_endings_are_logged",
    "test_watch_memory.py::test_a_long_watch_keeps_what_changed_not_every_listing",
    "test_watch_screen.py::test_bars_are_aligned_clean_and_the_ended_bar_counts_every_import_it_drew",
    # Every page one at a time, every import of the older API versions: the page sizes
    # 7 and 100 and the newest version stay.
    *(f"test_emulator_conformance.py::test_every_list_page[{v}-1]" for v in _VERSIONS),
    *(
        f"test_emulator_conformance.py::test_every_import_across_the_clock[{v}]"
        for v in _VERSIONS[:-1]
    ),
    # Compactors and prunes in processes racing a reader (a file name: all its tests), or
    # killed between their steps; the S3 variants of compaction (the disk ones stay).
    "test_snapshots_races.py",
    "test_snapshots_compact.py::test_a_killed_compactor_leaves_the_lake_readable_and_counted_once",
    "test_snapshots_compact.py::test_readers_see_the_same_lake_after_compaction[s3]",
    "test_snapshots_compact.py::test_prune_works_on_compacted_days[s3]",
    # Two processes writing at one instant (the races, in test_snapshots_races.py, too).
    "test_snapshots.py::test_two_processes_same_instant_both_keep_their_file",
    # Every README block (a dozen CLI commands, two reports, DuckDB: 12 s); the recipes,
    # each its own question, stay (test_readme_recipes.py).
    "test_readme.py::test_every_readme_block_runs",
    # The CLI or the other dtype backend of what a test of the everyday run draws: each two
    # reports or a watch of a project in a CLI (3 to 5 s).
    "test_report.py::test_a_pyarrow_backed_history_reads_the_same",
    "test_trends_runs.py::test_the_cli_trends_and_report_say_the_same_from_runs",
    "test_watch_fleet.py::test_the_watch_command_follows_every_index",
    # A real emulator process watched by a real watch process, at the emulator's speed.
    "test_watch.py::test_watch_against_a_running_emulator_ends_by_itself",
    # The year benchmark's generator against compaction, on a small fleet (a benchmark).
    "test_benchmark_year.py",
    # The runs property on S3 (moto: 8 s of CPU for CI's 12 examples); on disk it stays, and
    # S3's runs files stay in test_prune_and_windows_work_on_days_of_runs_as_on_listings[s3].
    "test_snapshots_runs.py::test_compaction_to_runs_and_prune_give_back_every_listing[s3]",
}


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker more than the cores (``--maxprocesses`` caps it).

    Workers often wait, not compute (a server trickling to a timeout, a CLI process, a
    watch at real speed): about 25 s of the everyday run. A third worker on 2 cores
    computes meanwhile; it costs its start, 2 s of CPU.
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of :data:`SLOW` slow."""
    for item in items:
        node = item.nodeid.removeprefix("tests/")
        if {node, node.split("[", 1)[0], node.split("::", 1)[0]} & SLOW:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_terminal_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as in a pipe, whoever starts them: without ``COLUMNS`` and ``LINES``.

    xdist's workers inherit ``COLUMNS=80`` from their launcher, which cut the CLI's tables
    in one run and not in the other; a test that wants a width sets it.
    """
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Emulator]]:
    """Start emulators of this test's own (its options, clock and key), checked at teardown."""
    started: list[Emulator] = []

    def start(**options: Any) -> Emulator:
        started.append(Emulator(**options).start())
        return started[-1]

    yield start
    for emulator in started:
        emulator.stop()
    for emulator in started:
        emulator.check()  # nothing raised in the server thread, whatever the test sent


@pytest.fixture(scope="session")
def moto_s3_endpoint() -> Iterator[str]:
    """URL of moto's S3 server (``http://127.0.0.1:PORT``), up for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_lake(moto_s3_endpoint: str) -> tuple[str, dict[str, Any]]:
    """``("s3://<new bucket>/lake", storage_options)`` on the moto server."""
    import s3fs

    options: dict[str, Any] = {
        "endpoint_url": moto_s3_endpoint,
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"region_name": "eu-west-1"},
    }
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**options).mkdir(bucket)
    return f"s3://{bucket}/lake", options
