"""mode.status: a ServiceThread's subtree, read from the parent's loop."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from support_threads import Flag

from mode import Service
from mode.status import ServiceStatus, snapshot
from mode.threads import ServiceThread

pytestmark = pytest.mark.usefixtures("no_thread_left")


class Inner(Service):
    """A child living in the thread: a task parked on an event of its loop."""

    def __init__(self, started: Flag) -> None:
        self.started_flag = started
        super().__init__()

    @Service.task
    async def park(self) -> None:
        self.gate = asyncio.Event()
        # Set from the thread loop's next iteration: once this task waits.
        asyncio.get_running_loop().call_soon(self.started_flag.set)
        await self.gate.wait()


class Worker(ServiceThread):
    def __init__(self, started: Flag) -> None:
        super().__init__(keepalive_interval=0.0)
        self.inner = self.add_dependency(Inner(started))


def only(children: list[ServiceStatus]) -> ServiceStatus:
    [child] = children
    return child


async def test_a_thread_subtree_is_read_from_the_parent_loop() -> None:
    started = Flag()
    svc = Worker(started)
    snap = snapshot(svc)
    thread = snap["root"]["thread"]
    assert thread == {
        "name": None,
        "alive": False,
        "loop_running": False,
        "responsive": False,
    }
    async with svc:
        await started.wait()
        snap = snapshot(svc)
        assert threading.get_ident() != svc._thread_ident
    top = snap["root"]
    assert top["state"] == "running"
    assert top["thread"] is not None
    assert top["thread"]["name"] == "Worker-thread"
    assert top["thread"]["alive"] is True
    assert top["thread"]["loop_running"] is True
    assert top["thread"].get("responsive") is True
    inner = only(top["children"])
    assert inner["label"] == "Inner"
    assert inner["state"] == "running"
    [task] = inner["tasks"]
    assert task["name"] == "Inner.park"
    assert task["waiting_on"] is not None
    assert task["waiting_on"].startswith("Event.wait in Inner.park at ")
    assert snap["ready"] is True
    json.dumps(snap, allow_nan=False)
    # Once stopped, the thread has ended and its loop no longer runs.
    after = snapshot(svc)["root"]
    assert after["thread"] is not None
    assert after["thread"]["alive"] is False
    assert after["thread"]["loop_running"] is False
    assert after["state"] == "init"  # async with resets it


class Crashy(ServiceThread):
    """Its task fails once the test sets ``go`` (from the parent loop)."""

    def __init__(self, started: Flag) -> None:
        self.started_flag = started
        super().__init__(keepalive_interval=0.0)

    @Service.task
    async def fail(self) -> None:
        self.go = asyncio.Event()
        asyncio.get_running_loop().call_soon(self.started_flag.set)
        await self.go.wait()
        raise RuntimeError("thread task failed")


async def test_a_crash_in_the_thread_is_recorded() -> None:
    started = Flag()
    svc = Crashy(started)
    await svc.start()
    try:
        await started.wait()
        svc.thread_loop.call_soon_threadsafe(svc.go.set)
        async with asyncio.timeout(10):  # a bug fails the test, never hangs it
            await svc.wait_until_stopped()
        node = snapshot(svc)["root"]
    finally:
        await svc.stop()
    assert node["state"] == "crashed"
    assert node["crashes"] == 1
    assert node["last_crash"] is not None
    assert node["last_crash"]["type"] == "RuntimeError"
    assert node["last_crash"]["message"] == "thread task failed"
    assert node["tasks"] == [] or node["tasks"][0]["name"] == "Crashy.fail"
