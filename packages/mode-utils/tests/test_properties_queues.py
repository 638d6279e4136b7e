"""Property-based tests of the flow-control queues against a model.

Random sequences of ``put_nowait``, ``force_put_nowait``, flow-controlled
``put`` (a task each), ``get_nowait``, ``clear``, ``suspend``, ``resume``,
``FlowControlEvent.clear`` and (for :class:`ThrowableQueue`) ``throw`` run
on a real queue and on a few lines of model, compared after every step.

The model is the documented behaviour:

* ``put`` waits while the flow control is suspended, then while the queue is
  full; producers are served first come, first served.
* ``put_nowait`` ignores the flow control and raises QueueFull when full;
  ``force_put_nowait`` ignores both.
* ``get_nowait`` raises a buffered exception first (ThrowableQueue), else
  returns the oldest item and wakes the first producer blocked on a full
  queue (which goes back to the end of the line if the queue, filled past
  ``maxsize`` by ``force_put_nowait``, is still full).
* ``clear()`` drops the items (and buffered exceptions) and cancels the
  producers blocked on a full queue (their ``put`` raises CancelledError);
  producers waiting for the flow control are not affected.
* ``resume()`` (and ``FlowControlEvent.clear()``) clear the queues created
  with ``clear_on_resume=True``, before the suspended producers continue.

Every item ends up exactly once as consumed, dropped by a clear, or
cancelled.  Each example runs in a fresh loop (asyncio and uvloop, debug
mode); tasks are stepped with ``asyncio.sleep(0)``, never with timed sleeps.
Runs are bounded and write no example database.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mode.utils.queues import FlowControlEvent, FlowControlQueue, ThrowableQueue

LOOP_FACTORIES: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
}
try:
    import uvloop
except ImportError:  # pragma: no cover - uvloop missing for this Python
    pass
else:
    LOOP_FACTORIES["uvloop"] = uvloop.new_event_loop

Op = tuple[str, int]

ops = st.lists(
    st.sampled_from(
        [
            "put",
            "put",
            "put_nowait",
            "force_put_nowait",
            "get_nowait",
            "get_nowait",
            "clear",
            "suspend",
            "resume",
            "fc_clear",
            "throw",
        ]
    ),
    max_size=40,
)


@dataclass
class Model:
    maxsize: int
    clear_on_resume: bool
    throwable: bool
    suspended: bool
    items: deque[int] = field(default_factory=deque)
    errors: deque[str] = field(default_factory=deque)
    waiting_flow: deque[int] = field(default_factory=deque)
    waiting_full: deque[int] = field(default_factory=deque)
    outcome: dict[int, str] = field(default_factory=dict)

    def full(self) -> bool:
        return self.maxsize > 0 and len(self.items) >= self.maxsize

    def admit(self, item: int) -> None:
        if self.full():
            self.waiting_full.append(item)
        else:
            self.items.append(item)
            self.outcome[item] = "put"

    def put(self, item: int) -> None:
        if self.suspended:
            self.waiting_flow.append(item)
        else:
            self.admit(item)

    def clear(self) -> None:
        for item in self.items:
            self.outcome[item] = "dropped"
        self.items.clear()
        self.errors.clear()
        for item in self.waiting_full:
            self.outcome[item] = "cancelled"
        self.waiting_full.clear()

    def resume(self) -> None:
        self.suspended = False
        if self.clear_on_resume:
            self.clear()
        while self.waiting_flow:
            self.admit(self.waiting_flow.popleft())

    def got(self) -> None:
        # A get wakes the first producer blocked on a full queue: it gets in
        # if there is room now.  If the queue is still full (it was filled
        # past maxsize by force_put_nowait) the producer waits again, at the
        # back of the line, exactly as in asyncio.Queue.
        if self.waiting_full:
            item = self.waiting_full.popleft()
            self.admit(item)


async def _step() -> None:
    # Let woken producers run to their next suspension point.
    for _ in range(3):
        await asyncio.sleep(0)


async def _producer(
    queue: FlowControlQueue[int], item: int, real: dict[int, str]
) -> None:
    try:
        await queue.put(item)
    except asyncio.CancelledError:
        real[item] = "cancelled"  # cancelled by clear(): the item was not added
    else:
        real[item] = "put"


async def _run(
    program: list[str],
    *,
    throwable: bool,
    maxsize: int,
    clear_on_resume: bool,
    initially_suspended: bool,
) -> None:
    fc = FlowControlEvent(initially_suspended=initially_suspended)
    cls: type[FlowControlQueue[int]] = ThrowableQueue if throwable else FlowControlQueue
    queue = cls(maxsize, flow_control=fc, clear_on_resume=clear_on_resume)
    model = Model(maxsize, clear_on_resume, throwable, initially_suspended)
    real: dict[int, str] = {}
    consumed: list[int] = []
    tasks: list[asyncio.Task[None]] = []
    next_item = 0
    errors = 0

    def check() -> None:
        assert queue.qsize() == len(model.items)
        assert queue.full() == model.full()
        assert queue.empty() == (not model.items and not model.errors)
        assert fc.is_active() == (not model.suspended)
        assert {i: o for i, o in real.items() if o == "cancelled"} == {
            i: o for i, o in model.outcome.items() if o == "cancelled"
        }

    for op in program:
        if op == "put":
            item, next_item = next_item, next_item + 1
            tasks.append(asyncio.create_task(_producer(queue, item, real)))
            model.put(item)
        elif op == "put_nowait":
            item, next_item = next_item, next_item + 1
            if model.full():
                with pytest.raises(asyncio.QueueFull):
                    queue.put_nowait(item)
                model.outcome[item] = "rejected"
            else:
                queue.put_nowait(item)
                model.items.append(item)
                model.outcome[item] = "put"
            real[item] = model.outcome[item]
        elif op == "force_put_nowait":
            item, next_item = next_item, next_item + 1
            queue.force_put_nowait(item)
            model.items.append(item)
            model.outcome[item] = real[item] = "put"
        elif op == "get_nowait":
            if throwable and model.errors:
                with pytest.raises(KeyError) as excinfo:
                    queue.get_nowait()
                assert excinfo.value.args[0] == model.errors.popleft()
            elif model.items:
                got = queue.get_nowait()
                assert got == model.items.popleft()
                consumed.append(got)
                model.got()
            else:
                with pytest.raises(asyncio.QueueEmpty):
                    queue.get_nowait()
        elif op == "clear":
            queue.clear()
            model.clear()
        elif op == "suspend":
            fc.suspend()
            model.suspended = True
        elif op == "resume":
            fc.resume()
            model.resume()
        elif op == "fc_clear":
            fc.clear()
            if clear_on_resume:
                model.clear()
        elif op == "throw" and throwable:
            errors += 1
            name = f"error-{errors}"
            assert isinstance(queue, ThrowableQueue)
            await queue.throw(KeyError(name))
            model.errors.append(name)
        await _step()
        check()

    # Wind down: let every producer in and drain, so nothing is left waiting.
    fc.resume()
    model.resume()
    await _step()
    while model.items or model.errors or model.waiting_full:
        if throwable and model.errors:
            with pytest.raises(KeyError):
                queue.get_nowait()
            model.errors.popleft()
        else:
            got = queue.get_nowait()
            assert got == model.items.popleft()
            consumed.append(got)
            model.got()
        await _step()
        check()
    async with asyncio.timeout(10):
        await asyncio.gather(*tasks)
    assert queue.empty()
    assert all(task.done() for task in tasks)
    # Every item accounted for exactly once: consumed, dropped by a clear,
    # cancelled while blocked, or rejected by put_nowait (QueueFull).
    assert len(consumed) == len(set(consumed))
    assert sorted(real) == sorted(model.outcome) == list(range(next_item))
    for item, fate in model.outcome.items():
        producer_saw = "put" if fate in ("put", "dropped") else fate
        assert real[item] == producer_saw, (item, fate, real[item])
        assert (item in consumed) == (fate == "put"), (item, fate)


@pytest.mark.parametrize("loop_name", sorted(LOOP_FACTORIES))
@pytest.mark.parametrize("throwable", [False, True], ids=["flowcontrol", "throwable"])
@settings(max_examples=60, deadline=None, database=None)
@given(
    program=ops,
    maxsize=st.integers(min_value=0, max_value=3),
    clear_on_resume=st.booleans(),
    initially_suspended=st.booleans(),
)
def test_queue_against_model(
    loop_name: str,
    throwable: bool,
    program: list[str],
    maxsize: int,
    clear_on_resume: bool,
    initially_suspended: bool,
) -> None:
    with asyncio.Runner(loop_factory=LOOP_FACTORIES[loop_name], debug=True) as runner:
        runner.run(
            _run(
                program,
                throwable=throwable,
                maxsize=maxsize,
                clear_on_resume=clear_on_resume,
                initially_suspended=initially_suspended,
            )
        )


def test_model_sanity() -> None:
    # The model itself: a put blocked on a full queue gets in after a get.
    model = Model(1, False, False, False)
    model.put(1)
    model.put(2)
    assert list(model.items) == [1]
    assert list(model.waiting_full) == [2]
    model.items.popleft()
    model.got()
    assert list(model.items) == [2]
    assert model.outcome == {1: "put", 2: "put"}
    model.suspended = True
    model.put(3)
    model.clear()
    assert model.outcome[2] == "dropped"
    assert list(model.waiting_flow) == [3]
    model.resume()
    assert list(model.items) == [3]
