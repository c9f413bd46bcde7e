"""How main() reads the command line around click: `--debug` before or after the command (never an option's
value or what follows `--`), "Did you mean" for a misspelled command, and every missing required parameter
reported in one run."""

from __future__ import annotations

import pytest

from tests.conftest import Xenkit
from toolkit.cli.cmdline import read_command_line
from toolkit.cli.main import cli

NET = ["--hostname", "web1.example.com", "--ip", "192.0.2.10/24", "--gateway", "192.0.2.1",
       "--nameserver", "192.0.2.53"]


# --- --debug ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["before the command", "after the command", "among its options"])
def test_debug_anywhere_shows_the_traceback(xenkit: Xenkit, where: str) -> None:
    args = ["kickstart", "render", "no-such-profile", *NET, "--root-password-hash", "x"]
    if where == "before the command":
        args.insert(0, "--debug")
    elif where == "after the command":
        args.append("--debug")
    else:
        args.insert(3, "--debug")
    result = xenkit(*args)
    assert result.code == 2
    assert "Traceback (most recent call last)" in result.err and "No such option" not in result.err
    assert result.err.splitlines()[-1].startswith("error: unknown profile 'no-such-profile'")


def test_without_debug_no_traceback(xenkit: Xenkit) -> None:
    result = xenkit("kickstart", "render", "no-such-profile", *NET, "--root-password-hash", "x")
    assert result.code == 2 and "Traceback" not in result.err


@pytest.mark.parametrize(("argv", "debug", "args"), [
    (["--debug", "kickstart", "list"], True, ["kickstart", "list"]),
    (["kickstart", "list", "--debug"], True, ["kickstart", "list"]),
    (["kickstart", "--debug", "list"], True, ["kickstart", "list"]),
    (["vm", "install", "--name", "--debug"], False, ["vm", "install", "--name", "--debug"]),
    (["vm", "install", "--name=--debug"], False, ["vm", "install", "--name=--debug"]),
    (["host", "run", "--host", "h", "--", "echo", "--debug"], False,
     ["host", "run", "--host", "h", "--", "echo", "--debug"]),
    (["host", "run", "--host", "h", "echo", "--debug"], False, ["host", "run", "--host", "h", "echo", "--debug"]),
    (["host", "run", "--debug", "--host", "h", "echo"], True, ["host", "run", "--host", "h", "echo"]),
    (["no-such-command", "--debug"], False, ["no-such-command", "--debug"]),
], ids=repr)
def test_which_debug_is_the_flag(argv: list[str], debug: bool, args: list[str]) -> None:
    line = read_command_line(cli, argv)
    assert (line.debug, line.args) == (debug, args)


# --- did you mean ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "group", "suggestion"), [
    (["rendr"], "xenkit", "render"), (["temlate", "releases"], "xenkit", "template"),  # top level: not loaded yet
    (["ddk", "imprt"], "xenkit ddk", "import"), (["driver", "buidl"], "xenkit driver", "build"),  # lazy subcommands
    (["kickstart", "rendr"], "xenkit kickstart", "render"), (["vm", "insatll"], "xenkit vm", "install"),  # plain groups
])
def test_a_misspelled_command_gets_did_you_mean(xenkit: Xenkit, args: list[str], group: str, suggestion: str) -> None:
    result = xenkit(*args)
    typed = args[len(group.split()) - 1]
    assert result.code == 2
    assert result.err == f"error: No such command {typed!r}. Did you mean {suggestion!r}?\nhint: see '{group} --help'\n"


def test_nothing_close_gets_no_suggestion(xenkit: Xenkit) -> None:
    result = xenkit("zzzzzz")
    assert result.err == "error: No such command 'zzzzzz'.\nhint: see 'xenkit --help'\n"


# --- every missing required parameter ---------------------------------------------------------------------------

def test_every_missing_required_option_in_one_run(xenkit: Xenkit) -> None:
    result = xenkit("vm", "install", "fedora17-xenserver", "--name", "web1", "--hostname", "web1.example.com")
    assert result.code == 2
    assert result.err.splitlines() == [
        "error: Missing option '--ks'.", "error: Missing option '--network'.", "error: Missing option '--ip'.",
        "error: Missing option '--gateway'.", "error: Missing option '--nameserver'.",
        "hint: see 'xenkit vm install --help'",
    ]


def test_missing_arguments_and_options_together(xenkit: Xenkit) -> None:
    result = xenkit("driver", "verify")
    assert result.err.splitlines() == ["error: Missing argument 'RPM|BUNDLE...'.",
                                       "error: Missing option '--kernel'.", "hint: see 'xenkit driver verify --help'"]
    put = xenkit("host", "put", "--debug")
    assert put.code == 2 and [line for line in put.err.splitlines() if line.startswith("error:")] == [
        "error: Missing argument 'LOCAL'.", "error: Missing argument 'REMOTE'.", "error: Missing option '--host'."]


def test_one_missing_option_reads_as_before(xenkit: Xenkit) -> None:
    result = xenkit("render", "site.toml")
    assert result.err == "error: Missing option '-o' / '--output'.\nhint: see 'xenkit render --help'\n"


def test_a_command_that_fails_to_load_is_one_error_line(xenkit: Xenkit, monkeypatch: pytest.MonkeyPatch) -> None:
    """The line is read (loading the commands it names) inside main's error handling: no bare traceback."""
    monkeypatch.setitem(cli.lazy, "broken", "toolkit.no_such_module:command")
    result = xenkit("broken", "--x")
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.startswith("error: internal error: ModuleNotFoundError")
    assert "Traceback" in xenkit("broken", "--debug").err
