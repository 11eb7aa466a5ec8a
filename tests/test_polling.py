"""The polling schedule: from the clock, missed ticks skipped, failures sorted by kind."""

from __future__ import annotations

import logging

import pytest

from pinecone_imports_frame.errors import (
    AuthenticationError,
    ConfigurationError,
    ServerError,
    SnapshotError,
    TransportError,
)
from pinecone_imports_frame.polling import is_permanent, poll


class Fake:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


def test_ticks_follow_the_clock_not_the_tick_duration() -> None:
    fake = Fake()

    def tick() -> float:
        fake.now += 3.0  # each poll takes 3 s of a 10 s period
        return fake.now

    ticks = list(poll(tick, interval=10.0, max_polls=4, clock=fake.clock, sleep=fake.sleep))
    assert [t.started for t in ticks] == [0.0, 10.0, 20.0, 30.0]
    assert [t.number for t in ticks] == [1, 2, 3, 4]


def test_transient_failures_are_yielded_logged_once_and_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = Fake()
    outcomes = iter(
        [TransportError("reset"), ServerError("503", status=503), SnapshotError("throttled"), 7]
    )

    def tick() -> int:
        item = next(outcomes)
        if isinstance(item, Exception):
            raise item
        return item

    with caplog.at_level(logging.DEBUG, logger="pinecone_imports_frame.polling"):
        ticks = list(poll(tick, interval=60, max_polls=4, clock=fake.clock, sleep=fake.sleep))
    assert [t.value for t in ticks] == [None, None, None, 7]
    assert [type(t.error).__name__ for t in ticks[:3]] == [
        "TransportError",
        "ServerError",
        "SnapshotError",
    ]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "reset" in warnings[0].getMessage()
    assert any("after 3 failed polls" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "error",
    [
        AuthenticationError("401", status=401),
        ConfigurationError("no backend"),
        KeyError("a bug"),
    ],
)
def test_a_permanent_failure_ends_the_loop(error: Exception) -> None:
    fake = Fake()

    def tick() -> None:
        raise error

    with pytest.raises(type(error)):
        list(poll(tick, interval=60, clock=fake.clock, sleep=fake.sleep))
    assert fake.now == 0.0  # no wait before giving up


def test_a_snapshot_error_can_say_it_is_permanent() -> None:
    error = SnapshotError("the lake root does not exist")
    assert not is_permanent(error)
    error.permanent = True
    assert is_permanent(error)


def test_a_non_positive_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        next(poll(lambda: None, interval=0))
