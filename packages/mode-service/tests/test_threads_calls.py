"""QueuedServiceThread.call_thread and MethodQueue: results, errors, cancellation."""

from __future__ import annotations

import asyncio
import random
import threading
import traceback
from typing import Any

import pytest
from support_threads import Flag

from mode.threads import (
    MethodQueue,
    MethodQueueWorker,
    QueuedMethod,
    QueuedServiceThread,
    QueueServiceThread,
)

pytestmark = pytest.mark.usefixtures("no_thread_left")


class FakeRedis:
    """A blocking client that must only be used from the thread that made it."""

    def __init__(self) -> None:
        self.owner = threading.get_ident()
        self.data: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def _check(self) -> None:
        if threading.get_ident() != self.owner:
            raise AssertionError("FakeRedis used from another thread")

    def get(self, key: str) -> bytes | None:
        self._check()
        with self._lock:  # a blocking call
            return self.data.get(key)

    def set(self, key: str, value: bytes) -> None:
        self._check()
        with self._lock:
            self.data[key] = value


class Redis(QueueServiceThread):
    """The changelog's example, as written there (with a fake client)."""

    def __init__(self, **kwargs: Any) -> None:
        self._client: FakeRedis | None = None
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        self._client = FakeRedis()

    async def get(self, key: str) -> bytes | None:
        assert self._client is not None
        return await self.call_thread(self._client.get, key)

    async def set(self, key: str, value: bytes) -> None:
        assert self._client is not None
        await self.call_thread(self._client.set, key, value)


async def test_the_changelog_redis_example_works_as_written() -> None:
    assert QueuedServiceThread is QueueServiceThread
    async with Redis() as redis:
        assert redis._client is not None
        assert redis._thread is not None
        assert redis._client.owner == redis._thread.ident
        assert await redis.get("foo") is None
        await redis.set("foo", b"bar")
        assert await redis.get("foo") == b"bar"
        results = await asyncio.gather(*(redis.get("foo") for _ in range(50)))
        assert results == [b"bar"] * 50


class Calls(QueuedServiceThread):
    def __post_init__(self) -> None:
        self.threads: list[int] = []

    def where(self) -> int:
        self.threads.append(threading.get_ident())
        return threading.get_ident()

    async def where_async(self) -> tuple[int, asyncio.AbstractEventLoop]:
        return threading.get_ident(), asyncio.get_running_loop()


async def test_functions_and_coroutines_run_in_the_service_thread() -> None:
    s = Calls()
    await s.start()
    try:
        assert s._thread is not None
        ident = s._thread.ident
        assert await s.call_thread(s.where) == ident
        assert await s.call_thread(s.where_async) == (ident, s.thread_loop)

        def add(a: int, b: int = 0) -> int:
            return a + b

        assert await s.call_thread(add, 1, b=2) == 3
    finally:
        await s.stop()


def _fails_deep_inside() -> None:
    raise LookupError("no such key")


async def test_an_error_in_a_call_crosses_back_with_its_traceback() -> None:
    async def coro_fails() -> None:
        await asyncio.sleep(0)
        raise ZeroDivisionError("async")

    s = Calls()
    await s.start()
    try:
        with pytest.raises(LookupError, match="no such key") as info:
            await s.call_thread(_fails_deep_inside)
        names = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
        assert "_fails_deep_inside" in names
        with pytest.raises(ZeroDivisionError, match="async") as info2:
            await s.call_thread(coro_fails)
        names = [f.name for f in traceback.extract_tb(info2.value.__traceback__)]
        assert "coro_fails" in names
        # An error in a call is the caller's: the service keeps running.
        assert s.state == "running"
        assert await s.call_thread(s.where) == s._thread.ident  # type: ignore[union-attr]
    finally:
        await s.stop()


async def test_calls_made_from_within_calls_never_deadlock() -> None:
    s = Calls(num_workers=1)

    async def nested(depth: int) -> int:
        if depth == 0:
            return threading.get_ident()
        return await s.call_thread(nested, depth - 1)

    await s.start()
    try:
        assert await s.call_thread(nested, 10) == s._thread.ident  # type: ignore[union-attr]
    finally:
        await s.stop()


async def test_num_workers_calls_run_at_the_same_time() -> None:
    s = Calls(num_workers=3)
    assert s.method_queue.num_workers == 3
    arrived = 0
    everybody: asyncio.Event | None = None

    async def meet() -> int:
        # Returns only once all three calls run at the same time.
        nonlocal arrived, everybody
        if everybody is None:
            everybody = asyncio.Event()  # in the thread's loop
        arrived += 1
        if arrived == 3:
            everybody.set()
        await everybody.wait()
        return arrived

    await s.start()
    try:
        assert await asyncio.gather(*(s.call_thread(meet) for _ in range(3))) == [3] * 3
    finally:
        await s.stop()
    assert len(s.method_queue._workers) == 3
    assert all(isinstance(w, MethodQueueWorker) for w in s.method_queue._workers)
    assert repr(s.method_queue._workers[0]).startswith("<MethodQueueWorker@0")


async def test_cancelling_the_caller_cancels_a_running_coroutine() -> None:
    inside = Flag()
    cancelled_in_thread = Flag()
    seen: list[int] = []

    async def forever() -> None:
        inside.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append(threading.get_ident())
            cancelled_in_thread.set()
            raise

    s = Calls()
    await s.start()
    try:
        caller = asyncio.ensure_future(s.call_thread(forever))
        await inside.wait()
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        await cancelled_in_thread.wait()
        assert seen == [s._thread.ident]  # type: ignore[union-attr]
        # The worker is free again.
        assert await s.call_thread(s.where) == s._thread.ident  # type: ignore[union-attr]
    finally:
        await s.stop()


async def test_cancelling_the_caller_skips_a_queued_call() -> None:
    inside = Flag()
    gate: list[asyncio.Event] = []
    ran: list[str] = []

    async def blocking() -> str:
        gate.append(asyncio.Event())  # of the thread's loop
        inside.set()
        await gate[0].wait()
        return "first"

    def release() -> None:
        if gate:
            s.thread_loop.call_soon_threadsafe(gate[0].set)

    s = Calls(num_workers=1)
    await s.start()
    try:
        first = asyncio.ensure_future(s.call_thread(blocking))
        await inside.wait()  # the only worker is busy
        second = asyncio.ensure_future(s.call_thread(ran.append, "second"))
        # Let second() queue its call, then cancel it while it is queued.
        handed = Flag()
        s.method_queue._port.call_soon(handed.set)
        await handed.wait()
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        release()
        assert await first == "first"
        await s.call_thread(ran.append, "third")
        assert ran == ["third"]
    finally:
        await s.stop()


async def test_a_result_arriving_after_the_caller_was_cancelled_is_dropped() -> None:
    inside = Flag()
    release = threading.Event()

    def blocking(fail: bool) -> str:
        inside.set()
        release.wait(10)
        if fail:
            raise ValueError("nobody hears this")
        return "too late"

    s = Calls()
    await s.start()
    try:
        for fail in (False, True):
            caller = asyncio.ensure_future(s.call_thread(blocking, fail))
            await inside.wait()
            inside._event.clear()
            caller.cancel()  # a plain function cannot be interrupted
            with pytest.raises(asyncio.CancelledError):
                await caller
            release.set()
            assert await s.call_thread(s.where) == s._thread.ident  # type: ignore[union-attr]
            release.clear()
    finally:
        release.set()
        await s.stop()


async def test_calls_when_not_running_raise_runtime_error() -> None:
    s = Calls()
    with pytest.raises(RuntimeError, match="is not running"):
        await s.call_thread(s.where)
    with pytest.raises(RuntimeError, match="is not running"):
        await s.cast_thread(s.where)
    with pytest.raises(TypeError, match="expects a function"):
        await s.call_thread(42)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="expects a function"):
        await s.cast_thread(42)  # type: ignore[arg-type]
    await s.start()
    await s.stop()
    with pytest.raises(RuntimeError, match="is not running"):
        await s.call_thread(s.where)
    # And again after a restart.
    s.service_reset()
    async with s:
        assert await s.call_thread(s.where) == s._thread.ident  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="num_workers"):
        Calls(num_workers=0)
    with pytest.raises(TypeError, match="num_workers"):
        MethodQueue(num_workers=True)


async def test_calls_queued_at_the_stop_run_and_running_ones_get_an_error() -> None:
    inside = Flag()
    ran: list[str] = []

    async def forever() -> None:
        inside.set()
        await asyncio.Event().wait()

    s = Calls(num_workers=1)
    await s.start()
    running = asyncio.ensure_future(s.call_thread(forever))
    await inside.wait()
    queued = asyncio.ensure_future(s.call_thread(ran.append, "queued"))
    handed = Flag()
    s.method_queue._port.call_soon(handed.set)
    await handed.wait()
    await s.stop()
    await queued
    assert ran == ["queued"]
    with pytest.raises(RuntimeError, match="stopped while the call was running"):
        await running


async def test_cast_thread_runs_later_and_its_error_crashes_the_service(
    caplog: pytest.LogCaptureFixture,
) -> None:
    done = Flag()
    s = Calls()
    await s.start()
    await s.cast_thread(done.set)
    await done.wait()

    def boom() -> None:
        raise OSError("cast failed")

    await s.cast_thread(boom)
    async with asyncio.timeout(10):
        await s.wait_until_stopped()
    assert s.crashed
    assert isinstance(s.crash_reason, OSError)
    await s.stop()
    assert "cast failed" in caplog.text


async def test_call_thread_from_the_service_thread_runs_in_place() -> None:
    class Inner(Calls):
        async def on_start(self) -> None:
            # Before the queue runs: in place, in this thread.
            self.early = await self.call_thread(self.where)

    s = Inner()
    await s.start()
    try:
        assert s.early == s._thread.ident  # type: ignore[union-attr]
    finally:
        await s.stop()


async def test_two_thousand_calls_with_random_cancellation_all_settle() -> None:
    rng = random.Random(20240501)
    s = Calls(num_workers=4)
    await s.start()
    parent = asyncio.get_running_loop()
    ran: set[int] = set()
    cancelled_inside: set[int] = set()
    callers: dict[int, asyncio.Task[Any]] = {}

    def plain(i: int) -> int:
        ran.add(i)
        return i * 2

    async def coro(i: int, cancel_self: bool) -> int:
        ran.add(i)
        try:
            if cancel_self:  # cancel the caller while this runs
                parent.call_soon_threadsafe(callers[i].cancel)
                await asyncio.Event().wait()
            await asyncio.sleep(0)
            return i * 2
        except asyncio.CancelledError:
            cancelled_inside.add(i)
            raise

    plan: dict[int, str] = {}
    try:
        for i in range(2000):
            kind = rng.choice(["plain", "coro", "self-cancel", "cancel-now", "later"])
            plan[i] = kind
            if kind == "plain":
                callers[i] = asyncio.ensure_future(s.call_thread(plain, i))
            else:
                callers[i] = asyncio.ensure_future(
                    s.call_thread(coro, i, kind == "self-cancel")
                )
            if kind == "cancel-now":
                callers[i].cancel()
        # Cancel some of the "later" ones at random points of the run.
        later = [i for i, k in plan.items() if k == "later"]
        rng.shuffle(later)
        for n, i in enumerate(later):
            if n % 7 == 0:
                await asyncio.sleep(0)  # random interleaving, not ordering
            callers[i].cancel()
        async with asyncio.timeout(30):
            outcomes = await asyncio.gather(*callers.values(), return_exceptions=True)
        # Every call made afterwards still works: nothing is stuck.
        assert await s.call_thread(plain, -1) == -2
    finally:
        await s.stop()
    for (i, caller), outcome in zip(callers.items(), outcomes, strict=True):
        assert caller.done()
        kind = plan[i]
        if isinstance(outcome, asyncio.CancelledError):
            assert kind in ("self-cancel", "cancel-now", "later"), (i, kind)
        else:
            assert outcome == i * 2, (i, kind, outcome)
            assert kind in ("plain", "coro", "later")
        if kind == "self-cancel":
            assert isinstance(outcome, asyncio.CancelledError)
            assert i in cancelled_inside
        if kind == "cancel-now":
            assert i not in ran  # cancelled before it was handed over
    assert not s.method_queue._running
    assert not s.method_queue._queued


async def test_method_queue_on_its_own_in_one_loop_and_from_another_thread() -> None:
    q = MethodQueue(num_workers=2)
    loop = asyncio.get_running_loop()
    promise: asyncio.Future[Any] = loop.create_future()
    await q.call(promise, lambda: 1)
    with pytest.raises(RuntimeError, match="is not running"):
        await promise
    with pytest.raises(TypeError, match=r"asyncio\.Future"):
        await q.call(object(), print)  # type: ignore[arg-type]
    await q.start()
    try:
        p1: asyncio.Future[Any] = loop.create_future()
        assert await q.call(p1, lambda a: a + 1, 1) is p1
        assert await p1 == 2
        done = Flag()
        await q.cast(done.set)
        await done.wait()

        # From another thread, with a promise of that thread's loop.
        def elsewhere() -> Any:
            async def main() -> Any:
                p: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
                await q.call(p, threading.get_ident)
                return await p

            return asyncio.run(main())

        result: list[Any] = []
        ended = Flag()

        def run_elsewhere() -> None:
            try:
                result.append(elsewhere())
            finally:
                ended.set()

        other = threading.Thread(target=run_elsewhere)
        other.start()
        await ended.wait()  # the queue's loop must keep running meanwhile
        other.join(10)
        assert result == [threading.get_ident()]  # ran in the queue's loop
        item = QueuedMethod(None, print, (), {})
        assert item.promise is None
    finally:
        await q.stop()


async def test_a_cast_dropped_by_a_stopping_queue_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    q = MethodQueue()
    await q.start()
    q._port.close()  # as at the stop: what is handed over now is dropped
    q._queue_put(QueuedMethod(None, print, (), {}))
    promise: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    q._queue_put(QueuedMethod(promise, print, (), {}))
    with pytest.raises(RuntimeError, match="is not running"):
        await promise
    await q.stop()
    assert "Dropped cast call" in caplog.text
