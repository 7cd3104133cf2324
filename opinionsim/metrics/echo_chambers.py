"""Echo-chamber metrics: opinions measured against the network and the attention.

Three kinds of number live here, and they answer different questions:

Scale-aware echo-chamber metrics
    :func:`echo_chamber_index` and :func:`echo_chamber_modularity`. Each reads
    about 0 at consensus (no echo chamber without disagreement) and about 0
    when the opinions are shuffled over the nodes (none without network
    alignment); each docstring states both values. Compare an observed value
    with :func:`~opinionsim.metrics.null_model` to say whether it is more than
    chance.
Scale-free alignment statistics
    :func:`neighbor_correlation` (Cinelli et al.) and
    :func:`opinion_assortativity` (Newman). Correlations: they read the
    *pattern* of opinions over the network whatever its size, so a population
    in consensus up to rounding can still read close to +1. Use them beside
    the variance, or through a scale-aware metric.
Attention metrics (how listeners split their attention) are in
:mod:`.attention`.

Graph arguments are a scipy sparse array or matrix (row ``i`` lists whom agent
``i`` listens to; the structure is read as 0/1), a networkx graph (rows in
``list(G)`` order), or, for :func:`neighbor_correlation` and
:func:`echo_chamber_index`, a :class:`scipy.sparse.linalg.LinearOperator`.
Attention matrices are non-negative scipy sparse arrays whose row ``i`` is how
listener ``i`` splits its attention.
"""

from __future__ import annotations


import numpy as np
import scipy.sparse as sp

from .._errors import OpinionSimError
from .._validation import check_real
from ._common import (
    row_ids,
    as_adjacency,
    as_opinions,
    is_networkx_graph,
    neighbour_sums,
    pearson,
    project,
    structure,
)
from ._docs import fill_doc
from .clusters import opinion_clusters

__all__ = [
    "cross_cutting_fraction",
    "echo_chamber_index",
    "echo_chamber_modularity",
    "neighbor_correlation",
    "opinion_assortativity",
]


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


@fill_doc
def echo_chamber_index(X, graph, *, scale=1.0):
    r"""Scale-aware echo-chamber index: the opinion variance that network neighbourhoods hide.

    Agent ``i`` listens to :math:`k_i` agents (self-loops ignored) whose mean
    opinion is :math:`\bar x_{N(i)}`; its local disagreement
    :math:`d_i = \lVert x_i - \bar x_{N(i)} \rVert^2` is how far it is from
    what it hears. Were the opinions shuffled over the nodes (sampled without
    replacement), the expectation of :math:`d_i` would be exactly
    :math:`c_i V`, with :math:`V` the total variance of the opinions and

    .. math::

        c_i = \frac{N}{N-1}\left(1 + \frac{1}{k_i}\right), \qquad
        \bar d = \frac{\sum_{i: k_i > 0} d_i}{\sum_{i: k_i > 0} c_i}, \qquad
        E = \frac{V - \bar d}{\mathrm{dim}\; s^2}
          = \left(1 - \frac{\bar d}{V}\right) \frac{V}{\mathrm{dim}\; s^2}.

    The first factor is the share of the opinion variance explained by the
    network neighbourhoods, a local autocorrelation in the sense of Moran
    [2]_ and the variance form of the neighbour agreement of Cinelli et al.
    [1]_; the second is how much disagreement there is at all, relative to
    the largest total variance the opinion scale allows (:math:`\mathrm{dim}
    \cdot s^2` for opinions in a cube of half-width :math:`s` = ``scale``),
    as in the polarisation-disagreement decomposition of [3]_. Opinions are
    compared as vectors (no projection).

    What it reads:

    * **consensus**: :math:`0 \le |E| \le V/(\mathrm{dim}\, s^2)`, so a
      population converged to spread :math:`\sigma` reads at most
      :math:`\sigma^2/s^2` (about 1e-16 for a spread of 1e-8);
    * **shuffled null**: exactly 0 in expectation over the permutations of
      the opinions, for every graph and every opinion sample (the
      denominator is permutation invariant); its spread is given by
      :func:`~opinionsim.metrics.null_model`;
    * 0 exactly on a complete graph, whatever the opinions; 1 for two equal
      camps at opposite corners of the cube, each listening only to itself;
      negative when agents listen mostly to those who disagree with them.

    Agents with nobody to listen to are left out; fewer than 2 agents, or no
    agent with a neighbour, give 0.0.

    Parameters
    ----------
    %(param_X)s
    graph : sparse array/matrix, networkx graph or LinearOperator
        Who listens to whom, ``(N, N)``; weights are ignored and self-loops
        dropped. A ``LinearOperator`` is used as is (only ``graph @ X`` and
        ``graph @ ones``): a 0/1 operator without self-loops, e.g.
        ``ones - identity`` for a complete graph.
    scale : float, default 1.0
        Half-width :math:`s` of the opinion scale in each dimension (> 0):
        the model's default opinions are uniform on :math:`[-1, 1]^{dim}`,
        so 1.

    Returns
    -------
    float
        :math:`E`, at most 1 for opinions inside the stated scale.

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X``, ``scale`` not in (0, inf), or a ``graph``
        of the wrong type or size or with a NaN/inf entry.

    References
    ----------
    .. [1] %(ref_cinelli)s
    .. [2] P. A. P. Moran, "Notes on continuous stochastic phenomena",
       *Biometrika* 37(1/2), 17-23 (1950).
    .. [3] C. Musco, C. Musco and C. E. Tsourakakis, "Minimizing polarization
       and disagreement in social networks", *Proceedings of the 2018 World
       Wide Web Conference*, 369-378 (2018).

    Examples
    --------
    >>> import networkx as nx
    >>> from opinionsim.metrics import echo_chamber_index
    >>> two_cliques = nx.disjoint_union(nx.complete_graph(3), nx.complete_graph(3))
    >>> echo_chamber_index([-1, -1, -1, 1, 1, 1], two_cliques)
    1.0
    >>> echo_chamber_index([-1, -1, -1, 1, 1, 1], nx.complete_graph(6))
    0.0
    >>> echo_chamber_index([-1e-8, -1e-8, -1e-8, 1e-8, 1e-8, 1e-8], two_cliques) < 1e-15
    True
    """
    X = as_opinions(X)
    scale = check_real("scale", scale, low=0.0, low_open=True)
    n, dim = X.shape
    if n < 2:
        return 0.0
    mean = X.mean(axis=0)
    Xc = X - mean  # centred, so that an offset far from 0 costs no precision
    totals, degree = neighbour_sums(Xc, graph, name="graph (the listening adjacency)",
                                    self_loops=False)
    keep = degree > 0
    if not keep.all():
        if not keep.any():
            return 0.0
        Xc_kept, totals, degree = Xc[keep], totals[keep], degree[keep]
    else:
        Xc_kept = Xc
    totals /= degree[:, None]
    totals -= Xc_kept  # the gap between what each agent hears and what it thinks
    d_bar = float(np.einsum("ij,ij->", totals, totals)) / float(
        np.sum(n / (n - 1) * (1.0 + 1.0 / degree)))
    V = float(np.einsum("ij,ij->", Xc, Xc)) / n
    return float((V - d_bar) / (dim * scale * scale))


@fill_doc
def neighbor_correlation(X, graph=None, *, axis="pc1", adjacency=None):
    r"""Correlation between each agent's opinion and its neighbourhood's mean (scale-free).

    With :math:`y_i` the (projected) opinion of agent ``i`` and

    .. math::

        y_i^{N} = \frac{1}{k_i} \sum_j a_{ij}\, y_j, \qquad k_i = \sum_j a_{ij},

    the mean opinion of the agents ``i`` listens to, the metric is the
    Pearson correlation of :math:`(y_i, y_i^N)` over the agents with
    :math:`k_i > 0`, the echo-chamber indicator of [1]_. Close to +1: agents
    hear people who think like them; exactly -1 on a complete graph without
    self-loops (:math:`y^N_i` decreases linearly in :math:`y_i`); +1 for two
    disconnected cliques at :math:`\pm 1`.

    **Scale-free.** A correlation ignores how far apart the opinions are, so
    it does not say whether there is any disagreement to be sorted:

    * **consensus**: anything in [-1, 1], typically close to +1, because the
      slowest smooth mode left over by averaging is aligned with the network
      (0.99999 for a spread of 1e-8 on a small-world graph); 0.0 only when
      the opinions are exactly equal;
    * **shuffled null**: about 0 (of order :math:`-\sqrt{k}/N`, with a
      spread of order :math:`1/\sqrt{N}`).

    For a number that reads 0 at consensus use :func:`echo_chamber_index`.

    Degenerate cases return 0.0: fewer than 2 agents with someone to listen
    to, or either side with zero variance (up to rounding: standard
    deviation <= 1e-12 x its largest magnitude). Agents with nobody to listen
    to (:math:`k_i = 0`) are left out.

    Parameters
    ----------
    %(param_X)s
    graph : sparse array/matrix, networkx graph or LinearOperator
        (``adjacency=`` is the deprecated spelling of this argument.)
        Who listens to whom, ``(N, N)``; for sparse and networkx input
        :math:`a_{ij} = 1` for each stored non-zero entry / edge, whatever
        its weight (self-loops are kept: an agent listening to itself
        counts itself). A ``LinearOperator`` is used as is: only
        ``graph @ y`` and ``graph @ ones`` are evaluated, so it
        should be a 0/1 operator (e.g. ``ones - identity`` for a complete
        graph, without building the N x N matrix).
    %(param_axis)s

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
    .. [1] %(ref_cinelli)s

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
    y = project(X, axis)
    graph = _renamed_graph(graph, adjacency, "neighbor_correlation")
    total, degree = neighbour_sums(y, graph, name="graph (the listening adjacency)")
    keep = degree > 0
    if np.count_nonzero(keep) < 2:
        return 0.0
    if keep.all():
        return pearson(y, total / degree)
    return pearson(y[keep], total[keep] / degree[keep])


@fill_doc
def opinion_assortativity(X, graph, *, axis="pc1"):
    r"""Newman's numeric assortativity of the opinion attribute (scale-free).

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

    **Scale-free**, like :func:`neighbor_correlation`: at **consensus** it
    reads the pattern of what is left of the disagreement, anything in
    [-1, 1] (typically close to +1 after averaging on a network); on a
    **shuffled null** it reads about 0 (of order :math:`-1/N`, spread of
    order :math:`1/\sqrt{|E|}`).

    Returns 0.0 (where networkx gives NaN) when there are no edges or the
    opinions at either end of the edges do not vary.

    Parameters
    ----------
    %(param_X)s
    graph : sparse array/matrix or networkx graph
        Who listens to whom, ``(N, N)``; weights are ignored.
    %(param_axis)s

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


@fill_doc
def cross_cutting_fraction(X, graph, *, axis="pc1"):
    r"""Fraction of ties that cross the opinion divide: the exposure to the other side.

    Agents are split at the population mean of their projected opinion
    :math:`y` (two sides); the metric is the share of directed ties
    :math:`i \to j` (self-ties excluded) whose ends lie on different sides,

    .. math::

        c = \frac{|\{(i, j) \in E : (y_i > \bar y) \ne (y_j > \bar y)\}|}{|E|}.

    Echo chambers *lower* it: unfollowing the other side leaves few
    cross-cutting ties [1]_. On a **shuffled null** it reads about
    :math:`2p(1 - p)` (:math:`p` the share on one side; 0.5 for an even
    split): compare it with :func:`null_model`, whose z is negative when the
    network is segregated. At **consensus** the sides are noise and it reads
    its null value too — a low value needs disagreement and alignment both.

    Returns 0.0 when there are no ties.

    Parameters
    ----------
    %(param_X)s
    graph : sparse array/matrix or networkx graph
        Who listens to whom, ``(N, N)``; weights are ignored.
    %(param_axis)s

    Returns
    -------
    float
        :math:`c \in [0, 1]`.

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X``, a ``graph`` of the wrong type (including
        a LinearOperator) or size, or an unknown ``axis``.

    References
    ----------
    .. [1] K. Sasahara, W. Chen, H. Peng, G. L. Ciampaglia, A. Flammini and
       F. Menczer, "Social influence and unfollowing accelerate the emergence
       of echo chambers", *J. Comput. Soc. Sci.* 4, 381–402 (2021).

    Examples
    --------
    >>> import networkx as nx
    >>> from opinionsim.metrics import cross_cutting_fraction
    >>> g = nx.DiGraph([(0, 1), (1, 0), (2, 3), (3, 2), (0, 2)])
    >>> cross_cutting_fraction([-1.0, -1.0, 1.0, 1.0], g)   # only 0 -> 2 crosses
    0.2
    """
    X = as_opinions(X)
    n = X.shape[0]
    y = project(X, axis)
    side = y > y.mean()
    B = structure(as_adjacency(graph, n, name="graph", allow_operator=False), name="graph")
    rows = np.repeat(np.arange(n), np.diff(B.indptr))
    ties = rows != B.indices
    if not ties.any():
        return 0.0
    return float(np.mean(side[rows[ties]] != side[B.indices[ties]]))


@fill_doc
def echo_chamber_modularity(X, graph, *, tol, labels=None):
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

    Scale-aware through ``tol``, an opinion distance in absolute units:

    * **consensus**: exactly 0 once all opinions lie within one chain of
      ``tol`` (one cluster: :math:`Q = 1 - 1`);
    * **shuffled null**: about 0. A partition that ignores the graph has
      expected modularity slightly below 0 (of order :math:`-1/N` for many
      small clusters), well inside the null's spread; see
      :func:`~opinionsim.metrics.null_model` for the band.

    Parameters
    ----------
    %(param_X)s
    graph : sparse array/matrix or networkx graph
        Who listens to whom, ``(N, N)``; weights are ignored and multi-edges
        count once.
    tol : float
        Linkage distance of the opinion clusters, > 0.
    labels : array of int, optional
        ``opinion_clusters(X, tol=tol)`` when the caller already has them
        (reporters reading several cluster metrics of one state compute
        them once); not recomputed.

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
    if labels is None:
        labels = opinion_clusters(X, tol=tol)
    else:
        labels = np.asarray(labels)
        if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer) \
                or (n and labels.min() < 0):
            raise OpinionSimError(f"labels must be {n} non-negative integer cluster labels "
                                  "(opinion_clusters(X, tol=tol)), got an array of shape "
                                  f"{labels.shape} and dtype {labels.dtype}.")
    if is_networkx_graph(graph) and not graph.is_directed():
        # networkx counts an undirected self-loop twice in the degree.
        diag = B.diagonal()
        if diag.any():
            B = sp.csr_array(B + sp.diags_array(diag))
    total = float(B.data.sum())
    if total == 0.0:
        return 0.0
    rows = row_ids(B)
    inside = float(B.data[labels[rows] == labels[B.indices]].sum())
    k_out = np.bincount(rows, weights=B.data, minlength=n)
    k_in = np.bincount(B.indices, weights=B.data, minlength=n)
    out_c = np.bincount(labels, weights=k_out)
    in_c = np.bincount(labels, weights=k_in)
    return float(inside / total - np.dot(out_c, in_c) / total**2)
