"""Supervisor API: membership, bad input, status, wakeups, crash storm."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import tracemalloc
from typing import Any

import pytest
from support_supervisors import Child, until

import mode.supervisors as supervisors
from mode.exceptions import MaxRestartsExceeded
from mode.services import Service
from mode.supervisors import (
    ChildStatus,
    OneForOneSupervisor,
    SupervisorStrategy,
)
from mode.types.supervisors import SupervisorStrategyT


def test_public_names() -> None:
    assert set(supervisors.__all__) >= {
        "SupervisorStrategy",
        "OneForOneSupervisor",
        "OneForAllSupervisor",
        "RestForOneSupervisor",
        "ForfeitOneForOneSupervisor",
        "ForfeitOneForAllSupervisor",
        "CrashingSupervisor",  # ✗ upstream left it out of __all__
        "Backoff",
        "ChildStatus",
    }
    for name in supervisors.__all__:
        assert getattr(supervisors, name) is not None


def test_supervisor_is_a_service_and_implements_the_abc() -> None:
    sup = OneForOneSupervisor()
    assert isinstance(sup, Service)
    assert isinstance(sup, SupervisorStrategyT)
    assert sup.raises is MaxRestartsExceeded
    assert sup.replacement is None
    assert sup.poll_interval == 5.0


def test_defaults_and_seconds_parsing() -> None:
    sup = OneForOneSupervisor(max_restarts=3, over="2.5", poll_interval="1")
    assert (sup.max_restarts, sup.over, sup.poll_interval) == (3, 2.5, 1.0)
    assert OneForOneSupervisor(raises=None).raises is MaxRestartsExceeded


def test_label() -> None:
    # The class and its children, not an address (issue 16).
    sup = OneForOneSupervisor(Child(), Child())
    assert sup.label == "OneForOneSupervisor: (Child-c, Child-c)"
    assert sup.shortlabel == sup.label
    assert OneForOneSupervisor().label == "OneForOneSupervisor: ()"


def test_label_names_the_first_children_and_counts_the_rest() -> None:
    inner = OneForOneSupervisor(Child())
    sup = OneForOneSupervisor(inner, Child(), Child(), Child(), Child())
    assert sup.label == (
        "OneForOneSupervisor: (OneForOneSupervisor, Child-c, Child-c, +2 more)"
    )


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"max_restarts": -1}, ValueError, "max_restarts must be >= 0"),
        ({"max_restarts": float("nan")}, ValueError, "max_restarts must be >= 0"),
        ({"over": 0}, ValueError, "over must be a positive"),
        ({"over": -1.0}, ValueError, "over must be a positive"),
        ({"poll_interval": 0}, ValueError, "poll_interval must be a positive"),
        ({"child_shutdown_timeout": -1}, ValueError, "child_shutdown_timeout"),
        ({"raises": int}, TypeError, "raises must be an exception class"),
        ({"raises": "boom"}, TypeError, "raises must be an exception class"),
        ({"backoff": 1.0}, TypeError, "backoff must be a mode.supervisors.Backoff"),
        ({"max_restarts": [1]}, TypeError, "want_seconds"),
        ({"restart": "sometimes"}, ValueError, "unknown restart type"),
    ],
)
def test_bad_constructor_arguments(
    kwargs: dict[str, Any], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        OneForOneSupervisor(**kwargs)


def test_adding_a_non_service_says_how_to_fix_it() -> None:
    sup = OneForOneSupervisor()

    async def coro() -> None: ...

    with pytest.raises(TypeError, match=r"Service\.from_awaitable"):
        sup.add(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not int"):
        OneForOneSupervisor(1)  # type: ignore[arg-type]
    assert sup._services == []


def test_adding_a_service_supervised_elsewhere_is_refused() -> None:
    child = Child()
    first = OneForOneSupervisor(child)
    second = OneForOneSupervisor()
    with pytest.raises(ValueError, match="already supervised"):
        second.add(child)
    assert child.supervisor is first
    first.discard(child)
    second.add(child)
    assert child.supervisor is second


def test_add_validates_everything_before_adding_anything() -> None:
    a = Child()
    sup = OneForOneSupervisor()
    with pytest.raises(TypeError):
        sup.add(a, "x")  # type: ignore[arg-type]
    assert sup._services == []
    assert a.supervisor is None


def test_a_supervisor_cannot_supervise_itself() -> None:
    sup = OneForOneSupervisor()
    with pytest.raises(ValueError, match="cannot supervise itself"):
        sup.add(sup)


def test_add_bad_shutdown_timeout() -> None:
    with pytest.raises(ValueError, match="shutdown_timeout must be >= 0"):
        OneForOneSupervisor().add(Child(), shutdown_timeout=-1)


def test_add_twice_is_a_no_op() -> None:
    a = Child()
    sup = OneForOneSupervisor(a)
    sup.add(a)
    assert sup._services == [a]


def test_discard_updates_the_index_and_ignores_unknown() -> None:
    a, b, c = Child("a"), Child("b"), Child("c")
    sup = OneForOneSupervisor(a, b, c)
    sup.discard(b, Child("stranger"))
    assert sup._services == [a, c]
    assert sup._index == {a: 0, c: 1}
    assert b.supervisor is None
    sup.discard(b)  # again: ignored
    assert [s.index for s in sup.status()] == [0, 1]


def test_insert_replaces_a_slot() -> None:
    a, b, new = Child("a"), Child("b"), Child("new")
    sup = OneForOneSupervisor(a, b)
    sup.add(b, restart="permanent")
    sup.insert(1, new)
    assert sup._services == [a, new]
    assert sup._index == {a: 0, new: 1}
    assert new.supervisor is sup
    assert b.supervisor is None
    assert sup.status()[1].restart == "permanent"  # the slot's type is kept
    sup.insert(-1, new)  # the same service: nothing to do
    assert sup._services == [a, new]


def test_insert_bad_input() -> None:
    a, b = Child("a"), Child("b")
    sup = OneForOneSupervisor(a, b)
    with pytest.raises(IndexError, match="no child at index 2"):
        sup.insert(2, Child())
    with pytest.raises(IndexError):
        sup.insert(-3, Child())
    with pytest.raises(ValueError, match="already supervised at index 0"):
        sup.insert(1, a)
    with pytest.raises(TypeError):
        sup.insert(0, "x")  # type: ignore[arg-type]


async def test_restart_service_of_a_stranger_is_refused() -> None:
    with pytest.raises(ValueError, match="is not supervised by"):
        await OneForOneSupervisor().restart_service(Child())


async def test_status_reports_every_child() -> None:
    a, b = Child("a"), Child("b")
    sup = OneForOneSupervisor(a)
    sup.add(b, restart="permanent")
    assert sup.status() == [
        ChildStatus(0, "Child-a", "init", "transient", 0, None, False),
        ChildStatus(1, "Child-b", "init", "permanent", 0, None, False),
    ]
    async with sup:
        await b.crash(KeyError("k"))
        status = sup.status()[1]
        assert status.state == "crashed"
        assert status.last_crash == "KeyError('k')"
        await until(lambda: b.starts == 2 and b.state == "running")
        status = sup.status()[1]
        assert status.state == "running"
        assert status.restart_count == 1
        assert status.last_crash == "KeyError('k')"  # kept after the restart
        assert status.as_dict() == {
            "index": 1,
            "label": "Child-b",
            "state": "running",
            "restart": "permanent",
            "restart_count": 1,
            "last_crash": "KeyError('k')",
            "given_up": False,
        }


def test_service_operational() -> None:
    child = Child()
    sup = OneForOneSupervisor(child)
    assert sup.service_operational(child)
    child._crash(RuntimeError("x"))
    assert not sup.service_operational(child)


async def test_children_added_while_running_start_promptly() -> None:
    sup = OneForOneSupervisor()
    async with sup:
        late = Child("late")
        sup.add(late)
        await until(lambda: late.starts == 1, "late child started")
        assert late.state == "running"
        replacement = Child("r")
        sup.insert(0, replacement)
        await until(lambda: replacement.starts == 1, "inserted child started")
    assert late.stops == 0  # replaced by insert: not stopped by the supervisor
    assert late.supervisor is None
    assert replacement.stops == 1
    await late.stop()


async def test_a_new_child_failing_to_start_crashes_and_is_retried() -> None:
    class FailsOnce(Child):
        async def on_start(self) -> None:
            await super().on_start()
            if self.starts == 1:
                raise OSError("not ready")

    sup = OneForOneSupervisor()
    async with sup:
        child = FailsOnce()
        sup.add(child)
        await until(lambda: child.starts == 2 and child.state == "running")
        assert sup.status()[0].restart_count == 1
        assert "OSError" in str(sup.status()[0].last_crash)


async def test_wakeup_reacts_at_once_not_after_the_poll() -> None:
    child = Child()
    sup = OneForOneSupervisor(child, poll_interval=3600.0)
    async with sup:
        loop = asyncio.get_running_loop()
        began = loop.time()
        await child.crash(RuntimeError("boom"))
        await until(lambda: child.starts == 2)
        assert loop.time() - began < 1.0


async def test_wakeup_from_another_thread() -> None:
    child = Child()
    sup = OneForOneSupervisor(child, poll_interval=3600.0)
    async with sup:
        await until(lambda: sup._please_wakeup is not None, "loop waiting")
        child._crash(RuntimeError("silent"))  # crashed without a wakeup
        thread = threading.Thread(target=sup.wakeup)
        thread.start()
        thread.join()
        await until(lambda: child.starts == 2, "restarted after the wakeup")


async def test_wakeup_before_start_is_remembered() -> None:
    child = Child()
    sup = OneForOneSupervisor(child, poll_interval=3600.0)
    sup.wakeup()  # no loop yet: nothing breaks
    async with sup:
        child._crash(RuntimeError("silent"))
        sup.wakeup()
        await until(lambda: child.starts == 2)


async def test_safety_poll_catches_a_missed_crash() -> None:
    child = Child()
    sup = OneForOneSupervisor(child, poll_interval=0.001)
    async with sup:
        child._crash(RuntimeError("silent"))  # nobody calls wakeup()
        await until(lambda: child.starts == 2, "the poll noticed")


async def test_run_until_complete_starts_then_stops() -> None:
    child = Child()
    sup = OneForOneSupervisor(child)
    await sup.run_until_complete()
    assert (child.starts, child.stops) == (1, 1)


async def test_public_start_stop_restart_services() -> None:
    a, b = Child("a"), Child("b")
    sup = SupervisorStrategy(a, b)
    async with sup:
        await sup.stop_services([a, b])
        assert (a.stops, b.stops) == (1, 1)
        await sup.restart_services([a, b])
        assert (a.starts, b.starts) == (2, 2)
        assert sup.recent_restarts == 2
        await sup.start_services([a, b])  # already started: no-op
        assert (a.starts, b.starts) == (2, 2)


async def test_supervisor_restart_restarts_children_afresh() -> None:
    a, b = Child("a"), Child("b")
    sup = OneForOneSupervisor(a, b)
    await sup.start()
    await a.stop()  # transient: stays stopped while the supervisor runs
    await sup.restart()
    assert (a.starts, b.starts) == (2, 2)
    assert a.state == b.state == "running"
    await sup.stop()


async def test_crashed_supervisor_without_parent_crashes_its_tree() -> None:
    child = Child()
    sup = OneForOneSupervisor(child, max_restarts=0)
    parent = Service()
    sibling = parent.add_dependency(Service())
    parent.add_dependency(sup)
    await parent.start()
    await child.crash(RuntimeError("boom"))
    await until(lambda: parent.crashed)
    assert sibling.crashed
    assert isinstance(parent.crash_reason, MaxRestartsExceeded)
    await parent.stop()


async def test_discarded_child_no_longer_wakes_the_supervisor() -> None:
    a, b = Child("a"), Child("b")
    sup = OneForOneSupervisor(a, b)
    async with sup:
        sup.discard(a)
        await a.crash(RuntimeError("boom"))
        for _ in range(30):
            await asyncio.sleep(0)
        assert a.starts == 1
        assert not sup.crashed
    assert a.stops == 0  # discarded children are not stopped by the supervisor
    await a.stop()


async def test_crash_storm_leaves_no_leak(caplog: pytest.LogCaptureFixture) -> None:
    total, mid = 1000, 200
    go = asyncio.Event()
    reached_mid = asyncio.Event()
    done = asyncio.Event()

    class Storm(Service):
        logger = logging.getLogger("test_supervisors_api.storm")

        def __post_init__(self) -> None:
            self.starts = 0

        async def on_start(self) -> None:
            self.starts += 1
            if self.starts == mid:
                reached_mid.set()
            if self.starts == total:
                done.set()

        @Service.task
        async def _explode(self) -> None:
            if self.starts == mid:
                await go.wait()
            if self.starts < total:
                raise RuntimeError("storm")

    class Clock:
        now = 0.0

        def __call__(self) -> float:
            self.now += 1.0  # a generous intensity: 1 restart per second
            return self.now

    Storm.logger.setLevel(logging.CRITICAL + 1)  # 1,000 tracebacks: not needed
    caplog.set_level(logging.CRITICAL + 1)
    storm = Storm()
    sup = OneForOneSupervisor(storm, max_restarts=5, over=1.0, clock=Clock())
    baseline = len(asyncio.all_tasks())
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)  # debug mode records a stack per callback: 10x slower
    try:
        tracemalloc.start()
        await sup.start()
        await asyncio.wait_for(reached_mid.wait(), timeout=30)
        gc.collect()
        before, _ = tracemalloc.get_traced_memory()
        go.set()
        await asyncio.wait_for(done.wait(), timeout=60)
        for _ in range(10):
            await asyncio.sleep(0)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        loop.set_debug(debug)
    assert storm.starts == total
    assert not sup.crashed
    assert sup.status()[0].restart_count == total - 1
    # Bounded bookkeeping: one loop task, one watcher, no stop tasks.
    assert len(sup._restart_times) <= 1
    assert len(sup._watchers) == 1
    assert not sup._stopping
    assert len(storm._futures) <= 1
    assert len(asyncio.all_tasks()) <= baseline + 3
    # 800 restarts must not grow memory (a leak of 40 bytes each would show).
    assert after - before < 32 * 1024, after - before
    await sup.stop()
    for _ in range(5):
        await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) == baseline


async def test_crash_of_a_childs_dependency_restarts_the_child() -> None:
    child = Child("c")
    dep = child.add_dependency(Child("dep"))
    sup = OneForOneSupervisor(child)
    root = Service()
    root.add_dependency(sup)
    await root.start()
    assert dep.starts == 1
    await dep.crash(RuntimeError("deep"))
    await until(lambda: child.starts == 2 and dep.starts == 2, "child restarted")
    assert child.state == dep.state == "running"
    assert not root.crashed
    assert sup.status()[0].last_crash == "RuntimeError('deep')"
    await root.stop()


async def test_nothing_is_restarted_while_the_tree_above_stops() -> None:
    gate = asyncio.Event()

    class Parent(Service):
        async def on_stop(self) -> None:
            await gate.wait()

    child = Child()
    sup = OneForOneSupervisor()
    sup.add(child, restart="permanent")
    parent = Parent()
    parent.add_dependency(sup)
    await parent.start()
    stopping = asyncio.ensure_future(parent.stop())
    await until(lambda: parent.should_stop, "parent stopping")
    await child.stop()  # a permanent child: normally restarted at once
    sup.wakeup()
    for _ in range(30):
        await asyncio.sleep(0)
    assert child.starts == 1
    gate.set()
    await stopping
    assert child.starts == 1


@pytest.mark.parametrize(
    "cls",
    [
        supervisors.OneForAllSupervisor,
        supervisors.RestForOneSupervisor,
        supervisors.ForfeitOneForOneSupervisor,
        supervisors.ForfeitOneForAllSupervisor,
        supervisors.CrashingSupervisor,
    ],
)
async def test_restart_services_of_strangers_is_refused(
    cls: type[SupervisorStrategy],
) -> None:
    sup = cls(Child())
    with pytest.raises(ValueError, match="is not supervised by"):
        await sup.restart_services([Child("stranger")])
    await sup.restart_services([])  # nothing to do
    assert not sup.crashed
