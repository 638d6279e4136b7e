"""stop() during restart(): the stop wins (issue 15, second pass).

A restart in progress when ``stop()`` is called, and the restarts queued
behind it, are abandoned: once ``stop()`` returns the service is stopped,
none of its tasks runs, and no restart starts it again afterwards.  Each
test parks the restart at one of its steps (the stop, ``on_restart``, the
start) on an event, calls ``stop()`` from another task, and checks the
outcome after the stop returns and again once the restart has ended.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from mode import Service
from mode.threads import ServiceThread


class _Restartable(Service):
    """Records its hooks; each hook can be parked on a gate (an event)."""

    def __post_init__(self) -> None:
        self.hooks: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.entered: dict[str, asyncio.Event] = {}
        self.running = 0
        self.task_began = asyncio.Event()

    def park(self, hook: str) -> tuple[asyncio.Event, asyncio.Event]:
        """Make ``hook`` wait on a gate next time; return (entered, gate)."""
        self.entered[hook], self.gates[hook] = asyncio.Event(), asyncio.Event()
        return self.entered[hook], self.gates[hook]

    async def _hook(self, name: str) -> None:
        self.hooks.append(name)
        gate = self.gates.pop(name, None)
        if gate is not None:
            self.entered.pop(name).set()
            await gate.wait()
        self.hooks.append(f"{name}-done")

    async def on_start(self) -> None:
        await self._hook("on_start")

    async def on_stop(self) -> None:
        await self._hook("on_stop")

    async def on_restart(self) -> None:
        await self._hook("on_restart")

    @Service.task
    async def _work(self) -> None:
        self.running += 1
        self.task_began.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.running -= 1


def _live(service: Service) -> list[asyncio.Future[Any]]:
    return [f for f in service._futures if not f.done()]


async def _stop_from_another_task(service: Service) -> asyncio.Task[None]:
    """Start ``service.stop()`` in a task; return once it is inside stop()."""
    called = asyncio.Event()

    async def _stopper() -> None:
        called.set()
        await service.stop()

    task = asyncio.create_task(_stopper())
    await called.wait()
    return task


def _assert_stopped(s: _Restartable) -> None:
    assert s.should_stop
    assert s.state in ("stopping", "shutdown")
    assert not _live(s)
    assert s.running == 0
    assert s.hooks.count("on_start-done") == s.hooks.count("on_stop-done")


async def _started() -> _Restartable:
    s = _Restartable()
    await s.start()
    await s.task_began.wait()
    return s


async def test_stop_during_the_restarts_stop_step_wins() -> None:
    s = await _started()
    entered, gate = s.park("on_stop")
    restart = asyncio.create_task(s.restart())
    await entered.wait()  # the restart's stop runs on_stop
    stop = await _stop_from_another_task(s)
    gate.set()
    await stop
    _assert_stopped(s)
    hooks_when_stopped = list(s.hooks)
    await restart  # abandoned: ends without starting the service
    assert s.hooks == hooks_when_stopped
    assert s.restart_count == 0  # not even reset
    _assert_stopped(s)


async def test_stop_during_on_restart_waits_for_it_and_wins() -> None:
    s = await _started()
    entered, gate = s.park("on_restart")
    restart = asyncio.create_task(s.restart())
    await entered.wait()
    stop = await _stop_from_another_task(s)
    assert not stop.done()
    gate.set()
    await stop
    # on_restart ended before stop() returned; nothing started after it.
    assert s.hooks[-1] == "on_restart-done"
    _assert_stopped(s)
    await restart
    assert s.hooks[-1] == "on_restart-done"
    assert s.hooks.count("on_start") == 1
    assert s.hooks.count("on_stop") == 1  # on_stop ran once, in the restart
    _assert_stopped(s)


async def test_stop_during_the_restarts_start_wins() -> None:
    s = await _started()
    entered, gate = s.park("on_start")
    restart = asyncio.create_task(s.restart())
    await entered.wait()  # the restart's start runs on_start
    stop = await _stop_from_another_task(s)
    gate.set()
    await stop
    _assert_stopped(s)
    hooks_when_stopped = list(s.hooks)
    await restart
    assert s.hooks == hooks_when_stopped
    _assert_stopped(s)


async def test_restarts_queued_behind_are_abandoned_too() -> None:
    s = await _started()
    entered, gate = s.park("on_restart")
    restarts = [asyncio.create_task(s.restart()) for _ in range(3)]
    await entered.wait()  # the first runs, the two others wait for their turn
    stop = await _stop_from_another_task(s)
    gate.set()
    await stop
    _assert_stopped(s)
    await asyncio.gather(*restarts)
    assert s.restart_count == 1  # only the first got as far as the reset
    assert s.hooks.count("on_restart") == 1
    _assert_stopped(s)


async def test_a_restart_called_after_the_stop_starts_the_service() -> None:
    s = await _started()
    entered, gate = s.park("on_restart")
    restart = asyncio.create_task(s.restart())
    await entered.wait()
    stop = await _stop_from_another_task(s)
    gate.set()
    await stop
    await restart
    s.task_began.clear()
    await s.restart()  # a later call is not abandoned
    await s.task_began.wait()
    assert s.state == "running"
    assert len(_live(s)) == 1
    await s.stop()
    _assert_stopped(s)


async def test_stop_called_by_on_restart_abandons_the_restart() -> None:
    class S(_Restartable):
        async def on_restart(self) -> None:
            await super().on_restart()
            await self.stop()

    s = S()
    await s.start()
    await s.task_began.wait()
    await asyncio.wait_for(s.restart(), 5)
    assert s.hooks.count("on_start") == 1
    _assert_stopped(s)


async def test_a_parent_stop_wins_over_a_child_restarting() -> None:
    parent = Service()
    child = parent.add_dependency(_Restartable())
    await parent.start()
    await child.task_began.wait()
    entered, gate = child.park("on_restart")
    restart = asyncio.create_task(child.restart())
    await entered.wait()
    stop = await _stop_from_another_task(parent)
    gate.set()
    await stop
    _assert_stopped(child)
    await restart
    _assert_stopped(child)
    assert child.hooks.count("on_start") == 1


async def test_concurrent_stops_and_restarts_leave_nothing_running() -> None:
    # Three restarts called, then a stop after 0 to 7 loop iterations, which
    # lands at every step of the restarts: each round ends stopped.
    for round_ in range(24):
        s = await _started()
        called = [asyncio.Event() for _ in range(3)]

        async def _restart(ev: asyncio.Event, s: Service = s) -> None:
            ev.set()
            await s.restart()

        restarts = [asyncio.create_task(_restart(ev)) for ev in called]
        for ev in called:
            await ev.wait()  # each restart() has been called
        for _ in range(round_ % 8):
            await asyncio.sleep(0)  # let the restarts get that far
        await s.stop()
        _assert_stopped(s)
        await asyncio.gather(*restarts)
        _assert_stopped(s)


async def test_stop_during_on_restart_of_a_service_thread_wins() -> None:
    gate = threading.Event()
    entered = asyncio.Event()

    class T(ServiceThread):
        starts = 0

        async def on_start(self) -> None:
            T.starts += 1

        async def on_restart(self) -> None:
            entered.set()
            await asyncio.to_thread(gate.wait, 5)

    s = T()
    await s.start()
    restart = asyncio.create_task(s.restart())
    await entered.wait()
    stop = await _stop_from_another_task(s)
    gate.set()
    await stop
    assert s.should_stop
    await restart
    assert T.starts == 1  # the restart did not start it (nor its thread) again
    assert s._thread is None or not s._thread.is_alive()
    await s.stop()


# Found by race_stop_restart.py: a child restarted while its parent stops.


class _Parent(_Restartable):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.child = self.add_dependency(_Restartable())


async def test_a_child_restart_during_its_parents_stop_does_not_start_it() -> None:
    parent = _Parent()
    await parent.start()
    await parent.child.task_began.wait()
    gate = asyncio.Event()
    entered = asyncio.Event()

    async def on_shutdown() -> None:  # after the children stopped
        entered.set()
        await gate.wait()

    parent.on_shutdown = on_shutdown  # type: ignore[method-assign]
    stop = asyncio.create_task(parent.stop())
    await entered.wait()
    await parent.child.restart()  # its parent is stopping: abandoned
    gate.set()
    await stop
    _assert_stopped(parent)
    _assert_stopped(parent.child)
    await parent.child.restart()  # the parent is stopped: still abandoned
    _assert_stopped(parent.child)
    assert parent.child.hooks.count("on_start") == 1


async def test_a_child_restart_during_its_parents_restart_starts_it_once() -> None:
    parent = _Parent()
    await parent.start()
    await parent.child.task_began.wait()
    entered, gate = parent.park("on_stop")
    restart = asyncio.create_task(parent.restart())
    await entered.wait()  # the parent's restart is stopping it
    child_restart = asyncio.create_task(parent.child.restart())
    gate.set()
    await asyncio.gather(restart, child_restart)
    assert parent.state == parent.child.state == "running"
    assert len(_live(parent.child)) == 1
    await parent.stop()
    _assert_stopped(parent)
    _assert_stopped(parent.child)
