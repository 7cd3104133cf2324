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
>>> from opinionsim.dynamics import UpdateRule
>>> X = np.array([[0.0], [1.0]])
>>> rule = UpdateRule.create(n=2, dim=1, temperature=float("inf"), step_size=1.0)
>>> advance("synchronous", X, X, CompleteGraph(2), rule).ravel()
array([0.5, 0.5])
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._errors import OpinionSimError
from .influence import PLAIN, apply_update, social_mean
from .rule import UpdateRule

__all__ = ["Activation", "ACTIVATIONS", "advance", "synchronous", "random_sequential",
           "random_async"]


def synchronous(X, X0, adjacency, rule: UpdateRule, noise_eps=None, ctx=PLAIN):
    """All agents update from the same previous opinions ``X``; returns new opinions."""
    return apply_update(X, social_mean(X, adjacency, rule, ctx=ctx), X0, rule, noise_eps)


def random_async(X, X0, adjacency, rule: UpdateRule, active, noise_eps=None, ctx=PLAIN):
    """Agents where ``active`` is True update synchronously; the rest keep their opinions."""
    rows = np.flatnonzero(active)
    new = X.copy()
    if len(rows):
        social = social_mean(X, adjacency, rule, rows=rows, ctx=ctx)
        new[rows] = apply_update(X, social, X0, rule, noise_eps, rows=rows)
    return new


def random_sequential(X, X0, adjacency, rule: UpdateRule, order, noise_eps=None, ctx=PLAIN):
    """Agents update one at a time in ``order``, each from the latest opinions.

    This is the reference implementation (a Python loop over agents); the
    model uses a compiled kernel where one is available (see :func:`advance`).
    """
    X = X.copy()
    for i in order:
        rows = np.array([i])
        social = social_mean(X, adjacency, rule, rows=rows, ctx=ctx)
        X[i] = apply_update(X, social, X0, rule, noise_eps, rows=rows)[0]
    return X


@dataclass(frozen=True)
class Activation:
    """A registered activation regime.

    Attributes
    ----------
    name : str
    draw : callable ``(rng, n, rate) -> dict``
        The tick's random plan (``order`` and/or ``active``), from the step's
        own generator; None for a regime that draws nothing.
    reference : callable ``(X, X0, adjacency, rule, noise_eps, ctx, **plan) -> X_new``
    doc : str
    """

    name: str
    draw: Callable | None
    reference: Callable
    doc: str = ""


ACTIVATIONS = {
    "synchronous": Activation(
        "synchronous", None,
        synchronous,
        "Everyone updates from the previous state."),
    "random_sequential": Activation(
        "random_sequential", lambda rng, n, rate: {"order": rng.permutation(n)},
        lambda X, X0, adj, rule, noise_eps, ctx, order: random_sequential(
            X, X0, adj, rule, order, noise_eps, ctx),
        "Everyone updates once, in a random order, from the latest opinions."),
    "random_async": Activation(
        "random_async", lambda rng, n, rate: {"active": rng.random(n) < rate},
        lambda X, X0, adj, rule, noise_eps, ctx, active: random_async(
            X, X0, adj, rule, active, noise_eps, ctx),
        "Each agent activates with probability activation_rate."),
}


def advance(activation, X, X0, adjacency, rule: UpdateRule, *, noise_eps=None,
            activation_rng=None, activation_rate=1.0, ctx=PLAIN, byproducts=None):
    """One tick of ``activation`` (a name in :data:`ACTIVATIONS`); returns the new opinions.

    The activation draws are made here, always in the same way; the tick then
    runs through the compiled kernels of :mod:`opinionsim.kernels` where they
    support it, and through the reference functions above otherwise (the two
    agree to 1e-12; set ``OPINIONSIM_DISABLE_KERNELS=1`` to force the reference).
    ``byproducts``: a dict the kernels fill (see :func:`opinionsim.kernels.advance`);
    left untouched when the reference runs.
    """
    pairwise = rule.weighting.tick
    if pairwise is not None:  # the rule is a tick of its own (e.g. Deffuant's encounters)
        return pairwise(X, X0, adjacency, rule, ctx, activation_rng)
    regime = ACTIVATIONS[activation]
    plan = {}
    if regime.draw is not None:
        if activation_rng is None:
            raise TypeError(
                f"activation {activation!r} needs activation_rng (the step's generator).")
        plan = regime.draw(activation_rng, X.shape[0], activation_rate)
    new = _fast_advance(activation, X, X0, adjacency, rule, noise_eps, plan, ctx, byproducts)
    if new is not None:
        return new
    return regime.reference(X, X0, adjacency, rule, noise_eps, ctx, **plan)


_kernels = None  # opinionsim.kernels once imported (importing it imports numba)


def _fast_advance(activation, X, X0, adjacency, rule, noise_eps, plan, ctx, byproducts):
    global _kernels
    # Checked before importing the kernels, so a disabled run never imports numba.
    switch = os.environ.get("OPINIONSIM_DISABLE_KERNELS", "").strip().lower()
    if switch not in ("", "0", "false", "no"):
        return None
    kernels = _kernels
    if kernels is None:
        try:
            from .. import kernels
        except ImportError as exc:
            raise OpinionSimError(
                f"opinionsim's compiled kernels need numba, a required dependency, which failed "
                f"to import ({exc}). Reinstall it (pip install numba), or set "
                "OPINIONSIM_DISABLE_KERNELS=1 to run the much slower reference engine."
            ) from exc
        _kernels = kernels
    return kernels.advance(activation, X, X0, adjacency, rule, noise_eps=noise_eps,
                           order=plan.get("order"), active=plan.get("active"), ctx=ctx,
                           byproducts=byproducts)
