"""Social influence under an :class:`~opinionsim.dynamics.UpdateRule`: the reference update.

:func:`social_mean` is what each agent hears (head by head), and
:func:`apply_update` moves it there (stubbornness, noise, uncovered
dimensions, the sphere, zealots). The activation regimes of
:mod:`opinionsim.dynamics.activation` call these; the compiled kernels
compute the same thing fused into one pass.
"""

from __future__ import annotations

import numpy as np

# The module, not its names: the engine imports this package's registries while loading.
from .. import engine
from .rule import UpdateRule

__all__ = ["social_mean", "apply_update"]


def social_mean(X, adjacency, rule: UpdateRule, rows=None):
    """The attention-weighted mean opinion each agent hears, head by head.

    Silent agents (nobody to listen to) hear themselves. Dimensions outside
    every head are returned unchanged. With ``rows``, only those rows are
    meaningful.
    """
    out = X.copy()
    for dims in rule.heads:
        identity = len(dims) == X.shape[1] and np.array_equal(dims, np.arange(X.shape[1]))
        Xh = X if identity else X[:, dims]
        K = engine.make_keys(Xh, salience=rule.salience, key_norm_clip=rule.key_norm_clip)
        mean, silent = engine.attend(Xh, K, Xh, adjacency, temperature=rule.temperature,
                              affinity=rule.affinity, rule=rule.rule,
                              confidence=rule.confidence, rows=rows)
        if np.any(silent):
            mean[silent] = Xh[silent]
        out[:, dims] = mean
    return out


def apply_update(X, social, X0, rule: UpdateRule, noise_eps=None, rows=None):
    """New opinions of ``rows`` (all agents by default) from the social term.

    Returns an array with the shape of ``X[rows]``.
    """
    sel = slice(None) if rows is None else rows
    s = rule.stubbornness
    s = s[sel] if isinstance(s, np.ndarray) else s
    noise_term = None
    if rule.noise > 0 and noise_eps is not None:
        noise_term = rule.noise * noise_eps[sel]
    fixed = None if rule.fixed is None else rule.fixed[sel]
    x = X[sel]
    new = engine.update_opinions(x, social[sel], X0[sel], step_size=rule.step_size, stubbornness=s,
                          noise_term=noise_term)
    if len(rule.covered) < X.shape[1]:
        keep = np.setdiff1d(np.arange(X.shape[1]), rule.covered)
        new[:, keep] = x[:, keep]
    if rule.opinion_space == "sphere":
        with np.errstate(divide="ignore", invalid="ignore"):
            new /= np.linalg.norm(new, axis=1, keepdims=True)
    if fixed is not None:
        new[fixed] = x[fixed]
    return new
