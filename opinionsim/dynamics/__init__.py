"""The dynamics: registries of affinities, weighting rules, activation regimes and per-step
processes, one parameter table, and the immutable :class:`UpdateRule`.

Adding a piece of the dynamics is one new function or class plus one
registration; everything that dispatches (the reference engine, the compiled
kernels, the model, interventions, sweeps, the CLI) looks it up by name and
never falls back to "something close":

=====================  ===============================  =============================
what                   register with                    used as
=====================  ===============================  =============================
affinity ``S_ij``      :func:`register_affinity`        ``OpinionModel(affinity=name)``
weighting rule         :func:`register_rule`            ``OpinionModel(rule=name)``
per-step process       :func:`register_process`         ``OpinionModel(processes=[name])``
=====================  ===============================  =============================

A combination the compiled kernels do not support runs on the reference
engine, with one warning that says why.

Examples
--------
>>> import numpy as np
>>> from opinionsim import OpinionModel
>>> def negative_l1(Q, K):
...     return -np.abs(Q - K).sum(axis=1)
>>> _ = register_affinity("negative_l1_doc", negative_l1)
>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     m = OpinionModel(n_agents=5, affinity="negative_l1_doc", seed=1); m.run(2)
>>> m.affinity
'negative_l1_doc'
"""

from .activation import ACTIVATIONS, Activation, advance
from .affinities import AFFINITIES, Affinity, register_affinity
from .influence import apply_update, social_mean
from .params import PARAMETERS, Param, rule_parameters
from .processes import PROCESSES, Influence, Process, register_process
from .rewiring import RECOMMENDERS, Unfollow
from .rule import UpdateRule
from .weighting import WEIGHTING_RULES, WeightingRule, register_rule, resolve

__all__ = [
    "ACTIVATIONS", "Activation", "advance",
    "AFFINITIES", "Affinity", "register_affinity",
    "WEIGHTING_RULES", "WeightingRule", "register_rule", "resolve",
    "PROCESSES", "Process", "Influence", "register_process", "Unfollow", "RECOMMENDERS",
    "PARAMETERS", "Param", "rule_parameters",
    "UpdateRule", "social_mean", "apply_update",
]
