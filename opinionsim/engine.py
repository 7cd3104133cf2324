"""The pure, vectorised reference engine: no Mesa, only arrays and a CSR adjacency.

Listener ``i`` attends to the speakers ``j`` it listens to (row ``i`` of the
adjacency) with weights

.. math::

    A_{ij} = \\frac{\\exp(S_{ij} / T)}{\\sum_{l \\in N(i)} \\exp(S_{il} / T)},

where :math:`S_{ij}` is the affinity of query :math:`q_i` for key :math:`k_j`
and :math:`T` the temperature, and moves toward the attention-weighted mean of
the values, :math:`\\sum_j A_{ij} v_j`. Queries, keys and values are separate
arguments, so the same functions serve self-attention (a population attending
to itself) and cross-attention (a population attending to media outlets).

Affinities and weighting rules are looked up by name in the registries of
:mod:`opinionsim.dynamics` (so a user-registered one works here too). The
adjacency is a ``scipy.sparse`` CSR array of shape ``(n_queries, n_keys)``
(only its structure is used) or a :class:`CompleteGraph`, for which a blocked
dense path never holds more than ``block × n_keys`` scores at a time.

Functions here are the *reference* implementation: plain numpy and
scipy.sparse, used by the tests as ground truth. :mod:`opinionsim.kernels`
holds compiled fast paths that must agree with them.

Examples
--------
>>> import numpy as np, scipy.sparse as sp
>>> X = np.array([[1.0], [0.9], [-1.0]])
>>> adj = sp.csr_array(np.ones((3, 3)))
>>> A = attention_weights(X, X, adj, temperature=0.1, affinity="distance")
>>> bool(np.allclose(A.sum(axis=1), 1.0))
True
>>> bool(A[0, 2] < 1e-10)   # agent 0 ignores the far-away agent 2
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .dynamics.affinities import AFFINITIES
from .dynamics.weighting import WEIGHTING_RULES, resolve, segment_softmax

__all__ = [
    "AFFINITIES",
    "RULES",
    "CompleteGraph",
    "make_keys",
    "edge_scores",
    "segment_softmax",
    "attention_weights",
    "attend",
    "update_opinions",
    "dropout_keep",
    "sample_contacts",
]

#: The weighting rules by name (the registry of :mod:`opinionsim.dynamics.weighting`).
RULES = WEIGHTING_RULES

#: Rows of dense scores computed at a time on complete graphs (memory O(block·N)).
DENSE_BLOCK = 128


@dataclass(frozen=True)
class CompleteGraph:
    """Everyone listens to everyone: the adjacency of ``OpinionModel(n_agents=N)``.

    Parameters
    ----------
    n : int
        Number of agents.
    include_self : bool
        Whether each agent also listens to itself.
    n_sources : int
        Outside sources everyone also listens to (the last columns).

    Examples
    --------
    >>> CompleteGraph(4, include_self=False).to_csr().toarray().sum(axis=1)
    array([3., 3., 3., 3.])
    """

    n: int
    include_self: bool = True
    n_sources: int = 0

    @property
    def shape(self):
        return (self.n, self.n + self.n_sources)

    def to_csr(self):
        """The explicit CSR adjacency (only for small ``n``); sources are the last columns."""
        dense = np.ones(self.shape)
        if not self.include_self:
            np.fill_diagonal(dense[:, :self.n], 0.0)
        return sp.csr_array(dense)


def make_keys(X, *, salience=1.0, key_norm_clip=None):
    """Speakers' keys: ``salience_j · x_j``, rescaled to norm ``key_norm_clip`` where longer.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Opinions.
    salience : float or ndarray of shape (n,)
        How loudly each agent speaks (≥ 0).
    key_norm_clip : float or None
        Maximum key norm (the norm-clipping defence); ``None`` for no clipping.

    Returns
    -------
    ndarray, shape (n, d)

    Examples
    --------
    >>> make_keys(np.array([[3.0, 4.0]]), salience=2.0, key_norm_clip=5.0)
    array([[3., 4.]])
    """
    salience = np.asarray(salience, dtype=np.float64)
    K = X * (salience[:, None] if salience.ndim == 1 else salience)
    if key_norm_clip is not None:
        norms = np.linalg.norm(K, axis=1)
        long = norms > key_norm_clip
        if np.any(long):
            K = K.copy() if K is X else K
            K[long] *= (key_norm_clip / norms[long])[:, None]
    return K


def edge_scores(Q, K, indptr, indices, *, affinity):
    """Affinity ``S_ij`` of query ``i`` for key ``j``, for every edge of a CSR structure.

    ``affinity`` names a registered affinity: ``"dot"`` (⟨q_i, k_j⟩/√d, scaled
    dot-product attention), ``"cosine"`` (⟨q_i, k_j⟩/(‖q_i‖‖k_j‖), 0 where a
    norm is 0), ``"distance"`` (−‖q_i − k_j‖²), or your own.

    Returns
    -------
    ndarray, shape (nnz,)
        One score per stored edge, in CSR order.

    Examples
    --------
    >>> Q = np.array([[1.0, 0.0]]); K = np.array([[0.0, 2.0], [2.0, 0.0]])
    >>> edge_scores(Q, K, np.array([0, 2]), np.array([0, 1]), affinity="cosine")
    array([0., 1.])
    """
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    return AFFINITIES[affinity].score(Q[rows], K[indices])


def _edge_weights(Q, K, indptr, indices, params, keep=None):
    """Normalised weights per edge under the rule that ``resolve`` picks.

    ``keep`` (a boolean per edge) removes the dropped edges for this tick: the
    others are weighted among themselves and the dropped ones get weight 0.
    """
    if keep is not None and not keep.all():
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        kept_indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[keep],
                                                                 minlength=len(indptr) - 1))])
        sub = dict(params)
        if params.get("log_weights") is not None:
            sub["log_weights"] = params["log_weights"][keep]
        w = np.zeros(len(indices))
        w[keep] = _edge_weights(Q, K, kept_indptr, indices[keep], sub)
        return w
    rule = resolve(params["rule"], params["temperature"])
    w = np.asarray(rule.weights(Q, K, indptr, indices, params), dtype=np.float64)
    if not rule.normalised:
        if params.get("log_weights") is not None:
            w = w * np.exp(params["log_weights"])
        rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        sums = np.bincount(rows, weights=w, minlength=len(indptr) - 1)
        w = np.divide(w, sums[rows], out=np.zeros_like(w), where=sums[rows] > 0)
    return w


def dropout_keep(csr, dropout, edge_ids=None):
    """Which edges a tick keeps under ``dropout = (p, key, step)`` (all, when None or p = 0)."""
    if dropout is None or dropout[0] == 0.0:
        return None
    from ._random import edge_uniforms

    p, key, step = dropout
    ids = np.arange(csr.nnz) if edge_ids is None else edge_ids
    return edge_uniforms(key, step, ids) >= p


def attention_weights(Q, K, adjacency, *, temperature=1.0, affinity="dot",
                      rule="attention", confidence=None, weighted=False, dropout=None,
                      entropy_floor=None):
    """The attention matrix ``A`` as a ``scipy.sparse.csr_array``.

    Parameters
    ----------
    Q : ndarray, shape (n_queries, d)
        Listeners' queries (their opinions).
    K : ndarray, shape (n_keys, d)
        Speakers' keys (see :func:`make_keys`).
    adjacency : scipy.sparse array or matrix, or CompleteGraph
        Row ``i`` lists whom listener ``i`` listens to.
    temperature : float in (0, inf], or ndarray of shape (n_queries,)
        One per listener for heterogeneous open-mindedness.
    affinity : str
        A registered affinity (``"dot"``, ``"cosine"``, ``"distance"``, …).
    rule : str
        A registered weighting rule (``"attention"``, ``"uniform"``,
        ``"bounded_confidence"``, …).
    confidence : float, optional
        Radius for ``rule="bounded_confidence"`` (inclusive).
    weighted : bool
        Use the adjacency's values as prior edge weights ``w > 0``:
        ``A_ij ∝ w_ij exp(S_ij / T)`` (at ``T = inf``: weighted DeGroot).
    dropout : (p, key, step), optional
        Each edge is ignored this tick with probability ``p``, by the coin
        :func:`opinionsim._random.edge_uniforms` ``(key, step, edge)``.
    entropy_floor : float in [0, 1], optional
        See :func:`opinionsim.dynamics.weighting.floor_temperature`.

    Returns
    -------
    scipy.sparse.csr_array, shape (n_queries, n_keys)
        The stored entries of row ``i`` are listener ``i``'s whole
        neighbourhood, weights that are 0 (underflow at a low temperature,
        outside the confidence, dropped this tick) included. Each non-silent
        row sums to 1; a listener with nobody to listen to (or, under bounded
        confidence, nobody within range) has a row of zeros.

    Examples
    --------
    >>> X = np.array([[1.0], [-1.0]])
    >>> attention_weights(X, X, CompleteGraph(2), temperature=float("inf")).toarray()
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    csr = _as_csr(adjacency)
    params = {"rule": rule, "temperature": temperature, "affinity": affinity,
              "confidence": confidence, "entropy_floor": entropy_floor,
              "log_weights": np.log(csr.data) if weighted else None}
    w = _edge_weights(Q, K, csr.indptr, csr.indices, params, dropout_keep(csr, dropout))
    return sp.csr_array((w, csr.indices.copy(), csr.indptr.copy()), shape=csr.shape)


def _as_csr(adjacency):
    if isinstance(adjacency, CompleteGraph):
        return adjacency.to_csr()
    csr = sp.csr_array(adjacency)
    if not csr.has_sorted_indices:
        csr = sp.csr_array(csr, copy=True)
        csr.sort_indices()
    return csr


def attend(Q, K, V, adjacency, *, temperature=1.0, affinity="dot", rule="attention",
           confidence=None, weighted=False, dropout=None, entropy_floor=None, sample=None,
           rows=None):
    """Attention-weighted mean of the values, ``Σ_j A_ij v_j``, for every listener.

    Parameters
    ----------
    Q, K, V : ndarray
        Queries ``(n_queries, d)``, keys ``(n_keys, d)``, values ``(n_keys, d_v)``.
    adjacency : scipy.sparse array or CompleteGraph
        ``(n_queries, n_keys)`` structure.
    temperature, affinity, rule, confidence, weighted, dropout, entropy_floor
        As in :func:`attention_weights`.
    sample : (m, key, step, first_id), optional
        Sampled contacts: listener ``i`` draws ``m`` speakers (with replacement)
        from its attention and hears their mean; draw ``k`` uses the coin
        ``edge_uniforms(key, step, first_id + i·m + k)`` (see :func:`sample_contacts`).
    rows : ndarray of int, optional
        Compute only these listeners (the others come back as NaN).

    Returns
    -------
    mean : ndarray, shape (n_queries, d_v)
    silent : ndarray of bool, shape (n_queries,)
        Listeners with no weight to give; their ``mean`` is 0.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [3.0]])
    >>> mean, silent = attend(X, X, X, CompleteGraph(3), temperature=float("inf"))
    >>> mean.ravel()
    array([1.33333333, 1.33333333, 1.33333333])
    """
    weighting = resolve(rule, temperature)
    plain = dropout is None and not entropy_floor
    if isinstance(adjacency, CompleteGraph) and plain \
            and weighting.name in ("attention", "uniform"):
        return _attend_dense(Q, K, V, adjacency, temperature=temperature, affinity=affinity,
                             uniform=weighting.name == "uniform", rows=rows)
    csr = _as_csr(adjacency)
    keep = dropout_keep(csr, dropout)
    if rows is not None:
        # The coins belong to the edges of the whole structure, whatever rows are computed.
        keep = None if keep is None else keep[_row_edges(csr.indptr, rows)]
        csr = csr[rows]
        temperature = temperature if np.ndim(temperature) == 0 \
            else np.asarray(temperature)[rows]
    params = {"rule": rule, "temperature": temperature, "affinity": affinity,
              "confidence": confidence, "entropy_floor": entropy_floor,
              "log_weights": np.log(csr.data) if weighted else None}
    w = _edge_weights(Q if rows is None else Q[rows], K, csr.indptr, csr.indices, params, keep)
    A = sp.csr_array((w, csr.indices, csr.indptr), shape=csr.shape)
    if sample is not None:
        A = sample_contacts(A, *sample, listeners=np.arange(Q.shape[0]) if rows is None
                            else np.asarray(rows))
    mean = np.asarray(A @ V)
    silent = np.asarray(A.sum(axis=1)).ravel() == 0
    if rows is not None:
        full = np.full((Q.shape[0], V.shape[1]), np.nan)
        full[rows] = mean
        s_full = np.zeros(Q.shape[0], dtype=bool)
        s_full[rows] = silent
        return full, s_full
    return mean, silent


def sample_contacts(A, m, key, step, first_id, *, listeners=None):
    """Each row's ``m`` draws (with replacement) from its weights, as a CSR of counts / m.

    Draw ``k`` of listener ``i`` (its global row ``listeners[r]``) takes the
    first edge whose cumulative weight exceeds ``u · Σ w`` with
    ``u = edge_uniforms(key, step, first_id + i·m + k)``: a counter-based coin
    that the compiled kernels draw too. A row of zeros stays zeros (silent).
    The expected result is ``A`` normalised: sampling is a choice, not a
    weighting, with the same mean.
    """
    from ._random import edge_uniforms

    n = A.shape[0]
    listeners = np.arange(n) if listeners is None else listeners
    counts = np.zeros(A.nnz)
    for r in range(n):  # rows are short; the kernels do the same walk
        a, b = A.indptr[r], A.indptr[r + 1]
        w = A.data[a:b]
        total = w.sum()
        if total == 0:
            continue
        u = edge_uniforms(key, step, first_id + int(listeners[r]) * m + np.arange(m))
        cum = np.cumsum(w)
        picks = np.minimum(np.searchsorted(cum, u * total, side="right"), b - a - 1)
        np.add.at(counts, a + picks, 1.0)
    return sp.csr_array((counts / m, A.indices, A.indptr), shape=A.shape)


def _row_edges(indptr, rows):
    """CSR positions of the edges of ``rows``, in the order ``csr[rows]`` stores them."""
    starts, stops = indptr[rows], indptr[np.asarray(rows) + 1]
    counts = stops - starts
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return np.arange(counts.sum()) + offsets


def _attend_dense(Q, K, V, graph, *, temperature, affinity, uniform, rows=None,
                  block=DENSE_BLOCK):
    """Blocked all-to-all attention: never more than ``block × n_keys`` scores at once."""
    n_q = Q.shape[0]
    out = np.full((n_q, V.shape[1]), np.nan) if rows is not None else np.empty((n_q, V.shape[1]))
    silent = np.zeros(n_q, dtype=bool)
    todo = np.arange(n_q) if rows is None else np.asarray(rows)
    n_k = K.shape[0]
    if uniform:
        total = V.sum(axis=0)
        if graph.include_self:
            out[todo] = total / n_k
        elif n_k > 1:
            out[todo] = (total - V[todo]) / (n_k - 1)
        else:
            silent[todo] = True
            out[todo] = 0.0
        return out, silent
    score = AFFINITIES[affinity]
    T = np.asarray(temperature, dtype=np.float64)
    for start in range(0, len(todo), block):
        idx = todo[start:start + block]
        S = score.all_pairs(Q[idx], K)
        own = (np.arange(len(idx)), idx)
        if not graph.include_self:
            S[own] = -np.inf
        row_max = S.max(axis=1, keepdims=True)
        empty = row_max[:, 0] == -np.inf
        row_max[empty] = 0.0
        if not graph.include_self:
            S[own] = row_max[:, 0]  # exp(0) = 1, then 0 below: finite at T = inf too
        E = np.exp((S - row_max) / (T[idx, None] if T.ndim else T))
        if not graph.include_self:
            E[own] = 0.0
        sums = E.sum(axis=1, keepdims=True)
        sums[empty] = 1.0
        out[idx] = (E @ V) / sums
        silent[idx] = empty
        out[idx[empty]] = 0.0
    return out, silent


def update_opinions(X, social, X0, *, step_size, stubbornness=0.0, noise_term=None,
                    fixed=None):
    """One update: ``s·x(0) + (1 − s)·[(1 − a)·x + a·social] + noise``; fixed rows unchanged.

    This is the Friedkin–Johnsen update with a step size; the compiled
    kernels implement the same expression per coordinate.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Current opinions.
    social : ndarray, shape (n, d)
        Attention-weighted means (rows of silent agents set to their own opinion).
    X0 : ndarray, shape (n, d)
        Initial opinions (Friedkin–Johnsen anchors).
    step_size : float in (0, 1]
    stubbornness : float or ndarray of shape (n,)
    noise_term : ndarray, shape (n, d), optional
        Already scaled noise, ``noise · ε``.
    fixed : ndarray of bool, shape (n,), optional
        Zealots: rows kept as they are.

    Returns
    -------
    ndarray, shape (n, d)

    Examples
    --------
    >>> X = np.array([[0.0], [1.0]]); social = np.array([[1.0], [0.0]])
    >>> update_opinions(X, social, X, step_size=0.5).ravel()
    array([0.5, 0.5])
    """
    new = X + step_size * (social - X)
    s = np.asarray(stubbornness, dtype=np.float64)
    if np.any(s != 0.0):
        s_col = s[:, None] if s.ndim == 1 else s
        new = s_col * X0 + (1.0 - s_col) * new
    if noise_term is not None:
        new += noise_term
    if fixed is not None and np.any(fixed):
        new[fixed] = X[fixed]
    return new
