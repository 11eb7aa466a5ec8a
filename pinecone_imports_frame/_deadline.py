"""A deadline for one whole HTTP request: connecting, the answer's head and its body.

urllib3's ``timeout`` bounds each socket operation, not a request: a server that sends a
byte a second never trips a read timeout of two seconds, and holds the request for as long
as it likes (through the status line and headers too, which urllib3 reads before any code
of this package runs). So each attempt of :class:`~pinecone_imports_frame.client.ApiClient`
runs under a :class:`RequestDeadline`:

- one watchdog thread for the process waits for the earliest armed deadline; when one
  passes, it shuts the attempt's socket down (``shutdown``, never ``close``: the file
  descriptor stays the transport's), which wakes whatever read or write is blocked on it,
  in any phase (a ``CONNECT`` tunnel, a TLS handshake, the headers, the body);
- the connection class of the client's pool notes each connection as it connects and as
  it sends (:func:`watched`), so the watchdog knows the socket; a connection that would
  open after its deadline refuses to, and a connect is never given longer than the time
  left;
- the client checks the deadline between the reads of a body (:meth:`RequestDeadline.check`)
  and asks, once the attempt is over, whether the watchdog cut it
  (:meth:`RequestDeadline.stop`): a cut body is never taken for a whole one.

Arming and disarming cost a lock each; the watchdog wakes about once per ``timeout``
while requests run back to back, and sleeps without a timeout when none runs. Only the
name lookup (``getaddrinfo``) cannot be cut: the system resolver's own timeouts bound it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

logger = logging.getLogger(__name__)
_clock = time.monotonic
_LONGEST_WAIT = 3600.0  # the watchdog looks again after this at the latest


class DeadlinePassed(TimeoutError):
    """The deadline of the request passed (raised between reads, or before a connect)."""


class RequestDeadline:
    """The deadline of one client's requests, one at a time.

    Examples
    --------
    >>> deadline = RequestDeadline()
    >>> deadline.start(30.0)
    >>> deadline.check()  # well within: nothing happens
    >>> deadline.stop()  # False: the watchdog did not cut the request
    False
    """

    __slots__ = ("connection", "expires", "fired", "seconds")

    def __init__(self) -> None:
        #: When the running request must be over (the monotonic clock), or None.
        self.expires: float | None = None
        #: Whether the watchdog cut the running (or last) request.
        self.fired = False
        #: The request's timeout, for messages.
        self.seconds = 0.0
        #: The connection the running request uses (noted by :func:`watched`).
        self.connection: Any = None

    def start(self, seconds: float) -> None:
        """Arm: the request that starts now must be over in ``seconds``."""
        self.seconds = seconds
        _watchdog.arm(self, _clock() + seconds)

    def stop(self) -> bool:
        """Disarm; return whether the watchdog cut the request (its socket is shut down)."""
        return _watchdog.disarm(self)

    def remaining(self) -> float:
        """Seconds left before the deadline (negative once passed; inf when not armed)."""
        expires = self.expires
        return float("inf") if expires is None else expires - _clock()

    def check(self) -> None:
        """Raise :class:`DeadlinePassed` if the deadline has passed or the watchdog cut."""
        if self.fired or self.remaining() <= 0:
            raise DeadlinePassed(f"the request took longer than {self.seconds:g} s")

    def note(self, connection: Any) -> None:
        """Note the connection the request goes out on (the watchdog cuts its socket)."""
        self.connection = connection

    def _cut(self) -> None:
        """Shut the noted connection's socket down (the watchdog, under its lock)."""
        self.fired = True
        sock = getattr(self.connection, "sock", None)
        # urllib3's TLS-in-TLS transport (an https proxy) wraps the socket to the proxy.
        while sock is not None and not isinstance(sock, socket.socket):
            sock = getattr(sock, "socket", None)
        if sock is None:
            return  # still connecting: the connect timeout is at most the time left
        # socket.socket's own shutdown, also for an SSLSocket: the TLS state is left to the
        # thread that owns it, which only sees the end of its stream. An error: closed
        # meanwhile, so nothing is blocked on it.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One thread that cuts the requests whose deadline passed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # taken as is by arm and disarm: the cheaper way
        self._cond = threading.Condition(self._lock)
        self._armed: set[RequestDeadline] = set()
        # When the thread looks next (monotonic), or None: asleep until told.
        self._wake_at: float | None = None
        self._thread: threading.Thread | None = None

    def arm(self, deadline: RequestDeadline, expires: float) -> None:
        with self._lock:
            deadline.expires = expires
            deadline.fired = False
            self._armed.add(deadline)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pinecone-imports-deadlines", daemon=True
                )
                self._thread.start()
            elif self._wake_at is None or expires < self._wake_at:
                self._cond.notify()

    def disarm(self, deadline: RequestDeadline) -> bool:
        with self._lock:
            self._armed.discard(deadline)
            deadline.expires = None
            return deadline.fired

    def _run(self) -> None:
        with self._cond:
            while True:
                now = _clock()
                wake: float | None = None
                for deadline in list(self._armed):
                    expires = deadline.expires
                    if expires is None or expires <= now:
                        self._armed.discard(deadline)
                        if expires is not None:
                            try:
                                deadline._cut()
                            except Exception:  # a bug: said, and the watchdog lives on
                                logger.exception("could not cut a request past its deadline")
                    elif wake is None or expires < wake:
                        wake = expires
                self._wake_at = wake
                # Capped: a wait past threading.TIMEOUT_MAX raises (the thread would die).
                self._cond.wait(None if wake is None else min(wake - now, _LONGEST_WAIT))


_watchdog = _Watchdog()


def _after_fork() -> None:  # the thread is not in the child: a fresh watchdog starts one
    global _watchdog
    _watchdog = _Watchdog()


if hasattr(os, "register_at_fork"):  # pragma: no branch - not on Windows
    os.register_at_fork(after_in_child=_after_fork)


def watched(connection_class: type[Any], deadline: RequestDeadline) -> type[Any]:
    """Subclass a urllib3 connection class so its connections report to ``deadline``.

    Each connection notes itself as it connects and as it sends a request; a connect or a
    request after the deadline raises :class:`DeadlinePassed`, and a connect is never
    given more than the time left.

    Examples
    --------
    >>> from urllib3.connection import HTTPConnection
    >>> cls = watched(HTTPConnection, RequestDeadline())
    >>> issubclass(cls, HTTPConnection)
    True
    """

    class Watched(connection_class):
        timeout: Any

        def connect(self) -> None:
            deadline.note(self)
            deadline.check()
            left = deadline.remaining()
            if isinstance(self.timeout, (int, float)) and left < self.timeout:
                self.timeout = left
            super().connect()

        def request(self, *args: Any, **kwargs: Any) -> None:
            deadline.note(self)
            # A connect that ended just past the deadline had no socket to cut yet.
            deadline.check()
            super().request(*args, **kwargs)

    return Watched
