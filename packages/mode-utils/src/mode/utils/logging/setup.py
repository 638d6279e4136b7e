"""Configure the root logger: :func:`setup_logging` and :func:`create_logconfig`.

Nothing here runs at import: logging is configured only when
:func:`setup_logging` is called (the worker calls it when asked to).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Mapping
from typing import IO, Any, Final

from mode.utils.text import isatty

from . import formatters as _formatters_module
from .severity import Severity, get_logger, level_number

__all__ = [
    "LOG_ISATTY",
    "create_logconfig",
    "get_logger",
    "setup_logging",
]

#: Whether the console stream of the last :func:`setup_logging` call is a
#: terminal (False for a log file).  Written by :func:`setup_logging`.
LOG_ISATTY: bool = False

_MERGED_SECTIONS: Final = ("formatters", "filters", "handlers", "loggers", "root")


def create_logconfig(
    version: int = 1,
    disable_existing_loggers: bool = False,
    formatters: Mapping[str, Mapping[str, Any]] | None = None,
    handlers: Mapping[str, Mapping[str, Any]] | None = None,
    root: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a :func:`logging.config.dictConfig` configuration.

    ``formatters`` defaults to :data:`~.formatters.DEFAULT_FORMATTERS`.
    Every section is copied, so configuring logging never alters the
    mappings passed in (nor the defaults).  Raises TypeError for a section
    that is not a mapping.
    """
    if formatters is None:
        formatters = _formatters_module.DEFAULT_FORMATTERS
    for section, value in (
        ("formatters", formatters),
        ("handlers", handlers),
        ("root", root),
    ):
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(
                f"create_logconfig() {section}= must be a mapping (as in "
                f"logging.config.dictConfig), not {type(value).__name__}"
            )
    return {
        "version": version,
        "disable_existing_loggers": disable_existing_loggers,
        "formatters": {name: dict(spec) for name, spec in formatters.items()},
        "handlers": {name: dict(spec) for name, spec in (handlers or {}).items()},
        "root": dict(root or {}),
    }


def setup_logging(
    *,
    loglevel: Severity | None = None,
    logfile: str | os.PathLike[str] | IO[str] | None = None,
    loghandlers: Iterable[logging.Handler] | None = None,
    logging_config: Mapping[str, Any] | None = None,
) -> int | None:
    """Configure the root logger; return ``level_number(loglevel)``.

    Runs only when called; calling it again replaces the previous setup (it
    is idempotent: handlers are never duplicated).  Steps:

    1. The root logger's handlers are removed.
    2. A ``logfile`` path gives a :class:`logging.FileHandler` with the
       plain ``default`` formatter.  Otherwise a stream handler with the
       ``colored`` formatter is used.  That handler writes to **stderr**,
       as in the original; a stream passed as ``logfile`` (default:
       ``sys.stdout``) only decides :data:`LOG_ISATTY` and whether colours
       are used.
    3. The root level (and the handler's) becomes ``loglevel``; with None
       the root level is left as it was.
    4. ``logging_config``, when given, **replaces** the generated
       configuration, unless it holds ``"merge": True``: then each section
       (formatters, filters, handlers, loggers, root) is merged key by key
       over the generated one, and other top-level keys replace.
    5. :func:`logging.config.dictConfig` is applied, then ``loghandlers``
       are added to the root logger.

    Raises ValueError for an unknown level name, TypeError for a
    ``logfile`` that is neither a path nor a writable stream, a
    ``logging_config`` that is not a mapping or a ``loghandlers`` item that
    is not a :class:`logging.Handler` (all checked before anything is
    changed), and whatever :func:`~logging.config.dictConfig` raises for a
    bad ``logging_config``.
    """
    global LOG_ISATTY
    level = level_number(loglevel)
    if logging_config is not None and not isinstance(logging_config, Mapping):
        raise TypeError(
            "setup_logging(logging_config=...) expects a dictConfig mapping, "
            f"got {type(logging_config).__name__}"
        )
    extra_handlers = list(loghandlers or ())
    for extra_handler in extra_handlers:
        if not isinstance(extra_handler, logging.Handler):
            raise TypeError(
                "setup_logging(loghandlers=...) expects logging.Handler "
                f"instances, got {type(extra_handler).__name__}"
            )
    filename: str | None = None
    stream: IO[str] | None = None
    if logfile is None or logfile == "":
        stream = sys.stdout
    elif isinstance(logfile, (str, os.PathLike)):
        filename = os.fspath(logfile)
    elif callable(getattr(logfile, "write", None)):
        stream = logfile
    else:
        raise TypeError(
            "setup_logging(logfile=...) expects a file path or a writable text "
            f"stream, got {type(logfile).__name__}"
        )

    handler: dict[str, Any]
    if filename is not None:
        handler = {
            "class": "logging.FileHandler",
            "formatter": "default",
            "filename": filename,
        }
    else:
        handler = {
            "class": _formatters_module._STREAM_HANDLER_CLASS,
            "formatter": "colored",
        }
    if level is not None:
        handler["level"] = level
    config = create_logconfig(
        handlers={"default": handler},
        root={"level": level, "handlers": ["default"]},
    )
    if stream is not None:
        config["formatters"]["colored"]["stream"] = stream

    if logging_config is not None:
        user = dict(logging_config)
        if user.pop("merge", False):
            merged = {**config, **user}
            for section in _MERGED_SECTIONS:
                merged[section] = {**config.get(section, {}), **user.get(section, {})}
            config = merged
        else:
            config = user

    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    LOG_ISATTY = isatty(stream) if stream is not None else False
    from logging.config import dictConfig  # lazy: only a set-up needs it

    dictConfig(config)
    for extra_handler in extra_handlers:
        root.addHandler(extra_handler)
    return level
