"""Text helpers: fuzzy matching, abbreviations, titles, str/bytes coercion.

Everything here is pure and synchronous.  These functions are used to build
log lines, reprs and "did you mean ...?" hints, so they favour predictable
output over cleverness; a few quirks of the original library are kept on
purpose and are called out in the docstrings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple, TypeVar, overload

__all__ = [
    "FuzzyMatch",
    "abbr",
    "abbr_fqdn",
    "didyoumean",
    "enumeration",
    "fuzzymatch",
    "fuzzymatch_best",
    "fuzzymatch_choices",
    "fuzzymatch_iter",
    "isatty",
    "maybecat",
    "pluralize",
    "shorten_fqdn",
    "title",
    "want_bytes",
    "want_str",
]


_T = TypeVar("_T")


class FuzzyMatch(NamedTuple):
    """A fuzzy match: the similarity ``ratio`` (0.0 to 1.0) and the ``value``."""

    ratio: float
    value: str


def _require_str(value: object, what: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")


def _require_int(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")


_BytesLike = bytes | bytearray | memoryview


@overload
def want_bytes(s: str | _BytesLike) -> bytes: ...


@overload
def want_bytes(s: _T) -> _T: ...


def want_bytes(s: object) -> object:
    """Return ``s`` as bytes: a str is UTF-8 encoded, bytes are returned as is.

    ``bytearray`` and ``memoryview`` are copied into ``bytes``.  Anything
    else (None above all: a Kafka header value may be null) is returned
    unchanged, as in the original mode.
    """
    if isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode()
    if isinstance(s, (bytearray, memoryview)):
        return bytes(s)
    return s


@overload
def want_str(s: str | _BytesLike) -> str: ...


@overload
def want_str(s: _T) -> _T: ...


def want_str(s: object) -> object:
    """Return ``s`` as str: bytes-like objects are UTF-8 decoded, str is returned.

    Anything else (None above all) is returned unchanged, as in the original
    mode.

    Raises:
        UnicodeDecodeError: the bytes are not valid UTF-8.
    """
    if isinstance(s, str):
        return s
    if isinstance(s, (bytes, bytearray)):
        return s.decode()
    if isinstance(s, memoryview):
        return bytes(s).decode()
    return s


def isatty(fh: object) -> bool:
    """Return True if the file object ``fh`` is connected to a terminal.

    Never raises for odd objects: anything without an ``isatty()`` method,
    one whose ``isatty()`` raises AttributeError (as the original mode
    tolerated: e.g. a stream proxy whose target is gone), and a closed file
    (whose ``isatty()`` raises ValueError) count as "not a tty".  Other
    errors propagate: they are bugs, not answers.
    """
    method = getattr(fh, "isatty", None)
    if method is None:
        return False
    try:
        return bool(method())
    except (AttributeError, ValueError):  # ValueError: closed file.
        return False


def title(s: str) -> str:
    """Turn an identifier into a title: ``"laZy_DOG-of"`` gives ``"Lazy Dog Of"``.

    Dashes and underscores become spaces, then every word is capitalized
    (first letter upper case, the rest lower case).

    Raises:
        TypeError: ``s`` is not a str.
    """
    _require_str(s, "title() argument")
    words = s.replace("-", " ").replace("_", " ").split()
    return " ".join(word.capitalize() for word in words)


def fuzzymatch_iter(
    haystack: Iterable[str], needle: str, *, min_ratio: float = 0.6
) -> Iterator[FuzzyMatch]:
    """Yield a :class:`FuzzyMatch` for every item of ``haystack`` close to ``needle``.

    Items are yielded lazily, in haystack order, when
    ``difflib.SequenceMatcher(None, needle, item).ratio() >= min_ratio``.
    Raises TypeError (at the first item) if ``needle`` is not a str.
    """
    _require_str(needle, "fuzzy matching needle")
    from difflib import SequenceMatcher  # lazy: most users never fuzzy-match

    for key in haystack:
        ratio = SequenceMatcher(None, needle, key).ratio()
        if ratio >= min_ratio:
            yield FuzzyMatch(ratio, key)


def fuzzymatch(
    haystack: Iterable[str], needle: str, *, min_ratio: float = 0.6
) -> Iterator[str]:
    """Yield the items of ``haystack`` close to ``needle``.

    The values of :func:`fuzzymatch_iter`, lazily and in haystack order.
    """
    for match in fuzzymatch_iter(haystack, needle, min_ratio=min_ratio):
        yield match.value


def fuzzymatch_best(
    haystack: Iterable[str], needle: str, *, min_ratio: float = 0.6
) -> str | None:
    """Return the item of ``haystack`` closest to ``needle``, or None if none is close.

    Ties on the ratio go to the item that sorts last (the larger string): with
    needle ``"moo"``, ``["foo", "mop"]`` gives ``"mop"``.  This matches the
    original library, which sorted the matches in reverse.
    """
    best: FuzzyMatch | None = None
    for match in fuzzymatch_iter(haystack, needle, min_ratio=min_ratio):
        if best is None or match > best:
            best = match
    return None if best is None else best.value


def fuzzymatch_choices(
    haystack: Iterable[str],
    needle: str,
    *,
    fmt_many: str = "one of {alt}",
    fmt_one: str = "{alt}",
    fmt_none: str = "",
    min_ratio: float = 0.6,
) -> str:
    """Describe the items of ``haystack`` close to ``needle`` in one string.

    The matches are joined with ``", "`` (in haystack order) and formatted with
    ``fmt_one`` (one match) or ``fmt_many`` (several) as ``{alt}``;
    ``fmt_none`` is returned when nothing matches.
    """
    alt = list(fuzzymatch(haystack, needle, min_ratio=min_ratio))
    if not alt:
        return fmt_none
    fmt = fmt_many if len(alt) > 1 else fmt_one
    return fmt.format(alt=", ".join(alt))


def didyoumean(
    haystack: Iterable[str],
    needle: str,
    *,
    fmt_many: str = "Did you mean one of {alt}?",
    fmt_one: str = "Did you mean {alt}?",
    fmt_none: str = "",
    min_ratio: float = 0.6,
) -> str:
    """Return a "Did you mean ...?" hint for a misspelled ``needle``.

    Example: ``didyoumean(["start", "stop"], "stpo")`` gives
    ``"Did you mean stop?"``.  Returns ``fmt_none`` (default ``""``) when
    nothing in ``haystack`` is close enough.
    """
    return fuzzymatch_choices(
        haystack,
        needle,
        fmt_many=fmt_many,
        fmt_one=fmt_one,
        fmt_none=fmt_none,
        min_ratio=min_ratio,
    )


def abbr(s: str, max: int, suffix: str | None = "...", words: bool = False) -> str:
    """Abbreviate ``s`` to about ``max`` characters.

    The two modes of the original library are kept as they were:

    * ``words=False`` (default): when ``len(s) >= max``, ``s[:max]`` is cut back
      to its last space and ``suffix`` is appended, so the result may be shorter
      than ``max`` and the suffix comes on top of it:
      ``abbr("The quick brown hippopotamus", 27)`` gives ``"The quick brown..."``.
    * ``words=True``: when ``len(s) > max``, the result is exactly ``max``
      characters, ``s[:max - len(suffix)] + suffix``, cut mid-word.

    Shorter strings are returned unchanged, and so is every string when
    ``max`` is 0 and ``words=False`` (no limit, as in the original).
    ``suffix=None`` means no suffix.

    Raises:
        TypeError: ``s`` is not a str, or ``max`` is not an int.
        ValueError: ``max`` is negative.
    """
    _require_str(s, "abbr() argument")
    _require_int(max, "abbr() max")
    if max < 0:
        raise ValueError(f"abbr() max must be >= 0, got {max!r}")
    suffix = suffix or ""
    if words:
        if len(s) > max:
            if not suffix:
                return s[:max]
            keep = max - len(suffix)
            return (s[:keep] if keep > 0 else "") + suffix
        return s
    if max and len(s) >= max:
        return s[:max].rsplit(" ", 1)[0] + suffix
    return s


def abbr_fqdn(origin: str, name: str, *, prefix: str = "") -> str:
    """Make ``name`` relative to the module path ``origin``.

    If ``name`` starts with ``origin + "."``, that part is replaced by
    ``prefix``: ``abbr_fqdn("mode.services", "mode.services.Service")`` gives
    ``"Service"``.  Any other name is returned unchanged.
    """
    _require_str(origin, "abbr_fqdn() origin")
    _require_str(name, "abbr_fqdn() name")
    head = origin + "."
    if name.startswith(head):
        return prefix + name[len(head) :]
    return name


def shorten_fqdn(s: str, max: int = 32) -> str:
    """Shorten a dotted path longer than ``max`` by cutting its module part.

    The last component is kept whole and separated by ``[.]``:
    ``"mode.services.supervisors.OneForOneSupervisor"`` becomes
    ``"mode.servi[.]OneForOneSupervisor"``.  Strings without a dot, and strings
    of at most ``max`` characters, are returned unchanged.
    """
    _require_str(s, "shorten_fqdn() argument")
    _require_int(max, "shorten_fqdn() max")
    if len(s) > max:
        module, sep, cls = s.rpartition(".")
        if sep:
            keep = max - len(cls) - 3
            module = abbr(module, keep if keep > 0 else 0, None, words=True)
            return f"{module}[.]{cls}"
    return s


def enumeration(
    items: Iterable[object],
    *,
    start: int = 1,
    sep: str = "\n",
    template: str = "{index}) {item}",
) -> str:
    """Render ``items`` as a numbered list: ``"1) x\\n2) y"``.

    ``template`` is formatted with ``index`` (counting from ``start``) and
    ``item``; the entries are joined with ``sep``.
    """
    return sep.join(
        template.format(index=index, item=item)
        for index, item in enumerate(items, start)
    )


def pluralize(n: int, text: str, suffix: str = "s") -> str:
    """Return ``text`` with ``suffix`` appended unless ``n == 1``.

    Zero and negative counts are plural: ``pluralize(0, "service")`` gives
    ``"services"``.
    """
    if n != 1:
        return text + suffix
    return text


@overload
def maybecat(s: None, suffix: str = "", *, prefix: str = "") -> None: ...
@overload
def maybecat(
    s: str | bytes | bytearray | memoryview, suffix: str = "", *, prefix: str = ""
) -> str: ...
def maybecat(
    s: str | bytes | bytearray | memoryview | None,
    suffix: str = "",
    *,
    prefix: str = "",
) -> str | None:
    """Return ``prefix + s + suffix``, or None when ``s`` is None.

    Bytes are decoded as UTF-8.  An empty string is not special:
    ``maybecat("", " ")`` gives ``" "``; this is why the repr of a service
    with no extra label ends with a space (``<S: running >``).  Raises
    TypeError for anything that is not text, bytes or None.
    """
    if s is None:
        return None
    if not isinstance(s, (str, bytes, bytearray, memoryview)):
        raise TypeError(
            f"maybecat() expects str, bytes or None, not {type(s).__name__}"
        )
    return prefix + want_str(s) + suffix
