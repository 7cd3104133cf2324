"""From an :class:`~opinionsim.dynamics.UpdateRule` and the opinions to the kernels' arguments.

This is the one place where the rule's parameters cross into the compiled
code: :func:`rule_arrays` reads each parameter once per rule (rules are
immutable; an intervention installs a new one) into three small named tuples
that the kernels take whole:

- :class:`Attend`: how weights are formed (affinity and rule codes, the
  temperature, the confidence, whether to prefetch);
- :class:`Update`: how an agent moves (anchors, step size, stubbornness,
  noise, the sphere, zealots);
- :class:`Refresh`: how an agent's query, key and value follow its opinion
  (heads, salience, key clipping), for in-place regimes.

:func:`prepare` then derives the tick's queries, keys and values from the
opinions exactly as the reference derives them.
"""

from __future__ import annotations

import math
from collections import namedtuple

import numpy as np

from ..dynamics.affinities import AFFINITIES, COSINE, unit_rows
from ..dynamics.weighting import ATTENTION, UNIFORM
from ..engine import make_keys

__all__ = ["Attend", "Update", "Heads", "Refresh", "RuleArrays", "rule_arrays", "prepare",
           "readonly", "aligned_empty", "aligned_copy", "csr_structure"]

Attend = namedtuple("Attend", "aff mode temperature inv_temperature confidence prefetch")
Update = namedtuple("Update", "X0 step_size stub noise eps sphere fixed")
Heads = namedtuple("Heads", "hoff src dst covered")
Refresh = namedtuple("Refresh",
                     "heads v_is_x k_is_v q_is_v cosine salience key_norm_clip Q K V KT VT")

#: Opinion bytes gathered per step above which the kernels prefetch (below, they are cached).
PREFETCH_ABOVE_BYTES = 4 * 2**20


def readonly(a):
    """A read-only view. Kernels see every input they only read as read-only, whichever way
    the caller's array is flagged, so one compiled version serves both (numba types differ)."""
    v = a.view()
    v.flags.writeable = False
    return v


class RuleArrays:
    """What the kernels need from a rule, for opinions of width ``d``."""

    def __init__(self, rule, d):
        hd = rule.heads
        # The reference attends a head that names every dimension over X as it is (not
        # permuted) and writes the result to the head's dimensions, so its sources are 0..d-1.
        src = np.concatenate([np.asarray(h) for h in hd]).astype(np.int64)
        identity = np.arange(d)
        covered = np.zeros(d, dtype=np.bool_)
        covered[src] = True
        self.heads = Heads(readonly(np.cumsum([0] + [len(h) for h in hd]).astype(np.int64)),
                           readonly(src), readonly(src), readonly(covered))
        self.v_is_x = bool(np.array_equal(src, identity))
        self.lean = len(hd) == 1 and self.v_is_x
        self.dh = (0.0,) * d if self.lean and d <= 4 else ()
        widths = {len(h) for h in hd}
        width = widths.pop() if len(widths) == 1 else 0
        self.dense_dh = (0.0,) * width if width <= 4 else ()
        weighting = rule.weighting
        self.mode = weighting.kernel
        self.aff = AFFINITIES[rule.affinity].kernel
        self.cosine = self.mode == ATTENTION and self.aff == COSINE
        salience = np.asarray(rule.salience, dtype=np.float64)
        self.plain_keys = salience.ndim == 0 and float(salience) == 1.0 \
            and rule.key_norm_clip is None
        self.salience = readonly(np.atleast_1d(salience).astype(np.float64))
        self.key_norm_clip = math.inf if rule.key_norm_clip is None else float(rule.key_norm_clip)
        self.temperature = float(rule.temperature)
        # x / T == x * (1 / T) exactly when 1 / T is a power of two (T = 1, 0.5, ...).
        inv = 1.0 / self.temperature
        exact = inv > 0.0 and math.isfinite(inv) and math.frexp(inv)[0] == 0.5
        self.inv_temperature = inv if exact else 0.0
        self.confidence = math.inf if rule.confidence is None else float(rule.confidence)
        self.step_size = float(rule.step_size)
        self.stub = readonly(np.atleast_1d(np.asarray(rule.stubbornness, dtype=np.float64)))
        self.sphere = rule.opinion_space == "sphere"
        self.fixed = readonly(np.zeros(0, np.bool_) if rule.fixed is None
                              else np.asarray(rule.fixed, np.bool_))
        self.noise = float(rule.noise)
        self.rule = rule


_rule_cache = (None, None, None)  # (rule, width, RuleArrays): the rule of the latest tick


def rule_arrays(rule, d):
    """The :class:`RuleArrays` of ``rule`` (cached for the latest rule)."""
    global _rule_cache
    cached_rule, cached_d, arrays = _rule_cache
    if cached_rule is not rule or cached_d != d:
        arrays = RuleArrays(rule, d)
        _rule_cache = (rule, d, arrays)
    return arrays


class Prepared:
    """One tick's kernel arguments: queries, keys, values and the three bundles."""

    def __init__(self, r, X, X0, noise_eps, *, sequential, dense):
        self.rule_arrays = r
        V = X if r.v_is_x else np.ascontiguousarray(X[:, r.heads.src])
        k_is_v = r.plain_keys and not r.cosine
        q_is_v = not r.cosine
        if r.mode == UNIFORM or (k_is_v and q_is_v):
            Q = K = V  # keys are not used (uniform) or equal the values
            k_is_v = q_is_v = True
        else:
            Q, K = _queries_keys(r, V)
        # Prefetching the speakers' rows pays once they no longer fit in the caches.
        gathered = K.nbytes + (0 if V is K else V.nbytes)
        prefetch = 0 if gathered <= PREFETCH_ABOVE_BYTES else (1 if V is K else 2)
        self.att = Attend(r.aff, r.mode, r.temperature, r.inv_temperature, r.confidence, prefetch)
        noise, eps = (r.noise, np.ascontiguousarray(noise_eps)) \
            if r.noise > 0 and noise_eps is not None else (0.0, np.zeros((0, 0)))
        self.upd = Update(X0, r.step_size, r.stub, noise, readonly(eps), r.sphere, r.fixed)
        if dense:
            KT = np.ascontiguousarray(K.T)
            VT = KT if V is K else np.ascontiguousarray(V.T)
            self.totals = V.sum(axis=0) if r.mode == UNIFORM and not sequential else np.zeros(0)
        else:
            KT = VT = np.zeros((0, 0))
        # The kernels read everything through read-only views; an in-place regime writes
        # each updated agent's query, key and value back through these writable aliases.
        none = np.zeros((0, 0))
        self.ref = Refresh(r.heads, r.v_is_x, k_is_v, q_is_v, r.cosine, r.salience,
                           r.key_norm_clip, *((Q, K, V, KT, VT) if sequential else (none,) * 5))
        self.Q, self.K, self.V = readonly(Q), readonly(K), readonly(V)
        self.KT, self.VT = readonly(KT), readonly(VT)


def _queries_keys(r, V):
    rule = r.rule
    Q = np.empty_like(V) if r.cosine else V
    K = None if r.plain_keys and r.cosine else np.empty_like(V)
    hoff = r.heads.hoff
    for h in range(len(hoff) - 1):
        c0, c1 = hoff[h], hoff[h + 1]
        Vh = np.ascontiguousarray(V[:, c0:c1])
        Kh = Vh if r.plain_keys else make_keys(Vh, salience=rule.salience,
                                               key_norm_clip=rule.key_norm_clip)
        if r.cosine:
            Q[:, c0:c1] = unit_rows(Vh)
            if K is not None:
                K[:, c0:c1] = unit_rows(Kh)
        else:
            K[:, c0:c1] = Kh
    if K is None:  # cosine with plain keys: the unit keys are the unit queries
        K = Q
    return Q, K


def prepare(rule, X, X0, noise_eps, *, sequential, dense):
    """The tick's :class:`Prepared` arguments for opinions ``X``."""
    return Prepared(rule_arrays(rule, X.shape[1]), X, X0, noise_eps, sequential=sequential,
                    dense=dense)


def aligned_empty(shape):
    """An empty C-ordered float64 array whose data start on a 64-byte cache-line boundary.

    The new opinions are gathered by the next step: a row of 16 doubles then
    spans 2 cache lines instead of 3, a third less memory read per gather.
    """
    size = math.prod(shape)
    raw = np.empty(size + 8)
    start = (-raw.ctypes.data % 64) // 8
    return raw[start:start + size].reshape(shape)


def aligned_copy(X):
    out = aligned_empty(X.shape)
    out[...] = X
    return out


def csr_structure(adjacency):
    """indptr and indices, sorted within rows as the reference sorts them (never in place)."""
    import scipy.sparse as sp

    if adjacency.format != "csr":
        adjacency = sp.csr_array(adjacency)
    if not adjacency.has_sorted_indices:
        adjacency = sp.csr_array(adjacency, copy=True)
        adjacency.sort_indices()
    indptr, indices = adjacency.indptr, adjacency.indices
    if indptr.dtype not in (np.int32, np.int64):
        indptr = indptr.astype(np.int64)
    if indices.dtype not in (np.int32, np.int64):
        indices = indices.astype(np.int64)
    return np.ascontiguousarray(indptr), np.ascontiguousarray(indices)
