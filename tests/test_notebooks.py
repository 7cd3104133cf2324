"""Re-execute every notebook with its small parameters (OPINIONSIM_SMALL=1); a failing cell fails.

The committed copies carry the outputs of their full-size runs: they must be small, free of
warnings and of machine-specific paths.
"""

import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
REQUIRED = {"polarization_curves", "causal_interventions", "attention_hijacking"}
#: An absolute path of a machine (a home, a checkout, a virtual environment, a temp folder).
MACHINE_PATH = re.compile(r"(?:/(?:home|root|work|tmp|Users|private|opt|usr)/|[A-Za-z]:\\\\)"
                          r"|site-packages")


def _outputs(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            yield from cell.get("outputs", [])


def _problems(nb):
    """Warnings, errors and machine paths in a notebook's outputs."""
    found = []
    for out in _outputs(nb):
        if out.get("output_type") == "error":
            found.append(f"error output: {out.get('ename')}")
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            found.append(f"stderr output: {out.get('text', '')[:200]!r}")
        text = out.get("text", "") + "".join(
            str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
        if "Warning" in text:
            found.append(f"a warning: {text[:200]!r}")
        if MACHINE_PATH.search(text):
            found.append(f"a machine path: {MACHINE_PATH.search(text).group(0)!r}")
    return found


def test_required_notebooks_exist_and_are_small():
    names = {p.stem for p in NOTEBOOKS}
    assert REQUIRED <= names, f"missing notebooks: {REQUIRED - names}"
    for path in NOTEBOOKS:
        assert path.stat().st_size < 300_000, f"{path.name} is too large to commit with outputs"
        nb = nbformat.read(path, as_version=4)
        assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), \
            f"{path.name} is committed without outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_outputs_are_clean(path):
    nb = nbformat.read(path, as_version=4)
    assert not _problems(nb), f"{path.name}: {_problems(nb)}"
    # Every code cell was run, in order (outputs of one full run, not of a session).
    counts = [c.get("execution_count") for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts}"


def test_polarisation_notebook_states_its_horizon():
    text = (NOTEBOOKS[0].parent / "polarization_curves.ipynb").read_text().lower()
    assert "phase transition" not in text  # a finite-horizon snapshot is not one
    assert "16×" in text or "16x" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch):
    monkeypatch.setenv("OPINIONSIM_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=60, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError naming the failing cell
    images = sum("image/png" in o.get("data", {}) for o in _outputs(nb))
    assert images >= 1, f"{path.name} drew no figure"
    assert not _problems(nb), f"{path.name}: {_problems(nb)}"
