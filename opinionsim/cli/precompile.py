"""``opinionsim precompile``: compile the kernels once, ahead of the first run."""

from __future__ import annotations

from ._common import Command, UsageError, parse_values

__all__ = ["COMMAND"]


def _precompile_arguments(p):
    p.add_argument("--dims", default="2", metavar="LIST",
                   help="opinion dimensions to compile the main step for, e.g. 1,2,3 (default "
                        "2, the main job's; each takes ~15 s the first time)")


def _precompile_main(args):
    dims = parse_values(args.dims, "--dims")
    if not dims or any(isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in dims):
        raise UsageError(f"--dims {args.dims!r}: must be integers >= 1, e.g. 1,2,3.")
    from ..kernels import enabled, precompile

    if not enabled():
        raise UsageError("the compiled kernels are switched off (OPINIONSIM_DISABLE_KERNELS); "
                         "there is nothing to compile.")
    seconds = precompile(dims=tuple(dims))
    print(f"kernels ready in {seconds:.1f} s (compiled now, or loaded from numba's cache, "
          "which later runs reuse).")
    return 0


COMMAND = Command(
    help="compile the kernels once, ahead of the first run (~15 s per opinion width)",
    description="Compile the numba kernels the main job uses (and a plain step of each "
                "activation regime) into numba's on-disk cache, so that the first sweep or "
                "model on this machine does not pay for it. Safe to run again: cached "
                "kernels load in a fraction of a second.",
    add_arguments=_precompile_arguments,
    run=_precompile_main,
)
