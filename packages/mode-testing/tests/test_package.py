"""The mode.testing package installs and imports as a portion of the mode namespace."""

import importlib


def test_package_imports_and_declares_its_public_names() -> None:
    module = importlib.import_module("mode.testing")
    assert isinstance(module.__all__, list)
    assert module.__doc__


def test_public_names_resolve_and_are_listed() -> None:
    module = importlib.import_module("mode.testing")
    listed = dir(module)
    for name in module.__all__:
        assert name in listed
        assert getattr(module, name) is not None
