"""Compiled fast paths for one engine tick (numba), with a safe fallback to the reference.

:func:`opinionsim.scheduler.advance` hands every tick to :func:`advance` here
first; it returns ``None`` whenever no fast path applies, and the scheduler then
runs the plain numpy reference (:mod:`opinionsim.engine`, :mod:`opinionsim.rules`,
:mod:`opinionsim.scheduler`), which stays the ground truth the tests compare
against. The kernels compute the same rule in the same order of operations
where it is cheap to do so; they agree with the reference to ~1e-15 relative
(the test bar is 1e-12), not bit for bit (summation orders differ).

Design
------
- **Random graphs (CSR)**: one pass per listener row computes the scores of
  its edges into a small buffer while *prefetching* the rows of the speakers a
  few edges ahead (across row boundaries); a second pass takes the row max,
  ``exp((s - max) / T)`` (a vectorisable exp within 2 ulp of libm's) and the
  weighted sum of the values, which are by then in L1. The update rule
  (stubbornness, noise, uncovered dimensions, sphere, zealots) is fused into the
  same pass, so a step reads each adjacency entry once and writes each opinion
  once. At N = 1e6 a step takes about twice as long as merely gathering every
  neighbour's opinion row (the random-read floor); see ``benchmarks/README.md``.
- **Complete graphs** (:class:`~opinionsim.engine.CompleteGraph`): a dense path
  that streams each listener's row of scores over transposed keys and values
  (vectorised scores, exp and weighted sums, exact distances), one row at a
  time per thread, so memory stays O(threads × N), never N × N.
- **random_sequential**: one compiled loop over the activation order that
  updates each agent in place and refreshes its key (salience, norm clip,
  cosine normalisation) before the next agent listens: the same result as the
  reference's Python loop, at synchronous speed.
- **Threads**: kernels release the GIL and run on a small thread pool over
  chunks of rows balanced by edge count (no numba ``parallel=True``, so no
  threading-layer or fork-safety issues). The count is :func:`get_num_threads`.

Configuration
-------------
``OPINIONSIM_DISABLE_KERNELS=1``
    Always run the reference (also :func:`set_enabled` / :func:`disabled`).
``OPINIONSIM_NUM_THREADS=n``
    Threads per step (default: the CPUs this process may run on). Also
    :func:`set_num_threads`; sweep workers call :func:`limit_threads`.

Compiled code is cached on disk (``numba cache=True``) next to this file or in
``NUMBA_CACHE_DIR``, so the first-call compile cost is paid once per machine.
Importing this module imports numba; :mod:`opinionsim` itself imports it only
on the first step.

Examples
--------
>>> import numpy as np
>>> from opinionsim.engine import CompleteGraph
>>> from opinionsim.rules import UpdateRule
>>> X = np.array([[0.0], [1.0]])
>>> rule = UpdateRule.create(n=2, dim=1, temperature=float("inf"), step_size=1.0)
>>> advance("synchronous", X, X, CompleteGraph(2), rule).ravel()
array([0.5, 0.5])
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = [
    "advance",
    "available",
    "enabled",
    "set_enabled",
    "disabled",
    "get_num_threads",
    "set_num_threads",
    "limit_threads",
    "precompile",
]

try:
    import numba
    from llvmlite import ir as _ir
    from numba import types as _nbtypes
    from numba.core import cgutils as _cgutils
    from numba.extending import intrinsic as _intrinsic
except Exception as _exc:  # numba missing or broken: the reference runs instead
    numba = None
    _IMPORT_ERROR = _exc
else:
    _IMPORT_ERROR = None

# Rule and affinity codes passed to the kernels.
_ATTENTION, _UNIFORM, _BOUNDED = 0, 1, 2
_DOT, _COSINE, _DISTANCE = 0, 1, 2
_AFFINITY_CODE = {"dot": _DOT, "cosine": _COSINE, "distance": _DISTANCE}

#: Edges ahead of the current one whose speaker rows are prefetched.
_PREFETCH_DISTANCE = 24
#: Opinion bytes gathered per step above which the kernels prefetch (below, they are cached).
_PREFETCH_ABOVE_BYTES = 4 * 2**20
#: Below this many edges (or dense pairs) a step runs on the calling thread only.
_MIN_PARALLEL_WORK = 40_000


# ---- numba plumbing ------------------------------------------------------------------------

def _jit(**options):
    def wrap(fn):
        if numba is None:
            return fn
        return numba.njit(cache=True, nogil=True, fastmath=False, error_model="numpy",
                          boundscheck=False, **options)(fn)
    return wrap


if numba is not None:
    try:
        import llvmlite.binding as _llvm

        _HAS_FMA = "+fma" in _llvm.get_host_cpu_features().flatten()
    except Exception:  # pragma: no cover
        _HAS_FMA = False

    @_intrinsic
    def _prefetch_row(typingctx, arr, row):
        """Prefetch every cache line of ``arr[row]`` (a hint: it never faults, changes nothing)."""
        if not isinstance(arr, _nbtypes.Array) or arr.ndim not in (1, 2) \
                or not isinstance(row, _nbtypes.Integer):
            return None

        def codegen(context, builder, signature, args):
            aryty, rowty = signature.args
            ary = context.make_array(aryty)(context, builder, args[0])
            r = context.cast(builder, args[1], rowty, _nbtypes.intp)
            shape = _cgutils.unpack_tuple(builder, ary.shape, aryty.ndim)
            strides = _cgutils.unpack_tuple(builder, ary.strides, aryty.ndim)
            i8p = _ir.IntType(8).as_pointer()
            i32 = _ir.IntType(32)
            start = builder.mul(r, strides[0])
            if aryty.ndim == 2:
                size = builder.mul(shape[1], strides[1])
            else:
                size = _ir.Constant(r.type, context.get_abi_sizeof(
                    context.get_data_type(aryty.dtype)))
            last = builder.sub(builder.add(start, size), _ir.Constant(r.type, 1))
            base = builder.bitcast(ary.data, i8p)
            fnty = _ir.FunctionType(_ir.VoidType(), [i8p, i32, i32, i32])
            fn = builder.module.declare_intrinsic("llvm.prefetch", [i8p], fnty)
            flags = [_ir.Constant(i32, 0), _ir.Constant(i32, 3), _ir.Constant(i32, 1)]
            with _cgutils.for_range_slice(builder, start, last, _ir.Constant(r.type, 64),
                                          intp=r.type) as (off, _):
                builder.call(fn, [builder.gep(base, [off])] + flags)
            builder.call(fn, [builder.gep(base, [last])] + flags)
            return context.get_dummy_value()

        return _nbtypes.void(arr, row), codegen

    @_intrinsic
    def _fma(typingctx, x, y, z):
        """x * y + z rounded once (the FMA instruction); plain multiply-add without one."""
        if not all(t == _nbtypes.float64 for t in (x, y, z)):
            return None

        def codegen(context, builder, signature, args):
            if _HAS_FMA:
                d = _ir.DoubleType()
                return builder.call(builder.module.declare_intrinsic("llvm.fma", [d, d, d]), args)
            return builder.fadd(builder.fmul(args[0], args[1]), args[2])

        return _nbtypes.float64(_nbtypes.float64, _nbtypes.float64, _nbtypes.float64), codegen

    @_intrinsic
    def _f64_bits(typingctx, x):
        if x != _nbtypes.float64:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], _ir.IntType(64))

        return _nbtypes.int64(_nbtypes.float64), codegen

    @_intrinsic
    def _bits_f64(typingctx, x):
        if x != _nbtypes.int64:
            return None

        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], _ir.DoubleType())

        return _nbtypes.float64(_nbtypes.int64), codegen
else:  # pragma: no cover - only without numba, where no kernel runs
    def _prefetch_row(arr, row):
        pass

    def _fma(x, y, z):
        return x * y + z

    def _f64_bits(x):
        return int(np.float64(x).view(np.int64))

    def _bits_f64(x):
        return float(np.int64(x).view(np.float64))


# exp for x <= 0: Cody–Waite reduction x = k ln2 + r, |r| <= ln2/2, a degree-13 Taylor
# polynomial (truncation 2e-17, evaluated by Estrin's scheme with fused multiply-adds)
# and 2**k built in the exponent bits. No table and no branch, so the loop over a
# row's edges vectorises (libm's exp does not); within 2 ulp of libm. Results below
# 2**-1022 (weights < 1e-308 of the row's largest) are flushed to 0; NaN stays NaN.
_SHIFTER = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
(_E2, _E3, _E4, _E5, _E6, _E7, _E8, _E9, _E10, _E11, _E12, _E13) = (
    1.0 / math.factorial(k) for k in range(2, 14))


@_jit(inline="always")
def _exp_le0(x):
    t = _fma(x, _LOG2E, _SHIFTER)
    k = t - _SHIFTER
    r = _fma(k, -_LN2_LO, _fma(k, -_LN2_HI, x))
    r2 = r * r
    r4 = r2 * r2
    p01 = 1.0 + r
    p23 = _fma(_E3, r, _E2)
    p45 = _fma(_E5, r, _E4)
    p67 = _fma(_E7, r, _E6)
    p89 = _fma(_E9, r, _E8)
    p1011 = _fma(_E11, r, _E10)
    p1213 = _fma(_E13, r, _E12)
    p03 = _fma(p23, r2, p01)
    p47 = _fma(p67, r2, p45)
    p811 = _fma(p1011, r2, p89)
    p07 = _fma(p47, r4, p03)
    p813 = _fma(p1213, r4, p811)
    p = _fma(p813, r4 * r4, p07)
    y = p * _bits_f64((_f64_bits(t) + 1023) << 52)
    return y if x >= -708.0 else (0.0 if x < -708.0 else x)


# ---- kernels: one listener -----------------------------------------------------------------

@_jit(inline="always")
def _prefetch_ahead(indices, e, b, a2, b2, R):
    # The prefetch stream runs through this row's edges [.., b) and then the next row's [a2, b2).
    p = e + _PREFETCH_DISTANCE
    if p < b:
        _prefetch_row(R, indices[p])
    else:
        p = p - b + a2
        if p < b2:
            _prefetch_row(R, indices[p])


@_jit(inline="always")
def _scores(DH, i, c0, c1, a, b, a2, b2, indices, Q, K, V, dist, scale, prefetch, buf):
    """Scores of listener i for the speakers of edges [a, b) into buf; returns their max.

    ``DH`` is the head width when it is 1 to 4 and 0 otherwise; kernels receive
    it as the length of a tuple, so it is a compile-time constant, the loop over
    columns unrolls and the query stays in registers. Distances are negated; dot
    products are divided by ``scale`` (sqrt(width) for "dot", 1 for "cosine").
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
        if dist:
            s = -s
        else:
            s = s / scale
        buf[e - a] = s
        if s > m:
            m = s
    return m


@_jit(inline="always")
def _weighted_sums(a, n, indices, V, w, c0, c1, res):
    """res[c] = sum_t w[t] V[j_t, c] for c in [c0, c1); returns sum_t w[t].

    Four scalar accumulators per pass over the edges keep the sums in registers.
    """
    total = 0.0
    c = c0
    while c + 4 <= c1:
        total = 0.0
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for t in range(n):
            j = indices[a + t]
            wt = w[t]
            total += wt
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
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        for t in range(n):
            j = indices[a + t]
            wt = w[t]
            total += wt
            s0 += wt * V[j, c]
            s1 += wt * V[j, c + 1]
            s2 += wt * V[j, c + 2]
        res[c] = s0
        res[c + 1] = s1
        res[c + 2] = s2
    elif rest == 2:
        total = 0.0
        s0 = 0.0
        s1 = 0.0
        for t in range(n):
            j = indices[a + t]
            wt = w[t]
            total += wt
            s0 += wt * V[j, c]
            s1 += wt * V[j, c + 1]
        res[c] = s0
        res[c + 1] = s1
    elif rest == 1:
        total = 0.0
        s0 = 0.0
        for t in range(n):
            wt = w[t]
            total += wt
            s0 += wt * V[indices[a + t], c]
        res[c] = s0
    return total


@_jit(inline="always")
def _head_sums(DH, i, c0, c1, a, b, a2, b2, indices, Q, K, V, aff, mode, temperature,
               inv_temperature, confidence, prefetch, buf, res):
    """Weighted sums of head columns [c0, c1) heard by listener i over edges [a, b).

    Writes the unnormalised sums to res[c0:c1] and returns the total weight,
    0 when the listener is silent (no edge, or nobody within the confidence).
    ``inv_temperature`` is 1 / temperature where that is exact (a power of two),
    else 0: multiplying by it then gives the reference's quotient bit for bit.
    """
    n = b - a
    if n == 0:
        return 0.0
    if mode == _UNIFORM:
        for e in range(a, b):
            if prefetch > 0:
                _prefetch_ahead(indices, e, b, a2, b2, V)
            buf[e - a] = 1.0
    else:
        dist = mode == _BOUNDED or aff == _DISTANCE
        scale = math.sqrt(c1 - c0) if aff == _DOT else 1.0
        m = _scores(DH, i, c0, c1, a, b, a2, b2, indices, Q, K, V, dist, scale, prefetch, buf)
        if mode == _BOUNDED:
            # sqrt(fl(x**2)) == |x| in IEEE arithmetic, as in the reference: ties at the radius
            # count.
            for t in range(n):
                buf[t] = 1.0 if math.sqrt(-buf[t]) <= confidence else 0.0
        elif inv_temperature > 0.0:
            for t in range(n):
                buf[t] = _exp_le0((buf[t] - m) * inv_temperature)
        else:
            for t in range(n):
                buf[t] = _exp_le0((buf[t] - m) / temperature)
    # One call site: a second inlined copy of this loop slows the whole kernel down.
    return _weighted_sums(a, n, indices, V, buf, c0, c1, res)


@_jit(inline="always")
def _update(x, social, X0, i, c, step_size, s, noise, eps):
    """``update_opinions`` for coordinate (i, c): stubbornness s, noise already scaled."""
    v = x + step_size * (social - x)
    if s != 0.0:
        v = s * X0[i, c] + (1.0 - s) * v
    if noise > 0.0:
        v += noise * eps[i, c]
    return v


@_jit(inline="always")
def _normalise_row(out, i):
    norm = 0.0
    for c in range(out.shape[1]):
        norm += out[i, c] * out[i, c]
    norm = math.sqrt(norm)
    for c in range(out.shape[1]):
        out[i, c] = out[i, c] / norm


@_jit(inline="always")
def _heads_row(i, a, b, a2, b2, indices, Q, K, V, hoff, dst, covered, X, aff, mode, temperature,
               inv_temperature, confidence, prefetch, X0, step_size, stub, noise, eps, sphere, buf,
               res, soc, out):
    """New opinion of listener i into out[i], head by head (``social_mean`` + ``apply_update``)."""
    d = X.shape[1]
    for c in range(d):
        soc[c] = X[i, c]
    for h in range(hoff.shape[0] - 1):
        c0 = hoff[h]
        c1 = hoff[h + 1]
        total = _head_sums(0, i, c0, c1, a, b, a2, b2, indices, Q, K, V, aff, mode,
                           temperature, inv_temperature, confidence, prefetch, buf, res)
        for t in range(c0, c1):
            soc[dst[t]] = res[t] / total if total != 0.0 else V[i, t]
    s = stub[i] if stub.shape[0] > 1 else stub[0]
    for c in range(d):
        x = X[i, c]
        if covered[c]:
            x = _update(x, soc[c], X0, i, c, step_size, s, noise, eps)
        soc[c] = x
    for c in range(d):
        out[i, c] = soc[c]
    if sphere:
        _normalise_row(out, i)


@_jit(inline="always")
def _unit(M, i, c0, c1, out):
    norm = 0.0
    for t in range(c0, c1):
        norm += M[i, t] * M[i, t]
    norm = math.sqrt(norm)
    for t in range(c0, c1):
        out[i, t] = M[i, t] / norm if norm > 0 else 0.0


@_jit(inline="always")
def _refresh_row(i, X, Q, K, V, hoff, src, v_is_x, k_is_v, q_is_v, cosine, salience,
                 key_norm_clip):
    """Re-derive listener i's values, keys and queries after its opinion changed (make_keys)."""
    if not v_is_x:
        for t in range(V.shape[1]):
            V[i, t] = X[i, src[t]]
    sal = salience[i] if salience.shape[0] > 1 else salience[0]
    for h in range(hoff.shape[0] - 1):
        c0 = hoff[h]
        c1 = hoff[h + 1]
        if not k_is_v:
            for t in range(c0, c1):
                K[i, t] = V[i, t] * sal
            norm = 0.0
            for t in range(c0, c1):
                norm += K[i, t] * K[i, t]
            norm = math.sqrt(norm)
            if norm > key_norm_clip:
                f = key_norm_clip / norm
                for t in range(c0, c1):
                    K[i, t] = K[i, t] * f
            if cosine:
                _unit(K, i, c0, c1, K)
        if not q_is_v:
            _unit(V, i, c0, c1, Q)


@_jit(inline="always")
def _max_degree(lo, hi, rows, indptr):
    use_rows = rows.shape[0] > 0
    max_deg = 0
    for r in range(lo, hi):
        i = rows[r] if use_rows else r
        deg = indptr[i + 1] - indptr[i]
        if deg > max_deg:
            max_deg = deg
    return max_deg


@_jit(inline="always")
def _next_edges(r, hi, rows, indptr, b, end):
    """Edges to prefetch after this row: the next listed row's, or the rest of the range."""
    if rows.shape[0] == 0:
        return b, end
    if r + 1 < hi:
        return indptr[rows[r + 1]], indptr[rows[r + 1] + 1]
    return 0, 0


@_jit(inline="always")
def _prefetch_order(r, order, indptr, indices, X, K):
    # A random order defeats the hardware prefetcher: fetch what the agents a few places
    # ahead will read (their row pointers, then their edge lists and opinions).
    n = order.shape[0]
    if r + 8 < n:
        _prefetch_row(indptr, order[r + 8])
    if r + 4 < n:
        nxt = order[r + 4]
        _prefetch_row(indices, indptr[nxt])
        _prefetch_row(X, nxt)
    if r + 2 < n:
        nxt = order[r + 2]
        for e in range(indptr[nxt], indptr[nxt + 1]):
            _prefetch_row(K, indices[e])


# ---- kernels: a chunk of listeners, or a whole sequential sweep ----------------------------
# ``dh`` is a tuple whose length is the head width when it is 1 to 4 (0 otherwise): a
# compile-time constant, so each width used gets its own specialised machine code. The
# sequential kernels are always called with () (generic): one compilation each, ~10% slower.

# The lean kernels spell the row out instead of sharing an inlined row function: measured at
# dim 3, the shared version (same operations) ran 25% slower.

@_jit()
def _sync_lean(dh, lo, hi, rows, indptr, indices, Q, K, X, aff, mode, temperature, inv_temperature,
               confidence, prefetch, X0, step_size, stub, noise, eps, sphere, fixed, out):
    """Rows lo..hi (or rows[lo:hi]) of a synchronous update with one head over all columns."""
    DH = len(dh)
    d = X.shape[1]
    use_rows = rows.shape[0] > 0
    has_fixed = fixed.shape[0] > 0
    buf = np.empty(_max_degree(lo, hi, rows, indptr))
    res = np.empty(d)
    end = 0 if use_rows else indptr[hi]
    for r in range(lo, hi):
        i = rows[r] if use_rows else r
        if has_fixed and fixed[i]:
            for c in range(d):
                out[i, c] = X[i, c]
            continue
        a = indptr[i]
        b = indptr[i + 1]
        a2, b2 = _next_edges(r, hi, rows, indptr, b, end)
        silent = b == a
        if not silent:
            total = _head_sums(DH, i, 0, d, a, b, a2, b2, indices, Q, K, X, aff, mode,
                               temperature, inv_temperature, confidence, prefetch, buf, res)
            silent = total == 0.0
        s = stub[i] if stub.shape[0] > 1 else stub[0]
        for c in range(d):
            x = X[i, c]
            social = x if silent else res[c] / total
            v = x + step_size * (social - x)  # _update, spelled out: measurably faster here
            if s != 0.0:
                v = s * X0[i, c] + (1.0 - s) * v
            if noise > 0.0:
                v += noise * eps[i, c]
            out[i, c] = v
        if sphere:
            _normalise_row(out, i)


@_jit()
def _sequential_lean(dh, order, indptr, indices, Q, K, X, aff, mode, temperature, inv_temperature,
                     confidence, prefetch, k_is_v, q_is_v, salience, key_norm_clip, X0, step_size,
                     stub, noise, eps, sphere, fixed):
    """Agents update in ``order``, in place in X, each hearing the latest opinions (one head)."""
    DH = len(dh)
    d = X.shape[1]
    has_fixed = fixed.shape[0] > 0
    n = order.shape[0]
    buf = np.empty(_max_degree(0, indptr.shape[0] - 1, np.zeros(0, np.int64), indptr))
    res = np.empty(d)
    hoff = np.array([0, d])
    cosine = aff == _COSINE and mode == _ATTENTION
    for r in range(n):
        i = order[r]
        _prefetch_order(r, order, indptr, indices, X, K)
        if has_fixed and fixed[i]:
            continue
        a = indptr[i]
        b = indptr[i + 1]
        a2, b2 = _next_edges(r, n, order, indptr, b, 0)
        silent = b == a
        if not silent:
            total = _head_sums(DH, i, 0, d, a, b, a2, b2, indices, Q, K, X, aff, mode,
                               temperature, inv_temperature, confidence, prefetch, buf, res)
            silent = total == 0.0
        s = stub[i] if stub.shape[0] > 1 else stub[0]
        # Row i is written in place: column c is read just before it is overwritten, and the
        # social term (which may include row i itself) is complete by then.
        for c in range(d):
            x = X[i, c]
            social = x if silent else res[c] / total
            v = x + step_size * (social - x)  # _update, spelled out: measurably faster here
            if s != 0.0:
                v = s * X0[i, c] + (1.0 - s) * v
            if noise > 0.0:
                v += noise * eps[i, c]
            X[i, c] = v
        if sphere:
            _normalise_row(X, i)
        _refresh_row(i, X, Q, K, X, hoff, hoff, True, k_is_v, q_is_v, cosine, salience,
                     key_norm_clip)


@_jit()
def _sync_heads(lo, hi, rows, indptr, indices, Q, K, V, hoff, dst, covered, aff, mode, temperature,
                inv_temperature, confidence, prefetch, X, X0, step_size, stub, noise, eps, sphere,
                fixed, out):
    """Like :func:`_sync_lean` for any heads (several, partial or permuted)."""
    use_rows = rows.shape[0] > 0
    has_fixed = fixed.shape[0] > 0
    buf = np.empty(_max_degree(lo, hi, rows, indptr))
    res = np.empty(V.shape[1])
    soc = np.empty(X.shape[1])
    end = 0 if use_rows else indptr[hi]
    for r in range(lo, hi):
        i = rows[r] if use_rows else r
        if has_fixed and fixed[i]:
            for c in range(X.shape[1]):
                out[i, c] = X[i, c]
            continue
        a = indptr[i]
        b = indptr[i + 1]
        a2, b2 = _next_edges(r, hi, rows, indptr, b, end)
        _heads_row(i, a, b, a2, b2, indices, Q, K, V, hoff, dst, covered, X, aff, mode,
                   temperature, inv_temperature, confidence, prefetch, X0, step_size, stub, noise,
                   eps, sphere, buf, res, soc, out)


@_jit()
def _sequential_heads(order, indptr, indices, Q, K, V, hoff, src, dst, covered, aff, mode,
                      temperature, inv_temperature, confidence, prefetch, v_is_x, k_is_v, q_is_v,
                      salience, key_norm_clip, X, X0, step_size, stub, noise, eps, sphere, fixed):
    has_fixed = fixed.shape[0] > 0
    n = order.shape[0]
    buf = np.empty(_max_degree(0, indptr.shape[0] - 1, np.zeros(0, np.int64), indptr))
    res = np.empty(V.shape[1])
    soc = np.empty(X.shape[1])
    cosine = aff == _COSINE and mode == _ATTENTION
    for r in range(n):
        i = order[r]
        _prefetch_order(r, order, indptr, indices, X, K)
        if has_fixed and fixed[i]:
            continue
        a = indptr[i]
        b = indptr[i + 1]
        a2, b2 = _next_edges(r, n, order, indptr, b, 0)
        _heads_row(i, a, b, a2, b2, indices, Q, K, V, hoff, dst, covered, X, aff, mode,
                   temperature, inv_temperature, confidence, prefetch, X0, step_size, stub, noise,
                   eps, sphere, buf, res, soc, X)
        _refresh_row(i, X, Q, K, V, hoff, src, v_is_x, k_is_v, q_is_v, cosine, salience,
                     key_norm_clip)


# ---- complete graphs -----------------------------------------------------------------------

@_jit(inline="always")
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


@_jit(inline="always")
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


@_jit(inline="always")
def _dense_head(DH, i, c0, c1, include_self, Q, KT, VT, totals, have_totals, aff, mode,
                temperature, inv_temperature, confidence, buf, res):
    """Like :func:`_head_sums` when everyone listens to everyone (keys and values transposed);
    writes the normalised means and returns False when silent."""
    n = KT.shape[1]
    count = n if include_self else n - 1
    if count == 0:
        return False
    if mode == _UNIFORM:
        for c in range(c0, c1):
            tot = totals[c] if have_totals else _sum8(VT[c], n)
            if not include_self:
                tot = tot - VT[c, i]
            res[c] = tot / count
        return True
    dist = mode == _BOUNDED or aff == _DISTANCE
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
            scale = math.sqrt(DH) if aff == _DOT else 1.0
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
        elif aff == _DOT:
            scale = math.sqrt(c1 - c0)
            for j in range(n):
                buf[j] = buf[j] / scale
    if mode == _BOUNDED:
        for j in range(n):
            buf[j] = 1.0 if math.sqrt(-buf[j]) <= confidence else 0.0
        if not include_self:
            buf[i] = 0.0
    else:
        if not include_self:
            buf[i] = -np.inf
        m = -np.inf
        for j in range(n):
            if buf[j] > m:
                m = buf[j]
        if inv_temperature > 0.0:
            for j in range(n):
                buf[j] = _exp_le0((buf[j] - m) * inv_temperature)
        else:
            for j in range(n):
                buf[j] = _exp_le0((buf[j] - m) / temperature)
    total = _sum8(buf, n)
    if total == 0.0:
        return False
    for c in range(c0, c1):
        res[c] = _dot8(buf, VT[c], n) / total
    return True


@_jit(inline="always")
def _dense_row(DH, i, include_self, Q, KT, VT, totals, have_totals, hoff, dst, covered, X, aff,
               mode, temperature, inv_temperature, confidence, X0, step_size, stub, noise, eps,
               sphere, buf, res, soc, out):
    d = X.shape[1]
    for c in range(d):
        soc[c] = X[i, c]
    for h in range(hoff.shape[0] - 1):
        c0 = hoff[h]
        c1 = hoff[h + 1]
        silent = not _dense_head(DH, i, c0, c1, include_self, Q, KT, VT, totals, have_totals, aff,
                                 mode, temperature, inv_temperature, confidence, buf, res)
        for t in range(c0, c1):
            soc[dst[t]] = VT[t, i] if silent else res[t]
    s = stub[i] if stub.shape[0] > 1 else stub[0]
    for c in range(d):
        x = X[i, c]
        if covered[c]:
            x = _update(x, soc[c], X0, i, c, step_size, s, noise, eps)
        soc[c] = x
    for c in range(d):
        out[i, c] = soc[c]
    if sphere:
        _normalise_row(out, i)


@_jit()
def _sync_dense(dh, lo, hi, rows, include_self, Q, KT, VT, totals, have_totals, hoff, dst, covered,
                aff, mode, temperature, inv_temperature, confidence, X, X0, step_size, stub, noise,
                eps, sphere, fixed, out):
    DH = len(dh)
    use_rows = rows.shape[0] > 0
    has_fixed = fixed.shape[0] > 0
    buf = np.empty(KT.shape[1])
    res = np.empty(VT.shape[0])
    soc = np.empty(X.shape[1])
    for r in range(lo, hi):
        i = rows[r] if use_rows else r
        if has_fixed and fixed[i]:
            for c in range(X.shape[1]):
                out[i, c] = X[i, c]
            continue
        _dense_row(DH, i, include_self, Q, KT, VT, totals, have_totals, hoff, dst, covered, X, aff,
                   mode, temperature, inv_temperature, confidence, X0, step_size, stub, noise, eps,
                   sphere, buf, res, soc, out)


@_jit()
def _sequential_dense(dh, order, include_self, Q, K, V, KT, VT, hoff, src, dst, covered, aff, mode,
                      temperature, inv_temperature, confidence, v_is_x, k_is_v, q_is_v, salience,
                      key_norm_clip, X, X0, step_size, stub, noise, eps, sphere, fixed):
    DH = len(dh)
    has_fixed = fixed.shape[0] > 0
    buf = np.empty(KT.shape[1])
    res = np.empty(VT.shape[0])
    soc = np.empty(X.shape[1])
    totals = np.empty(0)
    cosine = aff == _COSINE and mode == _ATTENTION
    for r in range(order.shape[0]):
        i = order[r]
        if has_fixed and fixed[i]:
            continue
        _dense_row(DH, i, include_self, Q, KT, VT, totals, False, hoff, dst, covered, X, aff, mode,
                   temperature, inv_temperature, confidence, X0, step_size, stub, noise, eps,
                   sphere, buf, res, soc, X)
        _refresh_row(i, X, Q, K, V, hoff, src, v_is_x, k_is_v, q_is_v, cosine, salience,
                     key_norm_clip)
        for t in range(KT.shape[0]):
            KT[t, i] = K[i, t]
            VT[t, i] = V[i, t]


# ---- configuration -------------------------------------------------------------------------

_lock = threading.Lock()
_enabled = True
_broken = None          # the exception that disabled the kernels, if any
_warned = set()
_num_threads = None
_pool = None


def _default_threads():
    env = os.environ.get("OPINIONSIM_NUM_THREADS", "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            n = 0
        if n >= 1:
            return n
        _warn_once("threads-env", f"OPINIONSIM_NUM_THREADS == {env!r}, must be an integer >= 1; "
                   "using one thread per available CPU.")
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def get_num_threads() -> int:
    """Threads a step uses (``OPINIONSIM_NUM_THREADS``, :func:`set_num_threads`, or the CPUs).

    Examples
    --------
    >>> get_num_threads() >= 1
    True
    """
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def set_num_threads(n):
    """Use ``n`` threads per step from now on; returns the previous count.

    Raises
    ------
    ValueError
        Unless ``n`` is an integer >= 1.

    Examples
    --------
    >>> old = set_num_threads(1); _ = set_num_threads(old)
    """
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n == {n!r}, must be an integer >= 1 (threads per step).")
    previous = get_num_threads()
    _num_threads = int(n)
    return previous


def limit_threads(n=1):
    """Cap the threads this process computes with at ``n``: call it first thing in a sweep worker.

    Sets the kernels' thread count, the BLAS/OpenMP pools through
    ``threadpoolctl`` where it is installed, and the ``OMP_NUM_THREADS``-style
    variables that child processes inherit. With ``w`` worker processes on
    ``c`` cores, ``limit_threads(max(1, c // w))`` keeps the machine from being
    oversubscribed. (The kernels run on their own pool, not numba's, so
    ``NUMBA_NUM_THREADS`` is left alone: numba refuses to compile once it
    changes after its threads have started.) Returns the previous count.

    Examples
    --------
    >>> old = limit_threads(1); _ = set_num_threads(old)
    """
    previous = set_num_threads(n)
    for var in ("OPINIONSIM_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS"):
        os.environ[var] = str(int(n))
    try:
        import threadpoolctl
    except ImportError:
        pass
    else:
        threadpoolctl.threadpool_limits(int(n))
    return previous


def available() -> bool:
    """Whether numba imported and no kernel has failed in this process."""
    return numba is not None and _broken is None


def enabled() -> bool:
    """Whether :func:`advance` will try the compiled kernels (see :func:`set_enabled`)."""
    env = os.environ.get("OPINIONSIM_DISABLE_KERNELS", "").strip().lower()
    return _enabled and available() and env in ("", "0", "false", "no")


def set_enabled(flag: bool) -> bool:
    """Turn the compiled kernels on or off for this process; returns the previous setting."""
    global _enabled
    previous = _enabled
    _enabled = bool(flag)
    return previous


@contextlib.contextmanager
def disabled():
    """Run the reference implementation inside the ``with`` block.

    Examples
    --------
    >>> with disabled():
    ...     enabled()
    False
    """
    previous = set_enabled(False)
    try:
        yield
    finally:
        set_enabled(previous)


def _warn_once(key, message):
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    warnings.warn(message, RuntimeWarning, stacklevel=4)


def _reset_after_fork():
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _executor(workers):
    global _pool
    with _lock:
        if _pool is None or _pool._max_workers < workers:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="opinionsim")
        return _pool


def _run_chunks(task, n_chunks, n_threads):
    """Run ``task(c)`` for every chunk, on the calling thread and ``n_threads - 1`` helpers."""
    if n_threads <= 1 or n_chunks <= 1:
        for c in range(n_chunks):
            task(c)
        return
    counter = itertools.count()

    def worker():
        while True:
            c = next(counter)
            if c >= n_chunks:
                return
            task(c)

    helpers = [_executor(n_threads - 1).submit(worker) for _ in range(n_threads - 1)]
    worker()
    for f in helpers:
        f.result()


# ---- dispatch ------------------------------------------------------------------------------

def advance(activation, X, X0, adjacency, rule, *, noise_eps=None, order=None, active=None):
    """One tick through the compiled kernels, or ``None`` where the reference must run.

    Parameters are those of :func:`opinionsim.scheduler.advance`, with the
    activation draws already made: ``order`` (random_sequential) and ``active``
    (random_async). Returns the new opinions, or ``None`` when the kernels are
    disabled, numba is unavailable, or the input is not supported (a warning is
    issued once per cause).
    """
    if not enabled():
        if numba is None and _enabled:
            _warn_once("import", f"opinionsim: numba could not be imported ({_IMPORT_ERROR!r}); "
                       "using the slower reference implementation.")
        return None
    why = _unsupported(X, X0, adjacency, noise_eps)
    if why is not None:
        _warn_once(why, f"opinionsim: no compiled kernel for {why}; using the reference "
                   "implementation.")
        return None
    try:
        return _advance(activation, X, X0, adjacency, rule, noise_eps, order, active)
    except Exception as exc:
        global _broken
        _broken = exc
        _warn_once("failure", f"opinionsim: the compiled kernels failed ({exc!r}); using the "
                   "reference implementation from now on in this process.")
        return None


def _unsupported(X, X0, adjacency, noise_eps):
    import scipy.sparse as sp

    from .engine import CompleteGraph

    for name, arr in (("opinions", X), ("initial opinions", X0), ("noise", noise_eps)):
        if arr is None and name == "noise":
            continue
        if not isinstance(arr, np.ndarray) or arr.dtype != np.float64 or arr.ndim != 2:
            dtype = getattr(arr, "dtype", type(arr).__name__)
            return f"{name} of dtype {dtype} (float64 (n, dim) arrays only)"
        if arr.shape != X.shape:
            return f"{name} of shape {arr.shape} (must match {X.shape})"
    n = X.shape[0]
    if isinstance(adjacency, CompleteGraph):
        return None if adjacency.n == n else "a complete graph of another size"
    if not sp.issparse(adjacency) or adjacency.shape != (n, n):
        return f"an adjacency of type {type(adjacency).__name__} and shape " \
               f"{getattr(adjacency, 'shape', None)}"
    return None


def _csr_structure(adjacency):
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


def _ro(a):
    """A read-only view. Kernels see every input they only read as read-only, whichever way
    the caller's array is flagged, so one compiled version serves both (numba types differ)."""
    v = a.view()
    v.flags.writeable = False
    return v


class _RuleArrays:
    """What the kernels need from an :class:`~opinionsim.rules.UpdateRule`, as plain values.

    Depends on the rule and the opinion width only, so it is built once per rule
    (rules are immutable; an intervention installs a new one).
    """

    def __init__(self, rule, d):
        heads = rule.heads
        # The reference attends a head that names every dimension over X as it is (not
        # permuted) and writes the result to the head's dimensions, so its sources are 0..d-1.
        src = np.concatenate([np.asarray(h) for h in heads])
        self.src = src.astype(np.int64)
        self.dst = np.concatenate([np.asarray(h) for h in heads]).astype(np.int64)
        self.hoff = np.cumsum([0] + [len(h) for h in heads]).astype(np.int64)
        identity = np.arange(d)
        self.v_is_x = np.array_equal(self.src, identity)
        self.lean = len(heads) == 1 and self.v_is_x and np.array_equal(self.dst, identity)
        self.dh = (0.0,) * d if self.lean and d <= 4 else ()
        widths = {len(h) for h in heads}
        width = widths.pop() if len(widths) == 1 else 0
        self.dense_dh = (0.0,) * width if width <= 4 else ()
        if rule.rule == "bounded_confidence":
            self.mode = _BOUNDED
        elif rule.rule == "uniform" or math.isinf(rule.temperature):
            self.mode = _UNIFORM
        else:
            self.mode = _ATTENTION
        self.aff = _AFFINITY_CODE[rule.affinity]
        self.cosine = self.mode == _ATTENTION and self.aff == _COSINE
        salience = np.asarray(rule.salience, dtype=np.float64)
        self.plain_keys = salience.ndim == 0 and float(salience) == 1.0 \
            and rule.key_norm_clip is None
        self.salience = np.atleast_1d(salience).astype(np.float64)
        self.key_norm_clip = math.inf if rule.key_norm_clip is None else float(rule.key_norm_clip)
        self.temperature = float(rule.temperature)
        # x / T == x * (1 / T) exactly when 1 / T is a power of two (T = 1, 0.5, ...).
        inv = 1.0 / self.temperature
        exact = inv > 0.0 and math.isfinite(inv) and math.frexp(inv)[0] == 0.5
        self.inv_temperature = inv if exact else 0.0
        self.confidence = math.inf if rule.confidence is None else float(rule.confidence)
        self.step_size = float(rule.step_size)
        self.stub = np.atleast_1d(np.asarray(rule.stubbornness, dtype=np.float64))
        covered = np.zeros(d, dtype=np.bool_)
        covered[self.dst] = True
        self.covered = covered
        self.sphere = rule.opinion_space == "sphere"
        self.fixed = np.zeros(0, np.bool_) if rule.fixed is None \
            else np.asarray(rule.fixed, np.bool_)
        for name in ("src", "dst", "hoff", "salience", "stub", "covered", "fixed"):
            setattr(self, name, _ro(getattr(self, name)))


_rule_cache = (None, None, None)  # (rule, width, _RuleArrays): the rule of the latest tick


def _rule_arrays(rule, d):
    global _rule_cache
    cached_rule, cached_d, arrays = _rule_cache
    if cached_rule is not rule or cached_d != d:
        arrays = _RuleArrays(rule, d)
        _rule_cache = (rule, d, arrays)
    return arrays


class _Prepared:
    """The per-tick arrays the kernels read, derived from X as the reference derives them."""

    def __init__(self, X, rule, *, sequential, dense):
        from .engine import _unit_rows, make_keys

        r = _rule_arrays(rule, X.shape[1])
        self.__dict__.update(r.__dict__)
        V = X if r.v_is_x else np.ascontiguousarray(X[:, r.src])
        self.k_is_v = r.plain_keys and not r.cosine
        self.q_is_v = not r.cosine
        if r.mode == _UNIFORM or (self.k_is_v and self.q_is_v):
            Q = K = V  # keys are not used (uniform) or equal the values
            self.k_is_v = self.q_is_v = True
        else:
            Q = np.empty_like(V) if r.cosine else V
            K = None if r.plain_keys and r.cosine else np.empty_like(V)
            for h in range(len(r.hoff) - 1):
                c0, c1 = r.hoff[h], r.hoff[h + 1]
                Vh = np.ascontiguousarray(V[:, c0:c1])
                Kh = Vh if r.plain_keys else make_keys(Vh, salience=rule.salience,
                                                       key_norm_clip=rule.key_norm_clip)
                if r.cosine:
                    Q[:, c0:c1] = _unit_rows(Vh)
                    if K is not None:
                        K[:, c0:c1] = _unit_rows(Kh)
                else:
                    K[:, c0:c1] = Kh
            if K is None:  # cosine with plain keys: the unit keys are the unit queries
                K = Q
        self.Q, self.K, self.V = Q, K, V
        # Prefetching the speakers' rows pays once they no longer fit in the caches.
        gathered = K.nbytes + (0 if V is K else V.nbytes)
        self.prefetch = 0 if gathered <= _PREFETCH_ABOVE_BYTES else (1 if V is K else 2)
        if dense:
            self.KT = np.ascontiguousarray(K.T)
            self.VT = self.KT if V is K else np.ascontiguousarray(V.T)
            if r.mode == _UNIFORM and not sequential:
                self.totals = V.sum(axis=0)
            else:
                self.totals = np.zeros(0)


def _noise(rule, noise_eps):
    if rule.noise > 0 and noise_eps is not None:
        return float(rule.noise), np.ascontiguousarray(noise_eps)
    return 0.0, np.zeros((0, 0))


def _aligned_empty(shape):
    """An empty C-ordered float64 array whose data start on a 64-byte cache-line boundary.

    The new opinions are gathered by the next step: a row of 16 doubles then
    spans 2 cache lines instead of 3, a third less memory read per gather.
    """
    size = math.prod(shape)
    raw = np.empty(size + 8)
    start = (-raw.ctypes.data % 64) // 8
    return raw[start:start + size].reshape(shape)


def _aligned_copy(X):
    out = _aligned_empty(X.shape)
    out[...] = X
    return out


_bounds_cache = (None, None, None)  # (indptr, n_chunks, bounds) of the latest synchronous tick


def _edge_balanced_bounds(indptr, rows, n_chunks):
    """Split the rows (all, or ``rows``) into chunks with about as many edges (+1 per row) each."""
    global _bounds_cache
    if len(rows) == 0 and _bounds_cache[0] is indptr and _bounds_cache[1] == n_chunks:
        return _bounds_cache[2]
    if len(rows):
        cum = np.cumsum(np.diff(indptr)[rows] + 1)
    else:
        cum = indptr[1:].astype(np.int64) + np.arange(1, len(indptr))
    cuts = np.searchsorted(cum, np.linspace(0, cum[-1], n_chunks + 1)[1:-1], side="left")
    bounds = np.concatenate([[0], cuts, [len(cum)]]).astype(np.int64)
    if len(rows) == 0:
        _bounds_cache = (indptr, n_chunks, bounds)
    return bounds


def _advance(activation, X, X0, adjacency, rule, noise_eps, order, active):
    from .engine import CompleteGraph

    X = _ro(np.ascontiguousarray(X))
    X0 = _ro(np.ascontiguousarray(X0))
    noise, eps = _noise(rule, noise_eps)
    eps = _ro(eps)
    threads = get_num_threads()
    dense = isinstance(adjacency, CompleteGraph)
    if activation == "random_sequential":
        new = _aligned_copy(X)
        p = _Prepared(new, rule, sequential=True, dense=dense)
        order = _ro(np.ascontiguousarray(order, dtype=np.int64))
        common = (p.aff, p.mode, p.temperature, p.inv_temperature, p.confidence)
        update = (X0, p.step_size, p.stub, noise, eps, p.sphere, p.fixed)
        if dense:
            _sequential_dense((), order, adjacency.include_self, p.Q, p.K, p.V, p.KT, p.VT, p.hoff,
                              p.src, p.dst, p.covered, *common, p.v_is_x, p.k_is_v, p.q_is_v,
                              p.salience, p.key_norm_clip, new, *update)
            return new
        indptr, indices = map(_ro, _csr_structure(adjacency))
        if p.lean:
            _sequential_lean((), order, indptr, indices, p.Q, p.K, new, *common, p.prefetch,
                             p.k_is_v, p.q_is_v, p.salience, p.key_norm_clip, *update)
        else:
            _sequential_heads(order, indptr, indices, p.Q, p.K, p.V, p.hoff, p.src, p.dst,
                              p.covered, *common, p.prefetch, p.v_is_x, p.k_is_v, p.q_is_v,
                              p.salience, p.key_norm_clip, new, *update)
        return new

    p = _Prepared(X, rule, sequential=False, dense=dense)
    n = X.shape[0]
    if activation == "random_async":
        rows = np.flatnonzero(active).astype(np.int64)
        out = _aligned_copy(X)
        if len(rows) == 0:
            return out
    else:
        rows = np.zeros(0, np.int64)
        out = _aligned_empty(X.shape)
    n_rows = len(rows) if len(rows) else n
    common = (p.aff, p.mode, p.temperature, p.inv_temperature, p.confidence)
    update = (X0, p.step_size, p.stub, noise, eps, p.sphere, p.fixed, out)
    Q, K, V = _ro(p.Q), _ro(p.K), _ro(p.V)

    if dense:
        work = n_rows * n
        n_chunks = 1 if work < _MIN_PARALLEL_WORK or threads == 1 else min(n_rows, 8 * threads)
        bounds = np.linspace(0, n_rows, n_chunks + 1).astype(np.int64)
        rows = _ro(rows)
        KT, VT, totals = _ro(p.KT), _ro(p.VT), _ro(p.totals)
        have_totals = len(totals) > 0

        def task(c):
            _sync_dense(p.dense_dh, bounds[c], bounds[c + 1], rows, adjacency.include_self, Q,
                        KT, VT, totals, have_totals, p.hoff, p.dst, p.covered, *common, X,
                        *update)
    else:
        indptr, indices = _csr_structure(adjacency)
        work = (int(indptr[-1]) + n) if len(rows) == 0 else len(rows) * (1 + int(indptr[-1]) // n)
        n_chunks = 1 if work < _MIN_PARALLEL_WORK or threads == 1 else min(n_rows, 4 * threads)
        bounds = _edge_balanced_bounds(indptr, rows, n_chunks)
        indptr, indices, rows = _ro(indptr), _ro(indices), _ro(rows)

        if p.lean:
            def task(c):
                _sync_lean(p.dh, bounds[c], bounds[c + 1], rows, indptr, indices, Q, K, X,
                           *common, p.prefetch, *update)
        else:
            def task(c):
                _sync_heads(bounds[c], bounds[c + 1], rows, indptr, indices, Q, K, V, p.hoff,
                            p.dst, p.covered, *common, p.prefetch, X, *update)

    _run_chunks(task, n_chunks, threads)
    return out


def precompile():
    """Compile (or load from the on-disk cache) the kernels for the common argument types.

    Returns the seconds it took. Call it once after installing to move the
    one-time compile cost out of the first run.
    """
    import time

    import scipy.sparse as sp

    from .engine import CompleteGraph
    from .rules import UpdateRule

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    csr = sp.csr_array(np.ones((6, 6)))
    csr.indices = csr.indices.astype(np.int32)
    csr.indptr = csr.indptr.astype(np.int32)
    rule = UpdateRule.create(n=6, dim=2)
    for adjacency in (csr, CompleteGraph(6)):
        advance("synchronous", X, X, adjacency, rule)
        advance("random_async", X, X, adjacency, rule, active=np.ones(6, bool))
        advance("random_sequential", X, X, adjacency, rule, order=np.arange(6))
    return time.perf_counter() - start
