"""The debug console helpers, in-process: missing aiomonitor, busy ports."""

from __future__ import annotations

import asyncio
import socket
import sys

import pytest

from mode.worker._console import ConsolePortInUseError, check_ports, start_console


def test_missing_aiomonitor_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiomonitor", None)
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(ImportError) as info:
            start_console(loop, port=0)
        assert str(info.value) == (
            "the debug console needs aiomonitor: aiomonitor is not installed; "
            "install it with: pip install 'mode-worker[debug]'"
        )
    finally:
        loop.close()


def test_a_broken_aiomonitor_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "janus", None)  # a dependency of aiomonitor
    for name in [m for m in sys.modules if m.startswith("aiomonitor")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delitem(sys.modules, "mode.worker._monitor", raising=False)
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(ImportError, match=r"aiomonitor cannot be imported .*janus"):
            start_console(loop, port=0)
    finally:
        loop.close()


def test_port_in_use_message_has_no_errno() -> None:
    exc = ConsolePortInUseError(98, "cannot start the debug console: port 1")
    assert str(exc) == "cannot start the debug console: port 1"
    assert exc.errno == 98


def test_check_ports_refuses_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConsolePortInUseError, match=f"port {port} on 127.0.0.1"):
            check_ports("127.0.0.1", (0, port))
    check_ports("127.0.0.1", (0, port))  # free again


def test_check_ports_reraises_other_errors() -> None:
    with pytest.raises(OSError) as info:
        check_ports("256.0.0.1", (1234,))
    assert not isinstance(info.value, ConsolePortInUseError)
