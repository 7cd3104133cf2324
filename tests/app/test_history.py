"""The opinion distribution over time: bounded columns, evenly thinned, shares that sum to 1."""

import numpy as np

from opinionsim.app.history import OpinionHistory


def test_a_long_run_keeps_at_most_max_columns_evenly_spaced():
    h = OpinionHistory(bins=10, max_columns=50)
    X = np.linspace(-1, 1, 101)[:, None]
    for t in range(1000):
        h.record(t, X)
    steps = h.steps
    assert len(steps) <= 50
    assert np.all(np.diff(steps) == h.stride)
    assert steps[0] == 0 and steps[-1] > 1000 - 2 * h.stride


def test_shares_sum_to_one_and_outliers_fall_in_the_end_bins():
    h = OpinionHistory(bins=4, low=-1, high=1)
    h.record(0, np.array([[-5.0], [-0.75], [0.75], [7.0]]))
    assert h.shares[0].tolist() == [0.5, 0.0, 0.0, 0.5]
    assert h.shares.sum() == 1.0


def test_recording_a_step_again_replaces_it_and_what_follows():
    h = OpinionHistory(bins=2)
    for t in range(5):
        h.record(t, np.full((4, 1), -0.5))
    h.record(3, np.full((4, 1), 0.5))
    assert h.steps.tolist() == [0, 1, 2, 3]
    assert h.shares[-1].tolist() == [0.0, 1.0]
