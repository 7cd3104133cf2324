"""The opinion distribution over time, kept to a bounded number of columns.

One histogram column per recorded step; when the columns pass ``max_columns``
every other one is dropped and from then on only every second step is
recorded (then every fourth, ...), so a run of any length draws as at most
``max_columns`` columns, evenly spaced in time, at a cost of one histogram per
recorded step.

Examples
--------
>>> import numpy as np
>>> h = OpinionHistory(bins=4, max_columns=4)
>>> for t in range(9):
...     h.record(t, np.array([[-0.9], [0.1], [0.2], [0.9]]))
>>> h.steps.tolist(), h.stride
([0, 4, 8], 4)
>>> h.shares[-1].tolist()
[0.25, 0.0, 0.5, 0.25]
"""

from __future__ import annotations

import numpy as np

__all__ = ["OpinionHistory"]


class OpinionHistory:
    """Shares of agents per opinion bin at recorded steps (first opinion dimension).

    Parameters
    ----------
    bins : int
    low, high : float
        The binned range; opinions beyond it count in the end bins.
    max_columns : int
    """

    def __init__(self, *, bins=40, low=-1.0, high=1.0, max_columns=160):
        self.edges = np.linspace(low, high, bins + 1)
        self.max_columns = int(max_columns)
        self.stride = 1
        self._steps, self._shares = [], []

    @property
    def steps(self):
        return np.array(self._steps, dtype=np.int64)

    @property
    def shares(self):
        """``(columns, bins)`` array: the share of agents in each bin at each recorded step."""
        if not self._shares:
            return np.zeros((0, len(self.edges) - 1))
        return np.array(self._shares)

    @property
    def centres(self):
        return 0.5 * (self.edges[:-1] + self.edges[1:])

    def record(self, step, X):
        """Record the opinions ``X`` (N, dim) at ``step`` if the step falls on the stride."""
        if step % self.stride:
            return
        if self._steps and step <= self._steps[-1]:  # a replay re-records: keep the newest
            cut = int(np.searchsorted(self._steps, step))
            del self._steps[cut:], self._shares[cut:]
        x = np.clip(np.asarray(X)[:, 0], self.edges[0], self.edges[-1])
        counts, _ = np.histogram(x, bins=self.edges)
        self._steps.append(int(step))
        self._shares.append(counts / max(len(x), 1))
        if len(self._steps) > self.max_columns:
            self.stride *= 2
            keep = [i for i, s in enumerate(self._steps) if s % self.stride == 0]
            self._steps = [self._steps[i] for i in keep]
            self._shares = [self._shares[i] for i in keep]
