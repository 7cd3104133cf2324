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

from .activity import SetControversialness, SetHomophily, SetSocialInfluence
from ..network import MAX_MATERIALISED_AGENTS
from .base import RULE_PARAMS, Compose, Intervention, _check_schedule  # noqa: F401 (used by models)
from .rule import AblateHead, ClipKeyNorm, SetAffinity, SetRule, SetStubbornness, SetTemperature
from .state import CutTies, Pin, SetSource

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
