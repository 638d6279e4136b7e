"""Logwrapped (mode.utils.logging.wrapped)."""

from __future__ import annotations

import copy
import logging
import sys

import pytest

from mode.utils.logging import CompositeLogger, Logwrapped

NAME = "test.mode.wrapped"


class Thing:
    value = 42

    def add(self, a: int, b: int = 0) -> int:
        return a + b

    def __enter__(self) -> Thing:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __repr__(self) -> str:
        return "<Thing>"


@pytest.fixture
def logger(caplog: pytest.LogCaptureFixture) -> logging.Logger:
    caplog.set_level(logging.DEBUG, logger=NAME)
    return logging.getLogger(NAME)


def test_method_calls_are_logged(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    wrapped: Logwrapped[Thing] = Logwrapped(Thing(), logger=logger)
    line = sys._getframe().f_lineno + 1
    assert wrapped.add(1, b=2) == 3
    (record,) = caplog.records
    assert record.levelno == logging.WARNING  # the default severity
    assert record.getMessage() == "add(1, b=2)"
    assert (record.funcName, record.lineno) == ("test_method_calls_are_logged", line)
    assert wrapped.add.__name__ == "add"


def test_ident_and_severity(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    wrapped = Logwrapped(Thing(), logger=logger, severity="info", ident="{0!r}.")
    wrapped.add("x", "y")
    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert record.getMessage() == "<Thing>.add('x', 'y')"
    assert wrapped.severity == logging.INFO
    assert wrapped.ident == "{0!r}."


def test_attributes_forwarded_not_wrapped(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    thing = Thing()
    wrapped = Logwrapped(thing, logger=logger)
    assert wrapped.value == 42
    assert wrapped.__enter__.__func__ is Thing.__enter__
    assert wrapped.__exit__.__func__ is Thing.__exit__
    assert caplog.records == []
    assert repr(wrapped) == "<Thing>"
    assert dir(wrapped) == dir(thing)
    assert wrapped.obj is thing
    assert wrapped.logger is logger
    with pytest.raises(AttributeError):
        wrapped.missing  # noqa: B018


def test_through_a_has_log_logger(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    composite = CompositeLogger(logger, formatter=lambda sev, msg, *a, **k: f"C:{msg}")
    wrapped = Logwrapped(Thing(), logger=composite, severity=logging.ERROR)
    line = sys._getframe().f_lineno + 1
    wrapped.add(2)
    (record,) = caplog.records
    assert record.getMessage() == "C:add(2)"
    assert record.levelno == logging.ERROR
    assert (record.funcName, record.lineno) == ("test_through_a_has_log_logger", line)


def test_default_logger(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="mode.utils.logging")
    Logwrapped(Thing()).add(1)
    (record,) = caplog.records
    assert record.name == "mode.utils.logging"


def test_bad_severity() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        Logwrapped(Thing(), severity="loudest")


def test_half_built_proxy_does_not_recurse() -> None:
    bare = Logwrapped.__new__(Logwrapped)
    with pytest.raises(AttributeError):
        bare.anything  # noqa: B018
    wrapped = Logwrapped(Thing())
    clone = copy.copy(wrapped)
    assert clone.obj is wrapped.obj
