"""An index name Pinecone would not accept is refused before any request, never repeated.

``--index-name pcsk_...`` (the key pasted into the wrong option) was sent to the control
plane as a URL path (``GET /indexes/pcsk_...``) and echoed back in the error line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator, Project

PASTED_KEY = "pcsk_SECRET_abc123xyz"

#: Names Pinecone refuses (1-45 of a-z, 0-9, '-', alphanumeric ends), none a key.
NOT_NAMES = [
    "Prod-Search",  # upper case
    "prod_search",  # underscore
    "-prod",
    "prod-",
    "a" * 46,
    "",
    " ",
    "prod search",
    "../indexes",
    "prod\n",
    "prod/search",
    "pr\u00f6d",
]


def _read(emu: Emulator, index_name: str) -> Any:
    return pif.read_imports(
        index_name=index_name, api_key=emu.api_key, controller_host=emu.url, progress=False
    )


def test_a_key_pasted_as_the_index_name_is_refused_unsent_and_unrepeated(
    imports_emulator: Emulator,
) -> None:
    with pytest.raises(pif.ConfigurationError, match="looks like an API key") as raised:
        _read(imports_emulator, PASTED_KEY)
    assert "SECRET" not in str(raised.value) and "abc123xyz" not in str(raised.value)
    assert imports_emulator.requests == []


def test_the_key_itself_as_the_index_name_is_refused_whatever_its_shape(
    imports_emulator: Emulator,
) -> None:
    """A legacy key is a UUID: lower-case hex and '-', a valid name by its shape."""
    uuid_key = "0c5d9c2e-7f4b-4a8e-9d6f-3b1a2c4d5e6f"
    with pytest.raises(pif.ConfigurationError, match="looks like an API key") as raised:
        pif.Connection.resolve(api_key=uuid_key, index_name=uuid_key)
    assert uuid_key not in str(raised.value) and "0c5d9c2e" not in str(raised.value)


@pytest.mark.parametrize("name", NOT_NAMES)
def test_a_name_pinecone_refuses_is_refused_unsent_and_unrepeated(
    imports_emulator: Emulator, name: str
) -> None:
    with pytest.raises(pif.ConfigurationError, match="not a Pinecone index name") as raised:
        _read(imports_emulator, name)
    said = str(raised.value)
    assert "1 to 45 characters of a-z, 0-9 and '-'" in said
    if name.strip():
        assert name.strip() not in said
    assert imports_emulator.requests == []


@pytest.mark.parametrize("name", ["a", "0", "prod-search", "9lives", "a-" * 22 + "b"])
def test_every_name_pinecone_accepts_is_accepted(name: str) -> None:
    assert len(name) <= 45
    conn = pif.Connection.resolve(api_key="pcsk_example", index_name=name)
    assert conn.index_name == name


def test_a_valid_name_still_resolves_through_the_control_plane(
    imports_emulator: Emulator,
) -> None:
    df = _read(imports_emulator, imports_emulator.index_name)
    assert len(df) == 250


def test_the_watch_refuses_it_too(imports_emulator: Emulator) -> None:
    with pytest.raises(pif.ConfigurationError, match="looks like an API key"):
        pif.watch_imports(
            index_name=PASTED_KEY,
            api_key=imports_emulator.api_key,
            controller_host=imports_emulator.url,
            progress=False,
        )
    assert imports_emulator.requests == []


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (["list"], PASTED_KEY),
        (["list"], "Prod_Search"),
        (["check"], PASTED_KEY),
        (["watch"], PASTED_KEY),
        (["snapshot", "--to", "{lake}"], PASTED_KEY),
        (["metrics", "--textfile", "{lake}/i.prom"], PASTED_KEY),
    ],
)
def test_cli_refuses_it_in_one_line_exit_2_unsent_and_unrepeated(
    imports_emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: list[str],
    name: str,
) -> None:
    argv = [part.replace("{lake}", str(tmp_path)) for part in command]
    conn = ["--api-key", imports_emulator.api_key, "--controller-host", imports_emulator.url]
    code = main([*argv, "--index-name", name, *conn])
    captured = capsys.readouterr()
    assert code == 2
    (line,) = captured.err.splitlines()
    assert line.startswith("pinecone-imports: error: ")
    assert name not in captured.err + captured.out and "SECRET" not in captured.err
    assert "--index-name" in line or "--api-key" in line  # in the command line's words
    assert imports_emulator.requests == []


def test_fleet_patterns_stay_loose_but_a_key_among_them_is_refused_unrepeated(
    imports_project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = ["--api-key", imports_project.api_key, "--controller-host", imports_project.control.url]
    code = main(["list", "--all-indexes", "--indexes", "prod-*", PASTED_KEY, *conn])
    captured = capsys.readouterr()
    assert code == 2 and "looks like an API key" in captured.err
    assert "SECRET" not in captured.err + captured.out
    assert imports_project.control.requests == []
    # Patterns are matched locally, never sent: one with [ ] or ? still chooses indexes.
    df = pif.read_project_imports(
        api_key=imports_project.api_key,
        controller_host=imports_project.control.url,
        indexes=["prod-[rs]*", "staging-searc?"],
        progress=False,
    )
    assert set(df["index_name"]) == {"prod-search", "prod-recs", "staging-search"}
