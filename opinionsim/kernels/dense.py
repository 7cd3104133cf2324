"""Compiled kernels for complete graphs (``OpinionModel(n_agents=N)``): everyone listens to
everyone, with no N × N matrix.

Each listener's row of scores is streamed over transposed keys and values
(vectorised scores, exp and weighted sums, exact distances), one row at a time
per thread, so memory stays O(threads × N). :func:`dense` serves every
activation regime, as :func:`.sparse.lean` does; :data:`SUPPORTS` says what
it implements.
"""

from __future__ import annotations

import math

import numpy as np

from ..dynamics.affinities import DISTANCE, DOT, LOG_DISTANCE
from ..dynamics.weighting import BOUNDED, FROZEN, UNIFORM
from .intrinsics import edge_uniform, exp_le0, jit
from .rows import finish_row, refresh_row, worse
from .weights import option_weights
from .sparse import LOG_DELTA2, SUPPORTS

__all__ = ["SUPPORTS", "dense"]


@jit(inline="always")
def _sum8(x, n):
    # Eight partial sums: vectorisable without reassociating a single running sum.
    p = np.zeros(8)
    m = n - n % 8
    for j in range(0, m, 8):
        for u in range(8):
            p[u] += x[j + u]
    s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
    for j in range(m, n):
        s += x[j]
    return s


@jit(inline="always")
def _dot8(x, y, n):
    p = np.zeros(8)
    m = n - n % 8
    for j in range(0, m, 8):
        for u in range(8):
            p[u] += x[j + u] * y[j + u]
    s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
    for j in range(m, n):
        s += x[j] * y[j]
    return s


@jit(inline="always")
def _dense_head(DH, i, c0, c1, v0, v1, include_self, Q, KT, VT, totals, have_totals, aff, mode,
                temperature, inv_temperature, confidence, opts, key, step, drop, floor, buf,
                kept, zb, res):
    """Like ``sparse._head_sums`` when everyone listens to everyone (keys and values
    transposed; scores over query columns [c0, c1), values [v0, v1)); writes the
    normalised means to res and returns ``(total weight, Σ w z)``, total 0 when silent."""
    n = KT.shape[1]
    count = n if include_self else n - 1
    if count == 0:
        return 0.0, 0.0
    if mode == UNIFORM and not opts:
        for c in range(v0, v1):
            tot = totals[c] if have_totals else _sum8(VT[c], n)
            if not include_self:
                tot = tot - VT[c, i]
            res[c] = tot / count
        return float(count), 0.0
    logd = mode != BOUNDED and aff == LOG_DISTANCE
    dist = mode == BOUNDED or aff == DISTANCE or logd
    if DH > 0:
        # One pass over the keys; the query stays in registers.
        q0 = Q[i, c0]
        q1 = Q[i, c0 + 1] if DH >= 2 else 0.0
        q2 = Q[i, c0 + 2] if DH >= 3 else 0.0
        q3 = Q[i, c0 + 3] if DH >= 4 else 0.0
        k0 = KT[c0]
        k1 = KT[c0 + 1] if DH >= 2 else k0
        k2 = KT[c0 + 2] if DH >= 3 else k0
        k3 = KT[c0 + 3] if DH >= 4 else k0
        if dist:
            for j in range(n):
                diff = q0 - k0[j]
                s = diff * diff
                if DH >= 2:
                    diff = q1 - k1[j]
                    s += diff * diff
                if DH >= 3:
                    diff = q2 - k2[j]
                    s += diff * diff
                if DH >= 4:
                    diff = q3 - k3[j]
                    s += diff * diff
                buf[j] = -s
        else:
            scale = math.sqrt(DH) if aff == DOT else 1.0
            for j in range(n):
                s = q0 * k0[j]
                if DH >= 2:
                    s += q1 * k1[j]
                if DH >= 3:
                    s += q2 * k2[j]
                if DH >= 4:
                    s += q3 * k3[j]
                buf[j] = s / scale
    else:
        for j in range(n):
            buf[j] = 0.0
        for c in range(c0, c1):
            qc = Q[i, c]
            row = KT[c]
            if dist:
                for j in range(n):
                    diff = qc - row[j]
                    buf[j] += diff * diff
            else:
                for j in range(n):
                    buf[j] += qc * row[j]
        if dist:
            for j in range(n):
                buf[j] = -buf[j]
        elif aff == DOT:
            scale = math.sqrt(c1 - c0)
            for j in range(n):
                buf[j] = buf[j] / scale
    if logd:
        for j in range(n):
            buf[j] = -0.5 * math.log(LOG_DELTA2 - buf[j])
    hz = 0.0
    if mode == BOUNDED:
        for j in range(n):
            buf[j] = 1.0 if math.sqrt(-buf[j]) <= confidence else 0.0
        if not include_self:
            buf[i] = 0.0
    if opts:
        # Edge ids as in CompleteGraph.to_csr(): row by row, the row's own column skipped
        # without self-attention.
        first = i * count
        n_kept = 0
        for j in range(n):
            if not include_self and j == i:
                kept[j] = False
                continue
            rank = j if include_self or j < i else j - 1
            kept[j] = drop == 0.0 or edge_uniform(key, step, first + rank) >= drop
            n_kept += kept[j]
        if n_kept == 0:
            return 0.0, 0.0
        hz = option_weights(buf, kept, n, n_kept, buf[:0], 0, False, mode, temperature, floor)
    elif mode != BOUNDED:
        if not include_self:
            buf[i] = -np.inf
        m = -np.inf
        for j in range(n):
            if buf[j] > m:
                m = buf[j]
        if not include_self:
            buf[i] = m  # weight 1 (z = 0) below, then set to 0: finite even at T = inf
        # z is clamped where exp underflows anyway (NaN passes through: it must not hide).
        # The entropy's Σ w z is summed in a pass of its own (zb holds z): accumulating it in
        # this loop would stop the loop from vectorising (measured 2.3x slower).
        want_h = zb.shape[0] > 0
        if inv_temperature > 0.0:
            for j in range(n):
                z = (buf[j] - m) * inv_temperature
                z = -746.0 if z < -746.0 else z
                if want_h:
                    zb[j] = z
                buf[j] = exp_le0(z)
        else:
            for j in range(n):
                z = (buf[j] - m) / temperature
                z = -746.0 if z < -746.0 else z
                if want_h:
                    zb[j] = z
                buf[j] = exp_le0(z)
        if not include_self:
            buf[i] = 0.0
        if want_h:
            hz = _dot8(buf, zb, n)
    total = _sum8(buf, n)
    if total == 0.0:
        return 0.0, 0.0
    for c in range(v0, v1):
        res[c] = _dot8(buf, VT[c], n) / total
    return total, hz


@jit()
def dense(dh, ok, hk, lo, hi, rows, sequential, chunk, include_self, Q, KT, VT, totals, X, att,
          upd, ref, bp, out):
    """Rows lo..hi (or rows[lo:hi]) of an update on the complete graph.

    ``sequential``: ``rows`` is the activation order, ``out`` is the array ``X``
    views, and every updated agent's key and value are written back (through
    ``ref``) before the next agent listens. ``totals`` (the column sums of the
    values, for uniform weights) is empty when it must be computed per row.
    By-products as in :func:`.sparse.lean`.
    """
    aff, mode, temps, invs, confidence, prefetch, lw, key, step, drop, floor, hmodes = att
    X0, step_size, stub, noise, eps, sphere, fixed = upd
    hoff, qoff, src, dst, covered = ref.heads
    entropy_out, largest_out = bp
    want_h = len(hk) > 0  # compile-time flags, as in sparse.lean
    opts = len(ok) > 0
    has_fixed = fixed.shape[0] > 0
    per_agent_t = temps.shape[0] > 1
    DH = len(dh)
    use_rows = rows.shape[0] > 0
    have_totals = totals.shape[0] > 0
    buf = np.empty(KT.shape[1])
    kept = np.empty(KT.shape[1], np.bool_)
    zb = np.empty(KT.shape[1] if want_h else 0)
    res = np.empty(VT.shape[0])
    soc = np.empty(X.shape[1])
    largest = 0.0
    for r in range(lo, hi):
        i = rows[r] if use_rows else r
        if has_fixed and fixed[i]:  # zealots keep their row (a helper here costs 20%)
            if not sequential:
                for c in range(X.shape[1]):
                    out[i, c] = X[i, c]
            continue
        T = temps[i] if per_agent_t else temps[0]
        inv = invs[i] if per_agent_t else invs[0]
        for c in range(X.shape[1]):
            soc[c] = X[i, c]
        h_sum = 0.0
        live = 0
        for h in range(hoff.shape[0] - 1):
            hmode = hmodes[h] if hmodes.shape[0] > 0 else mode
            if hmode == FROZEN:
                continue
            total, hz = _dense_head(DH, i, qoff[h], qoff[h + 1], hoff[h], hoff[h + 1],
                                    include_self, Q, KT, VT, totals, have_totals, aff, hmode, T,
                                    inv, confidence, opts, key, step, drop, floor, buf, kept, zb,
                                    res)
            for t in range(hoff[h], hoff[h + 1]):
                soc[dst[t]] = res[t] if total != 0.0 else X[i, dst[t]]
            h_sum += math.log(total) - hz / total if total > 0.0 else np.nan
            live += 1
        if want_h:
            entropy_out[i] = h_sum / live if live > 0 else np.nan
        change = finish_row(i, X, soc, covered, X0, step_size, stub, noise, eps, sphere, out)
        largest = worse(change, largest)
        if sequential:
            refresh_row(i, X, ref)
    largest_out[chunk] = largest
