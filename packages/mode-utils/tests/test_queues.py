"""Tests for mode.utils.queues.

Every test runs twice: on the fast paths (asyncio.Queue's internals) and on
the public path the queues take on a Python whose asyncio.Queue lacks one
of them (``_FAST`` turned off here; the detection itself is tested in a
subprocess at the end).
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Callable
from typing import Any
from unittest.mock import Mock

import pytest

from mode.utils import queues
from mode.utils.queues import FlowControlEvent, FlowControlQueue, ThrowableQueue


async def _spin(times: int = 5) -> None:
    """Let ready callbacks and woken tasks run (no timing involved)."""
    for _ in range(times):
        await asyncio.sleep(0)


async def _until(predicate: Callable[[], bool], limit: int = 10_000) -> None:
    """Yield to the loop until ``predicate()`` holds (fails if it never does)."""
    for _ in range(limit):
        if predicate():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never became true")


def _active() -> FlowControlEvent:
    return FlowControlEvent(initially_suspended=False)


@pytest.fixture(autouse=True, params=["fast", "public"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test on the fast paths, then on the public path."""
    if request.param == "public":
        monkeypatch.setattr(queues, "_FAST", False)
    elif not queues._FAST:  # pragma: no cover - a Python without the internals
        pytest.skip("this Python's asyncio.Queue lacks what the fast paths use")
    return str(request.param)


def _waiting_getters(q: ThrowableQueue[Any]) -> int:
    """How many consumers wait in q.get(), whichever path it takes."""
    waiters = q._getters if queues._FAST else q._waiting
    return sum(1 for waiter in waiters if not waiter.done())


def test_all() -> None:
    assert queues.__all__ == ["FlowControlEvent", "FlowControlQueue", "ThrowableQueue"]


# -- FlowControlEvent ------------------------------------------------------


def test_flow_control_starts_suspended() -> None:
    # Constructed with no loop anywhere: nothing binds at construction.
    fc = FlowControlEvent()
    assert not fc.is_active()
    assert repr(fc).endswith("[suspended]>")
    fc.resume()
    assert fc.is_active()
    assert repr(fc).endswith("[active]>")
    fc.suspend()
    assert not fc.is_active()
    assert _active().is_active()


def test_flow_control_loop_outside_a_loop() -> None:
    # The original exposed .loop (None unless given); nothing is looked up
    # at construction time.
    assert FlowControlEvent().loop is None
    loop = asyncio.new_event_loop()
    try:
        assert FlowControlEvent(loop=loop).loop is loop
        fc = FlowControlEvent()
        fc.loop = loop
        assert fc.loop is loop
        assert fc._resume.loop is loop
        assert fc._suspend.loop is loop
        fc.loop = loop  # the same loop again is fine
        other = asyncio.new_event_loop()
        try:
            with pytest.raises(RuntimeError, match="cannot move to another loop"):
                fc.loop = other
        finally:
            other.close()
        assert fc.loop is loop
        with pytest.raises(TypeError, match="must be an event loop, not str"):
            fc.loop = "loop"  # type: ignore[assignment]
    finally:
        loop.close()


def test_flow_control_accepts_a_stand_in_loop() -> None:
    # As in the original (and as Service(loop=...) does): tests pass a mock
    # for the loop.  Its events keep it; suspend/resume work without a loop.
    stand_in = Mock()
    fc = FlowControlEvent(loop=stand_in)
    assert fc.loop is stand_in
    assert fc._resume.loop is stand_in
    assert fc._suspend.loop is stand_in
    assert not fc.is_active()
    fc.resume()
    assert fc.is_active()
    fc.suspend()
    assert not fc.is_active()
    other = FlowControlEvent()
    other.loop = stand_in
    assert other.loop is stand_in
    assert other._resume.loop is stand_in
    # The queues accept (and ignore) loop= as before.
    queue: FlowControlQueue[int] = FlowControlQueue(
        flow_control=fc, loop=stand_in, clear_on_resume=True
    )
    queue.put_nowait(1)
    assert queue.qsize() == 1
    throwable: ThrowableQueue[int] = ThrowableQueue(flow_control=fc, loop=stand_in)
    assert throwable.empty()


@pytest.mark.parametrize("not_a_loop", ["loop", 5, object()])
def test_flow_control_refuses_a_non_loop(not_a_loop: Any) -> None:
    with pytest.raises(
        TypeError, match=r"FlowControlEvent\(loop=\.\.\.\) must be an event loop"
    ):
        FlowControlEvent(loop=not_a_loop)
    with pytest.raises(
        TypeError, match=r"FlowControlEvent\.loop must be an event loop"
    ):
        FlowControlEvent().loop = not_a_loop


async def test_flow_control_loop_is_the_running_loop() -> None:
    fc = FlowControlEvent()
    running = asyncio.get_running_loop()
    assert fc.loop is running
    assert fc._resume._loop is None  # reading .loop binds nothing
    fc.resume()
    assert fc.loop is running


def test_flow_control_explicit_loop_owns_events() -> None:
    loop = asyncio.new_event_loop()
    try:
        fc = FlowControlEvent(loop=loop)
        assert fc._resume.loop is loop
        assert fc._suspend.loop is loop
    finally:
        loop.close()


async def test_acquire_returns_at_once_when_active() -> None:
    fc = _active()
    await fc.acquire()


async def test_acquire_waits_for_resume() -> None:
    fc = FlowControlEvent()
    waiter = asyncio.create_task(fc.acquire())
    await _spin()
    assert not waiter.done()
    fc.resume()
    await waiter


async def test_acquire_waits_again_when_resuspended_before_it_runs() -> None:
    fc = FlowControlEvent()
    waiter = asyncio.create_task(fc.acquire())
    await _spin()
    fc.resume()
    fc.suspend()  # before the woken waiter got to run
    await _spin()
    assert not waiter.done()
    fc.resume()
    await waiter


async def test_resume_clears_managed_queues_only() -> None:
    fc = FlowControlEvent()
    managed: FlowControlQueue[int] = FlowControlQueue(
        flow_control=fc, clear_on_resume=True
    )
    unmanaged: FlowControlQueue[int] = FlowControlQueue(flow_control=fc)
    for i in range(3):
        managed.put_nowait(i)
        unmanaged.put_nowait(i)
    fc.resume()
    assert managed.qsize() == 0
    assert unmanaged.qsize() == 3
    managed.put_nowait(9)
    fc.clear()
    assert managed.empty()
    assert unmanaged.qsize() == 3


def test_manage_queue_holds_weak_references() -> None:
    fc = FlowControlEvent()
    q: FlowControlQueue[int] = FlowControlQueue(flow_control=fc)
    fc.manage_queue(q)
    assert list(fc._queues) == [q]
    del q
    gc.collect()
    assert list(fc._queues) == []
    fc.clear()  # nothing left to clear


# -- FlowControlQueue: construction and sizes ------------------------------


def test_flow_control_must_be_a_flow_control_event() -> None:
    with pytest.raises(TypeError, match="FlowControlEvent"):
        FlowControlQueue(flow_control=object())  # type: ignore[arg-type]


def test_accepts_legacy_loop_argument() -> None:
    loop = asyncio.new_event_loop()
    try:
        q: FlowControlQueue[int] = FlowControlQueue(
            3, flow_control=_active(), loop=loop
        )
        assert q.maxsize == 3
    finally:
        loop.close()


async def test_maxsize_none_means_unbounded() -> None:
    # faust's app.FlowControlQueue() passes maxsize=None by default.
    q: ThrowableQueue[int] = ThrowableQueue(maxsize=None, flow_control=_active())
    assert q.maxsize == 0
    assert not q.full()
    for i in range(3):
        await q.put(i)
    q.put_nowait(3)
    assert [q.get_nowait() for _ in range(4)] == [0, 1, 2, 3]
    plain: FlowControlQueue[int] = FlowControlQueue(None, flow_control=_active())
    assert plain.maxsize == 0


def test_pressure_sizes() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(10, flow_control=_active())
    assert q.pressure_high_size == 8  # floor(10 / 1.25)
    assert q.pressure_drop_size == 4  # floor(10 * 0.40)

    class Tuned(FlowControlQueue[int]):
        pressure_high_ratio = 2.0
        pressure_drop_ratio = 0.1

    tuned = Tuned(10, flow_control=_active())
    assert (tuned.pressure_high_size, tuned.pressure_drop_size) == (5, 1)


def test_unbounded_queue_is_always_under_high_pressure() -> None:
    # Kept from the original: floor(0 / 1.25) == 0, so qsize() >= 0 always.
    q: FlowControlQueue[int] = FlowControlQueue(flow_control=_active())
    assert q.pressure_high_size == 0
    assert q.in_pressure_high_state(lambda: None) is True


# -- FlowControlQueue: put / get -------------------------------------------


async def test_put_waits_for_flow_control() -> None:
    fc = FlowControlEvent()
    q: FlowControlQueue[str] = FlowControlQueue(flow_control=fc)
    putter = asyncio.create_task(q.put("x"))
    await _spin()
    assert not putter.done()
    assert q.empty()
    fc.resume()
    await putter
    assert await q.get() == "x"


async def test_put_nowait_is_not_flow_controlled() -> None:
    fc = FlowControlEvent()  # suspended
    q: FlowControlQueue[str] = FlowControlQueue(2, flow_control=fc)
    q.put_nowait("a")
    q.put_nowait("b")
    with pytest.raises(asyncio.QueueFull):
        q.put_nowait("c")
    assert q.get_nowait() == "a"


async def test_put_blocks_while_full() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(1, flow_control=_active())
    await q.put(1)
    putter = asyncio.create_task(q.put(2))
    await _spin()
    assert not putter.done()
    assert await q.get() == 1
    await putter
    assert q.get_nowait() == 2


async def test_get_waits_for_an_item() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(flow_control=_active())
    getter = asyncio.create_task(q.get())
    await _spin()
    assert not getter.done()
    q.put_nowait(5)
    assert await getter == 5
    with pytest.raises(asyncio.QueueEmpty):
        q.get_nowait()


async def test_force_put_nowait_ignores_maxsize_and_wakes_getter() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(1, flow_control=FlowControlEvent())
    getter = asyncio.create_task(q.get())
    await _spin()
    q.force_put_nowait(1)
    q.force_put_nowait(2)
    q.force_put_nowait(3)
    assert q.maxsize == 1
    assert q.qsize() == 3
    assert await getter == 1
    assert [q.get_nowait(), q.get_nowait()] == [2, 3]
    q.put_nowait(4)  # the limit still applies to normal puts
    with pytest.raises(asyncio.QueueFull):
        q.put_nowait(5)
    assert q.get_nowait() == 4
    for _ in range(4):  # force-put items count for join() like any other
        q.task_done()
    await q.join()


async def test_put_nowait_on_full_queue_changes_nothing() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(1, flow_control=_active())
    q.put_nowait(1)
    with pytest.raises(asyncio.QueueFull):
        q.put_nowait(2)
    assert q.qsize() == 1
    assert q.get_nowait() == 1
    q.task_done()  # only the item that went in counts for join()
    await asyncio.wait_for(q.join(), timeout=10)


async def test_join_waits_again_after_a_new_put() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(flow_control=_active())
    await q.put(1)
    assert await q.get() == 1
    q.task_done()
    await asyncio.wait_for(q.join(), timeout=10)  # everything done: join returns
    await q.put(2)  # a new item makes join() wait again
    joiner = asyncio.create_task(q.join())
    await _spin()
    assert not joiner.done()
    assert await q.get() == 2
    q.task_done()
    await joiner


async def test_get_nowait_wakes_the_first_blocked_producer() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(1, flow_control=_active())
    q.put_nowait(0)
    first = asyncio.create_task(q.put(1))
    second = asyncio.create_task(q.put(2))
    await _spin()
    assert not first.done()
    assert not second.done()
    assert q.get_nowait() == 0
    await first
    assert not second.done()
    assert q.get_nowait() == 1
    await second
    assert q.get_nowait() == 2


class LifoFlowControlQueue(FlowControlQueue[int]):
    """A subclass with its own container through asyncio's _init/_put/_get."""

    def _init(self, maxsize: int) -> None:
        self._queue = []  # type: ignore[assignment]

    def _put(self, item: int) -> None:
        self._queue.append(item)

    def _get(self) -> int:
        return self._queue.pop()


async def test_put_and_get_go_through_the_container_hooks() -> None:
    q = LifoFlowControlQueue(2, flow_control=_active())
    await q.put(1)
    q.put_nowait(2)
    with pytest.raises(asyncio.QueueFull):
        q.put_nowait(3)
    putter = asyncio.create_task(q.put(3))  # full: waits for a free slot
    await _spin()
    assert not putter.done()
    assert await q.get() == 2
    await putter
    assert [q.get_nowait(), await q.get()] == [3, 1]
    with pytest.raises(asyncio.QueueEmpty):
        q.get_nowait()


# -- FlowControlQueue: pressure callbacks ----------------------------------


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def callbacks(self, name: str) -> tuple[Callable[[], None], Callable[[], None]]:
        def high() -> None:
            self.events.append(f"{name}:high")

        def drop() -> None:
            self.events.append(f"{name}:drop")

        return high, drop


class HookedQueue(FlowControlQueue[int]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hooks: list[str] = []

    def on_pressure_high(self) -> None:
        self.hooks.append("high")

    def on_pressure_drop(self) -> None:
        self.hooks.append("drop")


def test_pressure_callbacks_one_per_drop_step() -> None:
    rec = Recorder()
    q = HookedQueue(10, flow_control=_active())
    a_high, a_drop = rec.callbacks("a")
    b_high, b_drop = rec.callbacks("b")
    for i in range(8):
        assert not q.put_nowait_enhanced(
            i, on_pressure_high=a_high, on_pressure_drop=a_drop
        )
    # qsize() == 8 == pressure_high_size: high pressure, reported once each.
    assert q.put_nowait_enhanced(8, on_pressure_high=a_high, on_pressure_drop=a_drop)
    assert not q.put_nowait_enhanced(
        9, on_pressure_high=a_high, on_pressure_drop=a_drop
    )
    assert q.put_nowait_enhanced(10, on_pressure_high=b_high, on_pressure_drop=b_drop)
    assert q.qsize() == 11  # force-put past maxsize
    assert rec.events == ["a:high", "b:high"]
    assert q.hooks == ["high", "high"]
    # Draining: nothing while above pressure_drop_size (4) ...
    while q.qsize() > 5:
        q.get_nowait()
    assert rec.events == ["a:high", "b:high"]
    # ... then one callback per get_nowait() at or below it, oldest first.
    q.get_nowait()  # qsize 5 -> checked at 5: still above
    assert rec.events == ["a:high", "b:high"]
    q.get_nowait()  # checked at 4
    assert rec.events == ["a:high", "b:high", "a:drop"]
    q.get_nowait()  # checked at 3
    assert rec.events == ["a:high", "b:high", "a:drop", "b:drop"]
    assert q.hooks == ["high", "high", "drop", "drop"]
    q.get_nowait()  # nothing pending: no hook
    assert q.hooks == ["high", "high", "drop", "drop"]


async def test_pressure_callbacks_all_called_when_empty_before_get_waits() -> None:
    rec = Recorder()
    q = HookedQueue(10, flow_control=_active())
    a_high, a_drop = rec.callbacks("a")
    b_high, b_drop = rec.callbacks("b")
    for i in range(8):
        q.force_put_nowait(i)
    q.put_nowait_enhanced(8, on_pressure_high=a_high, on_pressure_drop=a_drop)
    q.put_nowait_enhanced(9, on_pressure_high=b_high, on_pressure_drop=b_drop)
    # Drain with get() while still above the drop size: no drop yet.
    for _ in range(10):
        q._queue.popleft()
    assert rec.events == ["a:high", "b:high"]
    getter = asyncio.create_task(q.get())
    await _spin()
    assert rec.events == ["a:high", "b:high", "a:drop", "b:drop"]
    assert q.hooks == ["high", "high", "drop"]
    q.put_nowait(1)
    assert await getter == 1


def test_in_pressure_high_state_registers_callback_once() -> None:
    q = HookedQueue(10, flow_control=_active())

    def drop() -> None:
        return None

    for i in range(7):
        q.put_nowait(i)
    assert q.in_pressure_high_state(drop) is False  # 7 < 8
    q.put_nowait(7)
    assert q.in_pressure_high_state(drop) is True
    assert q.in_pressure_high_state(drop) is False  # already pending
    assert q.hooks == ["high"]


def test_raising_pressure_drop_callback_keeps_the_rest_pending() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(10, flow_control=_active())
    called: list[str] = []

    def bad() -> None:
        called.append("bad")
        raise RuntimeError("callback failed")

    def good() -> None:
        called.append("good")

    q.put_nowait(0)
    q._pending_pressure_drop_callbacks.update({bad: None, good: None})
    q._queue.clear()
    with pytest.raises(RuntimeError, match="callback failed"):
        q.maybe_endorse_pressure_drop()
    assert called == ["bad"]
    q.maybe_endorse_pressure_drop()
    assert called == ["bad", "good"]


def test_default_pressure_hooks_are_noops() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(flow_control=_active())
    assert q.on_pressure_high() is None  # type: ignore[func-returns-value]
    assert q.on_pressure_drop() is None  # type: ignore[func-returns-value]


# -- FlowControlQueue.clear ------------------------------------------------


async def test_clear_drops_items_and_keeps_join_consistent() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(flow_control=_active())
    for i in range(3):
        q.put_nowait(i)
    q.clear()
    assert q.empty()
    await asyncio.wait_for(q.join(), timeout=10)  # dropped items count as done
    q.clear()  # clearing an empty queue is harmless


async def test_clear_keeps_unfinished_count_of_gotten_items() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(flow_control=_active())
    q.put_nowait(1)
    q.put_nowait(2)
    assert q.get_nowait() == 1  # gotten, not yet task_done()
    q.clear()
    joiner = asyncio.create_task(q.join())
    await _spin()
    assert not joiner.done()
    q.task_done()
    await joiner


async def test_clear_cancels_waiting_putters() -> None:
    # FIX / CHANGELOG promise: FlowControlQueue.clear() cancels put-waiters
    # (upstream did this only in ThrowableQueue).
    q: FlowControlQueue[int] = FlowControlQueue(1, flow_control=_active())
    q.put_nowait(0)
    putters = [asyncio.create_task(q.put(i)) for i in (1, 2)]
    await _spin()
    q.clear()
    for putter in putters:
        with pytest.raises(asyncio.CancelledError):
            await putter
    assert q.empty()
    await q.put(3)  # the queue still works
    assert q.get_nowait() == 3


async def test_clear_skips_cancelled_putter() -> None:
    q: FlowControlQueue[int] = FlowControlQueue(1, flow_control=_active())
    q.put_nowait(0)
    first = asyncio.create_task(q.put(1))
    second = asyncio.create_task(q.put(2))
    await _spin()
    first.cancel()  # its putter future is cancelled but still queued
    q.clear()
    for putter in (first, second):
        with pytest.raises(asyncio.CancelledError):
            await putter
    assert q.empty()


async def test_clear_leaves_flow_control_waiters_and_getters_alone() -> None:
    fc = FlowControlEvent()
    q: FlowControlQueue[int] = FlowControlQueue(flow_control=fc)
    putter = asyncio.create_task(q.put(1))
    getter = asyncio.create_task(q.get())
    await _spin()
    q.clear()
    await _spin()
    assert not putter.done()
    assert not getter.done()
    fc.resume()
    await putter
    assert await getter == 1


# -- ThrowableQueue --------------------------------------------------------


async def test_throw_reaches_first_waiting_getter() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    first = asyncio.create_task(q.get())
    second = asyncio.create_task(q.get())
    await _spin()
    error = KeyError("boom")
    await q.throw(error)
    with pytest.raises(KeyError):
        await first
    assert not second.done()
    q.put_nowait(1)
    assert await second == 1


async def test_throw_after_a_put_wakes_the_next_getter_too() -> None:
    # The put wakes `first`, the throw `second`; the exception comes before
    # the item, so `first` (which runs first) raises it and `second` gets
    # the item.  Each got one of them: nothing is lost, nobody hangs.
    q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    first = asyncio.create_task(q.get())
    second = asyncio.create_task(q.get())
    await _spin()
    q.put_nowait(1)  # wakes `first`, which has not run yet
    q._throw(ValueError("thrown"))
    with pytest.raises(ValueError, match="thrown"):
        await first
    assert await second == 1


async def test_throw_to_a_getter_cancelled_in_the_same_iteration() -> None:
    # The getter woken for the exception is cancelled before it runs: the
    # exception must reach the next getter (it was lost every time).
    for _ in range(50):
        q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
        first = asyncio.create_task(q.get())
        second = asyncio.create_task(q.get())
        await _until(lambda q=q: _waiting_getters(q) == 2)  # type: ignore[misc]
        q._throw(KeyError("for a consumer"))
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        with pytest.raises(KeyError, match="for a consumer"):
            await asyncio.wait_for(second, timeout=10)
        assert q.empty()


async def test_throw_to_a_cancelled_getter_with_no_other_stays_buffered() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    only = asyncio.create_task(q.get())
    await _until(lambda: _waiting_getters(q) == 1)
    await q.throw(KeyError("kept"))
    only.cancel()
    with pytest.raises(asyncio.CancelledError):
        await only
    assert not q.empty()
    with pytest.raises(KeyError, match="kept"):
        await q.get()


async def test_throw_skips_cancelled_getter() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    first = asyncio.create_task(q.get())
    second = asyncio.create_task(q.get())
    await _spin()
    first.cancel()  # its getter future is cancelled but still queued
    q._throw(ValueError("for second"))
    with pytest.raises(asyncio.CancelledError):
        await first
    with pytest.raises(ValueError, match="for second"):
        await second


async def test_throw_without_getter_is_buffered_fifo() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    q.put_nowait(1)
    assert not q.empty()
    q._throw(KeyError("first"))
    await q.throw(ValueError("second"))
    assert q.qsize() == 1
    with pytest.raises(KeyError):
        await q.get()
    with pytest.raises(ValueError, match="second"):
        q.get_nowait()
    assert await q.get() == 1
    assert q.empty()


async def test_buffered_error_makes_queue_non_empty() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    assert q.empty()
    q._throw(RuntimeError("x"))
    assert not q.empty()
    with pytest.raises(RuntimeError):
        q.get_nowait()
    assert q.empty()
    with pytest.raises(asyncio.QueueEmpty):
        q.get_nowait()


async def test_getter_woken_by_put_sees_error_thrown_meanwhile_first() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    getter = asyncio.create_task(q.get())
    await _spin()
    q.put_nowait(1)  # wakes the getter
    q._throw(KeyError("first"))  # no waiting getter left: buffered
    with pytest.raises(KeyError):
        await getter  # errors come before items
    assert q.get_nowait() == 1


def test_throw_rejects_non_exceptions() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    with pytest.raises(TypeError, match="exception instance"):
        q._throw("oops")  # type: ignore[arg-type]


async def test_throwable_clear_drops_items_errors_and_putters() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(1, flow_control=_active())
    q.put_nowait(1)
    q._throw(KeyError("x"))
    putter = asyncio.create_task(q.put(2))
    await _spin()
    q.clear()
    with pytest.raises(asyncio.CancelledError):
        await putter
    assert q.empty()
    q.put_nowait(3)
    assert await q.get() == 3


async def test_throwable_get_waits_for_item() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    getter = asyncio.create_task(q.get())
    await _spin()
    await q.put(4)
    assert await getter == 4


@pytest.mark.skipif(sys.version_info < (3, 13), reason="Queue.shutdown is 3.13+")
def test_throwable_immediate_shutdown_drops_errors() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    q.put_nowait(1)
    q._throw(KeyError("x"))
    q.shutdown(immediate=True)  # type: ignore[attr-defined,unused-ignore]
    assert q.empty()
    q2: ThrowableQueue[int] = ThrowableQueue(flow_control=_active())
    q2._throw(KeyError("y"))
    q2.shutdown()  # type: ignore[attr-defined,unused-ignore]
    with pytest.raises(KeyError):
        q2.get_nowait()


# -- Concurrency -----------------------------------------------------------


class RecordingQueue(FlowControlQueue[tuple[int, int]]):
    """Remembers what each clear() dropped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dropped: list[tuple[int, int]] = []

    def clear(self) -> None:
        self.dropped.extend(self._queue)
        super().clear()


async def test_producers_consumers_with_suspend_resume_and_clear() -> None:
    fc = FlowControlEvent(initially_suspended=False)
    q = RecordingQueue(4, flow_control=fc, clear_on_resume=True)
    n_producers, n_items, n_consumers = 3, 60, 2
    enqueued: list[tuple[int, int]] = []
    refused: list[tuple[int, int]] = []
    consumed: list[tuple[int, int]] = []
    consuming = asyncio.Event()
    consuming.set()

    async def produce(pid: int) -> None:
        for i in range(n_items):
            item = (pid, i)
            try:
                await q.put(item)
            except asyncio.CancelledError:
                # clear() cancelled this blocked put: the item never got in.
                refused.append(item)
            else:
                enqueued.append(item)

    async def consume() -> None:
        while True:
            await consuming.wait()
            item = await q.get()
            if item[0] < 0:
                return
            consumed.append(item)

    async with asyncio.timeout(20):
        producers = [asyncio.create_task(produce(p)) for p in range(n_producers)]
        consumers = [asyncio.create_task(consume()) for _ in range(n_consumers)]

        for _round in range(3):
            # Let some items flow, then stall the consumers until the queue
            # is full and producers are blocked in put().
            seen = len(consumed)
            await _until(lambda seen=seen: len(consumed) >= seen + 5)  # type: ignore[misc]
            consuming.clear()
            await _until(lambda: q.full() and len(q._putters) > 0)
            # Pause the producers and resume: resume clears the queue and
            # cancels the blocked puts.
            fc.suspend()
            await _spin()
            fc.resume()
            consuming.set()
            # Clear mid-flight as well.
            await _until(lambda: q.qsize() > 0)
            q.clear()

        await asyncio.gather(*producers)
        for _ in consumers:
            q.force_put_nowait((-1, -1))
        await asyncio.gather(*consumers)

    assert q.dropped, "clear() should have dropped something"
    assert refused, "clear() should have cancelled a blocked put"
    # No item duplicated, no item lost: every enqueued item was either
    # consumed or dropped by clear(), exactly once.
    assert len(set(consumed)) == len(consumed)
    assert sorted(consumed + q.dropped) == sorted(enqueued)
    assert not set(refused) & set(consumed + q.dropped)
    everything = {(p, i) for p in range(n_producers) for i in range(n_items)}
    assert set(enqueued) | set(refused) == everything
    assert len(enqueued) + len(refused) == len(everything)
    # Per producer, consumers see items in the order they were enqueued.
    for pid in range(n_producers):
        mine = [i for p, i in consumed if p == pid]
        assert mine == sorted(mine)
    assert not q._getters
    assert not q._putters


async def test_many_getters_and_putters_on_a_tiny_queue() -> None:
    q: ThrowableQueue[int] = ThrowableQueue(1, flow_control=_active())
    total = 200
    results: list[int] = []

    async def getter() -> None:
        while True:
            item = await q.get()
            if item < 0:
                return
            results.append(item)

    async with asyncio.timeout(20):
        getters = [asyncio.create_task(getter()) for _ in range(5)]
        await asyncio.gather(*(q.put(i) for i in range(total)))
        for _ in getters:
            await q.put(-1)
        await asyncio.gather(*getters)
    assert sorted(results) == list(range(total))
