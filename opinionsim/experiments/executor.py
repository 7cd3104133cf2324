"""Where the runs of an experiment execute: this process, local worker processes, or a cluster.

One executor serves :func:`~opinionsim.sweep.sweep` and
:func:`~opinionsim.causal.causal_effect` alike. :func:`run_tasks` calls
``fn(common, task)`` for every task and hands each outcome to a callback in
this thread as it finishes; a task that raises, or whose worker dies, becomes
a failure record (:func:`failure`), never an exception that ends the others.

``n_jobs`` means the same everywhere (:func:`check_jobs`): the number of local
worker processes; ``None`` or ``-1`` all available cores; ``1`` this process.
Never more workers than tasks. With ``executor=`` (any
:class:`concurrent.futures.Executor`, e.g. a Dask cluster's
``client.get_executor()``) the tasks go there instead.

Local workers. A :class:`~concurrent.futures.ProcessPoolExecutor` whose workers
are forked when this process has a single thread (Linux), and otherwise started
by a ``forkserver`` (or ``spawn``), see :func:`start_method`. Each worker
ignores Ctrl-C and SIGTERM (a scheduler sends those to every process of a job;
the parent decides, and stops the pool), caps its numeric thread pools at
``cores // workers``, receives ``common`` once, and ends by itself if the
parent dies. Everything sent to a worker must therefore be importable there:
:func:`check_sendable` refuses lambdas, nested functions and functions of an
interactive session before anything runs.

Examples
--------
>>> done = []
>>> run_tasks(pow, [1, 2, 3], common=2, workers=1, on_result=lambda t, r: done.append(r["value"]))
>>> done
[2, 4, 8]
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time
import traceback
from concurrent.futures import as_completed
from numbers import Integral

from .._errors import OpinionSimError

__all__ = ["check_jobs", "cpu_count", "run_tasks", "check_sendable", "start_method", "failure"]

# NUMBA_NUM_THREADS is left alone on purpose: the kernels run on their own thread
# pool, and numba refuses to compile once the variable changes after its pool started.
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS")

# Modules a forkserver imports once, rather than every worker on its own.
_PRELOAD = ["opinionsim.experiments.sweep", "opinionsim.experiments.causal", "opinionsim.model",
            "opinionsim.kernels"]


def check_jobs(n_jobs, executor=None):
    """The number of local workers ``n_jobs`` asks for; None when ``executor`` runs the tasks.

    Examples
    --------
    >>> check_jobs(2), check_jobs(None) == check_jobs(-1) == cpu_count()
    (2, True)
    """
    if executor is not None:
        if n_jobs is not None:
            raise OpinionSimError("pass either n_jobs (local processes) or executor, not both.")
        if not callable(getattr(executor, "submit", None)):
            raise OpinionSimError(f"executor is a {type(executor).__name__}, must be a "
                                  "concurrent.futures.Executor (e.g. client.get_executor()).")
        return None
    if n_jobs is None or n_jobs == -1:
        return cpu_count()
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral) or n_jobs < 1:
        raise OpinionSimError(f"n_jobs == {n_jobs!r}, must be an integer >= 1, -1 (all cores) "
                              "or None (all cores).")
    return int(n_jobs)


def cpu_count():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def failure(exc):
    """The record of a task that raised ``exc``."""
    return {"ok": False, "error_type": type(exc).__name__, "message": str(exc),
            "traceback": "".join(traceback.format_exception(exc))}


def _call(fn, common, task):
    """Run one task; return ``{"ok": True, "value": ...}`` or its failure (never raises)."""
    if isinstance(common, str):
        common = _WORKER_COMMON[common]
    try:
        return {"ok": True, "value": fn(common, task)}
    except Exception as exc:  # a failing task is data, not a crash of the experiment
        return failure(exc)


def run_tasks(fn, tasks, *, common, workers, executor=None, on_result, on_start=None,
              sendable=()):
    """Run ``fn(common, task)`` for each task; call ``on_result(task, outcome)`` here as each ends.

    Parameters
    ----------
    fn : callable ``(common, task) -> value``
        Module-level (workers import it).
    tasks : list
    common
        Data every task needs; sent to each local worker once.
    workers : int or None
        From :func:`check_jobs`; ``None`` with ``executor``. At most one
        worker per task; one worker (or one task) runs in this process.
    executor : concurrent.futures.Executor, optional
        Where to run instead of local processes (it is not shut down).
    on_result : callable ``(task, outcome)``
        ``outcome`` is ``{"ok": True, "value": ...}`` or a :func:`failure`
        record (``ok`` False, ``error_type``, ``message``, ``traceback``).
    on_start : callable, optional
        Called once the workers exist, before the first result.
    sendable : list of (label, object)
        What must reach other processes; checked by :func:`check_sendable`
        before any task runs when the tasks leave this process.

    Raises
    ------
    OpinionSimError
        Something in ``sendable`` cannot be sent.
    KeyboardInterrupt
        After cancelling the pending tasks and stopping the local workers.
    """
    on_start = on_start or (lambda: None)
    if executor is None and min(workers, len(tasks)) <= 1:
        on_start()
        for task in tasks:
            on_result(task, _call(fn, common, task))
        return
    pool = None
    if executor is None:
        from concurrent.futures import ProcessPoolExecutor

        context = _mp_context()
        check_sendable(sendable, context.get_start_method())
        workers = min(workers, len(tasks))
        threads = max(1, cpu_count() // workers)
        key = "common"  # one pool per call, so one common
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                   initializer=_init_worker, initargs=(threads, key, common))
        futures = {pool.submit(_call, fn, key, task): task for task in tasks}
    else:
        check_sendable(sendable, None)
        futures = {executor.submit(_call, fn, common, task): task for task in tasks}
    on_start()
    try:
        for fut in as_completed(futures):
            task = futures.pop(fut)
            try:
                outcome = fut.result()
            except Exception as exc:  # the worker died, or the executor failed the task
                outcome = failure(exc)
            on_result(task, outcome)
    except BaseException:
        if pool is None:
            for fut in futures:
                fut.cancel()
        else:
            _stop_pool(pool)
        raise
    if pool is not None:
        pool.shutdown(wait=True)


def check_sendable(items, start_method):
    """Refuse, before any run, objects that worker processes cannot receive.

    ``items`` are ``(label, object)`` pairs. An object must pickle, and a
    function must not come from an interactive ``__main__`` unless workers
    are forked (``start_method`` ``None`` stands for another machine).
    """
    main = sys.modules.get("__main__")
    interactive = not getattr(main, "__file__", None)
    for label, obj in items:
        try:
            pickle.dumps(obj)
        except Exception as exc:  # noqa: BLE001 - whatever stops pickling stops the workers
            raise OpinionSimError(
                f"{label} must be picklable to run in worker processes (a module-level "
                f"function, not a lambda or nested function): {exc}; run with n_jobs=1 to "
                "keep it in this process."
            ) from None
        if getattr(obj, "__module__", None) == "__main__" and interactive \
                and start_method != "fork":
            raise OpinionSimError(
                f"{label} {getattr(obj, '__qualname__', obj)!r} is defined in an interactive "
                "session, so worker processes cannot import it; define it in a module, or run "
                "with n_jobs=1."
            )


def start_method():
    """How local workers start now: ``fork``, ``forkserver`` or ``spawn``.

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
            return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _mp_context():
    import multiprocessing as mp

    ctx = mp.get_context(start_method())
    if ctx.get_start_method() == "forkserver":
        ctx.set_forkserver_preload(_PRELOAD)
    return ctx


# ============================================================================ in a worker

_WORKER_COMMON = {}


def _init_worker(threads, key, common):
    """Local pool worker: leave Ctrl-C and SIGTERM to the parent, cap numeric threads, keep the
    common data."""
    # Otherwise a signal sent to the whole process group (Ctrl-C; a batch scheduler's
    # SIGTERM) would kill the runs in flight before the parent could stop them cleanly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # A forked worker must not keep the parent's sweep directory locked.
    from .storage import close_inherited_locks

    close_inherited_locks()
    _exit_with_parent()
    for var in _THREAD_ENV:
        os.environ[var] = str(threads)
    from ..kernels.threads import limit_threads  # imports numba: only in workers

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


def _stop_pool(pool):
    """Stop a local pool now, abandoning the tasks in flight (their results are not wanted).

    Workers ignore SIGTERM, so they are killed (SIGKILL).
    """
    if hasattr(pool, "kill_workers"):  # Python >= 3.14
        pool.kill_workers()
        return
    processes = getattr(pool, "_processes", None)
    if not processes:
        pool.shutdown(wait=False, cancel_futures=True)
        return
    # Kill the workers first and let the pool's own thread fail the pending futures:
    # cancelling them first trips a CPython 3.11 bug (InvalidStateError in that thread).
    for proc in list(processes.values()):
        proc.kill()
    pool.shutdown(wait=True)
