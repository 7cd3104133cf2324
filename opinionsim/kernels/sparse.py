"""Compiled kernels for sparse (CSR) networks: one listener row at a time.

One pass per listener row computes the scores of its edges into a small
buffer while *prefetching* the rows of the speakers a few edges ahead (across
row boundaries); a second pass takes the row max, ``exp((s - max) / T)`` (the
vectorisable :func:`~.intrinsics.exp_le0`) and the weighted sum of the values,
which are by then in L1. The update rule is fused into the same pass, so a
step reads each adjacency entry once and writes each opinion once.

Two row kernels cover every activation regime (``sequential=False``: rows
``lo..hi`` or ``rows[lo:hi]`` from the old opinions into ``out``;
``sequential=True``: agents in ``rows`` order, updated in place, each hearing
the latest opinions):

- :func:`lean`: one head over all dimensions (values the opinions or mapped);
  the query width (1 to 4) is a compile-time constant, so the column loops unroll;
- :func:`heads`: any heads (several, partial, permuted, ablated or mapped); up
  to three small heads of a plain rule are scored and summed in one pass.

An attention row with ties dropped this tick, prior edge weights or an entropy
floor goes through :func:`.weights.attention_options` (the rare row below its
floor, and the other rules, through :func:`.weights.option_weights`); the plain
row keeps its own loops.

What they support is declared in :data:`SUPPORTS`; the dispatcher never sends
them anything else.
"""

from __future__ import annotations

import math

import numpy as np

from ..dynamics.affinities import DISTANCE, DOT, LOG_DISTANCE, LOG_DISTANCE_DELTA
from ..dynamics.weighting import ATTENTION, BOUNDED, FROZEN, UNIFORM
from .intrinsics import exp_le0, jit, prefetch_row
from .rows import finish_row, normalise_row, refresh_row, worse
from .weights import attention_options, draw_kept, option_weights

__all__ = ["SUPPORTS", "lean", "heads"]

#: Names these kernels implement (the built-in affinities, weighting rules and regimes).
SUPPORTS = {
    "affinity": frozenset({"dot", "cosine", "distance", "log_distance"}),
    "rule": frozenset({"attention", "uniform", "bounded_confidence"}),
    "activation": frozenset({"synchronous", "random_sequential", "random_async"}),
    # Sampled contacts run on the reference engine (a Python loop over listeners).
    "interaction": frozenset({"weighted"}),
}

LOG_DELTA2 = LOG_DISTANCE_DELTA ** 2

#: Edges ahead of the current one whose speaker rows are prefetched.
_PREFETCH_DISTANCE = 24


@jit(inline="always")
def _prefetch_ahead(indices, e, b, a2, b2, R):
    # The prefetch stream runs through this row's edges [.., b) and then the next row's [a2, b2).
    p = e + _PREFETCH_DISTANCE
    if p < b:
        prefetch_row(R, indices[p])
    else:
        p = p - b + a2
        if p < b2:
            prefetch_row(R, indices[p])


@jit(inline="always")
def _scores(DH, i, c0, c1, a, b, a2, b2, indices, Q, K, V, dist, scale, prefetch, buf,
            logd=False):
    """Scores of listener i for the speakers of edges [a, b) into buf; returns their max.

    ``DH`` is the head width when it is 1 to 4 and 0 otherwise; kernels receive
    it as the length of a tuple, so it is a compile-time constant, the loop over
    columns unrolls and the query stays in registers. Distances are negated; dot
    products are divided by ``scale`` (sqrt(width) for "dot", 1 for "cosine");
    ``logd`` turns squared distances into the "log_distance" score.
    ``prefetch``: 0 none (everything fits in cache), 1 the keys, 2 keys and values.
    """
    q0 = Q[i, c0]
    q1 = Q[i, c0 + 1] if DH >= 2 else 0.0
    q2 = Q[i, c0 + 2] if DH >= 3 else 0.0
    q3 = Q[i, c0 + 3] if DH >= 4 else 0.0
    m = -np.inf
    for e in range(a, b):
        if prefetch > 0:
            _prefetch_ahead(indices, e, b, a2, b2, K)
            if prefetch > 1:
                _prefetch_ahead(indices, e, b, a2, b2, V)
        j = indices[e]
        if DH == 0:
            s = 0.0
            if dist:
                for c in range(c0, c1):
                    diff = Q[i, c] - K[j, c]
                    s += diff * diff
            else:
                for c in range(c0, c1):
                    s += Q[i, c] * K[j, c]
        elif dist:
            diff = q0 - K[j, c0]
            s = diff * diff
            if DH >= 2:
                diff = q1 - K[j, c0 + 1]
                s += diff * diff
            if DH >= 3:
                diff = q2 - K[j, c0 + 2]
                s += diff * diff
            if DH >= 4:
                diff = q3 - K[j, c0 + 3]
                s += diff * diff
        else:
            s = q0 * K[j, c0]
            if DH >= 2:
                s += q1 * K[j, c0 + 1]
            if DH >= 3:
                s += q2 * K[j, c0 + 2]
            if DH >= 4:
                s += q3 * K[j, c0 + 3]
        if logd:
            s = -0.5 * math.log(s + LOG_DELTA2)
        elif dist:
            s = -s
        else:
            s = s / scale
        buf[e - a] = s
        if s > m:
            m = s
    return m


@jit(inline="always")
def _weighted_sums(a, n, indices, V, w, c0, c1, res, zb, want_h):
    """res[c] = sum_t w[t] V[j_t, c] for c in [c0, c1); returns (sum_t w[t], sum_t w[t] zb[t]).

    Four scalar accumulators per pass over the edges keep the sums in registers;
    the entropy's sum rides along (an independent chain, so it costs no latency)
    when ``want_h``.
    """
    total = 0.0
    hz = 0.0
    c = c0
    while c + 4 <= c1:
        total = 0.0
        hz = 0.0
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for t in range(n):
            j = indices[a + t]
            wt = w[t]
            total += wt
            if want_h:
                hz += wt * zb[t]
            s0 += wt * V[j, c]
            s1 += wt * V[j, c + 1]
            s2 += wt * V[j, c + 2]
            s3 += wt * V[j, c + 3]
        res[c] = s0
        res[c + 1] = s1
        res[c + 2] = s2
        res[c + 3] = s3
        c += 4
    rest = c1 - c
    if rest == 3:
        total = 0.0
        hz = 0.0
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        for t in range(n):
            j = indices[a + t]
            wt = w[t]
            total += wt
            if want_h:
                hz += wt * zb[t]
            s0 += wt * V[j, c]
            s1 += wt * V[j, c + 1]
            s2 += wt * V[j, c + 2]
        res[c] = s0
        res[c + 1] = s1
        res[c + 2] = s2
    elif rest == 2:
        total = 0.0
        hz = 0.0
        s0 = 0.0
        s1 = 0.0
        for t in range(n):
            j = indices[a + t]
            wt = w[t]
            total += wt
            if want_h:
                hz += wt * zb[t]
            s0 += wt * V[j, c]
            s1 += wt * V[j, c + 1]
        res[c] = s0
        res[c + 1] = s1
    elif rest == 1:
        total = 0.0
        hz = 0.0
        s0 = 0.0
        for t in range(n):
            wt = w[t]
            total += wt
            if want_h:
                hz += wt * zb[t]
            s0 += wt * V[indices[a + t], c]
        res[c] = s0
    return total, hz


def _head_sums_for(options):
    """:func:`_head_sums` (``options`` True) or :func:`_plain_head_sums` (False)."""

    @jit(inline="always", cache=False)  # (inlined into the kernels, which are cached)
    def head_sums(DH, i, q0, q1, v0, v1, a, b, a2, b2, indices, Q, K, V, aff, mode, T, inv,
                  confidence, prefetch, lw, key, step, drop, floor, buf, zb, kept, res):
        """Weighted sums of value columns [v0, v1) heard by listener i over edges [a, b).

        Scores read query/key columns [q0, q1). Writes the unnormalised sums to
        res[v0:v1] and returns ``(total weight, Σ w z)`` (see :mod:`.weights`);
        the total is 0 when the listener is silent (no edge, every tie dropped, or
        nobody within the confidence). ``inv`` is 1 / T where that is exact (a
        power of two), else 0: multiplying by it then gives the reference's
        quotient bit for bit. With ``options``, a tie may be dropped, weighted, or
        the temperature floored (the row goes to :func:`.weights.option_weights`).
        An empty ``zb`` means no entropy is wanted.
        """
        n = b - a
        want_h = zb.shape[0] > 0
        hz = 0.0
        sum_h = want_h and mode == ATTENTION  # Σ w z rides on the weighted sums (zb holds z)
        if mode == UNIFORM and not options:
            for e in range(a, b):
                if prefetch > 0:
                    _prefetch_ahead(indices, e, b, a2, b2, V)
                buf[e - a] = 1.0
        elif n > 0:
            m = 0.0
            if mode != UNIFORM:
                logd = mode != BOUNDED and aff == LOG_DISTANCE
                dist = mode == BOUNDED or aff == DISTANCE or logd
                scale = math.sqrt(q1 - q0) if aff == DOT else 1.0
                m = _scores(DH, i, q0, q1, a, b, a2, b2, indices, Q, K, V, dist, scale, prefetch,
                            buf, logd)
                if mode == BOUNDED:
                    # sqrt(fl(x**2)) == |x| in IEEE arithmetic, as in the reference: ties at the
                    # radius count.
                    for t in range(n):
                        buf[t] = 1.0 if math.sqrt(-buf[t]) <= confidence else 0.0
            if options and mode == ATTENTION:
                hz, sum_h, redo = attention_options(buf, kept, zb, n, m, lw, a, key, step, drop, T,
                                                    inv, floor, want_h)
                if redo:  # below the entropy floor at T (rare): search the floored temperature
                    n_kept = _rescore(i, q0, q1, a, b, indices, Q, K, aff, drop, buf, kept)
                    hz = option_weights(buf, kept, n, n_kept, lw, a, lw.shape[0] > 0, mode, T,
                                        floor, inv)
            elif options:
                sum_h = False
                n_kept = n
                if drop > 0.0:
                    n_kept = draw_kept(key, step, a, n, drop, kept)
                else:
                    for t in range(n):
                        kept[t] = True
                if n_kept == 0:
                    for t in range(n):
                        buf[t] = 0.0
                else:
                    hz = option_weights(buf, kept, n, n_kept, lw, a, lw.shape[0] > 0, mode, T,
                                        floor, inv)
            elif mode == BOUNDED:
                pass  # weights 1 or 0: Σ w z = 0
            elif want_h:
                if inv > 0.0:
                    for t in range(n):
                        z = (buf[t] - m) * inv
                        zb[t] = z
                        buf[t] = exp_le0(z)
                else:
                    for t in range(n):
                        z = (buf[t] - m) / T
                        zb[t] = z
                        buf[t] = exp_le0(z)
            elif inv > 0.0:
                for t in range(n):
                    buf[t] = exp_le0((buf[t] - m) * inv)
            else:
                for t in range(n):
                    buf[t] = exp_le0((buf[t] - m) / T)
        # One call site: a second inlined copy of this loop slows the whole kernel down.
        total, zsum = _weighted_sums(a, n, indices, V, buf, v0, v1, res, zb, sum_h)
        return total, zsum if sum_h else hz

    return head_sums


# One source, two functions: numba reads ``options`` (a closure's constant) at compile time
# and drops the branches it rules out before a kernel inlines the function, so a kernel
# without options inlines the smaller one (numba's inliner copies the whole callee, dead
# code included: inlining the one with options takes 3.0 s of `lean`'s compile, the plain
# one 1.3 s).
_head_sums = _head_sums_for(True)
_plain_head_sums = _head_sums_for(False)


@jit()
def _rescore(i, q0, q1, a, b, indices, Q, K, aff, drop, buf, kept):
    """An attention row's scores again (after :func:`.weights.attention_options` used up
    ``buf``), and its kept ties (all, when nothing is dropped): their count. Out of line,
    for the rare row that the entropy floor lifts."""
    logd = aff == LOG_DISTANCE
    dist = aff == DISTANCE or logd
    scale = math.sqrt(q1 - q0) if aff == DOT else 1.0
    _scores(0, i, q0, q1, a, b, 0, 0, indices, Q, K, K, dist, scale, 0, buf, logd)
    n = b - a
    if drop > 0.0:
        n_kept = 0
        for t in range(n):
            n_kept += kept[t]
        return n_kept
    for t in range(n):
        kept[t] = True
    return n


@jit(inline="always")
def entropy(total, hz):
    """Entropy (nats) of weights whose sum is ``total`` and ``Σ w z = hz``; NaN when silent
    (a listener with nobody to listen to has no attention to measure)."""
    return math.log(total) - hz / total if total > 0.0 else np.nan


@jit(inline="always")
def _max_degree(lo, hi, rows, indptr):
    use_rows = rows.shape[0] > 0
    max_deg = 0
    for r in range(lo, hi):
        i = rows[r] if use_rows else r
        deg = indptr[i + 1] - indptr[i]
        if deg > max_deg:
            max_deg = deg
    return max_deg


@jit(inline="always")
def _next_edges(r, hi, rows, indptr, b, end):
    """Edges to prefetch after this row: the next listed row's, or the rest of the range."""
    if rows.shape[0] == 0:
        return b, end
    if r + 1 < hi:
        return indptr[rows[r + 1]], indptr[rows[r + 1] + 1]
    return 0, 0


@jit(inline="always")
def _prefetch_order(r, order, indptr, indices, X, K):
    # A random order defeats the hardware prefetcher: fetch what the agents a few places
    # ahead will read (their row pointers, then their edge lists and opinions).
    n = order.shape[0]
    if r + 8 < n:
        prefetch_row(indptr, order[r + 8])
    if r + 4 < n:
        nxt = order[r + 4]
        prefetch_row(indices, indptr[nxt])
        prefetch_row(X, nxt)
    if r + 2 < n:
        nxt = order[r + 2]
        for e in range(indptr[nxt], indptr[nxt + 1]):
            prefetch_row(K, indices[e])


# ---- several small heads in one pass -------------------------------------------------------
# ``hw`` holds three tuples whose lengths are the heads' widths (0: no such head), so the
# column loops of each head unroll; :func:`heads` then reads each edge's speaker row once for
# every head's score and once for every head's sums (see RuleArrays.hw for when it applies).

@jit(inline="always")
def _head_query(D, Q, i, c0):
    """Listener i's query for a head of width D on columns c0 .. c0 + D (0 past D), read
    once per row: the score buffers' stores could alias Q, so it would be reloaded per edge."""
    return (Q[i, c0], Q[i, c0 + 1] if D >= 2 else 0.0, Q[i, c0 + 2] if D >= 3 else 0.0,
            Q[i, c0 + 3] if D >= 4 else 0.0)


@jit(inline="always")
def _head_score(D, q, K, j, c0, dist, logd, scale):
    """The score of one edge for a head of width D (1 to 4) on columns c0 .. c0 + D."""
    if dist:
        diff = q[0] - K[j, c0]
        s = diff * diff
        if D >= 2:
            diff = q[1] - K[j, c0 + 1]
            s += diff * diff
        if D >= 3:
            diff = q[2] - K[j, c0 + 2]
            s += diff * diff
        if D >= 4:
            diff = q[3] - K[j, c0 + 3]
            s += diff * diff
        if logd:
            return -0.5 * math.log(s + LOG_DELTA2)
        return -s
    s = q[0] * K[j, c0]
    if D >= 2:
        s += q[1] * K[j, c0 + 1]
    if D >= 3:
        s += q[2] * K[j, c0 + 2]
    if D >= 4:
        s += q[3] * K[j, c0 + 3]
    return s / scale


@jit(inline="always")
def _head_acc(D, w, V, j, c0, s0, s1, s2, s3):
    s0 += w * V[j, c0]
    if D >= 2:
        s1 += w * V[j, c0 + 1]
    if D >= 3:
        s2 += w * V[j, c0 + 2]
    if D >= 4:
        s3 += w * V[j, c0 + 3]
    return s0, s1, s2, s3


@jit(inline="always")
def _head_exp(sb, zs, n, m, inv, T, want_h):
    """An attention head's scores sb[:n] to exp((s - m) / T) (z to zs when wanted).

    The loops run over n rounded up to a multiple of 8 (the buffers are that long and
    start as zeros; the lanes past n are never read): rows have a few edges, and the
    scalar remainder of the vectorised exp would otherwise cost as much as its body.
    """
    n = (n + 7) & ~7
    if want_h:
        if inv > 0.0:
            for t in range(n):
                z = (sb[t] - m) * inv
                zs[t] = z
                sb[t] = exp_le0(z)
        else:
            for t in range(n):
                z = (sb[t] - m) / T
                zs[t] = z
                sb[t] = exp_le0(z)
    elif inv > 0.0:
        for t in range(n):
            sb[t] = exp_le0((sb[t] - m) * inv)
    else:
        for t in range(n):
            sb[t] = exp_le0((sb[t] - m) / T)


@jit(inline="always")
def _head_out(D, i, X, soc, dst, c0, total, s0, s1, s2, s3):
    """soc at the head's destinations: its sums over the total (the opinion when silent)."""
    if total != 0.0:
        soc[dst[c0]] = s0 / total
        if D >= 2:
            soc[dst[c0 + 1]] = s1 / total
        if D >= 3:
            soc[dst[c0 + 2]] = s2 / total
        if D >= 4:
            soc[dst[c0 + 3]] = s3 / total
    else:
        for t in range(c0, c0 + D):
            soc[dst[t]] = X[i, dst[t]]


@jit(inline="always")
def _small_heads(hw, i, a, b, a2, b2, indices, Q, K, V, X, aff, hoff, T, inv, prefetch,
                 want_h, sb0, sb1, sb2, zs0, zs1, zs2, dst, soc):
    """The social term of listener i under up to three small heads, into soc; returns the
    summed entropy of its live heads and their number. ``len(hw[3 + h])``: head h's kind,
    0 frozen, 1 uniform, 2 attention. The same arithmetic as :func:`_head_sums`, head by head."""
    D0 = len(hw[0])
    D1 = len(hw[1])
    D2 = len(hw[2])
    k0 = len(hw[3])
    k1 = len(hw[4])
    k2 = len(hw[5])
    c0 = hoff[0]
    c1 = hoff[1] if D1 > 0 else 0
    c2 = hoff[2] if D2 > 0 else 0
    logd = aff == LOG_DISTANCE
    dist = aff == DISTANCE or logd
    dot = aff == DOT
    n = b - a
    m0 = -np.inf
    m1 = -np.inf
    m2 = -np.inf
    scores = k0 == 2 or k1 == 2 or k2 == 2
    q0 = _head_query(D0, Q, i, c0)
    q1 = _head_query(D1, Q, i, c1) if D1 > 0 else q0
    q2 = _head_query(D2, Q, i, c2) if D2 > 0 else q0
    sc0 = math.sqrt(D0) if dot else 1.0
    sc1 = math.sqrt(D1) if dot else 1.0
    sc2 = math.sqrt(D2) if dot else 1.0
    for e in range(a, b):
        if prefetch > 0:
            _prefetch_ahead(indices, e, b, a2, b2, K)
            if prefetch > 1:
                _prefetch_ahead(indices, e, b, a2, b2, V)
        if not scores:
            continue
        j = indices[e]
        t = e - a
        if k0 == 2:
            s = _head_score(D0, q0, K, j, c0, dist, logd, sc0)
            sb0[t] = s
            m0 = max(m0, s)
        if D1 > 0 and k1 == 2:
            s = _head_score(D1, q1, K, j, c1, dist, logd, sc1)
            sb1[t] = s
            m1 = max(m1, s)
        if D2 > 0 and k2 == 2:
            s = _head_score(D2, q2, K, j, c2, dist, logd, sc2)
            sb2[t] = s
            m2 = max(m2, s)
    # Each head's exp loop over its own 1-D buffer vectorises (over sb[h, t] it does not).
    if n > 0:
        if k0 == 2:
            _head_exp(sb0, zs0, n, m0, inv, T, want_h)
        if D1 > 0 and k1 == 2:
            _head_exp(sb1, zs1, n, m1, inv, T, want_h)
        if D2 > 0 and k2 == 2:
            _head_exp(sb2, zs2, n, m2, inv, T, want_h)
    tot0 = 0.0
    tot1 = 0.0
    tot2 = 0.0
    hz0 = 0.0
    hz1 = 0.0
    hz2 = 0.0
    s00 = s01 = s02 = s03 = 0.0
    s10 = s11 = s12 = s13 = 0.0
    s20 = s21 = s22 = s23 = 0.0
    for t in range(n):
        j = indices[a + t]
        if k0 != 0:
            w = sb0[t] if k0 == 2 else 1.0
            tot0 += w
            if want_h and k0 == 2:
                hz0 += w * zs0[t]
            s00, s01, s02, s03 = _head_acc(D0, w, V, j, c0, s00, s01, s02, s03)
        if D1 > 0 and k1 != 0:
            w = sb1[t] if k1 == 2 else 1.0
            tot1 += w
            if want_h and k1 == 2:
                hz1 += w * zs1[t]
            s10, s11, s12, s13 = _head_acc(D1, w, V, j, c1, s10, s11, s12, s13)
        if D2 > 0 and k2 != 0:
            w = sb2[t] if k2 == 2 else 1.0
            tot2 += w
            if want_h and k2 == 2:
                hz2 += w * zs2[t]
            s20, s21, s22, s23 = _head_acc(D2, w, V, j, c2, s20, s21, s22, s23)
    h_sum = 0.0
    live = 0
    if k0 != 0:
        _head_out(D0, i, X, soc, dst, c0, tot0, s00, s01, s02, s03)
        h_sum += entropy(tot0, hz0)
        live += 1
    if D1 > 0 and k1 != 0:
        _head_out(D1, i, X, soc, dst, c1, tot1, s10, s11, s12, s13)
        h_sum += entropy(tot1, hz1)
        live += 1
    if D2 > 0 and k2 != 0:
        _head_out(D2, i, X, soc, dst, c2, tot2, s20, s21, s22, s23)
        h_sum += entropy(tot2, hz2)
        live += 1
    return h_sum, live


# ---- row kernels ---------------------------------------------------------------------------
# ``dh`` is a tuple whose length is the query width when it is 1 to 4 (0 otherwise): a
# compile-time constant, so each width used gets its own specialised machine code. Every
# input array is read-only and every regime uses the same types, so each width compiles once.
# ``ok`` and ``hk`` are tuples whose lengths say, at compile time, whether a row may have options
# (dropout, prior weights, an entropy floor) and whether the entropy is wanted: the plain step
# compiles without that code, which otherwise costs it ~10% even when never run.
# Arguments arrive in named tuples (packing.py) and are unpacked once, at the top.

@jit()
def lean(dh, ok, hk, lo, hi, rows, sequential, chunk, indptr, indices, Q, K, V, X, att, upd, ref,
         bp, out):
    """Rows lo..hi (or rows[lo:hi]) of an update with one head over all dimensions.

    ``sequential``: ``rows`` is the activation order and ``out`` is the array
    that ``X`` views, updated in place, each agent's key refreshed (through
    ``ref``) before the next one listens. ``V`` is ``X`` itself unless values
    are mapped or sources speak (then agents' rows first, sources after); the
    values are ``V``'s columns ``ref.voff`` on (keys and values may share one
    array, a row holding k_j then v_j: one gather per edge).
    By-products: ``bp.largest[chunk]`` (the largest squared change) and, when
    asked, ``bp.entropy[i]`` (attention entropy in nats).
    """
    aff, mode, temps, invs, confidence, prefetch, lw, key, step, drop, floor, hmodes = att
    X0, step_size, stub, noise, eps, sphere, fixed = upd
    entropy_out, largest_out = bp
    want_h = len(hk) > 0  # compile-time: a plain step compiles without the option code
    has_fixed = fixed.shape[0] > 0
    per_agent_t = temps.shape[0] > 1
    DH = len(dh)
    d = X.shape[1]
    dq = Q.shape[1]
    vo = ref.voff
    use_rows = rows.shape[0] > 0
    buf = np.empty(_max_degree(lo, hi, rows, indptr))
    kept = np.empty(buf.shape[0], np.bool_)
    zb = np.empty(buf.shape[0] if want_h else 0)
    res = np.empty(vo + d)
    largest = 0.0
    end = 0 if use_rows else indptr[hi]
    for r in range(lo, hi):
        i = rows[r] if use_rows else r
        if sequential:
            _prefetch_order(r, rows, indptr, indices, X, K)
        if has_fixed and fixed[i]:  # zealots keep their row (a helper here costs 20%)
            if not sequential:
                for c in range(d):
                    out[i, c] = X[i, c]
            continue
        a = indptr[i]
        b = indptr[i + 1]
        a2, b2 = _next_edges(r, hi, rows, indptr, b, end)
        T = temps[i] if per_agent_t else temps[0]
        inv = invs[i] if per_agent_t else invs[0]
        if len(ok) > 0:  # a constant, so the kernel inlines one of the two (see _head_sums_for)
            total, hz = _head_sums(DH, i, 0, dq, vo, vo + d, a, b, a2, b2, indices, Q, K, V, aff,
                                   mode, T, inv, confidence, prefetch, lw, key, step, drop,
                                   floor, buf, zb, kept, res)
        else:
            total, hz = _plain_head_sums(DH, i, 0, dq, vo, vo + d, a, b, a2, b2, indices, Q, K,
                                         V, aff, mode, T, inv, confidence, prefetch, lw, key,
                                         step, drop, floor, buf, zb, kept, res)
        silent = total == 0.0
        if want_h:
            entropy_out[i] = entropy(total, hz)
        s = stub[i] if stub.shape[0] > 1 else stub[0]
        # In place (sequential), column c is read just before it is overwritten, and the
        # social term (which may include row i itself) is complete by then.
        change = 0.0
        for c in range(d):
            x = X[i, c]
            social = x if silent else res[vo + c] / total
            v = x + step_size * (social - x)  # update(), spelled out: measurably faster here
            if s != 0.0:
                v = s * X0[i, c] + (1.0 - s) * v
            if noise > 0.0:
                v += noise * eps[i, c]
            if not sphere:
                change += (v - x) * (v - x)
            res[vo + c] = x  # the old row, for the change on the sphere (res is used up)
            out[i, c] = v
        if sphere:
            normalise_row(out, i)
            for c in range(d):
                change += (out[i, c] - res[vo + c]) * (out[i, c] - res[vo + c])
        largest = worse(change, largest)
        if sequential:
            refresh_row(i, X, ref)
    largest_out[chunk] = largest


@jit()
def heads(hw, ok, hk, lo, hi, rows, sequential, chunk, indptr, indices, Q, K, V, X, att, upd, ref,
          bp, out):
    """Like :func:`lean` for any heads (several, partial, permuted, ablated or mapped).

    ``hw``: the widths of up to three small heads of a plain rule without options (see
    :func:`_small_heads`), or an empty tuple: every head through :func:`_head_sums`.
    """
    aff, mode, temps, invs, confidence, prefetch, lw, key, step, drop, floor, hmodes = att
    X0, step_size, stub, noise, eps, sphere, fixed = upd
    hoff, qoff, src, dst, covered = ref.heads
    entropy_out, largest_out = bp
    want_h = len(hk) > 0  # compile-time: a plain step compiles without the option code
    has_fixed = fixed.shape[0] > 0
    per_agent_t = temps.shape[0] > 1
    use_rows = rows.shape[0] > 0
    # Rounded up to whole vectors of 8 and zeroed, for _head_exp's loops over whole vectors.
    width = (_max_degree(lo, hi, rows, indptr) + 7) & ~7
    buf = np.zeros(width)
    kept = np.empty(buf.shape[0], np.bool_)
    zb = np.zeros(buf.shape[0] if want_h else 0)
    res = np.empty(V.shape[1])
    soc = np.empty(X.shape[1])
    largest = 0.0
    end = 0 if use_rows else indptr[hi]
    d = X.shape[1]
    # Compile-time (packing leaves one live head, no cheaper in one pass, on the generic path).
    small = len(hw) > 0
    sb0 = np.zeros(buf.shape[0] if small else 0)  # small heads 1 and 2 score into these
    sb1 = np.zeros(sb0.shape[0])
    zs1 = np.zeros(zb.shape[0] if small else 0)
    zs2 = np.zeros(zs1.shape[0])
    for r in range(lo, hi):
        i = rows[r] if use_rows else r
        if sequential:
            _prefetch_order(r, rows, indptr, indices, X, K)
        if has_fixed and fixed[i]:  # zealots keep their row (a helper here costs 20%)
            if not sequential:
                for c in range(d):
                    out[i, c] = X[i, c]
            continue
        a = indptr[i]
        b = indptr[i + 1]
        a2, b2 = _next_edges(r, hi, rows, indptr, b, end)
        T = temps[i] if per_agent_t else temps[0]
        inv = invs[i] if per_agent_t else invs[0]
        for c in range(d):
            soc[c] = X[i, c]
        # A branch on a tuple's length, which numba reads as a constant and prunes before it
        # inlines: each kernel inlines the one path it runs (the other cost it 3-5 s to compile).
        if len(hw) > 0:
            h_sum, live = _small_heads(hw, i, a, b, a2, b2, indices, Q, K, V, X, aff, hoff, T,
                                       inv, prefetch, want_h, buf, sb0, sb1, zb, zs1, zs2, dst,
                                       soc)
        else:
            h_sum = 0.0
            live = 0
            for h in range(hoff.shape[0] - 1):
                hmode = hmodes[h] if hmodes.shape[0] > 0 else mode
                if hmode == FROZEN:
                    continue
                if len(ok) > 0:  # a constant (see _head_sums_for)
                    total, hz = _head_sums(0, i, qoff[h], qoff[h + 1], hoff[h], hoff[h + 1], a,
                                           b, a2, b2, indices, Q, K, V, aff, hmode, T, inv,
                                           confidence, prefetch, lw, key, step, drop, floor,
                                           buf, zb, kept, res)
                else:
                    total, hz = _plain_head_sums(0, i, qoff[h], qoff[h + 1], hoff[h],
                                                 hoff[h + 1], a, b, a2, b2, indices, Q, K, V,
                                                 aff, hmode, T, inv, confidence, prefetch, lw,
                                                 key, step, drop, floor, buf, zb, kept, res)
                for t in range(hoff[h], hoff[h + 1]):
                    soc[dst[t]] = res[t] / total if total != 0.0 else X[i, dst[t]]
                h_sum += entropy(total, hz)
                live += 1
        if want_h:
            entropy_out[i] = h_sum / live if live > 0 else np.nan
        if sphere:
            change = finish_row(i, X, soc, covered, X0, step_size, stub, noise, eps, sphere,
                                out)
        else:
            # finish_row spelled out (as in lean): measurably faster here.
            s = stub[i] if stub.shape[0] > 1 else stub[0]
            change = 0.0
            for c in range(d):
                x = X[i, c]
                v = x
                if covered[c]:
                    v = x + step_size * (soc[c] - x)
                    if s != 0.0:
                        v = s * X0[i, c] + (1.0 - s) * v
                    if noise > 0.0:
                        v += noise * eps[i, c]
                change += (v - x) * (v - x)
                soc[c] = v
            for c in range(d):
                out[i, c] = soc[c]
        largest = worse(change, largest)
        if sequential:
            refresh_row(i, X, ref)
    largest_out[chunk] = largest
