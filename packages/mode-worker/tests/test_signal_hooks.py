"""The original's signal hooks, overridden by a subclass, in real processes.

mode-streaming's Worker runs ``_on_sigint``, ``_on_sigterm``, ``_on_sigusr1``
and ``_on_sigusr2`` when those signals arrive, and programs built on it
(faust's Worker first) override them and call ``super()``.  Here a subclass
doing just that (``FaustLikeWorker`` in apps/workerapps.py) gets real
signals: its code must run, and so must ours (one stop, forcing, the report).
"""

from __future__ import annotations

import os
import pty
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Spawn


def test_sigterm_runs_the_overridden_hook_and_the_default_stop(spawn: Spawn) -> None:
    child = spawn("ticker", "faustlike", script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    assert child.finish() == 0, child.stderr
    assert child.count("^HOOK _on_sigterm$", stream="out") == 1
    assert child.count(r"Signal received: SIGTERM \(15\)") == 1
    assert "Traceback" not in child.stderr


def test_sighup_runs_the_overridden_hook_and_the_default_stop(spawn: Spawn) -> None:
    child = spawn("ticker", "faustlike", script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGHUP)
    assert child.finish() == 0, child.stderr
    assert child.count("^HOOK _on_sighup$", stream="out") == 1
    assert child.count(r"Signal received: SIGHUP \(1\)") == 1


def test_each_sigint_runs_the_hook_and_the_second_forces(spawn: Spawn) -> None:
    child = spawn("stuck_stop", "faustlike", '{"shutdown_timeout": 60}', script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGINT)
    child.wait_for("STOP-STUCK")
    child.send(signal.SIGINT)
    assert child.finish() == 130
    assert child.count("^HOOK _on_sigint$", stream="out") == 2
    assert child.count("-INT- -INT- -INT-") == 2
    assert "SIGINT during the shutdown: forcing it" in child.stderr


def test_sigusr1_runs_the_hook_and_writes_the_report(spawn: Spawn) -> None:
    child = spawn("ticker", "faustlike", script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGUSR1)
    child.wait_for("^TASKS")
    assert child.count("^HOOK _on_sigusr1$", stream="out") == 1
    assert "THREAD MainThread" in child.stderr
    child.send(signal.SIGTERM)
    assert child.finish() == 0


def test_sigusr2_without_a_terminal_does_not_stop_the_worker(spawn: Spawn) -> None:
    # The original opens pdb on SIGUSR2; with no terminal on stdin there is
    # nobody to talk to, so it says so and keeps running (SIGUSR2's default
    # action would have killed the process).
    child = spawn("ticker", "faustlike", script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGUSR2)
    child.wait_for("SIGUSR2: stdin is not a terminal")
    assert child.count("^HOOK _on_sigusr2$", stream="out") == 1
    child.send(signal.SIGTERM)
    assert child.finish() == 0


def test_sigusr2_on_a_terminal_opens_pdb_then_the_worker_goes_on(
    spawn: Spawn,
) -> None:
    controller, terminal = pty.openpty()
    try:
        child = spawn("ticker", "faustlike", script=True, stdin=terminal)
        child.wait_for("APP-READY")
        child.send(signal.SIGUSR2)
        child.wait_for("Starting debugger...")
        os.write(controller, b"p 6 * 7\n")
        child.wait_for(r"^\(Pdb\) 42$", stream="out")  # pdb on the real stdout
        os.write(controller, b"c\n")
        child.send(signal.SIGUSR1)  # the loop runs again: it answers
        child.wait_for("^TASKS")
        child.send(signal.SIGTERM)
        assert child.finish() == 0, child.stderr
    finally:
        os.close(terminal)
        os.close(controller)
    assert child.count("^HOOK _on_sigusr2$", stream="out") == 1


def test_a_hook_without_super_replaces_the_default(spawn: Spawn) -> None:
    child = spawn("ticker", "deaf", script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGTERM)
    child.wait_for("^HOOK _on_sigterm ignored$", stream="out")
    # Signals are handled in the order they arrive: once the SIGUSR1 report
    # is out, the SIGTERM was handled, and it did not stop the worker.
    child.send(signal.SIGUSR1)
    child.wait_for("^TASKS")
    assert "Signal received" not in child.stderr
    child.send(signal.SIGINT)
    assert child.finish() == 0
    assert child.count(r"Signal received: SIGINT") == 1


def test_a_raising_hook_is_logged_and_sigterm_still_stops(spawn: Spawn) -> None:
    child = spawn("ticker", "brokenhook", script=True)
    child.wait_for("APP-READY")
    child.send(signal.SIGUSR1)
    child.wait_for("sigusr1 hook bug")
    child.send(signal.SIGTERM)
    assert child.finish() == 1  # a hook raised: the run failed
    err = child.stderr
    assert "Error in the SIGUSR1 handler _on_sigusr1" in err
    assert "Error in the SIGTERM handler _on_sigterm" in err
    assert "RuntimeError: sigterm hook bug" in err
    assert err.count("Traceback (most recent call last)") == 2
    assert child.count(r"Signal received: SIGTERM") == 1  # stopped anyway


def test_on_startup_finished_runs_once_when_the_app_calls_it(spawn: Spawn) -> None:
    # faust's App calls the worker's on_startup_finished once it is ready;
    # the Worker itself must not call it a second time.
    child = spawn("applike", "faustlike", '{"daemon": false}', script=True)
    assert child.finish() == 0, child.stderr
    assert child.count("^HOOK on_startup_finished$", stream="out") == 1
    assert child.count("^HOOK _redirect_stdouts$", stream="out") == 1
