"""FileLogProxy and redirect_stdouts (mode.utils.logging.redirect)."""

from __future__ import annotations

import io
import logging
import sys
import threading
from typing import Any, cast

import pytest

from mode.utils.logging import FileLogProxy, redirect_logger, redirect_stdouts

NAME = "test.mode.redirect"


@pytest.fixture
def logger(caplog: pytest.LogCaptureFixture) -> logging.Logger:
    caplog.set_level(logging.DEBUG, logger=NAME)
    return logging.getLogger(NAME)


def streams() -> tuple[object, object]:
    """``(sys.stdout, sys.stderr)``, typed loosely for identity checks."""
    return sys.stdout, sys.stderr


def is_closed(proxy: FileLogProxy) -> bool:
    return proxy.closed


def test_severity_defaults(logger: logging.Logger) -> None:
    unset = logging.getLogger(NAME + ".unset")
    assert unset.level == logging.NOTSET
    assert FileLogProxy(unset).severity == logging.WARNING
    assert FileLogProxy(unset, severity="info").severity == logging.INFO
    assert FileLogProxy(unset, severity=logging.ERROR).severity == logging.ERROR
    # The logger's own level, when set, is the default.
    assert logger.level == logging.DEBUG
    assert FileLogProxy(logger).severity == logging.DEBUG
    with pytest.raises(ValueError, match="unknown log level"):
        FileLogProxy(logger, severity="nope")


def test_write_logs_stripped_text(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = FileLogProxy(logger, severity="info")
    assert proxy.write("  hello world \n") == len("  hello world \n")
    assert proxy.write("   \n") == 4
    assert proxy.write("") == 0
    proxy.writelines(["a\n", "\n", "b"])
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "hello world"),
        (logging.INFO, "a"),
        (logging.INFO, "b"),
    ]
    proxy.flush()
    assert not is_closed(proxy)
    proxy.close()
    assert is_closed(proxy)
    assert proxy.write("after close") == len("after close")
    assert len(caplog.records) == 3


def test_write_wants_str(logger: logging.Logger) -> None:
    with pytest.raises(TypeError, match="must be str, not bytes"):
        FileLogProxy(logger).write(cast(Any, b"x"))


def test_file_attributes(logger: logging.Logger) -> None:
    proxy = FileLogProxy(logger)
    assert proxy.mode == "w"
    assert proxy.name == ""
    assert proxy.isatty() is False
    assert proxy.readable() is False
    assert proxy.writable() is True
    assert proxy.seekable() is False
    assert proxy.encoding == sys.getdefaultencoding()
    assert proxy.errors is None
    assert proxy.newlines is False
    assert proxy.line_buffering is False
    with proxy as entered:
        assert entered is proxy
    assert is_closed(proxy)


@pytest.mark.parametrize(
    "call",
    [
        lambda p: p.buffer,
        lambda p: p.fileno(),
        lambda p: p.read(),
        lambda p: p.readline(),
        lambda p: p.readlines(),
        lambda p: p.seek(0),
        lambda p: p.tell(),
        lambda p: p.truncate(),
        lambda p: iter(p),
        lambda p: next(p),
    ],
)
def test_unsupported_operations(logger: logging.Logger, call: Any) -> None:
    with pytest.raises(NotImplementedError, match="FileLogProxy is write-only"):
        call(FileLogProxy(logger))


def test_recursion_guard(logger: logging.Logger) -> None:
    proxy = FileLogProxy(logger)
    emitted: list[str] = []

    class Echo(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            emitted.append(record.getMessage())
            # A handler writing to the proxy (e.g. to a redirected stderr).
            proxy.write(f"echo of {record.getMessage()}\n")

    handler = Echo()
    logger.addHandler(handler)
    try:
        proxy.write("once")
    finally:
        logger.removeHandler(handler)
    assert emitted == ["once"]


def test_recursion_guard_is_per_thread(logger: logging.Logger) -> None:
    proxy = FileLogProxy(logger)
    emitted: list[str] = []

    class FromThread(logging.Handler):
        def handle(self, record: logging.LogRecord) -> bool:
            # Without the handler lock: the other thread logs while we wait.
            self.emit(record)
            return True

        def emit(self, record: logging.LogRecord) -> None:
            emitted.append(record.getMessage())
            if len(emitted) == 1:
                # Another thread is not blocked by this thread's guard.
                thread = threading.Thread(target=proxy.write, args=("other",))
                thread.start()
                thread.join(10)

    handler = FromThread()
    logger.addHandler(handler)
    try:
        proxy.write("main")
    finally:
        logger.removeHandler(handler)
    assert emitted == ["main", "other"]


def test_handler_errors_go_to_real_stderr(
    logger: logging.Logger,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Failing(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            try:
                raise OSError("disk full")
            except OSError:
                self.handleError(record)

    handler = Failing()
    logger.addHandler(handler)
    try:
        proxy = FileLogProxy(logger)
        sys.stderr.write("")  # capfd swaps streams; the report uses __stderr__
        proxy.write("x")
        assert "OSError: disk full" in capfd.readouterr().err
        # No real stderr at all (pythonw): nothing happens.
        monkeypatch.setattr(sys, "__stderr__", None)
        proxy.write("y")

        class Broken(io.StringIO):
            def write(self, s: str) -> int:
                raise OSError("gone")

        monkeypatch.setattr(sys, "__stderr__", Broken())
        proxy.write("z")
    finally:
        logger.removeHandler(handler)


def test_redirect_stdouts_logs_prints(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    with redirect_stdouts(logger, severity="error") as proxy:
        assert sys.stdout is proxy
        assert sys.stderr is proxy
        print("to stdout")
        print("to stderr", file=sys.stderr)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.ERROR, "to stdout"),
        (logging.ERROR, "to stderr"),
    ]


def test_redirect_stdouts_restores_previous_streams(
    logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fix: the original restored sys.__stdout__/sys.__stderr__ instead.
    mine_out, mine_err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", mine_out)
    monkeypatch.setattr(sys, "stderr", mine_err)
    with redirect_stdouts(logger) as outer:
        with redirect_stdouts(logger):
            pass
        assert sys.stdout is outer  # nesting restores the enclosing proxy
        assert sys.stderr is outer
    assert streams() == (mine_out, mine_err)
    with pytest.raises(KeyError), redirect_stdouts(logger):
        raise KeyError("boom")
    assert streams() == (mine_out, mine_err)


def test_redirect_only_one_stream(
    logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with redirect_stdouts(logger, stdout=False) as proxy:
        assert streams() == (out, proxy)
    with redirect_stdouts(logger, stderr=False) as proxy:
        assert streams() == (proxy, err)
    assert streams() == (out, err)


def test_default_logger(caplog: pytest.LogCaptureFixture) -> None:
    assert redirect_logger.name == "mode.redirect"
    caplog.set_level(logging.WARNING, logger="mode.redirect")
    with redirect_stdouts() as proxy:
        assert proxy.logger is redirect_logger
        print("default")
    (record,) = caplog.records
    assert (record.name, record.levelno, record.getMessage()) == (
        "mode.redirect",
        logging.WARNING,
        "default",
    )
