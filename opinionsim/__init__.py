"""opinionsim: agent-based simulation of opinion dynamics via attention.

Each agent attends to the agents it listens to with weights
``A_ij = softmax_j(S_ij / temperature)`` and moves toward the
attention-weighted mean opinion.

Examples
--------
>>> import opinionsim as osim
>>> model = osim.OpinionModel(n_agents=50, dim=2, temperature=0.1, seed=3)
>>> model.run(10)
>>> model.opinions.shape
(50, 2)
"""

from ._errors import OpinionSimError
from ._version import __version__
from .causal import AttentionShift, CausalEffect, attention_shift, causal_effect
from .sweep import load_results, sweep

# Loaded on first use, so that `opinionsim --help` and `import opinionsim.metrics` do not
# import Mesa (the model), pandas or scipy.stats: name -> (module, attribute or None).
_LAZY = {
    "OpinionModel": ("opinionsim.model", "OpinionModel"),
    "OpinionAgent": ("opinionsim.model", "OpinionAgent"),
    "ActivityDrivenModel": ("opinionsim.activity_model", "ActivityDrivenModel"),
    "metrics": ("opinionsim.metrics", None),
    "interventions": ("opinionsim.interventions", None),
    "dynamics": ("opinionsim.dynamics", None),
    "fit": ("opinionsim.inference", "fit"),
    "compare_rules": ("opinionsim.inference", "compare_rules"),
    "FitResult": ("opinionsim.inference", "FitResult"),
    "SourceSet": ("opinionsim.sources", "SourceSet"),
    "Unfollow": ("opinionsim.dynamics.rewiring", "Unfollow"),
    "Grid": ("opinionsim.experiments.design", "Grid"),
    "Random": ("opinionsim.experiments.design", "Random"),
    "LatinHypercube": ("opinionsim.experiments.design", "LatinHypercube"),
    "Sobol": ("opinionsim.experiments.design", "Sobol"),
    "sensitivity": ("opinionsim.experiments.sensitivity", "sensitivity"),
}


def __getattr__(name):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'opinionsim' has no attribute {name!r}") from None
    import importlib

    value = importlib.import_module(module)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))



def set_num_threads(n):
    """Use ``n`` threads per engine step from now on (default: the cores, or
    ``OPINIONSIM_NUM_THREADS``); returns the previous count.

    Sweep workers already limit themselves so that workers × threads ≤ cores.

    Examples
    --------
    >>> old = set_num_threads(1); _ = set_num_threads(old)
    """
    import numpy as np

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise OpinionSimError(f"n == {n!r}, must be an integer >= 1 (threads per step).")
    from .kernels import set_num_threads as _set  # imports numba: only when asked

    return _set(int(n))


__all__ = [
    "dynamics",
    "OpinionModel",
    "OpinionAgent",
    "ActivityDrivenModel",
    "OpinionSimError",
    "metrics",
    "interventions",
    "causal_effect",
    "attention_shift",
    "CausalEffect",
    "AttentionShift",
    "sweep",
    "load_results",
    "Grid",
    "Random",
    "LatinHypercube",
    "Sobol",
    "sensitivity",
    "fit",
    "compare_rules",
    "FitResult",
    "SourceSet",
    "Unfollow",
    "set_num_threads",
    "__version__",
]
