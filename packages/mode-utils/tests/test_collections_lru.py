"""Tests for mode.utils.collections.LRUCache."""

from __future__ import annotations

import pickle
import sys
import threading
import weakref
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mode.utils import collections as collections_mod
from mode.utils.collections import (
    FastUserDict,
    LRUCache,
    MappingViewProxy,
    ProxyItemsView,
    ProxyKeysView,
    ProxyValuesView,
)


def filled(limit: int | None, keys: str, **kwargs: Any) -> LRUCache[str, int]:
    cache: LRUCache[str, int] = LRUCache(limit, **kwargs)
    for i, key in enumerate(keys):
        cache[key] = i
    return cache


def order(cache: LRUCache[str, Any]) -> str:
    return "".join(cache.data)


# ---------------------------------------------------------------- construction


def test_defaults() -> None:
    cache: LRUCache[str, int] = LRUCache()
    assert cache.limit is None
    assert cache.thread_safety is False
    assert isinstance(cache.data, OrderedDict)
    assert isinstance(cache, FastUserDict)
    assert isinstance(cache, MappingViewProxy)


@pytest.mark.parametrize("limit", [-1, -100])
def test_negative_limit_is_a_value_error(limit: int) -> None:
    with pytest.raises(ValueError, match=r"limit must be >= 0"):
        LRUCache(limit=limit)


@pytest.mark.parametrize("limit", ["10", 1.5, True])
def test_non_int_limit_is_a_type_error(limit: Any) -> None:
    with pytest.raises(TypeError, match="int or None"):
        LRUCache(limit=limit)


def test_limit_is_validated_on_assignment() -> None:
    cache = filled(3, "abc")
    with pytest.raises(ValueError):
        cache.limit = -1
    with pytest.raises(TypeError):
        cache.limit = "2"  # type: ignore[assignment]
    assert cache.limit == 3


@pytest.mark.parametrize("limit", [None, 0])
def test_none_or_zero_limit_is_unbounded(limit: int | None) -> None:
    cache = filled(limit, "abcdefghij" * 10)
    assert len(cache) == 10
    cache.update({str(i): i for i in range(1000)})
    assert len(cache) == 1010


def test_is_generic() -> None:
    class BytesCache(LRUCache[str, bytes]):
        pass

    cache = BytesCache(limit=1)
    cache["a"] = b"1"
    cache["b"] = b"2"
    assert cache.data == {"b": b"2"}
    assert LRUCache[int, int] is not None


def test_weakref_and_subclass_attributes() -> None:
    class Tagged(LRUCache[str, int]):
        def __init__(self) -> None:
            super().__init__(2)
            self.tag = "x"

    cache = Tagged()
    assert weakref.ref(cache)() is cache
    assert cache.tag == "x"


# ---------------------------------------------------------------- recency


def test_evicts_oldest_at_limit() -> None:
    cache = filled(3, "abc")
    cache["d"] = 3
    assert order(cache) == "bcd"
    cache["e"] = 4
    assert order(cache) == "cde"


def test_getitem_refreshes_recency() -> None:
    cache = filled(3, "abc")
    assert cache["a"] == 0
    assert order(cache) == "bca"
    cache["d"] = 3
    assert order(cache) == "cad"


def test_get_refreshes_recency() -> None:
    # ⚠ get() counts as a use, like cache[key].
    cache = filled(3, "abc")
    assert cache.get("a") == 0
    assert order(cache) == "bca"
    assert cache.get("zz") is None
    assert cache.get("zz", 5) == 5
    assert order(cache) == "bca"


def test_missing_key() -> None:
    cache = filled(3, "abc")
    with pytest.raises(KeyError):
        cache["zz"]
    assert order(cache) == "abc"


def test_contains_len_iteration_and_views_do_not_refresh() -> None:
    cache = filled(3, "abc")
    assert "a" in cache
    assert "zz" not in cache
    assert len(cache) == 3
    assert list(cache) == ["a", "b", "c"]
    assert list(cache.keys()) == ["a", "b", "c"]
    assert list(cache.values()) == [0, 1, 2]
    assert list(cache.items()) == [("a", 0), ("b", 1), ("c", 2)]
    assert "a" in cache.keys()  # noqa: SIM118 - the view's __contains__
    assert 0 in cache.values()
    assert 9 not in cache.values()
    assert ("a", 0) in cache.items()
    assert ("a", 1) not in cache.items()
    assert ("zz", 0) not in cache.items()
    assert len(cache.keys()) == len(cache.values()) == len(cache.items()) == 3
    assert cache == {"a": 0, "b": 1, "c": 2}
    assert order(cache) == "abc"


def test_views_are_proxy_views() -> None:
    cache = filled(3, "abc")
    assert isinstance(cache.keys(), ProxyKeysView)
    assert isinstance(cache.values(), ProxyValuesView)
    assert isinstance(cache.items(), ProxyItemsView)


def test_overwrite_at_limit_does_not_evict() -> None:
    # ✗ fixed: the original evicted the oldest key on every write at the limit,
    # even when overwriting an existing key, so the cache shrank.
    cache = filled(3, "abc")
    cache["b"] = 10
    assert len(cache) == 3
    assert cache.data == {"a": 0, "b": 10, "c": 2}
    cache["a"] = 20
    assert cache.data == {"a": 20, "b": 10, "c": 2}


def test_overwrite_keeps_recency() -> None:
    # Decision: a write is not a use; the overwritten key keeps its position.
    cache = filled(3, "abc")
    cache["a"] = 99
    assert order(cache) == "abc"
    cache["d"] = 3
    assert order(cache) == "bcd"  # "a" was still the oldest


def test_lowering_the_limit_trims_on_next_write() -> None:
    cache = filled(None, "abcde")
    cache.limit = 2
    assert len(cache) == 5
    cache["f"] = 5
    assert order(cache) == "ef"


# ---------------------------------------------------------------- update & co


def test_update_trims_to_limit() -> None:
    cache = filled(3, "ab")
    cache.update({"c": 2, "d": 3}, e=4)
    assert order(cache) == "cde"
    cache.update([("c", 20)])  # existing key: no move, no eviction
    assert cache.data == {"c": 20, "d": 3, "e": 4}


def test_update_many_new_keys_keeps_newest() -> None:
    cache = filled(2, "")
    cache.update({str(i): i for i in range(10)})
    assert cache.data == {"8": 8, "9": 9}


def test_delitem_clear_copy() -> None:
    cache = filled(3, "abc")
    del cache["b"]
    assert order(cache) == "ac"
    with pytest.raises(KeyError):
        del cache["b"]
    copied = cache.copy()
    assert type(copied) is dict
    assert copied == {"a": 0, "c": 2}
    cache.clear()
    assert len(cache) == 0
    assert copied == {"a": 0, "c": 2}


def test_popitem() -> None:
    cache = filled(3, "abc")
    assert cache.popitem() == ("c", 2)
    assert cache.popitem(last=False) == ("a", 0)
    assert cache.popitem(last=True) == ("b", 1)
    with pytest.raises(KeyError):
        cache.popitem()


def test_pop() -> None:
    cache = filled(3, "abc")
    assert cache.pop("b") == 1
    assert cache.pop("b", None) is None
    assert cache.pop("b", 7) == 7
    with pytest.raises(KeyError):
        cache.pop("b")
    assert order(cache) == "ac"


def test_setdefault() -> None:
    cache = filled(3, "abc")
    assert cache.setdefault("a", 99) == 0
    assert order(cache) == "bca"  # existing key: a use
    assert cache.setdefault("d", 3) == 3
    assert order(cache) == "cad"


def test_incr_stores_str_returns_int() -> None:
    cache: LRUCache[str, Any] = LRUCache(3)
    cache["n"] = 1
    cache["m"] = "5"
    assert cache.incr("n") == 2
    assert cache.data["n"] == "2"
    assert cache.incr("n", 10) == 12
    assert cache.data["n"] == "12"
    assert cache.incr("m", delta=-6) == -1
    assert cache.data["m"] == "-1"
    assert order(cache) == "nm"
    assert cache.incr("n") == 13
    assert order(cache) == "mn"  # incr counts as a use


def test_incr_missing_key_and_bad_value() -> None:
    cache: LRUCache[str, Any] = LRUCache(3)
    with pytest.raises(KeyError):
        cache.incr("missing")
    cache["s"] = "abc"
    cache["x"] = None
    with pytest.raises(ValueError, match="not an integer"):
        cache.incr("s")
    with pytest.raises(ValueError, match="not an integer"):
        cache.incr("x")
    assert cache.data == {"s": "abc", "x": None}  # nothing lost


def test_repr() -> None:
    cache = filled(3, "ab")
    assert repr(cache) == repr(cache.data)


# ---------------------------------------------------------------- pickling


@pytest.mark.parametrize("thread_safety", [False, True])
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip(thread_safety: bool, protocol: int) -> None:
    cache = filled(3, "abcd", thread_safety=thread_safety)
    state = cache.__getstate__()
    assert "_mutex" not in state
    assert "_lock" not in state
    restored = pickle.loads(pickle.dumps(cache, protocol=protocol))
    assert type(restored) is LRUCache
    assert restored.data == cache.data
    assert order(restored) == "bcd"
    assert restored.limit == 3
    assert restored.thread_safety is thread_safety
    if thread_safety:
        assert restored._lock is not cache._lock
        assert restored._mutex is restored._lock
    restored["e"] = 4
    assert order(restored) == "cde"
    assert order(cache) == "bcd"


def test_pickle_keeps_subclass_attributes() -> None:
    restored = pickle.loads(pickle.dumps(TaggedCache(), protocol=2))
    assert restored.tag == "tagged"
    assert restored.limit == 5


class TaggedCache(LRUCache[str, int]):
    def __init__(self) -> None:
        super().__init__(5)
        self.tag = "tagged"


# ---------------------------------------------------------------- threads


def test_thread_safe_mode_uses_an_rlock() -> None:
    cache = filled(3, "abc", thread_safety=True)
    assert cache.thread_safety is True
    assert cache._lock is not None
    with cache._lock:  # re-entrant: operations work while the lock is held
        cache["d"] = 3
        assert cache["d"] == 3
        assert cache.get("b") == 1
        assert cache.incr("d") == 4
    assert order(cache) == "cbd"


def test_thread_safe_mode_full_api() -> None:
    cache = filled(3, "abc", thread_safety=True)
    assert cache["a"] == 0
    assert cache.get("zz", 1) == 1
    cache.update(d=3)
    assert order(cache) == "cad"
    del cache["c"]
    assert list(cache) == ["a", "d"]
    assert list(cache.values()) == [0, 3]
    assert list(cache.items()) == [("a", 0), ("d", 3)]
    assert cache.pop("a") == 0
    assert cache.setdefault("x", 7) == 7
    assert cache.popitem(last=False) == ("d", 3)
    assert cache.copy() == {"x": 7}
    with pytest.raises(KeyError):
        cache["zz"]
    cache.clear()
    assert len(cache) == 0


def test_thread_safe_iteration_is_a_snapshot() -> None:
    cache = filled(None, "abc", thread_safety=True)
    seen = []
    for key in cache:  # mutating while iterating does not raise
        seen.append(key)
        cache[key + key] = 0
    assert seen == ["a", "b", "c"]


def _lock_of(cache: LRUCache[Any, Any]) -> object:
    return cache._lock


def test_thread_safety_can_be_switched_on_and_off() -> None:
    # The original kept thread_safety as a plain attribute; setting it works.
    cache = filled(3, "abc")
    cache.thread_safety = True
    assert cache.thread_safety is True
    lock = cache._lock
    assert lock is not None
    assert cache._mutex is lock
    with lock:  # every operation now takes the (re-entrant) lock
        cache["d"] = 3
        assert cache.get("b") == 1
        assert list(cache.items()) == [("c", 2), ("d", 3), ("b", 1)]
    cache.thread_safety = True  # again: the lock in use is kept
    assert cache._lock is lock
    restored = pickle.loads(pickle.dumps(cache))
    assert restored.thread_safety is True
    cache.thread_safety = False
    assert cache.thread_safety is False
    assert _lock_of(cache) is None
    cache["e"] = 4
    assert order(cache) == "dbe"


def test_free_threaded_build_locks_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As the original: without a GIL an unguarded OrderedDict can be
    # corrupted, so the lock is the default and cannot be turned off.
    monkeypatch.setattr(collections_mod, "FREE_THREADED", True)
    cache: LRUCache[str, int] = LRUCache()
    assert cache.thread_safety is True
    with pytest.raises(ValueError, match="free-threaded"):
        LRUCache(thread_safety=False)
    with pytest.raises(ValueError, match="free-threaded"):
        cache.thread_safety = False
    assert cache.thread_safety is True
    # A pickle made where the lock was off gets one.
    monkeypatch.setattr(collections_mod, "FREE_THREADED", False)
    unlocked = pickle.dumps(filled(2, "ab"))
    monkeypatch.setattr(collections_mod, "FREE_THREADED", True)
    assert pickle.loads(unlocked).thread_safety is True


def test_gil_build_default_follows_the_interpreter() -> None:
    gil_enabled = getattr(sys, "_is_gil_enabled", lambda: True)()
    assert collections_mod.FREE_THREADED is (not gil_enabled)
    assert LRUCache().thread_safety is collections_mod.FREE_THREADED


def test_concurrent_access_from_threads() -> None:
    cache: LRUCache[int, int] = LRUCache(50, thread_safety=True)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(offset: int) -> None:
        try:
            start.wait()
            for i in range(2000):
                key = (offset * 7 + i) % 120
                cache[key] = i
                cache.get(key - 1)
                cache.setdefault(key + 1, i)
                if i % 50 == 0:
                    list(cache.items())
                    cache.pop(key, None)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) <= 50


# ---------------------------------------------------------------- model check


_keys = st.sampled_from("abcdefgh")
_ops = st.lists(
    st.one_of(
        st.tuples(st.just("set"), _keys, st.integers(0, 9)),
        st.tuples(st.just("get"), _keys, st.just(0)),
        st.tuples(st.just("getitem"), _keys, st.just(0)),
        st.tuples(st.just("contains"), _keys, st.just(0)),
        st.tuples(st.just("del"), _keys, st.just(0)),
        st.tuples(st.just("update"), _keys, st.integers(0, 9)),
        st.tuples(st.just("incr"), _keys, st.integers(-3, 3)),
    ),
    max_size=50,
)


class Model:
    """Reference LRU: a list of [key, value] pairs, oldest first."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.pairs: list[list[Any]] = []

    def find(self, key: str) -> int | None:
        for index, (k, _) in enumerate(self.pairs):
            if k == key:
                return index
        return None

    def touch(self, key: str) -> Any:
        index = self.find(key)
        if index is None:
            raise KeyError(key)
        pair = self.pairs.pop(index)
        self.pairs.append(pair)
        return pair[1]

    def write(self, key: str, value: Any) -> None:
        index = self.find(key)
        if index is None:
            self.pairs.append([key, value])
        else:
            self.pairs[index][1] = value

    def trim(self) -> None:
        while self.limit and len(self.pairs) > self.limit:
            self.pairs.pop(0)


@settings(max_examples=200, deadline=None)
@given(
    limit=st.one_of(st.none(), st.integers(0, 5)),
    thread_safety=st.booleans(),
    ops=_ops,
)
def test_matches_reference_model(
    limit: int | None, thread_safety: bool, ops: list[tuple[str, str, int]]
) -> None:
    cache: LRUCache[str, Any] = LRUCache(limit, thread_safety=thread_safety)
    model = Model(limit)
    for op, key, value in ops:
        if op == "set":
            cache[key] = value
            model.write(key, value)
            model.trim()
        elif op in ("get", "getitem"):
            try:
                expected = model.touch(key)
            except KeyError:
                if op == "get":
                    assert cache.get(key) is None
                else:
                    with pytest.raises(KeyError):
                        cache[key]
            else:
                got = cache.get(key) if op == "get" else cache[key]
                assert got == expected
        elif op == "contains":
            assert (key in cache) == (model.find(key) is not None)
        elif op == "del":
            index = model.find(key)
            if index is None:
                with pytest.raises(KeyError):
                    del cache[key]
            else:
                del cache[key]
                model.pairs.pop(index)
        elif op == "update":
            cache.update({key: value, "z": value})
            model.write(key, value)
            model.write("z", value)
            model.trim()
        else:  # incr
            index = model.find(key)
            if index is None:
                with pytest.raises(KeyError):
                    cache.incr(key, value)
            else:
                new = int(model.touch(key)) + value
                model.pairs[-1][1] = str(new)
                assert cache.incr(key, value) == new
        assert [list(pair) for pair in cache.items()] == model.pairs
        if limit:
            assert len(cache) <= limit


@pytest.mark.parametrize("thread_safety", [False, True])
def test_overwrite_after_lowering_the_limit_trims(thread_safety: bool) -> None:
    # "Lowering it takes effect at the next write": an overwrite too.
    cache: LRUCache[int, int] = LRUCache(thread_safety=thread_safety)
    cache.update({0: 0, 1: 1, 2: 2})
    cache.limit = 1
    cache[2] = 20
    assert dict(cache) == {2: 20}
