"""Supervisor strategies: which children are restarted, in which order."""

from __future__ import annotations

import asyncio
import logging

import pytest
from support_supervisors import Child, until

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
from mode.types.services import ServiceT


def children(events: list[str], *names: str) -> list[Child]:
    return [Child(name, events) for name in names]


async def test_one_for_one_restarts_only_the_crashed_child() -> None:
    a, b, c = children([], "a", "b", "c")
    sup = OneForOneSupervisor(a, b, c)
    async with sup:
        await b.crash(RuntimeError("boom"))
        await until(lambda: b.starts == 2, "b restarted")
        assert (a.starts, b.starts, c.starts) == (1, 2, 1)
        assert b.state == "running"
        assert [s.restart_count for s in sup.status()] == [0, 1, 0]
        assert sup.recent_restarts == 1
    assert (a.stops, b.stops, c.stops) == (1, 2, 1)


async def test_base_strategy_is_one_for_one() -> None:
    a, b = children([], "a", "b")
    async with SupervisorStrategy(a, b):
        await a.crash(RuntimeError("boom"))
        await until(lambda: a.starts == 2)
        assert b.starts == 1


async def test_one_for_one_restarts_several_crashed_children_each_counted() -> None:
    a, b = children([], "a", "b")
    sup = OneForOneSupervisor(a, b)
    async with sup:
        a._crash(RuntimeError("a"))  # marked crashed without a wakeup
        await b.crash(RuntimeError("b"))
        await until(lambda: a.starts == 2 and b.starts == 2)
        assert sup.recent_restarts == 2


async def test_one_for_all_restarts_everyone_in_order_counted_once() -> None:
    events: list[str] = []
    a, b, c = children(events, "a", "b", "c")
    sup = OneForAllSupervisor(a, b, c)
    async with sup:
        events.clear()
        await b.crash(RuntimeError("boom"))
        await until(lambda: c.starts == 2, "group restarted")
        assert events == [
            "stop:c",
            "stop:b",
            "stop:a",
            "start:a",
            "start:b",
            "start:c",
        ]
        assert sup.recent_restarts == 1
        assert [s.restart_count for s in sup.status()] == [1, 1, 1]
        assert [s.state for s in sup.status()] == ["running"] * 3


async def test_rest_for_one_restarts_the_child_and_later_ones() -> None:
    events: list[str] = []
    a, b, c = children(events, "a", "b", "c")
    sup = RestForOneSupervisor(a, b, c)
    async with sup:
        events.clear()
        await b.crash(RuntimeError("boom"))
        await until(lambda: c.starts == 2, "rest restarted")
        assert events == ["stop:c", "stop:b", "start:b", "start:c"]
        assert (a.starts, b.starts, c.starts) == (1, 2, 2)
        assert sup.recent_restarts == 1


async def test_rest_for_one_last_child_restarts_alone() -> None:
    a, b, c = children([], "a", "b", "c")
    async with RestForOneSupervisor(a, b, c):
        await c.crash(RuntimeError("boom"))
        await until(lambda: c.starts == 2)
        assert (a.starts, b.starts) == (1, 1)


async def test_rest_for_one_first_crashed_child_decides_the_group() -> None:
    a, b, c = children([], "a", "b", "c")
    sup = RestForOneSupervisor(a, b, c)
    async with sup:
        c._crash(RuntimeError("c"))
        await b.crash(RuntimeError("b"))
        await until(lambda: b.starts == 2 and c.starts == 2)
        assert a.starts == 1
        assert sup.recent_restarts == 1


async def test_forfeit_one_for_one_gives_up_on_the_crashed_child(
    caplog: pytest.LogCaptureFixture,
) -> None:
    a, b = children([], "a", "b")
    sup = ForfeitOneForOneSupervisor(a, b)
    async with sup:
        await a.crash(RuntimeError("boom"))
        await until(lambda: a.stops == 1, "a stopped")
        assert b.state == "running"
        assert a.starts == 1
        status = sup.status()
        assert status[0].given_up
        assert not status[1].given_up
        sup.wakeup()  # more wakeups: no restart, no repeated log
        sup.wakeup()
        for _ in range(20):
            await asyncio.sleep(0)
        assert a.starts == 1
    giving_up = [r for r in caplog.records if "Giving up" in r.getMessage()]
    assert len(giving_up) == 1
    assert giving_up[0].levelno == logging.CRITICAL
    assert "Child-a" in giving_up[0].getMessage()


async def test_forfeit_one_for_all_stops_every_child() -> None:
    a, b = children([], "a", "b")
    sup = ForfeitOneForAllSupervisor(a, b)
    async with sup:
        await a.crash(RuntimeError("boom"))
        await until(lambda: a.stops == 1 and b.stops == 1)
        assert all(s.given_up for s in sup.status())
        assert (a.starts, b.starts) == (1, 1)
        assert sup.state == "running"  # the supervisor itself goes on
    assert (a.stops, b.stops) == (1, 1)


async def test_forfeited_children_come_back_when_the_supervisor_restarts() -> None:
    (a,) = children([], "a")
    sup = ForfeitOneForOneSupervisor(a)
    await sup.start()
    await a.crash(RuntimeError("boom"))
    await until(lambda: a.stops == 1)
    await sup.restart()
    assert a.state == "running"
    assert not sup.status()[0].given_up
    await sup.stop()


async def test_crashing_supervisor_takes_the_tree_down() -> None:
    a, b = children([], "a", "b")
    sup = CrashingSupervisor(a, b)
    root = Service()
    root.add_dependency(sup)
    await root.start()
    boom = RuntimeError("fatal")
    await a.crash(boom)
    await until(lambda: sup.crashed, "supervisor crashed")
    assert sup.crash_reason is boom
    assert root.crashed
    assert root.crash_reason is boom
    assert (a.stops, b.stops) == (1, 1)  # children stopped before the crash
    assert a.starts == 1  # never restarted
    await root.stop()


async def test_crashing_supervisor_supervises_its_children() -> None:
    (a,) = children([], "a")
    sup = CrashingSupervisor(a)
    assert a.supervisor is sup


async def test_crashing_supervisor_any_crash_even_temporary() -> None:
    (a,) = children([], "a")
    sup = CrashingSupervisor()
    sup.add(a, restart="temporary")
    async with sup:
        await a.crash(KeyError("k"))
        await until(lambda: sup.crashed)
        assert isinstance(sup.crash_reason, KeyError)


async def test_crashing_supervisor_permanent_clean_stop_takes_it_down() -> None:
    (a,) = children([], "a")
    sup = CrashingSupervisor()
    sup.add(a, restart="permanent")
    async with sup:
        await a.stop()
        await until(lambda: sup.crashed)
        assert isinstance(sup.crash_reason, RuntimeError)
        assert "never restarts" in str(sup.crash_reason)


async def test_crashing_supervisor_transient_clean_stop_is_fine() -> None:
    a, b = children([], "a", "b")
    sup = CrashingSupervisor(a, b)
    async with sup:
        await a.stop()
        sup.wakeup()
        for _ in range(20):
            await asyncio.sleep(0)
        assert not sup.crashed
        assert b.state == "running"


async def test_crashing_supervisor_under_a_supervisor_is_restarted() -> None:
    (a,) = children([], "a")
    inner = CrashingSupervisor(a)
    outer = OneForOneSupervisor(inner)
    async with outer:
        await a.crash(RuntimeError("boom"))
        await until(lambda: a.starts == 2, "inner restarted with its child")
        assert inner.state == "running"
        assert not outer.crashed


async def test_constructor_services_are_supervised() -> None:
    """✗ upstream: services given to the constructor were not supervised."""
    a, b = children([], "a", "b")
    sup = OneForOneSupervisor(a, b)
    assert a.supervisor is sup
    assert b.supervisor is sup
    root = Service()
    root.add_dependency(sup)
    await root.start()
    await a.crash(RuntimeError("boom"))
    await until(lambda: a.starts == 2)
    assert not root.crashed  # the crash did not poison the tree
    assert not sup.crashed
    await root.stop()


async def test_replacement_factory_replaces_the_crashed_child() -> None:
    calls: list[tuple[ServiceT, int]] = []
    made: list[Child] = []

    async def replace(old: ServiceT, index: int) -> ServiceT:
        calls.append((old, index))
        new = Child(f"new{len(made)}")
        made.append(new)
        return new

    a, b = children([], "a", "b")
    sup = OneForOneSupervisor(a, b, replacement=replace)
    async with sup:
        await b.crash(RuntimeError("boom"))
        await until(lambda: bool(made) and made[0].starts == 1, "replacement up")
        assert calls == [(b, 1)]
        new = made[0]
        assert new.supervisor is sup
        assert b.supervisor is None
        assert b.stops == 1  # the old one was stopped
        assert sup._services == [a, new]
        assert sup._index == {a: 0, new: 1}
        status = sup.status()
        assert status[1].label == "Child-new0"
        assert status[1].restart_count == 1
        # The replacement is supervised too.
        await new.crash(RuntimeError("again"))
        await until(lambda: len(made) == 2 and made[1].starts == 1)
        assert calls[1] == (new, 1)
        assert sup.status()[1].restart_count == 2
    assert made[1].stops == 1


async def test_replacement_for_constructor_services_works() -> None:
    """✗ upstream: replacement raised KeyError for constructor services."""
    made: list[Child] = []

    async def replace(old: ServiceT, index: int) -> ServiceT:
        made.append(Child("r"))
        return made[-1]

    (a,) = children([], "a")
    async with OneForOneSupervisor(a, replacement=replace):
        await a.crash(RuntimeError("boom"))
        await until(lambda: bool(made) and made[0].starts == 1)


async def test_replacement_failure_is_retried_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts: list[int] = []

    async def replace(old: ServiceT, index: int) -> ServiceT:
        attempts.append(index)
        if len(attempts) == 1:
            raise ConnectionError("not yet")
        return Child("ok")

    (a,) = children([], "a")
    sup = OneForOneSupervisor(a, replacement=replace, max_restarts=5, over=100)
    async with sup:
        await a.crash(RuntimeError("boom"))
        await until(lambda: sup._services[0] is not a, "replaced on the retry")
        new = sup._services[0]
        await until(lambda: new.state == "running")
        assert attempts == [0, 0]
        assert sup.recent_restarts == 2
        assert sup.status()[0].restart_count == 2
    assert "Replacement of Child-a failed" in caplog.text


async def test_replacement_returning_a_non_service_crashes_the_supervisor() -> None:
    async def replace(old: ServiceT, index: int) -> ServiceT:
        return "not a service"  # type: ignore[return-value]

    (a,) = children([], "a")
    sup = OneForOneSupervisor(a, replacement=replace)
    async with sup:
        await a.crash(RuntimeError("boom"))
        await until(lambda: sup.crashed)
        assert isinstance(sup.crash_reason, TypeError)
        assert "must return a service" in str(sup.crash_reason)


async def test_child_failing_to_restart_is_retried() -> None:
    class Flaky(Child):
        fail_next = False

        async def on_start(self) -> None:
            await super().on_start()
            if self.fail_next:
                self.fail_next = False
                raise OSError("port busy")

    child = Flaky("f")
    sup = OneForOneSupervisor(child, max_restarts=5, over=100)
    async with sup:
        child.fail_next = True
        await child.crash(RuntimeError("boom"))
        await until(lambda: child.starts == 3 and child.state == "running")
        assert sup.recent_restarts == 2
        assert sup.status()[0].restart_count == 2


async def test_supervisor_start_fails_when_a_child_fails_to_start() -> None:
    class Broken(Child):
        async def on_start(self) -> None:
            raise OSError("cannot start")

    sup = OneForOneSupervisor(Broken("x"))
    with pytest.raises(OSError, match="cannot start"):
        await sup.start()
    await sup.stop()
