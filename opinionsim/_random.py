"""The model's one source of randomness, organised for common random numbers.

Every random draw of a run comes from a generator derived from the run's seed,
the *kind* of draw and the step number::

    Generator(PCG64(SeedSequence(seed, spawn_key=(kind, step))))

so step ``t``'s noise and activation order depend on nothing but ``(seed, t)``.
Two copies of a model that differ by an intervention (a new temperature, a
pinned agent, a cut tie) therefore draw exactly the same numbers at every step,
and the paired difference between them isolates the intervention. It also
makes a trajectory independent of how many draws earlier steps made.
"""

from __future__ import annotations

import numpy as np

from ._errors import OpinionSimError

__all__ = ["INIT", "NOISE", "ACTIVATION", "MESA", "resolve_seed", "stream"]

INIT, NOISE, ACTIVATION, MESA = 0, 1, 2, 3


def resolve_seed(seed) -> int:
    """An integer seed from ``None`` (fresh OS entropy), an int, a SeedSequence or a Generator.

    Examples
    --------
    >>> resolve_seed(7)
    7
    """
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, (bool, np.bool_)):
        raise OpinionSimError(f"seed == {seed!r}, must be None, a non-negative int, a SeedSequence or a Generator.")
    if isinstance(seed, (int, np.integer)):
        if seed < 0:
            raise OpinionSimError(f"seed == {seed!r}, must be a non-negative integer.")
        return int(seed)
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(2, np.uint64).view(np.uint64)[0]) if seed.spawn_key else int(seed.entropy)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    raise OpinionSimError(
        f"seed == {seed!r}, must be None, a non-negative int, a numpy SeedSequence or a numpy Generator."
    )


def stream(seed: int, kind: int, step: int) -> np.random.Generator:
    """The generator for draws of ``kind`` at ``step`` of a run seeded with ``seed``.

    Examples
    --------
    >>> a = stream(1, NOISE, 5).standard_normal(3)
    >>> b = stream(1, NOISE, 5).standard_normal(3)
    >>> bool((a == b).all())
    True
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(kind, step))))
