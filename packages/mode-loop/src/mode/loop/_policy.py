"""The compatibility path: backends installed as the global loop policy.

The original mode chose the loop by setting asyncio's global event-loop
policy.  Policies are deprecated from Python 3.14, so here that is only the
compatibility path behind :func:`use` and ``import mode.loop.uvloop`` (and
friends); new code passes :func:`mode.loop.factory` to ``asyncio.run`` or
``asyncio.Runner`` instead.  Private module: the public names are re-exported
by :mod:`mode.loop`.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from mode.loop._registry import ALIASES, LoopFactory, canonical_name, factory

if TYPE_CHECKING:
    import asyncio

__all__ = ["install", "policy_api_deprecated", "use"]


def policy_api_deprecated() -> bool:
    """Whether this Python deprecates the event-loop policy API (3.14+).

    The one place that decides it, so that tests can monkeypatch it.
    """
    return sys.version_info >= (3, 14)


def _refuse_if_running(caller: str, name: str) -> None:
    import asyncio

    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        f"{caller} must run before any event loop starts, but {running!r} is "
        "already running in this thread. Call it first thing in the program, or "
        f"pass loop_factory=mode.loop.factory({name!r}) to asyncio.run() or "
        "asyncio.Runner() instead."
    )


def _patch_gevent() -> None:
    # Like the original mode: gevent is only useful with the stdlib patched.
    monkey = importlib.import_module("gevent.monkey")
    if not monkey.is_module_patched("socket"):
        monkey.patch_all()


@functools.cache
def _policy_class() -> Callable[[str, LoopFactory], asyncio.AbstractEventLoopPolicy]:
    import asyncio

    class FactoryPolicy(asyncio.DefaultEventLoopPolicy):
        """asyncio's default policy, creating its loops with a backend factory."""

        def __init__(self, backend: str, loop_factory: LoopFactory) -> None:
            super().__init__()
            self.backend = backend
            self.loop_factory = loop_factory

        def new_event_loop(self) -> asyncio.AbstractEventLoop:
            return self.loop_factory()

        def __repr__(self) -> str:
            return f"<mode.loop FactoryPolicy for backend {self.backend!r}>"

    FactoryPolicy.__module__ = __name__
    FactoryPolicy.__qualname__ = "FactoryPolicy"
    return FactoryPolicy


def importer_stacklevel() -> int:
    """Return the ``stacklevel`` of the code importing the calling module.

    Called from a module's body at import (``mode.loop.uvloop``...): counts
    frames outwards from that body, as :func:`warnings.warn` does (it skips
    importlib's own frames), past any import hook's ``exec_module`` (pytest's
    assertion rewriter, for one), so the warning names the user's import line.
    """
    frame: types.FrameType | None = sys._getframe(2)
    level = 1
    while frame is not None:
        filename = frame.f_code.co_filename
        if not ("importlib" in filename and "_bootstrap" in filename):
            level += 1
            if frame.f_code.co_name != "exec_module":
                return level
        frame = frame.f_back
    return level


def install(
    name: str, *, caller: str, stacklevel: int = 2
) -> asyncio.AbstractEventLoopPolicy:
    """Set the global event-loop policy to one creating ``name``'s loops.

    Runs when :func:`use` or a compatibility module (``mode.loop.uvloop``...)
    asks.  ``caller`` names that API in messages; ``stacklevel`` points the
    deprecation warning at the user's line (counted from the caller).
    Returns the policy set.

    Raises:
        UnknownBackendError, BackendUnavailableError: see :func:`factory`.
        RuntimeError: an event loop is already running in this thread, or
            this Python no longer has event-loop policies.
    """
    import asyncio

    _refuse_if_running(caller, name)
    loop_factory = factory(name)
    if name == "gevent":
        _patch_gevent()
    alternative = (
        f"asyncio.run(main(), loop_factory=mode.loop.factory({name!r})) or "
        f"asyncio.Runner(loop_factory=mode.loop.factory({name!r}))"
    )
    if not hasattr(asyncio, "set_event_loop_policy"):
        raise RuntimeError(
            f"{caller}: this Python ({sys.version.split()[0]}) has no event-loop "
            f"policies any more; use {alternative}"
        )
    if not policy_api_deprecated():
        policy = _policy_class()(name, loop_factory)
        asyncio.set_event_loop_policy(policy)
        return policy
    warnings.warn(
        f"{caller} sets the global event-loop policy, and event-loop policies are "
        f"deprecated since Python 3.14; use {alternative} instead",
        DeprecationWarning,
        stacklevel=stacklevel + 1,
    )
    with warnings.catch_warnings():
        # Warned once above, with the fix; asyncio's own notice adds nothing.
        warnings.simplefilter("ignore", DeprecationWarning)
        policy = _policy_class()(name, loop_factory)
        asyncio.set_event_loop_policy(policy)
    return policy


def use(loop: str) -> None:
    """Make ``loop`` the backend of every loop asyncio creates from now on.

    The original mode's interface, kept for compatibility: it sets the global
    event-loop policy, so ``asyncio.run()`` and ``asyncio.new_event_loop()``
    create loops of that backend.  Call it first thing, before any loop
    runs.  ``"asyncio"``/``"aio"`` change nothing (as in the original).  A
    name with a dot is imported as a module, for its side effects (the
    original's behaviour for names it did not know).  For ``"gevent"`` the
    standard library is monkey-patched first unless it already is.

    On Python 3.14+, where policies are deprecated, it still sets the policy
    but first emits a :class:`DeprecationWarning` naming the replacement:
    ``asyncio.run(main(), loop_factory=mode.loop.factory(name))``.

    Raises:
        TypeError: ``loop`` is not a string.
        ValueError: ``loop`` is a relative module name (``".x"``).
        UnknownBackendError: no backend has that name (a ValueError).
        BackendUnavailableError: the backend's extra is missing, it does not
            run here, or it is unsupported (an ImportError).
        RuntimeError: an event loop is already running in this thread.
    """
    if isinstance(loop, str) and "." in loop:
        if loop.startswith("."):
            raise ValueError(
                f"mode.loop.use({loop!r}): a relative module name cannot be "
                "imported; give a backend name (see mode.loop.names()) or an "
                "absolute module path such as 'mypackage.myloop'"
            )
        importlib.import_module(loop)
        return
    name = canonical_name(loop)
    if name == ALIASES.get("aio"):
        return
    install(name, caller=f"mode.loop.use({loop!r})", stacklevel=2)
