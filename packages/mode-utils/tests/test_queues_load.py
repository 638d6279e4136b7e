"""Queues under load: 50 producers and 50 consumers, flow control and clears.

50 producer tasks put their items with the flow-controlled ``put`` into a
small :class:`FlowControlQueue` / :class:`ThrowableQueue` while 50 consumer
tasks ``get`` them, and a controller task, driven by the consumers' progress
(never by timed sleeps), suspends and resumes the flow control, clears the
queue and (ThrowableQueue) throws exceptions at the consumers.

Accounting (see the docstrings of ``FlowControlQueue.clear`` and ``put``):

* a ``put`` that returned added its item: the item is then either consumed
  exactly once, or dropped by a ``clear()`` (directly, or by ``resume()`` of
  a ``clear_on_resume`` queue) that ran while it was in the queue;
* a ``put`` that raised CancelledError was blocked on a full queue when
  ``clear()`` ran: its item was never added and is never consumed;
* likewise every thrown exception is either raised in exactly one consumer
  or dropped, while buffered, by a ``clear()``.

Nothing may be lost, duplicated or left waiting: every task finishes under
an ``asyncio.timeout`` guard and the queue has no waiter left.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field

import pytest

from mode.utils.queues import FlowControlEvent, FlowControlQueue, ThrowableQueue

PRODUCERS = 50
CONSUMERS = 50
ITEMS_PER_PRODUCER = 20
MAXSIZE = 8
ROUNDS = 60
GUARD_SECONDS = 30.0


class Thrown(Exception):
    """An exception thrown at the consumers; ``args[0]`` is its number."""


@dataclass
class Ledger:
    added: set[int] = field(default_factory=set)
    cancelled: set[int] = field(default_factory=set)
    consumed: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    thrown: set[int] = field(default_factory=set)
    errors_raised: list[int] = field(default_factory=list)
    errors_dropped: list[int] = field(default_factory=list)
    clears: int = 0
    suspensions: int = 0


class _Recording:
    """Mixin recording what every ``clear()`` drops (items and exceptions)."""

    ledger: Ledger

    def clear(self) -> None:
        queue: FlowControlQueue[int] = self  # type: ignore[assignment]
        self.ledger.dropped.extend(queue._queue)
        errors = getattr(queue, "_errors", ())
        self.ledger.errors_dropped.extend(int(exc.args[0]) for exc in errors)
        self.ledger.clears += 1
        super().clear()  # type: ignore[misc]


class RecordingFlowControlQueue(_Recording, FlowControlQueue[int]):
    pass


class RecordingThrowableQueue(_Recording, ThrowableQueue[int]):
    pass


_STOP = -1


async def _producer(
    queue: FlowControlQueue[int], first: int, ledger: Ledger, progress: asyncio.Event
) -> None:
    for item in range(first, first + ITEMS_PER_PRODUCER):
        try:
            await queue.put(item)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            assert task is not None
            if task.cancelling():  # cancelled for real: not by clear()
                raise
            ledger.cancelled.add(item)
        else:
            ledger.added.add(item)
        progress.set()


async def _consumer(
    queue: FlowControlQueue[int], ledger: Ledger, progress: asyncio.Event
) -> None:
    while True:
        try:
            item = await queue.get()
        except Thrown as exc:
            ledger.errors_raised.append(int(exc.args[0]))
            continue
        if item == _STOP:
            return
        ledger.consumed.append(item)
        queue.task_done()
        progress.set()


async def _controller(
    queue: FlowControlQueue[int],
    fc: FlowControlEvent,
    ledger: Ledger,
    progress: asyncio.Event,
    producers_done: asyncio.Event,
    rng: random.Random,
) -> None:
    throwable = isinstance(queue, ThrowableQueue)
    for _ in range(ROUNDS):
        if producers_done.is_set():
            break
        # Wait for the consumers/producers to move on (or for the end).
        progress.clear()
        waiter = asyncio.ensure_future(progress.wait())
        done_waiter = asyncio.ensure_future(producers_done.wait())
        await asyncio.wait({waiter, done_waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        done_waiter.cancel()
        action = rng.choice(["clear", "suspend", "suspend", "throw", "nothing"])
        if action == "clear":
            queue.clear()
        elif action == "suspend":
            fc.suspend()
            ledger.suspensions += 1
            # Suspended producers wait; let consumers drain meanwhile.
            for _ in range(rng.randint(1, 20)):
                await asyncio.sleep(0)
            fc.resume()
        elif action == "throw" and throwable:
            # A burst: waiting consumers get the first ones, the rest are
            # buffered (and raised by later gets, or dropped by a clear).
            assert isinstance(queue, ThrowableQueue)
            for _ in range(CONSUMERS + rng.randint(1, 10)):
                number = len(ledger.thrown)
                ledger.thrown.add(number)
                await queue.throw(Thrown(number))
            if rng.random() < 0.5:
                queue.clear()
    fc.resume()


@pytest.mark.parametrize("seed", [7])
@pytest.mark.parametrize("clear_on_resume", [False, True])
@pytest.mark.parametrize("throwable", [False, True], ids=["flowcontrol", "throwable"])
async def test_many_producers_and_consumers(
    throwable: bool, clear_on_resume: bool, seed: int
) -> None:
    rng = random.Random(seed)
    ledger = Ledger()
    fc = FlowControlEvent(initially_suspended=True)
    cls = RecordingThrowableQueue if throwable else RecordingFlowControlQueue
    queue = cls(MAXSIZE, flow_control=fc, clear_on_resume=clear_on_resume)
    queue.ledger = ledger
    progress = asyncio.Event()
    producers_done = asyncio.Event()

    async with asyncio.timeout(GUARD_SECONDS):
        async with asyncio.TaskGroup() as group:
            consumers = [
                group.create_task(_consumer(queue, ledger, progress))
                for _ in range(CONSUMERS)
            ]
            producers = [
                group.create_task(
                    _producer(queue, n * ITEMS_PER_PRODUCER, ledger, progress)
                )
                for n in range(PRODUCERS)
            ]
            controller = group.create_task(
                _controller(queue, fc, ledger, progress, producers_done, rng)
            )
            fc.resume()  # the producers start (they were waiting for this)
            await asyncio.gather(*producers)
            producers_done.set()
            await controller
            # Only now, with nothing clearing any more, stop the consumers.
            for _ in consumers:
                queue.force_put_nowait(_STOP)

    everything = set(range(PRODUCERS * ITEMS_PER_PRODUCER))
    consumed = Counter(ledger.consumed)
    dropped = Counter(ledger.dropped)
    # Nothing duplicated.
    assert max(consumed.values(), default=1) == 1
    assert max(dropped.values(), default=1) == 1
    assert not set(consumed) & set(dropped)
    # Every put either added its item or was cancelled by clear(), not both.
    assert ledger.added | ledger.cancelled == everything
    assert not ledger.added & ledger.cancelled
    # Every added item was consumed once or dropped once; nothing else was.
    assert set(consumed) | set(dropped) == ledger.added
    # Same for the exceptions of a ThrowableQueue.
    raised, errors_dropped = (
        Counter(ledger.errors_raised),
        Counter(ledger.errors_dropped),
    )
    assert max(raised.values(), default=1) == 1
    assert max(errors_dropped.values(), default=1) == 1
    assert set(raised) | set(errors_dropped) == ledger.thrown
    assert not set(raised) & set(errors_dropped)
    # No waiter left hanging, nothing left over.
    assert queue.empty()
    assert all(
        task.done() and not task.cancelled() for task in [*producers, *consumers]
    )
    assert not [f for f in queue._getters if not f.done()]
    assert not [f for f in queue._putters if not f.done()]
    assert not fc._resume._waiters
    # The run did exercise what it claims to.
    assert ledger.consumed, "nothing was consumed"
    assert ledger.clears > 0
    assert ledger.suspensions > 0
    assert ledger.cancelled, "no put was cancelled by clear()"
    assert ledger.dropped, "no item was dropped by clear()"
    if throwable:
        assert ledger.errors_raised
        assert ledger.errors_dropped
    if clear_on_resume:
        assert ledger.clears >= ledger.suspensions
