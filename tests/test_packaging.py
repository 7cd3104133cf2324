"""A built wheel ships every subpackage and the scenarios, and runs without the source tree."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                    "-q", "-w", str(out), str(ROOT)], check=True, capture_output=True)
    return next(out.glob("opinionsim-*.whl"))


def test_the_wheel_holds_every_package_of_the_source_tree(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {p.parent.relative_to(ROOT).as_posix()
                for p in (ROOT / "opinionsim").rglob("__init__.py")}
    for package in packages:
        assert f"{package}/__init__.py" in names, package
    scenarios = {p.name for p in (ROOT / "scenarios").glob("*.py")}
    assert scenarios and all(f"opinionsim/scenarios/{s}" in names for s in scenarios)


def test_the_installed_wheel_runs_without_the_source_tree(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    code = (
        "import opinionsim, opinionsim.dynamics, opinionsim.kernels, opinionsim.experiments, "
        "opinionsim.plotting, opinionsim.cli, opinionsim.inference, opinionsim.scenarios\n"
        "assert opinionsim.__file__.startswith(%r), opinionsim.__file__\n"
        "m = opinionsim.OpinionModel(n_agents=20, dim=2, seed=1); m.run(3)\n"
        "print(sorted(opinionsim.scenarios.SCENARIOS)[:1], m.steps)\n" % str(target))
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("3")
