"""Order tasks in tests without sleeping: :func:`wait_all_tasks_blocked`.

Instead of ``await asyncio.sleep(0.1)`` "to let the other task run", a test
waits until every other task is blocked (waiting for something that has not
happened yet), which is exact and takes no real time::

    task = asyncio.create_task(consumer(queue))
    await queue.put(item)
    await wait_all_tasks_blocked()     # the consumer took the item and waits again
    assert handled == [item]

How it knows (CPython's :class:`asyncio.BaseEventLoop` internals, checked on
3.11 to 3.13): the loop keeps the callbacks that are ready to run in the
deque ``loop._ready``, and timers in the heap ``loop._scheduled``.  The
caller yields with ``asyncio.sleep(0)`` until, when it is resumed, no other
callback is ready and no timer is due: every other task is then waiting on
a future, a timer in the future or I/O.  Ready I/O is not seen: a task
about to be woken by data already sent on a socket counts as blocked (as in
trio's function of the same name).

Loops without those attributes (uvloop) get a fallback: the caller yields
until every other task of the loop waits on a future that is not done
(``Task._fut_waiter``), then a few more times for plain callbacks.  It is
exact for tasks; callbacks that chain more than ``cushion`` times may not
have run.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["wait_all_tasks_blocked"]


def _has_internals(loop: asyncio.AbstractEventLoop) -> bool:
    """True if ``loop`` has BaseEventLoop's ``_ready`` and ``_scheduled``."""
    return hasattr(loop, "_ready") and hasattr(loop, "_scheduled")


def _busy(loop: Any) -> bool:
    """True if the loop has a ready callback or a due timer (BaseEventLoop)."""
    if loop._ready:
        return True
    now = loop.time()
    return any(not h._cancelled and h._when <= now for h in loop._scheduled)


def _tasks_runnable(loop: asyncio.AbstractEventLoop, me: object) -> bool:
    """True if a task other than ``me`` is not waiting on a pending future."""
    for task in asyncio.all_tasks(loop):
        if task is me:
            continue
        waiter = getattr(task, "_fut_waiter", None)
        if waiter is None or waiter.done():
            return True
    return False


async def wait_all_tasks_blocked(
    *, cushion: int = 3, max_iterations: int = 10_000
) -> None:
    """Return once every other task of the running loop is blocked.

    Blocked means waiting for a future, an event, a lock, a timer or I/O:
    the loop has nothing else to run before the next timer or I/O.  It
    yields to the loop as many times as needed and takes no real time.

    Arguments:
        cushion: Extra loop iterations the fallback (loops other than
            asyncio's own, such as uvloop) yields for plain callbacks once
            all tasks are blocked.
        max_iterations: Give up after this many loop iterations.

    Raises:
        RuntimeError: the tasks were still not all blocked after
            ``max_iterations`` iterations: something keeps scheduling work
            (e.g. ``while True: await asyncio.sleep(0)``).
        TypeError: ``cushion`` or ``max_iterations`` is not an int.
        ValueError: ``cushion`` is negative or ``max_iterations`` < 1.
    """
    for what, value in (("cushion", cushion), ("max_iterations", max_iterations)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(
                f"wait_all_tasks_blocked() {what} must be an int, not "
                f"{type(value).__name__}"
            )
    if cushion < 0 or max_iterations < 1:
        raise ValueError(
            f"wait_all_tasks_blocked() needs cushion >= 0 and max_iterations >= 1, "
            f"got cushion={cushion!r}, max_iterations={max_iterations!r}"
        )
    loop = asyncio.get_running_loop()
    exact = _has_internals(loop)
    me = asyncio.current_task()
    for _ in range(max_iterations):
        await asyncio.sleep(0)
        if exact:
            if not _busy(loop):
                return
        elif not _tasks_runnable(loop, me):
            for _ in range(cushion):
                await asyncio.sleep(0)
            if not _tasks_runnable(loop, me):
                return
    raise RuntimeError(
        f"wait_all_tasks_blocked(): tasks still runnable after {max_iterations} "
        "loop iterations; a task never blocks (e.g. `while True: await "
        "asyncio.sleep(0)`) or callbacks keep rescheduling themselves"
    )
