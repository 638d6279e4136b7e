"""mode.types ABCs, mode.exceptions and the public names of mode.services."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any, get_args

import pytest

import mode.services
import mode.types
from mode.exceptions import (
    AlreadyStartedError,
    MaxRestartsExceeded,
    ModeError,
    ServiceCycleError,
)
from mode.services import (
    ClockArg,
    Diag,
    FutureT,
    Service,
    ServiceBase,
    WaitArgT,
    WaitResult,
    WaitResults,
)
from mode.types import (
    BaseSignalT,
    DiagT,
    ServiceT,
    SignalHandlerT,
    SignalT,
    SupervisorStrategyT,
    SyncSignalT,
)
from mode.types.services import AsyncFun
from mode.types.supervisors import ReplacementT
from mode.utils.locks import Event


def test_mode_types_reexports() -> None:
    assert set(mode.types.__all__) == {
        "BaseSignalT",
        "DiagT",
        "ServiceT",
        "SignalHandlerT",
        "SignalT",
        "SupervisorStrategyT",
        "SyncSignalT",
    }
    for name in mode.types.__all__:
        assert getattr(mode.types, name) is not None
    assert issubclass(SignalT, BaseSignalT)
    assert issubclass(SyncSignalT, BaseSignalT)
    assert SignalHandlerT is not None


def test_mode_services_public_names() -> None:
    assert set(mode.services.__all__) >= {
        "ServiceBase",
        "Service",
        "Diag",
        "task",
        "timer",
        "crontab",
        "ClockArg",
        "FutureT",
        "WaitArgT",
        "WaitResults",
        "WaitResult",
        "ServiceTask",
        "ServiceCallbacks",
    }
    for name in mode.services.__all__:
        assert hasattr(mode.services, name), name
    assert mode.services.task == Service.task
    assert mode.services.timer == Service.timer
    assert mode.services.crontab == Service.crontab
    assert ClockArg is not None
    assert Event in get_args(WaitArgT)
    assert asyncio.Event in get_args(WaitArgT)
    assert asyncio.Future[Any] in get_args(FutureT)


def test_abcs_cannot_be_instantiated() -> None:
    abcs: tuple[Any, ...] = (ServiceT, DiagT, SupervisorStrategyT)
    for abc_ in abcs:
        assert inspect.isabstract(abc_)
        with pytest.raises(TypeError):
            abc_()
    assert not inspect.isabstract(Service)
    assert not inspect.isabstract(Diag)


def test_servicet_members() -> None:
    abstract = ServiceT.__abstractmethods__
    for name in (
        "__init__",
        "add_dependency",
        "add_runtime_dependency",
        "add_async_context",
        "add_context",
        "start",
        "maybe_start",
        "crash",
        "_crash",
        "stop",
        "service_reset",
        "restart",
        "wait_until_stopped",
        "set_shutdown",
        "_repr_info",
        "started",
        "crashed",
        "should_stop",
        "state",
        "label",
        "shortlabel",
        "beacon",
        "loop",
        "crash_reason",
    ):
        assert name in abstract, name
    assert ServiceT.wait_for_shutdown is False
    assert ServiceT.restart_count == 0
    assert ServiceT.supervisor is None
    assert issubclass(ServiceBase, ServiceT)
    assert isinstance(Service(), ServiceT)


def test_supervisor_strategy_t_members() -> None:
    assert issubclass(SupervisorStrategyT, ServiceT)
    for name in (
        "wakeup",
        "add",
        "discard",
        "service_operational",
        "restart_service",
    ):
        assert name in SupervisorStrategyT.__abstractmethods__


async def test_a_concrete_supervisor_type_checks_and_runs() -> None:
    class Sup(Service, SupervisorStrategyT):
        def __init__(
            self,
            *services: ServiceT,
            max_restarts: Any = 100.0,
            over: Any = 1.0,
            raises: type[BaseException] | None = None,
            replacement: ReplacementT | None = None,
            **kwargs: Any,
        ) -> None:
            self.max_restarts = float(max_restarts)
            self.over = float(over)
            self.raises = raises or MaxRestartsExceeded
            self.replacement = replacement
            self.woken = 0
            super().__init__(**kwargs)

        def wakeup(self) -> None:
            self.woken += 1

        def add(self, *services: ServiceT) -> None:
            for s in services:
                s.supervisor = self

        def discard(self, *services: ServiceT) -> None:
            for s in services:
                s.supervisor = None

        def service_operational(self, service: ServiceT) -> bool:
            return not service.crashed

        async def restart_service(self, service: ServiceT) -> None:
            await service.restart()

    sup = Sup()
    child = Service()
    sup.add(child)
    await child.start()
    await child.crash(ValueError("x"))
    assert sup.woken == 1
    assert not sup.service_operational(child)
    await sup.restart_service(child)
    assert sup.service_operational(child)
    sup.discard(child)
    assert child.supervisor is None
    await child.stop()


def test_diag_implements_diag_t() -> None:
    assert issubclass(Diag, DiagT)


def test_wait_result_shapes() -> None:
    assert WaitResult(1, False)._fields == ("result", "stopped")
    assert WaitResults([], [], True)._fields == ("done", "results", "stopped")


def test_async_fun_alias() -> None:
    alias = AsyncFun[int]
    assert Awaitable[int] in get_args(alias)


def test_exception_hierarchy() -> None:
    for exc in (MaxRestartsExceeded, ServiceCycleError, AlreadyStartedError):
        assert issubclass(exc, ModeError)
        assert exc.__doc__
    assert issubclass(ServiceCycleError, ValueError)
    assert issubclass(AlreadyStartedError, RuntimeError)
    assert issubclass(ModeError, Exception)
