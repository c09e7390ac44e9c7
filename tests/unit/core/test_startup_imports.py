"""A subcommand's process imports only what its work needs: the start-up of the many small
jobs (16 ``meta`` jobs, ``history`` and ``report`` on every refresh) is mostly imports.

Each probe runs in a fresh interpreter and lists which of the heavy modules it loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CASE = REPO / "tests" / "reference" / "metafor" / "bcg_rr_reml"


def _loaded(probe: str, modules: tuple[str, ...]) -> list[str]:
    """The ``modules`` that the Python code ``probe`` left in ``sys.modules``."""
    code = f"{probe}\nimport sys\nprint(sorted(m for m in {modules!r} if m in sys.modules))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_files_and_the_protocol_need_no_pandas() -> None:
    probe = (
        "from trialsynth.documents import write_json_atomic, read_json_file\n"
        "import trialsynth.memo, trialsynth.cli_options\n"
    )
    assert _loaded(probe, ("pandas", "jsonschema", "numpy")) == []
    probe = (
        "from trialsynth.protocol import load_protocol\nload_protocol('analysis/protocol.yaml')\n"
    )
    assert _loaded(probe, ("pandas", "numpy", "scipy", "jsonschema")) == []


def test_a_meta_job_without_a_model_loads_no_model_or_optimiser(tmp_path: Path) -> None:
    """All 13 studies: Egger's test runs (k >= 10), on the package's WLS, not statsmodels'."""
    data, out = tmp_path / "data.csv", tmp_path / "result.json"
    data.write_text((CASE / "data.csv").read_text())
    probe = (
        "from trialsynth.cli import main\n"
        f"assert main(['-q', 'meta', '--data', {str(data)!r}, '--measure', 'RR',"
        f" '--out', {str(out)!r}]) == 0\n"
    )
    heavy = (
        "jsonschema",
        "scipy.stats",
        "scipy.optimize",
        "statsmodels",
        "trialsynth.meta.moderated",
        "trialsynth.meta.multilevel",
        "trialsynth.meta.predict",
        "trialsynth.meta.regression",
        "trialsynth.meta.model_summary",
    )
    assert _loaded(probe, heavy) == []
    result = json.loads(out.read_text())
    assert result["k"] == 13 and result["egger_lm"]["df"] == 11


def test_history_and_the_reports_quantiles_need_no_scipy_or_jsonschema(tmp_path: Path) -> None:
    result = tmp_path / "response.json"
    probe = (
        "from pathlib import Path\n"
        "from trialsynth.cli import build_parser\n"
        "from trialsynth.documents import write_json_atomic\n"
        "from trialsynth.history.record import pooled_estimates\n"
        "from trialsynth.meta.result import MetaResult, z_critical\n"
        "from trialsynth.report.certainty import optimal_information_size\n"
        "from trialsynth.report.claims import wilson_interval\n"
        "build_parser('history')\n"
        "settings = {'measure': 'RR', 'method': 'REML', 'test': 'adhoc', 'pi': 'hts', "
        "'level': 95}\n"
        "fit = MetaResult.from_dict({'k': 3, 'estimate': 0.2, 'ci_lb': 0.1, 'ci_ub': 0.3, "
        "'settings': settings})\n"
        f"write_json_atomic({str(result)!r}, fit.to_dict())\n"
        f"assert pooled_estimates([Path({str(result)!r})])['response']['k'] == 3\n"
        "assert round(z_critical(95), 2) == 1.96\n"
        "wilson_interval(3, 10)\n"
        "optimal_information_size(0.2)\n"
    )
    assert _loaded(probe, ("scipy", "scipy.special", "scipy.stats", "jsonschema")) == []


def test_outcomes_loads_the_codebook_and_arm_coder_but_not_the_coding_stage() -> None:
    probe = (
        "from trialsynth.cli import build_parser\n"
        "import trialsynth.outcomes.stage\n"
        "from trialsynth.code.arms import code_arm_label\n"
        "from trialsynth.code.codebook import load_codebook\n"
        "build_parser('outcomes')\n"
        "codebook = load_codebook('analysis/codebook.yaml')\n"
        "assert code_arm_label('placebo infusion', codebook).drug == 'none'\n"
    )
    coding_stage = ("trialsynth.code.stage", "trialsynth.code.reuse", "trialsynth.code.study")
    assert _loaded(probe, coding_stage) == []
