"""mode.locals: lazy proxies and their roles."""

from __future__ import annotations

import abc
import pickle
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest

from mode.locals import (
    AsyncContextManagerProxy,
    AsyncGeneratorProxy,
    AsyncIterableProxy,
    AsyncIteratorProxy,
    AwaitableProxy,
    CallableProxy,
    ContextManagerProxy,
    CoroutineProxy,
    LocalStack,
    MappingProxy,
    MutableMappingProxy,
    MutableSequenceProxy,
    MutableSetProxy,
    Proxy,
    SequenceProxy,
    SetProxy,
    maybe_evaluate,
)
from mode.utils.locals import LocalStack as UtilsLocalStack


class Target:
    """The target's docstring."""

    def __init__(self, value: int = 1) -> None:
        self.value = value

    def double(self) -> int:
        return self.value * 2


def test_local_stack_is_the_utils_one() -> None:
    assert LocalStack is UtilsLocalStack


def test_evaluates_on_every_access_by_default() -> None:
    calls = []

    def make() -> Target:
        calls.append(1)
        return Target(len(calls))

    p = Proxy(make)
    assert p.value == 1
    assert p.value == 2
    assert len(calls) == 2
    assert not p.__evaluated__()


def test_cache_evaluates_once_and_drops_the_recipe() -> None:
    calls: list[int] = []

    def make(a: int, *, b: int) -> Target:
        calls.append(1)
        return Target(a + b)

    p = Proxy(make, args=(1,), kwargs={"b": 2}, cache=True)
    assert not p.__evaluated__()
    assert p.value == 3
    assert p.double() == 6
    assert p.__evaluated__()
    assert calls == [1]
    assert object.__getattribute__(p, "_Proxy__local") is None


def test_args_and_kwargs_are_passed() -> None:
    p = Proxy(lambda x, y=0: Target(x + y), args=(2,), kwargs={"y": 5})
    assert p.value == 7


def test_non_callable_local_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="callable"):
        Proxy(42)  # type: ignore[arg-type]


def test_isinstance_sees_the_target_class() -> None:
    p = Proxy(Target)
    assert isinstance(p, Target)
    assert isinstance(p, Proxy)
    assert p.__class__ is Target


def test_name_module_doc_come_from_target_or_override() -> None:
    p = Proxy(lambda: Target)
    assert p.__name__ == "Target"
    assert p.__doc__ == "The target's docstring."
    assert p.__module__ == Target.__module__
    q = Proxy(lambda: Target, name="other", __doc__="mine")
    assert q.__name__ == "other"
    assert q.__doc__ == "mine"
    # class access gives plain strings
    assert Proxy.__module__ == "mode.locals"
    assert Proxy.__name__ == "Proxy"
    assert isinstance(Proxy.__doc__, str)
    assert "lazily" in Proxy.__doc__


def test_attribute_set_and_delete_forward() -> None:
    t = Target()
    p = Proxy(lambda: t)
    p.value = 10
    assert t.value == 10
    p.extra = "x"
    assert t.extra == "x"  # type: ignore[attr-defined]
    del p.extra
    assert not hasattr(t, "extra")
    assert p.__dict__ is t.__dict__
    assert "double" in dir(p)
    assert "double" in p.__members__


def test_comparison_hash_str_repr_bool_forward() -> None:
    p = Proxy(lambda: "abc")
    assert p == "abc"
    assert p != "abd"
    assert hash(p) == hash("abc")
    assert str(p) == "abc"
    assert repr(p) == "'abc'"
    assert bool(p)
    assert not Proxy(lambda: "")


def test_unbound_proxy_repr_bool_dir_and_class() -> None:
    def unbound() -> Any:
        raise RuntimeError("no current object")

    p = Proxy(unbound)
    assert repr(p) == "<Proxy unbound>"
    assert not p
    assert dir(p) == []
    assert p.__class__ is Proxy
    with pytest.raises(RuntimeError):
        _ = p.__dict__
    with pytest.raises(RuntimeError):
        _ = p.anything


def test_other_errors_propagate() -> None:
    def broken() -> Any:
        raise KeyError("x")

    with pytest.raises(KeyError):
        repr(Proxy(broken))


def test_reduce_pickles_the_target() -> None:
    p = Proxy(lambda: [1, 2, 3])
    assert pickle.loads(pickle.dumps(p)) == [1, 2, 3]


def test_finalizers_run_once_in_order_before_evaluation() -> None:
    order: list[str] = []

    def make(tag: str) -> Any:
        def fn() -> str:
            order.append(tag)
            return tag

        return fn

    a = Proxy(make("a"), cache=True)
    b = Proxy(make("b"), cache=True)
    main = Proxy(make("main"))
    main._add_proxy_finalizer(a)
    main._add_proxy_finalizer(b)
    assert str(main) == "main"
    assert str(main) == "main"
    assert order == ["a", "b", "main", "main"]


def test_maybe_evaluate() -> None:
    t = Target()
    assert maybe_evaluate(Proxy(lambda: t)) is t
    assert maybe_evaluate(t) is t
    assert maybe_evaluate(None) is None


def test_bare_proxy_has_no_container_or_call_protocol() -> None:
    p: Any = Proxy(lambda: [1, 2])
    with pytest.raises(TypeError):
        len(p)
    with pytest.raises(TypeError):
        iter(p)
    with pytest.raises(TypeError):
        p()


class Abstract(abc.ABC):
    @abc.abstractmethod
    def ping(self, x: int) -> int: ...

    @abc.abstractmethod
    def pong(self) -> str: ...


class Concrete(Abstract):
    def ping(self, x: int) -> int:
        return x + 1

    def pong(self) -> str:
        return "pong"


def test_source_generates_forwarders_for_abstract_methods() -> None:
    class P(Proxy[Abstract], source=Abstract):
        pass

    p = P(Concrete)
    assert P.__proxy_source__ is Abstract
    assert "ping" in vars(P)
    assert p.ping(1) == 2
    assert p.pong() == "pong"


def test_proxy_source_attribute_works_too() -> None:
    class P(Proxy[Abstract]):
        __proxy_source__ = Abstract

        def pong(self) -> str:  # an explicit method is kept
            return "mine"

    p = P(Concrete)
    assert p.ping(2) == 3
    assert p.pong() == "mine"


def test_non_abc_source_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="abstract base class"):

        class P(Proxy[Any], source=int):
            pass


@contextmanager
def _legacy_throw_signature() -> Iterator[None]:
    # Python 3.12+ deprecates throw(type, value, tb); the proxy still forwards it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


async def test_awaitable_and_coroutine_proxies() -> None:
    async def coro() -> int:
        return 42

    assert await AwaitableProxy(coro, cache=True) == 42
    assert await CoroutineProxy(coro, cache=True) == 42

    c = CoroutineProxy(coro, cache=True)
    with pytest.raises(StopIteration):
        c.send(None)
    c2 = CoroutineProxy(coro, cache=True)
    with pytest.raises(ValueError, match="boom"):
        c2.throw(ValueError("boom"))
    c3 = CoroutineProxy(coro, cache=True)
    with pytest.raises(KeyError), _legacy_throw_signature():
        c3.throw(KeyError, KeyError("k"), None)
    c4 = CoroutineProxy(coro, cache=True)
    c4.close()


async def test_async_iteration_proxies() -> None:
    async def agen() -> AsyncGenerator[int, None]:
        for i in range(3):
            yield i

    assert [x async for x in AsyncIterableProxy(agen, cache=True)] == [0, 1, 2]
    it = AsyncIteratorProxy(agen, cache=True)
    assert await it.__anext__() == 0
    assert [x async for x in it] == [1, 2]

    g = AsyncGeneratorProxy(agen, cache=True)
    assert await g.asend(None) == 0
    assert await g.__anext__() == 1
    with pytest.raises(ValueError, match="x"):
        await g.athrow(ValueError("x"))
    g2 = AsyncGeneratorProxy(agen, cache=True)
    assert await g2.__anext__() == 0
    with pytest.raises(KeyError), _legacy_throw_signature():
        await g2.athrow(KeyError, KeyError("k"), None)
    g3 = AsyncGeneratorProxy(agen, cache=True)
    await g3.aclose()


def test_sequence_proxies() -> None:
    data = [3, 1, 2]
    s = SequenceProxy(lambda: data)
    assert s[0] == 3
    assert s.index(1) == 1
    assert s.count(2) == 1
    assert 2 in s
    assert list(s) == [3, 1, 2]
    assert list(reversed(s)) == [2, 1, 3]
    assert len(s) == 3

    m = MutableSequenceProxy(lambda: data)
    m.insert(0, 0)
    m[1] = 30
    m.append(4)
    m.extend([5])
    del m[0]
    m.remove(5)
    assert m.pop() == 4
    m.reverse()
    m += [9]
    assert data == [2, 1, 30, 9]


def test_set_proxies() -> None:
    data = {1, 2}
    s = SetProxy(lambda: data)
    assert s <= {1, 2, 3}
    assert s < {1, 2, 3}
    assert s > {1}
    assert s >= {1, 2}
    assert s & {2, 3} == {2}
    assert s | {3} == {1, 2, 3}
    assert s - {1} == {2}
    assert s ^ {2, 3} == {1, 3}
    assert s.isdisjoint({5})
    assert 1 in s
    assert sorted(s) == [1, 2]
    assert len(s) == 2

    m = MutableSetProxy(lambda: data)
    m.add(3)
    m.discard(1)
    m.remove(2)
    m |= {7}
    m &= {3, 7, 8}
    m ^= {8}
    m -= {7}
    assert data == {3, 8}
    assert m.pop() in {3, 8}
    m.clear()
    assert data == set()


def test_mapping_proxies() -> None:
    data = {"a": 1}
    p = MappingProxy(lambda: data)
    assert p["a"] == 1
    assert p.get("a") == 1
    assert p.get("z", 0) == 0
    assert list(p.items()) == [("a", 1)]
    assert list(p.keys()) == ["a"]
    assert list(p.values()) == [1]
    assert "a" in p
    assert list(p) == ["a"]
    assert len(p) == 1

    m = MutableMappingProxy(lambda: data)
    m["b"] = 2
    del m["a"]
    m.update(c=3)
    assert m.setdefault("d", 4) == 4
    assert m.pop("b") == 2
    assert m.pop("zz", None) is None
    assert m.popitem() == ("d", 4)
    assert data == {"c": 3}
    m.clear()
    assert data == {}


def test_context_manager_proxies_and_callable() -> None:
    events: list[str] = []

    @contextmanager
    def cm() -> Iterator[str]:
        events.append("enter")
        yield "value"
        events.append("exit")

    with ContextManagerProxy(cm, cache=True) as v:
        assert v == "value"
    assert events == ["enter", "exit"]

    assert CallableProxy(lambda: lambda x: x * 2)(4) == 8


async def test_async_context_manager_proxy() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def acm() -> AsyncIterator[str]:
        events.append("enter")
        yield "value"
        events.append("exit")

    async with AsyncContextManagerProxy(acm, cache=True) as v:
        assert v == "value"
    assert events == ["enter", "exit"]
