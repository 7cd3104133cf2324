"""Weighting rules: how a listener spreads its attention over whom it listens to.

A weighting rule turns the structure of one listener's neighbourhood (and the
queries and keys) into non-negative weights per edge; the engine normalises
each row to sum to 1 (a row whose weights are all 0 is *silent*: that
listener keeps its own opinion). Built in:

- ``"attention"``: ``softmax_j(S_ij / T)`` over an affinity ``S``;
- ``"uniform"``: equal weights (DeGroot averaging);
- ``"bounded_confidence"``: equal weights over neighbours within
  ``confidence`` (Hegselmann–Krause).

:func:`resolve` is the one place that decides which rule actually runs
(attention at an infinite temperature *is* uniform weighting). Register your
own rule with :func:`register_rule`; it runs on the reference engine.

Examples
--------
>>> import numpy as np
>>> def nearest_half(Q, K, indptr, indices, params):
...     d = np.abs(Q[np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))] - K[indices])[:, 0]
...     return (d <= 0.5).astype(float)
>>> _ = register_rule("nearest_half_doc", nearest_half)
>>> resolve("attention", float("inf")).name
'uniform'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._validation import check_registration

__all__ = ["WeightingRule", "WEIGHTING_RULES", "register_rule", "resolve", "segment_softmax",
           "edge_listeners"]


@dataclass(frozen=True)
class WeightingRule:
    """A registered weighting rule.

    Attributes
    ----------
    name : str
    weights : callable ``(Q, K, indptr, indices, params) -> w``
        Non-negative weights per edge (CSR order). ``params`` maps parameter
        names (``temperature``, ``affinity``, ``confidence``, …) to values.
    doc : str
    uses : tuple of str
        Parameters it reads (documentation, and which interventions apply).
    requires : tuple of str
        Parameters that must be set (not None) for this rule.
    normalised : bool
        Whether ``weights`` already sum to 1 in each non-silent row.
    kernel : int or None
        Code understood by the compiled kernels; None: reference engine only.
    """

    name: str
    weights: Callable
    doc: str = ""
    uses: tuple = ()
    requires: tuple = ()
    normalised: bool = False
    kernel: int | None = None


def edge_listeners(indptr):
    """The listener (row) of every edge of a CSR structure."""
    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))


def segment_softmax(scores, indptr, *, temperature):
    """Softmax of ``scores / temperature`` within each CSR row, stable at every temperature.

    The row maximum is subtracted before dividing by the temperature, so
    temperature 1e-12 gives one-hot weights on the highest score (exact ties
    split evenly) and ``inf`` gives uniform weights (every ``(s − max)/inf`` is
    0), never NaN.

    Examples
    --------
    >>> segment_softmax(np.array([1.0, 1.0, 0.0]), np.array([0, 3]), temperature=1e-12)
    array([0.5, 0.5, 0. ])
    """
    counts = np.diff(indptr)
    nonempty = counts > 0
    starts = indptr[:-1][nonempty]
    if len(starts) == 0:
        return np.zeros(0)
    row_max = np.maximum.reduceat(scores, starts)
    e = np.exp((scores - np.repeat(row_max, counts[nonempty])) / temperature)
    row_sum = np.add.reduceat(e, starts)
    return e / np.repeat(row_sum, counts[nonempty])


def _uniform_weights(indptr):
    counts = np.diff(indptr)
    return np.repeat(1.0 / np.maximum(counts, 1), counts).astype(np.float64)


def _attention(Q, K, indptr, indices, params):
    from .affinities import AFFINITIES

    rows = edge_listeners(indptr)
    scores = AFFINITIES[params["affinity"]].score(Q[rows], K[indices])
    return segment_softmax(scores, indptr, temperature=params["temperature"])


def _uniform(Q, K, indptr, indices, params):
    return _uniform_weights(indptr)


def _bounded_confidence(Q, K, indptr, indices, params):
    from .affinities import AFFINITIES

    rows = edge_listeners(indptr)
    # sqrt(fl(x²)) == |x| exactly in IEEE arithmetic, so 1-D ties at the radius are kept.
    within = np.sqrt(-AFFINITIES["distance"].score(Q[rows], K[indices])) <= params["confidence"]
    n_within = np.bincount(rows, weights=within, minlength=len(indptr) - 1)
    return np.where(within, 1.0 / np.maximum(n_within[rows], 1.0), 0.0)


# Kernel codes of the built-ins (see opinionsim.kernels).
ATTENTION, UNIFORM, BOUNDED = 0, 1, 2

WEIGHTING_RULES = {
    "attention": WeightingRule("attention", _attention,
                               "softmax_j(S_ij / T) over the affinity S.",
                               uses=("temperature", "affinity", "salience", "key_norm_clip"),
                               normalised=True, kernel=ATTENTION),
    "uniform": WeightingRule("uniform", _uniform, "Equal weights: DeGroot averaging.",
                             normalised=True, kernel=UNIFORM),
    "bounded_confidence": WeightingRule(
        "bounded_confidence", _bounded_confidence,
        "Equal weights over neighbours within `confidence` (Hegselmann–Krause).",
        uses=("confidence",), requires=("confidence",), normalised=True, kernel=BOUNDED),
}


def resolve(rule, temperature):
    """The rule that actually runs: attention at ``temperature = inf`` is uniform weighting.

    This is the only place that decides it; the reference engine and the
    compiled kernels both dispatch on what it returns.
    """
    if rule == "attention" and isinstance(temperature, float) and math.isinf(temperature):
        return WEIGHTING_RULES["uniform"]
    return WEIGHTING_RULES[rule]


def register_rule(name, weights, *, uses=(), requires=(), doc="", overwrite=False):
    """Register a weighting rule ``weights(Q, K, indptr, indices, params) -> w`` under ``name``.

    ``w`` are non-negative weights per edge in CSR order; each row is
    normalised to sum to 1 by the engine (all-zero rows are silent). Use it
    with ``OpinionModel(rule=name)``; it runs on the reference engine.

    Raises
    ------
    OpinionSimError
        A name that is not a non-empty string, a built-in or taken name
        (without ``overwrite``), or ``weights`` not callable.
    """
    check_registration(WEIGHTING_RULES, "rule", name, weights,
                       "a function (Q, K, indptr, indices, params) -> weights",
                       overwrite=overwrite, built_in=lambda k: WEIGHTING_RULES[k].kernel is not None)
    entry = WeightingRule(name, weights, doc, tuple(uses), tuple(requires))
    WEIGHTING_RULES[name] = entry
    return entry
