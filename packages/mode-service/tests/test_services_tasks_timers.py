"""Background work: @task, @timer, @crontab, add_future, sleep, itertimer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest

from mode.services import Service, ServiceTask, crontab, task, timer
from mode.utils import cron


async def test_task_runs_on_every_start() -> None:
    runs: list[int] = []

    class S(Service):
        @Service.task
        async def _bg(self) -> None:
            runs.append(self.restart_count)

    s = S()
    for _ in range(2):
        async with s:
            await asyncio.sleep(0)
    assert runs == [0, 1]


async def test_tasks_are_inherited_and_overridden_by_name() -> None:
    runs: list[str] = []

    class A(Service):
        @Service.task
        async def _one(self) -> None:
            runs.append("A._one")

        @Service.task
        async def _two(self) -> None:
            runs.append("A._two")  # pragma: no cover - overridden

        @Service.task
        async def _three(self) -> None:
            runs.append("A._three")  # pragma: no cover - overridden

    class B(A):  # a plain method overriding a task removes the task
        @Service.task
        async def _two(self) -> None:
            runs.append("B._two")

        async def _three(self) -> None:  # type: ignore[override]
            runs.append("B._three")  # pragma: no cover - not a task

    async with B():
        await asyncio.sleep(0)
    assert sorted(runs) == ["A._one", "B._two"]
    assert B._task_names == ("_one", "_two")


async def test_service_task_object() -> None:
    async def fun(obj: Any) -> str:
        return f"ran {obj}"

    st = task(fun)
    assert isinstance(st, ServiceTask)
    assert await st("x") == "ran x"
    assert repr(st) == repr(fun)
    with pytest.raises(TypeError, match="decorates an async method"):
        Service.task(42)  # type: ignore[arg-type]


async def test_timer_first_call_after_one_interval() -> None:
    loop = asyncio.get_running_loop()
    calls: list[float] = []
    ticked = asyncio.Event()

    class S(Service):
        @timer(0.02)
        async def _tick(self) -> None:
            calls.append(loop.time())
            if len(calls) == 2:
                ticked.set()

    async with S():
        started = loop.time()
        await ticked.wait()
    assert calls[0] - started >= 0.015
    assert calls[1] - calls[0] >= 0.015


async def test_timer_exec_first_calls_at_once() -> None:
    loop = asyncio.get_running_loop()
    calls: list[float] = []
    first = asyncio.Event()

    class S(Service):
        @Service.timer(timedelta(seconds=30), exec_first=True, name="custom")
        async def _tick(self) -> None:
            calls.append(loop.time())
            first.set()

    async with S():
        started = loop.time()
        await first.wait()
    assert calls[0] - started < 1.0
    assert len(calls) == 1  # the next one would be 30 s later: stopped first


@pytest.mark.parametrize("interval", [0, -1, 0.0, "0"])
def test_timer_interval_must_be_positive(interval: Any) -> None:
    with pytest.raises(ValueError, match="positive"):
        Service.timer(interval)


def test_timer_interval_must_be_seconds() -> None:
    with pytest.raises(TypeError):
        Service.timer([1])  # type: ignore[arg-type]


async def test_timer_exception_crashes_the_service() -> None:
    class S(Service):
        @Service.timer(0.001)
        async def _tick(self) -> None:
            raise ValueError("tick failed")

    s = S()
    await s.start()
    await s.wait_until_stopped()
    assert s.crashed
    assert isinstance(s.crash_reason, ValueError)
    await s.stop()


async def test_crontab_runs_on_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []
    ran = asyncio.Event()

    class S(Service):
        @crontab("* * * * *")
        async def _cron(self) -> None:
            runs.append(1)
            ran.set()

    monkeypatch.setattr(cron, "secs_for_next", lambda fmt, tz=None: 0.0)
    async with S():
        await ran.wait()
    assert runs


async def test_crontab_skips_the_call_when_stopped_while_sleeping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs: list[int] = []

    class S(Service):
        @Service.crontab("0 0 * * *")
        async def _cron(self) -> None:
            runs.append(1)  # pragma: no cover - stopped before it runs

    monkeypatch.setattr(cron, "secs_for_next", lambda fmt, tz=None: 3600.0)
    async with S():
        await asyncio.sleep(0)
    assert runs == []


def test_crontab_rejects_a_bad_expression_at_decoration() -> None:
    with pytest.raises(ValueError):
        Service.crontab("not a cron line")


async def test_add_future_names_tasks_after_the_service_and_function() -> None:
    class Pump(Service):
        @Service.task
        async def _drain(self) -> None:
            await asyncio.sleep(10)

        @Service.timer(10.0)
        async def _tick(self) -> None:
            pass

    s = Pump()
    await s.start()
    try:
        names = sorted(f.get_name() for f in s._futures if isinstance(f, asyncio.Task))
        assert names == [
            f"Pump:{Pump.__qualname__}._drain",
            f"Pump:{Pump.__qualname__}._tick",
        ]
        waiter = asyncio.get_running_loop().create_future()
        fut = s.add_future(waiter)
        assert isinstance(fut, asyncio.Task)
        assert fut.get_name() == "Pump:Future"
        waiter.set_result(None)
    finally:
        await s.stop()


async def test_add_future_names_owns_and_forgets_the_task() -> None:
    s = Service()
    done = asyncio.Event()

    async def work() -> None:
        done.set()

    coro = work()
    fut = s.add_future(coro)
    assert isinstance(fut, asyncio.Task)
    # Named after its owner and the coroutine (aiomonitor's ps shows it).
    assert fut.get_name() == f"Service:{work.__qualname__}"
    assert getattr(fut, "__wrapped__") is coro  # noqa: B009
    assert fut in s._futures
    await fut
    await asyncio.sleep(0)
    assert fut not in s._futures


async def test_add_future_rejects_non_awaitables() -> None:
    def sync() -> None:
        pass

    with pytest.raises(TypeError, match=r"call the async function"):
        Service().add_future(sync)  # type: ignore[arg-type]


def test_add_future_without_a_loop_closes_the_coroutine() -> None:
    async def work() -> None:  # pragma: no cover - never runs
        pass

    with pytest.raises(RuntimeError, match="no event loop"):
        Service().add_future(work())
    # warnings are errors: an unclosed coroutine would fail this test


async def test_add_future_accepts_other_awaitables() -> None:
    s = Service()
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task_ = s.add_future(fut)
    fut.set_result(1)
    await task_
    assert not s._futures


async def test_cancelled_task_is_swallowed_with_a_mundane_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    s = Service()
    await s.start()
    started = asyncio.Event()

    async def waits() -> None:
        started.set()
        await asyncio.Event().wait()

    fut = s.add_future(waits())
    await started.wait()
    fut.cancel()
    await fut  # the future never fails
    assert not fut.cancelled()
    assert "Terminating cancelled task" in caplog.text
    assert not s.crashed
    await s.stop()


async def test_event_loop_closed_error_is_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    s = Service()

    async def closing() -> None:
        raise RuntimeError("Event loop is closed")

    await s.add_future(closing())
    assert not s.crashed
    assert "Cancelled task" in caplog.text


async def test_other_runtime_errors_crash() -> None:
    s = Service()

    async def failing() -> None:
        raise RuntimeError("other")

    await s.add_future(failing())
    assert s.crashed


async def test_system_exit_in_a_task_crashes_the_service() -> None:
    s = Service()

    async def exiting() -> None:
        raise SystemExit(3)

    await s.add_future(exiting())
    assert isinstance(s.crash_reason, SystemExit)


async def test_sleep_returns_at_once_on_stop() -> None:
    s = Service()
    await s.start()
    sleeper = asyncio.create_task(s.sleep(3600))
    await asyncio.sleep(0)
    await s.stop()
    await asyncio.wait_for(sleeper, 5)
    await s.sleep(3600)  # already stopped: returns at once


async def test_sleep_returns_at_once_on_crash() -> None:
    # Decision: crash wakes sleep() too (the original slept on).
    s = Service()
    await s.start()
    sleeper = asyncio.create_task(s.sleep(3600))
    await asyncio.sleep(0)
    await s.crash(ValueError("x"))
    await asyncio.wait_for(sleeper, 5)
    await s.stop()


async def test_sleep_sleeps_and_accepts_seconds_forms() -> None:
    s = Service()
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await s.sleep("0.01")
    await s.sleep(timedelta(milliseconds=10))
    assert loop.time() - t0 >= 0.015
    assert not s._halt_waiters
    with pytest.raises(TypeError):
        await s.sleep([1])  # type: ignore[arg-type]


async def test_sleep_cancelled_cleans_up() -> None:
    s = Service()
    sleeper = asyncio.create_task(s.sleep(3600))
    await asyncio.sleep(0)
    sleeper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sleeper
    assert not s._halt_waiters


async def test_itertimer_yields_until_stopped() -> None:
    s = Service()
    await s.start()
    seen: list[float] = []
    async for slept in s.itertimer(0.001, name="t"):
        seen.append(slept)
        if len(seen) == 3:
            await s.stop()
    assert len(seen) == 3
    assert all(x >= 0 for x in seen)


async def test_itertimer_returns_at_once_when_stopping() -> None:
    s = Service()
    await s.stop()
    assert [x async for x in s.itertimer(1.0)] == []


async def test_itertimer_uses_the_given_sleep_and_breaks_after_it() -> None:
    s = Service()
    await s.start()
    slept: list[float] = []

    async def fake_sleep(secs: float) -> None:
        slept.append(secs)
        if len(slept) == 2:
            s._stopped_set()

    values = [x async for x in s.itertimer(5.0, sleep=fake_sleep)]
    assert len(values) == 1
    assert len(slept) == 2
    await s.stop()


async def test_itertimer_reads_the_given_clock() -> None:
    s = Service()
    await s.start()
    now = [500.0]
    slept: list[float] = []

    def clock() -> float:
        return now[0]

    async def fake_sleep(secs: float) -> None:
        slept.append(secs)
        now[0] += secs + 0.25  # a quarter second late every time
        if len(slept) == 3:
            s._stopped_set()

    async for _ in s.itertimer(1.0, sleep=fake_sleep, clock=clock):
        pass
    # Deadlines 501, 502 on the given clock: each sleep absorbs the lateness.
    assert slept == [1.0, 0.75, 0.75]
    await s.stop()


async def test_tracebacks_show_running_tasks() -> None:
    s = Service()
    entered = asyncio.Event()

    async def parked_here() -> None:
        entered.set()
        await asyncio.Event().wait()

    await s.start()
    fut = s.add_future(parked_here())
    await entered.wait()
    tbs = s.tracebacks()
    assert list(tbs) == [fut.get_name()]
    assert "parked_here" in tbs[fut.get_name()]
    text = s.human_tracebacks()
    assert text.startswith(fut.get_name() + "\n" + "=" * len(fut.get_name()))
    await s.stop()
    assert s.tracebacks() == {}


async def test_stop_from_one_of_several_own_tasks_waits_for_the_others() -> None:
    order: list[str] = []

    class S(Service):
        @Service.task
        async def _other(self) -> None:
            await self.wait_until_stopped()
            order.append("other ended")

        @Service.task
        async def _stopper(self) -> None:
            await asyncio.sleep(0)  # both tasks are running now
            await self.stop()  # must not wait for this very task
            order.append("stop returned")

    s = S()
    await s.start()
    (stopper,) = [
        t
        for t in s._futures
        if isinstance(t, asyncio.Task) and "_stopper" in t.get_name()
    ]
    await asyncio.wait_for(asyncio.wait([stopper]), timeout=5)
    assert order == ["other ended", "stop returned"]
    assert stopper.cancelled()  # the stop ends the task that called it
    assert not s._futures


async def test_awaitable_cancelled_before_it_ran_is_forgotten() -> None:
    s = Service()
    waited: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task_ = s.add_future(waited)  # not a coroutine: nothing to close
    task_.cancel()
    await asyncio.gather(task_, return_exceptions=True)
    await asyncio.sleep(0)  # the done callback runs on the next iteration
    assert not s._futures
    assert not waited.cancelled()  # the caller's future is left alone
    waited.cancel()


async def test_itertimer_builds_the_timer_named_in_mode_services() -> None:
    # faust's tests patch mode.services.Timer, which the original's itertimer
    # called: the name is looked up when itertimer runs.
    import mode.services
    import mode.timers

    assert mode.services.Timer is mode.timers.Timer
    s = Service()
    await s.start()
    with patch("mode.services.Timer") as fake:

        async def ticks(*args: Any, **kwargs: Any) -> AsyncIterator[float]:
            for value in (0.1, 0.2, 0.3):
                yield value

        fake.side_effect = ticks
        got = [x async for x in s.itertimer(5.0, name="t")]
    assert got == [0.1, 0.2, 0.3]
    ((interval,), kwargs) = fake.call_args
    assert interval == 5.0
    assert kwargs["name"] == "t"
    assert kwargs["max_drift_correction"] == 0.1
    assert kwargs["sleep"] == s.sleep
    assert mode.services.Timer is mode.timers.Timer
    await s.stop()


async def test_a_timer_method_uses_the_patched_timer() -> None:
    import mode.services

    calls: list[str] = []
    done = asyncio.Event()

    class Ticking(Service):
        @Service.timer(3600.0)
        async def _tick(self) -> None:
            calls.append("tick")
            if len(calls) == 2:
                done.set()

    async def ticks(*args: Any, **kwargs: Any) -> AsyncIterator[float]:
        yield 0.0
        yield 0.0

    with patch.object(mode.services, "Timer", ticks):
        async with Ticking():
            await asyncio.wait_for(done.wait(), 5)
    assert calls == ["tick", "tick"]
