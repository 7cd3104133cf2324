"""What an experiment is, before it runs: checked arguments, a canonical spec, a plan of runs.

A sweep is described by its *spec*, a JSON-able dict (what ``sweep.json``
holds): the fixed model parameters, the grid of varied ones, the replicate
ids, the base seed, the steps and the metrics, every value in a canonical
form that is equal exactly when the parameter is. The spec's hash identifies
the sweep on disk; the *plan* lists its runs, one per (point, replicate), each
with its run id and model seed.

Canonical values. A parameter of :data:`opinionsim.dynamics.PARAMETERS` is
stored as its :meth:`~opinionsim.dynamics.Param.check` returns it (so
``temperature`` 1 is 1.0), and every hash reads numbers by value: an integral
float hashes as the integer (``1 == 1.0 == 1e0``), so a grid hashes the same
however it was spelled (``0.1:1:2:log`` or ``0.1,1``). Sweeps stored before
this rule (storage format 1) are read by :func:`~opinionsim.sweep.load_results`
with the old hashing (``legacy=True``) and never resumed.

Seeds. Two words, one meaning each, in :func:`~opinionsim.sweep.sweep` and in
:func:`~opinionsim.causal.causal_effect` alike:

- ``seeds`` are the *replicates*: a count ``n`` (replicates ``0 … n − 1``) or
  a list of distinct replicate ids ``>= 0`` (:func:`check_seeds`).
- ``seed`` is the *base seed* from which each replicate's model seed is
  derived by :func:`run_seed`: with an int, ``SeedSequence(seed,
  spawn_key=(h(point), replicate))``; with ``None``, the replicate id itself
  is the model seed (no derivation). The defaults differ so that old calls
  run the same models: ``sweep(seed=0)``, ``causal_effect(seed=None)``
  (``seeds=8`` calls ``make_model(0)``, …, ``make_model(7)``, as it always did).

Examples
--------
>>> check_seeds(3), check_seeds([4, 1])
([0, 1, 2], [4, 1])
>>> run_seed(None, {"temperature": 0.1}, 7)
7
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import itertools
import json
import math
from numbers import Integral, Real

import numpy as np

from .._errors import OpinionSimError

__all__ = ["SWEEP_METRICS", "RUN_COLUMNS", "CONVERGE_COLUMNS", "MAX_STEPS", "default_metrics",
           "check_int", "check_seed", "check_seeds", "Converge", "parse_steps", "run_seed",
           "hash_spec", "same_spec", "by_value", "plan_runs", "expected_steps", "n_recorded",
           "rows_check", "n_points",
           "resolve_point", "prepare", "check_stored_spec", "Run"]

#: Metrics a sweep records by default, after the model's DEFAULT_REPORTERS,
#: when they are registered in :data:`opinionsim.reporters.REPORTERS`.
SWEEP_METRICS = ("polarization_index", "neighbor_correlation", "attention_entropy",
                 "echo_chamber_modularity", "n_clusters", "relative_change")

#: Columns every sweep table has between the varied parameters and the metrics.
RUN_COLUMNS = ("replicate", "seed", "step")

#: Columns after the metrics when runs go to convergence (``steps="converge:..."``).
CONVERGE_COLUMNS = ("converged_step", "converged")

#: The most steps a run may be given: far beyond any run that ends, and within int64.
MAX_STEPS = 10**15

#: The most runs one sweep may plan (points × replicates): each is a file on disk.
MAX_RUNS = 10**7

# OpinionModel arguments that the sweep sets itself.
_RESERVED = {
    "seed": "each run's seed is derived from the sweep's; pass sweep(..., seed=...)",
    "reporters": "pass sweep(..., metrics=...)",
    "record_every": "pass sweep(..., record_every=...)",
}


def default_metrics(model="opinion"):
    """The metrics a sweep of ``model`` records when ``metrics=None``, looked up now.

    The model's default reporters (:data:`opinionsim.reporters.DEFAULT_REPORTERS`,
    :data:`opinionsim.activity_model.DEFAULT_REPORTERS`), then those of
    :data:`SWEEP_METRICS` that are registered in
    :data:`~opinionsim.reporters.REPORTERS` and apply to the model.

    Examples
    --------
    >>> default_metrics()[:3]
    ['mean_opinion', 'variance', 'max_change']
    >>> "attention_entropy" in default_metrics("activity_driven")   # it has no attention
    False
    """
    from ..models import model_reporters
    from ..reporters import REPORTERS

    defaults, unsupported = model_reporters(model)
    names = list(defaults)
    return names + [m for m in SWEEP_METRICS
                    if m in REPORTERS and m not in names and m not in unsupported]


# ============================================================================= validators


def check_int(name, value, *, low, high=None):
    """``value`` as an int if it is an integer in ``[low, high]`` (not a bool); raise otherwise.

    Examples
    --------
    >>> check_int("steps", 3, low=0)
    3
    """
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise OpinionSimError(f"{name} == {value!r}, must be an integer >= {low}.")
    if high is not None and value > high:
        raise OpinionSimError(f"{name} == {value!r}, must be an integer <= {high:.0e}.")
    return int(value)


def check_seed(seed):
    """The base seed: None (model seed = replicate id) or an int ``>= 0``."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise OpinionSimError(f"seed == {seed!r}, must be an integer >= 0 (the base seed of "
                              "the replicates' model seeds) or None (each replicate's id is "
                              "its model seed).")
    return int(seed)


def check_seeds(seeds):
    """The replicate ids that ``seeds`` names: a count ``n`` gives ``[0, …, n − 1]``.

    A list must hold distinct integers ``>= 0``: a repeated replicate would be
    a copy of the same run, not a replication.
    """
    if isinstance(seeds, Integral) and not isinstance(seeds, bool):
        if not 1 <= seeds <= MAX_RUNS:
            raise OpinionSimError(f"seeds == {seeds!r}, must be a count in [1, {MAX_RUNS:.0e}] "
                                  "or a list of replicate ids.")
        return list(range(int(seeds)))
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise OpinionSimError(f"seeds == {seeds!r}, must be a count (int) or a list of "
                              "distinct replicate ids >= 0.")
    ids = []
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, Integral) or s < 0:
            raise OpinionSimError(f"seeds contains {s!r}; replicate ids must be integers >= 0.")
        ids.append(int(s))
    if not ids:
        raise OpinionSimError("seeds is empty; give a count >= 1 or a list of replicate ids.")
    if len(set(ids)) != len(ids):
        dup = next(s for i, s in enumerate(ids) if s in ids[:i])
        raise OpinionSimError(f"seeds contains {dup} twice; each replicate must be distinct (a "
                              "repeated one is a copy of the same run, not a replication).")
    return ids


# =========================================================================== seeds, hashes


def by_value(obj):
    """``obj`` with every number written by its value: an integral float as the integer.

    So ``1``, ``1.0`` and ``1e0`` hash alike, as they compare equal. Booleans
    stay booleans (``True`` is a switch, not the number 1).
    """
    if isinstance(obj, float) and obj.is_integer() and abs(obj) < 2**63:
        return int(obj)
    if isinstance(obj, dict):
        return {k: by_value(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [by_value(v) for v in obj]
    return obj


def _hash_json(obj, *, legacy=False):
    # legacy: storage format 1 hashed numbers as written (1 and 1.0 apart).
    text = json.dumps(obj if legacy else by_value(obj), sort_keys=True, separators=(",", ":"),
                      allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def run_seed(sweep_seed, point, replicate, *, legacy=False):
    """The model seed of run ``(point, replicate)`` under the base seed ``sweep_seed``.

    ``point`` maps the varied parameter names to their canonical values
    (as in ``sweep.json``; ``{}`` when nothing is varied), read by value
    (``{"temperature": 1}`` and ``{"temperature": 1.0}`` are one point). With
    ``sweep_seed=None`` the model seed is ``replicate`` itself. ``legacy``
    reproduces the seeds of storage format 1, which read numbers as written.

    Examples
    --------
    >>> run_seed(0, {"temperature": 0.1}, 3) == run_seed(0, {"temperature": 0.1}, 3)
    True
    >>> run_seed(0, {"temperature": 0.1}, 3) != run_seed(0, {"temperature": 0.2}, 3)
    True
    >>> run_seed(0, {"temperature": 1}, 3) == run_seed(0, {"temperature": 1.0}, 3)
    True
    """
    if sweep_seed is None:
        return int(replicate)
    h = int(_hash_json(point, legacy=legacy)[:16], 16)
    ss = np.random.SeedSequence(int(sweep_seed), spawn_key=(h, int(replicate)))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def hash_spec(spec, *, legacy=False):
    """Hash of a spec, numbers read by value: key order matters for the grid and the metrics
    (the table's order), not elsewhere."""
    try:
        ordered = {**spec, "grid": list(spec["grid"].items()),
                   "metrics": list(spec["metrics"].items())}
        if ordered.get("model") == "opinion":  # as sweeps stored before the model was recorded
            del ordered["model"]
    except (AttributeError, KeyError, TypeError):
        ordered = spec
    return _hash_json(ordered, legacy=legacy)


def same_spec(old, new):
    """Whether a stored spec ``old`` describes the same sweep as ``new``."""
    return isinstance(old, dict) and hash_spec(old) == hash_spec(new)


# ================================================================================ the plan


@dataclasses.dataclass(frozen=True)
class Run:
    """One run of a sweep: its id, its point (varied name -> canonical value), replicate, seed."""

    run_id: str
    point: dict
    replicate: int
    seed: int


def plan_runs(spec, *, legacy=False):
    """The runs of a spec in table order: grid order (first name slowest), then replicate.

    A sweep of a sampled design (``spec["design"]``) holds its points as the
    grid's columns, the ``i``-th value of each name making the ``i``-th point;
    a point it holds again (Saltelli's design of two parameters does) is the
    same runs, planned once.
    """
    names = list(spec["grid"])
    columns = [spec["grid"][n] for n in names]
    runs = []
    seen = set()
    for values in (zip(*columns) if spec.get("design") else itertools.product(*columns)):
        point = dict(zip(names, values))
        ph = _hash_json(point, legacy=legacy)[:12]
        if ph in seen:
            continue
        seen.add(ph)
        for rep in spec["replicates"]:
            runs.append(Run(f"p{ph}-r{rep}", point, int(rep),
                            run_seed(spec["seed"], point, rep, legacy=legacy)))
    return runs


def n_points(spec):
    """The number of points a spec runs (at most: a design may repeat a point): its
    design's, or the grid's product."""
    if spec.get("design"):
        return len(next(iter(spec["grid"].values()), []))
    return math.prod(len(v) for v in spec["grid"].values())


def expected_steps(steps, record_every):
    """The steps at which a run of ``steps`` steps records its metrics.

    Examples
    --------
    >>> expected_steps(5, 2).tolist(), expected_steps(5, None).tolist()
    ([0, 2, 4, 5], [5])
    """
    if record_every is None:
        return np.array([steps], dtype=np.int64)
    s = np.arange(0, steps + 1, record_every, dtype=np.int64)
    if s[-1] != steps:
        s = np.append(s, np.int64(steps))
    return s


def n_recorded(steps, record_every):
    """``len(expected_steps(steps, record_every))``, without building it."""
    if record_every is None:
        return 1
    return steps // record_every + 1 + (steps % record_every != 0)


def rows_check(spec):
    """A function ``data -> bool``: whether a run's recorded ``step`` (and convergence record)
    are what ``spec`` makes a run record.

    With a fixed number of steps the steps are known in advance; a run to
    convergence records up to the step it stopped at, ``converged_step``.
    """
    steps, until = parse_steps(spec["steps"])
    record_every = spec["record_every"]
    if until is None:
        expected = expected_steps(steps, record_every)
        return lambda data: np.array_equal(data["step"], expected)

    def ok(data):
        step, stopped = data["step"], data["converged_step"]
        if len(step) == 0 or not 0 <= step[-1] <= until.max_steps:
            return False
        return (np.array_equal(step, expected_steps(int(step[-1]), record_every))
                and bool(np.all(stopped == step[-1]))
                and bool(np.all(data["converged"] == data["converged"][0])))

    return ok


# ======================================================================= steps: fixed or until


@dataclasses.dataclass(frozen=True)
class Converge:
    """Run until the largest opinion change per step is at most ``tol`` times the initial spread.

    That is ``model.run_until(opinionsim.conditions.max_change(tol),
    max_steps=max_steps, check_every=check_every)``: a run stops at the first
    check where the condition holds, or after ``max_steps``.
    """

    tol: float
    max_steps: int
    check_every: int = 1

    @property
    def text(self):
        """The canonical spelling, as ``sweep.json`` records it."""
        return f"converge:tol={self.tol!r},max={self.max_steps},check_every={self.check_every}"


_CONVERGE_KEYS = {"tol": "tol", "max": "max_steps", "check_every": "check_every"}


def parse_steps(steps):
    """``steps`` (an int, or ``"converge:tol=...,max=...[,check_every=...]"``) checked.

    Returns
    -------
    (int or str, Converge or None)
        The canonical ``steps`` (an int, or the canonical converge string) and
        the convergence rule (None for a fixed number of steps).

    Examples
    --------
    >>> parse_steps(200)
    (200, None)
    >>> parse_steps("converge:max=5000,tol=1e-6")[0]
    'converge:tol=1e-06,max=5000,check_every=1'
    """
    if not isinstance(steps, str):
        return check_int("steps", steps, low=0, high=MAX_STEPS), None
    head, _, rest = steps.strip().partition(":")
    if head.strip() != "converge":
        try:
            number = int(steps)
        except ValueError:
            raise OpinionSimError(
                f"steps == {steps!r}, must be a number of steps or 'converge:tol=TOL,max=MAX' "
                "(e.g. 'converge:tol=1e-6,max=5000').") from None
        return parse_steps(number)
    from ..graphs import parse_value

    given = {}
    for item in filter(str.strip, rest.split(",")):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or key not in _CONVERGE_KEYS or key in given:
            raise OpinionSimError(
                f"steps == {steps!r}: {item.strip()!r} is not one of tol=, max=, check_every= "
                "(each once), e.g. 'converge:tol=1e-6,max=5000'.")
        given[key] = parse_value(value)
    missing = [k for k in ("tol", "max") if k not in given]
    if missing:
        raise OpinionSimError(f"steps == {steps!r} needs {' and '.join(missing)}=, e.g. "
                              "'converge:tol=1e-6,max=5000'.")
    tol = given["tol"]
    if isinstance(tol, bool) or not isinstance(tol, Real) or not 0 < tol < math.inf:
        raise OpinionSimError(f"steps {steps!r}: tol == {tol!r}, must be a number > 0 (the "
                              "largest change per step, relative to the initial spread).")
    until = Converge(float(tol), check_int("steps max", given["max"], low=1, high=MAX_STEPS),
                     check_int("steps check_every", given.get("check_every", 1), low=1))
    return until.text, until


def steps_bound(steps):
    """The most steps a run of this (canonical) ``steps`` makes."""
    until = parse_steps(steps)[1]
    return steps if until is None else until.max_steps


# =========================================================================== preparation


def _model_parameters(model="opinion"):
    from ..models import model_class

    return [p for p in inspect.signature(model_class(model).__init__).parameters if p != "self"]


def resolve_point(params, point):
    """The graph (a spec dict, a given graph or None) and the other model keywords of a point.

    ``params`` are the sweep's fixed parameters, ``point`` a run's varied ones;
    a varied ``graph.<key>`` changes that key of the graph spec.
    """
    kwargs = dict(params)
    graph = kwargs.pop("graph", None)
    for name, value in point.items():
        if name == "graph":
            graph = value
        elif name.startswith("graph."):
            graph = {**graph, name[len("graph."):]: value}
        else:
            kwargs[name] = value
    return graph, kwargs


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


def check_stored_spec(spec, where):
    """Refuse a spec read from ``where`` (a ``sweep.json``) that this version cannot use.

    Checks the types :func:`plan_runs`, the table and the plots rely on, so a
    damaged file is one clear error rather than a failure deep inside.
    """
    def bad(what):
        return OpinionSimError(f"{where} has an invalid spec: {what}; it was damaged or "
                               "edited, run the sweep again (with --overwrite).")

    if not isinstance(spec, dict):
        raise bad(f"spec is a {type(spec).__name__}, not a dict")
    for key in ("params", "grid", "metrics"):
        if not isinstance(spec.get(key), dict):
            raise bad(f"{key} == {spec.get(key)!r}, must be a dict")
    from ..models import MODEL_NAMES

    if spec.get("model", "opinion") not in MODEL_NAMES:
        raise bad(f"model == {spec.get('model')!r}, must be one of {', '.join(MODEL_NAMES)}")
    for name, values in spec["grid"].items():
        if not isinstance(values, list) or not values:
            raise bad(f"grid[{name!r}] == {values!r}, must be a non-empty list")
    if spec.get("design") and len({len(v) for v in spec["grid"].values()}) > 1:
        raise bad("a design's columns differ in length")
    try:
        check_seeds(spec.get("replicates"))
        check_seed(spec.get("seed"))
        parse_steps(spec.get("steps"))
        if spec.get("record_every") is not None:
            check_int("record_every", spec["record_every"], low=1)
    except OpinionSimError as exc:
        raise bad(str(exc).rstrip(".")) from None
    return spec


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


# ========================================================================== canonical forms


def qualname(obj):
    """``module.qualname`` of a function or class, as recorded in a spec."""
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def _canonical_scalar(where, value):
    if value is None or isinstance(value, (bool, np.bool_, str)):
        return value if not isinstance(value, np.bool_) else bool(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    raise OpinionSimError(f"{where} has {value!r} ({type(value).__name__}); grid values must be "
                          "numbers, strings, booleans or None (a 'graph' entry: graph specs).")


def _canonical_graph(spec):
    """A checked graph spec; a file spec also records the file's sha256."""
    from ..graphs import graph_file_sha256

    spec = dict(spec)
    if spec["kind"] == "file":
        spec["sha256"] = graph_file_sha256(spec["path"])
    return spec


def _canonical(where, value):
    """A JSON-able stand-in for a fixed parameter, equal iff the parameter is."""
    if value is None or isinstance(value, (bool, str, Integral, Real, np.bool_)):
        return _canonical_scalar(where, value)
    if isinstance(value, (list, tuple)):
        return [_canonical(f"{where}[{i}]", v) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {str(k): _canonical(f"{where}[{k!r}]", v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        items = [_canonical(where, v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        return {"array_sha256": hashlib.sha256(arr.tobytes()).hexdigest(),
                "shape": list(arr.shape), "dtype": str(arr.dtype)}
    import networkx as nx
    import scipy.sparse as sp

    from ..graphs import graph_fingerprint

    if isinstance(value, nx.Graph) or sp.issparse(value):
        return {"graph_sha256": graph_fingerprint(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _canonical(f"{where}.{f.name}", getattr(value, f.name))
                  for f in dataclasses.fields(value)}
        return {"type": qualname(type(value)), **fields}
    if callable(value):
        return {"callable": qualname(value)}
    raise OpinionSimError(f"{where} is a {type(value).__name__}, which sweep.json cannot record; "
                          "use numbers, strings, lists, dicts, arrays or graphs.")
