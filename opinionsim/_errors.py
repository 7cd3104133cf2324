"""The package's one exception type."""

__all__ = ["OpinionSimError"]


class OpinionSimError(ValueError):
    """An invalid argument or state in opinionsim.

    Every message names the parameter, the value it was given, and what is
    allowed, e.g. ``temperature == -1.0, must be > 0 (use float('inf') for
    uniform attention)``. It subclasses :class:`ValueError` so that generic
    ``except ValueError`` handlers keep working.
    """
