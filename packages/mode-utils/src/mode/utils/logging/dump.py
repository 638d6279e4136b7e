""":func:`cry`: dump every thread's stack, locals and asyncio tasks.

The worker runs it on SIGUSR1 to show where a process is stuck.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import traceback
from pprint import pprint
from typing import IO, Any

from mode.utils.futures import all_tasks
from mode.utils.tracebacks import _safe_locals, print_task_stack

__all__ = ["cry", "print_task_name"]


def print_task_name(task: asyncio.Task[Any], file: IO[str]) -> None:
    """Print the heading of ``task`` in a :func:`cry` dump.

    Prints ``  TASK <coroutine name>`` (or the coroutine's repr), then
    ``   -> <task.__wrapped__>`` when the task has that attribute (services
    set it to the function they scheduled), then ``   <task repr>``.
    Raises TypeError for a ``task`` that is not a task or a ``file``
    without ``write()``.
    """
    get_coro = getattr(task, "get_coro", None)
    if not callable(get_coro):
        raise TypeError(
            f"print_task_name() expects an asyncio.Task, not {type(task).__name__}"
        )
    _require_writable(file, "print_task_name()")
    coro = get_coro()
    name = getattr(coro, "__name__", None) or repr(coro)
    print(f"  TASK {name}", file=file)
    wrapped = getattr(task, "__wrapped__", None)
    if wrapped is not None:
        print(f"   -> {wrapped}", file=file)
    print(f"   {task!r}", file=file)


def _require_writable(file: object, caller: str) -> None:
    if not callable(getattr(file, "write", None)):
        raise TypeError(
            f"{caller} file must be a writable text file (with a write() "
            f"method), not {type(file).__name__}"
        )


class _Shown:
    """A value that pprint shows as the given text (its safe repr)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def cry(
    file: IO[str],
    *,
    sep1: str = "=",
    sep2: str = "-",
    sep3: str = "~",
    seplen: int = 49,
) -> None:
    """Write a report of every thread and asyncio task to ``file``.

    For each live thread: ``THREAD <name>``, a line of ``sep1``, its stack,
    ``LOCAL VARIABLES`` between two lines of ``sep2`` and the innermost
    frame's locals.  If the thread has an event loop (the current thread:
    the running loop, if any; another thread: a ``loop`` attribute on its
    :class:`threading.Thread` object, as ServiceThread has), ``TASKS`` and
    a line of ``sep2`` follow, then for each task of that loop its name
    (:func:`print_task_name`), an indented line of ``sep3`` and its stack
    with locals.  Each thread ends with a blank line.

    Meant for diagnostics: a task whose stack or a frame whose locals
    cannot be shown gets a one-line note instead of stopping the report.
    Locals are shown safely, since the report ends up in logs: a variable
    whose name looks secret (``password``, ``token``, ``api_key``,
    ``session``... in any case) is shown as ``<redacted>``, any other value's
    repr is cut after 200 characters (marked ``...<N more chars>``); see
    :mod:`mode.utils.tracebacks`.
    Raises TypeError if ``file`` has no ``write()`` method.
    """
    _require_writable(file, "cry()")
    line1, line2, line3 = sep1 * seplen, sep2 * seplen, sep3 * seplen
    threads = {thread.ident: thread for thread in threading.enumerate()}
    current = threading.current_thread()
    running = _running_loop()
    for ident, frame in sys._current_frames().items():
        thread = threads.get(ident)
        if thread is None:  # a thread that exited (or a pre-fork leftover)
            continue
        print(f"THREAD {thread.name}", file=file)
        print(line1, file=file)
        traceback.print_stack(frame, file=file)
        print(line2, file=file)
        print("LOCAL VARIABLES", file=file)
        print(line2, file=file)
        try:
            shown = {
                name: _Shown(text)
                for name, text in _safe_locals(frame.f_locals).items()
            }
            pprint(shown, stream=file)
        except Exception as exc:
            print(f"<locals cannot be shown: {exc!r}>", file=file)
        loop = running if thread is current else getattr(thread, "loop", None)
        if isinstance(loop, asyncio.AbstractEventLoop):
            print("TASKS", file=file)
            print(line2, file=file)
            for task in all_tasks(loop):
                try:
                    print_task_name(task, file)
                    print(f"  {line3}", file=file)
                    print_task_stack(task, file=file, capture_locals=True)
                except Exception as exc:
                    print(f"<task cannot be shown: {exc!r}>", file=file)
        print("\n", file=file)
