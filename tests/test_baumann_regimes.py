"""The three regimes of Baumann et al. (2020) at their published parameters, over seeds.

K = 3, m = 10, ε = 0.01, γ = 2.1, r = 0.5, dt = 0.01; N = 500 here (the
``radicalization`` scenario and ``benchmarks/bench_activity.py`` show the same
at N = 1000), horizon t = 10 (1000 steps), 8 seeds per regime. Each claim is a
statement over the seeds: the regime's definition
(:func:`opinionsim.activity_driven.regime`) holds in 8 of 8 seeds (a
Clopper–Pearson 95% lower bound of 0.69 on the rate) and a summary number's
95% t-interval over seeds clears its threshold. Radicalisation and
polarisation are the same at t = 5 as at t = 10 (the stated horizon is past the
transient); consensus is an approach to 0, still halving the largest |x| between
t = 5 and t = 10.
"""

import numpy as np
import pytest
from scipy import stats

from opinionsim import ActivityDrivenModel
from opinionsim.activity_driven import regime, valley_ratio
from opinionsim.metrics import null_model

pytestmark = pytest.mark.slow

N, SEEDS, STEPS, WINDOW = 500, 8, 1000, 100
PAPER = dict(social_influence=3.0, contacts=10, min_activity=0.01, activity_exponent=2.1,
             reciprocity=0.5, dt=0.01)


def run(alpha, beta, seed):
    m = ActivityDrivenModel(N, controversialness=alpha, homophily=beta, seed=seed, reporters=[],
                            **PAPER)
    m.run(STEPS // 2)
    half = m.opinions[:, 0].copy()
    m.run(STEPS - WINDOW - m.steps)
    A = m.run_aggregate(WINDOW)  # the interaction network of the last WINDOW steps
    return half, m.opinions[:, 0].copy(), A


def ci(values):
    v = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return v.mean() - half, v.mean() + half


@pytest.fixture(scope="module")
def runs():
    return {name: [run(alpha, beta, seed) for seed in range(SEEDS)]
            for name, (alpha, beta) in {"consensus": (0.05, 3.0),
                                        "radicalisation": (3.0, 0.0),
                                        "polarisation": (3.0, 3.0)}.items()}


@pytest.mark.parametrize("name", ["radicalisation", "polarisation"])
def test_regime_holds_in_every_seed_and_is_stable_over_the_horizon(runs, name):
    for half, x, _ in runs[name]:
        assert regime(half) == regime(x) == name


def test_small_controversialness_gives_neutral_consensus(runs):
    # α = 0.05: every |x_i| falls toward 0 (from |x| ~ 1 at t = 0), still shrinking at t = 10.
    assert all(regime(x) == "consensus" for _, x, _ in runs["consensus"])
    largest = [np.abs(x).max() for _, x, _ in runs["consensus"]]
    assert ci(largest)[1] < 0.01
    assert all(np.abs(x).max() < 0.5 * np.abs(half).max() for half, x, _ in runs["consensus"])


def test_without_homophily_everybody_radicalises_to_one_side(runs):
    # α = 3, β = 0: one sign for all agents, far from 0.
    for _, x, _ in runs["radicalisation"]:
        assert min(np.mean(x > 0), np.mean(x < 0)) == 0.0
    assert ci([np.abs(x).mean() for _, x, _ in runs["radicalisation"]])[0] > 1.0


def test_with_homophily_two_camps_form_echo_chambers(runs):
    # α = 3, β = 3: both signs, bimodal, and neighbours in the interaction network agree.
    minority, valley, agree, chance, z = [], [], [], [], []
    for seed, (_, x, A) in enumerate(runs["polarisation"]):
        p = np.mean(x > 0)
        minority.append(min(p, 1 - p))
        valley.append(valley_ratio(x))
        rows, cols = A.nonzero()
        agree.append(np.mean(np.sign(x[rows]) == np.sign(x[cols])))
        chance.append(p * p + (1 - p) * (1 - p))  # agreement of a shuffled assignment
        res = null_model("echo_chamber_index", x[:, None], A, kind="shuffle", n_samples=100,
                         rng=seed)
        z.append(res.z)
    assert ci(minority)[0] > 0.35
    assert ci(valley)[1] < 0.5
    assert ci(agree)[0] > 0.85 and ci(chance)[1] < 0.55
    assert min(z) > 3
