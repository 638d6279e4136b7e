"""The lazy ``mode`` facade: cheap import, lazy names, clear errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import mode


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_import_mode_loads_no_submodule_and_no_asyncio() -> None:
    res = run_python(
        """
        import sys
        import mode
        loaded = sorted(m for m in sys.modules if m.startswith("mode."))
        assert loaded == [], loaded
        assert "asyncio" not in sys.modules
        print("ok")
        """
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


def test_namespace_path_spans_the_distributions() -> None:
    import mode.loop
    import mode.testing
    import mode.worker

    roots = {p.replace("\\", "/") for p in mode.__path__}
    assert any(r.endswith("mode-service/src/mode") for r in roots) or len(roots) == 1
    for sub in (mode.loop, mode.testing, mode.worker):
        assert sub.__name__.startswith("mode.")


def test_unknown_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        _ = mode.NoSuchThing


def test_all_lists_every_lazy_name_and_dir_shows_them() -> None:
    assert "Service" in mode.__all__
    assert "Worker" in mode.__all__
    assert set(mode.__all__) <= set(dir(mode))
    assert mode.object_origins["Service"] == "mode.services"
    assert "want_seconds" in mode.all_by_module["mode.utils.times"]
    assert mode.new_module is mode.old_module is sys.modules["mode"]


def test_missing_distribution_names_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A name whose module is missing must say which distribution to install.
    monkeypatch.setitem(mode._ORIGINS, "Phantom", ("mode.phantom", "mode-phantom"))
    monkeypatch.delitem(sys.modules, "mode.phantom", raising=False)
    with pytest.raises(ImportError, match=r"pip install mode-phantom"):
        _ = mode.Phantom


def test_broken_module_error_is_not_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    # An ImportError raised *inside* an installed module is the real error; it
    # must not be rewritten into "install the distribution".
    monkeypatch.setitem(mode._ORIGINS, "Broken", ("mode.brokenmod", "mode-service"))

    class Finder:
        @staticmethod
        def find_spec(name: str, path: object = None, target: object = None) -> None:
            if name == "mode.brokenmod":
                raise ModuleNotFoundError("No module named 'dep'", name="dep")
            return None

    monkeypatch.setattr(sys, "meta_path", [Finder, *sys.meta_path])
    with pytest.raises(ModuleNotFoundError, match="'dep'"):
        _ = mode.Broken


def test_lazy_name_is_cached_after_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    fake = types.ModuleType("mode.fakemod")
    fake.Thing = object()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mode.fakemod", fake)
    monkeypatch.setitem(mode._ORIGINS, "Thing", ("mode.fakemod", "mode-service"))
    first = mode.Thing
    assert first is fake.Thing
    assert vars(mode)["Thing"] is first
    monkeypatch.delitem(vars(mode), "Thing")


def test_every_lazy_name_has_a_static_import_for_type_checkers() -> None:
    # Type checkers see the lazy names only through the facade's
    # ``if TYPE_CHECKING:`` imports; a name missing there is Any to them
    # (faust's type checks of its Worker subclass relied on this).
    import ast
    from pathlib import Path

    import mode

    tree = ast.parse(Path(mode.__file__ or "").read_text())
    static: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.ImportFrom):
                    static.update(a.asname or a.name for a in stmt.names)
    assert set(mode._ORIGINS) <= static
