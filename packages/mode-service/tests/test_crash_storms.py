"""Crash storms: 1,000 crashes under every strategy, escalation through levels.

``test_supervisors_api.py`` has the 1,000-crash storm of a lone child under
:class:`OneForOneSupervisor` (with its memory bound).  Here the storm hits a
child among siblings under each restarting strategy, the forfeit and crashing
strategies show their documented behaviour crash after crash, and a storm of
exactly 1,000 crashes escalates through three levels of supervisors, each
allowing exactly ``max_restarts`` restarts.  No real time passes: the
supervisors read a :class:`ManualClock` that each crash moves on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import pytest

from mode.exceptions import MaxRestartsExceeded
from mode.services import Service
from mode.supervisors import (
    CrashingSupervisor,
    ForfeitOneForAllSupervisor,
    ForfeitOneForOneSupervisor,
    OneForAllSupervisor,
    OneForOneSupervisor,
    RestForOneSupervisor,
    SupervisorStrategy,
)

STORM = 1000
#: Virtual seconds between two crashes: exact in binary, 8 per second.
TICK = 0.125
#: A generous intensity: 100 restarts per second, while a storm makes 8.
MAX_RESTARTS = 100
OVER = 1.0
#: Crashes of the children log their tracebacks here (silenced in storms).
STORM_LOGGER = logging.getLogger("mode.tests.crash_storms")


# -- shared helpers ----------------------------------------------------------


class ManualClock:
    """A supervisor clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = TICK) -> None:
        self.now += seconds


class Child(Service):
    """Counts its starts and stops."""

    logger = STORM_LOGGER

    def __init__(self, name: str) -> None:
        self.name = name
        self.starts = 0
        self.stops = 0
        super().__init__()

    async def on_start(self) -> None:
        self.starts += 1

    async def on_stop(self) -> None:
        self.stops += 1

    def _repr_name(self) -> str:
        return f"Child-{self.name}"


class Crasher(Child):
    """Crashes from a task right after each start, ``crashes`` times in all.

    Each crash moves ``clock`` on by :data:`TICK`.  Once calm (every crash
    spent), a start sets :attr:`calm`.
    """

    def __init__(self, name: str, crashes: int, clock: ManualClock) -> None:
        super().__init__(name)
        self.crashes_left = crashes
        self.crashed_times = 0
        self.clock = clock
        self.calm = asyncio.Event()

    @Service.task
    async def _explode(self) -> None:
        if self.crashes_left <= 0:
            self.calm.set()
            return
        self.crashes_left -= 1
        self.crashed_times += 1
        self.clock.tick()
        raise RuntimeError(f"storm crash {self.crashed_times}")


async def until_equal(get: Callable[[], object], want: object, what: str) -> None:
    """Yield to the loop until ``get() == want`` (bounded: 5 s of loop time)."""
    try:
        async with asyncio.timeout(5.0):
            while get() != want:
                await asyncio.sleep(0)
    except TimeoutError:
        raise AssertionError(
            f"timed out waiting for {what}: want {want!r}, got {get()!r}"
        ) from None


async def until(pred: Callable[[], bool], what: str) -> None:
    """Yield to the loop until ``pred()`` holds (bounded as :func:`until_equal`)."""
    await until_equal(pred, True, what)


@contextlib.asynccontextmanager
async def storm_conditions() -> AsyncIterator[None]:
    """Run a storm fast and check that it leaves no task behind.

    Asyncio debug mode (a stack kept per callback: ten times slower) is off
    and the children's crash tracebacks are not logged while the storm runs.
    """
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    level = STORM_LOGGER.level
    baseline = asyncio.all_tasks()
    loop.set_debug(False)
    STORM_LOGGER.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        loop.set_debug(debug)
        STORM_LOGGER.setLevel(level)
    for _ in range(10):  # done-callbacks of the last stops
        await asyncio.sleep(0)
    left = asyncio.all_tasks() - baseline
    assert not left, f"tasks left behind: {sorted(t.get_name() for t in left)}"


async def assert_bookkeeping_bounded(sup: SupervisorStrategy) -> None:
    """One watcher per child at most, no stop task kept, a bounded window."""
    for _ in range(5):  # done-callbacks of the last stops
        await asyncio.sleep(0)
    assert len(sup._watchers) <= len(sup._services)
    assert not sup._stopping
    assert len(sup._restart_times) <= sup.max_restarts


# -- 1,000 crashes under each restarting strategy ------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("strategy", "expected_starts"),
    [
        # a, b (the crasher), c: how often each one started in the end.
        (OneForOneSupervisor, (1, STORM + 1, 1)),
        (OneForAllSupervisor, (STORM + 1, STORM + 1, STORM + 1)),
        (RestForOneSupervisor, (1, STORM + 1, STORM + 1)),
    ],
    ids=["one_for_one", "one_for_all", "rest_for_one"],
)
async def test_a_thousand_crashes_among_siblings(
    strategy: type[SupervisorStrategy], expected_starts: tuple[int, int, int]
) -> None:
    clock = ManualClock()
    a, c = Child("a"), Child("c")
    b = Crasher("b", STORM, clock)
    sup = strategy(a, b, c, clock=clock, max_restarts=MAX_RESTARTS, over=OVER)
    async with storm_conditions():
        async with sup:
            await asyncio.wait_for(b.calm.wait(), timeout=60)
            assert b.crashed_times == STORM
            assert (a.starts, b.starts, c.starts) == expected_starts
            assert not sup.crashed
            assert [s.state for s in sup.status()] == ["running"] * 3
            restarted = [n - 1 for n in expected_starts]
            assert [s.restart_count for s in sup.status()] == restarted
            assert "storm crash 1000" in str(sup.status()[1].last_crash)
            # A group restart counts once: one restart per crash, and the
            # last second of virtual time holds exactly 1 / TICK of them.
            assert sup.recent_restarts == int(1.0 / TICK)
            await assert_bookkeeping_bounded(sup)
        # Every start was matched by a stop (the last by the supervisor's).
        assert (a.stops, b.stops, c.stops) == expected_starts


# -- forfeit and crashing strategies under repeated crashes --------------------


@pytest.mark.slow
async def test_forfeit_one_for_one_gives_up_on_each_crash_only_that_child(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """1,000 times: the crasher is given up (stopped, never restarted by the
    supervisor, one critical log); its siblings are never touched.  Revived
    by hand with ``restart_service`` each time."""
    clock = ManualClock()
    a, c = Child("a"), Child("c")
    b = Crasher("b", STORM, clock)
    sup = ForfeitOneForOneSupervisor(
        a, b, c, clock=clock, max_restarts=MAX_RESTARTS, over=OVER
    )
    async with storm_conditions(), sup:
        for crash in range(1, STORM + 1):
            await until_equal(
                lambda: (sup.status()[1].given_up, b.stops),
                (True, crash),
                f"crash {crash} given up",
            )
            for _ in range(3):  # it stays down: nothing restarts it
                await asyncio.sleep(0)
            assert b.starts == crash
            assert b.crashed
            if crash < STORM:
                await sup.restart_service(b)  # the operator revives it
        assert b.crashed_times == STORM
        assert (a.starts, c.starts, a.stops, c.stops) == (1, 1, 0, 0)
        assert [s.given_up for s in sup.status()] == [False, True, False]
        assert not sup.crashed
        assert sup.state == "running"
        await assert_bookkeeping_bounded(sup)
    giving_up = [r for r in caplog.records if "Giving up" in r.getMessage()]
    assert len(giving_up) == STORM  # once per crash, not per wakeup
    assert all(r.levelno == logging.CRITICAL for r in giving_up)
    assert all("Child-b" in r.getMessage() for r in giving_up)


@pytest.mark.slow
async def test_forfeit_one_for_all_stops_everyone_on_each_crash(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """1,000 times: one crash stops and gives up every child; only a restart
    of the supervisor brings them back."""
    clock = ManualClock()
    a, c = Child("a"), Child("c")
    b = Crasher("b", STORM, clock)
    sup = ForfeitOneForAllSupervisor(
        a, b, c, clock=clock, max_restarts=MAX_RESTARTS, over=OVER
    )
    async with storm_conditions():
        await sup.start()
        try:
            for crash in range(1, STORM + 1):
                await until(
                    lambda: all(s.given_up for s in sup.status()),
                    f"crash {crash}: all given up",
                )
                await until_equal(
                    lambda: (a.stops, b.stops, c.stops),
                    (crash, crash, crash),
                    f"crash {crash}: all stopped",
                )
                assert (a.starts, b.starts, c.starts) == (crash, crash, crash)
                assert sup.state == "running"
                assert sup.recent_restarts == 0  # giving up restarts nothing
                if crash < STORM:
                    await sup.restart()
            await assert_bookkeeping_bounded(sup)
        finally:
            await sup.stop()
    assert b.crashed_times == STORM
    giving_up = [r for r in caplog.records if "Giving up on all" in r.getMessage()]
    assert len(giving_up) == STORM


@pytest.mark.slow
async def test_crashing_supervisor_escalates_every_crash_to_its_parent() -> None:
    """1,000 times: the crashing supervisor never restarts the child; it
    stops both children and crashes with the child's reason, and its own
    (generous) supervisor restarts it with its children."""
    clock = ManualClock()
    a = Child("a")
    b = Crasher("b", STORM, clock)
    inner = CrashingSupervisor(a, b, clock=clock)
    outer = OneForOneSupervisor(
        inner, clock=clock, max_restarts=MAX_RESTARTS, over=OVER
    )
    async with storm_conditions(), outer:
        await asyncio.wait_for(b.calm.wait(), timeout=60)
        assert b.crashed_times == STORM
        assert (a.starts, b.starts) == (STORM + 1, STORM + 1)
        assert (a.stops, b.stops) == (STORM, STORM)
        # Each crash was one restart of the inner supervisor by the
        # outer one, none of the child by the inner one.
        assert outer.status()[0].restart_count == STORM
        assert [s.restart_count for s in inner.status()] == [0, 0]
        assert "storm crash 1000" in str(outer.status()[0].last_crash)
        assert inner.state == "running"
        assert not outer.crashed
        await assert_bookkeeping_bounded(outer)
        await assert_bookkeeping_bounded(inner)


# -- escalation through three levels: the intensity limit holds exactly --------


@pytest.mark.slow
@pytest.mark.parametrize(
    "strategy",
    [OneForOneSupervisor, OneForAllSupervisor, RestForOneSupervisor],
    ids=["one_for_one", "one_for_all", "rest_for_one"],
)
async def test_escalation_through_three_levels_is_exact(
    strategy: type[SupervisorStrategy],
) -> None:
    """top > middle > bottom > leaf, each allowing exactly K = 9 restarts.

    The clock stands still, so every restart falls in every window.  The
    bottom escalates on every 10th leaf crash, the middle on every 10th
    bottom escalation (100th leaf crash), the top on every 10th middle
    escalation: the 1,000th leaf crash, not one earlier, takes the root down.
    A restarted supervisor starts with a fresh allowance (as in OTP).
    """
    k = 9
    clock = ManualClock()
    leaf = Child("leaf")
    bottom = strategy(leaf, max_restarts=k, over=60.0, clock=clock)
    middle = strategy(bottom, max_restarts=k, over=60.0, clock=clock)
    top = strategy(middle, max_restarts=k, over=60.0, clock=clock)
    root = Service()
    root.add_dependency(top)
    crashes = (k + 1) ** 3
    assert crashes == STORM
    async with storm_conditions():
        await root.start()
        try:
            for crash in range(1, crashes + 1):
                await leaf.crash(RuntimeError(f"leaf crash {crash}"))
                if crash == crashes:
                    break
                await until_equal(
                    lambda: (leaf.starts, leaf.state),
                    (crash + 1, "running"),
                    f"leaf back after crash {crash}",
                )
                assert not root.crashed, f"escalated too early, at crash {crash}"
                # Exactly the restarts of each level so far, none more.
                assert bottom.status()[0].restart_count == crash - crash // 10
                assert middle.status()[0].restart_count == crash // 10 - crash // 100
                assert top.status()[0].restart_count == crash // 100
                assert bottom.recent_restarts == crash % 10
                assert middle.recent_restarts == (crash // 10) % 10
                assert top.recent_restarts == crash // 100
            await until(lambda: root.crashed, "the 1,000th crash reaches the root")
            reason = root.crash_reason
            assert isinstance(reason, MaxRestartsExceeded)
            assert top.crashed
            assert top.crash_reason is reason
            assert "max_restarts=9" in str(reason)
            assert "9 restarts in the last 60 s" in str(reason)
            # Escalation stops what is below before crashing.
            assert leaf.starts == leaf.stops == crashes
            assert bottom.state != "running"
            assert middle.state != "running"
            for sup in (top, middle, bottom):
                await assert_bookkeeping_bounded(sup)
        finally:
            await root.stop()
