"""Services that run in a thread of their own, with their own event loop.

A :class:`ServiceThread` is a service for work that blocks: it runs in one
dedicated thread (never a pool thread) with an event loop of its own, so a
blocking client can live there without stalling the main loop.
:class:`QueueServiceThread` (also named :class:`QueuedServiceThread`) adds
:meth:`~QueueServiceThread.call_thread`: run a function in that thread and get
its result back in the caller's loop::

    class Redis(QueuedServiceThread):
        _client: StrictRedis | None = None

        async def on_start(self) -> None:  # runs in the service's thread
            self._client = StrictRedis()

        async def get(self, key: str) -> bytes | None:
            return await self.call_thread(self._client.get, key)

    async with Redis() as redis:  # in the main loop
        value = await redis.get("foo")

Two loops, one service
    The service runs in two places.  The *parent loop* is the loop that
    awaits ``start()`` (or the ``loop=`` given); ``start()``, ``stop()``,
    ``on_stop`` and ``on_shutdown`` run there.  The *thread loop* is made
    by ``loop_factory`` (default :func:`asyncio.new_event_loop`, in debug
    mode if the parent loop is) in the thread when it starts, or earlier if
    :attr:`~ServiceThread.thread_loop` is read before the start (as in the
    original, where it existed from ``__init__``: what is scheduled on it
    then runs once the thread runs it), and closed when the thread ends;
    ``on_first_start``, ``on_start``, ``on_started``, ``on_thread_started``,
    ``on_thread_stop``, the ``@Service.task``/``@Service.timer`` tasks and
    the children run there.  The service's flags (started, stopped, crashed,
    shutdown) can be read, set and awaited from both loops; everything else
    that belongs to a loop is only touched from its own thread (work for the
    other side is handed over with ``call_soon_threadsafe``).

Start
    ``start()`` starts the thread and returns when the service has started
    in it (``on_thread_started`` included).  If the start fails in the
    thread, the thread shuts down (``on_thread_stop``, children, tasks and
    contexts) and ends, and ``start()`` raises the start-up error with its
    traceback.  Nothing is left running.  A crash of the service while
    ``start()`` waits (a task failing at once, say) is raised by
    ``start()`` the same way, as in the original.  With
    ``wait_for_thread = False`` ``start()`` returns at once and a start-up
    error crashes the service.  If the caller of ``start()`` is cancelled
    (``asyncio.timeout``, the Worker's SIGTERM), or ``stop()`` is called,
    while the thread still starts, the start is cancelled in the thread:
    the hook running there (``on_start``, say) gets a CancelledError, and
    the thread stops its side and ends.  ``start()`` then raises the
    CancelledError, or returns if it was ``stop()`` (as ``Service.start()``
    does when the service is stopped while it starts).

Stop
    ``stop()`` runs ``on_stop`` in the parent, wakes the thread, waits (at
    most ``shutdown_timeout``) for it to stop its side (method queue,
    ``on_thread_stop``, children, tasks, contexts), runs ``on_shutdown``, then
    waits at most ``thread_join_timeout`` for the thread to end.  An error
    raised on the thread's side of the stop is re-raised by ``stop()`` once
    everything is stopped, like an error in ``on_stop``.  The thread's side
    is the original's overridable hook ``_shutdown_thread(self)``; an
    override that does not call ``super()`` (or is a plain function, like
    faust's) still gets the children, tasks and contexts stopped after it.
    ``stop()`` on a service never started returns at once.  A thread that
    does not end in time is logged at error level with its current stack
    and left behind: :attr:`~ServiceThread.thread_left_running` is then
    true, and :func:`threads_left_running` lists it until it ends (so a
    program can exit non-zero, or wait with
    :func:`join_threads_left_running`).  *Decision*: worker threads are
    daemon threads (the original used non-daemon threads, so one stuck
    thread kept the process from exiting).  Pass ``Worker=`` a
    :class:`WorkerThread` subclass made with ``daemon=False`` to change
    that.

One deadline for the threads of a tree
    When one ``stop()`` stops several ServiceThreads (the children of a
    service, the Worker's tree), the waits for their threads share one
    deadline: the first of them that waits sets it to its own
    ``shutdown_timeout + thread_join_timeout`` from then; the others wait
    at most until then (their own timeouts still apply).  Twenty stuck
    threads cost what one costs, not twenty times it.  A thread whose stop
    begins after that deadline is asked to stop but not waited for; it is
    left behind as above, and ends on its own if it is not stuck.  A
    cancelled ``stop()`` does not wait for the thread either.

Crashes
    An exception in a task running in the thread crashes the service as
    usual, and the crash continues in the parent loop: the supervisor of
    the ``ServiceThread`` is woken there, or the tree above it is marked
    crashed.  Crashing the ``ServiceThread`` from the parent marks its
    children crashed in the thread.  A crashed service's thread shuts its
    side down and ends; ``stop()`` (or the supervisor's restart) finishes.

Keepalive
    While the thread runs, the parent pings the thread loop every
    ``keepalive_interval`` seconds; if the thread loop has not answered for
    ``keepalive_threshold`` seconds (blocked by a call that does not
    return), an error is logged with the stack of the thread, once, and a
    warning when it answers again.

Calls
    ``call_thread(fun, *args, **kwargs)`` runs ``fun`` (a function or a
    coroutine function) in the thread and returns its result, or raises its
    exception with its original traceback.  ``num_workers`` (default 2)
    calls run at the same time; a call made from the service's own thread
    runs at once in place, so calls made from within calls never deadlock
    (*decision*: the original queued them, and deadlocked past two levels).
    Cancelling the caller cancels the call: a queued call is skipped and a
    running coroutine is cancelled (a plain function cannot be interrupted).
    Calls still queued when the service stops are run before the thread
    stops; a coroutine call still running then is cancelled and its caller
    gets a RuntimeError (not a CancelledError, which it would take for its
    own cancellation); calls made when the service is not running raise
    RuntimeError.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
import traceback
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from time import monotonic, perf_counter
from typing import (
    Any,
    ClassVar,
    Literal,
    NamedTuple,
    ParamSpec,
    TypeAlias,
    TypeVar,
    cast,
    overload,
)

from mode.utils.futures import maybe_async
from mode.utils.locks import Event
from mode.utils.times import Seconds, want_seconds
from mode.utils.types.trees import NodeT

from .services import (
    _NONE_YET,
    Service,
    _current_task,
    _record_crash,
    _resolve_all,
    _set_result_unless_done,
)
from .types.services import ServiceT
from .types.supervisors import SupervisorStrategyT

__all__ = [
    "MethodQueue",
    "MethodQueueWorker",
    "QueueServiceThread",
    "QueuedMethod",
    "QueuedServiceThread",
    "ServiceThread",
    "WorkerThread",
    "join_threads_left_running",
    "threads_left_running",
]

T = TypeVar("T")
P = ParamSpec("P")
_ST = TypeVar("_ST", bound=ServiceT)

_get_running_loop = asyncio.events._get_running_loop


def _call_in(
    loop: asyncio.AbstractEventLoop, fun: Callable[..., Any], *args: Any
) -> bool:
    """Schedule ``fun(*args)`` on ``loop`` from any thread.

    ``call_soon`` from the loop's own thread, ``call_soon_threadsafe`` from
    another.  Returns False (nothing scheduled) if the loop is closed.
    """
    if _get_running_loop() is loop:
        loop.call_soon(fun, *args)
        return True
    try:
        loop.call_soon_threadsafe(fun, *args)
    except RuntimeError:
        return False
    return True


def _settle_now(
    promise: asyncio.Future[Any],
    result: Any,
    exc: BaseException | None,
    cancelled: bool,
) -> None:
    if promise.done():
        return
    if cancelled:
        promise.cancel()
    elif exc is not None:
        promise.set_exception(exc)
    else:
        promise.set_result(result)


def _settle(
    promise: asyncio.Future[Any],
    *,
    result: Any = None,
    exc: BaseException | None = None,
    cancelled: bool = False,
) -> None:
    """Resolve ``promise`` from any thread, on its own loop.

    Does nothing if it is done already, or if its loop is closed (then
    nobody can be waiting for it).
    """
    loop = promise.get_loop()
    if _get_running_loop() is loop:
        _settle_now(promise, result, exc, cancelled)
    else:
        try:
            loop.call_soon_threadsafe(_settle_now, promise, result, exc, cancelled)
        except RuntimeError:
            pass


def _settle_from_task(promise: asyncio.Future[Any], task: asyncio.Future[Any]) -> None:
    if task.cancelled():
        _settle(promise, cancelled=True)
    elif (exc := task.exception()) is not None:
        _settle(promise, exc=exc)
    else:
        _settle(promise, result=task.result())


def _format_thread_stack(thread: threading.Thread | None) -> str:
    """Return the current stack of ``thread`` as text (for logs)."""
    ident = None if thread is None else thread.ident
    frame = None if ident is None else sys._current_frames().get(ident)
    if frame is None:
        return "  <the thread is not running>\n"
    return "".join(traceback.format_stack(frame))


# -- threads left running ----------------------------------------------------

#: The threads a ServiceThread's stop() returned without (an ordered set);
#: a thread removes itself when it ends.  Guarded by _left_lock.
_left_running: dict[WorkerThread, None] = {}
_left_lock = threading.Lock()


def _leave_running(thread: WorkerThread) -> None:
    with _left_lock:
        if thread.is_alive():
            _left_running[thread] = None


def _forget_left(thread: WorkerThread) -> None:
    with _left_lock:
        _left_running.pop(thread, None)


def threads_left_running() -> list[WorkerThread]:
    """Return the threads of ServiceThreads that a ``stop()`` left running.

    ``ServiceThread.stop()`` is bounded: once its deadline has passed it
    returns even if the thread has not ended (stuck in a call that does not
    return, or ignoring its stop), logs the thread's stack, and records the
    thread here.  A thread leaves the list when it ends.  A program (the
    Worker) reads it at exit: a non-daemon thread in it keeps the process
    from exiting, and any of them means the stop was not clean.

    Thread-safe; never blocks.

    Returns:
        The :class:`WorkerThread` objects still alive, daemon or not
        (``thread.daemon`` tells), in the order they were left behind.
    """
    with _left_lock:
        for thread in [t for t in _left_running if not t.is_alive()]:
            del _left_running[thread]
        return list(_left_running)


def join_threads_left_running(timeout: float) -> list[WorkerThread]:
    """Wait until the threads left running have ended, ``timeout`` in all.

    One deadline for all of them, not ``timeout`` seconds each: twenty stuck
    threads cost ``timeout``, not twenty times it.  Blocks the calling
    thread: call it where no event loop runs (after the loop closed, at
    exit), or through ``asyncio.to_thread``.

    Arguments:
        timeout: Seconds to wait at most (0: only look).

    Returns:
        The threads still alive after the wait (:func:`threads_left_running`).

    Raises:
        TypeError, ValueError: ``timeout`` is not a number of seconds from
            0 to ``threading.TIMEOUT_MAX``.
    """
    deadline = monotonic() + _join_timeout("timeout", timeout)
    for thread in threads_left_running():
        thread.join(max(0.0, deadline - monotonic()))
    return threads_left_running()


class _CrossThreadEvent(Event):
    """An :class:`~mode.utils.locks.Event` shared by two threads' loops.

    The flag is set at once for every thread; coroutines may wait for it in
    any loop, and each waiter is woken on its own loop.  Used for the flags
    of a :class:`ServiceThread`, which both its loops read and wait for.
    """

    __slots__ = ("_lock",)
    _waiters: deque[asyncio.Future[bool]]

    def __init__(self) -> None:
        super().__init__()
        self._waiters = deque()
        self._lock = threading.Lock()

    def set(self) -> None:
        """Set the flag and wake every waiter, whichever loop it waits in."""
        with self._lock:
            if self._value:
                return
            self._value = True
            waiters = list(self._waiters)
        _resolve_all(waiters, True)

    def set_threadsafe(self) -> None:
        """Same as :meth:`set`, which is thread-safe here."""
        self.set()

    def clear(self) -> None:
        """Reset the flag."""
        with self._lock:
            self._value = False

    async def wait(self) -> Literal[True]:
        """Wait, in any loop, until the flag is set; return True."""
        if self._value:
            return True
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        with self._lock:
            if self.is_set():  # set by another thread meanwhile
                return True
            self._waiters.append(fut)
        try:
            await fut
            return True
        finally:
            with self._lock:
                self._waiters.remove(fut)


class _CrossThreadHaltFlag(_CrossThreadEvent):
    """A ServiceThread's ``_stopped`` or ``_crashed`` flag.

    As for a :class:`~mode.Service` (see ``mode.services._HaltFlag``), code
    written for the original sets these by hand (faust's tests end a
    service with ``service._stopped.set()``): setting one from outside
    makes ``should_stop`` true in both loops, wakes the sleeps and waits of
    both, and has the thread stop its side, as the original's thread did
    when its ``_stopped`` flag was set.  The service's own stop and crash
    set ``should_stop`` first and hand the stop to the thread themselves, in
    their order.
    """

    __slots__ = ("_service",)

    def __init__(self, service: ServiceThread) -> None:
        super().__init__()
        self._service = service

    def set(self) -> None:
        """Set the flag; set from outside, halt the service (see class)."""
        super().set()
        service = self._service
        if not service._halt and self._drives(service):
            service._halt = True
            service._wake_halt_waiters()
            service._request_thread_stop()

    def clear(self) -> None:
        """Clear the flag; the service halts on only if the other flag is set."""
        super().clear()
        service = self._service
        if service._halt and self._drives(service):
            service._halt = service._stopped.is_set() or service._crashed.is_set()

    def _drives(self, service: ServiceThread) -> bool:
        return service._stopped is self or service._crashed is self


class _ThreadPort:
    """Hands callbacks to a loop from any thread, while that loop is open.

    :meth:`call_soon` schedules on the loop and returns True, or returns
    False once :meth:`close` was called.  The owner of the loop closes the
    port, then runs the loop once more: every callback accepted before the
    close runs, and none is lost in a loop that closes.
    """

    __slots__ = ("_lock", "_loop")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def is_open(self) -> bool:
        return self._loop is not None

    def open(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._lock:
            self._loop = loop

    def close(self) -> None:
        with self._lock:
            self._loop = None

    def call_soon(self, fun: Callable[..., Any], *args: Any) -> bool:
        with self._lock:
            loop = self._loop
            return loop is not None and _call_in(loop, fun, *args)


class QueuedMethod(NamedTuple):
    """A call waiting in a :class:`MethodQueue`.

    ``promise`` receives the outcome (None for a fire-and-forget
    :meth:`MethodQueue.cast`); ``method(*args, **kwargs)`` is the call.
    """

    promise: asyncio.Future[Any] | None
    method: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class WorkerThread(threading.Thread):
    """The thread a :class:`ServiceThread` runs in.

    ``run()`` calls ``service._start_thread()``, which creates the thread's
    loop, runs the service in it and closes it; ``is_stopped`` is set when
    that returns.  Keyword arguments go to :class:`threading.Thread`; the
    thread is a daemon unless ``daemon=False`` is given (see the module
    documentation), and is named after the service.

    Raises:
        TypeError: ``daemon`` is not True or False (``threading.Thread``
            would take any value, and ``"no"`` would make a daemon).
    """

    def __init__(self, service: ServiceThread, **kwargs: Any) -> None:
        daemon = kwargs.setdefault("daemon", True)
        if not isinstance(daemon, bool):
            raise TypeError(
                f"WorkerThread daemon= must be True or False, not {daemon!r}"
            )
        kwargs.setdefault("name", f"{type(service).__name__}-thread")
        super().__init__(**kwargs)
        self.service = service
        #: Set when the service's thread body has returned.
        self.is_stopped = threading.Event()

    def run(self) -> None:
        """Run the service in this thread (called by ``start()``)."""
        try:
            self.service._start_thread()
        finally:
            self._set_stopped()

    def _set_stopped(self) -> None:
        # Tolerates an interpreter shutting down under a daemon thread,
        # where the modules it needs may already be torn down.
        try:
            self.is_stopped.set()
            _forget_left(self)
        except TypeError:  # pragma: no cover - interpreter shutdown only
            pass

    def stop(self, timeout: float | None = None) -> bool:
        """Block until the thread has ended, at most ``timeout`` seconds.

        Returns True if it has ended (or was never started).  This blocks
        the calling thread: from a coroutine, use ``ServiceThread.stop()``.
        """
        if self.ident is None:
            return True
        if not self.is_stopped.wait(timeout):
            return False
        self.join(timeout)
        return not self.is_alive()


class _SharedDeadline(NamedTuple):
    """The deadline of the waits for threads in one stop of a tree.

    Set by the first ServiceThread of that stop that waits for its thread
    (``owner``), for the service whose ``stop()`` is the outermost one
    running (see ``ServiceThread._outermost_stop``).  ``task`` and ``flag``
    (that service's stopped flag) tell this stop from a later one.
    """

    deadline: float  # time.monotonic()
    owner: ServiceThread
    task: asyncio.Task[Any]
    flag: Event


#: The deadline shared in the stop of each tree being stopped, by the
#: service whose stop() is the outermost (an entry of an earlier stop is
#: replaced).  Only touched from the loops that stop services.
_shared_deadlines: weakref.WeakKeyDictionary[Service, _SharedDeadline] = (
    weakref.WeakKeyDictionary()
)
_shared_lock = threading.Lock()


class _ThreadSideSupervisor:
    """What a ServiceThread's ``supervisor`` is, seen from its own thread.

    The core crash walk stops at the first service that has a supervisor.
    Seen from the thread, the ServiceThread always has this one, so a crash
    in the thread never touches services of the parent loop from the wrong
    thread: the ServiceThread forwards the crash to its parent loop itself
    (in ``_crash``), where the real supervisor, if any, is woken.
    """

    def wakeup(self) -> None:
        """Do nothing: the crash was already handed to the parent loop."""


class _StopOutcome:
    """How far the thread's side of a stop got, and its first error."""

    __slots__ = ("error", "hook_ran")

    def __init__(self) -> None:
        #: True once the base ``ServiceThread._shutdown_thread`` has begun.
        self.hook_ran = False
        #: The first error of the thread's side of the stop.
        self.error: BaseException | None = None


class _RunHandles(_StopOutcome):
    """What one run of the thread reports to, and how far its stop got.

    One per ``start()``, so that a thread that ends late never touches the
    futures of a later run.
    """

    __slots__ = (
        "cancel_start",
        "done",
        "shutdown",
        "start_cancel_sent",
        "start_over",
        "start_task",
        "start_waiter",
        "stop_request",
    )

    def __init__(
        self,
        done: asyncio.Future[None],
        start_waiter: asyncio.Future[None] | None,
        shutdown: Event,
    ) -> None:
        self.done = done
        self.start_waiter = start_waiter
        self.shutdown = shutdown
        #: Set (from either thread) when the thread must stop its side: by
        #: the parent's stop() once on_stop has run, or by a crash.
        self.stop_request = _CrossThreadEvent()
        #: Set by the parent when the start in the thread is not wanted any
        #: more (stop() during the start, or the caller of start() was
        #: cancelled); read by the thread when its start begins.
        self.cancel_start = False
        #: In the thread, while the start runs: the task running it.
        self.start_task: asyncio.Task[Any] | None = None
        #: In the thread: True once start_task was cancelled for the parent.
        self.start_cancel_sent = False
        #: Set by the thread when its start is over (done, failed or
        #: cancelled): there is nothing to cancel any more.
        self.start_over = False
        super().__init__()


def _close_unused_loop(loop: asyncio.AbstractEventLoop) -> None:
    # A thread loop made before the start and never run (the service was
    # stopped, or collected, first): closed, or it warns when collected.
    if not loop.is_closed() and not loop.is_running():
        loop.close()


def _check_loop_like(owner: str, name: str, loop: object) -> None:
    # The original took anything here; test doubles (a Mock) are still
    # taken, obviously wrong values are refused with a clear message.
    if loop is not None and not callable(getattr(loop, "call_soon_threadsafe", None)):
        raise TypeError(
            f"{owner} {name}= must be an event loop or None, not {type(loop).__name__}"
        )


class ServiceThread(Service):
    """A service running in a thread of its own, with its own event loop.

    See the module documentation for which hooks run where, and how start,
    stop, crashes and the keepalive behave.

    Arguments:
        loop: The parent loop, if ``start()`` must only be awaited there
            (default: whichever loop awaits ``start()``).  Only a loop
            running in another thread is refused by ``start()``: a loop
            that does not run (made before ``asyncio.run()``, or a test
            double) is ignored, as the parent is always the loop that
            awaits ``start()``.
        thread_loop: A loop to run in the thread instead of creating one.
            It is not closed when the thread ends (its creator owns it).
        loop_factory: Makes the thread's loop (default
            :func:`asyncio.new_event_loop`; e.g. ``uvloop.new_event_loop``),
            in the thread when it starts, or in the thread that first
            reads :attr:`thread_loop` before that.
        Worker: The :class:`WorkerThread` class to use.
        thread_join_timeout: Seconds ``stop()`` waits for the thread to end
            once the service has stopped (default 10; at most
            ``threading.TIMEOUT_MAX``).
        keepalive_interval: Seconds between keepalive pings of the thread
            loop (default 1.0; 0 disables the keepalive).
        keepalive_threshold: Seconds without an answer after which the
            thread loop is reported as blocked (default 3.0; must be more
            than the interval).
        executor: Not supported (kept for compatibility): raises.
        beacon: As for :class:`~mode.Service`.

    Raises:
        NotImplementedError: ``executor`` was given.
        TypeError: ``loop`` or ``thread_loop`` is not an event loop,
            ``Worker`` not a :class:`WorkerThread` subclass, ``loop_factory``
            not callable.
        TypeError, ValueError: a timeout or interval is not a valid number
            of seconds (``thread_join_timeout``: also infinite, NaN or more
            than ``threading.TIMEOUT_MAX``, which ``Thread.join`` refuses).
    """

    abstract: ClassVar[bool] = True

    #: The thread class.
    Worker: type[WorkerThread] = WorkerThread

    #: The thread of the current (or last) run; None before the first.
    _thread: WorkerThread | None = None

    #: While ``start()`` waits for the thread: the future (of the parent
    #: loop) that gets the outcome of the start.  A crash meanwhile fails
    #: it, so ``start()`` raises the crash reason.  None otherwise.
    _thread_running: asyncio.Future[None] | None = None

    #: ``stop()`` waits (``shutdown_timeout``) for the thread's side to stop.
    wait_for_shutdown: bool = True

    #: If False, ``start()`` returns without waiting for the thread to start.
    wait_for_thread: bool = True

    #: Seconds ``stop()`` waits for the thread to end after the service
    #: stopped, before it logs the thread's stack and leaves it behind.
    thread_join_timeout: float = 10.0

    #: Seconds between two keepalive pings (0: no keepalive).
    keepalive_interval: float = 1.0

    #: Seconds without an answer before the thread loop is reported blocked.
    keepalive_threshold: float = 3.0

    #: ``monotonic()`` time the thread loop last answered a keepalive ping.
    last_wakeup_at: float = 0.0

    def __init__(
        self,
        *,
        executor: Any = None,
        loop: asyncio.AbstractEventLoop | None = None,
        thread_loop: asyncio.AbstractEventLoop | None = None,
        Worker: type[WorkerThread] | None = None,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None,
        thread_join_timeout: Seconds | None = None,
        keepalive_interval: Seconds | None = None,
        keepalive_threshold: Seconds | None = None,
        **kwargs: Any,
    ) -> None:
        if executor is not None:
            raise NotImplementedError(
                "ServiceThread(executor=...) is no longer supported: every "
                "ServiceThread runs in a thread of its own"
            )
        if Worker is not None and not (
            isinstance(Worker, type) and issubclass(Worker, WorkerThread)
        ):
            raise TypeError(
                f"ServiceThread Worker= must be a subclass of "
                f"mode.threads.WorkerThread, not {Worker!r}"
            )
        if loop_factory is not None and not callable(loop_factory):
            raise TypeError(
                f"ServiceThread loop_factory= must be a callable returning a new "
                f"event loop (like mode.loop.factory('uvloop')), not "
                f"{type(loop_factory).__name__}"
            )
        _check_loop_like("ServiceThread", "loop", loop)
        _check_loop_like("ServiceThread", "thread_loop", thread_loop)
        self._parent_loop_arg = loop
        self._thread_loop_arg = thread_loop
        self._loop_factory = loop_factory
        if Worker is not None:
            self.Worker = Worker
        self.thread_join_timeout = _join_timeout(
            "thread_join_timeout",
            self.thread_join_timeout
            if thread_join_timeout is None
            else thread_join_timeout,
        )
        if keepalive_interval is not None:
            self.keepalive_interval = _non_negative(
                "keepalive_interval", keepalive_interval
            )
        if keepalive_threshold is not None:
            self.keepalive_threshold = _non_negative(
                "keepalive_threshold", keepalive_threshold
            )
        if self.keepalive_interval and not (
            self.keepalive_threshold > self.keepalive_interval
        ):
            raise ValueError(
                f"keepalive_threshold ({self.keepalive_threshold!r} s) must be "
                f"more than keepalive_interval ({self.keepalive_interval!r} s)"
            )
        self._halt_lock = threading.Lock()
        self._supervisor: SupervisorStrategyT | None = None
        self._thread_side_supervisor = cast(
            SupervisorStrategyT, _ThreadSideSupervisor()
        )
        self._thread = None
        self._thread_ident: int | None = None
        # The loop the thread runs, ran last or will run (see thread_loop),
        # when made here; with the lock, the thread and a reader of
        # thread_loop agree on one loop.  The closer is set while the loop
        # was made before the start and no thread has taken it yet.
        self._loop_lock = threading.Lock()
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self._unused_loop_closer: weakref.finalize[Any, Any] | None = None
        self._thread_accepting = False
        self._thread_debug: tuple[bool, float | None] = (False, None)
        self._port = _ThreadPort()
        self._parent_loop: asyncio.AbstractEventLoop | None = None
        self._thread_done: asyncio.Future[None] | None = None
        self._run: _RunHandles | None = None
        self._thread_running = None
        self._thread_stop_error: BaseException | None = None
        self._keepalive_task: asyncio.Task[None] | None = None
        self._keepalive_reported = False
        self._ping_pending = False
        self._parent_tasks: set[asyncio.Task[Any]] = set()
        self._left_thread: WorkerThread | None = None
        super().__init__(**kwargs)
        if thread_loop is not None:
            self._loop = thread_loop

    # -- events shared by the two loops ----------------------------------

    def _new_started_event(self) -> Event:
        return _CrossThreadEvent()

    def _new_stopped_event(self) -> Event:
        return _CrossThreadHaltFlag(self)

    def _new_shutdown_event(self) -> Event:
        return _CrossThreadEvent()

    def _new_crashed_event(self) -> Event:
        return _CrossThreadHaltFlag(self)

    # The core keeps a set of futures woken when the service stops or
    # crashes; here both loops add to it, so it is guarded by a lock, and
    # a waiter added after the flag was set is woken at once.

    def _new_halt_waiter(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = loop.create_future()
        with self._halt_lock:
            if not self._halted():
                if self._halt_waiters is _NONE_YET:
                    self._halt_waiters = set()
                self._halt_waiters.add(fut)
                return fut
        fut.set_result(None)
        return fut

    def _drop_halt_waiter(self, fut: asyncio.Future[None]) -> None:
        with self._halt_lock:
            if fut in self._halt_waiters:
                self._halt_waiters.discard(fut)
        fut.cancel()

    def _wake_halt_waiters(self) -> None:
        with self._halt_lock:
            waiters = self._halt_waiters
            if not waiters:
                return
            self._halt_waiters = _NONE_YET
        _resolve_all(waiters)

    # -- where are we ------------------------------------------------------

    def _in_service_thread(self) -> bool:
        return threading.get_ident() == self._thread_ident

    @property
    def parent_loop(self) -> asyncio.AbstractEventLoop:
        """The loop that started the service (or the ``loop=`` given).

        Raises:
            RuntimeError: the service was never started and no loop given.
        """
        loop = self._parent_loop or self._parent_loop_arg
        if loop is None:
            raise RuntimeError(
                f"{self!r} has no parent loop yet: it is the loop that awaits "
                "start() (or pass loop=...)"
            )
        return loop

    @parent_loop.setter
    def parent_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        # Same as loop= (the original's attribute could be assigned).
        _check_loop_like("ServiceThread", "loop", loop)
        self._parent_loop_arg = loop

    @property
    def thread_loop(self) -> asyncio.AbstractEventLoop:
        """The event loop of the service's thread.

        The ``thread_loop=`` given (or assigned), else the loop the thread
        runs; before the start, the loop the next run will use, made on
        first read (by ``loop_factory``, in the reading thread): callbacks
        and coroutines scheduled on it run once the thread runs it.  After
        the stop, the closed loop of the last run, until the service is
        reset or started again.  A loop made here and never run is closed
        by ``stop()``, or when the service is garbage collected.
        """
        given = self._thread_loop_arg
        if given is not None:
            return given
        loop = self._thread_loop
        if loop is not None:  # read on every message by some callers
            return loop
        with self._loop_lock:
            loop = self._thread_loop
            if loop is None:
                loop = self._thread_loop = self._new_thread_loop()
                self._unused_loop_closer = weakref.finalize(
                    self, _close_unused_loop, loop
                )
            return loop

    @thread_loop.setter
    def thread_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        # Same as thread_loop= (the original's attribute could be assigned;
        # faust's tests assign a Mock).  None goes back to a loop of our own.
        _check_loop_like("ServiceThread", "thread_loop", loop)
        self._thread_loop_arg = loop
        if loop is not None:
            self._close_unused_thread_loop()

    def _close_unused_thread_loop(self) -> None:
        # Close the loop made before the start if no thread has taken it.
        with self._loop_lock:
            closer, self._unused_loop_closer = self._unused_loop_closer, None
            if closer is not None:
                self._thread_loop = None
        if closer is not None:
            closer()

    def _forget_closed_thread_loop(self) -> None:
        # A new run gets a new loop: the closed one of the last run goes
        # (or one made before the start that its reader closed).
        closer = None
        with self._loop_lock:
            loop = self._thread_loop
            if loop is not None and loop.is_closed():
                self._thread_loop = None
                closer, self._unused_loop_closer = self._unused_loop_closer, None
        if closer is not None:
            closer.detach()

    def _take_thread_loop(self) -> asyncio.AbstractEventLoop:
        # In the thread: the loop made before the start, or a new one.
        with self._loop_lock:
            loop = self._thread_loop
            if loop is None or loop.is_closed():
                loop = self._thread_loop = self._new_thread_loop()
            closer, self._unused_loop_closer = self._unused_loop_closer, None
        if closer is not None:
            closer.detach()  # the thread closes it now
        return loop

    @property
    def _thread_started(self) -> Event:
        """The original's name for the started flag (set by ``start()``)."""
        return self._started

    @_thread_started.setter
    def _thread_started(self, flag: Event) -> None:
        self._started = flag

    @property
    def supervisor(self) -> SupervisorStrategyT | None:
        """The supervisor restarting this service (set by the supervisor).

        Seen from the service's own thread it is a stand-in that keeps the
        crash walk in the thread (see the module documentation).
        """
        if self._in_service_thread():
            return self._thread_side_supervisor
        return self._supervisor

    @supervisor.setter
    def supervisor(self, supervisor: SupervisorStrategyT | None) -> None:
        self._supervisor = supervisor

    def _post_to_parent(self, fun: Callable[..., Any], *args: Any) -> bool:
        loop = self._parent_loop
        return loop is not None and _call_in(loop, fun, *args)

    def _spawn_in_parent(self, coro: Coroutine[Any, Any, Any]) -> None:
        # Called on the parent loop: run coro as a tracked task.
        task = asyncio.get_running_loop().create_task(coro)
        self._parent_tasks.add(task)
        task.add_done_callback(self._parent_tasks.discard)

    def _call_in_thread(self, fun: Callable[..., Any], *args: Any) -> None:
        """Run ``fun(*args)`` in the thread, or here if it is not running."""
        if self._in_service_thread() or not self._port.call_soon(fun, *args):
            fun(*args)

    async def _run_in_thread(self, fun: Callable[[], Awaitable[T]]) -> T:
        """Await ``fun()`` in the service's thread and return its result.

        Runs it in place if the caller is in the thread.  Cancelling the
        caller cancels it in the thread.

        Raises:
            _NotRunningError: the thread is not running (or stopping).
        """
        if self._in_service_thread():
            return await fun()
        promise: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        started: list[asyncio.Future[T]] = []
        # Set by the caller once it is cancelled; read in the thread, where
        # the callbacks run in order: _begin() before _cancel().
        gone: list[bool] = []

        def _begin() -> None:  # in the thread
            if gone:
                return  # the caller was cancelled before it began
            if not self._thread_accepting:
                _settle(promise, exc=self._not_running_error())
                return
            task = asyncio.ensure_future(fun())
            started.append(task)
            task.add_done_callback(lambda t: _settle_from_task(promise, t))

        def _cancel() -> None:  # in the thread, after _begin()
            if started:
                started[0].cancel()

        if not self._port.call_soon(_begin):
            raise self._not_running_error()
        try:
            return await promise
        except asyncio.CancelledError:
            gone.append(True)
            self._port.call_soon(_cancel)
            raise

    def _not_running_error(self) -> RuntimeError:
        return _NotRunningError(
            f"{self!r} is not running in its thread: this must run in the "
            "thread, between start() and stop()"
        )

    # -- starting ----------------------------------------------------------

    async def on_thread_started(self) -> None:
        """Run in the thread once the service has started there."""

    async def on_thread_stop(self) -> None:
        """Run in the thread when it stops, before children and tasks stop.

        Runs even if the start failed.  An exception is re-raised by
        ``stop()`` after the rest of the stop.
        """

    def on_crash(self, msg: str, *fmt: Any, **kwargs: Any) -> None:
        """Report an error raised in the thread (start-up or thread stop).

        Called in the thread, inside the ``except`` block, with a message
        template for ``msg.format(*fmt)``.  The default logs it at error
        level with the traceback.  Crashes of tasks are reported by
        :meth:`crash`, not here.
        """
        self.log.error(msg.format(*fmt), exc_info=True)

    def _report_error(self, msg: str, *fmt: Any) -> None:
        try:
            self.on_crash(msg, *fmt)
        except Exception as exc:
            self.log.error("on_crash() raised %r", exc, exc_info=exc)

    async def start(self) -> None:
        """Start the thread and wait until the service has started in it.

        Raises:
            AlreadyStartedError: the service is already started.
            RuntimeError: ``loop=`` is a loop running in another thread,
                or the thread of a previous run is still alive.
            TypeError: ``thread_loop`` is not an event loop (a test double).
            BaseException: the start-up error raised in the thread, or the
                reason of a crash while the thread started (the thread has
                ended).
        """
        if self._started.is_set():
            await super().start()  # raises AlreadyStartedError
        old = self._thread
        if old is not None and old.is_alive():
            raise RuntimeError(
                f"{self!r}: the thread of the previous run is still alive "
                "(it did not stop in time); cannot start a second one"
            )
        loop = asyncio.get_running_loop()
        given = self._parent_loop_arg
        if (
            isinstance(given, asyncio.AbstractEventLoop)
            and given is not loop
            and given.is_running()
        ):
            raise RuntimeError(
                f"{self!r} was created with loop={given!r}: await start() in that loop"
            )
        given_thread_loop = self._thread_loop_arg
        if given_thread_loop is not None and not isinstance(
            given_thread_loop, asyncio.AbstractEventLoop
        ):
            raise TypeError(
                f"ServiceThread thread_loop= must be an event loop to start the "
                f"service, not {type(given_thread_loop).__name__}"
            )
        thread = self.Worker(self)  # a bad Worker raises before anything changes
        self._left_thread = None
        self._forget_closed_thread_loop()
        self._parent_loop = loop
        self._started.set()
        done: asyncio.Future[None] = loop.create_future()
        waiter: asyncio.Future[None] | None = (
            loop.create_future() if self.wait_for_thread else None
        )
        self._thread_done, self._thread_running = done, waiter
        self._run = _RunHandles(done, waiter, self._shutdown)
        self._thread_stop_error = None
        self._thread_debug = (
            loop.get_debug(),
            getattr(loop, "slow_callback_duration", None),
        )
        self.last_wakeup_at = monotonic()
        self._keepalive_reported = self._ping_pending = False
        self._thread = thread
        try:
            thread.start()
        except BaseException:
            self._thread = self._thread_running = None
            self._close_unused_thread_loop()
            self._shutdown.set()
            done.set_result(None)
            raise
        if self.keepalive_interval:
            self._keepalive_task = loop.create_task(
                self._keepalive(done), name=f"{self.label}-keepalive"
            )
        if waiter is not None:
            await self._wait_started(waiter)

    async def _wait_started(self, waiter: asyncio.Future[None]) -> None:
        # A start-up error goes to the caller of start(); if the caller is
        # cancelled before it sees it, nobody would: then it is a crash.
        # Whenever start() gives up waiting (cancelled, or a crash), the
        # start still running in the thread is cancelled: the thread then
        # stops its side and ends.
        try:
            try:
                await waiter
            finally:
                self._thread_running = None
        except asyncio.CancelledError:
            self._cancel_thread_start()
            if waiter.done() and not waiter.cancelled():
                exc = waiter.exception()
                if exc is not None:
                    self._spawn_in_parent(self.crash(exc))
            raise
        except BaseException as exc:
            self._cancel_thread_start()
            try:
                await self._join_thread()
            except asyncio.CancelledError:
                self._spawn_in_parent(self.crash(exc))
                raise
            raise

    def _new_thread_loop(self) -> asyncio.AbstractEventLoop:
        factory = self._loop_factory or asyncio.new_event_loop
        return factory()

    def _set_up_thread_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        # In the thread, before the loop runs: the parent loop's debug mode.
        debug, slow_callback_duration = self._thread_debug
        if debug:
            loop.set_debug(True)
        if slow_callback_duration is not None:
            loop.slow_callback_duration = slow_callback_duration

    def _start_thread(self) -> None:
        """Run the service in the calling thread (``WorkerThread.run()``).

        Takes the thread loop (made now, or when :attr:`thread_loop` was
        read before the start), starts the service in it, waits until it
        stops or crashes, stops the thread's side and closes the loop.
        Errors are reported to the parent; nothing is raised.
        """
        run = self._run
        assert run is not None  # set by start()
        self._thread_ident = threading.get_ident()
        given = self._thread_loop_arg
        owned = given is None
        loop: asyncio.AbstractEventLoop | None = None
        try:
            if given is None:
                loop = self._take_thread_loop()
                self._set_up_thread_loop(loop)
            else:
                loop = given
            self._loop = loop
            self._thread_accepting = True
            self._port.open(loop)
            main = self._thread_main(run, owned)
            try:
                loop.run_until_complete(main)
            finally:
                main.close()  # a no-op unless the loop could not run it
        except BaseException as exc:
            self._report_error("{0!r} failed in its thread: {1!r}", self, exc)
            self._post_to_parent(self._on_start_result, run.start_waiter, exc)
        finally:
            self._thread_accepting = False
            self._port.close()
            try:
                if loop is not None and owned:
                    loop.close()
            except Exception:
                self._report_error("{0!r}: error closing the thread loop", self)
            finally:
                self._loop = self._thread_loop_arg
                self._after_thread()
                self._thread_ident = None
                run.shutdown.set()
                self._post_to_parent(_set_result_unless_done, run.done)

    async def _thread_main(self, run: _RunHandles, owned: bool) -> None:
        try:
            await self._serve()
        finally:
            self._port.close()
            try:
                await self._wind_down(owned)
            except Exception:
                self._report_error("{0!r}: error closing the thread loop", self)

    def _current_run(self) -> _RunHandles:
        # Only one run's thread is alive at a time (start() refuses a
        # second while the last one lives): self._run is the thread's own.
        run = self._run
        if run is None or not self._in_service_thread():
            raise RuntimeError(
                f"{self!r}: this runs in the service's thread, which start() starts"
            )
        return run

    async def _serve(self) -> None:
        """Run the service in its thread until it stops (in the thread).

        Starts the service (``on_first_start``, ``on_start``, the tasks and
        the children, ``on_started``, ``on_thread_started``), hands the
        outcome to ``start()``, waits until the service stops or crashes,
        then stops the thread's side (:meth:`_shutdown_thread`).  A start
        the parent cancels (``stop()`` during the start, or the caller of
        ``start()`` cancelled) gets a CancelledError where it waits; the
        thread then stops its side at once.

        Raises:
            RuntimeError: not called from the service's thread.
        """
        run = self._current_run()
        error: BaseException | None = None
        cancelled = False  # for the parent: the thread ends, quietly
        task = run.start_task = asyncio.current_task()
        try:
            if run.cancel_start:  # stop() or a cancelled start() came first
                raise asyncio.CancelledError()
            await self._actually_start()
            if not self._halted():
                await self._on_thread_started_internal()
                await self.on_thread_started()
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError) and run.cancel_start:
                # Cancelled for the parent: not an error.  A start() still
                # waiting returns (stop() came during the start, as when a
                # Service is stopped while it starts).
                self.log.debug("The start was cancelled in the thread")
                cancelled = True
            else:
                error = exc
                self._report_error(
                    "{0!r} failed to start in its thread: {1!r}", self, exc
                )
        finally:
            run.start_task = None
            run.start_over = True
            if run.start_cancel_sent and task is not None:
                task.uncancel()  # ours, delivered: the rest must not see it
        self._post_to_parent(self._on_start_result, run.start_waiter, error)
        try:
            if error is None and not cancelled:
                await run.stop_request.wait()
                # The request may have been set before the wait began (it
                # returns without yielding then): one loop iteration runs
                # what the parent handed over before it (a crash of the
                # children), so it happens before the children stop.
                await asyncio.sleep(0)
        finally:
            await self._stop_thread_side(run)

    def _cancel_thread_start(self) -> None:
        """Cancel the start running in the thread, if it still runs.

        Called on the parent loop.  The task starting the service in the
        thread gets a CancelledError (in ``on_start``, say), then the thread
        stops its side and ends.  Does nothing once the start is over.
        """
        run = self._run
        if run is not None and not (run.cancel_start or run.start_over):
            run.cancel_start = True
            self._port.call_soon(self._cancel_start_in_thread, run)

    def _cancel_start_in_thread(self, run: _RunHandles) -> None:
        task = run.start_task
        if task is not None and not run.start_cancel_sent:
            run.start_cancel_sent = True
            task.cancel()

    def _on_start_result(
        self, waiter: asyncio.Future[None] | None, exc: BaseException | None
    ) -> None:
        # On the parent loop: hand the outcome of the start to start().
        if waiter is not None and not waiter.done():
            if exc is None:
                waiter.set_result(None)
            elif isinstance(exc, asyncio.CancelledError):
                waiter.cancel()
            else:
                waiter.set_exception(exc)
        elif exc is not None:  # nobody waits for the start: it is a crash
            self._spawn_in_parent(self.crash(exc))

    async def _on_thread_started_internal(self) -> None:
        """Run in the thread after the start, before on_thread_started."""

    async def _on_thread_stop_internal(self) -> None:
        """Run in the thread at the stop, before on_thread_stop."""

    def _after_thread(self) -> None:
        """Run in the thread after its loop is closed."""

    # -- stopping ----------------------------------------------------------

    async def _shutdown_thread(self) -> None:
        """Stop the thread's side of the service (in the thread).

        The original's hook, with its signature: runs, in order, the stop
        of the method queue (:class:`QueueServiceThread`),
        ``on_thread_stop``, then stops the children, the tasks and the
        contexts.  Errors are reported (:meth:`on_crash`) and the first is
        raised by ``stop()`` once the whole stop has run.

        An override may call it (``await super()._shutdown_thread()``) or
        not; it may even be a plain function.  If it does not call it, the
        children, tasks, contexts and method queue are still stopped after
        the override (``on_thread_stop`` is then the override's business).
        Tasks the override starts in the thread loop (say with
        ``asyncio.run_coroutine_threadsafe(..., self.thread_loop)``) are
        awaited, at most ``shutdown_timeout`` seconds, before that.

        Raises:
            BaseException: called by hand, outside a run of the thread:
                the first error, once every step has run.
        """
        run = self._run if self._in_service_thread() else None
        outcome = _StopOutcome() if run is None else run
        outcome.hook_ran = True
        await self._thread_stop_step(
            outcome, self._on_thread_stop_internal, "stopping the method queue"
        )
        await self._thread_stop_step(outcome, self.on_thread_stop, "in on_thread_stop")
        await self._stop_thread_resources(outcome)
        if run is None and outcome.error is not None:
            raise outcome.error

    async def _thread_stop_step(
        self,
        outcome: _StopOutcome,
        step: Callable[[], Awaitable[Any]],
        where: str,
    ) -> None:
        try:
            await step()
        except BaseException as exc:
            self._thread_stop_failed(outcome, exc, where)

    def _thread_stop_failed(
        self, outcome: _StopOutcome, exc: BaseException, where: str
    ) -> None:
        self._report_error("{0!r}: error {1}: {2!r}", self, where, exc)
        if outcome.error is None:
            outcome.error = exc

    async def _stop_thread_resources(self, outcome: _StopOutcome) -> None:
        # Children, tasks and contexts: they live in the thread.
        await self._default_stop_children()
        await self._default_stop_futures()
        await self._thread_stop_step(
            outcome, self._default_stop_exit_stacks, "exiting contexts"
        )

    # The original's names for the default steps, as on Service, but bound
    # to Service's own steps: this class overrides _stop_children & co. (the
    # parent side leaves them to the thread), and the thread runs these.
    _default_stop_children = Service._stop_children
    _default_stop_futures = Service._stop_futures
    _default_stop_exit_stacks = Service._stop_exit_stacks

    async def _stop_thread_side(self, run: _RunHandles) -> None:
        # In the thread: run the _shutdown_thread hook (overridden or not),
        # finish what an override left undone, then tell the parent.
        self._thread_accepting = False
        before = asyncio.all_tasks()
        try:
            try:
                outcome = self._shutdown_thread()
                if inspect.isawaitable(outcome):
                    await outcome
            except BaseException as exc:
                self._thread_stop_failed(run, exc, "in _shutdown_thread")
            await self._await_tasks_of_the_stop(run, before)
            if not run.hook_ran:
                await self._thread_stop_step(
                    run, self._on_thread_stop_internal, "stopping the method queue"
                )
                await self._stop_thread_resources(run)
        finally:
            self._thread_stop_error = run.error
            run.shutdown.set()

    async def _await_tasks_of_the_stop(
        self, run: _RunHandles, before: set[asyncio.Task[Any]]
    ) -> None:
        # Tasks started by the stop hook are part of the stop: let them
        # finish (bounded) before the leftovers are cancelled.  One loop
        # iteration first: a coroutine handed over with call_soon or
        # run_coroutine_threadsafe becomes a task only then.
        await asyncio.sleep(0)
        current = asyncio.current_task()
        started = [
            t for t in asyncio.all_tasks() if t not in before and t is not current
        ]
        if not started:
            return
        done, _ = await asyncio.wait(started, timeout=self.shutdown_timeout)
        for task in done:  # those still running are left to the sweep
            if not task.cancelled() and (exc := task.exception()) is not None:
                self._thread_stop_failed(run, exc, f"in task {task.get_name()}")

    async def _wind_down(self, owned: bool) -> None:
        # The port is closed: one iteration runs the callbacks handed over
        # before, then tasks nobody owns are cancelled, and an owned loop
        # gets its async generators and default executor shut down.
        await asyncio.sleep(0)
        await self._gather_remaining_tasks()
        if owned:
            loop = asyncio.get_running_loop()
            await loop.shutdown_asyncgens()
            await loop.shutdown_default_executor()

    async def _gather_remaining_tasks(self) -> None:
        """Cancel the tasks left in the thread loop and wait for them.

        Runs in the thread once the service has stopped there: tasks that
        no service owns (made with ``loop.create_task``, by a client
        library say) are cancelled, awaited at most ``shutdown_timeout``
        seconds, and their errors logged, before the loop closes.
        """
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        if tasks:
            await self._cancel_leftover_tasks(tasks)

    async def _cancel_leftover_tasks(self, tasks: list[asyncio.Task[Any]]) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=self.shutdown_timeout)
        for task in tasks:
            if not task.done():  # pragma: no cover - ignores cancellation
                self._report_stuck([task], self.shutdown_timeout)
            elif not task.cancelled() and (exc := task.exception()) is not None:
                self.log.error(
                    "Task %r left in the thread failed: %r", task, exc, exc_info=exc
                )

    async def stop(self) -> None:
        """Stop the service and its thread (see the module documentation).

        Returns at once if the service was never started.  Called from the
        service's own thread, it asks the parent loop to stop the service
        and returns.  A start still running in the thread is cancelled
        first.  Bounded: a thread that does not end in time is logged with
        its stack and left behind (:attr:`thread_left_running`,
        :func:`threads_left_running`); the waits for the threads of one
        stop of a tree share one deadline.

        Raises:
            RuntimeError: awaited in a loop other than the parent loop.
            Exception: the first error of ``on_stop``, of the thread's side
                of the stop (``on_thread_stop``, contexts) or of
                ``on_shutdown``, once the whole stop has run.
        """
        if self._in_service_thread():
            self._post_to_parent(self._stop_soon)
            return
        if self._restart_queue is not None:
            # A restart runs: the stop wins (it may mark the service, reset
            # by the restart, stopped: see Service._overtake_restarts).
            await self._overtake_restarts()
        if not self._started.is_set():
            self._close_unused_thread_loop()
            return
        running = asyncio.get_running_loop()
        if self._parent_loop is not None and running is not self._parent_loop:
            raise RuntimeError(
                f"stop() of {self!r} must be awaited in its parent loop "
                f"{self._parent_loop!r}"
            )
        self._cancel_thread_start()
        cancelled = False
        try:
            await super().stop()
        except asyncio.CancelledError:
            cancelled = True  # the stop itself: no more waiting
            raise
        finally:
            # Also when the stopped flag was set by hand before the start,
            # and Service.stop() had nothing left to do.
            self._request_thread_stop()
            await self._join_thread(wait=not cancelled)

    def _stop_soon(self) -> None:
        self._spawn_in_parent(self.stop())

    async def restart(self) -> None:
        """Stop, reset and start again (called in the thread: asks the parent)."""
        if self._in_service_thread():
            self._post_to_parent(self._restart_soon)
            return
        await super().restart()

    def _restart_soon(self) -> None:
        self._spawn_in_parent(self.restart())

    # In the parent, Service.stop() does not stop children, tasks and
    # contexts: they live in the thread, which stops them (_shutdown_thread).

    async def _stop_children(self) -> None:
        # Called by Service.stop() right after on_stop: wake the thread so
        # that it stops its side (on_thread_stop, children, tasks, contexts).
        self._request_thread_stop()

    def _request_thread_stop(self) -> None:
        run = self._run
        if run is not None:
            run.stop_request.set()

    async def _stop_futures(self) -> None:
        pass

    async def _stop_exit_stacks(self) -> None:
        # Stands for the thread's side of the stop: its first error is
        # raised by stop(), after on_shutdown, like a context exit error.
        error, self._thread_stop_error = self._thread_stop_error, None
        if isinstance(error, Exception):
            raise error
        if error is not None:
            self.log.error("Error stopping the thread: %r", error, exc_info=error)

    def _outermost_stop(self, task: asyncio.Task[Any]) -> Service | None:
        """The service whose ``stop()``, running in ``task``, is the outermost.

        Walks up the tree from this service: the stops of the children run
        in the task of their parent's stop, so the topmost service stopping
        in ``task`` is where the stop of this tree began.  None if no stop
        of this tree runs in ``task`` (a stop awaited elsewhere, say).
        """
        beacon: object = self.beacon  # checked: tests assign doubles
        if not isinstance(beacon, NodeT):
            return None
        top: Service | None = None
        for node in beacon.walk():
            data = node.data
            if isinstance(data, Service) and data._stop_task is task:
                top = data
        return top

    def _wait_limit(self, name: str, own: float) -> tuple[float, str]:
        """Seconds to wait for the thread now, and the limit's text for logs.

        ``own`` (the timeout ``name`` of this wait), cut to the deadline
        shared by the waits for threads in the stop of a tree: the first
        ServiceThread of the stop that waits for its thread sets it to its
        own ``shutdown_timeout + thread_join_timeout`` from then, and waits
        as it always does; the others wait at most until then.  So N stuck
        threads cost what one costs, not N times it.
        """
        task = _current_task()
        top = None if task is None else self._outermost_stop(task)
        if task is not None and top is not None:
            now = monotonic()
            with _shared_lock:
                shared = _shared_deadlines.get(top)
                if (
                    shared is None
                    or shared.task is not task
                    or shared.flag is not top._stopped
                ):
                    deadline = now + self.shutdown_timeout + self.thread_join_timeout
                    shared = _SharedDeadline(deadline, self, task, top._stopped)
                    _shared_deadlines[top] = shared
            if shared.owner is not self:
                left = max(0.0, shared.deadline - now)
                if left < own:
                    return left, (
                        f"{left:.3g} s (the deadline shared by the threads of "
                        f"this stop; {name}={own!r} s)"
                    )
        return own, f"{name}={own!r} s"

    async def _wait_for_shutdown_flag(self) -> None:
        if self._shutdown.is_set():
            return
        limit, within = self._wait_limit("shutdown_timeout", self.shutdown_timeout)
        try:
            async with asyncio.timeout(limit):
                await self._shutdown.wait()
        except TimeoutError:
            self.log.error(
                "The thread did not stop its side of the service within %s; "
                "stopping anyway.  The thread is at:\n%s",
                within,
                _format_thread_stack(self._thread),
            )

    @property
    def thread_left_running(self) -> bool:
        """True if the last ``stop()`` returned before the thread ended.

        The thread did not end within its deadline (see :meth:`stop`) and
        still runs: the stop was not clean, and a non-daemon thread keeps
        the process from exiting.  False again once the thread ends; every
        such thread is also listed by :func:`threads_left_running`.
        """
        thread = self._left_thread
        return thread is not None and thread.is_alive()

    async def _join_thread(self, *, wait: bool = True) -> None:
        try:
            thread, done = self._thread, self._thread_done
            if thread is not None and done is not None:
                await self._wait_thread_end(thread, done, wait)
        finally:
            task, self._keepalive_task = self._keepalive_task, None
            if task is not None:
                task.cancel()
                await asyncio.wait([task])

    async def _wait_thread_end(
        self, thread: WorkerThread, done: asyncio.Future[None], wait: bool
    ) -> None:
        # Waits at most the limit (none if the stop was cancelled); a thread
        # still alive then (or when this wait is cancelled) is left behind.
        limit, within = self._wait_limit(
            "thread_join_timeout", self.thread_join_timeout
        )
        cancelled = not wait
        try:
            if not done.done() and wait:
                try:
                    await asyncio.wait([done], timeout=limit)
                except asyncio.CancelledError:
                    cancelled = True
                    raise
            if done.done():  # the thread has finished: join() returns at once
                thread.join(self.thread_join_timeout)
        finally:
            if thread.is_alive():
                self._left_thread = thread
                _leave_running(thread)
                self.log.error(
                    "Thread %s did not end %s; leaving it behind (daemon=%r).  "
                    "It is at:\n%s",
                    thread.name,
                    "before stop() was cancelled" if cancelled else f"within {within}",
                    thread.daemon,
                    _format_thread_stack(thread),
                )

    def service_reset(self) -> None:
        """Make the service startable again (see :meth:`Service.service_reset`)."""
        super().service_reset()
        self._thread_stop_error = None
        self._forget_closed_thread_loop()

    # -- crashes -----------------------------------------------------------

    def _crash(self, reason: BaseException) -> None:
        """Mark the service crashed, from either loop.

        From the thread, the crash is then handed to the parent loop, where
        the supervisor is woken (or the tree above marked crashed).  From
        the parent, the children are marked crashed in the thread.  If
        ``start()`` waits for the thread (:attr:`_thread_running`), it
        raises ``reason``.
        """
        with self._halt_lock:
            if self._crashed.is_set() and self._crash_reason is not None:
                return
            if self._crash_reason is None:
                self._crash_reason = reason
            self._halt = True
            self._crashed.set()
        _record_crash(self, reason)  # outside the lock: it calls str(reason)
        self._wake_halt_waiters()
        waiter = self._thread_running
        if waiter is not None:  # start() waits: it raises the reason
            _settle(waiter, exc=reason)
        if self._in_service_thread():
            self._crash_children(reason)
            self._post_to_parent(self._crash_in_parent, reason)
        else:
            self._call_in_thread(self._crash_children, reason)
        # After the children were handed over: the thread runs callbacks
        # in order, so it marks them crashed before it stops its side.
        self._request_thread_stop()

    def _crash_children(self, reason: BaseException) -> None:
        # In the thread: the children, and services attached to the beacon
        # only (the method queue), so the parent never has to.
        for child in self._children:
            child._crash(reason)
        for node in self.beacon.children:
            data = node.data if isinstance(node, NodeT) else node
            if isinstance(data, ServiceT) and data not in self._children_set:
                data._crash(reason)

    def _crash_up_to_supervisor(
        self, reason: BaseException
    ) -> SupervisorStrategyT | None:
        """The crash walk of :meth:`Service.crash`, from this service up.

        In the thread it stops here (the supervisor seen from the thread is
        the stand-in).  In the parent it is the core walk, except that the
        services below this one are left to :meth:`_crash`, which marks
        them crashed in the thread, where they live.
        """
        return self._crash_path(reason, below_self=self._in_service_thread())

    def _crash_in_parent(self, reason: BaseException) -> None:
        # On the parent loop: the crash walk of Service.crash, from here up.
        supervisor = self._crash_up_to_supervisor(reason)
        if supervisor is not None:
            supervisor.wakeup()

    # -- keepalive ---------------------------------------------------------

    async def _keepalive(self, done: asyncio.Future[None]) -> None:
        interval = self.keepalive_interval
        while not done.done():
            await asyncio.wait([done], timeout=interval)
            if not done.done():
                self._keepalive_check()

    def _keepalive_check(self) -> None:
        if not self._ping_pending:
            # Flag first: the thread may answer before call_soon() returns.
            self._ping_pending = True
            if not self._port.call_soon(self._keepalive_pong):
                self._ping_pending = False
        silent = monotonic() - self.last_wakeup_at
        threshold = self.keepalive_threshold
        if silent > threshold:
            if not self._keepalive_reported:
                self._keepalive_reported = True
                self.log.error(
                    "Thread keepalive is not responding: the thread's event "
                    "loop has not run for %.2f s (keepalive_threshold=%r s).  "
                    "The thread is at:\n%s",
                    silent,
                    threshold,
                    _format_thread_stack(self._thread),
                )
        elif self._keepalive_reported:
            self._keepalive_reported = False
            self.log.warning("Thread keepalive is responding again")

    def _keepalive_pong(self) -> None:
        self.last_wakeup_at = monotonic()
        self._ping_pending = False

    async def _wakeup_timer_in_thread(self) -> None:
        """Record that the thread loop runs (the original's keepalive step).

        Call it in the thread: sets :attr:`last_wakeup_at`, which the
        keepalive of the parent reads.
        """
        self.last_wakeup_at = monotonic()

    # -- dependencies and tasks: always in the thread ----------------------

    def add_future(self, coro: Awaitable[Any]) -> asyncio.Task[None]:
        """Run ``coro`` as a task owned by the service, in its thread.

        Raises:
            RuntimeError: called from outside the service's thread (use
                it in ``on_start``, a task, or through ``call_thread``).
        """
        if not self._in_service_thread():
            if inspect.iscoroutine(coro):
                coro.close()
            raise RuntimeError(
                f"{self!r}.add_future() must be called from the service's "
                "thread (in on_start, a @Service.task, or through call_thread)"
            )
        return super().add_future(coro)

    async def add_runtime_dependency(self, service: _ST) -> _ST:
        """Add a child, and start it in the thread if the thread runs.

        If the thread does not run, the child starts with the next start.
        """
        self.add_dependency(service)
        if self._started.is_set() and not self._stopped.is_set():
            try:
                await self._run_in_thread(service.maybe_start)
            except _NotRunningError:
                pass
        return service

    async def remove_dependency(self, service: _ST) -> _ST:
        """Stop and remove a child; the stop runs in the thread if it runs.

        Raises:
            ValueError: ``service`` is not a child.
            RuntimeError: the thread is stopping (the child is being stopped
                there; remove it once ``stop()`` has returned).
        """

        async def _remove() -> _ST:
            return await Service.remove_dependency(self, service)

        try:
            return await self._run_in_thread(_remove)
        except _NotRunningError:
            thread = self._thread
            if thread is not None and thread.is_alive():
                raise
        return await _remove()  # no thread: nothing runs, remove it here

    async def add_async_context(self, context: Any) -> Any:
        """Enter an async context manager in the thread; exit it at the stop.

        Raises:
            RuntimeError: the thread is not running (the context must be
                entered and exited in the thread's loop).
            TypeError: as :meth:`Service.add_async_context`.
        """

        async def _enter() -> Any:
            return await Service.add_async_context(self, context)

        return await self._run_in_thread(_enter)


class _NotRunningError(RuntimeError):
    """The service's thread is not running (or is stopping)."""


def _non_negative(name: str, value: Seconds) -> float:
    secs = want_seconds(value)
    if secs != secs:  # NaN: no comparison holds, so it would pass the rest
        raise ValueError(f"{name} must be a number of seconds, not nan")
    if secs < 0:
        raise ValueError(f"{name} must be 0 or more seconds, not {value!r}")
    return secs


def _join_timeout(name: str, value: Seconds) -> float:
    # A timeout given to Thread.join(): finite and at most TIMEOUT_MAX, or
    # every join raises (OverflowError, ValueError) when the stop needs it.
    secs = _non_negative(name, value)
    if secs > threading.TIMEOUT_MAX:
        raise ValueError(
            f"{name} must be a finite number of seconds up to "
            f"threading.TIMEOUT_MAX, not {value!r}"
        )
    return secs


class MethodQueueWorker(Service):
    """A worker of a :class:`MethodQueue`: runs queued calls one at a time.

    Its background task takes the next call from the queue and runs it,
    until the worker or the queue stops.
    """

    mundane_level = "debug"

    def __init__(self, method_queue: MethodQueue, *, index: int, **kwargs: Any) -> None:
        self.method_queue = method_queue
        self.index = index
        super().__init__(**kwargs)

    @Service.task
    async def _method_queue_do_work(self) -> None:
        queue = self.method_queue
        while not self.should_stop and not queue.should_stop:
            await queue._process_next()

    def _repr_name(self) -> str:
        return f"{type(self).__name__}@{self.index}"


class MethodQueue(Service):
    """A queue of calls run by ``num_workers`` workers in the queue's loop.

    :meth:`call` and :meth:`cast` can be used from any thread; the calls
    run in the loop the queue was started in.  A call's outcome goes to
    its promise, in the promise's loop.  Cancelling the promise (in its
    loop) skips the call if it has not started, and cancels it if it is a
    running coroutine.  Stopping the queue refuses new calls, runs the
    calls already queued, then stops the workers, cancelling the calls
    they still run (their promises get a RuntimeError).

    Arguments:
        num_workers: How many calls may run at the same time (default 2).

    Raises:
        ValueError: ``num_workers`` is not a positive integer.
    """

    #: The worker class.
    Worker: type[MethodQueueWorker] = MethodQueueWorker

    mundane_level = "debug"

    def __init__(self, num_workers: int = 2, **kwargs: Any) -> None:
        self.num_workers = _check_num_workers(num_workers)
        self._queue: asyncio.Queue[QueuedMethod] | None = None
        self._workers: list[MethodQueueWorker] = []
        self._port = _ThreadPort()
        self._control_loop: asyncio.AbstractEventLoop | None = None
        self._queued: set[asyncio.Future[Any]] = set()
        self._running: dict[asyncio.Future[Any], asyncio.Future[Any]] = {}
        super().__init__(**kwargs)

    async def on_start(self) -> None:
        """Create the queue and the workers, and accept calls."""
        loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._queued = set()
        self._running = {}
        self._control_loop = loop
        if not self._workers:
            self._workers = [
                self.Worker(self, index=i) for i in range(self.num_workers)
            ]
            for worker in self._workers:
                self.add_dependency(worker)
        self._port.open(loop)

    async def on_stop(self) -> None:
        """Refuse new calls, then run the calls still queued."""
        self._port.close()
        await self.flush()

    async def call(
        self,
        promise: asyncio.Future[Any],
        fun: Callable[..., Any],
        *args: Any,
        **kwargs: Any,
    ) -> asyncio.Future[Any]:
        """Queue ``fun(*args, **kwargs)``; its outcome goes to ``promise``.

        Thread-safe.  Returns ``promise``, which gets the result, the
        exception (with its traceback), or is cancelled if the call was.
        If the queue is not running, ``promise`` gets a RuntimeError.

        Raises:
            TypeError: ``promise`` is not a future or ``fun`` not callable.
        """
        # Duck-typed: the original took any promise (faust's tests pass
        # doubles); what has no loop to be resolved in is refused.
        if not callable(getattr(promise, "get_loop", None)):
            raise TypeError(
                f"MethodQueue.call() needs an asyncio.Future as promise, not "
                f"{type(promise).__name__} (use loop.create_future())"
            )
        _check_callable("MethodQueue.call", fun)
        if promise.get_loop() is _get_running_loop():
            promise.add_done_callback(self._on_promise_done)
        item = QueuedMethod(promise, fun, args, kwargs)
        if not self._port.call_soon(self._queue_put, item):
            _settle(promise, exc=self._not_running_error())
        return promise

    async def cast(self, fun: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Queue ``fun(*args, **kwargs)`` without waiting for it.

        Thread-safe (*fix*: the original was not).  An exception raised by
        the call crashes the queue's service tree, like a background task.

        Raises:
            TypeError: ``fun`` is not callable.
            RuntimeError: the queue is not running.
        """
        _check_callable("MethodQueue.cast", fun)
        if not self._port.call_soon(
            self._queue_put, QueuedMethod(None, fun, args, kwargs)
        ):
            raise self._not_running_error()

    async def flush(self) -> None:
        """Run every call now queued, one after the other, in this task."""
        queue = self._queue
        while queue is not None and not queue.empty():
            await self._process_enqueued(queue.get_nowait())

    def _not_running_error(self) -> RuntimeError:
        return RuntimeError(
            f"{self!r} is not running: calls are accepted between start() and "
            "stop() of the service"
        )

    def _stopped_during_call_error(self) -> RuntimeError:
        return RuntimeError(
            f"{self!r} stopped while the call was running: the call was cancelled"
        )

    def _queue_put(self, item: QueuedMethod) -> None:
        # In the queue's loop.
        if not self._port.is_open or self._queue is None:
            self._drop(item)
            return
        if item.promise is not None:
            self._queued.add(item.promise)
        self._queue.put_nowait(item)

    def _drop(self, item: QueuedMethod) -> None:
        if item.promise is not None:
            _settle(item.promise, exc=self._not_running_error())
        else:
            self.log.warning("Dropped cast call %r: the queue stopped", item.method)

    def _on_promise_done(self, promise: asyncio.Future[Any]) -> None:
        if promise.cancelled():
            loop = self._control_loop
            if loop is None:  # pragma: no cover - cancelled before start
                return
            if _get_running_loop() is loop:
                self._cancel_call(promise)
            else:
                try:
                    loop.call_soon_threadsafe(self._cancel_call, promise)
                except RuntimeError:
                    pass  # the queue's loop is closed: nothing to cancel

    def _cancel_call(self, promise: asyncio.Future[Any]) -> None:
        # In the queue's loop: skip the call, or cancel it if it runs.
        self._queued.discard(promise)
        task = self._running.get(promise)
        if task is not None:
            task.cancel()

    async def _process_next(self) -> None:
        queue = self._queue
        assert queue is not None  # workers run once started
        await self._process_enqueued(await queue.get())

    async def _process_enqueued(self, item: QueuedMethod) -> asyncio.Future[Any] | None:
        """Run one queued call; return its promise (None for a cast)."""
        promise = item.promise
        if promise is not None:
            if promise not in self._queued:
                return promise  # cancelled while queued
            self._queued.discard(promise)
        try:
            result = item.method(*item.args, **item.kwargs)
            if inspect.isawaitable(result):
                task = await self._await_call(promise, result)
                if task.cancelled():
                    raise asyncio.CancelledError()
                result = task.result()
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                # The worker itself is cancelled: the queue stops.  The
                # caller was not cancelled, so it gets an error, not a
                # CancelledError it would take for its own.
                if promise is not None:
                    _settle(promise, exc=self._stopped_during_call_error())
                raise
            if promise is not None:
                _settle(promise, cancelled=True)
        except BaseException as exc:
            if promise is not None:
                _settle(promise, exc=exc)
            else:
                await self.crash(exc)
        else:
            if promise is not None:
                _settle(promise, result=result)
        return promise

    async def _await_call(
        self, promise: asyncio.Future[Any] | None, aw: Awaitable[Any]
    ) -> asyncio.Future[Any]:
        task = asyncio.ensure_future(aw)
        if promise is not None:
            self._running[promise] = task
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError:
            task.cancel()
            await asyncio.wait([task])
            if not task.cancelled():
                task.exception()  # retrieved: the caller is told "cancelled"
            raise
        finally:
            if promise is not None:
                self._running.pop(promise, None)
        return task

    def _abandon(self) -> None:
        # The loop is gone: refuse calls, fail those still queued.
        self._port.close()
        queue = self._queue
        while queue is not None and not queue.empty():
            self._drop(queue.get_nowait())
        self._queued.clear()
        self._running.clear()


def _check_num_workers(num_workers: Any) -> int:
    if isinstance(num_workers, bool) or not isinstance(num_workers, int):
        raise TypeError(
            f"num_workers must be a positive integer, not {type(num_workers).__name__}"
        )
    if num_workers < 1:
        raise ValueError(f"num_workers must be a positive integer, not {num_workers!r}")
    return num_workers


def _check_callable(where: str, fun: Any) -> None:
    if not callable(fun):
        raise TypeError(
            f"{where}() expects a function or coroutine function, not "
            f"{type(fun).__name__}"
        )


class QueueServiceThread(ServiceThread):
    """A :class:`ServiceThread` you can hand calls to: :meth:`call_thread`.

    The calls run in the service's thread through a :class:`MethodQueue`
    (started after ``on_start``, before ``on_thread_started``; stopped
    before ``on_thread_stop``), so overriding the hooks needs no ``super()``
    call.

    Arguments:
        num_workers: How many calls may run at the same time (default 2).
        **kwargs: As for :class:`ServiceThread`.
    """

    abstract: ClassVar[bool] = True

    #: How many calls may run at the same time.
    num_workers: int = 2

    #: The queue of calls, once made (see :attr:`method_queue`).
    _method_queue: MethodQueue | None = None

    def __init__(self, *, num_workers: int | None = None, **kwargs: Any) -> None:
        if num_workers is not None:
            self.num_workers = _check_num_workers(num_workers)
        self._method_queue: MethodQueue | None = None
        super().__init__(**kwargs)

    @property
    def method_queue(self) -> MethodQueue:
        """The queue of calls (created on first use)."""
        if self._method_queue is None:
            self._method_queue = MethodQueue(
                num_workers=self.num_workers, beacon=self.beacon
            )
        return self._method_queue

    async def _on_thread_started_internal(self) -> None:
        queue = self.method_queue
        if queue.started:
            queue.service_reset()
        await queue.start()

    async def _on_thread_stop_internal(self) -> None:
        if self._method_queue is not None:
            await self._method_queue.stop()

    def _after_thread(self) -> None:
        if self._method_queue is not None:
            self._method_queue._abandon()

    @overload
    async def call_thread(
        self, fun: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T: ...

    @overload
    async def call_thread(
        self, fun: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T: ...

    async def call_thread(
        self, fun: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        """Run ``fun(*args, **kwargs)`` in the service's thread; return its result.

        ``fun`` may be a function or a coroutine function.  The result (or
        exception, with its traceback) comes back to the caller's loop.
        Cancelling the caller skips the call if it is still queued, or
        cancels it if it is a running coroutine.  Called from the service's
        own thread, ``fun`` runs at once, in place.

        Raises:
            TypeError: ``fun`` is not callable.
            RuntimeError: the service is not running.
            BaseException: whatever ``fun`` raised.
        """
        observer = _call_thread_observer
        if observer is not None:  # mode.metrics is on: time the call
            started = perf_counter()
            error: BaseException | None = None
        try:
            if self._in_service_thread():
                return await maybe_async(fun(*args, **kwargs))
            promise: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            await self.method_queue.call(promise, fun, *args, **kwargs)
            try:
                return await promise
            except asyncio.CancelledError:
                if promise.done() and not promise.cancelled():
                    promise.exception()  # the outcome came too late: retrieved
                raise
        except BaseException as exc:
            if observer is not None:
                error = exc
            raise
        finally:
            if observer is not None:
                _observe_call(observer, self, perf_counter() - started, error)

    async def cast_thread(
        self, fun: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> None:
        """Queue ``fun(*args, **kwargs)`` in the thread without waiting.

        An exception it raises crashes the service.

        Raises:
            TypeError: ``fun`` is not callable.
            RuntimeError: the service is not running.
        """
        await self.method_queue.cast(fun, *args, **kwargs)


#: The name the original changelog used for :class:`QueueServiceThread`.
QueuedServiceThread = QueueServiceThread

#: Called as ``observer(service, seconds, error)`` after each
#: :meth:`QueueServiceThread.call_thread` (set by :mod:`mode.metrics`
#: through :func:`set_call_thread_observer`); None: calls are not timed.
_CallObserver: TypeAlias = Callable[
    ["QueueServiceThread", float, BaseException | None], None
]
_call_thread_observer: _CallObserver | None = None


def set_call_thread_observer(observer: _CallObserver | None) -> None:
    """Have every ``call_thread`` timed and reported to ``observer`` (None: stop).

    ``observer(service, seconds, error)`` runs in the caller's thread once
    the call ended: ``seconds`` from the call of ``call_thread`` to its
    outcome (queueing in the thread included), ``error`` the exception it
    raised (cancellation included) or None.  An exception the observer
    raises is logged and ignored.  Without an observer a call pays one
    global look-up and no clock read.
    """
    global _call_thread_observer
    if observer is not None and not callable(observer):
        raise TypeError(
            f"set_call_thread_observer() expects a callable or None, not "
            f"{type(observer).__name__}"
        )
    _call_thread_observer = observer


def _observe_call(
    observer: _CallObserver,
    service: QueueServiceThread,
    seconds: float,
    error: BaseException | None,
) -> None:
    try:
        observer(service, seconds, error)
    except Exception:
        service.log.exception("call_thread observer %r failed", observer)
