"""Checks of the Worker's constructor arguments (private module).

Each wrong argument is refused when the Worker is made, with a TypeError or
ValueError naming the argument and what it expects, instead of failing
later, half-way through start-up or in the middle of logging set-up.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = ["check_web_args", "check_worker_args"]

#: The console also uses the next two ports (see mode.worker._console).
MAX_CONSOLE_PORT = 65535 - 2


def _is_text_stream(value: object) -> bool:
    return callable(getattr(value, "write", None))


def check_worker_args(
    *,
    logfile: Any,
    loop: Any,
    console_port: Any,
    loghandlers: Any,
    logging_config: Any,
    stdout: Any,
    stderr: Any,
    flags: Mapping[str, Any] | None = None,
) -> None:
    """Raise TypeError/ValueError for a Worker argument that cannot work.

    ``flags`` maps the names of the on/off arguments (``debug``, ``daemon``
    ...) to their values: each must be a bool.  Any truthy value used to
    count as True, so ``debug="no"`` opened the debug console and
    ``daemon="false"`` ran a daemon.
    """
    for name, value in (flags or {}).items():
        if not isinstance(value, bool):
            raise TypeError(
                f"Worker {name}= must be True or False, not {type(value).__name__}"
            )
    if logfile is not None and not (
        isinstance(logfile, (str, os.PathLike)) or _is_text_stream(logfile)
    ):
        raise TypeError(
            f"Worker logfile= must be a file path or a writable text stream, "
            f"not {type(logfile).__name__}"
        )
    if loop is not None and not isinstance(loop, (str, asyncio.AbstractEventLoop)):
        raise TypeError(
            f"Worker loop= must be a loop backend name (such as 'uvloop'), an "
            f"event loop or None, not {type(loop).__name__}"
        )
    if isinstance(loop, str):
        from mode.loop import UnknownBackendError, names

        known = names()
        if loop not in known and loop != "aio":
            raise UnknownBackendError(loop, known)
    if isinstance(console_port, bool) or not isinstance(console_port, int):
        raise TypeError(
            f"Worker console_port= must be an int, not {type(console_port).__name__}"
        )
    if not 0 <= console_port <= MAX_CONSOLE_PORT:
        raise ValueError(
            f"Worker console_port= must be from 0 to {MAX_CONSOLE_PORT} (the "
            f"console also uses the next two ports), got {console_port!r}"
        )
    if loghandlers is not None:
        if not isinstance(loghandlers, Iterable) or isinstance(loghandlers, str):
            raise TypeError(
                f"Worker loghandlers= must be an iterable of logging.Handler "
                f"instances, not {type(loghandlers).__name__}"
            )
        # An iterator is left whole for the Worker: only collections are read.
        for handler in () if isinstance(loghandlers, Iterator) else loghandlers:
            if not isinstance(handler, logging.Handler):
                raise TypeError(
                    f"Worker loghandlers= must hold logging.Handler instances, "
                    f"not {type(handler).__name__}"
                )
    if logging_config is not None and not isinstance(logging_config, Mapping):
        raise TypeError(
            f"Worker logging_config= must be a logging.config.dictConfig "
            f"mapping, not {type(logging_config).__name__}"
        )
    for what, stream in (("stdout", stdout), ("stderr", stderr)):
        if stream is not None and not _is_text_stream(stream):
            raise TypeError(
                f"Worker {what}= must be a writable text stream (with a write() "
                f"method) or None, not {type(stream).__name__}"
            )


def check_web_args(*, web_port: Any, web_host: Any) -> None:
    """Raise TypeError/ValueError/ImportError for an HTTP endpoint that cannot work.

    ``web_port``: None (no endpoint) or an int from 0 (any free port) to
    65535; ``web_host``: a non-empty string.  With a port, aiohttp must be
    installed: the ImportError says ``install mode-worker[web]``.
    """
    if web_port is not None:
        if isinstance(web_port, bool) or not isinstance(web_port, int):
            raise TypeError(
                f"Worker web_port= must be an int (0: any free port) or None "
                f"(no HTTP endpoint), not {type(web_port).__name__}"
            )
        if not 0 <= web_port <= 65535:
            raise ValueError(
                f"Worker web_port= must be from 0 (any free port) to 65535, "
                f"got {web_port!r}"
            )
    if not isinstance(web_host, str):
        raise TypeError(
            f"Worker web_host= must be a host name or address (str), "
            f"not {type(web_host).__name__}"
        )
    if not web_host.strip():
        raise ValueError(
            "Worker web_host= must not be empty (default: '127.0.0.1'; "
            "'0.0.0.0': every interface)"
        )
    if web_port is not None:
        from ._web import check_aiohttp

        check_aiohttp()
