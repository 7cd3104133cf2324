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

__all__ = ["Unfollow", "RECOMMENDERS", "parse_rewiring", "format_rewiring"]

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
        csr = model.network.adjacency
        # Every tie as one sorted key (listener · n + speaker): membership and positions by
        # binary search, for all the agents at once.
        keys = model.network.edge_keys()
        agents, dropped = self._drops(model._attention_rows(active), active)
        if len(agents) == 0:
            return
        new = self._recommend(model, rng, csr, keys, agents, dropped)
        ok = new >= 0
        agents, dropped, new = agents[ok], dropped[ok], new[ok]
        if len(agents) == 0:
            return
        pos = np.searchsorted(keys, agents.astype(np.int64) * n + dropped)
        indices = csr.indices.copy()
        data = csr.data.copy()
        if model.network.weighted:  # the new tie takes the mean weight of the agent's others
            rows = model.network.edge_rows()
            others = np.ones(len(indices), dtype=bool)
            others[pos] = False
            others &= rows != csr.indices
            sums = np.bincount(rows[others], weights=data[others], minlength=n)
            counts = np.bincount(rows[others], minlength=n)
            data[pos] = np.where(counts[agents] > 0, sums[agents] / np.maximum(counts[agents], 1),
                                 1.0)
        indices[pos] = new
        _resort_rows(csr.indptr, indices, data, agents)
        from ..network import csr_from_structure  # network imports the engine, which imports us

        model._set_state(adjacency=csr_from_structure(csr.indptr, indices, n, data),
                         same_rows=True)

    def _drops(self, A, active):
        """The agents that drop a tie and whom they drop (vectorised over the rows of ``A``)."""
        counts = np.diff(A.indptr)
        r = np.repeat(np.arange(len(active)), counts)
        owner = active[r]
        mine = A.indices != owner
        k = np.bincount(r, weights=mine, minlength=len(active))
        w = np.where(mine, A.data, np.inf)
        nonempty = counts > 0
        least = np.full(len(active), np.inf)
        least[nonempty] = np.minimum.reduceat(w, A.indptr[:-1][nonempty])
        first = np.full(len(active), -1)
        hit = np.flatnonzero(w == least[r])
        rows_hit, at = np.unique(r[hit], return_index=True)
        first[rows_hit] = hit[at]
        drop = (k >= 1) & (least < self.threshold / np.maximum(k, 1)) & (first >= 0)
        return active[drop], A.indices[first[drop]].astype(np.int64)

    def _recommend(self, model, rng, csr, keys, agents, dropped):
        """A new speaker for each agent (-1 where nobody is left to follow)."""
        n = model.network.n
        if self.recommend == "friends_of_friends":
            return np.array([self._friend_of_friend(rng, csr, keys, int(i), int(d), n)
                             for i, d in zip(agents, dropped)], dtype=np.int64)
        k = 1 if self.recommend == "random" else self.candidates
        pool = _new_candidates(rng, n, keys, agents, dropped, k)
        if self.recommend == "random":
            return pool[:, 0]
        valid = pool >= 0
        X = model.opinions
        from .affinities import AFFINITIES

        S = AFFINITIES[model.affinity].score(np.repeat(X[agents], k, axis=0),
                                             X[np.where(valid, pool, 0)].reshape(-1, X.shape[1]))
        S = np.where(valid, S.reshape(-1, k), -np.inf)
        top = S.max(axis=1, keepdims=True)
        if math.isinf(self.temperature):
            p = valid.astype(float)
        else:
            with np.errstate(invalid="ignore"):
                p = np.where(valid, np.exp((S - np.where(np.isfinite(top), top, 0.0))
                                           / self.temperature), 0.0)
        cum = np.cumsum(p, axis=1)
        u = rng.random(len(agents)) * cum[:, -1]
        pick = np.minimum((cum <= u[:, None]).sum(axis=1), k - 1)
        out = pool[np.arange(len(agents)), pick]
        return np.where(cum[:, -1] > 0, out, -1)

    @staticmethod
    def _friend_of_friend(rng, csr, keys, i, dropped, n):
        row = csr.indices[csr.indptr[i]:csr.indptr[i + 1]]
        fof = np.unique(np.concatenate([csr.indices[csr.indptr[j]:csr.indptr[j + 1]]
                                        for j in row] or [np.zeros(0, np.int64)]))
        fof = fof[(fof != i) & (fof != dropped)]
        fof = fof[~_follows(keys, np.full(len(fof), i), fof, n)]
        if len(fof):
            return int(fof[rng.integers(len(fof))])
        return int(_new_candidates(rng, n, keys, np.array([i]), np.array([dropped]), 1)[0, 0])

    def __repr__(self):
        return (f"Unfollow(rate={self.rate!r}, threshold={self.threshold!r}, "
                f"recommend={self.recommend!r}, candidates={self.candidates}, "
                f"temperature={self.temperature!r})")


def _follows(keys, listeners, speakers, n):
    """Whether each listener already follows the speaker (sorted tie keys, binary search)."""
    q = np.asarray(listeners, dtype=np.int64) * n + np.asarray(speakers, dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys, q), len(keys) - 1)
    return keys[pos] == q


def _new_candidates(rng, n, keys, agents, dropped, k):
    """``k`` distinct agents per row that the agent may newly follow (not itself, not whom it
    follows, not whom it just dropped), uniformly; -1 where fewer exist.

    Rejection in rounds over all rows at once; a row still short after them (a nearly
    complete neighbourhood) is completed by scanning everyone.
    """
    m = len(agents)
    out = np.full((m, k), -1, dtype=np.int64)
    filled = np.zeros(m, dtype=np.int64)
    for _ in range(16):
        todo = np.flatnonzero(filled < k)
        if len(todo) == 0:
            return out
        draws = rng.integers(0, n, size=(len(todo), 2 * k))
        for col in range(2 * k):
            c = draws[:, col]
            i = agents[todo]
            ok = (c != i) & (c != dropped[todo]) & ~_follows(keys, i, c, n) & (filled[todo] < k)
            taken = (out[todo] == c[:, None]).any(axis=1)
            ok &= ~taken
            rows = todo[ok]
            out[rows, filled[rows]] = c[ok]
            filled[rows] += 1
    for r in np.flatnonzero(filled < k):
        i, d = agents[r], dropped[r]
        free = np.setdiff1d(np.arange(n), np.r_[out[r][out[r] >= 0], i, d])
        free = free[~_follows(keys, np.full(len(free), i), free, n)]
        extra = rng.permutation(free)[:k - filled[r]]
        out[r, filled[r]:filled[r] + len(extra)] = extra
    return out


def _resort_rows(indptr, indices, data, rows):
    """Sort the given CSR rows by column again (one entry of each changed), all at once."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    width = int(lengths.max())
    pos = starts[:, None] + np.arange(width)
    inside = np.arange(width) < lengths[:, None]
    pos = np.where(inside, pos, 0)
    # int64 whatever the index dtype: padding must sort last (with int32 indices an int64
    # maximum given as a Python int wrapped to -1 and sorted first, corrupting the rows).
    cols = np.where(inside, indices[pos].astype(np.int64), np.int64(np.iinfo(np.int64).max))
    order = np.argsort(cols, axis=1, kind="stable")
    flat = pos[inside]
    sorted_pos = np.take_along_axis(pos, order, axis=1)[inside]
    new_cols = indices[sorted_pos]
    new_data = data[sorted_pos]
    indices[flat] = new_cols
    data[flat] = new_data


register_process("unfollow", Unfollow)


def parse_rewiring(spec):
    """A rewiring process from its spec string ``"name:key=value,..."`` (an instance as is).

    ``name`` is a process registered with
    :func:`~opinionsim.dynamics.processes.register_process` (``"unfollow"``),
    the keys its keyword arguments; values are read as on the command line
    (numbers, ``true``/``false``, names). This is how a sweep or the CLI
    (``--set rewiring=unfollow:rate=0.01,threshold=0.5``) gives a rewiring
    process, and what :func:`format_rewiring` writes.

    Raises
    ------
    OpinionSimError
        An unknown process name, a malformed item, or a value the process refuses.

    Examples
    --------
    >>> parse_rewiring("unfollow:rate=0.01,threshold=0.5")
    Unfollow(rate=0.01, threshold=0.5, recommend='random', candidates=10, temperature=1.0)
    """
    from ..graphs import parse_value
    from .processes import PROCESSES, Influence, Process

    if isinstance(spec, Process) and not isinstance(spec, Influence):
        return spec
    example = "e.g. 'unfollow:rate=0.01,threshold=0.5'"
    if not isinstance(spec, str):
        raise OpinionSimError(f"rewiring == {spec!r}, must be a per-step process or its spec "
                              f"string ({example}).")
    name, _, rest = spec.strip().partition(":")
    name = name.strip()
    if name not in PROCESSES or name == "influence":
        known = ", ".join(k for k in PROCESSES if k != "influence")
        raise OpinionSimError(f"rewiring == {spec!r}: {name!r} is not a registered rewiring "
                              f"process; known: {known} ({example}).")
    kwargs = {}
    for item in filter(str.strip, rest.split(",")):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key or key in kwargs:
            raise OpinionSimError(f"rewiring == {spec!r}: {item.strip()!r} must be key=value, "
                                  f"each key once ({example}).")
        kwargs[key] = parse_value(value)
    try:
        return PROCESSES[name](**kwargs)
    except TypeError as exc:
        raise OpinionSimError(f"rewiring == {spec!r}: {exc}.") from None


def format_rewiring(process):
    """The canonical spec string of a rewiring process: its name and every keyword argument,
    in the order of its signature, as the process holds it (so equal processes read alike).

    Raises
    ------
    OpinionSimError
        When the process does not keep its arguments as attributes of the same names.

    Examples
    --------
    >>> format_rewiring(parse_rewiring("unfollow:threshold=0.5,rate=1e-2"))
    'unfollow:rate=0.01,threshold=0.5,recommend=random,candidates=10,temperature=1.0'
    """
    import inspect

    items = []
    for key in list(inspect.signature(type(process).__init__).parameters)[1:]:
        if not hasattr(process, key):
            raise OpinionSimError(f"rewiring == {process!r} cannot be written as a spec string "
                                  f"(it keeps no attribute {key!r}).")
        value = getattr(process, key)
        items.append(f"{key}={value!r}" if isinstance(value, float) else f"{key}={value}")
    return f"{process.name}:{','.join(items)}"
