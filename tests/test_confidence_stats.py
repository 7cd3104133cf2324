"""opinionsim.experiments.stats: Student-t quantiles and intervals against printed tables."""

import math

import numpy as np
import pytest

from opinionsim.experiments.stats import half_width, mean_ci, paired_t, t_quantile

# Two-sided critical values t_{(1+level)/2, dof}, as printed in standard t tables
# (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2).
TABLE = [
    (0.95, 1, 12.706), (0.95, 2, 4.303), (0.95, 5, 2.571), (0.95, 7, 2.365),
    (0.95, 10, 2.228), (0.95, 30, 2.042), (0.95, 100, 1.984),
    (0.90, 4, 2.132), (0.99, 9, 3.250), (0.99, 20, 2.845),
]


@pytest.mark.parametrize("level,dof,value", TABLE)
def test_t_quantile_matches_the_printed_table(level, dof, value):
    assert float(t_quantile(level, dof)) == pytest.approx(value, abs=6e-4)


def test_t_quantile_is_nan_below_one_degree_of_freedom_and_vectorises():
    got = t_quantile(0.95, [0, 0.5, 1, 10])
    assert np.isnan(got[:2]).all()
    assert got[2:] == pytest.approx([12.706, 2.228], abs=6e-4)


def test_large_dof_tends_to_the_normal_quantile():
    # Phi^{-1}(0.975) = 1.959964 (normal table)
    assert float(t_quantile(0.95, 1e7)) == pytest.approx(1.959964, abs=1e-5)


def test_mean_ci_by_hand():
    # {1, 2, 3}: mean 2, sd 1, n 3 -> half width 4.303 / sqrt(3)
    mean, half = mean_ci([1.0, 2.0, 3.0, math.nan])
    assert mean == 2.0 and half == pytest.approx(4.303 / math.sqrt(3), abs=5e-4)
    assert mean_ci([5.0])[0] == 5.0 and math.isnan(mean_ci([5.0])[1])
    assert np.isnan(half_width(1.0, 1))


def test_paired_t_by_hand():
    mean, se, (low, high) = paired_t([0.1, 0.2, 0.3])
    assert se == pytest.approx(0.1 / math.sqrt(3))
    assert high - mean == pytest.approx(4.303 * 0.1 / math.sqrt(3), abs=5e-5)
    assert mean - low == pytest.approx(high - mean)
