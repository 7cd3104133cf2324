"""The control panel's table: validation, defaults, and what each live control changes."""

import numpy as np
import pytest

from opinionsim import OpinionModel, OpinionSimError
from opinionsim.app.controls import (
    CONTROLS,
    NETWORK_KINDS,
    POPULATIONS,
    check_settings,
    default_settings,
    live_intervention,
)
from opinionsim.graphs import build_graph, check_graph_spec


def test_defaults_fill_in_and_given_values_are_kept():
    s = check_settings({"temperature": 0.02, "dim": 2})
    assert s == {**default_settings(), "temperature": 0.02, "dim": 2}


@pytest.mark.parametrize("settings, words", [
    ({"temprature": 0.1}, "unknown setting 'temprature'"),
    ({"temperature": 0.0}, "temperature == 0.0, must be in [0.001, 10.0]"),
    ({"n_agents": 1234}, "n_agents == 1234, must be one of"),
    ({"k": 4.5}, "k == 4.5, must be an integer"),
    ({"affinity": "dots"}, "affinity == 'dots', must be one of 'dot', 'cosine', 'distance'"),
    ({"rewiring": True, "network": "complete", "n_agents": 1000},
     "rewiring == True on the complete graph"),
    ({"network": "complete", "n_agents": 10_000},
     "the explorer runs a complete graph up to 5000 agents"),
])
def test_bad_settings_are_refused_naming_the_control(settings, words):
    with pytest.raises(OpinionSimError) as info:
        check_settings(settings)
    assert words in str(info.value)


def test_every_control_has_one_widget_and_a_default_inside_its_range():
    assert len({c.name for c in CONTROLS}) == len(CONTROLS)
    for c in CONTROLS:
        assert c.widget in ("select", "int", "float", "log", "switch")
        assert c.check(c.default) == c.default
        assert c.help()
        assert (c.intervention is not None) == c.live


@pytest.mark.parametrize("name, value, field", [
    ("temperature", 0.02, "temperature"),
    ("step_size", 0.3, "step_size"),
    ("noise", 0.05, "noise"),
    ("stubbornness", 0.4, "stubbornness"),
])
def test_a_live_control_changes_exactly_its_parameter(name, value, field):
    m = OpinionModel(n_agents=8, seed=1, temperature=0.5)
    before = m.rule
    m.do(live_intervention(name, value, m))
    assert np.all(getattr(m.rule, field) == value)
    for other in ("temperature", "step_size", "noise", "stubbornness"):
        if other != field:
            assert np.all(getattr(m.rule, other) == getattr(before, other))


def test_only_live_controls_make_interventions():
    m = OpinionModel(n_agents=8, seed=1)
    with pytest.raises(OpinionSimError, match="'dim' is not a live control; live controls: "
                                              "temperature, step_size, noise, stubbornness"):
        live_intervention("dim", 2, m)


@pytest.mark.parametrize("kind", list(NETWORK_KINDS))
@pytest.mark.parametrize("n", [POPULATIONS[0], 1000])
@pytest.mark.parametrize("k", [2, 11, 50])
def test_every_network_kind_gives_a_valid_graph_even_for_small_populations(kind, n, k):
    spec = check_graph_spec(NETWORK_KINDS[kind](n, k))
    built = build_graph(spec, seed=0, fast=True)
    size = built["n_agents"] if "n_agents" in built else built["graph"].shape[0] \
        if hasattr(built["graph"], "shape") else built["graph"].number_of_nodes()
    assert size == n


def test_the_table_says_how_each_value_reaches_the_model():
    from opinionsim.app.explorer import ExplorerModel

    m = ExplorerModel(n_agents=100, dim=2, affinity="cosine", temperature=0.2, step_size=0.3,
                      noise=0.01, stubbornness=0.1, seed=4, background=False)
    kwargs = {k: v for c in CONTROLS for k, v in c.model_keywords(m.config[c.name]).items()}
    assert kwargs == {"dim": 2, "affinity": "cosine", "temperature": 0.2, "step_size": 0.3,
                      "noise": 0.01, "stubbornness": 0.1}
    assert (m.control.dim, m.control.affinity, m.control.temperature) == (2, "cosine", 0.2)
    assert m.control.rule.step_size == 0.3 and m.control.rule.noise == 0.01


def test_the_rewiring_switch_builds_a_model_whose_network_moves():
    from opinionsim.app.explorer import ExplorerModel

    m = ExplorerModel(**{**default_settings(), "rewiring": True, "temperature": 0.01,
                         "n_agents": 1000}, background=False)
    drawn = m.edges.copy()
    for _ in range(5):
        m.step()
    assert m.control.network.version > 0
    assert not np.array_equal(drawn, m.edges)  # the picture follows the ties
