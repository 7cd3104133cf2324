"""Graph specs: a network described by a few words, built fresh (and seeded) for each run.

A sweep cannot ship one networkx graph per run, and a result table cannot
hold one; it holds a *spec* instead: a dict such as
``{"kind": "watts_strogatz", "n": 1000, "k": 10, "p": 0.1}``, or the same
written as the command line takes it, ``"watts_strogatz:n=1000,k=10,p=0.1"``.
:func:`build_graph` turns a spec and a seed into the ``graph=`` /
``n_agents=`` arguments of :class:`~opinionsim.OpinionModel`.

Kinds and their parameters (``*`` = required):

================  ============================================  ==============================
kind              parameters                                    built with
================  ============================================  ==============================
complete          n*                                            ``OpinionModel(n_agents=n)``
erdos_renyi       n*, p*, directed=false                        ``fast_gnp_random_graph``
watts_strogatz    n*, k*, p*                                    ``watts_strogatz_graph``
barabasi_albert   n*, m*                                        ``barabasi_albert_graph``
stochastic_block  sizes* (list), p_in*, p_out*, directed=false  ``stochastic_block_model``
file              path*, format (default: from the extension),  ``nx.read_*`` or
                  directed=false                                ``scipy.sparse.load_npz``
================  ============================================  ==============================

(the generators are networkx's).

``stochastic_block`` has ``len(sizes)`` blocks (node ``i`` of block ``b``
gets the graph attribute ``block``), edge probability ``p_in`` within a block
and ``p_out`` between blocks. ``complete`` is kept implicit (no N×N matrix),
so it is the fast path for well-mixed populations. ``file`` reads
``.edgelist``/``.edges``/``.txt`` (whitespace-separated pairs; integer node
labels when they all parse as integers), ``.adjlist``, ``.graphml``,
``.gml``, or a ``scipy.sparse`` adjacency saved with ``save_npz``
(``.npz``); the file is read once per worker process and is the same for
every run.

Examples
--------
>>> spec = parse_graph_spec("watts_strogatz:n=100,k=6,p=0.1")
>>> spec
{'kind': 'watts_strogatz', 'n': 100, 'k': 6, 'p': 0.1}
>>> format_graph_spec(spec)
'watts_strogatz:n=100,k=6,p=0.1'
>>> kwargs = build_graph(spec, seed=3)
>>> kwargs["graph"].number_of_nodes(), kwargs["graph"].number_of_edges()
(100, 300)
>>> build_graph("complete:n=50", seed=0)
{'n_agents': 50}
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import stat
from numbers import Integral, Real

import numpy as np

from ._errors import OpinionSimError

__all__ = [
    "GRAPH_KINDS",
    "parse_graph_spec",
    "check_graph_spec",
    "format_graph_spec",
    "build_graph",
    "build_graph_shared",
    "graph_seed",
    "graph_fingerprint",
    "graph_file_sha256",
    "graph_size",
    "parse_value",
]

# Kind of random draw for graph construction, far from the model's own kinds
# (opinionsim._random: INIT, NOISE, ACTIVATION = 0, 1, 2).
_GRAPH_STREAM = 0x6772  # "gr"

_INT, _PROB, _BOOL, _STR, _SIZES = "int", "probability", "bool", "str", "sizes"

#: kind -> {parameter: (type, required, default)}; parameters are checked in this order.
GRAPH_KINDS = {
    "complete": {"n": (_INT, True, None)},
    "erdos_renyi": {"n": (_INT, True, None), "p": (_PROB, True, None),
                    "directed": (_BOOL, False, False)},
    "watts_strogatz": {"n": (_INT, True, None), "k": (_INT, True, None),
                       "p": (_PROB, True, None)},
    "barabasi_albert": {"n": (_INT, True, None), "m": (_INT, True, None)},
    "stochastic_block": {"sizes": (_SIZES, True, None), "p_in": (_PROB, True, None),
                         "p_out": (_PROB, True, None), "directed": (_BOOL, False, False)},
    "file": {"path": (_STR, True, None), "format": (_STR, False, None),
             "directed": (_BOOL, False, False)},
}

_FILE_FORMATS = {
    ".edgelist": "edgelist", ".edges": "edgelist", ".txt": "edgelist", ".csv": "edgelist",
    ".adjlist": "adjlist", ".graphml": "graphml", ".gml": "gml", ".npz": "npz",
}


# ----------------------------------------------------------------------------- parsing


def parse_value(text):
    """Read a ``key=value`` value: int, float, ``true``/``false``, ``none``, ``[a,b]`` or a string.

    Examples
    --------
    >>> [parse_value(t) for t in ["10", "0.1", "1e-3", "true", "none", "[100, 200]", "g.gml"]]
    [10, 0.1, 0.001, True, None, [100, 200], 'g.gml']
    """
    text = text.strip()
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [parse_value(t) for t in _split_top(inner, ",;")] if inner else []
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _split_top(text, seps):
    """Split at separators that are not inside brackets."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch in seps and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def parse_graph_spec(text):
    """Parse ``"kind:key=value,key=value"`` into a checked spec dict.

    Lists are written in brackets: ``"stochastic_block:sizes=[250,250],p_in=0.1,p_out=0.005"``.

    Raises
    ------
    OpinionSimError
        A malformed string, an unknown kind or key, or a bad value.

    Examples
    --------
    >>> parse_graph_spec("stochastic_block:sizes=[50,50],p_in=0.2,p_out=0.01")
    {'kind': 'stochastic_block', 'sizes': [50, 50], 'p_in': 0.2, 'p_out': 0.01, 'directed': False}
    """
    if not isinstance(text, str) or not text.strip():
        raise OpinionSimError(f"graph spec == {text!r}, must be a non-empty string like "
                              "'watts_strogatz:n=1000,k=10,p=0.1'.")
    kind, _, rest = text.strip().partition(":")
    spec = {"kind": kind.strip()}
    if rest.strip():
        for item in _split_top(rest, ","):
            key, eq, value = item.partition("=")
            key = key.strip()
            if not eq or not key:
                raise OpinionSimError(
                    f"graph spec {text!r}: {item.strip()!r} is not key=value "
                    "(write e.g. 'watts_strogatz:n=1000,k=10,p=0.1')."
                )
            if key in spec:
                raise OpinionSimError(f"graph spec {text!r} gives {key!r} twice.")
            spec[key] = parse_value(value)
    return check_graph_spec(spec)


def check_graph_spec(spec):
    """Return ``spec`` (a dict or a spec string) as a checked dict with defaults filled in.

    Raises
    ------
    OpinionSimError
        Naming the unknown kind (and listing the known ones), an unknown or
        missing key (listing the valid ones), or a value of the wrong type.
    """
    if isinstance(spec, str):
        return parse_graph_spec(spec)
    if not isinstance(spec, dict):
        raise OpinionSimError(f"graph spec == {spec!r}, must be a dict like {{'kind': "
                              "'watts_strogatz', 'n': 1000, 'k': 10, 'p': 0.1} or a string.")
    kind = spec.get("kind")
    if kind not in GRAPH_KINDS:
        raise OpinionSimError(
            f"graph kind == {kind!r}, must be one of {', '.join(map(repr, GRAPH_KINDS))}."
        )
    schema = GRAPH_KINDS[kind]
    unknown = [k for k in spec if k != "kind" and k not in schema]
    if unknown:
        raise OpinionSimError(
            f"graph kind {kind!r} has no parameter {unknown[0]!r}; valid: {', '.join(schema)}."
        )
    out = {"kind": kind}
    for key, (typ, required, default) in schema.items():
        if key not in spec or spec[key] is None and typ != _STR:
            if required:
                raise OpinionSimError(
                    f"graph kind {kind!r} needs {key!r} (parameters: {', '.join(schema)})."
                )
            out[key] = default
            continue
        out[key] = _check_value(kind, key, typ, spec[key])
    _check_consistency(out)
    return out


def _check_value(kind, key, typ, value):
    where = f"graph {kind} {key}"
    if typ == _INT:
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise OpinionSimError(f"{where} == {value!r}, must be an integer >= 1.")
        return int(value)
    if typ == _PROB:
        if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value <= 1 \
                or math.isnan(value):
            raise OpinionSimError(f"{where} == {value!r}, must be a probability in [0, 1].")
        return float(value)
    if typ == _BOOL:
        if not isinstance(value, (bool, np.bool_)):
            raise OpinionSimError(f"{where} == {value!r}, must be true or false.")
        return bool(value)
    if typ == _SIZES:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise OpinionSimError(f"{where} == {value!r}, must be a list of block sizes, "
                                  "e.g. [250, 250].")
        sizes = list(value)
        if not sizes or any(isinstance(s, bool) or not isinstance(s, Integral) or s < 1
                            for s in sizes):
            raise OpinionSimError(f"{where} == {value!r}, must be a non-empty list of "
                                  "integers >= 1, e.g. [250, 250].")
        return [int(s) for s in sizes]
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise OpinionSimError(f"{where} == {value!r}, must be a string.")
    return os.fspath(value)


def _check_consistency(spec):
    kind = spec["kind"]
    if kind == "watts_strogatz" and spec["k"] >= spec["n"]:
        raise OpinionSimError(
            f"graph watts_strogatz k == {spec['k']}, must be < n == {spec['n']}."
        )
    if kind == "barabasi_albert" and spec["m"] >= spec["n"]:
        raise OpinionSimError(
            f"graph barabasi_albert m == {spec['m']}, must be < n == {spec['n']}."
        )
    if kind == "file":
        fmt = spec["format"]
        if fmt is None:
            ext = os.path.splitext(spec["path"])[1].lower()
            if ext not in _FILE_FORMATS:
                raise OpinionSimError(
                    f"graph file {spec['path']!r}: cannot tell the format from {ext or 'no'} "
                    f"extension; use one of {', '.join(_FILE_FORMATS)} or pass format= "
                    f"({', '.join(sorted(set(_FILE_FORMATS.values())))})."
                )
        elif fmt not in set(_FILE_FORMATS.values()):
            raise OpinionSimError(
                f"graph file format == {fmt!r}, must be one of "
                f"{', '.join(sorted(set(_FILE_FORMATS.values())))}."
            )


def format_graph_spec(spec):
    """The spec as the command line writes it (defaults left out).

    Examples
    --------
    >>> format_graph_spec({"kind": "erdos_renyi", "n": 100, "p": 0.05})
    'erdos_renyi:n=100,p=0.05'
    """
    spec = check_graph_spec(spec)
    schema = GRAPH_KINDS[spec["kind"]]
    parts = []
    for key, (_, required, default) in schema.items():
        value = spec[key]
        if not required and value == default:
            continue
        if isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, list):
            text = "[" + ",".join(map(str, value)) + "]"
        else:
            text = str(value)
        parts.append(f"{key}={text}")
    return spec["kind"] + (":" + ",".join(parts) if parts else "")


# ---------------------------------------------------------------------------- building


def graph_seed(seed):
    """The 32-bit seed a run's graph generator gets, derived from the run's seed.

    A separate stream from the model's own draws, so the graph and the initial
    opinions are independent.

    Examples
    --------
    >>> graph_seed(7) == graph_seed(7) != graph_seed(8)
    True
    """
    ss = np.random.SeedSequence(int(seed), spawn_key=(_GRAPH_STREAM,))
    return int(ss.generate_state(1, np.uint32)[0])


def build_graph(spec, seed, *, fast=False):
    """Build the network a spec describes, for a run with this seed.

    Parameters
    ----------
    spec : dict or str
        A graph spec (see the module docstring).
    seed : int
        The run's seed; the generator is seeded with :func:`graph_seed` of it.
    fast : bool, default False
        Return a ``scipy.sparse`` CSR adjacency (row ``i`` = node ``i``)
        instead of a networkx graph where that is quicker to build: for
        ``watts_strogatz`` the same graph, from the same random draws as
        ``nx.watts_strogatz_graph``, about 3× faster, and without the
        model's conversion from networkx (sweeps use this).

    Returns
    -------
    dict
        ``{"graph": networkx graph or scipy.sparse adjacency}``, or
        ``{"n_agents": n}`` for ``complete``: keyword arguments of
        :class:`~opinionsim.OpinionModel`.

    Raises
    ------
    OpinionSimError
        An invalid spec, or a graph file that cannot be read.
    """
    import networkx as nx

    spec = check_graph_spec(spec)
    kind = spec["kind"]
    if kind == "complete":
        return {"n_agents": spec["n"]}
    if kind == "file":
        return {"graph": _read_graph_file(spec["path"], spec["format"], spec["directed"])}
    gseed = graph_seed(seed)
    if kind == "erdos_renyi":
        g = nx.fast_gnp_random_graph(spec["n"], spec["p"], seed=gseed, directed=spec["directed"])
    elif kind == "watts_strogatz":
        if fast:
            return {"graph": _watts_strogatz_csr(spec["n"], spec["k"], spec["p"], gseed)}
        g = nx.watts_strogatz_graph(spec["n"], spec["k"], spec["p"], seed=gseed)
    elif kind == "barabasi_albert":
        g = nx.barabasi_albert_graph(spec["n"], spec["m"], seed=gseed)
    else:  # stochastic_block
        b = len(spec["sizes"])
        probs = [[spec["p_in"] if i == j else spec["p_out"] for j in range(b)] for i in range(b)]
        g = nx.stochastic_block_model(spec["sizes"], probs, seed=gseed,
                                      directed=spec["directed"])
    return {"graph": g}


#: Graphs kept by :func:`build_graph_shared`, at most this many edges in all.
SHARED_GRAPH_EDGES = 4_000_000
_shared = {}  # (spec key, seed) -> (built keyword arguments, edges), oldest first


def build_graph_shared(spec, seed):
    """:func:`build_graph` (``fast=True``) for a sweep's runs, built once per seed and process.

    Runs that share a model seed share their network: with ``sweep(seed=None)``
    each replicate id is the model seed at every point, so a temperature sweep
    builds each replicate's network once per worker, not once per temperature
    (a small-world network of 1000 agents costs about as much as its run's 200
    steps). The default ``seed=0`` derives a seed per run, and then nothing is
    shared. Recent graphs are kept up to :data:`SHARED_GRAPH_EDGES`
    edges; a sparse adjacency is handed out as a copy, so no run can change
    another's (a networkx graph is only read). ``file`` specs are read anew (the
    file may change between sweeps of one session).
    """
    import json

    import scipy.sparse as sp

    spec = check_graph_spec(spec)
    if spec["kind"] in ("file", "complete"):
        return build_graph(spec, seed, fast=True)
    key = (json.dumps(spec, sort_keys=True, default=str), int(seed))
    hit = _shared.pop(key, None)
    if hit is None:
        built = build_graph(spec, seed, fast=True)
        g = built["graph"]
        edges = g.nnz if sp.issparse(g) else g.number_of_edges()
        hit = (built, edges)
    _shared[key] = hit  # most recent last
    while sum(e for _, e in _shared.values()) > SHARED_GRAPH_EDGES and len(_shared) > 1:
        del _shared[next(iter(_shared))]
    g = hit[0]["graph"]
    return {"graph": g.copy() if sp.issparse(g) else g}


def graph_size(spec):
    """The number of agents the graph of a spec has, without building it; None for a ``file``.

    Examples
    --------
    >>> graph_size("stochastic_block:sizes=[30,20],p_in=0.2,p_out=0.01")
    50
    """
    spec = check_graph_spec(spec)
    if spec["kind"] == "file":
        return None
    return sum(spec["sizes"]) if spec["kind"] == "stochastic_block" else spec["n"]


def _watts_strogatz_csr(n, k, p, seed):
    """``nx.watts_strogatz_graph(n, k, p, seed)`` (k < n) as a CSR adjacency, built directly.

    The same algorithm and the same sequence of ``random.Random(seed)`` draws
    as networkx's generator; the tests check that both give the same graph.
    The graph is kept as the ring lattice less the lattice edges rewired away,
    plus the edges they became, so no per-node set is built: a default sweep
    builds 192 of these networks, and per-node sets made each cost about twice
    as much (the lattice itself now costs nothing but array arithmetic).
    """
    import random

    import scipy.sparse as sp

    rng = random.Random(seed)
    draw, pick = rng.random, rng.choice
    nodes = range(n)  # choice() indexes it as it would the list networkx passes
    h = k // 2        # lattice edge (u, j) joins u and (u + j) % n, 1 <= j <= h < n / 2
    removed = set()   # lattice edges rewired away, as u * (h + 1) + j
    added = set()     # edges rewiring made, as min * n + max
    degree = [2 * h] * n

    def linked(u, w):
        d = (w - u) % n
        if 1 <= d <= h and u * (h + 1) + d not in removed:
            return True
        if 1 <= n - d <= h and w * (h + 1) + n - d not in removed:
            return True
        return (u * n + w if u < w else w * n + u) in added

    for j in range(1, h + 1):  # rewire each edge (u, u + j) with probability p
        for u in range(n):
            if draw() < p:
                w = pick(nodes)
                while w == u or linked(u, w):  # no self-loops or multiple edges
                    w = pick(nodes)
                    if degree[u] >= n - 1:
                        break  # skip this rewiring
                else:
                    # The edge (u, u + j) is still there: only this step rewires it, and an
                    # edge is only ever added where none is.
                    removed.add(u * (h + 1) + j)
                    added.add(u * n + w if u < w else w * n + u)
                    degree[(u + j) % n] -= 1
                    degree[w] += 1
    u = np.tile(np.arange(n, dtype=np.int64), h)
    j = np.repeat(np.arange(1, h + 1, dtype=np.int64), n)
    if removed:
        keep = ~np.isin(u * (h + 1) + j, np.fromiter(removed, np.int64, len(removed)))
        u, j = u[keep], j[keep]
    pairs = np.fromiter(added, np.int64, len(added))
    a = np.concatenate((u, pairs // n))
    b = np.concatenate(((u + j) % n, pairs % n))
    rows, cols = np.concatenate((a, b)), np.concatenate((b, a))
    order = np.argsort(rows * n + cols)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_array((np.ones(order.size), cols[order], indptr), shape=(n, n))


def _read_graph_file(path, fmt, directed):
    st = _regular_file_stat(path)
    return _read_graph_file_cached(os.path.abspath(path), fmt, bool(directed),
                                   st.st_size, st.st_mtime_ns)


_NOT_REGULAR = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                (stat.S_ISSOCK, "a socket"))


def _regular_file_stat(path):
    """``os.stat(path)`` of a regular file; refuse anything else before it is opened.

    A device such as ``/dev/zero`` never ends and a FIFO blocks until someone
    writes to it, so reading either would hang the sweep.
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        raise OpinionSimError(f"graph file {os.fspath(path)!r} cannot be read: "
                              f"{exc.strerror}.") from None
    if not stat.S_ISREG(st.st_mode):
        what = next((text for test, text in _NOT_REGULAR if test(st.st_mode)), "not a file")
        raise OpinionSimError(f"graph file {os.fspath(path)!r} is {what}, not a regular file; "
                              "give a file that holds the graph.")
    return st


def graph_file_sha256(path):
    """The sha256 of a graph file's bytes (recorded in ``sweep.json``); only regular files."""
    _regular_file_stat(path)
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise OpinionSimError(f"graph file {os.fspath(path)!r} cannot be read: "
                              f"{exc.strerror}.") from None
    return h.hexdigest()


def _check_text_graph(path, fmt):
    """Refuse a text graph file that is not the format its name says, naming the line.

    networkx reads any whitespace-separated words as an edge list (a line of
    five words becomes one edge, the rest silently dropped), so a file of prose
    would become a graph. An edge-list line must be ``u v``, optionally
    followed by a numeric weight or a ``{...}`` attribute dict (what
    ``nx.write_edgelist`` writes); comments start with ``#``.
    """
    delimiter = "," if path.lower().endswith(".csv") else None
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise OpinionSimError(f"graph file {path!r} line {number} is not UTF-8 text, so "
                                      f"the file is not an {fmt} file.") from None
            if "\x00" in line:
                raise OpinionSimError(f"graph file {path!r} line {number} holds binary data "
                                      f"(a NUL byte), so the file is not an {fmt} file.")
            text = line.partition("#")[0].strip()
            if fmt != "edgelist" or not text:
                continue
            fields = text.split(delimiter)
            if all(f.strip() for f in fields[:2]):
                extra = (delimiter or " ").join(fields[2:]).strip()
                if len(fields) == 2 or len(fields) == 3 and _is_number(extra) \
                        or extra.startswith("{") and extra.endswith("}"):
                    continue
            raise OpinionSimError(
                f"graph file {path!r} line {number} has {len(fields)} field(s) "
                f"({line.strip()[:60]!r}); an edge list line is 'u v', optionally followed by "
                "a numeric weight or a {...} attribute dict."
            )


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=2)
def _read_graph_file_cached(path, fmt, directed, _size, _mtime):
    # (size, mtime) in the key: an edited file is read again.
    import networkx as nx
    import scipy.sparse as sp

    fmt = fmt or _FILE_FORMATS[os.path.splitext(path)[1].lower()]
    create = nx.DiGraph if directed else nx.Graph
    try:
        if fmt == "npz":
            return sp.csr_array(sp.load_npz(path))
        if fmt in ("edgelist", "adjlist"):
            _check_text_graph(path, fmt)
        if fmt == "graphml":
            g = nx.read_graphml(path)
        elif fmt == "gml":
            g = nx.read_gml(path)
        elif fmt == "adjlist":
            g = nx.read_adjlist(path, create_using=create)
        else:
            g = nx.read_edgelist(path, create_using=create, delimiter="," if
                                 path.lower().endswith(".csv") else None, data=False)
        if fmt in ("edgelist", "adjlist") and all(_is_int(v) for v in g.nodes):
            g = nx.relabel_nodes(g, {v: int(v) for v in g.nodes})
    except OpinionSimError:
        raise
    except Exception as exc:  # networkx raises many types for a malformed file
        raise OpinionSimError(
            f"graph file {path!r} cannot be read as {fmt}: {type(exc).__name__}: {exc}"
        ) from None
    if directed and not g.is_directed():
        g = g.to_directed()
    return g


def _is_int(text):
    try:
        int(text)
    except (TypeError, ValueError):
        return False
    return True


def graph_fingerprint(graph):
    """A sha256 of a graph's structure, for recording a given graph in ``sweep.json``.

    The hash covers the node count, the adjacency structure in node order and
    the node labels, so any change of edges, order or labels changes it.

    Examples
    --------
    >>> import networkx as nx
    >>> graph_fingerprint(nx.path_graph(4)) == graph_fingerprint(nx.path_graph(4))
    True
    >>> graph_fingerprint(nx.path_graph(4)) == graph_fingerprint(nx.cycle_graph(4))
    False
    """
    import networkx as nx
    import scipy.sparse as sp

    h = hashlib.sha256()
    if isinstance(graph, nx.Graph):
        nodes = list(graph.nodes)
        h.update(repr(nodes).encode())
        h.update(b"directed" if graph.is_directed() else b"undirected")
        adj = nx.to_scipy_sparse_array(graph, nodelist=nodes, weight=None, format="csr")
    elif sp.issparse(graph):
        adj = sp.csr_array(graph)
    else:
        raise OpinionSimError(
            f"graph is a {type(graph).__name__}, must be a graph spec, a networkx graph or a "
            "scipy.sparse adjacency."
        )
    adj = adj.copy()
    adj.sum_duplicates()
    adj.sort_indices()
    h.update(np.asarray(adj.shape, dtype=np.int64).tobytes())
    h.update(np.asarray(adj.indptr, dtype=np.int64).tobytes())
    h.update(np.asarray(adj.indices, dtype=np.int64).tobytes())
    return h.hexdigest()
