"""Simulated time for polling code (the watch, ``snapshot --every``): no test ever sleeps.

:class:`FakeTime` is a clock and a sleep; sleeping moves its own clock and the simulated
clock of the emulator or project it drives (``speed`` times as far), so a watch of
simulated hours runs in a moment. :meth:`FakeTime.install` puts it in place of the real
clock and sleep of the watch and the CLI, and of this machine's time of day (which starts
at the emulator's simulated time unless ``wall`` says otherwise), and removes the retry
backoff's waits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Protocol

import pandas as pd
import pytest


class Advancing(Protocol):
    def advance(self, seconds: float) -> None: ...


class FakeTime:
    """A clock and a sleep; each sleep moves ``target``'s simulated clock too."""

    def __init__(
        self, target: Advancing | None = None, *, speed: float = 1, wall: datetime | None = None
    ) -> None:
        self.target = target
        self.speed = speed
        self.now = 0.0
        #: This machine's time of day at the start: ``wall``, else the target's simulated
        #: time (the server's clock and this machine's agree), else the real time.
        now = getattr(target, "now", None)
        start = wall or (now() if callable(now) else datetime.now(timezone.utc))
        self.wall_start = pd.Timestamp(start)
        self.sleeps: list[float] = []
        #: Raise KeyboardInterrupt at this many sleeps (a user's Ctrl-C).
        self.interrupt_at: int | None = None
        #: Called with the number of sleeps so far, after each sleep.
        self.on_sleep: list[Callable[[int], Any]] = []

    def clock(self) -> float:
        return self.now

    def wall(self) -> pd.Timestamp:
        """This machine's time of day: it moves with the fake clock (not the target's)."""
        return self.wall_start + pd.Timedelta(seconds=self.now)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.interrupt_at is not None and len(self.sleeps) >= self.interrupt_at:
            raise KeyboardInterrupt
        self.now += seconds
        if self.target is not None:  # None: time passes for the code under test only
            self.target.advance(seconds * self.speed)
        for hook in self.on_sleep:
            hook(len(self.sleeps))

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeTime:
        """Stand in for the clock and sleep of the watch and the CLI; no retry waits."""
        from pinecone_imports_frame import client, watch
        from pinecone_imports_frame.cli import snapshot_command as cli

        for module in (watch, cli):
            monkeypatch.setattr(module, "_clock", self.clock)
            monkeypatch.setattr(module, "_sleep", self.sleep)
        monkeypatch.setattr(watch, "_now", self.wall)
        monkeypatch.setattr(client, "_sleep", lambda s: None)  # retry backoff
        return self
