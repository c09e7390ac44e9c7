"""The package works from a built wheel outside a checkout: schemas ship as package data.

Builds the wheel from this checkout, installs it with pip into a throwaway folder (no
dependencies: the test environment already has them), and runs `trialsynth meta` on a
reference dataset from a working directory that is not the repository, with the checkout's
own source kept off ``sys.path``. A schema that is not in the wheel, or a reader that looks
for ``workflow/`` or ``src/`` on disk, fails here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BCG = REPO / "tests" / "reference" / "metafor" / "bcg_rr_reml"
SCHEMAS = sorted(p.name for p in (REPO / "src" / "trialsynth" / "schemas").glob("*.json"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder holding the package installed from its wheel."""
    root = tmp_path_factory.mktemp("wheel")
    # Build from a copy of what the wheel is made of, so setuptools leaves no build/ or
    # egg-info folder in the checkout.
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "src",
        source / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    wheels = root / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        check=True,
        cwd=root,
    )
    (wheel,) = wheels.glob("trialsynth-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {Path(n).name for n in archive.namelist() if n.startswith("trialsynth/schemas/")}
    assert shipped == set(SCHEMAS)
    site = root / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        cwd=root,
    )
    return site


def _run(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TRIALSYNTH_SCHEMA_DIR"}
    env["PYTHONPATH"] = str(site)
    code = (
        "import sys, trialsynth; "
        f"assert trialsynth.__file__.startswith({str(site)!r}), trialsynth.__file__; "
        "from trialsynth.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_meta_runs_from_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_bytes((BCG / "data.csv").read_bytes())
    out = tmp_path / "result.json"
    done = _run(
        installed, tmp_path, "meta", "--data", str(data), "--measure", "RR", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    expected = json.loads((BCG / "case.json").read_text())["expected"]
    assert json.loads(out.read_text())["estimate"] == pytest.approx(expected["estimate"], rel=1e-6)


def test_installed_reader_validates_against_the_shipped_schema(
    installed: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("study,yi,vi\nA,0.1,0.01\nB,0.2,-1\n")
    done = _run(installed, tmp_path, "meta", "--data", str(bad), "--measure", "GEN")
    assert done.returncode == 2
    assert "row 3" in done.stderr and "'vi'" in done.stderr
