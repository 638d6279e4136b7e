"""Tests for mode.utils.locks.Event."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace
from typing import Any
from unittest.mock import Mock

import pytest

from mode.utils import locks
from mode.utils.locks import Event


def test_all() -> None:
    assert locks.__all__ == ["Event"]


def test_no_loop_at_construction() -> None:
    event = Event()
    assert not event.is_set()
    with pytest.raises(RuntimeError, match="no loop is running"):
        event.loop  # noqa: B018


def test_explicit_loop_owns_the_event() -> None:
    loop = asyncio.new_event_loop()
    try:
        event = Event(loop=loop)
        assert event.loop is loop
    finally:
        loop.close()


def test_loop_like_stand_in_is_accepted() -> None:
    # As in the original (and as Service(loop=...) does): tests pass a mock
    # for the loop.  Anything with callable create_task and call_soon will do.
    stand_in = Mock()
    event = Event(loop=stand_in)
    assert event.loop is stand_in
    event.set()
    assert event.is_set()
    event.clear()
    assert not event.is_set()
    spec_mock = Mock(spec=asyncio.AbstractEventLoop)
    assert Event(loop=spec_mock).loop is spec_mock
    duck: Any = SimpleNamespace(create_task=print, call_soon=print)
    assert Event(loop=duck).loop is duck


@pytest.mark.parametrize(
    "not_a_loop",
    [
        "loop",
        5,
        object(),
        SimpleNamespace(create_task=print),  # no call_soon
        SimpleNamespace(call_soon=print),  # no create_task
        SimpleNamespace(create_task=1, call_soon=1),  # not callable
    ],
    ids=["str", "int", "object", "no-call_soon", "no-create_task", "not-callable"],
)
def test_non_loop_is_refused(not_a_loop: Any) -> None:
    with pytest.raises(TypeError, match=r"Event\(loop=\.\.\.\) must be an event loop"):
        Event(loop=not_a_loop)


async def test_wait_on_a_stand_in_loop_raises_at_once() -> None:
    # A stand-in never runs: waiting on it could only hang.
    event = Event(loop=Mock())
    with pytest.raises(RuntimeError, match="belongs to loop"):
        await event.wait()
    event.set()
    assert await event.wait() is True  # set: no loop needed


async def test_set_threadsafe_goes_through_the_stand_in() -> None:
    stand_in = Mock()
    event = Event(loop=stand_in)
    event.set_threadsafe()
    stand_in.call_soon_threadsafe.assert_called_once_with(event.set)
    assert not event.is_set()  # the stand-in did not run the call


def test_repr() -> None:
    event = Event()
    assert repr(event).startswith("<Event at 0x")
    assert repr(event).endswith("[unset, waiters:0]>")
    event.set()
    assert repr(event).endswith("[set, waiters:0]>")


async def test_repr_counts_waiters() -> None:
    event = Event()
    waiter = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    assert repr(event).endswith("[unset, waiters:1]>")
    event.set()
    assert await waiter is True
    assert repr(event).endswith("[set, waiters:0]>")


async def test_binds_lazily_to_running_loop() -> None:
    event = Event()
    assert event.loop is asyncio.get_running_loop()


async def test_wait_binds_to_running_loop() -> None:
    event = Event()
    event.set()
    assert await event.wait() is True  # set: returns at once, no binding needed
    event.clear()
    waiter = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    assert event.loop is asyncio.get_running_loop()
    event.set()
    assert await waiter is True


async def test_set_wakes_every_waiter_and_clear_rearms() -> None:
    event = Event()
    waiters = [asyncio.create_task(event.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    event.set()
    event.set()  # idempotent
    assert await asyncio.gather(*waiters) == [True, True, True]
    assert event.is_set()
    event.clear()
    assert not event.is_set()
    again = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not again.done()
    event.set()
    assert await again is True


async def test_cancelled_waiter_is_removed() -> None:
    event = Event()
    waiter = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert "waiters:0" in repr(event)
    event.set()  # does not trip over the cancelled future
    assert event.is_set()


async def test_set_skips_already_cancelled_waiter_future() -> None:
    event = Event()
    waiter = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    waiter.cancel()  # waiter future cancelled; task has not run yet
    event.set()
    with pytest.raises(asyncio.CancelledError):
        await waiter


async def test_wait_from_a_foreign_loop_raises() -> None:
    other = asyncio.new_event_loop()
    try:
        event = Event(loop=other)
        with pytest.raises(RuntimeError, match="belongs to loop"):
            await event.wait()
    finally:
        other.close()


def test_wait_in_second_loop_after_binding_raises() -> None:
    event = Event()

    async def wait_briefly() -> None:
        task = asyncio.create_task(event.wait())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with asyncio.Runner() as runner:
        runner.run(wait_briefly())
    with asyncio.Runner() as runner, pytest.raises(RuntimeError, match="owning loop"):
        runner.run(event.wait())


async def test_set_threadsafe_from_owner_thread_sets_at_once() -> None:
    event = Event()
    assert event.loop is asyncio.get_running_loop()
    event.set_threadsafe()
    assert event.is_set()


def test_set_threadsafe_on_unbound_event_sets_flag() -> None:
    event = Event()
    event.set_threadsafe()
    assert event.is_set()


async def test_set_threadsafe_from_a_real_thread_wakes_waiter() -> None:
    event = Event()
    waiter = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    called_from: list[int] = []

    def other_thread() -> None:
        called_from.append(threading.get_ident())
        event.set_threadsafe()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert called_from != [threading.get_ident()]
    # The set() was handed to this loop and has not run yet.
    assert not event.is_set()
    assert await waiter is True
    assert event.is_set()


def test_set_threadsafe_wakes_loop_running_in_another_thread() -> None:
    # The ServiceThread case: the event belongs to a loop in another thread.
    loop = asyncio.new_event_loop()
    event = Event(loop=loop)
    waiting = threading.Event()
    result: list[bool] = []

    async def wait_for_it() -> None:
        waiter = asyncio.ensure_future(event.wait())
        await asyncio.sleep(0)
        waiting.set()
        result.append(await waiter)

    thread = threading.Thread(target=loop.run_until_complete, args=(wait_for_it(),))
    thread.start()
    try:
        assert waiting.wait(timeout=10)
        event.set_threadsafe()
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert result == [True]
    finally:
        loop.close()


def test_set_threadsafe_on_closed_loop_raises() -> None:
    loop = asyncio.new_event_loop()
    event = Event(loop=loop)
    loop.close()
    with pytest.raises(RuntimeError, match="closed"):
        event.set_threadsafe()


async def test_wait_sees_flag_set_while_binding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Simulates set_threadsafe() from another thread winning the race with
    # the first wait(): the flag is set just before the binding completes.
    original = Event._bind

    def racing_bind(
        self: Event, running: asyncio.AbstractEventLoop
    ) -> asyncio.AbstractEventLoop:
        self.set_threadsafe()  # unbound: only sets the flag
        return original(self, running)

    monkeypatch.setattr(Event, "_bind", racing_bind)
    event = Event()
    assert await event.wait() is True
    assert "waiters:0" in repr(event)


def test_bind_keeps_first_loop() -> None:
    first = asyncio.new_event_loop()
    second = asyncio.new_event_loop()
    try:
        event = Event(loop=first)
        assert event._bind(second) is first
    finally:
        first.close()
        second.close()


async def test_set_threadsafe_loses_race_to_binding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Simulates a first wait() binding the event in another thread while
    # set_threadsafe() waits for the lock: it must then go through the loop.
    event = Event()
    loop = asyncio.get_running_loop()

    class BindingLock:
        def __enter__(self) -> None:
            event._loop = loop

        def __exit__(self, *exc_info: object) -> None:
            return None

    monkeypatch.setattr(locks, "_bind_lock", BindingLock())
    event.set_threadsafe()
    assert event.is_set()
