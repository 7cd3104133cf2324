"""Attention hijacking: can a few "loud" agents capture a population's attention?

Question
--------
Under dot-product affinity an agent's pull grows with the norm of its key.
A handful of "loud" agents (2.5% of the population, zealots pushing one
campaign opinion) speak with keys ``salience × opinion`` whose norm is 30
times that of everyone else. What share of the population's attention do they
capture, and what happens to opinions? And how much do they still capture
under the two defences:

* **key-norm clipping** (``key_norm_clip=1``): keys longer than 1 are rescaled;
* **cosine affinity**: only the direction of a key counts, never its norm.

The fair share — what the loud agents would get if they spoke like everyone
else — is their fraction of the population. Setup: a complete graph, 2-D
opinions uniform on [−1, 1]², temperature 0.5, the loud agents fixed at
(0.6, 0.6).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opinionsim import OpinionModel
from opinionsim._scenario_support import (
    output_dir, parse_args, print_finding, save_figure, save_table, size,
)

NAME = "attention_hijacking"
CAMPAIGN = np.array([0.6, 0.6])
DEFENCES = {
    "dot product (no defence)": dict(affinity="dot"),
    "key-norm clipping": dict(affinity="dot", key_norm_clip=1.0),
    "cosine affinity": dict(affinity="cosine"),
}


def captured_attention(model, loud):
    """Mean over the other agents of the total attention weight they give the loud agents."""
    A = model.attention()
    mask = np.zeros(model.n_agents, dtype=bool)
    mask[loud] = True
    to_loud = np.asarray(A[:, loud].sum(axis=1)).ravel()
    return float(to_loud[~mask].mean())


def make_model(defence, *, n_agents, n_loud, salience, temperature, seed):
    """The population with its loud zealots, under one of :data:`DEFENCES`."""
    rng = np.random.default_rng(seed)
    X0 = rng.uniform(-1.0, 1.0, size=(n_agents, 2))
    loud = np.arange(n_loud)
    X0[loud] = CAMPAIGN
    sal = np.ones(n_agents)
    sal[loud] = salience
    return OpinionModel(n_agents=n_agents, dim=2, temperature=temperature, salience=sal,
                        zealots=list(loud), initial_opinions=X0, seed=seed,
                        **DEFENCES[defence]), loud


def run(*, n_agents=200, n_loud=5, salience=30.0, temperature=0.5, steps=30, seeds=3,
        saliences=None, seed=0):
    """Captured attention over time per defence, and at step 0 as a function of salience."""
    rows = []
    for defence in DEFENCES:
        for s in range(seeds):
            model, loud = make_model(defence, n_agents=n_agents, n_loud=n_loud,
                                     salience=salience, temperature=temperature, seed=seed + s)
            for t in range(steps + 1):
                if t:
                    model.step()
                dist = np.linalg.norm(model.opinions[n_loud:] - CAMPAIGN, axis=1).mean()
                rows.append({"defence": defence, "seed": seed + s, "step": t,
                             "captured_attention": captured_attention(model, loud),
                             "distance_to_campaign": float(dist)})
    if saliences is None:
        saliences = np.geomspace(1, 100, 13)
    by_salience = []
    for defence in DEFENCES:
        for sal in saliences:
            model, loud = make_model(defence, n_agents=n_agents, n_loud=n_loud, salience=sal,
                                     temperature=temperature, seed=seed)
            by_salience.append({"defence": defence, "salience": float(sal),
                                "captured_attention": captured_attention(model, loud)})
    return pd.DataFrame(rows), pd.DataFrame(by_salience), n_loud / n_agents


def _figures(ts, by_sal, fair, out):
    import matplotlib.pyplot as plt

    from opinionsim.plotting import metric_timeseries

    fig, (a, b, c) = plt.subplots(1, 3, figsize=(14, 3.9), layout="constrained")
    metric_timeseries(ts, y="captured_attention", hue="defence", ax=a)
    a.axhline(fair, color="grey", ls=":", label="fair share")
    a.set_ylabel("attention captured by loud agents")
    a.set_title("Captured attention over time")
    a.legend(fontsize="small", frameon=False)
    metric_timeseries(ts, y="distance_to_campaign", hue="defence", ax=c)
    c.set_ylabel("mean distance to campaign opinion")
    c.set_title("Population pulled to the campaign")
    for defence, sub in by_sal.groupby("defence", sort=False):
        b.plot(sub["salience"], sub["captured_attention"], marker="o", ms=3, label=defence)
    b.axhline(fair, color="grey", ls=":", label="fair share")
    b.set_xscale("log")
    b.set_xlabel("loud agents' salience (key norm ÷ opinion norm)")
    b.set_ylabel("attention captured at step 0")
    b.set_title("Capture vs loudness")
    b.legend(fontsize="small", frameon=False)
    return save_figure(fig, out, "attention_hijacking")


def main(argv=None):
    """Run the scenario from the command line; return its key numbers."""
    args = parse_args(NAME, __doc__, argv)
    params = size(args, tiny=dict(n_agents=60, n_loud=2, steps=8, seeds=1,
                                  saliences=[1.0, 10.0, 100.0]),
                  default=dict(n_agents=200, n_loud=5, steps=30, seeds=3),
                  full=dict(n_agents=2000, n_loud=50, steps=60, seeds=10,
                            saliences=np.geomspace(1, 300, 30)))
    ts, by_sal, fair = run(seed=args.seed, **params)
    out = output_dir(args.out)
    files = [save_table(ts, out, "captured_attention"),
             save_table(by_sal, out, "captured_by_salience"), _figures(ts, by_sal, fair, out)]
    first = ts[ts["step"] == 0].groupby("defence")["captured_attention"].mean()
    last_step = ts["step"].max()
    last = ts[ts["step"] == last_step].groupby("defence")
    cap = last["captured_attention"].mean()
    dist = last["distance_to_campaign"].mean()
    d, k, c = DEFENCES
    print_finding(NAME, f"""
        {params['n_loud']} loud agents ({fair:.1%} of the population, key norm
        ×30) capture {first[d]:.1%} of everyone else's attention at the start under dot-product
        affinity and {cap[d]:.1%} after {last_step} steps, by which time the population sits
        {dist[d]:.2f} from the campaign opinion (it is {dist[c]:.2f} away under cosine
        affinity). Key-norm clipping cuts their share to {first[k]:.1%} at the start
        ({cap[k]:.1%} at the end) and cosine affinity to {first[c]:.1%} ({cap[c]:.1%}) —
        back to about their fair share of {fair:.1%}.""", files)
    return {"fair_share": fair,
            "captured_dot": float(cap[d]), "captured_clip": float(cap[k]),
            "captured_cosine": float(cap[c]),
            "captured_dot_step0": float(first[d]), "captured_clip_step0": float(first[k]),
            "captured_cosine_step0": float(first[c]),
            "distance_dot": float(dist[d]), "distance_cosine": float(dist[c]),
            "distance_clip": float(dist[k])}


if __name__ == "__main__":
    main()
