"""Logging helpers of mode: setup, formatters, severity mixin, flight recorder.

The names live in small modules and are re-exported here, so
``from mode.utils.logging import setup_logging`` keeps working:

* :mod:`.severity`: levels (:func:`level_name`, :func:`level_number`),
  :class:`LogSeverityMixin`, :class:`CompositeLogger`.
* :mod:`.formatters`: :class:`DefaultFormatter`, :class:`ExtensionFormatter`
  (colours with the optional colorlog), :func:`formatter`/:func:`formatter2`.
* :mod:`.setup`: :func:`setup_logging`, :func:`create_logconfig`,
  :func:`get_logger`.
* :mod:`.recorder`: :class:`flight_recorder` and :data:`on_timeout`.
* :mod:`.redirect`: :class:`FileLogProxy`, :func:`redirect_stdouts`.
* :mod:`.dump`: :func:`cry` (the SIGUSR1 report of threads and tasks).
* :mod:`.wrapped`: :class:`Logwrapped`.

Importing this package configures nothing and never needs colorlog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .severity import DEVLOG as DEVLOG
from .severity import HAS_STACKLEVEL as HAS_STACKLEVEL
from .severity import CompositeLogger as CompositeLogger
from .severity import HasLog as HasLog
from .severity import LogSeverityMixin as LogSeverityMixin
from .severity import LogSeverityMixinBase as LogSeverityMixinBase
from .severity import Severity as Severity
from .severity import get_logger as get_logger
from .severity import level_name as level_name
from .severity import level_number as level_number

if TYPE_CHECKING:  # the lazily imported names, for type checkers
    from .dump import cry as cry
    from .dump import print_task_name as print_task_name
    from .formatters import DEFAULT_COLOR_FORMAT as DEFAULT_COLOR_FORMAT
    from .formatters import DEFAULT_COLORS as DEFAULT_COLORS
    from .formatters import DEFAULT_FORMAT as DEFAULT_FORMAT
    from .formatters import DEFAULT_FORMATTERS as DEFAULT_FORMATTERS
    from .formatters import DefaultFormatter as DefaultFormatter
    from .formatters import ExtensionFormatter as ExtensionFormatter
    from .formatters import FormatterHandler as FormatterHandler
    from .formatters import FormatterHandler2 as FormatterHandler2
    from .formatters import formatter as formatter
    from .formatters import formatter2 as formatter2
    from .recorder import LogMessage as LogMessage
    from .recorder import current_flight_recorder as current_flight_recorder
    from .recorder import current_flight_recorder_stack as current_flight_recorder_stack
    from .recorder import flight_recorder as flight_recorder
    from .recorder import on_timeout as on_timeout
    from .redirect import FileLogProxy as FileLogProxy
    from .redirect import redirect_logger as redirect_logger
    from .redirect import redirect_stdouts as redirect_stdouts
    from .setup import LOG_ISATTY as LOG_ISATTY
    from .setup import create_logconfig as create_logconfig
    from .setup import setup_logging as setup_logging
    from .wrapped import Logwrapped as Logwrapped

__all__ = [
    "DEFAULT_COLORS",
    "DEFAULT_COLOR_FORMAT",
    "DEFAULT_FORMAT",
    "DEFAULT_FORMATTERS",
    "DEVLOG",
    "HAS_STACKLEVEL",
    "LOG_ISATTY",
    "CompositeLogger",
    "DefaultFormatter",
    "ExtensionFormatter",
    "FileLogProxy",
    "FormatterHandler",
    "FormatterHandler2",
    "HasLog",
    "LogMessage",
    "LogSeverityMixin",
    "LogSeverityMixinBase",
    "Logwrapped",
    "Severity",
    "create_logconfig",
    "cry",
    "current_flight_recorder",
    "current_flight_recorder_stack",
    "flight_recorder",
    "formatter",
    "formatter2",
    "get_logger",
    "level_name",
    "level_number",
    "on_timeout",
    "print_task_name",
    "redirect_logger",
    "redirect_stdouts",
    "setup_logging",
]


#: Name -> sub-module, imported on first use (PEP 562): ``import
#: mode.utils.logging`` only loads the severity helpers and ``get_logger``,
#: which every Service needs; set-up, formatters, the flight recorder, the
#: stdout redirection and ``cry`` load when first asked for.
_LAZY: dict[str, str] = {
    "DEFAULT_COLORS": "formatters",
    "DEFAULT_COLOR_FORMAT": "formatters",
    "DEFAULT_FORMAT": "formatters",
    "DEFAULT_FORMATTERS": "formatters",
    "DefaultFormatter": "formatters",
    "ExtensionFormatter": "formatters",
    "FileLogProxy": "redirect",
    "FormatterHandler": "formatters",
    "FormatterHandler2": "formatters",
    "LogMessage": "recorder",
    "Logwrapped": "wrapped",
    "create_logconfig": "setup",
    "cry": "dump",
    "current_flight_recorder": "recorder",
    "current_flight_recorder_stack": "recorder",
    "flight_recorder": "recorder",
    "formatter": "formatters",
    "formatter2": "formatters",
    "on_timeout": "recorder",
    "print_task_name": "dump",
    "redirect_logger": "redirect",
    "redirect_stdouts": "redirect",
    "setup_logging": "setup",
}


def __getattr__(name: str) -> Any:
    # LOG_ISATTY is rewritten by every setup_logging() call: read it live.
    if name == "LOG_ISATTY":
        from . import setup

        return setup.LOG_ISATTY
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
