"""The status of a running service tree, and whether it is ready.

:func:`snapshot` describes a service and everything below it (children,
supervised services, services in threads) as plain dicts that
:func:`json.dumps` takes as they are; :func:`readiness` says whether the tree
is ready to do its work, and why not::

    from mode.status import readiness, snapshot

    status = snapshot(worker)  # on the worker's loop
    print(json.dumps(status, indent=2))
    if not status["ready"]:
        print("not ready:", *status["reasons"], sep="\\n  ")

What is in it (see :class:`ServiceStatus` for every field): each service's
state, uptime, starts, restarts and crashes with the last crash, its tasks
(name, and what each waits on), its timers (ticks, lateness, last run, last
error), for a supervisor its restart intensity used and the back-off in
progress, for a :class:`~mode.threads.ServiceThread` its thread and whether
the thread's loop runs.  Times are wall-clock (:func:`time.time`) seconds,
durations seconds.

Cost
    Nothing is computed until a snapshot is taken.  Services record as they
    go only what cannot be found later: a start stores the time it began
    (one :func:`time.monotonic` read), a timer tick adds how late it fired
    (on the clock it reads anyway); crashes, resets and timer errors, which
    are rare, write a little more.  The snapshot reads the tree in one go,
    without awaiting, so what it shows is one moment of the loop that owns
    the tree: call it on that loop.  It takes about 5 ms per 1,000
    services, 10 ms when each has a task (``status_snapshot_1k`` in
    ``tools/bench``).

Services in threads
    The subtree of a ServiceThread lives on the thread's loop.  The snapshot
    reads it from the calling thread without stopping it: each value read
    is one the thread wrote, but the values of that subtree are not from one
    single moment as those of the calling loop are.  ``thread.loop_running``
    and ``thread.responsive`` say whether that loop runs and answers.

Readiness
    The tree is ready when every service in it is running (one that is
    starting, stopping, stopped or crashed is not, unless it was removed
    from the tree; a child that its supervisor is restarting is stopped or
    crashed meanwhile), no running service's
    :meth:`~mode.services.Service.check_readiness` returns a reason, and no
    supervisor has been backing off a restart for longer than
    ``backoff_limit`` seconds.  Liveness (does the loop answer?) is not
    judged here: a snapshot taken at all means the loop answered.
"""

from __future__ import annotations

import asyncio
import gc
import math
import os
import sys
import time
import types
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypeAlias, TypedDict

from mode.utils.trees import Node

from .services import Service
from .types.services import ServiceT

if TYPE_CHECKING:  # at run time, read from sys.modules: no import
    from .threads import ServiceThread
    from .types.supervisors import SupervisorStrategyT

__all__ = [
    "ErrorStatus",
    "Readiness",
    "ServiceState",
    "ServiceStatus",
    "StatusSnapshot",
    "SupervisorStatus",
    "TaskStatus",
    "ThreadStatus",
    "TimerStatus",
    "readiness",
    "snapshot",
]

#: The version of the snapshot's shape (``StatusSnapshot["version"]``).
VERSION = 1

#: Default of ``backoff_limit``: seconds a supervisor may back off a restart
#: before the tree counts as not ready.
BACKOFF_LIMIT = 30.0

#: The longest ``waiting_on`` text; longer ones are cut, ending in "...".
WAITING_ON_MAX = 200

#: A service's state in a snapshot.  ``init``: never started (or reset);
#: ``starting``/``stopping``: ``start()``/``stop()`` in progress;
#: ``crashed``: crashed and not reset yet (also while it is stopped).
ServiceState: TypeAlias = Literal[
    "init", "starting", "running", "stopping", "stopped", "crashed"
]


class ErrorStatus(TypedDict):
    """An exception as the snapshot shows it: its class, message and time."""

    #: The exception class's qualified name (``"ValueError"``).
    type: str
    #: ``str(exception)`` (at most 1,000 characters).
    message: str
    #: When it was raised (wall clock).
    at: float


class TaskStatus(TypedDict):
    """A task owned by a service."""

    #: The coroutine's qualified name (an ``@Service.task`` method's
    #: ``Class.method``), else the task's name.
    name: str
    #: What the task waits on: the innermost coroutine it awaits, e.g.
    #: ``"asyncio.sleep"``, ``"Queue.get"``, ``"Service.sleep"``, followed by
    #: ``" in func at file.py:12"`` when that is mode's or asyncio's code
    #: called from yours; ``"func at file.py:12"`` for your own coroutine.
    #: None if it is done or runs right now.
    waiting_on: str | None
    done: bool


class TimerStatus(TypedDict):
    """A timer run by a service's task (``@Service.timer``, ``itertimer``,
    or a :class:`~mode.timers.Timer` iterated in the task)."""

    name: str
    #: Seconds between ticks.
    interval: float
    #: Ticks fired since the timer (re)started.
    ticks: int
    #: How late the ticks fired against their schedule (seconds).
    lateness_mean: float
    lateness_max: float
    #: When the last tick fired (wall clock); None before the first.
    last_run: float | None
    #: The last exception raised by the body of an ``@Service.timer`` (kept
    #: across restarts of the service); None otherwise.
    last_error: ErrorStatus | None
    #: Deadlines skipped because the timer fell behind.
    skipped: NotRequired[int]
    #: Ticks whose body ran longer than the interval.
    overlaps: NotRequired[int]
    #: False once the timer's loop ended (the service stopped or crashed).
    running: NotRequired[bool]


class SupervisorStatus(TypedDict):
    """What a supervisor adds to its service's status."""

    #: ``one_for_one``, ``one_for_all``, ``rest_for_one``,
    #: ``forfeit_one_for_one``, ``forfeit_one_for_all`` or ``crashing``.
    strategy: str
    #: The restart intensity: at most ``max_restarts`` within ``over`` s.
    max_restarts: float
    over: float
    #: Restarts counted in the current window (of ``max_restarts``).
    restarts_in_window: int
    #: When the back-off sleep in progress ends (wall clock), else None.
    backoff_until: float | None
    #: When it began (wall clock), else None.
    backoff_since: NotRequired[float | None]


class ThreadStatus(TypedDict):
    """What a ServiceThread adds to its service's status."""

    #: The thread's name; None before the first start.
    name: str | None
    alive: bool
    #: Whether the thread's event loop is running.
    loop_running: bool
    #: False while the keepalive reports the thread's loop blocked.
    responsive: NotRequired[bool]


#: One service in a snapshot, with its children (see the module docs).
ServiceStatus = TypedDict(
    "ServiceStatus",
    {
        #: Unique among the services alive (``id()`` in hex).
        "id": str,
        "label": str,
        #: ``"package.module.Qualname"`` of the service's class.
        "class": str,
        "state": ServiceState,
        #: When the last start began (wall clock); None if never started.
        "started_at": float | None,
        #: Seconds since then while starting, running or stopping; else None.
        "uptime": float | None,
        "starts": int,
        #: Starts after the first one (restarts by a supervisor or by hand).
        "restarts": int,
        #: Times it was marked crashed (its own crashes, and those of the
        #: services below or above it that crashed it).
        "crashes": int,
        "last_crash": ErrorStatus | None,
        #: What ``check_readiness()`` returned (running services only).
        "not_ready": str | None,
        "tasks": list[TaskStatus],
        "timers": list[TimerStatus],
        "supervisor": SupervisorStatus | None,
        "thread": ThreadStatus | None,
        "children": list["ServiceStatus"],
    },
)


class StatusSnapshot(TypedDict):
    """What :func:`snapshot` returns."""

    #: The shape's version (:data:`VERSION`).
    version: int
    #: When it was taken (wall clock).
    taken_at: float
    pid: int
    #: :func:`readiness` of this snapshot (default ``backoff_limit``).
    ready: bool
    reasons: list[str]
    root: ServiceStatus


class Readiness(TypedDict):
    """What :func:`readiness` returns."""

    ready: bool
    #: Why not: ``"<label>: <why>"``, one per service that is not ready.
    reasons: list[str]


#: Supervisor classes (matched by name along the MRO) and their strategy.
_STRATEGIES = {
    "OneForOneSupervisor": "one_for_one",
    "OneForAllSupervisor": "one_for_all",
    "RestForOneSupervisor": "rest_for_one",
    "ForfeitOneForOneSupervisor": "forfeit_one_for_one",
    "ForfeitOneForAllSupervisor": "forfeit_one_for_all",
    "CrashingSupervisor": "crashing",
    "SupervisorStrategy": "one_for_one",
}


def snapshot(
    service: ServiceT,
    *,
    now: float | None = None,
    backoff_limit: float = BACKOFF_LIMIT,
) -> StatusSnapshot:
    """Describe ``service`` and the tree below it, now.

    Sync and without side effects: it reads the tree in one go (no await),
    so call it on the loop that owns ``service``; a ServiceThread's subtree
    is read from here without stopping its thread (see the module docs).
    The children of a service are the services attached to its node of the
    service tree (``add_dependency``, the Worker's services), then those it
    supervises; a service reached twice is listed once.
    ``check_readiness()`` of each running service is called.

    Arguments:
        service: The root to describe: a Worker, a service, a supervisor.
            A :class:`~mode.proxy.ServiceProxy` is described by the service
            it stands for.
        now: The wall-clock time to report as ``taken_at`` (default
            :func:`time.time`); the other times are placed relative to it.
        backoff_limit: For ``ready``/``reasons``, as for :func:`readiness`.

    Returns:
        A :class:`StatusSnapshot`: plain dicts, lists, strings and numbers.

    Raises:
        TypeError: ``service`` is not a service, or ``now`` not a number.
        ValueError: ``now`` or ``backoff_limit`` is not a finite number
            (``backoff_limit`` >= 0).
    """
    root = _unproxy(service)
    if not isinstance(root, ServiceT):
        raise TypeError(
            f"snapshot() takes a service (the root of the tree to describe: a "
            f"mode.Service, a Worker, a supervisor), not {type(service).__name__}"
        )
    taken_at = time.time() if now is None else _finite("snapshot() now", now)
    _check_limit(backoff_limit)
    mono = time.monotonic()
    status = _Walker(taken_at, mono).tree(root)
    snap: StatusSnapshot = {
        "version": VERSION,
        "taken_at": taken_at,
        "pid": os.getpid(),
        "ready": False,
        "reasons": [],
        "root": status,
    }
    verdict = readiness(snap, backoff_limit=backoff_limit)
    snap["ready"] = verdict["ready"]
    snap["reasons"] = verdict["reasons"]
    return snap


def readiness(
    snapshot: StatusSnapshot, backoff_limit: float = BACKOFF_LIMIT
) -> Readiness:
    """Say whether the tree of ``snapshot`` is ready, and if not, why.

    The rules are those of the module docs.  The reasons name the highest
    service that is not running (the services below it are not looked at
    then), each running service whose ``check_readiness()`` gave a reason,
    and each supervisor backing off a restart for more than
    ``backoff_limit`` seconds, as ``"<label>: <why>"``.  Only the keys of
    the snapshot's documented shape are read, so a snapshot read back from
    JSON (``mode status``, the ``/status`` endpoint) works too.

    Raises:
        TypeError: ``snapshot`` is not what :func:`snapshot` returns.
        ValueError: ``backoff_limit`` is negative or not finite.
    """
    _check_limit(backoff_limit)
    root = snapshot.get("root") if isinstance(snapshot, dict) else None
    taken_at = snapshot.get("taken_at") if isinstance(snapshot, dict) else None
    if not isinstance(root, dict) or not isinstance(taken_at, (int, float)):
        raise TypeError(
            "readiness() takes the dict that mode.status.snapshot() returns "
            f"(with 'root' and 'taken_at'), not {type(snapshot).__name__}"
        )
    reasons: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        label = node["label"]
        state = node["state"]
        if state != "running":
            reasons.append(f"{label}: {_why_not_running(node)}")
            continue
        if node["not_ready"] is not None:
            reasons.append(f"{label}: {node['not_ready']}")
        sup = node["supervisor"]
        if sup is not None and sup["backoff_until"] is not None:
            since = sup.get("backoff_since")
            if since is not None and taken_at - since > backoff_limit:
                reasons.append(
                    f"{label}: backing off a restart for {taken_at - since:.1f} s "
                    f"(limit {backoff_limit:g} s)"
                )
        stack.extend(reversed(node["children"]))
    return {"ready": not reasons, "reasons": reasons}


def _why_not_running(node: ServiceStatus) -> str:
    state = node["state"]
    if state == "init":
        return "not started"
    if state == "crashed":
        crash = node["last_crash"]
        if crash is not None:
            return f"crashed ({crash['type']}: {crash['message']})"
    return state


def _finite(what: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"{what} must be a number of seconds (time.time()), not "
            f"{type(value).__name__}"
        )
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return float(value)


def _check_limit(limit: object) -> None:
    if _finite("backoff_limit", limit) < 0:
        raise ValueError(f"backoff_limit must be 0 or more seconds, not {limit!r}")


def _unproxy(obj: object) -> object:
    proxy = sys.modules.get("mode.proxy")
    if proxy is None:
        return obj
    for _ in range(100):  # a proxy of a proxy ...; a cycle ends here
        if not isinstance(obj, proxy.ServiceProxy):
            break
        obj = obj._service
    return obj


def _copy(items: Iterable[Any]) -> list[Any]:
    # A copy of a collection another thread may change meanwhile (the
    # subtree of a ServiceThread): retried if it changed during the copy.
    for _ in range(10):
        try:
            return list(items)
        except RuntimeError:  # pragma: no cover - changed while copied
            continue
    return []  # pragma: no cover - changing all the time


def _class_name(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _error(summary: tuple[str, str, float] | None) -> ErrorStatus | None:
    if summary is None:
        return None
    kind, message, at = summary
    return {"type": kind, "message": message, "at": at}


class _Walker:
    """Builds the :class:`ServiceStatus` tree (one per snapshot)."""

    def __init__(self, taken_at: float, mono: float) -> None:
        self.taken_at = taken_at
        self.mono = mono  # time.monotonic() at taken_at
        threads = sys.modules.get("mode.threads")
        self.thread_class: type[ServiceThread] | None = getattr(
            threads, "ServiceThread", None
        )
        sups = sys.modules.get("mode.types.supervisors")
        self.supervisor_class: type[SupervisorStrategyT] | None = getattr(
            sups, "SupervisorStrategyT", None
        )

    def tree(self, root: ServiceT) -> ServiceStatus:
        seen = {id(root)}
        top = self.service(root)
        stack: list[tuple[ServiceT, ServiceStatus]] = [(root, top)]
        while stack:
            service, status = stack.pop()
            pending = []
            for child in self.children(service):
                if id(child) in seen:
                    continue
                seen.add(id(child))
                child_status = self.service(child)
                status["children"].append(child_status)
                pending.append((child, child_status))
            stack.extend(reversed(pending))
        return top

    def children(self, service: ServiceT) -> list[ServiceT]:
        found: list[Any] = []
        nodes: Any
        try:
            beacon = service.beacon
            # A Node makes its list of children on first read: read the
            # attribute behind it instead, not to make one for every leaf.
            nodes = beacon._children if isinstance(beacon, Node) else beacon.children
        except Exception:  # a mock beacon (tests): no tree
            nodes = None
        found.extend(getattr(node, "data", node) for node in _copy(nodes or ()))
        found.extend(_copy(getattr(service, "_children", ())))
        if self.supervisor_class is not None and isinstance(
            service, self.supervisor_class
        ):
            found.extend(_copy(getattr(service, "_services", ())))
        return [
            s for s in (_unproxy(item) for item in found) if isinstance(s, ServiceT)
        ]

    def wall(self, mono: float) -> float:
        """The wall-clock time of a :func:`time.monotonic` reading."""
        return self.taken_at - (self.mono - mono)

    def service(self, service: ServiceT) -> ServiceStatus:
        # Service._status_rec: time.monotonic() when the last start began,
        # negated while it is in progress, None if never started; the
        # rest is in Service._status_extra (see mode.services).
        rec = getattr(service, "_status_rec", None)
        extra = getattr(service, "_status_extra", None)
        state = self.state(service, rec)
        started_at = uptime = None
        starts = crashes = 0
        last_crash = None
        timers: list[TimerStatus] = []
        if rec is not None:
            began = abs(rec)
            started_at = self.wall(began)
            if state in ("starting", "running", "stopping"):
                uptime = max(self.mono - began, 0.0)
            starts = 1 if service.started else 0
        if extra is not None:
            starts += extra.runs
            crashes = extra.crashes
            last_crash = _error(extra.last_crash)
            errors = extra.timer_errors or {}
            timers = [self.timer(t, errors) for t in extra.timers]
        return {
            "id": f"{id(service):x}",
            "label": _label(service),
            "class": _class_name(service),
            "state": state,
            "started_at": started_at,
            "uptime": uptime,
            "starts": starts,
            "restarts": max(starts - 1, 0),
            "crashes": crashes,
            "last_crash": last_crash,
            "not_ready": _not_ready(service) if state == "running" else None,
            "tasks": self.tasks(service),
            "timers": timers,
            "supervisor": self.supervisor(service),
            "thread": self.thread(service),
            "children": [],
        }

    def state(self, service: ServiceT, rec: Any) -> ServiceState:
        if service.crashed:
            return "crashed"
        if not service.started:
            return "init"
        thread_class = self.thread_class
        threaded = thread_class is not None and isinstance(service, thread_class)
        if not isinstance(service, Service):  # another ServiceT
            return "stopped" if service.should_stop else "running"
        if not service._stopped.is_set():
            if (rec is not None and rec < 0.0) or (
                threaded and service._thread_running is not None  # type: ignore[attr-defined]
            ):
                return "starting"
            return "running"
        if service._stop_task is not None or service._stop_resume is not None:
            return "stopping"
        if threaded:
            thread = service._thread  # type: ignore[attr-defined]
            if thread is not None and thread.is_alive():
                return "stopping"  # the thread still stops its side
        return "stopped"

    def tasks(self, service: ServiceT) -> list[TaskStatus]:
        futures = getattr(service, "_futures", None)
        if not futures:
            return []
        result: list[TaskStatus] = []
        for fut in _copy(futures):
            done = fut.done()
            result.append(
                {
                    "name": _task_name(fut),
                    "waiting_on": None if done else _waiting_on(fut),
                    "done": done,
                }
            )
        return result

    def timer(
        self, timer: Any, errors: dict[str, tuple[str, str, float]]
    ) -> TimerStatus:
        fired = timer.fired
        last_run = None
        if fired:
            try:
                ago = timer.clock() - timer.last_yield_at
            except Exception:  # pragma: no cover - a clock that fails
                ago = 0.0
            last_run = self.taken_at - max(ago, 0.0)
        return {
            "name": timer.name,
            "interval": timer.interval_s,
            "ticks": fired,
            "lateness_mean": timer.lateness_total / fired if fired else 0.0,
            "lateness_max": timer.lateness_max,
            "last_run": last_run,
            "last_error": _error(errors.get(timer.name)),
            "skipped": timer.skipped,
            "overlaps": timer.overlaps,
            "running": timer.running,
        }

    def supervisor(self, service: ServiceT) -> SupervisorStatus | None:
        if self.supervisor_class is None or not isinstance(
            service, self.supervisor_class
        ):
            return None
        strategy = next(
            (
                _STRATEGIES[k.__name__]
                for k in type(service).__mro__
                if k.__name__ in _STRATEGIES
            ),
            type(service).__name__,
        )
        over = float(getattr(service, "over", 0.0))
        clock = getattr(service, "_clock", None)
        window = _copy(getattr(service, "_restart_times", ()))
        until = getattr(service, "_backoff_until", None)
        since = getattr(service, "_backoff_since", None)
        in_window = 0
        backoff_until = backoff_since = None
        if clock is not None:
            now = clock()
            in_window = sum(1 for t in window if t > now - over)
            if until is not None and since is not None:
                backoff_until = self.taken_at + (until - now)
                backoff_since = self.taken_at - (now - since)
        return {
            "strategy": strategy,
            "max_restarts": float(getattr(service, "max_restarts", 0.0)),
            "over": over,
            "restarts_in_window": in_window,
            "backoff_until": backoff_until,
            "backoff_since": backoff_since,
        }

    def thread(self, service: ServiceT) -> ThreadStatus | None:
        if self.thread_class is None or not isinstance(service, self.thread_class):
            return None
        thread = service._thread
        alive = thread is not None and thread.is_alive()
        loop = service._thread_loop_arg or service._thread_loop
        running = (
            alive
            and isinstance(loop, asyncio.AbstractEventLoop)
            and loop.is_running()
            and not loop.is_closed()
        )
        return {
            "name": None if thread is None else thread.name,
            "alive": alive,
            "loop_running": running,
            "responsive": running and not service._keepalive_reported,
        }


def _label(service: ServiceT) -> str:
    try:
        return str(service.label)
    except Exception:  # a label that fails must not fail the snapshot
        return type(service).__name__


def _not_ready(service: ServiceT) -> str | None:
    check = getattr(service, "check_readiness", None)
    if check is None:
        return None
    try:
        reason = check()
    except Exception as exc:
        return f"check_readiness() raised {type(exc).__qualname__}: {exc}"
    if reason is None or isinstance(reason, str):
        return reason
    return (
        f"check_readiness() returned {type(reason).__name__} (it must return a "
        "str saying why the service is not ready, or None)"
    )


def _task_name(fut: asyncio.Future[Any]) -> str:
    coro = getattr(fut, "__wrapped__", None)
    if coro is None and isinstance(fut, asyncio.Task):
        coro = fut.get_coro()
    name = getattr(coro, "__qualname__", None)
    if isinstance(name, str):
        return name
    if isinstance(fut, asyncio.Task):
        return fut.get_name()
    return type(fut).__name__


def _library_dirs() -> tuple[str, ...]:
    # The mode package is imported (this module is part of it): read its
    # __path__ from sys.modules, not by importing the facade (the layers).
    dirs = [os.path.dirname(asyncio.__file__)]
    dirs.extend(os.path.join(p, "") for p in sys.modules["mode"].__path__)
    return tuple(os.path.join(d, "") for d in dirs)


_LIBRARY_DIRS: tuple[str, ...] | None = None


def _is_library(frame: types.FrameType) -> bool:
    global _LIBRARY_DIRS
    if _LIBRARY_DIRS is None:
        _LIBRARY_DIRS = _library_dirs()
    return frame.f_code.co_filename.startswith(_LIBRARY_DIRS)


def _frames(coro: object) -> list[tuple[object, types.FrameType]]:
    """The suspended frames of ``coro`` and of what it awaits, outermost first.

    Follows coroutines, generators and async generators (also through the
    ``asend()`` awaitable of an ``async for``, which hides its generator);
    stops at a future or any other awaitable without a frame.
    """
    found: list[tuple[object, types.FrameType]] = []
    obj: Any = coro
    for _ in range(100):  # bounded: a chain that deep is cut
        kind = type(obj)
        if kind is types.CoroutineType:
            frame, nxt = obj.cr_frame, obj.cr_await
        elif kind is types.GeneratorType:
            frame, nxt = obj.gi_frame, obj.gi_yieldfrom
        elif kind is types.AsyncGeneratorType:
            frame, nxt = obj.ag_frame, obj.ag_await
        else:
            break
        if frame is None:
            break
        found.append((obj, frame))
        if nxt is None:
            break
        if type(nxt).__name__ in ("async_generator_asend", "async_generator_athrow"):
            # The awaitable of agen.__anext__()/athrow(): its generator is
            # not an attribute, but it is what the awaitable refers to.
            nxt = next(
                (
                    r
                    for r in gc.get_referents(nxt)
                    if isinstance(r, types.AsyncGeneratorType)
                ),
                None,
            )
        obj = nxt
    return found


def _where(obj: object, frame: types.FrameType, *, at: bool) -> str:
    name = getattr(obj, "__qualname__", None)
    if not isinstance(name, str):
        name = frame.f_code.co_qualname
    if not at:
        if "." not in name:  # a function: asyncio.sleep, mode.x.func
            module = frame.f_globals.get("__name__", "")
            if module.startswith("asyncio."):
                module = "asyncio"
            name = f"{module}.{name}" if module else name
        return name
    filename = os.path.basename(frame.f_code.co_filename)
    return f"{name} at {filename}:{frame.f_lineno}"


def _waiting_on(fut: asyncio.Future[Any]) -> str | None:
    if not isinstance(fut, asyncio.Task):
        return None
    coro = fut.get_coro()
    if getattr(coro, "cr_running", False):
        return None  # the task taking the snapshot, say
    if getattr(coro, "cr_suspended", True) is False:
        return "(not started yet)"
    try:
        frames = _frames(coro)
    except Exception:  # pragma: no cover - an exotic awaitable
        return None
    if not frames:
        return None
    obj, frame = frames[-1]
    if not _is_library(frame):
        text = _where(obj, frame, at=True)
    else:
        text = _where(obj, frame, at=False)
        for obj, frame in reversed(frames):
            if not _is_library(frame):
                text += f" in {_where(obj, frame, at=True)}"
                break
    if len(text) > WAITING_ON_MAX:
        text = text[: WAITING_ON_MAX - 3] + "..."
    return text
