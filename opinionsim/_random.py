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

__all__ = ["INIT", "NOISE", "ACTIVATION", "MESA", "EDGES", "CONTACTS", "REWIRE", "resolve_seed",
           "stream", "edge_key", "edge_uniforms"]

INIT, NOISE, ACTIVATION, MESA, EDGES, CONTACTS, REWIRE = 0, 1, 2, 3, 4, 5, 6


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


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def edge_key(seed: int, kind: int = EDGES) -> int:
    """A 64-bit key for a run's counter-based coins of ``kind`` (:func:`edge_uniforms`)."""
    return int(stream(seed, kind, 0).integers(0, 2**63 - 1)) | 1


def edge_uniforms(key, step, edge_ids):
    """Uniform numbers in [0, 1) for ``edge_ids`` at ``step``: a counter-based hash.

    ``splitmix64(key + step·φ + (edge + 1)·c)`` (φ the golden-ratio constant), so
    a coin depends on nothing but the run, the step and the edge: the
    reference and the compiled kernels draw the same coin without sharing a
    stream, and two arms of a causal comparison draw the same coins.

    Examples
    --------
    >>> u = edge_uniforms(12345, 3, np.arange(5))
    >>> bool(((0 <= u) & (u < 1)).all()), bool((u == edge_uniforms(12345, 3, np.arange(5))).all())
    (True, True)
    """
    with np.errstate(over="ignore"):
        x = (np.uint64(key) + np.uint64(step) * _GOLDEN
             + (np.asarray(edge_ids, dtype=np.uint64) + np.uint64(1)) * _MIX1)
        x ^= x >> np.uint64(30)
        x *= _MIX1
        x ^= x >> np.uint64(27)
        x *= _MIX2
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
