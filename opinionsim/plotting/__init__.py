"""Figures of sweeps, model snapshots and causal effects. matplotlib is imported only when a
plot is drawn.

- :mod:`.curves`: a metric against a swept parameter or over time (mean ± CI over seeds).
- :mod:`.snapshots`: one model's opinions, attention matrix, network and echo chambers.
- :mod:`.causal`: a causal effect's two arms and paired differences.

Shared by all: human labels for column names, rounded legend values, titles that fit their
panel, one colour per category (:func:`category_colors`), and Student-t bands from
:mod:`opinionsim.experiments.stats`. Without a display (and without ``MPLBACKEND`` set)
the headless ``Agg`` backend is chosen before pyplot is first imported; nothing here calls
``plt.show()``: the functions return their Axes or Figure, and the caller shows or saves.
"""

from ._bands import band_note
from ._style import category_colors, fit_title, format_value, label, legend_label
from .causal import treatment_effect
from .curves import (
    CURVE_METRICS,
    curve_data,
    curve_figsize,
    curve_title,
    default_curve_metrics,
    design_scatter,
    metric_timeseries,
    polarization_curve,
    sweep_title,
)
from .snapshots import (
    attention_heatmap,
    echo_chamber_density,
    network_opinions,
    opinion_trajectories,
)

__all__ = [
    # figures
    "polarization_curve",
    "design_scatter",
    "metric_timeseries",
    "opinion_trajectories",
    "attention_heatmap",
    "network_opinions",
    "echo_chamber_density",
    "treatment_effect",
    # numbers behind the curves
    "curve_data",
    "default_curve_metrics",
    "CURVE_METRICS",
    # labels, titles, colours
    "label",
    "legend_label",
    "format_value",
    "curve_title",
    "sweep_title",
    "fit_title",
    "band_note",
    "curve_figsize",
    "category_colors",
]
