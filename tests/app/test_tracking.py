"""Metrics over time: the null band is null_model's, the budget is kept, the worker ends."""

import gc

import numpy as np
import pytest

from opinionsim import OpinionModel, _random
from opinionsim.app import tracking
from opinionsim.app.tracking import BAND_SD, MetricTracker
from opinionsim.interventions import Pin
from opinionsim.metrics import null_model


def _model(seed=1):
    return OpinionModel(n_agents=60, temperature=0.05, affinity="distance", seed=seed,
                        reporters=[])


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_band_is_null_models_mean_plus_minus_two_sd_on_the_same_stream():
    m = _model()
    m.run(4)
    t = MetricTracker(seed=m.seed, background=False, share=1.0)
    t.record(m.steps, {"control": m})
    steps, low, high = t.band("echo_chamber_index")
    res = null_model("echo_chamber_index", m.opinions, m.network.listening(), kind="shuffle",
                     n_samples=tracking.NULL_SAMPLES,
                     rng=_random.stream(m.seed, tracking._NULL_STREAM, m.steps))
    assert steps.tolist() == [4]
    assert low[0] == res.null_mean - BAND_SD * res.null_sd
    assert high[0] == res.null_mean + BAND_SD * res.null_sd
    assert t.series("echo_chamber_index")[1].tolist() == [res.observed]


def test_an_expensive_evaluation_is_not_repeated_before_its_share_of_time_has_passed():
    clock = FakeClock()
    t = MetricTracker(seed=1, background=False, share=0.25, clock=clock)
    m = _model()
    original = tracking.metrics.null_model

    def costly(*args, **kwargs):
        clock.now += 0.5  # each null_model call costs half a second of the fake clock
        return original(*args, **kwargs)

    tracking.metrics.null_model = costly
    try:
        for step in range(40):
            clock.now += 0.1  # and each step a tenth
            t.record(step, {"control": m})
    finally:
        tracking.metrics.null_model = original
    evaluated = t.series("echo_chamber_index")[0]
    # cost 1 s (two metrics) at share 1/4: 3 s of other work between evaluations
    assert len(evaluated) >= 2
    gaps = np.diff(evaluated)
    assert np.all(gaps * 0.1 >= 3.0 - 1e-9)


def test_paired_difference_is_treated_minus_control_from_the_fork_on():
    t = MetricTracker(seed=1, background=False, share=1.0)
    a, b = _model(), _model()
    for step in range(3):
        t.record(step, {"control": a})
    t.start_treated(2)
    b.do(Pin([0], opinion=1.0))
    t.record(2, {"control": a, "treated": b})
    steps, diff = t.paired("variance")
    assert steps.tolist() == [2]
    assert diff[0] == t.series("variance", "treated")[1][-1] - t.series("variance")[1][2]


def test_the_worker_thread_evaluates_in_the_background_and_ends_with_the_tracker():
    t = MetricTracker(seed=1, background=True, share=1.0)
    m = _model()
    m.run(3)
    t.record(m.steps, {"control": m})
    assert t.wait_idle(timeout=30)
    assert t.series("echo_chamber_index")[0].tolist() == [3]
    worker = t._worker
    del t
    gc.collect()
    worker.join(timeout=5)
    assert not worker.is_alive()


def test_close_stops_the_worker():
    t = MetricTracker(seed=1, background=True)
    t.close()
    t._worker.join(timeout=5)
    assert not t._worker.is_alive()


def test_a_snapshot_of_a_replaced_twin_is_dropped():
    t = MetricTracker(seed=1, background=False, share=1.0)
    a, b = _model(), _model(2)
    t.start_treated(0)
    snap = tracking.snapshot(0, {"control": a, "treated": b}, generation=t._generation)
    t.start_treated(0)  # a new twin since the snapshot was taken
    t.evaluate(snap)
    assert len(t.series("echo_chamber_index", "treated")[0]) == 0
    assert len(t.series("echo_chamber_index", "control")[0]) == 1


def test_share_must_be_a_fraction():
    with pytest.raises(Exception, match=r"share == 0, must be in \(0, 1\]"):
        MetricTracker(seed=1, share=0)
