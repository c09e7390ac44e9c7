"""environment.yml: the same pins as pyproject.toml and constraints.txt, and no path that breaks
when ``snakemake --sdm conda`` copies the file into ``.snakemake/conda/``."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+)$")


def _pip_lines() -> list[str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    pip = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1
    return [str(line) for line in pip[0]]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_pin_matches_pyproject_and_constraints() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(pyproject["dependencies"])
    for extra in ("dev", "cluster"):
        wanted += pyproject["optional-dependencies"][extra]
    constraints = {
        _normal(m[1]): m[2]
        for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if (m := _PIN.match(line.strip()))
    }
    env = {_normal(m[1]): m[2] for line in _pip_lines() if (m := _PIN.match(line))}
    for requirement in wanted:
        match = _PIN.match(requirement)
        assert match, f"{requirement} is not pinned with =="
        name, version = _normal(match[1]), match[2]
        assert env.get(name) == version, f"environment.yml: {name}"
        assert constraints.get(name) == version, f"constraints.txt: {name}"


def test_paths_survive_the_copy_snakemake_makes(tmp_path: Path) -> None:
    paths = [line for line in _pip_lines() if line.startswith(("-e", "-c", "-r"))]
    assert {p.split()[0] for p in paths} == {"-e", "-c"}
    for line in paths:
        assert "${TRIALSYNTH_ROOT}" in line, f"{line!r} depends on where the file is read from"
    # conda runs pip from the folder of the environment file Snakemake copied; pip expands
    # ${VAR} in requirement files, and the workflow sets TRIALSYNTH_ROOT to its own folder
    copied = tmp_path / ".snakemake" / "conda" / "0123abcd.yaml"
    copied.parent.mkdir(parents=True)
    shutil.copy2(REPO / "environment.yml", copied)
    for line in paths:
        target = line.split(maxsplit=1)[1].replace("${TRIALSYNTH_ROOT}", str(REPO))
        assert (copied.parent / target).exists(), line  # absolute: the folder does not matter
    common = (REPO / "workflow" / "rules" / "common.smk").read_text(encoding="utf-8")
    assert 'os.environ.setdefault("TRIALSYNTH_ROOT", workflow.basedir)' in common
