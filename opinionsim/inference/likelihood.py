r"""The exact Gaussian likelihood of an opinion panel, and its gradient derived by hand.

Model
-----
Under synchronous activation with Gaussian noise, every observed transition is

.. math::

    x_i(t+1) = f_i(x(t); \theta) + \sigma\,\varepsilon_i(t), \qquad
    \varepsilon_i(t) \sim N(0, I_{dim}) \text{ independent},

    f_i = s_i\,x_i(0) + (1 - s_i)\,[(1 - a)\,x_i(t) + a\,m_i(t)], \qquad
    m_i(t) = \sum_j A_{ij}(t)\,x_j(t),

which is :class:`~opinionsim.OpinionModel`'s noise-free step (``a`` the step
size, ``s`` the Friedkin–Johnsen stubbornness anchoring to the panel's first
step, ``A`` the attention weights; an agent with nobody to listen to hears
itself). Conditional on the first step, the log-likelihood of ``n`` retained
transitions in ``d`` dimensions is exact:

.. math::

    \ell(\theta, \sigma) = -\frac{n d}{2}\log(2\pi\sigma^2) - \frac{RSS(\theta)}{2\sigma^2},
    \qquad RSS(\theta) = \sum_{(i,t)} \lVert x_i(t+1) - f_i(x(t);\theta)\rVert^2 .

So the mean parameters' maximum-likelihood estimate minimises RSS whatever
``σ`` is, and ``σ̂² = RSS/(n d)`` in closed form.

The mean ``f`` comes from the package's reference engine: the panel is stacked
into one CSR structure with a row per retained transition ``(i, t)`` whose
entries point at the neighbours' opinions at step ``t``, and
:func:`~opinionsim.engine.make_keys`, :func:`~opinionsim.engine.edge_scores`,
:func:`~opinionsim.engine.segment_softmax` (attention) and
:func:`~opinionsim.engine.attention_weights` (bounded confidence) score and
weight all of it in one call each. A transition whose mean reads a missing
value (its own opinion at ``t`` or ``t + 1``, a neighbour's at ``t``, or its
anchor ``x_i(0)`` when stubbornness is in play) is dropped.

Gradient
--------
Derived by hand rather than by automatic differentiation: no autodiff framework
is a dependency (jax and torch are not installed), and the chain rule through
the segment softmax is short. For any parameter ``u`` that moves the scores,
with :math:`g_{ij} = \partial (S_{ij}/T) / \partial u`,

.. math::

    \frac{\partial A_{ij}}{\partial u} = A_{ij}\,(g_{ij} - \bar g_i), \quad
    \bar g_i = \sum_l A_{il} g_{il}, \qquad
    \frac{\partial RSS}{\partial u} = -2\sum_i c_i\, r_i \cdot
    \Big(\sum_j A_{ij} g_{ij} x_j - \bar g_i\, m_i\Big),

with residuals :math:`r_i = x_i(t+1) - f_i` and :math:`c_i = (1 - s_i)\,a`. For
``u = log T``, :math:`g = -S/T`; for the log of a scalar salience or of the
key-norm clip, the keys they act on (unclipped keys, resp. clipped keys) move
as :math:`\partial k_j/\partial u = k_j`, so :math:`g = S/T` (dot affinity) or
:math:`g = (S + \lVert q_i\rVert^2 - \lVert k_j\rVert^2)/T` (distance
affinity), zero on the other keys. The step size and stubbornness enter ``f``
linearly: :math:`\partial f/\partial a = (1 - s)(m - x)`,
:math:`\partial f/\partial s = x(0) - [(1 - a)x + a m]`. Positive parameters are
differentiated on a log scale, those in (0, 1) on a logit scale.

References
----------
.. [1] Monti, C., De Francisci Morales, G., Bonchi, F. (2020). Learning opinion
   dynamics from social traces. KDD 2020.
.. [2] Friedkin, N. E., Johnsen, E. C. (1990). Social influence and opinions.
   J. Math. Sociology 15, 193–206.

Examples
--------
>>> import numpy as np
>>> from opinionsim.network import build_network
>>> from opinionsim.inference.panel import as_panel
>>> X = np.random.default_rng(0).normal(size=(3, 4, 1))
>>> net = build_network(n_agents=4)
>>> lik = GaussianLikelihood(Transitions(as_panel(X, nodes=net.nodes), net), rule="uniform",
...                          affinity="dot", values={"step_size": 0.5})
>>> lik.n_terms, lik.n_obs
(8, 8)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..engine import CompleteGraph, attention_weights, edge_scores, make_keys, segment_softmax

__all__ = ["FITTABLE", "FreeParameter", "Transitions", "GaussianLikelihood",
           "to_working", "to_natural", "dnatural"]


@dataclass(frozen=True)
class FreeParameter:
    """A scalar keyword of ``OpinionModel`` that :func:`opinionsim.fit` can estimate."""

    name: str
    scale: str  # working scale of the optimiser: "log", "logit", or "radius" (grid search)
    doc: str


#: The parameters a fit can leave free, with the scale the optimiser works on.
FITTABLE = {p.name: p for p in (
    FreeParameter("temperature", "log", "softmax temperature T > 0"),
    FreeParameter("step_size", "logit", "step size a in (0, 1)"),
    FreeParameter("noise", "log", "noise standard deviation σ > 0 (profiled in closed form)"),
    FreeParameter("stubbornness", "logit", "Friedkin–Johnsen anchoring s in (0, 1), one for all"),
    FreeParameter("salience", "log", "key scale (one for all agents) > 0"),
    FreeParameter("key_norm_clip", "log", "maximum key norm > 0"),
    FreeParameter("confidence", "radius", "bounded-confidence radius (1-D grid search)"),
)}

#: Parameters that move the attention scores (their gradient runs through the softmax).
SCORE_PARAMETERS = ("temperature", "salience", "key_norm_clip")


def to_working(name, value):
    """The optimiser's coordinate of a parameter value (log or logit; ±inf at the limits)."""
    if FITTABLE[name].scale == "logit":
        if value <= 0.0 or value >= 1.0:
            return math.copysign(math.inf, value - 0.5)
        return math.log(value) - math.log1p(-value)
    return math.log(value) if value > 0.0 else -math.inf


def to_natural(name, eta):
    """Inverse of :func:`to_working`."""
    if FITTABLE[name].scale == "logit":
        return 1.0 / (1.0 + math.exp(-eta)) if eta >= 0 else math.exp(eta) / (1.0 + math.exp(eta))
    return math.exp(eta)


def dnatural(name, value):
    """``d value / d working coordinate`` at ``value``."""
    if FITTABLE[name].scale == "logit":
        return value * (1.0 - value)
    return value


class Transitions:
    """The retained transitions of a panel, stacked for the engine.

    Row ``k`` is transition ``(i, t) = (term_agent[k], term_step[k])``: its query
    is ``x_i(t)``, its response ``x_i(t + 1)``, and its CSR row points at the
    neighbours' opinions at step ``t`` in :attr:`keys_X` (all agents at steps
    ``0 … n_steps − 1``, row ``t·N + j``).

    Parameters
    ----------
    panel : Panel
    network : opinionsim.network.Network
    anchored : bool
        Whether the mean reads ``x_i(0)`` (stubbornness in play): transitions of
        agents missing at the first step are then dropped too.
    exclude : array of int, optional
        Rows whose transitions carry no information (zealots never move).
    """

    def __init__(self, panel, network, *, anchored=False, exclude=None):
        adj = network.adjacency
        csr = adj.to_csr() if isinstance(adj, CompleteGraph) else sp.csr_array(adj)
        obs = panel.observed
        n, d, n_steps = panel.n_agents, panel.dim, panel.n_steps
        missing_neighbours = np.asarray(csr @ (~obs[:-1]).T.astype(np.float64)).T
        ok = obs[:-1] & obs[1:] & (missing_neighbours == 0)
        if anchored:
            ok &= obs[0][None, :]
        n_excluded = 0
        if exclude is not None and len(exclude):
            ok[:, exclude] = False
            n_excluded = len(np.unique(exclude))
        t_idx, i_idx = np.nonzero(ok)
        self.n_possible = n_steps * (n - n_excluded)
        self.n_terms = len(t_idx)
        self.n_dropped = self.n_possible - self.n_terms
        self.n_agents, self.dim, self.n_steps = n, d, n_steps
        self.term_step, self.term_agent = t_idx, i_idx
        X = np.where(obs[:, :, None], panel.X, 0.0)  # missing values are never read by a kept term
        self.keys_X = np.ascontiguousarray(X[:-1].reshape(n_steps * n, d))
        self.Q = X[t_idx, i_idx]
        self.Y = X[t_idx + 1, i_idx]
        self.X0 = X[0, i_idx]
        deg = np.diff(csr.indptr)[i_idx].astype(np.int64)
        self.indptr = np.concatenate([[0], np.cumsum(deg)]).astype(np.int64)
        pos = np.arange(self.indptr[-1]) - np.repeat(self.indptr[:-1] - csr.indptr[i_idx], deg)
        self.indices = (csr.indices[pos] + np.repeat(t_idx * n, deg)).astype(np.int64)
        # int32 indices halve the memory traffic of every sparse product while they fit.
        if self.indptr[-1] < np.iinfo(np.int32).max and n_steps * n < np.iinfo(np.int32).max:
            self.indptr = self.indptr.astype(np.int32)
            self.indices = self.indices.astype(np.int32)
        self.edge_row = np.repeat(np.arange(self.n_terms), deg)
        self.silent = deg == 0
        self.shape = (self.n_terms, n_steps * n)
        self.structure = sp.csr_array((np.ones(len(self.indices)), self.indices, self.indptr),
                                      shape=self.shape)

    def per_key(self, value):
        """A per-agent array (or a scalar) laid out over the rows of :attr:`keys_X`."""
        value = np.asarray(value, dtype=np.float64)
        return value if value.ndim == 0 else np.tile(value, self.n_steps)

    def per_term(self, value):
        """A per-agent array (or a scalar) laid out over the retained transitions."""
        value = np.asarray(value, dtype=np.float64)
        return value if value.ndim == 0 else value[self.term_agent]

    def matrix(self, weights):
        """The stacked weight matrix with one entry per edge, as a CSR array."""
        return sp.csr_array((weights, self.indices, self.indptr), shape=self.shape)


@dataclass
class _Social:
    key: tuple
    m: np.ndarray            # social mean per transition (the own opinion where silent)
    W: np.ndarray = None     # attention weight per edge
    S: np.ndarray = None     # score per edge
    K: np.ndarray = None     # keys
    clipped: np.ndarray = None


class GaussianLikelihood:
    """RSS, log-likelihood and their exact gradients over a panel's transitions.

    Parameters
    ----------
    transitions : Transitions
    rule : {"attention", "uniform", "bounded_confidence"}
    affinity : {"dot", "cosine", "distance"}
    values : dict
        Every parameter the mean reads that is not passed to the methods:
        ``temperature``, ``step_size``, ``stubbornness``, ``salience``,
        ``key_norm_clip``, ``confidence`` (``OpinionModel``'s defaults where absent).
        ``salience`` and ``stubbornness`` may be per-agent arrays.

    Methods take ``theta``, a dict of natural parameter values that override
    ``values``; gradients are with respect to the working coordinates of the
    names in ``wrt`` (see :func:`to_working`).
    """

    def __init__(self, transitions, *, rule, affinity, values):
        self.tr = transitions
        self.rule = rule
        self.affinity = affinity
        self.values = {"temperature": 1.0, "step_size": 0.5, "stubbornness": 0.0,
                       "salience": 1.0, "key_norm_clip": None, "confidence": None, **values}
        self._cache = []
        self._key_cache = None

    @property
    def n_terms(self):
        return self.tr.n_terms

    @property
    def n_obs(self):
        """Scalar observations: transitions × dimensions."""
        return self.tr.n_terms * self.tr.dim

    def _merged(self, theta):
        return {**self.values, **(theta or {})}

    # ---- the social mean ----------------------------------------------------------------
    def _keys(self, v):
        """Keys, edge scores and which keys are clipped; they do not depend on T (cached)."""
        sal, clip = v["salience"], v["key_norm_clip"]
        key = (clip, id(sal) if isinstance(sal, np.ndarray) else sal)
        if self._key_cache is not None and self._key_cache[0] == key:
            return self._key_cache[1]
        tr = self.tr
        K = make_keys(tr.keys_X, salience=tr.per_key(sal), key_norm_clip=clip)
        S = None
        if self.rule == "attention" and not math.isinf(v["temperature"]):
            S = edge_scores(tr.Q, K, tr.indptr, tr.indices, affinity=self.affinity)
        clipped = None
        if clip is not None:
            clipped = np.linalg.norm(tr.keys_X * np.reshape(tr.per_key(sal), (-1, 1)), axis=1) > clip
        self._key_cache = (key, (K, S, clipped))
        return K, S, clipped

    def _social(self, v):
        sal = v["salience"]
        key = (self.rule, v["temperature"], v["confidence"], v["key_norm_clip"],
               id(sal) if isinstance(sal, np.ndarray) else sal)
        for hit in self._cache:
            if hit.key == key:
                return hit
        tr = self.tr
        K, S, clipped = self._keys(v)
        if self.rule == "bounded_confidence":
            A = attention_weights(tr.Q, K, tr.structure, rule="bounded_confidence",
                                  confidence=v["confidence"])
            social = _Social(key, np.asarray(A @ tr.keys_X))
            silent = np.asarray(A.sum(axis=1)).ravel() == 0  # zero weights are stored
        else:
            T = math.inf if self.rule == "uniform" else v["temperature"]
            S = None if math.isinf(T) else S
            W = segment_softmax(S, tr.indptr, temperature=T)
            social = _Social(key, np.asarray(tr.matrix(W) @ tr.keys_X), W=W, S=S, K=K,
                             clipped=clipped)
            silent = tr.silent
        social.m[silent] = tr.Q[silent]
        self._cache = [social] + self._cache[:1]
        return social

    def mean(self, theta=None):
        """The noise-free update ``f`` of every retained transition, ``(n_terms, dim)``."""
        v = self._merged(theta)
        return self._mean_from(v, self._social(v).m)

    def _mean_from(self, v, m):
        tr = self.tr
        a = v["step_size"]
        base = tr.Q + a * (m - tr.Q)
        s = tr.per_term(v["stubbornness"])
        if np.any(s != 0.0):
            s_col = s[:, None] if s.ndim else s
            return base + s_col * (tr.X0 - base)
        return base

    # ---- RSS and its gradient -----------------------------------------------------------
    def rss(self, theta=None, wrt=()):
        """``RSS`` and ``∂RSS/∂η`` for the working coordinates ``η`` of the names in ``wrt``.

        ``wrt`` may name any of the mean parameters (not ``noise`` or ``confidence``).
        """
        v = self._merged(theta)
        social = self._social(v)
        f = self._mean_from(v, social.m)
        r = self.tr.Y - f
        total = float(np.einsum("ij,ij->", r, r))
        if not wrt:
            return total, np.zeros(0)
        return total, np.array([self._drss(name, v, social, r) for name in wrt])

    def _drss(self, name, v, social, r):
        tr = self.tr
        a = v["step_size"]
        s = tr.per_term(v["stubbornness"])
        s_col = s[:, None] if s.ndim else s
        if name == "step_size":
            df = (1.0 - s_col) * (social.m - tr.Q)
        elif name == "stubbornness":
            df = tr.X0 - (tr.Q + a * (social.m - tr.Q))
        elif name in SCORE_PARAMETERS:
            c = (1.0 - s) * a
            g = self._score_derivative(name, v, social)
            Wg = social.W * g
            gbar = np.bincount(tr.edge_row, weights=Wg, minlength=tr.n_terms)
            dm = np.asarray(tr.matrix(Wg) @ tr.keys_X) - gbar[:, None] * social.m
            dm[tr.silent] = 0.0
            df = (c[:, None] if np.ndim(c) else c) * dm
        else:
            raise KeyError(name)
        return -2.0 * float(np.einsum("ij,ij->", r, df)) * dnatural(name, v[name])

    def _score_derivative(self, name, v, social):
        """``∂(S/T)/∂u`` per edge for ``u = v[name]`` (the natural value; chain rule later)."""
        T = v["temperature"]
        if name == "temperature":
            return -social.S / (T * T)
        # A scalar salience moves the unclipped keys, the clip moves the clipped ones:
        # either way dk_j = k_j · du/u on the keys it acts on, zero on the others.
        if social.clipped is None:
            acts = np.ones(self.tr.shape[1], dtype=bool)
        else:
            acts = ~social.clipped if name == "salience" else social.clipped
        on = acts[self.tr.indices]
        if self.affinity == "dot":
            dS = social.S
        else:  # distance: 2(q − k)·k = S + |q|² − |k|²
            q2 = np.einsum("ij,ij->i", self.tr.Q, self.tr.Q)[self.tr.edge_row]
            k2 = np.einsum("ij,ij->i", social.K, social.K)[self.tr.indices]
            dS = social.S + q2 - k2
        return np.where(on, dS, 0.0) / (T * v[name])

    # ---- log-likelihood -----------------------------------------------------------------
    def loglik(self, theta=None, noise=None):
        """``ℓ(θ, σ)``; with ``noise=None``, at the profiled ``σ̂² = RSS/(n d)``."""
        total, _ = self.rss(theta)
        return self.loglik_from_rss(total, noise)

    def loglik_from_rss(self, total, noise=None):
        """The log-likelihood given the RSS (``noise=None``: at the profiled ``σ̂``)."""
        nd = self.n_obs
        if noise is None:
            return -0.5 * nd * (math.log(2.0 * math.pi * total / nd) + 1.0)
        return -0.5 * nd * math.log(2.0 * math.pi * noise * noise) - total / (2.0 * noise * noise)

    def loglik_gradient(self, theta, noise, wrt):
        """``∂ℓ/∂η`` for the names in ``wrt`` (``"noise"`` allowed: ``η = log σ``)."""
        mean_names = [w for w in wrt if w != "noise"]
        total, g = self.rss(theta, mean_names)
        grad = dict(zip(mean_names, -g / (2.0 * noise * noise)))
        if "noise" in wrt:
            grad["noise"] = -self.n_obs + total / (noise * noise)
        return np.array([grad[w] for w in wrt])

    def score_spread(self, theta=None):
        """Median absolute deviation of the edge scores from their row mean (the scale of T)."""
        v = self._merged({**(theta or {}), "temperature": 1.0})
        tr = self.tr
        K = make_keys(tr.keys_X, salience=tr.per_key(v["salience"]),
                      key_norm_clip=v["key_norm_clip"])
        S = edge_scores(tr.Q, K, tr.indptr, tr.indices, affinity=self.affinity)
        deg = np.diff(tr.indptr)
        row_mean = np.bincount(tr.edge_row, weights=S, minlength=tr.n_terms) / np.maximum(deg, 1)
        spread = float(np.median(np.abs(S - row_mean[tr.edge_row]))) if len(S) else 0.0
        return spread if spread > 0 else 1.0

    def key_scale(self):
        """Median norm of the observed opinions (the scale of salience and key clips)."""
        norms = np.linalg.norm(self.tr.keys_X, axis=1)
        norms = norms[norms > 0]
        return float(np.median(norms)) if len(norms) else 1.0

    def candidate_radii(self, theta=None):
        """The distinct query–key distances over all edges: where the BC likelihood can jump."""
        v = self._merged(theta)
        tr = self.tr
        K = make_keys(tr.keys_X, salience=tr.per_key(v["salience"]),
                      key_norm_clip=v["key_norm_clip"])
        return np.unique(np.sqrt(-edge_scores(tr.Q, K, tr.indptr, tr.indices, affinity="distance")))
