"""Crash semantics: logged once, crash_reason, supervisor, tree propagation."""

from __future__ import annotations

import asyncio
import logging
from typing import cast
from unittest.mock import Mock

import pytest

from mode.services import Service
from mode.types.supervisors import SupervisorStrategyT


class FakeSupervisor:
    def __init__(self) -> None:
        self.wakeups = 0

    def wakeup(self) -> None:
        self.wakeups += 1


def supervise(service: Service) -> FakeSupervisor:
    sup = FakeSupervisor()
    service.supervisor = cast(SupervisorStrategyT, sup)
    return sup


class Failing(Service):
    @Service.task
    async def _fail(self) -> None:
        raise ValueError("task failed")


def crash_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "Crashed reason" in r.getMessage()]


async def test_task_exception_crashes_the_service_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = Service()
    middle = root.add_dependency(Service())
    leaf = middle.add_dependency(Failing())
    await root.start()
    await leaf.wait_until_stopped()
    for s in (root, middle, leaf):
        assert s.crashed
        assert s.should_stop
        assert s.state == "crashed"
        assert isinstance(s.crash_reason, ValueError)
    records = crash_records(caplog)
    assert len(records) == 1  # not once per ancestor
    assert records[0].levelno == logging.ERROR
    assert records[0].exc_info is not None
    assert "task failed" in caplog.text
    assert "Traceback" in caplog.text
    await root.stop()


async def test_crash_without_supervisor_marks_the_whole_tree() -> None:
    root = Service()
    a = root.add_dependency(Service())
    b = root.add_dependency(Service())
    a_child = a.add_dependency(Service())
    await a_child.crash(KeyError("k"))
    assert all(s.crashed for s in (root, a, b, a_child))
    # Crash stops nothing by itself.
    assert not root._stopped.is_set()


async def test_crash_also_marks_beacon_children_of_the_path() -> None:
    root = Service()
    by_beacon = Service(beacon=root.beacon)  # a beacon child, not a dependency
    leaf = root.add_dependency(Service())
    await leaf.crash(KeyError("k"))
    assert by_beacon.crashed


async def test_crash_with_own_supervisor_only_wakes_it() -> None:
    parent = Service()
    child = parent.add_dependency(Service())
    grandchild = child.add_dependency(Service())
    sup = supervise(child)
    await child.crash(ValueError("x"))
    assert sup.wakeups == 1
    assert child.crashed
    assert grandchild.crashed
    assert not parent.crashed


async def test_crash_goes_to_the_nearest_supervised_ancestor() -> None:
    root = Service()
    supervised = root.add_dependency(Service())
    sibling = supervised.add_dependency(Service())
    middle = supervised.add_dependency(Service())
    leaf = middle.add_dependency(Service())
    sup = supervise(supervised)
    await leaf.crash(ValueError("x"))
    assert sup.wakeups == 1
    assert leaf.crashed
    assert middle.crashed
    assert supervised.crashed
    assert sibling.crashed  # crashed with the supervised subtree
    assert not root.crashed


async def test_first_crash_reason_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    s = Service()
    first, second = ValueError("first"), KeyError("second")
    await s.crash(first)
    await s.crash(second)
    assert s.crash_reason is first
    assert len(crash_records(caplog)) == 2  # a different error is logged too
    await s.crash(first)
    assert len(crash_records(caplog)) == 2  # the same one is not logged again
    s.crash_reason = second
    assert s.crash_reason is second


async def test_crash_wakes_sleep_and_wait() -> None:
    s = Service()
    await s.start()
    sleeper = asyncio.create_task(s.sleep(3600))
    waiter = asyncio.create_task(s.wait(asyncio.Event().wait()))
    await asyncio.sleep(0)
    await s.crash(RuntimeError("boom"))
    await asyncio.wait_for(sleeper, 5)
    assert await asyncio.wait_for(waiter, 5) == (None, True)
    await s.stop()


async def test_crashed_timer_loop_ends() -> None:
    ticks: list[int] = []

    class S(Service):
        @Service.timer(3600, exec_first=True)
        async def _tick(self) -> None:
            ticks.append(1)

    s = S()
    await s.start()
    await asyncio.sleep(0)
    await s.crash(RuntimeError("boom"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert all(t.done() for t in s._futures) or not s._futures
    assert ticks == [1]
    await s.stop()


async def test_reset_clears_the_crash() -> None:
    s = Service()
    await s.crash(ValueError("x"))
    await s.stop()
    s.service_reset()
    assert not s.crashed
    assert s.crash_reason is None
    await s.start()
    assert s.state == "running"
    await s.stop()


async def test_supervised_background_crash_then_reset() -> None:
    # A supervised service that crashes can be restarted cleanly.
    s = Failing()
    sup = supervise(s)
    await s.start()
    await s.wait_until_stopped()
    assert sup.wakeups == 1
    s.supervisor = None
    await s.stop()
    s.service_reset()
    assert s.state == "init"


async def test_crash_walks_past_non_service_nodes() -> None:
    supervised = Service()
    sup = supervise(supervised)
    plain = supervised.beacon.new("a plain node")  # not a service
    leaf = Service(beacon=plain)
    await leaf.crash(ValueError("x"))
    assert sup.wakeups == 1
    assert leaf.crashed
    assert supervised.crashed


async def test_unsupervised_crash_skips_raw_beacon_children() -> None:
    root = Service()
    root.beacon.add("raw child data")
    leaf = root.add_dependency(Service())
    await leaf.crash(ValueError("x"))
    assert root.crashed


async def test_crash_keeps_a_reason_set_beforehand() -> None:
    s = Service()
    preset = ValueError("preset")
    s.crash_reason = preset
    s._crash(KeyError("later"))
    assert s.crashed
    assert s.crash_reason is preset


async def test_a_replaced_log_sees_the_exception_call_of_the_original() -> None:
    # Tests replacing service.log check log.exception("Crashed reason=%r", exc),
    # the original's call, when the crash is handled in an except block.
    s = Service()
    log = s.log = Mock(name="log")
    exc = ValueError("boom")
    try:
        raise exc
    except ValueError:
        await s.crash(exc)
    log.exception.assert_called_once_with("Crashed reason=%r", exc)


async def test_a_crash_outside_an_except_block_still_logs_the_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    s = Service()
    try:
        raise ValueError("raised earlier")
    except ValueError as e:
        exc = e
    await s.crash(exc)
    (record,) = crash_records(caplog)
    assert record.exc_info is not None
    assert record.exc_info[1] is exc


async def test_crash_takes_the_exception_by_the_originals_keyword() -> None:
    s = Service()
    reason = ValueError("by keyword")
    await s.crash(exc=reason)  # the keyword of the original's ServiceThread
    assert s.crashed
    assert s.crash_reason is reason
    other = Service()
    await other.crash(reason=reason)
    assert other.crash_reason is reason
