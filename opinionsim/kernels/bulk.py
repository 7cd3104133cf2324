"""Many synchronous ticks of the attention kernel in one compiled call.

A small network's tick is over in tens of microseconds, and the Python around
it (packing the arguments, dispatching to numba, the model's bookkeeping) cost
as much again: the default sweep's 200-step runs of 1000 agents spent a third
of their time there. When nobody observes the steps in between (no reporter
records, no intervention is due; see ``OpinionModel.run``) and a tick runs on
one thread anyway, :func:`lean_ticks` calls the same row kernel
(:func:`.sparse.lean`) tick after tick between two buffers, with the same
arguments the per-step path passes it, so the opinions are the same bits.
"""

from __future__ import annotations

import math

from .intrinsics import jit
from .sparse import lean

__all__ = ["lean_ticks"]


@jit()
def lean_ticks(n_ticks, dh, ok, hk, lo, hi, rows, sequential, chunk, indptr, indices, Xa, Xb,
               outa, outb, att, upd, ref, bp):
    """Run up to ``n_ticks`` ticks; return ``(ticks done, largest squared change of the last)``.

    ``Xa``/``Xb`` are read-only views of the buffers ``outa``/``outb``; tick
    ``s`` reads the one it did not write last (``Xa`` first) and writes the
    other, so after ``done`` ticks the state is in ``outa`` when ``done`` is
    even. A tick whose largest change is not finite (a non-finite opinion)
    stops the loop before it counts: the caller's per-step path then reruns
    it and names the agent. ``lo``, ``hi``, ``rows``, ``sequential`` and
    ``chunk`` come from the caller as the per-step path passes them (every
    row, synchronous, one chunk): constants written here would be typed as
    literals and compile a second copy of the kernel.
    """
    largest = 0.0
    for s in range(n_ticks):
        if s % 2 == 0:
            lean(dh, ok, hk, lo, hi, rows, sequential, chunk, indptr, indices, Xa, Xa, Xa, Xa,
                 att, upd, ref, bp, outb)
        else:
            lean(dh, ok, hk, lo, hi, rows, sequential, chunk, indptr, indices, Xb, Xb, Xb, Xb,
                 att, upd, ref, bp, outa)
        change = bp.largest[0]
        if not math.isfinite(change):
            return s, change
        largest = change
    return n_ticks, largest
