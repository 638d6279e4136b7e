"""The demo (examples/demo.py, what tools/demo runs) works end to end."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Spawn

DEMO = Path(__file__).resolve().parents[3] / "examples" / "demo.py"


def test_demo_ticks_signals_crashes_restarts_and_stops(spawn: Spawn) -> None:
    args = ["--seconds", "1.5", "--tick", "0.1", "--crash-every", "0.3"]
    child = spawn(*args, script=DEMO)
    assert child.finish() == 0, child.stderr
    err = child.stderr
    assert "[^--Clock]: tick 3" in err
    assert "signal received (tick 3): sha256" in err
    assert "Crashed reason=RuntimeError('simulated failure of run #1')" in err
    assert "run #2" in err  # restarted by the supervisor
    assert "1.5 s are up: stopping" in err
    assert "Signal received: SIGTERM" in err
