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

__all__ = ["update", "normalise_row", "unit", "refresh_row", "finish_row", "worse"]


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
def _mapped(W, X, i, src, t, mapped):
    """Row t of ``W @ X[i, src]`` (or ``X[i, src[t]]`` when there is no map)."""
    if not mapped:
        return X[i, src[t]]
    v = 0.0
    for u in range(W.shape[1]):
        v += W[t, u] * X[i, src[u]]
    return v


@jit(inline="always")
def refresh_row(i, X, ref):
    """Re-derive agent i's value, key and query after its opinion changed (``make_keys``).

    Writes go to ``ref``'s own writable arrays, which alias the kernel's
    read-only Q, K, V (and their transposes on complete graphs) in the
    sequential regime and are empty otherwise: one compiled kernel serves both.
    The maps are block-diagonal over the heads (identity where not given).
    Called once per agent, so reading ``ref``'s fields here costs nothing.
    """
    Q = ref.Q
    K = ref.K
    V = ref.V
    src = ref.heads.src
    qoff = ref.heads.qoff
    key_norm_clip = ref.key_norm_clip
    if not ref.v_is_x:
        for t in range(V.shape[1]):
            V[i, t] = _mapped(ref.WV, X, i, src, t, ref.v_map)
    sal = ref.salience[i] if ref.salience.shape[0] > 1 else ref.salience[0]
    for h in range(qoff.shape[0] - 1):
        c0 = qoff[h]
        c1 = qoff[h + 1]
        if not ref.k_is_v:
            for t in range(c0, c1):
                K[i, t] = _mapped(ref.WK, X, i, src, t, ref.k_map) * sal
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
            for t in range(c0, c1):
                Q[i, t] = _mapped(ref.WQ, X, i, src, t, ref.q_map)
            if ref.cosine:
                unit(Q, i, c0, c1, Q)
    KT = ref.KT
    VT = ref.VT
    if KT.shape[1] > 0:
        for t in range(KT.shape[0]):
            KT[t, i] = K[i, t]
        if VT.shape[1] > 0:
            for t in range(VT.shape[0]):
                VT[t, i] = V[i, t]


@jit(inline="always")
def finish_row(i, X, soc, covered, X0, step_size, stub, noise, eps, sphere, out):
    """Row i of ``out`` from the social term in ``soc`` (dimensions in no head keep X).

    Returns the squared Euclidean change of the row (NaN or inf when the new
    opinion is not finite), read before the row is written, so it also holds
    when ``out`` is the array ``X`` views (in place).
    """
    s = stub[i] if stub.shape[0] > 1 else stub[0]
    d = X.shape[1]
    for c in range(d):
        x = X[i, c]
        soc[c] = update(x, soc[c], X0, i, c, step_size, s, noise, eps) if covered[c] else x
    if sphere:
        norm = 0.0
        for c in range(d):
            norm += soc[c] * soc[c]
        norm = math.sqrt(norm)
        for c in range(d):
            soc[c] = soc[c] / norm
    change = 0.0
    for c in range(d):
        diff = soc[c] - X[i, c]
        change += diff * diff
    for c in range(d):
        out[i, c] = soc[c]
    return change


@jit(inline="always")
def worse(change, largest):
    """The larger squared change, NaN winning (a non-finite opinion must not hide)."""
    return change if (change > largest or change != change) else largest
