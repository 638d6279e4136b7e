"""``mode status``: read ``/status`` of a running worker and print its tree.

The client uses the standard library only (:mod:`urllib.request`), so it
works with nothing but mode-worker's base dependencies installed; the worker
it asks must run with its HTTP endpoint on (``mode run --web-port N``,
``Worker(web_port=N)``).

Exit codes, for scripts and probes: 0 the worker is ready, 1 it answered but
is not ready (the reasons are printed; or its event loop does not answer),
2 it could not be asked (nothing
listens there, no answer within the timeout, or the answer is not a status
snapshot): one line on stderr naming the URL and how to start the endpoint.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import IO, Any, Final

from ._tree import is_ready, render_status, use_colour

__all__ = [
    "EX_NOT_READY",
    "EX_READY",
    "EX_UNREACHABLE",
    "LoopNotAnswering",
    "StatusUnavailable",
    "fetch_status",
    "run_status",
    "status_url",
]

#: The worker answered and is ready.
EX_READY: Final = 0
#: The worker answered and is not ready.
EX_NOT_READY: Final = 1
#: The worker could not be asked (see :class:`StatusUnavailable`).
EX_UNREACHABLE: Final = 2

#: Largest answer read (a snapshot of a large tree is a few hundred KiB).
MAX_BODY: Final = 16 * 1024 * 1024


class StatusUnavailable(Exception):
    """The status of the worker could not be read; the message says why
    and what to do, in one line.
    """


class LoopNotAnswering(StatusUnavailable):
    """The worker answered, but its event loop did not (blocked or busy),
    and it had no earlier snapshot to show: the worker is not ready.
    """


def status_url(url: str) -> str:
    """Return the ``/status`` URL of the endpoint at ``url``.

    ``url`` is the endpoint's base (``http://127.0.0.1:8080``) or its
    ``/status`` URL itself; a bare ``host:port`` gets ``http://``.

    Raises:
        ValueError: ``url`` is not an http(s) URL with a host.
    """
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"expected an http URL such as http://127.0.0.1:8080, got {url!r}"
        )
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise ValueError(f"bad port in {url!r}") from None
    path = parts.path.rstrip("/")
    if not path.endswith("/status"):
        path += "/status"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _how_to_start(url: str) -> str:
    port = urllib.parse.urlsplit(url).port
    return (
        f"is the worker running with its HTTP endpoint on? "
        f"(start it with `mode run --web-port {port or 'N'} MODULE:ATTR` "
        "or Worker(web_port=N))"
    )


def fetch_status(url: str, *, timeout: float = 5.0) -> dict[str, Any]:
    """GET the ``/status`` snapshot at ``url`` and return it decoded.

    A worker that answers 503 with a snapshot (not ready) is an answer like
    any other: the snapshot is returned.

    Raises:
        LoopNotAnswering: the worker answered that its event loop did not.
        StatusUnavailable: nothing listens at ``url``, no answer within
            ``timeout`` seconds, an HTTP error without a snapshot, or a body
            that is not a status snapshot.
    """
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_BODY)
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read(MAX_BODY)
        finally:
            exc.close()
        snapshot = _decode(body, url)
        if snapshot is None:
            raise StatusUnavailable(
                f"{url} answered HTTP {exc.code} {exc.reason}, not a status "
                f"snapshot: {_how_to_start(url)}"
            ) from None
        return snapshot
    except TimeoutError:
        raise StatusUnavailable(
            f"no answer from {url} within {timeout:g} s: {_how_to_start(url)}"
        ) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            why = f"no answer within {timeout:g} s"
        elif isinstance(reason, OSError) and reason.strerror:
            why = reason.strerror.lower()
        else:
            why = str(reason)
        raise StatusUnavailable(
            f"cannot reach {url} ({why}): {_how_to_start(url)}"
        ) from None
    except (OSError, ValueError) as exc:  # connection reset, bad status line
        raise StatusUnavailable(
            f"cannot read {url} ({exc}): {_how_to_start(url)}"
        ) from None
    snapshot = _decode(body, url)
    if snapshot is None:
        raise StatusUnavailable(
            f"{url} did not answer with a mode status snapshot (JSON with a "
            f"'root' service): {_how_to_start(url)}"
        )
    return snapshot


def _decode(body: bytes, url: str) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if not isinstance(data.get("root"), Mapping):
        if data.get("live") is False:
            raise LoopNotAnswering(
                f"the worker at {url} answers, but its event loop does not: "
                f"{data.get('live_reason') or 'no reason given'}"
            )
        return None
    return data


def run_status(
    url: str,
    *,
    as_json: bool = False,
    timeout: float = 5.0,
    tasks: bool = False,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> int:
    """Print the status of the worker at ``url``; return the exit code.

    Prints the tree (coloured when ``stdout`` is a terminal and
    ``NO_COLOR`` is unset) or, with ``as_json``, the snapshot as JSON.
    Returns :data:`EX_READY`, :data:`EX_NOT_READY` or, after one line on
    ``stderr``, :data:`EX_UNREACHABLE`.
    """
    out = sys.stdout if stdout is None else stdout
    err = sys.stderr if stderr is None else stderr
    try:
        target = status_url(url)
    except ValueError as exc:
        print(f"mode status: error: {exc}", file=err)
        return EX_UNREACHABLE
    try:
        snapshot = fetch_status(target, timeout=timeout)
    except LoopNotAnswering as exc:
        print(f"mode status: {exc}", file=err)
        return EX_NOT_READY
    except StatusUnavailable as exc:
        print(f"mode status: {exc}", file=err)
        return EX_UNREACHABLE
    if as_json:
        print(json.dumps(snapshot, indent=2), file=out)
    else:
        encoding = (getattr(out, "encoding", None) or "utf-8").lower()
        print(
            render_status(
                snapshot,
                colour=use_colour(out),
                tasks=tasks,
                ascii_only=not encoding.replace("-", "").startswith("utf"),
            ),
            file=out,
        )
    out.flush()
    return EX_READY if is_ready(snapshot) else EX_NOT_READY
