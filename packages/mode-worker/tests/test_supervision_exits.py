"""Supervisors under the worker: an escalated crash ends the process non-zero."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Spawn


def test_crashing_supervisor_takes_the_worker_down(spawn: Spawn) -> None:
    child = spawn("run", "supervisedapps:crashing")
    assert child.finish() == 1
    err = child.stderr
    assert child.count(r"CHILD-START \d") == 1  # never restarted
    assert "RuntimeError: child failed on start 1" in err


def test_exceeded_restart_intensity_escalates_to_a_non_zero_exit(
    spawn: Spawn,
) -> None:
    child = spawn("run", "supervisedapps:exhausted")
    assert child.finish() == 1
    # Exactly max_restarts=2 restarts, then the third crash escalates.
    assert child.count(r"CHILD-START \d") == 3
    assert "MaxRestartsExceeded" in child.stderr
