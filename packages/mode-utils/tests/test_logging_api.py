"""The public surface of mode.utils.logging (a package of small modules)."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import mode.utils.logging as mode_logging

PUBLIC = {
    "CompositeLogger",
    "ExtensionFormatter",
    "FileLogProxy",
    "FormatterHandler",
    "FormatterHandler2",
    "LogSeverityMixin",
    "LogSeverityMixinBase",
    "Logwrapped",
    "Severity",
    "cry",
    "flight_recorder",
    "formatter",
    "formatter2",
    "get_logger",
    "level_name",
    "level_number",
    "redirect_logger",
    "redirect_stdouts",
    "setup_logging",
    "HAS_STACKLEVEL",
    "DEVLOG",
    "DEFAULT_FORMAT",
    "DEFAULT_COLOR_FORMAT",
    "DEFAULT_COLORS",
    "DEFAULT_FORMATTERS",
    "current_flight_recorder_stack",
    "current_flight_recorder",
    "create_logconfig",
    "LOG_ISATTY",
    "HasLog",
    "DefaultFormatter",
    "print_task_name",
    "LogMessage",
    "on_timeout",
}

SUBMODULES = [
    "dump",
    "formatters",
    "recorder",
    "redirect",
    "setup",
    "severity",
    "wrapped",
]


def test_all_34_names() -> None:
    assert len(PUBLIC) == 34
    assert set(mode_logging.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(mode_logging, name) is not None or name == "LOG_ISATTY"


def test_star_import() -> None:
    namespace: dict[str, object] = {}
    exec("from mode.utils.logging import *", namespace)
    assert set(namespace) >= PUBLIC


@pytest.mark.parametrize("name", SUBMODULES)
def test_submodules_export_what_they_define(name: str) -> None:
    module = importlib.import_module(f"mode.utils.logging.{name}")
    for attr in module.__all__:
        value = getattr(module, attr)
        assert getattr(mode_logging, attr) is value or attr == "LOG_ISATTY"
    assert module.__doc__


def test_names_are_the_objects_not_submodules() -> None:
    # Modules are named after what they hold, never after a public name.
    assert inspect.isclass(mode_logging.flight_recorder)
    assert inspect.isfunction(mode_logging.cry)
    assert inspect.isfunction(mode_logging.formatter)


def test_log_isatty_is_read_live(monkeypatch: pytest.MonkeyPatch) -> None:
    from mode.utils.logging import setup

    monkeypatch.setattr(setup, "LOG_ISATTY", True)
    assert mode_logging.LOG_ISATTY is True
    monkeypatch.setattr(setup, "LOG_ISATTY", False)
    assert mode_logging.LOG_ISATTY is False


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        mode_logging.nope  # noqa: B018


def test_package_is_typed() -> None:
    assert (Path(mode_logging.__file__).parent / "py.typed").is_file()


def test_public_objects_are_documented() -> None:
    for name in PUBLIC:
        value = getattr(mode_logging, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), name
