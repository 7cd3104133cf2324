"""Tests for opinionsim.causal: paired-seed effects of do-interventions."""

import math
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from opinionsim import OpinionModel, OpinionSimError
from opinionsim import reporters as reporters_module
from opinionsim.causal import AttentionShift, CausalEffect, attention_shift, causal_effect
from opinionsim.interventions import ClipKeyNorm, Compose, CutTies, Pin, SetTemperature

INF = float("inf")


# ---- model factories (module level: picklable for n_jobs > 1) --------------------------
def noisy_model(seed, activation="random_sequential"):
    return OpinionModel(graph=nx.watts_strogatz_graph(16, 4, 0.3, seed=seed), dim=2,
                        temperature=0.3, noise=0.15, activation=activation,
                        activation_rate=0.5, seed=seed, reporters=[])


def async_model(seed):
    return noisy_model(seed, activation="random_async")


def degroot_model(seed):
    """Complete graph, uniform attention, step size 1, noise 0.3 (the coverage example)."""
    return OpinionModel(n_agents=10, temperature=INF, step_size=1.0, noise=0.3, seed=seed,
                        reporters=[])


def symmetric_degroot(seed, n=10):
    """Uniform attention on a complete graph, opinions drawn from the seed with mean exactly 0."""
    half = np.random.default_rng(seed).uniform(-1, 1, n // 2)
    X = np.empty(n)
    X[0::2], X[1::2] = half, -half
    return OpinionModel(n_agents=n, temperature=INF, step_size=1.0, initial_opinions=X,
                        seed=seed, reporters=[])


def failing_for_seed_3(seed):
    if seed == 3:
        raise ValueError("no network for seed 3")
    return noisy_model(seed)


def outcome_failing_for_seed_2(model):
    if model.seed == 2 and model.steps == 4:
        raise RuntimeError("metric exploded")
    return float(model.opinions[:, 0].mean())


def already_run(seed):
    m = noisy_model(seed)
    m.run(3)
    return m


def first_opinion(model):
    return float(model.opinions[0, 0])


# ---- common random numbers: a null intervention has an effect of exactly zero ----------
@pytest.mark.parametrize("make", [noisy_model, async_model])
@pytest.mark.parametrize("outcome", ["variance", "mean_opinion", first_opinion])
def test_null_intervention_has_exactly_zero_effect_for_every_seed(make, outcome):
    eff = causal_effect(make, SetTemperature(0.3), outcome, at=3, horizon=6, seeds=6)
    assert (eff.paired["difference"] == 0.0).all()
    assert (eff.paired["control"] == eff.paired["treated"]).all()
    assert eff.ate == 0.0 and eff.stderr == 0.0 and eff.ci == (0.0, 0.0)
    wide = eff.trajectories.pivot_table(index=["seed", "step"], columns="arm", values="value")
    assert (wide["control"] == wide["treated"]).all()
    # ...while the noise and the activation really are on: the outcome moves step to step
    assert eff.trajectories.groupby("seed")["value"].nunique().min() > 1


# ---- a closed form with zero variance --------------------------------------------------
@pytest.mark.parametrize("z_plus, z_minus", [(3, 1), (1, 4), (2, 2)])
def test_pinning_zealots_has_the_closed_form_effect_on_every_seed(z_plus, z_minus):
    """Z⁺ agents pinned at +1 and Z⁻ at −1 move the free agents to (Z⁺−Z⁻)/(Z⁺+Z⁻).

    Control opinions have mean exactly 0, so the control arm converges to 0 and
    the effect on the free agents' mean is the closed form, whatever the seed.
    """
    plus = list(range(z_plus))
    minus = list(range(z_plus, z_plus + z_minus))
    free = list(range(z_plus + z_minus, 10))
    iv = Compose(Pin(plus, opinion=1.0), Pin(minus, opinion=-1.0))

    def free_mean(model):
        return float(model.opinions[free, 0].mean())

    eff = causal_effect(symmetric_degroot, iv, free_mean, at=2, horizon=80, seeds=8)
    closed_form = (z_plus - z_minus) / (z_plus + z_minus)
    assert np.allclose(eff.paired["difference"], closed_form, rtol=0, atol=1e-12)
    assert np.allclose(eff.paired["control"], 0.0, rtol=0, atol=1e-12)
    assert eff.ate == pytest.approx(closed_form, abs=1e-12)
    assert eff.stderr < 1e-12


# ---- paired beats unpaired; the interval covers the truth at the nominal rate ------------
def test_paired_stderr_is_no_larger_than_unpaired():
    """Does lowering the temperature change the spread of opinions? Paired vs independent arms."""
    iv = SetTemperature(0.1)
    n = 30
    paired = causal_effect(async_model, iv, "variance", at=2, horizon=8, seeds=n)
    other = causal_effect(async_model, iv, "variance", at=2, horizon=8,
                          seeds=range(1000, 1000 + n))
    control, treated = paired.paired["control"], other.paired["treated"]  # independent arms
    unpaired_stderr = math.sqrt(control.var(ddof=1) / n + treated.var(ddof=1) / n)
    assert paired.stderr <= unpaired_stderr
    # common random numbers remove most of the seed-to-seed variation here (0.023 vs 0.065)
    assert paired.stderr < 0.5 * unpaired_stderr


def test_interval_covers_the_known_effect_at_the_nominal_rate():
    """DeGroot with noise on a complete graph (N = 10, step size 1), Pin Z = 2 agents at +1.

    The population mean follows m(t+1) = m(t) + noise in the control arm and
    m(t+1) = Z/N + (F/N)·m(t) + noise in the treated one (F = N − Z free agents;
    zealots get no noise), so with E[x_i(0)] = 0 the true effect after h steps is
    1 − (F/N)^(h+1).
    """
    n_agents, z, horizon, n_seeds, reps = 10, 2, 3, 10, 200
    truth = 1 - ((n_agents - z) / n_agents) ** (horizon + 1)
    iv = Pin(list(range(z)), opinion=1.0)
    covered, differences = 0, []
    for r in range(reps):
        eff = causal_effect(degroot_model, iv, "mean_opinion", at=0, horizon=horizon,
                            seeds=range(r * n_seeds, (r + 1) * n_seeds))
        covered += eff.ci[0] <= truth <= eff.ci[1]
        differences.extend(eff.paired["difference"])
    # two-sided 99.9% acceptance region of Binomial(200, 0.95)
    low, high = stats.binom.ppf(0.0005, reps, 0.95), stats.binom.isf(0.0005, reps, 0.95)
    assert low <= covered <= high, covered
    differences = np.asarray(differences)
    pooled_se = differences.std(ddof=1) / math.sqrt(len(differences))
    assert abs(differences.mean() - truth) < 4 * pooled_se


# ---- a failing seed loses nothing else -------------------------------------------------
def test_failing_make_model_is_reported_with_its_seed_and_the_rest_kept():
    iv = Pin([0], opinion=1.0)
    with pytest.warns(RuntimeWarning, match="seed 3: ValueError: no network for seed 3"):
        eff = causal_effect(failing_for_seed_3, iv, "mean_opinion", at=1, horizon=3, seeds=6)
    assert eff.failures.to_dict("records") == [
        {"seed": 3, "error": "ValueError", "message": "no network for seed 3"}]
    assert eff.paired["seed"].tolist() == [0, 1, 2, 4, 5]
    clean = causal_effect(noisy_model, iv, "mean_opinion", at=1, horizon=3, seeds=[0, 1, 2, 4, 5])
    pd.testing.assert_frame_equal(eff.paired, clean.paired)
    assert (eff.ate, eff.stderr, eff.ci) == (clean.ate, clean.stderr, clean.ci)
    assert "1 failed: seeds [3]" in eff.summary()


def test_failing_outcome_is_reported_with_its_seed():
    with pytest.warns(RuntimeWarning, match="seed 2: RuntimeError: metric exploded"):
        eff = causal_effect(noisy_model, SetTemperature(0.1), outcome_failing_for_seed_2,
                            at=2, horizon=4, seeds=4)
    assert eff.failures["seed"].tolist() == [2]
    assert eff.n_seeds == 3 and set(eff.trajectories["seed"]) == {0, 1, 3}


def test_every_seed_failing_raises_listing_them():
    def broken(model):
        return float("nan")

    with pytest.raises(OpinionSimError, match="(?s)every seed failed.*seed 0.*nan.*seed 1"):
        causal_effect(noisy_model, SetTemperature(0.1), broken, at=0, horizon=1, seeds=2)


@pytest.mark.parametrize("make, match", [
    (lambda seed: OpinionModel(n_agents=5, noise=0.1), "must be deterministic in its seed"),
    (lambda seed, m=noisy_model(0): m, "same model object twice"),
    (lambda seed: "model", "must return an OpinionModel"),
    (lambda seed: already_run(seed), "past at == 1"),
])
def test_make_model_misuse_is_explained(make, match):
    with pytest.raises(OpinionSimError, match=match):
        causal_effect(make, SetTemperature(0.1), "variance", at=1, horizon=1, seeds=2)


def test_arms_diverging_before_the_intervention_is_detected():
    rng = np.random.default_rng(0)  # randomness outside the seed

    def leaky(seed):
        return OpinionModel(n_agents=5, temperature=INF, seed=seed,
                            salience=rng.uniform(0.5, 1.5, 5), interventions={
                                1: ClipKeyNorm(float(rng.uniform(0.1, 1)))})

    with pytest.raises(OpinionSimError, match="diverged before the intervention"):
        causal_effect(leaky, SetTemperature(0.1), "variance", at=2, horizon=1, seeds=2)


def test_copies_of_one_run_are_flagged():
    def fixed_seed(seed):
        return noisy_model(7)

    with pytest.warns(RuntimeWarning, match="same model seed"):
        causal_effect(fixed_seed, SetTemperature(0.1), "variance", at=0, horizon=1, seeds=3)


# ---- parallel runs give the same result ------------------------------------------------
def test_result_does_not_depend_on_n_jobs():
    iv = SetTemperature(0.05)
    one = causal_effect(async_model, iv, "variance", at=2, horizon=3, seeds=[5, 1, 9, 2], n_jobs=1)
    two = causal_effect(async_model, iv, "variance", at=2, horizon=3, seeds=[5, 1, 9, 2], n_jobs=2)
    pd.testing.assert_frame_equal(one.paired, two.paired, check_exact=True)
    pd.testing.assert_frame_equal(one.trajectories, two.trajectories, check_exact=True)
    assert (one.ate, one.stderr, one.ci) == (two.ate, two.stderr, two.ci)
    assert one.paired["seed"].tolist() == [5, 1, 9, 2]


def test_every_n_jobs_gives_the_same_result_failures_included():
    """n_jobs = 1, 2, -1 and None: the same tables, the same failures, in the order given."""
    iv = Pin([0], opinion=1.0)
    runs = {}
    for n_jobs in (1, 2, -1, None):
        with pytest.warns(RuntimeWarning, match="seed 3: ValueError"):
            eff = causal_effect(failing_for_seed_3, iv, "mean_opinion", at=1, horizon=2,
                                seeds=[4, 3, 0, 2], n_jobs=n_jobs)
        shift = attention_shift(loud_cause_model, ClipKeyNorm(1.0), source=EFFECT, target=CAUSE,
                                at=1, horizon=2, seeds=3, n_jobs=n_jobs)
        runs[n_jobs] = (eff, shift)
    one, one_shift = runs[1]
    assert one.paired["seed"].tolist() == [4, 0, 2]
    for eff, shift in runs.values():
        pd.testing.assert_frame_equal(one.paired, eff.paired, check_exact=True)
        pd.testing.assert_frame_equal(one.trajectories, eff.trajectories, check_exact=True)
        pd.testing.assert_frame_equal(one.failures, eff.failures, check_exact=True)
        pd.testing.assert_frame_equal(one_shift.paired, shift.paired, check_exact=True)
        assert (eff.ate, eff.ci, shift.shift, shift.ci) == (one.ate, one.ci, one_shift.shift,
                                                            one_shift.ci)


def test_n_jobs_none_with_unpicklable_arguments_runs_here_with_a_deprecation_warning(
        monkeypatch):
    """n_jobs=None meant one process in causal_effect; it now means all cores, as in sweep.

    Calls that relied on the old meaning with a closure keep working, in this
    process, and say how to keep doing so without the warning.
    """
    from opinionsim.experiments import executor

    monkeypatch.setattr(executor, "cpu_count", lambda: 2)  # so that None means 2 workers here

    def closure(seed):
        return noisy_model(seed)

    iv = SetTemperature(0.1)
    with pytest.warns(DeprecationWarning, match="n_jobs=None now means all cores.*n_jobs=1"):
        old = causal_effect(closure, iv, "variance", at=1, horizon=2, seeds=3, n_jobs=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = causal_effect(closure, iv, "variance", at=1, horizon=2, seeds=3, n_jobs=1)
    pd.testing.assert_frame_equal(old.paired, new.paired, check_exact=True)
    with pytest.warns(DeprecationWarning, match="source must be picklable"):
        attention_shift(uniform_cause_model, CutTies([(4, 0)]),
                        source=lambda m: m.opinions[:, 0] > 0, target=CAUSE, at=0, horizon=1,
                        seeds=2, n_jobs=None)
    # An explicit worker count still refuses what cannot reach the workers.
    with pytest.raises(OpinionSimError, match="make_model must be picklable"):
        causal_effect(closure, iv, "variance", at=1, horizon=2, seeds=3, n_jobs=2)


# ---- replicates and seeds: what make_model receives ------------------------------------
def recording_model(seed):
    return OpinionModel(n_agents=6, temperature=0.5, noise=0.1, seed=seed, reporters=[])


def test_seeds_are_replicates_and_the_model_seed_is_the_replicate_id_by_default():
    eff = causal_effect(recording_model, SetTemperature(0.1), "variance", at=1, horizon=1,
                        seeds=4)
    assert eff.paired["seed"].tolist() == [0, 1, 2, 3]
    listed = causal_effect(recording_model, SetTemperature(0.1), "variance", at=1, horizon=1,
                           seeds=[3, 1])
    assert listed.paired["seed"].tolist() == [3, 1]
    assert listed.paired.set_index("seed")["difference"].to_dict() == \
        eff.paired.set_index("seed")["difference"].loc[[3, 1]].to_dict()


def test_a_base_seed_derives_the_model_seeds_as_a_sweep_does():
    from opinionsim.sweep import run_seed

    calls = []

    def make(model_seed):
        calls.append(model_seed)
        return recording_model(model_seed)

    eff = causal_effect(make, SetTemperature(0.1), "variance", at=1, horizon=1, seeds=[0, 2],
                        seed=11)
    expected = [run_seed(11, {}, 0), run_seed(11, {}, 2)]
    assert eff.paired["seed"].tolist() == expected
    assert calls == [expected[0], expected[0], expected[1], expected[1]]  # two arms each
    # ...and it is the same experiment as naming those model seeds as replicate ids
    same = causal_effect(recording_model, SetTemperature(0.1), "variance", at=1, horizon=1,
                         seeds=expected)
    pd.testing.assert_frame_equal(eff.paired, same.paired, check_exact=True)
    shift = attention_shift(uniform_cause_model, ClipKeyNorm(1.0), source=EFFECT, target=CAUSE,
                            at=0, horizon=1, seeds=2, seed=11)
    assert shift.paired["seed"].tolist() == [run_seed(11, {}, 0), run_seed(11, {}, 1)]


@pytest.mark.parametrize("seed, match", [(-1, "seed == -1"), (1.5, "seed == 1.5"),
                                         (True, "seed == True")])
def test_base_seed_is_validated(seed, match):
    with pytest.raises(OpinionSimError, match=match):
        causal_effect(recording_model, SetTemperature(0.1), "variance", at=0, horizon=1,
                      seeds=2, seed=seed)


def test_n_jobs_needs_picklable_arguments():
    with pytest.raises(OpinionSimError, match="make_model must be picklable"):
        causal_effect(lambda s: noisy_model(s), SetTemperature(0.1), "variance", at=0,
                      horizon=1, seeds=2, n_jobs=2)
    with pytest.raises(OpinionSimError, match="intervention must be picklable"):
        causal_effect(noisy_model, CutTies(where=lambda a, b: a[:, 0] > b[:, 0]), "variance",
                      at=0, horizon=1, seeds=2, n_jobs=2)


# ---- the result ------------------------------------------------------------------------
def test_result_tables_and_statistics():
    eff = causal_effect(noisy_model, Pin([0, 1], opinion=[1.0, 1.0]), "mean_opinion", at=2,
                        horizon=3, seeds=5)
    assert isinstance(eff, CausalEffect)
    assert list(eff.paired.columns) == ["seed", "control", "treated", "difference"]
    assert list(eff.trajectories.columns) == ["seed", "step", "arm", "value"]
    d = eff.paired["difference"].to_numpy()
    assert np.array_equal(d, eff.paired["treated"] - eff.paired["control"])
    assert eff.ate == np.mean(d)
    assert eff.stderr == pytest.approx(np.std(d, ddof=1) / math.sqrt(5), rel=1e-12)
    half = stats.t.ppf(0.975, 4) * eff.stderr
    assert eff.ci == pytest.approx((eff.ate - half, eff.ate + half), rel=1e-12)
    traj = eff.trajectories
    assert len(traj) == 5 * 2 * 6
    for (seed, arm), g in traj.groupby(["seed", "arm"]):
        assert g["step"].tolist() == list(range(6))
        assert g["value"].iloc[-1] == eff.paired.set_index("seed").loc[seed, arm]
    wide = traj.pivot_table(index=["seed", "step"], columns="arm", values="value")
    before = wide.index.get_level_values("step") <= 2
    assert (wide["control"][before] == wide["treated"][before]).all()
    assert (wide["control"][~before] != wide["treated"][~before]).any()
    assert f"{eff.ate:.6g}" in repr(eff) and "n_seeds=5" in repr(eff)
    assert "95% CI" in eff.summary() and "paired over 5 seeds" in eff.summary()


def test_plot_defers_to_the_plotting_module():
    import matplotlib

    matplotlib.use("Agg")
    eff = causal_effect(noisy_model, Pin([0], opinion=1.0), "mean_opinion", at=1, horizon=2,
                        seeds=3)
    fig = eff.plot()
    assert len(fig.axes) == 2 and fig.axes[0].get_ylabel() == "mean opinion"


def test_one_seed_gives_an_infinite_interval_with_a_warning():
    with pytest.warns(RuntimeWarning, match="only one seed"):
        eff = causal_effect(noisy_model, Pin([0], opinion=1.0), "variance", at=0, horizon=2,
                            seeds=[4])
    assert math.isfinite(eff.ate)
    assert eff.stderr == INF and eff.ci == (-INF, INF)


def test_metric_names_are_looked_up_when_called(monkeypatch):
    monkeypatch.setitem(reporters_module.REPORTERS, "spread_x",
                        lambda m: float(np.ptp(m.opinions[:, 0])))
    eff = causal_effect(noisy_model, SetTemperature(0.3), "spread_x", at=0, horizon=2, seeds=2)
    assert eff.outcome == "spread_x" and eff.ate == 0.0
    with pytest.raises(OpinionSimError, match="'polarisation'.*known: .*mean_opinion"):
        causal_effect(noisy_model, SetTemperature(0.3), "polarisation", at=0, horizon=2, seeds=2)


@pytest.mark.parametrize("kwargs, match", [
    ({"at": -1}, "at == -1"),
    ({"at": 1.0}, "at == 1.0"),
    ({"horizon": 0}, "horizon == 0"),
    ({"seeds": 0}, "seeds == 0"),
    ({"seeds": []}, "seeds is empty"),
    ({"seeds": [1, 2, 1]}, "seeds contains 1 twice"),
    ({"seeds": [1, -2]}, "seeds contains -2"),
    ({"seeds": "12"}, "seeds == '12'"),
    ({"n_jobs": 0}, "n_jobs == 0"),
    ({"outcome": 3}, "outcome == 3"),
    ({"intervention": "SetTemperature(0.1)"}, "intervention =="),
    ({"make_model": None}, "make_model == None"),
])
def test_arguments_are_validated_before_anything_runs(kwargs, match):
    calls = []

    def counting(seed):
        calls.append(seed)
        return noisy_model(seed)

    args = dict(make_model=counting, intervention=SetTemperature(0.1), outcome="variance",
                at=1, horizon=1, seeds=2)
    args.update(kwargs)
    with pytest.raises(OpinionSimError, match=match):
        causal_effect(**args)
    assert calls == []


# ---- attention_shift: a do-operation on the mechanism moves the effect's attention -------
CAUSE, EFFECT, OTHERS = list(range(0, 4)), list(range(4, 10)), list(range(10, 16))


def cause_effect_graph():
    """The effect group listens to the cause and to the others; those listen among themselves."""
    g = nx.DiGraph()
    g.add_nodes_from(range(16))
    g.add_edges_from((i, j) for i in EFFECT for j in CAUSE + OTHERS)
    g.add_edges_from((i, j) for group in (CAUSE, OTHERS) for i in group for j in group if i != j)
    return g


def loud_cause_model(seed):
    """Loud cause agents (salience 5), all opinions positive, dot-product attention."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.uniform(0.5, 1, 4), rng.uniform(0.2, 1, 6), rng.uniform(0, 1, 6)])
    return OpinionModel(cause_effect_graph(), initial_opinions=X, include_self=False,
                        salience=np.r_[np.full(4, 5.0), np.ones(12)], temperature=0.5,
                        noise=0.02, seed=seed, reporters=[])


def uniform_cause_model(seed):
    return OpinionModel(cause_effect_graph(), include_self=False, temperature=INF, noise=0.1,
                        seed=seed, reporters=[])


def test_cutting_the_cause_ties_removes_the_effects_attention_exactly():
    """Uniform attention: each effect agent gives 4/10 to the cause, and 0 once cut."""
    cut = CutTies([(i, j) for i in EFFECT for j in CAUSE])
    res = attention_shift(uniform_cause_model, cut, source=EFFECT, target=CAUSE, at=2,
                          horizon=3, seeds=5)
    assert isinstance(res, AttentionShift)
    assert list(res.paired.columns) == ["seed", "before", "control_after", "treated_after",
                                        "shift"]
    assert np.allclose(res.paired["before"], 0.4, rtol=0, atol=1e-15)
    assert np.allclose(res.paired["control_after"], 0.4, rtol=0, atol=1e-15)
    assert (res.paired["treated_after"] == 0.0).all()
    assert res.shift == pytest.approx(-0.4, abs=1e-15) and res.stderr < 1e-15


def test_clipping_loud_cause_keys_moves_the_effects_attention_off_the_cause():
    """do(‖k‖ ≤ 1) on the mechanism lowers the attention the effect pays to the cause.

    Immediately (horizon 0) the bound is exact: clipped cause keys all equal 1,
    the others' keys x_j lie in [0, 1] and every listener is positive, so each
    cause agent gets at least the weight of any other speaker: the mass on the
    cause stays >= 4/10, and it drops from where the loud keys had put it.
    """
    now = attention_shift(loud_cause_model, ClipKeyNorm(1.0), source=EFFECT, target=CAUSE,
                          at=2, horizon=0, seeds=10)
    p = now.paired
    assert (p["treated_after"] >= 0.4).all() and (p["treated_after"] < p["before"]).all()
    assert (p["control_after"] == p["before"]).all()
    later = attention_shift(loud_cause_model, ClipKeyNorm(1.0), source=EFFECT, target=CAUSE,
                            at=2, horizon=5, seeds=10)
    assert (later.paired["shift"] < 0).all() and later.ci[1] < 0
    assert "shift = " in later.summary() and "n_seeds=10" in repr(later)


def test_null_intervention_shifts_no_attention_and_groups_may_be_callables():
    def positive(model):
        return model.opinions[:, 0] > 0

    res = attention_shift(loud_cause_model, SetTemperature(0.5), source=positive,
                          target=CAUSE, at=3, horizon=4, seeds=4)
    assert (res.paired["shift"] == 0.0).all() and res.ci == (0.0, 0.0)
    assert res.source == "test_null_intervention_shifts_no_attention_and_groups_may_be_callables" \
        ".<locals>.positive"


def test_callable_groups_are_evaluated_at_the_intervention_step():
    """Complete graph, uniform attention with self: the mass on a group is its size / N."""
    def make(seed):
        return OpinionModel(n_agents=12, temperature=INF, noise=0.3, seed=seed, reporters=[])

    def positive(model):
        return model.opinions[:, 0] > 0

    res = attention_shift(make, SetTemperature(INF), source=[0], target=positive, at=4,
                          horizon=1, seeds=3)
    for seed, before in zip(res.paired["seed"], res.paired["before"]):
        m = make(seed)
        m.run(4)
        assert before == pytest.approx(positive(m).sum() / 12, abs=1e-15)


def test_attention_shift_validates_groups():
    with pytest.raises(OpinionSimError, match="source == 3"):
        attention_shift(uniform_cause_model, ClipKeyNorm(1.0), source=3, target=CAUSE, at=0,
                        horizon=0, seeds=2)
    with pytest.raises(OpinionSimError, match="(?s)every seed failed.*target group is empty"):
        attention_shift(uniform_cause_model, ClipKeyNorm(1.0), source=EFFECT,
                        target=lambda m: np.zeros(16, dtype=bool), at=0, horizon=0, seeds=2)
    with pytest.raises(OpinionSimError, match="node 99"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            attention_shift(uniform_cause_model, ClipKeyNorm(1.0), source=[99], target=CAUSE,
                            at=0, horizon=0, seeds=2)


# ---- attention_shift(head=): which heads matter, one head at a time -----------------------
def two_topic_model(seed):
    """Four agents on a complete graph, two heads (topics) of one dimension each."""
    X = np.random.default_rng(seed).uniform(-1, 1, (4, 2))
    return OpinionModel(n_agents=4, dim=2, heads=[[0], [1]], initial_opinions=X,
                        temperature=0.3, seed=seed, reporters=[])


def test_attention_shift_reads_one_head_against_a_hand_softmax():
    """Ablating head 1 to uniform attention: head 1's mass on {2, 3} becomes 2/4, head 0 keeps
    its own, and the mean over heads moves by half of head 1's shift.

    ``before`` is checked against a softmax computed here by hand: with one
    dimension per head, the dot affinity is x_i x_j (d_k = 1) over T = 0.3.
    """
    from opinionsim.interventions import AblateHead

    source, target = [0, 1], [2, 3]
    kwargs = dict(source=source, target=target, at=0, horizon=0, seeds=4)
    res = {h: attention_shift(two_topic_model, AblateHead(1, mode="uniform"), head=h, **kwargs)
           for h in (0, 1, None)}
    for seed, before in zip(res[1].paired["seed"], res[1].paired["before"]):
        x = two_topic_model(int(seed)).opinions[:, 1]  # make_model is given these seeds
        weights = np.exp(np.outer(x, x) / 0.3)
        weights /= weights.sum(axis=1, keepdims=True)
        expected = weights[source][:, target].sum(axis=1).mean()
        assert before == pytest.approx(expected, abs=1e-12) and abs(expected - 0.5) > 1e-3
    assert np.allclose(res[1].paired["treated_after"], 0.5, rtol=0, atol=1e-15)
    assert (res[0].paired["shift"] == 0).all()
    assert np.allclose(res[None].paired["shift"], res[1].paired["shift"] / 2, rtol=0, atol=1e-12)
    assert res[1].head == 1 and res[None].head is None and "(head 1)" in res[1].summary()


@pytest.mark.parametrize("head", [-1, 1.5, True, "0"])
def test_attention_shift_refuses_a_head_that_is_not_an_index(head):
    with pytest.raises(OpinionSimError, match="head =="):
        attention_shift(two_topic_model, SetTemperature(0.1), source=[0], target=[1], at=0,
                        horizon=0, seeds=2, head=head)
