"""mode.signals and mode.types.signals: receivers, senders, copies, errors."""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import itertools
import sys
import warnings
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from unittest.mock import Mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mode.types
from mode.signals import BaseSignal, Signal, SyncSignal
from mode.types.signals import (
    BaseSignalT,
    FilterReceiverMapping,
    SignalHandlerRefT,
    SignalHandlerT,
    SignalT,
    SyncSignalT,
    T,
    T_contra,
)

Calls = list[Any]


class Sender:
    """A plain, weakly referenceable sender."""


def recorder(calls: Calls, tag: str = "") -> Callable[..., None]:
    def receiver(sender: Any, *args: Any, **kwargs: Any) -> None:
        calls.append((tag, sender, args, kwargs))

    return receiver


def async_recorder(calls: Calls, tag: str = "") -> Callable[..., Any]:
    async def receiver(sender: Any, *args: Any, **kwargs: Any) -> None:
        calls.append((tag, sender, args, kwargs))

    return receiver


# -------------------------------------------------------------- mode.types


def test_abstract_types_cannot_be_instantiated() -> None:
    for cls in (BaseSignalT, SignalT, SyncSignalT):
        with pytest.raises(TypeError):
            cls()  # type: ignore[abstract]


def test_implementations_are_instances_of_the_abcs() -> None:
    assert isinstance(Signal(), SignalT)
    assert isinstance(Signal(), BaseSignalT)
    assert isinstance(SyncSignal(), SyncSignalT)
    assert not isinstance(SyncSignal(), SignalT)
    assert isinstance(BaseSignal(), BaseSignalT)


def test_types_module_names() -> None:
    assert T.__name__ == "T"
    assert T_contra.__contravariant__
    assert SignalHandlerT is not None
    assert SignalHandlerRefT is not None
    assert FilterReceiverMapping is not None
    assert mode.types.SignalT is SignalT
    assert mode.types.SyncSignalT is SyncSignalT
    assert mode.types.BaseSignalT is BaseSignalT
    assert mode.types.SignalHandlerT is SignalHandlerT


def test_signals_are_generic() -> None:
    sig: Signal[Sender] = Signal[Sender]()
    assert isinstance(sig, Signal)
    assert SyncSignal[int]().name == ""


# -------------------------------------------------------------- connect forms


async def test_changelog_connect_decorator_without_parens() -> None:
    calls: Calls = []
    signal: Signal[Sender] = Signal()

    @signal.connect
    async def my_handler(sender: Sender, **kwargs: Any) -> None:
        calls.append(("handler", sender, kwargs))

    sender = Sender()
    await signal.send(sender)
    assert calls == [("handler", sender, {"signal": signal})]
    assert inspect.iscoroutinefunction(my_handler)  # returned unchanged


async def test_changelog_connect_decorator_with_parens() -> None:
    calls: Calls = []
    signal: Signal[Sender] = Signal()

    @signal.connect()
    async def first(sender: Sender, **kwargs: Any) -> None:
        calls.append(("first", sender))

    @signal.connect(weak=True)
    async def second(sender: Sender, **kwargs: Any) -> None:
        calls.append(("second", sender))

    sender = Sender()
    await signal.send(sender)
    assert calls == [("first", sender), ("second", sender)]


async def test_connect_as_plain_call_returns_the_receiver() -> None:
    calls: Calls = []
    signal: Signal[Sender] = Signal()
    receiver = recorder(calls)
    assert signal.connect(receiver) is receiver
    await signal.send(Sender())
    assert len(calls) == 1


async def test_connect_decorator_with_sender() -> None:
    calls: Calls = []
    signal: Signal[Sender] = Signal()
    a, b = Sender(), Sender()

    @signal.connect(sender=a)
    def only_a(sender: Sender, **kwargs: Any) -> None:
        calls.append(sender)

    await signal.send(b)
    await signal.send(a)
    assert calls == [a]


# -------------------------------------------------------------- calling


@pytest.mark.parametrize("payload", [(), (1,), (1, 2), (1, 2, 3)])
@pytest.mark.parametrize("kwargs", [{}, {"x": 1}])
async def test_receivers_get_sender_payload_and_signal(
    payload: tuple[int, ...], kwargs: dict[str, int]
) -> None:
    calls: Calls = []
    sender = Sender()
    asig: Signal[Sender] = Signal()
    asig.connect(async_recorder(calls, "async"))
    asig.connect(recorder(calls, "sync"))
    await asig.send(sender, *payload, **kwargs)
    ssig: SyncSignal[Sender] = SyncSignal()
    ssig.connect(recorder(calls, "ssync"))
    ssig.send(sender, *payload, **kwargs)
    assert calls == [
        ("async", sender, payload, {**kwargs, "signal": asig}),
        ("sync", sender, payload, {**kwargs, "signal": asig}),
        ("ssync", sender, payload, {**kwargs, "signal": ssig}),
    ]


@pytest.mark.parametrize("payload", [(), (1,), (1, 2), (1, 2, 3)])
@pytest.mark.parametrize("kwargs", [{}, {"x": 1}])
async def test_default_sender_makes_every_argument_payload(
    payload: tuple[int, ...], kwargs: dict[str, int]
) -> None:
    calls: Calls = []
    sender = Sender()
    asig = Signal[Sender]().with_default_sender(sender)
    asig.connect(async_recorder(calls, "async"))
    await asig.send(*payload, **kwargs)
    ssig = SyncSignal[Sender]().with_default_sender(sender)
    ssig.connect(recorder(calls, "sync"))
    ssig.send(*payload, **kwargs)
    assert calls == [
        ("async", sender, payload, {**kwargs, "signal": asig}),
        ("sync", sender, payload, {**kwargs, "signal": ssig}),
    ]


@pytest.mark.parametrize("payload", [(), (1,), (1, 2), (1, 2, 3)])
async def test_single_async_receiver_fast_path(payload: tuple[int, ...]) -> None:
    calls: Calls = []
    sender = Sender()
    sig: Signal[Sender] = Signal()
    sig.connect(async_recorder(calls))
    coro = sig.send(sender, *payload)
    assert inspect.iscoroutine(coro)
    assert calls == []  # nothing runs before it is awaited
    await coro
    assert calls == [("", sender, payload, {"signal": sig})]


@pytest.mark.parametrize("payload", [(), (1,), (1, 2)])
async def test_default_sender_copy_of_a_signal_with_one_global_receiver(
    payload: tuple[int, ...],
) -> None:
    # No sender filters at all: the single-receiver fast paths apply.
    calls: Calls = []
    obj = Sender()
    asig: Signal[Sender] = Signal()
    asig.connect(async_recorder(calls, "async"))
    bound = asig.with_default_sender(obj)
    await bound.send(*payload)
    ssig: SyncSignal[Sender] = SyncSignal()
    ssig.connect(recorder(calls, "sync"))
    sbound = ssig.with_default_sender(obj)
    sbound.send(*payload)
    assert calls == [
        ("async", obj, payload, {"signal": bound}),
        ("sync", obj, payload, {"signal": sbound}),
    ]


def test_sync_signal_refuses_awaitable_results_with_default_sender() -> None:
    async def afun(sender: Any, **kwargs: Any) -> None: ...

    def sneaky(sender: Any, *args: Any, **kwargs: Any) -> Any:
        return afun(sender)

    sig: SyncSignal[Any] = SyncSignal()
    sig.connect(sneaky)
    with pytest.raises(TypeError, match="returned an awaitable"):
        sig.with_default_sender(Sender()).send(1)


SHAPES = ["one global", "two global", "one filtered", "global and filtered"]


@pytest.mark.parametrize("signal_type", [Signal, SyncSignal])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("use_default", [False, True])
async def test_every_send_path_calls_the_same_way(
    signal_type: type[BaseSignal[Sender]], shape: str, use_default: bool
) -> None:
    # Covers the fast paths (one receiver, no filters; cached per default
    # sender) and the general ones, for every payload shape, sending twice.
    calls: Calls = []
    obj = Sender()
    is_async = signal_type is Signal
    make = async_recorder if is_async else recorder
    base = signal_type()
    if shape in ("one global", "two global", "global and filtered"):
        base.connect(make(calls, "g1"))
    if shape == "two global":
        base.connect(make(calls, "g2"))
    if shape in ("one filtered", "global and filtered"):
        base.connect(make(calls, "f1"), sender=obj)
    sig = base.with_default_sender(obj) if use_default else base
    tags = {
        "one global": ["g1"],
        "two global": ["g1", "g2"],
        "one filtered": ["f1"],
        "global and filtered": ["g1", "f1"],
    }[shape]
    for payload in [(), (1,), (1, 2), (1, 2, 3)]:
        for kwargs in [{}, {"k": 1}]:
            for _ in range(2):
                calls.clear()
                args = payload if use_default else (obj, *payload)
                res = sig.send(*args, **kwargs)  # type: ignore[attr-defined]
                if is_async:
                    await res
                assert calls == [
                    (tag, obj, payload, {**kwargs, "signal": sig}) for tag in tags
                ]


@pytest.mark.parametrize("signal_type", [Signal, SyncSignal])
async def test_default_sender_copies_see_later_changes(
    signal_type: type[BaseSignal[Sender]],
) -> None:
    calls: Calls = []
    obj, other = Sender(), Sender()
    is_async = signal_type is Signal
    make = async_recorder if is_async else recorder

    async def send(sig: BaseSignal[Sender]) -> list[str]:
        calls.clear()
        res = sig.send(1)  # type: ignore[attr-defined]
        if is_async:
            await res
        return [c[0] for c in calls]

    base = signal_type()
    copy = base.with_default_sender(obj)
    assert await send(copy) == []
    base.connect(make(calls, "global"))  # through another handle
    assert await send(copy) == ["global"]
    assert await send(copy) == ["global"]  # cached
    base.connect(make(calls, "mine"), sender=obj)
    assert await send(copy) == ["global", "mine"]
    copy.default_sender = other  # re-pointed by hand: not served from the cache
    assert await send(copy) == ["global"]


def test_disconnect_releases_the_default_sender_cache() -> None:
    class Listener:
        def on_event(self, sender: Any, *args: Any, **kwargs: Any) -> None: ...

    obj = Sender()
    sig = SyncSignal[Sender]().with_default_sender(obj)
    listener = Listener()
    alive = weakref.ref(listener)
    sig.connect(listener.on_event)
    sig.send(1)  # caches the receivers
    sig.disconnect(listener.on_event)
    del listener
    gc.collect()
    assert alive() is None


async def test_send_result_can_be_scheduled_as_a_task() -> None:
    done = asyncio.Event()
    sig: Signal[Sender] = Signal()

    @sig.connect
    async def receiver(sender: Sender, **kwargs: Any) -> None:
        done.set()

    task = asyncio.create_task(sig.send(Sender()))
    await done.wait()
    await task


async def test_unawaited_send_can_be_closed_without_warning() -> None:
    sig: Signal[Sender] = Signal()
    for _ in range(2):  # fast path, then the general path
        sig.connect(async_recorder([]))
        sig.send(Sender()).close()


async def test_call_is_send() -> None:
    calls: Calls = []
    sig: Signal[Sender] = Signal()
    sig.connect(recorder(calls))
    ssig: SyncSignal[Sender] = SyncSignal()
    ssig.connect(recorder(calls))
    sender = Sender()
    await sig(sender, 1)
    ssig(sender, 2)
    assert [c[2] for c in calls] == [(1,), (2,)]


async def test_async_receivers_run_sequentially_in_connection_order() -> None:
    events: list[str] = []
    sig: Signal[Sender] = Signal()

    def make(tag: str) -> Callable[..., Any]:
        async def receiver(sender: Sender, **kwargs: Any) -> None:
            events.append(f"{tag} start")
            for _ in range(3):
                await asyncio.sleep(0)
            events.append(f"{tag} end")

        return receiver

    for tag in "abc":
        sig.connect(make(tag))
    await sig.send(Sender())
    assert events == [f"{t} {w}" for t in "abc" for w in ("start", "end")]


async def test_awaitables_returned_by_sync_callables_are_awaited() -> None:
    calls: Calls = []
    sig: Signal[Sender] = Signal()

    async def target(sender: Sender, tag: str, **kwargs: Any) -> None:
        calls.append((tag,))

    class AsyncCallable:
        async def __call__(self, sender: Sender, **kwargs: Any) -> None:
            calls.append(("object",))

    def returns_future(sender: Sender, **kwargs: Any) -> asyncio.Future[None]:
        fut = asyncio.get_running_loop().create_future()
        fut.set_result(None)
        calls.append(("future",))
        return fut

    def returns_value(sender: Sender, **kwargs: Any) -> int:
        return 42  # not awaitable: ignored

    sig.connect(functools.partial(target, tag="partial"))
    sig.connect(AsyncCallable())
    sig.connect(returns_future)
    sig.connect(returns_value)
    await sig.send(Sender())
    assert calls == [("partial",), ("object",), ("future",)]


async def test_send_without_a_sender_raises_type_error() -> None:
    with pytest.raises(TypeError, match="sender"):
        Signal().send().close()
    with pytest.raises(TypeError, match="sender"):
        SyncSignal().send()
    with pytest.raises(TypeError, match="sender"):
        Signal().unpack_sender_from_args()


async def test_changelog_sender_as_keyword() -> None:
    calls: Calls = []
    obj = Sender()
    on_configured: SyncSignal[Sender] = SyncSignal()
    on_configured.connect(recorder(calls, "sync"))
    on_configured.send(sender=obj)
    on_ready: Signal[Sender] = Signal()
    on_ready.connect(async_recorder(calls, "async"))
    await on_ready.send(sender=obj, extra=1)
    assert calls == [
        ("sync", obj, (), {"signal": on_configured}),
        ("async", obj, (), {"extra": 1, "signal": on_ready}),
    ]


async def test_receiver_exception_propagates_and_skips_the_rest() -> None:
    calls: Calls = []

    def boom(sender: Any, **kwargs: Any) -> None:
        raise KeyError("boom")

    async def aboom(sender: Any, **kwargs: Any) -> None:
        raise KeyError("aboom")

    sig: Signal[Sender] = Signal()
    sig.connect(aboom)
    sig.connect(recorder(calls))
    with pytest.raises(KeyError, match="aboom"):
        await sig.send(Sender())
    ssig: SyncSignal[Sender] = SyncSignal()
    ssig.connect(boom)
    ssig.connect(recorder(calls))
    with pytest.raises(KeyError, match="boom"):
        ssig.send(Sender())
    assert calls == []


@pytest.mark.parametrize("use_default", [False, True])
async def test_all_async_receivers_fail_fast_and_keep_order(use_default: bool) -> None:
    # Receivers that are all ``async def`` (functions and bound methods) are
    # awaited as called; the first exception still skips the rest.
    calls: Calls = []

    class Owner:
        async def method(self, sender: Any, *args: Any, **kwargs: Any) -> None:
            calls.append(("method", sender, args))

    async def aboom(sender: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(("boom", sender, args))
        raise KeyError("aboom")

    obj, owner = Sender(), Owner()
    base: Signal[Sender] = Signal()
    base.connect(async_recorder(calls, "first"))
    base.connect(owner.method)
    sig = base.with_default_sender(obj) if use_default else base
    prefix = () if use_default else (obj,)
    await sig.send(*prefix, 7)
    assert calls == [("first", obj, (7,), {"signal": sig}), ("method", obj, (7,))]
    base.connect(aboom)
    base.connect(async_recorder(calls, "never"))
    calls.clear()
    with pytest.raises(KeyError, match="aboom"):
        await sig.send(*prefix)
    assert [c[0] for c in calls] == ["first", "method", "boom"]
    # A sync receiver among them: its result is checked, nothing is awaited
    # twice, and the order holds.
    base.disconnect(aboom)
    base.connect(recorder(calls, "sync"))
    calls.clear()
    await sig.send(*prefix, 8)
    assert [c[0] for c in calls] == ["first", "method", "never", "sync"]


async def test_connect_during_send_applies_to_the_next_send() -> None:
    calls: Calls = []
    sig: Signal[Sender] = Signal()
    late = recorder(calls, "late")

    @sig.connect
    def first(sender: Sender, **kwargs: Any) -> None:
        sig.connect(late)
        sig.disconnect(first)

    sig.connect(recorder(calls, "second"))
    sender = Sender()
    await sig.send(sender)
    assert [c[0] for c in calls] == ["second"]
    await sig.send(sender)
    assert [c[0] for c in calls] == ["second", "second", "late"]


# -------------------------------------------------------------- bad receivers


@pytest.mark.parametrize("signal_type", [Signal, SyncSignal, BaseSignal])
def test_non_callable_receiver_is_refused(signal_type: type[BaseSignal[Any]]) -> None:
    sig = signal_type(name="sig")
    with pytest.raises(TypeError, match="must be callable"):
        sig.connect(42)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="must be callable"):
        sig.connect(sender=Sender())("nope")  # type: ignore[type-var]
    with pytest.raises(TypeError, match="must be callable"):
        signal_type(receivers=["x"])  # type: ignore[list-item]


def test_sync_signal_refuses_async_receivers() -> None:
    async def afun(sender: Any, **kwargs: Any) -> None: ...

    class Obj:
        async def method(self, sender: Any, **kwargs: Any) -> None: ...

        async def __call__(self, sender: Any, **kwargs: Any) -> None: ...

    sig: SyncSignal[Any] = SyncSignal(name="on_x")
    for bad in (afun, Obj().method, Obj(), functools.partial(afun)):
        with pytest.raises(TypeError, match="async receiver"):
            sig.connect(bad)
    assert len(list(sig.iter_receivers(None))) == 0

    class SyncObj:
        def __call__(self, sender: Any, **kwargs: Any) -> None: ...

    sig.connect(SyncObj())  # sync callables and classes are fine
    sig.connect(dict)


def test_sync_signal_refuses_awaitable_results() -> None:
    async def afun(sender: Any, **kwargs: Any) -> None: ...

    def sneaky(sender: Any, *args: Any, **kwargs: Any) -> Any:
        return afun(sender)  # a sync function returning a coroutine

    for payload, extra in itertools.product([(), (1,), (1, 2), (1, 2, 3)], [0, 1]):
        sig: SyncSignal[Any] = SyncSignal(name="on_x")
        sig.connect(sneaky)
        if extra:  # more than one receiver: the general path
            sig.connect(recorder([]))
        # The coroutine is closed: no "never awaited" warning (warnings are errors).
        with pytest.raises(TypeError, match="returned an awaitable"):
            sig.send(Sender(), *payload)
        gc.collect()


async def test_sync_signal_refuses_awaitable_that_is_not_a_coroutine() -> None:
    fut = asyncio.get_running_loop().create_future()
    sig: SyncSignal[Any] = SyncSignal()
    sig.connect(lambda sender, **kw: fut)
    with pytest.raises(TypeError, match="returned an awaitable"):
        sig.send(Sender())


# -------------------------------------------------------------- references


async def test_receivers_are_strong_by_default() -> None:
    calls: Calls = []
    sig: Signal[Sender] = Signal()
    sig.connect(recorder(calls))  # the only reference is the signal's
    sig.connect(lambda sender, **kw: calls.append("lambda"))
    gc.collect()
    await sig.send(Sender())
    assert len(calls) == 2


async def test_weak_function_receiver_is_dropped_when_collected() -> None:
    calls: Calls = []
    sig: Signal[Sender] = Signal()
    receiver = recorder(calls)
    sig.connect(receiver, weak=True)
    await sig.send(Sender())
    assert len(calls) == 1
    assert list(sig.iter_receivers(None)) == [receiver]
    del receiver
    gc.collect()
    await sig.send(Sender())
    assert len(calls) == 1
    assert "receivers=0" in repr(sig)


async def test_weak_bound_method_does_not_keep_its_instance_alive() -> None:
    calls: Calls = []

    class Listener:
        async def on_event(self, sender: Any, **kwargs: Any) -> None:
            calls.append(sender)

    sig: Signal[Sender] = Signal()
    listener = Listener()
    other = Listener()
    sig.connect(listener.on_event, weak=True)
    sig.connect(other.on_event, weak=True, sender=(sender := Sender()))
    alive = weakref.ref(listener)
    await sig.send(sender)
    assert calls == [sender, sender]
    del listener, other
    gc.collect()
    assert alive() is None
    await sig.send(sender)
    assert calls == [sender, sender]
    assert "receivers=0" in repr(sig)


async def test_strong_bound_method_keeps_its_instance_alive() -> None:
    class Listener:
        def on_event(self, sender: Any, **kwargs: Any) -> None: ...

    sig: SyncSignal[Sender] = SyncSignal()
    listener = Listener()
    alive = weakref.ref(listener)
    sig.connect(listener.on_event)
    del listener
    gc.collect()
    assert alive() is not None


def test_weak_receiver_that_cannot_be_weakly_referenced() -> None:
    class Slotted:
        __slots__ = ()

        def __call__(self, sender: Any, **kwargs: Any) -> None: ...

    sig: SyncSignal[Any] = SyncSignal()
    with pytest.raises(TypeError, match="weak=False"):
        sig.connect(Slotted(), weak=True)
    sig.connect(Slotted())  # strongly: fine


async def test_dead_weak_receiver_in_a_running_send_is_skipped() -> None:
    calls: Calls = []
    sig: Signal[Sender] = Signal()
    holder = [recorder(calls, "weak")]

    @sig.connect
    def killer(sender: Sender, **kwargs: Any) -> None:
        holder.clear()  # the weak receiver, next in this send, dies
        gc.collect()

    sig.connect(holder[0], weak=True)
    await sig.send(Sender())
    assert calls == []
    assert list(sig.iter_receivers(None)) == [killer]


def test_iter_receivers_skips_receivers_collected_meanwhile() -> None:
    sig: SyncSignal[Sender] = SyncSignal()
    first = recorder([])
    holder = [recorder([])]
    sig.connect(first)
    sig.connect(holder[0], weak=True)
    it = sig.iter_receivers(None)
    assert next(it) is first
    holder.clear()
    gc.collect()
    assert list(it) == []


async def test_weak_reference_dying_while_a_send_holds_the_old_tuple() -> None:
    # A weak receiver reconnected while a send still iterates the old tuple:
    # the old reference's death must not remove the new registration.
    calls: Calls = []
    sig: SyncSignal[Sender] = SyncSignal()
    receiver = recorder(calls)
    sig.connect(receiver, weak=True)
    old_snapshot = sig._registry.everyone_tuple  # what a running send holds
    sig.connect(receiver, weak=True)  # a new weak reference replaces the old
    new_snapshot = sig._registry.everyone_tuple
    assert old_snapshot[0] is not new_snapshot[0]
    old_ref = old_snapshot[0].ref  # type: ignore[attr-defined]
    callback = old_ref.__callback__
    callback(old_ref)  # the old reference's callback fires first
    assert list(sig.iter_receivers(None)) == [receiver]
    del receiver, new_snapshot
    gc.collect()
    assert list(sig.iter_receivers(None)) == []
    del old_snapshot
    gc.collect()


def test_reconnecting_switches_the_reference_kind() -> None:
    calls: Calls = []
    sig: SyncSignal[Sender] = SyncSignal()
    receiver = recorder(calls)
    sig.connect(receiver, weak=True)
    sig.connect(receiver)  # now strong; still one registration
    sig.send(Sender())
    assert len(calls) == 1
    del receiver
    gc.collect()
    sig.send(Sender())
    assert len(calls) == 2


def test_weak_refs_given_to_the_constructor() -> None:
    calls: Calls = []
    receiver = recorder(calls, "weak")
    dead = recorder(calls, "dead")
    dead_ref = weakref.ref(dead)
    del dead
    gc.collect()
    sig: SyncSignal[Sender] = SyncSignal(
        receivers=[weakref.ref(receiver), dead_ref, recorder(calls, "strong")]
    )
    sig.send(Sender())
    assert [c[0] for c in calls] == ["weak", "strong"]
    del receiver
    gc.collect()
    sig.send(Sender())
    assert [c[0] for c in calls] == ["weak", "strong", "strong"]


def test_filter_receivers_given_to_the_constructor() -> None:
    calls: Calls = []
    a, b = Sender(), Sender()
    sig: SyncSignal[Sender] = SyncSignal(
        filter_receivers={a: [recorder(calls, "a")], b: [recorder(calls, "b")]}
    )
    sig.send(b)
    assert [c[0] for c in calls] == ["b"]


# -------------------------------------------------------------- senders


async def test_sender_filtering_and_call_order() -> None:
    calls: Calls = []
    sig: Signal[Sender] = Signal()
    a, b = Sender(), Sender()
    sig.connect(recorder(calls, "a1"), sender=a)
    sig.connect(recorder(calls, "all1"))
    sig.connect(recorder(calls, "b1"), sender=b)
    sig.connect(recorder(calls, "a2"), sender=a)
    sig.connect(recorder(calls, "all2"))
    await sig.send(a)
    await sig.send(b)
    await sig.send(Sender())
    tags = [c[0] for c in calls]
    assert tags == ["all1", "all2", "a1", "a2", "all1", "all2", "b1", "all1", "all2"]


@dataclass(frozen=True)
class Point:
    x: int


async def test_equal_but_distinct_senders_do_not_share_receivers() -> None:
    calls: Calls = []
    sig: Signal[Any] = Signal()
    p1, p2 = Point(1), Point(1)
    assert p1 == p2
    assert hash(p1) == hash(p2)
    sig.connect(recorder(calls, "p1"), sender=p1)
    await sig.send(p2)
    assert calls == []
    await sig.send(p1)
    assert [c[0] for c in calls] == ["p1"]


async def test_senders_with_colliding_hashes_do_not_share_receivers() -> None:
    # hash(-1) == hash(-2): the original keyed filters on hash(sender).
    assert hash(-1) == hash(-2)
    calls: Calls = []
    sig: SyncSignal[int] = SyncSignal()
    sig.connect(recorder(calls, "minus one"), sender=-1)
    sig.send(-2)
    assert calls == []
    sig.send(-1)
    assert [c[0] for c in calls] == ["minus one"]


def test_unhashable_senders_work() -> None:
    calls: Calls = []
    sig: SyncSignal[list[int]] = SyncSignal()
    sender: list[int] = []
    sig.connect(recorder(calls), sender=sender)
    sig.send(sender)
    sig.send([])
    assert len(calls) == 1


def test_filter_entries_vanish_with_the_sender() -> None:
    sig: SyncSignal[Sender] = SyncSignal()
    sender = Sender()
    sig.connect(recorder([]), sender=sender)
    assert "receivers=1" in repr(sig)
    del sender
    gc.collect()
    assert "receivers=0" in repr(sig)
    assert sig._registry.senders == {}


def test_filter_entries_of_unreferenceable_senders_are_held_until_disconnect() -> None:
    calls: Calls = []
    sig: SyncSignal[tuple[int, ...]] = SyncSignal()
    sender = (1, 2, 3)
    receiver = recorder(calls)
    sig.connect(receiver, sender=sender)
    assert sig._registry.senders[id(sender)] is sender  # kept alive: id stays unique
    sig.disconnect(receiver, sender=sender)
    assert sig._registry.senders == {}
    assert sig._registry.tuples == {}


def test_stale_sender_callback_is_ignored() -> None:
    sig: SyncSignal[Sender] = SyncSignal()
    sender = Sender()
    receiver = recorder([])
    sig.connect(receiver, sender=sender)
    old_ref = sig._registry.senders[id(sender)]
    sig.disconnect(receiver, sender=sender)
    sig.connect(receiver, sender=sender)  # a new sender entry
    old_ref.__callback__(old_ref)  # as if the stale reference had fired
    assert "receivers=1" in repr(sig)


def test_registry_callbacks_after_the_signal_is_gone() -> None:
    sig: SyncSignal[Sender] = SyncSignal()
    sender = Sender()
    receiver = recorder([])
    sig.connect(receiver, sender=sender, weak=True)
    sender_ref = sig._registry.senders[id(sender)]
    receiver_ref = sig._registry.tuples[id(sender)][0].ref  # type: ignore[attr-defined]
    sender_cb, receiver_cb = sender_ref.__callback__, receiver_ref.__callback__
    del sig
    gc.collect()
    sender_cb(sender_ref)  # no registry left: nothing to do, no error
    receiver_cb(receiver_ref)


# -------------------------------------------------------------- copies


async def test_with_default_sender_shares_receivers_and_clone_does_not() -> None:
    calls: Calls = []
    obj = Sender()
    signal: Signal[Sender] = Signal(name="sig")
    signal.connect(recorder(calls, "global"))
    # The original changelog (1.8): a clone with the default sender set.
    bound = signal.with_default_sender(obj)
    assert bound.default_sender is obj
    bound.connect(recorder(calls, "bound"))  # filtered on obj
    await signal.send(obj)
    assert [c[0] for c in calls] == ["global", "bound"]
    calls.clear()
    await signal.send(Sender())
    assert [c[0] for c in calls] == ["global"]
    clone = signal.clone()
    calls.clear()
    await clone.send(obj)
    assert calls == []
    assert type(clone) is Signal
    assert clone.name == "sig"


def test_with_default_sender_none_keeps_the_current_one() -> None:
    obj = Sender()
    sig = SyncSignal[Sender]().with_default_sender(obj)
    again = sig.with_default_sender()
    assert again.default_sender is obj
    assert type(again) is SyncSignal


def test_clone_overrides_and_asdict() -> None:
    owner = object()
    sig: SyncSignal[Any] = SyncSignal(name="a", owner=owner, loop="L")
    assert sig.asdict() == {
        "name": "a",
        "owner": owner,
        "loop": "L",
        "default_sender": None,
    }
    clone = sig.clone(name="b")
    assert (clone.name, clone.owner, clone.loop) == ("b", owner, "L")


async def test_class_level_signal_with_instance_default_sender() -> None:
    calls: Calls = []

    class Consumer:
        on_assigned: Signal[Consumer] = Signal()
        on_sync: SyncSignal[Consumer] = SyncSignal(name="explicit")

        def __init__(self) -> None:
            self.on_assigned = self.on_assigned.with_default_sender(self)

    @Consumer.on_assigned.connect  # every Consumer
    async def everyone(sender: Consumer, parts: set[int], **kwargs: Any) -> None:
        calls.append(("everyone", sender, parts))

    c1, c2 = Consumer(), Consumer()

    @c1.on_assigned.connect  # only c1
    async def only_c1(sender: Consumer, parts: set[int], **kwargs: Any) -> None:
        calls.append(("only_c1", sender, parts))

    await c1.on_assigned.send({1})
    await c2.on_assigned.send({2})
    assert calls == [
        ("everyone", c1, {1}),
        ("only_c1", c1, {1}),
        ("everyone", c2, {2}),
    ]
    assert Consumer.on_assigned.name == "on_assigned"
    assert Consumer.on_assigned.owner is Consumer
    assert Consumer.on_assigned.label.endswith("Consumer.on_assigned")
    assert c1.on_assigned.label == Consumer.on_assigned.label
    assert Consumer.on_sync.name == "explicit"  # an explicit name is kept
    assert Consumer.on_sync.label.endswith("Consumer.explicit")
    # Disconnecting through the instance copy removes c1's receiver only.
    c1.on_assigned.disconnect(only_c1)
    calls.clear()
    await c1.on_assigned.send({3})
    assert calls == [("everyone", c1, {3})]


def test_label_repr_and_ident() -> None:
    sig: SyncSignal[Any] = SyncSignal()
    assert sig.label == ""
    assert repr(sig) == "<SyncSignal: (unnamed) receivers=0>"
    sig = SyncSignal(name="on_x")
    assert sig.label == "on_x"
    sender = Sender()
    sig.connect(recorder([]))
    sig.connect(recorder([]), sender=sender)
    assert repr(sig) == "<SyncSignal: on_x receivers=2>"
    owned = sig.with_default_sender("x" * 100)
    assert "receivers=2 sender='xxxx" in repr(owned)
    assert len(repr(owned)) < 100
    instance_owner = SyncSignal[Any](name="y", owner=Sender())
    assert instance_owner.label == "Sender.y"
    with pytest.warns(DeprecationWarning, match="label"):
        assert sig.ident == "on_x"


def test_unpack_sender_from_args() -> None:
    sig: SyncSignal[Any] = SyncSignal()
    assert sig.unpack_sender_from_args(1, 2, 3) == (1, (2, 3))
    assert sig.with_default_sender("s").unpack_sender_from_args(1, 2) == (
        "s",
        (1, 2),
    )


# -------------------------------------------------------------- disconnect


async def test_disconnect_strong_receiver_without_sender() -> None:
    # ✗ upstream: a strong receiver was never found, disconnect was a no-op.
    calls: Calls = []
    sig: Signal[Sender] = Signal()
    receiver = async_recorder(calls)
    sig.connect(receiver)
    sig.disconnect(receiver)
    await sig.send(Sender())
    assert calls == []
    assert "receivers=0" in repr(sig)


async def test_disconnect_strong_receiver_with_sender() -> None:
    # ✗ upstream: raised KeyError.
    calls: Calls = []
    sig: Signal[Sender] = Signal()
    sender = Sender()
    receiver = recorder(calls)
    sig.connect(receiver, sender=sender)
    sig.disconnect(receiver, sender=sender)
    await sig.send(sender)
    assert calls == []


@pytest.mark.parametrize("weak", [False, True])
@pytest.mark.parametrize("with_sender", [False, True])
async def test_disconnect_every_receiver_kind(weak: bool, with_sender: bool) -> None:
    calls: Calls = []

    class Listener:
        def method(self, sender: Any, **kwargs: Any) -> None:
            calls.append("method")

    listener = Listener()
    sender = Sender()
    receivers: list[Callable[..., Any]] = [
        recorder(calls, "function"),
        listener.method,
        functools.partial(recorder(calls), "partial"),
    ]
    target = sender if with_sender else None
    sig: Signal[Sender] = Signal()
    for receiver in receivers:
        sig.connect(receiver, weak=weak, sender=target)
    # A bound method is found again through a fresh bound-method object.
    for receiver in [receivers[0], listener.method, receivers[2]]:
        sig.disconnect(receiver, weak=weak, sender=target)
    await sig.send(sender)
    assert calls == []
    assert "receivers=0" in repr(sig)


def test_disconnecting_something_not_connected_is_ignored() -> None:
    calls: Calls = []
    sig: SyncSignal[Sender] = SyncSignal()
    a, b = Sender(), Sender()
    connected = recorder(calls)
    sig.connect(connected, sender=a)
    sig.disconnect(recorder(calls))  # never connected
    sig.disconnect(recorder(calls), sender=a)  # not for this sender
    sig.disconnect(connected, sender=b)  # wrong sender
    sig.disconnect(connected)  # connected with a sender, not globally
    sig.send(a)
    assert len(calls) == 1


def test_disconnect_keeps_other_receivers_of_the_sender() -> None:
    calls: Calls = []
    sig: SyncSignal[Sender] = SyncSignal()
    a = Sender()
    r1, r2 = recorder(calls, "r1"), recorder(calls, "r2")
    sig.connect(r1, sender=a)
    sig.connect(r2, sender=a)
    sig.disconnect(r1, sender=a)
    sig.send(a)
    assert [c[0] for c in calls] == ["r2"]


def test_iter_receivers() -> None:
    sig: SyncSignal[Sender] = SyncSignal()
    a = Sender()
    r1, r2, r3 = recorder([]), recorder([]), recorder([])
    sig.connect(r1, sender=a)
    sig.connect(r2)
    sig.connect(r3, weak=True, sender=a)
    assert list(sig.iter_receivers(a)) == [r2, r1, r3]
    assert list(sig.iter_receivers(Sender())) == [r2]


# -------------------------------------------------------------- model check

Op = tuple[str, int, int | None, bool]
ops = st.lists(
    st.tuples(
        st.sampled_from(["connect", "disconnect"]),
        st.integers(0, 3),  # receiver
        st.one_of(st.none(), st.integers(0, 2)),  # sender
        st.booleans(),  # weak
    ),
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(ops)
def test_receivers_match_a_simple_model(script: list[Op]) -> None:
    receivers = [recorder([], str(i)) for i in range(4)]
    senders = [Sender() for _ in range(3)]
    sig: SyncSignal[Sender] = SyncSignal()
    model: dict[int | None, list[int]] = {}
    for op, r, s, weak in script:
        sender = None if s is None else senders[s]
        table = model.setdefault(s, [])
        if op == "connect":
            sig.connect(receivers[r], sender=sender, weak=weak)
            if r not in table:
                table.append(r)
        else:
            sig.disconnect(receivers[r], sender=sender)
            if r in table:
                table.remove(r)
    for s, sender in enumerate(senders):
        expected = [receivers[r] for r in model.get(None, []) + model.get(s, [])]
        assert list(sig.iter_receivers(sender)) == expected
    assert f"receivers={sum(map(len, model.values()))}>" in repr(sig)


def test_no_warning_leaks() -> None:
    # Sanity: the module imports and runs without deprecation warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SyncSignal[Any]().with_default_sender(1).clone()


# -- the original's surface that code written for it uses --------------------


async def test_send_is_seen_as_a_coroutine_function() -> None:
    # The original's send and __call__ were ``async def``: a mock made with
    # spec=Signal must have an awaitable send, and code checking
    # iscoroutinefunction(signal.send) must get True.
    sig = Signal[Any]()
    for fun in (Signal.send, Signal.__call__, sig.send, sig.__call__):
        if sys.version_info >= (3, 12):  # pragma: no cover - coverage on 3.11
            assert inspect.iscoroutinefunction(fun)
        else:  # asyncio's (deprecated from 3.14) is what mock reads on 3.11
            assert asyncio.iscoroutinefunction(fun)
    assert not inspect.iscoroutinefunction(SyncSignal.send)
    assert not asyncio.iscoroutinefunction(SyncSignal.send)
    mock = Mock(spec=Signal)
    await mock.send(1)
    mock.send.assert_awaited_once_with(1)


def test_receivers_attribute_is_a_read_only_view() -> None:
    # The original kept the receivers without a sender filter in a set,
    # ``_receivers``; reading it works (a snapshot), changing it fails loudly.
    sig = SyncSignal[Any]()
    calls: Calls = []
    plain = recorder(calls)
    sig.connect(plain)
    sig.connect(recorder(calls), sender=Sender())
    holder = Sender()
    weak = recorder(calls)
    holder.fun = weak  # type: ignore[attr-defined]
    sig.connect(weak, weak=True)
    copy = sig.with_default_sender(Sender())
    assert sig._receivers == {plain, weak}
    assert copy._receivers == {plain, weak}
    assert isinstance(sig._receivers, frozenset)
    with pytest.raises(AttributeError):
        sig._receivers.add(plain)  # type: ignore[attr-defined]
    del holder, weak
    gc.collect()
    assert sig._receivers == {plain}
