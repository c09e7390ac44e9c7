"""The result of one fitted meta-analysis and its JSON form (the ``trialsynth meta`` contract).

:class:`MetaResult` is the one type that travels between stages: ``meta`` builds it, writes
``to_dict()`` as JSON (schema ``meta_result``), and ``figures`` and ``report`` read it back with
:meth:`MetaResult.from_dict` / :func:`load_result`. A table with no studies gives
:meth:`MetaResult.empty` (k = 0). :meth:`MetaResult.summary_frame` is the per-study and pooled
table in the layout of statsmodels ``CombineResults.summary_frame``.

Meta-regression fields (``coefficients``, ``QM``, ``QE``, ``sigma2``, ``R2`` ...) are optional: they
are ``None`` for an intercept-only model and written only when set.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trialsynth import schema_check
from trialsynth.documents import load_schema
from trialsynth.errors import InputError, SchemaError
from trialsynth.meta.measures import Measure, measure_for
from trialsynth.meta.normal_quantile import ndtri

#: Name of the JSON Schema of the result object (``meta_result.schema.json``).
RESULT_SCHEMA = "meta_result"

#: Scalar (float) keys of the JSON object, in output order.
SCALAR_KEYS = (
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
    "Q_p",
)

#: Keys that a subgroup analysis adds at the top level of the JSON object.
SUBGROUP_KEYS = ("subgroups", "Q_between", "Q_between_df", "Q_between_p")

#: Optional blocks written only when present (sensitivity, Mantel-Haenszel, meta-regression).
OPTIONAL_KEYS = (
    "leave1out",
    "cumulative",
    "egger_lm",
    "mantel_haenszel",
    "coefficients",
    "QM",
    "QM_df",
    "QM_p",
    "QE",
    "QE_df",
    "QE_p",
    "sigma2",
    "R2",
    "vcov",
    "df",
    "n_clusters",
    "robust",
    "predictions",
    "contrasts",
)


def z_critical(level: float) -> float:
    """The standard normal quantile of a two-sided ``level`` % interval (1.96 for 95).

    ``-ndtri((1 - level / 100) / 2)``: the same number as ``scipy.stats.norm.isf``, which
    computes exactly this, without importing ``scipy.stats`` (most of a figure job's start-up),
    and for the usual levels without importing SciPy (:mod:`trialsynth.meta.normal_quantile`).
    """
    return float(-ndtri((1 - level / 100) / 2))


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


def _float(value: Any) -> float:
    """JSON number (``None`` for NaN) back to a float."""
    return float("nan") if value is None else float(value)


NAN = float("nan")


@dataclass
class MetaResult:
    """Pooled result of one meta-analysis (ratio measures on the log scale).

    Attributes mirror the JSON keys of ``trialsynth meta --json``; ``to_dict()`` gives that object
    and ``from_dict()`` reads it back. Numbers that are not estimable are NaN (``null`` in JSON).
    """

    settings: dict[str, Any]
    k: int
    estimate: float = NAN
    se: float = NAN
    stat: float = NAN
    ci_lb: float = NAN
    ci_ub: float = NAN
    pval: float = NAN
    pi_lb: float = NAN
    pi_ub: float = NAN
    pi_hts_lb: float = NAN
    pi_hts_ub: float = NAN
    pi_normal_lb: float = NAN
    pi_normal_ub: float = NAN
    tau2: float = NAN
    tau2_ci_lb: float = NAN
    tau2_ci_ub: float = NAN
    I2: float = NAN
    I2_ci_lb: float = NAN
    I2_ci_ub: float = NAN
    H2: float = NAN
    H2_ci_lb: float = NAN
    H2_ci_ub: float = NAN
    Q: float = NAN
    Q_df: int = 0
    Q_p: float = NAN
    yi: list[float] = field(default_factory=list)
    vi: list[float] = field(default_factory=list)
    study: list[str] = field(default_factory=list)
    leave1out_estimate: list[float] = field(default_factory=list)
    corrections: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    egger_lm: dict[str, Any] | None = None
    mantel_haenszel: dict[str, Any] | None = None
    subgroups: dict[str, Any] | None = None
    leave1out: dict[str, list[float]] | None = None
    cumulative: dict[str, Any] | None = None
    # meta-regression (optional; None for an intercept-only model)
    coefficients: dict[str, dict[str, float]] | None = None
    QM: float | None = None
    QM_df: list[int] | None = None
    QM_p: float | None = None
    QE: float | None = None
    QE_df: int | None = None
    QE_p: float | None = None
    sigma2: list[float] | None = None
    R2: float | None = None
    vcov: list[list[float]] | None = None
    df: int | None = None
    n_clusters: int | None = None
    robust: dict[str, Any] | None = None
    predictions: list[dict[str, Any]] | None = None
    contrasts: dict[str, dict[str, Any]] | None = None

    @classmethod
    def empty(cls, settings: dict[str, Any], reason: str) -> MetaResult:
        """The result of an analysis with no studies: k = 0, every number NaN, and ``reason``."""
        return cls(settings=dict(settings), k=0, warnings=[reason])

    @property
    def measure(self) -> str:
        """The effect measure named in the settings (``GEN`` when absent)."""
        return str(self.settings.get("measure", "GEN"))

    def effect_measure(self) -> Measure:
        """The registry entry of the measure as shown (``GEN`` with its ``label`` applied)."""
        return measure_for(self.measure, self.settings.get("label"))

    @property
    def level(self) -> float:
        """Confidence level in percent."""
        return float(self.settings.get("level", 95.0))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object (NaN/inf as ``None``); optional blocks only when present."""
        out: dict[str, Any] = {"k": self.k}
        out.update({key: getattr(self, key) for key in SCALAR_KEYS})
        out["Q_df"] = self.Q_df
        for key in ("yi", "vi", "study", "leave1out_estimate"):
            out[key] = getattr(self, key)
        for key in OPTIONAL_KEYS:
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.subgroups is not None:
            out.update(self.subgroups)
        out["settings"] = self.settings
        out["corrections"] = self.corrections
        out["warnings"] = self.warnings
        return json_number(out)

    @classmethod
    def from_dict(cls, data: dict[str, Any], path: object | None = None) -> MetaResult:
        """Read the JSON object of :meth:`to_dict` back (``None`` numbers become NaN).

        Raises
        ------
        InputError
            A required key is missing or has the wrong type (names ``path``).
        """
        known = {f.name for f in fields(cls)} | set(SUBGROUP_KEYS)
        missing = [key for key in ("k", "settings") if key not in data]
        unknown = sorted(set(data) - known)
        if missing or unknown:
            problem = f"missing {', '.join(missing)}" if missing else ""
            problem += ("; " if missing and unknown else "") + (
                f"unknown key(s) {', '.join(unknown)}" if unknown else ""
            )
            raise InputError(
                f"not a meta-analysis result: {problem}",
                path=path,
                hint="give the JSON written by `trialsynth meta --out`",
            )
        try:
            values: dict[str, Any] = {key: _float(data.get(key)) for key in SCALAR_KEYS}
            values["k"] = int(data["k"])
            values["Q_df"] = int(data.get("Q_df") or 0)
            values["yi"] = [_float(v) for v in data.get("yi", [])]
            values["vi"] = [_float(v) for v in data.get("vi", [])]
            values["leave1out_estimate"] = [_float(v) for v in data.get("leave1out_estimate", [])]
        except (TypeError, ValueError) as exc:
            raise InputError(f"not a meta-analysis result: {exc}", path=path) from exc
        values["study"] = [str(s) for s in data.get("study", [])]
        values["settings"] = dict(data["settings"])
        corrections = data.get("corrections") or {}
        values["corrections"] = dict(corrections) if isinstance(corrections, dict) else {}
        values["warnings"] = [str(w) for w in data.get("warnings", [])]
        for key in OPTIONAL_KEYS:
            values[key] = data.get(key)
        if "subgroups" in data:
            values["subgroups"] = {key: data[key] for key in SUBGROUP_KEYS if key in data}
        return cls(**values)

    def summary_frame(self) -> pd.DataFrame:
        """Per-study effects and the pooled estimates, as statsmodels ``summary_frame``.

        Columns ``eff, sd_eff, ci_low, ci_upp, w_fe, w_re`` (weights as fractions summing to 1);
        one row per study (index: study labels), then ``fixed effect`` (inverse-variance, z
        interval) and ``random effect`` (this model: its estimator, test and CI). Study CIs are
        Wald intervals at the result's level. Values are on the analysis scale (log for ratios).

        References
        ----------
        statsmodels ``statsmodels/stats/meta_analysis.py``, ``CombineResults.summary_frame``.
        """
        columns = ["eff", "sd_eff", "ci_low", "ci_upp", "w_fe", "w_re"]
        yi = np.asarray(self.yi, dtype=float)
        vi = np.asarray(self.vi, dtype=float)
        crit = z_critical(self.level)
        sd = np.sqrt(vi)
        if self.k == 0 or len(yi) == 0:
            rows = np.full((2, len(columns)), np.nan)
            return pd.DataFrame(rows, index=["fixed effect", "random effect"], columns=columns)
        w_fe = 1 / vi
        tau2 = 0.0 if math.isnan(self.tau2) else self.tau2
        w_re = 1 / (vi + tau2)
        fe = float((w_fe * yi).sum() / w_fe.sum())
        fe_se = float(math.sqrt(1 / w_fe.sum()))
        body = np.column_stack(
            [yi, sd, yi - crit * sd, yi + crit * sd, w_fe / w_fe.sum(), w_re / w_re.sum()]
        )
        pooled = np.array(
            [
                [fe, fe_se, fe - crit * fe_se, fe + crit * fe_se, 1.0, NAN],
                [self.estimate, self.se, self.ci_lb, self.ci_ub, NAN, 1.0],
            ]
        )
        labels = self.study or [str(i + 1) for i in range(len(yi))]
        return pd.DataFrame(
            np.vstack([body, pooled]),
            index=[*labels, "fixed effect", "random effect"],
            columns=columns,
        )


def validate_result_json(data: Any, path: object | None = None) -> None:
    """Check a result object against the ``meta_result`` JSON Schema.

    Raises
    ------
    SchemaError
        Names the file, the offending key path and the schema's complaint.
    """
    schema = load_schema(RESULT_SCHEMA)
    if schema_check.check(data, schema):
        return
    import jsonschema  # imported on use: ~0.1 s of start-up, only for a doubtful result

    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise SchemaError(
            f"meta-analysis result does not match its schema at {where}: {error.message}",
            path=path,
            hint="write results with `trialsynth meta --out` (schema meta_result.schema.json)",
        )


def load_result(path: str | Path) -> MetaResult:
    """Read a ``trialsynth meta`` JSON file into a :class:`MetaResult`, naming the file on error."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError as exc:
        raise InputError("file not found", path=path, hint="run `trialsynth meta` first") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc}", path=path) from exc
    if not isinstance(data, dict):
        raise InputError("not a meta-analysis result: not a JSON object", path=path)
    validate_result_json(data, path)
    return MetaResult.from_dict(data, path=path)
