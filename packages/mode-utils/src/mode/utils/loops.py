"""Event-loop helpers built on the public asyncio loop API only.

The original versions reached into private loop internals (the ready queue,
``_call_soon``, ``_signal_handlers``) and ran :func:`call_asap` callbacks
twice.  These versions are smaller, work with any loop implementation
(asyncio's own, uvloop, ...) and do exactly what their docstrings say.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import Context
from typing import Any

__all__ = ["call_asap", "clone_loop"]


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
