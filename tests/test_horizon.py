"""Are a sweep's final values steady states? relative_change, still_changing, the CLI's line."""

import math

import numpy as np
import pytest

from opinionsim import OpinionModel
from opinionsim.cli.plot import horizon_finding, save_curve
from opinionsim.experiments.table import still_changing
from opinionsim.reporters import relative_change
from opinionsim.sweep import sweep

INF = float("inf")


def test_relative_change_is_the_largest_step_over_the_initial_spread_by_hand():
    X0 = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]])
    m = OpinionModel(n_agents=3, dim=2, initial_opinions=X0, temperature=INF, step_size=0.5,
                     seed=0, reporters=[])
    assert relative_change(m) == 0.0
    m.step()
    # T = inf on the complete graph with self: x <- x/2 + mean/2, mean = (1/3, 2/3).
    mean = X0.mean(axis=0)
    moved = np.linalg.norm((mean - X0) / 2, axis=1).max()
    spread = math.sqrt(((X0 - mean) ** 2).sum(axis=1).mean())
    assert relative_change(m) == pytest.approx(moved / spread, rel=1e-12)


def test_relative_change_when_everyone_starts_equal():
    m = OpinionModel(n_agents=3, initial_opinions=np.ones(3), seed=0, reporters=[])
    m.step()
    assert relative_change(m) == 0.0
    noisy = OpinionModel(n_agents=3, initial_opinions=np.ones(3), noise=0.1, seed=0,
                         reporters=[])
    noisy.step()
    assert relative_change(noisy) == INF


@pytest.fixture(scope="module")
def degroot_sweeps():
    """DeGroot on a complete graph: deviations halve each step (step size 1/2, self included),
    so after 80 steps nobody moves 1e-6 of the spread (2**-80), after 3 steps everyone does."""
    params = {"n_agents": 20, "step_size": 0.5}
    grid = {"temperature": [INF, 1e6]}
    return {steps: sweep(params, grid, seeds=2, steps=steps, n_jobs=1, progress=False,
                         metrics=["variance", "relative_change"])
            for steps in (3, 80)}


def test_still_changing_counts_runs_per_point(degroot_sweeps):
    short = still_changing(degroot_sweeps[3], ["temperature"])
    long = still_changing(degroot_sweeps[80], ["temperature"])
    assert short["changing"].tolist() == [2, 2] and short["runs"].tolist() == [2, 2]
    assert long["changing"].tolist() == [0, 0]
    assert still_changing(degroot_sweeps[3].drop(columns="relative_change"),
                          ["temperature"]) is None


def test_the_horizon_sentence_is_chosen_by_the_data(degroot_sweeps, tmp_path):
    short = horizon_finding(degroot_sweeps[3], "temperature")
    assert "at step 3" in short and "2 of 2 temperature values" in short \
        and "snapshot" in short
    assert horizon_finding(degroot_sweeps[80], "temperature").startswith(
        "every run had settled by step 80")
    path = save_curve(degroot_sweeps[3], str(tmp_path / "c.png"), x="temperature")
    assert (tmp_path / "c.png").stat().st_size > 0 and path.endswith("c.png")


def test_runs_to_a_steady_state_are_judged_by_their_converged_column():
    table = sweep({"n_agents": 20, "step_size": 0.5}, {"temperature": [INF]}, seeds=2,
                  steps="converge:tol=1e-6,max=5", n_jobs=1, progress=False,
                  metrics=["variance"])
    # 2**-5 > 1e-6: neither replicate gets there in 5 steps.
    assert not table["converged"].any()
    assert horizon_finding(table, "temperature").startswith(
        "2 of 2 runs did not reach a steady state within 5 steps")
