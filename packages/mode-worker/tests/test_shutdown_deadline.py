"""shutdown_timeout bounds the whole stop: stuck tasks are listed and cancelled."""

from __future__ import annotations

import signal
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Spawn


def test_on_stop_that_never_returns_exits_75_after_the_deadline(spawn: Spawn) -> None:
    child = spawn("stuck_stop", "worker", '{"shutdown_timeout": 0.5}', script=True)
    child.wait_for("APP-READY")
    t0 = time.monotonic()
    child.send(signal.SIGTERM)
    assert child.finish() == 75
    assert time.monotonic() - t0 < 10
    err = child.stderr
    assert "Shutdown did not finish within shutdown_timeout=0.5 s" in err
    # Only the stop itself is stuck (in on_stop); nothing else is listed.
    assert child.count("Stuck task") == 1
    assert "Stuck task Worker._stop_on_signal at:" in err
    assert "in on_stop" in err


def test_a_task_ignoring_cancellation_does_not_keep_the_process(spawn: Spawn) -> None:
    child = spawn("stubborn", "worker", '{"shutdown_timeout": 0.3}', script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 75
    assert "ignores cancellation; exiting without it" in child.stderr


def test_the_mode_command_takes_the_deadline(spawn: Spawn) -> None:
    child = spawn("run", "workerapps:StuckStop", "--shutdown-timeout", "0.3")
    child.wait_for("APP-READY")
    child.send(signal.SIGINT)
    assert child.finish() == 75


def test_a_thread_that_never_ends_does_not_keep_the_process(spawn: Spawn) -> None:
    # The stop left a thread running: the process exits without it, and not
    # with 0 (the stop was not clean).
    child = spawn("lingering", script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 75
    assert (
        "Threads still running at exit: lingering; exiting without them "
        "(exit code 75)" in child.stderr
    )


def test_a_failed_run_keeps_its_code_when_a_thread_lingers(spawn: Spawn) -> None:
    child = spawn("lingering", "badstop", script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 1
    assert "(exit code 1)" in child.stderr
