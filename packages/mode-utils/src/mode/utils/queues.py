"""Queues with flow control, pressure callbacks and exception delivery.

* :class:`FlowControlEvent` lets a consumer pause (:meth:`~FlowControlEvent.suspend`)
  and restart (:meth:`~FlowControlEvent.resume`) every producer of the queues it
  manages.
* :class:`FlowControlQueue` is an :class:`asyncio.Queue` whose ``put`` waits
  while its flow control is suspended, and which reports "high pressure" /
  "pressure dropped" to callbacks for producers that never block.
* :class:`ThrowableQueue` can also deliver an exception to its consumer.

These queues sit on the per-message path of stream processors, so ``put`` and
``get`` stay thin wrappers around :class:`asyncio.Queue`.  Like it, nothing
here looks up an event loop at construction time.
"""

from __future__ import annotations

import asyncio
import math
import sys
from collections import deque
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar
from weakref import WeakSet

from .locks import Event, _is_loop_like

__all__ = ["FlowControlEvent", "FlowControlQueue", "ThrowableQueue"]

_T = TypeVar("_T")

# The hot paths below call the asyncio.Queue methods directly: building a
# super() object on every put/get costs more than the rest of the wrapper.
_queue_put = asyncio.Queue.put
_queue_put_nowait = asyncio.Queue.put_nowait
_queue_get = asyncio.Queue.get
_queue_get_nowait = asyncio.Queue.get_nowait
_queue_full = asyncio.Queue.full


# The fast paths also use asyncio.Queue's private state and helpers.  Each
# is looked for once, here, on a throw-away queue (making one binds no
# loop): should a future Python rename or drop one, the queues below take
# the public path instead (plain asyncio.Queue calls, and for ThrowableQueue
# a waiting list of its own), which is slower but behaves the same.
def _has_attrs(obj: object, kinds: dict[str, type]) -> bool:
    return all(
        isinstance(getattr(obj, name, None), kind) for name, kind in kinds.items()
    )


_probe: asyncio.Queue[Any] = asyncio.Queue()
#: ``Queue._wakeup_next(waiters)`` wakes the first waiter not done yet.
_HAS_WAKEUP_NEXT = callable(getattr(asyncio.Queue, "_wakeup_next", None))
#: ``Queue._finished``: the event join() waits for.
_HAS_FINISHED = isinstance(getattr(_probe, "_finished", None), asyncio.Event)
#: asyncio.Queue.shutdown() exists from Python 3.13: put_nowait must then
#: refuse items (QueueShutDown) even when there is room.
_HAS_SHUTDOWN = callable(getattr(asyncio.Queue, "shutdown", None))
#: ``Queue._is_shutdown`` (3.13+): whether shutdown() was called.
_HAS_IS_SHUTDOWN = isinstance(getattr(_probe, "_is_shutdown", None), bool)
#: The items, the waiting getters and putters, the counts.
_HAS_STATE = _has_attrs(
    _probe,
    {
        "_queue": deque,
        "_getters": deque,
        "_putters": deque,
        "_unfinished_tasks": int,
        "_maxsize": int,
    },
)
del _probe

#: True when every internal the fast paths use is there (read at each call,
#: so a test can turn the fast paths off).
_FAST = (
    _HAS_STATE
    and _HAS_WAKEUP_NEXT
    and _HAS_FINISHED
    and (_HAS_IS_SHUTDOWN or not _HAS_SHUTDOWN)
)


class FlowControlEvent:
    """Suspend and resume the producers of one or more queues.

    It starts **suspended** unless ``initially_suspended=False``: producers
    calling :meth:`FlowControlQueue.put` block until :meth:`resume` is called.

    Queues created with ``clear_on_resume=True`` are registered with
    :meth:`manage_queue` and emptied on every :meth:`resume`, so whatever was
    buffered before the pause is dropped.

    ``loop`` is passed on to the internal :class:`~mode.utils.locks.Event`
    objects (an explicit owner loop); by default they bind to the running
    loop on first use.  See :attr:`loop`.  Like :class:`~mode.utils.locks.Event`
    it may be a stand-in for a loop (anything with callable ``create_task``
    and ``call_soon``, such as a ``unittest.mock.Mock`` in tests).

    Raises TypeError if ``loop`` is neither None, an event loop nor such a
    stand-in.
    """

    def __init__(
        self,
        *,
        initially_suspended: bool = True,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if loop is not None and not _is_loop_like(loop):
            raise TypeError(
                "FlowControlEvent(loop=...) must be an event loop or None, "
                f"not {type(loop).__name__}"
            )
        self._loop = loop
        self._resume = Event(loop=loop)
        self._suspend = Event(loop=loop)
        self._queues: WeakSet[FlowControlQueue[Any]] = WeakSet()
        if initially_suspended:
            self._suspend.set()
        else:
            self._resume.set()

    def __repr__(self) -> str:
        state = "active" if self.is_active() else "suspended"
        return f"<{type(self).__qualname__} at {id(self):#x} [{state}]>"

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop this event belongs to, or None if it cannot be known yet.

        That is the loop given (``loop=`` or set here), else the loop its
        waiters bound it to, else the running loop; outside a running loop,
        an event nobody waited on yet gives None (as the original's
        attribute did when no loop was given).  Reading it binds nothing.

        Setting it makes that loop the owner, as ``loop=`` would have (a
        stand-in for a loop is taken, as by ``loop=``).

        Raises:
            TypeError: set to something that is neither an event loop nor a
                stand-in for one.
            RuntimeError: set to a loop other than the one it is bound to.
        """
        loop = self._loop or self._resume._loop or self._suspend._loop
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return None
        return loop

    @loop.setter
    def loop(self, loop: asyncio.AbstractEventLoop) -> None:
        if not _is_loop_like(loop):
            raise TypeError(
                "FlowControlEvent.loop must be an event loop, "
                f"not {type(loop).__name__}"
            )
        for event in (self._resume, self._suspend):
            if event._bind(loop) is not loop:
                raise RuntimeError(
                    f"{self!r} already belongs to loop {event._loop!r}: "
                    "it cannot move to another loop"
                )
        self._loop = loop

    def manage_queue(self, queue: FlowControlQueue[Any]) -> None:
        """Register ``queue`` to be cleared on :meth:`resume`/:meth:`clear`.

        Only a weak reference is kept: a queue that is garbage collected
        drops out by itself.  Raises TypeError for anything that is not a
        :class:`FlowControlQueue`.
        """
        if not isinstance(queue, FlowControlQueue):
            raise TypeError(
                f"manage_queue() expects a FlowControlQueue, not {type(queue).__name__}"
            )
        self._queues.add(queue)

    def suspend(self) -> None:
        """Make producers block in :meth:`acquire` until :meth:`resume`."""
        self._resume.clear()
        self._suspend.set()

    def resume(self) -> None:
        """Let producers continue, after clearing every managed queue.

        Producers blocked in :meth:`acquire` wake up on the next loop
        iteration, so what they put lands in the already cleared queues.
        """
        self._suspend.clear()
        self._resume.set()
        self.clear()

    def is_active(self) -> bool:
        """Return True unless suspended."""
        return not self._suspend._value

    def clear(self) -> None:
        """Clear every managed queue (see :meth:`FlowControlQueue.clear`)."""
        for queue in list(self._queues):
            queue.clear()

    async def acquire(self) -> None:
        """Return at once when active, else block until :meth:`resume`.

        A producer woken by :meth:`resume` that finds the event suspended
        again (``suspend()`` came first) goes back to waiting.
        """
        while self._suspend._value:
            await self._resume.wait()


class FlowControlQueue(asyncio.Queue[_T]):
    """An :class:`asyncio.Queue` whose producers obey a :class:`FlowControlEvent`.

    * :meth:`put` first waits until ``flow_control`` is active, then behaves
      like :meth:`asyncio.Queue.put` (blocking while full).
    * :meth:`put_nowait` is deliberately **not** flow-controlled (it is the
      plain :meth:`asyncio.Queue.put_nowait`).
    * :meth:`force_put_nowait` ignores ``maxsize``.
    * :meth:`put_nowait_enhanced` is for producers that never block: it
      force-puts and tells the producer when the queue is under high
      pressure; the producer's ``on_pressure_drop`` callback is called back
      by the consumer side once the queue drains.

    ``maxsize`` of 0 (or None, which faust passes) means unbounded.  With
    ``clear_on_resume=True`` the queue is emptied whenever
    ``flow_control`` resumes.  ``loop`` is accepted for compatibility and
    ignored: like :class:`asyncio.Queue` the queue binds to the loop that
    first waits on it.  Other keyword arguments go to :class:`asyncio.Queue`.

    The fast paths use asyncio.Queue's private state; where a Python lacks
    any of it, the queue works through asyncio.Queue's public methods
    instead (slower, same behaviour).

    Raises TypeError if ``flow_control`` is not a :class:`FlowControlEvent` or
    ``maxsize`` is not an int.
    """

    #: ``qsize() >= maxsize / pressure_high_ratio`` means high pressure.
    pressure_high_ratio: float = 1.25
    #: Below ``maxsize * pressure_drop_ratio`` the pressure has dropped.
    pressure_drop_ratio: float = 0.40

    #: True while force_put_nowait() puts through the public path.
    _forcing: bool = False

    # Declared for the type checker: asyncio.Queue internals, there on every
    # Python so far (3.11-3.14); typeshed does not list them.  Used only
    # when _FAST says they are all there.
    _getters: deque[asyncio.Future[None]]
    _putters: deque[asyncio.Future[None]]
    _queue: deque[_T]
    _maxsize: int
    _unfinished_tasks: int
    _finished: asyncio.Event
    _is_shutdown: bool  # 3.13+ only
    _wakeup_next: Callable[[deque[asyncio.Future[None]]], None]

    def __init__(
        self,
        maxsize: int | None = 0,
        *,
        flow_control: FlowControlEvent,
        clear_on_resume: bool = False,
        loop: asyncio.AbstractEventLoop | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(flow_control, FlowControlEvent):
            raise TypeError(
                "flow_control must be a FlowControlEvent, "
                f"got {type(flow_control).__name__}"
            )
        if maxsize is None:
            maxsize = 0
        elif isinstance(maxsize, bool) or not isinstance(maxsize, int):
            raise TypeError(
                f"maxsize must be an int (0: unbounded), not {type(maxsize).__name__}"
            )
        super().__init__(maxsize, **kwargs)
        self._flow_control = flow_control
        # An insertion-ordered set of the producers' pressure-drop callbacks.
        self._pending_pressure_drop_callbacks: dict[Callable[[], None], None] = {}
        if clear_on_resume:
            flow_control.manage_queue(self)

    @cached_property
    def pressure_high_size(self) -> int:
        """Queue size from which the queue is under high pressure.

        ``floor(maxsize / pressure_high_ratio)``; note that an unbounded
        queue (``maxsize=0``) is therefore *always* under high pressure.
        """
        return math.floor(self.maxsize / self.pressure_high_ratio)

    @cached_property
    def pressure_drop_size(self) -> int:
        """Queue size at or below which pressure is considered dropped."""
        return math.floor(self.maxsize * self.pressure_drop_ratio)

    def clear(self) -> None:
        """Drop every item and cancel every producer blocked in :meth:`put`.

        Producers blocked because the queue was full get
        :exc:`asyncio.CancelledError` from :meth:`put` (their item was not
        added).  Producers still waiting for the flow control to resume are
        not affected.  Dropped items count as done for :meth:`join`.
        """
        if not _FAST:
            self._clear_public()
            return
        dropped = len(self._queue)
        self._queue.clear()
        if dropped:
            self._unfinished_tasks = max(0, self._unfinished_tasks - dropped)
            if not self._unfinished_tasks:
                self._finished.set()
        for putter in self._putters:
            if not putter.done():
                putter.cancel()

    def _clear_public(self) -> None:
        # clear() through the public API: the blocked producers are
        # cancelled first (when they can be found), so that taking the items
        # out does not let them in; each item taken out is marked done.
        for putter in getattr(self, "_putters", ()):
            if not putter.done():
                putter.cancel()
        while self.qsize():
            _queue_get_nowait(self)
            try:
                self.task_done()
            except ValueError:  # task_done() called too often already
                pass

    # put/put_nowait/get/get_nowait below do what asyncio.Queue's do, minus
    # the calls that would do nothing on the common path (full()/qsize(),
    # waking a waiter when none waits, clearing an already clear
    # ``_finished``): each saved call is a Python frame per item.  Waiting
    # and every error are still left to asyncio.Queue itself.  Without the
    # internals they use (``_FAST`` false) they are asyncio.Queue's own.

    async def put(self, item: _T) -> None:
        """Wait until the flow control is active, then put ``item``.

        Blocks while the queue is full, like :meth:`asyncio.Queue.put`, and
        then adds the item through :meth:`put_nowait`.  Raises
        :exc:`asyncio.CancelledError` if :meth:`clear` runs while it waits for
        a free slot.
        """
        if self._flow_control._suspend._value:
            await self._flow_control.acquire()
        if not _FAST:
            await _queue_put(self, item)
            return
        maxsize = self._maxsize
        if 0 < maxsize <= len(self._queue):
            await _queue_put(self, item)
        else:
            self.put_nowait(item)

    def put_nowait(self, item: _T) -> None:
        """Put ``item`` at once; not flow-controlled (never waits on resume).

        Wakes the first waiting consumer, like
        :meth:`asyncio.Queue.put_nowait`.

        Raises:
            asyncio.QueueFull: the queue holds ``maxsize`` items.
            asyncio.QueueShutDown: (Python 3.13+) the queue was shut down.
        """
        if not _FAST:
            _queue_put_nowait(self, item)
            self._put_public_done()
            return
        maxsize = self._maxsize
        if 0 < maxsize <= len(self._queue) or (_HAS_SHUTDOWN and self._is_shutdown):
            # asyncio.Queue raises the right error (and puts nothing).
            _queue_put_nowait(self, item)
        else:
            self._put(item)
            self._unfinished_tasks += 1
            finished = self._finished
            if finished._value:  # type: ignore[attr-defined]  # is_set() is a call
                finished.clear()
            getters = self._getters
            if getters:
                self._wakeup_next(getters)

    def _put_public_done(self) -> None:
        """Hook run after an item went in through the public path."""

    async def get(self) -> _T:
        """Remove and return the next item, waiting while the queue is empty.

        A non-empty queue is served by :meth:`get_nowait`.  Before waiting on
        an empty queue the pending pressure-drop callbacks run (see
        :meth:`maybe_endorse_pressure_drop`).
        """
        has_items = self._queue if _FAST else self.qsize()
        if has_items:
            return self.get_nowait()
        self.maybe_endorse_pressure_drop()
        return await _queue_get(self)

    def get_nowait(self) -> _T:
        """Remove and return the next item, waking the first blocked producer.

        Runs :meth:`maybe_endorse_pressure_drop` first (when callbacks are
        pending).

        Raises:
            asyncio.QueueEmpty: the queue is empty.
            asyncio.QueueShutDown: (Python 3.13+) empty and shut down.
        """
        if self._pending_pressure_drop_callbacks:
            self.maybe_endorse_pressure_drop()
        if not _FAST or not self._queue:
            # asyncio.Queue raises the right error (or does it all).
            return _queue_get_nowait(self)
        item = self._get()
        putters = self._putters
        if putters:
            self._wakeup_next(putters)
        return item

    def force_put_nowait(self, item: _T) -> None:
        """Put ``item`` at once, even past ``maxsize``, waking one getter.

        Not flow-controlled.  Goes through :meth:`put_nowait` (so its
        bookkeeping and, on 3.13+, its shutdown check apply) with the size
        limit lifted for the call.
        """
        if not _FAST:
            self._forcing = True  # see full()
            try:
                self.put_nowait(item)
            finally:
                self._forcing = False
            return
        maxsize = self._maxsize
        self._maxsize = 0
        try:
            self.put_nowait(item)
        finally:
            self._maxsize = maxsize

    def full(self) -> bool:
        """Return True if the queue holds ``maxsize`` items (or more).

        False while :meth:`force_put_nowait` puts an item through the public
        path: asyncio.Queue asks ``full()`` before it takes one.
        """
        return not self._forcing and _queue_full(self)

    def put_nowait_enhanced(
        self,
        value: _T,
        *,
        on_pressure_high: Callable[[], None],
        on_pressure_drop: Callable[[], None],
    ) -> bool:
        """Force-put ``value`` and report whether the queue is under pressure.

        If this put finds the queue under high pressure (see
        :meth:`in_pressure_high_state`), ``on_pressure_high()`` is called and
        ``on_pressure_drop`` is registered to be called once the consumer has
        drained the queue.  The value is put in any case.  Returns True when
        the queue is under high pressure *and* this producer was not already
        told so.
        """
        in_pressure_high_state = self.in_pressure_high_state(on_pressure_drop)
        if in_pressure_high_state:
            on_pressure_high()
        self.force_put_nowait(value)
        return in_pressure_high_state

    def in_pressure_high_state(self, callback: Callable[[], None]) -> bool:
        """Check for high pressure on behalf of the producer owning ``callback``.

        If ``callback`` is not pending already and ``qsize()`` is at least
        :attr:`pressure_high_size`, registers it as a pending pressure-drop
        callback, calls the :meth:`on_pressure_high` hook and returns True.
        Otherwise returns False.
        """
        pending = self._pending_pressure_drop_callbacks
        if callback not in pending and self.qsize() >= self.pressure_high_size:
            pending[callback] = None
            self.on_pressure_high()
            return True
        return False

    def maybe_endorse_pressure_drop(self) -> None:
        """Call back producers waiting for the pressure to drop.

        Does nothing without pending callbacks.  On an empty queue every
        pending callback is called (oldest first), then the
        :meth:`on_pressure_drop` hook.  On a queue at or below
        :attr:`pressure_drop_size` only the oldest callback is called, then
        the hook.  Each callback is removed before it is called; if one
        raises, the exception propagates and the remaining callbacks stay
        pending.
        """
        pending = self._pending_pressure_drop_callbacks
        if not pending:
            return
        size = self.qsize()
        if size:
            if size <= self.pressure_drop_size:
                callback = next(iter(pending))
                del pending[callback]
                callback()
                self.on_pressure_drop()
        else:
            while pending:
                callback = next(iter(pending))
                del pending[callback]
                callback()
            self.on_pressure_drop()

    def on_pressure_high(self) -> None:
        """Hook called when a producer is told about high pressure."""

    def on_pressure_drop(self) -> None:
        """Hook called after pressure-drop callbacks ran."""


class ThrowableQueue(FlowControlQueue[_T]):
    """A :class:`FlowControlQueue` that can also deliver exceptions.

    :meth:`throw` buffers an exception and wakes the first consumer waiting
    in :meth:`get`, the way an item would; buffered exceptions are raised by
    :meth:`get`/:meth:`get_nowait` before any item, oldest first, to
    whichever consumer comes first.  An exception is never lost: if the
    consumer woken for it is cancelled before it runs, it stays buffered
    and the next waiting consumer is woken instead.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._errors: deque[BaseException] = deque()
        # The consumers waiting in get() when asyncio's internals are
        # missing (see _get_public).
        self._waiting: deque[asyncio.Future[None]] = deque()

    def empty(self) -> bool:
        """Return True if there is neither an item nor a buffered exception."""
        return not self._errors and not (self._queue if _FAST else self.qsize())

    def clear(self) -> None:
        """Drop items and buffered exceptions; cancel blocked producers."""
        self._errors.clear()
        super().clear()

    async def get(self) -> _T:
        """Raise the oldest buffered exception, else return the next item.

        Waits while there is neither.
        """
        if self._errors:
            raise self._errors.popleft()
        if not _FAST:
            return await self._get_public()
        if self._queue:
            return self.get_nowait()
        # asyncio.Queue.get waits while empty() (so an exception wakes it
        # too), then calls our get_nowait(); a getter cancelled after it was
        # woken wakes the next one, since the queue is not empty.
        return await FlowControlQueue.get(self)

    async def _get_public(self) -> _T:
        # get() without asyncio's internals: wait in a list of our own, which
        # put_nowait() (_put_public_done), _throw() and shutdown() wake.
        while True:
            if self._errors:
                raise self._errors.popleft()
            try:
                return FlowControlQueue.get_nowait(self)
            except asyncio.QueueEmpty:
                pass
            waiter = asyncio.get_running_loop().create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except BaseException:
                waiter.cancel()
                try:
                    self._waiting.remove(waiter)
                except ValueError:
                    pass
                if not self.empty() and not waiter.cancelled():
                    # Woken, then cancelled: pass the wake-up on.
                    _wake_first(self._waiting)
                raise

    def _put_public_done(self) -> None:
        if self._waiting:
            _wake_first(self._waiting)

    def get_nowait(self) -> _T:
        """Like :meth:`get` but raise :exc:`asyncio.QueueEmpty` instead of waiting."""
        if self._errors:
            raise self._errors.popleft()
        return FlowControlQueue.get_nowait(self)

    async def throw(self, exc: BaseException) -> None:
        """Deliver ``exc`` to the consumer (see :meth:`_throw`)."""
        self._throw(exc)

    def _throw(self, exc: BaseException) -> None:
        """Buffer ``exc`` and wake the first waiting consumer.

        Synchronous variant of :meth:`throw`, for callers that are not
        coroutines.

        Raises:
            TypeError: ``exc`` is not an exception instance.
        """
        if not isinstance(exc, BaseException):
            raise TypeError(
                f"throw() expects an exception instance, got {type(exc).__name__}"
            )
        self._errors.append(exc)
        if _FAST:
            getters = self._getters
            if getters:
                self._wakeup_next(getters)
        elif self._waiting:
            _wake_first(self._waiting)

    if sys.version_info >= (3, 13):  # pragma: no cover - only on 3.13+

        def shutdown(self, immediate: bool = False) -> None:
            """Shut the queue down; ``immediate`` also drops buffered errors."""
            if immediate:
                self._errors.clear()
            super().shutdown(immediate)
            # Consumers waiting on the public path re-check and see it.
            while self._waiting:
                _wake_first(self._waiting)


def _wake_first(waiters: deque[asyncio.Future[None]]) -> None:
    """Wake the first of ``waiters`` not done yet (what asyncio's do)."""
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)
            return
