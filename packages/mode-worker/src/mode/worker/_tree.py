"""Draw a status snapshot (``mode.status``) as a tree of text lines.

One renderer for every place that prints the service tree: ``mode status``
(from the JSON of a worker's ``/status`` endpoint) and the ``services``
command of the debug console (from a snapshot taken on the worker's loop).
It uses the standard library only and reads the snapshot as plain mappings,
so it works with any JSON that has the documented keys (extra keys are
ignored, missing optional keys are skipped).

Each service is one line: its label, its state (in colour on a terminal:
running green, starting and stopping yellow, crashed red, stopped grey),
then uptime, restarts, crashes, the last crash and the readiness reason.
Below it come its supervisor settings and back-off, its thread, its timers
(interval, ticks, lateness) and, when asked, its tasks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any, Final

__all__ = [
    "STATE_COLOURS",
    "duration",
    "is_ready",
    "render_status",
    "use_colour",
]

#: ANSI SGR code of each state's colour; other states are printed plain.
STATE_COLOURS: Final[Mapping[str, str]] = {
    "running": "32",  # green
    "starting": "33",  # yellow
    "stopping": "33",
    "crashed": "31",  # red
    "stopped": "90",  # grey
}
_RED: Final = "31"
_GREEN: Final = "32"
_YELLOW: Final = "33"
_GREY: Final = "90"
_BOLD: Final = "1"

#: Longest crash or error message shown (the rest is cut, marked with "...").
MAX_MESSAGE: Final = 120

#: paint(text, ANSI code or None) -> text, coloured or not.
_Paint = Callable[[str, "str | None"], str]

_UNICODE: Final = ("├─ ", "└─ ", "│  ", "   ", " · ")
_ASCII: Final = ("|- ", "`- ", "|  ", "   ", " - ")


def use_colour(stream: IO[str]) -> bool:
    """True when ``stream`` is a terminal and ``NO_COLOR`` is not set.

    Follows https://no-color.org: any non-empty ``NO_COLOR`` turns colour
    off.  A stream without ``isatty`` (or a closed one) gets no colour.
    """
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def render_status(
    snapshot: Mapping[str, Any],
    *,
    colour: bool = False,
    tasks: bool = False,
    ascii_only: bool = False,
) -> str:
    """Return ``snapshot`` (a ``mode.status`` snapshot) as lines of text.

    The first line says the process id and whether the process is ready;
    then the tree of services; then, when not ready, the reasons.  Times
    ("up 5m02s", "3s ago", "back-off 2.0s left") are relative to the moment
    the snapshot was taken (``taken_at``), so the text does not depend on
    when it is printed.

    Args:
        snapshot: the mapping ``mode.status.snapshot()`` returns, or the
            JSON of ``/status`` decoded.
        colour: add ANSI colours (see :func:`use_colour`).
        tasks: also list each service's tasks (name and what each waits on).
        ascii_only: draw the tree with ASCII characters (for a terminal whose
            encoding has no box-drawing characters).

    Raises:
        ValueError: ``snapshot`` has no ``root`` service mapping.
    """
    root = snapshot.get("root")
    if not isinstance(root, Mapping):
        raise ValueError("not a mode status snapshot: it has no 'root' service")
    paint = _painter(colour)
    now = _number(snapshot.get("taken_at"))
    ready = is_ready(snapshot)
    head = f"pid {snapshot.get('pid', '?')}: " + (
        paint("ready", _GREEN) if ready else paint("NOT READY", _RED)
    )
    if snapshot.get("live") is False:  # added by the worker's /status
        head += " · " if not ascii_only else " - "
        head += paint(
            f"event loop not answering: {snapshot.get('live_reason') or '?'}"
            " (the tree below is the last one read)",
            _RED,
        )
    lines = [head]
    glyphs = _ASCII if ascii_only else _UNICODE
    lines.extend(_service_lines(root, "", "", glyphs, paint, now, tasks))
    reasons = [str(r) for r in snapshot.get("reasons") or ()]
    if reasons:
        lines.append(paint("not ready:", _RED))
        lines.extend(f"  - {reason}" for reason in reasons)
    return "\n".join(lines)


def is_ready(snapshot: Mapping[str, Any]) -> bool:
    """True when ``snapshot`` says ready, and the worker's loop answered
    (``live`` is not false: a blocked loop's last snapshot is stale).
    """
    return bool(snapshot.get("ready")) and snapshot.get("live") is not False


def _painter(colour: bool) -> _Paint:
    def paint(text: str, code: str | None) -> str:
        if not colour or code is None:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"

    return paint


def _service_lines(
    svc: Mapping[str, Any],
    first: str,
    rest: str,
    glyphs: tuple[str, str, str, str, str],
    paint: _Paint,
    now: float | None,
    tasks: bool,
) -> Iterator[str]:
    state = str(svc.get("state", "?"))
    parts = [
        paint(str(svc.get("label", "?")), _BOLD),
        paint(state, STATE_COLOURS.get(state)),
    ]
    uptime = _number(svc.get("uptime"))
    if uptime is not None:
        parts.append(f"up {duration(uptime)}")
    for key in ("restarts", "crashes"):
        count = svc.get(key) or 0
        if count:
            parts.append(
                paint(f"{key} {count}", _YELLOW if key == "restarts" else _RED)
            )
    crash = svc.get("last_crash")
    if isinstance(crash, Mapping):
        parts.append(paint("last crash " + _error(crash, now), _RED))
    not_ready = svc.get("not_ready")
    if not_ready:
        parts.append(paint(f"not ready: {not_ready}", _YELLOW))
    yield first + "  ".join(parts[:2]) + "".join(glyphs[4] + p for p in parts[2:])
    children = [c for c in svc.get("children") or () if isinstance(c, Mapping)]
    detail_prefix = rest + (glyphs[2] if children else glyphs[3])
    for detail in _details(svc, paint, now, tasks, glyphs[4]):
        yield detail_prefix + detail
    for i, child in enumerate(children):
        last = i == len(children) - 1
        yield from _service_lines(
            child,
            rest + (glyphs[1] if last else glyphs[0]),
            rest + (glyphs[3] if last else glyphs[2]),
            glyphs,
            paint,
            now,
            tasks,
        )


def _details(
    svc: Mapping[str, Any],
    paint: _Paint,
    now: float | None,
    tasks: bool,
    sep: str,
) -> Iterator[str]:
    sup = svc.get("supervisor")
    if isinstance(sup, Mapping):
        line = (
            f"supervisor {sup.get('strategy', '?')}: "
            f"{sup.get('restarts_in_window', 0)} of {_count(sup.get('max_restarts'))} "
            f"restarts in {_seconds(sup.get('over'))}"
        )
        until = _number(sup.get("backoff_until"))
        if until is not None and now is not None and until > now:
            line += sep + paint(f"back-off {duration(until - now)} left", _YELLOW)
        yield line
    thread = svc.get("thread")
    if isinstance(thread, Mapping):
        alive = bool(thread.get("alive"))
        loop_running = bool(thread.get("loop_running"))
        yield (
            f"thread {thread.get('name') or '?'}: "
            + paint("alive" if alive else "dead", None if alive else _RED)
            + ", loop "
            + paint(
                "running" if loop_running else "not running",
                None if loop_running else _YELLOW,
            )
        )
    for timer in svc.get("timers") or ():
        if not isinstance(timer, Mapping):
            continue
        line = (
            f"timer {timer.get('name', '?')}: every {_seconds(timer.get('interval'))}"
            f", {timer.get('ticks', 0)} ticks"
            f", late {_ms(timer.get('lateness_mean'))} mean"
            f" / {_ms(timer.get('lateness_max'))} max"
        )
        last_run = _number(timer.get("last_run"))
        if last_run is not None and now is not None:
            line += f", last run {duration(max(now - last_run, 0.0))} ago"
        error = timer.get("last_error")
        if isinstance(error, Mapping):
            line += sep + paint("last error " + _error(error, now), _RED)
        yield line
    owned = [t for t in svc.get("tasks") or () if isinstance(t, Mapping)]
    if tasks:
        for task in owned:
            line = f"task {task.get('name', '?')}"
            if task.get("done"):
                line += paint(" (done)", _GREY)
            elif task.get("waiting_on"):
                line += f": waits on {task['waiting_on']}"
            yield line
    elif owned:
        yield paint(f"{len(owned)} task{'s' if len(owned) != 1 else ''}", _GREY)


def _error(error: Mapping[str, Any], now: float | None) -> str:
    message = str(error.get("message", "")).strip().splitlines()
    text = str(error.get("type", "?"))
    if message:
        first = message[0]
        if len(first) > MAX_MESSAGE or len(message) > 1:
            first = first[:MAX_MESSAGE] + "..."
        text += f": {first}"
    at = _number(error.get("at"))
    if at is not None and now is not None:
        text += f" ({duration(max(now - at, 0.0))} ago)"
    return text


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _count(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "?"
    if number == float("inf"):
        return "unlimited"
    return f"{number:g}"


def _seconds(value: Any) -> str:
    number = _number(value)
    return "?" if number is None else f"{number:g}s"


def _ms(value: Any) -> str:
    number = _number(value)
    return "?" if number is None else f"{number * 1000:.1f}ms"


def duration(seconds: float) -> str:
    """Return ``seconds`` as a short human duration: ``0.4s``, ``12s``,
    ``4m05s``, ``2h03m``, ``3d04h``.
    """
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"
