"""Fault injection: what a test asks the emulator to do wrong, and when.

A :class:`FaultQueue` belongs to one endpoint (an index's data plane, or the control plane)
and is consulted by the request pipeline at fixed points: before anything else (``delay``,
``status``, ``drop``), when a handler runs (``raise``), and when a listing page is built
(``self_token``, ``empty_token``).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from .clock import check_seconds

logger = logging.getLogger(__name__)

__all__ = ["FAULT_KINDS", "Fault", "FaultQueue", "InjectedError"]

#: Fault kinds :meth:`FaultQueue.inject` accepts.
FAULT_KINDS = ("status", "drop", "delay", "self_token", "empty_token", "raise")
#: Kinds that decide the whole answer before the request reaches its handler.
_UP_FRONT = ("status", "drop")
#: The path faults apply to unless told otherwise.
DEFAULT_FAULT_PATH = "/bulk/imports"


class InjectedError(RuntimeError):
    """The exception a ``"raise"`` fault raises inside the server thread by default."""


@dataclass
class Fault:
    """A fault waiting to be applied to matching requests (see :meth:`FaultQueue.inject`).

    Attributes
    ----------
    kind : str
        One of :data:`FAULT_KINDS`.
    times : int
        Applications left.
    status : int or None
        Status answered by a ``"status"`` fault.
    retry_after : float or None
        ``Retry-After`` header value (seconds) of a ``"status"`` fault, sent as given
        (``0.5`` stays ``0.5``).
    delay : float or None
        Seconds slept by a ``"delay"`` fault.
    path : str
        Prefix the request path must start with.
    after : int
        Matching requests still to let through before applying.
    exception : Exception or None
        What a ``"raise"`` fault raises in the handler.

    Examples
    --------
    >>> fault = Fault("status", status=503, retry_after=0.5)
    >>> fault.retry_after_header()
    '0.5'
    """

    kind: str
    times: int = 1
    status: int | None = None
    retry_after: float | None = None
    delay: float | None = None
    path: str = DEFAULT_FAULT_PATH
    after: int = 0
    exception: Exception | None = None

    def _matches(self, path: str) -> bool:
        return self.times > 0 and path.startswith(self.path)

    def _take(self) -> bool:
        """Count one matching request; True when the fault applies to it."""
        if self.after > 0:
            self.after -= 1
            return False
        self.times -= 1
        return True

    def retry_after_header(self) -> str | None:
        """Return the ``Retry-After`` value to send: whole seconds as an integer, else as is.

        Examples
        --------
        >>> Fault("status", status=429, retry_after=3.0).retry_after_header()
        '3'
        """
        if self.retry_after is None:
            return None
        value = float(self.retry_after)
        return str(int(value)) if value.is_integer() else repr(value)


class FaultQueue:
    """The faults queued on one endpoint, applied in the order they were injected.

    Examples
    --------
    >>> queue = FaultQueue()
    >>> _ = queue.inject("status", status=503, after=1)
    >>> queue.take_up_front("/bulk/imports")[1] is None  # the first request passes
    True
    >>> queue.take_up_front("/bulk/imports")[1].status
    503
    >>> queue.pending()
    []
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def inject(
        self,
        kind: str,
        *,
        times: int = 1,
        status: int | None = None,
        retry_after: float | None = None,
        delay: float | None = None,
        path: str = DEFAULT_FAULT_PATH,
        after: int = 0,
        exception: Exception | None = None,
    ) -> Fault:
        """Validate and queue a fault; return it (its ``times`` counts down as it applies).

        Parameters
        ----------
        kind : {"status", "drop", "delay", "self_token", "empty_token", "raise"}
            ``"status"``: answer ``status`` in the API's error shape (and ``Retry-After``
            when ``retry_after`` is given, fractions kept). ``"drop"``: close the connection
            without a byte. ``"delay"``: sleep ``delay`` seconds, then answer normally.
            ``"self_token"``: the next list page carries ``pagination.next`` equal to the
            request's own token (a first page gets a page-2 token that, when requested,
            returns itself). ``"empty_token"``: the last page carries ``{"next": ""}``.
            ``"raise"``: the handler raises ``exception`` inside the server thread; the
            client gets a 500 and ``check()`` re-raises it in the caller's thread.
        times : int
            How many matching requests the fault applies to.
        status : int or None
            HTTP status of a ``"status"`` fault.
        retry_after : float or None
            ``Retry-After`` header, in seconds, of a ``"status"`` fault.
        delay : float or None
            Seconds slept by a ``"delay"`` fault.
        path : str
            Prefix the request path must start with.
        after : int
            Let this many matching requests through first. For ``"empty_token"`` only
            requests serving a last page match; for ``"self_token"`` only list requests.
        exception : Exception or None
            What a ``"raise"`` fault raises (default: an :class:`InjectedError`).

        Examples
        --------
        >>> FaultQueue().inject("explode")
        Traceback (most recent call last):
        ...
        ValueError: unknown fault kind 'explode'; expected one of ('status', 'drop', ...
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        for name, value in (("times", times), ("after", after)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
        if times < 1 or after < 0:
            raise ValueError("times must be >= 1 and after >= 0")
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"path must be a path prefix starting with '/', got {path!r}")
        if kind == "status" and (
            isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599
        ):
            raise ValueError("a 'status' fault needs status=<HTTP status code from 100 to 599>")
        if retry_after is not None:
            check_seconds("retry_after", retry_after)
        if kind == "delay" and delay is None:
            raise ValueError("a 'delay' fault needs delay=<seconds >= 0>")
        if delay is not None:
            check_seconds("delay", delay)
        if exception is not None and not isinstance(exception, Exception):
            raise ValueError(f"exception must be an Exception instance, got {exception!r}")
        if kind == "raise" and exception is None:
            exception = InjectedError("injected 'raise' fault")
        fault = Fault(kind, times, status, retry_after, delay, path, after, exception)
        with self._lock:
            self._faults.append(fault)
        return fault

    def pending(self) -> list[Fault]:
        """Return the faults still to apply (a copy of the list).

        Examples
        --------
        >>> queue = FaultQueue()
        >>> [f.kind for f in (queue.inject("drop"), *queue.pending())]
        ['drop', 'drop']
        """
        with self._lock:
            return [f for f in self._faults if f.times > 0]

    def clear(self) -> None:
        """Forget every queued fault.

        Examples
        --------
        >>> queue = FaultQueue()
        >>> _ = queue.inject("drop")
        >>> queue.clear()
        >>> queue.pending()
        []
        """
        with self._lock:
            self._faults.clear()

    def take_up_front(self, path: str) -> tuple[float, Fault | None]:
        """Count one request: the delay to sleep, and the status or drop fault to answer with.

        Examples
        --------
        >>> queue = FaultQueue()
        >>> _ = queue.inject("delay", delay=0.25, times=2)
        >>> queue.take_up_front("/bulk/imports")
        (0.25, None)
        """
        delay = 0.0
        answer: Fault | None = None
        if not self._faults:  # the common case, read without the lock
            return 0.0, None
        with self._lock:
            for fault in self._faults:
                if not fault._matches(path):
                    continue
                if fault.kind == "delay":
                    if fault._take():
                        delay += fault.delay or 0.0
                elif fault.kind in _UP_FRONT and answer is None and fault._take():
                    answer = fault
            self._faults = [f for f in self._faults if f.times > 0]
        return delay, answer

    def take(self, kind: str, path: str) -> Fault | None:
        """Count one request for the first fault of ``kind``; return it if it applies now.

        Examples
        --------
        >>> queue = FaultQueue()
        >>> _ = queue.inject("raise", exception=KeyError("boom"))
        >>> queue.take("raise", "/bulk/imports").exception
        KeyError('boom')
        """
        if not self._faults:  # the common case, read without the lock
            return None
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind and fault._matches(path):
                    applies = fault._take()
                    self._faults = [f for f in self._faults if f.times > 0]
                    return fault if applies else None
        return None
