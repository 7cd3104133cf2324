"""What every compiled kernel does to one agent's row once it knows what the agent heard:
the update rule per coordinate, the sphere's renormalisation, and re-deriving the agent's
query, key and value after its opinion changed (random-sequential activation).

These are the compiled counterparts of :func:`opinionsim.engine.update_opinions`
and :func:`opinionsim.engine.make_keys`, inlined into the kernels of
:mod:`.sparse` and :mod:`.dense`.
"""

from __future__ import annotations

import math

from .intrinsics import jit

__all__ = ["update", "normalise_row", "unit", "refresh_row", "finish_row"]


# The kernels unpack their named-tuple arguments once, at the top: reading an array out of a
# tuple inside a loop costs a reference-count update per read (measured 1.6x slower at 1e5).
# So the inlined helpers below take plain values.

@jit(inline="always")
def update(x, social, X0, i, c, step_size, s, noise, eps):
    """``update_opinions`` for coordinate (i, c): Friedkin–Johnsen anchoring s, noise scaled."""
    v = x + step_size * (social - x)
    if s != 0.0:
        v = s * X0[i, c] + (1.0 - s) * v
    if noise > 0.0:
        v += noise * eps[i, c]
    return v


@jit(inline="always")
def normalise_row(out, i):
    norm = 0.0
    for c in range(out.shape[1]):
        norm += out[i, c] * out[i, c]
    norm = math.sqrt(norm)
    for c in range(out.shape[1]):
        out[i, c] = out[i, c] / norm


@jit(inline="always")
def unit(M, i, c0, c1, out):
    norm = 0.0
    for t in range(c0, c1):
        norm += M[i, t] * M[i, t]
    norm = math.sqrt(norm)
    for t in range(c0, c1):
        out[i, t] = M[i, t] / norm if norm > 0 else 0.0


@jit(inline="always")
def refresh_row(i, X, ref):
    """Re-derive agent i's value, key and query after its opinion changed (``make_keys``).

    Writes go to ``ref``'s own writable arrays, which alias the kernel's
    read-only Q, K, V (and their transposes on complete graphs) in the
    sequential regime and are empty otherwise: one compiled kernel serves both.
    Called once per agent, so reading ``ref``'s fields here costs nothing.
    """
    Q = ref.Q
    K = ref.K
    V = ref.V
    src = ref.heads.src
    hoff = ref.heads.hoff
    key_norm_clip = ref.key_norm_clip
    if not ref.v_is_x:
        for t in range(V.shape[1]):
            V[i, t] = X[i, src[t]]
    sal = ref.salience[i] if ref.salience.shape[0] > 1 else ref.salience[0]
    for h in range(hoff.shape[0] - 1):
        c0 = hoff[h]
        c1 = hoff[h + 1]
        if not ref.k_is_v:
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
            if ref.cosine:
                unit(K, i, c0, c1, K)
        if not ref.q_is_v:
            unit(V, i, c0, c1, Q)
    KT = ref.KT
    VT = ref.VT
    if KT.shape[1] > 0:
        for t in range(KT.shape[0]):
            KT[t, i] = K[i, t]
            VT[t, i] = V[i, t]


@jit(inline="always")
def finish_row(i, X, soc, covered, X0, step_size, stub, noise, eps, sphere, out):
    """Row i of ``out`` from the social term in ``soc`` (dimensions in no head keep X)."""
    s = stub[i] if stub.shape[0] > 1 else stub[0]
    d = X.shape[1]
    for c in range(d):
        x = X[i, c]
        soc[c] = update(x, soc[c], X0, i, c, step_size, s, noise, eps) if covered[c] else x
    for c in range(d):
        out[i, c] = soc[c]
    if sphere:
        normalise_row(out, i)
