"""Who listens to whom: :class:`Network`, the one owner of a population's CSR structure.

Row ``i`` of the adjacency lists whom agent ``i`` listens to. A networkx edge
``u → v`` means *u listens to v*; an undirected edge means both ways. A square
``scipy.sparse`` matrix is taken as that adjacency directly, which is how to
pass a million-agent network without networkx. ``n_agents`` alone means the
complete graph, kept implicit as a :class:`~opinionsim.engine.CompleteGraph`.

Everything else in the package reads the structure through a :class:`Network`
(its CSR arrays, the row of each edge, the structure without self-loops, the
explicit form of a complete graph) and changes it only through
:meth:`Network.set_adjacency`, which bumps :attr:`Network.version`. Derived
arrays are cached per version, so a cache can never outlive the structure it
was computed from.

Examples
--------
>>> import networkx as nx
>>> net = build_network(nx.path_graph(["a", "b", "c"]), include_self=False)
>>> net.nodes, net.adjacency.toarray().astype(int).tolist()
(['a', 'b', 'c'], [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
>>> net.rows_of(["c"]).tolist(), net.version
([2], 0)
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.sparse as sp

from ._errors import OpinionSimError
from ._validation import is_iterable
from .engine import CompleteGraph

__all__ = ["Network", "build_network", "csr_from_structure", "csr_without_edges",
           "MAX_MATERIALISED_AGENTS"]

#: Largest complete graph that is ever turned into an explicit list of its ``N²`` ties.
MAX_MATERIALISED_AGENTS = 10_000


def csr_from_structure(indptr, indices, n, data=None):
    """A canonical CSR adjacency: sorted rows, the narrowest index dtypes, unit data unless given.

    ``indices`` must already be sorted within each row (callers build them
    that way); nothing is copied that need not be.

    Examples
    --------
    >>> csr_from_structure(np.array([0, 1, 2]), np.array([1, 0]), 2).toarray()
    array([[0., 1.],
           [1., 0.]])
    """
    data = np.ones(len(indices)) if data is None else np.asarray(data, dtype=np.float64)
    csr = sp.csr_array((data, indices, indptr), shape=(n, n))
    # int32 indices halve the memory traffic of every step while they fit.
    if csr.nnz < np.iinfo(np.int32).max:
        csr.indices = csr.indices.astype(np.int32, copy=False)
        csr.indptr = csr.indptr.astype(np.int32, copy=False)
    csr.has_sorted_indices = True
    return csr


def csr_without_edges(csr, cut, rows=None):
    """A new canonical CSR without the edges where the boolean array ``cut`` (CSR order) is True.

    ``rows`` (the listener of every edge) is computed when not given.

    Examples
    --------
    >>> A = csr_from_structure(np.array([0, 2, 3]), np.array([0, 1, 0]), 2)
    >>> csr_without_edges(A, np.array([False, True, False])).toarray()
    array([[1., 0.],
           [1., 0.]])
    """
    n = csr.shape[0]
    if rows is None:
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.indptr))
    keep = ~np.asarray(cut, dtype=bool)
    counts = np.bincount(rows[keep], minlength=n)
    return csr_from_structure(np.concatenate([[0], np.cumsum(counts)]), csr.indices[keep], n,
                              csr.data[keep])


class Network:
    """A population's listening structure, and the one place it changes.

    Parameters
    ----------
    adjacency : scipy.sparse.csr_array or CompleteGraph
        Sorted CSR (self-loops present exactly when ``include_self``); its
        data are the edge weights (all 1.0 when unweighted).
    nodes : list
        Node labels; row ``i`` is ``nodes[i]``.
    include_self : bool
    weighted : bool
        Whether the data are edge weights to use (``weight=`` was given).

    Attributes
    ----------
    version : int
        0 at construction, +1 at every change of the structure (an
        intervention cutting ties, a rewiring step).
    """

    def __init__(self, adjacency, nodes, include_self, weighted=False):
        self._adjacency = adjacency
        self.nodes = nodes
        self.include_self = bool(include_self)
        self.weighted = bool(weighted)
        self.version = 0
        self._cache = {}
        self._node_index = None

    # ---- reading -----------------------------------------------------------------------
    @property
    def adjacency(self):
        """The current structure: a sorted ``csr_array`` or a :class:`CompleteGraph`."""
        return self._adjacency

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def complete(self) -> bool:
        return isinstance(self._adjacency, CompleteGraph)

    @property
    def n_edges(self) -> int:
        """Stored ties (self-loops included where ``include_self``)."""
        adj = self._adjacency
        if isinstance(adj, CompleteGraph):
            return adj.n * (adj.n if adj.include_self else adj.n - 1)
        return int(adj.nnz)

    @property
    def out_degree(self):
        """How many agents each agent listens to (itself included where ``include_self``)."""
        return self._cached("out_degree", lambda: np.diff(self.csr().indptr))

    def _cached(self, key, compute):
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = compute()
        return hit

    def csr(self):
        """The structure as an explicit sorted CSR (a complete graph is materialised).

        Raises
        ------
        OpinionSimError
            For a complete graph above :data:`MAX_MATERIALISED_AGENTS` agents.
        """
        adj = self._adjacency
        if not isinstance(adj, CompleteGraph):
            return adj
        if adj.n > MAX_MATERIALISED_AGENTS:
            raise OpinionSimError(
                f"the complete graph of {adj.n} agents would list its {adj.n ** 2} ties "
                f"explicitly; that is refused above {MAX_MATERIALISED_AGENTS} agents "
                "(MAX_MATERIALISED_AGENTS). Build the model from a sparse graph (graph=...)."
            )
        return self._cached("complete_csr", lambda: _complete_csr(adj))

    def edge_rows(self):
        """The listener (row) of every stored edge, in CSR order."""
        def compute():
            csr = self.csr()
            return np.repeat(np.arange(self.n, dtype=np.int64), np.diff(csr.indptr))
        return self._cached("edge_rows", compute)

    def edge_keys(self):
        """Every tie as one sorted int64 key ``listener · N + speaker`` (for binary search)."""
        return self._cached("edge_keys", lambda: self.edge_rows().astype(np.int64) * self.n
                            + self.csr().indices)

    def listening(self):
        """Whom each agent listens to, itself excluded, with unit weights.

        A ``csr_array``, or on a complete graph a ``LinearOperator`` (``v ↦ Σ v − v``)
        so that no N×N matrix is ever built.
        """
        def compute():
            adj = self._adjacency
            if isinstance(adj, CompleteGraph):
                from scipy.sparse.linalg import LinearOperator

                return LinearOperator((adj.n, adj.n), dtype=np.float64,
                                      matvec=lambda v: np.sum(v, axis=0) - v,
                                      matmat=lambda V: np.sum(V, axis=0, keepdims=True) - V)
            rows = self.edge_rows()
            listening = csr_without_edges(adj, rows == adj.indices, rows)
            listening.data[:] = 1.0
            return listening
        return self._cached("listening", compute)

    def with_sources(self, audience, n_sources):
        """The structure with ``n_sources`` outside sources as extra columns (cross-attention).

        ``audience`` is an (N, M) CSR (None: everyone hears every source). Cached
        per version, so it is built once while the network does not change.
        """
        key = ("sources", id(audience), n_sources)

        def compute():
            adj = self._adjacency
            if audience is None and isinstance(adj, CompleteGraph):
                return CompleteGraph(adj.n, adj.include_self, n_sources)
            aud = sp.csr_array(np.ones((self.n, n_sources))) if audience is None else audience
            both = sp.csr_array(sp.hstack([self.csr(), aud], format="csr"))
            both.sort_indices()
            if both.nnz < np.iinfo(np.int32).max:
                both.indices = both.indices.astype(np.int32, copy=False)
                both.indptr = both.indptr.astype(np.int32, copy=False)
            return both
        return self._cached(key, compute)

    def rows(self, rows):
        """The adjacency rows ``rows`` as a CSR array of shape (len(rows), N)."""
        adj = self._adjacency
        rows = np.asarray(rows, dtype=np.intp)
        if isinstance(adj, CompleteGraph):
            block = np.ones((len(rows), adj.n))
            if not adj.include_self:
                block[np.arange(len(rows)), rows] = 0.0
            return sp.csr_array(block)
        return sp.csr_array(adj[rows])

    # ---- node labels -------------------------------------------------------------------
    def rows_of(self, nodes, name="nodes"):
        """Row indices of the given node labels (raises, naming ``name``, for an unknown one)."""
        if isinstance(nodes, (str, bytes)) or not is_iterable(nodes):
            raise OpinionSimError(
                f"{name} == {nodes!r}, must be a collection of node labels (e.g. a list)."
            )
        nodes = list(nodes)
        if not nodes:
            return np.zeros(0, dtype=np.intp)
        if self._node_index is None:
            self._node_index = {node: i for i, node in enumerate(self.nodes)}
        rows = []
        for node in nodes:
            try:
                rows.append(self._node_index[node])
            except (KeyError, TypeError):
                raise OpinionSimError(
                    f"{name} names node {node!r}, which is not in the network "
                    f"({self.n} nodes, e.g. {self.nodes[:3]!r})."
                ) from None
        return np.asarray(rows, dtype=np.intp)

    # ---- changing ----------------------------------------------------------------------
    def without_edges(self, cut):
        """A new sorted CSR without the edges where the boolean array ``cut`` (CSR order) is True."""
        return csr_without_edges(self.csr(), cut, self.edge_rows())

    def set_adjacency(self, adjacency, *, same_rows=False):
        """Install a new structure (already validated by the caller) and bump :attr:`version`.

        ``same_rows``: the new structure has the same ``indptr`` (every agent keeps its
        out-degree, as rewiring does), so what depends on the rows alone stays cached.
        """
        kept = {k: v for k, v in self._cache.items() if k in ("edge_rows", "out_degree")} \
            if same_rows else {}
        self._adjacency = adjacency
        self.version += 1
        self._cache = kept

    def __repr__(self):
        kind = "complete" if self.complete else f"{self.n_edges} edges"
        return f"Network({self.n} agents, {kind}, include_self={self.include_self}, " \
               f"version={self.version})"


def _complete_csr(graph):
    n = graph.n
    cols = np.tile(np.arange(n, dtype=np.int64), n)
    if not graph.include_self:
        cols = cols[cols != np.repeat(np.arange(n, dtype=np.int64), n)]
    indptr = np.arange(n + 1, dtype=np.int64) * (n if graph.include_self else n - 1)
    return csr_from_structure(indptr, cols, n)


def _structure(csr, include_self, weighted):
    """Canonical CSR of a user adjacency: duplicates summed, sorted, self-loops as asked."""
    csr = sp.csr_array(csr, dtype=np.float64)
    csr.sum_duplicates()
    if weighted:
        _check_weights(csr)
    else:
        csr.eliminate_zeros()
        csr.data[:] = 1.0
    n = csr.shape[0]
    csr.sort_indices()
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.indptr))
    on_diag = rows == csr.indices
    if include_self:
        # An agent's weight on itself is its self-loop's weight where it has one, else 1.
        has_loop = np.zeros(n, dtype=bool)
        has_loop[rows[on_diag]] = True
        missing = np.flatnonzero(~has_loop)
        if len(missing):
            csr = csr + sp.csr_array((np.ones(len(missing)), (missing, missing)), shape=(n, n))
            csr.sort_indices()
    elif np.any(on_diag):
        return csr_without_edges(csr, on_diag, rows)
    return csr_from_structure(csr.indptr, csr.indices, n, csr.data)


def _check_weights(csr):
    data = csr.data
    bad = ~np.isfinite(data) | (data <= 0)
    if np.any(bad):
        k = int(np.argmax(bad))
        row = int(np.searchsorted(csr.indptr, k, side="right") - 1)
        raise OpinionSimError(
            f"edge weight {float(data[k])!r} on the tie from row {row} to row "
            f"{int(csr.indices[k])}, must be finite and > 0 (weights are a prior trust: "
            "attention is softmax(S/T + ln w)); drop the tie instead of giving it weight 0."
        )


def build_network(graph=None, n_agents=None, *, include_self=True, weight=None) -> Network:
    """Build the :class:`Network` for ``OpinionModel(graph=..., n_agents=...)``.

    Parameters
    ----------
    graph : networkx.Graph or networkx.DiGraph or scipy.sparse matrix, optional
    n_agents : int, optional
        Complete graph on ``0 … n_agents − 1`` (exactly one of the two must be given).
    include_self : bool
        Whether each agent also listens to itself.
    weight : str or bool, optional
        Edge weights to use: the edge attribute name for a networkx graph, or
        ``True`` for a sparse matrix's values. ``None`` (default): unweighted.

    Raises
    ------
    OpinionSimError
        Both or neither of ``graph`` and ``n_agents``; an empty graph; a
        non-square adjacency; an unsupported type; a weight that is missing,
        zero, negative or not finite.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([(0, 1, {"w": 2.0}), (1, 0, {"w": 0.5})])
    >>> build_network(g, include_self=False, weight="w").adjacency.toarray()
    array([[0. , 2. ],
           [0.5, 0. ]])
    """
    if (graph is None) == (n_agents is None):
        raise OpinionSimError(
            "pass exactly one of graph (a networkx graph or a square scipy.sparse "
            f"adjacency) and n_agents (for the complete graph); got graph={_short(graph)}, "
            f"n_agents={n_agents!r}."
        )
    if n_agents is not None:
        if isinstance(n_agents, bool) or not isinstance(n_agents, (int, np.integer)) or n_agents < 1:
            raise OpinionSimError(f"n_agents == {n_agents!r}, must be an integer >= 1.")
        if weight not in (None, False):
            raise OpinionSimError(
                f"weight == {weight!r}, but n_agents gives the unweighted complete graph; "
                "pass a weighted graph instead."
            )
        return Network(CompleteGraph(int(n_agents), bool(include_self)),
                       list(range(int(n_agents))), include_self)
    if sp.issparse(graph):
        if graph.ndim != 2 or graph.shape[0] != graph.shape[1]:
            raise OpinionSimError(f"graph adjacency has shape {graph.shape}, must be square (N, N).")
        if graph.shape[0] == 0:
            raise OpinionSimError("graph is empty (0 agents); it needs at least one node.")
        if weight not in (None, False, True):
            raise OpinionSimError(
                f"weight == {weight!r}, must be True (use the sparse matrix's values as edge "
                "weights) or None for a scipy.sparse graph."
            )
        weighted = weight is True
        if not weighted:
            _warn_ignored_weights(graph)
        return Network(_structure(graph, include_self, weighted), list(range(graph.shape[0])),
                       include_self, weighted)
    import networkx as nx

    if isinstance(graph, nx.Graph):
        nodes = list(graph.nodes)
        if not nodes:
            raise OpinionSimError("graph is empty (0 nodes); it needs at least one node.")
        weighted = weight is not None and weight is not False
        if weighted:
            if not isinstance(weight, str):
                raise OpinionSimError(
                    f"weight == {weight!r}, must be the name of an edge attribute (a str) for a "
                    "networkx graph.")
            for u, v, data in graph.edges(data=True):
                if weight not in data:
                    raise OpinionSimError(
                        f"weight == {weight!r}, but the edge ({u!r}, {v!r}) has no such "
                        f"attribute (it has {sorted(data)!r}).")
        else:
            _warn_ignored_weights(graph)
        adj = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight=weight if weighted else None,
                                       format="csr")
        return Network(_structure(adj, include_self, weighted), nodes, include_self, weighted)
    raise OpinionSimError(
        f"graph is a {type(graph).__name__}, must be a networkx Graph/DiGraph or a square "
        "scipy.sparse adjacency."
    )


def _warn_ignored_weights(graph):
    if sp.issparse(graph):
        data = graph.data if hasattr(graph, "data") else sp.csr_array(graph).data
        varied = len(data) and (np.nanmin(data) != np.nanmax(data) or
                                not math.isclose(float(np.nanmax(data)), 1.0))
    else:
        varied = any("weight" in d for _, _, d in graph.edges(data=True))
    if varied:
        warnings.warn(
            "the graph carries edge weights, which are ignored: pass weight='weight' (networkx) "
            "or weight=True (scipy.sparse) to use them as prior trust.", UserWarning, stacklevel=4)


def _short(obj):
    return "None" if obj is None else f"<{type(obj).__name__}>"
