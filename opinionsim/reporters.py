"""Model-level reporters for the DataCollector: name → function of the model.

Reporters read the model's arrays directly (``model.opinions``,
``model.network``), never through the agents, so recording them every step
at N = 1e6 costs no per-agent Python loop.

Examples
--------
>>> from opinionsim import OpinionModel
>>> m = OpinionModel(n_agents=4, seed=0, reporters=["variance", "max_change"])
>>> m.run(2)
>>> list(m.datacollector.get_model_vars_dataframe().columns)
['step', 'variance', 'max_change']
"""

from __future__ import annotations

import numpy as np

from ._errors import OpinionSimError

__all__ = ["REPORTERS", "DEFAULT_REPORTERS", "build_reporters"]


def mean_opinion(model):
    """Mean opinion: the signed mean for dim == 1, the norm of the mean vector otherwise."""
    m = model.opinions.mean(axis=0)
    return float(m[0]) if model.dim == 1 else float(np.linalg.norm(m))


def variance(model):
    """Total opinion variance (trace of the population covariance)."""
    X = model.opinions
    return float(np.sum(X.var(axis=0)))


def max_change(model):
    """Largest Euclidean change of one agent's opinion in the latest step (0 at step 0)."""
    return float(model.last_change)


REPORTERS = {
    "mean_opinion": mean_opinion,
    "variance": variance,
    "max_change": max_change,
}

DEFAULT_REPORTERS = ("mean_opinion", "variance", "max_change")


def build_reporters(reporters, model=None):
    """Turn the ``reporters`` argument into the DataCollector's ``{column: callable}``.

    A ``step`` column (the model's step count) always comes first.
    """
    if reporters is None:
        reporters = DEFAULT_REPORTERS
    if isinstance(reporters, dict):
        items = list(reporters.items())
    elif isinstance(reporters, (str, bytes)) or not hasattr(reporters, "__iter__"):
        raise OpinionSimError(
            f"reporters == {reporters!r}, must be a list of reporter names/callables or a dict "
            f"{{column: name or callable}}; names: {', '.join(sorted(REPORTERS))}."
        )
    else:
        items = []
        for r in reporters:
            name = r if isinstance(r, str) else getattr(r, "__name__", repr(r))
            items.append((name, r))
    out = {"step": _step}
    for column, r in items:
        if isinstance(r, str):
            if r not in REPORTERS:
                raise OpinionSimError(
                    f"reporters names {r!r}, which is not a reporter; "
                    f"known: {', '.join(sorted(REPORTERS))} (or pass a callable model -> float)."
                )
            out[column] = REPORTERS[r]
        elif callable(r):
            out[column] = r
        else:
            raise OpinionSimError(f"reporters entry {r!r} is neither a reporter name nor a callable.")
    return out


def _step(model):
    return model.steps
