"""Bad input to the public API of mode.loop: the exact error of every row.

``ROWS`` is the table of ../BAD_INPUT.md: one entry point, one wrong value,
the error type and its exact message.  ``test_bad_input`` checks each row
(with no event loop running, where ``use()`` belongs);
``test_the_doc_is_the_table`` checks that BAD_INPUT.md lists exactly these
rows, and that no AttributeError, KeyError or AssertionError comes out of a
public API for bad input, except the lookups whose protocol *is* that error
(marked ``lookup=True``).  The row type and the checks are the workspace's
(tests/support_bad_input.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support_bad_input import Row, bad, check_doc, check_raises, row_id

import mode.loop
from mode.loop import BackendUnavailableError, UnknownBackendError

BAD_INPUT_MD = Path(__file__).resolve().parent.parent / "BAD_INPUT.md"

_NAMES = (
    "valid names: asyncio, eventlet, gevent, uvloop, winloop ('aio' is "
    "accepted for 'asyncio')."
)


def _without(module: str, call: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``call`` as if ``module`` were not installed (then put it back)."""

    def run() -> Any:
        saved = sys.modules.get(module)
        sys.modules[module] = bad(None)
        try:
            return call()
        finally:
            if saved is None:
                del sys.modules[module]
            else:
                sys.modules[module] = saved

    return run


def _write_loops() -> None:
    bad(mode.loop.LOOPS)["myloop"] = "myloop"


_EVENTLET = (
    "the 'eventlet' loop backend is not supported: no maintained asyncio event "
    "loop runs on eventlet (aioeventlet, last released in 2017, no longer "
    "installs with current pip; its fork faust-aioeventlet 0.6, from 2022, is "
    "unmaintained), and eventlet itself is deprecated by its maintainers (bug "
    "fixes only, retirement planned). Use the default 'asyncio' backend; to "
    "move eventlet code over, eventlet's 'Migrating off of Eventlet' guide "
    "describes its asyncio hub, which runs eventlet on top of an asyncio "
    "loop. Details: the mode-loop README."
)

# -- the table --------------------------------------------------------------
# Each line: module, code as written, call, error type, exact message.

ROWS: list[Row] = [
    Row(
        "factory",
        "factory(5)",
        lambda: mode.loop.factory(bad(5)),
        TypeError,
        "a loop backend name must be a str, not 5",
    ),
    Row(
        "factory",
        "factory(None)",
        lambda: mode.loop.factory(bad(None)),
        TypeError,
        "a loop backend name must be a str, not None",
    ),
    Row(
        "factory",
        'factory(b"uvloop")',
        lambda: mode.loop.factory(bad(b"uvloop")),
        TypeError,
        "a loop backend name must be a str, not b'uvloop'",
    ),
    Row(
        "factory",
        'factory("uvlop")',
        lambda: mode.loop.factory("uvlop"),
        UnknownBackendError,
        f"unknown event-loop backend 'uvlop'; {_NAMES} Did you mean uvloop?",
    ),
    Row(
        "factory",
        'factory("Uvloop")',
        lambda: mode.loop.factory("Uvloop"),
        UnknownBackendError,
        f"unknown event-loop backend 'Uvloop'; {_NAMES} Did you mean one of "
        "uvloop, winloop?",
    ),
    Row(
        "factory",
        'factory("")',
        lambda: mode.loop.factory(""),
        UnknownBackendError,
        f"unknown event-loop backend ''; {_NAMES}",
    ),
    Row(
        "factory",
        'factory("eventlet")',
        lambda: mode.loop.factory("eventlet"),
        BackendUnavailableError,
        _EVENTLET,
    ),
    Row(
        "factory",
        'factory("uvloop") without uvloop installed',
        _without("uvloop", lambda: mode.loop.factory("uvloop")),
        BackendUnavailableError,
        "the 'uvloop' loop backend needs uvloop, which is not importable (import "
        "of uvloop halted; None in sys.modules); install it with: pip install "
        "'mode-loop[uvloop]'",
    ),
    Row(
        "factory",
        'factory("gevent") without gevent installed',
        _without("gevent", lambda: mode.loop.factory("gevent")),
        BackendUnavailableError,
        "the 'gevent' loop backend needs gevent, which is not importable (import "
        "of gevent halted; None in sys.modules); install it with: pip install "
        "'mode-loop[gevent]'",
    ),
    Row(
        "use",
        "use(5)",
        lambda: mode.loop.use(bad(5)),
        TypeError,
        "a loop backend name must be a str, not 5",
    ),
    Row(
        "use",
        'use("nope")',
        lambda: mode.loop.use("nope"),
        UnknownBackendError,
        f"unknown event-loop backend 'nope'; {_NAMES}",
    ),
    Row(
        "use",
        'use("eventlet")',
        lambda: mode.loop.use("eventlet"),
        BackendUnavailableError,
        _EVENTLET,
    ),
    Row(
        "use",
        'use(".myloop")',
        lambda: mode.loop.use(".myloop"),
        ValueError,
        "mode.loop.use('.myloop'): a relative module name cannot be imported; "
        "give a backend name (see mode.loop.names()) or an absolute module "
        "path such as 'mypackage.myloop'",
    ),
    Row(
        "use",
        'use("no_such_pkg.loop")',
        lambda: mode.loop.use("no_such_pkg.loop"),
        ModuleNotFoundError,
        "No module named 'no_such_pkg'",
    ),
    Row(
        "LOOPS",
        'LOOPS["myloop"] = "myloop"',
        _write_loops,
        TypeError,
        "'mappingproxy' object does not support item assignment",
    ),
    Row(
        "names",
        'available("uvloop")',
        lambda: bad(mode.loop.available)("uvloop"),
        TypeError,
        "available() takes 0 positional arguments but 1 was given",
    ),
    # Lookups whose protocol is KeyError (kept on purpose).
    Row(
        "LOOPS",
        'LOOPS["myloop"]',
        lambda: mode.loop.LOOPS["myloop"],
        KeyError,
        "'myloop'",
        lookup=True,
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_bad_input(row: Row, restore_policy: None) -> None:
    check_raises(row)


def test_the_doc_is_the_table() -> None:
    check_doc(BAD_INPUT_MD, ROWS)
