"""mode.loop: event-loop backends for mode, as loop factories.

Pick the loop implementation by name and hand its factory to asyncio::

    import asyncio
    import mode.loop

    asyncio.run(main(), loop_factory=mode.loop.factory("uvloop"))

Built-in backends: ``asyncio`` (default; ``aio`` is accepted too), ``uvloop``
(extra ``uvloop``), ``winloop`` (Windows, extra ``winloop``) and ``gevent``
(extra ``gevent``); ``eventlet`` is known but unsupported and says why.
Other distributions add backends through the ``mode.loop.backends``
entry-point group.  :func:`names` lists every known name, :func:`available`
those usable here.

The original's interface is kept as a compatibility path:
``mode.loop.use("uvloop")`` (or ``import mode.loop.uvloop``) sets the global
event-loop policy; on Python 3.14+, where policies are deprecated, it warns
and names the factory to use instead.

Importing this package is cheap: it imports no backend, not even asyncio.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mode.loop._policy import use as use
from mode.loop._registry import ENTRY_POINT_GROUP as ENTRY_POINT_GROUP
from mode.loop._registry import BackendUnavailableError as BackendUnavailableError
from mode.loop._registry import LoopFactory as LoopFactory
from mode.loop._registry import UnknownBackendError as UnknownBackendError
from mode.loop._registry import available as available
from mode.loop._registry import factory as factory
from mode.loop._registry import names as names

__all__ = [
    "ENTRY_POINT_GROUP",
    "LOOPS",
    "BackendUnavailableError",
    "LoopFactory",
    "UnknownBackendError",
    "available",
    "factory",
    "names",
    "use",
]

#: The original's table: backend name -> module whose import installs it
#: (``None``: nothing to install).  Read-only; kept for compatibility.
LOOPS: Mapping[str, str | None] = MappingProxyType(
    {
        "aio": None,
        "asyncio": None,
        "eventlet": "mode.loop.eventlet",
        "gevent": "mode.loop.gevent",
        "uvloop": "mode.loop.uvloop",
        "winloop": "mode.loop.winloop",
    }
)
