"""Outside voices agents attend to alongside their neighbours: media outlets, broadcasters, a feed.

A :class:`SourceSet` is cross-attention: queries come from the agents, keys
and values from the sources, in the *same* softmax as the neighbours, so an
outlet competes with friends for an agent's attention. Sources do not listen
and do not move by themselves; their opinions are fixed, or given per step by
a schedule.

Examples
--------
>>> import numpy as np
>>> from opinionsim import OpinionModel
>>> outlets = SourceSet(opinions=[[1.0], [-1.0]], salience=2.0)
>>> m = OpinionModel(n_agents=20, sources=outlets, temperature=0.5, seed=1, reporters=[])
>>> m.run(5)
>>> m.source_attention().shape
(20, 2)
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._errors import OpinionSimError
from .dynamics.params import check_per_agent

__all__ = ["SourceSet"]


class SourceSet:
    """M outside sources of opinion that agents attend to.

    Parameters
    ----------
    opinions : array (M, dim), array (T, M, dim), or callable ``step -> (M, dim)``
        Fixed opinions; or a schedule: row ``t`` of a 3-D array at step ``t``
        (the last row after the schedule ends), or a function of the step.
    audience : "all" or sparse/dense (N, M)
        Who hears which source (row = agent, in the model's row order). With
        ``weight=`` set on the model, its values are the prior weights of
        those ties (> 0); otherwise only its structure counts.
    salience : float or array (M,) >= 0
        How loudly each source speaks (its key scale).

    Raises
    ------
    OpinionSimError
        Shapes or values that do not fit (checked again against the model).
    """

    def __init__(self, opinions, audience="all", salience=1.0):
        self._schedule = opinions if callable(opinions) else None
        if self._schedule is None:
            arr = _finite("opinions", opinions, (2, 3))
            self._fixed = arr if arr.ndim == 2 else None
            self._table = arr if arr.ndim == 3 else None
            self.n_sources = arr.shape[-2]
        else:
            self._fixed = self._table = None
            self.n_sources = None
        self.audience = audience
        if not (isinstance(audience, str) and audience == "all") and not sp.issparse(audience) \
                and np.ndim(audience) != 2:
            raise OpinionSimError(
                f"audience == {audience!r}, must be 'all' or an (N, M) sparse or dense matrix "
                "(row: agent, column: source).")
        self.salience = check_per_agent("salience", salience, None, low=0.0, high=None)
        self._overrides = {}

    def bind(self, n, dim, weighted):
        """Check against a model of ``n`` agents in ``dim`` dimensions; return the audience CSR
        (None for "all")."""
        first = self.opinions_at(0)
        if first.ndim != 2 or first.shape[1] != dim:
            raise OpinionSimError(
                f"sources opinions have shape {first.shape}, must be (M, {dim}) (one row per "
                "source, one column per opinion dimension).")
        m = first.shape[0]
        self.n_sources = m
        sal = np.asarray(self.salience)
        if sal.ndim and sal.shape != (m,):
            raise OpinionSimError(f"sources salience has shape {sal.shape}, must be ({m},).")
        if isinstance(self.audience, str):
            return None
        aud = sp.csr_array(self.audience, dtype=np.float64)
        if aud.shape != (n, m):
            raise OpinionSimError(
                f"sources audience has shape {aud.shape}, must be ({n}, {m}) (agents × sources).")
        aud.sum_duplicates()
        if weighted:
            bad = ~np.isfinite(aud.data) | (aud.data <= 0)
            if np.any(bad):
                raise OpinionSimError("sources audience weights must be finite and > 0; drop "
                                      "a tie instead of giving it weight 0.")
        else:
            aud.eliminate_zeros()
            aud.data[:] = 1.0
        aud.sort_indices()
        return aud

    def opinions_at(self, step):
        """The sources' opinions at ``step`` (with interventions' overrides), shape (M, dim)."""
        if self._fixed is not None:
            out = self._fixed
        elif self._table is not None:
            out = self._table[min(step, len(self._table) - 1)]
        else:
            out = _finite(f"sources opinions at step {step}", self._schedule(step), (2,))
            if self.n_sources is not None and out.shape[0] != self.n_sources:
                raise OpinionSimError(
                    f"the sources schedule returned {out.shape[0]} sources at step {step}, "
                    f"but there are {self.n_sources}.")
        if self._overrides:
            out = out.copy()
            for k, v in self._overrides.items():
                out[k] = v
        return out

    def moved(self, index, opinion):
        """A copy in which source ``index`` holds ``opinion`` from now on (``SetSource``)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
                or not 0 <= index < self.n_sources:
            raise OpinionSimError(
                f"source == {index!r}, must be an integer in [0, {self.n_sources - 1}].")
        new = object.__new__(SourceSet)
        new.__dict__.update(self.__dict__)
        new._overrides = {**self._overrides, int(index): np.asarray(opinion, dtype=np.float64)}
        return new

    def __repr__(self):
        kind = "scheduled" if self._fixed is None else "fixed"
        aud = "all" if isinstance(self.audience, str) else "a sparse audience"
        return f"SourceSet({self.n_sources} {kind} sources, audience={aud})"


def _finite(name, value, ndims):
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim not in ndims or arr.size == 0 or not np.all(np.isfinite(arr)):
        want = " or ".join(("(M, dim)", "(T, M, dim)")[:len(ndims)] if 2 in ndims else ("(T, M, dim)",))
        raise OpinionSimError(f"{name} must be a non-empty array {want} of finite numbers.")
    return arr
