"""Loop helpers shared by the packages' tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any


def in_new_thread(fun: Callable[[], Any], *, close_loop: bool = True) -> Any:
    """Run ``fun`` in a fresh thread (no current loop there); return its result.

    Re-raises what ``fun`` raised.  With ``close_loop`` (the default), the
    thread's current loop, if ``fun`` left one, is unset and closed before
    the thread ends, so that no test leaks a loop.
    """
    result: list[Any] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fun())
        except BaseException as exc:
            error.append(exc)
        finally:
            if close_loop:
                try:
                    loop = asyncio.get_event_loop()
                except RuntimeError:
                    pass
                else:
                    asyncio.set_event_loop(None)
                    loop.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]
