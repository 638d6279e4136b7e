"""A module that picks uvloop the original's way, for ``mode run``.

``mode run uvloopapp:first`` (no ``--loop``) must run it on uvloop.
"""

from __future__ import annotations

import mode.loop

mode.loop.use("uvloop")

from loopapps import First  # noqa: E402

first = First()
