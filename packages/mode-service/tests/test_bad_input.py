"""Bad input to the public API of mode-service: the exact error of every row.

``ROWS`` is the table of ../BAD_INPUT.md: one entry point, one wrong value,
the error type and its exact message.  ``test_bad_input`` checks each row
(calls that return an awaitable are awaited, under a deadline: no bad input
hangs); ``test_the_doc_is_the_table`` checks that BAD_INPUT.md lists exactly
these rows, and that no AttributeError, KeyError or AssertionError comes out
of a public API for bad input, except the lookups whose protocol *is* that
error (marked ``lookup=True``).  The row type and the checks are the
workspace's (tests/support_bad_input.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path
from typing import Any

import pytest
from croniter import CroniterBadCronError
from support_bad_input import Row, bad, check_doc, check_raises_async, row_id

import mode
from mode import Service, Signal, SyncSignal
from mode.debug import BlockingDetector
from mode.exceptions import AlreadyStartedError, ServiceCycleError
from mode.locals import Proxy
from mode.proxy import ServiceProxy
from mode.status import readiness, snapshot
from mode.supervisors import Backoff, OneForOneSupervisor
from mode.threads import (
    MethodQueue,
    QueueServiceThread,
    ServiceThread,
    WorkerThread,
    join_threads_left_running,
)
from mode.timers import Timer
from mode.types.services import ServiceT

BAD_INPUT_MD = Path(__file__).resolve().parent.parent / "BAD_INPUT.md"

#: The path of mode/__init__.py differs per install: the table shows this.
MODE_INIT = ".../mode/__init__.py"

_WANT = "'N', 'N/s', 'N/m', 'N/h' or 'N/d' (N a number) or a timedelta"
_WAIT_ARGS = (
    "coroutines, futures, other awaitables, or events (objects with a wait() "
    "method such as mode.utils.locks.Event or asyncio.Event)"
)
_SUPERVISED = (
    "expects services (mode.Service instances), not int: wrap a coroutine "
    "with Service.from_awaitable(coro)"
)


# -- helpers building the wrong calls ---------------------------------------


class App(Service):
    """The ``service`` of the table."""


class Other(Service):
    """A service that is not a dependency of ``App``."""


class Threaded(QueueServiceThread):
    """The ``thread`` of the table (never started by a row)."""


class Proxied(ServiceProxy):
    """The ``proxy`` of the table: stands for a new ``App``."""

    def __init__(self) -> None:
        super().__init__()
        self._app = App()

    @property
    def _service(self) -> ServiceT:
        return self._app


async def _nothing() -> None:
    await asyncio.sleep(0)


def _service_method(name: str, *args: Any, **kwargs: Any) -> Callable[[], Any]:
    def call() -> Any:
        return getattr(App(), name)(*args, **kwargs)

    return call


def _with_coro(fun: Callable[[Coroutine[Any, Any, None]], Any]) -> Callable[[], Any]:
    async def call() -> Any:
        coro = _nothing()
        try:
            return await fun(coro)
        finally:
            coro.close()

    return call


async def _first_tick(ticks: AsyncIterator[float]) -> None:
    try:
        async for _ in ticks:  # pragma: no branch - raises at once
            break
    finally:
        aclose = getattr(ticks, "aclose", None)
        if aclose is not None:  # pragma: no branch
            await aclose()


def _bare_timer() -> Any:
    async def tick(self: Any) -> None:
        pass  # pragma: no cover - never run

    return Service.timer(bad(tick))


def _bad_shutdown_timeout_class() -> type[Service]:
    class Slow(Service):
        shutdown_timeout = bad("10")

    return Slow  # pragma: no cover - the class statement raises


def _poll(self: Any) -> None:
    pass  # pragma: no cover - refused, never run


def _plain_on_start_class() -> type[Service]:
    class MyService(Service):
        def on_start(self) -> None:  # type: ignore[override]
            pass  # pragma: no cover - refused, never run

    return MyService  # pragma: no cover - the class statement raises


def _bad_wait_for_shutdown_class() -> type[Service]:
    class Waits(Service):
        wait_for_shutdown = bad("no")

    return Waits  # pragma: no cover - the class statement raises


async def _start_bad_shutdown_timeout() -> None:
    service = App()
    service.shutdown_timeout = -1
    await service.start()


async def _start_twice() -> None:
    service = App()
    await service.start()
    try:
        await service.start()
    finally:
        await service.stop()


async def _remove_other() -> None:
    await App().remove_dependency(Other())


def _add_self() -> None:
    service = App()
    service.add_dependency(service)


async def _never() -> None:  # pragma: no cover - closed, never run
    pass


def _add_future_outside() -> Any:
    return App().add_future(_never())


def _supervisor(**kwargs: Any) -> OneForOneSupervisor:
    return OneForOneSupervisor(**kwargs)


def _proxy_source_int() -> Any:
    class IntProxy(Proxy[int], source=int):
        pass

    return IntProxy  # pragma: no cover - the class statement raises


def _from_mode_import() -> Any:
    from mode import NoSuchName

    return NoSuchName  # pragma: no cover - the import raises


def _mode_attribute() -> Any:
    return bad(mode).NoSuchName


async def _call_thread(fun: Any) -> Any:
    return await Threaded().call_thread(fun)


async def _queue_call() -> Any:
    return await MethodQueue().call(bad(5), print)


# -- the table --------------------------------------------------------------
# Each line: module, code as written, call, error type, exact message.

ROWS: list[Row] = [
    # mode.services
    Row(
        "services",
        "service.add_dependency(5)",
        _service_method("add_dependency", 5),
        TypeError,
        "add_dependency() expects a service (a mode.Service), not int: wrap a "
        "coroutine with Service.from_awaitable(coro)",
    ),
    Row(
        "services",
        "service.add_dependency(service)",
        _add_self,
        ServiceCycleError,
        "cannot add App as a dependency of App: it would create the cycle "
        "App -> App. A service cannot depend on itself or on one of its "
        "ancestors.",
    ),
    Row(
        "services",
        "await service.add_runtime_dependency(None)",
        _service_method("add_runtime_dependency", None),
        TypeError,
        "add_dependency() expects a service (a mode.Service), not NoneType: "
        "wrap a coroutine with Service.from_awaitable(coro)",
    ),
    Row(
        "services",
        "await service.remove_dependency(other)",
        _remove_other,
        ValueError,
        "<Other: init> is not a dependency of <App: init>",
    ),
    Row(
        "services",
        "service.add_context(5)",
        _service_method("add_context", 5),
        TypeError,
        "add_context() takes a context manager, not int",
    ),
    Row(
        "services",
        "service.add_context(AsyncExitStack())",
        _service_method("add_context", AsyncExitStack()),
        TypeError,
        "add_context() takes a sync context manager; for an async one use "
        "`await self.add_async_context(ctx)`",
    ),
    Row(
        "services",
        "await service.add_async_context(ExitStack())",
        _service_method("add_async_context", ExitStack()),
        TypeError,
        "add_async_context() takes an async context manager; for a sync one "
        "use `self.add_context(ctx)`",
    ),
    Row(
        "services",
        "await service.add_async_context(5)",
        _service_method("add_async_context", 5),
        TypeError,
        "add_async_context() takes an async context manager, not int",
    ),
    Row(
        "services",
        "service.add_future(5)",
        _service_method("add_future", 5),
        TypeError,
        "add_future() expects a coroutine or other awaitable, not int (call the "
        "async function: self.add_future(self.fun()))",
    ),
    Row(
        "services",
        "await service.wait(5)",
        _service_method("wait", 5),
        TypeError,
        f"wait() accepts {_WAIT_ARGS}, not int",
    ),
    Row(
        "services",
        "await service.wait(event1, event2)",
        _service_method("wait", asyncio.Event(), asyncio.Event()),
        TypeError,
        "wait() takes one awaitable, got 2: use wait_first(*aws) for the first "
        "to finish, or wait_many(aws) for all of them",
    ),
    Row(
        "services",
        'await service.wait(timeout="soon")',
        _service_method("wait", timeout="soon"),
        ValueError,
        f"invalid rate or duration 'soon': expected {_WANT}",
    ),
    Row(
        "services",
        'await service.wait(timeout=float("nan"))',
        _service_method("wait", timeout=float("nan")),
        ValueError,
        "wait() timeout must be a number of seconds or None, not nan",
    ),
    Row(
        "services",
        "await service.wait_first(5)",
        _service_method("wait_first", 5),
        TypeError,
        f"wait_first() accepts {_WAIT_ARGS}, not int",
    ),
    Row(
        "services",
        'await service.wait_first(coro, timeout="soon")',
        _with_coro(lambda coro: App().wait_first(coro, timeout="soon")),
        ValueError,
        f"invalid rate or duration 'soon': expected {_WANT}",
    ),
    Row(
        "services",
        'await service.wait_first(coro, timeout=float("nan"))',
        _with_coro(lambda coro: App().wait_first(coro, timeout=float("nan"))),
        ValueError,
        "wait_first() timeout must be a number of seconds or None, not nan",
    ),
    Row(
        "services",
        "await service.wait_many(5)",
        _service_method("wait_many", 5),
        TypeError,
        "wait_many() takes an iterable of awaitables or events, e.g. "
        "wait_many([aw1, aw2]), not int: for one awaitable use wait(aw)",
    ),
    Row(
        "services",
        "await service.wait_many(coro)",
        _with_coro(lambda coro: App().wait_many(bad(coro))),
        TypeError,
        "wait_many() takes an iterable of awaitables or events, e.g. "
        "wait_many([aw1, aw2]), not coroutine: for one awaitable use wait(aw)",
    ),
    Row(
        "services",
        "await service.wait_many([5])",
        _service_method("wait_many", [5]),
        TypeError,
        f"wait_many() accepts {_WAIT_ARGS}, not int",
    ),
    Row(
        "services",
        'await service.wait_many([coro], timeout=float("nan"))',
        _with_coro(lambda coro: App().wait_many([coro], timeout=float("nan"))),
        ValueError,
        "wait_many() timeout must be a number of seconds or None, not nan",
    ),
    Row(
        "services",
        "await service.wait_for_stopped(5)",
        _service_method("wait_for_stopped", 5),
        TypeError,
        f"wait() accepts {_WAIT_ARGS}, not int",
    ),
    Row(
        "services",
        'await service.sleep("soon")',
        _service_method("sleep", "soon"),
        ValueError,
        f"invalid rate or duration 'soon': expected {_WANT}",
    ),
    Row(
        "services",
        "await service.sleep(None)",
        _service_method("sleep", None),
        TypeError,
        "sleep() expects a number of seconds, not None",
    ),
    Row(
        "services",
        'await service.sleep(float("nan"))',
        _service_method("sleep", float("nan")),
        ValueError,
        "sleep() expects a number of seconds, not nan",
    ),
    Row(
        "services",
        "Service.timer(0)",
        lambda: Service.timer(0),
        ValueError,
        "Service.timer interval must be a positive number of seconds, not 0",
    ),
    Row(
        "services",
        "Service.timer(None)",
        lambda: Service.timer(bad(None)),
        TypeError,
        "Service.timer interval must be a positive number of seconds, not None",
    ),
    Row(
        "services",
        'Service.timer("soon")',
        lambda: Service.timer("soon"),
        ValueError,
        f"invalid rate or duration 'soon': expected {_WANT}",
    ),
    Row(
        "services",
        "@Service.timer (no interval)",
        _bare_timer,
        TypeError,
        "Service.timer needs an interval: write @Service.timer(1.0) above the "
        "method, not @Service.timer",
    ),
    Row(
        "services",
        'Service.timer(float("inf"))',
        lambda: Service.timer(float("inf")),
        ValueError,
        "Service.timer interval must be a finite number of seconds, not inf: "
        "for a method that runs once, use @Service.task",
    ),
    Row(
        "services",
        "Service.timer(0.01, max_drift_correction=-1)",
        lambda: Service.timer(0.01, max_drift_correction=-1),
        ValueError,
        "Service.timer max_drift_correction must be a finite number of seconds, "
        "0 or more (such as 0.1), not -1",
    ),
    Row(
        "services",
        'Service.timer(0.01, max_drift_correction=float("nan"))',
        lambda: Service.timer(0.01, max_drift_correction=float("nan")),
        ValueError,
        "Service.timer max_drift_correction must be a finite number of seconds, "
        "0 or more (such as 0.1), not nan",
    ),
    Row(
        "services",
        'Service.timer(0.01, max_drift_correction="x")',
        lambda: Service.timer(0.01, max_drift_correction=bad("x")),
        ValueError,
        "Service.timer max_drift_correction must be a finite number of seconds, "
        "0 or more (such as 0.1), not 'x'",
    ),
    Row(
        "services",
        "Service.timer(0.01, max_drift_correction=None)",
        lambda: Service.timer(0.01, max_drift_correction=bad(None)),
        TypeError,
        "Service.timer max_drift_correction must be a number of seconds (0 or "
        "more, such as 0.1), not NoneType",
    ),
    Row(
        "services",
        'Service.timer(0.01, exec_first="no")',
        lambda: Service.timer(0.01, exec_first=bad("no")),
        TypeError,
        "Service.timer exec_first= must be True or False, not str",
    ),
    Row(
        "services",
        "Service.timer(1.0)(5)",
        lambda: Service.timer(1.0)(bad(5)),
        TypeError,
        "Service.timer decorates an async method, not int",
    ),
    Row(
        "services",
        "Service.task(5)",
        lambda: Service.task(bad(5)),
        TypeError,
        "Service.task decorates an async method, not int",
    ),
    Row(
        "services",
        "Service.crontab(5)",
        lambda: Service.crontab(bad(5)),
        TypeError,
        "cron_format must be a crontab string like '*/5 * * * *', not int",
    ),
    Row(
        "services",
        'Service.crontab("every minute")',
        lambda: Service.crontab("every minute"),
        CroniterBadCronError,
        "Exactly 5, 6 or 7 columns has to be specified for iterator expression.",
    ),
    Row(
        "services",
        'Service.crontab("* * * * *")(5)',
        lambda: Service.crontab("* * * * *")(bad(5)),
        TypeError,
        "Service.crontab decorates an async method, not int",
    ),
    Row(
        "services",
        "@Service.task above def _poll(self)",
        lambda: Service.task(bad(_poll)),
        TypeError,
        "Service.task decorates an async def, but _poll is a plain function: "
        "write `async def _poll(self) -> None:`",
    ),
    Row(
        "services",
        "@Service.timer(1.0) above def _poll(self)",
        lambda: Service.timer(1.0)(bad(_poll)),
        TypeError,
        "Service.timer decorates an async def, but _poll is a plain function: "
        "write `async def _poll(self) -> None:`",
    ),
    Row(
        "services",
        '@Service.crontab("* * * * *") above def _poll(self)',
        lambda: Service.crontab("* * * * *")(bad(_poll)),
        TypeError,
        "Service.crontab decorates an async def, but _poll is a plain function: "
        "write `async def _poll(self) -> None:`",
    ),
    Row(
        "services",
        'async for _ in service.itertimer("soon")',
        lambda: _first_tick(App().itertimer("soon")),
        ValueError,
        f"invalid rate or duration 'soon': expected {_WANT}",
    ),
    Row(
        "services",
        "async for _ in service.itertimer(0)",
        lambda: _first_tick(App().itertimer(0)),
        ValueError,
        "Timer interval must be a finite number > 0, got 0",
    ),
    Row(
        "services",
        "Service.from_awaitable(5)",
        lambda: Service.from_awaitable(bad(5)),
        TypeError,
        "from_awaitable() expects a coroutine or other awaitable, not int (call "
        "the async function: Service.from_awaitable(main()))",
    ),
    Row(
        "services",
        'App(loop="loop")',
        lambda: App(loop=bad("loop")),
        TypeError,
        "App loop= must be an event loop or None, not str",
    ),
    Row(
        "services",
        'App(beacon="node")',
        lambda: App(beacon=bad("node")),
        TypeError,
        "App beacon= must be a node of the service tree (mode.utils.trees.Node) "
        "or None, not str",
    ),
    Row(
        "services",
        'await service.crash("boom")',
        _service_method("crash", "boom"),
        TypeError,
        "crash() expects an exception instance as the reason, not str",
    ),
    Row(
        "services",
        "await service.crash(ValueError(), exc=KeyError())",
        _service_method("crash", ValueError(), exc=KeyError()),
        TypeError,
        "crash() takes the exception once: crash(exc) or crash(exc=exc), not both",
    ),
    Row(
        "services",
        'class Waits(Service): wait_for_shutdown = "no"',
        _bad_wait_for_shutdown_class,
        TypeError,
        "class _bad_wait_for_shutdown_class.<locals>.Waits: wait_for_shutdown "
        "must be True or False, not str",
    ),
    Row(
        "services",
        'class Slow(Service): shutdown_timeout = "10"',
        _bad_shutdown_timeout_class,
        TypeError,
        "class _bad_shutdown_timeout_class.<locals>.Slow: shutdown_timeout must "
        "be a number of seconds, not str",
    ),
    Row(
        "services",
        "class MyService(Service): def on_start(self)",
        _plain_on_start_class,
        TypeError,
        "_plain_on_start_class.<locals>.MyService.on_start must be an async def "
        "(it is awaited when the service starts): write "
        "`async def on_start(self) -> None:`",
    ),
    Row(
        "services",
        "service.shutdown_timeout = -1; await service.start()",
        _start_bad_shutdown_timeout,
        ValueError,
        "<App: init>: shutdown_timeout must be 0 or more seconds, not -1",
    ),
    Row(
        "services",
        "await service.start() (started already)",
        _start_twice,
        AlreadyStartedError,
        "<App: running> is already started: use maybe_start() to start it only "
        "if needed, or restart() to stop and start it again",
    ),
    Row(
        "services",
        "service.add_future(coro) outside a loop (none given)",
        _add_future_outside,
        RuntimeError,
        "<App: init> has no event loop for its tasks: no loop is running in "
        "this thread and none was given.  Start the service from a coroutine "
        "(inside asyncio.run()), or pass loop=... to it.",
        outside_loop=True,
    ),
    # mode.signals
    Row(
        "signals",
        "Signal().connect(5)",
        lambda: Signal[Any]().connect(bad(5)),
        TypeError,
        "Signal: a signal receiver must be callable, got int 5",
    ),
    Row(
        "signals",
        "SyncSignal().connect(5)",
        lambda: SyncSignal[Any]().connect(bad(5)),
        TypeError,
        "SyncSignal: a signal receiver must be callable, got int 5",
    ),
    Row(
        "signals",
        'Signal().connect(fun, weak="no")',
        lambda: Signal[Any]().connect(print, weak=bad("no")),
        TypeError,
        "Signal: connect() weak= must be True or False, not str",
    ),
    Row(
        "signals",
        "SyncSignal().connect(weak=1)",
        lambda: SyncSignal[Any]().connect(weak=bad(1)),
        TypeError,
        "SyncSignal: connect() weak= must be True or False, not int",
    ),
    Row(
        "signals",
        "await Signal().send()",
        lambda: Signal[Any]().send(),
        TypeError,
        "Signal.send() requires at least one argument: the sender",
    ),
    Row(
        "signals",
        "SyncSignal().send()",
        lambda: SyncSignal[Any]().send(),
        TypeError,
        "SyncSignal.send() requires at least one argument: the sender",
    ),
    Row(
        "signals",
        "Signal(receivers=5)",
        lambda: Signal[Any](receivers=bad(5)),
        TypeError,
        "Signal receivers= must be an iterable of receivers (callables or weak "
        "references), not int",
    ),
    Row(
        "signals",
        "Signal(filter_receivers=5)",
        lambda: Signal[Any](filter_receivers=bad(5)),
        TypeError,
        "Signal filter_receivers= must be a mapping of sender to receivers, not int",
    ),
    # mode.supervisors
    Row(
        "supervisors",
        "OneForOneSupervisor(5)",
        lambda: OneForOneSupervisor(bad(5)),
        TypeError,
        f"OneForOneSupervisor.add() {_SUPERVISED}",
    ),
    Row(
        "supervisors",
        "OneForOneSupervisor(max_restarts=-1)",
        lambda: _supervisor(max_restarts=-1),
        ValueError,
        "max_restarts must be >= 0 (0: escalate on the first crash), not -1",
    ),
    Row(
        "supervisors",
        'OneForOneSupervisor(max_restarts="many")',
        lambda: _supervisor(max_restarts="many"),
        ValueError,
        f"invalid rate or duration 'many': expected {_WANT}",
    ),
    Row(
        "supervisors",
        "OneForOneSupervisor(over=0)",
        lambda: _supervisor(over=0),
        ValueError,
        "over must be a positive number of seconds, not 0",
    ),
    Row(
        "supervisors",
        'OneForOneSupervisor(restart="sometimes")',
        lambda: _supervisor(restart="sometimes"),
        ValueError,
        "unknown restart type 'sometimes': use one of 'permanent', 'transient', "
        "'temporary'",
    ),
    Row(
        "supervisors",
        "OneForOneSupervisor(backoff=1)",
        lambda: _supervisor(backoff=1),
        TypeError,
        "backoff must be a mode.supervisors.Backoff (or None), not int",
    ),
    Row(
        "supervisors",
        'OneForOneSupervisor(raises="boom")',
        lambda: _supervisor(raises="boom"),
        TypeError,
        "raises must be an exception class such as MaxRestartsExceeded, not 'boom'",
    ),
    Row(
        "supervisors",
        "OneForOneSupervisor(replacement=5)",
        lambda: _supervisor(replacement=5),
        TypeError,
        "replacement= must be a callable or None, not int",
    ),
    Row(
        "supervisors",
        "OneForOneSupervisor(clock=5)",
        lambda: _supervisor(clock=5),
        TypeError,
        "clock= must be a callable or None, not int",
    ),
    Row(
        "supervisors",
        "OneForOneSupervisor(sleep=5)",
        lambda: _supervisor(sleep=5),
        TypeError,
        "sleep= must be a callable or None, not int",
    ),
    Row(
        "supervisors",
        "OneForOneSupervisor(random=5)",
        lambda: _supervisor(random=5),
        TypeError,
        "random= must be a callable or None, not int",
    ),
    Row(
        "supervisors",
        "OneForOneSupervisor(poll_interval=0)",
        lambda: _supervisor(poll_interval=0),
        ValueError,
        "poll_interval must be a positive number of seconds, not 0",
    ),
    Row(
        "supervisors",
        "OneForOneSupervisor(child_shutdown_timeout=-1)",
        lambda: _supervisor(child_shutdown_timeout=-1),
        ValueError,
        "child_shutdown_timeout must be >= 0 seconds, not -1",
    ),
    Row(
        "supervisors",
        "supervisor.add(5)",
        lambda: OneForOneSupervisor().add(bad(5)),
        TypeError,
        f"OneForOneSupervisor.add() {_SUPERVISED}",
    ),
    Row(
        "supervisors",
        'supervisor.add(service, restart="sometimes")',
        lambda: OneForOneSupervisor().add(App(), restart=bad("sometimes")),
        ValueError,
        "unknown restart type 'sometimes': use one of 'permanent', 'transient', "
        "'temporary'",
    ),
    Row(
        "supervisors",
        "supervisor.add(service, shutdown_timeout=-1)",
        lambda: OneForOneSupervisor().add(App(), shutdown_timeout=-1),
        ValueError,
        "shutdown_timeout must be >= 0 seconds, not -1",
    ),
    Row(
        "supervisors",
        'supervisor.insert("0", service)',
        lambda: OneForOneSupervisor(App()).insert(bad("0"), App()),
        TypeError,
        "insert() index must be an int, not str",
    ),
    Row(
        "supervisors",
        "supervisor.insert(0, 5)",
        lambda: OneForOneSupervisor(App()).insert(0, bad(5)),
        TypeError,
        f"OneForOneSupervisor.insert() {_SUPERVISED}",
    ),
    Row(
        "supervisors",
        "Backoff(initial=-1)",
        lambda: Backoff(initial=-1),
        ValueError,
        "Backoff.initial must be >= 0 seconds, not -1.0",
    ),
    Row(
        "supervisors",
        'Backoff(initial="1")',
        lambda: Backoff(initial=bad("1")),
        TypeError,
        "Backoff.initial must be a number, not str",
    ),
    Row(
        "supervisors",
        "Backoff(factor=0.5)",
        lambda: Backoff(factor=0.5),
        ValueError,
        "Backoff.factor must be >= 1, not 0.5",
    ),
    Row(
        "supervisors",
        "Backoff(jitter=2)",
        lambda: Backoff(jitter=2),
        ValueError,
        "Backoff.jitter is a fraction in [0, 1] (0.1: up to 10% shorter), not 2.0",
    ),
    Row(
        "supervisors",
        "Backoff().delay(-1)",
        lambda: Backoff().delay(-1),
        ValueError,
        "attempt must be >= 0, not -1",
    ),
    Row(
        "supervisors",
        'Backoff().delay("1")',
        lambda: Backoff().delay(bad("1")),
        TypeError,
        "attempt must be an int, not str",
    ),
    Row(
        "supervisors",
        "Backoff().delay(1, rand=2)",
        lambda: Backoff().delay(1, rand=2),
        ValueError,
        "rand must be in [0, 1], not 2.0",
    ),
    # mode.timers
    Row(
        "timers",
        "Timer(0)",
        lambda: Timer(0),
        ValueError,
        "Timer interval must be a finite number > 0, got 0",
    ),
    Row(
        "timers",
        "Timer(None)",
        lambda: Timer(bad(None)),
        TypeError,
        "Timer interval must be a number of seconds, not None",
    ),
    Row(
        "timers",
        'Timer("soon")',
        lambda: Timer("soon"),
        ValueError,
        f"invalid rate or duration 'soon': expected {_WANT}",
    ),
    Row(
        "timers",
        'Timer(float("inf"))',
        lambda: Timer(float("inf")),
        ValueError,
        "Timer interval must be a finite number > 0, got inf",
    ),
    Row(
        "timers",
        "Timer(1, jitter=-1)",
        lambda: Timer(1, jitter=-1),
        ValueError,
        "Timer jitter must be a finite number >= 0, got -1",
    ),
    Row(
        "timers",
        "Timer(1, jitter=0.6)",
        lambda: Timer(1, jitter=0.6),
        ValueError,
        "Timer jitter must be at most half the interval (0.5), got 0.6",
    ),
    Row(
        "timers",
        "Timer(1, max_drift_correction=None)",
        lambda: Timer(1, max_drift_correction=bad(None)),
        TypeError,
        "Timer max_drift_correction must be a number of seconds, not None",
    ),
    Row(
        "timers",
        "Timer(1, clock=5)",
        lambda: Timer(1, clock=bad(5)),
        TypeError,
        "Timer clock= must be a callable returning seconds (like "
        "time.monotonic), not int",
    ),
    Row(
        "timers",
        "Timer(1, sleep=5)",
        lambda: Timer(1, sleep=bad(5)),
        TypeError,
        "Timer sleep= must be a callable awaiting seconds (like asyncio.sleep), "
        "not int",
    ),
    Row(
        "timers",
        "Timer(1, random=5)",
        lambda: Timer(1, random=bad(5)),
        TypeError,
        "Timer random= must be a callable returning a float in [0, 1) (like "
        "random.random), not int",
    ),
    # mode.threads
    Row(
        "threads",
        "ServiceThread(executor=pool)",
        lambda: ServiceThread(executor=object()),
        NotImplementedError,
        "ServiceThread(executor=...) is no longer supported: every "
        "ServiceThread runs in a thread of its own",
    ),
    Row(
        "threads",
        "ServiceThread(thread_join_timeout=-1)",
        lambda: ServiceThread(thread_join_timeout=-1),
        ValueError,
        "thread_join_timeout must be 0 or more seconds, not -1",
    ),
    Row(
        "threads",
        'ServiceThread(thread_join_timeout=float("inf"))',
        lambda: ServiceThread(thread_join_timeout=float("inf")),
        ValueError,
        "thread_join_timeout must be a finite number of seconds up to "
        "threading.TIMEOUT_MAX, not inf",
    ),
    Row(
        "threads",
        "ServiceThread(thread_join_timeout=1e12)",
        lambda: ServiceThread(thread_join_timeout=1e12),
        ValueError,
        "thread_join_timeout must be a finite number of seconds up to "
        "threading.TIMEOUT_MAX, not 1000000000000.0",
    ),
    Row(
        "threads",
        'ServiceThread(thread_join_timeout=float("nan"))',
        lambda: ServiceThread(thread_join_timeout=float("nan")),
        ValueError,
        "thread_join_timeout must be a number of seconds, not nan",
    ),
    Row(
        "threads",
        'ServiceThread(keepalive_interval=float("nan"))',
        lambda: ServiceThread(keepalive_interval=float("nan")),
        ValueError,
        "keepalive_interval must be a number of seconds, not nan",
    ),
    Row(
        "threads",
        "ServiceThread(keepalive_interval=5, keepalive_threshold=1)",
        lambda: ServiceThread(keepalive_interval=5, keepalive_threshold=1),
        ValueError,
        "keepalive_threshold (1 s) must be more than keepalive_interval (5 s)",
    ),
    Row(
        "threads",
        "ServiceThread(Worker=5)",
        lambda: ServiceThread(Worker=bad(5)),
        TypeError,
        "ServiceThread Worker= must be a subclass of mode.threads.WorkerThread, not 5",
    ),
    Row(
        "threads",
        "ServiceThread(loop_factory=5)",
        lambda: ServiceThread(loop_factory=bad(5)),
        TypeError,
        "ServiceThread loop_factory= must be a callable returning a new event "
        "loop (like mode.loop.factory('uvloop')), not int",
    ),
    Row(
        "threads",
        'ServiceThread(thread_loop="loop")',
        lambda: ServiceThread(thread_loop=bad("loop")),
        TypeError,
        "ServiceThread thread_loop= must be an event loop or None, not str",
    ),
    Row(
        "threads",
        'QueueServiceThread(loop="loop")',
        lambda: Threaded(loop=bad("loop")),
        TypeError,
        "ServiceThread loop= must be an event loop or None, not str",
    ),
    Row(
        "threads",
        'WorkerThread(thread, daemon="no")',
        lambda: WorkerThread(Threaded(), daemon="no"),
        TypeError,
        "WorkerThread daemon= must be True or False, not 'no'",
    ),
    Row(
        "threads",
        "QueueServiceThread(num_workers=0)",
        lambda: Threaded(num_workers=0),
        ValueError,
        "num_workers must be a positive integer, not 0",
    ),
    Row(
        "threads",
        'QueueServiceThread(num_workers="2")',
        lambda: Threaded(num_workers=bad("2")),
        TypeError,
        "num_workers must be a positive integer, not str",
    ),
    Row(
        "threads",
        "await thread.call_thread(5)",
        lambda: _call_thread(5),
        TypeError,
        "MethodQueue.call() expects a function or coroutine function, not int",
    ),
    Row(
        "threads",
        "await thread.cast_thread(5)",
        lambda: Threaded().cast_thread(bad(5)),
        TypeError,
        "MethodQueue.cast() expects a function or coroutine function, not int",
    ),
    Row(
        "threads",
        "await thread.call_thread(fun) (not started)",
        lambda: _call_thread(print),
        RuntimeError,
        "<MethodQueue: init> is not running: calls are accepted between start() "
        "and stop() of the service",
    ),
    Row(
        "threads",
        "MethodQueue(num_workers=True)",
        lambda: MethodQueue(num_workers=True),
        TypeError,
        "num_workers must be a positive integer, not bool",
    ),
    Row(
        "threads",
        "await MethodQueue().call(5, fun)",
        _queue_call,
        TypeError,
        "MethodQueue.call() needs an asyncio.Future as promise, not int (use "
        "loop.create_future())",
    ),
    Row(
        "threads",
        'join_threads_left_running(float("inf"))',
        lambda: join_threads_left_running(float("inf")),
        ValueError,
        "timeout must be a finite number of seconds up to threading.TIMEOUT_MAX, "
        "not inf",
    ),
    # mode.proxy
    Row(
        "proxy",
        "proxy.add_dependency(5)",
        lambda: Proxied().add_dependency(bad(5)),
        TypeError,
        "add_dependency() expects a service (a mode.Service), not int: wrap a "
        "coroutine with Service.from_awaitable(coro)",
    ),
    Row(
        "proxy",
        "proxy.add_context(5)",
        lambda: Proxied().add_context(bad(5)),
        TypeError,
        "add_context() takes a context manager, not int",
    ),
    # mode.locals
    Row(
        "locals",
        "Proxy(5)",
        lambda: Proxy(bad(5)),
        TypeError,
        "Proxy needs a callable that returns the target, got 5",
    ),
    Row(
        "locals",
        "Proxy(fun, args=5)",
        lambda: Proxy(dict, args=bad(5)),
        TypeError,
        "Proxy args= must be a tuple of positional arguments, not int",
    ),
    Row(
        "locals",
        "Proxy(fun, kwargs=5)",
        lambda: Proxy(dict, kwargs=bad(5)),
        TypeError,
        "Proxy kwargs= must be a mapping of keyword arguments, not int",
    ),
    Row(
        "locals",
        "class P(Proxy, source=int)",
        _proxy_source_int,
        TypeError,
        "Proxy source must be an abstract base class (abc.ABC), got <class 'int'>",
    ),
    # mode.debug
    Row(
        "debug",
        "BlockingDetector(0)",
        lambda: BlockingDetector(0),
        ValueError,
        "BlockingDetector timeout must be > 0 seconds, got 0",
    ),
    Row(
        "debug",
        "BlockingDetector(None)",
        lambda: BlockingDetector(bad(None)),
        TypeError,
        "BlockingDetector timeout must be > 0 seconds, not None",
    ),
    Row(
        "debug",
        'BlockingDetector("soon")',
        lambda: BlockingDetector("soon"),
        ValueError,
        f"invalid rate or duration 'soon': expected {_WANT}",
    ),
    Row(
        "debug",
        "BlockingDetector(1, raises=5)",
        lambda: BlockingDetector(1, raises=bad(5)),
        TypeError,
        "BlockingDetector raises= must be an exception class (such as "
        "mode.debug.Blocking), not 5",
    ),
    # mode.status
    Row(
        "status",
        "snapshot(5)",
        lambda: snapshot(bad(5)),
        TypeError,
        "snapshot() takes a service (the root of the tree to describe: a "
        "mode.Service, a Worker, a supervisor), not int",
    ),
    Row(
        "status",
        'snapshot(service, now="soon")',
        lambda: snapshot(App(), now=bad("soon")),
        TypeError,
        "snapshot() now must be a number of seconds (time.time()), not str",
    ),
    Row(
        "status",
        "readiness({})",
        lambda: readiness(bad({})),
        TypeError,
        "readiness() takes the dict that mode.status.snapshot() returns (with "
        "'root' and 'taken_at'), not dict",
    ),
    Row(
        "status",
        "readiness(snapshot(service), backoff_limit=-1)",
        lambda: readiness(snapshot(App()), backoff_limit=-1),
        ValueError,
        "backoff_limit must be 0 or more seconds, not -1",
    ),
    # the mode facade
    Row(
        "mode",
        "from mode import NoSuchName",
        _from_mode_import,
        ImportError,
        f"cannot import name 'NoSuchName' from 'mode' ({MODE_INIT})",
    ),
    # Lookups whose protocol is AttributeError (kept on purpose).
    Row(
        "mode",
        "mode.NoSuchName",
        _mode_attribute,
        AttributeError,
        "module 'mode' has no attribute 'NoSuchName'",
        lookup=True,
    ),
    Row(
        "locals",
        "Proxy(dict).missing",
        lambda: Proxy(dict).missing,
        AttributeError,
        "'dict' object has no attribute 'missing'",
        lookup=True,
    ),
]


def _message(exc: BaseException) -> str:
    # The one install-dependent part of a message: where mode is.
    return str(exc).replace(str(Path(mode.__file__ or "")), MODE_INIT)


@pytest.mark.parametrize("row", ROWS, ids=row_id)
async def test_bad_input(row: Row) -> None:
    await check_raises_async(row, show=_message)


def test_the_doc_is_the_table() -> None:
    check_doc(BAD_INPUT_MD, ROWS)
