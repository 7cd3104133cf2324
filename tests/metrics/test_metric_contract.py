"""Contract every metric must honour, checked over all of them.

* bad opinions (empty, NaN, inf, wrong shape) raise OpinionSimError naming ``X``;
* degenerate but valid input gives a finite value, without warnings;
* results are plain Python values, deterministic, and inputs are not modified;
* polarisation metrics are unchanged by translating all opinions;
* every metric is unchanged (or permuted along) when agents are relabelled;
* every public function documents its formula, paper, errors and an example;
* nothing in ``opinionsim/metrics`` imports Mesa.
"""

import ast
import inspect
import math
import pathlib
import warnings

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from opinionsim import metrics
from opinionsim._errors import OpinionSimError

SETTINGS = settings(max_examples=30, deadline=None)


def graph_for(n, seed=0):
    """A random directed graph as a CSR array, with some agents listening to nobody."""
    rng = np.random.default_rng(seed)
    dense = rng.random((n, n)) < 0.4
    np.fill_diagonal(dense, False)
    dense[rng.random(n) < 0.2] = False
    return sp.csr_array(dense.astype(float))


def attention_for(n, seed=0):
    A = graph_for(n, seed).copy()
    A.data = np.random.default_rng(seed + 1).exponential(size=A.nnz)
    rows = np.repeat(np.arange(n), np.diff(A.indptr))
    A.data /= np.bincount(rows, weights=A.data, minlength=n)[rows]
    return A


def previous(X):
    """A valid X_prev for max_change, of X's shape where X is a valid shape."""
    shape = np.shape(X)
    if len(shape) == 1:
        return np.zeros(max(shape[0], 1))
    return np.zeros((max(shape[0], 1), max(shape[1], 1)))


# Each metric as a function of the opinions alone (graphs built to match).
METRICS = {
    "variance": lambda X: metrics.variance(X),
    "mean_pairwise_distance": lambda X: metrics.mean_pairwise_distance(X).value,
    "mean_pairwise_distance_sampled": lambda X: metrics.mean_pairwise_distance(
        X, max_exact=1, n_samples=50, rng=0).value,
    "esteban_ray": lambda X: metrics.esteban_ray(X),
    "polarization_index": lambda X: metrics.polarization_index(X),
    "bimodality_coefficient": lambda X: metrics.bimodality_coefficient(X),
    "opinion_entropy": lambda X: metrics.opinion_entropy(X),
    "opinion_clusters": lambda X: metrics.opinion_clusters(X, tol=0.3),
    "n_clusters": lambda X: metrics.n_clusters(X, tol=0.3),
    "neighbor_correlation": lambda X: metrics.neighbor_correlation(
        X, graph_for(np.shape(X)[0])),
    "opinion_assortativity": lambda X: metrics.opinion_assortativity(
        X, graph_for(np.shape(X)[0])),
    "echo_chamber_modularity": lambda X: metrics.echo_chamber_modularity(
        X, graph_for(np.shape(X)[0]), tol=0.3),
    "cross_cutting_fraction": lambda X: metrics.cross_cutting_fraction(
        X, graph_for(np.shape(X)[0])),
    "morales_index": lambda X: metrics.morales_index(X, axis=0, outside="clip"),
    "echo_chamber_index": lambda X: metrics.echo_chamber_index(X, graph_for(np.shape(X)[0])),
    "null_model": lambda X: metrics.null_model(
        "echo_chamber_index", X, graph_for(np.shape(X)[0]), n_samples=5, rng=0).p,
    "max_change": lambda X: metrics.max_change(previous(X), X),
    "consensus_reached": lambda X: metrics.consensus_reached(X, tol=1.0),
}
# The metrics that take no opinions.
ATTENTION_METRICS = {"attention_homophily", "attention_entropy"}

RETURN_TYPES = {
    "opinion_clusters": np.ndarray,
    "n_clusters": int,
    "consensus_reached": bool,
}


def test_every_public_function_is_in_the_contract():
    public = {name for name in metrics.__all__ if inspect.isfunction(getattr(metrics, name))}
    covered = {name.removesuffix("_sampled") for name in METRICS} | ATTENTION_METRICS
    assert public == covered


# ------------------------------------------------------------------- bad input

BAD_X = {
    "empty": np.zeros((0, 2)),
    "empty_1d": np.zeros(0),
    "no_dims": np.zeros((5, 0)),
    "nan": np.array([[0.0, 1.0], [np.nan, 0.0], [1.0, 1.0], [2.0, 0.0], [0.5, 0.5]]),
    "inf": np.array([0.0, 1.0, np.inf, 2.0, 3.0]),
    "neg_inf": np.array([[0.0], [-np.inf], [1.0], [2.0], [3.0]]),
    "3d": np.zeros((5, 2, 2)),
    "strings": np.array(["a", "b", "c", "d", "e"]),
}


@pytest.mark.parametrize("case", list(BAD_X))
@pytest.mark.parametrize("name", list(METRICS))
def test_bad_opinions_raise_naming_X(name, case):
    X = BAD_X[case]
    if name in {"neighbor_correlation", "opinion_assortativity", "echo_chamber_index",
                "echo_chamber_modularity", "null_model", "cross_cutting_fraction"} \
            and np.shape(X)[0] == 0:
        fn = {  # a graph cannot be built for 0 agents; any graph will do
            "cross_cutting_fraction": lambda X: metrics.cross_cutting_fraction(X, graph_for(2)),
            "neighbor_correlation": lambda X: metrics.neighbor_correlation(X, graph_for(2)),
            "echo_chamber_index": lambda X: metrics.echo_chamber_index(X, graph_for(2)),
            "null_model": lambda X: metrics.null_model("echo_chamber_index", X, graph_for(2),
                                                       rng=0),
            "opinion_assortativity": lambda X: metrics.opinion_assortativity(X, graph_for(2)),
            "echo_chamber_modularity": lambda X: metrics.echo_chamber_modularity(
                X, graph_for(2), tol=0.3),
        }[name]
    else:
        fn = METRICS[name]
    with pytest.raises(OpinionSimError, match=r"^X\b"):
        fn(X)


def test_opinion_sim_error_is_a_value_error():
    with pytest.raises(ValueError):
        metrics.variance([])


# ------------------------------------------------------- degenerate, types, purity

DEGENERATE_X = {
    "constant_1d": np.full(6, 0.25),
    "constant_3d": np.tile([0.1, -2.0, 3.0], (6, 1)),
    "two_points": np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]),
    "one_outlier": np.array([0.0] * 7 + [1e6]),
    "tiny_spread": 1.0 + np.arange(8) * 1e-15,
    "huge_offset": 1e12 + np.array([0.0, 1.0, 0.0, 1.0, 0.5]),
}


@pytest.mark.parametrize("case", list(DEGENERATE_X))
@pytest.mark.parametrize("name", list(METRICS))
def test_degenerate_input_gives_finite_plain_values(name, case):
    X = DEGENERATE_X[case]
    before = X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = METRICS[name](X)
        again = METRICS[name](X)
    np.testing.assert_array_equal(X, before)  # inputs untouched
    expected_type = RETURN_TYPES.get(name, float)
    assert type(value) is expected_type
    if expected_type is np.ndarray:
        assert value.shape == (X.shape[0],) and np.issubdtype(value.dtype, np.integer)
        np.testing.assert_array_equal(value, again)
    else:
        assert math.isfinite(value)
        assert value == again


def test_single_agent_values():
    x = np.array([[0.3, 0.4]])
    assert metrics.variance(x) == 0.0
    assert metrics.mean_pairwise_distance(x).value == 0.0
    assert metrics.esteban_ray(x) == 0.0
    assert metrics.polarization_index(x) == 0.0
    assert metrics.morales_index(x, axis=1) == 0.0
    assert metrics.opinion_entropy(x) == 0.0
    assert metrics.echo_chamber_index(x, sp.csr_array((1, 1))) == 0.0
    assert metrics.n_clusters(x, tol=0.1) == 1
    assert metrics.neighbor_correlation(x, sp.csr_array((1, 1))) == 0.0
    assert metrics.consensus_reached(x, tol=0.1) is True


@pytest.mark.parametrize("name", ["attention_homophily", "attention_entropy"])
def test_attention_metrics_plain_values_and_purity(name):
    A = attention_for(12)
    before = A.copy()
    labels = np.arange(12) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if name == "attention_homophily":
            value = metrics.attention_homophily(A, labels)
        else:
            value = metrics.attention_entropy(A).mean
    assert type(value) is float and 0.0 <= value <= 1.0
    assert (A != before).nnz == 0


# ------------------------------------------------------------------- invariances


@st.composite
def dyadic_opinions(draw, min_n=4, max_n=24, dims=(1, 2, 3)):
    """Opinions on a grid of step 1/4: translations by grid vectors are exact."""
    n = draw(st.integers(min_n, max_n))
    dim = draw(st.sampled_from(dims))
    X = draw(arrays(np.int64, (n, dim), elements=st.integers(-40, 40)))
    return X / 4.0


shifts = st.lists(st.integers(-400, 400), min_size=3, max_size=3).map(
    lambda v: np.array(v) / 4.0)


def approx_equal(a, b):
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == pytest.approx(b, rel=1e-9, abs=1e-12)


# Polarisation metrics on an integer axis (the projection is then exactly a
# column, so binned metrics see the very same groups after a translation).
TRANSLATION_AXIS0 = {
    "variance": lambda X: metrics.variance(X),
    "mean_pairwise_distance": lambda X: metrics.mean_pairwise_distance(X).value,
    "esteban_ray": lambda X: metrics.esteban_ray(X, axis=0),
    "esteban_ray_7_bins": lambda X: metrics.esteban_ray(X, axis=0, bins=7, alpha=1.6),
    "polarization_index": lambda X: metrics.polarization_index(X, axis=0),
    "esteban_ray_clusters": lambda X: metrics.esteban_ray(X, axis=0, groups="clusters",
                                                          tol=0.3),
    "bimodality_coefficient": lambda X: metrics.bimodality_coefficient(X, axis=0),
    "opinion_entropy": lambda X: metrics.opinion_entropy(X, axis=0),
    "opinion_entropy_5_bins": lambda X: metrics.opinion_entropy(X, axis=0, bins=5),
    "opinion_clusters": lambda X: metrics.opinion_clusters(X, tol=0.3),
    "n_clusters": lambda X: metrics.n_clusters(X, tol=0.3, min_size=2),
    "consensus_reached": lambda X: metrics.consensus_reached(X, tol=2.0),
}
# Continuous in the opinions, so safe with the default pc1 projection as long
# as the first principal component is well separated from the second.
CONTINUOUS_PC1 = {
    "polarization_index": lambda X: metrics.polarization_index(X),
    "bimodality_coefficient": lambda X: metrics.bimodality_coefficient(X),
    "neighbor_correlation": lambda X: metrics.neighbor_correlation(X, graph_for(len(X))),
    "opinion_assortativity": lambda X: metrics.opinion_assortativity(X, graph_for(len(X))),
    "echo_chamber_index": lambda X: metrics.echo_chamber_index(X, graph_for(len(X))),
}


def clear_pc1(X):
    """The leading covariance eigenvalue is well separated (pc1 well defined)."""
    if X.shape[1] == 1:
        return np.ptp(X) > 0
    ev = np.linalg.eigvalsh(np.cov(X.T))
    return ev[-1] > 0 and ev[-1] - ev[-2] > 0.1 * ev[-1]


@SETTINGS
@given(X=dyadic_opinions(), shift=shifts)
def test_translation_invariance(X, shift):
    Y = X + shift[: X.shape[1]]
    for name, fn in TRANSLATION_AXIS0.items():
        assert approx_equal(fn(Y), fn(X)), name


@SETTINGS
@given(X=dyadic_opinions(), shift=shifts)
def test_translation_invariance_pc1(X, shift):
    assume(clear_pc1(X))
    Y = X + shift[: X.shape[1]]
    for name, fn in CONTINUOUS_PC1.items():
        assert fn(Y) == pytest.approx(fn(X), rel=1e-7, abs=1e-9), name


def same_partition(a, b):
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@SETTINGS
@given(X=dyadic_opinions(), seed=st.integers(0, 2**32 - 1))
def test_relabelling_agents(X, seed):
    n = X.shape[0]
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    G = graph_for(n, seed % 1000)
    Gp = sp.csr_array(G[perm][:, perm])
    Xp = X[perm]
    for name, fn in TRANSLATION_AXIS0.items():
        if name == "opinion_clusters":
            assert same_partition(fn(Xp), fn(X)[perm])
        else:
            assert approx_equal(fn(Xp), fn(X)), name
    graph_metrics = {
        "echo_chamber_index": metrics.echo_chamber_index,
        "neighbor_correlation": lambda X, G: metrics.neighbor_correlation(X, G, axis=0),
        "opinion_assortativity": lambda X, G: metrics.opinion_assortativity(X, G, axis=0),
        "echo_chamber_modularity": lambda X, G: metrics.echo_chamber_modularity(X, G, tol=0.3),
    }
    for name, fn in graph_metrics.items():
        assert fn(Xp, Gp) == pytest.approx(fn(X, G), rel=1e-9, abs=1e-12), name

    A = attention_for(n, seed % 1000)
    Ap = sp.csr_array(A[perm][:, perm])
    labels = metrics.opinion_clusters(X, tol=0.3)
    assert metrics.attention_homophily(Ap, labels[perm]) == pytest.approx(
        metrics.attention_homophily(A, labels), rel=1e-12)
    ent, ent_p = metrics.attention_entropy(A), metrics.attention_entropy(Ap)
    np.testing.assert_allclose(ent_p.per_agent, ent.per_agent[perm], rtol=1e-12, atol=1e-15)
    assert ent_p.mean == pytest.approx(ent.mean, rel=1e-12)


@SETTINGS
@given(X=dyadic_opinions(dims=(2, 3)), seed=st.integers(0, 2**32 - 1))
def test_relabelling_agents_pc1(X, seed):
    assume(clear_pc1(X))
    perm = np.random.default_rng(seed).permutation(X.shape[0])
    for name, fn in CONTINUOUS_PC1.items():
        if name in {"neighbor_correlation", "opinion_assortativity", "echo_chamber_index"}:
            continue  # the graph would have to be permuted too: see above
        assert fn(X[perm]) == pytest.approx(fn(X), rel=1e-7, abs=1e-9), name


def test_networkx_node_names_do_not_matter():
    G = nx.gnp_random_graph(15, 0.3, seed=3)
    H = nx.relabel_nodes(G, {v: f"agent-{v}" for v in G})
    X = np.random.default_rng(3).normal(size=(15, 2))
    for fn in (metrics.neighbor_correlation, metrics.opinion_assortativity):
        assert fn(X, H) == fn(X, G)
    assert metrics.echo_chamber_modularity(X, H, tol=0.5) == metrics.echo_chamber_modularity(
        X, G, tol=0.5)


# ---------------------------------------------------------------- documentation


PUBLIC = [name for name in metrics.__all__ if inspect.isfunction(getattr(metrics, name))]


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_contract(name):
    doc = inspect.getdoc(getattr(metrics, name))
    for section in ("Parameters", "Returns", "Raises", "References", "Examples"):
        assert f"\n{section}\n---" in doc, f"{name}: missing {section}"
    assert ".. math::" in doc, name
    assert "[1]_" in doc and ".. [1]" in doc, name
    assert ">>> " in doc, name
    assert "%(" not in doc, name  # every shared fragment was filled in


@pytest.mark.parametrize("name", PUBLIC)
def test_every_metric_states_its_consensus_and_shuffled_values(name):
    doc = inspect.getdoc(getattr(metrics, name))
    assert "consensus" in doc and "shuffled" in doc, name


def test_import_stays_cheap():
    """``import opinionsim.metrics`` loads neither networkx nor the heavy scipy parts."""
    import subprocess
    import sys

    code = ("import sys, opinionsim.metrics; "
            "print(sorted(m for m in ('networkx', 'scipy.sparse.linalg', 'scipy.sparse.csgraph', "
            "'scipy.spatial', 'mesa') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_metrics_do_not_import_mesa():
    package = pathlib.Path(metrics.__file__).parent
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "mesa" for n in names), path.name
