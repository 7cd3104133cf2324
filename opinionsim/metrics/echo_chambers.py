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
Attention
    :func:`attention_homophily` and :func:`attention_entropy`: how listeners
    split their attention (between groups, and how broadly).

Graph arguments are a scipy sparse array or matrix (row ``i`` lists whom agent
``i`` listens to; the structure is read as 0/1), a networkx graph (rows in
``list(G)`` order), or, for :func:`neighbor_correlation` and
:func:`echo_chamber_index`, a :class:`scipy.sparse.linalg.LinearOperator`.
Attention matrices are non-negative scipy sparse arrays whose row ``i`` is how
listener ``i`` splits its attention.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .._errors import OpinionSimError
from .._validation import check_real
from ._common import (
    as_adjacency,
    as_opinions,
    as_weight_matrix,
    check_labels,
    is_networkx_graph,
    neighbour_sums,
    pearson,
    project,
    structure,
)
from ._docs import fill_doc
from .polarization import opinion_clusters

__all__ = [
    "cross_cutting_fraction",
    "AttentionEntropy",
    "echo_chamber_index",
    "echo_chamber_modularity",
    "neighbor_correlation",
    "opinion_assortativity",
    "attention_homophily",
    "attention_entropy",
]


class AttentionEntropy(NamedTuple):
    """Result of :func:`attention_entropy`.

    Attributes
    ----------
    per_agent : numpy.ndarray, shape (N,)
        Entropy of each agent's attention row (0.0 where it is not counted).
    mean : float
        Mean of ``per_agent`` over the counted agents; 0.0 if there are none.
    counted : numpy.ndarray of bool, shape (N,)
        The agents with a choice: positive total weight and a neighbourhood
        of at least two.
    """

    per_agent: np.ndarray
    mean: float
    counted: np.ndarray


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

    A share, not an echo-chamber measure on its own: with labels from
    :func:`opinion_clusters` it reads 1 at **consensus** (one group), and
    with labels **shuffled** over the agents about
    :math:`\sum_c \pi_c^2` (the chance that a random other agent shares
    one's group, :math:`\pi_c` the group shares). Compare it with that
    baseline, or use a scale-aware metric.

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


@fill_doc
def attention_entropy(A, *, normalized=True, sizes=None):
    r"""Entropy of each listener's attention over its whole neighbourhood, and its mean.

    With :math:`p_{ij} = A_{ij} / \sum_j A_{ij}` and :math:`k_i` the size of
    agent ``i``'s neighbourhood,

    .. math::

        H_i = -\sum_j p_{ij} \ln p_{ij}, \qquad
        \tilde H_i = \frac{H_i}{\ln k_i} \quad (k_i \ge 2),

    the Shannon entropy [1]_ of where agent ``i`` looks, normalised by its
    largest possible value (Pielou's evenness [2]_). :math:`k_i` is the number
    of **stored entries** in row ``i``, zero weights included, unless
    ``sizes`` says otherwise: :func:`opinionsim.engine.attention_weights`
    stores every neighbour, so a weight that underflowed at a low temperature
    counts as a member that gets no attention, and a row with weights
    (1, 0, 0) over three neighbours reads 0, not 1. (Normalising by the
    non-zero count instead would call that row "uniform over one": at low
    temperature most weights underflow and the mean rises for no reason.)

    Normalised, 0 means one voice gets all the attention and 1 means uniform
    attention over the neighbourhood, so uniform attention (``T = inf``)
    reads exactly 1 on any graph. Unnormalised values are in nats.

    Agents without a choice are **not counted**: a row with zero total weight
    (nobody to listen to), or a neighbourhood of one (:math:`\ln 1 = 0`:
    attending to a single voice is both focused and uniform, so the ratio is
    undefined). Their ``per_agent`` value is 0.0 and the mean is over the
    counted agents (0.0 if there are none), so a graph with leaves does not
    drag the mean down. Computed over the CSR data with
    :func:`numpy.add.reduceat`, without a loop over rows.

    What it reads: at **consensus** every affinity is equal, so attention is
    uniform and the mean reads 1 (broad attention, nothing to choose
    between); a **shuffled null** does not apply to a given attention matrix
    (recompute the attention from shuffled opinions to get one).

    Parameters
    ----------
    A : scipy sparse array or matrix, shape (N, M)
        Non-negative attention weights, rows normally summing to 1 (other
        rows are normalised by their sum). ``M`` may differ from ``N``:
        cross-attention (agents attending to outlets) and blocks of rows.
        Stored zeros count as members of the neighbourhood that receive no
        attention.
    normalized : bool, default True
        Divide by :math:`\ln k_i`.
    sizes : array_like of int, shape (N,), optional
        Neighbourhood sizes :math:`k_i` to use instead of the stored entries
        per row: for matrices whose stored zeros were dropped on the way (a
        sum of sparse matrices drops them). The model's reporter passes the
        network's out-degrees.

    Returns
    -------
    AttentionEntropy
        Named tuple ``(per_agent, mean, counted)``: the ``(N,)`` array of
        entropies, their mean over the counted agents, and the mask of
        counted agents.

    Raises
    ------
    OpinionSimError
        If ``A`` is not a non-empty sparse (or dense) array or has a negative or
        non-finite entry, or ``sizes`` is not N non-negative integers.

    References
    ----------
    .. [1] %(ref_shannon)s
    .. [2] E. C. Pielou, "The measurement of diversity in different types of
       biological collections", *Journal of Theoretical Biology* 13, 131-144
       (1966).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from opinionsim.metrics import attention_entropy
    >>> one_voice = sp.csr_array(([1.0, 0.0, 0.0], [0, 1, 2], [0, 3]), shape=(1, 3))
    >>> attention_entropy(one_voice).per_agent  # stored zeros are neighbours
    array([0.])
    >>> uniform = sp.csr_array(np.full((2, 4), 0.25))
    >>> attention_entropy(uniform).mean
    1.0
    >>> attention_entropy(sp.csr_array([[0.0, 0.9, 0.1]])).per_agent  # 2 neighbours
    array([0.469])
    """
    W, smallest = as_weight_matrix(A, name="A", square=False)
    data, indptr = W.data, W.indptr
    n = W.shape[0]
    if sizes is None:
        counts = np.diff(indptr)
    else:
        counts = check_labels(sizes, n, name="sizes")
        if counts.size and counts.min() < 0:
            raise OpinionSimError(f"sizes has a negative entry ({int(counts.min())}); "
                                  "neighbourhood sizes must be >= 0.")
    row_total = _row_sums(data, indptr)
    if smallest > 0:
        plogp = np.log(data)
    else:  # 0 ln 0 = 0
        plogp = np.zeros_like(data)
        np.log(data, out=plogp, where=data > 0)
    plogp *= data
    row_plogp = _row_sums(plogp, indptr)
    counted = (row_total > 0) & (counts > 1)
    # H_i = ln s_i - (sum_j a_ij ln a_ij) / s_i for rows normalised by s_i.
    H = np.zeros(n)
    s = row_total[counted]
    H[counted] = np.log(s) - row_plogp[counted] / s
    np.maximum(H, 0.0, out=H)
    if normalized:
        H[counted] /= np.log(counts[counted])
        np.minimum(H, 1.0, out=H)
    mean = float(H[counted].mean()) if counted.any() else 0.0
    return AttentionEntropy(H, mean, counted)
