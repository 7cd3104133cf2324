"""Preparing a sweep: every argument checked, every point tried on a stand-in, a canonical spec.

:func:`prepare` turns ``sweep()``'s arguments into what a sweep needs before
anything runs or is written: the canonical spec that ``sweep.json`` holds (see
:mod:`.spec` for its hashing, plan and canonical forms), the plan of runs, what
every run shares, and what the stand-in models found (sizes for the memory
estimate, metrics that cannot run). A mistake is one :class:`OpinionSimError`
naming the parameter, raised here.
"""

from __future__ import annotations

import inspect
import itertools
import json
import math
from numbers import Real

import numpy as np

from .._errors import OpinionSimError
from .spec import (CONVERGE_COLUMNS, MAX_RUNS, RUN_COLUMNS, _canonical,
                   _canonical_graph, _canonical_scalar, by_value, check_int, check_seed,
                   check_seeds, default_metrics, parse_steps, plan_runs, qualname)

__all__ = ["prepare"]

# OpinionModel arguments that the sweep sets itself.
_RESERVED = {
    "seed": "each run's seed is derived from the sweep's; pass sweep(..., seed=...)",
    "reporters": "pass sweep(..., metrics=...)",
    "record_every": "pass sweep(..., record_every=...)",
}


def _model_parameters(model="opinion"):
    from ..models import model_class

    return [p for p in inspect.signature(model_class(model).__init__).parameters if p != "self"]


def prepare(params, grid, *, seeds, steps, record_every, metrics, seed, model="opinion",
            design=None):
    """Check every argument of a sweep; return its canonical spec, its plan and the runs' data.

    ``design`` (see :mod:`.design`) replaces ``grid``: a :class:`~.design.Grid`
    is its grid; a sampled design's points become the grid's columns, checked
    as grid values are (and both ends of each range), and the spec records
    the design under ``"design"``.

    Besides each argument on its own, every distinct point is checked by
    building a small stand-in model of it (see
    :func:`~opinionsim.experiments.validate.check_points`), so that what the
    runs would refuse is refused here, before anything is written; the named
    metrics are tried on a stand-in. On a complete graph, default metrics that
    need explicit edges are left out (and said so in ``notes``); asked-for ones
    are refused, as is a metric that cannot run on the model at all.

    ``model`` names the model class in :mod:`opinionsim.models`; its keyword
    arguments are the parameters, validated from its parameter table.

    Returns
    -------
    dict
        ``spec`` (exactly what ``sweep.json`` holds), ``plan`` (a list of
        :class:`Run`), ``common`` (what every run needs: the model, the parameters,
        the metrics, ``steps``, ``until`` and ``record_every``), ``checked`` (what
        the stand-ins found: sizes for the memory estimate) and ``notes``
        (lines worth telling the user).
    """
    from ..graphs import check_graph_spec, graph_fingerprint
    from ..models import model_class
    from .validate import check_points, metrics_failing

    cls = model_class(model)
    if not isinstance(params, dict):
        raise OpinionSimError(f"params is a {type(params).__name__}, must be a dict of "
                              f"{cls.__name__} arguments.")
    design, grid = _resolve_design(design, grid)
    if not isinstance(grid, dict):
        raise OpinionSimError(f"grid is a {type(grid).__name__}, must be a dict "
                              "{parameter name: list of values}.")
    allowed = _model_parameters(model)
    params = dict(params)
    _check_no_graph(model, params, grid, allowed)
    for name in params:
        _check_name(name, allowed, "params", model)
    if params.get("graph") is None:
        params.pop("graph", None)
    elif isinstance(params["graph"], (str, dict)):
        params["graph"] = check_graph_spec(params["graph"])
    else:
        graph_fingerprint(params["graph"])  # raises for an unsupported type
    params = {name: _table_value(name, value, model) for name, value in params.items()}

    grid_spec = {}
    for name, values in grid.items():
        if not isinstance(name, str):
            raise OpinionSimError(f"grid key {name!r} must be a parameter name (a string).")
        if name.startswith("graph."):
            base = params.get("graph")
            if not isinstance(base, dict):
                raise OpinionSimError(
                    f"grid varies {name!r}, which needs params['graph'] to be a graph spec "
                    "(e.g. 'watts_strogatz:n=1000,k=10,p=0.1')."
                )
            if "graph" in grid:
                raise OpinionSimError(f"grid varies both 'graph' and {name!r}; vary one.")
        else:
            _check_name(name, allowed, "grid", model)
            if name in params:
                raise OpinionSimError(
                    f"{name!r} is both fixed (params) and varied (grid); remove it from one."
                )
        if design is not None:
            _check_range_ends(name, design, params, model)
        values = _check_values(name, values)
        if name == "graph":
            canon = [_canonical_graph(check_graph_spec(v)) for v in values]
        else:
            canon = [_table_value(name, _canonical_scalar(f"grid[{name!r}]", v), model)
                     for v in values]
            if name.startswith("graph."):
                key = name[len("graph."):]
                canon = [check_graph_spec({**params["graph"], key: v})[key] for v in canon]
        seen = set()
        for v in canon if design is None else ():  # a design's column repeats values
            k = json.dumps(by_value(v), sort_keys=True)
            if k in seen:
                raise OpinionSimError(f"grid[{name!r}] lists {v!r} twice.")
            seen.add(k)
        grid_spec[name] = canon

    replicates = check_seeds(seeds)
    if design is None:
        n_runs = len(replicates) * math.prod(len(v) for v in grid_spec.values())
        points = [dict(zip(grid_spec, values))
                  for values in itertools.product(*grid_spec.values())]
    else:
        points = [dict(zip(grid_spec, values)) for values in zip(*grid_spec.values())]
        n_runs = len(replicates) * len(points)
    if n_runs > MAX_RUNS:
        raise OpinionSimError(f"the sweep has {n_runs:,} runs (points × seeds), more than "
                              f"{MAX_RUNS:,}; split it.")
    steps, until = parse_steps(steps)
    if record_every is not None:
        record_every = check_int("record_every", record_every, low=1)
    seed = check_seed(seed)
    explicit = metrics is not None
    metrics_arg, metric_spec = _check_metrics(metrics, list(grid_spec), until is not None, model)

    checked = check_points(params, points, until=until, model=model)
    notes = []
    for kind, stand_in in checked.stand_ins.items():
        failing = metrics_failing(stand_in, metrics_arg)
        complete = kind == "complete"
        if failing and (explicit or not complete):
            column, reason = next(iter(failing.items()))
            where, fix = (("a complete graph", ", or use a graph with explicit edges") if complete
                          else (f"this model ({type(stand_in).__name__})", ""))
            raise OpinionSimError(f"metric {column!r} cannot be computed on {where}: "
                                  f"{reason.rstrip('.')}. Leave it out of the metrics{fix}.")
        if failing:  # defaults that need the edges a complete graph does not store
            metrics_arg = [m for m in metrics_arg if m not in failing]
            metric_spec = {c: m for c, m in metric_spec.items() if c not in failing}
            notes.append(f"note: {', '.join(failing)} not recorded: on a complete graph "
                         f"{'they need' if len(failing) > 1 else 'it needs'} the network's "
                         "edges, which a complete graph does not store.")

    canon_params = {}
    for name, value in params.items():
        if name == "graph":
            canon_params[name] = (_canonical_graph(value) if isinstance(value, dict)
                                  else {"graph_sha256": graph_fingerprint(value)})
        else:
            canon_params[name] = _canonical(f"params[{name!r}]", value)
    spec = {"model": model, "params": canon_params, "grid": grid_spec,
            "replicates": replicates, "seed": seed, "steps": steps,
            "record_every": record_every, "metrics": metric_spec}
    if design is not None:
        spec["design"] = design.record()
    spec = json.loads(json.dumps(spec))  # exactly what sweep.json will hold
    common = {"model": model, "params": params, "metrics": metrics_arg, "steps": steps,
              "until": until, "record_every": record_every}
    return {"spec": spec, "plan": plan_runs(spec), "common": common, "checked": checked,
            "notes": notes}


def _resolve_design(design, grid):
    """``(sampled design or None, grid dict)`` from the ``design`` and ``grid`` arguments."""
    from .design import Design, Grid

    if design is None:
        return None, {} if grid is None else grid
    if grid is not None:
        raise OpinionSimError(f"both grid and design == {design!r} are given; pass one (a grid "
                              "is design=opinionsim.Grid({name: values})).")
    if isinstance(design, Grid):
        return None, design.values
    if not isinstance(design, Design):
        raise OpinionSimError(f"design == {design!r}, must be opinionsim.Grid, Random, "
                              "LatinHypercube or Sobol.")
    points = design.points()
    return design, {name: [p[name] for p in points] for name in design.names}


def _check_range_ends(name, design, params, model):
    """Refuse a range whose ends are not values the parameter may take (before sampling it
    would be refused point by point)."""
    from ..graphs import check_graph_spec

    low, high, scale = design.record()["ranges"][name]
    for end in (low, high):
        try:
            if name.startswith("graph."):
                check_graph_spec({**params["graph"], name[len("graph."):]: end})
            elif name == "graph":
                raise OpinionSimError("'graph' is varied by listing graph specs in a grid, not "
                                      "by a range; vary one of its parameters ('graph.p').")
            else:
                _table_value(name, end, model)
        except OpinionSimError as exc:
            raise OpinionSimError(f"design range {name!r} == {(low, high)!r}: "
                                  f"{str(exc).rstrip('.')}.") from None
    if name.startswith("graph"):
        return
    # The draws lie between the ends and are not round numbers: an integer parameter
    # (contacts, n_agents, dim) refuses them. Probe one such value on a stand-in; what it
    # refuses about another parameter is left to the check of every point.
    from .design import scale_unit
    from .validate import check_points

    probe = float(scale_unit(np.array([1 / math.pi]), low, high, scale)[0])
    try:
        check_points(params, [{name: _table_value(name, probe, model)}], model=model)
    except OpinionSimError as exc:
        if str(exc).startswith(f"{name} =="):
            raise OpinionSimError(f"design range {name!r} == {(low, high)!r} draws values such "
                                  f"as {probe:.6g}: {str(exc).rstrip('.')}; a design draws "
                                  "real values, so vary this parameter with a grid.") from None


def _table_value(name, value, model="opinion"):
    """A scalar value of a parameter of the model's table (:data:`~opinionsim.dynamics.PARAMETERS`
    for ``"opinion"``), checked and canonical (``temperature`` 1 is 1.0); a rewiring process as
    its canonical spec string; anything else (an array, another keyword) as given."""
    from ..models import model_parameters

    if name == "rewiring" and value is not None:
        from ..dynamics.rewiring import format_rewiring, parse_rewiring

        return format_rewiring(parse_rewiring(value))
    param = model_parameters(model).get(name)
    scalar = value is None or isinstance(value, (str, bool, Real, np.bool_))
    if param is None or not param.public or not param.scalar or not scalar:
        return value
    return param.check(value)


def _check_name(name, allowed, where, model="opinion"):
    if name in _RESERVED:
        raise OpinionSimError(f"{where} sets {name!r}, which the sweep sets itself: "
                              f"{_RESERVED[name]}.")
    if name not in allowed:
        import difflib

        from ..models import MODEL_NAMES, model_class

        close = difflib.get_close_matches(str(name), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        other = [m for m in MODEL_NAMES
                 if m != model and isinstance(name, str) and name in _model_parameters(m)]
        if other:
            hint += (f" (it is an argument of {model_class(other[0]).__name__}, and this sweep "
                     f"runs model={model!r})")
        valid = [a for a in allowed if a not in _RESERVED]
        raise OpinionSimError(f"{where} names {name!r}, which is not an argument of "
                              f"{model_class(model).__name__}{hint}; valid: "
                              f"{', '.join(valid)}.")


def _check_no_graph(model, params, grid, allowed):
    """Refuse a graph for a model that takes none (its contacts are drawn anew every step)."""
    if "graph" in allowed:
        return
    from ..models import model_class

    given = [f"params[{n!r}]" for n in params if n == "graph"] + \
        [f"grid[{n!r}]" for n in grid if isinstance(n, str) and
         (n == "graph" or n.startswith("graph."))]
    if given:
        raise OpinionSimError(
            f"{given[0]} gives a graph, but model == {model!r} ({model_class(model).__name__}) "
            "has no fixed graph: its contacts are drawn anew at every step. Give n_agents "
            "(and its contact parameters) instead.")


def _check_values(name, values):
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise OpinionSimError(f"grid[{name!r}] == {values!r}, must be a list of values.")
    values = list(values)
    if not values:
        raise OpinionSimError(f"grid[{name!r}] is empty; give at least one value.")
    return values


def _check_metrics(metrics, varied, converge=False, model="opinion"):
    from ..models import model_class, model_reporters
    from ..reporters import REPORTERS, build_reporters

    reserved = set(RUN_COLUMNS) | (set(CONVERGE_COLUMNS) if converge else set())
    if metrics is None:
        metrics = default_metrics(model)
    if isinstance(metrics, (str, bytes)) or not hasattr(metrics, "__iter__"):
        raise OpinionSimError(
            f"metrics == {metrics!r}, must be a list of reporter names/callables or a dict "
            f"{{column: name or callable}}; names: {', '.join(sorted(REPORTERS))}."
        )
    if not isinstance(metrics, dict):
        metrics = list(metrics)  # read twice below, and sent to the runs
    # Columns are named as the model's DataCollector names its reporters.
    items = (list(metrics.items()) if isinstance(metrics, dict) else
             [(m if isinstance(m, str) else getattr(m, "__name__", repr(m)), m) for m in metrics])
    if not items:
        raise OpinionSimError("metrics is empty; name at least one reporter.")
    build_reporters(metrics)  # unknown names and non-callables raise here
    unsupported = model_reporters(model)[1]
    for column, m in items:
        if isinstance(m, str) and m in unsupported:
            raise OpinionSimError(f"metric {m!r} does not apply to {model_class(model).__name__}: "
                                  f"{unsupported[m]}. Leave it out of the metrics.")
    spec = {}
    for column, m in items:
        if not isinstance(column, str):
            raise OpinionSimError(f"metrics column {column!r} must be a string.")
        if column in spec:
            raise OpinionSimError(f"metrics has two columns named {column!r}.")
        if column in reserved or column in varied:
            raise OpinionSimError(f"metrics column {column!r} clashes with a sweep column; "
                                  "use a dict {other_name: reporter}.")
        spec[column] = m if isinstance(m, str) else {"callable": qualname(m)}
    return metrics, spec
