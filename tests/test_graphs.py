"""Graph specs: parsing, checking, seeded building, files, fingerprints."""

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from opinionsim import OpinionSimError
from opinionsim.graphs import (
    GRAPH_KINDS,
    build_graph,
    check_graph_spec,
    format_graph_spec,
    graph_fingerprint,
    graph_seed,
    parse_graph_spec,
)

SPECS = [
    "complete:n=12",
    "erdos_renyi:n=50,p=0.1",
    "erdos_renyi:n=50,p=0.1,directed=true",
    "watts_strogatz:n=40,k=6,p=0.2",
    "barabasi_albert:n=40,m=3",
    "stochastic_block:sizes=[10,20],p_in=0.5,p_out=0.05",
]


@pytest.mark.parametrize("text", SPECS)
def test_parse_format_round_trip(text):
    spec = parse_graph_spec(text)
    assert format_graph_spec(spec) == text
    assert parse_graph_spec(format_graph_spec(spec)) == spec
    assert check_graph_spec(spec) == spec  # idempotent


def test_parse_types_and_defaults():
    assert parse_graph_spec("watts_strogatz:n=1000,k=10,p=0.1") == {
        "kind": "watts_strogatz", "n": 1000, "k": 10, "p": 0.1}
    assert parse_graph_spec(" erdos_renyi : n = 5 , p = 1 ") == {
        "kind": "erdos_renyi", "n": 5, "p": 1.0, "directed": False}
    assert check_graph_spec({"kind": "stochastic_block", "sizes": (3, 4), "p_in": 1,
                             "p_out": 0})["sizes"] == [3, 4]


@pytest.mark.parametrize("text, words", [
    ("foo:n=3", ["'foo'", "watts_strogatz", "barabasi_albert"]),  # lists the kinds
    ("watts_strogatz:n=10,k=4,q=0.1", ["'q'", "n, k, p"]),        # lists the keys
    ("watts_strogatz:n=10,k=4", ["needs 'p'"]),
    ("watts_strogatz:n=10,k=4,p=2", ["p == 2", "[0, 1]"]),
    ("watts_strogatz:n=10,k=10,p=0.1", ["k == 10", "< n == 10"]),
    ("barabasi_albert:n=5,m=5", ["m == 5"]),
    ("watts_strogatz:n=ten,k=4,p=0.1", ["n == 'ten'", "integer"]),
    ("watts_strogatz:n=10,k", ["'k' is not key=value"]),
    ("watts_strogatz:n=10,n=12,k=4,p=0.1", ["'n' twice"]),
    ("stochastic_block:sizes=5,p_in=0.1,p_out=0.1", ["list of block sizes"]),
    ("file:path=g.xyz", ["format", ".graphml"]),
    ("", ["non-empty"]),
])
def test_bad_specs_name_the_problem(text, words):
    with pytest.raises(OpinionSimError) as info:
        parse_graph_spec(text)
    for word in words:
        assert word in str(info.value)


def test_every_kind_is_documented_in_the_module():
    import opinionsim.graphs as g

    for kind in GRAPH_KINDS:
        assert kind in g.__doc__


@pytest.mark.parametrize("text", SPECS[1:])
def test_build_is_seeded(text):
    a = build_graph(text, seed=5)["graph"]
    b = build_graph(text, seed=5)["graph"]
    c = build_graph(text, seed=6)["graph"]
    assert sorted(a.edges) == sorted(b.edges)
    assert sorted(a.edges) != sorted(c.edges)


def test_build_sizes_and_structure():
    assert build_graph("complete:n=30", seed=0) == {"n_agents": 30}
    ws = build_graph("watts_strogatz:n=40,k=6,p=0.2", seed=1)["graph"]
    assert ws.number_of_nodes() == 40 and ws.number_of_edges() == 40 * 6 // 2
    ba = build_graph("barabasi_albert:n=40,m=3", seed=1)["graph"]
    assert ba.number_of_edges() == (40 - 3) * 3
    # p_in = 1, p_out = 0: exactly two disjoint cliques of the given sizes.
    sbm = build_graph("stochastic_block:sizes=[4,6],p_in=1,p_out=0", seed=3)["graph"]
    assert sorted(len(c) for c in nx.connected_components(sbm)) == [4, 6]
    assert sbm.number_of_edges() == 4 * 3 // 2 + 6 * 5 // 2
    er = build_graph("erdos_renyi:n=30,p=1.0,directed=true", seed=0)["graph"]
    assert er.is_directed() and er.number_of_edges() == 30 * 29


@pytest.mark.parametrize("n, k, p", [(1000, 10, 0.1), (30, 4, 0.2), (50, 6, 0.9), (12, 2, 0.0),
                                     (20, 19, 0.5), (10, 8, 1.0), (7, 3, 0.5)])
def test_fast_watts_strogatz_is_networkx_graph(n, k, p):
    spec = {"kind": "watts_strogatz", "n": n, "k": k, "p": p}
    for seed in range(10):
        fast = build_graph(spec, seed, fast=True)["graph"]
        ref = build_graph(spec, seed)["graph"]
        assert sp.issparse(fast) and list(ref.nodes) == list(range(n))
        expect = nx.to_scipy_sparse_array(ref, nodelist=range(n), format="csr")
        assert (fast != expect).nnz == 0


def test_graph_seed_is_a_separate_32_bit_stream():
    seeds = {graph_seed(s) for s in range(100)}
    assert len(seeds) == 100 and all(0 <= s < 2**32 for s in seeds)
    assert graph_seed(2**62) == graph_seed(2**62)


@pytest.mark.parametrize("name, write", [
    ("g.edgelist", lambda g, p: nx.write_edgelist(g, p, data=False)),
    ("g.adjlist", lambda g, p: nx.write_adjlist(g, p)),
    ("g.graphml", lambda g, p: nx.write_graphml(g, p)),
    ("g.gml", lambda g, p: nx.write_gml(g, p)),
])
def test_graph_files(tmp_path, name, write):
    g = nx.karate_club_graph()
    path = tmp_path / name
    write(g, str(path))
    got = build_graph({"kind": "file", "path": str(path)}, seed=0)["graph"]
    assert got.number_of_nodes() == 34 and got.number_of_edges() == g.number_of_edges()
    if name.endswith((".edgelist", ".adjlist")):  # integer labels come back as integers
        assert sorted(map(tuple, map(sorted, got.edges))) == sorted(map(tuple, map(sorted,
                                                                                    g.edges)))


def test_npz_file_and_errors(tmp_path):
    A = sp.random_array((20, 20), density=0.2, format="csr", rng=0)
    sp.save_npz(tmp_path / "a.npz", A)
    got = build_graph(f"file:path={tmp_path / 'a.npz'}", seed=0)["graph"]
    assert sp.issparse(got) and (got != A).nnz == 0
    with pytest.raises(OpinionSimError, match="cannot be read"):
        build_graph({"kind": "file", "path": str(tmp_path / "missing.gml")}, seed=0)
    (tmp_path / "bad.gml").write_text("this is not gml")
    with pytest.raises(OpinionSimError, match="cannot be read as gml"):
        build_graph({"kind": "file", "path": str(tmp_path / "bad.gml")}, seed=0)


def test_fingerprint():
    g = nx.path_graph(5)
    assert graph_fingerprint(g) == graph_fingerprint(nx.path_graph(5))
    h = nx.path_graph(5)
    h.add_edge(0, 4)
    assert graph_fingerprint(g) != graph_fingerprint(h)
    relabelled = nx.relabel_nodes(g, {i: 4 - i for i in range(5)})
    assert graph_fingerprint(g) != graph_fingerprint(relabelled)  # node order is part of it
    A = nx.to_scipy_sparse_array(g, format="csr")
    assert graph_fingerprint(A) == graph_fingerprint(sp.csr_matrix(A))
    with pytest.raises(OpinionSimError, match="networkx graph"):
        graph_fingerprint(np.eye(3))


@pytest.mark.parametrize("name, text, words", [
    ("garbage.edgelist", "hello world\nnot an edge list\n", "line 2 has 4 field(s)"),
    ("one.txt", "0 1\n# a comment\n\n7\n", "line 4 has 1 field(s)"),
    ("bad.csv", "0,1\n1,,2\n", "line 2 has 3 field(s)"),
    ("words.edges", "0 1 heavy\n", "line 1 has 3 field(s)"),
    ("latin1.edgelist", "0 1\n\xe9t\xe9 2\n", "line 2 is not UTF-8 text"),
    ("nul.adjlist", "0 1 2\n1\x002\n", "line 2 holds binary data"),
])
def test_a_file_that_is_not_its_format_is_refused_with_the_line(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(OpinionSimError) as info:
        build_graph({"kind": "file", "path": str(path)}, seed=0)
    assert words in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize("text, edges", [
    ("0 1\n1 2  # trailing comment\n", 2),
    ("0 1 2.5\n1 2 {'weight': 1.0}\n", 2),           # a weight, nx.write_edgelist's data
    ("alice bob\nbob carol\n", 2),                   # named nodes are fine
])
def test_valid_edge_lists_still_read(tmp_path, text, edges):
    path = tmp_path / "g.edgelist"
    path.write_text(text)
    assert build_graph({"kind": "file", "path": str(path)}, seed=0)["graph"]. \
        number_of_edges() == edges
    written = tmp_path / "w.edgelist"
    nx.write_edgelist(nx.karate_club_graph(), written)  # with its {data}
    assert build_graph({"kind": "file", "path": str(written)}, seed=0)["graph"]. \
        number_of_edges() == 78


def test_devices_and_fifos_are_refused_at_once(tmp_path):
    import os

    from opinionsim.graphs import graph_file_sha256

    fifo = tmp_path / "pipe.edgelist"
    os.mkfifo(fifo)  # opening it for reading would block forever
    for path, what in [(str(fifo), r"a FIFO \(named pipe\)"), ("/dev/zero", "a character device"),
                       (str(tmp_path), "a directory")]:
        for read in (lambda p: build_graph({"kind": "file", "path": p, "format": "edgelist"},
                                           seed=0),
                     graph_file_sha256):
            with pytest.raises(OpinionSimError, match=f"is {what}, not a regular file"):
                read(path)


def test_shared_graphs_are_the_built_ones_and_independent(monkeypatch):
    import opinionsim.graphs as graphs

    monkeypatch.setattr(graphs, "_shared", {})
    spec = "watts_strogatz:n=200,k=6,p=0.2"
    fresh = graphs.build_graph(spec, 7, fast=True)["graph"]
    a = graphs.build_graph_shared(spec, 7)["graph"]
    b = graphs.build_graph_shared(spec, 7)["graph"]
    assert (a != fresh).nnz == 0 and (b != fresh).nnz == 0
    assert a is not b and not np.shares_memory(a.data, b.data)
    a.data[:] = 5.0  # one run changing its copy leaves the next run's graph alone
    assert (graphs.build_graph_shared(spec, 7)["graph"] != fresh).nnz == 0
    other = graphs.build_graph_shared(spec, 8)["graph"]
    assert (other != fresh).nnz > 0  # another seed, another graph
    er = graphs.build_graph_shared("erdos_renyi:n=50,p=0.1", 3)["graph"]
    assert sorted(er.edges) == sorted(graphs.build_graph("erdos_renyi:n=50,p=0.1", 3)["graph"].edges)


def test_shared_graphs_are_bounded_by_edges(monkeypatch):
    import opinionsim.graphs as graphs

    monkeypatch.setattr(graphs, "_shared", {})
    monkeypatch.setattr(graphs, "SHARED_GRAPH_EDGES", 2500)
    for seed in range(5):
        graphs.build_graph_shared("watts_strogatz:n=200,k=6,p=0.2", seed)  # 1200 entries each
    assert len(graphs._shared) == 2
    assert [key[1] for key in graphs._shared] == [3, 4]  # the most recent are kept
