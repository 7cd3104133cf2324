"""Social influence under an :class:`~opinionsim.dynamics.UpdateRule`: the reference update.

:func:`social_mean` is what each agent hears (head by head), and
:func:`apply_update` moves it there (stubbornness, noise, uncovered
dimensions, the sphere, zealots). The activation regimes of
:mod:`opinionsim.dynamics.activation` call these; the compiled kernels
compute the same thing fused into one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The module, not its names: the engine imports this package's registries while loading.
from .. import engine
from .rule import UpdateRule

__all__ = ["Context", "PLAIN", "head_inputs", "social_mean", "apply_update"]


@dataclass(frozen=True)
class Context:
    """What one tick needs besides the opinions, the structure and the rule.

    Attributes
    ----------
    step : int
        The tick (for the per-edge dropout coins).
    edge_key : int
        The run's key for per-edge coins (:func:`opinionsim._random.edge_key`).
    contact_key : int
        The run's key for sampled contacts' coins.
    weighted : bool
        The structure's values are prior edge weights.
    source_opinions : ndarray of shape (M, dim), optional
        Outside sources' opinions this tick; the structure's last M columns are
        the sources (cross-attention).
    source_salience : float or ndarray of shape (M,)
    """

    step: int = 0
    edge_key: int = 0
    contact_key: int = 0
    weighted: bool = False
    source_opinions: np.ndarray | None = None
    source_salience: object = 1.0


PLAIN = Context()


def head_inputs(X, rule, h, ctx=PLAIN):
    """Queries, keys and values of head ``h`` (agents' rows, then the sources' rows).

    ``q_i = W_Q x_i``, ``k_j = clip(salience_j · W_K x_j)``, ``v_j = W_V x_j``;
    a map that is not given is the identity (and the opinions are used as they are).
    """
    dims = rule.heads[h]
    identity = len(dims) == X.shape[1] and np.array_equal(dims, np.arange(X.shape[1]))
    WQ, WK, WV = rule.head_maps(h)

    def read(M, salience):
        Mh = M if identity else M[:, dims]
        K = engine.make_keys(Mh if WK is None else Mh @ WK.T, salience=salience,
                             key_norm_clip=rule.key_norm_clip)
        return Mh, K, Mh if WV is None else Mh @ WV.T

    Xh, K, V = read(X, rule.salience)
    Q = Xh if WQ is None else Xh @ WQ.T
    if ctx.source_opinions is not None:
        _, Ks, Vs = read(ctx.source_opinions, ctx.source_salience)
        K, V = np.vstack([K, Ks]), np.vstack([V, Vs])
    return Xh, Q, K, V


def social_mean(X, adjacency, rule: UpdateRule, rows=None, ctx=PLAIN):
    """The attention-weighted mean opinion each agent hears, head by head.

    Silent agents (nobody to listen to) hear themselves. Dimensions outside
    every head (or in a frozen head) are returned unchanged. With ``rows``,
    only those rows are meaningful.
    """
    out = X.copy()
    p = rule.attention_dropout
    dropout = (p, ctx.edge_key, ctx.step) if p > 0 else None
    for h, dims in enumerate(rule.heads):
        mode = rule.head_mode(h)
        if mode == "frozen":
            continue
        Xh, Q, K, V = head_inputs(X, rule, h, ctx)
        sample = None
        if rule.interaction == "sampled":
            m = rule.contacts
            sample = (m, ctx.contact_key, ctx.step, h * X.shape[0] * m)
        mean, silent = engine.attend(Q, K, V, adjacency, temperature=rule.temperature,
                                     affinity=rule.affinity,
                                     rule="uniform" if mode == "uniform" else rule.rule,
                                     confidence=rule.confidence, weighted=ctx.weighted,
                                     dropout=dropout, entropy_floor=rule.attention_entropy_floor,
                                     sample=sample, rows=rows)
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
