"""What the runs of a sweep would refuse, found before anything runs or is written.

A sweep's arguments are checked one by one in :mod:`.spec` (each value of a
model parameter through :data:`opinionsim.dynamics.PARAMETERS`). What depends
on several of them (``rule="bounded_confidence"`` without ``confidence``, a
``heads`` list beyond ``dim``, ``n_agents`` beside a graph, convergence where
:func:`opinionsim.conditions.max_change` refuses the model) is found by
building one small *stand-in* model of every distinct point, on a network of
the same kind:

- a graph of at most :data:`STAND_IN_N` agents is used as it is (a spec is
  built, a file read, a given graph passed), so everything is checked;
- a larger one is replaced by a stand-in of :data:`STAND_IN_N` agents: the
  complete graph by a smaller complete graph, any other by a ring. What
  depends on the number of agents (per-agent values, ``initial_opinions``,
  ``zealots``) is then checked against the real size on its own;
  ``interventions`` on node labels are checked when each run starts.

No graph is built for the check beyond that, so validating a sweep over a
million agents costs no more than one over a thousand; a graph *file* is read
(and its format checked) here, once. :func:`check_memory` then compares what
the runs will record with the memory of this machine.

Examples
--------
>>> checked = check_points({"n_agents": 10**6}, [{"temperature": 0.1}])
>>> checked.n_agents, checked.stand_ins["complete"].n_agents
(1000000, 64)
>>> check_points({"n_agents": 50, "rule": "bounded_confidence"}, [{}])
Traceback (most recent call last):
...
opinionsim._errors.OpinionSimError: confidence == None, but rule == 'bounded_confidence' needs it: ...
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from numbers import Integral

import numpy as np

from .._errors import OpinionSimError
from .._validation import available_memory
from .spec import CONVERGE_COLUMNS, n_points, n_recorded, resolve_point, steps_bound

__all__ = ["STAND_IN_N", "Checked", "check_points", "metrics_failing",
           "memory_needed", "check_memory"]

#: Agents in a stand-in model; a network this small is used as it is.
STAND_IN_N = 64

# Model keywords whose meaning depends on the agents themselves (contacts: at most N - 1
# for the activity-driven model).
_N_DEPENDENT = ("initial_opinions", "zealots", "interventions", "activities")
_N_BOUNDED = {"activity_driven": ("contacts",)}
_SWITCHES = ("include_self", "record_opinions")


@dataclasses.dataclass
class Checked:
    """What the stand-ins found: the largest population, number of edges a generator is expected
    to draw, and dimension, whether any run keeps its opinion history, and the first stand-in
    of each kind of network (``"complete"``, ``"edges"``), to try the metrics on."""

    n_agents: int = 0
    edges: float = 0.0
    dim: int = 1
    record_opinions: bool = False
    stand_ins: dict = dataclasses.field(default_factory=dict)


def check_points(params, points, *, until=None, model="opinion"):
    """Build a stand-in model of every distinct point; raise for the first one refused.

    Parameters
    ----------
    params : dict
        The sweep's fixed model arguments (a graph as a checked spec dict or a
        given graph).
    points : list of dict
        The varied values of each point (``[{}]`` when nothing varies).
    until : Converge, optional
        Runs go to convergence: refused where ``max_change`` is not defined
        (noise > 0, ``random_async`` with ``activation_rate < 1``).
    model : str
        The model's name in :mod:`opinionsim.models` (its stand-ins are of that class).

    Returns
    -------
    Checked

    Raises
    ------
    OpinionSimError
        What the model refuses, with the point when something is varied.
    """
    from ..models import model_class, model_parameters

    cls = model_class(model)
    table = model_parameters(model)
    default_n = inspect.signature(cls).parameters.get("n_agents")
    checked = Checked()
    seen = set()
    for point in points:
        graph, kwargs = resolve_point(params, point)
        if graph is None and "n_agents" not in kwargs and default_n is not None \
                and _is_count(default_n.default):
            kwargs["n_agents"] = default_n.default  # the size the runs will have
        try:
            network, n, labels, key = _stand_in_network(graph, kwargs)
            key = (key, json.dumps({k: v for k, v in point.items() if not k.startswith("graph")},
                                   sort_keys=True, default=repr))
            if key in seen:
                continue
            seen.add(key)
            full = n is None or n <= STAND_IN_N
            later = {} if full else {k: kwargs.pop(k) for k in list(kwargs)
                                     if k in _N_DEPENDENT or k in _N_BOUNDED.get(model, ())
                                     or _per_agent_array(k, kwargs[k], table)}
            for name in _SWITCHES:
                if name in kwargs and not isinstance(kwargs[name], (bool, np.bool_)):
                    raise OpinionSimError(f"{name} == {kwargs[name]!r}, must be true or false.")
            try:
                stand_in = cls(**network, **kwargs, seed=0, reporters=[])
            except OpinionSimError:
                raise
            except MemoryError as exc:
                raise OpinionSimError(f"a model with these arguments does not fit in memory "
                                      f"({exc}).") from None
            except Exception as exc:  # noqa: BLE001 - the model let a bad value through
                raise OpinionSimError(f"the model refuses these arguments: "
                                      f"{type(exc).__name__}: {exc}") from None
            _check_for_size(later, n, labels, stand_in.dim, table)
            if until is not None:
                _check_converge(until, stand_in)
        except OpinionSimError as exc:
            raise OpinionSimError(_at(point, exc)) from None
        checked.n_agents = max(checked.n_agents, n or stand_in.n_agents)
        checked.edges = max(checked.edges, _expected_edges(graph))
        checked.dim = max(checked.dim, stand_in.dim)
        checked.record_opinions |= bool(kwargs.get("record_opinions", False))
        checked.stand_ins.setdefault("complete" if stand_in.network.complete else "edges",
                                     stand_in)
    return checked


def _check_converge(until, model):
    """Refuse ``steps="converge:..."`` where the runs' stopping condition is not defined."""
    from ..conditions import max_change

    try:
        max_change(until.tol)(model)
    except OpinionSimError as exc:
        reason = str(exc).split(". Use ")[0]  # its advice is for run_until, not for a sweep
        raise OpinionSimError(f"steps == {until.text!r}: convergence is not defined here "
                              f"({reason}); give a fixed number of steps.") from None


def _at(point, exc):
    text = str(exc)
    if not point:
        return text
    where = ", ".join(f"{k}={v!r}" for k, v in point.items())
    return f"{text.rstrip('.')} (at {where})."


def _per_agent_array(name, value, table):
    param = table.get(name)
    return param is not None and param.per_agent and np.ndim(value) > 0


def _is_count(n):
    return isinstance(n, Integral) and not isinstance(n, bool) and n >= 1


def _stand_in_network(graph, kwargs):
    """The stand-in's network keywords, the real size and labels (None: 0 … N−1), and a key.

    Takes ``n_agents`` out of ``kwargs``.
    """
    from ..graphs import build_graph, format_graph_spec, graph_size

    if graph is None:
        if "n_agents" not in kwargs:
            return {}, None, None, "no graph"  # the model says what is missing
        n = kwargs.pop("n_agents")
        if _is_count(n) and n > STAND_IN_N:
            return {"n_agents": STAND_IN_N}, int(n), None, ("complete", STAND_IN_N)
        return {"n_agents": n}, n if _is_count(n) else None, None, ("complete", repr(n))
    if "n_agents" in kwargs:
        raise OpinionSimError(
            f"n_agents == {kwargs['n_agents']!r} is given with a graph, which sets the number of "
            "agents; give one of them (a complete graph of N agents: the graph spec "
            "'complete:n=N', or n_agents alone).")
    if isinstance(graph, dict):
        spec = {k: v for k, v in graph.items() if k != "sha256"}
        n = graph_size(spec)
        if spec["kind"] == "file":
            graph = build_graph(spec, seed=0)["graph"]  # reads the file, checking its format
        elif spec["kind"] == "complete":
            return {"n_agents": min(n, STAND_IN_N)}, n, None, ("complete", min(n, STAND_IN_N))
        elif n <= STAND_IN_N:
            return build_graph(spec, seed=0, fast=True), n, None, format_graph_spec(spec)
        else:
            return {"graph": _ring(STAND_IN_N)}, n, None, "ring"
    n, labels = _size_and_labels(graph)
    if n is None or n <= STAND_IN_N:
        return {"graph": graph}, n, labels, ("given", id(graph))
    return {"graph": _ring(STAND_IN_N)}, n, labels, "ring"


def _expected_edges(graph):
    """The expected number of directed adjacency entries a generated graph spec draws (0 for
    the implicit complete graph, a file or a given graph)."""
    if not isinstance(graph, dict):
        return 0.0
    kind = graph["kind"]
    if kind == "erdos_renyi":
        return graph["n"] * (graph["n"] - 1) * graph["p"]
    if kind == "watts_strogatz":
        return float(graph["n"] * graph["k"])
    if kind == "barabasi_albert":
        return 2.0 * graph["n"] * graph["m"]
    if kind == "stochastic_block":
        sizes = np.asarray(graph["sizes"], dtype=float)
        total = sizes.sum()
        same = float(np.sum(sizes * (sizes - 1)))
        return same * graph["p_in"] + (total * total - float(np.sum(sizes**2))) * graph["p_out"]
    return 0.0


def _size_and_labels(graph):
    import networkx as nx
    import scipy.sparse as sp

    if isinstance(graph, nx.Graph):
        return graph.number_of_nodes(), list(graph.nodes)
    if sp.issparse(graph) and len(graph.shape) == 2:
        return graph.shape[0], None
    return None, None


def _ring(n):
    """A ring of ``n`` agents, each listening to both neighbours: the cheapest graph with edges."""
    import scipy.sparse as sp

    rows = np.repeat(np.arange(n), 2)
    cols = (rows + np.tile([1, -1], n)) % n
    return sp.csr_array((np.ones(2 * n), (rows, cols)), shape=(n, n))


def _check_for_size(values, n, labels, dim, table):
    """Check the size-dependent arguments a stand-in did not receive against the real network
    (``table``: the model's parameter table)."""
    from .._validation import check_opinion_array

    for name, value in values.items():
        if name == "initial_opinions":
            check_opinion_array(name, value, n=n, dim=dim, allow_1d=dim == 1)
        elif name == "zealots":
            _check_labels(name, value, n, labels)
        elif name == "activities":
            from ..activity_model import _check_activities

            _check_activities(value, n)
        elif name in table:
            table[name].check(value, n=n, dim=dim)


def _check_labels(name, nodes, n, labels):
    if isinstance(nodes, (str, bytes)) or not hasattr(nodes, "__iter__"):
        raise OpinionSimError(f"{name} == {nodes!r}, must be a collection of node labels "
                              "(e.g. a list).")
    known = set(labels) if labels is not None else None
    for node in nodes:
        try:
            ok = node in known if known is not None else (
                isinstance(node, (Integral, float)) and not isinstance(node, bool)
                and float(node).is_integer() and 0 <= node < n)
        except TypeError:  # unhashable
            ok = False
        if not ok:
            raise OpinionSimError(f"{name} names node {node!r}, which is not in the network "
                                  f"({n} nodes).")


def metrics_failing(model, metrics):
    """``{column: reason}``: the metrics named in ``metrics`` that raise on the stand-in ``model``.

    A reporter of the registry that raises on a stand-in raises in every run
    of that kind: on a complete graph (kept implicit, no edge list) one that
    needs the edges themselves; on any model one written for another model
    (an activity-driven reporter). Callables are the caller's own and are
    left for the runs to report.
    """
    from ..reporters import build_reporters

    items = metrics.items() if isinstance(metrics, dict) else [(m, m) for m in metrics]
    named = {column: m for column, m in items if isinstance(m, str)}
    failing = {}
    for column, fn in build_reporters(named, model).items():
        if column == "step":
            continue
        try:
            fn(model)
        except OpinionSimError as exc:
            failing[column] = str(exc)
        except Exception as exc:  # noqa: BLE001 - whatever it raises, every such run would
            failing[column] = f"{type(exc).__name__}: {exc}."
    return failing


# ------------------------------------------------------------------------------- memory

#: Bytes one recorded metric value costs while a run records it: a Python float in the
#: DataCollector's list (24 + 8), then its copies in the run's DataFrame and result array.
BYTES_PER_VALUE = 48

#: Bytes one edge costs while a generator builds the graph (networkx's adjacency dicts).
BYTES_PER_EDGE = 100


def memory_needed(spec, checked, workers):
    """Bytes the sweep needs at once: the runs in flight, and the table kept in this process.

    A run holds its recorded values (rows × columns), its opinion history if
    ``record_opinions`` (rows × N × dim), four ``N × dim`` opinion arrays and
    the graph its generator draws.
    """
    rows = n_recorded(steps_bound(spec["steps"]), spec["record_every"])
    converge = isinstance(spec["steps"], str)
    columns = 1 + len(spec["metrics"]) + (len(CONVERGE_COLUMNS) if converge else 0)
    state = 8 * checked.n_agents * checked.dim
    per_run = rows * columns * BYTES_PER_VALUE + 4 * state + checked.edges * BYTES_PER_EDGE
    if checked.record_opinions:
        per_run += rows * state
    n_runs = len(spec["replicates"]) * n_points(spec)
    # Each finished run's arrays, then the assembled table: twice the table.
    table = 2 * n_runs * rows * (columns + len(spec["grid"]) + 2) * 8
    return min(workers or 1, max(n_runs, 1)) * per_run + table


def check_memory(spec, checked, workers):
    """Refuse a sweep that needs more memory than this machine has available.

    Raises
    ------
    OpinionSimError
        Saying how much it needs, why, and what to change.
    """
    needed = memory_needed(spec, checked, workers)
    available = available_memory()
    if available is None or needed <= available:
        return
    rows = n_recorded(steps_bound(spec["steps"]), spec["record_every"])
    history = " and every agent's opinion at each" if checked.record_opinions else ""
    raise OpinionSimError(
        f"this sweep would need about {_bytes(needed)} of memory ({checked.n_agents:,} agents "
        f"with {checked.dim} opinion dimension(s), about {checked.edges:,.0f} edges; "
        f"{rows:,} recorded steps per run, each holding {len(spec['metrics'])} metric(s)"
        f"{history}), more than the {_bytes(available)} available; use fewer agents or edges, "
        "record less often (record_every, --record-every), run fewer steps, or record fewer "
        "metrics.")


def _bytes(n):
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    i = 0
    while n >= 1024 and i < len(units) - 1:
        n /= 1024
        i += 1
    return f"{n:.1f} {units[i]}"
