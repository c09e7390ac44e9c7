"""Predicted effects at given moderator values, with confidence and prediction intervals.

For design rows ``x0`` (coded with the fitted model's recipe): ``pred = x0'b``,
``se = sqrt(x0' V x0)`` with the model's coefficient covariance V (cluster-robust when the model
was), ``CI = pred -/+ crit se`` and ``PI = pred -/+ crit sqrt(se^2 + tau^2)``, where tau^2 is the
residual heterogeneity (two-level model) or ``sigma2_1 + sigma2_2`` (three-level model) and
``crit`` is the N(0, 1) or t(df) quantile of the model's tests. This is metafor
``predict(model, newmods)`` with its default ``pi.type``.

:func:`linear_combination` tests and bounds ``L'b`` for weights L over the coefficients (e.g. the
slope of a numeric moderator within a factor level: its main effect plus the interaction), as
metafor ``anova(model, X = L)`` with ``predict(model, newmods = L[-1], intercept = FALSE)``.

References
----------
wviechtb/metafor ``R/predict.rma.r``.
Raudenbush, S. W. (2009). Analyzing effect sizes: random-effects models. In *The Handbook of
Research Synthesis and Meta-Analysis*, 2nd ed., 295-315 (predicted effects and their variance).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from trialsynth.errors import InputError
from trialsynth.meta.distributions import norm_sf, t_sf
from trialsynth.meta.moderators import Design
from trialsynth.meta.wald import critical_value

#: Back-transformations offered for predictions (``expit``: logit -> proportion).
TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray] | None] = {
    "none": None,
    "exp": np.exp,
    "expit": special.expit,
}
PREDICTION_COLUMNS = ("pred", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub")


def _as_dict(result: Any) -> Mapping[str, Any]:
    if isinstance(result, Mapping):
        return result
    if hasattr(result, "to_dict"):
        return dict(result.to_dict())
    raise InputError(f"cannot predict from a {type(result).__name__}", hint="give a MetaResult")


def _model_parts(data: Mapping[str, Any]) -> tuple[Design, list[str], np.ndarray, np.ndarray]:
    """The design recipe, coefficient names, estimates and covariance of a result."""
    coefficients = data.get("coefficients")
    vcov = data.get("vcov")
    settings = data.get("settings") or {}
    if not coefficients or vcov is None or "design" not in settings:
        raise InputError(
            "the result is not a model with moderators (no coefficients, vcov or design)",
            hint="fit it with `trialsynth meta --mods ...` or --cluster",
        )
    design = Design.from_dict(settings["design"])
    names = design.names  # model order (the order of vcov), whatever the order of the JSON keys
    beta = np.array([coefficients[name]["estimate"] for name in names], dtype=float)
    return design, names, beta, np.array(vcov, dtype=float)


def parse_contrast(text: str) -> tuple[str, dict[str, float]]:
    """``LABEL=COEF[,COEF...]`` -> ``(LABEL, {COEF: 1 or -1})`` (a leading ``-`` gives -1).

    Raises
    ------
    InputError
        No ``=``, an empty label or no coefficient.
    """
    label, sep, rest = text.partition("=")
    names = [part.strip() for part in rest.split(",") if part.strip()]
    if not sep or not label.strip() or not names:
        raise InputError(
            f"contrast {text!r} is not LABEL=COEF[,COEF...]",
            hint="e.g. --contrast 'slope_B=log(dose),log(dose):armB'",
        )
    weights: dict[str, float] = {}
    for name in names:
        sign = -1.0 if name.startswith("-") else 1.0
        key = name[1:].strip() if sign < 0 else name
        weights[key] = weights.get(key, 0.0) + sign
    return label.strip(), weights


def linear_combination(
    result: Any, weights: Mapping[str, Mapping[str, float]], level: float | None = None
) -> pd.DataFrame:
    """Estimate, se, test and CI of linear combinations of the coefficients.

    Parameters
    ----------
    result
        As for :func:`predict`.
    weights
        ``{label: {coefficient name: weight}}``; coefficients not named have weight 0. Example:
        the slope of ``log(dose)`` in arm B is ``{"B": {"log(dose)": 1, "log(dose):armB": 1}}``.
    level
        Confidence level in percent (default: the model's).

    Returns
    -------
    DataFrame
        Index: the labels; columns ``estimate, se, stat, pval, ci_lb, ci_ub`` (t(df) when the
        model's tests are t tests, else N(0, 1)).

    Raises
    ------
    InputError
        A coefficient name is not in the model.
    """
    data = _as_dict(result)
    _, names, beta, cov = _model_parts(data)
    rows = []
    for label, combo in weights.items():
        unknown = sorted(set(combo) - set(names))
        if unknown:
            raise InputError(
                f"contrast {label}: no coefficient {', '.join(unknown)}",
                hint=f"the model's coefficients are {', '.join(names)}",
            )
        rows.append([float(combo.get(name, 0.0)) for name in names])
    lmat = np.array(rows, dtype=float).reshape(len(rows), len(names))
    estimate = lmat @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", lmat, cov, lmat))
    df = data.get("df")
    settings = data.get("settings") or {}
    crit = critical_value(df, float(level or settings.get("level", 95.0)))
    stat = estimate / se
    return pd.DataFrame(
        {
            "estimate": estimate,
            "se": se,
            "stat": stat,
            "pval": 2 * (norm_sf(np.abs(stat)) if df is None else t_sf(np.abs(stat), df)),
            "ci_lb": estimate - crit * se,
            "ci_ub": estimate + crit * se,
        },
        index=list(weights),
    )


def _matrix_rows(newmods: np.ndarray, names: list[str]) -> np.ndarray:
    """Design rows from metafor-style ``newmods`` (design columns without the intercept)."""
    mods = np.atleast_2d(np.asarray(newmods, dtype=float))
    if mods.shape[1] != len(names) - 1:
        raise InputError(
            f"newmods has {mods.shape[1]} columns; the model has {len(names) - 1} besides the "
            f"intercept ({', '.join(names[1:])})",
            hint="give one column per coefficient, or a DataFrame of moderator values",
        )
    return np.column_stack([np.ones(len(mods)), mods])


def _moderator_rows(
    newmods: pd.DataFrame | Mapping[str, Any], design: Design, path: object | None
) -> tuple[pd.DataFrame, np.ndarray]:
    """The moderator values as a table (numbers read as text, from a CSV, made numbers again)
    and their design rows, coded as the model's."""
    frame = pd.DataFrame(newmods).reset_index(drop=True)
    x = design.matrix(frame, path)
    for var in design.variables:
        if var.levels is None:
            frame[var.column] = pd.to_numeric(frame[var.column]).astype(float)
    return frame, x


def predict(
    result: Any,
    newmods: pd.DataFrame | Mapping[str, Any] | np.ndarray,
    level: float | None = None,
    transform: str = "none",
    path: object | None = None,
) -> pd.DataFrame:
    """Predictions of a model with moderators at ``newmods`` (see the module docstring).

    Parameters
    ----------
    result
        A fitted model with moderators: a :class:`~trialsynth.meta.result.MetaResult`, its JSON
        object, or anything with ``to_dict()`` giving one (it must carry ``coefficients``,
        ``vcov`` and ``settings.design``).
    newmods
        Moderator values in the columns the model was fitted on (a DataFrame or a mapping of
        column -> values; factors as their text levels, numbers before any ``log()``), or, as
        metafor's ``newmods``, a matrix of design columns without the intercept.
    level
        Confidence level in percent (default: the model's).
    transform
        ``none``, ``exp`` or ``expit``: applied to pred and the interval limits (not to se).
    path
        File the new moderator values come from (named in errors).

    Returns
    -------
    DataFrame
        The ``newmods`` columns (for a DataFrame or mapping) and ``pred, se, ci_lb, ci_ub, pi_lb,
        pi_ub``, one row per new moderator row.

    Raises
    ------
    InputError
        The result has no moderators, a column or level is unknown, or the matrix has the wrong
        number of columns.
    """
    data = _as_dict(result)
    if transform not in TRANSFORMS:
        raise InputError(f"unknown transform {transform!r}", hint=f"use {', '.join(TRANSFORMS)}")
    settings = data.get("settings") or {}
    design, names, beta, cov = _model_parts(data)
    if isinstance(newmods, np.ndarray):
        frame, x = None, _matrix_rows(newmods, names)
    else:
        frame, x = _moderator_rows(newmods, design, path)
    het = float(np.sum(data["sigma2"])) if data.get("sigma2") is not None else data.get("tau2")
    het = 0.0 if het is None or np.isnan(het) else float(het)
    crit = critical_value(data.get("df"), float(level or settings.get("level", 95.0)))
    pred = x @ beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", x, cov, x))
    out = {
        "pred": pred,
        "se": se,
        "ci_lb": pred - crit * se,
        "ci_ub": pred + crit * se,
        "pi_lb": pred - crit * np.sqrt(se**2 + het),
        "pi_ub": pred + crit * np.sqrt(se**2 + het),
    }
    back = TRANSFORMS[transform]
    if back is not None:
        for key in ("pred", "ci_lb", "ci_ub", "pi_lb", "pi_ub"):
            out[key] = back(out[key])
    table = pd.DataFrame(out)
    if frame is not None:
        table = pd.concat([frame, table], axis=1)
    return table
