"""mode.status: the snapshot of a service tree, and its readiness."""

from __future__ import annotations

import asyncio
import json
import math
import time
from typing import Any

import pytest

from mode import Service
from mode.proxy import ServiceProxy
from mode.status import (
    BACKOFF_LIMIT,
    ServiceStatus,
    StatusSnapshot,
    readiness,
    snapshot,
)
from mode.supervisors import Backoff, OneForOneSupervisor
from mode.timers import Timer
from mode.types.services import ServiceT


def find(status: ServiceStatus, label: str) -> ServiceStatus:
    """The first service labelled ``label`` in the tree (pre-order)."""
    stack = [status]
    while stack:
        node = stack.pop()
        if node["label"] == label:
            return node
        stack.extend(reversed(node["children"]))
    raise AssertionError(f"no service {label!r} in the snapshot")


def round_trip(snap: StatusSnapshot) -> Any:
    """JSON text and back: strict JSON (no NaN), the same data."""
    back = json.loads(json.dumps(snap, allow_nan=False))
    assert back == snap
    return back


class Leaf(Service):
    def __init__(self, name: str = "leaf") -> None:
        self.name = name
        super().__init__()

    def _repr_name(self) -> str:
        return self.name


class Root(Service):
    def __post_init__(self) -> None:
        self.a = self.add_dependency(Leaf("a"))
        self.b = self.add_dependency(Leaf("b"))


# -- a tree never started ------------------------------------------------


def test_init_tree() -> None:
    root = Root()
    before = time.time()
    snap = snapshot(root)
    assert before <= snap["taken_at"] <= time.time()
    assert snap["version"] == 1
    assert isinstance(snap["pid"], int)
    top = snap["root"]
    assert top["label"] == "Root"
    assert top["class"] == f"{__name__}.Root"
    assert top["id"] == f"{id(root):x}"
    assert [c["label"] for c in top["children"]] == ["a", "b"]
    for node in (top, *top["children"]):
        assert node["state"] == "init"
        assert node["started_at"] is None
        assert node["uptime"] is None
        assert (node["starts"], node["restarts"], node["crashes"]) == (0, 0, 0)
        assert node["last_crash"] is None
        assert node["tasks"] == []
        assert node["timers"] == []
        assert node["supervisor"] is None
        assert node["thread"] is None
    # The highest service not running is named; those below it are implied.
    assert snap["ready"] is False
    assert snap["reasons"] == ["Root: not started"]
    round_trip(snap)


def test_snapshot_has_no_side_effects_on_an_idle_tree() -> None:
    # An idle service keeps nothing for the status, and a snapshot makes
    # nothing either (no list of children for a leaf's tree node).
    root = Root()
    assert root.a._status_rec is None
    snapshot(root)
    assert root.a._status_rec is None
    assert root.a.beacon._children is None  # type: ignore[attr-defined]


def test_now_sets_taken_at() -> None:
    snap = snapshot(Leaf(), now=1_000.0)
    assert snap["taken_at"] == 1_000.0


# -- a running tree -------------------------------------------------------


class Busy(Service):
    """A task waiting on a queue, one on an event, a fast timer."""

    def __post_init__(self) -> None:
        self.queue: asyncio.Queue[int] = asyncio.Queue()
        self.event = asyncio.Event()
        self.ticked = asyncio.Event()
        self.ticks = 0

    @Service.task
    async def consume(self) -> None:
        await self.queue.get()

    @Service.task
    async def waiter(self) -> None:
        await self.event.wait()

    @Service.timer(0.005, name="fast")
    async def tick(self) -> None:
        self.ticks += 1
        if self.ticks >= 3:
            self.ticked.set()


async def test_running_tree_with_tasks_and_timers() -> None:
    root = Root()
    busy = root.add_dependency(Busy())
    t0 = time.time()
    async with root:
        await asyncio.wait_for(busy.ticked.wait(), 5)
        snap = snapshot(root)
    taken = snap["taken_at"]
    top = snap["root"]
    assert top["state"] == "running"
    assert top["starts"] == 1
    assert top["restarts"] == 0
    assert top["started_at"] is not None
    assert t0 - 0.01 <= top["started_at"] <= taken
    assert top["uptime"] is not None
    assert top["uptime"] == pytest.approx(taken - top["started_at"], abs=1e-3)
    node = find(top, "Busy")
    assert node["state"] == "running"
    tasks = {t["name"]: t for t in node["tasks"]}
    assert set(tasks) == {"Busy.consume", "Busy.waiter", "Busy.tick"}
    assert not any(t["done"] for t in tasks.values())
    assert tasks["Busy.consume"]["waiting_on"] == (
        f"Queue.get in Busy.consume at test_status.py:{_line(Busy.consume)}"
    )
    waiter = tasks["Busy.waiter"]["waiting_on"]
    assert waiter is not None
    assert waiter.startswith("Event.wait in Busy.waiter at ")
    # The timer task sleeps in the service's sleep between ticks (or runs
    # the body's code, which is ours too).
    assert tasks["Busy.tick"]["waiting_on"] == "Service.sleep"
    [timer] = node["timers"]
    assert timer["name"] == "fast"
    assert timer["interval"] == 0.005
    assert timer["ticks"] >= 3
    assert 0.0 <= timer["lateness_mean"] <= timer["lateness_max"]
    assert timer["last_run"] is not None
    assert node["started_at"] is not None
    assert node["started_at"] < timer["last_run"] <= taken
    assert timer["last_error"] is None
    assert timer.get("running") is True
    assert snap["ready"] is True
    assert snap["reasons"] == []
    round_trip(snap)


def _line(task: Any) -> int:
    # The line of the await in a one-line @Service.task body.
    code = task.fun.__code__
    return int(code.co_firstlineno + 2)


async def test_waiting_on_names_your_own_coroutine() -> None:
    gate = asyncio.Event()

    async def helper() -> None:
        await asyncio.sleep(0)  # suspended here when it is not the gate
        await gate.wait()

    class Owner(Service):
        @Service.task
        async def run(self) -> None:
            await helper()

    async with Owner() as owner:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        [task] = snapshot(owner)["root"]["tasks"]
        gate.set()
    assert task["name"].endswith("<locals>.Owner.run")
    assert task["waiting_on"] is not None
    assert task["waiting_on"].startswith("Event.wait in ")
    assert "helper at test_status.py:" in task["waiting_on"]


async def test_a_task_not_started_yet_and_the_task_taking_the_snapshot() -> None:
    seen: list[Any] = []

    class Self(Service):
        @Service.task
        async def looker(self) -> None:
            seen.append(snapshot(self)["root"]["tasks"])
            await self.wait_until_stopped()

    svc = Self()
    async with svc:
        [early] = snapshot(svc)["root"]["tasks"]  # scheduled, not run yet
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    assert early["waiting_on"] == "(not started yet)"
    [[own]] = seen
    assert own["name"].endswith(".Self.looker")
    assert own["waiting_on"] is None


# -- states -----------------------------------------------------------------


class Slow(Service):
    """Its on_start and on_stop wait until the test lets them go."""

    def __post_init__(self) -> None:
        self.in_start = asyncio.Event()
        self.go_start = asyncio.Event()
        self.in_stop = asyncio.Event()
        self.go_stop = asyncio.Event()

    async def on_start(self) -> None:
        self.in_start.set()
        await self.go_start.wait()

    async def on_stop(self) -> None:
        self.in_stop.set()
        await self.go_stop.wait()


async def test_states_through_the_lifecycle() -> None:
    svc = Slow()
    assert snapshot(svc)["root"]["state"] == "init"
    starting = asyncio.create_task(svc.start())
    await svc.in_start.wait()
    snap = snapshot(svc)
    assert snap["root"]["state"] == "starting"
    assert snap["root"]["uptime"] is not None
    assert snap["reasons"] == ["Slow: starting"]
    svc.go_start.set()
    await starting
    assert snapshot(svc)["root"]["state"] == "running"
    stopping = asyncio.create_task(svc.stop())
    await svc.in_stop.wait()
    snap = snapshot(svc)
    assert snap["root"]["state"] == "stopping"
    assert snap["reasons"] == ["Slow: stopping"]
    svc.go_stop.set()
    await stopping
    snap = snapshot(svc)
    assert snap["root"]["state"] == "stopped"
    assert snap["root"]["uptime"] is None
    assert snap["root"]["started_at"] is not None  # the last start is kept
    assert snap["reasons"] == ["Slow: stopped"]
    # Service.state keeps the original's values.
    assert svc.state == "stopping"


async def test_restarts_are_starts_after_the_first() -> None:
    svc = Leaf("x")
    async with svc:
        pass
    await svc.start()
    await svc.restart()
    status = snapshot(svc)["root"]
    await svc.stop()
    assert (status["starts"], status["restarts"]) == (3, 2)


# -- crashes ---------------------------------------------------------------


class Crasher(Service):
    def __post_init__(self) -> None:
        self.go = asyncio.Event()

    @Service.task
    async def fail(self) -> None:
        await self.go.wait()
        raise ValueError("boom")


async def test_a_crash_is_recorded_with_type_message_and_time() -> None:
    root = Service()
    crasher = root.add_dependency(Crasher())
    async with root:
        t0 = time.time()
        crasher.go.set()
        await crasher.wait_until_stopped()
        snap = snapshot(root)
    node = find(snap["root"], "Crasher")
    assert node["state"] == "crashed"
    assert node["crashes"] == 1
    crash = node["last_crash"]
    assert crash is not None
    assert (crash["type"], crash["message"]) == ("ValueError", "boom")
    assert t0 <= crash["at"] <= snap["taken_at"]
    assert node["uptime"] is None
    # Without a supervisor the crash reaches the root: it is crashed too.
    assert snap["root"]["state"] == "crashed"
    assert snap["root"]["crashes"] == 1
    assert snap["reasons"] == ["Service: crashed (ValueError: boom)"]
    round_trip(snap)


class FailingTimer(Service):
    @Service.timer(0.001)
    async def beat(self) -> None:
        raise KeyError("no such key")


async def test_the_error_of_a_timer_body_is_recorded() -> None:
    svc = FailingTimer()
    async with svc:
        await svc.wait_until_stopped()  # the crash wakes it
        node = snapshot(svc)["root"]
    assert node["state"] == "crashed"
    [timer] = node["timers"]
    assert timer["ticks"] == 1
    assert timer.get("running") is False
    error = timer["last_error"]
    assert error is not None
    assert (error["type"], error["message"]) == ("KeyError", "'no such key'")
    assert node["last_crash"] is not None
    assert node["last_crash"]["type"] == "KeyError"


class FailsOnce(Service):
    def __post_init__(self) -> None:
        self.failed = False
        self.ticked = asyncio.Event()

    @Service.timer(0.001, name="once")
    async def beat(self) -> None:
        if not self.failed:
            self.failed = True
            raise KeyError("first run")
        self.ticked.set()


async def test_a_restarted_service_lists_its_new_timer_with_the_last_error() -> None:
    svc = FailsOnce()
    async with svc:
        await svc.wait_until_stopped()
    async with svc:
        await asyncio.wait_for(svc.ticked.wait(), 5)
        # The new run's timer replaced the finished one; the error is kept.
        [timer] = snapshot(svc)["root"]["timers"]
    assert timer.get("running") is True
    assert timer["ticks"] >= 1
    assert timer["last_error"] is not None
    assert timer["last_error"]["message"] == "'first run'"


async def test_a_timer_iterated_by_hand_in_a_task_is_listed() -> None:
    ticked = asyncio.Event()

    class Hand(Service):
        @Service.task
        async def run(self) -> None:
            async for _ in Timer(0.001, name="by-hand"):
                ticked.set()

    async with Hand() as svc:
        await asyncio.wait_for(ticked.wait(), 5)
        [timer] = snapshot(svc)["root"]["timers"]
    assert timer["name"] == "by-hand"
    assert timer["ticks"] >= 1


def test_timer_lateness_counts_late_ticks_only() -> None:
    now = [100.0]
    timer = Timer(1.0, clock=lambda: now[0])
    timer.tick()  # the first deadline: 101.0
    now[0] = 101.25
    timer.on_before_yield()
    timer.tick()  # next deadline: 102.0
    now[0] = 101.99  # early: counts as on time
    timer.on_before_yield()
    assert timer.fired == 2
    assert timer.lateness_max == pytest.approx(0.25)
    assert timer.lateness_total == pytest.approx(0.25)


# -- supervisors -------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_supervised_restart_is_counted_and_the_backoff_shown() -> None:
    clock = Clock()
    in_backoff = asyncio.Event()
    release = asyncio.Event()

    async def gated_sleep(seconds: float) -> None:
        in_backoff.set()
        await release.wait()

    child = Crasher()
    sup = OneForOneSupervisor(
        child,
        max_restarts=5,
        over=10.0,
        backoff=Backoff(initial=5.0, jitter=0.0),
        clock=clock,
        sleep=gated_sleep,
    )
    async with sup:
        child.go.set()
        await asyncio.wait_for(in_backoff.wait(), 5)
        snap = snapshot(sup)
        node = snap["root"]
        status = node["supervisor"]
        assert status is not None
        assert status["strategy"] == "one_for_one"
        assert (status["max_restarts"], status["over"]) == (5.0, 10.0)
        assert status["restarts_in_window"] == 1
        assert status["backoff_until"] == pytest.approx(snap["taken_at"] + 5.0)
        assert status.get("backoff_since") == pytest.approx(snap["taken_at"])
        [kid] = node["children"]
        assert kid["state"] in ("crashed", "stopped")  # being restarted
        assert snap["ready"] is False
        assert snap["reasons"] == ["Crasher: crashed (ValueError: boom)"]
        # Backing off for longer than the limit is a reason of its own.
        clock.now += BACKOFF_LIMIT + 1.0
        late = snapshot(sup)
        assert late["root"]["supervisor"]["restarts_in_window"] == 0  # type: ignore[index]
        assert readiness(late, backoff_limit=BACKOFF_LIMIT)["reasons"][0] == (
            f"{sup.label}: backing off a restart for {BACKOFF_LIMIT + 1.0:.1f} s "
            f"(limit {BACKOFF_LIMIT:g} s)"
        )
        child.go.clear()
        release.set()
        while child.crashed or not child.started:
            await asyncio.sleep(0)  # the restart runs on this loop
        snap = snapshot(sup)
    node = snap["root"]
    [kid] = node["children"]
    assert kid["state"] == "running"
    assert (kid["starts"], kid["restarts"], kid["crashes"]) == (2, 1, 1)
    assert kid["last_crash"] is not None
    assert kid["last_crash"]["message"] == "boom"  # kept after the restart
    assert node["supervisor"] is not None
    assert node["supervisor"]["backoff_until"] is None
    assert snap["ready"] is True


# -- readiness ---------------------------------------------------------------


class Broker(Service):
    connected = False

    def check_readiness(self) -> str | None:
        return None if self.connected else "not connected to the broker"


async def test_check_readiness_hook() -> None:
    root = Service()
    broker = root.add_dependency(Broker())
    assert broker.check_readiness() == "not connected to the broker"
    assert Service().check_readiness() is None
    # Not asked while the service is not running.
    assert find(snapshot(root)["root"], "Broker")["not_ready"] is None
    async with root:
        snap = snapshot(root)
        assert find(snap["root"], "Broker")["not_ready"] == (
            "not connected to the broker"
        )
        assert snap["ready"] is False
        assert snap["reasons"] == ["Broker: not connected to the broker"]
        broker.connected = True
        snap = snapshot(root)
        assert snap["ready"] is True


async def test_check_readiness_that_fails_or_returns_junk() -> None:
    class Broken(Service):
        def check_readiness(self) -> str | None:
            raise OSError("socket gone")

    class Junk(Service):
        def check_readiness(self) -> str | None:
            return 42  # type: ignore[return-value]

    root = Service()
    root.add_dependency(Broken())
    root.add_dependency(Junk())
    async with root:
        snap = snapshot(root)
    assert snap["reasons"] == [
        "Broken: check_readiness() raised OSError: socket gone",
        "Junk: check_readiness() returned int (it must return a str saying why "
        "the service is not ready, or None)",
    ]


async def test_a_stopped_child_is_not_ready_unless_removed() -> None:
    root = Root()
    async with root:
        await root.a.stop()
        snap = snapshot(root)
        assert snap["reasons"] == ["a: stopped"]
        await root.remove_dependency(root.a)
        snap = snapshot(root)
        assert [c["label"] for c in snap["root"]["children"]] == ["b"]
        assert snap["ready"] is True


async def test_readiness_reads_a_snapshot_back_from_json() -> None:
    root = Root()
    async with root:
        snap = round_trip(snapshot(root))
        assert readiness(snap) == {"ready": True, "reasons": []}
        snap["root"]["children"][1]["state"] = "crashed"
        snap["root"]["children"][1]["last_crash"] = {
            "type": "OSError",
            "message": "gone",
            "at": 1.0,
        }
        snap["root"]["children"][0]["not_ready"] = "warming up"
    assert readiness(snap) == {
        "ready": False,
        "reasons": ["a: warming up", "b: crashed (OSError: gone)"],
    }


# -- what a snapshot reaches ---------------------------------------------------


class Facade(ServiceProxy):
    def __init__(self, service: ServiceT) -> None:
        self._inner = service
        super().__init__()

    @property
    def _service(self) -> ServiceT:
        return self._inner


async def test_a_proxy_is_described_by_its_service() -> None:
    leaf = Leaf("inner")
    snap = snapshot(Facade(leaf))
    assert snap["root"]["label"] == "inner"


async def test_a_service_reached_twice_is_listed_once() -> None:
    shared = Leaf("shared")
    sup = OneForOneSupervisor(shared)
    sup.add_dependency(shared)  # a child and supervised
    snap = snapshot(sup)
    assert [c["label"] for c in snap["root"]["children"]] == ["shared"]


async def test_snapshot_of_a_thousand_services() -> None:
    root = Service()
    for i in range(1000):
        root.add_dependency(Leaf(f"l{i}"))
    async with root:
        snap = snapshot(root)
    assert len(snap["root"]["children"]) == 1000
    assert snap["ready"] is True


# -- bad input -----------------------------------------------------------------


def test_snapshot_of_a_non_service() -> None:
    with pytest.raises(TypeError, match=r"snapshot\(\) takes a service .* not int"):
        snapshot(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "error", "match"),
    [
        ("soon", TypeError, "now must be a number of seconds"),
        (True, TypeError, "now must be a number of seconds"),
        (math.nan, ValueError, "now must be a finite number"),
    ],
)
def test_snapshot_now_must_be_a_time(now: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        snapshot(Leaf(), now=now)


@pytest.mark.parametrize(
    ("limit", "error"), [(-1.0, ValueError), (math.inf, ValueError), ("30", TypeError)]
)
def test_backoff_limit_must_be_seconds(limit: Any, error: type) -> None:
    snap = snapshot(Leaf())
    with pytest.raises(error, match="backoff_limit"):
        readiness(snap, backoff_limit=limit)
    with pytest.raises(error, match="backoff_limit"):
        snapshot(Leaf(), backoff_limit=limit)


@pytest.mark.parametrize("junk", [{}, None, {"root": {}}, [1]])
def test_readiness_of_something_else(junk: Any) -> None:
    with pytest.raises(TypeError, match=r"readiness\(\) takes the dict"):
        readiness(junk)


async def test_services_attached_to_the_tree_node_only_are_children() -> None:
    # As the Worker's services are: attached to its node, not dependencies.
    parent = Leaf("parent")
    attached = Leaf("attached")
    attached.beacon.reattach(parent.beacon)
    snap = snapshot(parent)
    assert [c["label"] for c in snap["root"]["children"]] == ["attached"]


async def test_waiting_on_is_bounded() -> None:
    name = "wait_" + "x" * 300
    namespace: dict[str, Any] = {"asyncio": asyncio}
    exec(  # a coroutine function with a very long name
        f"async def {name}(gate):\n    await asyncio.sleep(0)\n    await gate.wait()\n",
        namespace,
    )
    gate = asyncio.Event()

    class Long(Service):
        @Service.task
        async def run(self) -> None:
            await namespace[name](gate)

    async with Long() as svc:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        [task] = snapshot(svc)["root"]["tasks"]
        gate.set()
    text = task["waiting_on"]
    assert text is not None
    assert len(text) == 200
    assert text.startswith(f"Event.wait in {name[:20]}")
    assert text.endswith("...")


async def test_a_task_awaiting_a_future_waits_in_its_own_code() -> None:
    class Bare(Service):
        fut: asyncio.Future[None]

        @Service.task
        async def run(self) -> None:
            self.fut = asyncio.get_running_loop().create_future()
            await self.fut

    async with Bare() as svc:
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        [task] = snapshot(svc)["root"]["tasks"]
        svc.fut.set_result(None)
    text = task["waiting_on"]
    assert text is not None
    assert text.startswith("test_a_task_awaiting_a_future_waits_in_its_own_code.")
    assert ".Bare.run at test_status.py:" in text
