"""One replicate of a paired experiment: two arms of the same world, one of them intervened on.

:func:`effect_one` and :func:`shift_one` are what
:func:`~opinionsim.causal.causal_effect` and
:func:`~opinionsim.causal.attention_shift` run for each model seed, in this
process or in a worker (so they live at module level). Each builds a control
and a treated arm with two ``make_model(seed)`` calls, checks that they are
the same model (:func:`arms`) and still the same at the intervention step
(common random numbers make them so, see :mod:`opinionsim.experiments.causal`),
applies the intervention to the treated arm and measures both.
"""

from __future__ import annotations

import math

import numpy as np

from .._errors import OpinionSimError

__all__ = ["arms", "effect_one", "shift_one"]


def arms(make_model, seed, at):
    """Both arms of a seed: two ``make_model(seed)`` calls, checked to start identical."""
    from ..base import BaseModel

    control = make_model(seed)
    treated = make_model(seed)
    for arm, model in (("control", control), ("treated", treated)):
        if not isinstance(model, BaseModel):
            raise OpinionSimError(
                f"make_model({seed}) returned {type(model).__name__} for the {arm} arm, must "
                "return an OpinionModel or an ActivityDrivenModel (an opinionsim model)."
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
        from ..reporters import REPORTERS

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


def effect_one(common, seed):
    make_model, intervention, outcome, at, horizon = common
    control, treated = arms(make_model, seed, at)
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


def shift_one(common, seed):
    make_model, intervention, groups, at, horizon, head = common
    control, treated = arms(make_model, seed, at)
    control.run(at - control.steps)
    treated.run(at - treated.steps)
    _check_identical(control, treated, seed)
    source = _group_rows(control, "source", groups[0])
    target = _group_rows(control, "target", groups[1])
    before = _group_attention(control, source, target, head)
    treated.do(intervention)
    control.run(horizon)
    treated.run(horizon)
    return {"seed": seed, "model_seed": control.seed, "before": before,
            "control_after": _group_attention(control, source, target, head),
            "treated_after": _group_attention(treated, source, target, head)}


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


def _group_attention(model, source, target, head=None):
    indicator = np.zeros(model.n_agents)
    indicator[target] = 1.0
    mass = model.attention(head) @ indicator
    return float(np.mean(mass[source]))
