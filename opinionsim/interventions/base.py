"""The intervention protocol: validate against the state, then commit all or nothing; ``Compose``;
the schedule; small shared checks."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._errors import OpinionSimError
from .._validation import is_iterable
from ..dynamics import PARAMETERS, WEIGHTING_RULES, rule_parameters



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
    >>> from opinionsim.interventions import ClipKeyNorm, SetTemperature
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
