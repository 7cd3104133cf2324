"""THE parameter table: every parameter of the update rule, declared once.

A :class:`Param` holds a parameter's name, default, allowed values, whether it
may be given per agent, and its one-line documentation. The model's keyword
arguments, :class:`~opinionsim.dynamics.UpdateRule`, the interventions
(``SetRule``), sweep specs and the CLI's ``--set`` all read this table, so a
new parameter is one new entry here (plus whatever uses it).

Validation happens in :meth:`Param.check`, which raises
:class:`~opinionsim.OpinionSimError` naming the parameter, its value and what is
allowed. Per-agent values need the population size ``n``; called without it
(``n=None``, as ``SetRule`` does at construction) only scalars are checked and
arrays wait for the model.

Examples
--------
>>> PARAMETERS["temperature"].check(0.5)
0.5
>>> PARAMETERS["step_size"].check(2)
Traceback (most recent call last):
...
opinionsim._errors.OpinionSimError: step_size == 2.0, must be in (0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .._errors import OpinionSimError
from .._validation import check_choice, check_real

__all__ = ["Param", "PARAMETERS", "rule_parameters", "check_per_agent", "check_heads"]


@dataclass(frozen=True)
class Param:
    """One parameter of the dynamics.

    Attributes
    ----------
    name : str
    default : object
    doc : str
        One line: meaning, range, and social reading.
    validate : callable ``(name, value, n, dim) -> value``
        Returns the canonical value (float, array, tuple) or raises.
    per_agent : bool
        A scalar or an array of shape (N,).
    scalar : bool
        Settable from sweeps and the CLI (a number, a string or None).
    rule : bool
        A field of :class:`~opinionsim.dynamics.UpdateRule` (changeable with
        ``SetRule``); False for what the model alone owns.
    public : bool
        An ``OpinionModel`` keyword (False for internal state such as the
        zealot mask).
    optional : bool
        ``None`` is a valid value (meaning "off") and is kept as it is.
    """

    name: str
    default: object
    doc: str
    validate: Callable = field(repr=False, default=None)
    per_agent: bool = False
    scalar: bool = True
    rule: bool = True
    public: bool = True
    optional: bool = False

    def check(self, value, n=None, dim=None):
        """Validate ``value``; return its canonical form."""
        if value is None and self.optional:
            return None
        return self.validate(self.name, value, n, dim)


# ---- validators ------------------------------------------------------------------------

def _real(low=None, high=None, *, low_open=False, high_open=False, allow_inf=False, hint=""):
    def validate(name, value, n, dim):
        return check_real(name, value, low=low, high=high, low_open=low_open,
                          high_open=high_open, allow_inf=allow_inf, hint=hint)
    return validate


def _choice(registry):
    def validate(name, value, n, dim):
        return check_choice(name, value, tuple(registry()))
    return validate


def _fixed(values):
    def validate(name, value, n, dim):
        return check_choice(name, value, values)
    return validate


def check_per_agent(name, value, n, *, low, high, low_open=False, allow_inf=False, hint=""):
    """A scalar, or an array of shape ``(n,)``, every value in the range; ``n=None`` checks values only."""
    arr = None
    if not isinstance(value, (str, bytes)):
        try:
            kind = np.asarray(value).dtype.kind
            arr = None if kind not in "iuf" else np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            arr = None
    left = "(" if low_open else "["
    allowed = f"{left}{low}, {'inf' if high is None else high}]"
    if arr is None or arr.ndim > 1 or (arr.ndim == 1 and n is not None and arr.shape != (n,)):
        shape = None if arr is None else arr.shape
        want = "(N,)" if n is None else f"({n},)"
        raise OpinionSimError(
            f"{name} has shape {shape}, must be a scalar or an array of shape {want} "
            f"(one value per agent) with values in {allowed}.{hint}"
        )
    bad = np.isnan(arr) | (arr < low) | (low_open & (arr == low))
    if not allow_inf:
        bad |= np.isinf(arr)
    if high is not None:
        bad |= arr > high
    if np.any(bad):
        k = int(np.argmax(bad)) if arr.ndim else 0
        where = "" if arr.ndim == 0 else f" (agent row {k})"
        bad_value = float(arr) if arr.ndim == 0 else float(arr[k])
        raise OpinionSimError(f"{name} == {bad_value!r}{where}, must be in {allowed}.{hint}")
    if arr.ndim == 0:
        return float(arr)
    out = arr.copy()
    out.flags.writeable = False
    return out


def _per_agent(low, high, **kw):
    def validate(name, value, n, dim):
        return check_per_agent(name, value, n, low=low, high=high, **kw)
    return validate


def check_heads(name, heads, dim):
    """Heads as a tuple of int arrays (default: one head over every dimension)."""
    if heads is None:
        return None if dim is None else (np.arange(dim),)
    top = "… " if dim is None else f"0 … {dim - 1}"
    try:
        heads = [list(h) for h in heads]
    except TypeError:
        raise OpinionSimError(
            f"{name} == {heads!r}, must be a list of lists of opinion dimensions ({top})."
        ) from None
    if not heads or any(len(h) == 0 for h in heads):
        raise OpinionSimError(f"{name} == {heads!r}, must be a non-empty list of non-empty lists.")
    seen = set()
    out = []
    for h in heads:
        for d in h:
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) \
                    or d < 0 or (dim is not None and d >= dim):
                raise OpinionSimError(
                    f"{name} names dimension {d!r}, which does not exist: dimensions are {top}."
                )
            if d in seen:
                raise OpinionSimError(
                    f"{name} names dimension {d} twice; each dimension belongs to at most one head.")
            seen.add(int(d))
        arr = np.asarray(h, dtype=np.intp)
        arr.flags.writeable = False
        out.append(arr)
    return tuple(out)


def _heads(name, value, n, dim):
    return check_heads(name, value, dim)


def _mask(name, value, n, dim):
    arr = np.asarray(value, dtype=bool)
    if n is not None and arr.shape != (n,):
        raise OpinionSimError(f"{name} has shape {arr.shape}, must be ({n},).")
    if not arr.any():
        return None
    arr = arr.copy()
    arr.flags.writeable = False
    return arr


def _maps(name, value, n, dim):
    """One matrix or a list of matrices (one per head), finite; shapes are checked by the rule."""
    if isinstance(value, (list, tuple)) and value and all(np.ndim(m) == 2 for m in value):
        mats = list(value)
    else:
        mats = [value]
    out = []
    for h, m in enumerate(mats):
        try:
            arr = np.array(m, dtype=np.float64)
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.ndim != 2 or arr.size == 0 or not np.all(np.isfinite(arr)):
            raise OpinionSimError(
                f"{name} must be a finite 2-D matrix (one head) or a list of finite 2-D "
                f"matrices, one per head; entry {h} is not ({type(m).__name__}).")
        arr.flags.writeable = False
        out.append(arr)
    return tuple(out)


HEAD_MODES = ("attention", "uniform", "frozen")


def _head_modes(name, value, n, dim):
    modes = tuple(value)
    for m in modes:
        check_choice(name, m, HEAD_MODES)
    return None if all(m == "attention" for m in modes) else modes


def _int(low):
    def validate(name, value, n, dim):
        integral = isinstance(value, (int, np.integer)) or (
            isinstance(value, (float, np.floating)) and float(value).is_integer())
        if isinstance(value, bool) or not integral or value < low:
            raise OpinionSimError(f"{name} == {value!r}, must be an integer >= {low}.")
        return int(value)
    return validate


def _affinities():
    from .affinities import AFFINITIES
    return AFFINITIES


def _weighting_rules():
    from .weighting import WEIGHTING_RULES
    return WEIGHTING_RULES


# ---- the table -------------------------------------------------------------------------

def _table(*params):
    return {p.name: p for p in params}


PARAMETERS = _table(
    Param("rule", "attention",
          "How attention weights are formed: 'attention' (softmax of affinity / temperature), "
          "'uniform' (DeGroot averaging) or 'bounded_confidence' (Hegselmann–Krause), or a "
          "registered rule.",
          _choice(_weighting_rules)),
    Param("temperature", 1.0,
          "Softmax temperature in (0, inf], scalar or per agent: open-mindedness; "
          "float('inf') gives uniform attention (DeGroot).",
          _per_agent(0, None, low_open=True, allow_inf=True,
                     hint=" Use float('inf') for uniform attention."), per_agent=True),
    Param("affinity", "dot",
          "How a listener scores a speaker: 'dot' (⟨q, k⟩/√d), 'cosine', 'distance' "
          "(−‖q − k‖²), or a registered affinity.",
          _choice(_affinities)),
    Param("confidence", None,
          "Radius of bounded confidence (>= 0, inclusive), for rule='bounded_confidence'.",
          _real(0), optional=True),
    Param("step_size", 0.5,
          "How far toward the social mean an agent moves per update, in (0, 1].",
          _real(0, 1, low_open=True)),
    Param("stubbornness", 0.0,
          "Friedkin–Johnsen anchoring to the initial opinion, in [0, 1], scalar or per agent.",
          _per_agent(0.0, 1.0), per_agent=True),
    Param("noise", 0.0,
          "Standard deviation of the Gaussian noise added at each update (>= 0).",
          _real(0)),
    Param("salience", 1.0,
          "Key scale k_j = salience_j · x_j (how loudly an agent speaks), >= 0, scalar or "
          "per agent.",
          _per_agent(0.0, None), per_agent=True),
    Param("key_norm_clip", None,
          "Keys longer than this (> 0) are rescaled to it: the defence against attention "
          "hijacking by loud agents.",
          _real(0, low_open=True), optional=True),
    Param("heads", None,
          "Topics: a list of lists of dimensions; each head attends using, and updates, only "
          "its dimensions (default: one head over all).",
          _heads, scalar=False),
    Param("opinion_space", "euclidean",
          "'euclidean', or 'sphere' (opinions renormalised to unit norm after every update).",
          _fixed(("euclidean", "sphere"))),
    Param("query_map", None,
          "W_Q per head, (d_k, h): which opinion dimensions a listener looks with "
          "(q_i = W_Q x_i); a list in head order, or one matrix for one head. Default: identity.",
          _maps, scalar=False, optional=True),
    Param("key_map", None,
          "W_K per head, (d_k, h): how a speaker is read (k_j = salience_j · W_K x_j); "
          "W_Qᵀ W_K says which dimensions decide whom one trusts. Default: identity.",
          _maps, scalar=False, optional=True),
    Param("value_map", None,
          "W_V per head, (h, h): how an opinion is expressed (v_j = W_V x_j; a shrinking W_V "
          "means people voice milder views than they hold). Default: identity.",
          _maps, scalar=False, optional=True),
    Param("attention_entropy_floor", None,
          "In [0, 1]: each agent uses the lowest temperature >= its own at which its "
          "normalised attention entropy reaches this floor (a floor on open-mindedness).",
          _real(0, 1), optional=True),
    Param("attention_dropout", 0.0,
          "In [0, 1): each tick each tie is ignored with this probability (inattention); "
          "the rest are renormalised.",
          _real(0, 1, high_open=True)),
    Param("interaction", "weighted",
          "'weighted' (each agent moves toward the attention-weighted mean) or 'sampled' (each "
          "draws `contacts` partners from its attention, a choice rather than a weighting, and "
          "moves toward their mean; the expected update is the weighted one).",
          _fixed(("weighted", "sampled"))),
    Param("contacts", 1,
          "Partners drawn per update with interaction='sampled' (an integer >= 1).",
          _int(1)),
    Param("head_modes", None,
          "Per head: 'attention', 'uniform' (its attention made uniform) or 'frozen' (its "
          "dimensions stop updating); set by AblateHead.",
          _head_modes, scalar=False, public=False, optional=True),
    Param("fixed", None, "Zealots' rows (a boolean mask); set from zealots= and Pin.",
          _mask, scalar=False, public=False, optional=True),
)


def rule_parameters():
    """Names of the :class:`~opinionsim.dynamics.UpdateRule` fields, in table order."""
    return tuple(name for name, p in PARAMETERS.items() if p.rule)
