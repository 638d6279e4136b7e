"""mode.utils: pure asyncio helpers, standard library only.

Each sub-module is imported on its own (``from mode.utils.times import
want_seconds``); this package ``__init__`` imports nothing, so using one
helper never pays for the others.
"""
