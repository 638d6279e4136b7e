"""Tests for mode.utils.collections (everything but LRUCache, see test_lru_cache)."""

from __future__ import annotations

import copy
import heapq
import pickle
import sys
import types
from collections import UserList
from collections.abc import Iterator, MutableMapping, MutableSequence, MutableSet
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mode.utils import collections as mcollections
from mode.utils.collections import (
    AttributeDict,
    AttributeDictMixin,
    DictAttribute,
    FastUserDict,
    FastUserList,
    FastUserSet,
    Heap,
    LazyObject,
    LazySettings,
    ManagedUserDict,
    ManagedUserSet,
    MappingViewProxy,
    ProxyItemsView,
    ProxyKeysView,
    ProxyValuesView,
    force_mapping,
)
from mode.utils.objects import Unordered


def test_module_all_is_complete() -> None:
    for name in mcollections.__all__:
        assert hasattr(mcollections, name), name
    for name in ("LazyObject", "LazySettings", "MappingViewProxy", "ProxyKeysView"):
        assert name in mcollections.__all__


# ---------------------------------------------------------------- Heap


def test_heap_heapifies_on_construction() -> None:
    heap = Heap([5, 3, 8, 1])
    assert isinstance(heap.data, list)
    assert heap.data[0] == 1
    assert heap[0] == 1
    assert len(heap) == 4
    assert isinstance(heap, MutableSequence)


def test_heap_defaults_to_empty() -> None:
    heap: Heap[int] = Heap()
    assert len(heap) == 0
    assert heap.data == []
    with pytest.raises(IndexError):
        heap.pop()
    with pytest.raises(IndexError):
        heap.replace(1)


def test_heap_does_not_alias_its_input() -> None:
    source = [3, 1, 2]
    heap = Heap(source)
    heap.push(0)
    assert source == [3, 1, 2]


def test_heap_push_pop_pushpop_replace() -> None:
    heap = Heap([4, 2])
    heap.push(3)
    heap.push(1)
    assert heap.pop() == 1
    assert heap.pop(0) == 2
    assert heap.pushpop(0) == 0  # smaller than everything: comes straight back
    assert heap.pushpop(10) == 3
    assert heap.replace(0) == 4  # pops first, then pushes
    assert sorted(heap.data) == [0, 10]


def test_heap_pop_other_index_is_refused() -> None:
    heap = Heap([1, 2, 3])
    with pytest.raises(NotImplementedError, match="index 0"):
        heap.pop(1)
    with pytest.raises(NotImplementedError):
        heap.pop(-1)
    assert len(heap) == 3


def test_heap_nlargest_nsmallest() -> None:
    heap = Heap([5, 1, 4, 2, 3])
    assert heap.nlargest(2) == [5, 4]
    assert heap.nsmallest(2) == [1, 2]
    assert heap.nlargest(2, key=lambda x: -x) == [1, 2]
    assert heap.nsmallest(1, key=lambda x: -x) == [5]


def test_heap_insert_is_raw_and_breaks_the_invariant() -> None:
    # ⚠ kept from the original: insert (and so append/extend) is a raw list op.
    heap = Heap([1, 2, 3])
    heap.insert(0, 99)
    assert heap.data[0] == 99
    heap.append(-1)
    assert heap.data[-1] == -1
    assert heap.data[0] == 99  # not re-heapified


def test_heap_item_access_is_raw() -> None:
    heap = Heap([1, 2, 3])
    heap[0] = 7
    assert heap.data[0] == 7
    assert list(heap[0:2]) == heap.data[0:2]
    heap[0:1] = [0]
    assert heap.data[0] == 0
    del heap[0]
    assert len(heap) == 2
    del heap[:]
    assert len(heap) == 0


def test_heap_str_and_repr_are_those_of_data() -> None:
    heap = Heap(["b", "a"])
    assert repr(heap) == repr(heap.data) == "['a', 'b']"
    assert str(heap) == str(heap.data)


def test_heap_with_unordered_payloads() -> None:
    heap: Heap[tuple[int, Unordered[dict[str, int]]]] = Heap()
    heap.push((2, Unordered({"x": 1})))
    heap.push((1, Unordered({"y": 2})))
    heap.push((1, Unordered({"z": 3})))
    assert heap.pop()[0] == 1
    assert heap.pop()[0] == 1
    assert heap.pop()[1].value == {"x": 1}


def test_heap_is_generic() -> None:
    class IntHeap(Heap[int]):
        pass

    assert IntHeap([2, 1]).pop() == 1
    assert Heap[int] is not None


_heap_ops = st.lists(
    st.one_of(
        st.tuples(st.just("push"), st.integers(-50, 50)),
        st.tuples(st.just("pushpop"), st.integers(-50, 50)),
        st.tuples(st.just("replace"), st.integers(-50, 50)),
        st.tuples(st.just("pop"), st.just(0)),
    ),
    max_size=60,
)


@given(initial=st.lists(st.integers(-50, 50), max_size=20), ops=_heap_ops)
def test_heap_matches_sorted_list_model(initial: list[int], ops: list[Any]) -> None:
    heap = Heap(initial)
    model = sorted(initial)
    for op, value in ops:
        if op == "push":
            heap.push(value)
            model.append(value)
            model.sort()
        elif op == "pushpop":
            model.append(value)
            model.sort()
            assert heap.pushpop(value) == model.pop(0)
        elif model:  # pop / replace need a non-empty heap
            if op == "pop":
                assert heap.pop() == model.pop(0)
            else:
                assert heap.replace(value) == model.pop(0)
                model.append(value)
                model.sort()
        else:
            with pytest.raises(IndexError):
                heap.pop() if op == "pop" else heap.replace(value)
        assert len(heap) == len(model)
        assert sorted(heap.data) == model
        if model:
            assert heap[0] == model[0]


# ---------------------------------------------------------------- FastUserDict


class Dict(FastUserDict[str, int]):
    def __init__(self, *args: Any, **kwargs: int) -> None:
        self.data = {}
        self.update(*args, **kwargs)


class DefaultDict(FastUserDict[str, int]):
    def __init__(self) -> None:
        self.data = {}
        self.missing: list[str] = []

    def __missing__(self, key: str) -> int:
        self.missing.append(key)
        return -1


def test_fast_user_dict_basic_mapping_protocol() -> None:
    d = Dict(a=1)
    d["b"] = 2
    assert d["a"] == 1
    assert d.data == {"a": 1, "b": 2}
    assert len(d) == 2
    assert list(d) == ["a", "b"]
    assert "a" in d
    assert "z" not in d
    del d["a"]
    assert d.data == {"b": 2}
    with pytest.raises(KeyError):
        d["missing"]
    with pytest.raises(KeyError):
        del d["missing"]
    assert d.get("missing") is None
    assert d.get("b") == 2
    assert isinstance(d, MutableMapping)


def test_fast_user_dict_missing_hook() -> None:
    d = DefaultDict()
    d.data["x"] = 1
    assert d["x"] == 1
    assert d["y"] == -1
    assert d.missing == ["y"]
    assert "y" not in d  # __missing__ does not insert


def test_fast_user_dict_fromkeys() -> None:
    d = Dict.fromkeys(["a", "b"], 0)
    assert isinstance(d, Dict)
    assert d.data == {"a": 0, "b": 0}
    assert Dict.fromkeys("xy").data == {"x": None, "y": None}


def test_fast_user_dict_copy_is_a_plain_dict() -> None:
    d = Dict(a=1)
    c = d.copy()
    assert type(c) is dict
    assert c == {"a": 1}
    c["b"] = 2
    assert "b" not in d


def test_fast_user_dict_update_clear_and_views() -> None:
    d = Dict()
    d.update({"a": 1}, b=2)
    d.update([("c", 3)])
    assert d.data == {"a": 1, "b": 2, "c": 3}
    assert d.keys() == d.data.keys()
    assert list(d.values()) == [1, 2, 3]
    assert type(d.items()) is type({}.items())
    assert ("a", 1) in d.items()
    assert repr(d) == repr(d.data)
    assert d == {"a": 1, "b": 2, "c": 3}
    d.clear()
    assert d.data == {}


def test_fast_user_dict_mixin_methods() -> None:
    d = Dict(a=1, b=2)
    assert d.pop("a") == 1
    assert d.setdefault("c", 3) == 3
    assert d.popitem() in {("b", 2), ("c", 3)}


def test_fast_user_dict_is_generic() -> None:
    assert FastUserDict[str, int] is not None
    assert Dict.__orig_bases__ == (FastUserDict[str, int],)  # type: ignore[attr-defined]

    class Generic2(FastUserDict[str, list[int]]):
        def __init__(self) -> None:
            self.data = {}

    g = Generic2()
    g["a"] = [1]
    assert g["a"] == [1]


# ---------------------------------------------------------------- FastUserSet


class IntSet(FastUserSet[int]):
    def __init__(self, data: set[int] | None = None) -> None:
        self.data = set(data or ())


def test_fast_user_set_binary_operators() -> None:
    s = IntSet({1, 2, 3})
    assert s & {2, 3, 4} == {2, 3}
    assert s | {4} == {1, 2, 3, 4}
    assert s - {1} == {2, 3}
    assert s ^ {3, 4} == {1, 2, 4}
    for result in (s & {1}, s | {1}, s - {1}, s ^ {1}):
        assert type(result) is set
    assert s.data == {1, 2, 3}


def test_fast_user_set_reflected_operators_keep_operand_order() -> None:
    s = IntSet({2, 3})
    # ✗ fixed/verified: other - data, not data - other.
    assert {1, 2} - s == {1}
    assert frozenset({1, 2, 3, 4}) - s == {1, 4}
    assert {1, 2} & s == {2}
    assert frozenset({2, 9}) & s == {2}
    assert {1} | s == {1, 2, 3}
    assert {3, 4} ^ s == {2, 4}
    assert s.__rsub__({2, 5}) == {5}
    assert s.__rand__({3, 5}) == {3}
    assert s.__ror__({5}) == {2, 3, 5}
    assert s.__rxor__({3, 5}) == {2, 5}
    # Between two FastUserSets.
    t = IntSet({3, 4})
    assert s - t == {2}
    assert t - s == {4}
    assert s & t == {3}
    assert s | t == {2, 3, 4}
    assert s ^ t == {2, 4}


def test_fast_user_set_operators_reject_non_sets() -> None:
    s = IntSet({1})
    with pytest.raises(TypeError):
        s & [1]  # type: ignore[operator]
    with pytest.raises(TypeError):
        [1] - s  # type: ignore[operator]


def test_fast_user_set_inplace_operators_return_self() -> None:
    s = IntSet({1, 2, 3})
    data = s.data
    r = s
    r &= {1, 2, 9}
    assert r is s
    assert s.data == {1, 2}
    r |= {5}
    assert r is s
    assert s.data == {1, 2, 5}
    r -= {1}
    assert r is s
    assert s.data == {2, 5}
    r ^= {5, 6}
    assert r is s
    assert s.data == {2, 6}
    assert s.data is data


def test_fast_user_set_comparisons() -> None:
    s = IntSet({1, 2})
    assert s <= {1, 2}
    assert s <= {1, 2, 3}
    assert not s <= {1}
    assert s >= {1}
    assert not s >= {3}
    assert s < {1, 2, 3}
    assert not s < {1, 2}
    assert s > {1}
    assert not s > {1, 2}
    any_s: Any = s  # mypy sees no overlap between IntSet and set
    assert any_s == {1, 2}
    assert {1, 2} == any_s
    assert any_s != {1}
    assert IntSet({1, 2}) == s


def test_fast_user_set_named_methods() -> None:
    s = IntSet({1, 2, 3})
    c = s.copy()
    assert type(c) is set
    assert c == {1, 2, 3}
    c.add(9)
    assert 9 not in s
    assert s.difference({1}, [2]) == {3}
    assert s.intersection({1, 2}, [2]) == {2}
    assert s.isdisjoint([7, 8])
    assert not s.isdisjoint([3])
    assert s.issubset(range(5))
    assert s.issuperset([1, 2])
    assert s.symmetric_difference([3, 4]) == {1, 2, 4}
    assert s.union([4], {5}) == {1, 2, 3, 4, 5}
    s.add(4)
    s.discard(4)
    s.discard(100)
    s.difference_update([1])
    assert s.data == {2, 3}
    s.update([7], {8})
    assert s.data == {2, 3, 7, 8}
    s.intersection_update([2, 3, 7])
    assert s.data == {2, 3, 7}
    s.symmetric_difference_update([7, 9])
    assert s.data == {2, 3, 9}
    s.remove(9)
    with pytest.raises(KeyError):
        s.remove(9)
    popped = s.pop()
    assert popped in {2, 3}
    assert len(s) == 1
    s.clear()
    assert s.data == set()
    with pytest.raises(KeyError):
        s.pop()


def test_fast_user_set_container_and_dunders() -> None:
    s = IntSet({1, 2})
    assert 1 in s
    assert 3 not in s
    assert sorted(s) == [1, 2]
    assert len(s) == 2
    assert str(s) == str(s.data)
    assert repr(s) == repr(s.data)
    assert s.__sizeof__() == s.data.__sizeof__()
    assert isinstance(s, MutableSet)


def test_fast_user_set_reduces_to_its_data() -> None:
    s = IntSet({1, 2})
    assert s.__reduce__() == s.data.__reduce__()
    restored = pickle.loads(pickle.dumps(s))
    assert type(restored) is set
    assert restored == {1, 2}
    assert copy.copy(s) == {1, 2}  # type: ignore[comparison-overlap]


def test_fast_user_set_is_generic() -> None:
    class StrSet(FastUserSet[str]):
        def __init__(self) -> None:
            self.data = set()

    s = StrSet()
    s.add("a")
    assert s.data == {"a"}
    assert FastUserSet[str] is not None


# ---------------------------------------------------------------- FastUserList


def test_fast_user_list_is_a_generic_user_list() -> None:
    lst: FastUserList[int] = FastUserList([1, 2])
    lst.append(3)
    assert lst.data == [1, 2, 3]
    assert isinstance(lst, UserList)
    assert FastUserList[int] is not None

    class Ints(FastUserList[int]):
        pass

    assert Ints([1]) == [1]


# ---------------------------------------------------------------- ManagedUserSet


class RecordingSet(ManagedUserSet[int]):
    def __init__(self, data: set[int] | None = None) -> None:
        self.data = set(data or ())
        self.calls: list[tuple[Any, ...]] = []

    def on_add(self, value: int) -> None:
        self.calls.append(("add", value, set(self.data)))

    def on_discard(self, value: int) -> None:
        self.calls.append(("discard", value, set(self.data)))

    def on_clear(self) -> None:
        self.calls.append(("clear", set(self.data)))

    def on_change(self, added: set[int], removed: set[int]) -> None:
        self.calls.append(("change", added, removed, set(self.data)))


def test_managed_user_set_default_hooks_are_noops() -> None:
    class Plain(ManagedUserSet[int]):
        def __init__(self) -> None:
            self.data = set()

    s = Plain()
    s.add(1)
    s.update([2])
    s.discard(1)
    s.remove(2)
    s.add(3)
    s.pop()
    s.clear()
    assert s.data == set()


def test_managed_user_set_add_only_new() -> None:
    s = RecordingSet({1})
    s.add(1)
    s.add(2)
    assert s.calls == [("add", 2, {1})]  # called before the add
    assert s.data == {1, 2}


def test_managed_user_set_discard_only_present() -> None:
    s = RecordingSet({1})
    s.discard(5)
    s.discard(1)
    assert s.calls == [("discard", 1, {1})]
    assert s.data == set()


def test_managed_user_set_remove_fires_on_discard() -> None:
    # Decision: the original fired no hook on remove(); a removal is a discard.
    s = RecordingSet({1})
    s.remove(1)
    assert s.calls == [("discard", 1, {1})]
    with pytest.raises(KeyError):
        s.remove(1)
    assert len(s.calls) == 1


def test_managed_user_set_pop_fires_after_removal() -> None:
    s = RecordingSet({7})
    assert s.pop() == 7
    assert s.calls == [("discard", 7, set())]


def test_managed_user_set_clear_fires_first() -> None:
    s = RecordingSet({1, 2})
    s.clear()
    assert s.calls == [("clear", {1, 2})]
    assert s.data == set()


def test_managed_user_set_update() -> None:
    s = RecordingSet({1})
    s.update([1, 2], (x for x in [3]))
    assert s.calls == [("change", {2, 3}, set(), {1})]
    assert s.data == {1, 2, 3}


def test_managed_user_set_difference_update() -> None:
    s = RecordingSet({1, 2, 3})
    s.difference_update([1, 9], (x for x in [2]))
    assert s.calls == [("change", set(), {1, 2}, {1, 2, 3})]
    assert s.data == {3}


def test_managed_user_set_intersection_update() -> None:
    s = RecordingSet({1, 2, 3})
    s.intersection_update([1, 2, 9], (x for x in [2, 3]))
    assert s.calls == [("change", set(), {1, 3}, {1, 2, 3})]
    assert s.data == {2}


def test_managed_user_set_symmetric_difference_update() -> None:
    s = RecordingSet({1, 2})
    s.symmetric_difference_update(x for x in [2, 3])
    assert s.calls == [("change", {3}, {2}, {1, 2})]
    assert s.data == {1, 3}


def test_managed_user_set_inplace_operators_fire_on_change_once() -> None:
    s = RecordingSet({1, 2, 3})
    s |= {4}
    s -= {1}
    s &= {2, 4}
    s ^= {4, 5}
    assert s.calls == [
        ("change", {4}, set(), {1, 2, 3}),
        ("change", set(), {1}, {1, 2, 3, 4}),
        ("change", set(), {3}, {2, 3, 4}),
        ("change", {5}, {4}, {2, 4}),
    ]
    assert s.data == {2, 5}


def test_managed_user_set_raw_update_fires_nothing() -> None:
    s = RecordingSet()
    s.raw_update([1], {2})
    assert s.calls == []
    assert s.data == {1, 2}


# ---------------------------------------------------------------- ManagedUserDict


class RecordingDict(ManagedUserDict[str, int]):
    def __init__(self) -> None:
        self.data = {}
        self.calls: list[tuple[Any, ...]] = []

    def on_key_get(self, key: str) -> None:
        self.calls.append(("get", key))

    def on_key_set(self, key: str, value: int) -> None:
        self.calls.append(("set", key, value, dict(self.data)))

    def on_key_del(self, key: str) -> None:
        self.calls.append(("del", key, dict(self.data)))

    def on_clear(self) -> None:
        self.calls.append(("clear", dict(self.data)))


def test_managed_user_dict_default_hooks_are_noops() -> None:
    class Plain(ManagedUserDict[str, int]):
        def __init__(self) -> None:
            self.data = {}

    d = Plain()
    d["a"] = 1
    d.update(b=2)
    assert d["a"] == 1
    del d["a"]
    d.clear()
    assert d.data == {}


def test_managed_user_dict_item_hooks() -> None:
    d = RecordingDict()
    d["a"] = 1
    assert d["a"] == 1
    del d["a"]
    with pytest.raises(KeyError):
        d["a"]
    assert d.calls == [
        ("set", "a", 1, {}),
        ("get", "a"),
        ("del", "a", {"a": 1}),
        ("get", "a"),
    ]


def test_managed_user_dict_getitem_honours_missing() -> None:
    class WithMissing(RecordingDict):
        def __missing__(self, key: str) -> int:
            return 0

    d = WithMissing()
    assert d["nope"] == 0
    assert d.calls == [("get", "nope")]


def test_managed_user_dict_update_calls_hooks_then_updates() -> None:
    d = RecordingDict()
    d.update({"a": 1}, b=2)
    assert d.calls == [("set", "a", 1, {}), ("set", "b", 2, {})]
    assert d.data == {"a": 1, "b": 2}


def test_managed_user_dict_update_accepts_pairs() -> None:
    # ✗ fixed: the original required Mappings (AttributeError on a list).
    d = RecordingDict()
    d.update([("a", 1), ("b", 2)])
    d.update(pair for pair in [("c", 3)])
    assert d.data == {"a": 1, "b": 2, "c": 3}
    assert [c[1] for c in d.calls] == ["a", "b", "c"]


def test_managed_user_dict_update_several_arguments_in_order() -> None:
    d = RecordingDict()
    d.update({"a": 1}, [("a", 2), ("b", 3)], a=4)
    assert [c[1:3] for c in d.calls] == [("a", 1), ("a", 2), ("b", 3), ("a", 4)]
    assert d.data == {"a": 4, "b": 3}


def test_managed_user_dict_update_accepts_keys_protocol() -> None:
    class KeysOnly:
        def keys(self) -> list[str]:
            return ["k"]

        def __getitem__(self, key: str) -> int:
            return 5

    d = RecordingDict()
    d.update(KeysOnly())
    assert d.data == {"k": 5}


def test_managed_user_dict_update_bad_input() -> None:
    d = RecordingDict()
    with pytest.raises(TypeError, match="mapping or an iterable"):
        d.update(42)
    with pytest.raises(ValueError, match="element #1"):
        d.update([("a", 1), ("b", 2, 3)])
    with pytest.raises(ValueError, match="element #0"):
        d.update([7])
    assert d.calls == []  # nothing half-applied
    assert d.data == {}


def test_managed_user_dict_clear_and_raw_update() -> None:
    d = RecordingDict()
    d.raw_update({"a": 1}, b=2)
    assert d.calls == []
    assert d.data == {"a": 1, "b": 2}
    d.clear()
    assert d.calls == [("clear", {"a": 1, "b": 2})]
    assert d.data == {}


def test_managed_user_dict_mixins_trigger_hooks() -> None:
    d = RecordingDict()
    d.raw_update(a=1, b=2)
    assert d.pop("a") == 1
    assert d.setdefault("c", 3) == 3
    kinds = [call[0] for call in d.calls]
    assert kinds == ["get", "del", "get", "set"]


# ---------------------------------------------------------------- AttributeDict


def test_attribute_dict() -> None:
    d: AttributeDict[int] = AttributeDict(a=1)
    assert d.a == 1
    d.b = 2
    assert d["b"] == 2
    assert d == {"a": 1, "b": 2}
    del d.a
    assert "a" not in d
    assert isinstance(d, dict)
    assert isinstance(d, AttributeDictMixin)
    assert AttributeDict[int] is not None


def test_attribute_dict_missing_attribute_error() -> None:
    d: AttributeDict[int] = AttributeDict()
    with pytest.raises(AttributeError) as excinfo:
        d.nope  # noqa: B018
    assert str(excinfo.value) == "'AttributeDict' object has no attribute 'nope'"
    with pytest.raises(AttributeError, match="'nope'"):
        del d.nope
    assert not hasattr(d, "nope")
    assert getattr(d, "nope", 3) == 3


def test_attribute_dict_copies_and_pickles() -> None:
    d: AttributeDict[int] = AttributeDict(a=1)
    assert copy.copy(d) == {"a": 1}
    assert copy.deepcopy(d) == {"a": 1}
    restored = pickle.loads(pickle.dumps(d))
    assert type(restored) is AttributeDict
    assert restored.a == 1


def test_attribute_dict_mixin_on_custom_mapping() -> None:
    class Config(AttributeDictMixin, FastUserDict[str, int]):
        def __init__(self, **kwargs: int) -> None:
            # Attribute assignment means item assignment here: bypass it.
            object.__setattr__(self, "data", dict(kwargs))

    c = Config(x=1)
    assert c.x == 1
    c.y = 2
    assert c.data == {"x": 1, "y": 2}


# ---------------------------------------------------------------- DictAttribute


class Settings:
    class_level = "cls"

    def __init__(self) -> None:
        self.broker = "kafka://"
        self.port = 9092


def test_dict_attribute_get_set_item() -> None:
    obj = Settings()
    d: DictAttribute[Any] = DictAttribute(obj)
    assert d.obj is obj
    assert d["broker"] == "kafka://"
    assert d["class_level"] == "cls"
    d["port"] = 1
    assert obj.port == 1
    with pytest.raises(KeyError):
        d["nope"]
    assert d.get("nope") is None
    assert d.get("nope", 5) == 5
    assert d.get("port") == 1
    assert d.setdefault("port", 7) == 1
    assert d.setdefault("new", 7) == 7
    assert vars(obj)["new"] == 7
    assert isinstance(d, MutableMapping)


def test_dict_attribute_forwards_attributes() -> None:
    obj = Settings()
    d: Any = DictAttribute(obj)
    assert d.broker == "kafka://"
    d.broker = "redis://"
    assert obj.broker == "redis://"
    with pytest.raises(AttributeError):
        d.nope  # noqa: B018


def test_dict_attribute_del_item() -> None:
    # CHANGELOG promised `del d[key]`; the original raised NotImplementedError.
    obj = Settings()
    d: DictAttribute[Any] = DictAttribute(obj)
    del d["broker"]
    assert not hasattr(obj, "broker")
    assert "broker" not in d
    with pytest.raises(KeyError):
        del d["broker"]
    with pytest.raises(KeyError):
        del d["class_level"]  # a class attribute, not the instance's
    assert d.pop("port") == 9092
    assert not hasattr(obj, "port")


def test_dict_attribute_keys_are_dir_and_len_counts_instance_attributes() -> None:
    # As the original: iteration and the views list dir(obj) (class attributes
    # and methods too), while len() -- and so bool() -- counts the instance's
    # own attributes (its __dict__); `in` follows attribute lookup.
    obj = Settings()
    d: DictAttribute[Any] = DictAttribute(obj)
    keys = list(d)
    assert keys == dir(obj)
    assert len(d) == len(vars(obj)) == 2
    assert len(d.keys()) == len(d.items()) == len(d.values()) == 2
    assert all(key in d for key in keys)
    assert "broker" in keys
    assert "class_level" in keys
    assert "nope" not in d
    assert 1 not in d  # type: ignore[comparison-overlap]
    assert list(d.keys()) == keys
    assert "port" in d.keys()  # noqa: SIM118 - the view's __contains__
    assert dict(d.items())["port"] == 9092
    assert {**d}["class_level"] == "cls"
    assert ("port", 9092) in d.items()
    assert ("port", 1) not in d.items()
    assert "kafka://" in d.values()
    assert "nope" not in d.values()
    assert list(d.values())[keys.index("broker")] == "kafka://"


def test_dict_attribute_len_and_truth_follow_the_instance_dict() -> None:
    class Empty:
        pass

    empty: DictAttribute[Any] = DictAttribute(Empty())
    assert len(empty) == 0
    assert not empty
    assert "__class__" in list(empty)
    empty["x"] = 1
    assert len(empty) == 1
    assert empty

    class Slotted:
        __slots__ = ("a",)

        def __init__(self) -> None:
            self.a = 1

    # No __dict__ (the original raised AttributeError): count what dir() lists.
    slotted = Slotted()
    assert len(DictAttribute(slotted)) == len(dir(slotted))


def test_dict_attribute_dynamic_attributes() -> None:
    class Dynamic:
        def __getattr__(self, name: str) -> str:
            if name.startswith("dyn_"):
                return name
            raise AttributeError(name)

    d: DictAttribute[Any] = DictAttribute(Dynamic())
    assert "dyn_x" in d
    assert d["dyn_x"] == "dyn_x"
    assert "other" not in d


def test_dict_attribute_repr_and_views() -> None:
    obj = Settings()
    d: DictAttribute[Any] = DictAttribute(obj)
    assert repr(d) == f"<DictAttribute: {obj!r}>"
    assert isinstance(d.keys(), ProxyKeysView)
    assert isinstance(d.values(), ProxyValuesView)
    assert isinstance(d.items(), ProxyItemsView)
    assert isinstance(d, MappingViewProxy)


def test_dict_attribute_without_obj_does_not_recurse() -> None:
    bare = DictAttribute.__new__(DictAttribute)
    assert not hasattr(bare, "anything")
    assert not hasattr(bare, "obj")


# ---------------------------------------------------------------- views


class ListProxy(MappingViewProxy[str, int]):
    """A MappingViewProxy without Mapping methods: views only iterate it."""

    def __init__(self) -> None:
        self.pairs = [("a", 1), ("b", 2)]

    def _keys(self) -> Iterator[str]:
        return (k for k, _ in self.pairs)

    def _values(self) -> Iterator[int]:
        return (v for _, v in self.pairs)

    def _items(self) -> Iterator[tuple[str, int]]:
        return iter(self.pairs)


def test_proxy_views_iterate_the_proxy_methods() -> None:
    proxy = ListProxy()
    assert list(ProxyKeysView(proxy)) == ["a", "b"]
    assert list(ProxyValuesView(proxy)) == [1, 2]
    assert list(ProxyItemsView(proxy)) == [("a", 1), ("b", 2)]
    assert 2 in ProxyValuesView(proxy)
    assert 3 not in ProxyValuesView(proxy)
    items = ProxyItemsView(proxy)
    assert ("a", 1) in items
    assert ("a", 2) not in items
    assert "a" not in items  # type: ignore[comparison-overlap]
    assert ("a", 1, 2) not in items  # type: ignore[comparison-overlap]


def test_mapping_view_proxy_is_abstract() -> None:
    with pytest.raises(TypeError):
        MappingViewProxy()  # type: ignore[abstract]


# ---------------------------------------------------------------- force_mapping


def test_force_mapping_returns_mappings_as_is() -> None:
    m = {"a": 1}
    assert force_mapping(m) is m
    d = Dict(a=1)
    assert force_mapping(d) is d


def test_force_mapping_wraps_objects() -> None:
    obj = Settings()
    m = force_mapping(obj)
    assert isinstance(m, DictAttribute)
    assert m["broker"] == "kafka://"


def test_force_mapping_unwraps_lazy_objects() -> None:
    class Lazy(LazyObject):  # type: ignore[misc]
        def __init__(self, wrapped: Any) -> None:
            self._wrapped = wrapped

    class LazyConf(LazySettings):  # type: ignore[misc]
        def _setup(self) -> None:
            self._wrapped = {"set": "up"}

    target = {"x": 1}
    assert force_mapping(Lazy(target)) is target
    assert isinstance(force_mapping(Lazy(Settings())), DictAttribute)
    assert force_mapping(LazyConf()) == {"set": "up"}


def test_django_classes_used_when_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    empty = object()

    class FakeLazyObject:
        def __init__(self) -> None:
            self._wrapped = empty

        def _setup(self) -> None:
            self._wrapped = {"configured": True}

    class FakeLazySettings(FakeLazyObject):
        pass

    functional = types.ModuleType("django.utils.functional")
    functional.LazyObject = FakeLazyObject  # type: ignore[attr-defined]
    functional.empty = empty  # type: ignore[attr-defined]
    conf = types.ModuleType("django.conf")
    conf.LazySettings = FakeLazySettings  # type: ignore[attr-defined]
    for name, module in {
        "django": types.ModuleType("django"),
        "django.utils": types.ModuleType("django.utils"),
        "django.utils.functional": functional,
        "django.conf": conf,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    lazy_object, lazy_settings, sentinel = mcollections._django_lazy_classes()
    assert lazy_object is FakeLazyObject
    assert lazy_settings is FakeLazySettings
    assert sentinel is empty
    monkeypatch.setattr(mcollections, "LazyObject", lazy_object)
    monkeypatch.setattr(mcollections, "LazySettings", lazy_settings)
    monkeypatch.setattr(mcollections, "_django_empty", sentinel)
    # An unconfigured Django lazy object is set up first, then unwrapped.
    assert force_mapping(FakeLazySettings()) == {"configured": True}


def test_django_placeholders_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "django", None)
    lazy_object, lazy_settings, _ = mcollections._django_lazy_classes()
    assert lazy_object.__name__ == "_LazyObjectPlaceholder"
    assert issubclass(lazy_settings, lazy_object)


def test_heapq_interop() -> None:
    heap = Heap([3, 1, 2])
    heapq.heappush(heap.data, 0)
    assert heap.pop() == 0
