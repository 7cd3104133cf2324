"""The sweep directory: storage formats, and a refusal that always says what differs."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from opinionsim import OpinionSimError
from opinionsim.experiments.storage import FORMAT, _spec_diff
from opinionsim.sweep import load_results, sweep

# Written by opinionsim 0.1.0 (storage format 1, numbers hashed as written), with
# sweep({"graph": "watts_strogatz:n=20,k=4,p=0.2"}, {"temperature": [0.5, 1.0]}, seeds=2,
#       steps=3, metrics=["variance"], n_jobs=1, out=...)
FORMAT_1 = Path(__file__).resolve().parents[1] / "data" / "sweep_format1"
FORMAT_1_TABLE = [[0.5, 0, 9036089071270240226, 3, 0.12366672669650729],  # as it returned
                  [0.5, 1, 1091693115836604712, 3, 0.18068582053170495],
                  [1.0, 0, 1459219511589630710, 3, 0.06666517306176753],
                  [1.0, 1, 6845123678643904537, 3, 0.07038041131216805]]


def format_1_copy(tmp_path):
    out = tmp_path / "old"
    shutil.copytree(FORMAT_1, out)
    return out


def test_a_format_1_sweep_is_read_with_its_own_hashing(tmp_path):
    df = load_results(format_1_copy(tmp_path))
    assert df.attrs["missing"] == 0
    expected = pd.DataFrame(FORMAT_1_TABLE, columns=df.columns)
    pd.testing.assert_frame_equal(df, expected, check_dtype=False, rtol=1e-12)


def test_a_format_1_sweep_is_never_resumed(tmp_path):
    out = format_1_copy(tmp_path)
    before = sorted(p.name for p in (out / "runs").iterdir())
    args = ({"graph": "watts_strogatz:n=20,k=4,p=0.2"}, {"temperature": [0.5, 1.0]})
    kw = dict(seeds=2, steps=3, metrics=["variance"], n_jobs=1, progress=False, out=out)
    with pytest.raises(OpinionSimError, match="storage format 1, whose run seeds depended on "
                                              "how a number was written") as info:
        sweep(*args, **kw)
    assert "--overwrite" in str(info.value) and "\n" not in str(info.value)
    assert sorted(p.name for p in (out / "runs").iterdir()) == before  # nothing mixed in
    df = sweep(*args, **kw, overwrite=True)
    assert json.loads((out / "sweep.json").read_text())["format"] == FORMAT == 2
    assert df.variance.iloc[0] == pytest.approx(FORMAT_1_TABLE[0][4])  # 0.5: the same seed
    assert df.seed.iloc[2] != FORMAT_1_TABLE[2][2]                     # 1.0: read by value now


def test_a_newer_format_is_not_read(tmp_path):
    out = format_1_copy(tmp_path)
    record = json.loads((out / "sweep.json").read_text())
    (out / "sweep.json").write_text(json.dumps({**record, "format": 99}))
    with pytest.raises(OpinionSimError, match="storage format 99, which this version cannot"):
        load_results(out)


@pytest.mark.parametrize("old, new, diff", [
    ({"steps": 3}, {"steps": 4}, ["steps"]),
    ({"grid": {"t": [0.1, 1]}}, {"grid": {"t": [1.0, 0.1]}}, ["grid.t (order)"]),
    ({"grid": {"a": [1], "b": [2]}}, {"grid": {"b": [2], "a": [1]}}, ["grid (order)"]),
    ({"params": {"x": True}}, {"params": {"x": 1}}, ["params.x"]),
    ({"params": {"x": 1}}, {"params": {"x": 1.0}}, []),  # one value: no difference
    ({"a": 1}, {"b": 1}, ["a", "b"]),
])
def test_spec_differences(old, new, diff):
    assert _spec_diff(old, new) == diff


def test_the_refusal_never_lists_nothing(tmp_path):
    args = ({"n_agents": 5}, {"temperature": [0.5]})
    kw = dict(seeds=1, steps=1, metrics=["variance"], n_jobs=1, progress=False, out=tmp_path)
    sweep(*args, **kw)
    record = json.loads((tmp_path / "sweep.json").read_text())
    record["spec"]["params"]["n_agents"] = 5.0  # the same value, as an edited file may hold it
    (tmp_path / "sweep.json").write_text(json.dumps(record))
    pd.testing.assert_frame_equal(sweep(*args, **kw), load_results(tmp_path))  # still resumes
    record["spec"]["note"] = "edited"
    (tmp_path / "sweep.json").write_text(json.dumps(record))
    with pytest.raises(OpinionSimError, match=r"differs in: note\)"):
        sweep(*args, **kw)
