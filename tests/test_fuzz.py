"""Fuzzing the command line and the model's keywords with generated input (issue 15).

The command line is driven in this process through ``opinionsim.cli.main(argv)``
with argument lists drawn from valid, borderline and garbage values; every run
is tiny (at most 3 steps, at most 30 agents, 2 replicates). Whatever the input:

- the exit status is 0 (done) or 2 (refused);
- a refusal is one line on stderr, and nothing is written;
- no traceback ever reaches stderr.

``OpinionModel`` is driven with random keyword values: it either builds and runs
3 steps, or raises :class:`OpinionSimError` naming a keyword it was given, never
another exception and never a warning.

Values that would make a valid but long run (a million agents, a million steps)
are not drawn: sizes are either tiny or far beyond any machine, which must be
refused up front.
"""

import contextlib
import io
import itertools
import json
import os
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from opinionsim import OpinionModel, OpinionSimError
from opinionsim.cli import main
from opinionsim.reporters import REPORTERS

pytestmark = pytest.mark.slow

# 200 fixed examples per test in the suite; OPINIONSIM_FUZZ_EXAMPLES=N explores N fresh ones.
_EXPLORE = int(os.environ.get("OPINIONSIM_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=_EXPLORE or 200, deadline=None, derandomize=not _EXPLORE,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ---------------------------------------------------------------------------- values

junk = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
tiny_int = st.integers(-3, 3)
huge_int = st.integers(10**16, 10**30) | st.integers(-(10**30), -(10**16))  # beyond MAX_STEPS
number = (tiny_int | huge_int
          | st.floats(allow_nan=True, allow_infinity=True, width=64)
          | st.sampled_from([0.0, -0.0, 1e-300, 0.5, 1.0, 2.0]))


def text_of(strategy):
    return strategy.map(lambda v: repr(v) if isinstance(v, float) else str(v))


number_text = text_of(number)
count_text = text_of(st.integers(1, 2) | huge_int | st.integers(-2, 0)) | junk
comma_list = st.lists(number_text | junk, min_size=1, max_size=3).map(",".join)
range_text = st.tuples(number_text, number_text, text_of(st.integers(-1, 3) | huge_int) | junk,
                       st.sampled_from(["log", "lin", "", "cubic"])).map(
    lambda t: ":".join(p for p in t if p != "") if t[3] else ":".join(t[:3]))
values_text = comma_list | range_text | junk

graph_text = st.one_of(
    st.sampled_from(["complete:n=12", "erdos_renyi:n=20,p=0.3", "watts_strogatz:n=30,k=4,p=0.2",
                     "barabasi_albert:n=20,m=2", "stochastic_block:sizes=[10,10],p_in=0.5,"
                     "p_out=0.05", "file:path=/dev/zero,format=edgelist",
                     "file:path=/nonexistent.edgelist", "watts_strogatz:n=30,k=40,p=0.1"]),
    st.tuples(st.sampled_from(["complete", "erdos_renyi", "watts_strogatz", "barabasi_albert",
                               "ring", ""]),
              text_of(st.integers(1, 30) | huge_int) | junk, number_text | junk).map(
        lambda t: f"{t[0]}:n={t[1]},k={t[1]},m=1,p={t[2]}" if t[0] == "watts_strogatz"
        else f"{t[0]}:n={t[1]},p={t[2]}"),
    junk)

MODEL_NAMES = ["temperature", "noise", "step_size", "stubbornness", "salience", "key_norm_clip",
               "confidence", "rule", "affinity", "opinion_space", "heads", "zealots",
               "activation", "activation_rate", "include_self", "n_agents",
               "initial_opinions", "record_opinions", "processes", "interventions", "seed",
               "reporters", "record_every", "graph", "dim", "graph.p", "graph.k", "graph.n"]
model_value_text = (number_text | junk | st.sampled_from(
    ["true", "false", "none", "[1,2]", "[[0]]", "[[0,1]]", "[]", "uniform", "bounded_confidence",
     "sphere", "cosine", "random_async", "[0.1,0.2]", "inf", "-inf", "nan", "1e309"]))
name_value = st.tuples(st.sampled_from(MODEL_NAMES) | junk, model_value_text).map(
    lambda t: f"{t[0]}={t[1]}")
name_values = st.tuples(st.sampled_from(MODEL_NAMES) | junk, values_text).map(
    lambda t: f"{t[0]}={t[1]}")
metrics_text = st.lists(st.sampled_from(sorted(REPORTERS)) | junk, min_size=1, max_size=3).map(
    ",".join)
steps_text = (text_of(st.integers(-2, 3) | huge_int) | junk
              | st.tuples(number_text, text_of(st.integers(-1, 3) | huge_int)).map(
                  lambda t: f"converge:tol={t[0]},max={t[1]}")
              | st.sampled_from(["converge:tol=1e-3", "converge:max=2", "converge:",
                                 "converge:tol=1e-3,max=3,every=1"]))

# Each flag: a valid value of a tiny run, or a borderline or garbage one.
positive = st.floats(0.001, 10) | st.sampled_from([float("inf"), 1, 2])
valid_values = st.lists(text_of(positive), min_size=1, max_size=2, unique=True).map(",".join)
valid_vary = st.sampled_from(["noise=0,0.01", "step_size=0.3,1", "graph.p=0,1",
                              "affinity=dot,cosine", "rule=attention,uniform", "dim=1,2",
                              "stubbornness=0,0.5", "opinion_space=euclidean,sphere"])
valid_set = st.sampled_from(["noise=0.01", "step_size=1", "include_self=true", "salience=2",
                             "key_norm_clip=0.5", "rule=bounded_confidence", "confidence=0.3",
                             "activation=random_async", "activation_rate=0.5", "zealots=[0,1]",
                             "heads=[[0],[1]]", "opinion_space=sphere", "record_opinions=true"])
FLAGS = {
    "--temperature": valid_values | values_text,
    "--vary": valid_vary | name_values,
    "--set": valid_set | name_value,
    "--seeds": st.sampled_from(["1", "2", "0,5"]) | count_text | comma_list,
    "--steps": st.sampled_from(["0", "3", "converge:tol=1e-2,max=3",
                                "converge:tol=0.5,max=3,check_every=2"]) | steps_text,
    "--record-every": st.sampled_from(["1", "2"]) | count_text,
    "--metrics": metrics_text,
    "--seed": text_of(st.integers(0, 2**70)) | number_text | junk,
    "--graph": graph_text,
    "--dim": st.sampled_from(["1", "2", "3"]) | text_of(st.integers(-1, 3) | huge_int) | junk,
    "--affinity": st.sampled_from(["dot", "cosine", "distance"]) | junk,
    "--scheduler": junk,
}
SWITCHES = ["--include-self", "--no-include-self", "--overwrite", "--no-plot", "--quiet"]

toml_value = (st.booleans() | st.integers(-3, 3) | huge_int.filter(lambda v: abs(v) < 2**63)
              | st.floats(allow_nan=False, allow_infinity=False) | junk
              | st.lists(st.integers(-2, 3) | st.floats(0.01, 2), min_size=1, max_size=3))
toml_key = st.sampled_from(["plot", "no-plot", "quiet", "steps", "seeds", "temperature",
                            "metrics", "dim", "seed", "record-every", "include-self",
                            "overwrite", "graph", "affinity", "n_jobs"]) | junk


def toml_line(key, value):
    return f"{json.dumps(key)} = {_toml(value)}"


def _toml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


@st.composite
def sweep_argv(draw):
    """``opinionsim sweep`` arguments: a tiny base, then drawn flags that override it."""
    argv = ["sweep", "--graph", "watts_strogatz:n=20,k=4,p=0.2", "--seeds", "2", "--steps", "2",
            "--temperature", "0.1,1", "--metrics", "variance", "--n-jobs", "1"]
    for flag in draw(st.lists(st.sampled_from(sorted(FLAGS)), max_size=4)):
        argv += [f"{flag}={draw(FLAGS[flag])}"]
    argv += draw(st.lists(st.sampled_from(SWITCHES), max_size=2, unique=True))
    if draw(st.booleans()):
        argv.append("--no-plot")  # keep most examples quick
    config = draw(st.none() | st.lists(st.tuples(toml_key, toml_value), max_size=3))
    extra = draw(st.none() | junk.filter(lambda s: s.strip() != ""))
    return argv, config, extra


# --------------------------------------------------------------------------- the harness

@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


FOUND = {}  # test -> outcome -> count
_counter = itertools.count()


def tally(test, outcome):
    FOUND.setdefault(test, {}).setdefault(outcome, 0)
    FOUND[test][outcome] += 1


def call(argv):
    """Run the command line here; return (exit status, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning on the way is a finding too
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse refuses before main returns
            code = exc.code
    tally(argv[0], f"exit {code}")
    return code, err.getvalue()


def files_under(path):
    return sorted(str(p) for p in path.rglob("*")) if path.exists() else []


def check(code, err, out):
    assert "Traceback" not in err, err
    assert code in (0, 2), (code, err)
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("opinionsim") and "error: " in err, err
        assert files_under(out) == [], f"refused, yet wrote {files_under(out)}"


@FUZZ
@given(sweep_argv())
def test_fuzz_sweep(workdir, case):
    argv, config, extra = case
    out = workdir / f"s{next(_counter)}"
    argv = [*argv, "--out", str(out)]
    if config is not None:
        path = workdir / f"c{next(_counter)}.toml"
        path.write_text("\n".join(toml_line(k, v) for k, v in config) + "\n", encoding="utf-8")
        argv += ["--config", str(path)]
    if extra is not None:
        argv.append(extra)
    code, err = call(argv)
    check(code, err, out)


@pytest.fixture(scope="module")
def two_parameter_sweep(workdir):
    out = workdir / "plotted"
    assert main(["sweep", "--graph", "watts_strogatz:n=20,k=4,p=0.2", "--seeds", "2", "--steps",
                 "2", "--temperature", "0.1,1", "--vary", "noise=0,0.1", "--metrics",
                 "variance,max_change", "--n-jobs", "1", "--out", str(out), "--no-plot",
                 "-q"]) == 0
    return out


plot_name = st.sampled_from(["temperature", "noise", "variance", "replicate", "step"]) | junk
plot_options = st.one_of(
    st.sampled_from([[("--hue", "noise")], [("--x", "noise"), ("--hue", "temperature")],
                     [("--hue", "noise"), ("--y", "max_change")],
                     [("--hue", "noise"), ("--out", "figure")]]),
    st.lists(st.tuples(st.sampled_from(["--x", "--y", "--hue", "--out"]),
                       plot_name | metrics_text), max_size=3))


@FUZZ
@given(plot_options, st.sampled_from(["", ".png", ".svg", ".xyz", ".pdf"]))
def test_fuzz_plot(workdir, two_parameter_sweep, options, suffix):
    target = workdir / f"p{next(_counter)}"
    argv = ["plot", str(two_parameter_sweep)]
    for flag, value in options:
        argv.append(f"{flag}={target / (value.replace('/', '_') + suffix)}" if flag == "--out"
                    else f"{flag}={value}")
    before = files_under(two_parameter_sweep)
    code, err = call(argv)
    check(code, err, target)
    if code == 2:
        assert files_under(two_parameter_sweep) == before


@FUZZ
@given(st.sampled_from(["media", "zealots", "nope"]) | junk,
       st.lists(st.sampled_from(["--seed=-1", "--seed=abc", "--full", "--tiny", "--bogus",
                                 "--seed=1e3"]), min_size=1, max_size=3))
def test_fuzz_run_refusals(name, options):
    if {"--full", "--tiny"} - set(options) and not any(
            o in options for o in ("--seed=-1", "--seed=abc", "--bogus", "--seed=1e3")):
        options = [*options, "--bogus"]  # always something to refuse: no scenario runs here
    code, err = call(["run", name, *options])
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err


# --------------------------------------------------------------------------- the model

SMALL_GRAPH = np.ones((5, 5)) - np.eye(5)
model_values = st.one_of(
    number, junk, st.none(), st.booleans(), st.complex_numbers(max_magnitude=10),
    st.lists(number, max_size=6), st.lists(st.lists(tiny_int, max_size=3), max_size=3),
    st.sampled_from([np.zeros(5), np.ones((5, 2)), np.full(5, np.nan), np.arange(5) - 2.0,
                     np.ones(5) * (1 + 1j), np.ones((5, 2), dtype=complex), np.ones((3, 3)),
                     {"a": 1}, {10: "x"}, object(), "attention", "distance", "sphere",
                     "random_sequential", "uniform", "bounded_confidence", [[0], [1]],
                     [[0, 0]], [0, 4], [7], (2,), float("inf"), -1, 0, 10**20]),
)
KEYWORDS = ["dim", "include_self", "zealots", "activation", "activation_rate",
            "initial_opinions", "seed", "reporters", "record_every", "record_opinions",
            "interventions", "processes", "temperature", "rule", "affinity", "confidence",
            "step_size", "stubbornness", "noise", "salience", "key_norm_clip", "heads",
            "opinion_space", "n_agents", "graph"]


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYWORDS), model_values, min_size=1, max_size=3))
def test_fuzz_model_keywords(kwargs):
    if "graph" not in kwargs and "n_agents" not in kwargs:
        kwargs["n_agents"] = 5
    for name in ("n_agents", "dim"):  # tiny or absurd, never a slow valid size
        value = kwargs.get(name)
        assume(not (isinstance(value, (int, np.integer)) and 10 < value < 10**15))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            model = OpinionModel(**kwargs)
            model.run(3)
        except OpinionSimError as exc:
            tally("OpinionModel", "OpinionSimError")
            assert any(name in str(exc) for name in kwargs), (kwargs, str(exc))
            return
    tally("OpinionModel", "built and ran")
    assert np.isfinite(model.opinions).all()


@pytest.mark.parametrize("kwargs", [
    {"n_agents": 5, "include_self": np.ones(5)},
    {"n_agents": 5, "record_opinions": np.zeros(5)},
    {"n_agents": 5, "reporters": np.ones((5, 2))},
    {"n_agents": 10**15},
    {"n_agents": 2**63},
    {"n_agents": 5, "dim": 10**15},
    {"n_agents": 5, "dim": 2**63 - 512},
], ids=["include_self array", "record_opinions array", "reporters array", "n_agents 1e15",
        "n_agents 2**63", "dim 1e15", "dim 2**63"])
def test_former_model_findings_are_refused_by_name(kwargs):
    # Each raised something other than OpinionSimError (the truth of an array, a
    # MemoryError or overflow while allocating) when this suite first ran; fixed since.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(OpinionSimError) as info:
            OpinionModel(**kwargs)
    assert any(name in str(info.value) for name in kwargs), str(info.value)


def test_fuzz_report():
    """Says how many cases ran (pytest -s shows it); the tests above assert what they found."""
    for test, outcomes in FOUND.items():
        print(f"\nfuzz {test}: {sum(outcomes.values())} cases, {outcomes}", file=sys.stderr)
