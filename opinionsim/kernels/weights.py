"""One listener's scores to attention weights when options are on: dropped ties, prior edge
weights, a per-agent temperature, an entropy floor (the compiled counterpart of
:func:`opinionsim.dynamics.weighting.segment_softmax` and ``floor_temperature``).

The plain case (no option) stays in the row kernels' own tight loops. An attention
row with dropout or prior weights goes through :func:`attention_options`, which
folds the coins and ``ln w`` into one pass over the scores and keeps the plain
row's exp loop; with an entropy floor it also measures the row's entropy at its
own temperature, and only a row below the floor (rare) is handed to
:func:`option_weights`, which searches the floored temperature. Every function
leaves ``buf[t] = exp(z_t)`` (the unnormalised weight of edge ``t``, 0 for a
dropped tie or one outside the confidence) and returns ``Σ_t w_t z_t``, from
which the row's entropy is ``ln Σw − Σ w z / Σw``.
"""

from __future__ import annotations

import math

import numpy as np

from ..dynamics.weighting import (
    ATTENTION,
    BOUNDED,
    FLOOR_FLAT,
    FLOOR_MAX_ITER,
    FLOOR_TOL,
    UNIFORM,
)
from .intrinsics import edge_uniform, exp_le0, jit

__all__ = ["attention_options", "draw_kept", "option_weights", "uniform_prior_weights"]

#: A row whose entropy at its own temperature exceeds the floor by this much keeps it without
#: the search (the reference's entropy there differs by rounding only, ~1e-15).
FLOOR_MARGIN = 1e-9


@jit(inline="always")
def draw_kept(key, step, first, n, drop, kept):
    """The tick's coins for edges ``first .. first + n``: kept[t] and how many are kept."""
    count = 0
    for t in range(n):
        keep = edge_uniform(key, step, first + t) >= drop
        kept[t] = keep
        count += keep
    return count


@jit(inline="always")
def attention_options(buf, kept, zb, n, m, lw, lw0, key, step, drop, T, inv, floor, want_h):
    """Attention weights of one row with dropout, prior weights or an entropy floor, in place.

    ``buf[:n]`` holds the scores and ``m`` their maximum; edge ``t`` is edge
    ``lw0 + t`` of the structure (its coin and its ``lw``). One pass draws the
    coins (``kept``), folds ``ln w`` in (``buf[t] = s/T + ln w``, as the
    reference) and takes the maximum over the kept edges; the next leaves
    ``buf[t] = exp(z_t)`` (0 for a dropped tie) and ``zb[t] = z_t`` when
    ``want_h``. Returns ``(hz, sum_h, redo)``: ``sum_h`` says that ``Σ w z``
    is left to the weighted sums (over ``zb``), else it is ``hz``; ``redo``
    that the row is below its entropy floor at ``T``: the caller recomputes
    its scores and hands it to :func:`option_weights` (``kept`` then holds
    the coins when ``drop > 0``).
    """
    weighted = lw.shape[0] > 0
    dropping = drop > 0.0
    n_kept = n
    if dropping:
        # The coins in a loop of their own: integer arithmetic only, so it vectorises.
        n_kept = draw_kept(key, step, lw0, n, drop, kept)
        if n_kept == 0:  # silent: every tie dropped
            for t in range(n):
                buf[t] = 0.0
            return 0.0, False, False
    if dropping or weighted:
        mk = -np.inf
        for t in range(n):
            keep = kept[t] if dropping else True
            x = buf[t]
            if weighted:
                x = (x * inv if inv > 0.0 else x / T) + lw[lw0 + t]
                buf[t] = x
            if keep and x > mk:
                mk = x
        m = mk
    # z = (buf - max) * sc / dv: one of the two factors is 1 (exact), so z is the reference's
    # (s - max) / T, (s - max) * (1/T) where that is exact, or the weighted logit minus its max.
    sc = 1.0 if weighted or not inv > 0.0 else inv
    dv = T if sc == 1.0 and not weighted else 1.0
    if floor > 0.0 and n_kept >= 2 and T < np.inf:
        # The row's entropy at its own T on the way (a scalar loop: its sums do not vectorise).
        total = 0.0
        hz = 0.0
        for t in range(n):
            keep = kept[t] if dropping else True
            z = (buf[t] - m) * sc / dv if keep else 0.0
            w = exp_le0(z) if keep else 0.0
            buf[t] = w
            if want_h:
                zb[t] = z
            total += w
            hz += w * z
        H = math.log(total) - hz / total
        if not H >= floor * math.log(n_kept) + FLOOR_MARGIN:
            return 0.0, False, True
        return hz, False, False
    # Loops without a reduction: the exp vectorises (a dropped tie's lane is masked to 0).
    if want_h:
        for t in range(n):
            keep = kept[t] if dropping else True
            z = (buf[t] - m) * sc / dv
            buf[t] = exp_le0(z) if keep else 0.0
            zb[t] = z if keep else 0.0
    else:
        for t in range(n):
            keep = kept[t] if dropping else True
            w = exp_le0((buf[t] - m) * sc / dv)
            buf[t] = w if keep else 0.0
    return 0.0, want_h, False


@jit()
def _entropy_at(buf, kept, n, lw, lw0, weighted, m, y):
    """Entropy of ``p ∝ exp(e^{-y} (s − m) + ln w)`` over the kept edges, and dH/d(ln T)."""
    beta = math.exp(-y)
    zmax = -np.inf
    for t in range(n):
        if kept[t]:
            z = beta * (buf[t] - m) + (lw[lw0 + t] if weighted else 0.0)
            zmax = max(zmax, z)
    Z = 0.0
    su = 0.0
    sl = 0.0
    sz = 0.0
    for t in range(n):
        if kept[t]:
            u = buf[t] - m
            lwt = lw[lw0 + t] if weighted else 0.0
            z = beta * u + lwt
            w = math.exp(z - zmax)
            Z += w
            su += w * u
            sl += w * lwt
            sz += w * (z - zmax)
    mean_u = su / Z
    mean_l = sl / Z
    var = 0.0
    cov = 0.0
    for t in range(n):
        if kept[t]:
            u = buf[t] - m
            lwt = lw[lw0 + t] if weighted else 0.0
            z = beta * u + lwt
            p = math.exp(z - zmax) / Z
            var += p * (u - mean_u) ** 2
            cov += p * (u - mean_u) * (lwt - mean_l)
    return math.log(Z) - sz / Z, beta * cov + beta * beta * var


@jit()
def _floor_temperature(buf, kept, n, n_kept, lw, lw0, weighted, m, T, floor):
    """``dynamics.weighting._floor_row``, step for step (see ``floor_temperature``)."""
    target = floor * math.log(n_kept)
    spread = 0.0
    for t in range(n):
        if kept[t]:
            spread = max(spread, m - buf[t])
    if target >= math.log(n_kept) * (1.0 - FLOOR_TOL) or spread == 0.0:
        return np.inf
    lo = math.log(T)
    H, _ = _entropy_at(buf, kept, n, lw, lw0, weighted, m, lo)
    if H >= target:
        return T
    hi = lo
    while True:
        hi += math.log(16.0)
        if spread * math.exp(-hi) < FLOOR_FLAT:
            return np.inf
        H, _ = _entropy_at(buf, kept, n, lw, lw0, weighted, m, hi)
        if H >= target:
            break
        lo = hi
    y = hi
    for _ in range(FLOOR_MAX_ITER):
        H, dH = _entropy_at(buf, kept, n, lw, lw0, weighted, m, y)
        f = H - target
        if abs(f) <= FLOOR_TOL:
            return math.exp(y)
        if f < 0:
            lo = y
        else:
            hi = y
        if hi - lo <= FLOOR_TOL:
            break
        step = y - f / dH if dH > 0 else np.nan
        y = step if lo < step < hi else 0.5 * (lo + hi)
    return math.exp(hi)


@jit()
def option_weights(buf, kept, n, n_kept, lw, lw0, weighted, mode, T, floor, inv=0.0):
    """Weights of one row in place (see the module docstring); returns ``Σ w z``.

    ``buf[:n]`` holds the scores (attention) or the within-confidence flags 1/0
    (bounded confidence; unused for uniform); ``kept[t]`` False marks a tie
    dropped this tick; ``lw[lw0 + t]`` is edge t's log prior weight when
    ``weighted``; ``T`` is the row's temperature; ``floor`` the entropy floor
    (0: none). ``inv``: 1 / T where that is exact (a power of two), else 0; then
    ``x * inv`` is ``x / T`` bit for bit, and a multiply is several times cheaper
    than a division per edge (unused once the floor changes T).
    """
    hz = 0.0
    if mode == ATTENTION:
        floored = floor > 0.0 and n_kept >= 2 and T < np.inf
        m = -np.inf
        if floored or not weighted:  # the weighted weights shift by their own maximum
            for t in range(n):
                if kept[t] and buf[t] > m:
                    m = buf[t]
        if floored:
            T = _floor_temperature(buf, kept, n, n_kept, lw, lw0, weighted, m, T, floor)
            inv = 0.0
        if weighted:
            zmax = -np.inf
            if inv > 0.0:
                for t in range(n):
                    if kept[t]:
                        buf[t] = buf[t] * inv + lw[lw0 + t]
                        zmax = max(zmax, buf[t])
            else:
                for t in range(n):
                    if kept[t]:
                        buf[t] = buf[t] / T + lw[lw0 + t]
                        zmax = max(zmax, buf[t])
            for t in range(n):
                z = buf[t] - zmax
                w = exp_le0(z) if kept[t] else 0.0
                buf[t] = w
                hz += w * z if w > 0.0 else 0.0
        elif inv > 0.0:
            for t in range(n):
                z = (buf[t] - m) * inv
                w = exp_le0(z) if kept[t] else 0.0
                buf[t] = w
                hz += w * z if w > 0.0 else 0.0
        else:
            for t in range(n):
                z = (buf[t] - m) / T
                w = exp_le0(z) if kept[t] else 0.0
                buf[t] = w
                hz += w * z if w > 0.0 else 0.0
        return hz
    zmax = 0.0
    if weighted and mode == UNIFORM:
        zmax = -np.inf
        for t in range(n):
            if kept[t]:
                zmax = max(zmax, lw[lw0 + t])
    for t in range(n):
        inside = kept[t] and (mode == UNIFORM or buf[t] > 0.0)
        z = (lw[lw0 + t] - zmax) if weighted else 0.0
        if not inside:
            buf[t] = 0.0
        elif mode == BOUNDED and weighted:
            buf[t] = math.exp(z)  # the reference weighs the within-radius ties by exp(ln w)
            hz += buf[t] * z
        else:
            buf[t] = exp_le0(z)
            hz += buf[t] * z
    return hz


@jit()
def uniform_prior_weights(indptr, lw, w, totals):
    """Per edge ``exp(ln w − max ln w)`` of its row and each row's sum, in the order
    :func:`option_weights` (uniform mode, every tie kept) and the weighted sums compute them."""
    for i in range(indptr.shape[0] - 1):
        zmax = -np.inf
        for e in range(indptr[i], indptr[i + 1]):
            zmax = max(zmax, lw[e])
        total = 0.0
        for e in range(indptr[i], indptr[i + 1]):
            w[e] = exp_le0(lw[e] - zmax)
            total += w[e]
        totals[i] = total
