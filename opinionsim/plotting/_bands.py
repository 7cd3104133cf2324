"""Mean ± confidence band over seeds, for every figure: the numbers and their caption.

The intervals are Student-t intervals from :mod:`opinionsim.experiments.stats`,
the one place the package computes them; a single seed gives no band (NaN).
"""

from __future__ import annotations

import numpy as np

from ..experiments.stats import half_width

__all__ = ["mean_band", "draw_band", "band_note"]


def mean_band(df, by, y, level=0.95):
    """Mean, CI half width and count of the finite values of ``y``, per group of ``by``.

    Parameters
    ----------
    df : pandas.DataFrame
    by : list of str
        Grouping columns (sorted in the result).
    y : str
        The value column; NaN and ±inf are left out, as in
        :func:`opinionsim.experiments.stats.mean_ci`.
    level : float in (0, 1)
        Confidence level of the Student-t interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, mean, half_width, n``; ``half_width`` is NaN where ``n < 2``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"step": [0, 0, 0, 1], "v": [1.0, 2.0, 3.0, 5.0]})
    >>> band = mean_band(df, ["step"], "v")
    >>> band["mean"].tolist(), band["half_width"].round(4).tolist(), band["n"].tolist()
    ([2.0, 5.0], [2.4841, nan], [3, 1])
    """
    import pandas as pd

    values = df[y].astype(np.float64)
    values = values.where(np.isfinite(values))
    groups = values.groupby([df[k] for k in by], sort=True)
    out = pd.DataFrame({"mean": groups.mean(), "sd": groups.std(ddof=1),
                        "n": groups.count()}).reset_index()
    out["half_width"] = half_width(out["sd"].to_numpy(), out["n"].to_numpy(), level)
    return out[[*by, "mean", "half_width", "n"]]


def draw_band(ax, xs, mean, half, *, color=None, label=None, **line_kwargs):
    """Draw one mean line and its band ``mean ± half`` (none where ``half`` is NaN).

    Returns
    -------
    matplotlib.lines.Line2D
        The mean line.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> draw_band(ax, [0, 1], [1.0, 2.0], [0.1, float("nan")], label="a").get_label()
    'a'
    """
    mean, half = np.asarray(mean, dtype=np.float64), np.asarray(half, dtype=np.float64)
    line, = ax.plot(xs, mean, color=color, label=label, lw=1.6, **line_kwargs)
    ax.fill_between(xs, mean - half, mean + half, color=line.get_color(), alpha=0.22, lw=0)
    return line


def band_note(ci=0.95):
    """What the lines and bands of the mean-over-seeds figures show, for a caption.

    Examples
    --------
    >>> band_note(0.9)
    'mean ± 90% CI over seeds'
    """
    return f"mean ± {ci:.0%} CI over seeds"
