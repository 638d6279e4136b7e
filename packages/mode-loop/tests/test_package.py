"""The mode.loop package installs and imports as a portion of the mode namespace."""

import importlib
from pathlib import Path


def test_package_imports_and_declares_its_public_names() -> None:
    module = importlib.import_module("mode.loop")
    assert isinstance(module.__all__, list)
    assert module.__doc__
    for name in module.__all__:
        assert hasattr(module, name), name
    assert sorted(module.__all__) == sorted(
        [
            "ENTRY_POINT_GROUP",
            "LOOPS",
            "BackendUnavailableError",
            "LoopFactory",
            "UnknownBackendError",
            "available",
            "factory",
            "names",
            "use",
        ]
    )
    assert module.ENTRY_POINT_GROUP == "mode.loop.backends"


def test_every_package_dir_ships_py_typed_and_no_mode_init() -> None:
    src = Path(__file__).resolve().parent.parent / "src"
    assert not (src / "mode" / "__init__.py").exists()
    for init in (src / "mode").rglob("__init__.py"):
        assert (init.parent / "py.typed").exists(), init.parent
