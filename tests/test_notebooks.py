"""The notebooks run top to bottom, draw every figure, and are committed without outputs.

Each runs in a real Jupyter kernel (nbclient, ipykernel), as ``jupyter lab notebooks/``
would run it: without a key against the emulator it starts itself, and with
``PINECONE_API_KEY`` and ``PINECONE_INDEX_HOST`` set against that index (here an emulator
standing in for it, over HTTP), changing nothing but the environment.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

import pinecone_imports_frame as pif
from pinecone_imports_frame.emulator import Emulator

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
FIGURES = {"imports_overview.ipynb": 6, "imports_trends.ipynb": 4}


#: Appended to each code cell by ``run(inspect=True)``: what each axes of the cell's
#: figures shows, drawn (the inline backend closes them once the cell has run).
_FACTS = """
import json as _json
import matplotlib.pyplot as _plt

for _number in _plt.get_fignums():
    _figure = _plt.figure(_number)
    _figure.canvas.draw()
    _renderer = _figure.canvas.get_renderer()
    for _axes in _figure.axes:
        _legend = _axes.get_legend()
        _box = _axes.get_window_extent(_renderer)
        print("FACTS" + _json.dumps({
            "title": _axes.get_title(),
            "xlabel": _axes.get_xlabel(),
            "ylabel": _axes.get_ylabel(),
            "xlim": [float(v) for v in _axes.get_xlim()],
            "ylim": [float(v) for v in _axes.get_ylim()],
            "xticks": [t.get_text() for t in _axes.get_xticklabels()],
            "legend_on_data": bool(
                _legend is not None and _legend.get_window_extent(_renderer).overlaps(_box)
            ),
        }))
"""


def run(name: str, *, inspect: bool = False) -> Any:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    if inspect:  # describe each cell's figures at its end
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.source += "\n" + _FACTS
    NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": NOTEBOOKS}}
    ).execute()
    return notebook


def figures(notebook: Any) -> int:
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def text_of(notebook: Any) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


@pytest.fixture
def no_pinecone(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PINECONE_API_KEY",
        "PINECONE_INDEX_HOST",
        "PINECONE_CONTROLLER_HOST",
        "PINECONE_IMPORTS_LAKE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_the_notebook_is_committed_without_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.slow
@pytest.mark.usefixtures("no_pinecone")
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_the_notebook_runs_against_the_emulator_and_draws_its_figures(name: str) -> None:
    notebook = run(name)
    assert figures(notebook) == FIGURES[name]
    text = text_of(notebook)
    assert "Traceback" not in text and "Warning" not in text
    if name == "imports_overview.ipynb":
        assert "1000 imports" in text
    else:  # a week from midnight: seven calendar days
        assert re.search(r"99 listings over 6 days 22:(29:5\d|30:0\d)", text)  # Date: seconds


def figure_facts(notebook: Any) -> list[dict[str, Any]]:
    """Return what ``_FACTS`` said of the figures of a notebook run with ``inspect=True``."""
    text = text_of(notebook)
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("FACTS")]


#: Count axes (labelled so), which start at 0: a bar twice as high is twice as many.
COUNTS = ("imports", "imports finished", "million records imported", "status changes")


@pytest.mark.slow
@pytest.mark.usefixtures("no_pinecone")
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_no_legend_covers_data_and_every_count_starts_at_zero(name: str) -> None:
    """Before: legends on the bars of three charts, a right axis from 300, ten days a week."""
    facts = figure_facts(run(name, inspect=True))
    assert len([f for f in facts if f["title"]]) == FIGURES[name]
    assert not [f["title"] for f in facts if f["legend_on_data"]]
    for f in facts:
        if f["ylabel"] in COUNTS:
            assert f["ylim"][0] == 0, f
        if f["xlabel"] in COUNTS:
            assert f["xlim"][0] == 0, f
    if name == "imports_trends.ipynb":  # the week simulated: seven days, not ten
        (daily,) = [f for f in facts if f["title"].startswith("Imports finished per day")]
        assert len(daily["xticks"]) == 7


@pytest.mark.slow
def test_the_overview_reads_the_index_the_environment_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Emulator(imports=345, seed=3, api_key="pcsk_notebook_test_key") as index:
        monkeypatch.setenv("PINECONE_API_KEY", index.api_key)
        monkeypatch.setenv("PINECONE_INDEX_HOST", index.address)
        # The project's control plane (Pinecone's, for a real key): the emulator serves one.
        monkeypatch.setenv("PINECONE_CONTROLLER_HOST", index.url)
        notebook = run("imports_overview.ipynb")
        served = len([r for r in index.requests if r.path.startswith("/bulk/imports")])
        listed = len([r for r in index.requests if r.path == "/indexes"])
    text = text_of(notebook)
    # Its 4 pages over HTTP, twice: the listing, then the fleet of its project (one index).
    assert "345 imports" in text and served == 8 and listed == 1
    assert "Traceback" not in text and "Warning" not in text
    assert figures(notebook) == FIGURES["imports_overview.ipynb"]
    assert "pcsk_notebook_test_key" not in text


@pytest.mark.slow
def test_the_trends_notebook_reads_the_lake_the_environment_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    now = pd.Timestamp.now(tz="UTC").floor("s").to_pydatetime()
    start = datetime.fromtimestamp(now.timestamp() - 2 * 86_400, tz=timezone.utc)
    with Emulator(imports=120, seed=5, now=start) as index:
        for _ in range(24):
            pif.read_imports(index.url, api_key=index.api_key, snapshot_to=tmp_path, progress=False)
            index.advance(7200)
        monkeypatch.setenv("PINECONE_API_KEY", index.api_key)
        monkeypatch.setenv("PINECONE_INDEX_HOST", index.address)
        monkeypatch.setenv("PINECONE_IMPORTS_LAKE", str(tmp_path))
        notebook = run("imports_trends.ipynb")
    text = text_of(notebook)
    assert "24 listings over 1 days" in text and "Traceback" not in text  # 46 h, Date-stamped
    assert figures(notebook) == FIGURES["imports_trends.ipynb"]
