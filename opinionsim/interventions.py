"""Causal do-interventions on the update rule: small, immutable and composable.

An agent-based model is a structural causal model whose mechanism is the
update rule. An intervention replaces one part of that mechanism (the softmax
temperature, the affinity, the weighting rule, who listens to whom, which
agents are zealots, how stubborn agents are, how loud a key may be) and leaves
everything else as it was, the random numbers the model will draw included
(see :mod:`opinionsim.causal`).

Apply one now with ``model.do(intervention)``, or schedule them with
``OpinionModel(..., interventions={step: intervention})``. Either way the
model logs ``(step, intervention)`` in ``model.interventions_applied``. An
intervention applied at step ``t`` acts after step ``t`` has been recorded, so
the DataCollector row for step ``t`` shows the world before it and step
``t + 1`` is the first one under the new mechanism.

Every intervention validates everything against the model first (node labels,
edges, the new :class:`~opinionsim.rules.UpdateRule`) and only then swaps the
new state in, with assignments that cannot fail. A rejected intervention
raises :class:`~opinionsim.OpinionSimError` and leaves the model exactly as it
was; :class:`Compose` validates each member against the state the earlier
members would leave and commits all of them at once, or none. No intervention
writes into the model's existing arrays: new opinions, rules and adjacencies
are new objects.

Each intervention declares the models it applies to (its ``models``, class
names) and refuses any other by name, e.g. ``SetAffinity applies to
OpinionModel, not ActivityDrivenModel``. :class:`~opinionsim.ActivityDrivenModel`
accepts :class:`Pin`, :class:`SetHomophily`, :class:`SetControversialness`,
:class:`SetSocialInfluence` and a :class:`Compose` of them; the others change
parts of the attention model it does not have (a temperature, an affinity, a
fixed network to cut ties in).

Examples
--------
>>> from opinionsim import OpinionModel
>>> m = OpinionModel(n_agents=6, temperature=1.0, seed=0)
>>> m.run(2)
>>> m.do(Compose(SetTemperature(0.1), Pin([0, 1], opinion=1.0)))
>>> m.temperature, m.zealots
(0.1, [0, 1])
>>> m.interventions_applied
[(2, Compose(SetTemperature(0.1), Pin(nodes=[0, 1], opinion=1.0)))]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ._errors import OpinionSimError
from ._validation import check_choice, check_real, is_iterable
from .dynamics import AFFINITIES, PARAMETERS, WEIGHTING_RULES, rule_parameters
from .network import MAX_MATERIALISED_AGENTS, csr_without_edges

__all__ = [
    "Intervention",
    "SetTemperature",
    "SetAffinity",
    "SetRule",
    "Pin",
    "CutTies",
    "ClipKeyNorm",
    "SetStubbornness",
    "SetSource",
    "AblateHead",
    "SetHomophily",
    "SetControversialness",
    "SetSocialInfluence",
    "Compose",
    "MAX_MATERIALISED_AGENTS",
]

#: UpdateRule fields that :class:`SetRule` may change (read from the parameter table).
#: ``fixed`` belongs to :class:`Pin`; switching ``opinion_space`` mid-run would leave
#: the current opinions off the new space; ``rule`` is SetRule's first argument.
RULE_PARAMS = tuple(name for name in rule_parameters() if PARAMETERS[name].public
                    and name not in ("rule", "opinion_space"))


@dataclass(frozen=True)
class _State:
    """The pieces of a model an intervention may replace (never mutated in place)."""

    rule: object
    opinions: np.ndarray
    adjacency: object
    sources: object = None

    @classmethod
    def of(cls, model):
        return cls(model.rule, model._X, model.network.adjacency, model.sources)


class Intervention:
    """Base class: an immutable change to a model's mechanism.

    A subclass is a frozen dataclass (``@dataclass(frozen=True, eq=False)``;
    equality and hashing come from its fields) that implements
    ``_prepare(model, state) -> state``: validate against ``state`` (which
    has ``rule``, ``opinions`` and ``adjacency``, possibly already changed by
    earlier members of a :class:`Compose`) and return a new state with
    ``dataclasses.replace``, never writing into the model or into ``state``'s
    arrays. Optionally ``_check(model)`` validates what does not depend on the
    state (node labels, lengths), also for scheduled interventions at model
    construction.

    Each intervention declares the models it accepts in :attr:`models` (class
    names; a subclass of a named model is accepted too); any other model is
    refused, by name, before anything else is checked.
    """

    #: Names of the model classes this intervention applies to.
    models = ("OpinionModel",)

    def apply(self, model):
        """Validate against ``model``, then change it; use ``model.do(...)`` to also log it.

        Raises
        ------
        OpinionSimError
            If the intervention does not fit the model; the model is then unchanged.
        """
        self._check_model(model)
        self._check(model)
        before = _State.of(model)
        after = self._prepare(model, before)
        model._set_state(
            rule=None if after.rule is before.rule else after.rule,
            opinions=None if after.opinions is before.opinions else after.opinions,
            adjacency=None if after.adjacency is before.adjacency else after.adjacency,
            sources=None if after.sources is before.sources else after.sources,
        )

    def _check_model(self, model):
        """Refuse a model this intervention does not apply to (see :attr:`models`)."""
        if not {cls.__name__ for cls in type(model).__mro__} & set(self.models):
            raise OpinionSimError(
                f"{type(self).__name__} applies to {' and '.join(self.models)}, not "
                f"{type(model).__name__}.")

    def _check(self, model):
        """State-independent validation against ``model`` (also run for scheduled ones)."""

    def _prepare(self, model, state):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _key(self):
        return tuple(_freeze(getattr(self, f.name)) for f in dataclasses.fields(self))

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash((type(self).__name__, self._key()))


@dataclass(frozen=True, eq=False, repr=False)
class SetTemperature(Intervention):
    """do(temperature = t): replace the softmax temperature of the attention rule.

    Replaces ``T`` in ``A_ij = softmax_j(S_ij / T)``, for every agent or for the
    named ``agents`` only (the others keep theirs); affinities, the network,
    every agent's state and the random numbers stay as they were. Setting the
    current temperature changes nothing, bit for bit.

    Parameters
    ----------
    temperature : float in (0, inf], or array of shape (N,)
        ``float('inf')`` gives uniform attention (DeGroot). An array gives
        each agent its own (heterogeneous open-mindedness), in row order, or
        one per name in ``agents``.
    agents : collection of node labels, optional
        Only these agents' temperature changes.

    Raises
    ------
    OpinionSimError
        At construction for a temperature ``<= 0``, NaN or a non-number; at
        application for an unknown agent, an array of the wrong length, or
        when the model's rule ignores the temperature (uniform and
        bounded-confidence weights; use ``SetRule("attention", temperature=t)``).

    Examples
    --------
    >>> SetTemperature(0.1)
    SetTemperature(0.1)
    >>> SetTemperature(0.05, agents=[0, 1])
    SetTemperature(0.05, agents=[0, 1])
    >>> SetTemperature(-1)
    Traceback (most recent call last):
    ...
    opinionsim._errors.OpinionSimError: temperature == -1.0, must be in (0, inf]. ...
    """

    temperature: object
    agents: tuple = None

    def __post_init__(self):
        value = PARAMETERS["temperature"].check(self.temperature)
        object.__setattr__(self, "temperature", value)
        if self.agents is not None:
            object.__setattr__(self, "agents", _node_tuple("agents", self.agents))
            if isinstance(value, np.ndarray) and value.shape != (len(self.agents),):
                raise OpinionSimError(
                    f"temperature has shape {value.shape}, must be a scalar or one value per "
                    f"name in agents ({len(self.agents)},).")

    def _check(self, model):
        if self.agents is not None:
            model.rows_of(self.agents)
        elif isinstance(self.temperature, np.ndarray) \
                and self.temperature.shape != (model.n_agents,):
            raise OpinionSimError(
                f"temperature has shape {self.temperature.shape}, must be a scalar or "
                f"({model.n_agents},) (one per agent, in row order).")

    def _prepare(self, model, state):
        _require_use(self, state.rule, "temperature")
        value = self.temperature
        if self.agents is not None:
            current = np.broadcast_to(np.asarray(state.rule.temperature, dtype=np.float64),
                                      (model.n_agents,))
            new = current.copy()
            new[model.rows_of(self.agents)] = value
            value = float(new[0]) if np.all(new == new[0]) else new
        return dataclasses.replace(state, rule=state.rule.replace(temperature=value))

    def __repr__(self):
        extra = "" if self.agents is None else f", agents={_short_list(self.agents)}"
        return f"SetTemperature({_short(self.temperature)}{extra})"


@dataclass(frozen=True, eq=False, repr=False)
class SetAffinity(Intervention):
    """do(affinity = kind): replace how a listener scores a speaker.

    Replaces ``S_ij``: ``"dot"`` (⟨x_i, k_j⟩/√dim), ``"cosine"`` or
    ``"distance"`` (−‖x_i − k_j‖²). Everything else stays as it was.

    Parameters
    ----------
    kind : {"dot", "cosine", "distance"}

    Raises
    ------
    OpinionSimError
        At construction for an unknown kind; at application when the model's
        rule is not ``"attention"`` (the other rules ignore the affinity).

    Examples
    --------
    >>> SetAffinity("cosine")
    SetAffinity('cosine')
    """

    kind: str

    def __post_init__(self):
        check_choice("kind", self.kind, AFFINITIES)

    def _prepare(self, model, state):
        _require_use(self, state.rule, "affinity")
        return dataclasses.replace(state, rule=state.rule.replace(affinity=self.kind))

    def __repr__(self):
        return f"SetAffinity({self.kind!r})"


@dataclass(frozen=True, eq=False, repr=False, init=False)
class SetRule(Intervention):
    """do(rule = ...): replace the weighting rule, and optionally its parameters.

    Replaces how attention weights are formed: ``"attention"`` (softmax of
    affinity / temperature), ``"uniform"`` (equal weights: DeGroot averaging)
    or ``"bounded_confidence"`` (equal weights over neighbours within
    ``confidence``: Hegselmann–Krause). ``params`` replace further
    :class:`~opinionsim.rules.UpdateRule` fields at the same time; fields not
    named keep their current values (so ``SetRule("bounded_confidence")`` is
    valid on a model that already has a ``confidence``).

    Parameters
    ----------
    rule : {"attention", "uniform", "bounded_confidence"}
    **params
        Any of ``temperature``, ``affinity``, ``confidence``, ``step_size``,
        ``stubbornness``, ``noise``, ``salience``, ``key_norm_clip``,
        ``heads``, with the meaning and ranges of
        :class:`~opinionsim.OpinionModel`'s arguments. Per-agent arrays are in
        the model's row order.

    Raises
    ------
    OpinionSimError
        At construction for an unknown rule, an unknown parameter name (the
        message lists the valid ones) or an out-of-range scalar; at application
        for anything the new :class:`~opinionsim.rules.UpdateRule` rejects
        (e.g. ``"bounded_confidence"`` with no ``confidence`` anywhere).

    Examples
    --------
    >>> SetRule("bounded_confidence", confidence=0.3)
    SetRule('bounded_confidence', confidence=0.3)
    >>> SetRule("uniform", temprature=1.0)
    Traceback (most recent call last):
    ...
    opinionsim._errors.OpinionSimError: SetRule got unknown parameter 'temprature'; valid: ...
    """

    rule: str
    params: tuple

    def __init__(self, rule, **params):
        check_choice("rule", rule, WEIGHTING_RULES)
        for name in params:
            if name not in RULE_PARAMS:
                raise OpinionSimError(
                    f"SetRule got unknown parameter {name!r}; valid: {', '.join(RULE_PARAMS)}."
                )
        frozen = {}
        for name, value in params.items():
            if name == "heads":
                value = _frozen_heads(value)
            elif PARAMETERS[name].per_agent and np.ndim(value) > 0:
                value = _readonly(np.asarray(value, dtype=np.float64))
            # Values are checked now, with the table's own messages; per-agent arrays and
            # heads are checked against the population when applied.
            if not isinstance(value, np.ndarray) and name != "heads":
                value = PARAMETERS[name].check(value)
            frozen[name] = value
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "params", tuple(frozen.items()))

    def _check(self, model):
        n, dim = model.n_agents, model.dim
        for name, value in self.params:
            if isinstance(value, np.ndarray) and value.shape != (n,):
                raise OpinionSimError(
                    f"{name} has shape {value.shape}, must be a scalar or an array of shape "
                    f"({n},) (one value per agent)."
                )
            if name == "heads":
                bad = [d for h in value for d in h if not 0 <= d < dim]
                if bad:
                    raise OpinionSimError(
                        f"heads names dimension {bad[0]!r}, which does not exist: dimensions "
                        f"are 0 … {dim - 1}."
                    )

    def _prepare(self, model, state):
        params = {k: (list(map(list, v)) if k == "heads" else v) for k, v in self.params}
        return dataclasses.replace(state, rule=state.rule.replace(rule=self.rule, **params))

    def __repr__(self):
        args = [repr(self.rule)] + [f"{k}={_short(v)}" for k, v in self.params]
        return f"SetRule({', '.join(args)})"


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
class ClipKeyNorm(Intervention):
    """do(‖k_j‖ ≤ max_norm): replace the keys by keys rescaled to at most ``max_norm``.

    Replaces ``k_j = salience_j · x_j`` by the same key rescaled to norm
    ``max_norm`` where it is longer: the defence against loud agents hijacking
    attention. Opinions (the values that are averaged) are not clipped.

    Parameters
    ----------
    max_norm : float > 0

    Examples
    --------
    >>> ClipKeyNorm(1.0)
    ClipKeyNorm(1.0)
    """

    max_norm: float

    def __post_init__(self):
        object.__setattr__(self, "max_norm",
                           check_real("max_norm", self.max_norm, low=0, low_open=True))

    def _prepare(self, model, state):
        return dataclasses.replace(state, rule=state.rule.replace(key_norm_clip=self.max_norm))

    def __repr__(self):
        return f"ClipKeyNorm({self.max_norm!r})"


@dataclass(frozen=True, eq=False, repr=False)
class SetStubbornness(Intervention):
    """do(s_i = value): replace the Friedkin–Johnsen anchoring weights.

    Replaces ``s_i`` in ``x_i ← s_i·x_i(0) + (1 − s_i)·[…]``. The anchor is the
    agent's *initial* opinion (``model.initial_opinions``), not its opinion at
    the time of the intervention.

    Parameters
    ----------
    values : float, array of shape (N,), or dict {node: float}
        All in [0, 1]. A scalar sets every agent; an array sets every agent,
        in row order; a dict sets the named agents and leaves the others as
        they are.

    Examples
    --------
    >>> SetStubbornness({0: 0.5, 3: 1.0})
    SetStubbornness({0: 0.5, 3: 1.0})
    """

    values: object

    def __post_init__(self):
        values = self.values
        if isinstance(values, Mapping):
            if not values:
                raise OpinionSimError("stubbornness dict is empty; name at least one node.")
            frozen = tuple((node, check_real("stubbornness", v, low=0, high=1))
                           for node, v in values.items())
        elif _is_numeric(values) and np.ndim(values) == 0:
            frozen = check_real("stubbornness", values, low=0, high=1)
        elif _is_numeric(values) and np.ndim(values) == 1:
            frozen = _readonly(np.asarray(values, dtype=np.float64))
            bad = ~np.isfinite(frozen) | (frozen < 0) | (frozen > 1)
            if np.any(bad):
                k = int(np.argmax(bad))
                raise OpinionSimError(
                    f"stubbornness == {float(frozen[k])!r} (agent row {k}), must be in [0, 1]."
                )
        else:
            raise OpinionSimError(
                f"stubbornness == {values!r}, must be a number in [0, 1], an array of shape (N,) "
                "or a dict {node: value}."
            )
        object.__setattr__(self, "values", frozen)

    def _check(self, model):
        if isinstance(self.values, tuple):
            model.rows_of([node for node, _ in self.values])
        elif isinstance(self.values, np.ndarray) and self.values.shape != (model.n_agents,):
            raise OpinionSimError(
                f"stubbornness has shape {self.values.shape}, must be ({model.n_agents},) "
                "(one value per agent, in row order)."
            )

    def _prepare(self, model, state):
        values = self.values
        if isinstance(values, tuple):
            rows = model.rows_of([node for node, _ in values])
            current = state.rule.stubbornness
            new = np.array(np.broadcast_to(current, (model.n_agents,)), dtype=np.float64)
            new[rows] = [v for _, v in values]
            values = new
        return dataclasses.replace(state, rule=state.rule.replace(stubbornness=values))

    def __repr__(self):
        if isinstance(self.values, tuple):
            inner = ", ".join(f"{node!r}: {v!r}" for node, v in self.values[:6])
            more = ", …" if len(self.values) > 6 else ""
            return f"SetStubbornness({{{inner}{more}}})"
        return f"SetStubbornness({_short(self.values)})"


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


@dataclass(frozen=True, eq=False, repr=False)
class AblateHead(Intervention):
    """do(head h is switched off): which heads (topics) matter, by ablation.

    ``mode="freeze"``: the head's dimensions stop updating (what the agents
    believe on that topic is fixed). ``mode="uniform"``: the head still
    updates, but its attention becomes uniform over the neighbourhood (the
    topic no longer decides whom one listens to). Everything else, the other
    heads included, stays as it was.

    Parameters
    ----------
    head : int
    mode : {"freeze", "uniform"}

    Examples
    --------
    >>> from opinionsim import OpinionModel
    >>> m = OpinionModel(n_agents=5, dim=2, heads=[[0], [1]], seed=0)
    >>> m.do(AblateHead(1, mode="freeze")); before = m.opinions[:, 1].copy(); m.run(3)
    >>> bool((m.opinions[:, 1] == before).all())
    True
    """

    head: int
    mode: str = "freeze"

    def __post_init__(self):
        if isinstance(self.head, bool) or not isinstance(self.head, (int, np.integer)) \
                or self.head < 0:
            raise OpinionSimError(f"head == {self.head!r}, must be an integer >= 0.")
        check_choice("mode", self.mode, ("freeze", "uniform"))
        object.__setattr__(self, "head", int(self.head))

    def _check(self, model):
        n_heads = len(model.rule.heads)
        if self.head >= n_heads:
            raise OpinionSimError(
                f"head == {self.head}, must be in [0, {n_heads - 1}] (the model has {n_heads} "
                "head(s)).")

    def _prepare(self, model, state):
        rule = state.rule
        modes = [rule.head_mode(h) for h in range(len(rule.heads))]
        modes[self.head] = "frozen" if self.mode == "freeze" else "uniform"
        return dataclasses.replace(state, rule=rule.replace(head_modes=tuple(modes)))

    def __repr__(self):
        return f"AblateHead({self.head}, mode={self.mode!r})"


@dataclass(frozen=True, eq=False, repr=False)
class _SetActivityParameter(Intervention):
    """do(parameter = value) on an :class:`~opinionsim.ActivityDrivenModel`'s rule."""

    models = ("ActivityDrivenModel",)
    #: The :class:`~opinionsim.activity_model.ActivityRule` field it replaces.
    parameter = None

    value: float

    def __post_init__(self):
        from .activity_model import ACTIVITY_PARAMETERS

        object.__setattr__(self, "value", ACTIVITY_PARAMETERS[self.parameter].check(self.value))

    def _prepare(self, model, state):
        return dataclasses.replace(state, rule=state.rule.replace(**{self.parameter: self.value}))

    def __repr__(self):
        return f"{type(self).__name__}({self.value!r})"


@dataclass(frozen=True, eq=False, repr=False)
class SetHomophily(_SetActivityParameter):
    """do(β = value): replace how strongly active agents choose like-minded contacts.

    Replaces β in the contact probabilities ``p_ij ∝ |x_i − x_j|^(−β)`` of an
    :class:`~opinionsim.ActivityDrivenModel` (the attention temperature
    ``T = 1/β``); opinions, activities and the random numbers stay as they
    were (the contacts drawn change only through β).

    Parameters
    ----------
    value : float >= 0
        0: contacts uniformly at random.

    Examples
    --------
    >>> from opinionsim import ActivityDrivenModel
    >>> m = ActivityDrivenModel(50, homophily=3.0, seed=0)
    >>> m.do(SetHomophily(0.0)); m.homophily
    0.0
    >>> SetHomophily(-1)
    Traceback (most recent call last):
    ...
    opinionsim._errors.OpinionSimError: homophily == -1.0, must be in [0.0, inf].
    """

    parameter = "homophily"


@dataclass(frozen=True, eq=False, repr=False)
class SetControversialness(_SetActivityParameter):
    """do(α = value): replace the controversialness of the topic.

    Replaces α in ``tanh(α x_j)``, how strongly a contact's opinion pushes,
    in an :class:`~opinionsim.ActivityDrivenModel`; everything else stays.

    Parameters
    ----------
    value : float >= 0

    Examples
    --------
    >>> SetControversialness(0.05)
    SetControversialness(0.05)
    """

    parameter = "controversialness"


@dataclass(frozen=True, eq=False, repr=False)
class SetSocialInfluence(_SetActivityParameter):
    """do(K = value): replace the strength of social influence.

    Replaces K in ``dx_i/dt = −x_i + K Σ_j A_ij tanh(α x_j)`` of an
    :class:`~opinionsim.ActivityDrivenModel`; everything else stays.

    Parameters
    ----------
    value : float >= 0

    Examples
    --------
    >>> SetSocialInfluence(1.0)
    SetSocialInfluence(1.0)
    """

    parameter = "social_influence"


@dataclass(frozen=True, eq=False, repr=False, init=False)
class Compose(Intervention):
    """Several interventions applied in order, as one: all of them, or none.

    It replaces what each member replaces, in the order given (a later member
    wins where two replace the same part of the mechanism).

    Each member is validated against the state the earlier members would
    leave (so ``Compose(SetRule("attention"), SetTemperature(0.1))`` works on
    a uniform model, and cutting the same tie twice is rejected), and the
    model is changed only once every member has passed.

    Parameters
    ----------
    *interventions : Intervention
        At least one.

    Examples
    --------
    >>> Compose(SetTemperature(0.1), ClipKeyNorm(1.0))
    Compose(SetTemperature(0.1), ClipKeyNorm(1.0))
    """

    models = ("OpinionModel", "ActivityDrivenModel")

    interventions: tuple

    def __init__(self, *interventions):
        if not interventions:
            raise OpinionSimError("Compose needs at least one intervention.")
        for iv in interventions:
            if not isinstance(iv, Intervention):
                raise OpinionSimError(
                    f"Compose got {iv!r}, which is not an intervention (e.g. SetTemperature(0.1))."
                )
        object.__setattr__(self, "interventions", tuple(interventions))

    def _check_model(self, model):
        for iv in self.interventions:
            iv._check_model(model)

    def _check(self, model):
        for iv in self.interventions:
            iv._check(model)

    def _prepare(self, model, state):
        for iv in self.interventions:
            state = iv._prepare(model, state)
        return state

    def __repr__(self):
        return f"Compose({', '.join(map(repr, self.interventions))})"


def _check_schedule(schedule, model):
    """Validate ``OpinionModel(interventions=...)``; return it as a dict sorted by step.

    Checks what does not depend on the state at the time (keys, types, node
    labels, lengths); the rest is checked when each one is applied.
    """
    if schedule is None:
        return {}
    if not isinstance(schedule, Mapping):
        raise OpinionSimError(
            f"interventions == {schedule!r}, must be a dict {{step: intervention}}, "
            "e.g. {10: SetTemperature(0.1)}."
        )
    for step, iv in schedule.items():
        if isinstance(step, (bool, np.bool_)) or not isinstance(step, (int, np.integer)) \
                or step < 0:
            raise OpinionSimError(
                f"interventions has key {step!r}, must be a step number (an integer >= 0)."
            )
        if not isinstance(iv, Intervention):
            raise OpinionSimError(
                f"interventions[{step!r}] == {iv!r}, must be an intervention from "
                "opinionsim.interventions (combine several for one step with Compose)."
            )
        try:
            iv._check_model(model)
            iv._check(model)
        except OpinionSimError as exc:
            raise OpinionSimError(f"interventions[{step!r}] == {iv!r} is invalid: {exc}") from None
    return {int(step): schedule[step] for step in sorted(schedule)}


# ---- helpers ---------------------------------------------------------------------------
def _require_use(iv, rule, parameter):
    if parameter not in WEIGHTING_RULES[rule.rule].uses:
        users = [name for name, r in WEIGHTING_RULES.items() if parameter in r.uses]
        raise OpinionSimError(
            f"{iv!r} changes the {parameter}, but the model's rule is {rule.rule!r}, which "
            f"ignores it; switch rules with SetRule({users[0]!r}, ...) (e.g. in a Compose)."
        )


def _find(sorted_keys, queries):
    pos = np.searchsorted(sorted_keys, queries)
    found = pos < len(sorted_keys)
    found[found] = sorted_keys[pos[found]] == queries[found]
    return pos, found


def _node_tuple(name, nodes):
    if isinstance(nodes, (str, bytes)) or not is_iterable(nodes):
        raise OpinionSimError(
            f"{name} == {nodes!r}, must be a collection of node labels (e.g. a list)."
        )
    nodes = tuple(nodes)
    if not nodes:
        raise OpinionSimError(f"{name} is empty; name at least one.")
    return nodes


def _frozen_heads(heads):
    try:
        return tuple(tuple(int(d) for d in h) for h in heads)
    except (TypeError, ValueError):
        raise OpinionSimError(
            f"heads == {heads!r}, must be a list of lists of opinion dimensions."
        ) from None


def _readonly(arr):
    arr = arr.copy()
    arr.flags.writeable = False
    return arr


def _is_numeric(value):
    if isinstance(value, (str, bytes, Mapping)):
        return False
    try:
        arr = np.asarray(value)
    except Exception:
        return False
    return arr.dtype.kind in "iuf" and arr.dtype != np.bool_


def _sized(obj):
    try:
        len(obj)
    except TypeError:
        return False
    return True


def _freeze(value):
    if isinstance(value, np.ndarray):
        return ("ndarray", value.shape, value.dtype.str, value.tobytes())
    if isinstance(value, (tuple, list)):
        return tuple(_freeze(v) for v in value)
    return value


def _short(value):
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return repr(value.tolist())
        return f"<{value.size} values in [{value.min():g}, {value.max():g}]>"
    if isinstance(value, tuple) and value and isinstance(value[0], tuple):
        return repr([list(v) for v in value])
    if isinstance(value, tuple):
        return repr(list(value))
    return repr(value)


def _short_list(items, limit=8):
    if len(items) <= limit:
        return repr(list(items))
    head = ", ".join(map(repr, items[:limit]))
    return f"[{head}, …] ({len(items)})"
