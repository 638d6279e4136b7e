"""Context manager helpers (compatibility module).

Everything here is the standard library's :mod:`contextlib` under the names
older mode versions exported.  ``asyncnullcontext(enter_result=None)`` is
:class:`contextlib.nullcontext`, which supports ``async with`` since Python
3.10: entering it returns ``enter_result`` and exiting does nothing.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager as AbstractAsyncContextManager
from contextlib import AsyncExitStack as AsyncExitStack
from contextlib import ExitStack as ExitStack
from contextlib import asynccontextmanager as asynccontextmanager
from contextlib import nullcontext as nullcontext

__all__ = [
    "AbstractAsyncContextManager",
    "AsyncExitStack",
    "ExitStack",
    "asynccontextmanager",
    "asyncnullcontext",
    "nullcontext",
]

#: An async (and sync) context manager that does nothing; ``async with
#: asyncnullcontext(x) as y`` binds ``y = x``.  Alias of contextlib.nullcontext.
asyncnullcontext = nullcontext
