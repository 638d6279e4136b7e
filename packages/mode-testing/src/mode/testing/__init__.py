"""mode.testing: async mocks, a virtual clock and pytest helpers for mode services.

Mocks (the original ``mode.utils.mocks``, which still re-exports them):
:class:`AsyncMock`, :class:`AsyncMagicMock`, :class:`AsyncContextManagerMock`
(alias :data:`AsyncContextMock`), :class:`ContextMock`, :class:`FutureMock`,
:class:`Mock` (call ordering through :data:`MOCK_CALL_COUNT`),
:class:`MagicMock`, :data:`ANY`, :data:`call`, :func:`patch`, :class:`IN`,
:func:`mask_module`, :func:`patch_module`.

Async test helpers: :func:`running` (run a service for an ``async with``
block, failing on a crash), :func:`wait_all_tasks_blocked` (order tasks
without sleeping), :class:`VirtualClock` (timers fire instantly, in order).

The pytest plugin (module ``mode.testing.plugin``, loaded automatically when
mode-testing is installed) adds the fixtures ``virtual_clock`` and
``start_service`` and an opt-in leak check; see the package README.

Names are imported on first use (PEP 562), so that loading the pytest plugin
in every pytest run costs nothing and imports no service code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .clock import VirtualClock as VirtualClock
    from .mocks import ANY as ANY
    from .mocks import IN as IN
    from .mocks import MOCK_CALL_COUNT as MOCK_CALL_COUNT
    from .mocks import AsyncContextManagerMock as AsyncContextManagerMock
    from .mocks import AsyncContextMock as AsyncContextMock
    from .mocks import AsyncMagicMock as AsyncMagicMock
    from .mocks import AsyncMock as AsyncMock
    from .mocks import ContextMock as ContextMock
    from .mocks import FutureMock as FutureMock
    from .mocks import MagicMock as MagicMock
    from .mocks import Mock as Mock
    from .mocks import call as call
    from .mocks import mask_module as mask_module
    from .mocks import patch as patch
    from .mocks import patch_module as patch_module
    from .services import ServiceCrashedError as ServiceCrashedError
    from .services import StartService as StartService
    from .services import running as running
    from .tasks import wait_all_tasks_blocked as wait_all_tasks_blocked

#: Public name -> submodule defining it.
_BY_MODULE = {
    "mocks": (
        "ANY",
        "IN",
        "MOCK_CALL_COUNT",
        "AsyncContextManagerMock",
        "AsyncContextMock",
        "AsyncMagicMock",
        "AsyncMock",
        "ContextMock",
        "FutureMock",
        "MagicMock",
        "Mock",
        "call",
        "mask_module",
        "patch",
        "patch_module",
    ),
    "clock": ("VirtualClock",),
    "services": ("ServiceCrashedError", "StartService", "running"),
    "tasks": ("wait_all_tasks_blocked",),
}
_ORIGIN = {name: module for module, names in _BY_MODULE.items() for name in names}

__all__ = [
    "ANY",
    "IN",
    "MOCK_CALL_COUNT",
    "AsyncContextManagerMock",
    "AsyncContextMock",
    "AsyncMagicMock",
    "AsyncMock",
    "ContextMock",
    "FutureMock",
    "MagicMock",
    "Mock",
    "ServiceCrashedError",
    "StartService",
    "VirtualClock",
    "call",
    "mask_module",
    "patch",
    "patch_module",
    "running",
    "wait_all_tasks_blocked",
]


def __getattr__(name: str) -> Any:
    """Import the submodule defining the public ``name`` and return it."""
    module = _ORIGIN.get(name)
    if module is None:
        raise AttributeError(f"module 'mode.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
