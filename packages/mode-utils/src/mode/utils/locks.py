"""An :class:`asyncio.Event` work-alike whose owning loop can be chosen.

:class:`asyncio.Event` binds to the loop that first waits on it, which is
usually what you want.  A service that runs in its own thread
(``ServiceThread``) also needs events that belong to a *specific* loop (the
parent's or the thread's) no matter which thread creates them; that is what
the ``loop=`` argument of :class:`Event` is for.  Setting an event from a
thread that does not run its loop must go through :meth:`Event.set_threadsafe`.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from typing import Literal

__all__ = ["Event"]

# Guards the one-time binding of an Event to a loop against a concurrent
# ``set_threadsafe()`` from another thread.  Binding happens once per event,
# so one lock for all events costs nothing measurable.
_bind_lock = threading.Lock()


def _is_loop_like(loop: object) -> bool:
    """Whether ``loop`` may be given as an event's owner loop.

    An event loop, or a stand-in for one: anything with callable
    ``create_task`` and ``call_soon`` (tests pass a ``unittest.mock.Mock``,
    which the original accepted, and so does ``Service(loop=...)``).  A str,
    a number or a plain object is refused.
    """
    return isinstance(loop, asyncio.AbstractEventLoop) or (
        callable(getattr(loop, "create_task", None))
        and callable(getattr(loop, "call_soon", None))
    )


class Event:
    """A flag that coroutines can wait for, owned by one event loop.

    Behaves like :class:`asyncio.Event`: :meth:`wait` blocks until
    :meth:`set` is called, :meth:`clear` resets the flag.

    The owning loop is *never* looked up at construction time.  If ``loop``
    is given, that loop owns the event from the start (this is how
    ``ServiceThread`` shares events between a parent loop and the loop of its
    thread).  Otherwise the event binds to the running loop the first time it
    needs one (the first :meth:`wait`, or the first access to :attr:`loop`).

    Like :class:`asyncio.Event` it is not thread-safe: :meth:`set` and
    :meth:`clear` must be called from the thread running the owning loop.
    From any other thread use :meth:`set_threadsafe`.

    ``loop`` may also be a stand-in for a loop (anything with callable
    ``create_task`` and ``call_soon``, such as a ``unittest.mock.Mock`` in
    tests), as the original allowed.  Such an event can be set, cleared and
    read; :meth:`wait` on it raises :exc:`RuntimeError` unless it is set
    (the stand-in is not the running loop), and :meth:`set_threadsafe`
    hands the :meth:`set` to its ``call_soon_threadsafe``.

    Raises :exc:`TypeError` if ``loop`` is neither None, an event loop nor
    such a stand-in.
    """

    __slots__ = ("__dict__", "_loop", "_value", "_waiters")

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if loop is not None and not _is_loop_like(loop):
            raise TypeError(
                f"Event(loop=...) must be an event loop or None, not "
                f"{type(loop).__name__}"
            )
        self._loop = loop
        self._value = False
        # Made by the first wait(): most events are set before anyone waits.
        self._waiters: deque[asyncio.Future[bool]] | None = None

    def __repr__(self) -> str:
        state = "set" if self._value else "unset"
        name = type(self).__qualname__
        waiting = len(self._waiters or ())
        return f"<{name} at {id(self):#x} [{state}, waiters:{waiting}]>"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop that owns this event.

        An event created without ``loop=`` binds to the running loop on first
        use.  Raises :exc:`RuntimeError` if it is unbound and no loop is
        running in this thread.
        """
        loop = self._loop
        if loop is None:
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                raise RuntimeError(
                    f"{self!r} is not bound to an event loop yet and no loop is "
                    "running: use it from a coroutine, or create it with "
                    "Event(loop=...)"
                ) from None
            loop = self._bind(running)
        return loop

    def _bind(self, running: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop:
        with _bind_lock:
            if self._loop is None:
                self._loop = running
            return self._loop

    def is_set(self) -> bool:
        """Return True if the flag is set."""
        return self._value

    def set(self) -> None:
        """Set the flag and wake every coroutine waiting in :meth:`wait`.

        Waiters resume on the next iteration of the owning loop.  Setting an
        already set event does nothing.  Call it from the owning loop's
        thread only (see :meth:`set_threadsafe`).
        """
        if not self._value:
            self._value = True
            for fut in self._waiters or ():
                if not fut.done():
                    fut.set_result(True)

    def set_threadsafe(self) -> None:
        """Set the flag from any thread.

        From the thread running the owning loop this is :meth:`set`.  From
        another thread the :meth:`set` is handed to the owning loop with
        :meth:`~asyncio.AbstractEventLoop.call_soon_threadsafe`, so it
        happens on that loop's next iteration.  An event not bound to a loop
        yet has no waiters, so the flag is simply set.

        Raises :exc:`RuntimeError` if the owning loop is closed.
        """
        loop = self._loop
        if loop is None:
            with _bind_lock:
                loop = self._loop
                if loop is None:
                    # Nobody can be waiting: a waiter binds first (under the
                    # lock) and checks the flag again after binding.
                    self._value = True
                    return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.set()
        else:
            loop.call_soon_threadsafe(self.set)

    def clear(self) -> None:
        """Reset the flag: later calls to :meth:`wait` block again."""
        self._value = False

    async def wait(self) -> Literal[True]:
        """Block until the flag is set, then return True.

        Returns at once if the flag is already set.  Raises
        :exc:`RuntimeError` if called from a loop other than the one owning
        the event (an event belongs to one loop; create it with ``loop=`` or
        wait from its loop).
        """
        if self._value:
            return True
        running = asyncio.get_running_loop()
        loop = self._loop
        if loop is None:
            loop = self._bind(running)
            if self.is_set():  # set_threadsafe() raced with the binding.
                return True
        if loop is not running:
            raise RuntimeError(
                f"{self!r} belongs to loop {loop!r} but wait() was called from "
                f"loop {running!r}: wait on the owning loop, or create the "
                "Event with loop= set to the loop that waits"
            )
        fut: asyncio.Future[bool] = running.create_future()
        waiters = self._waiters
        if waiters is None:
            waiters = self._waiters = deque()
        waiters.append(fut)
        try:
            await fut
            return True
        finally:
            waiters.remove(fut)
