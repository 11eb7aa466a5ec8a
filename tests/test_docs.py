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
    assert [r[0] for r in rows] == [c.name for c in schema.COLUMNS]
    for name, dtype, description in rows:
        assert dtype == str(schema.pandas_dtype(name)), name
        assert description == schema.BY_NAME[name].description, name


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    return text[start : end if end != -1 else None]


def test_the_readme_lake_error_table_quotes_messages_the_package_raises() -> None:
    """Each 'what you see' of the table is made of text the lake's code really says."""
    sources = "".join(
        p.read_text(encoding="utf-8")
        for p in (Path(schema.__file__).parent / "snapshots").glob("*.py")
    )
    sources += (Path(schema.__file__).parent / "config.py").read_text(encoding="utf-8")
    sources = re.sub(r"\"\s*\n\s*f?\"", "", sources)  # a message's literals, joined
    rows = re.findall(r"^\| `([^`]+)`", _section("**When the lake is not what you think.**"), re.M)
    assert len(rows) >= 8
    for shown in rows:
        shown = shown.removeprefix("SkippedFileWarning: ")  # Python prints the category
        fixed = [part.strip(" :'") for part in re.split(r"\.\.\.|PATH|ROOT", shown)]
        for part in filter(None, fixed):
            assert part in sources, f"README says {shown!r}; the code never says {part!r}"


def test_the_readme_duration_forms_parse_and_its_bare_numbers_are_refused() -> None:
    import pytest

    from pinecone_imports_frame import ConfigurationError
    from pinecone_imports_frame.config import parse_duration, parse_interval

    text = _section("## Durations and intervals")
    forms = re.findall(r"`([^`]+)`", text.split("A bare number")[0])
    texts = [f for f in forms if not f.startswith(("datetime", "pandas"))]
    assert {"90d", "12h", "5m", "30s", "1h30m", "2w", "3 days", "P1DT2H"} <= set(texts)
    for form in texts:
        assert parse_duration(form).total_seconds() > 0, form
    for bare in (90, "90"):
        with pytest.raises(ConfigurationError, match="no unit"):
            parse_duration(bare)
    assert parse_interval(90).total_seconds() == 90  # the one exception: seconds


def test_the_readme_states_the_listed_at_rule() -> None:
    text = README.read_text(encoding="utf-8")
    assert "**`listed_at` is the server's clock.**" in text
    assert "more than two seconds" in text  # loader.CLOCK_TOLERANCE
    from pinecone_imports_frame.loader import CLOCK_TOLERANCE

    assert CLOCK_TOLERANCE.total_seconds() == 2
