"""ServiceThread edge cases: loops, leftover tasks, hand-overs, small helpers."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from support_threads import Flag

from mode.services import Service
from mode.threads import (
    MethodQueue,
    QueuedServiceThread,
    ServiceThread,
    _CrossThreadEvent,
    _format_thread_stack,
    _settle,
)

pytestmark = pytest.mark.usefixtures("no_thread_left")


async def test_cross_thread_event_can_be_cleared_and_set_from_a_thread() -> None:
    event = _CrossThreadEvent()
    waiter = asyncio.ensure_future(event.wait())
    other = threading.Thread(target=event.set_threadsafe)
    other.start()
    async with asyncio.timeout(10):
        assert await waiter is True
    other.join(10)
    assert event.is_set()
    event.set()  # already set: nothing more
    event.clear()
    assert not event.is_set()


async def test_settle_ignores_a_promise_whose_loop_is_closed() -> None:
    loop = asyncio.new_event_loop()
    promise: asyncio.Future[Any] = loop.create_future()
    loop.close()
    _settle(promise, result=1)  # no error: nobody can wait for it
    assert not promise.done()
    assert "not running" in _format_thread_stack(None)


async def test_a_thread_loop_without_debug_mode_when_the_parent_has_none() -> None:
    parent = asyncio.get_running_loop()
    parent.set_debug(False)
    try:
        s = ServiceThread()
        async with s:
            assert not s.thread_loop.get_debug()
    finally:
        parent.set_debug(True)


async def test_tasks_left_in_the_thread_loop_are_cancelled_and_errors_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cancelled = Flag()

    async def forgotten() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    async def fails_when_cancelled() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise OSError("cleanup after cancel failed") from None

    class Leaky(ServiceThread):
        async def on_start(self) -> None:
            loop = asyncio.get_running_loop()
            self.tasks = [
                loop.create_task(forgotten()),
                loop.create_task(fails_when_cancelled()),
            ]

    s = Leaky()
    await s.start()
    await s.stop()
    await cancelled.wait()
    assert all(t.done() for t in s.tasks)
    assert "left in the thread failed" in caplog.text
    assert "cleanup after cancel failed" in caplog.text


async def test_errors_closing_the_thread_loop_are_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def factory() -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        real_close = loop.close

        async def bad_shutdown_asyncgens() -> None:
            raise OSError("asyncgens")

        def bad_close() -> None:
            real_close()
            raise OSError("close")

        loop.shutdown_asyncgens = bad_shutdown_asyncgens  # type: ignore[method-assign]
        loop.close = bad_close  # type: ignore[method-assign]
        return loop

    s = ServiceThread(loop_factory=factory)
    await s.start()
    await s.stop()
    assert caplog.text.count("error closing the thread loop") == 2


async def test_a_crash_during_the_start_skips_on_thread_started() -> None:
    class CrashesInStart(ServiceThread):
        thread_started = False

        async def on_start(self) -> None:
            await self.crash(ValueError("crashed in on_start"))

        async def on_thread_started(self) -> None:
            self.thread_started = True  # pragma: no cover - must not run

    s = CrashesInStart()
    # As in the original, start() raises the reason of a crash that
    # happens while it waits for the thread.
    with pytest.raises(ValueError, match="crashed in on_start"):
        await s.start()
    assert isinstance(s.crash_reason, ValueError)
    assert not s.thread_started
    await s.stop()


async def test_a_crash_during_the_start_with_wait_for_thread_false() -> None:
    class CrashesInStart(ServiceThread):
        wait_for_thread = False

        async def on_start(self) -> None:
            await self.crash(ValueError("crashed in on_start"))

    s = CrashesInStart()
    await s.start()  # returns at once: nobody waits for the thread
    async with asyncio.timeout(10):
        await s.wait_until_stopped()
    assert isinstance(s.crash_reason, ValueError)
    await s.stop()


async def test_on_start_raising_cancelled_error_cancels_start() -> None:
    class CancelsItself(ServiceThread):
        async def on_start(self) -> None:
            raise asyncio.CancelledError()

    s = CancelsItself()
    with pytest.raises(asyncio.CancelledError):
        await s.start()
    await s.stop()


async def test_wait_for_thread_false_returns_before_the_thread_started() -> None:
    started = Flag()

    class NoWait(ServiceThread):
        wait_for_thread = False

        async def on_thread_started(self) -> None:
            started.set()

    s = NoWait()
    await s.start()
    await started.wait()
    assert s.state == "running"
    await s.stop()


async def test_hand_overs_from_inside_the_thread_run_in_place() -> None:
    @contextlib.asynccontextmanager
    async def ctx() -> AsyncIterator[int]:
        yield threading.get_ident()

    class Inside(ServiceThread):
        async def on_start(self) -> None:
            self.child = await self.add_runtime_dependency(Service())
            self.ctx_thread = await self.add_async_context(ctx())
            # add_future from the thread is allowed.
            self.add_future(asyncio.sleep(0))

    s = Inside()
    await s.start()
    assert s._thread is not None
    assert s.ctx_thread == s._thread.ident
    assert s.child.state == "running"
    await s.stop()


async def test_errors_of_a_hand_over_cross_back_and_futures_are_refused() -> None:
    @contextlib.asynccontextmanager
    async def broken() -> AsyncIterator[None]:
        if threading.current_thread() is not None:
            raise LookupError("cannot enter")
        yield  # pragma: no cover

    s = ServiceThread()
    await s.start()
    try:
        with pytest.raises(LookupError, match="cannot enter"):
            await s.add_async_context(broken())
        fut = asyncio.get_running_loop().create_future()
        with pytest.raises(RuntimeError, match="service's thread"):
            s.add_future(fut)
        assert not fut.done()
    finally:
        await s.stop()


async def test_a_hand_over_cancelled_before_it_began_never_runs() -> None:
    inside = Flag()
    release = threading.Event()
    began: list[str] = []

    class Child(Service):
        async def on_start(self) -> None:
            began.append("child")  # pragma: no cover - must not run

    def block() -> None:
        inside.set()
        release.wait(10)

    s = QueuedServiceThread()
    await s.start()
    try:
        blocker = asyncio.ensure_future(s.call_thread(block))
        await inside.wait()  # the thread's loop is blocked
        # Drive the caller by hand: it hands the work over and waits, then
        # is cancelled, all before the thread's loop runs again.
        adding = s.add_runtime_dependency(Child())
        assert isinstance(adding.send(None), asyncio.Future)
        with pytest.raises(asyncio.CancelledError):
            adding.throw(asyncio.CancelledError())
        release.set()
        await blocker
    finally:
        release.set()
        await s.stop()
    assert began == []


async def test_post_to_parent_before_the_start_and_from_the_parent() -> None:
    s = ServiceThread()
    assert not s._post_to_parent(print)  # no parent loop yet
    await s.start()
    try:
        called = Flag()
        assert s._post_to_parent(called.set)  # from the parent loop itself
        await called.wait()
        halted = s._new_halt_waiter(asyncio.get_running_loop())
        assert not halted.done()
        s._drop_halt_waiter(halted)
    finally:
        await s.stop()
    # Once stopped, a new halt waiter is done at once.
    assert s._new_halt_waiter(asyncio.get_running_loop()).done()
    other = asyncio.new_event_loop()
    other.close()
    s._parent_loop = other  # a closed parent loop: nothing is posted
    assert not s._post_to_parent(print)


async def test_casts_of_coroutine_functions_run_and_their_errors_crash() -> None:
    done = Flag()

    async def ok() -> None:
        await asyncio.sleep(0)
        done.set()

    async def fails() -> None:
        await asyncio.sleep(0)
        raise KeyError("async cast")

    s = QueuedServiceThread()
    await s.start()
    await s.cast_thread(ok)
    await done.wait()
    await s.cast_thread(fails)
    async with asyncio.timeout(10):
        await s.wait_until_stopped()
    assert isinstance(s.crash_reason, KeyError)
    await s.stop()


async def test_cancelling_a_promise_in_the_queue_loop_cancels_the_call() -> None:
    inside = Flag()
    cancelled = Flag()

    async def forever() -> None:
        inside.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()

    q = MethodQueue(num_workers=1)
    await q.start()
    try:
        promise: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await q.call(promise, forever)
        await inside.wait()
        promise.cancel()
        await cancelled.wait()
        # The worker is free again.
        p2: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await q.call(p2, lambda: "free")
        assert await p2 == "free"
    finally:
        await q.stop()
