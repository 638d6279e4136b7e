"""Object helpers: naming, class annotations, typing introspection, cached_property.

The naming helpers (:func:`qualname`, :func:`shortname`, :func:`canoname`,
:func:`label`, ...) build the dotted names and labels used in logs and reprs.
The annotation helpers (:func:`annotations`, :func:`eval_type`, ...) resolve
the (possibly stringified) annotations of a class hierarchy; they are built on
the public :mod:`typing` API (:func:`typing.get_type_hints`,
:func:`typing.get_origin`, :func:`typing.get_args`) and understand both
``Optional[X]`` and PEP 604 ``X | None``.  :class:`cached_property` is mode's
data-descriptor flavour of a cached property, with setter, deleter and
``is_set``.
"""

import collections.abc
import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Set
from functools import total_ordering
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar, overload

__all__ = [
    "DICT_TYPES",
    "LIST_TYPES",
    "SET_TYPES",
    "TUPLE_TYPES",
    "UNION_TYPES",
    "DefaultsMapping",
    "FieldMapping",
    "InvalidAnnotation",
    "KeywordReduce",
    "Unordered",
    "abc_compatible_with_init_subclass",
    "annotations",
    "cached_property",
    "canoname",
    "canonshortname",
    "eval_type",
    "guess_concrete_type",
    "guess_polymorphic_type",
    "is_optional",
    "is_union",
    "iter_mro_reversed",
    "label",
    "local_annotations",
    "qualname",
    "remove_optional",
    "shortlabel",
    "shortname",
]

_T = TypeVar("_T")
RT = TypeVar("RT")

#: Field name → evaluated annotation, as returned by :func:`annotations`.
FieldMapping: TypeAlias = Mapping[str, Any]
#: Attribute name → value, as returned by :func:`annotations`.
DefaultsMapping: TypeAlias = Mapping[str, Any]

# The tuples list the concrete and mutable origins too (not needed by
# issubclass): code written for the original tests ``origin in SET_TYPES``.

#: Origins that :func:`guess_polymorphic_type` maps to ``set``.
SET_TYPES: tuple[type, ...] = (
    collections.abc.Set,
    frozenset,
    collections.abc.MutableSet,
    set,
)
#: Origins that :func:`guess_polymorphic_type` maps to ``list``.
LIST_TYPES: tuple[type, ...] = (
    list,
    collections.abc.Sequence,
    collections.abc.MutableSequence,
)
#: Origins that :func:`guess_polymorphic_type` maps to ``dict``.
DICT_TYPES: tuple[type, ...] = (
    dict,
    collections.abc.Mapping,
    collections.abc.MutableMapping,
)
#: Origins that :func:`guess_polymorphic_type` maps to ``tuple``.
TUPLE_TYPES: tuple[type, ...] = (tuple,)

#: Obsolete: the bpo-29581 workaround flag of Python 3.6.  Always True on 3.11+.
abc_compatible_with_init_subclass = True

_NoneType = type(None)


class InvalidAnnotation(Exception):
    """An annotation is one of the ``invalid_types`` passed to :func:`annotations`."""


@total_ordering
class Unordered(Generic[_T]):
    """Wrap a value so that it compares as "not less than" anything.

    Useful for heaps of ``(priority, payload)`` tuples whose payloads are not
    orderable (dicts, objects): when two priorities tie, comparing the
    ``Unordered`` payloads never raises.  The order among tied items is
    arbitrary.
    """

    __slots__ = ("__dict__", "value")

    def __init__(self, value: _T) -> None:
        self.value = value

    def __le__(self, other: Any) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.value!r}>"


def _restore_from_keywords(typ: type[_T], kwargs: Mapping[str, Any]) -> _T:
    return typ(**kwargs)


class KeywordReduce:
    """Mixin: pickle an object as ``cls(**self.__reduce_keywords__())``.

    Subclasses implement :meth:`__reduce_keywords__`, returning the keyword
    arguments that recreate the instance.
    """

    def __reduce_keywords__(self) -> Mapping[str, Any]:
        """Return the keyword arguments that recreate this object.

        Raises:
            NotImplementedError: the subclass did not implement it.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement __reduce_keywords__()"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore_from_keywords, (type(self), self.__reduce_keywords__())


# ---------------------------------------------------------------- naming


def _as_named(obj: Any) -> Any:
    # An instance without a __name__ is named after its class.
    if not hasattr(obj, "__name__") and hasattr(obj, "__class__"):
        return obj.__class__
    return obj


def qualname(obj: Any) -> str:
    """Return ``module.QualifiedName`` of a class, function or instance.

    An instance (anything without ``__name__``) is replaced by its class.
    """
    obj = _as_named(obj)
    name = getattr(obj, "__qualname__", None) or obj.__name__
    return f"{obj.__module__}.{name}"


def shortname(obj: Any) -> str:
    """Return ``module.name`` (``__name__``, not the qualified name) of ``obj``.

    An instance (anything without ``__name__``) is replaced by its class.
    """
    obj = _as_named(obj)
    return f"{obj.__module__}.{obj.__name__}"


def _detect_main_name() -> str:
    """Return the real dotted module name of the ``__main__`` module.

    ``python -m pkg.mod`` records it in ``__main__.__spec__``; for a script run
    by path, walk up the parent directories that contain an ``__init__.py``.
    Falls back to ``"__main__"`` when nothing better is known.
    """
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    spec_name = getattr(spec, "name", None)
    if spec_name and spec_name != "__main__":
        return str(spec_name)
    filename = getattr(main, "__file__", None)
    if not filename:
        return "__main__"
    from pathlib import Path  # lazy: only canoname() needs it

    path = Path(filename).absolute()
    parts = [path.stem]
    node = path.parent
    while (node / "__init__.py").exists():
        parts.append(node.name)
        if node.parent == node:  # pragma: no cover - reached the filesystem root
            break
        node = node.parent
    return ".".join(reversed(parts))


def _canonical(name: str, main_name: str | None) -> str:
    module, sep, rest = name.partition(".")
    if module == "__main__":
        return f"{main_name or _detect_main_name()}{sep}{rest}"
    return name


def canoname(obj: Any, *, main_name: str | None = None) -> str:
    """Like :func:`qualname`, but with ``__main__`` resolved to the real module.

    ``main_name`` overrides the detected name of the ``__main__`` module.
    """
    return _canonical(qualname(obj), main_name)


def canonshortname(obj: Any, *, main_name: str | None = None) -> str:
    """Like :func:`shortname`, but with ``__main__`` resolved to the real module.

    ``main_name`` overrides the detected name of the ``__main__`` module.
    """
    return _canonical(shortname(obj), main_name)


def _label(attr: str, s: Any) -> str:
    if isinstance(s, str):
        return s
    if isinstance(s, (int, float)) or _is_decimal(s):
        return str(s)
    return str(
        getattr(s, attr, None)
        or getattr(s, "name", None)
        or getattr(s, "__qualname__", None)
        or getattr(s, "__name__", None)
        or getattr(type(s), "__qualname__", None)
        or type(s).__name__
    )


def _is_decimal(obj: Any) -> bool:
    # No Decimal can exist unless the decimal module was imported, so there is
    # no need to import it (and pay for it) here.
    decimal = sys.modules.get("decimal")
    return decimal is not None and isinstance(obj, decimal.Decimal)


def label(s: Any) -> str:
    """Return a human-readable label for ``s``, for logs and reprs.

    A str is returned as is; int, float and Decimal are converted with
    ``str()``.  Otherwise the first truthy value of ``s.label``, ``s.name``,
    ``s.__qualname__``, ``s.__name__`` or the name of its type is used.
    """
    return _label("label", s)


def shortlabel(s: Any) -> str:
    """Like :func:`label`, but prefer ``s.shortlabel`` over ``s.label``."""
    return _label("shortlabel", s)


# ---------------------------------------------------------------- annotations


def iter_mro_reversed(cls: type, stop: type) -> Iterator[type]:
    """Yield the classes of ``cls.__mro__`` that come after ``stop``, reversed.

    The walk starts just below ``stop`` (most basic class first) and ends with
    ``cls`` itself.  If ``stop`` is not in the MRO nothing is yielded.
    Raises TypeError (at the first item) if ``cls`` is not a class.
    """
    if not isinstance(cls, type):
        raise TypeError(
            f"iter_mro_reversed() expects a class, not {type(cls).__name__}"
        )
    wanted = False
    for subcls in reversed(cls.__mro__):
        if wanted:
            yield subcls
        else:
            wanted = subcls is stop


def _is_class_var(typ: Any) -> bool:
    return typ is ClassVar or typing.get_origin(typ) is ClassVar


def eval_type(
    typ: Any,
    globalns: dict[str, Any] | None = None,
    localns: Mapping[str, Any] | None = None,
    invalid_types: Set[Any] | None = None,
    alias_types: Mapping[Any, Any] | None = None,
) -> Any:
    """Evaluate an annotation: strings and ForwardRefs, also nested ones.

    Uses :func:`typing.get_type_hints` (``include_extras=True``) on the
    annotation; names are looked up in ``localns`` and then ``globalns``
    (builtins are always visible).  ``None`` becomes ``NoneType``.

    Raises:
        InvalidAnnotation: the evaluated type is in ``invalid_types``.
        NameError: the annotation names something that is not defined.
    """
    if isinstance(typ, str):
        typ = typing.ForwardRef(typ, is_argument=False, is_class=True)
    holder = type(
        "_AnnotationHolder",
        (),
        {"__annotations__": {"value": typ}, "__module__": __name__},
    )
    namespace = {} if globalns is None else globalns
    # An empty localns (not None) keeps the holder's own attributes out of
    # the lookup.
    resolved = typing.get_type_hints(
        holder,
        globalns=namespace,
        localns=dict(localns or {}),
        include_extras=True,
    )["value"]
    try:
        if invalid_types and resolved in invalid_types:
            raise InvalidAnnotation(resolved)
        if alias_types:
            return alias_types.get(resolved, resolved)
    except TypeError:  # an unhashable annotation (Annotated[X, {...}])
        pass
    return resolved


def _module_globals(cls: type) -> dict[str, Any]:
    module = sys.modules.get(cls.__module__)
    return vars(module) if module is not None else {}


def local_annotations(
    cls: type,
    *,
    invalid_types: Set[Any] | None = None,
    alias_types: Mapping[Any, Any] | None = None,
    skip_classvar: bool = False,
    globalns: dict[str, Any] | None = None,
    localns: Mapping[str, Any] | None = None,
) -> list[tuple[str, Any]]:
    """Return ``(name, evaluated type)`` pairs of the annotations of ``cls`` only.

    Base classes are not looked at.  ``globalns`` defaults to the namespace of
    the module that defines ``cls``.  With ``skip_classvar`` ``ClassVar[...]``
    annotations are left out.  See :func:`eval_type` for the errors raised.
    """
    if not isinstance(cls, type):
        raise TypeError(
            f"local_annotations() expects a class, not {type(cls).__name__}"
        )
    if globalns is None:
        globalns = _module_globals(cls)
    pairs: list[tuple[str, Any]] = []
    for name, typ in inspect.get_annotations(cls).items():
        value = eval_type(typ, globalns, localns, invalid_types, alias_types)
        if skip_classvar and _is_class_var(value):
            continue
        pairs.append((name, value))
    return pairs


def annotations(
    cls: type,
    *,
    stop: type = object,
    invalid_types: Set[Any] | None = None,
    alias_types: Mapping[Any, Any] | None = None,
    skip_classvar: bool = False,
    globalns: dict[str, Any] | None = None,
    localns: Mapping[str, Any] | None = None,
) -> tuple[FieldMapping, DefaultsMapping]:
    """Return ``(fields, defaults)`` collected over the MRO of ``cls``.

    The classes after ``stop`` are visited from the most basic to ``cls``
    (see :func:`iter_mro_reversed`), so subclasses override their bases.

    * ``fields`` maps every annotated name to its evaluated type
      (see :func:`local_annotations` for the options).
    * ``defaults`` holds **every** entry of those classes' ``__dict__``, not
      only the annotated ones (as in the original library).

    Raises:
        InvalidAnnotation: an annotation evaluates to one of ``invalid_types``.
        TypeError: ``cls`` is not a class.
    """
    if not isinstance(cls, type):
        raise TypeError(f"annotations() expects a class, not {type(cls).__name__}")
    fields: dict[str, Any] = {}
    defaults: dict[str, Any] = {}
    for subcls in iter_mro_reversed(cls, stop=stop):
        defaults.update(subcls.__dict__)
        fields.update(
            local_annotations(
                subcls,
                invalid_types=invalid_types,
                alias_types=alias_types,
                skip_classvar=skip_classvar,
                globalns=globalns,
                localns=localns,
            )
        )
    return fields, defaults


# ---------------------------------------------------------------- typing helpers


#: The origins (:func:`typing.get_origin`) of ``Union[...]`` and ``X | Y``.
UNION_TYPES: tuple[Any, ...] = (typing.Union, types.UnionType)


def is_union(typ: Any) -> bool:
    """Return True if ``typ`` is ``Union[...]``, ``Optional[...]`` or ``X | Y``."""
    origin = typing.get_origin(typ)
    return origin is typing.Union or origin is types.UnionType


def is_optional(typ: Any) -> bool:
    """Return True if ``typ`` is a union that includes ``None``.

    ``Optional[int]``, ``Union[int, str, None]`` and ``int | None`` all are.
    """
    return is_union(typ) and _NoneType in typing.get_args(typ)


def remove_optional(typ: Any) -> Any:
    """Strip ``None`` from an optional type: ``Optional[X]`` / ``X | None`` → X.

    ``Union[A, B, None]`` becomes ``Union[A, B]``; any other type is returned
    unchanged.
    """
    if not is_optional(typ):
        return typ
    rest = tuple(arg for arg in typing.get_args(typ) if arg is not _NoneType)
    if len(rest) == 1:
        return rest[0]
    return typing.Union[rest]  # noqa: UP007 - built from a runtime tuple


def guess_polymorphic_type(
    typ: Any,
    *,
    set_types: tuple[type, ...] = SET_TYPES,
    list_types: tuple[type, ...] = LIST_TYPES,
    tuple_types: tuple[type, ...] = TUPLE_TYPES,
    dict_types: tuple[type, ...] = DICT_TYPES,
) -> tuple[type, Any]:
    """Return ``(container, element type)`` for a generic collection type.

    ``List[int]`` → ``(list, int)``, ``Optional[list[int]]`` → ``(list, int)``,
    ``Mapping[str, V]`` → ``(dict, V)`` (the value type), sets give ``set`` and
    tuples give ``tuple``.  A bare container gives ``Any`` as element type.

    Raises:
        TypeError: ``typ`` is str/bytes or not a recognised collection type.
    """
    typ = remove_optional(typ)
    origin = typing.get_origin(typ) or typ
    args = typing.get_args(typ)
    if isinstance(origin, type) and origin not in (str, bytes):
        if issubclass(origin, tuple_types):
            return tuple, args[0] if args else Any
        if issubclass(origin, set_types):
            return set, args[0] if args else Any
        if issubclass(origin, list_types):
            return list, args[0] if args else Any
        if issubclass(origin, dict_types):
            return dict, args[1] if len(args) > 1 else Any
    raise TypeError(
        f"Not a generic collection type: {typ!r} "
        "(expected a list, set, tuple or mapping type such as list[int])"
    )


#: Alias of :func:`guess_polymorphic_type` (old name).
guess_concrete_type = guess_polymorphic_type


# ---------------------------------------------------------------- cached_property

_UNSET: Any = object()


class cached_property(Generic[RT]):
    """A property computed once per instance and cached in ``obj.__dict__``.

    Unlike :func:`functools.cached_property` this is a *data* descriptor: it
    also defines ``__set__`` and ``__delete__``.

    * Instance access returns the cached value, computing it with ``fget`` on
      first access.
    * Assignment stores ``fset(obj, value)`` if a setter is given, else the
      value itself.
    * ``del obj.attr`` forgets the cached value and calls ``fdel(obj, value)``,
      but only if a value was cached.
    * Class access returns ``getattr(cls, class_attribute)`` when
      ``class_attribute`` is set, otherwise the descriptor itself.

    The owner needs an instance ``__dict__`` (no ``__slots__``-only classes).
    """

    def __init__(
        self,
        fget: Callable[[Any], RT],
        fset: Callable[[Any, Any], RT] | None = None,
        fdel: Callable[[Any, RT], None] | None = None,
        doc: str | None = None,
        class_attribute: str | None = None,
    ) -> None:
        if not callable(fget):
            raise TypeError(
                "cached_property decorates a method (a callable), "
                f"not {type(fget).__name__}"
            )
        self.fget = fget
        self.fset = fset
        self.fdel = fdel
        self.__doc__ = doc or fget.__doc__
        self.__name__ = getattr(fget, "__name__", type(fget).__name__)
        self.__module__ = getattr(fget, "__module__", __name__)
        self.class_attribute = class_attribute

    def __set_name__(self, owner: type, name: str) -> None:
        # Cache under the name the descriptor is bound to in the class.
        self.__name__ = name

    def is_set(self, obj: Any) -> bool:
        """Return True if a value is cached for ``obj``."""
        return self.__name__ in obj.__dict__

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> Any: ...

    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> RT: ...

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            if objtype is not None and self.class_attribute:
                return getattr(objtype, self.class_attribute)
            return self
        cache = obj.__dict__
        try:
            return cache[self.__name__]
        except KeyError:
            value = cache[self.__name__] = self.fget(obj)
            return value

    def __set__(self, obj: Any, value: Any) -> None:
        if self.fset is not None:
            value = self.fset(obj, value)
        obj.__dict__[self.__name__] = value

    def __delete__(self, obj: Any) -> None:
        value = obj.__dict__.pop(self.__name__, _UNSET)
        if self.fdel is not None and value is not _UNSET:
            self.fdel(obj, value)

    def _copy(self, **changes: Any) -> "cached_property[RT]":
        options: dict[str, Any] = {
            "fget": self.fget,
            "fset": self.fset,
            "fdel": self.fdel,
            "doc": self.__doc__,
            "class_attribute": self.class_attribute,
        }
        options.update(changes)
        new = type(self)(**options)
        new.__name__ = self.__name__
        return new

    def setter(self, fset: Callable[[Any, Any], RT]) -> "cached_property[RT]":
        """Return a copy of this descriptor that stores ``fset(obj, value)``."""
        return self._copy(fset=fset)

    def deleter(self, fdel: Callable[[Any, RT], None]) -> "cached_property[RT]":
        """Return a copy of this descriptor that calls ``fdel(obj, value)``."""
        return self._copy(fdel=fdel)
