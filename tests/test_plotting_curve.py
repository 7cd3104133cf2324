"""polarization_curve: mean ± Student-t CI over replicates at each run's last step."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

from opinionsim import OpinionSimError  # noqa: E402
from opinionsim.plotting import curve_data, polarization_curve, sweep_title  # noqa: E402
from opinionsim.sweep import sweep  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def table(temps=(0.01, 0.1, 1.0), reps=3, steps=(0, 10), extra=None):
    """A sweep-shaped table; the final-step value of replicate r at T is T + r."""
    rows = []
    for T in temps:
        for r in range(reps):
            for s in steps:
                row = {"temperature": T}
                if extra:
                    row.update(extra)
                row.update({"replicate": r, "seed": 100 * r, "step": s,
                            "variance": (T + r) if s == steps[-1] else -99.0,
                            "neighbor_correlation": 0.5})
                rows.append(row)
    return pd.DataFrame(rows)


def test_mean_and_ci_at_the_final_step():
    df = table()
    ax = polarization_curve(df, y="variance")
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [0.01, 0.1, 1.0])
    np.testing.assert_allclose(line.get_ydata(), [1.01, 1.1, 2.0])  # mean of T + {0, 1, 2}
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)  # sd of {0, 1, 2} is 1
    got = curve_data(df, "temperature", "variance")
    np.testing.assert_allclose(got["half_width"], half)
    assert got["n"].tolist() == [3, 3, 3]
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(1.01 - half) and band.max() == pytest.approx(2.0 + half)
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "temperature $T$"
    assert curve_data(df, "temperature", "variance", ci=0.5)["half_width"].iloc[0] == \
        pytest.approx(stats.t.ppf(0.75, 2) / np.sqrt(3))


def test_single_replicate_has_no_band_and_linear_axis():
    df = table(temps=(1.0, 2.0, 3.0), reps=1)
    ax = polarization_curve(df, y="variance")
    assert np.isnan(curve_data(df, "temperature", "variance")["half_width"]).all()
    assert ax.get_xscale() == "linear"


def test_default_metrics_panels_title_and_returned_axes(tmp_path):
    df = table()
    df.attrs["sweep"] = {"params": {"graph": {"kind": "watts_strogatz", "n": 500, "k": 10,
                                              "p": 0.1}, "dim": 2, "affinity": "distance"},
                         "replicates": [0, 1, 2], "steps": 10}
    axes = polarization_curve(df)
    assert isinstance(axes, np.ndarray) and len(axes) == 2
    assert [a.get_ylabel() for a in axes] == ["opinion variance", "neighbour correlation"]
    fig = axes[0].figure
    assert "Watts–Strogatz (N = 500, k = 10, p = 0.1)" in fig._suptitle.get_text()
    fig.savefig(tmp_path / "c.png")
    assert (tmp_path / "c.png").stat().st_size > 10_000
    # Given axes are used and no figure is made.
    fig2, given = plt.subplots(1, 2)
    n_figs = len(plt.get_fignums())
    got = polarization_curve(df, y=["variance", "neighbor_correlation"], ax=given)
    assert list(got) == list(given) and len(plt.get_fignums()) == n_figs


def test_hue_and_other_varied_parameters():
    df = pd.concat([table(extra={"noise": 0.0}), table(extra={"noise": 0.1})],
                   ignore_index=True)
    df = df[["temperature", "noise", "replicate", "seed", "step", "variance",
             "neighbor_correlation"]]
    ax = polarization_curve(df, y="variance", hue="noise")
    assert [l.get_label() for l in ax.get_lines()] == ["$\\sigma$ = 0", "$\\sigma$ = 0.1"]
    with pytest.raises(OpinionSimError, match="also varies 'noise'; pass hue='noise'"):
        polarization_curve(df, y="variance")
    ax = polarization_curve(df[df.noise == 0.1], y="variance")  # one value: fine
    assert len(ax.get_lines()) == 1


@pytest.mark.parametrize("kwargs, match", [
    ({"y": "nope"}, "y == 'nope' is not a metric"),
    ({"x": "noise"}, "x == 'noise' is not a varied parameter"),
    ({"hue": "temperature"}, "hue == x"),
    ({"y": ["variance"], "ax": []}, "ax has 0 Axes for 1 metrics"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(OpinionSimError, match=match):
        polarization_curve(table(), **kwargs)


def test_not_a_sweep_table():
    with pytest.raises(OpinionSimError, match="not a sweep table"):
        polarization_curve(pd.DataFrame({"temperature": [1.0], "variance": [1.0]}))
    with pytest.raises(OpinionSimError, match="no rows"):
        polarization_curve(table().iloc[:0])


def test_reads_a_sweep_directory(tmp_path):
    from opinionsim.sweep import sweep

    df = sweep({"n_agents": 12, "dim": 2, "affinity": "distance"},
               {"temperature": [0.01, 1.0]}, seeds=2, steps=5, metrics=["variance"],
               n_jobs=1, out=tmp_path, progress=False)
    ax = polarization_curve(tmp_path, y="variance")
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(),
                               df.groupby("temperature").variance.mean().to_numpy())


def test_sweep_title_kinds():
    assert sweep_title({"params": {"n_agents": 50, "dim": 1}, "replicates": [0],
                        "steps": 3}) == "complete graph (N = 50)\n1-D opinions · 1 seed × 3 steps"
    assert sweep_title({"params": {"graph": {"kind": "stochastic_block", "sizes": [5, 5],
                                             "p_in": 0.5, "p_out": 0.1}}}).startswith(
        "stochastic block (N = 10, 2 blocks, p_in = 0.5, p_out = 0.1)")


def test_matplotlib_is_imported_lazily():
    code = ("import sys, opinionsim.plotting, opinionsim.sweep, opinionsim.cli; "
            "print('matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def test_sweep_title_leaves_out_a_varied_graph_parameter():
    spec = {"params": {"graph": {"kind": "watts_strogatz", "n": 500, "k": 10, "p": 0.1}},
            "grid": {"graph.p": [0.01, 0.3]}, "replicates": [0], "steps": 3}
    head = sweep_title(spec).split("\n")[0]
    assert head == "Watts–Strogatz (N = 500, k = 10)"
    spec["grid"] = {"graph.n": [100, 200], "temperature": [0.1]}
    assert sweep_title(spec).split("\n")[0] == "Watts–Strogatz (k = 10, p = 0.1)"


def test_curve_over_a_varied_graph_parameter():
    from opinionsim.sweep import sweep

    df = sweep({"graph": "watts_strogatz:n=20,k=4,p=0.1", "temperature": 0.1},
               {"graph.p": [0.00969614, 0.5]}, seeds=2, steps=3, metrics=["variance"],
               n_jobs=1, progress=False)
    ax = polarization_curve(df, y="variance")
    title = ax.figure._suptitle.get_text()
    assert "p = 0.1" not in title and title.startswith("Watts–Strogatz (N = 20, k = 4)")
    assert ax.get_xlabel() == "rewiring probability $p$"


# ---- sampled designs: a scatter per sampled parameter ----------------------------------------
@pytest.fixture(scope="module")
def design_sweep(tmp_path_factory):
    from opinionsim import LatinHypercube

    out = tmp_path_factory.mktemp("design") / "lhs"
    table = sweep({"n_agents": 20}, design=LatinHypercube(
        {"temperature": (0.01, 1, "log"), "step_size": (0.1, 0.9)}, n=6, seed=3),
        seeds=2, steps=4, metrics=["variance"], n_jobs=1, progress=False, out=str(out))
    return table, out


def test_design_scatter_draws_each_points_mean_over_its_seeds(design_sweep):
    from opinionsim.plotting import design_scatter

    table, _ = design_sweep
    axes = design_scatter(table, "variance")
    assert [a.get_xscale() for a in axes] == ["log", "linear"]
    for axis, name in zip(axes, ["temperature", "step_size"]):
        xy = axis.collections[0].get_offsets()
        expected = table.groupby(["temperature", "step_size"])["variance"].mean()
        assert len(xy) == 6
        for x, y in xy:  # each drawn point is the mean of its own two replicates
            rows = table[np.isclose(table[name], x)]
            assert rows["replicate"].nunique() == 2
            assert y == pytest.approx(rows["variance"].mean(), rel=1e-12)
        assert sorted(np.round(xy[:, 1], 12)) == sorted(np.round(expected.values, 12))


def test_design_scatter_refuses_a_grid_sweep_and_an_unknown_metric(design_sweep):
    from opinionsim.plotting import design_scatter

    grid = sweep({"n_agents": 10}, {"temperature": [0.1, 1.0]}, seeds=1, steps=2,
                 metrics=["variance"], n_jobs=1, progress=False)
    with pytest.raises(OpinionSimError, match="not from a sampled design"):
        design_scatter(grid)
    with pytest.raises(OpinionSimError, match="'n_clusters' is not a metric"):
        design_scatter(design_sweep[0], "n_clusters")


def test_opinionsim_plot_draws_a_design_sweep(design_sweep, capsys):
    from opinionsim.cli import main

    _, out = design_sweep
    assert main(["plot", str(out)]) == 0
    assert (out / "variance_vs_design.png").stat().st_size > 0
    assert main(["plot", str(out), "--hue", "step_size"]) == 2
    assert "takes no --x or --hue" in capsys.readouterr().err
