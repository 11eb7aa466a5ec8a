"""The house rules that no single feature test keeps: no dead code, parts in their rooms."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pinecone_imports_frame.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_has_no_dead_code() -> None:
    # A name nothing in the package, the tests or the benchmarks uses (an exception never
    # raised, a constant never read, an attribute written and never read) is dead code.
    pytest.importorskip("vulture")
    proc = subprocess.run(
        [
            sys.executable, "-m", "vulture", "pinecone_imports_frame", "tests", "benchmarks",
            "tests/vulture_whitelist.py", "--min-confidence", "60",
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    found = [line for line in proc.stdout.splitlines() if line.startswith("pinecone_imports_frame")]
    assert found == [], "\n".join(found)


def test_the_paginator_draws_no_bar_and_reports_each_page_to_a_callback() -> None:
    # Bars live in _progress (read, watch and fleet share them): the token loop only counts.
    code = "import sys, pinecone_imports_frame.pagination as p; print('tqdm' in sys.modules)"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert loaded.stdout.strip() == "False", loaded.stderr

    from pinecone_imports_frame.client import ApiClient
    from pinecone_imports_frame.config import Connection
    from pinecone_imports_frame.pagination import TokenPaginator, drain

    seen: list[tuple[int, int]] = []
    with Emulator(imports=5) as emu:
        conn = Connection.resolve(emu.url, api_key=emu.api_key)
        with ApiClient.for_connection(conn, conn.endpoint) as client:
            pages = list(
                drain(client, TokenPaginator(page_size=2), on_page=lambda *c: seen.append(c))
            )
    assert [len(page) for page in pages] == [2, 2, 1]
    assert seen == [(1, 2), (2, 4), (3, 5)]  # (pages, imports) so far, after each page


def test_the_emulator_takes_keywords_only() -> None:
    # Nine positional parameters made Emulator(250, 7, "key") easy to get wrong.
    with pytest.raises(TypeError):
        Emulator(250)  # type: ignore[misc]


def test_the_benchmark_readme_says_how_many_runs_run_py_makes() -> None:
    # It said "median of 3" while run.py ran 5: the figures a reader compares were mislabelled.
    import importlib.util
    import re

    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    full = run.MODES["full"]
    text = (ROOT / "benchmarks" / "README.md").read_text(encoding="utf-8")
    drain = re.search(r"median of (\d+) paired runs after a\s+warm-up \((\d+) at 1,000,000", text)
    assert drain is not None, "the README no longer says how many drain runs it takes"
    assert (int(drain.group(1)), int(drain.group(2))) == (
        full["runs"],
        full["runs_at"][1_000_000],
    )
