"""Experiments: many seeded runs of a model and what is estimated from them.

- :mod:`.spec`: what an experiment is before it runs: the shared argument
  checks, the canonical sweep spec and its hash, the plan of runs, and the
  one meaning of ``seeds`` (the replicates) and ``seed`` (the base seed of
  their model seeds, :func:`~.spec.run_seed`).
- :mod:`.executor`: where runs execute, for sweeps and causal effects alike:
  this process, local worker processes (``n_jobs``; ``None`` or ``-1`` all
  cores) or any :class:`concurrent.futures.Executor`; failures become records.
- :mod:`.sweep`: :func:`~.sweep.sweep` and :func:`~.sweep.load_results`, with
  :mod:`.table` (the tidy table) and :mod:`.storage` (the sweep directory).
- :mod:`.causal`: :func:`~.causal.causal_effect` and
  :func:`~.causal.attention_shift`, paired over seeds; :mod:`.arms` runs the
  two arms of one seed.
- :mod:`.design`: which points a sweep runs (a grid, random, Latin
  hypercube or Sobol' samples of ranges); :mod:`.sensitivity`: Sobol'
  indices of an outcome over a Sobol design.
- :mod:`.stats`: the one place where confidence intervals are computed
  (Student-t intervals of a mean over seeds, paired differences).

The public names are re-exported by :mod:`opinionsim.sweep` and
:mod:`opinionsim.causal`.
"""
