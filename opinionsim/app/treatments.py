"""The do-panel's menu: which interventions it offers and the one or two numbers each takes.

Each :class:`Treatment` builds an :mod:`opinionsim.interventions` object from
the panel's numbers and the model it will act on; a new entry here is a new
item in the menu.

Examples
--------
>>> from opinionsim import OpinionModel
>>> m = OpinionModel(n_agents=10, seed=3)
>>> TREATMENTS["pin"].build({"share": 20.0, "opinion": 1.0}, m)
Pin(nodes=[3, 9], opinion=1.0)
>>> TREATMENTS["clip_keys"].build({"max_norm": 0.5}, m)
ClipKeyNorm(0.5)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from .._errors import OpinionSimError
from .._validation import check_real

__all__ = ["Treatment", "Knob", "TREATMENTS", "far_apart"]

# Which agents a Pin treatment picks: (seed, this kind), apart from the model's own streams.
_PIN_STREAM = 0x706E  # "pn"


@dataclass(frozen=True)
class Knob:
    """One number a treatment takes: name, label, range, default, and log scale or not."""

    name: str
    label: str
    default: float
    low: float
    high: float
    step: float
    log: bool = False


@dataclass(frozen=True)
class Treatment:
    """An item of the do-panel: its label, its knobs and how to build the intervention."""

    name: str
    label: str
    knobs: tuple
    make: Callable

    def defaults(self):
        return {k.name: k.default for k in self.knobs}

    def build(self, values, model):
        """The intervention for these knob values, to be applied to ``model``.

        Raises
        ------
        OpinionSimError
            For a missing knob or a value outside its range.
        """
        checked = {}
        for k in self.knobs:
            if k.name not in values:
                raise OpinionSimError(f"{self.name}: missing {k.name!r}.")
            checked[k.name] = check_real(k.name, values[k.name], low=k.low, high=k.high)
        return self.make(model, **checked)

    def describe(self, values):
        """One line: the treatment and its numbers."""
        parts = ", ".join(f"{k.label} {values[k.name]:.3g}" for k in self.knobs)
        return f"{self.label} ({parts})"


def far_apart(x_listener, x_speaker, *, distance):
    """Ties whose two ends hold opinions more than ``distance`` apart (a ``CutTies`` rule).

    Examples
    --------
    >>> far_apart(np.array([[0.0], [0.0]]), np.array([[0.5], [2.0]]), distance=1.0).tolist()
    [False, True]
    """
    return np.linalg.norm(x_listener - x_speaker, axis=1) > distance


def _set_temperature(model, *, temperature):
    from ..interventions import SetTemperature

    return SetTemperature(temperature)


def _pin(model, *, share, opinion):
    from ..interventions import Pin

    n = model.n_agents
    count = max(1, round(share / 100.0 * n))
    rng = np.random.default_rng(np.random.SeedSequence(model.seed, spawn_key=(_PIN_STREAM,)))
    rows = np.sort(rng.choice(n, size=count, replace=False))
    return Pin([model.nodes[i] for i in rows], opinion=opinion)


def _cut_ties(model, *, distance):
    from ..interventions import CutTies

    return CutTies(where=partial(far_apart, distance=distance))


def _clip_keys(model, *, max_norm):
    from ..interventions import ClipKeyNorm

    return ClipKeyNorm(max_norm)


#: The do-panel's interventions, by name.
TREATMENTS = {t.name: t for t in (
    Treatment("set_temperature", "set temperature",
              (Knob("temperature", "T", 0.01, 1e-3, 10.0, 0.05, log=True),), _set_temperature),
    Treatment("pin", "pin agents (zealots)",
              (Knob("share", "% of agents", 5.0, 0.1, 50.0, 0.5),
               Knob("opinion", "at opinion", 1.0, -1.0, 1.0, 0.05)), _pin),
    Treatment("cut_ties", "cut ties across opinions",
              (Knob("distance", "farther apart than", 0.5, 0.0, 2.0, 0.05),), _cut_ties),
    Treatment("clip_keys", "clip key norms",
              (Knob("max_norm", "max ‖k‖", 0.5, 0.01, 2.0, 0.01),), _clip_keys),
)}
