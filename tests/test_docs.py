"""The README says what the code does: its column table and its examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

from pinecone_imports_frame import schema

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
