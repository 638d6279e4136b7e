"""Importing this module makes winloop asyncio's loop (compatibility path).

The Windows counterpart of :mod:`mode.loop.uvloop`: the import sets the
global event-loop policy to one that creates winloop loops.  Equivalent to
``mode.loop.use("winloop")``; new code should pass
``loop_factory=mode.loop.factory("winloop")`` to ``asyncio.run`` or
``asyncio.Runner`` instead.

Raises (at import): :class:`mode.loop.BackendUnavailableError` (an
ImportError) off Windows, or when winloop is not installed (``pip install
'mode-loop[winloop]'``); RuntimeError when a loop is already running.
"""

from __future__ import annotations

from mode.loop._policy import importer_stacklevel as _importer_stacklevel
from mode.loop._policy import install as _install

__all__: list[str] = []

_install(
    "winloop", caller="import mode.loop.winloop", stacklevel=_importer_stacklevel()
)
