"""The kernels' layouts of queries, keys and values with maps and sources (kernels/packing.py):
only what differs from the opinions is derived, keys and values may share one interleaved
array, the sources' rows follow the agents'. Each layout against the reference engine."""

import numpy as np
import pytest
import scipy.sparse as sp

from opinionsim import OpinionModel, SourceSet, kernels
from opinionsim.dynamics import UpdateRule
from opinionsim.dynamics.activation import ACTIVATIONS
from opinionsim.dynamics.influence import Context
from opinionsim.engine import CompleteGraph
from kernel_cases import activation_plan

# (maps, sources?, keys salient or clipped?): one of each layout packing.py makes.
LAYOUTS = {
    "query": (("query_map",), False, False),
    "key": (("key_map",), False, False),
    "value": (("value_map",), False, False),
    "key+value+sources": (("key_map", "value_map"), True, False),
    "query+value+sources": (("query_map", "value_map"), True, False),
    "sources": ((), True, False),
    "sources+salience+clip": ((), True, True),
    "value+salience+clip": (("value_map",), False, True),
    "all+sources+salience+clip": (("query_map", "key_map", "value_map"), True, True),
    "two heads+key+value+sources": (("key_map", "value_map", "heads"), True, False),
}


def layout_tick(name, activation, affinity, seed, complete=False):
    maps, with_sources, salient = LAYOUTS[name]
    rng = np.random.default_rng(seed)
    n, dim = 30, 3
    X = rng.uniform(-1, 1, (n, dim))
    params = {"temperature": 0.4, "affinity": affinity, "noise": 0.1, "stubbornness": 0.1}
    heads = [[0], [1, 2]] if "heads" in maps else [[0, 1, 2]]
    for name_ in maps:
        if name_ != "heads":
            params[name_] = [0.6 * np.eye(len(h)) + 0.3 * rng.normal(size=(len(h), len(h)))
                             for h in heads]
    if "heads" in maps:
        params["heads"] = heads
    else:
        params = {k: v[0] if k.endswith("_map") else v for k, v in params.items()}
    if salient:
        params["salience"] = rng.uniform(0.5, 2.0, n)
        params["key_norm_clip"] = 0.9
    rule = UpdateRule.create(n=n, dim=dim, **params)
    m = 2 if with_sources else 0
    if complete:
        adj = CompleteGraph(n, bool(seed % 2), m)
    else:
        A = (rng.random((n, n)) < 0.3).astype(float)
        np.fill_diagonal(A, 1.0)
        A[4] = 0.0  # a listener with nobody to listen to
        if m:
            A = np.hstack([A, rng.random((n, m)) < 0.6]).astype(float)
        adj = sp.csr_array(A)
    sources = rng.uniform(-1, 1, (m, dim)) if m else None
    ctx = Context(step=3, edge_key=99, source_opinions=sources,
                  source_salience=rng.uniform(0.5, 2.0, m) if salient and m else 1.0)
    eps = rng.standard_normal(X.shape)
    plan = activation_plan(activation, rng, n)
    with kernels.disabled():
        ref = ACTIVATIONS[activation].reference(X, X, adj, rule, eps, ctx, **plan)
    fast = kernels.advance(activation, X, X, adj, rule, noise_eps=eps, ctx=ctx, **plan)
    return ref, fast


@pytest.mark.parametrize("activation", ["synchronous", "random_sequential", "random_async"])
@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_matches_the_reference(name, activation):
    for seed, affinity in enumerate(("dot", "cosine", "distance")):
        ref, fast = layout_tick(name, activation, affinity, seed)
        assert fast is not None and np.all(np.isfinite(ref))
        np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["synchronous", "random_sequential"])
@pytest.mark.parametrize("name", ["key+value+sources", "all+sources+salience+clip", "query"])
def test_every_layout_matches_the_reference_on_the_complete_graph(name, activation):
    for seed, affinity in enumerate(("dot", "distance")):
        ref, fast = layout_tick(name, activation, affinity, seed, complete=True)
        assert fast is not None
        np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12)


def test_models_stepped_in_turn_keep_their_own_derived_arrays():
    # Derived arrays are reused from one tick to the next on a thread: two models of the
    # same size stepped alternately must each follow the reference.
    rng = np.random.default_rng(5)
    g = sp.csr_array((rng.random((40, 40)) < 0.2).astype(float))
    kw = {"graph": g, "dim": 3, "temperature": 0.3, "seed": 2, "reporters": []}
    models = [{"key_map": rng.normal(size=(3, 3)), "value_map": np.eye(3) * 0.8},
              {"query_map": rng.normal(size=(3, 3)),
               "sources": SourceSet(rng.uniform(-1, 1, (2, 3)))}]
    fast = [OpinionModel(**kw, **extra) for extra in models]
    slow = [OpinionModel(**kw, **extra) for extra in models]
    for _ in range(4):
        for f, s in zip(fast, slow):
            f.step()
            with kernels.disabled():
                s.step()
    for f, s in zip(fast, slow):
        np.testing.assert_allclose(f.opinions, s.opinions, rtol=1e-12, atol=1e-12)
