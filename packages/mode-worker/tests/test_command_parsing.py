"""The `mode` command's argument checks, in-process (no worker is started)."""

from __future__ import annotations

import pytest

from mode.worker._cli import build_parser, main


@pytest.mark.parametrize("args", [["run", "--help"], ["graph", "--help"]])
def test_help_of_each_command(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: mode {args[0]}")
    assert "MODULE:ATTR" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--shutdown-timeout", "0"],
        ["--shutdown-timeout", "soon"],
        ["--blocking-timeout", "-1"],
        ["--blocking-timeout", "nan"],
        ["--blocking-timeout", "inf"],
        ["--console-port", "http"],
        ["--console-port", "70000"],
    ],
)
def test_bad_option_values_are_one_line_errors(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "x:y", *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("mode run: error: ")
    assert err.endswith("(see mode run -h)\n")
    assert err.count("\n") == 1


@pytest.mark.parametrize("target", ["workerapps", "workerapps:", ":x", "work-er:x"])
def test_malformed_targets(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", target]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mode run: error: ")
    assert err.count("\n") == 1


def test_bad_format_for_graph(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["graph", "x:y", "--format", "png"])
    assert info.value.code == 2
    assert "invalid choice: 'png'" in capsys.readouterr().err


def test_unknown_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["run", "x:y", "--no-such-option"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == (
        "mode: error: unrecognized arguments: --no-such-option (see mode -h)\n"
    )


@pytest.mark.parametrize("value", ["0", "0.0"])
def test_blocking_timeout_zero_turns_the_detector_off(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = build_parser().parse_args(["run", "x:y", "--blocking-timeout", value])
    assert args.blocking_timeout == 0.0
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "0: off" in capsys.readouterr().out


@pytest.mark.parametrize(
    "switch", ["--debug=no", "--quiet=false", "--no-redirect-stdouts=1"]
)
def test_on_off_switches_take_no_value(
    switch: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A switch given a value is refused rather than read as true.
    with pytest.raises(SystemExit) as info:
        main(["run", "x:y", switch])
    assert info.value.code == 2
    assert "ignored explicit argument" in capsys.readouterr().err


def test_on_off_switches_give_the_worker_bools() -> None:
    # The Worker refuses anything else (Worker(debug="no") is a TypeError).
    on = build_parser().parse_args(
        ["run", "x:y", "--debug", "--quiet", "--no-redirect-stdouts"]
    )
    off = build_parser().parse_args(["run", "x:y"])
    for args, value in ((on, True), (off, False)):
        assert args.debug is value
        assert args.quiet is value
        assert args.redirect_stdouts is not value
