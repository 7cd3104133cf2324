"""Input coercion shared by the metrics: opinions, graphs, 1-D projections, bins.

Every metric turns its arguments into plain arrays here, so that the checks
(and their error messages) are the same everywhere:

* opinions become a C-contiguous float64 ``(n, dim)`` array (:func:`as_opinions`);
* a graph becomes a CSR array or stays a ``LinearOperator`` (:func:`as_adjacency`);
* a 1-D metric projects the opinions with :func:`project` (``axis=``);
* a histogram of a 1-D projection comes from :func:`histogram_1d`.
"""

from __future__ import annotations

import math
from numbers import Integral

import sys

import numpy as np
import scipy.sparse as sp

from .._errors import OpinionSimError
from .._validation import check_opinion_array, check_real

__all__ = [
    "as_opinions",
    "as_adjacency",
    "structure",
    "without_self_loops",
    "neighbour_sums",
    "as_weight_matrix",
    "check_labels",
    "check_tol",
    "check_int",
    "project",
    "principal_axis",
    "column_means",
    "covariance",
    "histogram_1d",
    "pearson",
    "canonical_labels",
    "MAX_DISTINCT",
    "DEFAULT_BINS",
]

#: Default binning: the exact distinct values when there are at most this many...
MAX_DISTINCT = 64
#: ...otherwise this many equal-width bins over the observed range.
DEFAULT_BINS = 64

# A sample whose standard deviation is below this fraction of its largest
# magnitude is constant up to rounding (e.g. a mean computed in another order).
_CONSTANT_RTOL = 1e-12
# covariance(): the uncentred formula is used only from this many rows, and
# only while |mean|^2 <= ratio * trace(cov) (rounding error ~ eps * ratio).
_FAST_COVARIANCE_MIN_N = 1 << 16
_FAST_COVARIANCE_MAX_RATIO = 1e3


def as_opinions(X, name="X", *, n=None, dim=None):
    """Return ``X`` as a finite, non-empty, C-contiguous float64 ``(n, dim)`` array."""
    return check_opinion_array(name, X, n=n, dim=dim, allow_1d=True)


def check_tol(tol, name="tol"):
    """Return ``tol`` as a float in (0, inf)."""
    return check_real(name, tol, low=0.0, low_open=True)


def check_int(name, value, *, low):
    """Return ``value`` as a Python int ``>= low``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise OpinionSimError(f"{name} == {value!r}, must be an integer >= {low}.")
    value = int(value)
    if value < low:
        raise OpinionSimError(f"{name} == {value!r}, must be an integer >= {low}.")
    return value


# --------------------------------------------------------------------------- graphs


def is_networkx_graph(obj):
    """Whether ``obj`` is a networkx graph (without importing networkx: if it was never
    imported, nothing can be one)."""
    nx = sys.modules.get("networkx")
    return nx is not None and isinstance(obj, nx.Graph)


def is_operator(obj):
    """Whether ``obj`` is a scipy ``LinearOperator`` (without importing scipy.sparse.linalg)."""
    linalg = sys.modules.get("scipy.sparse.linalg")
    return linalg is not None and isinstance(obj, linalg.LinearOperator)


def as_adjacency(graph, n, *, name="adjacency", allow_operator=True):
    """Return ``graph`` as an ``(n, n)`` CSR array, or the ``LinearOperator`` itself.

    Accepts a scipy sparse array or matrix (row ``i`` lists whom agent ``i``
    listens to), a dense 2-D array, a networkx graph (rows in ``list(G)``
    order, edge weights ignored) or, when ``allow_operator``, a
    :class:`scipy.sparse.linalg.LinearOperator`.
    """
    if is_networkx_graph(graph):
        import networkx as nx

        if graph.number_of_nodes() != n:
            raise OpinionSimError(
                f"{name} has {graph.number_of_nodes()} nodes, must have one per agent ({n})."
            )
        return nx.to_scipy_sparse_array(graph, nodelist=list(graph), weight=None, format="csr")
    if is_operator(graph):
        if not allow_operator:
            raise OpinionSimError(
                f"{name} is a LinearOperator; this metric needs the edges themselves: "
                "pass a scipy sparse array or a networkx graph."
            )
        if tuple(graph.shape) != (n, n):
            raise OpinionSimError(f"{name} has shape {tuple(graph.shape)}, must be ({n}, {n}).")
        return graph
    A = _to_csr(graph, name, "a scipy sparse array or matrix, a networkx graph"
                + (", or a scipy.sparse.linalg.LinearOperator." if allow_operator else "."))
    if A.shape != (n, n):
        raise OpinionSimError(f"{name} has shape {A.shape}, must be ({n}, {n}).")
    return A


def _to_csr(obj, name, allowed):
    """``obj`` (sparse, or a dense 2-D array) as a CSR array; ``allowed`` words the error."""
    if sp.issparse(obj):
        return obj if isinstance(obj, sp.csr_array) else sp.csr_array(obj.tocsr())
    if isinstance(obj, np.ndarray) and obj.ndim == 2:
        return sp.csr_array(obj)
    raise OpinionSimError(f"{name} is a {type(obj).__name__}; must be {allowed}")


def without_self_loops(B):
    """The CSR array ``B`` without its diagonal entries (``B`` itself if it has none)."""
    if not B.diagonal().any():
        return B
    rows = np.repeat(np.arange(B.shape[0]), np.diff(B.indptr))
    keep = rows != B.indices
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows[keep], minlength=B.shape[0]))))
    return sp.csr_array((B.data[keep], B.indices[keep], indptr), shape=B.shape)


def neighbour_sums(X, graph, *, name="graph", self_loops=True):
    """``(totals, degree)``: the sum of the rows of ``X`` over each agent's neighbours
    (an ``(n, dim)`` or ``(n,)`` array, like ``X``) and how many neighbours it has.

    ``graph`` is anything :func:`as_adjacency` accepts (a ``LinearOperator``
    is applied as is); a sparse structure is read as 0/1, and its self-loops
    are dropped unless ``self_loops``.
    """
    n = X.shape[0]
    A = as_adjacency(graph, n, name=name)
    if isinstance(A, sp.sparray):
        B = structure(A, name=name)
        if not self_loops:
            B = without_self_loops(B)
        if X.ndim == 1:
            totals = B @ X
        else:
            # One mat-vec per column: scipy's sparse @ (n, dim) is several times slower.
            totals = np.column_stack([B @ col for col in np.ascontiguousarray(X.T)])
        return totals, np.diff(B.indptr).astype(np.float64)
    totals = np.asarray(A @ X, dtype=np.float64).reshape(X.shape)
    degree = np.asarray(A @ np.ones(n), dtype=np.float64).reshape(n)
    return totals, degree


def structure(A, *, name="adjacency"):
    """Return the 0/1 float64 structure of a CSR array: 1 wherever a stored
    entry is non-zero.

    Duplicate stored entries are merged first (only when the array is not in
    canonical form), so each (i, j) counts once. A NaN or infinite entry
    raises, as it signals a bug upstream even though weights are ignored.
    """
    if not A.has_canonical_format:
        A = A.copy()
        A.sum_duplicates()
    data = A.data
    if not data.size:
        return sp.csr_array(A, dtype=np.float64)
    if data.dtype == np.float64 and np.all(data == 1.0):
        return A
    lo, hi = float(data.min()), float(data.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise OpinionSimError(f"{name} has a non-finite entry; all must be finite.")
    B = sp.csr_array(((data != 0).astype(np.float64), A.indices, A.indptr), shape=A.shape)
    if lo <= 0.0 <= hi and not data.all():
        B.eliminate_zeros()
    return B


def as_weight_matrix(A, *, name="A", n=None, square=True):
    """Return ``(W, smallest)``: a non-negative, finite weight matrix as a
    canonical CSR array, and its smallest stored entry (inf if none)."""
    W = _to_csr(A, name, "a scipy sparse array or matrix (or a dense 2-D array).")
    if W.shape[0] == 0 or W.shape[1] == 0:
        raise OpinionSimError(f"{name} has shape {W.shape}, must be non-empty.")
    if square and W.shape[0] != W.shape[1]:
        raise OpinionSimError(f"{name} has shape {W.shape}, must be square.")
    if n is not None and W.shape[0] != n:
        raise OpinionSimError(f"{name} has shape {W.shape}, must be ({n}, {n}).")
    if not W.has_canonical_format:
        W = W.copy()
        W.sum_duplicates()
    if not W.nnz:
        return W, np.inf
    lo, hi = float(W.data.min()), float(W.data.max())
    if not (lo >= 0.0 and hi < np.inf):  # NaN fails both comparisons
        raise OpinionSimError(
            f"{name} has an entry outside [0, inf) (min {lo!r}, max {hi!r}); "
            "attention weights must be finite and non-negative."
        )
    return W, lo


def check_labels(labels, n, name="labels"):
    """Return ``labels`` as a 1-D integer array of length ``n``."""
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise OpinionSimError(f"{name} has shape {arr.shape}, must be ({n},), one per agent.")
    if not np.issubdtype(arr.dtype, np.integer):
        raise OpinionSimError(f"{name} has dtype {arr.dtype}, must be an integer array.")
    return arr


# ---------------------------------------------------------------------- projection


def column_means(X):
    """Mean of each column of a C-contiguous ``(n, dim)`` array.

    Large arrays use one fused pass (``einsum``; numpy's axis-0 reduction of
    a row-major array is several times slower); small ones numpy's pairwise
    summation.
    """
    n = X.shape[0]
    if n < _FAST_COVARIANCE_MIN_N:
        return X.mean(axis=0)
    return np.einsum("ij->j", X) / n


def covariance(X, mean=None):
    """Population covariance ``(dim, dim)`` of the rows of ``X``.

    Large arrays whose mean is not far from the origin (relative to their
    spread) use ``X.T @ X / n - mean mean^T``, which needs no centred copy;
    otherwise the rows are centred first, so the result stays accurate.
    """
    n = X.shape[0]
    if mean is None:
        mean = column_means(X)
    if n >= _FAST_COVARIANCE_MIN_N:
        cov = (X.T @ X) / n - np.outer(mean, mean)
        spread = float(np.trace(cov))
        if spread > 0 and float(np.dot(mean, mean)) <= _FAST_COVARIANCE_MAX_RATIO * spread:
            return cov
    Xc = X - mean
    return (Xc.T @ Xc) / n


def principal_axis(X):
    """Unit first principal axis of the rows of ``X`` (dim,), with a fixed sign.

    Eigenvector of the largest eigenvalue of the ``dim x dim`` covariance of
    the rows (``eigh``, never an SVD of the data). The sign makes the
    largest-magnitude loading positive (the first one on a tie).
    """
    dim = X.shape[1]
    if dim == 1:
        return np.ones(1)
    _, vecs = np.linalg.eigh(covariance(X))
    v = vecs[:, -1]
    if v[np.argmax(np.abs(v))] < 0:
        v = -v
    return np.ascontiguousarray(v)


def project(X, axis="pc1", *, name="axis"):
    """1-D opinions of the validated ``(n, dim)`` array ``X``.

    ``axis="pc1"``: ``X @ v`` with ``v`` the :func:`principal_axis` (the
    values themselves when ``dim == 1``); an integer selects that column
    (negative counts from the end).
    """
    dim = X.shape[1]
    if isinstance(axis, str):
        if axis != "pc1":
            raise OpinionSimError(
                f"{name} == {axis!r}, must be 'pc1' or an integer dimension index in "
                f"[{-dim}, {dim})."
            )
        if dim == 1:
            return X[:, 0]
        return X @ principal_axis(X)
    if isinstance(axis, bool) or not isinstance(axis, Integral) or not -dim <= axis < dim:
        raise OpinionSimError(
            f"{name} == {axis!r}, must be 'pc1' or an integer dimension index in "
            f"[{-dim}, {dim})."
        )
    return np.ascontiguousarray(X[:, int(axis)])


# ----------------------------------------------------------------------- histogram


def histogram_1d(y, bins, *, name="bins"):
    """Population shares and representative values of the occupied bins of ``y``.

    Returns ``(shares, values)``, both sorted by value, empty bins dropped.

    ``bins=None``: the distinct values when there are at most
    :data:`MAX_DISTINCT` of them, else :data:`DEFAULT_BINS` equal-width bins
    over ``[min(y), max(y)]``. An integer: that many equal-width bins over the
    observed range. A 1-D increasing sequence: bin edges; values outside are
    counted in the nearest end bin. Binned values are represented by the bin
    centre.
    """
    n = y.shape[0]
    if bins is None:
        values, counts = np.unique(y, return_counts=True)
        if values.size <= MAX_DISTINCT:
            return counts / n, values
        bins = DEFAULT_BINS
    if isinstance(bins, Integral) and not isinstance(bins, bool):
        bins = check_int(name, bins, low=1)
        lo, hi = float(y.min()), float(y.max())
        if lo == hi:
            return np.ones(1), np.array([lo])
        counts, edges = np.histogram(y, bins=bins, range=(lo, hi))
    else:
        try:
            edges = np.asarray(bins, dtype=np.float64)
        except (TypeError, ValueError):
            edges = None
        if (
            edges is None
            or edges.ndim != 1
            or edges.size < 2
            or not np.all(np.isfinite(edges))
            or not np.all(np.diff(edges) > 0)
        ):
            raise OpinionSimError(
                f"{name} == {bins!r}, must be None, an integer >= 1, or a 1-D strictly "
                "increasing sequence of at least 2 finite bin edges."
            )
        counts, _ = np.histogram(np.clip(y, edges[0], edges[-1]), bins=edges)
    centres = 0.5 * (edges[:-1] + edges[1:])
    keep = counts > 0
    return counts[keep] / n, centres[keep]


# ------------------------------------------------------------------------- helpers


def pearson(a, b):
    """Pearson correlation of two 1-D samples, 0.0 if either is constant.

    "Constant" allows rounding: a standard deviation at most 1e-12 times the
    sample's largest magnitude. The result is clipped to [-1, 1].
    """
    n = a.shape[0]
    # Correlation is scale-free: rescale first so that squares of opinions near
    # the float range (1e200) cannot overflow.
    a = a / max(float(np.max(np.abs(a))), np.finfo(np.float64).tiny)
    b = b / max(float(np.max(np.abs(b))), np.finfo(np.float64).tiny)
    ac = a - a.sum() / n
    bc = b - b.sum() / n
    saa = float(np.dot(ac, ac))
    sbb = float(np.dot(bc, bc))
    for s2, raw in ((saa, a), (sbb, b)):
        scale = max(abs(float(raw.max())), abs(float(raw.min())))
        if s2 <= n * (_CONSTANT_RTOL * scale) ** 2:
            return 0.0
    r = float(np.dot(ac, bc)) / math.sqrt(saa * sbb)
    return min(1.0, max(-1.0, r))


def canonical_labels(raw):
    """Renumber integer labels 0, 1, ... in order of first appearance."""
    _, first, inverse = np.unique(raw, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse.ravel()]


def row_ids(A):
    """The row of every stored entry of a CSR array."""
    return np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))


def row_sums(values, indptr):
    """Per-row sums of CSR-ordered ``values`` (0.0 for empty rows), no Python loop."""
    n = indptr.shape[0] - 1
    if not values.size:
        return np.zeros(n)
    starts = indptr[:-1]
    nonempty = indptr[1:] > starts
    if nonempty.all():
        return np.add.reduceat(values, starts)
    out = np.zeros(n)
    # reduceat misreads empty segments; reduce only the non-empty rows, whose
    # starts still delimit them because empty rows occupy no entries.
    out[nonempty] = np.add.reduceat(values, starts[nonempty])
    return out
