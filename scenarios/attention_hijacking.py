"""Attention hijacking: can a few "loud" agents capture a population's attention?

Question
--------
Under dot-product affinity an agent's pull grows with the norm of its key.
A handful of "loud" agents (2.5% of the population, zealots pushing one
campaign opinion) speak with keys ``salience × opinion`` whose norm is 30
times that of everyone else. What share of everyone else's attention do they
capture — on the campaign's side of the opinion space and on the far side,
at the start and after the dynamics — and what happens to opinions? And how
much do they still capture under the two defences:

* **key-norm clipping** (``key_norm_clip=1``): keys longer than 1 are rescaled;
* **cosine affinity**: only the direction of a key counts, never its norm.

Setup: a complete graph, 2-D opinions uniform on [−1, 1]², temperature 0.5,
the loud agents fixed at the campaign opinion (0.6, 0.6). An agent is on the
campaign's side when its initial opinion has a positive dot product with the
campaign opinion. Two references: the *fair share* ``n_loud / (N − 1)``
(uniform attention), and the same campaigners speaking at salience 1
("quiet campaigners", dot product), which is what they would capture by their
opinion alone.

What decides the printed finding
--------------------------------
Every comparison is over seeds with a 95% interval that must exclude 0:
capture minus the fair share, per side; the paired (same initial opinions)
reduction by each defence; each defence against the quiet campaigners. The
state after the dynamics is measured after ``steps`` and ``4 × steps``; a
capture that moves by more than 0.02 between them is "still changing".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opinionsim import OpinionModel
from opinionsim._scenario_support import (
    mean_interval, output_dir, parse_args, print_finding, save_figure, save_table, size, verdict,
)

NAME = "attention_hijacking"
CAMPAIGN = np.array([0.6, 0.6])
NO_DEFENCE = "dot product (no defence)"
QUIET = "quiet campaigners (salience 1)"
DEFENCES = {
    NO_DEFENCE: dict(affinity="dot"),
    "key-norm clipping": dict(affinity="dot", key_norm_clip=1.0),
    "cosine affinity": dict(affinity="cosine"),
}
#: Every arm of the experiment: the defences and the quiet reference.
ARMS = {**DEFENCES, QUIET: dict(affinity="dot")}
SIDES = ("campaign side", "far side")


def captured_attention(model, loud, groups):
    """Per group of listeners, the mean total attention weight they give the loud agents."""
    A = model.attention()
    to_loud = np.asarray(A[:, loud].sum(axis=1)).ravel()
    return {name: float(to_loud[rows].mean()) for name, rows in groups.items()}


def make_model(arm, *, n_agents, n_loud, salience, temperature, seed):
    """The population with its loud zealots, under one of :data:`ARMS`."""
    rng = np.random.default_rng(seed)
    X0 = rng.uniform(-1.0, 1.0, size=(n_agents, 2))
    loud = np.arange(n_loud)
    X0[loud] = CAMPAIGN
    sal = np.ones(n_agents)
    if arm != QUIET:
        sal[loud] = salience
    return OpinionModel(n_agents=n_agents, dim=2, temperature=temperature, salience=sal,
                        zealots=list(loud), initial_opinions=X0, seed=seed, reporters=[],
                        **ARMS[arm]), loud


def sides(model, n_loud):
    """Row indices of the other agents on the campaign's side and on the far side (at step 0)."""
    rows = np.arange(n_loud, model.n_agents)
    near = model.initial_opinions[rows] @ CAMPAIGN > 0
    return {SIDES[0]: rows[near], SIDES[1]: rows[~near]}


def _state(model, loud, groups):
    cap = captured_attention(model, loud, {"all": np.concatenate(list(groups.values())),
                                           **groups})
    dist = {k: float(np.linalg.norm(model.opinions[r] - CAMPAIGN, axis=1).mean())
            for k, r in groups.items()}
    return {"captured_attention": cap["all"],
            **{f"captured_{k.split()[0]}": cap[k] for k in groups},
            **{f"distance_{k.split()[0]}": v for k, v in dist.items()}}


def run(*, n_agents=200, n_loud=5, salience=30.0, temperature=0.5, steps=30, seeds=5,
        saliences=None, seed=0):
    """Capture per side over time (to ``4 × steps``) per arm, and at step 0 against salience."""
    rows = []
    for arm in ARMS:
        for s in range(seed, seed + seeds):
            model, loud = make_model(arm, n_agents=n_agents, n_loud=n_loud, salience=salience,
                                     temperature=temperature, seed=s)
            groups = sides(model, n_loud)
            for t in range(4 * steps + 1):
                if t:
                    model.step()
                if t <= steps or t % max(1, steps // 4) == 0 or t == 4 * steps:
                    rows.append({"defence": arm, "seed": s, "step": t,
                                 **_state(model, loud, groups)})
    if saliences is None:
        saliences = np.geomspace(1, 100, 13)
    by_salience = []
    for arm in DEFENCES:
        for sal in saliences:
            model, loud = make_model(arm, n_agents=n_agents, n_loud=n_loud, salience=sal,
                                     temperature=temperature, seed=seed)
            cap = captured_attention(model, loud, sides(model, n_loud))
            by_salience += [{"defence": arm, "salience": float(sal), "side": side,
                             "captured_attention": c} for side, c in cap.items()]
    return pd.DataFrame(rows), pd.DataFrame(by_salience), n_loud / (n_agents - 1)


def analyse(ts, fair, steps):
    """Per arm and side: capture at the start, after ``steps`` and ``4 × steps``, with verdicts."""
    out = {}
    at = {t: ts[ts["step"] == t].set_index(["defence", "seed"]).sort_index()
          for t in (0, steps, 4 * steps)}
    for arm in ARMS:
        for side in ("campaign", "far"):
            col = f"captured_{side}"
            start = at[0].loc[arm, col]
            m0, ci0 = mean_interval(start - fair)
            ends = [at[t].loc[arm, col].mean() for t in (steps, 4 * steps)]
            end_v = verdict(horizons=[at[0].loc[arm, col].mean(), *ends], rtol=0.0, atol=0.02,
                            value=ends[-1], threshold=fair, label="capture")
            m1, ci1 = mean_interval(at[4 * steps].loc[arm, col] - fair)
            out[(arm, side)] = {
                "start": float(start.mean()), "start_vs_fair": verdict(ci=ci0),
                "start_ci": (ci0[0] + fair, ci0[1] + fair),
                "after": ends[0], "after_4x": ends[1], "stable": end_v.status,
                "after_vs_fair": verdict(ci=ci1) if end_v.status != "still changing" else end_v,
                "distance_after": float(at[4 * steps].loc[arm, f"distance_{side}"].mean()),
                "distance_mid": float(at[steps].loc[arm, f"distance_{side}"].mean()),
            }
    paired = {}
    for arm in DEFENCES:
        if arm == NO_DEFENCE:
            continue
        for side in ("campaign", "far"):
            col = f"captured_{side}"
            d_dot = at[0].loc[arm, col] - at[0].loc[NO_DEFENCE, col]
            d_quiet = at[0].loc[arm, col] - at[0].loc[QUIET, col]
            m1, c1 = mean_interval(d_dot)
            m2, c2 = mean_interval(d_quiet)
            paired[(arm, side)] = {"vs_dot": m1, "vs_dot_ci": c1, "vs_dot_v": verdict(ci=c1),
                                   "vs_quiet": m2, "vs_quiet_ci": c2,
                                   "vs_quiet_v": verdict(ci=c2)}
    return out, paired


def figure(ts, by_sal, fair, steps):
    """Capture per side over time, capture against loudness, distance to the campaign."""
    import matplotlib.pyplot as plt

    from opinionsim.plotting import category_colors, fit_title, metric_timeseries

    from matplotlib.lines import Line2D

    colors = category_colors(ARMS)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8), layout="constrained")
    a, b, c = axes
    for side, ls in (("captured_campaign", "-"), ("captured_far", "--")):
        for arm in ARMS:
            g = ts[ts["defence"] == arm].groupby("step")[side].mean()
            a.plot(g.index, g.to_numpy(), ls=ls, color=colors[arm])
    a.axhline(fair, color="grey", ls=":")
    a.axvline(steps, color="black", lw=0.6)
    a.set_yscale("log")
    a.set_xlabel("step")
    a.set_ylabel("attention captured by loud agents (log)")
    a.set_title(fit_title("Captured attention over time, per side · mean over seeds", a))
    for arm in DEFENCES:
        for side, ls in zip(SIDES, ("-", "--")):
            sub = by_sal[(by_sal["defence"] == arm) & (by_sal["side"] == side)]
            b.plot(sub["salience"], sub["captured_attention"], marker="o", ms=3, ls=ls,
                   color=colors[arm])
    b.axhline(fair, color="grey", ls=":")
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xlabel("loud agents' salience (key norm ÷ opinion norm)")
    b.set_ylabel("attention captured at step 0 (log)")
    b.set_title(fit_title("Capture vs loudness at step 0, per side", b))
    handles = [Line2D([], [], color=colors[arm], label=arm) for arm in ARMS]
    handles += [Line2D([], [], color="black", ls="-", label="campaign side"),
                Line2D([], [], color="black", ls="--", label="far side"),
                Line2D([], [], color="grey", ls=":", label=f"fair share {fair:.1%}")]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
               fontsize="small", frameon=False)
    dist = ts.assign(distance=(ts["distance_campaign"] + ts["distance_far"]) / 2)
    metric_timeseries(dist, y="distance", hue="defence", ax=c, colors=colors)
    c.get_legend().remove()
    c.set_ylabel("mean distance to the campaign opinion")
    c.set_title(fit_title("Population pulled to the campaign · mean ± 95% CI over seeds", c))
    return fig


def _pct(x):
    return f"{100 * x:.3g}%"


def _pp(x):
    """A difference of shares, in percentage points."""
    return f"{100 * x:+.3g} pp"


def main(argv=None):
    """Run the scenario from the command line; return its key numbers."""
    args = parse_args(NAME, __doc__, argv)
    params = size(args, tiny=dict(n_agents=60, n_loud=2, steps=8, seeds=3,
                                  saliences=[1.0, 10.0, 100.0]),
                  default=dict(n_agents=200, n_loud=5, steps=30, seeds=5),
                  full=dict(n_agents=1000, n_loud=25, steps=60, seeds=10,
                            saliences=np.geomspace(1, 300, 30)))
    ts, by_sal, fair = run(seed=args.seed, **params)
    steps = params["steps"]
    out = output_dir(args.out)
    files = [save_table(ts, out, "captured_attention"),
             save_table(by_sal, out, "captured_by_salience"),
             save_figure(figure(ts, by_sal, fair, steps), out, NAME)]
    res, paired = analyse(ts, fair, steps)
    d, k, c = DEFENCES
    near, far = res[(d, "campaign")], res[(d, "far")]

    def vs_fair(r, key):
        return {1: "above", -1: "below", 0: "not significantly different from"}[r[key].sign]

    text = [f"""{params['n_loud']} loud agents (key norm ×30; fair share {_pct(fair)}) under
        dot-product affinity capture {_pct(near['start'])} of the attention of listeners on
        the campaign's side at the start ({vs_fair(near, 'start_vs_fair')} the fair share,
        95% CI {_pct(near['start_ci'][0])}–{_pct(near['start_ci'][1])}) but
        {_pct(far['start'])} on the far side ({vs_fair(far, 'start_vs_fair')} it)."""]
    if near["start_vs_fair"].sign != far["start_vs_fair"].sign:
        overall = ts[(ts["step"] == 0) & (ts["defence"] == d)]["captured_attention"].mean()
        text.append(f"The mean over everyone, {_pct(overall)}, describes neither side.")
    if near["stable"] == "still changing" or far["stable"] == "still changing":
        text.append(f"""After {steps} and {4 * steps} steps the capture is still changing
            (campaign side {_pct(near['after'])} → {_pct(near['after_4x'])}, far side
            {_pct(far['after'])} → {_pct(far['after_4x'])}).""")
    else:
        text.append(f"""After the dynamics (the same after {steps} and {4 * steps} steps)
            the loud agents hold {_pct(near['after_4x'])} of the campaign side's attention
            and {_pct(far['after_4x'])} of the far side's, which now sits
            {far['distance_after']:.2f} from the campaign opinion
            ({near['distance_after']:.2f} on the campaign side): """ + (
            "the campaign side, captured first, carried the far side with it."
            if far["after_4x"] > 10 * far["start"] and far["after_vs_fair"].sign > 0
            else "the far side was not carried along."))
    for arm in (k, c):
        p_near = paired[(arm, "campaign")]
        r_near = res[(arm, "campaign")]
        quiet = p_near["vs_quiet_v"].choose(
            f"{'above' if p_near['vs_quiet'] > 0 else 'below'} what the same campaigners get "
            f"at salience 1 ({_pp(p_near['vs_quiet'])}, 95% CI "
            f"{_pp(p_near['vs_quiet_ci'][0])} to {_pp(p_near['vs_quiet_ci'][1])})",
            f"not significantly different from what the same campaigners get at salience 1 "
            f"({_pp(p_near['vs_quiet'])}, 95% CI {_pp(p_near['vs_quiet_ci'][0])} to "
            f"{_pp(p_near['vs_quiet_ci'][1])})")
        cut = p_near["vs_dot_v"].choose(f"cuts the campaign side's capture to "
                                        f"{_pct(r_near['start'])}",
                                        "does not significantly change the campaign side's "
                                        f"capture ({_pct(r_near['start'])})")
        d_mid = 0.5 * (r_near["distance_mid"] + res[(arm, "far")]["distance_mid"])
        d_end = 0.5 * (r_near["distance_after"] + res[(arm, "far")]["distance_after"])
        moving = verdict(horizons=[d_mid, d_end], rtol=0.0, atol=0.02, value=d_end,
                         threshold=0.05, label="distance")
        text.append(f"""{arm.capitalize()} {cut} at the start (paired change
            {_pp(p_near['vs_dot'])}, 95% CI {_pp(p_near['vs_dot_ci'][0])} to
            {_pp(p_near['vs_dot_ci'][1])}), {quiet}; the far side gives
            {_pct(res[(arm, 'far')]['start'])}. The population's mean distance to the
            campaign opinion is {d_mid:.2f} after {steps} steps and {d_end:.2f} after
            {4 * steps} """ + moving.choose(
            "steps: it stays away from the campaign.",
            "steps: it has reached the campaign.",
            "steps: still changing — the zealots keep pulling, so the defence slows the "
            "campaign rather than stopping it."))
    print_finding(NAME, " ".join(text), files)
    ret = {"fair_share": fair}
    names = {d: "dot", k: "clip", c: "cosine", QUIET: "quiet"}
    for (arm, side), r in res.items():
        key = f"{names[arm]}_{side}"
        ret[f"captured_{key}_step0"] = r["start"]
        ret[f"captured_{key}"] = r["after_4x"]
        ret[f"captured_{key}_verdict_step0"] = (r["start_vs_fair"].status,
                                                r["start_vs_fair"].sign)
        ret[f"distance_{key}"] = r["distance_after"]
        ret[f"stable_{key}"] = r["stable"]
    for (arm, side), p in paired.items():
        key = f"{names[arm]}_{side}"
        ret[f"reduction_{key}_ci"] = p["vs_dot_ci"]
        ret[f"vs_quiet_{key}_ci"] = p["vs_quiet_ci"]
    return ret


if __name__ == "__main__":
    main()
