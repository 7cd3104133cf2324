"""Committed notebooks show no warnings and no paths of the machine that ran them."""

import json
import re
from importlib import metadata
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

# An absolute path of a particular machine: a home, a work or temp folder, an environment.
MACHINE_PATH = re.compile(r"(/(home|Users|root|work|tmp|private|opt)/|[A-Za-z]:\\\\|"
                          r"site-packages|\.venv)")


def outputs(path):
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        yield from cell.get("outputs", [])


def output_text(output):
    if output["output_type"] == "stream":
        return "".join(output["text"])
    if output["output_type"] == "error":
        return "\n".join(output.get("traceback", []))
    return "".join(output.get("data", {}).get("text/plain", ""))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_outputs_have_no_warnings_or_machine_paths(path):
    for output in outputs(path):
        text = output_text(output)
        assert not (output["output_type"] == "stream" and output["name"] == "stderr"), text
        assert "Warning" not in text, text
        assert not MACHINE_PATH.search(text), text
    assert not MACHINE_PATH.search(json.dumps(json.loads(path.read_text())["metadata"]))


def test_ipywidgets_is_declared_where_notebooks_run():
    # mesa imports tqdm.auto, which warns in every notebook without ipywidgets.
    requires = metadata.requires("opinionsim") or []
    for extra in ("test", "notebooks"):
        assert any(r.startswith("ipywidgets") and f'extra == "{extra}"' in r for r in requires)


def test_importing_the_package_in_a_notebook_prints_nothing():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipywidgets")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import opinionsim, mesa\nfrom opinionsim.scenarios import echo_chambers")])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert nb.cells[0].outputs == []
