"""Interventions on the activity-driven model's parameters."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass



from .base import (Intervention)


@dataclass(frozen=True, eq=False, repr=False)
class _SetActivityParameter(Intervention):
    """do(parameter = value) on an :class:`~opinionsim.ActivityDrivenModel`'s rule."""

    models = ("ActivityDrivenModel",)
    #: The :class:`~opinionsim.activity_model.ActivityRule` field it replaces.
    parameter = None

    value: float

    def __post_init__(self):
        from ..activity_model import ACTIVITY_PARAMETERS

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
