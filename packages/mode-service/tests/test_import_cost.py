"""Import cost, checked by structure (which modules load), not by time.

``from mode import Service`` should cost little beyond ``import asyncio``
(issue #9: at most 1.25x).  What keeps it cheap is that the rarer helpers load
on first use; these tests fail when an import at module level brings one of
them back onto the ``Service`` path.  Each check runs in a fresh interpreter
and only looks at the modules that the statement itself added (whatever the
interpreter start-up, e.g. a coverage hook, loaded before is ignored).
"""

from __future__ import annotations

import ast
import datetime
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import mode

#: Modules that ``from mode import Service`` must not load: each is imported
#: lazily, on the path that needs it (fuzzy matching, stack dumps, labels,
#: graphs, supervisors, signals, timers, logging set-up, other packages).
LAZY_FOR_SERVICE = (
    "pkgutil",
    "importlib.util",
    "datetime",
    "difflib",
    "random",
    "mode.signals",
    "mode.supervisors",
    "mode.timers",
    "mode.threads",
    "mode.types.signals",
    "mode.types.supervisors",
    "mode.utils.objects",
    "mode.utils.text",
    "mode.utils.tracebacks",
    "mode.utils.graphs",
    "mode.utils.types.graphs",
    "mode.utils.logging.formatters",
    "mode.utils.logging.recorder",
    "mode.utils.logging.setup",
    "mode.worker",
    "mode.loop",
    "mode.testing",
)


def modules_added_by(statement: str) -> set[str]:
    """Run ``statement`` in a fresh interpreter; return the modules it added."""
    code = textwrap.dedent(
        f"""
        import sys
        before = set(sys.modules)
        {statement}
        print(sorted(set(sys.modules) - before))
        """
    )
    res = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    added = ast.literal_eval(res.stdout.strip().splitlines()[-1])
    assert isinstance(added, list)
    return {str(name) for name in added}


def test_import_mode_alone_loads_only_the_facade() -> None:
    added = modules_added_by("import mode")
    assert added <= {"mode"}, sorted(added)


def test_service_does_not_load_the_lazy_modules() -> None:
    added = modules_added_by("from mode import Service")
    assert "mode.services" in added
    loaded = sorted(added.intersection(LAZY_FOR_SERVICE))
    assert loaded == [], f"now imported by `from mode import Service`: {loaded}"


def test_lazy_modules_load_when_used() -> None:
    added = modules_added_by(
        """
        from datetime import timedelta
        from mode import Service, Seconds, want_seconds
        from mode.types import SignalT, SupervisorStrategyT
        from mode.utils.text import fuzzymatch_best
        from mode.utils.times import humanize_seconds
        assert want_seconds(timedelta(seconds=2)) == 2.0
        assert fuzzymatch_best(["service"], "servce") == "service"
        assert humanize_seconds(120) == "2.00 minutes"
        assert Seconds == timedelta | float | str
        assert SignalT.__module__ == "mode.types.signals"
        assert SupervisorStrategyT.__module__ == "mode.types.supervisors"
        assert Service().tracebacks() == {}
        """
    )
    assert {
        "mode.utils.text",
        "mode.utils.tracebacks",
        "mode.types.signals",
        "mode.types.supervisors",
    } <= added


def test_want_seconds_accepts_timedelta_and_seconds_is_the_union() -> None:
    from mode.utils.times import Seconds, want_seconds

    assert want_seconds(datetime.timedelta(minutes=1, milliseconds=500)) == 60.5
    assert Seconds == datetime.timedelta | float | str


def test_types_package_names_resolve_lazily() -> None:
    import mode.types as types_pkg
    from mode.types import services as service_types
    from mode.types import signals, supervisors

    assert types_pkg.ServiceT is service_types.ServiceT
    assert types_pkg.DiagT is service_types.DiagT
    assert types_pkg.SignalT is signals.SignalT
    assert types_pkg.BaseSignalT is signals.BaseSignalT
    assert types_pkg.SyncSignalT is signals.SyncSignalT
    assert types_pkg.SignalHandlerT is signals.SignalHandlerT
    assert types_pkg.SupervisorStrategyT is supervisors.SupervisorStrategyT
    assert set(types_pkg.__all__) <= set(dir(types_pkg))
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = types_pkg.Nope


def test_namespace_portions_match_pkgutil_extend_path() -> None:
    own = [mode.__path__[0]]
    assert mode._namespace_portions(own, "mode") == pkgutil.extend_path(own, "mode")


def test_namespace_portions_skip_what_is_not_a_package_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portion = tmp_path / "with_portion"
    (portion / "modetestns").mkdir(parents=True)
    module_only = tmp_path / "module_only"
    module_only.mkdir()
    (module_only / "modetestns.py").write_text("")
    entries: list[object] = [
        str(module_only),  # a module of that name is no portion
        str(tmp_path / "missing"),  # no such directory
        b"/bytes/are/skipped",
        tmp_path,  # a Path object is skipped, as by pkgutil
        str(portion),
        str(portion),  # listed twice, added once
    ]
    monkeypatch.setattr(sys, "path", entries)
    monkeypatch.setattr(sys, "path_importer_cache", dict(sys.path_importer_cache))
    found = mode._namespace_portions(["/already/there"], "modetestns")
    assert found == ["/already/there", str(portion / "modetestns")]
    assert found == pkgutil.extend_path(["/already/there"], "modetestns")
