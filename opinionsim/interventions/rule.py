"""Interventions on the update rule: temperature, affinity, weighting rule, key clipping,
stubbornness, heads."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._errors import OpinionSimError
from .._validation import check_choice, check_real
from ..dynamics import AFFINITIES, PARAMETERS, WEIGHTING_RULES

from .base import (Intervention, RULE_PARAMS, _require_use, _node_tuple, _frozen_heads, _readonly, _is_numeric, _short, _short_list)


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
