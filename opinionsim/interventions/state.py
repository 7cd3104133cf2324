"""Interventions on the state: pinned opinions, cut ties, moved outside sources."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .._errors import OpinionSimError
from ..network import MAX_MATERIALISED_AGENTS, csr_without_edges

from .base import (Intervention, _find, _node_tuple, _is_numeric, _sized, _short, _short_list)


@dataclass(frozen=True, eq=False, repr=False)
class Pin(Intervention):
    """do(x_i = opinion, for good): make agents zealots holding ``opinion`` from now on.

    Replaces the update of the pinned agents by "keep this opinion": their rows
    are set to ``opinion`` and marked fixed, so no later step (noise included)
    moves them. They still speak: others attend to them as before.

    ``initial_opinions`` (the Friedkin–Johnsen anchors) are left alone: a
    zealot never updates, so its anchor is never used, and ``initial_opinions``
    stays the record of step 0.

    Parameters
    ----------
    nodes : collection of node labels
    opinion : float or array of shape (dim,)
        A scalar is broadcast to every dimension. With
        ``opinion_space="sphere"`` it is rescaled to unit norm, as the model
        does with initial opinions.

    Raises
    ------
    OpinionSimError
        At construction for an empty or non-collection ``nodes`` or a
        non-finite opinion; at application for an unknown node or an opinion
        whose length is not the model's ``dim``.

    Examples
    --------
    >>> from opinionsim import OpinionModel
    >>> m = OpinionModel(n_agents=4, seed=0, noise=0.1)
    >>> m.do(Pin([3], opinion=0.5)); m.run(3)
    >>> float(m.opinions[3, 0])
    0.5
    """

    models = ("OpinionModel", "ActivityDrivenModel")

    nodes: tuple
    opinion: object

    def __post_init__(self):
        object.__setattr__(self, "nodes", _node_tuple("nodes", self.nodes))
        opinion = self.opinion
        arr = np.asarray(opinion, dtype=np.float64) if _is_numeric(opinion) else None
        if arr is None or arr.ndim > 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
            raise OpinionSimError(
                f"opinion == {opinion!r}, must be a finite real number or a 1-D array of "
                "finite reals (one per opinion dimension)."
            )
        value = float(arr) if arr.ndim == 0 else tuple(float(v) for v in arr)
        object.__setattr__(self, "opinion", value)

    def _check(self, model):
        model.rows_of(self.nodes)
        if isinstance(self.opinion, tuple) and len(self.opinion) != model.dim:
            raise OpinionSimError(
                f"opinion has {len(self.opinion)} values, but the model has dim == {model.dim}; "
                "give one value per dimension or a scalar."
            )

    def _prepare(self, model, state):
        rows = model.rows_of(self.nodes)
        value = np.broadcast_to(np.asarray(self.opinion, dtype=np.float64), (model.dim,)).copy()
        if state.rule.opinion_space == "sphere":
            norm = np.linalg.norm(value)
            if norm == 0:
                raise OpinionSimError(
                    f"opinion == {self.opinion!r} is the zero vector, which has no direction "
                    "on the sphere (opinion_space='sphere')."
                )
            value /= norm
        fixed = np.zeros(model.n_agents, dtype=bool) if state.rule.fixed is None \
            else state.rule.fixed.copy()
        fixed[rows] = True
        rule = state.rule.replace(fixed=fixed)
        X = state.opinions.copy()
        X[rows] = value
        return dataclasses.replace(state, rule=rule, opinions=X)

    def __repr__(self):
        return f"Pin(nodes={_short_list(self.nodes)}, opinion={_short(self.opinion)})"


@dataclass(frozen=True, eq=False, repr=False)
class CutTies(Intervention):
    """do(i stops listening to j): remove listening ties from the network.

    Replaces the neighbourhoods over which agents attend; weights, opinions and
    everything else stay as they were. Give exactly one of:

    - ``edges``: ``(u, v)`` node-label pairs, each meaning *u stops listening
      to v*. Exactly the listed directed ties are cut; with
      ``symmetric=True`` the reverse tie ``v → u`` is cut too. Every listed
      tie must exist (with ``symmetric=True``: at least one of its two
      directions), else :class:`~opinionsim.OpinionSimError` names it. An
      agent's tie to itself (present when ``include_self=True``) is cut only
      if listed as ``(u, u)``.
    - ``where``: a rule evaluated on the opinions at the time of the
      intervention, called once as ``where(x_listener, x_speaker)`` with two
      arrays of shape ``(n_ties, dim)``: row ``e`` holds the opinions of the
      listener and the speaker of tie ``e``. It returns a boolean array of
      shape ``(n_ties,)``, True for the ties to cut. Agents' ties to
      themselves are never passed to the cut unless ``self_ties=True``.

    A complete graph (``OpinionModel(n_agents=N)``) is turned into an explicit
    list of its ``N²`` ties first, for ``N`` up to
    :data:`MAX_MATERIALISED_AGENTS`; the model then runs on the sparse path.
    An intervention with a ``where`` callable pickles only if the callable
    does (a module-level function, not a lambda), which
    :func:`~opinionsim.causal.causal_effect` needs for ``n_jobs > 1``.

    Parameters
    ----------
    edges : collection of (u, v) pairs, optional
    where : callable ``(x_listener, x_speaker) -> bool array``, optional
    symmetric : bool
        With ``edges``: also cut each reverse tie.
    self_ties : bool
        With ``where``: let it cut agents' ties to themselves too.

    Raises
    ------
    OpinionSimError
        At construction for both or neither of ``edges`` and ``where``, or a
        malformed pair; at application for an unknown node, a tie that does
        not exist, a ``where`` that fails or returns anything but a boolean
        array of shape ``(n_ties,)``, or a complete graph above
        :data:`MAX_MATERIALISED_AGENTS`.

    Examples
    --------
    Cut every tie between agents whose opinions differ in sign:

    >>> from opinionsim import OpinionModel
    >>> m = OpinionModel(n_agents=6, seed=1)
    >>> m.do(CutTies(where=lambda xi, xj: xi[:, 0] * xj[:, 0] < 0))
    >>> A = m.network.adjacency.toarray() > 0
    >>> sign = m.opinions[:, 0] > 0
    >>> bool(np.all(A == (sign[:, None] == sign[None, :])))
    True
    """

    edges: tuple = None
    where: object = None
    symmetric: bool = False
    self_ties: bool = False

    def __post_init__(self):
        if (self.edges is None) == (self.where is None):
            raise OpinionSimError(
                "CutTies needs exactly one of edges (a list of (u, v) pairs: u stops listening "
                "to v) and where (a callable (x_listener, x_speaker) -> bool array); got "
                f"edges={self.edges!r}, where={self.where!r}."
            )
        if self.where is not None:
            if not callable(self.where):
                raise OpinionSimError(
                    f"where == {self.where!r}, must be a callable "
                    "(x_listener, x_speaker) -> bool array over the ties."
                )
            if self.symmetric:
                raise OpinionSimError("symmetric=True applies to edges; a where rule sees "
                                      "both directions of a tie anyway.")
        else:
            if self.self_ties:
                raise OpinionSimError("self_ties=True applies to where; with edges, list "
                                      "(u, u) to cut u's tie to itself.")
            pairs = []
            for pair in _node_tuple("edges", self.edges):
                if isinstance(pair, (str, bytes)) or not _sized(pair) or len(pair) != 2:
                    raise OpinionSimError(
                        f"edges contains {pair!r}, must be a (u, v) pair of node labels "
                        "(u stops listening to v)."
                    )
                pairs.append(tuple(pair))
            object.__setattr__(self, "edges", tuple(pairs))
        object.__setattr__(self, "symmetric", bool(self.symmetric))
        object.__setattr__(self, "self_ties", bool(self.self_ties))

    def _check(self, model):
        if self.edges is not None:
            model.rows_of([u for u, _ in self.edges] + [v for _, v in self.edges])
        if model.network.complete and model.n_agents > MAX_MATERIALISED_AGENTS:
            raise OpinionSimError(
                f"CutTies on the complete graph of {model.n_agents} agents would list its "
                f"{model.n_agents ** 2} ties explicitly; that is refused above "
                f"{MAX_MATERIALISED_AGENTS} agents (MAX_MATERIALISED_AGENTS). Build the model "
                "from a sparse graph (graph=...) to cut ties in a large population."
            )

    def _prepare(self, model, state):
        n = model.n_agents
        # The model's own structure comes from its Network (a complete graph materialised
        # there); an earlier member of a Compose may already have replaced it.
        csr = model.network.csr() if state.adjacency is model.network.adjacency \
            else state.adjacency
        indices = csr.indices
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.indptr))
        if self.edges is not None:
            cut = self._listed(model, rows, indices, n)
        else:
            cut = self._matched(state, rows, indices)
        return dataclasses.replace(state, adjacency=csr_without_edges(csr, cut, rows))

    def _listed(self, model, rows, indices, n):
        u = model.rows_of([p[0] for p in self.edges]).astype(np.int64)
        v = model.rows_of([p[1] for p in self.edges]).astype(np.int64)
        keys = rows * n + indices  # sorted: CSR is sorted by row, then column
        forward, has_forward = _find(keys, u * n + v)
        cut = np.zeros(len(keys), dtype=bool)
        cut[forward[has_forward]] = True
        missing = ~has_forward
        if self.symmetric:
            backward, has_backward = _find(keys, v * n + u)
            cut[backward[has_backward]] = True
            missing &= ~has_backward
        if np.any(missing):
            k = int(np.argmax(missing))
            a, b = self.edges[k]
            what = f"neither {a!r} → {b!r} nor {b!r} → {a!r} exists" if self.symmetric \
                else f"{a!r} does not listen to {b!r}"
            raise OpinionSimError(
                f"CutTies cannot cut the tie ({a!r}, {b!r}): {what} in the model's network "
                "(or an earlier intervention already cut it)."
            )
        return cut

    def _matched(self, state, rows, indices):
        X = state.opinions
        try:
            mask = self.where(X[rows], X[indices])
        except Exception as exc:
            raise OpinionSimError(
                f"CutTies' where callable failed with {type(exc).__name__}: {exc}. It is called "
                f"as where(x_listener, x_speaker) with two arrays of shape ({len(rows)}, "
                f"{X.shape[1]}) and must return a bool array of shape ({len(rows)},)."
            ) from exc
        mask = np.asarray(mask)
        if mask.dtype != np.bool_ or mask.shape != (len(rows),):
            raise OpinionSimError(
                f"CutTies' where callable returned an array of dtype {mask.dtype} and shape "
                f"{mask.shape}, must return a bool array of shape ({len(rows)},) (one per tie)."
            )
        if not self.self_ties:
            mask = mask & (rows != indices)
        return mask

    def __repr__(self):
        if self.where is not None:
            name = getattr(self.where, "__qualname__", None) or repr(self.where)
            extra = ", self_ties=True" if self.self_ties else ""
            return f"CutTies(where={name}{extra})"
        extra = ", symmetric=True" if self.symmetric else ""
        return f"CutTies(edges={_short_list(self.edges)}{extra})"


@dataclass(frozen=True, eq=False, repr=False)
class SetSource(Intervention):
    """do(source s says x): move an outside source's opinion from now on.

    Replaces source ``source``'s opinion (its key and value) for every later
    step, whatever its schedule said; the audience, the agents and the random
    numbers stay as they were.

    Parameters
    ----------
    source : int
        Its index in the model's :class:`~opinionsim.SourceSet`.
    opinion : float or array of shape (dim,)

    Examples
    --------
    >>> SetSource(0, opinion=[1.0, 0.0])
    SetSource(0, opinion=[1.0, 0.0])
    """

    source: int
    opinion: object

    def __post_init__(self):
        if isinstance(self.source, bool) or not isinstance(self.source, (int, np.integer)) \
                or self.source < 0:
            raise OpinionSimError(f"source == {self.source!r}, must be an integer >= 0.")
        arr = np.asarray(self.opinion, dtype=np.float64) if _is_numeric(self.opinion) else None
        if arr is None or arr.ndim > 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
            raise OpinionSimError(
                f"opinion == {self.opinion!r}, must be a finite number or a 1-D array of "
                "finite numbers (one per opinion dimension).")
        object.__setattr__(self, "source", int(self.source))
        object.__setattr__(self, "opinion", float(arr) if arr.ndim == 0
                           else tuple(float(v) for v in arr))

    def _check(self, model):
        if model.sources is None:
            raise OpinionSimError(f"{self!r}: the model has no sources "
                                  "(OpinionModel(sources=SourceSet(...))).")
        if isinstance(self.opinion, tuple) and len(self.opinion) != model.dim:
            raise OpinionSimError(
                f"opinion has {len(self.opinion)} values, but the model has dim == {model.dim}.")

    def _prepare(self, model, state):
        value = np.broadcast_to(np.asarray(self.opinion, dtype=np.float64), (model.dim,))
        return dataclasses.replace(state, sources=state.sources.moved(self.source, value))

    def __repr__(self):
        return f"SetSource({self.source}, opinion={_short(self.opinion)})"
