"""mode.worker: run services as a process.

:class:`Worker` starts services, configures logging (only when nothing else
did), handles SIGINT/SIGTERM/SIGHUP (one graceful stop, bounded by
``shutdown_timeout``; a second SIGINT forces it) and SIGUSR1 (a stack dump
of every thread and task, secrets redacted), and ends the process with a
meaningful exit code::

    from mode import Service, Worker

    class App(Service):
        async def on_started(self) -> None:
            self.log.info("running")

    if __name__ == "__main__":
        Worker(App(), loglevel="info").execute_from_commandline()

Exit codes: :data:`EX_OK` (0), :data:`EX_FAILURE` (1), :data:`EX_USAGE` (2,
the ``mode`` command), :data:`EX_OSERR` (71), :data:`EX_SHUTDOWN_TIMEOUT`
(75) and :data:`EX_INTERRUPTED` (130); see the package README.

The ``mode`` command (``mode run MODULE:ATTR``, ``mode graph MODULE:ATTR``;
also ``python -m mode.worker``) lives in ``mode.worker._cli`` and is imported
only when run; aiomonitor (the debug console) only with ``debug=True``.
"""

from ._exits import EX_FAILURE as EX_FAILURE
from ._exits import EX_INTERRUPTED as EX_INTERRUPTED
from ._exits import EX_OK as EX_OK
from ._exits import EX_OSERR as EX_OSERR
from ._exits import EX_SHUTDOWN_TIMEOUT as EX_SHUTDOWN_TIMEOUT
from ._exits import EX_USAGE as EX_USAGE
from ._exits import exit_code_of as exit_code_of
from ._exits import exiting as exiting
from ._worker import BLOCK_DETECTOR as BLOCK_DETECTOR
from ._worker import Worker as Worker
from ._worker import _repr as _repr
from ._worker import _TupleAsListRepr as _TupleAsListRepr
from ._worker import logger as logger

__all__ = [
    "BLOCK_DETECTOR",
    "EX_FAILURE",
    "EX_INTERRUPTED",
    "EX_OK",
    "EX_OSERR",
    "EX_SHUTDOWN_TIMEOUT",
    "EX_USAGE",
    "Worker",
    "exit_code_of",
    "exiting",
]
