"""The top-level ``trialsynth`` command imports only the stage that owns the subcommand."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trialsynth.cli import COMMANDS, build_parser, requested_command


def _subcommands(parser) -> set[str]:
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices)


def test_every_registered_subcommand_has_its_module_in_commands():
    assert _subcommands(build_parser()) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_known_command_registers_only_its_stage(command):
    registered = _subcommands(build_parser(command))
    owners = {name for name, module in COMMANDS.items() if module == COMMANDS[command]}
    assert registered == owners


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-q", "code", "--ctgov", "x"], "code"),
        (["-v", "-v", "meta", "data.csv"], "meta"),
        (["--help"], None),
        ([], None),
        (["--", "code"], None),
    ],
)
def test_requested_command_is_the_first_non_option(argv, expected):
    assert requested_command(argv) == expected


def test_code_does_not_import_the_meta_engine_or_plotting():
    probe = (
        "import sys\n"
        "from trialsynth.cli import build_parser\n"
        "build_parser('code')\n"
        "print(sorted(m for m in ('scipy.stats', 'plotnine', 'trialsynth.meta.batch') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_command_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser(requested_command(["bogus"])).parse_args(["bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert all(f"'{name}'" in err for name in COMMANDS)
