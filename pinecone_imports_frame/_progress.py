"""Every progress bar of the package: one place that knows tqdm.

Listings report progress through a callback (``pagination.drain(on_page=...)``) and know
nothing of bars. A bar is a widget in Jupyter when ipywidgets is installed and plain text
otherwise (never the "IProgress not found" warning), and counts are shown as integers.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import io
import logging
import os
import shutil
import sys
import threading
from collections.abc import Iterator
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

    Every bar of the package asks here. A terminal that says it cannot move the cursor
    (``TERM=dumb``: Emacs' shell, some CI logs) gets no bars, as a pipe gets none: each
    redraw would print a new line, with escapes it shows as text.

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
        terminal = sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
    return bool(terminal) and os.environ.get("TERM", "").strip().lower() != "dumb"


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


#: Whether a listing's bar stays on screen once the listing is done. In a notebook or a
#: script it does (tqdm's default): the finished bar records how the listing went, and
#: what comes next is printed below it. The command line clears it (:func:`transient_bars`):
#: a table or a result line follows, and ``snapshot --every`` would stack one a poll.
_LEAVE_FINISHED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "leave_finished_bars", default=True
)


@contextlib.contextmanager
def transient_bars() -> Iterator[None]:
    r"""While open, the bars of listings (pages, indexes) vanish once done.

    Examples
    --------
    >>> import contextlib, io
    >>> shown = io.StringIO()
    >>> with contextlib.redirect_stderr(shown), transient_bars():
    ...     p = PageProgress("idx", enabled=True)
    ...     p(3, 250)
    ...     p.close()
    >>> shown.getvalue().endswith("\r"), "\n" in shown.getvalue()  # blanked, no line left
    (True, False)
    """
    token = _LEAVE_FINISHED.set(False)
    try:
        yield
    finally:
        _LEAVE_FINISHED.reset(token)


def bar(description: str, *, unit: str, total: int | None = None, leave: bool | None = None) -> Any:
    """Open a bar (``tqdm.notebook`` in Jupyter with ipywidgets, text otherwise).

    ``leave``: whether it stays on screen once closed; None, as :func:`transient_bars` says
    (it stays, unless the command line runs it).

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
        leave=_LEAVE_FINISHED.get() if leave is None else leave,
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
        """Close the bar (its last state stays on screen, unless :func:`transient_bars`)."""
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
        """Close the bar (its last state stays on screen, unless :func:`transient_bars`)."""
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


#: The columns of a watch's bars: labels at least as wide as the overall bar's and at
#: most this wide (cut with "..." beyond), then the bar, its figure, and the text.
_LABEL_MAX = 24
_OVERALL = "imports ended"


def _fit(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters, ending in "..." when cut."""
    if len(text) <= width:
        return text
    return text[: max(width - 3, 0)] + "..."[: max(width, 0)]


def _literal(text: str) -> str:
    """Escape ``text`` for a tqdm ``bar_format`` (a ``str.format`` template)."""
    return text.replace("{", "{{").replace("}", "}}")


def _columns(file: Any) -> int:
    """Return the width of the terminal ``file`` writes to (else $COLUMNS, else 80)."""
    try:
        return os.get_terminal_size(file.fileno()).columns
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return shutil.get_terminal_size((80, 24)).columns


class _TqdmHandler(logging.Handler):
    """A console log handler's stand-in while bars are open: its lines go above them."""

    def __init__(self, console: logging.StreamHandler[Any]) -> None:
        super().__init__(console.level)
        self.setFormatter(console.formatter)
        for f in console.filters:
            self.addFilter(f)
        self.stream = console.stream

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm as text_tqdm

        try:
            text_tqdm.write(self.format(record), file=self.stream)
        except Exception:  # pragma: no cover - as logging's own handlers do
            self.handleError(record)


def _is_console(handler: logging.Handler) -> bool:
    return isinstance(handler, logging.StreamHandler) and handler.stream in (
        sys.stdout,
        sys.stderr,
    )


@contextlib.contextmanager
def lines_above_bars(enabled: bool) -> Iterator[None]:
    """While open, log lines to the console are written above the text bars, not over them.

    The console handlers of the root logger and the package's (the CLI's), and logging's
    last resort (a script that configured no logging), write through ``tqdm.write``.

    Examples
    --------
    >>> with lines_above_bars(True):
    ...     logging.lastResort.__class__.__name__
    '_TqdmHandler'
    """
    if not enabled:
        yield
        return
    loggers = [logging.getLogger(), logging.getLogger("pinecone_imports_frame")]
    saved = [(log, log.handlers) for log in loggers]
    resort = logging.lastResort
    try:
        for log in loggers:
            log.handlers = [
                _TqdmHandler(h) if isinstance(h, logging.StreamHandler) and _is_console(h) else h
                for h in log.handlers
            ]
        if isinstance(resort, logging.StreamHandler):
            logging.lastResort = _TqdmHandler(resort)
        yield
    finally:
        for log, handlers in saved:
            log.handlers = handlers
        logging.lastResort = resort


class WatchBars:
    r"""The bars of a watch: one per running import (0-100 %) and one of imports ended.

    Every bar starts at the same column and is as wide as the others: a label column as
    wide as the longest label (at most 24 characters, cut beyond), the bar, its figure
    (``28.2%``, or ``3/7`` imports ended), then a text the caller composes (records, rate,
    ETA, "indexing 12m"), cut to the terminal's width. The overall bar counts every import
    that had a bar and has ended, out of every import that had one: its total grows as
    imports start during the watch. Disabled, every method does nothing.

    Examples
    --------
    >>> import contextlib, io
    >>> shown = io.StringIO()
    >>> with contextlib.redirect_stderr(shown):
    ...     bars = WatchBars(enabled=True)
    ...     bars.start(total=2)
    ...     bars.show("7", percent=40.0, text="ETA 12:30Z")
    ...     bars.show("8", percent=10.0, text="pending")
    ...     bars.end("7")
    ...     bars.tally()
    ...     bars.close()
    >>> last = shown.getvalue().rsplit("\r", 1)[-1]
    >>> last.startswith("imports ended |"), last.rstrip().endswith("  1/2")
    (True, True)
    """

    def __init__(self, *, enabled: bool | None = None) -> None:
        self.enabled = progress_enabled(enabled)
        self._imports: dict[str, Any] = {}
        self._overall: Any = None
        self._drawn: set[str] = set()  # every import that had a bar
        self._ended: set[str] = set()  # of those, the ones that ended
        self._label_width = len(_OVERALL)
        self._text_bars = True

    def start(self, *, total: int) -> None:
        """Open the overall bar (on top): ``total`` imports running at the start."""
        if self.enabled and self._overall is None:
            cls = _tqdm_class()
            self._text_bars = cls.__module__ == "tqdm.std"
            self._total = total
            self._overall = cls(
                total=max(total, 1),
                leave=True,
                file=sys.stderr,
                bar_format=self._template(_OVERALL, f"0/{total}", ""),
                **_LOOK,
            )

    def _template(self, label: str, figure: str, text: str) -> str:
        """One bar's line: label column, bar, figure, and text, fitted to the terminal."""
        width = self._label_width
        label = _fit(printable(label), width).ljust(width)
        if not self._text_bars:  # a notebook widget draws the bar itself
            return f"{_literal(label)} {{bar}} {_literal(figure)}  {_literal(text)}".rstrip()
        columns = _columns(sys.stderr)
        bar_width = max(8, min(30, columns - width - 66))
        # label, " |", bar, "|", figure (7), "  ", text: the text fills the rest but one
        room = columns - 1 - (width + 2 + bar_width + 1 + 7 + 2)
        tail = f"  {_fit(text, room)}" if text and room > 3 else ""
        return f"{_literal(label)} |{{bar:{bar_width}}}|{figure:>7}{_literal(tail)}"

    def show(self, key: str, *, percent: float | None, text: str) -> None:
        """Set an import's bar (opened on first use) to ``percent`` with ``text`` after it."""
        if not self.enabled:
            return
        label = printable(key)
        if len(label) > self._label_width:
            self._label_width = min(len(label), _LABEL_MAX)
        known = percent is not None and percent == percent  # not NaN
        n = min(max(float(percent), 0.0), 100.0) if known else 0.0  # type: ignore[arg-type]
        template = self._template(key, f"{n:5.1f}%" if known else "?", printable(text))
        b = self._imports.get(key)
        if b is None:
            b = self._imports[key] = _tqdm_class()(
                total=100, leave=False, file=sys.stderr, bar_format=template, **_LOOK
            )
        self._drawn.add(key)
        self._ended.discard(key)
        if known:
            b.n = n
        b.bar_format = template
        b.refresh()

    def end(self, key: str) -> None:
        """Close an import's bar: it ended (counted if it had a bar)."""
        b = self._imports.pop(key, None)
        if key in self._drawn:
            self._ended.add(key)
        if b is not None:
            b.close()

    def tally(self) -> None:
        """Redraw the overall bar: imports ended out of every import that had a bar."""
        if self._overall is None:
            return
        total = max(len(self._drawn), self._total)
        ended = len(self._ended)
        self._overall.total = max(total, 1)
        self._overall.n = ended
        self._overall.bar_format = self._template(_OVERALL, f"{ended}/{total}", "")
        self._overall.refresh()

    def close(self) -> None:
        """Close every bar (the overall one stays on screen)."""
        for key in list(self._imports):
            b = self._imports.pop(key)
            b.close()
        if self._overall is not None:
            self.tally()
            self._overall.close()
            self._overall = None
