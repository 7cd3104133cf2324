"""The tidy table of a sweep, and the same rows as the columns of one run file.

One row per (point, replicate, recorded step): a column per varied parameter
(a varied ``"graph"`` as its spec string), then ``replicate``, ``seed``,
``step`` (int64), then one float64 column per metric, then, when runs go to
convergence, ``converged_step`` (int64: the step the run stopped at) and
``converged`` (bool); rows in plan order (grid order, then replicate), then
step. :func:`~opinionsim.sweep.sweep` and :func:`~opinionsim.sweep.load_results`
both build it with :func:`assemble`, so a stored sweep reads back equal to the
one returned.
"""

from __future__ import annotations

import json

import numpy as np

__all__ = ["assemble", "value_columns", "file_column_types", "file_columns", "still_changing",
           "SETTLED_TOL"]

#: The largest change per step, relative to the initial spread, that counts as settled: the
#: tolerance ``--steps converge:tol=`` suggests (see :func:`opinionsim.conditions.max_change`).
SETTLED_TOL = 1e-6


def value_columns(spec):
    """The columns after ``step`` and their dtypes: the metrics, then the convergence record.

    Examples
    --------
    >>> value_columns({"metrics": {"variance": "variance"}, "steps": 10})
    {'variance': dtype('float64')}
    """
    from .spec import CONVERGE_COLUMNS

    columns = {name: np.dtype(np.float64) for name in spec["metrics"]}
    if isinstance(spec.get("steps"), str):  # "converge:..."
        columns.update(zip(CONVERGE_COLUMNS, (np.dtype(np.int64), np.dtype(bool))))
    return columns


def _column_value(name, value):
    if name == "graph":
        from ..graphs import format_graph_spec

        return format_graph_spec({k: v for k, v in value.items() if k != "sha256"})
    return value


def assemble(spec, plan, data):
    """The table of the finished runs in ``data`` (``{run_id: {column: array}}``), in plan order.

    Examples
    --------
    >>> from opinionsim.experiments.spec import plan_runs
    >>> spec = {"grid": {"temperature": [0.5]}, "replicates": [0, 1], "seed": None,
    ...         "metrics": {"variance": "variance"}}
    >>> runs = plan_runs(spec)
    >>> data = {r.run_id: {"step": np.array([3]), "variance": np.array([0.1 * r.replicate])}
    ...         for r in runs}
    >>> assemble(spec, runs, data).values.tolist()
    [[0.5, 0.0, 0.0, 3.0, 0.0], [0.5, 1.0, 1.0, 3.0, 0.1]]
    """
    import pandas as pd

    runs = [run for run in plan if run.run_id in data]
    lengths = np.array([len(data[r.run_id]["step"]) for r in runs], dtype=np.intp)
    cols = {}
    for name, values in spec["grid"].items():
        col = np.empty(len(runs), dtype=object)
        col[:] = [_column_value(name, r.point[name]) for r in runs]
        dtype = pd.Series([_column_value(name, v) for v in values]).dtype
        cols[name] = pd.Series(np.repeat(col, lengths)).astype(dtype)
    cols["replicate"] = np.repeat(np.array([r.replicate for r in runs], dtype=np.int64), lengths)
    cols["seed"] = np.repeat(np.array([r.seed for r in runs], dtype=np.int64), lengths)
    cols["step"] = (np.concatenate([data[r.run_id]["step"] for r in runs]) if runs
                    else np.zeros(0, dtype=np.int64)).astype(np.int64, copy=False)
    for column, dtype in value_columns(spec).items():
        cols[column] = (np.concatenate([data[r.run_id][column] for r in runs]) if runs
                        else np.zeros(0)).astype(dtype, copy=False)
    return pd.DataFrame(cols)


def file_column_types(spec):
    """Arrow types for the parameter columns of the run files (same in every file)."""
    import pyarrow as pa

    types = {}
    for name, values in spec["grid"].items():
        try:
            types[name] = pa.array([_column_value(name, v) for v in values]).type
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            types[name] = pa.string()
        if pa.types.is_null(types[name]):
            types[name] = pa.string()
    return types


def file_columns(run, got, spec, types):
    """A run file's columns: its parameters, replicate, seed, step and metrics."""
    import pyarrow as pa

    n = len(got["step"])
    cols = {}
    for name in spec["grid"]:
        value = _column_value(name, run.point[name])
        if pa.types.is_string(types[name]) and value is not None and not isinstance(value, str):
            value = json.dumps(value)
        cols[name] = pa.array([value] * n, type=types[name])
    cols["replicate"] = np.full(n, run.replicate, dtype=np.int64)
    cols["seed"] = np.full(n, run.seed, dtype=np.int64)
    cols["step"] = np.asarray(got["step"], dtype=np.int64)
    for column, dtype in value_columns(spec).items():
        cols[column] = np.asarray(got[column], dtype=dtype)
    return cols


def still_changing(table, by, *, tol=SETTLED_TOL):
    """Per point, how many runs were still changing at their last recorded step.

    A run counts as still changing when its final ``relative_change`` (largest
    change of one agent in the last step over the initial spread) exceeds
    ``tol``: its metrics are then a snapshot at that horizon, not a steady
    state. Runs that stopped by ``steps="converge:..."`` count by their
    ``converged`` column instead.

    Parameters
    ----------
    table : pandas.DataFrame
        A sweep table with a ``relative_change`` (or ``converged``) column.
    by : list of str
        The varied parameters that make a point.
    tol : float
        See above.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``by + ["changing", "runs"]``, one row per point; None when
        the table records neither column.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"temperature": [0.1, 0.1, 1.0], "replicate": [0, 1, 0],
    ...                   "step": [200, 200, 200], "relative_change": [1e-3, 0.0, 1e-9]})
    >>> still_changing(t, ["temperature"])[["changing", "runs"]].values.tolist()
    [[1, 2], [0, 1]]
    """
    if "converged" in table.columns:
        moving = ~table["converged"].astype(bool)
    elif "relative_change" in table.columns:
        moving = table["relative_change"] > tol
    else:
        return None
    keys = list(by) + ["replicate"]
    last = table["step"] == table.groupby(keys, sort=False)["step"].transform("max")
    final = table.loc[last, list(by)].assign(changing=moving[last].astype(int), runs=1)
    return final.groupby(list(by), sort=True, dropna=False)[["changing", "runs"]].sum() \
        .reset_index()
