"""Cron schedules: how long until a crontab expression next fires.

Needs the optional dependency croniter (``pip install 'mode-utils[cron]'``).
It is imported on the first call, so importing this module never requires it.
"""

from __future__ import annotations

import time
from datetime import datetime, tzinfo

__all__ = ["secs_for_next"]


def secs_for_next(cron_format: str, tz: tzinfo | None = None) -> float:
    """Return the seconds from now until ``cron_format`` next matches.

    ``cron_format`` is a crontab expression such as ``"*/5 * * * *"``.  With a
    ``tz`` the schedule is read in that time zone (``"0 0 * * *"`` is midnight
    there); without one it is read in UTC (epoch time).

    Raises:
        ImportError: croniter is not installed; install the ``cron`` extra.
        TypeError: ``cron_format`` is not a str.
        ValueError: ``cron_format`` is not a valid crontab expression (croniter's
            ``CroniterError`` is a ValueError subclass).
    """
    try:
        from croniter import croniter
    except ImportError as exc:
        raise ImportError(
            "mode.utils.cron needs croniter: pip install 'mode-utils[cron]'"
        ) from exc
    if not isinstance(cron_format, str):
        raise TypeError(
            f"cron_format must be a crontab string like '*/5 * * * *', "
            f"not {type(cron_format).__name__}"
        )
    now = time.time()
    base: float | datetime = now if tz is None else datetime.fromtimestamp(now, tz)
    next_time: float = croniter(cron_format, base).get_next(float)
    return next_time - now
