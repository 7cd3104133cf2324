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
           "edge_listeners", "floor_temperature", "row_entropy"]


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
    tick : callable ``(X, X0, adjacency, rule, ctx, rng) -> X_new``, optional
        A rule that is not a weighting but a whole tick of its own (pairwise
        encounters); ``weights`` then describes whom an agent may meet.
    check : callable ``rule -> None``, optional
        Cross-parameter validation (raises ``OpinionSimError``).
    """

    name: str
    weights: Callable
    doc: str = ""
    uses: tuple = ()
    requires: tuple = ()
    normalised: bool = False
    kernel: int | None = None
    tick: Callable | None = None
    check: Callable | None = None


def edge_listeners(indptr):
    """The listener (row) of every edge of a CSR structure."""
    return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))


def segment_softmax(scores, indptr, *, temperature, log_weights=None, entropy_floor=None):
    """Softmax of ``scores / temperature (+ ln w)`` within each CSR row, stable at every temperature.

    Parameters
    ----------
    scores : ndarray, shape (nnz,), or None
        None: no scores (all equal): uniform weights, or the prior weights alone.
    indptr : ndarray, shape (n_rows + 1,)
    temperature : float or ndarray of shape (n_rows,)
        In (0, inf]; one per row for heterogeneous open-mindedness.
    log_weights : ndarray of shape (nnz,), optional
        ``ln w`` of prior edge weights: ``A_ij ∝ w_ij exp(S_ij / T)``.
    entropy_floor : float in [0, 1], optional
        Each row uses the lowest temperature ≥ its own at which its normalised
        entropy reaches the floor (see :func:`floor_temperature`).

    Without weights the row maximum is subtracted before dividing by the
    temperature, so temperature 1e-12 gives one-hot weights on the highest
    score (exact ties split evenly) and ``inf`` gives uniform weights (every
    ``(s − max)/inf`` is 0), never NaN. With weights the row maximum of
    ``s/T + ln w`` is subtracted instead.

    Examples
    --------
    >>> segment_softmax(np.array([1.0, 1.0, 0.0]), np.array([0, 3]), temperature=1e-12)
    array([0.5, 0.5, 0. ])
    >>> segment_softmax(np.zeros(2), np.array([0, 2]), temperature=1.0,
    ...                 log_weights=np.log([1.0, 3.0]))
    array([0.25, 0.75])
    """
    counts = np.diff(indptr)
    nonempty = counts > 0
    starts = indptr[:-1][nonempty]
    if len(starts) == 0:
        return np.zeros(0)
    if scores is None:
        scores = np.zeros(int(indptr[-1]))
    T = np.asarray(temperature, dtype=np.float64)
    if entropy_floor:
        T = floor_temperature(scores, indptr, np.broadcast_to(T, counts.shape), log_weights,
                              entropy_floor)
    if T.ndim:
        T = np.repeat(T, counts)
    if log_weights is None:
        row_max = np.maximum.reduceat(scores, starts)
        e = np.exp((scores - np.repeat(row_max, counts[nonempty])) / T)
    else:
        z = scores / T + log_weights
        e = np.exp(z - np.repeat(np.maximum.reduceat(z, starts), counts[nonempty]))
    row_sum = np.add.reduceat(e, starts)
    return e / np.repeat(row_sum, counts[nonempty])


#: Tolerances of the entropy-floor search (shared with the compiled kernels).
FLOOR_TOL = 1e-12
FLOOR_MAX_ITER = 100
#: A row whose scores span less than this × T is treated as uniform (T = inf).
FLOOR_FLAT = 1e-9


def row_entropy(u, lw, y):
    """Entropy of ``p ∝ exp(e^{-y} u + lw)`` and its derivative in ``y = ln T``.

    ``u`` are scores minus their maximum (≤ 0); ``lw`` the log weights (zeros
    when unweighted). Returns ``(H, dH/dy)``, with
    ``dH/dy = β Cov_p(u, lw) + β² Var_p(u)``, ``β = e^{-y}``.
    """
    beta = math.exp(-y)
    z = beta * u + lw
    w = np.exp(z - z.max())
    Z = w.sum()
    p = w / Z
    mean_u = float(p @ u)
    H = math.log(Z) - float(p @ (z - z.max()))
    var_u = float(p @ (u - mean_u) ** 2)
    cov = float(p @ ((u - mean_u) * (lw - float(p @ lw))))
    return H, beta * cov + beta * beta * var_u


def floor_temperature(scores, indptr, temperature, log_weights, floor):
    """Per row, the lowest ``T' ≥ T`` whose normalised attention entropy reaches ``floor``.

    The normalised entropy is ``H / ln k`` over the row's ``k`` edges. It rises
    with the temperature (without prior weights), from 0 at ``T → 0`` to 1 at
    ``T = inf``. Rows already at or above the floor keep their temperature; a
    floor of 1 (or a row with flat scores) gives ``T = inf``. The root in
    ``ln T`` is found by bisection, accelerated by Newton steps that stay inside
    the bracket, to ``|H − floor·ln k| ≤ 1e-12``. With prior weights entropy need
    not be monotone in T: the result is then the crossing the bracket finds.
    """
    out = np.array(temperature, dtype=np.float64)
    for r in range(len(indptr) - 1):
        a, b = indptr[r], indptr[r + 1]
        if b - a < 2 or math.isinf(out[r]):
            continue
        u = scores[a:b] - scores[a:b].max()
        lw = np.zeros(b - a) if log_weights is None else log_weights[a:b]
        out[r] = _floor_row(u, lw, out[r], floor * math.log(b - a))
    return out


def _floor_row(u, lw, T, target):
    spread = -float(u.min())
    if target >= math.log(len(u)) * (1.0 - FLOOR_TOL) or spread == 0.0:
        return math.inf
    lo = math.log(T)
    H, _ = row_entropy(u, lw, lo)
    if H >= target:
        return T
    hi = lo
    while True:  # bracket: raise T sixteen-fold until the floor is reached
        hi += math.log(16.0)
        if spread * math.exp(-hi) < FLOOR_FLAT:
            return math.inf
        H, _ = row_entropy(u, lw, hi)
        if H >= target:
            break
        lo = hi
    y = hi
    for _ in range(FLOOR_MAX_ITER):
        H, dH = row_entropy(u, lw, y)
        f = H - target
        if abs(f) <= FLOOR_TOL:
            return math.exp(y)
        if f < 0:
            lo = y
        else:
            hi = y
        if hi - lo <= FLOOR_TOL:
            break
        step = y - f / dH if dH > 0 else math.nan
        y = step if lo < step < hi else 0.5 * (lo + hi)
    return math.exp(hi)


def _uniform_weights(indptr, log_weights=None):
    counts = np.diff(indptr)
    if log_weights is None:
        return np.repeat(1.0 / np.maximum(counts, 1), counts).astype(np.float64)
    return segment_softmax(np.zeros(len(log_weights)), indptr, temperature=1.0,
                           log_weights=log_weights)


def _attention(Q, K, indptr, indices, params):
    from .affinities import AFFINITIES

    rows = edge_listeners(indptr)
    scores = AFFINITIES[params["affinity"]].score(Q[rows], K[indices])
    return segment_softmax(scores, indptr, temperature=params["temperature"],
                           log_weights=params.get("log_weights"),
                           entropy_floor=params.get("entropy_floor"))


def _uniform(Q, K, indptr, indices, params):
    return _uniform_weights(indptr, params.get("log_weights"))


def _bounded_confidence(Q, K, indptr, indices, params):
    from .affinities import AFFINITIES

    rows = edge_listeners(indptr)
    # sqrt(fl(x²)) == |x| exactly in IEEE arithmetic, so 1-D ties at the radius are kept.
    within = np.sqrt(-AFFINITIES["distance"].score(Q[rows], K[indices])) <= params["confidence"]
    w = within.astype(np.float64)
    log_weights = params.get("log_weights")
    if log_weights is not None:
        w *= np.exp(log_weights)
    n_within = np.bincount(rows, weights=w, minlength=len(indptr) - 1)
    return np.where(within, w / np.where(n_within[rows] > 0, n_within[rows], 1.0), 0.0)


# Kernel codes of the built-ins (see opinionsim.kernels); FROZEN marks an ablated head.
ATTENTION, UNIFORM, BOUNDED, FROZEN = 0, 1, 2, -1

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


def _deffuant():
    from .pairwise import check, deffuant_tick

    return WeightingRule(
        "deffuant", _uniform,
        "Pairwise encounters (Deffuant et al. 2000): N per tick; partners within `confidence` "
        "move `step_size` toward each other. With interaction='sampled' the partner is drawn "
        "from the attention (algorithmic bias).",
        uses=("confidence", "step_size", "temperature", "affinity", "salience", "key_norm_clip"),
        requires=("confidence",), normalised=True, tick=deffuant_tick, check=check)


WEIGHTING_RULES["deffuant"] = _deffuant()


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
