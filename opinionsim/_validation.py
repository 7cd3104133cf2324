"""Small argument checks shared by the model, the metrics and the sweeps.

Each raises :class:`~opinionsim.OpinionSimError` with a message that names the
parameter, its value and what is allowed (scikit-learn's ``check_scalar`` style).
"""

from __future__ import annotations

import math
import os
from numbers import Real

import numpy as np

from ._errors import OpinionSimError

__all__ = ["check_choice", "check_real", "check_flag", "check_opinion_array", "is_iterable",
           "check_registration", "available_memory", "check_state_fits"]


def check_choice(name, value, allowed):
    """Return ``value`` if it is one of ``allowed``; raise otherwise."""
    if not isinstance(value, str) or value not in allowed:
        raise OpinionSimError(
            f"{name} == {value!r}, must be one of {', '.join(map(repr, allowed))}."
        )
    return value


def check_flag(name, value):
    """Return ``value`` as a bool if it is ``True``/``False`` (numpy's too); raise otherwise.

    An array is refused rather than read by its truth (which numpy refuses for more
    than one element, and reads as its only element for one).
    """
    if not isinstance(value, (bool, np.bool_)):
        raise OpinionSimError(f"{name} == {value!r}, must be True or False.")
    return bool(value)


def available_memory():
    """Bytes of memory available to start new work (Linux: MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


#: Opinion arrays a model holds at once (current, initial, the update's scratch and
#: result): the least memory a run of ``N x dim`` needs.
STATE_COPIES = 4


def check_state_fits(n_agents, dim):
    """Refuse a model whose opinion arrays alone exceed this machine's available memory.

    Raised before anything is allocated, naming ``n_agents`` and ``dim``, instead of a
    ``MemoryError`` (or an overflow) from numpy part way through building the model.
    """
    need = STATE_COPIES * 8 * int(n_agents) * int(dim)
    have = available_memory()
    if have is not None and need > have:
        raise OpinionSimError(
            f"n_agents == {int(n_agents)} with dim == {int(dim)} needs at least "
            f"{need / 2**30:.3g} GiB for its opinion arrays; this machine has "
            f"{have / 2**30:.3g} GiB available. Use fewer agents or dimensions.")


def check_real(name, value, *, low=None, high=None, low_open=False, high_open=False,
               allow_inf=False, hint=""):
    """Return ``value`` as a float if it is a real number in the given range.

    ``low``/``high`` bound the range; ``*_open`` makes that end exclusive.
    NaN is always rejected; ``inf`` only with ``allow_inf``.
    """
    if isinstance(value, bool) or not isinstance(value, (Real, np.floating, np.integer)):
        raise OpinionSimError(f"{name} == {value!r}, must be a real number.{hint}")
    value = float(value)
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
    bad = (
        math.isnan(value)
        or (math.isinf(value) and not allow_inf)
        or (low is not None and (value < low or (low_open and value == low)))
        or (high is not None and (value > high or (high_open and value == high)))
    )
    if bad:
        raise OpinionSimError(f"{name} == {value!r}, must be in {interval}.{hint}")
    return value


def check_opinion_array(name, X, *, n=None, dim=None, allow_1d=True):
    """Return ``X`` as a C-contiguous float64 ``(n, dim)`` array of finite values.

    A 1-D array is read as ``(n, 1)`` when ``allow_1d``. Raises for the wrong
    shape, an empty array, or any NaN/inf.
    """
    try:
        arr = np.asarray(X)
        if arr.dtype.kind == "c":  # casting would drop the imaginary parts with a mere warning
            raise OpinionSimError(f"{name} has complex values; opinions must be real numbers.")
        arr = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, OpinionSimError):
            raise
        raise OpinionSimError(f"{name} must be an array of real numbers ({exc}).") from None
    if arr.ndim == 1 and allow_1d:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise OpinionSimError(
            f"{name} has shape {arr.shape}, must be 2-D (n_agents, dim)"
            + (" or 1-D (n_agents,)." if allow_1d else ".")
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise OpinionSimError(f"{name} has shape {arr.shape}, must not be empty.")
    expected = (arr.shape[0] if n is None else n, arr.shape[1] if dim is None else dim)
    if arr.shape != expected:
        raise OpinionSimError(f"{name} has shape {arr.shape}, must be {expected}.")
    if not np.all(np.isfinite(arr)):
        bad = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise OpinionSimError(f"{name} has a non-finite value (row {bad}); all must be finite.")
    return np.ascontiguousarray(arr)


def is_iterable(obj):
    """Whether ``iter(obj)`` works."""
    try:
        iter(obj)
    except TypeError:
        return False
    return True


def check_registration(registry, kind, name, fn, what, *, overwrite, built_in):
    """Refuse a registration under ``name`` that is not new, or whose ``fn`` is not callable.

    ``built_in(name)`` says whether the name belongs to the package (never replaced);
    ``what`` describes the callable's signature for the message.
    """
    if not isinstance(name, str) or not name:
        raise OpinionSimError(f"name == {name!r}, must be a non-empty string.")
    if not callable(fn):
        raise OpinionSimError(f"{fn!r} is not callable; a {kind} is {what}.")
    if name in registry and (built_in(name) or not overwrite):
        raise OpinionSimError(
            f"{kind} {name!r} is already registered"
            + ("" if built_in(name) else "; pass overwrite=True to replace it")
            + f". Registered: {', '.join(registry)}."
        )
