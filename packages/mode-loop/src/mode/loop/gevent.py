"""Importing this module runs asyncio on gevent (compatibility path).

As in the original mode, the import monkey-patches the standard library with
``gevent.monkey.patch_all()`` (unless it already is patched) and sets the
global event-loop policy to one that creates asyncio-gevent's loop; it is
equivalent to ``mode.loop.use("gevent")``.  Import it first thing, before
any loop runs.  New code should call ``gevent.monkey.patch_all()`` itself at
the top of the program and pass ``loop_factory=mode.loop.factory("gevent")``
to ``asyncio.run`` or ``asyncio.Runner``.

Public names: ``Policy`` (the policy class) and ``policy`` (the instance
set).  The original also created a module attribute ``loop`` at import;
that is left out on purpose, since no loop is created before it runs: use
``asyncio.get_running_loop()`` inside the program.

Raises (at import): :class:`mode.loop.BackendUnavailableError` (an
ImportError) when gevent or asyncio-gevent is not installed (``pip install
'mode-loop[gevent]'``); RuntimeError when a loop is already running.
"""

from __future__ import annotations

import asyncio

from mode.loop._policy import importer_stacklevel as _importer_stacklevel
from mode.loop._policy import install as _install

__all__ = ["Policy", "policy"]

#: The event-loop policy set by this import.
policy: asyncio.AbstractEventLoopPolicy = _install(
    "gevent", caller="import mode.loop.gevent", stacklevel=_importer_stacklevel()
)
#: Its class: asyncio's default policy, creating asyncio-gevent loops.
Policy: type[asyncio.AbstractEventLoopPolicy] = type(policy)
