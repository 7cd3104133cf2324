"""Inference: fit the update rule to observed opinions, and compare rules.

- :func:`fit`: maximum-likelihood estimates of ``OpinionModel``'s parameters
  from a panel of opinions at consecutive steps, with standard errors, Wald and
  profile-likelihood intervals, AIC and BIC (:class:`FitResult`).
- :func:`compare_rules`: the same panel under several rules (attention with
  each affinity, DeGroot, bounded confidence, Friedkin–Johnsen), ranked by AIC
  with Akaike weights.

The likelihood (:mod:`.likelihood`) is exact for synchronous updates with
Gaussian noise; :mod:`.panel` reads arrays and tidy tables with missing values.
"""

from .compare import CANDIDATES, compare_rules
from .estimation import fit
from .result import FitResult

__all__ = ["fit", "FitResult", "compare_rules", "CANDIDATES"]
