"""Radicalisation: the three regimes of Baumann et al. (2020) over social influence and controversialness.

Question
--------
In the activity-driven model of Baumann et al. (2020)
(:class:`opinionsim.ActivityDrivenModel`), agents with power-law activities
contact ``m`` others chosen by attention over opinion distance
(``p_ij ∝ |x_i − x_j|^(−β)``, the ``log_distance`` softmax at ``T = 1/β``) and
move by ``dx_i/dt = −x_i + K Σ_j A_ij(t) tanh(α x_j)``. Where in the plane of
social influence ``K`` and controversialness ``α`` does the population stay at
neutral consensus, and where does it leave it — all to one side
(radicalisation) without homophily (β = 0), or into two camps (polarisation)
with homophily (β = 3)? Are the two camps echo chambers, i.e. do agents hear
mostly their own side, beyond what chance (shuffled opinions) gives? And are
the more active agents the more extreme ones?

Setup: the paper's m = 10, ε = 0.01, γ = 2.1, r = 0.5, dt = 0.01; opinions
uniform on [−1, 1]; the horizon t = 10 (1000 steps), the network aggregated
over its last 100 steps. The published points (K = 3; α = 0.05; α = 3 with
β = 0 and β = 3) are run at N = 1000 over 8 seeds, the (K, α) grid at N = 500
over 3 seeds.

What decides the printed finding
--------------------------------
* **Regimes**, by their definitions
  (:func:`opinionsim.activity_driven.regime`): consensus, every |x| < 0.05;
  radicalisation, fewer than 5% on the smaller side; polarisation, at least
  20% on each side and a valley at 0
  (:func:`~opinionsim.activity_driven.valley_ratio` < 0.5); mixed, none of
  these. A published point is "reproduced" when the Clopper–Pearson 95%
  interval of its rate over seeds lies above 1/2 ("not reproduced" below,
  "undecided" across).
* **Horizon.** Each published point's defining number (consensus: the
  largest |x|; radicalisation: mean |x|; polarisation: the smaller side's
  share) is compared at t = 5 and t = 10 (:data:`HORIZON_CHECK` tolerances)
  and reported as stable or "still changing".
* **Echo chambers** (polarised point): neighbours on the aggregated network
  must share their side more often than shuffled opinions would, the 95%
  interval of the excess over seeds excluding 0; and the
  :func:`~opinionsim.metrics.echo_chamber_index` must exceed
  :data:`ECI_THRESHOLD` *and* have z > 3 against 100 shuffles of the opinions
  (:func:`opinionsim.metrics.null_model`, pooled over seeds).
* **Activity and extremity**: a correlation is called positive or negative only
  when the 95% interval of the seed-mean Spearman ρ (Fisher z) excludes 0.
* The grid's consensus boundary is described, not tested: the largest K·α
  still at consensus and the smallest that left it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from opinionsim import ActivityDrivenModel
from opinionsim._scenario_support import (
    mean_interval, output_dir, parse_args, pool_nulls, print_finding, progress, save_figure,
    save_table, size, verdict,
)
from opinionsim.activity_driven import REGIME_THRESHOLDS, regime, valley_ratio
from opinionsim.metrics import NullResult, null_model

NAME = "radicalization"
PAPER = dict(contacts=10, min_activity=0.01, activity_exponent=2.1, reciprocity=0.5, dt=0.01)
#: The published points: regime -> (K, α, β).
PUBLISHED = {"consensus": (3.0, 0.05, 3.0), "radicalisation": (3.0, 3.0, 0.0),
             "polarisation": (3.0, 3.0, 3.0)}
REGIMES = ("consensus", "radicalisation", "polarisation", "mixed")
#: Echo-chamber index an echo chamber needs besides z > Z_MIN against shuffles (as in the
#: echo_chambers scenario: a twentieth of the largest disagreement on the [−1, 1] scale).
ECI_THRESHOLD = 0.05
WINDOW = 100         # steps over which the interaction network is aggregated
#: Each published point's defining number, checked for stability between t/2 and t:
#: (column, relative tolerance, absolute tolerance).
HORIZON_CHECK = {"consensus": ("max_abs", 0.1, 0.005),
                 "radicalisation": ("mean_abs", 0.1, 0.0),
                 "polarisation": ("minority", 0.1, 0.02)}


def _state(x):
    p = float(np.mean(x > 0))
    return {"max_abs": float(np.abs(x).max()), "mean_abs": float(np.abs(x).mean()),
            "fraction_positive": p, "minority": min(p, float(np.mean(x < 0)))}


def simulate(K, alpha, beta, *, n_agents, steps, seed, null_samples=100, keep=False):
    """One run to ``steps``; its regime, echo-chamber and activity–extremity numbers.

    The regime's numbers are also taken at half the horizon (columns ``*_half``), and
    the interaction network is aggregated over the last :data:`WINDOW` steps.
    """
    m = ActivityDrivenModel(n_agents, social_influence=K, controversialness=alpha,
                            homophily=beta, seed=seed, reporters=[], **PAPER)
    m.run(steps // 2)
    half = _state(m.opinions[:, 0])
    m.run(steps - WINDOW - m.steps)
    A = m.run_aggregate(WINDOW)
    x = m.opinions[:, 0].copy()
    now = _state(x)
    p = now["fraction_positive"]
    rows, cols = A.nonzero()
    null = NullResult(np.nan, np.nan, np.nan, np.nan, np.nan)
    if 0.0 < p < 1.0:
        null = null_model("echo_chamber_index", x[:, None], A, kind="shuffle",
                          n_samples=null_samples, rng=seed)
    rho = stats.spearmanr(m.activities, np.abs(x)).statistic if np.ptp(np.abs(x)) > 0 \
        else np.nan
    row = {"K": K, "alpha": alpha, "beta": beta, "seed": seed, "n_agents": n_agents,
           "time": m.time, "regime": regime(x), **now,
           **{f"{k}_half": v for k, v in half.items()}, "valley_ratio": valley_ratio(x),
           "neighbour_agreement": float(np.mean(np.sign(x[rows]) == np.sign(x[cols])))
           if len(rows) else np.nan,
           "chance_agreement": p * p + (1 - p) * (1 - p),
           **{f"eci_{k}": float(v) for k, v in null._asdict().items()},
           "activity_extremity_rho": float(rho)}
    if keep:
        return row, {"x": x, "activities": m.activities.copy(), "A": A}
    return row


def run(*, n_published=1000, published_seeds=8, n_grid=500, grid_seeds=3, Ks=(0.5, 1.0, 2.0, 3.0),
        alphas=(0.05, 0.1, 0.3, 1.0, 3.0), betas=(0.0, 3.0), steps=1000, null_samples=100,
        seed=0):
    """The published points and the (K, α, β) grid: one row per run, plus seed-``seed`` states."""
    rows, states = [], {}
    for name, (K, alpha, beta) in PUBLISHED.items():
        for s in range(seed, seed + published_seeds):
            row, state = simulate(K, alpha, beta, n_agents=n_published, steps=steps, seed=s,
                                  null_samples=null_samples, keep=True)
            rows.append({"set": "published", "point": name, **row})
            states.setdefault(name, state)
        progress(f"  {NAME}: published {name} point done")
    for beta in betas:
        for K in Ks:
            for alpha in alphas:
                for s in range(seed, seed + grid_seeds):
                    rows.append({"set": "grid", "point": "", **simulate(
                        K, alpha, beta, n_agents=n_grid, steps=steps, seed=s,
                        null_samples=null_samples)})
        progress(f"  {NAME}: grid at β = {beta:g} done")
    return pd.DataFrame(rows), states


# ---- findings --------------------------------------------------------------------------
def published_summary(df):
    """Per published point: seeds in its regime, the rate's Clopper–Pearson 95% interval,
    whether it lies above 1/2, and whether the defining number was stable over the horizon."""
    out = {}
    pub = df[df["set"] == "published"]
    for name in PUBLISHED:
        runs = pub[pub["point"] == name]
        k, n = int((runs["regime"] == name).sum()), len(runs)
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        rate = verdict(ci=(ci.low - 0.5, ci.high - 0.5), label="rate − 1/2")
        column, rtol, atol = HORIZON_CHECK[name]
        horizon = verdict(horizons=[runs[f"{column}_half"].mean(), runs[column].mean()],
                          rtol=rtol, atol=atol, label=f"mean {column} over seeds")
        out[name] = {"k": k, "n": n, "low": float(ci.low), "high": float(ci.high),
                     "verdict": {1: "reproduced", -1: "not reproduced"}.get(
                         rate.sign, "undecided (too few seeds)"),
                     "horizon": horizon.status, "horizon_reason": horizon.reason}
    return out


def echo_summary(df):
    """At the polarised published point: neighbour agreement minus chance (interval over
    seeds) and the echo-chamber index against shuffles, per seed and pooled."""
    runs = df[(df["set"] == "published") & (df["point"] == "polarisation")]
    agree, _ = mean_interval(runs["neighbour_agreement"])
    chance, _ = mean_interval(runs["chance_agreement"])
    excess, excess_ci = mean_interval(runs["neighbour_agreement"] - runs["chance_agreement"])
    nulls = [NullResult(*(r[f"eci_{k}"] for k in NullResult._fields))
             for _, r in runs.iterrows() if np.isfinite(r["eci_z"])]
    per_seed = [verdict(null=r, threshold=ECI_THRESHOLD, label="index") for r in nulls]
    pooled = verdict(null=pool_nulls(nulls), threshold=ECI_THRESHOLD, label="index") \
        if nulls else verdict(value=0.0, threshold=ECI_THRESHOLD, label="index")
    return {"agree": agree, "chance": chance, "excess": excess, "excess_ci": excess_ci,
            "agreement_verdict": verdict(ci=excess_ci, label="agreement − chance").status,
            "n_echo": sum(v.holds for v in per_seed), "n": len(runs),
            "z_min": float(min((r.z for r in nulls), default=np.nan)),
            "index_mean": float(np.mean([r.observed for r in nulls])) if nulls else np.nan,
            "echo_verdict": pooled.status, "echo_reason": pooled.reason}


def activity_summary(df):
    """Spearman ρ(activity, |x|) per published point: the mean over seeds and its 95% interval
    (a t-interval of Fisher's z = atanh ρ, mapped back, so it stays inside (−1, 1))."""
    out = {}
    pub = df[df["set"] == "published"]
    for name in PUBLISHED:
        rho = pub.loc[pub["point"] == name, "activity_extremity_rho"].dropna()
        z, (low, high) = mean_interval(np.arctanh(np.clip(rho, -0.999999, 0.999999)))
        v = verdict(ci=(low, high), label="ρ")
        out[name] = {"rho": float(np.tanh(z)), "low": float(np.tanh(low)),
                     "high": float(np.tanh(high)), "sign": v.sign, "verdict": v.status}
    return out


def grid_summary(df):
    """Majority regime per (β, K, α), and where the consensus boundary lies in K·α."""
    grid = df[df["set"] == "grid"]
    cells = (grid.groupby(["beta", "K", "alpha"])["regime"]
             .agg(lambda r: r.value_counts().idxmax()).rename("regime").reset_index())
    cells["K_alpha"] = cells["K"] * cells["alpha"]
    out = {"cells": cells}
    for beta, part in cells.groupby("beta"):
        counts = part["regime"].value_counts().to_dict()
        consensus = part.loc[part["regime"] == "consensus", "K_alpha"]
        ordered = part.loc[part["regime"] != "consensus", "K_alpha"]
        out[float(beta)] = {
            "counts": {r: int(counts.get(r, 0)) for r in REGIMES}, "n": len(part),
            "consensus_up_to": float(consensus.max()) if len(consensus) else np.nan,
            "ordered_from": float(ordered.min()) if len(ordered) else np.nan,
        }
    return out


def _rate(s):
    return f"{s['k']}/{s['n']} seeds (95% CI {s['low']:.2f}–{s['high']:.2f})"


def _relation(a):
    numbers = f"Spearman ρ = {a['rho']:.2f}, 95% CI {a['low']:.2f} to {a['high']:.2f}"
    if a["sign"] > 0:
        return f"more active agents are more extreme ({numbers})"
    if a["sign"] < 0:
        return f"more active agents are less extreme ({numbers})"
    return f"activity and extremity are not significantly related ({numbers})"


def _boundary(g, beta):
    s = g[beta]
    c, o = s["consensus_up_to"], s["ordered_from"]
    if np.isnan(o):
        return f"at β = {beta:g} every grid point stays at consensus"
    if np.isnan(c):
        return f"at β = {beta:g} no grid point stays at consensus"
    if c < o:
        return (f"at β = {beta:g} consensus holds up to K·α = {c:g} and gives way from "
                f"K·α = {o:g} on, a boundary set by K·α alone on this grid")
    return (f"at β = {beta:g} consensus and ordered points overlap in K·α (consensus up to "
            f"{c:g}, ordered from {o:g}): the boundary is not set by K·α alone")


def _kind(g, beta):
    c = g[beta]["counts"]
    ordered = c["radicalisation"] + c["polarisation"] + c["mixed"]
    if ordered == 0:
        return ""
    names = {"radicalisation": "one-sided (radicalisation)",
             "polarisation": "two camps (polarisation)",
             "mixed": "mixed (both signs without a valley at 0, or a small minority side)"}
    parts = [f"{c[r]} {names[r]}" for r in ("radicalisation", "polarisation", "mixed") if c[r]]
    return f"; of its {ordered} points that left consensus, {', '.join(parts)}"


def finding(df, params):
    pub, echo, act, g = (published_summary(df), echo_summary(df), activity_summary(df),
                         grid_summary(df))
    said = []
    for name, (K, alpha, beta) in PUBLISHED.items():
        s = pub[name]
        runs = df[(df["set"] == "published") & (df["point"] == name)]
        column = HORIZON_CHECK[name][0]
        shrinking = runs[column].mean() < runs[f"{column}_half"].mean()
        horizon = "stable from t/2 to t" if s["horizon"] == "significant" else \
            ("still shrinking toward 0" if name == "consensus" and shrinking
             else "still changing") + f": {s['horizon_reason']}"
        said.append(f"{name} at K = {K:g}, α = {alpha:g}, β = {beta:g}: {s['verdict']}, "
                    f"{_rate(s)}, {horizon}")
    lo, hi = echo["excess_ci"]
    agreement = (f"significantly above the {echo['chance']:.1%} that shuffled opinions give "
                 f"(excess 95% CI {lo:+.1%} to {hi:+.1%})"
                 if echo["agreement_verdict"] == "significant" else
                 f"not significantly above the {echo['chance']:.1%} of shuffled opinions "
                 f"(excess 95% CI {lo:+.1%} to {hi:+.1%})")
    if echo["echo_verdict"] == "significant":
        chambers = (f"echo chambers ({echo['echo_reason']}; in {echo['n_echo']} of "
                    f"{echo['n']} seeds alone, z >= {echo['z_min']:.0f})")
    else:
        chambers = f"no echo chamber beyond chance and size ({echo['echo_reason']})"
    text = f"""
        At N = {params['n_published']}, t = {params['steps'] * PAPER['dt']:g}: {'; '.join(said)}.
        In the polarised runs neighbours on the interaction network aggregated over the last
        {WINDOW} steps share their side in {echo['agree']:.1%} of ties, {agreement}: {chambers}.
        Over the (K, α) grid at N = {params['n_grid']}: {_boundary(g, 0.0)}{_kind(g, 0.0)};
        {_boundary(g, 3.0)}{_kind(g, 3.0)}. In the radicalised runs
        {_relation(act['radicalisation'])}; in the polarised runs
        {_relation(act['polarisation'])}; at consensus {_relation(act['consensus'])}."""
    return text, pub, echo, act, g


# ---- figures ---------------------------------------------------------------------------
def _figures(df, states, g, out):
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    files = []
    cells = g["cells"]
    colours = ["#9e9e9e", "#d95f02", "#1b9e77", "#7570b3"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    for ax, beta in zip(axes, sorted(cells["beta"].unique())):
        part = cells[cells["beta"] == beta]
        Ks, alphas = sorted(part["K"].unique()), sorted(part["alpha"].unique())
        code = np.full((len(Ks), len(alphas)), np.nan)
        for _, r in part.iterrows():
            code[Ks.index(r["K"]), alphas.index(r["alpha"])] = REGIMES.index(r["regime"])
        ax.imshow(code, origin="lower", cmap=ListedColormap(colours), vmin=-0.5, vmax=3.5,
                  aspect="auto")
        for i in range(len(Ks)):
            for j in range(len(alphas)):
                ax.text(j, i, REGIMES[int(code[i, j])], ha="center", va="center", fontsize=7)
        ax.set_xticks(range(len(alphas)), [f"{a:g}" for a in alphas])
        ax.set_yticks(range(len(Ks)), [f"{k:g}" for k in Ks])
        ax.set_xlabel("controversialness α")
        ax.set_ylabel("social influence K")
        ax.set_title(f"homophily β = {beta:g}: regime of most seeds")
    files.append(save_figure(fig, out, "phase_diagram"))

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained")
    for ax, name in zip(axes, PUBLISHED):
        x = states[name]["x"]
        ax.hist(x, bins=60, color=colours[REGIMES.index(name)])
        K, alpha, beta = PUBLISHED[name]
        ax.set_title(f"{name}: K = {K:g}, α = {alpha:g}, β = {beta:g}")
        ax.set_xlabel("opinion x")
        ax.set_ylabel("agents")
    files.append(save_figure(fig, out, "opinion_distributions"))

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    for ax, name in zip(axes, ("radicalisation", "polarisation")):
        st = states[name]
        ax.scatter(st["activities"], np.abs(st["x"]), s=4, alpha=0.5)
        ax.set_xscale("log")
        ax.set_xlabel("activity a (log scale)")
        ax.set_ylabel("extremity |x|")
        ax.set_title(f"{name}: activity vs extremity (seed 0)")
    files.append(save_figure(fig, out, "activity_extremity"))

    st = states["polarisation"]
    A = (st["A"] > 0).astype(float)
    heard = np.asarray(A.sum(axis=1)).ravel()
    mean_heard = np.divide(A @ st["x"], heard, out=np.full(len(heard), np.nan), where=heard > 0)
    fig, ax = plt.subplots(figsize=(5.2, 4.6), layout="constrained")
    ax.hexbin(st["x"][heard > 0], mean_heard[heard > 0], gridsize=40, mincnt=1, cmap="viridis")
    ax.set_xlabel("opinion x_i")
    ax.set_ylabel("mean opinion of whom i heard")
    ax.set_title(f"echo chambers (aggregated over {WINDOW} steps)")
    files.append(save_figure(fig, out, "echo_chambers"))
    return files


def main(argv=None):
    """Run the scenario from the command line; return its key numbers."""
    args = parse_args(NAME, __doc__, argv)
    params = size(args,
                  tiny=dict(n_published=150, published_seeds=3, n_grid=150, grid_seeds=1,
                            Ks=(1.0, 3.0), alphas=(0.05, 3.0), steps=600, null_samples=30),
                  default=dict(n_published=1000, published_seeds=8, n_grid=500, grid_seeds=3),
                  full=dict(n_published=1000, published_seeds=16, n_grid=1000, grid_seeds=8,
                            Ks=(0.5, 1.0, 1.5, 2.0, 3.0, 4.0),
                            alphas=(0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 3.0)))
    full_params = {**dict(n_published=1000, n_grid=500, steps=1000), **params}
    df, states = run(seed=args.seed, **params)
    out = output_dir(args.out)
    files = [save_table(df, out, NAME)]
    text, pub, echo, act, g = finding(df, full_params)
    files += _figures(df, states, g, out)
    print_finding(NAME, text, files)
    return {"published": pub, "echo": echo, "activity": act,
            "grid": {beta: g[beta] for beta in (0.0, 3.0) if beta in g},
            "thresholds": dict(REGIME_THRESHOLDS)}


if __name__ == "__main__":
    main()
