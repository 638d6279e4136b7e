"""mode.timers: deadline scheduling, skipping, jitter, drift logs.

Every test injects a fake clock and a fake sleep that advances it: nothing
really sleeps, and every figure is exact.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from mode.timers import (
    MAX_DRIFT_CEILING,
    MAX_DRIFT_PERCENT,
    MIN_DRIFT_LOG_INTERVAL,
    Timer,
    loop_time,
    timer_intervals,
)

EPOCH = 1000.0


class FakeTime:
    """A clock plus a sleep that moves it (by the time asked, plus ``late``)."""

    def __init__(self, now: float = EPOCH) -> None:
        self.now = now
        self.sleeps: list[float] = []
        self.late: Callable[[], float] = lambda: 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, secs: float) -> None:
        assert secs >= 0
        self.sleeps.append(secs)
        self.now += secs + self.late()


def make_timer(ft: FakeTime, interval: float = 1.0, **kwargs: object) -> Timer:
    return Timer(interval, clock=ft.clock, sleep=ft.sleep, **kwargs)  # type: ignore[arg-type]


async def run(
    timer: Timer, n: int, body: Callable[[int], None] | None = None
) -> list[float]:
    """Iterate ``n`` ticks; ``body(i)`` plays the loop body of tick ``i`` (1-based)."""
    out: list[float] = []
    async with contextlib.aclosing(timer.__aiter__()) as ticks:
        async for slept in ticks:
            out.append(slept)
            if body is not None:
                body(len(out))
            if len(out) >= n:
                break
    return out


# -------------------------------------------------------------- construction


def test_defaults_and_constants() -> None:
    timer = Timer(2)
    assert timer.interval == 2
    assert timer.interval_s == 2.0
    assert timer.clock is loop_time
    assert timer.sleep is asyncio.sleep
    assert timer.random is random.random
    assert timer.max_drift_correction == 0.1
    assert timer.jitter == 0.0
    assert timer.name == ""
    assert MAX_DRIFT_PERCENT == 0.30
    assert MAX_DRIFT_CEILING == 1.2
    assert MIN_DRIFT_LOG_INTERVAL == 1.0
    assert timer.max_drift == pytest.approx(0.6)
    assert Timer(10).max_drift == 1.2  # the ceiling
    assert timer.deadline is None
    counters = (
        timer.iteration,
        timer.skipped,
        timer.overlaps,
        timer.drifting,
        timer.drifting_early,
        timer.drifting_late,
    )
    assert counters == (0, 0, 0, 0, 0, 0)


def test_attributes_start_at_the_clock() -> None:
    ft = FakeTime(now=42.0)
    timer = make_timer(ft)
    assert (timer.epoch, timer.last_wakeup_at, timer.last_yield_at) == (42.0,) * 3


def test_interval_accepts_seconds_forms() -> None:
    assert Timer(timedelta(milliseconds=250)).interval_s == 0.25
    assert Timer("1.5").interval_s == 1.5
    assert Timer(3).interval_s == 3.0


@pytest.mark.parametrize("bad", [0, 0.0, -1, float("nan"), float("inf"), "0"])
def test_interval_must_be_positive_and_finite(bad: float | str) -> None:
    with pytest.raises(ValueError, match="interval"):
        Timer(bad)


def test_interval_of_the_wrong_type() -> None:
    with pytest.raises(ValueError):
        Timer("soon")
    with pytest.raises(TypeError):
        Timer(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Timer([1])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"jitter": -0.1}, "jitter"),
        ({"jitter": 0.51}, "half the interval"),
        ({"max_drift_correction": -1}, "max_drift_correction"),
        ({"max_drift_percent": -0.1}, "max_drift_percent"),
        ({"max_drift_ceiling": float("nan")}, "max_drift_ceiling"),
        ({"min_drift_log_interval": -1}, "min_drift_log_interval"),
    ],
)
def test_parameters_out_of_range(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Timer(1.0, **kwargs)  # type: ignore[arg-type]


def test_repr() -> None:
    assert repr(Timer(1.0, name="flush")) == ("<Timer: flush interval=1.0 iteration=0>")
    assert "(unnamed)" in repr(Timer(1.0))


# -------------------------------------------------------------- scheduling


async def test_iteration_yields_slept_time_and_records_times() -> None:
    ft = FakeTime()
    timer = make_timer(ft, 2.0, name="t")
    seen: list[tuple[float, float, int]] = []

    def body(i: int) -> None:
        seen.append((timer.last_wakeup_at, timer.last_yield_at, timer.iteration))
        ft.now += 0.5  # the loop body's runtime

    assert await run(timer, 3, body) == [2.0, 1.5, 1.5]
    assert seen == [
        (EPOCH, EPOCH + 2, 1),
        (EPOCH + 2.5, EPOCH + 4, 2),
        (EPOCH + 4.5, EPOCH + 6, 3),
    ]


async def test_first_tick_starts_the_schedule() -> None:
    ft = FakeTime(now=0.0)
    timer = make_timer(ft)
    ft.now = 500.0  # iterated long after it was created: no catching up
    assert await run(timer, 2) == [1.0, 1.0]
    assert timer.epoch == 500.0
    assert timer.skipped == 0


async def test_thousand_ticks_have_zero_cumulative_drift() -> None:
    rng = random.Random(3)
    ft = FakeTime()
    ft.late = lambda: rng.uniform(0.0, 0.005)  # every wake-up is a bit late
    timer = make_timer(ft, 1.0)
    wakes: list[float] = []

    def body(i: int) -> None:
        wakes.append(ft.now)
        ft.now += rng.uniform(0.0, 0.05)  # and the body takes some time

    await run(timer, 1000, body)
    for k, woke in enumerate(wakes, start=1):
        assert 0.0 <= woke - (EPOCH + k) <= 0.005
    assert timer.deadline == EPOCH + 1000
    assert timer.skipped == timer.overlaps == 0


async def test_thousand_fractional_ticks_stay_on_the_grid() -> None:
    ft = FakeTime()
    timer = make_timer(ft, 0.1)
    await run(timer, 1000)
    assert math.isclose(ft.now, EPOCH + 100.0, abs_tol=1e-9)
    assert timer.iteration == 1000


async def test_slow_body_skips_ticks_instead_of_bunching(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ft = FakeTime()
    timer = make_timer(ft, 1.0, name="slow")

    def body(i: int) -> None:
        if i == 2:
            ft.now += 3.5  # overruns the deadlines of ticks 3, 4 and 5

    with caplog.at_level(logging.WARNING, logger="mode.timers"):
        sleeps = await run(timer, 5, body)
    # Tick 6 (due at epoch+6) follows tick 2: no zero sleeps, no burst.
    assert sleeps == [1.0, 1.0, 0.5, 1.0, 1.0]
    assert timer.skipped == 3
    assert timer.overlaps == 1
    assert timer.deadline == EPOCH + 8
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "Timer slow is overlapping (interval=1.0 runtime=3.5), skipped 3 tick(s)"
    )


async def test_deadline_missed_within_tolerance_fires_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ft = FakeTime()
    timer = make_timer(ft, 1.0, name="t", max_drift_correction=0.1)

    def body(i: int) -> None:
        if i == 1:
            ft.now += 1.05  # tick 2 missed by 0.05 s only

    with caplog.at_level(logging.WARNING, logger="mode.timers"):
        sleeps = await run(timer, 3, body)
    assert sleeps == [1.0, 0.0, pytest.approx(0.95)]
    assert timer.skipped == 0
    assert timer.overlaps == 1
    [record] = caplog.records
    message = record.getMessage()
    assert message.startswith("Timer t is overlapping (interval=1.0 runtime=1.04")
    assert "skipped" not in message


async def test_recent_deadline_fires_at_once_and_older_ones_are_skipped() -> None:
    ft = FakeTime()
    timer = make_timer(ft, 1.0, max_drift_correction=0.1)

    def body(i: int) -> None:
        if i == 1:
            ft.now += 2.05  # tick 2 missed by 1.05 s, tick 3 by 0.05 s

    sleeps = await run(timer, 3, body)
    assert sleeps == [1.0, 0.0, pytest.approx(0.95)]
    assert timer.skipped == 1
    assert timer.deadline == EPOCH + 4


async def test_late_wakeup_skips_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    ft = FakeTime()
    timer = make_timer(ft, 1.0, name="stalled")
    lateness = iter([0.0, 2.5])  # the process stalls during the second sleep
    ft.late = lambda: next(lateness, 0.0)
    with caplog.at_level(logging.INFO, logger="mode.timers"):
        sleeps = await run(timer, 4)
    assert sleeps == [1.0, 1.0, 0.5, 1.0]
    assert timer.skipped == 2
    assert timer.overlaps == 0
    assert timer.drifting_late == 1
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "Timer stalled woke up too late, with a drift of +2.500000s (interval=1.0)",
        "Timer stalled fell behind by 1.500s and skipped 2 tick(s) (interval=1.0)",
    ]


async def test_zero_tolerance_skips_any_missed_deadline() -> None:
    ft = FakeTime()
    timer = make_timer(ft, 1.0, max_drift_correction=0)

    def body(i: int) -> None:
        if i == 1:
            ft.now += 1.01

    sleeps = await run(timer, 2, body)
    assert sleeps == [1.0, pytest.approx(0.99)]
    assert timer.skipped == 1


async def test_a_sleep_returning_at_once_still_asks_for_one_interval() -> None:
    # A custom sleep that returns before its deadline (a test's mock, which
    # returns at once): the next tick is due one interval after that
    # wake-up, so the timer never asks to sleep longer than an interval
    # (the original never did; faust's tests check the sleeps asked for).
    ft = FakeTime()
    ft.late = lambda: -ft.sleeps[-1]  # the clock stands still
    timer = make_timer(ft, 30.0)
    assert await run(timer, 4) == [30.0, 30.0, 30.0, 30.0]
    assert timer.skipped == 0


@pytest.mark.parametrize(
    ("early", "sleeps", "deadline"),
    [
        # Early by less than max_drift_correction: the grid is kept.
        (0.05, [1.0, 1.05, 1.0], EPOCH + 3),
        # Early by more: the schedule restarts from that wake-up.
        (0.5, [1.0, 1.0, 1.0], EPOCH + 2.5),
    ],
)
async def test_an_early_wakeup_beyond_the_tolerance_moves_the_grid(
    early: float, sleeps: list[float], deadline: float
) -> None:
    ft = FakeTime()
    lateness = iter([-early])  # the first sleep returns early
    ft.late = lambda: next(lateness, 0.0)
    timer = make_timer(ft, 1.0, max_drift_correction=0.1)
    assert await run(timer, 3) == pytest.approx(sleeps)
    assert timer.deadline == pytest.approx(deadline)
    assert timer.skipped == 0


def test_tick_by_hand() -> None:
    ft = FakeTime()
    timer = make_timer(ft, 1.0)
    assert timer.tick() == 1.0
    ft.now += 1.0
    assert timer.tick() == 1.0  # no on_before_yield: no drift accounting
    ft.now += 2.7  # the caller overslept past the deadline of tick 3 (epoch+3)
    assert timer.tick() == pytest.approx(0.3)  # so tick 4 is next
    assert timer.skipped == 1
    assert timer.iteration == 3
    assert timer.deadline == EPOCH + 4
    ft.now = EPOCH + 4
    timer.on_before_yield()
    assert timer.tick() == 1.0
    assert timer.deadline == EPOCH + 5
    assert timer.drifting == 0


# -------------------------------------------------------------- jitter


async def test_jitter_stays_within_bounds_and_is_reproducible() -> None:
    runs: list[list[float]] = []
    for _ in range(2):
        ft = FakeTime()
        timer = make_timer(ft, 1.0, jitter=0.2, random=random.Random(7).random)
        deadlines: list[float] = []

        def body(i: int, timer: Timer = timer, out: list[float] = deadlines) -> None:
            assert timer.deadline is not None
            out.append(timer.deadline)

        sleeps = await run(timer, 200, body)
        for k, deadline in enumerate(deadlines, start=1):
            assert abs(deadline - (EPOCH + k)) <= 0.2
        assert len({round(d - int(d), 6) for d in deadlines}) > 100  # spread out
        assert timer.skipped == 0
        runs.append(sleeps)
    assert runs[0] == runs[1]  # same seed, same schedule


@pytest.mark.parametrize(("draw", "first"), [(0.0, 0.8), (0.5, 1.0), (1.0, 1.2)])
def test_jitter_extremes(draw: float, first: float) -> None:
    ft = FakeTime()
    timer = make_timer(ft, 1.0, jitter=0.2, random=lambda: draw)
    assert timer.tick() == pytest.approx(first)


def test_jitter_never_makes_a_negative_sleep() -> None:
    ft = FakeTime()
    timer = make_timer(ft, 1.0, jitter=0.5, random=lambda: 0.0)
    assert timer.tick() == 0.5
    ft.now += 1.6  # deadline of tick 2 (epoch+2-0.5) passed, epoch+2 has not
    assert timer.tick() == 0.0


def test_jitter_of_half_the_interval_is_allowed() -> None:
    assert Timer(1.0, jitter=timedelta(seconds=0.5)).jitter == 0.5


# -------------------------------------------------------------- drift logs


async def drift_run(
    ft: FakeTime, timer: Timer, late: float, caplog: pytest.LogCaptureFixture
) -> list[str]:
    lateness = iter([late])
    ft.late = lambda: next(lateness, 0.0)
    with caplog.at_level(logging.DEBUG, logger="mode.timers"):
        await run(timer, 2)
        timer.tick()  # accounts for the second wake-up
        timer.tick()
    return [f"{r.levelname} {r.getMessage()}" for r in caplog.records]


async def test_late_wakeup_beyond_the_threshold_logs_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ft = FakeTime()
    timer = make_timer(ft, 2.0, name="t")  # max_drift = min(0.6, 1.2)
    logs = await drift_run(ft, timer, 0.7, caplog)
    assert "INFO Timer t woke up too late, with a drift of +0.700000s" in logs[0]
    assert (timer.drifting, timer.drifting_late, timer.drifting_early) == (1, 1, 0)


async def test_early_wakeup_beyond_the_threshold_logs_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ft = FakeTime()
    timer = make_timer(ft, 2.0, name="t")
    logs = await drift_run(ft, timer, -0.7, caplog)  # a sleep that returned early
    assert "INFO Timer t woke up too early, with a drift of -0.700000s" in logs[0]
    assert (timer.drifting, timer.drifting_late, timer.drifting_early) == (1, 0, 1)


async def test_drift_below_the_threshold_logs_debug_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ft = FakeTime()
    timer = make_timer(ft, 2.0, name="t")
    logs = await drift_run(ft, timer, 0.5, caplog)
    assert logs
    assert all(line.startswith("DEBUG Timer t woke up - iteration=") for line in logs)
    assert timer.drifting == 0


async def test_short_intervals_log_drift_at_debug_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ft = FakeTime()
    timer = make_timer(ft, 0.5, name="t", max_drift_correction=1.0)
    logs = await drift_run(ft, timer, 0.4, caplog)
    assert not any(line.startswith("INFO") for line in logs)
    assert timer.drifting == 0


async def test_drift_ceiling(caplog: pytest.LogCaptureFixture) -> None:
    ft = FakeTime()
    timer = make_timer(ft, 10.0, name="t")  # 30% would be 3.0 s: capped at 1.2
    logs = await drift_run(ft, timer, 1.3, caplog)
    assert logs[0].startswith("INFO Timer t woke up too late")
    ft2 = FakeTime()
    timer2 = make_timer(ft2, 10.0, name="t")
    caplog.clear()
    logs = await drift_run(ft2, timer2, 1.1, caplog)
    assert not any(line.startswith("INFO") for line in logs)


async def test_drift_thresholds_are_parameters(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ft = FakeTime()
    timer = make_timer(
        ft,
        0.5,
        name="t",
        max_drift_percent=0.1,
        max_drift_ceiling=0.02,
        min_drift_log_interval=0.5,
    )
    assert timer.max_drift == 0.02
    logs = await drift_run(ft, timer, 0.03, caplog)
    assert logs[0].startswith("INFO Timer t woke up too late")


async def test_no_debug_logging_cost_when_disabled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ft = FakeTime()
    timer = make_timer(ft, 2.0)
    with caplog.at_level(logging.INFO, logger="mode.timers"):
        await run(timer, 5)
    assert caplog.records == []


# -------------------------------------------------------------- loop clock

#: How far ahead of time.monotonic() the clock of ShiftedLoop is.
SHIFT = 1_000_000.0


class ShiftedLoop(asyncio.SelectorEventLoop):
    """An asyncio loop whose clock runs SHIFT seconds ahead of monotonic."""

    def time(self) -> float:
        return super().time() + SHIFT


def _in_shifted_loop(fun: Callable[[], float]) -> tuple[float, float]:
    """Call ``fun`` in a coroutine on a ShiftedLoop; return it and loop.time()."""

    async def main() -> tuple[float, float]:
        value = fun()
        return value, asyncio.get_running_loop().time()

    with asyncio.Runner(loop_factory=ShiftedLoop) as runner:
        return runner.run(main())


def test_loop_time_is_the_running_loops_clock() -> None:
    value, loop_now = _in_shifted_loop(loop_time)
    assert loop_now - 1.0 < value <= loop_now
    assert value > time.monotonic() + SHIFT / 2


def test_loop_time_is_monotonic_outside_a_loop() -> None:
    before = time.monotonic()
    value = loop_time()
    assert before <= value <= time.monotonic()


def test_default_timer_schedules_on_the_loops_clock() -> None:
    # A timer made outside the loop starts its schedule at its first tick,
    # on the clock of the loop it runs in.
    timer = Timer(5.0)
    sleep, loop_now = _in_shifted_loop(timer.tick)
    assert sleep == 5.0
    assert loop_now - 1.0 < timer.epoch <= loop_now
    assert timer.deadline == timer.epoch + 5.0


# -------------------------------------------------------------- deprecated


def test_timer_intervals_is_deprecated_and_yields_sleeps() -> None:
    ft = FakeTime()
    with pytest.warns(DeprecationWarning, match="timer_intervals"):
        ticks = timer_intervals(1.0, clock=ft.clock, name="old")
    assert next(ticks) == 1.0
    ft.now += 1.25
    assert next(ticks) == pytest.approx(0.75)
    ft.now += 0.75
    assert next(ticks) == 1.0


def test_timer_intervals_validates_at_call_time() -> None:
    with (
        pytest.warns(DeprecationWarning, match="deprecated"),
        pytest.raises(ValueError),
    ):
        timer_intervals(0)


async def test_a_subclass_that_changes_a_step_gets_its_steps_called() -> None:
    # The iterator reads the clock itself for a plain Timer; a subclass's
    # tick() and on_before_yield() still run, once per tick each.
    calls: list[str] = []

    async def no_sleep(seconds: float) -> None:
        return None

    class Counting(Timer):
        def tick(self) -> float:
            calls.append("tick")
            return super().tick()

        def on_before_yield(self) -> None:
            calls.append("woke")
            super().on_before_yield()

    it = Counting(0.01, sleep=no_sleep).__aiter__()
    for _ in range(3):
        await it.__anext__()
    await it.aclose()
    assert calls == ["tick", "woke"] * 3


async def test_the_iterator_follows_a_clock_installed_on_the_loop_later() -> None:
    # The default clock is the running loop's time(), looked up at each
    # read: a clock shadowing loop.time after the iteration began is seen.
    loop = asyncio.get_running_loop()
    if not isinstance(loop, asyncio.BaseEventLoop):
        pytest.skip("uvloop's loop.time cannot be shadowed")
    fake = [loop.time()]

    async def no_sleep(seconds: float) -> None:
        return None

    timer = Timer(1.0, sleep=no_sleep)
    it = timer.__aiter__()
    await it.__anext__()
    loop.time = lambda: fake[0]  # type: ignore[method-assign]
    try:
        fake[0] += 100.0
        await it.__anext__()
    finally:
        del loop.time
        await it.aclose()
    assert timer.last_yield_at == fake[0]
