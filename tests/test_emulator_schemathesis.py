"""schemathesis, run on Pinecone's own spec against the emulator's ``/bulk/imports``.

Every phase (examples, coverage, fuzzing, stateful) and every check but ``use_after_free``
(a cancelled import is still described, as Pinecone does). The run is derandomised and
bounded, so it is quick and gives the same cases each time. Skipped, saying why, only when
the specs folder (``shared/pinecone-api`` beside the checkout) is absent.

One hook: a pagination token is an opaque value the server issued, so where schemathesis
sends a made-up ``paginationToken`` (a string the schema allows, that no server issued)
the hook puts a token this emulator issued in its place; made-up tokens are answered 400,
as ``test_emulator.py`` checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
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
def before_call(context, case, kwargs):
    query = case.query or {}
    if isinstance(query.get("paginationToken"), str) and query["paginationToken"]:
        query["paginationToken"] = _issued_token()
"""


def run_schemathesis(spec: Path, emu: Emulator, version: str, tmp_path: Path) -> str:
    (tmp_path / "emulator_hooks.py").write_text(HOOKS, encoding="utf-8")
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "emulator_hooks",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
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
        "15",
        "--generation-deterministic",
        "--workers",
        "1",
        "--no-color",
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=env, timeout=240, cwd=tmp_path, check=False
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    return output


def test_schemathesis_2025_04(tmp_path: Path) -> None:
    assert SPEC_DIR is not None
    with Emulator(imports=250, seed=5, api_key=KEY) as emu:
        output = run_schemathesis(SPEC_DIR / "db_data_2025-04.oas.yaml", emu, "2025-04", tmp_path)
        emu.check()
    assert "Tested: 4" in output  # list, start, describe and cancel all ran
    assert "No issues found" in output or "0 failures" in output or "failures" not in output
