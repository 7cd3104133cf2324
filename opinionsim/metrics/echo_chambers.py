"""Echo-chamber metrics: opinions measured against the network and the attention.

Graph arguments are a scipy sparse array or matrix (row ``i`` lists whom agent
``i`` listens to; the structure is read as 0/1), a networkx graph (rows in
``list(G)`` order), or, for :func:`neighbor_correlation` only, a
:class:`scipy.sparse.linalg.LinearOperator`. Attention matrices are
non-negative scipy sparse arrays whose row ``i`` is how listener ``i`` splits
its attention.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .._errors import OpinionSimError
from ._common import (
    as_adjacency,
    as_opinions,
    as_weight_matrix,
    is_networkx_graph,
    check_labels,
    pearson,
    project,
    structure,
)
from .polarization import opinion_clusters

__all__ = [
    "AttentionEntropy",
    "neighbor_correlation",
    "opinion_assortativity",
    "echo_chamber_modularity",
    "attention_homophily",
    "attention_entropy",
]


class AttentionEntropy(NamedTuple):
    """Result of :func:`attention_entropy`.

    Attributes
    ----------
    per_agent : numpy.ndarray, shape (N,)
        Entropy of each agent's attention row (0.0 for an empty row).
    mean : float
        Mean of ``per_agent`` over listeners (agents whose row has positive
        total weight); 0.0 if there are none.
    """

    per_agent: np.ndarray
    mean: float


def _renamed_graph(graph, adjacency, func):
    """``graph``, also accepted under its old name ``adjacency`` (with a DeprecationWarning)."""
    if adjacency is None:
        if graph is None:
            raise OpinionSimError(f"{func} needs graph (whom each agent listens to).")
        return graph
    if graph is not None:
        raise OpinionSimError(f"{func} got both graph and adjacency; pass only graph.")
    import warnings

    warnings.warn(f"{func}(adjacency=...) is deprecated: the argument is called graph, as in "
                  "every other metric.", DeprecationWarning, stacklevel=3)
    return adjacency


def _row_ids(A):
    return np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))


def _row_sums(values, indptr):
    """Per-row sums of CSR-ordered ``values`` (0.0 for empty rows), no Python loop."""
    n = indptr.shape[0] - 1
    if not values.size:
        return np.zeros(n)
    starts = indptr[:-1]
    nonempty = indptr[1:] > starts
    if nonempty.all():
        return np.add.reduceat(values, starts)
    out = np.zeros(n)
    # reduceat misreads empty segments; reduce only the non-empty rows, whose
    # starts still delimit them because empty rows occupy no entries.
    out[nonempty] = np.add.reduceat(values, starts[nonempty])
    return out


def neighbor_correlation(X, graph=None, *, axis="pc1", adjacency=None):
    r"""Correlation between each agent's opinion and its neighbourhood's mean.

    With :math:`y_i` the (projected) opinion of agent ``i`` and

    .. math::

        y_i^{N} = \frac{1}{k_i} \sum_j a_{ij}\, y_j, \qquad k_i = \sum_j a_{ij},

    the mean opinion of the agents ``i`` listens to, the metric is the
    Pearson correlation of :math:`(y_i, y_i^N)` over the agents with
    :math:`k_i > 0`, the echo-chamber indicator of [1]_. Close to +1: agents
    hear people who think like them; exactly -1 on a complete graph without
    self-loops (:math:`y^N_i` decreases linearly in :math:`y_i`); +1 for two
    disconnected cliques at :math:`\pm 1`.

    Degenerate cases return 0.0: fewer than 2 agents with someone to listen
    to, or either side with zero variance (up to rounding: standard
    deviation <= 1e-12 x its largest magnitude). Agents with nobody to listen
    to (:math:`k_i = 0`) are left out.

    Parameters
    ----------
    X : array_like, shape (N, dim) or (N,)
        Opinions, one row per agent.
    graph : sparse array/matrix, networkx graph or LinearOperator
        (``adjacency=`` is the deprecated spelling of this argument.)
        Who listens to whom, ``(N, N)``; for sparse and networkx input
        :math:`a_{ij} = 1` for each stored non-zero entry / edge, whatever
        its weight (self-loops are kept: an agent listening to itself
        counts itself). A ``LinearOperator`` is used as is: only
        ``graph @ y`` and ``graph @ ones`` are evaluated, so it
        should be a 0/1 operator (e.g. ``ones - identity`` for a complete
        graph, without building the N x N matrix).
    axis : "pc1" or int, default "pc1"
        The 1-D projection: the first principal component (the values
        themselves when ``dim == 1``) or a column index.

    Returns
    -------
    float
        The correlation, in [-1, 1].

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X``, a ``graph`` of the wrong type or
        size or with a NaN/inf entry, or an unknown ``axis``.

    References
    ----------
    .. [1] M. Cinelli, G. De Francisci Morales, A. Galeazzi, W. Quattrociocchi
       and M. Starnini, "The echo chamber effect on social media", *PNAS*
       118(9), e2023301118 (2021).

    Examples
    --------
    >>> import networkx as nx
    >>> from opinionsim.metrics import neighbor_correlation
    >>> two_cliques = nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3))
    >>> neighbor_correlation([-1, -1, -1, 1, 1, 1], two_cliques)
    1.0
    >>> neighbor_correlation([0.0, 0.3, 1.0, 0.2], nx.complete_graph(4))
    -1.0
    """
    X = as_opinions(X)
    n = X.shape[0]
    y = project(X, axis)
    graph = _renamed_graph(graph, adjacency, "neighbor_correlation")
    A = as_adjacency(graph, n, name="graph (the listening adjacency)")
    if isinstance(A, sp.sparray):
        B = structure(A, name="graph (the listening adjacency)")
        total = B @ y
        degree = np.diff(B.indptr).astype(np.float64)
    else:
        total = np.asarray(A.matvec(y), dtype=np.float64).reshape(n)
        degree = np.asarray(A.matvec(np.ones(n)), dtype=np.float64).reshape(n)
    keep = degree > 0
    if np.count_nonzero(keep) < 2:
        return 0.0
    if keep.all():
        return pearson(y, total / degree)
    return pearson(y[keep], total[keep] / degree[keep])


def opinion_assortativity(X, graph, *, axis="pc1"):
    r"""Newman's numeric assortativity of the opinion attribute.

    The Pearson correlation of the opinions at the two ends of an edge [1]_,

    .. math::

        r = \frac{\sum_{xy} xy\,(e_{xy} - a_x b_y)}{\sigma_a \sigma_b},

    where :math:`e_{xy}` is the fraction of edges from an agent with opinion
    :math:`x` to one with opinion :math:`y` and :math:`a`, :math:`b` its
    marginals. Every stored entry ``(i, j)`` of the adjacency is one
    directed edge ``i -> j``; an undirected networkx graph contributes each
    edge in both directions and a self-loop once, as
    :func:`networkx.numeric_assortativity_coefficient` does. Unlike
    :func:`neighbor_correlation`, each edge has equal weight, so agents with
    many contacts count more.

    Returns 0.0 (where networkx gives NaN) when there are no edges or the
    opinions at either end of the edges do not vary.

    Parameters
    ----------
    X : array_like, shape (N, dim) or (N,)
        Opinions, one row per agent.
    graph : sparse array/matrix or networkx graph
        Who listens to whom, ``(N, N)``; weights are ignored.
    axis : "pc1" or int, default "pc1"
        The 1-D projection: the first principal component (the values
        themselves when ``dim == 1``) or a column index.

    Returns
    -------
    float
        :math:`r \in [-1, 1]`.

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X``, a ``graph`` of the wrong type (including
        a LinearOperator) or size, or with a NaN/inf entry, or an unknown ``axis``.

    References
    ----------
    .. [1] M. E. J. Newman, "Mixing patterns in networks", *Physical Review
       E* 67, 026126 (2003).

    Examples
    --------
    >>> import networkx as nx
    >>> from opinionsim.metrics import opinion_assortativity
    >>> opinion_assortativity([0.0, 1.0, 2.0, 3.0], nx.path_graph(4))  # 5/11
    0.454545
    >>> opinion_assortativity([0.0, 1.0, 0.0, 1.0], nx.cycle_graph(4))
    -1.0
    """
    X = as_opinions(X)
    n = X.shape[0]
    y = project(X, axis)
    B = structure(as_adjacency(graph, n, name="graph", allow_operator=False), name="graph")
    if B.nnz == 0:
        return 0.0
    return pearson(np.repeat(y, np.diff(B.indptr)), y[B.indices])


def echo_chamber_modularity(X, graph, *, tol):
    r"""Modularity of the network's partition into opinion clusters.

    The agents are split by :func:`opinion_clusters` (single linkage at
    distance ``tol``) and the Newman-Girvan modularity [1]_ of that
    partition is returned:

    .. math::

        Q = \sum_{c} \left[ \frac{L_c}{m}
            - \left( \frac{d_c}{2m} \right)^2 \right]

    for an undirected graph (:math:`L_c` edges inside cluster :math:`c`,
    :math:`d_c` its total degree, :math:`m` edges), and its directed form
    [2]_ :math:`Q = \sum_c [L_c/m - d^{out}_c d^{in}_c / m^2]` for a
    directed graph. A sparse adjacency is read as directed (entry ``(i, j)``
    is the edge ``i -> j``); a symmetric one without self-loops gives the
    undirected value. Values match :func:`networkx.community.modularity`
    (with unit weights). Two equal disjoint cliques split by opinion give
    0.5; a graph without edges gives 0.0.

    Parameters
    ----------
    X : array_like, shape (N, dim) or (N,)
        Opinions, one row per agent.
    graph : sparse array/matrix or networkx graph
        Who listens to whom, ``(N, N)``; weights are ignored and multi-edges
        count once.
    tol : float
        Linkage distance of the opinion clusters, > 0.

    Returns
    -------
    float
        :math:`Q \in [-1/2, 1)`.

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X``, ``tol`` not in (0, inf), or a ``graph``
        of the wrong type (including a LinearOperator) or size, or with a NaN/inf entry.

    References
    ----------
    .. [1] M. E. J. Newman and M. Girvan, "Finding and evaluating community
       structure in networks", *Physical Review E* 69, 026113 (2004).
    .. [2] E. A. Leicht and M. E. J. Newman, "Community structure in directed
       networks", *Physical Review Letters* 100, 118703 (2008).

    Examples
    --------
    >>> import networkx as nx
    >>> from opinionsim.metrics import echo_chamber_modularity
    >>> G = nx.disjoint_union(nx.complete_graph(4), nx.complete_graph(4))
    >>> echo_chamber_modularity([-1] * 4 + [1] * 4, G, tol=0.5)
    0.5
    """
    X = as_opinions(X)
    n = X.shape[0]
    B = structure(as_adjacency(graph, n, name="graph", allow_operator=False), name="graph")
    labels = opinion_clusters(X, tol=tol)
    if is_networkx_graph(graph) and not graph.is_directed():
        # networkx counts an undirected self-loop twice in the degree.
        diag = B.diagonal()
        if diag.any():
            B = sp.csr_array(B + sp.diags_array(diag))
    total = float(B.data.sum())
    if total == 0.0:
        return 0.0
    rows = _row_ids(B)
    inside = float(B.data[labels[rows] == labels[B.indices]].sum())
    k_out = np.bincount(rows, weights=B.data, minlength=n)
    k_in = np.bincount(B.indices, weights=B.data, minlength=n)
    out_c = np.bincount(labels, weights=k_out)
    in_c = np.bincount(labels, weights=k_in)
    return float(inside / total - np.dot(out_c, in_c) / total**2)


def attention_homophily(A, labels, *, per_agent=False):
    r"""Share of each listener's attention that stays inside its own group.

    .. math::

        h_i = \frac{\sum_j A_{ij}\,[\ell_j = \ell_i]}{\sum_j A_{ij}}, \qquad
        H = \frac{1}{|L|} \sum_{i \in L} h_i,

    the attention-weighted version of the homophily of [1]_, where
    :math:`\ell` are the group labels (e.g. from :func:`opinion_clusters`)
    and :math:`L` the listeners, agents whose row has positive total weight.
    Rows are divided by their sum, so a row-stochastic ``A`` is used as is
    and a plain adjacency matrix gives the fraction of neighbours in the
    same group. 1: everyone attends only to its own group. Returns 0.0 when
    nobody listens to anyone.

    Parameters
    ----------
    A : scipy sparse array or matrix, shape (N, N)
        Non-negative attention weights; row ``i`` is listener ``i``.
    labels : array_like of int, shape (N,)
        Group of each agent.
    per_agent : bool, default False
        Also return :math:`h_i` for every agent (0.0 for non-listeners).

    Returns
    -------
    float or (float, numpy.ndarray)
        :math:`H \in [0, 1]`; with ``per_agent=True`` the tuple
        ``(H, h)``.

    Raises
    ------
    OpinionSimError
        If ``A`` is not a square sparse (or dense) array, has a negative or
        non-finite entry, or ``labels`` is not an integer array of length N.

    References
    ----------
    .. [1] M. McPherson, L. Smith-Lovin and J. M. Cook, "Birds of a feather:
       homophily in social networks", *Annual Review of Sociology* 27,
       415-444 (2001).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from opinionsim.metrics import attention_homophily
    >>> A = sp.csr_array(np.array([[0, 0.75, 0.25], [0.5, 0, 0.5], [0, 0, 0]]))
    >>> attention_homophily(A, [0, 0, 1])
    0.625
    >>> attention_homophily(A, [0, 0, 1], per_agent=True)
    (0.625, array([0.75, 0.5 , 0.  ]))
    """
    W, _ = as_weight_matrix(A, name="A")
    n = W.shape[0]
    labels = check_labels(labels, n)
    counts = np.diff(W.indptr)
    same = np.repeat(labels, counts) == labels[W.indices]
    row_total = _row_sums(W.data, W.indptr)
    row_same = _row_sums(np.where(same, W.data, 0.0), W.indptr)
    listeners = row_total > 0
    h = np.zeros(n)
    h[listeners] = np.minimum(1.0, row_same[listeners] / row_total[listeners])
    mean = float(h[listeners].mean()) if listeners.any() else 0.0
    return (mean, h) if per_agent else mean


def attention_entropy(A, *, normalized=True):
    r"""Entropy of each listener's attention, and its mean.

    With :math:`p_{ij} = A_{ij} / \sum_j A_{ij}` and :math:`k_i` the number of
    stored entries in row ``i`` (its neighbourhood),

    .. math::

        H_i = -\sum_j p_{ij} \ln p_{ij}, \qquad
        \tilde H_i = \frac{H_i}{\ln k_i} \quad (k_i > 1),

    the Shannon entropy [1]_ of where agent ``i`` looks. Normalised, 0 means
    one voice gets all the attention and 1 means uniform attention over the
    neighbourhood; rows with at most one entry, or zero total weight, have
    entropy 0. Unnormalised values are in nats. The mean is over listeners
    (rows with positive total weight). Computed over the CSR data with
    :func:`numpy.add.reduceat`, without a loop over rows.

    Parameters
    ----------
    A : scipy sparse array or matrix, shape (N, M)
        Non-negative attention weights, rows normally summing to 1 (other
        rows are normalised by their sum). ``M`` may differ from ``N``:
        cross-attention (agents attending to outlets) and blocks of rows. Stored zeros count as members of
        the neighbourhood that receive no attention.
    normalized : bool, default True
        Divide by :math:`\ln k_i`.

    Returns
    -------
    AttentionEntropy
        Named tuple ``(per_agent, mean)``: the ``(N,)`` array of entropies and
        their mean over listeners (0.0 if there are none).

    Raises
    ------
    OpinionSimError
        If ``A`` is not a non-empty sparse (or dense) array or has a negative or
        non-finite entry.

    References
    ----------
    .. [1] C. E. Shannon, "A mathematical theory of communication", *Bell
       System Technical Journal* 27(3), 379-423 (1948).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from opinionsim.metrics import attention_entropy
    >>> A = sp.csr_array(np.array([[0, 0.5, 0.5], [1.0, 0, 0], [0.9, 0.1, 0]]))
    >>> res = attention_entropy(A)
    >>> res.per_agent
    array([1.    , 0.    , 0.469])
    >>> res.mean
    0.4897
    """
    W, smallest = as_weight_matrix(A, name="A", square=False)
    data, indptr = W.data, W.indptr
    counts = np.diff(indptr)
    row_total = _row_sums(data, indptr)
    if smallest > 0:
        plogp = np.log(data)
    else:  # 0 ln 0 = 0
        plogp = np.zeros_like(data)
        np.log(data, out=plogp, where=data > 0)
    plogp *= data
    row_plogp = _row_sums(plogp, indptr)
    listeners = row_total > 0
    all_listen = bool(listeners.all())
    # H_i = ln s_i - (sum_j a_ij ln a_ij) / s_i for rows normalised by s_i.
    if all_listen:
        H = np.log(row_total)
        H -= row_plogp / row_total
    else:
        H = np.zeros(W.shape[0])
        s = row_total[listeners]
        H[listeners] = np.log(s) - row_plogp[listeners] / s
    np.maximum(H, 0.0, out=H)
    if normalized:
        wide = counts > 1
        if wide.all():
            H /= np.log(counts)
        else:
            H[wide] /= np.log(counts[wide])
            H[~wide] = 0.0
        np.minimum(H, 1.0, out=H)
    if all_listen:
        mean = float(H.mean())
    else:
        mean = float(H[listeners].mean()) if listeners.any() else 0.0
    return AttentionEntropy(H, mean)
