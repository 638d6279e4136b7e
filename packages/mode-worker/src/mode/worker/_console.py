"""The debug console of a worker: aiomonitor, started with ``debug=True``.

aiomonitor is an optional dependency (the ``debug`` extra of mode-worker) and
is imported only here, only when a console is started.  It serves three
ports on 127.0.0.1: the telnet console on ``port`` (connect with
``telnet 127.0.0.1 PORT`` or ``nc``, then type ``help``), its web UI on
``port + 1`` and the Python REPL behind the ``console`` command on
``port + 2``.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from contextlib import AbstractContextManager
from typing import Any, Final

from mode.exceptions import ModeError

__all__ = ["CONSOLE_HOST", "ConsolePortInUseError", "check_ports", "start_console"]

#: The console listens on the loopback interface only.
CONSOLE_HOST: Final = "127.0.0.1"

_INSTALL_HINT: Final = (
    "the worker's debug console needs aiomonitor: "
    "install it with `pip install mode-worker[debug]`"
)


class ConsolePortInUseError(ModeError, OSError):
    """A port the debug console needs is taken by another process.

    Raised by :func:`start_console` before anything is started, so the
    worker fails at once with this message instead of hanging.  Pick
    another port with ``console_port=`` (``--console-port``).
    """


def check_ports(host: str, ports: tuple[int, ...]) -> None:
    """Raise :class:`ConsolePortInUseError` if one of ``ports`` is taken.

    Each port is bound (and released at once) with ``SO_REUSEADDR``, as
    the servers will bind it; port 0 (any free port) is skipped.
    """
    for port in ports:
        if port == 0:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError as exc:
                if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                    raise
                why = "already in use" if exc.errno == errno.EADDRINUSE else "refused"
                raise ConsolePortInUseError(
                    exc.errno,
                    f"cannot start the debug console: port {port} on {host} is "
                    f"{why} ({exc.strerror}); choose another with console_port= "
                    "(mode run --console-port)",
                ) from None


def start_console(
    loop: asyncio.AbstractEventLoop,
    *,
    port: int,
    locals: dict[str, Any] | None = None,
) -> AbstractContextManager[Any]:
    """Start an aiomonitor console for ``loop`` and return it (a context manager).

    The console runs in a thread of its own; leaving the returned context
    (the worker does so when it stops) closes it.  Uses ``port``,
    ``port + 1`` (web UI) and ``port + 2`` (Python REPL).

    Raises:
        ImportError: aiomonitor is not installed (the message gives the
            ``pip install`` line).
        ConsolePortInUseError: ``port`` or ``port + 1`` is taken.
    """
    try:
        import aiomonitor
    except ImportError as exc:
        raise ImportError(f"{_INSTALL_HINT} ({exc})", name="aiomonitor") from exc
    check_ports(CONSOLE_HOST, (port, port + 1) if port else ())
    monitor: AbstractContextManager[Any] = aiomonitor.start_monitor(
        loop,
        host=CONSOLE_HOST,
        port=port,
        webui_port=port + 1 if port else 0,
        console_port=port + 2 if port else 0,
        locals=locals,
    )
    return monitor
