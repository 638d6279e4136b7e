"""What a service costs in memory, and the objects it makes only on first use."""

from __future__ import annotations

import asyncio
import gc
import logging
import tracemalloc
from unittest.mock import patch

import pytest

from mode import Service, ServiceT
from mode.services import Diag
from mode.utils.logging import CompositeLogger


class Leaf(Service):
    pass


def test_a_leaf_service_costs_well_under_two_kilobytes() -> None:
    # The benchmark issue's budget: <= 2 KB per service in a tree.  Measured
    # as the bench does: a root with n leaves, everything the leaves and the
    # root's bookkeeping allocate.
    n = 500
    root = Service()
    Leaf()  # class set-up (logger, task names) out of the measurement
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(n):
            root.add_dependency(Leaf())
        per_service = (tracemalloc.get_traced_memory()[0] - before) / n
    finally:
        tracemalloc.stop()
    assert per_service < 2048, per_service


def test_log_and_diag_are_made_on_first_use_and_kept() -> None:
    a, b = Leaf(), Leaf()
    assert "log" not in vars(a)
    assert "diag" not in vars(a)
    log = a.log
    assert isinstance(log, CompositeLogger)
    assert a.log is log
    assert b.log is not log
    diag = a.diag
    assert isinstance(diag, Diag)
    assert diag.service is a
    assert a.diag is diag
    assert "diag" not in vars(b)
    assert b.diag is not diag


async def test_rarely_used_state_is_made_on_first_use() -> None:
    # Issue 18: what most services never use is not stored per instance.
    s = Leaf()
    for name in ("_shutdown", "_stop_waiters", "_exit_stack", "_crash_reason"):
        assert name not in vars(s), name
    await s.start()
    await s.stop()
    assert s.state == "stopping"  # no set_shutdown(): reading makes the flag
    flag = s._shutdown
    assert s._shutdown is flag
    s.set_shutdown()
    assert s.state == "shutdown"
    s.service_reset()  # a new flag on next use, clear
    assert "_shutdown" not in vars(s)
    assert not s._shutdown.is_set()
    assert s._shutdown is not flag


class _WaitsForShutdown(Service):
    wait_for_shutdown = True
    shutdown_timeout = 5.0


async def test_a_lazy_shutdown_flag_set_before_the_stop_is_seen() -> None:
    s = _WaitsForShutdown()
    await s.start()
    s.set_shutdown()  # first use of the flag: made here, then set
    async with asyncio.timeout(1.0):  # not the 5 s shutdown_timeout
        await s.stop()  # returns at once: the stop sees the same flag
    assert s.state == "shutdown"


def test_log_and_diag_can_be_replaced() -> None:
    s = Leaf()
    other = Leaf().diag
    s.diag = other
    assert s.diag is other
    custom = CompositeLogger(s.logger)
    s.log = custom
    assert s.log is custom


def test_class_access_gives_the_descriptor() -> None:
    # Introspection (help(), docs) sees the descriptor, not an error.
    assert type(Service.__dict__["diag"]).__name__ == "_OnFirstUse"
    assert Service.diag is Service.__dict__["diag"]
    assert Service.log is Service.__mro__[1].__dict__["log"]


def test_a_diag_class_that_fails_fails_on_first_read() -> None:
    class Broken(Diag):
        def __init__(self, service: ServiceT) -> None:
            raise RuntimeError("no diagnostics")

    class WithBrokenDiag(Service):
        Diag = Broken

    s = WithBrokenDiag()  # construction does not touch diag
    for _ in range(2):  # and nothing half-made is kept
        with pytest.raises(RuntimeError, match="no diagnostics"):
            s.diag  # noqa: B018
    assert "diag" not in vars(s)


async def test_a_quiet_start_and_stop_make_no_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    s = Leaf()
    await s.start()
    await s.stop()
    assert "_log_object" not in vars(s)


async def test_a_patched_log_is_restored_by_the_patch() -> None:
    s = Leaf()
    made = s.log
    with patch.object(s, "log") as fake:
        assert s.log is fake
        await s.start()
        await s.stop()
        assert fake.log.call_count == 2  # Starting... and Stopping...
    assert s.log is made
    assert not s._log_replaced
    s.service_reset()
    t = Leaf()
    with patch.object(t, "log"):  # never read before: a new one after
        pass
    assert isinstance(t.log, CompositeLogger)
    del t.log
    assert isinstance(t.log, CompositeLogger)
    with pytest.raises(AttributeError):
        del Leaf().log
