"""Tests for mode.utils.objects."""

# The typing forms below (List, Optional, Union, ...) are what is being tested.
# ruff: noqa: UP006, UP007, UP035, UP045

from __future__ import annotations

import collections.abc
import heapq
import pickle
import sys
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import (
    Annotated,
    Any,
    ClassVar,
    Dict,
    FrozenSet,
    List,
    Optional,
    Set,
    Tuple,
    Union,
)

import pytest

from mode.utils import objects
from mode.utils.objects import (
    DICT_TYPES,
    LIST_TYPES,
    SET_TYPES,
    TUPLE_TYPES,
    InvalidAnnotation,
    KeywordReduce,
    Unordered,
    abc_compatible_with_init_subclass,
    cached_property,
    canoname,
    canonshortname,
    eval_type,
    guess_concrete_type,
    guess_polymorphic_type,
    is_optional,
    is_union,
    iter_mro_reversed,
    label,
    local_annotations,
    qualname,
    remove_optional,
    shortlabel,
    shortname,
)

# ---------------------------------------------------------------- fixtures


class Base:
    a: int
    b: str = "b"
    shared: ClassVar[int] = 3

    def method(self) -> None: ...


class Derived(Base):
    c: Optional[Derived] = None
    d: List[int]
    b: str = "override"


class Outer:
    class Inner:
        pass


class Point(KeywordReduce):
    def __init__(self, x: int, y: int) -> None:
        self.x = x
        self.y = y

    def __reduce_keywords__(self) -> Mapping[str, Any]:
        return {"x": self.x, "y": self.y}


class NoKeywords(KeywordReduce):
    pass


def test_module_all_is_complete() -> None:
    for name in objects.__all__:
        assert hasattr(objects, name), name
    assert "cached_property" in objects.__all__
    assert "is_union" in objects.__all__


def test_abc_compatible_with_init_subclass() -> None:
    assert abc_compatible_with_init_subclass is True


def test_type_tuples() -> None:
    assert issubclass(frozenset, SET_TYPES)
    assert issubclass(list, LIST_TYPES)
    assert issubclass(collections.OrderedDict, DICT_TYPES)
    assert issubclass(tuple, TUPLE_TYPES)


def test_union_types() -> None:
    # The original's public constant: the origins of Union[...] and X | Y.
    assert (typing.Union, types.UnionType) == objects.UNION_TYPES
    assert typing.get_origin(int | None) in objects.UNION_TYPES


def test_type_tuples_list_the_concrete_and_mutable_origins() -> None:
    # As the original: code that tests ``typing.get_origin(t) in SET_TYPES``
    # (not issubclass) finds set[int], MutableSet[int], MutableMapping[...].
    sets: list[type] = [set, frozenset, collections.abc.Set, collections.abc.MutableSet]
    lists: list[type] = [
        list,
        collections.abc.Sequence,
        collections.abc.MutableSequence,
    ]
    dicts: list[type] = [dict, collections.abc.Mapping, collections.abc.MutableMapping]
    assert all(origin in SET_TYPES for origin in sets)
    assert all(origin in LIST_TYPES for origin in lists)
    assert all(origin in DICT_TYPES for origin in dicts)
    assert (tuple,) == TUPLE_TYPES


# ---------------------------------------------------------------- Unordered


def test_unordered_never_raises_and_heap_pushes_dicts() -> None:
    heap: list[tuple[int, Unordered[dict[str, int]]]] = []
    heapq.heappush(heap, (1, Unordered({"a": 1})))
    heapq.heappush(heap, (1, Unordered({"b": 2})))
    heapq.heappush(heap, (0, Unordered({"c": 3})))
    assert heapq.heappop(heap)[1].value == {"c": 3}
    rest = [heapq.heappop(heap)[1].value for _ in range(2)]
    assert sorted(map(sorted, rest)) == [["a"], ["b"]]
    x, y = Unordered({1: 2}), Unordered([3])
    assert x <= y
    assert y <= x
    assert x < y  # total_ordering: <= and not ==
    assert not x > y
    assert x >= x
    assert not x < x


def test_unordered_repr() -> None:
    assert repr(Unordered({"a": 1})) == "<Unordered: {'a': 1}>"


# ---------------------------------------------------------------- KeywordReduce


def test_keyword_reduce_pickles_via_keywords() -> None:
    point = pickle.loads(pickle.dumps(Point(1, y=2)))
    assert isinstance(point, Point)
    assert (point.x, point.y) == (1, 2)


def test_keyword_reduce_requires_implementation() -> None:
    with pytest.raises(NotImplementedError, match="__reduce_keywords__"):
        pickle.dumps(NoKeywords())


def test_invalid_annotation_is_exception() -> None:
    assert issubclass(InvalidAnnotation, Exception)


# ---------------------------------------------------------------- naming


def _function() -> None: ...


def test_qualname_and_shortname() -> None:
    assert qualname(Outer.Inner) == f"{__name__}.Outer.Inner"
    assert shortname(Outer.Inner) == f"{__name__}.Inner"
    assert qualname(_function) == f"{__name__}._function"
    assert qualname(Outer.Inner()) == f"{__name__}.Outer.Inner"
    assert shortname(Outer()) == f"{__name__}.Outer"
    assert qualname(int) == "builtins.int"


def _main_class(name: str = "Thing") -> type:
    cls = types.new_class(name)
    cls.__module__ = "__main__"
    cls.__qualname__ = f"Box.{name}"
    return cls


def test_canoname_with_explicit_main_name() -> None:
    cls = _main_class()
    assert qualname(cls) == "__main__.Box.Thing"
    assert canoname(cls, main_name="app.run") == "app.run.Box.Thing"
    assert canonshortname(cls, main_name="app.run") == "app.run.Thing"
    # Not in __main__: unchanged.
    assert canoname(Outer.Inner) == qualname(Outer.Inner)
    assert canonshortname(Outer.Inner) == shortname(Outer.Inner)


def test_canoname_detects_main_from_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    main = types.ModuleType("__main__")
    main.__spec__ = typing.cast(Any, types.SimpleNamespace(name="proj.cli"))
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert canoname(_main_class()) == "proj.cli.Box.Thing"


def test_canoname_detects_main_from_package_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pkg = tmp_path / "proj" / "sub"
    pkg.mkdir(parents=True)
    (tmp_path / "proj" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    script = pkg / "tool.py"
    script.write_text("")
    main = types.ModuleType("__main__")
    main.__spec__ = None
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert canonshortname(_main_class("X")) == "proj.sub.tool.X"


def test_canoname_script_outside_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    script = tmp_path / "script.py"
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert canoname(_main_class()) == "script.Box.Thing"


def test_canoname_without_main_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    assert canoname(_main_class()) == "__main__.Box.Thing"


# ---------------------------------------------------------------- label


class _Labelled:
    label = "the-label"
    shortlabel = "short"
    name = "the-name"


class _Named:
    name = "the-name"


def test_label_and_shortlabel() -> None:
    assert label("text") == "text"
    assert label(3) == "3"
    assert label(2.5) == "2.5"
    assert label(Decimal("1.10")) == "1.10"
    assert label(_Labelled()) == "the-label"
    assert shortlabel(_Labelled()) == "short"
    assert label(_Named()) == "the-name"
    assert shortlabel(_Named()) == "the-name"
    assert label(Outer.Inner) == "Outer.Inner"
    assert label(_function) == "_function"
    assert label(Outer.Inner()) == "Outer.Inner"
    assert shortlabel(object()) == "object"


# ---------------------------------------------------------------- annotations


def test_iter_mro_reversed() -> None:
    assert list(iter_mro_reversed(Derived, stop=object)) == [Base, Derived]
    assert list(iter_mro_reversed(Derived, stop=Base)) == [Derived]
    assert list(iter_mro_reversed(Derived, stop=Derived)) == []
    assert list(iter_mro_reversed(Base, stop=int)) == []


def test_annotations_fields_and_defaults() -> None:
    fields, defaults = objects.annotations(Derived)
    assert fields == {
        "a": int,
        "b": str,
        "shared": ClassVar[int],
        "c": Optional[Derived],
        "d": List[int],
    }
    # Every class __dict__ entry, not only annotated ones; subclasses win.
    assert defaults["b"] == "override"
    assert defaults["shared"] == 3
    assert defaults["c"] is None
    assert defaults["method"] is Base.method
    assert "a" not in defaults


def test_annotations_stop_and_skip_classvar() -> None:
    fields, defaults = objects.annotations(Derived, stop=Base, skip_classvar=True)
    assert set(fields) == {"b", "c", "d"}
    assert "method" not in defaults
    fields, _ = objects.annotations(Base, skip_classvar=True)
    assert "shared" not in fields


def test_annotations_invalid_and_alias_types() -> None:
    with pytest.raises(InvalidAnnotation):
        objects.annotations(Derived, invalid_types={str})
    fields, _ = objects.annotations(Derived, alias_types={int: float, str: bytes})
    assert fields["a"] is float
    assert fields["b"] is bytes


def test_local_annotations_only_own_class() -> None:
    pairs = local_annotations(Derived)
    assert [name for name, _ in pairs] == ["c", "d", "b"]
    assert dict(pairs)["d"] == List[int]


def test_local_annotations_with_namespaces() -> None:
    class Local:
        x: Widget  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(NameError):
        local_annotations(Local)
    assert local_annotations(Local, localns={"Widget": int}) == [("x", int)]
    assert local_annotations(Local, globalns={"Widget": str}) == [("x", str)]


def test_local_annotations_module_not_loaded() -> None:
    cls = types.new_class("Ghost")
    cls.__module__ = "no.such.module"
    cls.__annotations__ = {"x": "int"}
    assert local_annotations(cls) == [("x", int)]


def test_eval_type() -> None:
    assert eval_type("int") is int
    assert eval_type(typing.ForwardRef("str")) is str
    assert eval_type(None) is type(None)
    assert eval_type(List["int"]) == List[int]
    assert eval_type("int | None") == (int | None)
    assert eval_type("Foo", {"Foo": bytes}) is bytes
    assert eval_type("Foo", None, {"Foo": float}) is float
    assert eval_type("ClassVar[int]", {"ClassVar": ClassVar}) == ClassVar[int]
    assert eval_type(int, alias_types={int: str}) is str
    with pytest.raises(InvalidAnnotation):
        eval_type("int", invalid_types={int})
    with pytest.raises(NameError):
        eval_type("Nope")


def test_eval_type_keeps_annotated_and_tolerates_unhashable() -> None:
    typ = Annotated[int, {"unhashable": []}]
    assert eval_type(typ, invalid_types={int}, alias_types={int: str}) == typ


# ---------------------------------------------------------------- typing helpers


def test_is_union() -> None:
    assert is_union(Union[int, str])
    assert is_union(Optional[int])
    assert not is_union(int)
    assert not is_union(List[int])


def test_is_union_recognises_pep604_unions() -> None:
    # ✗ fixed: the original only knew typing.Union, not types.UnionType.
    assert is_union(int | str)
    assert is_union(int | None)
    assert is_optional(int | None)
    assert is_optional(None | list[int])
    assert not is_optional(int | str)


def test_is_optional() -> None:
    assert is_optional(Optional[int])
    assert is_optional(Union[int, str, None])
    assert not is_optional(Union[int, str])
    assert not is_optional(int)
    assert not is_optional(None)


def test_remove_optional() -> None:
    assert remove_optional(Optional[int]) is int
    assert remove_optional(int) is int
    assert remove_optional(Union[int, str]) == Union[int, str]
    assert remove_optional(Union[int, str, None]) == Union[int, str]
    assert remove_optional(List[int]) == List[int]


def test_remove_optional_pep604() -> None:
    # ✗ fixed: `X | None` is stripped too.
    assert remove_optional(int | None) is int
    assert remove_optional(list[int] | None) == list[int]
    assert remove_optional(int | str | None) == Union[int, str]


@pytest.mark.parametrize(
    ("typ", "expected"),
    [
        (List[int], (list, int)),
        (list[str], (list, str)),
        (collections.abc.Sequence[int], (list, int)),
        (Optional[List[int]], (list, int)),
        (list[int] | None, (list, int)),
        (Set[int], (set, int)),
        (FrozenSet[str], (set, str)),
        (collections.abc.MutableSet[int], (set, int)),
        (Tuple[int, ...], (tuple, int)),
        (tuple[str, int], (tuple, str)),
        (Dict[str, int], (dict, int)),
        (Mapping[str, bytes], (dict, bytes)),
        (list, (list, Any)),
        (dict, (dict, Any)),
        (typing.List, (list, Any)),
    ],
)
def test_guess_polymorphic_type(typ: Any, expected: tuple[type, Any]) -> None:
    assert guess_polymorphic_type(typ) == expected
    assert guess_concrete_type(typ) == expected


@pytest.mark.parametrize(
    "typ",
    [str, bytes, int, Union[int, str], Optional[str], List, "list"],
)
def test_guess_polymorphic_type_rejects(typ: Any) -> None:
    if typ is List:
        # typing.List without arguments is a list type, not rejected.
        assert guess_polymorphic_type(typ) == (list, Any)
        return
    with pytest.raises(TypeError, match="Not a generic collection type"):
        guess_polymorphic_type(typ)


def test_guess_polymorphic_type_custom_type_tuples() -> None:
    assert guess_polymorphic_type(list[int], list_types=(), set_types=(list,)) == (
        set,
        int,
    )


# ---------------------------------------------------------------- cached_property


class Cached:
    def __init__(self) -> None:
        self.calls = 0
        self.deleted: list[int] = []

    @cached_property
    def value(self) -> int:
        """The value."""
        self.calls += 1
        return 42

    def _set_scaled(self, value: int) -> int:
        return value * 10

    def _del_scaled(self, value: int) -> None:
        self.deleted.append(value)

    def _get_scaled(self) -> int:
        return 1

    scaled = cached_property(_get_scaled, _set_scaled, _del_scaled, doc="Scaled.")

    kind = "class-level-kind"

    def _get_kind(self) -> str:
        return "instance-kind"

    kind_prop = cached_property(_get_kind, class_attribute="kind")


def test_cached_property_computes_once() -> None:
    obj = Cached()
    assert not Cached.value.is_set(obj)
    assert obj.value == 42
    assert obj.value == 42
    assert obj.calls == 1
    assert Cached.value.is_set(obj)
    assert obj.__dict__["value"] == 42


def test_cached_property_setter_transforms_value() -> None:
    obj = Cached()
    obj.scaled = 3
    assert obj.scaled == 30
    obj.value = 7  # no setter: stored as is
    assert obj.value == 7
    assert obj.calls == 0


def test_cached_property_deleter_only_when_cached() -> None:
    obj = Cached()
    del obj.scaled  # nothing cached: fdel not called, no error
    assert obj.deleted == []
    assert obj.scaled == 1
    del obj.scaled
    assert obj.deleted == [1]
    assert not Cached.scaled.is_set(obj)
    del obj.value  # no deleter: just forgets
    assert obj.value == 42
    del obj.value
    assert obj.value == 42
    assert obj.calls == 2


def test_cached_property_class_access() -> None:
    assert isinstance(Cached.value, cached_property)
    assert Cached.kind_prop == "class-level-kind"
    assert Cached().kind_prop == "instance-kind"
    descriptor = Cached.__dict__["kind_prop"]
    assert descriptor.__get__(None, None) is descriptor


def test_cached_property_metadata() -> None:
    prop = Cached.__dict__["value"]
    assert prop.__doc__ == "The value."
    assert prop.__name__ == "value"
    assert prop.__module__ == __name__
    assert Cached.__dict__["scaled"].__doc__ == "Scaled."
    assert Cached.__dict__["scaled"].__name__ == "scaled"


def test_cached_property_is_a_data_descriptor() -> None:
    obj: Any = Cached()
    obj.__dict__["value"] = "from-dict"
    assert obj.value == "from-dict"  # cache is the instance __dict__ entry
    assert hasattr(cached_property, "__set__")
    assert hasattr(cached_property, "__delete__")


def test_cached_property_setter_and_deleter_copies() -> None:
    log: list[str] = []

    def _get(self: Any) -> str:
        return "computed"

    def _set(self: Any, value: str) -> str:
        return value.upper()

    def _del(self: Any, value: str) -> None:
        log.append(value)

    base = cached_property(_get, doc="Doc.", class_attribute="attr")

    class Decorated:
        attr = "class-attr"
        thing = base.setter(_set).deleter(_del)

    prop = Decorated.__dict__["thing"]
    assert prop is not base
    assert base.fset is None  # setter() returned a copy
    assert (prop.fget, prop.fset, prop.fdel) == (_get, _set, _del)
    assert prop.__doc__ == "Doc."
    assert prop.__name__ == "thing"  # bound name (__set_name__), not "_get"
    assert Decorated.thing == "class-attr"
    obj = Decorated()
    assert obj.thing == "computed"
    obj.thing = "new"
    assert obj.thing == "NEW"
    assert obj.__dict__["thing"] == "NEW"
    del obj.thing
    assert log == ["NEW"]


def test_cached_property_generic_typing() -> None:
    prop: cached_property[int] = cached_property(lambda self: 1)
    assert prop.fget(None) == 1
    assert cached_property[int] is not None
