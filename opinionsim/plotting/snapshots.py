"""Snapshots of one model: opinion trajectories, the attention matrix, the network, echo chambers.

Every function takes a model (or its opinions), an optional ``ax``, and returns
the Axes (or the Figure when it draws several panels); none calls ``plt.show()``.
"""

from __future__ import annotations

import numpy as np

from .._errors import OpinionSimError
from ..metrics import opinion_clusters
from ..metrics._common import as_opinions, project
from ._style import fit_title, new_axes, pyplot, set_title

__all__ = ["opinion_trajectories", "attention_heatmap", "network_opinions",
           "echo_chamber_density"]


def _history_arrays(model_or_history):
    """``(steps, stack)`` with ``stack`` of shape ``(T, N, dim)`` from the accepted inputs."""
    hist = model_or_history
    if hasattr(hist, "opinion_history"):
        if hist.opinion_history is None:
            raise OpinionSimError(
                "opinion_trajectories needs the model's opinion history, which it did not "
                "keep: build the model with record_opinions=True."
            )
        hist = hist.opinion_history
    if isinstance(hist, np.ndarray):
        stack = hist if hist.ndim == 3 else hist[:, :, None]
        if stack.ndim != 3:
            raise OpinionSimError(
                f"opinion_trajectories got an array of shape {hist.shape}, must be "
                "(steps, n_agents) or (steps, n_agents, dim)."
            )
        return np.arange(len(stack)), stack
    try:
        steps = np.array([int(s) for s, _ in hist])
        arrays = [np.asarray(X, dtype=np.float64) for _, X in hist]
    except (TypeError, ValueError):
        raise OpinionSimError(
            "opinion_trajectories takes an OpinionModel built with record_opinions=True, its "
            "opinion_history (a list of (step, opinions)), or an array (steps, n_agents[, dim]); "
            f"got {type(model_or_history).__name__}."
        ) from None
    if not arrays:
        raise OpinionSimError("opinion_trajectories got an empty opinion history.")
    stack = np.stack([a if a.ndim == 2 else a[:, None] for a in arrays])
    return steps, stack


def opinion_trajectories(model_or_history, *, max_agents=300, snapshots=4, ax=None, seed=0):
    """Opinions over time: lines for 1-D opinions, scatter snapshots for 2-D and more.

    Parameters
    ----------
    model_or_history : OpinionModel, list of (step, ndarray), or ndarray
        A model built with ``record_opinions=True``, its ``opinion_history``,
        or an array of shape ``(steps, n_agents)`` / ``(steps, n_agents, dim)``.
    max_agents : int
        At most this many agents are drawn (a seeded random subset).
    snapshots : int
        For ``dim >= 2``: how many recorded times to show (first to last),
        in one panel each (the first two dimensions).
    ax : matplotlib.axes.Axes, optional
        For ``dim == 1`` the axes to draw on. For ``dim >= 2``, if given, all
        snapshots are overlaid on it, coloured by time.
    seed : int
        Seed of the subset drawn when there are more than ``max_agents``.

    Returns
    -------
    matplotlib.axes.Axes or matplotlib.figure.Figure
        The Axes for 1-D opinions or when ``ax`` is given; otherwise the
        Figure with one panel per snapshot.

    Examples
    --------
    >>> import numpy as np
    >>> hist = [(t, np.linspace(-1, 1, 5)[:, None] * 0.5 ** t) for t in range(4)]
    >>> opinion_trajectories(hist).get_xlabel()
    'step'
    """
    plt = pyplot()
    steps, stack = _history_arrays(model_or_history)
    n, dim = stack.shape[1], stack.shape[2]
    rows = np.arange(n)
    if n > max_agents:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=max_agents, replace=False))
    shown = stack[:, rows, :]
    if dim == 1:
        ax = new_axes(ax)
        final = shown[-1, :, 0]
        span = np.ptp(final) or 1.0
        cmap = plt.get_cmap("coolwarm")
        norm = (final - final.min()) / span
        alpha = min(0.8, max(0.3, 40.0 / len(rows)))
        for j in range(len(rows)):
            ax.plot(steps, shown[:, j, 0], color=cmap(norm[j]), lw=0.8, alpha=alpha)
        ax.set_xlabel("step")
        ax.set_ylabel("opinion (colour: final opinion)")
        set_title(ax, f"Opinion trajectories ({len(rows)} of {n} agents)")
        return ax
    pick = np.unique(np.linspace(0, len(steps) - 1, max(1, snapshots)).round().astype(int))
    lo, hi = shown[..., :2].min(), shown[..., :2].max()
    pad = 0.05 * (hi - lo or 1.0)
    if ax is not None:
        cmap = plt.get_cmap("viridis")
        for k, t in enumerate(pick):
            ax.scatter(shown[t, :, 0], shown[t, :, 1], s=8, alpha=0.6,
                       color=cmap(k / max(1, len(pick) - 1)), label=f"step {steps[t]}")
        ax.set_xlabel("opinion dimension 1")
        ax.set_ylabel("opinion dimension 2")
        set_title(ax, "Opinion snapshots")
        ax.legend(fontsize="small", frameon=False)
        return ax
    fig, axes = plt.subplots(1, len(pick), figsize=(3.0 * len(pick), 3.2), sharex=True,
                             sharey=True, layout="constrained", squeeze=False)
    for a, t in zip(axes[0], pick):
        a.scatter(shown[t, :, 0], shown[t, :, 1], s=8, alpha=0.6, color="tab:blue")
        set_title(a, f"step {steps[t]}")
        a.set_xlim(lo - pad, hi + pad)
        a.set_ylim(lo - pad, hi + pad)
        a.set_aspect("equal")
        a.set_xlabel("opinion dim 1")
    axes[0][0].set_ylabel("opinion dim 2")
    fig.suptitle(fit_title(f"Opinion snapshots ({len(rows)} of {n} agents)", fig))
    return fig


def _pc1(X):
    """One number per agent: its opinion (1-D), or its centred first principal component.

    The axis and its sign are those of :mod:`opinionsim.metrics` (``axis="pc1"``).
    """
    X = as_opinions(X)
    x = project(X, "pc1")
    return x - x.mean() if X.shape[1] > 1 else x


def _cluster_order(X, tol):
    """Row order grouping agents by opinion cluster, and the cluster sizes in that order."""
    labels = np.asarray(opinion_clusters(X, tol=tol))
    proj = _pc1(X)
    ids = np.unique(labels)
    centre = {c: proj[labels == c].mean() for c in ids}
    ranked = sorted(ids, key=lambda c: centre[c])
    rank = np.empty(labels.max() + 1, dtype=np.intp)
    rank[ranked] = np.arange(len(ranked))
    order = np.lexsort((proj, rank[labels]))
    sizes = np.bincount(rank[labels], minlength=len(ranked))
    return order, sizes


def attention_heatmap(model, *, head=None, tol=0.1, max_agents=400, ax=None, seed=0):
    """The attention matrix with agents sorted by opinion cluster: echo chambers show as blocks.

    Parameters
    ----------
    model : OpinionModel
    head : int, optional
        Which head (topic); default: the only head, or the mean over heads.
    tol : float
        Opinion distance that links two agents into one cluster
        (:func:`opinionsim.metrics.opinion_clusters`).
    max_agents : int
        At most this many agents (a seeded random subset, rows and columns) are drawn.
    ax : matplotlib.axes.Axes, optional
    seed : int
        Seed of the subset.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from opinionsim import OpinionModel
    >>> m = OpinionModel(n_agents=20, temperature=0.05, affinity="distance", seed=1)
    >>> m.run(10)
    >>> attention_heatmap(m).get_xlabel()
    'speaker (sorted by opinion cluster)'
    """
    import matplotlib.colors as mcolors
    A = model.attention(head)
    X = np.asarray(model.opinions)
    if head is not None:  # cluster by the head's own topic
        X = X[:, np.asarray(model.rule.heads[head])]
    n = X.shape[0]
    rows = np.arange(n)
    if n > max_agents:
        rows = np.sort(np.random.default_rng(seed).choice(n, size=max_agents, replace=False))
    sub = A[rows][:, rows].toarray() if hasattr(A, "toarray") else np.asarray(A)[np.ix_(rows, rows)]
    order, sizes = _cluster_order(X[rows], tol)
    M = sub[np.ix_(order, order)]
    ax = new_axes(ax, figsize=(5.6, 4.8))
    positive = M[M > 0]
    vmin = max(positive.min(), positive.max() * 1e-4) if positive.size else 1e-6
    vmax = positive.max() if positive.size else 1.0
    im = ax.imshow(np.where(M > 0, M, np.nan), cmap="magma_r", interpolation="nearest",
                   norm=mcolors.LogNorm(vmin=vmin, vmax=max(vmax, vmin * 10)))
    ax.figure.colorbar(im, ax=ax, label="attention weight $A_{ij}$ (log scale)", shrink=0.85)
    for edge in np.cumsum(sizes)[:-1]:
        ax.axhline(edge - 0.5, color="tab:blue", lw=0.6, alpha=0.7)
        ax.axvline(edge - 0.5, color="tab:blue", lw=0.6, alpha=0.7)
    ax.set_xlabel("speaker (sorted by opinion cluster)")
    ax.set_ylabel("listener (sorted by opinion cluster)")
    set_title(ax, f"Attention at step {model.steps}: {len(sizes)} opinion cluster(s)")
    return ax


def network_opinions(model, *, pos=None, layout_seed=0, max_agents=500, ax=None):
    """The listening network drawn with each agent coloured by its opinion.

    Parameters
    ----------
    model : OpinionModel
    pos : dict, optional
        Node positions ``{node: (x, y)}``; default: a seeded spring layout.
    layout_seed : int
        Seed of the spring layout.
    max_agents : int
        Networks larger than this are refused (a drawing of them is unreadable).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    OpinionSimError
        If the model has more than ``max_agents`` agents.

    Examples
    --------
    >>> import networkx as nx
    >>> from opinionsim import OpinionModel
    >>> m = OpinionModel(graph=nx.cycle_graph(8), seed=0)
    >>> network_opinions(m).get_title().startswith("Network")
    True
    """
    import networkx as nx
    n = model.n_agents
    if n > max_agents:
        raise OpinionSimError(
            f"network_opinions: the model has {n} agents, more than max_agents == {max_agents}; "
            "raise max_agents to draw it anyway."
        )
    adj = model.network.adjacency
    csr = adj.to_csr() if hasattr(adj, "to_csr") else adj
    G = nx.from_scipy_sparse_array(csr)
    G.remove_edges_from(nx.selfloop_edges(G))
    if pos is None:
        pos = nx.spring_layout(G, seed=layout_seed)
    else:
        pos = {i: pos[node] for i, node in enumerate(model.nodes)}
    values = _pc1(model.opinions)
    ax = new_axes(ax, figsize=(5.6, 4.8))
    nx.draw_networkx_edges(G, pos, ax=ax, width=0.4, alpha=0.25)
    lim = np.max(np.abs(values)) or 1.0
    nodes = nx.draw_networkx_nodes(G, pos, ax=ax, nodelist=list(range(n)), node_size=18,
                                   node_color=values, cmap="coolwarm", vmin=-lim, vmax=lim,
                                   linewidths=0)
    label = "opinion" if model.dim == 1 else "opinion (first principal component)"
    ax.figure.colorbar(nodes, ax=ax, label=label, shrink=0.85)
    set_title(ax, f"Network coloured by opinion (step {model.steps}, {n} agents)")
    ax.set_axis_off()
    return ax


def echo_chamber_density(X, adjacency, *, bins=40, ax=None, null_samples=100, seed=0):
    """Each agent's opinion against the mean opinion of whom it listens to (Cinelli et al. 2021).

    Points on the diagonal are agents surrounded by like-minded neighbours;
    two dense blobs in opposite corners are the echo-chamber signature,
    one blob at the centre is consensus. Multi-dimensional opinions are
    projected on their first principal component. The title reports the
    scale-aware :func:`~opinionsim.metrics.echo_chamber_index` and its z
    against ``null_samples`` shuffles of the opinions (not Pearson's r, which
    reads 1 at a converged consensus): a diagonal of nearly equal opinions is
    no echo chamber.

    Parameters
    ----------
    X : ndarray, shape (n_agents,) or (n_agents, dim)
    adjacency : scipy.sparse array, networkx graph or CompleteGraph
        Row ``i`` lists whom agent ``i`` listens to (self-loops are ignored).
    bins : int
        Bins per axis of the 2-D histogram.
    ax : matplotlib.axes.Axes, optional
    null_samples : int
        Shuffles behind the z in the title (0: no null, no z).
    seed : int
        Seeds the shuffles.

    Returns
    -------
    matplotlib.axes.Axes

    References
    ----------
    .. [1] M. Cinelli, G. De Francisci Morales, A. Galeazzi, W. Quattrociocchi and
       M. Starnini, "The echo chamber effect on social media", PNAS 118(9), 2021.

    Examples
    --------
    >>> import numpy as np, networkx as nx
    >>> x = np.r_[np.full(10, -1.0), np.full(10, 1.0)]
    >>> g = nx.disjoint_union(nx.complete_graph(10), nx.complete_graph(10))
    >>> echo_chamber_density(x, g).get_xlabel()
    'opinion $x_i$'
    """
    import matplotlib as mpl
    import matplotlib.colors as mcolors
    import networkx as nx
    import scipy.sparse as sp

    x = _pc1(np.asarray(X, dtype=np.float64))
    n = len(x)
    if isinstance(adjacency, nx.Graph):
        csr = nx.to_scipy_sparse_array(adjacency, weight=None, format="csr")
    elif hasattr(adjacency, "to_csr"):
        csr = adjacency.to_csr()
    else:
        csr = sp.csr_array(adjacency)
    if csr.shape != (n, n):
        raise OpinionSimError(
            f"echo_chamber_density: adjacency has shape {csr.shape}, must be ({n}, {n}) "
            "to match the opinions."
        )
    csr = sp.csr_array(csr, dtype=np.float64)
    csr.setdiag(0)
    csr.eliminate_zeros()
    csr.data[:] = 1.0
    deg = np.asarray(csr.sum(axis=1)).ravel()
    has = deg > 0
    neigh = np.full(n, np.nan)
    neigh[has] = (csr @ x)[has] / deg[has]
    xs, ys = x[has], neigh[has]
    ax = new_axes(ax, figsize=(5.2, 4.6))
    lo, hi = min(xs.min(), ys.min()), max(xs.max(), ys.max())
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    # Few agents spread over many bins would show as isolated pixels.
    bins = int(min(bins, max(8, np.sqrt(len(xs)))))
    edges = np.linspace(lo, hi, bins + 1)
    H, xe, ye = np.histogram2d(xs, ys, bins=[edges, edges])
    im = ax.pcolormesh(xe, ye, np.where(H > 0, H, np.nan).T, cmap="viridis",
                       norm=mcolors.LogNorm(vmin=1, vmax=max(H.max(), 2)))
    cbar = ax.figure.colorbar(im, ax=ax, label="agents per cell (log scale)", shrink=0.85)
    cbar.formatter = mpl.ticker.LogFormatter(labelOnlyBase=False)
    cbar.update_ticks()
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")
    from ..metrics import echo_chamber_index, null_model

    listening = csr - csr.multiply(sp.eye_array(n, format="csr"))
    listening = sp.csr_array(listening)
    listening.eliminate_zeros()
    Xa = np.asarray(X, dtype=np.float64).reshape(n, -1)
    if null_samples:
        res = null_model("echo_chamber_index", Xa, listening, n_samples=null_samples, rng=seed)
        note = f"echo-chamber index {res.observed:.3g} (z = {res.z:.1f} vs shuffled)"
    else:
        note = f"echo-chamber index {echo_chamber_index(Xa, listening):.3g}"
    ax.set_xlabel("opinion $x_i$")
    ax.set_ylabel("mean opinion of neighbours $x_i^N$")
    set_title(ax, f"Opinion vs neighbourhood: {note}")
    return ax


