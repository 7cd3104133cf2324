"""Unfollowing: does attention-driven rewiring segregate the network, how fast, and what steers it?

Question
--------
Agents on a random directed network listen to the agents they follow with
``"distance"`` attention and also *rewire*: each tick, with probability
``rate``, an agent drops the tie it attended to least when that tie got less
than half an equal share (``Unfollow(threshold=0.5)``) and follows someone new,
chosen by a recommender (:class:`opinionsim.Unfollow`, after Sasahara et al.
2021). Against the same run without rewiring (same seed: the same network, the
same initial opinions), does the network segregate — fewer ties across the
opinion divide, opinion groups that are network communities, neighbours who
agree — and how fast, as a function of the temperature and the rewiring rate?
And how much does a biased recommender (``recommend="similar"`` at a low
recommender temperature) speed it up compared with an unbiased one (``T_rec =
inf``) and with uniformly random recommendations?

Setup: ``N`` agents, each following ``k = 10`` others drawn uniformly (a random
``k``-out digraph, no self-ties), 1-D opinions uniform on [−1, 1], step size
0.5, no self-attention. Temperatures: low (the population freezes into a few
opinion groups with or without rewiring), intermediate (without rewiring
some seeds reach consensus late) and high (consensus quickly). Rewiring rates
span a factor 10; the recommender lever is run at the low temperature and the
middle rate. Every run is measured after ``2H`` steps and at ``H`` to see
whether the values still move.

What decides the printed finding
--------------------------------
Three segregation metrics on the listening network (self-ties excluded):

* the **cross-cutting fraction** ``c`` (:func:`~opinionsim.metrics.cross_cutting_fraction`,
  ties whose ends lie on opposite sides of the mean opinion), read as its
  *deficit* ``1 − c / c_0`` with ``c_0 = 2 n₊ n₋ / (N (N − 1))`` the exact mean
  of the shuffled-opinion null (0: as many cross-cutting ties as chance gives;
  1: none);
* the **modularity of the opinion groups** (single linkage at 0.05,
  :func:`~opinionsim.metrics.echo_chamber_modularity`);
* **neighbour agreement**, the correlation of each agent's opinion with its
  followees' mean (:func:`~opinionsim.metrics.neighbor_correlation`).

At consensus (every opinion within 0.05 of every other) there is no divide
to segregate: the cross-cutting deficit and neighbour agreement are set to 0
there (the raw metrics read rounding noise at consensus; both are kept in the
tables), and the modularity is exactly 0.

* **Segregated** (per arm, pooled over the seeds that keep a divide): the
  metric must lie beyond *both* the shuffled-opinion null and a
  degree-preserving null (directed configuration model: the rewired network's
  in- and out-degrees, wiring at random; :func:`~opinionsim.metrics.null_model`)
  with z > 3 in the direction of segregation, *and* exceed a stated size:
  deficit > :data:`DEFICIT_THRESHOLD`, modularity > :data:`MODULARITY_THRESHOLD`,
  neighbour agreement > :data:`AGREEMENT_THRESHOLD`; and its mean must move by
  at most 10% (+0.02) between ``H`` and ``2H`` steps, else "still changing".
* **Rewired − static**: the paired difference over seeds with a 95% Student-t
  interval; significant when it excludes 0 (and, again, stable between ``H``
  and ``2H``).
* **How fast**: ``t_seg``, the first step at which the rewired network's
  cross-cutting deficit reaches :data:`DEFICIT_THRESHOLD` (its ties across the
  divide down to half the chance level; linear interpolation between recorded
  steps), per seed; "not reached" when a seed does not get there within
  ``2H``. ``rate × t_seg`` is the number of reconsiderations per agent. How
  ``t_seg`` scales with the rate is the per-seed slope of ``log t_seg``
  against ``log rate`` over the rates that every seed reached, with its
  interval: an interval that contains −1 says segregation is paced by the
  number of reconsiderations per agent.
* **Consensus prevented**: where some runs end in consensus, the seeds
  in which the static run agrees and the rewired one keeps a divide (and the
  reverse) are counted, and rewiring is said to keep the divide only when the
  exact two-sided sign test on these discordant seeds gives p < 0.05.
* **The recommender lever**: per seed, ``log(t_seg random / t_seg
  recommender)`` with its interval (faster or slower when it excludes 0), and
  the paired difference of the deficit after ``H`` steps.
"""

from __future__ import annotations

import math
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from opinionsim import OpinionModel, Unfollow, metrics
from opinionsim._scenario_support import (
    mean_interval, output_dir, parse_args, pool_nulls, print_finding, progress, save_figure,
    save_table, size, verdict,
)

NAME = "unfollowing"
#: How many agents each agent follows.
OUT_DEGREE = 10
STEP_SIZE = 0.5
#: Unfollow the least-attended tie when it gets less than this × 1/k of the attention.
UNFOLLOW_THRESHOLD = 0.5
#: Agents the "similar" recommender scores.
CANDIDATES = 10
#: Opinion distance that chains agents into one opinion group; a population whose opinions
#: all lie within it of each other is in consensus.
GROUP_TOL = 0.05
#: Cross-cutting deficit 1 − c/c_0 a segregation claim needs: at most half the chance value.
DEFICIT_THRESHOLD = 0.5
#: Modularity a segregation claim needs (Newman & Girvan's rule of thumb).
MODULARITY_THRESHOLD = 0.3
#: Neighbour agreement (a correlation) a segregation claim needs.
AGREEMENT_THRESHOLD = 0.5
#: Horizon check: a mean may move by this much (relative, absolute) from H to 2H steps.
RTOL, ATOL = 0.1, 0.02
#: Recommenders of the lever, by label.
RECOMMENDERS = {
    "random": dict(recommend="random"),
    "similar, T_rec = inf": dict(recommend="similar", temperature=math.inf),
    "similar, T_rec = 0.05": dict(recommend="similar", temperature=0.05),
    "friends of friends": dict(recommend="friends_of_friends"),
}
STATIC = "static"
METRICS = {"deficit": "cross-cutting deficit", "modularity": "modularity",
           "agreement": "neighbour agreement"}
_THRESHOLDS = {"deficit": DEFICIT_THRESHOLD, "modularity": MODULARITY_THRESHOLD,
               "agreement": AGREEMENT_THRESHOLD}


class Arm(NamedTuple):
    """One configuration: a temperature, a rewiring rate (0: static) and a recommender."""

    temperature: float
    rate: float
    recommender: str

    @property
    def label(self):
        if self.rate == 0:
            return STATIC
        if self.recommender == "random":
            return f"rate {self.rate:g}"
        return f"rate {self.rate:g}, {self.recommender}"


def follow_graph(n_agents, seed, *, k=OUT_DEGREE):
    """A random ``k``-out digraph: each agent follows ``k`` distinct others, uniformly.

    Returns a ``csr_array`` whose row ``i`` lists whom agent ``i`` listens to;
    drawn from its own stream of ``seed`` (the model's draws use others).
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x6B6F7574]))
    keys = rng.random((n_agents, n_agents))
    np.fill_diagonal(keys, np.inf)
    cols = np.sort(np.argpartition(keys, k, axis=1)[:, :k], axis=1)
    return sp.csr_array((np.ones(n_agents * k), cols.ravel(),
                         np.arange(0, n_agents * k + 1, k)), shape=(n_agents, n_agents))


def make_model(arm, *, n_agents, seed):
    """The population of ``seed`` under ``arm`` (``rate = 0``: no rewiring at all)."""
    rewiring = None
    if arm.rate > 0:
        rewiring = Unfollow(rate=arm.rate, threshold=UNFOLLOW_THRESHOLD,
                            candidates=CANDIDATES, **RECOMMENDERS[arm.recommender])
    return OpinionModel(graph=follow_graph(n_agents, seed), temperature=arm.temperature,
                        affinity="distance", include_self=False, step_size=STEP_SIZE,
                        seed=seed, reporters=[], rewiring=rewiring)


def chance_cross_cutting(x):
    """Exact mean of the cross-cutting fraction when the opinions ``x`` are shuffled.

    Each tie joins two distinct agents, so after a uniform permutation its ends
    are a uniform pair of distinct opinions: a tie crosses with probability
    ``2 n₊ n₋ / (N (N − 1))``, whatever the network (``n₊`` agents above the
    mean opinion, as :func:`~opinionsim.metrics.cross_cutting_fraction` splits).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    n = x.size
    above = int(np.count_nonzero(x > x.mean()))
    return 2.0 * above * (n - above) / (n * (n - 1))


def state(model):
    """The segregation metrics of the model's current opinions and network."""
    X = model.opinions
    L = model.network.listening()
    spread = float(np.ptp(X[:, 0]))
    c = metrics.cross_cutting_fraction(X, L)
    c0 = chance_cross_cutting(X[:, 0])
    divided = spread >= GROUP_TOL
    r = metrics.neighbor_correlation(X, L)
    return {"variance": metrics.variance(X), "spread": spread,
            "groups": metrics.n_clusters(X, tol=GROUP_TOL),
            "cross_cutting": c, "cross_cutting_chance": c0,
            "deficit": 1.0 - c / c0 if divided and c0 > 0 else 0.0,
            "modularity": metrics.echo_chamber_modularity(X, L, tol=GROUP_TOL),
            "neighbor_correlation": r, "agreement": r if divided else 0.0,
            "network_changes": model.network.version}


def nulls(model, row, *, n_samples, rng):
    """Shuffled and configuration nulls of the three metrics, in their segregation direction.

    Columns ``<metric>_<kind>_{mean,sd,z}`` with z > 0 meaning *more* segregated
    than the null (the cross-cutting z is negated and its null expressed as a
    deficit with the exact ``c_0``). NaN at consensus.
    """
    out = {}
    X, L = model.opinions, model.network.listening()
    funcs = {"deficit": metrics.cross_cutting_fraction,
             "modularity": partial(metrics.echo_chamber_modularity, tol=GROUP_TOL),
             "agreement": metrics.neighbor_correlation}
    for kind in ("shuffle", "configuration"):
        for key, func in funcs.items():
            cols = [f"{key}_{kind}_{s}" for s in ("mean", "sd", "z")]
            if row["spread"] < GROUP_TOL:
                out.update(dict.fromkeys(cols, math.nan))
                continue
            res = metrics.null_model(func, X, L, kind=kind, n_samples=n_samples, rng=rng)
            if key == "deficit":
                c0 = row["cross_cutting_chance"]
                vals = (1.0 - res.null_mean / c0, res.null_sd / c0, -res.z)
            else:
                vals = (res.null_mean, res.null_sd, res.z)
            out.update(dict(zip(cols, vals)))
    return out


def record_steps(horizon):
    """Steps at which a run is measured: 0, geometric up to ``2 × horizon``, and the horizon."""
    geo = np.unique(np.round(np.geomspace(1, 2 * horizon, 36)).astype(int))
    return sorted({0, horizon, 2 * horizon, *geo.tolist()})


def arms_for(temperatures, rates, *, lever_temperature, lever_rate):
    """Every arm of the design: static and each rate at each temperature, plus the lever."""
    arms = []
    for T in temperatures:
        arms.append(Arm(T, 0.0, "random"))
        arms += [Arm(T, r, "random") for r in rates]
        if T == lever_temperature:
            arms += [Arm(T, lever_rate, rec) for rec in RECOMMENDERS if rec != "random"]
    return arms


def run(*, n_agents=500, temperatures=(0.02, 0.07, 0.3), rates=(0.02, 0.05, 0.2),
        lever_rate=0.05, seeds=5, horizon=200, null_samples=30, seed=0, verbose=False):
    """Simulate every arm for every seed; return (series, finals).

    ``series`` has one row per (arm, seed, recorded step) with the metrics;
    ``finals`` one row per (arm, seed) at ``2 × horizon`` with the metrics and
    their nulls.
    """
    if lever_rate not in rates:
        raise ValueError(f"lever_rate == {lever_rate!r}, must be one of rates {rates!r}.")
    lever_temperature = min(temperatures)
    arms = arms_for(temperatures, rates, lever_temperature=lever_temperature,
                    lever_rate=lever_rate)
    steps = record_steps(horizon)
    series, finals = [], []
    for arm in arms:
        for s in range(seed, seed + seeds):
            model = make_model(arm, n_agents=n_agents, seed=s)
            keys = {"arm": arm.label, "temperature": arm.temperature, "rate": arm.rate,
                    "recommender": arm.recommender if arm.rate else STATIC, "seed": s}
            for t in steps:
                model.run(t - model.steps)
                row = state(model)
                series.append({**keys, "step": t, **row})
            rng = np.random.default_rng([s, 1])
            finals.append({**keys, "steps": model.steps, **row,
                           **nulls(model, row, n_samples=null_samples, rng=rng)})
        if verbose:
            progress(f"  {NAME}: T = {arm.temperature:g}, {arm.label} done")
    return pd.DataFrame(series), pd.DataFrame(finals)


# ---- judging -----------------------------------------------------------------------------
def _pooled(rows, key, kind):
    return pool_nulls(metrics.NullResult(r[key], r[f"{key}_{kind}_mean"], r[f"{key}_{kind}_sd"],
                                         r[f"{key}_{kind}_z"], math.nan)
                      for _, r in rows.iterrows())


def segregation_verdict(rows, key, horizons):
    """Beyond both nulls (the weaker z decides), above the threshold, stable across horizons."""
    divided = rows[rows["spread"] >= GROUP_TOL]
    if divided.empty:
        return None, {}
    pooled = {kind: _pooled(divided, key, kind) for kind in ("shuffle", "configuration")}
    weaker = min(pooled, key=lambda kind: pooled[kind].z)
    v = verdict(null=pooled[weaker], threshold=_THRESHOLDS[key], horizons=horizons,
                rtol=RTOL, atol=ATOL, label=METRICS[key])
    return v, pooled


def crossing_time(steps, values, level):
    """First step at which ``values`` reach ``level`` (linear interpolation); NaN if never."""
    steps, values = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
    above = np.flatnonzero(values >= level)
    if not len(above):
        return math.nan
    i = int(above[0])
    if i == 0:
        return float(steps[0])
    t0, t1, v0, v1 = steps[i - 1], steps[i], values[i - 1], values[i]
    return float(t0 + (level - v0) * (t1 - t0) / (v1 - v0))


def sign_test(b, c):
    """Exact two-sided sign test (McNemar) on ``b`` and ``c`` discordant pairs."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0 ** n
    return min(1.0, 2.0 * tail)


def judge(series, finals, *, horizon):
    """One row per arm: metrics, nulls, paired differences, t_seg and their verdicts."""
    longest = 2 * horizon
    out = []
    static = {T: sub.set_index("seed") for T, sub in
              finals[finals["rate"] == 0].groupby("temperature")}
    static_series = series[series["rate"] == 0]
    for (label, T), rows in finals.groupby(["arm", "temperature"], sort=False):
        arm_series = series[(series["arm"] == label) & (series["temperature"] == T)]
        at = {h: arm_series[arm_series["step"] == h] for h in (horizon, longest)}
        row = {"arm": label, "temperature": T, "rate": rows["rate"].iloc[0],
               "recommender": rows["recommender"].iloc[0], "seeds": len(rows),
               "seeds_consensus": int((rows["spread"] < GROUP_TOL).sum()),
               "network_changes": rows["network_changes"].mean(),
               "variance": rows["variance"].mean(), "groups": rows["groups"].mean(),
               "cross_cutting": rows["cross_cutting"].mean(),
               "cross_cutting_chance": rows["cross_cutting_chance"].mean()}
        for key in METRICS:
            trail = [at[horizon][key].mean(), at[longest][key].mean()]
            v, pooled = segregation_verdict(rows, key, trail)
            row[key] = rows[key].mean()
            row[f"{key}_at_horizon"] = trail[0]
            row[f"{key}_verdict"] = v.status if v else "consensus"
            row[f"{key}_reason"] = v.reason if v else "consensus in every seed"
            for kind, p in pooled.items():
                row[f"{key}_{kind}_mean"] = p.null_mean
                row[f"{key}_{kind}_sd"] = p.null_sd
                row[f"{key}_{kind}_z"] = p.z
        times = [crossing_time(g["step"], g["deficit"], DEFICIT_THRESHOLD)
                 for _, g in arm_series.sort_values("step").groupby("seed")]
        row["t_seg_by_seed"] = times
        row["t_seg_not_reached"] = int(np.sum(~np.isfinite(times)))
        if row["t_seg_not_reached"] == 0:
            row["t_seg"], (row["t_seg_low"], row["t_seg_high"]) = mean_interval(times)
        else:
            row["t_seg"] = row["t_seg_low"] = row["t_seg_high"] = math.nan
        if row["rate"] > 0:
            base = static[T]
            me = rows.set_index("seed")
            base_at_h = static_series[(static_series["temperature"] == T)
                                      & (static_series["step"] == horizon)].set_index("seed")
            me_at_h = at[horizon].set_index("seed")
            for key in [*METRICS, "variance"]:
                diff = me[key] - base.loc[me.index, key]
                mean, ci = mean_interval(diff)
                trail = [(me_at_h[key] - base_at_h.loc[me_at_h.index, key]).mean(), mean]
                v = verdict(ci=ci, horizons=trail, rtol=RTOL, atol=ATOL,
                            label=f"paired difference in {METRICS.get(key, key)}")
                row.update({f"{key}_diff": mean, f"{key}_diff_low": ci[0],
                            f"{key}_diff_high": ci[1], f"{key}_diff_at_horizon": trail[0],
                            f"{key}_diff_verdict": v.status, f"{key}_diff_reason": v.reason})
            agreed_static = base.loc[me.index, "spread"] < GROUP_TOL
            agreed_rewired = me["spread"] < GROUP_TOL
            row["divide_kept"] = int((agreed_static & ~agreed_rewired).sum())
            row["divide_lost"] = int((~agreed_static & agreed_rewired).sum())
            row["divide_p"] = sign_test(row["divide_kept"], row["divide_lost"])
        out.append(row)
    return pd.DataFrame(out)


def rate_scaling(summary, T):
    """Per-seed slope of log t_seg against log rate (random recommender, rates all reached)."""
    sub = summary[(summary["temperature"] == T) & (summary["recommender"] == "random")
                  & (summary["rate"] > 0) & (summary["t_seg_not_reached"] == 0)
                  ].sort_values("rate")
    if len(sub) < 2:
        return None
    times = np.array(sub["t_seg_by_seed"].tolist())  # (rates, seeds)
    logr = np.log(sub["rate"].to_numpy())
    slopes = [np.polyfit(logr, np.log(times[:, j]), 1)[0] for j in range(times.shape[1])]
    mean, ci = mean_interval(slopes)
    return {"rates": sub["rate"].tolist(), "slope": mean, "ci": ci,
            "contains_minus_one": bool(ci[0] <= -1.0 <= ci[1])}


def lever(summary, series, *, T, rate, horizon):
    """Each recommender against "random" at (T, rate): speed-up of t_seg, deficit after H."""
    sub = summary[(summary["temperature"] == T) & (summary["rate"] == rate)].set_index(
        "recommender")
    if "random" not in sub.index:
        return {}
    base = sub.loc["random"]
    at_h = series[(series["temperature"] == T) & (series["rate"] == rate)
                  & (series["step"] == horizon)]
    wide = at_h.pivot(index="seed", columns="recommender", values="deficit")
    out = {"random": {"t_seg": base["t_seg"], "not_reached": base["t_seg_not_reached"],
                      "deficit_at_horizon": wide["random"].mean()}}
    for rec in sub.index:
        if rec == "random":
            continue
        ratio = np.asarray(base["t_seg_by_seed"]) / np.asarray(sub.loc[rec, "t_seg_by_seed"])
        dmean, dci = mean_interval(wide[rec] - wide["random"])
        entry = {"t_seg": sub.loc[rec, "t_seg"], "not_reached": sub.loc[rec, "t_seg_not_reached"],
                 "deficit_at_horizon": wide[rec].mean(), "deficit_diff": dmean,
                 "deficit_diff_ci": dci, "deficit": verdict(ci=dci, label="deficit difference"),
                 "speed": None}
        if np.isfinite(ratio).all():
            mean, ci = mean_interval(np.log(ratio))
            entry.update(speedup=math.exp(mean), speedup_ci=(math.exp(ci[0]), math.exp(ci[1])),
                         speed=verdict(ci=ci, label="log speed-up"))
        out[rec] = entry
    return out


# ---- figures -----------------------------------------------------------------------------
def _t_seg_errorbar(ax, x, rows, color, label=None):
    ok = rows["t_seg"].notna()
    if ok.any():
        r = rows[ok]
        ax.errorbar(np.asarray(x)[ok.to_numpy()], r["t_seg"],
                    yerr=[r["t_seg"] - r["t_seg_low"], r["t_seg_high"] - r["t_seg"]],
                    fmt="o-", capsize=3, color=color, label=label)


def _rate_axis(ax, rates):
    rates = sorted(set(rates))
    ax.set_xscale("log")
    ax.set_xticks(rates, [f"{r:g}" for r in rates])
    ax.minorticks_off()
    ax.set_xlabel("rewiring rate (log scale)")


def _figures(series, summary, *, T_low, top_rate, lever_rate, horizon, n_agents, out):
    import matplotlib.pyplot as plt

    from opinionsim.plotting import category_colors, fit_title, metric_timeseries

    files = []
    longest = 2 * horizon
    main = series[(series["temperature"] == T_low) & (series["recommender"].isin(
        ["random", STATIC]))].copy()
    main["step_plot"] = main["step"].clip(lower=0.7)  # step 0 on a log axis
    labels = list(dict.fromkeys(main.sort_values("rate")["arm"]))
    colors = {**category_colors([a for a in labels if a != STATIC]), STATIC: "#555555"}
    ref = summary[(summary["temperature"] == T_low) & (summary["rate"] == top_rate)
                  & (summary["recommender"] == "random")].iloc[0]
    fig, axes = plt.subplots(1, 3, figsize=(15.5, 4.8), layout="constrained")
    panels = [("cross_cutting", "cross-cutting fraction of ties"),
              ("modularity", "modularity of the opinion groups"),
              ("agreement", "neighbour agreement (correlation)")]
    for ax, (key, words) in zip(axes, panels):
        metric_timeseries(main, x="step_plot", y=key, hue="arm", ax=ax, colors=colors)
        if key == "cross_cutting":
            chance = main.groupby("step_plot")["cross_cutting_chance"].mean()
            sd = ref["deficit_shuffle_sd"] * ref["cross_cutting_chance"]
            ax.fill_between(chance.index, chance - 3 * sd, chance + 3 * sd, color="grey",
                            alpha=0.25, label="shuffled null ± 3 sd (exact mean)")
            ax.plot(chance.index, DEFICIT_THRESHOLD * chance, color="tab:red", ls="--", lw=1,
                    label=f"threshold: {DEFICIT_THRESHOLD:g} × chance")
        else:
            mean, sd = ref[f"{key}_shuffle_mean"], ref[f"{key}_shuffle_sd"]
            ax.axhspan(mean - 3 * sd, mean + 3 * sd, color="grey", alpha=0.25,
                       label=f"shuffled null ± 3 sd (rate {top_rate:g}, step {longest})")
            thr = _THRESHOLDS[key]
            ax.axhline(thr, color="tab:red", ls="--", lw=1, label=f"threshold {thr:g}")
        ax.axvline(horizon, color="black", ls=":", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel(f"step (log scale; dotted: {horizon}, the first measurement)")
        ax.set_ylabel(words)
        ax.legend(fontsize="x-small", frameon=False)
        ax.set_title(fit_title(f"{words.capitalize()} over time · rewired (random "
                               "recommendations) vs static · mean ± 95% CI over seeds", ax))
    fig.suptitle(fit_title(f"Unfollowing on a random directed network (N = {n_agents}, "
                           f"k = {OUT_DEGREE}) at T = {T_low:g}: the same seeds with and "
                           "without rewiring", fig))
    files.append(save_figure(fig, out, "segregation_over_time"))

    rw = summary[(summary["recommender"] == "random") & (summary["rate"] > 0)]
    st = summary[summary["rate"] == 0].set_index("temperature")
    temps = sorted(summary["temperature"].unique())
    tcolors = category_colors([f"T = {T:g}" for T in temps])
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.6), layout="constrained")
    for ax, key in zip(axes[:3], METRICS):
        for T in temps:
            sub = rw[rw["temperature"] == T].sort_values("rate")
            c = tcolors[f"T = {T:g}"]
            ax.plot(sub["rate"], sub[key], "o-", color=c, label=f"T = {T:g}, rewired")
            ax.axhline(st.loc[T, key], color=c, ls="--", lw=1, label=f"T = {T:g}, static")
        ax.axhline(_THRESHOLDS[key], color="tab:red", ls=":", lw=1,
                   label=f"threshold {_THRESHOLDS[key]:g}")
        _rate_axis(ax, rw["rate"])
        ax.set_ylabel(METRICS[key])
        ax.legend(fontsize="x-small", frameon=False)
        ax.set_title(fit_title(f"{METRICS[key].capitalize()} after {longest} steps vs rate · "
                               "mean over seeds", ax))
    ax = axes[3]
    for T in temps:
        sub = rw[rw["temperature"] == T].sort_values("rate")
        _t_seg_errorbar(ax, sub["rate"], sub, tcolors[f"T = {T:g}"], f"T = {T:g}")
    reached = rw[rw["t_seg"].notna()]
    if len(reached):
        r = np.geomspace(rw["rate"].min(), rw["rate"].max(), 10)
        first = reached.iloc[0]
        ax.plot(r, first["t_seg"] * first["rate"] / r, color="grey", ls="--", lw=1,
                label="∝ 1/rate")
    _rate_axis(ax, rw["rate"])
    ax.set_yscale("log")
    ax.set_ylabel(f"steps until the deficit reaches {DEFICIT_THRESHOLD:g}")
    ax.legend(fontsize="x-small", frameon=False)
    ax.set_title(fit_title(f"How fast: steps to segregate (only where every seed got there "
                           f"within {longest}) · mean ± 95% CI", ax))
    fig.suptitle(fit_title("Segregation by temperature and rewiring rate (random "
                           "recommendations); dashed: the same seeds without rewiring", fig))
    files.append(save_figure(fig, out, "segregation_vs_rate"))

    recs = series[(series["temperature"] == T_low) & (series["rate"] == lever_rate)].copy()
    recs["step_plot"] = recs["step"].clip(lower=0.7)
    rcolors = category_colors(RECOMMENDERS)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6), layout="constrained")
    metric_timeseries(recs, x="step_plot", y="deficit", hue="recommender", ax=axes[0],
                      colors=rcolors)
    axes[0].axhline(DEFICIT_THRESHOLD, color="tab:red", ls="--", lw=1,
                    label=f"threshold {DEFICIT_THRESHOLD:g}")
    axes[0].set_xscale("log")
    axes[0].set_xlabel("step (log scale)")
    axes[0].set_ylabel("cross-cutting deficit 1 − c/c₀")
    axes[0].legend(fontsize="x-small", frameon=False)
    axes[0].set_title(fit_title(f"The recommender as a lever (T = {T_low:g}, rate "
                                f"{lever_rate:g}) · mean ± 95% CI over seeds", axes[0]))
    ax = axes[1]
    sub = summary[(summary["temperature"] == T_low) & (summary["rate"] == lever_rate)] \
        .set_index("recommender")
    names = [r for r in RECOMMENDERS if r in sub.index]
    for i, rec in enumerate(names):
        row = sub.loc[[rec]]
        _t_seg_errorbar(ax, [i], row, rcolors[rec])
        if row["t_seg"].isna().all():
            ax.annotate(f"not reached in {int(row['t_seg_not_reached'].iloc[0])} seeds",
                        (i, 0), ha="center", va="bottom", fontsize="small")
    ax.set_xticks(range(len(names)), names, fontsize="small")
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.set_ylabel(f"steps until the deficit reaches {DEFICIT_THRESHOLD:g}")
    ax.set_ylim(bottom=0)
    ax.set_title(fit_title("Steps to segregate, by recommender · mean ± 95% CI over seeds",
                           ax))
    files.append(save_figure(fig, out, "recommender_lever"))
    return files


# ---- the printed finding -----------------------------------------------------------------
def _ci(low, high):
    return f"95% CI {low:+.3g} to {high:+.3g}"


_WORDS = {"significant": "segregated", "not significant": "not segregated",
          "still changing": "still changing"}


def _segregation_clause(row):
    parts = []
    for key in METRICS:
        status = row[f"{key}_verdict"]
        if status == "consensus":
            parts.append(f"{METRICS[key]}: consensus in every seed")
        else:
            parts.append(f"{METRICS[key]} {row[key]:.3g} ({_WORDS[status]}: "
                         f"{row[f'{key}_reason']})")
    return "; ".join(parts)


def _t_seg_clause(r, longest):
    if r["t_seg_not_reached"] == r["seeds"]:
        return f"deficit {DEFICIT_THRESHOLD:g} not reached within {longest} steps"
    if r["t_seg_not_reached"]:
        return (f"deficit {DEFICIT_THRESHOLD:g} not reached within {longest} steps in "
                f"{int(r['t_seg_not_reached'])} of {int(r['seeds'])} seeds")
    return (f"segregated after {r['t_seg']:.0f} steps (95% CI {r['t_seg_low']:.0f} to "
            f"{r['t_seg_high']:.0f}; {r['rate'] * r['t_seg']:.2g} reconsiderations per agent)")


def describe(summary, lev, scaling, *, n_agents, seeds, horizon, T_low, top_rate, lever_rate):
    """The printed finding: every clause chosen by the verdicts in ``summary``."""
    s = summary
    longest = 2 * horizon
    paras = [
        f"{n_agents} agents each following {OUT_DEGREE} others at random, 1-D opinions, "
        f"{seeds} seeds, every rewired run paired with the same seed without rewiring; "
        f"measured after {longest} steps (and after {horizon}, to check the values no longer "
        f"move). Segregated means beyond both the shuffled-opinion and the degree-preserving "
        f"(directed configuration) null with z > 3 and above a stated size: cross-cutting "
        f"deficit 1 − c/c₀ > {DEFICIT_THRESHOLD:g} (c₀ the chance level), modularity of the "
        f"opinion groups > {MODULARITY_THRESHOLD:g}, neighbour agreement > "
        f"{AGREEMENT_THRESHOLD:g}."]

    st = s[s["rate"] == 0].set_index("temperature")
    main = s[(s["temperature"] == T_low) & (s["rate"] == top_rate)
             & (s["recommender"] == "random")].iloc[0]
    base = st.loc[T_low]
    diffs = []
    for key in METRICS:
        v = main[f"{key}_diff_verdict"]
        diffs.append(f"{METRICS[key]} {base[key]:.3g} → {main[key]:.3g} (paired difference "
                     f"{main[f'{key}_diff']:+.3g}, "
                     f"{_ci(main[f'{key}_diff_low'], main[f'{key}_diff_high'])}: {v})")
    seg = [k for k in METRICS if main[f"{k}_verdict"] == "significant"]
    base_seg = [k for k in METRICS if base[f"{k}_verdict"] == "significant"]
    if len(seg) == len(METRICS):
        head = "The rewired network is segregated on all three metrics"
    elif seg:
        head = ("The rewired network is segregated on " + " and ".join(METRICS[k] for k in seg)
                + " only")
    else:
        head = "The rewired network is not shown segregated on any metric"
    head += (", the static one on none." if not base_seg else
             ", the static one on " + " and ".join(METRICS[k] for k in base_seg) + ".")
    paras.append(
        f"At T = {T_low:g} with unfollowing at rate {top_rate:g} (random recommendations), "
        f"without → with rewiring: the cross-cutting fraction {base['cross_cutting']:.3g} → "
        f"{main['cross_cutting']:.3g} (chance {main['cross_cutting_chance']:.3g}); "
        + "; ".join(diffs) + ". Against the nulls, rewired: " + _segregation_clause(main)
        + ". Static: " + _segregation_clause(base) + ". " + head)

    rw = s[(s["recommender"] == "random") & (s["rate"] > 0)]
    lines = []
    for T in sorted(s["temperature"].unique()):
        sub = rw[rw["temperature"] == T].sort_values("rate")
        b = st.loc[T]
        if (sub["seeds_consensus"] == sub["seeds"]).all() and b["seeds_consensus"] == b["seeds"]:
            lines.append(
                f"At T = {T:g} every run, rewired or not, ends in consensus (variance "
                f"at most {max(sub['variance'].max(), b['variance']):.2g}; at most "
                f"{sub['network_changes'].max():.3g} ties changed on average before the "
                f"agents agreed): there is no divide to segregate.")
            continue
        bits = []
        for _, r in sub.iterrows():
            v = r["deficit_diff_verdict"]
            txt = (f"rate {r['rate']:g}: deficit {r['deficit']:.3g} "
                   f"({r['deficit_at_horizon']:.3g} after {horizon} steps), paired difference "
                   f"{r['deficit_diff']:+.3g} "
                   f"({_ci(r['deficit_diff_low'], r['deficit_diff_high'])}"
                   + {"significant": "", "not significant": ", not significant",
                      "still changing": ", still changing"}[v] + "), "
                   + _t_seg_clause(r, longest))
            if r["seeds_consensus"]:
                txt += (f", consensus in {int(r['seeds_consensus'])} of "
                        f"{int(r['seeds'])} seeds")
            bits.append(txt)
        extra = ""
        if b["seeds_consensus"]:
            extra = (f" Without rewiring {int(b['seeds_consensus'])} of {int(b['seeds'])} "
                     f"seeds end in consensus.")
            for _, r in sub.iterrows():
                kept, lost, p = int(r["divide_kept"]), int(r["divide_lost"]), r["divide_p"]
                if kept + lost == 0:
                    continue
                extra += (f" At rate {r['rate']:g} rewiring keeps a divide the static run "
                          f"closes in {kept} seeds and loses one in {lost} (exact sign test "
                          f"p = {p:.2g}" + (": rewiring keeps the divide)." if p < 0.05
                                            and kept > lost else
                                            ": too few seeds to call it).") )
        lines.append(f"At T = {T:g} (cross-cutting deficit without rewiring "
                     f"{b['deficit']:.3g}): " + "; ".join(bits) + "." + extra)
    text = " ".join(lines)
    for T, sc in scaling.items():
        if sc is None:
            continue
        text += (f" At T = {T:g}, steps to segregate ∝ rate^b with b = {sc['slope']:.2f} "
                 f"({_ci(*sc['ci'])}, per seed over rates "
                 f"{', '.join(f'{r:g}' for r in sc['rates'])}): "
                 + ("the interval contains −1, so segregation is paced by the number of "
                    "reconsiderations per agent." if sc["contains_minus_one"] else
                    "the interval excludes −1: the time to segregate does not simply scale "
                    "as 1/rate."))
    paras.append(text)

    if lev:
        def when(entry):
            if entry["not_reached"]:
                return (f"deficit {DEFICIT_THRESHOLD:g} not reached within {longest} steps in "
                        f"{int(entry['not_reached'])} seeds")
            return f"segregated after {entry['t_seg']:.0f} steps"

        bits = [f"random recommendations: {when(lev['random'])}, deficit after {horizon} "
                f"steps {lev['random']['deficit_at_horizon']:.3g}"]
        for rec in RECOMMENDERS:
            if rec == "random" or rec not in lev:
                continue
            L = lev[rec]
            if L["speed"] is None:
                speed = "speed not compared"
            else:
                speed = (L["speed"].choose(
                    f"{L['speedup']:.2g}× as fast as random" if L["speedup"] > 1 else
                    f"{1 / L['speedup']:.2g}× as slow as random",
                    "not significantly faster or slower than random")
                    + f"; ratio 95% CI {L['speedup_ci'][0]:.2g} to {L['speedup_ci'][1]:.2g}")
            bits.append(
                f"{rec}: {when(L)} ({speed}), deficit after {horizon} steps "
                f"{L['deficit_at_horizon']:.3g} (paired difference {L['deficit_diff']:+.3g}, "
                f"{_ci(*L['deficit_diff_ci'])}: "
                + ("significant" if L["deficit"].holds else "not significant") + ")")
        paras.append(f"The recommender's bias as a lever (T = {T_low:g}, rate {lever_rate:g}): "
                     + "; ".join(bits) + ".")
    return "\n\n".join(paras)


def main(argv=None):
    """Run the scenario from the command line; return its key numbers."""
    args = parse_args(NAME, __doc__, argv)
    params = size(args,
                  tiny=dict(n_agents=150, temperatures=(0.02, 0.3), rates=(0.05, 0.2),
                            lever_rate=0.2, seeds=3, horizon=100, null_samples=20),
                  default=dict(n_agents=500, temperatures=(0.02, 0.07, 0.3),
                               rates=(0.02, 0.05, 0.2), lever_rate=0.05, seeds=5, horizon=200,
                               null_samples=30),
                  full=dict(n_agents=1000, temperatures=(0.02, 0.05, 0.07, 0.1, 0.3),
                            rates=(0.01, 0.02, 0.05, 0.2), lever_rate=0.05, seeds=10,
                            horizon=300, null_samples=100))
    series, finals = run(seed=args.seed, verbose=True, **params)
    horizon = params["horizon"]
    T_low, lever_rate = min(params["temperatures"]), params["lever_rate"]
    top_rate = max(params["rates"])
    summary = judge(series, finals, horizon=horizon)
    scaling = {T: rate_scaling(summary, T) for T in params["temperatures"]}
    lev = lever(summary, series, T=T_low, rate=lever_rate, horizon=horizon)
    out = output_dir(args.out)
    table = summary.drop(columns=["t_seg_by_seed"])
    files = [save_table(series, out, "unfollowing"), save_table(finals, out, "final_states"),
             save_table(table, out, "summary")]
    files += _figures(series, summary, T_low=T_low, top_rate=top_rate, lever_rate=lever_rate,
                      horizon=horizon, n_agents=params["n_agents"], out=out)
    print_finding(NAME, describe(summary, lev, scaling, n_agents=params["n_agents"],
                                 seeds=params["seeds"], horizon=horizon, T_low=T_low,
                                 top_rate=top_rate, lever_rate=lever_rate), files)
    key = (summary["rate"] == top_rate) & (summary["recommender"] == "random")
    main_row = summary[key & (summary["temperature"] == T_low)].iloc[0]
    high_row = summary[key & (summary["temperature"] == max(params["temperatures"]))].iloc[0]
    return {"summary": table, "finals": finals, "scaling": scaling, "lever": lev,
            "main": main_row.drop("t_seg_by_seed").to_dict(),
            "high_temperature": high_row.drop("t_seg_by_seed").to_dict()}


if __name__ == "__main__":
    main()
