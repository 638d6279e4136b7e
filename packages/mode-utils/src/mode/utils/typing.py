"""Typing aliases (compatibility module).

Older mode versions re-exported these names for old Pythons; on Python 3.11+
they are simply the :mod:`typing` names.  New code should import from
:mod:`typing` or :mod:`collections.abc` directly.
"""

from __future__ import annotations

from typing import AsyncContextManager as AsyncContextManager  # noqa: UP035
from typing import AsyncGenerator as AsyncGenerator  # noqa: UP035
from typing import ChainMap as ChainMap  # noqa: UP035
from typing import Counter as Counter  # noqa: UP035
from typing import Deque as Deque  # noqa: UP035
from typing import NoReturn as NoReturn
from typing import Protocol as Protocol

__all__ = [
    "AsyncContextManager",
    "AsyncGenerator",
    "ChainMap",
    "Counter",
    "Deque",
    "NoReturn",
    "Protocol",
]
