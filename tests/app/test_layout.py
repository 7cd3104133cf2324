"""The network view's layout: pivot MDS puts graph neighbours near each other, once."""

import networkx as nx
import numpy as np
import pytest

from opinionsim.app.layout import drawn_edges, pivot_mds


def _adjacency(g):
    return nx.to_scipy_sparse_array(g, format="csr")


def test_two_cliques_joined_by_one_tie_are_drawn_apart():
    g = nx.barbell_graph(30, 0)
    pos = pivot_mds(_adjacency(g), seed=0)
    left, right = pos[:30], pos[30:]
    gap = np.linalg.norm(left.mean(axis=0) - right.mean(axis=0))
    spread = max(np.linalg.norm(left - left.mean(axis=0), axis=1).max(),
                 np.linalg.norm(right - right.mean(axis=0), axis=1).max())
    assert gap > 3 * spread


def test_a_ring_is_drawn_as_a_ring():
    pos = pivot_mds(_adjacency(nx.cycle_graph(60)), seed=1)
    radius = np.linalg.norm(pos - pos.mean(axis=0), axis=1)
    assert radius.std() < 0.1 * radius.mean()
    # neighbours on the ring are neighbours on the page
    step = np.linalg.norm(pos - np.roll(pos, 1, axis=0), axis=1)
    assert step.max() < 2.5 * (2 * np.pi * radius.mean() / 60)


@pytest.mark.parametrize("seed", [0, 1])
def test_the_layout_is_a_function_of_graph_and_seed(seed):
    A = _adjacency(nx.watts_strogatz_graph(300, 6, 0.1, seed=3))
    a, b = pivot_mds(A, seed=seed), pivot_mds(A, seed=seed)
    assert np.array_equal(a, b)
    assert a.shape == (300, 2) and np.abs(a).max() == pytest.approx(1.0)


def test_disconnected_graphs_and_tiny_graphs_get_finite_positions():
    g = nx.disjoint_union(nx.path_graph(10), nx.path_graph(5))
    assert np.isfinite(pivot_mds(_adjacency(g))).all()
    assert pivot_mds(_adjacency(nx.empty_graph(2))).shape == (2, 2)


def test_drawn_edges_are_the_undirected_ties_or_a_sample_of_them():
    g = nx.watts_strogatz_graph(200, 10, 0.2, seed=1)
    every = {tuple(sorted(e)) for e in g.edges}
    all_drawn = drawn_edges(_adjacency(g))
    assert {tuple(e) for e in all_drawn.tolist()} == every
    sample = drawn_edges(_adjacency(g), max_edges=100, seed=2)
    assert len(sample) == 100 and {tuple(e) for e in sample.tolist()} <= every
