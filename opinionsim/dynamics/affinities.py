"""Affinities: how much listener ``i`` is drawn to speaker ``j``, the ``S_ij`` of the softmax.

An affinity is a plain numpy function of paired rows, ``score(Q, K) -> S``
with ``Q`` and ``K`` of shape ``(m, d)`` (row ``e`` pairs a listener's query
with a speaker's key) returning ``S`` of shape ``(m,)``. Register your own
with :func:`register_affinity` and use it by name everywhere an affinity is
taken (``OpinionModel(affinity=...)``, sweeps, ``SetAffinity``). The compiled
kernels know the built-in ones by their ``kernel`` code; a registered one runs
on the reference engine, with one warning that says so.

Examples
--------
>>> import numpy as np
>>> def manhattan(Q, K):
...     return -np.abs(Q - K).sum(axis=1)
>>> _ = register_affinity("manhattan_doc", manhattan, doc="−‖q − k‖₁")
>>> AFFINITIES["manhattan_doc"].score(np.array([[0.0, 0.0]]), np.array([[1.0, -2.0]]))
array([-3.])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._validation import check_registration

__all__ = ["Affinity", "AFFINITIES", "register_affinity", "unit_rows"]


@dataclass(frozen=True)
class Affinity:
    """A registered affinity.

    Attributes
    ----------
    name : str
    score : callable ``(Q, K) -> S``
        Paired rows ``(m, d)`` to scores ``(m,)``.
    doc : str
    kernel : int or None
        Code understood by the compiled kernels; None: reference engine only.
    dense : callable ``(Q, K) -> S`` or None
        Optional all-pairs form, ``(b, d) × (n, d) -> (b, n)``, for complete graphs.
    """

    name: str
    score: Callable
    doc: str = ""
    kernel: int | None = None
    dense: Callable | None = None

    def all_pairs(self, Q, K):
        """Scores of every query row against every key row, shape ``(len(Q), len(K))``."""
        if self.dense is not None:
            return self.dense(Q, K)
        b, n = Q.shape[0], K.shape[0]
        S = self.score(np.repeat(Q, n, axis=0), np.tile(K, (b, 1)))
        return np.asarray(S, dtype=np.float64).reshape(b, n)


def unit_rows(M):
    """Rows scaled to unit norm; zero rows stay zero."""
    norms = np.linalg.norm(M, axis=1)
    out = np.zeros_like(M)
    nz = norms > 0
    out[nz] = M[nz] / norms[nz, None]
    return out


def _dot(Q, K):
    return np.einsum("ij,ij->i", Q, K) / math.sqrt(Q.shape[1])


def _dot_dense(Q, K):
    S = Q @ K.T
    S /= math.sqrt(Q.shape[1])
    return S


def _cosine(Q, K):
    return np.einsum("ij,ij->i", unit_rows(Q), unit_rows(K))


def _cosine_dense(Q, K):
    return unit_rows(Q) @ unit_rows(K).T


def _distance(Q, K):
    diff = Q - K
    return -np.einsum("ij,ij->i", diff, diff)


def _distance_dense(Q, K):
    diff = Q[:, None, :] - K[None, :, :]
    return -np.einsum("bkd,bkd->bk", diff, diff)


def _log_distance(Q, K):
    diff = Q - K
    return -0.5 * np.log(np.einsum("ij,ij->i", diff, diff) + LOG_DISTANCE_DELTA ** 2)


def _log_distance_dense(Q, K):
    diff = Q[:, None, :] - K[None, :, :]
    return -0.5 * np.log(np.einsum("bkd,bkd->bk", diff, diff) + LOG_DISTANCE_DELTA ** 2)


#: The softening of "log_distance" at distance 0: S = −½ ln(‖q − k‖² + δ²).
LOG_DISTANCE_DELTA = 1e-12

# Kernel codes of the built-ins (see opinionsim.kernels).
DOT, COSINE, DISTANCE, LOG_DISTANCE = 0, 1, 2, 3

AFFINITIES = {
    "dot": Affinity("dot", _dot, "⟨q_i, k_j⟩/√d: scaled dot-product attention.", DOT, _dot_dense),
    "cosine": Affinity("cosine", _cosine, "⟨q_i, k_j⟩/(‖q_i‖‖k_j‖), 0 where a norm is 0.",
                       COSINE, _cosine_dense),
    "distance": Affinity("distance", _distance, "−‖q_i − k_j‖²: homophily by closeness.",
                         DISTANCE, _distance_dense),
    # Baumann et al. (2020): p_ij ∝ ‖x_i − x_j‖^(−β) is softmax(S / T) with this S, T = 1/β.
    "log_distance": Affinity(
        "log_distance", _log_distance,
        "−½ ln(‖q_i − k_j‖² + δ²), δ = 1e-12: at T = 1/β the attention is ∝ ‖q − k‖^(−β) "
        "(Baumann et al. 2020); equal opinions get a large finite score, never inf.",
        LOG_DISTANCE, _log_distance_dense),
}


def register_affinity(name, score, *, doc="", overwrite=False):
    """Register ``score(Q, K) -> S`` under ``name`` for use wherever an affinity is named.

    Parameters
    ----------
    name : str
    score : callable
        Paired rows ``Q``, ``K`` of shape ``(m, d)`` to finite scores of shape
        ``(m,)``. For sweeps on several processes it must be importable (a
        module-level function), and registered when the workers import your
        module.
    doc : str
        One line for listings.
    overwrite : bool
        Replace an existing registration of the same name (never a built-in).

    Returns
    -------
    Affinity

    Raises
    ------
    OpinionSimError
        A name that is not a non-empty string, a built-in or taken name
        (without ``overwrite``), or a ``score`` that is not callable.
    """
    check_registration(AFFINITIES, "affinity", name, score, "a function (Q, K) -> scores",
                       overwrite=overwrite, built_in=lambda k: AFFINITIES[k].kernel is not None)
    entry = Affinity(name, score, doc)
    AFFINITIES[name] = entry
    return entry
