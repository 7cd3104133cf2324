"""Activation regimes: who updates when within one tick, from which opinions.

- ``"synchronous"``: every agent updates from the same previous state (two
  buffers: the new opinions are computed from the old ones in one call).
- ``"random_sequential"``: every agent updates once per tick, in a fresh
  random order, each seeing the latest opinions (those already updated this
  tick included). This is what Mesa's ``model.agents.shuffle_do("step")``
  does with agents whose ``step`` updates their own opinion in place.
- ``"random_async"``: each agent activates independently with probability
  ``activation_rate``; the activated agents update synchronously from the
  previous state, the others keep their opinions.

The order and the activation coins come from the step's own generator (see
:mod:`opinionsim._random`), so two models that differ only by an intervention
activate the same agents in the same order.

Examples
--------
>>> import numpy as np
>>> from opinionsim.engine import CompleteGraph
>>> from opinionsim.rules import UpdateRule
>>> X = np.array([[0.0], [1.0]])
>>> rule = UpdateRule.create(n=2, dim=1, temperature=float("inf"), step_size=1.0)
>>> advance("synchronous", X, X, CompleteGraph(2), rule).ravel()
array([0.5, 0.5])
"""

from __future__ import annotations

import os

import numpy as np

from .rules import UpdateRule, apply_update, social_mean

__all__ = ["ACTIVATIONS", "advance", "synchronous", "random_sequential", "random_async"]

ACTIVATIONS = ("synchronous", "random_sequential", "random_async")


def synchronous(X, X0, adjacency, rule: UpdateRule, noise_eps=None):
    """All agents update from the same previous opinions ``X``; returns new opinions."""
    return apply_update(X, social_mean(X, adjacency, rule), X0, rule, noise_eps)


def random_async(X, X0, adjacency, rule: UpdateRule, active, noise_eps=None):
    """Agents where ``active`` is True update synchronously; the rest keep their opinions."""
    rows = np.flatnonzero(active)
    new = X.copy()
    if len(rows):
        social = social_mean(X, adjacency, rule, rows=rows)
        new[rows] = apply_update(X, social, X0, rule, noise_eps, rows=rows)
    return new


def random_sequential(X, X0, adjacency, rule: UpdateRule, order, noise_eps=None):
    """Agents update one at a time in ``order``, each from the latest opinions.

    This is the reference implementation (a Python loop over agents); the
    model uses a compiled kernel where one is available (see :func:`advance`).
    """
    X = X.copy()
    for i in order:
        rows = np.array([i])
        social = social_mean(X, adjacency, rule, rows=rows)
        X[i] = apply_update(X, social, X0, rule, noise_eps, rows=rows)[0]
    return X


def advance(activation, X, X0, adjacency, rule: UpdateRule, *, noise_eps=None,
            activation_rng=None, activation_rate=1.0):
    """One tick of ``activation`` (one of :data:`ACTIVATIONS`); returns the new opinions.

    The activation draws are made here, always in the same way; the tick then
    runs through the compiled kernels of :mod:`opinionsim._kernels` where they
    apply, and through the reference functions above otherwise (the two agree
    to 1e-12; set ``OPINIONSIM_DISABLE_KERNELS=1`` to force the reference).
    """
    order = active = None
    if activation != "synchronous":
        if activation_rng is None:
            raise TypeError(
                f"activation {activation!r} needs activation_rng (the step's generator).")
        if activation == "random_sequential":
            order = activation_rng.permutation(X.shape[0])
        else:
            active = activation_rng.random(X.shape[0]) < activation_rate
    new = _fast_advance("random_async" if active is not None else activation, X, X0, adjacency,
                        rule, noise_eps, order, active)
    if new is not None:
        return new
    if activation == "synchronous":
        return synchronous(X, X0, adjacency, rule, noise_eps)
    if activation == "random_sequential":
        return random_sequential(X, X0, adjacency, rule, order, noise_eps)
    return random_async(X, X0, adjacency, rule, active, noise_eps)


def _fast_advance(activation, X, X0, adjacency, rule, noise_eps, order, active):
    # Checked before importing the kernels, so a disabled run never imports numba.
    switch = os.environ.get("OPINIONSIM_DISABLE_KERNELS", "").strip().lower()
    if switch not in ("", "0", "false", "no"):
        return None
    from . import _kernels

    return _kernels.advance(activation, X, X0, adjacency, rule, noise_eps=noise_eps,
                            order=order, active=active)
