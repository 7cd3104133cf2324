"""Polarisation, echo-chamber and convergence metrics as pure functions.

Every function takes opinions as an ``(n_agents, dim)`` array (a 1-D array is
read as ``dim == 1``) and, where needed, a graph or an attention matrix; none
imports Mesa. One-dimensional metrics project ``dim > 1`` opinions with
``axis=`` (``"pc1"``, the first principal component, by default; or a column
index). Bad input raises :class:`~opinionsim.OpinionSimError` naming the
argument; degenerate but valid input returns a documented finite value, never
NaN.

Polarisation
    :func:`variance`, :func:`mean_pairwise_distance`, :func:`esteban_ray`,
    :func:`polarization_index`, :func:`bimodality_coefficient`,
    :func:`opinion_entropy`, :func:`opinion_clusters`, :func:`n_clusters`.
Echo chambers
    :func:`neighbor_correlation`, :func:`opinion_assortativity`,
    :func:`echo_chamber_modularity`, :func:`attention_homophily`,
    :func:`attention_entropy`.
Convergence
    :func:`max_change`, :func:`consensus_reached`.
"""

from .convergence import consensus_reached, max_change
from .echo_chambers import (
    AttentionEntropy,
    attention_entropy,
    attention_homophily,
    echo_chamber_modularity,
    neighbor_correlation,
    opinion_assortativity,
)
from .polarization import (
    PairwiseDistance,
    bimodality_coefficient,
    esteban_ray,
    mean_pairwise_distance,
    n_clusters,
    opinion_clusters,
    opinion_entropy,
    polarization_index,
    variance,
)

__all__ = [
    # polarisation
    "variance",
    "mean_pairwise_distance",
    "esteban_ray",
    "polarization_index",
    "bimodality_coefficient",
    "opinion_entropy",
    "opinion_clusters",
    "n_clusters",
    # echo chambers
    "neighbor_correlation",
    "opinion_assortativity",
    "echo_chamber_modularity",
    "attention_homophily",
    "attention_entropy",
    # convergence
    "max_change",
    "consensus_reached",
    # result types
    "PairwiseDistance",
    "AttentionEntropy",
]
