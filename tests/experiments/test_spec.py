"""The canonical spec: table values, numbers hashed by value, steps, stored specs."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opinionsim import OpinionSimError
from opinionsim.cli._common import parse_values
from opinionsim.experiments.prepare import prepare
from opinionsim.experiments.spec import (
    MAX_STEPS,
    check_stored_spec,
    hash_spec,
    parse_steps,
    plan_runs,
    run_seed,
)

PARAMS = {"graph": "watts_strogatz:n=30,k=4,p=0.2", "dim": 2}


def spec_of(grid, params=PARAMS, **kw):
    args = dict(seeds=2, steps=3, record_every=None, metrics=["variance"], seed=0)
    args.update(kw)
    return prepare(params, grid, **args)["spec"]


@pytest.mark.parametrize("spellings", [
    [[0.1, 1], [0.1, 1.0], [0.1, 1e0], parse_values("0.1:1:2:log"), parse_values("0.1,1"),
     parse_values("0.1,1.0"), parse_values("1e-1,1e0")],
    [[2], [2.0]],
])
def test_a_grid_hashes_the_same_however_it_is_spelled(spellings):
    specs = [spec_of({"temperature": s}) for s in spellings]
    assert len({hash_spec(s) for s in specs}) == 1
    assert len({tuple((r.run_id, r.seed) for r in plan_runs(s)) for s in specs}) == 1
    # The table parameter is stored as the table makes it: a float.
    assert all(type(v) is float for s in specs for v in s["grid"]["temperature"])


def test_fixed_parameters_and_graph_values_are_canonical():
    a = spec_of({"temperature": [0.1]}, params={**PARAMS, "noise": 0, "step_size": 1})
    b = spec_of({"temperature": [0.1]}, params={**PARAMS, "noise": 0.0, "step_size": 1e0})
    assert a == b and a["params"]["noise"] == 0.0 and type(a["params"]["step_size"]) is float
    c = spec_of({"graph.p": [0, 1]})
    d = spec_of({"graph.p": [0.0, 1.0]})
    assert hash_spec(c) == hash_spec(d) and c["grid"]["graph.p"] == [0.0, 1.0]


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_equal_numbers_give_equal_seeds(x):
    if x == int(x):
        assert run_seed(0, {"v": x}, 1) == run_seed(0, {"v": int(x)}, 1)
    assert run_seed(0, {"v": x}, 1) == run_seed(0, {"v": x + 0.0}, 1)


def test_booleans_are_not_numbers():
    assert run_seed(0, {"v": True}, 0) != run_seed(0, {"v": 1}, 0)


def test_duplicates_are_found_by_value():
    with pytest.raises(OpinionSimError, match="lists 1.0 twice"):
        spec_of({"temperature": [1, 1.0]})


def test_legacy_hashing_reads_numbers_as_written():
    spec = spec_of({"temperature": [0.5, 1.0]})
    new, old = plan_runs(spec), plan_runs(spec, legacy=True)
    assert new[0] == old[0]                 # 0.5 is written one way
    assert new[-1].seed != old[-1].seed     # 1.0 was hashed as "1.0", now as 1
    assert hash_spec(spec) != hash_spec(spec, legacy=True)


@pytest.mark.parametrize("text, canonical, until", [
    (200, 200, None),
    ("12", 12, None),
    ("converge:tol=1e-6,max=5000", "converge:tol=1e-06,max=5000,check_every=1", (1e-6, 5000, 1)),
    (" converge: max=10 , tol=0.5, check_every=2", "converge:tol=0.5,max=10,check_every=2",
     (0.5, 10, 2)),
])
def test_parse_steps(text, canonical, until):
    got, rule = parse_steps(text)
    assert got == canonical
    assert (rule and (rule.tol, rule.max_steps, rule.check_every)) == until
    if rule:
        assert parse_steps(got) == (got, rule)  # the canonical text reads back the same


@pytest.mark.parametrize("steps, words", [
    (-1, "steps == -1, must be an integer >= 0"),
    (MAX_STEPS + 1, "must be an integer <= 1e+15"),
    (99999999999999999999, "must be an integer <= 1e+15"),
    (True, "steps == True"),
    (2.5, "steps == 2.5"),
    ("abc", "must be a number of steps or 'converge:tol=TOL,max=MAX'"),
    ("converge:tol=1e-6", "needs max="),
    ("converge:max=10", "needs tol="),
    ("converge:tol=0,max=10", "tol == 0, must be a number > 0"),
    ("converge:tol=nan,max=10", "tol == nan"),
    ("converge:tol=1e-3,max=0", "steps max == 0, must be an integer >= 1"),
    ("converge:tol=1e-3,max=10,tol=1", "each once"),
    ("converge:tol=1e-3,max=10,every=2", "'every=2' is not one of"),
])
def test_bad_steps_name_the_problem(steps, words):
    with pytest.raises(OpinionSimError, match=None) as info:
        parse_steps(steps)
    assert words in str(info.value)


@pytest.mark.parametrize("change, words", [
    ({"steps": "abc"}, "steps == 'abc'"),
    ({"steps": None}, "steps == None"),
    ({"replicates": "x"}, "seeds == 'x'"),
    ({"seed": -3}, "seed == -3"),
    ({"record_every": 0}, "record_every == 0"),
    ({"grid": []}, "grid == []"),
    ({"grid": {"temperature": 0.1}}, "grid['temperature'] == 0.1"),
    ({"metrics": None}, "metrics == None"),
])
def test_a_damaged_stored_spec_is_one_clear_error(change, words):
    spec = json.loads(json.dumps(spec_of({"temperature": [0.1]})))
    assert check_stored_spec(spec, "'x/sweep.json'") == spec
    with pytest.raises(OpinionSimError) as info:
        check_stored_spec({**spec, **change}, "'x/sweep.json'")
    assert str(info.value).startswith("'x/sweep.json' has an invalid spec: ")
    assert words in str(info.value)
