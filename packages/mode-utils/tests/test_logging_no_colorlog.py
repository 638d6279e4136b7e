"""mode.utils.logging without colorlog: plain formatter and handler, no codes."""

from __future__ import annotations

import importlib
import io
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from mode.utils.logging import formatters as formatters_module
from mode.utils.logging import setup as logsetup


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    monkeypatch.setattr(logsetup, "LOG_ISATTY", logsetup.LOG_ISATTY)
    yield
    for handler in root.handlers[:]:
        root.removeHandler(handler)
        if handler not in handlers:
            handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.fixture
def plain(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The formatters module re-imported as if colorlog were not installed."""
    saved = dict(formatters_module.__dict__)
    monkeypatch.setitem(sys.modules, "colorlog", None)
    try:
        yield importlib.reload(formatters_module)
    finally:
        # Put back the very same objects (classes keep their identity).
        formatters_module.__dict__.clear()
        formatters_module.__dict__.update(saved)


def emit(fmt: logging.Formatter, msg: str, *args: Any, **kwargs: Any) -> str:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(fmt)
    log = logging.getLogger("test.mode.no_colorlog")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning(msg, *args, **kwargs)
    finally:
        log.removeHandler(handler)
        log.propagate = True
    return out.getvalue()


def test_extension_formatter_is_plain(plain: ModuleType) -> None:
    ext = plain.ExtensionFormatter
    assert ext.__mro__[1].__name__ == "_PlainColorFormatter"
    assert all(cls.__module__ != "colorlog.formatter" for cls in ext.__mro__)
    assert issubclass(ext, logging.Formatter)
    assert plain._STREAM_HANDLER_CLASS == "logging.StreamHandler"
    assert plain.DEFAULT_COLORS == {
        "DEBUG": "blue",
        "INFO": "white",
        "WARNING": "yellow",
        "ERROR": "red",
        "CRITICAL": "bold_red",
    }


def test_same_format_minus_colour_codes(plain: ModuleType) -> None:
    fmt = plain.ExtensionFormatter(
        stream=TTY(),  # even a terminal gets no colour codes
        fmt=plain.DEFAULT_COLOR_FORMAT,
        log_colors=plain.DEFAULT_COLORS,
    )
    assert fmt._fmt == (
        "[%(asctime)s] [%(process)s] [%(levelname)s] %(message)s %(extra)s"
    )
    out = emit(fmt, "hello %s", "you", extra={"data": {"k": 1}})
    assert "\x1b[" not in out
    assert out.endswith("[WARNING] hello you k=1\n")
    assert fmt.log_colors == plain.DEFAULT_COLORS
    assert isinstance(fmt.stream, TTY)


@pytest.mark.parametrize(
    ("style", "fmt", "expected"),
    [
        ("%", "%(reset)s%(bold_red)s%(message)s%(fg_12)s%(bg_white)s", "%(message)s"),
        ("%", "%(message_log_color)s%(message)s", "%(message)s"),
        ("{", "{log_color}{message}{reset}{thin_light_cyan}", "{message}"),
        ("$", "${log_color}${message}$reset", "${message}"),
    ],
)
def test_colour_placeholders_removed(
    plain: ModuleType, style: str, fmt: str, expected: str
) -> None:
    formatter = plain.ExtensionFormatter(fmt=fmt, style=style)
    assert formatter._fmt == expected
    assert emit(formatter, "text") == "text\n"


def test_default_format_and_bad_style(plain: ModuleType) -> None:
    formatter = plain.ExtensionFormatter()
    assert formatter._fmt == "%(levelname)s:%(name)s:%(message)s"
    assert emit(formatter, "m") == "WARNING:test.mode.no_colorlog:m\n"
    assert formatter.stream is sys.stdout
    with pytest.raises(ValueError, match="style must be one of"):
        plain.ExtensionFormatter(style="#")


def test_setup_logging_without_colorlog(
    plain: ModuleType, restore_root: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logsetup.setup_logging(loglevel="info")
    (handler,) = logging.getLogger().handlers
    assert type(handler) is logging.StreamHandler
    assert isinstance(handler.formatter, plain.ExtensionFormatter)
    logging.getLogger("test.mode.no_colorlog.setup").info("plain %d", 3)
    err = capsys.readouterr().err
    assert "[INFO] plain 3\n" in err  # no trailing space (issue 16)
    assert "\x1b[" not in err


def test_import_never_needs_colorlog() -> None:
    code = textwrap.dedent(
        """
        import logging, sys
        sys.modules["colorlog"] = None
        import mode.utils.logging as L
        assert "colorlog" not in {m.__module__.split(".")[0]
                                  for m in L.ExtensionFormatter.__mro__}
        assert logging.getLogger().handlers == []
        L.setup_logging(loglevel="INFO")
        logging.getLogger("x").info("hi %s", "there", extra={"data": {"a": 1}})
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
    assert proc.stderr.endswith("[INFO] hi there a=1\n")
    assert "\x1b[" not in proc.stderr
