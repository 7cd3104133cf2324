"""Properties of the dynamics, checked with hypothesis over random graphs and parameters."""

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opinionsim import OpinionModel

INF = float("inf")
SETTINGS = settings(max_examples=25, deadline=None)

affinities = st.sampled_from(["dot", "cosine", "distance"])
temperatures = st.sampled_from([1e-12, 1e-3, 0.05, 1.0, 30.0, 1e6, INF])
activations = st.sampled_from(["synchronous", "random_sequential", "random_async"])


@st.composite
def models(draw, noise=False):
    n = draw(st.integers(2, 25))
    p = draw(st.floats(0.05, 0.9))
    directed = draw(st.booleans())
    gseed = draw(st.integers(0, 1000))
    g = nx.gnp_random_graph(n, p, seed=gseed, directed=directed)
    kw = dict(
        graph=g,
        dim=draw(st.integers(1, 4)),
        temperature=draw(temperatures),
        affinity=draw(affinities),
        step_size=draw(st.sampled_from([0.1, 0.5, 1.0])),
        include_self=draw(st.booleans()),
        activation=draw(activations),
        activation_rate=draw(st.sampled_from([0.3, 1.0])),
        salience=draw(st.sampled_from([1.0, 3.0])),
        stubbornness=draw(st.sampled_from([0.0, 0.2])),
        noise=draw(st.sampled_from([0.0, 0.1])) if noise else 0.0,
        seed=draw(st.integers(0, 2**32)),
    )
    return kw


@SETTINGS
@given(models())
def test_attention_rows_are_nonnegative_and_sum_to_one(kw):
    model = OpinionModel(**kw)
    model.run(2)
    A = model.attention()
    assert A.data.min() >= 0.0
    np.testing.assert_allclose(A.sum(axis=1), 1.0, rtol=1e-12)


@SETTINGS
@given(models())
def test_without_noise_opinions_stay_in_the_initial_range(kw):
    model = OpinionModel(**kw)
    lo, hi = model.opinions.min(axis=0), model.opinions.max(axis=0)
    model.run(5)
    span = np.maximum(hi - lo, 1.0)
    assert np.all(model.opinions >= lo - 1e-12 * span)
    assert np.all(model.opinions <= hi + 1e-12 * span)


@SETTINGS
@given(models(noise=True), st.randoms(use_true_random=False))
def test_relabelling_nodes_permutes_the_trajectory(kw, rnd):
    # Synchronous dynamics are equivariant: relabel nodes, get the same opinions per node.
    kw = dict(kw, activation="synchronous", noise=0.0)
    g = kw.pop("graph")
    perm = list(g.nodes)
    rnd.shuffle(perm)
    h = nx.relabel_nodes(g, {v: f"n{perm[i]}" for i, v in enumerate(g.nodes)})
    h2 = h.__class__()
    h2.add_nodes_from(sorted(h.nodes, key=lambda s: int(s[1:])))
    h2.add_edges_from(h.edges)
    a = OpinionModel(graph=g, **kw)
    x0 = {v: a.opinions[i] for i, v in enumerate(a.nodes)}
    mapping = {f"n{perm[i]}": v for i, v in enumerate(g.nodes)}
    b = OpinionModel(graph=h2, **dict(kw, initial_opinions=np.array(
        [x0[mapping[u]] for u in h2.nodes])))
    a.run(4)
    b.run(4)
    rows_a = {v: i for i, v in enumerate(a.nodes)}
    order = [rows_a[mapping[u]] for u in b.nodes]
    scale = max(1.0, np.abs(a.opinions).max())
    np.testing.assert_allclose(b.opinions, a.opinions[order], rtol=1e-9, atol=1e-9 * scale)


@SETTINGS
@given(models(noise=True))
def test_same_seed_same_trajectory_bit_for_bit(kw):
    a, b = OpinionModel(**kw), OpinionModel(**kw)
    for _ in range(4):
        a.step()
        b.step()
        np.testing.assert_array_equal(a.opinions, b.opinions)


@SETTINGS
@given(st.integers(3, 20), st.integers(1, 3), st.integers(0, 10**6), affinities)
def test_attention_tends_to_argmax_as_temperature_falls(n, dim, seed, affinity):
    x0 = np.random.default_rng(seed).normal(size=(n, dim))
    model = OpinionModel(n_agents=n, dim=dim, temperature=1e-12, affinity=affinity,
                         initial_opinions=x0, seed=0)
    A = model.attention().toarray()
    S = {"dot": x0 @ x0.T / np.sqrt(dim),
         "cosine": (x0 / np.linalg.norm(x0, axis=1, keepdims=True))
         @ (x0 / np.linalg.norm(x0, axis=1, keepdims=True)).T,
         "distance": -((x0[:, None] - x0[None]) ** 2).sum(-1)}[affinity]
    best = S.argmax(axis=1)
    # random normal opinions give distinct scores almost surely; allow exact ties
    top = S == S.max(axis=1, keepdims=True)
    for i in range(n):
        if top[i].sum() == 1:
            assert A[i, best[i]] == pytest.approx(1.0, abs=1e-12)
        else:
            np.testing.assert_allclose(A[i, top[i]], 1.0 / top[i].sum())
    warm = OpinionModel(n_agents=n, dim=dim, temperature=1e-3, affinity=affinity,
                        initial_opinions=x0, seed=0).attention().toarray()
    assert np.all(warm[np.arange(n), best] <= A[np.arange(n), best] + 1e-12)
