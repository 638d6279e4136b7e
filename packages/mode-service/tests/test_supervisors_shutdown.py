"""Stopping children: order, per-child timeouts, errors."""

from __future__ import annotations

import asyncio
import logging

import pytest
from support_supervisors import Child, until

from mode.supervisors import OneForAllSupervisor, OneForOneSupervisor


class Stuck(Child):
    """A child whose first stop hangs until cancelled."""

    def __init__(self, name: str = "stuck") -> None:
        super().__init__(name)
        self.hang = True
        self.cancelled = 0

    async def on_stop(self) -> None:
        await super().on_stop()
        if self.hang:
            self.hang = False
            try:
                await asyncio.get_running_loop().create_future()
            except asyncio.CancelledError:
                self.cancelled += 1
                raise


async def test_children_stop_in_reverse_start_order() -> None:
    events: list[str] = []
    sup = OneForOneSupervisor(*(Child(n, events) for n in "abc"))
    async with sup:
        assert events == ["start:a", "start:b", "start:c"]
        events.clear()
    assert events == ["stop:c", "stop:b", "stop:a"]


async def test_stuck_child_is_cancelled_and_named_on_supervisor_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stuck, other = Stuck(), Child("other")
    sup = OneForOneSupervisor(other)
    sup.add(stuck, shutdown_timeout=0)
    await sup.start()
    await asyncio.wait_for(sup.stop(), timeout=5.0)
    assert stuck.cancelled == 1
    assert other.stops == 1  # the others are still stopped
    records = [r for r in caplog.records if "did not stop within" in r.getMessage()]
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    assert "Child-stuck" in records[0].getMessage()
    assert not sup._stopping  # nothing left behind


async def test_supervisor_wide_child_shutdown_timeout() -> None:
    stuck = Stuck()
    sup = OneForOneSupervisor(stuck, child_shutdown_timeout=0)
    assert sup.child_shutdown_timeout == 0
    await sup.start()
    await asyncio.wait_for(sup.stop(), timeout=5.0)
    assert stuck.cancelled == 1


def test_default_child_timeout_is_twice_its_own() -> None:
    child = Child()
    child.shutdown_timeout = 3.0
    other = Child()
    sup = OneForOneSupervisor(child)
    sup.add(other, shutdown_timeout="1.5")
    assert sup._child_timeout(child) == 6.0
    assert sup._child_timeout(other) == 1.5
    sup.add(other, shutdown_timeout=2)  # update on an existing child
    assert sup._child_timeout(other) == 2
    sup2 = OneForOneSupervisor(child_shutdown_timeout=4.0)
    assert sup2._child_timeout(child) == 4.0


async def test_stuck_child_in_a_group_restart_does_not_block_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []
    a = Child("a", events)
    stuck = Stuck()
    stuck.events = events
    sup = OneForAllSupervisor(a)
    sup.add(stuck, shutdown_timeout=0)
    async with sup:
        events.clear()
        await a.crash(RuntimeError("boom"))
        await until(lambda: stuck.starts == 2 and a.starts == 2, "group restarted")
        assert events == ["stop:stuck", "stop:a", "start:a", "start:stuck"]
        assert stuck.cancelled == 1
    assert "Child-stuck did not stop within 0 s" in caplog.text


async def test_errors_while_stopping_a_child_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Faulty(Child):
        async def on_stop(self) -> None:
            raise ValueError("cannot stop cleanly")

    faulty, other = Faulty("f"), Child("o")
    sup = OneForOneSupervisor(other, faulty)
    await sup.start()
    await sup.stop()  # does not raise
    assert other.stops == 1
    assert "Unable to stop child Child-f" in caplog.text
    assert "cannot stop cleanly" in caplog.text


async def test_memory_error_while_stopping_propagates() -> None:
    class Hungry(Child):
        async def on_stop(self) -> None:
            raise MemoryError()

    hungry = Hungry("h")
    sup = OneForOneSupervisor(hungry)
    await sup.start()
    with pytest.raises(MemoryError):
        await sup.stop_services([hungry])
    await sup.stop()


async def test_cancelled_stop_of_a_child_is_not_an_error() -> None:
    class SelfCancelling(Child):
        async def on_stop(self) -> None:
            raise asyncio.CancelledError()

    child = SelfCancelling("x")
    sup = OneForOneSupervisor(child)
    await sup.start()
    await sup.stop_services([child])
    await sup.stop()


async def test_stopping_the_supervisor_during_a_restart() -> None:
    gate = asyncio.Event()

    class Slow(Child):
        async def on_restart(self) -> None:
            await gate.wait()

    child = Slow("s")
    sup = OneForOneSupervisor(child)
    await sup.start()
    await child.crash(RuntimeError("boom"))
    await until(lambda: child.stops == 1, "restart under way")
    await asyncio.wait_for(sup.stop(), timeout=5.0)
    assert child.starts == 1
    assert sup._loop_task is None
    assert not sup._watchers
