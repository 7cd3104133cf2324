"""What every opinionsim model shares: a thin Mesa shell around an opinion array.

:class:`BaseModel` (a ``mesa.Model``) owns the opinions, the seed, the network
(a :class:`~opinionsim.network.Network`), the per-step processes, the
DataCollector with its reporters, the intervention schedule, and the ways to
run (``run``, ``run_until``). Agents are :class:`OpinionAgent` rows, built on
first use. :class:`~opinionsim.OpinionModel` (attention) and
:class:`~opinionsim.ActivityDrivenModel` (Baumann et al.) are subclasses: each
builds its own state, then calls :meth:`BaseModel._start`.

Examples
--------
>>> from opinionsim import OpinionModel
>>> isinstance(OpinionModel(n_agents=3, seed=0), BaseModel)
True
"""

from __future__ import annotations


import mesa
import numpy as np

from . import _random
from ._errors import OpinionSimError
from ._validation import check_flag

__all__ = ["BaseModel", "OpinionAgent", "check_record_every"]


def check_record_every(record_every):
    """``record_every`` as an int >= 1 (raises naming it otherwise)."""
    if isinstance(record_every, bool) or not isinstance(record_every, (int, np.integer)) \
            or record_every < 1:
        raise OpinionSimError(f"record_every == {record_every!r}, must be an integer >= 1.")
    return int(record_every)


class OpinionAgent(mesa.Agent):
    """One agent: a row of the model's opinion array.

    Attributes
    ----------
    node : hashable
        The agent's node label in the network.
    row : int
        Its row in :attr:`OpinionModel.opinions`.
    opinion : ndarray, shape (dim,)
        A read-only view of its current opinion.
    """

    def __init__(self, model, node, row):
        super().__init__(model)
        self.node = node
        self.row = int(row)

    @property
    def opinion(self):
        view = self.model._X[self.row]
        view.flags.writeable = False
        return view

    def __repr__(self):
        return f"OpinionAgent(node={self.node!r}, opinion={self.opinion!r})"


class BaseModel(mesa.Model):
    """The shared shell of opinionsim's models (see the module docstring).

    A subclass sets ``network``, ``seed``, ``record_every`` and ``processes``,
    validates everything, then calls :meth:`_start` with the initial opinions.
    """

    def _start(self, X, *, reporters, interventions, record_opinions):
        """Mesa's set-up, the state, the schedule and the reporters; records step 0."""
        # Mesa's model.rng and model.random (for user code such as agents.shuffle_do) come
        # from the same seed, through a stream of their own: one source of randomness.
        super().__init__(rng=_random.stream(self.seed, _random.MESA, 0))
        self._X = X
        self._X0 = X.copy()
        self._X0.flags.writeable = False
        self.last_change = 0.0
        self.last_entropy = None
        self.interventions_applied = []
        from .interventions import _check_schedule

        self.interventions = _check_schedule(interventions, self)
        self.opinion_history = [] if check_flag("record_opinions", record_opinions) else None
        self._agents_built = False
        from .reporters import build_reporters

        columns = build_reporters(reporters, self)
        # reporters=[] records nothing (not even the step), so that nothing costs a pass.
        self._collecting = len(columns) > 1
        self.datacollector = mesa.DataCollector(model_reporters=columns)
        self._record()
        self._apply_scheduled(0)

    # ---- state -------------------------------------------------------------------------
    @property
    def opinions(self):
        """Read-only ``(N, dim)`` view of the current opinions (graph-node order)."""
        view = self._X.view()
        view.flags.writeable = False
        return view

    @property
    def initial_opinions(self):
        """The opinions at step 0 (read-only)."""
        return self._X0

    @property
    def nodes(self):
        """Node labels in row order."""
        return self.network.nodes

    @property
    def n_agents(self):
        return self.network.n

    @property
    def agents(self):
        """A Mesa ``AgentSet`` of :class:`OpinionAgent`, built on first use."""
        self._build_agents()
        return self._all_agents

    @property
    def agents_by_type(self):
        self._build_agents()
        return super().agents_by_type

    def _build_agents(self):
        if not self._agents_built:
            self._agents_built = True
            for row, node in enumerate(self.network.nodes):
                OpinionAgent(self, node, row)

    def rows_of(self, nodes):
        """Row indices of the given node labels (raises for an unknown label)."""
        return self.network.rows_of(nodes)

    # ---- dynamics ----------------------------------------------------------------------
    def step(self):
        """Advance one tick: every per-step process in order (influence first), then collect."""
        t = self.steps  # Mesa has already counted this step
        for process in self.processes:
            process.step(self, t)
        if t % self.record_every == 0:
            self._record()
        self._apply_scheduled(t)

    def run(self, steps):
        """Run ``steps`` more steps.

        Examples
        --------
        >>> from opinionsim import OpinionModel
        >>> m = OpinionModel(n_agents=5, temperature=float("inf"), seed=1)
        >>> m.run(3); m.steps
        3
        """
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise OpinionSimError(f"steps == {steps!r}, must be an integer >= 0.")
        remaining = int(steps)
        while remaining > 0:
            quiet = self._quiet_steps(remaining)
            if quiet > 1 and self._run_quietly(quiet):
                remaining -= quiet
                continue
            self.step()
            remaining -= 1

    def _quiet_steps(self, horizon):
        """How many of the next ``horizon`` steps nobody observes before the last of them.

        A stretch may end on an observed step (a record, a scheduled intervention)
        but not cross one: ``_run_quietly`` runs it and then observes its end.
        """
        t = self.steps
        stop = t + horizon
        if self._collecting or self.opinion_history is not None:
            stop = min(stop, (t // self.record_every + 1) * self.record_every)
        due = [s for s in self.interventions if t < s < stop]
        if due:
            stop = min(due)
        return stop - t

    def _run_quietly(self, n_steps):
        """Run ``n_steps`` unobserved steps at once, then observe the last; False if unable.

        Subclasses whose dynamics can be advanced in bulk (e.g. fixed-weight
        linear updates) override this; the default cannot.
        """
        return False

    def run_until(self, condition, *, max_steps, check_every=1):
        """Run until ``condition(model)`` is true, checked every ``check_every`` steps.

        The condition is first checked after ``check_every`` steps (never
        before the first step), then every ``check_every`` steps and after the
        last step. Ready-made conditions are in :mod:`opinionsim.conditions`
        (``max_change(tol)``, ``stable(metric, tol, window)``).

        Parameters
        ----------
        condition : callable
            ``model -> bool``.
        max_steps : int >= 1
            The horizon: at most this many more steps.
        check_every : int >= 1

        Returns
        -------
        (int, bool)
            ``(steps_run, converged)``: how many steps this call ran, and
            whether the condition held when it stopped (False: the horizon
            was reached first).

        Raises
        ------
        OpinionSimError
            For a ``condition`` that is not callable, or ``max_steps`` /
            ``check_every`` not an integer >= 1.

        Examples
        --------
        >>> from opinionsim import OpinionModel
        >>> m = OpinionModel(n_agents=5, temperature=float("inf"), seed=1)
        >>> m.run_until(lambda model: model.steps >= 7, max_steps=100, check_every=5)
        (10, True)
        """
        if not callable(condition):
            raise OpinionSimError(f"condition == {condition!r}, must be a callable model -> bool "
                                  "(see opinionsim.conditions).")
        for name, value in (("max_steps", max_steps), ("check_every", check_every)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise OpinionSimError(f"{name} == {value!r}, must be an integer >= 1.")
        steps_run = 0
        while steps_run < max_steps:
            # run(), not a loop of step(): the steps between two checks that nothing records
            # may then go in bulk (bit for bit the same; see _run_quietly).
            stretch = min(int(check_every), int(max_steps) - steps_run)
            self.run(stretch)
            steps_run += stretch
            if condition(self):
                return steps_run, True
        return steps_run, False

    def _record(self):
        if self._collecting:
            self.datacollector.collect(self)
        if self.opinion_history is not None:
            self.opinion_history.append((self.steps, self._X.copy()))

    def do(self, intervention):
        """Apply a causal intervention now (see :mod:`opinionsim.interventions`)."""
        intervention.apply(self)
        self.interventions_applied.append((self.steps, intervention))

    def _apply_scheduled(self, t):
        intervention = self.interventions.get(t)
        if intervention is None:
            return
        try:
            self.do(intervention)
        except OpinionSimError as exc:
            raise OpinionSimError(
                f"the intervention scheduled for step {t}, {intervention!r}, was rejected: {exc}"
            ) from exc

    def _set_state(self, *, opinions=None, adjacency=None, same_rows=False):
        if opinions is not None:
            self._X = opinions
        if adjacency is not None:
            self.network.set_adjacency(adjacency, same_rows=same_rows)
