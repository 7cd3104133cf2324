"""Maximum-likelihood fit of the update rule's parameters to an observed opinion panel.

:func:`fit` validates what is asked (and refuses what the data cannot
identify), builds the exact Gaussian likelihood of
:mod:`opinionsim.inference.likelihood`, and maximises it:

- ``noise`` (σ) is profiled out in closed form, ``σ̂² = RSS/(n·dim)``, so the
  optimiser only sees the mean parameters and minimises the RSS;
- the mean parameters are optimised with the exact gradient on their working
  scale (log for positive parameters, logit for those in (0, 1)), from several
  starts drawn from ``seed``, by scipy's SLSQP with bounds, falling back to
  L-BFGS-B where SLSQP stalls (its first step assumes unit curvature). SLSQP
  first because scipy's L-BFGS-B calls multi-threaded OpenBLAS on its tiny
  matrices, which on a busy 2-core machine costs milliseconds per iteration,
  several times the likelihood itself; both reach the same maxima.
- the bounded-confidence radius, on which the likelihood is a step function
  (it only changes where the radius crosses a query–key distance), is found by
  a 1-D search over those distinct distances: 33 evenly spaced candidates,
  then the bracket around the best one, again, until every distance in the
  final bracket has been tried; the other parameters are re-optimised at each;
- the observed information (finite differences of the exact gradient) gives
  standard errors, with a warning that names the non-identified combination
  when it is singular.

Examples
--------
>>> import networkx as nx, opinionsim as osim
>>> g = nx.watts_strogatz_graph(100, 6, 0.1, seed=1)
>>> m = osim.OpinionModel(graph=g, dim=2, temperature=0.3, affinity="distance", noise=0.05,
...                       seed=2, record_opinions=True, reporters=[])
>>> m.run(20)
>>> X = np.stack([x for _, x in m.opinion_history])
>>> res = osim.fit(X, g, affinity="distance", seed=0)
>>> bool(abs(res.params["noise"] - 0.05) < 0.005)
True
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._errors import OpinionSimError
from ..engine import AFFINITIES, RULES
from ..network import build_network
from ..rules import UpdateRule
from .likelihood import FITTABLE, GaussianLikelihood, Transitions, to_natural, to_working
from .panel import as_panel, panel_size

__all__ = ["fit", "FitProblem"]

#: Keywords of ``OpinionModel`` that ``fixed`` may set (the others are not rule parameters).
FIXABLE = ("include_self", "temperature", "step_size", "noise", "stubbornness", "salience",
           "key_norm_clip", "confidence", "zealots", "activation", "opinion_space", "heads")
#: Working-scale half-width of the search range around each parameter's scale (1e8×).
_RANGE = math.log(1e8)
_LOGIT_BOUND = 25.0
#: Log-likelihood gap under which two starts count as reaching the same maximum.
_SAME_MAXIMUM = 0.01
#: Limits of a parameter's range that lie beyond the search range and that OpinionModel
#: accepts: an estimate that runs to the edge is moved there when it fits at least as well.
_LIMITS = {"temperature": (None, math.inf), "step_size": (None, 1.0),
           "stubbornness": (0.0, 1.0)}
#: Residual σ below this fraction of the typical step-to-step change means noise-free data.
_DEGENERATE = 1e-6


def fit(observed, graph=None, *, n_agents=None, free=("temperature", "step_size", "noise"),
        fixed=None, rule="attention", affinity="dot", start=None, seed=None, n_starts=4):
    """Fit ``OpinionModel``'s parameters to an observed opinion panel by maximum likelihood.

    The panel is modelled as the synchronous update with Gaussian noise,
    ``x(t+1) = f(x(t); θ) + σ ε``, whose likelihood is exact (see
    :mod:`opinionsim.inference.likelihood`).

    Parameters
    ----------
    observed : array of shape (n_steps + 1, N, dim) or pandas.DataFrame
        Opinions at consecutive steps (rows in node order), or a tidy table with
        columns ``step``, ``agent`` and the opinion dimensions. NaN (or an absent
        row) marks a missing agent-step: every transition whose mean reads a
        missing value is dropped, and the result counts them.
    graph : networkx graph or scipy.sparse adjacency, optional
        Who listens to whom, as in ``OpinionModel``. Default: the complete graph.
    n_agents : int, optional
        Complete graph on this many agents (default: the panel's).
    free : sequence of str
        Parameters to estimate, from ``temperature``, ``step_size``, ``noise``,
        ``stubbornness``, ``salience``, ``key_norm_clip``, ``confidence``
        (:data:`~opinionsim.inference.likelihood.FITTABLE`).
    fixed : dict, optional
        Other ``OpinionModel`` keywords and their known values, e.g.
        ``{"include_self": False, "noise": 0.1}``; unset parameters take
        ``OpinionModel``'s defaults. ``activation`` must be ``"synchronous"`` and
        ``opinion_space`` ``"euclidean"``; zealots' transitions are not fitted
        (they never move).
    rule : {"attention", "uniform", "bounded_confidence"}
    affinity : {"dot", "cosine", "distance"}
    start : dict, optional
        Starting values of free parameters (natural scale) for the first start.
    seed : int, SeedSequence or Generator, optional
        Draws the other starting points.
    n_starts : int >= 1
        Local optimisations from different starting points.

    Returns
    -------
    FitResult

    Raises
    ------
    OpinionSimError
        For an invalid or non-identified request (naming the parameter), and
        for a degenerate likelihood: a panel reproduced exactly by the
        noise-free rule (noise = 0), where σ̂ = 0 and the likelihood is unbounded.

    Warns
    -----
    UserWarning
        When the observed information is singular or an estimate sits at the
        edge of its search range (the message names what is not identified).

    See Also
    --------
    compare_rules : log-likelihood, AIC and BIC of several rules on one panel.

    Notes
    -----
    The likelihood is conditional on the panel's first step, which is also the
    Friedkin–Johnsen anchor ``x(0)``. A complete graph (``graph=None``) is
    expanded to its ``N²`` edges per step. Estimates that run to the edge of the
    search range move to the parameter's limit where that fits at least as well
    (``temperature = inf``, ``step_size = 1``, ``stubbornness`` 0 or 1) and get
    one-sided profile intervals.

    Examples
    --------
    >>> import networkx as nx, opinionsim as osim
    >>> g = nx.path_graph(30)
    >>> m = osim.OpinionModel(graph=g, temperature=float("inf"), step_size=0.3, noise=0.1,
    ...                       seed=1, record_opinions=True, reporters=[])
    >>> m.run(30)
    >>> X = np.stack([x for _, x in m.opinion_history])
    >>> res = osim.fit(X, g, rule="uniform", free=("step_size", "noise"), seed=0)
    >>> bool(res.ci().loc["step_size", "low"] < 0.3 < res.ci().loc["step_size", "high"])
    True
    """
    from .result import FitResult

    problem = FitProblem.build(observed, graph, n_agents=n_agents, free=free, fixed=fixed,
                               rule=rule, affinity=affinity, start=start, seed=seed,
                               n_starts=n_starts)
    theta, total, runs = problem.maximise()
    return FitResult._from_problem(problem, theta, total, runs)


class FitProblem:
    """A validated fitting problem: the likelihood, what is free, and the optimiser.

    Built by :meth:`build`; used by :func:`fit`, by profile likelihoods and by
    :func:`compare_rules`. Parameter values are natural-scale dicts.
    """

    def __init__(self, lik, *, free, values, noise, network, graph, n_agents, panel, rng,
                 n_starts, start, fixed):
        self.lik = lik
        self.free = tuple(free)
        self.names = [p for p in free if p not in ("noise", "confidence")]
        self.noise_free = "noise" in free
        self.radius_free = "confidence" in free
        self.noise = noise
        self.values = values
        self.network, self.graph, self.n_agents = network, graph, n_agents
        self.panel = panel
        self.rng = rng
        self.n_starts = n_starts
        self.fixed = fixed
        self.scale = {"temperature": lik.score_spread() if "temperature" in free else 1.0,
                      "salience": 1.0, "key_norm_clip": lik.key_scale()}
        self.start = {**self._heuristic(), **(start or {})}
        self._radii = None
        self.radius_profile = {}

    # ---- construction and validation ----------------------------------------------------
    @classmethod
    def build(cls, observed, graph=None, *, n_agents=None, free=(), fixed=None,
              rule="attention", affinity="dot", start=None, seed=None, n_starts=4):
        """Validate every argument (raising :class:`OpinionSimError`) and set up the likelihood."""
        free = _check_free(free)
        fixed = _check_fixed(fixed, free)
        if rule not in RULES:
            raise OpinionSimError(f"rule == {rule!r}, must be one of {', '.join(map(repr, RULES))}.")
        if affinity not in AFFINITIES:
            raise OpinionSimError(
                f"affinity == {affinity!r}, must be one of {', '.join(map(repr, AFFINITIES))}.")
        if isinstance(n_starts, bool) or not isinstance(n_starts, (int, np.integer)) \
                or n_starts < 1:
            raise OpinionSimError(f"n_starts == {n_starts!r}, must be an integer >= 1.")
        start = _check_start(start, free)
        if graph is None and n_agents is None:
            n_agents = panel_size(observed)
        network = build_network(graph, n_agents, include_self=bool(fixed.get("include_self", True)))
        panel = as_panel(observed, nodes=network.nodes)
        values = _validated_values(rule, affinity, free, fixed, start, panel, network)
        _check_identified(rule, affinity, free, values)
        noise = None
        if "noise" not in free:
            noise = values["noise"]
            if noise <= 0:
                raise OpinionSimError(
                    f"noise == {noise!r} (fixed), but the Gaussian likelihood needs noise > 0: "
                    "leave noise free (estimated) or fix it to a positive value.")
        zealots = _zealot_rows(fixed.get("zealots", ()), network)
        anchored = "stubbornness" in free or bool(np.any(np.asarray(values["stubbornness"]) != 0))
        tr = Transitions(panel, network, anchored=anchored, exclude=zealots)
        if tr.n_terms == 0:
            raise OpinionSimError(
                f"observed has no complete transition: all {tr.n_possible} were dropped because "
                "their mean reads a missing value (an agent's or a neighbour's opinion).")
        lik = GaussianLikelihood(tr, rule=rule, affinity=affinity, values=values)
        return cls(lik, free=free, values=values, noise=noise, network=network, graph=graph,
                   n_agents=n_agents, panel=panel, rng=np.random.default_rng(seed),
                   n_starts=int(n_starts), start=start, fixed=fixed)

    # ---- working coordinates ------------------------------------------------------------
    def bounds(self, name):
        """The search range of ``name`` on its working scale."""
        if FITTABLE[name].scale == "logit":
            return (-_LOGIT_BOUND, _LOGIT_BOUND)
        centre = math.log(self.scale[name])
        return (centre - _RANGE, centre + _RANGE)

    def at_bound(self, name, value):
        """Whether ``value`` is at the edge of the search range (the data push it out)."""
        lo, hi = self.bounds(name)
        eta = to_working(name, value)
        return eta <= lo + 1e-3 or eta >= hi - 1e-3

    def _heuristic(self):
        return {"temperature": self.scale["temperature"], "step_size": 0.5,
                "stubbornness": 0.2, "salience": 1.0, "key_norm_clip": self.scale["key_norm_clip"]}

    def _starts(self, names):
        """The first start (given or heuristic) and ``n_starts − 1`` random ones, working scale."""
        if not names:
            return [np.zeros(0)] * self.n_starts
        first = np.array([to_working(n, self.start[n]) for n in names])
        out = [first]
        spread = np.array([2.5 if FITTABLE[n].scale == "logit" else 3.0 for n in names])
        for _ in range(self.n_starts - 1):
            out.append(first + self.rng.uniform(-spread, spread))
        return out  # clipped to the search range by minimise

    # ---- optimisation -------------------------------------------------------------------
    def minimise(self, names, held, starts):
        """Minimise the RSS over ``names`` with ``held`` fixed, from each working start.

        Returns the best ``(theta, rss)`` and one ``(rss, success)`` pair per start.
        """
        if not names:
            total, _ = self.lik.rss(held)
            return dict(held), total, [(total, True)]
        bounds = [self.bounds(n) for n in names]
        lo, hi = np.array(bounds).T
        starts = [np.clip(x0, lo, hi) for x0 in starts]  # a start may sit at a limit (T = inf)
        ref = self.lik.rss({**held, **self._natural(names, starts[0])})[0] or 1.0

        def objective(eta):
            total, grad = self.lik.rss({**held, **self._natural(names, eta)}, names)
            return total / ref, grad / ref

        from scipy.optimize import minimize  # ~0.2 s to import: only when fitting

        best, runs = None, []
        for x0 in starts:
            with np.errstate(over="ignore", under="ignore"):
                res = minimize(objective, x0, jac=True, method="SLSQP", bounds=bounds,
                               options={"maxiter": 500, "ftol": 1e-14})
                if _projected_gradient(res, bounds) > 1e-5 * max(abs(res.fun), 1.0):
                    # SLSQP's first step assumes unit curvature and can stall where the RSS
                    # is steep on the working scale; L-BFGS-B scales its first step.
                    res = minimize(objective, res.x, jac=True, method="L-BFGS-B", bounds=bounds,
                                   options={"maxiter": 1000, "ftol": 1e-15, "gtol": 1e-10})
            # A tight tolerance can end in a failed line search at the optimum's rounding
            # noise; that is convergence when the projected gradient is small.
            ok = bool(res.success) or _projected_gradient(res, bounds) < 1e-6
            runs.append((float(res.fun) * ref, ok))
            if best is None or res.fun < best.fun:
                best = res
        theta = {**held, **self._natural(names, best.x)}
        return theta, float(best.fun) * ref, runs

    @staticmethod
    def _natural(names, eta):
        return {n: to_natural(n, float(e)) for n, e in zip(names, eta)}

    def maximise(self, held=None):
        """The maximum-likelihood mean parameters (``held`` fixed), from every start.

        Returns ``(theta, rss, runs)`` as :meth:`minimise`.
        """
        held = dict(held or {})
        names = [n for n in self.names if n not in held]
        starts = self._starts(names)
        if self.radius_free and "confidence" not in held:
            k, theta = self.radius_search(names, held, self.start)
            held = {**held, "confidence": self.radius_value(k)}
            starts[0] = np.array([to_working(n, theta[n]) for n in names])
        theta, total, runs = self.minimise(names, held, starts)
        theta, total = self.settle_edges(theta, total, names)
        return theta, total, runs

    def at_upper(self, name, value):
        """Whether ``value`` is at (or beyond) the top of ``name``'s search range."""
        return to_working(name, value) >= self.bounds(name)[1] - 1e-3

    def settle_edges(self, theta, total, names):
        """Move estimates at an edge of the search range to the parameter's limit
        (T = inf, a = 1, s = 0 or 1), re-optimising the others, where that fits at least as well."""
        for name in names:
            if not self.at_bound(name, theta[name]):
                continue
            limit = _LIMITS.get(name, (None, None))[1 if self.at_upper(name, theta[name]) else 0]
            if limit is None:
                continue
            others = [n for n in names if n != name]
            held = {k: v for k, v in theta.items() if k not in others}
            trial, trial_total, _ = self.minimise(
                others, {**held, name: limit}, [np.array([to_working(n, theta[n]) for n in others])])
            if trial_total <= total * (1.0 + 1e-9):
                theta, total = trial, trial_total
        return theta, total

    def best_given(self, held, warm):
        """``(theta, rss)`` maximising the likelihood with ``held`` fixed, from one warm start."""
        names = [n for n in self.names if n not in held]
        if self.radius_free and "confidence" not in held:
            k, warm = self.radius_search(names, held, warm)
            held = {**held, "confidence": self.radius_value(k)}
        x0 = np.array([to_working(n, warm[n]) for n in names])
        theta, total, _ = self.minimise(names, held, [x0])
        return theta, total

    # ---- the bounded-confidence radius ---------------------------------------------------
    @property
    def radii(self):
        """Sorted distinct query–key distances: the BC likelihood is constant between them."""
        if self._radii is None:
            self._radii = self.lik.candidate_radii()
        return self._radii

    def radius_value(self, k):
        """The radius reported for the ``k``-th interval ``[r_k, r_{k+1})``: its midpoint."""
        r = self.radii
        return float(r[k]) if k + 1 >= len(r) else float(0.5 * (r[k] + r[k + 1]))

    def radius_rss(self, k, names, held, warm):
        """Minimal RSS over ``names`` at radius interval ``k`` (cached per ``held``)."""
        key = (k, tuple(sorted((n, v) for n, v in held.items() if n != "confidence")))
        if key not in self.radius_profile:
            x0 = np.array([to_working(n, warm[n]) for n in names])
            theta, total, _ = self.minimise(names, {**held, "confidence": float(self.radii[k])},
                                            [x0])
            self.radius_profile[key] = (total, theta)
        return self.radius_profile[key]

    def radius_search(self, names, held, warm, points=33):
        """Bracketing grid search over the radius intervals; returns ``(k, theta)``."""
        lo, hi = 0, len(self.radii) - 1
        while True:
            idx = np.unique(np.linspace(lo, hi, points).round().astype(int))
            scores = [self.radius_rss(int(k), names, held, warm)[0] for k in idx]
            pos = int(np.argmin(scores))
            warm = self.radius_rss(int(idx[pos]), names, held, warm)[1]
            if hi - lo + 1 <= points:
                return int(idx[pos]), warm
            lo, hi = int(idx[max(pos - 1, 0)]), int(idx[min(pos + 1, len(idx) - 1)])

    # ---- likelihood on the natural scale -------------------------------------------------
    def loglik(self, total):
        """Log-likelihood of an RSS (σ profiled when free, else at the fixed noise)."""
        return self.lik.loglik_from_rss(total, None if self.noise_free else self.noise)

    def sigma(self, total):
        """σ̂ when noise is free, else the fixed noise."""
        return math.sqrt(total / self.lik.n_obs) if self.noise_free else self.noise

    def check_degenerate(self, theta, total):
        """Raise when a free σ collapses to 0: the noise-free rule reproduces the panel."""
        if not self.noise_free:
            return
        change = self.lik.tr.Y - self.lik.tr.Q
        scale = math.sqrt(float(np.mean(change * change)))
        # A frozen panel has no change to compare with: use the opinions' own scale.
        reference = scale or math.sqrt(float(np.mean(self.lik.tr.Q ** 2))) or 1.0
        sigma = self.sigma(total)
        if sigma <= _DEGENERATE * reference:
            shown = ", ".join(f"{n} = {theta[n]:.6g}" for n in self.names + (
                ["confidence"] if self.radius_free else []))
            moved = f"the typical step-to-step change is {scale:.3g}" if scale > 0 else \
                "no opinion changes at all"
            raise OpinionSimError(
                f"degenerate likelihood: the noise-free rule reproduces the panel exactly "
                f"(residual σ̂ = {sigma:.3g}; {moved}), so noise = 0 and the Gaussian "
                "likelihood is unbounded: there are no standard errors, intervals or AIC. "
                + (f"The exact fit is {shown}. " if shown else "")
                + "Fix noise to a known value > 0 (fixed={'noise': ...}) to get a proper "
                "likelihood, or fit data that contain noise.")


def _projected_gradient(res, bounds):
    g = np.asarray(res.jac, dtype=np.float64)
    x = np.asarray(res.x)
    lo, hi = np.array(bounds).T
    g = np.where((x <= lo + 1e-9) & (g > 0), 0.0, g)
    g = np.where((x >= hi - 1e-9) & (g < 0), 0.0, g)
    return float(np.max(np.abs(g))) if len(g) else 0.0


# ---- argument checks ---------------------------------------------------------------------
def _check_free(free):
    if isinstance(free, str):
        free = (free,)
    try:
        free = tuple(free)
    except TypeError:
        raise OpinionSimError(
            f"free == {free!r}, must be a sequence of parameter names from "
            f"{', '.join(FITTABLE)}.") from None
    for name in free:
        if name not in FITTABLE:
            raise OpinionSimError(
                f"free names {name!r}, which cannot be fitted; free parameters are "
                f"{', '.join(FITTABLE)} (OpinionModel's scalar keywords).")
    if len(set(free)) != len(free):
        raise OpinionSimError(f"free == {free!r} names a parameter twice.")
    return free


def _check_fixed(fixed, free):
    fixed = dict(fixed or {})
    for key, value in fixed.items():
        if key not in FIXABLE:
            hint = (" (it is an argument of fit itself)" if key in ("rule", "affinity", "graph",
                                                                     "n_agents") else "")
            raise OpinionSimError(
                f"fixed names {key!r}, which is not a parameter of the update rule{hint}; "
                f"fixed may set {', '.join(FIXABLE)}.")
        if key in free:
            raise OpinionSimError(f"{key!r} is both free and fixed; name it in one of the two.")
    if fixed.get("activation", "synchronous") != "synchronous":
        raise OpinionSimError(
            f"fixed['activation'] == {fixed['activation']!r}, must be 'synchronous': the "
            "likelihood assumes every agent updates from the same previous opinions.")
    if fixed.get("opinion_space", "euclidean") != "euclidean":
        raise OpinionSimError(
            f"fixed['opinion_space'] == {fixed['opinion_space']!r}, must be 'euclidean': "
            "renormalising onto the sphere makes the noise non-Gaussian.")
    return fixed


def _check_start(start, free):
    start = dict(start or {})
    for key in start:
        if key not in free or key in ("noise", "confidence"):
            raise OpinionSimError(
                f"start names {key!r}, which is not a free parameter the optimiser starts from; "
                f"start may set {', '.join(n for n in free if n not in ('noise', 'confidence'))}.")
        value = start[key]
        low, high = (0.0, 1.0) if FITTABLE[key].scale == "logit" else (0.0, math.inf)
        if not isinstance(value, (int, float, np.floating, np.integer)) or isinstance(value, bool) \
                or not low < value < high:
            raise OpinionSimError(
                f"start[{key!r}] == {value!r}, must be a number in ({low}, {high}).")
    return start


def _validated_values(rule, affinity, free, fixed, start, panel, network):
    """Every rule parameter's value, validated by ``UpdateRule.create`` (defaults filled)."""
    kw = {k: v for k, v in fixed.items() if k not in ("include_self", "zealots", "activation",
                                                      "opinion_space", "heads")}
    for name in free:  # placeholders inside the allowed ranges; the fit replaces them
        kw[name] = start.get(name, {"confidence": 1.0, "noise": 1.0, "step_size": 0.5,
                                    "stubbornness": 0.2}.get(name, 1.0))
    heads = fixed.get("heads")
    rule_obj = UpdateRule.create(n=network.n, dim=panel.dim, rule=rule, affinity=affinity,
                                 heads=heads, **kw)
    if len(rule_obj.heads) != 1 or len(rule_obj.heads[0]) != panel.dim:
        raise OpinionSimError(
            f"fixed['heads'] == {heads!r}: fit supports one head over all {panel.dim} "
            "dimensions (heads=None).")
    return {name: getattr(rule_obj, name) for name in (
        "temperature", "step_size", "stubbornness", "salience", "key_norm_clip", "confidence",
        "noise")}


def _check_identified(rule, affinity, free, values):
    """Refuse parameters that do not act on the likelihood, or act only through another."""
    def refuse(name, why):
        raise OpinionSimError(f"free names {name!r}, which is not identified: {why}")

    for name in free:
        if name == "temperature" and rule != "attention":
            refuse(name, f"rule == {rule!r} has no temperature (only rule='attention' does).")
        if name == "confidence" and rule != "bounded_confidence":
            refuse(name, f"only rule='bounded_confidence' has a confidence radius (rule == {rule!r}).")
        if name in ("salience", "key_norm_clip"):
            if rule == "uniform" or (rule == "attention" and math.isinf(values["temperature"])
                                     and "temperature" not in free):
                refuse(name, "with uniform weights the keys do not matter.")
            if rule == "bounded_confidence":
                refuse(name, "under bounded confidence keys act only through a step function; "
                       "fix it and fit confidence instead.")
            if affinity == "cosine":
                refuse(name, "affinity='cosine' normalises the keys, so a scalar key scale "
                       "has no effect.")
            if np.ndim(values["salience"]) and name == "salience":
                refuse(name, "a per-agent salience cannot be free; fix it or pass a scalar start.")
    if affinity == "dot" and rule == "attention" and "temperature" in free and "salience" in free:
        refuse("salience", "with affinity='dot' a scalar salience s acts exactly as temperature/s "
               "(only temperature/salience is identified); fix salience (e.g. 1) and fit "
               "temperature.")


def _zealot_rows(zealots, network):
    if isinstance(zealots, (str, bytes)):
        raise OpinionSimError(f"fixed['zealots'] == {zealots!r}, must be a collection of node labels.")
    index = {node: i for i, node in enumerate(network.nodes)}
    try:
        return np.array([index[z] for z in zealots], dtype=np.intp)
    except (KeyError, TypeError) as exc:
        raise OpinionSimError(
            f"fixed['zealots'] names {exc.args[0]!r}, which is not a node of the network.") from None
    except Exception:
        raise OpinionSimError(
            f"fixed['zealots'] == {zealots!r}, must be a collection of node labels.") from None


def warn(message):
    """Emit a fit warning (one category, so users can filter them)."""
    warnings.warn(message, UserWarning, stacklevel=3)
