"""Signals sent to a real worker process: one stop, forcing, SIGUSR1 reports."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Spawn

NOHUP = Path(__file__).parent / "apps" / "nohupapp.py"


def test_many_sigterms_start_one_graceful_stop(spawn: Spawn) -> None:
    child = spawn("stuck_stop", "worker", '{"shutdown_timeout": 60}', script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    child.wait_for("STOP-STUCK")
    child.send(signal.SIGTERM)
    child.wait_for("Signal SIGTERM ignored: already shutting down")
    child.send(signal.SIGTERM)
    child.wait_for("Signal SIGTERM ignored", times=2)
    assert child.count("Signal received") == 1
    assert child.count(r"\[\^-StuckStop\]: Stopping\.\.\.") == 1
    child.send(signal.SIGINT)  # a SIGINT does force it
    assert child.finish() == 130


def test_second_sigint_during_the_stop_forces_it(spawn: Spawn) -> None:
    child = spawn("stuck_stop", "worker", '{"shutdown_timeout": 60}', script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGINT)
    child.wait_for("STOP-STUCK")
    child.send(signal.SIGINT)
    assert child.finish() == 130
    err = child.stderr
    assert err.count("-INT- -INT- -INT- -INT- -INT- -INT-") == 2
    assert "SIGINT during the shutdown: forcing it" in err
    assert "Shutdown forced by SIGINT" in err
    assert "in on_stop" in err  # the stuck task is listed with its stack


def test_sigusr1_dumps_threads_and_tasks_and_keeps_running(spawn: Spawn) -> None:
    child = spawn("run", "workerapps:ticker")
    child.wait_for("APP-READY")
    child.send(signal.SIGUSR1)
    child.wait_for("^TASKS")
    child.wait_for(r"^  TASK ")
    child.wait_for("MainThread", stream="err")
    child.send(signal.SIGUSR1)
    child.wait_for("^TASKS", times=2)
    err = child.stderr
    assert "THREAD MainThread" in err
    assert "LOCAL VARIABLES" in err
    assert "_tick" in err  # the timer task of the service, with its stack
    child.send(signal.SIGTERM)
    assert child.finish() == 0


def test_without_signal_handlers_sigterm_and_sigint_still_stop(spawn: Spawn) -> None:
    # As on Windows: the loop refuses add_signal_handler.  SIGTERM and SIGHUP
    # go through signal.signal, SIGINT through asyncio.Runner's
    # KeyboardInterrupt.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        child = spawn("ticker", "nosignals", script=True)
        child.wait_for("APP-READY")
        child.send(signum)
        assert child.finish() == 0, child.stderr
        assert "Signal received" in child.stderr
        assert "Traceback" not in child.stderr


def test_second_ctrl_c_without_signal_handlers_exits_130(spawn: Spawn) -> None:
    child = spawn("stuck_stop", "nosignals", '{"shutdown_timeout": 60}', script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGINT)
    child.wait_for("STOP-STUCK")
    child.send(signal.SIGINT)
    assert child.finish() == 130


def test_sigterm_while_a_service_is_still_starting(spawn: Spawn) -> None:
    child = spawn("slow_start", script=True)
    child.wait_for("APP-READY")  # logged from inside on_start, which hangs
    child.send(signal.SIGTERM)
    assert child.finish() == 0
    assert "Ready:" not in child.stderr
    assert "Traceback" not in child.stderr


def test_sighup_stops_gracefully_with_0(spawn: Spawn) -> None:
    # SIGHUP (the terminal went away) used to kill the worker at once
    # (exit -1, no on_stop); it is now a graceful stop, as SIGTERM.
    child = spawn("run", "workerapps:ticker")
    child.wait_for("APP-READY")
    child.send(signal.SIGHUP)
    assert child.finish() == 0, child.stderr
    assert "Signal received: SIGHUP (1)" in child.stderr
    assert "[^-Ticker]: Stopping..." in child.stderr


def test_sighup_during_the_stop_is_ignored(spawn: Spawn) -> None:
    child = spawn("stuck_stop", "worker", '{"shutdown_timeout": 1}', script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    child.wait_for("STOP-STUCK")
    child.send(signal.SIGHUP)
    child.wait_for("Signal SIGHUP ignored: already shutting down")
    assert child.finish() == 75  # the stop then overran its deadline
    assert child.count("Signal received") == 1


def test_sigusr1_report_redacts_secrets_and_cuts_long_values(spawn: Spawn) -> None:
    child = spawn("secretive", script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGUSR1)
    child.wait_for("^TASKS")
    child.wait_for("note = 'visible-task-note'")
    child.send(signal.SIGTERM)
    assert child.finish() == 0, child.stderr
    err = child.stderr
    for secret in ("hunter2", "tok-task-secret", "sess-task-secret"):
        assert secret not in err
    assert "password = <redacted>" in err
    assert "API_TOKEN = <redacted>" in err
    assert "session_id = <redacted>" in err
    assert "'thread_password': <redacted>" in err
    assert "'thread_note': 'visible-thread-note'" in err
    assert f"big = '{'z' * 199}...<9802 more chars>" in err
    assert "z" * 201 not in err


def test_sighup_stays_ignored_under_nohup(spawn: Spawn) -> None:
    # Started with SIGHUP ignored (nohup): closing the terminal must not stop
    # the worker, so it does not take SIGHUP over.
    child = spawn("ticker", script=NOHUP)
    child.wait_for("APP-READY")
    child.send(signal.SIGHUP)
    # Signals arrive in order: once the SIGUSR1 report is out, the SIGHUP
    # was delivered (and ignored).
    child.send(signal.SIGUSR1)
    child.wait_for("^TASKS")
    assert "Signal received" not in child.stderr
    child.send(signal.SIGTERM)
    assert child.finish() == 0, child.stderr
    assert child.count("Signal received") == 1
