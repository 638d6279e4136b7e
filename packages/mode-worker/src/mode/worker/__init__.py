"""mode.worker: run services as a process (filled in by the worker issue).

This distribution currently ships the package skeleton only, so that the
``mode`` namespace, packaging and layer checks cover it from day one.
"""

__all__: list[str] = []
