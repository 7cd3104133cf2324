"""Shared helpers: simulate a panel with OpinionModel (the generating process under test)."""

import numpy as np
import pytest

from opinionsim import OpinionModel


def simulate_panel(steps, **model_kwargs):
    """Opinions of an ``OpinionModel`` at steps 0 … ``steps``, shape (steps + 1, N, dim)."""
    model = OpinionModel(record_opinions=True, reporters=[], **model_kwargs)
    model.run(steps)
    return np.stack([x for _, x in model.opinion_history])


@pytest.fixture
def panel_of():
    return simulate_panel
