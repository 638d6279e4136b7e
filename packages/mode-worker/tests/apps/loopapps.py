"""Programs written the way the original mode's README and examples are.

``python loopapps.py BACKEND SCENARIO``: BACKEND is given to
``mode.loop.use()`` first thing (as the original's README says to), unless
it is ``default``; SCENARIO picks the program.  Each program prints
``MARK <what> <loop type>`` lines as its parts really run (a timer fired, a
``call_later`` fired...), where ``<loop type>`` is the module and class of
the running loop; the tests wait for those lines, then send SIGINT.
"""

from __future__ import annotations

import sys

import mode.loop

if __name__ == "__main__" and sys.argv[1] != "default":
    mode.loop.use(sys.argv[1])  # before anything else, as the original said

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from mode import Service, Worker
from mode.threads import ServiceThread
from mode.utils.loops import get_event_loop
from mode.utils.objects import cached_property


def kind(loop: asyncio.AbstractEventLoop) -> str:
    """The loop's type as ``module.Class``."""
    return f"{type(loop).__module__}.{type(loop).__qualname__}"


def mark(what: str, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Print ``MARK what <type of the running loop>`` (once per ``what``)."""
    running = asyncio.get_running_loop()
    same = "" if loop is None or loop is running else " NOT-THE-RUNNING-LOOP"
    with _print_lock:  # one whole line at a time (the thread service prints too)
        if what in _marked:
            return
        _marked.add(what)
        out = sys.__stdout__
        assert out is not None
        out.write(f"MARK {what} {kind(running)}{same}\n")
        out.flush()


_marked: set[str] = set()
_print_lock = threading.Lock()
_loops: dict[str, asyncio.AbstractEventLoop] = {}


# -- the README's "It's a Graph!" patterns ----------------------------------


class OtherService(Service):
    """Schedules a plain callback on ``self.loop`` once started."""

    async def on_started(self) -> None:
        self.loop.call_later(0.01, self._later)

    def _later(self) -> None:
        mark(f"call_later-{self.shortlabel}", self.loop)


class MyService(Service):
    """1) a dependency made in ``__post_init__`` with ``loop=self.loop``."""

    def __post_init__(self) -> None:
        self.add_dependency(OtherService(loop=self.loop))


class ServiceA(OtherService):
    pass


class ServiceB(OtherService):
    pass


class WithInitDependencies(Service):
    """2) a list of services from ``on_init_dependencies``."""

    def on_init_dependencies(self) -> list[Service]:
        return [ServiceA(loop=self.loop), ServiceB(loop=self.loop)]


class WithFuture(Service):
    """3) a coroutine started with ``add_future``."""

    async def on_start(self) -> None:
        self.add_future(self.my_coro())

    async def my_coro(self) -> None:
        mark("add_future", self.loop)


class WithTask(Service):
    """4) and 5) a background task that keeps running."""

    @Service.task
    async def _my_coro(self) -> None:
        while not self.should_stop:
            await self.sleep(0.01)
            mark("task", self.loop)


class WithTimer(Service):
    """The README's ``@Service.timer``."""

    @Service.timer(0.01)
    async def _update_cache(self) -> None:
        mark("timer", self.loop)


# -- examples/webapp.py's shape: children as cached properties ----------------


class Webserver(ServiceThread):
    """A service in a thread of its own, given the parent's loop."""

    async def on_start(self) -> None:
        # self.loop is the thread's loop; parent_loop the one that made it.
        mark("thread", self.loop)
        if self.parent_loop is _loops["read-at-module-level"]:
            mark("thread-parent-is-the-loop-read-first")

    async def on_thread_stop(self) -> None:
        pass


class UserCache(Service):
    @Service.timer(0.01)
    async def _remove_expired(self) -> None:
        mark("user-cache-timer", self.loop)


class App(Service):
    def on_init_dependencies(self) -> list[Service]:
        return [
            self.my_service,
            self.with_deps,
            self.with_future,
            self.with_task,
            self.with_timer,
            self.webserver,
            self.user_cache,
        ]

    async def on_started(self) -> None:
        mark("app-started", self.loop)

    @cached_property
    def my_service(self) -> MyService:
        return MyService(loop=self.loop, beacon=self.beacon)

    @cached_property
    def with_deps(self) -> WithInitDependencies:
        return WithInitDependencies(loop=self.loop, beacon=self.beacon)

    @cached_property
    def with_future(self) -> WithFuture:
        return WithFuture(loop=self.loop, beacon=self.beacon)

    @cached_property
    def with_task(self) -> WithTask:
        return WithTask(loop=self.loop, beacon=self.beacon)

    @cached_property
    def with_timer(self) -> WithTimer:
        return WithTimer(loop=self.loop, beacon=self.beacon)

    @cached_property
    def webserver(self) -> Webserver:
        return Webserver(loop=self.loop, beacon=self.beacon)

    @cached_property
    def user_cache(self) -> UserCache:
        return UserCache(loop=self.loop, beacon=self.beacon)


# -- the scenarios -------------------------------------------------------------


class Pinger(Service):
    """Fires a ``call_later`` on ``self.loop`` and runs a timer."""

    async def on_started(self) -> None:
        self.loop.call_later(0.01, self._later)

    def _later(self) -> None:
        mark(f"call_later-{self.label}", self.loop)

    @Service.timer(0.01)
    async def _tick(self) -> None:
        mark(f"timer-{self.label}", self.loop)


class First(Pinger):
    pass


class Second(Pinger):
    pass


def readme() -> None:
    # The app and its tree are made at module level; every loop=self.loop
    # is read before any loop runs.
    app = App()
    _loops["read-at-module-level"] = app.loop
    Worker(app, loglevel="info", daemon=True).execute_from_commandline()


def example_service() -> None:
    # examples/service.py's shape: a task looping until stopped.
    Worker(
        WithTask(), loglevel="INFO", logfile=None, daemon=True
    ).execute_from_commandline()


def explicit() -> None:
    # A service given the loop of get_event_loop(), another the first one's
    # loop (read before any loop runs), a third none at all.
    first = First(loop=get_event_loop())
    second = Second(loop=first.loop)
    Worker(first, second, Pinger(), loglevel="info").execute_from_commandline()


def asyncio_get_event_loop() -> None:
    # The original's users wrote this (it warns on Python 3.12 and 3.13).
    first = First(loop=asyncio.get_event_loop())
    Worker(first, loglevel="info").execute_from_commandline()


def faust_cli() -> None:
    # faust's command line: a coroutine as a service, both given the loop.
    loop = get_event_loop()

    async def command() -> None:
        fired: asyncio.Future[None] = loop.create_future()
        loop.call_later(0.01, fired.set_result, None)
        await fired
        mark("command", loop)

    service = Service.from_awaitable(command(), name="command", loop=loop)
    Worker(service, loop=loop, daemon=False).execute_from_commandline()


def worker_loop_read_first() -> None:
    # Worker(loop="uvloop"): its loop, read before it runs, is the one it runs.
    worker = Worker(loglevel="info", loop=sys.argv[3])
    worker.add_dependency(First(loop=worker.loop))
    worker.execute_from_commandline()


def conflict() -> None:
    # Two services holding two different loops: refused before anything runs.
    one, two = asyncio.new_event_loop(), asyncio.new_event_loop()
    Worker(First(loop=one), Second(loop=two)).execute_from_commandline()


SCENARIOS: dict[str, Callable[[], Any]] = {
    "readme": readme,
    "example-service": example_service,
    "explicit": explicit,
    "asyncio-get-event-loop": asyncio_get_event_loop,
    "faust-cli": faust_cli,
    "worker-loop-read-first": worker_loop_read_first,
    "conflict": conflict,
}

if __name__ == "__main__":
    SCENARIOS[sys.argv[2]]()
