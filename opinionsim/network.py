"""Turn what the user passes as a network into a CSR adjacency and node labels.

Row ``i`` of the adjacency lists whom agent ``i`` listens to. A networkx edge
``u → v`` means *u listens to v*; an undirected edge means both ways. A square
``scipy.sparse`` matrix is taken as that adjacency directly (only its structure
counts), which is how to pass a million-agent network without networkx.
``n_agents`` alone means the complete graph, kept implicit as a
:class:`~opinionsim.engine.CompleteGraph`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._errors import OpinionSimError
from .engine import CompleteGraph

__all__ = ["Network", "build_network"]


@dataclass(frozen=True)
class Network:
    """A population's listening structure.

    Attributes
    ----------
    adjacency : scipy.sparse.csr_array or CompleteGraph
        Sorted CSR structure (``int`` indices), self-loops present exactly when
        ``include_self``.
    nodes : list
        Node labels; row ``i`` is ``nodes[i]``.
    include_self : bool
    """

    adjacency: object
    nodes: list
    include_self: bool

    @property
    def n(self) -> int:
        return len(self.nodes)

    @property
    def complete(self) -> bool:
        return isinstance(self.adjacency, CompleteGraph)


def _structure(csr, include_self):
    csr = sp.csr_array(csr, dtype=np.float64)
    csr.sum_duplicates()
    csr.eliminate_zeros()
    csr.data[:] = 1.0
    n = csr.shape[0]
    eye = sp.eye_array(n, format="csr", dtype=np.float64)
    if include_self:
        csr = ((csr + eye) > 0).astype(np.float64)
    else:
        csr = csr - csr.multiply(eye)
        csr.eliminate_zeros()
    csr = sp.csr_array(csr)
    csr.sort_indices()
    # int32 indices halve the memory traffic of every step while they fit.
    if csr.nnz < np.iinfo(np.int32).max:
        csr.indices = csr.indices.astype(np.int32, copy=False)
        csr.indptr = csr.indptr.astype(np.int64 if csr.nnz > 2**31 - 1 else np.int32, copy=False)
    return csr


def build_network(graph=None, n_agents=None, *, include_self=True) -> Network:
    """Build the :class:`Network` for ``OpinionModel(graph=..., n_agents=...)``.

    Parameters
    ----------
    graph : networkx.Graph or networkx.DiGraph or scipy.sparse matrix, optional
    n_agents : int, optional
        Complete graph on ``0 … n_agents − 1`` (exactly one of the two must be given).
    include_self : bool
        Whether each agent also listens to itself.

    Raises
    ------
    OpinionSimError
        Both or neither of ``graph`` and ``n_agents``; an empty graph; a
        non-square adjacency; an unsupported type.

    Examples
    --------
    >>> import networkx as nx
    >>> net = build_network(nx.path_graph(["a", "b", "c"]), include_self=False)
    >>> net.nodes, net.adjacency.toarray().astype(int).tolist()
    (['a', 'b', 'c'], [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
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
        return Network(CompleteGraph(int(n_agents), bool(include_self)),
                       list(range(int(n_agents))), bool(include_self))
    if sp.issparse(graph):
        if graph.ndim != 2 or graph.shape[0] != graph.shape[1]:
            raise OpinionSimError(f"graph adjacency has shape {graph.shape}, must be square (N, N).")
        if graph.shape[0] == 0:
            raise OpinionSimError("graph is empty (0 agents); it needs at least one node.")
        return Network(_structure(graph, include_self), list(range(graph.shape[0])),
                       bool(include_self))
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover - networkx is a dependency
        nx = None
    if nx is not None and isinstance(graph, nx.Graph):
        nodes = list(graph.nodes)
        if not nodes:
            raise OpinionSimError("graph is empty (0 nodes); it needs at least one node.")
        adj = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight=None, format="csr")
        return Network(_structure(adj, include_self), nodes, bool(include_self))
    raise OpinionSimError(
        f"graph is a {type(graph).__name__}, must be a networkx Graph/DiGraph or a square "
        "scipy.sparse adjacency."
    )


def _short(obj):
    return "None" if obj is None else f"<{type(obj).__name__}>"
