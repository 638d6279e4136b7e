"""Abstract types (ABCs) of mode's services, signals and supervisors.

Import these to type against the interfaces rather than the implementations:
``def run(service: ServiceT) -> None``.

The names are loaded on first use (PEP 562): importing
:mod:`mode.types.services` (as :mod:`mode.services` does) does not load the
signal and supervisor ABCs.  An unknown name raises :class:`AttributeError`.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:  # the static view of the lazy names, for type checkers
    from .services import DiagT as DiagT
    from .services import ServiceT as ServiceT
    from .signals import BaseSignalT as BaseSignalT
    from .signals import SignalHandlerT as SignalHandlerT
    from .signals import SignalT as SignalT
    from .signals import SyncSignalT as SyncSignalT
    from .supervisors import SupervisorStrategyT as SupervisorStrategyT

__all__ = [
    "BaseSignalT",
    "DiagT",
    "ServiceT",
    "SignalHandlerT",
    "SignalT",
    "SupervisorStrategyT",
    "SyncSignalT",
]

#: Public name -> the sub-module defining it.
_ORIGINS: dict[str, str] = {
    "BaseSignalT": "signals",
    "DiagT": "services",
    "ServiceT": "services",
    "SignalHandlerT": "signals",
    "SignalT": "signals",
    "SupervisorStrategyT": "supervisors",
    "SyncSignalT": "signals",
}


def __getattr__(name: str) -> object:
    """Import the sub-module defining ``name`` and return the object.

    Runs once per name (the value is then stored in this module's globals).
    Raises :class:`AttributeError` for a name this package does not export.
    """
    try:
        module_name = _ORIGINS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
