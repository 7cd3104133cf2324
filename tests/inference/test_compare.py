"""compare_rules: AIC picks the generating rule when rules differ; says so when they do not."""

import math

import networkx as nx
import numpy as np
import pytest

import opinionsim as osim
from opinionsim import OpinionSimError
from opinionsim.inference import CANDIDATES
from opinionsim.inference.compare import Candidate

from .conftest import simulate_panel

# Generating processes far apart at N = 100, 20 steps, σ = 0.05 (ΔAIC to the runner-up is
# typically tens to thousands, so AIC should pick them nearly always).
GENERATORS = {
    "attention-distance": dict(affinity="distance", temperature=0.05),
    "attention-dot": dict(affinity="dot", temperature=0.1),
    "bounded_confidence": dict(rule="bounded_confidence", confidence=0.3),
    "friedkin_johnsen": dict(rule="uniform", stubbornness=0.3),
}
REPLICATIONS = 10


def panel(rep, **kw):
    g = nx.watts_strogatz_graph(100, 6, 0.1, seed=rep)
    return simulate_panel(20, graph=g, dim=2, noise=0.05, seed=500 + rep, **kw), g


@pytest.mark.parametrize("name", list(GENERATORS))
def test_aic_picks_the_generating_rule(name):
    picked = 0
    for rep in range(REPLICATIONS):
        X, g = panel(rep, **GENERATORS[name])
        table = osim.compare_rules(X, g, seed=rep, n_starts=2)
        picked += table.index[0] == name and table.attrs["distinguishable"]
    assert picked >= 0.9 * REPLICATIONS, f"{name} picked in {picked}/{REPLICATIONS}"


def test_table_columns_weights_and_verdicts():
    X, g = panel(0, **GENERATORS["friedkin_johnsen"])
    table = osim.compare_rules(X, g, rules=["uniform", "friedkin_johnsen", "attention-dot"],
                               seed=0)
    assert list(table.columns) == ["rule", "affinity", "n_params", "loglik", "aic", "bic",
                                   "delta_aic", "akaike_weight", "verdict", "converged",
                                   "estimates", "notes"]
    assert table["akaike_weight"].sum() == pytest.approx(1.0)
    assert table["aic"].is_monotonic_increasing
    best = table.iloc[0]
    assert best["verdict"] == "best" and best["delta_aic"] == 0
    assert table.loc["uniform", "n_params"] == 2
    assert table.loc["uniform", "aic"] == pytest.approx(4 - 2 * table.loc["uniform", "loglik"])
    assert table.attrs["summary"].startswith("friedkin_johnsen is preferred")


def test_identical_candidates_are_not_distinguishable():
    X, g = panel(1, **GENERATORS["attention-distance"])
    same = CANDIDATES["attention-distance"]
    table = osim.compare_rules(X, g, rules={"A": same, "B": same}, seed=0)
    assert table["akaike_weight"].tolist() == pytest.approx([0.5, 0.5])
    assert not table.attrs["distinguishable"]
    assert table.attrs["summary"].startswith("not distinguishable")
    assert "not distinguishable from the best" in table["verdict"].tolist()


def test_degroot_data_do_not_separate_two_attention_affinities():
    """At T = inf both affinities reduce to DeGroot: the verdict is mostly 'not distinguishable'."""
    verdicts = []
    for rep in range(20):
        X, g = panel(rep, rule="uniform")
        table = osim.compare_rules(X, g, rules=["attention-dot", "attention-distance"], seed=rep,
                                   n_starts=2)
        verdicts.append(table.attrs["distinguishable"])
        # Even when one wins by more than 2 AIC units, it never wins decisively.
        assert table["delta_aic"].max() < 10
    assert np.mean(verdicts) <= 0.3, verdicts


def test_fixed_values_are_shared_and_not_estimated():
    X, g = panel(2, **GENERATORS["friedkin_johnsen"])
    table = osim.compare_rules(X, g, rules=["uniform", "friedkin_johnsen"],
                               fixed={"noise": 0.05}, seed=0)
    assert table.loc["uniform", "n_params"] == 1
    assert "noise" not in table.loc["uniform", "estimates"]


@pytest.mark.parametrize("rules,match", [
    (["uniform", "deffuant"], "'deffuant'"),
    (["uniform"], "at least two"),
    ("uniform", "list of names"),
    ({"x": "uniform", "y": "uniform"}, "Candidate"),
])
def test_bad_rules_are_refused(rules, match):
    X, g = panel(3, rule="uniform")
    with pytest.raises(OpinionSimError, match=match):
        osim.compare_rules(X, g, rules=rules)


def test_a_custom_candidate():
    X, g = panel(4, **GENERATORS["friedkin_johnsen"])
    custom = {"fj": CANDIDATES["friedkin_johnsen"],
              "fj-no-step": Candidate("uniform", "dot", ("stubbornness", "noise"),
                                      "FJ with the default step size 0.5")}
    table = osim.compare_rules(X, g, rules=custom, seed=0)
    # The truth has step size 0.5, so fixing it costs no fit and saves a parameter.
    assert table.loc["fj-no-step", "loglik"] == pytest.approx(table.loc["fj", "loglik"], abs=5)
    assert math.isfinite(table.loc["fj-no-step", "aic"])
