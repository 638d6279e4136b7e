"""Exceptions raised by mode.

A small flat hierarchy: every exception mode defines derives from
:class:`ModeError`, and also from the builtin exception that describes the
problem (``ValueError`` for bad arguments, ``RuntimeError`` for a call made in
the wrong state), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "AlreadyStartedError",
    "MaxRestartsExceeded",
    "ModeError",
    "ServiceCycleError",
]


class ModeError(Exception):
    """Base class of the exceptions defined by mode."""


class MaxRestartsExceeded(ModeError):
    """A supervisor restarted its services more often than its limit allows.

    The supervisor stops its children and crashes itself with this
    exception as its crash reason, so the failure escalates to its parent
    supervisor, or up the tree to the root (a Worker then exits non-zero).
    Raise ``max_restarts``/``over`` if the children are expected to crash
    that often.
    """


class ServiceCycleError(ModeError, ValueError):
    """Adding a dependency would make a service depend on itself.

    Raised by :meth:`mode.Service.add_dependency` when the new dependency is
    the service itself or one of its ancestors; the message names the cycle.
    """


class AlreadyStartedError(ModeError, RuntimeError):
    """``start()`` was called on a service that is already started.

    Use ``maybe_start()`` to start only if needed, or ``restart()`` to stop
    and start again.
    """
