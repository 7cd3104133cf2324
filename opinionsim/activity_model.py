"""The Mesa shell of the activity-driven model of Baumann et al. (2020): :class:`ActivityDrivenModel`.

The dynamics are the pure functions of :mod:`opinionsim.activity_driven`; this
module holds the parameter table, the immutable :class:`ActivityRule`, the
per-step :class:`ActivityDrivenStep` process and the model.

Examples
--------
>>> m = ActivityDrivenModel(200, controversialness=0.05, seed=1)
>>> m.run(50)
>>> m.opinions.shape, m.steps, round(m.time, 2)
((200, 1), 50, 0.5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import _random
from ._errors import OpinionSimError
from ._validation import check_opinion_array, check_real, check_state_fits
from .activity_driven import (_check_contacts, draw_activities, interaction_network, rk4_step,
                              sample_contacts)
from .base import BaseModel, check_record_every
from .dynamics.params import Param, _mask
from .dynamics.processes import Process
from .network import Network, csr_from_structure

__all__ = ["ActivityDrivenModel", "ActivityRule", "ActivityDrivenStep", "ACTIVITY_PARAMETERS",
           "ACTIVITY_REPORTERS", "DEFAULT_REPORTERS", "UNSUPPORTED_REPORTERS",
           "NOT_SWEEP_DEFAULTS"]


def _real(low=None, high=None, *, low_open=False):
    def validate(name, value, n, dim):
        return check_real(name, value, low=low, high=high, low_open=low_open)
    return validate


def _contacts(name, value, n, dim):
    return _check_contacts(value, n if n is not None else np.iinfo(np.int64).max)


def _fixed(name, value, n, dim):
    return None if value is None else _mask(name, value, n, dim)


#: The model's parameters, declared once (name, default, meaning, range); the model, its
#: rule and the interventions that change them (SetHomophily, …) all validate from here.
ACTIVITY_PARAMETERS = {p.name: p for p in (
    Param("social_influence", 3.0,
          "K >= 0: strength of social influence, the weight of each contact's tanh(α x_j).",
          _real(0.0)),
    Param("controversialness", 3.0,
          "α >= 0: controversialness of the topic, the steepness of tanh(α x_j).",
          _real(0.0)),
    Param("homophily", 3.0,
          "β >= 0: contacts are chosen with p_ij ∝ |x_i − x_j|^(−β) (attention at T = 1/β); "
          "0 is uniform.",
          _real(0.0)),
    Param("reciprocity", 0.5,
          "r in [0, 1]: probability that a contacted agent also hears the active one.",
          _real(0.0, 1.0)),
    Param("contacts", 10,
          "m in [1, N − 1]: distinct agents an active agent contacts per step.",
          _contacts),
    Param("activity_exponent", 2.1,
          "γ: activities are drawn from F(a) ∝ a^(−γ) on [ε, 1].",
          _real(), rule=False),
    Param("min_activity", 0.01,
          "ε in (0, 1]: the smallest activity.",
          _real(0.0, 1.0, low_open=True), rule=False),
    Param("dt", 0.01,
          "Length of one step in model time (> 0); each step redraws the contacts and takes "
          "one RK4 step of this length.",
          _real(0.0, low_open=True), rule=False),
    Param("fixed", None, "Agents whose opinions never change (set by Pin).", _fixed,
          public=False, scalar=False),
)}

def mean_abs_opinion(model):
    """Mean distance of an opinion from the neutral point, mean |x_i|: how extreme the
    population is (0 at neutral consensus)."""
    return float(np.mean(np.abs(model.opinions[:, 0])))


def fraction_positive(model):
    """Fraction of agents with x_i > 0: 0 or 1 when every agent shares a sign
    (radicalisation), near 1/2 for two equal camps."""
    return float(np.mean(model.opinions[:, 0] > 0))


def activity_extremity_correlation(model):
    """Spearman rank correlation between an agent's activity a_i and its extremity |x_i|
    (0.0 while the opinions are all equal in size)."""
    from scipy.stats import rankdata

    a, e = rankdata(model.activities), rankdata(np.abs(model.opinions[:, 0]))
    if np.ptp(a) == 0 or np.ptp(e) == 0:
        return 0.0
    return float(np.corrcoef(a, e)[0, 1])


#: This model's own reporters, by name (usable besides those of
#: :data:`opinionsim.reporters.REPORTERS`).
ACTIVITY_REPORTERS = {
    "mean_abs_opinion": mean_abs_opinion,
    "fraction_positive": fraction_positive,
    "activity_extremity_correlation": activity_extremity_correlation,
}

#: Recorded when ``reporters`` is not given.
DEFAULT_REPORTERS = ("mean_opinion", "variance", "max_change", "mean_abs_opinion",
                     "fraction_positive", "activity_extremity_correlation")

#: Built-in reporters that read what this model does not have, with the reason.
UNSUPPORTED_REPORTERS = {
    "attention_entropy": "it has no attention weights to take the entropy of (contacts are "
                         "sampled, and the network is redrawn every step)",
}

#: Sweep metrics that run on this model but are not recorded by default: they read the
#: network, which here is one step's contacts, not the interaction network over time that
#: Baumann et al. measure echo chambers on. Ask for them by name to record them anyway.
NOT_SWEEP_DEFAULTS = {
    "neighbor_correlation": "reads only the latest step's contacts",
    "echo_chamber_modularity": "reads only the latest step's contacts",
}


@dataclass(frozen=True, eq=False)
class ActivityRule:
    """Everything that decides how opinions and contacts move; immutable (see ``replace``).

    Interventions replace it with a modified, validated copy, exactly as
    :class:`~opinionsim.dynamics.UpdateRule` for :class:`~opinionsim.OpinionModel`.

    Examples
    --------
    >>> r = ActivityRule.create(n=100)
    >>> r.homophily, r.replace(homophily=0.0).homophily
    (3.0, 0.0)
    >>> r.equals(r.replace(homophily=3.0)), r.equals(r.replace(contacts=5))
    (True, False)
    >>> r.replace(reciprocity=2.0)
    Traceback (most recent call last):
    ...
    opinionsim._errors.OpinionSimError: reciprocity == 2.0, must be in [0.0, 1.0].
    """

    n: int
    social_influence: float
    controversialness: float
    homophily: float
    reciprocity: float
    contacts: int
    fixed: object = None

    #: Opinions live on the real line (Pin reads this, as for OpinionModel).
    opinion_space = "euclidean"
    FIELDS = ("social_influence", "controversialness", "homophily", "reciprocity", "contacts",
              "fixed")

    @classmethod
    def create(cls, *, n, **params):
        """Validate every value against :data:`ACTIVITY_PARAMETERS` (defaults from it)."""
        unknown = [k for k in params if k not in cls.FIELDS]
        if unknown:
            raise OpinionSimError(
                f"unknown parameter {unknown[0]!r}; valid: {', '.join(cls.FIELDS)}.")
        values = {name: ACTIVITY_PARAMETERS[name].check(
            params.get(name, ACTIVITY_PARAMETERS[name].default), n, 1) for name in cls.FIELDS}
        return cls(n=n, **values)

    def replace(self, **changes):
        """A validated copy with ``changes`` (raises naming a bad value, leaving ``self`` as is)."""
        current = {name: getattr(self, name) for name in self.FIELDS}
        return self.create(n=self.n, **{**current, **changes})

    def equals(self, other) -> bool:
        """Exact equality of every parameter (the pinned-agent masks elementwise)."""
        if not isinstance(other, ActivityRule) or self.n != other.n:
            return False
        for name in self.FIELDS:
            a, b = getattr(self, name), getattr(other, name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if a is None or b is None or not np.array_equal(a, b):
                    return False
            elif a != b:
                return False
        return True


class ActivityDrivenStep(Process):
    """One step of the activity-driven model (see :mod:`opinionsim.activity_driven`).

    Draws who is active (``stream(seed, ACTIVATION, t)``), their contacts (the
    hash ``edge_uniforms(contact key, t, i·m + k)``) and the reciprocations
    (``edge_uniforms(reciprocity key, t, i·m + k)``), so every draw depends on
    nothing but the run, the step and the agent: paired causal runs share them.
    Then installs the step's interaction network in ``model.network`` (its
    ``version`` goes up by one), takes one RK4 step over ``dt`` with it, sets
    ``model.last_change`` and raises, naming the step and the agent, when an
    opinion becomes non-finite.
    """

    name = "activity_driven"

    def step(self, model, t):
        X = model._X
        x = X[:, 0]
        n = len(x)
        rule = model.rule
        m = rule.contacts
        coins = _random.stream(model.seed, _random.ACTIVATION, t).random(n)
        rows = np.flatnonzero(coins < model.activities)
        contacts = sample_contacts(x, rows, m, rule.homophily, key=model._contact_key, step=t)
        ids = (rows[:, None] * m + np.arange(m)).ravel()
        back = (_random.edge_uniforms(model._reciprocity_key, t, ids)
                < rule.reciprocity).reshape(-1, m)
        A = interaction_network(rows, contacts, back, n)
        with np.errstate(over="ignore", invalid="ignore"):
            new = rk4_step(x, A, social_influence=rule.social_influence,
                           controversialness=rule.controversialness, dt=model.dt,
                           fixed=rule.fixed)
        change = np.abs(new - x)
        largest = float(np.max(change))
        if not math.isfinite(largest):
            row = int(np.flatnonzero(~np.isfinite(new))[0])
            raise OpinionSimError(
                f"step {t} produced a non-finite opinion for agent {row} (previous opinion "
                f"{x[row]!r}); check dt (RK4 needs dt·K·α·(contacts heard) well below 1).")
        model.last_change = largest
        model._set_state(opinions=new[:, None], adjacency=A)


class ActivityDrivenModel(BaseModel):
    r"""The activity-driven model of opinion dynamics of Baumann et al. (2020), as a Mesa model.

    ``N`` agents hold scalar opinions :math:`x_i` (initially uniform on
    :math:`[-1, 1]`) and activities :math:`a_i \in [\varepsilon, 1]` drawn
    from :math:`F(a) \propto a^{-\gamma}`. At every step (of length ``dt``)
    each agent is active with probability :math:`a_i`; an active agent
    contacts ``m`` distinct others, choosing ``j`` with

    .. math::

        p_{ij} = \frac{|x_i - x_j|^{-\beta}}{\sum_{l \ne i} |x_i - x_l|^{-\beta}},

    is influenced by them (:math:`A_{ij}(t) = 1`), and each contact is
    reciprocated (:math:`A_{ji}(t) = 1`: ``j`` also hears ``i``) with
    probability ``r``. Opinions then follow

    .. math::

        \dot x_i = -x_i + K \sum_j A_{ij}(t) \tanh(\alpha x_j),

    integrated over ``dt`` by 4th-order Runge–Kutta with the contacts held
    fixed [1]_.

    The paper's symbols and defaults: ``N = 1000`` (``n_agents``), ``m = 10``
    (``contacts``), ``ε = 0.01`` (``min_activity``), ``γ = 2.1``
    (``activity_exponent``), ``r = 0.5`` (``reciprocity``), ``dt = 0.01``;
    ``K`` (``social_influence``), ``α`` (``controversialness``) and ``β``
    (``homophily``) select the regime: with ``K = 3``, ``α = 0.05`` gives
    neutral consensus (every :math:`x_i \to 0`), ``α = 3, β = 0``
    radicalisation (every agent on one side), ``α = 3, β = 3`` polarisation
    with echo chambers (two camps, each hearing itself). The defaults here are
    that last point, ``K = α = β = 3``.

    **Relation to the attention model.** The contact choice is attention used
    as a *choice*, not a weighting: :math:`p_{ij}` is
    ``softmax_j(S_ij / T)`` with the package's ``"log_distance"`` affinity
    :math:`S_{ij} = -\tfrac12 \ln(|x_i - x_j|^2 + \delta^2)` at temperature
    :math:`T = 1/\beta` (so :func:`~opinionsim.activity_driven.contact_probabilities`
    is the engine's softmax, and β = 0 is uniform, T = inf). What an agent
    hears enters as a **sum** :math:`K \sum_j A_{ij} \tanh(\alpha x_j)`, not
    the attention-weighted mean of :class:`~opinionsim.OpinionModel`: hearing
    more agents pushes harder, so opinions are unbounded and active agents
    become extreme, and the :math:`\tanh` makes a strong opinion no more
    persuasive than a moderate one once :math:`|\alpha x| \gg 1`.

    **The network.** ``model.network`` is a :class:`~opinionsim.network.Network`
    whose ``adjacency`` is the interaction network of the latest step (row
    ``i`` lists whom agent ``i`` heard: ``A_ij(t)``, 0/1, no self-loops;
    empty at step 0), replaced at every step through ``set_adjacency``, so its
    ``version`` equals the number of steps taken. Reporters and metrics that
    read the listening network (``echo_chamber_index``,
    ``neighbor_correlation``, :func:`~opinionsim.metrics.null_model`) read that
    step's contacts; for the aggregated network of several steps, the one
    Baumann et al. measure echo chambers on, use :meth:`run_aggregate`.
    Where Seldon (``pyseldonlib``) lets the *contacted* agent hear the active
    one, here, as in the paper's :math:`A_{ij}`, the active agent hears its
    contacts, and they hear it when the contact is reciprocated.

    Parameters
    ----------
    n_agents : int >= 2
        N.
    social_influence : float >= 0
        K.
    controversialness : float >= 0
        α.
    homophily : float >= 0
        β (0: contacts uniformly at random).
    activity_exponent : float
        γ.
    min_activity : float in (0, 1]
        ε.
    contacts : int in [1, N − 1]
        m.
    reciprocity : float in [0, 1]
        r.
    dt : float > 0
        Model time per step (RK4 step length); ``model.time == steps · dt``.
    seed : int, SeedSequence or Generator, optional
        The only source of randomness (recorded as :attr:`seed`): initial
        opinions ``stream(seed, INIT, 0)``, activities ``stream(seed, INIT, 1)``,
        then per step as in :class:`ActivityDrivenStep`.
    reporters : list or dict, optional
        As for :class:`~opinionsim.OpinionModel` (names from
        :data:`opinionsim.reporters.REPORTERS` or callables), plus this
        model's own :data:`ACTIVITY_REPORTERS` (``mean_abs_opinion``,
        ``fraction_positive``, ``activity_extremity_correlation``); default
        :data:`DEFAULT_REPORTERS`. Those in :data:`UNSUPPORTED_REPORTERS` are
        refused.
    record_every : int >= 1
    record_opinions : bool
    interventions : dict {int: Intervention}, optional
        Those that accept this model: :class:`~opinionsim.interventions.Pin`,
        :class:`~opinionsim.interventions.SetHomophily`,
        :class:`~opinionsim.interventions.SetControversialness`,
        :class:`~opinionsim.interventions.SetSocialInfluence` (and a
        ``Compose`` of them); the others are refused by name.
    initial_opinions : array of shape (N,) or (N, 1), optional
        Default: uniform on [−1, 1].
    activities : array of shape (N,) in (0, 1], optional
        Given activities instead of drawn ones (e.g. all equal to the mean,
        Seldon's ``mean_activities``).

    Attributes
    ----------
    activities : ndarray, shape (N,)
        Read-only.
    rule : ActivityRule
        K, α, β, r, m and the pinned agents; replaced by interventions.
    time : float
        ``steps · dt``.
    last_change : float
        Largest change of one opinion in the latest step.

    Raises
    ------
    OpinionSimError
        For any invalid argument, naming it, its value and what is allowed.

    References
    ----------
    .. [1] F. Baumann, P. Lorenz-Spreen, I. M. Sokolov and M. Starnini,
       "Modeling echo chambers and polarization dynamics in social networks",
       *Physical Review Letters* 124, 048301 (2020).

    Examples
    --------
    >>> m = ActivityDrivenModel(300, social_influence=3.0, controversialness=3.0, homophily=0.0,
    ...                         seed=2)
    >>> m.run(300)
    >>> m.network.version, float(np.mean(m.opinions > 0)) in (0.0, 1.0)   # radicalised
    (300, True)
    """

    def __init__(self, n_agents=1000, *, social_influence=3.0, controversialness=3.0,
                 homophily=3.0, activity_exponent=2.1, min_activity=0.01, contacts=10,
                 reciprocity=0.5, dt=0.01, seed=None, reporters=None, record_every=1,
                 record_opinions=False, interventions=None, initial_opinions=None,
                 activities=None):
        if isinstance(n_agents, bool) or not isinstance(n_agents, (int, np.integer)) \
                or n_agents < 2:
            raise OpinionSimError(f"n_agents == {n_agents!r}, must be an integer >= 2.")
        check_state_fits(n_agents, 1)
        n = int(n_agents)
        self.rule = ActivityRule.create(
            n=n, social_influence=social_influence, controversialness=controversialness,
            homophily=homophily, reciprocity=reciprocity, contacts=contacts)
        self.activity_exponent = ACTIVITY_PARAMETERS["activity_exponent"].check(activity_exponent)
        self.min_activity = ACTIVITY_PARAMETERS["min_activity"].check(min_activity)
        self.dt = ACTIVITY_PARAMETERS["dt"].check(dt)
        self.dim = 1
        self.sources = None
        self.record_every = check_record_every(record_every)
        self.seed = _random.resolve_seed(seed)
        keys = _random.stream(self.seed, _random.CONTACTS, 0).integers(0, 2**63 - 1, size=2)
        self._contact_key, self._reciprocity_key = int(keys[0]) | 1, int(keys[1]) | 1
        if activities is None:
            a = draw_activities(n, exponent=self.activity_exponent, min_activity=self.min_activity,
                                rng=_random.stream(self.seed, _random.INIT, 1))
        else:
            a = _check_activities(activities, n)
        a.flags.writeable = False
        self.activities = a
        if initial_opinions is None:
            X = _random.stream(self.seed, _random.INIT, 0).uniform(-1.0, 1.0, size=(n, 1))
        else:
            X = check_opinion_array("initial_opinions", initial_opinions, n=n, dim=1).copy()
        self.network = Network(_empty(n), list(range(n)), include_self=False)
        self.processes = [ActivityDrivenStep()]
        self._start(X, reporters=_resolve_reporters(reporters), interventions=interventions,
                    record_opinions=record_opinions)

    # ---- parameters (read from the rule, which interventions replace) ---------------
    @property
    def social_influence(self):
        return self.rule.social_influence

    @property
    def controversialness(self):
        return self.rule.controversialness

    @property
    def homophily(self):
        return self.rule.homophily

    @property
    def reciprocity(self):
        return self.rule.reciprocity

    @property
    def contacts(self):
        return self.rule.contacts

    @property
    def time(self):
        """Model time, ``steps · dt``."""
        return self.steps * self.dt

    @property
    def zealots(self):
        """Agents whose opinions never change (pinned)."""
        return [] if self.rule.fixed is None else np.flatnonzero(self.rule.fixed).tolist()

    # ---- running --------------------------------------------------------------------
    def run_aggregate(self, steps):
        """Run ``steps`` more steps; return their interaction networks summed.

        Returns
        -------
        scipy.sparse.csr_array, shape (N, N)
            Entry ``(i, j)``: in how many of these steps ``i`` heard ``j``.
            Its structure is the aggregated network on which Baumann et al.
            measure echo chambers (each agent against the mean opinion of
            whom it heard).

        Examples
        --------
        >>> m = ActivityDrivenModel(100, seed=0)
        >>> A = m.run_aggregate(20)
        >>> m.steps, A.shape, bool(A.sum() > 0), bool(A.diagonal().sum() == 0)
        (20, (100, 100), True, True)
        """
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
            raise OpinionSimError(f"steps == {steps!r}, must be an integer >= 1.")
        total = None
        for _ in range(int(steps)):
            self.step()
            A = self.network.adjacency
            total = A.copy() if total is None else total + A
        return sp.csr_array(total)

    # ---- interventions ----------------------------------------------------------------
    def _set_state(self, *, rule=None, sources=None, **base):
        if rule is not None:
            self.rule = rule
        super()._set_state(**base)

    def __repr__(self):
        r = self.rule
        return (f"ActivityDrivenModel(n_agents={self.n_agents}, K={r.social_influence!r}, "
                f"alpha={r.controversialness!r}, beta={r.homophily!r}, m={r.contacts}, "
                f"r={r.reciprocity!r}, seed={self.seed}, steps={self.steps})")


def _empty(n):
    return csr_from_structure(np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int64), n)


def _check_activities(activities, n):
    try:
        a = np.array(activities, dtype=np.float64)
    except (TypeError, ValueError):
        raise OpinionSimError(f"activities must be an array of {n} numbers in (0, 1].") from None
    if a.shape != (n,):
        raise OpinionSimError(f"activities has shape {a.shape}, must be ({n},).")
    bad = ~np.isfinite(a) | (a <= 0) | (a > 1)
    if bad.any():
        k = int(np.argmax(bad))
        raise OpinionSimError(f"activities == {float(a[k])!r} (agent {k}), must be in (0, 1].")
    return a


def _resolve_reporters(reporters):
    """This model's reporter names as callables (the rest as given); refuse those that do not apply."""
    if reporters is None:
        reporters = DEFAULT_REPORTERS
    if isinstance(reporters, dict):
        items = list(reporters.items())
    elif isinstance(reporters, (str, bytes)) or not hasattr(reporters, "__iter__"):
        return reporters  # build_reporters names the mistake
    else:
        items = [(r if isinstance(r, str) else getattr(r, "__name__", repr(r)), r)
                 for r in reporters]
    out = {}
    for column, r in items:
        if isinstance(r, str) and r in UNSUPPORTED_REPORTERS:
            raise OpinionSimError(
                f"reporter {r!r} does not apply to ActivityDrivenModel: "
                f"{UNSUPPORTED_REPORTERS[r]}.")
        out[column] = ACTIVITY_REPORTERS.get(r, r) if isinstance(r, str) else r
    return out
