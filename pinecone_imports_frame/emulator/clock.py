"""The emulator's simulated clock, and the timestamp forms the API and HTTP use.

Time is kept as whole microseconds since the Unix epoch (``int``), so that plans and
listings never meet a float rounding. The clock moves when :meth:`SimulatedClock.advance`
steps it and, when it runs (``speed > 0``), with an injectable real-time source.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import formatdate

logger = logging.getLogger(__name__)

__all__ = ["SimulatedClock", "check_seconds", "format_http_date", "format_timestamp", "to_us"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
US = 1_000_000
#: The fastest a running clock may go: a simulated year per real minute.
MAX_SPEED = 525_600.0


def format_timestamp(us: int) -> str:
    """Format microseconds since the Unix epoch as RFC 3339 UTC with six decimals and "Z".

    Parameters
    ----------
    us : int
        Microseconds since 1970-01-01T00:00:00Z.

    Returns
    -------
    str
        For example ``"2025-05-01T12:34:56.123456Z"``.

    Examples
    --------
    >>> format_timestamp(1_746_102_896_123_456)
    '2025-05-01T12:34:56.123456Z'
    """
    return (EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_http_date(us: int) -> str:
    """Format microseconds since the epoch as an HTTP ``Date`` (RFC 7231, whole seconds).

    Examples
    --------
    >>> format_http_date(1_746_102_896_999_999)
    'Thu, 01 May 2025 12:34:56 GMT'
    """
    return formatdate(us // US, usegmt=True)


def to_us(moment: datetime) -> int:
    """Return ``moment`` as whole microseconds since the epoch (naive means UTC).

    Examples
    --------
    >>> to_us(datetime(1970, 1, 1, 0, 0, 1))
    1000000
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def check_seconds(name: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite number of seconds >= 0, else raise.

    Examples
    --------
    >>> check_seconds("latency", 0.02)
    0.02
    >>> check_seconds("delay", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: delay must be a finite number of seconds >= 0, got nan
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
    return float(value)


def _check_speed(speed: float) -> float:
    if isinstance(speed, bool) or not isinstance(speed, (int, float)):
        raise TypeError(f"speed must be a number of simulated seconds per second, got {speed!r}")
    if not math.isfinite(speed) or not 0 <= speed <= MAX_SPEED:
        raise ValueError(f"speed must be between 0 and {MAX_SPEED:g}, got {speed!r}")
    return float(speed)


class SimulatedClock:
    """A simulated clock: stepped by :meth:`advance`, and running when ``speed > 0``.

    Parameters
    ----------
    now : datetime or None
        Starting time; naive datetimes are taken as UTC. None means the wall clock at
        construction, truncated to the second.
    speed : float
        Simulated seconds per real second; 0 (the default) keeps a stepped clock that only
        :meth:`advance` moves.
    timer : callable returning float
        Real-time source in seconds (``time.monotonic`` by default); tests inject their own
        so that they never sleep.

    Examples
    --------
    >>> real = [0.0]
    >>> clock = SimulatedClock(datetime(2025, 5, 1, tzinfo=timezone.utc), speed=600,
    ...                        timer=lambda: real[0])
    >>> real[0] = 2.0  # two real seconds: twenty simulated minutes
    >>> clock.advance(90)
    >>> clock.now().isoformat()
    '2025-05-01T00:21:30+00:00'
    """

    def __init__(
        self,
        now: datetime | None = None,
        *,
        speed: float = 0.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        if now is None:
            now = datetime.now(timezone.utc).replace(microsecond=0)
        self.start_us = to_us(now)
        self.speed = _check_speed(speed)
        self._timer = timer
        self._stepped_us = 0
        self._origin = timer()

    @property
    def now_us(self) -> int:
        """The simulated time in microseconds since the epoch.

        Examples
        --------
        >>> clock = SimulatedClock(datetime(1970, 1, 1, tzinfo=timezone.utc))
        >>> clock.advance(0.5)
        >>> clock.now_us
        500000
        """
        now = self.start_us + self._stepped_us
        if self.speed:
            now += round((self._timer() - self._origin) * self.speed * US)
        return now

    def now(self) -> datetime:
        """Return the simulated current time as a tz-aware UTC datetime.

        Examples
        --------
        >>> SimulatedClock(datetime(2025, 5, 1)).now().isoformat()
        '2025-05-01T00:00:00+00:00'
        """
        return EPOCH + timedelta(microseconds=self.now_us)

    def advance(self, seconds: float | str | timedelta) -> None:
        """Move the clock forward by ``seconds`` (>= 0), or by a duration with its unit.

        A duration is what the package takes everywhere: ``"30m"``, ``"1h30m"``, a
        ``datetime.timedelta`` or ``pandas.Timedelta``.

        Examples
        --------
        >>> clock = SimulatedClock(datetime(2025, 5, 1))
        >>> clock.advance(1.5)
        >>> clock.advance("1h")
        >>> clock.now().isoformat()
        '2025-05-01T01:00:01.500000+00:00'
        """
        if isinstance(seconds, (str, timedelta)):  # pandas.Timedelta is a timedelta
            from ..parsing import parse_duration

            seconds = parse_duration(seconds, what="advance()").total_seconds()
        self._stepped_us += round(check_seconds("advance()", seconds) * US)

    def reset(self) -> None:
        """Return to the starting time (a running clock runs on from there).

        Examples
        --------
        >>> clock = SimulatedClock(datetime(2025, 5, 1))
        >>> clock.advance(10)
        >>> clock.reset()
        >>> clock.now().isoformat()
        '2025-05-01T00:00:00+00:00'
        """
        self._stepped_us = 0
        self._origin = self._timer()
