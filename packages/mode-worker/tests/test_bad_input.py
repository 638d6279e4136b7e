"""Bad input to the Worker: the exact error of every row.

``ROWS`` is the table of ../BAD_INPUT.md: one wrong argument of
``mode.worker.Worker``, the error type and its exact message.
``test_bad_input`` checks each row (inside a running loop too: the Worker is
refused when it is made, before anything starts); ``test_the_doc_is_the_table``
checks that BAD_INPUT.md lists exactly these rows.  The row type and the
checks are the workspace's (tests/support_bad_input.py).  The bad arguments
of the ``mode`` command are tested in test_command.py and
test_command_parsing.py, which the document points to.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support_bad_input import Row, bad, check_doc, check_raises, row_id

from mode import Service
from mode.loop import UnknownBackendError
from mode.worker import Worker

BAD_INPUT_MD = Path(__file__).resolve().parent.parent / "BAD_INPUT.md"

_WANT = "'N', 'N/s', 'N/m', 'N/h' or 'N/d' (N a number) or a timedelta"
_LEVELS = (
    "a level name (CRITICAL, ERROR, WARNING, INFO, DEBUG, NOTSET or one "
    "registered with logging.addLevelName) or a number"
)
_NAMES = (
    "valid names: asyncio, eventlet, gevent, uvloop, winloop ('aio' is "
    "accepted for 'asyncio')."
)


class App(Service):
    """A service to run."""


def worker(*services: Any, **kwargs: Any) -> Callable[[], Worker]:
    def make() -> Worker:
        return Worker(*services, stdout=io.StringIO(), stderr=io.StringIO(), **kwargs)

    return make


ROWS: list[Row] = [
    Row(
        "Worker",
        "Worker(5)",
        worker(5),
        TypeError,
        "Worker() runs services (mode.Service instances), not int: 5",
    ),
    Row(
        "Worker",
        "Worker(App)",
        worker(App),
        TypeError,
        "Worker() runs services (mode.Service instances), not the class App: "
        "pass App()",
    ),
    Row(
        "Worker",
        'Worker(loglevel="loud")',
        worker(loglevel="loud"),
        ValueError,
        f"unknown log level 'loud': expected {_LEVELS}",
    ),
    Row(
        "Worker",
        "Worker(loglevel=1.5)",
        worker(loglevel=1.5),
        TypeError,
        "level_number() expects an int, a str or None, got float",
    ),
    Row(
        "Worker",
        'Worker(redirect_stdouts_level="loud")',
        worker(redirect_stdouts_level="loud"),
        ValueError,
        f"unknown log level 'loud': expected {_LEVELS}",
    ),
    Row(
        "Worker",
        "Worker(logfile=5)",
        worker(logfile=5),
        TypeError,
        "Worker logfile= must be a file path or a writable text stream, not int",
    ),
    Row(
        "Worker",
        "Worker(logging_config=5)",
        worker(logging_config=5),
        TypeError,
        "Worker logging_config= must be a logging.config.dictConfig mapping, not int",
    ),
    Row(
        "Worker",
        "Worker(loghandlers=5)",
        worker(loghandlers=5),
        TypeError,
        "Worker loghandlers= must be an iterable of logging.Handler instances, not int",
    ),
    Row(
        "Worker",
        'Worker(loghandlers=["stderr"])',
        worker(loghandlers=["stderr"]),
        TypeError,
        "Worker loghandlers= must hold logging.Handler instances, not str",
    ),
    Row(
        "Worker",
        "Worker(loop=5)",
        worker(loop=5),
        TypeError,
        "Worker loop= must be a loop backend name (such as 'uvloop'), an event "
        "loop or None, not int",
    ),
    Row(
        "Worker",
        'Worker(loop="uvlop")',
        worker(loop="uvlop"),
        UnknownBackendError,
        f"unknown event-loop backend 'uvlop'; {_NAMES} Did you mean uvloop?",
    ),
    Row(
        "Worker",
        "Worker(shutdown_timeout=0)",
        worker(shutdown_timeout=0),
        ValueError,
        "Worker shutdown_timeout must be > 0 seconds, got 0",
    ),
    Row(
        "Worker",
        'Worker(shutdown_timeout=float("nan"))',
        worker(shutdown_timeout=float("nan")),
        ValueError,
        "Worker shutdown_timeout must be > 0 seconds, got nan",
    ),
    Row(
        "Worker",
        'Worker(shutdown_timeout="soon")',
        worker(shutdown_timeout="soon"),
        ValueError,
        f"invalid rate or duration 'soon': expected {_WANT}",
    ),
    Row(
        "Worker",
        "Worker(shutdown_timeout=None)",
        worker(shutdown_timeout=None),
        TypeError,
        "Worker shutdown_timeout must be > 0 seconds, not None",
    ),
    Row(
        "Worker",
        "Worker(blocking_timeout=-1)",
        worker(blocking_timeout=-1),
        ValueError,
        "Worker blocking_timeout must be >= 0 seconds (0 or None: off), got -1",
    ),
    Row(
        "Worker",
        'Worker(blocking_timeout=float("inf"))',
        worker(blocking_timeout=float("inf")),
        ValueError,
        "Worker blocking_timeout must be >= 0 seconds (0 or None: off), got inf",
    ),
    Row(
        "Worker",
        'Worker(blocking_timeout="10s")',
        worker(blocking_timeout="10s"),
        ValueError,
        f"invalid rate or duration '10s': expected {_WANT}",
    ),
    Row(
        "Worker",
        "Worker(blocking_timeout=[10])",
        worker(blocking_timeout=[10]),
        TypeError,
        "Worker blocking_timeout must be a number of seconds (0 or None: off), "
        "not list",
    ),
    Row(
        "Worker",
        'Worker(console_port="http")',
        worker(console_port="http"),
        TypeError,
        "Worker console_port= must be an int, not str",
    ),
    Row(
        "Worker",
        "Worker(console_port=70000)",
        worker(console_port=70000),
        ValueError,
        "Worker console_port= must be from 0 to 65533 (the console also uses "
        "the next two ports), got 70000",
    ),
    Row(
        "Worker",
        "Worker(stdout=5)",
        lambda: Worker(stdout=bad(5)),
        TypeError,
        "Worker stdout= must be a writable text stream (with a write() method) "
        "or None, not int",
    ),
    Row(
        "Worker",
        'Worker(stderr="err.log")',
        lambda: Worker(stderr=bad("err.log")),
        TypeError,
        "Worker stderr= must be a writable text stream (with a write() method) "
        "or None, not str",
    ),
    Row(
        "Worker",
        'Worker(debug="no")',
        worker(debug="no"),
        TypeError,
        "Worker debug= must be True or False, not str",
    ),
    Row(
        "Worker",
        'Worker(daemon="false")',
        worker(daemon="false"),
        TypeError,
        "Worker daemon= must be True or False, not str",
    ),
    Row(
        "Worker",
        "Worker(quiet=1)",
        worker(quiet=1),
        TypeError,
        "Worker quiet= must be True or False, not int",
    ),
    Row(
        "Worker",
        "Worker(redirect_stdouts=None)",
        worker(redirect_stdouts=None),
        TypeError,
        "Worker redirect_stdouts= must be True or False, not NoneType",
    ),
    Row(
        "Worker",
        'Worker(override_logging="off")',
        worker(override_logging="off"),
        TypeError,
        "Worker override_logging= must be True or False, not str",
    ),
    Row(
        "Worker",
        "Worker(web_port=True)",
        worker(web_port=True),
        TypeError,
        "Worker web_port= must be an int (0: any free port) or None (no HTTP "
        "endpoint), not bool",
    ),
    Row(
        "Worker",
        'Worker(web_port="8080")',
        worker(web_port="8080"),
        TypeError,
        "Worker web_port= must be an int (0: any free port) or None (no HTTP "
        "endpoint), not str",
    ),
    Row(
        "Worker",
        "Worker(web_port=70000)",
        worker(web_port=70000),
        ValueError,
        "Worker web_port= must be from 0 (any free port) to 65535, got 70000",
    ),
    Row(
        "Worker",
        'Worker(web_port=0, web_host="")',
        worker(web_port=0, web_host=""),
        ValueError,
        "Worker web_host= must not be empty (default: '127.0.0.1'; '0.0.0.0': "
        "every interface)",
    ),
    Row(
        "Worker",
        "Worker(web_live_timeout=0)",
        worker(web_live_timeout=0),
        ValueError,
        "Worker web_live_timeout must be a positive number of seconds, got 0",
    ),
    Row(
        "Worker",
        'Worker(beacon="node")',
        worker(beacon="node"),
        TypeError,
        "Worker beacon= must be a node of the service tree "
        "(mode.utils.trees.Node) or None, not str",
    ),
    Row(
        "Worker",
        "Worker(no_such_option=1)",
        worker(no_such_option=1),
        TypeError,
        "Service.__init__() got an unexpected keyword argument 'no_such_option'",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_bad_input(row: Row) -> None:
    check_raises(row)


async def test_bad_input_in_a_running_loop() -> None:
    for row in ROWS:
        check_raises(row)


def test_the_doc_is_the_table() -> None:
    check_doc(BAD_INPUT_MD, ROWS)
