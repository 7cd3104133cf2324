"""Every plotting function draws a non-empty PNG and rejects tables without its columns."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from opinionsim import OpinionModel, OpinionSimError, plotting  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def save(artist, tmp_path, name):
    fig = artist if isinstance(artist, matplotlib.figure.Figure) else artist.figure
    path = tmp_path / f"{name}.png"
    fig.savefig(path)
    assert path.stat().st_size > 2000, f"{name}.png is (nearly) empty"
    return path


@pytest.fixture(scope="module")
def sweep_table():
    rows = []
    for T in (0.01, 0.1, 1.0):
        for seed in range(3):
            for step in range(0, 21, 5):
                rows.append({"temperature": T, "seed": seed, "step": step,
                             "variance": 0.3 * np.exp(-step * T) + 0.01 * seed})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def clustered_model():
    g = nx.watts_strogatz_graph(40, 6, 0.1, seed=1)
    m = OpinionModel(graph=g, temperature=0.01, affinity="distance", include_self=False,
                     seed=2, record_opinions=True)
    m.run(15)
    return m


def test_metric_timeseries(sweep_table, tmp_path):
    ax = plotting.metric_timeseries(sweep_table, y="variance", hue="temperature")
    assert len(ax.get_lines()) == 3
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "opinion variance"
    # The line is the mean over seeds.
    first = ax.get_lines()[0].get_ydata()
    expected = sweep_table.query("temperature == 0.01").groupby("step")["variance"].mean()
    np.testing.assert_allclose(first, expected.to_numpy())
    save(ax, tmp_path, "timeseries")


def test_metric_timeseries_names_missing_columns(sweep_table):
    with pytest.raises(OpinionSimError, match="polarization_index"):
        plotting.metric_timeseries(sweep_table, y="polarization_index")
    with pytest.raises(OpinionSimError, match="'step'"):
        plotting.metric_timeseries(sweep_table.drop(columns="step"), y="variance")


def test_opinion_trajectories_1d(clustered_model, tmp_path):
    ax = plotting.opinion_trajectories(clustered_model)
    assert len(ax.get_lines()) == clustered_model.n_agents
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata()[-1], clustered_model.opinions[0, 0])
    save(ax, tmp_path, "traj1d")


def test_opinion_trajectories_2d_snapshots(tmp_path):
    m = OpinionModel(n_agents=30, dim=2, temperature=0.05, affinity="distance", seed=0,
                     record_opinions=True)
    m.run(6)
    fig = plotting.opinion_trajectories(m, snapshots=3)
    assert len(fig.axes) == 3
    save(fig, tmp_path, "traj2d")
    ax = plotting.opinion_trajectories(m.opinion_history, ax=plt.subplots()[1])
    save(ax, tmp_path, "traj2d_overlay")


def test_opinion_trajectories_needs_history():
    m = OpinionModel(n_agents=5, seed=0)
    with pytest.raises(OpinionSimError, match="record_opinions=True"):
        plotting.opinion_trajectories(m)


def test_attention_heatmap_shows_clusters_as_blocks(tmp_path):
    # Two far-apart camps on a complete graph: attention stays within each camp.
    X0 = np.r_[np.full(10, -1.0), np.full(10, 1.0)][:, None] + np.linspace(0, 0.01, 20)[:, None]
    m = OpinionModel(n_agents=20, temperature=0.05, affinity="distance", initial_opinions=X0,
                     seed=0)
    ax = plotting.attention_heatmap(m, tol=0.5)
    assert "2 opinion cluster" in ax.get_title()
    M = np.nan_to_num(ax.images[0].get_array().filled(np.nan))
    off_block = M[:10, 10:].sum() + M[10:, :10].sum()
    assert off_block < 1e-6 * M.sum()
    save(ax, tmp_path, "heatmap")


def test_network_opinions(clustered_model, tmp_path):
    ax = plotting.network_opinions(clustered_model)
    save(ax, tmp_path, "network")
    with pytest.raises(OpinionSimError, match="max_agents"):
        plotting.network_opinions(clustered_model, max_agents=10)


def test_echo_chamber_density(tmp_path):
    x = np.r_[np.full(10, -1.0), np.full(10, 1.0)]
    g = nx.disjoint_union(nx.complete_graph(10), nx.complete_graph(10))
    ax = plotting.echo_chamber_density(x, g)
    # Two camps at opposite corners, each in its own clique: the index reads 1, far beyond
    # shuffles (it used to print Pearson's r, which also reads 1 at a converged consensus).
    title = ax.get_title().replace("\n", " ")
    assert "echo-chamber index 1 " in title and float(title.split("z = ")[1].split()[0]) > 3
    save(ax, tmp_path, "echo")
    consensus = 0.5 + 1e-9 * np.r_[np.full(10, -1.0), np.full(10, 1.0)]
    title = plotting.echo_chamber_density(consensus, g).get_title().replace("\n", " ")
    assert float(title.split("echo-chamber index ")[1].split()[0]) < 1e-12
    with pytest.raises(OpinionSimError, match="shape"):
        plotting.echo_chamber_density(x[:5], g)


class _FakeEffect:
    """A result shaped like opinionsim.causal.CausalEffect."""

    def __init__(self, trajectories, paired):
        self.trajectories, self.paired = trajectories, paired
        self.ate = 0.3
        self.ci = (self.ate - 0.1, self.ate + 0.1)
        self.at, self.outcome = 2, "variance"


def _effect_tables():
    traj = pd.DataFrame([{"seed": s, "step": t, "arm": arm,
                          "value": 1.0 + (0.1 * (t - 2) if arm == "treated" and t > 2 else 0.0)}
                         for s in range(3) for t in range(6) for arm in ("control", "treated")])
    paired = pd.DataFrame({"seed": range(3), "control": 1.0, "treated": 1.3, "difference": 0.3})
    return traj, paired


def test_treatment_effect(tmp_path):
    fig = plotting.treatment_effect(_FakeEffect(*_effect_tables()))
    assert len(fig.axes) == 2
    assert "ATE = 0.3" in fig.axes[1].get_legend().get_texts()[-1].get_text()
    save(fig, tmp_path, "effect")


def test_treatment_effect_names_missing_columns():
    traj, paired = _effect_tables()
    with pytest.raises(OpinionSimError, match="'arm'"):
        plotting.treatment_effect(_FakeEffect(traj.drop(columns="arm"), paired))
    with pytest.raises(OpinionSimError, match="'difference'"):
        plotting.treatment_effect(_FakeEffect(traj, paired.drop(columns="difference")))


def test_treatment_effect_on_a_real_result(tmp_path):
    from opinionsim.causal import causal_effect
    from opinionsim.interventions import SetTemperature

    eff = causal_effect(_make_small, SetTemperature(0.02), "variance", at=2, horizon=5, seeds=3)
    save(plotting.treatment_effect(eff), tmp_path, "effect_real")


def _make_small(seed):
    return OpinionModel(graph=nx.watts_strogatz_graph(30, 4, 0.1, seed=seed), temperature=0.5,
                        affinity="distance", include_self=False, seed=seed)


def test_importing_plotting_does_not_import_pyplot():
    import subprocess
    import sys

    code = "import sys, opinionsim.plotting; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------- bands: Student t, one method


def test_timeseries_band_is_the_student_t_interval(sweep_table):
    from scipy import stats

    ax = plotting.metric_timeseries(sweep_table, y="variance", hue="temperature")
    # At each (T, step) the three seeds differ by 0.01: sd 0.01, n 3.
    half = stats.t.ppf(0.975, 2) * 0.01 / np.sqrt(3)
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    mean = ax.get_lines()[0].get_ydata()
    assert band.max() == pytest.approx(mean.max() + half)
    assert band.min() == pytest.approx(mean.min() - half)


def test_one_seed_draws_no_band(sweep_table):
    ax = plotting.metric_timeseries(sweep_table[sweep_table.seed == 0], y="variance",
                                    hue="temperature")
    assert all(len(c.get_paths()) == 0 for c in ax.collections)
    fig = plotting.treatment_effect(_FakeEffect(*[t[t.seed == 0] for t in _effect_tables()]))
    assert all(len(c.get_paths()) == 0 for c in fig.axes[0].collections)


# --------------------------------------------------------- labels, legends, titles, colours


def _figure_texts(fig):
    texts = [fig._suptitle.get_text()] if fig._suptitle else []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        if ax.get_legend():
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return texts


def test_every_registered_name_has_a_human_label():
    from opinionsim.plotting._style import NAMES
    from opinionsim.reporters import REPORTERS
    from opinionsim.sweep import SWEEP_METRICS

    numeric = ["temperature", "noise", "step_size", "stubbornness", "salience", "dim",
               "n_agents", "confidence", "activation_rate", "key_norm_clip"]
    for name in [*REPORTERS, *SWEEP_METRICS, *numeric]:
        assert name in NAMES, f"{name!r} has no label"
        assert "_" not in plotting.label(name)
    assert plotting.label("esteban_ray") == "Esteban–Ray polarisation"
    assert plotting.label("n_clusters") == "opinion clusters"
    # Unregistered names still read as words.
    assert plotting.label("captured_attention") == "captured attention"
    assert plotting.curve_title("captured_attention") == "Captured attention over time"


def test_curve_titles_and_axis_labels_are_words_not_column_names(sweep_table):
    final = sweep_table[sweep_table.step == 20].assign(n_clusters=lambda d: d.seed + 1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
    plotting.metric_timeseries(final, x="temperature", y="n_clusters", hue=None, ax=axes[0])
    plotting.metric_timeseries(sweep_table.rename(columns={"variance": "captured_attention"}),
                               y="captured_attention", hue="temperature", ax=axes[1])
    assert axes[0].get_title().startswith("Opinion clusters vs temperature")
    assert (axes[0].get_xlabel(), axes[0].get_ylabel()) == ("temperature $T$", "opinion clusters")
    assert axes[1].get_title().startswith("Captured attention over time by temperature")
    assert axes[1].get_ylabel() == "captured attention"
    texts = _figure_texts(fig)
    assert not [t for t in texts if "_" in t], texts


def test_legends_show_rounded_values():
    df = pd.DataFrame({"step": [0, 1] * 3, "variance": [1.0, 0.5] * 3,
                       "temperature": np.repeat([0.00969614, 0.1, 1.0], 2)})
    ax = plotting.metric_timeseries(df)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        ["$T$ = 0.0097", "$T$ = 0.1", "$T$ = 1"]
    assert [plotting.format_value(v) for v in (123456.0, 0.123456, 2, 1e-7)] == \
        ["123456", "0.123", "2", "1e-7"]


def test_titles_stay_inside_the_figure(sweep_table, tmp_path):
    long = sweep_table.rename(columns={"variance": "captured_attention_by_loud_agents"})
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), layout="constrained")
    for ax in axes:
        plotting.metric_timeseries(long, y="captured_attention_by_loud_agents",
                                   hue="temperature", ax=ax)
    fig.suptitle(plotting.fit_title("Small-world network, N = 1000, 2-D opinions · distance "
                                    "affinity · 8 seeds × 200 steps · " + plotting.band_note(),
                                    fig))
    figures = [fig, plotting.treatment_effect(_FakeEffect(*_effect_tables()))]
    for k, f in enumerate(figures):
        f.savefig(tmp_path / f"titles{k}.png")
        renderer = f.canvas.get_renderer()
        box = f.bbox
        titles = [ax.title for ax in f.axes] + ([f._suptitle] if f._suptitle else [])
        for title in titles:
            extent = title.get_window_extent(renderer)
            assert box.x0 <= extent.x0 and extent.x1 <= box.x1, title.get_text()
            assert box.y0 <= extent.y0 and extent.y1 <= box.y1, title.get_text()


def test_category_colors_do_not_depend_on_order():
    a = plotting.category_colors(["none", "clip keys", "normalise", "none"])
    b = plotting.category_colors(["normalise", "none", "clip keys"])
    assert a == b and len(set(a.values())) == 3
    many = plotting.category_colors([f"c{i}" for i in range(15)])
    assert len(set(many.values())) == 15
    # The same category gets the same colour in every panel, whatever order its rows come in.
    rows = [{"defence": d, "seed": s, "step": t, "captured": t * (i + 1) + s}
            for i, d in enumerate(["none", "clip keys", "normalise"])
            for s in range(2) for t in range(3)]
    df = pd.DataFrame(rows)
    fig, axes = plt.subplots(1, 2)
    plotting.metric_timeseries(df, y="captured", hue="defence", ax=axes[0])
    plotting.metric_timeseries(df[df.defence != "clip keys"].iloc[::-1], y="captured",
                               hue="defence", ax=axes[1], colors=a)
    for ax in axes:
        for line in ax.get_lines():
            assert matplotlib.colors.to_hex(line.get_color()) == a[line.get_label().split(" = ")[1]]
    with pytest.raises(OpinionSimError, match="no colour for defence == \\['none'\\]"):
        plotting.metric_timeseries(df, y="captured", hue="defence",
                                   colors={"clip keys": "red", "normalise": "blue"})
