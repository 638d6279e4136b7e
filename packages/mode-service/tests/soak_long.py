"""Soak: start and stop a 50-service tree again and again; nothing may leak.

The tree is a root with 7 branches of 6 leaves each (1 + 7 + 42 = 50
services).  Every service runs a ``@Service.task`` and a ``@Service.timer``;
one leaf is a :class:`~mode.threads.ServiceThread`, so every cycle also starts
and joins a thread with an event loop of its own.  A cycle starts the tree,
waits until every task and timer of every service ran once (an event, no
sleeping), then stops it (``async with``).

After a warm-up round, ``gc.collect()`` and :mod:`tracemalloc`
measure the memory held before and after the measured cycles.  The run fails
when the growth reaches :data:`MAX_GROWTH` (1 MB), or when an asyncio task or
a thread is left behind.

Tracing must start before the warm-up to measure the long form right:
memory allocated untraced and reallocated while tracing counts in full as
growth, its release not at all.  On Python 3.11 a 939 KiB block inside
CPython (the size of a 65,536-slot string-keyed dict: most likely the
interned-string table, which the churn of mortal interned strings forces to
reallocate, at the same size, every few thousand cycles) did exactly that:
+939 KiB once, then flat for 90,000 cycles.  ``tools/soak`` therefore traces
from interpreter start (``PYTHONTRACEMALLOC=1``); what remains is that
table's real growth, once (about 0.5 MB within the first 10,000 cycles, then
flat).  The fast form starts tracing after its warm-up (three times faster):
its 150 measured cycles rarely meet that reallocation, and even then stay
under the limit (by little).

The long form, run by ``tools/soak``::

    python packages/mode-service/tests/soak_long.py [--cycles 100000]
        [--warmup 1000] [--loop asyncio|uvloop|both] [--progress N]

prints, per loop, the cycles, the elapsed time, the memory growth and the
tasks and threads left, and exits 1 on a leak.  The fast form is
``test_soak.py`` (same tree, fewer cycles), run by ``tools/test``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterable
from typing import Any

from mode.services import Service
from mode.threads import ServiceThread

__all__ = [
    "BRANCHES",
    "LEAVES",
    "MAX_GROWTH",
    "TREE_SIZE",
    "SoakReport",
    "Tally",
    "build_tree",
    "main",
    "soak",
]

#: Branches under the root, and leaves under each branch.
BRANCHES = 7
LEAVES = 6
#: Services in the tree: the root, the branches and their leaves.
TREE_SIZE = 1 + BRANCHES + BRANCHES * LEAVES
#: The memory a run may gain over its measured cycles (bytes, exclusive).
MAX_GROWTH = 1024 * 1024
#: Seconds a cycle may take to run every task and timer once.
CYCLE_TIMEOUT = 10.0
#: Seconds a thread left after the run gets to end before it counts as leaked.
THREAD_GRACE = 2.0


class Tally:
    """Counts the task and timer runs of one cycle; an event when all ran.

    Safe to call :meth:`hit` from the thread of the ``ServiceThread`` leaf:
    calls from another thread are handed to the loop that owns the tally.
    """

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.runs = 0
        self.total = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._all_ran: asyncio.Event | None = None

    def reset(self) -> None:
        """Start a new cycle (call in the loop that runs the soak)."""
        self._loop = asyncio.get_running_loop()
        self._all_ran = asyncio.Event()
        self.runs = 0

    def hit(self) -> None:
        """Count one run of a task or timer body."""
        loop = self._loop
        assert loop is not None, "Tally.reset() was not called"
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - always called from a loop
            running = None
        if running is not loop:
            loop.call_soon_threadsafe(self.hit)
            return
        self.runs += 1
        self.total += 1
        if self.runs == self.expected and self._all_ran is not None:
            self._all_ran.set()

    async def wait(self, timeout: float = CYCLE_TIMEOUT) -> None:
        """Wait until every task and timer of the cycle ran once."""
        assert self._all_ran is not None, "Tally.reset() was not called"
        async with asyncio.timeout(timeout):
            await self._all_ran.wait()


class Counted(Service):
    """What every service of the tree does: one task and one timer, both
    counted in the tally (the timer's first run at once, the next in an
    hour: it is cancelled while it waits)."""

    mundane_level = "debug"  # no "Starting..." log record 5 million times
    tally: Tally
    name: str

    def _repr_name(self) -> str:
        return f"{type(self).__name__}-{self.name}"

    @Service.task
    async def _work(self) -> None:
        self.tally.hit()
        while not self.should_stop:
            await self.sleep(3600.0)

    @Service.timer(3600.0, exec_first=True)
    async def _tick(self) -> None:
        self.tally.hit()


class Node(Counted):
    """A service of the tree, with its children."""

    def __init__(
        self, tally: Tally, name: str, children: Iterable[Service] = ()
    ) -> None:
        self.tally = tally
        self.name = name
        super().__init__()
        for child in children:
            self.add_dependency(child)


class ThreadNode(ServiceThread, Counted):
    """A leaf running in a thread of its own: task and timer in its loop."""

    def __init__(self, tally: Tally, name: str) -> None:
        self.tally = tally
        self.name = name
        super().__init__(keepalive_interval=0)


def build_tree(tally: Tally) -> Service:
    """Return the root of a fresh 50-service tree (the last leaf a thread)."""
    branches: list[Service] = []
    for b in range(BRANCHES):
        leaves: list[Service] = [
            Node(tally, f"{b}.{leaf}") for leaf in range(LEAVES - 1)
        ]
        last = f"{b}.{LEAVES - 1}"
        if b == BRANCHES - 1:
            leaves.append(ThreadNode(tally, last))
        else:
            leaves.append(Node(tally, last))
        branches.append(Node(tally, str(b), leaves))
    return Node(tally, "root", branches)


def count_services(root: Service) -> int:
    """Return how many services the tree below (and with) ``root`` holds."""
    count = 1
    for child in root._children:
        assert isinstance(child, Service)
        count += count_services(child)
    return count


@dataclasses.dataclass(frozen=True, slots=True)
class SoakReport:
    """What one soak run measured."""

    loop: str
    services: int
    warmup: int
    cycles: int
    elapsed: float
    growth: int
    runs: int
    tasks_left: list[str]
    threads_left: list[str]

    @property
    def leaked(self) -> bool:
        """True if anything was left behind or memory grew too much."""
        return bool(self.tasks_left or self.threads_left or self.growth >= MAX_GROWTH)

    def lines(self) -> list[str]:
        """Return the report as human-readable lines."""
        per_cycle = self.elapsed / self.cycles * 1e3 if self.cycles else 0.0
        return [
            f"soak [{self.loop}]: {self.cycles:,} cycles of a {self.services}-service "
            f"tree (after {self.warmup:,} warm-up cycles)",
            f"  elapsed:       {self.elapsed:.1f} s ({per_cycle:.2f} ms per cycle, "
            "tracemalloc on)",
            f"  task/timer runs: {self.runs:,}",
            f"  memory growth: {self.growth:,} bytes "
            f"(limit {MAX_GROWTH:,}: {'FAIL' if self.growth >= MAX_GROWTH else 'ok'})",
            f"  tasks left:    {len(self.tasks_left)} {self.tasks_left or ''}",
            f"  threads left:  {len(self.threads_left)} {self.threads_left or ''}",
        ]


def _other_tasks() -> list[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done()]


def _new_threads(baseline: set[threading.Thread]) -> list[threading.Thread]:
    deadline = time.monotonic() + THREAD_GRACE
    left = []
    for thread in threading.enumerate():
        if thread in baseline:
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            left.append(thread)
    return left


async def _cycles(
    root: Service,
    tally: Tally,
    n: int,
    progress: Callable[[int], None] | None = None,
) -> None:
    for i in range(n):
        tally.reset()
        async with root:
            await tally.wait()
        if progress is not None:
            progress(i + 1)


async def soak(
    cycles: int,
    *,
    warmup: int = 200,
    progress_every: int = 0,
    out: Callable[[str], None] = print,
) -> SoakReport:
    """Run the soak in the running loop and return what it measured.

    ``warmup`` cycles first (untraced, unless :mod:`tracemalloc` traces
    already), then ``cycles`` cycles under tracemalloc.  Asyncio debug mode
    is switched off meanwhile (it keeps a stack per callback and would make
    the run ten times slower).
    ``progress_every`` > 0 prints the growth so far every so many cycles.
    """
    if cycles < 1 or warmup < 0:
        raise ValueError(f"need cycles >= 1 and warmup >= 0, not {cycles}/{warmup}")
    loop = asyncio.get_running_loop()
    loop_name = type(loop).__module__.partition(".")[0]
    baseline_tasks = set(_other_tasks())
    baseline_threads = set(threading.enumerate())
    tally = Tally(expected=2 * TREE_SIZE)
    root = build_tree(tally)
    services = count_services(root)
    was_tracing = tracemalloc.is_tracing()
    debug = loop.get_debug()
    loop.set_debug(False)
    try:
        await _cycles(root, tally, warmup)
        gc.collect()
        if not was_tracing:
            tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]

        def progress(done: int) -> None:
            if progress_every and done % progress_every == 0 and done < cycles:
                gc.collect()
                grown = tracemalloc.get_traced_memory()[0] - before
                out(f"  ... {done:,} cycles, memory growth {grown:,} bytes")

        began = time.perf_counter()
        await _cycles(root, tally, cycles, progress)
        elapsed = time.perf_counter() - began
        for _ in range(3):  # let done-callbacks of the last stop run
            await asyncio.sleep(0)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        if not was_tracing:
            tracemalloc.stop()
        loop.set_debug(debug)
    tasks_left = [t.get_name() for t in _other_tasks() if t not in baseline_tasks]
    threads_left = [t.name for t in _new_threads(baseline_threads)]
    return SoakReport(
        loop=loop_name,
        services=services,
        warmup=warmup,
        cycles=cycles,
        elapsed=elapsed,
        growth=growth,
        runs=tally.total,
        tasks_left=tasks_left,
        threads_left=threads_left,
    )


def _loop_factories(which: str) -> dict[str, Callable[[], asyncio.AbstractEventLoop]]:
    from mode.loop import available, factory

    names = ["asyncio", "uvloop"] if which == "both" else [which]
    factories = {}
    for name in names:
        if name not in available():
            if which == "both":
                print(f"soak: {name} is not installed: skipped", file=sys.stderr)
                continue
            raise SystemExit(f"soak: the {name} loop is not installed")
        factories[name] = factory(name)
    return factories


def main(argv: list[str] | None = None) -> int:
    """Run the long form; return 0, or 1 if anything leaked."""
    parser = argparse.ArgumentParser(
        prog="tools/soak", description=__doc__.partition("\n")[0] if __doc__ else ""
    )
    parser.add_argument("--cycles", type=int, default=100_000, help="measured cycles")
    parser.add_argument(
        "--warmup", type=int, default=1000, help="cycles before the baseline"
    )
    parser.add_argument("--loop", choices=["asyncio", "uvloop", "both"], default="both")
    parser.add_argument(
        "--progress", type=int, default=0, help="print the growth every N cycles"
    )
    args = parser.parse_args(argv)
    if args.cycles < 1 or args.warmup < 0:
        parser.error("--cycles must be >= 1 and --warmup >= 0")
    every = args.progress or max(1, args.cycles // 10)
    failed = False
    for name, loop_factory in _loop_factories(args.loop).items():
        print(f"soak [{name}]: {args.warmup:,} warm-up + {args.cycles:,} cycles ...")
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            report = runner.run(
                soak(args.cycles, warmup=args.warmup, progress_every=every)
            )
        for line in report.lines():
            print(line)
        sys.stdout.flush()
        failed = failed or report.leaked
    print("soak: FAILED (a leak, see above)" if failed else "soak: ok, nothing leaked")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
