"""mode.services on an asyncio without the private current-task table.

On Python 3.11 mode.services reads ``asyncio.tasks._current_tasks`` directly
(faster than ``asyncio.current_task()``, which is Python code there).  It is
looked for at import: without it the public function is used.  A subprocess
hides it while mode.services is imported, then puts it back (asyncio needs
it), and runs a service.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio
    import asyncio.tasks

    saved = asyncio.tasks.__dict__.pop("_current_tasks", None)
    import mode.services

    if saved is not None:
        asyncio.tasks._current_tasks = saved
    assert mode.services._current_task is asyncio.current_task


    class App(mode.services.Service):
        async def on_start(self):
            self.seen = mode.services._current_task()


    async def main():
        app = App()
        await app.start()
        assert app.seen is asyncio.current_task()
        await app.stop()
        assert mode.services._current_task() is asyncio.current_task()
        print("PUBLIC-OK")


    asyncio.run(main())
    """
)


def test_without_the_private_table_the_public_function_is_used() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "PUBLIC-OK" in proc.stdout


def test_the_fast_lookup_gives_the_current_task() -> None:
    import asyncio

    from mode.services import _current_task

    async def main() -> None:
        assert _current_task() is asyncio.current_task()

    asyncio.run(main())
