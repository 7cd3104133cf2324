"""Attention metrics: how listeners split their attention, between groups and how broadly.

Attention matrices are non-negative scipy sparse arrays whose row ``i`` is how
listener ``i`` splits its attention (e.g. ``OpinionModel.attention()``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._errors import OpinionSimError
from ._common import as_weight_matrix, check_labels, row_sums
from ._docs import fill_doc

__all__ = ["AttentionEntropy", "attention_homophily", "attention_entropy"]


class AttentionEntropy(NamedTuple):
    """Result of :func:`attention_entropy`.

    Attributes
    ----------
    per_agent : numpy.ndarray, shape (N,)
        Entropy of each agent's attention row (0.0 where it is not counted).
    mean : float
        Mean of ``per_agent`` over the counted agents; 0.0 if there are none.
    counted : numpy.ndarray of bool, shape (N,)
        The agents with a choice: positive total weight and a neighbourhood
        of at least two.
    """

    per_agent: np.ndarray
    mean: float
    counted: np.ndarray


def attention_homophily(A, labels, *, per_agent=False):
    r"""Share of each listener's attention that stays inside its own group.

    .. math::

        h_i = \frac{\sum_j A_{ij}\,[\ell_j = \ell_i]}{\sum_j A_{ij}}, \qquad
        H = \frac{1}{|L|} \sum_{i \in L} h_i,

    the attention-weighted version of the homophily of [1]_, where
    :math:`\ell` are the group labels (e.g. from :func:`opinion_clusters`)
    and :math:`L` the listeners, agents whose row has positive total weight.
    Rows are divided by their sum, so a row-stochastic ``A`` is used as is
    and a plain adjacency matrix gives the fraction of neighbours in the
    same group. 1: everyone attends only to its own group. Returns 0.0 when
    nobody listens to anyone.

    A share, not an echo-chamber measure on its own: with labels from
    :func:`opinion_clusters` it reads 1 at **consensus** (one group), and
    with labels **shuffled** over the agents about
    :math:`\sum_c \pi_c^2` (the chance that a random other agent shares
    one's group, :math:`\pi_c` the group shares). Compare it with that
    baseline, or use a scale-aware metric.

    Parameters
    ----------
    A : scipy sparse array or matrix, shape (N, N)
        Non-negative attention weights; row ``i`` is listener ``i``.
    labels : array_like of int, shape (N,)
        Group of each agent.
    per_agent : bool, default False
        Also return :math:`h_i` for every agent (0.0 for non-listeners).

    Returns
    -------
    float or (float, numpy.ndarray)
        :math:`H \in [0, 1]`; with ``per_agent=True`` the tuple
        ``(H, h)``.

    Raises
    ------
    OpinionSimError
        If ``A`` is not a square sparse (or dense) array, has a negative or
        non-finite entry, or ``labels`` is not an integer array of length N.

    References
    ----------
    .. [1] M. McPherson, L. Smith-Lovin and J. M. Cook, "Birds of a feather:
       homophily in social networks", *Annual Review of Sociology* 27,
       415-444 (2001).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from opinionsim.metrics import attention_homophily
    >>> A = sp.csr_array(np.array([[0, 0.75, 0.25], [0.5, 0, 0.5], [0, 0, 0]]))
    >>> attention_homophily(A, [0, 0, 1])
    0.625
    >>> attention_homophily(A, [0, 0, 1], per_agent=True)
    (0.625, array([0.75, 0.5 , 0.  ]))
    """
    W, _ = as_weight_matrix(A, name="A")
    n = W.shape[0]
    labels = check_labels(labels, n)
    counts = np.diff(W.indptr)
    same = np.repeat(labels, counts) == labels[W.indices]
    row_total = row_sums(W.data, W.indptr)
    row_same = row_sums(np.where(same, W.data, 0.0), W.indptr)
    listeners = row_total > 0
    h = np.zeros(n)
    h[listeners] = np.minimum(1.0, row_same[listeners] / row_total[listeners])
    mean = float(h[listeners].mean()) if listeners.any() else 0.0
    return (mean, h) if per_agent else mean


@fill_doc
def attention_entropy(A, *, normalized=True, sizes=None):
    r"""Entropy of each listener's attention over its whole neighbourhood, and its mean.

    With :math:`p_{ij} = A_{ij} / \sum_j A_{ij}` and :math:`k_i` the size of
    agent ``i``'s neighbourhood,

    .. math::

        H_i = -\sum_j p_{ij} \ln p_{ij}, \qquad
        \tilde H_i = \frac{H_i}{\ln k_i} \quad (k_i \ge 2),

    the Shannon entropy [1]_ of where agent ``i`` looks, normalised by its
    largest possible value (Pielou's evenness [2]_). :math:`k_i` is the number
    of **stored entries** in row ``i``, zero weights included, unless
    ``sizes`` says otherwise: :func:`opinionsim.engine.attention_weights`
    stores every neighbour, so a weight that underflowed at a low temperature
    counts as a member that gets no attention, and a row with weights
    (1, 0, 0) over three neighbours reads 0, not 1. (Normalising by the
    non-zero count instead would call that row "uniform over one": at low
    temperature most weights underflow and the mean rises for no reason.)

    Normalised, 0 means one voice gets all the attention and 1 means uniform
    attention over the neighbourhood, so uniform attention (``T = inf``)
    reads exactly 1 on any graph. Unnormalised values are in nats.

    Agents without a choice are **not counted**: a row with zero total weight
    (nobody to listen to), or a neighbourhood of one (:math:`\ln 1 = 0`:
    attending to a single voice is both focused and uniform, so the ratio is
    undefined). Their ``per_agent`` value is 0.0 and the mean is over the
    counted agents (0.0 if there are none), so a graph with leaves does not
    drag the mean down. Computed over the CSR data with
    :func:`numpy.add.reduceat`, without a loop over rows.

    What it reads: at **consensus** every affinity is equal, so attention is
    uniform and the mean reads 1 (broad attention, nothing to choose
    between); a **shuffled null** does not apply to a given attention matrix
    (recompute the attention from shuffled opinions to get one).

    Parameters
    ----------
    A : scipy sparse array or matrix, shape (N, M)
        Non-negative attention weights, rows normally summing to 1 (other
        rows are normalised by their sum). ``M`` may differ from ``N``:
        cross-attention (agents attending to outlets) and blocks of rows.
        Stored zeros count as members of the neighbourhood that receive no
        attention.
    normalized : bool, default True
        Divide by :math:`\ln k_i`.
    sizes : array_like of int, shape (N,), optional
        Neighbourhood sizes :math:`k_i` to use instead of the stored entries
        per row: for matrices whose stored zeros were dropped on the way (a
        sum of sparse matrices drops them). The model's reporter passes the
        network's out-degrees.

    Returns
    -------
    AttentionEntropy
        Named tuple ``(per_agent, mean, counted)``: the ``(N,)`` array of
        entropies, their mean over the counted agents, and the mask of
        counted agents.

    Raises
    ------
    OpinionSimError
        If ``A`` is not a non-empty sparse (or dense) array or has a negative or
        non-finite entry, or ``sizes`` is not N non-negative integers.

    References
    ----------
    .. [1] %(ref_shannon)s
    .. [2] E. C. Pielou, "The measurement of diversity in different types of
       biological collections", *Journal of Theoretical Biology* 13, 131-144
       (1966).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from opinionsim.metrics import attention_entropy
    >>> one_voice = sp.csr_array(([1.0, 0.0, 0.0], [0, 1, 2], [0, 3]), shape=(1, 3))
    >>> attention_entropy(one_voice).per_agent  # stored zeros are neighbours
    array([0.])
    >>> uniform = sp.csr_array(np.full((2, 4), 0.25))
    >>> attention_entropy(uniform).mean
    1.0
    >>> attention_entropy(sp.csr_array([[0.0, 0.9, 0.1]])).per_agent  # 2 neighbours
    array([0.469])
    """
    W, smallest = as_weight_matrix(A, name="A", square=False)
    data, indptr = W.data, W.indptr
    n = W.shape[0]
    if sizes is None:
        counts = np.diff(indptr)
    else:
        counts = check_labels(sizes, n, name="sizes")
        if counts.size and counts.min() < 0:
            raise OpinionSimError(f"sizes has a negative entry ({int(counts.min())}); "
                                  "neighbourhood sizes must be >= 0.")
    row_total = row_sums(data, indptr)
    if smallest > 0:
        plogp = np.log(data)
    else:  # 0 ln 0 = 0
        plogp = np.zeros_like(data)
        np.log(data, out=plogp, where=data > 0)
    plogp *= data
    row_plogp = row_sums(plogp, indptr)
    counted = (row_total > 0) & (counts > 1)
    # H_i = ln s_i - (sum_j a_ij ln a_ij) / s_i for rows normalised by s_i.
    H = np.zeros(n)
    s = row_total[counted]
    H[counted] = np.log(s) - row_plogp[counted] / s
    np.maximum(H, 0.0, out=H)
    if normalized:
        H[counted] /= np.log(counts[counted])
        np.minimum(H, 1.0, out=H)
    mean = float(H[counted].mean()) if counted.any() else 0.0
    return AttentionEntropy(H, mean, counted)
