"""setup_logging / create_logconfig (mode.utils.logging.setup)."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

import mode.utils.logging as mode_logging
from mode.utils.logging import (
    DEFAULT_FORMATTERS,
    DefaultFormatter,
    ExtensionFormatter,
    create_logconfig,
    setup_logging,
)
from mode.utils.logging import setup as logsetup

NAME = "test.mode.setup"


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Give the root logger back its handlers and level after each test."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    monkeypatch.setattr(logsetup, "LOG_ISATTY", logsetup.LOG_ISATTY)
    named = logging.getLogger(NAME)
    named_level = named.level
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    named.setLevel(named_level)
    for handler in named.handlers[:]:
        named.removeHandler(handler)
        handler.close()


def root_handlers() -> list[logging.Handler]:
    return logging.getLogger().handlers


def test_import_configures_nothing() -> None:
    code = textwrap.dedent(
        """
        import logging
        import mode.utils.logging
        root = logging.getLogger()
        assert root.handlers == [], root.handlers
        assert root.level == logging.WARNING
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_console_handler_writes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert setup_logging(loglevel="info") == logging.INFO
    root = logging.getLogger()
    assert root.level == logging.INFO
    (handler,) = root_handlers()
    assert type(handler) is logging.StreamHandler
    assert handler.level == logging.INFO
    assert isinstance(handler.formatter, ExtensionFormatter)
    logging.getLogger(NAME).info("hello %s", "world", extra={"data": {"n": 1}})
    logging.getLogger(NAME).debug("not shown")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "[INFO] hello world n=1" in captured.err
    assert "not shown" not in captured.err
    assert mode_logging.LOG_ISATTY is False


def test_colours_keyed_off_stdout_while_writing_to_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdout", TTY())
    setup_logging(loglevel=logging.WARNING)
    # LOG_ISATTY is read live through the package.
    assert logsetup.LOG_ISATTY is True
    assert mode_logging.LOG_ISATTY is True
    logging.getLogger(NAME).warning("coloured")
    err = capsys.readouterr().err
    assert "\x1b[33mcoloured" in err  # WARNING is yellow
    assert cast(TTY, sys.stdout).getvalue() == ""


def test_logfile_gets_plain_default_formatter(tmp_path: Path) -> None:
    logfile = tmp_path / "mode.log"
    assert setup_logging(loglevel="debug", logfile=str(logfile)) == logging.DEBUG
    (handler,) = root_handlers()
    assert isinstance(handler, logging.FileHandler)
    assert isinstance(handler.formatter, DefaultFormatter)
    assert not isinstance(handler.formatter, ExtensionFormatter)
    assert logsetup.LOG_ISATTY is False
    logging.getLogger(NAME).debug("to file", extra={"data": {"x": "y"}})
    handler.flush()
    text = logfile.read_text()
    assert "[DEBUG]: to file x='y'\n" in text
    assert "\x1b[" not in text


def test_logfile_path_object(tmp_path: Path) -> None:
    logfile = tmp_path / "p.log"
    setup_logging(logfile=logfile)
    (handler,) = root_handlers()
    assert isinstance(handler, logging.FileHandler)
    assert handler.baseFilename == str(logfile)


def test_logfile_stream_only_sets_isatty(capsys: pytest.CaptureFixture[str]) -> None:
    stream = TTY()
    setup_logging(loglevel="warning", logfile=stream)
    assert logsetup.LOG_ISATTY is True
    (handler,) = root_handlers()
    assert type(handler) is logging.StreamHandler
    logging.getLogger(NAME).warning("where?")
    # As in the original: the console handler always writes to stderr.
    assert "where?" in capsys.readouterr().err
    assert stream.getvalue() == ""


def test_bad_logfile() -> None:
    with pytest.raises(TypeError, match="file path or a writable text stream, got int"):
        setup_logging(logfile=cast(Any, 3))


def test_bad_level_leaves_logging_untouched() -> None:
    before = root_handlers()[:]
    with pytest.raises(ValueError, match="unknown log level 'loud'"):
        setup_logging(loglevel="loud")
    assert root_handlers() == before


def test_no_level_keeps_root_level() -> None:
    logging.getLogger().setLevel(logging.ERROR)
    assert setup_logging() is None
    assert logging.getLogger().level == logging.ERROR
    (handler,) = root_handlers()
    assert handler.level == logging.NOTSET


def test_clears_root_handlers_and_is_idempotent() -> None:
    stale = logging.NullHandler()
    logging.getLogger().addHandler(stale)
    extra = logging.NullHandler()
    setup_logging(loglevel="info", loghandlers=[extra])
    first = root_handlers()[:]
    assert stale not in first
    assert len(first) == 2
    assert first[-1] is extra
    setup_logging(loglevel="info", loghandlers=[extra])
    second = root_handlers()[:]
    assert len(second) == 2
    assert second[-1] is extra
    assert type(second[0]) is logging.StreamHandler


def test_logging_config_replaces_generated_config() -> None:
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "loggers": {NAME: {"level": "ERROR"}},
    }
    setup_logging(loglevel="info", logging_config=config)
    # Nothing generated was applied: the root handlers were only cleared.
    assert root_handlers() == []
    assert logging.getLogger(NAME).level == logging.ERROR


def test_logging_config_merge() -> None:
    out = io.StringIO()
    config: dict[str, Any] = {
        "merge": True,
        "handlers": {
            "mine": {"class": "logging.StreamHandler", "stream": out},
        },
        "loggers": {NAME: {"level": "ERROR", "handlers": ["mine"]}},
    }
    setup_logging(loglevel="info", logging_config=config)
    assert config["merge"] is True  # the caller's mapping is not modified
    # The generated root handler is still there, merged with ours.
    (root_handler,) = root_handlers()
    assert isinstance(root_handler.formatter, ExtensionFormatter)
    named = logging.getLogger(NAME)
    assert named.level == logging.ERROR
    assert [type(h) for h in named.handlers] == [logging.StreamHandler]
    named.error("merged")
    assert out.getvalue() == "merged\n"


def test_logging_config_merge_replaces_entries() -> None:
    config = {
        "merge": True,
        "formatters": {"colored": {"format": "%(levelname)s|%(message)s"}},
    }
    setup_logging(loglevel="info", logging_config=config)
    (handler,) = root_handlers()
    assert type(handler.formatter) is logging.Formatter
    assert handler.formatter._fmt == "%(levelname)s|%(message)s"


def test_create_logconfig_defaults() -> None:
    config = create_logconfig()
    assert config == {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {k: dict(v) for k, v in DEFAULT_FORMATTERS.items()},
        "handlers": {},
        "root": {},
    }
    # A copy: changing it leaves the defaults alone.
    config["formatters"]["default"]["format"] = "changed"
    assert DEFAULT_FORMATTERS["default"]["format"] != "changed"


def test_create_logconfig_arguments() -> None:
    handlers = {"h": {"class": "logging.NullHandler"}}
    config = create_logconfig(
        version=1,
        disable_existing_loggers=True,
        formatters={"f": {"format": "%(message)s"}},
        handlers=handlers,
        root={"level": "INFO", "handlers": ["h"]},
    )
    assert config == {
        "version": 1,
        "disable_existing_loggers": True,
        "formatters": {"f": {"format": "%(message)s"}},
        "handlers": {"h": {"class": "logging.NullHandler"}},
        "root": {"level": "INFO", "handlers": ["h"]},
    }
    assert config["handlers"]["h"] is not handlers["h"]
