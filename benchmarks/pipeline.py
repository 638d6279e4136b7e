"""A Faust-like pipeline: mode's services and queues against bare asyncio.

One source, ``stages`` processing stages and a sink, connected by bounded
queues (``FlowControlQueue`` and ``ThrowableQueue`` alternating, under one
active ``FlowControlEvent``)::

    source -> q0 -> stage 0 -> q1 -> stage 1 -> ... -> stage N-1 -> qN -> sink

* Every stage is a service whose agent (a ``@Service.task``) takes an item,
  does a little work (a hash and a dict update) and passes it on.
* Every stage commits every 100 ms (a ``@Service.timer``): it records how many
  items it has passed on, as a stream processor records its offsets.
* One stage (the middle one) crashes every ``crash_every`` items it takes,
  after the work and before passing the item on (the worst moment); a
  ``OneForOneSupervisor`` restarts it.  The item it held stays in the
  stage (``inflight``) and is passed on after the restart, so no item is lost
  or duplicated; the sink checks that it received every sequence number
  exactly once, in order.
* The source stamps each item with ``time.perf_counter_ns()`` as it enqueues
  it; the sink computes the item's latency from that.

The bare-asyncio version does the same with tasks, ``asyncio.Queue`` and a
hand-written restart loop per stage (a crash cancels the stage's commit
task, then the agent and the committer start again), sharing the per-item code
(:func:`agent_loop`, :func:`sink_loop`) with the service version, so only the
framework differs.

``benchmarks/bench.py`` runs it as the ``pipeline`` case (subject: the
``mode`` importable in that venv, ours or the original; baseline: bare
asyncio in the same process).  Standalone::

    python benchmarks/pipeline.py [--impl mode|bare] [--items N] [--stages N]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

ITEMS = 200_000
STAGES = 4
CRASH_EVERY = 10_000
COMMIT_INTERVAL = 0.1
MAXSIZE = 1000

Item = tuple[int, int]  # (sequence number, perf_counter_ns at enqueue)


class Crash(Exception):
    """The planned crash of the crashing stage."""


class StageState:
    """What one stage keeps across its restarts (shared by both versions)."""

    def __init__(self, index: int, crash_every: int) -> None:
        self.index = index
        self.crash_every = crash_every
        self.data: dict[int, int] = {}
        self.inflight: Item | None = None  # taken, not yet passed on
        self.taken = 0
        self.done = 0  # passed on: the offset a commit records
        self.commits: list[int] = []
        self.restarts = 0


async def agent_loop(
    st: StageState,
    get: Callable[[], Awaitable[Item]],
    put: Callable[[Item], Awaitable[None]],
) -> None:
    """The per-item work of a stage; raises :class:`Crash` when planned."""
    data = st.data
    salt = st.index
    crash_every = st.crash_every
    while True:
        item = st.inflight
        if item is None:
            item = await get()
            st.inflight = item
            st.taken += 1
            seq = item[0]
            data[seq & 1023] = hash((seq, salt))
            if crash_every and not st.taken % crash_every:
                raise Crash(f"stage {st.index} planned crash at item {seq}")
        # else: the item held when the stage crashed; its work is done.
        await put(item)  # cancelled while waiting: the item stays inflight
        st.inflight = None
        st.done += 1


class SinkState:
    def __init__(self, items: int) -> None:
        self.items = items
        self.received = 0
        self.expected = 0
        self.lost = 0
        self.duplicated = 0
        self.latencies_ns = [0] * items
        self.finished: asyncio.Future[None] | None = None
        self.t_end = 0


async def sink_loop(sk: SinkState, get: Callable[[], Awaitable[Item]]) -> None:
    lat = sk.latencies_ns
    now = time.perf_counter_ns
    items = sk.items
    while True:
        seq, t0 = await get()
        t = now()
        if seq != sk.expected:
            if seq < sk.expected:
                sk.duplicated += 1
                continue
            sk.lost += seq - sk.expected
        sk.expected = seq + 1
        lat[sk.received] = t - t0
        sk.received += 1
        if sk.expected == items:
            sk.t_end = t
            assert sk.finished is not None
            sk.finished.set_result(None)
            return


async def source_loop(items: int, put: Callable[[Item], Awaitable[None]]) -> None:
    now = time.perf_counter_ns
    for seq in range(items):
        await put((seq, now()))


def _summary(
    items: int, t0: int, sk: SinkState, stages: list[StageState]
) -> dict[str, Any]:
    elapsed = (sk.t_end - t0) / 1e9
    lat = sorted(sk.latencies_ns[: sk.received])
    return {
        "items_per_s": items / elapsed,
        "p50_us": lat[len(lat) // 2] / 1000,
        "p99_us": lat[min(len(lat) - 1, (len(lat) * 99) // 100)] / 1000,
        "received": sk.received,
        "lost": sk.lost + (items - sk.expected),
        "duplicated": sk.duplicated,
        "restarts": sum(s.restarts for s in stages),
        "commits": sum(len(s.commits) for s in stages),
    }


def _crash_plan(stages: int, crash_every: int) -> list[int]:
    return [crash_every if i == stages // 2 else 0 for i in range(stages)]


# ------------------------------------------------------------------ services


async def run_mode(
    items: int = ITEMS,
    stages: int = STAGES,
    crash_every: int = CRASH_EVERY,
    maxsize: int = MAXSIZE,
) -> dict[str, Any]:
    """The pipeline on whichever ``mode`` is importable (ours or original)."""
    from mode import Service
    from mode.supervisors import OneForOneSupervisor
    from mode.utils.queues import FlowControlEvent, FlowControlQueue, ThrowableQueue

    flow = FlowControlEvent(initially_suspended=False)
    queues: list[Any] = [
        (ThrowableQueue if i % 2 else FlowControlQueue)(maxsize, flow_control=flow)
        for i in range(stages + 1)
    ]
    states = [
        StageState(i, every) for i, every in enumerate(_crash_plan(stages, crash_every))
    ]
    sink = SinkState(items)
    sink.finished = asyncio.get_running_loop().create_future()

    class Stage(Service):
        def __init__(self, st: StageState, inbox: Any, outbox: Any) -> None:
            self.st, self.inbox, self.outbox = st, inbox, outbox
            super().__init__()

        async def on_restart(self) -> None:
            self.st.restarts += 1

        @Service.task
        async def _agent(self) -> None:
            await agent_loop(self.st, self.inbox.get, self.outbox.put)

        @Service.timer(COMMIT_INTERVAL)
        async def _commit(self) -> None:
            self.st.commits.append(self.st.done)

    class Source(Service):
        @Service.task
        async def _produce(self) -> None:
            await source_loop(items, queues[0].put)

    class Sink(Service):
        @Service.task
        async def _consume(self) -> None:
            await sink_loop(sink, queues[-1].get)

    sup = OneForOneSupervisor(max_restarts=1000, over=1.0)
    sup.add(Sink())
    for i in reversed(range(stages)):
        sup.add(Stage(states[i], queues[i], queues[i + 1]))
    sup.add(Source())
    t0 = time.perf_counter_ns()
    await sup.start()
    await sink.finished
    await sup.stop()
    return _summary(items, t0, sink, states)


# --------------------------------------------------------------- bare asyncio


async def run_bare(
    items: int = ITEMS,
    stages: int = STAGES,
    crash_every: int = CRASH_EVERY,
    maxsize: int = MAXSIZE,
) -> dict[str, Any]:
    """The same pipeline with tasks, asyncio.Queue and a restart loop."""
    queues: list[asyncio.Queue[Item]] = [
        asyncio.Queue(maxsize) for _ in range(stages + 1)
    ]
    states = [
        StageState(i, every) for i, every in enumerate(_crash_plan(stages, crash_every))
    ]
    sink = SinkState(items)
    sink.finished = asyncio.get_running_loop().create_future()

    async def committer(st: StageState) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time() + COMMIT_INTERVAL
        while True:
            await asyncio.sleep(next_at - loop.time())
            next_at += COMMIT_INTERVAL
            st.commits.append(st.done)

    async def supervise(st: StageState, inbox: Any, outbox: Any) -> None:
        # The restart loop: run the agent and its committer; when the agent
        # crashes, end the committer, count the restart and start both again.
        # Cancelled (the pipeline stops): end both and return.
        while True:
            agent = asyncio.create_task(agent_loop(st, inbox.get, outbox.put))
            commit = asyncio.create_task(committer(st))
            try:
                await agent
            except Crash:
                st.restarts += 1
            finally:
                agent.cancel()
                commit.cancel()
                await asyncio.gather(agent, commit, return_exceptions=True)

    tasks: list[asyncio.Task[None]] = []
    t0 = time.perf_counter_ns()
    tasks.append(asyncio.create_task(sink_loop(sink, queues[-1].get)))
    for i in reversed(range(stages)):
        tasks.append(
            asyncio.create_task(supervise(states[i], queues[i], queues[i + 1]))
        )
    tasks.append(asyncio.create_task(source_loop(items, queues[0].put)))
    await sink.finished
    for task in reversed(tasks):
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return _summary(items, t0, sink, states)


RUNNERS = {"mode": run_mode, "bare": run_bare}


async def compare(repeats: int, items: int = ITEMS) -> dict[str, Any]:
    """Alternate mode and bare runs; the median of each figure per version."""
    logging.disable(logging.CRITICAL)  # crashes are planned: no tracebacks
    try:
        runs: dict[str, list[dict[str, Any]]] = {"mode": [], "bare": []}
        for _ in range(repeats):
            for name in ("mode", "bare"):
                gc.collect()
                runs[name].append(await RUNNERS[name](items))
    finally:
        logging.disable(logging.NOTSET)

    def med(name: str, key: str) -> float:
        return float(statistics.median(r[key] for r in runs[name]))

    def worst(name: str, key: str) -> int:
        return int(max(r[key] for r in runs[name]))

    return {
        "subject": med("mode", "items_per_s"),
        "baseline": med("bare", "items_per_s"),
        "ratio": med("mode", "items_per_s") / med("bare", "items_per_s"),
        "unit": "items/s",
        "p50_us": med("mode", "p50_us"),
        "p99_us": med("mode", "p99_us"),
        "baseline_p50_us": med("bare", "p50_us"),
        "baseline_p99_us": med("bare", "p99_us"),
        "p99_ratio": med("mode", "p99_us") / med("bare", "p99_us"),
        "lost": worst("mode", "lost"),
        "duplicated": worst("mode", "duplicated"),
        "restarts": min(r["restarts"] for r in runs["mode"]),
        "baseline_lost": worst("bare", "lost"),
        "baseline_duplicated": worst("bare", "duplicated"),
        "baseline_restarts": min(r["restarts"] for r in runs["bare"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", choices=[*RUNNERS, "both"], default="both")
    parser.add_argument("--items", type=int, default=ITEMS)
    parser.add_argument("--stages", type=int, default=STAGES)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop")
    args = parser.parse_args(argv)
    factory = None
    if args.uvloop:
        import uvloop

        factory = uvloop.new_event_loop

    async def go() -> Any:
        if args.impl == "both":
            return await compare(args.repeats, args.items)
        logging.disable(logging.CRITICAL)
        return [
            await RUNNERS[args.impl](args.items, args.stages)
            for _ in range(args.repeats)
        ]

    with asyncio.Runner(loop_factory=factory) as runner:
        print(json.dumps(runner.run(go()), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
