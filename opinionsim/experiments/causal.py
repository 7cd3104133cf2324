"""Paired-seed causal effects of do-interventions.

The question users bring is causal: *does lowering the temperature cause the
polarisation, or would it have happened anyway?* An agent-based model is a
structural causal model whose mechanism is the update rule, so the answer is
an experiment: for each seed, build the same world twice, intervene on the
mechanism in one of them (the *treated* arm, see
:mod:`opinionsim.interventions`), leave the other alone (the *control* arm),
run both on and compare.

Common random numbers
---------------------
Every random draw of a run comes from ``stream(seed, kind, step)`` (see
:mod:`opinionsim._random`): the initial opinions from ``(seed, INIT, 0)``, the
noise of step ``t`` from ``(seed, NOISE, t)`` and the activation order or
coins of step ``t`` from ``(seed, ACTIVATION, t)``. A draw depends on the
seed, its kind and the step number, and on nothing an intervention can
change (opinions, the rule, the network, how many draws earlier steps made).
The two arms of a seed therefore draw *identical* numbers at every step,
before and after the intervention, and the paired difference
``treated − control`` isolates the intervention: a null intervention gives
exactly ``0.0`` for every seed, noise and random activation included, and
the paired standard error is typically far smaller than the one from
independent arms.

Two requirements follow for ``make_model(seed)``:

- it must be deterministic in ``seed``: pass the seed to
  ``OpinionModel(..., seed=seed)`` and build everything else (graphs,
  initial opinions) from it too (e.g. ``nx.watts_strogatz_graph(..., seed=seed)``).
  Each arm is a separate ``make_model(seed)`` call; the two arms are checked
  to be bit-identical at the intervention step, and a seed whose arms differ
  fails with an explanation.
- for ``n_jobs != 1`` it must pickle (a module-level function, not a lambda or
  a closure), and so must the intervention and a callable outcome.

Replicates and seeds
--------------------
``seeds`` and ``seed`` mean what they mean in :func:`~opinionsim.sweep.sweep`
(see :mod:`opinionsim.experiments.spec`): ``seeds`` names the *replicates*
(a count ``n`` for replicates ``0 … n − 1``, or a list of distinct replicate
ids), and ``seed`` is the *base seed* of their model seeds. Replicate ``r``
is run with the model seed

- ``r`` itself when ``seed=None`` (the default), so ``seeds=8`` calls
  ``make_model(0)``, …, ``make_model(7)`` and ``seeds=[3]`` re-runs exactly
  the replicate 3 of an earlier call, as causal effects always did;
- ``run_seed(seed, {}, r)`` for an int ``seed``, the SeedSequence-derived
  seed that a sweep with base seed ``seed`` and nothing varied gives its
  replicate ``r`` (:func:`opinionsim.sweep.run_seed`): other base seeds give
  other, independent replications of the same experiment.

``make_model`` receives that model seed, and the ``seed`` column of
``paired``, ``trajectories`` and ``failures`` records it. No spelling changed
its meaning, so none is deprecated: ``seeds=8`` and ``seeds=[5, 1]`` run the
same models as before.

Workers
-------
``n_jobs`` means what it means in :func:`~opinionsim.sweep.sweep`: local worker
processes, ``None`` or ``-1`` all available cores (never more than seeds), run
by the same executor (:mod:`opinionsim.experiments.executor`). The default
stays ``n_jobs=1``, which runs in this process, so that ``make_model`` may be a
lambda or a closure. ``n_jobs=None`` used to mean one process here; it keeps
working with such functions (a ``DeprecationWarning`` says it runs in this
process) and uses all cores when they can be sent to workers. Results do not
depend on ``n_jobs``: each seed is computed on its own and the seeds are
aggregated in the order given.

Examples
--------
>>> from opinionsim import OpinionModel
>>> from opinionsim.interventions import Pin
>>> def make(seed):
...     return OpinionModel(n_agents=20, temperature=float("inf"), noise=0.05, seed=seed)
>>> eff = causal_effect(make, Pin([0, 1], opinion=1.0), "mean_opinion",
...                     at=5, horizon=10, seeds=8)
>>> eff.n_seeds, bool(eff.ci[0] < eff.ate < eff.ci[1]), bool(eff.ate > 0)
(8, True, True)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._errors import OpinionSimError
from .arms import effect_one, shift_one
from .executor import check_jobs, check_sendable, run_tasks, start_method
from .spec import check_int, check_seed, check_seeds, run_seed
from .stats import paired_t

if TYPE_CHECKING:  # pandas and the interventions load when an experiment runs
    import pandas as pd

    from ..interventions import Intervention

__all__ = ["causal_effect", "attention_shift", "CausalEffect", "AttentionShift"]


# ---- results ---------------------------------------------------------------------------
@dataclass(frozen=True, repr=False, eq=False)
class CausalEffect:
    """The paired-seed estimate of an intervention's effect on an outcome.

    Attributes
    ----------
    intervention : Intervention
    outcome : str
        The metric name, or the callable's name.
    at, horizon : int
        The intervention step and how many steps were run after it.
    ate : float
        Average treatment effect: the mean over seeds of ``treated − control``
        at step ``at + horizon``.
    stderr : float
        Standard error of :attr:`ate`: the sample standard deviation of the
        paired differences (``ddof=1``) over ``√n``. ``inf`` with one seed.
    ci : tuple of float
        95% interval ``(low, high)`` from Student's t with ``n − 1`` degrees of
        freedom; ``(-inf, inf)`` with one seed.
    paired : pandas.DataFrame
        One row per finished seed: ``seed``, ``control``, ``treated``,
        ``difference``.
    trajectories : pandas.DataFrame
        Long format, ``seed``, ``step``, ``arm`` (``"control"`` or
        ``"treated"``), ``value``: the outcome of both arms at every step from
        the start to ``at + horizon``. At step ``at`` both arms are measured
        before the intervention (so they are equal), as the model's
        DataCollector does.
    failures : pandas.DataFrame
        One row per failed seed: ``seed``, ``error`` (the exception type),
        ``message``.
    """

    intervention: Intervention
    outcome: str
    at: int
    horizon: int
    ate: float
    stderr: float
    ci: tuple
    paired: pd.DataFrame
    trajectories: pd.DataFrame
    failures: pd.DataFrame

    @property
    def n_seeds(self):
        """Number of seeds that finished (and enter the estimate)."""
        return len(self.paired)

    def summary(self):
        """A few lines: the estimate, its interval, and what was done."""
        lines = [
            f"Effect of {self.intervention!r} at step {self.at} on {self.outcome!r} "
            f"{self.horizon} steps later",
            f"  ATE = {self.ate:.6g} ± {self.stderr:.3g} (stderr)",
            f"  95% CI = [{self.ci[0]:.6g}, {self.ci[1]:.6g}]",
            f"  paired over {self.n_seeds} seeds"
            + (f" ({len(self.failures)} failed: seeds {list(self.failures['seed'])})"
               if len(self.failures) else ""),
        ]
        return "\n".join(lines)

    def plot(self, **kwargs):
        """Plot both arms over time and the paired effects (see :mod:`opinionsim.plotting`)."""
        from ..plotting import treatment_effect

        return treatment_effect(self, **kwargs)

    def __repr__(self):
        return (f"CausalEffect({self.intervention!r} on {self.outcome!r}: ATE = {self.ate:.6g} "
                f"± {self.stderr:.3g}, 95% CI [{self.ci[0]:.6g}, {self.ci[1]:.6g}], "
                f"n_seeds={self.n_seeds})")


@dataclass(frozen=True, repr=False, eq=False)
class AttentionShift:
    """How an intervention moves the attention one group pays to another.

    Attributes
    ----------
    intervention : Intervention
    source, target : str
        Descriptions of the two groups.
    at, horizon : int
    shift : float
        Mean over seeds of ``treated_after − control_after``.
    stderr : float
        Paired standard error of :attr:`shift` (``inf`` with one seed).
    ci : tuple of float
        95% Student-t interval (``(-inf, inf)`` with one seed).
    paired : pandas.DataFrame
        One row per finished seed: ``seed``, ``before`` (at step ``at``,
        before the intervention), ``control_after``, ``treated_after`` (at
        ``at + horizon``) and ``shift``.
    failures : pandas.DataFrame
        ``seed``, ``error``, ``message`` for each failed seed.
    head : int or None
        The head measured (``None``: the mean over heads).
    """

    intervention: Intervention
    source: str
    target: str
    at: int
    horizon: int
    shift: float
    stderr: float
    ci: tuple
    paired: pd.DataFrame
    failures: pd.DataFrame
    head: int | None = None

    @property
    def n_seeds(self):
        """Number of seeds that finished (and enter the estimate)."""
        return len(self.paired)

    def summary(self):
        """A few lines: the attention before and after, the shift and its interval."""
        p = self.paired
        where = "" if self.head is None else f" (head {self.head})"
        lines = [
            f"Attention{where} of {self.source} on {self.target}: effect of {self.intervention!r} "
            f"at step {self.at}, {self.horizon} steps later",
            f"  before = {p['before'].mean():.6g}, control after = "
            f"{p['control_after'].mean():.6g}, treated after = {p['treated_after'].mean():.6g}",
            f"  shift = {self.shift:.6g} ± {self.stderr:.3g} (stderr), "
            f"95% CI = [{self.ci[0]:.6g}, {self.ci[1]:.6g}]",
            f"  paired over {self.n_seeds} seeds"
            + (f" ({len(self.failures)} failed: seeds {list(self.failures['seed'])})"
               if len(self.failures) else ""),
        ]
        return "\n".join(lines)

    def __repr__(self):
        return (f"AttentionShift({self.intervention!r}, {self.source} → {self.target}: "
                f"shift = {self.shift:.6g} ± {self.stderr:.3g}, 95% CI [{self.ci[0]:.6g}, "
                f"{self.ci[1]:.6g}], n_seeds={self.n_seeds})")


# ---- entry points ----------------------------------------------------------------------
def causal_effect(make_model, intervention, outcome, *, at, horizon, seeds, seed=None,
                  n_jobs=1):
    """Average effect of a do-intervention on an outcome, paired over seeds.

    For each replicate: build a control and a treated model with two calls
    of ``make_model(model_seed)``, run both to step ``at``, apply ``intervention`` to
    the treated one (``model.do``), run both ``horizon`` more steps and
    measure ``outcome`` in each. Both arms draw the same random numbers at
    every step (see the module docstring), so ``treated − control`` isolates
    the intervention.

    Parameters
    ----------
    make_model : callable ``model_seed -> OpinionModel``
        Called with each replicate's model seed (the replicate id itself
        unless ``seed`` is given). Deterministic in it (pass it to
        ``OpinionModel(seed=...)``); picklable when ``n_jobs != 1``.
    intervention : Intervention
    outcome : str or callable ``model -> float``
        A reporter name (see :data:`opinionsim.reporters.REPORTERS`, looked up
        when called) or a function of the model.
    at : int >= 0
        The step at which the treated arm is intervened on.
    horizon : int >= 1
        Steps run after the intervention; the outcome is measured at
        ``at + horizon``.
    seeds : int or sequence of distinct ints >= 0
        The replicates: a count ``k`` (replicates ``0 … k − 1``) or their ids,
        as in :func:`~opinionsim.sweep.sweep`.
    seed : int >= 0, optional
        Base seed: replicate ``r`` gets the model seed ``run_seed(seed, {}, r)``
        (:func:`opinionsim.sweep.run_seed`). Default: the model seed is ``r``
        itself (see the module docstring).
    n_jobs : int or None, default 1
        Worker processes; ``None`` or ``-1``: all available cores, bounded by
        the number of replicates (as in :func:`~opinionsim.sweep.sweep`);
        ``1`` runs in this process. The result does not depend on it.

    Returns
    -------
    CausalEffect
        With ``ate``, ``stderr``, ``ci``, ``paired``, ``trajectories`` and
        ``failures``. With a single finished seed, ``stderr`` is ``inf`` and
        ``ci`` is ``(-inf, inf)`` (and a warning says so): one paired
        difference says nothing about its spread.

    Raises
    ------
    OpinionSimError
        For an invalid argument (before anything runs), or when every seed
        fails (listing each seed and its error). A seed that fails (an
        exception in ``make_model``, a step, the intervention or ``outcome``;
        arms that are not identical before the intervention) is recorded in
        ``failures`` with a warning, and the other seeds still count.

    Examples
    --------
    A null intervention has an effect of exactly zero:

    >>> from opinionsim import OpinionModel
    >>> from opinionsim.interventions import SetTemperature
    >>> def make(seed):
    ...     return OpinionModel(n_agents=10, temperature=0.5, noise=0.1,
    ...                         activation="random_sequential", seed=seed)
    >>> eff = causal_effect(make, SetTemperature(0.5), "variance", at=2, horizon=3, seeds=4)
    >>> eff.paired["difference"].tolist(), eff.ci
    ([0.0, 0.0, 0.0, 0.0], (0.0, 0.0))
    """
    import pandas as pd

    name = "causal_effect"
    outcome_name = _check_outcome(outcome)
    at, horizon, model_seeds = _check_common(make_model, intervention, at, horizon, seeds, seed,
                                             n_jobs, min_horizon=1)
    results, failures = _run(effect_one, (make_model, intervention, outcome, at, horizon),
                             model_seeds, n_jobs, name, sendable=[("outcome", outcome)])
    paired = _table(results, "seed", "control", "treated")
    paired["difference"] = paired["treated"] - paired["control"]
    ate, stderr, ci = paired_t(paired["difference"], name=name)
    runs = [(r["seed"], arm, r["steps"], r[arm + "_path"])
            for r in results for arm in ("control", "treated")]
    trajectories = pd.DataFrame({
        "seed": np.concatenate([np.full(len(steps), seed) for seed, _, steps, _ in runs]),
        "step": np.concatenate([steps for _, _, steps, _ in runs]),
        "arm": np.concatenate([np.full(len(steps), arm, dtype=object)
                               for _, arm, steps, _ in runs]),
        "value": np.concatenate([values for _, _, _, values in runs]),
    })
    return CausalEffect(intervention=intervention, outcome=outcome_name, at=at, horizon=horizon,
                        ate=ate, stderr=stderr, ci=ci, paired=paired, trajectories=trajectories,
                        failures=failures)


def attention_shift(make_model, intervention, *, source, target, at, horizon, seeds,
                    seed=None, n_jobs=1, head=None):
    """How much a do-intervention moves the attention group ``source`` pays to group ``target``.

    For each seed: build a control and a treated arm from ``make_model(seed)``,
    run both to step ``at`` and measure the attention there (``before``),
    apply ``intervention`` to the treated arm, run both ``horizon`` more steps
    and measure again in each. The attention of ``source`` on ``target`` is

    .. math::

        \\frac{1}{|S|} \\sum_{i \\in S} \\sum_{j \\in T} A_{ij},

    the mean over listeners in ``source`` of the attention mass they give to
    ``target`` (from :meth:`~opinionsim.OpinionModel.attention`: one head's
    weights with ``head=``, else the mean over heads; a listener with nobody to
    listen to attends to itself). This is the
    experiment in which a do-operation on the cause–effect mechanism (say,
    clipping the keys of loud *cause* agents) moves the *effect* group's
    attention on the cause.

    Parameters
    ----------
    make_model : callable ``model_seed -> OpinionModel``
        As in :func:`causal_effect`.
    intervention : Intervention
    source, target : collection of node labels, or callable ``model -> bool array``
        The groups. A callable returns a boolean mask over the model's rows;
        it is evaluated once per seed, on the control arm at step ``at``
        before the intervention, and the same groups are used for all three
        measurements.
    at : int >= 0
    horizon : int >= 0
        ``0`` measures the immediate effect of the changed mechanism on
        attention, before anyone has moved.
    seeds : int or sequence of distinct ints >= 0
    seed : int >= 0, optional
    n_jobs : int or None, default 1
        As in :func:`causal_effect`.
    head : int, optional
        Measure one head (topic) only: which heads matter, read through a
        do-intervention such as :class:`~opinionsim.interventions.AblateHead`
        on another head. Default: the mean over heads.

    Returns
    -------
    AttentionShift
        ``shift`` (mean of ``treated_after − control_after``), ``stderr``,
        ``ci``, ``paired`` (``seed``, ``before``, ``control_after``,
        ``treated_after``, ``shift``) and ``failures``.

    Raises
    ------
    OpinionSimError
        As :func:`causal_effect`; also for an empty group.

    Examples
    --------
    Cutting every tie from agent 0 to agents 1 and 2 takes all its attention
    off them (it is left listening to itself and agent 3):

    >>> from opinionsim import OpinionModel
    >>> from opinionsim.interventions import CutTies
    >>> def make(seed):
    ...     return OpinionModel(n_agents=4, temperature=float("inf"), seed=seed)
    >>> res = attention_shift(make, CutTies([(0, 1), (0, 2)]), source=[0], target=[1, 2],
    ...                       at=0, horizon=1, seeds=3)
    >>> res.paired[["before", "control_after", "treated_after"]].iloc[0].tolist()
    [0.5, 0.5, 0.0]
    """
    name = "attention_shift"
    at, horizon, model_seeds = _check_common(make_model, intervention, at, horizon, seeds, seed,
                                             n_jobs, min_horizon=0)
    for label, group in (("source", source), ("target", target)):
        if not callable(group) and (isinstance(group, (str, bytes))
                                    or not hasattr(group, "__iter__")):
            raise OpinionSimError(
                f"{label} == {group!r}, must be a collection of node labels or a callable "
                "model -> boolean row mask."
            )
    if head is not None and (isinstance(head, bool) or not isinstance(head, (int, np.integer))
                             or head < 0):
        raise OpinionSimError(
            f"head == {head!r}, must be None (the mean over heads) or a head index >= 0.")
    results, failures = _run(shift_one, (make_model, intervention, (source, target), at, horizon,
                                         None if head is None else int(head)),
                             model_seeds, n_jobs, name,
                             sendable=[("source", source), ("target", target)])
    paired = _table(results, "seed", "before", "control_after", "treated_after")
    paired["shift"] = paired["treated_after"] - paired["control_after"]
    mean, stderr, ci = paired_t(paired["shift"], name=name)
    return AttentionShift(intervention=intervention, source=_describe(source),
                          target=_describe(target), at=at, horizon=horizon, shift=mean,
                          stderr=stderr, ci=ci, paired=paired, failures=failures,
                          head=None if head is None else int(head))


# ---- shared plumbing -------------------------------------------------------------------
def _run(fn, common, model_seeds, n_jobs, name, *, sendable):
    """``fn(common, seed)`` for every model seed: the results in seed order, and the failures."""
    import pandas as pd

    make_model, intervention = common[:2]
    sendable = [("make_model", make_model), ("intervention", intervention), *sendable]
    workers = check_jobs(n_jobs)
    if n_jobs is None and min(workers, len(model_seeds)) > 1:
        try:
            check_sendable(sendable, start_method())
        except OpinionSimError as exc:
            warnings.warn(
                f"{name}: n_jobs=None now means all cores, as in sweep (it meant one process "
                f"here), but {exc} Running in this process, as before; pass n_jobs=1 to do so "
                "without this warning.", DeprecationWarning, stacklevel=3)
            workers = 1
    outcomes = {}
    run_tasks(fn, model_seeds, common=common, workers=workers,
              on_result=outcomes.__setitem__, sendable=sendable)
    results = [outcomes[s]["value"] for s in model_seeds if outcomes[s]["ok"]]
    failed = [(s, outcomes[s]["error_type"], outcomes[s]["message"])
              for s in model_seeds if not outcomes[s]["ok"]]
    failures = pd.DataFrame(failed, columns=["seed", "error", "message"])
    if not results:
        listing = "\n".join(f"  seed {s}: {e}: {m}" for s, e, m in failed)
        raise OpinionSimError(f"{name}: every seed failed ({len(failed)}):\n{listing}")
    if failed:
        listing = "; ".join(f"seed {s}: {e}: {m}" for s, e, m in failed)
        warnings.warn(
            f"{name}: {len(failed)} of {len(model_seeds)} seeds failed and are left out of the "
            f"estimate (see .failures): {listing}", RuntimeWarning, stacklevel=3)
    by_model_seed = {}
    for r in results:
        by_model_seed.setdefault(r["model_seed"], []).append(r["seed"])
    shared = [v for v in by_model_seed.values() if len(v) > 1]
    if shared:
        warnings.warn(
            f"{name}: seeds {shared[0]} all built models with the same model seed, so they "
            "are copies of one run, not independent replications: make_model should pass "
            "its seed on to OpinionModel(seed=...).", RuntimeWarning, stacklevel=3)
    return results, failures


def _table(results, *columns):
    """One row per finished seed, the given entries of its result as columns."""
    import pandas as pd

    return pd.DataFrame({column: [r[column] for r in results] for column in columns})


def _check_common(make_model, intervention, at, horizon, seeds, seed, n_jobs, *, min_horizon):
    """Check the arguments both entry points share; return ``at``, ``horizon``, the model seeds."""
    from ..interventions import Intervention

    if not callable(make_model):
        raise OpinionSimError(
            f"make_model == {make_model!r}, must be a callable seed -> OpinionModel."
        )
    if not isinstance(intervention, Intervention):
        raise OpinionSimError(
            f"intervention == {intervention!r}, must be an intervention from "
            "opinionsim.interventions (e.g. SetTemperature(0.1))."
        )
    at = check_int("at", at, low=0)
    horizon = check_int("horizon", horizon, low=min_horizon)
    replicates = check_seeds(seeds)
    seed = check_seed(seed)
    check_jobs(n_jobs)
    return at, horizon, [run_seed(seed, {}, r) for r in replicates]


def _check_outcome(outcome):
    from ..reporters import REPORTERS

    if isinstance(outcome, str):
        if outcome not in REPORTERS:
            raise OpinionSimError(
                f"outcome == {outcome!r}, which is not a metric; known: "
                f"{', '.join(sorted(REPORTERS))} (or pass a callable model -> float)."
            )
        return outcome
    if callable(outcome):
        return getattr(outcome, "__qualname__", None) or repr(outcome)
    raise OpinionSimError(
        f"outcome == {outcome!r}, must be a metric name or a callable model -> float."
    )


def _describe(group):
    if callable(group):
        return getattr(group, "__qualname__", None) or repr(group)
    nodes = list(group)
    if len(nodes) <= 6:
        return repr(nodes)
    return f"[{', '.join(map(repr, nodes[:6]))}, …] ({len(nodes)} nodes)"
