"""Scenario scripts: each runs tiny; its finding is checked against a null or an analytic value.

Also the shared decision helper (``verdict``) that chooses every printed finding.
"""

import math
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from opinionsim import OpinionSimError  # noqa: E402
from opinionsim._scenario_support import (  # noqa: E402
    NOT_SIGNIFICANT, SIGNIFICANT, STILL_CHANGING, pool_nulls, verdict,
)
from opinionsim.metrics import NullResult  # noqa: E402
from opinionsim.scenarios import SCENARIOS, run_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run_tiny(name, tmp_path, capsys=None):
    out = tmp_path / name
    res = run_scenario(name, ["--tiny", "--out", str(out)])
    pngs = list(out.glob("*.png"))
    tables = list(out.glob("*.parquet"))
    assert pngs and all(p.stat().st_size > 1000 for p in pngs), f"{name} wrote no figure"
    assert tables and all(p.stat().st_size > 0 for p in tables), f"{name} wrote no data"
    assert {p.stem for p in out.glob("*.csv")} == {p.stem for p in tables}
    if capsys is not None:
        captured = capsys.readouterr()
        for path in [*pngs, *tables, *out.glob("*.csv")]:
            assert f"wrote {path}" in captured.out, f"{path.name} missing from the 'wrote' list"
        return res, captured
    return res


# ---- the decision helper ---------------------------------------------------------------
def test_verdict_interval_sign_and_status():
    assert verdict(ci=(0.1, 0.3)) == (SIGNIFICANT, 1, "95% CI [0.1, 0.3] excludes 0")
    assert verdict(ci=(-0.3, -0.1)).sign == -1
    v = verdict(ci=(-0.1, 0.3))
    assert (v.status, v.sign, v.holds) == (NOT_SIGNIFICANT, 0, False)


def test_verdict_null_needs_both_size_and_z():
    tiny_but_aligned = NullResult(2e-8, 0.0, 1e-9, 20.0, 0.01)
    large_but_chance = NullResult(0.2, 0.1, 0.05, 2.0, 0.05)
    both = NullResult(0.2, 0.0, 0.01, 20.0, 0.01)
    assert verdict(null=tiny_but_aligned, threshold=0.05).status == NOT_SIGNIFICANT
    assert verdict(null=large_but_chance, threshold=0.05).status == NOT_SIGNIFICANT
    assert verdict(null=both, threshold=0.05).holds
    with pytest.raises(ValueError, match="threshold"):
        verdict(null=both)


def test_verdict_horizons_say_still_changing_whatever_else():
    v = verdict(ci=(0.1, 0.2), horizons=[0.3, 0.2, 0.1])
    assert v.status == STILL_CHANGING and v.choose("a", "b", "c") == "c"
    assert verdict(value=0.3, threshold=0.01, horizons=[0.31, 0.30, 0.30]).holds
    assert verdict(horizons=[1.0, 1e-12], atol=1e-6).status == STILL_CHANGING
    assert verdict(horizons=[1e-9, 1e-12], atol=1e-6).holds  # stable: the only criterion
    with pytest.raises(ValueError):
        verdict()


def test_pool_nulls_is_the_z_of_the_seed_mean():
    rs = [NullResult(1.0, 0.0, 1.0, 1.0, 1.0)] * 4
    pooled = pool_nulls(rs)
    assert pooled.observed == 1.0 and pooled.null_sd == 0.5 and pooled.z == 2.0
    assert math.isclose(pooled.p, math.erfc(2 / math.sqrt(2)))


# ---- the scenarios ---------------------------------------------------------------------
def test_every_scenario_has_a_script_with_a_question():
    for name in SCENARIOS:
        path = ROOT / "scenarios" / f"{name}.py"
        assert path.exists(), f"scenarios/{name}.py is missing"
        text = path.read_text()
        assert '"""' in text.splitlines()[0] and "Question" in text
        assert 'if __name__ == "__main__":' in text and "def main(argv=None)" in text
        if name != "fit_panel":
            assert "What decides the printed finding" in text, name


def test_unknown_scenario_names_the_choices():
    with pytest.raises(OpinionSimError, match="echo_chambers"):
        run_scenario("no_such_scenario")


def test_echo_chambers(tmp_path, capsys):
    r, printed = run_tiny("echo_chambers", tmp_path, capsys)
    assert "stable as the run grows" in printed.out
    # Polarised at low T (stable across run lengths), consensus at high T.
    assert r["polarised_low_t"] == SIGNIFICANT
    assert r["clusters_high_t"] == 1 and r["variance_high_t"] < 1e-12
    lo = r["variance_low_t_by_length"]
    assert abs(lo[-1] - lo[-2]) <= 0.1 * lo[-1]
    # Analytic bound at consensus: |echo_chamber_index| <= variance / scale^2 (dim 1), so the
    # huge z of a converged residual must not make it an echo chamber.
    assert abs(r["eci_high_t"]) <= r["variance_high_t"] + 1e-30
    assert all(v != SIGNIFICANT for v in r["eci_verdicts"].values())
    # The low-T opinion clusters are contiguous on the network beyond the shuffled null,
    # yet below the modularity threshold; the index stays within chance or below 0.05.
    assert r["modularity_z_low_t"] > 3
    assert r["modularity_verdicts"][min(r["modularity_verdicts"])] == NOT_SIGNIFICANT
    assert r["eci_low_t"] < 0.05


def test_attention_hijacking(tmp_path):
    r = run_tiny("attention_hijacking", tmp_path)
    fair = r["fair_share"]
    # Against the fair share, per side: the campaign side is captured, the far side is not.
    assert r["captured_dot_campaign_verdict_step0"] == (SIGNIFICANT, 1)
    assert r["captured_dot_far_verdict_step0"] == (SIGNIFICANT, -1)
    assert r["captured_dot_campaign_step0"] > 10 * fair > 10 * r["captured_dot_far_step0"]
    # After the dynamics both sides are captured and sit at the campaign opinion.
    assert r["captured_dot_far"] > 0.99 and r["distance_dot_far"] < 1e-3
    # The defences, paired against no defence (interval below 0) and against quiet campaigners.
    for d in ("clip", "cosine"):
        assert r[f"reduction_{d}_campaign_ci"][1] < 0
        assert r[f"captured_{d}_campaign_step0"] < 3 * r["captured_quiet_campaign_step0"]
        assert r[f"distance_{d}_campaign"] > 10 * r["distance_dot_campaign"]


def test_reliability_weighting(tmp_path):
    r = run_tiny("reliability_weighting", tmp_path)
    n = sorted(r["distance"])
    last = n[-1]
    # The learned weights approach the inverse-variance optimum at the delta-method rate.
    assert r["distance"][last] < r["distance"][n[0]] / 5
    assert r["distance"][last] == pytest.approx(r["distance_analytic"][last], rel=0.15)
    lo, hi = r["distance_ci_last"]
    assert lo < hi and hi - lo < 0.3 * r["distance"][last]
    assert -0.6 < r["slope"] < -0.4 and r["converges"] == SIGNIFICANT
    assert r["excess"][last] == pytest.approx(r["excess_analytic"][last], rel=0.3)
    assert r["broken_weight"] < 1e-5
    assert r["mse_mean"] > 1e3 * r["mse_opt"]


def test_topics(tmp_path):
    r = run_tiny("topics", tmp_path)
    assert r["verdict_a"] == SIGNIFICANT and not r["consensus_a"]
    assert r["consensus_b"] and r["variance_b"] < 1e-12
    # Null of uniform attention over two equal camps: half of one's attention to one's camp.
    assert r["homophily_b"] == pytest.approx(0.5, abs=0.05)
    assert r["homophily_ci"][0] > 0 and r["entropy_ci"][0] > 0


def test_topics_start_at_the_same_effective_temperature():
    from opinionsim.scenarios.topics import INITIAL_VARIANCE, initial_opinions

    X0 = initial_opinions(101, np.random.default_rng(3))
    np.testing.assert_allclose(X0.var(axis=0), INITIAL_VARIANCE, rtol=1e-12)
    np.testing.assert_allclose(X0.mean(axis=0), 0.0, atol=1e-12)


def test_script_runs_from_the_command_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scenarios" / "reliability_weighting.py"), "--tiny",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "inverse-variance" in proc.stdout
    assert f"wrote {tmp_path / 'by_n.csv'}" in proc.stdout
    assert (tmp_path / "reliability_weighting.png").stat().st_size > 1000


def test_zealots(tmp_path, capsys):
    r, captured = run_tiny("zealots", tmp_path, capsys)
    assert "zealots: T = inf done" in captured.err  # progress while it runs
    df = r["table"]
    # Closed form at T = inf: the free mean m obeys 1 − m(t) = (1 − m0)(1 − a f)^t.
    from opinionsim.scenarios.zealots import make_model

    inf = df[~np.isfinite(df["temperature"])]
    for _, row in inf.iterrows():
        model, k = make_model(n_agents=50, fraction=row["zealot_fraction"],
                              temperature=float("inf"), seed=int(row["seed"]))
        m0 = model.opinions[k:, 0].mean()
        f = k / 50
        expected = math.ceil(math.log(1 - m0) / -math.log(1 - 0.5 * f))
        assert row["crossing_step"] == expected
    # The mean-field delay law t* f/(1 − f) = C(T) holds across fractions at finite T, and
    # lower temperature means a longer delay, not a threshold: the needed fraction falls
    # with the horizon.
    law = r["law"]
    finite = [T for T in law if np.isfinite(T) and law[T]["n_fractions"] >= 3]
    assert finite and all(law[T]["cv"] < 0.25 for T in finite)
    assert law[min(law)]["C"] > 5 * law[float("inf")]["C"]
    low = r["thresholds"][min(r["thresholds"])]
    vals = [v if np.isfinite(v) else 1.0 for v in low.values()]
    assert vals[-1] < vals[0] and r["verdicts"][min(r["verdicts"])] == STILL_CHANGING


def test_media(tmp_path):
    r = run_tiny("media", tmp_path)
    # The analytic one-agent split temperature T_c = 2 slant^2 lies inside every bracket,
    # and the isolated agents sit at the fixed point of x = s tanh(2 s x / T).
    assert r["consistent_with_analytic"]
    for lo, hi in r["brackets"].values():
        assert lo < 1.0 < hi
    assert r["max_fixed_point_deviation"] < 1e-6
    # With peers: below T_c the population stays together at |mean| = x*(T).
    assert r["peer_split_share"][0.5] == 0.0
    assert r["peer_lean_deviation"] < 1e-6


def test_media_fixed_point_is_analytic():
    from opinionsim.scenarios.media import critical_temperature, fixed_point

    assert critical_temperature(0.5) == 0.5
    assert fixed_point(1.0, 2.0) == 0.0
    x = fixed_point(1.0, 1.6)  # x = tanh(1.25 x)
    assert x == pytest.approx(math.tanh(1.25 * x), abs=1e-12) and 0.7 < x < 0.72


def test_consensus_time(tmp_path):
    r = run_tiny("consensus_time", tmp_path)
    for graph, reached in r["reached_high_t"].items():
        assert reached == 1.0, graph
    # The slowest network at high temperature is the one with the longest analytic
    # relaxation time 1/(−ln λ₂) of the DeGroot update, and significantly so.
    assert r["slowest"] == r["spectral_slowest"] and r["slowest_verdict"] == SIGNIFICANT
    assert "small-world" in r["slowest"]
    oc = r["outcomes_low_t"]
    assert sum(sum(v.values()) for v in oc.values()) == 3 * len(oc)


def test_consensus_time_relaxation_time_is_the_degroot_rate():
    import networkx as nx

    from opinionsim.scenarios.consensus_time import relaxation_time

    # Cycle of 8: lambda_2 of (I + D^-1 A)/2 is (1 + cos(2 pi / 8)) / 2.
    lam = (1 + math.cos(2 * math.pi / 8)) / 2
    assert relaxation_time(nx.cycle_graph(8)) == pytest.approx(-1 / math.log(lam))


def test_causal_update_rule(tmp_path):
    r = run_tiny("causal_update_rule", tmp_path)
    temp = "do(temperature = 0.02)"
    assert r["verdict"][temp] == SIGNIFICANT and r["sign"][temp] == 1 and r["polarising"][temp]
    assert r["ci_low"][temp] > 0
    assert not r["polarising"]["do(rule = uniform)"]
    assert r["attention_shift"] < -0.3 and r["shift_ci"][1] < 0


def test_causal_null_intervention_has_exactly_zero_effect():
    # The A/A null of the paired design: "intervening" with the control's own temperature.
    from functools import partial

    from opinionsim.causal import causal_effect
    from opinionsim.interventions import SetTemperature
    from opinionsim.scenarios.causal_update_rule import make_population

    eff = causal_effect(partial(make_population, n_agents=40), SetTemperature(0.3), "variance",
                        at=2, horizon=5, seeds=[0, 1, 2])
    assert eff.ate == 0.0 and eff.ci == (0.0, 0.0)
    assert verdict(ci=eff.ci).status == NOT_SIGNIFICANT


def test_trust_dimensions(tmp_path):
    r = run_tiny("trust_dimensions", tmp_path)
    # Per dimension against the shuffled null (camps of the same sizes drawn at random):
    # sorted on dimension 1, chance on dimension 2.
    assert r["status_trust_dim1"] == "polarised" and r["z_trust_dim1"] > 10
    assert r["status_trust_dim2"] == "agreed" and abs(r["z_trust_dim2"]) < 3
    assert r["variance_share_dim2"] < 0.05 < 0.5 < r["variance_share_dim1"]
    # The control (identity maps: trust on both) polarises dimension 2 as well.
    assert r["status_control_dim2"] == "polarised"
    assert r["dim2_variance_reduction_ci"][0] > 0


def test_trust_dimensions_between_share():
    from opinionsim.scenarios.trust_dimensions import between_share

    assert between_share([-1, -1, 1, 1], np.array([0, 0, 1, 1])) == 1.0
    assert between_share([-1, 1, -1, 1], np.array([0, 0, 1, 1])) == 0.0


def test_radicalization(tmp_path):
    import pandas as pd

    r = run_tiny("radicalization", tmp_path)
    t = r["thresholds"]
    runs = pd.read_parquet(tmp_path / "radicalization" / "radicalization.parquet")
    minority = np.minimum(runs["fraction_positive"], 1 - runs["fraction_positive"])
    # Every run's label matches the regime's definition on its own numbers.
    consensus = runs["regime"] == "consensus"
    assert (runs.loc[consensus, "max_abs"] < t["consensus_max_abs"]).all()
    assert (runs.loc[~consensus, "max_abs"] >= t["consensus_max_abs"]).all()
    assert (minority[runs["regime"] == "radicalisation"] < t["one_side_minority"]).all()
    polar = runs["regime"] == "polarisation"
    assert (minority[polar] >= t["two_sides_minority"]).all()
    assert (runs.loc[polar, "valley_ratio"] < t["bimodal_valley"]).all()
    # The published points land in their regimes in every seed, with echo chambers.
    for name, s in r["published"].items():
        assert s["k"] == s["n"], name
    assert r["echo"]["echo_verdict"] == SIGNIFICANT and r["echo"]["z_min"] > 3
    assert r["echo"]["agreement_verdict"] == SIGNIFICANT
    assert r["echo"]["agree"] > r["echo"]["chance"] + 0.2
    # Without homophily, leaving consensus means one side; never two camps.
    assert r["grid"][0.0]["counts"]["polarisation"] == 0
    assert r["grid"][0.0]["counts"]["radicalisation"] >= 1
    assert r["activity"]["polarisation"]["sign"] == 1  # active agents are the extreme ones

def test_unfollowing(tmp_path, capsys):
    r, printed = run_tiny("unfollowing", tmp_path, capsys)
    main = r["main"]
    # Against the same seeds without rewiring, the paired interval of the cross-cutting deficit
    # lies above 0; the rewired network clears both nulls (z > 3) and the size bar, and did not
    # move between the two horizons; the static network does not.
    assert main["deficit_diff_low"] > 0
    assert min(main["deficit_shuffle_z"], main["deficit_configuration_z"]) > 3
    assert main["deficit"] > 0.5 and main["deficit_verdict"] == SIGNIFICANT
    static = r["summary"][(r["summary"]["rate"] == 0)
                          & (r["summary"]["temperature"] == main["temperature"])].iloc[0]
    assert static["deficit_verdict"] != SIGNIFICANT
    # c_0 = 2 n+ n- / (N (N - 1)) is the exact mean of the shuffled null: the sampled null
    # (20 samples at --tiny) reads a deficit of 0 within 4 standard errors.
    f = r["finals"].dropna(subset=["deficit_shuffle_mean"])
    assert len(f) and (f["deficit_shuffle_mean"].abs()
                       <= 4 * f["deficit_shuffle_sd"] / math.sqrt(20)).all()
    # At high temperature every run ends in consensus: nothing to segregate, nothing claimed.
    high = r["high_temperature"]
    assert high["seeds_consensus"] == high["seeds"] and high["deficit_diff"] == 0
    assert high["deficit_diff_verdict"] == NOT_SIGNIFICANT and "ends in consensus" in printed.out
    # The biased recommender segregates faster than random recommendations (per-seed ratio).
    assert r["lever"]["similar, T_rec = 0.05"]["speedup_ci"][0] > 1
