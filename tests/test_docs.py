"""The README says what the code does: its column table and its examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pinecone_imports_frame import client as client_module
from pinecone_imports_frame import schema
from pinecone_imports_frame.emulator import Emulator

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_column_table_matches_the_schema() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split("## The columns", 1)[1].split("\n\n- ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| `([^`]+)` \| (.+?) \|$", table, re.M)
    assert [r[0] for r in rows] == list(schema.COLUMN_NAMES)
    for name, dtype, description in rows:
        assert dtype == str(schema.pandas_dtype(name)), name
        assert description == schema.BY_NAME[name].description, name


def test_readme_notebook_example_runs(
    imports_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PINECONE_API_KEY", imports_emulator.api_key)
    monkeypatch.setenv("PINECONE_INDEX_HOST", imports_emulator.address)
    block = next(b for b in _python_blocks() if "pif.read_imports()" in b)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert len(namespace["df"]) == 250  # type: ignore[arg-type]


def test_readme_emulator_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "_sleep", lambda s: None)
    block = next(b for b in _python_blocks() if "emu.advance" in b)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    df, later = namespace["df"], namespace["later"]
    assert len(df) == 250 and len(later) >= 250  # type: ignore[arg-type]
