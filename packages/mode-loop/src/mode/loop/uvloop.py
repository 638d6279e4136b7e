"""Importing this module makes uvloop asyncio's loop (compatibility path).

As in the original mode, the import itself is the effect: it sets the global
event-loop policy to one that creates uvloop loops, so import it first thing,
before any loop runs.  Equivalent to ``mode.loop.use("uvloop")``.  New code
should pass ``loop_factory=mode.loop.factory("uvloop")`` to ``asyncio.run``
or ``asyncio.Runner`` instead; on Python 3.14+ the import warns to say so.

Raises (at import): :class:`mode.loop.BackendUnavailableError` (an
ImportError) when uvloop is not installed, with the ``pip install
'mode-loop[uvloop]'`` line; RuntimeError when a loop is already running.
"""

from __future__ import annotations

from mode.loop._policy import importer_stacklevel as _importer_stacklevel
from mode.loop._policy import install as _install

__all__: list[str] = []

_install("uvloop", caller="import mode.loop.uvloop", stacklevel=_importer_stacklevel())
