"""The ``opinionsim`` command line: defaults, flags, config, exit codes, error messages."""

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

import opinionsim
from opinionsim.cli import SWEEP_DEFAULTS, _build_sweep, _sweep_settings, build_parser, main
from opinionsim.sweep import load_results

TINY = ["--graph", "watts_strogatz:n=30,k=4,p=0.2", "--temperature", "0.01:1:3:log",
        "--seeds", "2", "--steps", "10", "--metrics", "variance,max_change", "--n-jobs", "1",
        "--quiet"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"opinionsim {opinionsim.__version__}"
    for argv in (["--help"], ["sweep", "--help"], ["plot", "--help"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 0
    text = capsys.readouterr().out
    assert "--temperature" in text and "--scheduler" in text and "distance" in text


def test_console_script():
    exe = shutil.which("opinionsim", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the opinionsim console script is not installed (pip install -e .)")
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"opinionsim {opinionsim.__version__}"
    done = subprocess.run([exe, "sweep", "--graph", "ring:n=3"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "graph kind == 'ring'" in done.stderr


def test_defaults_are_the_documented_main_job():
    args = build_parser().parse_args(["sweep"])
    kwargs = _build_sweep(*_sweep_settings(args))
    assert kwargs["params"] == {"graph": {"kind": "watts_strogatz", "n": 1000, "k": 10, "p": 0.1},
                                "dim": 2, "affinity": "distance", "include_self": False}
    temps = kwargs["grid"]["temperature"]
    assert len(temps) == 24 and temps[0] == 0.001 and temps[-1] == 1.0
    assert all(b / a == pytest.approx(1000 ** (1 / 23)) for a, b in zip(temps, temps[1:]))
    assert kwargs["seeds"] == 8 and kwargs["steps"] == 200 and kwargs["record_every"] is None
    assert kwargs["out"] == os.path.join("results", "sweep") and kwargs["progress"]


def test_sweep_writes_results_and_plot_then_resumes(tmp_path, capsys):
    out = tmp_path / "res"
    code, _, err = run(capsys, "sweep", *TINY, "--out", str(out))
    assert code == 0 and err == ""
    df = load_results(out)
    assert len(df) == 6 and list(df.columns) == ["temperature", "replicate", "seed", "step",
                                                 "variance", "max_change"]
    png = out / "polarization_vs_temperature.png"
    assert png.stat().st_size > 10_000
    assert json.loads((out / "sweep.json").read_text())["opinionsim_version"] == \
        opinionsim.__version__
    stamps = {p: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    code, _, _ = run(capsys, "sweep", *TINY, "--out", str(out))  # resume: nothing to do
    assert code == 0 and {p: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == stamps
    # Another spec into the same directory: refused, then replaced with --overwrite.
    code, _, err = run(capsys, "sweep", *TINY, "--out", str(out), "--steps", "11")
    assert code == 2 and err.startswith("opinionsim: error: ") and err.count("\n") == 1
    assert "different sweep (differs in: steps)" in err and "--overwrite" in err
    code, _, _ = run(capsys, "sweep", *TINY, "--out", str(out), "--steps", "11", "--overwrite")
    assert code == 0 and (load_results(out).step == 11).all()


def test_progress_and_summary_on_stderr(tmp_path, capsys):
    argv = [a for a in TINY if a != "--quiet"]
    code, out, err = run(capsys, "sweep", *argv, "--out", str(tmp_path / "r"))
    assert code == 0 and out == ""
    assert "6/6" in err and "runs finished" in err and "polarization_vs_temperature.png" in err


def test_config_file_and_flag_precedence(tmp_path, capsys):
    config = tmp_path / "sweep.toml"
    config.write_text(
        'graph = "watts_strogatz:n=30,k=4,p=0.2"\n'
        'temperature = [0.05, 0.5]\n'
        'seeds = 3\nsteps = 12\nmetrics = ["variance"]\nn-jobs = 1\nquiet = true\n'
        f'out = "{tmp_path / "from_config"}"\nplot = false\n'
        "[params]\nnoise = 0.01\n"
        "[grid]\nstep_size = [0.3, 0.6]\n"
    )
    code, _, err = run(capsys, "sweep", "--config", str(config), "--steps", "7")
    assert code == 0, err
    df = load_results(tmp_path / "from_config")
    assert list(df.columns[:2]) == ["temperature", "step_size"]
    assert len(df) == 2 * 2 * 3 and (df.step == 7).all()  # the flag beats the config
    assert df.attrs["sweep"]["params"]["noise"] == 0.01
    assert not (tmp_path / "from_config" / "polarization_vs_temperature.png").exists()


def test_set_and_vary(tmp_path, capsys):
    out = tmp_path / "v"
    code, _, err = run(capsys, "sweep", *TINY, "--out", str(out), "--set", "noise=0.001",
                       "--vary", "graph.p=0,0.5")
    assert code == 0, err
    df = load_results(out)
    assert list(df.columns[:2]) == ["temperature", "graph.p"] and len(df) == 12
    assert df.attrs["sweep"]["params"]["noise"] == 0.001
    assert (out / "polarization_vs_temperature.png").exists()  # graph.p as the hue


@pytest.mark.parametrize("argv, words", [
    (["--temperature", "0.01:10"], ["start:stop:num"]),
    (["--temperature", "0.01:10:x:log"], ["integer num"]),
    (["--temperature", "0:10:5:log"], ["log range needs start, stop > 0"]),
    (["--temperature", "0.01:10:5:cubic"], ["spacing 'cubic'"]),
    (["--temperature=-1,1"], ["temperature -1 must be a number > 0"]),
    (["--temperature", "0,1"], ["temperature 0 must be a number > 0"]),
    (["--graph", "watts_strogatz:n=10,k=4"], ["needs 'p'"]),
    (["--graph", "watts_strogatz:n=10,k=4,p=0.1,z=1"], ["no parameter 'z'"]),
    (["--affinity", "cosy"], ["invalid choice: 'cosy'"]),
    (["--steps", "-3"], ["--steps", "must be an integer >= 0"]),
    (["--seeds", "two"], ["seeds == 'two'"]),
    (["--metrics", "nope"], ["'nope', which is not a reporter"]),
    (["--set", "temprature=1"], ["'temprature'", "did you mean 'temperature'"]),
    (["--set", "noise"], ["--set 'noise' must be NAME=VALUE"]),
    (["--set", "noise=-1"], ["noise == -1.0, must be in [0, inf]"]),
    (["--config", "/nonexistent/sweep.toml"], ["cannot read --config"]),
    (["--bogus"], ["unrecognized arguments: --bogus"]),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, words):
    code = None
    try:
        code = main(["sweep", *TINY, "--out", str(tmp_path / "o"), *argv])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err and "error:" in err
    for word in words:
        assert word in err


def test_bad_config_and_out(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("steps = [")
    code, _, err = run(capsys, "sweep", "--config", str(bad))
    assert code == 2 and "is not valid TOML" in err
    bad.write_text("stpes = 3\n")
    code, _, err = run(capsys, "sweep", "--config", str(bad))
    assert code == 2 and "unknown setting 'stpes'" in err
    (tmp_path / "file").write_text("")
    code, _, err = run(capsys, "sweep", *TINY, "--out", str(tmp_path / "file" / "sub"))
    assert code == 2 and "is a file, not a directory" in err and err.count("\n") == 1


def test_scheduler_errors(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    code, _, err = run(capsys, "sweep", *[a for a in TINY if a not in ("--n-jobs", "1")],
                       "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "cannot connect to the Dask scheduler at 'tcp://127.0.0.1:1'" in err
    code, _, err = run(capsys, "sweep", *TINY, "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "--n-jobs and --scheduler" in err


def test_plot_subcommand(tmp_path, capsys):
    out = tmp_path / "p"
    assert main(["sweep", *TINY, "--out", str(out), "--no-plot"]) == 0
    capsys.readouterr()
    code, stdout, _ = run(capsys, "plot", str(out), "--y", "max_change")
    target = out / "max_change_vs_temperature.png"
    assert code == 0 and stdout.strip() == str(target) and target.stat().st_size > 5000
    code, stdout, _ = run(capsys, "plot", str(out), "--out", str(tmp_path / "x.png"))
    assert code == 0 and (tmp_path / "x.png").exists()
    code, _, err = run(capsys, "plot", str(out), "--y", "nope")
    assert code == 2 and "y == 'nope' is not a metric" in err
    code, _, err = run(capsys, "plot", str(out), "--x", "noise")
    assert code == 2 and "x == 'noise' is not a varied parameter" in err
    code, _, err = run(capsys, "plot", str(tmp_path))
    assert code == 2 and "not a sweep directory" in err
    code, _, err = run(capsys, "plot", str(tmp_path / "missing"))
    assert code == 2 and "is not a directory" in err


def test_failed_runs_exit_1(tmp_path, capsys, monkeypatch):
    from opinionsim import reporters

    def odd(model):
        if model.temperature > 0.5:
            raise ValueError("boom")
        return 1.0

    monkeypatch.setitem(reporters.REPORTERS, "odd", odd)
    code, _, err = run(capsys, "sweep", *TINY, "--metrics", "odd", "--out", str(tmp_path / "f"))
    assert code == 1
    assert "2 of 6 runs failed" in err and "failed" in err
    df = load_results(tmp_path / "f")
    assert len(df) == 4 and isinstance(df, pd.DataFrame)


@pytest.mark.slow
def test_scheduler_runs_on_a_dask_cluster(tmp_path, capsys):
    distributed = pytest.importorskip("dask.distributed")
    argv = [a for a in TINY if a not in ("--n-jobs", "1")]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        code, _, err = run(capsys, "sweep", *argv, "--out", str(tmp_path / "d"),
                           "--scheduler", cluster.scheduler_address, "--no-plot")
    assert code == 0, err
    assert main(["sweep", *TINY, "--out", str(tmp_path / "local"), "--no-plot"]) == 0
    pd.testing.assert_frame_equal(load_results(tmp_path / "d"), load_results(tmp_path / "local"))


@pytest.mark.slow
def test_ctrl_c_exits_130_and_says_how_to_resume(tmp_path):
    import signal
    import time

    out = tmp_path / "i"
    argv = [sys.executable, "-m", "opinionsim.cli", "sweep", "--graph",
            "watts_strogatz:n=300,k=6,p=0.1", "--steps", "600", "--seeds", "2",
            "--temperature", "0.001:1:12:log", "--n-jobs", "2", "--quiet", "--out", str(out)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "runs").is_dir() and len(list((out / "runs").glob("*.parquet"))) >= 3:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "run the same sweep again to resume" in err
    saved = len(list((out / "runs").glob("*.parquet")))
    assert 3 <= saved < 24
    assert main(argv[3:]) == 0  # the same command resumes
    assert len(load_results(out)) == 24


def test_scenarios_lists_every_scenario(capsys):
    from opinionsim.cli import main
    from opinionsim.scenarios import SCENARIOS

    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in SCENARIOS)


def test_run_unknown_scenario_is_a_one_line_error(capsys):
    from opinionsim.cli import main

    assert main(["run", "no_such_scenario"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("opinionsim: error: unknown scenario 'no_such_scenario'")
    assert "\n" not in err


def test_run_passes_options_to_the_scenario(tmp_path):
    from opinionsim.cli import main

    assert main(["run", "reliability_weighting", "--tiny", "--out", str(tmp_path)]) == 0
    assert any(p.suffix == ".png" and p.stat().st_size > 0 for p in tmp_path.iterdir())
