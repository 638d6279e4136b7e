"""Log levels, and the ``.info()``/``.warning()``/... mixin used by services.

* :func:`level_name` and :func:`level_number` convert between level names
  and numbers.
* :class:`LogSeverityMixin` adds ``dev``/``debug``/``info``/``warn``/
  ``warning``/``error``/``crit``/``critical``/``exception`` to any class
  with a ``log(severity, message, *args, **kwargs)`` method.
* :class:`CompositeLogger` is such a class: it wraps a :class:`logging.Logger`
  and passes every message through an optional formatter hook (services use
  it to prefix messages with their label).

Records point at the code that called ``.info()`` & co. (not at this
module): the methods pass ``stacklevel`` to :meth:`logging.Logger.log`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, Final, Protocol, TypeAlias, overload

__all__ = [
    "DEVLOG",
    "HAS_STACKLEVEL",
    "CompositeLogger",
    "HasLog",
    "LogSeverityMixin",
    "LogSeverityMixinBase",
    "Severity",
    "level_name",
    "level_number",
]

#: A log level: a number (``logging.INFO``) or a name (``"info"``).
Severity: TypeAlias = int | str

#: True when the ``DEVLOG`` environment variable is set to a non-empty value
#: (read once, at import); :meth:`LogSeverityMixin.dev` logs only then.
DEVLOG: bool = bool(os.environ.get("DEVLOG", ""))

#: Always True: every supported Python accepts ``stacklevel`` (kept for code
#: written against older versions of mode).
HAS_STACKLEVEL: Final = True

_LEVEL_NAMES_HELP: Final = (
    "a level name (CRITICAL, ERROR, WARNING, INFO, DEBUG, NOTSET or one "
    "registered with logging.addLevelName) or a number"
)


def level_name(level: Severity) -> str:
    """Return the name of a log level.

    A number goes through :func:`logging.getLevelName` (an unknown number
    gives ``"Level N"``, as in :mod:`logging`); a string is returned upper-cased.
    Raises TypeError for anything else.
    """
    if isinstance(level, int):
        return logging.getLevelName(level)
    if isinstance(level, str):
        return level.upper()
    raise TypeError(f"level_name() expects an int or a str, got {type(level).__name__}")


@overload
def level_number(level: None) -> None: ...
@overload
def level_number(level: Severity) -> int: ...
def level_number(level: Severity | None) -> int | None:
    """Return the number of a log level.

    A number is returned unchanged and None gives None.  A string is
    matched case-insensitively against the level names known to
    :mod:`logging` (including names added with :func:`logging.addLevelName`);
    a string of digits such as ``"10"`` is read as that number.

    Raises ValueError for an unknown name (fix: the original returned the
    string ``"Level X"``, which then failed far away in ``setLevel``), and
    TypeError for anything that is not an int, a str or None.
    """
    if level is None:
        return None
    if isinstance(level, int):
        return level
    if isinstance(level, str):
        name = level.strip().upper()
        number = logging.getLevelNamesMapping().get(name)
        if number is not None:
            return number
        if name.isdigit():
            return int(name)
        raise ValueError(f"unknown log level {level!r}: expected {_LEVEL_NAMES_HELP}")
    raise TypeError(
        f"level_number() expects an int, a str or None, got {type(level).__name__}"
    )


def _require_logger(logger: object, caller: str) -> None:
    """Raise TypeError unless ``logger`` has a callable ``log()`` method."""
    if not callable(getattr(logger, "log", None)):
        raise TypeError(
            f"{caller} needs a logging.Logger (anything with a log() method), "
            f"not {type(logger).__name__}"
        )


class HasLog(Protocol):
    """Anything with a ``log(severity, message, *args, **kwargs)`` method."""

    def log(self, severity: int, message: str, /, *args: Any, **kwargs: Any) -> None:
        """Log ``message % args`` at level ``severity``."""


class LogSeverityMixinBase:
    """Base class of :class:`LogSeverityMixin` (kept for compatibility)."""

    __slots__ = ()


class LogSeverityMixin(LogSeverityMixinBase):
    """Level-named logging methods for classes that define ``log()``.

    The class using the mixin must provide ``log(severity, message, *args,
    **kwargs)`` (see :class:`HasLog`).  Every method forwards its arguments
    to it with ``stacklevel=3`` unless a ``stacklevel`` is given, so a
    ``log()`` that passes the keyword on to :meth:`logging.Logger.log` from
    its own body makes the record point at the caller of ``.info()`` & co.
    """

    __slots__ = ()

    def dev(self: HasLog, message: str, *args: Any, **kwargs: Any) -> None:
        """Log at INFO, but only when the ``DEVLOG`` environment flag is set."""
        if DEVLOG:
            kwargs.setdefault("stacklevel", 3)
            self.log(logging.INFO, message, *args, **kwargs)

    def debug(self: HasLog, message: str, *args: Any, **kwargs: Any) -> None:
        """Log at DEBUG level."""
        kwargs.setdefault("stacklevel", 3)
        self.log(logging.DEBUG, message, *args, **kwargs)

    def info(self: HasLog, message: str, *args: Any, **kwargs: Any) -> None:
        """Log at INFO level."""
        kwargs.setdefault("stacklevel", 3)
        self.log(logging.INFO, message, *args, **kwargs)

    def warn(self: HasLog, message: str, *args: Any, **kwargs: Any) -> None:
        """Log at WARNING level (alias of :meth:`warning`)."""
        kwargs.setdefault("stacklevel", 3)
        self.log(logging.WARNING, message, *args, **kwargs)

    def warning(self: HasLog, message: str, *args: Any, **kwargs: Any) -> None:
        """Log at WARNING level."""
        kwargs.setdefault("stacklevel", 3)
        self.log(logging.WARNING, message, *args, **kwargs)

    def error(self: HasLog, message: str, *args: Any, **kwargs: Any) -> None:
        """Log at ERROR level."""
        kwargs.setdefault("stacklevel", 3)
        self.log(logging.ERROR, message, *args, **kwargs)

    def crit(self: HasLog, message: str, *args: Any, **kwargs: Any) -> None:
        """Log at CRITICAL level (alias of :meth:`critical`)."""
        kwargs.setdefault("stacklevel", 3)
        self.log(logging.CRITICAL, message, *args, **kwargs)

    def critical(self: HasLog, message: str, *args: Any, **kwargs: Any) -> None:
        """Log at CRITICAL level."""
        kwargs.setdefault("stacklevel", 3)
        self.log(logging.CRITICAL, message, *args, **kwargs)

    def exception(self: HasLog, message: str, *args: Any, **kwargs: Any) -> None:
        """Log at ERROR level with the exception being handled (``exc_info``)."""
        kwargs.setdefault("stacklevel", 3)
        kwargs.setdefault("exc_info", 1)
        self.log(logging.ERROR, message, *args, **kwargs)


class CompositeLogger(LogSeverityMixin):
    """A :class:`logging.Logger` plus a hook that rewrites every message.

    ``formatter(severity, message, *args, **kwargs)``, when given, returns
    the text actually logged (services prefix it with their label, e.g.
    ``[^-Child]: ``); the ``args`` are still applied by :mod:`logging`.
    Raises TypeError if ``logger`` has no ``log()`` method or ``formatter`` is
    not callable.
    """

    logger: logging.Logger
    formatter: Callable[..., str] | None

    def __init__(
        self, logger: logging.Logger, formatter: Callable[..., str] | None = None
    ) -> None:
        _require_logger(logger, "CompositeLogger")
        if formatter is not None and not callable(formatter):
            raise TypeError(
                "CompositeLogger formatter= must be a callable or None, not "
                f"{type(formatter).__name__}"
            )
        self.logger = logger
        self.formatter = formatter

    def log(self, severity: int, message: str, *args: Any, **kwargs: Any) -> None:
        """Log ``format(...)`` at ``severity`` through :attr:`logger`.

        ``stacklevel`` defaults to 2: the record points at the caller.
        """
        kwargs.setdefault("stacklevel", 2)
        self.logger.log(
            severity, self.format(severity, message, *args, **kwargs), *args, **kwargs
        )

    def format(self, severity: int, message: str, *args: Any, **kwargs: Any) -> str:
        """Return ``formatter(severity, message, *args, **kwargs)``, or ``message``."""
        if self.formatter is not None:
            return self.formatter(severity, message, *args, **kwargs)
        return message


def get_logger(name: str) -> logging.Logger:
    """Return :func:`logging.getLogger(name) <logging.getLogger>`.

    A logger without handlers gets a :class:`logging.NullHandler`, so a
    library logging before the application configured logging prints
    nothing (records still propagate to the root logger's handlers).
    """
    logger = logging.getLogger(name)
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger
