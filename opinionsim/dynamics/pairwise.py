"""Pairwise rules: a tick is a sequence of two-agent encounters (Deffuant et al. 2000).

Each tick, ``N`` encounters happen one after another: a uniformly random agent
``i`` meets a partner ``j`` among those it listens to — uniformly
(``interaction="weighted"``), or drawn from its attention
(``interaction="sampled"``: ``softmax_j(S_ij / T)`` over its neighbours, which with
``affinity="log_distance"`` is the algorithmic bias of Sîrbu et al. / ndlib's
``AlgorithmicBiasModel`` with γ = 1/T). When their opinions are within
``confidence`` (Euclidean, inclusive) both move ``step_size`` (μ) toward each
other:

.. math::

    x_i \\leftarrow x_i + μ (x_j − x_i), \\qquad x_j \\leftarrow x_j + μ (x_i − x_j).

Vector opinions follow Weisbuch et al. (2002). Zealots never move (their
partner still does). The encounters' random numbers come from the tick's own
generator (two draws per encounter), so paired causal runs share them.

References
----------
.. [1] G. Deffuant, D. Neau, F. Amblard and G. Weisbuch, "Mixing beliefs among
   interacting agents", *Adv. Complex Syst.* 3, 87–98 (2000).
.. [2] G. Weisbuch, G. Deffuant, F. Amblard and J.-P. Nadal, "Meet, discuss, and
   segregate!", *Complexity* 7, 55–63 (2002).
.. [3] A. Sîrbu, D. Pedreschi, F. Giannotti and J. Kertész, "Algorithmic bias
   amplifies opinion fragmentation and polarization", *PLoS ONE* 14, e0213246 (2019).

Examples
--------
>>> import numpy as np
>>> from opinionsim import OpinionModel
>>> m = OpinionModel(n_agents=200, rule="deffuant", confidence=0.2, step_size=0.5,
...                  initial_opinions=np.linspace(0, 1, 200), seed=1, reporters=[])
>>> m.run(100)
>>> len(np.unique(np.round(m.opinions[:, 0], 2))) < 10   # a few clusters are left
True
"""

from __future__ import annotations

import numpy as np

from .. import engine
from .._errors import OpinionSimError

__all__ = ["encounters", "deffuant_tick"]


def encounters(rng, n):
    """The tick's draws: who meets (``agents``) and the partner coins (``coins``)."""
    return rng.integers(0, n, size=n), rng.random(n)


def _partners(adjacency, i):
    if isinstance(adjacency, engine.CompleteGraph):
        others = np.arange(adjacency.n)
        return others[others != i]
    row = adjacency.indices[adjacency.indptr[i]:adjacency.indptr[i + 1]]
    return row[row != i]


def _choose(X, adjacency, rule, i, u):
    """Partner of agent i for the coin u (-1 when i listens to nobody else)."""
    nb = _partners(adjacency, i)
    if len(nb) == 0:
        return -1
    if rule.interaction == "weighted":
        return int(nb[min(int(u * len(nb)), len(nb) - 1)])
    T = rule.temperature if np.ndim(rule.temperature) == 0 else rule.temperature[i]
    salience = rule.salience if np.ndim(rule.salience) == 0 else rule.salience[nb]
    K = engine.make_keys(X[nb], salience=salience, key_norm_clip=rule.key_norm_clip)
    from .weighting import segment_softmax

    scores = engine.AFFINITIES[rule.affinity].score(np.repeat(X[i:i + 1], len(nb), axis=0), K)
    w = segment_softmax(scores, np.array([0, len(nb)]), temperature=T)
    cum = np.cumsum(w)
    return int(nb[min(int(np.searchsorted(cum, u * cum[-1], side="right")), len(nb) - 1)])


def deffuant_tick(X, X0, adjacency, rule, ctx, rng):
    """One tick of N encounters (the reference; the compiled kernel does the same walk)."""
    if rng is None:
        raise TypeError("a pairwise rule needs the step's generator (activation_rng).")
    n = X.shape[0]
    agents, coins = encounters(rng, n)
    from .. import kernels

    fast = kernels.pairwise_tick(X, adjacency, rule, agents, coins)
    if fast is not None:
        return fast
    X = X.copy()
    fixed = rule.fixed
    mu, radius = rule.step_size, rule.confidence
    for i, u in zip(agents, coins):
        j = _choose(X, adjacency, rule, int(i), float(u))
        if j < 0:
            continue
        diff = X[j] - X[i]
        if np.sqrt(diff @ diff) <= radius:
            xi = X[i].copy()
            if fixed is None or not fixed[i]:
                X[i] = xi + mu * diff
            if fixed is None or not fixed[j]:
                X[j] = X[j] + mu * (xi - X[j])
    return X


def check(rule):
    """Refuse what a pairwise rule does not use (rather than silently ignore it)."""
    for name, off in (("noise", 0.0), ("stubbornness", 0.0), ("attention_dropout", 0.0)):
        value = getattr(rule, name)
        if np.any(np.asarray(value) != off):
            raise OpinionSimError(
                f"{name} == {value!r}, but rule == {rule.rule!r} (pairwise encounters) does "
                f"not use it; leave it at {off}.")
    for name in ("query_map", "key_map", "value_map", "head_modes", "attention_entropy_floor"):
        if getattr(rule, name) is not None:
            raise OpinionSimError(f"{name} is set, but rule == {rule.rule!r} (pairwise "
                                  "encounters) does not use it.")
    if len(rule.heads) != 1 or rule.opinion_space != "euclidean":
        raise OpinionSimError(f"rule == {rule.rule!r} takes one head over every dimension and "
                              "Euclidean opinions.")
