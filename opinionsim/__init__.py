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

from . import interventions, metrics
from ._errors import OpinionSimError
from ._version import __version__
from .causal import AttentionShift, CausalEffect, attention_shift, causal_effect
from .inference import FitResult, compare_rules, fit
from .model import OpinionAgent, OpinionModel
from .sweep import load_results, sweep



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
    from ._kernels import set_num_threads as _set  # imports numba: only when asked

    return _set(int(n))


__all__ = [
    "OpinionModel",
    "OpinionAgent",
    "OpinionSimError",
    "metrics",
    "interventions",
    "causal_effect",
    "attention_shift",
    "CausalEffect",
    "AttentionShift",
    "sweep",
    "load_results",
    "fit",
    "compare_rules",
    "FitResult",
    "set_num_threads",
    "__version__",
]
