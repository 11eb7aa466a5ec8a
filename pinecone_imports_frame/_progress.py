"""Every progress bar of the package: one place that knows tqdm.

Listings report progress through a callback (``pagination.drain(on_page=...)``) and know
nothing of bars. A bar is a widget in Jupyter when ipywidgets is installed and plain text
otherwise (never the "IProgress not found" warning), and counts are shown as integers.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from typing import Any

from ._text import printable
from .errors import ConfigurationError

logger = logging.getLogger(__name__)


def in_jupyter() -> bool:
    """Tell whether this code runs in a Jupyter kernel (not merely next to ipykernel).

    A process that only imported ``ipykernel`` (a test that starts kernels, a tool) is not
    in a notebook: the running IPython shell must have a kernel.

    Examples
    --------
    >>> in_jupyter()
    False
    """
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return getattr(shell, "kernel", None) is not None


def check_progress(progress: bool | None) -> bool | None:
    """Return ``progress`` if it is True, False or None; refuse anything else.

    Examples
    --------
    >>> check_progress("no")
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: progress must be True, False or None ...
    """
    if progress is not None and not isinstance(progress, bool):
        raise ConfigurationError(
            f"progress must be True, False or None (on in a terminal or Jupyter), not a "
            f"{type(progress).__name__}"
        )
    return progress


def progress_enabled(progress: bool | None) -> bool:
    """``progress`` as given, or, for None, whether stderr is a terminal or this is Jupyter.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()):  # stderr is not a terminal
    ...     progress_enabled(None), progress_enabled(True)
    (False, True)
    """
    if check_progress(progress) is not None:
        return bool(progress)
    if in_jupyter():
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


#: How every bar looks: the terminal's width, and whole counts ("20000", never "20.0k").
_LOOK: dict[str, Any] = {"dynamic_ncols": True, "unit_scale": False}


def _tqdm_class() -> Any:
    """Pick tqdm's notebook widget in Jupyter with ipywidgets, else the text bar."""
    if in_jupyter() and importlib.util.find_spec("ipywidgets") is not None:
        try:
            from tqdm.notebook import tqdm as notebook_tqdm

            return notebook_tqdm
        except ImportError:  # pragma: no cover - an ipywidgets too old for tqdm
            pass
    from tqdm import tqdm as text_tqdm

    return text_tqdm


def bar(description: str, *, unit: str, total: int | None = None, leave: bool = True) -> Any:
    """Open a bar (``tqdm.notebook`` in Jupyter with ipywidgets, text otherwise).

    ``description`` is shown escaped (:func:`~pinecone_imports_frame._text.printable`):
    it may be an import's id or an index's name, as a server sent them.

    Examples
    --------
    >>> import contextlib, io
    >>> shown = io.StringIO()
    >>> with contextlib.redirect_stderr(shown):
    ...     b = bar("imports", unit=" pages")
    ...     b.update(20000)
    ...     b.close()
    >>> "imports: 20000 pages" in shown.getvalue()  # a count, never tqdm's "20.0k"
    True
    >>> type(b).__module__  # the text bar, outside Jupyter
    'tqdm.std'
    """
    # On the stderr of the moment (stdout is for what a command prints).
    return _tqdm_class()(
        desc=printable(description),
        unit=unit,
        total=total,
        leave=leave,
        file=sys.stderr,
        **_LOOK,
    )


class PageProgress:
    """Pages and imports of one listing on one bar: ``PageProgress(...)(pages, imports)``.

    Examples
    --------
    >>> import contextlib, io
    >>> shown = io.StringIO()
    >>> with contextlib.redirect_stderr(shown):
    ...     p = PageProgress("idx", enabled=True)
    ...     p(3, 250)
    ...     p.close()
    >>> "idx: 3 pages" in shown.getvalue(), "imports=250" in shown.getvalue()
    (True, True)
    >>> with contextlib.redirect_stderr(shown := io.StringIO()):
    ...     PageProgress("idx", enabled=False)(3, 250)
    >>> shown.getvalue()  # disabled: nothing at all
    ''
    """

    def __init__(self, description: str, *, enabled: bool | None = None) -> None:
        self._bar = bar(description, unit=" pages") if progress_enabled(enabled) else None

    def __call__(self, pages: int, imports: int) -> None:
        """Record that ``pages`` pages holding ``imports`` imports have been read."""
        if self._bar is None:
            return
        self._bar.update(pages - self._bar.n)
        # A string, so that tqdm shows 20000 rather than its number format "2e+4".
        self._bar.set_postfix_str(f"imports={imports}", refresh=False)

    def close(self) -> None:
        """Close the bar (leaving its last state on screen)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class IndexesProgress:
    """Indexes listed and imports so far on one bar: ``IndexesProgress(...)(imports)``.

    One call per index that finished (or failed), from any thread.

    Examples
    --------
    >>> import contextlib, io
    >>> shown = io.StringIO()
    >>> with contextlib.redirect_stderr(shown):
    ...     bar = IndexesProgress(2, enabled=True)
    ...     bar(250)
    ...     bar(120)
    ...     bar.close()
    >>> last = shown.getvalue().rstrip().rsplit("indexes:", 1)[-1]
    >>> "100%" in last, "2/2" in last, "imports=370" in last
    (True, True, True)
    """

    def __init__(self, total: int, *, enabled: bool | None = None) -> None:
        self._bar = (
            bar("indexes", unit=" indexes", total=total) if progress_enabled(enabled) else None
        )
        self._imports = 0
        self._lock = threading.Lock()

    def __call__(self, imports: int) -> None:
        """Record one more index done, that brought ``imports`` imports."""
        with self._lock:
            self._imports += imports
            if self._bar is not None:
                self._bar.update(1)
                self._bar.set_postfix_str(f"imports={self._imports}", refresh=False)

    def close(self) -> None:
        """Close the bar (leaving its last state on screen)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def write(line: str, *, file: Any = None) -> None:
    r"""Print ``line`` above any open bar (to ``file``, stderr by default), bars kept intact.

    The line is written escaped (:func:`~pinecone_imports_frame._text.printable`).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> write("import 7 Completed", file=out)
    >>> out.getvalue()
    'import 7 Completed\n'
    """
    from tqdm import tqdm as text_tqdm

    text_tqdm.write(printable(line), file=sys.stderr if file is None else file)


class WatchBars:
    """The bars of a watch: one per running import (0-100 %) and one of imports ended.

    Each import's bar shows its percent and, after it, a text the caller composes
    (records, rate, ETA, "indexing 12m"); the overall bar counts the imports that were
    running at the start and have ended. Disabled, every method does nothing.

    Examples
    --------
    >>> import contextlib, io
    >>> shown = io.StringIO()
    >>> with contextlib.redirect_stderr(shown):
    ...     bars = WatchBars(enabled=True)
    ...     bars.start(total=2)
    ...     bars.show("7", percent=40.0, text="ETA 12:30Z")
    ...     bars.end("7")
    ...     bars.ended(1)
    ...     bars.close()
    >>> text = shown.getvalue()
    >>> "7:  40.0%" in text, "ETA 12:30Z" in text, "imports ended:  50%" in text
    (True, True, True)
    """

    def __init__(self, *, enabled: bool | None = None) -> None:
        self.enabled = progress_enabled(enabled)
        self._imports: dict[str, Any] = {}
        self._overall: Any = None

    def start(self, *, total: int) -> None:
        """Open the overall bar: ``total`` imports running at the start."""
        if self.enabled and self._overall is None:
            self._overall = bar("imports ended", unit=" imports", total=total)

    def show(self, key: str, *, percent: float | None, text: str) -> None:
        """Set an import's bar (opened on first use) to ``percent`` with ``text`` after it."""
        if not self.enabled:
            return
        b = self._imports.get(key)
        if b is None:
            b = self._imports[key] = bar(key, unit="%", total=100, leave=False)
            b.bar_format = "{desc}: {percentage:5.1f}%|{bar}| {postfix}"
        if percent is not None and percent == percent:  # not NaN
            b.n = min(max(float(percent), 0.0), 100.0)
        b.set_postfix_str(printable(text), refresh=False)
        b.refresh()

    def end(self, key: str) -> None:
        """Close an import's bar (it ended)."""
        b = self._imports.pop(key, None)
        if b is not None:
            b.close()

    def ended(self, count: int) -> None:
        """Set the overall bar to ``count`` imports ended."""
        if self._overall is not None:
            self._overall.n = count
            self._overall.refresh()

    def close(self) -> None:
        """Close every bar (the overall one stays on screen)."""
        for key in list(self._imports):
            self.end(key)
        if self._overall is not None:
            self._overall.close()
            self._overall = None
