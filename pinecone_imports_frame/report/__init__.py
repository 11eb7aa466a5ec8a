r"""A report to share: one self-contained HTML file that a team lead reads in a minute.

:func:`report` builds the page from the :mod:`~pinecone_imports_frame.trends` functions.
The header says the period the history covers (its first and last listing), the indexes
by name, and the headline figures: imports seen, finished and failed in the period,
running now with when they finish loading, records imported. Then the summary in
sentences, the running imports with their ETAs, the statuses over time (a panel per
status, each on its own scale, so that a few running imports beside thousands of
completed ones are visible), the imports finished per day (the days before the first
listing shaded, a last day that ended with the period hatched) and the failures of the
period grouped by kind.

The page fits any width from a phone to a wide screen: tables wrap long text, and on a
phone their rows become cards; long text is shortened with the whole of it one hover
(``title``) or one click (``<details>``) away, without script. Figures are drawn with
matplotlib (the ``report`` or ``notebook`` extra) on figures of their own, in a wide and a
phone layout, embedded as base64 PNG; there is no script and nothing to fetch, so the file
opens anywhere, offline.

Every text from the server (ids, URIs, errors, statuses, index names) goes through
:func:`~pinecone_imports_frame._text.printable` (control characters shown as ``\x1b``) and
is then escaped, so the markup is well-formed XHTML5 whatever the text: an XML parser and
a strict HTML5 parser both accept it. matplotlib never reads a label as math text
(``$x^2$`` is drawn as written).
"""

from __future__ import annotations

import html
import logging

import pandas as pd

from .._version import __version__
from ..errors import ConfigurationError
from . import _ended, _sections
from ._facts import COLUMNS_NEEDED, gather
from ._figures import STATUS_COLORS, require_matplotlib
from ._format import text, when
from ._html import page

logger = logging.getLogger(__name__)

__all__ = ["COLUMNS_NEEDED", "STATUS_COLORS", "report"]


def report(history: pd.DataFrame, *, title: str = "Pinecone bulk imports") -> str:
    """Render a listing or a history as one self-contained HTML page.

    Parameters
    ----------
    history : pandas.DataFrame
        One listing (``read_imports``, ``read_project_imports``), many
        (``read_snapshots``, ``watch_imports``), or the runs of many (``read_history``).
        It needs the columns in :data:`COLUMNS_NEEDED` (``index_name`` is optional:
        without it, indexes are named by their host).
    title : str
        The page's title.

    Returns
    -------
    str
        The HTML (UTF-8 text). The period it covers runs from the first listing to the
        last; an import that ended before the first listing counts among the imports seen,
        not in the period. With one listing, everything it shows counts ("as listed").
        Write it with ``Path("imports.html").write_text(html, encoding="utf-8")``.

    Raises
    ------
    ConfigurationError
        matplotlib is not installed, ``title`` is not text, or the frame lacks a column
        the trends need.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> with pif.Emulator(imports=50, seed=1) as emu:
    ...     page = report(pif.read_imports(emu.url, api_key=emu.api_key, progress=False))
    >>> page.startswith("<!DOCTYPE html>"), "One listing, at" in page
    (True, True)
    """
    if not isinstance(title, str):
        raise ConfigurationError(f"title must be a string, not {type(title).__name__}")
    if not isinstance(history, pd.DataFrame):
        raise ConfigurationError(
            "report() takes a DataFrame from read_imports, read_snapshots or read_history, not "
            f"{type(history).__name__}"
        )
    if len(history):
        require_matplotlib()
    facts = gather(history)
    unit = _ended.unit_of(facts)[1]
    parts = [_sections.header(facts, title)]
    if facts.end is not None:
        parts += [
            "<h2>Summary</h2>",
            _sections.summary(facts),
            "<h2>Running now</h2>",
            _sections.running(facts),
            "<h2>Statuses over time</h2>",
            _sections.statuses(facts),
            f"<h2>Imports finished per {unit}</h2>",
            _ended.throughput(facts),
            f"<h2>Failures {facts.scope}</h2>",
            _ended.failures(facts),
        ]
    newest = f"Newest listing {when(facts.end)}." if facts.end is not None else "No listing."
    parts.append(
        f"<footer><p>Times are UTC. {newest} Made by "
        f"pinecone-imports-frame {html.escape(__version__)}.</p></footer>"
    )
    return page(title=text(title), body="\n".join(parts))
