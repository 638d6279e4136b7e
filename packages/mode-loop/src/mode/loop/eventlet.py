"""The original mode's eventlet backend; not supported here.

Importing this module always raises :class:`mode.loop.BackendUnavailableError`
(an ImportError) explaining why: no maintained asyncio event loop runs on
eventlet (aioeventlet, from 2017, no longer installs; its fork
faust-aioeventlet 0.6, from 2022, is unmaintained), and eventlet itself is
deprecated by its maintainers.  Use the default ``asyncio`` backend; the
mode-loop README has the details and eventlet's own migration route (its
asyncio hub).
"""

from __future__ import annotations

from mode.loop._registry import factory as _factory

__all__: list[str] = []

_factory("eventlet")  # always raises, with the reason and what to use instead
