"""``opinionsim app``: its flags, and a clear message when the app extra is missing."""

import importlib.util

import pytest

from opinionsim.cli import main


def test_help_names_the_port_and_the_extra(capsys):
    with pytest.raises(SystemExit) as info:
        main(["app", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--port N" in out and "pip install 'opinionsim[app]'" in out


def test_without_the_extra_it_says_how_to_install_it(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("solara") else real(name, *a))
    assert main(["app"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ("opinionsim: error: the app needs solara, solara_assets: "
                           "pip install 'opinionsim[app]'.")


def test_a_port_out_of_range_is_refused(capsys):
    assert main(["app", "--port", "70000"]) == 2
    assert "--port 70000 is not a port number" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["app", "--port", "-1"])
