"""Causal update rule: what does a do-intervention on the update rule cause?

Question
--------
The update rule is the mechanism of the model, so "does low temperature cause
polarisation?" is answered by an experiment: for each seed build the same
small-world population twice, run both to step ``at``, intervene on the
mechanism in one (the treated arm) — do(temperature = 0.02),
do(affinity = dot), do(rule = bounded confidence, ε = 0.2), do(rule = uniform)
— and compare the opinion variance ``horizon`` steps later. Both arms draw the
same random numbers (common random numbers), so the paired differences have
small spread and the 95% confidence intervals are tight.

Second, the cause → effect experiment: a few loud "cause" agents (zealots
whose keys have norm ×30) hold the attention of the rest (the "effect"
group). Does a do-operation on the mechanism, do(‖k‖ ≤ 1) (key-norm
clipping), shift the effect group's attention on the cause?
"""

from __future__ import annotations

from functools import partial

import networkx as nx
import numpy as np
import pandas as pd

from opinionsim import OpinionModel
from opinionsim._scenario_support import (
    output_dir, parse_args, print_finding, save_figure, save_table, size,
)
from opinionsim.causal import attention_shift, causal_effect
from opinionsim.interventions import ClipKeyNorm, SetAffinity, SetRule, SetTemperature

NAME = "causal_update_rule"
N_LOUD = 5


def make_population(seed, *, n_agents=200):
    """Control world: small-world network, distance affinity at T = 0.3 (consensus regime)."""
    graph = nx.watts_strogatz_graph(n_agents, 8, 0.1, seed=seed)
    return OpinionModel(graph=graph, temperature=0.3, affinity="distance", include_self=False,
                        noise=0.01, seed=seed)


def make_loud(seed, *, n_agents=100):
    """Control world with loud cause agents 0…4 (zealots at (0.6, 0.6), salience 30)."""
    n = n_agents
    rng = np.random.default_rng(seed)
    X0 = rng.uniform(-1.0, 1.0, size=(n, 2))
    X0[:N_LOUD] = (0.6, 0.6)
    salience = np.ones(n)
    salience[:N_LOUD] = 30.0
    return OpinionModel(n_agents=n, dim=2, temperature=0.5, salience=salience,
                        zealots=list(range(N_LOUD)), initial_opinions=X0, seed=seed)


INTERVENTIONS = {
    "do(temperature = 0.02)": SetTemperature(0.02),
    "do(affinity = dot)": SetAffinity("dot"),
    "do(rule = bounded confidence, ε = 0.2)": SetRule("bounded_confidence", confidence=0.2),
    "do(rule = uniform)": SetRule("uniform"),
}


def run(*, n_agents=200, at=5, horizon=40, seeds=8, seed=0):
    """The effects on variance of each intervention, and the attention shift from clipping."""
    seed_list = list(range(seed, seed + seeds))
    effects, rows = {}, []
    for label, iv in INTERVENTIONS.items():
        eff = causal_effect(partial(make_population, n_agents=n_agents), iv, "variance", at=at, horizon=horizon,
                            seeds=seed_list)
        effects[label] = eff
        rows.append({"intervention": label, "ate": eff.ate, "stderr": eff.stderr,
                     "ci_low": eff.ci[0], "ci_high": eff.ci[1],
                     "control_mean": eff.paired["control"].mean(),
                     "treated_mean": eff.paired["treated"].mean(), "n_seeds": eff.n_seeds})
    n = n_agents // 2
    shift = attention_shift(partial(make_loud, n_agents=n), ClipKeyNorm(1.0), source=list(range(N_LOUD, n)),
                            target=list(range(N_LOUD)), at=0, horizon=10, seeds=seed_list)
    return pd.DataFrame(rows), effects, shift


def _figures(table, effects, shift, out):
    import matplotlib.pyplot as plt

    from opinionsim.plotting import treatment_effect

    files = []
    first = next(iter(effects))
    fig = treatment_effect(effects[first])
    fig.suptitle(f"{first} at step {effects[first].at}: effect on opinion variance")
    files.append(save_figure(fig, out, "treatment_effect_temperature"))
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained",
                               gridspec_kw={"width_ratios": [1.6, 1.0]})
    y = np.arange(len(table))
    a.errorbar(table["ate"], y, xerr=[table["ate"] - table["ci_low"],
                                      table["ci_high"] - table["ate"]],
               fmt="o", capsize=4, color="black")
    a.axvline(0, color="grey", ls="--", lw=0.8)
    a.set_yticks(y, table["intervention"])
    a.invert_yaxis()
    a.set_xlabel("effect on opinion variance (treated − control), 95% CI")
    a.set_title("Paired-seed average treatment effects")
    p = shift.paired
    means = [p["before"].mean(), p["control_after"].mean(), p["treated_after"].mean()]
    b.bar(["before", "control\nafter", "do(‖k‖ ≤ 1)\nafter"], means,
          color=["tab:grey", "tab:grey", "tab:green"])
    b.set_ylabel("attention of effect group on cause agents")
    b.set_title(f"Cause → effect: shift {shift.shift:+.3f} "
                f"[{shift.ci[0]:.3f}, {shift.ci[1]:.3f}]")
    files.append(save_figure(fig, out, "effects_and_attention_shift"))
    return files


def main(argv=None):
    """Run the scenario from the command line; return its key numbers."""
    args = parse_args(NAME, __doc__, argv)
    params = size(args, tiny=dict(n_agents=60, at=3, horizon=15, seeds=3),
                  default=dict(n_agents=200, at=5, horizon=40, seeds=8),
                  full=dict(n_agents=2000, at=10, horizon=200, seeds=32))
    table, effects, shift = run(seed=args.seed, **params)
    out = output_dir(args.out)
    files = [save_table(table, out, "effects"),
             save_table(shift.paired, out, "attention_shift"),
             save_table(effects[next(iter(effects))].trajectories, out,
                        "trajectories_temperature")]
    files += _figures(table, effects, shift, out)
    t = table.set_index("intervention")
    fmt = {k: f"{v['ate']:+.3g} [{v['ci_low']:.3g}, {v['ci_high']:.3g}]" for k, v in t.iterrows()}
    k = list(INTERVENTIONS)
    p = shift.paired
    print_finding(NAME, f"""
        Starting from a consensus-bound world (T = 0.3), intervening at step {params['at']}
        changes the opinion variance {params['horizon']} steps later by (ATE, 95% CI over
        {params['seeds']} paired seeds): {k[0]} {fmt[k[0]]}, {k[2]} {fmt[k[2]]} — both cause
        polarisation — while {k[1]} {fmt[k[1]]} and {k[3]} {fmt[k[3]]} change it by almost
        nothing (control variance {t['control_mean'].iloc[0]:.3g}). In the cause → effect
        experiment the effect group pays {p['before'].mean():.1%} of its attention to the
        {N_LOUD} loud cause agents at first and {p['control_after'].mean():.1%} ten steps later
        without intervention; do(‖k‖ ≤ 1) cuts it to {p['treated_after'].mean():.1%}, a shift
        of {shift.shift:+.3f} (95% CI [{shift.ci[0]:.3f}, {shift.ci[1]:.3f}]).""", files)
    return {"ate": dict(zip(table["intervention"], table["ate"])),
            "ci_low": dict(zip(table["intervention"], table["ci_low"])),
            "ci_high": dict(zip(table["intervention"], table["ci_high"])),
            "attention_shift": float(shift.shift), "shift_ci": tuple(shift.ci)}


if __name__ == "__main__":
    main()
