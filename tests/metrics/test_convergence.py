"""Convergence metrics: max_change and consensus_reached."""

import numpy as np
import pytest

from opinionsim._errors import OpinionSimError
from opinionsim.metrics import consensus_reached, max_change


def test_max_change_exact():
    assert max_change([[0.0, 0.0], [1.0, 1.0]], [[0.0, 0.0], [4.0, 5.0]]) == 5.0
    assert max_change([1.0, 2.0, 3.0], [1.5, 2.0, 1.0]) == 2.0
    X = np.random.default_rng(0).normal(size=(20, 3))
    assert max_change(X, X) == 0.0


def test_max_change_is_max_row_norm():
    rng = np.random.default_rng(1)
    X0, X1 = rng.normal(size=(2, 100, 3))
    expected = np.linalg.norm(X1 - X0, axis=1).max()
    assert max_change(X0, X1) == pytest.approx(expected, rel=1e-14)
    assert isinstance(max_change(X0, X1), float)


@pytest.mark.parametrize("X", [np.zeros((3, 2)), np.zeros((4, 3)), np.zeros(4)])
def test_max_change_shape_mismatch_names_X(X):
    with pytest.raises(OpinionSimError, match=r"\bX has shape"):
        max_change(np.zeros((4, 2)), X)


def test_max_change_bad_previous():
    with pytest.raises(OpinionSimError, match="X_prev"):
        max_change([[np.nan, 0.0]], [[0.0, 0.0]])


def test_consensus_1d_is_exact_range_test():
    assert consensus_reached([0.0, 0.25, 0.5], tol=0.5) is True
    assert consensus_reached([0.0, 0.25, 0.5], tol=0.4999) is False
    assert consensus_reached([0.40, 0.45, 0.42], tol=0.1) is True


def test_consensus_uses_bounding_box_diagonal():
    X = [[0.0, 0.0], [0.3, 0.4]]  # diameter 0.5 = box diagonal
    assert consensus_reached(X, tol=0.5) is True
    assert consensus_reached(X, tol=0.49) is False
    # Diameter 1 (an equilateral-ish pair on the axes), box diagonal sqrt(2):
    Y = [[1.0, 0.0], [0.0, 0.0], [0.5, 0.0], [1.0, 1.0]]
    assert consensus_reached(Y, tol=np.sqrt(2)) is True
    assert consensus_reached(Y, tol=1.4) is False


def test_consensus_true_guarantees_all_pairs_within_tol():
    rng = np.random.default_rng(2)
    for _ in range(50):
        X = rng.normal(size=(30, 3)) * rng.uniform(0.01, 1)
        tol = rng.uniform(0.1, 3)
        if consensus_reached(X, tol=tol):
            d = np.linalg.norm(X[:, None] - X[None], axis=-1)
            assert d.max() <= tol


def test_consensus_single_agent_and_translation():
    assert consensus_reached([[5.0, -2.0]], tol=1e-9) is True
    X = np.array([[0.0, 0.0], [0.1, 0.0]])
    assert consensus_reached(X + 1000.0, tol=0.2) is True


@pytest.mark.parametrize("tol", [0.0, -1.0, np.nan, np.inf, "1"])
def test_consensus_bad_tol(tol):
    with pytest.raises(OpinionSimError, match="tol"):
        consensus_reached([0.0, 1.0], tol=tol)
