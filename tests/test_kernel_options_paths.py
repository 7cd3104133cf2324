"""The kernels' own paths for attention options (issue 12's speed work): dropout and prior
weights folded into the score pass, the entropy floor searched only below it, several small
heads in one pass — each against the reference engine at 1e-12, alone and combined, in every
regime, with the entropy by-product."""

import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from opinionsim import OpinionModel, kernels
from opinionsim.dynamics import UpdateRule
from opinionsim.dynamics.activation import ACTIVATIONS
from opinionsim.dynamics.influence import Context
from opinionsim.dynamics.weighting import row_entropy
from opinionsim.interventions import AblateHead
from kernel_cases import activation_plan

ACTIVATION_NAMES = ["synchronous", "random_sequential", "random_async"]


def case(seed, n=60, dim=3, k=7):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, dim))
    rows = np.repeat(np.arange(n), k)
    cols = rng.integers(0, n, n * k)
    A = sp.csr_array((rng.uniform(0.1, 1.0, n * k), (rows, cols)), shape=(n, n))
    A.sum_duplicates()
    # A listener with nobody to listen to, and one with a single tie.
    A = sp.lil_array(A)
    A[3, :] = 0
    A[4, :] = 0
    A[4, 9] = 0.5
    return X, sp.csr_array(A), rng


def compare(seed, activation, params, weighted=False, entropy=True):
    X, A, rng = case(seed)
    n, dim = X.shape
    rule = UpdateRule.create(n=n, dim=dim, **params)
    ctx = Context(step=3 + seed, edge_key=987654321 + seed, weighted=weighted)
    plan = activation_plan(activation, rng, n, rate=0.6)
    with kernels.disabled():
        ref = ACTIVATIONS[activation].reference(X, X, A, rule, None, ctx, **plan)
    side = {"entropy": None} if entropy else {}
    fast = kernels.advance(activation, X, X, A, rule, ctx=ctx, byproducts=side, **plan)
    assert fast is not None
    np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12)
    return X, A, rule, ctx, side


OPTIONS = {
    "dropout": ({"attention_dropout": 0.3}, False),
    "weights": ({}, True),
    "floor": ({"attention_entropy_floor": 0.6}, False),
    "floor_one": ({"attention_entropy_floor": 1.0}, False),
}
HEADS = {
    "one": {},
    "two": {"heads": [[0], [1, 2]]},
    "permuted": {"heads": [[2, 0], [1]]},
    "uniform_head": {"heads": [[0], [1, 2]], "head_modes": ("attention", "uniform")},
    "frozen_head": {"heads": [[0], [1, 2]], "head_modes": ("frozen", "attention")},
    "three": {"heads": [[0], [1], [2]]},
}
COMBOS = [c for r in (1, 2, 3) for c in itertools.combinations(["dropout", "weights", "floor"], r)]


@pytest.mark.parametrize("options", COMBOS + [("floor_one",), ("dropout", "floor_one")],
                         ids=lambda o: "+".join(o))
@pytest.mark.parametrize("heads", list(HEADS))
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_options_and_heads_match_the_reference(options, heads, activation):
    params = {"temperature": 0.25, "step_size": 0.7, **HEADS[heads]}
    weighted = False
    for name in options:
        extra, w = OPTIONS[name]
        params.update(extra)
        weighted = weighted or w
    for seed, affinity in zip(range(3), ("dot", "distance", "cosine")):
        compare(seed, activation, {**params, "affinity": affinity}, weighted)


@pytest.mark.parametrize("temperature", [0.3, 0.5, "per_agent"])
@pytest.mark.parametrize("affinity", ["dot", "log_distance"])
def test_temperatures_exact_or_not_with_options(temperature, affinity):
    # 0.5: the kernels multiply by 1/T (exact); 0.3 and per-agent values: they divide.
    for seed in range(2):
        T = np.random.default_rng(seed).uniform(0.05, 2.0, 60) if temperature == "per_agent" \
            else temperature
        for extra, weighted in (({"attention_dropout": 0.2}, True),
                                ({"attention_entropy_floor": 0.7}, True),
                                ({"heads": [[0, 1], [2]]}, False)):
            compare(seed, "synchronous", {"temperature": T, "affinity": affinity, **extra},
                    weighted)


def test_the_entropy_by_product_under_options_and_small_heads():
    for extra, weighted, uniform_head in (({"attention_dropout": 0.3}, True, False),
                                          ({"attention_entropy_floor": 0.8}, True, False),
                                          ({"heads": [[0], [1, 2]]}, False, True),
                                          ({"heads": [[0], [1], [2]]}, False, False)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an unweighted run of a weighted graph
            m = OpinionModel(graph=case(0)[1], dim=3, affinity="distance", seed=2,
                             reporters=[], weight=weighted, temperature=0.1, **extra)
        if uniform_head:
            m.do(AblateHead(1, mode="uniform"))
        # The by-product is the mean over heads of each head's entropy.
        per_head = []
        for h in range(len(m.rule.heads)):
            A = m.attention(h)  # the matrix the next step uses
            per_head.append([-np.sum(r.data[r.data > 0] * np.log(r.data[r.data > 0]))
                             for r in (A[[i]] for i in range(A.shape[0]))])
        expected = np.mean(per_head, axis=0)
        m._want_entropy = True
        m.step()
        # A silent listener (every tie dropped) has no entropy (NaN); attention() shows it
        # attending to itself.
        silent = np.isnan(m.last_entropy)
        assert np.all(expected[silent] == 0)
        np.testing.assert_allclose(m.last_entropy[~silent], expected[~silent], rtol=1e-10,
                                   atol=1e-12)


def test_rows_above_the_floor_keep_their_temperature_and_rows_below_reach_it():
    X, A, _ = case(5)
    n = X.shape[0]
    floor = 0.5
    rule = UpdateRule.create(n=n, dim=3, temperature=0.05, affinity="dot",
                             attention_entropy_floor=floor)
    ctx = Context(step=1, edge_key=1, weighted=False)
    fast = kernels.advance("synchronous", X, X, A, rule, ctx=ctx)
    with kernels.disabled():
        ref = ACTIVATIONS["synchronous"].reference(X, X, A, rule, None, ctx)
    np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12)
    # Both kinds of row occur in this case (the fast path and the search are both exercised).
    s = np.einsum("ij,ij->i", X[np.repeat(np.arange(n), np.diff(A.indptr))], X[A.indices])
    s /= np.sqrt(3)
    below = above = 0
    for i in range(n):
        a, b = A.indptr[i], A.indptr[i + 1]
        if b - a < 2:
            continue
        u = s[a:b] - s[a:b].max()
        H, _ = row_entropy(u, np.zeros(b - a), np.log(0.05))
        below += H < floor * np.log(b - a)
        above += H >= floor * np.log(b - a)
    assert below > 0 and above > 0


@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_a_row_whose_every_tie_is_dropped_keeps_its_opinion(activation):
    X, A, _ = case(1)
    n = X.shape[0]
    for heads in ({}, {"heads": [[0], [1, 2]]}):
        rule = UpdateRule.create(n=n, dim=3, temperature=0.5, attention_dropout=0.95,
                                 attention_entropy_floor=0.3, step_size=1.0, **heads)
        ctx = Context(step=2, edge_key=5, weighted=True)
        plan = {"order": np.arange(n)} if activation == "random_sequential" else \
            {"active": np.ones(n, bool)} if activation == "random_async" else {}
        fast = kernels.advance(activation, X, X, A, rule, ctx=ctx, **plan)
        with kernels.disabled():
            ref = ACTIVATIONS[activation].reference(X, X, A, rule, None, ctx, **plan)
        np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12)
        silent_rows = [3] + [i for i in range(n) if i != 3 and np.all(fast[i] == X[i])]
        assert len(silent_rows) > 1  # some rows lost every tie this tick
        np.testing.assert_array_equal(fast[3], X[3])


@pytest.mark.parametrize("modes", [("attention", "frozen", "attention"),
                                   ("uniform", "attention", "frozen"),
                                   ("uniform", "uniform", "attention")])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_small_heads_of_every_kind_match_the_reference(modes, activation):
    # The one-pass path compiles each mix of head kinds (frozen, uniform, attention) apart.
    for seed, affinity in zip(range(3), ("dot", "distance", "cosine")):
        compare(seed, activation, {"temperature": 0.25, "step_size": 0.7, "affinity": affinity,
                                   "heads": [[0], [1], [2]], "head_modes": modes}, False)
