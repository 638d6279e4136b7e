"""Event-loop helpers built on the public asyncio loop API only.

The original versions reached into private loop internals (the ready queue,
``_call_soon``, ``_signal_handlers``) and ran :func:`call_asap` callbacks
twice.  These versions are smaller, work with any loop implementation
(asyncio's own, uvloop, ...) and do exactly what their docstrings say.
:func:`get_event_loop` keeps the original's "get or create" lookup for code
written against it.
"""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import Callable
from contextvars import Context
from typing import Any

__all__ = ["call_asap", "clone_loop", "get_event_loop"]


def get_event_loop() -> asyncio.AbstractEventLoop:
    """Return the event loop this thread runs or will run, creating it if needed.

    In order:

    1. the loop running in this thread, if any;
    2. else this thread's *current* loop (the one
       :func:`asyncio.set_event_loop` made current), unless it is closed;
    3. else a new loop, made by :func:`asyncio.new_event_loop` (so through
       the event-loop policy: after ``mode.loop.use("uvloop")`` it is a
       uvloop loop) and set as this thread's current loop, so that later
       calls, and the :class:`~mode.worker.Worker`, find the same one.

    Why it exists: :func:`asyncio.get_event_loop` used to do exactly this,
    and code written for the original mode (Faust among it) relies on it to
    get a loop before any runs.  Python took that behaviour away step by
    step: 3.12 and 3.13 warn (:exc:`DeprecationWarning`) when they create
    the main thread's loop implicitly, 3.14 raises :exc:`RuntimeError`
    instead, and no thread but the main one ever got a loop created.  This
    function behaves the same on every supported Python, in every thread,
    without warnings.

    New code should not need it: run the program with :func:`asyncio.run`
    or :class:`asyncio.Runner` (``loop_factory=mode.loop.factory(...)`` to
    pick the backend), and inside it use :func:`asyncio.get_running_loop`.
    A loop obtained here before :func:`asyncio.run` is *not* the loop
    :func:`asyncio.run` runs (it always makes a new one).

    The loop created here belongs to the caller's program: nothing closes it
    but whoever runs it (the Worker closes the loop it ran).
    """
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    loop = _current_loop()
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
    return loop


def _current_loop() -> asyncio.AbstractEventLoop | None:
    """This thread's current loop, or None (nothing running: not checked)."""
    try:
        if threading.current_thread() is not threading.main_thread():
            return asyncio.get_event_loop()
        # Only the main thread can take the path where Python 3.12 and 3.13
        # create the loop implicitly and warn about it (the loop comes from
        # the policy, as one made by get_event_loop() would); silence that
        # one warning there.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore",
                message="There is no current event loop",
                category=DeprecationWarning,
            )
            return asyncio.get_event_loop()
    except RuntimeError:  # none set (3.14+: none in the main thread either)
        return None


def call_asap(
    callback: Callable[..., Any],
    *args: Any,
    context: Context | None = None,
    loop: asyncio.AbstractEventLoop,
) -> asyncio.Handle:
    """Schedule ``callback(*args)`` to run exactly once, as soon as possible.

    The public loop API cannot put a callback in front of the ones already
    scheduled, so the callback runs in FIFO order with them: after the
    callbacks already in ``loop``'s ready queue, in its next iteration.

    Safe to call from any thread: from the thread running ``loop`` it uses
    :meth:`~asyncio.AbstractEventLoop.call_soon`, from any other thread
    :meth:`~asyncio.AbstractEventLoop.call_soon_threadsafe` (which also wakes
    the loop).  ``context`` is the :class:`contextvars.Context` to run in
    (default: a copy of the current one).  Returns the :class:`asyncio.Handle`,
    which can cancel the call.  Raises :exc:`RuntimeError` if ``loop`` is
    closed, :exc:`TypeError` if it is not an event loop.
    """
    if not isinstance(loop, asyncio.AbstractEventLoop):
        raise TypeError(
            f"call_asap() loop= must be an event loop, not {type(loop).__name__}"
        )
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        return loop.call_soon(callback, *args, context=context)
    return loop.call_soon_threadsafe(callback, *args, context=context)


def clone_loop(loop: asyncio.AbstractEventLoop) -> asyncio.AbstractEventLoop:
    """Return a new, not running event loop of the same type as ``loop``.

    Copied from ``loop`` (through its public getters): debug mode,
    ``slow_callback_duration``, the exception handler and the task factory.

    Not copied, because the public API offers no way to read them: signal
    handlers (register them again with
    :meth:`~asyncio.AbstractEventLoop.add_signal_handler`), the default
    executor, scheduled callbacks and timers.

    The caller owns the new loop and must close it.  Raises :exc:`TypeError`
    if ``loop`` is not an event loop or its class cannot be created without
    arguments.
    """
    if not isinstance(loop, asyncio.AbstractEventLoop):
        raise TypeError(
            f"clone_loop() expects an event loop, not {type(loop).__name__}"
        )
    loop_type = type(loop)
    try:
        new_loop = loop_type()
    except TypeError as exc:
        raise TypeError(
            f"clone_loop(): cannot create a {loop_type.__qualname__} without "
            f"arguments ({exc}); create the new loop yourself"
        ) from None
    new_loop.set_debug(loop.get_debug())
    new_loop.slow_callback_duration = loop.slow_callback_duration
    new_loop.set_exception_handler(loop.get_exception_handler())
    new_loop.set_task_factory(loop.get_task_factory())
    return new_loop
