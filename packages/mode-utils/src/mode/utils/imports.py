"""Importing objects by name: symbols, plugins and entry points.

* :func:`symbol_by_name` imports ``"package.module:attribute"`` strings.
* :class:`FactoryMapping` is a registry of plugin aliases
  (``{"redis": "myapp.backends.redis:Backend"}``) that can be extended by
  package entry points.
* :func:`load_extension_classes` loads the entry points of a group, with
  :mod:`importlib.metadata` (no setuptools / ``pkg_resources`` needed).
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any, Generic, NamedTuple, TypeAlias, TypeVar, cast, overload
from urllib.parse import parse_qsl, urlsplit

from mode.utils.collections import FastUserDict
from mode.utils.objects import cached_property
from mode.utils.text import didyoumean

__all__ = [
    "URL",
    "EntrypointExtension",
    "FactoryMapping",
    "ParsedSymbol",
    "RawEntrypointExtension",
    "SymbolArg",
    "cwd_in_path",
    "import_from_cwd",
    "load_extension_class_names",
    "load_extension_classes",
    "parse_symbol",
    "smart_import",
    "symbol_by_name",
]

_T = TypeVar("_T")

#: Either the object itself or a ``"module:attribute"`` string naming it.
SymbolArg: TypeAlias = _T | str

#: The signature of :func:`importlib.import_module`.
_Importer = Callable[..., ModuleType]


class URL:
    """A parsed URL (a small stand-in for ``yarl.URL``, built on urllib).

    Arguments:
        url: The URL text, another :class:`URL`, or any URL object whose
            ``str()`` is the URL text (``yarl.URL`` for one, as faust passes).

    Components are read-only attributes: :attr:`scheme` (lower-cased),
    :attr:`user`, :attr:`password`, :attr:`host`, :attr:`port`, :attr:`path`,
    :attr:`query_string`, :attr:`fragment`; :attr:`query` gives the query as a
    dict.  ``str(url)`` gives back the text.

    Raises:
        TypeError: if ``url`` is bytes, or an object whose ``str()`` has no
            URL scheme (a number, None, ...).
        ValueError: if the port is not a number in 0-65535.
    """

    __slots__ = (
        "_url",
        "fragment",
        "host",
        "password",
        "path",
        "port",
        "query_string",
        "scheme",
        "user",
    )

    _url: str
    scheme: str
    user: str | None
    password: str | None
    host: str | None
    port: int | None
    path: str
    query_string: str
    fragment: str

    def __init__(self, url: str | URL | object) -> None:
        url = _url_text(url)
        parts = urlsplit(url)
        self._url = url
        self.scheme = parts.scheme
        self.user = parts.username
        self.password = parts.password
        self.host = parts.hostname
        self.port = parts.port  # raises ValueError for a bad port
        self.path = parts.path
        self.query_string = parts.query
        self.fragment = parts.fragment

    @property
    def query(self) -> dict[str, str]:
        """The query parameters (the last value wins for a repeated key)."""
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"URL({self._url!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL):
            return self._url == other._url
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._url)


def _url_text(url: object) -> str:
    """The text of ``url``: a str, a :class:`URL` or a URL object (``yarl.URL``).

    A URL object is recognised by its ``str()`` having a scheme, so numbers,
    None and arbitrary objects are refused rather than parsed into nonsense.
    """
    if isinstance(url, str):
        return url
    if isinstance(url, URL):
        return url._url
    if not isinstance(url, (bytes, bytearray, memoryview)):
        text = str(url)
        if urlsplit(text).scheme:
            return text
    raise TypeError(
        "URL() expects a str or a URL object (such as yarl.URL), "
        f"not {type(url).__name__}"
    )


class ParsedSymbol(NamedTuple):
    """The result of :func:`parse_symbol`."""

    module_name: str
    attribute_name: str | None


class RawEntrypointExtension(NamedTuple):
    """An entry point not yet loaded: its name and ``"module:attr"`` target."""

    name: str
    target: str


class EntrypointExtension(NamedTuple):
    """A loaded entry point: its name and the object it points to."""

    name: str
    type: Any


def _check_identifiers(s: str, dotted: str, what: str) -> None:
    for part in dotted.split("."):
        if not part.isidentifier():
            raise ValueError(
                f"Invalid symbol {s!r}: {what} {dotted!r} is not a valid dotted "
                "Python name (expected e.g. 'package.module:attribute')"
            )


def parse_symbol(
    s: str,
    *,
    package: str | None = None,
    strict_separator: str = ":",
    relative_separator: str = ".",
) -> ParsedSymbol:
    """Split a symbol path into module name and attribute name.

    * With ``:``, the text is split at the **last** ``:``:
      ``"a.b:C"`` -> ``("a.b", "C")``.  The attribute may be dotted
      (``"a:B.c"``).
    * Without it, the text is split at the last ``.``:
      ``"mode.services"`` -> ``("mode", "services")``;
      a single name is a module: ``"os"`` -> ``("os", None)``.
    * A leading ``.`` makes the module relative, which requires ``package``:
      ``".x"`` -> ``(".x", None)``, ``".x.Y"`` -> ``(".x", "Y")``.

    Raises:
        ValueError: for an empty module or attribute (``":x"``, ``"x:"``), a
            relative name without ``package``, or any part that is not a
            Python identifier.
    """
    if not isinstance(s, str):
        raise TypeError(f"parse_symbol() expects a str, not {type(s).__name__}")
    module_name, sep, attribute_name = s.rpartition(strict_separator)
    if not sep:
        module_name, attribute_name = s, ""
    elif not module_name or not attribute_name:
        raise ValueError(
            f"Invalid symbol {s!r}: expected 'module{strict_separator}attribute' "
            "with both parts non-empty"
        )
    relative = len(module_name) - len(module_name.lstrip(relative_separator))
    prefix, rest = module_name[:relative], module_name[relative:]
    if relative and package is None:
        raise ValueError(
            f"Relative symbol {s!r} requires the package= argument "
            "(the package it is relative to)"
        )
    if not sep:
        head, dot, tail = rest.rpartition(relative_separator)
        if dot:
            rest, attribute_name = head, tail
    if not rest:
        raise ValueError(f"Invalid symbol {s!r}: missing module name")
    _check_identifiers(s, rest, "module")
    if attribute_name:
        _check_identifiers(s, attribute_name, "attribute")
    return ParsedSymbol(prefix + rest, attribute_name or None)


def _getattr_path(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@overload
def symbol_by_name(
    name: str,
    aliases: Mapping[str, str] | None = None,
    imp: _Importer | None = None,
    package: str | None = None,
    sep: str = ".",
    default: Any = None,
    **kwargs: Any,
) -> Any: ...


@overload
def symbol_by_name(
    name: _T,
    aliases: Mapping[str, str] | None = None,
    imp: _Importer | None = None,
    package: str | None = None,
    sep: str = ".",
    default: Any = None,
    **kwargs: Any,
) -> _T: ...


def symbol_by_name(
    name: Any,
    aliases: Mapping[str, str] | None = None,
    imp: _Importer | None = None,
    package: str | None = None,
    sep: str = ".",
    default: Any = None,
    **kwargs: Any,
) -> Any:
    """Import and return the object named by ``name``.

    Arguments:
        name: ``"module:attribute"``, ``"module.attribute"`` or ``"module"``
            (see :func:`parse_symbol`), or an alias from ``aliases``.  Anything
            that is not a str is returned unchanged, so an argument can accept
            either an object or its name.
        aliases: Optional mapping of short names to symbol paths.
        imp: The import function (default :func:`importlib.import_module`),
            called as ``imp(module, package=package, **kwargs)``.
        package: The package relative names are resolved against.
        sep: Unused; kept for compatibility.
        default: Returned instead of raising ImportError/AttributeError when
            not None.

    Without ``:``, ``"a.b.c"`` first means attribute ``c`` of module ``a.b``;
    if ``a.b`` has no such attribute, module ``a.b.c`` is imported instead.

    Raises:
        ImportError: the module cannot be imported (and ``default`` is None).
        AttributeError: the module has no such attribute (and ``default`` is
            None).
        ValueError: ``name`` is not a valid symbol, or the import raised
            ValueError (re-raised as ``Cannot import 'name': ...``).
        TypeError: ``aliases`` is not a mapping.
    """
    if not isinstance(name, str):
        return name
    if imp is None:
        imp = importlib.import_module
    if aliases:
        if not isinstance(aliases, Mapping):
            raise TypeError(
                "symbol_by_name() aliases= must be a mapping of names to "
                f"symbol paths, not {type(aliases).__name__}"
            )
        name = aliases.get(name) or name
    module_name, attribute_name = parse_symbol(name, package=package)
    try:
        try:
            module = imp(module_name, package=package, **kwargs)
        except ValueError as exc:
            raise ValueError(f"Cannot import {name!r}: {exc}").with_traceback(
                exc.__traceback__
            ) from exc
        if not attribute_name:
            return module
        try:
            return _getattr_path(module, attribute_name)
        except AttributeError:
            if ":" in name:
                raise
            # "a.b.c" may name a submodule that is not imported yet.
            try:
                return imp(f"{module_name}.{attribute_name}", package=package, **kwargs)
            except ImportError:
                pass
            raise
    except (ImportError, AttributeError):
        if default is None:
            raise
    return default


class FactoryMapping(FastUserDict[str, str], Generic[_T]):
    """A registry of plugin names: alias -> ``"module:attribute"``.

    Arguments:
        *args: Mappings of aliases, merged left to right.
        **kwargs: More aliases.

    The object is a mapping of alias -> path (:attr:`data` is
    :attr:`aliases`).  :meth:`by_name` imports the object of an alias (or of a
    full symbol path).  Entry-point groups added with
    :meth:`include_setuptools_namespace` are loaded lazily, on the first
    :meth:`by_name`, :meth:`iterate` or :meth:`get_alias`; an entry point
    overrides an alias of the same name.
    """

    aliases: dict[str, str]
    namespaces: set[str]

    def __init__(self, *args: Mapping[str, str], **kwargs: str) -> None:
        self.aliases = {}
        for mapping in args:
            self.aliases.update(mapping)
        self.aliases.update(kwargs)
        self.namespaces = set()
        self._loaded: set[str] = set()

    @cached_property
    def data(self) -> dict[str, str]:  # type: ignore[override]
        """The mapping data: the same dict as :attr:`aliases`."""
        return self.aliases

    def iterate(self) -> Iterator[_T]:
        """Import and yield the object of every alias, in alias order.

        Raises what :meth:`by_name` raises for an alias that cannot load.
        """
        self._maybe_finalize()
        for name in list(self.aliases):
            yield self.by_name(name)

    def by_url(self, url: str | URL | object) -> _T:
        """Return the object for the scheme of ``url``.

        ``by_url("redis://localhost")`` is ``by_name("redis")``.  ``url`` may
        also be a :class:`URL` or any URL object whose ``str()`` is the URL
        (``yarl.URL``, as faust passes its configured URLs).

        Raises:
            TypeError: ``url`` is no URL (see :class:`URL`).
            ModuleNotFoundError: the scheme is not a known name (see
                :meth:`by_name`).
        """
        return self.by_name(URL(url).scheme)

    def by_name(self, name: SymbolArg[_T]) -> _T:
        """Return the object for alias or symbol path ``name``.

        Anything that is not a str is returned unchanged.

        Raises:
            ModuleNotFoundError: ``name`` is neither an alias nor an importable
                module; for a name without a dot the message is
                ``"'name' is not a valid name. Did you mean ...?"`` (or lists
                the available choices when nothing is close).
            ImportError, AttributeError: the target cannot be loaded.
        """
        self._maybe_finalize()
        try:
            return cast(_T, symbol_by_name(name, aliases=self.aliases))
        except ModuleNotFoundError as exc:
            if not isinstance(name, str) or "." in name or name in self.aliases:
                raise
            alt = didyoumean(
                self.aliases,
                name,
                fmt_none=f"Available choices: {', '.join(self.aliases)}",
            )
            raise ModuleNotFoundError(f"{name!r} is not a valid name. {alt}") from exc

    def get_alias(self, name: str) -> str:
        """Return the symbol path of alias ``name``.

        Raises:
            KeyError: no such alias.
        """
        self._maybe_finalize()
        return self.aliases[name]

    def include_setuptools_namespace(self, namespace: str) -> None:
        """Add the entry points of group ``namespace`` as aliases (lazily).

        The group is read on the next :meth:`by_name`, :meth:`iterate` or
        :meth:`get_alias`, once; a group added after that is read on the next
        such call too.
        """
        self.namespaces.add(namespace)

    def _maybe_finalize(self) -> None:
        if self.namespaces != self._loaded:
            for namespace in sorted(self.namespaces - self._loaded):
                self._loaded.add(namespace)
                self.aliases.update(load_extension_class_names(namespace))


def load_extension_class_names(namespace: str) -> Iterator[RawEntrypointExtension]:
    """Yield the entry points of group ``namespace``, without importing them.

    Uses :func:`importlib.metadata.entry_points`, so it works without
    setuptools.  A group nobody provides yields nothing.
    """
    for ep in entry_points(group=namespace):
        target = f"{ep.module}:{ep.attr}" if ep.attr else ep.module
        yield RawEntrypointExtension(ep.name, target)


def load_extension_classes(namespace: str) -> Iterator[EntrypointExtension]:
    """Import and yield the entry points of group ``namespace``.

    An entry point that fails to import (ImportError, SyntaxError) or names a
    missing attribute (AttributeError) is skipped with a :class:`UserWarning`
    naming it, so one broken plugin does not break the others.
    """
    for name, target in load_extension_class_names(namespace):
        try:
            obj = symbol_by_name(target)
        except (ImportError, SyntaxError, AttributeError) as exc:
            warnings.warn(
                f"Cannot load {namespace} extension {name!r} ({target}): {exc!r}",
                stacklevel=2,
            )
            continue
        yield EntrypointExtension(name, obj)


@contextmanager
def cwd_in_path() -> Generator[str | None, None, None]:
    """Context manager: put the current directory first on ``sys.path``.

    Yields the directory if it was added (and removes it on exit), or None if
    it was already on the path (which is then left alone).
    """
    cwd = os.getcwd()
    if cwd in sys.path:
        yield None
        return
    sys.path.insert(0, cwd)
    try:
        yield cwd
    finally:
        try:
            sys.path.remove(cwd)
        except ValueError:  # pragma: no cover - removed by the block itself
            pass


def import_from_cwd(
    module: str, *, imp: _Importer | None = None, package: str | None = None
) -> ModuleType:
    """Import ``module``, also looking in the current directory.

    Raises:
        ImportError: the module cannot be found.
        TypeError: ``module`` is not a str.
    """
    if not isinstance(module, str):
        raise TypeError(
            f"import_from_cwd() expects a module name (str), not "
            f"{type(module).__name__}"
        )
    if imp is None:
        imp = importlib.import_module
    with cwd_in_path():
        return imp(module, package=package)


def smart_import(path: str, imp: _Importer | None = None) -> Any:
    """Import a module or an object, whichever ``path`` names.

    ``"a.b:C"`` goes straight to :func:`symbol_by_name`.  Otherwise ``path``
    is imported as a module; if that fails, it is tried as ``module.attr``.

    Raises:
        ImportError, AttributeError: neither works.
        TypeError: ``path`` is not a str.
    """
    if not isinstance(path, str):
        raise TypeError(
            f"smart_import() expects a dotted path (str), not {type(path).__name__}"
        )
    if imp is None:
        imp = importlib.import_module
    if ":" in path:
        return symbol_by_name(path, imp=imp)
    try:
        return imp(path)
    except ImportError:
        return symbol_by_name(path, imp=imp)
