"""What an experiment is, before it runs: checked arguments, a canonical spec, a plan of runs.

A sweep is described by its *spec*, a JSON-able dict (what ``sweep.json``
holds): the fixed model parameters, the grid of varied ones, the replicate
ids, the base seed, the steps and the metrics, every value in a canonical
form that is equal exactly when the parameter is. The spec's hash identifies
the sweep on disk; the *plan* lists its runs, one per (point, replicate), each
with its run id and model seed.

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
from numbers import Integral, Real

import numpy as np

from .._errors import OpinionSimError

__all__ = ["SWEEP_METRICS", "RUN_COLUMNS", "default_metrics", "check_int", "check_seed",
           "check_seeds", "run_seed", "hash_spec", "same_spec", "plan_runs", "expected_steps",
           "prepare", "Run"]

#: Metrics a sweep records by default, after the model's DEFAULT_REPORTERS,
#: when they are registered in :data:`opinionsim.reporters.REPORTERS`.
SWEEP_METRICS = ("polarization_index", "neighbor_correlation", "attention_entropy",
                 "echo_chamber_modularity", "n_clusters")

#: Columns every sweep table has between the varied parameters and the metrics.
RUN_COLUMNS = ("replicate", "seed", "step")

# OpinionModel arguments that the sweep sets itself.
_RESERVED = {
    "seed": "each run's seed is derived from the sweep's; pass sweep(..., seed=...)",
    "reporters": "pass sweep(..., metrics=...)",
    "record_every": "pass sweep(..., record_every=...)",
}


def default_metrics():
    """The metrics a sweep records when ``metrics=None``, looked up now.

    The model's :data:`~opinionsim.reporters.DEFAULT_REPORTERS`, then those of
    :data:`SWEEP_METRICS` that are registered in
    :data:`~opinionsim.reporters.REPORTERS`.

    Examples
    --------
    >>> default_metrics()[:3]
    ['mean_opinion', 'variance', 'max_change']
    """
    from ..reporters import DEFAULT_REPORTERS, REPORTERS

    names = list(DEFAULT_REPORTERS)
    return names + [m for m in SWEEP_METRICS if m in REPORTERS and m not in names]


# ============================================================================= validators


def check_int(name, value, *, low):
    """``value`` as an int if it is an integer ``>= low`` (not a bool); raise otherwise.

    Examples
    --------
    >>> check_int("steps", 3, low=0)
    3
    """
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise OpinionSimError(f"{name} == {value!r}, must be an integer >= {low}.")
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
        if seeds < 1:
            raise OpinionSimError(f"seeds == {seeds!r}, must be >= 1 (a count) or a list of "
                                  "replicate ids.")
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


def _hash_json(obj):
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def run_seed(sweep_seed, point, replicate):
    """The model seed of run ``(point, replicate)`` under the base seed ``sweep_seed``.

    ``point`` maps the varied parameter names to their canonical values
    (as in ``sweep.json``; ``{}`` when nothing is varied). With
    ``sweep_seed=None`` the model seed is ``replicate`` itself.

    Examples
    --------
    >>> run_seed(0, {"temperature": 0.1}, 3) == run_seed(0, {"temperature": 0.1}, 3)
    True
    >>> run_seed(0, {"temperature": 0.1}, 3) != run_seed(0, {"temperature": 0.2}, 3)
    True
    """
    if sweep_seed is None:
        return int(replicate)
    h = int(_hash_json(point)[:16], 16)
    ss = np.random.SeedSequence(int(sweep_seed), spawn_key=(h, int(replicate)))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def hash_spec(spec):
    """Hash of a spec: key order matters for the grid and the metrics (the table's order), not
    elsewhere."""
    try:
        ordered = {**spec, "grid": list(spec["grid"].items()),
                   "metrics": list(spec["metrics"].items())}
    except (AttributeError, KeyError, TypeError):
        ordered = spec
    return _hash_json(ordered)


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


def plan_runs(spec):
    """The runs of a spec in table order: grid order (first name slowest), then replicate."""
    names = list(spec["grid"])
    runs = []
    for values in itertools.product(*(spec["grid"][n] for n in names)):
        point = dict(zip(names, values))
        ph = _hash_json(point)[:12]
        for rep in spec["replicates"]:
            runs.append(Run(f"p{ph}-r{rep}", point, int(rep), run_seed(spec["seed"], point, rep)))
    return runs


def expected_steps(steps, record_every):
    """The steps at which a run records its metrics."""
    if record_every is None:
        return np.array([steps], dtype=np.int64)
    s = np.arange(0, steps + 1, record_every, dtype=np.int64)
    if s[-1] != steps:
        s = np.append(s, np.int64(steps))
    return s


# =========================================================================== preparation


def _model_parameters():
    from ..model import OpinionModel

    return [p for p in inspect.signature(OpinionModel.__init__).parameters if p != "self"]


def prepare(params, grid, *, seeds, steps, record_every, metrics, seed):
    """Check every argument of a sweep; return its canonical spec, its plan and the runs' data.

    Returns
    -------
    dict
        ``spec`` (exactly what ``sweep.json`` holds), ``plan`` (a list of
        :class:`Run`) and ``common`` (what every run needs: the parameters as
        given, the metrics, ``steps`` and ``record_every``).
    """
    from ..graphs import check_graph_spec, graph_fingerprint

    if not isinstance(params, dict):
        raise OpinionSimError(f"params is a {type(params).__name__}, must be a dict of "
                              "OpinionModel arguments.")
    if not isinstance(grid, dict):
        raise OpinionSimError(f"grid is a {type(grid).__name__}, must be a dict "
                              "{parameter name: list of values}.")
    allowed = _model_parameters()
    params = dict(params)
    for name in params:
        _check_name(name, allowed, "params")
    if params.get("graph") is None:
        params.pop("graph", None)
    elif isinstance(params["graph"], (str, dict)):
        params["graph"] = check_graph_spec(params["graph"])
    else:
        graph_fingerprint(params["graph"])  # raises for an unsupported type

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
            _check_name(name, allowed, "grid")
            if name in params:
                raise OpinionSimError(
                    f"{name!r} is both fixed (params) and varied (grid); remove it from one."
                )
        values = _check_values(name, values)
        if name == "graph":
            canon = [_canonical_graph(check_graph_spec(v)) for v in values]
        else:
            canon = [_canonical_scalar(f"grid[{name!r}]", v) for v in values]
            if name.startswith("graph."):
                key = name[len("graph."):]
                for v in canon:
                    check_graph_spec({**params["graph"], key: v})
        seen = set()
        for v in canon:
            k = json.dumps(v, sort_keys=True)
            if k in seen:
                raise OpinionSimError(f"grid[{name!r}] lists {v!r} twice.")
            seen.add(k)
        grid_spec[name] = canon

    replicates = check_seeds(seeds)
    steps = check_int("steps", steps, low=0)
    if record_every is not None:
        record_every = check_int("record_every", record_every, low=1)
    seed = check_seed(seed)
    metrics_arg, metric_spec = _check_metrics(metrics, list(grid_spec))

    canon_params = {}
    for name, value in params.items():
        if name == "graph":
            canon_params[name] = (_canonical_graph(value) if isinstance(value, dict)
                                  else {"graph_sha256": graph_fingerprint(value)})
        else:
            canon_params[name] = _canonical(f"params[{name!r}]", value)
    spec = {"params": canon_params, "grid": grid_spec, "replicates": replicates, "seed": seed,
            "steps": steps, "record_every": record_every, "metrics": metric_spec}
    spec = json.loads(json.dumps(spec))  # exactly what sweep.json will hold
    common = {"params": params, "metrics": metrics_arg, "steps": steps,
              "record_every": record_every}
    return {"spec": spec, "plan": plan_runs(spec), "common": common}


def _check_name(name, allowed, where):
    if name in _RESERVED:
        raise OpinionSimError(f"{where} sets {name!r}, which the sweep sets itself: "
                              f"{_RESERVED[name]}.")
    if name not in allowed:
        import difflib

        close = difflib.get_close_matches(str(name), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise OpinionSimError(f"{where} names {name!r}, which is not an OpinionModel "
                              f"argument{hint}; valid: {', '.join(allowed)}.")


def _check_values(name, values):
    if isinstance(values, np.ndarray):
        values = values.tolist()
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise OpinionSimError(f"grid[{name!r}] == {values!r}, must be a list of values.")
    values = list(values)
    if not values:
        raise OpinionSimError(f"grid[{name!r}] is empty; give at least one value.")
    return values


def _check_metrics(metrics, varied):
    from ..reporters import REPORTERS, build_reporters

    if metrics is None:
        metrics = default_metrics()
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
    spec = {}
    for column, m in items:
        if not isinstance(column, str):
            raise OpinionSimError(f"metrics column {column!r} must be a string.")
        if column in spec:
            raise OpinionSimError(f"metrics has two columns named {column!r}.")
        if column in RUN_COLUMNS or column in varied:
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
    spec = dict(spec)
    if spec["kind"] == "file":
        h = hashlib.sha256()
        try:
            with open(spec["path"], "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        except OSError as exc:
            raise OpinionSimError(f"graph file {spec['path']!r} cannot be read: "
                                  f"{exc.strerror}.") from None
        spec["sha256"] = h.hexdigest()
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
