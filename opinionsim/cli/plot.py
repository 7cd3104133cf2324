"""``opinionsim plot DIR``: the curve of a stored sweep, mean ± 95% CI over seeds."""

from __future__ import annotations

import os
import warnings

import numpy as np

from .._errors import OpinionSimError
from ._common import Command, UsageError, split_items

__all__ = ["COMMAND", "PLOT_NAME", "save_curve", "horizon_finding"]

PLOT_NAME = "polarization_vs_{x}.png"


def save_curve(table, path, *, x, hue=None, y=None):
    """Draw a sweep table's metrics against ``x`` (one panel each) into the image ``path``."""
    import pandas as pd
    from matplotlib.figure import Figure

    from ..experiments.spec import CONVERGE_COLUMNS, parse_steps
    from ..plotting import (
        band_note,
        curve_figsize,
        default_curve_metrics,
        fit_title,
        polarization_curve,
        sweep_title,
    )

    metrics = [c for c in table.columns[list(table.columns).index("step") + 1:]
               if c not in CONVERGE_COLUMNS]
    ys = default_curve_metrics(metrics) if y is None else y
    fig = Figure(figsize=curve_figsize(len(ys)), layout="constrained")
    axes = fig.subplots(1, len(ys), squeeze=False)[0]
    # polarization_curve reads an axis's dtype with np.issubdtype, which pandas' string dtype
    # (a varied affinity, rule, ...) breaks; its values are drawn as objects.
    strings = {c: object for c in (x, hue) if c in table.columns
               and isinstance(table[c].dtype, pd.StringDtype)}
    polarization_curve(table.astype(strings) if strings else table, x=x, y=ys, hue=hue,
                       ax=list(axes))
    moving = _changing_points(table, x, hue)
    note = ""
    if moving is not None and len(moving):
        for axis in axes:  # a rug of open triangles under the points still changing
            axis.plot(moving, np.zeros(len(moving)), linestyle="none", marker="^", ms=5,
                      mfc="none", mec="0.35", clip_on=False,
                      transform=axis.get_xaxis_transform(), label="_still changing")
        note = "△ still changing at the last step"
    spec = table.attrs.get("sweep")
    title = ""
    if isinstance(spec, dict):
        until = parse_steps(spec["steps"])[1]
        if until is not None:  # "× ≤ 5000 steps (to a steady state, tol 1e-06)"
            spec = {**spec, "steps": f"≤ {until.max_steps}"}
        title = sweep_title(spec) + ("" if until is None else
                                     f" (to a steady state, tol {until.tol:g})")
    title += (" · " if title else "") + band_note() + (f" · {note}" if note else "")
    fig.suptitle(fit_title(title, fig), fontsize=11)
    try:
        fig.savefig(path, dpi=130)
    except OSError as exc:
        raise UsageError(f"cannot write {path!r}: {exc.strerror}.") from None
    return path


def _changing_points(table, x, hue):
    """The x values at which some run was still changing at its last step (None: unknown)."""
    from ..experiments.table import still_changing

    counts = still_changing(table, [x] + ([hue] if hue else []))
    if counts is None:
        return None
    return np.unique(counts.loc[counts["changing"] > 0, x].to_numpy())


def horizon_finding(table, x):
    """One sentence, chosen by the data: are the sweep's final values steady states?

    Reads each run's last ``relative_change`` (or ``converged``, for runs to a
    steady state) through :func:`opinionsim.experiments.table.still_changing`.
    None when the table records neither.
    """
    from ..experiments.table import SETTLED_TOL, still_changing
    from ..plotting._style import title_words

    counts = still_changing(table, [x])
    if counts is None:
        return None
    last = int(table["step"].max())
    name = title_words(x)
    moving = counts[counts["changing"] > 0]
    if "converged" in table.columns:
        if moving.empty:
            return f"every run reached its steady state (at most {last} steps)."
        return (f"{int(moving['changing'].sum())} of {int(counts['runs'].sum())} runs did not "
                f"reach a steady state within {last} steps ({name} = "
                f"{_span(moving[x])}): there the values are a {last}-step snapshot.")
    if moving.empty:
        return (f"every run had settled by step {last} (no agent moved more than "
                f"{SETTLED_TOL:g} x the initial spread in the last step): the curves read "
                "steady states.")
    return (f"at step {last}, runs at {len(moving)} of {len(counts)} {name} values ("
            f"{_span(moving[x])}) were still changing (an agent moved more than "
            f"{SETTLED_TOL:g} x the initial spread in the last step): there the curves are a "
            f"{last}-step snapshot, not a steady state; --steps converge:tol={SETTLED_TOL:g},"
            "max=N runs each replicate to one.")


def _span(values):
    values = sorted(values)
    if len(values) == 1:
        return f"{values[0]:.3g}" if isinstance(values[0], float) else str(values[0])
    if all(isinstance(v, (int, float)) for v in values):
        return f"{values[0]:.3g} to {values[-1]:.3g}"
    return ", ".join(map(str, values))


def _plot_arguments(p):
    p.add_argument("dir", metavar="DIR", help="a sweep directory (with sweep.json)")
    p.add_argument("--x", metavar="PARAM", help="varied parameter on the x axis "
                   "(default: temperature, else the first varied one)")
    p.add_argument("--y", metavar="METRICS", help="comma-separated metrics, one panel each "
                   "(default: a polarisation and the echo-chamber metrics present)")
    p.add_argument("--hue", metavar="PARAM", help="another varied parameter: one line per value")
    p.add_argument("--out", metavar="FILE", help="image file (default: DIR/"
                   + PLOT_NAME.format(x="X") + ", or DIR/Y_vs_X.png with --y)")


def _plot_main(args):
    from ..sweep import load_results

    if not os.path.isdir(args.dir):
        raise UsageError(f"{args.dir!r} is not a directory.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        table = load_results(args.dir)
    if len(table) == 0:
        raise UsageError(f"{args.dir!r} holds no finished runs yet.")
    params = list(table.columns[:list(table.columns).index("replicate")])
    if "design" in (table.attrs.get("sweep") or {}):
        return _plot_design(table, args)
    x = args.x or ("temperature" if "temperature" in params else (params or [None])[0])
    if x is None:
        raise UsageError(f"{args.dir!r}: the sweep varies no parameter; nothing to plot.")
    _check_varied(table, params, x, args.hue)
    ys = split_items(args.y, "--y") if args.y else None
    if args.out:
        path = args.out
        _check_image_format(path)
    elif ys:
        path = os.path.join(args.dir, f"{'_'.join(ys)}_vs_{x.replace('.', '_')}.png")
    else:
        path = os.path.join(args.dir, PLOT_NAME.format(x=x.replace(".", "_")))
    save_curve(table, path, x=x, hue=args.hue, y=ys)
    print(path)
    return 0


def _plot_design(table, args):
    """A sampled design: one scatter per sampled parameter, per metric (--x, --hue unused)."""
    from matplotlib.figure import Figure

    from ..plotting import curve_figsize, design_scatter, fit_title, sweep_title

    if args.x or args.hue:
        raise UsageError("this sweep ran a sampled design: its figure is a scatter against "
                         "each sampled parameter, which takes no --x or --hue (only --y).")
    metrics = list(table.columns[list(table.columns).index("step") + 1:])
    ys = split_items(args.y, "--y") if args.y else [
        next((m for m in ("variance", "polarization_index") if m in metrics), metrics[0])]
    if args.out and len(ys) > 1:
        raise UsageError("--out names one image; give one metric with --y.")
    names = list(table.attrs["sweep"]["design"]["ranges"])
    for y in ys:
        path = args.out or os.path.join(args.dir, f"{y}_vs_design.png")
        if args.out:
            _check_image_format(path)
        fig = Figure(figsize=curve_figsize(len(names)), layout="constrained")
        try:
            design_scatter(table, y, ax=list(fig.subplots(1, len(names), squeeze=False)[0]))
        except OpinionSimError as exc:
            raise UsageError(str(exc)) from None
        fig.suptitle(fit_title(f"{sweep_title(table.attrs['sweep'])} · each point: mean over "
                               "seeds", fig), fontsize=11)
        try:
            fig.savefig(path, dpi=130)
        except OSError as exc:
            raise UsageError(f"cannot write {path!r}: {exc.strerror}.") from None
        print(path)
    return 0


def _check_image_format(path):
    """Refuse an image file name whose extension matplotlib cannot write (before any work)."""
    from matplotlib.backend_bases import FigureCanvasBase

    ext = os.path.splitext(path)[1][1:].lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if ext and ext not in formats:
        raise UsageError(f"--out {path!r}: cannot write a .{ext} image; use one of "
                         f"{', '.join('.' + f for f in sorted(formats))}.")


def _check_varied(table, params, x, hue):
    """Refuse, naming this command's flags, a figure that cannot show all the sweep varies."""
    varied = [p for p in params if table[p].nunique(dropna=False) > 1]
    if x not in params or hue is not None and hue not in params:
        return  # the figure says which name is not a varied parameter
    others = [p for p in varied if p not in (x, hue)]
    if len(others) == 1 and hue is None:
        n = table[others[0]].nunique(dropna=False)
        raise UsageError(f"the sweep also varies {others[0]!r} ({n} values); add --hue "
                         f"{others[0]} to draw one line per value.")
    if others:
        raise UsageError(f"the sweep varies {', '.join(varied)}; a figure shows --x and one "
                         f"--hue, so {', '.join(others)} would be mixed: select values with "
                         "opinionsim.load_results and plot them with "
                         "opinionsim.plotting.polarization_curve.")


COMMAND = Command(
    help="plot stored sweep results: mean ± 95%% CI over seeds",
    description="Plot metrics at the end of each run against a varied parameter, "
                "from a sweep directory.",
    add_arguments=_plot_arguments,
    run=_plot_main,
)
