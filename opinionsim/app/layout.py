"""Where the network view puts each agent: a layout computed once per network.

Pivot MDS [1]_ places N nodes from their hop distances to a few pivot nodes:
``O(pivots · edges)`` for the breadth-first searches and one thin SVD, a few
milliseconds at N = 2000 where a spring layout takes seconds. The explorer
computes it when a model is built, never per frame.

References
----------
.. [1] U. Brandes and C. Pich, "Eigensolver methods for progressive
   multidimensional scaling of large data", *Graph Drawing 2006*, LNCS 4372,
   42-53 (2007).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

__all__ = ["pivot_mds", "drawn_edges"]


def _undirected(adjacency):
    A = sp.csr_array(adjacency, dtype=np.float64)
    A = ((A + A.T) > 0).astype(np.float64)
    A.setdiag(0)
    A.eliminate_zeros()
    return sp.csr_array(A)


def pivot_mds(adjacency, *, n_pivots=40, seed=0):
    r"""Two-dimensional positions of a graph's nodes by pivot MDS.

    Pivots are chosen max-min (each the node farthest from those chosen so
    far, the first at random); with :math:`D` the hop distances from the
    :math:`k` pivots to all nodes (directions ignored; unreachable nodes at
    one hop beyond the farthest), the positions are the first two principal
    directions of the double-centred :math:`-\tfrac12 D^{\circ 2}`, an
    :math:`N \times k` approximation of classical MDS.

    Parameters
    ----------
    adjacency : (N, N) sparse array or matrix
        Who listens to whom; weights are ignored.
    n_pivots : int
        Number of pivots (at most N).
    seed : int
        Seed of the first pivot.

    Returns
    -------
    ndarray, shape (N, 2)
        Positions scaled into ``[-1, 1]``.

    Examples
    --------
    >>> import networkx as nx
    >>> pos = pivot_mds(nx.to_scipy_sparse_array(nx.path_graph(5)))
    >>> pos.shape, bool(abs(pos[:, 0]).max() == 1.0)
    ((5, 2), True)
    >>> order = np.argsort(pos[:, 0]).tolist()  # a path is laid out along a line
    >>> order in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0])
    True
    """
    A = _undirected(adjacency)
    n = A.shape[0]
    if n < 3 or A.nnz == 0:
        angle = 2 * np.pi * np.arange(n) / max(n, 1)
        return np.column_stack([np.cos(angle), np.sin(angle)])
    k = min(int(n_pivots), n)
    D = np.empty((k, n))
    pivot = int(np.random.default_rng(seed).integers(n))
    nearest = np.full(n, np.inf)
    for i in range(k):
        D[i] = shortest_path(A, unweighted=True, indices=pivot)
        reach = np.isfinite(D[i])
        D[i, ~reach] = D[i, reach].max() + 1.0
        nearest = np.minimum(nearest, D[i])
        pivot = int(np.argmax(nearest))
    S = -0.5 * (D.T ** 2)
    S -= S.mean(axis=0, keepdims=True)
    S -= S.mean(axis=1, keepdims=True)
    # The top right singular vectors of the thin S from its k x k Gram matrix: an SVD of
    # the N x k matrix itself costs far more under a busy multithreaded BLAS.
    _, vectors = np.linalg.eigh(S.T @ S)
    pos = S @ vectors[:, ::-1][:, :2]
    pos -= pos.mean(axis=0)
    return pos / (np.abs(pos).max() or 1.0)


def drawn_edges(adjacency, *, max_edges=3000, seed=0):
    """The undirected ties to draw, as an ``(E, 2)`` array of node rows: all, or a seeded sample.

    Examples
    --------
    >>> import networkx as nx
    >>> A = nx.to_scipy_sparse_array(nx.cycle_graph(6))
    >>> drawn_edges(A).tolist()
    [[0, 1], [0, 5], [1, 2], [2, 3], [3, 4], [4, 5]]
    >>> len(drawn_edges(A, max_edges=4))
    4
    """
    upper = sp.triu(_undirected(adjacency), k=1).tocoo()
    edges = np.column_stack([upper.row, upper.col]).astype(np.int64)
    edges = edges[np.lexsort((edges[:, 1], edges[:, 0]))]
    if len(edges) > max_edges:
        keep = np.random.default_rng(seed).choice(len(edges), size=max_edges, replace=False)
        edges = edges[np.sort(keep)]
    return edges
