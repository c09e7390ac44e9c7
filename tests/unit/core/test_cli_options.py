"""The options every stage command shares (``trialsynth.cli_options``) and the help they give."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from trialsynth.cli import COMMANDS, build_parser
from trialsynth.cli_options import (
    add_command,
    add_manifests,
    add_output,
    add_paths,
    manifest_paths,
)
from trialsynth.errors import InputError


def _run_sample(args: argparse.Namespace) -> int:
    """Draw a sample figure.

    Draw the sample from table.csv
    into a folder.
    """
    return 0


def test_a_command_takes_its_help_and_description_from_the_run_docstring():
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command")
    command = add_command(subparsers, "sample", _run_sample)
    assert subparsers.choices["sample"] is command
    help_line = next(a.help for a in subparsers._choices_actions if a.dest == "sample")
    assert help_line == "Draw a sample figure"
    assert command.description == "Draw the sample from table.csv into a folder."
    assert parser.parse_args(["sample"]).func is _run_sample


def test_paths_outputs_and_manifests_parse_to_paths():
    parser = argparse.ArgumentParser()
    add_paths(parser, "trials", "certainty_overrides", required=False)
    add_paths(parser, "studies", studies="studies.csv (records of each study)")
    add_output(parser, "prisma.json", "--prisma")
    add_manifests(parser)
    manifests = ["--manifest", "ctgov=raw/ctgov/manifest.json", "--manifest", "pubmed=m.json"]
    args = parser.parse_args(
        ["--studies", "s.csv", "--prisma", "p.json", "--certainty-overrides", "c.csv", *manifests]
    )
    assert (args.trials, args.studies, args.prisma) == (None, Path("s.csv"), Path("p.json"))
    assert args.certainty_overrides == Path("c.csv")
    assert manifest_paths(args.manifest) == {
        "ctgov": Path("raw/ctgov/manifest.json"),
        "pubmed": Path("m.json"),
    }
    helps = {a.dest: a.help for a in parser._actions}
    assert helps["trials"] == "trials.csv"
    assert helps["studies"] == "studies.csv (records of each study)"
    assert helps["prisma"] == "prisma.json to write"
    with pytest.raises(SystemExit):
        parser.parse_args([])  # --studies and --prisma are required


@pytest.mark.parametrize("item", ["ctgov", "=manifest.json", "ctgov="])
def test_a_manifest_that_is_not_name_equals_path_names_the_fix(item):
    with pytest.raises(InputError, match="is not NAME=PATH") as error:
        manifest_paths([item])
    assert "ctgov=data/raw/ctgov/manifest.json" in str(error.value)


def _leaf_parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    subcommands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subcommands:
        yield path, parser
        return
    action = subcommands[0]
    helps = {a.dest: a.help for a in action._choices_actions}
    for name, child in action.choices.items():
        assert helps.get(name), f"{' '.join((*path, name))} has no one-line help"
        yield from _leaf_parsers(child, (*path, name))


def test_every_command_says_what_it_does():
    leaves = dict(_leaf_parsers(build_parser()))
    assert ("figures", "durability") in leaves and ("parse", "pubmed") in leaves
    assert {path[0] for path in leaves} == set(COMMANDS)
    for path, parser in leaves.items():
        assert parser.description and len(parser.description) > 30, path
