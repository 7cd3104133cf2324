"""Parameter sweeps: many seeded runs of :class:`~opinionsim.OpinionModel`, in parallel, resumable.

The public face of :mod:`opinionsim.experiments.sweep` (where the docs are);
the seeds and the plan are in :mod:`opinionsim.experiments.spec`.

Examples
--------
>>> from opinionsim.sweep import run_seed, sweep
>>> df = sweep({"n_agents": 10}, {"temperature": [0.5]}, seeds=2, steps=3,
...            metrics=["variance"], n_jobs=1, progress=False)
>>> df.seed.tolist() == [run_seed(0, {"temperature": 0.5}, r) for r in (0, 1)]
True
"""

from .experiments.spec import SWEEP_METRICS, default_metrics, run_seed
from .experiments.sweep import load_network, load_results, sweep

__all__ = ["sweep", "load_results", "load_network", "run_seed", "default_metrics",
           "SWEEP_METRICS"]
