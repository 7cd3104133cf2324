"""The pure, vectorised attention engine: no Mesa, only arrays and a CSR adjacency.

Listener ``i`` attends to the speakers ``j`` it listens to (row ``i`` of the
adjacency) with weights

.. math::

    A_{ij} = \\frac{\\exp(S_{ij} / T)}{\\sum_{l \\in N(i)} \\exp(S_{il} / T)},

where :math:`S_{ij}` is the affinity of query :math:`q_i` for key :math:`k_j`
and :math:`T` the temperature, and moves toward the attention-weighted mean of
the values, :math:`\\sum_j A_{ij} v_j`. Queries, keys and values are separate
arguments, so the same functions serve self-attention (a population attending
to itself) and cross-attention (a population attending to media outlets).

The adjacency is a ``scipy.sparse`` CSR array of shape ``(n_queries, n_keys)``
(only its structure is used) or a :class:`CompleteGraph`, for which a blocked
dense path never holds more than ``block × n_keys`` scores at a time.

Functions here are the *reference* implementation: plain numpy and
scipy.sparse, used by the tests as ground truth. :mod:`opinionsim._kernels`
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

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

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
]

AFFINITIES = ("dot", "cosine", "distance")
#: ``"attention"``: softmax of affinity / temperature. ``"uniform"``: equal weights
#: over the neighbourhood (DeGroot; the same as temperature = inf).
#: ``"bounded_confidence"``: equal weights over neighbours within ``confidence``
#: (Hegselmann–Krause).
RULES = ("attention", "uniform", "bounded_confidence")

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

    Examples
    --------
    >>> CompleteGraph(4, include_self=False).to_csr().toarray().sum(axis=1)
    array([3., 3., 3., 3.])
    """

    n: int
    include_self: bool = True

    @property
    def shape(self):
        return (self.n, self.n)

    def to_csr(self):
        """The explicit ``n × n`` CSR adjacency (only for small ``n``)."""
        dense = np.ones((self.n, self.n))
        if not self.include_self:
            np.fill_diagonal(dense, 0.0)
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


def _unit_rows(M):
    norms = np.linalg.norm(M, axis=1)
    out = np.zeros_like(M)
    nz = norms > 0
    out[nz] = M[nz] / norms[nz, None]
    return out


def edge_scores(Q, K, indptr, indices, *, affinity):
    """Affinity ``S_ij`` of query ``i`` for key ``j``, for every edge of a CSR structure.

    ``"dot"``: ⟨q_i, k_j⟩/√d (scaled dot-product attention). ``"cosine"``:
    ⟨q_i, k_j⟩/(‖q_i‖‖k_j‖), 0 where a norm is 0. ``"distance"``: −‖q_i − k_j‖².

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
    if affinity == "dot":
        return np.einsum("ij,ij->i", Q[rows], K[indices]) / math.sqrt(Q.shape[1])
    if affinity == "cosine":
        return np.einsum("ij,ij->i", _unit_rows(Q)[rows], _unit_rows(K)[indices])
    diff = Q[rows] - K[indices]
    return -np.einsum("ij,ij->i", diff, diff)


def segment_softmax(scores, indptr, *, temperature):
    """Softmax of ``scores / temperature`` within each CSR row, stable at every temperature.

    The row maximum is subtracted before dividing by the temperature, so
    temperature 1e-12 gives one-hot weights on the highest score (exact ties
    split evenly) and ``inf`` gives uniform weights, never NaN.

    Examples
    --------
    >>> segment_softmax(np.array([1.0, 1.0, 0.0]), np.array([0, 3]), temperature=1e-12)
    array([0.5, 0.5, 0. ])
    """
    counts = np.diff(indptr)
    if math.isinf(temperature):
        return np.repeat(1.0 / np.maximum(counts, 1), counts).astype(np.float64)
    nonempty = counts > 0
    starts = indptr[:-1][nonempty]
    if len(starts) == 0:
        return np.zeros(0)
    row_max = np.maximum.reduceat(scores, starts)
    e = np.exp((scores - np.repeat(row_max, counts[nonempty])) / temperature)
    row_sum = np.add.reduceat(e, starts)
    return e / np.repeat(row_sum, counts[nonempty])


def _bounded_confidence_weights(Q, K, indptr, indices, confidence):
    # sqrt(fl(x²)) == |x| exactly in IEEE arithmetic, so 1-D ties at the radius are kept.
    within = np.sqrt(-edge_scores(Q, K, indptr, indices, affinity="distance")) <= confidence
    counts = np.diff(indptr)
    rows = np.repeat(np.arange(len(counts)), counts)
    n_within = np.bincount(rows, weights=within, minlength=len(counts))
    return np.where(within, 1.0 / np.maximum(n_within[rows], 1.0), 0.0)


def _edge_weights(Q, K, indptr, indices, *, temperature, affinity, rule, confidence):
    if rule == "bounded_confidence":
        return _bounded_confidence_weights(Q, K, indptr, indices, confidence)
    if rule == "uniform":
        temperature = math.inf
    scores = None if math.isinf(temperature) else edge_scores(Q, K, indptr, indices, affinity=affinity)
    return segment_softmax(scores, indptr, temperature=temperature)


def attention_weights(Q, K, adjacency, *, temperature=1.0, affinity="dot",
                      rule="attention", confidence=None):
    """The attention matrix ``A`` as a ``scipy.sparse.csr_array``.

    Parameters
    ----------
    Q : ndarray, shape (n_queries, d)
        Listeners' queries (their opinions).
    K : ndarray, shape (n_keys, d)
        Speakers' keys (see :func:`make_keys`).
    adjacency : scipy.sparse array or matrix, or CompleteGraph
        Row ``i`` lists whom listener ``i`` listens to.
    temperature : float in (0, inf]
    affinity : {"dot", "cosine", "distance"}
    rule : {"attention", "uniform", "bounded_confidence"}
    confidence : float, optional
        Radius for ``rule="bounded_confidence"`` (inclusive).

    Returns
    -------
    scipy.sparse.csr_array, shape (n_queries, n_keys)
        Each non-empty row sums to 1. A listener with nobody to listen to (or,
        under bounded confidence, nobody within range) has an empty row.

    Examples
    --------
    >>> X = np.array([[1.0], [-1.0]])
    >>> attention_weights(X, X, CompleteGraph(2), temperature=float("inf")).toarray()
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    csr = _as_csr(adjacency)
    w = _edge_weights(Q, K, csr.indptr, csr.indices, temperature=temperature,
                      affinity=affinity, rule=rule, confidence=confidence)
    A = sp.csr_array((w, csr.indices.copy(), csr.indptr.copy()), shape=csr.shape)
    A.eliminate_zeros()
    return A


def _as_csr(adjacency):
    if isinstance(adjacency, CompleteGraph):
        return adjacency.to_csr()
    csr = sp.csr_array(adjacency)
    csr.sort_indices()
    return csr


def attend(Q, K, V, adjacency, *, temperature=1.0, affinity="dot", rule="attention",
           confidence=None, rows=None):
    """Attention-weighted mean of the values, ``Σ_j A_ij v_j``, for every listener.

    Parameters
    ----------
    Q, K, V : ndarray
        Queries ``(n_queries, d)``, keys ``(n_keys, d)``, values ``(n_keys, d_v)``.
    adjacency : scipy.sparse array or CompleteGraph
        ``(n_queries, n_keys)`` structure.
    temperature, affinity, rule, confidence
        As in :func:`attention_weights`.
    rows : ndarray of int, optional
        Compute only these listeners (the others come back as NaN).

    Returns
    -------
    mean : ndarray, shape (n_queries, d_v)
    silent : ndarray of bool, shape (n_queries,)
        Listeners with no weight to give (empty row); their ``mean`` is 0.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0], [3.0]])
    >>> mean, silent = attend(X, X, X, CompleteGraph(3), temperature=float("inf"))
    >>> mean.ravel()
    array([1.33333333, 1.33333333, 1.33333333])
    """
    if isinstance(adjacency, CompleteGraph) and rule == "attention":
        return _attend_dense(Q, K, V, adjacency, temperature=temperature,
                             affinity=affinity, rows=rows)
    csr = _as_csr(adjacency)
    if rows is not None:
        csr = csr[rows]
        Qr = Q[rows]
    else:
        Qr = Q
    A = attention_weights(Qr, K, csr, temperature=temperature, affinity=affinity,
                          rule=rule, confidence=confidence)
    mean = np.asarray(A @ V)
    silent = np.diff(A.indptr) == 0
    if rows is not None:
        full = np.full((Q.shape[0], V.shape[1]), np.nan)
        full[rows] = mean
        s_full = np.zeros(Q.shape[0], dtype=bool)
        s_full[rows] = silent
        return full, s_full
    return mean, silent


def _attend_dense(Q, K, V, graph, *, temperature, affinity, rows=None, block=DENSE_BLOCK):
    """Blocked all-to-all attention: never more than ``block × n_keys`` scores at once."""
    n_q = Q.shape[0]
    out = np.full((n_q, V.shape[1]), np.nan) if rows is not None else np.empty((n_q, V.shape[1]))
    silent = np.zeros(n_q, dtype=bool)
    todo = np.arange(n_q) if rows is None else np.asarray(rows)
    if math.isinf(temperature):
        total = V.sum(axis=0)
        n_k = K.shape[0]
        if graph.include_self:
            out[todo] = total / n_k
        elif n_k > 1:
            out[todo] = (total - V[todo]) / (n_k - 1)
        else:
            silent[todo] = True
            out[todo] = 0.0
        return out, silent
    if affinity == "cosine":
        Qs, Ks = _unit_rows(Q), _unit_rows(K)
    else:
        Qs, Ks = Q, K
    for start in range(0, len(todo), block):
        idx = todo[start:start + block]
        if affinity == "distance":
            diff = Qs[idx, None, :] - Ks[None, :, :]
            S = -np.einsum("bkd,bkd->bk", diff, diff)
        else:
            S = Qs[idx] @ Ks.T
            if affinity == "dot":
                S /= math.sqrt(Q.shape[1])
        if not graph.include_self:
            S[np.arange(len(idx)), idx] = -np.inf
        row_max = S.max(axis=1, keepdims=True)
        empty = row_max[:, 0] == -np.inf
        row_max[empty] = 0.0
        E = np.exp((S - row_max) / temperature)
        sums = E.sum(axis=1, keepdims=True)
        sums[empty] = 1.0
        out[idx] = (E @ V) / sums
        silent[idx] = empty
        out[idx[empty]] = 0.0
    return out, silent


def update_opinions(X, social, X0, *, step_size, stubbornness=0.0, noise_term=None,
                    fixed=None):
    """One update: ``s·x(0) + (1 − s)·[(1 − a)·x + a·social] + noise``; fixed rows unchanged.

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
