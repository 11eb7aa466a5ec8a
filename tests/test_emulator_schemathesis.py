"""schemathesis, run on Pinecone's own spec against the emulator's ``/bulk/imports``.

Every phase (examples, coverage, fuzzing, stateful) and every check but ``use_after_free``
(a cancelled import is still described, as Pinecone does). The run is derandomised and
bounded, so it is quick and gives the same cases each time. Skipped, saying why, only when
the specs folder (``shared/pinecone-api`` beside the checkout) is absent.

Two hooks, each for a place where the spec file and Pinecone's documented behaviour part:

* A pagination token is an opaque value the server issued, so where schemathesis sends a
  made-up ``paginationToken`` (a string the schema allows, that no server issued) the hook
  puts a token this emulator issued in its place; made-up tokens are answered 400, as
  ``test_emulator.py`` checks.
* From 2025-10 the files declare ``X-Pinecone-Api-Version`` required, while Pinecone
  answers a request without it at its oldest supported version (the specs folder's README;
  ``test_emulator_versions.py`` checks the emulator does). So failures of a request sent
  without that header are dropped (``filter_failure``): it was answered as 2025-04, which
  the 2025-04 run checks against its own file. Every request that names the version is
  held to that version's file.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pinecone_imports_frame.emulator import Emulator

pytest.importorskip("schemathesis")


def find_spec_dir() -> Path | None:
    for parent in Path(__file__).resolve().parents[1:]:
        candidate = parent / "shared" / "pinecone-api"
        if candidate.is_dir():
            return candidate
    return None


SPEC_DIR = find_spec_dir()
if SPEC_DIR is None:
    pytest.skip(
        "Pinecone's OpenAPI descriptions (shared/pinecone-api beside the checkout) are absent",
        allow_module_level=True,
    )

KEY = "schemathesis-key"
HOOKS = """
import contextlib
import os

import requests
import schemathesis

_TOKEN = []


def _issued_token():
    if not _TOKEN:
        page = requests.get(
            os.environ["EMULATOR_URL"] + "/bulk/imports",
            params={"limit": 1},
            headers={"Api-Key": os.environ["EMULATOR_KEY"]},
            timeout=10,
        ).json()
        _TOKEN.append(page["pagination"]["next"])
    return _TOKEN[0]


@schemathesis.hook
def filter_failure(context, failure, case, response):
    sent = {name.lower() for name in response.request.headers}
    return "x-pinecone-api-version" in sent


@schemathesis.hook
def before_call(context, case, kwargs):
    query = case.query or {}
    if isinstance(query.get("paginationToken"), str) and query["paginationToken"]:
        query["paginationToken"] = _issued_token()
"""


def start_schemathesis(
    spec: Path, emu: Emulator, version: str, folder: Path
) -> subprocess.Popen[str]:
    (folder / "emulator_hooks.py").write_text(HOOKS, encoding="utf-8")
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "emulator_hooks",
        "PYTHONPATH": os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]),
        "EMULATOR_URL": emu.url,
        "EMULATOR_KEY": KEY,
        "NO_COLOR": "1",
    }
    code = "import sys; from schemathesis.cli import schemathesis; sys.exit(schemathesis())"
    cmd = [
        sys.executable,
        "-c",
        code,
        "run",
        str(spec),
        "--url",
        emu.url,
        "--header",
        f"Api-Key: {KEY}",
        "--header",
        f"X-Pinecone-API-Version: {version}",
        "--include-path-regex",
        "^/bulk/imports",
        "--exclude-checks",
        "use_after_free",
        "--max-examples",
        "10",
        "--generation-deterministic",
        "--workers",
        "1",
        "--no-color",
    ]
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=folder
    )


SPECS = {
    "2025-04": "db_data_2025-04.oas.yaml",
    "2025-10": "db_data_2025-10.oas.yaml",
    "2026-04": "db_data_2026-04.oas.yaml",
    "2026-07": "db_data_2026-07_imports.oas.yaml",
}


@dataclass
class Run:
    returncode: int
    output: str
    versions_sent: set[str | None]
    server_error: BaseException | None


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """One schemathesis run per version, all at once (each against its own emulator)."""
    assert SPEC_DIR is not None
    with contextlib.ExitStack() as stack:
        started = {}
        for version, spec in SPECS.items():
            emu = stack.enter_context(Emulator(imports=250, seed=5, api_key=KEY))
            folder = tmp_path_factory.mktemp(f"schemathesis-{version}")
            started[version] = (emu, start_schemathesis(SPEC_DIR / spec, emu, version, folder))
        results = {}
        for version, (emu, proc) in started.items():
            try:
                output, _ = proc.communicate(timeout=300)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            try:
                emu.check()
                error = None
            except Exception as exc:  # reported by the test of that version
                error = exc
            sent = {r.api_version for r in emu.requests}
            results[version] = Run(proc.returncode, output, sent, error)
        yield results


@pytest.mark.slow
@pytest.mark.parametrize("version", list(SPECS))
def test_schemathesis_finds_no_failure(version: str, runs: dict[str, Run]) -> None:
    run = runs[version]
    assert run.returncode == 0, run.output[-6000:]
    assert run.server_error is None
    assert "Tested: 4" in run.output  # list, start, describe and cancel all ran
    assert run.versions_sent <= {version, None}
