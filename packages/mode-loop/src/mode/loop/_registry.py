"""The backend registry behind :func:`mode.loop.factory` (private module).

A *backend* is a name for an event-loop implementation; :func:`factory` turns
the name into a *loop factory*: a zero-argument callable returning a new
:class:`asyncio.AbstractEventLoop`, as ``asyncio.Runner(loop_factory=...)``
and ``asyncio.run(..., loop_factory=...)`` expect.

Built-in backends are described by :class:`_Builtin`; third-party ones come
from the entry-point group :data:`ENTRY_POINT_GROUP`, read lazily (only when a
name is not built in, or when names are listed).  Nothing here imports
asyncio, importlib.metadata or any backend package at import time.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import asyncio
    from importlib.metadata import EntryPoint

__all__ = [
    "ENTRY_POINT_GROUP",
    "BackendUnavailableError",
    "LoopFactory",
    "UnknownBackendError",
    "available",
    "canonical_name",
    "factory",
    "names",
]

#: A zero-argument callable that creates a new, not yet running event loop.
LoopFactory: TypeAlias = Callable[[], "asyncio.AbstractEventLoop"]

#: Entry-point group where other distributions register loop backends.  Each
#: entry point's name is the backend name; its object is a loop factory, e.g.
#: ``myloop = "myloop:new_event_loop"``.
ENTRY_POINT_GROUP = "mode.loop.backends"

#: Other spellings accepted for built-in backends ("aio" is the original's).
ALIASES: dict[str, str] = {"aio": "asyncio"}

_EVENTLET_REASON = (
    "the 'eventlet' loop backend is not supported: no maintained asyncio event "
    "loop runs on eventlet (aioeventlet, last released in 2017, no longer "
    "installs with current pip; its fork faust-aioeventlet 0.6, from 2022, is "
    "unmaintained), and eventlet itself is deprecated by its maintainers (bug "
    "fixes only, retirement planned). Use the default 'asyncio' backend; to move "
    "eventlet code over, eventlet's 'Migrating off of Eventlet' guide describes "
    "its asyncio hub, which runs eventlet on top of an asyncio loop. Details: "
    "the mode-loop README."
)


class UnknownBackendError(ValueError):
    """No loop backend has this name.

    A :class:`ValueError` (the name is a bad value, not a missing key).  The
    message lists the valid names and, when one is close, suggests it.
    ``name`` holds the name asked for and ``choices`` the valid ones.
    """

    def __init__(self, name: str, choices: list[str]) -> None:
        self.name = name
        self.choices = choices
        hint = _did_you_mean(choices, name)
        super().__init__(
            f"unknown event-loop backend {name!r}; valid names: "
            f"{', '.join(choices)} ('aio' is accepted for 'asyncio')."
            + (f" {hint}" if hint else "")
        )


class BackendUnavailableError(ImportError):
    """A known loop backend cannot be used in this environment.

    Raised when the backend's optional dependency is not installed (the
    message gives the ``pip install 'mode-loop[extra]'`` line), when it does
    not run on this platform, when a third-party entry point fails to load,
    or when the backend is not supported at all (eventlet).  It is an
    :class:`ImportError`, so code that guards optional imports keeps working.
    """


def _did_you_mean(choices: list[str], name: str) -> str:
    try:
        from mode.utils.text import didyoumean
    except ImportError:  # mode-loop installed without mode-utils
        import difflib

        close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
        return f"Did you mean {close[0]}?" if close else ""
    return didyoumean(choices, name)


def _import_extra(backend: str, module: str, dist: str, extra: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendUnavailableError(
            f"the {backend!r} loop backend needs {dist}, which is not "
            f"importable ({exc}); install it with: pip install 'mode-loop[{extra}]'"
        ) from exc


def _on_windows() -> bool:
    # Read at call time (and kept opaque to mypy's platform narrowing), so
    # tests can monkeypatch sys.platform.
    return str(sys.platform) == "win32"


def _load_asyncio() -> LoopFactory:
    import asyncio

    # The class itself, not asyncio.new_event_loop: the latter asks the global
    # policy, which mode.loop.use() may have pointed at another backend.
    if _on_windows():  # pragma: no cover - Windows only
        proactor: LoopFactory = getattr(asyncio, "ProactorEventLoop")  # noqa: B009
        return proactor
    return asyncio.SelectorEventLoop


def _load_uvloop() -> LoopFactory:
    if _on_windows():
        raise BackendUnavailableError(
            "the 'uvloop' loop backend does not run on Windows; use 'winloop' "
            "(pip install 'mode-loop[winloop]') or the default 'asyncio'"
        )
    uvloop = _import_extra("uvloop", "uvloop", "uvloop", "uvloop")
    new_loop: LoopFactory = uvloop.new_event_loop
    return new_loop


def _load_winloop() -> LoopFactory:
    if not _on_windows():
        raise BackendUnavailableError(
            "the 'winloop' loop backend runs on Windows only; on this platform "
            f"({sys.platform}) use 'uvloop' (pip install 'mode-loop[uvloop]') or "
            "the default 'asyncio'"
        )
    winloop = _import_extra("winloop", "winloop", "winloop", "winloop")
    new_loop: LoopFactory = winloop.new_event_loop
    return new_loop


def _load_gevent() -> LoopFactory:
    _import_extra("gevent", "gevent", "gevent", "gevent")
    asyncio_gevent = _import_extra(
        "gevent", "asyncio_gevent", "asyncio-gevent", "gevent"
    )
    loop_class: LoopFactory = asyncio_gevent.EventLoop
    return loop_class


def _load_eventlet() -> LoopFactory:
    raise BackendUnavailableError(_EVENTLET_REASON)


class _Builtin:
    """A backend shipped with mode-loop: how to load it, what it needs."""

    __slots__ = ("load", "modules", "platform_ok")

    def __init__(
        self,
        load: Callable[[], LoopFactory],
        modules: tuple[str, ...] = (),
        platform_ok: Callable[[], bool] = lambda: True,
    ) -> None:
        self.load = load
        self.modules = modules
        self.platform_ok = platform_ok

    def usable(self) -> bool:
        """True when loading would find its modules (checked without import)."""
        from importlib.util import find_spec

        if not self.platform_ok():
            return False
        for module in self.modules:
            if module in sys.modules:  # imported already (None: masked)
                if sys.modules[module] is None:
                    return False
            elif find_spec(module) is None:
                return False
        return True


_BUILTINS: dict[str, _Builtin] = {
    "asyncio": _Builtin(_load_asyncio),
    "uvloop": _Builtin(_load_uvloop, ("uvloop",), lambda: not _on_windows()),
    "winloop": _Builtin(_load_winloop, ("winloop",), _on_windows),
    "gevent": _Builtin(_load_gevent, ("gevent", "asyncio_gevent")),
    "eventlet": _Builtin(_load_eventlet, platform_ok=lambda: False),
}


def _entry_points() -> dict[str, EntryPoint]:
    from importlib.metadata import entry_points

    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _BUILTINS and ep.name not in ALIASES:
            found.setdefault(ep.name, ep)  # the first on sys.path wins
    return found


def _load_entry_point(ep: EntryPoint) -> LoopFactory:
    where = f"entry point {ep.name} = {ep.value} (group {ENTRY_POINT_GROUP})"
    try:
        obj = ep.load()
    except Exception as exc:
        raise BackendUnavailableError(
            f"the {ep.name!r} loop backend failed to load from {where}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not callable(obj):
        raise BackendUnavailableError(
            f"the {ep.name!r} loop backend from {where} is {obj!r}, not a "
            "callable that returns a new event loop"
        )
    loop_factory: LoopFactory = obj
    return loop_factory


def canonical_name(name: str) -> str:
    """Return the registry's name for ``name`` (resolving aliases like "aio").

    Raises:
        TypeError: ``name`` is not a string.
        UnknownBackendError: no built-in or entry-point backend has the name.
    """
    if not isinstance(name, str):
        raise TypeError(f"a loop backend name must be a str, not {name!r}")
    name = ALIASES.get(name, name)
    if name in _BUILTINS or name in _entry_points():
        return name
    raise UnknownBackendError(name, names())


def names() -> list[str]:
    """Every loop backend name known here, sorted (aliases left out).

    Built-in names are listed on every platform, even those that cannot run
    here (see :func:`available`); third-party names come from the
    ``mode.loop.backends`` entry points of the installed distributions.
    """
    return sorted([*_BUILTINS, *_entry_points()])


def available() -> list[str]:
    """The loop backend names usable in this environment, sorted.

    A built-in backend is usable when it runs on this platform and its
    optional packages are installed (checked with ``importlib.util.find_spec``,
    nothing is imported).  Every entry-point backend is listed; a broken one
    only fails when :func:`factory` loads it.
    """
    usable = [name for name, spec in _BUILTINS.items() if spec.usable()]
    return sorted([*usable, *_entry_points()])


def factory(name: str = "asyncio") -> LoopFactory:
    """Return the loop factory of backend ``name``.

    Use it where asyncio takes a loop factory, e.g.
    ``asyncio.run(main(), loop_factory=mode.loop.factory("uvloop"))`` or
    ``asyncio.Runner(loop_factory=mode.loop.factory("uvloop"))``.  Each call
    of the returned callable creates a new loop; no global state changes.

    Built-in names: ``asyncio`` (default, alias ``aio``: the standard loop
    class, whatever the global policy says), ``uvloop`` (extra ``uvloop``),
    ``winloop`` (Windows, extra ``winloop``), ``gevent`` (extra ``gevent``;
    asyncio-gevent's loop; monkey-patching stays your call) and
    ``eventlet`` (not supported: always raises, with the reason).  Other
    names are looked up in the ``mode.loop.backends`` entry points.

    The backend's package is imported here, not when ``mode.loop`` is.

    Raises:
        TypeError: ``name`` is not a string.
        UnknownBackendError: no backend has that name (a ValueError whose
            message lists the valid names and a did-you-mean).
        BackendUnavailableError: the backend cannot be used here: its extra
            is not installed (the message says what to ``pip install``), the
            platform is wrong, its entry point fails to load, or it is not
            supported (an ImportError).
    """
    if not isinstance(name, str):
        raise TypeError(f"a loop backend name must be a str, not {name!r}")
    name = ALIASES.get(name, name)
    builtin = _BUILTINS.get(name)
    if builtin is not None:
        return builtin.load()
    ep = _entry_points().get(name)
    if ep is None:
        raise UnknownBackendError(name, names())
    return _load_entry_point(ep)


# Shown as mode.loop.X in tracebacks: that is where users import them from.
UnknownBackendError.__module__ = BackendUnavailableError.__module__ = "mode.loop"
