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
           "resolve_point", "check_stored_spec", "Run"]

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
    >>> "echo_chamber_modularity" in default_metrics("activity_driven")  # one step's contacts
    False
    """
    import sys

    from ..models import model_class, model_reporters
    from ..reporters import REPORTERS

    defaults, unsupported = model_reporters(model)
    # A model may run a sweep metric without it meaning what it means elsewhere (the
    # activity-driven model's network is one step's contacts): not recorded unless asked.
    not_default = getattr(sys.modules[model_class(model).__module__], "NOT_SWEEP_DEFAULTS", {})
    names = list(defaults)
    return names + [m for m in SWEEP_METRICS if m in REPORTERS and m not in names
                    and m not in unsupported and m not in not_default]


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
