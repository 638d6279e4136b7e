"""The exit code of a worker process for each way it can end (real processes)."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Spawn


def test_normal_end_with_daemon_false_exits_0(spawn: Spawn) -> None:
    child = spawn("ticker", "worker", '{"daemon": false}', script=True)
    assert child.finish() == 0
    assert "Ready: 1 service(s) started" in child.stderr
    assert "Traceback" not in child.stderr


def test_sigterm_stops_gracefully_with_0(spawn: Spawn) -> None:
    child = spawn("run", "workerapps:ticker")
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 0
    assert "Signal received: SIGTERM (15)" in child.stderr
    assert "[^-Ticker]: Stopping..." in child.stderr


def test_sigint_stops_gracefully_with_0(spawn: Spawn) -> None:
    child = spawn("run", "workerapps:ticker")
    child.wait_for("APP-READY")
    child.send(signal.SIGINT)
    assert child.finish() == 0
    assert "-INT- -INT- -INT- -INT- -INT- -INT-" in child.stderr
    assert "Signal received: SIGINT (2)" in child.stderr


def test_start_error_exits_1_with_the_traceback_logged_once(spawn: Spawn) -> None:
    child = spawn("start_fails", script=True)
    assert child.finish() == 1
    err = child.stderr
    assert "[ERROR] [^Worker]: Error: KeyError('boom')" in err
    assert err.count("Traceback (most recent call last)") == 1
    assert "in on_start" in err


def test_crash_in_a_task_exits_1_with_the_traceback_logged_once(spawn: Spawn) -> None:
    child = spawn("crasher", script=True)
    assert child.finish() == 1
    err = child.stderr
    assert "Crashed reason=RuntimeError('task exploded')" in err
    assert err.count("Traceback (most recent call last)") == 1
    assert "Stopped after a crash: RuntimeError('task exploded')" in err


def test_memory_error_exits_71(spawn: Spawn) -> None:
    child = spawn("oom", script=True)
    assert child.finish() == 71
    assert "Out of memory!" in child.stderr


def test_system_exit_in_a_task_keeps_its_code(spawn: Spawn) -> None:
    child = spawn("exits3", script=True)
    assert child.finish() == 3


def test_error_in_on_worker_shutdown_exits_1(spawn: Spawn) -> None:
    child = spawn("ticker", "badhook", '{"daemon": false}', script=True)
    assert child.finish() == 1
    assert "Error in on_worker_shutdown: ValueError('hook failed')" in child.stderr


def test_system_exit_raised_by_on_start_keeps_its_code(spawn: Spawn) -> None:
    child = spawn("start_exits", script=True)
    assert child.finish() == 5


def test_error_in_the_worker_stop_exits_1(spawn: Spawn) -> None:
    child = spawn("ticker", "badstop", '{"daemon": false}', script=True)
    assert child.finish() == 1
    assert "Error while stopping: ValueError('stop failed')" in child.stderr


def test_error_in_a_services_on_stop_exits_1(spawn: Spawn) -> None:
    # The worker's stop goes on (and the error is logged once, with its
    # traceback), but the run did not end cleanly: 1, not 0.
    child = spawn("stop_fails", "worker", '{"daemon": false}', script=True)
    assert child.finish() == 1
    err = child.stderr
    assert "Error while stopping child <StopFails" in err
    assert "ValueError: service stop failed" in err
    assert err.count("Traceback (most recent call last)") == 1


def test_error_in_a_services_on_stop_after_sigterm_exits_1(spawn: Spawn) -> None:
    child = spawn("stop_fails", script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 1
    assert "ValueError: service stop failed" in child.stderr


def test_a_service_thread_left_running_by_its_stop_exits_75(spawn: Spawn) -> None:
    # The ServiceThread's stop returns without its (daemon) thread, stuck in
    # a call: the stop was not clean, so the process does not exit 0.
    child = spawn("stuck_thread", "worker", '{"daemon": false}', script=True)
    assert child.finish() == 75
    assert "THREAD-STUCK" in child.stderr
    assert (
        "Threads still running at exit: StuckThread-thread; exiting without "
        "them (exit code 75)" in child.stderr
    )
