"""Adversarial stop/restart/crash races, public API only (not collected).

    .venv/bin/python packages/mode-service/tests/race_stop_restart.py [ROUNDS] [SEED]

Each round builds a small tree (a parent with two children, each running a
task and a timer), starts it, then fires a random mix of concurrent
``stop()``/``restart()`` calls on every service and crashes from inside
tasks, with random loop iterations between them, and finally stops the
parent.  Once that stop has returned and every operation has ended, it
checks what a stop promises: every service stopped, none of their tasks
alive, no other task left on the loop, ``on_start``/``on_stop`` paired, and
no operation hung (each round is bounded).  Runs on asyncio and uvloop;
prints the failures found (with the seed of the round) and exits 1 if any.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections import Counter
from typing import Any

from mode import Service
from mode.loop import available, factory

ROUND_TIMEOUT = 5.0


class Node(Service):
    """A service with a task and a timer that counts its hooks."""

    shutdown_timeout = 1.0

    def __init__(self, name: str, hooks: Counter[str], **kwargs: Any) -> None:
        self.name = name
        self.hooks = hooks
        self.crash_next = False
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        self.hooks[f"{self.name}.start"] += 1
        await asyncio.sleep(0)

    async def on_stop(self) -> None:
        self.hooks[f"{self.name}.stop"] += 1
        await asyncio.sleep(0)

    @Service.task
    async def _work(self) -> None:
        while not self.should_stop:
            await self.sleep(0.001)
            if self.crash_next:
                self.crash_next = False
                raise RuntimeError(f"{self.name} crashed on purpose")

    @Service.timer(0.002)
    async def _tick(self) -> None:
        await asyncio.sleep(0)


def _tree(hooks: Counter[str]) -> list[Node]:
    parent = Node("parent", hooks)
    a = parent.add_dependency(Node("a", hooks))
    b = parent.add_dependency(Node("b", hooks))
    return [parent, a, b]


async def _op(rng: random.Random, services: list[Node], called: asyncio.Event) -> None:
    for _ in range(rng.randrange(4)):
        await asyncio.sleep(0)
    target = rng.choice(services)
    what = rng.random()
    called.set()
    try:
        if what < 0.4:
            await target.restart()
        elif what < 0.7:
            await target.stop()
        else:
            target.crash_next = True
    except RuntimeError:
        pass  # a restart refused from inside a restart: allowed


async def _round(seed: int, outer: asyncio.Task[Any] | None) -> list[str]:
    rng = random.Random(seed)
    hooks: Counter[str] = Counter()
    services = _tree(hooks)
    parent = services[0]
    await parent.start()
    called = [asyncio.Event() for _ in range(rng.randrange(1, 7))]
    ops = [asyncio.create_task(_op(rng, services, ev)) for ev in called]
    for ev in called:
        await ev.wait()  # every operation has been called: now they race
    for _ in range(rng.randrange(6)):
        await asyncio.sleep(0)
    await parent.stop()
    problems: list[str] = []
    alive_after_stop = [s.name for s in services if s.state == "running"]
    if alive_after_stop:
        problems.append(f"running right after parent.stop(): {alive_after_stop}")
    await asyncio.gather(*ops, return_exceptions=True)
    # A restart or stop of a child called before the parent's stop must not
    # bring anything back once that stop has returned.  (A restart of the
    # parent itself, called before, is abandoned too.)
    for s in services:
        if s.state == "running":
            problems.append(f"{s.name} running after every operation ended")
        live = [f for f in s._futures if not f.done()]
        if live:
            problems.append(f"{s.name} has {len(live)} live task(s)")
    mine = {asyncio.current_task(), outer}
    others = [t for t in asyncio.all_tasks() if t not in mine and not t.done()]
    if others:
        problems.append(f"tasks left on the loop: {[t.get_name() for t in others]}")
    for s in services:
        starts, stops = hooks[f"{s.name}.start"], hooks[f"{s.name}.stop"]
        if starts > stops:
            problems.append(f"{s.name}: on_start ran {starts}x, on_stop {stops}x")
    return problems


async def _bounded_round(seed: int) -> list[str]:
    try:
        me = asyncio.current_task()
        return await asyncio.wait_for(_round(seed, me), ROUND_TIMEOUT)
    except TimeoutError:
        return [f"hung for {ROUND_TIMEOUT} s"]


def main(argv: list[str]) -> int:
    rounds = int(argv[0]) if argv else 300
    base = int(argv[1]) if len(argv) > 1 else 0
    failures = 0
    for backend in [b for b in ("asyncio", "uvloop") if b in available()]:
        t0 = time.monotonic()
        found: Counter[str] = Counter()
        first: dict[str, int] = {}
        for i in range(rounds):
            seed = base + i
            runner = asyncio.Runner(loop_factory=factory(backend))
            with runner:
                problems = runner.run(_bounded_round(seed))
            for problem in problems:
                kind = problem.split(":")[0]
                found[kind] += 1
                first.setdefault(kind, seed)
        failures += sum(found.values())
        took = time.monotonic() - t0
        total = sum(found.values())
        print(f"{backend}: {rounds} rounds in {took:.1f} s, {total} problems")
        for kind, count in found.most_common():
            print(f"  {count}x {kind} (first at seed {first[kind]})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
