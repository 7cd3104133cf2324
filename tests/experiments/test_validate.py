"""What runs would refuse is refused before anything runs or is written: stand-in models,
metrics on complete graphs, the memory a sweep needs."""

import inspect

import numpy as np
import pytest

from opinionsim import OpinionSimError
from opinionsim.experiments import validate
from opinionsim.experiments.prepare import prepare
from opinionsim.experiments.validate import STAND_IN_N, check_points
from opinionsim.sweep import default_metrics, sweep

WS = {"graph": "watts_strogatz:n=30,k=4,p=0.2"}
BIG = {"graph": "watts_strogatz:n=1000000,k=10,p=0.1"}  # never built here


def refused(params, grid=None, match=None, *, out, **kw):
    args = dict(seeds=2, steps=3, metrics=["variance"], n_jobs=1, progress=False, out=out)
    args.update(kw)
    with pytest.raises(OpinionSimError, match=match) as info:
        sweep(params, grid if grid is not None else {"temperature": [0.1, 1.0]}, **args)
    assert not out.exists(), "a refused sweep wrote something"
    return str(info.value)


@pytest.mark.parametrize("params, grid, words", [
    ({**WS, "noise": -1}, None, "noise == -1.0, must be in [0, inf]"),
    (WS, {"noise": ["abc"]}, "noise == 'abc', must be a real number"),
    (WS, {"temperature": ["abc"]}, "temperature "),
    ({**WS, "n_agents": 10}, None, "n_agents == 10 is given with a graph"),
    ({**WS, "rule": "bounded_confidence"}, None, "rule == 'bounded_confidence' needs it"),
    ({**WS, "confidence": 0.2}, {"rule": ["uniform", "bounded_confidence", "nope"]},
     "rule == 'nope', must be one of"),
    ({**WS, "heads": [[0, 1]]}, {"dim": [2, 1]}, "heads names dimension 1"),
    ({**WS, "activation": "nope"}, None, "activation == 'nope'"),
    ({**WS, "include_self": "abc"}, None, "include_self == 'abc', must be true or false"),
    ({**WS, "zealots": [30]}, None, "zealots names node 30"),
    ({**WS, "stubbornness": [0.1, 0.2]}, None, "stubbornness has shape (2,)"),
    ({**WS, "initial_opinions": np.ones((30, 3))}, None, "initial_opinions has shape (30, 3)"),
    ({"n_agents": 0}, None, "n_agents == 0"),
    ({}, None, "pass exactly one of graph"),
])
def test_what_any_run_would_refuse_is_refused_first(tmp_path, params, grid, words):
    assert words in refused(params, grid, out=tmp_path / "o")


def test_a_varied_point_is_named(tmp_path):
    text = refused({**WS, "confidence": 0.1}, {"rule": ["uniform", "bounded_confidence"],
                                              "noise": [0.0, -2.0]}, out=tmp_path / "o")
    assert text == "noise == -2.0, must be in [0, inf]."


def test_a_large_network_is_not_built_to_check_it(tmp_path, monkeypatch):
    from opinionsim import graphs

    def no_build(*a, **k):
        raise AssertionError("the graph was built")

    monkeypatch.setattr(graphs, "build_graph", no_build)
    # What depends on the size is checked against the real size...
    big = {**BIG, "dim": 2}
    assert "stubbornness has shape (2,), must be a scalar or an array of shape (1000000,)" in \
        refused({**big, "stubbornness": [0.1, 0.2]}, out=tmp_path / "a")
    assert "zealots names node 1000000" in refused({**big, "zealots": [5, 10**6]},
                                                   out=tmp_path / "b")
    assert "initial_opinions has shape (5, 2), must be (1000000, 2)" in \
        refused({**big, "initial_opinions": np.zeros((5, 2))}, out=tmp_path / "c")
    # ... and the cross-parameter checks run on a stand-in of the same kind.
    assert "needs it" in refused({**big, "rule": "bounded_confidence"}, out=tmp_path / "d")
    checked = check_points({"graph": {"kind": "complete", "n": 10**6}, "dim": 3}, [{}])
    assert checked.n_agents == 10**6 and checked.stand_ins["complete"].n_agents == STAND_IN_N


def test_each_distinct_point_is_built_once(monkeypatch):
    import opinionsim.model

    built = []
    real = opinionsim.model.OpinionModel

    class Counting(real):
        def __init__(self, *a, **k):
            built.append(k.get("temperature"))
            super().__init__(*a, **k)

    Counting.__init__.__signature__ = inspect.signature(real.__init__)

    monkeypatch.setattr(opinionsim.model, "OpinionModel", Counting)
    prepare(WS, {"temperature": [0.1, 1.0], "graph.p": [0.1, 0.2, 0.3]}, seeds=5, steps=3,
            record_every=None, metrics=["variance"], seed=0)
    assert built == [0.1, 0.1, 0.1, 1.0, 1.0, 1.0]  # a 30-node graph is used as it is
    built.clear()
    prepare(BIG, {"temperature": [0.1, 1.0], "graph.p": [0.1, 0.2, 0.3]}, seeds=5, steps=3,
            record_every=None, metrics=["variance"], seed=0)
    assert built == [0.1, 1.0]  # one ring stand-in per temperature, whatever p


# ------------------------------------------------------------------ complete graphs (item 1)


@pytest.mark.parametrize("params", [{"n_agents": 50}, {"graph": "complete:n=100"}])
def test_default_metrics_work_on_a_complete_graph(params, capsys):
    df = sweep(params, {"temperature": [0.1, 1]}, seeds=2, steps=3, n_jobs=1)
    err = capsys.readouterr().err
    dropped = [m for m in default_metrics() if m not in df.columns]
    assert dropped, "no default metric needs edges any more: this test is moot"
    assert df.attrs["failures"] == [] and len(df) == 4
    assert err.count("not recorded: on a complete graph") == 1
    assert all(m in err for m in dropped)
    assert df[[c for c in df.columns if c in default_metrics()]].notna().all().all()


def test_every_default_metric_is_recorded_at_the_final_step():
    # step_attention_entropy reads what the model kept during the last step: the sweep must
    # ask for it before running, not only when it evaluates the metrics at the end.
    df = sweep(WS, {"temperature": [0.1, 1.0]}, seeds=2, steps=3, n_jobs=1, progress=False)
    assert list(df.columns[4:]) == default_metrics()
    assert df[default_metrics()].notna().all().all()


def test_a_metric_asked_for_on_a_complete_graph_is_refused(tmp_path):
    text = refused({"n_agents": 50}, metrics=["variance", "echo_chamber_modularity"],
                   out=tmp_path / "o")
    assert text.startswith("metric 'echo_chamber_modularity' cannot be computed on a complete "
                           "graph")


def test_a_metric_for_another_model_is_refused(tmp_path):
    # Found by tests/test_fuzz.py: the activity-driven model's reporters are registered by
    # name too, and on an OpinionModel every run failed with an AttributeError.
    from opinionsim.reporters import REPORTERS

    other = next((name for name in REPORTERS if name.startswith("activity")), None)
    if other is None:
        pytest.skip("no reporter of another model is registered")
    text = refused(WS, metrics=["variance", other], out=tmp_path / "o")
    assert text.startswith(f"metric {other!r} cannot be computed on this model (OpinionModel): ")


def test_a_varied_graph_with_a_complete_one_drops_the_default_for_all(tmp_path):
    df = sweep({}, {"graph": ["complete:n=20", "watts_strogatz:n=20,k=4,p=0.1"]}, seeds=1,
               steps=2, n_jobs=1, progress=False)
    assert "echo_chamber_modularity" not in df.columns and df.attrs["notes"]


# --------------------------------------------------------------------------- memory (item 5)


def test_a_sweep_that_cannot_fit_in_memory_is_refused(tmp_path):
    text = refused(WS, steps=10_000_000_000_000, record_every=1, out=tmp_path / "o")
    assert text.startswith("this sweep would need about ") and "more than the" in text
    assert "record_every" in text


def test_the_memory_estimate(monkeypatch):
    spec = prepare({"n_agents": 10, "record_opinions": True}, {"temperature": [0.1, 1.0]},
                   seeds=3, steps=99, record_every=1, metrics=["variance", "max_change"],
                   seed=0)
    checked = prepare({"n_agents": 10, "record_opinions": True}, {}, seeds=1, steps=1,
                      record_every=None, metrics=["variance"], seed=0)["checked"]
    rows, columns, state = 100, 3, 8 * 10 * 1
    per_run = rows * columns * validate.BYTES_PER_VALUE + 4 * state + rows * state
    table = 2 * 6 * rows * (columns + 1 + 2) * 8
    assert validate.memory_needed(spec["spec"], checked, 2) == 2 * per_run + table
    monkeypatch.setattr(validate, "available_memory", lambda: 2 * per_run + table - 1)
    with pytest.raises(OpinionSimError, match="every agent's opinion"):
        validate.check_memory(spec["spec"], checked, 2)
    validate.check_memory(spec["spec"], checked, 1)


def test_the_default_metrics_work_on_every_graph_kind_the_help_lists(tmp_path, capsys):
    import networkx as nx

    from opinionsim.cli import main
    from opinionsim.graphs import GRAPH_KINDS

    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    listed = capsys.readouterr().out
    nx.write_edgelist(nx.cycle_graph(12), tmp_path / "g.edgelist", data=False)
    specs = {"complete": "complete:n=12", "erdos_renyi": "erdos_renyi:n=20,p=0.3",
             "watts_strogatz": "watts_strogatz:n=20,k=4,p=0.2",
             "barabasi_albert": "barabasi_albert:n=20,m=2",
             "stochastic_block": "stochastic_block:sizes=[10,10],p_in=0.5,p_out=0.05",
             "file": f"file:path={tmp_path / 'g.edgelist'}"}
    assert set(specs) == set(GRAPH_KINDS) and all(f"{kind}:" in listed for kind in specs)
    df = sweep({"dim": 2}, {"graph": list(specs.values())}, seeds=1, steps=2, n_jobs=1,
               progress=False)
    assert df.attrs["failures"] == [] and len(df) == len(specs)
