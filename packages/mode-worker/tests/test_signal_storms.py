"""Signals at random moments: many worker processes, none hangs, nothing lost.

Each worker (``apps/stormapp.py``: three services whose ``on_start`` and
``on_stop`` take a moment) gets a SIGTERM at a random moment while its
services start, while they run, or while the worker stops by itself; some
get a second SIGINT while the stop runs (which forces it: exit 130), or just
after it ended (too late to force anything).  Every worker must exit within
its ``shutdown_timeout`` (plus a margin) with the documented exit code, and
every service that started must have run its ``on_stop`` unless a second
SIGINT forced the stop.

The moments come from ``random.Random(seed)``; the seed is printed with any
failure.  Rerun one storm with ``MODE_STORM_SEED=<seed>``.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Child, Spawn

STORMAPP = Path(__file__).parent / "apps" / "stormapp.py"

#: Workers per storm (three of each phase and second signal), and how many
#: run at once.
WORKERS = 27
BATCH = 4

#: Services per worker and the seconds each on_start/on_stop takes.
SERVICES = 3
START = 0.1
STOP = 0.1
#: on_stop of the workers whose stop a second SIGINT forces: long enough
#: that the SIGINT (sent within FORCE_WITHIN of the first on_stop) always
#: lands while the stop runs.
FORCED_STOP = 1.0
FORCE_WITHIN = 0.4

SHUTDOWN_TIMEOUT = 4.0
#: Seconds a worker may take to exit beyond its shutdown_timeout (closing
#: the loop, the interpreter's exit, a loaded machine).
MARGIN = 2.0

NAMES = [f"S{i}" for i in range(SERVICES)]

#: Where the SIGTERM is sent: after which line of the child, within how long.
PHASES: dict[str, tuple[str, float]] = {
    "start-up": (r"^EVENT handlers$", SERVICES * START),
    "running": (r"^EVENT ready$", 0.3),
    # The worker stops by itself once started (daemon=False); the SIGTERM
    # lands while it stops and is ignored.
    "shutdown": (r"^EVENT stop-begin ", SERVICES * STOP),
}

#: The second signal: None, a SIGINT while the stop runs ("force"), or a
#: SIGINT once the last on_stop ended ("late").
SECOND_SIGNALS: tuple[str | None, ...] = (None, "force", "late")


def _seed() -> int:
    env = os.environ.get("MODE_STORM_SEED")
    return int(env) if env else random.SystemRandom().randrange(2**32)


@dataclass
class Plan:
    """What one worker gets: when the SIGTERM lands, and a second SIGINT."""

    index: int
    phase: str
    delay: float
    second: str | None = None
    second_delay: float = 0.0

    @property
    def config(self) -> dict[str, Any]:
        return {
            "services": SERVICES,
            "start": START,
            "stop": FORCED_STOP if self.second == "force" else STOP,
            # "shutdown": the worker stops by itself once started.
            "daemon": self.phase != "shutdown",
            "shutdown_timeout": SHUTDOWN_TIMEOUT,
        }


@dataclass
class Outcome:
    """How one worker ended."""

    plan: Plan
    code: int
    elapsed: float
    events: list[str]
    stderr: str
    problems: list[str] = field(default_factory=list)

    @property
    def landed(self) -> str:
        """The phase the SIGTERM actually landed in (from the child's lines)."""
        if self.plan.phase == "start-up" and "ready" in self.events:
            return "running"
        return self.plan.phase

    def describe(self) -> str:
        return (
            f"worker {self.plan} exited {self.code} after {self.elapsed:.2f} s: "
            f"{'; '.join(self.problems)}\n--- events: {self.events}\n"
            f"--- stderr:\n{self.stderr}"
        )


def make_plans(rng: random.Random) -> list[Plan]:
    """WORKERS plans covering every phase and second signal, shuffled."""
    plans = []
    kinds = [(phase, second) for phase in PHASES for second in SECOND_SIGNALS]
    for index in range(WORKERS):
        phase, second = kinds[index % len(kinds)]
        plan = Plan(index, phase, rng.uniform(0.0, PHASES[phase][1]), second)
        if second == "force":
            plan.second_delay = rng.uniform(0.0, FORCE_WITHIN)
        elif second == "late":
            plan.second_delay = rng.uniform(0.0, 0.05)
        plans.append(plan)
    rng.shuffle(plans)
    return plans


def run(spawn: Spawn, plan: Plan) -> Outcome:
    """Run one worker through its plan; return how it ended."""
    child: Child = spawn(json.dumps(plan.config), script=STORMAPP)
    child.wait_for(PHASES[plan.phase][0], stream="out")
    time.sleep(plan.delay)  # the random moment: the point of this test
    began = time.monotonic()
    child.send(signal.SIGTERM)
    if plan.second == "force":
        child.wait_for(r"^EVENT stop-begin ", stream="out")
        time.sleep(plan.second_delay)
        child.send(signal.SIGINT)
    elif plan.second == "late":
        child.wait_for(rf"^EVENT stop-done {NAMES[0]}$", stream="out")
        time.sleep(plan.second_delay)
        child.send(signal.SIGINT)
    code = child.finish(timeout=SHUTDOWN_TIMEOUT + MARGIN)
    elapsed = time.monotonic() - began
    events = [
        line.removeprefix("EVENT ").strip()
        for line in child.stdout.splitlines()
        if line.startswith("EVENT ")
    ]
    outcome = Outcome(plan, code, elapsed, events, child.stderr)
    outcome.problems = check(outcome)
    return outcome


def check(outcome: Outcome) -> list[str]:
    """Everything wrong with ``outcome`` (empty: as documented)."""
    plan, code, events, err = outcome.plan, outcome.code, outcome.events, outcome.stderr
    problems = []
    if outcome.elapsed > SHUTDOWN_TIMEOUT + MARGIN:
        problems.append(f"took {outcome.elapsed:.2f} s")
    forced = "Shutdown forced by SIGINT" in err
    if plan.second == "force":
        expected = {130}
    elif plan.second == "late":
        # The SIGINT may still catch the worker's own last steps (the stop
        # is not over when the last service's on_stop ends): then it
        # forces the rest.  Once the stop is over it changes nothing.
        expected = {130} if forced else {0}
    else:
        expected = {0}
    if code not in expected:
        problems.append(f"exit code {code}, expected {sorted(expected)}")
    if forced != (code == 130):
        problems.append("'Shutdown forced by SIGINT' logged iff the code is 130")
    if "Traceback" in err:
        problems.append("a traceback on stderr")
    if code == 0 and re.search(r"\[(ERROR|CRITICAL)\]", err):
        problems.append("an error logged by a graceful stop")
    for name in NAMES:
        for what in ("start-begin", "start-done", "stop-begin", "stop-done"):
            if events.count(f"{what} {name}") > 1:
                problems.append(f"{what} {name} more than once")
        started, stopping = f"start-done {name}", f"stop-begin {name}"
        if (
            started in events
            and stopping in events
            and events.index(started) > events.index(stopping)
        ):
            problems.append(f"on_stop of {name} began before its on_start ended")
    # The worker stops its services in reverse order, every one of them
    # (a service whose start was cancelled, or never began, included).
    stops = [e.split()[1] for e in events if e.startswith("stop-begin ")]
    done = [e.split()[1] for e in events if e.startswith("stop-done ")]
    everyone = NAMES[::-1]
    if code == 130:
        # Forced: the on_stop running then was cancelled and the services
        # after it in the stop order were never stopped.
        if stops != everyone[: len(stops)] or done != stops[: len(done)]:
            problems.append(f"forced stop order {stops}, done {done}")
        if len(stops) - len(done) > 1:
            problems.append("more than one on_stop cut short")
    elif stops != everyone or done != everyone:
        problems.append(f"stopped {stops}, done {done}: expected all of {everyone}")
    return problems


def test_sigterm_and_sigint_at_random_moments(spawn: Spawn) -> None:
    seed = _seed()
    plans = make_plans(random.Random(seed))
    began = time.monotonic()
    with ThreadPoolExecutor(BATCH, thread_name_prefix="storm") as pool:
        futures = [pool.submit(run, spawn, plan) for plan in plans]
    outcomes: list[Outcome] = []
    errors: list[str] = []
    for future in futures:
        try:
            outcomes.append(future.result())
        except BaseException as exc:  # pytest.fail() in a worker thread
            errors.append(f"{type(exc).__name__}: {exc}")
    failures = [o.describe() for o in outcomes if o.problems] + errors
    assert not failures, (
        f"signal storm with seed {seed} (rerun: MODE_STORM_SEED={seed}): "
        f"{len(failures)} of {len(plans)} worker(s) misbehaved\n\n"
        + "\n\n".join(failures)
    )
    landed = Counter(o.landed for o in outcomes)
    seconds = Counter(o.plan.second for o in outcomes if o.plan.second)
    codes = Counter(o.code for o in outcomes)
    print(
        f"\nsignal storm seed={seed}: {len(outcomes)} workers in "
        f"{time.monotonic() - began:.1f} s; SIGTERM landed {dict(landed)}; "
        f"second SIGINT {dict(seconds)}; exit codes {dict(codes)}; slowest "
        f"exit {max(o.elapsed for o in outcomes):.2f} s after the SIGTERM"
    )


def test_a_signal_during_on_start_ends_the_start_before_the_stop(
    spawn: Spawn,
) -> None:
    # on_start (0.5 s) would end while on_stop (1 s) runs: the start is
    # cancelled first, so on_stop never overlaps it.
    config = {"services": 1, "start": 0.5, "stop": 1.0}
    child = spawn(json.dumps(config), script=STORMAPP)
    child.wait_for(r"^EVENT start-begin S0$", stream="out")
    child.send(signal.SIGTERM)
    assert child.finish() == 0, child.stderr
    assert child.stdout.splitlines() == [
        "EVENT handlers",
        "EVENT start-begin S0",
        "EVENT stop-begin S0",
        "EVENT stop-done S0",
    ]


LATE_SIGNALS = [
    signal.SIGTERM,
    signal.SIGINT,
    signal.SIGHUP,
    signal.SIGUSR1,
    signal.SIGUSR2,
]


@pytest.mark.parametrize("late", LATE_SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_signals_after_the_stop_do_not_change_the_exit_code(
    spawn: Spawn, late: int
) -> None:
    # A non-daemon thread keeps the process alive (for cancel_grace) after
    # the loop closed: the signal then lands while it exits, and is ignored
    # (SIGUSR1 killed the process, -10, every time).  The thread left behind
    # makes the code 75.
    child = spawn(json.dumps({"services": 1, "linger": True}), script=STORMAPP)
    child.wait_for(r"^EVENT ready$", stream="out")
    child.send(signal.SIGTERM)
    child.wait_for(r"^EVENT loop-closed$", stream="out")
    child.send(late)
    assert child.finish() == 75, child.stderr
    assert "Threads still running at exit: linger" in child.stderr
    assert "Traceback" not in child.stderr


@pytest.mark.parametrize(("second", "code"), [(None, 75), (signal.SIGINT, 130)])
def test_a_start_ignoring_cancellation_does_not_keep_the_process(
    spawn: Spawn, second: int | None, code: int
) -> None:
    # The SIGTERM cancels the start, which ignores it: after cancel_grace
    # (1 s) the stop runs anyway, and the process exits without the start.
    # A second SIGINT forces the exit before that.  The start's task is left
    # behind: the exit code says so (75), not 0.
    config = {"services": 1, "stubborn_start": True, "shutdown_timeout": 60}
    child = spawn(json.dumps(config), script=STORMAPP)
    child.wait_for(r"^EVENT start-begin stubborn$", stream="out")
    began = time.monotonic()
    child.send(signal.SIGTERM)
    child.wait_for(r"^EVENT cancel-ignored stubborn$", stream="out")
    if second is not None:
        child.send(second)
    assert child.finish() == code, child.stderr
    # cancel_grace for the start, then again for the task left behind.
    assert time.monotonic() - began < 2 * 1.0 + MARGIN
    err = child.stderr
    assert "Task StormWorker.start ignores cancellation; exiting without it" in err
    assert "in on_start" in err
    if second is None:
        assert "The start ignores cancellation: stopping without it" in err
        # The service that had started was stopped.
        assert "EVENT stop-done S0" in child.stdout
    else:
        assert "Shutdown forced by SIGINT" in err
        assert "Stuck task StormWorker.start at:" in err
