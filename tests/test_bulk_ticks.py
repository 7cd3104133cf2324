"""Unobserved stretches of attention steps run without per-step Python (kernels.attention_run):
the same bits as step by step, and the same error at the same step."""

import networkx as nx
import numpy as np
import pytest

from opinionsim import OpinionModel, OpinionSimError
from opinionsim import kernels as _kernels
from opinionsim.interventions import SetTemperature

G = nx.watts_strogatz_graph(80, 6, 0.2, seed=4)
WEIGHTED = G.copy()
for k, (u, v) in enumerate(WEIGHTED.edges):
    WEIGHTED.edges[u, v]["w"] = 0.2 + (k % 7) / 7

CASES = {
    "plain dot": {"temperature": 0.3},
    "distance, no self": {"temperature": 0.05, "affinity": "distance", "include_self": False},
    "log distance, dim 1": {"dim": 1, "temperature": 0.2, "affinity": "log_distance"},
    "bounded confidence": {"rule": "bounded_confidence", "confidence": 0.4},
    "weighted edges": {"graph": WEIGHTED, "weight": "w", "temperature": 0.3},
    "entropy floor": {"temperature": 0.05, "attention_entropy_floor": 0.6},
    "per-agent T, stubborn": {"temperature": np.linspace(0.05, 1.0, 80), "stubbornness": 0.2,
                              "step_size": 0.7},
    "sphere, dim 3": {"dim": 3, "opinion_space": "sphere", "temperature": 0.2},
    "dim 5 (generic width)": {"dim": 5, "temperature": 0.4},
}


def _pair(spec, **extra):
    kw = {"graph": G, "dim": 2, "seed": 11, "reporters": [], **spec, **extra}
    return OpinionModel(**kw), OpinionModel(**kw)


@pytest.mark.parametrize("name", list(CASES))
def test_a_quiet_run_is_step_by_step_bit_for_bit(name, monkeypatch):
    calls = []
    run = _kernels.attention_run
    monkeypatch.setattr(_kernels, "attention_run",
                        lambda *a: calls.append(a[4]) or run(*a))
    bulk, stepped = _pair(CASES[name])
    bulk.run(25)
    for _ in range(25):
        stepped.step()
    assert calls == [24]  # every step but the last in one call
    assert bulk.steps == stepped.steps == 25
    np.testing.assert_array_equal(bulk.opinions, stepped.opinions)
    assert bulk.last_change == stepped.last_change


def test_records_and_interventions_bound_the_stretches(monkeypatch):
    calls = []
    run = _kernels.attention_run
    monkeypatch.setattr(_kernels, "attention_run",
                        lambda *a: calls.append(a[4]) or run(*a))
    spec = {"temperature": 0.3, "reporters": ["variance", "step_attention_entropy"],
            "record_every": 10, "interventions": {15: SetTemperature(0.05)}}
    bulk, stepped = _pair(spec)
    bulk.run(40)
    for _ in range(40):
        stepped.step()
    assert calls == [9, 4, 4, 9, 9]  # stretches end at steps 10, 15, 20, 30, 40
    np.testing.assert_array_equal(bulk.opinions, stepped.opinions)
    a = bulk.datacollector.get_model_vars_dataframe().to_numpy(float)
    b = stepped.datacollector.get_model_vars_dataframe().to_numpy(float)
    np.testing.assert_array_equal(a, b)  # entropy included: the recorded steps ran as steps


def test_noise_dropout_and_maps_keep_the_per_step_path():
    for extra in ({"noise": 0.01}, {"attention_dropout": 0.2}, {"query_map": 2 * np.eye(2)},
                  {"salience": 2.0}, {"affinity": "cosine"}):
        m = OpinionModel(graph=G, dim=2, seed=1, reporters=[], **extra)
        X = np.ascontiguousarray(m.opinions)
        ctx = m.context(1)
        assert _kernels.attention_run(X, m._X0, m.structure(), m.rule, 5, ctx) is None, extra


def test_a_non_finite_opinion_is_named_at_its_step():
    # Opinions of 1e300 overflow the dot product to inf at the first tick.
    X0 = np.full((80, 2), 1e300)
    X0[::2] *= -1
    for run in (lambda m: m.run(10), lambda m: [m.step() for _ in range(10)]):
        m = OpinionModel(graph=G, dim=2, initial_opinions=X0, temperature=0.3, seed=1,
                         reporters=[])
        with pytest.raises(OpinionSimError, match="step 1 produced a non-finite opinion"):
            run(m)


def test_the_bulk_call_stops_before_a_non_finite_tick():
    X0 = np.full((80, 2), 1e300)
    X0[::2] *= -1
    m = OpinionModel(graph=G, dim=2, initial_opinions=X0, temperature=0.3, seed=1, reporters=[])
    new, ticks, largest = _kernels.attention_run(m.opinions, m._X0, m.structure(), m.rule, 5,
                                                 m.context(1))
    assert ticks == 0 and not np.isfinite(largest)
    np.testing.assert_array_equal(new, X0)  # the state before the tick that failed


def test_run_until_checks_at_the_same_steps_and_states(monkeypatch):
    from opinionsim.conditions import max_change

    calls = []
    run = _kernels.attention_run
    monkeypatch.setattr(_kernels, "attention_run",
                        lambda *a: calls.append(a[4]) or run(*a))
    bulk, stepped = _pair({"temperature": 0.3})
    done = bulk.run_until(max_change(1e-3), max_steps=400, check_every=7)
    assert calls and set(calls) == {6}  # each stretch between two checks but its last step
    steps, condition = 0, max_change(1e-3)
    while steps < 400:
        for _ in range(min(7, 400 - steps)):
            stepped.step()
            steps += 1
        if condition(stepped):
            break
    assert done == (steps, condition(stepped))
    np.testing.assert_array_equal(bulk.opinions, stepped.opinions)
