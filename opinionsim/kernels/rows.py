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

__all__ = ["update", "normalise_row", "refresh_row", "derive_rows", "finish_row", "worse"]


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
def refresh_row(i, X, ref):
    """Re-derive agent i's value, key and query after its opinion changed (``make_keys``).

    Writes go to ``ref``'s own writable arrays, which alias the kernel's
    read-only Q, K, V (and their transposes on complete graphs) in the
    sequential regime and are empty otherwise: one compiled kernel serves both.
    """
    if ref.v_own or ref.k_own or ref.q_own:  # (nothing to derive when all three are X)
        derive_rows(i, i + 1, X, ref)
    K = ref.K
    V = ref.V
    voff = ref.voff
    KT = ref.KT
    VT = ref.VT
    if KT.shape[1] > 0:
        for t in range(KT.shape[0]):
            KT[t, i] = K[i, t]
        if VT.shape[1] > 0:
            for t in range(VT.shape[0]):
                VT[t, i] = V[i, voff + t]


@jit()
def derive_rows(lo, hi, X, ref):
    """Rows lo..hi of the queries, keys and values that ``ref`` owns, from the opinions ``X``.

    Only the arrays flagged ``*_own`` are written (the others are ``X`` itself,
    or, for the keys, the values' array); the values sit at columns ``voff..``
    of ``V`` (keys and values may share one interleaved array). The maps are
    block-diagonal over the heads (identity where not given). The loops are
    spelled out, with no inlined helper taking arrays: each such call costs
    reference counts, which made this pass 20x slower.
    """
    Q = ref.Q
    K = ref.K
    V = ref.V
    src = ref.heads.src
    qoff = ref.heads.qoff
    voff = ref.voff
    q_own = ref.q_own
    k_own = ref.k_own
    v_own = ref.v_own
    q_map = ref.q_map
    k_map = ref.k_map
    v_map = ref.v_map
    WQ = ref.WQ
    WK = ref.WK
    WV = ref.WV
    salience = ref.salience
    per_agent = salience.shape[0] > 1
    clip = ref.key_norm_clip
    clipped = clip < math.inf
    cosine = ref.cosine
    nv = src.shape[0]
    for i in range(lo, hi):
        if v_own:
            for t in range(nv):
                if v_map:
                    v = 0.0
                    for u in range(nv):
                        v += WV[t, u] * X[i, src[u]]
                else:
                    v = X[i, src[t]]
                V[i, voff + t] = v
        sal = salience[i] if per_agent else salience[0]
        for h in range(qoff.shape[0] - 1):
            c0 = qoff[h]
            c1 = qoff[h + 1]
            if k_own:
                norm = 0.0
                for t in range(c0, c1):
                    if k_map:
                        v = 0.0
                        for u in range(nv):
                            v += WK[t, u] * X[i, src[u]]
                    else:
                        v = X[i, src[t]]
                    v = v * sal
                    K[i, t] = v
                    norm += v * v
                if clipped:
                    norm = math.sqrt(norm)
                    if norm > clip:  # make_keys: rescaled to the clip norm
                        f = clip / norm
                        for t in range(c0, c1):
                            K[i, t] = K[i, t] * f
                if cosine:
                    norm = 0.0
                    for t in range(c0, c1):
                        norm += K[i, t] * K[i, t]
                    norm = math.sqrt(norm)
                    for t in range(c0, c1):
                        K[i, t] = K[i, t] / norm if norm > 0 else 0.0
            if q_own:
                norm = 0.0
                for t in range(c0, c1):
                    if q_map:
                        v = 0.0
                        for u in range(nv):
                            v += WQ[t, u] * X[i, src[u]]
                    else:
                        v = X[i, src[t]]
                    Q[i, t] = v
                    norm += v * v
                if cosine:
                    norm = math.sqrt(norm)
                    for t in range(c0, c1):
                        Q[i, t] = Q[i, t] / norm if norm > 0 else 0.0


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
