"""The Mesa shell: :class:`OpinionModel` owns the state and calls the pure engine.

Examples
--------
>>> import networkx as nx
>>> g = nx.watts_strogatz_graph(200, 6, 0.1, seed=1)
>>> model = OpinionModel(graph=g, dim=2, temperature=0.05, seed=7)
>>> model.run(20)
>>> model.opinions.shape, model.steps
((200, 2), 20)
"""

from __future__ import annotations


import numpy as np
import scipy.sparse as sp

from . import _random
from ._errors import OpinionSimError
from ._validation import (check_choice, check_flag, check_opinion_array, check_real,
                          check_state_fits)
from .base import BaseModel, OpinionAgent, check_record_every
from .dynamics import ACTIVATIONS, PARAMETERS, UpdateRule, rule_parameters
from .dynamics.processes import Influence, Process, build_processes
from .dynamics.influence import Context, head_inputs
from .engine import CompleteGraph, attention_weights
from .network import MAX_MATERIALISED_AGENTS, build_network
from .sources import SourceSet

__all__ = ["OpinionModel", "OpinionAgent"]


class OpinionModel(BaseModel):
    """Opinion dynamics via attention, as a Mesa model.

    Each agent ``i`` attends to the agents it listens to with weights
    ``A_ij = softmax_j(S_ij / temperature)`` and moves toward the
    attention-weighted mean opinion:

    ``x_i ← s_i·x_i(0) + (1 − s_i)·[(1 − a)·x_i + a·Σ_j A_ij x_j] + noise·ε_i``.

    Parameters
    ----------
    graph : networkx.Graph, networkx.DiGraph or square scipy.sparse matrix, optional
        Who listens to whom (``u → v``: u listens to v; undirected: both ways;
        sparse row ``i``: whom agent ``i`` listens to). Give this or ``n_agents``.
    n_agents : int, optional
        Complete graph on ``0 … n_agents − 1`` (computed without an N×N matrix).
    dim : int
        Opinion dimensions.
    temperature : float in (0, inf]
        Softmax temperature; ``float('inf')`` gives uniform weights (DeGroot).
    affinity : {"dot", "cosine", "distance"}
        ``⟨x_i, k_j⟩/√dim``, cosine similarity, or ``−‖x_i − k_j‖²``.
    step_size : float in (0, 1]
        How far toward the social mean an agent moves per update.
    include_self : bool
        Whether each agent also listens to itself.
    stubbornness : float or array of shape (N,) in [0, 1]
        Friedkin–Johnsen anchoring to the initial opinion.
    noise : float >= 0
        Standard deviation of the Gaussian noise added at each update.
    zealots : collection of node labels
        Agents whose opinions never change.
    salience : float or array of shape (N,) >= 0
        Key scale ``k_j = salience_j · x_j`` (how loudly an agent speaks).
    key_norm_clip : float > 0, optional
        Keys longer than this are rescaled to this norm (the defence against
        attention hijacking by loud agents).
    heads : list of lists of int, optional
        Topics: each head attends using, and updates, only its dimensions.
        Default: one head over all dimensions. Dimensions in no head stay fixed.
    opinion_space : {"euclidean", "sphere"}
        ``"sphere"`` renormalises opinions to unit norm after every update
        (initial opinions too).
    rule : {"attention", "uniform", "bounded_confidence"}
        The weighting rule; ``"bounded_confidence"`` is Hegselmann–Krause:
        uniform weights over neighbours within ``confidence`` (inclusive);
        with ``step_size=1.0`` it is the textbook synchronous rule of
        Hegselmann & Krause (2002). Unlike ndlib's ``HKModel`` (which updates
        one random node at a time and uses a strict ``<``), here all agents
        update synchronously by default and the bound is inclusive.
    confidence : float >= 0, optional
        Radius of bounded confidence.
    activation : {"synchronous", "random_sequential", "random_async"}
        The scheduler (see :mod:`opinionsim.scheduler`).
    activation_rate : float in (0, 1]
        Per-tick activation probability for ``"random_async"``.
    initial_opinions : array of shape (N, dim), optional
        Rows in graph-node order. Default: uniform on ``[-1, 1]^dim`` (on the
        sphere: uniform directions), drawn from the seed.
    seed : int, SeedSequence or Generator, optional
        The only source of randomness; recorded as :attr:`seed`.
    reporters : list or dict, optional
        Model-level reporters for the DataCollector: names of built-in
        reporters (see :data:`opinionsim.reporters.REPORTERS`) or callables
        ``model -> float``; a dict maps column names to either.
        Default: :data:`opinionsim.reporters.DEFAULT_REPORTERS`.
    record_every : int >= 1
        Collect every this many steps (and at step 0).
    record_opinions : bool
        Keep a copy of all opinions at every recorded step in
        :attr:`opinion_history` (large at N = 1e6, hence off by default).
    interventions : dict {int: Intervention}, optional
        Causal interventions to apply when :attr:`steps` reaches each key (see
        :mod:`opinionsim.interventions`; ``Compose`` several for one step).
        Each is applied through :meth:`do` right after that step is recorded
        (key 0: at the end of construction), so it acts from the next step on.
        Keys, types, node labels and lengths are checked at construction.
    rewiring : Process or str, optional
        A per-step process that changes the network after each influence step,
        e.g. :class:`~opinionsim.Unfollow`, or its spec string
        ``"unfollow:rate=0.01,threshold=0.5"`` (see
        :func:`~opinionsim.dynamics.rewiring.parse_rewiring`).

    Attributes
    ----------
    opinions : ndarray, shape (N, dim)
        Read-only view of the current opinions, rows in graph-node order.
    initial_opinions : ndarray
        Read-only copy of the opinions at step 0.
    nodes : list
        Node labels in row order.
    seed : int
        The seed actually used.
    last_change : float
        Largest Euclidean change of any agent's opinion in the latest step.
    interventions : dict {int: Intervention}
        The validated schedule, sorted by step.
    interventions_applied : list of (int, Intervention)
        Every intervention applied so far (scheduled or by :meth:`do`) and the
        step at which it was applied.

    Raises
    ------
    OpinionSimError
        For any invalid argument, naming it, its value and what is allowed.
    """

    _linear_rule = (None, False)  # (rule, whether linear_run can advance it)

    def __init__(self, graph=None, *, n_agents=None, dim=1, include_self=True, zealots=(),
                 activation="synchronous", activation_rate=1.0, initial_opinions=None, seed=None,
                 reporters=None, record_every=1, record_opinions=False, interventions=None,
                 processes=None, weight=None, sources=None, rewiring=None, **params):
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
            raise OpinionSimError(f"dim == {dim!r}, must be an integer >= 1.")
        _check_keywords(params)
        include_self = check_flag("include_self", include_self)
        if isinstance(n_agents, (int, np.integer)) and not isinstance(n_agents, bool):
            check_state_fits(n_agents, dim)
        self.network = build_network(graph, n_agents, include_self=include_self,
                                     weight=weight)
        check_state_fits(self.network.n, dim)
        n = self.network.n
        self.dim = int(dim)
        self.activation = check_choice("activation", activation, ACTIVATIONS)
        self.activation_rate = check_real("activation_rate", activation_rate, low=0,
                                          low_open=True, high=1)
        self.record_every = check_record_every(record_every)
        fixed = np.zeros(n, dtype=bool)
        fixed[self.network.rows_of(zealots, "zealots")] = True
        self.rule = UpdateRule.create(n=n, dim=self.dim, fixed=fixed, **params)
        self.processes = build_processes(processes)
        if isinstance(rewiring, str):  # a spec string, as sweeps and the CLI give it
            from .dynamics.rewiring import parse_rewiring

            rewiring = parse_rewiring(rewiring)
        if rewiring is not None:
            if not isinstance(rewiring, Process) or isinstance(rewiring, Influence):
                raise OpinionSimError(
                    f"rewiring == {rewiring!r}, must be a per-step process such as "
                    "opinionsim.Unfollow(rate=..., threshold=..., recommend=...).")
            self.processes.append(rewiring)
        for process in self.processes:
            if hasattr(process, "bind"):
                process.bind(self)
        if sources is not None and not isinstance(sources, SourceSet):
            raise OpinionSimError(
                f"sources == {sources!r}, must be an opinionsim.SourceSet (or None).")
        self.sources = sources
        self._audience = None if sources is None else \
            sources.bind(n, self.dim, self.network.weighted)
        if sources is not None and self._audience is not None and self.network.complete \
                and n > MAX_MATERIALISED_AGENTS:
            raise OpinionSimError(
                "sources with a partial audience on a complete graph above "
                f"{MAX_MATERIALISED_AGENTS} agents; use audience='all' or a sparse graph.")
        self.seed = _random.resolve_seed(seed)
        self._edge_key = _random.edge_key(self.seed)
        self._contact_key = _random.edge_key(self.seed, _random.CONTACTS)
        if initial_opinions is None:
            X = self._default_opinions(n)
        else:
            X = check_opinion_array("initial_opinions", initial_opinions, n=n, dim=self.dim,
                                    allow_1d=self.dim == 1).copy()
            if self.rule.opinion_space == "sphere":
                norms = np.linalg.norm(X, axis=1)
                if np.any(norms == 0):
                    raise OpinionSimError(
                        f"initial_opinions row {int(np.argmin(norms))} is the zero vector, which "
                        "has no direction on the sphere (opinion_space='sphere')."
                    )
                X /= norms[:, None]
        self._start(X, reporters=reporters, interventions=interventions,
                    record_opinions=record_opinions)

    @property
    def temperature(self):
        return self.rule.temperature

    @property
    def affinity(self):
        return self.rule.affinity

    @property
    def zealots(self):
        """Node labels of the agents that never change."""
        if self.rule.fixed is None:
            return []
        return [self.network.nodes[i] for i in np.flatnonzero(self.rule.fixed)]

    def _default_opinions(self, n):
        rng = _random.stream(self.seed, _random.INIT, 0)
        if self.rule.opinion_space == "sphere":
            X = rng.standard_normal((n, self.dim))
            return X / np.linalg.norm(X, axis=1, keepdims=True)
        return rng.uniform(-1.0, 1.0, size=(n, self.dim))

    # ---- attention ---------------------------------------------------------------------
    def structure(self):
        """Whom agents listen to this tick: the network, with the sources as extra columns."""
        if self.sources is None:
            return self.network.adjacency
        return self.network.with_sources(self._audience, self.sources.n_sources)

    def context(self, step):
        """What tick ``step`` needs besides opinions, structure and rule (see ``Context``)."""
        src = None if self.sources is None else self.sources.opinions_at(step)
        return Context(step=step, edge_key=self._edge_key, contact_key=self._contact_key,
                       weighted=self.network.weighted,
                       source_opinions=src,
                       source_salience=1.0 if self.sources is None else self.sources.salience)

    def attention(self, head=None, *, include_sources=False):
        """The attention matrix the next step uses, as a ``scipy.sparse.csr_array``.

        Parameters
        ----------
        head : int, optional
            Which head (topic). Default: the only head, or the mean over heads
            when there are several.
        include_sources : bool
            Also return the columns of the sources (N × (N + M)); by default
            only the agents' (N × N).

        Returns
        -------
        scipy.sparse.csr_array
            Row ``i`` holds the weights agent ``i`` gives to whom it listens to
            (the next step's dropout coins included). With every column, each
            row sums to 1 (an agent with nobody to listen to attends to itself
            with weight 1); the agents' columns alone sum to 1 minus the
            attention paid to sources. A frozen head (``AblateHead``) pays none.

        Examples
        --------
        >>> m = OpinionModel(n_agents=3, seed=0)
        >>> m.attention().sum(axis=1).round(12).tolist()
        [1.0, 1.0, 1.0]
        """
        heads = range(len(self.rule.heads))
        if head is not None:
            if isinstance(head, bool) or not isinstance(head, (int, np.integer)) \
                    or not 0 <= head < len(heads):
                raise OpinionSimError(
                    f"head == {head!r}, must be an integer in [0, {len(heads) - 1}].")
            heads = (int(head),)
        total = sum(self._head_attention(h) for h in heads) / len(heads)
        A = sp.csr_array(total)
        return A if include_sources else sp.csr_array(A[:, :self.network.n])

    def source_attention(self, head=None):
        """The N × M attention the next step pays to the sources (see :meth:`attention`)."""
        if self.sources is None:
            raise OpinionSimError("the model has no sources (OpinionModel(sources=SourceSet(...))).")
        A = self.attention(head, include_sources=True)
        return sp.csr_array(A[:, self.network.n:])

    def _attention_rows(self, rows):
        """Attention rows ``rows`` (mean over heads) without building the whole matrix."""
        n_heads = len(self.rule.heads)
        return sp.csr_array(sum(self._head_attention(h, rows) for h in range(n_heads)) / n_heads)

    def _head_attention(self, h, rows=None):
        rule = self.rule
        shape = (self.network.n if rows is None else len(rows), self.structure().shape[1])
        if rule.head_mode(h) == "frozen":
            return sp.csr_array(shape)
        ctx = self.context(self.steps + 1)
        _, Q, K, _ = head_inputs(self._X, rule, h, ctx)
        adj = self.structure()
        if rows is not None:
            adj, Q = _rows(adj, rows), Q[rows]
        T = rule.temperature if rows is None or np.ndim(rule.temperature) == 0 \
            else rule.temperature[rows]
        p = rule.attention_dropout
        dropout = (p, ctx.edge_key, ctx.step) if p > 0 else None
        if dropout is not None and rows is not None:
            # The coins belong to the edges of the whole structure: compute it all, then slice.
            return sp.csr_array(self._head_attention(h)[np.asarray(rows)])
        A = attention_weights(Q, K, adj, temperature=T, affinity=rule.affinity,
                              rule="uniform" if rule.head_mode(h) == "uniform" else rule.rule,
                              confidence=rule.confidence, weighted=ctx.weighted,
                              dropout=dropout, entropy_floor=rule.attention_entropy_floor)
        # A silent agent (nobody to listen to, or nobody within its confidence) keeps its
        # opinion: it attends to itself with weight 1.
        silent = np.flatnonzero(np.asarray(A.sum(axis=1)).ravel() == 0)
        if len(silent):
            own = silent if rows is None else np.asarray(rows)[silent]
            A = A + sp.csr_array((np.ones(len(silent)), (silent, own)), shape=A.shape)
        return sp.csr_array(A)

    # ---- interventions -----------------------------------------------------------------
    def _run_quietly(self, n_steps):
        """Advance ``n_steps`` unobserved steps in compiled code, bit for bit as step by step:
        fixed-weight linear dynamics (DeGroot, weighted DeGroot, Friedkin–Johnsen without
        noise) all at once, plain attention on one thread all but the last (which runs as a
        step, so it leaves what a step leaves: the change, the attention entropy, a record)."""
        if self.sources is not None or len(self.processes) != 1 \
                or self.activation != "synchronous" or type(self).step is not OpinionModel.step:
            return False
        # Rules are immutable (an intervention installs a new one), so whether the bulk path
        # applies is decided once per rule, not at every step of a run that cannot use it.
        checked, linear = self._linear_rule
        from . import kernels

        if checked is not self.rule:
            linear = kernels.linear_rule(self.rule, self.dim)
            self._linear_rule = (self.rule, linear)
        if not linear:
            return self._attend_quietly(n_steps)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            done = kernels.linear_run(self._X, self._X0, self.structure(), self.rule, n_steps,
                                      self.network.weighted)
        if done is None:
            return False
        new, largest = done
        if not np.isfinite(largest):
            return False  # let the step-by-step path find and name the non-finite opinion
        self._X = new
        self.last_change = float(np.sqrt(largest))
        self.last_entropy = None
        self.steps += n_steps
        t = self.steps
        if t % self.record_every == 0:
            self._record()
        self._apply_scheduled(t)
        return True

    def _attend_quietly(self, n_steps):
        from . import kernels

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            done = kernels.attention_run(self._X, self._X0, self.structure(), self.rule,
                                         n_steps - 1, self.context(self.steps + 1),
                                         getattr(self, "_want_entropy", False))
        if done is None:
            return False
        new, ticks, largest = done
        self._X = new
        self.steps += ticks
        if ticks:
            self.last_change = float(np.sqrt(largest))
            self.last_entropy = None
        # The last step (or, after a tick that made an opinion non-finite, that tick again,
        # which then names the agent) runs as any step does.
        for _ in range(n_steps - ticks):
            self.step()
        return True

    def _set_state(self, *, rule=None, sources=None, **base):
        # Interventions validate everything first and then call this: plain assignments
        # only, so that a rejected intervention can never leave the model half-changed.
        if sources is not None:
            self.sources = sources
        if rule is not None:
            self.rule = rule
        super()._set_state(**base)

    def __repr__(self):
        kind = "complete" if self.network.complete else f"{self.network.adjacency.nnz} edges"
        return (f"OpinionModel(n_agents={self.network.n}, dim={self.dim}, {kind}, "
                f"rule={self.rule.rule!r}, temperature={self.rule.temperature!r}, "
                f"affinity={self.rule.affinity!r}, activation={self.activation!r}, "
                f"seed={self.seed}, steps={self.steps})")


def _rows(adjacency, rows):
    """Rows of a structure as a CSR (a complete graph's rows are built densely)."""
    if isinstance(adjacency, CompleteGraph):
        rows = np.asarray(rows)
        block = np.ones((len(rows), adjacency.shape[1]))
        if not adjacency.include_self:
            block[np.arange(len(rows)), rows] = 0.0
        return sp.csr_array(block)
    return sp.csr_array(adjacency[rows])


def _check_keywords(params):
    allowed = rule_parameters()
    for name in params:
        if name not in allowed or not PARAMETERS[name].public:
            raise OpinionSimError(
                f"OpinionModel got an unexpected keyword argument {name!r}; rule parameters: "
                f"{', '.join(n for n in allowed if PARAMETERS[n].public)}.")


def _signature():
    """``OpinionModel``'s full signature: its own keywords and the rule's, from the table."""
    import inspect

    own = inspect.signature(OpinionModel.__init__)
    kept = [p for p in own.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    table = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=PARAMETERS[name].default)
             for name in rule_parameters() if PARAMETERS[name].public]
    return own.replace(parameters=kept + table)


OpinionModel.__init__.__signature__ = _signature()
