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
over its last 100 steps. Each run is classified by
:func:`opinionsim.activity_driven.regime` (consensus: every |x| < 0.05;
radicalisation: fewer than 5% on the smaller side; polarisation: at least 20%
on each side and a valley at 0, :func:`~opinionsim.activity_driven.valley_ratio`
< 0.5; mixed: none of these). The published points (K = 3; α = 0.05; α = 3
with β = 0 and β = 3) are run at N = 1000 over 8 seeds, the (K, α) grid at
N = 500 over 3 seeds.
Findings are chosen by the numbers: a regime is "reproduced" when the
Clopper–Pearson 95% interval of its rate over seeds lies above 1/2 ("not
reproduced" below, "undecided" across), an echo chamber needs the
echo-chamber index's z against 100 shuffles above 3, and a correlation is
called positive or negative only when its 95% interval over seeds (Fisher z)
excludes 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from opinionsim import ActivityDrivenModel
from opinionsim._scenario_support import (
    output_dir, parse_args, print_finding, save_figure, save_table, size,
)
from opinionsim.activity_driven import REGIME_THRESHOLDS, regime, valley_ratio
from opinionsim.experiments.stats import mean_ci
from opinionsim.metrics import null_model

NAME = "radicalization"
PAPER = dict(contacts=10, min_activity=0.01, activity_exponent=2.1, reciprocity=0.5, dt=0.01)
#: The published points: regime -> (K, α, β).
PUBLISHED = {"consensus": (3.0, 0.05, 3.0), "radicalisation": (3.0, 3.0, 0.0),
             "polarisation": (3.0, 3.0, 3.0)}
REGIMES = ("consensus", "radicalisation", "polarisation", "mixed")
Z_BAR = 3.0          # an echo chamber: echo_chamber_index z against shuffles above this
WINDOW = 100         # steps over which the interaction network is aggregated


def simulate(K, alpha, beta, *, n_agents, steps, seed, null_samples=100, keep=False):
    """One run to ``steps``; its regime, echo-chamber and activity–extremity numbers."""
    m = ActivityDrivenModel(n_agents, social_influence=K, controversialness=alpha,
                            homophily=beta, seed=seed, reporters=[], **PAPER)
    m.run(steps - WINDOW)
    A = m.run_aggregate(WINDOW)
    x = m.opinions[:, 0].copy()
    p = float(np.mean(x > 0))
    rows, cols = A.nonzero()
    z = np.nan
    if p not in (0.0, 1.0) and np.ptp(x) > 0:
        z = null_model("echo_chamber_index", x[:, None], A, kind="shuffle",
                       n_samples=null_samples, rng=seed).z
    rho = stats.spearmanr(m.activities, np.abs(x)).statistic if np.ptp(np.abs(x)) > 0 \
        else np.nan
    row = {"K": K, "alpha": alpha, "beta": beta, "seed": seed, "n_agents": n_agents,
           "time": m.time, "regime": regime(x), "max_abs": float(np.abs(x).max()),
           "mean_abs": float(np.abs(x).mean()), "fraction_positive": p,
           "valley_ratio": valley_ratio(x),
           "neighbour_agreement": float(np.mean(np.sign(x[rows]) == np.sign(x[cols])))
           if len(rows) else np.nan,
           "chance_agreement": p * p + (1 - p) * (1 - p), "echo_chamber_z": float(z),
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
    for beta in betas:
        for K in Ks:
            for alpha in alphas:
                for s in range(seed, seed + grid_seeds):
                    rows.append({"set": "grid", "point": "", **simulate(
                        K, alpha, beta, n_agents=n_grid, steps=steps, seed=s,
                        null_samples=null_samples)})
    return pd.DataFrame(rows), states


# ---- findings --------------------------------------------------------------------------
def published_summary(df):
    """Per published point: seeds in its regime, the rate's Clopper–Pearson 95% interval."""
    out = {}
    pub = df[df["set"] == "published"]
    for name in PUBLISHED:
        runs = pub[pub["point"] == name]
        k, n = int((runs["regime"] == name).sum()), len(runs)
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        verdict = "reproduced" if ci.low > 0.5 else \
            ("not reproduced" if ci.high < 0.5 else "undecided (too few seeds)")
        out[name] = {"k": k, "n": n, "low": float(ci.low), "high": float(ci.high),
                     "verdict": verdict}
    return out


def echo_summary(df):
    """Neighbour agreement vs chance and the echo-chamber z at the polarised published point."""
    runs = df[(df["set"] == "published") & (df["point"] == "polarisation")]
    agree, agree_half = mean_ci(runs["neighbour_agreement"])
    chance, chance_half = mean_ci(runs["chance_agreement"])
    z = runs["echo_chamber_z"].to_numpy()
    return {"agree": agree, "agree_low": agree - agree_half, "chance": chance,
            "chance_high": chance + chance_half, "z_min": float(np.nanmin(z)),
            "z_median": float(np.nanmedian(z)), "n_echo": int(np.sum(z > Z_BAR)), "n": len(z)}


def activity_summary(df):
    """Spearman ρ(activity, |x|) per published point: the mean over seeds and its 95% interval
    (a t-interval of Fisher's z = atanh ρ, mapped back, so it stays inside (−1, 1))."""
    out = {}
    pub = df[df["set"] == "published"]
    for name in PUBLISHED:
        rho = pub.loc[pub["point"] == name, "activity_extremity_rho"].dropna()
        z, half = mean_ci(np.arctanh(np.clip(rho, -0.999999, 0.999999)))
        out[name] = {"rho": float(np.tanh(z)), "low": float(np.tanh(z - half)),
                     "high": float(np.tanh(z + half))}
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
    if a["low"] > 0:
        return f"more active agents are more extreme (Spearman ρ = {a['rho']:.2f}, 95% CI " \
               f"{a['low']:.2f} to {a['high']:.2f})"
    if a["high"] < 0:
        return f"more active agents are less extreme (ρ = {a['rho']:.2f}, 95% CI " \
               f"{a['low']:.2f} to {a['high']:.2f})"
    return f"activity and extremity are not significantly related (ρ = {a['rho']:.2f}, " \
           f"95% CI {a['low']:.2f} to {a['high']:.2f})"


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
        said.append(f"{name} at K = {K:g}, α = {alpha:g}, β = {beta:g}: "
                    f"{pub[name]['verdict']}, {_rate(pub[name])}")
    if echo["n_echo"] == echo["n"]:
        chambers = (f"echo chambers in every seed (echo-chamber index z vs shuffles "
                    f"{echo['z_min']:.0f} or more, bar {Z_BAR:g})")
    elif echo["n_echo"]:
        chambers = f"echo chambers in {echo['n_echo']} of {echo['n']} seeds (z > {Z_BAR:g})"
    else:
        chambers = f"no echo chamber beyond chance (no seed has z > {Z_BAR:g})"
    beyond = "significantly above" if echo["agree_low"] > echo["chance_high"] \
        else "not significantly above"
    text = f"""
        At N = {params['n_published']}, t = {params['steps'] * PAPER['dt']:g}: {'; '.join(said)}.
        In the polarised runs neighbours on the aggregated interaction network share their
        side in {echo['agree']:.1%} of ties (95% CI lower bound {echo['agree_low']:.1%}),
        {beyond} the {echo['chance']:.1%} that shuffled opinions give: {chambers}.
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
                  tiny=dict(n_published=150, published_seeds=2, n_grid=150, grid_seeds=1,
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
