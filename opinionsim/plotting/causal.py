"""The figure of a causal effect: both arms over time and the paired effect per seed."""

from __future__ import annotations

import numpy as np

from ._bands import band_note, draw_band, mean_band
from ._style import format_value, label, pyplot, require_columns, set_title

__all__ = ["treatment_effect"]

_TRAJECTORY_COLUMNS = ("arm", "seed", "step", "value")
_PAIRED_COLUMNS = ("seed", "control", "treated", "difference")


def treatment_effect(result, *, axes=None):
    """A causal-effect result: both arms over time, and the paired effect per seed.

    Parameters
    ----------
    result : CausalEffect
        From :func:`opinionsim.causal.causal_effect`: ``.trajectories`` (long
        table with columns ``arm``, ``seed``, ``step``, ``value``), ``.paired``
        (``seed``, ``control``, ``treated``, ``difference``), ``.ate``,
        ``.ci`` and ``.at``.
    axes : sequence of two matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        Left: the outcome over time in each arm (mean ± 95% CI over seeds), with
        the intervention time marked. Right: each seed's paired difference
        (treated − control) with the average effect and its confidence interval.

    Raises
    ------
    OpinionSimError
        If the result's tables lack the needed columns (the message names them).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> traj = pd.DataFrame({"arm": ["control", "treated"] * 4, "seed": [0, 0, 1, 1] * 2,
    ...                      "step": [0] * 4 + [1] * 4, "value": [1, 1, 1, 1, 1, 2, 1, 3.0]})
    >>> paired = pd.DataFrame({"seed": [0, 1], "control": [1.0, 1.0], "treated": [2.0, 3.0],
    ...                        "difference": [1.0, 2.0]})
    >>> result = SimpleNamespace(trajectories=traj, paired=paired, ate=1.5, ci=(-4.9, 7.9),
    ...                          at=0, outcome="variance")
    >>> fig = treatment_effect(result)
    >>> fig.axes[0].get_ylabel(), fig.axes[1].get_title()
    ('opinion variance', 'Paired effect')
    """
    traj, paired = result.trajectories, result.paired
    require_columns(traj, _TRAJECTORY_COLUMNS, "treatment_effect (result.trajectories)")
    require_columns(paired, _PAIRED_COLUMNS, "treatment_effect (result.paired)")
    if axes is None:
        fig, axes = pyplot().subplots(1, 2, figsize=(10.0, 3.8), layout="constrained",
                                      gridspec_kw={"width_ratios": [2.2, 1.0]})
    else:
        fig = axes[0].figure
    left, right = axes
    colors = {"control": "tab:grey", "treated": "tab:red"}
    band = mean_band(traj, ["arm", "step"], "value")
    for arm, part in band.groupby("arm", sort=True):
        draw_band(left, part["step"], part["mean"], part["half_width"], label=str(arm),
                  color=colors.get(str(arm)))
    at = getattr(result, "at", None)
    if at is not None:
        left.axvline(at, color="black", lw=0.8, ls=":", label=f"do() at step {at}")
    outcome = str(getattr(result, "outcome", None) or "outcome")
    left.set_xlabel(label("step"))
    left.set_ylabel(label(outcome))
    set_title(left, f"Both arms over time · {band_note()}")
    left.legend(fontsize="small", frameon=False)
    d = paired["difference"].to_numpy(dtype=np.float64)
    jitter = np.random.default_rng(0).uniform(-0.08, 0.08, len(d))
    right.scatter(jitter, d, s=18, color="tab:blue", alpha=0.7, label="paired seeds")
    lo, hi = result.ci
    right.errorbar([0.25], [result.ate], yerr=[[result.ate - lo], [hi - result.ate]], fmt="o",
                   color="black", capsize=4,
                   label=f"ATE = {format_value(result.ate)}\n"
                         f"95% CI [{format_value(lo)}, {format_value(hi)}]")
    right.axhline(0.0, color="grey", lw=0.8, ls="--")
    right.set_xlim(-0.3, 0.5)
    right.set_xticks([])
    right.set_ylabel(f"treated − control ({label(outcome)})")
    set_title(right, "Paired effect")
    right.legend(fontsize="small", frameon=False, loc="best")
    return fig
