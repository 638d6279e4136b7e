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
    "RateStringWarning",
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


class RateStringWarning(UserWarning):
    """A rate string such as ``"10/s"`` was given where seconds are expected.

    ``@Service.timer("10/s")``, ``Service.itertimer("10/s")`` and
    ``Timer("10/s")`` read the string as the original mode did
    (:func:`mode.utils.times.want_seconds`): its number of events per second
    becomes the interval, so ``"10/s"`` is 10 seconds between ticks, not ten
    ticks per second.  It still works that way; the warning says what it
    means and how to write the interval as a number (``10.0``, or ``0.1`` for
    ten per second).  A :class:`UserWarning`, shown by default, since the
    string is accepted on purpose and is not going away; silence it with
    ``warnings.filterwarnings("ignore", category=RateStringWarning)``.
    """
