"""Tests for mode.utils.text."""

from __future__ import annotations

import io
from typing import Any

import pytest

from mode.utils import text
from mode.utils.text import (
    FuzzyMatch,
    abbr,
    abbr_fqdn,
    didyoumean,
    enumeration,
    fuzzymatch,
    fuzzymatch_best,
    fuzzymatch_choices,
    fuzzymatch_iter,
    isatty,
    maybecat,
    pluralize,
    shorten_fqdn,
    title,
    want_bytes,
    want_str,
)


def test_all_is_complete() -> None:
    assert set(text.__all__) == {
        "FuzzyMatch",
        "want_bytes",
        "want_str",
        "isatty",
        "title",
        "didyoumean",
        "fuzzymatch",
        "fuzzymatch_choices",
        "fuzzymatch_iter",
        "fuzzymatch_best",
        "abbr",
        "abbr_fqdn",
        "enumeration",
        "shorten_fqdn",
        "pluralize",
        "maybecat",
    }
    for name in text.__all__:
        assert getattr(text, name).__doc__


def test_fuzzymatch_namedtuple() -> None:
    m = FuzzyMatch(0.5, "x")
    assert m.ratio == 0.5
    assert m.value == "x"
    assert tuple(m) == (0.5, "x")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("laZy_DOG-of", "Lazy Dog Of"),
        ("foo", "Foo"),
        ("foo-bar_baz", "Foo Bar Baz"),
        ("  spaced  out ", "Spaced Out"),
        ("", ""),
    ],
)
def test_title(value: str, expected: str) -> None:
    assert title(value) == expected


def test_title_rejects_non_str() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        title(None)  # type: ignore[arg-type]


def test_fuzzymatch_iter_yields_ratio_and_value_in_order() -> None:
    matches = list(fuzzymatch_iter(["foo", "bar", "fob", "xyz"], "foo"))
    assert [m.value for m in matches] == ["foo", "fob"]
    assert matches[0].ratio == 1.0
    assert matches[1].ratio == pytest.approx(2 / 3)
    assert all(isinstance(m, FuzzyMatch) for m in matches)


def test_fuzzymatch_min_ratio() -> None:
    assert list(fuzzymatch(["foo", "fob"], "foo")) == ["foo", "fob"]
    assert list(fuzzymatch(["foo", "fob"], "foo", min_ratio=0.9)) == ["foo"]
    assert list(fuzzymatch(["abc"], "xyz")) == []


def test_fuzzymatch_is_lazy() -> None:
    def haystack() -> Any:
        yield "foo"
        raise AssertionError("read too far")

    assert next(fuzzymatch(haystack(), "foo")) == "foo"


def test_fuzzymatch_best() -> None:
    assert fuzzymatch_best(["foo", "bar", "fooo"], "foo") == "foo"
    assert fuzzymatch_best(["abc", "def"], "xyz") is None
    assert fuzzymatch_best([], "xyz") is None


def test_fuzzymatch_best_tie_goes_to_larger_string() -> None:
    # Both have ratio 2/3: the original sorted in reverse, so "mop" > "foo" wins.
    assert fuzzymatch_best(["foo", "mop"], "moo") == "mop"
    assert fuzzymatch_best(["mop", "foo"], "moo") == "mop"


def test_fuzzymatch_choices() -> None:
    assert fuzzymatch_choices(["foo", "fob", "bar"], "foo") == "one of foo, fob"
    assert fuzzymatch_choices(["foo", "bar"], "foo") == "foo"
    assert fuzzymatch_choices(["bar"], "foo") == ""
    assert (
        fuzzymatch_choices(
            ["bar"], "foo", fmt_none="nothing", fmt_one="{alt}!", fmt_many="{alt}?"
        )
        == "nothing"
    )


def test_didyoumean() -> None:
    assert didyoumean(["start", "stop"], "stpo") == "Did you mean stop?"
    assert didyoumean(["foo", "bar", "fob"], "foo") == "Did you mean one of foo, fob?"
    assert didyoumean(["bar"], "foo") == ""
    assert didyoumean(iter(["bar"]), "foo", fmt_none="no") == "no"
    assert didyoumean(["foo"], "fxx", min_ratio=0.3) == "Did you mean foo?"
    assert didyoumean(["foo"], "foo", fmt_one="<{alt}>") == "<foo>"
    assert didyoumean(["foo", "foo"], "foo", fmt_many="[{alt}]") == "[foo, foo]"


HIPPO = "The quick brown hippopotamus jumped over the funny dog"


def test_abbr_cuts_at_word_boundary_by_default() -> None:
    assert abbr(HIPPO, 27) == "The quick brown..."
    assert abbr(HIPPO, 27, suffix="!") == "The quick brown!"
    assert abbr(HIPPO, 27, suffix=None) == "The quick brown"
    # len >= max triggers (not only >)
    assert abbr("foo bar", 7) == "foo..."
    assert abbr("foo bar", 8) == "foo bar"
    # No space: the abrupt cut is kept.
    assert abbr("abcdefgh", 4) == "abcd..."


def test_abbr_max_zero_means_no_limit() -> None:
    # As the original: a max of 0 leaves the text alone (words=False).
    assert abbr(HIPPO, 0) == HIPPO
    assert abbr("", 0) == ""


def test_abbr_words_true_cuts_exactly() -> None:
    assert abbr(HIPPO, 27, words=True) == "The quick brown hippopot..."
    assert len(abbr(HIPPO, 27, words=True)) == 27
    assert abbr("foo bar", 7, words=True) == "foo bar"  # only len > max triggers
    assert abbr("foo bar", 6, words=True) == "foo..."
    assert abbr("foo bar", 6, suffix=None, words=True) == "foo ba"
    assert abbr("foo bar", 6, suffix="", words=True) == "foo ba"
    assert abbr("foo bar", 2, words=True) == "..."


def test_abbr_bad_input() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        abbr("foo", -1)
    with pytest.raises(TypeError):
        abbr(b"foo", 3)  # type: ignore[arg-type]


def test_abbr_fqdn() -> None:
    assert abbr_fqdn("mode.services", "mode.services.Service") == "Service"
    assert abbr_fqdn("mode.services", "mode.services.Service", prefix="[...]") == (
        "[...]Service"
    )
    assert abbr_fqdn("mode.services", "mode.timers.Timer") == "mode.timers.Timer"
    # Only a whole module path is stripped.
    assert abbr_fqdn("mode.serv", "mode.services.Service") == "mode.services.Service"
    with pytest.raises(TypeError):
        abbr_fqdn("x", 1)  # type: ignore[arg-type]


def test_shorten_fqdn() -> None:
    s = "mode.services.supervisors.OneForOneSupervisor"
    short = shorten_fqdn(s)
    assert short == "mode.servi[.]OneForOneSupervisor"
    assert len(short) == 32
    assert shorten_fqdn(s, max=len(s)) == s
    assert shorten_fqdn("x" * 40) == "x" * 40  # no dot: unchanged
    assert shorten_fqdn("a.b", max=2) == "[.]b"  # nothing left of the module
    assert shorten_fqdn("short.Name") == "short.Name"


def test_enumeration() -> None:
    assert enumeration(["x", "y"]) == "1) x\n2) y"
    assert enumeration([]) == ""
    assert enumeration("ab", start=0, sep=", ", template="{index}:{item}") == (
        "0:a, 1:b"
    )


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "services"), (1, "service"), (2, "services"), (-1, "services")],
)
def test_pluralize(n: int, expected: str) -> None:
    assert pluralize(n, "service") == expected


def test_pluralize_suffix() -> None:
    assert pluralize(2, "bus", suffix="es") == "buses"
    assert pluralize(1, "bus", suffix="es") == "bus"


def test_maybecat() -> None:
    assert maybecat(None, "x", prefix="y") is None
    assert maybecat("foo", "!", prefix="> ") == "> foo!"
    assert maybecat(b"foo", "!") == "foo!"
    assert maybecat("foo") == "foo"


def test_maybecat_empty_string_is_not_none() -> None:
    # The reason repr(service) ends with a space: "<S: running >".
    assert maybecat("", " ") == " "
    assert maybecat("", "x", prefix="p") == "px"


def test_want_bytes() -> None:
    assert want_bytes("føø") == "føø".encode()
    b = b"foo"
    assert want_bytes(b) is b
    assert want_bytes(bytearray(b"ab")) == b"ab"
    assert type(want_bytes(bytearray(b"ab"))) is bytes
    assert want_bytes(memoryview(b"ab")) == b"ab"


def test_want_bytes_passes_other_values_through() -> None:
    # As in the original: faust calls it on Kafka header values, which may
    # be None.
    none: None = want_bytes(None)
    assert none is None
    assert want_bytes(1) == 1
    obj = object()
    assert want_bytes(obj) is obj


def test_want_str() -> None:
    s = "foo"
    assert want_str(s) is s
    assert want_str("føø".encode()) == "føø"
    assert want_str(bytearray(b"ab")) == "ab"
    assert want_str(memoryview(b"ab")) == "ab"
    with pytest.raises(UnicodeDecodeError):
        want_str(b"\xff")


def test_want_str_passes_other_values_through() -> None:
    none: None = want_str(None)
    assert none is None
    assert want_str(1.5) == 1.5
    obj = object()
    assert want_str(obj) is obj
    text: str = want_str(b"x")
    assert text == "x"


class _TTY:
    def __init__(self, result: bool) -> None:
        self.result = result

    def isatty(self) -> bool:
        return self.result


def test_isatty() -> None:
    assert isatty(_TTY(True)) is True
    assert isatty(_TTY(False)) is False
    assert isatty(object()) is False
    assert isatty(io.StringIO()) is False


def test_isatty_closed_file_is_not_a_tty() -> None:
    f = io.StringIO()
    f.close()
    assert isatty(f) is False


class _BrokenTTY:
    """A stream wrapper whose isatty() fails inside (a half-closed proxy)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def isatty(self) -> bool:
        raise self.error


def test_isatty_tolerates_failing_isatty() -> None:
    # The original returned False when fh.isatty raised AttributeError.
    assert isatty(_BrokenTTY(AttributeError("no fileno"))) is False
    assert isatty(_BrokenTTY(ValueError("I/O operation on closed file"))) is False
    with pytest.raises(RuntimeError):
        isatty(_BrokenTTY(RuntimeError("a bug is not hidden")))
