"""mode.loop: event-loop backends for mode, as loop factories.

This distribution currently ships the package skeleton only; the backend
registry arrives with the mode-loop issue.
"""

__all__: list[str] = []
