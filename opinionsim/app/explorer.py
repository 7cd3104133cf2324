"""The explorer's Mesa model: the model the panel describes, and the do-panel's treated twin.

:class:`ExplorerModel` is what Mesa's ``ModelController`` steps, plays and
resets (``ExplorerModel(**settings)``). It owns an
:class:`~opinionsim.OpinionModel` built from the control panel's settings
(:mod:`opinionsim.app.controls`), the *control* arm, and, once the do-panel
applies an intervention, a *treated* arm: the same model with the same seed
and the intervention at the chosen step. Every random draw comes from (seed,
kind, step), so the two arms draw the same numbers and their difference is
the intervention's effect, step by step.

A live control (temperature, step size, noise, stubbornness) changes both arms
at the same step, through the same intervention, so the pair stays paired; it
is logged in each arm's ``interventions_applied`` like any other.

Nothing here imports Solara: the page (:mod:`opinionsim.app.page`) reads
this model under :attr:`ExplorerModel.lock` and draws it.

Examples
--------
>>> m = ExplorerModel(n_agents=100, temperature=0.02, seed=3, background=False)
>>> m.treat("set_temperature", {"temperature": 1.0}, at=5)
>>> for _ in range(10):
...     m.step()
>>> steps, diff = m.tracker.paired("variance")
>>> bool(np.all(diff[steps <= 5] == 0.0)), bool(np.any(diff[steps > 6] != 0.0))
(True, True)
"""

from __future__ import annotations

import copy
import threading
import time

import mesa
import numpy as np
from scipy.sparse.csgraph import breadth_first_order

from .. import _random
from .._errors import OpinionSimError
from ..graphs import build_graph
from ..metrics import CLUSTER_TOL, opinion_clusters
from ..model import OpinionModel
from .controls import CONTROLS, NETWORK_KINDS, check_settings, live_intervention
from .history import OpinionHistory
from .layout import drawn_edges, pivot_mds
from .tracking import MetricTracker
from .treatments import TREATMENTS

__all__ = ["ExplorerModel", "MAX_NETWORK_VIEW", "MAX_SCATTER", "HEATMAP_AGENTS",
           "ATTENTION_EVERY", "ATTENTION_SPACING"]

#: The network view is drawn up to this many agents.
MAX_NETWORK_VIEW = 2000
#: The opinion scatter shows at most this many agents (a seeded sample).
MAX_SCATTER = 2000
#: Agents in the attention heatmap (a network neighbourhood, or a sample on a complete graph).
HEATMAP_AGENTS = 200
#: The heatmap is redrawn at most this often (seconds): it is read, not watched ...
ATTENTION_EVERY = 0.25
#: ... and after a pause of this many times what it cost (the page draws it, so at
#: N = 1e5, where the whole attention matrix takes 0.1-0.2 s, it takes a sixth of the time).
ATTENTION_SPACING = 5.0
#: Above this many agents a complete graph's attention (N x N) is not drawn.
MAX_COMPLETE_HEATMAP = 4000
# Which agents are zealots: (seed, this kind), apart from the model's own streams.
_ZEALOT_STREAM = 0x7A6C  # "zl"
_VIEW_STREAM = 0x7677  # "vw": which agents the views sample


class ExplorerModel(mesa.Model):
    """The explorer's model: one :class:`~opinionsim.OpinionModel` and its treated twin.

    Parameters
    ----------
    background : bool
        Evaluate the echo-chamber metrics in a worker thread (the app) or
        inline at every step (tests).
    **settings
        One keyword per control of :data:`opinionsim.app.controls.CONTROLS`
        (defaults for the others).

    Attributes
    ----------
    settings : dict
        The settings as given; :attr:`config` has them validated and complete.
    control, treated : OpinionModel
        The untreated arm, and the treated one (None before the do-panel acts).
    treatment : dict or None
        The do-panel's intervention: ``name``, ``values``, ``at``, ``intervention``.
    tracker : MetricTracker
    lock : threading.RLock
        Held while stepping or changing the model; hold it to read a consistent state.
    pace : callable or None
        Called before every step, outside the lock. The page sets it to wait until
        its previous frame is drawn, so that playing never outruns the browser.
    """

    def __init__(self, *, background=True, **settings):
        self.settings = dict(settings)
        self.config = check_settings(settings)
        c = self.config
        seed = c["seed"]
        super().__init__(rng=_random.stream(seed, _random.MESA, 0))
        self.lock = threading.RLock()
        self.graph_spec = NETWORK_KINDS[c["network"]](c["n_agents"], c["k"])
        graph = build_graph(self.graph_spec, seed, fast=True)
        n = c["n_agents"]
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_ZEALOT_STREAM,)))
        zealots = np.sort(rng.choice(n, size=round(c["zealots"] / 100.0 * n),
                                     replace=False))
        self._model_kwargs = dict(graph, zealots=zealots.tolist(), seed=seed, reporters=[])
        for control in CONTROLS:
            self._model_kwargs.update(control.model_keywords(c[control.name]))
        self.control = OpinionModel(**self._model_kwargs)
        self.treated = None
        self.treatment = None
        self.live = {ctl.name: c[ctl.name] for ctl in CONTROLS if ctl.live}
        self.tracker = MetricTracker(seed=seed, background=background)
        self.histories = {"control": OpinionHistory()}
        self.step_seconds = 0.0
        view_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_VIEW_STREAM,)))
        self.scatter_rows = np.sort(view_rng.choice(n, size=min(n, MAX_SCATTER), replace=False))
        self.heatmap_rows = self._neighbourhood(view_rng)
        self.layout, self.edges = None, None
        if n <= MAX_NETWORK_VIEW:
            adjacency = self.control.network.listening()
            if self.control.network.complete:
                angle = 2 * np.pi * np.arange(n) / n
                self.layout = np.column_stack([np.cos(angle), np.sin(angle)])
                self.edges = np.zeros((0, 2), dtype=np.int64)
            else:
                self.layout = pivot_mds(adjacency, seed=seed)
                self.edges = drawn_edges(adjacency, seed=seed)
        self._drawn_version = self.control.network.version
        self._drawn_seed = seed
        self._attention = None
        self._attention_due = -np.inf
        self.pace = None
        self._record()

    # ---- stepping ----------------------------------------------------------------------
    def step(self):
        """One step of both arms; the do-panel's intervention once its step is reached."""
        if self.pace is not None:
            self.pace()
        with self.lock:
            start = time.perf_counter()
            self.control.step()
            if self.treated is not None:
                self.treated.step()
            network = self.control.network
            if self.edges is not None and network.version != self._drawn_version \
                    and not network.complete:
                # Rewiring moved ties: redraw them at the same positions (layout stays fixed).
                self.edges = drawn_edges(network.listening(), seed=self._drawn_seed)
                self._drawn_version = network.version
            self._record()
            self._apply_pending()
            self.step_seconds = time.perf_counter() - start

    def _record(self):
        arms = self.arms()
        self.tracker.record(self.control.steps, arms)
        for arm, model in arms.items():
            if model is not None:
                self.histories[arm].record(model.steps, model.opinions)

    def arms(self):
        """``{"control": model, "treated": model or None}``."""
        return {"control": self.control, "treated": self.treated}

    # ---- live controls -----------------------------------------------------------------
    def set_live(self, name, value):
        """Change a live control in both arms, from the next step on.

        Raises
        ------
        OpinionSimError
            For a control that is not live or a value out of its range.
        """
        with self.lock:
            for model in (self.control, self.treated):
                if model is not None:
                    model.do(live_intervention(name, value, model))
            self.live[name] = value

    # ---- the do-panel ------------------------------------------------------------------
    def treat(self, name, values, *, at):
        """Run a treated twin with intervention ``name`` applied at step ``at``.

        At or after the current step the twin is a copy of the control arm now
        (the intervention waits for its step); before it, the twin is rebuilt
        from the seed and replayed with the control's live changes and the
        intervention at ``at``, up to the current step. Either way the two
        arms share every random draw.

        Raises
        ------
        OpinionSimError
            For an unknown treatment, a bad value or step (the previous twin,
            if any, is then kept), or an intervention the model rejects (the
            twin is then dropped).
        """
        treatment = TREATMENTS.get(name)
        if treatment is None:
            raise OpinionSimError(f"treatment == {name!r}, must be one of "
                                  f"{', '.join(TREATMENTS)}.")
        if isinstance(at, bool) or not isinstance(at, (int, np.integer)) or at < 0:
            raise OpinionSimError(f"at == {at!r}, must be a step number >= 0.")
        at = int(at)
        with self.lock:
            now = self.control.steps
            intervention = treatment.build(values, self.control)
            self.clear_treatment()
            fork = min(at, now)
            self.tracker.start_treated(fork)
            self.histories["treated"] = OpinionHistory()
            try:
                if at >= now:
                    twin = copy.deepcopy(self.control)
                    self._record_arm(twin, network=True)
                    if at == now:
                        twin.do(intervention)
                else:
                    twin = self._replay(intervention, at)
            except Exception:
                self.clear_treatment()
                raise
            self.treated = twin
            self.treatment = {"name": name, "values": dict(values), "at": at,
                              "intervention": intervention,
                              "label": treatment.describe(values), "pending": at > now}

    def clear_treatment(self):
        """Drop the treated arm."""
        with self.lock:
            self.treated = None
            self.treatment = None
            self.tracker.start_treated(None)
            self.histories.pop("treated", None)

    def _apply_pending(self):
        t = self.treatment
        if t is None or not t["pending"] or self.treated.steps != t["at"]:
            return
        t["pending"] = False
        self.treated.do(t["intervention"])

    def _replay(self, intervention, at):
        """The twin rebuilt from the seed, replayed to the current step with the control's
        logged changes and ``intervention`` at ``at``, and recorded from ``at`` on.

        A step's record shows the world before that step's changes, as in the
        control arm (and as :class:`~opinionsim.OpinionModel` records them).
        """
        log = {}
        for step, change in self.control.interventions_applied:
            log.setdefault(step, []).append(change)
        log.setdefault(at, []).append(intervention)
        network_steps = set(self.tracker.series("echo_chamber_index")[0].tolist())
        twin = OpinionModel(**self._model_kwargs)
        while True:
            t = twin.steps
            if t >= at:
                self._record_arm(twin, network=t in network_steps)
            for change in log.get(t, ()):
                twin.do(change)
            if t >= self.control.steps:
                return twin
            twin.step()

    def _record_arm(self, twin, *, network):
        self.tracker.record_arm("treated", twin.steps, twin, network=network)
        self.histories["treated"].record(twin.steps, twin.opinions)

    # ---- what the views read -----------------------------------------------------------
    @property
    def n_agents(self):
        return self.control.n_agents

    @property
    def dim(self):
        return self.control.dim

    def scatter(self, arm="control"):
        """``(xy, labels)``: the first two opinion dimensions of the sampled agents, and their
        opinion cluster (numbered by size, largest first)."""
        model = self.arms()[arm]
        with self.lock:
            X = np.array(model.opinions[self.scatter_rows])
        labels = np.asarray(opinion_clusters(X, tol=CLUSTER_TOL))
        sizes = np.bincount(labels)
        rank = np.empty_like(sizes)
        rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
        return X[:, :2], rank[labels]

    def attention_block(self):
        """``(M, sizes, step, agents)``: attention among :attr:`heatmap_rows`, sorted by cluster.

        ``M[i, j]`` is how much listener ``agents[i]`` attends to speaker
        ``agents[j]`` (model rows); rows and columns are grouped by opinion
        cluster (ordered along the first opinion dimension) and ``sizes`` are
        the clusters' sizes in that order.
        Recomputed when due: at most every :data:`ATTENTION_EVERY` seconds and
        a sixth of the time (:data:`ATTENTION_SPACING`; the whole attention
        matrix is built, 0.1-0.2 s at N = 1e5). None when the network is complete and too large to build.
        """
        net = self.control.network
        if net.complete and net.n > MAX_COMPLETE_HEATMAP:
            return None
        if self._attention is not None and time.perf_counter() < self._attention_due:
            return self._attention
        start = time.perf_counter()
        rows = self.heatmap_rows
        with self.lock:
            A = self.control.attention()
            X = np.array(self.control.opinions[rows])
            step = self.control.steps
        block = A[rows][:, rows].toarray()
        labels = np.asarray(opinion_clusters(X, tol=CLUSTER_TOL))
        centre = np.bincount(labels, weights=X[:, 0]) / np.bincount(labels)
        rank = np.empty(len(centre), dtype=np.int64)
        rank[np.argsort(centre, kind="stable")] = np.arange(len(centre))
        order = np.lexsort((X[:, 0], rank[labels]))
        sizes = np.bincount(rank[labels], minlength=len(centre))
        self._attention = (block[np.ix_(order, order)], sizes, step, rows[order])
        cost = time.perf_counter() - start
        self._attention_due = time.perf_counter() + max(ATTENTION_SPACING * cost,
                                                         ATTENTION_EVERY)
        return self._attention

    def _neighbourhood(self, rng):
        """Rows for the heatmap: a breadth-first neighbourhood of a random agent (so that
        the block holds ties), or a random sample on a complete graph."""
        n = self.control.n_agents
        size = min(n, HEATMAP_AGENTS)
        net = self.control.network
        if net.complete:
            return np.sort(rng.choice(n, size=size, replace=False))
        adjacency = net.listening()
        rows, seen = [], np.zeros(n, dtype=bool)
        while len(rows) < size:
            root = int(rng.choice(np.flatnonzero(~seen)))
            order = breadth_first_order(adjacency, root, directed=False,
                                        return_predecessors=False)
            order = order[~seen[order]][: size - len(rows)]
            seen[order] = True
            rows.extend(order.tolist())
        return np.array(rows, dtype=np.int64)

    def close(self):
        """Stop the metrics worker."""
        self.tracker.close()

    def __repr__(self):
        return (f"ExplorerModel({', '.join(f'{k}={v!r}' for k, v in self.settings.items())}; "
                f"steps={self.steps}, treated={self.treatment['label'] if self.treatment else None})")
