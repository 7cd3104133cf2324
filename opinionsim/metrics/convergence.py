"""Convergence checks: how much opinions moved, and whether they agree."""

from __future__ import annotations

import math

import numpy as np

from ._common import as_opinions, check_tol
from ._docs import fill_doc

__all__ = ["max_change", "consensus_reached"]


@fill_doc
def max_change(X_prev, X):
    r"""Largest distance any agent's opinion moved in one step.

    .. math::

        \Delta = \max_i \lVert x_i - x_i^{\mathrm{prev}} \rVert_2

    The usual stopping rule of opinion-dynamics simulations: stop once
    :math:`\Delta` falls below a threshold, as in the bounded-confidence
    models of [1]_.

    What it reads: **consensus**, whatever still moves (0 at a fixed point);
    a **shuffled null** does not apply (it compares each agent with itself).

    Parameters
    ----------
    X_prev : array_like, shape (N, dim) or (N,)
        Opinions before the step.
    X : array_like, shape (N, dim) or (N,)
        Opinions after the step, same shape as ``X_prev``.

    Returns
    -------
    float
        :math:`\Delta \ge 0`.

    Raises
    ------
    OpinionSimError
        If either array is empty or non-finite, or their shapes differ (the
        message names ``X``).

    References
    ----------
    .. [1] %(ref_hegselmann_krause)s

    Examples
    --------
    >>> from opinionsim.metrics import max_change
    >>> max_change([[0.0, 0.0], [1.0, 1.0]], [[0.0, 0.0], [4.0, 5.0]])
    5.0
    """
    X_prev = as_opinions(X_prev, "X_prev")
    X = as_opinions(X, "X", n=X_prev.shape[0], dim=X_prev.shape[1])
    diff = X - X_prev
    return math.sqrt(float(np.max(np.einsum("ij,ij->i", diff, diff))))


@fill_doc
def consensus_reached(X, *, tol):
    r"""Whether all opinions lie within ``tol`` of each other (a safe test).

    Uses the diagonal of the opinions' bounding box, an upper bound on
    their diameter:

    .. math::

        \sqrt{\sum_{d} \left(\max_i x_{id} - \min_i x_{id}\right)^2} \le
        \mathrm{tol}.

    A ``True`` therefore guarantees :math:`\lVert x_i - x_j \rVert \le
    \mathrm{tol}` for every pair of agents, the consensus criterion of
    bounded-confidence models [1]_. For one-dimensional opinions the test is
    exact (range <= ``tol``); for ``dim > 1`` it may say ``False`` while
    the diameter is already slightly below ``tol`` (by at most a factor
    :math:`\sqrt{dim}`). O(N), translation invariant; a single agent is a
    consensus.

    What it reads: ``True`` at **consensus** within ``tol`` by definition;
    unchanged by a **shuffled null** (no network).

    Parameters
    ----------
    %(param_X)s
    tol : float
        Largest allowed distance between two agents, > 0.

    Returns
    -------
    bool
        A Python bool.

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X`` or ``tol`` not in (0, inf).

    References
    ----------
    .. [1] %(ref_hegselmann_krause)s

    Examples
    --------
    >>> from opinionsim.metrics import consensus_reached
    >>> consensus_reached([0.40, 0.45, 0.42], tol=0.1)
    True
    >>> consensus_reached([[0.0, 0.0], [0.3, 0.4]], tol=0.49)
    False
    """
    X = as_opinions(X)
    tol = check_tol(tol)
    # Column by column: numpy's axis-0 reduction of a row-major array is slow.
    spread2 = sum(float(col.max() - col.min()) ** 2 for col in X.T)
    return bool(math.sqrt(spread2) <= tol)
