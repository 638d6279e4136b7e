"""The Worker: run services as a process, with logging, signals and exit codes.

See :class:`Worker`.  The exit codes are in :mod:`mode.worker._exits`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import reprlib
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, ClassVar, NoReturn, cast

from mode.exceptions import ModeError
from mode.services import Service
from mode.types.services import ServiceT
from mode.utils.futures import maybe_cancel
from mode.utils.imports import symbol_by_name
from mode.utils.logging import Severity, level_number
from mode.utils.times import Seconds, want_seconds
from mode.utils.tracebacks import format_task_stack

from ._args import check_web_args, check_worker_args
from ._exits import (
    EX_FAILURE,
    EX_INTERRUPTED,
    EX_OK,
    EX_OSERR,
    EX_SHUTDOWN_TIMEOUT,
    exit_code_of,
)

__all__ = ["BLOCK_DETECTOR", "Worker"]

#: No handler is added: Python's last-resort handler shows the worker's
#: warnings and errors while logging is not configured.
logger = logging.getLogger("mode.worker")

_get_running_loop = asyncio.events._get_running_loop

#: The blocking detector class started by ``debug=True`` (a symbol path).
BLOCK_DETECTOR = "mode.debug:BlockingDetector"

#: The signals handled, by name (some platforms lack some of them).  Each
#: runs the hook ``_on_<name>`` (``_on_sigint``...), as in the original.
_HANDLED_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2")

#: The signals handled on Windows, where the loop cannot handle signals: they
#: go through :func:`signal.signal`.
_STOP_SIGNALS = ("SIGINT", "SIGTERM")

#: The signals that stop the worker (a hook that raises still stops it);
#: where the loop cannot handle signals they fall back to
#: :func:`signal.signal`.  (The original left SIGHUP alone: its default
#: action killed the worker at once, even mid-shutdown, without ``on_stop``.)
_GRACEFUL_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class _TupleAsListRepr(reprlib.Repr):
    """A :class:`reprlib.Repr` that shows tuples as lists (the original's)."""

    def repr_tuple(self, x: tuple[Any, ...], level: int) -> str:
        return self.repr_list(cast(list[Any], x), level)


#: ``reprlib``-style repr with tuples shown as lists (kept from the original).
_repr = _TupleAsListRepr().repr


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)


class Worker(Service):
    """Run services as a process: logging, signals, a bounded stop, exit codes.

    Arguments:
        *services: The services to run.  They become children of the worker:
            started in order after the worker's own ``on_start``, stopped in
            reverse order.
        loglevel: Level of the root logger (a name such as ``"info"`` or a
            number); None leaves the level as it is (WARNING by default).
        logfile: Log to this file (plain format) instead of the console
            (stderr, coloured when stdout is a terminal).
        logging_config: A :func:`logging.config.dictConfig` mapping that
            replaces the generated configuration, or is merged into it
            section by section when it holds ``"merge": True``.
        loghandlers: Extra handlers added to the root logger.
        redirect_stdouts: Send ``print()`` output and other writes to
            stdout/stderr to the ``mode.redirect`` logger while running.
        redirect_stdouts_level: Level of those records (default WARN).
        override_logging: False: never configure logging (nor redirect).
        stdout, stderr: Where :meth:`say`, :meth:`carp` and the SIGUSR1
            report write (default: ``sys.stdout``/``sys.stderr`` when the
            worker is created, before any redirection).
        quiet: :meth:`say` and :meth:`carp` print nothing.
        debug: Start the blocking detector and the aiomonitor console.
        console_port: Port of the debug console (and ``+1``, ``+2`` for
            aiomonitor's web UI and Python REPL).
        blocking_timeout: Seconds the event loop may be blocked before the
            blocking detector reports it (with ``debug=True``); 0 or None
            turns the detector off.
        loop: The event loop :meth:`execute_from_commandline` runs: an
            event loop object to use as is, or a :mod:`mode.loop` backend
            name (``"asyncio"``, ``"uvloop"``...) to make one of.  None (as
            in the original): the loop the services were given, else this
            thread's current loop, made through the event-loop policy if
            there is none (so ``mode.loop.use("uvloop")`` is honoured).
            See :attr:`loop`.
        daemon: True: run until stopped (by a signal, :meth:`stop` or a
            crash).  False: stop as soon as every service has started.
        shutdown_timeout: Seconds the whole stop may take; then the tasks
            still running are listed with their stacks, cancelled, and the
            process exits with :data:`~mode.worker.EX_SHUTDOWN_TIMEOUT`.
        web_port: Serve the HTTP endpoint (``/healthz``, ``/readyz``,
            ``/status``, ``/metrics`` and the live page ``/``) on this port;
            0 picks a free port (see :attr:`web_url`); None (the default):
            no endpoint.  Needs aiohttp (``pip install mode-worker[web]``).
        web_host: The address the endpoint listens on (default
            ``127.0.0.1``, this machine only: the status shows labels and
            crash messages; use ``0.0.0.0`` for a container's probes).
        web_live_timeout: Seconds the event loop has to answer the
            endpoint before ``/healthz`` and ``/readyz`` say 503 (default
            0.5: under Kubernetes' default probe timeout of 1 s).
        **kwargs: Passed to :class:`~mode.Service` (``beacon=``).

    Raises:
        TypeError: one of ``services`` is not a service, or an on/off
            argument (``debug``, ``quiet``, ``redirect_stdouts``,
            ``override_logging``, ``daemon``) is not a bool.
        ValueError: ``loglevel`` or ``redirect_stdouts_level`` is not a log
            level, ``shutdown_timeout`` is not positive, or
            ``blocking_timeout`` is negative or infinite; ``web_port`` is
            not in 0-65535, ``web_host`` is empty, ``web_live_timeout`` is
            not a positive finite number.
        ImportError: ``web_port`` is given and aiohttp is not installed
            (the message says ``install mode-worker[web]``).

    Logging is configured in :meth:`on_first_start`, and only when
    ``override_logging`` is true **and** the root logger has no handler yet:
    a program (or test runner) that configured logging itself keeps its
    configuration, and no output is redirected.
    """

    #: Symbol path of the blocking detector class (see :attr:`blocking_detector`).
    BLOCK_DETECTOR: ClassVar[str] = BLOCK_DETECTOR

    #: After the stop deadline, seconds the cancelled tasks get to finish
    #: before the process exits without them; also how long, in all, the
    #: threads still alive at exit (non-daemon, or left behind by a
    #: ServiceThread's stop) are waited for.
    cancel_grace: float = 1.0

    #: Seconds closing the event loop may take (``asyncio.Runner.close``:
    #: async generators, the default executor) before the process exits
    #: without waiting.
    close_timeout: float = 5.0

    logger = logger

    services: tuple[ServiceT, ...]

    #: The blocking detector once made (see :attr:`blocking_detector`).
    _blocking_detector: ServiceT | None = None

    #: The HTTP endpoint once started (see :attr:`web_url`).
    _web_server: Any = None

    def __init__(
        self,
        *services: ServiceT,
        debug: bool = False,
        quiet: bool = False,
        logging_config: Mapping[str, Any] | None = None,
        loglevel: Severity | None = None,
        logfile: str | os.PathLike[str] | IO[str] | None = None,
        redirect_stdouts: bool = True,
        redirect_stdouts_level: Severity | None = "WARN",
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
        console_port: int = 50101,
        loghandlers: Iterable[logging.Handler] | None = None,
        blocking_timeout: Seconds | None = 10.0,
        loop: str | asyncio.AbstractEventLoop | None = None,
        override_logging: bool = True,
        daemon: bool = True,
        shutdown_timeout: Seconds = 30.0,
        web_port: int | None = None,
        web_host: str = "127.0.0.1",
        web_live_timeout: Seconds = 0.5,
        **kwargs: Any,
    ) -> None:
        for service in services:
            if isinstance(service, type) and issubclass(service, ServiceT):
                raise TypeError(
                    f"Worker() runs services (mode.Service instances), not the "
                    f"class {service.__name__}: pass {service.__name__}()"
                )
            if not isinstance(service, ServiceT):
                raise TypeError(
                    f"Worker() runs services (mode.Service instances), not "
                    f"{type(service).__name__}: {service!r}"
                )
        check_worker_args(
            logfile=logfile,
            loop=loop,
            console_port=console_port,
            loghandlers=loghandlers,
            logging_config=logging_config,
            stdout=stdout,
            stderr=stderr,
            flags={
                "debug": debug,
                "quiet": quiet,
                "redirect_stdouts": redirect_stdouts,
                "override_logging": override_logging,
                "daemon": daemon,
            },
        )
        self.services = tuple(services)
        self.debug = debug
        self.quiet = quiet
        self.logging_config = logging_config
        self.loglevel = loglevel
        level_number(loglevel)  # fail now on an unknown level name
        self.logfile = logfile
        # A list is kept as given (the original did): handlers added to it
        # before logging is set up are still used.
        self.loghandlers: list[logging.Handler] = (
            loghandlers if isinstance(loghandlers, list) else list(loghandlers or ())
        )
        self.redirect_stdouts = redirect_stdouts
        self.redirect_stdouts_level = level_number(redirect_stdouts_level or "WARN")
        self.override_logging = override_logging
        self.stdout = sys.stdout if stdout is None else stdout
        self.stderr = sys.stderr if stderr is None else stderr
        self.console_port = console_port
        self.blocking_timeout = _timeout_or_off(blocking_timeout, "blocking_timeout")
        self.daemon = daemon
        self.shutdown_timeout = _positive(shutdown_timeout, "shutdown_timeout")
        check_web_args(web_port=web_port, web_host=web_host)
        self.web_port = web_port
        self.web_host = web_host
        self.web_live_timeout = _finite_positive(web_live_timeout, "web_live_timeout")
        self.loop_backend: str | None = None
        event_loop: asyncio.AbstractEventLoop | None = None
        if isinstance(loop, asyncio.AbstractEventLoop):
            event_loop = loop
        else:
            self.loop_backend = loop
        self._signal_stop_future: asyncio.Task[None] | None = None
        self._signal_stop_time: float | None = None
        self._starting_fut: asyncio.Future[None] | None = None
        self._startup_done = False
        self._shutting_down = False
        self._force_stop: asyncio.Event | None = None
        self._stop_requested: asyncio.Event | None = None
        self._signals_installed: list[int] = []
        self._fallbacks: dict[int, Any] = {}
        self._unclean_exit = False
        self._signal_hook_failed = False
        self._child_stop_failed = False
        self._owns_process = False
        super().__init__(loop=event_loop, **kwargs)
        for service in self.services:
            service.beacon.reattach(self.beacon)

    # -- output --------------------------------------------------------------

    def say(self, msg: str) -> None:
        """Print ``msg`` to :attr:`stdout`, unless ``quiet``."""
        self._say(msg)

    def carp(self, msg: str) -> None:
        """Print ``msg`` to :attr:`stderr`, unless ``quiet``."""
        self._say(msg, file=self.stderr)

    def _say(
        self, msg: str, file: IO[str] | None = None, end: str = "\n", **kwargs: Any
    ) -> None:
        """Print ``msg`` to ``file`` (default :attr:`stdout`), unless ``quiet``.

        ``end`` and ``kwargs`` go to :func:`print`; the output is flushed
        unless ``flush=False`` is passed.  :meth:`say` and :meth:`carp` use it.
        """
        if self.quiet:
            return
        kwargs.setdefault("flush", True)
        print(msg, file=self.stdout if file is None else file, end=end, **kwargs)

    # -- start ---------------------------------------------------------------

    def on_init_dependencies(self) -> Iterable[ServiceT]:
        """Return the services to run, and the blocking detector with ``debug``
        (unless ``blocking_timeout`` is 0: off).
        """
        if self._detects_blocking():
            return [self.blocking_detector, *self.services]
        return list(self.services)

    def _detects_blocking(self) -> bool:
        return bool(self.debug and self.blocking_timeout)

    async def on_first_start(self) -> None:
        """Run on the first start, before the services start.

        Calls :meth:`default_on_first_start`; override this and call that
        (not ``super()``) to keep the default steps.
        """
        await self.default_on_first_start()

    async def default_on_first_start(self) -> None:
        """Set up logging, start the HTTP endpoint (``web_port``), run
        :meth:`on_execute`, start the debug console, and install the signal
        handlers, in that order.

        Raises whatever logging set-up, the endpoint (a taken port),
        :meth:`on_execute` or the console raise (the worker then fails to
        start and exits with code 1).
        """
        if self.override_logging:
            self._setup_logging()
        if self.log.logger.isEnabledFor(logging.DEBUG):
            self.log.debug("%s", _runtime_description(asyncio.get_running_loop()))
        if self.web_port is not None:
            await self._start_web()
        self._instrument_metrics()
        await self.on_execute()
        if self.debug:
            if not self.blocking_timeout:
                self.log.info("Blocking detector off (blocking_timeout=0)")
            await self._add_monitor()
        self.install_signal_handlers()

    async def _start_web(self) -> None:
        """Start the HTTP endpoint (``web_port``) in a thread of its own.

        It serves until the worker stops (it is closed after the services,
        so ``/readyz`` says 503 while they stop).  Raises
        :class:`~mode.worker._web.WebServerError` (one line naming
        ``--web-port``) when the port is taken: the start fails.
        """
        from ._web import StatusServer

        assert self.web_port is not None
        server = StatusServer(
            self,
            self.loop,
            host=self.web_host,
            port=self.web_port,
            live_timeout=self.web_live_timeout,
        )
        await self.add_async_context(server)
        self._web_server = server
        self.log.info("Status page on %s", server.url)

    def _instrument_metrics(self) -> None:
        """Report the tree's metrics (:mod:`mode.metrics`), where configured.

        To the endpoint's ``/metrics`` when ``web_port`` is set (a warning
        naming ``pip install mode-worker[web]`` when OpenTelemetry is
        missing: ``/metrics`` then answers 503), and to OpenTelemetry's
        global meter provider when the application set an SDK one before
        the worker started.  Neither: nothing is imported or hooked.  Undone
        when the worker stops.
        """
        from mode import metrics

        inst = metrics.instrument(self)
        if inst.enabled:
            self.add_context(inst)
        if self.web_port is not None:
            try:
                from ._prometheus import instrument
            except ImportError as exc:
                self.log.warning("%s", exc)
            else:
                self.add_context(instrument(self))

    @property
    def web_url(self) -> str | None:
        """``http://host:port/`` of the HTTP endpoint while it serves, else None.

        The port is the one bound, so with ``web_port=0`` this is where to
        find it.
        """
        server = self._web_server
        return None if server is None else cast("str | None", server.url)

    async def on_execute(self) -> None:
        """Hook: runs once, after logging is set up, before any service starts.

        An exception fails the start: it is logged and the process exits 1.
        """

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        """Hook: runs right after the worker configured the root logger.

        ``level`` is the root logger's level after the set-up: ``loglevel``
        as a number, or without ``loglevel`` the level it kept (WARNING by
        default).  Not called when the worker leaves logging alone.  An
        exception fails the start.
        """

    async def on_started(self) -> None:
        """Log ``Ready``, then, with ``daemon=True``, wait until the worker is
        stopped or crashes (so ``start()`` returns only then).

        Every service has started when it runs.  To act then, override it and
        call ``super().on_started()`` last.  (The Worker has no
        ``on_startup_finished``: faust's Worker defines one that faust's App
        calls, so the Worker must not call a method of that name.)
        """
        self.log.info("Ready: %d service(s) started", len(self.services))
        self._startup_done = True
        if self.daemon:
            await self.wait_until_stopped()

    def _setup_logging(self) -> None:
        root = logging.getLogger()
        if root.handlers:
            # Configured by the program itself (or a test runner): keep it.
            self.log.debug("The root logger has handlers: logging left as it is")
            return
        from mode.utils.logging import setup_logging

        try:
            level = setup_logging(
                loglevel=self.loglevel,
                logfile=self.logfile,
                logging_config=self.logging_config,
                loghandlers=self.loghandlers,
            )
        except Exception as exc:
            # Logging may be half-configured: say it on stderr directly (the
            # start then fails and the error is logged with its traceback).
            print(f"CANNOT SETUP LOGGING: {exc!r}", file=self.stderr, flush=True)
            raise
        self.on_setup_root_logger(root, root.level if level is None else level)
        if self.redirect_stdouts:
            self._redirect_stdouts()

    def _redirect_stdouts(self) -> None:
        """Send writes to stdout/stderr to the log until the worker stops."""
        from mode.utils.logging import redirect_stdouts

        self.add_context(redirect_stdouts(severity=self.redirect_stdouts_level))

    async def _add_monitor(self) -> None:
        """Start the aiomonitor console (``debug=True``).

        Without aiomonitor a warning says how to install it and the worker
        runs on without the console (as the original did).  A busy port
        fails the start (:class:`~mode.worker._console.ConsolePortInUseError`).
        """
        from ._console import CONSOLE_HOST, start_console

        try:
            monitor = start_console(
                self.loop, port=self.console_port, locals={"worker": self}, root=self
            )
        except ImportError as exc:
            self.log.warning("Debug console off: %s", exc)  # one line, no traceback
            return
        self.add_context(monitor)
        self.log.info(
            "Debug console on telnet://%s:%d (web UI on port %d)",
            CONSOLE_HOST,
            self.console_port,
            self.console_port + 1,
        )

    @property
    def blocking_detector(self) -> ServiceT:
        """The blocking detector (``BLOCK_DETECTOR``), created on first use.

        A detector started outside the worker's tree (``maybe_start()``, as
        faust's Worker does) is stopped with the worker too.

        Raises:
            ValueError: ``blocking_timeout`` is 0 (the detector is off).
        """
        detector = self._blocking_detector
        if detector is None:
            detector = symbol_by_name(self.BLOCK_DETECTOR)(
                self.blocking_timeout, beacon=self.beacon
            )
            self._blocking_detector = detector
        return cast(ServiceT, detector)

    async def maybe_start_blockdetection(self) -> None:
        """Start the blocking detector now if ``debug`` (and not started yet),
        unless ``blocking_timeout`` is 0 (off).
        """
        if self._detects_blocking():
            await self.add_runtime_dependency(self.blocking_detector)

    # -- signals -------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        """Handle SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 on the loop.

        Each signal runs its hook, as in the original: :meth:`_on_sigint`,
        :meth:`_on_sigterm`, :meth:`_on_sighup` (new; not when the process
        was started ignoring SIGHUP, as under ``nohup``: it stays ignored),
        :meth:`_on_sigusr1`, :meth:`_on_sigusr2`.  Override a hook and call
        ``super()`` to add to it; an exception in a hook is logged with its
        traceback and makes the exit code 1 (a SIGINT/SIGTERM/SIGHUP still
        starts the stop).  Where the loop cannot handle signals, SIGINT,
        SIGTERM and SIGHUP fall back to :func:`signal.signal` (Windows:
        SIGINT and SIGTERM); where that fails too (a loop outside the main
        thread) they are left alone.  It never raises.  Idempotent.  Calls
        :meth:`_install_signal_handlers_unix` (or ``_windows``).
        """
        if self._signals_installed or self._fallbacks:
            return
        if sys.platform == "win32":  # pragma: no cover - tested on POSIX only
            self._install_signal_handlers_windows()
        else:
            self._install_signal_handlers_unix()

    def _install_signal_handlers_unix(self) -> None:
        """Route SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 to their hooks."""
        self._install_handlers(_HANDLED_SIGNALS)

    def _install_signal_handlers_windows(self) -> None:
        """Route SIGINT and SIGTERM to their hooks (through signal.signal,
        Windows loops cannot handle signals).
        """
        self._install_handlers(_STOP_SIGNALS)

    def _install_handlers(self, names: Iterable[str]) -> None:
        loop = self.loop
        for name in names:
            signum = getattr(signal, name, None)
            if signum is None:  # pragma: no cover - Windows has no SIGUSR1
                continue
            if name == "SIGHUP" and _ignored(signum):
                # Started under nohup (or told to ignore it): keep ignoring.
                continue
            if self._add_signal_handler(loop, signum, self._on_signal, signum):
                self._signals_installed.append(signum)
            elif name in _GRACEFUL_SIGNALS:
                self._signal_fallback(loop, signum)

    def _add_signal_handler(
        self,
        loop: asyncio.AbstractEventLoop,
        signum: int,
        callback: Callable[[int], None],
        arg: int,
    ) -> bool:
        try:
            loop.add_signal_handler(signum, callback, arg)
        except (NotImplementedError, RuntimeError, ValueError, OSError) as exc:
            self.log.debug("Cannot handle %s here: %r", _signal_name(signum), exc)
            return False
        return True

    def _signal_fallback(self, loop: asyncio.AbstractEventLoop, signum: int) -> None:
        def _handler(received: int, frame: Any) -> None:
            loop.call_soon_threadsafe(self._on_signal, received)

        try:
            self._fallbacks[signum] = signal.signal(signum, _handler)
        except (ValueError, OSError) as exc:  # pragma: no cover - not main thread
            self.log.debug("Cannot handle %s at all: %r", _signal_name(signum), exc)

    def _remove_signal_handlers(
        self, loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        installed, self._signals_installed = self._signals_installed, []
        for signum in installed:
            try:
                (loop or self.loop).remove_signal_handler(signum)
            except (NotImplementedError, RuntimeError, ValueError, OSError):
                pass  # pragma: no cover - the loop is closing
        fallbacks, self._fallbacks = self._fallbacks, {}
        for signum, previous in fallbacks.items():
            try:
                signal.signal(signum, previous)
            except (TypeError, ValueError, OSError):  # pragma: no cover
                pass  # not main thread, or a handler not set from Python

    def _on_signal(self, signum: int) -> None:
        """Run the hook of ``signum`` (``_on_sigint``...), looked up now, so
        an override (or an instance attribute) is what runs.
        """
        name = _signal_name(signum)
        hook_name = f"_on_{name.lower()}"
        try:
            getattr(self, hook_name)()
        except Exception as exc:
            self._signal_hook_failed = True
            self._report(
                logging.ERROR,
                "Error in the %s handler %s: %r",
                name,
                hook_name,
                exc,
                exc=exc,
            )
            if name in _GRACEFUL_SIGNALS:
                self._schedule_shutdown(signum)  # a stop signal always stops

    def _on_sigint(self) -> None:
        """SIGINT hook: say ``-INT-`` on :attr:`stderr` and start the graceful
        stop; during the stop, force it (the process then exits 130).
        """
        self.carp("-INT- -INT- -INT- -INT- -INT- -INT-")
        if not self._shutting_down:
            self._schedule_shutdown(signal.SIGINT)
        elif self._force_stop is not None and not self._force_stop.is_set():
            self.log.warning("SIGINT during the shutdown: forcing it")
            self._force_stop.set()
        else:
            self.log.info("Signal SIGINT ignored: already shutting down")

    def _on_sigterm(self) -> None:
        """SIGTERM hook: start the graceful stop (once; later ones are logged)."""
        if not self._shutting_down:
            self._schedule_shutdown(signal.SIGTERM)
        else:
            self.log.info("Signal SIGTERM ignored: already shutting down")

    def _on_sighup(self) -> None:
        """SIGHUP hook: start the graceful stop, as SIGTERM does (once).

        The terminal went away (or a supervisor asks for a stop): the
        services get their ``on_stop``.  The original did not handle it, so
        SIGHUP killed the process at once.  Override it (reload a
        configuration, say) and call ``super()`` to keep the stop.
        """
        if not self._shutting_down:
            self._schedule_shutdown(signal.SIGHUP)
        else:
            self.log.info("Signal SIGHUP ignored: already shutting down")

    def _on_sigusr1(self) -> None:
        """SIGUSR1 hook: write every thread's and task's stack (:meth:`_cry`)."""
        self.add_future(self._cry())

    def _on_sigusr2(self) -> None:
        """SIGUSR2 hook: :meth:`_enter_debugger`."""
        self._enter_debugger()

    async def _cry(self) -> None:
        """Write the stack and locals of every thread, and the stack of every
        task, to :attr:`stderr` (:func:`mode.utils.logging.cry`).
        """
        from mode.utils.logging import cry

        try:
            cry(file=self.stderr)
            self.stderr.flush()
        except Exception as exc:  # pragma: no cover - a broken stderr
            self.log.error("Cannot write the SIGUSR1 report: %r", exc, exc_info=exc)

    def _enter_debugger(self) -> None:
        """Open pdb on the terminal, in the event loop (which waits meanwhile).

        Only when stdin is a terminal: otherwise nobody could answer pdb,
        so a warning is logged and the worker goes on.  pdb talks to the
        process's real stdin/stdout (not the redirected ones).
        """
        stdin, stdout = sys.__stdin__, sys.__stdout__
        try:
            interactive = stdin is not None and stdout is not None and stdin.isatty()
        except ValueError:  # pragma: no cover - a closed stdin
            interactive = False
        if not interactive:
            self.log.warning(
                "SIGUSR2: stdin is not a terminal, so the debugger (pdb) "
                "cannot start; ignored"
            )
            return
        self.carp("Starting debugger...")
        import pdb

        pdb.Pdb(stdin=stdin, stdout=stdout).set_trace()

    def _schedule_shutdown(self, signum: int) -> None:
        """Start the graceful stop for signal ``signum`` (only the first time).

        The stop runs in :meth:`_stop_on_signal`, a task kept in
        ``_signal_stop_future``.
        """
        if self._shutting_down:
            return
        self._shutting_down = True
        loop = self.loop
        self._signal_stop_time = loop.time()
        if self._stop_requested is not None:
            self._stop_requested.set()
        self.log.info("Signal received: %s (%d)", _signal_name(signum), signum)
        # asyncio.ensure_future, as the original: faust's tests patch it.
        stopping = asyncio.ensure_future(self._stop_on_signal(signum), loop=loop)
        stopping.set_name(f"{self.label}._stop_on_signal")
        self._signal_stop_future = stopping

    async def _stop_on_signal(self, signum: int | None = None) -> None:
        """Stop the worker after signal ``signum``; a start still running is
        cancelled first.
        """
        starting = self._starting_fut
        try:
            if starting is not None and not starting.done() and not self._startup_done:
                # A signal during start-up: end the start first, so that no
                # service's on_stop runs while its on_start still runs (a
                # start ignoring the cancellation gets cancel_grace).
                starting.cancel()
                await asyncio.wait([starting], timeout=self.cancel_grace)
                if not starting.done():
                    self.log.error(
                        "The start ignores cancellation: stopping without it"
                    )
            await self.stop()
        finally:
            maybe_cancel(starting)

    async def _stop_children(self) -> None:
        """Stop the services, last started first.

        As for any service, one whose stop raises (its ``on_stop``,
        ``on_shutdown`` or a context exit) is logged with its traceback and
        the others still stop; here it also makes the exit code 1: the
        process did not end cleanly.  So does a stop error further down the
        tree (a child of a child, a service of a ServiceThread), which the
        service above it logged and recorded.
        """
        for child in reversed(list(self._children)):
            try:
                await child.stop()
            except Exception as exc:
                self._child_stop_failed = True
                self.log.exception("Error while stopping child %r: %r", child, exc)
            else:
                if getattr(child, "_stop_failed", False) is True:
                    self._child_stop_failed = True  # logged where it failed

    async def on_shutdown(self) -> None:
        """Stop a blocking detector started outside the worker's tree; remove
        the signal handlers, unless the worker runs the process
        (:meth:`execute_from_commandline` keeps them until the loop closes, so
        a late signal still reaches the worker).
        """
        detector = self._blocking_detector
        if detector is not None and detector.started and not detector.should_stop:
            await detector.stop()
        if not self._owns_process:
            self._remove_signal_handlers()

    # -- running as a process ------------------------------------------------

    def execute_from_commandline(self) -> NoReturn:
        """Run the worker in this process until it stops, then exit.

        Never returns: ends with :func:`sys.exit` and the exit code
        (:mod:`mode.worker` lists them: 0 on a normal end or signal stop, 1
        when a service raised (starting or stopping) or crashed, 71 on
        MemoryError, 75 when the stop overran ``shutdown_timeout`` or left
        threads or tasks running, 130 when a second SIGINT forced it).  Runs
        :attr:`loop` (with :class:`asyncio.Runner`) and closes it at the end;
        from then on the signals it handled are ignored.  A startup error is
        logged once, with its traceback, at error level.

        Raises:
            RuntimeError: before anything runs, when the services hold
                different event loops (see :attr:`loop`).
        """
        code = self._execute()
        sys.exit(code)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop of the worker: the one it runs.

        While a loop runs in this thread, or once one was given or made, it
        is that loop, as for any service.  Read before any loop runs (which
        is what :meth:`execute_from_commandline` does) it is, in order:

        1. the loop the worker and its services were given: ``loop=`` of
           the worker, of the services passed in and of their children so
           far (of a :class:`~mode.threads.ServiceThread`, its parent loop).
           They must all be the same, open loop;
        2. else, with ``Worker(loop="name")``, a new loop of that
           :mod:`mode.loop` backend, made on the first read and kept;
        3. else this thread's current loop, created through the event-loop
           policy if there is none (:func:`mode.utils.loops.get_event_loop`):
           the loop every service read before running got, and a uvloop
           loop after ``mode.loop.use("uvloop")``, as in the original.

        Raises:
            RuntimeError: the services hold different loops (one process
                runs one loop), a closed one, or (with a backend name) a loop
                of another backend.
        """
        if _get_running_loop() is not None:
            return super().loop
        held = self._loop_held()
        if held is not None:
            return held
        if self.loop_backend is not None:
            from mode.loop import factory

            self._loop = factory(self.loop_backend)()
            return self._loop
        return super().loop

    @loop.setter
    def loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self._loop = loop

    def _loop_held(self) -> asyncio.AbstractEventLoop | None:
        """The one loop the worker and its services were given, checked."""
        holders: dict[int, list[ServiceT]] = {}
        loops: dict[int, asyncio.AbstractEventLoop] = {}
        for service, loop in _loops_given(self):
            loops.setdefault(id(loop), loop)
            holders.setdefault(id(loop), []).append(service)
        if not loops:
            return None
        if len(loops) > 1:
            claims = "; ".join(
                f"{', '.join(map(repr, holders[key]))} hold {loops[key]!r}"
                for key in loops
            )
            raise RuntimeError(
                f"{self!r}: the services were given different event loops, but "
                f"one process runs one loop: {claims}.  Give them all the same "
                "loop (mode.utils.loops.get_event_loop()), or none: they then "
                "use the loop the worker runs."
            )
        (loop,) = loops.values()
        given: object = loop  # typed as a loop, but tests may give mocks
        if not isinstance(given, asyncio.AbstractEventLoop):
            return loop  # a stand-in: taken as it is
        if loop.is_closed():
            raise RuntimeError(
                f"{self!r}: {holders[id(loop)][0]!r} was given loop={loop!r}, "
                "which is closed: give it an open loop (or none)."
            )
        if self.loop_backend is not None and loop is not self._loop:
            self._check_backend(loop, holders[id(loop)][0])
        return loop

    def _check_backend(self, loop: asyncio.AbstractEventLoop, holder: ServiceT) -> None:
        from mode.loop import factory

        probe = factory(self.loop_backend or "asyncio")()
        try:
            expected = type(probe)
        finally:
            probe.close()
        if not isinstance(loop, expected):
            raise RuntimeError(
                f"{self!r}: Worker(loop={self.loop_backend!r}), but {holder!r} was "
                f"given {loop!r}, not a {self.loop_backend!r} loop: give the "
                "worker that loop (Worker(loop=loop)), or call "
                f"mode.loop.use({self.loop_backend!r}) before the loop is made."
            )

    def _loop_factory(self) -> Callable[[], asyncio.AbstractEventLoop]:
        loop = self.loop
        return lambda: loop

    def _execute(self) -> int:
        runner = asyncio.Runner(loop_factory=self._loop_factory())
        try:
            code = runner.run(self._main())
        except KeyboardInterrupt:
            # A second Ctrl-C where no SIGINT handler could be installed.
            code = EX_INTERRUPTED
            self._unclean_exit = True
        except MemoryError:
            print("Out of memory!", file=self.stderr, flush=True)
            code = EX_OSERR
            self._unclean_exit = True
        except SystemExit as exc:  # raised straight out of the loop by a task
            code = exit_code_of(exc)
        if self._unclean_exit:
            self._exit_now(code)
        self._ignore_late_signals(runner.get_loop())
        self._bounded(runner.close, code, "closing the event loop")
        self._join_threads(code)
        return code

    def _ignore_late_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        """Ignore every signal the worker handled from now on: the stop is over.

        Closing the loop would put back the default handlers, and a signal
        landing while the process exits would then kill it (SIGTERM, SIGHUP,
        SIGUSR1 and SIGUSR2 all terminate by default) or raise
        KeyboardInterrupt (SIGINT), losing the exit code.  SIGINT is ignored
        too: what is left of the exit is bounded (``cancel_grace``,
        ``close_timeout``), so no Ctrl-C is needed to end it.  The signals are
        blocked while the handlers change, so none slips through in between.
        """
        signums = [
            signum
            for signum in (getattr(signal, name, None) for name in _HANDLED_SIGNALS)
            if signum is not None
        ]
        mask = getattr(signal, "pthread_sigmask", None)
        try:
            blocked = mask(signal.SIG_BLOCK, signums) if mask is not None else None
            try:
                self._remove_signal_handlers(loop)
                for signum in signums:
                    signal.signal(signum, signal.SIG_IGN)
            finally:
                if mask is not None and blocked is not None:
                    mask(signal.SIG_SETMASK, blocked)
        except (ValueError, OSError) as exc:  # pragma: no cover - not main thread
            self.log.debug("Cannot ignore late signals: %r", exc)

    def _bounded(self, fun: Callable[[], Any], code: int, what: str) -> None:
        watchdog = threading.Timer(
            self.close_timeout, self._watchdog_fired, args=(code, what)
        )
        watchdog.name = f"mode.worker watchdog ({what})"
        watchdog.daemon = True
        watchdog.start()
        try:
            fun()
        finally:
            watchdog.cancel()
            # Joined, so that no thread of ours outlives the Worker (test
            # suites that check for left-over threads, faust's among them).
            watchdog.join(self.close_timeout)

    def _watchdog_fired(self, code: int, what: str) -> None:  # pragma: no cover
        # Only runs when closing the loop hangs; the process then ends with
        # os._exit, which also loses coverage data.
        self._report(
            logging.ERROR, "Stuck while %s: exiting without waiting any longer", what
        )
        self._exit_now(code)

    def _join_threads(self, code: int) -> None:
        """Wait (``cancel_grace`` in all) for the threads that would keep the
        process, or that a stop left behind; exit without them if they stay.

        Those are the non-daemon threads (the main thread aside), and the
        threads of ServiceThreads whose stop returned without them
        (:func:`mode.threads.threads_left_running`, daemon or not).  Any of
        them still alive means the stop was not clean: the exit code is then
        :data:`~mode.worker.EX_SHUTDOWN_TIMEOUT` (75), unless the run had
        failed already (that code is kept).
        """
        me = threading.current_thread()
        keeping = [t for t in threading.enumerate() if not t.daemon and t is not me]
        # An ordered set: a thread may be in both lists.
        waited = dict.fromkeys([*keeping, *_threads_left_by_stops()])
        deadline = time.monotonic() + self.cancel_grace
        for thread in waited:
            thread.join(max(0.0, deadline - time.monotonic()))
        stuck = [thread.name for thread in waited if thread.is_alive()]
        if stuck:
            # The stop left them behind: not a clean end, whatever came before.
            code = code or EX_SHUTDOWN_TIMEOUT
            self._report(
                logging.ERROR,
                "Threads still running at exit: %s; exiting without them "
                "(exit code %d)",
                ", ".join(stuck),
                code,
            )
            self._exit_now(code)

    def _exit_now(self, code: int) -> NoReturn:  # pragma: no cover
        """End the process at once (stuck tasks or threads would block exit).

        Tested (test_shutdown_deadline), but a process ending with os._exit
        writes no coverage data.
        """
        logging.shutdown()
        for stream in (self.stdout, self.stderr, sys.__stdout__, sys.__stderr__):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):  # pragma: no cover - closed stream
                pass
        os._exit(code)

    async def _main(self) -> int:
        self._force_stop = asyncio.Event()
        self._stop_requested = asyncio.Event()
        self._owns_process = True
        loop = asyncio.get_running_loop()
        main_task = asyncio.current_task()
        if main_task is not None:  # "Task-1" in aiomonitor's ps says nothing
            main_task.set_name(f"{self.label}.main")
        code = EX_OK
        self._starting_fut = starting = loop.create_task(
            self.start(), name=f"{self.label}.start"
        )
        try:
            await self._start_ended(starting)
            if starting.done():
                await starting
        except asyncio.CancelledError:
            pass  # the signal stop cancelled the start: a normal end
        except MemoryError:
            print("Out of memory!", file=self.stderr, flush=True)
            code = EX_OSERR
        except Exception as exc:
            if isinstance(exc, ModeError) and isinstance(exc, OSError):
                # A port taken (ConsolePortInUseError, WebServerError): the
                # message names the fix; a traceback of mode's own start-up
                # code would only bury it.
                self._report(logging.ERROR, "Error: %s", exc.strerror or exc)
            else:
                self._report(logging.ERROR, "Error: %r", exc, exc=exc)
            code = EX_FAILURE
        finally:
            maybe_cancel(starting)
        try:
            self.on_worker_shutdown()
        except Exception as exc:
            self._report(logging.ERROR, "Error in on_worker_shutdown: %r", exc, exc=exc)
            code = code or EX_FAILURE
        stop_code = await self._bounded_stop()
        crash = self.crash_reason
        if crash is not None and code == EX_OK:
            # The traceback was logged when the service crashed.
            self._report(logging.CRITICAL, "Stopped after a crash: %r", crash)
            code = exit_code_of(crash)
        if self._signal_hook_failed:
            code = code or EX_FAILURE  # logged when the hook raised
        code = code or stop_code
        if code == EX_OK:
            self.log.info("Stopped")  # the last line of a clean run
        return code

    async def _start_ended(self, starting: asyncio.Task[None]) -> None:
        """Wait until the start ends; once a signal began the stop, only
        until the stop ends, its deadline passes or a SIGINT forces it.

        A start that ignores the cancellation then does not keep the
        process: :meth:`_bounded_stop` reports it and exits without it.
        """
        requested, force = self._stop_requested, self._force_stop
        assert requested is not None
        assert force is not None
        loop = asyncio.get_running_loop()
        on_request = loop.create_task(
            requested.wait(), name=f"{self.label}.wait_stop_request"
        )
        on_force = loop.create_task(force.wait(), name=f"{self.label}.wait_force")
        try:
            await asyncio.wait(
                [starting, on_request], return_when=asyncio.FIRST_COMPLETED
            )
            began, stop_task = self._signal_stop_time, self._signal_stop_future
            if not starting.done() and began is not None and stop_task is not None:
                remaining = began + self.shutdown_timeout - loop.time()
                await asyncio.wait(
                    [starting, on_force, stop_task],
                    timeout=max(remaining, 0.0),
                    return_when=asyncio.FIRST_COMPLETED,
                )
        finally:
            on_request.cancel()
            on_force.cancel()
            await asyncio.wait([on_request, on_force])

    def on_worker_shutdown(self) -> None:
        """Hook (sync): runs when the worker's start has ended, before it stops.

        Runs on every way out (stop signal, crash, start error).  An
        exception is logged and makes the exit code 1; the stop still runs.
        """

    def stop_and_shutdown(self) -> None:
        """Stop the worker, then close its event loop: for a loop run by hand.

        For a worker started with ``loop.run_until_complete(worker.start())``
        (the original's way): runs the loop until the stop ends (the one a
        signal began, if any), at most ``shutdown_timeout``; the tasks still
        running then are logged with their stacks.  Then
        :meth:`_shutdown_loop`.  :meth:`execute_from_commandline` does not
        call it: it stops the worker inside the loop, with the same deadline.

        Raises:
            RuntimeError: the loop is running (in a coroutine, use
                ``await worker.stop()``).
            BaseException: the crash that stopped the worker, if any, once
                the loop is closed.
        """
        loop = self.loop
        if loop.is_running():
            raise RuntimeError(
                "stop_and_shutdown() runs the event loop itself; from a "
                "coroutine use `await worker.stop()`"
            )
        try:
            stopping = self._signal_stop_future
            if stopping is None:
                stopping = loop.create_task(self.stop(), name=f"{self.label}.stop")
            done, _ = loop.run_until_complete(
                asyncio.wait([stopping], timeout=self.shutdown_timeout)
            )
            if not done:
                self._report(
                    logging.ERROR,
                    "Shutdown did not finish within shutdown_timeout=%r s: "
                    "cancelling the remaining tasks",
                    self.shutdown_timeout,
                )
                loop.run_until_complete(self._cancel_leftovers(report=True))
            elif not stopping.cancelled() and stopping.exception() is not None:
                exc = stopping.exception()
                self._report(logging.ERROR, "Error while stopping: %r", exc, exc=exc)
        finally:
            self._shutdown_loop()

    def _shutdown_loop(self) -> None:
        """Close the worker's event loop, which must not be running.

        Cancels the tasks still running (each gets ``cancel_grace``), closes
        async generators and the default executor (at most
        ``close_timeout``), closes the loop, then re-raises the crash that
        stopped the worker, if any (as the original did).
        """
        loop = self.loop
        try:
            loop.run_until_complete(self._cancel_leftovers(report=False))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(
                asyncio.wait_for(loop.shutdown_default_executor(), self.close_timeout)
            )
        except TimeoutError:  # pragma: no cover - a thread of the executor hangs
            self._report(
                logging.ERROR, "The default executor did not shut down: closing anyway"
            )
        finally:
            loop.close()
        crash = self.crash_reason
        if crash is not None:
            self._report(logging.CRITICAL, "Stopped after a crash: %r", crash)
            raise crash

    async def _bounded_stop(self) -> int:
        """Stop the worker within ``shutdown_timeout``; return an exit code."""
        loop = asyncio.get_running_loop()
        self._shutting_down = True
        began = self._signal_stop_time
        if began is None:
            began = loop.time()
        stop_task = self._signal_stop_future
        if stop_task is None:
            stop_task = loop.create_task(self.stop(), name=f"{self.label}.stop")
        force = self._force_stop
        assert force is not None
        force_wait = loop.create_task(force.wait(), name=f"{self.label}.wait_force")
        remaining = began + self.shutdown_timeout - loop.time()
        try:
            await asyncio.wait(
                [stop_task, force_wait],
                timeout=max(remaining, 0.0),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            force_wait.cancel()
            await asyncio.wait([force_wait])  # gone before stuck tasks are listed
        if stop_task.done():
            code = EX_FAILURE if self._child_stop_failed else EX_OK
            if not stop_task.cancelled():
                exc = stop_task.exception()
                if exc is not None:
                    self._report(
                        logging.ERROR, "Error while stopping: %r", exc, exc=exc
                    )
                    code = exit_code_of(exc)
            return await self._end_leftovers(code)
        if force.is_set():
            self._report(
                logging.ERROR,
                "Shutdown forced by SIGINT: cancelling the remaining tasks",
            )
            code = EX_INTERRUPTED
        else:
            self._report(
                logging.ERROR,
                "Shutdown did not finish within shutdown_timeout=%r s: "
                "cancelling the remaining tasks",
                self.shutdown_timeout,
            )
            code = EX_SHUTDOWN_TIMEOUT
        await self._cancel_leftovers(report=True)
        return code

    async def _end_leftovers(self, code: int) -> int:
        """After a complete stop: end the tasks still running; return the code.

        Those a service's stop went on without
        (:func:`mode.services.tasks_left_running`: logged then, with their
        stack) and any other task of the loop are cancelled and given
        ``cancel_grace``.  If the stop left tasks behind, or a task ignores
        this cancellation too, the stop was not clean: they are named in one
        line and ``code`` becomes :data:`~mode.worker.EX_SHUTDOWN_TIMEOUT`,
        unless the run had failed already (that code is kept).
        """
        loop = asyncio.get_running_loop()
        left = [t for t in _tasks_left_by_stops() if t.get_loop() is loop]
        lingering = await self._cancel_leftovers(report=False, reported=left)
        behind = dict.fromkeys([*left, *lingering])
        if behind:
            code = code or EX_SHUTDOWN_TIMEOUT
            self._report(
                logging.ERROR,
                "Tasks left running by the stop: %s (exit code %d)",
                ", ".join(_task_name(t) for t in behind),
                code,
            )
        return code

    async def _cancel_leftovers(
        self,
        *,
        report: bool,
        reported: Iterable[asyncio.Future[Any]] = (),
    ) -> list[asyncio.Task[Any]]:
        """Cancel every other task of the loop; wait ``cancel_grace`` for them.

        With ``report`` each is first logged with the stack it is stuck in.
        Tasks that outlive the grace period are logged (with their stack,
        unless it was logged already: with ``report``, or for the tasks in
        ``reported``), and the process will exit without closing the loop.
        Returns those tasks.
        """
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
        if not tasks:
            return []
        for task in tasks:
            if report:
                self._report(
                    logging.ERROR,
                    "Stuck task %s at:\n%s",
                    task.get_name(),
                    _stack_of(task),
                )
            task.cancel()
        _, pending = await asyncio.wait(tasks, timeout=self.cancel_grace)
        shown = set(reported)
        for task in pending:
            self._unclean_exit = True
            if report or task in shown:
                self._report(
                    logging.ERROR,
                    "Task %s ignores cancellation; exiting without it",
                    task.get_name(),
                )
            else:
                self._report(
                    logging.ERROR,
                    "Task %s ignores cancellation; exiting without it. It is at:\n%s",
                    task.get_name(),
                    _stack_of(task),
                )
        return [t for t in tasks if t in pending]

    def _report(
        self, level: int, msg: str, *args: Any, exc: BaseException | None = None
    ) -> None:
        """Log an outcome of the run, or, when no handler is on the worker
        logger's way to the root (logging left unconfigured), print it on
        :attr:`stderr` instead (Python's last-resort handler would print it
        on ``sys.stderr``, which may not be the worker's).
        """
        if self.logger.hasHandlers():
            self.log.log(level, msg, *args, exc_info=exc)
            return
        print(msg % args, file=self.stderr, flush=True)
        if exc is not None:
            traceback.print_exception(exc, file=self.stderr)

    def _repr_info(self) -> str:
        return repr(list(self.services))


#: Loop backends whose loop class lives in a module of another name.
_BACKEND_OF_MODULE: dict[str, str] = {"asyncio_gevent": "gevent"}


def _runtime_description(loop: asyncio.AbstractEventLoop) -> str:
    """``"Event loop: uvloop 0.21.0 (uvloop.Loop); Python 3.12.3 (CPython)"``."""
    import platform  # lazy: only debug runs need it

    cls = type(loop)
    top = cls.__module__.partition(".")[0]
    backend = _BACKEND_OF_MODULE.get(top, top)
    version = getattr(sys.modules.get(top), "__version__", None)
    named = f"{backend} {version}" if isinstance(version, str) else backend
    return (
        f"Event loop: {named} ({cls.__module__}.{cls.__qualname__}); "
        f"Python {platform.python_version()} ({platform.python_implementation()})"
    )


def _loops_given(
    worker: Worker,
) -> Iterator[tuple[ServiceT, asyncio.AbstractEventLoop]]:
    """Yield ``(service, loop)`` for each loop given to the worker's tree.

    The worker, its services and their children so far; a ServiceThread
    counts with its parent loop (its own thread runs its thread loop), and
    its children, which run in its thread, are not visited.
    """
    from mode.threads import ServiceThread

    seen: set[int] = set()
    todo: list[ServiceT] = [worker, *worker.services]
    while todo:
        service = todo.pop(0)
        if id(service) in seen:
            continue
        seen.add(id(service))
        loop: asyncio.AbstractEventLoop | None
        if isinstance(service, ServiceThread):
            try:
                loop = service.parent_loop
            except RuntimeError:  # none given, never started
                loop = None
        else:
            loop = getattr(service, "_loop", None)
            todo.extend(getattr(service, "_children", ()))
        if loop is not None:
            yield service, loop


def _ignored(signum: int) -> bool:
    """True if ``signum`` is ignored now (``SIG_IGN``), as nohup leaves SIGHUP."""
    try:
        return signal.getsignal(signum) == signal.SIG_IGN
    except (ValueError, OSError):  # pragma: no cover - not a valid signal here
        return False


def _threads_left_by_stops() -> list[threading.Thread]:
    """The threads ServiceThread stops returned without (still alive).

    :func:`mode.threads.threads_left_running`; an empty list for a
    mode-service that does not record them.
    """
    from mode import threads

    left = getattr(threads, "threads_left_running", None)
    return list(left()) if callable(left) else []


def _tasks_left_by_stops() -> list[asyncio.Future[Any]]:
    """The tasks service stops went on without, still running.

    :func:`mode.services.tasks_left_running`; an empty list for a
    mode-service that does not record them.
    """
    from mode import services

    left = getattr(services, "tasks_left_running", None)
    return list(left()) if callable(left) else []


def _task_name(task: asyncio.Future[Any]) -> str:
    return task.get_name() if isinstance(task, asyncio.Task) else repr(task)


def _stack_of(task: asyncio.Task[Any]) -> str:
    try:
        return format_task_stack(task)
    except Exception as exc:  # pragma: no cover - diagnostics must not fail
        return f"<stack unavailable: {exc!r}>"


def _finite_positive(value: Seconds, what: str) -> float:
    try:
        if value is None:
            raise TypeError(what)
        secs = want_seconds(value)
    except TypeError:
        raise TypeError(
            f"Worker {what} must be a number of seconds, not {type(value).__name__}"
        ) from None
    if not (secs > 0 and math.isfinite(secs)):
        raise ValueError(
            f"Worker {what} must be a positive number of seconds, got {value!r}"
        )
    return float(secs)


def _positive(value: Seconds, what: str) -> float:
    if value is None:
        raise TypeError(f"Worker {what} must be > 0 seconds, not None")
    secs = want_seconds(value)
    if not secs > 0:
        raise ValueError(f"Worker {what} must be > 0 seconds, got {value!r}")
    return float(secs)


def _timeout_or_off(value: Seconds | None, what: str) -> float:
    """``value`` in seconds, 0.0 for 0 or None (off); refuse < 0, NaN, inf."""
    if value is None:
        return 0.0
    try:
        secs = want_seconds(value)
    except TypeError:
        raise TypeError(
            f"Worker {what} must be a number of seconds (0 or None: off), "
            f"not {type(value).__name__}"
        ) from None
    if not (secs >= 0 and math.isfinite(secs)):
        raise ValueError(
            f"Worker {what} must be >= 0 seconds (0 or None: off), got {value!r}"
        )
    return float(secs)
