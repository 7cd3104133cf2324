"""Activation regimes (import path kept): see :mod:`opinionsim.dynamics.activation`.

Keeps ``from opinionsim.scheduler import advance, synchronous, …`` working.
"""

from .dynamics.activation import ACTIVATIONS, advance, random_async, random_sequential, synchronous

__all__ = ["ACTIVATIONS", "advance", "synchronous", "random_sequential", "random_async"]
