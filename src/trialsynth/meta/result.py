"""The result object of one meta-analysis and its JSON form (the ``trialsynth meta`` contract)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def json_number(value: Any) -> Any:
    """Plain Python numbers for JSON; NaN and infinities become ``None`` (recursive)."""
    if isinstance(value, dict):
        return {str(k): json_number(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_number(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


@dataclass
class MetaResult:
    """Pooled result of one meta-analysis (ratio measures on the log scale).

    Attributes mirror the JSON keys of ``trialsynth meta --json``; ``to_dict()`` gives that object.
    """

    settings: dict[str, Any]
    k: int
    estimate: float
    se: float
    stat: float
    ci_lb: float
    ci_ub: float
    pval: float
    pi_lb: float
    pi_ub: float
    pi_hts_lb: float
    pi_hts_ub: float
    pi_normal_lb: float
    pi_normal_ub: float
    tau2: float
    tau2_ci_lb: float
    tau2_ci_ub: float
    I2: float
    I2_ci_lb: float
    I2_ci_ub: float
    H2: float
    H2_ci_lb: float
    H2_ci_ub: float
    Q: float
    Q_df: int
    Q_p: float
    yi: list[float]
    vi: list[float]
    study: list[str]
    leave1out_estimate: list[float]
    corrections: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    egger_lm: dict[str, Any] | None = None
    mantel_haenszel: dict[str, Any] | None = None
    subgroups: dict[str, Any] | None = None
    leave1out: dict[str, list[float]] | None = None
    cumulative: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object (NaN/inf as ``None``); optional blocks only when present."""
        out: dict[str, Any] = {
            key: getattr(self, key)
            for key in (
                "k",
                "estimate",
                "se",
                "stat",
                "ci_lb",
                "ci_ub",
                "pval",
                "pi_lb",
                "pi_ub",
                "pi_hts_lb",
                "pi_hts_ub",
                "pi_normal_lb",
                "pi_normal_ub",
                "tau2",
                "tau2_ci_lb",
                "tau2_ci_ub",
                "I2",
                "I2_ci_lb",
                "I2_ci_ub",
                "H2",
                "H2_ci_lb",
                "H2_ci_ub",
                "Q",
                "Q_df",
                "Q_p",
                "yi",
                "vi",
                "study",
                "leave1out_estimate",
            )
        }
        if self.leave1out is not None:
            out["leave1out"] = self.leave1out
        if self.cumulative is not None:
            out["cumulative"] = self.cumulative
        if self.egger_lm is not None:
            out["egger_lm"] = self.egger_lm
        if self.mantel_haenszel is not None:
            out["mantel_haenszel"] = self.mantel_haenszel
        if self.subgroups is not None:
            out.update(self.subgroups)
        out["settings"] = self.settings
        out["corrections"] = self.corrections
        out["warnings"] = self.warnings
        return json_number(out)
