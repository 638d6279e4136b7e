"""Tests for mode.utils.imports."""

from __future__ import annotations

import os
import os.path
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import mode.utils.imports as imports_mod
from mode.utils.imports import (
    URL,
    EntrypointExtension,
    FactoryMapping,
    ParsedSymbol,
    RawEntrypointExtension,
    SymbolArg,
    cwd_in_path,
    import_from_cwd,
    load_extension_class_names,
    load_extension_classes,
    parse_symbol,
    smart_import,
    symbol_by_name,
)
from mode.utils.text import title


def test_all() -> None:
    assert set(imports_mod.__all__) == {
        "FactoryMapping",
        "SymbolArg",
        "symbol_by_name",
        "load_extension_class_names",
        "load_extension_classes",
        "cwd_in_path",
        "import_from_cwd",
        "smart_import",
        "ParsedSymbol",
        "parse_symbol",
        "EntrypointExtension",
        "RawEntrypointExtension",
        "URL",
    }


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fake installed distribution with entry points, on sys.path."""
    (tmp_path / "modetest_plug.py").write_text(
        textwrap.dedent(
            """
            class Redis:
                kind = "redis"

            class Memory:
                kind = "memory"
            """
        )
    )
    (tmp_path / "modetest_broken.py").write_text("def (:\n")
    dist = tmp_path / "modetest_plugins-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: modetest-plugins\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text(
        textwrap.dedent(
            """
            [modetest.backends]
            redis = modetest_plug:Redis
            memory = modetest_plug:Memory

            [modetest.broken]
            good = modetest_plug:Redis
            missing_module = modetest_nowhere_xyz:Thing
            syntax = modetest_broken:Thing
            missing_attr = modetest_plug:Nope

            [modetest.modules]
            plug = modetest_plug
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in ("modetest_plug", "modetest_broken"):
        sys.modules.pop(name, None)


@pytest.fixture
def package_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package whose submodule is not imported by its __init__."""
    pkg = tmp_path / "modetest_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("VALUE = 1\n")
    (pkg / "sub.py").write_text("class Thing:\n    pass\n")
    (pkg / "bad.py").write_text("raise ValueError('nope')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in list(sys.modules):
        if name.startswith("modetest_pkg"):
            del sys.modules[name]


# ------------------------------------------------------------------ parse_symbol


@pytest.mark.parametrize(
    ("s", "package", "expected"),
    [
        ("os", None, ("os", None)),
        ("mode.services", None, ("mode", "services")),  # ⚠ not (mode.services, None)
        ("a.b.c", None, ("a.b", "c")),
        ("a.b:C", None, ("a.b", "C")),
        ("a:B.c", None, ("a", "B.c")),
        (".x", "pkg", (".x", None)),
        ("..x", "pkg", ("..x", None)),
        (".x.Y", "pkg", (".x", "Y")),
        (".x:Y", "pkg", (".x", "Y")),
    ],
)
def test_parse_symbol(
    s: str, package: str | None, expected: tuple[str, str | None]
) -> None:
    result = parse_symbol(s, package=package)
    assert result == expected
    assert isinstance(result, ParsedSymbol)
    assert result.module_name == expected[0]
    assert result.attribute_name == expected[1]


@pytest.mark.parametrize(
    ("s", "match"),
    [
        (":x", "both parts"),
        ("x:", "both parts"),
        ("", "missing module"),
        (".x", "package="),
        ("1abc", "not a valid dotted"),
        ("a-b:C", "not a valid dotted"),
        ("a:B-c", "not a valid dotted"),
        ("a..b", "not a valid dotted"),
        ("a:b:c", "not a valid dotted"),
    ],
)
def test_parse_symbol_errors(s: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_symbol(s)


def test_parse_symbol_relative_only_dots_and_type() -> None:
    with pytest.raises(ValueError, match="missing module"):
        parse_symbol(".", package="pkg")
    with pytest.raises(TypeError, match="expects a str"):
        parse_symbol(42)  # type: ignore[arg-type]


def test_parse_symbol_custom_separators() -> None:
    assert parse_symbol("a.b/C", strict_separator="/") == ("a.b", "C")
    assert parse_symbol("a.b", relative_separator="/") == ("a.b", None)


# ------------------------------------------------------------------ symbol_by_name


def test_symbol_by_name_forms() -> None:
    assert symbol_by_name("os.path:join") is os.path.join
    assert symbol_by_name("os.path.join") is os.path.join
    assert symbol_by_name("os") is os
    assert symbol_by_name("os:path.join") is os.path.join


def test_symbol_by_name_non_str_passthrough() -> None:
    sentinel = object()
    assert symbol_by_name(sentinel) is sentinel
    assert symbol_by_name(title) is title


def test_symbol_by_name_aliases() -> None:
    aliases = {"join": "os.path:join", "empty": ""}
    assert symbol_by_name("join", aliases=aliases) is os.path.join
    assert symbol_by_name("os", aliases=aliases) is os  # not an alias


def test_symbol_by_name_default() -> None:
    assert symbol_by_name("modetest_no_such_mod:X", default=1) == 1
    assert symbol_by_name("os.path:no_such_attr", default="d") == "d"
    with pytest.raises(ModuleNotFoundError):
        symbol_by_name("modetest_no_such_mod:X")
    with pytest.raises(AttributeError):
        symbol_by_name("os.path:no_such_attr")
    with pytest.raises(AttributeError):
        symbol_by_name("os.no_such_attr")


def test_symbol_by_name_value_error_is_wrapped(package_dir: Path) -> None:
    with pytest.raises(ValueError, match=r"^Cannot import 'modetest_pkg.bad:X': nope$"):
        symbol_by_name("modetest_pkg.bad:X")


def test_symbol_by_name_imports_submodule(package_dir: Path) -> None:
    sub = symbol_by_name("modetest_pkg.sub")
    assert isinstance(sub, ModuleType)
    assert sub.__name__ == "modetest_pkg.sub"
    assert symbol_by_name("modetest_pkg.VALUE") == 1
    with pytest.raises(AttributeError):
        symbol_by_name("modetest_pkg.missing")


def test_symbol_by_name_relative_and_custom_imp() -> None:
    assert symbol_by_name(".text:title", package="mode.utils") is title
    calls: list[tuple[str, Any]] = []

    def imp(name: str, package: str | None = None, **kwargs: Any) -> ModuleType:
        calls.append((name, (package, kwargs)))
        return os

    assert symbol_by_name("x.y:getcwd", imp=imp, flag=True) is os.getcwd
    assert calls == [("x.y", (None, {"flag": True}))]


def test_symbol_by_name_bad_name_value_error() -> None:
    with pytest.raises(ValueError, match="both parts"):
        symbol_by_name(":x")


# ------------------------------------------------------------------ FactoryMapping


def test_factory_mapping_is_a_mapping_of_aliases() -> None:
    fm: FactoryMapping[Any] = FactoryMapping(
        {"join": "os.path:join"}, {"sep": "os:sep"}, cwd="os:getcwd"
    )
    assert fm.aliases == {"join": "os.path:join", "sep": "os:sep", "cwd": "os:getcwd"}
    assert fm.data is fm.aliases
    assert dict(fm) == fm.aliases
    assert fm["join"] == "os.path:join"
    assert len(fm) == 3
    assert "sep" in fm
    fm["x"] = "os:x"
    assert fm.aliases["x"] == "os:x"
    assert fm.namespaces == set()


def test_factory_mapping_by_name() -> None:
    fm: FactoryMapping[Any] = FactoryMapping(join="os.path:join")
    assert fm.by_name("join") is os.path.join
    assert fm.by_name("os.path:join") is os.path.join
    assert fm.by_name(title) is title
    assert fm.get_alias("join") == "os.path:join"
    with pytest.raises(KeyError):
        fm.get_alias("nope")


def test_factory_mapping_by_name_did_you_mean() -> None:
    fm: FactoryMapping[Any] = FactoryMapping(
        redis="os:getcwd", memory="os:getcwd", rabbit="os:getcwd"
    )
    with pytest.raises(
        ModuleNotFoundError,
        match=r"^'rediss' is not a valid name\. Did you mean redis\?$",
    ) as info:
        fm.by_name("rediss")
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
    with pytest.raises(
        ModuleNotFoundError,
        match=r"^'zzzzzz' is not a valid name\. Available choices: "
        r"redis, memory, rabbit$",
    ):
        fm.by_name("zzzzzz")


def test_factory_mapping_by_name_dotted_or_alias_keeps_original_error() -> None:
    fm: FactoryMapping[Any] = FactoryMapping(broken="modetest_nowhere_abc:X")
    with pytest.raises(ModuleNotFoundError, match="No module named 'modetest_nowhere"):
        fm.by_name("modetest_nowhere_def.sub")
    # an alias whose target is missing reports the target, not "not a valid name"
    with pytest.raises(ModuleNotFoundError, match="modetest_nowhere_abc"):
        fm.by_name("broken")


def test_factory_mapping_by_url_and_iterate() -> None:
    fm: FactoryMapping[Any] = FactoryMapping(file="os:getcwd", os="os:sep")
    assert fm.by_url("file:///tmp/x") is os.getcwd
    assert fm.by_url(URL("OS://host")) == os.sep
    assert list(fm.iterate()) == [os.getcwd, os.sep]


class _YarlLikeURL:
    """Stands for ``yarl.URL``: a URL object whose ``str()`` is the URL."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __str__(self) -> str:
        return self._text


def test_factory_mapping_by_url_accepts_url_objects() -> None:
    # faust keeps its broker/store URLs as yarl.URL and passes them as they are.
    fm: FactoryMapping[Any] = FactoryMapping(memory="os:getcwd", kafka="os:sep")
    assert fm.by_url(_YarlLikeURL("memory://")) is os.getcwd
    assert fm.by_url(_YarlLikeURL("Kafka://localhost:9092")) == os.sep
    with pytest.raises(ModuleNotFoundError, match="'rocksdb' is not a valid name"):
        fm.by_url(_YarlLikeURL("rocksdb://"))


def test_factory_mapping_by_url_rejects_what_is_no_url() -> None:
    fm: FactoryMapping[Any] = FactoryMapping(memory="os:getcwd")
    for bad in (5, None, 1.5, object(), b"memory://"):
        with pytest.raises(TypeError, match=r"a str or a URL object \(such as yarl"):
            fm.by_url(bad)


def test_factory_mapping_generic_typing() -> None:
    fm: FactoryMapping[type[Exception]] = FactoryMapping(v="builtins:ValueError")
    arg: SymbolArg[type[Exception]] = "v"
    cls: type[Exception] = fm.by_name(arg)
    assert cls is ValueError
    assert fm.by_name(KeyError) is KeyError


def test_factory_mapping_setuptools_namespace_is_lazy(plugin_dir: Path) -> None:
    fm: FactoryMapping[Any] = FactoryMapping(memory="os:getcwd", local="os:sep")
    fm.include_setuptools_namespace("modetest.backends")
    assert fm.namespaces == {"modetest.backends"}
    assert "redis" not in fm.aliases  # not loaded yet
    redis = fm.by_name("redis")
    assert redis.kind == "redis"
    # entry points override aliases of the same name
    assert fm.get_alias("memory") == "modetest_plug:Memory"
    assert fm.aliases["local"] == "os:sep"
    # a group added later is loaded on the next use
    fm.include_setuptools_namespace("modetest.modules")
    modules = [obj for obj in fm.iterate() if isinstance(obj, ModuleType)]
    assert [m.__name__ for m in modules] == ["modetest_plug"]


# ------------------------------------------------------------------ entry points


def test_load_extension_class_names(plugin_dir: Path) -> None:
    names = list(load_extension_class_names("modetest.backends"))
    assert sorted(names) == [
        RawEntrypointExtension("memory", "modetest_plug:Memory"),
        RawEntrypointExtension("redis", "modetest_plug:Redis"),
    ]
    assert list(load_extension_class_names("modetest.modules")) == [
        ("plug", "modetest_plug")
    ]
    assert list(load_extension_class_names("modetest.no.such.group")) == []


def test_load_extension_classes(plugin_dir: Path) -> None:
    found = {ext.name: ext for ext in load_extension_classes("modetest.backends")}
    assert set(found) == {"redis", "memory"}
    assert isinstance(found["redis"], EntrypointExtension)
    assert found["redis"].type.kind == "redis"
    assert found["memory"].type.__name__ == "Memory"


def test_load_extension_classes_without_pkg_resources(
    plugin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # upstream silently yielded nothing when pkg_resources was missing
    monkeypatch.setitem(sys.modules, "pkg_resources", None)
    names = [ext.name for ext in load_extension_classes("modetest.backends")]
    assert sorted(names) == ["memory", "redis"]


def test_load_extension_classes_skips_broken_with_warning(plugin_dir: Path) -> None:
    with pytest.warns(UserWarning, match="Cannot load modetest.broken") as record:
        loaded = list(load_extension_classes("modetest.broken"))
    assert [ext.name for ext in loaded] == ["good"]
    messages = sorted(str(w.message) for w in record)
    assert len(messages) == 3
    assert any("'missing_module'" in m and "ModuleNotFoundError" in m for m in messages)
    assert any("'syntax'" in m and "SyntaxError" in m for m in messages)
    assert any("'missing_attr'" in m and "AttributeError" in m for m in messages)
    assert all(m.startswith("Cannot load modetest.broken extension") for m in messages)


# ------------------------------------------------------------------ cwd helpers


def test_cwd_in_path_adds_and_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    cwd = os.getcwd()
    with cwd_in_path() as added:
        assert added == cwd
        assert sys.path[0] == cwd
    assert cwd not in sys.path


def test_cwd_in_path_already_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [*sys.path, os.getcwd()])
    before = list(sys.path)
    with cwd_in_path() as added:
        assert added is None
    assert sys.path == before


def test_import_from_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "modetest_cwdmod.py").write_text("ANSWER = 42\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    try:
        module = import_from_cwd("modetest_cwdmod")
        assert module.ANSWER == 42
        assert os.getcwd() not in sys.path
        calls: list[Any] = []

        def imp(name: str, package: str | None = None) -> ModuleType:
            calls.append((name, package, sys.path[0]))
            return module

        assert import_from_cwd(".x", imp=imp, package="p") is module
        assert calls == [(".x", "p", os.getcwd())]
    finally:
        sys.modules.pop("modetest_cwdmod", None)
    with pytest.raises(ModuleNotFoundError):
        import_from_cwd("modetest_cwd_missing")


def test_smart_import() -> None:
    assert smart_import("os.path") is os.path
    assert smart_import("os.path:join") is os.path.join
    assert smart_import("os.path.join") is os.path.join
    with pytest.raises(AttributeError):
        smart_import("os.path.nope")
    with pytest.raises(ModuleNotFoundError):
        smart_import("modetest_nowhere_q.x")
    seen: list[str] = []

    def imp(name: str, package: str | None = None) -> ModuleType:
        seen.append(name)
        return os

    assert smart_import("anything", imp=imp) is os
    assert smart_import("m:getcwd", imp=imp) is os.getcwd
    assert seen == ["anything", "m"]


# ------------------------------------------------------------------ URL


def test_url_components() -> None:
    url = URL("Kafka://user:pw@host.example:9092/path/x?a=1&b=2&a=3#frag")
    assert url.scheme == "kafka"
    assert url.user == "user"
    assert url.password == "pw"
    assert url.host == "host.example"
    assert url.port == 9092
    assert url.path == "/path/x"
    assert url.query_string == "a=1&b=2&a=3"
    assert url.query == {"a": "3", "b": "2"}
    assert url.fragment == "frag"
    assert str(url) == "Kafka://user:pw@host.example:9092/path/x?a=1&b=2&a=3#frag"
    assert repr(URL("memory://")) == "URL('memory://')"


def test_url_minimal_and_equality() -> None:
    url = URL("memory://")
    assert url.scheme == "memory"
    assert url.host is None
    assert url.port is None
    assert URL("").scheme == ""
    assert URL(url) == url
    assert URL("a://b") != URL("a://c")
    assert URL("a://b") != "a://b"
    assert len({URL("a://b"), URL("a://b")}) == 1


def test_url_from_url_objects() -> None:
    url = URL(_YarlLikeURL("Redis://cache:6379/0"))
    assert (url.scheme, url.host, url.port, url.path) == ("redis", "cache", 6379, "/0")
    assert str(url) == "Redis://cache:6379/0"
    assert URL(_YarlLikeURL("memory:")).scheme == "memory"


def test_url_bad_input() -> None:
    with pytest.raises(TypeError, match="expects a str or a URL object"):
        URL(42)
    with pytest.raises(TypeError, match="not bytes"):
        URL(b"kafka://")
    with pytest.raises(TypeError, match="not _YarlLikeURL"):
        URL(_YarlLikeURL("no scheme here"))
    with pytest.raises(ValueError):
        URL("kafka://host:notaport")


def test_named_tuples() -> None:
    raw = RawEntrypointExtension("n", "m:a")
    assert raw.name == "n"
    assert raw.target == "m:a"
    ext = EntrypointExtension("n", int)
    assert ext.type is int
    assert ParsedSymbol("m", None).attribute_name is None
