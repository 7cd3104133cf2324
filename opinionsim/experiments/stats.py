"""Confidence intervals over seeds: the one statistics module of the package.

Replicates of a stochastic simulation are independent draws, so a mean over
``n`` seeds has the Student-t interval ``mean ± t_{(1+level)/2, n−1} · sd/√n``;
a paired (common-random-number) comparison is the same interval on the
per-seed differences. Sweeps, causal effects and figures all call these.

Examples
--------
>>> mean, half = mean_ci([1.0, 2.0, 3.0])
>>> mean, round(half, 4)
(2.0, 2.4841)
"""

from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = ["t_quantile", "half_width", "mean_ci", "paired_t"]


def t_quantile(level, dof):
    """Two-sided Student-t quantile ``t_{(1+level)/2, dof}`` (NaN where ``dof < 1``).

    Examples
    --------
    >>> round(float(t_quantile(0.95, 1000)), 3)
    1.962
    """
    # The inverse of the t distribution function itself, as scipy.stats.t.ppf computes it
    # (same bits), without importing scipy.stats: that took ~0.4 s of the default sweep's plot.
    from scipy.special import stdtrit

    dof = np.asarray(dof, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(dof >= 1, stdtrit(np.maximum(dof, 1), 0.5 + level / 2), np.nan)


def half_width(sd, n, level=0.95):
    """Half width of the Student-t ``level`` interval of a mean of ``n`` values with spread ``sd``.

    Vectorised over ``sd`` and ``n``; NaN where ``n < 2`` (no spread is known).

    Examples
    --------
    >>> round(float(half_width(1.0, 4)), 4)
    1.5912
    """
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return t_quantile(level, n - 1) * np.asarray(sd, dtype=np.float64) / np.sqrt(n)


def mean_ci(values, level=0.95):
    """Mean of the finite ``values`` and the half width of its Student-t interval.

    Returns ``(nan, nan)`` for no finite value and ``(value, nan)`` for one.
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return math.nan, math.nan
    if len(values) == 1:
        return float(values[0]), math.nan
    return float(values.mean()), float(half_width(values.std(ddof=1), len(values), level))


def paired_t(diff, level=0.95, *, name="effect"):
    """Mean of paired differences, its standard error and Student-t interval.

    With a single difference the spread is unknown: the standard error is
    ``inf``, the interval ``(-inf, inf)``, and a warning says so.

    Examples
    --------
    >>> mean, se, (low, high) = paired_t([0.1, 0.2, 0.3])
    >>> round(mean, 3), round(se, 4), round(low, 3), round(high, 3)
    (0.2, 0.0577, -0.048, 0.448)
    """
    diff = np.asarray(diff, dtype=np.float64)
    n = len(diff)
    mean = float(np.mean(diff))
    if n < 2:
        warnings.warn(
            f"{name}: only one seed finished, so the spread of the paired differences is "
            "unknown: stderr is inf and the interval is (-inf, inf). Use more seeds.",
            RuntimeWarning, stacklevel=3)
        return mean, math.inf, (-math.inf, math.inf)
    stderr = float(np.std(diff, ddof=1) / math.sqrt(n))
    half = float(t_quantile(level, n - 1)) * stderr
    return mean, stderr, (mean - half, mean + half)
