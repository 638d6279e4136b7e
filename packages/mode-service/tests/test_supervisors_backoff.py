"""Backoff between restarts: exponential, capped, jittered, stop-aware."""

from __future__ import annotations

import asyncio
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support_supervisors import Child, Clock, FakeSleep, until

from mode.supervisors import Backoff, OneForAllSupervisor, OneForOneSupervisor


async def crash_and_restart(child: Child) -> None:
    starts = child.starts
    await child.crash(RuntimeError("boom"))
    await until(lambda: child.starts == starts + 1 and child.state == "running")


def test_backoff_defaults() -> None:
    b = Backoff()
    assert (b.initial, b.factor, b.max, b.jitter, b.reset_after) == (
        0.1,
        2.0,
        30.0,
        0.1,
        60.0,
    )


def test_delay_sequence_is_exponential_and_capped() -> None:
    b = Backoff(initial=0.5, factor=3.0, max=10.0, jitter=0.0)
    assert [b.delay(n) for n in range(5)] == [0.5, 1.5, 4.5, 10.0, 10.0]


def test_delay_does_not_overflow() -> None:
    b = Backoff(initial=1.0, factor=10.0, max=5.0, jitter=0.0)
    assert b.delay(100_000) == 5.0


def test_jitter_only_shortens_within_bounds() -> None:
    b = Backoff(initial=1.0, factor=2.0, max=8.0, jitter=0.25)
    assert b.delay(2, 0.0) == 4.0
    assert b.delay(2, 1.0) == 3.0
    assert b.delay(2, 0.5) == 3.5
    assert b.delay(10, 0.999) >= 8.0 * 0.75


@given(
    attempt=st.integers(min_value=0, max_value=200),
    rand=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
    jitter=st.floats(min_value=0.0, max_value=1.0),
)
def test_delay_bounds_property(attempt: int, rand: float, jitter: float) -> None:
    b = Backoff(initial=0.1, factor=2.0, max=30.0, jitter=jitter)
    base = min(30.0, 0.1 * 2.0**attempt)
    delay = b.delay(attempt, rand)
    assert base * (1 - jitter) - 1e-9 <= delay <= base + 1e-9
    assert delay <= 30.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"initial": -1.0}, "initial must be >= 0"),
        ({"factor": 0.5}, "factor must be >= 1"),
        ({"initial": 2.0, "max": 1.0}, "must be >= Backoff.initial"),
        ({"jitter": 1.5}, "fraction in"),
        ({"jitter": -0.1}, "fraction in"),
        ({"reset_after": 0.0}, "reset_after must be > 0"),
        ({"initial": math.nan}, "initial must be >= 0"),
    ],
)
def test_backoff_bad_values(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Backoff(**kwargs)


def test_backoff_bad_types() -> None:
    with pytest.raises(TypeError, match=r"Backoff\.initial must be a number"):
        Backoff(initial="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Backoff\.jitter must be a number"):
        Backoff(jitter=True)


def test_delay_bad_arguments() -> None:
    b = Backoff()
    with pytest.raises(ValueError, match="attempt"):
        b.delay(-1)
    with pytest.raises(ValueError, match="rand"):
        b.delay(0, 2.0)


def test_backoff_is_frozen() -> None:
    b = Backoff()
    with pytest.raises(AttributeError):
        b.initial = 3.0  # type: ignore[misc]


async def test_no_backoff_by_default_restarts_immediately() -> None:
    sleep = FakeSleep()
    child = Child()
    sup = OneForOneSupervisor(child, sleep=sleep)
    assert sup.backoff is None
    async with sup:
        await crash_and_restart(child)
    assert sleep.delays == []


async def test_supervisor_sleeps_the_backoff_sequence() -> None:
    sleep = FakeSleep()
    child = Child()
    sup = OneForOneSupervisor(
        child,
        backoff=Backoff(initial=1.0, factor=2.0, max=5.0, jitter=0.0),
        sleep=sleep,
        clock=Clock(),
    )
    async with sup:
        for _ in range(5):
            await crash_and_restart(child)
    assert sleep.delays == [1.0, 2.0, 4.0, 5.0, 5.0]


async def test_jitter_uses_the_injected_random_source() -> None:
    sleep = FakeSleep()
    randoms = iter([0.0, 0.5, 0.99])
    child = Child()
    sup = OneForOneSupervisor(
        child,
        backoff=Backoff(initial=2.0, factor=2.0, max=100.0, jitter=0.5),
        sleep=sleep,
        random=lambda: next(randoms),
        clock=Clock(),
    )
    async with sup:
        for _ in range(3):
            await crash_and_restart(child)
    assert sleep.delays == pytest.approx([2.0, 4.0 * 0.75, 8.0 * (1 - 0.495)])


async def test_default_random_source_stays_in_bounds() -> None:
    sleep = FakeSleep()
    child = Child()
    sup = OneForOneSupervisor(
        child,
        backoff=Backoff(initial=1.0, factor=1.0, max=1.0, jitter=0.3),
        sleep=sleep,
    )
    async with sup:
        for _ in range(5):
            await crash_and_restart(child)
    assert len(sleep.delays) == 5
    assert all(0.7 <= d <= 1.0 for d in sleep.delays)


async def test_attempts_reset_after_a_quiet_period() -> None:
    clock = Clock()
    sleep = FakeSleep()
    child = Child()
    sup = OneForOneSupervisor(
        child,
        backoff=Backoff(
            initial=1.0, factor=2.0, max=60.0, jitter=0.0, reset_after=30.0
        ),
        sleep=sleep,
        clock=clock,
        max_restarts=100,
        over=1.0,
    )
    async with sup:
        await crash_and_restart(child)  # restarted at t=0
        clock.now = 29.0
        await crash_and_restart(child)  # ran 29 s < 30: keeps growing
        clock.now = 59.0
        await crash_and_restart(child)  # ran 30 s since t=29: reset
        await crash_and_restart(child)
    assert sleep.delays == [1.0, 2.0, 1.0, 2.0]


async def test_group_restart_waits_once_with_the_trigger_attempt() -> None:
    sleep = FakeSleep()
    a, b = Child("a"), Child("b")
    sup = OneForAllSupervisor(
        a,
        b,
        backoff=Backoff(initial=1.0, factor=2.0, max=60.0, jitter=0.0),
        sleep=sleep,
        clock=Clock(),
    )
    async with sup:
        await crash_and_restart(a)
        await crash_and_restart(a)
        await crash_and_restart(b)  # b's own first restart as a trigger
    assert sleep.delays == [1.0, 2.0, 1.0]


async def test_default_backoff_sleep_ends_when_the_supervisor_stops() -> None:
    child = Child()
    sup = OneForOneSupervisor(
        child, backoff=Backoff(initial=3600.0, max=3600.0, jitter=0.0)
    )
    await sup.start()
    await child.crash(RuntimeError("boom"))
    await until(lambda: child.stops == 1, "child stopped before the delay")
    for _ in range(10):
        await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.wait_for(sup.stop(), timeout=5.0)
    assert loop.time() - began < 1.0  # did not sleep the hour
    assert child.starts == 1  # not restarted after the stop


async def test_status_is_json_friendly() -> None:
    child = Child()
    sup = OneForOneSupervisor(child, sleep=FakeSleep())
    async with sup:
        await crash_and_restart(child)
        data = [s.as_dict() for s in sup.status()]
    text = json.dumps(data)
    assert json.loads(text) == data
    assert data[0]["restart_count"] == 1
    assert data[0]["last_crash"] == "RuntimeError('boom')"
