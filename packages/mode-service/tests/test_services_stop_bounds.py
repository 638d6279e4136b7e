"""Bounded, ordered, idempotent stop."""

from __future__ import annotations

import asyncio
import logging

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
