r"""What a person reads: times, durations, counts and server text, as markup.

Every function returns HTML-escaped text, ready to go into the page. Server text goes
through :func:`~pinecone_imports_frame._text.printable` (control characters shown as
``\x1b``) and then :func:`html.escape`; a long text is shortened, with the whole of it in
a ``title`` attribute (one hover away, no script). A missing value is a dash, never
``NaT``, ``<NA>`` or ``nan``.
"""

from __future__ import annotations

import html
import logging
import math
from typing import Any

import pandas as pd

from .._text import printable, short_duration

logger = logging.getLogger(__name__)

#: What a missing value reads as.
MISSING = "\u2014"

#: The names a person reads for the API's statuses (others are shown as the server sent).
STATUS_NAMES = {
    "Pending": "Pending",
    "InProgress": "In progress",
    "Completed": "Completed",
    "Failed": "Failed",
    "Cancelled": "Cancelled",
}


def missing(value: Any) -> bool:
    """Tell whether ``value`` is None, NA, NaN or NaT (a list or a tuple never is).

    Examples
    --------
    >>> missing(pd.NA), missing(pd.NaT), missing(float("nan")), missing(0), missing(())
    (True, True, True, False, False)
    """
    if value is None or isinstance(value, (list, tuple)):
        return value is None
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(value: Any) -> str:
    r"""Escape server text for the page: control characters shown, then HTML-escaped.

    Examples
    --------
    >>> text('<b>"x"</b>\x1b')
    '&lt;b&gt;&quot;x&quot;&lt;/b&gt;\\x1b'
    """
    return html.escape(printable(value))


def attribute(value: Any) -> str:
    """Escape text for an attribute's value (quotes included).

    Examples
    --------
    >>> attribute('a "b" & c')
    'a &quot;b&quot; &amp; c'
    """
    return html.escape(printable(value), quote=True)


def shorten(value: str, width: int, *, middle: bool = False) -> str:
    """Cut plain text to ``width`` characters, ending (or, ``middle``, joined) with "…".

    Examples
    --------
    >>> shorten("abcdefghij", 6), shorten("abcdefghij", 6, middle=True), shorten("abc", 6)
    ('abcde…', 'abc…ij', 'abc')
    """
    if len(value) <= width:
        return value
    if middle:
        head = (width - 1) // 2 + (width - 1) % 2
        return value[:head] + "\u2026" + value[len(value) - (width - 1 - head) :]
    return value[: width - 1] + "\u2026"


def cut(value: Any, width: int, *, middle: bool = False, css: str = "", breaks: str = "") -> str:
    """Show server text shortened to ``width``, the whole of it in the ``title``.

    Short text is shown as it is, with no ``title``. A line may break after each character
    of ``breaks`` (``<wbr />``).

    Examples
    --------
    >>> cut("s3://bucket/a/very/long/prefix/batch-0001/", 24, middle=True)
    '<span title="s3://bucket/a/very/long/prefix/batch-0001/">s3://bucket/…batch-0001/</span>'
    >>> cut("short", 24)
    'short'
    """
    if missing(value):
        return MISSING
    full = printable(value)
    short = shorten(full, width, middle=middle)
    shown = html.escape(short)
    for mark in breaks:
        shown = shown.replace(mark, mark + "<wbr />")
    if short == full and not css:
        return shown
    title = f' title="{html.escape(full, quote=True)}"' if short != full else ""
    klass = f' class="{css}"' if css else ""
    return f"<span{klass}{title}>{shown}</span>"


def when(value: Any) -> str:
    """Write a time to the nearest minute, in UTC: ``2026-12-09 15:42Z``.

    Examples
    --------
    >>> when(pd.Timestamp("2026-12-09 15:42:19.427513+00:00")), when(pd.NaT)
    ('2026-12-09 15:42Z', '—')
    >>> when(pd.Timestamp("2026-12-09 23:59:59.6Z")), when(pd.Timestamp("9999-12-31 23:59:59Z"))
    ('2026-12-10 00:00Z', '9999-12-31 23:59Z')
    """
    if missing(value):
        return MISSING
    t = pd.Timestamp(value)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    t = t.round("min") if t.year < 9999 else t.floor("min")  # not into year 10000
    # Field by field: strftime refuses a year past 9999 (a server's createdAt may say it).
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}Z"


def at(value: Any) -> str:
    """Write a time as :func:`when`, kept on one line (for a table's cell).

    Examples
    --------
    >>> at(pd.Timestamp("2026-12-09 15:42:19Z"))
    '<span class="t">2026-12-09 15:42Z</span>'
    """
    shown = when(value)
    return shown if shown == MISSING else f'<span class="t">{shown}</span>'


def uri(value: Any, width: int) -> str:
    """Show a URI cut in its middle to ``width``, a line break allowed after each ``/``.

    Examples
    --------
    >>> uri("s3://b/x/", 40)
    's3:/<wbr />/<wbr />b/<wbr />x/<wbr />'
    """
    return cut(value, width, middle=True, breaks="/")


def clock(value: Any, *, day_of: Any = None) -> str:
    """Write a time as :func:`when`, or only its hour when it falls on ``day_of``'s day.

    Examples
    --------
    >>> t = pd.Timestamp("2026-12-09 18:08:27Z")
    >>> clock(t, day_of=pd.Timestamp("2026-12-09 13:00Z")), clock(t)
    ('18:08Z', '2026-12-09 18:08Z')
    """
    full = when(value)
    if day_of is not None and not missing(value) and full[:10] == when(day_of)[:10]:
        return full[11:]
    return full


def duration(value: Any) -> str:
    """Write a duration in whole seconds (``4h45m16s``, ``2d01h02m``); missing: a dash.

    Examples
    --------
    >>> duration(pd.Timedelta("0 days 04:45:16.689798")), duration(pd.NaT)
    ('4h45m16s', '—')
    """
    if missing(value):
        return MISSING
    return short_duration(value)


def span(value: Any) -> str:
    """Write a period's length in words a person says: ``4 days 4 hours``, ``45 minutes``.

    Examples
    --------
    >>> span(pd.Timedelta(days=4, hours=4)), span(pd.Timedelta(minutes=45)), span(pd.Timedelta(0))
    ('4 days 4 hours', '45 minutes', 'an instant')
    >>> span(pd.Timedelta("4 days 03:59:59.8")), span(pd.Timedelta("1 days 00:10:00"))
    ('4 days 4 hours', '1 day')
    """
    exact = pd.Timedelta(value).total_seconds()
    step = 3600 if exact >= 86_400 else 60  # rounded to the smaller unit shown
    seconds = int(round(exact / step) * step)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts: list[str] = []
    for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")):
        if n and len(parts) < 2:
            parts.append(f"{n} {unit}{'s' if n != 1 else ''}")
        elif parts:
            break
    return " ".join(parts) or "an instant"


def count(value: Any) -> str:
    """Write a whole number with thousands separators; missing: a dash.

    Examples
    --------
    >>> count(12354688), count(pd.NA), count(3.0)
    ('12,354,688', '—', '3')
    """
    if missing(value):
        return MISSING
    return f"{int(value):,}"


def number(value: Any, *, digits: int = 0) -> str:
    """Write a number with thousands separators and ``digits`` decimals; missing: a dash.

    Examples
    --------
    >>> number(1796.35), number(10.19, digits=1), number(float("nan"))
    ('1,796', '10.2', '—')
    """
    if missing(value) or not math.isfinite(float(value)):
        return MISSING
    return f"{float(value):,.{digits}f}"


def big(value: Any) -> str:
    """Write a large count shortly: ``12.4 billion``, ``6.5 million``, ``12,345``.

    Examples
    --------
    >>> big(12_354_688_123), big(6_450_582), big(12_345), big(pd.NA)
    ('12.4 billion', '6.5 million', '12,345', '—')
    """
    if missing(value):
        return MISSING
    n = int(value)
    for size, word in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if abs(n) >= size:
            return f"{n / size:,.1f} {word}"
    return f"{n:,}"


def status(value: Any) -> str:
    """Name a status as a person reads it (``In progress``); a new one as sent, escaped.

    Examples
    --------
    >>> status("InProgress"), status("Paused<1>")
    ('In progress', 'Paused&lt;1&gt;')
    """
    return text(STATUS_NAMES.get(str(value), value))


def plural(n: int, word: str, many: str | None = None) -> str:
    """Write ``n`` and the word, in the plural unless ``n`` is 1 (``1 import``, ``2 imports``).

    Examples
    --------
    >>> plural(1, "import"), plural(1208, "import"), plural(2, "index", "indexes")
    ('1 import', '1,208 imports', '2 indexes')
    """
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
