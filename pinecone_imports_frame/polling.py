"""Polling on a schedule: ticks from the clock, transient failures retried, permanent ones not.

Every loop of the package that repeats a listing (``snapshot --every``, ``watch``) runs
through :func:`poll`. Ticks are scheduled from the clock at ``start + k * interval``; a
tick that runs late does not cause a burst of catch-up ticks (missed ticks are skipped);
a transient failure (the network, a throttled store, a 5xx) is logged once and the next
tick tries again; a permanent one (a wrong key, a missing index, a missing or unwritable
lake, a missing backend: :func:`is_permanent`) ends the loop by raising. The clock and the
sleep are parameters, so tests run any schedule instantly.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import pandas as pd

from ._text import printable
from .errors import PineconeImportsError

logger = logging.getLogger(__name__)

T = TypeVar("T")


def is_permanent(error: BaseException) -> bool:
    """Tell whether retrying ``error`` at the next tick cannot help.

    Examples
    --------
    >>> from pinecone_imports_frame.errors import AuthenticationError, TransportError
    >>> is_permanent(AuthenticationError("no", status=401)), is_permanent(TransportError("x"))
    (True, False)
    """
    return bool(getattr(error, "permanent", False)) or not isinstance(error, PineconeImportsError)


@dataclass(frozen=True)
class Tick(Generic[T]):
    """One poll: its number (from 1), its result or its transient error, and when it ran.

    Attributes
    ----------
    number : int
        1 for the first poll; skipped ticks are not numbered.
    value : object or None
        What the poll returned; None when it failed.
    error : PineconeImportsError or None
        The transient failure of this poll, if any.
    started : float
        The clock's reading when the poll started.
    """

    number: int
    value: T | None
    error: PineconeImportsError | None
    started: float


def poll(
    tick: Callable[[], T],
    *,
    interval: pd.Timedelta | float,
    max_polls: int | None = None,
    retry_first: bool = True,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Tick[T]]:
    """Call ``tick`` every ``interval``, yielding each poll, until stopped.

    Stops after ``max_polls`` polls, when the consumer stops iterating, or by raising the
    first permanent failure. A transient failure is yielded (``Tick.error``) and logged
    once per run of failures (at WARNING; DEBUG while it goes on; INFO on recovery).

    Parameters
    ----------
    tick : callable
        One poll (a listing, a snapshot).
    interval : pandas.Timedelta or float
        Time between the starts of polls (float: seconds); checked by the caller
        (``parsing.parse_interval``).
    max_polls : int, optional
        Stop after this many polls.
    retry_first : bool, default True
        False: a failure of the first poll is raised as a permanent one is, and not logged
        (a watch of a wrong host or port says so at once instead of promising a retry).
    clock, sleep : callable
        A monotonic clock in seconds and a sleep (tests pass fakes).

    Yields
    ------
    Tick

    Raises
    ------
    Exception
        The first permanent failure of ``tick`` (see :func:`is_permanent`), or any failure
        of the first poll with ``retry_first=False``.

    Examples
    --------
    >>> now = [0.0]
    >>> def slow_tick():
    ...     now[0] += 25.0  # each poll takes 25 s
    ...     return now[0]
    >>> ticks = poll(slow_tick, interval=10.0, max_polls=3,
    ...              clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    >>> [t.started for t in ticks]  # 10 and 20 were missed: skipped, not replayed
    [0.0, 30.0, 60.0]
    """
    period = interval.total_seconds() if isinstance(interval, pd.Timedelta) else float(interval)
    if not math.isfinite(period) or period <= 0:
        raise ValueError(f"interval must be a positive number of seconds, not {interval!r}")
    start = clock()
    number = 0
    failing = 0
    while max_polls is None or number < max_polls:
        number += 1
        started = clock()
        try:
            value = tick()
        except PineconeImportsError as exc:
            if is_permanent(exc) or (number == 1 and not retry_first):
                raise
            failing += 1
            if failing == 1:
                logger.warning(
                    "poll %d failed, will retry at the next tick: %s", number, printable(exc)
                )
            else:
                shown = printable(exc)
                logger.debug("poll %d failed again (%d in a row): %s", number, failing, shown)
            yield Tick(number, None, exc, started)
        else:
            if failing:
                logger.info("poll %d succeeded after %d failed polls", number, failing)
                failing = 0
            yield Tick(number, value, None, started)
        if max_polls is not None and number >= max_polls:
            return
        now = clock()
        # The next slot on the schedule that is still ahead: missed ones are skipped.
        slots = math.floor((now - start) / period) + 1
        wait = start + slots * period - now
        if wait > 0:
            sleep(wait)
