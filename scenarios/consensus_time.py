"""Consensus time: how long does a population take to agree, by temperature and network?

Question
--------
With ``"distance"`` affinity (agents attend most to neighbours who already
agree with them) and no self-attention, how many steps until all opinions lie
within 0.01 of each other (:func:`opinionsim.metrics.consensus_reached`),
as a function of the temperature, on three networks of the same mean degree
8: an Erdős–Rényi random graph, a Watts–Strogatz small world (rewiring 0.1)
and a Barabási–Albert scale-free graph? At low temperature agreement slows
down and may fail.

Every run ends in one of three ways, and is reported as such:

* **consensus** — all opinions within :data:`TOL` (the step is recorded);
* **frozen apart** — no agent moved more than :data:`FROZEN_TOL` of the
  initial spread in a step (:func:`opinionsim.conditions.max_change`), with
  more than one opinion group left: a steady state without consensus;
* **still changing** — neither by ``max_steps``: no claim about the end state.

What decides the printed finding
--------------------------------
Which network is slowest at the highest temperature: the Welch 95% interval
of the difference in mean log consensus time to the runner-up must exclude 0;
it is compared with the analytic time scale of each network, the relaxation
time ``1/(−ln λ₂)`` of the T = ∞ (DeGroot) update matrix.
Whether a lower temperature slows agreement: the same graphs and initial
opinions (seed by seed) are run at both temperatures, and the paired 95%
interval of the log ratio of consensus times must exclude 0. Whether low
temperature prevents agreement: how many runs froze apart, against how many
are still changing.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd

from opinionsim import OpinionModel, conditions, metrics
from opinionsim._scenario_support import (
    output_dir, parse_args, print_finding, save_figure, save_table, size, verdict,
)

NAME = "consensus_time"
TOL = 0.01
#: Largest change per step (relative to the initial spread) that counts as frozen.
FROZEN_TOL = 1e-8
GRAPHS = {
    "random (Erdős–Rényi)": lambda n, seed: nx.gnm_random_graph(n, 4 * n, seed=seed),
    "small-world (Watts–Strogatz)": lambda n, seed: nx.watts_strogatz_graph(n, 8, 0.1, seed=seed),
    "scale-free (Barabási–Albert)": lambda n, seed: nx.barabasi_albert_graph(n, 4, seed=seed),
}
OUTCOMES = ("consensus", "frozen apart", "still changing")


def settle(model, max_steps):
    """Run until consensus or a frozen state; return ``(outcome, steps)``."""
    frozen = conditions.max_change(FROZEN_TOL)

    def done(m):
        return metrics.consensus_reached(m.opinions, tol=TOL) or frozen(m)

    steps, stopped = model.run_until(done, max_steps=max_steps)
    if metrics.consensus_reached(model.opinions, tol=TOL):
        return "consensus", steps
    return ("frozen apart" if stopped else "still changing"), steps


def relaxation_time(graph, step_size=0.5):
    """``1/−ln λ₂`` of the T = ∞ (DeGroot) update ``(1 − a)I + a·D⁻¹A``: the analytic time scale.

    ``D⁻¹A`` is similar to the symmetric ``D^{−1/2} A D^{−1/2}``, so its eigenvalues are
    real; ``λ₂`` is the second largest modulus.
    """
    A = nx.to_scipy_sparse_array(graph, format="csr", dtype=float)
    d = np.asarray(A.sum(axis=1)).ravel()
    inv = 1.0 / np.sqrt(d)
    S = (A.multiply(inv[:, None]).multiply(inv[None, :])).toarray()
    ev = (1 - step_size) + step_size * np.linalg.eigvalsh(S)
    lam = np.sort(np.abs(ev))[-2]
    return float(-1.0 / np.log(lam))


def run(*, n_agents=200, temperatures=None, seeds=3, max_steps=5000, seed=0):
    """One row per (graph, temperature, seed): how the run ended and after how many steps."""
    if temperatures is None:
        temperatures = [0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 3.0]
    rows, relax = [], {}
    for name, make_graph in GRAPHS.items():
        for T in temperatures:
            for s in range(seed, seed + seeds):
                model = OpinionModel(graph=make_graph(n_agents, s), temperature=float(T),
                                     affinity="distance", include_self=False, seed=s,
                                     reporters=[])
                outcome, steps = settle(model, max_steps)
                if s not in relax.setdefault(name, {}):
                    relax[name][s] = relaxation_time(make_graph(n_agents, s))
                rows.append({"graph": name, "temperature": float(T), "seed": s,
                             "relaxation_time": relax[name][s],
                             "outcome": outcome, "steps": steps,
                             "steps_to_consensus": steps if outcome == "consensus"
                             else float("nan"),
                             "reached": outcome == "consensus",
                             "n_clusters": metrics.n_clusters(model.opinions, tol=TOL)})
    return pd.DataFrame(rows)


def _welch(a, b):
    """Welch 95% interval of mean(a) − mean(b)."""
    from scipy import stats

    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if se > 0 else 1
    d = a.mean() - b.mean()
    half = stats.t.ppf(0.975, dof) * se
    return d, (d - half, d + half)


def _paired(a, b):
    """Paired 95% interval of mean(a − b)."""
    from opinionsim.experiments.stats import paired_t

    mean, _, ci = paired_t(np.asarray(a, float) - np.asarray(b, float))
    return mean, ci


def analyse(df):
    """The numbers behind the finding (a dict)."""
    hi_t, lo_t = df["temperature"].max(), df["temperature"].min()
    names = list(GRAPHS)
    high = df[df["temperature"] == hi_t]
    log_steps = {n: np.log(high.loc[(high["graph"] == n) & high["reached"], "steps"])
                 for n in names}
    order = sorted(names, key=lambda n: -log_steps[n].mean() if len(log_steps[n]) else 0)
    slowest, runner = order[0], order[1]
    diff, ci = _welch(log_steps[slowest], log_steps[runner])
    slowest_v = verdict(ci=ci, label="log ratio")
    # Lower temperature, same graphs and initial opinions: the lowest temperature at which
    # every run of every graph still reached consensus.
    all_reach = df.groupby("temperature")["reached"].all()
    t_slow = float(all_reach[all_reach].index.min())
    slowdown = {}
    for n in names:
        a = df[(df["graph"] == n) & (df["temperature"] == t_slow)].sort_values("seed")
        b = df[(df["graph"] == n) & (df["temperature"] == hi_t)].sort_values("seed")
        mean, ci_n = _paired(np.log(a["steps"]), np.log(b["steps"]))
        slowdown[n] = {"ratio": math.exp(mean), "ci": (math.exp(ci_n[0]), math.exp(ci_n[1])),
                       "verdict": verdict(ci=ci_n)}
    low = df[df["temperature"] == lo_t]
    outcomes = low.groupby("graph")["outcome"].value_counts().unstack(fill_value=0)
    outcomes = outcomes.reindex(index=names, columns=list(OUTCOMES), fill_value=0)
    relax = high.groupby("graph")["relaxation_time"].mean()
    spectral_slowest = str(relax.idxmax())
    return {"hi_t": hi_t, "lo_t": lo_t, "t_slow": t_slow, "relaxation": relax.to_dict(),
            "spectral_slowest": spectral_slowest,
            "median_high": {n: float(np.exp(np.median(log_steps[n]))) for n in names},
            "slowest": slowest, "runner_up": runner, "slowest_ratio": math.exp(diff),
            "slowest_ci": (math.exp(ci[0]), math.exp(ci[1])), "slowest_verdict": slowest_v,
            "slowdown": slowdown, "outcomes_low": outcomes}


def _figures(df, max_steps, out):
    import matplotlib.pyplot as plt

    from opinionsim.plotting import category_colors, fit_title

    colors = category_colors(GRAPHS)
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.3), layout="constrained")
    for name, sub in df.groupby("graph", sort=False):
        g = sub.groupby("temperature")
        reached = g["reached"].mean()
        frozen = g["outcome"].apply(lambda o: (o == "frozen apart").mean())
        # The median over seeds, counting runs without consensus as max_steps (a lower bound).
        filled = g.apply(lambda s: np.where(s["reached"], s["steps"], max_steps),
                         include_groups=False)
        med = filled.apply(np.median)
        lo = filled.apply(np.min)
        hi = filled.apply(np.max)
        a.plot(med.index, med.to_numpy(), marker="o", color=colors[name], label=name)
        a.fill_between(med.index, lo.to_numpy(), hi.to_numpy(), color=colors[name], alpha=0.15)
        b.plot(reached.index, reached.to_numpy(), marker="o", color=colors[name],
               label=f"{name}: consensus")
        b.plot(frozen.index, frozen.to_numpy(), marker="x", ls="--", color=colors[name],
               label=f"{name}: frozen apart")
    a.axhline(max_steps, color="grey", ls=":", label=f"cut-off ({max_steps} steps)")
    for ax in (a, b):
        ax.set_xscale("log")
        ax.set_xlabel("temperature $T$ (log scale)")
        ax.legend(frameon=False, fontsize="x-small")
    a.set_yscale("log")
    a.set_ylabel(f"steps until all opinions within {TOL}")
    a.set_title(fit_title("Time to consensus · median over seeds, band min–max; runs without "
                          "consensus count as the cut-off", a))
    b.set_ylabel("share of seeds")
    b.set_ylim(-0.05, 1.05)
    b.set_title(fit_title(f"How runs end within {max_steps} steps (the rest: still changing)",
                          b))
    return save_figure(fig, out, "consensus_time")


def main(argv=None):
    """Run the scenario from the command line; return its key numbers."""
    args = parse_args(NAME, __doc__, argv)
    params = size(args, tiny=dict(n_agents=60, temperatures=[0.03, 0.3, 3.0], seeds=3,
                                  max_steps=1500),
                  default=dict(n_agents=200, seeds=3, max_steps=5000),
                  full=dict(n_agents=1000, temperatures=list(np.geomspace(0.03, 10, 16)),
                            seeds=10, max_steps=10000))
    df = run(seed=args.seed, **params)
    out = output_dir(args.out)
    files = [save_table(df, out, "consensus_time"), _figures(df, params["max_steps"], out)]
    r = analyse(df)
    short = {n: n.split(" ")[0] for n in GRAPHS}
    med = ", ".join(f"{short[n]} {r['median_high'][n]:.0f}" for n in GRAPHS)
    sv = r["slowest_verdict"]
    first = sv.choose(
        f"the {short[r['slowest']]} network is slowest, {r['slowest_ratio']:.2f}× the "
        f"{short[r['runner_up']]} one (95% CI {r['slowest_ci'][0]:.2f}–"
        f"{r['slowest_ci'][1]:.2f}×).",
        f"which network is slowest is not significant ({short[r['slowest']]} vs "
        f"{short[r['runner_up']]}: {r['slowest_ratio']:.2f}×, 95% CI "
        f"{r['slowest_ci'][0]:.2f}–{r['slowest_ci'][1]:.2f}×).")
    rel = ", ".join(f"{short[n]} {r['relaxation'][n]:.1f}" for n in GRAPHS)
    spectral = (f"The analytic time scale agrees: the relaxation time 1/(−ln λ₂) of the "
                f"T = ∞ update is {rel} steps, longest for the "
                f"{short[r['spectral_slowest']]} network."
                if r["spectral_slowest"] == r["slowest"] else
                f"The analytic relaxation time 1/(−ln λ₂) of the T = ∞ update ({rel} steps) "
                f"ranks the {short[r['spectral_slowest']]} network slowest instead.")
    slow_parts = []
    for n in GRAPHS:
        s = r["slowdown"][n]
        word = {1: "slower", -1: "faster", 0: "not significantly different"}[s["verdict"].sign]
        slow_parts.append(f"{short[n]} {s['ratio']:.2f}× ({s['ci'][0]:.2f}–{s['ci'][1]:.2f}, "
                          f"{word})")
    oc = r["outcomes_low"]
    total = int(oc.to_numpy().sum())
    n_frozen, n_changing = int(oc["frozen apart"].sum()), int(oc["still changing"].sum())
    n_cons = int(oc["consensus"].sum())
    if n_frozen and not n_changing:
        end = "so at this temperature agreement is prevented, not merely delayed."
    elif n_changing:
        end = (f"the {n_changing} still changing have not settled, so whether they would "
               "agree is not decided by this run.")
    else:
        end = "so at this temperature agreement is delayed, not prevented."
    low = (f"At T = {r['lo_t']:g}, of {total} runs {n_cons} reached consensus, {n_frozen} froze "
           f"apart (no agent moving more than {FROZEN_TOL:g} of the initial spread per step, "
           f"with more than one opinion group) and {n_changing} were still changing after "
           f"{params['max_steps']} steps — " + end)
    print_finding(NAME, f"""
        At temperature {r['hi_t']:g} the {params['n_agents']} agents agree (to within {TOL})
        in a median of {med} steps: {first} {spectral} Lowering the temperature to
        {r['t_slow']:g} (the
        lowest at which every run still agreed; same graphs and initial opinions) changes the
        consensus time by a factor (geometric mean, paired 95% CI): {'; '.join(slow_parts)}.
        {low}""", files)
    return {"median_steps_high_t": r["median_high"],
            "slowest": r["slowest"], "slowest_verdict": sv.status,
            "spectral_slowest": r["spectral_slowest"], "relaxation_time": r["relaxation"],
            "slowest_ci": r["slowest_ci"],
            "slowdown": {n: {"ratio": v["ratio"], "ci": v["ci"], "verdict": v["verdict"].status,
                             "sign": v["verdict"].sign} for n, v in r["slowdown"].items()},
            "t_slow": r["t_slow"],
            "outcomes_low_t": oc.to_dict(orient="index"),
            "reached_high_t": df[df["temperature"] == r["hi_t"]].groupby("graph")["reached"]
            .mean().to_dict(),
            "table": df}


if __name__ == "__main__":
    main()
