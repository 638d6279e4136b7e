"""The debug console of a worker: aiomonitor, started with ``debug=True``.

aiomonitor is an optional dependency (the ``debug`` extra of mode-worker) and
is imported only here, only when a console is started.  It serves three
ports on 127.0.0.1: the telnet console on ``port`` (connect with
``telnet 127.0.0.1 PORT`` or ``nc``, then type ``help``), its web UI on
``port + 1`` and the Python REPL behind the ``console`` command on
``port + 2``.

Besides aiomonitor's own commands the console has ``services`` (the
worker's service tree, as ``mode status`` prints it).  prompt_toolkit's
telnet server logs every option negotiation at INFO (``DO b'\x03'``); its
logger is set to WARNING here unless the program set a level for it.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from contextlib import AbstractContextManager
from typing import Any, Final

from mode.exceptions import ModeError
from mode.types.services import ServiceT

__all__ = [
    "CONSOLE_HOST",
    "ConsolePortInUseError",
    "check_ports",
    "quiet_telnet_log",
    "start_console",
]

#: The console listens on the loopback interface only.
CONSOLE_HOST: Final = "127.0.0.1"

_INSTALL_HINT: Final = "install it with: pip install 'mode-worker[debug]'"

#: The logger of prompt_toolkit's telnet server (aiomonitor's console).
TELNET_LOGGER: Final = "prompt_toolkit.contrib.telnet"


class ConsolePortInUseError(ModeError, OSError):
    """A port the debug console needs is taken by another process.

    Raised by :func:`start_console` before anything is started, so the
    worker fails at once with this message (one line, no traceback)
    instead of hanging.  Pick another port with ``console_port=``
    (``--console-port``).
    """

    def __str__(self) -> str:
        return str(self.strerror)  # without "[Errno 98] "


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


def quiet_telnet_log() -> None:
    """Set prompt_toolkit's telnet logger to WARNING, unless it has a level.

    It logs each connection and each telnet option negotiated at INFO,
    which would land in the application's log.  A level the program set
    itself (anything but NOTSET) is kept.
    """
    telnet_log = logging.getLogger(TELNET_LOGGER)
    if telnet_log.level == logging.NOTSET:
        telnet_log.setLevel(logging.WARNING)


def start_console(
    loop: asyncio.AbstractEventLoop,
    *,
    port: int,
    locals: dict[str, Any] | None = None,
    root: ServiceT | None = None,
) -> AbstractContextManager[Any]:
    """Start an aiomonitor console for ``loop`` and return it (a context manager).

    The console runs in a thread of its own; leaving the returned context
    (the worker does so when it stops) closes it, quietly for clients still
    connected.  Uses ``port``, ``port + 1`` (web UI) and ``port + 2``
    (Python REPL).  ``root`` is the service the ``services`` command shows.

    Raises:
        ImportError: aiomonitor (or one of its dependencies) cannot be
            imported; the message is one line with the ``pip install`` line.
        ConsolePortInUseError: ``port`` or ``port + 1`` is taken.
    """
    try:
        import aiomonitor  # noqa: F401 - first: says whether it is there at all

        from ._monitor import ModeMonitor, register_commands
    except ImportError as exc:
        missing = exc.name or "aiomonitor"
        why = (
            "aiomonitor is not installed"
            if missing == "aiomonitor"
            else f"aiomonitor cannot be imported ({exc})"
        )
        raise ImportError(
            f"the debug console needs aiomonitor: {why}; {_INSTALL_HINT}",
            name="aiomonitor",
        ) from exc
    check_ports(CONSOLE_HOST, (port, port + 1) if port else ())
    quiet_telnet_log()
    register_commands()
    monitor = ModeMonitor(
        loop,
        host=CONSOLE_HOST,
        termui_port=port,
        webui_port=port + 1 if port else 0,
        console_port=port + 2 if port else 0,
        locals=locals,
    )
    monitor.root = root
    monitor.start()
    started: AbstractContextManager[Any] = monitor
    return started
