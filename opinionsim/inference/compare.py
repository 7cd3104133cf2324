r"""Which update rule does a panel support? Likelihood, AIC, BIC and Akaike weights.

Each candidate is a named :func:`~opinionsim.fit` specification (rule, affinity
and free parameters) in :data:`CANDIDATES`; :func:`compare_rules` fits them all
to the same transitions and ranks them by AIC. With
:math:`\Delta_k = AIC_k - \min_l AIC_l`, the Akaike weight

.. math::

    w_k = \frac{\exp(-\Delta_k/2)}{\sum_l \exp(-\Delta_l/2)}

is the weight of evidence for candidate ``k`` among those compared [1]_. A
candidate within :data:`INDISTINGUISHABLE_DELTA_AIC` of the best is reported as
*not distinguishable* from it (Burnham and Anderson's rule of thumb: models
within 2 AIC units both have substantial support).

Bounded confidence estimates its radius by a 1-D search over the distinct
query–key distances (the likelihood is a step function of it; see
:mod:`opinionsim.inference.estimation`). Friedkin–Johnsen is DeGroot averaging with a
free stubbornness anchoring every agent to the panel's first step.

References
----------
.. [1] Burnham, K. P., Anderson, D. R. (2002). Model Selection and Multimodel
   Inference, 2nd ed. Springer, §2.6 and §2.9.
.. [2] Hegselmann, R., Krause, U. (2002). Opinion dynamics and bounded
   confidence. JASSS 5(3).
.. [3] Friedkin, N. E., Johnsen, E. C. (1990). Social influence and opinions.
   J. Math. Sociology 15, 193–206.

Examples
--------
>>> import networkx as nx, numpy as np, opinionsim as osim
>>> g = nx.watts_strogatz_graph(60, 6, 0.1, seed=1)
>>> m = osim.OpinionModel(graph=g, temperature=float("inf"), noise=0.05, seed=3,
...                       record_opinions=True, reporters=[])
>>> m.run(10)
>>> X = np.stack([x for _, x in m.opinion_history])
>>> table = osim.compare_rules(X, g, rules=["uniform", "friedkin_johnsen"], seed=0)
>>> list(table.columns[:4])
['rule', 'affinity', 'n_params', 'loglik']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import OpinionSimError
from .estimation import fit

__all__ = ["Candidate", "CANDIDATES", "DEFAULT_RULES", "INDISTINGUISHABLE_DELTA_AIC",
           "compare_rules"]

#: Candidates closer than this in AIC to the best are "not distinguishable" from it.
INDISTINGUISHABLE_DELTA_AIC = 2.0


@dataclass(frozen=True)
class Candidate:
    """One rule to compare: what :func:`~opinionsim.fit` is called with."""

    rule: str
    affinity: str
    free: tuple
    doc: str


#: Name → candidate. ``compare_rules(rules=[...])`` takes names from here.
CANDIDATES = {
    "attention-dot": Candidate("attention", "dot", ("temperature", "step_size", "noise"),
                               "softmax attention on scaled dot products"),
    "attention-cosine": Candidate("attention", "cosine", ("temperature", "step_size", "noise"),
                                  "softmax attention on cosine similarity"),
    "attention-distance": Candidate("attention", "distance",
                                    ("temperature", "step_size", "noise"),
                                    "softmax attention on negative squared distance"),
    "uniform": Candidate("uniform", "dot", ("step_size", "noise"),
                         "DeGroot: equal weights over whom one listens to"),
    "bounded_confidence": Candidate("bounded_confidence", "dot",
                                    ("confidence", "step_size", "noise"),
                                    "Hegselmann–Krause: equal weights within a radius"),
    "friedkin_johnsen": Candidate("uniform", "dot", ("stubbornness", "step_size", "noise"),
                                  "DeGroot with stubborn anchoring to the first step"),
}
DEFAULT_RULES = tuple(CANDIDATES)


def compare_rules(observed, graph=None, rules=DEFAULT_RULES, *, n_agents=None, fixed=None,
                  seed=None, n_starts=4):
    """Fit several update rules to one panel and rank them by AIC.

    Parameters
    ----------
    observed, graph, n_agents
        As in :func:`~opinionsim.fit`.
    rules : sequence of str or dict
        Names from :data:`CANDIDATES` (default: all of them), or a dict mapping
        your own names to :class:`Candidate` objects.
    fixed : dict, optional
        Known values shared by every candidate (e.g. ``{"include_self": False}``);
        a parameter fixed here is not estimated by any candidate.
    seed : int, optional
        Seeds each fit's starting points (the same seed for every candidate).
    n_starts : int
        Starts per fit.

    Returns
    -------
    pandas.DataFrame
        One row per candidate, best first, indexed by name: ``rule``,
        ``affinity``, ``n_params``, ``loglik``, ``aic``, ``bic``, ``delta_aic``,
        ``akaike_weight``, ``verdict`` (``"best"``, ``"not distinguishable from
        the best"`` or ``"worse"``), ``converged``, ``estimates`` and ``notes``
        (the fit's warnings). ``table.attrs["summary"]`` says in a sentence which
        rule the data support, or that the leaders are not distinguishable;
        ``table.attrs["distinguishable"]`` is False in that case.
    """
    candidates = _candidates(rules)
    fixed = dict(fixed or {})
    rows = {}
    for name, cand in candidates.items():
        free = tuple(p for p in cand.free if p not in fixed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = fit(observed, graph, n_agents=n_agents, free=free, fixed=fixed, rule=cand.rule,
                      affinity=cand.affinity, seed=seed, n_starts=n_starts)
        rows[name] = {
            "rule": cand.rule, "affinity": cand.affinity if cand.rule == "attention" else "",
            "n_params": len(free), "loglik": res.loglik, "aic": res.aic, "bic": res.bic,
            "converged": res.converged,
            "estimates": ", ".join(f"{k}={v:.4g}" for k, v in res.params.items()),
            "notes": " | ".join(str(w.message) for w in caught),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    delta = table["aic"] - table["aic"].min()
    weight = np.exp(-delta / 2.0)
    table.insert(6, "delta_aic", delta)
    table.insert(7, "akaike_weight", weight / weight.sum())
    table = table.sort_values("aic", kind="stable")
    verdict = np.where(table["delta_aic"] <= INDISTINGUISHABLE_DELTA_AIC,
                       "not distinguishable from the best", "worse")
    verdict[0] = "best"
    table.insert(8, "verdict", verdict)
    table.attrs.update(_summary(table))
    return table


def _candidates(rules):
    if isinstance(rules, dict):
        for name, cand in rules.items():
            if not isinstance(cand, Candidate):
                raise OpinionSimError(
                    f"rules[{name!r}] is a {type(cand).__name__}, must be a Candidate(rule, "
                    "affinity, free, doc).")
        out = dict(rules)
    elif isinstance(rules, str):
        raise OpinionSimError(
            f"rules == {rules!r}, must be a list of names (e.g. [{rules!r}]) from "
            f"{', '.join(CANDIDATES)}.")
    else:
        out = {}
        for name in rules:
            if name not in CANDIDATES:
                raise OpinionSimError(
                    f"rules names {name!r}, which is not a candidate; known: "
                    f"{', '.join(CANDIDATES)} (or pass a dict of Candidate objects).")
            out[name] = CANDIDATES[name]
    if len(out) < 2:
        raise OpinionSimError(f"rules == {list(out)!r}: a comparison needs at least two rules.")
    return out


def _summary(table):
    best = table.index[0]
    close = table.index[1:][table["delta_aic"].iloc[1:] <= INDISTINGUISHABLE_DELTA_AIC]
    if len(close):
        names = [best, *close]
        weights = ", ".join(f"{n} {table.loc[n, 'akaike_weight']:.2f}" for n in names)
        text = (f"not distinguishable: {', '.join(names)} are within "
                f"{INDISTINGUISHABLE_DELTA_AIC:g} AIC units of the best (Akaike weights "
                f"{weights}); the panel does not tell these rules apart.")
        return {"summary": text, "best": best, "distinguishable": False}
    runner = table.index[1]
    text = (f"{best} is preferred (Akaike weight {table.loc[best, 'akaike_weight']:.3f}); "
            f"next: {runner}, ΔAIC = {table.loc[runner, 'delta_aic']:.1f}.")
    return {"summary": text, "best": best, "distinguishable": True}
