"""Text made harmless where it lands: a terminal, a log, a plot, a spreadsheet.

:func:`printable` is the one function every string from a server or a file goes through
before a person reads it: the CLI's tables and lines, its log lines (through
:class:`PrintableFormatter`) and warnings, progress bars, the report's text and plot
labels. No terminal escape, carriage return, bell or direction override reaches a
screen, and what remains is text any XML or HTML parser accepts. :func:`spreadsheet_safe`
keeps a CSV cell from being run as a formula; every duration a person reads goes through
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


def printable_lines(text: str) -> str:
    r"""Apply :func:`printable` to each line of ``text``, keeping its ``\n`` line breaks.

    For a block of several lines (a table, a traceback): a ``\r`` or any other control
    character is escaped, each ``\n`` stays a line break.

    Examples
    --------
    >>> printable_lines("a\x1b[2J\nb\r\n")
    'a\\x1b[2J\nb\\r\n'
    """
    return "\n".join(map(printable, text.split("\n")))


#: A log record's ``extra`` that marks advice for Python callers (``last_partial()``), which
#: the command line leaves out: it says the same in its own words.
FOR_PYTHON = {"for_python": True}


def not_for_python(record: logging.LogRecord) -> bool:
    """Tell a log filter to keep ``record`` unless it is advice for Python callers only.

    Examples
    --------
    >>> import logging
    >>> log = logging.getLogger("x")
    >>> [not_for_python(log.makeRecord("x", logging.WARNING, "", 0, "m", (), None, extra=e))
    ...  for e in (None, FOR_PYTHON)]
    [True, False]
    """
    return not getattr(record, "for_python", False)


class PrintableFormatter(logging.Formatter):
    r"""A log formatter whose lines hold no control character: :func:`printable` of each.

    The message (its arguments included) is escaped whole, so that a server's text quoted
    in a log line (an error body, a field name, an index name) cannot drive the terminal
    or forge a line of its own; a traceback keeps its line breaks.

    Examples
    --------
    >>> record = logging.LogRecord("x", logging.WARNING, "", 0, "poll failed: %s",
    ...                            ("503 \x1b]52;c;aGk=\x07\nFAKE LINE",), None)
    >>> PrintableFormatter("%(levelname)s %(message)s").format(record)
    'WARNING poll failed: 503 \\x1b]52;c;aGk=\\x07\\nFAKE LINE'
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        """Format ``record`` with its message escaped (the format's own text is kept)."""
        escaped = logging.makeLogRecord(record.__dict__)  # other handlers see it as it was
        escaped.message = self.say(record.message)
        return super().formatMessage(escaped)

    def say(self, message: str) -> str:
        """Return a message as the line shows it: escaped."""
        return printable(message)

    def formatException(self, ei: Any) -> str:
        """Format a traceback with each of its lines escaped."""
        return printable_lines(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        """Format a stack with each of its lines escaped."""
        return printable_lines(super().formatStack(stack_info))


#: What a spreadsheet takes for the start of a formula (OWASP's list), and a tab or CR.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Prefix a text that a spreadsheet would run as a formula with ``'``; others as given.

    A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
    formula to Excel, LibreOffice and Google Sheets (``=HYPERLINK(...)``, ``=cmd|...``);
    with a leading ``'`` it is shown as the text it is (OWASP's advice on CSV injection).
    Only text is changed: numbers, negative ones included, stay numbers.

    Examples
    --------
    >>> spreadsheet_safe("=HYPERLINK(A1)"), spreadsheet_safe("@SUM(A1)")
    ("'=HYPERLINK(A1)", "'@SUM(A1)")
    >>> spreadsheet_safe("s3://bucket/a"), spreadsheet_safe(-1.5), spreadsheet_safe(None)
    ('s3://bucket/a', -1.5, None)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


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
