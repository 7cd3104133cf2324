"""Smoke test of scenarios/fit_panel.py: the tiny run recovers the known truth."""

import numpy as np

from opinionsim.scenarios import SCENARIOS, run_scenario


def test_fit_panel_recovers_the_generating_parameters_and_rule(tmp_path, capsys):
    assert "fit_panel" in SCENARIOS
    r = run_scenario("fit_panel", ["--tiny", "--out", str(tmp_path)])
    assert (tmp_path / "fit_panel.png").stat().st_size > 1000
    assert (tmp_path / "estimates.parquet").exists()
    # Missing agent-steps drop the transitions that read them, and the fit says how many.
    assert r["n_missing"] > 0 and r["n_dropped"] > r["n_missing"]
    for name, truth in r["truth"].items():
        low, high = r["profile_interval"][name]
        assert low <= truth <= high, (name, truth, low, high)
        assert r["covered"][name]
    assert r["best_rule"] == r["generating_rule"] and r["distinguishable"]
    # The profile of T peaks next to the truth (within the interval's width).
    assert abs(np.log(r["profile_max_at"] / r["truth"]["temperature"])) < r["profile_ci_width"]
    text = " ".join(capsys.readouterr().out.split())  # undo the line wrapping
    assert "All three true values lie inside their 95% profile intervals" in text
    assert "AIC picks the generating rule, attention-distance" in text
