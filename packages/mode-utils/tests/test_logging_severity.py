"""Levels, LogSeverityMixin and CompositeLogger (mode.utils.logging.severity)."""

from __future__ import annotations

import logging
import sys
from typing import Any, cast

import pytest

from mode.utils.logging import (
    DEVLOG,
    HAS_STACKLEVEL,
    CompositeLogger,
    HasLog,
    LogSeverityMixin,
    LogSeverityMixinBase,
    Severity,
    get_logger,
    level_name,
    level_number,
)
from mode.utils.logging import severity as severity_module

NAME = "test.mode.severity"


@pytest.fixture
def logger(caplog: pytest.LogCaptureFixture) -> logging.Logger:
    caplog.set_level(logging.DEBUG, logger=NAME)
    return logging.getLogger(NAME)


def here() -> int:
    """The line number of the caller's next line."""
    return sys._getframe(1).f_lineno + 1


def test_constants() -> None:
    assert HAS_STACKLEVEL is True
    assert isinstance(DEVLOG, bool)
    assert Severity == int | str


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (logging.INFO, "INFO"),
        (logging.CRITICAL, "CRITICAL"),
        (5, "Level 5"),
        ("info", "INFO"),
        ("Warning", "WARNING"),
        ("whatever", "WHATEVER"),
    ],
)
def test_level_name(level: Severity, expected: str) -> None:
    assert level_name(level) == expected


def test_level_name_bad_type() -> None:
    with pytest.raises(TypeError, match="expects an int or a str, got float"):
        level_name(cast(Any, 1.5))


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (logging.DEBUG, logging.DEBUG),
        (33, 33),
        ("debug", logging.DEBUG),
        ("INFO", logging.INFO),
        ("warn", logging.WARNING),
        ("Warning", logging.WARNING),
        ("error", logging.ERROR),
        ("crit", None),  # not a level name: see test_level_number_unknown
        (" critical ", logging.CRITICAL),
        ("15", 15),
    ],
)
def test_level_number(level: Severity, expected: int | None) -> None:
    if expected is None:
        with pytest.raises(ValueError):
            level_number(level)
    else:
        assert level_number(level) == expected


def test_level_number_none() -> None:
    assert level_number(None) is None


def test_level_number_unknown_raises_instead_of_level_x() -> None:
    # Fix: the original returned the str "Level VERBOSE" here.
    with pytest.raises(ValueError, match="unknown log level 'verbose'") as exc:
        level_number("verbose")
    assert "CRITICAL, ERROR, WARNING, INFO, DEBUG" in str(exc.value)


def test_level_number_bad_type() -> None:
    with pytest.raises(TypeError, match="an int, a str or None, got float"):
        level_number(cast(Any, 2.0))


def test_level_number_custom_level() -> None:
    logging.addLevelName(7, "MODETRACE")
    try:
        assert level_number("modetrace") == 7
        assert level_name(7) == "MODETRACE"
    finally:
        logging._nameToLevel.pop("MODETRACE", None)
        logging._levelToName.pop(7, None)


def test_get_logger_adds_null_handler() -> None:
    name = "test.mode.get_logger.fresh"
    log = get_logger(name)
    assert log is logging.getLogger(name)
    assert [type(h) for h in log.handlers] == [logging.NullHandler]
    # Calling again adds nothing.
    assert get_logger(name).handlers == log.handlers


def test_get_logger_keeps_existing_handlers() -> None:
    name = "test.mode.get_logger.configured"
    handler = logging.StreamHandler()
    logging.getLogger(name).addHandler(handler)
    try:
        assert get_logger(name).handlers == [handler]
    finally:
        logging.getLogger(name).removeHandler(handler)


@pytest.mark.parametrize(
    ("method", "levelno"),
    [
        ("debug", logging.DEBUG),
        ("info", logging.INFO),
        ("warn", logging.WARNING),
        ("warning", logging.WARNING),
        ("error", logging.ERROR),
        ("crit", logging.CRITICAL),
        ("critical", logging.CRITICAL),
        ("exception", logging.ERROR),
    ],
)
def test_composite_logger_methods(
    logger: logging.Logger,
    caplog: pytest.LogCaptureFixture,
    method: str,
    levelno: int,
) -> None:
    log = CompositeLogger(logger)
    line = here()
    getattr(log, method)("hello %s", "world", extra={"data": {"k": 1}})
    (record,) = caplog.records
    assert record.levelno == levelno
    assert record.getMessage() == "hello world"
    assert record.__dict__["data"] == {"k": 1}
    # stacklevel: the record points at this test, not at mode.utils.logging.
    assert record.funcName == "test_composite_logger_methods"
    assert record.lineno == line
    assert record.pathname == __file__


def test_composite_logger_log_points_at_caller(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    log = CompositeLogger(logger)
    line = here()
    log.log(logging.INFO, "direct")
    (record,) = caplog.records
    assert (record.funcName, record.lineno) == (
        "test_composite_logger_log_points_at_caller",
        line,
    )
    assert log.logger is logger
    assert log.formatter is None
    assert log.format(logging.INFO, "same") == "same"


def test_composite_logger_formatter_hook(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[tuple[Any, ...]] = []

    def fmt(severity: int, msg: str, *args: Any, **kwargs: Any) -> str:
        calls.append((severity, msg, args, sorted(kwargs)))
        return f"[^-Child]: {msg}"

    log = CompositeLogger(logger, formatter=fmt)
    line = here()
    log.warning("value=%r", 42)
    (record,) = caplog.records
    assert record.getMessage() == "[^-Child]: value=42"
    assert (record.funcName, record.lineno) == (
        "test_composite_logger_formatter_hook",
        line,
    )
    assert calls == [(logging.WARNING, "value=%r", (42,), ["stacklevel"])]


def test_exception_includes_exc_info(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    log = CompositeLogger(logger)
    try:
        raise KeyError("boom")
    except KeyError:
        log.exception("failed")
    (record,) = caplog.records
    assert record.exc_info is not None
    assert record.exc_info[0] is KeyError
    assert "KeyError: 'boom'" in caplog.text


def test_dev_only_with_devlog(
    logger: logging.Logger,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = CompositeLogger(logger)
    monkeypatch.setattr(severity_module, "DEVLOG", False)
    log.dev("hidden")
    assert caplog.records == []
    monkeypatch.setattr(severity_module, "DEVLOG", True)
    line = here()
    log.dev("shown %d", 1)
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == "shown 1"
    assert (record.funcName, record.lineno) == ("test_dev_only_with_devlog", line)


def test_devlog_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    saved = dict(severity_module.__dict__)
    try:
        monkeypatch.setenv("DEVLOG", "1")
        assert importlib.reload(severity_module).DEVLOG is True
        monkeypatch.delenv("DEVLOG")
        assert importlib.reload(severity_module).DEVLOG is False
    finally:
        severity_module.__dict__.clear()
        severity_module.__dict__.update(saved)


class Recorder(LogSeverityMixin):
    """A minimal HasLog implementation."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str, tuple[Any, ...], dict[str, Any]]] = []

    def log(self, severity: int, message: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((severity, message, args, kwargs))


def test_mixin_forwards_to_log() -> None:
    rec = Recorder()
    has_log: HasLog = rec
    assert isinstance(rec, LogSeverityMixinBase)
    rec.info("a %s", 1, extra={"x": 1})
    rec.warn("w", stacklevel=5)
    rec.exception("e")
    rec.exception("e2", exc_info=False)
    has_log.log(logging.DEBUG, "raw")
    assert rec.calls == [
        (logging.INFO, "a %s", (1,), {"extra": {"x": 1}, "stacklevel": 3}),
        (logging.WARNING, "w", (), {"stacklevel": 5}),
        (logging.ERROR, "e", (), {"stacklevel": 3, "exc_info": 1}),
        (logging.ERROR, "e2", (), {"exc_info": False, "stacklevel": 3}),
        (logging.DEBUG, "raw", (), {}),
    ]
