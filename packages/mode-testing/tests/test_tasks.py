"""wait_all_tasks_blocked: order tasks without sleeping, on every loop."""

from __future__ import annotations

import asyncio

import pytest

from mode.testing import wait_all_tasks_blocked
from mode.testing.tasks import _tasks_runnable


async def test_lets_a_chain_of_tasks_run_to_its_end() -> None:
    order: list[int] = []

    async def stage(n: int, inbox: asyncio.Queue[int], out: asyncio.Queue[int]) -> None:
        while True:
            item = await inbox.get()
            for _ in range(3):
                await asyncio.sleep(0)
            order.append(n)
            await out.put(item)

    queues: list[asyncio.Queue[int]] = [asyncio.Queue() for _ in range(6)]
    tasks = [asyncio.create_task(stage(n, queues[n], queues[n + 1])) for n in range(5)]
    await queues[0].put(1)
    await wait_all_tasks_blocked()
    assert order == [0, 1, 2, 3, 4]
    assert queues[5].qsize() == 1
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_returns_at_once_when_nothing_else_runs() -> None:
    await wait_all_tasks_blocked()


async def test_plain_callbacks_and_due_timers_run_first() -> None:
    loop = asyncio.get_running_loop()
    seen: list[str] = []

    def chain(n: int) -> None:
        seen.append(f"soon{n}")
        if n:
            loop.call_soon(chain, n - 1)

    loop.call_soon(chain, 2)
    loop.call_later(0, seen.append, "later")
    await wait_all_tasks_blocked()
    assert seen.count("later") == 1
    assert "soon0" in seen


async def test_a_task_waiting_on_a_timer_counts_as_blocked() -> None:
    task = asyncio.create_task(asyncio.sleep(3600))
    await wait_all_tasks_blocked()
    assert not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_busy_task_raises_instead_of_hanging() -> None:
    stop = False

    async def spin() -> None:
        while not stop:
            await asyncio.sleep(0)

    task = asyncio.create_task(spin())
    with pytest.raises(RuntimeError, match="never blocks"):
        await wait_all_tasks_blocked(max_iterations=50)
    stop = True
    await task


async def test_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="cushion"):
        await wait_all_tasks_blocked(cushion=-1)
    with pytest.raises(ValueError, match="max_iterations"):
        await wait_all_tasks_blocked(max_iterations=0)


async def test_tasks_runnable_sees_ready_and_blocked_tasks() -> None:
    loop = asyncio.get_running_loop()
    me = asyncio.current_task()
    fut: asyncio.Future[None] = loop.create_future()
    waiter = asyncio.create_task(asyncio.wait_for(fut, None))
    assert _tasks_runnable(loop, me)  # created, not started yet
    await wait_all_tasks_blocked()
    assert not _tasks_runnable(loop, me)  # waits on a pending future
    fut.set_result(None)
    assert _tasks_runnable(loop, me)  # its future is done: about to run
    await waiter


async def test_fallback_without_loop_internals(monkeypatch: pytest.MonkeyPatch) -> None:
    # What uvloop gets: the check through Task._fut_waiter.
    import mode.testing.tasks as tasks_mod

    monkeypatch.setattr(tasks_mod, "_has_internals", lambda loop: False)
    order: list[int] = []
    event = asyncio.Event()

    async def worker(n: int) -> None:
        await event.wait()
        await asyncio.sleep(0)
        order.append(n)

    tasks = [asyncio.create_task(worker(n)) for n in range(3)]
    await wait_all_tasks_blocked()
    assert order == []
    event.set()
    await wait_all_tasks_blocked()
    assert sorted(order) == [0, 1, 2]
    await asyncio.gather(*tasks)


async def test_fallback_gives_up_on_a_busy_task(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mode.testing.tasks as tasks_mod

    monkeypatch.setattr(tasks_mod, "_has_internals", lambda loop: False)
    stop = False

    async def spin() -> None:
        while not stop:
            await asyncio.sleep(0)

    task = asyncio.create_task(spin())
    with pytest.raises(RuntimeError):
        await wait_all_tasks_blocked(max_iterations=5, cushion=0)
    stop = True
    await task
