"""Zealots: how many zealots does it take to move the consensus, and how does it depend on temperature?

Question
--------
A population starts on one side of the opinion scale (uniform on [−1, 0]);
a fraction ``f`` of extra agents are zealots fixed at +1. Everyone listens to
everyone (complete graph) with ``"distance"`` affinity. With uniform attention
(temperature ∞, DeGroot) any zealot minority eventually wins; at lower
temperature agents attend to those who already agree with them and ignore the
distant zealots. What zealot fraction is needed to pull the free agents'
mean opinion past the middle of the scale (0) within a fixed number of
steps, as a function of temperature?
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opinionsim import OpinionModel
from opinionsim._scenario_support import (
    output_dir, parse_args, print_finding, save_figure, save_table, size,
)

NAME = "zealots"
ZEALOT_OPINION = 1.0


def make_model(*, n_agents, fraction, temperature, seed):
    """``n_agents`` agents of which ``round(fraction · n_agents)`` are zealots at +1."""
    rng = np.random.default_rng(seed)
    X0 = rng.uniform(-1.0, 0.0, size=(n_agents, 1))
    k = int(round(fraction * n_agents))
    X0[:k] = ZEALOT_OPINION
    model = OpinionModel(n_agents=n_agents, temperature=temperature, affinity="distance",
                         zealots=list(range(k)), initial_opinions=X0, seed=seed)
    return model, k


def run(*, n_agents=200, fractions=None, temperatures=None, steps=100, seeds=3, seed=0):
    """Final mean opinion of the free agents for every (temperature, fraction, seed)."""
    if fractions is None:
        fractions = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5]
    if temperatures is None:
        temperatures = [0.3, 0.5, 0.7, 1.0, 1.5, 3.0, float("inf")]
    rows = []
    for T in temperatures:
        for f in fractions:
            for s in range(seed, seed + seeds):
                model, k = make_model(n_agents=n_agents, fraction=f, temperature=T, seed=s)
                model.run(steps)
                rows.append({"temperature": float(T), "zealot_fraction": float(f),
                             "n_zealots": k, "seed": s,
                             "free_mean_opinion": float(model.opinions[k:, 0].mean())})
    return pd.DataFrame(rows)


def thresholds(df):
    """Per temperature, the smallest zealot fraction whose seed-mean pulls the free mean past 0."""
    m = df.groupby(["temperature", "zealot_fraction"])["free_mean_opinion"].mean().reset_index()
    out = []
    for T, sub in m.groupby("temperature"):
        moved = sub[sub["free_mean_opinion"] > 0]
        out.append({"temperature": T,
                    "threshold_fraction": float(moved["zealot_fraction"].min())
                    if len(moved) else float("nan")})
    return pd.DataFrame(out)


def _figures(df, th, out):
    import matplotlib.pyplot as plt

    from opinionsim.plotting import metric_timeseries

    fig, (a, b) = plt.subplots(1, 2, figsize=(11.5, 4.0), layout="constrained")
    metric_timeseries(df, x="zealot_fraction", y="free_mean_opinion", hue="temperature", ax=a)
    a.set_xscale("log")
    a.axhline(0.0, color="grey", ls=":")
    a.set_xlabel("zealot fraction f (zealots at +1)")
    a.set_ylabel("free agents' mean opinion at the end")
    a.set_title("Zealots pull the population (start: uniform on [−1, 0])")
    finite = th[np.isfinite(th["temperature"])]
    b.plot(finite["temperature"], finite["threshold_fraction"], marker="o")
    inf_row = th[~np.isfinite(th["temperature"])]
    if len(inf_row):
        b.axhline(inf_row["threshold_fraction"].iloc[0], color="tab:red", ls="--",
                  label="T = ∞ (uniform attention)")
        b.legend(frameon=False)
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xlabel("temperature T")
    b.set_ylabel("zealot fraction needed to move the consensus")
    b.set_title("Threshold vs temperature (missing: none of the fractions suffices)")
    return save_figure(fig, out, "zealots")


def main(argv=None):
    """Run the scenario from the command line; return its key numbers."""
    args = parse_args(NAME, __doc__, argv)
    params = size(args, tiny=dict(n_agents=60, fractions=[0.02, 0.1, 0.3], seeds=1, steps=60,
                                  temperatures=[0.3, 1.0, float("inf")]),
                  default=dict(n_agents=200, seeds=3, steps=100),
                  full=dict(n_agents=1000, seeds=10, steps=300,
                            fractions=np.geomspace(0.002, 0.5, 25),
                            temperatures=list(np.geomspace(0.2, 5, 15)) + [float("inf")]))
    df = run(seed=args.seed, **params)
    th = thresholds(df)
    out = output_dir(args.out)
    files = [save_table(df, out, "zealots"), save_table(th, out, "thresholds"),
             _figures(df, th, out)]
    fmax = df["zealot_fraction"].max()
    parts = [f"T = {T:g}: {'>' + format(fmax, '.0%') if not np.isfinite(f) else format(f, '.1%')}"
             for T, f in zip(th["temperature"], th["threshold_fraction"])]
    never = th.loc[~np.isfinite(th["threshold_fraction"]), "temperature"]
    immune = (f"At T ≤ {never.max():g} no fraction up to {fmax:.0%} moves them. "
              if len(never) else "")
    print_finding(NAME, f"""
        Starting from a population on [−1, 0], the zealot fraction needed to pull the free
        agents' mean past 0 within {params['steps']} steps grows as the temperature falls —
        {'; '.join(parts)}. {immune}At low temperature the free agents attend to each other
        and ignore the distant zealots: attention immunises a population against them.""", files)
    return {"thresholds": dict(zip(th["temperature"], th["threshold_fraction"])),
            "max_fraction": float(fmax)}


if __name__ == "__main__":
    main()
