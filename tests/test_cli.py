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


LONG_SWEEP = ["sweep", "--graph", "watts_strogatz:n=300,k=6,p=0.1", "--steps", "600", "--seeds",
              "2", "--temperature", "0.001:1:12:log", "--n-jobs", "2"]


def signal_after_three_runs(command, out, send):
    """Start ``command``, a sweep into ``out``; ``send(process)`` once 3 runs are saved there.

    Returns the exit status, stderr and the process id (the id of its own process group).
    """
    import time

    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if (out / "runs").is_dir() and len(list((out / "runs").glob("*.parquet"))) >= 3:
                break
            time.sleep(0.02)
        send(proc)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, err, proc.pid


@pytest.mark.slow
def test_ctrl_c_exits_130_and_says_how_to_resume(tmp_path):
    import signal

    out = tmp_path / "i"
    argv = [sys.executable, "-m", "opinionsim.cli", *LONG_SWEEP, "--quiet", "--out", str(out)]
    code, err, _ = signal_after_three_runs(argv, out, lambda p: p.send_signal(signal.SIGINT))
    assert code == 130, err
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


# ---------------------------------------------------- issue 15: what new users tripped over

SMALL = ["--graph", "watts_strogatz:n=30,k=4,p=0.2", "--seeds", "2", "--steps", "3",
         "--metrics", "variance", "--n-jobs", "1"]


def opinionsim_command(*argv, timeout=120, **kw):
    """Run the installed ``opinionsim`` command; skip if it is not installed."""
    exe = shutil.which("opinionsim", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the opinionsim console script is not installed (pip install -e .)")
    return subprocess.run([exe, *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout, **kw)


def one_line_error(code, err):
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("opinionsim") and "error: " in err
    return err


def test_item1_the_complete_graph_runs_with_the_default_metrics(tmp_path):
    out = tmp_path / "cg"
    done = opinionsim_command("sweep", "--graph", "complete:n=100", "--out", out, "--steps", 5,
                              "--seeds", 2, "--temperature", "0.1,1", "--n-jobs", 1)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("not recorded: on a complete graph") == 1
    assert not (out / "failed").exists() or not any((out / "failed").iterdir())
    assert len(load_results(out)) == 4 and (out / "polarization_vs_temperature.png").exists()
    done = opinionsim_command("sweep", "--graph", "complete:n=100", "--out", tmp_path / "x",
                              "--metrics", "variance,echo_chamber_modularity", "--steps", 1)
    one_line_error(done.returncode, done.stderr)
    assert "metric 'echo_chamber_modularity' cannot be computed on a complete graph" \
        in done.stderr and not (tmp_path / "x").exists()


def test_item2_a_number_is_the_same_however_written(tmp_path, capsys):
    out = tmp_path / "s"
    base = [*SMALL, "--quiet", "--no-plot", "--out", str(out)]
    assert main(["sweep", *base, "--temperature", "0.1,1"]) == 0
    first = load_results(out)
    stamps = {p: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    for spelling in ("0.1,1.0", "0.1:1:2:log", "1e-1,1e0"):
        code, _, err = run(capsys, "sweep", *base, "--temperature", spelling)
        assert code == 0 and err == "", err  # a resume: nothing is run again
    assert {p: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == stamps
    assert main(["sweep", *[a if a != str(out) else str(tmp_path / "t") for a in base],
                 "--temperature", "0.1,1.0"]) == 0
    pd.testing.assert_frame_equal(first, load_results(tmp_path / "t"))
    code, _, err = run(capsys, "sweep", *base, "--temperature", "1,0.1")
    assert "differs in: grid.temperature (order)" in one_line_error(code, err)


def test_item2_a_sweep_of_the_old_format_is_refused_not_mixed(tmp_path, capsys):
    out = tmp_path / "old"
    shutil.copytree(os.path.join(os.path.dirname(__file__), "data", "sweep_format1"), out)
    code, _, err = run(capsys, "sweep", "--graph", "watts_strogatz:n=20,k=4,p=0.2", "--seeds",
                       "2", "--steps", "3", "--metrics", "variance", "--temperature", "0.5,1",
                       "--out", str(out), "--quiet")
    assert "storage format 1" in one_line_error(code, err) and "--overwrite" in err
    assert len(list((out / "runs").iterdir())) == 4
    code, stdout, _ = run(capsys, "plot", str(out))  # still readable
    assert code == 0 and stdout.strip().endswith(".png")


@pytest.mark.parametrize("argv, config, words", [
    (["--set", "noise=-1"], None, "noise == -1.0, must be in [0, inf]"),
    (["--vary", "noise=abc"], None, "noise == 'abc', must be a real number"),
    ([], '[grid]\ntemperature = "abc"\n', "error: temperature "),
    (["--set", "n_agents=10"], None, "n_agents == 10 is given with a graph"),
    (["--set", "rule=bounded_confidence"], None, "needs it"),
    (["--graph", "file:path=GARBAGE"], None, "line 2 has 4 field(s)"),
])
def test_item3_model_mistakes_are_found_before_anything_is_written(tmp_path, capsys, argv,
                                                                   config, words):
    garbage = tmp_path / "garbage.edgelist"
    garbage.write_text("hello world\nnot an edge list\n")
    argv = [a.replace("GARBAGE", str(garbage)) for a in argv]
    out = tmp_path / "o"
    if config:
        (tmp_path / "c.toml").write_text(config)
        argv += ["--config", str(tmp_path / "c.toml")]
    code, _, err = run(capsys, "sweep", *SMALL, "--temperature", "0.1,1", "--out", str(out),
                       *argv)
    assert words in one_line_error(code, err)
    assert not out.exists()
    # The corrected command then runs, with no --overwrite.
    assert main(["sweep", *SMALL, "--temperature", "0.1,1", "--out", str(out), "--quiet"]) == 0


def test_item4_a_garbage_edge_list_is_refused_with_its_line(tmp_path, capsys):
    garbage = tmp_path / "garbage.edgelist"
    garbage.write_text("hello world\nnot an edge list\n")
    code, _, err = run(capsys, "sweep", *SMALL, "--graph", f"file:path={garbage}",
                       "--out", str(tmp_path / "o"))
    assert "line 2 has 4 field(s)" in one_line_error(code, err)


def test_item5_huge_inputs_are_one_line_not_a_traceback(tmp_path, capsys):
    code, _, err = run_exit(capsys, "sweep", *SMALL, "--steps", "99999999999999999999",
                            "--out", str(tmp_path / "a"))
    assert "must be an integer <= 1e+15" in one_line_error(code, err)
    code, _, err = run(capsys, "sweep", *SMALL, "--steps", "10000000000000", "--record-every",
                       "1", "--out", str(tmp_path / "b"))
    assert "this sweep would need about" in one_line_error(code, err) and "memory" in err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    done = opinionsim_command("run", "media", "--seed", "-1")
    assert "--seed: -1 must be >= 0" in one_line_error(done.returncode, done.stderr)


def test_item5_a_damaged_sweep_json_is_one_line(tmp_path, capsys):
    out = tmp_path / "p"
    assert main(["sweep", *SMALL, "--temperature", "0.1,1", "--out", str(out), "-q"]) == 0
    record = json.loads((out / "sweep.json").read_text())
    record["spec"]["steps"] = "abc"
    (out / "sweep.json").write_text(json.dumps(record))
    code, _, err = run(capsys, "plot", str(out))
    assert "has an invalid spec: steps == 'abc'" in one_line_error(code, err)


def run_exit(capsys, *argv):
    """``run`` for input that argparse itself refuses (it exits)."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("line, words", [
    ('plot = "no"', "plot = 'no' must be true or false"),
    ('quiet = "false"', "quiet = 'false' must be true or false"),
    ("overwrite = 1", "overwrite = 1 must be true or false"),
    ('steps = 2.5', "steps = 2.5 must be an integer or a string"),
    ('n-jobs = "2"', "n-jobs = '2' must be an integer"),
    ('dim = 0', "argument --dim: 0 must be >= 1"),
    ('affinity = "cosy"', "invalid choice: 'cosy'"),
    ('temperature = [0.1, true]', "must be a non-empty list"),
    ('config = "other.toml"', "unknown setting 'config'"),
])
def test_item6_config_values_are_checked_as_the_flags_are(tmp_path, capsys, line, words):
    (tmp_path / "c.toml").write_text(line + "\n")
    code, _, err = run(capsys, "sweep", *SMALL, "--out", str(tmp_path / "o"), "--config",
                       str(tmp_path / "c.toml"))
    assert words in one_line_error(code, err) and "--config" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("line, plotted, quiet", [
    ("no-plot = true", False, False), ("no_plot = true", False, False),
    ("plot = false", False, False), ("no-plot = false", True, False),
    ("quiet = true", True, True), ("quiet = false", True, False),
])
def test_item6_keys_are_the_long_flag_names(tmp_path, capsys, line, plotted, quiet):
    (tmp_path / "c.toml").write_text(f'{line}\nsteps = 2\nseeds = [0, 1]\n'
                                     'temperature = [0.1, 1]\n[set]\nnoise = 0.0\n')
    out = tmp_path / "o"
    code, _, err = run(capsys, "sweep", *SMALL[:2], "--metrics", "variance", "--n-jobs", "1",
                       "--out", str(out), "--config", str(tmp_path / "c.toml"))
    assert code == 0, err
    assert (out / "polarization_vs_temperature.png").exists() == plotted
    assert (err == "") == quiet
    df = load_results(out)
    assert (df.step == 2).all() and df.replicate.unique().tolist() == [0, 1]


@pytest.mark.slow
@pytest.mark.parametrize("whole_group", [False, True], ids=["to the sweep", "to its group"])
def test_item7_sigterm_keeps_the_runs_says_how_to_resume_and_exits_143(tmp_path, whole_group):
    import signal
    import time

    from test_sweep import _live_processes_in_group

    exe = shutil.which("opinionsim", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("the opinionsim console script is not installed (pip install -e .)")
    out = tmp_path / "t"
    argv = [*LONG_SWEEP, "--out", str(out), "--no-plot"]
    if whole_group:  # as SLURM does at the time limit
        def send(proc):
            os.killpg(proc.pid, signal.SIGTERM)
    else:
        def send(proc):
            proc.send_signal(signal.SIGTERM)
    code, err, pid = signal_after_three_runs([exe, *argv], out, send)
    assert code == 143, err
    assert "Traceback" not in err and "leaked" not in err and "Warning" not in err, err
    saved = len(list((out / "runs").glob("*.parquet")))
    assert f"stopped by SIGTERM: {saved} of 24 runs are saved in {str(out)!r}; run the same " \
           "sweep again to resume." in err
    assert not list((out / "failed").iterdir())  # the stopped runs are not failures
    assert not list((out / "runs").glob(".*.tmp"))
    time.sleep(1.0)
    assert _live_processes_in_group(pid) == []  # no worker left behind
    assert main(argv) == 0 and len(load_results(out)) == 24  # the same command resumes


def test_item8_a_fifo_or_a_device_as_the_graph_file_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "g.edgelist"
    os.mkfifo(fifo)
    for spec, what in [(f"file:path={fifo}", "a FIFO"),
                       ("file:path=/dev/zero,format=edgelist", "a character device")]:
        code, _, err = run(capsys, "sweep", *SMALL, "--graph", spec, "--out",
                           str(tmp_path / "o"))
        assert f"is {what}" in one_line_error(code, err) and not (tmp_path / "o").exists()


@pytest.mark.parametrize("flag, value", [("--temperature", "0.1,,0.2"),
                                         ("--temperature", "0.1,"),
                                         ("--vary", "noise=0,,0.1"), ("--seeds", "0,,1"),
                                         ("--metrics", "variance,,max_change")])
def test_item8_an_empty_item_in_a_list_is_refused(tmp_path, capsys, flag, value):
    code, _, err = run(capsys, "sweep", *SMALL, flag, value, "--out", str(tmp_path / "o"))
    assert "has an empty item" in one_line_error(code, err)


def test_item8_complex_initial_opinions_are_refused():
    import warnings

    import numpy as np

    from opinionsim import OpinionModel, OpinionSimError

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not a mere ComplexWarning
        with pytest.raises(OpinionSimError, match="initial_opinions has complex values"):
            OpinionModel(n_agents=3, initial_opinions=np.array([1 + 1j, 2, 3]))


def test_item8_a_log_gets_a_few_summary_lines_not_a_bar(tmp_path):
    done = opinionsim_command("sweep", *SMALL, "--temperature", "0.01:1:20:log", "--out",
                              tmp_path / "o")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) <= 6 and "\r" not in done.stderr, lines
    assert lines[0] == "sweep: 40 runs" and "40/40 runs finished" in done.stderr
    assert [line.split()[1] for line in lines[1:4]] == ["10/40", "20/40", "30/40"]


def test_item8_a_single_point_says_why_there_is_no_curve(tmp_path, capsys):
    code, _, err = run(capsys, "sweep", *SMALL, "--temperature", "0.1", "--out",
                       str(tmp_path / "o"))
    assert code == 0 and "no plot: the sweep has a single point (temperature=0.1)" in err
    assert not list(tmp_path.glob("o/*.png"))


def test_item8_plot_answers_with_its_own_hue_flag(tmp_path, capsys):
    out = tmp_path / "two"
    assert main(["sweep", *SMALL, "--temperature", "0.1,1", "--vary", "noise=0,0.1", "--out",
                 str(out), "--no-plot", "-q"]) == 0
    code, _, err = run(capsys, "plot", str(out))
    assert "the sweep also varies 'noise' (2 values); add --hue noise" in one_line_error(code,
                                                                                          err)
    assert "np." not in err and not list(out.glob("*.png"))
    code, stdout, _ = run(capsys, "plot", str(out), "--hue", "noise")
    assert code == 0 and stdout.strip().endswith(".png")


def test_steps_converge_on_the_command_line_and_in_a_config(tmp_path, capsys):
    argv = ["sweep", "--graph", "complete:n=20", "--seeds", "2", "--metrics", "variance",
            "--n-jobs", "1", "--temperature", "0.5,inf", "-q"]
    assert main([*argv, "--steps", "converge:tol=1e-3,max=300", "--out",
                 str(tmp_path / "a")]) == 0
    df = load_results(tmp_path / "a")
    assert list(df.columns[-2:]) == ["converged_step", "converged"] and df.converged.all()
    (tmp_path / "c.toml").write_text('steps = "converge:max=300,tol=0.001"\n')
    assert main([*argv, "--config", str(tmp_path / "c.toml"), "--out",
                 str(tmp_path / "b")]) == 0
    pd.testing.assert_frame_equal(df, load_results(tmp_path / "b"))
    code, _, err = run(capsys, *argv, "--steps", "converge:tol=1e-3,max=300", "--set",
                       "noise=0.1", "--out", str(tmp_path / "c"))
    assert "convergence is not defined here" in one_line_error(code, err) and "noise" in err


def test_plot_refuses_an_image_format_it_cannot_write(tmp_path, capsys):
    # Found by tests/test_fuzz.py: matplotlib's ValueError reached the user as a traceback.
    out = tmp_path / "p"
    assert main(["sweep", *SMALL, "--temperature", "0.1,1", "--out", str(out), "-q",
                 "--no-plot"]) == 0
    code, _, err = run(capsys, "plot", str(out), "--out", str(tmp_path / "figure.xyz"))
    assert "cannot write a .xyz image; use one of" in one_line_error(code, err)
    assert not (tmp_path / "figure.xyz").exists()


def test_a_sweep_over_a_string_parameter_is_plotted(tmp_path, capsys):
    # Found by tests/test_fuzz.py: pandas' string dtype of a varied affinity broke the figure.
    out = tmp_path / "s"
    code, _, err = run(capsys, "sweep", *SMALL, "--temperature", "1.0", "--vary",
                       "affinity=dot,cosine", "--out", str(out))
    assert code == 0 and "Traceback" not in err, err
    assert (out / "polarization_vs_affinity.png").stat().st_size > 5000


def test_python_dash_m_opinionsim_is_the_command():
    done = subprocess.run([sys.executable, "-m", "opinionsim", "scenarios"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "echo_chambers" in done.stdout


@pytest.mark.parametrize("dims", ["0", "x", "1.5", "-2"])
def test_precompile_refuses_bad_dims_in_one_line(dims, capsys):
    assert main(["precompile", "--dims", dims]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--dims" in err[0]


def test_precompile_readies_the_main_jobs_step(capsys):
    from opinionsim.kernels.sparse import lean

    assert main(["precompile", "--dims", "2"]) == 0
    assert "kernels ready in" in capsys.readouterr().out
    # The one-head sparse kernel for width 2 (dh has one entry per dimension), with the
    # attention entropy wanted (hk non-empty), as the default reporters run it.
    assert any(getattr(sig[0], "count", None) == 2 and len(sig[2]) > 0
               for sig in lean.signatures)
