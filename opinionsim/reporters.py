"""Model-level reporters for the DataCollector: name → function of the model.

Reporters read the model's arrays directly (``model.opinions``,
``model.network``), never through the agents, so recording them every step
at N = 1e6 costs no per-agent Python loop.

Where a scale-free number and a scale-aware one exist, both are here and say
which they are: ``polarization_index`` (shape of the distribution) beside
``morales_index`` (the published index on the [-1, 1] scale), and
``neighbor_correlation`` (alignment of whatever spread is left) beside
``echo_chamber_index`` (0 at consensus and on shuffled opinions). Each network
metric also has a ``<name>_z`` reporter, its z-score against shuffled opinions
(:func:`opinionsim.metrics.null_model`); those cost ``NULL_SAMPLES`` metric
evaluations each and are never recorded by default.

Examples
--------
>>> from opinionsim import OpinionModel
>>> m = OpinionModel(n_agents=4, seed=0, reporters=["variance", "max_change"])
>>> m.run(2)
>>> list(m.datacollector.get_model_vars_dataframe().columns)
['step', 'variance', 'max_change']
"""

from __future__ import annotations

import math

import numpy as np

from . import _random, metrics
from ._errors import OpinionSimError

__all__ = ["REPORTERS", "DEFAULT_REPORTERS", "build_reporters"]


#: From this many agents on, the mean, variance and step entropy are read by compiled code
#: (:mod:`opinionsim.kernels.stats`); below, numpy costs microseconds more per record, and a
#: run of the default sweep (1000 agents, read once) compiles nothing for them.
COMPILED_ROWS = 4096


def _per_state(model, name, compute):
    """``compute(model)``, once per state: two reporters reading it in one record share it.
    A step installs a new opinions array (never one changed in place), so its identity
    marks the state."""
    hit = getattr(model, name, None)
    if hit is not None and hit[0] is model._X:
        return hit[1]
    value = compute(model)
    setattr(model, name, (model._X, value))
    return value


def _moments(model):
    """Column means and the total variance of the current opinions, once per state."""
    return _per_state(model, "_moments_cache", _compute_moments)


def _compute_moments(model):
    X = model.opinions
    from . import kernels

    if X.shape[0] >= COMPILED_ROWS and kernels.enabled():
        # Compiled, in place: numpy's version allocates and pages in an N x dim temporary
        # (X - mean) per call, a fifth of the step's time at N = 1e6.
        mean, var = kernels.stats.moments(X)
        value = (mean, float(var))
    else:
        # A matrix-vector product, not X.mean(axis=0): numpy reduces a tall, narrow array
        # along axis 0 about 20x slower than BLAS does (240 vs 10 µs at 10^4 x 3).
        mean = (np.ones(X.shape[0]) @ X) / X.shape[0]
        centred = X - mean
        value = (mean, float(np.einsum("ij,ij->", centred, centred)) / X.shape[0])
    return value


def mean_opinion(model):
    """Mean opinion: the signed mean for dim == 1, the norm of the mean vector otherwise."""
    m = _moments(model)[0]
    return float(m[0]) if model.dim == 1 else math.sqrt(float(m @ m))


def variance(model):
    """Total opinion variance (trace of the population covariance)."""
    return _moments(model)[1]


def max_change(model):
    """Largest Euclidean change of one agent's opinion in the latest step (0 at step 0)."""
    return float(model.last_change)


def relative_change(model):
    """:func:`max_change` over the initial spread: the quantity ``--steps converge:tol=``
    bounds (see :func:`opinionsim.conditions.max_change`); 0 at step 0 and at a fixed point.

    When all agents started equal (spread 0) it is 0 if nothing moved, else inf.
    """
    from .conditions import initial_spread

    change = float(model.last_change)
    spread = initial_spread(model)
    if spread > 0:
        return change / spread
    return 0.0 if change == 0 else float("inf")


def _listening_adjacency(model):
    """Whom each agent listens to, self excluded (see ``Network.listening``)."""
    return model.network.listening()


def polarization_index(model):
    """Scale-free variant of the Morales et al. (2015) index (PC1 projection, mean-centred).

    Scale-free: a population converged to a tiny spread can still score high;
    read it beside ``variance``, or use ``morales_index``.
    """
    return metrics.polarization_index(model.opinions)


def morales_index(model):
    """Morales et al. (2015) polarisation index as published, for opinions on [-1, 1] (neutral 0).

    The mean over opinion dimensions, each read as an issue on the scale
    [-1, 1] (the model's default initial opinions); opinions that noise pushed
    beyond the scale count at its ends.
    """
    X = model.opinions
    return float(np.mean([metrics.morales_index(X, axis=d, outside="clip")
                          for d in range(X.shape[1])]))


def neighbor_correlation(model):
    """Correlation of each agent's opinion with the mean of whom it listens to (Cinelli et al. 2021).

    Scale-free: close to +1 at consensus; ``echo_chamber_index`` is the scale-aware reading.
    """
    return metrics.neighbor_correlation(model.opinions, _listening_adjacency(model))


def echo_chamber_index(model):
    """Opinion variance hidden in network neighbourhoods, relative to the [-1, 1] scale (0 at
    consensus and on shuffled opinions)."""
    return metrics.echo_chamber_index(model.opinions, _listening_adjacency(model), scale=1.0)


def attention_entropy(model):
    """Mean normalised entropy of the agents' attention over their whole neighbourhoods
    (0: one voice, 1: uniform); underflowed weights count as neighbours given no attention."""
    net = model.network
    if not net.complete:
        return metrics.attention_entropy(model.attention(), sizes=net.out_degree).mean
    # Complete graphs: rows in blocks, never an N×N matrix.
    n = net.n
    size = n if net.include_self else n - 1
    total, counted = 0.0, 0
    block = max(1, 2**22 // n)
    for start in range(0, n, block):
        rows = np.arange(start, min(n, start + block))
        res = metrics.attention_entropy(model._attention_rows(rows),
                                        sizes=np.full(len(rows), size))
        total += float(np.sum(res.per_agent))
        counted += int(np.count_nonzero(res.counted))
    return total / counted if counted else 0.0


def step_attention_entropy(model):
    """Mean normalised entropy of the attention agents paid *during the latest step*.

    A by-product of the step itself (the compiled kernels emit each agent's
    entropy in the same pass), so recording it every step costs almost
    nothing; ``attention_entropy`` is the same statistic of the attention the
    *next* step will use, at the cost of computing it. Normalised as there: by
    ln of the whole neighbourhood (sources included), agents with fewer than
    two neighbours or nobody to listen to not counted. NaN at step 0, before
    any step, and after a stretch run in bulk (fixed weights, nothing recorded).
    """
    H = model.last_entropy
    if model.steps == 0 or H is None:
        return float("nan")
    net = model.network

    def log_sizes():
        adj = model.structure()
        if hasattr(adj, "indptr"):
            k = np.diff(adj.indptr)
        else:  # complete graph, maybe with sources: every row the same size
            k = np.full(net.n, adj.shape[1] - (0 if adj.include_self else 1))
        with np.errstate(divide="ignore"):
            return np.where(k >= 2, np.log(np.maximum(k, 1)), np.nan)

    key = (net.version, id(model.structure()))
    cached = getattr(model, "_log_sizes", None)
    if cached is None or cached[0] != key:
        cached = model._log_sizes = (key, log_sizes())
    from . import kernels

    if len(H) >= COMPILED_ROWS and kernels.enabled():
        return float(kernels.stats.mean_finite_ratio(H, cached[1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = H / cached[1]
    counted = np.isfinite(ratio)
    return float(np.mean(ratio[counted])) if counted.any() else float("nan")


def bimodality_coefficient(model):
    """Pfister et al. (2013) bimodality coefficient (PC1 projection)."""
    return metrics.bimodality_coefficient(model.opinions)


def esteban_ray(model):
    """Esteban & Ray (1994) polarisation, alpha = 1, over the opinion clusters of the PC1
    projection (agents within ``CLUSTER_TOL`` chained together), not over histogram bins."""
    return metrics.esteban_ray(model.opinions, groups="clusters", tol=CLUSTER_TOL)


def opinion_entropy(model):
    """Shannon entropy of the opinion histogram (PC1 projection), in nats."""
    return metrics.opinion_entropy(model.opinions)


def mean_pairwise_distance(model):
    """Mean Euclidean distance between two agents (sampled above 20000 agents, seeded)."""
    return metrics.mean_pairwise_distance(model.opinions, rng=model.seed).value


def opinion_assortativity(model):
    """Newman (2003) assortativity of opinions over the listening network (not on complete graphs)."""
    return metrics.opinion_assortativity(model.opinions, _listening_adjacency(model))


def cross_cutting_fraction(model):
    """Share of ties across the opinion divide (Sasahara et al. 2021; not on complete graphs)."""
    return metrics.cross_cutting_fraction(model.opinions, _listening_adjacency(model))


def network_version(model):
    """How many times the network has changed (rewiring, cut ties) so far."""
    return model.network.version


#: Opinion distance that chains agents into one cluster for the cluster-based reporters.
CLUSTER_TOL = metrics.CLUSTER_TOL


def _clusters(model):
    """``opinion_clusters`` of the current opinions, once per state (two reporters read it)."""
    return _per_state(model, "_clusters_cache",
                      lambda m: metrics.opinion_clusters(m.opinions, tol=CLUSTER_TOL))


def n_clusters(model):
    """Number of opinion clusters (agents within ``CLUSTER_TOL`` chained together)."""
    return int(np.count_nonzero(np.bincount(_clusters(model))))


def echo_chamber_modularity(model):
    """Newman–Girvan modularity of the opinion clusters (``CLUSTER_TOL``) on the listening
    network."""
    return metrics.echo_chamber_modularity(model.opinions, _listening_adjacency(model),
                                           tol=CLUSTER_TOL, labels=_clusters(model))


#: Null samples behind each ``<metric>_z`` reporter.
NULL_SAMPLES = 100
# The null samples' random stream: (seed, this kind, step), apart from the model's own
# kinds in opinionsim._random (0-3), so recording a z-score never changes a trajectory.
_NULL_STREAM = 1000


def _null_z(name):
    def reporter(model):
        rng = _random.stream(model.seed, _NULL_STREAM, model.steps)
        return metrics.null_model(name, model.opinions, _listening_adjacency(model),
                                  kind="shuffle", n_samples=NULL_SAMPLES, rng=rng).z

    reporter.__name__ = f"{name}_z"
    reporter.__doc__ = (f"z-score of ``{name}`` against {NULL_SAMPLES} shuffles of the opinions "
                        "over the listening network (seeded by the model's seed and step).")
    return reporter


REPORTERS = {
    "mean_opinion": mean_opinion,
    "variance": variance,
    "max_change": max_change,
    "relative_change": relative_change,
    "polarization_index": polarization_index,
    "neighbor_correlation": neighbor_correlation,
    "attention_entropy": attention_entropy,
    "step_attention_entropy": step_attention_entropy,
    "bimodality_coefficient": bimodality_coefficient,
    "esteban_ray": esteban_ray,
    "opinion_entropy": opinion_entropy,
    "mean_pairwise_distance": mean_pairwise_distance,
    "opinion_assortativity": opinion_assortativity,
    "cross_cutting_fraction": cross_cutting_fraction,
    "network_version": network_version,
    "n_clusters": n_clusters,
    "echo_chamber_modularity": echo_chamber_modularity,
    "morales_index": morales_index,
    "echo_chamber_index": echo_chamber_index,
    **{f"{name}_z": _null_z(name) for name in metrics.GRAPH_METRICS},
}


def _activity_reporters():
    # The activity-driven model's own reporters, by name everywhere (sweeps, causal outcomes).
    from .activity_model import ACTIVITY_REPORTERS

    return ACTIVITY_REPORTERS


REPORTERS.update(_activity_reporters())

#: Recorded when ``reporters`` is not given: what the step yields on the side, so that
#: recording every step costs no second pass. The others each need one (a ``<metric>_z``
#: reporter NULL_SAMPLES of them): ask for them by name.
DEFAULT_REPORTERS = ("mean_opinion", "variance", "max_change", "step_attention_entropy")


def build_reporters(reporters, model=None):
    """Turn the ``reporters`` argument into the DataCollector's ``{column: callable}``.

    A ``step`` column (the model's step count) always comes first.
    """
    if reporters is None:
        reporters = DEFAULT_REPORTERS
    if isinstance(reporters, dict):
        items = list(reporters.items())
    elif isinstance(reporters, (str, bytes)) or not hasattr(reporters, "__iter__"):
        raise OpinionSimError(
            f"reporters == {reporters!r}, must be a list of reporter names/callables or a dict "
            f"{{column: name or callable}}; names: {', '.join(sorted(REPORTERS))}."
        )
    else:
        items = []
        for r in reporters:
            name = r if isinstance(r, str) else getattr(r, "__name__", repr(r))
            items.append((name, r))
    out = {"step": _step}
    if model is not None:
        model._want_entropy = any(isinstance(r, str) and r == "step_attention_entropy"
                                  or r is step_attention_entropy
                                  for _, r in items)
    for column, r in items:
        if isinstance(r, str):
            if r not in REPORTERS:
                raise OpinionSimError(
                    f"reporters names {r!r}, which is not a reporter; "
                    f"known: {', '.join(sorted(REPORTERS))} (or pass a callable model -> float)."
                )
            out[column] = REPORTERS[r]
        elif callable(r):
            out[column] = r
        else:
            raise OpinionSimError(
                f"reporters entry {r!r} is neither a reporter name nor a callable model -> "
                f"float; names: {', '.join(sorted(REPORTERS))}.")
    return out


def _step(model):
    return model.steps
