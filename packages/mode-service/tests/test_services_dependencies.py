"""Service dependencies: children, runtime dependencies, cycles, tree sizes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any
from unittest.mock import Mock

import pytest

from mode.exceptions import ModeError, ServiceCycleError
from mode.services import Service
from mode.types import ServiceT


class Named(Service):
    def __init__(self, name: str, log: list[str] | None = None, **kw: Any) -> None:
        self.name = name
        self.events = log if log is not None else []
        super().__init__(**kw)

    def _repr_name(self) -> str:
        return self.name

    async def on_start(self) -> None:
        self.events.append(f"start {self.name}")

    async def on_stop(self) -> None:
        self.events.append(f"stop {self.name}")


async def test_add_dependency_returns_the_service_without_starting_it() -> None:
    parent = Service()
    child = Named("child")
    assert parent.add_dependency(child) is child
    assert not child.started
    assert child.beacon.parent is parent.beacon
    assert parent._children == [child]


async def test_add_dependency_twice_adds_once() -> None:
    parent = Service()
    child = Named("child")
    parent.add_dependency(child)
    parent.add_dependency(child)
    assert parent._children == [child]
    assert list(parent.beacon.children).count(child.beacon) == 1


@pytest.mark.parametrize("bad", [None, 42, "service", asyncio.sleep])
def test_add_dependency_rejects_non_services(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"expects a service .*from_awaitable"):
        Service().add_dependency(bad)


def test_add_self_as_dependency_is_a_cycle() -> None:
    s = Named("A")
    with pytest.raises(ServiceCycleError, match="A -> A"):
        s.add_dependency(s)
    assert isinstance(ServiceCycleError("x"), ValueError)
    assert isinstance(ServiceCycleError("x"), ModeError)


def test_add_ancestor_as_dependency_names_the_cycle() -> None:
    a, b, c = Named("A"), Named("B"), Named("C")
    a.add_dependency(b)
    b.add_dependency(c)
    with pytest.raises(ServiceCycleError, match=r"cycle A -> B -> C -> A"):
        c.add_dependency(a)
    with pytest.raises(ServiceCycleError, match=r"cycle B -> C -> B"):
        c.add_dependency(b)
    assert c._children == []


async def test_children_start_in_insertion_order_and_stop_in_reverse() -> None:
    events: list[str] = []
    parent = Named("parent", events)
    for name in "abc":
        parent.add_dependency(Named(name, events))
    await parent.start()
    await parent.stop()
    assert events == [
        "start parent",
        "start a",
        "start b",
        "start c",
        "stop parent",
        "stop c",
        "stop b",
        "stop a",
    ]


async def test_on_init_dependencies_are_added_and_started_in_order() -> None:
    events: list[str] = []

    class Parent(Named):
        def on_init_dependencies(self) -> Iterable[ServiceT]:
            return [Named("dep1", events), Named("dep2", events)]

    parent = Parent("parent", events)
    parent.add_dependency(Named("explicit", events))
    await parent.start()
    assert events == ["start parent", "start explicit", "start dep1", "start dep2"]
    assert [c.label for c in parent._children] == ["explicit", "dep1", "dep2"]
    await parent.stop()


async def test_add_runtime_dependency_starts_at_once_when_running() -> None:
    parent = Service()
    early = await parent.add_runtime_dependency(Named("early"))
    assert early.state == "init"  # parent not started: starts with the parent
    await parent.start()
    assert early.state == "running"
    late = await parent.add_runtime_dependency(Named("late"))
    assert late.started
    await parent.stop()
    assert late.should_stop
    stopped_late = await parent.add_runtime_dependency(Named("after stop"))
    assert not stopped_late.started  # never started by a stopped parent


async def test_remove_dependency_stops_and_detaches() -> None:
    parent = Service()
    child = parent.add_dependency(Named("child"))
    await parent.start()
    assert await parent.remove_dependency(child) is child
    assert child.should_stop
    assert parent._children == []
    assert child.beacon.parent is None
    with pytest.raises(ValueError, match="is not a dependency"):
        await parent.remove_dependency(child)
    # Once removed it can be added again.
    parent.add_dependency(child)
    assert parent._children == [child]
    await parent.stop()


async def test_child_stop_errors_are_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(Named):
        async def on_stop(self) -> None:
            raise RuntimeError("broken child")

    events: list[str] = []
    parent = Named("parent", events)
    parent.add_dependency(Named("ok", events))
    parent.add_dependency(Broken("broken", events))
    await parent.start()
    await parent.stop()
    assert "stop ok" in events
    assert "Error while stopping child" in caplog.text
    assert "broken child" in caplog.text


async def test_children_are_stopped_even_if_the_parent_never_finished_starting() -> (
    None
):
    events: list[str] = []

    class Failing(Named):
        async def on_started(self) -> None:
            raise RuntimeError("start failed")

    parent = Failing("parent", events)
    child = parent.add_dependency(Named("child", events))
    with pytest.raises(RuntimeError):
        await parent.start()
    assert child.started
    await parent.stop()
    assert "stop child" in events


async def test_dependency_cycle_through_other_beacons_does_not_deadlock() -> None:
    # A cycle the beacon check cannot see (b's beacon was moved elsewhere)
    # must neither recurse forever nor deadlock the nested stop.
    a, b, other = Named("a"), Named("b"), Named("other")
    a.add_dependency(b)
    other.add_dependency(b)
    b.add_dependency(a)
    await a.start()
    assert b.started
    await asyncio.wait_for(a.stop(), 5)
    assert a.should_stop
    assert b.should_stop
    a.service_reset()
    assert a.restart_count == 1
    assert b.restart_count == 1
    await a.crash(ValueError("boom"))
    assert b.crashed


async def test_join_services_starts_then_stops_in_reverse() -> None:
    events: list[str] = []

    class Failing(Named):
        async def on_start(self) -> None:
            raise KeyError("x")

    owner = Service()
    services = [Named("a", events), Failing("bad", events), Named("c", events)]
    await owner.join_services(services)
    assert events == ["start a", "start c", "stop c", "stop bad", "stop a"]
    assert owner.crashed
    assert isinstance(owner.crash_reason, KeyError)


async def _tree_start_stop(n: int) -> float:
    root = Service()
    for _ in range(n):
        root.add_dependency(Service())
    t0 = time.perf_counter()
    await root.start()
    await root.stop()
    return time.perf_counter() - t0


async def test_large_trees_start_and_stop_in_linear_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    small = min([await _tree_start_stop(300) for _ in range(3)])
    large = min([await _tree_start_stop(3000) for _ in range(2)])
    # Linear: ~10x.  A quadratic child list would be ~100x.  Generous bound
    # because the machines running the tests are shared and noisy.
    assert large < small * 30, (small, large)


async def test_a_service_with_a_mock_beacon_takes_dependencies() -> None:
    # faust's tests replace a service's beacon with a mock and then start it
    # (its on_start adds runtime dependencies); the original accepted that.
    parent = Service()
    parent.beacon = Mock(name="beacon")
    child = parent.add_dependency(Service())
    assert parent._children == [child]
    await parent.start()
    other = await parent.add_runtime_dependency(Service())
    assert other.started
    await parent.stop()
    assert child.should_stop
    assert other.should_stop


async def test_a_replaced_log_sees_the_original_child_stop_error_call() -> None:
    class Broken(Service):
        async def on_stop(self) -> None:
            raise RuntimeError("broken child")

    parent = Service()
    child = parent.add_dependency(Broken())
    log = parent.log = Mock(name="log")
    await parent.start()
    await parent.stop()
    [error] = [c for c in log.method_calls if c[0] != "log" and c[0] != "debug"]
    name, args, kwargs = error
    assert name == "exception"
    assert args[:2] == ("Error while stopping child %r: %r", child)
    assert isinstance(args[2], RuntimeError)
    assert kwargs == {}
