"""The Worker as an object: arguments, output helpers, start/stop in-process."""

from __future__ import annotations

import asyncio
import io
import signal

import pytest

from mode import Service
from mode.debug import BlockingDetector
from mode.worker import Worker
from mode.worker._worker import _signal_name


class Child(Service):
    started_flag = False

    async def on_started(self) -> None:
        self.started_flag = True


def test_from_mode_import_worker() -> None:
    import mode

    assert mode.Worker is Worker


def test_non_service_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="runs services"):
        Worker(object())  # type: ignore[arg-type]


def test_bad_level_and_timeouts_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        Worker(loglevel="loud")
    with pytest.raises(ValueError, match="shutdown_timeout must be > 0"):
        Worker(shutdown_timeout=0)
    with pytest.raises(ValueError, match="blocking_timeout must be >= 0"):
        Worker(blocking_timeout=-1)


def test_defaults() -> None:
    child = Child()
    worker = Worker(child)
    assert worker.services == (child,)
    assert worker.redirect_stdouts_level == 30
    assert worker.shutdown_timeout == 30.0
    assert worker.console_port == 50101
    assert worker.daemon is True
    assert worker.loop_backend is None
    assert child.beacon.parent is worker.beacon  # logs as [^-Child]
    assert repr(worker) == "<Worker: init [<Child: init>]>"


def test_say_and_carp_respect_quiet() -> None:
    out, err = io.StringIO(), io.StringIO()
    worker = Worker(stdout=out, stderr=err)
    worker.say("hello")
    worker.carp("oops")
    assert (out.getvalue(), err.getvalue()) == ("hello\n", "oops\n")
    quiet = Worker(stdout=out, stderr=err, quiet=True)
    quiet.say("x")
    quiet.carp("y")
    assert (out.getvalue(), err.getvalue()) == ("hello\n", "oops\n")


def test_blocking_detector_is_made_once_with_the_timeout() -> None:
    worker = Worker(blocking_timeout=2.5, debug=True)
    detector = worker.blocking_detector
    assert isinstance(detector, BlockingDetector)
    assert detector.timeout == 2.5
    assert worker.blocking_detector is detector
    assert list(worker.on_init_dependencies()) == [detector]


def test_a_loop_object_is_used_as_is() -> None:
    loop = asyncio.new_event_loop()
    try:
        worker = Worker(loop=loop)
        assert worker.loop is loop
        assert worker._loop_factory()() is loop
    finally:
        loop.close()


def test_signal_names() -> None:
    assert _signal_name(signal.SIGTERM) == "SIGTERM"
    assert _signal_name(999) == "999"


async def test_start_and_stop_in_process_with_daemon_false() -> None:
    child = Child()
    worker = Worker(child, daemon=False, override_logging=False)
    await worker.start()
    installed = list(worker._signals_installed)
    worker.install_signal_handlers()  # idempotent
    assert worker._signals_installed == installed
    assert child.started_flag
    handler = asyncio.get_running_loop().remove_signal_handler
    assert worker._signals_installed  # installed for the running loop
    await worker.maybe_start_blockdetection()  # debug is off: nothing
    await worker.stop()
    assert worker._signals_installed == []  # removed again: not our process
    assert not handler(signal.SIGUSR1)  # nothing left behind


async def test_maybe_start_blockdetection_with_debug() -> None:
    worker = Worker(daemon=False, override_logging=False)
    await worker.start()
    worker.debug = True  # as an application turning it on at run time
    detector = worker.blocking_detector
    await worker.maybe_start_blockdetection()
    assert detector.started
    await worker.stop()


class NoLoopSignals(Worker):
    def _add_signal_handler(self, *args: object) -> bool:
        return False


async def test_fallback_handlers_are_restored_when_the_worker_stops() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker = NoLoopSignals(daemon=False, override_logging=False)
    await worker.start()
    assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
    worker.install_signal_handlers()  # idempotent with fallbacks only
    await worker.stop()
    after = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    assert after == before
