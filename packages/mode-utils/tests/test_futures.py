"""Tests for mode.utils.futures."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from mode.utils import futures, queues
from mode.utils.futures import (
    StampedeWrapper,
    all_tasks,
    current_task,
    done_future,
    maybe_async,
    maybe_cancel,
    maybe_set_exception,
    maybe_set_result,
    notify,
    stampede,
)


def test_all() -> None:
    assert set(futures.__all__) == {
        "FlowControlEvent",
        "FlowControlQueue",
        "StampedeWrapper",
        "all_tasks",
        "current_task",
        "done_future",
        "maybe_async",
        "maybe_cancel",
        "maybe_set_exception",
        "maybe_set_result",
        "notify",
        "stampede",
    }
    for name in futures.__all__:
        assert hasattr(futures, name)


def test_compat_reexports_of_queues() -> None:
    assert futures.FlowControlEvent is queues.FlowControlEvent
    assert futures.FlowControlQueue is queues.FlowControlQueue


async def test_task_aliases() -> None:
    assert all_tasks is asyncio.all_tasks
    assert current_task is asyncio.current_task
    me = current_task()
    assert me is not None
    assert me in all_tasks()


# -- done_future -----------------------------------------------------------


async def test_done_future_on_running_loop() -> None:
    fut = done_future(42)
    assert fut.done()
    assert fut.result() == 42
    assert fut.get_loop() is asyncio.get_running_loop()
    assert await fut == 42
    assert done_future().result() is None


def test_done_future_with_explicit_loop() -> None:
    loop = asyncio.new_event_loop()
    try:
        fut = done_future("x", loop=loop)
        assert fut.get_loop() is loop
        assert fut.result() == "x"
    finally:
        loop.close()


def test_done_future_without_loop_names_the_fix() -> None:
    with pytest.raises(RuntimeError, match=r"pass loop="):
        done_future()


# -- maybe_* ---------------------------------------------------------------


async def test_maybe_async() -> None:
    async def coro() -> int:
        return 1

    assert await maybe_async(2) == 2
    assert await maybe_async(coro()) == 1
    assert await maybe_async(done_future(3)) == 3
    assert await maybe_async("plain") == "plain"


async def test_maybe_cancel() -> None:
    loop = asyncio.get_running_loop()
    assert maybe_cancel(None) is False
    fut: asyncio.Future[int] = loop.create_future()
    assert maybe_cancel(fut) is True
    assert fut.cancelled()
    assert maybe_cancel(fut) is False
    assert maybe_cancel(done_future(1)) is False


async def test_maybe_set_exception() -> None:
    loop = asyncio.get_running_loop()
    assert maybe_set_exception(None, KeyError()) is False
    fut: asyncio.Future[int] = loop.create_future()
    exc = KeyError("k")
    assert maybe_set_exception(fut, exc) is True
    assert fut.exception() is exc
    assert maybe_set_exception(fut, ValueError()) is False
    assert fut.exception() is exc


async def test_maybe_set_result() -> None:
    loop = asyncio.get_running_loop()
    assert maybe_set_result(None, 1) is False
    fut: asyncio.Future[int] = loop.create_future()
    assert maybe_set_result(fut, 1) is True
    assert maybe_set_result(fut, 2) is False
    assert fut.result() == 1
    cancelled: asyncio.Future[int] = loop.create_future()
    cancelled.cancel()
    assert maybe_set_result(cancelled, 3) is False


async def test_notify() -> None:
    loop = asyncio.get_running_loop()
    notify(None)  # no-op
    fut: asyncio.Future[Any] = loop.create_future()
    assert notify(fut) is None  # type: ignore[func-returns-value]
    assert fut.result() is None
    notify(fut, 2)  # already done: ignored
    assert fut.result() is None
    other: asyncio.Future[Any] = loop.create_future()
    waiter = asyncio.ensure_future(other)
    notify(other, "wake")
    assert await waiter == "wake"


# -- stampede --------------------------------------------------------------


class Resource:
    """A service-like object whose refresh is expensive."""

    def __init__(self) -> None:
        self.calls = 0
        self.gate = asyncio.Event()
        self.fail_with: BaseException | None = None

    @stampede
    async def refresh(self) -> int:
        """Refresh the resource."""
        self.calls += 1
        await self.gate.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return self.calls

    @stampede
    async def instant(self) -> int:
        self.calls += 1
        return self.calls


async def _started(*tasks: asyncio.Task[Any]) -> None:
    # Every task gets to run up to its first real suspension.
    for _ in range(3):
        await asyncio.sleep(0)
    assert not any(t.done() for t in tasks)


async def test_stampede_concurrent_callers_share_one_call() -> None:
    res = Resource()
    gathered = asyncio.gather(*(res.refresh() for _ in range(10)))
    for _ in range(3):
        await asyncio.sleep(0)
    assert res.refresh.fut is not None
    res.gate.set()
    assert await gathered == [1] * 10
    assert res.calls == 1


async def test_stampede_callers_of_one_iteration_share_an_instant_call() -> None:
    # The method never suspends, but the first caller yields once before
    # running it, so the callers started in the same loop iteration (a
    # gather) share it, as in the original (faust's Topic.maybe_declare).
    res = Resource()
    assert await asyncio.gather(*(res.instant() for _ in range(6))) == [1] * 6
    assert res.instant.fut is None
    assert await asyncio.gather(*(res.instant() for _ in range(6))) == [2] * 6
    assert res.calls == 2


async def test_stampede_does_not_cache_after_completion() -> None:
    res = Resource()
    res.gate.set()
    assert await res.refresh() == 1
    await asyncio.sleep(0)
    assert res.refresh.fut is None
    assert await res.refresh() == 2
    await asyncio.sleep(0)
    assert await res.instant() == 3
    assert res.calls == 3


async def test_stampede_sequential_calls_run_again_without_a_loop_turn() -> None:
    # A call made after the previous one returned runs the method again,
    # even when no loop iteration passed in between (as in the original).
    res = Resource()
    res.gate.set()
    assert await res.instant() == 1
    assert await res.instant() == 2
    assert await res.refresh() == 3
    assert await res.refresh() == 4
    assert res.calls == 4


async def test_stampede_wrapper_called_sequentially_calls_every_time() -> None:
    calls = 0

    async def fun() -> int:
        nonlocal calls
        calls += 1
        return calls

    wrapper = StampedeWrapper(fun)
    assert [await wrapper() for _ in range(10)] == list(range(1, 11))
    assert calls == 10


async def test_stampede_caller_that_got_the_result_runs_again() -> None:
    # Every caller of a shared execution, the one that ran it or a waiter,
    # runs the method anew when it calls again after getting the result;
    # those second calls come in one loop iteration, so they share again.
    res = Resource()

    async def twice() -> tuple[int, int]:
        return await res.refresh(), await res.refresh()

    tasks = [asyncio.create_task(twice()) for _ in range(3)]
    await _started(*tasks)
    assert res.calls == 1
    res.gate.set()
    pairs = await asyncio.gather(*tasks)
    assert [first for first, _ in pairs] == [1, 1, 1]
    assert [second for _, second in pairs] == [2, 2, 2]
    assert res.calls == 2


async def test_stampede_cancelled_execution_is_not_joined_afterwards() -> None:
    # A caller arriving after the running call was cancelled runs the method
    # itself instead of getting a CancelledError it did not ask for.
    res = Resource()
    runner = asyncio.create_task(res.refresh())
    await _started(runner)
    runner.cancel()
    res.gate.set()
    late = asyncio.create_task(res.refresh())  # runs right after the runner
    with pytest.raises(asyncio.CancelledError):
        await runner
    assert await late == 2
    assert res.calls == 2


async def test_stampede_exception_reaches_every_waiter() -> None:
    # FIX: upstream never resolved the shared future when the method raised,
    # so every concurrent waiter hung forever.
    res = Resource()
    error = ValueError("refresh failed")
    res.fail_with = error
    tasks = [asyncio.create_task(res.refresh()) for _ in range(4)]
    await _started(*tasks)
    res.gate.set()
    async with asyncio.timeout(10):
        results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results == [error] * 4
    assert res.calls == 1
    # Not cached: the next call runs again and succeeds.
    await asyncio.sleep(0)
    res.fail_with = None
    assert await res.refresh() == 2


async def test_stampede_exception_skips_cancelled_waiters() -> None:
    res = Resource()
    error = ValueError("refresh failed")
    res.fail_with = error
    tasks = [asyncio.create_task(res.refresh()) for _ in range(3)]
    await _started(*tasks)
    tasks[1].cancel()
    with pytest.raises(asyncio.CancelledError):
        await tasks[1]
    res.gate.set()
    results = await asyncio.gather(tasks[0], tasks[2], return_exceptions=True)
    assert list(results) == [error, error]


async def test_stampede_exception_without_waiters_is_not_logged() -> None:
    res = Resource()
    res.fail_with = KeyError("alone")
    res.gate.set()
    with pytest.raises(KeyError):
        await res.refresh()


async def test_stampede_cancelling_the_runner_cancels_everyone() -> None:
    res = Resource()
    tasks = [asyncio.create_task(res.refresh()) for _ in range(3)]
    await _started(*tasks)
    tasks[0].cancel()  # the first caller runs the method
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, asyncio.CancelledError) for r in results)
    assert res.calls == 1
    await asyncio.sleep(0)
    assert res.refresh.fut is None
    res.gate.set()
    assert await res.refresh() == 2


async def test_stampede_cancelling_a_waiter_cancels_only_that_waiter() -> None:
    res = Resource()
    tasks = [asyncio.create_task(res.refresh()) for _ in range(3)]
    await _started(*tasks)
    tasks[1].cancel()
    await asyncio.sleep(0)
    res.gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results[0] == 1
    assert isinstance(results[1], asyncio.CancelledError)
    assert results[2] == 1
    assert res.calls == 1


async def test_stampede_instances_are_independent() -> None:
    a, b = Resource(), Resource()
    tasks = [asyncio.create_task(r.refresh()) for r in (a, b, a)]
    await _started(*tasks)
    a.gate.set()
    b.gate.set()
    results = await asyncio.gather(*tasks)
    assert list(results) == [1, 1, 1]
    assert (a.calls, b.calls) == (1, 1)
    assert a.refresh is not b.refresh
    assert a.refresh is a.refresh
    assert a.__dict__["refresh"] is a.refresh


def test_stampede_descriptor_on_class() -> None:
    descriptor = Resource.refresh
    assert isinstance(descriptor, stampede)
    assert descriptor.__name__ == "refresh"
    assert descriptor.__qualname__ == "Resource.refresh"
    assert descriptor.__doc__ == "Refresh the resource."
    assert descriptor.__module__ == Resource.__module__
    assert inspect.iscoroutinefunction(descriptor.__wrapped__)
    assert str(inspect.signature(descriptor)) == "(self) -> 'int'"
    with pytest.raises(NotImplementedError, match="call it on an instance"):
        descriptor()


def test_stampede_descriptor_get_is_stable() -> None:
    res = Resource()
    descriptor = Resource.__dict__["refresh"]
    first = descriptor.__get__(res, Resource)
    assert isinstance(first, StampedeWrapper)
    assert descriptor.__get__(res, Resource) is first


def test_stampede_doc_override() -> None:
    async def fetch(self: object) -> None:
        return None

    descriptor = stampede(fetch, doc="Custom doc.")
    assert descriptor.__doc__ == "Custom doc."
    assert descriptor.__name__ == "fetch"


def test_stampede_rejects_non_callable() -> None:
    with pytest.raises(TypeError, match="async method"):
        stampede(42)  # type: ignore[arg-type]


def test_stampede_needs_instance_dict() -> None:
    class Slotted:
        __slots__ = ()

        @stampede
        async def go(self) -> None:
            return None

    with pytest.raises(TypeError, match="__dict__"):
        Slotted().go  # noqa: B018


async def test_stampede_wrapper_direct_use() -> None:
    calls: list[tuple[Any, ...]] = []
    gate = asyncio.Event()

    async def fun(a: int, *, b: int) -> int:
        calls.append((a, b))
        await gate.wait()
        return a + b

    wrapper = StampedeWrapper(fun, 1, b=2)
    assert repr(wrapper).endswith("[idle]>")
    tasks = [asyncio.create_task(wrapper()) for _ in range(3)]
    await _started(*tasks)
    assert repr(wrapper).endswith("[running]>")
    gate.set()
    assert await asyncio.gather(*tasks) == [3, 3, 3]
    assert calls == [(1, 2)]


async def test_stampede_wrapper_uses_given_loop() -> None:
    loop = asyncio.get_running_loop()
    seen: list[asyncio.Future[int] | None] = []

    async def fun() -> int:
        seen.append(wrapper.fut)
        return 7

    wrapper = StampedeWrapper(fun, loop=loop)
    assert await wrapper() == 7
    assert seen[0] is not None
    assert seen[0].get_loop() is loop
