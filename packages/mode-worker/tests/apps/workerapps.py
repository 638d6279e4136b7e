"""Services and worker scenarios run in subprocesses by the mode-worker tests.

``python -m mode.worker run workerapps:ticker`` runs one of the services
below; ``python workerapps.py SCENARIO [JSON]`` runs a Worker scenario, the
JSON object giving extra Worker keyword arguments.  Every service logs
``APP-READY`` (warning level, so it shows whatever logging set-up) once it
has started: the tests wait for that line before sending signals.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from mode import Service, ServiceT
from mode.threads import ServiceThread
from mode.worker import Worker

log = logging.getLogger("workerapps")


class Ticker(Service):
    """Runs a timer until stopped."""

    async def on_started(self) -> None:
        log.warning("APP-READY")

    @Service.timer(0.05)
    async def _tick(self) -> None:
        pass


class Printer(Ticker):
    """Prints a line to stdout when started."""

    async def on_started(self) -> None:
        print("PRINTED-LINE")
        log.info("INFO-LINE", extra={"data": {"answer": 42}})
        await super().on_started()


class Crasher(Service):
    """A background task raises once the service has started."""

    @Service.task
    async def _boom(self) -> None:
        log.warning("APP-READY")
        await asyncio.sleep(0)
        raise RuntimeError("task exploded")


class ExitsWith3(Service):
    """A background task raises SystemExit(3)."""

    @Service.task
    async def _exit(self) -> None:
        await asyncio.sleep(0)
        raise SystemExit(3)


class StartFails(Service):
    """on_start raises KeyError('boom')."""

    async def on_start(self) -> None:
        raise KeyError("boom")


class OutOfMemory(Service):
    """on_start raises MemoryError."""

    async def on_start(self) -> None:
        raise MemoryError()


class StuckStop(Ticker):
    """on_stop waits for an event nobody sets (cancellable)."""

    async def on_stop(self) -> None:
        log.warning("STOP-STUCK")
        await asyncio.Event().wait()


class Stubborn(Ticker):
    """on_stop ignores cancellation: the process must exit without it."""

    async def on_stop(self) -> None:
        log.warning("STOP-STUCK")
        for _ in range(1000):
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                pass


class Blocker(Service):
    """Blocks the event loop (time.sleep) once started."""

    @Service.task
    async def _block(self) -> None:
        log.warning("APP-READY")
        await asyncio.sleep(0.05)
        time.sleep(5)


class SlowStart(Service):
    """on_start never finishes by itself."""

    async def on_start(self) -> None:
        log.warning("APP-READY")
        await asyncio.Event().wait()


class StartExits(Service):
    """on_start raises SystemExit(5): asyncio lets it out of the loop."""

    async def on_start(self) -> None:
        raise SystemExit(5)


class Lingering(Ticker):
    """Starts a non-daemon thread that never ends."""

    async def on_start(self) -> None:
        self.forever = threading.Event()
        threading.Thread(target=self.forever.wait, name="lingering").start()


class StopFails(Ticker):
    """on_stop raises (the worker's stop goes on)."""

    async def on_stop(self) -> None:
        raise ValueError("service stop failed")


class StuckThread(ServiceThread):
    """Its thread blocks in a call (os.read) when it stops: the stop returns
    after ``thread_join_timeout`` and leaves the (daemon) thread behind.
    """

    def __init__(self) -> None:
        super().__init__(thread_join_timeout=0.2)
        self.shutdown_timeout = 0.2
        self._read_end, self._write_end = os.pipe()

    async def on_started(self) -> None:
        log.warning("APP-READY")

    async def on_thread_stop(self) -> None:
        log.warning("THREAD-STUCK")
        os.read(self._read_end, 1)


class Secretive(Service):
    """A task and a thread whose locals hold secrets, for the SIGUSR1 report.

    The thread waits in ``os.read`` (C code), so its innermost frame, the one
    the report shows the locals of, is ``_hold``.
    """

    def __post_init__(self) -> None:
        self._read_end, self._write_end = os.pipe()

    async def on_start(self) -> None:
        threading.Thread(target=self._hold, name="secret-thread", daemon=True).start()

    def _hold(self) -> None:
        thread_password = "hunter2-thread-secret"
        thread_note = "visible-thread-note"
        os.read(self._read_end, 1)
        del thread_password, thread_note

    @Service.task
    async def _keep(self) -> None:
        password = "hunter2-task-secret"
        API_TOKEN = "tok-task-secret"
        session_id = "sess-task-secret"
        note = "visible-task-note"
        big = "z" * 10_000
        log.warning("APP-READY")
        await self.wait_until_stopped()
        del password, API_TOKEN, session_id, note, big

    async def on_stop(self) -> None:
        os.write(self._write_end, b"x")


class AppLike(Ticker):
    """Calls ``on_startup_finished`` once started, as faust's App does.

    faust's Worker puts its own ``on_startup_finished`` there (in
    ``on_init_dependencies``); the app calls it when it is fully started.
    """

    on_startup_finished: Callable[[], Awaitable[None]] | None = None

    async def on_started(self) -> None:
        if self.on_startup_finished is not None:
            await self.on_startup_finished()
        await super().on_started()


class Parent(Service):
    """A small tree for `mode graph`: two children, one with its own child."""

    def __post_init__(self) -> None:
        self.add_dependency(Ticker())
        self.leaf = Printer()

    def on_init_dependencies(self) -> list[Service]:
        return [_Middle(self.leaf)]


class _Middle(Service):
    def __init__(self, leaf: Service) -> None:
        super().__init__()
        self.add_dependency(leaf)

    @property
    def label(self) -> str:
        return 'Mid "dle"'


ticker = Ticker()
printer = Printer()
not_a_service = 42


def make_ticker() -> Ticker:
    """A factory target."""
    return Ticker()


def make_nothing() -> int:
    """A factory that returns no service."""
    return 1


def make_broken() -> Ticker:
    """A factory that raises."""
    raise ZeroDivisionError("factory bug")


class HookedWorker(Worker):
    """Prints a line from every hook."""

    async def on_execute(self) -> None:
        print("HOOK on_execute", file=sys.__stdout__, flush=True)

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        print(f"HOOK on_setup_root_logger {level}", file=sys.__stdout__, flush=True)

    async def on_started(self) -> None:
        print("HOOK on_started", file=sys.__stdout__, flush=True)
        await super().on_started()

    def on_worker_shutdown(self) -> None:
        print("HOOK on_worker_shutdown", file=sys.__stdout__, flush=True)


def hook(name: str) -> None:
    print(f"HOOK {name}", file=sys.__stdout__, flush=True)


class FaustLikeWorker(Worker):
    """Overrides the original's hooks as faust's Worker does, calling super()."""

    def _on_sigint(self) -> None:
        hook("_on_sigint")
        super()._on_sigint()

    def _on_sigterm(self) -> None:
        hook("_on_sigterm")
        super()._on_sigterm()

    def _on_sighup(self) -> None:
        hook("_on_sighup")
        super()._on_sighup()

    def _on_sigusr1(self) -> None:
        hook("_on_sigusr1")
        super()._on_sigusr1()

    def _on_sigusr2(self) -> None:
        hook("_on_sigusr2")
        super()._on_sigusr2()

    def _redirect_stdouts(self) -> None:
        hook("_redirect_stdouts")
        super()._redirect_stdouts()

    def on_init_dependencies(self) -> Iterable[ServiceT]:
        for service in self.services:
            if isinstance(service, AppLike):
                service.on_startup_finished = self.on_startup_finished
        return list(self.services)

    async def on_startup_finished(self) -> None:
        hook("on_startup_finished")


class DeafWorker(Worker):
    """Its SIGTERM hook does not call super(): SIGTERM no longer stops it."""

    def _on_sigterm(self) -> None:
        hook("_on_sigterm ignored")


class BrokenHookWorker(Worker):
    """Its SIGTERM and SIGUSR1 hooks raise."""

    def _on_sigterm(self) -> None:
        raise RuntimeError("sigterm hook bug")

    def _on_sigusr1(self) -> None:
        raise RuntimeError("sigusr1 hook bug")


class NoSignalsWorker(Worker):
    """A worker whose loop refuses signal handlers (as loops on Windows do)."""

    async def on_first_start(self) -> None:
        def refuse(*args: Any) -> None:
            raise NotImplementedError("no signal handlers on this loop")

        self.loop.add_signal_handler = refuse  # type: ignore[method-assign,assignment]
        await super().on_first_start()


class BadStopWorker(Worker):
    """on_stop raises."""

    async def on_stop(self) -> None:
        raise ValueError("stop failed")


class BadHookWorker(Worker):
    """on_worker_shutdown raises."""

    def on_worker_shutdown(self) -> None:
        raise ValueError("hook failed")


hooked_worker = HookedWorker(Ticker(), loglevel="info", daemon=False)

SERVICES: dict[str, type[Service]] = {
    "ticker": Ticker,
    "printer": Printer,
    "crasher": Crasher,
    "exits3": ExitsWith3,
    "start_fails": StartFails,
    "oom": OutOfMemory,
    "stuck_stop": StuckStop,
    "stubborn": Stubborn,
    "blocker": Blocker,
    "start_exits": StartExits,
    "lingering": Lingering,
    "slow_start": SlowStart,
    "applike": AppLike,
    "stop_fails": StopFails,
    "secretive": Secretive,
    "stuck_thread": StuckThread,
}
WORKERS: dict[str, type[Worker]] = {
    "worker": Worker,
    "hooked": HookedWorker,
    "nosignals": NoSignalsWorker,
    "badhook": BadHookWorker,
    "badstop": BadStopWorker,
    "faustlike": FaustLikeWorker,
    "deaf": DeafWorker,
    "brokenhook": BrokenHookWorker,
}


def main(argv: list[str]) -> None:
    """``workerapps.py SERVICE [WORKER] [JSON kwargs] [--preconfigure]``."""
    args = [a for a in argv if not a.startswith("--")]
    if "--preconfigure" in argv:
        logging.basicConfig(
            level=logging.INFO, format="PRECONFIGURED %(levelname)s %(message)s"
        )
    service = SERVICES[args[0]]()
    worker_cls = WORKERS[args[1]] if len(args) > 1 else Worker
    kwargs: dict[str, Any] = json.loads(args[2]) if len(args) > 2 else {}
    kwargs.setdefault("loglevel", "info")
    worker_cls(service, **kwargs).execute_from_commandline()


if __name__ == "__main__":
    main(sys.argv[1:])
