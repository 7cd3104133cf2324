"""The activity-driven model of Baumann et al. (2020) as pure functions over arrays (no Mesa).

One step of length ``dt``:

1. each agent ``i`` is active with probability ``a_i`` (its activity);
2. each active agent draws ``m`` distinct contacts ``j ≠ i`` with

   .. math::

       p_{ij} = \\frac{|x_i - x_j|^{-\\beta}}{\\sum_{l \\ne i} |x_i - x_l|^{-\\beta}}
              = \\operatorname{softmax}_j\\left(\\frac{S_{ij}}{T}\\right),
       \\qquad S_{ij} = -\\tfrac12 \\ln\\left(|x_i - x_j|^2 + \\delta^2\\right),
       \\quad T = 1/\\beta,

   the package's ``"log_distance"`` affinity (δ = 1e-12 keeps equal opinions
   finite); β = 0 is uniform;
3. the contacted agent influences the active one (``A_ij = 1``), and with
   probability ``r`` the contact is reciprocated (``A_ji = 1``);
4. opinions follow

   .. math::

       \\dot x_i = -x_i + K \\sum_j A_{ij}(t) \\tanh(\\alpha x_j),

   integrated over ``dt`` by the classical 4th-order Runge–Kutta scheme with
   the contacts held fixed.

The functions here are the reference; :func:`sample_contacts` hands the draws
to the compiled kernel (:mod:`opinionsim._activity_kernels`) when the kernels
are on, which draws the same contacts from the same uniforms.

Examples
--------
>>> import numpy as np
>>> a = draw_activities(5, exponent=2.1, min_activity=0.01, rng=np.random.default_rng(0))
>>> bool(((0.01 <= a) & (a <= 1)).all())
True
>>> A = interaction_network(np.array([0]), np.array([[1, 2]]), np.array([[True, False]]), 3)
>>> A.toarray().astype(int).tolist()   # 0 hears 1 and 2; 1 reciprocated, so 1 hears 0
[[0, 1, 1], [1, 0, 0], [0, 0, 0]]

References
----------
.. [1] F. Baumann, P. Lorenz-Spreen, I. M. Sokolov and M. Starnini, "Modeling
   echo chambers and polarization dynamics in social networks", *Physical
   Review Letters* 124, 048301 (2020).
.. [2] N. Perra, B. Gonçalves, R. Pastor-Satorras and A. Vespignani, "Activity
   driven modeling of time varying networks", *Scientific Reports* 2, 469 (2012).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from ._errors import OpinionSimError
from ._random import edge_uniforms
from .dynamics.affinities import LOG_DISTANCE_DELTA
from .engine import edge_scores, segment_softmax
from .network import csr_from_structure

__all__ = ["draw_activities", "mean_activity", "contact_probabilities", "sample_contacts",
           "sample_contacts_reference", "interaction_network", "drift", "rk4_step",
           "valley_ratio", "regime", "REGIME_THRESHOLDS"]


def draw_activities(n, *, exponent, min_activity, rng):
    """Activities from :math:`F(a) \\propto a^{-\\gamma}` on :math:`[\\varepsilon, 1]`, by inverse CDF.

    Parameters
    ----------
    n : int
    exponent : float
        γ (any real; γ = 1 is the log-uniform law).
    min_activity : float in (0, 1]
        ε.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> a = draw_activities(100_000, exponent=2.1, min_activity=0.01,
    ...                     rng=np.random.default_rng(1))
    >>> round(float(a.mean()), 3), round(mean_activity(2.1, 0.01), 3)
    (0.041, 0.041)
    """
    u = rng.random(n)
    g, eps = float(exponent), float(min_activity)
    if g == 1.0:
        return eps ** (1.0 - u)
    low = eps ** (1.0 - g)
    return np.clip((low + u * (1.0 - low)) ** (1.0 / (1.0 - g)), eps, 1.0)


def mean_activity(exponent, min_activity):
    """The mean of :math:`F(a) \\propto a^{-\\gamma}` on :math:`[\\varepsilon, 1]` (closed form).

    Examples
    --------
    >>> round(mean_activity(0.0, 0.5), 12)   # uniform on [0.5, 1]
    0.75
    """
    g, eps = float(exponent), float(min_activity)
    if eps == 1.0:
        return 1.0

    def integral(power):  # ∫_ε^1 a^power da
        return -math.log(eps) if power == -1.0 else (1.0 - eps ** (power + 1)) / (power + 1)

    return integral(1.0 - g) / integral(-g)


def contact_probabilities(x, rows, homophily):
    """Each active agent's contact probabilities over the others, by the engine's softmax.

    Row ``k`` of the result is ``p_{rows[k], j}``: ``softmax_j(S / T)`` over all
    ``j ≠ rows[k]`` with the ``"log_distance"`` affinity ``S`` and ``T = 1/β``
    (:func:`~opinionsim.engine.edge_scores`,
    :func:`~opinionsim.engine.segment_softmax`). The probability of being the
    *first* contact; later draws renormalise over those not yet drawn.

    Parameters
    ----------
    x : ndarray, shape (N,)
        Opinions.
    rows : ndarray of int, shape (A,)
        The active agents.
    homophily : float >= 0
        β.

    Returns
    -------
    scipy.sparse.csr_array, shape (A, N)
        Each row sums to 1 (no self-contact).

    Examples
    --------
    >>> P = contact_probabilities(np.array([0.0, 1.0, 2.0]), np.array([0]), 1.0)
    >>> P.toarray().round(6).tolist()   # |x_0 − x_j|^-1 = 1, 1/2
    [[0.0, 0.666667, 0.333333]]
    """
    x = np.asarray(x, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.int64)
    n, k = len(x), len(rows)
    others = np.tile(np.arange(n - 1, dtype=np.int64), k)
    owner = np.repeat(rows, n - 1)
    indices = others + (others >= owner)  # skip the agent itself
    indptr = np.arange(k + 1, dtype=np.int64) * (n - 1)
    temperature = math.inf if homophily == 0 else 1.0 / float(homophily)
    S = edge_scores(x[rows, None], x[:, None], indptr, indices, affinity="log_distance")
    P = segment_softmax(S, indptr, temperature=temperature)
    return sp.csr_array((P, indices, indptr), shape=(k, n))


def sample_contacts(x, rows, m, homophily, *, key, step):
    """The ``m`` distinct contacts of each active agent, drawn by attention (see module docstring).

    Draw ``k`` of agent ``i`` at ``step`` uses the uniform
    ``edge_uniforms(key, step, i·m + k)``: the contacts depend on nothing but
    the run's key, the step, the agent and the opinions. Runs on the compiled
    kernel when the kernels are on (:func:`opinionsim.kernels.enabled`), else
    on :func:`sample_contacts_reference`; both draw the same contacts.

    Parameters
    ----------
    x : ndarray, shape (N,)
    rows : ndarray of int, shape (A,)
        The active agents.
    m : int in [1, N − 1]
    homophily : float >= 0
    key : int
        The run's contact key (a 64-bit integer).
    step : int

    Returns
    -------
    ndarray of int64, shape (A, m)
        Row ``k``: the contacts of ``rows[k]``, in the order drawn (β > 0).

    Examples
    --------
    >>> c = sample_contacts(np.linspace(-1, 1, 50), np.array([3, 7]), 5, 3.0, key=12345, step=1)
    >>> c.shape, bool(all(len(set(r)) == 5 and i not in r for i, r in zip([3, 7], c)))
    ((2, 5), True)
    """
    from . import kernels

    if kernels.enabled():
        try:
            from ._activity_kernels import sample_contacts as compiled

            return compiled(x, rows, m, homophily, key=key, step=step, delta=LOG_DISTANCE_DELTA,
                            n_threads=kernels.get_num_threads())
        except Exception as exc:  # pragma: no cover - a broken numba install
            from .kernels import threads

            threads.mark_broken(exc)
            threads.warn_once("activity-kernel", f"the compiled contact sampling failed "
                              f"({type(exc).__name__}: {exc}); using the reference from now on.")
    return sample_contacts_reference(x, rows, m, homophily, key=key, step=step)


def sample_contacts_reference(x, rows, m, homophily, *, key, step):
    """:func:`sample_contacts` in plain numpy (the ground truth of the compiled kernel).

    Successive sampling: draw ``k`` picks ``j`` with probability proportional
    to its :func:`contact_probabilities` weight among those not yet drawn, by
    inverse CDF at the uniform ``u_k``. At β = 0, Floyd's algorithm draws the
    ``m`` distinct contacts uniformly from the same uniforms.
    """
    x = np.asarray(x, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.int64)
    n = len(x)
    out = np.empty((len(rows), m), dtype=np.int64)
    if len(rows) == 0:
        return out
    u = edge_uniforms(key, step, (rows[:, None] * m + np.arange(m)).ravel()).reshape(-1, m)
    if homophily == 0:
        for r, i in enumerate(rows):
            out[r] = _floyd(n, int(i), m, u[r])
        return out
    P = contact_probabilities(x, rows, homophily)
    for r, i in enumerate(rows):
        w = np.zeros(n)
        w[P.indices[P.indptr[r]:P.indptr[r + 1]]] = P.data[P.indptr[r]:P.indptr[r + 1]]
        for k in range(m):
            if not w.sum() > 0:
                # Every weight left underflowed: the softmax over those not yet drawn.
                left = np.ones(n, dtype=bool)
                left[i] = False
                left[out[r, :k]] = False
                w[left] = _renormalised(x, i, np.flatnonzero(left), homophily)
            cum = np.cumsum(w)
            j = int(np.searchsorted(cum, u[r, k] * cum[-1], side="right"))
            positive = np.flatnonzero(w > 0)
            j = min(j, int(positive[-1]))
            if w[j] == 0:
                j = int(positive[np.searchsorted(positive, j)])
            out[r, k] = j
            w[j] = 0.0
    return out


def _renormalised(x, i, candidates, homophily):
    """Softmax of the ``log_distance`` scores of ``i`` over ``candidates`` only."""
    S = edge_scores(x[[i], None], x[:, None], np.array([0, len(candidates)]), candidates,
                    affinity="log_distance")
    return segment_softmax(S, np.array([0, len(candidates)]), temperature=1.0 / homophily)


def _floyd(n, i, m, u):
    chosen = []
    for k, top in enumerate(range(n - 1 - m, n - 1)):
        v = min(int(u[k] * (top + 1)), top)
        chosen.append(top if v in chosen else v)
    return [v + (v >= i) for v in chosen]


def interaction_network(rows, contacts, reciprocated, n):
    """This step's interaction network: row ``i`` lists whom agent ``i`` hears.

    Active agent ``rows[k]`` hears each of its contacts (``A_ij = 1``); a
    contact ``j`` with ``reciprocated[k, c]`` also hears it (``A_ji = 1``).
    Entries are 0/1 (a pair that meets twice in a step counts once), no
    self-loops.

    Parameters
    ----------
    rows : ndarray of int, shape (A,)
    contacts : ndarray of int, shape (A, m)
    reciprocated : ndarray of bool, shape (A, m)
    n : int

    Returns
    -------
    scipy.sparse.csr_array, shape (N, N)
        Sorted, canonical (see :func:`opinionsim.network.csr_from_structure`).
    """
    rows = np.asarray(rows, dtype=np.int64)
    contacts = np.asarray(contacts, dtype=np.int64)
    listener = np.repeat(rows, contacts.shape[1]) if contacts.size else rows[:0]
    heard = contacts.ravel()
    back = np.asarray(reciprocated, dtype=bool).ravel()
    keys = np.concatenate([listener * n + heard, heard[back] * n + listener[back]])
    keys.sort()
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys
    counts = np.bincount(keys // n, minlength=n)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return csr_from_structure(indptr, keys % n, n)


def drift(x, adjacency, *, social_influence, controversialness, fixed=None):
    """The right-hand side :math:`-x_i + K \\sum_j A_{ij} \\tanh(\\alpha x_j)` (0 for fixed agents).

    ``adjacency`` is any square ``scipy.sparse`` matrix (its values are the
    :math:`A_{ij}`).

    Examples
    --------
    >>> A = sp.csr_array(np.array([[0.0, 1.0], [0.0, 0.0]]))
    >>> drift(np.array([0.0, 1.0]), A, social_influence=2.0, controversialness=1.0).round(6)
    array([ 1.523188, -1.      ])
    """
    return _drift(x, _edges(adjacency), social_influence, controversialness, fixed)


def rk4_step(x, adjacency, *, social_influence, controversialness, dt, fixed=None):
    """One classical Runge–Kutta (RK4) step of :func:`drift` over ``dt``, the contacts held fixed.

    With no contacts (or ``K = 0``) the exact solution is ``x e^{-dt}``; RK4
    gives ``x (1 − dt + dt²/2 − dt³/6 + dt⁴/24)``, off by ``O(dt⁵)`` per step.

    Examples
    --------
    >>> A = sp.csr_array((2, 2))
    >>> x = rk4_step(np.array([1.0, -2.0]), A, social_influence=3.0, controversialness=3.0,
    ...              dt=0.01)
    >>> bool(np.allclose(x, [np.exp(-0.01), -2 * np.exp(-0.01)], rtol=1e-11))
    True
    """
    edges = _edges(adjacency)

    def f(y):
        return _drift(y, edges, social_influence, controversialness, fixed)

    k1 = f(x)
    k2 = f(x + (0.5 * dt) * k1)
    k3 = f(x + (0.5 * dt) * k2)
    k4 = f(x + dt * k3)
    return x + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def _edges(adjacency):
    """``(n, listener, heard, A_ij)`` per stored entry, in CSR order."""
    A = sp.csr_array(adjacency)
    n = A.shape[0]
    return n, np.repeat(np.arange(n), np.diff(A.indptr)), A.indices, A.data


def _drift(x, edges, K, alpha, fixed):
    # A sum over each agent's entries by bincount: what scipy's mat-vec computes, in the
    # same order, without its per-call overhead (four calls per step).
    n, listener, heard, a = edges
    f = K * np.bincount(listener, weights=a * np.tanh(alpha * x[heard]), minlength=n) - x
    if fixed is not None:
        f[fixed] = 0.0
    return f


#: The stated thresholds of :func:`regime`.
REGIME_THRESHOLDS = {
    # neutral consensus: every |x_i| below this (5% of the initial scale [−1, 1])
    "consensus_max_abs": 0.05,
    # one-sided (radicalisation): the smaller side holds less than this share
    "one_side_minority": 0.05,
    # two-sided (polarisation): the smaller side holds at least this share ...
    "two_sides_minority": 0.2,
    # ... and the distribution is bimodal: valley_ratio below this
    "bimodal_valley": 0.5,
}


def valley_ratio(x, *, width=0.1):
    """How deep the valley at the neutral opinion 0 is: density at 0 over the smaller side's peak.

    With ``h = width · median|x|`` (scale-free), the share of agents within
    ``|x| < h`` divided by the largest share in any window ``[c − h, c + h]``
    with ``c >= 2h`` on the side where it is smaller (negative or positive).
    About 1 for a unimodal distribution centred at 0 (a Gaussian reads 1.0),
    about 0 for two separated camps, ``inf`` when one side is empty.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(valley_ratio(rng.normal(size=100_000)), 1)
    1.0
    >>> two_camps = np.concatenate([rng.normal(-1, 0.2, 5000), rng.normal(1, 0.2, 5000)])
    >>> valley_ratio(two_camps) < 0.01, valley_ratio(np.abs(two_camps))
    (True, inf)
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    h = width * float(np.median(np.abs(x)))
    if h == 0:
        return math.inf
    centre = np.count_nonzero(np.abs(x) < h)
    peaks = []
    for side in (-x[x < 0], x[x > 0]):
        v = np.sort(side[side >= h])
        if len(v) == 0:
            return math.inf
        # Windows [v_k, v_k + 2h] starting at an opinion: the densest one on this side.
        peaks.append(int(np.max(np.searchsorted(v, v + 2 * h, side="right") - np.arange(len(v)))))
    return float(centre / min(peaks))


def regime(x, thresholds=None):
    """Which of Baumann et al.'s regimes the opinions ``x`` are in, by stated definitions.

    * ``"consensus"`` (neutral): every ``|x_i| < consensus_max_abs``;
    * ``"radicalisation"``: not consensus, and the smaller side (x < 0 or
      x > 0) holds less than ``one_side_minority`` of the agents;
    * ``"polarisation"``: not consensus, the smaller side holds at least
      ``two_sides_minority``, and the distribution is bimodal
      (:func:`valley_ratio` below ``bimodal_valley``);
    * ``"mixed"``: none of these.

    Thresholds default to :data:`REGIME_THRESHOLDS`. Echo chambers are a
    statement about the network on top of polarisation (see the
    ``radicalization`` scenario).

    Examples
    --------
    >>> regime(np.full(10, 1e-3)), regime(np.linspace(0.5, 3, 10))
    ('consensus', 'radicalisation')
    >>> regime(np.concatenate([np.linspace(-3, -0.5, 10), np.linspace(0.5, 3, 10)]))
    'polarisation'
    """
    t = {**REGIME_THRESHOLDS, **(thresholds or {})}
    x = np.asarray(x, dtype=np.float64).ravel()
    if np.max(np.abs(x)) < t["consensus_max_abs"]:
        return "consensus"
    minority = min(np.mean(x > 0), np.mean(x < 0))
    if minority < t["one_side_minority"]:
        return "radicalisation"
    if minority >= t["two_sides_minority"] and valley_ratio(x) < t["bimodal_valley"]:
        return "polarisation"
    return "mixed"


def _check_contacts(m, n):
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 1 <= m <= n - 1:
        raise OpinionSimError(
            f"contacts == {m!r}, must be an integer in [1, n_agents − 1] = [1, {n - 1}] "
            "(each active agent contacts m distinct others).")
    return int(m)
