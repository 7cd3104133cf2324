"""Compiled contact sampling for :class:`~opinionsim.ActivityDrivenModel` (numba).

Each active agent ``i`` draws ``m`` distinct contacts ``j ≠ i`` with
probabilities ``p_ij ∝ exp(β S_ij)``, ``S_ij = −½ ln(|x_i − x_j|² + δ²)``
(the ``"log_distance"`` affinity at temperature ``1/β``), one at a time, each
draw among those not yet drawn (successive sampling, the law of
``numpy.random.Generator.choice(..., replace=False, p=p)`` and of Seldon's
weighted reservoir sampling). This is the one part of the model that must be a
loop; the reference is :func:`opinionsim.activity.sample_contacts_reference`.

For each active agent the kernel

1. takes the nearest other opinion (from the sorted opinions, O(1)) as the
   reference score ``S_ref = max_j S_ij``, so every weight
   ``w_j = exp(β (S_ij − S_ref)) = (q_ref / q_j)^(β/2) ≤ 1`` (``q = |x_i − x_j|² + δ²``)
   is computed without overflow: for an integer β ≤ 5 by multiplications and
   one square root, otherwise with a vectorised log (3 ulp) and the package's
   vectorised ``exp_le0``;
2. sums the weights in blocks of :data:`BLOCK` (no prefix sum over N, and no
   cancellation: a drawn agent's weight is set to 0 and its block summed
   again);
3. draws: the uniform ``u_k`` for draw ``k`` of agent ``i`` at step ``t`` is
   the counter-based hash ``edge_uniform(key, t, i·m + k)``, so it depends on
   nothing but the run, the step, the agent and the draw (common random
   numbers for paired causal runs);
4. when every weight left has underflowed to 0 (one overwhelming neighbour at
   a huge β), recomputes the weights of those left against the nearest of
   them.

At β = 0 the weights are uniform and the O(N) pass is skipped: Floyd's
algorithm draws the m distinct contacts from the same m uniforms.

Importing this module imports numba; :mod:`opinionsim.activity` imports it only
when a step first samples contacts.
"""

from __future__ import annotations

import math

import numpy as np

from .kernels.intrinsics import _bits_f64, _f64_bits, edge_uniform, exp_le0, fma, jit

__all__ = ["sample_contacts", "BLOCK"]

#: Weights summed per block (the draws walk block sums, then one block).
BLOCK = 64
#: Integer β up to this get weights by multiplications and one square root (no log, exp).
MAX_SMALL_BETA = 5.0

# ln q for a normal q > 0: q = 2^e · μ with μ in [√½, √2), ln μ = 2 atanh(s), s = (μ−1)/(μ+1),
# |s| ≤ 0.172, by its odd series to s^23 (truncation < 1e-18); no table and no branch, so
# the weight loop vectorises (libm's log does not). Within 3 ulp of libm over the normal range.
_SQRT_HALF_BITS = np.int64(0x3FE6A09E667F3BCD)
_MANTISSA = np.int64((1 << 52) - 1)
_LN2 = 0.6931471805599453
(_C0, _C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11) = (
    2.0 / (2 * k + 1) for k in range(12))


@jit(inline="always")
def _log_pos(q):
    t = _f64_bits(q) - _SQRT_HALF_BITS
    e = t >> 52
    mu = _bits_f64((t & _MANTISSA) + _SQRT_HALF_BITS)
    s = (mu - 1.0) / (mu + 1.0)
    s2 = s * s
    p = fma(fma(fma(_C11, s2, _C10), s2, _C9), s2, _C8)
    p = fma(fma(fma(fma(p, s2, _C7), s2, _C6), s2, _C5), s2, _C4)
    p = fma(fma(fma(fma(p, s2, _C3), s2, _C2), s2, _C1), s2, _C0)
    return fma(np.float64(e), _LN2, s * p)


@jit()
def _is_chosen(j, chosen, n_chosen):
    for c in range(n_chosen):
        if chosen[c] == j:
            return True
    return False


@jit()
def _nearest_q(x, order, pos, i, chosen, n_chosen, delta2):
    """``|x_i − x_j|² + δ²`` of the nearest agent ``j ≠ i`` not yet chosen (sorted scan)."""
    n = x.shape[0]
    xi = x[i]
    best = np.inf
    p = pos[i] - 1
    while p >= 0:
        j = order[p]
        if not _is_chosen(j, chosen, n_chosen):
            d = x[j] - xi
            best = fma(d, d, delta2)
            break
        p -= 1
    p = pos[i] + 1
    while p < n:
        j = order[p]
        if not _is_chosen(j, chosen, n_chosen):
            d = x[j] - xi
            q = fma(d, d, delta2)
            if q < best:
                best = q
            break
        p += 1
    return best


@jit()
def _weights(x, xi, q_ref, half_beta, delta2, w):
    # exp(β(S_j − S_ref)) = (q_ref / q_j)^(β/2) with q = |x_i − x_j|² + δ² >= q_ref.
    n = x.shape[0]
    beta = 2.0 * half_beta
    if beta <= MAX_SMALL_BETA and beta == np.floor(beta):
        # A small integer β (the paper's 1, 2, 3): r^⌊β/2⌋ · √r^(β mod 2), no log or exp.
        power = np.int64(beta) // 2
        odd = np.int64(beta) % 2 == 1
        for j in range(n):
            d = x[j] - xi
            r = q_ref / fma(d, d, delta2)
            base = 1.0 if power == 0 else (r if power == 1 else r * r)
            w[j] = base * math.sqrt(r) if odd else base
        return
    l_ref = _log_pos(q_ref)
    for j in range(n):
        d = x[j] - xi
        w[j] = exp_le0(half_beta * (l_ref - _log_pos(fma(d, d, delta2))))


@jit()
def _block_sum(w, b):
    start = b * BLOCK
    end = min(start + BLOCK, w.shape[0])
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    j = start
    while j + 4 <= end:
        a0 += w[j]
        a1 += w[j + 1]
        a2 += w[j + 2]
        a3 += w[j + 3]
        j += 4
    while j < end:
        a0 += w[j]
        j += 1
    return (a0 + a1) + (a2 + a3)


@jit()
def _rebuild(x, order, pos, i, chosen, n_chosen, half_beta, delta2, w, bsum):
    """Weights of the agents not yet chosen against the nearest of them; their block sums."""
    q_ref = _nearest_q(x, order, pos, i, chosen, n_chosen, delta2)
    _weights(x, x[i], q_ref, half_beta, delta2, w)
    w[i] = 0.0
    for c in range(n_chosen):
        w[chosen[c]] = 0.0
    total = 0.0
    for b in range(bsum.shape[0]):
        bsum[b] = _block_sum(w, b)
        total += bsum[b]
    return total


@jit()
def _draw_weighted(x, order, pos, i, m, half_beta, delta2, key, step, w, bsum, out):
    n_blocks = bsum.shape[0]
    total = _rebuild(x, order, pos, i, out, 0, half_beta, delta2, w, bsum)
    for k in range(m):
        if not total > 0.0:
            # Every weight left underflowed: weigh those left against the nearest of them.
            total = _rebuild(x, order, pos, i, out, k, half_beta, delta2, w, bsum)
        target = edge_uniform(key, step, i * m + k) * total
        b = 0
        acc = 0.0
        while b < n_blocks - 1 and acc + bsum[b] <= target:
            acc += bsum[b]
            b += 1
        while bsum[b] <= 0.0:  # rounding carried the target past the last weight
            b -= 1
        rest = target - acc
        start = b * BLOCK
        end = min(start + BLOCK, w.shape[0])
        pick = -1
        last = -1
        run = 0.0
        for j in range(start, end):
            if w[j] > 0.0:
                last = j
                run += w[j]
                if run > rest:
                    pick = j
                    break
        if pick < 0:
            pick = last
        out[k] = pick
        w[pick] = 0.0
        bsum[b] = _block_sum(w, b)
        total = 0.0
        for c in range(n_blocks):
            total += bsum[c]


@jit()
def _draw_uniform(n, i, m, key, step, out):
    # Floyd's algorithm over the n − 1 others (index v stands for agent v, or v + 1 past i).
    k = 0
    for top in range(n - 1 - m, n - 1):
        v = np.int64(edge_uniform(key, step, i * m + k) * (top + 1))
        if v > top:  # u < 1, so only by rounding
            v = top
        for c in range(k):
            if out[c] == v:
                v = top
                break
        out[k] = v
        k += 1
    for c in range(m):
        if out[c] >= i:
            out[c] += 1


@jit()
def _sample_rows(x, order, pos, rows, lo, hi, m, half_beta, delta2, key, step, out):
    n = x.shape[0]
    w = np.empty(n)
    bsum = np.empty((n + BLOCK - 1) // BLOCK)
    for r in range(lo, hi):
        if half_beta == 0.0:
            _draw_uniform(n, rows[r], m, key, step, out[r])
        else:
            _draw_weighted(x, order, pos, rows[r], m, half_beta, delta2, key, step, w, bsum,
                           out[r])


def sample_contacts(x, rows, m, homophily, *, key, step, delta, n_threads=1):
    """Contacts of the active agents ``rows``: an int64 array of shape ``(len(rows), m)``.

    ``x`` are the (1-D) opinions, ``key`` the run's contact key (uint64),
    ``delta`` the softening δ of ``log_distance``. Requires ``1 <= m < len(x)``.
    """
    from .kernels import threads

    x = np.ascontiguousarray(x, dtype=np.float64)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    out = np.empty((len(rows), m), dtype=np.int64)
    if len(rows) == 0:
        return out
    if homophily == 0.0:
        order = pos = np.zeros(0, dtype=np.int64)
    else:
        order = np.argsort(x, kind="stable").astype(np.int64)
        pos = np.empty_like(order)
        pos[order] = np.arange(len(x), dtype=np.int64)
    # Work per row is O(N) when weighted, O(m) when uniform: thread only what pays.
    work = len(rows) * (len(x) if homophily else m)
    n_chunks = 1 if n_threads <= 1 or work < 200_000 else min(len(rows), 4 * n_threads)
    bounds = np.linspace(0, len(rows), n_chunks + 1).astype(np.int64)
    key = np.uint64(key)
    half_beta = 0.5 * float(homophily)
    delta2 = float(delta) ** 2

    def task(c):
        _sample_rows(x, order, pos, rows, bounds[c], bounds[c + 1], int(m), half_beta, delta2,
                     key, int(step), out)

    threads.run_chunks(task, n_chunks, n_threads if n_chunks > 1 else 1)
    return out


@jit()
def _log_array(q):
    """The kernel's ln over an array of normal positive numbers (for the tests)."""
    out = np.empty_like(q)
    for j in range(q.shape[0]):
        out[j] = _log_pos(q[j])
    return out
