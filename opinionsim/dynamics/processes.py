"""Per-step processes: a model's tick is an ordered list of them.

A process is an object with ``step(model, t)`` that changes the model's state
for tick ``t``, drawing its randomness only from
``opinionsim._random.stream(model.seed, kind, t)`` (so paired causal runs stay
common-random-number). :class:`Influence` (opinions move toward what agents
hear) always runs first; others (rewiring the network, …) run after it in the
order given to ``OpinionModel(processes=[...])``, either as instances or as
names registered with :func:`register_process`.

Examples
--------
>>> class Drift(Process):
...     name = "drift_doc"
...     def step(self, model, t):
...         model._set_state(opinions=model.opinions + 0.01)
>>> _ = register_process("drift_doc", Drift)
>>> from opinionsim import OpinionModel
>>> m = OpinionModel(n_agents=3, temperature=float("inf"), seed=0, processes=["drift_doc"])
>>> m.run(2); round(float(m.opinions.mean() - m.initial_opinions.mean()), 6)
0.02
"""

from __future__ import annotations

import math

import numpy as np

from .. import _random
from .._errors import OpinionSimError
from .._validation import check_registration
from .activation import advance

__all__ = ["Process", "Influence", "PROCESSES", "register_process", "build_processes"]


class Process:
    """Base class of a per-step process (subclass and implement :meth:`step`)."""

    #: The name it is registered and reported under.
    name = "process"

    def step(self, model, t):  # pragma: no cover - every subclass overrides it
        """Change ``model``'s state for tick ``t``."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class Influence(Process):
    """Opinions move toward what agents hear, under the model's rule and activation regime.

    Sets ``model.last_change`` (the largest Euclidean change of one opinion)
    and ``model.last_entropy`` (each agent's attention entropy in nats during the
    step, when the model asks for it and the kernels ran; else None), and
    raises, naming the step and the agent, when an opinion becomes non-finite.
    """

    name = "influence"

    def step(self, model, t):
        X = model._X
        rule = model.rule
        noise_eps = None
        if rule.noise > 0:
            noise_eps = _random.stream(model.seed, _random.NOISE, t).standard_normal(X.shape)
        activation_rng = None
        if model.activation != "synchronous" or rule.weighting.tick is not None:
            activation_rng = _random.stream(model.seed, _random.ACTIVATION, t)
        # The kernels report the largest change (and, when a reporter wants it, each agent's
        # attention entropy) from the same pass; the reference does not, and it is measured here.
        side = {"entropy": None} if getattr(model, "_want_entropy", False) else {}
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            new = advance(model.activation, X, model._X0, model.structure(), rule,
                          noise_eps=noise_eps, activation_rng=activation_rng,
                          activation_rate=model.activation_rate, ctx=model.context(t),
                          byproducts=side)
        largest = side.get("largest_change2")
        if largest is None:
            # One pass serves both checks: X is always finite, so a non-finite new opinion
            # makes the largest squared change non-finite (max propagates NaN).
            delta = new - X
            largest = float(np.max(np.einsum("ij,ij->i", delta, delta)))
        entropy = side.get("entropy")
        if entropy is None and "entropy" in side:
            entropy = _entropy_now(model)  # the reference ran; model._X is still the old state
        model.last_entropy = entropy
        if not math.isfinite(largest):
            bad = np.flatnonzero(~np.isfinite(new).all(axis=1))
            if len(bad):
                row = int(bad[0])
                raise OpinionSimError(
                    f"step {t} produced a non-finite opinion for node "
                    f"{model.network.nodes[row]!r} (row {row}); the previous opinion was "
                    f"{X[row]!r}. Check the opinion scale, temperature and noise."
                )
        model.last_change = math.sqrt(largest)
        model._X = new


def _entropy_now(model):
    """Each agent's attention entropy (nats, mean over live heads; NaN when silent) at the
    current state: what the kernels report from their pass, computed here for the reference."""
    per_head = []
    for h in range(len(model.rule.heads)):
        if model.rule.head_mode(h) == "frozen":
            continue
        A = model._head_attention(h)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(A.data > 0, A.data * np.log(A.data), 0.0)
        rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
        H = -np.bincount(rows, weights=plogp, minlength=A.shape[0])
        # silent agents attend to themselves with weight 1 in attention(): no attention paid
        own = np.asarray(A.sum(axis=1)).ravel()
        H[own == 0] = np.nan
        per_head.append(H)
    return np.mean(per_head, axis=0) if per_head else np.full(model.network.n, np.nan)


PROCESSES = {"influence": Influence}


def register_process(name, factory, *, overwrite=False):
    """Register ``factory() -> Process`` under ``name`` for ``OpinionModel(processes=[name])``."""
    check_registration(PROCESSES, "process", name, factory, "a factory () -> Process",
                       overwrite=overwrite, built_in=lambda k: k == "influence")
    PROCESSES[name] = factory
    return factory


def build_processes(extra):
    """The model's tick: :class:`Influence`, then ``extra`` (instances or registered names)."""
    if extra is None:
        extra = ()
    if isinstance(extra, (str, Process)) or not hasattr(extra, "__iter__"):
        extra = (extra,)
    out = [Influence()]
    for p in extra:
        if isinstance(p, str):
            if p not in PROCESSES:
                raise OpinionSimError(
                    f"processes names {p!r}, which is not registered; known: "
                    f"{', '.join(PROCESSES)} (or pass a Process instance).")
            p = PROCESSES[p]()
        if not isinstance(p, Process):
            raise OpinionSimError(
                f"processes entry {p!r} is neither a registered name nor a Process instance.")
        if isinstance(p, Influence):
            raise OpinionSimError("processes must not list 'influence': it always runs first.")
        out.append(p)
    return out
