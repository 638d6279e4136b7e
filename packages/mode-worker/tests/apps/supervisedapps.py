"""Supervised service trees run under the worker by test_supervision_exits.py.

``python -m mode.worker run supervisedapps:crashing`` and friends.  Each
child logs ``CHILD-START n`` (warning level) on every start, so the tests
can count restarts in the output.
"""

from __future__ import annotations

import logging

from mode import CrashingSupervisor, OneForOneSupervisor, Service

log = logging.getLogger("supervisedapps")


class Failing(Service):
    """Crashes from a background task on every start."""

    starts = 0

    async def on_start(self) -> None:
        type(self).starts += 1
        log.warning("CHILD-START %d", type(self).starts)

    @Service.task
    async def _fail(self) -> None:
        raise RuntimeError(f"child failed on start {type(self).starts}")


#: The first crash of the child takes the whole worker down.
crashing = CrashingSupervisor(Failing())

#: Two restarts allowed within a minute; the third crash escalates.
exhausted = OneForOneSupervisor(Failing(), max_restarts=2, over=60.0)
