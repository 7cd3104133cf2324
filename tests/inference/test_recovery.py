"""Parameter recovery: Wald intervals cover the truth, over replications (statistical statements).

Each replication simulates a fresh Watts–Strogatz network (N = 200, k = 6, p = 0.1) and a
50-step panel with ``OpinionModel`` at known (temperature, step size, σ), then fits all three.
"""

import networkx as nx
import numpy as np
import pytest

import opinionsim as osim

from .conftest import simulate_panel

REPLICATIONS = 30
TRUTH = {"dot": 0.5, "cosine": 0.2, "distance": 0.2}  # temperatures; step size 0.5, σ = 0.05


@pytest.mark.parametrize("affinity", sorted(TRUTH))
def test_wald_intervals_cover_the_truth(affinity):
    truth = np.array([TRUTH[affinity], 0.5, 0.05])
    covered = np.zeros(3)
    errors = []
    for rep in range(REPLICATIONS):
        g = nx.watts_strogatz_graph(200, 6, 0.1, seed=rep)
        X = simulate_panel(50, graph=g, dim=2, affinity=affinity, temperature=truth[0],
                           step_size=truth[1], noise=truth[2], seed=10_000 + rep)
        res = osim.fit(X, g, affinity=affinity, seed=rep, n_starts=2)
        assert res.converged
        ci = res.ci(0.95)
        covered += (ci["low"].to_numpy() <= truth) & (truth <= ci["high"].to_numpy())
        errors.append((res.params.to_numpy() - truth) / res.stderr.to_numpy())
    coverage = covered / REPLICATIONS
    assert ((coverage >= 0.8) & (coverage <= 1.0)).all(), dict(zip(["T", "a", "σ"], coverage))
    # The standardised errors are centred (no bias beyond half a standard error) ...
    z = np.array(errors)
    assert (np.abs(z.mean(axis=0)) < 0.5).all(), z.mean(axis=0)
    # ... and the standard errors match the spread of the estimates (within a factor 1.5).
    assert ((z.std(axis=0) > 1 / 1.5) & (z.std(axis=0) < 1.5)).all(), z.std(axis=0)


def test_estimates_tighten_with_more_steps():
    """The spread of T̂ over replications shrinks with the panel's length (about 1/√steps)."""
    spread = {}
    for steps in (10, 40):
        est = []
        for rep in range(12):
            g = nx.watts_strogatz_graph(100, 6, 0.1, seed=rep)
            X = simulate_panel(steps, graph=g, dim=2, affinity="distance", temperature=0.2,
                               noise=0.05, seed=20_000 + rep)
            est.append(osim.fit(X, g, affinity="distance", seed=rep, n_starts=1)
                       .params["temperature"])
        spread[steps] = np.std(est)
    # 4× the observations: ideally half the spread; allow for early steps carrying more signal.
    assert spread[40] < 0.8 * spread[10], spread
