"""SIGTERM (systemd, ``docker stop``, ``kill``) ending a command as Ctrl-C does."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

#: The exit status of a command ended by SIGTERM: 128 + 15, as a shell reports it.
TERMINATED = 128 + signal.SIGTERM


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[Callable[[], bool]]:
    """Make SIGTERM raise KeyboardInterrupt while inside; put the handler before back after.

    Yields a function telling whether SIGTERM was received. Outside the main thread
    (where no handler can be installed) nothing changes. The handler is removed when the
    block ends, however it ends: ``main`` also runs in-process (tests, a notebook), and a
    handler left behind would turn that process's SIGTERM into an exception.

    Examples
    --------
    >>> before = signal.getsignal(signal.SIGTERM)
    >>> with sigterm_as_interrupt() as terminated:
    ...     terminated()
    False
    >>> signal.getsignal(signal.SIGTERM) is before
    True
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        raise KeyboardInterrupt  # what the watch already ends on, keeping what it saw

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield lambda: bool(received)
    finally:
        # None: a handler installed other than from Python, which cannot be put back.
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
