"""Sobol' sensitivity indices of a sweep's outcome, from a :class:`~.design.Sobol` design.

Which parameter drives an outcome, alone and through its interactions:
:func:`sensitivity` apportions the variance of the outcome over the ranges
of a Sobol design to each parameter, with SALib's estimators and bootstrap
intervals (``pip install 'opinionsim[sensitivity]'``).
"""

from __future__ import annotations

import os

import numpy as np

from .._errors import OpinionSimError

__all__ = ["sensitivity"]

#: The columns of :func:`sensitivity`'s table, in order.
INDEX_COLUMNS = ("S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high")


def sensitivity(results, outcome, *, conf_level=0.95, num_resamples=1000, seed=0):
    r"""First-order and total Sobol' indices of ``outcome`` over a Sobol design's ranges.

    The outcome of each run is its value at the run's final recorded step;
    it is **averaged over the replicates** of each design point, so the
    indices apportion the variance of the replicate mean (the noise of the
    runs themselves, shrunk by the number of replicates, is not attributed
    to any parameter but lowers every index). With the design's input
    distribution (uniform over each range, or over its log),

    .. math::

        S_i = \frac{\operatorname{Var}(E[Y \mid x_i])}{\operatorname{Var}(Y)}, \qquad
        S_{T,i} = \frac{E[\operatorname{Var}(Y \mid x_{\sim i})]}{\operatorname{Var}(Y)},

    estimated as in Saltelli et al. (2010) [1]_ by :func:`SALib.analyze.sobol.analyze`
    (second-order indices too when the design has them). ``S1`` is what the
    parameter explains alone, ``ST`` alone and through every interaction;
    ``ST − S1`` is its share in interactions.

    Parameters
    ----------
    results : pandas.DataFrame or str or os.PathLike
        The table :func:`~opinionsim.sweep.sweep` returned (it keeps the spec
        in ``attrs["sweep"]``) or the sweep's output folder.
    outcome : str
        A metric column of the table (e.g. ``"variance"``).
    conf_level : float in (0, 1), default 0.95
        Level of the bootstrap intervals.
    num_resamples : int >= 2, default 1000
        Bootstrap resamples of the design's rows.
    seed : int >= 0, default 0
        Seed of the bootstrap (the intervals are reproducible).

    Returns
    -------
    pandas.DataFrame
        Indexed by parameter (the design's order), columns ``S1``,
        ``S1_low``, ``S1_high``, ``ST``, ``ST_low``, ``ST_high``: each index
        and its interval, ``index ± z·sd`` over the bootstrap resamples (SALib's
        normal-approximation interval; with few points, estimates may stray
        below 0 or above 1). ``attrs`` holds ``outcome``, ``n_points`` (the
        design's rows), ``replicates``, ``conf_level`` and, with second order,
        ``S2`` and ``S2_conf`` (parameter × parameter tables, upper triangle).

    Raises
    ------
    OpinionSimError
        ``results`` is not a sweep's table or folder; its design is not a
        Sobol design; ``outcome`` is not one of its metrics; runs are missing
        (how many, and how to finish them) or their outcome is not a number;
        the outcome does not vary over the design.

    References
    ----------
    .. [1] Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. &
       Tarantola, S. (2010). Variance based sensitivity analysis of model
       output. Design and estimator for the total sensitivity index.
       *Computer Physics Communications* 181(2), 259–270.
       https://doi.org/10.1016/j.cpc.2009.09.018

    Examples
    --------
    >>> import opinionsim as osim
    >>> df = osim.sweep({"n_agents": 30, "dim": 2, "affinity": "distance"},
    ...                 design=osim.Sobol({"temperature": (0.01, 1, "log"),
    ...                                    "step_size": (0.1, 0.9)}, n=8,
    ...                                   calc_second_order=False),
    ...                 seeds=1, steps=20, metrics=["variance"], n_jobs=1, progress=False)
    >>> si = osim.sensitivity(df, "variance")
    >>> list(si.index), list(si.columns[:3])
    (['temperature', 'step_size'], ['S1', 'S1_low', 'S1_high'])
    """
    import pandas as pd

    table = _results_table(results)
    spec = table.attrs["sweep"]
    design = spec.get("design") or {"kind": "grid"}
    if design.get("kind") != "sobol":
        raise OpinionSimError(
            f"sensitivity needs a sweep of a Sobol design; this one ran a {design['kind']} "
            "design. Run sweep(params, design=opinionsim.Sobol(ranges, n)).")
    metrics = list(spec["metrics"]) + [c for c in ("converged_step",) if c in table.columns]
    if outcome not in metrics:
        raise OpinionSimError(f"outcome == {outcome!r}, must be one of this sweep's metrics: "
                              f"{', '.join(map(repr, metrics))}.")
    if isinstance(conf_level, bool) or not isinstance(conf_level, (int, float)) \
            or not 0 < conf_level < 1:
        raise OpinionSimError(f"conf_level == {conf_level!r}, must be in (0, 1).")
    if isinstance(num_resamples, bool) or not isinstance(num_resamples, (int, np.integer)) \
            or num_resamples < 2:
        raise OpinionSimError(f"num_resamples == {num_resamples!r}, must be an integer >= 2.")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OpinionSimError(f"seed == {seed!r}, must be an integer >= 0.")

    names = list(spec["grid"])
    points = list(zip(*(spec["grid"][n] for n in names)))
    replicates = spec["replicates"]
    y = _point_means(table, names, points, replicates, outcome)
    if np.ptp(y) <= np.finfo(float).eps * max(1.0, float(np.abs(y).max())):
        raise OpinionSimError(f"{outcome!r} is {float(y[0])!r} at every point of the design: there is "
                              "no variance to apportion.")

    from SALib.analyze import sobol as salib_sobol

    second = bool(design["calc_second_order"])
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    # SALib seeds its bootstrap only for a truthy seed (0 would fall back to numpy's global
    # generator): a seed derived from ours, never 0.
    bootstrap_seed = int(np.random.SeedSequence(int(seed)).generate_state(1)[0]) + 1
    si = salib_sobol.analyze(problem, y, calc_second_order=second,
                             num_resamples=int(num_resamples), conf_level=float(conf_level),
                             seed=bootstrap_seed)
    out = pd.DataFrame({
        "S1": si["S1"], "S1_low": si["S1"] - si["S1_conf"], "S1_high": si["S1"] + si["S1_conf"],
        "ST": si["ST"], "ST_low": si["ST"] - si["ST_conf"], "ST_high": si["ST"] + si["ST_conf"],
    }, index=pd.Index(names, name="parameter"))
    out.attrs.update({"outcome": outcome, "n_points": len(points), "replicates": len(replicates),
                      "conf_level": float(conf_level)})
    if second:
        out.attrs["S2"] = pd.DataFrame(si["S2"], index=names, columns=names)
        out.attrs["S2_conf"] = pd.DataFrame(si["S2_conf"], index=names, columns=names)
    return out


def _results_table(results):
    """The sweep table of ``results`` (a table or a sweep folder), with its spec in attrs."""
    import pandas as pd

    if isinstance(results, (str, os.PathLike)):
        from .sweep import load_results

        return load_results(results)
    if not isinstance(results, pd.DataFrame) or not isinstance(results.attrs.get("sweep"), dict):
        raise OpinionSimError(
            f"results is a {type(results).__name__} without a sweep spec; pass the table opinionsim.sweep returned (its "
            "attrs['sweep'] holds the spec) or the sweep's output folder.")
    return results


def _point_means(table, names, points, replicates, outcome):
    """The outcome at each run's final step, averaged over replicates, in design order."""
    missing_cols = [c for c in [*names, "replicate", "step", outcome] if c not in table.columns]
    if missing_cols:
        raise OpinionSimError(f"results lacks the column(s) {', '.join(map(repr, missing_cols))}; "
                              "pass the sweep's table as it was returned.")
    keys = [*names, "replicate"]
    final = table.loc[table.groupby(keys, sort=False)["step"].idxmax()] if len(table) else table
    wanted = set(points)
    sums = dict.fromkeys(points, 0.0)
    counts = dict.fromkeys(points, 0)
    not_number = 0
    point_cols = [final[n].tolist() for n in names]
    for key, value in zip(zip(*point_cols), final[outcome].tolist()):
        if key not in wanted:
            continue
        if value is None or not np.isfinite(value):
            not_number += 1
            continue
        sums[key] += value
        counts[key] += 1
    expected = len(wanted) * len(replicates)  # a point the design repeats is one run
    present = sum(counts.values()) + not_number
    if present < expected:
        failed = len(table.attrs.get("failures") or ())
        why = f" ({failed} recorded as failed)" if failed else ""
        raise OpinionSimError(
            f"{expected - present} of the design's {expected} runs are missing{why}; Sobol "
            "indices need every point. Run the same sweep again (same out=) to finish them.")
    if not_number:
        raise OpinionSimError(f"{outcome!r} is not a finite number in {not_number} of "
                              f"{expected} runs; choose an outcome defined for every run.")
    return np.array([sums[p] / counts[p] for p in points], dtype=np.float64)
