"""The demo (examples/demo.py, what tools/demo runs) works end to end."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Spawn

DEMO = Path(__file__).resolve().parents[3] / "examples" / "demo.py"


def test_demo_ticks_signals_crashes_restarts_and_stops(spawn: Spawn) -> None:
    # Port 0: the default (6066) may be taken by a demo someone runs.
    args = ["--seconds", "1.5", "--tick", "0.1", "--crash-every", "0.3"]
    args += ["--web-port", "0"]
    child = spawn(*args, script=DEMO)
    assert child.finish() == 0, child.stderr
    err = child.stderr
    assert "[^--Clock]: tick 3" in err
    assert "signal received (tick 3): sha256" in err
    assert "Crashed reason=RuntimeError('simulated failure of run #1')" in err
    assert "run #2" in err  # restarted by the supervisor
    assert "1.5 s are up: stopping" in err
    assert "Signal received: SIGTERM" in err
    # The status page's address comes first, for a newcomer to open.
    first = err.splitlines()[0]
    assert re.search(r"Status page on http://127\.0\.0\.1:\d+/", first), first
