"""Parameter sweeps: many seeded runs of a model, in parallel, resumable.

:func:`sweep` runs the model at every point of a parameter grid for several
seeds, on local processes or any :class:`concurrent.futures.Executor` (a Dask
cluster's ``client.get_executor()``), and returns one tidy table.
:func:`load_results` reads a stored sweep back as the same table.

Reproducibility. ``seeds`` names the replicates and ``seed`` is the base seed,
as in :func:`~opinionsim.causal.causal_effect` (see
:mod:`opinionsim.experiments.spec`). Run ``(point, replicate)`` gets the model
seed (:func:`run_seed`)

``SeedSequence(seed, spawn_key=(h(point), replicate)).generate_state(1, uint64)[0] >> 1``

where ``h`` is the first 64 bits of the sha256 of the point's canonical JSON,
so a run's result depends on nothing but the sweep seed, its own parameter
values and its replicate: not on the number of workers, the executor, the
order of completion, or which other points the grid holds. With
``seed=None`` the model seed is the replicate id itself, so every point sees
the same seeds (common random numbers across the grid). The seed is in the
table; the run's graph is built from :func:`opinionsim.graphs.graph_seed` of
it, so any row can be reproduced alone (``fast=True`` gives the same network
as a sparse adjacency, as the sweep builds it)::

    kwargs = opinionsim.graphs.build_graph(graph_spec, seed)
    OpinionModel(**kwargs, **params, **point, seed=seed).run(steps)

Models. ``model="opinion"`` (the default) runs :class:`~opinionsim.OpinionModel`;
``model="activity_driven"`` runs :class:`~opinionsim.ActivityDrivenModel`
(Baumann et al. 2020), whose keyword arguments (``n_agents``,
``social_influence``, ``controversialness``, ``homophily``, ``contacts``, …)
are then the parameters; it has no fixed graph, so a graph is refused. A row
is reproduced by ``ActivityDrivenModel(**params, **point, seed=seed).run(steps)``.
The model is recorded in ``sweep.json``: a stored sweep is not resumed with another.

Coevolving networks. ``params={"rewiring": "unfollow:rate=0.01,threshold=0.5"}``
(or an :class:`~opinionsim.Unfollow`; recorded as its spec string, see
:func:`~opinionsim.dynamics.rewiring.parse_rewiring`) rewires each run's
network as it runs. With ``out=``, a run whose network changed is stored with
its final network, ``out/networks/<run_id>.npz``; :func:`load_network` reads it.

Workers. Local runs go to the worker processes of
:mod:`opinionsim.experiments.executor`, forked when this process has a single
thread (Linux), otherwise started by a ``forkserver`` (or ``spawn``), which
imports the package once; each worker caps its numeric thread pools at
``cores // n_jobs`` and ends by itself if this process dies. Metric
functions must therefore be importable (module-level, not lambdas); with
``executor=`` the same goes for Dask's workers. Results come back to this
process, which alone writes to ``out``, so a cluster's workers need no shared
file system (only a graph ``file`` spec must be readable where runs execute).

Checked first. Every argument, and every distinct point of the grid (as a
small stand-in model, see :mod:`opinionsim.experiments.validate`), is checked
before anything runs or is written, as is the memory the runs will need;
what the runs would refuse is refused here, with one message.

Steady states. ``steps="converge:tol=1e-6,max=5000"`` runs each replicate with
``model.run_until(opinionsim.conditions.max_change(tol), max_steps=max,
check_every=check_every)``: until its largest opinion change in one step is at
most ``tol`` times the spread of its initial opinions, checked every
``check_every`` steps (default 1), or until ``max`` steps. The table gets two
more columns: ``converged`` (bool) and ``converged_step``, the step the run
stopped at (right-censored at ``max`` where ``converged`` is False). A run
records the steps ``0, record_every, …`` up to that step, and that step.
Refused up front where the condition is not defined (noise > 0: a noisy run
never stops moving; ``random_async`` with ``activation_rate < 1``).

Storage. With ``out=DIR`` every finished run is written at once to
``DIR/runs/<run_id>.parquet`` (atomically), next to ``DIR/sweep.json`` (the full
spec and the package version); see :mod:`opinionsim.experiments.storage`.
Running the same sweep again skips what is finished; a sweep killed mid-way
loses at most the runs that were in flight.

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

import os
import sys
import time
import warnings

import numpy as np

from .._errors import OpinionSimError
from .executor import check_jobs, run_tasks
from .prepare import prepare
from .spec import (
    SWEEP_METRICS,
    check_stored_spec,
    default_metrics,
    expected_steps,
    hash_spec,
    plan_runs,
    resolve_point,
    rows_check,
    run_seed,
    same_spec,
)
from .table import assemble, file_column_types, file_columns, value_columns

__all__ = ["sweep", "load_results", "load_network", "run_seed", "default_metrics",
           "SWEEP_METRICS"]


def sweep(params, grid=None, *, design=None, seeds=8, steps=200, record_every=None, metrics=None,
          n_jobs=None, executor=None, out=None, overwrite=False, seed=0, progress=True,
          model="opinion", save_networks=None):
    """Run a model (default :class:`~opinionsim.OpinionModel`) over a parameter grid (or design)
    and several seeds.

    Parameters
    ----------
    params : dict
        Fixed keyword arguments of the model. ``params["graph"]`` may be a
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
        ``{}`` (or None, without ``design``) runs replicates of ``params`` only.
    design : Grid, Random, LatinHypercube or Sobol, optional
        Instead of ``grid``, the points to run (see
        :mod:`opinionsim.experiments.design`): ``Grid(grid)`` is ``grid``;
        ``Random(ranges, n)``, ``LatinHypercube(ranges, n)`` and
        ``Sobol(ranges, n)`` sample ``{name: (low, high)}`` boxes
        reproducibly from their own ``seed``. Each point runs for every
        replicate, as a grid's do; the table has a column per ranged
        parameter, rows in the design's order, and ``sweep.json`` records the
        design and its points. Analyse a Sobol design with
        :func:`opinionsim.sensitivity`. Not with ``grid``.
    seeds : int or list of int, default 8
        Number of replicates per point (replicates ``0 … seeds − 1``), or the
        replicate identities themselves (distinct non-negative integers).
        Each run's model seed is derived from ``seed``, the point and the
        replicate (see the module docstring).
    steps : int >= 0 or str, default 200
        Steps per run (at most 10**15), or ``"converge:tol=TOL,max=MAX"``
        (optionally ``,check_every=K``): run each replicate to a steady state,
        see the module docstring; adds the columns ``converged_step`` and
        ``converged``.
    record_every : int >= 1, optional
        Record the metrics at steps ``0, record_every, 2·record_every, …``
        and at the last step (time series). Default: only the final state
        (one row per run, ``step == steps``), which is what curves against
        a parameter need.
    metrics : list or dict, optional
        Reporter names (see :data:`opinionsim.reporters.REPORTERS`) or
        callables ``model -> float`` (importable, module-level functions when
        runs go to other processes); a dict maps column names to either.
        Default: :func:`default_metrics`, less those that need explicit edges
        when a point runs on a complete graph (said so on stderr); asked for
        by name on a complete graph, such a metric is refused.
    n_jobs : int or None, default None
        Local worker processes. ``None`` or ``-1``: all available cores,
        bounded by the number of runs (the same meaning as in
        :func:`~opinionsim.causal.causal_effect`). ``1`` runs in this process.
        Each worker limits its numeric libraries to ``cores // n_jobs``
        threads. Not with ``executor``.
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
    seed : int >= 0 or None, default 0
        The base seed, from which every run's model seed is derived with
        :func:`run_seed`; ``None``: each run's model seed is its replicate id.
    progress : bool, default True
        Show progress and a summary on stderr: a bar on a terminal, a line at
        each quarter of the runs otherwise (a log file). Without it, failures
        are reported as a ``RuntimeWarning``.
    model : {"opinion", "activity_driven"}, default "opinion"
        The model (:data:`opinionsim.models.MODEL_NAMES`): ``"activity_driven"``
        runs :class:`~opinionsim.ActivityDrivenModel`, whose arguments are then
        the parameters (no graph: give ``n_agents``); its default metrics are
        ``default_metrics("activity_driven")``.
    save_networks : bool or None, default None
        With ``out``: store each run's final network in
        ``out/networks/<run_id>.npz`` (see :func:`load_network`). None: only
        where it changed during the run (a ``rewiring`` process, cut ties) of
        an ``OpinionModel``; True: every run (for ``ActivityDrivenModel``, the
        latest step's contacts); False: none.

    Returns
    -------
    pandas.DataFrame
        One row per (point, replicate, recorded step) of every finished run,
        sorted in grid order, then replicate, then step. Columns: one per
        varied parameter (a varied ``"graph"`` as its spec string), then
        ``replicate``, ``seed``, ``step`` (int64), then one float64 column
        per metric (then ``converged_step``, ``converged`` with ``steps=
        "converge:..."``). ``df.attrs["sweep"]`` holds the spec as recorded in
        ``sweep.json``; ``df.attrs["failures"]`` a list of dicts (run_id,
        point, replicate, seed, error_type, message) for runs that raised;
        ``df.attrs["notes"]`` what was said about the metrics.

    Raises
    ------
    OpinionSimError
        Invalid arguments, or a point the model refuses; more memory needed
        than this machine has available; ``out`` not writable, holding a
        different sweep (without ``overwrite``) or one of an older storage
        format; or *every* run failed (the first error is in the message,
        all are in ``out/failed/``). A run that raises is otherwise only
        recorded: the sweep goes on, and a resume retries it.
    KeyboardInterrupt
        After cancelling the pending runs; the finished ones are on disk.

    Examples
    --------
    >>> df = sweep({"n_agents": 20}, {"temperature": [0.1, 1.0]}, seeds=[7],
    ...            steps=5, record_every=2, metrics=["variance"], n_jobs=1, progress=False)
    >>> df.step.tolist()
    [0, 2, 4, 5, 0, 2, 4, 5]
    >>> df = sweep({"n_agents": 20, "temperature": float("inf")}, {}, seeds=2,
    ...            steps="converge:tol=1e-6,max=500", metrics=["variance"], n_jobs=1,
    ...            progress=False)
    >>> df[["converged", "converged_step"]].values.tolist()   # the spread halves each step
    [[True, 21], [True, 21]]
    """
    t_start = time.perf_counter()
    prepared = prepare(params, grid, seeds=seeds, steps=steps, record_every=record_every,
                       metrics=metrics, seed=seed, model=model, design=design)
    spec, plan, common = prepared["spec"], prepared["plan"], prepared["common"]
    if save_networks not in (None, True, False):
        raise OpinionSimError(f"save_networks == {save_networks!r}, must be True, False or "
                              "None (the runs whose network changed).")
    if save_networks and "complete" in prepared["checked"].stand_ins:
        raise OpinionSimError("save_networks=True, but a point runs on a complete graph "
                              "(n_agents=N), which has no edge list to store; give a graph.")
    # Networks are only worth sending back where they are stored.
    common["networks"] = None if out is None else save_networks
    workers = check_jobs(n_jobs, executor)
    from .validate import check_memory

    check_memory(spec, prepared["checked"], workers)
    spec_hash = hash_spec(spec)
    columns = value_columns(spec)
    rows_ok = rows_check(spec)
    if progress:
        for note in prepared["notes"]:
            print(f"sweep: {note}", file=sys.stderr)

    from .storage import now_iso

    store = None
    data = {}
    failures = []
    n_resumed = 0
    if out is not None:
        from .._version import __version__
        from .storage import FORMAT, SweepStore

        store = SweepStore(out)
        record = {"format": FORMAT, "opinionsim_version": __version__, "created": now_iso(),
                  "spec_hash": spec_hash, "spec": spec}
        store.open(record, same_spec=same_spec, overwrite=bool(overwrite))
    try:
        if store is not None:
            for run in plan:
                got = store.read_run(run.run_id, spec_hash=spec_hash, columns=columns,
                                     rows_ok=rows_ok, remove_corrupt=True,
                                     networks=bool(save_networks))
                if got is not None:
                    data[run.run_id] = got
            n_resumed = len(data)
        pending = [run for run in plan if run.run_id not in data]
        bar = None
        file_types = file_column_types(spec)

        def on_start():
            # Called once the workers exist: tqdm starts a monitor thread, and a
            # process with threads is not forked (see executor.start_method).
            nonlocal bar
            bar = _progress_bar(len(plan), n_resumed, progress)

        def on_result(run, result):
            if result["ok"]:
                done = result["value"]
                got = {"step": done["step"], **done["values"]}
                if store is not None:
                    network = done.get("network")
                    if network is not None:  # first: the run file says there is one
                        store.write_network(run.run_id, network)
                    store.write_run(run.run_id, file_columns(run, got, spec, file_types),
                                    spec_hash=spec_hash,
                                    info={"point": run.point, "replicate": run.replicate,
                                          "seed": run.seed, "timing": done["timing"],
                                          "network": network is not None})
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
            run_tasks(_run_task, pending, common=common, workers=workers, executor=executor,
                      on_result=on_result, on_start=on_start,
                      sendable=_metric_functions(common["metrics"]))
        except KeyboardInterrupt as exc:
            if bar is not None:
                bar.close()
            where = (f" are saved in {str(out)!r}; run the same sweep again to resume"
                     if store is not None else " were kept in memory only (no out=)")
            how = f"stopped by {exc}" if str(exc) else "interrupted"
            newline = "\n" if _is_terminal(sys.stderr) else ""  # after a bar's line
            # Counted on disk: the signal may land between a run's file and its bookkeeping.
            saved = (sum(store.run_path(r.run_id).exists() for r in plan) if store is not None
                     else len(data))
            print(f"{newline}{how}: {saved} of {len(plan)} runs{where}.", file=sys.stderr)
            raise
        if bar is not None:
            bar.close()
    finally:
        if store is not None:
            store.close()

    # Every unfinished run was pending, so `failures` holds all current failures.
    order = {run.run_id: i for i, run in enumerate(plan)}
    failures.sort(key=lambda f: order[f["run_id"]])
    table = assemble(spec, plan, data)
    table.attrs["sweep"] = spec
    table.attrs["failures"] = failures
    table.attrs["notes"] = prepared["notes"]
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
    from .storage import FORMAT, SweepStore

    store = SweepStore(out)
    record = store.read_record()
    spec = check_stored_spec(record["spec"], repr(str(store.spec_path)))
    if record.get("format") not in (1, FORMAT):
        raise OpinionSimError(f"{str(store.spec_path)!r} is in storage format "
                              f"{record.get('format')!r}, which this version cannot read (it "
                              f"reads formats 1 and {FORMAT}); use the opinionsim that wrote it.")
    legacy = record.get("format") == 1  # numbers hashed as written (see storage)
    try:
        plan = plan_runs(spec, legacy=legacy)
    except (KeyError, TypeError, ValueError) as exc:
        raise OpinionSimError(f"{str(store.spec_path)!r} has an invalid spec ({exc}).") from None
    spec_hash = hash_spec(spec, legacy=legacy)
    columns = value_columns(spec)
    rows_ok = rows_check(spec)
    data = {}
    unreadable = 0
    for run in plan:
        got = store.read_run(run.run_id, spec_hash=spec_hash, columns=columns,
                             rows_ok=rows_ok)
        if got is not None:
            data[run.run_id] = got
        elif store.run_path(run.run_id).exists():
            unreadable += 1
    if unreadable:
        warnings.warn(f"{unreadable} run file(s) in {str(out)!r} cannot be read; run the sweep "
                      "again to redo them.", RuntimeWarning, stacklevel=2)
    table = assemble(spec, plan, data)
    table.attrs["sweep"] = spec
    order = {run.run_id: i for i, run in enumerate(plan)}
    failures = [{k: v for k, v in f.items() if k not in ("traceback", "time")}
                for f in store.failures() if f.get("run_id") in order]
    table.attrs["failures"] = sorted(failures, key=lambda f: order[f["run_id"]])
    table.attrs["missing"] = len(plan) - len(data)
    return table


def load_network(out, run):
    """The final network a sweep stored for one run, as a ``scipy.sparse.csr_array``.

    Parameters
    ----------
    out : str or os.PathLike
        A sweep directory.
    run : str, dict or pandas.Series
        The run: its id, or a row of the sweep's table (or a dict) giving the
        varied parameters and ``replicate``.

    Returns
    -------
    scipy.sparse.csr_array or None
        The adjacency (row ``i``: whom agent ``i`` listens to, rows in the
        model's node order) at the end of the run; None where the run stored
        none (its network never changed, see ``save_networks``).

    Raises
    ------
    OpinionSimError
        ``out`` is not a sweep directory, or no run of it matches ``run``; or
        that run has not finished.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> df = sweep({"graph": "watts_strogatz:n=30,k=4,p=0.1", "rewiring": "unfollow:rate=0.5"},
    ...            {"temperature": [0.05]}, seeds=1, steps=5, metrics=["network_version"],
    ...            n_jobs=1, out=d, progress=False)
    >>> A = load_network(d, df.iloc[0])
    >>> A.shape, A.nnz   # rewired, as many ties: 30 × 4 neighbours, and each agent itself
    ((30, 30), 150)
    """
    from .storage import SweepStore

    store = SweepStore(out)
    record = store.read_record()
    spec = check_stored_spec(record["spec"], repr(str(store.spec_path)))
    plan = plan_runs(spec, legacy=record.get("format") == 1)
    if isinstance(run, str):
        found = [r for r in plan if r.run_id == run]
    else:
        try:
            point = {name: run[name] for name in spec["grid"]}
            replicate = int(run["replicate"])
        except (KeyError, TypeError, ValueError):
            raise OpinionSimError(f"run == {run!r}, must be a run id or give the varied "
                                  f"parameters ({', '.join(spec['grid']) or 'none'}) and "
                                  "replicate.") from None
        found = [r for r in plan if r.replicate == replicate
                 and all(_same_value(name, r.point[name], point[name]) for name in point)]
    if not found:
        raise OpinionSimError(f"{str(out)!r} has no run {run!r}.")
    run_id = found[0].run_id
    if not store.run_path(run_id).exists():
        raise OpinionSimError(f"run {run_id} of {str(out)!r} has not finished.")
    return store.read_network(run_id)


def _same_value(name, planned, given):
    """Whether a table's value of a varied parameter is the planned one (numbers by value)."""
    from .spec import by_value
    from .table import _column_value

    planned = _column_value(name, planned)
    if isinstance(given, np.generic):
        given = given.item()
    return planned == given or by_value(planned) == by_value(given)



# ============================================================================ one run


def _run_task(common, run):
    """Run one model; return the steps it recorded, its metrics there and how long it took."""
    from ..graphs import build_graph_shared
    from ..models import model_class
    from ..reporters import build_reporters

    t0 = time.perf_counter()
    graph, kwargs = resolve_point(common["params"], run.point)
    if isinstance(graph, dict):
        kwargs.update(build_graph_shared({k: v for k, v in graph.items() if k != "sha256"},
                                         run.seed))
    elif graph is not None:
        kwargs["graph"] = graph
    t1 = time.perf_counter()
    steps, until = common["steps"], common["until"]
    record_every, metrics = common["record_every"], common["metrics"]
    bound = steps if until is None else until.max_steps
    # Without record_every only the final state is wanted: the model gets no reporters (it
    # would evaluate them at step 0) and each metric is evaluated once at the end, built
    # before the run because a reporter may have the model keep what it reads during the
    # steps (step_attention_entropy: the attention entropy of the latest step).
    model = model_class(common["model"])(
        **kwargs, seed=run.seed, reporters=[] if record_every is None else metrics,
        record_every=bound + 1 if record_every is None else record_every)
    final = build_reporters(metrics, model) if record_every is None else None
    if until is None:
        model.run(steps)
    else:
        from ..conditions import max_change

        _, converged = model.run_until(max_change(until.tol), max_steps=until.max_steps,
                                       check_every=until.check_every)
    if record_every is None:
        step = np.array([model.steps], dtype=np.int64)
        values = {column: _as_float(column, [fn(model)])
                  for column, fn in final.items() if column != "step"}
    else:
        dc = model.datacollector
        if dc.model_vars["step"][-1] != model.steps:
            dc.collect(model)  # the last step, when it is not a multiple of record_every
        frame = dc.get_model_vars_dataframe()
        step = frame["step"].to_numpy(dtype=np.int64)
        keep = np.isin(step, expected_steps(model.steps, record_every))
        step = step[keep]
        values = {column: _as_float(column, frame[column].to_numpy()[keep])
                  for column in frame.columns if column != "step"}
    if until is not None:
        values["converged_step"] = np.full(len(step), model.steps, dtype=np.int64)
        values["converged"] = np.full(len(step), converged, dtype=bool)
    t2 = time.perf_counter()
    out = {"step": step, "values": values, "timing": {"graph_s": t1 - t0, "model_s": t2 - t1}}
    keep = common.get("networks")
    if keep is None:  # where rewiring (or a cut tie) changed it; an activity network never lasts
        keep = common["model"] == "opinion" and model.network.version > 0
    if keep and not model.network.complete:  # a complete graph has no edge list to store
        out["network"] = model.network.adjacency
    return out


def _metric_functions(metrics):
    """The metric callables, labelled, that worker processes must be able to import."""
    functions = metrics.values() if isinstance(metrics, dict) else metrics
    return [(f"metric {getattr(fn, '__qualname__', repr(fn))!r}", fn)
            for fn in functions if not isinstance(fn, str)]


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


# ======================================================================== what is shown


def _progress_bar(total, initial, progress):
    if not progress:
        return None
    if not _is_terminal(sys.stderr):
        return _LogProgress(total, initial)
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc="sweep", unit="run", file=sys.stderr,
                dynamic_ncols=True, smoothing=0.05)


def _is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class _LogProgress:
    """Progress for a log (stderr is not a terminal): a line when a quarter of the runs is done.

    A bar redrawn on every run would leave one line per run in a log file;
    this leaves at most four, and the summary follows at the end.
    """

    def __init__(self, total, initial):
        self.total, self.done, self.initial, self.failed = total, initial, initial, 0
        self.start = time.perf_counter()
        self.quarter = 4 * initial // max(total, 1) + 1
        earlier = f" ({initial} done earlier)" if initial else ""
        print(f"sweep: {total} runs{earlier}", file=sys.stderr, flush=True)

    def update(self, n=1):
        self.done += n
        if self.done >= self.total or 4 * self.done < self.quarter * self.total:
            return
        while 4 * self.done >= self.quarter * self.total:
            self.quarter += 1
        elapsed = time.perf_counter() - self.start
        rate = (self.done - self.initial) / elapsed if elapsed > 0 else 0.0
        eta = f", about {(self.total - self.done) / rate:.0f} s left" if rate > 0 else ""
        failed = f", {self.failed} failed" if self.failed else ""
        print(f"sweep: {self.done}/{self.total} runs ({100 * self.done // self.total}%) in "
              f"{elapsed:.0f} s{failed}{eta}", file=sys.stderr, flush=True)

    def set_postfix(self, failed=0, refresh=False):
        self.failed = failed

    def close(self):
        pass


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


