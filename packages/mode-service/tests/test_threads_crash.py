"""ServiceThread crashes crossing loops, and the keepalive of a blocked thread."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from typing import Any, cast

import pytest
from support_threads import Flag

from mode.services import Service
from mode.threads import QueuedServiceThread, ServiceThread
from mode.types.supervisors import SupervisorStrategyT

pytestmark = pytest.mark.usefixtures("no_thread_left")


class FakeSupervisor:
    """Records where it was woken; stands for a SupervisorStrategy."""

    def __init__(self) -> None:
        self.woken_in: list[int] = []
        self.woken = Flag()

    def wakeup(self) -> None:
        self.woken_in.append(threading.get_ident())
        self.woken.set()


class CrashingTask(ServiceThread):
    @Service.task
    async def _fails(self) -> None:
        raise ValueError("task failed in the thread")


class Recorded(Service):
    """Records in which thread it was marked crashed."""

    def __post_init__(self) -> None:
        self.crashed_in: list[int] = []

    def _crash(self, reason: BaseException) -> None:
        if not self.crashed:
            self.crashed_in.append(threading.get_ident())
        super()._crash(reason)


async def test_a_crash_in_the_thread_wakes_the_supervisor_in_the_parent() -> None:
    main = threading.get_ident()
    s = CrashingTask()
    child = s.add_dependency(Recorded())
    supervisor = FakeSupervisor()
    s.supervisor = cast(SupervisorStrategyT, supervisor)
    assert s.supervisor is cast(SupervisorStrategyT, supervisor)
    await s.start()
    await supervisor.woken.wait()
    assert supervisor.woken_in == [main]
    assert s.crashed
    assert isinstance(s.crash_reason, ValueError)
    assert s._thread is not None
    assert child.crashed_in == [s._thread.ident]  # in the thread, not here
    await s.stop()  # the thread ended its side already: stop() finishes
    assert not s._thread.is_alive()


async def test_a_crash_in_the_thread_without_supervisor_crashes_the_tree() -> None:
    main = threading.get_ident()
    root = Recorded()
    s = root.add_dependency(CrashingTask())
    await root.start()
    async with asyncio.timeout(10):
        await root.wait_until_stopped()
    assert root.crashed_in == [main]
    assert isinstance(root.crash_reason, ValueError)
    assert s.crashed
    await root.stop()
    assert s._thread is not None
    assert not s._thread.is_alive()


async def test_crashing_the_service_from_the_parent_crashes_its_children_there() -> (
    None
):
    s = ServiceThread()
    child = s.add_dependency(Recorded())
    await s.start()
    assert s._thread is not None
    ident = s._thread.ident
    await s.crash(KeyError("from the parent"))
    assert s.crashed
    async with asyncio.timeout(10):
        await s._shutdown.wait()  # the thread shuts its side down by itself
    assert child.crashed_in == [ident]
    assert child.crashed
    await s.stop()
    assert not s._thread.is_alive()
    # Crashing again does nothing more.
    s._crash(KeyError("again"))
    assert isinstance(s.crash_reason, KeyError)
    assert s.crash_reason.args == ("from the parent",)


async def test_a_crash_before_the_start_is_cleared_by_service_reset() -> None:
    s = ServiceThread()
    s._crash(OSError("early"))  # not started: marks the flags only
    assert s.crashed
    s.service_reset()
    assert s.state == "init"
    async with s:
        assert s.state == "running"


async def test_waiters_of_both_loops_are_woken_by_the_stop() -> None:
    in_thread = Flag()

    class Waits(ServiceThread):
        @Service.task
        async def _waits(self) -> None:
            in_thread.set()
            await self.wait_until_stopped()  # a waiter in the thread loop

    s = Waits()
    await s.start()
    await in_thread.wait()
    waiter = asyncio.ensure_future(s.wait_until_stopped())  # and one here
    await s.stop()
    async with asyncio.timeout(10):
        await waiter
    # Waiting once stopped returns at once, in either loop.
    await s.wait_until_stopped()
    assert await s.wait_for_stopped(timeout=0)


async def test_on_crash_raising_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    class Bad(ServiceThread):
        async def on_start(self) -> None:
            raise ValueError("start failed")

        def on_crash(self, msg: str, *fmt: Any, **kwargs: Any) -> None:
            raise RuntimeError("on_crash is broken")

    s = Bad()
    with pytest.raises(ValueError, match="start failed"):
        await s.start()
    await s.stop()
    assert "on_crash() raised RuntimeError('on_crash is broken')" in caplog.text


class _Await(logging.Handler):
    """Sets a threading.Event when a record containing ``text`` is logged."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.seen = threading.Event()
        self.flag: Flag | None = None
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if self.text in message:
            self.messages.append(message)
            self.seen.set()
            if self.flag is not None:
                self.flag.set()


@pytest.fixture
def log_handlers() -> Iterator[list[_Await]]:
    handlers: list[_Await] = []
    yield handlers
    for handler in handlers:
        logging.getLogger().removeHandler(handler)


def _await_log(handlers: list[_Await], text: str) -> _Await:
    handler = _Await(text)
    logging.getLogger().addHandler(handler)
    handlers.append(handler)
    return handler


async def test_keepalive_reports_a_blocked_thread_with_its_stack(
    log_handlers: list[_Await],
) -> None:
    blocked = _await_log(log_handlers, "Thread keepalive is not responding")
    again = _await_log(log_handlers, "Thread keepalive is responding again")
    again.flag = Flag()

    def stuck_in_a_blocking_call() -> str:
        # Blocks the thread's loop until the parent reported it.  The
        # threshold is short only meanwhile, so that a busy machine cannot
        # make the keepalive report the thread anywhere else.
        s.keepalive_threshold = 0.02
        try:
            assert blocked.seen.wait(10)
        finally:
            s.keepalive_threshold = 60.0
        return "unblocked"

    s = QueuedServiceThread(keepalive_interval=0.005, keepalive_threshold=60.0)
    await s.start()
    try:
        assert await s.call_thread(stuck_in_a_blocking_call) == "unblocked"
        await again.flag.wait()
    finally:
        await s.stop()
    assert len(blocked.messages) == 1  # reported once
    assert "stuck_in_a_blocking_call" in blocked.messages[0]
    assert s._keepalive_task is None


async def test_keepalive_off_runs_no_keepalive_task() -> None:
    s = ServiceThread(keepalive_interval=0)
    async with s:
        assert s._keepalive_task is None


async def test_a_real_supervisor_restarts_a_crashing_service_thread() -> None:
    from mode import OneForOneSupervisor

    parent = asyncio.get_running_loop()
    third_start = asyncio.Event()
    before = set(threading.enumerate())

    class Flaky(ServiceThread):
        starts = 0

        async def on_start(self) -> None:  # runs in the service's thread
            type(self).starts += 1
            if type(self).starts == 3:
                parent.call_soon_threadsafe(third_start.set)

        @Service.task
        async def _work(self) -> None:
            if type(self).starts < 3:
                raise RuntimeError("thread work failed")

    flaky = Flaky()
    async with OneForOneSupervisor(flaky, max_restarts=5, over=10.0) as sup:
        async with asyncio.timeout(10):
            await third_start.wait()
            while not flaky.started:  # start() returns in the supervisor's task
                await asyncio.sleep(0)
        [child] = sup.status()
        assert child.restart_count == 2
        assert child.last_crash == "RuntimeError('thread work failed')"
    assert set(threading.enumerate()) - before == set()
