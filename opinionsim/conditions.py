"""Stopping conditions for :meth:`OpinionModel.run_until <opinionsim.model.OpinionModel.run_until>`.

A condition is any callable ``model -> bool``; :meth:`run_until` calls it every
``check_every`` steps and stops at the first ``True``. Two are ready-made:

* :func:`max_change` — the dynamics have stopped: no agent moved more than a
  fraction ``tol`` of the initial spread in the latest step;
* :func:`stable` — a measured quantity has stopped moving: a reporter (or any
  ``model -> float``) varied by at most ``tol`` over the last ``window`` checks.

Both are small objects that remember what they need of the model they were last
called with, so one instance can serve several runs one after the other (a run
on another model, or a model whose step count went back, starts afresh).

Examples
--------
>>> import networkx as nx
>>> from opinionsim import OpinionModel, conditions
>>> m = OpinionModel(graph=nx.cycle_graph(12), temperature=float("inf"), seed=1)
>>> steps, converged = m.run_until(conditions.max_change(1e-6), max_steps=1000)
>>> converged, steps < 1000
(True, True)
"""

from __future__ import annotations

import math
import weakref
from collections import deque
from numbers import Integral

import numpy as np

from ._errors import OpinionSimError
from ._validation import check_real

__all__ = ["max_change", "stable", "MaxChange", "Stable", "initial_spread"]


def initial_spread(model):
    r"""The scale of a run: the root of the total variance of its initial opinions.

    .. math::

        \sigma_0 = \sqrt{\frac{1}{N} \sum_i \lVert x_i(0) - \bar x(0) \rVert^2}

    (0.0 when all agents start equal).
    """
    X0 = np.asarray(model.initial_opinions, dtype=np.float64)
    return math.sqrt(float(np.sum(X0.var(axis=0))))


class _PerModel:
    """Remembers one model (weakly) and resets when called with another one, or when
    the model's step count went back."""

    def __init__(self):
        self._model = None
        self._steps = -1

    def _same_run(self, model):
        same = self._model is not None and self._model() is model and model.steps >= self._steps
        if not same:
            self._model = weakref.ref(model)
            self._reset(model)
        self._steps = model.steps
        return same

    def _reset(self, model):
        raise NotImplementedError


class MaxChange(_PerModel):
    """See :func:`max_change`."""

    def __init__(self, tol):
        super().__init__()
        self.tol = check_real("tol", tol, low=0.0, low_open=True)
        self._scale = None

    def _reset(self, model):
        self._scale = initial_spread(model)

    def __call__(self, model):
        rule = model.rule
        if np.any(np.asarray(rule.noise) > 0):
            raise OpinionSimError(
                f"max_change refuses a model with noise == {rule.noise!r}: noisy opinions keep "
                "moving by about the noise every step, so the largest change never settles. "
                "Use stable(metric, tol, window) on a reporter instead.")
        if model.activation == "random_async" and model.activation_rate < 1:
            raise OpinionSimError(
                f"max_change refuses activation='random_async' with activation_rate == "
                f"{model.activation_rate!r}: a step in which few agents update moves little by "
                "chance. Use stable(metric, tol, window) instead.")
        self._same_run(model)
        return bool(model.last_change <= self.tol * self._scale)

    def __repr__(self):
        return f"max_change(tol={self.tol!r})"


def max_change(tol):
    r"""Converged when no agent moved more than ``tol`` times the initial spread in the latest step.

    .. math::

        \max_i \lVert x_i(t) - x_i(t-1) \rVert \le \mathrm{tol} \cdot \sigma_0,

    with :math:`\sigma_0` the :func:`initial_spread` (the root of the total
    variance of ``model.initial_opinions``), so ``tol`` is free of the opinion
    units. When all agents start equal (:math:`\sigma_0 = 0`) the condition
    is that nothing moved at all. For geometric convergence at rate
    :math:`\lambda` the change falls below the threshold about
    :math:`\ln(\mathrm{tol}) / \ln \lambda` steps in.

    Parameters
    ----------
    tol : float
        Largest change per step, as a fraction of the initial spread (> 0).

    Returns
    -------
    MaxChange
        A condition ``model -> bool``.

    Raises
    ------
    OpinionSimError
        For ``tol`` not in (0, inf); when called, for a model with
        ``noise > 0`` (the change never settles) or with
        ``activation="random_async"`` and ``activation_rate < 1`` (a quiet
        step is chance, not convergence).

    Examples
    --------
    >>> from opinionsim import OpinionModel
    >>> m = OpinionModel(n_agents=20, temperature=float("inf"), seed=0)
    >>> m.run_until(max_change(1e-9), max_steps=500)  # deviations halve every step
    (31, True)
    """
    return MaxChange(tol)


class Stable(_PerModel):
    """See :func:`stable`."""

    def __init__(self, metric, tol, window):
        super().__init__()
        if isinstance(metric, str):
            from .reporters import REPORTERS

            if metric not in REPORTERS:
                raise OpinionSimError(
                    f"metric == {metric!r}, which is not a reporter; known: "
                    f"{', '.join(sorted(REPORTERS))} (or pass a callable model -> float).")
            self._func = REPORTERS[metric]
        elif callable(metric):
            self._func = metric
        else:
            raise OpinionSimError(
                f"metric == {metric!r}, must be a reporter name or a callable model -> float.")
        self.metric = metric
        self.tol = check_real("tol", tol, low=0.0, low_open=True)
        if isinstance(window, bool) or not isinstance(window, Integral) or window < 1:
            raise OpinionSimError(f"window == {window!r}, must be an integer >= 1.")
        self.window = int(window)
        self._values = deque(maxlen=self.window + 1)

    def _reset(self, model):
        self._values.clear()

    def __call__(self, model):
        self._same_run(model)
        value = float(self._func(model))
        if not math.isfinite(value):
            raise OpinionSimError(f"metric {self.metric!r} returned {value!r} at step "
                                  f"{model.steps}; stable() needs finite values.")
        self._values.append(value)
        if len(self._values) <= self.window:
            return False
        return bool(max(self._values) - min(self._values) <= self.tol)

    def __repr__(self):
        name = self.metric if isinstance(self.metric, str) else getattr(
            self.metric, "__name__", repr(self.metric))
        return f"stable({name!r}, tol={self.tol!r}, window={self.window})"


def stable(metric, tol, window):
    r"""Converged when ``metric`` moved by at most ``tol`` over the last ``window`` checks.

    With :math:`m_0, m_1, \dots` the values at successive checks,

    .. math::

        \max_{0 \le j \le w} m_{c-j} - \min_{0 \le j \le w} m_{c-j} \le \mathrm{tol}

    at the current check :math:`c`: the values at the current check and the
    ``window`` before it (``window`` intervals) lie within ``tol`` of each
    other. It is first true at the ``window + 1``-th check, never earlier.
    ``tol`` is in the metric's units. Works with noise: choose ``tol`` above
    the metric's fluctuation.

    Parameters
    ----------
    metric : str or callable
        A reporter name (:data:`opinionsim.reporters.REPORTERS`) or a callable
        ``model -> float``.
    tol : float
        Largest range of the values over the window (> 0).
    window : int
        Number of check intervals the value must stay within ``tol`` (>= 1).

    Returns
    -------
    Stable
        A condition ``model -> bool``.

    Raises
    ------
    OpinionSimError
        For an unknown reporter name, ``tol`` not in (0, inf), ``window`` not
        an integer >= 1; when called, for a non-finite metric value.

    Examples
    --------
    >>> from opinionsim import OpinionModel
    >>> m = OpinionModel(n_agents=20, temperature=float("inf"), seed=0)
    >>> m.run_until(stable("variance", 1e-12, window=3), max_steps=500, check_every=5)
    (35, True)
    """
    return Stable(metric, tol, window)
