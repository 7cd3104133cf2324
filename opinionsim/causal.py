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
- for ``n_jobs > 1`` it must pickle (a module-level function, not a lambda or
  a closure), and so must the intervention and a callable outcome.

Results do not depend on ``n_jobs``: each seed is computed on its own and the
seeds are aggregated in the order given.

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

import math
import os
import pickle
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._errors import OpinionSimError
from .interventions import Intervention

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
        from .plotting import treatment_effect

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

    @property
    def n_seeds(self):
        """Number of seeds that finished (and enter the estimate)."""
        return len(self.paired)

    def summary(self):
        """A few lines: the attention before and after, the shift and its interval."""
        p = self.paired
        lines = [
            f"Attention of {self.source} on {self.target}: effect of {self.intervention!r} "
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
def causal_effect(make_model, intervention, outcome, *, at, horizon, seeds, n_jobs=1):
    """Average effect of a do-intervention on an outcome, paired over seeds.

    For each seed: build a control and a treated model with two calls of
    ``make_model(seed)``, run both to step ``at``, apply ``intervention`` to
    the treated one (``model.do``), run both ``horizon`` more steps and
    measure ``outcome`` in each. Both arms draw the same random numbers at
    every step (see the module docstring), so ``treated − control`` isolates
    the intervention.

    Parameters
    ----------
    make_model : callable ``seed -> OpinionModel``
        Deterministic in ``seed`` (pass it to ``OpinionModel(seed=...)``);
        picklable when ``n_jobs > 1``.
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
        An int ``k`` means ``range(k)``.
    n_jobs : int
        Worker processes (``-1``: one per CPU). The result does not depend on it.

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
    outcome_name = _check_outcome(outcome)
    name, at, horizon, seeds, n_jobs = _check_common(
        "causal_effect", make_model, intervention, at, horizon, seeds, n_jobs, min_horizon=1,
        also_pickled=[("outcome", outcome)])
    tasks = [(make_model, intervention, outcome, at, horizon, seed) for seed in seeds]
    results, failures = _run(_effect_one, tasks, seeds, n_jobs, name)
    diff = np.array([r["treated"] - r["control"] for r in results])
    ate, stderr, ci = _paired_stats(diff, name)
    paired = pd.DataFrame({
        "seed": [r["seed"] for r in results],
        "control": [r["control"] for r in results],
        "treated": [r["treated"] for r in results],
        "difference": diff,
    })
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


def attention_shift(make_model, intervention, *, source, target, at, horizon, seeds, n_jobs=1):
    """How much a do-intervention moves the attention group ``source`` pays to group ``target``.

    For each seed: build a control and a treated arm from ``make_model(seed)``,
    run both to step ``at`` and measure the attention there (``before``),
    apply ``intervention`` to the treated arm, run both ``horizon`` more steps
    and measure again in each. The attention of ``source`` on ``target`` is

    .. math::

        \\frac{1}{|S|} \\sum_{i \\in S} \\sum_{j \\in T} A_{ij},

    the mean over listeners in ``source`` of the attention mass they give to
    ``target`` (from :meth:`~opinionsim.OpinionModel.attention`, averaged over
    heads; a listener with nobody to listen to attends to itself). This is the
    experiment in which a do-operation on the cause–effect mechanism (say,
    clipping the keys of loud *cause* agents) moves the *effect* group's
    attention on the cause.

    Parameters
    ----------
    make_model : callable ``seed -> OpinionModel``
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
    n_jobs : int

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
    name, at, horizon, seeds, n_jobs = _check_common(
        "attention_shift", make_model, intervention, at, horizon, seeds, n_jobs, min_horizon=0,
        also_pickled=[("source", source), ("target", target)])
    for label, group in (("source", source), ("target", target)):
        if not callable(group) and (isinstance(group, (str, bytes)) or not _iterable(group)):
            raise OpinionSimError(
                f"{label} == {group!r}, must be a collection of node labels or a callable "
                "model -> boolean row mask."
            )
    tasks = [(make_model, intervention, (source, target), at, horizon, seed) for seed in seeds]
    results, failures = _run(_shift_one, tasks, seeds, n_jobs, name)
    shift = np.array([r["treated_after"] - r["control_after"] for r in results])
    mean, stderr, ci = _paired_stats(shift, name)
    paired = pd.DataFrame({
        "seed": [r["seed"] for r in results],
        "before": [r["before"] for r in results],
        "control_after": [r["control_after"] for r in results],
        "treated_after": [r["treated_after"] for r in results],
        "shift": shift,
    })
    return AttentionShift(intervention=intervention, source=_describe(source),
                          target=_describe(target), at=at, horizon=horizon, shift=mean,
                          stderr=stderr, ci=ci, paired=paired, failures=failures)


# ---- one seed (module-level, so that worker processes can run them) ---------------------
def _arms(make_model, seed, at):
    """Both arms of a seed: two ``make_model(seed)`` calls, checked to start identical."""
    from .model import OpinionModel

    control = make_model(seed)
    treated = make_model(seed)
    for arm, model in (("control", control), ("treated", treated)):
        if not isinstance(model, OpinionModel):
            raise OpinionSimError(
                f"make_model({seed}) returned {type(model).__name__} for the {arm} arm, must "
                "return an OpinionModel."
            )
    if control is treated:
        raise OpinionSimError(
            f"make_model({seed}) returned the same model object twice; it must build a new "
            "model on every call (one per arm)."
        )
    if control.steps > at:
        raise OpinionSimError(
            f"make_model({seed}) returned a model already at step {control.steps}, past "
            f"at == {at}."
        )
    if control.seed != treated.seed or control.steps != treated.steps \
            or not np.array_equal(control.opinions, treated.opinions):
        raise OpinionSimError(
            f"make_model({seed}) built two different models for the same seed (model seeds "
            f"{control.seed} and {treated.seed}): make_model must be deterministic in its "
            "seed. Pass the seed on, OpinionModel(..., seed=seed), and build graphs and "
            "initial opinions from it too."
        )
    return control, treated


def _check_identical(control, treated, seed):
    if not np.array_equal(control.opinions, treated.opinions) \
            or not control.rule.equals(treated.rule):
        raise OpinionSimError(
            f"seed {seed}: the control and treated arms diverged before the intervention "
            f"(step {control.steps}) although they started identical: the model built by "
            "make_model draws randomness outside its seed, so the two arms would not share "
            "their random numbers."
        )


def _measure(outcome, model, arm):
    if isinstance(outcome, str):
        from .reporters import REPORTERS

        outcome = REPORTERS[outcome]
    value = outcome(model)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise OpinionSimError(
            f"outcome returned {value!r} at step {model.steps} ({arm} arm), must return a float."
        ) from None
    if not math.isfinite(value):
        raise OpinionSimError(
            f"outcome returned {value!r} at step {model.steps} ({arm} arm), must be finite."
        )
    return value


def _effect_one(make_model, intervention, outcome, at, horizon, seed):
    control, treated = _arms(make_model, seed, at)
    steps, c_path, t_path = [], [], []

    def record():
        steps.append(control.steps)
        c_path.append(_measure(outcome, control, "control"))
        t_path.append(_measure(outcome, treated, "treated"))

    while control.steps < at:
        record()
        control.step()
        treated.step()
    _check_identical(control, treated, seed)
    record()
    treated.do(intervention)
    for _ in range(horizon):
        control.step()
        treated.step()
        record()
    return {"seed": seed, "model_seed": control.seed, "control": c_path[-1],
            "treated": t_path[-1], "steps": steps, "control_path": c_path,
            "treated_path": t_path}


def _shift_one(make_model, intervention, groups, at, horizon, seed):
    control, treated = _arms(make_model, seed, at)
    control.run(at - control.steps)
    treated.run(at - treated.steps)
    _check_identical(control, treated, seed)
    source = _group_rows(control, "source", groups[0])
    target = _group_rows(control, "target", groups[1])
    before = _group_attention(control, source, target)
    treated.do(intervention)
    control.run(horizon)
    treated.run(horizon)
    return {"seed": seed, "model_seed": control.seed, "before": before,
            "control_after": _group_attention(control, source, target),
            "treated_after": _group_attention(treated, source, target)}


def _group_rows(model, label, group):
    if callable(group):
        mask = np.asarray(group(model))
        if mask.dtype != np.bool_ or mask.shape != (model.n_agents,):
            raise OpinionSimError(
                f"{label} callable returned an array of dtype {mask.dtype} and shape "
                f"{mask.shape}, must return a bool mask of shape ({model.n_agents},)."
            )
        rows = np.flatnonzero(mask)
    else:
        rows = np.unique(model.rows_of(group))
    if len(rows) == 0:
        raise OpinionSimError(f"{label} group is empty at step {model.steps}.")
    return rows


def _group_attention(model, source, target):
    indicator = np.zeros(model.n_agents)
    indicator[target] = 1.0
    mass = model.attention() @ indicator
    return float(np.mean(mass[source]))


def _call(task):
    """Run one seed; an exception becomes a failure record instead of ending the run."""
    fn, args = task
    seed = args[-1]
    try:
        return fn(*args), None
    except Exception as exc:  # noqa: BLE001 - any failure of a user's make_model/outcome
        return None, (seed, type(exc).__name__, str(exc))


# ---- shared plumbing -------------------------------------------------------------------
def _run(fn, tasks, seeds, n_jobs, name):
    jobs = [(fn, task) for task in tasks]
    if n_jobs == 1 or len(jobs) == 1:
        outputs = [_call(job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=min(n_jobs, len(jobs))) as pool:
            outputs = list(pool.map(_call, jobs))
    results = [r for r, f in outputs if f is None]
    failed = [f for _, f in outputs if f is not None]
    failures = pd.DataFrame(failed, columns=["seed", "error", "message"])
    if not results:
        listing = "\n".join(f"  seed {s}: {e}: {m}" for s, e, m in failed)
        raise OpinionSimError(f"{name}: every seed failed ({len(failed)}):\n{listing}")
    if failed:
        listing = "; ".join(f"seed {s}: {e}: {m}" for s, e, m in failed)
        warnings.warn(
            f"{name}: {len(failed)} of {len(seeds)} seeds failed and are left out of the "
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


def _paired_stats(diff, name):
    n = len(diff)
    mean = float(np.mean(diff))
    if n < 2:
        warnings.warn(
            f"{name}: only one seed finished, so the spread of the paired differences is "
            "unknown: stderr is inf and the interval is (-inf, inf). Use more seeds.",
            RuntimeWarning, stacklevel=3)
        return mean, math.inf, (-math.inf, math.inf)
    stderr = float(np.std(diff, ddof=1) / math.sqrt(n))
    from scipy import stats  # imported here: scipy.stats costs ~0.3 s at package import

    half = float(stats.t.ppf(0.975, n - 1)) * stderr
    return mean, stderr, (mean - half, mean + half)


def _check_common(name, make_model, intervention, at, horizon, seeds, n_jobs, *, min_horizon,
                  also_pickled):
    if not callable(make_model):
        raise OpinionSimError(
            f"make_model == {make_model!r}, must be a callable seed -> OpinionModel."
        )
    if not isinstance(intervention, Intervention):
        raise OpinionSimError(
            f"intervention == {intervention!r}, must be an intervention from "
            "opinionsim.interventions (e.g. SetTemperature(0.1))."
        )
    at = _check_int("at", at, low=0)
    horizon = _check_int("horizon", horizon, low=min_horizon)
    seeds = _check_seeds(seeds)
    if n_jobs is None:
        n_jobs = 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) \
            or not (n_jobs >= 1 or n_jobs == -1):
        raise OpinionSimError(f"n_jobs == {n_jobs!r}, must be an integer >= 1, or -1 (all CPUs).")
    n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)
    if n_jobs > 1:
        for label, obj in (("make_model", make_model), ("intervention", intervention),
                           *also_pickled):
            try:
                pickle.dumps(obj)
            except Exception as exc:
                raise OpinionSimError(
                    f"n_jobs == {n_jobs} runs seeds in worker processes, so {label} must be "
                    f"picklable (a module-level function, not a lambda or closure): {exc}"
                ) from None
    return name, at, horizon, seeds, n_jobs


def _check_outcome(outcome):
    from .reporters import REPORTERS

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


def _check_int(name, value, *, low):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < low:
        raise OpinionSimError(f"{name} == {value!r}, must be an integer >= {low}.")
    return int(value)


def _check_seeds(seeds):
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, (bool, np.bool_)):
        if seeds < 1:
            raise OpinionSimError(f"seeds == {seeds!r}, must be >= 1 (a count) or a list of seeds.")
        return list(range(int(seeds)))
    if isinstance(seeds, (str, bytes)) or not _iterable(seeds):
        raise OpinionSimError(
            f"seeds == {seeds!r}, must be a count (int) or a sequence of distinct ints >= 0."
        )
    seeds = list(seeds)
    if not seeds:
        raise OpinionSimError("seeds is empty; give a count or at least one seed.")
    for s in seeds:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, np.integer)) or s < 0:
            raise OpinionSimError(f"seeds contains {s!r}, must contain only ints >= 0.")
    seeds = [int(s) for s in seeds]
    if len(set(seeds)) != len(seeds):
        dup = next(s for s in seeds if seeds.count(s) > 1)
        raise OpinionSimError(
            f"seeds contains {dup} twice; each seed must be distinct (a repeated seed is a copy "
            "of the same run, not a replication)."
        )
    return seeds


def _describe(group):
    if callable(group):
        return getattr(group, "__qualname__", None) or repr(group)
    nodes = list(group)
    if len(nodes) <= 6:
        return repr(nodes)
    return f"[{', '.join(map(repr, nodes[:6]))}, …] ({len(nodes)} nodes)"


def _iterable(obj):
    try:
        iter(obj)
    except TypeError:
        return False
    return True
