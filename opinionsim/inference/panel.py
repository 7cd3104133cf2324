"""Observed opinion panels: an array or a tidy table of opinions at consecutive steps.

A *panel* holds the opinions of the same ``N`` agents at ``n_steps + 1``
consecutive steps, ``X[t, i]``, with NaN where agent ``i`` was not observed at
step ``t``. It is what :func:`opinionsim.fit` reads. Two inputs are accepted:

- an array of shape ``(n_steps + 1, N, dim)`` (or ``(n_steps + 1, N)`` for
  ``dim = 1``), rows in the network's node order, as ``OpinionModel.opinions``;
- a tidy :class:`pandas.DataFrame` with columns ``step``, ``agent`` and one
  column per opinion dimension (every other column, in order). ``agent`` holds
  node labels; an agent-step without a row, or with a NaN, is missing. Steps
  must be integers; the panel runs from the first to the last step present.

An agent-step with a NaN in any dimension counts as missing as a whole.

Examples
--------
>>> import numpy as np, pandas as pd
>>> df = pd.DataFrame({"step": [0, 0, 1], "agent": [0, 1, 1], "opinion": [0.1, 0.2, 0.3]})
>>> p = as_panel(df, nodes=[0, 1])
>>> p.X.shape, int(p.observed.sum())
((2, 2, 1), 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import OpinionSimError

__all__ = ["Panel", "as_panel", "panel_size"]


@dataclass(frozen=True)
class Panel:
    """Opinions at consecutive steps with a mask of what was observed.

    Attributes
    ----------
    X : ndarray, shape (n_steps + 1, N, dim)
        Opinions; NaN where missing (the whole row of a missing agent-step).
    observed : ndarray of bool, shape (n_steps + 1, N)
    steps : ndarray of int, shape (n_steps + 1,)
        The step labels (``0 … n_steps`` for an array).
    """

    X: np.ndarray
    observed: np.ndarray
    steps: np.ndarray

    @property
    def n_steps(self) -> int:
        return self.X.shape[0] - 1

    @property
    def n_agents(self) -> int:
        return self.X.shape[1]

    @property
    def dim(self) -> int:
        return self.X.shape[2]


def _is_frame(observed):
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False
    return isinstance(observed, pd.DataFrame)


def panel_size(observed):
    """The number of agents a panel describes, for building the complete graph.

    An array gives its second axis; a table gives ``max(agent) + 1`` and then
    needs agents labelled ``0 … N − 1`` (the nodes of ``OpinionModel(n_agents=N)``).
    """
    if not _is_frame(observed):
        return _as_array(observed).shape[1]
    _check_columns(observed)
    agents = observed["agent"].to_numpy()
    if agents.dtype.kind not in "iu" or len(agents) == 0 or agents.min() < 0:
        raise OpinionSimError(
            "observed['agent'] must hold non-negative integer labels 0 … N − 1 when neither "
            "graph nor n_agents is given (the complete graph on N agents); pass graph= for "
            "other node labels."
        )
    return int(agents.max()) + 1


def as_panel(observed, *, nodes):
    """Read ``observed`` (array or tidy DataFrame) as a :class:`Panel` over ``nodes``.

    Parameters
    ----------
    observed : array_like or pandas.DataFrame
        See the module docstring.
    nodes : list
        The network's node labels in row order.

    Raises
    ------
    OpinionSimError
        For the wrong shape, fewer than two steps, an infinite value, unknown
        agents, non-integer or repeated (step, agent) entries, or a panel with no
        observed transition at all.
    """
    if _is_frame(observed):
        X, steps = _from_frame(observed, nodes)
    else:
        X = _as_array(observed)
        if X.shape[1] != len(nodes):
            raise OpinionSimError(
                f"observed has {X.shape[1]} agents (axis 1 of shape {X.shape}), but the network "
                f"has {len(nodes)} nodes; rows must be in the network's node order."
            )
        steps = np.arange(X.shape[0])
    if np.isinf(X).any():
        t, i = np.argwhere(np.isinf(X))[0][:2]
        raise OpinionSimError(
            f"observed has an infinite opinion (step {steps[t]}, agent row {i}); use NaN for "
            "a missing value."
        )
    observed_mask = np.isfinite(X).all(axis=2)
    X = np.where(observed_mask[:, :, None], X, np.nan)
    if not (observed_mask[:-1] & observed_mask[1:]).any():
        raise OpinionSimError(
            "observed has no agent observed at two consecutive steps, so there is no "
            "transition to fit."
        )
    return Panel(X=X, observed=observed_mask, steps=steps)


def _as_array(observed):
    try:
        X = np.array(observed, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise OpinionSimError(
            f"observed must be an array of shape (n_steps + 1, N, dim) or a DataFrame with "
            f"columns step, agent and the opinions ({exc})."
        ) from None
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise OpinionSimError(
            f"observed has shape {X.shape}, must be (n_steps + 1, N, dim) or (n_steps + 1, N)."
        )
    if X.shape[0] < 2 or X.shape[1] < 1 or X.shape[2] < 1:
        raise OpinionSimError(
            f"observed has shape {X.shape}, needs at least 2 steps, 1 agent and 1 dimension."
        )
    return X


def _check_columns(df):
    missing = [c for c in ("step", "agent") if c not in df.columns]
    if missing:
        raise OpinionSimError(
            f"observed (a DataFrame) lacks the column(s) {missing}; it needs step, agent and "
            f"one column per opinion dimension (has {list(df.columns)})."
        )
    if len(df.columns) < 3:
        raise OpinionSimError(
            "observed (a DataFrame) has no opinion column: every column other than step and "
            "agent is an opinion dimension."
        )


def _from_frame(df, nodes):
    _check_columns(df)
    value_cols = [c for c in df.columns if c not in ("step", "agent")]
    steps = df["step"].to_numpy()
    if steps.dtype.kind not in "iu":
        if steps.dtype.kind != "f" or not np.all(np.isfinite(steps)) \
                or not np.all(steps == np.round(steps)):
            raise OpinionSimError("observed['step'] must hold integer step numbers.")
        steps = steps.astype(np.int64)
    if len(steps) == 0:
        raise OpinionSimError("observed (a DataFrame) has no rows.")
    index = {node: i for i, node in enumerate(nodes)}
    try:
        rows = np.array([index[a] for a in df["agent"]], dtype=np.intp)
    except (KeyError, TypeError) as exc:
        raise OpinionSimError(
            f"observed['agent'] names {exc.args[0]!r}, which is not a node of the network "
            f"({len(nodes)} nodes, e.g. {list(nodes)[:3]!r})."
        ) from None
    try:
        values = df[value_cols].to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise OpinionSimError(
            f"observed's opinion columns {value_cols} must be numeric ({exc})."
        ) from None
    first, last = int(steps.min()), int(steps.max())
    if last == first:
        raise OpinionSimError(f"observed covers only step {first}; a fit needs at least two steps.")
    t = steps - first
    flat = t * len(nodes) + rows
    if len(np.unique(flat)) != len(flat):
        raise OpinionSimError("observed has more than one row for some (step, agent) pair.")
    X = np.full((last - first + 1, len(nodes), len(value_cols)), np.nan)
    X[t, rows] = values
    return X, np.arange(first, last + 1)
