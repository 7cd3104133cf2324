"""Low-level pieces the compiled kernels are built from: the numba import, ``jit`` options,
LLVM intrinsics (prefetch, fused multiply-add, bit casts) and a vectorisable ``exp``.

Importing this module imports numba (a required dependency); :mod:`opinionsim`
imports it only when a step first runs a kernel.
"""

from __future__ import annotations

import math

import numpy as np

import llvmlite.binding as _llvm
import numba
from llvmlite import ir as _ir
from numba import types as _nbtypes
from numba.core import cgutils as _cgutils
from numba.extending import intrinsic as _intrinsic

__all__ = ["jit", "prefetch_row", "fma", "exp_le0", "edge_uniform"]


# ---- numba plumbing ------------------------------------------------------------------------

def jit(**options):
    settings = dict(cache=True, nogil=True, fastmath=False, error_model="numpy",
                    boundscheck=False)
    settings.update(options)

    def wrap(fn):
        return numba.njit(**settings)(fn)
    return wrap


try:
    _HAS_FMA = "+fma" in _llvm.get_host_cpu_features().flatten()
except Exception:  # pragma: no cover - a CPU whose features LLVM cannot read
    _HAS_FMA = False


@_intrinsic
def prefetch_row(typingctx, arr, row):
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
def fma(typingctx, x, y, z):
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


# An ordinary call, not inline="always": LLVM inlines it anyway (the step measured the
# same), whereas numba's own inliner copies a callee's IR at every call site, block by
# block, each block with the callee's whole scope (numba/numba#8989); at 7-19 sites per
# kernel that was a third of every kernel's compile time.
@jit()
def exp_le0(x):
    t = fma(x, _LOG2E, _SHIFTER)
    k = t - _SHIFTER
    r = fma(k, -_LN2_LO, fma(k, -_LN2_HI, x))
    r2 = r * r
    r4 = r2 * r2
    p01 = 1.0 + r
    p23 = fma(_E3, r, _E2)
    p45 = fma(_E5, r, _E4)
    p67 = fma(_E7, r, _E6)
    p89 = fma(_E9, r, _E8)
    p1011 = fma(_E11, r, _E10)
    p1213 = fma(_E13, r, _E12)
    p03 = fma(p23, r2, p01)
    p47 = fma(p67, r2, p45)
    p811 = fma(p1011, r2, p89)
    p07 = fma(p47, r4, p03)
    p813 = fma(p1213, r4, p811)
    p = fma(p813, r4 * r4, p07)
    y = p * _bits_f64((_f64_bits(t) + 1023) << 52)
    return y if x >= -708.0 else (0.0 if x < -708.0 else x)


# Per-edge coins: the same counter-based hash as opinionsim._random.edge_uniforms.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)


@jit(inline="always")
def edge_uniform(key, step, e):
    """Uniform in [0, 1) for edge ``e`` at ``step`` of a run with key ``key`` (a uint64)."""
    x = key + np.uint64(step) * _GOLDEN + (np.uint64(e) + _ONE) * _MIX1
    x ^= x >> _S30
    x *= _MIX1
    x ^= x >> _S27
    x *= _MIX2
    x ^= x >> _S31
    return np.float64(x >> _S11) * (1.0 / 9007199254740992.0)
