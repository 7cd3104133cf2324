"""Reading panels: arrays and tidy tables, missing values, bad input."""

import numpy as np
import pandas as pd
import pytest

from opinionsim import OpinionSimError
from opinionsim.inference.panel import as_panel, panel_size


def test_two_dimensional_array_is_one_opinion_dimension():
    p = as_panel(np.zeros((4, 3)), nodes=[0, 1, 2])
    assert p.X.shape == (4, 3, 1) and p.n_steps == 3 and p.observed.all()


def test_a_nan_in_any_dimension_makes_the_agent_step_missing():
    X = np.ones((3, 2, 2))
    X[1, 0, 1] = np.nan
    p = as_panel(X, nodes=["a", "b"])
    assert p.observed.tolist() == [[True, True], [False, True], [True, True]]
    assert np.isnan(p.X[1, 0]).all()


def test_frame_rows_fill_their_step_and_agent():
    df = pd.DataFrame({"step": [3, 3, 5, 4], "agent": ["b", "a", "a", "a"],
                       "x": [1.0, 2.0, 3.0, 7.0], "y": [4.0, 5.0, 6.0, 8.0]})
    p = as_panel(df, nodes=["a", "b"])
    assert p.steps.tolist() == [3, 4, 5]
    assert p.X[0].tolist() == [[2.0, 5.0], [1.0, 4.0]]
    assert p.observed.tolist() == [[True, True], [True, False], [True, False]]


def test_panel_size_of_a_frame_needs_integer_labels():
    df = pd.DataFrame({"step": [0, 1], "agent": [0, 4], "x": [0.0, 1.0]})
    assert panel_size(df) == 5
    with pytest.raises(OpinionSimError, match="non-negative integer labels"):
        panel_size(df.assign(agent=["u", "v"]))


@pytest.mark.parametrize("frame,match", [
    (pd.DataFrame({"step": [0, 1], "x": [0.0, 1.0]}), "lacks the column.*agent"),
    (pd.DataFrame({"step": [0, 1], "agent": [0, 0]}), "no opinion column"),
    (pd.DataFrame({"step": [0.5, 1], "agent": [0, 0], "x": [0.0, 1.0]}), "integer step"),
    (pd.DataFrame({"step": [0, 0], "agent": [0, 0], "x": [0.0, 1.0]}), "only step 0"),
    (pd.DataFrame({"step": [0, 0, 1], "agent": [0, 0, 0], "x": [0.0, 1.0, 2.0]}),
     "more than one row"),
    (pd.DataFrame({"step": [0, 1], "agent": [0, 7], "x": [0.0, 1.0]}), "names 7"),
    (pd.DataFrame({"step": [0, 1], "agent": [0, 0], "x": ["a", "b"]}), "must be numeric"),
])
def test_bad_frames_are_refused(frame, match):
    with pytest.raises(OpinionSimError, match=match):
        as_panel(frame, nodes=[0, 1])


def test_bad_arrays_are_refused():
    with pytest.raises(OpinionSimError, match="shape"):
        as_panel(np.zeros((2, 2, 2, 2)), nodes=[0, 1])
    with pytest.raises(OpinionSimError, match="array of shape"):
        as_panel([["a"]], nodes=[0])
