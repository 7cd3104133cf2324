"""Plots of sweep results. matplotlib is imported only when a plot is drawn.

Without a display (and without ``MPLBACKEND`` set) the headless ``Agg``
backend is chosen before pyplot is first imported; nothing here calls
``plt.show()``: the functions return their Axes, and the caller shows or saves.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from ._errors import OpinionSimError

__all__ = [
    "polarization_curve",
    "metric_timeseries",
    "opinion_trajectories",
    "attention_heatmap",
    "network_opinions",
    "echo_chamber_density",
    "treatment_effect",
]

#: What :func:`polarization_curve` draws when ``y`` is not given: the first
#: present of each group (a polarisation metric, then echo-chamber metrics).
CURVE_METRICS = (
    ("variance", "polarization_index"),
    ("echo_chamber_modularity", "neighbor_correlation"),
    ("attention_entropy",),
)
# Why these first: variance and echo-chamber modularity go to 0 at consensus,
# whereas the scale-free polarization_index and neighbor_correlation read the
# shape of the tiny residual differences left after finitely many steps (about
# 0.15 and 1.0 on a Watts-Strogatz consensus), which misreads as polarised.

_LABELS = {
    "temperature": "temperature $T$",
    "polarization_index": "polarisation index",
    "variance": "opinion variance",
    "neighbor_correlation": "neighbour correlation",
    "attention_entropy": "attention entropy",
    "echo_chamber_modularity": "echo-chamber modularity",
    "n_clusters": "opinion clusters",
    "mean_opinion": "mean opinion",
    "max_change": "max opinion change per step",
    "noise": "noise $\\sigma$",
    "step_size": "step size $a$",
}

_TITLES = {
    "polarization_index": "Polarisation",
    "variance": "Polarisation (opinion spread)",
    "neighbor_correlation": "Echo chambers (network)",
    "attention_entropy": "Breadth of attention",
    "echo_chamber_modularity": "Echo chambers",
    "n_clusters": "Opinion clusters",
}

_GRAPH_NAMES = {
    "watts_strogatz": "Watts–Strogatz",
    "erdos_renyi": "Erdős–Rényi",
    "barabasi_albert": "Barabási–Albert",
    "stochastic_block": "stochastic block",
    "complete": "complete graph",
    "file": "graph file",
}


def _has_display():
    if sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _pyplot():
    import matplotlib

    if ("matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND")
            and not _has_display()):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def label(name):
    """Axis label for a column name."""
    return _LABELS.get(name, name.replace("_", " "))


def _run_columns(df):
    """(varied parameter columns, metric columns) of a sweep table."""
    cols = list(df.columns)
    if "replicate" not in cols or "step" not in cols:
        raise OpinionSimError("data is not a sweep table (it has no 'replicate' and 'step' "
                              "columns); pass the result of sweep() or load_results().")
    params = cols[:cols.index("replicate")]
    metrics = cols[cols.index("step") + 1:]
    return params, metrics


def default_curve_metrics(columns):
    """The metrics :func:`polarization_curve` draws by default, given the metric columns.

    The first present of each group of :data:`CURVE_METRICS`; if none is
    there, the first three metrics.
    """
    chosen = []
    for group in CURVE_METRICS:
        for name in group:
            if name in columns:
                chosen.append(name)
                break
    if not chosen:  # none of the usual ones: the first few recorded
        chosen = [c for c in columns][:3]
    if not chosen:
        raise OpinionSimError("data has no metric columns to plot.")
    return chosen


def curve_data(data, x, y, *, hue=None, ci=0.95):
    """Mean, CI half-width and count over replicates of ``y`` at the final step, per ``(hue, x)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``[hue,] x, mean, half_width, n``; ``half_width`` is the
        Student-t ``ci`` interval's half width (NaN for a single replicate).
    """
    import pandas as pd
    from scipy import stats

    params, _ = _run_columns(data)
    keys = params + ["replicate"]
    final = data[data["step"] == data.groupby(keys, sort=False)["step"].transform("max")]
    by = ([hue] if hue is not None else []) + [x]
    g = final.groupby(by, sort=True)[y]
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()}).reset_index()
    n = out["n"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        tq = np.where(n > 1, stats.t.ppf(0.5 + ci / 2, np.maximum(n - 1, 1)), np.nan)
        out["half_width"] = tq * out["sd"].to_numpy() / np.sqrt(n)
    return out.drop(columns="sd")


def polarization_curve(data, x=None, y=None, *, hue=None, ax=None, ci=0.95, logx=None,
                       title=None):
    """Plot metrics at the end of each run against a swept parameter: mean ± CI over seeds.

    Parameters
    ----------
    data : pandas.DataFrame or path
        A sweep table (from :func:`opinionsim.sweep.sweep` or
        :func:`~opinionsim.sweep.load_results`), or a sweep directory.
        Each run's last recorded step is used.
    x : str, optional
        The parameter on the x axis. Default: ``"temperature"`` if it was
        varied, else the first varied parameter.
    y : str or list of str, optional
        Metric column(s), one panel each. Default: a polarisation metric and
        the echo-chamber metrics present (see :data:`CURVE_METRICS`).
    hue : str, optional
        Another varied parameter: one line per value. Every varied
        parameter other than ``x`` and ``hue`` must have a single value.
    ax : matplotlib Axes or sequence of Axes, optional
        Where to draw (one per metric). Default: a new figure.
    ci : float in (0, 1), default 0.95
        Confidence level of the band (Student t over replicates).
    logx : bool, optional
        Log-scaled x axis; default when all x are positive and span at
        least two decades.
    title : str, optional
        Figure title; default (new figure only): a description of the sweep
        from ``data.attrs["sweep"]`` when present, and what the bands are.

    Returns
    -------
    matplotlib.axes.Axes or numpy.ndarray of Axes
        One Axes if ``y`` is a single name, else an array, one per metric.

    Raises
    ------
    OpinionSimError
        Unknown columns, a parameter that varies but is neither ``x`` nor
        ``hue``, or an empty table.

    Examples
    --------
    >>> from opinionsim.sweep import sweep
    >>> df = sweep({"n_agents": 20, "dim": 2, "affinity": "distance"},
    ...            {"temperature": [0.01, 0.1, 1.0]}, seeds=3, steps=10,
    ...            metrics=["variance"], n_jobs=1, progress=False)
    >>> ax = polarization_curve(df, y="variance")
    >>> ax.get_xlabel(), ax.get_xscale()
    ('temperature $T$', 'log')
    """
    if isinstance(data, (str, os.PathLike)):
        from .sweep import load_results

        data = load_results(data)
    params, metrics = _run_columns(data)
    if not params:
        raise OpinionSimError("data varies no parameter, so there is no curve to draw.")
    if len(data) == 0:
        raise OpinionSimError("data has no rows (no finished runs).")
    if x is None:
        x = "temperature" if "temperature" in params else params[0]
    for name, what in ((x, "x"), (hue, "hue")):
        if name is not None and name not in params:
            raise OpinionSimError(f"{what} == {name!r} is not a varied parameter of this sweep; "
                                  f"varied: {', '.join(params)}.")
    if hue == x:
        raise OpinionSimError(f"hue == x == {x!r}; choose another hue.")
    single = isinstance(y, str)
    ys = [y] if single else (default_curve_metrics(metrics) if y is None else list(y))
    for name in ys:
        if name not in metrics:
            raise OpinionSimError(f"y == {name!r} is not a metric of this sweep; metrics: "
                                  f"{', '.join(metrics)}.")
    for name in params:
        if name not in (x, hue) and data[name].nunique(dropna=False) > 1:
            raise OpinionSimError(
                f"data also varies {name!r}; pass hue={name!r} or select one value, e.g. "
                f"df[df[{name!r}] == {data[name].iloc[0]!r}]."
            )

    if ax is None:
        plt = _pyplot()
        fig, axes = plt.subplots(1, len(ys), figsize=curve_figsize(len(ys)), squeeze=False,
                                 layout="constrained")
        axes = axes[0]
        if title is None:
            spec = data.attrs.get("sweep")
            title = sweep_title(spec) if isinstance(spec, dict) else ""
            title += (" · " if title else "") + band_note(ci)
        if title:
            fig.suptitle(fit_title(title, fig), fontsize=11)
    else:
        axes = np.atleast_1d(np.asarray(ax, dtype=object))
        if len(axes) != len(ys):
            raise OpinionSimError(f"ax has {len(axes)} Axes for {len(ys)} metrics.")
        if title and len(axes) == 1:
            axes[0].set_title(title)
        elif title:
            axes[0].figure.suptitle(title)

    xs = data[x]
    if logx is None:
        numeric = np.issubdtype(xs.dtype, np.number)
        finite = xs[np.isfinite(xs)] if numeric else xs
        logx = bool(numeric and len(finite) and (finite > 0).all()
                    and finite.max() / finite.min() >= 100)
    for axis, name in zip(axes, ys):
        stats = curve_data(data, x, name, hue=hue, ci=ci)
        groups = [(None, stats)] if hue is None else list(stats.groupby(hue, sort=True))
        colors = _hue_colors([v for v, _ in groups]) if hue is not None else {None: "C0"}
        for value, part in groups:
            color = colors[value]
            lab = None if hue is None else f"{hue} = {value}"
            axis.plot(part[x], part["mean"], "o-", ms=3.5, lw=1.6, color=color, label=lab)
            lo = part["mean"] - part["half_width"]
            hi = part["mean"] + part["half_width"]
            axis.fill_between(part[x], lo, hi, color=color, alpha=0.22, lw=0)
        if logx:
            axis.set_xscale("log")
        axis.set_xlabel(label(x))
        axis.set_ylabel(label(name))
        axis.set_title(_TITLES.get(name, label(name).capitalize()), fontsize=10)
        axis.grid(True, alpha=0.3, which="major")
        axis.spines[["top", "right"]].set_visible(False)
        if hue is not None:
            axis.legend(fontsize=8, frameon=False)
    return axes[0] if single else axes


def curve_figsize(panels):
    """Figure size (inches) for :func:`polarization_curve` with this many panels."""
    return (max(5.6, 4.6 * panels), 3.9 + 0.25 * (panels == 1))


def fit_title(title, fig, fontsize=11):
    """``title`` with each line wrapped to the figure's width, at " · " where possible."""
    import textwrap

    width = max(30, int(fig.get_figwidth() * 72 / (0.55 * fontsize)))
    out = []
    for line in title.split("\n"):
        current = ""
        for part in line.split(" · "):
            if current and len(current) + 3 + len(part) > width:
                out.append(current)
                current = part
            else:
                current = f"{current} · {part}" if current else part
        out.extend(textwrap.wrap(current, width) or [""])
    return "\n".join(out)


def band_note(ci=0.95):
    """What the lines and bands of :func:`polarization_curve` show, for a caption."""
    return f"mean ± {ci:.0%} CI over seeds"


def sweep_title(spec):
    """A description of a sweep spec (as in ``sweep.json``) for figure titles: the network on
    the first line, the rest on the second.

    Examples
    --------
    >>> print(sweep_title({"params": {"graph": {"kind": "watts_strogatz", "n": 1000, "k": 10,
    ...                                         "p": 0.1}, "dim": 2, "affinity": "distance"},
    ...                    "replicates": [0, 1], "steps": 200}))
    Watts–Strogatz (N = 1000, k = 10, p = 0.1)
    2-D opinions · distance affinity · 2 seeds × 200 steps
    """
    params = spec.get("params", {})
    head, parts = "", []
    graph = params.get("graph")
    if isinstance(graph, dict) and "kind" in graph:
        name = _GRAPH_NAMES.get(graph["kind"], graph["kind"])
        args = []
        if graph["kind"] == "stochastic_block":
            args.append(f"N = {sum(graph.get('sizes', []))}, {len(graph.get('sizes', []))} blocks")
        elif graph["kind"] == "file":
            args.append(os.path.basename(str(graph.get("path", ""))))
        for key in ("n", "k", "m", "p", "p_in", "p_out"):
            if key in graph and graph[key] is not None:
                args.append(f"{'N' if key == 'n' else key} = {graph[key]:g}")
        head = f"{name} ({', '.join(args)})" if args else name
    elif isinstance(graph, dict):
        head = "given graph"
    elif "n_agents" in params:
        head = f"complete graph (N = {params['n_agents']})"
    if "dim" in params:
        parts.append(f"{params['dim']}-D opinions")
    if "affinity" in params:
        parts.append(f"{params['affinity']} affinity"
                     + (" (no self-attention)" if params.get("include_self") is False else ""))
    reps = spec.get("replicates")
    if reps:
        parts.append(f"{len(reps)} seed{'s' if len(reps) != 1 else ''} × "
                     f"{spec.get('steps')} steps")
    return "\n".join(t for t in (head, " · ".join(parts)) if t)


# ---------------------------------------------------------------------------------------
# Time series, trajectories, attention, networks, echo chambers and causal effects.
# Every function takes its data, an optional ``ax`` and returns the Axes (or the Figure
# when it draws several panels); none calls ``plt.show()``.


def _require_columns(df, columns, func):
    """Raise OpinionSimError naming the columns of ``df`` that ``func`` needs and lacks."""
    from ._errors import OpinionSimError

    have = list(getattr(df, "columns", []))
    missing = [c for c in columns if c not in have]
    if missing:
        raise OpinionSimError(
            f"{func} needs the column(s) {missing!r}, which the table lacks; it has {have!r}."
        )


def _axes(ax, figsize=(6.0, 4.0)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _mean_ci(values):
    """Mean and half-width of the normal-approximation 95% CI of the mean (0 for one value)."""
    import numpy as np

    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return np.nan, np.nan
    if len(values) == 1:
        return float(values[0]), 0.0
    return float(values.mean()), float(1.96 * values.std(ddof=1) / np.sqrt(len(values)))


def _hue_colors(values):
    """A colour per hue value: a sequential map over sorted numbers, the default cycle otherwise."""
    import matplotlib as mpl
    import numpy as np

    values = list(values)
    numeric = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                  for v in values)
    if numeric and len(values) > 1:
        v = np.asarray(values, dtype=np.float64)
        positive = np.all(v > 0)
        finite = np.isfinite(v)
        lo_hi = v[finite] if finite.any() else np.zeros(1)
        logscale = positive and lo_hi.max() / lo_hi.min() >= 20
        u = np.log(np.where(finite, v, 1.0)) if logscale else np.where(finite, v, 0.0)
        lo, hi = (u[finite].min(), u[finite].max()) if finite.any() else (0.0, 0.0)
        frac = (u - lo) / (hi - lo) if hi > lo else np.zeros_like(u)
        frac[~finite] = 1.0  # temperature = inf: the far end of the scale
        cmap = mpl.colormaps["viridis"]
        return {val: cmap(0.9 * f) for val, f in zip(values, frac)}
    cycle = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    return {val: cycle[i % len(cycle)] for i, val in enumerate(values)}


def metric_timeseries(df, y="variance", hue="temperature", *, x="step", ax=None):
    """A metric over time, one line per ``hue`` value: mean ± 95% CI over seeds.

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table with columns ``x``, ``y`` (and ``hue`` unless it is
        ``None``), e.g. from :func:`opinionsim.sweep.sweep` with
        ``record_every`` set, or a model's DataCollector table. Rows that share
        ``(hue, x)`` (different seeds) are averaged; the band is the normal
        95% confidence interval of the mean.
    y : str
        The metric column.
    hue : str or None
        The column whose values get one line each (e.g. ``"temperature"``).
    x : str
        The time column.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    OpinionSimError
        If a needed column is missing (the message names it).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"step": [0, 1, 0, 1], "variance": [1.0, 0.5, 1.0, 0.2],
    ...                    "temperature": [0.1, 0.1, 1.0, 1.0]})
    >>> metric_timeseries(df).get_ylabel()
    'variance'
    """
    import numpy as np

    needed = [x, y] + ([hue] if hue is not None else [])
    _require_columns(df, needed, "metric_timeseries")
    ax = _axes(ax)
    groups = [(None, df)] if hue is None else list(df.groupby(hue, sort=True))
    colors = _hue_colors([g for g, _ in groups])
    for value, sub in groups:
        stats = sub.groupby(x, sort=True)[y].apply(lambda s: _mean_ci(s.to_numpy()))
        xs = stats.index.to_numpy()
        mean = np.array([m for m, _ in stats])
        half = np.array([h for _, h in stats])
        label = None if hue is None else f"{hue} = {value:g}" if isinstance(
            value, (int, float, np.number)) else f"{hue} = {value}"
        color = colors[value] if hue is not None else None
        line, = ax.plot(xs, mean, color=color, label=label, lw=1.6)
        ax.fill_between(xs, mean - half, mean + half, color=line.get_color(), alpha=0.2, lw=0)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{y} over time" + ("" if hue is None else f" by {hue}") + " (mean ± 95% CI)")
    if hue is not None:
        ax.legend(fontsize="small", frameon=False, ncols=1 if len(groups) <= 6 else 2)
    return ax


def _history_arrays(model_or_history):
    """``(steps, stack)`` with ``stack`` of shape ``(T, N, dim)`` from the accepted inputs."""
    import numpy as np

    from ._errors import OpinionSimError

    hist = model_or_history
    if hasattr(hist, "opinion_history"):
        if hist.opinion_history is None:
            raise OpinionSimError(
                "opinion_trajectories needs the model's opinion history, which it did not "
                "keep: build the model with record_opinions=True."
            )
        hist = hist.opinion_history
    if isinstance(hist, np.ndarray):
        stack = hist if hist.ndim == 3 else hist[:, :, None]
        if stack.ndim != 3:
            raise OpinionSimError(
                f"opinion_trajectories got an array of shape {hist.shape}, must be "
                "(steps, n_agents) or (steps, n_agents, dim)."
            )
        return np.arange(len(stack)), stack
    try:
        steps = np.array([int(s) for s, _ in hist])
        arrays = [np.asarray(X, dtype=np.float64) for _, X in hist]
    except (TypeError, ValueError):
        raise OpinionSimError(
            "opinion_trajectories takes an OpinionModel built with record_opinions=True, its "
            "opinion_history (a list of (step, opinions)), or an array (steps, n_agents[, dim]); "
            f"got {type(model_or_history).__name__}."
        ) from None
    if not arrays:
        raise OpinionSimError("opinion_trajectories got an empty opinion history.")
    stack = np.stack([a if a.ndim == 2 else a[:, None] for a in arrays])
    return steps, stack


def opinion_trajectories(model_or_history, *, max_agents=300, snapshots=4, ax=None, seed=0):
    """Opinions over time: lines for 1-D opinions, scatter snapshots for 2-D and more.

    Parameters
    ----------
    model_or_history : OpinionModel, list of (step, ndarray), or ndarray
        A model built with ``record_opinions=True``, its ``opinion_history``,
        or an array of shape ``(steps, n_agents)`` / ``(steps, n_agents, dim)``.
    max_agents : int
        At most this many agents are drawn (a seeded random subset).
    snapshots : int
        For ``dim >= 2``: how many recorded times to show (first to last),
        in one panel each (the first two dimensions).
    ax : matplotlib.axes.Axes, optional
        For ``dim == 1`` the axes to draw on. For ``dim >= 2``, if given, all
        snapshots are overlaid on it, coloured by time.
    seed : int
        Seed of the subset drawn when there are more than ``max_agents``.

    Returns
    -------
    matplotlib.axes.Axes or matplotlib.figure.Figure
        The Axes for 1-D opinions or when ``ax`` is given; otherwise the
        Figure with one panel per snapshot.

    Examples
    --------
    >>> import numpy as np
    >>> hist = [(t, np.linspace(-1, 1, 5)[:, None] * 0.5 ** t) for t in range(4)]
    >>> opinion_trajectories(hist).get_xlabel()
    'step'
    """
    import matplotlib.pyplot as plt
    import numpy as np

    steps, stack = _history_arrays(model_or_history)
    n, dim = stack.shape[1], stack.shape[2]
    rows = np.arange(n)
    if n > max_agents:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=max_agents, replace=False))
    shown = stack[:, rows, :]
    if dim == 1:
        ax = _axes(ax)
        final = shown[-1, :, 0]
        span = np.ptp(final) or 1.0
        cmap = plt.get_cmap("coolwarm")
        norm = (final - final.min()) / span
        alpha = min(0.8, max(0.3, 40.0 / len(rows)))
        for j in range(len(rows)):
            ax.plot(steps, shown[:, j, 0], color=cmap(norm[j]), lw=0.8, alpha=alpha)
        ax.set_xlabel("step")
        ax.set_ylabel("opinion (colour: final opinion)")
        ax.set_title(f"Opinion trajectories ({len(rows)} of {n} agents)")
        return ax
    pick = np.unique(np.linspace(0, len(steps) - 1, max(1, snapshots)).round().astype(int))
    lo, hi = shown[..., :2].min(), shown[..., :2].max()
    pad = 0.05 * (hi - lo or 1.0)
    if ax is not None:
        cmap = plt.get_cmap("viridis")
        for k, t in enumerate(pick):
            ax.scatter(shown[t, :, 0], shown[t, :, 1], s=8, alpha=0.6,
                       color=cmap(k / max(1, len(pick) - 1)), label=f"step {steps[t]}")
        ax.set_xlabel("opinion dimension 1")
        ax.set_ylabel("opinion dimension 2")
        ax.set_title("Opinion snapshots")
        ax.legend(fontsize="small", frameon=False)
        return ax
    fig, axes = plt.subplots(1, len(pick), figsize=(3.0 * len(pick), 3.2), sharex=True,
                             sharey=True, layout="constrained", squeeze=False)
    for a, t in zip(axes[0], pick):
        a.scatter(shown[t, :, 0], shown[t, :, 1], s=8, alpha=0.6, color="tab:blue")
        a.set_title(f"step {steps[t]}")
        a.set_xlim(lo - pad, hi + pad)
        a.set_ylim(lo - pad, hi + pad)
        a.set_aspect("equal")
        a.set_xlabel("opinion dim 1")
    axes[0][0].set_ylabel("opinion dim 2")
    fig.suptitle(f"Opinion snapshots ({len(rows)} of {n} agents)")
    return fig


def _pc1(X):
    """Projection of the rows of ``X`` on their first principal axis (sign: mean-positive)."""
    import numpy as np

    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1 or X.shape[1] == 1:
        return X.reshape(len(X))
    C = X - X.mean(axis=0)
    if not np.any(C):
        return np.zeros(len(X))
    _, _, vt = np.linalg.svd(C, full_matrices=False)
    return C @ vt[0]


def _cluster_order(X, tol):
    """Row order grouping agents by opinion cluster, and the cluster sizes in that order."""
    import numpy as np

    from .metrics import opinion_clusters

    labels = np.asarray(opinion_clusters(X, tol=tol))
    proj = _pc1(X)
    ids = np.unique(labels)
    centre = {c: proj[labels == c].mean() for c in ids}
    ranked = sorted(ids, key=lambda c: centre[c])
    rank = np.empty(labels.max() + 1, dtype=np.intp)
    rank[ranked] = np.arange(len(ranked))
    order = np.lexsort((proj, rank[labels]))
    sizes = np.bincount(rank[labels], minlength=len(ranked))
    return order, sizes


def attention_heatmap(model, *, head=None, tol=0.1, max_agents=400, ax=None, seed=0):
    """The attention matrix with agents sorted by opinion cluster: echo chambers show as blocks.

    Parameters
    ----------
    model : OpinionModel
    head : int, optional
        Which head (topic); default: the only head, or the mean over heads.
    tol : float
        Opinion distance that links two agents into one cluster
        (:func:`opinionsim.metrics.opinion_clusters`).
    max_agents : int
        At most this many agents (a seeded random subset, rows and columns) are drawn.
    ax : matplotlib.axes.Axes, optional
    seed : int
        Seed of the subset.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from opinionsim import OpinionModel
    >>> m = OpinionModel(n_agents=20, temperature=0.05, affinity="distance", seed=1)
    >>> m.run(10)
    >>> attention_heatmap(m).get_xlabel()
    'speaker (sorted by opinion cluster)'
    """
    import matplotlib.colors as mcolors
    import numpy as np

    A = model.attention(head)
    X = np.asarray(model.opinions)
    n = X.shape[0]
    rows = np.arange(n)
    if n > max_agents:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=max_agents, replace=False))
    sub = A[rows][:, rows].toarray() if hasattr(A, "toarray") else np.asarray(A)[np.ix_(rows, rows)]
    order, sizes = _cluster_order(X[rows], tol)
    M = sub[np.ix_(order, order)]
    ax = _axes(ax, figsize=(5.6, 4.8))
    positive = M[M > 0]
    vmin = max(positive.min(), positive.max() * 1e-4) if positive.size else 1e-6
    vmax = positive.max() if positive.size else 1.0
    im = ax.imshow(np.where(M > 0, M, np.nan), cmap="magma_r", interpolation="nearest",
                   norm=mcolors.LogNorm(vmin=vmin, vmax=max(vmax, vmin * 10)))
    ax.figure.colorbar(im, ax=ax, label="attention weight $A_{ij}$ (log scale)", shrink=0.85)
    for edge in np.cumsum(sizes)[:-1]:
        ax.axhline(edge - 0.5, color="tab:blue", lw=0.6, alpha=0.7)
        ax.axvline(edge - 0.5, color="tab:blue", lw=0.6, alpha=0.7)
    ax.set_xlabel("speaker (sorted by opinion cluster)")
    ax.set_ylabel("listener (sorted by opinion cluster)")
    ax.set_title(f"Attention at step {model.steps}: {len(sizes)} opinion cluster(s)")
    return ax


def _opinion_colour_values(X):
    """One scalar per agent to colour by: the opinion (1-D) or its first principal component."""
    return _pc1(X)


def network_opinions(model, *, pos=None, layout_seed=0, max_agents=500, ax=None):
    """The listening network drawn with each agent coloured by its opinion.

    Parameters
    ----------
    model : OpinionModel
    pos : dict, optional
        Node positions ``{node: (x, y)}``; default: a seeded spring layout.
    layout_seed : int
        Seed of the spring layout.
    max_agents : int
        Networks larger than this are refused (a drawing of them is unreadable).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    OpinionSimError
        If the model has more than ``max_agents`` agents.

    Examples
    --------
    >>> import networkx as nx
    >>> from opinionsim import OpinionModel
    >>> m = OpinionModel(graph=nx.cycle_graph(8), seed=0)
    >>> network_opinions(m).get_title().startswith("Network")
    True
    """
    import networkx as nx
    import numpy as np

    from ._errors import OpinionSimError

    n = model.n_agents
    if n > max_agents:
        raise OpinionSimError(
            f"network_opinions: the model has {n} agents, more than max_agents == {max_agents}; "
            "raise max_agents to draw it anyway."
        )
    adj = model.network.adjacency
    csr = adj.to_csr() if hasattr(adj, "to_csr") else adj
    G = nx.from_scipy_sparse_array(csr)
    G.remove_edges_from(nx.selfloop_edges(G))
    if pos is None:
        pos = nx.spring_layout(G, seed=layout_seed)
    else:
        pos = {i: pos[node] for i, node in enumerate(model.nodes)}
    values = _opinion_colour_values(model.opinions)
    ax = _axes(ax, figsize=(5.6, 4.8))
    nx.draw_networkx_edges(G, pos, ax=ax, width=0.4, alpha=0.25)
    lim = np.max(np.abs(values)) or 1.0
    nodes = nx.draw_networkx_nodes(G, pos, ax=ax, nodelist=list(range(n)), node_size=18,
                                   node_color=values, cmap="coolwarm", vmin=-lim, vmax=lim,
                                   linewidths=0)
    label = "opinion" if model.dim == 1 else "opinion (first principal component)"
    ax.figure.colorbar(nodes, ax=ax, label=label, shrink=0.85)
    ax.set_title(f"Network coloured by opinion (step {model.steps}, {n} agents)")
    ax.set_axis_off()
    return ax


def echo_chamber_density(X, adjacency, *, bins=40, ax=None):
    """Each agent's opinion against the mean opinion of whom it listens to (Cinelli et al. 2021).

    Points on the diagonal are agents surrounded by like-minded neighbours;
    two dense blobs in opposite corners are the echo-chamber signature,
    one blob at the centre is consensus. Multi-dimensional opinions are
    projected on their first principal component.

    Parameters
    ----------
    X : ndarray, shape (n_agents,) or (n_agents, dim)
    adjacency : scipy.sparse array, networkx graph or CompleteGraph
        Row ``i`` lists whom agent ``i`` listens to (self-loops are ignored).
    bins : int
        Bins per axis of the 2-D histogram.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    .. [1] M. Cinelli, G. De Francisci Morales, A. Galeazzi, W. Quattrociocchi and
       M. Starnini, "The echo chamber effect on social media", PNAS 118(9), 2021.

    Examples
    --------
    >>> import numpy as np, networkx as nx
    >>> x = np.r_[np.full(10, -1.0), np.full(10, 1.0)]
    >>> g = nx.disjoint_union(nx.complete_graph(10), nx.complete_graph(10))
    >>> echo_chamber_density(x, g).get_xlabel()
    'opinion $x_i$'
    """
    import matplotlib as mpl
    import matplotlib.colors as mcolors
    import networkx as nx
    import numpy as np
    import scipy.sparse as sp

    from ._errors import OpinionSimError

    x = _pc1(np.asarray(X, dtype=np.float64))
    n = len(x)
    if isinstance(adjacency, nx.Graph):
        csr = nx.to_scipy_sparse_array(adjacency, weight=None, format="csr")
    elif hasattr(adjacency, "to_csr"):
        csr = adjacency.to_csr()
    else:
        csr = sp.csr_array(adjacency)
    if csr.shape != (n, n):
        raise OpinionSimError(
            f"echo_chamber_density: adjacency has shape {csr.shape}, must be ({n}, {n}) "
            "to match the opinions."
        )
    csr = sp.csr_array(csr, dtype=np.float64)
    csr.setdiag(0)
    csr.eliminate_zeros()
    csr.data[:] = 1.0
    deg = np.asarray(csr.sum(axis=1)).ravel()
    has = deg > 0
    neigh = np.full(n, np.nan)
    neigh[has] = (csr @ x)[has] / deg[has]
    xs, ys = x[has], neigh[has]
    ax = _axes(ax, figsize=(5.2, 4.6))
    lo, hi = min(xs.min(), ys.min()), max(xs.max(), ys.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    # Few agents spread over many bins would show as isolated pixels.
    bins = int(min(bins, max(8, np.sqrt(len(xs)))))
    edges = np.linspace(lo, hi, bins + 1)
    H, xe, ye = np.histogram2d(xs, ys, bins=[edges, edges])
    im = ax.pcolormesh(xe, ye, np.where(H > 0, H, np.nan).T, cmap="viridis",
                       norm=mcolors.LogNorm(vmin=1, vmax=max(H.max(), 2)))
    cbar = ax.figure.colorbar(im, ax=ax, label="agents per cell (log scale)", shrink=0.85)
    cbar.formatter = mpl.ticker.LogFormatter(labelOnlyBase=False)
    cbar.update_ticks()
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")
    r = np.corrcoef(xs, ys)[0, 1] if np.std(xs) > 0 and np.std(ys) > 0 else np.nan
    ax.set_xlabel("opinion $x_i$")
    ax.set_ylabel("mean opinion of neighbours $x_i^N$")
    ax.set_title(f"Opinion vs neighbourhood, r = {r:.2f}")
    return ax


_TRAJECTORY_COLUMNS = ("arm", "seed", "step", "value")
_PAIRED_COLUMNS = ("seed", "control", "treated", "difference")


def treatment_effect(result, *, axes=None):
    """A causal-effect result: both arms over time, and the paired effect per seed.

    Parameters
    ----------
    result : CausalEffect
        From :func:`opinionsim.causal.causal_effect`: ``.trajectories`` (long
        table with columns ``arm``, ``seed``, ``step``, ``value``), ``.paired``
        (``seed``, ``control``, ``treated``, ``difference``), ``.ate``,
        ``.ci`` and ``.at``.
    axes : sequence of two matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        Left: the outcome over time in each arm (mean ± 95% CI over seeds), with
        the intervention time marked. Right: each seed's paired difference
        (treated − control) with the average effect and its confidence interval.

    Raises
    ------
    OpinionSimError
        If the result's tables lack the needed columns (the message names them).
    """
    import matplotlib.pyplot as plt
    import numpy as np

    traj, paired = result.trajectories, result.paired
    _require_columns(traj, _TRAJECTORY_COLUMNS, "treatment_effect (result.trajectories)")
    _require_columns(paired, _PAIRED_COLUMNS, "treatment_effect (result.paired)")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.8), layout="constrained",
                                 gridspec_kw={"width_ratios": [2.2, 1.0]})
    else:
        fig = axes[0].figure
    left, right = axes
    colors = {"control": "tab:grey", "treated": "tab:red"}
    for arm, sub in traj.groupby("arm", sort=True):
        stats = sub.groupby("step", sort=True)["value"].apply(lambda s: _mean_ci(s.to_numpy()))
        xs = stats.index.to_numpy()
        mean = np.array([m for m, _ in stats])
        half = np.array([h for _, h in stats])
        line, = left.plot(xs, mean, label=str(arm), color=colors.get(str(arm)), lw=1.6)
        left.fill_between(xs, mean - half, mean + half, color=line.get_color(), alpha=0.2, lw=0)
    at = getattr(result, "at", None)
    if at is not None:
        left.axvline(at, color="black", lw=0.8, ls=":", label=f"do() at step {at}")
    outcome = str(getattr(result, "outcome", None) or "outcome")
    left.set_xlabel("step")
    left.set_ylabel(outcome)
    left.set_title("Both arms over time (mean ± 95% CI over seeds)")
    left.legend(fontsize="small", frameon=False)
    d = paired["difference"].to_numpy(dtype=np.float64)
    jitter = np.random.default_rng(0).uniform(-0.08, 0.08, len(d))
    right.scatter(jitter, d, s=18, color="tab:blue", alpha=0.7, label="paired seeds")
    lo, hi = result.ci
    right.errorbar([0.25], [result.ate], yerr=[[result.ate - lo], [hi - result.ate]], fmt="o",
                   color="black", capsize=4, label=f"ATE = {result.ate:.3g}\n95% CI [{lo:.3g}, {hi:.3g}]")
    right.axhline(0.0, color="grey", lw=0.8, ls="--")
    right.set_xlim(-0.3, 0.5)
    right.set_xticks([])
    right.set_ylabel(f"treated − control ({outcome})")
    right.set_title("Paired effect")
    right.legend(fontsize="small", frameon=False, loc="best")
    return fig
