"""Smoke tests of the scenario scripts: each runs tiny and shows the direction of its finding."""

import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402

from opinionsim import OpinionSimError  # noqa: E402
from opinionsim.scenarios import SCENARIOS, run_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run_tiny(name, tmp_path):
    out = tmp_path / name
    res = run_scenario(name, ["--tiny", "--out", str(out)])
    pngs = list(out.glob("*.png"))
    tables = list(out.glob("*.parquet"))
    assert pngs and all(p.stat().st_size > 1000 for p in pngs), f"{name} wrote no figure"
    assert tables and all(p.stat().st_size > 0 for p in tables), f"{name} wrote no data"
    return res


def test_every_scenario_has_a_script_with_a_question():
    for name in SCENARIOS:
        path = ROOT / "scenarios" / f"{name}.py"
        assert path.exists(), f"scenarios/{name}.py is missing"
        text = path.read_text()
        assert '"""' in text.splitlines()[0] and "Question" in text
        assert 'if __name__ == "__main__":' in text and "def main(argv=None)" in text


def test_unknown_scenario_names_the_choices():
    with pytest.raises(OpinionSimError, match="echo_chambers"):
        run_scenario("no_such_scenario")


def test_echo_chambers(tmp_path):
    r = run_tiny("echo_chambers", tmp_path)
    assert r["variance_low_t"] > 10 * r["variance_high_t"] + 0.05
    assert r["clusters_low_t"] > r["clusters_high_t"] == 1
    assert r["modularity_low_t"] > r["modularity_high_t"]


def test_attention_hijacking(tmp_path):
    r = run_tiny("attention_hijacking", tmp_path)
    assert r["captured_dot_step0"] > 5 * r["fair_share"]
    assert r["captured_clip_step0"] < r["captured_dot_step0"] / 5
    assert r["captured_cosine_step0"] < r["captured_dot_step0"] / 5
    assert r["captured_clip"] < r["captured_dot"] and r["captured_cosine"] < r["captured_dot"]
    assert r["distance_dot"] < r["distance_cosine"]


def test_reliability_weighting(tmp_path):
    r = run_tiny("reliability_weighting", tmp_path)
    assert r["max_weight_error"] < 1e-12
    assert r["broken_weight"] < 1e-5
    assert r["mse_attention"] < r["mse_mean"]
    assert r["mse_attention"] < r["mse_median"]


def test_topics(tmp_path):
    r = run_tiny("topics", tmp_path)
    assert r["variance_a"] > 100 * r["variance_b"]
    assert r["clusters_a"] > 1 and r["clusters_b"] == 1
    assert r["homophily_a"] > r["homophily_b"]
    assert r["entropy_b"] > r["entropy_a"]


def test_script_runs_from_the_command_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scenarios" / "reliability_weighting.py"), "--tiny",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "inverse-variance" in proc.stdout
    assert (tmp_path / "reliability_weighting.png").stat().st_size > 1000


def test_zealots(tmp_path):
    r = run_tiny("zealots", tmp_path)
    th = r["thresholds"]
    # Uniform attention needs the fewest zealots; the lowest temperature needs more (or none suffice).
    assert th[float("inf")] <= 0.1
    low = th[min(th)]
    assert not low <= th[float("inf")]  # nan (none suffices) or a larger fraction


def test_media(tmp_path):
    r = run_tiny("media", tmp_path)
    assert r["variance_low_t"] > 0.5 and r["variance_high_t"] < 1e-6
    split = r["split_temperature"]
    assert split[max(split)] > split[min(split)]


def test_consensus_time(tmp_path):
    r = run_tiny("consensus_time", tmp_path)
    for graph, reached in r["reached_high_t"].items():
        assert reached == 1.0, graph
        assert r["reached_low_t"][graph] < 1.0 or \
            r["median_steps_low_t"][graph] > r["median_steps_high_t"][graph]


def test_causal_update_rule(tmp_path):
    r = run_tiny("causal_update_rule", tmp_path)
    temp = "do(temperature = 0.02)"
    assert r["ci_low"][temp] > 0  # lowering the temperature causes polarisation
    assert r["ate"][temp] > 10 * abs(r["ate"]["do(rule = uniform)"])
    assert r["attention_shift"] < -0.3 and r["shift_ci"][1] < 0
