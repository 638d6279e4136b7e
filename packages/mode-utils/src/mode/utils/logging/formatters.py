"""Log formatters: the ``%(extra)s`` field, colours, argument transformers.

* :class:`DefaultFormatter` fills ``%(extra)s`` from ``extra={"data": {...}}``.
* :class:`ExtensionFormatter` does the same, colours the output, and runs
  the global argument transformers registered with :func:`formatter` and
  :func:`formatter2` on every log argument.

colorlog is optional (the ``color`` extra).  With it, ExtensionFormatter is a
``colorlog.TTYColoredFormatter`` (colours only when its ``stream``, by default
``sys.stdout``, is a terminal).  Without it, ExtensionFormatter is a plain
:class:`logging.Formatter` that accepts the same keyword arguments, ignores
the colour ones and drops colour placeholders (``%(log_color)s``,
``%(reset)s``, ``%(red)s`` ...) from the format, so the same configuration
works either way.
"""

from __future__ import annotations

import copy
import logging
import re
import sys
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any, Final, Literal, TypeAlias, TypeVar

__all__ = [
    "DEFAULT_COLORS",
    "DEFAULT_COLOR_FORMAT",
    "DEFAULT_FORMAT",
    "DEFAULT_FORMATTERS",
    "DefaultFormatter",
    "ExtensionFormatter",
    "FormatterHandler",
    "FormatterHandler2",
    "formatter",
    "formatter2",
]

_colorlog: ModuleType | None
try:
    import colorlog as _colorlog
except ImportError:  # the ``color`` extra is not installed
    _colorlog = None

#: A global argument transformer: ``fun(arg)``; a non-None result replaces arg.
FormatterHandler: TypeAlias = Callable[[Any], Any]
#: Same, also given the record: ``fun(arg, record)``.
FormatterHandler2: TypeAlias = Callable[[Any, logging.LogRecord], Any]

_F1 = TypeVar("_F1", bound=FormatterHandler)
_F2 = TypeVar("_F2", bound=FormatterHandler2)

#: Format of the plain (file) formatter.
DEFAULT_FORMAT: Final = (
    "[%(asctime)s] [%(process)s] [%(levelname)s]: %(message)s %(extra)s"
)
#: Format of the coloured (console) formatter.
DEFAULT_COLOR_FORMAT: Final = (
    "[%(asctime)s] [%(process)s] [%(levelname)s] %(log_color)s%(message)s %(extra)s"
)

_COLORLOG_DEFAULT_COLORS: Final = {
    "DEBUG": "white",
    "INFO": "green",
    "WARNING": "yellow",
    "ERROR": "red",
    "CRITICAL": "bold_red",
}
#: Level colours: colorlog's defaults with INFO in white and DEBUG in blue.
DEFAULT_COLORS: Final[Mapping[str, str]] = {
    **(
        _colorlog.default_log_colors
        if _colorlog is not None
        else _COLORLOG_DEFAULT_COLORS
    ),
    "INFO": "white",
    "DEBUG": "blue",
}

_formatters: set[FormatterHandler] = set()
_formatters2: set[FormatterHandler2] = set()


def formatter(fun: _F1) -> _F1:
    """Register ``fun(arg)`` as a global log-argument transformer (decorator).

    :class:`ExtensionFormatter` calls it on every positional (or mapping)
    log argument; a non-None result replaces the argument in the output.
    Transformers are kept in a set: their order is not defined.  Raises
    TypeError if ``fun`` is not callable.
    """
    if not callable(fun):
        raise TypeError(f"formatter() expects a callable, got {type(fun).__name__}")
    _formatters.add(fun)
    return fun


def formatter2(fun: _F2) -> _F2:
    """Register ``fun(arg, record)``: like :func:`formatter`, also given the record.

    All :func:`formatter` transformers run first, then these.  Raises
    TypeError if ``fun`` is not callable.
    """
    if not callable(fun):
        raise TypeError(f"formatter2() expects a callable, got {type(fun).__name__}")
    _formatters2.add(fun)
    return fun


def _format_extra(record: logging.LogRecord) -> str:
    """``"k=v!r, ..."`` from ``extra={"data": {...}}``; ``""`` without data."""
    data = record.__dict__.get("data")
    if not data:
        return ""
    if isinstance(data, Mapping):
        return ", ".join(f"{k}={v!r}" for k, v in data.items())
    return repr(data)


_RESET: Final = "\x1b[0m"


def _no_trailing_space(line: str) -> str:
    """``line`` without the spaces at its end (before a final colour reset).

    The default formats end in ``"%(message)s %(extra)s"``: without data,
    the line would end with a space.
    """
    if line.endswith(_RESET):
        return line[: -len(_RESET)].rstrip(" ") + _RESET
    return line.rstrip(" ")


class DefaultFormatter(logging.Formatter):
    """A :class:`logging.Formatter` that also fills ``%(extra)s``.

    ``extra`` is ``"key=value, ..."`` (values shown with ``repr``) built from
    ``logger.info(..., extra={"data": {...}})``, or ``""`` when no data was
    given (a non-mapping ``data`` is shown with ``repr``).  The formatted
    line never ends with a space (as it would before an empty
    ``%(extra)s``).
    """

    def format(self, record: logging.LogRecord) -> str:
        """Set ``record.extra``, then format as :class:`logging.Formatter`."""
        record.extra = _format_extra(record)
        return super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:
        """Format the line of ``record`` (before any traceback), unpadded."""
        return _no_trailing_space(super().formatMessage(record))


_COLOR_NAME: Final = (
    r"(?:(?:fg|bg)_)?(?:(?:bold|thin)_)?(?:light_)?"
    r"(?:black|red|green|yellow|blue|purple|cyan|white)"
    r"|(?:fg|bg)_\d+|bold|thin|reset|(?:\w+_)?log_color"
)
_COLOR_PLACEHOLDER: Final = {
    "%": re.compile(rf"%\((?:{_COLOR_NAME})\)s"),
    "{": re.compile(rf"\{{(?:{_COLOR_NAME})\}}"),
    "$": re.compile(rf"\$\{{(?:{_COLOR_NAME})\}}|\$(?:{_COLOR_NAME})\b"),
}
_PLAIN_DEFAULT_FORMAT: Final = {
    "%": "%(levelname)s:%(name)s:%(message)s",
    "{": "{levelname}:{name}:{message}",
    "$": "${levelname}:${name}:${message}",
}


class _PlainColorFormatter(logging.Formatter):
    """Stand-in for ``colorlog.TTYColoredFormatter`` when colorlog is missing.

    Takes colorlog's keyword arguments (the colour ones are stored but do
    nothing) and removes colour placeholders from the format.
    """

    def __init__(
        self,
        fmt: str | None = None,
        datefmt: str | None = None,
        style: Literal["%", "{", "$"] = "%",
        validate: bool = True,
        *,
        defaults: Mapping[str, Any] | None = None,
        log_colors: Mapping[str, str] | None = None,
        reset: bool = True,
        secondary_log_colors: Mapping[str, Mapping[str, str]] | None = None,
        stream: IO[str] | None = None,
        no_color: bool = False,
        force_color: bool = False,
    ) -> None:
        if style not in _COLOR_PLACEHOLDER:
            raise ValueError(f"style must be one of '%', '{{', '$', got {style!r}")
        if fmt is None:
            fmt = _PLAIN_DEFAULT_FORMAT[style]
        fmt = _COLOR_PLACEHOLDER[style].sub("", fmt)
        super().__init__(fmt, datefmt, style, validate, defaults=defaults)
        self.log_colors = log_colors if log_colors is not None else {}
        self.secondary_log_colors = secondary_log_colors or {}
        self.reset = reset
        self.stream = stream
        self.no_color = no_color
        self.force_color = force_color


if TYPE_CHECKING:
    _ColorBase: TypeAlias = logging.Formatter
elif _colorlog is not None:
    _ColorBase = _colorlog.TTYColoredFormatter
else:
    _ColorBase = _PlainColorFormatter


class ExtensionFormatter(_ColorBase):
    """Console formatter: colours, ``%(extra)s`` and argument transformers.

    ``stream`` (default: ``sys.stdout`` at construction time) only decides
    whether colours are used (a terminal gets them); other keyword
    arguments are those of ``colorlog.TTYColoredFormatter`` (``fmt``,
    ``log_colors``, ...).  Without colorlog the output has no colour codes.

    When transformers are registered, :meth:`format` works on a copy of the
    record, so the transformed arguments never leak into the record seen by
    other handlers (the original rewrote ``record.args`` in place).
    """

    def __init__(self, stream: IO[str] | None = None, **kwargs: Any) -> None:
        kwargs["stream"] = sys.stdout if stream is None else stream
        super().__init__(**kwargs)

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` after applying the registered transformers."""
        args = record.args
        if args and (_formatters or _formatters2):
            record = copy.copy(record)
            if isinstance(args, Mapping):
                record.args = {k: self.format_arg(v, record) for k, v in args.items()}
            else:
                record.args = tuple(self.format_arg(arg, record) for arg in args)
        record.extra = _format_extra(record)
        return super().format(record)

    def formatMessage(self, record: logging.LogRecord) -> str:
        """Format the line of ``record`` (before any traceback), with its
        colours, without spaces at its end.
        """
        return _no_trailing_space(super().formatMessage(record))

    def format_arg(self, arg: Any, record: logging.LogRecord) -> Any:
        """Return ``arg`` passed through every :func:`formatter`, then every
        :func:`formatter2` transformer (a None result keeps the previous value).
        """
        for fun in _formatters:
            res = fun(arg)
            if res is not None:
                arg = res
        for fun2 in _formatters2:
            res = fun2(arg, record)
            if res is not None:
                arg = res
        return arg


# Handler class used for the console by :func:`~.setup.setup_logging`.
_STREAM_HANDLER_CLASS: Final = (
    "colorlog.StreamHandler" if _colorlog is not None else "logging.StreamHandler"
)

#: The two formatters of the generated logging configuration: ``default``
#: (plain, used for log files) and ``colored`` (console).  Entries use the
#: :func:`logging.config.dictConfig` format.
DEFAULT_FORMATTERS: Final[Mapping[str, Mapping[str, Any]]] = {
    "default": {"()": DefaultFormatter, "format": DEFAULT_FORMAT},
    "colored": {
        "()": ExtensionFormatter,
        "format": DEFAULT_COLOR_FORMAT,
        "log_colors": DEFAULT_COLORS,
    },
}
