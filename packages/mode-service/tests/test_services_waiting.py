"""Service.wait / wait_first / wait_many / wait_for_stopped return shapes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mode.services import Service, WaitResult, WaitResults
from mode.utils.locks import Event


def _helper_tasks() -> set[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current and not t.done()}


async def _settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


async def value(x: Any) -> Any:
    return x


async def test_wait_returns_the_result() -> None:
    s = Service()
    res = await s.wait(value(42))
    assert res == WaitResult(42, False)
    assert (res.result, res.stopped) == (42, False)


async def test_wait_returns_stopped_when_the_service_stops() -> None:
    s = Service()
    await s.start()
    waiter = asyncio.create_task(s.wait(asyncio.Event().wait()))
    await asyncio.sleep(0)
    await s.stop()
    assert await waiter == WaitResult(None, True)
    await _settle()
    assert _helper_tasks() == set()


async def test_wait_returns_stopped_when_the_service_crashes() -> None:
    s = Service()
    waiter = asyncio.create_task(s.wait(asyncio.Event().wait()))
    await asyncio.sleep(0)
    await s.crash(ValueError("x"))
    assert await waiter == WaitResult(None, True)


async def test_wait_timeout_is_reported_as_stopped() -> None:
    s = Service()
    assert await s.wait(asyncio.Event().wait(), timeout=0.001) == (None, True)
    await _settle()
    assert _helper_tasks() == set()


async def test_wait_on_a_stopped_service_returns_at_once() -> None:
    s = Service()
    await s.stop()
    # The coroutine is closed, not left un-awaited (warnings are errors).
    assert await s.wait(value(1)) == (None, True)


async def test_wait_propagates_exceptions_and_cancellation() -> None:
    s = Service()

    async def fails() -> None:
        raise KeyError("inner")

    with pytest.raises(KeyError, match="inner"):
        await s.wait(fails())
    fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    fut.cancel()
    with pytest.raises(asyncio.CancelledError):
        await s.wait(fut)


async def test_wait_accepts_events() -> None:
    s = Service()
    for ev in (Event(), asyncio.Event()):
        ev.set()
        assert await s.wait(ev) == (True, False)


async def test_wait_does_not_cancel_a_future_it_was_given() -> None:
    s = Service()
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    assert await s.wait(fut, timeout=0.001) == (None, True)
    assert not fut.cancelled()
    fut.set_result(1)
    assert await s.wait(fut) == (1, False)


async def test_wait_without_arguments_waits_for_stop() -> None:
    s = Service()
    waiter = asyncio.create_task(s.wait())
    await asyncio.sleep(0)
    assert not waiter.done()
    await s.stop()
    assert await waiter == (None, True)
    assert await Service().wait(timeout=0.001) == (None, True)


async def test_wait_until_stopped() -> None:
    s = Service()
    waiter = asyncio.create_task(s.wait_until_stopped())
    await asyncio.sleep(0)
    await s.crash(ValueError("x"))
    await waiter


async def test_wait_rejects_more_than_one_argument() -> None:
    s = Service()
    with pytest.raises(TypeError, match=r"wait_first\(\*aws\).*wait_many\(aws\)"):
        await s.wait(value(1), value(2))


async def test_wait_rejects_what_cannot_be_awaited() -> None:
    s = Service()
    with pytest.raises(TypeError, match=r"wait\(\) accepts coroutines, futures"):
        await s.wait(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"wait\(\) accepts"):
        await s.wait_for_stopped(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"wait_first\(\) accepts .*, not int"):
        await s.wait_first(value(1), 42)  # type: ignore[arg-type]


async def test_wait_many_rejects_what_cannot_be_awaited() -> None:
    with pytest.raises(TypeError, match=r"wait_many\(\) accepts"):
        await Service().wait_many([value(1), object()])  # type: ignore[list-item]


async def test_a_bad_timeout_closes_the_coroutines() -> None:
    s = Service()
    with pytest.raises(TypeError):
        await s.wait_first(value(1), timeout=[1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await s.wait_many([value(1)], timeout=[1])  # type: ignore[arg-type]


async def test_wait_first_lists_every_done_argument_in_order() -> None:
    s = Service()
    ev = Event()
    ev.set()
    never = asyncio.Event()
    res = await s.wait_first(never.wait(), value("a"), ev, value("b"))
    assert isinstance(res, WaitResults)
    assert res.stopped is False
    assert res.results == ["a", True, "b"]
    assert len(res.done) == 3
    assert res.done[1] is ev
    await _settle()
    assert _helper_tasks() == set()  # the never-finishing wait was cancelled


async def test_wait_first_stopped_and_timeout() -> None:
    s = Service()
    assert await s.wait_first(asyncio.Event().wait(), timeout=0.001) == (
        [],
        [],
        True,
    )
    await s.stop()
    assert await s.wait_first(value(1)) == ([], [], True)
    assert await s.wait_first() == ([], [], True)


async def test_wait_first_raises_the_first_error_and_retrieves_all() -> None:
    s = Service()

    async def fails(exc: BaseException) -> None:
        raise exc

    with pytest.raises(KeyError):
        await s.wait_first(fails(KeyError("a")), fails(ValueError("b")))
    await _settle()  # no "exception was never retrieved" for the second one


async def test_wait_many_returns_done_and_pending_sets() -> None:
    s = Service()
    res = await s.wait_many([value(1), value(2)])
    assert res.stopped is False
    done, pending = res.result
    assert pending == set()
    assert sorted(f.result() for f in done) == [1, 2]
    assert await s.wait_many([]) == ((set(), set()), False)


async def test_wait_many_stopped_and_timeout_cancel_helpers() -> None:
    s = Service()
    never = asyncio.Event()
    assert await s.wait_many([never.wait(), value(1)], timeout=0.001) == (None, True)
    await _settle()
    assert _helper_tasks() == set()
    waiter = asyncio.create_task(s.wait_many([never.wait()]))
    await asyncio.sleep(0)
    await s.stop()
    assert await waiter == (None, True)
    await _settle()
    assert _helper_tasks() == set()
    assert await s.wait_many([value(1)]) == (None, True)


async def test_wait_for_stopped() -> None:
    s = Service()
    assert await s.wait_for_stopped(value(1)) is False
    assert await s.wait_for_stopped(asyncio.Event().wait(), timeout=0.001) is True


async def test_changelog_wait_for_stopped_loop() -> None:
    # The changelog pattern: wait for a flag, or stop waiting when stopped.
    handled: list[int] = []

    class X(Service):
        def __post_init__(self) -> None:
            self.on_thing_ready = asyncio.Event()
            self.processed = asyncio.Event()

        @Service.task
        async def _my_background_task(self) -> None:
            while not await self.wait_for_stopped(self.on_thing_ready, timeout=60):
                self.on_thing_ready.clear()
                handled.append(1)
                self.processed.set()
                if len(handled) == 2:
                    await self.stop()  # from its own task: returns, no deadlock

    x = X()
    await x.start()
    for _ in range(2):
        x.processed.clear()
        x.on_thing_ready.set()
        await x.processed.wait()
    await x.wait_until_stopped()
    assert handled == [1, 1]
    await x.stop()


async def test_changelog_wait_result_tuple() -> None:
    # The changelog's `result, stopped = await self.wait(...)` form.
    class X(Service):
        def __post_init__(self) -> None:
            self.on_thing_ready = asyncio.Event()
            self.processed = asyncio.Event()
            self.results: list[Any] = []

        @Service.task
        async def _my_background_task(self) -> None:
            while not self.should_stop:
                result, stopped = await self.wait(self.on_thing_ready)
                if not stopped:
                    self.results.append(result)
                    self.on_thing_ready.clear()
                    self.processed.set()

    async with X() as x:
        x.on_thing_ready.set()
        await x.processed.wait()
    assert x.results == [True]


async def test_waiting_caller_cancelled_cleans_up() -> None:
    s = Service()
    waiter = asyncio.create_task(s.wait(asyncio.Event().wait()))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    await _settle()
    assert _helper_tasks() == set()
    assert not s._halt_waiters


async def test_waits_leave_no_callback_on_the_callers_futures() -> None:
    # wait()/wait_first() wake themselves through done callbacks on the
    # futures they race (asyncio.wait written out): each is removed on
    # return, whatever ended the wait, so a long-lived future of the caller
    # does not collect one per call.
    s = Service()
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[int] = loop.create_future()
    other: asyncio.Future[int] = loop.create_future()
    for _ in range(3):
        assert await s.wait(fut, timeout=0.001) == (None, True)
        assert await s.wait_first(fut, other, timeout=0.001) == ([], [], True)
    assert not fut._callbacks
    assert not other._callbacks
    fut.set_result(1)
    other.set_result(2)  # both done: the waiter is resolved once, no error
    assert await s.wait_first(fut, other) == ([fut, other], [1, 2], False)
    assert not fut._callbacks
    await s.stop()
    assert await s.wait(fut) == (None, True)


async def test_wait_is_woken_by_the_stop_while_the_future_runs() -> None:
    s = Service()
    await s.start()
    never = asyncio.Event()
    waiter = asyncio.create_task(s.wait(never.wait(), timeout=10))
    await asyncio.sleep(0)
    await s.stop()
    assert await waiter == (None, True)
    await _settle()
    assert _helper_tasks() == set()  # the task made for the coroutine ended
    assert not s._halt_waiters


async def _iterations_until_woken(
    wait: Any, trigger: Any, fut: asyncio.Future[Any]
) -> int:
    # Counts the loop iterations between ``trigger()`` and the waiter's wake.
    ticks = 0
    woke_at: list[int] = []

    async def waiter() -> None:
        await wait(fut)
        woke_at.append(ticks)

    task = asyncio.ensure_future(waiter())
    for _ in range(3):  # the waiter is parked
        await asyncio.sleep(0)
    trigger()
    while not woke_at:
        await asyncio.sleep(0)
        ticks += 1
    await task
    return woke_at[0]


async def test_a_stop_wakes_wait_on_the_iteration_asyncio_wait_would() -> None:
    # The original's wait(fut) was asyncio.wait({fut, stop}, FIRST_COMPLETED):
    # a stop wakes the waiter after the stop future's done callbacks ran.
    # faust's Stream.take() acks its buffered events in that window (its
    # test_acks_filtered_out_messages_when_using_take); waking one iteration
    # earlier lost three acks.
    loop = asyncio.get_running_loop()
    stop_fut: asyncio.Future[None] = loop.create_future()

    async def reference(fut: asyncio.Future[Any]) -> None:
        await asyncio.wait({fut, stop_fut}, return_when=asyncio.FIRST_COMPLETED)

    expected = await _iterations_until_woken(
        reference, lambda: stop_fut.set_result(None), loop.create_future()
    )
    service = Service()
    await service.start()
    try:
        got = await _iterations_until_woken(
            service.wait,
            lambda: service._crash(RuntimeError("stop")),
            loop.create_future(),
        )
    finally:
        await service.stop()
    assert got == expected


async def test_a_done_future_wakes_wait_on_the_iteration_asyncio_wait_would() -> None:
    loop = asyncio.get_running_loop()
    ref_fut: asyncio.Future[None] = loop.create_future()

    async def reference(fut: asyncio.Future[Any]) -> None:
        await asyncio.wait({fut, loop.create_future()}, return_when="FIRST_COMPLETED")

    expected = await _iterations_until_woken(
        reference, lambda: ref_fut.set_result(None), ref_fut
    )
    service = Service()
    await service.start()
    fut: asyncio.Future[None] = loop.create_future()
    try:
        got = await _iterations_until_woken(
            service.wait, lambda: fut.set_result(None), fut
        )
    finally:
        await service.stop()
    assert got == expected
