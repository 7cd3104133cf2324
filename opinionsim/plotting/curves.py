"""Sweep curves: a metric against a parameter, or over time, as mean ± CI over seeds."""

from __future__ import annotations

import os

import numpy as np

from .._errors import OpinionSimError
from ._bands import band_note, draw_band, mean_band
from ._style import (capitalise, fit_title, format_value, hue_colors, label, legend_label,
                     new_axes, pyplot, require_columns, set_title, title_words)

__all__ = ["polarization_curve", "design_scatter", "metric_timeseries", "curve_data",
           "curve_title", "sweep_title", "default_curve_metrics", "curve_figsize",
           "CURVE_METRICS"]

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

# Panel headings of polarization_curve: what each metric stands for.
_PANEL_TITLES = {
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


def _run_columns(df):
    """(varied parameter columns, metric columns) of a sweep table."""
    cols = list(df.columns)
    if "replicate" not in cols or "step" not in cols:
        raise OpinionSimError("data is not a sweep table (it has no 'replicate' and 'step' "
                              "columns); pass the result of sweep() or load_results().")
    params = cols[:cols.index("replicate")]
    metrics = cols[cols.index("step") + 1:]
    return params, metrics


def _graph_kind(spec):
    graph = spec.get("params", {}).get("graph") if isinstance(spec, dict) else None
    return graph.get("kind") if isinstance(graph, dict) else None


def default_curve_metrics(columns):
    """The metrics :func:`polarization_curve` draws by default, given the metric columns.

    The first present of each group of :data:`CURVE_METRICS`; if none is
    there, the first three metrics.

    Examples
    --------
    >>> default_curve_metrics(["mean_opinion", "variance", "neighbor_correlation"])
    ['variance', 'neighbor_correlation']
    """
    chosen = []
    for group in CURVE_METRICS:
        for name in group:
            if name in columns:
                chosen.append(name)
                break
    if not chosen:  # none of the usual ones: the first few recorded
        chosen = list(columns)[:3]
    if not chosen:
        raise OpinionSimError("data has no metric columns to plot.")
    return chosen


def curve_data(data, x, y, *, hue=None, ci=0.95):
    """Mean, CI half-width and count over replicates of ``y`` at the final step, per ``(hue, x)``.

    Parameters
    ----------
    data : pandas.DataFrame
        A sweep table.
    x, y : str
        A varied parameter and a metric column.
    hue : str, optional
        Another varied parameter.
    ci : float in (0, 1)
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Columns ``[hue,] x, mean, half_width, n``; ``half_width`` is the
        Student-t ``ci`` interval's half width (NaN for a single replicate).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"temperature": [0.1, 0.1], "replicate": [0, 1], "seed": [5, 6],
    ...                    "step": [3, 3], "variance": [1.0, 3.0]})
    >>> curve_data(df, "temperature", "variance")[["mean", "n"]].values.tolist()
    [[2.0, 2.0]]
    """
    params, _ = _run_columns(data)
    keys = params + ["replicate"]
    final = data[data["step"] == data.groupby(keys, sort=False)["step"].transform("max")]
    by = ([hue] if hue is not None else []) + [x]
    return mean_band(final, by, y, ci)


def curve_title(y, x="step", hue=None, *, graph_kind=None):
    """A panel title in words: ``y`` over time, or against ``x``, optionally by ``hue``.

    Examples
    --------
    >>> curve_title("n_clusters", "temperature")
    'Opinion clusters vs temperature'
    >>> curve_title("captured_attention", hue="defence")
    'Captured attention over time by defence'
    """
    head = capitalise(title_words(y))
    head += " over time" if x == "step" else f" vs {title_words(x, graph_kind=graph_kind)}"
    return head + ("" if hue is None else f" by {title_words(hue, graph_kind=graph_kind)}")


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
        Confidence level of the band (Student t over replicates; no band
        for a single replicate).
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
        from ..sweep import load_results

        data = load_results(data)
    params, metrics = _run_columns(data)
    x, ys, single = _check_curve_arguments(data, params, metrics, x, y, hue)
    spec = data.attrs.get("sweep")
    kind = _graph_kind(spec)

    if ax is None:
        fig, axes = pyplot().subplots(1, len(ys), figsize=curve_figsize(len(ys)),
                                      squeeze=False, layout="constrained")
        axes = axes[0]
        if title is None:
            title = sweep_title(spec) if isinstance(spec, dict) else ""
            title += (" · " if title else "") + band_note(ci)
        if title:
            fig.suptitle(fit_title(title, fig), fontsize=11)
    else:
        axes = np.atleast_1d(np.asarray(ax, dtype=object))
        if len(axes) != len(ys):
            raise OpinionSimError(f"ax has {len(axes)} Axes for {len(ys)} metrics.")
        if title and len(axes) == 1:
            set_title(axes[0], title)
        elif title:
            axes[0].figure.suptitle(fit_title(title, axes[0].figure))

    xs = data[x]
    numeric = np.issubdtype(xs.dtype, np.number)
    finite = xs[np.isfinite(xs)] if numeric else xs
    decades = bool(numeric and len(finite) and (finite > 0).all()
                   and finite.max() / finite.min() >= 100)
    if logx is None:
        logx = decades
    for axis, name in zip(axes, ys):
        _draw_lines(axis, curve_data(data, x, name, hue=hue, ci=ci), x, hue, graph_kind=kind,
                    marker="o", ms=3.5)
        if logx:
            axis.set_xscale("log")
            if decades:
                # Over two decades or more matplotlib labels no minor tick anyway, but still
                # lays out an empty label for each: a quarter of the default sweep's plot time.
                from matplotlib.ticker import NullFormatter

                axis.xaxis.set_minor_formatter(NullFormatter())
        axis.set_xlabel(label(x, graph_kind=kind))
        axis.set_ylabel(label(name))
        set_title(axis, _PANEL_TITLES.get(name, capitalise(title_words(name))), fontsize=10)
        axis.grid(True, alpha=0.3, which="major")
        axis.spines[["top", "right"]].set_visible(False)
        if hue is not None:
            axis.legend(fontsize=8, frameon=False)
    return axes[0] if single else axes


def design_scatter(data, y="variance", *, ax=None):
    """A sampled design (Random, LatinHypercube, Sobol) read one parameter at a time.

    One panel per sampled parameter: each design point's ``y`` at the final
    step, averaged over its replicates, against that parameter (log axis for
    a log range). A curve would join points that differ in every other
    parameter too; a scatter shows the spread they cause. How much of it each
    parameter explains is :func:`opinionsim.sensitivity` (Sobol designs).

    Parameters
    ----------
    data : pandas.DataFrame or path
        The table of a sweep run with ``design=`` (or its directory).
    y : str
        A metric column.
    ax : sequence of matplotlib Axes, optional
        One per sampled parameter. Default: a new figure.

    Returns
    -------
    numpy.ndarray of Axes

    Examples
    --------
    >>> from opinionsim import LatinHypercube
    >>> from opinionsim.sweep import sweep
    >>> df = sweep({"n_agents": 20}, design=LatinHypercube({"temperature": (0.01, 1, "log"),
    ...            "step_size": (0.1, 0.9)}, n=6), seeds=2, steps=5, metrics=["variance"],
    ...            n_jobs=1, progress=False)
    >>> [a.get_xlabel() for a in design_scatter(df)]
    ['temperature $T$', 'step size $a$']
    """
    if isinstance(data, (str, os.PathLike)):
        from ..sweep import load_results

        data = load_results(data)
    params, metrics = _run_columns(data)
    design = (data.attrs.get("sweep") or {}).get("design")
    if not isinstance(design, dict) or "ranges" not in design:
        raise OpinionSimError("data is not from a sampled design (sweep(..., design=Random, "
                              "LatinHypercube or Sobol)); use polarization_curve.")
    if y not in metrics:
        raise OpinionSimError(f"y == {y!r} is not a metric of this sweep; metrics: "
                              f"{', '.join(metrics)}.")
    names = list(design["ranges"])
    final = data[data["step"] == data.groupby(params + ["replicate"], sort=False)["step"]
                 .transform("max")]
    points = final.groupby(params, sort=False, dropna=False)[y].mean().reset_index()
    if ax is None:
        fig, axes = pyplot().subplots(1, len(names), figsize=curve_figsize(len(names)),
                                      squeeze=False, layout="constrained")
        axes = axes[0]
        fig.suptitle(fit_title(f"{capitalise(title_words(y))}: {len(points)} design points "
                               f"({design.get('kind', 'sampled')}), each the mean over "
                               "its seeds", fig), fontsize=11)
    else:
        axes = np.atleast_1d(np.asarray(ax, dtype=object))
        if len(axes) != len(names):
            raise OpinionSimError(f"ax has {len(axes)} Axes for {len(names)} parameters.")
    for axis, name in zip(axes, names):
        axis.scatter(points[name], points[y], s=12, alpha=0.7)
        if design["ranges"][name][2] == "log":
            axis.set_xscale("log")
        else:  # sampled values have long decimals: few ticks, so that they do not overlap
            from matplotlib.ticker import MaxNLocator

            axis.xaxis.set_major_locator(MaxNLocator(5))
        axis.set_xlabel(label(name))
        axis.set_ylabel(label(y))
        axis.grid(True, alpha=0.3)
        axis.spines[["top", "right"]].set_visible(False)
    return axes


def _check_curve_arguments(data, params, metrics, x, y, hue):
    """``(x, ys, single)`` for :func:`polarization_curve`, or OpinionSimError naming the problem."""
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
    return x, ys, single


def _draw_lines(ax, band, x, hue, *, colors=None, graph_kind=None, **line_kwargs):
    """Draw the mean ± band of :func:`mean_band` output against ``x``, a line per ``hue`` value.

    Returns the number of lines. ``colors`` maps hue values to colours (default:
    :func:`hue_colors`); a value it lacks is an error, not a colour picked at random.
    """
    if hue is None:
        draw_band(ax, band[x], band["mean"], band["half_width"], **line_kwargs)
        return 1
    groups = list(band.groupby(hue, sort=True))
    if colors is None:
        colors = hue_colors([value for value, _ in groups])
    missing = [value for value, _ in groups if value not in colors]
    if missing:
        raise OpinionSimError(f"colors has no colour for {hue} == {missing!r}; it covers "
                              f"{list(colors)!r}.")
    for value, part in groups:
        draw_band(ax, part[x], part["mean"], part["half_width"], color=colors[value],
                  label=legend_label(hue, value, graph_kind=graph_kind), **line_kwargs)
    return len(groups)


def metric_timeseries(df, y="variance", hue="temperature", *, x="step", ax=None, ci=0.95,
                      colors=None):
    """A metric over time (or against ``x``), one line per ``hue`` value: mean ± CI over seeds.

    Parameters
    ----------
    df : pandas.DataFrame
        A tidy table with columns ``x``, ``y`` (and ``hue`` unless it is
        ``None``), e.g. from :func:`opinionsim.sweep.sweep` with
        ``record_every`` set, or a model's DataCollector table. Rows that share
        ``(hue, x)`` (different seeds) are averaged; the band is the Student-t
        confidence interval of the mean (none where a point has one seed).
    y : str
        The metric column.
    hue : str or None
        The column whose values get one line each (e.g. ``"temperature"``).
    x : str
        The time column, or any other column to plot against.
    ax : matplotlib.axes.Axes, optional
    ci : float in (0, 1), default 0.95
        Confidence level of the band.
    colors : dict, optional
        ``{hue value: colour}``, e.g. from :func:`category_colors`, to keep a
        category's colour the same across panels. Default: a sequential map
        for numbers, :func:`category_colors` otherwise.

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
    >>> ax = metric_timeseries(df)
    >>> ax.get_ylabel(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('opinion variance', ['$T$ = 0.1', '$T$ = 1'])
    """
    needed = [x, y] + ([hue] if hue is not None else [])
    require_columns(df, needed, "metric_timeseries")
    ax = new_axes(ax)
    by = [x] if hue is None else [hue, x]
    lines = _draw_lines(ax, mean_band(df, by, y, ci), x, hue, colors=colors)
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(y))
    set_title(ax, f"{curve_title(y, x, hue)} · {band_note(ci)}")
    if hue is not None:
        ax.legend(fontsize="small", frameon=False, ncols=1 if lines <= 6 else 2)
    return ax


def curve_figsize(panels):
    """Figure size (inches) for :func:`polarization_curve` with this many panels.

    Examples
    --------
    >>> curve_figsize(2)
    (9.2, 3.9)
    """
    return (max(5.6, 4.6 * panels), 3.9 + 0.25 * (panels == 1))


def sweep_title(spec):
    """A description of a sweep spec (as in ``sweep.json``) for figure titles: the network on
    the first line, the rest on the second.

    A parameter the sweep varies is left out (it is on the axis or in the
    legend), including a varied graph parameter such as ``graph.p``.

    Examples
    --------
    >>> spec = {"params": {"graph": {"kind": "watts_strogatz", "n": 1000, "k": 10, "p": 0.1},
    ...                    "dim": 2, "affinity": "distance"},
    ...         "replicates": [0, 1], "steps": 200}
    >>> print(sweep_title(spec))
    Watts–Strogatz (N = 1000, k = 10, p = 0.1)
    2-D opinions · distance affinity · 2 seeds × 200 steps
    >>> print(sweep_title({**spec, "grid": {"graph.p": [0.01, 0.1]}}).split("\\n")[0])
    Watts–Strogatz (N = 1000, k = 10)
    >>> print(sweep_title({"model": "activity_driven", "params": {"n_agents": 500}}))
    activity-driven model (N = 500)
    """
    params = spec.get("params", {})
    varied = set(spec.get("grid") or ())
    head, parts = "", []
    graph = params.get("graph")
    if spec.get("model", "opinion") != "opinion":  # no graph: N is a parameter
        n = params.get("n_agents")
        head = spec["model"].replace("_", "-") + " model" + (
            f" (N = {format_value(n)})" if n is not None and "n_agents" not in varied else "")
    elif isinstance(graph, dict) and "kind" in graph:
        head = _graph_description(graph, varied)
    elif isinstance(graph, dict):
        head = "given graph"
    elif "n_agents" in params:
        head = f"complete graph (N = {format_value(params['n_agents'])})"
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


def _graph_description(graph, varied):
    """``"Watts–Strogatz (N = 1000, k = 10)"``: a graph spec without its varied parameters."""
    kind = graph["kind"]
    args = []
    if kind == "stochastic_block" and "graph.sizes" not in varied:
        sizes = graph.get("sizes", [])
        args.append(f"N = {sum(sizes)}, {len(sizes)} blocks")
    elif kind == "file":
        args.append(os.path.basename(str(graph.get("path", ""))))
    for key in ("n", "k", "m", "p", "p_in", "p_out"):
        if graph.get(key) is not None and f"graph.{key}" not in varied:
            args.append(f"{'N' if key == 'n' else key} = {format_value(graph[key])}")
    name = _GRAPH_NAMES.get(kind, kind)
    return f"{name} ({', '.join(args)})" if args else name

