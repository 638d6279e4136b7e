"""The mode.testing package installs and imports as a portion of the mode namespace."""

import importlib


def test_package_imports_and_declares_its_public_names() -> None:
    module = importlib.import_module("mode.testing")
    assert isinstance(module.__all__, list)
    assert module.__doc__
