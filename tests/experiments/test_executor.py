"""The one executor of sweeps and causal effects: n_jobs, failures, dead workers, what may be sent."""

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from opinionsim import OpinionSimError
from opinionsim.experiments import executor
from opinionsim.experiments.executor import check_jobs, check_sendable, run_tasks


def power(common, task):
    if task == 3:
        raise ValueError(f"no power of {task}")
    return common ** task


def die_on_two(common, task):
    if task == 2:
        os._exit(1)  # the worker process dies without a word
    return task


def worker_pid(common, task):
    return os.getpid()


def collect(fn, tasks, **kwargs):
    out = {}
    run_tasks(fn, tasks, on_result=out.__setitem__, **kwargs)
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_task_is_a_record_and_the_others_finish(workers):
    out = collect(power, [0, 1, 2, 3, 4], common=2, workers=workers)
    assert {t: r["value"] for t, r in out.items() if r["ok"]} == {0: 1, 1: 2, 2: 4, 4: 16}
    failed = out[3]
    assert (failed["ok"], failed["error_type"], failed["message"]) == \
        (False, "ValueError", "no power of 3")
    assert "raise ValueError" in failed["traceback"]


def test_a_dead_worker_is_a_failure_not_a_crash():
    out = collect(die_on_two, [1, 2], common=None, workers=2)
    assert out[2]["ok"] is False and out[2]["error_type"] == "BrokenProcessPool"
    assert set(out) == {1, 2}


def test_one_worker_or_one_task_runs_in_this_process_and_workers_are_capped_by_tasks():
    here = [collect(worker_pid, [0, 1], common=None, workers=1),
            collect(worker_pid, [0], common=None, workers=8)]
    assert {r["value"] for out in here for r in out.values()} == {os.getpid()}
    pids = {r["value"] for r in collect(worker_pid, range(6), common=None, workers=2).values()}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2


def test_any_concurrent_futures_executor():
    with ThreadPoolExecutor(2) as pool:
        out = collect(power, [1, 3], common=5, workers=None, executor=pool)
    assert out[1]["value"] == 5 and out[3]["error_type"] == "ValueError"


def test_n_jobs_means_the_same_everywhere(monkeypatch):
    monkeypatch.setattr(executor, "cpu_count", lambda: 6)
    assert check_jobs(None) == check_jobs(-1) == 6
    assert check_jobs(3) == 3
    for bad in (0, -2, 1.5, True, "2"):
        with pytest.raises(OpinionSimError, match=f"n_jobs == {bad!r}"):
            check_jobs(bad)
    with pytest.raises(OpinionSimError, match="either n_jobs"):
        check_jobs(2, ThreadPoolExecutor(1))
    with pytest.raises(OpinionSimError, match="must be a concurrent.futures.Executor"):
        check_jobs(None, object())


def test_what_workers_cannot_import_is_refused_before_anything_runs(monkeypatch):
    with pytest.raises(OpinionSimError, match="f must be picklable.*lambda or nested.*n_jobs=1"):
        check_sendable([("f", lambda: 1)], "fork")
    check_sendable([("f", power), ("data", [1, 2])], "spawn")

    def interactive():
        pass

    interactive.__module__, interactive.__qualname__ = "__main__", "interactive"
    monkeypatch.setattr(sys.modules["__main__"], "interactive", interactive, raising=False)
    monkeypatch.delattr(sys.modules["__main__"], "__file__", raising=False)
    check_sendable([("f", interactive)], "fork")  # a forked worker has it
    for method in ("forkserver", "spawn", None):
        with pytest.raises(OpinionSimError, match="interactive session"):
            check_sendable([("f", interactive)], method)
