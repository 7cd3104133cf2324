"""Re-execute every notebook with its small parameters (OPINIONSIM_SMALL=1); a failing cell fails."""

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
REQUIRED = {"polarization_curves", "causal_interventions", "attention_hijacking"}


def test_required_notebooks_exist_and_are_small():
    names = {p.stem for p in NOTEBOOKS}
    assert REQUIRED <= names, f"missing notebooks: {REQUIRED - names}"
    for path in NOTEBOOKS:
        assert path.stat().st_size < 300_000, f"{path.name} is too large to commit with outputs"
        nb = nbformat.read(path, as_version=4)
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
            f"{path.name} is committed without outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch):
    monkeypatch.setenv("OPINIONSIM_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=60, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.get("outputs", []))
    assert images >= 1, f"{path.name} drew no figure"
