"""From an :class:`~opinionsim.dynamics.UpdateRule` and the opinions to the kernels' arguments.

This is the one place where the rule's parameters cross into the compiled
code: :class:`RuleArrays` reads each parameter once per rule (rules are
immutable; an intervention installs a new one), and :func:`prepare` packs a
tick into four small named tuples that the kernels take whole:

- :class:`Attend`: how weights are formed (affinity and rule codes, the
  temperatures, the confidence, prefetching, prior edge weights, the tick's
  dropout coins, the entropy floor, ablated heads);
- :class:`Update`: how an agent moves (anchors, step size, stubbornness,
  noise, the sphere, zealots);
- :class:`Refresh`: how an agent's query, key and value follow its opinion
  (heads, maps, salience, key clipping), for in-place regimes;
- :class:`ByProducts`: what a step reports on the side (per-agent attention
  entropy, the largest change per chunk of rows).

Queries, keys and values mean what the reference derives
(:func:`opinionsim.dynamics.influence.head_inputs`). With maps or sources,
only those that differ from the opinions are derived, by a compiled pass
(:func:`.rows.derive_rows`, the per-agent refresh of the sequential regime
run over all rows) into buffers reused from tick to tick.
"""

from __future__ import annotations

import math
import threading
from collections import namedtuple

import numpy as np
import scipy.linalg

from ..dynamics.affinities import AFFINITIES, COSINE, unit_rows
from ..dynamics.weighting import ATTENTION, BOUNDED, FROZEN, UNIFORM

__all__ = ["Attend", "Update", "Heads", "Refresh", "ByProducts", "RuleArrays", "rule_arrays",
           "prepare", "readonly", "aligned_empty", "aligned_copy", "csr_structure"]

Attend = namedtuple("Attend", "aff mode temps invs confidence prefetch lw key step drop floor "
                              "hmodes")
Update = namedtuple("Update", "X0 step_size stub noise eps sphere fixed")
Heads = namedtuple("Heads", "hoff qoff src dst covered")
Refresh = namedtuple("Refresh", "heads v_own k_own q_own voff cosine salience key_norm_clip "
                                "q_map k_map v_map WQ WK WV Q K V KT VT")
ByProducts = namedtuple("ByProducts", "entropy largest")

#: Opinion bytes gathered per step above which the kernels prefetch (below, they are cached).
PREFETCH_ABOVE_BYTES = 4 * 2**20

_NONE2 = np.zeros((0, 0))


def readonly(a):
    """A read-only view. Kernels see every input they only read as read-only, whichever way
    the caller's array is flagged, so one compiled version serves both (numba types differ)."""
    v = a.view()
    v.flags.writeable = False
    return v


# Read-only placeholders made once (the kernels never write them; same types as a fresh view).
_NONE2_RO = readonly(_NONE2)
_NONE1_RO = readonly(np.zeros(0))


def _exact_inverse(T):
    """1/T where ``x / T == x * (1/T)`` exactly (1/T a power of two), else 0."""
    inv = 1.0 / T
    exact = (inv > 0.0) & np.isfinite(inv) & (np.frexp(inv)[0] == 0.5)
    return np.where(exact, inv, 0.0)


class RuleArrays:
    """What the kernels need from a rule, for opinions of width ``d``."""

    def __init__(self, rule, d):
        hd = rule.heads
        # The reference attends a head that names every dimension over X as it is (not
        # permuted) and writes the result to the head's dimensions, so its sources are 0..d-1.
        src = np.concatenate([np.asarray(h) for h in hd]).astype(np.int64)
        covered = np.zeros(d, dtype=np.bool_)
        covered[rule.covered] = True
        maps = [rule.head_maps(h) for h in range(len(hd))]
        widths = [len(h) for h in hd]
        qwidths = [w if WQ is None else WQ.shape[0] for w, (WQ, _, _) in zip(widths, maps)]
        self.q_map, self.k_map, self.v_map = (any(m[k] is not None for m in maps)
                                              for k in range(3))
        self.WQ, self.WK, self.WV = (
            readonly(scipy.linalg.block_diag(*[np.eye(w) if m[k] is None else m[k]
                                               for w, m in zip(widths, maps)]))
            if flag else _NONE2 for k, flag in enumerate((self.q_map, self.k_map, self.v_map)))
        self.heads = Heads(readonly(np.cumsum([0] + widths).astype(np.int64)),
                           readonly(np.cumsum([0] + qwidths).astype(np.int64)),
                           readonly(src), readonly(src), readonly(covered))
        self.mapped = self.q_map or self.k_map or self.v_map
        identity = bool(np.array_equal(src, np.arange(d)))  # the heads read X's columns in order
        self.v_is_x = identity and not self.v_map
        modes = [rule.head_mode(h) for h in range(len(hd))]
        # One head over all dimensions (values mapped or not): the lean kernel.
        self.lean = len(hd) == 1 and identity and modes[0] == "attention"
        self.dh = (0.0,) * qwidths[0] if self.lean and qwidths[0] <= 4 else ()
        qw = set(qwidths)
        width = qw.pop() if len(qw) == 1 else 0
        self.dense_dh = (0.0,) * width if width <= 4 else ()
        weighting = rule.weighting
        self.mode = weighting.kernel
        self.hmodes = readonly(np.zeros(0, np.int64)) if rule.head_modes is None else \
            readonly(np.array([{"attention": self.mode, "uniform": UNIFORM, "frozen": FROZEN}[m]
                               for m in modes], np.int64))
        # Up to three heads of width 1 to 4 whose queries are as wide as their values: the heads
        # kernel scores and sums them all in one pass, each width a compile-time constant
        # (the length of a tuple; an empty tuple: not this path).
        # Then three more whose lengths are the heads' kinds (0 frozen, 1 uniform, 2 attention),
        # so each head's branches go at compile time; one live head keeps the generic path.
        kinds = [0 if m == "frozen" else 1 if m == "uniform" or self.mode == UNIFORM else 2
                 for m in modes]
        small = not self.lean and len(widths) <= 3 and max(widths) <= 4 \
            and qwidths == widths and self.mode != BOUNDED and sum(k > 0 for k in kinds) >= 2
        pad = ((),) * (3 - len(widths))
        self.hw = tuple((0.0,) * w for w in widths) + pad + tuple((0.0,) * k for k in kinds) \
            + pad if small else ()
        self.aff = AFFINITIES[rule.affinity].kernel
        self.cosine = self.mode == ATTENTION and self.aff == COSINE
        salience = np.asarray(rule.salience, dtype=np.float64)
        self.plain_keys = salience.ndim == 0 and float(salience) == 1.0 \
            and rule.key_norm_clip is None and not self.k_map
        # With maps or sources: which of Q, K, V differ from X and must be derived each step.
        self.q_own = self.q_map or self.cosine or not identity
        self.k_own = not self.plain_keys or self.cosine or not identity
        self.v_own = not self.v_is_x
        self.salience = readonly(np.atleast_1d(salience).astype(np.float64))
        self.key_norm_clip = math.inf if rule.key_norm_clip is None else float(rule.key_norm_clip)
        temps = np.atleast_1d(np.asarray(rule.temperature, dtype=np.float64))
        self.temps = readonly(temps)
        self.invs = readonly(_exact_inverse(temps))
        self.confidence = math.inf if rule.confidence is None else float(rule.confidence)
        self.step_size = float(rule.step_size)
        self.stub = readonly(np.atleast_1d(np.asarray(rule.stubbornness, dtype=np.float64)))
        self.sphere = rule.opinion_space == "sphere"
        self.fixed = readonly(np.zeros(0, np.bool_) if rule.fixed is None
                              else np.asarray(rule.fixed, np.bool_))
        self.noise = float(rule.noise)
        self.drop = float(rule.attention_dropout)
        self.floor = float(rule.attention_entropy_floor or 0.0)
        self.rule = rule
        self._refresh = {}  # the Refresh bundle of a regime that does not write it, by flags

    def refresh(self, v_own, k_own, q_own, voff, arrays=None):
        """The :class:`Refresh` bundle writing to ``arrays`` (Q, K, V, KT, VT); without them
        (not an in-place regime), the one made for these flags, kept."""
        if arrays is None:
            key = (v_own, k_own, q_own, voff)
            ref = self._refresh.get(key)
            if ref is None:
                ref = self._refresh[key] = self.refresh(v_own, k_own, q_own, voff,
                                                        (_NONE2,) * 5)
            return ref
        return Refresh(self.heads, v_own, k_own, q_own, voff, self.cosine, self.salience,
                       self.key_norm_clip, self.q_map, self.k_map, self.v_map, self.WQ, self.WK,
                       self.WV, *arrays)


_rule_cache = (None, None, None)  # (rule, width, RuleArrays): the rule of the latest tick
_weights_cache = (None, None)     # (structure, log weights): the structure of the latest tick


def rule_arrays(rule, d):
    """The :class:`RuleArrays` of ``rule`` (cached for the latest rule)."""
    global _rule_cache
    cached_rule, cached_d, arrays = _rule_cache
    if cached_rule is not rule or cached_d != d:
        arrays = RuleArrays(rule, d)
        _rule_cache = (rule, d, arrays)
    return arrays


def _log_weights(structure):
    global _weights_cache
    if _weights_cache[0] is not structure:
        _weights_cache = (structure, readonly(np.log(structure.data)))
    return _weights_cache[1]


class Prepared:
    """One tick's kernel arguments: queries, keys, values and the four bundles."""

    def __init__(self, r, X, X0, noise_eps, structure, ctx, n_chunks, want_entropy, *,
                 sequential, dense):
        self.rule_arrays = r
        sources = ctx is not None and ctx.source_opinions is not None
        voff = 0
        if r.mapped or sources:
            Q, K, V, (v_own, k_own, q_own), voff = _derived_inputs(
                r, X, ctx if sources else None, dense)
        else:
            V = X if r.v_is_x else np.ascontiguousarray(X[:, r.heads.src])
            k_is_v = r.plain_keys and not r.cosine
            q_is_v = not r.cosine
            if r.mode == UNIFORM or (k_is_v and q_is_v):
                Q = K = V  # keys are not used (uniform) or equal the values
                k_is_v = q_is_v = True
            else:
                Q, K = _queries_keys(r, V)
            v_own, k_own, q_own = V is not X, not k_is_v, not q_is_v
        # Prefetching the speakers' rows pays once they no longer fit in the caches.
        gathered = K.nbytes + (0 if V is K else V.nbytes)
        prefetch = 0 if gathered <= PREFETCH_ABOVE_BYTES else (1 if V is K else 2)
        weighted = ctx is not None and ctx.weighted
        self.att = Attend(r.aff, r.mode, r.temps, r.invs, r.confidence, prefetch,
                          _log_weights(structure) if weighted else _NONE1_RO,
                          np.uint64(0 if ctx is None else ctx.edge_key),
                          0 if ctx is None else int(ctx.step), r.drop, r.floor, r.hmodes)
        noise, eps = (r.noise, np.ascontiguousarray(noise_eps)) \
            if r.noise > 0 and noise_eps is not None else (0.0, _NONE2)
        self.upd = Update(X0, r.step_size, r.stub, noise,
                          _NONE2_RO if eps is _NONE2 else readonly(eps), r.sphere, r.fixed)
        if dense:  # (keys and values in arrays of their own here: voff == 0)
            KT = np.ascontiguousarray(K.T)
            VT = KT if V is K else np.ascontiguousarray(V.T)
            self.totals = V.sum(axis=0) if r.mode == UNIFORM and not sequential else np.zeros(0)
        else:
            KT = VT = _NONE2
        # The kernels read everything through read-only views; an in-place regime writes
        # each updated agent's query, key and value back through these writable aliases.
        self.ref = r.refresh(v_own, k_own, q_own, voff, (Q, K, V, KT, VT) if sequential
                             else None)
        if Q is K and K is V:
            self.Q = self.K = self.V = readonly(V)
        else:
            self.Q, self.K = readonly(Q), readonly(K)
            self.V = self.K if V is K else readonly(V)
        if dense:
            self.KT, self.VT = readonly(KT), readonly(VT)
        else:
            self.KT = self.VT = _NONE2_RO
        self.bp = ByProducts(np.zeros(X.shape[0] if want_entropy else 0), np.zeros(n_chunks))


#: Rows derived per step above which the derivation runs on the kernels' threads.
_PARALLEL_DERIVE_ROWS = 20_000


_scratch = threading.local()  # per thread: the derived arrays of its latest tick, by role


def _scratch_empty(role, shape):
    """An aligned array for this tick's derived ``role`` ("Q", "K", "V" or "KV"), reused from
    this thread's previous tick when the shape matches: a fresh one of 64 MB (1e6 agents)
    costs ~7 ms of page faults per tick. Safe because no array of a tick outlives it (the
    kernels return new opinions and by-products only) and a thread runs one tick at a time;
    every row a kernel reads is rewritten before the kernel runs. (The price: the latest
    tick's buffers stay allocated, as big as the tick needed.)"""
    bufs = getattr(_scratch, "bufs", None)
    if bufs is None:
        bufs = _scratch.bufs = {}
    a = bufs.get(role)
    if a is None or a.shape != shape:
        a = bufs[role] = aligned_empty(shape)
    return a


def _padded(width):
    """A row width that tiles 64-byte cache lines: 1, 2, 4, or a multiple of 8 doubles."""
    return 1 << (width - 1).bit_length() if width <= 8 else -(-width // 8) * 8


def _derived_inputs(r, X, ctx, dense):
    """Q, K, V with maps or sources (``ctx`` None without), as ``head_inputs`` derives them.

    Only what differs from ``X`` is derived (an unmapped query is ``X`` itself);
    keys and values have the sources' rows after the agents'. For the lean
    kernel on a sparse network, keys and values that are not both ``X`` share
    one array, row j holding k_j then v_j (from column ``voff``), padded so a
    row tiles a cache line: each edge then gathers one line, not one per array.
    Returns ``Q, K, V, (v_own, k_own, q_own), voff``; the flags say which arrays
    hold derived rows (what :func:`.rows.refresh_row` rewrites).
    """
    from . import threads
    from .rows import derive_rows

    n = X.shape[0]
    S = None if ctx is None else np.ascontiguousarray(ctx.source_opinions, dtype=np.float64)
    m = 0 if S is None else S.shape[0]
    dq = int(r.heads.qoff[-1])
    dv = r.heads.src.shape[0]
    q_own, k_own, v_own = r.q_own, r.k_own, r.v_own
    if m:
        src_sal = readonly(np.atleast_1d(np.asarray(ctx.source_salience, dtype=np.float64)))
        # The sources' keys are their values only at salience 1 (their rows follow the agents').
        k_own = k_own or bool(np.any(src_sal != 1.0))
    Q = _scratch_empty("Q", (n, dq)) if q_own else X
    voff = 0
    if r.lean and not dense and (k_own or v_own):
        voff = dq
        K = V = _scratch_empty("KV", (n + m, _padded(dq + dv)))
        k_own = v_own = True
    elif m and not (k_own or v_own):
        K = V = _scratch_empty("KV", (n + m, dv))  # X's rows (as the values), then the sources'
        v_own = True
    else:
        K = _scratch_empty("K", (n + m, dq)) if k_own or m else X
        V = _scratch_empty("V", (n + m, dv)) if v_own or m else X
        k_own, v_own = k_own or m > 0, v_own or m > 0
    own = (Q if q_own else _NONE2, K if k_own else _NONE2, V if v_own else _NONE2, _NONE2,
           _NONE2)
    if q_own or k_own or v_own:
        ref = r.refresh(v_own, k_own, q_own, voff, own)
        n_threads = threads.get_num_threads()
        n_chunks = 1 if n < _PARALLEL_DERIVE_ROWS else n_threads
        bounds = np.linspace(0, n, n_chunks + 1).astype(np.int64)
        Xr = readonly(X)
        threads.run_chunks(lambda c: derive_rows(bounds[c], bounds[c + 1], Xr, ref), n_chunks,
                           n_threads)
    if m:
        tail = (_NONE2, K[n:] if k_own else _NONE2, V[n:] if v_own else _NONE2, _NONE2, _NONE2)
        ref = r.refresh(v_own, k_own, False, voff, tail)._replace(salience=src_sal)
        derive_rows(0, m, readonly(S), ref)
    return Q, K, V, (v_own, k_own, q_own), voff


def _queries_keys(r, V):
    rule = r.rule
    from ..engine import make_keys

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


def prepare(rule, X, X0, noise_eps, structure, ctx, n_chunks, want_entropy, *, sequential,
            dense):
    """The tick's :class:`Prepared` arguments for opinions ``X``."""
    return Prepared(rule_arrays(rule, X.shape[1]), X, X0, noise_eps, structure, ctx, n_chunks,
                    want_entropy, sequential=sequential, dense=dense)


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
