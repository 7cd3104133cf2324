"""Coevolving networks: agents unfollow whom they no longer listen to and follow someone new.

:class:`Unfollow` is a per-step process (it runs after the influence step of
each tick): every agent, with probability ``rate``, looks at the attention it
just paid; if the neighbour it attended to least got less than
``threshold × 1/k`` (``k`` its out-degree, itself not counted), it drops that
tie and follows one agent it does not yet follow, drawn by ``recommend``:

- ``"random"``: uniformly among everyone else;
- ``"friends_of_friends"``: uniformly among those its neighbours follow
  (triadic closure; uniformly at random when there are none);
- ``"similar"``: among ``candidates`` random agents, by a softmax of the
  model's affinity at the recommender's own ``temperature`` — an algorithmic
  recommender whose bias is a parameter (``temperature = inf``: no bias).

Ties are directed (u listens to v); out-degrees never change; an agent never
follows itself (its self-tie, when ``include_self``, is never dropped) nor the
one it just dropped; a new tie on a weighted network takes the mean weight of
the agent's other ties. All draws come from the tick's own stream
(``_random.REWIRE``), so two arms of a causal comparison rewire with the same
coins. This is the unfollow/recommend mechanism of Sasahara et al. (2021) with
attention as the criterion.

References
----------
.. [1] K. Sasahara, W. Chen, H. Peng, G. L. Ciampaglia, A. Flammini and F. Menczer,
   "Social influence and unfollowing accelerate the emergence of echo chambers",
   *J. Comput. Soc. Sci.* 4, 381–402 (2021).

Examples
--------
>>> import networkx as nx
>>> from opinionsim import OpinionModel
>>> g = nx.random_regular_graph(4, 50, seed=1).to_directed()
>>> m = OpinionModel(graph=g, temperature=0.05, affinity="distance", seed=2, reporters=[],
...                  rewiring=Unfollow(rate=0.5, threshold=0.5))
>>> m.run(5); m.network.version > 0
True
>>> sorted(set(m.network.out_degree.tolist()))   # out-degrees never change (4 + itself)
[5]
"""

from __future__ import annotations

import math

import numpy as np

from .. import _random
from .._errors import OpinionSimError
from .._validation import check_choice, check_real
from .processes import Process, register_process

__all__ = ["Unfollow", "RECOMMENDERS"]

RECOMMENDERS = ("random", "friends_of_friends", "similar")


class Unfollow(Process):
    """Attention-driven unfollowing and recommendation (see the module docstring).

    Parameters
    ----------
    rate : float in [0, 1]
        Per-tick probability that an agent reconsiders its ties. ``0`` leaves
        the model exactly as it would be without rewiring.
    threshold : float >= 0
        Drop the least-attended neighbour when its weight is below
        ``threshold / k``.
    recommend : {"random", "friends_of_friends", "similar"}
    candidates : int >= 1
        Agents the ``"similar"`` recommender scores.
    temperature : float in (0, inf]
        The ``"similar"`` recommender's softmax temperature.

    Raises
    ------
    OpinionSimError
        A value out of range; a complete graph (``n_agents=N``), which has
        nobody left to follow.
    """

    name = "unfollow"

    def __init__(self, rate=0.01, threshold=0.5, recommend="random", candidates=10,
                 temperature=1.0):
        self.rate = check_real("rate", rate, low=0, high=1)
        self.threshold = check_real("threshold", threshold, low=0)
        self.recommend = check_choice("recommend", recommend, RECOMMENDERS)
        if isinstance(candidates, bool) or not isinstance(candidates, (int, np.integer)) \
                or candidates < 1:
            raise OpinionSimError(f"candidates == {candidates!r}, must be an integer >= 1.")
        self.candidates = int(candidates)
        self.temperature = check_real("temperature", temperature, low=0, low_open=True,
                                      allow_inf=True)

    def bind(self, model):
        """Refuse a model it cannot rewire (called at the model's construction)."""
        if model.network.complete:
            raise OpinionSimError(
                "rewiring needs a sparse network: on the complete graph (n_agents=N) everyone "
                "already follows everyone. Pass graph=... instead.")
        if model.network.n < 3:
            raise OpinionSimError("rewiring needs at least 3 agents.")

    def step(self, model, t):
        if self.rate == 0.0:
            return
        rng = _random.stream(model.seed, _random.REWIRE, t)
        n = model.network.n
        active = np.flatnonzero(rng.random(n) < self.rate)
        if len(active) == 0:
            return
        A = model._attention_rows(active)
        csr = model.network.adjacency
        drops = self._drops(A, active, csr.indptr)
        if not drops:
            return
        indices = csr.indices.copy()
        data = csr.data.copy()
        for i, e_drop, dropped in drops:
            a, b = csr.indptr[i], csr.indptr[i + 1]
            row = indices[a:b]
            new = self._recommend(model, rng, i, row, dropped)
            if new < 0:
                continue
            others = (row != i) & (row != dropped)
            if model.network.weighted:
                data[e_drop] = data[a:b][others].mean() if others.any() else 1.0
            indices[e_drop] = new
            order = np.argsort(indices[a:b], kind="stable")
            indices[a:b] = indices[a:b][order]
            data[a:b] = data[a:b][order]
        from ..network import csr_from_structure  # network imports the engine, which imports us

        model._set_state(adjacency=csr_from_structure(csr.indptr, indices, n, data))

    def _drops(self, A, active, indptr):
        """(agent, CSR position, dropped neighbour) for each agent that drops a tie.

        Row ``r`` of ``A`` (agent ``active[r]``) stores the agent's ties in the
        network's own order (attention keeps zero weights), so position ``t`` in
        it is position ``indptr[i] + t`` in the network.
        """
        out = []
        for r, i in enumerate(active):
            a, b = A.indptr[r], A.indptr[r + 1]
            cols, w = A.indices[a:b], A.data[a:b]
            mine = cols != i
            k = int(mine.sum())
            if k < 1:
                continue
            w = np.where(mine, w, np.inf)
            least = int(np.argmin(w))
            if w[least] < self.threshold / k:
                out.append((int(i), int(indptr[i] + least), int(cols[least])))
        return out

    def _recommend(self, model, rng, i, row, dropped):
        n = model.network.n
        excluded = set(int(c) for c in row) | {i, int(dropped)}
        if self.recommend == "friends_of_friends":
            csr = model.network.adjacency
            fof = np.unique(np.concatenate([csr.indices[csr.indptr[j]:csr.indptr[j + 1]]
                                            for j in row] or [np.zeros(0, np.int64)]))
            pool = np.array([c for c in fof if int(c) not in excluded], dtype=np.int64)
            if len(pool):
                return int(pool[rng.integers(len(pool))])
        if len(excluded) >= n:
            return -1
        if self.recommend == "similar":
            pool = self._sample_new(rng, n, excluded, self.candidates)
            X = model.opinions
            from .affinities import AFFINITIES

            s = AFFINITIES[model.affinity].score(np.repeat(X[i:i + 1], len(pool), axis=0),
                                                 X[pool])
            if math.isinf(self.temperature):
                p = np.full(len(pool), 1.0 / len(pool))
            else:
                p = np.exp((s - s.max()) / self.temperature)
                p /= p.sum()
            return int(pool[min(int(np.searchsorted(np.cumsum(p), rng.random(), side="right")),
                                len(pool) - 1)])
        return int(self._sample_new(rng, n, excluded, 1)[0])

    @staticmethod
    def _sample_new(rng, n, excluded, k):
        """Up to ``k`` distinct agents outside ``excluded``, uniformly (rejection, then a scan)."""
        picked = []
        for _ in range(8 * k + 16):
            c = int(rng.integers(n))
            if c not in excluded and c not in picked:
                picked.append(c)
                if len(picked) == k:
                    return np.array(picked, dtype=np.int64)
        rest = np.array([c for c in range(n) if c not in excluded and c not in picked],
                        dtype=np.int64)
        extra = rng.permutation(rest)[:k - len(picked)]
        return np.concatenate([np.array(picked, dtype=np.int64), extra])

    def __repr__(self):
        return (f"Unfollow(rate={self.rate!r}, threshold={self.threshold!r}, "
                f"recommend={self.recommend!r}, candidates={self.candidates}, "
                f"temperature={self.temperature!r})")


register_process("unfollow", Unfollow)
