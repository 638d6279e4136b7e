"""Services: asyncio components that start, run background work and stop.

A :class:`Service` has a lifecycle (``start`` → running → ``stop``), hooks
called along the way (``on_start``, ``on_stop`` ...), children started and
stopped with it (``add_dependency``), background tasks it owns
(``@Service.task``, ``@Service.timer``, ``add_future``) and contexts it exits
when stopping (``add_context``)::

    class Ticker(Service):
        @Service.timer(1.0)
        async def tick(self) -> None:
            self.log.info("tick")

    async def main() -> None:
        async with Ticker() as ticker:
            await ticker.sleep(3.5)

    asyncio.run(main())

Behaviour worth knowing (decisions taken where the original was unclear or
buggy are marked *decision*):

No loop before it runs
    Creating a service never touches an event loop: it can be created at
    module level, in a thread or before :func:`asyncio.run`.  :attr:`loop` is
    the loop given with ``loop=`` (or set), else the running loop, else (read
    before any loop runs, as the original's code does) the thread's current
    loop from :func:`mode.utils.loops.get_event_loop`, which is the loop a
    Worker runs; only a loop given is ever stored.  After ``stop()`` and
    ``service_reset()`` (which ``async with`` does) a service can be started
    again, even under a new loop (*decision*: the original bound the loop at
    its first read).

Start order
    ``_started`` is set first; on the first start only, the services of
    :meth:`Service.on_init_dependencies` are added and ``on_first_start``
    runs; then the exit stacks are entered, ``on_start`` runs, the
    ``@Service.task``/``@Service.timer`` tasks are scheduled, children are
    started in the order they were added, and ``on_started`` runs.  Start
    stops early as soon as the service should stop.  An exception unwinds the
    exit stacks and propagates to the caller (it is not a crash); with
    ``async with`` the service is then also stopped and reset (*decision*:
    the original leaked the started tasks and children).

Stop order and bounds
    ``stop()`` sets ``_stopped`` (waking ``sleep()`` and ``wait*()`` at once),
    waits for a start hook in progress (see *Stop during start* below),
    runs ``on_stop``, stops children in reverse start order, waits for
    ``set_shutdown()`` if ``wait_for_shutdown``, then cancels and awaits every
    task the service owns, exits the sync then async exit stacks and runs
    ``on_shutdown``.  Each of the two waits (the shutdown flag, the cancelled
    tasks) is bounded by :attr:`Service.shutdown_timeout` (default 10 s, so
    that both fit with room to spare in the 30 s a container orchestrator
    gives a process between SIGTERM and SIGKILL; the wait for a start hook
    is bounded the same way).  When a wait times out, the
    tasks still running are logged at error level with the stack they wait
    in, and ``stop()`` goes on and returns (*decision*: the original raised
    ``TimeoutError`` out of ``stop()``, leaving the rest of the tree
    running).  An error in ``on_stop``/``on_shutdown``/a context exit does not
    stop the rest of the shutdown; the first such error is raised once the
    stop is complete (errors of children are logged, not raised, as in the
    original).  The user hooks themselves are not time-bounded.

    ``stop()`` is idempotent.  A second ``stop()`` while one is in progress
    waits for it to finish (*decision*: the original returned at once),
    except when called from inside that stop (a dependency cycle) or from a
    task owned by the service or its children, which return at once since
    the first stop waits for them.  Child stops are awaited directly, not
    through a shielded task each (*decision*: one task per child made stops
    slow and left orphans).

Lifecycle rules (*decisions*: the original left these cases undefined)
    *Stop during start.*  ``stop()`` called while ``start()`` runs a hook
    (``on_first_start``, ``on_start``, ``on_started``) sets the stopped flag
    at once (which wakes ``sleep()`` and ``wait*()`` in the hook), then
    waits for the hook to return before it runs ``on_stop``: the start's
    hooks and the stop's never overlap.  The start sees the flag and goes
    no further: no task is started, no further child, no ``on_started``.
    The wait is bounded by :attr:`Service.shutdown_timeout`; a hook still
    running then is logged with its stack and the stop goes on beside it.
    A stop called by the start hook itself does not wait (it would wait for
    itself).  While the start is starting children the parent's hooks are
    not running, so the parent's stop goes on, and each child's stop waits
    for the child's own hooks.

    *A cancelled stop.*  When the task running ``stop()`` is cancelled (a
    timeout around ``async with``, say), the stop still ends, before the
    cancellation propagates, every task of the service and of the services
    below it (cancelled and awaited, at most ``shutdown_timeout``; a second
    cancellation does not cut that short).  The services below whose stop
    had not begun are marked stopping.  What the stop did not get to (hooks,
    children, contexts) is left for the next ``stop()``, which finishes it
    (a hook that was interrupted is not run again); a ``stop()`` waiting
    for the cancelled one does so at once.  ``async with`` does not reset a
    service whose stop was cancelled: it stays "stopping" until stopped.

    *A stop called by a task it would cancel.*  ``stop()`` called by a task
    of the service, or of a service below it (a child stopping its parent),
    runs the whole stop without waiting for the very task running it, and
    then cancels that task: the task goes on until ``stop()`` returns to it
    and gets the ``CancelledError`` at its next ``await``.  The same holds
    for ``restart()``.  Nothing a stopped service owns keeps running.

    *Restarts one at a time.*  Concurrent ``restart()`` calls of a service
    run one after the other, in call order: each stops, resets, runs
    ``on_restart`` and starts the service once, so at most one copy of each
    ``@Service.task`` runs and ``on_start``/``on_stop`` calls pair up.  A
    cancelled restart lets the next one run.  ``restart()`` called from
    inside a restart of the same service (``on_restart``, say) raises
    ``RuntimeError`` instead of waiting for itself.

    *Stop during restart: the stop wins.*  ``stop()`` called while a
    restart runs abandons it and the restarts queued behind it: once
    ``stop()`` returns the service is stopped and nothing of it runs, and
    no restart called before starts it again.  A stop during the restart's
    own stop waits for it (the service stays stopped, not reset); during
    ``on_restart`` it marks the service stopped and waits for the hook
    (bounded by :attr:`Service.shutdown_timeout`); during the restart's
    start it is a stop during start.  A restart of a service whose parent
    (or any service above it) is stopping or stopped stops it and goes no
    further: started again, it would run on under a stopped parent.  An
    abandoned ``restart()`` returns without raising.

    *Stop errors are recorded up the tree.*  A child's stop error is logged
    by its parent, not raised; the parent's stop then counts as failed, and
    so on up (``_stop_failed``, cleared by ``service_reset()``), which is how
    the Worker exits 1 for an ``on_stop`` that raised at any depth.  Tasks a
    stop went on without are listed by :func:`tasks_left_running`.

Background tasks
    Every task started by ``add_future``, ``@Service.task`` or
    ``@Service.timer`` is owned by the service: ``stop()`` cancels it and
    awaits it.  A task cancelled before it got to run closes its coroutine,
    so a start followed at once by a stop leaves no "never awaited" warning.

Crashes
    An exception in a background task (anything but cancellation) calls
    :meth:`Service.crash`: it is logged once at error level with its
    traceback (not again by each ancestor), it becomes ``crash_reason``
    (*decision*: the first reason is kept until ``service_reset()``; the
    original overwrote it), and ``should_stop`` becomes true.  The crash then
    goes to the nearest supervisor: walking up the service tree from the
    crashed service, the services up to the first one that has a
    ``supervisor`` are marked crashed and that supervisor is woken
    (*decision*: the original only looked at the crashed service's own
    supervisor).  With no supervisor on the way, every service from the root
    down is marked crashed, as in the original, so a Worker at the root
    stops the process.  Crashing wakes ``sleep()`` and ``wait*()``
    (*decision*: the original woke them on stop only, so a crashed timer
    slept on).  A crash stops nothing by itself.

Flags
    ``_started``, ``_stopped``, ``_shutdown`` and ``_crashed`` are events, as
    in the original, and code written for it sets them directly (faust's
    tests end service loops with ``service._stopped.set()``): setting
    ``_stopped`` or ``_crashed`` makes ``should_stop`` true and wakes
    ``sleep()`` and the ``wait*()`` methods, clearing it undoes that, and
    nothing is stopped by it (as in the original).  ``service_reset()``
    replaces the four events by new ones (*decision*: the original cleared
    them, so one kept across a reset no longer drives the service).

Hooks
    ``__post_init__`` runs at the end of ``__init__``, when the service is
    fully built (*decision*: in the original ``self.log`` did not exist yet).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sys
import threading
import types
import weakref
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Coroutine,
    Generator,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    AsyncExitStack,
    ExitStack,
)
from contextvars import ContextVar
from functools import partial, wraps
from time import monotonic
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Generic,
    NamedTuple,
    Self,
    TypeAlias,
    TypeGuard,
    TypeVar,
    overload,
)

from mode.utils.locks import Event
from mode.utils.logging import CompositeLogger, level_number
from mode.utils.loops import get_event_loop
from mode.utils.times import Seconds, want_seconds
from mode.utils.trees import Node
from mode.utils.types.trees import NodeT

from .exceptions import AlreadyStartedError, ServiceCycleError
from .types.services import DiagT, ServiceT

if TYPE_CHECKING:  # annotations only: not imported when mode.services loads
    from datetime import tzinfo

    from .timers import Timer as Timer  # at run time: __getattr__ below
    from .types.supervisors import SupervisorStrategyT

__all__ = [
    "ClockArg",
    "Diag",
    "FutureT",
    "Service",
    "ServiceBase",
    "ServiceCallbacks",
    "ServiceTask",
    "WaitArgT",
    "WaitResult",
    "WaitResults",
    "crontab",
    "task",
    "tasks_left_running",
    "timer",
]

T = TypeVar("T")
_ST = TypeVar("_ST", bound=ServiceT)

#: A clock: a function returning the current time in seconds.
ClockArg: TypeAlias = Callable[[], float]

#: Anything a service can wait for: a future, a coroutine or an awaitable.
FutureT: TypeAlias = asyncio.Future[Any] | Coroutine[Any, Any, Any] | Awaitable[Any]

#: An argument of ``Service.wait*``: a :data:`FutureT`, or an event (any
#: object with a ``wait()`` coroutine method: mode's or asyncio's Event).
WaitArgT: TypeAlias = FutureT | Event | asyncio.Event

#: A background-task function: takes the service, returns an awaitable.
_TaskFun: TypeAlias = Callable[[Any], Awaitable[Any]]

#: The service owning the running background task (set by add_future).
_task_owner: ContextVar[Service | None] = ContextVar("mode_task_owner", default=None)

#: True in a task running a ``stop()`` or ``restart()`` that cancels that
#: task when it returns (the task is one the stop would cancel: see
#: Service._ends_calling_task).  The stops nested in it (children) leave
#: the cancelling to the outermost call.
_cancel_when_done: ContextVar[bool] = ContextVar("mode_cancel_when_done", default=False)

_ACCEPTED_WAIT = (
    "coroutines, futures, other awaitables, or events (objects with a wait() "
    "method such as mode.utils.locks.Event or asyncio.Event)"
)


_V = TypeVar("_V")


class _OnFirstUse(Generic[_V]):
    """An instance attribute made by ``make(instance)`` when first read.

    A non-data descriptor: the value made is stored in the instance's
    ``__dict__`` under the attribute's name, so later reads are plain
    attribute reads and assigning the attribute replaces the value.  Used for
    per-service objects that most services never touch (``diag``, ``log``),
    which saves their memory.  An exception from ``make`` propagates to the
    reader and nothing is stored.
    """

    __slots__ = ("make", "name")

    def __init__(self, make: Callable[[Any], _V]) -> None:
        self.make = make
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Self: ...

    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> _V: ...

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        # setdefault: of two threads making it at once, both get the one kept.
        return obj.__dict__.setdefault(self.name, self.make(obj))


class WaitResult(NamedTuple):
    """What :meth:`Service.wait` returns.

    ``result`` is the value of the awaitable, ``stopped`` is True if the
    service stopped or crashed first, or the timeout elapsed (then
    ``result`` is None).
    """

    result: Any
    stopped: bool


class WaitResults(NamedTuple):
    """What :meth:`Service.wait_first` returns.

    ``done`` lists every argument that finished, in argument order, and
    ``results`` their values.  If the service stopped or crashed, or the
    timeout elapsed, it is ``([], [], True)``.
    """

    done: list[WaitArgT]
    results: list[Any]
    stopped: bool


class Diag(DiagT):
    """Diagnostic flags of a service: what it is doing, and since when.

    ``set_flag("committing")`` adds the flag and records the monotonic time
    in ``last_transition``; ``unset_flag`` removes it.  See
    :meth:`Service.transitions_to` for a decorator setting a flag around a
    call.
    """

    def __init__(self, service: ServiceT) -> None:
        self.service = service
        self.flags: set[str] = set()
        self.last_transition: dict[str, float] = {}

    def set_flag(self, flag: str) -> None:
        """Set ``flag`` and stamp ``last_transition[flag]`` with the time."""
        self.flags.add(flag)
        self.last_transition[flag] = monotonic()

    def unset_flag(self, flag: str) -> None:
        """Clear ``flag``; a flag that is not set is ignored."""
        self.flags.discard(flag)


def _check_task_fun(decorator: str, fun: object) -> None:
    if not callable(fun):
        raise TypeError(
            f"{decorator} decorates an async method, not {type(fun).__name__}"
        )
    if _is_plain_function(fun):
        raise TypeError(
            f"{decorator} decorates an async def, but {fun.__qualname__} is a "
            f"plain function: write `async def {fun.__name__}(self) -> None:`"
        )


def _is_plain_function(fun: object) -> TypeGuard[types.FunctionType]:
    """Whether ``fun`` is a plain ``def`` where an ``async def`` is expected.

    Only plain functions are refused: mocks, partials and other callables,
    functions marked with ``inspect.markcoroutinefunction``, and sync
    wrappers (``functools.wraps``) of an ``async def`` are left alone.
    """
    return (
        inspect.isfunction(fun)
        and not inspect.iscoroutinefunction(fun)
        and not inspect.iscoroutinefunction(inspect.unwrap(fun))
    )


#: The lifecycle hooks and when they are awaited (for the error message).
_HOOKS_AWAITED: dict[str, str] = {
    "on_first_start": "when the service starts for the first time",
    "on_start": "when the service starts",
    "on_started": "when the service has started",
    "on_stop": "when the service stops",
    "on_shutdown": "at the end of a stop",
    "on_restart": "when the service restarts",
}


def _check_hooks(cls: type) -> None:
    """Refuse a lifecycle hook of ``cls`` (or its bases) written as a plain def."""
    for name, when in _HOOKS_AWAITED.items():
        hook = inspect.getattr_static(cls, name, None)
        if _is_plain_function(hook):
            owner = next(k for k in cls.__mro__ if vars(k).get(name) is hook)
            raise TypeError(
                f"{owner.__qualname__}.{name} must be an async def (it is awaited "
                f"{when}): write `async def {name}(self) -> None:`"
            )


class _NotInitialisedError(AttributeError):
    """A service is used, but ``Service.__init__`` never ran for it."""


def _log_depth(service: ServiceT) -> int:
    """The depth of ``service`` in the log lines' tree (a top service: 1).

    Its depth in the service tree; when the top of its branch is supervised
    (supervisors do not adopt their children in the tree), plus the depth of
    the supervisor, so the log shows the tree ``mode graph`` draws.
    """
    depth = 0
    seen: set[int] = set()
    current: ServiceT | None = service
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        beacon: Any = current.beacon  # a node, or a test double
        if not isinstance(beacon, NodeT):  # a mock: as the original
            return depth + int(beacon.depth)
        top = beacon
        for node in beacon.walk():
            depth += 1
            top = node
        data = top.data
        above = data.supervisor if isinstance(data, ServiceT) else None
        # A stand-in supervisor (a test's fake) has no place in the tree.
        current = above if isinstance(above, ServiceT) else None
    return depth


def _raise_if_unbuilt(service: object, exc: AttributeError) -> None:
    """Raise the error naming a forgotten ``super().__init__()``, if it is that.

    Called where a service is first used (start, stop, add_dependency,
    repr, state, should_stop, crash_reason) when an attribute is missing;
    returns when the service was built (the caller re-raises ``exc``).  Not
    a ``__getattr__`` on Service: a class with one loses CPython's fast path
    for every attribute read of its instances (start+stop ran 1.5x slower).
    """
    if "_started" not in vars(service):
        name = exc.name or "?"
        raise _NotInitialisedError(
            _not_initialised(type(service), name), name=name, obj=service
        ) from None


def _not_initialised(cls: type, name: str) -> str:
    """The error for a service whose ``Service.__init__`` never ran."""
    mro = cls.__mro__
    end = mro.index(Service) if Service in mro else len(mro)
    inits = [k for k in mro[:end] if "__init__" in vars(k)]
    owner = inits[0].__qualname__ if inits else cls.__qualname__
    bases = ", or an __init__ of a base class," if len(inits) > 1 else ""
    return (
        f"{owner}.__init__ did not call super().__init__(){bases} or the "
        f"service was used before that call: Service.__init__ sets up the "
        f"service's state (missing: {name!r}); add super().__init__(**kwargs) "
        f"to it"
    )


def _logger_for(module: str) -> logging.Logger:
    """The logger of a service class defined in ``module``.

    ``logging.getLogger(module)``, with no handler added: not to the user's
    module logger, and not to mode's own either.  A NullHandler anywhere on
    a logger's path silences Python's last-resort handler, which is what
    shows warnings and errors (a crash and its traceback) on stderr while
    logging is not configured.
    """
    return logging.getLogger(module)


def _check_shutdown_timeout(value: object, owner: object) -> None:
    """Refuse a ``shutdown_timeout`` of a class or service ``owner``."""
    if type(value) is float or type(value) is int:  # the usual case, fast
        if value >= 0:
            return
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"{_owner_name(owner)}: shutdown_timeout must be a number of "
            f"seconds, not {type(value).__name__}"
        )
    if not value >= 0:  # NaN too
        raise ValueError(
            f"{_owner_name(owner)}: shutdown_timeout must be 0 or more seconds, "
            f"not {value!r}"
        )


def _check_drift_correction(value: object) -> None:
    """Check ``max_drift_correction`` of ``Service.timer`` when decorating.

    The timer is built at every start; a value it would refuse is refused
    here, so that the class fails where it is written, not at its first start.
    """
    try:
        secs = float(want_seconds(value))  # type: ignore[call-overload]
    except ValueError:  # a string that is no duration
        secs = float("nan")
    except TypeError:  # None, a bool, a list...
        raise TypeError(
            "Service.timer max_drift_correction must be a number of seconds "
            f"(0 or more, such as 0.1), not {type(value).__name__}"
        ) from None
    if not 0 <= secs < float("inf"):
        raise ValueError(
            "Service.timer max_drift_correction must be a finite number of "
            f"seconds, 0 or more (such as 0.1), not {value!r}"
        )


def _check_bool(what: str, value: object) -> None:
    if type(value) is not bool:
        raise TypeError(f"{what} must be True or False, not {type(value).__name__}")


def _owner_name(owner: object) -> str:
    if isinstance(owner, type):
        return f"class {owner.__qualname__}"
    return repr(owner)


def _want_timeout(method: str, timeout: Seconds | None) -> float | None:
    secs = want_seconds(timeout)
    if secs is not None and secs != secs:
        raise ValueError(
            f"{method}() timeout must be a number of seconds or None, not nan"
        )
    return secs


class ServiceTask:
    """A background task declared on a service class.

    Made by :meth:`Service.task` (and ``timer``/``crontab``): on every start
    the service calls ``fun(service)`` and runs the result with
    :meth:`Service.add_future`.
    """

    def __init__(self, fun: _TaskFun) -> None:
        _check_task_fun("Service.task", fun)
        self.fun: _TaskFun = fun

    async def __call__(self, obj: Any) -> Any:
        """Run the task function for the service ``obj`` and return its result."""
        return await self.fun(obj)

    def __repr__(self) -> str:
        return repr(self.fun)


class ServiceCallbacks:
    """The lifecycle hooks of a service; override the ones you need.

    ``start()`` calls ``on_first_start`` (first start only), ``on_start``,
    then ``on_started``; ``stop()`` calls ``on_stop`` then ``on_shutdown``;
    ``restart()`` calls ``on_restart`` between the stop and the start.  All
    are no-op coroutines here.
    """

    async def on_first_start(self) -> None:
        """Run on the first start only (not on restarts), before on_start."""

    async def on_start(self) -> None:
        """Run when the service starts, before its tasks and children."""

    async def on_started(self) -> None:
        """Run when the service, its tasks and its children have started."""

    async def on_stop(self) -> None:
        """Run first thing when the service stops, before its children."""

    async def on_shutdown(self) -> None:
        """Run last when the service stops, after tasks and contexts."""

    async def on_restart(self) -> None:
        """Run by restart() after the stop and before the new start."""


_get_running_loop = asyncio.events._get_running_loop

if sys.version_info >= (3, 12):  # pragma: no cover - coverage runs on 3.11
    _current_task = asyncio.current_task  # implemented in C
else:
    # asyncio.current_task() is Python code on 3.11 (about 170 ns, called for
    # every service stop and every task); this is the same lookup, without
    # the argument handling.  An asyncio without that private dict gets the
    # public function instead (slower).
    _current_tasks: Any = getattr(asyncio.tasks, "_current_tasks", None)
    if isinstance(_current_tasks, dict):

        def _current_task() -> asyncio.Task[Any] | None:
            return _current_tasks.get(_get_running_loop())  # type: ignore[no-any-return]

    else:
        _current_task = asyncio.current_task


#: Stands in for a set a service makes on first use: an empty frozenset, so
#: reads (``in``, ``len``, iteration) work; writers replace it by a set first.
_NONE_YET: Any = frozenset()


class _StatusExtra:
    """The rarely written part of a service's status (see _status_extra)."""

    __slots__ = ("crashes", "last_crash", "runs", "timer_errors", "timers")

    def __init__(self) -> None:
        self.runs = 0  # starts before the current one (counted by resets)
        self.crashes = 0
        self.last_crash: tuple[str, str, float] | None = None
        self.timers: tuple[Any, ...] = ()  # the service's mode.timers.Timer
        self.timer_errors: dict[str, tuple[str, str, float]] | None = None


# What a service keeps for mode.status.  ``Service._status_rec`` is None
# until the first start, then the time.monotonic() at which the last start
# began, negated while that start is in progress: a float is all a start
# writes (no container: a list made by every first start of a tree showed
# in its start time, through the garbage collector's work).  What changes
# rarely (runs before this one, crashes, timers) is in a _StatusExtra made
# by the first reset, crash or timer.  Written by the service's own thread,
# read by mode.status.snapshot() from any: values are replaced whole, and
# nothing keeps an exception (or its frames) alive: crashes and timer
# errors are summarised as ``(type, message, wall time)`` tuples.


def _status_extra(service: Service) -> _StatusExtra:
    extra = service._status_extra
    if extra is None:
        extra = service._status_extra = _StatusExtra()
    return extra


def _error_summary(exc: BaseException) -> tuple[str, str, float]:
    """``(type, message, wall time)`` of ``exc``: what the status keeps."""
    from time import time  # rare path: crashes and timer errors only

    try:
        message = str(exc)
    except Exception:  # a broken __str__ must not break the crash
        message = f"<unprintable {type(exc).__name__}>"
    return (type(exc).__qualname__, message[:1000], time())


def _record_crash(service: Service, reason: BaseException) -> None:
    # Called once per crash of ``service`` (not again while it stays crashed).
    extra = _status_extra(service)
    extra.crashes += 1
    extra.last_crash = _error_summary(reason)


def _own_timer(timer: Any) -> None:
    """Make ``timer`` one of the timers of the service whose task runs it.

    Called by :class:`mode.timers.Timer` when its iteration begins: a timer
    run by a service's task (``@Service.timer``, ``itertimer``, or a Timer
    iterated by hand) is listed in that service's status.  Finished timers
    are dropped here, so a restarted service lists its new timers only.
    """
    owner = _task_owner.get()
    if owner is not None:
        extra = _status_extra(owner)
        extra.timers = (*(t for t in extra.timers if t.running), timer)


def _record_timer_error(service: Service, name: str, exc: BaseException) -> None:
    extra = _status_extra(service)
    errors = dict(extra.timer_errors or ())
    errors[name] = _error_summary(exc)
    extra.timer_errors = errors


@types.coroutine
def _one_iteration() -> Generator[None, None, None]:
    # What ``asyncio.sleep(0)`` does, without its coroutine layer: yield to
    # the loop once, so that everything ready runs before this resumes.
    yield


def _close_coroutines(objs: Iterable[Any]) -> None:
    """Close the coroutine objects in ``objs`` that we will never await."""
    for obj in objs:
        if inspect.iscoroutine(obj):
            obj.close()


def _set_result_unless_done(fut: asyncio.Future[Any], result: Any = None) -> None:
    if not fut.done():
        fut.set_result(result)


def _wake_waiter(waiter: asyncio.Future[None], done: asyncio.Future[Any]) -> None:
    """Done callback (bound with partial): resolve ``waiter`` unless done."""
    if not waiter.done():
        waiter.set_result(None)


def _resolve_all(futures: Iterable[asyncio.Future[Any]], result: Any = None) -> None:
    """Resolve each of ``futures`` with ``result`` (unless done) on its own loop.

    A future of the running loop is resolved now; one of another loop (a
    ``ServiceThread``'s other side) through ``call_soon_threadsafe``, so it
    wakes on that loop's next iteration; one whose loop is closed is skipped.
    """
    running = _get_running_loop()
    for fut in futures:
        loop = fut.get_loop()
        if loop is running:
            _set_result_unless_done(fut, result)
        else:
            try:
                loop.call_soon_threadsafe(_set_result_unless_done, fut, result)
            except RuntimeError:  # pragma: no cover - that loop is closed
                pass


def _is_waitable(obj: Any) -> bool:
    return inspect.isawaitable(obj) or callable(getattr(obj, "wait", None))


def __getattr__(name: str) -> Any:
    # ``mode.services.Timer``: the original's itertimer built the Timer found
    # in this module's namespace, and tests patch it here.  Imported on first
    # use (mode.timers stays off the import path of Service), then kept in
    # the namespace, where itertimer looks it up at every call.
    if name == "Timer":
        from .timers import Timer

        globals()["Timer"] = Timer
        return Timer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _timer_class() -> type[Timer]:
    timer_class: type[Timer] | None = globals().get("Timer")
    return timer_class if timer_class is not None else __getattr__("Timer")


def _looks_like_a_loop(loop: object) -> bool:
    # An event loop, or a stand-in for one (tests pass unittest.mock
    # objects, which the original accepted): anything with the methods a
    # service calls on its loop.  A str, a number... is refused.
    return isinstance(loop, asyncio.AbstractEventLoop) or (
        callable(getattr(loop, "create_task", None))
        and callable(getattr(loop, "call_soon", None))
    )


class _HaltFlag(Event):
    """The event of a service's ``_stopped`` or ``_crashed`` flag.

    The original kept a service's state in its flag events, and code written
    for it sets them directly: faust's tests end a service's loops with
    ``service._stopped.set()``.  A service reads ``should_stop`` from its
    ``_halt`` attribute instead (one attribute read rather than two method
    calls), so these two flags keep ``_halt`` in step when they are set or
    cleared from outside, and setting one wakes :meth:`Service.sleep` and the
    ``wait*`` methods.  The service's own stop and crash set ``_halt`` first,
    which leaves this one attribute read for them.  A flag replaced by
    :meth:`Service.service_reset` no longer affects the service.
    """

    __slots__ = ("_service",)

    def __init__(self, loop: Any, service: Service) -> None:
        super().__init__(loop=loop)  # a stand-in loop (a mock) is kept too
        self._service = service

    def set(self) -> None:
        """Set the flag, wake its waiters, and halt the service (see class)."""
        if self._waiters is None and not self._value:
            # Nobody ever waited (the usual case): Event.set without its
            # call, which every stop would pay for.
            self._value = True
        else:
            Event.set(self)
        service = self._service
        if not service._halt and self._drives(service):
            service._halt = True
            service._wake_halt_waiters()

    def clear(self) -> None:
        """Clear the flag; the service halts on only if the other flag is set."""
        Event.clear(self)
        service = self._service
        if service._halt and self._drives(service):
            service._halt = service._stopped.is_set() or service._crashed.is_set()

    def _drives(self, service: Service) -> bool:
        return service._stopped is self or service._crashed is self


def _make_log(service: ServiceBase) -> CompositeLogger:
    return CompositeLogger(service.logger, formatter=service._format_log)


class _LogAttribute:
    """``ServiceBase.log``: made on first read, and replaceable.

    The log is made on first read (most services never log, and it costs
    memory) and kept in the ``_log_object`` attribute.  Assigning ``log``
    (tests assign a mock) stores the new one and sets ``_log_replaced``,
    which the start and stop read to call it even when their logger is off,
    as the original did; ``del service.log`` (how ``unittest.mock.patch``
    ends) goes back to the log made for the service.  The flag is what lets
    the quiet start and stop see a replaced log without reading the
    instance ``__dict__``, whose creation would slow them down.  Reading
    ``log`` costs a descriptor call (about 0.1 us), paid only by code that
    logs.
    """

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Self: ...

    @overload
    def __get__(
        self, obj: ServiceBase, objtype: type | None = None
    ) -> CompositeLogger: ...

    def __get__(self, obj: ServiceBase | None, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        try:
            return obj._log_object
        except AttributeError:
            log = obj._log_object = _make_log(obj)
            return log

    def __set__(self, obj: ServiceBase, value: Any) -> None:
        if not obj._log_replaced:
            made = getattr(obj, "_log_object", None)
            if made is not None:
                obj._log_made = made  # for __delete__
        obj._log_object = value
        obj._log_replaced = True

    def __delete__(self, obj: ServiceBase) -> None:
        # Back to the log made for the service (the one read before the
        # replacement, if any): unittest.mock.patch ends this way.
        if obj._log_replaced:
            obj._log_replaced = False
            made = obj.__dict__.pop("_log_made", None)
            if made is not None:
                obj._log_object = made
                return
        try:
            del obj._log_object
        except AttributeError:
            raise AttributeError("log") from None


class ServiceBase(ServiceT):
    """What :class:`Service` and ``ServiceProxy`` share.

    Gives every subclass its own ``logger`` (``logging.getLogger`` of its
    module unless the class sets one; no handler is added to it), a ``log``
    that prefixes messages with the service's place in the tree
    (``[^--Label]: msg``), ``async with`` support, ``repr`` and the
    :attr:`loop` property.
    """

    #: Ignored; reset to False on every subclass (kept for compatibility).
    abstract: ClassVar[bool] = True

    #: The logger of this class.  Set automatically for each subclass to
    #: ``logging.getLogger(cls.__module__)`` (no handler added, so Python's
    #: last-resort handler shows its warnings and errors while logging is
    #: not configured); a logger set in a class body is kept, also by its
    #: subclasses.
    logger: logging.Logger = logging.getLogger(__name__)
    _logger_is_auto: ClassVar[bool] = True

    #: Logs through :attr:`logger` with the ``[^label]:`` prefix (made on
    #: first use; may be replaced, e.g. by a mock in tests).
    log: _LogAttribute = _LogAttribute()
    _log_object: CompositeLogger
    _log_made: CompositeLogger
    _log_replaced: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.abstract = False
        cls._init_subclass_logger()

    @classmethod
    def _init_subclass_logger(cls) -> None:
        if cls.__dict__.get("logger") is not None:
            cls._logger_is_auto = False
        elif cls._logger_is_auto or cls.logger is None:
            cls.logger = _logger_for(cls.__module__)
            cls._logger_is_auto = True

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if loop is not None and not _looks_like_a_loop(loop):
            raise TypeError(
                f"{type(self).__name__} loop= must be an event loop or None, not "
                f"{type(loop).__name__}"
            )
        self._loop = loop

    def _format_log(self, severity: int, msg: str, *args: Any, **kwargs: Any) -> str:
        return f"[^{'-' * (_log_depth(self) - 1)}{self.shortlabel}]: {msg}"

    async def __aenter__(self) -> Self:
        """Start the service and return it.

        If ``start()`` raises, the service is stopped and reset before the
        exception propagates, so nothing it started is left running.
        """
        try:
            await self.start()
        except (AlreadyStartedError, _NotInitialisedError):
            raise  # running already, or never built: nothing to stop
        except BaseException as exc:
            try:
                await self.stop()
            except Exception as stop_exc:
                if stop_exc is not exc:
                    self.log.error(
                        "Error while stopping after a failed start: %r",
                        stop_exc,
                        exc_info=stop_exc,
                    )
            finally:
                self.service_reset()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> None:
        """Stop the service, then reset it (even if the stop raised an error).

        The exception of the ``async with`` body, if any, is not suppressed.
        A crash of the service is not raised (as in the original: it was
        logged with its traceback when it happened); :attr:`crash_reason`
        still gives it after the block, until the next start or
        ``service_reset()``.  A stop that is interrupted (cancelled) is not
        reset: no task of the service is left running, and it stays stopping
        until ``stop()`` is called again to finish the stop (see the module
        documentation).
        """
        try:
            await self.stop()
        except BaseException:
            # An interrupted stop (cancelled: a timeout around the block,
            # say) is not reset: the service stays "stopping", with no task
            # left running, until stop() is called again to finish it.
            if not self._stop_unfinished():
                self._reset_keeping_crash_reason()
            raise
        self._reset_keeping_crash_reason()

    def _reset_keeping_crash_reason(self) -> None:
        reason = self.crash_reason
        self.service_reset()
        if reason is not None:
            self._keep_crash_reason(reason)

    def _keep_crash_reason(self, reason: BaseException) -> None:
        """Keep ``reason`` as :attr:`crash_reason` of the reset service (until
        the next start or reset); ``async with`` calls it after its reset.
        """

    def _stop_unfinished(self) -> bool:
        """Whether a stop was interrupted and stop() has yet to finish it."""
        return False

    def __repr__(self) -> str:
        try:
            info = self._repr_info()
            return f"<{self._repr_name()}: {self.state}{' ' + info if info else ''}>"
        except AttributeError as exc:
            _raise_if_unbuilt(self, exc)
            raise

    def _repr_info(self) -> str:
        """Return extra text for ``repr()`` (override; default: nothing)."""
        return ""

    def _repr_name(self) -> str:
        """Return the name shown by ``repr()`` and used as label."""
        return type(self).__name__

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop of the service.

        In order:

        1. the loop given with ``loop=`` or assigned (kept until set to
           None);
        2. else the loop running in this thread;
        3. else, when read before any loop runs (in ``__init__`` or
           ``__post_init__``, at module level), this thread's current loop,
           created if there is none: :func:`mode.utils.loops.get_event_loop`.
           That is the loop a :class:`~mode.worker.Worker` (or
           ``loop.run_until_complete``) in this thread runs, so code written
           for the original, such as
           ``self.add_dependency(Other(loop=self.loop))`` in
           ``__post_init__``, runs on one loop.

        Cases 2 and 3 are looked up on every read and never stored, so a
        service read before :func:`asyncio.run` (which makes a loop of its
        own) still runs on the loop that runs it, and a reset service can
        run under a later loop.  A loop *given* to a child is stored by the
        child, though: a loop read before :func:`asyncio.run` and passed on
        with ``loop=`` is not the one that runs, and starting that child
        there fails (see :meth:`Service.add_future`).  Under
        :func:`asyncio.run`, create children without ``loop=``.
        """
        loop = self._loop
        if loop is None:
            try:
                return asyncio.get_running_loop()
            except RuntimeError:
                return get_event_loop()
        return loop

    @loop.setter
    def loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self._loop = loop


class Service(ServiceBase, ServiceCallbacks):
    """An asyncio service that can be started, stopped and restarted.

    Arguments:
        beacon: The node of the parent in the service tree; this service's
            node is created below it.  Usually left out: ``add_dependency``
            attaches children.
        loop: An event loop to use instead of the running loop (threads).

    See the module documentation for the lifecycle, the stop bounds and the
    crash semantics.
    """

    abstract: ClassVar[bool] = True

    #: The diagnostics class.
    Diag: type[DiagT] = Diag

    #: The diagnostics of this service: ``Diag(self)``, made on first use.
    diag: _OnFirstUse[DiagT] = _OnFirstUse(lambda self: self.Diag(self))

    #: If True, ``stop()`` waits (at most :attr:`shutdown_timeout`) for
    #: ``set_shutdown()`` before stopping the tasks.
    wait_for_shutdown: bool = False

    #: Seconds ``stop()`` waits for the shutdown flag, and then again for
    #: its cancelled tasks to finish, before it logs what is stuck and goes
    #: on.  10 s: both waits fit in a container's usual 30 s grace period.
    shutdown_timeout: float = 10.0

    #: How many times :meth:`service_reset` ran (restarts, ``async with``).
    restart_count: int = 0

    #: Level of the "Starting..."/"Stopping..." logs (a name or a number).
    mundane_level: str | int = "info"

    _task_names: ClassVar[tuple[str, ...]] = ()

    #: The names of the ``@Service.task`` attributes of every service class,
    #: keyed by :meth:`_get_class_id`, as the original kept them (read-only
    #: here: the tasks started are those of the class).
    _tasks: ClassVar[dict[str, set[str]]] = {}

    # Lifecycle bookkeeping, on the class until a service needs its own:
    # whether a start hook runs (a stop waits for the hook), the stops
    # waiting for it, the step an interrupted stop resumes at, and the
    # restart in progress with the restarts queued behind it.
    _in_start_hooks: bool = False
    _start_waiters: list[asyncio.Future[None]] | None = None
    _stop_resume: int | None = None
    _restart_task: asyncio.Task[Any] | None = None
    _restart_queue: list[asyncio.Future[None]] | None = None
    # Restarts overtaken by stop() (see _overtake_restarts): the restart()
    # calls so far (each takes the next number), the last number a stop()
    # abandoned, the step of the restart running (_RESTART_*), and the
    # stops waiting for it to end.
    _restart_calls: int = 0
    _restart_cutoff: int = 0
    _restart_step: int = 0
    _restart_end_waiters: list[asyncio.Future[None]] | None = None
    # True once a stop of this service, or of a service below it, raised
    # (an error a parent logs and does not raise): the Worker's exit code
    # reads it.  Cleared by service_reset().
    _stop_failed: bool = False
    # Also on the class until first set (an instance attribute per service
    # costs its memory and a store in every __init__): the task running
    # stop() and the stops waiting for it, whether service_reset() runs,
    # and the exit stacks (made by the exit_stack properties).
    _stop_task: asyncio.Task[Any] | None = None
    _stop_waiters: list[asyncio.Future[None]] | None = None
    _resetting: bool = False
    _async_exit_stack: AsyncExitStack | None = None
    _exit_stack: ExitStack | None = None
    # The crash reason of the run an `async with` ended (see crash_reason).
    _crash_reason_kept: BaseException | None = None

    # What mode.status reads: when the last start began (None until the
    # first start), and the rest, made when first needed (see _StatusExtra).
    _status_rec: float | None = None
    _status_extra: _StatusExtra | None = None

    _started: Event
    _stopped: Event
    _crashed: Event
    #: The flag of set_shutdown(): made on first use (only services with
    #: wait_for_shutdown, and repr of a stopped one, read it).
    _shutdown: _OnFirstUse[Event] = _OnFirstUse(lambda self: self._new_shutdown_event())
    _crash_reason: BaseException | None = None  # set by a crash
    _beacon: NodeT[Any]
    _children: list[ServiceT]
    _futures: set[asyncio.Future[Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        timeout = vars(cls).get("shutdown_timeout")
        if timeout is not None and not isinstance(timeout, property):
            _check_shutdown_timeout(timeout, cls)
        wait = vars(cls).get("wait_for_shutdown", False)
        if not isinstance(wait, property):
            _check_bool(f"class {cls.__qualname__}: wait_for_shutdown", wait)
        _check_hooks(cls)
        cls._init_subclass_tasks()

    @classmethod
    def _init_subclass_tasks(cls) -> None:
        # Keyed by attribute name: a subclass overriding a task replaces it
        # (an override by a plain method removes it).
        names: dict[str, None] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, ServiceTask):
                    names[name] = None
        cls._task_names = tuple(
            name for name in names if isinstance(getattr(cls, name), ServiceTask)
        )
        Service._tasks[cls._get_class_id()] = set(cls._task_names)

    @classmethod
    def _get_class_id(cls) -> str:
        """Return ``module.qualname``: the key of the class in :attr:`_tasks`."""
        return f"{cls.__module__}.{cls.__qualname__}"

    def _get_tasks(self) -> Iterator[ServiceTask]:
        """Yield the ``@Service.task`` objects a start runs, in class order."""
        for name in self._task_names:
            yield getattr(self, name)

    # -- decorators --------------------------------------------------------

    @classmethod
    def task(cls, fun: _TaskFun) -> ServiceTask:
        """Decorate an async method to run in the background while started.

        The task starts on every start (restarts included) and is cancelled
        on stop.  An exception in it crashes the service.  Subclasses
        inherit tasks; a subclass attribute of the same name replaces it::

            class Poller(Service):
                @Service.task
                async def _poll(self) -> None:
                    while not self.should_stop:
                        await self.sleep(1.0)
        """
        return ServiceTask(fun)

    @classmethod
    def timer(
        cls,
        interval: Seconds,
        *,
        exec_first: bool = False,
        name: str | None = None,
        max_drift_correction: float = 0.1,
    ) -> Callable[[_TaskFun], ServiceTask]:
        """Decorate an async method to run every ``interval`` seconds.

        The first call happens one interval after start (at once if
        ``exec_first``).  Timing follows :class:`mode.timers.Timer` via
        :meth:`itertimer` (drift corrected by at most
        ``max_drift_correction`` seconds per tick), and the timer ends when
        the service stops.  ``name`` names the timer in logs (default: the
        method's qualified name).

        Raises:
            ValueError: ``interval`` is not positive and finite, or
                ``max_drift_correction`` is not 0 or more and finite.
            TypeError: ``interval`` or ``max_drift_correction`` is not a
                number of seconds, or ``exec_first`` is not a bool.
        """
        if callable(interval):
            raise TypeError(
                "Service.timer needs an interval: write @Service.timer(1.0) "
                "above the method, not @Service.timer"
            )
        if interval is None:
            raise TypeError(
                "Service.timer interval must be a positive number of seconds, not None"
            )
        interval_s = want_seconds(interval)
        if not interval_s > 0:
            raise ValueError(
                f"Service.timer interval must be a positive number of seconds, "
                f"not {interval!r}"
            )
        if interval_s == float("inf"):
            raise ValueError(
                f"Service.timer interval must be a finite number of seconds, "
                f"not {interval!r}: for a method that runs once, use "
                "@Service.task"
            )
        _check_drift_correction(max_drift_correction)
        _check_bool("Service.timer exec_first=", exec_first)
        if isinstance(interval, str) and "/" in interval:
            from .timers import _warn_if_rate_string

            _warn_if_rate_string(interval, "Service.timer", stacklevel=2)

        def _decorate(fun: _TaskFun) -> ServiceTask:
            _check_task_fun("Service.timer", fun)
            from mode.utils.objects import qualname  # lazy: cheaper import

            timer_name = name or qualname(fun)

            @wraps(fun)
            async def _repeater(self: Service) -> None:
                timer = self.itertimer(
                    interval_s,
                    name=timer_name,
                    max_drift_correction=max_drift_correction,
                )
                try:
                    if exec_first:
                        await fun(self)
                    async for _ in timer:
                        await fun(self)
                except Exception as exc:  # for mode.status: the timer's error
                    _record_timer_error(self, timer_name, exc)
                    raise
                finally:
                    await timer.aclose()

            return cls.task(_repeater)

        return _decorate

    @classmethod
    def crontab(
        cls, cron_format: str, *, timezone: tzinfo | None = None
    ) -> Callable[[_TaskFun], ServiceTask]:
        """Decorate an async method to run on a cron schedule.

        ``cron_format`` is a crontab expression (``"30 18 * * *"``), read in
        ``timezone`` (default UTC).  Needs croniter (the ``cron`` extra).

        Raises:
            ImportError: croniter is not installed.
            ValueError: ``cron_format`` is not a valid crontab expression.
        """
        from mode.utils import cron

        cron.secs_for_next(cron_format, timezone)  # fail now on a bad expression

        def _decorate(fun: _TaskFun) -> ServiceTask:
            _check_task_fun("Service.crontab", fun)

            @wraps(fun)
            async def _cron_starter(self: Service) -> None:
                while not self.should_stop:
                    await self.sleep(cron.secs_for_next(cron_format, timezone))
                    if not self.should_stop:
                        await fun(self)

            return cls.task(_cron_starter)

        return _decorate

    @classmethod
    def transitions_to(
        cls, flag: str
    ) -> Callable[[Callable[..., Awaitable[T]]], Callable[..., Coroutine[Any, Any, T]]]:
        """Decorate an async method to set the diag ``flag`` while it runs."""

        def _decorate(
            fun: Callable[..., Awaitable[T]],
        ) -> Callable[..., Coroutine[Any, Any, T]]:
            @wraps(fun)
            async def _and_transition(self: ServiceT, *args: Any, **kwargs: Any) -> T:
                self.diag.set_flag(flag)
                try:
                    return await fun(self, *args, **kwargs)
                finally:
                    self.diag.unset_flag(flag)

            return _and_transition

        return _decorate

    @classmethod
    def from_awaitable(
        cls, coro: Awaitable[Any], *, name: str | None = None, **kwargs: Any
    ) -> Service:
        """Wrap a coroutine (or awaitable) in a service.

        Starting the service runs ``coro`` as a task and waits for it: as in
        the original, ``start()`` returns when ``coro`` is done (and raises
        its exception).  Stopping cancels it if it is still running.
        ``name`` is the label (default: ``str(coro)``); other keyword
        arguments are accepted and ignored, for compatibility.

        Raises:
            TypeError: ``coro`` is not awaitable.
        """
        if not inspect.isawaitable(coro):
            raise TypeError(
                f"from_awaitable() expects a coroutine or other awaitable, not "
                f"{type(coro).__name__} (call the async function: "
                "Service.from_awaitable(main()))"
            )
        return _AwaitableService(coro, name=name)

    # -- construction ------------------------------------------------------

    def __init__(
        self,
        *,
        beacon: NodeT[Any] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        node: object = beacon  # checked at run time: callers may pass anything
        if (
            node is not None
            and not isinstance(node, NodeT)
            and not callable(getattr(node, "new", None))  # a mock, say
        ):
            raise TypeError(
                f"{type(self).__name__} beacon= must be a node of the service "
                f"tree (mode.utils.trees.Node) or None, not {type(beacon).__name__}"
            )
        super().__init__(loop=loop)
        self._started = self._new_started_event()
        self._stopped = self._new_stopped_event()
        self._crashed = self._new_crashed_event()
        # True once _stopped or _crashed is set: should_stop without two
        # method calls (read on every step of start, stop and wait).
        self._halt = False
        self._beacon = Node(self) if beacon is None else beacon.new(self)
        self._children = []
        # Made on first use (most services never get a child, a task or a
        # waiter); until then they are the shared empty _NONE_YET.
        self._children_set: set[ServiceT] = _NONE_YET
        self._futures = _NONE_YET
        self._halt_waiters: set[asyncio.Future[None]] = _NONE_YET
        # Written by every start or stop, so set here although the class has
        # the same defaults: an attribute first set after __init__ grows the
        # instance's attribute storage then (measured: ~15% of a tree's
        # start+stop for these three).  The rarely written ones stay on the
        # class (see _stop_waiters & co.).
        self._in_start_hooks = False
        self._status_rec = None
        self._stop_task = None
        self._mundane_level = level_number(self.mundane_level)
        self.on_init()
        self.__post_init__()

    def _new_started_event(self) -> Event:
        return Event(loop=self._loop)

    def _new_stopped_event(self) -> Event:
        return _HaltFlag(self._loop, self)

    def _new_shutdown_event(self) -> Event:
        return Event(loop=self._loop)

    def _new_crashed_event(self) -> Event:
        return _HaltFlag(self._loop, self)

    def __post_init__(self) -> None:
        """Run at the end of ``__init__``; override for extra set-up.

        The service is fully initialised: ``self.log``, ``self.beacon`` and
        the flags exist.
        """

    def on_init(self) -> None:
        """Deprecated: override :meth:`__post_init__` instead."""

    def on_init_dependencies(self) -> Iterable[ServiceT]:
        """Return services to add as dependencies on the first start.

        They are added (in order, after those added with ``add_dependency``)
        when the service first starts, and are then started, stopped and
        restarted with it.
        """
        return []

    # -- dependencies ------------------------------------------------------

    def add_dependency(self, service: _ST) -> _ST:
        """Add ``service`` as a child: started and stopped with this service.

        It is not started now (see :meth:`add_runtime_dependency`).  Adding
        the same service twice does nothing.  Returns ``service``.

        Raises:
            TypeError: ``service`` is not a service.
            ServiceCycleError: ``service`` is this service or one of its
                ancestors (the message names the cycle).
        """
        if not isinstance(service, ServiceT):
            raise TypeError(
                f"add_dependency() expects a service (a mode.Service), not "
                f"{type(service).__name__}: wrap a coroutine with "
                "Service.from_awaitable(coro)"
            )
        try:
            if service in self._children_set:
                return service
        except AttributeError as exc:
            _raise_if_unbuilt(self, exc)
            raise
        self._check_no_cycle(service)
        try:
            service.beacon.reattach(self.beacon)
        except TypeError:
            # A mock beacon (tests): there is no tree to attach the child to.
            if isinstance(self.beacon, NodeT):
                raise
        self._children.append(service)
        if self._children_set is _NONE_YET:
            self._children_set = set()
        self._children_set.add(service)
        return service

    def _check_no_cycle(self, service: ServiceT) -> None:
        path: list[Any] = []
        seen: set[int] = set()
        try:
            nodes = iter(self.beacon.walk())
        except TypeError:  # a mock beacon (tests): no tree to check
            return
        for node in nodes:
            if id(node) in seen:  # pragma: no cover - beacon loops are refused
                break
            seen.add(id(node))
            path.append(node.data)
            if node.data is service:
                chain = " -> ".join(_label(s) for s in [*reversed(path), service])
                raise ServiceCycleError(
                    f"cannot add {_label(service)} as a dependency of "
                    f"{_label(self)}: it would create the cycle {chain}. "
                    "A service cannot depend on itself or on one of its "
                    "ancestors."
                )

    async def add_runtime_dependency(self, service: _ST) -> _ST:
        """Add ``service`` as a child and start it if this service is running.

        If this service is started and not stopped, ``service`` is started
        now (``maybe_start``); otherwise it starts with this service.
        Raises like :meth:`add_dependency`.
        """
        self.add_dependency(service)
        if self._started.is_set() and not self._stopped.is_set():
            await service.maybe_start()
        return service

    async def remove_dependency(self, service: _ST) -> _ST:
        """Stop ``service`` and remove it from the children.

        Raises:
            ValueError: ``service`` is not a child of this service.
        """
        if service not in self._children_set:
            raise ValueError(f"{service!r} is not a dependency of {self!r}")
        await service.stop()
        self._children.remove(service)
        self._children_set.discard(service)
        service.beacon.detach(self.beacon)
        return service

    # -- contexts ----------------------------------------------------------

    async def add_async_context(self, context: AbstractAsyncContextManager[T]) -> T:
        """Enter the async context manager now; exit it when the service stops.

        Returns what ``__aenter__`` returns.  Contexts are exited in reverse
        order, after the tasks are stopped.

        Raises:
            TypeError: ``context`` is a sync context manager (use
                :meth:`add_context`) or not a context manager.
        """
        obj: object = context  # checked at runtime: callers may pass anything
        if isinstance(obj, AbstractAsyncContextManager):
            return await self.async_exit_stack.enter_async_context(context)
        if isinstance(obj, AbstractContextManager):
            raise TypeError(
                "add_async_context() takes an async context manager; for a sync "
                "one use `self.add_context(ctx)`"
            )
        raise TypeError(
            f"add_async_context() takes an async context manager, not "
            f"{type(context).__name__}"
        )

    def add_context(self, context: AbstractContextManager[T]) -> T:
        """Enter the context manager now; exit it when the service stops.

        Returns what ``__enter__`` returns.  Contexts are exited in reverse
        order, after the tasks are stopped.

        Raises:
            TypeError: ``context`` is an async context manager (use
                ``await self.add_async_context(ctx)``) or not a context
                manager.
        """
        obj: object = context  # checked at runtime: callers may pass anything
        if isinstance(obj, AbstractAsyncContextManager):
            raise TypeError(
                "add_context() takes a sync context manager; for an async one "
                "use `await self.add_async_context(ctx)`"
            )
        if isinstance(context, AbstractContextManager):
            return self.exit_stack.enter_context(context)
        raise TypeError(
            f"add_context() takes a context manager, not {type(context).__name__}"
        )

    # -- background tasks --------------------------------------------------

    def add_future(self, coro: Awaitable[Any]) -> asyncio.Task[None]:
        """Run ``coro`` as a task owned by this service and return the task.

        The task is named ``"LABEL:QUALNAME"`` (the service's label, then the
        coroutine's qualified name, e.g. ``"Ticker:Ticker._tick"``; the
        original named it ``repr(coro)``) and has ``__wrapped__ = coro``.  It
        never fails: cancellation ends it quietly, any other exception
        (``SystemExit`` included) crashes the service.  ``stop()`` cancels
        and awaits it.

        The task goes to the loop given to the service (``loop=``), else to
        the running loop.  With a loop given and none running, it is queued
        on that loop and runs once the loop does.

        Raises:
            TypeError: ``coro`` is not awaitable.
            RuntimeError: no loop is running and none was given; or the loop
                given is not running while another one runs here (its tasks
                would never run).
        """
        if not inspect.isawaitable(coro):
            raise TypeError(
                f"add_future() expects a coroutine or other awaitable, not "
                f"{type(coro).__name__} (call the async function: "
                "self.add_future(self.fun()))"
            )
        running = _get_running_loop()
        loop = self._loop or running
        if loop is None or (
            running is not None and loop is not running and not loop.is_running()
        ):
            _close_coroutines([coro])
            raise RuntimeError(self._no_task_loop_message(loop, running))
        # Named after its owner, for aiomonitor's ps and stuck-task reports.
        what = getattr(coro, "__qualname__", None) or type(coro).__name__
        fut = loop.create_task(self._execute_task(coro), name=f"{self.label}:{what}")
        setattr(fut, "__wrapped__", coro)  # noqa: B010 - Task has no such field
        if self._futures is _NONE_YET:
            self._futures = set()
        self._futures.add(fut)
        fut.add_done_callback(self._on_cancelled_before_start)
        return fut

    def _no_task_loop_message(
        self,
        loop: asyncio.AbstractEventLoop | None,
        running: asyncio.AbstractEventLoop | None,
    ) -> str:
        if loop is None:
            return (
                f"{self!r} has no event loop for its tasks: no loop is running "
                "in this thread and none was given.  Start the service from a "
                "coroutine (inside asyncio.run()), or pass loop=... to it."
            )
        return (
            f"{self!r} was given loop={loop!r}, which is not running, but is "
            f"used from {running!r}: its tasks would never run.  Create the "
            "service without loop= (it then uses the running loop), or give it "
            "the loop that runs it (a loop read before asyncio.run() is not "
            "the one asyncio.run() runs)."
        )

    def _on_cancelled_before_start(self, fut: asyncio.Future[Any]) -> None:
        # Runs only for a task cancelled before it ever ran: _execute_task
        # removes this callback when the task starts, and from then on the
        # task removes itself from _futures when it ends (a done callback for
        # every task would cost a loop callback each).  Forgets the task and
        # closes the coroutine it never awaited (no "never awaited" warning).
        self._futures.discard(fut)
        coro = getattr(fut, "__wrapped__", None)
        if inspect.iscoroutine(coro):
            coro.close()

    async def _execute_task(self, task: Awaitable[Any]) -> None:
        me = _current_task()
        assert me is not None  # add_future runs this coroutine as a task
        me.remove_done_callback(self._on_cancelled_before_start)
        _task_owner.set(self)
        try:
            await task
        except asyncio.CancelledError:
            if not self.should_stop:
                self._log_mundane("Terminating cancelled task: %r", task)
        except RuntimeError as exc:
            if "Event loop is closed" in str(exc):
                self.log.info("Cancelled task %r: %s", task, exc)
            else:
                await self.crash(exc)
        except BaseException as exc:
            await self.crash(exc)
        finally:
            self._futures.discard(me)

    def tracebacks(self) -> Mapping[str, str]:
        """Return ``{task name: formatted stack}`` of the running tasks."""
        from mode.utils.tracebacks import format_task_stack  # lazy: debug only

        return {
            fut.get_name(): format_task_stack(fut)
            for fut in self._futures
            if isinstance(fut, asyncio.Task) and not fut.done()
        }

    def human_tracebacks(self) -> str:
        """Return :meth:`tracebacks` as text: ``name``, a rule, the stack."""
        return "\n".join(
            f"{name}\n{'=' * len(name)}\n{tb}" for name, tb in self.tracebacks().items()
        )

    async def join_services(self, services: Sequence[ServiceT]) -> None:
        """Start ``services`` in order, then stop them in reverse order.

        A service failing to start crashes this service; the others still
        start.
        """
        for service in services:
            try:
                await service.maybe_start()
            except BaseException as exc:
                await self.crash(exc)
        for service in reversed(services):
            await service.stop()

    # -- sleeping and waiting ----------------------------------------------

    def _new_halt_waiter(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = loop.create_future()
        if self._halt_waiters is _NONE_YET:
            self._halt_waiters = set()
        self._halt_waiters.add(fut)
        return fut

    def _drop_halt_waiter(self, fut: asyncio.Future[None]) -> None:
        waiters = self._halt_waiters
        if fut in waiters:
            waiters.discard(fut)
        fut.cancel()

    def _wake_halt_waiters(self) -> None:
        waiters = self._halt_waiters
        if waiters:
            self._halt_waiters = _NONE_YET
            _resolve_all(waiters)

    async def sleep(self, n: Seconds) -> None:
        """Sleep ``n`` seconds, or less if the service stops or crashes.

        Returns at once if the service should already stop.

        Raises:
            TypeError, ValueError: ``n`` is not a number of seconds.
        """
        if n is None:
            raise TypeError("sleep() expects a number of seconds, not None")
        secs = want_seconds(n)
        if secs != secs:
            raise ValueError("sleep() expects a number of seconds, not nan")
        if self.should_stop:
            return
        loop = asyncio.get_running_loop()
        fut = self._new_halt_waiter(loop)
        handle = loop.call_later(secs, _set_result_unless_done, fut)
        try:
            await fut
        finally:
            handle.cancel()
            self._drop_halt_waiter(fut)

    def _check_wait_args(self, method: str, args: Sequence[Any]) -> None:
        for arg in args:
            if not _is_waitable(arg):
                _close_coroutines(args)
                raise TypeError(
                    f"{method}() accepts {_ACCEPTED_WAIT}, not {type(arg).__name__}"
                )

    def _as_future(
        self,
        arg: Any,
        loop: asyncio.AbstractEventLoop,
        owned: list[asyncio.Future[Any]],
    ) -> asyncio.Future[Any]:
        if isinstance(arg, asyncio.Future):
            return arg  # the caller's: never cancelled by us
        if inspect.isawaitable(arg):
            fut = asyncio.ensure_future(arg, loop=loop)
        else:
            fut = loop.create_task(arg.wait())
        owned.append(fut)
        return fut

    async def _wait_halted(
        self,
        futures: Sequence[asyncio.Future[Any]],
        timeout: float | None,
    ) -> None:
        """Wait until one of ``futures`` is done, the service halts, or timeout."""
        # asyncio.wait({*futures, halt}, FIRST_COMPLETED) written out, without
        # its two coroutine layers and done/pending sets (the per-call cost
        # of wait()/wait_first()).  As there, each of ``futures`` and the
        # halt future resolve a waiter from their done callbacks, so a stop
        # wakes this task on the same loop iteration as in the original
        # (faust's tests count on that order).  Waiting for the stop alone,
        # the halt future is awaited itself, as before.
        loop = asyncio.get_running_loop()
        halt = self._new_halt_waiter(loop)
        wake = None
        waiter = halt
        timer = None
        try:
            if futures:
                waiter = loop.create_future()
                wake = partial(_wake_waiter, waiter)
                halt.add_done_callback(wake)
                for fut in futures:
                    fut.add_done_callback(wake)
            if timeout is not None:
                timer = loop.call_later(timeout, _set_result_unless_done, waiter)
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            if wake is not None:
                halt.remove_done_callback(wake)
                for fut in futures:
                    fut.remove_done_callback(wake)
                waiter.cancel()
            self._drop_halt_waiter(halt)

    async def wait_first(
        self, *coros: WaitArgT, timeout: Seconds | None = None
    ) -> WaitResults:
        """Wait until the first of ``coros`` is done, or the service stops.

        Returns :class:`WaitResults`: every argument that is done (in
        argument order) and their results; ``([], [], True)`` if the service
        stopped or crashed, or ``timeout`` elapsed.  Exceptions of a done
        argument propagate (``CancelledError`` if it was cancelled).
        Futures and tasks you pass stay yours: they are never cancelled;
        tasks created here for coroutines and events are cancelled on
        return.

        Raises:
            TypeError: an argument is not awaitable and not an event.
        """
        self._check_wait_args("wait_first", coros)
        try:
            timeout_s = _want_timeout("wait_first", timeout)
        except (TypeError, ValueError):
            _close_coroutines(coros)
            raise
        if self.should_stop:
            _close_coroutines(coros)
            return WaitResults([], [], True)
        loop = asyncio.get_running_loop()
        owned: list[asyncio.Future[Any]] = []
        futures = [self._as_future(c, loop, owned) for c in coros]
        try:
            await self._wait_halted(futures, timeout_s)
            done = [fut for fut in futures if fut.done()]
            for fut in done:  # retrieve every exception, raise the first
                if not fut.cancelled():
                    fut.exception()
            for fut in done:
                fut.result()
            if self.should_stop or not done:
                return WaitResults([], [], True)
            return WaitResults(
                [c for c, fut in zip(coros, futures, strict=True) if fut.done()],
                [fut.result() for fut in done],
                False,
            )
        finally:
            for fut in owned:
                fut.cancel()

    async def wait(
        self, *coros: WaitArgT, timeout: Seconds | None = None
    ) -> WaitResult:
        """Wait for one awaitable or event, or until the service stops.

        Returns ``WaitResult(result, False)`` when it completes, and
        ``WaitResult(None, True)`` if the service stopped or crashed first,
        or ``timeout`` elapsed.  With no argument, waits for the service to
        stop or crash (or the timeout) and returns ``(None, True)``.
        Exceptions of the awaitable propagate.

        Raises:
            TypeError: more than one argument (use :meth:`wait_first` or
                :meth:`wait_many`), or an argument that cannot be awaited.
        """
        if len(coros) > 1:
            _close_coroutines(coros)
            raise TypeError(
                f"wait() takes one awaitable, got {len(coros)}: use "
                "wait_first(*aws) for the first to finish, or wait_many(aws) "
                "for all of them"
            )
        if coros:
            # wait_first() for one argument, written out: this is the call
            # agents make per item, so it skips the lists and the extra layer.
            self._check_wait_args("wait", coros)
            try:
                timeout_s = _want_timeout("wait", timeout)
            except (TypeError, ValueError):
                _close_coroutines(coros)
                raise
            if self._halt:
                _close_coroutines(coros)
                return WaitResult(None, True)
            arg = coros[0]
            if isinstance(arg, asyncio.Future):
                fut, owned = arg, False  # the caller's: never cancelled by us
            else:
                loop = asyncio.get_running_loop()
                if inspect.isawaitable(arg):
                    fut = asyncio.ensure_future(arg, loop=loop)
                else:
                    fut = loop.create_task(arg.wait())
                owned = True
            try:
                await self._wait_halted((fut,), timeout_s)
                if fut.done():
                    result = fut.result()  # its exception propagates
                    if not self._halt:
                        return WaitResult(result, False)
                return WaitResult(None, True)
            finally:
                if owned:
                    fut.cancel()
        timeout_s = _want_timeout("wait", timeout)
        if not self.should_stop:
            await self._wait_halted((), timeout_s)
        return WaitResult(None, True)

    async def wait_many(
        self, coros: Iterable[WaitArgT], *, timeout: Seconds | None = None
    ) -> WaitResult:
        """Wait for all of ``coros``, or until the service stops.

        Returns ``WaitResult((done, pending), False)`` (the sets of
        :func:`asyncio.wait`) when all are done, ``WaitResult(None, True)``
        if the service stopped or crashed first or ``timeout`` elapsed.
        Tasks created here for coroutines and events are cancelled if they
        are still running on return.

        Raises:
            TypeError: an argument is not awaitable and not an event.
        """
        if not isinstance(coros, Iterable) or _is_waitable(coros):
            _close_coroutines([coros])
            raise TypeError(
                f"wait_many() takes an iterable of awaitables or events, e.g. "
                f"wait_many([aw1, aw2]), not {type(coros).__name__}: for one "
                "awaitable use wait(aw)"
            )
        args = list(coros)
        self._check_wait_args("wait_many", args)
        try:
            timeout_s = _want_timeout("wait_many", timeout)
        except (TypeError, ValueError):
            _close_coroutines(args)
            raise
        if self.should_stop:
            _close_coroutines(args)
            return WaitResult(None, True)
        if not args:
            return WaitResult((set(), set()), False)
        loop = asyncio.get_running_loop()
        owned: list[asyncio.Future[Any]] = []
        futures = [self._as_future(c, loop, owned) for c in args]
        gather = loop.create_task(asyncio.wait(futures))
        owned.append(gather)
        try:
            await self._wait_halted([gather], timeout_s)
            if gather.done() and not self.should_stop:
                return WaitResult(gather.result(), False)
            return WaitResult(None, True)
        finally:
            for fut in owned:
                fut.cancel()

    async def wait_for_stopped(
        self, *coros: WaitArgT, timeout: Seconds | None = None
    ) -> bool:
        """Return ``(await self.wait(*coros, timeout=timeout)).stopped``.

        True if the service stopped or crashed, or the timeout elapsed,
        before the awaitable completed::

            while not await self.wait_for_stopped(self.flag, timeout=1.0):
                ...  # the flag was set
        """
        return (await self.wait(*coros, timeout=timeout)).stopped

    async def wait_until_stopped(self) -> None:
        """Wait until the service is stopped or crashed."""
        # _wait_halted((), None) written out: tasks of services spend their
        # lives here, and every layer costs at each start and stop.
        if self.should_stop:
            return
        halt = self._new_halt_waiter(asyncio.get_running_loop())
        try:
            await halt
        finally:
            self._drop_halt_waiter(halt)

    async def itertimer(
        self,
        interval: Seconds,
        *,
        max_drift_correction: float = 0.1,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        clock: ClockArg | None = None,
        name: str = "",
    ) -> AsyncGenerator[float, None]:
        """Yield every ``interval`` seconds until the service stops.

        Drives a :class:`mode.timers.Timer` (drift-corrected ticks) that
        sleeps with :meth:`sleep` unless ``sleep`` is given, so it ends as
        soon as the service stops or crashes.  Time is read from ``clock``,
        by default the running loop's clock
        (:func:`mode.timers.loop_time`), which is also what :meth:`sleep`
        waits on, so both follow a virtual clock in tests.  The timer class
        is looked up as ``mode.services.Timer`` at every call, as in the
        original, so tests may patch it there.  Yields the time slept.  The
        first value comes after one full interval::

            async for _ in self.itertimer(1.0, name="poll"):
                await self.poll()
        """
        from .timers import _warn_if_rate_string, loop_time

        if isinstance(interval, str) and "/" in interval:
            # Warned here, at the caller's line; the Timer gets the seconds.
            _warn_if_rate_string(interval, "Service.itertimer", stacklevel=2)
            interval = want_seconds(interval)
        if self.should_stop:
            return
        ticks = aiter(
            _timer_class()(
                interval,
                max_drift_correction=max_drift_correction,
                name=name,
                clock=clock or loop_time,
                sleep=sleep or self.sleep,
            )
        )
        try:
            async for sleep_time in ticks:  # pragma: no branch - never ends
                if self._halted():
                    break
                yield sleep_time
                if self._halted():
                    break
        finally:
            aclose = getattr(ticks, "aclose", None)
            if aclose is not None:  # pragma: no branch - an async generator
                await aclose()

    # -- lifecycle ---------------------------------------------------------

    async def start(self) -> None:
        """Start the service (see the module documentation for the order).

        Raises:
            AlreadyStartedError: it is already started (use
                :meth:`maybe_start`, or :meth:`restart`).
            Exception: whatever a hook or a child's start raised; the exit
                stacks are unwound first.
        """
        try:
            await self._default_start()
        except AttributeError as exc:
            _raise_if_unbuilt(self, exc)
            raise

    async def _default_start(self) -> None:
        _check_shutdown_timeout(self.shutdown_timeout, self)
        if self._started.is_set():
            raise AlreadyStartedError(
                f"{self!r} is already started: use maybe_start() to start it "
                "only if needed, or restart() to stop and start it again"
            )
        self._started.set()
        await self._actually_start()

    async def _actually_start(self) -> None:
        # While a hook of the start runs (on_first_start, on_start,
        # on_started), _in_start_hooks is set: a stop() from another task
        # waits for the hook before it runs on_stop.  Not while children
        # start: each child's stop waits for its own hooks.  (A flag, not
        # the task: looking the task up would cost every start; the rare
        # stop during a start finds it, see _start_hook_task.)
        self._in_start_hooks = True
        began = monotonic()  # for mode.status: negated while starting
        self._status_rec = -began
        try:
            if not self.restart_count:
                for dep in self.on_init_dependencies():
                    self.add_dependency(dep)
                await self.on_first_start()
            if self._halted():
                return
            try:
                chatty = self._log_mundane("Starting...")
                await self.on_start()
                if self._halted():
                    return
                for name in self._task_names:
                    self.add_future(getattr(self, name).fun(self))
                if self._children:
                    self._end_start_hooks()
                    for child in self._children:
                        await child.maybe_start()
                        if self._halted():
                            return
                    self._in_start_hooks = True
                if chatty:
                    self.log.debug("Started.")
                # Running from here (mode.status): on_started may wait for
                # good (the Worker's does, until the stop).
                self._status_rec = began
                await self.on_started()
            except BaseException:
                exc_type, exc, tb = sys.exc_info()
                stack, astack = self._exit_stack, self._async_exit_stack
                if stack is not None:
                    stack.__exit__(exc_type, exc, tb)
                if astack is not None:
                    await astack.__aexit__(exc_type, exc, tb)
                raise
        finally:
            self._in_start_hooks = False
            self._status_rec = began
            if self._start_waiters is not None:
                self._end_start_hooks()

    def _end_start_hooks(self) -> None:
        # Out of the start's hooks: release the stops waiting for them.
        self._in_start_hooks = False
        waiters = self._start_waiters
        if waiters is not None:
            self._start_waiters = None
            _resolve_all(waiters)

    async def maybe_start(self) -> bool:
        """Start the service unless it is started; return True if it started."""
        if self._started.is_set():
            return False
        await self.start()
        return True

    def _log_mundane(self, msg: str, *args: Any, **kwargs: Any) -> bool:
        """Log ``msg`` at :attr:`mundane_level` if the logger takes it.

        Returns whether the debug lines that follow ("Started.",
        "-Stopped!"...) are to be logged: whether the logger takes DEBUG.  A
        logger that does not take the mundane level does not take DEBUG
        either (unless that level is below DEBUG), which saves that check on
        the quiet path.  A replaced :attr:`log` (see :meth:`_replaced_log`)
        is called whatever the level, as the original called ``self.log``.
        """
        level = self._mundane_level
        logger = self.logger
        if logger.isEnabledFor(level):
            self.log.log(level, msg, *args, **kwargs)
            return (
                logger.isEnabledFor(logging.DEBUG) or self._replaced_log() is not None
            )
        if self._log_replaced:  # read first: the quiet path makes no call
            log = self._replaced_log()
            if log is not None:
                log.log(level, msg, *args, **kwargs)
                return True
        return level < logging.DEBUG and logger.isEnabledFor(logging.DEBUG)

    def _replaced_log(self) -> CompositeLogger | None:
        """Return :attr:`log` if it was replaced by one on another logger.

        Tests replace ``service.log`` (with a mock) and count its calls; a
        log on another logger decides with that logger's level.  Either way
        the service cannot tell from its own logger whether the log takes a
        message, so it calls it.  None for the usual log.
        """
        if not self._log_replaced:
            return None
        log = self.log
        if getattr(log, "logger", None) is self.logger:
            return None
        return log

    async def crash(
        self, reason: BaseException | None = None, *, exc: BaseException | None = None
    ) -> None:
        """Crash the service because of ``reason`` (see the module docs).

        Logs ``reason`` with its traceback (once: not again when the same
        exception reaches a service already crashed by it), marks the service
        and its children crashed, and hands the crash to the nearest
        supervisor, or marks the whole tree crashed if there is none.
        ``exc=`` is another name for ``reason`` (the keyword of the
        original's ``ServiceThread.crash``).

        Raises:
            TypeError: ``reason`` is not an exception instance, or both
                ``reason`` and ``exc`` are given.
        """
        if exc is not None:
            if reason is not None:
                raise TypeError(
                    "crash() takes the exception once: crash(exc) or "
                    "crash(exc=exc), not both"
                )
            reason = exc
        if not isinstance(reason, BaseException):
            raise TypeError(
                f"crash() expects an exception instance as the reason, not "
                f"{type(reason).__name__}"
            )
        already = self._crashed.is_set()
        if not (already and reason is self._crash_reason):
            if sys.exc_info()[1] is reason:  # the original's call, same record
                self.log.exception("Crashed reason=%r", reason)
            else:  # crash() called outside the except block: still a traceback
                self.log.error("Crashed reason=%r", reason, exc_info=reason)
        if not already:
            supervisor = self._crash_up_to_supervisor(reason)
            if supervisor is not None:
                supervisor.wakeup()
        self._crash(reason)

    def _crash_up_to_supervisor(
        self, reason: BaseException
    ) -> SupervisorStrategyT | None:
        return self._crash_path(reason, below_self=True)

    def _crash_path(
        self, reason: BaseException, *, below_self: bool
    ) -> SupervisorStrategyT | None:
        # Walk up the tree from self: mark each service crashed up to the
        # first one with a supervisor (returned).  Without one the walk
        # reaches the root, also crashing the services hanging off each
        # node of the path (as the original did) -- below this service too
        # unless ``below_self`` is false (ServiceThread: those live in the
        # thread, which marks them).
        own = self.beacon
        path: list[NodeT[Any]] = []
        seen: set[int] = set()
        for node in own.walk():
            if id(node) in seen:  # pragma: no cover - beacon loops are refused
                break
            seen.add(id(node))
            path.append(node)
            data = node.data
            if isinstance(data, ServiceT) and data.supervisor is not None:
                for n in path:
                    if isinstance(n.data, ServiceT):
                        n.data._crash(reason)
                return data.supervisor
        for node in path:
            items = (node, *node.children) if below_self or node is not own else (node,)
            for item in items:
                data = item.data if isinstance(item, NodeT) else item
                if isinstance(data, ServiceT):
                    data._crash(reason)
        return None

    def _crash(self, reason: BaseException) -> None:
        """Mark this service and its children crashed (no logging)."""
        if self._crashed.is_set() and self._crash_reason is not None:
            return
        if self._crash_reason is None:
            self._crash_reason = reason
        self._halt = True
        self._crashed.set()
        _record_crash(self, reason)
        self._wake_halt_waiters()
        for child in self._children:
            child._crash(reason)

    async def stop(self) -> None:
        """Stop the service: hooks, children, tasks, contexts (module docs).

        Idempotent.  Bounded: waits for a start hook in progress, for the
        shutdown flag and for cancelled tasks at most
        :attr:`shutdown_timeout` each, logging what is stuck.  If it is
        cancelled, it still cancels the tasks of the service and of the
        services below it (bounded) before the cancellation propagates; a
        later ``stop()`` finishes the rest.  Called by a task that the stop
        would cancel (a task of this service or of one below it), it cancels
        that task when it returns to it.

        Raises:
            Exception: the first error raised by ``on_stop``, a context exit
                or ``on_shutdown``, once the whole stop has run.
        """
        try:
            self._stopped  # noqa: B018 - missing if __init__ never ran
        except AttributeError as exc:
            _raise_if_unbuilt(self, exc)
            raise
        if self._restart_queue is not None:  # a restart runs (or waits)
            await self._overtake_restarts()
        if self._stopped.is_set():
            await self._stop_again()
            return
        if _task_owner.get() is not None:  # called by a service's task
            await self._stop_in_task(0)
            return
        self._stop_task = _current_task()
        try:
            await self._stop_steps(0)
        finally:
            self._stop_task = None
            if self._stop_waiters:
                self._release_stop_waiters()

    def _release_stop_waiters(self) -> None:
        waiters, self._stop_waiters = self._stop_waiters or (), None
        for fut in waiters:
            _set_result_unless_done(fut)

    async def _stop_in_task(self, first: int) -> None:
        # stop() from a task: run the stop steps from ``first``, and cancel
        # the task at the end if it is one the stop would have cancelled.
        me = _current_task()
        ending = me is not None and self._ends_calling_task(me)
        token = _cancel_when_done.set(True) if ending else None
        try:
            self._stop_task = me
            try:
                await self._stop_steps(first)
            finally:
                self._stop_task = None
                if self._stop_waiters:
                    self._release_stop_waiters()
        finally:
            if token is not None:
                assert me is not None  # ending implies a task
                _cancel_when_done.reset(token)
                me.cancel()

    def _ends_calling_task(self, me: asyncio.Task[Any]) -> bool:
        """Whether ``me`` is to be cancelled when a stop()/restart() returns.

        True for a task of this service or of a service below it (one the
        stop cancels; it is spared only because it runs the stop), unless
        an outer stop()/restart() in the same task does the cancelling.
        """
        owner = _task_owner.get()
        if owner is None or _cancel_when_done.get() or me not in owner._futures:
            return False
        try:
            return self._is_self_or_ancestor_of(owner)
        except TypeError:  # a mock beacon (tests): no tree
            return owner is self

    async def _stop_again(self) -> None:
        # stop() once the stop has begun: wait for the stop running in
        # another task, then finish it if it was interrupted.
        while self._stop_task is not None:
            if not await self._wait_for_running_stop():
                return
        first = self._stop_resume
        if first is not None:
            self._stop_resume = None
            await self._stop_in_task(first)

    async def _wait_for_running_stop(self) -> bool:
        """Wait for the stop running in another task; False if it must not.

        Returns False at once when called from the task of that stop (a
        dependency cycle), or from a task the running stop waits for (a
        task of this service or of one below it), which is cancelled then,
        as a stop called by such a task does when it returns.
        """
        me = _current_task()
        if me is self._stop_task:
            return False  # stop() re-entered from inside itself: a cycle
        owner = _task_owner.get()
        if owner is not None and self._is_self_or_ancestor_of(owner):
            # The running stop waits for this very task: do not wait for it.
            if me is not None and self._ends_calling_task(me):
                me.cancel()
            return False
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._stop_waiters is None:
            self._stop_waiters = []
        self._stop_waiters.append(fut)
        await fut
        return True

    def _is_self_or_ancestor_of(self, service: ServiceT) -> bool:
        return any(node.data is self for node in service.beacon.walk())

    async def _stop_steps(self, first: int) -> None:
        # The steps of a stop, from step ``first`` (0 for a whole stop; an
        # interrupted stop resumes where it was: see _STOP_RESUME).  ``step``
        # tracks the progress, for the resumption.
        step = first
        if first:
            chatty = self._log_mundane("Stopping (finishing an interrupted stop)...")
        else:
            chatty = self._log_mundane("Stopping...")
            self._stopped_set()
        error: Exception | None = None
        cls = type(self)
        try:
            if self._in_start_hooks:
                await self._wait_for_start_hooks()
            if first <= 1:
                step = 1
                try:
                    await self.on_stop()
                except Exception as exc:
                    error = self._stop_error(error, exc, "on_stop")
            # The three steps below are skipped when they have nothing to do
            # and are not overridden (ServiceThread does): a coroutine each,
            # per service of a tree.
            step = 2
            if self._children or cls._stop_children is not _base_stop_children:
                await self._stop_children()
            step = 3
            if chatty:
                self.log.debug("Shutting down...")
            if self.wait_for_shutdown:
                if chatty:
                    self.log.debug("Waiting for shutdown")
                await self._wait_for_shutdown_flag()
                if chatty:
                    self.log.debug("Shutting down now")
            step = 4
            if self._futures or cls._stop_futures is not _base_stop_futures:
                await self._stop_futures()
            step = 5
            if (
                self._exit_stack is not None
                or self._async_exit_stack is not None
                or cls._stop_exit_stacks is not _base_stop_exit_stacks
            ):
                try:
                    await self._stop_exit_stacks()
                except Exception as exc:
                    error = self._stop_error(error, exc, "exiting contexts")
            if first <= 6:
                step = 6
                try:
                    await self.on_shutdown()
                except Exception as exc:
                    error = self._stop_error(error, exc, "on_shutdown")
        except GeneratorExit:  # the coroutine is closed: nothing may run
            raise
        except BaseException:  # cancelled (or worse) half-way
            self._stop_resume = _STOP_RESUME[step]
            await self._end_tasks_of_interrupted_stop()
            raise
        if chatty:
            self.log.debug("-Stopped!")
        if error is not None:
            self._stop_failed = True
            raise error

    async def _wait_for_start_hooks(self) -> None:
        # stop() during start(): wait (bounded) until the start is out of
        # its hooks, so that on_stop never runs beside on_start.  The stop
        # has set the stopped flag: the start goes no further.
        if self._runs_start(sys._getframe()):
            return  # called by a start hook itself: waiting would deadlock
        loop = asyncio.get_running_loop()
        starting = self._start_hook_task(loop)
        if starting is None:
            return  # a start in another thread (ServiceThread) sees the flag
        if starting.cancelling():
            # Whoever cancelled the start (a timeout, the Worker's stop)
            # bounds it; a start that ignores its cancellation is not
            # waited for a second time.
            return
        fut: asyncio.Future[None] = loop.create_future()
        if self._start_waiters is None:
            self._start_waiters = []
        self._start_waiters.append(fut)
        try:
            await asyncio.wait([fut], timeout=self.shutdown_timeout)
        finally:
            waiters = self._start_waiters
            if waiters is not None and fut in waiters:
                waiters.remove(fut)
        if not fut.done() and not starting.done():
            from mode.utils.tracebacks import format_task_stack  # lazy: rare

            self.log.error(
                "%r is still starting %r s after stop() was called "
                "(shutdown_timeout); the stop goes on beside it.  The start "
                "waits at:\n%s",
                self,
                self.shutdown_timeout,
                format_task_stack(starting),
            )

    def _runs_start(self, frames: Iterable[types.FrameType] | types.FrameType) -> bool:
        """Whether ``frames`` (a stack, or a frame and its callers) hold
        this service's ``_actually_start``."""
        if isinstance(frames, types.FrameType):
            frames = _callers(frames)
        code = _ACTUALLY_START_CODE
        return any(f.f_code is code and f.f_locals.get("self") is self for f in frames)

    def _start_hook_task(
        self, loop: asyncio.AbstractEventLoop
    ) -> asyncio.Task[Any] | None:
        """The task of ``loop`` running this service's start, if any."""
        for task in asyncio.all_tasks(loop):
            if self._runs_start(_awaiting(task.get_coro())):
                return task
        return None

    async def _end_tasks_of_interrupted_stop(self) -> None:
        """End the tasks of this service and of the services below it.

        Runs when a stop is interrupted (cancelled, say), before the
        interruption propagates: the services below whose stop had not
        begun are marked stopping (their stop runs when stop() is called
        again), and every task of the tree on this loop is cancelled and
        awaited, at most :attr:`shutdown_timeout` (a repeated cancellation
        does not cut that wait short).  A stop nested in the parent's stop,
        in the same task, leaves this to the parent's.
        """
        me = _current_task()
        parent = getattr(self.beacon, "parent", None)
        above = getattr(parent, "data", None)
        if me is not None and isinstance(above, Service) and above._stop_task is me:
            return
        loop = asyncio.get_running_loop()
        services = self._tree_on_this_loop()
        for service in services[1:]:
            if not service._stopped.is_set():
                service._stop_resume = 0
                service._stopped_set()
        timeout = self.shutdown_timeout
        deadline = loop.time() + timeout
        pending = _tasks_to_end(services, loop, me)
        while pending:
            for fut in pending:
                fut.cancel()
            while (remaining := deadline - loop.time()) > 0:
                try:
                    await asyncio.wait(pending, timeout=remaining)
                    break
                except asyncio.CancelledError:
                    continue  # cancelled again: finish ending the tasks first
            stuck = [f for f in pending if not f.done()]
            if stuck:
                self._report_stuck(stuck, timeout)
                return
            pending = _tasks_to_end(services, loop, me)  # any added meanwhile

    def _tree_on_this_loop(self) -> list[Service]:
        # This service and those below it whose children stop here (not in
        # a thread of their own, as a ServiceThread's do).
        found: list[Service] = [self]
        seen = {id(self)}
        i = 0
        while i < len(found):
            service = found[i]
            i += 1
            if type(service)._stop_children is not _base_stop_children:
                continue
            for child in service._children:
                if isinstance(child, Service) and id(child) not in seen:
                    seen.add(id(child))
                    found.append(child)
        return found

    def _stop_error(
        self, first: Exception | None, exc: Exception, where: str
    ) -> Exception:
        if first is None:
            return exc
        self.log.error(
            "Error in %s while stopping (after an earlier error): %r",
            where,
            exc,
            exc_info=exc,
        )
        return first

    def _stopped_set(self) -> None:
        self._halt = True
        self._stopped.set()
        self._wake_halt_waiters()

    async def _stop_children(self) -> None:
        # A child's stop error is logged, not raised (as in the original),
        # but recorded: this service's stop then counts as failed too, and
        # so on up the tree (see _stop_failed).
        if self._children:
            for child in reversed(list(self._children)):
                try:
                    await child.stop()
                except Exception as exc:
                    self._stop_failed = True
                    self.log.exception("Error while stopping child %r: %r", child, exc)
                else:
                    if getattr(child, "_stop_failed", False) is True:
                        self._stop_failed = True  # failed below the child

    async def _wait_for_shutdown_flag(self) -> None:
        if self._shutdown.is_set():
            return
        try:
            await asyncio.wait_for(self._shutdown.wait(), self.shutdown_timeout)
        except TimeoutError:
            self.log.error(
                "set_shutdown() was not called within shutdown_timeout=%r s: "
                "stopping anyway (raise shutdown_timeout if it needs longer)",
                self.shutdown_timeout,
            )

    async def _stop_futures(self) -> None:
        futures = self._futures
        if not futures:
            return
        if len(futures) == 1 and self._running_own_task() in futures:
            return  # stop() called by the service's only task
        # One loop iteration first: tasks woken by the stop may end cleanly.
        await _one_iteration()
        pending = self._still_running()
        if not pending:
            return
        loop = asyncio.get_running_loop()
        timeout = self.shutdown_timeout
        deadline = loop.time() + timeout
        # Every pass cancels the tasks not done yet and waits for them (up to
        # the deadline); then looks again, for tasks added meanwhile.
        while pending:
            for fut in pending:
                fut.cancel()
            remaining = deadline - loop.time()
            if remaining > 0:
                _, still = await asyncio.wait(pending, timeout=remaining)
                if not still:
                    pending = self._still_running()
                    continue
            else:
                still = {f for f in pending if not f.done()}
            self._report_stuck(still, timeout)
            return

    def _running_own_task(self) -> asyncio.Task[Any] | None:
        # The running task if it is one of this service's (which stop()
        # must not wait for), else None.  Tasks of the service run with
        # _task_owner set to it: the context variable is a cheap pre-check.
        if _task_owner.get() is self:
            return _current_task()
        return None

    def _still_running(self) -> list[asyncio.Future[Any]]:
        pending = [f for f in self._futures if not f.done()]
        if pending:
            own = self._running_own_task()
            if own is not None:
                pending = [f for f in pending if f is not own]
        return pending

    def _report_stuck(
        self, tasks: Iterable[asyncio.Future[Any]], timeout: float
    ) -> None:
        from mode.utils.tracebacks import format_task_stack  # lazy: rare path

        for fut in tasks:
            name = fut.get_name() if isinstance(fut, asyncio.Task) else repr(fut)
            try:
                where = format_task_stack(fut) if isinstance(fut, asyncio.Task) else ""
            except Exception:  # pragma: no cover - stack unavailable
                where = repr(fut)
            self.log.error(
                "Task %s still runs %r s after it was cancelled "
                "(shutdown_timeout); stop() goes on without it.  It waits at:\n%s",
                name,
                timeout,
                where,
            )
        _note_left_running(tasks)

    async def _stop_exit_stacks(self) -> None:
        stack, astack = self._exit_stack, self._async_exit_stack
        try:
            if stack is not None:
                stack.__exit__(None, None, None)
        finally:
            if astack is not None:
                await astack.__aexit__(None, None, None)

    # The original's names for the default bodies of the three steps above:
    # an override of ``_stop_children`` (say) may run the default with
    # ``await self._default_stop_children()``.
    _default_stop_children = _stop_children
    _default_stop_futures = _stop_futures
    _default_stop_exit_stacks = _stop_exit_stacks

    # The exit stacks exist only once a context is added: most services never
    # add one, and each stack costs a deque (about 0.7 KB) per service.

    @property
    def exit_stack(self) -> ExitStack:
        """The stack of :meth:`add_context`: exited when the service stops."""
        stack = self._exit_stack
        if stack is None:
            stack = self._exit_stack = ExitStack()
        return stack

    @exit_stack.setter
    def exit_stack(self, stack: ExitStack) -> None:
        self._exit_stack = stack

    @property
    def async_exit_stack(self) -> AsyncExitStack:
        """The stack of :meth:`add_async_context`: exited when it stops."""
        stack = self._async_exit_stack
        if stack is None:
            stack = self._async_exit_stack = AsyncExitStack()
        return stack

    @async_exit_stack.setter
    def async_exit_stack(self, stack: AsyncExitStack) -> None:
        self._async_exit_stack = stack

    async def restart(self) -> None:
        """Stop, reset, run ``on_restart`` and start again.

        ``on_first_start`` and ``on_init_dependencies`` do not run again.
        Restarts of a service run one at a time, in the order they were
        called: a restart called while another runs waits for it, then
        restarts the service once more.  Called by a task of the service
        (or of one below it), the restart runs, starting new copies of the
        service's tasks, and the calling task is cancelled when it returns.

        Raises:
            RuntimeError: called from inside a restart of the same service
                (from ``on_restart`` or a hook of the stop or start it runs),
                which would wait for itself.
            Exception: whatever the stop, ``on_restart`` or the start raised.
        """
        me = _current_task()
        ticket = self._restart_calls = self._restart_calls + 1
        queue = self._restart_queue
        if queue is None:
            self._restart_queue = []
        elif me is not None and me is self._restart_task:
            raise RuntimeError(
                f"restart() of {self!r} called from inside its restart (in "
                "on_restart, or a hook of the stop or start it runs): it would "
                "wait for itself.  Let the running restart finish instead."
            )
        else:
            await self._wait_for_restart_turn(queue)
        self._restart_task = me
        try:
            if ticket <= self._restart_cutoff:
                return  # stop() was called while this restart waited
            if me is not None and self._ends_calling_task(me):
                token = _cancel_when_done.set(True)
                try:
                    await self._restart_steps(ticket)
                finally:
                    _cancel_when_done.reset(token)
                    me.cancel()
            else:
                await self._restart_steps(ticket)
        finally:
            self._restart_task = None
            if self._restart_step:
                self._restart_step = 0
            waiters = self._restart_end_waiters
            if waiters is not None:
                self._restart_end_waiters = None
                _resolve_all(waiters)
            self._pass_restart_turn()

    async def _restart_steps(self, ticket: int) -> None:
        # Between the steps: a stop() called meanwhile abandoned this restart
        # (ticket <= _restart_cutoff), which then goes no further.
        # So is a restart of a service whose parent (or an ancestor) is
        # stopping: started again, it would run on under a stopped parent,
        # whose stop is over (or past its children).
        self._restart_step = _RESTART_STOPPING
        await self.stop()
        if ticket <= self._restart_cutoff or self._under_a_stopped_service():
            return  # the service stays stopped (not reset)
        self.service_reset()
        self._restart_step = _RESTART_HOOK
        await self.on_restart()
        if ticket <= self._restart_cutoff:
            return  # the stop marked the service stopped
        if self._under_a_stopped_service():
            self._started.set()  # stopped, as if not reset (its stop ran)
            self._stopped_set()
            return
        self._restart_step = _RESTART_STARTING
        await self.start()

    def _under_a_stopped_service(self) -> bool:
        """Whether a service above this one (in the tree) is stopping or stopped."""
        try:
            nodes = iter(self.beacon.walk())
        except TypeError:  # a mock beacon (tests): no tree
            return False
        for node in nodes:
            data = getattr(node, "data", None)
            if (
                data is not self
                and isinstance(data, Service)
                and data._stopped.is_set()
            ):
                return True
        return False

    async def _overtake_restarts(self) -> None:
        """stop() while a restart runs or waits: the stop wins.

        Every restart called so far is abandoned: one still waiting for its
        turn returns without doing anything; the one running goes no
        further than the step it is at.  In its stop, this stop waits for
        that stop (as any second ``stop()`` does) and the service is left
        stopped, not reset.  In ``on_restart`` (the service was stopped and
        reset, nothing has started since) the service is marked stopped at
        once, and this stop waits for ``on_restart`` to return, at most
        :attr:`shutdown_timeout` (then it logs the restart's stack and
        returns beside it).  In its start, this stop goes on as a stop
        during a start does.  The restart's own stop, and a stop called by a
        hook of its stop, abandon nothing.
        """
        me = _current_task()
        step = self._restart_step
        running = self._restart_task
        if step == _RESTART_STOPPING and me is running:
            return  # the restart's own stop (or a hook of that stop)
        self._restart_cutoff = self._restart_calls
        if step != _RESTART_HOOK:
            return
        # Its stop ran and nothing started since: stopped, as if not reset.
        self._started.set()
        self._stopped_set()
        if me is running or running is None:
            return  # called by on_restart itself: it cannot be waited for
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._restart_end_waiters is None:
            self._restart_end_waiters = []
        self._restart_end_waiters.append(fut)
        try:
            await asyncio.wait([fut], timeout=self.shutdown_timeout)
        finally:
            waiters = self._restart_end_waiters
            if waiters is not None and fut in waiters:
                waiters.remove(fut)
        if not fut.done():
            from mode.utils.tracebacks import format_task_stack  # lazy: rare

            self.log.error(
                "%r still runs on_restart %r s after stop() was called "
                "(shutdown_timeout); the stop returns beside it (the restart "
                "will not start the service).  The restart waits at:\n%s",
                self,
                self.shutdown_timeout,
                format_task_stack(running),
            )

    async def _wait_for_restart_turn(self, queue: list[asyncio.Future[None]]) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(fut)
        try:
            await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                self._pass_restart_turn()  # handed the turn just now: pass it
            elif fut in queue:
                queue.remove(fut)
            raise

    def _pass_restart_turn(self) -> None:
        # The restart running ended: the first restart queued runs next.
        queue = self._restart_queue
        while queue:
            fut = queue.pop(0)
            if not fut.done():
                _resolve_all([fut])
                return
        self._restart_queue = None

    def service_reset(self) -> None:
        """Make the service startable again (and its children).

        Increments :attr:`restart_count`, clears the started, stopped,
        shutdown and crashed flags (new events, so the next start may run
        under another loop) and the crash reason (also the one ``async with``
        kept).
        """
        if self._resetting:
            return
        self._resetting = True
        try:
            self.restart_count += 1
            if self._started.is_set():  # a run ends: mode.status counts it
                _status_extra(self).runs += 1
            self._started = self._new_started_event()
            self._stopped = self._new_stopped_event()
            self.__dict__.pop("_shutdown", None)  # a new one on first use
            self._crashed = self._new_crashed_event()
            self._crash_reason = None
            if self._crash_reason_kept is not None:
                self._crash_reason_kept = None
            self._halt = False
            if self._stop_resume is not None:
                self._stop_resume = None  # the unfinished stop is given up
            if self._stop_failed:
                self._stop_failed = False
            for child in self._children:
                child.service_reset()
        finally:
            self._resetting = False

    def set_shutdown(self) -> None:
        """Set the shutdown flag a ``wait_for_shutdown`` service's stop waits for."""
        self._shutdown.set()

    async def transition_with(
        self, flag: str, fut: Awaitable[T], *args: Any, **kwargs: Any
    ) -> T:
        """Await ``fut`` with the diag ``flag`` set (extra arguments ignored)."""
        self.diag.set_flag(flag)
        try:
            return await fut
        finally:
            self.diag.unset_flag(flag)

    def check_readiness(self) -> str | None:
        """Return why the service is not ready to do its work, or None.

        The readiness hook of :mod:`mode.status`: override it to add a
        check of your own, such as ``"not connected to the broker"``.
        :func:`mode.status.snapshot` calls it for every running service of
        the tree, on the thread taking the snapshot (also for a service in
        a :class:`~mode.threads.ServiceThread`), so it must be sync, cheap
        and safe to call from there: read a flag, do not do I/O.  A reason
        makes the process not ready (``/readyz`` answers 503).  An
        exception it raises is reported as the reason; it is not raised.
        The default returns None: a running service is ready.
        """
        return None

    # -- properties --------------------------------------------------------

    @property
    def started(self) -> bool:
        """True once ``start()`` was called (until :meth:`service_reset`)."""
        return self._started.is_set()

    @property
    def crashed(self) -> bool:
        """True if the service crashed (until :meth:`service_reset`)."""
        return self._crashed.is_set()

    @property
    def should_stop(self) -> bool:
        """True if the service is stopping or stopped, or crashed."""
        try:
            return self._halt
        except AttributeError as exc:
            _raise_if_unbuilt(self, exc)
            raise

    def _stop_unfinished(self) -> bool:
        return self._stop_resume is not None

    def _halted(self) -> bool:
        # should_stop as a method: type checkers narrow properties across
        # awaits, which would make the later checks look unreachable.
        return self._halt

    @property
    def state(self) -> str:
        """``"crashed"``, ``"init"``, ``"running"``, ``"stopping"`` or ``"shutdown"``.

        A stopped service reports "stopping" unless ``set_shutdown()`` was
        called, as in the original.
        """
        try:
            if self._crashed.is_set():
                return "crashed"
            if not self._started.is_set():
                return "init"
            if not self._stopped.is_set():
                return "running"
            if not self._shutdown.is_set():
                return "stopping"
            return "shutdown"
        except AttributeError as exc:
            _raise_if_unbuilt(self, exc)
            raise

    @property
    def label(self) -> str:
        """Label used in graphs: :meth:`_repr_name`."""
        return self._repr_name()

    @property
    def shortlabel(self) -> str:
        """Label used in logs: :attr:`label`."""
        return self.label

    @property
    def beacon(self) -> NodeT[Any]:
        """The node of this service in the service tree."""
        return self._beacon

    @beacon.setter
    def beacon(self, beacon: NodeT[Any]) -> None:
        self._beacon = beacon

    @property
    def crash_reason(self) -> BaseException | None:
        """The exception that crashed the service, or None.

        The first crash of a run is kept until ``service_reset()``.  After
        ``async with service:`` (which resets the service) it is still the
        crash of that run, until the next start or ``service_reset()``.
        """
        try:
            reason = self._crash_reason
            if reason is None and not self._started.is_set():
                return self._crash_reason_kept
            return reason
        except AttributeError as exc:
            _raise_if_unbuilt(self, exc)
            raise

    @crash_reason.setter
    def crash_reason(self, reason: BaseException | None) -> None:
        self._crash_reason = reason
        if self._crash_reason_kept is not None:
            self._crash_reason_kept = None

    def _keep_crash_reason(self, reason: BaseException) -> None:
        self._crash_reason_kept = reason


#: The tasks that stops went on without (see tasks_left_running): weak, so
#: the list holds nothing alive.  A ServiceThread's stop reports from its
#: own thread, hence the lock.
_left_running: weakref.WeakSet[asyncio.Future[Any]] = weakref.WeakSet()
_left_lock = threading.Lock()


def _note_left_running(tasks: Iterable[asyncio.Future[Any]]) -> None:
    with _left_lock:
        for fut in tasks:
            if not fut.done():
                _left_running.add(fut)


def tasks_left_running() -> list[asyncio.Future[Any]]:
    """Return the tasks that a stop went on without, and that still run.

    A service's stop cancels its tasks and waits for them at most
    :attr:`Service.shutdown_timeout`; a task still running then (it
    ignores its cancellation, or its clean-up takes longer) is logged at
    error level with its stack, and the stop goes on without it.  Such a
    task is listed here until it ends, or its event loop closes.  The
    Worker reads this list when it exits: a stop that left tasks behind is
    not clean (exit code 75, ``EX_SHUTDOWN_TIMEOUT``).  Thread-safe;
    never raises.
    """
    with _left_lock:
        found = list(_left_running)
    return [fut for fut in found if not fut.done() and not fut.get_loop().is_closed()]


def _label(service: Any) -> str:
    return str(getattr(service, "label", None) or type(service).__name__)


#: Module-level alias of :meth:`Service.task`.
task = Service.task
#: Module-level alias of :meth:`Service.timer`.
timer = Service.timer
#: Module-level alias of :meth:`Service.crontab`.
crontab = Service.crontab


_base_stop_children = Service._stop_children
_base_stop_futures = Service._stop_futures
_base_stop_exit_stacks = Service._stop_exit_stacks

#: The steps of a restart (Service._restart_step): its stop, on_restart,
#: its start.
_RESTART_STOPPING, _RESTART_HOOK, _RESTART_STARTING = 1, 2, 3

#: The step an interrupted stop resumes at, by the step it was at: the hooks
#: (1: on_stop, 6: on_shutdown) are not run again; the other steps are.
_STOP_RESUME = (0, 2, 2, 3, 4, 5, 7, 7)


_ACTUALLY_START_CODE = Service._actually_start.__code__


def _callers(frame: types.FrameType | None) -> Iterator[types.FrameType]:
    while frame is not None:
        yield frame
        frame = frame.f_back


def _awaiting(coro: object) -> Iterator[types.FrameType]:
    # The frames of a suspended coroutine and of those it awaits, outermost
    # first (Task.get_stack() gives the outermost only).
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            return
        yield frame
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)


def _tasks_to_end(
    services: Iterable[Service],
    loop: asyncio.AbstractEventLoop,
    me: asyncio.Task[Any] | None,
) -> list[asyncio.Future[Any]]:
    return [
        fut
        for service in services
        for fut in service._futures
        if not fut.done() and fut is not me and fut.get_loop() is loop
    ]


class _AwaitableService(Service):
    """The service made by :meth:`Service.from_awaitable`."""

    mundane_level = "debug"

    def __init__(self, coro: Awaitable[Any], *, name: str | None = None) -> None:
        self.coro = coro
        self.name = name
        self._fut: asyncio.Future[Any] | None = None
        super().__init__()

    async def on_start(self) -> None:
        coro = self.coro
        loop = self.loop
        if inspect.iscoroutine(coro):
            self._fut = fut = loop.create_task(coro)
        else:
            self._fut = fut = asyncio.ensure_future(coro, loop=loop)
        try:
            await fut
        except asyncio.CancelledError:
            if not self.should_stop:
                raise

    async def _wait_for_start_hooks(self) -> None:
        # The start waits for the awaitable, which on_stop cancels and
        # awaits (bounded, reporting it if it is stuck): the stop goes on.
        return

    async def on_stop(self) -> None:
        fut, self._fut = self._fut, None
        if fut is None:
            # on_start never ran: close the coroutine so it does not warn
            # "never awaited" (a no-op if an earlier run consumed it).
            _close_coroutines([self.coro])
            return
        if not fut.done():
            fut.cancel()
            await asyncio.wait([fut], timeout=self.shutdown_timeout)
            if not fut.done():
                self._report_stuck([fut], self.shutdown_timeout)
        elif not fut.cancelled():
            fut.result()

    def _repr_name(self) -> str:
        return self.name or str(self.coro)
