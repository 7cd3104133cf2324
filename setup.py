"""Package discovery only; everything else is in pyproject.toml.

Every subpackage of ``opinionsim`` ships without being listed by hand, and the
top-level ``scenarios/`` scripts install as ``opinionsim.scenarios`` so that
``opinionsim run NAME`` works from any install (pyproject's ``find`` cannot map
a folder onto another package name).
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["opinionsim", "opinionsim.*"]) + ["opinionsim.scenarios"],
    package_dir={"opinionsim.scenarios": "scenarios"},
)
