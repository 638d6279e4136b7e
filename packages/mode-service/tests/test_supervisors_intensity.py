"""Restart intensity: N restarts within T seconds, then escalation."""

from __future__ import annotations

import logging

import pytest
from support_supervisors import Child, Clock, until

from mode.exceptions import MaxRestartsExceeded
from mode.services import Service
from mode.supervisors import (
    OneForAllSupervisor,
    OneForOneSupervisor,
    SupervisorStrategy,
)


def recent(sup: SupervisorStrategy) -> int:
    return sup.recent_restarts


async def crash_and_restart(sup: SupervisorStrategy, child: Child) -> None:
    starts = child.starts
    await child.crash(RuntimeError(f"crash {starts}"))
    await until(
        lambda: (
            (child.starts == starts + 1 and child.state == "running") or sup.crashed
        ),
        "restart or escalation",
    )


async def test_exactly_max_restarts_are_allowed_then_escalates(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    child = Child("a")
    sup = OneForOneSupervisor(child, max_restarts=3, over=10.0, clock=clock)
    root = Service()
    root.add_dependency(sup)
    await root.start()
    for i in range(3):
        clock.now = float(i)
        await crash_and_restart(sup, child)
        assert not sup.crashed
        assert child.starts == i + 2
    clock.now = 9.5  # the 4th restart, within 10 s of the first
    await crash_and_restart(sup, child)
    assert sup.crashed
    assert child.starts == 4  # not restarted
    assert child.stops == 4  # stopped by the escalation
    reason = sup.crash_reason
    assert isinstance(reason, MaxRestartsExceeded)
    message = str(reason)
    assert "max_restarts=3" in message
    assert "over=10 s" in message
    assert "3 restarts in the last 10 s" in message
    assert "Child-a" in message
    assert "crash 4" in message  # the last crash reason
    # Without a parent supervisor the crash reaches the root of the tree.
    assert root.crashed
    assert root.crash_reason is reason
    assert "Escalating" in caplog.text
    assert any(
        r.levelno == logging.CRITICAL and "Escalating" in r.getMessage()
        for r in caplog.records
    )
    await root.stop()


async def test_window_slides_a_restart_leaves_it_after_over_seconds() -> None:
    clock = Clock()
    child = Child()
    sup = OneForOneSupervisor(child, max_restarts=3, over=10.0, clock=clock)
    async with sup:
        for t in (0.0, 1.0, 2.0):
            clock.now = t
            await crash_and_restart(sup, child)
        clock.now = 10.0  # the restart at t=0 is now outside (10-10, 10]
        await crash_and_restart(sup, child)
        assert not sup.crashed
        assert sup.recent_restarts == 3
        clock.now = 11.0  # t=1 drops out too
        assert recent(sup) == 2
        await crash_and_restart(sup, child)
        clock.now = 11.5  # window holds 2, 10, 11: full
        await crash_and_restart(sup, child)
        assert sup.state == "crashed"
        assert isinstance(sup.crash_reason, MaxRestartsExceeded)


async def test_max_restarts_zero_escalates_on_the_first_crash() -> None:
    child = Child()
    sup = OneForOneSupervisor(child, max_restarts=0, over=1.0, clock=Clock())
    async with sup:
        await crash_and_restart(sup, child)
        assert sup.crashed
        assert child.starts == 1


async def test_default_allows_100_restarts_per_second() -> None:
    """✗ upstream: the token bucket failed on the 2nd or 3rd quick restart."""
    clock = Clock()
    child = Child()
    sup = OneForOneSupervisor(child, clock=clock)
    assert (sup.max_restarts, sup.over) == (100.0, 1.0)
    async with sup:
        for _ in range(100):
            await crash_and_restart(sup, child)
        assert not sup.crashed
        assert child.starts == 101
        await crash_and_restart(sup, child)
        assert sup.crashed


async def test_custom_raises_is_the_crash_reason() -> None:
    class TooMany(Exception):
        pass

    child = Child()
    sup = OneForOneSupervisor(child, max_restarts=0, raises=TooMany, clock=Clock())
    async with sup:
        await crash_and_restart(sup, child)
        assert isinstance(sup.crash_reason, TooMany)


async def test_restart_service_raises_past_the_limit_when_called_directly() -> None:
    child = Child()
    sup = OneForOneSupervisor(child, max_restarts=1, clock=Clock())
    async with sup:
        await sup.restart_service(child)
        assert child.starts == 2
        with pytest.raises(MaxRestartsExceeded):
            await sup.restart_service(child)


async def test_escalation_through_two_levels() -> None:
    clock = Clock()
    leaf = Child("leaf")
    inner = OneForOneSupervisor(leaf, max_restarts=1, over=10.0, clock=clock)
    outer = OneForOneSupervisor(inner, max_restarts=1, over=10.0, clock=clock)
    root = Service()
    root.add_dependency(outer)
    await root.start()
    assert inner.supervisor is outer

    # 1st leaf crash: the inner supervisor restarts it.
    await crash_and_restart(inner, leaf)
    assert leaf.starts == 2
    assert inner.recent_restarts == 1

    # 2nd: the inner exceeds its limit, stops the leaf and crashes; the
    # outer restarts the inner, which starts the leaf afresh.
    await leaf.crash(RuntimeError("again"))
    await until(lambda: leaf.starts == 3 and inner.state == "running")
    assert outer.recent_restarts == 1
    assert outer.status()[0].restart_count == 1
    assert "MaxRestartsExceeded" in str(outer.status()[0].last_crash)
    assert inner.recent_restarts == 0  # a restarted supervisor starts afresh
    assert not root.crashed

    # The restarted inner restarts its leaf again (fresh allowance).
    await crash_and_restart(inner, leaf)
    assert leaf.starts == 4
    assert not inner.crashed

    # Then exceeds again: this time the outer is out of restarts too, so
    # the crash reaches the root.
    await leaf.crash(RuntimeError("final"))
    await until(lambda: root.crashed, "root crashed")
    assert outer.crashed
    reason = outer.crash_reason
    assert isinstance(reason, MaxRestartsExceeded)
    assert "OneForOneSupervisor" in str(reason)
    assert root.crash_reason is reason
    assert leaf.stops == 4
    assert leaf.state != "running"
    await root.stop()


async def test_group_restart_counts_once() -> None:
    clock = Clock()
    a, b, c = Child("a"), Child("b"), Child("c")
    sup = OneForAllSupervisor(a, b, c, max_restarts=2, over=10.0, clock=clock)
    async with sup:
        await crash_and_restart(sup, a)
        await crash_and_restart(sup, b)
        assert not sup.crashed
        assert (a.starts, b.starts, c.starts) == (3, 3, 3)
        await b.crash(RuntimeError("3rd"))
        await until(lambda: sup.crashed)
        assert (a.stops, b.stops, c.stops) == (3, 3, 3)


async def test_service_reset_empties_the_window() -> None:
    child = Child()
    sup = OneForOneSupervisor(child, max_restarts=5, clock=Clock())
    async with sup:
        await crash_and_restart(sup, child)
        assert sup.recent_restarts == 1
    assert sup.recent_restarts == 0  # async with resets the supervisor


async def test_infinite_max_restarts_never_escalates() -> None:
    clock = Clock()
    child = Child()
    sup = OneForOneSupervisor(child, max_restarts=float("inf"), clock=clock)
    async with sup:
        for _ in range(5):
            await crash_and_restart(sup, child)
        assert not sup.crashed
