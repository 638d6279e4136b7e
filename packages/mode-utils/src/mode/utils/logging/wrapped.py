"""Logwrapped: a proxy that logs every method call made through it."""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any, Final, Generic, TypeVar

from .severity import HasLog, Severity, _require_logger, level_number

__all__ = ["Logwrapped"]

_T = TypeVar("_T")

_OWN_ATTRS: Final = frozenset({"obj", "logger", "severity", "ident"})
_default_logger = logging.getLogger("mode.utils.logging")


class Logwrapped(Generic[_T]):
    """Proxy to ``obj`` that logs each method call before making it.

    Attribute access is forwarded to ``obj``.  A callable attribute comes
    back wrapped: calling it logs ``"{ident.format(obj)}{name}(args, k=v)"``
    (arguments shown with ``repr``) at ``severity`` (default WARNING) on
    ``logger`` (a :class:`logging.Logger` or anything with a ``log()``
    method, default the ``mode.utils.logging`` logger), then calls it.
    ``__enter__``/``__exit__`` are never wrapped; ``repr()`` and ``dir()``
    are those of ``obj``.  Raises ValueError/TypeError for a bad
    ``severity`` (see :func:`~.severity.level_number`), TypeError for a
    ``logger`` without a ``log()`` method.
    """

    _ignore: Final = frozenset({"__enter__", "__exit__"})

    obj: _T
    logger: logging.Logger | HasLog
    severity: int
    ident: str

    def __init__(
        self,
        obj: _T,
        logger: logging.Logger | HasLog | None = None,
        severity: Severity | None = None,
        ident: str = "",
    ) -> None:
        if logger is not None:
            _require_logger(logger, "Logwrapped")
        self.obj = obj
        self.logger = _default_logger if logger is None else logger
        self.severity = logging.WARNING if severity is None else level_number(severity)
        self.ident = ident

    def __getattr__(self, key: str) -> Any:
        if key in _OWN_ATTRS:  # not set yet (e.g. during unpickling)
            raise AttributeError(key)
        meth = getattr(self.obj, key)
        if not callable(meth) or key in self._ignore:
            return meth
        name = getattr(meth, "__name__", key)

        @wraps(meth)
        def __wrapped(*args: Any, **kwargs: Any) -> Any:
            info = self.ident.format(self.obj) if self.ident else ""
            shown = [repr(arg) for arg in args]
            shown.extend(f"{k}={v!r}" for k, v in kwargs.items())
            info += f"{name}({', '.join(shown)})"
            # A Logger's caller is this wrapper (level 1), whose caller is the
            # user (2); a log() method adds one frame of its own.
            stacklevel = 2 if isinstance(self.logger, logging.Logger) else 3
            self.logger.log(self.severity, info, stacklevel=stacklevel)
            return meth(*args, **kwargs)

        return __wrapped

    def __repr__(self) -> str:
        return repr(self.obj)

    def __dir__(self) -> list[str]:
        return dir(self.obj)
