"""Sweep designs (random, Latin hypercube, Sobol) and Sobol sensitivity indices."""

import json
import math
import time

import numpy as np
import pandas as pd
import pytest

import opinionsim as osim
from opinionsim import OpinionSimError
from opinionsim.sweep import load_results, run_seed, sweep

# ------------------------------------------------------------------ Ishigami, run as a sweep

# Three real model parameters stand for the Ishigami inputs x1, x2, x3 ~ U(-pi, pi): each
# range is mapped linearly onto [-pi, pi] by the metric, which reads the values back from
# the model each run was built with. So the points go through the whole sweep (checks,
# plan, runs, table) before SALib sees them.
ISHIGAMI_RANGES = {"temperature": (1.0, 2.0), "step_size": (0.1, 0.9), "noise": (0.0, 1.0)}
A, B = 7.0, 0.1


def _to_pi(value, low, high):
    return -math.pi + 2 * math.pi * (value - low) / (high - low)


def ishigami(model):
    """The Ishigami function of the model's (temperature, step_size, noise)."""
    x1, x2, x3 = (_to_pi(getattr(model.rule, name), *r[:2])
                  for name, r in ISHIGAMI_RANGES.items())
    return math.sin(x1) + A * math.sin(x2) ** 2 + B * x3 ** 4 * math.sin(x1)


def ishigami_closed_form():
    """S1, ST and S13 of Ishigami (a, b) with x ~ U(-pi, pi)^3 (Ishigami & Homma 1990;
    Sobol' & Levitan 1999; the closed forms as in Surjanovic & Bingham's library)."""
    pi4, pi8 = math.pi ** 4, math.pi ** 8
    v1 = 0.5 * (1 + B * pi4 / 5) ** 2
    v2 = A ** 2 / 8
    v13 = 8 * B ** 2 * pi8 / 225
    var = A ** 2 / 8 + B * pi4 / 5 + B ** 2 * pi8 / 18 + 0.5
    assert math.isclose(var, v1 + v2 + v13)  # the decomposition adds up
    s1 = [v1 / var, v2 / var, 0.0]
    st = [(v1 + v13) / var, v2 / var, v13 / var]
    return s1, st, v13 / var


@pytest.mark.slow
def test_ishigami_indices_through_the_sweep_match_the_closed_form():
    s1, st, s13 = ishigami_closed_form()
    # Published values (a=7, b=0.1): S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
    assert np.allclose(s1, [0.3139, 0.4424, 0.0], atol=1e-4)
    assert np.allclose(st, [0.5576, 0.4424, 0.2437], atol=1e-4)
    design = osim.Sobol(ISHIGAMI_RANGES, n=1024, calc_second_order=True, seed=0)
    df = sweep({"n_agents": 4}, design=design, seeds=1, steps=0, metrics={"y": ishigami},
               n_jobs=1, progress=False)
    assert len(df) == 1024 * (2 * 3 + 2)
    si = osim.sensitivity(df, "y")
    assert list(si.index) == list(ISHIGAMI_RANGES)
    for k, name in enumerate(ISHIGAMI_RANGES):
        row = si.loc[name]
        assert row.S1_low <= s1[k] <= row.S1_high, (name, "S1", row.S1, s1[k])
        assert row.ST_low <= st[k] <= row.ST_high, (name, "ST", row.ST, st[k])
        assert abs(row.S1 - s1[k]) < 0.05 and abs(row.ST - st[k]) < 0.05
    s2, s2_conf = si.attrs["S2"], si.attrs["S2_conf"]
    # x1 and x3 interact (b x3^4 sin x1); no other pair does.
    assert abs(s2.loc["temperature", "noise"] - s13) <= s2_conf.loc["temperature", "noise"]
    for a, b in (("temperature", "step_size"), ("step_size", "noise")):
        assert abs(s2.loc[a, b]) <= max(s2_conf.loc[a, b], 0.05)


# --------------------------------------------------------------- the opinion model itself

REAL = {"graph": "watts_strogatz:n=100,k=6,p=0.1", "dim": 2, "affinity": "distance",
        "include_self": False}
REAL_RANGES = {"temperature": (0.01, 1.0, "log"), "step_size": (0.2, 0.8), "noise": (0.0, 0.02)}


@pytest.mark.parametrize("seed", [0, 1])
def test_temperature_drives_the_opinion_spread(seed):
    # With distance affinity the temperature sets how far an agent listens (local clusters
    # at low T, consensus at high T); step size only changes the pace and this noise is
    # small. So temperature should explain most of the variance of the final opinions,
    # alone and in total, with intervals clear of the other two.
    df = sweep(REAL, design=osim.Sobol(REAL_RANGES, n=32, calc_second_order=False, seed=seed),
               seeds=2, steps=30, metrics=["variance"], n_jobs=1, progress=False, seed=seed)
    si = osim.sensitivity(df, "variance")
    others = si.drop(index="temperature")
    assert si.ST.idxmax() == "temperature" and si.S1.idxmax() == "temperature"
    assert si.loc["temperature", "ST_low"] > others.ST_high.max()
    assert si.loc["temperature", "S1_low"] > others.S1_high.max()
    assert si.attrs["replicates"] == 2 and si.attrs["n_points"] == 32 * 5


# ------------------------------------------------------------------------- the points


DESIGNS = [
    lambda seed: osim.Random({"temperature": (0.01, 1, "log"), "noise": (0, 0.1)}, 50, seed=seed),
    lambda seed: osim.LatinHypercube({"temperature": (0.01, 1, "log"), "noise": (0, 0.1)}, 50,
                                     seed=seed),
    lambda seed: osim.Sobol({"temperature": (0.01, 1, "log"), "noise": (0, 0.1)}, 16, seed=seed),
]


@pytest.mark.parametrize("make", DESIGNS, ids=["random", "lhs", "sobol"])
def test_same_seed_same_points_and_inside_the_ranges(make):
    points = make(3).points()
    assert points == make(3).points()
    assert points != make(4).points()
    t = np.array([p["temperature"] for p in points])
    x = np.array([p["noise"] for p in points])
    assert ((0.01 <= t) & (t <= 1)).all() and ((0 <= x) & (x <= 0.1)).all()
    # Uniform in log(T): about half the points below the geometric midpoint 0.1.
    assert 0.3 < np.mean(t < 0.1) < 0.7


@pytest.mark.parametrize("n", [1, 7, 100])
def test_latin_hypercube_hits_every_stratum_once(n):
    ranges = {"noise": (0.0, 0.5), "temperature": (0.001, 10.0, "log"), "step_size": (0.1, 1.0)}
    points = osim.LatinHypercube(ranges, n, seed=11).points()
    assert len(points) == n
    for name, (low, high, *scale) in ranges.items():
        v = np.array([p[name] for p in points])
        if scale:
            v, low, high = np.log(v), math.log(low), math.log(high)
        strata = np.minimum(np.floor((v - low) / (high - low) * n).astype(int), n - 1)
        assert sorted(strata) == list(range(n)), name


def test_random_points_are_not_stratified():
    # The contrast that makes the Latin hypercube worth having: 100 random points leave
    # about a third of 100 strata empty ((1 - 1/100)^100 ~ 0.37).
    v = np.array([p["noise"] for p in osim.Random({"noise": (0, 1)}, 100, seed=0).points()])
    empty = 100 - len(set(np.floor(v * 100).astype(int)))
    assert 20 < empty < 50


def test_sobol_points_follow_saltelli_cross_sampling():
    d = osim.Sobol({"temperature": (0.1, 1.0), "noise": (0.0, 1.0)}, 4, seed=2)
    p = np.array([[q["temperature"], q["noise"]] for q in d.points()]).reshape(4, 6, 2)
    a, ab1, ab2, ba1, ba2, b = (p[:, k] for k in range(6))
    # AB_i is A with column i from B; BA_i is B with column i from A.
    assert np.array_equal(ab1, np.c_[b[:, 0], a[:, 1]]) and np.array_equal(ab2, np.c_[a[:, 0], b[:, 1]])
    assert np.array_equal(ba1, np.c_[a[:, 0], b[:, 1]]) and np.array_equal(ba2, np.c_[b[:, 0], a[:, 1]])
    first = osim.Sobol({"temperature": (0.1, 1.0), "noise": (0.0, 1.0)}, 4, seed=2,
                       calc_second_order=False).points()
    assert len(first) == 4 * 4


# ------------------------------------------------------------------- sweeps of a design


def test_a_design_sweep_is_a_table_of_its_points(tmp_path):
    design = osim.LatinHypercube({"temperature": (0.05, 1.0), "noise": (0.0, 0.05)}, 4, seed=1)
    df = sweep({"n_agents": 20}, design=design, seeds=2, steps=3, metrics=["variance"], n_jobs=1,
               out=tmp_path, progress=False)
    points = design.points()
    assert list(df.columns) == ["temperature", "noise", "replicate", "seed", "step", "variance"]
    assert df[["temperature", "noise"]].to_dict("records") == [p for p in points for _ in (0, 1)]
    # Each row is the model at its point, reproducible alone.
    row = df.iloc[5].to_dict()  # the seed is an int64 beyond a float's precision
    seed, replicate = int(df.seed.iloc[5]), int(df.replicate.iloc[5])
    model = osim.OpinionModel(n_agents=20, temperature=row["temperature"], noise=row["noise"],
                              seed=seed, reporters=["variance"])
    model.run(3)
    assert model.datacollector.get_model_vars_dataframe().iloc[-1]["variance"] == row["variance"]
    assert seed == run_seed(0, {"temperature": row["temperature"], "noise": row["noise"]},
                            replicate)
    stored = json.loads((tmp_path / "sweep.json").read_text())["spec"]
    assert stored["design"] == {"kind": "latin_hypercube", "n": 4, "seed": 1,
                                "ranges": {"temperature": [0.05, 1.0, "linear"],
                                           "noise": [0.0, 0.05, "linear"]}}
    pd.testing.assert_frame_equal(df, load_results(tmp_path))


def test_the_grid_design_is_the_grid():
    args = dict(seeds=2, steps=3, metrics=["variance"], n_jobs=1, progress=False)
    grid = {"temperature": [0.1, 1.0], "noise": [0.0, 0.01]}
    pd.testing.assert_frame_equal(sweep({"n_agents": 10}, grid, **args),
                                  sweep({"n_agents": 10}, design=osim.Grid(grid), **args))


def test_design_points_do_not_depend_on_the_workers():
    args = dict(design=osim.Random({"temperature": (0.05, 1.0)}, 6, seed=9), seeds=2, steps=5,
                metrics=["variance"], progress=False)
    pd.testing.assert_frame_equal(sweep({"n_agents": 15}, **args, n_jobs=1),
                                  sweep({"n_agents": 15}, **args, n_jobs=2))


_CALLS = {"n": 0, "stop_after": None}


def interrupting_variance(model):
    """Variance of the opinions; raises KeyboardInterrupt on the call after ``stop_after``."""
    _CALLS["n"] += 1
    if _CALLS["stop_after"] is not None and _CALLS["n"] > _CALLS["stop_after"]:
        raise KeyboardInterrupt
    return float(model.opinions.var(axis=0).sum())


def test_an_interrupted_design_sweep_resumes_and_another_design_is_refused(tmp_path):
    design = osim.Sobol({"temperature": (0.05, 1.0), "step_size": (0.2, 0.8)}, 2, seed=5)
    args = dict(design=design, seeds=2, steps=4, metrics={"v": interrupting_variance}, n_jobs=1,
                progress=False)
    # Saltelli's design of two parameters holds each point of AB_1 again in BA_2 (and AB_2
    # in BA_1): 2 * (2 * 2 + 2) = 12 points, 8 distinct, each run once per replicate.
    points = design.points()
    assert len(points) == 12 and len({tuple(p.values()) for p in points}) == 8
    _CALLS.update(n=0, stop_after=5)
    with pytest.raises(KeyboardInterrupt):
        sweep({"n_agents": 12}, **args, out=tmp_path)
    files = {f.name: f.stat().st_mtime_ns for f in (tmp_path / "runs").glob("*.parquet")}
    assert len(files) == 5
    assert load_results(tmp_path).attrs["missing"] == 16 - 5
    time.sleep(0.01)
    _CALLS.update(n=0, stop_after=None)
    resumed = sweep({"n_agents": 12}, **args, out=tmp_path)
    assert _CALLS["n"] == 16 - 5  # only the missing runs ran
    assert len(resumed) == 16 and not resumed.duplicated(["temperature", "step_size",
                                                          "replicate"]).any()
    assert {n: (tmp_path / "runs" / n).stat().st_mtime_ns for n in files} == files
    pd.testing.assert_frame_equal(resumed, sweep({"n_agents": 12}, **args))
    si = osim.sensitivity(resumed, "v")  # every one of the 12 design rows has its run
    assert si.attrs["n_points"] == 12 and np.isfinite(si.to_numpy()).all()
    # Another design (here: another seed) is another sweep.
    other = {**args, "design": osim.Sobol({"temperature": (0.05, 1.0), "step_size": (0.2, 0.8)},
                                           2, seed=6)}
    with pytest.raises(OpinionSimError, match="different sweep.*design"):
        sweep({"n_agents": 12}, **other, out=tmp_path)


BAD = [
    (lambda: osim.Random({}, 5), "ranges == {}, must be a non-empty dict"),
    (lambda: osim.Random({"noise": (0.2, 0.1)}, 5), r"ranges\['noise'\].*low must be < high"),
    (lambda: osim.Random({"noise": (0.0, math.inf)}, 5), r"ranges\['noise'\].*finite"),
    (lambda: osim.Random({"noise": (0.0, "1")}, 5), r"ranges\['noise'\].*high == '1'"),
    (lambda: osim.Random({"noise": 0.1}, 5), r"ranges\['noise'\] == 0.1, must be \(low, high\)"),
    (lambda: osim.Random({"noise": (0.0, 1.0, "log10")}, 5), "scale 'log10' is not one of"),
    (lambda: osim.Random({"noise": (0.0, 1.0, "log")}, 5), "'log' range needs low > 0"),
    (lambda: osim.LatinHypercube({"noise": (0, 1)}, 0), "n == 0, must be an integer >= 1"),
    (lambda: osim.LatinHypercube({"noise": (0, 1)}, 2.5), "n == 2.5"),
    (lambda: osim.Random({"noise": (0, 1)}, 3, seed=-1), "seed == -1"),
    (lambda: osim.Sobol({"noise": (0, 1)}, 48), "n == 48, must be a power of 2.*e.g. 64"),
]


@pytest.mark.parametrize("make, match", BAD)
def test_malformed_designs_are_refused_when_made(make, match):
    with pytest.raises(OpinionSimError, match=match):
        make()


REFUSED = [
    (dict(design=osim.Random({"temprature": (0.1, 1)}, 3)),
     r"names 'temprature'.*did you mean 'temperature'"),
    (dict(design=osim.Random({"temperature": (-1.0, 1.0)}, 3)),
     r"design range 'temperature' == \(-1.0, 1.0\): temperature == -1.0, must be in \(0, inf\]"),
    (dict(design=osim.Sobol({"noise": (0.0, 1.0), "step_size": (0.5, 2.0)}, 4)),
     r"design range 'step_size'.*step_size == 2.0"),
    (dict(params={}, design=osim.Random({"n_agents": (10, 100)}, 3)),
     r"design range 'n_agents' == \(10.0, 100.0\) draws values such as 3\d\.\d+: n_agents == "
     r"3\d\.\d+, must be an integer >= 1.*vary this parameter with a grid"),
    (dict(design=osim.Random({"dim": (1, 3)}, 3)), r"design range 'dim'.*dim == 1\.6\d+, must "
                                                    r"be an integer.*with a grid"),
    (dict(design=osim.LatinHypercube({"contacts": (1, 5)}, 3)),
     r"design range 'contacts'.*contacts == 2\.2\d+, must be an integer"),
    (dict(design=osim.LatinHypercube({"seed": (0, 10)}, 3)), "'seed', which the sweep sets itself"),
    (dict(design=osim.Random({"temperature": (0.1, 1)}, 3), grid={"noise": [0.0]}),
     "both grid and design"),
    (dict(design="sobol"), "design == 'sobol', must be opinionsim.Grid, Random"),
    (dict(design=osim.Random({"graph.p": (0.1, 0.5)}, 3)), r"graph\.p.*needs params\['graph'\]"),
    (dict(params={"n_agents": 20, "noise": 0.1}, design=osim.Random({"noise": (0.0, 0.1)}, 3)),
     "'noise' is both fixed"),
]


@pytest.mark.parametrize("kwargs, match", REFUSED)
def test_bad_designs_are_refused_before_anything_is_written(tmp_path, kwargs, match):
    out = tmp_path / "out"
    kwargs = {"params": {"n_agents": 20}, **kwargs}
    with pytest.raises(OpinionSimError, match=match):
        sweep(kwargs.pop("params"), kwargs.pop("grid", None), seeds=1, steps=2,
              metrics=["variance"], n_jobs=1, out=out, progress=False, **kwargs)
    assert not out.exists()


def test_a_graph_parameter_can_be_ranged():
    df = sweep({"graph": "watts_strogatz:n=30,k=4,p=0.1"},
               design=osim.Random({"graph.p": (0.0, 0.5)}, 3, seed=2), seeds=1, steps=2,
               metrics=["variance"], n_jobs=1, progress=False)
    assert ((df["graph.p"] >= 0) & (df["graph.p"] <= 0.5)).all() and df["graph.p"].nunique() == 3
    with pytest.raises(OpinionSimError, match=r"design range 'graph.p' == \(0.0, 2.0\)"):
        sweep({"graph": "watts_strogatz:n=30,k=4,p=0.1"},
              design=osim.Random({"graph.p": (0.0, 2.0)}, 3), seeds=1, steps=2, n_jobs=1,
              progress=False)


# -------------------------------------------------------------------- sensitivity's refusals


def _small_sobol(tmp_path=None, **kw):
    design = osim.Sobol({"temperature": (0.05, 1.0), "noise": (0.0, 0.05)}, 4,
                        calc_second_order=False, seed=3)
    return sweep({"n_agents": 20}, design=design, seeds=2, steps=5, metrics=["variance"],
                 n_jobs=1, out=tmp_path, progress=False, **kw)


def test_sensitivity_reads_the_folder_as_the_table(tmp_path):
    df = _small_sobol(tmp_path)
    pd.testing.assert_frame_equal(osim.sensitivity(df, "variance"),
                                  osim.sensitivity(tmp_path, "variance"))
    # The replicates are averaged: the indices of the mean table equal those of a table
    # whose two replicates both hold the mean.
    mean = df.groupby(["temperature", "noise"], sort=False).variance.transform("mean")
    flat = df.assign(variance=mean)
    flat.attrs = df.attrs
    pd.testing.assert_frame_equal(osim.sensitivity(df, "variance"),
                                  osim.sensitivity(flat, "variance"))


def test_sensitivity_needs_a_complete_sobol_sweep(tmp_path):
    grid = sweep({"n_agents": 20}, {"temperature": [0.1, 1.0]}, seeds=1, steps=2,
                 metrics=["variance"], n_jobs=1, progress=False)
    with pytest.raises(OpinionSimError, match="needs a sweep of a Sobol design; this one ran a "
                                              "grid design"):
        osim.sensitivity(grid, "variance")
    lhs = sweep({"n_agents": 20}, design=osim.LatinHypercube({"temperature": (0.1, 1.0)}, 3),
                seeds=1, steps=2, metrics=["variance"], n_jobs=1, progress=False)
    with pytest.raises(OpinionSimError, match="ran a latin_hypercube design"):
        osim.sensitivity(lhs, "variance")
    with pytest.raises(OpinionSimError, match="without a sweep spec"):
        osim.sensitivity(pd.DataFrame({"variance": [1.0, 2.0]}), "variance")
    df = _small_sobol(tmp_path)
    with pytest.raises(OpinionSimError, match=r"outcome == 'varance', must be one of this sweep's "
                                              r"metrics: 'variance'"):
        osim.sensitivity(df, "varance")
    with pytest.raises(OpinionSimError, match=r"1 of the design's 32 runs are missing"):
        osim.sensitivity(df.iloc[1:], "variance")
    sorted((tmp_path / "runs").glob("*.parquet"))[0].unlink()
    sorted((tmp_path / "runs").glob("*.parquet"))[1].unlink()
    with pytest.raises(OpinionSimError, match=r"2 of the design's 32 runs are missing.*again"):
        osim.sensitivity(tmp_path, "variance")


def test_a_constant_outcome_has_nothing_to_apportion():
    df = _small_sobol()
    df = df.assign(variance=0.25)
    df.attrs = _small_sobol().attrs
    with pytest.raises(OpinionSimError, match="'variance' is 0.25 at every point"):
        osim.sensitivity(df, "variance")
