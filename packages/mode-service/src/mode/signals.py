"""Signals: in-process publish/subscribe between objects.

A signal holds *receivers*; ``send(sender, *args, **kwargs)`` calls each one as
``receiver(sender, *args, signal=<the signal>, **kwargs)``::

    class Consumer(Service):
        on_partitions_assigned: Signal["Consumer"] = Signal()

        def __init__(self) -> None:
            super().__init__()
            # Receivers connected on the instance see only this instance.
            self.on_partitions_assigned = (
                self.on_partitions_assigned.with_default_sender(self)
            )

    @Consumer.on_partitions_assigned.connect  # every Consumer
    async def log_assignment(sender: Consumer, assigned: set[int], **kw: Any) -> None:
        ...

    await consumer.on_partitions_assigned.send(assigned={1, 2})

Three kinds:

* :class:`Signal` -- ``await signal.send(...)``: receivers run one after the
  other in the sender's task; async receivers are awaited, sync ones called.
* :class:`SyncSignal` -- ``signal.send(...)`` without await; async receivers
  are refused when connected.
* :class:`BaseSignal` -- the shared machinery (connecting, filtering, copies).

Semantics, decided once for all three:

* **Receivers are held strongly** unless connected with ``weak=True`` (then a
  :class:`weakref.WeakMethod` for bound methods, a :class:`weakref.ref`
  otherwise); a dead weak receiver is removed as soon as it is collected.
* **Receivers and senders are matched by identity.**  A receiver is the same
  receiver if it is the same object (for bound methods: the same function on
  the same instance, so ``obj.method`` may be passed again to disconnect).
  A sender filter (``connect(fun, sender=x)``) fires only when ``x`` itself
  sends.  Two distinct senders that compare equal, or merely hash alike (the
  original keyed on ``hash(sender)``, so they collided), never share
  receivers, and unhashable senders work.  Values such as ints and strings are
  matched by identity too: pass the same object you connected with.  A sender
  is referenced weakly where possible (its filter entries vanish with it);
  otherwise strongly until its last receiver is disconnected.
* **Order**: the receivers connected without a sender, in connection order,
  then those connected for the sending sender, in connection order.
  Connecting a receiver again is a no-op apart from switching it to the new
  ``weak`` setting.
* **Errors**: an exception raised by a receiver propagates to the caller of
  ``send`` unchanged and the remaining receivers are skipped (as in the
  original); a receiver that must not stop the others should catch its own
  errors.
* **Disconnecting** a receiver that is not connected (for that sender) is
  silently ignored, so cleanup code may disconnect unconditionally.
* ``send`` iterates a tuple of receivers rebuilt on connect/disconnect (and
  when a weak receiver or a sender dies), never per call; it builds no list,
  dict or tuple of its own beyond the call's arguments (plus, for keyword
  payloads, the keyword dict each receiver call needs).  (Dis)connecting
  while a send is running takes effect on the next send.  Signals are not
  thread-safe: connect, send and disconnect from the thread that owns them.
"""

from __future__ import annotations

import asyncio.coroutines
import inspect
import reprlib
import warnings
import weakref
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping
from types import CoroutineType, MethodType
from typing import Any, Self, TypeAlias, TypeVar, overload

from mode.types.signals import (
    BaseSignalT,
    SignalHandlerRefT,
    SignalHandlerT,
    SignalT,
    SyncSignalT,
    T,
)

__all__ = ["BaseSignal", "Signal", "SyncSignal"]

_F = TypeVar("_F", bound=Callable[..., Any])
_Key: TypeAlias = int | tuple[int, int]
_Receivers: TypeAlias = tuple[SignalHandlerT, ...]

_NO_SENDER = "{name}.send() requires at least one argument: the sender"

# Module globals are cheaper to reach than attribute look-ups in send().
_CoroutineType = CoroutineType
_isawaitable = inspect.isawaitable


def _receiver_key(fun: Any) -> _Key:
    # Bound methods are created anew on every attribute access; like method
    # equality (Python 3.8+) they are identified by instance and function.
    if isinstance(fun, MethodType):
        return (id(fun.__self__), id(fun.__func__))
    return id(fun)


def _is_async_callable(fun: Any) -> bool:
    if inspect.iscoroutinefunction(fun):
        return True
    if inspect.isroutine(fun) or isinstance(fun, type):
        return False
    # A callable instance: look at its class's __call__.
    return inspect.iscoroutinefunction(type(fun).__call__)


class _SoleAsyncReceiver(tuple):  # type: ignore[type-arg]
    """Marks a receiver tuple holding exactly one ``async def`` function.

    For those, calling the receiver only creates its coroutine (its body runs
    when awaited), so :meth:`Signal.send` can hand that coroutine to the
    caller instead of wrapping it in one of its own.
    """

    __slots__ = ()


class _AsyncReceivers(tuple):  # type: ignore[type-arg]
    """Marks a receiver tuple of two or more ``async def`` functions.

    Each call of such a receiver returns a coroutine, so :meth:`Signal.send`
    awaits the results without looking at them first.
    """

    __slots__ = ()


def _is_async_def(fun: Any) -> bool:
    # An ``async def`` function or a method bound to one: calling it returns a
    # coroutine and runs none of its body.  (Weak receivers, partials and
    # callable objects are not, whatever they return.)
    code = getattr(getattr(fun, "__func__", fun), "__code__", None)
    return code is not None and bool(code.co_flags & inspect.CO_COROUTINE)


_NOTHING: Any = object()

#: A key no sender has (senders are keyed by ``id(sender)``, never negative):
#: looks up the receivers without a sender filter.
_NO_SENDER_ID = -1


def _fast_sender(receivers: _Receivers) -> Callable[..., Any] | None:
    """What ``send`` calls for ``receivers`` when all are ``async def``.

    Called as ``fast(sender, signal=s)`` or ``fast(sender, value, signal=s)``,
    it returns the coroutine that runs every receiver in order: the sole
    receiver's own coroutine, or one awaiting each receiver's in turn.  None
    when some receiver is not an ``async def`` (``send`` then checks each
    result before awaiting it).
    """
    kind = type(receivers)
    if kind is _SoleAsyncReceiver:
        return receivers[0]
    if kind is not _AsyncReceivers:
        return None

    async def each(sender: Any, value: Any = _NOTHING, *, signal: Any) -> None:
        if value is _NOTHING:
            for receiver in receivers:
                await receiver(sender, signal=signal)
        else:
            for receiver in receivers:
                await receiver(sender, value, signal=signal)

    return each


def _plan(receivers: _Receivers) -> _Receivers:
    if receivers and all(map(_is_async_def, receivers)):
        if len(receivers) == 1:
            return _SoleAsyncReceiver(receivers)
        return _AsyncReceivers(receivers)
    return receivers


class _WeakReceiver:
    """Stands in for a weakly held receiver inside the receiver tables."""

    __slots__ = ("ref",)

    def __init__(self, ref: Callable[[], SignalHandlerT | None]) -> None:
        self.ref = ref

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fun = self.ref()
        if fun is None:  # collected; its callback is about to prune it
            return None
        return fun(*args, **kwargs)


class _Registry:
    """The receivers of a signal and of its ``with_default_sender`` copies.

    ``everyone`` holds the receivers without a sender filter and
    ``filtered[id(sender)]`` those for one sender (a dict used as an ordered
    set, keyed by receiver identity).  ``everyone_tuple`` and
    ``tuples[id(sender)]`` are what ``send`` iterates; they are rebuilt on every
    change.  ``senders[id(sender)]`` keeps that id meaning that sender: a
    weak reference whose callback drops the sender's entries, or the sender
    itself when it cannot be weakly referenced.

    For the fastest paths, when no receiver is filtered on a sender: ``only``
    is the receiver if there is exactly one, and ``fast`` is
    ``_fast_sender(everyone_tuple)`` when every receiver is an ``async def``
    function; both are None otherwise.  ``version`` counts
    changes, so that signals with a default sender can cache what they send to.
    """

    __slots__ = (
        "__weakref__",
        "everyone",
        "everyone_tuple",
        "fast",
        "filtered",
        "only",
        "senders",
        "tuples",
        "version",
    )

    def __init__(self) -> None:
        self.everyone: dict[_Key, SignalHandlerT] = {}
        self.filtered: dict[int, dict[_Key, SignalHandlerT]] = {}
        self.senders: dict[int, Any] = {}
        self.everyone_tuple: _Receivers = ()
        self.tuples: dict[int, _Receivers] = {}
        self.only: SignalHandlerT | None = None
        self.fast: Callable[..., Any] | None = None
        self.version = 0

    def __len__(self) -> int:
        return len(self.everyone) + sum(map(len, self.filtered.values()))

    def add(self, fun: SignalHandlerT, *, weak: bool, sender: Any) -> None:
        key = _receiver_key(fun)
        sid = None if sender is None else id(sender)
        target: SignalHandlerT = fun
        if weak:
            target = _WeakReceiver(self._weak_ref(fun, key, sid))
        if sid is None:
            self.everyone[key] = target
            self._rebuild_all()
            return
        table = self.filtered.get(sid)
        if table is None:
            table = self.filtered[sid] = {}
            self.senders[sid] = self._sender_ref(sender, sid)
        table[key] = target
        self.tuples[sid] = _plan(self.everyone_tuple + tuple(table.values()))
        self._changed()

    def remove(self, key: _Key, sid: int | None) -> None:
        if sid is None:
            if self.everyone.pop(key, None) is not None:
                self._rebuild_all()
            return
        table = self.filtered.get(sid)
        if table is None or table.pop(key, None) is None:
            return
        if table:
            self.tuples[sid] = _plan(self.everyone_tuple + tuple(table.values()))
            self._changed()
        else:
            self._drop_sender(sid)

    def get(self, key: _Key, sid: int | None) -> SignalHandlerT | None:
        table = self.everyone if sid is None else self.filtered.get(sid, {})
        return table.get(key)

    def _rebuild_all(self) -> None:
        everyone = tuple(self.everyone.values())
        self.everyone_tuple = _plan(everyone)
        for sid, table in self.filtered.items():
            self.tuples[sid] = _plan(everyone + tuple(table.values()))
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        everyone = self.everyone_tuple
        self.only = self.fast = None
        if not self.tuples:
            self.fast = _fast_sender(everyone)
            if len(everyone) == 1:
                self.only = everyone[0]

    def _drop_sender(self, sid: int) -> None:
        del self.filtered[sid]
        del self.senders[sid]
        del self.tuples[sid]
        self._changed()

    def _weak_ref(
        self, fun: SignalHandlerT, key: _Key, sid: int | None
    ) -> Callable[[], SignalHandlerT | None]:
        registry = weakref.ref(self)

        def collected(ref: Any) -> None:
            self_ = registry()
            if self_ is None:
                return
            entry = self_.get(key, sid)
            # Only prune the entry this reference belongs to: the receiver may
            # have been reconnected (strongly, or with a new reference) since.
            if isinstance(entry, _WeakReceiver) and entry.ref is ref:
                self_.remove(key, sid)

        try:
            if isinstance(fun, MethodType):
                return weakref.WeakMethod(fun, collected)
            return weakref.ref(fun, collected)
        except TypeError:
            raise TypeError(
                f"cannot hold a weak reference to receiver {fun!r}: "
                "connect it with weak=False"
            ) from None

    def _sender_ref(self, sender: Any, sid: int) -> Any:
        registry = weakref.ref(self)

        def collected(ref: Any) -> None:
            self_ = registry()
            if self_ is not None and self_.senders.get(sid) is ref:
                self_._drop_sender(sid)

        try:
            return weakref.ref(sender, collected)
        except TypeError:
            # Not weakly referenceable (int, str, tuple...): hold it so that its
            # id cannot be reused while receivers are filtered on it.
            return sender

    def iter_live(self, sid: int) -> Iterator[SignalHandlerT]:
        for receiver in self.tuples.get(sid, self.everyone_tuple):
            if isinstance(receiver, _WeakReceiver):
                fun = receiver.ref()
                if fun is not None:
                    yield fun
            else:
                yield receiver


class BaseSignal(BaseSignalT[T]):
    """Receivers, sender filtering and copies; the base of both signal kinds.

    Arguments:
        name: The signal's name, used in :attr:`label` and ``repr``.  Set from
            the attribute name by ``__set_name__`` when left empty and the
            signal is declared in a class body.
        owner: The class that declares the signal (set by ``__set_name__``).
        loop: Accepted for compatibility with the original; unused.
        default_sender: When set, ``send`` uses it as the sender and treats
            every positional argument as payload, and ``connect``/
            ``disconnect`` apply to this sender.  See :meth:`with_default_sender`.
        receivers: Receivers to connect (strongly) without a sender filter; a
            :class:`weakref.ref`/:class:`weakref.WeakMethod` item connects its
            referent weakly.
        filter_receivers: A mapping ``sender -> receivers`` connected the same
            way, for that sender.

    Raises:
        TypeError: A receiver given in ``receivers``/``filter_receivers`` is
            not callable (see :meth:`connect`).
    """

    name: str
    owner: Any
    loop: Any
    default_sender: T | None

    def __init__(
        self,
        *,
        name: str | None = None,
        owner: Any = None,
        loop: Any = None,
        default_sender: T | None = None,
        receivers: Iterable[SignalHandlerRefT] | None = None,
        filter_receivers: Mapping[Any, Iterable[SignalHandlerRefT]] | None = None,
    ) -> None:
        self.name = name or ""
        self.owner = owner
        self.loop = loop
        self.default_sender = default_sender
        self._registry = _Registry()
        # What a send as the default sender goes to; see _cache_for().
        self._cache_version: int
        self._cache_sender: Any
        self._cached: _Receivers
        self._cached_only: SignalHandlerT | None
        self._cached_fast: Callable[..., Any] | None
        self._drop_cache()
        if receivers is not None and not isinstance(receivers, Iterable):
            raise TypeError(
                f"{type(self).__name__} receivers= must be an iterable of "
                f"receivers (callables or weak references), not "
                f"{type(receivers).__name__}"
            )
        if filter_receivers is not None and not isinstance(filter_receivers, Mapping):
            raise TypeError(
                f"{type(self).__name__} filter_receivers= must be a mapping of "
                f"sender to receivers, not {type(filter_receivers).__name__}"
            )
        for fun in receivers or ():
            self._connect_ref(fun, sender=None)
        for sender, funs in (filter_receivers or {}).items():
            for fun in funs:
                self._connect_ref(fun, sender=sender)

    def _connect_ref(self, fun: SignalHandlerRefT, *, sender: Any) -> None:
        if isinstance(fun, weakref.ref):  # WeakMethod is a ref subclass
            target = fun()
            if target is not None:
                self._connect(target, weak=True, sender=sender)
        else:
            self._connect(fun, weak=False, sender=sender)

    def __set_name__(self, owner: Any, name: str) -> None:
        """Record the declaring class, and the attribute name if unnamed."""
        if not self.name:
            self.name = name
        self.owner = owner

    def asdict(self) -> dict[str, Any]:
        """Return the constructor arguments that :meth:`clone` copies."""
        return {
            "name": self.name,
            "owner": self.owner,
            "loop": self.loop,
            "default_sender": self.default_sender,
        }

    def clone(self, **kwargs: Any) -> Self:
        """Return a new signal of the same type, name and owner.

        ``kwargs`` override the constructor arguments of :meth:`asdict`.  The
        copy starts with **no receivers** and does not share them (compare
        :meth:`with_default_sender`).
        """
        return type(self)(**{**self.asdict(), **kwargs})

    def with_default_sender(self, sender: T | None = None) -> Self:
        """Return a copy that sends as ``sender`` and shares the receivers.

        The copy and this signal see the same receivers: receivers connected
        through the copy are filtered on ``sender``; those connected on the
        original without a sender fire for every sender.  The usual pattern
        is a class-level signal plus, in ``__init__``,
        ``self.sig = self.sig.with_default_sender(self)``.  ``sender=None``
        keeps the current default sender.
        """
        copy = self.clone(
            default_sender=self.default_sender if sender is None else sender
        )
        copy._registry = self._registry
        return copy

    def unpack_sender_from_args(self, *args: Any) -> tuple[T, tuple[Any, ...]]:
        """Split ``send``'s positional arguments into ``(sender, payload)``.

        With a default sender all of ``args`` is payload; otherwise the first
        argument is the sender.

        Raises:
            TypeError: No default sender and no arguments.
        """
        if self.default_sender is not None:
            return self.default_sender, args
        if not args:
            raise TypeError(_NO_SENDER.format(name=type(self).__name__))
        return args[0], args[1:]

    def _cache_for(self, sender: Any) -> _Receivers:
        # Sends as the default sender reuse this until the receivers change.
        registry = self._registry
        receivers = registry.tuples.get(id(sender), registry.everyone_tuple)
        self._cached = receivers
        self._cached_only = receivers[0] if len(receivers) == 1 else None
        self._cached_fast = _fast_sender(receivers)
        self._cache_sender = sender
        self._cache_version = registry.version
        return receivers

    def _sender_from_kwargs(self, kwargs: dict[str, Any]) -> Any:
        # send(sender=obj), the original changelog's form, with no positionals.
        try:
            return kwargs.pop("sender")
        except KeyError:
            raise TypeError(_NO_SENDER.format(name=type(self).__name__)) from None

    @overload
    def connect(self, fun: _F, *, weak: bool = False, sender: Any = None) -> _F: ...

    @overload
    def connect(
        self, fun: None = None, *, weak: bool = False, sender: Any = None
    ) -> Callable[[_F], _F]: ...

    def connect(
        self, fun: _F | None = None, *, weak: bool = False, sender: Any = None
    ) -> _F | Callable[[_F], _F]:
        """Connect a receiver; returns it, so it works as a decorator.

        All of ``sig.connect(fun)``, ``@sig.connect``, ``@sig.connect()`` and
        ``@sig.connect(sender=x, weak=True)`` work.

        Arguments:
            fun: The receiver, called as
                ``fun(sender, *args, signal=<signal>, **kwargs)``.  Omit it to
                get a decorator.
            weak: Hold the receiver through a weak reference (a
                :class:`weakref.WeakMethod` for bound methods) and drop it when
                it is collected.  The default holds it strongly.
            sender: Only call ``fun`` when this object (by identity) sends.
                Ignored when the signal has a default sender, which is used
                instead.

        Raises:
            TypeError: ``fun`` is not callable, cannot be weakly referenced with
                ``weak=True``, or is async while the signal is a
                :class:`SyncSignal`; ``weak`` is not a bool (a truthy
                string such as ``"no"`` would have meant True).
        """
        if not isinstance(weak, bool):
            raise TypeError(
                f"{self.label or type(self).__name__}: connect() weak= must be "
                f"True or False, not {type(weak).__name__}"
            )
        if fun is None:

            def decorator(f: _F) -> _F:
                return self._connect(f, weak=weak, sender=sender)

            return decorator
        return self._connect(fun, weak=weak, sender=sender)

    def _connect(self, fun: _F, *, weak: bool, sender: Any) -> _F:
        self._check_receiver(fun)
        if self.default_sender is not None:
            sender = self.default_sender
        self._registry.add(fun, weak=weak, sender=sender)
        return fun

    def _check_receiver(self, fun: Any) -> None:
        if not callable(fun):
            raise TypeError(
                f"{self.label or type(self).__name__}: a signal receiver must be "
                f"callable, got {type(fun).__name__} {fun!r}"
            )

    def disconnect(
        self, fun: SignalHandlerT, *, weak: bool = False, sender: Any = None
    ) -> None:
        """Disconnect a receiver, however it was connected.

        Pass the same ``sender`` used to connect (a signal with a default
        sender uses that).  ``weak`` is accepted for compatibility and not
        needed: strong and weak receivers are both found.  A receiver that is
        not connected (for that sender) is ignored.
        """
        if self.default_sender is not None:
            sender = self.default_sender
        self._registry.remove(
            _receiver_key(fun), None if sender is None else id(sender)
        )
        self._drop_cache()

    def _drop_cache(self) -> None:
        # Release the receivers cached for sends as the default sender, so a
        # receiver disconnected here is not kept alive by this signal.  (Copies
        # sharing the receivers release theirs at their next send.)
        self._cache_version = -1
        self._cache_sender = None
        self._cached = ()
        self._cached_only = self._cached_fast = None

    def iter_receivers(self, sender: T | None) -> Iterator[SignalHandlerT]:
        """Iterate the live receivers that a send by ``sender`` would call.

        In call order: those without a sender filter, then those for
        ``sender``.  Weak receivers are resolved to their referents.
        """
        return self._registry.iter_live(id(sender))

    @property
    def _receivers(self) -> frozenset[SignalHandlerT]:
        """The live receivers without a sender filter, as a snapshot.

        The original kept them in a mutable set of this name, which code
        written for it reads.  Reading works as it did (weak receivers are
        resolved to their referents); changing the snapshot raises
        AttributeError, as it would not connect anything: use
        :meth:`connect` and :meth:`disconnect`.
        """
        return frozenset(self._registry.iter_live(_NO_SENDER_ID))

    @property
    def label(self) -> str:
        """``Owner.name`` when declared in a class, else the name."""
        if self.owner is None:
            return self.name
        owner = self.owner
        qualname = getattr(owner, "__qualname__", None) or type(owner).__qualname__
        return f"{qualname}.{self.name}"

    @property
    def ident(self) -> str:
        """Deprecated alias of :attr:`label`."""
        warnings.warn(
            "Signal.ident is deprecated, use Signal.label",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.label

    def __repr__(self) -> str:
        info = f"{self.label or '(unnamed)'} receivers={len(self._registry)}"
        if self.default_sender is not None:
            info += f" sender={reprlib.repr(self.default_sender)}"
        return f"<{type(self).__name__}: {info}>"


# The send methods below are written out flat on purpose: they are the hot
# path of stream processors.  Receiver tuples are precomputed by _Registry.


class Signal(BaseSignal[T], SignalT[T]):
    """An asynchronous signal: ``await signal.send(sender, *args, **kwargs)``.

    Receivers may be sync or async; they are called one at a time, in order,
    and an awaitable result is awaited before the next receiver runs.  An
    exception from a receiver propagates out of ``send`` and skips the rest.
    """

    def send(self, *args: Any, **kwargs: Any) -> Coroutine[Any, Any, None]:
        """Return a coroutine that calls the receivers for the sender.

        Without a default sender the first positional argument (or, with no
        positional argument, the keyword ``sender=``) is the sender; with one,
        all arguments are payload.  Await the result (or pass it to
        :func:`asyncio.create_task`); no receiver code runs before that.

        ``send`` is a plain method returning a coroutine, not an ``async def``:
        when the only receiver is an ``async def`` function, the coroutine
        returned is that receiver's own (calling such a function runs none of
        its body), which saves a coroutine layer on the hot path; when every
        receiver is an ``async def`` function, their coroutines are awaited
        without first checking what each call returned.  The value the
        coroutine produces is unspecified: receivers' results are ignored.

        Raises:
            TypeError: No default sender and no arguments (raised at once).
            Exception: Whatever a receiver raises, when awaited.
        """
        registry = self._registry
        sender = self.default_sender
        if sender is None:
            fast = registry.fast
            if fast is not None and not kwargs:
                # The most common shapes: async receivers, a sender and at
                # most one payload value.
                n = len(args)
                if n == 1:
                    return fast(args[0], signal=self)  # type: ignore[no-any-return]
                if n == 2:
                    return fast(args[0], args[1], signal=self)  # type: ignore[no-any-return]
            if args:
                sender = args[0]
                first = 1
            else:
                sender = self._sender_from_kwargs(kwargs)
                first = 0
            tuples = registry.tuples
            receivers = (
                tuples.get(id(sender), registry.everyone_tuple)
                if tuples
                else registry.everyone_tuple
            )
        else:
            first = 0
            if self._cache_version == registry.version and self._cache_sender is sender:
                receivers = self._cached
            else:
                receivers = self._cache_for(sender)
            fast = self._cached_fast
            if fast is not None and not kwargs:
                n = len(args)
                if n == 1:
                    return fast(sender, args[0], signal=self)  # type: ignore[no-any-return]
                if n == 0:
                    return fast(sender, signal=self)  # type: ignore[no-any-return]
        if type(receivers) is _SoleAsyncReceiver and not kwargs:
            # Filtered on this sender, one async receiver.
            fun = receivers[0]
            npayload = len(args) - first
            if npayload == 1:
                return fun(sender, args[first], signal=self)  # type: ignore[no-any-return]
            if npayload == 0:
                return fun(sender, signal=self)  # type: ignore[no-any-return]
        return self._send(receivers, sender, first, args, kwargs)

    async def _send(
        self,
        receivers: _Receivers,
        sender: Any,
        first: int,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        # Flat on purpose (the hot path): calls without keyword payload and
        # with at most two positional payload arguments -- nearly all -- use
        # plain calls, which CPython makes without a tuple or dict per
        # receiver.  The rest use ``*args, **kwargs``.
        npayload = len(args) - first
        if kwargs or npayload > 2:
            kwargs["signal"] = self
            for receiver in receivers:
                if first:
                    res = receiver(*args, **kwargs)
                else:
                    res = receiver(sender, *args, **kwargs)
                if res is not None and (
                    type(res) is _CoroutineType or _isawaitable(res)
                ):
                    await res
        elif npayload == 1:
            a = args[first]
            for receiver in receivers:
                res = receiver(sender, a, signal=self)
                if res is not None and (
                    type(res) is _CoroutineType or _isawaitable(res)
                ):
                    await res
        elif npayload == 0:
            for receiver in receivers:
                res = receiver(sender, signal=self)
                if res is not None and (
                    type(res) is _CoroutineType or _isawaitable(res)
                ):
                    await res
        else:
            a, b = args[first], args[first + 1]
            for receiver in receivers:
                res = receiver(sender, a, b, signal=self)
                if res is not None and (
                    type(res) is _CoroutineType or _isawaitable(res)
                ):
                    await res

    #: Same as :meth:`send`.
    __call__ = send


def _mark_coroutine_function(fun: Callable[..., Any]) -> None:
    # Signal.send returns a coroutine from a plain method (see its docs); the
    # original's was ``async def``.  Marked so that inspect (3.12+), asyncio
    # and unittest.mock (a mock made with spec=signal) see it as one.  Sets
    # attributes on the function only: calls cost the same.
    mark = getattr(inspect, "markcoroutinefunction", None)
    if mark is not None:  # pragma: no cover - coverage runs on 3.11
        mark(fun)
    marker = getattr(asyncio.coroutines, "_is_coroutine", None)
    if marker is not None:  # pragma: no branch - present up to 3.13 at least
        fun._is_coroutine = marker  # type: ignore[attr-defined]


_mark_coroutine_function(Signal.send)


class SyncSignal(BaseSignal[T], SyncSignalT[T]):
    """A synchronous signal: ``signal.send(sender, *args, **kwargs)``.

    Never awaited.  Async receivers are refused by :meth:`connect`; a sync
    receiver that nevertheless returns an awaitable makes ``send`` raise
    :class:`TypeError` (the coroutine is closed, so no "never awaited"
    warning).  An exception from a receiver propagates and skips the rest.
    """

    def _check_receiver(self, fun: Any) -> None:
        super()._check_receiver(fun)
        if _is_async_callable(fun):
            raise TypeError(
                f"{self.label or type(self).__name__}: SyncSignal cannot call "
                f"async receiver {fun!r}; use a Signal, or a sync receiver"
            )

    def send(self, *args: Any, **kwargs: Any) -> None:
        """Call the receivers for the sender (see :class:`SyncSignal`).

        The sender is found as by :meth:`Signal.send`.

        Raises:
            TypeError: No default sender and no arguments; or a receiver
                returned an awaitable.
            Exception: Whatever a receiver raises.
        """
        registry = self._registry
        sender = self.default_sender
        if sender is None:
            only = registry.only
            if only is not None and len(args) == 2 and not kwargs:
                # The most common shape: one receiver, one payload value.
                res = only(args[0], args[1], signal=self)
                if res is not None and _isawaitable(res):
                    self._refuse(only, res)
                return
            if args:
                sender = args[0]
                first = 1
            else:
                sender = self._sender_from_kwargs(kwargs)
                first = 0
            tuples = registry.tuples
            receivers = (
                tuples.get(id(sender), registry.everyone_tuple)
                if tuples
                else registry.everyone_tuple
            )
        else:
            first = 0
            if self._cache_version == registry.version and self._cache_sender is sender:
                receivers = self._cached
            else:
                receivers = self._cache_for(sender)
            only = self._cached_only
            if only is not None and len(args) == 1 and not kwargs:
                res = only(sender, args[0], signal=self)
                if res is not None and _isawaitable(res):
                    self._refuse(only, res)
                return
        npayload = len(args) - first
        if npayload == 1 and not kwargs:
            a = args[first]
            for receiver in receivers:
                res = receiver(sender, a, signal=self)
                if res is not None and _isawaitable(res):
                    self._refuse(receiver, res)
        elif kwargs or npayload > 2:
            kwargs["signal"] = self
            for receiver in receivers:
                if first:
                    res = receiver(*args, **kwargs)
                else:
                    res = receiver(sender, *args, **kwargs)
                if res is not None and _isawaitable(res):
                    self._refuse(receiver, res)
        elif npayload == 0:
            for receiver in receivers:
                res = receiver(sender, signal=self)
                if res is not None and _isawaitable(res):
                    self._refuse(receiver, res)
        else:
            a, b = args[first], args[first + 1]
            for receiver in receivers:
                res = receiver(sender, a, b, signal=self)
                if res is not None and _isawaitable(res):
                    self._refuse(receiver, res)

    #: Same as :meth:`send`.
    __call__ = send

    def _refuse(self, receiver: SignalHandlerT, res: Any) -> None:
        if isinstance(res, _CoroutineType):
            res.close()
        raise TypeError(
            f"{self.label or type(self).__name__}: receiver {receiver!r} returned "
            f"an awaitable, which a SyncSignal cannot await; use a Signal"
        )


# -- receiver errors, for mode.metrics -----------------------------------
# Counting the errors that receivers raise would cost every send a check;
# instead, while an observer is set, Signal and SyncSignal use sends that
# wrap the plain ones (the class attributes are swapped), so a process
# without metrics runs the plain sends above, unchanged.

#: Called as ``observer(signal, exc)`` for an exception a receiver raised
#: (see :func:`set_receiver_error_observer`); None: errors are not observed.
_receiver_error_observer: Callable[[BaseSignal[Any], Exception], None] | None = None

_plain_signal_send = Signal.send
_plain_sync_signal_send = SyncSignal.send


def _report_receiver_error(signal: BaseSignal[Any], exc: Exception) -> None:
    observer = _receiver_error_observer
    if observer is not None:
        try:
            observer(signal, exc)
        except Exception:  # the observer's own bug must not mask exc
            import logging

            logging.getLogger(__name__).exception(
                "signal receiver error observer %r failed", observer
            )


def _bad_call(signal: BaseSignal[Any], args: tuple[Any, ...], kwargs: Any) -> bool:
    # send() without a sender raises TypeError itself: not a receiver error.
    return not args and signal.default_sender is None and "sender" not in kwargs


async def _observed(signal: BaseSignal[Any], coro: Coroutine[Any, Any, None]) -> None:
    try:
        await coro
    except Exception as exc:
        _report_receiver_error(signal, exc)
        raise


def _observed_signal_send(
    self: Signal[Any], *args: Any, **kwargs: Any
) -> Coroutine[Any, Any, None]:
    if _bad_call(self, args, kwargs):
        return _plain_signal_send(self, *args, **kwargs)
    return _observed(self, _plain_signal_send(self, *args, **kwargs))


def _observed_sync_signal_send(
    self: SyncSignal[Any], *args: Any, **kwargs: Any
) -> None:
    if _bad_call(self, args, kwargs):
        return _plain_sync_signal_send(self, *args, **kwargs)
    try:
        _plain_sync_signal_send(self, *args, **kwargs)
    except Exception as exc:
        _report_receiver_error(self, exc)
        raise


def set_receiver_error_observer(
    observer: Callable[[BaseSignal[Any], Exception], None] | None,
) -> None:
    """Have ``observer(signal, exc)`` called for every receiver's error (None: stop).

    Used by :mod:`mode.metrics` to count the errors receivers raise.  While
    an observer is set, :meth:`Signal.send` and :meth:`SyncSignal.send` (and
    ``__call__``) are wrapping variants: the exception still propagates to
    the sender unchanged after the observer saw it; a ``Signal.send``
    coroutine is then a wrapper, never the receiver's own.  The observer
    runs in the sender's thread, on the error path only; an exception it
    raises is logged and ignored.  Subclasses that override ``send`` are
    not observed.  Without an observer the plain sends run: nothing is paid
    on the hot path.  Not thread-safe: set it before signals are sent from
    other threads, or accept that a send racing the switch is not observed.
    """
    global _receiver_error_observer
    if observer is not None and not callable(observer):
        raise TypeError(
            f"set_receiver_error_observer() expects a callable or None, not "
            f"{type(observer).__name__}"
        )
    _receiver_error_observer = observer
    signal_send: Any = _plain_signal_send if observer is None else _observed_signal_send
    sync_send: Any = (
        _plain_sync_signal_send if observer is None else _observed_sync_signal_send
    )
    Signal.send = Signal.__call__ = signal_send  # type: ignore[method-assign]
    SyncSignal.send = SyncSignal.__call__ = sync_send  # type: ignore[method-assign]
