"""The control panel's table: one :class:`Control` per setting of the explorer.

The page draws one widget per entry, :class:`~opinionsim.app.explorer.ExplorerModel`
takes one keyword per entry, and :func:`check_settings` validates a settings
dict against the table, so a new control is one new entry here. Rule
parameters take their one-line documentation from the model's parameter table
(:data:`opinionsim.dynamics.PARAMETERS`), which also validates their values.

A control is either *live* (it changes the running model from the next step
on, through an intervention applied to both arms of a do-panel pair, so the
pair stays paired) or applies *on reset* (it changes what is built: the
network, the population, the seed). A control may be shown *disabled* with a
note, for a setting the model does not have yet.

Examples
--------
>>> s = check_settings({"temperature": 0.05})
>>> s["temperature"], s["network"], s["n_agents"]
(0.05, 'watts_strogatz', 1000)
>>> check_settings({"temprature": 0.05})
Traceback (most recent call last):
...
opinionsim._errors.OpinionSimError: unknown setting 'temprature'; settings: network, ...
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .._errors import OpinionSimError
from .._validation import check_real

__all__ = ["Control", "CONTROLS", "NETWORK_KINDS", "POPULATIONS", "MAX_COMPLETE_AGENTS",
           "check_settings", "default_settings",
           "live_intervention"]

#: Network kinds offered, each with how the panel's (N, k) become a graph spec
#: (:mod:`opinionsim.graphs`): ``k`` is the mean number of contacts.
#: ``k`` is capped where a small population cannot have that many.
NETWORK_KINDS = {
    "watts_strogatz": lambda n, k: {"kind": "watts_strogatz", "n": n,
                                    "k": min(k - k % 2, (n - 1) - (n - 1) % 2), "p": 0.1},
    "erdos_renyi": lambda n, k: {"kind": "erdos_renyi", "n": n, "p": min(1.0, k / (n - 1))},
    "barabasi_albert": lambda n, k: {"kind": "barabasi_albert", "n": n,
                                     "m": min(max(1, k // 2), n - 1)},
    "complete": lambda n, k: {"kind": "complete", "n": n},
}

#: A complete graph costs N² per step: the explorer runs one up to this many agents.
MAX_COMPLETE_AGENTS = 5000

#: Population sizes offered (a slider over 10 ... 1e5 agents would be all jumps).
POPULATIONS = (20, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)


def _affinities():
    from ..dynamics import AFFINITIES

    return tuple(AFFINITIES)


def _rule_doc(name):
    from ..dynamics import PARAMETERS

    return PARAMETERS[name].doc


@dataclass(frozen=True)
class Control:
    """One setting of the explorer and the widget that sets it.

    Attributes
    ----------
    name : str
        The keyword of :class:`~opinionsim.app.explorer.ExplorerModel`.
    label : str
        What the panel shows.
    widget : {"select", "int", "float", "log", "switch"}
        ``"log"`` is a slider over ``log10`` of the value.
    default : object
    low, high, step : float, optional
        The slider's range and increment (for ``"log"``: of ``log10`` of the value).
    choices : tuple or callable, optional
        For ``"select"``: the values, or a function returning them (a registry).
    live : bool
        Applied to the running model from the next step (True), or on reset.
    enabled : bool
        False shows the control disabled, with ``note``.
    note : str
        One line under the control.
    doc : str or callable
        Tooltip; a callable is called once (e.g. to read the parameter table).
    intervention : callable, optional
        For a live control: ``(value, model) -> Intervention`` that makes the change.
    keyword : bool or callable
        How the value reaches :class:`~opinionsim.OpinionModel`: True passes it as
        the keyword ``name``; a callable ``value -> dict`` gives keywords; False
        leaves it to the explorer (the network, the zealots, the seed).
    """

    name: str
    label: str
    widget: str
    default: object
    low: float = None
    high: float = None
    step: float = None
    choices: object = None
    live: bool = False
    enabled: bool = True
    note: str = ""
    doc: object = ""
    intervention: Callable = None
    keyword: object = True

    def model_keywords(self, value):
        """The :class:`~opinionsim.OpinionModel` keywords this control's value sets."""
        if self.keyword is True:
            return {self.name: value}
        return self.keyword(value) if callable(self.keyword) else {}

    def values(self):
        """The choices of a ``"select"`` control."""
        return tuple(self.choices() if callable(self.choices) else self.choices)

    def help(self):
        return self.doc() if callable(self.doc) else self.doc

    def check(self, value):
        """The canonical value, or :class:`~opinionsim.OpinionSimError` naming the control."""
        if self.widget == "select":
            allowed = self.values()
            if isinstance(value, bool) or value not in allowed:
                raise OpinionSimError(f"{self.name} == {value!r}, must be one of "
                                      f"{', '.join(map(repr, allowed))}.")
            return value
        if self.widget == "switch":
            if not isinstance(value, bool):
                raise OpinionSimError(f"{self.name} == {value!r}, must be True or False.")
            return value
        low, high = self.low, self.high
        if self.widget == "log":
            low, high = 10.0 ** low, 10.0 ** high
        value = check_real(self.name, value, low=low, high=high)
        if self.widget == "int":
            if value != math.floor(value):
                raise OpinionSimError(f"{self.name} == {value!r}, must be an integer.")
            return int(value)
        return value


def _set_temperature(value, model):
    from ..interventions import SetTemperature

    return SetTemperature(value)


def _set_rule(name):
    def make(value, model):
        from ..interventions import SetRule

        return SetRule(model.rule.rule, **{name: value})

    return make


def _set_stubbornness(value, model):
    from ..interventions import SetStubbornness

    return SetStubbornness(value)


#: The explorer's settings, in the order the panel shows them.
def _rewiring(on):
    """The rewiring switch's keywords: attention-driven unfollowing with a similar-minded
    recommender (its bias a temperature of 0.1), or nothing."""
    if not on:
        return {}
    from ..dynamics.rewiring import Unfollow

    return {"rewiring": Unfollow(rate=0.02, threshold=0.5, recommend="similar", candidates=10,
                                 temperature=0.1)}


CONTROLS = (
    Control("network", "network", "select", "watts_strogatz", choices=tuple(NETWORK_KINDS),
            keyword=False,
            doc="Who listens to whom: small world (p = 0.1), random, scale-free, or everyone."),
    Control("n_agents", "agents N", "select", 1000, choices=POPULATIONS, keyword=False,
            doc="Population size. The network view is drawn up to N = 2000."),
    Control("k", "contacts k", "int", 10, low=2, high=50, step=2, keyword=False,
            doc="Mean number of contacts (small world: ring neighbours; scale-free: 2 m)."),
    Control("dim", "opinion dimensions", "int", 1, low=1, high=3, step=1,
            doc="1: histogram over time; 2 or more: scatter of the first two, by cluster."),
    Control("affinity", "affinity", "select", "distance", choices=_affinities,
            doc=lambda: _rule_doc("affinity")),
    Control("temperature", "temperature T", "log", 0.1, low=-3.0, high=1.0, step=0.05,
            live=True, doc=lambda: _rule_doc("temperature"), intervention=_set_temperature),
    Control("step_size", "step size", "float", 0.5, low=0.05, high=1.0, step=0.05, live=True,
            doc=lambda: _rule_doc("step_size"), intervention=_set_rule("step_size")),
    Control("noise", "noise", "float", 0.0, low=0.0, high=0.2, step=0.005, live=True,
            doc=lambda: _rule_doc("noise"), intervention=_set_rule("noise")),
    Control("stubbornness", "stubbornness", "float", 0.0, low=0.0, high=1.0, step=0.05,
            live=True, doc=lambda: _rule_doc("stubbornness"), intervention=_set_stubbornness),
    Control("zealots", "zealots (% of agents)", "float", 0.0, low=0.0, high=20.0, step=0.5,
            keyword=False,
            doc="A seeded random share of agents that keep their initial opinion for good."),
    Control("rewiring", "rewiring (unfollow)", "switch", False, keyword=_rewiring,
            doc="Each step 2% of agents drop the neighbour they attend to least (below half "
                "an even share) and follow a like-minded agent a recommender suggests "
                "(opinionsim.Unfollow; not on the complete graph)."),
    Control("seed", "seed", "int", 1, low=0, high=2**31 - 1, step=1, keyword=False,
            doc="The only source of randomness: the network, the initial opinions, the noise."),
)

_BY_NAME = {c.name: c for c in CONTROLS}


def default_settings():
    """Every control's default, by name."""
    return {c.name: c.default for c in CONTROLS}


def check_settings(settings):
    """A complete, validated settings dict: defaults filled in, unknown names refused.

    Raises
    ------
    OpinionSimError
        For an unknown setting, a value out of its control's range, a
        disabled control set away from its default, rewiring on the complete
        graph, or a complete graph above :data:`MAX_COMPLETE_AGENTS` agents.
    """
    out = default_settings()
    for name, value in dict(settings).items():
        control = _BY_NAME.get(name)
        if control is None:
            raise OpinionSimError(f"unknown setting {name!r}; settings: "
                                  f"{', '.join(_BY_NAME)}.")
        value = control.check(value)
        if not control.enabled and value != control.default:
            raise OpinionSimError(f"{name} == {value!r}: this control is not available yet "
                                  f"({control.note}).")
        out[name] = value
    if out["network"] == "complete" and out["rewiring"]:
        raise OpinionSimError(
            "rewiring == True on the complete graph: everyone already follows everyone, so "
            "there is nobody to unfollow for; pick a sparse network.")
    if out["network"] == "complete" and out["n_agents"] > MAX_COMPLETE_AGENTS:
        raise OpinionSimError(
            f"network == 'complete' with n_agents == {out['n_agents']}: the explorer runs a "
            f"complete graph up to {MAX_COMPLETE_AGENTS} agents (every step compares all "
            "N² pairs); pick a sparse network for more.")
    return out


def live_intervention(name, value, model):
    """The intervention that sets the live control ``name`` to ``value`` on ``model``."""
    control = _BY_NAME.get(name)
    if control is None or not control.live:
        live = ", ".join(c.name for c in CONTROLS if c.live)
        raise OpinionSimError(f"{name!r} is not a live control; live controls: {live}.")
    return control.intervention(control.check(value), model)
