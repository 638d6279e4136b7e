"""ServiceThread: where hooks run, start, stop, errors, loops, cycles."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import traceback
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from support_threads import Flag

from mode.exceptions import AlreadyStartedError
from mode.services import Service
from mode.threads import ServiceThread, WorkerThread

pytestmark = pytest.mark.usefixtures("no_thread_left")


class Recorder(ServiceThread):
    """Records which hook ran in which thread and loop."""

    def __post_init__(self) -> None:
        self.calls: list[tuple[str, int, asyncio.AbstractEventLoop]] = []

    def _record(self, name: str) -> None:
        self.calls.append((name, threading.get_ident(), asyncio.get_running_loop()))

    async def on_first_start(self) -> None:
        self._record("on_first_start")

    async def on_start(self) -> None:
        self._record("on_start")

    async def on_started(self) -> None:
        self._record("on_started")

    async def on_thread_started(self) -> None:
        self._record("on_thread_started")

    async def on_stop(self) -> None:
        self._record("on_stop")

    async def on_thread_stop(self) -> None:
        self._record("on_thread_stop")

    async def on_shutdown(self) -> None:
        self._record("on_shutdown")

    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]


async def test_hooks_run_in_the_thread_or_the_parent_as_documented() -> None:
    main = threading.get_ident()
    parent = asyncio.get_running_loop()
    s = Recorder()
    await s.start()
    # start() returns once the thread has started the service.
    assert s.names() == [
        "on_first_start",
        "on_start",
        "on_started",
        "on_thread_started",
    ]
    assert s.state == "running"
    assert s.parent_loop is parent
    thread_loop = s.thread_loop
    assert thread_loop is not parent
    assert s.loop is thread_loop
    assert thread_loop.get_debug()  # inherits the parent loop's debug mode
    await s.stop()
    assert s.names() == [
        "on_first_start",
        "on_start",
        "on_started",
        "on_thread_started",
        "on_stop",
        "on_thread_stop",
        "on_shutdown",
    ]
    where = {name: (ident, loop) for name, ident, loop in s.calls}
    for name in ("on_stop", "on_shutdown"):
        assert where[name] == (main, parent)
    worker = s._thread
    assert worker is not None
    for name in ("on_first_start", "on_start", "on_started", "on_thread_started"):
        assert where[name] == (worker.ident, thread_loop)
    assert where["on_thread_stop"] == (worker.ident, thread_loop)
    assert worker.ident != main
    assert not worker.is_alive()
    assert thread_loop.is_closed()
    assert s.state == "shutdown"
    assert s.thread_loop is thread_loop  # the last run's, until a reset


async def test_stop_of_a_service_never_started_returns_at_once() -> None:
    s = Recorder()
    await s.stop()
    assert s.calls == []
    assert s.state == "init"
    with pytest.raises(RuntimeError, match="no parent loop"):
        s.parent_loop  # noqa: B018


async def test_start_twice_raises_and_maybe_start_starts_once() -> None:
    s = Recorder()
    assert await s.maybe_start()
    assert not await s.maybe_start()
    with pytest.raises(AlreadyStartedError):
        await s.start()
    await s.stop()
    await s.stop()  # idempotent
    assert s.names().count("on_start") == 1


async def test_async_with_and_restart_run_a_new_thread_each_time() -> None:
    s = Recorder()
    idents = []
    async with s:
        assert s._thread is not None
        idents.append(s._thread.ident)
    assert s.state == "init"
    async with s:
        assert s._thread is not None
        idents.append(s._thread.ident)
        thread = s._thread
        await s.restart()
        assert s._thread is not thread
        assert not thread.is_alive()
    assert s.names().count("on_first_start") == 1
    assert s.names().count("on_start") == 3
    assert s.restart_count == 3


class FailingStart(Recorder):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.reported: list[tuple[str, BaseException | None]] = []
        self.first_started = Flag()

    async def on_first_start(self) -> None:
        await super().on_first_start()
        self.first_started.set()

    async def on_start(self) -> None:
        await super().on_start()
        raise ValueError("port in use")

    def on_crash(self, msg: str, *fmt: Any, **kwargs: Any) -> None:
        import sys

        self.reported.append((msg.format(*fmt), sys.exc_info()[1]))
        super().on_crash(msg, *fmt, **kwargs)


async def test_start_error_is_raised_by_start_and_the_thread_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    s = FailingStart()
    t0 = time.monotonic()
    with pytest.raises(ValueError, match="port in use") as info:
        await s.start()
    assert time.monotonic() - t0 < 5
    # The traceback reaches into on_start, in the thread.
    names = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert "on_start" in names
    assert s._thread is not None
    assert not s._thread.is_alive()
    # The thread's side was shut down (on_thread_stop runs even so), and
    # the error was reported through on_crash, in the thread.
    assert s.names() == ["on_first_start", "on_start", "on_thread_stop"]
    assert len(s.reported) == 1
    assert s.reported[0][1] is info.value
    assert "failed to start in its thread" in caplog.text
    assert not s.crashed  # a start-up error is the caller's, not a crash
    await s.stop()
    assert s.names()[-2:] == ["on_stop", "on_shutdown"]


async def test_start_error_in_async_with_never_hangs() -> None:
    s = FailingStart()
    with pytest.raises(ValueError, match="port in use"):
        async with s:
            pytest.fail("not reached")  # pragma: no cover
    assert s.state == "init"
    assert s._thread is not None
    assert not s._thread.is_alive()


async def test_start_error_crashes_when_nobody_waits_for_the_start() -> None:
    s = FailingStart()
    s.wait_for_thread = False
    await s.start()  # returns before the thread started
    await s.wait_until_stopped()  # woken by the crash
    assert s.crashed
    assert isinstance(s.crash_reason, ValueError)
    await s.stop()


async def test_cancelled_start_with_a_failed_thread_crashes_the_service() -> None:
    # The thread fails its start and, after handing the error to start(),
    # cancels the task awaiting start() from on_thread_stop, while the
    # parent loop is held: the error and the cancellation reach start()
    # in the same loop iteration, so start() raises CancelledError and
    # the error, seen by nobody, crashes the service.
    go = threading.Event()
    posted = threading.Event()
    holder: list[asyncio.Task[None]] = []

    class CancelsStart(FailingStart):
        async def on_first_start(self) -> None:
            await super().on_first_start()
            go.wait(10)

        async def on_thread_stop(self) -> None:
            await super().on_thread_stop()
            self.parent_loop.call_soon_threadsafe(holder[0].cancel)
            posted.set()

    s = CancelsStart()
    task = asyncio.ensure_future(s.start())
    holder.append(task)
    await s.first_started.wait()  # start() now waits for the thread
    assert s._thread_running is not None
    go.set()
    assert posted.wait(10)  # hold the parent loop until both are posted
    with pytest.raises(asyncio.CancelledError):
        await task
    async with asyncio.timeout(10):
        await s.wait_until_stopped()
    assert isinstance(s.crash_reason, ValueError)
    await s.stop()


async def test_start_cancelled_while_joining_a_failed_thread_crashes() -> None:
    # start() got the error and waits for the thread to end; cancelled
    # there, it cannot raise the error: the service crashes with it.
    hold = threading.Event()

    class SlowStop(FailingStart):
        async def on_thread_stop(self) -> None:
            await super().on_thread_stop()
            hold.wait(10)

    s = SlowStop()
    task = asyncio.ensure_future(s.start())
    await s.first_started.wait()
    waiter = s._thread_running
    assert waiter is not None
    # start() was first to wait for it, so it runs first once it is set:
    # when this returns, start() waits in the join of the thread.
    await asyncio.wait([waiter])
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    hold.set()
    async with asyncio.timeout(10):
        await s.wait_until_stopped()
    assert isinstance(s.crash_reason, ValueError)
    await s.stop()


async def test_start_error_after_start_was_cancelled_crashes_the_service() -> None:
    # start() is cancelled while the thread still starts; the start-up
    # error arrives later, seen by nobody: it crashes the service.
    release = threading.Event()

    class Late(FailingStart):
        async def on_start(self) -> None:
            release.wait(10)
            await super().on_start()

    s = Late()
    task = asyncio.ensure_future(s.start())
    await s.first_started.wait()  # start() now waits for the thread
    assert s._thread_running is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    release.set()
    await s.wait_until_stopped()
    assert isinstance(s.crash_reason, ValueError)
    await s.stop()


class FailingThreadStop(Recorder):
    async def on_thread_stop(self) -> None:
        await super().on_thread_stop()
        raise KeyError("cleanup failed")


async def test_on_thread_stop_error_is_raised_by_stop_after_the_full_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    s = FailingThreadStop()
    child = s.add_dependency(Service())
    await s.start()
    assert child.state == "running"
    with pytest.raises(KeyError, match="cleanup failed"):
        await s.stop()
    # Nothing was skipped: children, on_shutdown, the thread.
    assert child.state == "stopping"
    assert s.names()[-1] == "on_shutdown"
    assert s._thread is not None
    assert not s._thread.is_alive()
    assert "error in on_thread_stop" in caplog.text


async def test_thread_side_base_exception_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Exits(ServiceThread):
        async def on_thread_stop(self) -> None:
            raise SystemExit(3)

    s = Exits()
    await s.start()
    await s.stop()
    assert "Error stopping the thread: SystemExit(3)" in caplog.text


async def test_context_exit_error_in_the_thread_is_raised_by_stop() -> None:
    class Ctx(ServiceThread):
        async def on_start(self) -> None:
            self.add_context(self._ctx())

        @contextlib.contextmanager
        def _ctx(self) -> Iterator[None]:
            yield
            raise OSError("close failed")

    s = Ctx()
    await s.start()
    with pytest.raises(OSError, match="close failed"):
        await s.stop()


class WithTask(ServiceThread):
    def __post_init__(self) -> None:
        self.task_thread: int | None = None
        self.task_running = threading.Event()

    @Service.task
    async def _work(self) -> None:
        self.task_thread = threading.get_ident()
        self.task_running.set()
        await self.sleep(3600)


async def test_children_and_tasks_run_in_the_thread() -> None:
    class Child(Service):
        thread: int | None = None

        async def on_start(self) -> None:
            self.thread = threading.get_ident()

    s = WithTask()
    child = s.add_dependency(Child())
    await s.start()
    assert s._thread is not None
    ident = s._thread.ident
    assert child.thread == ident
    flag = Flag()
    s.thread_loop.call_soon_threadsafe(flag.set)
    await flag.wait()
    assert s.task_running.is_set()
    assert s.task_thread == ident
    await s.stop()
    assert child.state == "stopping"


async def test_add_future_from_the_parent_is_refused() -> None:
    s = WithTask()
    coro = asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="must be called from the service's thread"):
        s.add_future(coro)


async def test_runtime_dependencies_and_contexts_go_to_the_thread() -> None:
    entered: list[int] = []

    @contextlib.asynccontextmanager
    async def ctx() -> AsyncIterator[str]:
        entered.append(threading.get_ident())
        yield "value"
        entered.append(threading.get_ident())

    class Child(Service):
        thread: int | None = None

        async def on_start(self) -> None:
            self.thread = threading.get_ident()

    s = ServiceThread()
    with pytest.raises(RuntimeError, match="not running in its thread"):
        await s.add_async_context(ctx())
    # Not started: the dependency is only added.
    early = await s.add_runtime_dependency(Child())
    await s.start()
    assert s._thread is not None
    ident = s._thread.ident
    assert early.thread == ident
    late = await s.add_runtime_dependency(Child())
    assert late.thread == ident
    assert await s.add_async_context(ctx()) == "value"
    await s.remove_dependency(late)
    assert late.state == "stopping"
    assert late not in s._children
    await s.stop()
    assert entered == [ident, ident]
    # Stopped: removing runs in place.
    await s.remove_dependency(early)
    assert early not in s._children


async def test_runtime_dependency_while_stopping_is_added_not_started() -> None:
    s = ServiceThread()
    await s.start()
    s._thread_accepting = False  # as during the thread's stop
    child = await s.add_runtime_dependency(Service())
    assert not child.started
    with pytest.raises(RuntimeError, match="not running in its thread"):
        await s.remove_dependency(child)
    s._thread_accepting = True
    await s.stop()


async def test_cancelling_a_call_handed_to_the_thread_cancels_it_there() -> None:
    cancelled = Flag()
    inside = Flag()

    class Slow(Service):
        async def on_start(self) -> None:
            inside.set()
            try:
                await asyncio.Event().wait()
            finally:
                cancelled.set()

    s = ServiceThread()
    await s.start()
    task = asyncio.ensure_future(s.add_runtime_dependency(Slow()))
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await cancelled.wait()
    await s.stop()


async def test_stop_and_restart_called_from_the_thread_are_done_by_the_parent() -> None:
    class SelfStopping(ServiceThread):
        @Service.task
        async def _stop_me(self) -> None:
            await self.stop()

    s = SelfStopping()
    await s.start()
    await s.wait_until_stopped()
    await s.stop()  # waits for the stop the thread asked for
    assert s.state == "shutdown"
    assert s._thread is not None
    assert not s._thread.is_alive()

    restarted = Flag()

    class SelfRestarting(Recorder):
        @Service.task
        async def _restart_me(self) -> None:
            if self.restart_count == 0:
                await self.restart()

        async def on_thread_started(self) -> None:
            await super().on_thread_started()
            if self.restart_count == 1:
                restarted.set()

    r = SelfRestarting()
    await r.start()
    await restarted.wait()
    # The parent's restart() returns once the new thread has started.
    await asyncio.gather(*r._parent_tasks)
    await r.stop()
    assert r.names().count("on_start") == 2
    assert not r._parent_tasks


async def test_thread_loop_argument_is_used_and_left_open() -> None:
    loop = asyncio.new_event_loop()
    try:
        s = Recorder(thread_loop=loop)
        assert s.loop is loop
        assert s.thread_loop is loop
        await s.start()
        assert s.calls[0][2] is loop
        await s.stop()
        assert not loop.is_closed()
        assert s.loop is loop
    finally:
        loop.close()


async def test_loop_factory_makes_the_thread_loop_in_the_thread() -> None:
    made: list[int] = []

    def factory() -> asyncio.AbstractEventLoop:
        made.append(threading.get_ident())
        return asyncio.new_event_loop()

    s = Recorder(loop_factory=factory)
    await s.start()
    assert s._thread is not None
    assert made == [s._thread.ident]
    await s.stop()


async def test_loop_factory_error_is_raised_by_start() -> None:
    def factory() -> asyncio.AbstractEventLoop:
        raise OSError("no loop for you")

    s = ServiceThread(loop_factory=factory)
    with pytest.raises(OSError, match="no loop for you"):
        await s.start()
    await s.stop()


async def test_closed_thread_loop_argument_fails_the_start() -> None:
    loop = asyncio.new_event_loop()
    loop.close()
    s = ServiceThread(thread_loop=loop)
    with pytest.raises(RuntimeError, match="closed"):
        await s.start()
    await s.stop()


async def test_parent_loop_argument_is_the_running_loop() -> None:
    loop = asyncio.get_running_loop()
    s = ServiceThread(loop=loop)
    assert s.parent_loop is loop
    async with s:
        assert s.parent_loop is loop
    # A loop running elsewhere: see test_threads_compat.


async def test_stop_must_be_awaited_in_the_parent_loop() -> None:
    s = ServiceThread()
    await s.start()
    errors: list[BaseException] = []

    def elsewhere() -> None:
        try:
            asyncio.run(s.stop())
        except BaseException as exc:
            errors.append(exc)

    other = threading.Thread(target=elsewhere)
    other.start()
    other.join()
    assert len(errors) == 1
    assert isinstance(errors[0], RuntimeError)
    assert "parent loop" in str(errors[0])
    await s.stop()


def test_constructor_arguments_are_checked() -> None:
    with pytest.raises(NotImplementedError, match="executor"):
        ServiceThread(executor=object())
    with pytest.raises(ValueError, match="thread_join_timeout"):
        ServiceThread(thread_join_timeout=-1)
    with pytest.raises(ValueError, match="more than keepalive_interval"):
        ServiceThread(keepalive_interval=2.0, keepalive_threshold=1.0)
    s = ServiceThread(keepalive_interval=0, keepalive_threshold=0.5)
    assert s.keepalive_interval == 0
    assert s.keepalive_threshold == 0.5


async def test_worker_class_can_be_replaced() -> None:
    class MyWorker(WorkerThread):
        pass

    s = ServiceThread(Worker=MyWorker)
    await s.start()
    assert type(s._thread) is MyWorker
    assert s._thread.daemon
    assert s._thread.name == "ServiceThread-thread"
    await s.stop()


async def test_a_thread_that_cannot_start_fails_start_cleanly() -> None:
    class NoThread(WorkerThread):
        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    s = ServiceThread(Worker=NoThread)
    with pytest.raises(RuntimeError, match="can't start new thread"):
        await s.start()
    assert s._thread is None
    await s.stop()  # returns at once: the shutdown flag is set


def test_worker_thread_stop_waits_for_the_run_to_end() -> None:
    release = threading.Event()

    class FakeService:
        def _start_thread(self) -> None:
            release.wait()

    worker = WorkerThread(FakeService(), daemon=False)  # type: ignore[arg-type]
    assert not worker.daemon
    assert worker.stop(timeout=0)  # never started
    worker.start()
    assert not worker.stop(timeout=0.001)
    release.set()
    assert worker.stop()
    assert worker.is_stopped.is_set()


async def test_a_thread_stuck_in_its_stop_is_logged_and_left_behind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = threading.Event()

    class Stuck(ServiceThread):
        async def on_thread_stop(self) -> None:
            self._blocked_in_cleanup()

        def _blocked_in_cleanup(self) -> None:
            release.wait()

    s = Stuck(thread_join_timeout=0.01)
    s.shutdown_timeout = 0.01
    await s.start()
    thread = s._thread
    assert thread is not None
    try:
        await s.stop()  # returns although the thread is stuck
        assert thread.is_alive()
        assert "did not stop its side of the service" in caplog.text
        assert "did not end within thread_join_timeout" in caplog.text
        assert "_blocked_in_cleanup" in caplog.text  # the thread's stack
        s.service_reset()
        with pytest.raises(RuntimeError, match="still alive"):
            await s.start()
    finally:
        release.set()
        thread.join()


async def test_one_thousand_start_stop_cycles_leave_no_thread() -> None:
    before = set(threading.enumerate())
    s = ServiceThread()
    t0 = time.monotonic()
    for _ in range(1000):
        async with s:
            pass
        assert s._thread is not None
        assert not s._thread.is_alive()  # joined by stop()
    elapsed = time.monotonic() - t0
    assert not [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert elapsed < 30, elapsed  # a few seconds in debug mode
    assert s.restart_count == 1000
