"""Per-child restart types: permanent, transient, temporary."""

from __future__ import annotations

import asyncio
import logging

import pytest
from support_supervisors import Child, until

from mode.supervisors import (
    PERMANENT,
    RESTART_TYPES,
    TEMPORARY,
    TRANSIENT,
    OneForAllSupervisor,
    OneForOneSupervisor,
)


async def settle() -> None:
    for _ in range(30):
        await asyncio.sleep(0)


def test_constants() -> None:
    assert RESTART_TYPES == (PERMANENT, TRANSIENT, TEMPORARY)
    assert (PERMANENT, TRANSIENT, TEMPORARY) == (
        "permanent",
        "transient",
        "temporary",
    )


def test_default_restart_type_is_transient() -> None:
    child = Child()
    sup = OneForOneSupervisor(child)
    assert sup.default_restart == TRANSIENT
    assert sup.status()[0].restart == "transient"


def test_supervisor_default_and_per_service_attribute() -> None:
    class Worker(Child):
        restart_type = "temporary"

    plain, special = Child("p"), Worker("w")
    sup = OneForOneSupervisor(plain, special, restart="permanent")
    assert [s.restart for s in sup.status()] == ["permanent", "temporary"]


def test_add_restart_overrides_and_updates() -> None:
    class Worker(Child):
        restart_type = "temporary"

    w = Worker("w")
    sup = OneForOneSupervisor()
    sup.add(w, restart="permanent")
    assert sup.status()[0].restart == "permanent"
    sup.add(w, restart="transient")  # already supervised: updates the type
    assert sup.status()[0].restart == "transient"
    assert len(sup.status()) == 1


def test_unknown_restart_type_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="'permanent', 'transient', 'temporary'"):
        OneForOneSupervisor().add(Child(), restart="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown restart type"):
        OneForOneSupervisor(restart="always")  # type: ignore[arg-type]

    class Odd(Child):
        restart_type = "never"

    with pytest.raises(ValueError, match="unknown restart type 'never'"):
        OneForOneSupervisor(Odd())


async def test_permanent_restarts_after_a_clean_stop() -> None:
    child = Child()
    sup = OneForOneSupervisor()
    sup.add(child, restart="permanent")
    async with sup:
        await child.stop()  # the watcher wakes the supervisor at once
        await until(lambda: child.starts == 2 and child.state == "running")
        assert sup.status()[0].restart_count == 1
        assert sup.status()[0].last_crash is None


async def test_permanent_restarts_after_a_crash() -> None:
    child = Child()
    sup = OneForOneSupervisor()
    sup.add(child, restart="permanent")
    async with sup:
        await child.crash(RuntimeError("boom"))
        await until(lambda: child.starts == 2)


async def test_transient_restarts_after_a_crash_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="mode.supervisors")
    child = Child()
    sup = OneForOneSupervisor()
    sup.add(child, restart="transient")
    async with sup:
        await child.crash(RuntimeError("boom"))
        await until(lambda: child.starts == 2 and child.state == "running")
        await child.stop()
        await settle()
        sup.wakeup()
        await settle()
        assert child.starts == 2
        assert child.state == "stopping"
        assert sup.status()[0].restart_count == 1
    notes = [r for r in caplog.records if "stopped cleanly" in r.getMessage()]
    assert len(notes) == 1  # logged once, not on every wakeup


async def test_temporary_is_removed_after_a_crash() -> None:
    child, other = Child("t"), Child("o")
    sup = OneForOneSupervisor(other)
    sup.add(child, restart="temporary")
    async with sup:
        await child.crash(RuntimeError("boom"))
        await until(lambda: child not in sup._services, "removed")
        assert child.stops == 1  # stopped, not restarted
        assert child.starts == 1
        assert child.supervisor is None
        assert [s.label for s in sup.status()] == ["Child-o"]
        assert sup.recent_restarts == 0


async def test_temporary_is_removed_after_a_clean_stop() -> None:
    child = Child("t")
    sup = OneForOneSupervisor()
    sup.add(child, restart="temporary")
    async with sup:
        await child.stop()
        await until(lambda: child not in sup._services, "removed")
        assert child.starts == 1
        assert child.stops == 1


async def test_group_restart_drops_temporary_and_skips_finished_transient() -> None:
    events: list[str] = []
    perm, temp, done = Child("p", events), Child("t", events), Child("d", events)
    sup = OneForAllSupervisor()
    sup.add(perm, restart="permanent")
    sup.add(temp, restart="temporary")
    sup.add(done, restart="transient")
    async with sup:
        await done.stop()  # a transient child finished its work
        await until(lambda: sup.status()[2].state == "stopping")
        await settle()
        events.clear()
        await perm.crash(RuntimeError("boom"))
        await until(lambda: perm.starts == 2, "group restarted")
        assert events == ["stop:t", "stop:p", "start:p"]
        assert temp not in sup._services
        assert done.starts == 1
        assert [s.label for s in sup.status()] == ["Child-p", "Child-d"]
