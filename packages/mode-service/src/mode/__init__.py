"""mode: asyncio services, supervisors, signals and workers.

This module is a lazy facade (PEP 562).  ``import mode`` loads nothing but
this file; ``from mode import Service`` imports :mod:`mode.services` on first
use.  Nothing here creates or touches an event loop.

The ``mode`` namespace is shared by five distributions (mode-utils,
mode-service, mode-worker, mode-testing, mode-loop).  mode-service owns this
file; the code at its top extends ``__path__`` so that the other
distributions' sub-packages (``mode.utils``, ``mode.worker`` ...) are found
wherever they are installed, editable installs included.

A name owned by a distribution that is not installed (``Worker`` without
mode-worker, say) raises :class:`ImportError` naming the distribution to
install.
"""

import sys

#: Never true at run time; type checkers take the ``if TYPE_CHECKING:`` blocks
#: (a local flag instead of :data:`typing.TYPE_CHECKING`, so that ``import
#: mode`` does not import :mod:`typing`).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _namespace_portions(path: list[str], name: str) -> list[str]:
    """Return ``path`` followed by every other portion of package ``name``.

    Runs once, when this file is imported.  Asks the path entry finder of
    each :data:`sys.path` entry (the one the import system itself uses,
    created and cached in :data:`sys.path_importer_cache` as the import
    system does) for ``name``, and appends each directory the finder reports
    as a package or namespace portion and that is not listed yet.  This is
    :func:`pkgutil.extend_path` without its ``*.pkg`` files, and without
    importing :mod:`pkgutil` (which brings :mod:`importlib.util` in).
    Entries that are not strings, or that no path hook accepts, are skipped;
    an error raised by a finder propagates, as it does from an import.
    """
    portions = list(path)
    cache = sys.path_importer_cache
    entries: list[object] = list(sys.path)  # may hold bytes or Path objects
    for entry in entries:
        if not isinstance(entry, str):
            continue
        if entry in cache:
            finder = cache[entry]
        else:
            finder = None
            for hook in sys.path_hooks:
                try:
                    finder = hook(entry)
                except ImportError:
                    continue
                cache.setdefault(entry, finder)
                break
        find_spec = getattr(finder, "find_spec", None)
        spec = find_spec(name) if find_spec is not None else None
        for portion in getattr(spec, "submodule_search_locations", None) or ():
            if portion not in portions:
                portions.append(portion)
    return portions


# The other distributions' sub-packages (mode.utils, mode.worker ...) live in
# other directories when they are installed editable (one src dir each on
# sys.path); extending __path__ makes them importable as mode.<name>.
__path__ = _namespace_portions(__path__, __name__)

__version__ = "0.1.0"

#: Public name -> (defining module, distribution that ships it).
_ORIGINS: dict[str, tuple[str, str]] = {
    "Service": ("mode.services", "mode-service"),
    "task": ("mode.services", "mode-service"),
    "timer": ("mode.services", "mode-service"),
    "BaseSignal": ("mode.signals", "mode-service"),
    "Signal": ("mode.signals", "mode-service"),
    "SyncSignal": ("mode.signals", "mode-service"),
    "CrashingSupervisor": ("mode.supervisors", "mode-service"),
    "ForfeitOneForAllSupervisor": ("mode.supervisors", "mode-service"),
    "ForfeitOneForOneSupervisor": ("mode.supervisors", "mode-service"),
    "OneForAllSupervisor": ("mode.supervisors", "mode-service"),
    "OneForOneSupervisor": ("mode.supervisors", "mode-service"),
    "RestForOneSupervisor": ("mode.supervisors", "mode-service"),
    "SupervisorStrategy": ("mode.supervisors", "mode-service"),
    "ServiceT": ("mode.types.services", "mode-service"),
    "BaseSignalT": ("mode.types.signals", "mode-service"),
    "SignalT": ("mode.types.signals", "mode-service"),
    "SyncSignalT": ("mode.types.signals", "mode-service"),
    "SupervisorStrategyT": ("mode.types.supervisors", "mode-service"),
    "Seconds": ("mode.utils.times", "mode-utils"),
    "want_seconds": ("mode.utils.times", "mode-utils"),
    "flight_recorder": ("mode.utils.logging", "mode-utils"),
    "get_logger": ("mode.utils.logging", "mode-utils"),
    "setup_logging": ("mode.utils.logging", "mode-utils"),
    "label": ("mode.utils.objects", "mode-utils"),
    "shortlabel": ("mode.utils.objects", "mode-utils"),
    "Worker": ("mode.worker", "mode-worker"),
}

#: The original's helper mappings, kept for code that introspects them.
object_origins: dict[str, str] = {name: mod for name, (mod, _) in _ORIGINS.items()}
all_by_module: dict[str, list[str]] = {}
for _name, (_module, _dist) in _ORIGINS.items():
    all_by_module.setdefault(_module, []).append(_name)
del _name, _module, _dist

__all__ = [*_ORIGINS, "all_by_module", "object_origins", "new_module", "old_module"]


def __getattr__(name: str) -> "Any":
    """Import the module that defines ``name`` and return the object.

    Runs once per name: the value is then stored in this module's globals, so
    later look-ups are plain attribute reads.  Raises :class:`ImportError`
    naming the distribution when its module is not installed, and
    :class:`AttributeError` for a name mode does not export.
    """
    try:
        module_name, dist = _ORIGINS[name]
    except KeyError:
        raise AttributeError(f"module 'mode' has no attribute {name!r}") from None
    import importlib  # here, not at the top: ``import mode`` alone needs none of it

    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (
            exc.name == module_name or module_name.startswith(exc.name + ".")
        ):
            raise ImportError(
                f"mode.{name} lives in {module_name}, which is shipped by the "
                f"{dist!r} distribution: install it with `pip install {dist}`",
                name=module_name,
            ) from exc
        raise
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_ORIGINS})


#: The original replaced this module with a lazy subclass and kept both
#: objects under these names; with PEP 562 they are one and the same module.
new_module = old_module = sys.modules[__name__]

if TYPE_CHECKING:  # the static view of the lazy names, for type checkers
    from mode.services import Service as Service
    from mode.services import task as task
    from mode.services import timer as timer
    from mode.signals import BaseSignal as BaseSignal
    from mode.signals import Signal as Signal
    from mode.signals import SyncSignal as SyncSignal
    from mode.supervisors import CrashingSupervisor as CrashingSupervisor
    from mode.supervisors import (
        ForfeitOneForAllSupervisor as ForfeitOneForAllSupervisor,
    )
    from mode.supervisors import (
        ForfeitOneForOneSupervisor as ForfeitOneForOneSupervisor,
    )
    from mode.supervisors import OneForAllSupervisor as OneForAllSupervisor
    from mode.supervisors import OneForOneSupervisor as OneForOneSupervisor
    from mode.supervisors import RestForOneSupervisor as RestForOneSupervisor
    from mode.supervisors import SupervisorStrategy as SupervisorStrategy
    from mode.types.services import ServiceT as ServiceT
    from mode.types.signals import BaseSignalT as BaseSignalT
    from mode.types.signals import SignalT as SignalT
    from mode.types.signals import SyncSignalT as SyncSignalT
    from mode.types.supervisors import SupervisorStrategyT as SupervisorStrategyT
    from mode.utils.logging import flight_recorder as flight_recorder
    from mode.utils.logging import get_logger as get_logger
    from mode.utils.logging import setup_logging as setup_logging
    from mode.utils.objects import label as label
    from mode.utils.objects import shortlabel as shortlabel
    from mode.utils.times import Seconds as Seconds
    from mode.utils.times import want_seconds as want_seconds

    # mode-worker may be absent: a type checker then sees Worker as unknown
    # (installed packages' import errors are not reported), never a crash.
    from mode.worker import Worker as Worker
