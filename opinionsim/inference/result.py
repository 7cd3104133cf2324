"""What a fit returns: estimates, standard errors, intervals, information criteria.

Standard errors come from the observed information, the negative Hessian of
the log-likelihood at the estimate, obtained by central differences of the
exact gradient on the working scale (log T, logit a, log σ, ...). Wald
intervals are built on that working scale and mapped back, so they respect
each parameter's range; ``stderr`` is the delta-method standard error on the
natural scale. Profile-likelihood intervals invert the likelihood-ratio test:
``{θ_k : 2[ℓ̂ − max_{others} ℓ(θ_k, others)] ≤ χ²_1(level)}``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .._errors import OpinionSimError
from .estimation import _SAME_MAXIMUM, warn
from .likelihood import FITTABLE, dnatural, to_natural, to_working

__all__ = ["FitResult"]

#: Central-difference step on the working scale for the Hessian.
_HESSIAN_STEP = 1e-4
#: Eigenvalues of the (unit-diagonal) information below this are treated as zero.
_SINGULAR = 1e-8


class FitResult:
    """The maximum-likelihood fit of an update rule to an opinion panel.

    Attributes
    ----------
    params : pandas.Series
        Estimates of the free parameters (natural scale), indexed by name.
    stderr : pandas.Series
        Standard errors from the observed information (NaN for the
        bounded-confidence radius, whose likelihood is a step function, and for
        estimates at the edge of their range; inf where not identified).
    loglik, aic, bic : float
        Maximised log-likelihood; ``AIC = 2k − 2ℓ``, ``BIC = k log n − 2ℓ`` with
        ``k`` free parameters and ``n = n_obs`` scalar observations.
    converged : bool
        Whether the best local optimisation converged.
    n_terms, n_dropped, n_obs : int
        Transitions fitted, transitions dropped because their mean reads a
        missing value, and scalar observations (``n_terms × dim``).
    starts_agreeing : int
        How many of the starts reached the same maximum (within 0.01 in ℓ).
    warnings : list of str
        What was warned about during the fit (singular information, edges).
    rule, affinity : str
    fixed : dict
        Every other rule parameter's value used in the fit.
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def _from_problem(cls, problem, theta, total, runs):
        problem.check_degenerate(theta, total)
        lik = problem.lik
        sigma = problem.sigma(total)
        estimate = {**theta, "noise": sigma}
        loglik = problem.loglik(total)
        k = len(problem.free)
        best_ll = max(problem.loglik(r) for r, _ in runs)
        agreeing = sum(best_ll - problem.loglik(r) < _SAME_MAXIMUM for r, _ in runs)
        messages = []
        edge = [n for n in problem.names if problem.at_bound(n, theta[n])]
        for name in edge:
            messages.append(_edge_message(problem, name, theta[name]))
        info_names = [n for n in problem.names if n not in edge] + \
            (["noise"] if problem.noise_free else [])
        info = _information(problem, estimate, info_names)
        cov, null_message = _covariance(info, info_names, problem)
        if null_message:
            messages.append(null_message)
        for m in messages:
            warn(m)
        se_working = pd.Series(np.sqrt(np.maximum(np.diag(cov), 0.0)) if len(info_names) else [],
                               index=info_names, dtype=np.float64)
        params = pd.Series({n: float(estimate[n]) for n in problem.free}, dtype=np.float64)
        stderr = pd.Series({n: float(se_working[n] * dnatural(n, estimate[n]))
                            if n in se_working.index else math.nan for n in problem.free},
                           dtype=np.float64)
        fixed = {n: v for n, v in lik.values.items() if n not in problem.free}
        fixed.update({k2: v for k2, v in problem.fixed.items() if k2 not in fixed})
        return cls(params=params, stderr=stderr, loglik=float(loglik),
                   aic=float(2 * k - 2 * loglik), bic=float(k * math.log(lik.n_obs) - 2 * loglik),
                   converged=bool(min(runs)[1]), n_terms=lik.n_terms,
                   n_dropped=lik.tr.n_dropped, n_obs=lik.n_obs, starts_agreeing=int(agreeing),
                   n_starts=len(runs), warnings=messages, rule=lik.rule, affinity=lik.affinity,
                   fixed=fixed, free=problem.free, at_edge=tuple(edge),
                   _problem=problem, _theta=theta, _rss=total, _se_working=se_working)

    # ---- intervals ----------------------------------------------------------------------
    def ci(self, level=0.95, method="wald"):
        """Confidence intervals of the free parameters.

        Parameters
        ----------
        level : float in (0, 1)
        method : {"wald", "profile"}
            ``"wald"``: ``η̂ ± z·se(η̂)`` on the working scale, mapped back.
            ``"profile"``: where the profile log-likelihood drops by
            ``χ²_1(level)/2`` (slower: one optimisation per evaluation). For
            the bounded-confidence radius, whose likelihood is a step function
            (Wilks' theorem does not apply), this is a likelihood region with
            edges bisected over the distinct distances, not a calibrated interval.

        Returns
        -------
        pandas.DataFrame
            Indexed by parameter, columns ``low`` and ``high``. A side that the
            data do not bound is the edge of the parameter's range (0, 1 or inf);
            NaN where the method does not apply (Wald for the radius, whose
            likelihood is a step function, and for estimates at an edge).
        """
        if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) \
                or not 0 < level < 1:
            raise OpinionSimError(f"level == {level!r}, must be in (0, 1).")
        if method not in ("wald", "profile"):
            raise OpinionSimError(f"method == {method!r}, must be one of 'wald', 'profile'.")
        rows = {}
        for name in self.free:
            rows[name] = self._wald(name, level) if method == "wald" else \
                self._profile_interval(name, level)
        return pd.DataFrame.from_dict(rows, orient="index", columns=["low", "high"])

    def _wald(self, name, level):
        if name not in self._se_working.index:
            return (math.nan, math.nan)
        se = self._se_working[name]
        eta = to_working(name, self.params[name])
        from scipy.stats import norm

        z = norm.ppf(0.5 + level / 2)
        if not np.isfinite(se):
            return _natural_range(name)
        return (to_natural(name, eta - z * se), to_natural(name, eta + z * se))

    def profile(self, name, values):
        """The profile log-likelihood of ``name`` at ``values`` (the others re-optimised).

        Returns
        -------
        pandas.DataFrame
            Columns ``name`` (the values) and ``loglik``.

        Examples
        --------
        A figure of the profile of T:
        ``res.profile("temperature", np.geomspace(0.1, 1, 30)).plot(x="temperature")``.
        """
        if name not in self.free:
            raise OpinionSimError(
                f"name == {name!r}, must be a free parameter of this fit: {', '.join(self.free)}.")
        values = np.atleast_1d(np.asarray(values, dtype=np.float64))
        return pd.DataFrame({name: values, "loglik": [self._profile_loglik(name, v)
                                                      for v in values]})

    def _profile_loglik(self, name, value):
        problem = self._problem
        if name == "noise":
            return problem.lik.loglik_from_rss(self._rss, float(value))
        if name == "confidence":
            k = int(np.searchsorted(problem.radii, value, side="right")) - 1
            if k < 0:
                k = 0
            names = [n for n in problem.names]
            return problem.loglik(problem.radius_rss(k, names, {}, self._theta)[0])
        _, total = problem.best_given({name: float(value)}, self._theta)
        return problem.loglik(total)

    def _profile_interval(self, name, level):
        if name == "confidence":
            return self._radius_interval(level)
        from scipy.optimize import brentq

        target = self.loglik - _chi2_half(level)
        se = self._se_working.get(name, math.nan)
        step = 2.0 * se if np.isfinite(se) and se > 0 else 0.5
        lo, hi = self._problem.bounds(name) if name != "noise" else (-math.inf, math.inf)
        eta_hat = min(max(to_working(name, self.params[name]), lo), hi)
        upper_edge = name in self.at_edge and self._problem.at_upper(name, self.params[name])

        def gap(eta):
            return self._profile_loglik(name, to_natural(name, eta)) - target

        out = []
        for direction in (-1.0, 1.0):
            if name in self.at_edge and (direction > 0) == upper_edge:
                out.append(_natural_range(name)[0 if direction < 0 else 1])  # the maximum's side
                continue
            inner, outer = eta_hat, eta_hat + direction * step
            found = False
            for _ in range(40):
                outer = min(max(outer, lo), hi)
                if gap(outer) < 0:
                    found = True
                    break
                if outer in (lo, hi):
                    break
                inner, outer = outer, eta_hat + 2.0 * (outer - eta_hat)  # double the distance
            if not found:
                out.append(_natural_range(name)[0 if direction < 0 else 1])
                continue
            root = brentq(gap, min(inner, outer), max(inner, outer), xtol=1e-6)
            out.append(to_natural(name, root))
        return tuple(out)

    def _radius_interval(self, level):
        """The radii whose profile is within ``χ²_1(level)/2`` of the maximum (edges bisected)."""
        problem = self._problem
        names = list(problem.names)
        target = self.loglik - _chi2_half(level)

        def accepted(k):
            return problem.loglik(problem.radius_rss(k, names, {}, self._theta)[0]) >= target

        best = int(np.searchsorted(problem.radii, self._theta["confidence"], side="right")) - 1
        n = len(problem.radii)
        edges = []
        for direction in (-1, 1):
            inside, step = best, 1
            outside = None
            while True:  # walk out in doubling steps until a radius is rejected
                k = inside + direction * step
                if k < 0 or k >= n:
                    break
                if accepted(k):
                    inside, step = k, step * 2
                else:
                    outside = k
                    break
            while outside is not None and abs(outside - inside) > 1:
                mid = (inside + outside) // 2
                inside, outside = (mid, outside) if accepted(mid) else (inside, mid)
            if direction < 0:
                edges.append(float(problem.radii[inside]) if outside is not None else 0.0)
            else:
                edges.append(float(problem.radii[inside + 1]) if inside + 1 < n else math.inf)
        return tuple(edges)

    # ---- the fitted model ---------------------------------------------------------------
    def model(self, *, initial_opinions=None, seed=None, **kwargs):
        """An :class:`~opinionsim.OpinionModel` at the estimate (noise = σ̂).

        ``initial_opinions`` defaults to the panel's first step (which must then be
        fully observed); other keyword arguments go to ``OpinionModel``.
        """
        from ..model import OpinionModel

        problem = self._problem
        if initial_opinions is None:
            X0 = problem.panel.X[0]
            if not problem.panel.observed[0].all():
                raise OpinionSimError(
                    "initial_opinions == None, but the panel's first step has missing agents; "
                    "pass initial_opinions=<array (N, dim)>.")
            initial_opinions = X0
        values = {**problem.lik.values, **self._theta, "noise": float(self.params.get(
            "noise", problem.noise))}
        rule_kw = {k: v for k, v in values.items() if k != "confidence" or v is not None}
        extra = {k: v for k, v in problem.fixed.items() if k not in rule_kw}
        where = {"graph": problem.graph} if problem.graph is not None else \
            {"n_agents": problem.n_agents}
        return OpinionModel(**where, dim=problem.panel.dim, rule=self.rule, affinity=self.affinity,
                            initial_opinions=initial_opinions, seed=seed,
                            **{**rule_kw, **extra, **kwargs})

    # ---- text ---------------------------------------------------------------------------
    def summary(self, level=0.95):
        """A readable report: data, fit quality, estimates with Wald intervals, warnings."""
        p = self._problem.panel
        wald = self.ci(level, "wald")
        lines = [
            f"opinionsim fit: rule={self.rule!r}"
            + (f", affinity={self.affinity!r}" if self.rule == "attention" else "")
            + "; synchronous update with Gaussian noise",
            f"panel: {p.n_steps + 1} steps x {p.n_agents} agents x {p.dim} dim; "
            f"{self.n_terms} transitions fitted, {self.n_dropped} dropped (mean reads a "
            "missing value)",
            f"log-likelihood {self.loglik:.4f}   AIC {self.aic:.4f}   BIC {self.bic:.4f}   "
            f"({len(self.free)} parameters, {self.n_obs} observations)",
            f"optimiser: {'converged' if self.converged else 'NOT converged'}; "
            f"{self.starts_agreeing} of {self.n_starts} starts reached the maximum",
            "",
            f"{'parameter':<15}{'estimate':>12}{'std.err':>12}   {int(level * 100)}% Wald interval",
        ]
        for name in self.free:
            low, high = wald.loc[name]
            interval = "n/a (step-function likelihood: use method='profile')" \
                if name == "confidence" else ("n/a (at the edge)" if name in self.at_edge
                                              else f"[{low:.6g}, {high:.6g}]")
            lines.append(f"{name:<15}{self.params[name]:>12.6g}{self.stderr[name]:>12.4g}   "
                         f"{interval}")
        shown = {k: v for k, v in self.fixed.items() if _acts(k, self.rule) and v is not None
                 and not isinstance(v, np.ndarray)}
        lines += ["", "fixed: " + ", ".join(f"{k}={v!r}" for k, v in shown.items())]
        lines += [f"warning: {m}" for m in self.warnings]
        return "\n".join(lines)

    def __repr__(self):
        est = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return (f"FitResult(rule={self.rule!r}, affinity={self.affinity!r}, {est}, "
                f"loglik={self.loglik:.4f}, converged={self.converged})")


def _acts(name, rule):
    """Whether a rule parameter acts under ``rule`` (the others are not worth printing)."""
    if name == "temperature":
        return rule == "attention"
    if name == "confidence":
        return rule == "bounded_confidence"
    if name in ("salience", "key_norm_clip"):
        return rule != "uniform"
    return True


def _chi2_half(level):
    """Half the ``level`` quantile of χ²₁: the log-likelihood drop at the interval's ends."""
    from scipy.stats import chi2

    return float(chi2.ppf(level, 1)) / 2.0


def _natural_range(name):
    return (0.0, 1.0) if FITTABLE[name].scale == "logit" else (0.0, math.inf)


def _information(problem, estimate, names):
    """Observed information on the working scale: −Hessian by central differences of the gradient."""
    if not names:
        return np.zeros((0, 0))
    eta0 = np.array([to_working(n, estimate[n]) for n in names])

    def gradient(eta):
        theta = {n: to_natural(n, e) for n, e in zip(names, eta)}
        noise = theta.pop("noise", estimate["noise"])
        held = {k: v for k, v in estimate.items() if k not in names and k != "noise"}
        return problem.lik.loglik_gradient({**held, **theta}, noise, names)

    H = np.empty((len(names), len(names)))
    for j in range(len(names)):
        e = np.zeros(len(names))
        e[j] = _HESSIAN_STEP
        H[:, j] = (gradient(eta0 + e) - gradient(eta0 - e)) / (2 * _HESSIAN_STEP)
    return -(H + H.T) / 2.0


def _covariance(info, names, problem):
    """Inverse information, and a message naming what is not identified when it is singular."""
    if not names:
        return np.zeros((0, 0)), None
    d = np.diag(info).copy()
    if np.all(d > 0):
        scaled = info / np.sqrt(np.outer(d, d))
        lam, U = np.linalg.eigh(scaled)
        null = lam <= _SINGULAR * max(lam.max(), 1.0)
        if not null.any():
            return np.linalg.inv(info), None
        V = U[:, null] / np.sqrt(d)[:, None]
    else:
        V = np.eye(len(names))[:, d <= 0]
    loads = np.abs(V).max(axis=1) > 1e-3 * np.abs(V).max()
    cov = np.full((len(names), len(names)), math.inf)
    keep = ~loads
    if keep.any():
        cov[np.ix_(keep, keep)] = np.linalg.inv(info[np.ix_(keep, keep)])
    return cov, _null_message(V[:, 0], names, problem)


def _null_message(v, names, problem):
    """Say which direction the likelihood is flat in, and what is still identified."""
    v = v / np.abs(v).max()
    big = [(n, x) for n, x in zip(names, v) if abs(x) > 1e-3]
    if len(big) == 1:
        name = big[0][0]
        text = (f"the information matrix is singular: the likelihood is flat in {name}, which "
                "the data do not identify")
    else:
        moves = " and ".join(f"{x:+.3g}·{_coord(n)}" for n, x in big)
        text = (f"the information matrix is singular: moving {moves} together leaves the "
                "likelihood unchanged")
        if len(big) == 2:
            (p, vp), (q, vq) = big
            text += (f"; only the combination {_combination(p, vq, q, -vp)} is identified")
    if problem.lik.affinity == "distance" and any(n == "temperature" for n, _ in big):
        text += ("; with affinity='distance', scaling all opinions by c is the same as scaling "
                 "T by c², so T is identified only relative to the squared opinion scale "
                 "(T/scale² is what the data determine)")
    return text + ". Standard errors of the parameters involved are reported as inf."


def _coord(name):
    return {"log": f"log {name}", "logit": f"logit {name}"}[FITTABLE[name].scale]


def _combination(p, wp, q, wq):
    """``wp·coord(p) + wq·coord(q)`` written as a ratio when both are log-scale."""
    if FITTABLE[p].scale == FITTABLE[q].scale == "log":
        r = wq / wp
        power = "" if abs(abs(r) - 1) < 1e-2 else f"^{abs(r):.3g}"
        op = "/" if r < 0 else "·"
        return f"{p}{op}{q}{power}"
    return f"{wp:+.3g}·{_coord(p)} {wq:+.3g}·{_coord(q)}"


def _edge_message(problem, name, value):
    """Why an estimate ran to the edge of its search range, in words."""
    upper = problem.at_upper(name, value)
    if name == "temperature" and math.isinf(value):
        return ("temperature = inf: uniform attention (DeGroot) fits at least as well as any "
                "finite temperature, so only a lower bound on T is identified (see the profile "
                "interval); no standard error is reported.")
    if value in _natural_range(name):
        return (f"{name} = {value:g}, the limit of its range, fits at least as well as any value "
                "inside it; only a one-sided bound is identified (see the profile interval), and "
                "no standard error is reported.")
    if name == "temperature" and upper:
        return ("temperature ran to the top of its search range (T = %.3g, 1e8 times the "
                "spread of the scores): the data are consistent with uniform attention "
                "(T = inf, DeGroot); only a lower bound on T is identified." % value)
    if name == "temperature":
        return ("temperature ran to the bottom of its search range (T = %.3g): attention is "
                "effectively hard (each agent follows its top-scoring neighbour); only an "
                "upper bound on T is identified." % value)
    side = "upper" if upper else "lower"
    return (f"{name} ran to the {side} edge of its search range ({name} = {value:.3g}); its "
            "maximum lies at the boundary, so no standard error is reported.")
