"""Exit codes of a worker process, and :func:`exiting`.

The codes follow ``sysexits.h`` where one fits, so that supervisors
(systemd, container runtimes, shell scripts) can tell the outcomes apart:

====  =====================  ================================================
code  name                   meaning
====  =====================  ================================================
0     EX_OK                  normal end, or a graceful stop on SIGINT/SIGTERM/SIGHUP
1     EX_FAILURE             a service (at any depth) raised while starting or
                             stopping, or crashed
2     EX_USAGE               the ``mode`` command was used wrongly
71    EX_OSERR               out of memory (:class:`MemoryError`)
75    EX_SHUTDOWN_TIMEOUT    the stop did not finish within ``shutdown_timeout``,
                             or left threads or tasks running
130   EX_INTERRUPTED         a second SIGINT forced the shutdown
====  =====================  ================================================
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Final, NoReturn

__all__ = [
    "EX_FAILURE",
    "EX_INTERRUPTED",
    "EX_OK",
    "EX_OSERR",
    "EX_SHUTDOWN_TIMEOUT",
    "EX_USAGE",
    "exit_code_of",
    "exiting",
]

#: Normal end, or a graceful stop on SIGINT/SIGTERM/SIGHUP.
EX_OK: Final[int] = getattr(os, "EX_OK", 0)
#: A service raised while starting or stopping, or crashed.
EX_FAILURE: Final = 1
#: Bad usage of the ``mode`` command (argparse's convention).
EX_USAGE: Final = 2
#: Out of memory (``sysexits.h``: EX_OSERR).
EX_OSERR: Final[int] = getattr(os, "EX_OSERR", 71)
#: The stop did not finish within ``shutdown_timeout`` (the remaining tasks
#: were cancelled and the process exited anyway), or it left threads running
#: (a non-daemon thread, or a ServiceThread's, still alive at exit) or
#: tasks (a task a service's stop went on without, or one ignoring the
#: Worker's last cancellation).  ``sysexits.h``: EX_TEMPFAIL, "try again".
EX_SHUTDOWN_TIMEOUT: Final = 75
#: A second SIGINT (Ctrl-C) forced the shutdown (128 + SIGINT, as shells do).
EX_INTERRUPTED: Final = 130


def exit_code_of(exc: BaseException) -> int:
    """Return the exit code a process ending with ``exc`` should have.

    ``SystemExit`` gives its own code (None: 0, an int: that int, anything
    else: 1, as the interpreter does); ``MemoryError`` gives
    :data:`EX_OSERR`; ``KeyboardInterrupt`` gives :data:`EX_INTERRUPTED`;
    any other exception gives :data:`EX_FAILURE`.
    """
    if isinstance(exc, SystemExit):
        code = exc.code
        if code is None:
            return EX_OK
        return code if isinstance(code, int) else EX_FAILURE
    if isinstance(exc, MemoryError):
        return EX_OSERR
    if isinstance(exc, KeyboardInterrupt):
        return EX_INTERRUPTED
    return EX_FAILURE


@contextmanager
def exiting(
    *, print_exception: bool = False, file: IO[str] | None = None
) -> Iterator[None]:
    """Run the ``with`` body, then always end the process with ``sys.exit``.

    The exit code: :data:`EX_OK` when the body ends normally;
    :data:`EX_OSERR` after a :class:`MemoryError` (``Out of memory!`` is
    written to ``file``); :data:`EX_FAILURE` after any other exception,
    whose traceback is written to ``file`` when ``print_exception`` is
    true.  ``SystemExit`` and ``KeyboardInterrupt`` propagate unchanged.
    ``file`` defaults to ``sys.stderr`` at the time of the exit.
    """
    code = EX_OK
    try:
        yield
    except MemoryError:
        print("Out of memory!", file=file or sys.stderr)
        code = EX_OSERR
    except Exception as exc:
        out = file or sys.stderr
        if print_exception:
            print(f"Command raised exception: {exc!r}", file=out)
            traceback.print_exception(exc, file=out)
        code = EX_FAILURE
    _exit(code)


def _exit(code: int) -> NoReturn:
    sys.exit(code)
