"""mode's own timing under the virtual clock: timers, sleep, supervisor backoff.

Each test lets hours of virtual time pass and checks the exact virtual times
things happened at, and that almost no real time went by.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from mode import Service
from mode.supervisors import Backoff, OneForOneSupervisor
from mode.testing import VirtualClock, running

#: VirtualClock needs asyncio's own loop (uvloop's clock is in C).
pytestmark = pytest.mark.asyncio(loop_factories=["asyncio"])

#: Real seconds a test may take for hours of virtual time (a loaded machine).
REAL_LIMIT = 5.0


class Poller(Service):
    """Polls every minute; records the virtual time of each poll."""

    def __post_init__(self) -> None:
        self.polled_at: list[float] = []

    @Service.timer(60.0)
    async def _poll(self) -> None:
        self.polled_at.append(self.loop.time())


async def test_service_timer_ticks_on_virtual_time(
    virtual_clock: VirtualClock,
) -> None:
    t0 = time.perf_counter()
    async with running(Poller()) as poller:
        start = virtual_clock.time()
        await asyncio.sleep(24 * 3600 + 1)  # a day of polls
    offsets = [t - start for t in poller.polled_at]
    assert len(offsets) == 24 * 60
    assert offsets == [pytest.approx(60.0 * k) for k in range(1, 24 * 60 + 1)]
    assert time.perf_counter() - t0 < REAL_LIMIT


async def test_itertimer_and_sleep_follow_virtual_time(
    virtual_clock: VirtualClock,
) -> None:
    service = Service()
    seen: list[float] = []
    async with running(service):
        start = virtual_clock.time()
        await service.sleep(3600)
        assert virtual_clock.time() - start == pytest.approx(3600)
        async for slept in service.itertimer(30.0, name="half-minute"):
            seen.append(virtual_clock.time() - start)
            assert slept == pytest.approx(30.0)
            if len(seen) == 4:
                break
    assert seen == [pytest.approx(3600 + 30.0 * k) for k in range(1, 5)]


class Flaky(Service):
    """Crashes when told to; counts its starts and announces each one."""

    def __post_init__(self) -> None:
        self.starts = 0
        self.announce = asyncio.Condition()

    async def on_start(self) -> None:
        self.starts += 1
        async with self.announce:
            self.announce.notify_all()

    async def started_at_least(self, n: int) -> None:
        async with self.announce:
            await self.announce.wait_for(lambda: self.starts >= n)


async def test_supervisor_backoff_and_intensity_use_virtual_time(
    virtual_clock: VirtualClock,
) -> None:
    # Restarts 10 virtual seconds apart; at most 2 within 15 s.  On a real
    # clock the three restarts below would all fall within milliseconds and
    # the third would escalate; on the loop's (virtual) clock they are 10 s
    # apart and the window never holds more than one other restart.
    child = Flaky()
    supervisor = OneForOneSupervisor(
        child,
        max_restarts=2,
        over=15.0,
        backoff=Backoff(initial=10.0, factor=1.0, max=10.0, jitter=0.0),
    )
    t0 = time.perf_counter()
    restarted_at: list[float] = []
    async with running(supervisor):
        await child.started_at_least(1)
        start = virtual_clock.time()
        for n in range(2, 5):
            await child.crash(RuntimeError(f"crash {n - 1}"))
            await child.started_at_least(n)
            restarted_at.append(virtual_clock.time() - start)
    assert restarted_at == [pytest.approx(10.0 * k) for k in range(1, 4)]
    assert not supervisor.crashed
    assert time.perf_counter() - t0 < REAL_LIMIT


async def test_backoff_grows_exponentially_in_virtual_seconds(
    virtual_clock: VirtualClock,
) -> None:
    child = Flaky()
    supervisor = OneForOneSupervisor(
        child,
        max_restarts=10,
        over=1.0,
        backoff=Backoff(initial=1.0, factor=2.0, max=8.0, jitter=0.0),
    )
    delays: list[float] = []
    async with running(supervisor):
        await child.started_at_least(1)
        for n in range(2, 7):
            crashed_at = virtual_clock.time()
            await child.crash(RuntimeError("again"))
            await child.started_at_least(n)
            delays.append(virtual_clock.time() - crashed_at)
    assert delays == [pytest.approx(d) for d in (1.0, 2.0, 4.0, 8.0, 8.0)]
