"""running(): a service for the length of an ``async with`` block."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from mode import Service
from mode.testing import ServiceCrashedError, running


class Boom(Exception):
    pass


class Worker(Service):
    """Crashes with Boom when ``fail`` is set."""

    def __post_init__(self) -> None:
        self.fail = asyncio.Event()
        self.ticks = 0

    @Service.task
    async def _work(self) -> None:
        await self.fail.wait()
        raise Boom("worker failed")


class BadStart(Service):
    async def on_start(self) -> None:
        raise Boom("cannot start")


async def test_starts_and_stops_the_service() -> None:
    worker = Worker()
    async with running(worker) as service:
        assert service is worker
        assert worker.state == "running"
    assert worker.started  # stopped, not reset: its state stays inspectable
    assert worker.should_stop
    assert not worker.crashed


async def crash_while_waiting(worker: Worker) -> None:
    """Run ``worker``, make it crash, and wait for an event nobody sets.

    Without the crash watch of running() this would hang forever.
    """
    async with running(worker):
        worker.fail.set()
        await asyncio.Event().wait()


async def test_a_crash_cancels_the_block_and_fails() -> None:
    worker = Worker()
    with pytest.raises(ServiceCrashedError) as exc_info:
        await crash_while_waiting(worker)
    err = exc_info.value
    assert err.service is worker
    assert isinstance(err.reason, Boom)
    assert isinstance(err.__cause__, Boom)
    assert "crashed" in str(err)
    assert "worker failed" in str(err)
    assert isinstance(err, AssertionError)
    assert worker.should_stop
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_crash_at_the_end_of_the_block_fails() -> None:
    worker = Worker()
    with pytest.raises(ServiceCrashedError, match="direct"):
        async with running(worker):
            await worker.crash(Boom("direct"))  # the block ends right away


async def swallow_the_crash_cancel(worker: Worker) -> None:
    """Run ``worker``, make it crash, and swallow the cancellation it causes."""
    async with running(worker):
        worker.fail.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()


async def test_a_block_that_swallows_the_cancel_still_fails() -> None:
    worker = Worker()
    with pytest.raises(ServiceCrashedError):
        await swallow_the_crash_cancel(worker)
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def crash_then_fail(worker: Worker) -> None:
    """Crash ``worker`` inside running(), then fail the block itself."""
    async with running(worker):
        await worker.crash(Boom("also"))
        raise KeyError("test error")


async def test_an_error_of_the_block_propagates_with_a_note_of_the_crash() -> None:
    worker = Worker()
    with pytest.raises(KeyError) as exc_info:
        await crash_then_fail(worker)
    assert any("crashed" in note for note in exc_info.value.__notes__)
    assert worker.should_stop


async def test_an_error_of_the_block_propagates_and_stops() -> None:
    worker = Worker()
    with pytest.raises(KeyError):
        async with running(worker):
            raise KeyError("test error")
    assert worker.should_stop
    assert not worker.crashed


async def test_an_outside_cancel_is_not_turned_into_a_crash() -> None:
    worker = Worker()
    inside = asyncio.Event()

    async def host() -> None:
        async with running(worker):
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(host())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert worker.should_stop
    assert not worker.crashed


async def test_an_outside_cancel_together_with_a_crash_stays_a_cancel() -> None:
    worker = Worker()
    inside = asyncio.Event()

    async def host() -> None:
        async with running(worker):
            inside.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(host())
    await inside.wait()
    worker.fail.set()
    while not task.cancelling():  # until the crash watch cancels the block
        await asyncio.sleep(0)
    task.cancel()  # and so do we, before it resumes
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_failed_start_propagates_and_stops() -> None:
    service = BadStart()
    with pytest.raises(Boom, match="cannot start"):
        async with running(service):
            pass  # pragma: no cover
    assert service.should_stop


async def test_a_failed_start_and_stop_reports_the_start_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class BadStop(BadStart):
        async def on_stop(self) -> None:
            raise KeyError("cannot stop")

    with pytest.raises(Boom):
        async with running(BadStop()):
            pass  # pragma: no cover
    assert "after a failed start" in caplog.text


async def test_rejects_what_is_not_a_service() -> None:
    thing: Any = object()
    with pytest.raises(TypeError, match="takes a service"):
        async with running(thing):
            pass  # pragma: no cover


async def test_needs_a_task() -> None:
    loop = asyncio.get_running_loop()
    result: asyncio.Future[BaseException] = loop.create_future()

    def in_a_callback() -> None:  # a running loop, but no current task
        coro = running(Worker()).__aenter__()
        try:
            coro.send(None)
        except BaseException as exc:
            result.set_result(exc)
        finally:
            coro.close()

    loop.call_soon(in_a_callback)
    exc = await result
    assert isinstance(exc, RuntimeError)
    assert "task" in str(exc)
