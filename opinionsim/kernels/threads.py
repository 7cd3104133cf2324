"""Threads and switches of the compiled kernels: how many threads a step uses, the pool they
run on, and whether the kernels are on at all.

Configuration
-------------
``OPINIONSIM_DISABLE_KERNELS=1``
    Always run the reference (also :func:`set_enabled` / :func:`disabled`).
``OPINIONSIM_NUM_THREADS=n``
    Threads per step (default: the CPUs this process may run on). Also
    :func:`set_num_threads`; sweep workers call :func:`limit_threads`.

Kernels release the GIL and run on a small thread pool over chunks of rows
(no numba ``parallel=True``, so no threading-layer or fork-safety issues).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np


__all__ = ["get_num_threads", "set_num_threads", "limit_threads", "available", "enabled",
           "set_enabled", "disabled", "warn_once", "mark_broken", "run_chunks"]

_lock = threading.Lock()
_enabled = True
_broken = None          # the exception that disabled the kernels, if any
_warned = set()
_num_threads = None
_pool = None


def _default_threads():
    env = os.environ.get("OPINIONSIM_NUM_THREADS", "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            n = 0
        if n >= 1:
            return n
        warn_once("threads-env", f"OPINIONSIM_NUM_THREADS == {env!r}, must be an integer >= 1; "
                   "using one thread per available CPU.")
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def get_num_threads() -> int:
    """Threads a step uses (``OPINIONSIM_NUM_THREADS``, :func:`set_num_threads`, or the CPUs).

    Examples
    --------
    >>> get_num_threads() >= 1
    True
    """
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def set_num_threads(n):
    """Use ``n`` threads per step from now on; returns the previous count.

    Raises
    ------
    ValueError
        Unless ``n`` is an integer >= 1.

    Examples
    --------
    >>> old = set_num_threads(1); _ = set_num_threads(old)
    """
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n == {n!r}, must be an integer >= 1 (threads per step).")
    previous = get_num_threads()
    _num_threads = int(n)
    return previous


def limit_threads(n=1):
    """Cap the threads this process computes with at ``n``: call it first thing in a sweep worker.

    Sets the kernels' thread count, the BLAS/OpenMP pools through
    ``threadpoolctl`` where it is installed, and the ``OMP_NUM_THREADS``-style
    variables that child processes inherit. With ``w`` worker processes on
    ``c`` cores, ``limit_threads(max(1, c // w))`` keeps the machine from being
    oversubscribed. (The kernels run on their own pool, not numba's, so
    ``NUMBA_NUM_THREADS`` is left alone: numba refuses to compile once it
    changes after its threads have started.) Returns the previous count.

    Examples
    --------
    >>> old = limit_threads(1); _ = set_num_threads(old)
    """
    previous = set_num_threads(n)
    for var in ("OPINIONSIM_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "MKL_NUM_THREADS"):
        os.environ[var] = str(int(n))
    try:
        import threadpoolctl
    except ImportError:
        pass
    else:
        threadpoolctl.threadpool_limits(int(n))
    return previous


def available() -> bool:
    """Whether no kernel has failed in this process (a failure switches them off)."""
    return _broken is None


def enabled() -> bool:
    """Whether :func:`advance` will try the compiled kernels (see :func:`set_enabled`)."""
    env = os.environ.get("OPINIONSIM_DISABLE_KERNELS", "").strip().lower()
    return _enabled and available() and env in ("", "0", "false", "no")


def set_enabled(flag: bool) -> bool:
    """Turn the compiled kernels on or off for this process; returns the previous setting."""
    global _enabled
    previous = _enabled
    _enabled = bool(flag)
    return previous


@contextlib.contextmanager
def disabled():
    """Run the reference implementation inside the ``with`` block.

    Examples
    --------
    >>> with disabled():
    ...     enabled()
    False
    """
    previous = set_enabled(False)
    try:
        yield
    finally:
        set_enabled(previous)


def warn_once(key, message):
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    warnings.warn(message, RuntimeWarning, stacklevel=4)


def _reset_after_fork():
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _executor(workers):
    global _pool
    with _lock:
        if _pool is None or _pool._max_workers < workers:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="opinionsim")
        return _pool


def run_chunks(task, n_chunks, n_threads):
    """Run ``task(c)`` for every chunk, on the calling thread and ``n_threads - 1`` helpers."""
    if n_threads <= 1 or n_chunks <= 1:
        for c in range(n_chunks):
            task(c)
        return
    counter = itertools.count()

    def worker():
        while True:
            c = next(counter)
            if c >= n_chunks:
                return
            task(c)

    helpers = [_executor(n_threads - 1).submit(worker) for _ in range(n_threads - 1)]
    worker()
    for f in helpers:
        f.result()


def mark_broken(exc):
    """Switch the kernels off for this process after ``exc`` (the reference runs from now on)."""
    global _broken
    _broken = exc
