"""The update rule (import path kept): see :mod:`opinionsim.dynamics`.

:class:`UpdateRule` and the reference update now live in
:mod:`opinionsim.dynamics.rule` and :mod:`opinionsim.dynamics.influence`;
this module keeps ``from opinionsim.rules import UpdateRule`` working.
"""

from .dynamics.influence import apply_update, social_mean
from .dynamics.rule import UpdateRule

OPINION_SPACES = ("euclidean", "sphere")

__all__ = ["OPINION_SPACES", "UpdateRule", "social_mean", "apply_update"]
