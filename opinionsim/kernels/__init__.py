"""Compiled fast paths for one engine tick (numba), with a safe fallback to the reference.

:func:`opinionsim.dynamics.advance` hands every tick to :func:`advance` here
first; it returns ``None`` whenever no kernel supports the tick, and the
reference engine (:mod:`opinionsim.engine`, :mod:`opinionsim.dynamics`) runs
instead, with one warning that says why. The kernels compute the same rule in
the same order of operations where it is cheap to do so; they agree with the
reference to ~1e-15 relative (the test bar is 1e-12), not bit for bit
(summation orders differ).

Modules, one concept each:

- :mod:`.intrinsics`: numba, LLVM intrinsics (prefetch, FMA) and a vectorisable exp;
- :mod:`.rows`: the update of one agent's row once it knows what it heard;
- :mod:`.sparse`: CSR networks, a listener row at a time, with prefetching;
- :mod:`.dense`: complete graphs, streaming scores without an N × N matrix;
- :mod:`.packing`: the one crossing from an ``UpdateRule`` to kernel arguments;
- :mod:`.stats`: the reductions the default reporters read every recorded step;
- :mod:`.threads`: thread count, pool and the on/off switches.

Compiled code is cached on disk (``numba cache=True``) next to the modules or in
``NUMBA_CACHE_DIR``, so the first-call compile cost is paid once per machine.
Importing this package imports numba; :mod:`opinionsim` itself imports it only
on the first step.

Examples
--------
>>> import numpy as np, scipy.sparse as sp
>>> from opinionsim.dynamics import UpdateRule
>>> X = np.array([[0.0], [1.0], [3.0]])
>>> listen_to_next = sp.csr_array(np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]]))
>>> rule = UpdateRule.create(n=3, dim=1, rule="uniform", step_size=1.0)
>>> advance("random_sequential", X, X, listen_to_next, rule, order=np.array([2, 0, 1])).ravel()
array([1., 0., 0.])
"""

from __future__ import annotations

import math

import numpy as np

from ..engine import CompleteGraph
from . import stats, threads
from .dense import dense
from .packing import aligned_copy, aligned_empty, csr_structure, prepare, readonly, rule_arrays
from .sparse import SUPPORTS, heads, lean
from .threads import (available, disabled, enabled, get_num_threads, limit_threads,
                      set_enabled, set_num_threads)

__all__ = [
    "advance",
    "available",
    "enabled",
    "set_enabled",
    "disabled",
    "get_num_threads",
    "set_num_threads",
    "limit_threads",
    "precompile",
    "pairwise_tick",
    "linear_run",
    "linear_rule",
    "attention_run",
    "SUPPORTS",
]

#: Below this many edges (or dense pairs) a step runs on the calling thread only.
MIN_PARALLEL_WORK = 40_000


def advance(activation, X, X0, adjacency, rule, *, noise_eps=None, order=None, active=None,
            ctx=None, byproducts=None):
    """One tick through the compiled kernels, or ``None`` where the reference must run.

    Parameters are those of :func:`opinionsim.dynamics.advance`, with the
    activation draws already made: ``order`` (random_sequential) and ``active``
    (random_async). Returns the new opinions, or ``None`` when the kernels are
    disabled (or switched off by an earlier failure), or the tick is not
    supported (a warning is issued once per cause). A dict passed as
    ``byproducts`` receives ``"largest_change2"`` (the largest squared change
    of an opinion, NaN or inf when one is not finite) and, when it holds the
    key ``"entropy"``, each agent's attention entropy in nats (mean over heads).
    """
    if not enabled():
        return None
    why = unsupported(activation, X, X0, adjacency, rule, noise_eps)
    if why is not None:
        threads.warn_once(why, f"opinionsim: no compiled kernel for {why}; running the "
                          "reference engine (same results, slower).")
        return None
    try:
        return _advance(activation, X, X0, adjacency, rule, noise_eps, order, active, ctx,
                        byproducts)
    except Exception as exc:
        threads.mark_broken(exc)
        threads.warn_once("failure", f"opinionsim: the compiled kernels failed ({exc!r}); using "
                          "the reference implementation from now on in this process.")
        return None


_supported_rule = (None, None, None)  # (rule, activation, why) of the latest tick


def _rule_unsupported(activation, rule):
    """The part of :func:`unsupported` that depends on the rule and the regime alone (rules
    are immutable, so it is decided once per rule, not at every tick)."""
    global _supported_rule
    if _supported_rule[0] is rule and _supported_rule[1] == activation:
        return _supported_rule[2]
    why = None
    for what, name in (("affinity", rule.affinity), ("rule", rule.weighting.name),
                       ("activation", activation), ("interaction", rule.interaction)):
        if name not in SUPPORTS[what]:
            why = f"{what} {name!r} (kernels implement {', '.join(sorted(SUPPORTS[what]))})"
            break
    _supported_rule = (rule, activation, why)
    return why


def _plain(arr, shape):
    """Whether ``arr`` is a float64 array of ``shape`` (the common case, checked quickly)."""
    return type(arr) is np.ndarray and arr.dtype == np.float64 and arr.shape == shape \
        and arr.ndim == 2


def unsupported(activation, X, X0, adjacency, rule, noise_eps):
    """Why no kernel runs this tick (a phrase for the warning), or None when one does."""
    import scipy.sparse as sp

    why = _rule_unsupported(activation, rule)
    if why is not None:
        return why
    if type(X) is np.ndarray and _plain(X, X.shape) and _plain(X0, X.shape) \
            and (noise_eps is None or _plain(noise_eps, X.shape)):
        pass  # the arrays are as the kernels want them; only the structure is left to check
    else:
        why = _arrays_unsupported(X, X0, noise_eps)
        if why is not None:
            return why
    n = X.shape[0]
    if isinstance(adjacency, CompleteGraph):
        return None if adjacency.n == n else "a complete graph of another size"
    if not sp.issparse(adjacency) or adjacency.shape[0] != n or adjacency.shape[1] < n:
        return f"an adjacency of type {type(adjacency).__name__} and shape " \
               f"{getattr(adjacency, 'shape', None)}"
    return None


def _arrays_unsupported(X, X0, noise_eps):
    for name, arr in (("opinions", X), ("initial opinions", X0), ("noise", noise_eps)):
        if arr is None and name == "noise":
            continue
        if not isinstance(arr, np.ndarray) or arr.dtype != np.float64 or arr.ndim != 2:
            dtype = getattr(arr, "dtype", type(arr).__name__)
            return f"{name} of dtype {dtype} (float64 (n, dim) arrays only)"
        if arr.shape != X.shape:
            return f"{name} of shape {arr.shape} (must match {X.shape})"
    return None


_bounds_cache = (None, None, None)  # (indptr, n_chunks, bounds) of the latest synchronous tick


def _edge_balanced_bounds(indptr, rows, n_chunks):
    """Split the rows (all, or ``rows``) into chunks with about as many edges (+1 per row) each."""
    global _bounds_cache
    if len(rows) == 0 and _bounds_cache[0] is indptr and _bounds_cache[1] == n_chunks:
        return _bounds_cache[2]
    if len(rows):
        cum = np.cumsum(np.diff(indptr)[rows] + 1)
    else:
        cum = indptr[1:].astype(np.int64) + np.arange(1, len(indptr))
    cuts = np.searchsorted(cum, np.linspace(0, cum[-1], n_chunks + 1)[1:-1], side="left")
    bounds = np.concatenate([[0], cuts, [len(cum)]]).astype(np.int64)
    if len(rows) == 0:
        _bounds_cache = (indptr, n_chunks, bounds)
    return bounds


_NO_ROWS = readonly(np.zeros(0, np.int64))  # a synchronous tick: every row, in order
_structure_cache = (None, None)  # (structure, its CSR arrays) of the latest sparse tick
_initial_cache = (None, None)    # (initial opinions, their read-only view) of the latest tick


def _csr(adjacency):
    """``(indptr, indices, read-only indptr, read-only indices, edges)`` of a structure, kept
    while the same structure object serves tick after tick: a changed network is a new object
    (:meth:`opinionsim.network.Network.set_adjacency`), never one edited in place."""
    global _structure_cache
    if _structure_cache[0] is not adjacency:
        indptr, indices = csr_structure(adjacency)
        _structure_cache = (adjacency, (indptr, indices, readonly(indptr), readonly(indices),
                                        int(indptr[-1])))
    return _structure_cache[1]


def _initial(X0):
    """A read-only view of the initial opinions, kept while the same array comes back (only
    a C-contiguous one: its view shares its memory, so it can never go stale)."""
    global _initial_cache
    if _initial_cache[0] is not X0:
        if not X0.flags.c_contiguous:
            return readonly(np.ascontiguousarray(X0))
        _initial_cache = (X0, readonly(X0))
    return _initial_cache[1]


def _advance(activation, X, X0, adjacency, rule, noise_eps, order, active, ctx, byproducts):
    X = readonly(np.ascontiguousarray(X))
    X0 = _initial(X0)
    n_threads = get_num_threads()
    is_dense = isinstance(adjacency, CompleteGraph)
    n = X.shape[0]
    sequential = activation == "random_sequential"
    if sequential:
        # One agent after another, in place, on the calling thread: the kernel reads X
        # through a read-only view of the array it writes.
        out = aligned_copy(X)
        X = readonly(out)
        rows = readonly(np.ascontiguousarray(order, dtype=np.int64))
    elif activation == "random_async":
        rows = np.flatnonzero(active).astype(np.int64)
        out = aligned_copy(X)
        if len(rows) == 0:
            if byproducts is not None:
                byproducts["largest_change2"] = 0.0
            return out
        rows = readonly(rows)
    else:
        rows = _NO_ROWS
        out = aligned_empty(X.shape)
    n_rows = len(rows) if len(rows) else n
    if is_dense:
        work = n_rows * adjacency.shape[1]
        n_chunks = 1 if sequential or work < MIN_PARALLEL_WORK or n_threads == 1 \
            else min(n_rows, 8 * n_threads)
        bounds = np.linspace(0, n_rows, n_chunks + 1).astype(np.int64)
    else:
        indptr, indices, indptr_ro, indices_ro, edges = _csr(adjacency)
        work = (edges + n) if len(rows) == 0 else len(rows) * (1 + edges // n)
        n_chunks = 1 if sequential or work < MIN_PARALLEL_WORK or n_threads == 1 \
            else min(n_rows, 4 * n_threads)
        bounds = np.array([0, n_rows], np.int64) if sequential \
            else _edge_balanced_bounds(indptr, rows, n_chunks)
        indptr, indices = indptr_ro, indices_ro
    want_entropy = byproducts is not None and "entropy" in byproducts
    p = prepare(rule, out if sequential else X, X0, noise_eps, adjacency, ctx, n_chunks,
                want_entropy, sequential=sequential, dense=is_dense)
    r = p.rule_arrays
    Q, K, V = p.Q, p.K, p.V
    ok = (0.0,) if r.drop > 0.0 or r.floor > 0.0 or len(p.att.lw) > 0 else ()
    hk = (0.0,) if want_entropy else ()
    if is_dense:
        totals = readonly(p.totals)

        def task(c):
            dense(r.dense_dh, ok, hk, bounds[c], bounds[c + 1], rows, sequential, c,
                  adjacency.include_self, Q, p.KT, p.VT, totals, X, p.att, p.upd, p.ref, p.bp,
                  out)
    elif r.lean:
        if n_chunks == 1:  # the whole tick on this thread: no closure, no pool
            lean(r.dh, ok, hk, bounds[0], bounds[1], rows, sequential, 0, indptr, indices, Q,
                 K, V, X, p.att, p.upd, p.ref, p.bp, out)
            task = None
        else:
            def task(c):
                lean(r.dh, ok, hk, bounds[c], bounds[c + 1], rows, sequential, c, indptr,
                     indices, Q, K, V, X, p.att, p.upd, p.ref, p.bp, out)
    else:
        hw = () if ok else r.hw  # a row with options takes the generic path

        def task(c):
            heads(hw, ok, hk, bounds[c], bounds[c + 1], rows, sequential, c, indptr, indices, Q,
                  K, V, X, p.att, p.upd, p.ref, p.bp, out)

    if task is not None:
        threads.run_chunks(task, n_chunks, n_threads)
    if byproducts is not None:
        # max propagates NaN: a non-finite change in any chunk makes the result NaN
        largest = p.bp.largest
        byproducts["largest_change2"] = float(largest[0] if n_chunks == 1 else largest.max())
        if want_entropy:
            byproducts["entropy"] = p.bp.entropy
    return out


def pairwise_tick(X, adjacency, rule, agents, coins):
    """A tick of pairwise encounters compiled (see :mod:`.pairwise`), or None to run the reference."""
    if not enabled():
        return None
    if rule.affinity not in SUPPORTS["affinity"] or X.dtype != np.float64:
        threads.warn_once(f"pairwise {rule.affinity}", f"opinionsim: no compiled kernel for "
                          f"affinity {rule.affinity!r} in pairwise encounters; running the "
                          "reference engine (same results, slower).")
        return None
    from ..dynamics.affinities import AFFINITIES
    from .pairwise import encounters

    out = aligned_copy(X)
    complete = isinstance(adjacency, CompleteGraph)
    if complete:
        indptr = indices = np.zeros(1, np.int64)
        width = adjacency.n
    else:
        indptr, indices = csr_structure(adjacency)
        width = int(np.max(np.diff(indptr))) if len(indptr) > 1 else 0
    r = rule_arrays(rule, X.shape[1])
    try:
        encounters(out, readonly(indptr), readonly(indices), complete,
                   readonly(np.asarray(agents, np.int64)), readonly(np.asarray(coins)),
                   rule.interaction == "sampled", AFFINITIES[rule.affinity].kernel, r.temps,
                   r.salience, r.key_norm_clip, r.step_size, r.confidence, r.fixed,
                   np.empty(max(width, 1)), np.empty((1, X.shape[1])))
    except Exception as exc:
        threads.mark_broken(exc)
        threads.warn_once("failure", f"opinionsim: the compiled kernels failed ({exc!r}); using "
                          "the reference implementation from now on in this process.")
        return None
    return out


_linear_cache = (None, None)  # (structure, (w, totals)) of the latest linear run


def linear_rule(rule, d):
    """Whether :func:`linear_run` can advance ``rule`` (opinions of width ``d``) in bulk:
    weights that do not depend on the opinions, one head, no options, no noise."""
    from ..dynamics.weighting import UNIFORM

    r = rule_arrays(rule, d)
    return bool(r.lean and not r.v_map and r.mode == UNIFORM and r.drop == 0.0
                and r.floor == 0.0 and r.noise == 0.0 and rule.interaction == "weighted")


def linear_run(X, X0, adjacency, rule, n_steps, weighted):
    """``n_steps`` synchronous ticks of a fixed-weight rule in one compiled call.

    Returns ``(opinions, largest squared change in the last tick)``, or None
    when the rule's weights depend on the opinions (or options are on), so the
    per-step path must run. Bit for bit what that many separate steps give.
    """
    global _linear_cache
    from .linear import steps

    if not enabled() or isinstance(adjacency, CompleteGraph) or X.dtype != np.float64:
        return None
    if not linear_rule(rule, X.shape[1]):
        return None
    r = rule_arrays(rule, X.shape[1])
    indptr, indices = csr_structure(adjacency)
    if weighted:
        if _linear_cache[0] is not adjacency:
            from .weights import uniform_prior_weights

            w = np.empty(len(indices))
            totals = np.empty(len(indptr) - 1)
            uniform_prior_weights(indptr, np.log(adjacency.data), w, totals)
            _linear_cache = (adjacency, (readonly(w), readonly(totals)))
        w, totals = _linear_cache[1]
    else:
        w = totals = readonly(np.zeros(0))
    a = aligned_copy(X)
    b = aligned_empty(X.shape)
    which, largest = steps(r.dh, int(n_steps), readonly(indptr), readonly(indices), w, totals,
                           readonly(np.ascontiguousarray(X0)), r.step_size, r.stub, r.fixed,
                           r.sphere, a, b)
    return (a if which == 0 else b), float(largest)


def attention_run(X, X0, adjacency, rule, n_ticks, ctx, want_entropy=False):
    """Up to ``n_ticks`` synchronous ticks of an attention rule, with no Python between them
    but a loop.

    A small network's tick is over in tens of microseconds, and the Python around
    it (packing the arguments, numba's dispatch on their types, the model's
    bookkeeping) cost as much again: the default sweep's 200-step runs of 1000
    agents spent a third of their time there. This packs the arguments once and
    calls the row kernel's compiled entry point (found once from their types)
    tick after tick between two buffers, on the calling thread: the kernel the
    per-step path runs, on the same arguments, so the opinions are the same
    bits, and nothing new to compile.

    Returns ``(opinions, ticks done, largest squared change of the last tick
    done)``, or None when the per-step path must run: the rule derives queries,
    keys or values other than the opinions themselves (maps, salience, clipped
    or unit keys), draws per tick (noise, dropout), or a tick would run on
    several threads (:data:`MIN_PARALLEL_WORK`). Fewer ticks are done when one
    makes an opinion non-finite (the per-step path reruns it and names the
    agent). ``want_entropy``: whether the per-step path computes the attention
    entropy on the side; the ticks here do too (and drop it), so that both run
    one compiled kernel rather than two (a second costs ~10 s to compile on a
    fresh machine).
    """
    if n_ticks < 1 or unsupported("synchronous", X, X0, adjacency, rule, None) is not None \
            or isinstance(adjacency, CompleteGraph):
        return None
    r = rule_arrays(rule, X.shape[1])
    if not (r.lean and not r.mapped and r.plain_keys and not r.cosine and r.drop == 0.0
            and r.noise == 0.0 and rule.interaction == "weighted") \
            or (ctx is not None and ctx.source_opinions is not None):
        return None
    indptr, indices, indptr_ro, indices_ro, edges = _csr(adjacency)
    n = X.shape[0]
    if get_num_threads() > 1 and edges + n >= MIN_PARALLEL_WORK:
        return None
    a = aligned_copy(X)
    b = aligned_empty(X.shape)
    Xa, Xb = readonly(a), readonly(b)
    p = prepare(rule, Xa, _initial(X0), None, adjacency, ctx, 1, want_entropy,
                sequential=False, dense=False)
    ok = (0.0,) if r.floor > 0.0 or len(p.att.lw) > 0 else ()
    hk = (0.0,) if want_entropy else ()
    # The arguments _advance passes for one synchronous chunk of every row.
    args = [r.dh, ok, hk, np.int64(0), np.int64(n), _NO_ROWS, False, 0, indptr_ro, indices_ro,
            Xa, Xa, Xa, Xa, p.att, p.upd, p.ref, p.bp, b]
    tick = lean.compile(tuple(lean.typeof_pyval(v) for v in args))
    largest = 0.0
    for s in range(int(n_ticks)):
        # Tick s reads the buffer tick s - 1 wrote and writes the other.
        src, args[18] = (Xa, b) if s % 2 == 0 else (Xb, a)
        args[10] = args[11] = args[12] = args[13] = src
        tick(*args)
        change = float(p.bp.largest[0])
        if not math.isfinite(change):
            return (a if s % 2 == 0 else b), s, change
        largest = change
    return (a if n_ticks % 2 == 0 else b), int(n_ticks), largest


def precompile(dims=(2,)):
    """Compile (or load from the on-disk cache) the kernels for the common argument types.

    Returns the seconds it took. Call it once after installing (``opinionsim
    precompile``) to move the one-time compile cost out of the first run:
    for each of ``dims``, the step the main job runs (a sparse network, one
    head, the attention entropy recorded on the side, as the default
    reporters ask), then a plain step of each activation regime at dim 2.
    Each opinion width compiles its own kernel (~15 s on a 2-core machine).
    """
    import time

    import scipy.sparse as sp

    from ..dynamics.rule import UpdateRule
    from ..model import OpinionModel

    start = time.perf_counter()
    ring = sp.csr_array((np.ones(12), (np.repeat(np.arange(6), 2),
                                       (np.repeat(np.arange(6), 2) + np.tile([1, 5], 6)) % 6)),
                        shape=(6, 6))
    ring.indices = ring.indices.astype(np.int32)
    ring.indptr = ring.indptr.astype(np.int32)
    for dim in dims:
        # A sweep's run: unobserved steps through attention_run, then the last step.
        model = OpinionModel(graph=ring, dim=int(dim), affinity="distance", include_self=False,
                             seed=0, reporters=["step_attention_entropy"], record_every=3)
        model.run(3)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    csr = sp.csr_array(np.ones((6, 6)))
    csr.indices = csr.indices.astype(np.int32)
    csr.indptr = csr.indptr.astype(np.int32)
    rule = UpdateRule.create(n=6, dim=2)
    for adjacency in (csr, CompleteGraph(6)):
        advance("synchronous", X, X, adjacency, rule)
        advance("random_async", X, X, adjacency, rule, active=np.ones(6, bool))
        advance("random_sequential", X, X, adjacency, rule, order=np.arange(6))
    return time.perf_counter() - start
