"""Progress bars: text where Jupyter has no ipywidgets, integer counts, off when asked."""

from __future__ import annotations

import importlib.util
import sys
import types
import warnings

import pytest

from pinecone_imports_frame import _progress
from pinecone_imports_frame._progress import PageProgress, progress_enabled


def _in_a_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this process look like a Jupyter kernel: an IPython shell with a kernel."""
    ipython = types.ModuleType("IPython")
    shell = types.SimpleNamespace(kernel=object())
    ipython.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)


def test_jupyter_without_ipywidgets_gets_a_text_bar_and_no_warning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _in_a_kernel(monkeypatch)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ipywidgets" else real_find_spec(name, *a),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bar = PageProgress("idx")  # None: on in Jupyter
        bar(3, 300)
        bar.close()
    err = capsys.readouterr().err
    assert "idx: 3 pages" in err and "IProgress" not in err


def test_counts_are_shown_as_integers(capsys: pytest.CaptureFixture[str]) -> None:
    bar = PageProgress("idx", enabled=True)
    bar(200, 20_000)
    bar.close()
    err = capsys.readouterr().err
    assert "imports=20000" in err and "e+" not in err


def test_progress_off_writes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    bar = PageProgress("idx", enabled=False)
    bar(1, 100)
    bar.close()
    assert capsys.readouterr().err == ""


def test_importing_ipykernel_is_not_running_in_jupyter(monkeypatch: pytest.MonkeyPatch) -> None:
    # A test session that starts notebook kernels imports ipykernel, but is no notebook.
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(_progress.sys, "stderr", types.SimpleNamespace())
    assert progress_enabled(None) is False
    _in_a_kernel(monkeypatch)
    assert progress_enabled(None) is True


def test_default_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")  # one that draws bars, whoever runs this

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(_progress.sys, "stderr", Tty())
    assert progress_enabled(None) is True
    monkeypatch.setattr(_progress.sys, "stderr", types.SimpleNamespace())
    assert progress_enabled(None) is False


def test_a_dumb_terminal_gets_no_bars_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """TERM=dumb drew bars: each redraw a new line, with escapes (ESC [A) shown as text."""
    monkeypatch.delitem(sys.modules, "IPython", raising=False)

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(_progress.sys, "stderr", Tty())
    monkeypatch.setenv("TERM", "dumb")
    assert progress_enabled(None) is False
    assert _progress.WatchBars().enabled is False  # the watch's bars ask the same
    assert progress_enabled(True) is True  # --progress: bars all the same
    monkeypatch.delenv("TERM")  # no TERM: as before, the terminal decides
    assert progress_enabled(None) is True
