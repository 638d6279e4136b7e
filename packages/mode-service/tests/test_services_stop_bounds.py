"""Bounded, ordered, idempotent stop."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from mode.services import Service


class Stubborn(Service):
    """A service whose task ignores cancellation until released."""

    shutdown_timeout = 0.05

    def __post_init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    @Service.task
    async def _stuck_in_here(self) -> None:
        self.entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await self.release.wait()  # ignores the cancellation


def test_default_shutdown_timeout_fits_a_container_grace_period() -> None:
    assert Service.shutdown_timeout == 10.0
    assert 2 * Service.shutdown_timeout < 30


async def test_stuck_task_is_reported_and_stop_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    s = Stubborn()
    await s.start()
    await s.entered.wait()
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await s.stop()  # returns: does not raise TimeoutError, does not hang
    assert loop.time() - t0 < 5
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    text = errors[0].getMessage()
    assert "still runs 0.05 s after it was cancelled" in text
    assert "_stuck_in_here" in text  # where it waits
    assert "release.wait()" in text
    # The stuck task is still owned; release it and let it finish.
    (stuck,) = s._futures
    s.release.set()
    await stuck
    assert not s._futures


async def test_stuck_task_with_zero_timeout(caplog: pytest.LogCaptureFixture) -> None:
    s = Stubborn()
    s.shutdown_timeout = 0
    await s.start()
    await s.entered.wait()
    await s.stop()
    assert "still runs" in caplog.text
    s.release.set()
    await asyncio.gather(*s._futures)


async def test_wait_for_shutdown_times_out_with_an_error_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class S(Service):
        wait_for_shutdown = True
        shutdown_timeout = 0.01

    s = S()
    await s.start()
    await s.stop()  # the original raised TimeoutError here
    assert "set_shutdown() was not called within" in caplog.text
    assert s.state == "stopping"


async def test_wait_for_shutdown_waits_for_set_shutdown() -> None:
    order: list[str] = []

    class S(Service):
        wait_for_shutdown = True

        @Service.task
        async def _bg(self) -> None:
            await self.wait_until_stopped()
            order.append("set_shutdown")
            self.set_shutdown()

        async def on_shutdown(self) -> None:
            order.append("on_shutdown")

    s = S()
    await s.start()
    await asyncio.sleep(0)
    await s.stop()
    assert order == ["set_shutdown", "on_shutdown"]
    assert s.state == "shutdown"
    s2 = S()
    s2.set_shutdown()
    await s2.stop()  # already set: no wait


async def test_stop_order() -> None:
    order: list[str] = []

    class Child(Service):
        async def on_stop(self) -> None:
            order.append("child stop")

    class S(Service):
        async def on_stop(self) -> None:
            order.append("on_stop")

        async def on_shutdown(self) -> None:
            order.append("on_shutdown")

        @Service.task
        async def _bg(self) -> None:
            try:
                await asyncio.Event().wait()
            finally:
                order.append("task cancelled")

    s = S()
    s.add_dependency(Child())
    s.exit_stack.callback(order.append, "sync exit")

    async def aexit() -> None:
        order.append("async exit")

    s.async_exit_stack.push_async_callback(aexit)
    await s.start()
    await asyncio.sleep(0)
    await s.stop()
    assert order == [
        "on_stop",
        "child stop",
        "task cancelled",
        "sync exit",
        "async exit",
        "on_shutdown",
    ]


async def test_stop_is_idempotent() -> None:
    calls: list[str] = []

    class S(Service):
        async def on_stop(self) -> None:
            calls.append("stop")

    s = S()
    await s.start()
    await s.stop()
    await s.stop()
    assert calls == ["stop"]


async def test_concurrent_stop_waits_for_the_first() -> None:
    # Decision: a second stop() waits (the original returned at once).
    gate = asyncio.Event()
    done: list[str] = []

    class S(Service):
        async def on_shutdown(self) -> None:
            await gate.wait()
            done.append("first stop done")

    s = S()
    await s.start()
    first = asyncio.create_task(s.stop())
    await asyncio.sleep(0)
    second = asyncio.create_task(s.stop())
    await asyncio.sleep(0)
    assert not second.done()
    gate.set()
    await second
    assert done == ["first stop done"]
    await first


async def test_stop_from_own_task_and_child_task_returns() -> None:
    finished: list[str] = []

    class Child(Service):
        @Service.task
        async def _stop_parent(self) -> None:
            await parent.stop()  # the whole tree, from a child's own task
            finished.append("child task")

    class Parent(Service):
        async def on_stop(self) -> None:
            await asyncio.sleep(0)

    parent = Parent()
    parent.add_dependency(Child())
    await parent.start()
    await parent.wait_until_stopped()
    for _ in range(5):
        await asyncio.sleep(0)
    assert finished == ["child task"]


async def test_task_calling_stop_while_being_cancelled_does_not_deadlock() -> None:
    entered = asyncio.Event()

    class S(Service):
        @Service.task
        async def _bg(self) -> None:
            try:
                entered.set()
                await asyncio.Event().wait()
            finally:
                await self.stop()  # stop already running: returns at once

    s = S()
    await s.start()
    await entered.wait()
    await asyncio.wait_for(s.stop(), 5)
    assert not s._futures


async def test_concurrent_stop_released_when_first_is_cancelled() -> None:
    gate = asyncio.Event()

    class S(Service):
        async def on_stop(self) -> None:
            await gate.wait()

    s = S()
    first = asyncio.create_task(s.stop())
    await asyncio.sleep(0)
    second = asyncio.create_task(s.stop())
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 5)


async def test_hook_errors_do_not_stop_the_shutdown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran: list[str] = []

    class S(Service):
        async def on_stop(self) -> None:
            raise ValueError("on_stop failed")

        async def on_shutdown(self) -> None:
            ran.append("on_shutdown")
            raise KeyError("on_shutdown failed")

        @Service.task
        async def _bg(self) -> None:
            try:
                await asyncio.Event().wait()
            finally:
                ran.append("task cancelled")

    s = S()
    child = s.add_dependency(Service())
    await s.start()
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="on_stop failed"):
        await s.stop()
    assert ran == ["task cancelled", "on_shutdown"]
    assert child.should_stop
    assert "Error in on_shutdown while stopping" in caplog.text


async def test_tasks_added_while_stopping_are_stopped_too() -> None:
    spawned: list[asyncio.Task[None]] = []

    class S(Service):
        @Service.task
        async def _spawner(self) -> None:
            try:
                await asyncio.Event().wait()
            finally:
                spawned.append(self.add_future(asyncio.Event().wait()))

    s = S()
    await s.start()
    await asyncio.sleep(0)
    await s.stop()
    assert len(spawned) == 1
    assert spawned[0].done()
    assert not s._futures


async def test_stop_without_start_runs_the_hooks() -> None:
    calls: list[str] = []

    class S(Service):
        async def on_stop(self) -> None:
            calls.append("on_stop")

        async def on_shutdown(self) -> None:
            calls.append("on_shutdown")

    await S().stop()
    assert calls == ["on_stop", "on_shutdown"]


# -- a cancelled stop, and a stop called by a task it would cancel ----------


class _Forever(Service):
    """A service with one task that runs until cancelled."""

    def __post_init__(self) -> None:
        self.hooks: list[str] = []
        self.began = asyncio.Event()

    @Service.task
    async def _forever(self) -> None:
        self.began.set()
        await asyncio.Event().wait()

    async def on_stop(self) -> None:
        self.hooks.append("on_stop")

    async def on_shutdown(self) -> None:
        self.hooks.append("on_shutdown")


class _SlowToStop(_Forever):
    """Its on_stop waits until released: a stop to cancel half-way."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.in_on_stop = asyncio.Event()
        self.release = asyncio.Event()

    async def on_stop(self) -> None:
        await super().on_stop()
        self.in_on_stop.set()
        await self.release.wait()


def _live(*services: Service) -> list[asyncio.Task[Any]]:
    return [
        f
        for s in services
        for f in s._futures
        if isinstance(f, asyncio.Task) and not f.done()
    ]


async def _tree_running() -> tuple[_SlowToStop, _Forever]:
    parent = _SlowToStop()
    child = parent.add_dependency(_Forever())
    await parent.start()
    await parent.began.wait()
    await child.began.wait()
    return parent, child


async def test_a_timeout_during_async_with_exit_leaves_no_task_running() -> None:
    parent = _SlowToStop()
    child = parent.add_dependency(_Forever())

    async def run() -> None:
        async with asyncio.timeout(None) as deadline:
            async with parent:
                await parent.began.wait()
                await child.began.wait()
                # The deadline passes while the exit stops the service.
                firing.append(asyncio.create_task(fire_when_stopping(deadline)))

    async def fire_when_stopping(deadline: asyncio.Timeout) -> None:
        await parent.in_on_stop.wait()
        deadline.reschedule(asyncio.get_running_loop().time())

    firing: list[asyncio.Task[None]] = []
    with pytest.raises(TimeoutError):
        await run()
    await firing[0]
    assert not _live(parent, child)
    # Not reset: the stop is unfinished, and the state says so.
    assert (parent.state, child.state) == ("stopping", "stopping")
    assert child.hooks == []
    await asyncio.wait_for(parent.stop(), 5)  # finishes what is left
    assert parent.hooks == ["on_stop", "on_shutdown"]
    assert child.hooks == ["on_stop", "on_shutdown"]


async def test_stop_again_after_a_cancelled_stop_finishes_it() -> None:
    parent, child = await _tree_running()
    stopping = asyncio.create_task(parent.stop())
    await parent.in_on_stop.wait()
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert not _live(parent, child)
    assert child.should_stop
    await asyncio.wait_for(parent.stop(), 5)
    assert parent.hooks == ["on_stop", "on_shutdown"]  # on_stop ran once
    assert child.hooks == ["on_stop", "on_shutdown"]
    await parent.stop()  # done now: returns at once
    assert parent.hooks == ["on_stop", "on_shutdown"]


async def test_a_waiting_stop_finishes_a_cancelled_one() -> None:
    parent, child = await _tree_running()
    first = asyncio.create_task(parent.stop())
    await parent.in_on_stop.wait()
    second = asyncio.create_task(parent.stop())
    # Tasks run in the order they were woken: second starts (and finds the
    # first stop running) before first sees its cancellation.
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 5)
    assert child.hooks == ["on_stop", "on_shutdown"]
    assert parent.hooks == ["on_stop", "on_shutdown"]


async def test_a_cancelled_stop_of_a_child_cancels_its_tasks_only() -> None:
    parent = _Forever()
    child = parent.add_dependency(_SlowToStop())
    await parent.start()
    await child.began.wait()
    stopping = asyncio.create_task(child.stop())
    await child.in_on_stop.wait()
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert not _live(child)
    assert _live(parent)  # the parent was not being stopped
    assert parent.state == "running"
    await parent.stop()
    assert child.hooks == ["on_stop", "on_shutdown"]
    assert not _live(parent, child)


async def test_a_cancelled_stop_waits_for_stubborn_tasks_at_most_the_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class S(Stubborn):
        def __post_init__(self) -> None:
            super().__post_init__()
            self.in_on_stop = asyncio.Event()

        async def on_stop(self) -> None:
            self.in_on_stop.set()
            await asyncio.Event().wait()

    s = S()
    await s.start()
    await s.entered.wait()
    stopping = asyncio.create_task(s.stop())
    await s.in_on_stop.wait()
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(stopping, 5)
    assert "still runs 0.05 s after it was cancelled" in caplog.text
    s.release.set()
    await asyncio.gather(*s._futures)


async def test_a_cancelled_stop_finishes_cancelling_even_if_cancelled_again() -> None:
    in_on_stop = asyncio.Event()
    got_cancel = asyncio.Event()
    release = asyncio.Event()

    class S(Service):
        shutdown_timeout = 5.0

        async def on_stop(self) -> None:
            in_on_stop.set()
            await asyncio.Event().wait()

        @Service.task
        async def _stubborn(self) -> None:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                got_cancel.set()
                await release.wait()

    async def cancel_twice() -> None:
        await in_on_stop.wait()
        stopping.cancel()
        await got_cancel.wait()  # the stop's clean-up cancelled the task
        stopping.cancel()  # and the stop is cancelled again meanwhile
        release.set()

    s = S()
    await s.start()
    stopping = asyncio.create_task(s.stop())
    helper = asyncio.create_task(cancel_twice())
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(stopping, 5)
    await asyncio.wait_for(helper, 5)
    assert not _live(s)


async def test_stop_called_by_an_own_task_cancels_it_when_it_returns() -> None:
    after: list[str] = []

    class S(_Forever):
        @Service.task
        async def _stopper(self) -> None:
            await self.began.wait()
            await self.stop()
            after.append("stop returned")
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                after.append("cancelled at its next await")
                raise
            after.append("ran on")  # pragma: no cover - the bug

    s = S()
    await s.start()
    (stopper,) = [t for t in _live(s) if "_stopper" in t.get_name()]
    await asyncio.wait_for(asyncio.wait([stopper]), 5)
    assert after == ["stop returned", "cancelled at its next await"]
    assert s.hooks == ["on_stop", "on_shutdown"]
    assert not _live(s)


async def test_stop_of_the_parent_called_by_a_childs_task_ends_that_task() -> None:
    after: list[str] = []

    class Child(_Forever):
        @Service.task
        async def _stop_parent(self) -> None:
            await self.began.wait()
            await parent.stop()  # stops this child too, from its own task
            after.append("stop returned")
            await asyncio.Event().wait()
            after.append("ran on")  # pragma: no cover - the bug

    parent = _Forever()
    child = parent.add_dependency(Child())
    await parent.start()
    (stopper,) = [t for t in _live(child) if "_stop_parent" in t.get_name()]
    await asyncio.wait_for(asyncio.wait([stopper]), 5)
    assert after == ["stop returned"]
    assert parent.hooks == child.hooks == ["on_stop", "on_shutdown"]
    assert not _live(parent, child)


async def test_stop_of_a_child_called_by_the_parents_task_leaves_it_running() -> None:
    stopped_child = asyncio.Event()

    class Parent(_Forever):
        @Service.task
        async def _stop_child(self) -> None:
            await child.stop()  # not this task's service: it runs on
            stopped_child.set()
            await asyncio.Event().wait()

    parent = Parent()
    child = parent.add_dependency(_Forever())
    await parent.start()
    await stopped_child.wait()
    assert [t for t in _live(parent) if "_stop_child" in t.get_name()]
    await parent.stop()
    assert not _live(parent, child)


async def test_restart_called_by_an_own_task_leaves_one_copy_running() -> None:
    runs: list[int] = []
    copies: list[asyncio.Task[Any]] = []
    restarted = asyncio.Event()
    second_runs = asyncio.Event()

    class S(Service):
        @Service.task
        async def _restarter(self) -> None:
            me = asyncio.current_task()
            assert me is not None
            copies.append(me)
            runs.append(self.restart_count)
            if self.restart_count == 0:
                await self.restart()
                runs.append(-1)  # restart() returned: runs, up to the next await
                restarted.set()
                await asyncio.Event().wait()  # cancelled here
                runs.append(-2)  # pragma: no cover - the bug
            second_runs.set()
            await asyncio.Event().wait()

    s = S()
    await s.start()
    await asyncio.wait_for(restarted.wait(), 5)
    await asyncio.wait_for(asyncio.wait([copies[0]]), 5)  # the old copy ended
    await asyncio.wait_for(second_runs.wait(), 5)
    assert s.restart_count == 1
    assert runs == [0, -1, 1]
    assert _live(s) == [copies[1]]
    await s.stop()
