"""The aiomonitor side of the debug console (private; imports aiomonitor).

Imported by :func:`mode.worker._console.start_console` only, and only when
aiomonitor is installed.  Adds to aiomonitor:

* a ``services`` command (alias ``sv``) that prints the worker's service tree
  (``mode.status.snapshot``, taken on the worker's loop, drawn by the same
  renderer as ``mode status``); ``services --tasks`` lists each service's
  tasks too;
* a quiet close: a telnet client still connected when the worker stops no
  longer prints ``Got CancelledError`` and a traceback (prompt_toolkit's
  telnet server prints them when it cancels a session that had not finished
  its negotiation, as ``nc`` leaves it); that output now goes to the debug
  log.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, Final

import aiomonitor
import click
from aiomonitor.context import current_stdout
from aiomonitor.termui.commands import (
    auto_async_command_done,
    custom_help_option,
    monitor_cli,
)

from mode.types.services import ServiceT

from ._tree import render_status

__all__ = ["ModeMonitor", "register_commands"]

logger = logging.getLogger(__name__)

#: Longest wait for the worker's loop to take a snapshot (seconds).
SNAPSHOT_TIMEOUT: Final = 2.0


class ModeMonitor(aiomonitor.Monitor):  # type: ignore[misc]  # untyped base
    """An aiomonitor :class:`~aiomonitor.Monitor` that knows the worker.

    ``root`` is the service whose tree the ``services`` command shows (the
    Worker).  :meth:`close` sends what the console's thread prints while it
    shuts down to the debug log instead of the terminal.
    """

    root: ServiceT | None = None

    def close(self) -> None:
        """Close the console (its thread, the telnet and web servers).

        Connected clients are disconnected; whatever the console's thread
        writes to stdout or stderr meanwhile (prompt_toolkit prints a
        traceback for each session it cancels) is logged at debug level.
        """
        thread = getattr(self, "_ui_thread", None)
        if thread is None or thread.ident is None:
            super().close()
            return
        with _thread_output_to_log(thread.ident):
            super().close()


class _RoutedStream:
    """Writes from one thread go to the debug log, the rest to ``target``."""

    def __init__(self, target: IO[str], ident: int, what: str) -> None:
        self._target = target
        self._ident = ident
        self._what = what
        self._pending = ""

    def write(self, text: str) -> int:
        if threading.get_ident() != self._ident:
            return self._target.write(text)
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.strip():
                logger.debug("debug console %s at shutdown: %s", self._what, line)
        return len(text)

    def flush(self) -> None:
        self._target.flush()

    def drain(self) -> None:
        if self._pending.strip():
            logger.debug("debug console %s at shutdown: %s", self._what, self._pending)
        self._pending = ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@contextmanager
def _thread_output_to_log(ident: int) -> Iterator[None]:
    """Route the writes of thread ``ident`` to stdout/stderr to the debug log."""
    saved_out, saved_err = sys.stdout, sys.stderr
    out = _RoutedStream(saved_out, ident, "output")
    err = _RoutedStream(saved_err, ident, "error output")
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        # Put the streams back unless someone replaced ours meanwhile.
        if sys.stdout is out:
            sys.stdout = saved_out
        if sys.stderr is err:
            sys.stderr = saved_err
        out.drain()
        err.drain()


async def service_tree_text(
    monitor: Any, *, tasks: bool = False, timeout: float = SNAPSHOT_TIMEOUT
) -> str:
    """Return the service tree of ``monitor.root`` as coloured text.

    Runs on the console's loop; the snapshot is taken by a callback on the
    worker's loop (the only loop that may read the tree), awaited at most
    ``timeout`` seconds.  Problems (no tree, a loop that does not answer, a
    snapshot that fails) are returned as one line of text, not raised.
    """
    root = getattr(monitor, "root", None)
    if root is None:
        return "No service tree: this console was not started by a mode Worker."
    loop: asyncio.AbstractEventLoop = monitor._monitored_loop
    answer: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def take() -> None:  # on the worker's loop
        if not answer.set_running_or_notify_cancel():
            return
        try:
            from mode.status import snapshot

            answer.set_result(snapshot(root))
        except BaseException as exc:
            answer.set_exception(exc)

    try:
        loop.call_soon_threadsafe(take)
    except RuntimeError as exc:  # the loop is closed
        return f"Cannot read the service tree: {exc}"
    try:
        snap = await asyncio.wait_for(asyncio.wrap_future(answer), timeout)
    except TimeoutError:
        return (
            f"The worker's event loop did not answer within {timeout:g} s: it is "
            "blocked or busy (`where TASK_ID` shows where a task is)."
        )
    except Exception as exc:
        return f"Cannot read the service tree: {exc!r}"
    return render_status(snap, colour=True, tasks=tasks)


def register_commands() -> None:
    """Add mode's commands to aiomonitor's console (once per process)."""
    if "services" in monitor_cli.commands:
        return

    @monitor_cli.command(name="services", aliases=["sv"])  # type: ignore[untyped-decorator]
    @click.option("-t", "--tasks", "show_tasks", is_flag=True, help="list tasks too")
    @custom_help_option  # type: ignore[untyped-decorator]
    def do_services(ctx: click.Context, show_tasks: bool) -> None:
        """Show the service tree: states, restarts, crashes, timers"""
        monitor = ctx.obj

        @auto_async_command_done  # type: ignore[untyped-decorator]
        async def show(ctx: click.Context) -> None:
            text = await service_tree_text(monitor, tasks=show_tasks)
            stdout = current_stdout.get()
            stdout.write(text + "\n")
            stdout.flush()

        task = monitor._ui_loop.create_task(show(ctx))
        monitor._termui_tasks.add(task)
