"""The update rule's parameters, validated in one place, and the social term per head.

:class:`UpdateRule` is immutable: a causal intervention replaces the rule with
a modified copy (``rule.replace(temperature=0.1)``), which is validated before
it touches a model.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from ._errors import OpinionSimError
from ._validation import check_choice, check_real
from .engine import AFFINITIES, RULES, attend, make_keys, update_opinions

__all__ = ["OPINION_SPACES", "UpdateRule", "social_mean", "apply_update"]

OPINION_SPACES = ("euclidean", "sphere")


@dataclass(frozen=True, eq=False)
class UpdateRule:
    """Everything that decides how opinions move, for a population of ``n`` agents in ``dim`` dimensions.

    Build it with :meth:`create`, which validates; per-agent arrays are in
    the model's row order (graph-node order).

    Examples
    --------
    >>> r = UpdateRule.create(n=3, dim=2, temperature=0.5)
    >>> r.replace(temperature=float("inf")).temperature
    inf
    """

    n: int
    dim: int
    rule: str = "attention"
    temperature: float = 1.0
    affinity: str = "dot"
    confidence: float | None = None
    step_size: float = 0.5
    stubbornness: object = 0.0
    noise: float = 0.0
    salience: object = 1.0
    key_norm_clip: float | None = None
    heads: tuple = ()
    opinion_space: str = "euclidean"
    fixed: np.ndarray | None = None

    @classmethod
    def create(cls, *, n, dim, rule="attention", temperature=1.0, affinity="dot",
               confidence=None, step_size=0.5, stubbornness=0.0, noise=0.0, salience=1.0,
               key_norm_clip=None, heads=None, opinion_space="euclidean", fixed=None):
        """Validate every argument and build the rule (raises :class:`OpinionSimError`)."""
        rule = check_choice("rule", rule, RULES)
        temperature = check_real("temperature", temperature, low=0, low_open=True, allow_inf=True,
                                 hint=" Use float('inf') for uniform attention.")
        affinity = check_choice("affinity", affinity, AFFINITIES)
        if confidence is not None:
            confidence = check_real("confidence", confidence, low=0)
        elif rule == "bounded_confidence":
            raise OpinionSimError(
                "confidence == None, but rule == 'bounded_confidence' needs a radius: "
                "pass confidence=<float >= 0>."
            )
        step_size = check_real("step_size", step_size, low=0, low_open=True, high=1)
        stubbornness = _per_agent("stubbornness", stubbornness, n, low=0.0, high=1.0)
        noise = check_real("noise", noise, low=0)
        salience = _per_agent("salience", salience, n, low=0.0, high=None)
        if key_norm_clip is not None:
            key_norm_clip = check_real("key_norm_clip", key_norm_clip, low=0, low_open=True)
        heads = _check_heads(heads, dim)
        opinion_space = check_choice("opinion_space", opinion_space, OPINION_SPACES)
        if fixed is not None:
            fixed = np.asarray(fixed, dtype=bool)
            if fixed.shape != (n,):
                raise OpinionSimError(f"fixed has shape {fixed.shape}, must be ({n},).")
            fixed = fixed if fixed.any() else None
        return cls(n=n, dim=dim, rule=rule, temperature=temperature, affinity=affinity,
                   confidence=confidence, step_size=step_size, stubbornness=stubbornness,
                   noise=noise, salience=salience, key_norm_clip=key_norm_clip, heads=heads,
                   opinion_space=opinion_space, fixed=fixed)

    def replace(self, **changes):
        """A validated copy with some parameters changed."""
        current = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        current.update(changes)
        return UpdateRule.create(**current)

    @property
    def covered(self) -> np.ndarray:
        """Dimensions updated by some head."""
        return np.unique(np.concatenate(self.heads))

    def equals(self, other) -> bool:
        """Exact equality of every parameter (arrays compared elementwise)."""
        for f in dataclasses.fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if a is None or b is None or not np.array_equal(np.asarray(a), np.asarray(b)):
                    return False
            elif f.name == "heads":
                if len(a) != len(b) or any(not np.array_equal(x, y) for x, y in zip(a, b)):
                    return False
            elif a != b:
                return False
        return True


def _per_agent(name, value, n, *, low, high):
    arr = np.asarray(value, dtype=np.float64) if not isinstance(value, str) else None
    allowed = f"[{low}, {'inf' if high is None else high}]"
    if arr is None or arr.ndim > 1 or (arr.ndim == 1 and arr.shape != (n,)):
        shape = None if arr is None else arr.shape
        raise OpinionSimError(
            f"{name} has shape {shape}, must be a scalar or an array of shape ({n},) "
            f"(one value per agent) with values in {allowed}."
        )
    bad = ~np.isfinite(arr) | (arr < low)
    if high is not None:
        bad |= arr > high
    if np.any(bad):
        where = "" if arr.ndim == 0 else f" (agent row {int(np.argmax(bad))})"
        bad_value = float(arr) if arr.ndim == 0 else float(arr[np.argmax(bad)])
        raise OpinionSimError(f"{name} == {bad_value!r}{where}, must be in {allowed}.")
    return float(arr) if arr.ndim == 0 else arr.copy()


def _check_heads(heads, dim):
    if heads is None:
        return (np.arange(dim),)
    try:
        heads = [list(h) for h in heads]
    except TypeError:
        raise OpinionSimError(
            f"heads == {heads!r}, must be a list of lists of opinion dimensions (0 … {dim - 1})."
        ) from None
    if not heads or any(len(h) == 0 for h in heads):
        raise OpinionSimError(f"heads == {heads!r}, must be a non-empty list of non-empty lists.")
    seen = set()
    out = []
    for h in heads:
        for d in h:
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d < dim:
                raise OpinionSimError(
                    f"heads names dimension {d!r}, which does not exist: dimensions are 0 … {dim - 1}."
                )
            if d in seen:
                raise OpinionSimError(f"heads names dimension {d} twice; each dimension belongs to at most one head.")
            seen.add(int(d))
        out.append(np.asarray(h, dtype=np.intp))
    return tuple(out)


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
        K = make_keys(Xh, salience=rule.salience, key_norm_clip=rule.key_norm_clip)
        mean, silent = attend(Xh, K, Xh, adjacency, temperature=rule.temperature,
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
    new = update_opinions(x, social[sel], X0[sel], step_size=rule.step_size, stubbornness=s,
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
