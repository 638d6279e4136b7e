"""The Worker keeps mode-streaming's names, so its subclasses (faust's) port.

Each name of the original ``mode.worker`` that a subclass may call or
override exists here with a compatible signature; the behaviours faust's
Worker and its tests rely on are checked one by one.  Signals themselves are
tested in real processes (test_signal_hooks.py).
"""

from __future__ import annotations

import asyncio
import inspect
import io
import math
import signal
from collections.abc import Iterable
from typing import Any
from unittest.mock import patch

import pytest

from mode import Service, ServiceT
from mode.debug import BlockingDetector
from mode.worker import Worker

#: name -> (is a coroutine function, parameter names after self).  The
#: original names the signal argument ``signal`` (shadowing the module); it
#: is passed positionally, so ours is ``signum``.
ORIGINAL_METHODS: dict[str, tuple[bool, list[str]]] = {
    "say": (False, ["msg"]),
    "carp": (False, ["msg"]),
    "_say": (False, ["msg", "file", "end", "kwargs"]),
    "on_init_dependencies": (False, []),
    "on_first_start": (True, []),
    "default_on_first_start": (True, []),
    "on_execute": (True, []),
    "_setup_logging": (False, []),
    "_redirect_stdouts": (False, []),
    "on_setup_root_logger": (False, ["logger", "level"]),
    "maybe_start_blockdetection": (True, []),
    "install_signal_handlers": (False, []),
    "_install_signal_handlers_unix": (False, []),
    "_install_signal_handlers_windows": (False, []),
    "_on_sigint": (False, []),
    "_on_sigterm": (False, []),
    "_on_sigusr1": (False, []),
    "_on_sigusr2": (False, []),
    "_cry": (True, []),
    "_enter_debugger": (False, []),
    "_schedule_shutdown": (False, ["signum"]),
    "_stop_on_signal": (True, ["signum"]),
    "execute_from_commandline": (False, []),
    "on_worker_shutdown": (False, []),
    "stop_and_shutdown": (False, []),
    "_shutdown_loop": (False, []),
    "on_started": (True, []),
    "_add_monitor": (True, []),
    "_repr_info": (False, []),
}


@pytest.mark.parametrize("name", sorted(ORIGINAL_METHODS))
def test_the_original_methods_exist_with_their_signatures(name: str) -> None:
    is_async, params = ORIGINAL_METHODS[name]
    method = getattr(Worker, name)
    assert inspect.iscoroutinefunction(method) is is_async
    names = list(inspect.signature(method).parameters)[1:]
    assert names == params


def test_the_original_attributes_exist() -> None:
    worker = Worker()
    assert Worker.BLOCK_DETECTOR == "mode.debug:BlockingDetector"
    assert worker._blocking_detector is None
    assert worker._starting_fut is None
    assert worker._signal_stop_time is None
    assert worker._signal_stop_future is None
    for name in (
        "debug",
        "quiet",
        "loglevel",
        "logfile",
        "logging_config",
        "loghandlers",
        "redirect_stdouts",
        "redirect_stdouts_level",
        "stdout",
        "stderr",
        "console_port",
        "blocking_timeout",
        "override_logging",
        "daemon",
        "services",
    ):
        assert hasattr(worker, name), name


def test_the_worker_does_not_define_on_startup_finished() -> None:
    # faust's Worker defines it and its App calls it: a Worker calling a
    # method of that name too would run faust's twice.
    assert not hasattr(Worker, "on_startup_finished")


def test_module_names_of_the_original() -> None:
    import mode
    import mode.worker as module

    for name in ("Worker", "exiting", "EX_OK", "EX_FAILURE", "EX_OSERR"):
        assert hasattr(module, name), name
    assert module.BLOCK_DETECTOR == "mode.debug:BlockingDetector"
    assert module.logger.name == "mode.worker"
    assert mode.Worker is module.Worker
    # Tuples are shown as lists, as the original's private helper does.
    assert module._repr((1, 2)) == "[1, 2]"
    assert isinstance(module._TupleAsListRepr(), __import__("reprlib").Repr)


# -- blocking_timeout: 0 or None turns the blocking detector off ------------------


@pytest.mark.parametrize("off", [0, 0.0, None, "0"])
def test_blocking_timeout_zero_or_none_is_off(off: Any) -> None:
    worker = Worker(blocking_timeout=off, debug=True)
    assert worker.blocking_timeout == 0.0
    assert not worker.blocking_timeout  # faust tests it for truth
    assert list(worker.on_init_dependencies()) == []


async def test_maybe_start_blockdetection_does_nothing_when_off() -> None:
    worker = Worker(blocking_timeout=0, debug=True, override_logging=False)
    await worker.maybe_start_blockdetection()
    assert worker._blocking_detector is None


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (-1, ValueError, "Worker blocking_timeout must be >= 0 seconds"),
        (math.nan, ValueError, "Worker blocking_timeout must be >= 0 seconds"),
        (math.inf, ValueError, "got inf"),
        ("soon", ValueError, "invalid rate or duration 'soon'"),
        ([1], TypeError, "Worker blocking_timeout must be a number of seconds"),
        (True, TypeError, "not bool"),
    ],
)
def test_bad_blocking_timeouts_are_refused(
    value: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(")):
        Worker(blocking_timeout=value)


# -- output ----------------------------------------------------------------


def test__say_takes_print_arguments_and_say_carp_use_it() -> None:
    out, err = io.StringIO(), io.StringIO()
    worker = Worker(stdout=out, stderr=err)
    worker._say("starting> ", end="", flush=True)
    worker._say("to err", file=err)
    assert out.getvalue() == "starting> "
    assert err.getvalue() == "to err\n"
    said: list[tuple[str, Any]] = []

    class Recorder(Worker):
        def _say(
            self, msg: str, file: Any = None, end: str = "\n", **kwargs: Any
        ) -> None:
            said.append((msg, file))

    recorder = Recorder(stdout=out, stderr=err)
    recorder.say("a")
    recorder.carp("b")
    assert said == [("a", None), ("b", err)]
    Worker(stdout=out, quiet=True)._say("hidden")
    assert out.getvalue() == "starting> "


def test_loghandlers_list_is_kept_as_given() -> None:
    handlers: list[Any] = []
    assert Worker(loghandlers=handlers).loghandlers is handlers


# -- signals, as faust's tests drive them ------------------------------------


async def test_signal_stop_is_scheduled_with_asyncio_ensure_future() -> None:
    # faust's tests patch asyncio.ensure_future and expect the stop coroutine
    # (_stop_on_signal) to be passed to it with loop=worker.loop.
    worker = Worker(stderr=io.StringIO())
    with patch("asyncio.ensure_future") as ensure_future:
        worker._on_sigterm()
        (coro,), kwargs = ensure_future.call_args
    try:
        assert coro.cr_code.co_name == "_stop_on_signal"
        assert kwargs == {"loop": worker.loop}
        assert worker._signal_stop_future is ensure_future.return_value
        assert worker._signal_stop_time is not None
    finally:
        coro.close()


async def test_sigint_hook_says_int_and_schedules_the_stop() -> None:
    err = io.StringIO()
    worker = Worker(stderr=err, daemon=False, override_logging=False)
    await worker.start()
    worker._on_sigint()
    stopping = worker._signal_stop_future
    assert stopping is not None
    await stopping
    assert worker.should_stop
    assert "-INT- -INT- -INT-" in err.getvalue()
    worker._on_sigterm()  # already shutting down: ignored
    worker._on_sigint()  # nothing to force in-process: ignored
    worker._schedule_shutdown(signal.SIGTERM)  # only the first one counts
    assert worker._signal_stop_future is stopping
    assert err.getvalue().count("-INT- -INT- -INT- -INT- -INT- -INT-\n") == 2


async def test_stop_on_signal_accepts_the_signal_argument() -> None:
    worker = Worker(daemon=False, override_logging=False)
    await worker.start()
    await worker._stop_on_signal(signal.SIGTERM)
    assert worker.should_stop


async def test_cry_writes_the_report_to_stderr() -> None:
    err = io.StringIO()
    worker = Worker(stderr=err)
    await worker._cry()
    assert "TASKS" in err.getvalue()


# -- start-up hooks ----------------------------------------------------------


class Recording(Worker):
    calls: list[str]

    def __init__(self, *services: ServiceT, **kwargs: Any) -> None:
        self.calls = []
        super().__init__(*services, **kwargs)

    async def _add_monitor(self) -> None:
        self.calls.append("_add_monitor")


async def test_default_on_first_start_awaits_add_monitor() -> None:
    worker = Recording(debug=True, blocking_timeout=0, daemon=False)
    worker.override_logging = False
    await worker.start()
    await worker.stop()
    assert worker.calls == ["_add_monitor"]


class FaustStyleDetector(Worker):
    """Starts the detector itself, as faust's Worker does once ready."""

    async def maybe_start_blockdetection(self) -> None:
        if self.blocking_timeout:
            await self.blocking_detector.maybe_start()

    def on_init_dependencies(self) -> Iterable[ServiceT]:
        return list(self.services)


async def test_a_detector_started_outside_the_tree_stops_with_the_worker() -> None:
    worker = FaustStyleDetector(
        blocking_timeout=5.0, daemon=False, override_logging=False
    )
    await worker.start()
    await worker.maybe_start_blockdetection()
    detector = worker._blocking_detector
    assert isinstance(detector, BlockingDetector)
    assert worker.blocking_detector is detector
    assert detector.started
    await worker.stop()
    assert detector.should_stop
    # The alarm is disarmed: it cannot go off in later code.
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


# -- stop_and_shutdown: the original's way to end a worker run by hand --------


class Child(Service):
    pass


def test_stop_and_shutdown_stops_and_closes_the_loop() -> None:
    loop = asyncio.new_event_loop()
    child = Child()
    worker = Worker(child, loop=loop, daemon=False, override_logging=False)
    loop.run_until_complete(worker.start())
    assert child.started
    worker.stop_and_shutdown()
    assert child.should_stop
    assert worker.should_stop
    assert loop.is_closed()


def test_stop_and_shutdown_reraises_a_crash() -> None:
    loop = asyncio.new_event_loop()
    worker = Worker(loop=loop, daemon=False, override_logging=False)
    loop.run_until_complete(worker.start())
    loop.run_until_complete(worker.crash(KeyError("crashed")))
    with pytest.raises(KeyError, match="crashed"):
        worker.stop_and_shutdown()
    assert loop.is_closed()


async def test_stop_and_shutdown_refuses_a_running_loop() -> None:
    worker = Worker(daemon=False, override_logging=False)
    with pytest.raises(RuntimeError, match=r"await worker\.stop"):
        worker.stop_and_shutdown()


def test_stop_and_shutdown_waits_for_the_stop_a_signal_began() -> None:
    loop = asyncio.new_event_loop()
    child = Child()
    worker = Worker(
        child, loop=loop, daemon=False, override_logging=False, stderr=io.StringIO()
    )
    loop.run_until_complete(worker.start())
    worker._on_sigterm()  # the signal stop runs in a task of the loop
    stopping = worker._signal_stop_future
    assert stopping is not None
    worker.stop_and_shutdown()
    assert stopping.done()
    assert child.should_stop
    assert loop.is_closed()


class StuckChild(Service):
    async def on_stop(self) -> None:
        await asyncio.Event().wait()


class FailingStop(Worker):
    async def on_stop(self) -> None:
        raise ValueError("stop failed")


def test_stop_and_shutdown_is_bounded_by_shutdown_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.new_event_loop()
    worker = Worker(
        StuckChild(),
        loop=loop,
        daemon=False,
        override_logging=False,
        shutdown_timeout=0.1,
    )
    loop.run_until_complete(worker.start())
    worker.stop_and_shutdown()
    assert loop.is_closed()
    assert "Shutdown did not finish within shutdown_timeout=0.1 s" in caplog.text
    assert "Stuck task" in caplog.text


def test_stop_and_shutdown_reports_an_error_of_the_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.new_event_loop()
    worker = FailingStop(loop=loop, daemon=False, override_logging=False)
    loop.run_until_complete(worker.start())
    worker.stop_and_shutdown()
    assert loop.is_closed()
    assert "Error while stopping: ValueError('stop failed')" in caplog.text


class WindowsStyle(Worker):
    def install_signal_handlers(self) -> None:
        self._install_signal_handlers_windows()


async def test_the_windows_set_is_sigint_and_sigterm() -> None:
    worker = WindowsStyle(daemon=False, override_logging=False)
    await worker.start()
    assert sorted(worker._signals_installed) == sorted([signal.SIGINT, signal.SIGTERM])
    await worker.stop()
    assert worker._signals_installed == []


async def test_debug_without_aiomonitor_warns_and_runs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # As the original: the console is a convenience, its absence does not
    # keep the worker (faust's `--debug`) from running.
    import sys

    monkeypatch.setitem(sys.modules, "aiomonitor", None)
    worker = Worker(
        debug=True, blocking_timeout=0, daemon=False, override_logging=False
    )
    await worker.start()
    await worker.stop()
    assert "Debug console off" in caplog.text
    assert "pip install 'mode-worker[debug]'" in caplog.text
    assert "Traceback" not in caplog.text


# -- no thread of the Worker outlives it (faust's suite checks for left-over threads)


def test_the_closing_watchdog_thread_has_ended_when_the_close_returns() -> None:
    import threading

    worker = Worker(override_logging=False)
    seen: list[threading.Thread] = []

    def close() -> None:
        seen.extend(t for t in threading.enumerate() if "mode.worker" in t.name)

    worker._bounded(close, 1, "closing the loop")
    assert len(seen) == 1
    assert not seen[0].is_alive()
