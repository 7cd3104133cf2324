"""Polarisation metrics: pure functions of an ``(n_agents, dim)`` opinion array.

Every metric here is unchanged when all opinions are translated by the same
vector or when agents are relabelled. The 1-D metrics act on a projection
chosen with ``axis=`` (``"pc1"``, the default: the first principal component;
or an integer column index), see :func:`opinionsim.metrics._common.project`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._errors import OpinionSimError
from .._validation import check_choice, check_real
from ._docs import fill_doc
from .clusters import opinion_clusters
from ._common import (
    as_opinions,
    covariance,
    check_int,
    histogram_1d,
    project,
)

__all__ = [
    "PairwiseDistance",
    "variance",
    "mean_pairwise_distance",
    "esteban_ray",
    "polarization_index",
    "morales_index",
    "bimodality_coefficient",
    "opinion_entropy",
]


# Exact pairwise distances are computed in blocks of at most this many entries
# (32 MiB of float64), so memory stays O(block * n).
_BLOCK_ENTRIES = 1 << 22
_SAMPLE_CHUNK = 1 << 20
# Opinions within this fraction of max|y| from the mean count as neutral in
# polarization_index, so rounding in the mean cannot move an agent to a side.
_NEUTRAL_RTOL = 1e-12


class PairwiseDistance(NamedTuple):
    """Result of :func:`mean_pairwise_distance`.

    Attributes
    ----------
    value : float
        The mean Euclidean distance over unordered pairs (exact or estimated).
    stderr : float
        Standard error of ``value``; 0.0 when ``exact``.
    exact : bool
        Whether ``value`` was computed exactly.
    """

    value: float
    stderr: float
    exact: bool


@fill_doc
def variance(X):
    r"""Total variance of the opinions: the trace of their covariance matrix.

    .. math::

        V = \frac{1}{N} \sum_{i=1}^{N} \lVert x_i - \bar{x} \rVert^2
          = \operatorname{tr} \Sigma

    This is the population variance (``ddof=0``), summed over the opinion
    dimensions; dispersion is the simplest of the polarisation senses
    surveyed in [1]_ and the one used in [2]_.

    What it reads: **consensus**, the squared spread itself (1e-16 for a
    spread of 1e-8); a **shuffled null** leaves it unchanged (it ignores who
    holds which opinion), so it says nothing about echo chambers alone.

    Parameters
    ----------
    %(param_X)s

    Returns
    -------
    float
        The total variance, >= 0 (0.0 for a single agent).

    Raises
    ------
    OpinionSimError
        If ``X`` is empty, not 1-D/2-D, or has a NaN/inf.

    References
    ----------
    .. [1] %(ref_bramson)s
    .. [2] P. DiMaggio, J. Evans and B. Bryson, "Have Americans' social
       attitudes become more polarized?", *American Journal of Sociology*
       102(3), 690-755 (1996).

    Examples
    --------
    >>> from opinionsim.metrics import variance
    >>> variance([[-1.0, 0.0], [1.0, 0.0], [1.0, 2.0], [-1.0, 2.0]])
    2.0
    """
    X = as_opinions(X)
    return float(np.trace(covariance(X)))


@fill_doc
def mean_pairwise_distance(X, *, max_exact=20000, n_samples=1_000_000, rng=None):
    r"""Mean Euclidean distance between two distinct agents.

    .. math::

        D = \binom{N}{2}^{-1} \sum_{i<j} \lVert x_i - x_j \rVert

    Pairwise distance is the "dispersion" sense of polarisation in [1]_.

    Up to ``max_exact`` agents the value is exact: distances are computed in
    blocks of rows, so memory is O(block x N), never O(N^2). For
    one-dimensional opinions it is always exact, in O(N log N), from the
    sorted values: :math:`\sum_{i<j} |y_i - y_j| = \sum_k k (N - k)
    (y_{(k+1)} - y_{(k)})`. Above ``max_exact`` (and ``dim > 1``) it is the
    mean over ``n_samples`` pairs drawn independently and uniformly from all
    unordered pairs of distinct agents, an unbiased estimate whose standard
    error (sample standard deviation over the square root of ``n_samples``)
    is reported.

    What it reads: **consensus**, the spread itself (about 1e-8 for a spread
    of 1e-8); unchanged by a **shuffled null** (it ignores who holds which
    opinion).

    Parameters
    ----------
    %(param_X)s
    max_exact : int, default 20000
        Largest ``N`` computed exactly when ``dim > 1``.
    n_samples : int, default 1_000_000
        Number of sampled pairs (>= 2) above ``max_exact``.
    rng : None, int, numpy.random.SeedSequence or numpy.random.Generator
        Source of randomness for the sampled estimate (passed to
        :func:`numpy.random.default_rng`). Unused on the exact path.

    Returns
    -------
    PairwiseDistance
        Named tuple ``(value, stderr, exact)``; ``stderr`` is 0.0 and
        ``exact`` True on the exact path. A single agent gives
        ``(0.0, 0.0, True)``.

    Raises
    ------
    OpinionSimError
        If ``X`` is empty or non-finite, or ``max_exact``/``n_samples`` is not
        an integer >= 1 / >= 2.

    References
    ----------
    .. [1] %(ref_bramson)s

    Examples
    --------
    >>> from opinionsim.metrics import mean_pairwise_distance
    >>> mean_pairwise_distance([[0.0, 0.0], [3.0, 4.0], [3.0, 0.0]])
    PairwiseDistance(value=4.0, stderr=0.0, exact=True)
    >>> res = mean_pairwise_distance([[0.0, 0.0], [3.0, 4.0]] * 50, max_exact=10, rng=1)
    >>> res.exact, abs(res.value - 5 * 50 / 99) < 4 * res.stderr
    (False, True)
    """
    X = as_opinions(X)
    max_exact = check_int("max_exact", max_exact, low=1)
    n_samples = check_int("n_samples", n_samples, low=2)
    n, dim = X.shape
    if n < 2:
        return PairwiseDistance(0.0, 0.0, True)
    n_pairs = n * (n - 1) / 2
    if dim == 1:
        gaps = np.diff(np.sort(X[:, 0]))
        k = np.arange(1, n, dtype=np.float64)
        return PairwiseDistance(float(np.dot(gaps, k * (n - k)) / n_pairs), 0.0, True)
    if n <= max_exact:
        from scipy.spatial.distance import cdist  # imported when first needed

        block = max(1, min(n, _BLOCK_ENTRIES // n))
        sums = []
        for start in range(0, n - 1, block):
            stop = min(n, start + block)
            D = cdist(X[start:stop], X[start:])
            width = stop - start
            sums.append(float(np.triu(D[:, :width], 1).sum()))
            sums.append(float(D[:, width:].sum()))
        return PairwiseDistance(math.fsum(sums) / n_pairs, 0.0, True)
    gen = np.random.default_rng(rng)
    dist = np.empty(n_samples)
    for start in range(0, n_samples, _SAMPLE_CHUNK):
        m = min(_SAMPLE_CHUNK, n_samples - start)
        i = gen.integers(0, n, size=m)
        j = gen.integers(0, n - 1, size=m)
        j += j >= i  # uniform over j != i, hence over unordered pairs
        diff = X[i] - X[j]
        dist[start:start + m] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    value = float(dist.mean())
    stderr = float(dist.std(ddof=1) / math.sqrt(n_samples))
    return PairwiseDistance(value, stderr, False)


@fill_doc
def esteban_ray(X, *, alpha=1.0, bins=None, axis="pc1", groups="bins", tol=None):
    r"""Esteban-Ray polarisation of the 1-D opinion distribution.

    With the projection split into groups of population shares
    :math:`\pi_i` located at :math:`y_i`, and :math:`K = 1`,

    .. math::

        P_\alpha = K \sum_{i} \sum_{j} \pi_i^{1+\alpha} \pi_j \, |y_i - y_j|

    as defined in [1]_ (``alpha`` is their polarisation sensitivity, in
    :math:`(0, \alpha^*]` with :math:`\alpha^* \approx 1.6`). Two equal masses
    at :math:`\pm 1` give :math:`2^{-\alpha}`; a single group gives 0. The
    value scales with the opinion scale (distances are not normalised).

    **Groups.** Esteban and Ray define the index for a population that comes
    in groups. ``groups="bins"`` (the default) makes them from a histogram,
    ``groups="clusters"`` from the data: the single-linkage opinion clusters
    of the projection at distance ``tol`` (runs of sorted values without a
    gap wider than ``tol``, see :func:`opinion_clusters`), each located at
    its mean.

    **Dependence on N and on the bins.** With bins, the value describes the
    histogram, not the population: over a continuous density each of ``B``
    equal-width bins holds :math:`\pi_i \approx 1/B`, so :math:`P_\alpha
    \propto B^{-\alpha}` (1000 agents uniform on [-1, 1] give 0.041, 0.011
    and 0.0032 with 16, 64 and 256 bins at :math:`\alpha = 1`);
    and with ``bins=None`` and at most 64 distinct values every distinct
    value is a group, so N agents with distinct opinions give
    :math:`P_\alpha \propto N^{-\alpha}`. With ``groups="clusters"`` no bin
    count enters: a continuum without gaps wider than ``tol`` is one group
    (:math:`P_\alpha = 0`), and camps separated by more than ``tol`` are
    groups of their own whatever N (two equal camps at :math:`\pm 1` give
    :math:`2^{-\alpha}` for every N). It depends on ``tol`` instead, and on
    N only while a sample is too small to fill the gaps of its density (a
    uniform sample on [-1, 1] with ``tol=0.05`` reads about 0.1 at N = 100,
    where random gaps exceed 0.05, and 0 from N = 1e4 on).

    What it reads: **consensus**, 0 with clusters once the spread is below
    ``tol`` (with bins it is never 0 for a continuous sample: the bins
    rescale to the data); there is no network, so no shuffled null.

    Parameters
    ----------
    %(param_X)s
    alpha : float, default 1.0
        Sensitivity to group identification, in (0, 1.6].
    bins : None, int or sequence of float, default None
        With ``groups="bins"``, how groups are formed. ``None``: the exact
        distinct projected values when there are at most 64 of them, else 64
        equal-width bins over the observed range. An integer: that many
        equal-width bins over the observed range. A sequence: bin edges
        (values outside are put in the end bins; the result is then not
        translation invariant). A bin is located at its centre.
    %(param_axis)s
    groups : {"bins", "clusters"}, default "bins"
        Histogram groups, or the opinion clusters of the projection.
    tol : float, optional
        Linkage distance (> 0) of the clusters; required with
        ``groups="clusters"``, refused otherwise.

    Returns
    -------
    float
        :math:`P_\alpha \ge 0`.

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X``, ``alpha`` outside (0, 1.6], invalid
        ``bins``, an unknown ``axis`` or ``groups``, or ``tol`` missing with
        clusters (or given with bins).

    References
    ----------
    .. [1] J.-M. Esteban and D. Ray, "On the measurement of polarization",
       *Econometrica* 62(4), 819-851 (1994).

    Examples
    --------
    >>> from opinionsim.metrics import esteban_ray
    >>> esteban_ray([-1.0, -1.0, 1.0, 1.0])
    0.5
    >>> esteban_ray([-1.0, -1.0, 1.0, 1.0], alpha=1.6)
    0.3299
    >>> esteban_ray([-1.01, -1.0, -0.99, 0.99, 1.0, 1.01], groups="clusters", tol=0.1)
    0.5
    """
    X = as_opinions(X)
    alpha = check_real("alpha", alpha, low=0.0, high=1.6, low_open=True,
                       hint=" (Esteban and Ray's admissible range)")
    groups = check_choice("groups", groups, ("bins", "clusters"))
    y = project(X, axis)
    if groups == "bins":
        if tol is not None:
            raise OpinionSimError(f"tol == {tol!r} is only used with groups='clusters'.")
        shares, values = histogram_1d(y, bins)
    else:
        if tol is None:
            raise OpinionSimError("groups='clusters' needs tol, the linkage distance (> 0).")
        labels = opinion_clusters(y, tol=tol)
        counts = np.bincount(labels)
        means = np.bincount(labels, weights=y) / counts
        order = np.argsort(means, kind="stable")
        shares, values = counts[order] / y.shape[0], means[order]
    if shares.size < 2:
        return 0.0
    # S_i = sum_j pi_j |y_i - y_j| from cumulative sums over the sorted values.
    values = values - np.dot(shares, values)
    cum_p = np.cumsum(shares)
    cum_y = np.cumsum(shares * values)
    total_p, total_y = cum_p[-1], cum_y[-1]
    spread = (values * cum_p - cum_y) + ((total_y - cum_y) - values * (total_p - cum_p))
    return float(np.dot(shares ** (1.0 + alpha), spread))


def _two_sides(z, neutral):
    """Morales' ingredients of the 1-D opinions ``z`` measured from the neutral point:
    ``(delta_a, gc_pos - gc_neg)``, or ``None`` when a side is empty.

    Agents with ``|z| <= neutral`` are on neither side; shares are of the
    whole population.
    """
    n = z.shape[0]
    pos = z > neutral
    neg = z < -neutral
    n_pos = int(np.count_nonzero(pos))
    n_neg = int(np.count_nonzero(neg))
    if n_pos == 0 or n_neg == 0:
        return None
    gc_pos = float(np.add.reduce(z, where=pos)) / n_pos
    gc_neg = float(np.add.reduce(z, where=neg)) / n_neg
    return abs(n_pos - n_neg) / n, gc_pos - gc_neg


@fill_doc
def polarization_index(X, *, axis="pc1"):
    r"""Scale-free variant of the Morales et al. polarisation index of the 1-D opinions.

    Following [1]_, with :math:`A^{+}` and :math:`A^{-}` the shares of the
    population on either side, :math:`gc^{\pm}` the mean opinion of each side
    (their gravity centres) and :math:`x_{\max}` the largest distance from the
    centre,

    .. math::

        \mu = (1 - \Delta A)\, d, \qquad
        \Delta A = |A^{+} - A^{-}|, \qquad
        d = \frac{|gc^{+} - gc^{-}|}{2\, x_{\max}}.

    Convention. Morales et al. measure sides relative to the neutral opinion
    0 of a scale :math:`[-1, 1]` (that published form is
    :func:`morales_index`); here opinions have no fixed neutral point or
    scale, so the projection is first centred on its **mean** :math:`c`
    (which makes :math:`\mu` translation invariant) and scaled by
    :math:`x_{\max} = \max_i |y_i - c|` (so :math:`d \in [0, 1]`). Agents
    within rounding of the centre (:math:`|y_i - c| \le 10^{-12} \max_i
    |y_i|`) count on neither side. Hence :math:`\mu \in [0, 1]`;
    :math:`\mu = 1` exactly for two equal masses (at :math:`\pm 1`, or at
    any two distinct points); :math:`\mu = 0` when one side is empty, which
    with mean centring happens only when all opinions are equal. Unlike the
    original, a population entirely on the positive side of 0 but split into
    two equal groups scores 1, and an unequal split is penalised both by
    :math:`\Delta A` and by the larger :math:`x_{\max}` of the minority side
    (90 %% at -1 and 10 %% at +1 give :math:`0.2 \cdot 2/3.6 \approx 0.111`, not
    the original 0.2).

    Because it is scaled by the sample's own extreme, it measures the shape
    of the distribution, not its size: it reads the same at **consensus**
    (any spread, e.g. 0.16-0.19 for a converged population whose residual
    spread is 1e-8) as before it, and it falls with N for samples of one
    distribution (0.228, 0.202 and 0.158 for standard normal samples of
    :math:`10^2`, :math:`10^4` and :math:`10^6`: :math:`x_{\max}` grows like
    :math:`\sqrt{2 \ln N}`). Use :func:`morales_index` for opinions on a
    known scale.

    Shuffling the opinions over the agents leaves it unchanged (no network
    enters), so there is no **shuffled null** to compare with.

    Parameters
    ----------
    %(param_X)s
    %(param_axis)s

    Returns
    -------
    float
        :math:`\mu \in [0, 1]`.

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X`` or an unknown ``axis``.

    References
    ----------
    .. [1] %(ref_morales)s

    Examples
    --------
    >>> from opinionsim.metrics import polarization_index
    >>> polarization_index([-1.0, 1.0, -1.0, 1.0])
    1.0
    >>> polarization_index([0.3, 0.3, 0.3])
    0.0
    >>> polarization_index([-1.0] * 9 + [1.0])
    0.1111
    """
    X = as_opinions(X)
    y = project(X, axis)
    z = y - y.sum() / y.shape[0]
    sides = _two_sides(z, _NEUTRAL_RTOL * max(abs(float(y.max())), abs(float(y.min()))))
    if sides is None:
        return 0.0
    delta_a, gap = sides
    x_max = max(float(z.max()), -float(z.min()))
    return float(min(1.0, max(0.0, (1.0 - delta_a) * gap / (2.0 * x_max))))


@fill_doc
def morales_index(X, *, center=0.0, scale=1.0, axis=None, outside="raise"):
    r"""Morales et al. polarisation index, as published, for opinions on a known scale.

    Opinions are read on the scale of [1]_, :math:`u_i = (x_i - c)/s \in
    [-1, 1]` with the neutral point :math:`c` (``center``) at 0 and the ends
    of the scale at :math:`c \pm s` (``scale``). With :math:`A^{\pm}` the
    shares of the population with :math:`u > 0` and :math:`u < 0` (agents
    exactly at the neutral point are on neither side) and :math:`gc^{\pm}`
    the mean of :math:`u` over each side (the gravity centres),

    .. math::

        \mu = (1 - \Delta A)\, d, \qquad
        \Delta A = |A^{+} - A^{-}|, \qquad
        d = \frac{|gc^{+} - gc^{-}|}{2}.

    :math:`\mu \in [0, 1]`: 1 only for two equal groups at the two ends of
    the scale, 0 when one side is empty; 90 %% at -1 and 10 %% at +1 give
    0.2. The scale is fixed in advance, so the value of a sample of a fixed
    distribution does not drift with N (unlike :func:`polarization_index`,
    whose scale is the sample's own extreme).

    What it reads: **consensus**, about 0 (a consensus off the neutral point
    leaves one side empty: exactly 0; one at the neutral point gives
    :math:`d` of the order of the spread over ``scale``); uniform opinions
    over the scale, 0.5. There is no network, so no shuffled null.

    Parameters
    ----------
    X : array_like, shape (N, 1) or (N,), or (N, dim) with ``axis``
        Opinions, one row per agent.
    center : float, default 0.0
        The neutral opinion :math:`c`.
    scale : float, default 1.0
        Half-width :math:`s` of the scale (> 0): opinions lie in
        :math:`[c - s, c + s]`.
    axis : int, optional
        The column to read when ``dim > 1`` (an issue on the scale); required
        then, as a projection has no known scale or neutral point.
    outside : {"raise", "clip"}, default "raise"
        What to do with opinions beyond the scale: raise, or count them at
        the nearest end (for noisy dynamics that can step slightly outside).

    Returns
    -------
    float
        :math:`\mu \in [0, 1]`.

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X``, ``scale`` not in (0, inf), a non-finite
        ``center``, ``dim > 1`` without an integer ``axis`` (or an axis out of
        range), an unknown ``outside``, or, with ``outside="raise"``, an
        opinion outside :math:`[c - s, c + s]`.

    References
    ----------
    .. [1] %(ref_morales)s

    Examples
    --------
    >>> from opinionsim.metrics import morales_index
    >>> morales_index([-1.0, 1.0, -1.0, 1.0])
    1.0
    >>> morales_index([-1.0] * 9 + [1.0])
    0.2
    >>> morales_index([0.3, 0.3, 0.3])
    0.0
    >>> morales_index([2.0, 4.0, 2.0, 4.0], center=3.0, scale=1.0)
    1.0
    """
    X = as_opinions(X)
    center = check_real("center", center)
    scale = check_real("scale", scale, low=0.0, low_open=True)
    outside = check_choice("outside", outside, ("raise", "clip"))
    dim = X.shape[1]
    if axis is None:
        if dim != 1:
            raise OpinionSimError(
                f"X has {dim} opinion dimensions; morales_index reads one issue on a known "
                f"scale: pass axis=<column index in [{-dim}, {dim})>.")
        axis = 0
    elif isinstance(axis, str):
        raise OpinionSimError(f"axis == {axis!r}, must be an integer column index in "
                              f"[{-dim}, {dim}) (a projection has no known scale).")
    u = (project(X, axis) - center) / scale
    lo, hi = float(u.min()), float(u.max())
    if lo < -1.0 or hi > 1.0:
        if outside == "raise":
            raise OpinionSimError(
                f"X has opinions outside the scale [{center - scale!r}, {center + scale!r}] "
                f"(from {center + lo * scale!r} to {center + hi * scale!r}); pass the scale the "
                "opinions live on (center=, scale=), or outside='clip'.")
        u = np.clip(u, -1.0, 1.0)
    sides = _two_sides(u, 0.0)
    if sides is None:
        return 0.0
    delta_a, gap = sides
    return float(min(1.0, max(0.0, (1.0 - delta_a) * gap / 2.0)))


@fill_doc
def bimodality_coefficient(X, *, axis="pc1"):
    r"""Sample-size corrected bimodality coefficient of the 1-D opinions.

    .. math::

        BC = \frac{g^2 + 1}{k + \dfrac{3 (n-1)^2}{(n-2)(n-3)}}

    with :math:`g` the sample skewness and :math:`k` the sample excess
    kurtosis, both bias-corrected (SAS definitions, as in [1]_; equal to
    ``scipy.stats.skew(y, bias=False)`` and
    ``scipy.stats.kurtosis(y, bias=False)``). The denominator is always
    positive. :math:`BC = 5/9` for a uniform distribution in the large-``n``
    limit; values above 5/9 suggest bi- or multimodality, and two equal
    point masses tend to 1. If all opinions are equal the moments are
    undefined and 0.0 is returned.

    What it reads: **consensus**, the shape of what is left whatever its size
    (a converged population still reads its residual's shape; 0.0 only when
    all opinions are equal); unchanged by a **shuffled null** (no network).

    Parameters
    ----------
    X : array_like, shape (N, dim) or (N,)
        Opinions, one row per agent; N >= 4.
    %(param_axis)s

    Returns
    -------
    float
        BC in (0, 1] (0.0 for constant opinions).

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X``, fewer than 4 agents, or an unknown
        ``axis``.

    References
    ----------
    .. [1] R. Pfister, K. A. Schwarz, M. Janczyk, R. Dale and J. B. Freeman,
       "Good things peak in pairs: a note on the bimodality coefficient",
       *Frontiers in Psychology* 4, 700 (2013).

    Examples
    --------
    >>> import numpy as np
    >>> from opinionsim.metrics import bimodality_coefficient
    >>> bimodality_coefficient(np.linspace(0, 1, 100001))  # uniform: 5/9
    0.55553
    >>> bimodality_coefficient([-1.0, 1.0] * 500)  # two equal peaks
    0.99501
    """
    X = as_opinions(X)
    n = X.shape[0]
    if n < 4:
        raise OpinionSimError(
            f"X has {n} agents; the bimodality coefficient needs at least 4."
        )
    y = project(X, axis)
    if y.min() == y.max():
        return 0.0
    z = y - y.mean()
    z2 = z * z
    m2 = float(z2.mean())
    m3 = float(np.dot(z2, z)) / n
    m4 = float(np.dot(z2, z2)) / n
    g1 = m3 / m2 ** 1.5
    g2 = m4 / (m2 * m2) - 3.0
    skew = g1 * math.sqrt(n * (n - 1)) / (n - 2)
    kurt = ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
    return float((skew * skew + 1.0) / (kurt + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


@fill_doc
def opinion_entropy(X, *, bins=None, axis="pc1"):
    r"""Shannon entropy (in nats) of the histogram of the 1-D opinions.

    .. math::

        H = -\sum_{b} p_b \ln p_b

    over the occupied bins :math:`b` with population shares :math:`p_b` [1]_.
    0 means everyone in one bin; the maximum is :math:`\ln B` for ``B``
    equally filled bins. With the default data-range bins the value is
    invariant to translating *and rescaling* the opinions: it measures the
    shape of the distribution, not its width.

    What it reads: **consensus**, 0 with fixed ``bins`` once everyone is in
    one bin, but with the default data-range bins the shape of the residual,
    whatever its size; unchanged by a **shuffled null** (no network).

    Parameters
    ----------
    %(param_X)s
    bins : None, int or sequence of float, default None
        ``None``: the exact distinct projected values when there are at most
        64 of them, else 64 equal-width bins over the observed range. An
        integer: that many equal-width bins over the observed range. A
        sequence: fixed bin edges (values outside go to the end bins).
    %(param_axis)s

    Returns
    -------
    float
        :math:`H \ge 0` in nats (0.0 when all opinions fall in one bin).

    Raises
    ------
    OpinionSimError
        For empty/non-finite ``X``, invalid ``bins`` or an unknown ``axis``.

    References
    ----------
    .. [1] %(ref_shannon)s

    Examples
    --------
    >>> from opinionsim.metrics import opinion_entropy
    >>> opinion_entropy([0.0, 0.0, 1.0, 1.0])  # ln 2
    0.6931
    >>> opinion_entropy([0.1, 0.2, 0.9, 1.0], bins=[0.0, 0.5, 1.0])
    0.6931
    """
    X = as_opinions(X)
    y = project(X, axis)
    shares, _ = histogram_1d(y, bins)
    return float(max(0.0, -np.dot(shares, np.log(shares))))
