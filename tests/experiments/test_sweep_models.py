"""Sweeps of either model (issue 13): ``model="activity_driven"``, and the networks of
coevolving runs stored next to their results."""

import json

import numpy as np
import pandas as pd
import pytest

from opinionsim import ActivityDrivenModel, OpinionModel, OpinionSimError, Unfollow
from opinionsim.cli import main
from opinionsim.experiments.prepare import prepare
from opinionsim.graphs import build_graph
from opinionsim.reporters import build_reporters
from opinionsim.sweep import default_metrics, load_network, load_results, run_seed, sweep

ACTIVITY = {"n_agents": 50, "controversialness": 3, "contacts": 4}


def activity(grid=None, **kw):
    args = dict(seeds=2, steps=6, n_jobs=1, progress=False, model="activity_driven")
    args.update(kw)
    return sweep(args.pop("params", ACTIVITY), {"homophily": [0.0, 3.0]} if grid is None
                 else grid, **args)


def empty(folder):
    return not folder.exists() or not any(folder.iterdir())


# ------------------------------------------------------------------ the activity-driven model


def test_activity_sweep_rows_are_direct_runs_with_the_rows_seeds():
    df = activity(record_every=4)
    metrics = default_metrics("activity_driven")
    assert list(df.columns) == ["homophily", "replicate", "seed", "step", *metrics]
    assert "attention_entropy" not in metrics and "mean_abs_opinion" in metrics
    assert df.step.tolist() == [0, 4, 6] * 4
    for (h, rep), rows in df.groupby(["homophily", "replicate"], sort=False):
        seed = int(rows.seed.iloc[0])
        assert seed == run_seed(0, {"homophily": h}, rep)
        model = ActivityDrivenModel(**ACTIVITY, homophily=h, seed=seed, reporters=[])
        fns = build_reporters(metrics, model)
        expected = []
        for step in (0, 4, 6):
            model.run(step - model.steps)
            expected.append([fns[m](model) for m in metrics])
        np.testing.assert_array_equal(rows[metrics].to_numpy(), np.array(expected))
    # the homophily lever is visible even in 6 steps: identical otherwise, so any difference
    # is the contact choice
    assert not np.array_equal(df[df.homophily == 0].variance, df[df.homophily == 3].variance)


def test_activity_seeds_do_not_depend_on_spelling_or_workers():
    a = activity(metrics=["variance", "fraction_positive"])
    b = activity(params={"n_agents": 50, "controversialness": 3.0, "contacts": 4},
                 grid={"homophily": [0, 3]}, metrics=["variance", "fraction_positive"],
                 n_jobs=2)
    pd.testing.assert_frame_equal(a, b)


def test_wrong_names_and_values_are_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    cases = [
        ({"n_agents": 50, "temperature": 0.1}, {}, r"params names 'temperature', which is not "
         r"an argument of ActivityDrivenModel \(it is an argument of OpinionModel.*valid: "
         r"n_agents, social_influence, controversialness, homophily"),
        ({"n_agents": 50}, {"dim": [1, 2]}, r"grid names 'dim'.*ActivityDrivenModel"),
        ({"n_agents": 50}, {"homophilly": [1.0]}, r"did you mean 'homophily'"),
        ({"graph": "watts_strogatz:n=50,k=4,p=0.1"}, {},
         r"params\['graph'\] gives a graph, but model == 'activity_driven' "
         r"\(ActivityDrivenModel\) has no fixed graph"),
        ({"n_agents": 50}, {"graph": ["complete:n=50"]}, r"has no fixed graph"),
        ({"n_agents": 50}, {"contacts": [4, 50]}, r"contacts == 50.*\[1, 49\].*at contacts=50"),
        ({"n_agents": 5000, "contacts": 5000}, {}, r"contacts == 5000.*\[1, 4999\]"),
        ({"n_agents": 50, "rewiring": "unfollow:rate=0.1"}, {}, r"'rewiring'.*OpinionModel"),
    ]
    for params, grid, match in cases:
        with pytest.raises(OpinionSimError, match=match):
            sweep(params, grid, seeds=1, steps=2, model="activity_driven", out=out,
                  progress=False)
        assert empty(out)
    with pytest.raises(OpinionSimError, match="metric 'attention_entropy' does not apply to "
                                              "ActivityDrivenModel: it has no attention"):
        sweep({"n_agents": 50}, {}, seeds=1, steps=2, model="activity_driven",
              metrics=["attention_entropy"], out=out, progress=False)
    with pytest.raises(OpinionSimError, match=r"'homophily', which is not an argument of "
                                              r"OpinionModel \(it is an argument of "
                                              r"ActivityDrivenModel"):
        sweep({"n_agents": 50}, {"homophily": [1.0]}, seeds=1, steps=2, out=out,
              progress=False)
    with pytest.raises(OpinionSimError, match="model == 'voter', must be one of: opinion, "
                                              "activity_driven"):
        sweep({"n_agents": 50}, {}, model="voter", out=out, progress=False)
    assert empty(out)


def test_a_large_population_is_checked_at_its_own_size():
    # The stand-in has 64 agents; contacts are checked against the runs' N (and the
    # model's default N = 1000 when n_agents is not given).
    prepare({"n_agents": 5000, "contacts": 100}, {}, seeds=1, steps=1, record_every=None,
            metrics=None, seed=0, model="activity_driven")
    prepare({"contacts": 999}, {}, seeds=1, steps=1, record_every=None, metrics=None, seed=0,
            model="activity_driven")
    with pytest.raises(OpinionSimError, match=r"contacts == 1000.*\[1, 999\]"):
        prepare({"contacts": 1000}, {}, seeds=1, steps=1, record_every=None, metrics=None,
                seed=0, model="activity_driven")


def test_resume_refuses_another_model_and_keeps_older_opinion_sweeps(tmp_path):
    out = tmp_path / "s"
    kw = dict(seeds=1, steps=2, metrics=["variance"], n_jobs=1, out=out, progress=False)
    df = sweep({"n_agents": 20}, {}, **kw)
    spec = json.loads((out / "sweep.json").read_text())
    assert spec["spec"]["model"] == "opinion"
    with pytest.raises(OpinionSimError, match=r"holds a different sweep \(differs in: model\)"):
        sweep({"n_agents": 20}, {}, model="activity_driven", **kw)
    # A sweep stored before the model was recorded is an OpinionModel sweep: it resumes.
    del spec["spec"]["model"]
    (out / "sweep.json").write_text(json.dumps(spec))
    run_file = next((out / "runs").iterdir())
    before = run_file.stat().st_mtime_ns
    pd.testing.assert_frame_equal(sweep({"n_agents": 20}, {}, **kw), df)
    assert run_file.stat().st_mtime_ns == before  # resumed, not run again
    with pytest.raises(OpinionSimError, match="differs in: model"):
        sweep({"n_agents": 20}, {}, model="activity_driven", **kw)


def test_cli_model_activity_driven_end_to_end(tmp_path, capsys):
    out = tmp_path / "cli"
    config = tmp_path / "tiny.toml"
    config.write_text('model = "activity_driven"\nseeds = 2\nsteps = 5\n'
                      'metrics = ["variance", "mean_abs_opinion"]\nn-jobs = 1\nquiet = true\n'
                      '[params]\nn_agents = 40\n[grid]\nhomophily = [0, 3]\n')
    assert main(["sweep", "--config", str(config), "--out", str(out)]) == 0
    assert capsys.readouterr().err == ""
    df = load_results(out)
    assert df.attrs["sweep"]["model"] == "activity_driven"
    direct = sweep({"n_agents": 40}, {"homophily": [0, 3]}, seeds=2, steps=5,
                   metrics=["variance", "mean_abs_opinion"], model="activity_driven", n_jobs=1,
                   progress=False)
    pd.testing.assert_frame_equal(df, direct, check_like=False)
    assert (out / "polarization_vs_homophily.png").stat().st_size > 0  # x: the varied one
    # the flag, and OpinionModel settings refused with it (one line, exit 2)
    code = main(["sweep", "--model", "activity_driven", "--graph", "complete:n=40",
                 "--out", str(tmp_path / "no")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "--graph is an OpinionModel setting, and --model activity_driven has no fixed graph" \
        in err
    code = main(["sweep", "--model", "activity_driven", "--set", "n_agents=40",
                 "--temperature", "0.1", "--out", str(tmp_path / "no")])
    assert code == 2 and "--temperature is an OpinionModel setting" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


# --------------------------------------------------------------------- networks of runs

REWIRED = {"graph": "watts_strogatz:n=40,k=4,p=0.2", "affinity": "distance",
           "rewiring": "unfollow:rate=0.3,threshold=0.5"}


def test_rewired_networks_are_stored_and_reproduced_by_an_independent_run(tmp_path):
    out = tmp_path / "rw"
    df = sweep(REWIRED, {"temperature": [0.05, 0.5]}, seeds=2, steps=8,
               metrics=["network_version", "cross_cutting_fraction"], n_jobs=1, out=out,
               progress=False)
    assert df.attrs["sweep"]["params"]["rewiring"] == \
        "unfollow:rate=0.3,threshold=0.5,recommend=random,candidates=10,temperature=1.0"
    assert (df.network_version > 0).all()
    assert len(list((out / "networks").iterdir())) == 4
    assert len(pd.read_parquet(out / "runs")) == 4  # runs/ is still a Parquet dataset
    spec = {"kind": "watts_strogatz", "n": 40, "k": 4, "p": 0.2}
    for row in df.to_dict("records"):  # not iterrows: a seed above 2**53 is no float64
        seed = row["seed"]
        stored = load_network(out, row)
        model = OpinionModel(**build_graph(spec, seed, fast=True), affinity="distance",
                             temperature=row["temperature"], seed=seed, reporters=[],
                             rewiring=Unfollow(rate=0.3, threshold=0.5))
        initial = model.network.adjacency.copy()
        model.run(8)
        fresh = model.network.adjacency
        assert model.network.version == row["network_version"]
        for attr in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(stored, attr), getattr(fresh, attr))
        assert (stored != initial).nnz > 0  # it did change
    run_id = next((out / "networks").iterdir()).name[:-len(".npz")]
    assert load_network(out, run_id).shape == (40, 40)
    with pytest.raises(OpinionSimError, match="has no run"):
        load_network(out, {"temperature": 0.3, "replicate": 0})


def test_a_missing_network_file_makes_resume_redo_that_run_only(tmp_path):
    out = tmp_path / "rw"
    kw = dict(seeds=2, steps=5, metrics=["network_version"], n_jobs=1, out=out, progress=False)
    df = sweep(REWIRED, {"temperature": [0.05]}, **kw)
    nets = sorted((out / "networks").iterdir())
    gone, kept = nets
    kept_before = kept.stat().st_mtime_ns
    stored = load_network(out, gone.stem)
    gone.unlink()
    # spelt differently (keys in another order, an instance): the same sweep, resumed
    again = sweep({**REWIRED, "rewiring": Unfollow(threshold=0.5, rate=0.3)},
                  {"temperature": [0.05]}, **kw)
    pd.testing.assert_frame_equal(again, df)
    assert gone.exists() and kept.stat().st_mtime_ns == kept_before
    assert (load_network(out, gone.stem) != stored).nnz == 0


def test_which_runs_store_a_network(tmp_path):
    static = {**REWIRED, "rewiring": "unfollow:rate=0"}  # never changes the network
    kw = dict(seeds=1, steps=3, metrics=["network_version"], n_jobs=1, progress=False)
    df = sweep(static, {"temperature": [0.1]}, out=tmp_path / "a", **kw)
    assert load_network(tmp_path / "a", df.iloc[0]) is None
    assert empty(tmp_path / "a" / "networks")
    # asked for: stored, equal to the graph it started from; resuming with the question
    # redoes the runs stored without one
    df = sweep(static, {"temperature": [0.1]}, out=tmp_path / "a", save_networks=True, **kw)
    graph = build_graph({"kind": "watts_strogatz", "n": 40, "k": 4, "p": 0.2},
                        int(df.seed.iloc[0]), fast=True)["graph"]
    A = load_network(tmp_path / "a", df.iloc[0])
    assert (A != OpinionModel(graph=graph, seed=0).network.adjacency).nnz == 0
    sweep(REWIRED, {"temperature": [0.1]}, out=tmp_path / "b", save_networks=False, **kw)
    assert empty(tmp_path / "b" / "networks")
    sweep(ACTIVITY, {}, model="activity_driven", out=tmp_path / "c", **kw)
    assert empty(tmp_path / "c" / "networks")  # redrawn every step: not by default
    with pytest.raises(OpinionSimError, match="complete graph.*no edge list"):
        sweep({"n_agents": 20}, {}, save_networks=True, out=tmp_path / "d", **kw)
    with pytest.raises(OpinionSimError, match="rewiring needs a sparse network"):
        sweep({"n_agents": 20, "rewiring": "unfollow:rate=0.1"}, {}, out=tmp_path / "d", **kw)
    with pytest.raises(OpinionSimError, match="rate == 2.0, must be in"):
        sweep({**REWIRED, "rewiring": "unfollow:rate=2"}, {}, out=tmp_path / "d", **kw)
    assert empty(tmp_path / "d")


def test_activity_sweeps_record_snapshot_network_metrics_only_when_asked():
    # One step's contacts are not the interaction network Baumann et al. measure echo
    # chambers on: not a default, but recorded when named.
    defaults = default_metrics("activity_driven")
    assert "echo_chamber_modularity" not in defaults and "neighbor_correlation" not in defaults
    table = sweep({"n_agents": 40}, {"homophily": [0.0, 3.0]}, model="activity_driven", seeds=1,
                  steps=3, metrics=["echo_chamber_modularity"], n_jobs=1, progress=False)
    assert list(table.columns[-1:]) == ["echo_chamber_modularity"]
    assert table["echo_chamber_modularity"].notna().all()
