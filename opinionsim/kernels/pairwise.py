"""The compiled pairwise tick (Deffuant encounters): :func:`opinionsim.dynamics.pairwise.deffuant_tick`
step for step, with the same draws.

Encounters are sequential by definition (each sees the opinions the previous
ones left), so one loop on the calling thread; partners are picked from the
CSR row (uniformly, or by attention over the row's scores), or from everyone
on a complete graph.
"""

from __future__ import annotations

import math

import numpy as np

from ..dynamics.affinities import COSINE, DISTANCE, DOT, LOG_DISTANCE
from .intrinsics import exp_le0, jit
from .sparse import LOG_DELTA2

__all__ = ["encounters"]


@jit(inline="always")
def _score(X, K, i, j, aff):
    d = X.shape[1]
    s = 0.0
    if aff == DISTANCE or aff == LOG_DISTANCE:
        for c in range(d):
            diff = X[i, c] - K[j, c]
            s += diff * diff
        return -s if aff == DISTANCE else -0.5 * math.log(s + LOG_DELTA2)
    for c in range(d):
        s += X[i, c] * K[j, c]
    if aff == DOT:
        return s / math.sqrt(d)
    if aff == COSINE:
        qn = 0.0
        kn = 0.0
        for c in range(d):
            qn += X[i, c] * X[i, c]
            kn += K[j, c] * K[j, c]
        return s / math.sqrt(qn * kn) if qn > 0.0 and kn > 0.0 else 0.0
    return s


@jit(inline="always")
def _key(X, j, salience, clip, out):
    sal = salience[j] if salience.shape[0] > 1 else salience[0]
    norm = 0.0
    for c in range(X.shape[1]):
        out[0, c] = X[j, c] * sal
        norm += out[0, c] * out[0, c]
    norm = math.sqrt(norm)
    if norm > clip:
        for c in range(X.shape[1]):
            out[0, c] = out[0, c] * (clip / norm)


@jit()
def encounters(X, indptr, indices, complete, agents, coins, sampled, aff, temps, salience, clip,
               mu, radius, fixed, buf, key):
    """Run the tick's encounters on X in place (see the module docstring)."""
    n = X.shape[0]
    d = X.shape[1]
    has_fixed = fixed.shape[0] > 0
    for k in range(agents.shape[0]):
        i = agents[k]
        u = coins[k]
        if complete:
            count = n - 1
        else:
            count = 0
            for e in range(indptr[i], indptr[i + 1]):
                if indices[e] != i:
                    count += 1
        if count == 0:
            continue
        j = -1
        if not sampled:
            pick = min(int(u * count), count - 1)
            if complete:
                j = pick if pick < i else pick + 1
            else:
                seen = 0
                for e in range(indptr[i], indptr[i + 1]):
                    if indices[e] != i:
                        if seen == pick:
                            j = indices[e]
                            break
                        seen += 1
        else:
            T = temps[i] if temps.shape[0] > 1 else temps[0]
            m = -np.inf
            t = 0
            for r in range(count + (1 if complete else indptr[i + 1] - indptr[i] - count)):
                jj = r if complete else indices[indptr[i] + r]
                if jj == i:
                    continue
                _key(X, jj, salience, clip, key)
                s = _score(X, key, i, 0, aff)
                buf[t] = s
                m = max(m, s)
                t += 1
            total = 0.0
            for q in range(count):
                buf[q] = exp_le0((buf[q] - m) / T)
                total += buf[q]
            target = u * total
            acc = 0.0
            pick = count - 1
            for q in range(count):
                acc += buf[q]
                if acc > target:
                    pick = q
                    break
            seen = 0
            for r in range(count + (1 if complete else indptr[i + 1] - indptr[i] - count)):
                jj = r if complete else indices[indptr[i] + r]
                if jj == i:
                    continue
                if seen == pick:
                    j = jj
                    break
                seen += 1
        dist = 0.0
        for c in range(d):
            diff = X[j, c] - X[i, c]
            dist += diff * diff
        if math.sqrt(dist) <= radius:
            move_i = not (has_fixed and fixed[i])
            move_j = not (has_fixed and fixed[j])
            for c in range(d):
                xi = X[i, c]
                xj = X[j, c]
                if move_i:
                    X[i, c] = xi + mu * (xj - xi)
                if move_j:
                    X[j, c] = xj + mu * (xi - xj)
