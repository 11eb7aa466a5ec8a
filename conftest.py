"""The doctests of the lake's private helpers get ``lake``, a throwaway lake to work on.

Here, beside the project, not in the package: a conftest inside the package would ship in
the wheel.

``lake(*listed_at, host="h", records=())`` writes one snapshot of ``records`` per
``listed_at`` (an empty listing by default) into a new folder under pytest's ``tmp_path``
(removed like the test's other files) and returns that folder. The public functions'
examples build their lakes themselves, so that a reader can run them as they stand
(``tempfile.mkdtemp()``): under pytest those folders are made under the test's
``tmp_path`` too, not left in the system's temporary folder run after run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from pinecone_imports_frame.frame import to_frame
from pinecone_imports_frame.snapshots import write_snapshot

_SNAPSHOTS = Path(__file__).parent / "pinecone_imports_frame" / "snapshots"


@pytest.fixture(autouse=True)
def _lake_for_doctests(request: pytest.FixtureRequest, doctest_namespace: dict[str, Any]) -> None:
    if (
        not isinstance(request.node, pytest.DoctestItem)
        or _SNAPSHOTS not in request.node.path.parents
    ):
        return
    tmp_path: Path = request.getfixturevalue("tmp_path")
    made = 0

    def lake(*listed_at: str, host: str = "h", records: Sequence[dict[str, Any]] = ()) -> str:
        nonlocal made
        made += 1
        root = tmp_path / f"lake-{made}"
        root.mkdir()
        for t in listed_at:
            write_snapshot(to_frame(list(records), listed_at=t, index_host=host), root)
        return str(root)

    doctest_namespace["lake"] = lake


@pytest.fixture(autouse=True)
def _doctest_temporary_folders(request: pytest.FixtureRequest) -> Any:
    """Make a doctest's ``tempfile.mkdtemp()`` folders under its ``tmp_path`` (removed)."""
    if not isinstance(request.node, pytest.DoctestItem):
        yield
        return
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    monkeypatch.setattr(tempfile, "tempdir", str(request.getfixturevalue("tmp_path")))
    yield
