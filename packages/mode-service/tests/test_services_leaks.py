"""Structured concurrency: no orphan tasks, warnings or memory growth."""

from __future__ import annotations

import asyncio
import gc
import logging
import tracemalloc
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from mode.services import Service


class Busy(Service):
    """A service with every kind of background work."""

    @Service.task
    async def _task(self) -> None:
        while not self.should_stop:
            await self.sleep(3600)

    @Service.timer(3600)
    async def _timer(self) -> None:  # pragma: no cover - never fires
        pass

    async def on_start(self) -> None:
        self.add_future(asyncio.Event().wait())


def _service_tasks() -> set[asyncio.Task[object]]:
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current}


async def test_start_then_stop_at_once_leaves_nothing_behind() -> None:
    # Tasks are cancelled before they ever ran: their coroutines must be
    # closed, not reported "never awaited" (warnings are errors here).
    s = Busy()
    await s.start()
    await s.stop()
    s2 = Busy()
    s2.add_future(asyncio.sleep(3600))
    await s2.stop()
    gc.collect()
    assert _service_tasks() == set()


async def test_cancel_before_start_closes_the_coroutine() -> None:
    s = Service()
    fut = s.add_future(asyncio.sleep(3600))
    fut.cancel()
    await asyncio.gather(fut, return_exceptions=True)
    gc.collect()


async def test_start_stop_cycles_leave_no_task_behind() -> None:
    s = Busy()
    children = [s.add_dependency(Service()) for _ in range(3)]
    for _ in range(100):
        await s.start()
        await s.stop()
        s.service_reset()
    assert _service_tasks() == set()
    assert not s._futures
    assert not s._halt_waiters
    assert all(c.restart_count == 100 for c in children)


async def _cycles(s: Service, n: int) -> None:
    for _ in range(n):
        async with s:
            pass


def _run(loop_factory: str, main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    logger = logging.getLogger(__name__)
    logger.setLevel(logging.WARNING)  # no "Starting..." records kept by caplog
    try:
        if loop_factory == "uvloop":
            uvloop = pytest.importorskip("uvloop")
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(main())
        else:
            asyncio.run(main())
    finally:
        logger.setLevel(logging.NOTSET)


@pytest.mark.parametrize("loop_factory", ["asyncio", "uvloop"])
def test_ten_thousand_cycles_leak_no_task_and_no_memory(loop_factory: str) -> None:
    async def main() -> None:
        s = Busy()
        s.add_dependency(Service())
        await _cycles(s, 8000)  # also warms up caches and free lists
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            await _cycles(s, 2000)
            gc.collect()
            growth = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        # Bounded: a leak of 32 bytes per cycle would pass 64 kB here.
        assert growth < 64 * 1024, growth
        assert s.restart_count == 10_000
        assert _service_tasks() == set()

    _run(loop_factory, main)
