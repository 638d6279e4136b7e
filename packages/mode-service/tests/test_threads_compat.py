"""ServiceThread as code written for the original (faust) uses it.

Overrides of the original's hooks (``_shutdown_thread(self)``, ``_serve``),
``thread_loop`` read before the start, the attributes faust and its tests
read or set (``_thread_running``, ``_thread_started``, ``parent_loop``,
``thread_loop``), and test doubles where the original took anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import threading
from collections.abc import Iterator
from typing import Any, cast
from unittest.mock import Mock

import pytest
from support_threads import Flag

from mode.services import Service
from mode.threads import (
    MethodQueue,
    QueuedMethod,
    QueueServiceThread,
    ServiceThread,
    WorkerThread,
)

pytestmark = pytest.mark.usefixtures("no_thread_left")


class Child(Service):
    """Records the thread it was stopped in."""

    def __post_init__(self) -> None:
        self.stopped_in: int | None = None

    async def on_stop(self) -> None:
        self.stopped_in = threading.get_ident()


class Tracked(ServiceThread):
    """A ServiceThread with a child, a task and a context to be cleaned up."""

    def __post_init__(self) -> None:
        self.hooks: list[str] = []
        self.child = self.add_dependency(Child())
        self.context_exited_in: int | None = None
        self.task_cancelled = threading.Event()

    async def on_start(self) -> None:
        self.add_context(self._context())

    @contextlib.contextmanager
    def _context(self) -> Iterator[None]:
        yield
        self.context_exited_in = threading.get_ident()

    @Service.task
    async def _forever(self) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            self.task_cancelled.set()

    async def on_thread_stop(self) -> None:
        self.hooks.append("on_thread_stop")

    def cleaned_up_in_the_thread(self) -> bool:
        thread = self._thread
        assert thread is not None
        return (
            self.child.stopped_in == thread.ident
            and self.context_exited_in == thread.ident
            and self.task_cancelled.is_set()
        )


# -- _shutdown_thread(self): the original's hook ----------------------------


async def test_shutdown_thread_override_calling_super_stops_everything() -> None:
    class Override(Tracked):
        async def _shutdown_thread(self) -> None:
            self.hooks.append("before")
            await super()._shutdown_thread()
            self.hooks.append("after")

    s = Override()
    s.shutdown_timeout = 60.0  # a missed shutdown flag would hang the test
    await s.start()
    async with asyncio.timeout(10):
        await s.stop()
    assert s.hooks == ["before", "on_thread_stop", "after"]
    assert s.cleaned_up_in_the_thread()
    assert s.state == "shutdown"


async def test_shutdown_thread_override_without_super_still_cleans_up() -> None:
    class Override(Tracked):
        async def _shutdown_thread(self) -> None:
            self.hooks.append("override")

    s = Override()
    s.shutdown_timeout = 60.0
    await s.start()
    async with asyncio.timeout(10):
        await s.stop()
    # The override replaced the hook (on_thread_stop is its business), but
    # children, tasks and contexts are still stopped, in the thread.
    assert s.hooks == ["override"]
    assert s.cleaned_up_in_the_thread()


async def test_sync_shutdown_thread_override_scheduling_on_thread_stop() -> None:
    # faust's ThreadedProducer (producer_threaded=True) overrides the hook
    # with a plain function that schedules on_thread_stop on thread_loop.
    progress: list[str] = []

    class FaustLike(Tracked):
        _shutdown_initiated = False

        def _shutdown_thread(self) -> None:  # type: ignore[override]
            if not self._shutdown_initiated:
                asyncio.run_coroutine_threadsafe(
                    self.on_thread_stop(), self.thread_loop
                )

        async def on_thread_stop(self) -> None:
            self._shutdown_initiated = True
            progress.append("on_thread_stop")
            for _ in range(3):  # takes a few loop iterations
                await asyncio.sleep(0)
            progress.append("flushed")

    s = FaustLike()
    s.shutdown_timeout = 60.0
    await s.start()
    async with asyncio.timeout(10):
        await s.stop()
    assert progress == ["on_thread_stop", "flushed"]  # ran to the end
    assert s.cleaned_up_in_the_thread()


async def test_shutdown_thread_override_error_is_raised_by_stop() -> None:
    class Override(Tracked):
        async def _shutdown_thread(self) -> None:
            raise KeyError("override failed")

    s = Override()
    await s.start()
    with pytest.raises(KeyError, match="override failed"):
        await s.stop()
    assert s.cleaned_up_in_the_thread()


async def test_errors_of_tasks_started_by_the_shutdown_are_raised_by_stop() -> None:
    class Spawns(ServiceThread):
        async def _shutdown_thread(self) -> None:
            await super()._shutdown_thread()
            asyncio.get_running_loop().create_task(self._fails())

        async def _fails(self) -> None:
            await asyncio.sleep(0)
            raise OSError("flush failed")

    s = Spawns()
    await s.start()
    with pytest.raises(OSError, match="flush failed"):
        await s.stop()


async def test_serve_and_start_thread_have_the_original_signatures() -> None:
    served: list[int] = []

    class Serves(ServiceThread):
        async def _serve(self) -> None:
            served.append(threading.get_ident())
            await super()._serve()

    s = Serves()
    async with s:
        assert s._thread is not None
        assert served == [s._thread.ident]
    for name in ("_serve", "_shutdown_thread", "_start_thread"):
        params = inspect.signature(getattr(s, name)).parameters
        assert not params, (name, params)


async def test_original_stop_steps_run_in_an_override() -> None:
    # An override written after the original's body: on_thread_stop, the
    # _default_stop_* steps and set_shutdown().
    class Original(Tracked):
        async def _shutdown_thread(self) -> None:
            await self.on_thread_stop()
            await self._default_stop_children()
            self.set_shutdown()
            await self._default_stop_futures()
            await self._default_stop_exit_stacks()

    s = Original()
    await s.start()
    async with asyncio.timeout(10):
        await s.stop()
    assert s.hooks == ["on_thread_stop"]
    assert s.cleaned_up_in_the_thread()


async def test_gather_remaining_tasks_can_be_overridden() -> None:
    swept = Flag()

    class Sweeps(ServiceThread):
        async def _gather_remaining_tasks(self) -> None:
            await super()._gather_remaining_tasks()
            swept.set()

    async with Sweeps():
        pass
    await swept.wait()


# -- thread_loop before the start --------------------------------------------


async def test_thread_loop_read_before_the_start_is_the_loop_the_thread_runs() -> None:
    ran: list[tuple[int, asyncio.AbstractEventLoop]] = []

    def record() -> None:
        ran.append((threading.get_ident(), asyncio.get_running_loop()))

    async def queued() -> str:
        record()
        return "ran"

    s = ServiceThread()
    loop = s.thread_loop
    assert s.thread_loop is loop  # made once
    assert not loop.is_running()
    assert not loop.is_closed()
    # Scheduled before the start (as faust's producer buffer does): run
    # once the thread runs the loop.
    loop.call_soon_threadsafe(record)
    future = asyncio.run_coroutine_threadsafe(queued(), loop)
    await s.start()
    try:
        assert s.thread_loop is loop
        assert await asyncio.wrap_future(future) == "ran"
        assert s._thread is not None
        assert ran == [(s._thread.ident, loop)] * 2
        assert loop.get_debug()  # set up at the start like any thread loop
    finally:
        await s.stop()
    assert loop.is_closed()
    assert s.thread_loop is loop  # the last run's loop, until a reset
    s.service_reset()
    fresh = s.thread_loop
    assert fresh is not loop
    async with s:
        assert s.thread_loop is fresh
    assert fresh.is_closed()


def test_a_thread_loop_never_run_is_closed_when_the_service_is_garbage() -> None:
    s = ServiceThread()
    loop = s.thread_loop
    del s
    gc.collect()
    assert loop.is_closed()  # no ResourceWarning: warnings are errors here


async def test_a_thread_loop_never_run_is_closed_by_stop() -> None:
    s = ServiceThread()
    loop = s.thread_loop
    await s.stop()
    assert loop.is_closed()
    assert s.state == "init"
    again = s.thread_loop  # the next start gets a new one
    assert again is not loop
    async with s:
        assert s.thread_loop is again


async def test_a_thread_loop_read_before_a_thread_that_cannot_start_is_closed() -> None:
    class NoThread(WorkerThread):
        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    s = ServiceThread(Worker=NoThread)
    loop = s.thread_loop
    with pytest.raises(RuntimeError, match="can't start new thread"):
        await s.start()
    assert loop.is_closed()
    await s.stop()


async def test_thread_loop_read_while_the_thread_makes_it_is_that_loop() -> None:
    in_factory = Flag()
    go = threading.Event()
    made: list[asyncio.AbstractEventLoop] = []

    def factory() -> asyncio.AbstractEventLoop:
        if threading.current_thread().name.endswith("-thread"):
            in_factory.set()
            go.wait(10)
        loop = asyncio.new_event_loop()
        made.append(loop)
        return loop

    s = ServiceThread(loop_factory=factory)
    s.wait_for_thread = False
    await s.start()
    await in_factory.wait()  # the thread holds the loop lock meanwhile
    seen: list[asyncio.AbstractEventLoop] = []
    reader = threading.Thread(target=lambda: seen.append(s.thread_loop))
    reader.start()
    go.set()
    reader.join(10)
    try:
        assert len(made) == 1
        assert seen == made
    finally:
        await s.stop()


async def test_the_loop_factory_makes_the_loop_read_before_the_start() -> None:
    made: list[int] = []

    def factory() -> asyncio.AbstractEventLoop:
        made.append(threading.get_ident())
        return asyncio.new_event_loop()

    s = ServiceThread(loop_factory=factory)
    loop = s.thread_loop
    assert made == [threading.get_ident()]  # made by the reader
    async with s:
        assert s.thread_loop is loop
    assert made == [threading.get_ident()]


async def test_thread_loop_can_be_assigned_as_in_the_original() -> None:
    s = ServiceThread()
    made = s.thread_loop
    double = Mock(name="thread_loop")
    s.thread_loop = double  # faust's tests do this
    assert s.thread_loop is double
    assert made.is_closed()  # the loop made before is not leaked
    with pytest.raises(TypeError, match="thread_loop= must be an event loop"):
        await s.start()  # a double cannot run the service
    s.thread_loop = None
    own = asyncio.new_event_loop()
    try:
        s.thread_loop = own
        async with s:
            assert s.thread_loop is own
        assert not own.is_closed()  # given, so not ours to close
    finally:
        own.close()
    with pytest.raises(TypeError, match="thread_loop= must be an event loop"):
        s.thread_loop = cast(Any, "loop")
    assert ServiceThread(thread_loop=cast(Any, Mock())).thread_loop is not None


# -- attributes of the original ----------------------------------------------


async def test_crash_fails_the_thread_running_future_like_the_original() -> None:
    # faust's test of its ServerThread sets _thread_running by hand.
    s = ServiceThread()
    assert s._thread_running is None
    s._thread_running = asyncio.get_running_loop().create_future()
    exc = RuntimeError("crashed")
    await s.crash(exc)
    assert s._thread_running.exception() is exc
    s._thread_running = None
    await s.crash(exc)  # nothing to fail: no error


async def test_a_crash_in_the_thread_during_the_start_is_raised_by_start() -> None:
    class CrashesInStart(ServiceThread):
        async def on_start(self) -> None:
            await self.crash(ValueError("crashed in on_start"))

    s = CrashesInStart()
    with pytest.raises(ValueError, match="crashed in on_start"):
        await s.start()
    assert s._thread_running is None
    assert s._thread is not None
    assert not s._thread.is_alive()
    assert s.crashed
    await s.stop()


def _thread_of(s: ServiceThread) -> WorkerThread | None:
    return s._thread


async def test_thread_started_and_thread_are_the_originals() -> None:
    assert ServiceThread._thread is None
    s = ServiceThread()
    assert not s._thread_started.is_set()
    assert _thread_of(s) is None
    async with s:
        assert s._thread_started.is_set()
        assert s._thread_started is s._started
        assert isinstance(_thread_of(s), WorkerThread)
    flag = Mock(name="_thread_started")
    flag.is_set.return_value = True
    s._thread_started = flag  # a test double: maybe_start() reads it
    assert not await s.maybe_start()


async def test_parent_loop_can_be_assigned_and_a_loop_not_running_is_ignored() -> None:
    running = asyncio.get_running_loop()
    idle = asyncio.new_event_loop()
    try:
        s = ServiceThread(loop=idle)
        assert s.parent_loop is idle
        async with s:  # idle does not run: start() uses the running loop
            assert s.parent_loop is running
        t = ServiceThread()
        t.parent_loop = idle
        assert t.parent_loop is idle
        u = ServiceThread(loop=cast(Any, Mock(name="loop")))  # faust's tests
        async with u:
            assert u.parent_loop is running
    finally:
        idle.close()
    with pytest.raises(TypeError, match="loop= must be an event loop"):
        ServiceThread(loop=cast(Any, "loop"))


async def test_a_parent_loop_running_in_another_thread_is_refused() -> None:
    other = asyncio.new_event_loop()
    ready = Flag()
    worker = threading.Thread(
        target=lambda: (other.call_soon(ready.set), other.run_forever())
    )
    worker.start()
    try:
        await ready.wait()
        s = ServiceThread(loop=other)
        with pytest.raises(RuntimeError, match="await start"):
            await s.start()
    finally:
        other.call_soon_threadsafe(other.stop)
        worker.join(10)
        other.close()


async def test_wakeup_timer_in_thread_records_the_thread_loop_is_alive() -> None:
    s = QueueServiceThread()
    async with s:
        before = s.last_wakeup_at
        await s.call_thread(s._wakeup_timer_in_thread)
        assert s.last_wakeup_at >= before > 0


def test_worker_thread_set_stopped_sets_is_stopped() -> None:
    worker = WorkerThread(cast(Any, object()))
    worker._set_stopped()
    assert worker.is_stopped.is_set()


async def test_method_queue_process_enqueued_returns_the_promise() -> None:
    q = MethodQueue()
    await q.start()
    try:
        promise: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        q._queued.add(promise)
        got = await q._process_enqueued(QueuedMethod(promise, lambda: 7, (), {}))
        assert got is promise
        assert promise.result() == 7
    finally:
        await q.stop()


async def test_method_queue_call_takes_a_future_double() -> None:
    q = MethodQueue()
    promise = Mock(name="promise")
    assert await q.call(promise, print) is promise  # not running: set there
    promise.get_loop.return_value.call_soon_threadsafe.assert_called_once()


async def test_a_thread_loop_its_reader_closed_is_replaced_at_the_start() -> None:
    s = ServiceThread()
    closed = s.thread_loop
    closed.close()
    async with s:
        assert s.thread_loop is not closed
        assert s.thread_loop.is_running()


async def test_the_hooks_called_by_hand_outside_the_thread() -> None:
    # faust's tests call hooks directly on services that never started.
    class Failing(Tracked):
        async def on_thread_stop(self) -> None:
            await super().on_thread_stop()
            raise KeyError("by hand")

    s = Failing()
    with pytest.raises(KeyError, match="by hand"):
        await s._shutdown_thread()
    assert s.hooks == ["on_thread_stop"]
    assert s.child.stopped_in == threading.get_ident()  # stopped all the same
    with pytest.raises(RuntimeError, match="runs in the service's thread"):
        await s._serve()
