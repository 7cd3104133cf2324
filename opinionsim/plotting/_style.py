"""What every figure shares: the backend, human labels, number formats, titles, colours.

matplotlib is imported inside the functions that draw, never at module level,
so that ``import opinionsim.plotting`` stays cheap.
"""

from __future__ import annotations

import math
import os
import sys
import textwrap
from numbers import Integral, Real

from .._errors import OpinionSimError

__all__ = ["label", "title_words", "legend_label", "format_value", "fit_title",
           "category_colors", "NAMES"]

#: Column name -> (words, mathtext symbol or None). Axis labels, legends and titles read
#: this table; every registered reporter and every sweepable numeric parameter has a row.
NAMES = {
    # model parameters
    "temperature": ("temperature", "T"),
    "noise": ("noise", r"\sigma"),
    "step_size": ("step size", "a"),
    "stubbornness": ("stubbornness", "s"),
    "salience": ("salience", None),
    "dim": ("opinion dimensions", "d"),
    "n_agents": ("agents", "N"),
    "confidence": ("confidence bound", r"\varepsilon"),
    "activation_rate": ("activation rate", None),
    "key_norm_clip": ("key-norm clip", None),
    "heads": ("attention heads", None),
    "affinity": ("affinity", None),
    "include_self": ("self-attention", None),
    "rule": ("update rule", None),
    "activation": ("activation", None),
    "opinion_space": ("opinion space", None),
    "zealots": ("zealots", None),
    "graph": ("network", None),
    # graph-spec parameters varied as "graph.<key>" (see opinionsim.graphs)
    "graph.n": ("agents", "N"),
    "graph.k": ("neighbours per agent", "k"),
    "graph.m": ("links per new agent", "m"),
    "graph.p": ("link probability", "p"),
    "graph.p_in": ("link probability within blocks", r"p_\mathrm{in}"),
    "graph.p_out": ("link probability between blocks", r"p_\mathrm{out}"),
    # reporters and metrics
    "mean_opinion": ("mean opinion", None),
    "variance": ("opinion variance", None),
    "max_change": ("max opinion change per step", None),
    "relative_change": ("max change per step / initial spread", None),
    "polarization_index": ("polarisation index", None),
    "neighbor_correlation": ("neighbour correlation", None),
    "attention_entropy": ("attention entropy", None),
    "step_attention_entropy": ("attention entropy (during the step)", None),
    "bimodality_coefficient": ("bimodality coefficient", None),
    "esteban_ray": ("Esteban–Ray polarisation", None),
    "opinion_entropy": ("opinion entropy", None),
    "mean_pairwise_distance": ("mean pairwise distance", None),
    "opinion_assortativity": ("opinion assortativity", None),
    "n_clusters": ("opinion clusters", None),
    "echo_chamber_modularity": ("echo-chamber modularity", None),
    "attention_homophily": ("attention homophily", None),
    "consensus_reached": ("consensus reached", None),
    "morales_index": ("Morales polarisation index", None),
    "echo_chamber_index": ("echo-chamber index", None),
    "attention_dropout": ("attention dropout", "p"),
    "attention_entropy_floor": ("attention entropy floor", "h"),
    "converged_step": ("steps to converge", None),
    "cross_cutting_fraction": ("cross-cutting ties", None),
    "mean_abs_opinion": ("mean |opinion|", None),
    "fraction_positive": ("share with a positive opinion", None),
    "activity_extremity_correlation": ("activity–extremity correlation", None),
    "network_version": ("network changes", None),
    "interaction": ("interaction", None),
    "contacts": ("contacts per update", "m"),
    # run columns
    "step": ("step", None),
    "seed": ("seed", None),
    "replicate": ("replicate", None),
}

# A metric's z-score against its null model (reporters "<metric>_z").
NAMES.update({f"{name}_z": (f"{NAMES[name][0]} (z vs. shuffled null)", None)
              for name in ("neighbor_correlation", "opinion_assortativity",
                           "echo_chamber_modularity", "echo_chamber_index",
                           "cross_cutting_fraction")})

# What "p" is depends on the network kind.
_GRAPH_KIND_WORDS = {
    ("watts_strogatz", "graph.p"): "rewiring probability",
    ("erdos_renyi", "graph.p"): "edge probability",
}


def pyplot():
    """``matplotlib.pyplot``, choosing the headless Agg backend first when there is no display.

    Examples
    --------
    >>> pyplot().__name__
    'matplotlib.pyplot'
    """
    import matplotlib

    if ("matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND")
            and not _has_display()):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _has_display():
    if sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def new_axes(ax, figsize=(6.0, 4.0)):
    """``ax``, or the Axes of a new constrained-layout figure of ``figsize``.

    Examples
    --------
    >>> ax = new_axes(None, figsize=(3.0, 2.0))
    >>> new_axes(ax) is ax, ax.figure.get_size_inches().tolist()
    (True, [3.0, 2.0])
    """
    if ax is None:
        _, ax = pyplot().subplots(figsize=figsize, layout="constrained")
    return ax


def require_columns(df, columns, func):
    """Raise OpinionSimError naming the columns of ``df`` that ``func`` needs and lacks.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"step": [0]}), ["step", "value"], "f")
    Traceback (most recent call last):
    ...
    opinionsim._errors.OpinionSimError: f needs the column(s) ['value'], which the table lacks; it has ['step'].
    """
    have = list(getattr(df, "columns", []))
    missing = [c for c in columns if c not in have]
    if missing:
        raise OpinionSimError(
            f"{func} needs the column(s) {missing!r}, which the table lacks; it has {have!r}."
        )


def title_words(name, *, graph_kind=None):
    """The plain words for a column name, without its symbol.

    Unknown names read with underscores (and the dot of ``graph.<key>``) as spaces.

    Examples
    --------
    >>> title_words("n_clusters"), title_words("captured_attention")
    ('opinion clusters', 'captured attention')
    >>> title_words("graph.p", graph_kind="watts_strogatz")
    'rewiring probability'
    """
    name = str(name)
    if (graph_kind, name) in _GRAPH_KIND_WORDS:
        return _GRAPH_KIND_WORDS[graph_kind, name]
    if name in NAMES:
        return NAMES[name][0]
    return name.replace("_", " ").replace(".", " ").strip()


def label(name, *, graph_kind=None):
    """Axis label for a column name: its words and, where it has one, its symbol.

    Parameters
    ----------
    name : str
        A parameter, metric or reporter column.
    graph_kind : str, optional
        The network kind of the sweep, which says what ``graph.p`` means.

    Returns
    -------
    str

    Examples
    --------
    >>> label("temperature"), label("variance"), label("captured_attention")
    ('temperature $T$', 'opinion variance', 'captured attention')
    """
    symbol = NAMES.get(str(name), (None, None))[1]
    words = title_words(name, graph_kind=graph_kind)
    return f"{words} ${symbol}$" if symbol else words


def capitalise(text):
    """``text`` with its first letter upper-cased, the rest left alone (not ``str.capitalize``).

    Examples
    --------
    >>> capitalise("echo-chamber modularity"), capitalise("Esteban–Ray polarisation")
    ('Echo-chamber modularity', 'Esteban–Ray polarisation')
    """
    return text[:1].upper() + text[1:]


def format_value(value, digits=3):
    """A number for a legend or title: integers whole, others to ``digits`` significant digits.

    Examples
    --------
    >>> [format_value(v) for v in (0.00969614, 1000, 0.1, 2.0, 1234.5, 1e-05, float("inf"))]
    ['0.0097', '1000', '0.1', '2', '1.23e3', '1e-5', '∞']
    >>> format_value("dot")
    'dot'
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        return str(value)
    if isinstance(value, Integral):
        return str(int(value))
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == int(value) and abs(value) < 10 ** 6:
        return str(int(value))
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def legend_label(name, value, *, graph_kind=None):
    """Legend entry for one value of a column: its symbol (or words) and the rounded value.

    Examples
    --------
    >>> legend_label("temperature", 0.00969614)
    '$T$ = 0.0097'
    >>> legend_label("defence", "clip")
    'defence = clip'
    """
    symbol = NAMES.get(str(name), (None, None))[1]
    head = f"${symbol}$" if symbol else title_words(name, graph_kind=graph_kind)
    return f"{head} = {format_value(value)}"


def fit_title(title, target, fontsize=None):
    """``title`` with each line wrapped to fit ``target``, at " · " where possible.

    Parameters
    ----------
    title : str
    target : matplotlib.figure.Figure or matplotlib.axes.Axes
        A figure (for a suptitle: its width) or an Axes (for its title: the
        width of its grid cell, so that the title of a right-hand panel stays
        inside the figure).
    fontsize : float, optional
        Points; default 11 for a figure, the ``axes.titlesize`` for an Axes.

    Returns
    -------
    str

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(3, 3))
    >>> print(fit_title("Opinion variance over time · mean ± 95% CI over seeds", fig))
    Opinion variance over time
    mean ± 95% CI over seeds
    """
    width_in, fontsize = _text_room(target, fontsize)
    width = max(12, int(width_in * 72 / (0.6 * fontsize)))
    out = []
    for line in title.split("\n"):
        chunks = [""]
        for part in line.split(" · "):
            if chunks[-1] and len(chunks[-1]) + 3 + len(part) > width:
                chunks.append(part)
            else:
                chunks[-1] = f"{chunks[-1]} · {part}" if chunks[-1] else part
        for chunk in chunks:
            out.extend(textwrap.wrap(chunk, width) or [""])
    return "\n".join(out)


def _text_room(target, fontsize):
    """(inches available to a title on ``target``, font size in points)."""
    if hasattr(target, "get_figwidth"):
        return target.get_figwidth(), 11.0 if fontsize is None else fontsize
    from matplotlib.font_manager import FontProperties

    import matplotlib as mpl

    if fontsize is None:
        fontsize = FontProperties(size=mpl.rcParams["axes.titlesize"]).get_size_in_points()
    fig = target.figure  # a Figure or a SubFigure
    spec = target.get_subplotspec()
    # The Axes' grid cell, not the Axes: constrained layout moves the Axes inside its
    # cell (and lets the grid fill the figure), and a title may overhang its Axes but
    # not its cell.
    frac = _cell_fraction(spec) if spec is not None else target.get_position().width
    return 0.9 * frac * fig.bbox.width / fig.dpi, fontsize


def _cell_fraction(spec):
    """Share of the figure's width that a subplot spec spans (through nested grids)."""
    grid = spec.get_gridspec()
    ratios = grid.get_width_ratios() or [1] * grid.ncols
    frac = sum(ratios[c] for c in spec.colspan) / sum(ratios)
    parent = getattr(grid, "_subplot_spec", None)  # a GridSpecFromSubplotSpec's cell
    return frac * (_cell_fraction(parent) if parent is not None else 1.0)


def set_title(ax, text, **kwargs):
    """``ax.set_title`` with ``text`` wrapped by :func:`fit_title` to fit the Axes' cell.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> axes = Figure(figsize=(6, 3)).subplots(1, 3)
    >>> print(set_title(axes[2], "Opinion variance over time by temperature").get_text())
    Opinion variance
    over time by
    temperature
    """
    return ax.set_title(fit_title(text, ax, kwargs.get("fontsize")), **kwargs)


# Matplotlib's tab10, written out so that a category's colour does not depend on the style.
_TAB10 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def category_colors(labels):
    """One colour per category label, the same in every panel that shows the same categories.

    The colour of a label depends only on the *set* of labels given, never on
    their order: categories are sorted and take tab10's colours in turn (an
    evenly spaced ``turbo`` map beyond ten). Pass every category of a figure
    once and use the mapping in each panel.

    Parameters
    ----------
    labels : iterable of hashable
        Category labels (repeats are ignored).

    Returns
    -------
    dict
        ``{label: colour}``.

    Examples
    --------
    >>> category_colors(["none", "clip", "norm"]) == category_colors(["norm", "none", "clip"])
    True
    >>> category_colors(["b", "a"])["a"]
    '#1f77b4'
    """
    unique = set(labels)
    try:
        ordered = sorted(unique)
    except TypeError:  # mixed types: a stable order all the same
        ordered = sorted(unique, key=lambda v: (type(v).__name__, str(v)))
    if len(ordered) <= len(_TAB10):
        return {v: _TAB10[i] for i, v in enumerate(ordered)}
    import matplotlib as mpl

    cmap = mpl.colormaps["turbo"]
    return {v: mpl.colors.to_hex(cmap(0.05 + 0.9 * i / (len(ordered) - 1)))
            for i, v in enumerate(ordered)}


def hue_colors(values):
    """A colour per hue value: a sequential map over numbers, :func:`category_colors` otherwise.

    Examples
    --------
    >>> colors = hue_colors([0.01, 0.1, 1.0])
    >>> colors[0.01] != colors[1.0]
    True
    """
    import matplotlib as mpl
    import numpy as np

    values = list(values)
    numeric = all(isinstance(v, Real) and not isinstance(v, bool) for v in values)
    if not (numeric and len(values) > 1):
        return category_colors(values)
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    lo_hi = v[finite] if finite.any() else np.zeros(1)
    logscale = np.all(v > 0) and lo_hi.max() / lo_hi.min() >= 20
    u = np.log(np.where(finite, v, 1.0)) if logscale else np.where(finite, v, 0.0)
    lo, hi = (u[finite].min(), u[finite].max()) if finite.any() else (0.0, 0.0)
    frac = (u - lo) / (hi - lo) if hi > lo else np.zeros_like(u)
    frac[~finite] = 1.0  # temperature = inf: the far end of the scale
    cmap = mpl.colormaps["viridis"]
    return {val: cmap(0.9 * f) for val, f in zip(values, frac)}
