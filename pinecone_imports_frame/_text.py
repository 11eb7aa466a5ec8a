"""Text for a terminal: server text made harmless, durations in a few characters.

Every line the package prints or logs from what a server sent (ids, URIs, error texts)
goes through :func:`printable`, so that no terminal escape, carriage return or
direction override reaches the screen; every duration a person reads goes through
:func:`short_duration`.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)


def printable(value: Any) -> str:
    r"""Show ``value`` as text with every non-printable character escaped (None, NA: "").

    Escaped as Python writes them (``\x1b``, ``\r``, ``\u202e``): control characters,
    line breaks, direction overrides, zero-width characters.

    Examples
    --------
    >>> printable("import 7\x1b[2J\rdone\u202e")
    'import 7\\x1b[2J\\rdone\\u202e'
    >>> printable(None), printable("héllo wörld")
    ('', 'héllo wörld')
    """
    if value is None or value is pd.NA:
        return ""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def short_duration(value: Any) -> str:
    """Write a duration in whole seconds: ``3m05s``, ``1h02m03s``, ``2d01h02m``.

    Examples
    --------
    >>> short_duration(pd.Timedelta(seconds=185)), short_duration(pd.Timedelta(hours=50))
    ('3m05s', '2d02h00m')
    >>> short_duration(pd.Timedelta(seconds=-90))
    '-1m30s'
    """
    seconds = int(pd.Timedelta(value).total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    d, rem = divmod(seconds, 86_400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    if d:
        return f"{sign}{d}d{h:02d}h{m:02d}m"
    return sign + (f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s")
