"""Experimental designs: which points of parameter space a sweep runs.

A design is a list of points, each a dict ``{parameter name: value}``; the
sweep runs every point for every replicate seed, with the same machinery
(parallel, stored, resumable) whatever the design.

- :class:`Grid`: the Cartesian product of lists of values (what
  ``sweep(params, grid)`` runs);
- :class:`Random`: ``n`` points drawn independently and uniformly from a box;
- :class:`LatinHypercube`: ``n`` points such that each of ``n`` equal strata
  of every range holds exactly one point;
- :class:`Sobol`: Saltelli's cross-sampled Sobol' sequence [1]_, the points
  from which :func:`~opinionsim.experiments.sensitivity.sensitivity`
  estimates first-order and total Sobol' indices (needs SALib:
  ``pip install 'opinionsim[sensitivity]'``).

Ranges. ``ranges`` maps a parameter name to ``(low, high)``, finite numbers
with ``low < high``, or ``(low, high, "log")`` to draw uniformly in
``log(value)`` (``0 < low``). A name may be any parameter a grid may vary
(``"graph.p"`` included); the sweep checks the names and both ends of each
range as it checks a grid, before anything runs or is written.

Reproducibility. The points are a function of the design's arguments alone:
the unit-cube sample comes from ``Generator(PCG64(SeedSequence(seed)))``
(Sobol: that generator scrambles the sequence), so the same ``seed`` gives
the same points on any machine, for any number of workers. The sweep
records the design and its points in ``sweep.json``; running it again with
the same design resumes it, with another design it is refused (as a
different grid is).

Examples
--------
>>> design = LatinHypercube({"temperature": (0.01, 1, "log"), "noise": (0, 0.1)}, n=4, seed=1)
>>> points = design.points()
>>> len(points), sorted(points[0])
(4, ['noise', 'temperature'])
>>> points == LatinHypercube({"temperature": (0.01, 1, "log"), "noise": (0, 0.1)}, 4,
...                          seed=1).points()
True
>>> len(Sobol({"temperature": (0.01, 1), "noise": (0, 0.1)}, n=8).points())   # 8 * (2 * 2 + 2)
48

References
----------
.. [1] Saltelli, A. (2002). Making best use of model evaluations to compute
   sensitivity indices. *Computer Physics Communications* 145(2), 280–297.
   https://doi.org/10.1016/S0010-4655(02)00280-1
"""

from __future__ import annotations

import itertools
import math
from numbers import Integral, Real

import numpy as np

from .._errors import OpinionSimError

__all__ = ["Design", "Grid", "Random", "LatinHypercube", "Sobol", "SCALES"]

#: How a range is sampled: uniformly in the value, or uniformly in its logarithm.
SCALES = ("linear", "log")


class Design:
    """Base of the sampled designs: ranges, a number of points, a seed.

    Subclasses draw ``unit(rng)``, an array of shape ``(n_points, d)`` in
    ``[0, 1)``, which :meth:`points` maps onto the ranges.
    """

    kind = None

    def __init__(self, ranges, n, *, seed=0):
        self.ranges = ranges
        self.n = n
        self.seed = seed
        self._ranges = check_ranges(ranges)
        self._n = _check_n(n)
        self._seed = _check_seed(seed)

    def __repr__(self):
        return f"{type(self).__name__}({self.ranges!r}, n={self.n!r}, seed={self.seed!r})"

    def __eq__(self, other):
        return type(other) is type(self) and other.record() == self.record()

    __hash__ = None

    @property
    def names(self):
        """The ranged parameters, in the order given (the table's column order)."""
        return list(self._ranges)

    def record(self):
        """What ``sweep.json`` records of the design (JSON-able): kind, ranges, n, seed."""
        return {"kind": self.kind,
                "ranges": {name: list(r) for name, r in self._ranges.items()},
                "n": self._n, "seed": self._seed}

    def unit(self, rng):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def points(self):
        """The design's points, a list of dicts ``{name: float}`` (same seed, same points).

        Each value lies in its closed range ``[low, high]``.
        """
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(self._seed)))
        u = np.asarray(self.unit(rng), dtype=np.float64)
        columns = [scale_unit(u[:, j], *self._ranges[name]) for j, name in enumerate(self.names)]
        return [dict(zip(self.names, map(float, row))) for row in zip(*columns)]


class Grid:
    """The Cartesian product of lists of values: ``sweep(params, design=Grid(grid))`` is
    ``sweep(params, grid)``.

    Parameters
    ----------
    values : dict {name: list of values}
        As the ``grid`` argument of :func:`~opinionsim.sweep.sweep` (checked there).

    Examples
    --------
    >>> Grid({"temperature": [0.1, 1.0], "noise": [0, 0.1]}).points()[1]
    {'temperature': 0.1, 'noise': 0.1}
    """

    kind = "grid"

    def __init__(self, values):
        if not isinstance(values, dict):
            raise OpinionSimError(f"Grid values is a {type(values).__name__}, must be a dict "
                                  "{parameter name: list of values}.")
        self.values = values

    def __repr__(self):
        return f"Grid({self.values!r})"

    def __eq__(self, other):
        return type(other) is Grid and other.values == self.values

    __hash__ = None

    def points(self):
        """The points of the product, first name slowest (the sweep's order)."""
        names = list(self.values)
        return [dict(zip(names, v)) for v in itertools.product(*self.values.values())]


class Random(Design):
    """``n`` points drawn independently and uniformly from the box of ``ranges``.

    Parameters
    ----------
    ranges : dict {name: (low, high) or (low, high, "log")}
        See the module docstring.
    n : int >= 1
        Number of points.
    seed : int >= 0, default 0
        Seed of the draw (not of the runs: that is the sweep's ``seed``).

    Examples
    --------
    >>> p = Random({"noise": (0.0, 0.2)}, n=3, seed=5).points()
    >>> all(0.0 <= q["noise"] <= 0.2 for q in p), len(p)
    (True, 3)
    """

    kind = "random"

    def unit(self, rng):
        return rng.random((self._n, len(self._ranges)))


class LatinHypercube(Design):
    """``n`` points, one in each of ``n`` equal strata of every range (Latin hypercube [1]_).

    Dimension by dimension, the strata ``[k/n, (k+1)/n)`` of the unit range
    are visited in a random order, with a uniform point inside each: every
    one-dimensional projection is spread evenly, which a random design is
    only on average. On a ``"log"`` range the strata are equal in
    ``log(value)``.

    Parameters
    ----------
    ranges : dict {name: (low, high) or (low, high, "log")}
        See the module docstring.
    n : int >= 1
        Number of points (and of strata per range).
    seed : int >= 0, default 0
        Seed of the draw.

    References
    ----------
    .. [1] McKay, M. D., Beckman, R. J. & Conover, W. J. (1979). A comparison
       of three methods for selecting values of input variables in the
       analysis of output from a computer code. *Technometrics* 21(2), 239–245.

    Examples
    --------
    >>> p = LatinHypercube({"noise": (0.0, 1.0)}, n=4, seed=0).points()
    >>> sorted(int(q["noise"] * 4) for q in p)
    [0, 1, 2, 3]
    """

    kind = "latin_hypercube"

    def unit(self, rng):
        d = len(self._ranges)
        strata = np.stack([rng.permutation(self._n) for _ in range(d)], axis=1)
        return (strata + rng.random((self._n, d))) / self._n


class Sobol(Design):
    """Saltelli's sampling of a Sobol' sequence, for Sobol' sensitivity indices [1]_ [2]_.

    Base matrices ``A`` and ``B`` of ``n`` rows each come from a scrambled
    Sobol' sequence of dimension ``2d``; the design holds, for each row,
    ``A``, ``A`` with column ``i`` taken from ``B`` (for each ``i``), with
    ``calc_second_order`` also ``B`` with column ``i`` from ``A``, and ``B``:
    ``n·(2d + 2)`` points, or ``n·(d + 2)`` without second order. Drawn with
    :func:`SALib.sample.sobol.sample`; analysed by
    :func:`~opinionsim.experiments.sensitivity.sensitivity`.

    Parameters
    ----------
    ranges : dict {name: (low, high) or (low, high, "log")}
        See the module docstring. At least one.
    n : int
        Rows of the base matrices, a power of 2 (the Sobol' sequence is
        balanced only then).
    calc_second_order : bool, default True
        Include the points that second-order indices need.
    seed : int >= 0, default 0
        Seed of the scrambling.

    References
    ----------
    .. [1] Saltelli, A. (2002). Making best use of model evaluations to compute
       sensitivity indices. *Computer Physics Communications* 145(2), 280–297.
    .. [2] Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. &
       Tarantola, S. (2010). Variance based sensitivity analysis of model
       output. *Computer Physics Communications* 181(2), 259–270.

    Examples
    --------
    >>> design = Sobol({"temperature": (0.01, 1.0)}, n=4, calc_second_order=False)
    >>> len(design.points()), design.n_points
    (12, 12)
    """

    kind = "sobol"

    def __init__(self, ranges, n, *, calc_second_order=True, seed=0):
        super().__init__(ranges, n, seed=seed)
        if self._n & (self._n - 1):
            raise OpinionSimError(f"n == {n!r}, must be a power of 2 for a Sobol design (the "
                                  f"Sobol' sequence is balanced only then), e.g. "
                                  f"{1 << self._n.bit_length()}.")
        if not isinstance(calc_second_order, (bool, np.bool_)):
            raise OpinionSimError(f"calc_second_order == {calc_second_order!r}, must be True "
                                  "or False.")
        self.calc_second_order = calc_second_order

    def __repr__(self):
        return (f"Sobol({self.ranges!r}, n={self.n!r}, calc_second_order="
                f"{self.calc_second_order!r}, seed={self.seed!r})")

    @property
    def n_points(self):
        """Points in the design: ``n·(2d + 2)``, or ``n·(d + 2)`` without second order."""
        d = len(self._ranges)
        return self._n * ((2 * d + 2) if self.calc_second_order else (d + 2))

    def record(self):
        return {**super().record(), "calc_second_order": bool(self.calc_second_order)}

    def unit(self, rng):
        try:
            from SALib.sample import sobol as salib_sobol
        except ImportError:
            raise OpinionSimError("a Sobol design needs SALib: pip install "
                                  "'opinionsim[sensitivity]'.") from None
        problem = {"num_vars": len(self._ranges), "names": self.names,
                   "bounds": [[0.0, 1.0]] * len(self._ranges)}
        return salib_sobol.sample(problem, self._n, calc_second_order=bool(self.calc_second_order),
                                  scramble=True, seed=rng)


# ============================================================================= helpers


def check_ranges(ranges):
    """``ranges`` as ``{name: (low, high, scale)}`` with floats; raise for anything else.

    Only the form is checked here; whether a name is a parameter, and whether
    both ends are values it may take, the sweep checks (as for a grid).

    Examples
    --------
    >>> check_ranges({"temperature": (0.01, 1, "log")})
    {'temperature': (0.01, 1.0, 'log')}
    >>> check_ranges({"noise": (0.2, 0.1)})
    Traceback (most recent call last):
    ...
    opinionsim._errors.OpinionSimError: ranges['noise'] == (0.2, 0.1): low must be < high ...
    """
    if not isinstance(ranges, dict) or not ranges:
        raise OpinionSimError(f"ranges == {ranges!r}, must be a non-empty dict {{parameter name: "
                              "(low, high) or (low, high, 'log')}.")
    out = {}
    for name, r in ranges.items():
        if not isinstance(name, str):
            raise OpinionSimError(f"ranges key {name!r} must be a parameter name (a string).")
        form = f"ranges[{name!r}] == {r!r}"
        if isinstance(r, (str, bytes, dict)) or not hasattr(r, "__len__") or len(r) not in (2, 3):
            raise OpinionSimError(f"{form}, must be (low, high) or (low, high, 'log').")
        low, high, *rest = r
        scale = rest[0] if rest else "linear"
        for end, value in (("low", low), ("high", high)):
            if (isinstance(value, (bool, np.bool_)) or not isinstance(value, Real)
                    or not math.isfinite(value)):
                raise OpinionSimError(f"{form}: {end} == {value!r}, must be a finite number.")
        if scale not in SCALES:
            raise OpinionSimError(f"{form}: scale {scale!r} is not one of "
                                  f"{', '.join(map(repr, SCALES))}.")
        low, high = float(low), float(high)
        if not low < high:
            raise OpinionSimError(f"{form}: low must be < high (a range, not a value: a fixed "
                                  "value belongs in params).")
        if scale == "log" and low <= 0:
            raise OpinionSimError(f"{form}: a 'log' range needs low > 0.")
        out[name] = (low, high, scale)
    return out


def scale_unit(u, low, high, scale="linear"):
    """Map ``u`` in ``[0, 1)`` onto ``[low, high]``, uniformly in the value or its log.

    Examples
    --------
    >>> scale_unit(np.array([0.0, 0.5]), 0.01, 1.0, "log").round(6).tolist()
    [0.01, 0.1]
    """
    if scale == "log":
        x = np.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    else:
        x = low + u * (high - low)
    return np.clip(x, low, high)  # rounding must not step outside the range


def _check_n(n):
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, Integral) or n < 1:
        raise OpinionSimError(f"n == {n!r}, must be an integer >= 1 (the number of points).")
    return int(n)


def _check_seed(seed):
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, Integral) or seed < 0:
        raise OpinionSimError(f"seed == {seed!r}, must be an integer >= 0 (the seed of the "
                              "design's draw, recorded in sweep.json).")
    return int(seed)
