"""The explorer's model: the twin is paired draw for draw, a replayed twin equals a forked one,
live changes reach both arms, and the views read what they say."""

import numpy as np
import pytest

from opinionsim import OpinionSimError
from opinionsim.app.explorer import HEATMAP_AGENTS, MAX_NETWORK_VIEW, ExplorerModel
from opinionsim.app.treatments import TREATMENTS
from opinionsim.metrics import CLUSTER_TOL, opinion_clusters

SMALL = dict(n_agents=200, k=6, temperature=0.05, noise=0.02, background=False)


def _run(model, steps):
    for _ in range(steps):
        model.step()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_twin_draws_the_same_numbers_until_the_intervention_acts(seed):
    m = ExplorerModel(**SMALL, seed=seed)
    _run(m, 3)
    m.treat("set_temperature", {"temperature": 1.0}, at=6)
    _run(m, 10)
    steps, diff = m.tracker.paired("variance")
    assert steps[0] == 3 and steps[-1] == 13
    assert np.all(diff[steps <= 6] == 0.0)  # noise included: exactly the same draws
    assert np.all(diff[steps >= 8] != 0.0)
    assert m.treated.interventions_applied[-1][0] == 6


@pytest.mark.parametrize("name", list(TREATMENTS))
def test_a_twin_replayed_from_the_seed_equals_one_forked_at_the_step(name):
    values = TREATMENTS[name].defaults()
    forked = ExplorerModel(**SMALL, seed=4)
    _run(forked, 5)
    forked.set_live("noise", 0.05)  # a live change before the intervention, in both arms
    forked.treat(name, values, at=5)
    _run(forked, 10)
    forked.set_live("temperature", 0.2)  # and one after
    _run(forked, 5)

    replayed = ExplorerModel(**SMALL, seed=4)
    _run(replayed, 5)
    replayed.set_live("noise", 0.05)
    _run(replayed, 10)
    replayed.set_live("temperature", 0.2)
    _run(replayed, 5)
    replayed.treat(name, values, at=5)  # in the past: rebuilt from the seed and replayed

    assert replayed.treated.steps == forked.treated.steps == 20
    assert np.array_equal(replayed.treated.opinions, forked.treated.opinions)
    assert np.array_equal(replayed.control.opinions, forked.control.opinions)
    for metric in ("variance", "morales_index"):
        s_f, d_f = forked.tracker.paired(metric)
        s_r, d_r = replayed.tracker.paired(metric)
        assert s_f.tolist() == s_r.tolist() == list(range(5, 21))
        assert np.array_equal(d_f, d_r)


def test_live_changes_reach_both_arms_and_are_logged():
    m = ExplorerModel(**SMALL, seed=1)
    m.treat("clip_keys", {"max_norm": 0.5}, at=0)
    m.step()
    m.set_live("temperature", 0.3)
    assert m.control.temperature == m.treated.temperature == 0.3
    assert m.live["temperature"] == 0.3
    assert [type(iv).__name__ for _, iv in m.treated.interventions_applied] == \
        ["ClipKeyNorm", "SetTemperature"]
    with pytest.raises(OpinionSimError, match="temperature == -1.0"):
        m.set_live("temperature", -1.0)


def test_clearing_and_bad_requests_leave_a_consistent_model():
    m = ExplorerModel(**SMALL, seed=1)
    with pytest.raises(OpinionSimError, match="treatment == 'nudge', must be one of"):
        m.treat("nudge", {}, at=0)
    with pytest.raises(OpinionSimError, match="at == -1"):
        m.treat("pin", TREATMENTS["pin"].defaults(), at=-1)
    with pytest.raises(OpinionSimError, match=r"share == 80.0, must be in \[0.1, 50.0\]"):
        m.treat("pin", {"share": 80.0, "opinion": 1.0}, at=0)
    assert m.treated is None
    m.treat("pin", TREATMENTS["pin"].defaults(), at=0)
    m.clear_treatment()
    assert m.treated is None and m.tracker.paired("variance")[0].size == 0


def test_pin_pins_the_share_asked_for_at_the_opinion_asked_for():
    m = ExplorerModel(**SMALL, seed=1)
    m.treat("pin", {"share": 10.0, "opinion": 0.8}, at=0)
    _run(m, 3)
    pinned = m.treated.zealots
    assert len(pinned) == 20
    assert np.all(m.treated.opinions[m.treated.rows_of(pinned)] == 0.8)


def test_settings_shape_the_model():
    m = ExplorerModel(n_agents=500, k=4, dim=2, zealots=10.0, seed=5, background=False)
    assert m.control.n_agents == 500 and m.dim == 2
    assert len(m.control.zealots) == 50
    assert m.graph_spec == {"kind": "watts_strogatz", "n": 500, "k": 4, "p": 0.1}
    assert m.layout.shape == (500, 2) and len(m.edges) == 1000
    big = ExplorerModel(n_agents=5000, network="erdos_renyi", seed=1, background=False)
    assert big.n_agents > MAX_NETWORK_VIEW and big.layout is None


def test_the_scatter_numbers_clusters_by_size():
    m = ExplorerModel(n_agents=500, dim=2, temperature=0.01, seed=2, background=False)
    _run(m, 30)
    _, ranks = m.scatter()
    counts = np.bincount(ranks)
    assert np.all(np.diff(counts) <= 0)  # cluster 0 is the largest
    expected = opinion_clusters(m.control.opinions[m.scatter_rows], tol=CLUSTER_TOL)
    assert len(counts) == len(set(np.asarray(expected).tolist()))


def test_the_attention_block_is_a_neighbourhood_sorted_by_cluster():
    m = ExplorerModel(n_agents=1000, temperature=0.02, seed=3, background=False)
    _run(m, 20)
    M, sizes, step, agents = m.attention_block()
    assert step == 20 and M.shape == (HEATMAP_AGENTS, HEATMAP_AGENTS)
    assert sorted(agents.tolist()) == sorted(m.heatmap_rows.tolist())
    A = m.control.attention()
    assert np.array_equal(M, A[agents][:, agents].toarray())
    assert np.all(M.sum(axis=1) <= 1.0 + 1e-12)
    # a breadth-first neighbourhood keeps most of each row's attention inside the block
    assert np.median(M.sum(axis=1)) > 0.5
    # the clusters of the sorted agents come in contiguous runs of the stated sizes
    X = m.control.opinions[agents]
    labels = np.asarray(opinion_clusters(X, tol=CLUSTER_TOL))
    runs = np.split(labels, np.cumsum(sizes)[:-1])
    assert all(len(set(run.tolist())) == 1 for run in runs)
    assert len({run[0] for run in runs}) == len(sizes)
    centres = [X[np.cumsum(sizes)[i] - sizes[i]:np.cumsum(sizes)[i], 0].mean()
               for i in range(len(sizes))]
    assert np.all(np.diff(centres) >= 0)  # ordered along the first opinion dimension
