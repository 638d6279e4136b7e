"""Helpers shared by the worker's test modules (imported by them; not tests)."""

from __future__ import annotations

import re
import socket
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Child, Spawn


def free_ports() -> int:
    """A port P such that P, P+1 and P+2 are free (the console uses all three)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if port > 65000:
            continue
        try:
            for other in (port + 1, port + 2):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", other))
        except OSError:
            continue
        return port
    raise AssertionError("no three consecutive free ports")


def start_web_tree(spawn: Spawn, *args: str) -> tuple[Child, str]:
    """Run ``webapps:tree`` with the HTTP endpoint; return it and its URL."""
    child = spawn(
        "run", "webapps:tree", "--web-port", "0", *args, stdin=subprocess.PIPE
    )
    child.wait_for(r"Status page on http://127\.0\.0\.1:\d+/")
    match = re.search(r"Status page on (http://\S+/)", child.stderr)
    assert match is not None
    child.wait_for(r"Ready: 1 service\(s\) started")
    return child, match.group(1)


def tell(child: Child, command: str) -> None:
    """Write one command line to ``child``'s stdin (the test apps read it)."""
    stdin = child.proc.stdin
    assert stdin is not None
    stdin.write(command + "\n")
    stdin.flush()
