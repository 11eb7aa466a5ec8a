"""Durations, polling intervals and timestamps as arguments: parsed so they cannot be misread.

A duration must say its unit (``"90d"``, ``"1h30m"``, ISO 8601); an interval may be bare
seconds; a timestamp is UTC at the schema's unit. Used by the connection-free parts too
(the frame, the lake's arguments, trends, the emulator's clock), which is why they live
apart from the connection's settings.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from .errors import ConfigurationError
from .schema import TIME_UNIT

#: A duration as arguments take it: text with a unit (``"90d"``, ``"1h30m"``, ISO 8601) or
#: a ``datetime.timedelta`` (``pandas.Timedelta`` is one).
Duration: TypeAlias = str | timedelta
#: A polling interval: a :data:`Duration`, or bare seconds.
Interval: TypeAlias = str | float | timedelta
#: A point in time: ISO 8601 text or a ``datetime`` (``pandas.Timestamp`` is one); naive
#: values are taken as UTC.
Moment: TypeAlias = str | datetime

_UNITS: dict[str, float] = {
    "w": 7 * 86_400.0,
    "week": 7 * 86_400.0,
    "d": 86_400.0,
    "day": 86_400.0,
    "h": 3_600.0,
    "hr": 3_600.0,
    "hour": 3_600.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "ms": 0.001,
}
_DURATION_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*", re.ASCII)
DURATION_FORMS = (
    "a string with a unit ('90d', '12h', '5m', '30s', '1h30m', '2w'), an ISO 8601 duration "
    "('P1DT2H'), a datetime.timedelta or a pandas.Timedelta"
)


def _duration_from_text(text: str) -> pd.Timedelta | None:
    text = text.strip().lower()
    if text.startswith(("p", "-p")):  # ISO 8601, as pandas reads it
        try:
            return pd.Timedelta(text.upper())
        except ValueError:
            return None
    pos, seconds, parts = 0, 0.0, 0
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if not m:
            return None
        unit = m.group(2)
        factor = _UNITS.get(unit) or _UNITS.get(unit[:-1] if unit.endswith("s") else "")
        if factor is None:
            return None
        seconds += float(m.group(1)) * factor
        pos, parts = m.end(), parts + 1
    return pd.Timedelta(seconds=seconds).as_unit(TIME_UNIT) if parts else None


def _named(what: str, value: Any, quote: bool) -> str:
    """``what=value`` for a message; ``what`` alone where no value may show (the CLI's)."""
    return f"{what}={value!r}" if quote else what


#: A number without a unit: seconds for an interval, refused for a duration.
_BARE_NUMBER = re.compile(r"\s*\d+(\.\d*)?\s*")


#: The longest duration taken: longer ones are a typo, and past about 292 years pandas'
#: arithmetic on timestamps overflows.
MAX_DURATION = pd.Timedelta(days=36_525).as_unit(TIME_UNIT)


def parse_duration(value: Any, *, what: str = "duration", quote: bool = True) -> pd.Timedelta:
    """Parse a positive duration that cannot be misread: it must say its unit.

    A bare number (``90``, ``"90"``) is refused: ``pd.Timedelta(90)`` is 90 nanoseconds,
    and a retention of "90" must never empty a lake.

    Parameters
    ----------
    value : str, datetime.timedelta or pandas.Timedelta
        ``"90d"``, ``"12h"``, ``"5m"``, ``"30s"``, ``"1h30m"``, ``"2w"``, ``"3 days"``, or
        ISO 8601 (``"P1DT2H"``).
    what : str
        The argument's name, for the error message.
    quote : bool
        Quote the value in the error message (the command line's messages never do: a
        value typed after the wrong option may be the key).

    Returns
    -------
    pandas.Timedelta

    Raises
    ------
    ConfigurationError
        Not a duration with a unit, or not positive.

    Examples
    --------
    >>> parse_duration("30d")
    Timedelta('30 days 00:00:00')
    >>> parse_duration("1h30m")
    Timedelta('0 days 01:30:00')
    >>> parse_duration(90)
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: duration=90 has no unit: ...
    """
    td: pd.Timedelta | None = None
    try:
        if isinstance(value, (pd.Timedelta, timedelta)) and not isinstance(value, bool):
            td = None if value is pd.NaT else pd.Timedelta(value).as_unit(TIME_UNIT)
        elif isinstance(value, str):
            td = _duration_from_text(value)
    except (ValueError, OverflowError):  # past what pandas holds (about 292 years)
        td = None
        overflow = True
    else:
        overflow = td is not None and td > MAX_DURATION
    if overflow:
        raise ConfigurationError(f"{what} is longer than 100 years: pass {DURATION_FORMS}")
    if td is None:
        bare = isinstance(value, (int, float)) and not isinstance(value, bool)
        bare = bare or (isinstance(value, str) and bool(_BARE_NUMBER.fullmatch(value)))
        problem = "has no unit" if bare else "is not a duration"
        raise ConfigurationError(f"{_named(what, value, quote)} {problem}: pass {DURATION_FORMS}")
    if td <= pd.Timedelta(0):
        raise ConfigurationError(f"{_named(what, value, quote)} is not a positive duration")
    return td


#: The shortest polling interval: a listing is a full drain of every page.
MIN_INTERVAL = pd.Timedelta(seconds=1)


def parse_interval(value: Any, *, what: str = "interval", quote: bool = True) -> pd.Timedelta:
    """Parse a polling interval: a duration as :func:`parse_duration`, or seconds.

    As in ``sleep`` and ``watch -n``, a bare number means seconds here (and only here).
    Intervals under one second are refused: each poll drains the whole listing.

    Examples
    --------
    >>> parse_interval("5m"), parse_interval(10), parse_interval("2.5")
    (Timedelta('0 days 00:05:00'), Timedelta('0 days 00:00:10'), Timedelta('0 days 00:00:02.500000'))
    >>> parse_interval(0.1)
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: interval=0.1 is under one second: ...
    """  # noqa: E501
    seconds: float | None = None
    if (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
        isinstance(value, str) and _BARE_NUMBER.fullmatch(value)
    ):
        seconds = float(value)
    if seconds is not None:
        if not math.isfinite(seconds):
            raise ConfigurationError(f"{_named(what, value, quote)} is not a number of seconds")
        if seconds > MAX_DURATION.total_seconds():
            raise ConfigurationError(f"{what} is longer than 100 years: pass e.g. '30s', '5m'")
        td = pd.Timedelta(seconds=seconds).as_unit(TIME_UNIT)
    else:
        td = parse_duration(value, what=what, quote=quote)
    if td < MIN_INTERVAL:
        raise ConfigurationError(
            f"{_named(what, value, quote)} is under one second: each poll drains the whole "
            "listing; pass at least 1 (seconds) or e.g. '30s', '5m'"
        )
    return td


def parse_timestamp(
    value: Any, *, what: str = "timestamp", quote: bool = True
) -> pd.Timestamp | None:
    """Parse a UTC timestamp at the schema's unit from a string, datetime or Timestamp.

    Naive values are taken as UTC.

    Examples
    --------
    >>> parse_timestamp("2025-05-01T14:00:00+02:00")
    Timestamp('2025-05-01 12:00:00+0000', tz='UTC')
    """
    if value is None:
        return None
    if isinstance(value, (bool, int, float, np.integer, np.floating)):
        raise ConfigurationError(
            f"{_named(what, value, quote)} is a bare number, not a timestamp (pandas would read "
            "it as nanoseconds since 1970); pass e.g. '2025-05-01T12:00:00Z', a datetime or a "
            "pandas.Timestamp"
        )
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"{_named(what, value, quote)} is not a timestamp; pass e.g. '2025-05-01T12:00:00Z', a "
            "datetime or a pandas.Timestamp (naive values are taken as UTC)"
        ) from exc
    if ts is pd.NaT:
        raise ConfigurationError(f"{what} must be a timestamp, not NaT")
    ts = ts.tz_localize("UTC") if ts.tz is None else ts.tz_convert("UTC")
    return ts.as_unit(TIME_UNIT)


def parse_until(
    until: Duration | Moment, *, what: str = "until", quote: bool = True
) -> pd.Timedelta | pd.Timestamp | None:
    """Parse a watch's ``until``: ``"done"`` (None: no other limit), a duration or a time.

    ``quote=False`` keeps the value out of the error message (the command line's way).

    Examples
    --------
    >>> parse_until("done") is None, parse_until("2h")
    (True, Timedelta('0 days 02:00:00'))
    """
    if isinstance(until, str) and until.strip().lower() == "done":
        return None
    try:
        return parse_duration(until, what="until")
    except ConfigurationError:
        pass
    if isinstance(until, (str, datetime, pd.Timestamp)) and not isinstance(until, bool):
        try:
            return parse_timestamp(until, what="until")
        except ConfigurationError:
            pass
    shown = f"{what}={until!r}" if quote else what
    raise ConfigurationError(
        f"{shown} is not 'done', a duration or a time: pass 'done' (until every import "
        "running at the start has ended), a duration such as '2h' or '30m', or a UTC time "
        "such as '2026-12-01T18:00:00Z'"
    )
