"""The compiled kernels agree with the plain reference implementation, and fall back safely.

Every fast path is compared with the reference functions (``synchronous``,
``random_sequential``, ``random_async`` over ``social_mean``/``apply_update``)
to 1e-12 (relative to the opinion scale), over every affinity, rule and
activation regime, on random graphs with empty rows and on complete graphs.
"""

import itertools
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from opinionsim import OpinionModel
from opinionsim import kernels as _kernels
from opinionsim.engine import CompleteGraph
from opinionsim.rules import UpdateRule
from opinionsim.scheduler import advance, random_async, random_sequential, synchronous

INF = float("inf")
AFFINITIES = ["dot", "cosine", "distance", "log_distance"]
RULES = ["attention", "uniform", "bounded_confidence"]
ACTIVATIONS = ["synchronous", "random_sequential", "random_async"]

pytestmark = pytest.mark.skipif(not _kernels.available(), reason="numba is not available")


def random_csr(n, density, rng, *, empty_rows=(), shuffle=False):
    """A random structure with some empty rows; unsorted indices when ``shuffle``."""
    A = (rng.random((n, n)) < density).astype(float)
    A[list(empty_rows)] = 0.0
    csr = sp.csr_array(A)
    csr.indices = csr.indices.astype(np.int32)
    csr.indptr = csr.indptr.astype(np.int32)
    if shuffle:
        for i in range(n):
            a, b = csr.indptr[i], csr.indptr[i + 1]
            csr.indices[a:b] = rng.permutation(csr.indices[a:b])
        csr.has_sorted_indices = False
    return csr


def reference(activation, X, X0, adjacency, rule, noise_eps, order, active):
    if activation == "synchronous":
        return synchronous(X, X0, adjacency, rule, noise_eps)
    if activation == "random_sequential":
        return random_sequential(X, X0, adjacency, rule, order, noise_eps)
    return random_async(X, X0, adjacency, rule, active, noise_eps)


def check(activation, X, X0, adjacency, rule, noise_eps=None, seed=0):
    """Run the kernel directly (it must not decline) and compare with the reference."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(X.shape[0])
    active = rng.random(X.shape[0]) < 0.6
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast = _kernels.advance(activation, X, X0, adjacency, rule, noise_eps=noise_eps,
                                order=order, active=active)
    assert fast is not None, "the kernel declined a supported input"
    ref = reference(activation, X, X0, adjacency, rule, noise_eps, order, active)
    scale = max(1.0, float(np.max(np.abs(ref))))
    np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-12 * scale)
    return fast, ref


def full_rule(n, dim, rng, **kw):
    """Every optional feature at once: salience, clipping, stubbornness, zealots, noise."""
    defaults = dict(
        n=n, dim=dim, confidence=0.9, step_size=0.7, noise=0.05,
        stubbornness=rng.uniform(0.0, 0.4, n), salience=rng.uniform(0.2, 3.0, n),
        key_norm_clip=1.2, fixed=rng.random(n) < 0.15,
    )
    defaults.update(kw)
    return UpdateRule.create(**defaults)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(42)
    n = 30
    return dict(
        rng=rng,
        csr=random_csr(n, 0.2, rng, empty_rows=(3, 17)),
        X=rng.normal(size=(n, 3)),
        X0=rng.normal(size=(n, 3)),
        eps=rng.normal(size=(n, 3)),
    )


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("rule_name", RULES)
@pytest.mark.parametrize("affinity", AFFINITIES)
def test_random_graph_with_every_feature_matches_the_reference(problem, affinity, rule_name,
                                                               activation):
    p = problem
    n = p["X"].shape[0]
    for temperature in (1e-12, 0.4, INF):
        rule = full_rule(n, 3, p["rng"], rule=rule_name, affinity=affinity,
                         temperature=temperature)
        check(activation, p["X"], p["X0"], p["csr"], rule, p["eps"])


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("rule_name", RULES)
@pytest.mark.parametrize("affinity", AFFINITIES)
def test_complete_graph_matches_the_reference(problem, affinity, rule_name, activation):
    p = problem
    n = p["X"].shape[0]
    for include_self, temperature in itertools.product((True, False), (1e-12, 0.4, INF)):
        rule = full_rule(n, 3, p["rng"], rule=rule_name, affinity=affinity,
                         temperature=temperature)
        check(activation, p["X"], p["X0"], CompleteGraph(n, include_self), rule, p["eps"])


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("affinity", AFFINITIES)
def test_default_rule_takes_the_lean_path_and_matches(problem, affinity, activation):
    p = problem
    rule = UpdateRule.create(n=p["X"].shape[0], dim=3, affinity=affinity, temperature=0.3)
    check(activation, p["X"], p["X"], p["csr"], rule)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_prefetching_paths_match(problem, activation, monkeypatch):
    # Small inputs fit in cache and skip prefetching; force it, for keys only (plain keys)
    # and for keys and values (salience makes the keys a separate array).
    monkeypatch.setattr(_kernels.packing, "PREFETCH_ABOVE_BYTES", -1)
    p = problem
    n = p["X"].shape[0]
    for salience, rule_name in itertools.product((1.0, 2.0), RULES):
        rule = UpdateRule.create(n=n, dim=3, rule=rule_name, salience=salience, confidence=1.0,
                                 temperature=0.3)
        check(activation, p["X"], p["X0"], p["csr"], rule)
    rule = full_rule(n, 3, p["rng"], heads=[[0], [1, 2]], temperature=0.3)
    check(activation, p["X"], p["X0"], p["csr"], rule, p["eps"])


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("heads", [[[0, 2], [3]], [[4, 1, 0, 2, 3]], [[1]]])
def test_heads_and_uncovered_dimensions_match(heads, activation):
    # [[4, 1, 0, 2, 3]] is one head naming every dimension out of order: the means of
    # column d go back to column d, whatever the order the head lists them in.
    rng = np.random.default_rng(7)
    n, dim = 25, 5
    csr = random_csr(n, 0.25, rng, empty_rows=(0,))
    X, X0, eps = rng.normal(size=(3, n, dim))
    for affinity, rule_name in itertools.product(AFFINITIES, RULES):
        rule = full_rule(n, dim, rng, rule=rule_name, affinity=affinity, temperature=0.5,
                         heads=heads, opinion_space="sphere", confidence=1.5)
        check(activation, X, X0, csr, rule, eps)
        check(activation, X, X0, CompleteGraph(n), rule, eps)


@pytest.mark.parametrize("dim", [1, 2, 5])
def test_other_dimensions_match(dim):
    rng = np.random.default_rng(dim)
    n = 30
    csr = random_csr(n, 0.3, rng)
    X = rng.uniform(-1, 1, size=(n, dim))
    for activation, affinity in itertools.product(ACTIVATIONS, AFFINITIES):
        rule = UpdateRule.create(n=n, dim=dim, affinity=affinity, temperature=0.2)
        check(activation, X, X, csr, rule)
        check(activation, X, X, CompleteGraph(n), rule)
    hk = UpdateRule.create(n=n, dim=dim, rule="bounded_confidence", confidence=0.5,
                           step_size=1.0)
    check("synchronous", X, X, csr, hk)


def test_unsorted_indices_and_empty_rows_match():
    rng = np.random.default_rng(3)
    n = 20
    csr = random_csr(n, 0.3, rng, empty_rows=(0, 5, 19), shuffle=True)
    X = rng.normal(size=(n, 2))
    indices_before = csr.indices.copy()
    _kernels.advance("synchronous", X, X, csr, UpdateRule.create(n=n, dim=2))
    np.testing.assert_array_equal(csr.indices, indices_before)  # sorted in a copy
    for affinity in AFFINITIES:
        rule = UpdateRule.create(n=n, dim=2, affinity=affinity, temperature=0.7)
        for activation in ACTIVATIONS:
            check(activation, X, X, random_csr(n, 0.3, np.random.default_rng(3),
                                               empty_rows=(0, 5, 19), shuffle=True), rule)
    # Silent agents (empty rows) hear themselves: with step 1 they keep their opinion.
    rule = UpdateRule.create(n=n, dim=2, step_size=1.0)
    new = _kernels.advance("synchronous", X, X, csr, rule)
    np.testing.assert_array_equal(new[[0, 5, 19]], X[[0, 5, 19]])


def test_ties_at_zero_temperature_split_evenly():
    X = np.array([[0.0], [0.5], [-0.5], [3.0]])
    adj = sp.csr_array(np.array([[0, 1, 1, 1]] + [[1, 1, 1, 1]] * 3, dtype=float))
    rule = UpdateRule.create(n=4, dim=1, temperature=1e-12, affinity="distance", step_size=1.0)
    fast, ref = check("synchronous", X, X, adj, rule)
    assert fast[0, 0] == 0.0  # the mean of 0.5 and -0.5, exactly
    np.testing.assert_array_equal(fast[1:], X[1:])  # everyone else hears only itself


def test_a_lone_agent_that_does_not_listen_to_itself_hears_itself():
    X = np.array([[0.3, -0.2]])
    for rule_name in RULES:
        rule = UpdateRule.create(n=1, dim=2, rule=rule_name, confidence=0.1, step_size=1.0)
        for activation in ACTIVATIONS:
            fast, _ = check(activation, X, X, CompleteGraph(1, include_self=False), rule)
            np.testing.assert_array_equal(fast, X)


def test_bounded_confidence_radius_is_inclusive():
    X = np.array([[0.0], [0.25], [0.5], [1.0]])
    rule = UpdateRule.create(n=4, dim=1, rule="bounded_confidence", confidence=0.25,
                             step_size=1.0)
    fast, _ = check("synchronous", X, X, CompleteGraph(4), rule)
    np.testing.assert_allclose(fast[:, 0], [0.125, 0.25, 0.375, 1.0], rtol=1e-15)
    fast, _ = check("synchronous", X, X, CompleteGraph(4).to_csr(), rule)
    np.testing.assert_allclose(fast[:, 0], [0.125, 0.25, 0.375, 1.0], rtol=1e-15)


@pytest.mark.parametrize("affinity", AFFINITIES)
@pytest.mark.parametrize("temperature", [1e-12, 1.0, 1e6, INF])
def test_huge_opinions_never_overflow(affinity, temperature):
    X = np.array([[1e100, -3e99], [-1e100, 2e99], [5e99, 5e99]])
    rule = UpdateRule.create(n=3, dim=2, affinity=affinity, temperature=temperature)
    for adjacency in (CompleteGraph(3), CompleteGraph(3).to_csr()):
        for activation in ACTIVATIONS:
            fast, _ = check(activation, X, X, adjacency, rule)
            assert np.all(np.isfinite(fast))


def test_results_do_not_depend_on_the_thread_count():
    rng = np.random.default_rng(11)
    n = 3000  # enough edges to be split into chunks
    csr = random_csr(n, 0.01, rng)
    X = rng.normal(size=(n, 3))
    rule = UpdateRule.create(n=n, dim=3, temperature=0.5)
    old = _kernels.set_num_threads(1)
    try:
        one = _kernels.advance("synchronous", X, X, csr, rule)
        one_dense = _kernels.advance("synchronous", X, X, CompleteGraph(n), rule)
        _kernels.set_num_threads(3)
        three = _kernels.advance("synchronous", X, X, csr, rule)
        three_dense = _kernels.advance("synchronous", X, X, CompleteGraph(n), rule)
    finally:
        _kernels.set_num_threads(old)
    np.testing.assert_array_equal(one, three)
    np.testing.assert_array_equal(one_dense, three_dense)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_model_trajectories_match_the_reference(activation, monkeypatch):
    # Through OpinionModel.step: same draws (order, coins, noise) on both paths.
    kw = dict(graph=random_csr(40, 0.15, np.random.default_rng(5)), dim=2, temperature=0.3,
              noise=0.02, stubbornness=0.1, zealots=[0, 1], activation=activation,
              activation_rate=0.5, seed=9)
    fast = OpinionModel(**kw)
    fast.run(5)
    monkeypatch.setenv("OPINIONSIM_DISABLE_KERNELS", "1")
    ref = OpinionModel(**kw)
    ref.run(5)
    np.testing.assert_allclose(fast.opinions, ref.opinions, rtol=1e-12, atol=1e-12)


def test_disable_switches_force_the_reference(monkeypatch):
    X = np.random.default_rng(0).normal(size=(5, 2))
    rule = UpdateRule.create(n=5, dim=2)
    with _kernels.disabled():
        assert not _kernels.enabled()
        assert _kernels.advance("synchronous", X, X, CompleteGraph(5), rule) is None
    assert _kernels.enabled()
    monkeypatch.setenv("OPINIONSIM_DISABLE_KERNELS", "1")
    assert not _kernels.enabled()

    def boom(*args, **kwargs):
        raise AssertionError("the kernels must not be called")

    monkeypatch.setattr(_kernels, "advance", boom)
    new = advance("synchronous", X, X, CompleteGraph(5), rule)
    np.testing.assert_allclose(new, synchronous(X, X, CompleteGraph(5), rule), rtol=1e-15)


def test_unsupported_dtype_falls_back_with_one_warning(monkeypatch):
    monkeypatch.setattr(_kernels.threads, "_warned", set())
    X = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    rule = UpdateRule.create(n=5, dim=2)
    with pytest.warns(RuntimeWarning, match="dtype float32"):
        new = advance("synchronous", X, X, CompleteGraph(5), rule)
    np.testing.assert_allclose(new, synchronous(X, X, CompleteGraph(5), rule), rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        advance("synchronous", X, X, CompleteGraph(5), rule)  # no second warning


def test_a_failing_kernel_falls_back_once_and_stays_off(monkeypatch):
    monkeypatch.setattr(_kernels.threads, "_warned", set())
    monkeypatch.setattr(_kernels.threads, "_broken", None)

    def broken(*args, **kwargs):
        raise RuntimeError("no compiler here")

    monkeypatch.setattr(_kernels, "_advance", broken)
    X = np.random.default_rng(0).normal(size=(6, 2))
    rule = UpdateRule.create(n=6, dim=2, temperature=0.5)
    with pytest.warns(RuntimeWarning, match="no compiler here"):
        new = advance("synchronous", X, X, CompleteGraph(6), rule)
    np.testing.assert_allclose(new, synchronous(X, X, CompleteGraph(6), rule), rtol=1e-15)
    assert not _kernels.available() and not _kernels.enabled()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        advance("synchronous", X, X, CompleteGraph(6), rule)


def test_thread_settings(monkeypatch):
    old = _kernels.get_num_threads()
    try:
        assert _kernels.set_num_threads(2) == old
        assert _kernels.get_num_threads() == 2
        with pytest.raises(ValueError, match="n == 0"):
            _kernels.set_num_threads(0)
        monkeypatch.setattr(_kernels.threads, "_num_threads", None)
        monkeypatch.setenv("OPINIONSIM_NUM_THREADS", "3")
        assert _kernels.get_num_threads() == 3
        for var in ("OPINIONSIM_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MKL_NUM_THREADS"):
            monkeypatch.setenv(var, os.environ.get(var, ""))  # restored after the test
        _kernels.limit_threads(1)
        assert _kernels.get_num_threads() == 1 and os.environ["OMP_NUM_THREADS"] == "1"
        assert "NUMBA_NUM_THREADS" not in os.environ or os.environ["NUMBA_NUM_THREADS"] != "1"
    finally:
        _kernels.set_num_threads(old)


def test_exp_is_within_two_ulp_of_libm():
    x = -np.concatenate([np.linspace(0, 1, 1001), np.geomspace(1e-300, 708.0, 5000)])
    y = np.array([_kernels.intrinsics.exp_le0(v) for v in x[::7]])
    ref = np.exp(x[::7])
    np.testing.assert_allclose(y, ref, rtol=4.5e-16, atol=0)
    assert _kernels.intrinsics.exp_le0(0.0) == 1.0 and _kernels.intrinsics.exp_le0(-0.0) == 1.0
    assert _kernels.intrinsics.exp_le0(-1e10) == 0.0 and _kernels.intrinsics.exp_le0(-np.inf) == 0.0
    assert np.isnan(_kernels.intrinsics.exp_le0(np.nan))


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="needs Linux /proc")
def test_complete_graph_never_holds_an_n_by_n_matrix():
    # N = 12000: an N x N float64 matrix alone would be 1.15 GB. Measured in a fresh process
    # after a first small step (compiling can take a few hundred MB by itself).
    code = """if True:
        import numpy as np
        from opinionsim import kernels as _kernels
        from opinionsim.engine import CompleteGraph
        from opinionsim.rules import UpdateRule

        def step(n):
            X = np.random.default_rng(0).normal(size=(n, 2))
            rule = UpdateRule.create(n=n, dim=2, temperature=0.5)
            new = _kernels.advance("synchronous", X, X, CompleteGraph(n), rule)
            assert new.shape == (n, 2) and np.all(np.isfinite(new))

        step(10)
        with open("/proc/self/status") as f:
            rss = [int(l.split()[1]) for l in f if l.startswith("VmRSS")][0]
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the peak resident set size
        step(12_000)
        with open("/proc/self/status") as f:
            peak = [int(l.split()[1]) for l in f if l.startswith("VmHWM")][0]
        print(peak - rss)
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    grown_mib = int(out.stdout.strip()) / 1024
    assert grown_mib < 100, f"the step took {grown_mib:.0f} MiB"


def test_without_numba_a_step_says_how_to_fix_it_or_run_the_reference():
    # numba is a required dependency: a broken install is an error that names the fix,
    # never a silent 16x slowdown; OPINIONSIM_DISABLE_KERNELS=1 runs the reference on purpose.
    code = """if True:
        import sys

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name == "numba" or name.startswith("numba."):
                    raise ImportError("no numba here")

        sys.meta_path.insert(0, Blocker())
        from opinionsim import OpinionModel, OpinionSimError
        try:
            OpinionModel(n_agents=12, dim=2, seed=1, reporters=["max_change"]).run(3)
        except OpinionSimError as exc:
            print("error:", exc)
        import os
        os.environ["OPINIONSIM_DISABLE_KERNELS"] = "1"
        model = OpinionModel(n_agents=12, dim=2, seed=1, reporters=["max_change"])
        model.run(3)
        print(model.opinions.sum())
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0].startswith("error:") and "numba" in out[0] and "no numba here" in out[0]
    assert "OPINIONSIM_DISABLE_KERNELS=1" in out[0]
    with _kernels.disabled():
        model = OpinionModel(n_agents=12, dim=2, seed=1, reporters=["max_change"])
        model.run(3)
    assert float(out[1]) == pytest.approx(float(model.opinions.sum()), rel=1e-12, abs=1e-12)


def test_importing_the_package_does_not_import_numba():
    code = "import sys, opinionsim; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 12),
    density=st.floats(0.0, 1.0),
    affinity=st.sampled_from(AFFINITIES),
    rule_name=st.sampled_from(RULES),
    temperature=st.sampled_from([1e-12, 1e-3, 0.5, 50.0, INF]),
    activation=st.sampled_from(ACTIVATIONS),
    seed=st.integers(0, 2**31),
)
def test_property_any_small_graph_matches(n, density, affinity, rule_name, temperature,
                                          activation, seed):
    rng = np.random.default_rng(seed)
    csr = random_csr(n, density, rng)
    X, X0, eps = rng.normal(size=(3, n, 3))
    rule = full_rule(n, 3, rng, rule=rule_name, affinity=affinity, temperature=temperature)
    check(activation, X, X0, csr, rule, eps, seed=seed)


# ---- what the dispatcher keeps from one tick to the next ---------------------------------------
# kernels.advance keeps the rule's checks, the CSR arrays and read-only views while the same
# rule, structure and initial opinions come back tick after tick; OpinionModel decides once per
# rule whether its runs can take the linear bulk path. Each must follow a change mid-run.

def _far_apart(x_listener, x_speaker):
    return np.linalg.norm(x_listener - x_speaker, axis=1) > 0.8


def test_cached_tick_follows_a_new_temperature_and_cut_ties_mid_run():
    import networkx as nx

    from opinionsim.interventions import CutTies, SetTemperature

    G = nx.watts_strogatz_graph(80, 6, 0.2, seed=3)
    kw = {"dim": 2, "affinity": "distance", "include_self": False, "reporters": [], "seed": 4}
    model = OpinionModel(graph=G, temperature=0.3, **kw,
                         interventions={4: SetTemperature(0.05), 8: CutTies(where=_far_apart)})
    model.run(12)
    assert model.network.version == 1
    # Replay: a fresh model for each stretch, built with the changed setting or graph from the
    # state the intervention met (no noise, no options: a tick depends on nothing else).
    before = OpinionModel(graph=G, temperature=0.3, **kw)
    before.run(4)
    colder = OpinionModel(graph=G, temperature=0.05, initial_opinions=before.opinions, **kw)
    colder.run(4)
    cut = OpinionModel(graph=model.network.adjacency, temperature=0.05,
                       initial_opinions=colder.opinions, **kw)
    assert cut.network.adjacency.nnz < before.network.adjacency.nnz
    cut.run(4)
    np.testing.assert_array_equal(model.opinions, cut.opinions)
    with _kernels.disabled():
        reference = OpinionModel(graph=G, temperature=0.3, **kw, interventions={
            4: SetTemperature(0.05), 8: CutTies(where=_far_apart)})
        reference.run(12)
    np.testing.assert_allclose(model.opinions, reference.opinions, rtol=0, atol=1e-12)


def test_interleaved_models_step_as_they_do_alone():
    import networkx as nx

    ws = nx.watts_strogatz_graph
    specs = [{"graph": ws(50, 4, 0.1, seed=1), "dim": 2, "temperature": 0.2},
             {"graph": ws(70, 6, 0.1, seed=2), "dim": 3, "temperature": 0.5, "noise": 0.01,
              "include_self": False},
             {"n_agents": 30, "dim": 2, "temperature": 0.4},
             {"graph": ws(50, 4, 0.1, seed=1), "dim": 2, "temperature": 0.2,
              "activation": "random_async", "activation_rate": 0.5}]
    alone = []
    for spec in specs:
        m = OpinionModel(seed=9, reporters=["step_attention_entropy"], **spec)
        m.run(6)
        alone.append((m.opinions.copy(), m.last_entropy.copy()))
    together = [OpinionModel(seed=9, reporters=["step_attention_entropy"], **spec)
                for spec in specs]
    for _ in range(6):
        for m in together:
            m.step()
    for m, (X, H) in zip(together, alone):
        np.testing.assert_array_equal(m.opinions, X)
        np.testing.assert_array_equal(m.last_entropy, H)


def test_run_decides_the_linear_path_once_per_rule(monkeypatch):
    import networkx as nx

    from opinionsim.interventions import SetRule

    calls = []
    linear_run = _kernels.linear_run
    monkeypatch.setattr(_kernels, "linear_run", lambda *a: calls.append(1) or linear_run(*a))
    G = nx.watts_strogatz_graph(60, 4, 0.1, seed=5)
    kw = {"graph": G, "dim": 2, "temperature": 0.3, "reporters": [], "record_every": 100,
          "seed": 2}
    model = OpinionModel(**kw, interventions={10: SetRule("uniform")})
    model.run(30)
    # The attention rule never tries the bulk path; the uniform rule installed at step 10 does
    # (one call for the 20 steps left).
    assert len(calls) == 1
    stepped = OpinionModel(**kw, interventions={10: SetRule("uniform")})
    for _ in range(30):
        stepped.step()
    np.testing.assert_array_equal(model.opinions, stepped.opinions)
