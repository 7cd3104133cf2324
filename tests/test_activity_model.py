"""ActivityDrivenModel: validation, reproducibility, the network it exposes, reporters,
interventions, the model registry, and a closed form through the whole shell."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

import opinionsim
from opinionsim import ActivityDrivenModel, OpinionModel, OpinionSimError, kernels, metrics
from opinionsim.activity_driven import mean_activity
from opinionsim.activity_model import ACTIVITY_PARAMETERS
from opinionsim.base import BaseModel
from opinionsim.interventions import (
    Compose, CutTies, Pin, SetAffinity, SetControversialness, SetHomophily, SetSocialInfluence,
    SetTemperature,
)
from opinionsim.models import MODEL_NAMES, model_class


def small(**kw):
    kw.setdefault("seed", 3)
    kw.setdefault("reporters", [])
    return ActivityDrivenModel(kw.pop("n", 120), **kw)


# ---- construction ----------------------------------------------------------------------
@pytest.mark.parametrize("kw, match", [
    ({"social_influence": -1}, r"social_influence == -1.0, must be in \[0.0, inf\]"),
    ({"controversialness": float("nan")}, "controversialness == nan"),
    ({"homophily": -0.5}, "homophily == -0.5"),
    ({"reciprocity": 1.5}, r"reciprocity == 1.5, must be in \[0.0, 1.0\]"),
    ({"contacts": 0}, r"contacts == 0, must be an integer in \[1, n_agents − 1\] = \[1, 119\]"),
    ({"contacts": 120}, "contacts == 120"),
    ({"contacts": 2.5}, "contacts == 2.5"),
    ({"min_activity": 0.0}, r"min_activity == 0.0, must be in \(0.0, 1.0\]"),
    ({"activity_exponent": float("inf")}, "activity_exponent == inf"),
    ({"dt": 0}, r"dt == 0.0, must be in \(0.0, inf\]"),
    ({"record_every": 0}, "record_every == 0"),
    ({"initial_opinions": np.zeros(5)}, r"initial_opinions has shape \(5, 1\)"),
    ({"activities": np.full(120, 1.5)}, r"activities == 1.5 \(agent 0\), must be in \(0, 1\]"),
    ({"reporters": ["attention_entropy"]}, "'attention_entropy' does not apply"),
    ({"seed": -1}, "seed == -1"),
])
def test_invalid_arguments_name_the_parameter(kw, match):
    with pytest.raises(OpinionSimError, match=match):
        small(**kw)


def test_n_agents_is_validated():
    for bad in (1, 0, 2.0, True):
        with pytest.raises(OpinionSimError, match="n_agents"):
            ActivityDrivenModel(bad)


def test_defaults_are_the_papers():
    m = ActivityDrivenModel(seed=0, reporters=[])
    assert (m.n_agents, m.contacts, m.min_activity, m.activity_exponent, m.reciprocity,
            m.dt) == (1000, 10, 0.01, 2.1, 0.5, 0.01)
    assert (m.social_influence, m.controversialness, m.homophily) == (3.0, 3.0, 3.0)
    assert {p.name: p.default for p in ACTIVITY_PARAMETERS.values() if p.public} == {
        "social_influence": 3.0, "controversialness": 3.0, "homophily": 3.0, "reciprocity": 0.5,
        "contacts": 10, "activity_exponent": 2.1, "min_activity": 0.01, "dt": 0.01}
    assert isinstance(m, BaseModel) and m.dim == 1 and len(m.agents) == 1000
    x0 = m.initial_opinions[:, 0]
    assert -1 <= x0.min() and x0.max() <= 1 and stats.kstest(x0, "uniform", (-1, 2)).pvalue > 1e-3
    a = m.activities
    assert abs(a.mean() - mean_activity(2.1, 0.01)) < 4 * a.std() / np.sqrt(len(a))


def test_given_activities_and_opinions_are_used_and_read_only():
    a = np.linspace(0.1, 1.0, 120)
    x0 = np.linspace(-1, 1, 120)
    m = small(activities=a, initial_opinions=x0)
    np.testing.assert_array_equal(m.activities, a)
    np.testing.assert_array_equal(m.opinions[:, 0], x0)
    with pytest.raises(ValueError):
        m.activities[0] = 0.5


# ---- reproducibility -------------------------------------------------------------------
def trajectory(m, steps):
    out = []
    for _ in range(steps):
        m.step()
        out.append((m.opinions.copy(), m.network.adjacency.copy()))
    return out


def test_same_seed_same_run_bit_for_bit_and_other_seeds_differ():
    a, b, c = small(seed=11), small(seed=11), small(seed=12)
    ta, tb, tc = trajectory(a, 30), trajectory(b, 30), trajectory(c, 30)
    for (xa, Aa), (xb, Ab) in zip(ta, tb):
        np.testing.assert_array_equal(xa, xb)
        assert (Aa != Ab).nnz == 0
    assert not np.array_equal(ta[-1][0], tc[-1][0])


def test_kernels_off_gives_the_same_run():
    on = trajectory(small(seed=4, homophily=3.0), 25)
    with kernels.disabled():
        off = trajectory(small(seed=4, homophily=3.0), 25)
    for (x1, A1), (x2, A2) in zip(on, off):
        np.testing.assert_array_equal(x1, x2)
        assert (A1 != A2).nnz == 0


# ---- the network -----------------------------------------------------------------------
def test_network_is_the_latest_steps_contacts():
    # Rebuild who was active from the documented stream, then check the direction of A_ij:
    # an active agent hears its m contacts; an inactive one hears only active agents that
    # contacted it (a reciprocation), so j -> i must exist too.
    from opinionsim import _random

    m = small(n=200, seed=5)
    assert m.network.adjacency.nnz == 0 and m.network.version == 0
    for t in range(1, 40):
        m.step()
        A = m.network.adjacency
        assert m.network.version == t
        assert A.shape == (200, 200) and A.diagonal().sum() == 0
        assert set(np.unique(A.data)) <= {1.0}
        active = _random.stream(m.seed, _random.ACTIVATION, t).random(200) < m.activities
        out_degree = np.diff(A.indptr)
        assert np.all(out_degree[active] >= m.contacts)
        rows, cols = A.nonzero()
        passive = ~active[rows]
        assert np.all(active[cols[passive]])
        assert np.all(np.asarray(A[cols[passive], rows[passive]]).ravel() == 1)
    assert m.network.listening().shape == (200, 200)


def test_contacts_per_step_match_activity_times_m():
    # Each step, sum_i a_i · m contacts are made on average (each one edge i → j), and
    # each is reciprocated with probability r unless j → i already exists.
    n, m_contacts = 400, 5
    m = small(n=n, contacts=m_contacts, reciprocity=0.0, homophily=0.0, seed=8)
    edges = [m.step() or m.network.adjacency.nnz for _ in range(300)]
    expected = m.activities.sum() * m_contacts
    mean, se = np.mean(edges), np.std(edges) / np.sqrt(len(edges))
    # pairs that meet twice in a step count once: a tiny, known deficit
    assert abs(mean - expected) < 4 * se + 0.01 * expected


def test_reciprocity_one_makes_every_contact_mutual():
    m = small(reciprocity=1.0, seed=9)
    for _ in range(10):
        m.step()
        A = m.network.adjacency
        assert (A != A.T).nnz == 0


def test_run_aggregate_sums_the_steps_networks():
    a, b = small(seed=6), small(seed=6)
    total = a.run_aggregate(15)
    manual = None
    for _ in range(15):
        b.step()
        manual = b.network.adjacency if manual is None else manual + b.network.adjacency
    assert a.steps == 15 and (total != manual).nnz == 0
    with pytest.raises(OpinionSimError, match="steps == 0"):
        a.run_aggregate(0)


# ---- closed form through the model ---------------------------------------------------
def test_no_influence_decays_exactly_as_rk4_of_exp_minus_t():
    m = small(social_influence=0.0, seed=1)
    x0 = m.opinions[:, 0].copy()
    m.run(200)
    dt = m.dt
    R = 1 - dt + dt**2 / 2 - dt**3 / 6 + dt**4 / 24
    np.testing.assert_allclose(m.opinions[:, 0], x0 * R**200, rtol=1e-12)
    np.testing.assert_allclose(m.opinions[:, 0], x0 * np.exp(-m.time), rtol=1e-9)
    assert m.time == pytest.approx(2.0)


# ---- reporters -------------------------------------------------------------------------
def test_default_reporters_and_own_reporters():
    m = ActivityDrivenModel(150, seed=2)
    m.run(30)
    df = m.datacollector.get_model_vars_dataframe()
    assert list(df.columns) == ["step", "mean_opinion", "variance", "max_change",
                                "mean_abs_opinion", "fraction_positive",
                                "activity_extremity_correlation"]
    x = m.opinions[:, 0]
    last = df.iloc[-1]
    assert last["mean_abs_opinion"] == pytest.approx(np.abs(x).mean())
    assert last["fraction_positive"] == pytest.approx(np.mean(x > 0))
    rho = stats.spearmanr(m.activities, np.abs(x)).statistic
    assert last["activity_extremity_correlation"] == pytest.approx(rho)
    assert last["max_change"] == pytest.approx(m.last_change) and m.last_change > 0


def test_network_reporters_and_null_models_work_on_it():
    m = ActivityDrivenModel(150, seed=2, reporters={
        "eci": "echo_chamber_index", "nc": "neighbor_correlation",
        "mod": "echo_chamber_modularity", "bc": "bimodality_coefficient",
        "own": "fraction_positive", "lam": lambda model: float(model.time)})
    m.run(20)
    row = m.datacollector.get_model_vars_dataframe().iloc[-1]
    assert np.isfinite(row[["eci", "nc", "mod", "bc"]].astype(float)).all()
    assert row["lam"] == pytest.approx(0.2)
    res = metrics.null_model("echo_chamber_index", m.opinions, m.network.adjacency,
                             kind="shuffle", n_samples=20, rng=0)
    assert np.isfinite(res.z) or res.null_sd == 0


def test_run_until_works():
    m = small(controversialness=0.05, seed=1)
    steps, ok = m.run_until(lambda model: np.abs(model.opinions).max() < 0.5, max_steps=500,
                            check_every=10)
    assert ok and steps % 10 == 0 and np.abs(m.opinions).max() < 0.5


# ---- interventions ---------------------------------------------------------------------
def test_pin_holds_agents_fixed_and_they_still_speak():
    m = small(seed=4, homophily=0.0, reciprocity=1.0)
    m.do(Pin([0, 1], opinion=2.0))
    heard = 0
    for _ in range(50):
        m.step()
        assert m.opinions[0, 0] == 2.0 and m.opinions[1, 0] == 2.0
        heard += m.network.adjacency[:, [0, 1]].sum()
    assert heard > 0 and m.zealots == [0, 1]


def test_activity_interventions_replace_the_parameter():
    m = small(seed=4)
    m.do(Compose(SetHomophily(0.0), SetControversialness(0.5), SetSocialInfluence(1.0)))
    assert (m.homophily, m.controversialness, m.social_influence) == (0.0, 0.5, 1.0)
    with pytest.raises(OpinionSimError, match="homophily == -1.0"):
        SetHomophily(-1)


def test_setting_the_current_value_changes_nothing_bit_for_bit():
    a, b = small(seed=7), small(seed=7, interventions={5: SetHomophily(3.0)})
    a.run(20)
    b.run(20)
    np.testing.assert_array_equal(a.opinions, b.opinions)


def test_paired_runs_share_their_random_numbers():
    # At β = 0 whom an agent contacts does not depend on opinions, so a change of α changes
    # the opinions but, with common random numbers, not one contact.
    a = small(seed=7, homophily=0.0)
    b = small(seed=7, homophily=0.0, interventions={0: SetControversialness(0.05)})
    for _ in range(30):
        a.step()
        b.step()
        assert (a.network.adjacency != b.network.adjacency).nnz == 0
    assert np.abs(a.opinions - b.opinions).max() > 0.01


@pytest.mark.parametrize("iv", [SetAffinity("cosine"), SetTemperature(0.1),
                                CutTies(edges=[(0, 1)])])
def test_interventions_for_the_attention_model_are_refused_by_name(iv):
    m = small()
    before = m.opinions.copy()
    with pytest.raises(OpinionSimError,
                       match=f"{type(iv).__name__} applies to OpinionModel, not "
                             "ActivityDrivenModel"):
        m.do(iv)
    with pytest.raises(OpinionSimError, match="applies to OpinionModel"):
        m.do(Compose(Pin([0], opinion=1.0), iv))
    np.testing.assert_array_equal(m.opinions, before)
    assert m.rule.fixed is None and m.interventions_applied == []
    with pytest.raises(OpinionSimError, match=r"interventions\[3\] .* is invalid: .*applies to"):
        small(interventions={3: iv})


def test_activity_interventions_are_refused_by_the_attention_model():
    with pytest.raises(OpinionSimError,
                       match="SetHomophily applies to ActivityDrivenModel, not OpinionModel"):
        OpinionModel(n_agents=5, seed=0).do(SetHomophily(1.0))
    m = OpinionModel(n_agents=5, seed=0)
    m.do(Pin([0], opinion=0.5))  # Pin applies to both
    assert m.zealots == [0]


# ---- registry and export ---------------------------------------------------------------
def test_registry_and_lazy_export():
    from opinionsim.models import MODELS

    assert MODEL_NAMES == ("opinion", "activity_driven")
    assert MODELS == {"opinion": OpinionModel, "activity_driven": ActivityDrivenModel}
    assert model_class("activity_driven") is opinionsim.ActivityDrivenModel
    assert "ActivityDrivenModel" in opinionsim.__all__
    with pytest.raises(OpinionSimError, match="model == 'baumann', must be one of: opinion, "
                                              "activity_driven"):
        model_class("baumann")


def test_non_finite_opinions_are_an_error_at_the_step():
    m = small(social_influence=1e308, controversialness=1.0, homophily=0.0, dt=1e300,
              initial_opinions=np.linspace(-1, 1, 120), seed=1)
    with pytest.raises(OpinionSimError, match="step 1 produced a non-finite opinion"):
        m.run(5)


def test_repr_names_the_parameters():
    assert repr(small(seed=3)).startswith("ActivityDrivenModel(n_agents=120, K=3.0, alpha=3.0, "
                                          "beta=3.0, m=10, r=0.5, seed=3, steps=0")


def test_sparse_identity_of_network_type():
    m = small()
    m.step()
    assert isinstance(m.network.adjacency, sp.csr_array)
