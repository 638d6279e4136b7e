"""Fixtures of the mode-worker tests: worker processes driven by real signals.

:func:`spawn` starts ``python -m mode.worker ...`` or one of the scenarios
of ``apps/workerapps.py`` in a subprocess and returns a :class:`Child`.
Tests synchronise with the child through its output (:meth:`Child.wait_for`
blocks until a line matches), never by sleeping, and every wait is bounded.

When the test process measures coverage (``tools/test`` starts it in every
process through coverage's start-up hook; ``pytest --cov`` does it too), the
children measure it too: they get ``COVERAGE_PROCESS_CONFIG`` (the running
configuration, with absolute paths) and ``COVERAGE_FILE`` (the data file),
which that start-up hook reads, and their data files are combined with the
others at the end.  This holds in pytest-xdist workers as well.
"""

from __future__ import annotations

import copy
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

import pytest

APPS = Path(__file__).parent / "apps"
ROOT = Path(__file__).resolve().parents[3]

#: Longest wait for one expected line or one exit (seconds).
WAIT = 15.0

# Workers spawned by these tests inherit the signal dispositions of this
# process.  Run under nohup (or a CI runner that ignores SIGHUP), SIGHUP is
# SIG_IGN, which a worker rightly keeps ignoring: the SIGHUP tests would then
# test nohup.  The tests' workers start from the default disposition.
if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) == signal.SIG_IGN:
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _coverage_env() -> dict[str, str]:
    try:
        import coverage
    except ImportError:  # pragma: no cover - coverage is a dev dependency
        return {}
    cov = coverage.Coverage.current()
    if cov is None:
        return {}
    config = copy.deepcopy(cov.config)
    # The children run in other directories: make the paths absolute.
    config.source = [str(ROOT / src) for src in config.source or ()]
    config.data_file = os.path.abspath(config.data_file)
    return {
        "COVERAGE_PROCESS_CONFIG": config.serialize(),
        "COVERAGE_FILE": config.data_file,
    }


class Child:
    """A running worker process whose stdout and stderr are read as lines."""

    def __init__(
        self,
        argv: list[str],
        env: Mapping[str, str],
        cwd: Path,
        stdin: int | IO[str] = subprocess.DEVNULL,
    ) -> None:
        self.argv = argv
        self.proc = subprocess.Popen(
            argv,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(env),
            cwd=cwd,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._cond = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(stream, lines), daemon=True)
            for stream, lines in (
                (self.proc.stdout, self.out),
                (self.proc.stderr, self.err),
            )
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: object, lines: list[str]) -> None:
        assert hasattr(stream, "readline")
        for line in iter(stream.readline, ""):
            with self._cond:
                lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def stdout(self) -> str:
        """Everything the child wrote to stdout so far."""
        with self._cond:
            return "".join(self.out)

    @property
    def stderr(self) -> str:
        """Everything the child wrote to stderr so far."""
        with self._cond:
            return "".join(self.err)

    def count(self, pattern: str, *, stream: str = "err") -> int:
        """How many lines so far match ``pattern`` (a regex)."""
        lines = self.err if stream == "err" else self.out
        with self._cond:
            return sum(1 for line in lines if re.search(pattern, line))

    def wait_for(
        self,
        pattern: str,
        *,
        stream: str = "err",
        times: int = 1,
        timeout: float = WAIT,
    ) -> None:
        """Block until ``times`` lines of ``stream`` match ``pattern``.

        Fails (with the output so far) after ``timeout`` seconds, or as soon
        as the child exits without printing them.
        """
        lines = self.err if stream == "err" else self.out
        regex = re.compile(pattern)

        def found() -> bool:
            return sum(1 for line in lines if regex.search(line)) >= times

        with self._cond:
            ok = self._cond.wait_for(
                lambda: found() or not any(r.is_alive() for r in self._readers),
                timeout=timeout,
            )
            if ok and found():
                return
        self.kill()
        pytest.fail(
            f"no {times} line(s) matching {pattern!r} on std{stream} "
            f"of {self.argv}\n--- stdout:\n{self.stdout}\n--- stderr:\n{self.stderr}"
        )

    def send(self, signum: int) -> None:
        """Send ``signum`` to the child."""
        self.proc.send_signal(signum)

    def finish(self, timeout: float = WAIT) -> int:
        """Wait for the child to exit and its output to be read; return its code."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(
                f"{self.argv} did not exit within {timeout} s\n--- stdout:\n"
                f"{self.stdout}\n--- stderr:\n{self.stderr}"
            )
        for reader in self._readers:
            reader.join(timeout)
        return code

    def kill(self) -> None:
        """Kill the child (clean-up after a failure)."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(WAIT)

    def close(self) -> None:
        """Kill the child if still running and close its pipes (stdin too)."""
        self.kill()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                try:
                    stream.close()
                except BrokenPipeError:  # stdin=PIPE: unflushed input is lost
                    pass


#: spawn(*args, script=False, env=None, cwd=None, stdin=DEVNULL): the fixture.
Spawn = Callable[..., Child]


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    """Start worker processes; every one still running at the end is killed.

    ``spawn("run", "workerapps:ticker", ...)`` runs ``python -m mode.worker``
    with those arguments; ``spawn("scenario", ..., script=True)`` runs
    ``apps/workerapps.py`` directly, ``script=path`` that script.  ``apps/``
    is on ``PYTHONPATH``; the working directory is ``cwd`` (default: a fresh
    temporary directory); stdin is ``stdin`` (default: ``/dev/null``).
    """
    children: list[Child] = []

    def _spawn(
        *args: str,
        script: bool | Path = False,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stdin: int | IO[str] = subprocess.DEVNULL,
    ) -> Child:
        full_env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(APPS), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            **_coverage_env(),
            **(env or {}),
        }
        full_env.pop("COLUMNS", None)
        if isinstance(script, Path):
            argv = [sys.executable, str(script), *args]
        elif script:
            argv = [sys.executable, str(APPS / "workerapps.py"), *args]
        else:
            argv = [sys.executable, "-m", "mode.worker", *args]
        child = Child(argv, full_env, cwd or tmp_path, stdin)
        children.append(child)
        return child

    yield _spawn
    for child in children:
        child.close()


__all__ = ["APPS", "ROOT", "WAIT", "Child", "Spawn", "signal"]
