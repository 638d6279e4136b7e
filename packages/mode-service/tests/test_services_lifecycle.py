"""Service lifecycle: start/stop order, flags, state, restart, reset, loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from typing import Any
from unittest.mock import Mock, call

import pytest

from mode.exceptions import AlreadyStartedError
from mode.services import Diag, Service, ServiceBase, ServiceCallbacks
from mode.types import ServiceT
from mode.utils.logging import CompositeLogger


class Recorder(Service):
    """Records every hook call in a shared list."""

    def __init__(self, name: str, calls: list[str], **kwargs: Any) -> None:
        self.name = name
        self.calls = calls
        super().__init__(**kwargs)

    def _repr_name(self) -> str:
        return self.name

    async def on_first_start(self) -> None:
        self.calls.append(f"{self.name}.first_start")

    async def on_start(self) -> None:
        self.calls.append(f"{self.name}.on_start")

    async def on_started(self) -> None:
        self.calls.append(f"{self.name}.on_started")

    async def on_stop(self) -> None:
        self.calls.append(f"{self.name}.on_stop")

    async def on_shutdown(self) -> None:
        self.calls.append(f"{self.name}.on_shutdown")

    async def on_restart(self) -> None:
        self.calls.append(f"{self.name}.on_restart")


async def test_start_order_matches_the_original() -> None:
    calls: list[str] = []

    class Parent(Recorder):
        def on_init_dependencies(self) -> Iterable[ServiceT]:
            return [Recorder("dep1", calls), Recorder("dep2", calls)]

        @Service.task
        async def _task(self) -> None:
            calls.append("task runs")

    parent = Parent("parent", calls)
    parent.add_dependency(Recorder("childA", calls))
    await parent.start()
    assert calls == [
        "parent.first_start",
        "parent.on_start",
        "childA.first_start",
        "childA.on_start",
        "childA.on_started",
        "dep1.first_start",
        "dep1.on_start",
        "dep1.on_started",
        "dep2.first_start",
        "dep2.on_start",
        "dep2.on_started",
        "parent.on_started",
    ]
    await asyncio.sleep(0)
    assert calls[-1] == "task runs"
    calls.clear()
    await parent.stop()
    assert calls == [
        "parent.on_stop",
        "dep2.on_stop",
        "dep2.on_shutdown",
        "dep1.on_stop",
        "dep1.on_shutdown",
        "childA.on_stop",
        "childA.on_shutdown",
        "parent.on_shutdown",
    ]


async def test_started_flag_is_set_before_the_hooks_run() -> None:
    seen: list[bool] = []

    class S(Service):
        async def on_first_start(self) -> None:
            seen.append(self.started)

    s = S()
    await s.start()
    assert seen == [True]
    await s.stop()


async def test_flags_and_states() -> None:
    s = Service()
    assert (s.state, s.started, s.should_stop) == ("init", False, False)
    assert not s.crashed
    await s.start()
    assert (s.state, s.started, s.should_stop) == ("running", True, False)
    await s.stop()
    # As in the original, stop() does not set the shutdown flag.
    assert (s.state, s.should_stop) == ("stopping", True)
    s.set_shutdown()
    assert s.state == "shutdown"


async def test_double_start_raises_a_clear_error() -> None:
    s = Service()
    await s.start()
    with pytest.raises(AlreadyStartedError, match="maybe_start"):
        await s.start()
    assert isinstance(AlreadyStartedError(), RuntimeError)
    assert await s.maybe_start() is False
    await s.stop()


async def test_maybe_start_starts_once() -> None:
    s = Service()
    assert await s.maybe_start() is True
    assert await s.maybe_start() is False
    await s.stop()


@pytest.mark.parametrize("hook", ["on_first_start", "on_start"])
async def test_start_bails_out_when_stopped_during_start(hook: str) -> None:
    calls: list[str] = []

    class S(Recorder):
        pass

    async def stopping_hook(self: S) -> None:
        calls.append(hook)
        self._stopped_set()

    setattr(S, hook, stopping_hook)
    child = Recorder("child", calls)
    s = S("s", calls)
    s.add_dependency(child)
    await s.start()
    expected = [hook] if hook == "on_first_start" else ["s.first_start", hook]
    assert calls == expected
    assert not child.started


async def test_start_bails_out_after_the_stacks_when_crashed() -> None:
    calls: list[str] = []
    s = Recorder("s", calls)
    s.restart_count = 1  # not a first start: straight to the exit stacks
    s._crash(ValueError("crashed before start"))
    await s.start()
    assert calls == []
    assert s.started
    assert s.crashed
    await s.stop()


async def test_start_stops_starting_children_when_should_stop() -> None:
    calls: list[str] = []

    class Stopper(Recorder):
        async def on_started(self) -> None:
            await super().on_started()
            parent._stopped_set()

    parent = Recorder("parent", calls)
    a = parent.add_dependency(Stopper("a", calls))
    parent.add_dependency(Recorder("b", calls))
    await parent.start()
    assert "b.on_start" not in calls
    assert "parent.on_started" not in calls
    # The stopped flag was forced without a stop(): stop what did start.
    await a.stop()


async def test_startup_exception_unwinds_stacks_and_propagates() -> None:
    exited: list[str] = []

    class Ctx:
        def __enter__(self) -> Ctx:
            return self

        def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
            exited.append(f"sync:{exc_type.__name__ if exc_type else None}")

    class S(Service):
        async def on_first_start(self) -> None:
            self.add_context(Ctx())

        async def on_start(self) -> None:
            raise KeyError("boom")

    s = S()
    with pytest.raises(KeyError, match="boom"):
        await s.start()
    assert exited == ["sync:KeyError"]
    assert not s.crashed  # a startup error is not a crash
    await s.stop()


async def test_async_with_resets_the_service() -> None:
    s = Service()
    async with s as entered:
        assert entered is s
        assert s.state == "running"
    assert s.state == "init"
    assert s.restart_count == 1
    async with s:
        pass
    assert s.restart_count == 2


async def test_async_with_does_not_suppress_exceptions() -> None:
    s = Service()
    with pytest.raises(ZeroDivisionError):
        async with s:
            raise ZeroDivisionError
    assert s.state == "init"


async def test_async_with_failed_start_stops_what_started() -> None:
    calls: list[str] = []
    ran = asyncio.Event()

    class Failing(Recorder):
        @Service.task
        async def _bg(self) -> None:
            ran.set()
            await asyncio.Event().wait()

        async def on_started(self) -> None:
            raise RuntimeError("cannot")

    s = Failing("s", calls)
    child = s.add_dependency(Recorder("child", calls))
    with pytest.raises(RuntimeError, match="cannot"):
        async with s:
            pass  # pragma: no cover - never entered
    assert "child.on_stop" in calls
    assert "s.on_shutdown" in calls
    assert not s._futures
    assert s.state == "init"
    assert child.state == "init"


async def test_async_with_failed_start_logs_a_different_stop_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class S(Service):
        async def on_start(self) -> None:
            raise RuntimeError("start")

        async def on_stop(self) -> None:
            raise ValueError("stop")

    with pytest.raises(RuntimeError, match="start"):
        async with S():
            pass  # pragma: no cover - never entered
    assert "Error while stopping after a failed start" in caplog.text


async def test_async_with_on_a_running_service_leaves_it_running() -> None:
    s = Service()
    await s.start()
    with pytest.raises(AlreadyStartedError):
        async with s:
            pass  # pragma: no cover - never entered
    assert s.state == "running"
    await s.stop()


async def test_restart_skips_first_start_and_init_dependencies() -> None:
    calls: list[str] = []
    made: list[int] = []

    class S(Recorder):
        def on_init_dependencies(self) -> Iterable[ServiceT]:
            made.append(1)
            return [Recorder("dep", calls)]

    s = S("s", calls)
    await s.start()
    calls.clear()
    await s.restart()
    assert calls == [
        "s.on_stop",
        "dep.on_stop",
        "dep.on_shutdown",
        "s.on_shutdown",
        "s.on_restart",
        "s.on_start",
        "dep.on_start",
        "dep.on_started",
        "s.on_started",
    ]
    assert made == [1]
    assert s.restart_count == 1
    await s.stop()


async def test_service_reset_clears_flags_recursively() -> None:
    parent = Service()
    child = parent.add_dependency(Service())
    await parent.start()
    await parent.crash(ValueError("x"))
    await parent.stop()
    parent.service_reset()
    for s in (parent, child):
        assert s.state == "init"
        assert s.crash_reason is None
        assert s.restart_count == 1


def test_service_is_created_without_a_loop() -> None:
    # Constructing, at module level or in a thread, touches no loop.
    s = Service()
    made: list[Service] = []
    t = threading.Thread(target=lambda: made.append(Service()))
    t.start()
    t.join()
    for svc in (s, made[0]):

        async def run(svc: Service = svc) -> None:
            async with svc:
                assert svc.loop is asyncio.get_running_loop()

        asyncio.run(run())


def test_restart_under_a_new_event_loop() -> None:
    class S(Service):
        ticks = 0

        @Service.task
        async def _wait_for_stop(self) -> None:
            await self._stopped.wait()  # binds the event to the running loop

        @Service.timer(60.0, exec_first=True)
        async def _tick(self) -> None:
            self.ticks += 1

    s = S()

    async def main() -> None:
        async with s:
            for _ in range(3):
                await asyncio.sleep(0)

    asyncio.run(main())
    asyncio.run(main())  # a second, new loop: the events bind to it
    assert s.restart_count == 2
    assert s.ticks == 2


async def test_explicit_loop_is_used_and_can_be_set() -> None:
    loop = asyncio.get_running_loop()
    s = Service(loop=loop)
    assert s.loop is loop
    other = asyncio.new_event_loop()
    try:
        s.loop = other
        assert s.loop is other
    finally:
        other.close()
    s.loop = None
    assert s.loop is loop


async def test_post_init_runs_fully_initialised() -> None:
    seen: list[Any] = []

    class S(Service):
        def on_init(self) -> None:
            seen.append("on_init")

        def __post_init__(self) -> None:
            # Upstream bug: self.log did not exist yet here.
            self.log.info("post init")
            seen.append((self.beacon.data is self, self.state))

    S()
    assert seen == ["on_init", (True, "init")]


async def test_repr_label_and_shortlabel() -> None:
    class Named(Service):
        def _repr_info(self) -> str:
            return "extra"

    assert repr(Service()) == "<Service: init>"
    assert repr(Named()) == "<Named: init extra>"
    s = Named()
    assert s.label == "Named" == s.shortlabel


async def test_beacon_tree_and_log_prefix(caplog: pytest.LogCaptureFixture) -> None:
    root = Service()
    child = root.add_dependency(Service())
    grandchild = child.add_dependency(Service())
    assert grandchild.beacon.parent is child.beacon
    assert child.beacon.parent is root.beacon
    new_beacon = Service().beacon
    root.beacon = new_beacon
    assert root.beacon is new_beacon
    caplog.set_level(logging.INFO, logger="mode.services")
    grandchild.log.info("hello %s", "world")
    assert "[^--Service]: hello world" in caplog.messages


async def test_explicit_beacon_places_the_service_below_it() -> None:
    parent = Service()
    s = Service(beacon=parent.beacon)
    assert s.beacon.parent is parent.beacon
    assert s.beacon.depth == 2


async def test_mundane_logs_cost_nothing_when_disabled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class S(Service):
        formatted = 0

        def _format_log(self, *args: Any, **kwargs: Any) -> str:
            S.formatted += 1
            return super()._format_log(*args, **kwargs)

    caplog.set_level(logging.WARNING, logger=__name__)
    s = S()
    await s.start()
    await s.stop()
    assert S.formatted == 0
    caplog.set_level(logging.DEBUG, logger=__name__)
    s.service_reset()
    await s.start()
    await s.stop()
    assert {"[^S]: Starting...", "[^S]: Stopping...", "[^S]: Started."} <= set(
        caplog.messages
    )


async def test_mundane_level(caplog: pytest.LogCaptureFixture) -> None:
    class Quiet(Service):
        mundane_level = "debug"

    caplog.set_level(logging.DEBUG, logger=__name__)
    async with Quiet():
        pass
    levels = {r.getMessage(): r.levelno for r in caplog.records}
    assert levels["[^Quiet]: Starting..."] == logging.DEBUG

    class Bad(Service):
        mundane_level = "loud"

    with pytest.raises(ValueError, match="unknown log level"):
        Bad()


@pytest.mark.parametrize(
    ("mundane", "logger_level", "expected"),
    [
        # Mundane logs taken: the debug lines depend on DEBUG alone.
        (
            logging.INFO,
            logging.DEBUG,
            {"Starting...", "Started.", "Stopping...", "Shutting down...", "-Stopped!"},
        ),
        (logging.INFO, logging.INFO, {"Starting...", "Stopping..."}),
        # Mundane logs refused: DEBUG is refused too, nothing is logged ...
        (logging.INFO, logging.WARNING, set()),
        # ... unless the mundane level is below DEBUG.
        (5, logging.DEBUG, {"Started.", "Shutting down...", "-Stopped!"}),
    ],
)
async def test_mundane_and_debug_logs_follow_the_logger_level(
    caplog: pytest.LogCaptureFixture,
    mundane: int,
    logger_level: int,
    expected: set[str],
) -> None:
    class S(Service):
        mundane_level = mundane

    caplog.set_level(logger_level, logger=__name__)
    async with S():
        pass
    got = {r.getMessage().removeprefix("[^S]: ") for r in caplog.records}
    assert got == expected


def test_each_subclass_gets_a_logger_for_its_module() -> None:
    explicit = logging.getLogger("explicit.logger")

    class A(Service):
        pass

    class B(Service):
        logger = explicit

    class C(B):
        pass

    class D(A):
        pass

    assert Service.logger.name == "mode.services"
    assert A.logger.name == __name__
    assert D.logger.name == __name__
    assert B.logger is explicit
    assert C.logger is explicit
    assert A.abstract is False
    assert Service.abstract is False


def test_servicebase_is_the_shared_base() -> None:
    assert issubclass(Service, ServiceBase)
    assert issubclass(Service, ServiceCallbacks)
    assert isinstance(Service(), ServiceT)


async def test_callbacks_are_no_ops() -> None:
    cb = ServiceCallbacks()
    for hook in (
        cb.on_first_start,
        cb.on_start,
        cb.on_started,
        cb.on_stop,
        cb.on_shutdown,
        cb.on_restart,
    ):
        await hook()


def test_diag_flags() -> None:
    s = Service()
    assert isinstance(s.diag, Diag)
    assert s.diag.service is s
    s.diag.set_flag("X")
    assert s.diag.flags == {"X"}
    assert s.diag.last_transition["X"] > 0
    s.diag.unset_flag("X")
    s.diag.unset_flag("never-set")
    assert s.diag.flags == set()


async def test_transitions_to_and_transition_with() -> None:
    class S(Service):
        @Service.transitions_to("COMMITTING")
        async def commit(self, value: int) -> int:
            assert "COMMITTING" in self.diag.flags
            return value * 2

    s = S()
    assert await s.commit(21) == 42
    assert s.diag.flags == set()

    async def work() -> str:
        assert "FLAG" in s.diag.flags
        return "done"

    assert await s.transition_with("FLAG", work(), "ignored", x=1) == "done"
    assert s.diag.flags == set()


async def test_from_awaitable_without_a_worker() -> None:
    # The original changelog's Worker-less from_awaitable example.
    ran: list[str] = []

    async def main() -> str:
        ran.append("main")
        return "ok"

    async with Service.from_awaitable(main(), name="main") as service:
        assert ran == ["main"]  # start() waited for the coroutine
        assert service.label == "main"
    assert service.state == "init"


async def test_from_awaitable_start_raises_the_coroutine_error() -> None:
    async def fails() -> None:
        raise LookupError("nope")

    s = Service.from_awaitable(fails())
    with pytest.raises(LookupError):
        await s.start()
    # As in the original, stop() re-raises the coroutine's exception.
    with pytest.raises(LookupError):
        await s.stop()


async def test_from_awaitable_stop_cancels_the_running_coroutine() -> None:
    entered = asyncio.Event()
    cancelled: list[bool] = []

    async def forever() -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    s = Service.from_awaitable(forever(), ignored_kwarg=1)
    starter = asyncio.create_task(s.start())
    await entered.wait()
    await s.stop()
    await starter  # the cancellation is swallowed because the service stops
    assert cancelled == [True]
    assert "forever" in repr(s)


async def test_from_awaitable_accepts_a_future_and_cancelled_result() -> None:
    fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    fut.set_result(3)
    s = Service.from_awaitable(fut)
    async with s:
        pass
    fut2: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    fut2.cancel()
    s2 = Service.from_awaitable(fut2)
    with pytest.raises(asyncio.CancelledError):
        await s2.start()
    await s2.stop()


async def test_from_awaitable_never_started_closes_the_coroutine() -> None:
    async def never() -> None:  # pragma: no cover - never runs
        pass

    s = Service.from_awaitable(never())
    await s.stop()  # no "coroutine was never awaited" warning (warnings=error)


async def test_from_awaitable_reports_a_coroutine_that_ignores_cancel(
    caplog: pytest.LogCaptureFixture,
) -> None:
    entered = asyncio.Event()
    release = asyncio.Event()

    async def stubborn() -> None:
        entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await release.wait()

    s = Service.from_awaitable(stubborn())
    s.shutdown_timeout = 0.01
    starter = asyncio.create_task(s.start())
    await entered.wait()
    await s.stop()
    assert "still runs" in caplog.text
    release.set()
    await starter


async def test_from_awaitable_failed_start_in_async_with_logs_no_duplicate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def fails() -> None:
        raise LookupError("once")

    with pytest.raises(LookupError):
        async with Service.from_awaitable(fails()):
            pass  # pragma: no cover - never entered
    # stop() re-raised the same exception: it is not logged a second time.
    assert "Error while stopping after a failed start" not in caplog.text


async def test_from_awaitable_stopped_before_on_start_closes_the_coroutine() -> None:
    async def never() -> None:  # pragma: no cover - never runs
        pass

    s = Service.from_awaitable(never())
    s._crash(ValueError("crashed"))  # start bails out before on_start
    await s.start()
    await s.stop()  # no "never awaited" warning


def test_sleep_in_another_thread_is_woken_by_stop() -> None:
    # The ServiceThread case: a sleeper on a loop in another thread is woken
    # thread-safely by a stop on this thread's loop.
    s = Service()
    ready = threading.Event()
    woke: list[bool] = []

    def thread_main() -> None:
        async def sleeper() -> None:
            task = asyncio.ensure_future(s.sleep(3600))
            await asyncio.sleep(0)
            ready.set()
            await task
            woke.append(True)

        asyncio.run(sleeper())

    t = threading.Thread(target=thread_main)
    t.start()
    assert ready.wait(10)

    async def stop() -> None:
        await s.stop()

    asyncio.run(stop())
    t.join(10)
    assert woke == [True]


# -- the original's internals that faust and its tests use ------------------


async def test_setting_the_stopped_event_stops_the_service_loops() -> None:
    # The original's should_stop read _stopped.is_set(), and faust's tests end
    # service loops with ``svc._stopped.set()``.
    s = Service()
    await s.start()
    sleeper = asyncio.create_task(s.sleep(3600))
    waiter = asyncio.create_task(s.wait_for_stopped())
    flag = asyncio.create_task(s._stopped.wait())
    await asyncio.sleep(0)
    assert len(s._halt_waiters) == 2
    s._stopped.set()
    assert s.should_stop
    assert s.state == "stopping"
    await asyncio.wait_for(sleeper, 5)
    assert await asyncio.wait_for(waiter, 5)
    assert await asyncio.wait_for(flag, 5)
    assert [x async for x in s.itertimer(3600)] == []
    # The original's stop() does nothing once _stopped is set; neither does ours.
    await s.stop()
    assert s.state == "stopping"


def halted(s: Service) -> bool:
    # should_stop, read through a call: type checkers narrow a property
    # across the calls that change it.
    return s.should_stop


async def test_clearing_the_stopped_event_lets_the_service_run_on() -> None:
    s = Service()
    await s.start()
    s._stopped.set()
    s._stopped.clear()
    assert not halted(s)
    assert s.state == "running"
    await s.stop()
    assert halted(s)
    assert s._stopped.is_set()


async def test_setting_and_clearing_the_crashed_event() -> None:
    s = Service()
    await s.start()
    sleeper = asyncio.create_task(s.sleep(3600))
    await asyncio.sleep(0)
    s._crashed.set()
    assert halted(s)
    assert s.crashed
    assert s.state == "crashed"
    await asyncio.wait_for(sleeper, 5)
    s._crashed.clear()
    assert not halted(s)
    assert s.state == "running"
    s._stopped.set()
    s._crashed.set()
    s._crashed.clear()
    assert halted(s)  # still stopped
    s._stopped.clear()
    await s.stop()


async def test_the_started_and_shutdown_events_drive_the_state() -> None:
    s = Service()
    s._started.set()
    assert s.started
    assert s.state == "running"
    s._stopped.set()
    s._shutdown.set()
    assert s.state == "shutdown"
    s._started.clear()
    assert not s.started


async def test_an_event_of_before_a_reset_no_longer_drives_the_service() -> None:
    # service_reset() makes new events; setting an old one (kept by user
    # code across the reset) does not stop the reset service.
    s = Service()
    old_stopped, old_crashed = s._stopped, s._crashed
    await s.start()
    await s.stop()
    s.service_reset()
    assert not s.should_stop
    old_stopped.clear()
    old_stopped.set()
    old_crashed.set()
    assert not s.should_stop
    old_crashed.clear()
    assert not s.should_stop


async def test_a_mock_loop_and_beacon_are_accepted() -> None:
    # faust's tests pass unittest.mock objects, which the original accepted.
    loop = Mock(name="loop")
    s = Service(loop=loop)
    assert s._loop is loop
    assert not s.should_stop
    beacon = Mock(name="beacon")
    t = Service(beacon=beacon, loop=loop)
    beacon.new.assert_called_once_with(t)
    assert t.beacon is beacon.new.return_value


@pytest.mark.parametrize("bad", ["loop", 5, object()])
def test_a_loop_that_is_not_one_is_still_refused(bad: Any) -> None:
    with pytest.raises(TypeError, match="loop= must be an event loop or None"):
        Service(loop=bad)


@pytest.mark.parametrize("bad", ["node", 5, object()])
def test_a_beacon_that_is_not_a_node_is_still_refused(bad: Any) -> None:
    with pytest.raises(TypeError, match="beacon= must be a node of the service"):
        Service(beacon=bad)


class _Chores(Service):
    @Service.task
    async def _chore(self) -> None:
        await self.wait_until_stopped()


async def test_a_replaced_log_sees_the_calls_of_the_original(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Tests that replace service.log count these calls; the original made
    # them whatever the logger's level.
    caplog.set_level(logging.WARNING)
    s = _Chores()
    log = s.log = Mock(name="log")
    await s.start()
    await s.restart()
    await s.stop()
    start = [call.log(logging.INFO, "Starting..."), call.debug("Started.")]
    stop = [
        call.log(logging.INFO, "Stopping..."),
        call.debug("Shutting down..."),
        call.debug("-Stopped!"),
    ]
    assert log.method_calls == start + stop + start + stop
    assert not caplog.records


async def test_a_replaced_log_sees_the_shutdown_wait_calls() -> None:
    class Waits(Service):
        wait_for_shutdown = True

        async def on_stop(self) -> None:
            self.set_shutdown()

    s = Waits()
    log = s.log = Mock(name="log")
    await s.start()
    log.reset_mock()
    await s.stop()
    assert log.method_calls == [
        call.log(logging.INFO, "Stopping..."),
        call.debug("Shutting down..."),
        call.debug("Waiting for shutdown"),
        call.debug("Shutting down now"),
        call.debug("-Stopped!"),
    ]


async def test_a_replaced_log_sees_the_mundane_level_when_it_is_taken(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The logger takes INFO but not DEBUG: the replaced log still gets every
    # call, as in the original.
    caplog.set_level(logging.INFO, logger=__name__)
    s = _Chores()
    log = s.log = Mock(name="log")
    async with s:
        pass
    assert [c[0] for c in log.method_calls] == [
        "log",
        "debug",
        "log",
        "debug",
        "debug",
    ]


async def test_a_log_with_its_own_logger_is_called_whatever_our_level(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A CompositeLogger on another logger is a replaced log too: it decides
    # with its own logger's level.
    caplog.set_level(logging.WARNING)
    other = Mock(name="other logger")
    s = Service()
    s.log = CompositeLogger(other)
    async with s:
        pass
    assert [c.args[:2] for c in other.log.call_args_list] == [
        (logging.INFO, "Starting..."),
        (logging.DEBUG, "Started."),
        (logging.INFO, "Stopping..."),
        (logging.DEBUG, "Shutting down..."),
        (logging.DEBUG, "-Stopped!"),
    ]


# -- concurrent restarts and stops during a start ---------------------------


class _Copies(Service):
    """Counts its hooks and how many copies of its task run at once."""

    def __post_init__(self) -> None:
        self.hooks: list[str] = []
        self.running = 0
        self.most_running = 0
        self.task_began = asyncio.Event()

    async def on_start(self) -> None:
        self.hooks.append("on_start")
        await asyncio.sleep(0)  # a start that yields, as real ones do

    async def on_stop(self) -> None:
        self.hooks.append("on_stop")
        await asyncio.sleep(0)

    @Service.task
    async def _work(self) -> None:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        self.task_began.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.running -= 1


def _live(service: Service) -> list[asyncio.Future[Any]]:
    return [f for f in service._futures if not f.done()]


async def test_concurrent_restarts_run_one_after_the_other() -> None:
    s = _Copies()
    await s.start()
    await s.task_began.wait()
    await asyncio.gather(*(s.restart() for _ in range(5)))
    # Serialised: five whole restarts, never two at once.
    assert s.hooks == ["on_start"] + ["on_stop", "on_start"] * 5
    assert s.restart_count == 5
    assert len(_live(s)) == 1
    await s.stop()
    assert s.hooks.count("on_start") == s.hooks.count("on_stop") == 6
    assert s.most_running == 1
    assert not _live(s)


async def test_a_cancelled_restart_lets_the_next_one_run() -> None:
    gate = asyncio.Event()

    class S(_Copies):
        async def on_restart(self) -> None:
            await gate.wait()

    s = S()
    await s.start()
    first = asyncio.create_task(s.restart())
    waiting = asyncio.create_task(s.restart())  # queued behind the first
    third = asyncio.create_task(s.restart())
    await s.wait_until_stopped()  # the first restart is stopping
    waiting.cancel()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    with pytest.raises(asyncio.CancelledError):
        await waiting
    gate.set()
    await asyncio.wait_for(third, 5)
    assert s.state == "running"
    assert len(_live(s)) == 1
    await s.stop()
    assert s.hooks.count("on_start") == s.hooks.count("on_stop")


async def test_restart_called_inside_restart_is_refused() -> None:
    class S(Service):
        async def on_restart(self) -> None:
            await self.restart()

    s = S()
    await s.start()
    with pytest.raises(RuntimeError, match="called from inside its restart"):
        await s.restart()
    await s.stop()
    s.service_reset()
    await s.start()  # the refused restart left the service usable
    await s.stop()


async def test_stop_during_start_waits_for_on_start_then_runs_on_stop() -> None:
    order: list[str] = []
    entered = asyncio.Event()
    release = asyncio.Event()

    class S(Service):
        async def on_start(self) -> None:
            order.append("on_start begins")
            entered.set()
            await release.wait()
            order.append("on_start ends")

        async def on_started(self) -> None:
            order.append("on_started")  # pragma: no cover - must not run

        async def on_stop(self) -> None:
            order.append("on_stop")

        @Service.task
        async def _bg(self) -> None:
            order.append("task ran")  # pragma: no cover - must not start

    s = S()
    child = s.add_dependency(Service())
    starting = asyncio.create_task(s.start())
    await entered.wait()
    stopping = asyncio.create_task(s.stop())
    await s.wait_until_stopped()  # the stop has begun
    assert order == ["on_start begins"]  # on_stop waits for on_start
    release.set()
    await asyncio.wait_for(asyncio.gather(starting, stopping), 5)
    assert order == ["on_start begins", "on_start ends", "on_stop"]
    assert not s._futures
    assert not child.started


async def test_stop_during_start_wakes_an_on_start_that_waits_on_the_service() -> None:
    order: list[str] = []
    entered = asyncio.Event()

    class S(Service):
        async def on_start(self) -> None:
            entered.set()
            await self.sleep(3600)  # woken by the stop
            order.append("on_start ends")

        async def on_stop(self) -> None:
            order.append("on_stop")

    s = S()
    starting = asyncio.create_task(s.start())
    await entered.wait()
    await asyncio.wait_for(s.stop(), 5)
    assert order == ["on_start ends", "on_stop"]
    await starting


async def test_stop_during_start_gives_up_waiting_after_shutdown_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    entered = asyncio.Event()
    release = asyncio.Event()

    class S(Service):
        shutdown_timeout = 0.01

        async def on_start(self) -> None:
            entered.set()
            await release.wait()  # ignores the stop

    s = S()
    starting = asyncio.create_task(s.start())
    await entered.wait()
    await asyncio.wait_for(s.stop(), 5)  # bounded: goes on without it
    assert "still starting 0.01 s after stop() was called" in caplog.text
    assert "release.wait()" in caplog.text  # where the start waits
    release.set()
    await starting


async def test_stop_does_not_wait_again_for_a_start_already_cancelled() -> None:
    # The start was cancelled (by a timeout, or the Worker's stop, which
    # gave it its own grace) and ignores it: the stop does not wait for it
    # a second time (shutdown_timeout is long here), on_stop runs at once.
    entered = asyncio.Event()
    cancel_seen = asyncio.Event()
    release = asyncio.Event()
    order: list[str] = []

    class S(Service):
        shutdown_timeout = 60.0

        async def on_start(self) -> None:
            entered.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancel_seen.set()
                await release.wait()  # ignores the cancellation
                order.append("on_start ends")

        async def on_stop(self) -> None:
            order.append("on_stop")

    s = S()
    starting = asyncio.create_task(s.start())
    await entered.wait()
    starting.cancel()
    await cancel_seen.wait()
    await asyncio.wait_for(s.stop(), 5)
    assert order == ["on_stop"]
    release.set()
    await asyncio.gather(starting, return_exceptions=True)


async def test_stop_called_by_on_start_itself_does_not_wait_for_it() -> None:
    order: list[str] = []

    class S(Service):
        async def on_start(self) -> None:
            await self.stop()
            order.append("on_start ends")

        async def on_stop(self) -> None:
            order.append("on_stop")

    s = S()
    await asyncio.wait_for(s.start(), 5)
    assert order == ["on_stop", "on_start ends"]
    assert s.should_stop


async def test_stop_during_a_child_start_waits_for_the_childs_on_start() -> None:
    order: list[str] = []
    entered = asyncio.Event()
    release = asyncio.Event()

    class Child(Service):
        async def on_start(self) -> None:
            entered.set()
            await release.wait()
            order.append("child on_start ends")

        async def on_stop(self) -> None:
            order.append("child on_stop")

    class Parent(Service):
        async def on_stop(self) -> None:
            order.append("parent on_stop")

    parent = Parent()
    parent.add_dependency(Child())
    starting = asyncio.create_task(parent.start())
    await entered.wait()
    stopping = asyncio.create_task(parent.stop())
    await parent.wait_until_stopped()
    # The parent's own hooks are done: its on_stop need not wait for a child.
    assert order == ["parent on_stop"]
    release.set()
    await asyncio.wait_for(asyncio.gather(starting, stopping), 5)
    assert order == ["parent on_stop", "child on_start ends", "child on_stop"]


def test_the_originals_task_mapping_and_stop_step_names() -> None:
    class S(Service):
        @Service.task
        async def _one(self) -> None:
            pass  # pragma: no cover - never started

        @Service.timer(1.0)
        async def _two(self) -> None:
            pass  # pragma: no cover - never started

    assert Service._tasks[S._get_class_id()] == {"_one", "_two"}
    assert S._get_class_id() == f"{__name__}.{S.__qualname__}"
    assert [t.fun.__name__ for t in S()._get_tasks()] == ["_one", "_two"]
    for step in ("children", "futures", "exit_stacks"):
        assert getattr(Service, f"_default_stop_{step}") is getattr(
            Service, f"_stop_{step}"
        )


async def test_an_override_may_call_the_default_stop_steps() -> None:
    ran: list[str] = []

    class S(Service):
        async def _stop_futures(self) -> None:
            ran.append("before")
            await self._default_stop_futures()

        @Service.task
        async def _bg(self) -> None:
            try:
                await asyncio.Event().wait()
            finally:
                ran.append("task cancelled")

    s = S()
    await s.start()
    await asyncio.sleep(0)
    await s.stop()
    assert ran == ["before", "task cancelled"]
