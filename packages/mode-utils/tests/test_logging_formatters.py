"""Formatters, %(extra)s and the argument transformers (with colorlog installed)."""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import colorlog
import pytest

from mode.utils.logging import (
    DEFAULT_COLOR_FORMAT,
    DEFAULT_COLORS,
    DEFAULT_FORMAT,
    DEFAULT_FORMATTERS,
    DefaultFormatter,
    ExtensionFormatter,
    FormatterHandler,
    FormatterHandler2,
    formatter,
    formatter2,
)
from mode.utils.logging import formatters as formatters_module

WHITE = "\x1b[37m"
RESET = "\x1b[0m"


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def no_color_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # colorlog obeys these; the tests decide colours through the stream.
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture
def registries() -> Iterator[None]:
    saved1 = set(formatters_module._formatters)
    saved2 = set(formatters_module._formatters2)
    yield
    formatters_module._formatters.clear()
    formatters_module._formatters.update(saved1)
    formatters_module._formatters2.clear()
    formatters_module._formatters2.update(saved2)


def emit(
    fmt: logging.Formatter,
    msg: str,
    *args: Any,
    name: str = "test.mode.formatters",
    **kwargs: Any,
) -> str:
    """Log through a real handler using ``fmt``; return the output."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(fmt)
    log = logging.getLogger(name)
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    try:
        log.info(msg, *args, **kwargs)
    finally:
        log.removeHandler(handler)
        log.propagate = True
    return out.getvalue()


def test_constants() -> None:
    assert DEFAULT_FORMAT == (
        "[%(asctime)s] [%(process)s] [%(levelname)s]: %(message)s %(extra)s"
    )
    assert DEFAULT_COLOR_FORMAT == (
        "[%(asctime)s] [%(process)s] [%(levelname)s] %(log_color)s%(message)s %(extra)s"
    )
    expected_colors = {**colorlog.default_log_colors, "INFO": "white", "DEBUG": "blue"}
    assert expected_colors == DEFAULT_COLORS
    assert DEFAULT_FORMATTERS["default"]["()"] is DefaultFormatter
    assert DEFAULT_FORMATTERS["default"]["format"] == DEFAULT_FORMAT
    assert DEFAULT_FORMATTERS["colored"]["()"] is ExtensionFormatter
    assert DEFAULT_FORMATTERS["colored"]["format"] == DEFAULT_COLOR_FORMAT
    assert DEFAULT_FORMATTERS["colored"]["log_colors"] is DEFAULT_COLORS


def test_default_formatter_extra_from_data() -> None:
    fmt = DefaultFormatter("%(levelname)s %(message)s|%(extra)s")
    out = emit(fmt, "hi %s", "there", extra={"data": {"a": 1, "b": "x"}})
    assert out == "INFO hi there|a=1, b='x'\n"


def test_default_formatter_extra_empty_without_data() -> None:
    fmt = DefaultFormatter(DEFAULT_FORMAT)
    out = emit(fmt, "plain")
    assert out.endswith("[INFO]: plain\n")  # no trailing space (issue 16)
    assert emit(DefaultFormatter("%(extra)s|"), "x", extra={"data": {}}) == "|\n"
    assert emit(DefaultFormatter("%(extra)s"), "x", extra={"data": [1]}) == "[1]\n"


def test_extension_formatter_colours_on_tty() -> None:
    fmt = ExtensionFormatter(
        stream=TTY(), fmt=DEFAULT_COLOR_FORMAT, log_colors=DEFAULT_COLORS
    )
    assert isinstance(fmt, colorlog.TTYColoredFormatter)
    out = emit(fmt, "hello", extra={"data": {"k": 2}})
    assert f"[INFO] {WHITE}hello k=2{RESET}" in out


def test_extension_formatter_no_colours_off_tty() -> None:
    fmt = ExtensionFormatter(stream=io.StringIO(), fmt=DEFAULT_COLOR_FORMAT)
    out = emit(fmt, "hello")
    assert "\x1b[" not in out
    assert out.endswith("[INFO] hello\n")  # no trailing space (issue 16)


def test_no_trailing_space_before_the_colour_reset_or_a_traceback() -> None:
    fmt = ExtensionFormatter(
        stream=TTY(), fmt=DEFAULT_COLOR_FORMAT, log_colors=DEFAULT_COLORS
    )
    assert emit(fmt, "hello").endswith(f"{WHITE}hello{RESET}\n")
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info()
    for each in (fmt, DefaultFormatter(DEFAULT_FORMAT)):
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = exc_info
        lines = each.format(record).splitlines()
        # On Python 3.13+ a terminal's traceback has colours too.
        assert re.sub(r"\x1b\[[0-9;]*m", "", lines[-1]) == "ValueError: boom"
        assert not [line for line in lines if line.endswith(" ")], lines


def test_extension_formatter_stream_defaults_to_stdout_at_creation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tty = TTY()
    monkeypatch.setattr(sys, "stdout", tty)
    fmt = ExtensionFormatter(fmt="%(log_color)s%(message)s")
    assert fmt.stream is tty  # type: ignore[attr-defined]
    assert emit(fmt, "m").startswith("\x1b[")


def test_formatter_registries(registries: None) -> None:
    class Secret:
        def __repr__(self) -> str:
            return "Secret()"

    seen: list[str] = []

    @formatter
    def hide(arg: Any) -> Any:
        seen.append("formatter")
        return "***" if isinstance(arg, Secret) else None

    @formatter2
    def tag(arg: Any, record: logging.LogRecord) -> Any:
        seen.append("formatter2")
        if arg == "***":
            return f"{arg}@{record.levelname}"
        return None

    f1: FormatterHandler = hide
    f2: FormatterHandler2 = tag
    assert f1 is hide
    assert f2 is tag
    fmt = ExtensionFormatter(stream=io.StringIO(), fmt="%(message)s")
    # Positional arguments: transformed, in order formatter then formatter2.
    assert emit(fmt, "%s %s", Secret(), 5) == "***@INFO 5\n"
    assert seen == ["formatter", "formatter2"] * 2
    # Mapping arguments are transformed too.
    assert emit(fmt, "%(s)s!", {"s": Secret()}) == "***@INFO!\n"
    assert (
        fmt.format_arg(Secret(), logging.makeLogRecord({"levelname": "ERROR"}))
        == "***@ERROR"
    )


def test_transformers_do_not_leak_into_other_handlers(registries: None) -> None:
    formatter(lambda arg: "changed" if arg == "orig" else None)
    ext_out, plain_out = io.StringIO(), io.StringIO()
    ext = logging.StreamHandler(ext_out)
    ext.setFormatter(ExtensionFormatter(stream=io.StringIO(), fmt="%(message)s"))
    plain = logging.StreamHandler(plain_out)
    plain.setFormatter(DefaultFormatter("%(message)s"))
    log = logging.getLogger("test.mode.formatters.leak")
    log.propagate = False
    log.addHandler(ext)
    log.addHandler(plain)
    try:
        log.warning("%s", "orig")
    finally:
        log.removeHandler(ext)
        log.removeHandler(plain)
        log.propagate = True
    assert ext_out.getvalue() == "changed\n"
    assert plain_out.getvalue() == "orig\n"


def test_only_extension_formatter_applies_transformers(registries: None) -> None:
    formatter(lambda arg: "changed")
    assert emit(DefaultFormatter("%(message)s"), "%s", "orig") == "orig\n"


def test_registering_non_callable() -> None:
    with pytest.raises(TypeError, match="formatter\\(\\) expects a callable, got int"):
        formatter(1)  # type: ignore[type-var]
    with pytest.raises(TypeError, match="formatter2\\(\\) expects a callable"):
        formatter2("x")  # type: ignore[type-var]
