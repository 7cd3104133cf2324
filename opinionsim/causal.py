"""Paired-seed causal effects of do-interventions.

The public face of :mod:`opinionsim.experiments.causal`, where the docs are
(common random numbers, what ``make_model`` receives, replicates and seeds).

Examples
--------
>>> from opinionsim import OpinionModel
>>> from opinionsim.causal import causal_effect
>>> from opinionsim.interventions import SetTemperature
>>> def make(seed):
...     return OpinionModel(n_agents=10, temperature=0.5, noise=0.1, seed=seed)
>>> causal_effect(make, SetTemperature(0.5), "variance", at=1, horizon=2, seeds=3).ate
0.0
"""

from .experiments.causal import AttentionShift, CausalEffect, attention_shift, causal_effect

__all__ = ["causal_effect", "attention_shift", "CausalEffect", "AttentionShift"]
