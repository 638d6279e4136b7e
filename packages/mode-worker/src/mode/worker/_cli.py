"""The ``mode`` command: run a service under a Worker, or print its tree.

::

    mode run MODULE:ATTR [--loglevel LEVEL] [--logfile FILE] [--loop NAME]
                         [--debug] [--console-port PORT] [--blocking-timeout S]
                         [--shutdown-timeout S] [--no-redirect-stdouts] [--quiet]
                         [--web-port PORT [--web-host HOST]]
    mode graph MODULE:ATTR [--format text|dot|mermaid]
    mode status [--url URL | --port PORT] [--json] [--tasks] [--timeout S]

``ATTR`` names a service instance, a service class (created without
arguments) or a factory (called without arguments, returning a service).
The current directory is searched first when importing ``MODULE``.

A usage error (bad option, an import path that does not resolve, an unknown
log level or loop, a target that is not a service) prints one line on stderr
and exits with code 2.  An exception raised by the imported module itself is
a bug in that module: its traceback is printed and the exit code is 1.
"""

from __future__ import annotations

import argparse
import importlib
import math
import pkgutil
import sys
import traceback
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any, NoReturn

from ._exits import EX_FAILURE, EX_USAGE

__all__ = ["UsageError", "load_service", "main", "service_tree"]

PROG = "mode"


class UsageError(Exception):
    """The command line is wrong; the message says how (one line)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EX_USAGE, f"{self.prog}: error: {message} (see {self.prog} -h)\n")


def _seconds(text: str, *, zero_is_off: bool = False) -> float:
    """A number of seconds: positive, or (``zero_is_off``) 0 meaning off."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds, got {text!r}"
        ) from None
    if zero_is_off:
        if not (value >= 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(
                f"expected a number >= 0 (0: off), got {text!r}"
            )
    elif not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    return _seconds(text)


def _seconds_or_off(text: str) -> float:
    return _seconds(text, zero_is_off=True)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a port number, got {text!r}"
        ) from None
    if not 0 <= value <= 65533:
        raise argparse.ArgumentTypeError(f"port out of range (0-65533): {text!r}")
    return value


def _web_port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a port number (0: any free port), got {text!r}"
        ) from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range (0-65535): {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``mode`` command."""
    parser = _Parser(
        prog=PROG,
        description="Run mode services as a process, or show their tree.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = sub.add_parser(
        "run",
        help="run a service under a Worker until stopped",
        description=(
            "Run the service MODULE:ATTR under a Worker until SIGINT, SIGTERM "
            "or SIGHUP (exit 0), a crash (exit 1) or the end of the shutdown "
            "deadline (exit 75)."
        ),
    )
    run.add_argument("target", metavar="MODULE:ATTR", help="the service to run")
    run.add_argument(
        "-l", "--loglevel", default="info", help="log level (default: info)"
    )
    run.add_argument("-f", "--logfile", help="log to this file instead of stderr")
    run.add_argument(
        "--loop",
        default=None,
        help=(
            "event loop backend (default: the loop the service was given, else "
            "asyncio's, or the one chosen by mode.loop.use() in the module)"
        ),
    )
    run.add_argument(
        "--debug",
        action="store_true",
        help="start the blocking detector and the aiomonitor console",
    )
    run.add_argument(
        "--console-port",
        type=_port,
        default=50101,
        help="port of the debug console (default: 50101)",
    )
    run.add_argument(
        "--blocking-timeout",
        type=_seconds_or_off,
        default=10.0,
        help=(
            "seconds before a blocked loop is reported with --debug "
            "(default: 10; 0: off)"
        ),
    )
    run.add_argument(
        "--shutdown-timeout",
        type=_positive_float,
        default=30.0,
        help="seconds the whole stop may take (default: 30)",
    )
    run.add_argument(
        "--web-port",
        type=_web_port,
        default=None,
        help=(
            "serve /healthz, /readyz, /status, /metrics and the live page on "
            "this port (0: any free port; needs mode-worker[web]; default: off)"
        ),
    )
    run.add_argument(
        "--web-host",
        default="127.0.0.1",
        help="address of the HTTP endpoint (default: 127.0.0.1)",
    )
    run.add_argument(
        "--no-redirect-stdouts",
        dest="redirect_stdouts",
        action="store_false",
        help="do not send print() output to the log",
    )
    run.add_argument(
        "-q", "--quiet", action="store_true", help="no messages outside the log"
    )
    graph = sub.add_parser(
        "graph",
        help="print the service tree without starting anything",
        description="Print the tree of MODULE:ATTR and its dependencies.",
    )
    graph.add_argument("target", metavar="MODULE:ATTR", help="the service to show")
    graph.add_argument(
        "--format",
        choices=("text", "dot", "mermaid"),
        default="text",
        help="output format (default: text)",
    )
    status = sub.add_parser(
        "status",
        help="print the service tree of a running worker (its /status endpoint)",
        description=(
            "Read /status of a worker started with its HTTP endpoint on "
            "(mode run --web-port N) and print its service tree. Exit code: "
            "0 ready, 1 not ready, 2 the worker cannot be reached."
        ),
    )
    where = status.add_mutually_exclusive_group()
    where.add_argument(
        "--url", help="the endpoint, e.g. http://127.0.0.1:8080 (or its /status URL)"
    )
    where.add_argument(
        "-p", "--port", type=_port, help="port of the endpoint on 127.0.0.1"
    )
    status.add_argument(
        "--json", action="store_true", help="print the snapshot as JSON"
    )
    status.add_argument(
        "--tasks", action="store_true", help="also list each service's tasks"
    )
    status.add_argument(
        "--timeout",
        type=_positive_float,
        default=5.0,
        help="seconds to wait for the answer (default: 5)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mode`` command with ``argv`` (default: ``sys.argv[1:]``).

    ``mode run`` does not return (the worker exits the process); otherwise
    returns the exit code: 0, or 2 after a usage error (printed as one line
    on stderr), or 1 when the target module itself raised.
    """
    args = build_parser().parse_args(argv)
    try:
        if args.command == "graph":
            print(render_graph(load_service(args.target), args.format))
            return 0
        if args.command == "status":
            return _status(args)
        return _run(args)
    except UsageError as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return EX_USAGE
    except _TargetFailed as exc:
        print(f"{PROG} {args.command}: {exc}", file=sys.stderr)
        traceback.print_exception(exc.__cause__ or exc, file=sys.stderr)
        return EX_FAILURE


def _run(args: argparse.Namespace) -> int:
    from mode.loop import BackendUnavailableError, UnknownBackendError, factory
    from mode.utils.logging import level_number

    try:
        level_number(args.loglevel)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        if args.loop is not None:
            factory(args.loop)
    except (UnknownBackendError, BackendUnavailableError) as exc:
        raise UsageError(str(exc)) from None
    service = load_service(args.target)
    from ._worker import Worker

    if isinstance(service, Worker):
        worker = service  # a Worker target runs with its own options
    else:
        worker = Worker(
            service,
            loglevel=args.loglevel,
            logfile=args.logfile,
            loop=args.loop,
            debug=args.debug,
            console_port=args.console_port,
            blocking_timeout=args.blocking_timeout,
            shutdown_timeout=args.shutdown_timeout,
            redirect_stdouts=args.redirect_stdouts,
            quiet=args.quiet,
            **_web_options(args),
        )
    worker.execute_from_commandline()


def _web_options(args: argparse.Namespace) -> dict[str, Any]:
    """The Worker's ``web_*`` arguments; UsageError without aiohttp."""
    if args.web_port is None:
        return {}
    from ._web import check_aiohttp

    try:
        check_aiohttp()
    except ImportError:
        raise UsageError(
            "--web-port needs aiohttp: install mode-worker[web] "
            "(pip install 'mode-worker[web]')"
        ) from None
    if not args.web_host.strip():
        raise UsageError("--web-host must not be empty")
    return {"web_port": args.web_port, "web_host": args.web_host}


def _status(args: argparse.Namespace) -> int:
    from ._status import run_status

    if args.url is not None:
        url = args.url
    elif args.port is not None:
        url = f"http://127.0.0.1:{args.port}"
    else:
        raise UsageError(
            "which worker? give --port PORT (the worker's --web-port) or "
            "--url http://HOST:PORT"
        )
    return run_status(url, as_json=args.json, timeout=args.timeout, tasks=args.tasks)


class _TargetFailed(Exception):
    """Importing or creating the target raised (a bug in the user's code)."""


def _import_module(name: str) -> ModuleType:
    from mode.utils.imports import cwd_in_path

    with cwd_in_path():
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            missing = exc.name or name
            if name == missing or name.startswith(missing + "."):
                hint = _module_hint(missing)
                raise UsageError(
                    f"cannot import {name!r}: no module named {missing!r}."
                    + (f" {hint}" if hint else "")
                ) from None
            raise _TargetFailed(f"importing {name!r} failed") from exc
        except Exception as exc:
            raise _TargetFailed(f"importing {name!r} failed") from exc


def _module_hint(missing: str) -> str:
    from mode.utils.text import didyoumean

    parent, _, leaf = missing.rpartition(".")
    if parent:
        try:
            package = importlib.import_module(parent)
        except ImportError:
            return ""
        paths = list(getattr(package, "__path__", ()))
        names = [f"{parent}.{m.name}" for m in pkgutil.iter_modules(paths)]
        return didyoumean(names, missing)
    names = [m.name for m in pkgutil.iter_modules() if not m.name.startswith("_")]
    return didyoumean(names, leaf)


def load_service(target: str) -> Any:
    """Import ``MODULE:ATTR`` and return the service it names.

    ``ATTR`` may be a service instance, a service class (instantiated with no
    arguments) or a factory (called with no arguments).

    Raises:
        UsageError: the path is malformed or does not resolve (with a
            did-you-mean hint), or the object is not a service.
    """
    from mode.types.services import ServiceT
    from mode.utils.imports import parse_symbol
    from mode.utils.text import didyoumean

    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(
            f"expected MODULE:ATTR (e.g. myapp.services:app), got {target!r}"
        )
    try:
        parse_symbol(target)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    module = _import_module(module_name)
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            names = [n for n in dir(obj) if not n.startswith("_")]
            hint = didyoumean(names, part)
            raise UsageError(
                f"{module_name!r} has no attribute {attr!r}."
                + (f" {hint}" if hint else "")
            ) from None
    if isinstance(obj, ServiceT):
        return obj
    if not callable(obj):
        raise UsageError(
            f"{target} is not a service: it is a {type(obj).__name__} (expected a "
            "Service instance, class or factory)"
        )
    try:
        made = obj()
    except Exception as exc:
        raise _TargetFailed(f"creating the service {target} failed") from exc
    if not isinstance(made, ServiceT):
        raise UsageError(
            f"{target} is not a service: calling it returned a "
            f"{type(made).__name__} (expected a mode.Service)"
        )
    return made


def service_tree(service: Any) -> Iterator[tuple[int, Any, Any, bool]]:
    """Yield ``(depth, service, parent, supervised)`` for the whole tree.

    Children are the services added with ``add_dependency``, those that
    ``on_init_dependencies()`` returns (it is called, but nothing is
    started), and for a supervisor the services it supervises
    (``supervised`` is then True).  A service reached twice is expanded once.
    """
    from mode.types.services import ServiceT
    from mode.types.supervisors import SupervisorStrategyT
    from mode.utils.types.trees import NodeT

    seen: set[int] = set()

    def children(svc: Any) -> list[tuple[Any, bool]]:
        found: list[tuple[Any, bool]] = []
        known: set[int] = set()

        def add(child: Any, supervised: bool) -> None:
            if isinstance(child, ServiceT) and id(child) not in known:
                known.add(id(child))
                found.append((child, supervised))

        for child in svc.beacon.children:
            add(child.data if isinstance(child, NodeT) else child, False)
        init = getattr(svc, "on_init_dependencies", None)
        if callable(init):
            for dep in init():
                add(dep, False)
        if isinstance(svc, SupervisorStrategyT):
            for supervised in getattr(svc, "_services", ()):
                add(supervised, True)
        return found

    def walk(
        svc: Any, depth: int, parent: Any, supervised: bool
    ) -> Iterator[tuple[int, Any, Any, bool]]:
        yield depth, svc, parent, supervised
        if id(svc) in seen:
            return
        seen.add(id(svc))
        for child, sup in children(svc):
            yield from walk(child, depth + 1, svc, sup)

    yield from walk(service, 0, None, False)


def render_graph(service: Any, fmt: str) -> str:
    """Return the tree of ``service`` as ``text``, ``dot`` or ``mermaid``.

    Supervised services are marked ``(supervised)`` in text, with a dashed
    edge in dot and a dotted arrow in mermaid.
    """
    entries = list(service_tree(service))
    ids: dict[int, str] = {}
    for _, svc, _, _ in entries:
        ids.setdefault(id(svc), f"n{len(ids)}")
    if fmt == "text":
        return "\n".join(
            f"{'    ' * depth}{svc.label}{' (supervised)' if sup else ''}"
            for depth, svc, _, sup in entries
        )
    edges = [(parent, svc, sup) for _, svc, parent, sup in entries if parent]
    if fmt == "dot":
        lines = ["digraph services {"]
        lines += [
            f'    {ids[id(svc)]} [label="{_escape(svc.label)}"];'
            for svc in _unique(entries)
        ]
        lines += [
            f"    {ids[id(a)]} -> {ids[id(b)]}{' [style=dashed]' if sup else ''};"
            for a, b, sup in edges
        ]
        lines.append("}")
        return "\n".join(lines)
    lines = ["graph TD"]
    lines += [f'    {ids[id(svc)]}["{_escape(svc.label)}"]' for svc in _unique(entries)]
    lines += [
        f"    {ids[id(a)]} {'-.->' if sup else '-->'} {ids[id(b)]}"
        for a, b, sup in edges
    ]
    return "\n".join(lines)


def _unique(entries: list[tuple[int, Any, Any, bool]]) -> Iterator[Any]:
    seen: set[int] = set()
    for _, svc, _, _ in entries:
        if id(svc) not in seen:
            seen.add(id(svc))
            yield svc


def _escape(label: str) -> str:
    return label.replace("\\", "\\\\").replace('"', '\\"')
