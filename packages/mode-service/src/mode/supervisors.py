"""Supervisors: services that restart the services they watch when they crash.

A supervisor starts its children, notices when one crashes (a crashing
service calls ``supervisor.wakeup()``) or stops, and restarts it (or a group
of children) according to its strategy.  Supervision follows Erlang/OTP:

==========================  ==============================================
OTP concept                 mode name
==========================  ==============================================
supervisor                  :class:`SupervisorStrategy` (a :class:`Service`)
``one_for_one``             :class:`OneForOneSupervisor`
``one_for_all``             :class:`OneForAllSupervisor`
``rest_for_one``            :class:`RestForOneSupervisor`
(no OTP equivalent)         :class:`ForfeitOneForOneSupervisor`,
                            :class:`ForfeitOneForAllSupervisor` (give up)
intensity 0 (``MaxR = 0``)  :class:`CrashingSupervisor` (the first child
                            crash escalates, up to the Worker)
child spec ``restart``      ``add(service, restart="permanent")`` (or
                            ``"transient"``, ``"temporary"``)
intensity / period          ``max_restarts`` / ``over`` (sliding window)
escalation                  past the limit the supervisor stops its
                            children and crashes with
                            ``MaxRestartsExceeded``; its own supervisor
                            restarts it, or the crash reaches the root and
                            the Worker exits non-zero
child spec ``shutdown``     ``add(service, shutdown_timeout=...)`` or
                            ``child_shutdown_timeout=``
``start_child``             :meth:`SupervisorStrategy.add`
``terminate_child``         :meth:`SupervisorStrategy.discard` (does not
                            stop the service)
``delete_child``            :meth:`SupervisorStrategy.discard` (the same
                            call)
``which_children``          :meth:`SupervisorStrategy.status`
(none; common add-on)       ``backoff=Backoff(...)``: a delay between
                            restarts
==========================  ==============================================

Behaviour worth knowing (*decision* marks a change from the original):

Supervised children
    Services passed to the constructor are supervised exactly like those
    given to :meth:`~SupervisorStrategy.add` (*decision*: the original left
    them unsupervised, so their crashes poisoned the whole tree).  A service
    can have one supervisor at a time.  Children are started in the order
    they were added and stopped in reverse order.

Restart intensity
    At most ``max_restarts`` restarts within any ``over`` seconds (a sliding
    window of restart times on the loop's clock).  Exactly ``max_restarts``
    restarts are allowed; the next one inside the window escalates: the
    supervisor stops its children and crashes with ``raises``
    (:class:`~mode.exceptions.MaxRestartsExceeded`), naming the count, the
    window and the child.  The crash goes to the supervisor's own supervisor,
    or marks the service tree crashed so a Worker at the root exits with a
    non-zero code (*decision*: the original used a token bucket, so
    ``max_restarts=100, over=1.0`` failed on the 2nd or 3rd quick restart,
    and raised ``SystemExit(1)`` from a task).  A group restart (one-for-all,
    rest-for-one) counts as one restart, as in OTP.

Restart types
    ``"transient"`` (the default: as in the original, a child that stopped
    cleanly is left alone, only a crash restarts it), ``"permanent"``
    (restarted after a crash and after a clean stop), ``"temporary"`` (never
    restarted; removed from the supervisor when it ends).  OTP's default is
    permanent; mode's stays transient so that stopping a service by hand
    does not make its supervisor start it again.

Backoff
    None by default (immediate restart, as in the original).  With
    ``backoff=Backoff(...)`` the n-th consecutive restart of a child waits
    ``min(max, initial * factor**n)`` seconds, reduced by up to ``jitter``
    (a fraction) at random.  The wait happens after the child was stopped
    and ends early if the supervisor stops.

Stopping children
    Each child's stop (when the supervisor stops, restarts a group, gives up
    or escalates) is bounded by the child's shutdown timeout (default: twice
    its own ``shutdown_timeout``).  A child that does not stop in time is
    named in an error log and its stop is cancelled; whatever it still runs
    is abandoned.

Noticing
    A crash wakes the supervisor at once (``Service.crash`` calls
    :meth:`~SupervisorStrategy.wakeup`), also the crash of a child's own
    dependency, which crashes the child.  A clean stop is noticed at once
    too (the supervisor waits on each child's stop); a safety check runs
    every ``poll_interval`` seconds (*decision*: the original only checked
    every 5 s besides crash wake-ups).  While a service above the
    supervisor in the service tree is stopping or crashed, nothing is
    restarted: the tree is going down.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random as _random
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, ClassVar, Final, Literal, TypeAlias

from mode.utils.futures import notify
from mode.utils.times import Seconds, want_seconds
from mode.utils.types.trees import NodeT

from .exceptions import MaxRestartsExceeded
from .services import Service
from .timers import loop_time
from .types.services import ServiceT
from .types.supervisors import ReplacementT, SupervisorStrategyT

__all__ = [
    "PERMANENT",
    "RESTART_TYPES",
    "TEMPORARY",
    "TRANSIENT",
    "Backoff",
    "ChildStatus",
    "CrashingSupervisor",
    "ForfeitOneForAllSupervisor",
    "ForfeitOneForOneSupervisor",
    "OneForAllSupervisor",
    "OneForOneSupervisor",
    "RestForOneSupervisor",
    "RestartType",
    "SupervisorStrategy",
]

#: How a child is treated when it ends (see the module documentation).
RestartType: TypeAlias = Literal["permanent", "transient", "temporary"]

#: Restart after a crash and after a clean stop.
PERMANENT: Final = "permanent"
#: Restart after a crash only.
TRANSIENT: Final = "transient"
#: Never restart; forget the child when it ends.
TEMPORARY: Final = "temporary"
#: The valid restart types.
RESTART_TYPES: Final[tuple[str, ...]] = (PERMANENT, TRANSIENT, TEMPORARY)

_SleepT: TypeAlias = Callable[[float], Awaitable[Any]]


def _check_restart_type(value: object) -> RestartType:
    if value == PERMANENT:
        return PERMANENT
    if value == TRANSIENT:
        return TRANSIENT
    if value == TEMPORARY:
        return TEMPORARY
    raise ValueError(
        f"unknown restart type {value!r}: use one of "
        f"{', '.join(repr(t) for t in RESTART_TYPES)}"
    )


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number, not {type(value).__name__}")
    return float(value)


@dataclasses.dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential, capped, jittered delay between restarts of a child.

    The delay before restart number ``n`` (0 for the first restart after a
    quiet period) is ``base = min(max, initial * factor**n)`` reduced by a
    random fraction of at most ``jitter``: it lies in
    ``[base * (1 - jitter), base]``, so it never exceeds ``max`` and
    children crashing together do not restart in lockstep.  ``n`` goes back
    to 0 once a child ran ``reset_after`` seconds without needing a restart.

    Raises:
        TypeError: a field is not a number.
        ValueError: ``initial < 0``, ``factor < 1``, ``max < initial``,
            ``jitter`` outside ``[0, 1]`` or ``reset_after <= 0``.
    """

    initial: float = 0.1
    factor: float = 2.0
    max: float = 30.0
    jitter: float = 0.1
    reset_after: float = 60.0

    def __post_init__(self) -> None:
        initial = _number(self.initial, "Backoff.initial")
        factor = _number(self.factor, "Backoff.factor")
        cap = _number(self.max, "Backoff.max")
        jitter = _number(self.jitter, "Backoff.jitter")
        reset_after = _number(self.reset_after, "Backoff.reset_after")
        if not initial >= 0:
            raise ValueError(f"Backoff.initial must be >= 0 seconds, not {initial!r}")
        if not factor >= 1:
            raise ValueError(f"Backoff.factor must be >= 1, not {factor!r}")
        if not cap >= initial:
            raise ValueError(
                f"Backoff.max ({cap!r}) must be >= Backoff.initial ({initial!r})"
            )
        if not 0 <= jitter <= 1:
            raise ValueError(
                f"Backoff.jitter is a fraction in [0, 1] (0.1: up to 10% "
                f"shorter), not {jitter!r}"
            )
        if not reset_after > 0:
            raise ValueError(
                f"Backoff.reset_after must be > 0 seconds, not {reset_after!r}"
            )

    def delay(self, attempt: int, rand: float = 0.0) -> float:
        """Return the delay in seconds before restart number ``attempt``.

        ``rand`` is a random number in ``[0, 1)`` (``random.random()``): 0
        gives the full delay, values towards 1 shorten it by up to
        ``jitter``.

        Raises:
            ValueError: ``attempt`` is negative or ``rand`` outside [0, 1].
        """
        if isinstance(attempt, bool) or not isinstance(attempt, int):
            raise TypeError(f"attempt must be an int, not {type(attempt).__name__}")
        if attempt < 0:
            raise ValueError(f"attempt must be >= 0, not {attempt!r}")
        rand = _number(rand, "rand")
        if not 0 <= rand <= 1:
            raise ValueError(f"rand must be in [0, 1], not {rand!r}")
        try:
            base = min(self.max, self.initial * self.factor**attempt)
        except OverflowError:
            base = self.max
        return base * (1.0 - self.jitter * rand)


@dataclasses.dataclass(frozen=True, slots=True)
class ChildStatus:
    """One supervised child as reported by :meth:`SupervisorStrategy.status`.

    ``state`` is the service's state ("init", "running", "stopping",
    "shutdown", "crashed"); ``restart`` its restart type; ``restart_count``
    how many times this supervisor restarted (or replaced) it;
    ``last_crash`` the ``repr`` of the last crash reason seen (None if it
    never crashed); ``given_up`` is True once a forfeit strategy gave up on
    it.
    """

    index: int
    label: str
    state: str
    restart: str
    restart_count: int
    last_crash: str | None
    given_up: bool

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-friendly dict."""
        return dataclasses.asdict(self)


class _Escalate(Exception):
    """Raised inside the supervising loop to crash the supervisor with ``reason``."""

    def __init__(self, reason: BaseException) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(slots=True)
class _Child:
    """What the supervisor remembers about one child."""

    restart: RestartType
    shutdown_timeout: float | None
    restart_count: int = 0
    last_crash: BaseException | None = None
    attempt: int = 0
    last_restart_at: float | None = None
    given_up: bool = False
    settled: bool = False
    stopping: bool = False  # stopped by the supervisor: no wakeup needed


class SupervisorStrategy(Service, SupervisorStrategyT):
    """Supervise services: restart each one that crashes (one-for-one).

    Arguments:
        *services: Services to supervise (as with :meth:`add`).
        max_restarts: At most this many restarts ...
        over: ... within this many seconds (a sliding window); one more
            escalates (see the module documentation).
        raises: The exception the supervisor crashes with when the limit is
            exceeded (default :class:`~mode.exceptions.MaxRestartsExceeded`).
        replacement: ``async replacement(service, index) -> new service``:
            build a new service instead of restarting the crashed one.  The
            old one is stopped and discarded, the new one takes its place.
        restart: Restart type of children that set none (see :meth:`add`).
        backoff: Delay between restarts (:class:`Backoff`); default none.
        poll_interval: Seconds between safety checks of the children, on
            top of the immediate reaction to crashes (default 5.0).
        child_shutdown_timeout: Seconds a child may take to stop (default:
            twice the child's own ``shutdown_timeout``).
        clock: Monotonic clock for the restart window and the backoff reset
            (default :func:`mode.timers.loop_time`, the running loop's
            clock, which the backoff sleep waits on too; injectable for
            tests).
        sleep: ``async sleep(seconds)`` used for backoff delays (tests;
            default :meth:`Service.sleep`, which returns on stop).
        random: Returns a number in ``[0, 1)`` for the jitter (tests).
        beacon, loop: As for :class:`Service`.

    Raises:
        ValueError: ``max_restarts < 0``, ``over <= 0``, ``poll_interval <=
            0``, a negative ``child_shutdown_timeout``, or an unknown
            ``restart`` type.
        TypeError: ``raises`` is not an exception class, ``backoff`` is not a
            :class:`Backoff`, or a service argument is not a service.
    """

    #: How many restarts are allowed within :attr:`over` seconds.
    max_restarts: float
    #: The length of the restart window in seconds.
    over: float
    #: The exception class the supervisor crashes with past the limit.
    raises: type[BaseException]
    #: Factory of replacement services, if any.
    replacement: ReplacementT | None
    #: Restart type of children that do not set one.
    default_restart: RestartType
    #: Delay between restarts, or None for immediate restarts.
    backoff: Backoff | None
    #: Seconds between safety checks of the children.
    poll_interval: float
    #: Seconds a child may take to stop (None: twice its shutdown_timeout).
    child_shutdown_timeout: float | None

    _services: list[ServiceT]
    _index: dict[ServiceT, int]
    _please_wakeup: asyncio.Future[None] | None

    # The back-off sleep in progress (supervisor's clock), for mode.status:
    # when it began and when it ends; None when not backing off.
    _backoff_since: float | None = None
    _backoff_until: float | None = None

    def __init__(
        self,
        *services: ServiceT,
        max_restarts: Seconds = 100.0,
        over: Seconds = 1.0,
        raises: type[BaseException] | None = MaxRestartsExceeded,
        replacement: ReplacementT | None = None,
        restart: RestartType = TRANSIENT,
        backoff: Backoff | None = None,
        poll_interval: Seconds = 5.0,
        child_shutdown_timeout: Seconds | None = None,
        clock: Callable[[], float] = loop_time,
        sleep: _SleepT | None = None,
        random: Callable[[], float] | None = None,
        beacon: NodeT[Any] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        **kwargs: Any,
    ) -> None:
        max_restarts_s = want_seconds(max_restarts)
        over_s = want_seconds(over)
        poll_s = want_seconds(poll_interval)
        child_timeout_s = want_seconds(child_shutdown_timeout)
        if not max_restarts_s >= 0:
            raise ValueError(
                f"max_restarts must be >= 0 (0: escalate on the first crash), "
                f"not {max_restarts!r}"
            )
        if not over_s > 0:
            raise ValueError(f"over must be a positive number of seconds, not {over!r}")
        if not poll_s > 0:
            raise ValueError(
                f"poll_interval must be a positive number of seconds, not "
                f"{poll_interval!r}"
            )
        if child_timeout_s is not None and not child_timeout_s >= 0:
            raise ValueError(
                f"child_shutdown_timeout must be >= 0 seconds, not "
                f"{child_shutdown_timeout!r}"
            )
        if raises is None:
            raises = MaxRestartsExceeded
        if not (isinstance(raises, type) and issubclass(raises, BaseException)):
            raise TypeError(
                f"raises must be an exception class such as MaxRestartsExceeded, "
                f"not {raises!r}"
            )
        for what, fun in (
            ("replacement", replacement),
            ("clock", clock),
            ("sleep", sleep),
            ("random", random),
        ):
            if fun is not None and not callable(fun):
                raise TypeError(
                    f"{what}= must be a callable or None, not {type(fun).__name__}"
                )
        if backoff is not None and not isinstance(backoff, Backoff):
            raise TypeError(
                f"backoff must be a mode.supervisors.Backoff (or None), not "
                f"{type(backoff).__name__}"
            )
        self.max_restarts = max_restarts_s
        self.over = over_s
        self.raises = raises
        self.replacement = replacement
        self.default_restart = _check_restart_type(restart)
        self.backoff = backoff
        self.poll_interval = poll_s
        self.child_shutdown_timeout = child_timeout_s
        self._clock = clock
        self._sleep_fun = sleep
        self._random = random if random is not None else _random.random
        self._services = []
        self._index = {}
        self._records: dict[ServiceT, _Child] = {}
        self._restart_times: deque[float] = deque()
        self._please_wakeup = None
        self._wakeup_pending = False
        self._loop_task: asyncio.Task[Any] | None = None
        self._watchers: dict[ServiceT, asyncio.Task[None]] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        super().__init__(beacon=beacon, loop=loop, **kwargs)
        self.add(*services)

    # -- membership --------------------------------------------------------

    def add(
        self,
        *services: ServiceT,
        restart: RestartType | None = None,
        shutdown_timeout: Seconds | None = None,
    ) -> None:
        """Supervise ``services`` (started by the supervisor, in this order).

        ``restart`` is their restart type; when None, a ``restart_type``
        attribute of the service, else the supervisor's default, is used.
        ``shutdown_timeout`` bounds each one's stop (see
        ``child_shutdown_timeout``).  Adding a service twice only updates
        the options given.  If the supervisor is running, new children are
        started promptly by its loop.

        Raises:
            TypeError: an argument is not a service.
            ValueError: a service is already supervised by another
                supervisor (discard it there first), is the supervisor
                itself, the restart type is unknown, or the timeout negative.
        """
        restart_type = None if restart is None else _check_restart_type(restart)
        timeout = want_seconds(shutdown_timeout)
        if timeout is not None and not timeout >= 0:
            raise ValueError(
                f"shutdown_timeout must be >= 0 seconds, not {shutdown_timeout!r}"
            )
        for service in services:
            self._check_new(service)
        for service in services:
            record = self._records.get(service)
            if record is not None:
                if restart_type is not None:
                    record.restart = restart_type
                if timeout is not None:
                    record.shutdown_timeout = timeout
                continue
            chosen = restart_type
            if chosen is None:
                own = getattr(service, "restart_type", None)
                chosen = self.default_restart if own is None else own
            record = _Child(
                restart=_check_restart_type(chosen), shutdown_timeout=timeout
            )
            self._index[service] = len(self._services)
            self._services.append(service)
            self._records[service] = record
            self._contribute_to_service(service)
        if services and self.started and not self.should_stop:
            self.wakeup()

    def _check_new(self, service: object, method: str = "add") -> None:
        if not isinstance(service, ServiceT):
            raise TypeError(
                f"{type(self).__name__}.{method}() expects services (mode.Service "
                f"instances), not {type(service).__name__}: wrap a coroutine "
                "with Service.from_awaitable(coro)"
            )
        if service is self:
            raise ValueError(f"{self.label} cannot supervise itself")
        owner = service.supervisor
        if owner is not None and owner is not self:
            raise ValueError(
                f"{service!r} is already supervised by {owner!r}: call "
                f"discard() on that supervisor first"
            )

    def _contribute_to_service(self, service: ServiceT) -> None:
        """Make ``service`` report its crashes to this supervisor."""
        service.supervisor = self

    def discard(self, *services: ServiceT) -> None:
        """Stop supervising ``services``; unknown ones are ignored.

        The services are not stopped: call ``stop()`` yourself if needed.
        """
        changed = False
        for service in services:
            if self._records.pop(service, None) is None:
                continue
            changed = True
            self._services.remove(service)
            if service.supervisor is self:
                service.supervisor = None
            self._unwatch(service)
        if changed:
            self._index = {s: i for i, s in enumerate(self._services)}

    def insert(self, index: int, service: ServiceT) -> None:
        """Put ``service`` in slot ``index`` in place of the child there.

        The new service takes over the slot's restart type, counters and
        position in the start order; the old one is no longer supervised
        (it is not stopped).  The supervisor's loop starts the new service
        if it is not started.

        Raises:
            IndexError: no child at ``index``.
            TypeError, ValueError: as for :meth:`add`.
        """
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(
                f"insert() index must be an int, not {type(index).__name__}"
            )
        self._check_new(service, "insert")
        if not -len(self._services) <= index < len(self._services):
            raise IndexError(
                f"{self.label} has no child at index {index} (it has "
                f"{len(self._services)})"
            )
        index %= len(self._services)
        old = self._services[index]
        if service is old:
            return
        if service in self._records:
            raise ValueError(
                f"{service!r} is already supervised at index "
                f"{self._index[service]}; discard it first"
            )
        record = self._records.pop(old)
        del self._index[old]
        if old.supervisor is self:
            old.supervisor = None
        self._unwatch(old)
        self._services[index] = service
        self._index[service] = index
        self._records[service] = record
        self._contribute_to_service(service)
        if self.started and not self.should_stop:
            self.wakeup()

    # -- introspection -----------------------------------------------------

    def status(self) -> list[ChildStatus]:
        """Return one :class:`ChildStatus` per child, in start order.

        Use ``[s.as_dict() for s in sup.status()]`` for JSON or logs.
        """
        result = []
        for index, service in enumerate(self._services):
            record = self._records[service]
            crash = service.crash_reason
            if crash is None:
                crash = record.last_crash
            result.append(
                ChildStatus(
                    index=index,
                    label=service.label,
                    state=service.state,
                    restart=record.restart,
                    restart_count=record.restart_count,
                    last_crash=None if crash is None else repr(crash),
                    given_up=record.given_up,
                )
            )
        return result

    @property
    def recent_restarts(self) -> int:
        """How many restarts happened within the last :attr:`over` seconds."""
        self._prune_window(self._clock())
        return len(self._restart_times)

    #: How many children :attr:`label` names before "+N more".
    label_children: ClassVar[int] = 3

    @property
    def label(self) -> str:
        """``"{Class}: ({child}, {child}, ...)"``: the class and its children.

        Children are named by their label (a supervisor child by its class
        name), the first :attr:`label_children` of them, then ``+N more``.
        (The original showed the number of children and the object's
        address: ``"OneForOneSupervisor: (2@0x7f...)"``.)
        """
        services = self._services
        shown = [
            type(child).__name__
            if isinstance(child, SupervisorStrategyT)
            else child.label
            for child in services[: self.label_children]
        ]
        more = len(services) - len(shown)
        if more > 0:
            shown.append(f"+{more} more")
        return f"{type(self).__name__}: ({', '.join(shown)})"

    def service_operational(self, service: ServiceT) -> bool:
        """Return True if ``service`` has not crashed."""
        return not service.crashed

    # -- waking up ---------------------------------------------------------

    def wakeup(self) -> None:
        """Make the supervisor check its children now.

        Called by :meth:`Service.crash` on a supervised service, and when a
        child stops.  Safe to call from any thread and before the supervisor
        runs (the check then happens as soon as its loop runs).
        """
        self._wakeup_pending = True
        fut = self._please_wakeup
        if fut is None or fut.done():
            return
        loop = fut.get_loop()
        if asyncio.events._get_running_loop() is loop:
            notify(fut)
        else:
            try:
                loop.call_soon_threadsafe(notify, fut)
            except RuntimeError:  # pragma: no cover - the loop is closed
                pass

    async def _wait_for_wakeup(self) -> None:
        if not self._wakeup_pending:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._please_wakeup = fut
            try:
                await self.wait(fut, timeout=self.poll_interval)
            finally:
                self._please_wakeup = None
                fut.cancel()
        self._wakeup_pending = False

    # -- lifecycle ---------------------------------------------------------

    async def on_start(self) -> None:
        """Start every child in order (children left stopped are reset first).

        A child failing to start makes the supervisor's start fail.
        """
        for record in self._records.values():
            record.given_up = False
            record.settled = False
        for service in self._services:
            if service.started and service.should_stop:
                service.service_reset()
        await self.start_services(list(self._services))

    async def on_stop(self) -> None:
        """Stop the supervising loop, then every child in reverse order."""
        task = self._loop_task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            await asyncio.wait((task,), timeout=self.shutdown_timeout)
        await self.stop_services(list(self._services))
        watchers = list(self._watchers.values())
        self._watchers.clear()
        for watcher in watchers:
            watcher.cancel()
        if watchers:
            await asyncio.wait(watchers)

    def service_reset(self) -> None:
        """Reset the supervisor (see :meth:`Service.service_reset`).

        Also empties the restart window: a restarted supervisor starts with
        its full restart allowance, as in OTP.
        """
        super().service_reset()
        self._restart_times.clear()

    async def run_until_complete(self) -> None:
        """Start the supervisor, then stop it (as in the original)."""
        await self.start()
        await self.stop()

    @Service.task
    async def _supervisor(self) -> None:
        self._loop_task = asyncio.current_task()
        try:
            while not self._halted():
                await self._wait_for_wakeup()
                if self._halted():
                    break
                try:
                    await self._supervise_once()
                except asyncio.CancelledError:
                    raise
                except _Escalate as exc:
                    await self._escalate(exc.reason)
                    break
                except BaseException as exc:
                    await self._escalate(exc)
                    break
        finally:
            self._loop_task = None

    def _tree_stopping(self) -> bool:
        # True if a service above the supervisor in the service tree is
        # stopping or crashed: the tree is going down, restarting children
        # now would only start what is about to be stopped.
        for node in self.beacon.walk():
            data = node.data
            if data is not self and isinstance(data, ServiceT) and data.should_stop:
                return True
        return False

    async def _supervise_once(self) -> None:
        if self._tree_stopping():
            return
        to_start: list[ServiceT] = []
        crashed: list[ServiceT] = []
        ended: list[ServiceT] = []
        for service in list(self._services):
            record = self._records[service]
            if record.given_up:
                continue
            if not service.started:
                to_start.append(service)
            elif not self.service_operational(service):
                record.last_crash = service.crash_reason
                crashed.append(service)
            elif service.should_stop:
                ended.append(service)
        for service in to_start:
            await self._start_or_crash(service, service.maybe_start)
        if crashed or ended:
            await self._on_children_ended(crashed, ended)

    async def _on_children_ended(
        self, crashed: list[ServiceT], ended: list[ServiceT]
    ) -> None:
        """Handle crashed and cleanly stopped children per restart type."""
        to_restart: list[ServiceT] = []
        for service in [*crashed, *ended]:
            record = self._records[service]
            if record.restart == TEMPORARY:
                self.log.info(
                    "Temporary child %s ended (%s): no longer supervised",
                    service.label,
                    "crashed" if service in crashed else "stopped",
                )
                if service.crashed:
                    await self._stop_child(service)
                self.discard(service)
            elif service in crashed or record.restart == PERMANENT:
                to_restart.append(service)
            elif not record.settled:
                record.settled = True
                self.log.info(
                    "Transient child %s stopped cleanly: not restarted",
                    service.label,
                )
        if to_restart:
            await self.restart_services(to_restart)

    # -- starting and stopping children ------------------------------------

    async def start_services(self, services: Sequence[ServiceT]) -> None:
        """Start ``services`` one by one (those not started yet).

        Raises whatever a service's start raises.
        """
        for service in services:
            await self.start_service(service)

    async def start_service(self, service: ServiceT) -> None:
        """Start ``service`` unless it is started, and watch it for stops."""
        await service.maybe_start()
        self._watch(service)

    async def _start_or_crash(
        self, service: ServiceT, start: Callable[[], Awaitable[Any]]
    ) -> bool:
        # A child failing to (re)start crashes: the next pass retries it
        # (counted against the restart intensity).
        try:
            await start()
        except Exception as exc:
            await service.crash(exc)
            self.wakeup()
            return False
        self._watch(service)
        return True

    async def stop_services(self, services: Sequence[ServiceT]) -> None:
        """Stop ``services`` one by one, in reverse order, each bounded.

        Each stop is bounded by the child's shutdown timeout: a child that
        does not stop in time is logged (error) and its stop is cancelled.
        Errors raised by a stop are logged, not raised (except
        :class:`MemoryError`).  *Decision*: sequential in reverse start
        order as in OTP (the original stopped them concurrently).
        """
        for service in reversed(services):
            await self._stop_child(service)

    def _child_timeout(self, service: ServiceT) -> float:
        record = self._records.get(service)
        if record is not None and record.shutdown_timeout is not None:
            return record.shutdown_timeout
        if self.child_shutdown_timeout is not None:
            return self.child_shutdown_timeout
        return 2.0 * float(service.shutdown_timeout)

    async def _stop_child(self, service: ServiceT) -> None:
        record = self._records.get(service)
        if record is not None:
            record.stopping = True
        timeout = self._child_timeout(service)
        task = asyncio.get_running_loop().create_task(self._run_stop(service))
        self._stopping.add(task)
        task.add_done_callback(self._stop_task_done)
        await asyncio.wait((task,), timeout=timeout)
        if task.done():
            if not task.cancelled():
                task.result()  # only MemoryError is raised by _run_stop
            return
        self.log.error(
            "Child %s did not stop within %s s (its shutdown timeout): "
            "cancelling its stop; what it still runs is abandoned",
            service.label,
            timeout,
        )
        task.cancel()
        await asyncio.wait((task,), timeout=0)

    def _stop_task_done(self, task: asyncio.Task[None]) -> None:
        self._stopping.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: an abandoned stop may fail late

    async def _run_stop(self, service: ServiceT) -> None:
        try:
            await service.stop()
        except MemoryError:
            raise
        except Exception as exc:
            self.log.error(
                "Unable to stop child %s: %r", service.label, exc, exc_info=exc
            )

    # -- watching children -------------------------------------------------

    def _watch(self, service: ServiceT) -> None:
        record = self._records.get(service)
        if record is None or self._halted():
            return
        record.stopping = False
        self._unwatch(service)
        task = asyncio.get_running_loop().create_task(self._watch_child(service))
        self._watchers[service] = task
        task.add_done_callback(lambda t: self._watcher_done(service, t))

    def _watcher_done(self, service: ServiceT, task: asyncio.Task[None]) -> None:
        if self._watchers.get(service) is task:
            del self._watchers[service]

    def _unwatch(self, service: ServiceT) -> None:
        task = self._watchers.pop(service, None)
        if task is not None:
            task.cancel()

    async def _watch_child(self, service: ServiceT) -> None:
        try:
            await service.wait_until_stopped()
        except Exception as exc:  # pragma: no cover - a broken ServiceT
            self.log.error("Cannot watch %s: %r", service.label, exc)
        record = self._records.get(service)
        if record is not None and not record.stopping:
            self.wakeup()

    # -- restarting --------------------------------------------------------

    async def restart_services(self, services: Sequence[ServiceT]) -> None:
        """Restart ``services`` (the children that need it): the strategy.

        Here (one-for-one): each one on its own, each counted against the
        restart intensity.
        """
        for service in services:
            if self._halted():
                return
            await self.restart_service(service)

    async def restart_service(self, service: ServiceT) -> None:
        """Restart (or replace) ``service`` alone, counting one restart.

        Raises:
            ValueError: ``service`` is not supervised here.
            MaxRestartsExceeded: (``raises``) the restart would exceed the
                intensity limit; the supervising loop escalates it.
        """
        if service not in self._records:
            raise ValueError(f"{service!r} is not supervised by {self.label}")
        await self._restart_group([service], [service])

    def _children_from(self, services: Iterable[ServiceT]) -> list[ServiceT]:
        """Return ``services`` in start order; ValueError for strangers."""
        wanted = set(services)
        for service in wanted:
            if service not in self._records:
                raise ValueError(f"{service!r} is not supervised by {self.label}")
        return [s for s in self._services if s in wanted]

    def _restartable(
        self, start: int = 0, include: Sequence[ServiceT] = ()
    ) -> list[ServiceT]:
        # The children from ``start`` on that are still in play (not given
        # up, not ended for good), plus ``include``.
        return [
            s
            for s in self._services[start:]
            if s in include
            or not (self._records[s].given_up or self._records[s].settled)
        ]

    async def _restart_group(
        self, group: Sequence[ServiceT], triggers: Sequence[ServiceT]
    ) -> None:
        """Count one restart, stop ``group`` (reverse), wait, start it again."""
        self._count_restart(triggers[0])
        delay = self._next_delay(triggers)
        await self.stop_services(group)
        if delay > 0.0:
            self.log.info(
                "Restarting %s in %.3f s (backoff)",
                ", ".join(s.label for s in group),
                delay,
            )
            began = self._clock()
            self._backoff_since, self._backoff_until = began, began + delay
            try:
                await self._backoff_sleep(delay)
            finally:
                self._backoff_since = self._backoff_until = None
        for service in group:
            if self._halted():
                return
            await self._start_again(service)

    async def _backoff_sleep(self, delay: float) -> None:
        if self._sleep_fun is not None:
            await self._sleep_fun(delay)
        else:
            await self.sleep(delay)

    def _prune_window(self, now: float) -> None:
        window = self._restart_times
        horizon = now - self.over
        while window and window[0] <= horizon:
            window.popleft()

    def _count_restart(self, trigger: ServiceT) -> None:
        now = self._clock()
        self._prune_window(now)
        window = self._restart_times
        if len(window) >= self.max_restarts:
            reason = trigger.crash_reason
            raise self.raises(
                f"{self.label}: restarting {trigger.label} would exceed "
                f"max_restarts={self.max_restarts:g} within over={self.over:g} s "
                f"({len(window)} restarts in the last {self.over:g} s; last "
                f"reason: {reason!r}). Fix the crashing child, or raise "
                "max_restarts/over if this rate is expected."
            )
        window.append(now)

    def _next_delay(self, triggers: Sequence[ServiceT]) -> float:
        backoff = self.backoff
        if backoff is None:
            return 0.0
        now = self._clock()
        attempt = 0
        for service in triggers:
            record = self._records[service]
            since = record.last_restart_at
            if since is not None and now - since >= backoff.reset_after:
                record.attempt = 0
            attempt = max(attempt, record.attempt)
        for service in triggers:
            self._records[service].attempt = attempt + 1
        return backoff.delay(attempt, self._random())

    async def _start_again(self, service: ServiceT) -> None:
        record = self._records.get(service)
        if record is None:  # discarded meanwhile
            return
        if record.restart == TEMPORARY:
            self.log.info(
                "Temporary child %s not restarted: no longer supervised",
                service.label,
            )
            self.discard(service)
            return
        if service.crashed:
            self.log.info(
                "Restarting dead %r! Last crash reason: %r",
                service,
                service.crash_reason,
            )
        else:
            self.log.info("Restarting %r", service)
        record.restart_count += 1
        record.last_restart_at = self._clock()
        record.given_up = False
        record.settled = False
        if self.replacement is None:
            await self._start_or_crash(service, service.restart)
            return
        index = self._index[service]
        try:
            new = await self.replacement(service, index)
        except Exception as exc:
            record.last_crash = exc
            self.log.error(
                "Replacement of %s failed: %r", service.label, exc, exc_info=exc
            )
            self.wakeup()
            return
        if not isinstance(new, ServiceT):
            raise TypeError(
                f"replacement({service!r}, {index}) must return a service, "
                f"not {type(new).__name__}"
            )
        self.insert(index, new)
        await self._start_or_crash(new, new.maybe_start)

    async def _escalate(self, reason: BaseException) -> None:
        """Stop every child, then crash with ``reason`` (to the parent)."""
        self.log.critical(
            "Escalating to the parent: stopping %d children, then crashing",
            len(self._services),
        )
        await self.stop_services(list(self._services))
        await self.crash(reason)


class OneForOneSupervisor(SupervisorStrategy):
    """Restart only the child that crashed (OTP ``one_for_one``)."""


class OneForAllSupervisor(SupervisorStrategy):
    """Restart every child when one needs a restart (OTP ``one_for_all``).

    All children are stopped in reverse start order, then started again in
    order; this counts as one restart.  Children that ended cleanly and are
    not restarted by their type (transient) stay stopped; temporary children
    are stopped and forgotten.
    """

    async def restart_services(self, services: Sequence[ServiceT]) -> None:
        """Restart all children because ``services`` need a restart."""
        if services:
            triggers = self._children_from(services)
            group = self._restartable(0, triggers)
            await self._restart_group(group, triggers)


class RestForOneSupervisor(SupervisorStrategy):
    """Restart the child and every child started after it (``rest_for_one``).

    For children that depend on those started before them: the crashed
    child and the later ones are stopped in reverse start order, then
    started again in order; this counts as one restart.
    """

    async def restart_services(self, services: Sequence[ServiceT]) -> None:
        """Restart the first of ``services`` and every later child."""
        if services:
            triggers = self._children_from(services)
            first = self._index[triggers[0]]
            group = self._restartable(first, triggers)
            await self._restart_group(group, triggers)


class ForfeitOneForOneSupervisor(SupervisorStrategy):
    """Give up on a crashed child: stop it, never restart it.

    Logs at critical level once per child (*decision*: the original logged
    again on every wakeup).  :meth:`status` shows ``given_up``.
    """

    async def restart_services(self, services: Sequence[ServiceT]) -> None:
        """Stop ``services`` and give up on them."""
        services = self._children_from(services)
        if services:
            self.log.critical(
                "Giving up on crashed services: %s",
                ", ".join(s.label for s in services),
            )
            for service in services:
                self._records[service].given_up = True
            await self.stop_services(services)


class ForfeitOneForAllSupervisor(SupervisorStrategy):
    """Give up on every child when one crashes: stop them all."""

    async def restart_services(self, services: Sequence[ServiceT]) -> None:
        """Stop every child and give up on all of them."""
        services = self._children_from(services)
        if services:
            self.log.critical(
                "Giving up on all services because of: %s",
                ", ".join(s.label for s in services),
            )
            group = self._restartable()
            for service in group:
                self._records[service].given_up = True
            await self.stop_services(group)


class CrashingSupervisor(SupervisorStrategy):
    """Take the process down when a child crashes (never restart).

    A child crash (of any restart type), or a clean stop of a permanent
    child, makes the supervisor stop its children and crash with the
    child's crash reason.  The crash goes to its own supervisor if it has
    one; otherwise the whole service tree is marked crashed and a Worker at
    the root exits non-zero.  *Decision*: the original did not supervise the
    children at all (so their crash poisoned only their own tree) and
    stopped itself on any wakeup.
    """

    async def _on_children_ended(
        self, crashed: list[ServiceT], ended: list[ServiceT]
    ) -> None:
        if crashed:
            child = crashed[0]
            reason = child.crash_reason
            if reason is None:  # pragma: no cover - crashed without reason
                reason = RuntimeError(f"{child.label} crashed")
            self.log.critical(
                "Child %s crashed: taking the supervisor down", child.label
            )
            raise _Escalate(reason)
        await super()._on_children_ended(crashed, ended)

    async def restart_services(self, services: Sequence[ServiceT]) -> None:
        """Crash the supervisor instead of restarting ``services``."""
        services = self._children_from(services)
        if services:
            child = services[0]
            raise _Escalate(
                RuntimeError(
                    f"{child.label} ({self._records[child].restart}) stopped and "
                    f"{type(self).__name__} never restarts: taking it down"
                )
            )
