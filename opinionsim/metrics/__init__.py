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
    :func:`morales_index` (published form, known scale),
    :func:`polarization_index` (scale-free variant),
    :func:`bimodality_coefficient`, :func:`opinion_entropy`,
    :func:`opinion_clusters`, :func:`n_clusters`.
Echo chambers (scale-aware: about 0 at consensus and on a shuffled null)
    :func:`echo_chamber_index`, :func:`echo_chamber_modularity`.
Alignment (scale-free correlations)
    :func:`neighbor_correlation`, :func:`opinion_assortativity`.
Attention
    :func:`attention_homophily`, :func:`attention_entropy`.
Null models
    :func:`null_model` (shuffled opinions, configuration model, rewiring) and
    the metrics it knows by name, :data:`GRAPH_METRICS`.
Convergence
    :func:`max_change`, :func:`consensus_reached`.
"""

from . import attention, clusters, convergence, echo_chambers, null, polarization
from .attention import *  # noqa: F403
from .clusters import *  # noqa: F403
from .convergence import *  # noqa: F403
from .echo_chambers import *  # noqa: F403
from .null import *  # noqa: F403
from .polarization import *  # noqa: F403

__all__ = [*polarization.__all__, *clusters.__all__, *echo_chambers.__all__, *attention.__all__,
           *null.__all__, *convergence.__all__]
