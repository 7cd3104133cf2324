"""Many synchronous steps of a linear update in one compiled call: DeGroot, weighted DeGroot,
Friedkin–Johnsen.

When the weights do not depend on the opinions (uniform attention, attention
at ``T = inf``, with or without prior edge weights) nothing changes from step
to step but the opinions, so :func:`steps` runs ``n_steps`` ticks back to
back, on the calling thread, between two buffers — no per-step Python, no
thread hand-off. The model uses it for the stretches of a run that nobody
observes (no reporter records and no intervention is due in between); see
``OpinionModel.run``. It computes what the row kernels compute, in the same
order (sum of the neighbours' opinions, times 1/k or the normalised weights).
"""

from __future__ import annotations

import math

import numpy as np

from .intrinsics import jit

__all__ = ["steps"]


@jit(inline="always")
def _row_sums(DH, lo, hi, indices, src, flat, w, weighted, res):
    """Σ_e w_e src[j_e] over a row's edges into res, in edge order (as the row kernels sum).

    With ``DH`` > 0 the width (1 to 4) is a compile-time constant: the sums stay in
    registers and a neighbour's row is read from ``flat`` (``src`` raveled) at
    ``j * DH``; the edges are counted in unsigned integers too, so no wraparound test
    and no stride multiply sit in the edge loop (together 2× faster at dim 1). ``weighted`` is a compile-time constant too.
    """
    d = src.shape[1]
    if DH == 0:
        for c in range(d):
            res[c] = 0.0
        for e in range(lo, hi):
            j = indices[e]
            if weighted:
                we = w[e]
                for c in range(d):
                    res[c] += we * src[j, c]
            else:
                for c in range(d):
                    res[c] += src[j, c]
        return
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    width = np.uint64(DH)
    for e in range(np.uint64(lo), np.uint64(hi)):
        j = np.uint64(indices[e]) * width
        if weighted:
            we = w[e]
            s0 += we * flat[j]
            if DH >= 2:
                s1 += we * flat[j + np.uint64(1)]
            if DH >= 3:
                s2 += we * flat[j + np.uint64(2)]
            if DH >= 4:
                s3 += we * flat[j + np.uint64(3)]
        else:
            # 1.0 * x == x exactly: the unweighted sum is the weighted one with weights 1.
            s0 += flat[j]
            if DH >= 2:
                s1 += flat[j + np.uint64(1)]
            if DH >= 3:
                s2 += flat[j + np.uint64(2)]
            if DH >= 4:
                s3 += flat[j + np.uint64(3)]
    res[0] = s0
    if DH >= 2:
        res[1] = s1
    if DH >= 3:
        res[2] = s2
    if DH >= 4:
        res[3] = s3


@jit(inline="always")
def _tick(DH, weighted, indptr, indices, w, totals, X0, step_size, stub, fixed, sphere, src, dst,
          flat, res, measure):
    """One synchronous tick from ``src`` into ``dst``; the largest squared change of one
    opinion if ``measure`` (else 0). ``DH`` and ``weighted`` are compile-time constants: the
    caller inlines one copy per case, so the row loop carries neither test (with both
    cases in one loop, the unweighted DeGroot tick ran at half speed)."""
    n, d = src.shape
    W = DH if DH > 0 else d  # the width as a compile-time constant when it is 1 to 4
    has_fixed = fixed.shape[0] > 0
    anchored = stub.shape[0] > 1 or stub[0] != 0.0
    largest = 0.0
    for i in range(n):
        if has_fixed and fixed[i]:
            for c in range(W):
                dst[i, c] = src[i, c]
            continue
        lo = indptr[i]
        hi = indptr[i + 1]
        _row_sums(DH, lo, hi, indices, src, flat, w, weighted, res)
        # The update spelled out here: behind an inlined helper it ran 40% slower.
        total = (totals[i] if weighted else float(hi - lo)) if hi > lo else 0.0
        s = (stub[i] if stub.shape[0] > 1 else stub[0]) if anchored else 0.0
        for c in range(W):
            x = src[i, c]
            social = res[c] / total if total != 0.0 else x
            v = x + step_size * (social - x)
            if s != 0.0:
                v = s * X0[i, c] + (1.0 - s) * v
            dst[i, c] = v
        if sphere:
            norm = 0.0
            for c in range(W):
                norm += dst[i, c] * dst[i, c]
            norm = math.sqrt(norm)
            for c in range(W):
                dst[i, c] = dst[i, c] / norm
        if measure:
            change = 0.0
            for c in range(W):
                diff = dst[i, c] - src[i, c]
                change += diff * diff
            if change > largest or change != change:
                largest = change
    return largest


@jit()
def steps(dh, n_steps, indptr, indices, w, totals, X0, step_size, stub, fixed, sphere, a, b):
    """Run ``n_steps`` synchronous linear ticks from the opinions in ``a``.

    ``dh``: a tuple whose length is the opinion width when it is 1 to 4 (0
    otherwise), a compile-time constant as in the row kernels. ``w``: per-edge
    weights, unnormalised, and ``totals`` their row sums, as the row kernels
    compute them (``exp(ln w − max ln w)``); both empty: uniform (each neighbour
    weight 1, the sum divided by k). A row with no edge keeps its opinion. ``a``
    and ``b`` alternate as source and destination; returns ``(which, largest)``:
    0 if the result is in ``a``, 1 if in ``b``, and the largest squared change of
    one opinion in the last tick (NaN wins; only the last tick measures it).
    """
    DH = len(dh)
    weighted = w.shape[0] > 0
    res = np.empty(a.shape[1])
    largest = 0.0
    flat_a = a.reshape(-1)
    flat_b = b.reshape(-1)
    for step in range(n_steps):
        src = a if step % 2 == 0 else b
        dst = b if step % 2 == 0 else a
        flat = flat_a if step % 2 == 0 else flat_b
        last = step == n_steps - 1
        if weighted:
            largest = _tick(DH, True, indptr, indices, w, totals, X0, step_size, stub, fixed,
                            sphere, src, dst, flat, res, last)
        else:
            largest = _tick(DH, False, indptr, indices, w, totals, X0, step_size, stub, fixed,
                            sphere, src, dst, flat, res, last)
    return n_steps % 2, largest
