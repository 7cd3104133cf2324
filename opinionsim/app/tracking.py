"""Metrics over time for the explorer: polarisation every step, echo chambers with their null band.

Polarisation (:data:`EVERY_STEP`) costs one pass over the opinions and is
recorded at every step of every arm. The echo-chamber metrics
(:data:`NETWORK_METRICS`) cost a pass over the network each, and their null
band (:func:`opinionsim.metrics.null_model`, opinions shuffled over the
listening network) ``NULL_SAMPLES`` more; they are evaluated on a snapshot
when they are *due*: at most ``share`` of the wall-clock time goes to them, so
at N = 1000 that is every step and at N = 1e5 every few seconds. In the app
a worker thread evaluates the latest snapshot while the model keeps stepping;
tests evaluate inline (``background=False``).

The do-panel's treated arm is recorded beside the untreated one (the
*control*) at the same steps, so :meth:`MetricTracker.paired` is the paired
difference, treated minus control, at every step both have.

Examples
--------
>>> from opinionsim import OpinionModel
>>> m = OpinionModel(n_agents=30, temperature=0.05, affinity="distance", seed=1, reporters=[])
>>> t = MetricTracker(seed=1, background=False, share=1.0)
>>> for _ in range(3):
...     m.step(); t.record(m.steps, {"control": m})
>>> t.series("variance")[0].tolist()
[1, 2, 3]
>>> len(t.band("echo_chamber_index")[0])
3
"""

from __future__ import annotations

import math
import threading
import time
import weakref

import numpy as np

from .. import _random, metrics, reporters
from .._errors import OpinionSimError

__all__ = ["MetricTracker", "EVERY_STEP", "NETWORK_METRICS", "METRIC_LABELS", "NULL_SAMPLES"]

#: Recorded at every step of every arm: name -> reporter of :mod:`opinionsim.reporters`.
EVERY_STEP = ("variance", "morales_index")
#: Evaluated when due, on snapshots, with a shuffled-opinions null band for the control arm.
NETWORK_METRICS = ("echo_chamber_index", "echo_chamber_modularity")
METRIC_LABELS = {
    "variance": "opinion variance",
    "morales_index": "Morales polarisation index",
    "echo_chamber_index": "echo-chamber index",
    "echo_chamber_modularity": "echo-chamber modularity",
}
#: Null samples per evaluation of a network metric's band.
NULL_SAMPLES = 20
#: Half-width of the band, in null standard deviations (about 95 %).
BAND_SD = 2.0
# Null shuffles draw from (seed, this kind, step), apart from the model's kinds and the
# reporters' null stream, so a band never changes a trajectory and is the same on replay.
_NULL_STREAM = 1016
_CLOSED = object()


class _Series:
    __slots__ = ("steps", "values")

    def __init__(self):
        self.steps, self.values = [], []

    def add(self, step, value):
        if self.steps and step <= self.steps[-1]:  # a replay re-records: keep the newest
            cut = int(np.searchsorted(self.steps, step))
            del self.steps[cut:], self.values[cut:]
        self.steps.append(int(step))
        self.values.append(float(value))

    def arrays(self):
        return np.array(self.steps, dtype=np.int64), np.array(self.values, dtype=np.float64)


class MetricTracker:
    """Time series of the explorer's metrics, per arm, and the control's null bands.

    Parameters
    ----------
    seed : int
        Seeds the null shuffles (with the step), so a band is reproducible.
    null_samples : int >= 2
    share : float in (0, 1]
        Largest share of wall-clock time spent on the network metrics.
    background : bool
        Evaluate the network metrics in a worker thread (the app) or inline.
    clock : callable
        Seconds, for the budget (tests pass a fake clock).
    """

    def __init__(self, *, seed, null_samples=NULL_SAMPLES, share=0.3, background=True,
                 clock=time.perf_counter):
        if not 0 < share <= 1:
            raise OpinionSimError(f"share == {share!r}, must be in (0, 1].")
        self.seed = int(seed)
        self.null_samples = int(null_samples)
        self.share = float(share)
        self.background = bool(background)
        self._clock = clock
        self._lock = threading.Lock()
        self._series = {}
        self._bands = {name: [] for name in NETWORK_METRICS}
        self._failed = {}
        self._fork = None
        self._generation = 0
        self.last_cost = 0.0
        self._next_due = -math.inf
        self._pending = None
        self._wake = threading.Condition(self._lock)
        self._closed = False
        self._busy = False
        self._worker = None
        if self.background:
            self._worker = threading.Thread(target=_work, args=(weakref.ref(self),),
                                            name="opinionsim-app-metrics", daemon=True)
            self._worker.start()

    # ---- recording ---------------------------------------------------------------------
    def record(self, step, arms):
        """Record step ``step`` of ``arms`` (``{"control": model, "treated": model or None}``)."""
        arms = {k: m for k, m in arms.items() if m is not None}
        for arm, model in arms.items():
            self._record_every_step(arm, step, model)
        if self._clock() < self._next_due:
            return
        snap = snapshot(step, arms, generation=self._generation)
        if self.background:
            with self._wake:
                self._pending = snap
                self._wake.notify()
        else:
            self.evaluate(snap)

    def record_arm(self, arm, step, model, *, network):
        """Record one arm alone (a replayed twin): every-step metrics, and the network
        metrics inline if ``network`` (without a band; bands are the control's)."""
        self._record_every_step(arm, step, model)
        if network:
            self.evaluate(snapshot(step, {arm: model}, generation=self._generation),
                          budget=False)

    def _record_every_step(self, arm, step, model):
        values = [reporters.REPORTERS[name](model) for name in EVERY_STEP]
        with self._lock:
            for name, value in zip(EVERY_STEP, values):
                self._add(arm, name, step, value)

    def evaluate(self, snap, *, budget=True):
        """Evaluate the network metrics on a snapshot (from :func:`snapshot`) and record them."""
        step, arms, generation = snap
        start = self._clock()
        rows = []
        for name in NETWORK_METRICS:
            for arm, (X, graph) in arms.items():
                try:
                    if arm == "control":
                        res = metrics.null_model(name, X, graph, kind="shuffle",
                                                 n_samples=self.null_samples,
                                                 rng=_random.stream(self.seed, _NULL_STREAM, step))
                        rows.append((arm, name, res.observed, res))
                    else:
                        rows.append((arm, name, float(metrics.GRAPH_METRICS[name](X, graph)),
                                     None))
                except OpinionSimError as exc:  # e.g. modularity on an implicit complete graph
                    rows.append((arm, name, None, str(exc)))
        cost = self._clock() - start
        with self._lock:
            for arm, name, value, res in rows:
                if arm == "treated" and generation != self._generation:
                    continue  # a twin that has been replaced since the snapshot
                if value is None:
                    self._failed[name] = res
                    continue
                self._add(arm, name, step, value)
                if res is not None:
                    band = self._bands[name]
                    if band and step <= band[-1][0]:
                        band[:] = [b for b in band if b[0] < step]
                    half = BAND_SD * res.null_sd
                    band.append((int(step), res.null_mean - half, res.null_mean + half))
            if budget:
                self.last_cost = cost
                self._next_due = self._clock() + cost * (1.0 / self.share - 1.0)

    def _add(self, arm, name, step, value):
        self._series.setdefault((arm, name), _Series()).add(step, value)

    def start_treated(self, step):
        """Forget the treated arm's series: a new treated arm starts (or replays) from ``step``."""
        with self._lock:
            for key in [k for k in self._series if k[0] == "treated"]:
                del self._series[key]
            self._generation += 1
            self._fork = None if step is None else int(step)

    # ---- reading -----------------------------------------------------------------------
    def series(self, name, arm="control"):
        """``(steps, values)`` arrays of one metric of one arm (empty when not recorded)."""
        with self._lock:
            s = self._series.get((arm, name))
            return s.arrays() if s is not None else (np.zeros(0, np.int64), np.zeros(0))

    def band(self, name):
        """``(steps, low, high)``: the null mean ± 2 null SD of a network metric, control arm."""
        with self._lock:
            rows = list(self._bands.get(name, ()))
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
        steps, low, high = zip(*rows)
        return np.array(steps, dtype=np.int64), np.array(low), np.array(high)

    def paired(self, name):
        """``(steps, treated − control)`` at the steps both arms have, from the fork on."""
        s_c, v_c = self.series(name, "control")
        s_t, v_t = self.series(name, "treated")
        common, i_c, i_t = np.intersect1d(s_c, s_t, return_indices=True)
        keep = common >= (self._fork if self._fork is not None else 0)
        return common[keep], (v_t[i_t] - v_c[i_c])[keep]

    def failure(self, name):
        """Why a metric could not be evaluated (None when it could)."""
        return self._failed.get(name)

    def _take(self, timeout):
        with self._wake:
            if self._pending is None and not self._closed:
                self._wake.wait(timeout=timeout)
            if self._closed:
                return _CLOSED
            snap, self._pending = self._pending, None
            self._busy = snap is not None
            return snap

    def close(self):
        """Stop the worker thread (the tracker keeps what it recorded)."""
        with self._wake:
            self._closed = True
            self._wake.notify_all()

    def wait_idle(self, timeout=10.0):
        """Block until the worker has evaluated the latest snapshot (for tests and benchmarks)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if self._pending is None and not self._busy:
                    return True
            time.sleep(0.01)
        return False


def snapshot(step, arms, generation=0):
    """What the network metrics read, copied so the model can step on:
    ``(step, {arm: (X, graph)}, generation)`` (``generation`` tells twins apart)."""
    return int(step), {arm: (np.array(m.opinions, copy=True), m.network.listening())
                       for arm, m in arms.items() if m is not None}, generation


def _work(ref):
    """The worker: evaluate the latest snapshot (:meth:`MetricTracker.record` hands one over
    only when the budget allows).

    It holds its tracker only while working, so a tracker nobody uses any more
    is collected and the thread ends.
    """
    while True:
        tracker = ref()
        if tracker is None:
            return
        snap = tracker._take(timeout=1.0)
        if snap is _CLOSED:
            return
        if snap is not None:
            try:
                tracker.evaluate(snap)
            finally:
                tracker._busy = False
        del tracker
