"""Compiled reductions the default reporters read every recorded step.

The step itself runs at a few nanoseconds per edge; a reporter written in numpy
(``X.mean(axis=0)``, ``X - mean``, a boolean mask) allocates and pages in an
N × dim temporary per call, which at N = 1e6 cost a fifth of the step. These
read the opinions in place, two passes at most, and allocate nothing of size N.

Sums are blocked (partial sums over blocks of rows, then over blocks) and
sequential, so a result depends on the data alone, never on the thread count,
and its rounding error grows with the block size and the number of blocks, not
with N (numpy's pairwise sum has the same property).

Examples
--------
>>> import numpy as np
>>> mean, var = moments(np.array([[0.0, 1.0], [2.0, 3.0]]))
>>> mean.tolist(), var
([1.0, 2.0], 2.0)
>>> mean_finite_ratio(np.array([1.0, np.nan, 2.0]), np.array([2.0, 1.0, np.nan]))
0.5
"""

from __future__ import annotations

import numpy as np

from .intrinsics import jit

__all__ = ["moments", "mean_finite_ratio"]

_BLOCK = 512  # rows per partial sum
_SPAN = 1 << 16  # rows per task: fixed, so the partial sums never depend on the threads


# Four running sums per column (rows i, i+1, i+2, i+3 of a block): a single sum would wait
# on its previous addition (no reordering without fastmath), four in turn keep the adder busy.

# Rows are read from the raveled array at a stride of dim: the same sums as X[i, c], and
# faster (measured 16 against 22 µs for 10^4 x 3).

@jit(inline="always")
def _column_sum(F, d, c, lo, hi, shift):
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    t = lo * d + c
    end = hi * d + c
    while t + 3 * d < end:
        s0 += F[t] - shift
        s1 += F[t + d] - shift
        s2 += F[t + 2 * d] - shift
        s3 += F[t + 3 * d] - shift
        t += 4 * d
    while t < end:
        s0 += F[t] - shift
        t += d
    return (s0 + s1) + (s2 + s3)


@jit(inline="always")
def _column_squares(F, d, c, lo, hi, mean):
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    t = lo * d + c
    end = hi * d + c
    while t + 3 * d < end:
        x0 = F[t] - mean
        x1 = F[t + d] - mean
        x2 = F[t + 2 * d] - mean
        x3 = F[t + 3 * d] - mean
        s0 += x0 * x0
        s1 += x1 * x1
        s2 += x2 * x2
        s3 += x3 * x3
        t += 4 * d
    while t < end:
        x0 = F[t] - mean
        s0 += x0 * x0
        t += d
    return (s0 + s1) + (s2 + s3)


@jit()
def _column_sums(X, lo, hi, out):
    d = X.shape[1]
    F = X.ravel()
    for c in range(d):
        out[c] = 0.0
    for b in range(lo, hi, _BLOCK):  # a block of rows stays in L1 while each column is read
        for c in range(d):
            out[c] += _column_sum(F, d, c, b, min(b + _BLOCK, hi), 0.0)


@jit()
def _centred_squares(X, mean, lo, hi):
    d = X.shape[1]
    F = X.ravel()
    total = 0.0
    for b in range(lo, hi, _BLOCK):
        part = 0.0
        for c in range(d):
            part += _column_squares(F, d, c, b, min(b + _BLOCK, hi), mean[c])
        total += part
    return total


@jit()
def _one_span(X, mean):
    _column_sums(X, 0, X.shape[0], mean)
    for c in range(X.shape[1]):
        mean[c] = mean[c] / X.shape[0]
    return _centred_squares(X, mean, 0, X.shape[0])


def moments(X):
    """Column means of ``X`` (n, dim) and its total variance (the trace of the population
    covariance, ``mean(|x_i − mean|²)``), in two passes: centred, so accurate however
    close the opinions are to consensus. Spans of rows go to the kernels' threads."""
    from .threads import get_num_threads, run_chunks

    X = np.ascontiguousarray(X, dtype=np.float64)
    n = X.shape[0]
    if n <= _SPAN:  # one span: both passes in one compiled call (a call costs microseconds)
        mean = np.empty(X.shape[1])
        return mean, float(_one_span(X, mean) / n)
    spans = -(-n // _SPAN)
    sums = np.empty((spans, X.shape[1]))
    squares = np.empty(spans)
    threads = min(get_num_threads(), spans)

    def column_sums(k):
        _column_sums(X, k * _SPAN, min(n, (k + 1) * _SPAN), sums[k])

    run_chunks(column_sums, spans, threads)
    mean = sums[0].copy()
    for k in range(1, spans):  # in order: the same bits on any number of threads
        mean += sums[k]
    mean /= n

    def centred(k):
        squares[k] = _centred_squares(X, mean, k * _SPAN, min(n, (k + 1) * _SPAN))

    run_chunks(centred, spans, threads)
    total = 0.0
    for k in range(spans):
        total += squares[k]
    return mean, float(total / n)


@jit()
def _finite_ratio_sum(a, b, lo, hi):
    total = 0.0
    count = 0
    for blo in range(lo, hi, _BLOCK):
        part = 0.0
        for i in range(blo, min(blo + _BLOCK, hi)):
            r = a[i] / b[i]
            if np.isfinite(r):
                part += r
                count += 1
        total += part
    return total, count


def mean_finite_ratio(a, b):
    """Mean of ``a / b`` over the entries where it is finite (NaN when none is)."""
    from .threads import get_num_threads, run_chunks

    a = np.ascontiguousarray(a, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    n = a.shape[0]
    if n <= _SPAN:
        total, count = _finite_ratio_sum(a, b, 0, n)
        return float(total / count) if count else float("nan")
    spans = max(1, -(-n // _SPAN))
    totals = np.empty(spans)
    counts = np.empty(spans, np.int64)

    def task(k):
        totals[k], counts[k] = _finite_ratio_sum(a, b, k * _SPAN, min(n, (k + 1) * _SPAN))

    run_chunks(task, spans, min(get_num_threads(), spans))
    total = 0.0
    for k in range(spans):
        total += totals[k]
    count = int(counts.sum())
    return float(total / count) if count else float("nan")
