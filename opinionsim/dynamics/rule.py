"""The update rule's parameters for one population, validated from the parameter table.

:class:`UpdateRule` is immutable: a causal intervention replaces the rule with
a modified copy (``rule.replace(temperature=0.1)``), which is validated before
it touches a model. Its fields are exactly the ``rule=True`` entries of
:data:`~opinionsim.dynamics.params.PARAMETERS`.
"""

from __future__ import annotations

import numpy as np

from .._errors import OpinionSimError
from .params import PARAMETERS, rule_parameters
from .weighting import resolve

__all__ = ["UpdateRule"]


class UpdateRule:
    """Everything that decides how opinions move, for ``n`` agents in ``dim`` dimensions.

    Build it with :meth:`create`, which validates every value against the
    parameter table; read a parameter as an attribute (``rule.temperature``).
    Per-agent arrays are in the model's row order (graph-node order) and
    read-only.

    Examples
    --------
    >>> r = UpdateRule.create(n=3, dim=2, temperature=0.5)
    >>> r.replace(temperature=float("inf")).temperature
    inf
    >>> r.weighting.name, r.replace(temperature=float("inf")).weighting.name
    ('attention', 'uniform')
    """

    __slots__ = ("n", "dim", "_values")

    def __init__(self, n, dim, values):
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "dim", dim)
        object.__setattr__(self, "_values", values)

    @classmethod
    def create(cls, *, n, dim, **params):
        """Validate every argument (defaults from the table) and build the rule.

        Raises
        ------
        OpinionSimError
            An unknown parameter name, a value out of range, or a rule whose
            required parameter is missing (``bounded_confidence`` without a
            ``confidence``).
        """
        names = rule_parameters()
        unknown = [k for k in params if k not in names]
        if unknown:
            raise OpinionSimError(
                f"unknown rule parameter {unknown[0]!r}; valid: {', '.join(names)}.")
        values = {}
        for name in names:
            value = params.get(name, PARAMETERS[name].default)
            values[name] = PARAMETERS[name].check(value, n, dim)
        rule = cls(n, dim, values)
        rule._check_heads_options()
        for needed in rule.weighting.requires:
            if values[needed] is None:
                raise OpinionSimError(
                    f"{needed} == None, but rule == {values['rule']!r} needs it: pass "
                    f"{needed}=<value> ({PARAMETERS[needed].doc})"
                )
        if rule.weighting.check is not None:
            rule.weighting.check(rule)
        return rule

    def _check_heads_options(self):
        heads = self.heads
        if heads is None:
            return
        n_heads = len(heads)
        modes = self._values["head_modes"]
        if modes is not None and len(modes) != n_heads:
            raise OpinionSimError(
                f"head_modes has {len(modes)} entries, must have one per head ({n_heads}).")
        for name in ("query_map", "key_map", "value_map"):
            maps = self._values[name]
            if maps is not None and len(maps) != n_heads:
                raise OpinionSimError(
                    f"{name} has {len(maps)} matrices, must have one per head ({n_heads}); "
                    "a single matrix is allowed when there is one head.")
        for h, dims in enumerate(heads):
            width = len(dims)
            WQ, WK, WV = self.head_maps(h)
            dq = width if WQ is None else WQ.shape[0]
            dk = width if WK is None else WK.shape[0]
            for name, W, rows in (("query_map", WQ, dq), ("key_map", WK, dk)):
                if W is not None and W.shape[1] != width:
                    raise OpinionSimError(
                        f"{name} for head {h} has shape {W.shape}, must be (d_k, {width}): the "
                        f"head covers {width} dimension(s).")
            if dq != dk:
                raise OpinionSimError(
                    f"query_map and key_map for head {h} give queries of {dq} and keys of {dk} "
                    "dimensions; they must match (W_Q and W_K are both (d_k, h); a missing map "
                    "is the identity).")
            if WV is not None and WV.shape != (width, width):
                raise OpinionSimError(
                    f"value_map for head {h} has shape {WV.shape}, must be ({width}, {width}).")

    def head_maps(self, h):
        """``(W_Q, W_K, W_V)`` of head ``h``; ``None`` stands for the identity."""
        return tuple(None if self._values[name] is None else self._values[name][h]
                     for name in ("query_map", "key_map", "value_map"))

    def head_mode(self, h):
        """'attention', 'uniform' or 'frozen' (see ``AblateHead``)."""
        modes = self._values["head_modes"]
        return "attention" if modes is None else modes[h]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"UpdateRule has no parameter {name!r}") from None

    def __setattr__(self, name, value):
        raise AttributeError("UpdateRule is immutable; use rule.replace(...)")

    def __getstate__(self):
        return (self.n, self.dim, self._values)

    def __setstate__(self, state):
        n, dim, values = state
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "dim", dim)
        object.__setattr__(self, "_values", values)

    def params(self):
        """The parameters as a dict (a copy)."""
        return dict(self._values)

    def replace(self, **changes):
        """A validated copy with some parameters changed."""
        current = dict(self._values)
        current.update(changes)
        return UpdateRule.create(n=self.n, dim=self.dim, **current)

    @property
    def weighting(self):
        """The registered weighting rule that actually runs (see ``dynamics.weighting.resolve``)."""
        return resolve(self._values["rule"], self._values["temperature"])

    @property
    def covered(self) -> np.ndarray:
        """Dimensions updated by some head that is not frozen."""
        live = [dims for h, dims in enumerate(self.heads) if self.head_mode(h) != "frozen"]
        return np.unique(np.concatenate(live)) if live else np.zeros(0, dtype=np.intp)

    def equals(self, other) -> bool:
        """Exact equality of every parameter (arrays compared elementwise)."""
        if not isinstance(other, UpdateRule) or (self.n, self.dim) != (other.n, other.dim):
            return False
        for name, a in self._values.items():
            b = other._values[name]
            if isinstance(a, tuple) or isinstance(b, tuple):
                if (a is None) != (b is None) or len(a) != len(b) \
                        or any(not np.array_equal(x, y) for x, y in zip(a, b)):
                    return False
            elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if a is None or b is None or not np.array_equal(np.asarray(a), np.asarray(b)):
                    return False
            elif a != b:
                return False
        return True

    def __repr__(self):
        shown = ", ".join(f"{k}={v!r}" for k, v in self._values.items()
                          if not isinstance(v, (np.ndarray, tuple)) and v is not None)
        return f"UpdateRule(n={self.n}, dim={self.dim}, {shown})"
