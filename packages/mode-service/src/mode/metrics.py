"""The service tree's numbers, through OpenTelemetry's metrics API.

::

    from opentelemetry.metrics import set_meter_provider
    from opentelemetry.sdk.metrics import MeterProvider

    set_meter_provider(MeterProvider(metric_readers=[...]))

    class App(Service):
        async def on_first_start(self) -> None:
            mode.metrics.instrument(self)   # on the loop that runs the tree

:func:`instrument` reports a service tree to a meter provider: services by
state, starts, stops, restarts, crashes, owned tasks, timer ticks and
lateness (observable instruments, read when the provider's reader
collects), ``call_thread`` latency and signal receivers' errors (recorded
as they happen, only while some tree is instrumented), and the length of
queues you opt in with :func:`watch_queue`.  Every metric, with its unit and
attributes, is listed in the "Metrics" section of the observability guide.

**Off unless configured.**  This module imports nothing of OpenTelemetry
until :func:`instrument` runs, and nothing else of mode imports this module.
When the ``opentelemetry-api`` package is missing (the ``metrics`` extra of
mode-service installs it), or no SDK meter provider is configured (the
global provider is still OpenTelemetry's default), :func:`instrument`
returns a disabled :class:`Instrumentation`: nothing is registered and the
hot paths stay exactly as they are.  Configure the SDK *before* calling
:func:`instrument`, or pass ``meter_provider=``.

**Where the numbers are read.**  Observable instruments are called by the
reader's thread (a Prometheus scrape, a periodic exporter), not by the loop
that runs the tree.  Their callbacks take one :func:`mode.status.snapshot`
of the tree per collection, *on the tree's loop*: handed to it with
``call_soon_threadsafe`` and awaited up to ``snapshot_timeout`` seconds
(taken in place when the collection runs on that loop's thread, or when
that loop is not running).  A loop that does not answer in time (blocked)
gets the previous snapshot reported again, so a scrape never hangs on it.
Queue lengths are the exception: :meth:`asyncio.Queue.qsize` is a plain
``len()`` of a deque, read from the collecting thread directly.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from time import monotonic
from typing import TYPE_CHECKING, Any, Final

from .types.services import ServiceT

if TYPE_CHECKING:
    from opentelemetry.metrics import CallbackOptions, MeterProvider, Observation

    from .signals import BaseSignal
    from .status import ServiceStatus, StatusSnapshot
    from .threads import QueueServiceThread

__all__ = [
    "METER_NAME",
    "Instrumentation",
    "instrument",
    "unwatch_queue",
    "watch_queue",
]

logger = logging.getLogger(__name__)

#: The name of the meter (instrumentation scope) every instrument belongs to.
METER_NAME: Final = "mode"

_STATES: Final = ("init", "starting", "running", "stopping", "stopped", "crashed")
#: States in which the service's last start has not been followed by a stop.
_NOT_STOPPED: Final = frozenset({"starting", "running", "stopping"})

# Attribute keys (OpenTelemetry semantic-convention style: namespaced,
# lower case, dot separated; ``error.type`` is the general convention's).
_CLASS: Final = "mode.service.class"
_LABEL: Final = "mode.service.label"
_STATE: Final = "mode.service.state"
_TIMER: Final = "mode.timer.name"
_SIGNAL: Final = "mode.signal.name"
_QUEUE: Final = "mode.queue.name"
_ERROR: Final = "error.type"

#: Bucket boundaries of the call_thread duration histogram, in seconds:
#: from 50 microseconds (a hop to an idle thread) to 10 s.
_DURATION_BUCKETS: Final = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

_Attrs = tuple[tuple[str, str], ...]


# ---------------------------------------------------------------- queues
_queues_lock = threading.Lock()
#: id(queue) -> (weak reference to the queue, name)
_queues: dict[int, tuple[weakref.ref[asyncio.Queue[Any]], str]] = {}


def watch_queue(queue: asyncio.Queue[Any], *, name: str) -> None:
    """Report the length of ``queue`` as ``mode.queue.length`` (and its limit).

    For a :class:`~mode.utils.queues.FlowControlQueue`, a
    :class:`~mode.utils.queues.ThrowableQueue` or any :class:`asyncio.Queue`.
    The queue is held through a weak reference: a collected queue drops out
    of the metrics by itself (or call :func:`unwatch_queue`).  Queues that
    share a name are reported as one (their lengths added up), so keep
    names few and stable (a stage's name, not a per-item id).  Its length
    is read by the reader's thread with ``qsize()``, without the loop.
    Watching a queue again renames it.  Reported by every instrumented
    meter provider; costs nothing on the queue's own paths.

    Raises:
        TypeError: ``queue`` is not an :class:`asyncio.Queue`, or ``name``
            is not a non-empty string.
    """
    if not isinstance(queue, asyncio.Queue):
        raise TypeError(
            f"watch_queue() expects an asyncio.Queue (a FlowControlQueue, "
            f"say), not {type(queue).__name__}"
        )
    if not isinstance(name, str) or not name:
        raise TypeError(
            f"watch_queue() needs name= as a non-empty string, not {name!r}"
        )
    key = id(queue)

    def forget(ref: weakref.ref[Any]) -> None:
        with _queues_lock:
            if _queues.get(key, (None,))[0] is ref:
                del _queues[key]

    with _queues_lock:
        _queues[key] = (weakref.ref(queue, forget), name)


def unwatch_queue(queue: asyncio.Queue[Any]) -> None:
    """Stop reporting ``queue`` (see :func:`watch_queue`); no-op if not watched."""
    with _queues_lock:
        entry = _queues.get(id(queue))
        if entry is not None and entry[0]() is queue:
            del _queues[id(queue)]


def _queue_lengths() -> tuple[dict[str, int], dict[str, int]]:
    lengths: dict[str, int] = {}
    limits: dict[str, int] = {}
    with _queues_lock:
        entries = list(_queues.values())
    for ref, name in entries:
        queue = ref()
        if queue is None:
            continue
        lengths[name] = lengths.get(name, 0) + queue.qsize()
        if queue.maxsize > 0:
            limits[name] = limits.get(name, 0) + queue.maxsize
    return lengths, limits


# ---------------------------------------------------------------- providers
class _ProviderState:
    """The instruments made on one meter provider, and who reports to them.

    OpenTelemetry cannot remove an instrument once made, so each provider
    gets its instruments once; closing an :class:`Instrumentation` only
    takes its tree out of what the callbacks report.
    """

    def __init__(self, provider: MeterProvider) -> None:
        meter = provider.get_meter(METER_NAME, _version())
        self.open: list[Instrumentation] = []
        obs = self._observer
        meter.create_observable_up_down_counter(
            "mode.service.count",
            callbacks=[obs(_service_counts)],
            unit="{service}",
            description="Services of the tree in each state.",
        )
        for name, unit, key, what in (
            ("mode.service.starts", "{start}", "starts", "Starts of services"),
            ("mode.service.stops", "{stop}", "stops", "Completed stops of services"),
            ("mode.service.restarts", "{restart}", "restarts", "Restarts"),
            ("mode.service.crashes", "{crash}", "crashes", "Crashes"),
        ):
            meter.create_observable_counter(
                name,
                callbacks=[obs(_service_counter(key))],
                unit=unit,
                description=f"{what}, since the process started.",
            )
        meter.create_observable_up_down_counter(
            "mode.service.task.count",
            callbacks=[obs(_task_counts)],
            unit="{task}",
            description="Tasks owned by services that are not done.",
        )
        meter.create_observable_counter(
            "mode.timer.ticks",
            callbacks=[obs(_timer_ticks)],
            unit="{tick}",
            description="Ticks of services' timers.",
        )
        meter.create_observable_counter(
            "mode.timer.lateness",
            callbacks=[obs(_timer_lateness)],
            unit="s",
            description=(
                "Total lateness of timer ticks (how late each ran vs. its "
                "schedule); divide by mode.timer.ticks for the mean."
            ),
        )
        meter.create_observable_gauge(
            "mode.timer.lateness.max",
            callbacks=[obs(_timer_lateness_max)],
            unit="s",
            description="The latest a tick of the timer ran, since it started.",
        )
        meter.create_observable_up_down_counter(
            "mode.queue.length",
            callbacks=[self._queue_lengths],
            unit="{item}",
            description="Items in watched queues.",
        )
        meter.create_observable_up_down_counter(
            "mode.queue.limit",
            callbacks=[self._queue_limits],
            unit="{item}",
            description="maxsize of watched bounded queues.",
        )
        self.call_duration = meter.create_histogram(
            "mode.thread.call.duration",
            unit="s",
            description="Duration of call_thread calls, queueing included.",
            explicit_bucket_boundaries_advisory=list(_DURATION_BUCKETS),
        )
        self.receiver_errors = meter.create_counter(
            "mode.signal.receiver.errors",
            unit="{error}",
            description="Exceptions raised by signal receivers.",
        )

    def _observer(
        self, make: Callable[[Iterable[StatusSnapshot]], dict[_Attrs, float]]
    ) -> Callable[[CallbackOptions], Iterable[Observation]]:
        key = object()

        def callback(options: CallbackOptions) -> Iterable[Observation]:
            snapshots = [
                snap
                for inst in list(self.open)
                if (snap := inst._snapshot_for(key)) is not None
            ]
            return _observations(make(snapshots))

        return callback

    def _queue_lengths(self, options: CallbackOptions) -> Iterable[Observation]:
        if not self.open:
            return []
        lengths, _ = _queue_lengths()
        return _observations({((_QUEUE, k),): v for k, v in lengths.items()})

    def _queue_limits(self, options: CallbackOptions) -> Iterable[Observation]:
        if not self.open:
            return []
        _, limits = _queue_lengths()
        return _observations({((_QUEUE, k),): v for k, v in limits.items()})


def _observations(values: dict[_Attrs, float]) -> list[Observation]:
    from opentelemetry.metrics import Observation

    return [Observation(value, dict(attrs)) for attrs, value in values.items()]


def _walk(snapshots: Iterable[StatusSnapshot]) -> Iterator[ServiceStatus]:
    stack = [snap["root"] for snap in snapshots]
    while stack:
        status = stack.pop()
        yield status
        stack.extend(status["children"])


def _service_attrs(status: ServiceStatus) -> _Attrs:
    return ((_CLASS, status["class"]), (_LABEL, status["label"]))


def _service_counts(snapshots: Iterable[StatusSnapshot]) -> dict[_Attrs, float]:
    counts: dict[_Attrs, float] = {}
    for status in _walk(snapshots):
        base = _service_attrs(status)
        for state in _STATES:  # zeros too: a state left shows 0, not stale
            counts.setdefault((*base, (_STATE, state)), 0)
        counts[(*base, (_STATE, status["state"]))] += 1
    return counts


def _stops(status: ServiceStatus) -> int:
    # Every start but one still running (or stopping) has been stopped.
    starts = status["starts"]
    return max(0, starts - 1) if status["state"] in _NOT_STOPPED else starts


def _service_counter(
    key: str,
) -> Callable[[Iterable[StatusSnapshot]], dict[_Attrs, float]]:
    def read(status: ServiceStatus) -> int:
        if key == "stops":
            return _stops(status)
        value: int = status[key]  # type: ignore[literal-required]
        return value

    def make(snapshots: Iterable[StatusSnapshot]) -> dict[_Attrs, float]:
        values: dict[_Attrs, float] = {}
        for status in _walk(snapshots):
            attrs = _service_attrs(status)
            values[attrs] = values.get(attrs, 0) + read(status)
        return values

    return make


def _task_counts(snapshots: Iterable[StatusSnapshot]) -> dict[_Attrs, float]:
    values: dict[_Attrs, float] = {}
    for status in _walk(snapshots):
        attrs = _service_attrs(status)
        running = sum(1 for task in status["tasks"] if not task["done"])
        values[attrs] = values.get(attrs, 0) + running
    return values


def _timers(
    snapshots: Iterable[StatusSnapshot],
) -> Iterator[tuple[_Attrs, Any]]:
    for status in _walk(snapshots):
        base = _service_attrs(status)
        for timer in status["timers"]:
            yield (*base, (_TIMER, timer["name"])), timer


def _timer_ticks(snapshots: Iterable[StatusSnapshot]) -> dict[_Attrs, float]:
    values: dict[_Attrs, float] = {}
    for attrs, timer in _timers(snapshots):
        values[attrs] = values.get(attrs, 0) + timer["ticks"]
    return values


def _timer_lateness(snapshots: Iterable[StatusSnapshot]) -> dict[_Attrs, float]:
    values: dict[_Attrs, float] = {}
    for attrs, timer in _timers(snapshots):
        total = max(0.0, timer["lateness_mean"]) * timer["ticks"]
        values[attrs] = values.get(attrs, 0.0) + total
    return values


def _timer_lateness_max(snapshots: Iterable[StatusSnapshot]) -> dict[_Attrs, float]:
    values: dict[_Attrs, float] = {}
    for attrs, timer in _timers(snapshots):
        values[attrs] = max(values.get(attrs, 0.0), timer["lateness_max"])
    return values


# ---------------------------------------------------------------- hooks
_lock = threading.RLock()
#: provider -> its instruments (weakly keyed where the provider allows).
_states: weakref.WeakKeyDictionary[Any, _ProviderState] = weakref.WeakKeyDictionary()
_strong_states: dict[int, tuple[Any, _ProviderState]] = {}
#: The providers that have an open Instrumentation (read by the hooks
#: without a lock: replaced whole, never mutated).
_active: tuple[_ProviderState, ...] = ()


def _on_call_thread(
    service: QueueServiceThread, seconds: float, error: BaseException | None
) -> None:
    attrs: dict[str, str] = {
        _CLASS: _class_name(service),
        _LABEL: _label(service),
    }
    if error is not None:
        attrs[_ERROR] = type(error).__qualname__
    for state in _active:
        state.call_duration.record(seconds, attrs)


def _on_receiver_error(signal: BaseSignal[Any], exc: Exception) -> None:
    attrs = {
        _SIGNAL: signal.label or type(signal).__name__,
        _ERROR: type(exc).__qualname__,
    }
    for state in _active:
        state.receiver_errors.add(1, attrs)


def _class_name(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _label(service: ServiceT) -> str:
    try:
        return str(service.label)
    except Exception:
        return type(service).__name__


def _update_hooks() -> None:
    """Recompute the active providers; install or remove the hooks."""
    global _active
    from . import signals, threads

    seen: list[_ProviderState] = []
    for state in list(_states.values()) + [s for _, s in _strong_states.values()]:
        if state.open and state not in seen:
            seen.append(state)
    _active = tuple(seen)
    if _active:
        threads.set_call_thread_observer(_on_call_thread)
        signals.set_receiver_error_observer(_on_receiver_error)
    else:
        threads.set_call_thread_observer(None)
        signals.set_receiver_error_observer(None)


def _state_for(provider: MeterProvider) -> _ProviderState:
    try:
        state = _states.get(provider)
    except TypeError:  # not weakly referenceable
        entry = _strong_states.get(id(provider))
        state = entry[1] if entry is not None else None
    if state is None:
        state = _ProviderState(provider)
        try:
            _states[provider] = state
        except TypeError:
            _strong_states[id(provider)] = (provider, state)
    return state


# ---------------------------------------------------------------- API
class Instrumentation:
    """A service tree reported to a meter provider (see :func:`instrument`).

    Disabled (:attr:`enabled` false) when OpenTelemetry or an SDK meter
    provider was missing: then it does nothing at all.  :meth:`close` takes
    the tree out of the metrics; a context manager closes it on exit.
    """

    def __init__(
        self,
        root: ServiceT | None,
        state: _ProviderState | None,
        *,
        loop: asyncio.AbstractEventLoop | None = None,
        snapshot_timeout: float = 1.0,
        key: Any = None,
    ) -> None:
        self._root = weakref.ref(root) if root is not None else None
        self._state = state
        self._loop = loop
        self._key = key
        self.snapshot_timeout = snapshot_timeout
        self._snap_lock = threading.Lock()
        self._snapshot: StatusSnapshot | None = None
        self._taken = 0.0
        self._used_by: set[object] = set()

    @property
    def enabled(self) -> bool:
        """True while the tree is reported (False when disabled or closed)."""
        return self._state is not None and self in self._state.open

    @property
    def root(self) -> ServiceT | None:
        """The instrumented tree's root (None when disabled or collected)."""
        return self._root() if self._root is not None else None

    def close(self) -> None:
        """Stop reporting the tree.  Idempotent; safe from any thread.

        The instruments stay on the provider (OpenTelemetry cannot remove
        them); with no tree left they report nothing, and the hooks on
        ``call_thread`` and signal sends are removed when no tree is
        instrumented any more.
        """
        state = self._state
        if state is None:
            return
        with _lock:
            if self in state.open:
                state.open.remove(self)
            if _instrumentations.get(self._key) is self:
                del _instrumentations[self._key]
            _update_hooks()

    def __enter__(self) -> Instrumentation:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        root = self.root
        what = (
            "disabled"
            if self._state is None
            else ("open" if self.enabled else "closed")
        )
        return f"<Instrumentation {what} root={root!r}>"

    # -- snapshots ---------------------------------------------------------

    def _snapshot_for(self, user: object) -> StatusSnapshot | None:
        """The tree's snapshot for one instrument's callback.

        One snapshot serves one collection: each instrument uses a snapshot
        at most once, so the first callback of a collection takes a fresh
        one and the others reuse it (also if it is older than a second,
        which only a stalled collection sees).
        """
        with self._snap_lock:
            if (
                user in self._used_by
                or self._snapshot is None
                or monotonic() - self._taken > 1.0
            ):
                self._used_by.clear()
                self._taken = monotonic()
                snap = self._take()
                if snap is not None:
                    self._snapshot = snap
            self._used_by.add(user)
            return self._snapshot

    def _take(self) -> StatusSnapshot | None:
        root = self.root
        if root is None:
            self._snapshot = None
            return None
        from .status import snapshot

        loop = self._loop
        if (
            loop is None
            or loop.is_closed()
            or not loop.is_running()
            or asyncio.events._get_running_loop() is loop
        ):
            return self._safely(snapshot, root)
        result: concurrent.futures.Future[StatusSnapshot | None] = (
            concurrent.futures.Future()
        )

        def on_loop() -> None:
            if result.set_running_or_notify_cancel():
                result.set_result(self._safely(snapshot, root))

        try:
            loop.call_soon_threadsafe(on_loop)
        except RuntimeError:  # closed meanwhile: nothing runs the tree
            return self._safely(snapshot, root)
        try:
            return result.result(self.snapshot_timeout)
        except concurrent.futures.TimeoutError:
            result.cancel()
            logger.warning(
                "metrics: the loop of %r did not answer within %.3g s; "
                "reporting the previous snapshot",
                root,
                self.snapshot_timeout,
            )
            return None

    @staticmethod
    def _safely(
        snapshot: Callable[[ServiceT], StatusSnapshot], root: ServiceT
    ) -> StatusSnapshot | None:
        try:
            return snapshot(root)
        except Exception:
            logger.exception("metrics: the status snapshot of %r failed", root)
            return None


#: (id(root), id(provider)) -> the open Instrumentation, for idempotence.
_instrumentations: dict[Any, Instrumentation] = {}


def _configured_provider() -> MeterProvider | None:
    """The global meter provider if an SDK one is set, else None.

    Imports nothing when nobody could have configured one: a provider is
    set through ``opentelemetry.metrics`` (already imported then) or named
    by the ``OTEL_PYTHON_METER_PROVIDER`` environment variable.
    """
    if "opentelemetry.metrics" not in sys.modules and (
        "OTEL_PYTHON_METER_PROVIDER" not in os.environ
    ):
        return None
    try:
        from opentelemetry import metrics
    except ImportError:
        return None
    provider = metrics.get_meter_provider()
    if isinstance(provider, metrics.NoOpMeterProvider):
        return None
    proxy = getattr(metrics._internal, "_ProxyMeterProvider", None)
    if proxy is not None and isinstance(provider, proxy):
        return None
    return provider


def instrument(
    root: ServiceT,
    *,
    meter_provider: MeterProvider | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
    snapshot_timeout: float = 1.0,
) -> Instrumentation:
    """Report the service tree under ``root`` to a meter provider.

    Call it on the loop that runs the tree (in ``on_first_start``, say), or
    pass that loop as ``loop=``: the observable instruments take their
    snapshot of the tree on it (see the module documentation).  Idempotent:
    instrumenting the same root for the same provider again returns the
    open :class:`Instrumentation`.  Two trees on one provider are reported
    together: their numbers add up per attribute set.

    Arguments:
        root: The root of the tree (a Worker, an app service ...).
        meter_provider: Where to report; default: OpenTelemetry's global
            provider, if an SDK provider was set there.
        loop: The loop that runs ``root``; default: the running loop, else
            the one the service was given.
        snapshot_timeout: How long (seconds) a collection on another thread
            waits for the tree's loop to take the snapshot.

    Returns:
        An :class:`Instrumentation` (:meth:`~Instrumentation.close` undoes
        it); disabled when ``opentelemetry-api`` is not installed or no SDK
        provider is configured.

    Raises:
        TypeError: ``root`` is not a service, ``loop`` not an event loop,
            or ``snapshot_timeout`` not a positive number.
    """
    if not isinstance(root, ServiceT):
        raise TypeError(
            f"instrument() expects the root service of a tree (a Service), "
            f"not {type(root).__name__}"
        )
    if loop is not None and not isinstance(loop, asyncio.AbstractEventLoop):
        raise TypeError(
            f"instrument() loop= must be an event loop or None, not "
            f"{type(loop).__name__}"
        )
    if (
        isinstance(snapshot_timeout, bool)
        or not isinstance(snapshot_timeout, int | float)
        or not snapshot_timeout > 0
    ):
        raise TypeError(
            f"instrument() snapshot_timeout= must be a positive number of "
            f"seconds, not {snapshot_timeout!r}"
        )
    provider = meter_provider if meter_provider is not None else _configured_provider()
    if provider is None:
        logger.debug("metrics: no SDK meter provider configured; %r not reported", root)
        return Instrumentation(None, None)
    if loop is None:
        loop = asyncio.events._get_running_loop() or getattr(root, "_loop", None)
    key = (id(root), id(provider))
    with _lock:
        existing = _instrumentations.get(key)
        if existing is not None and existing.root is root and existing.enabled:
            return existing
        state = _state_for(provider)
        inst = Instrumentation(
            root, state, loop=loop, snapshot_timeout=float(snapshot_timeout), key=key
        )
        state.open.append(inst)
        _instrumentations[key] = inst
        _update_hooks()
    return inst


def _version() -> str:
    """mode-service's version, for the meter (read from its installed metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mode-service")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0+unknown"
