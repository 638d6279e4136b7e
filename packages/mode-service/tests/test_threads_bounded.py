"""ServiceThread: a start can be cancelled, stops are bounded, stuck threads show.

A stop() or a cancelled start() during the start cancels the start in the
thread; the waits for the threads of one stop of a tree share one deadline;
a thread a stop left behind is listed (``thread_left_running``,
``threads_left_running()``); ``_stopped`` set by hand halts the service.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any, cast
from unittest.mock import Mock

import pytest
from support_threads import Flag

from mode.services import Service
from mode.threads import (
    QueueServiceThread,
    ServiceThread,
    WorkerThread,
    _shared_deadlines,
    join_threads_left_running,
    threads_left_running,
)

pytestmark = pytest.mark.usefixtures("no_thread_left")

#: Timeouts no test may reach: a stop or start that waits for them is a bug.
LONG = 30.0


class HangsInStart(QueueServiceThread):
    """Its on_start awaits forever (in the thread), until cancelled."""

    def __post_init__(self) -> None:
        self.entered = Flag()
        self.cancelled_in: int | None = None
        self.cancelled = Flag()

    async def on_start(self) -> None:
        self.entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled_in = threading.get_ident()
            self.cancelled.set()
            raise


def _hangs_in_start() -> HangsInStart:
    s = HangsInStart(thread_join_timeout=LONG)
    s.shutdown_timeout = LONG
    return s


def _thread(s: ServiceThread) -> WorkerThread:
    assert s._thread is not None
    return s._thread


# Read through functions: type checkers would narrow the properties.


def _left(s: ServiceThread) -> bool:
    return s.thread_left_running


def _halted(s: ServiceThread) -> bool:
    return s.should_stop


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event stuck threads wait for: set at the end, so no thread is left."""
    event = threading.Event()
    try:
        yield event
    finally:
        event.set()
        assert join_threads_left_running(10) == []


# -- cancelling the start ----------------------------------------------------


async def test_cancelling_async_with_cancels_on_start_in_the_thread() -> None:
    # async with asyncio.timeout(...): async with service: the timeout
    # cancels the start; on_start in the thread gets the CancelledError,
    # the thread ends, and nothing waits for shutdown_timeout.
    s = _hangs_in_start()

    async def enter() -> None:
        async with s:
            pytest.fail("not reached")  # pragma: no cover

    t0 = time.monotonic()
    task = asyncio.ensure_future(enter())
    await s.entered.wait()
    task.cancel()
    async with asyncio.timeout(10):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert time.monotonic() - t0 < LONG / 3
    assert s.cancelled.is_set()
    thread = _thread(s)
    assert s.cancelled_in == thread.ident
    assert not thread.is_alive()
    assert not s.thread_left_running
    assert s.state == "init"


async def test_a_cancelled_start_ends_the_thread_and_stop_is_quick() -> None:
    s = _hangs_in_start()
    task = asyncio.ensure_future(s.start())
    await s.entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await s.cancelled.wait()
    thread = _thread(s)
    thread.join(10)  # ends by itself: its start was cancelled
    assert not thread.is_alive()
    assert not s.crashed  # a cancelled start is no crash
    async with asyncio.timeout(10):
        await s.stop()
    assert not s.thread_left_running


async def test_stop_during_the_start_cancels_it_and_start_returns() -> None:
    s = _hangs_in_start()
    starting = asyncio.ensure_future(s.start())
    await s.entered.wait()
    t0 = time.monotonic()
    async with asyncio.timeout(10):
        await s.stop()
        # start() was not cancelled: it returns, as Service.start() does
        # when the service is stopped while it starts.
        await starting
    assert time.monotonic() - t0 < LONG / 3
    assert s.cancelled.is_set()
    assert not _thread(s).is_alive()
    assert s.state == "shutdown"
    assert not s.thread_left_running


async def test_a_crash_while_start_waits_cancels_the_start_in_the_thread() -> None:
    s = _hangs_in_start()
    starting = asyncio.ensure_future(s.start())
    await s.entered.wait()
    await s.crash(KeyError("from the parent"))
    async with asyncio.timeout(10):
        with pytest.raises(KeyError, match="from the parent"):
            await starting
    assert s.cancelled.is_set()
    assert not _thread(s).is_alive()
    await s.stop()


async def test_a_stop_before_the_thread_starts_skips_the_start() -> None:
    go = threading.Event()
    in_factory = Flag()

    def factory() -> asyncio.AbstractEventLoop:
        in_factory.set()
        go.wait(10)
        return asyncio.new_event_loop()

    class Never(ServiceThread):
        wait_for_thread = False
        started_in_thread = False

        async def on_first_start(self) -> None:
            self.started_in_thread = True  # pragma: no cover - must not run

        async def on_stop(self) -> None:
            go.set()  # stop() has asked for the cancellation by now

    s = Never(loop_factory=factory)
    await s.start()
    await in_factory.wait()  # the thread has not begun the start yet
    async with asyncio.timeout(10):
        await s.stop()
    assert not s.started_in_thread
    assert not _thread(s).is_alive()


async def test_on_start_swallowing_the_cancellation_still_stops() -> None:
    class Stubborn(HangsInStart):
        async def on_start(self) -> None:
            try:
                await super().on_start()
            except asyncio.CancelledError:
                pass  # finishes the start anyway
            # The task is not left cancelled: awaiting works on.
            await asyncio.sleep(0)

    s = Stubborn(thread_join_timeout=LONG)
    s.shutdown_timeout = LONG
    starting = asyncio.ensure_future(s.start())
    await s.entered.wait()
    async with asyncio.timeout(10):
        await s.stop()
        await starting
    assert s.cancelled.is_set()
    assert not _thread(s).is_alive()


async def test_a_start_blocked_in_a_call_keeps_stop_bounded(
    release: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    entered = Flag()

    class Blocked(ServiceThread):
        async def on_start(self) -> None:
            entered.set()
            release.wait()  # cannot be cancelled

    s = Blocked(thread_join_timeout=0.1)
    s.shutdown_timeout = 0.1
    starting = asyncio.ensure_future(s.start())
    await entered.wait()
    t0 = time.monotonic()
    await s.stop()
    assert time.monotonic() - t0 < 5
    thread = _thread(s)
    assert _left(s)
    assert thread in threads_left_running()
    assert "did not end within thread_join_timeout=0.1 s" in caplog.text
    release.set()
    assert join_threads_left_running(10) == []
    assert not _left(s)
    assert thread not in threads_left_running()
    await starting  # the start ended (returns: the service was stopped)


# -- one deadline for the threads of a tree ------------------------------------


class NonDaemon(WorkerThread):
    def __init__(self, service: ServiceThread, **kwargs: Any) -> None:
        super().__init__(service, daemon=False, **kwargs)


def _stuck_threads(
    release: threading.Event, n: int, timeout: float
) -> list[ServiceThread]:
    """``n`` non-daemon services whose threads do not stop until released.

    Half hang in on_thread_stop, half have their loop blocked by a call.
    """

    class HangsInStop(ServiceThread):
        async def on_thread_stop(self) -> None:
            release.wait()

    class LoopBlocked(ServiceThread):
        async def on_thread_started(self) -> None:
            # Runs once start() has its outcome: then nothing runs there.
            asyncio.get_running_loop().call_soon(self._block_the_loop)

        def _block_the_loop(self) -> None:
            release.wait()

    kinds = [HangsInStop, LoopBlocked]
    services = [
        kinds[i % 2](Worker=NonDaemon, thread_join_timeout=timeout) for i in range(n)
    ]
    for s in services:
        s.shutdown_timeout = timeout
    return services


async def test_stuck_threads_of_a_tree_share_one_deadline(
    release: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    n, timeout = 10, 0.3
    root = Service()
    children = _stuck_threads(release, n, timeout)
    for child in children:
        root.add_dependency(child)
    await root.start()
    t0 = time.monotonic()
    await root.stop()
    elapsed = time.monotonic() - t0
    # One thread's shutdown_timeout + thread_join_timeout, not n times it.
    assert elapsed < n * 2 * timeout / 2, elapsed
    threads = [_thread(s) for s in children]
    assert all(s.thread_left_running for s in children)
    assert set(threads_left_running()) >= set(threads)
    assert not any(t.daemon for t in threads)
    assert "the deadline shared by the threads of this stop" in caplog.text
    assert "_block_the_loop" in caplog.text  # the stacks are logged
    # The joins share one deadline too.
    t0 = time.monotonic()
    assert set(join_threads_left_running(0.2)) >= set(threads)
    assert time.monotonic() - t0 < n * 0.2 / 2
    release.set()
    assert join_threads_left_running(10) == []
    assert not any(s.thread_left_running for s in children)


async def test_a_thread_stopped_alone_waits_its_own_timeouts(
    release: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    (s,) = _stuck_threads(release, 1, 0.05)
    await s.start()
    await s.stop()
    assert "within shutdown_timeout=0.05 s" in caplog.text
    assert "within thread_join_timeout=0.05 s" in caplog.text
    assert "deadline shared" not in caplog.text
    assert s.thread_left_running


async def test_a_cancelled_stop_leaves_the_thread_without_waiting(
    release: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    in_stop = Flag()

    class HangsInStop(ServiceThread):
        async def on_thread_stop(self) -> None:
            in_stop.set()
            release.wait()

    s = HangsInStop(thread_join_timeout=LONG)
    s.shutdown_timeout = LONG
    await s.start()
    stopping = asyncio.ensure_future(s.stop())
    await in_stop.wait()  # stop() now waits for the thread's side
    t0 = time.monotonic()
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert time.monotonic() - t0 < LONG / 3
    assert s.thread_left_running
    assert "did not end before stop() was cancelled" in caplog.text


async def test_threads_left_running_is_empty_after_clean_stops() -> None:
    async with ServiceThread() as s:
        pass
    assert not s.thread_left_running
    assert _thread(s) not in threads_left_running()
    assert join_threads_left_running(0) == threads_left_running()


# -- the stopped flag set by hand ----------------------------------------------


async def test_stopped_set_by_hand_halts_the_service_in_both_loops() -> None:
    loop_ended = Flag()

    class Polls(ServiceThread):
        @Service.task
        async def _poll(self) -> None:
            while not self.should_stop:
                await self.sleep(3600)
            loop_ended.set()

    s = Polls(thread_join_timeout=LONG)
    s.shutdown_timeout = LONG
    await s.start()
    assert not _halted(s)
    s._stopped.set()  # as faust's tests do
    assert _halted(s)
    await loop_ended.wait()  # woken in the thread, where should_stop is true
    async with asyncio.timeout(10):
        await s.stop()
    assert not _thread(s).is_alive()


async def test_crashed_set_and_cleared_by_hand_drive_should_stop() -> None:
    s = ServiceThread()
    s._crashed.set()
    assert _halted(s)
    s._crashed.clear()
    assert not _halted(s)
    s._stopped.set()
    s._crashed.set()
    s._crashed.clear()
    assert _halted(s)  # still stopped
    s._stopped.clear()
    assert not _halted(s)


async def test_stopped_set_by_hand_before_the_start_then_stop_ends_it() -> None:
    s = ServiceThread(thread_join_timeout=LONG)
    s.shutdown_timeout = LONG
    s._stopped.set()
    await s.start()
    async with asyncio.timeout(10):
        await s.stop()
    assert not _thread(s).is_alive()


# -- construction ----------------------------------------------------------------


async def test_a_worker_class_with_a_bad_daemon_fails_start_before_anything() -> None:
    class BadDaemon(WorkerThread):
        def __init__(self, service: ServiceThread, **kwargs: Any) -> None:
            super().__init__(service, daemon="no", **kwargs)

    s = ServiceThread(Worker=BadDaemon)
    with pytest.raises(TypeError, match="daemon= must be True or False"):
        await s.start()
    assert s.state == "init"
    assert s._thread is None
    async with ServiceThread(Worker=NonDaemon) as ok:
        assert not _thread(ok).daemon


def test_join_timeouts_thread_join_accepts_are_accepted() -> None:
    assert ServiceThread(thread_join_timeout=threading.TIMEOUT_MAX)
    assert ServiceThread(thread_join_timeout=0).thread_join_timeout == 0

    class Forever(ServiceThread):
        thread_join_timeout = float("inf")

    with pytest.raises(ValueError, match=r"threading\.TIMEOUT_MAX"):
        Forever()


async def test_the_deadline_of_an_earlier_stop_does_not_cut_a_later_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = Service()
    children = [root.add_dependency(ServiceThread()) for _ in range(2)]
    await root.start()
    await root.stop()
    # The deadline that stop left behind has passed (as if long ago).
    shared = _shared_deadlines[root]
    _shared_deadlines[root] = shared._replace(deadline=0.0)
    root.service_reset()
    await root.start()
    await root.stop()
    assert "deadline shared" not in caplog.text
    assert not any(_left(s) for s in children)


async def test_a_thread_stopped_after_the_shared_deadline_is_not_waited_for(
    release: threading.Event, caplog: pytest.LogCaptureFixture
) -> None:
    # Children stop in reverse order: the stuck one first, using up the
    # deadline; the other is then asked to stop but not waited for (its
    # own timeouts are long).  It ends on its own, and then leaves
    # threads_left_running().
    go = threading.Event()

    class Slow(ServiceThread):
        async def on_thread_stop(self) -> None:
            go.wait(10)

    root = Service()
    slow = root.add_dependency(Slow(thread_join_timeout=LONG))
    slow.shutdown_timeout = LONG
    (stuck,) = _stuck_threads(release, 1, 0.05)
    root.add_dependency(stuck)
    await root.start()
    t0 = time.monotonic()
    await root.stop()
    assert time.monotonic() - t0 < LONG / 3
    assert "(the deadline shared by the threads of this stop" in caplog.text
    assert _left(slow)
    assert _left(stuck)
    go.set()
    thread = _thread(slow)
    thread.join(10)
    assert not _left(slow)
    assert thread not in threads_left_running()
    assert _left(stuck)


async def test_a_service_thread_with_a_test_double_beacon_stops() -> None:
    s = ServiceThread(beacon=Mock(name="beacon"))
    await s.start()
    await s.stop()
    assert not _thread(s).is_alive()


def test_loop_like_test_doubles_are_still_accepted() -> None:
    # faust's tests pass mocks as loops; only obvious non-loops are refused.
    loop = Mock(name="loop")
    assert QueueServiceThread(loop=loop).parent_loop is loop
    with pytest.raises(TypeError, match="loop= must be an event loop"):
        QueueServiceThread(loop=cast(Any, "x"))
