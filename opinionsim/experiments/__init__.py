"""Experiments: many seeded runs of a model and what is estimated from them.

- :mod:`.stats`: the one place where confidence intervals are computed
  (Student-t intervals of a mean over seeds, paired differences).
"""
