"""Issue 8 cases that only show through Snakemake, each on its own scratch copy of the project:
a bad protocol is reported by the package in one line before Snakemake's generic message
(item 12)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.workflow


def stage(root: Path) -> Path:
    """A scratch copy of the project (rule files, review, shipped snapshot) in ``root``."""
    for name in ("workflow", "analysis", "data/raw"):
        shutil.copytree(REPO / name, root / name)
    for name in ("Snakefile", "environment.yml"):
        shutil.copy2(REPO / name, root / name)
    return root


def snakemake(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env["TRIALSYNTH_LOG_LEVEL"] = "WARNING"
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


# item 12 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ("syntax", "analysis/protocol.yaml: line "),
        ("empty", "analysis/protocol.yaml: line 1: the file is empty"),
        ("unknown_key", "analysis/protocol.yaml: key (top level): Additional properties"),
        ("bad_pattern", "analysis/protocol.yaml: key analyses[0].match: invalid regular"),
    ],
)
def test_a_bad_protocol_is_named_by_the_package_in_one_line(tmp_path, breakage, expected):
    project = stage(tmp_path)
    protocol = project / "analysis/protocol.yaml"
    text = protocol.read_text(encoding="utf-8")
    if breakage == "syntax":
        protocol.write_text(text.replace("\nmeta:", "\nmeta: [unclosed\nmeta2:", 1))
    elif breakage == "empty":
        protocol.write_text("")
    elif breakage == "unknown_key":
        protocol.write_text(text + "\nanalysis_typo: 1\n")
    else:
        lines = text.splitlines(keepends=True)
        at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- id:"))
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
        lines.insert(at + 1, f"{indent}  match: 'day (28'\n")
        protocol.write_text("".join(lines))
    run = snakemake(project, "-n")
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert expected in output, output[-3000:]
    assert "not valid JSON or YAML" not in output
    assert len(output.splitlines()) == 1, output  # one line: no traceback, no schema dump
