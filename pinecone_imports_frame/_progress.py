"""Every progress bar of the package: one place that knows tqdm.

Listings report progress through a callback (``pagination.drain(on_page=...)``) and know
nothing of bars. A bar is a widget in Jupyter when ipywidgets is installed and plain text
otherwise (never the "IProgress not found" warning), and counts are shown as integers.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from typing import Any

logger = logging.getLogger(__name__)


def progress_enabled(progress: bool | None) -> bool:
    """``progress`` as given, or, for None, whether stderr is a terminal or this is Jupyter.

    Examples
    --------
    >>> progress_enabled(False), progress_enabled(True)
    (False, True)
    """
    if progress is not None:
        return bool(progress)
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _tqdm_class() -> Any:
    """Pick tqdm's notebook widget in Jupyter with ipywidgets, else the text bar."""
    if "ipykernel" in sys.modules and importlib.util.find_spec("ipywidgets") is not None:
        try:
            from tqdm.notebook import tqdm as notebook_tqdm

            return notebook_tqdm
        except ImportError:  # pragma: no cover - an ipywidgets too old for tqdm
            pass
    from tqdm import tqdm as text_tqdm

    return text_tqdm


def bar(description: str, *, unit: str, total: int | None = None, leave: bool = True) -> Any:
    """Open a bar (``tqdm.notebook`` in Jupyter with ipywidgets, text otherwise).

    Examples
    --------
    >>> import io
    >>> b = bar("imports", unit=" pages", leave=False)
    >>> b.update(2)
    >>> b.n
    2
    >>> b.close()
    """
    return _tqdm_class()(
        desc=description,
        unit=unit,
        total=total,
        leave=leave,
        dynamic_ncols=True,
        unit_scale=False,
        file=sys.stderr,
    )


class PageProgress:
    """Pages and imports of one listing on one bar: ``PageProgress(...)(pages, imports)``.

    Examples
    --------
    >>> p = PageProgress("idx", enabled=False)
    >>> p(1, 100)
    >>> p.close()
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
