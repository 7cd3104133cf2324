"""Parameter sweeps: many seeded runs of :class:`~opinionsim.OpinionModel`, in parallel, resumable.

:func:`sweep` runs the model at every point of a parameter grid for several
seeds, on local processes or any :class:`concurrent.futures.Executor` (a Dask
cluster's ``client.get_executor()``), and returns one tidy table.
:func:`load_results` reads a stored sweep back as the same table.

Reproducibility. Run ``(point, replicate)`` gets the seed

``SeedSequence(seed, spawn_key=(h(point), replicate)).generate_state(1, uint64)[0] >> 1``

where ``h`` is the first 64 bits of the sha256 of the point's canonical JSON,
so a run's result depends on nothing but the sweep seed, its own parameter
values and its replicate: not on the number of workers, the executor, the
order of completion, or which other points the grid holds. The seed is in the
table; the run's graph is built from :func:`opinionsim.graphs.graph_seed` of
it, so any row can be reproduced alone (``fast=True`` gives the same network
as a sparse adjacency, as the sweep builds it)::

    kwargs = opinionsim.graphs.build_graph(graph_spec, seed)
    OpinionModel(**kwargs, **params, **point, seed=seed).run(steps)

Workers. Local runs go to a :class:`~concurrent.futures.ProcessPoolExecutor`
whose workers are forked when this process has a single thread (Linux), and
otherwise started by a ``forkserver`` (or ``spawn``), which imports the
package once; each worker caps its numeric thread pools at
``cores // n_jobs`` and ends by itself if this process dies. Metric
functions must therefore be importable (module-level, not lambdas); with
``executor=`` the same goes for Dask's workers. Results come back to this
process, which alone writes to ``out``, so a cluster's workers need no shared
file system (only a graph ``file`` spec must be readable where runs execute).

Storage. With ``out=DIR`` every finished run is written at once to
``DIR/runs/<run_id>.parquet`` (atomically), next to ``DIR/sweep.json`` (the full
spec and the package version); see :mod:`opinionsim._storage`. Running the
same sweep again skips what is finished; a sweep killed mid-way loses at most
the runs that were in flight.

Examples
--------
>>> from opinionsim.sweep import sweep
>>> df = sweep({"graph": "watts_strogatz:n=40,k=4,p=0.1", "dim": 2, "affinity": "distance"},
...            {"temperature": [0.01, 1.0]}, seeds=2, steps=20,
...            metrics=["variance"], n_jobs=1, progress=False)
>>> list(df.columns)
['temperature', 'replicate', 'seed', 'step', 'variance']
>>> df[["temperature", "replicate", "step"]].values.tolist()
[[0.01, 0.0, 20.0], [0.01, 1.0, 20.0], [1.0, 0.0, 20.0], [1.0, 1.0, 20.0]]
>>> bool(df.variance.iloc[0] > df.variance.iloc[2])   # more spread at low temperature
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import itertools
import json
import os
import signal
import sys
import time
import traceback
import warnings
from concurrent.futures import as_completed
from numbers import Integral, Real

import numpy as np
import pandas as pd

from ._errors import OpinionSimError
from .graphs import (
    build_graph,
    check_graph_spec,
    format_graph_spec,
    graph_fingerprint,
)

__all__ = ["sweep", "load_results", "run_seed", "default_metrics", "SWEEP_METRICS"]

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

# NUMBA_NUM_THREADS is left alone on purpose: the kernels run on their own thread
# pool, and numba refuses to compile once the variable changes after its pool started.
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS")


# =============================================================================== public API


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
    from .reporters import DEFAULT_REPORTERS, REPORTERS

    names = list(DEFAULT_REPORTERS)
    return names + [m for m in SWEEP_METRICS if m in REPORTERS and m not in names]


def sweep(params, grid, *, seeds=8, steps=200, record_every=None, metrics=None, n_jobs=None,
          executor=None, out=None, overwrite=False, seed=0, progress=True):
    """Run :class:`~opinionsim.OpinionModel` over a parameter grid and several seeds.

    Parameters
    ----------
    params : dict
        Fixed ``OpinionModel`` keyword arguments. ``params["graph"]`` may be a
        graph spec (a dict such as ``{"kind": "watts_strogatz", "n": 1000,
        "k": 10, "p": 0.1}`` or the string ``"watts_strogatz:n=1000,k=10,p=0.1"``,
        see :mod:`opinionsim.graphs`), built afresh for each run from the
        run's seed; or a networkx graph / scipy.sparse adjacency, used as is
        for every run (``sweep.json`` records its sha256). ``seed``,
        ``reporters`` and ``record_every`` are set by the sweep.
    grid : dict {name: list of values}
        The varied parameters; their Cartesian product is swept, in the
        order given. Values are numbers, strings, booleans or None; a
        ``"graph"`` entry lists graph specs; ``"graph.<key>"`` (e.g.
        ``"graph.p"``) varies one parameter of the graph spec in ``params``.
        ``{}`` runs replicates of ``params`` only.
    seeds : int or list of int, default 8
        Number of replicates per point (replicates ``0 … seeds − 1``), or the
        replicate identities themselves (distinct non-negative integers).
        Each run's model seed is derived from ``seed``, the point and the
        replicate (see the module docstring).
    steps : int >= 0, default 200
        Steps per run.
    record_every : int >= 1, optional
        Record the metrics at steps ``0, record_every, 2·record_every, …``
        and at the last step (time series). Default: only the final state
        (one row per run, ``step == steps``), which is what curves against
        a parameter need.
    metrics : list or dict, optional
        Reporter names (see :data:`opinionsim.reporters.REPORTERS`) or
        callables ``model -> float`` (importable, module-level functions when
        runs go to other processes); a dict maps column names to either.
        Default: :func:`default_metrics`.
    n_jobs : int, optional
        Local worker processes; default (and ``-1``): the number of cores.
        ``1`` runs in this process. Each worker limits its numeric libraries
        to ``cores // n_jobs`` threads. Not with ``executor``.
    executor : concurrent.futures.Executor, optional
        Where to run instead of a local process pool, e.g.
        ``dask.distributed.Client(address).get_executor()`` for a cluster
        (``pip install 'opinionsim[dask]'``); its workers must have
        opinionsim installed. It is not shut down.
    out : str or os.PathLike, optional
        Sweep directory (created if needed): ``runs/<run_id>.parquet`` per
        finished run, ``failed/<run_id>.json`` per failed run, ``sweep.json``.
        Runs already in ``out`` for the same spec are not run again (resume);
        unreadable run files are detected and redone.
    overwrite : bool, default False
        Replace a *different* sweep stored in ``out`` (its runs and failures
        are deleted) instead of raising.
    seed : int >= 0, default 0
        The sweep seed, from which every run's seed is derived.
    progress : bool, default True
        Show a progress bar (runs done / total, failures, ETA) and a summary
        on stderr. Without it, failures are reported as a ``RuntimeWarning``.

    Returns
    -------
    pandas.DataFrame
        One row per (point, replicate, recorded step) of every finished run,
        sorted in grid order, then replicate, then step. Columns: one per
        varied parameter (a varied ``"graph"`` as its spec string), then
        ``replicate``, ``seed``, ``step`` (int64), then one float64 column
        per metric. ``df.attrs["sweep"]`` holds the spec as recorded in
        ``sweep.json``; ``df.attrs["failures"]`` a list of dicts (run_id,
        point, replicate, seed, error_type, message) for runs that raised.

    Raises
    ------
    OpinionSimError
        Invalid arguments; ``out`` not writable or holding a different sweep
        (without ``overwrite``); or *every* run failed (the first error is in
        the message, all are in ``out/failed/``). A run that raises is
        otherwise only recorded: the sweep goes on, and a resume retries it.
    KeyboardInterrupt
        After cancelling the pending runs; the finished ones are on disk.

    Examples
    --------
    >>> df = sweep({"n_agents": 20}, {"temperature": [0.1, 1.0]}, seeds=[7],
    ...            steps=5, record_every=2, metrics=["variance"], n_jobs=1, progress=False)
    >>> df.step.tolist()
    [0, 2, 4, 5, 0, 2, 4, 5]
    """
    t_start = time.perf_counter()
    prepared = _prepare(params, grid, seeds=seeds, steps=steps, record_every=record_every,
                        metrics=metrics, seed=seed)
    spec, plan, common = prepared["spec"], prepared["plan"], prepared["common"]
    workers = _check_jobs(n_jobs, executor)
    spec_hash = _spec_hash(spec)
    expected = _expected_steps(steps, record_every)
    columns = list(spec["metrics"])

    from ._storage import now_iso

    store = None
    data = {}
    failures = []
    n_resumed = 0
    if out is not None:
        from ._storage import FORMAT, SweepStore
        from ._version import __version__

        store = SweepStore(out)
        record = {"format": FORMAT, "opinionsim_version": __version__, "created": now_iso(),
                  "spec_hash": spec_hash, "spec": spec}
        store.open(record, same_spec=_same_spec, overwrite=bool(overwrite))
    try:
        if store is not None:
            for run in plan:
                got = store.read_run(run.run_id, spec_hash=spec_hash, steps=expected,
                                     columns=columns, remove_corrupt=True)
                if got is not None:
                    data[run.run_id] = got
            n_resumed = len(data)
        pending = [run for run in plan if run.run_id not in data]
        bar = None
        file_types = _file_column_types(spec)

        def on_start():
            # Called once the workers exist: tqdm starts a monitor thread, and a
            # process with threads is not forked (see _mp_context).
            nonlocal bar
            bar = _progress_bar(len(plan), n_resumed, progress)

        def on_result(run, result):
            if result.get("ok"):
                got = {"step": result["step"], **result["values"]}
                if store is not None:
                    store.write_run(run.run_id, _file_columns(run, got, spec, file_types),
                                    spec_hash=spec_hash,
                                    info={"point": run.point, "replicate": run.replicate,
                                          "seed": run.seed, "timing": result.get("timing")})
                data[run.run_id] = got
            else:
                rec = {"run_id": run.run_id, "point": run.point, "replicate": run.replicate,
                       "seed": run.seed, "error_type": result["error_type"],
                       "message": result["message"]}
                failures.append(rec)
                if store is not None:
                    store.write_failure(run.run_id, {**rec, "traceback": result.get("traceback"),
                                                     "time": now_iso()})
            if bar is not None:
                bar.update(1)
                if failures:
                    bar.set_postfix(failed=len(failures), refresh=False)

        try:
            _execute(pending, common, workers=workers, executor=executor, on_result=on_result,
                     on_start=on_start)
        except KeyboardInterrupt:
            if bar is not None:
                bar.close()
            where = (f" are saved in {str(out)!r}; run the same sweep again to resume"
                     if store is not None else " were kept in memory only (no out=)")
            print(f"\ninterrupted: {len(data)} of {len(plan)} runs{where}.", file=sys.stderr)
            raise
        if bar is not None:
            bar.close()
    finally:
        if store is not None:
            store.close()

    # Every unfinished run was pending, so `failures` holds all current failures.
    order = {run.run_id: i for i, run in enumerate(plan)}
    failures.sort(key=lambda f: order[f["run_id"]])
    table = _assemble(spec, plan, data)
    table.attrs["sweep"] = spec
    table.attrs["failures"] = failures
    summary = _summary(len(plan), len(data), n_resumed, failures, store,
                       time.perf_counter() - t_start)
    if plan and not data:
        first = failures[0] if failures else {"error_type": "?", "message": "?"}
        raise OpinionSimError(
            f"all {len(plan)} runs failed; the first: {first['error_type']}: {first['message']}"
            + (f" (all errors are in {os.path.join(str(out), 'failed')})" if out is not None
               else "")
        )
    if progress:
        print(summary, file=sys.stderr)
    elif failures:
        warnings.warn(summary, RuntimeWarning, stacklevel=2)
    return table


def load_results(out):
    """Read a sweep directory back as the table :func:`sweep` returned.

    Parameters
    ----------
    out : str or os.PathLike
        A directory written by :func:`sweep` (``out=``) or ``opinionsim sweep``.

    Returns
    -------
    pandas.DataFrame
        The same columns, dtypes and row order as :func:`sweep`'s result,
        with the runs finished so far (an interrupted sweep gives a partial
        table; ``df.attrs["missing"]`` counts the runs not there).
        ``df.attrs["sweep"]`` is the spec, ``df.attrs["failures"]`` the
        recorded failures.

    Raises
    ------
    OpinionSimError
        If ``out`` is not a sweep directory.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> df = sweep({"n_agents": 10}, {"temperature": [0.5, 2.0]}, seeds=2, steps=3,
    ...            metrics=["variance"], n_jobs=1, out=d, progress=False)
    >>> df.equals(load_results(d))
    True
    """
    from ._storage import SweepStore

    store = SweepStore(out)
    record = store.read_record()
    spec = record["spec"]
    try:
        plan = _plan(spec)
    except (KeyError, TypeError, ValueError) as exc:
        raise OpinionSimError(f"{str(store.spec_path)!r} has an invalid spec ({exc}).") from None
    expected = _expected_steps(spec["steps"], spec["record_every"])
    spec_hash = _spec_hash(spec)
    data = {}
    unreadable = 0
    for run in plan:
        got = store.read_run(run.run_id, spec_hash=spec_hash, steps=expected,
                             columns=list(spec["metrics"]))
        if got is not None:
            data[run.run_id] = got
        elif store.run_path(run.run_id).exists():
            unreadable += 1
    if unreadable:
        warnings.warn(f"{unreadable} run file(s) in {str(out)!r} cannot be read; run the sweep "
                      "again to redo them.", RuntimeWarning, stacklevel=2)
    table = _assemble(spec, plan, data)
    table.attrs["sweep"] = spec
    order = {run.run_id: i for i, run in enumerate(plan)}
    failures = [{k: v for k, v in f.items() if k not in ("traceback", "time")}
                for f in store.failures() if f.get("run_id") in order]
    table.attrs["failures"] = sorted(failures, key=lambda f: order[f["run_id"]])
    table.attrs["missing"] = len(plan) - len(data)
    return table


# ================================================================================ the plan


@dataclasses.dataclass(frozen=True)
class _Run:
    run_id: str
    point: dict  # varied name -> canonical value
    replicate: int
    seed: int


def _hash_json(obj):
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _spec_hash(spec):
    """Hash of a spec: key order matters for the grid and the metrics (the table's order), not
    elsewhere."""
    try:
        ordered = {**spec, "grid": list(spec["grid"].items()),
                   "metrics": list(spec["metrics"].items())}
    except (AttributeError, KeyError, TypeError):
        ordered = spec
    return _hash_json(ordered)


def _same_spec(old, new):
    return isinstance(old, dict) and _spec_hash(old) == _spec_hash(new)


def run_seed(sweep_seed, point, replicate):
    """The model seed of run ``(point, replicate)`` of a sweep seeded with ``sweep_seed``.

    ``point`` maps the varied parameter names to their canonical values
    (as in ``sweep.json``).

    Examples
    --------
    >>> run_seed(0, {"temperature": 0.1}, 3) == run_seed(0, {"temperature": 0.1}, 3)
    True
    >>> run_seed(0, {"temperature": 0.1}, 3) != run_seed(0, {"temperature": 0.2}, 3)
    True
    """
    h = int(_hash_json(point)[:16], 16)
    ss = np.random.SeedSequence(int(sweep_seed), spawn_key=(h, int(replicate)))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))


def _plan(spec):
    names = list(spec["grid"])
    runs = []
    for values in itertools.product(*(spec["grid"][n] for n in names)):
        point = dict(zip(names, values))
        ph = _hash_json(point)[:12]
        for rep in spec["replicates"]:
            runs.append(_Run(f"p{ph}-r{rep}", point, int(rep), run_seed(spec["seed"], point, rep)))
    return runs


def _expected_steps(steps, record_every):
    if record_every is None:
        return np.array([steps], dtype=np.int64)
    s = np.arange(0, steps + 1, record_every, dtype=np.int64)
    if s[-1] != steps:
        s = np.append(s, np.int64(steps))
    return s


# =========================================================================== preparation


def _model_parameters():
    from .model import OpinionModel

    return [p for p in inspect.signature(OpinionModel.__init__).parameters if p != "self"]


def _prepare(params, grid, *, seeds, steps, record_every, metrics, seed):
    """Check every argument; return the canonical spec, the plan and the workers' common data."""
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

    replicates = _check_seeds(seeds)
    steps = _check_int("steps", steps, low=0)
    if record_every is not None:
        record_every = _check_int("record_every", record_every, low=1)
    seed = _check_int("seed", seed, low=0)
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
    return {"spec": spec, "plan": _plan(spec), "common": common}


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


def _check_seeds(seeds):
    if isinstance(seeds, Integral) and not isinstance(seeds, bool):
        if seeds < 1:
            raise OpinionSimError(f"seeds == {seeds!r}, must be >= 1 (a count) or a list of "
                                  "replicate ids.")
        return list(range(int(seeds)))
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise OpinionSimError(f"seeds == {seeds!r}, must be a count or a list of non-negative "
                              "integers.")
    out = []
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, Integral) or s < 0:
            raise OpinionSimError(f"seeds contains {s!r}; replicate ids must be non-negative "
                                  "integers.")
        if int(s) in out:
            raise OpinionSimError(f"seeds lists {int(s)} twice.")
        out.append(int(s))
    if not out:
        raise OpinionSimError("seeds is empty; give a count >= 1 or a list of replicate ids.")
    return out


def _check_int(name, value, *, low):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise OpinionSimError(f"{name} == {value!r}, must be an integer >= {low}.")
    return int(value)


def _check_metrics(metrics, varied):
    from .reporters import REPORTERS, build_reporters

    if metrics is None:
        metrics = default_metrics()
    if isinstance(metrics, dict):
        items = list(metrics.items())
    elif isinstance(metrics, (str, bytes)) or not hasattr(metrics, "__iter__"):
        raise OpinionSimError(
            f"metrics == {metrics!r}, must be a list of reporter names/callables or a dict "
            f"{{column: name or callable}}; names: {', '.join(sorted(REPORTERS))}."
        )
    else:
        metrics = list(metrics)
        items = [(m if isinstance(m, str) else getattr(m, "__name__", repr(m)), m)
                 for m in metrics]
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
        spec[column] = m if isinstance(m, str) else {"callable": _qualname(m)}
    return metrics, spec


def _qualname(obj):
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
        v = _canonical_scalar(where, value)
        return v
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

    if isinstance(value, nx.Graph) or sp.issparse(value):
        return {"graph_sha256": graph_fingerprint(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _canonical(f"{where}.{f.name}", getattr(value, f.name))
                  for f in dataclasses.fields(value)}
        return {"type": _qualname(type(value)), **fields}
    if callable(value):
        return {"callable": _qualname(value)}
    raise OpinionSimError(f"{where} is a {type(value).__name__}, which sweep.json cannot record; "
                          "use numbers, strings, lists, dicts, arrays or graphs.")


def _check_jobs(n_jobs, executor):
    if executor is not None:
        if n_jobs is not None:
            raise OpinionSimError("pass either n_jobs (local processes) or executor, not both.")
        if not callable(getattr(executor, "submit", None)):
            raise OpinionSimError(f"executor is a {type(executor).__name__}, must be a "
                                  "concurrent.futures.Executor (e.g. client.get_executor()).")
        return None
    if n_jobs is None or n_jobs == -1:
        return _cpu_count()
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral) or n_jobs < 1:
        raise OpinionSimError(f"n_jobs == {n_jobs!r}, must be an integer >= 1, -1 (all cores) "
                              "or None.")
    return int(n_jobs)


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


# ============================================================================== execution

_WORKER_COMMON = {}


def _init_worker(threads, key, common):
    """Local pool worker: leave Ctrl-C to the parent, cap numeric threads, keep the common data."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from ._storage import close_inherited_locks

    close_inherited_locks()
    _exit_with_parent()
    for var in _THREAD_ENV:
        os.environ[var] = str(threads)
    try:
        from .kernels import limit_threads
    except ImportError:
        limit_threads = None
    if limit_threads is not None:
        limit_threads(threads)
    _WORKER_COMMON[key] = common


def _exit_with_parent(interval=0.5):
    """End this worker soon after the process that started it dies (e.g. by SIGKILL).

    A forked worker holds copies of the pool's pipes, so it would not see them
    close and would wait for work forever.
    """
    import threading

    parent = os.getppid()

    def watch():
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="opinionsim-parent-watch", daemon=True).start()


def _model_kwargs(params, point, seed):
    kwargs = dict(params)
    graph = kwargs.pop("graph", None)
    for name, value in point.items():
        if name == "graph":
            graph = value
        elif name.startswith("graph."):
            graph = {**graph, name[len("graph."):]: value}
        else:
            kwargs[name] = value
    if isinstance(graph, dict):
        kwargs.update(build_graph({k: v for k, v in graph.items() if k != "sha256"}, seed,
                                  fast=True))
    elif graph is not None:
        kwargs["graph"] = graph
    return kwargs


def _run_task(common, run):
    """Run one model; return its recorded metrics, or the error it raised (never raises)."""
    from .model import OpinionModel
    from .reporters import build_reporters

    if isinstance(common, str):
        common = _WORKER_COMMON[common]
    t0 = time.perf_counter()
    try:
        kwargs = _model_kwargs(common["params"], run.point, run.seed)
        t1 = time.perf_counter()
        steps, record_every, metrics = common["steps"], common["record_every"], common["metrics"]
        if record_every is None:
            # Only the final state is wanted: no reporters in the model (it would
            # evaluate them at step 0), then each metric once at the end.
            model = OpinionModel(**kwargs, seed=run.seed, reporters=[], record_every=steps + 1)
            model.run(steps)
            step = np.array([model.steps], dtype=np.int64)
            values = {column: _as_float(column, [fn(model)])
                      for column, fn in build_reporters(metrics, model).items()
                      if column != "step"}
        else:
            model = OpinionModel(**kwargs, seed=run.seed, reporters=metrics,
                                 record_every=record_every)
            model.run(steps)
            dc = model.datacollector
            if dc.model_vars["step"][-1] != model.steps:
                dc.collect(model)  # the last step, when steps % record_every != 0
            frame = dc.get_model_vars_dataframe()
            step = frame["step"].to_numpy(dtype=np.int64)
            keep = np.isin(step, _expected_steps(steps, record_every))
            step = step[keep]
            values = {column: _as_float(column, frame[column].to_numpy()[keep])
                      for column in frame.columns if column != "step"}
        t2 = time.perf_counter()
        return {"ok": True, "step": step, "values": values,
                "timing": {"graph_s": t1 - t0, "model_s": t2 - t1}}
    except Exception as exc:  # a failing run is data, not a crash of the sweep
        return _failure(exc)


def _as_float(column, values):
    """The values one metric recorded, as float64; each must be a single number."""
    try:
        out = np.asarray(values, dtype=np.float64)
        ok = out.ndim == 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise OpinionSimError(f"metric {column!r} returned {values[0]!r}, which is not a "
                              "number.")
    return out


def _failure(exc):
    return {"ok": False, "error_type": type(exc).__name__, "message": str(exc),
            "traceback": "".join(traceback.format_exception(exc))}


def _execute(pending, common, *, workers, executor, on_result, on_start=lambda: None):
    """Run ``pending``, calling ``on_result(run, result)`` in this thread as each finishes."""
    if executor is None and min(workers, len(pending)) <= 1:
        on_start()
        for run in pending:
            on_result(run, _run_task(common, run))
        return
    pool = None
    if executor is None:
        from concurrent.futures import ProcessPoolExecutor

        context = _mp_context()
        _check_sendable(common["metrics"], context.get_start_method())
        workers = min(workers, len(pending))
        threads = max(1, _cpu_count() // workers)
        key = "common"  # one pool per sweep, so one common
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                   initializer=_init_worker, initargs=(threads, key, common))
        futures = {pool.submit(_run_task, key, run): run for run in pending}
    else:
        _check_sendable(common["metrics"], None)
        futures = {executor.submit(_run_task, common, run): run for run in pending}
    on_start()
    try:
        for fut in as_completed(futures):
            run = futures.pop(fut)
            try:
                result = fut.result()
            except Exception as exc:  # the worker died, or the executor failed the task
                result = _failure(exc)
            on_result(run, result)
    except BaseException:
        if pool is None:
            for fut in futures:
                fut.cancel()
        else:
            _stop_pool(pool)
        raise
    if pool is not None:
        pool.shutdown(wait=True)


def _check_sendable(metrics, start_method):
    """Refuse, before any run, metric functions that other processes cannot import."""
    functions = metrics.values() if isinstance(metrics, dict) else metrics
    main = sys.modules.get("__main__")
    for fn in functions:
        if isinstance(fn, str):
            continue
        name = getattr(fn, "__qualname__", repr(fn))
        module = getattr(fn, "__module__", None)
        local = "<lambda>" in name or "<locals>" in name
        unimportable = (module == "__main__" and start_method != "fork"
                        and not getattr(main, "__file__", None))
        if local or unimportable:
            where = "a lambda or nested function" if local else "defined in an interactive session"
            raise OpinionSimError(
                f"metric {name!r} is {where}, so worker processes cannot import it; define it "
                "at the top level of a module (or register it in opinionsim.reporters.REPORTERS "
                "and pass its name), or run with n_jobs=1."
            )


def _stop_pool(pool):
    """Stop a local pool now, abandoning the runs in flight (their results are not wanted)."""
    if hasattr(pool, "terminate_workers"):  # Python >= 3.14
        pool.terminate_workers()
        return
    processes = getattr(pool, "_processes", None)
    if not processes:
        pool.shutdown(wait=False, cancel_futures=True)
        return
    # Kill the workers first and let the pool's own thread fail the pending futures:
    # cancelling them first trips a CPython 3.11 bug (InvalidStateError in that thread).
    for proc in list(processes.values()):
        proc.terminate()
    pool.shutdown(wait=True)


def _mp_context():
    """How to start the local workers.

    ``fork`` on Linux when this process runs a single thread: workers start
    at once and inherit the imported modules. Forking a process that has
    other threads can deadlock the child (a lock held by a thread that does
    not exist there), so otherwise ``forkserver`` (imports once in a clean
    server process, then forks from it), else ``spawn``. The latter two
    import ``__main__`` again from its file in each worker; a main script
    that is not a file (``python - < script.py``) is then forked anyway.
    """
    import multiprocessing as mp
    import threading

    methods = mp.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods:
        main = sys.modules.get("__main__")
        main_file = getattr(main, "__file__", None)
        unimportable_main = (getattr(main, "__spec__", None) is None and main_file is not None
                             and not os.path.isfile(main_file))
        if threading.active_count() == 1 or unimportable_main:
            return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        # Import the heavy modules once in the server rather than in every worker.
        ctx.set_forkserver_preload(["opinionsim.sweep", "opinionsim.model",
                                    "opinionsim.kernels"])
        return ctx
    return mp.get_context("spawn")


def _progress_bar(total, initial, progress):
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc="sweep", unit="run", file=sys.stderr,
                dynamic_ncols=True, smoothing=0.05)


def _describe_point(point):
    return ", ".join(f"{k}={v}" for k, v in point.items()) or "(no varied parameters)"


def _summary(total, finished, resumed, failures, store, elapsed):
    where = f"; results in {str(store.root)!r}" if store is not None else ""
    head = (f"sweep: {finished}/{total} runs finished ({resumed} from an earlier attempt) in "
            f"{elapsed:.1f} s{where}.")
    if store is not None and store.corrupt:
        head += f" {len(store.corrupt)} unreadable run file(s) were redone."
    if not failures:
        return head
    lines = [head, f"{len(failures)} run(s) failed"
             + (" (recorded in failed/, retried when the sweep is run again):"
                if store is not None else ":")]
    for f in failures[:5]:
        lines.append(f"  {_describe_point(f['point'])}, replicate={f['replicate']}: "
                     f"{f['error_type']}: {f['message']}")
    if len(failures) > 5:
        lines.append(f"  ... and {len(failures) - 5} more")
    return "\n".join(lines)


# =============================================================================== the table


def _column_value(name, value):
    if name == "graph":
        return format_graph_spec({k: v for k, v in value.items() if k != "sha256"})
    return value


def _column_dtype(name, values):
    return pd.Series([_column_value(name, v) for v in values]).dtype


def _assemble(spec, plan, data):
    """The tidy table of the finished runs in ``data``, in plan order (same for sweep and load)."""
    runs = [run for run in plan if run.run_id in data]
    lengths = np.array([len(data[r.run_id]["step"]) for r in runs], dtype=np.intp)
    cols = {}
    for name, values in spec["grid"].items():
        col = np.empty(len(runs), dtype=object)
        col[:] = [_column_value(name, r.point[name]) for r in runs]
        cols[name] = pd.Series(np.repeat(col, lengths)).astype(_column_dtype(name, values))
    cols["replicate"] = np.repeat(np.array([r.replicate for r in runs], dtype=np.int64), lengths)
    cols["seed"] = np.repeat(np.array([r.seed for r in runs], dtype=np.int64), lengths)
    cols["step"] = (np.concatenate([data[r.run_id]["step"] for r in runs]) if runs
                    else np.zeros(0, dtype=np.int64)).astype(np.int64, copy=False)
    for column in spec["metrics"]:
        cols[column] = (np.concatenate([data[r.run_id][column] for r in runs]) if runs
                        else np.zeros(0)).astype(np.float64, copy=False)
    return pd.DataFrame(cols)


def _file_column_types(spec):
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


def _file_columns(run, got, spec, types):
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
    for column in spec["metrics"]:
        cols[column] = np.asarray(got[column], dtype=np.float64)
    return cols
