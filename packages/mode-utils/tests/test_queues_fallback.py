"""The queues on a Python whose asyncio.Queue lacks an internal they use.

mode.utils.queues looks for each asyncio.Queue internal of its fast paths
when it is imported.  Here a subprocess hides one of them while the module
is imported (then puts it back, since asyncio's own methods need it): the
module must notice, take the public path, and still behave, exceptions
thrown to a consumer included.  test_queues.py runs every queue test on that
path too.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import asyncio
    import sys

    name = sys.argv[1]
    real_init = asyncio.Queue.__init__
    saved = vars(asyncio.Queue).get(name)
    if saved is not None:  # a method: gone from the class
        delattr(asyncio.Queue, name)
    else:  # an attribute each queue sets: gone from new queues

        def init(self, *args, **kwargs):
            real_init(self, *args, **kwargs)
            self.__dict__.pop(name, None)

        asyncio.Queue.__init__ = init
    from mode.utils import queues

    if saved is not None:
        setattr(asyncio.Queue, name, saved)
    asyncio.Queue.__init__ = real_init
    assert not queues._FAST, "the missing internal went unnoticed"


    async def main():
        fc = queues.FlowControlEvent(initially_suspended=False)
        q = queues.ThrowableQueue(1, flow_control=fc)
        # An exception for a consumer cancelled before it ran goes on.
        first = asyncio.create_task(q.get())
        second = asyncio.create_task(q.get())
        while len(q._waiting) < 2:
            await asyncio.sleep(0)
        q._throw(KeyError("thrown"))
        first.cancel()
        try:
            await second
        except KeyError:
            pass
        else:
            raise AssertionError("the exception was lost")
        # Items, a full queue, force_put_nowait, clear, join.
        await q.put(1)
        putter = asyncio.create_task(q.put(2))
        await asyncio.sleep(0)
        assert q.full() and not putter.done()
        q.force_put_nowait(3)
        assert q.qsize() == 2
        q.clear()
        try:
            await putter
        except asyncio.CancelledError:
            pass
        else:
            raise AssertionError("clear() did not cancel the blocked put")
        assert q.empty()
        await asyncio.wait_for(q.join(), 5)
        getter = asyncio.create_task(q.get())
        await asyncio.sleep(0)
        q.put_nowait(4)
        assert await asyncio.wait_for(getter, 5) == 4
        print("FALLBACK-OK")


    asyncio.run(main())
    """
)

#: The internals looked for (``_is_shutdown`` too, from 3.13).
INTERNALS = ["_wakeup_next", "_finished", "_getters", "_putters", "_queue"]


@pytest.mark.parametrize("name", [*INTERNALS, "_is_shutdown"])
def test_a_missing_internal_means_the_public_path(name: str) -> None:
    if name == "_is_shutdown" and sys.version_info < (3, 13):
        pytest.skip("asyncio.Queue has shutdown() (and _is_shutdown) from 3.13")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, name],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "FALLBACK-OK" in proc.stdout


@pytest.mark.skipif(sys.version_info >= (3, 15), reason="not known yet")
def test_the_pythons_known_to_have_them_take_the_fast_paths() -> None:
    from mode.utils import queues

    assert queues._FAST
