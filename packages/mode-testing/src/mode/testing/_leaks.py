"""What a test left behind: tasks, threads and started services (internal).

Used by the pytest plugin's leak check; see :mod:`mode.testing._pytest_impl`
for when each check runs.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from mode.utils.tracebacks import format_task_stack

__all__ = [
    "ServiceTracker",
    "describe_services",
    "describe_tasks",
    "describe_threads",
    "leaked_tasks",
    "leaked_threads",
]

#: Frames of a stack shown per leaked task or thread.
STACK_LIMIT = 8


class ServiceTracker:
    """Records the services started while a test runs.

    While installed, :meth:`mode.services.Service._default_start` (the step
    every ``Service.start()`` goes through) is wrapped to record the service
    when :attr:`recording` is true.  Recorded services are kept (strongly)
    until :meth:`take` returns them, so a leaked service cannot vanish into
    the garbage collector before it is reported.  A service started again
    (restarted) is recorded once: a test restarting a service 10,000 times
    does not grow the record.
    """

    def __init__(self) -> None:
        self.recording = False
        self._started: list[Any] = []
        self._seen: set[int] = set()
        self._original: Callable[..., Any] | None = None

    def install(self) -> None:
        """Start wrapping ``Service._default_start`` (idempotent)."""
        if self._original is not None:
            return
        from mode.services import Service

        original = Service._default_start
        tracker = self

        async def _default_start(service: Service) -> None:
            if tracker.recording and id(service) not in tracker._seen:
                tracker._seen.add(id(service))
                tracker._started.append(service)
            await original(service)

        self._original = original
        setattr(Service, "_default_start", _default_start)  # noqa: B010

    def uninstall(self) -> None:
        """Put the original ``Service._default_start`` back (idempotent)."""
        original, self._original = self._original, None
        if original is not None:
            from mode.services import Service

            setattr(Service, "_default_start", original)  # noqa: B010

    def mark(self) -> int:
        """Return a position: :meth:`since` gives the services started after it."""
        return len(self._started)

    def since(self, mark: int) -> list[Any]:
        """Return the services recorded after ``mark``."""
        return self._started[mark:]

    def take(self) -> list[Any]:
        """Return every recorded service and forget them."""
        started, self._started = self._started, []
        self._seen = set()
        return started


def still_running(service: Any) -> bool:
    """True if ``service`` was started and has not been stopped (or reset).

    A service that was never built (its ``__init__`` did not call
    ``Service.__init__``, so its start failed at once) is not running.
    """
    try:
        return bool(service.started) and not service._stopped.is_set()
    except AttributeError:
        return False


def leaked_services(started: Iterable[Any], allowed: Iterable[Any]) -> list[Any]:
    """Return the services of ``started`` still running, without their children.

    Services in ``allowed`` (started by wider-scoped fixtures) do not count.
    A leaked service whose parent leaked too is left out: stopping the
    parent stops it.
    """
    allowed_ids = {id(s) for s in allowed}
    seen: set[int] = set()
    leaked = []
    for service in started:
        if id(service) in seen or id(service) in allowed_ids:
            continue
        seen.add(id(service))
        if still_running(service):
            leaked.append(service)
    leaked_ids = {id(s) for s in leaked}
    return [s for s in leaked if id(_parent(s)) not in leaked_ids]


def _parent(service: Any) -> Any:
    parent = service.beacon.parent
    return None if parent is None else parent.data


def leaked_tasks(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task[Any]]:
    """Return the tasks of ``loop`` that are pending and not being cancelled."""
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done() and not t.cancelling()]
    return sorted(tasks, key=lambda t: t.get_name())


def leaked_threads(
    baseline: Iterable[threading.Thread],
    allowed: Iterable[threading.Thread],
    timeout: float,
) -> list[threading.Thread]:
    """Return the live threads not in ``baseline``/``allowed``.

    Waits up to ``timeout`` seconds in all for them to end first (a thread
    told to stop may need a moment).
    """
    known = {id(t) for t in (*baseline, *allowed)}
    deadline = time.monotonic() + timeout
    leaked = []
    for thread in threading.enumerate():
        if id(thread) in known or thread is threading.current_thread():
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            leaked.append(thread)
    return leaked


def _indent(text: str, prefix: str = "      ") -> str:
    return "".join(prefix + line for line in text.rstrip().splitlines(True))


def describe_tasks(tasks: Sequence[asyncio.Task[Any]]) -> list[str]:
    """One entry per task: its name, coroutine and the stack it waits in."""
    lines = []
    for task in tasks:
        # A service's task wraps the user's coroutine (``__wrapped__``).
        coro = getattr(task, "__wrapped__", None) or task.get_coro()
        qualname = getattr(coro, "__qualname__", type(coro).__name__)
        try:
            stack = format_task_stack(task, limit=STACK_LIMIT)
        except Exception:  # pragma: no cover - stack unavailable
            stack = ""
        entry = f"task {task.get_name()!r} running {qualname}()"
        if stack.strip():
            entry += f", waiting at:\n{_indent(stack)}"
        lines.append(entry)
    return lines


def describe_threads(threads: Sequence[threading.Thread]) -> list[str]:
    """One entry per thread: its repr and its current stack."""
    frames = sys._current_frames()
    lines = []
    for thread in threads:
        entry = f"thread {thread.name!r} {thread!r}"
        frame = frames.get(thread.ident or -1)
        if frame is not None:
            stack = "".join(traceback.format_stack(frame, limit=STACK_LIMIT))
            entry += f", at:\n{_indent(stack)}"
        lines.append(entry)
    return lines


def describe_services(services: Sequence[Any]) -> list[str]:
    """One entry per service: its repr, state and running children."""
    lines = []
    for service in services:
        children = [c for c in getattr(service, "_children", ()) if still_running(c)]
        entry = f"service {service!r} (started, never stopped"
        if children:
            entry += f"; with {len(children)} running child service(s)"
        lines.append(entry + ")")
    return lines
