"""Stack traces of suspended coroutines, async generators and asyncio tasks.

A suspended coroutine has exactly one frame of its own; the frames of what it
is waiting for hang off ``cr_await`` (coroutines) or ``ag_await`` (async
generators).  :class:`Traceback` follows that chain and builds a linked list
shaped like a real traceback (``tb_frame``, ``tb_lineno``, ``tb_lasti``,
``tb_next``), so it can be rendered by this module's ``print_*``/``format_*``
helpers or handed to :func:`traceback.print_tb`.

Decisions (differences from the original mode):

* A coroutine or async generator that has **finished** no longer has a
  frame.  Instead of raising, the chain ends in a marker node, and the
  ``print_*``/``format_*`` helpers print a single ``  (finished)`` line after
  the header.
* Generators are followed like coroutines (``gi_frame``/``gi_yieldfrom``):
  an awaitable whose ``__await__`` is a generator shows its frame.  A chain
  stops at the first awaited object without frames of its own (a Future, the
  wrapper returned by ``coroutine.__await__()``, ...): the last frame shown
  is the one doing the ``await``.
* Printing a stack never fails because of the object: one without frames (an
  ``async_generator_asend``, a Future, anything else) gives a single
  ``[rest of traceback truncated]`` node named after its type, as the original
  did for ``async_generator_asend`` (and raised for the rest).
* ``limit`` is the maximum number of frames in the chain; when more frames
  exist they are replaced by one ``[rest of traceback truncated]`` node.  A
  limit of 0 (or less) shows no frame, only that node; the original printed
  nothing at all after the header.
* ``file`` defaults to the ``sys.stderr`` of the moment of the call (not the
  one captured at import time), so redirections are honoured.
* With ``capture_locals`` the local variables are shown safely (these
  stacks end up in logs and on terminals): a local whose name looks secret
  (it contains ``password``, ``passwd``, ``pwd``, ``secret``, ``token``,
  ``key``, ``credential``, ``auth``, ``cookie``, ``session``, ``private``
  or ``signature``, in any case) is shown as ``<redacted>``, and every
  other value's repr is cut after 200 characters, marked
  ``...<N more chars>``.  The original printed every repr in full.
* Values are redacted by what they hold too, whatever the variable's name
  (a ``dsn``, a ``config`` dict, ``headers``): in a repr, the password of a
  URL (``scheme://user:***@host``), the value under a secret-looking key
  (``{'password': <redacted>}``, ``Settings(api_token=<redacted>)``,
  ``?client_secret=<redacted>&``, ``password=<redacted>`` in a DSN; a
  nested mapping or list under such a key goes whole), the value of an
  ``Authorization:`` header and a ``Bearer`` token.  The redaction runs
  before the repr is cut, on its first 800 characters at most (the rest is
  never shown).
"""

from __future__ import annotations

import asyncio
import io
import re
import sys
from collections.abc import AsyncGenerator, Coroutine, Iterator, Mapping
from traceback import StackSummary
from types import FrameType
from typing import IO, Any, Final, cast

__all__ = [
    "DEFAULT_MAX_FRAMES",
    "Traceback",
    "format_agen_stack",
    "format_coro_stack",
    "format_task_stack",
    "print_agen_stack",
    "print_coro_stack",
    "print_task_stack",
]

#: Default maximum number of frames followed in one chain.
DEFAULT_MAX_FRAMES: Final[int] = sys.getrecursionlimit() // 8

#: What the ``coro`` argument may be: a coroutine or an async generator.
_CoroLike = Coroutine[Any, Any, Any] | AsyncGenerator[Any, Any]

#: Parts of a variable name (matched in any case, anywhere in the name) that
#: make :func:`_safe_locals` show its value as ``<redacted>``.
_SECRET_NAME_PARTS: Final[tuple[str, ...]] = (
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "auth",
    "cookie",
    "session",
    "private",
    "signature",
)

#: The longest repr :func:`_safe_locals` shows of one value, in characters.
_LOCALS_MAX_CHARS: Final[int] = 200

_REDACTED: Final = "<redacted>"

#: The most characters of one repr that :func:`_scrub` reads (4 times what
#: is shown): the rest is cut unseen, so a huge value costs no more.
_SCRUB_MAX_CHARS: Final[int] = 4 * _LOCALS_MAX_CHARS

#: The password of a URL: ``scheme://user:PASSWORD@`` (user and password as
#: urllib.parse reads them: no ``/?#@`` in them).
_URL_PASSWORD: Final = re.compile(
    r"""([A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:'"]*:)[^\s/?#@'"]+@"""
)

#: A word that may name a secret (a key, a keyword, a header name).
_WORD: Final = re.compile(r"[A-Za-z0-9_.-]+")

#: What joins a key to its value: ``': '`` in a dict repr, ``=`` in a
#: keyword repr or a query string, ``: `` in a header.
_KEY_SEPARATOR: Final = re.compile(r"""['"]?[ \t]*(?::(?!:)|=(?!=))[ \t]*""")

#: A quoted value (with an optional string prefix, as in ``b'...'``).
_QUOTE_START: Final = re.compile(r"""[bBrRuUfF]{0,2}(['"])""")

#: A bare value: up to a separator.
_BARE_VALUE: Final = re.compile(r"""[^\s,;&)\]}>'"]+""")

#: Authentication schemes: ``Basic xyz`` after an Authorization header.
_AUTH_SCHEMES: Final = frozenset({"basic", "bearer", "digest", "token", "negotiate"})

#: A bearer token anywhere in the text.
_BEARER: Final = re.compile(r"\b(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)

_CLOSING: Final = {"(": ")", "[": "]", "{": "}", "<": ">"}

_TRUNCATED_NAME: Final = "[rest of traceback truncated]"
_FINISHED_LINE: Final = "  (finished)\n"


class _FakeCode:
    """Stand-in for a code object: only what :mod:`traceback` reads."""

    __slots__ = ("co_filename", "co_name")

    def __init__(self, filename: str, name: str) -> None:
        self.co_filename = filename
        self.co_name = name


class _FakeFrame:
    """Stand-in for a frame object: only what :mod:`traceback` reads."""

    __slots__ = ("f_back", "f_code", "f_globals", "f_lasti", "f_lineno", "f_locals")

    def __init__(self, filename: str, name: str) -> None:
        self.f_code = _FakeCode(filename, name)
        self.f_globals: dict[str, Any] = {}
        self.f_locals: dict[str, Any] = {}
        self.f_lineno = -1
        self.f_lasti = -1
        self.f_back: FrameType | None = None


class Traceback:
    """A traceback-like linked list of the frames of a suspended coroutine.

    Build one with :meth:`from_task`, :meth:`from_coroutine` or
    :meth:`from_agen`; the first node is the outermost frame (the task's own
    coroutine) and ``tb_next`` leads towards the innermost awaited one, like
    a real traceback.  ``Traceback(frame)`` wraps one real frame; ``lineno``
    and ``lasti`` default to the frame's current position.
    """

    __slots__ = ("__dict__", "tb_frame", "tb_lasti", "tb_lineno", "tb_next")

    tb_frame: FrameType | _FakeFrame
    tb_lineno: int
    tb_lasti: int
    tb_next: Traceback | None

    def __init__(
        self,
        frame: FrameType,
        lineno: int | None = None,
        lasti: int | None = None,
    ) -> None:
        self.tb_frame = frame
        self.tb_lineno = frame.f_lineno if lineno is None else lineno
        self.tb_lasti = frame.f_lasti if lasti is None else lasti
        self.tb_next = None

    @classmethod
    def from_task(
        cls, task: asyncio.Task[Any], *, limit: int | None = DEFAULT_MAX_FRAMES
    ) -> Traceback:
        """Return the await chain of ``task`` (via :meth:`asyncio.Task.get_coro`).

        A finished task gives the "finished" marker node.  Raises TypeError
        if ``task`` is not an asyncio task.
        """
        get_coro = getattr(task, "get_coro", None)
        if not isinstance(task, asyncio.Future) or get_coro is None:
            raise TypeError(
                f"from_task() expects an asyncio.Task, got {type(task).__name__}"
            )
        coro = get_coro()
        if coro is None:  # eager task that already completed (3.12+)
            return _Finished(repr(task))
        return cls.from_coroutine(coro, limit=limit)

    @classmethod
    def from_agen(
        cls,
        agen: AsyncGenerator[Any, Any],
        *,
        limit: int | None = DEFAULT_MAX_FRAMES,
    ) -> Traceback:
        """Return the await chain of the async generator ``agen``.

        Raises TypeError if ``agen`` is not an async generator.
        """
        if not hasattr(agen, "ag_frame"):
            raise TypeError(
                f"from_agen() expects an async generator, got {type(agen).__name__}"
            )
        return cls.from_coroutine(agen, limit=limit)

    @classmethod
    def from_coroutine(
        cls,
        coro: _CoroLike,
        *,
        depth: int = 0,
        limit: int | None = DEFAULT_MAX_FRAMES,
    ) -> Traceback:
        """Return the await chain starting at ``coro``.

        Follows ``cr_await`` (coroutines), ``ag_await`` (async generators)
        and ``gi_yieldfrom`` (generators) for at most ``limit - depth``
        frames (``limit=None``: no limit, 0 or less: none); if the chain goes
        on, a ``[rest of traceback truncated]`` node ends it.  ``depth``
        counts frames the caller has already used.  A coroutine awaiting
        ``agen.asend()`` (``async for``) ends in a node named after that
        object, as the generator is not reachable from it.  A finished
        coroutine gives a "finished" marker node.

        Never fails because of ``coro``: an object without frames (an
        ``async_generator_asend``, a Future, any other object) gives one
        ``[rest of traceback truncated]`` node whose file name is its type
        name.

        Raises TypeError if ``limit`` or ``depth`` is not an int (``limit``
        may be None), and ValueError if ``depth`` is negative.
        """
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int)
        ):
            raise TypeError(f"limit must be None or an int, not {type(limit).__name__}")
        if isinstance(depth, bool) or not isinstance(depth, int):
            raise TypeError(f"depth must be an int, not {type(depth).__name__}")
        if depth < 0:
            raise ValueError(f"depth must be 0 or more, got {depth!r}")
        unwrapped = _frame_and_next(coro)
        if unwrapped is None:
            return _Truncated(filename=type(coro).__name__)
        head: Traceback | None = None
        tail: Traceback | None = None
        obj: object = coro
        count = depth
        while True:
            node: Traceback
            stop = True
            if unwrapped is None:
                # async_generator_asend / _athrow: the generator is not
                # reachable from it.
                node = _Truncated(filename=type(obj).__name__)
            elif (frame := unwrapped[0]) is None:
                node = _Finished(repr(obj))
            elif limit is not None and count >= limit:
                node = _Truncated()
            else:
                awaited = unwrapped[1]
                node = cls(frame)
                count += 1
                if awaited is not None:
                    following = _frame_and_next(awaited)
                    if following is not None or type(awaited).__name__ in _AGEN_STEPS:
                        obj, unwrapped = awaited, following
                        stop = False
            if tail is None:
                head = node
            else:
                tail.tb_next = node
            tail = node
            if stop:
                assert head is not None
                return head


#: Objects awaited by ``async for``/``agen.athrow()``; they hide the generator.
_AGEN_STEPS: Final = frozenset({"async_generator_asend", "async_generator_athrow"})


class _Truncated(Traceback):
    """Node that ends a chain which was cut (limit reached, frames hidden)."""

    __slots__ = ()

    def __init__(self, filename: str = "...", name: str = _TRUNCATED_NAME) -> None:
        self.tb_frame = _FakeFrame(filename, name)
        self.tb_lineno = -1
        self.tb_lasti = -1
        self.tb_next = None


class _Finished(_Truncated):
    """Node standing for a coroutine/generator that has finished running."""

    __slots__ = ()

    def __init__(self, what: str) -> None:
        super().__init__(filename=what, name="(finished)")


def _frame_and_next(obj: object) -> tuple[FrameType | None, object] | None:
    """``(frame, awaited)`` of a coroutine, async generator or generator.

    None for anything else, including objects that merely have such
    attributes (a mock's ``cr_frame`` is no frame).
    """
    for frame_attr, next_attr in _FRAME_ATTRS:
        try:
            frame = getattr(obj, frame_attr)
            awaited = getattr(obj, next_attr, None)
        except AttributeError:
            continue
        except Exception:  # a property that fails: no frames to show
            return None
        if frame is not None and not isinstance(frame, FrameType):
            return None
        return frame, awaited
    return None


#: Where coroutines, async generators and generators keep their frame and
#: what they are waiting for.
_FRAME_ATTRS: Final = (
    ("cr_frame", "cr_await"),
    ("ag_frame", "ag_await"),
    ("gi_frame", "gi_yieldfrom"),
)


def _walk(tb: Traceback | None) -> Iterator[tuple[FrameType, int]]:
    while tb is not None:
        yield cast(FrameType, tb.tb_frame), tb.tb_lineno
        tb = tb.tb_next


def _print(
    what: object, tb: Traceback, file: IO[str] | None, capture_locals: bool
) -> None:
    out = sys.stderr if file is None else file
    if not callable(getattr(out, "write", None)):
        raise TypeError(
            "file= must be a writable text file (with a write() method) or "
            f"None, not {type(out).__name__}"
        )
    print(f"Stack for {what!r} (most recent call last):", file=out)
    if isinstance(tb, _Finished):
        out.write(_FINISHED_LINE)
        return
    frames = list(_walk(tb))
    summary = StackSummary.extract(iter(frames))
    if capture_locals:
        for entry, (frame, _) in zip(summary, frames, strict=False):
            entry.locals = _safe_locals(frame.f_locals) or None
    out.writelines(summary.format())


def _is_secret_name(name: str) -> bool:
    """Return True if ``name`` contains one of :data:`_SECRET_NAME_PARTS`.

    Case does not matter: ``DB_Password``, ``api_key`` and ``authToken``
    all look secret.
    """
    lowered = name.lower()
    return any(part in lowered for part in _SECRET_NAME_PARTS)


def _safe_repr(name: str, value: object, limit: int = _LOCALS_MAX_CHARS) -> str:
    """Return the repr of the variable ``name`` holding ``value``, made safe
    to log.

    ``<redacted>`` if :func:`_is_secret_name` says the name looks secret;
    else ``repr(value)`` with the secrets it carries redacted
    (:func:`_scrub`), cut after ``limit`` characters and then marked
    ``...<N more chars>`` (N counts the characters of the repr not shown);
    a repr that raises gives ``<repr failed: ExceptionType>``.  Never
    raises.
    """
    if _is_secret_name(name):
        return _REDACTED
    try:
        text = repr(value)
    except Exception as exc:
        return f"<repr failed: {type(exc).__name__}>"
    window = max(limit, _SCRUB_MAX_CHARS)
    try:
        shown = _scrub(text[:window])
    except Exception:  # pragma: no cover - a bug here must not lose the dump
        return "<repr hidden: it could not be checked for secrets>"
    if len(text) > window or len(shown) > limit:
        shown = shown[:limit]
        return f"{shown}...<{max(len(text) - len(shown), 1)} more chars>"
    return shown


def _scrub(text: str) -> str:
    """Return ``text`` (a repr) with the secrets it carries redacted.

    URL passwords become ``***``; the value after a secret-looking key
    (:func:`_is_secret_name`) and a separator (``': '``, ``=``, ``: ``)
    becomes ``<redacted>``: a quoted string whole, a bracketed value up to
    its closing bracket, a bare value up to a separator, and after
    ``Authorization:`` the scheme's credentials too; ``Bearer <token>`` is
    redacted anywhere.  Linear in the length of ``text``.
    """
    text = _URL_PASSWORD.sub(r"\1***@", text)
    text = _BEARER.sub(r"\1" + _REDACTED, text)
    out: list[str] = []
    pos = 0
    scan = 0
    while (word := _WORD.search(text, scan)) is not None:
        scan = word.end()
        if not _is_secret_name(word.group()):
            continue
        sep = _KEY_SEPARATOR.match(text, scan)
        if sep is None or sep.end() >= len(text):
            continue
        start = sep.end()
        if text.startswith(_REDACTED, start):
            scan = start + len(_REDACTED)
            continue
        end = _value_end(text, start)
        out.append(text[pos:start])
        out.append(_REDACTED)
        pos = scan = end
    out.append(text[pos:])
    return "".join(out)


def _value_end(text: str, start: int) -> int:
    """Where the value starting at ``text[start]`` ends (see :func:`_scrub`).

    A value that is not closed runs to the end of ``text``.
    """
    quoted = _QUOTE_START.match(text, start)
    if quoted is not None:
        return _quote_end(text, quoted.end(), quoted.group(1))
    opening = text[start]
    if opening in _CLOSING:
        return _bracket_end(text, start)
    bare = _BARE_VALUE.match(text, start)
    if bare is None:
        return start
    end = bare.end()
    if bare.group().lower() in _AUTH_SCHEMES:  # Authorization: Basic xyz
        credentials = re.compile(r"[ \t]+").match(text, end)
        if credentials is not None:
            more = _BARE_VALUE.match(text, credentials.end())
            if more is not None:
                end = more.end()
    return end


def _quote_end(text: str, pos: int, quote: str) -> int:
    # After the closing ``quote`` (escapes skipped), or the end of text.
    size = len(text)
    while pos < size:
        char = text[pos]
        if char == "\\":
            pos += 2
        elif char == quote:
            return pos + 1
        else:
            pos += 1
    return size


def _bracket_end(text: str, start: int) -> int:
    # After the bracket closing the one at ``start`` (quoted strings inside
    # are skipped), or the end of text.
    depth = 0
    pos = start
    size = len(text)
    while pos < size:
        char = text[pos]
        if char in "'\"":
            pos = _quote_end(text, pos + 1, char)
            continue
        if char in _CLOSING:
            depth += 1
        elif char in ")]}>":
            depth -= 1
            if depth == 0:
                return pos + 1
        pos += 1
    return size


def _safe_locals(variables: Mapping[str, Any]) -> dict[str, str]:
    """Return ``{name: _safe_repr(name, value)}`` for a frame's locals."""
    return {
        str(name): _safe_repr(str(name), value) for name, value in variables.items()
    }


def print_task_stack(
    task: asyncio.Task[Any],
    *,
    file: IO[str] | None = None,
    limit: int | None = DEFAULT_MAX_FRAMES,
    capture_locals: bool = False,
) -> None:
    """Print the await chain of ``task`` to ``file`` (default: ``sys.stderr``).

    Prints ``Stack for <task repr> (most recent call last):`` followed by
    the frames in :func:`traceback.print_list` format (with each frame's
    local variables when ``capture_locals``), or by ``  (finished)`` for a
    task whose coroutine has finished.  Raises like :meth:`Traceback.from_task`.
    """
    _print(task, Traceback.from_task(task, limit=limit), file, capture_locals)


def print_coro_stack(
    coro: Coroutine[Any, Any, Any],
    *,
    file: IO[str] | None = None,
    limit: int | None = DEFAULT_MAX_FRAMES,
    capture_locals: bool = False,
) -> None:
    """Print the await chain of ``coro``, like :func:`print_task_stack`."""
    _print(coro, Traceback.from_coroutine(coro, limit=limit), file, capture_locals)


def print_agen_stack(
    agen: AsyncGenerator[Any, Any],
    *,
    file: IO[str] | None = None,
    limit: int | None = DEFAULT_MAX_FRAMES,
    capture_locals: bool = False,
) -> None:
    """Print the await chain of ``agen``, like :func:`print_task_stack`."""
    _print(agen, Traceback.from_agen(agen, limit=limit), file, capture_locals)


def format_task_stack(
    task: asyncio.Task[Any],
    *,
    limit: int | None = DEFAULT_MAX_FRAMES,
    capture_locals: bool = False,
) -> str:
    """Return what :func:`print_task_stack` would print, as a string."""
    buf = io.StringIO()
    print_task_stack(task, file=buf, limit=limit, capture_locals=capture_locals)
    return buf.getvalue()


def format_coro_stack(
    coro: Coroutine[Any, Any, Any],
    *,
    limit: int | None = DEFAULT_MAX_FRAMES,
    capture_locals: bool = False,
) -> str:
    """Return what :func:`print_coro_stack` would print, as a string."""
    buf = io.StringIO()
    print_coro_stack(coro, file=buf, limit=limit, capture_locals=capture_locals)
    return buf.getvalue()


def format_agen_stack(
    agen: AsyncGenerator[Any, Any],
    *,
    limit: int | None = DEFAULT_MAX_FRAMES,
    capture_locals: bool = False,
) -> str:
    """Return what :func:`print_agen_stack` would print, as a string."""
    buf = io.StringIO()
    print_agen_stack(agen, file=buf, limit=limit, capture_locals=capture_locals)
    return buf.getvalue()
